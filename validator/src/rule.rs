//! What a rule is: the one declaration of each rule's id, default
//! severity, summary, reason, fix and documentation link.
//!
//! Each rule module declares its category as a [`Category`] constant, and
//! [`crate::rules::CATEGORIES`] lists those constants. Every output (human,
//! JSON, SARIF), the README's rule tables (kept equal by a tidy test) and
//! the fixture harness read rules from there, so that a rule's words and
//! severity are written once.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use crate::Severity;

/// The documentation every help link points into.
const README_URL: &str = concat!(
    env!("CARGO_PKG_REPOSITORY"),
    "/blob/main/validator/README.md"
);

/// One rule, as declared in its category's module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// `CATEGORY/NAME`, e.g. `inline/event-handler`.
    pub id: &'static str,
    /// The severity of its findings unless configuration says otherwise.
    pub severity: Severity,
    /// What the rule catches, in one line.
    pub summary: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix a finding, in general; findings may carry a more
    /// specific help text of their own.
    pub fix: &'static str,
    /// The finding says the validator could not judge (part of) a file:
    /// it could not read, decode or parse it to the end. Such a finding
    /// cannot be suppressed by a marker inside the content it is about,
    /// and a category wildcard (`encoding/*`) in the config does not
    /// cover it: only a config suppression naming the rule itself does.
    pub unjudged: bool,
}

impl Rule {
    /// A rule whose findings are errors by default.
    pub const fn error(
        id: &'static str,
        summary: &'static str,
        why: &'static str,
        fix: &'static str,
    ) -> Self {
        Rule {
            id,
            severity: Severity::Error,
            summary,
            why,
            fix,
            unjudged: false,
        }
    }

    /// A rule whose findings are warnings by default.
    pub const fn warning(
        id: &'static str,
        summary: &'static str,
        why: &'static str,
        fix: &'static str,
    ) -> Self {
        Rule {
            id,
            severity: Severity::Warning,
            summary,
            why,
            fix,
            unjudged: false,
        }
    }

    /// The same rule, marked as one whose findings say a file was not
    /// judged (see the field `unjudged`).
    pub const fn marks_unjudged(self) -> Self {
        Rule {
            unjudged: true,
            ..self
        }
    }

    /// Whether an inline marker may suppress findings of this rule: not
    /// when the finding is about content the validator could not judge,
    /// and not for the findings about suppressions themselves.
    pub fn suppressible_inline(&self) -> bool {
        !self.unjudged && self.category() != crate::rules::suppression::CATEGORY.name
    }

    /// The part of the id before the `/`.
    pub fn category(&self) -> &'static str {
        self.id
            .split_once('/')
            .map_or(self.id, |(category, _)| category)
    }
}

/// A rule category: one section of the README and one rule module.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Category {
    /// The part of every rule id before the `/`.
    pub name: &'static str,
    /// What the category promises, as its README heading reads after the
    /// name (`### csp — an enforced, strict Content Security Policy`).
    pub title: &'static str,
    /// How much a broken promise of this category exposes, from 0.1 to
    /// 10 on the CVSS scale code scanning ranks alerts by (9 and up
    /// critical, 7 high, 4 medium, below 4 low). Rules that warn by
    /// default are ranked low whatever their category.
    pub security_severity: f32,
    pub rules: &'static [Rule],
}

impl Category {
    /// The README heading of this category's section, without the `###`.
    pub fn heading(&self) -> String {
        format!("{} — {}", self.name, self.title)
    }

    /// The link to this category's section of the README: GitHub's anchor
    /// for the heading (lowercased; characters other than letters, digits,
    /// `-`, `_` and spaces dropped; spaces made `-`).
    pub fn help_uri(&self) -> String {
        let anchor: String = self
            .heading()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        format!("{README_URL}#{anchor}")
    }

    /// The security severity of one of its rules, as SARIF's
    /// `security-severity` property writes it.
    pub fn security_severity(&self, rule: &Rule) -> String {
        let score = match rule.severity {
            Severity::Error => self.security_severity,
            Severity::Warning => self.security_severity.min(3.9),
        };
        format!("{score:.1}")
    }

    /// The category's rule table as the README shows it: id (with
    /// *warning* for rules that warn by default, and *not suppressible
    /// inline* for rules that report unjudged content), what it catches,
    /// why, and the fix.
    pub fn markdown_table(&self) -> String {
        let mut out = String::from("| id | catches | why | fix |\n|---|---|---|---|\n");
        for rule in self.rules {
            let mut marker = match rule.severity {
                Severity::Warning => " (*warning*)",
                Severity::Error => "",
            }
            .to_string();
            if rule.unjudged {
                marker.push_str(" (*not suppressible inline*)");
            }
            let _ = writeln!(
                out,
                "| `{}`{marker} | {} | {} | {} |",
                rule.id, rule.summary, rule.why, rule.fix
            );
        }
        out
    }
}

/// Every rule category, in the README's order.
pub fn categories() -> &'static [Category] {
    crate::rules::CATEGORIES
}

/// Every rule, category by category.
pub fn all() -> impl Iterator<Item = &'static Rule> {
    categories().iter().flat_map(|category| category.rules)
}

/// The rule with this id, if there is one. Every finding is looked up,
/// so the table is indexed once.
pub fn lookup(id: &str) -> Option<&'static Rule> {
    static INDEX: OnceLock<HashMap<&'static str, &'static Rule>> = OnceLock::new();
    INDEX
        .get_or_init(|| all().map(|rule| (rule.id, rule)).collect())
        .get(id)
        .copied()
}

/// The category a rule id belongs to, if it is declared.
pub fn category_of(id: &str) -> Option<&'static Category> {
    let name = id.split_once('/').map_or(id, |(category, _)| category);
    categories().iter().find(|category| category.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_declared_once_in_its_own_category() {
        let mut seen = std::collections::HashSet::new();
        for category in categories() {
            assert!(!category.rules.is_empty(), "{} has no rules", category.name);
            for rule in category.rules {
                assert_eq!(rule.category(), category.name, "{}", rule.id);
                assert!(seen.insert(rule.id), "{} is declared twice", rule.id);
                for (what, text) in [
                    ("summary", rule.summary),
                    ("why", rule.why),
                    ("fix", rule.fix),
                ] {
                    assert!(!text.trim().is_empty(), "{} has no {what}", rule.id);
                    assert!(
                        !text.contains(['|', '\n']),
                        "{} {what} breaks a table row",
                        rule.id
                    );
                }
            }
        }
        assert_eq!(lookup("csp/missing").map(|r| r.id), Some("csp/missing"));
        assert!(lookup("nothing-here/at-all").is_none());
    }

    #[test]
    fn help_links_point_at_the_readme_section() {
        let csp = category_of("csp/missing").expect("csp is declared");
        assert!(
            csp.help_uri()
                .ends_with("validator/README.md#csp--an-enforced-strict-content-security-policy"),
            "{}",
            csp.help_uri()
        );
    }
}
