//! Suppressions: findings a site accepts, each with a reason.
//!
//! Two kinds exist. An inline marker is a comment in the file
//! (`bundle-validator: allow RULE -- reason`, see [`marker`]) that covers
//! the next element of a page or the next line of code of a script or
//! stylesheet; the `inline` module reads markers from real comments only. A config
//! suppression (`suppress:` in the config) covers a rule in the bundle
//! paths a glob matches.
//!
//! Suppression is applied in one place, `apply`, after every rule has
//! run and the config has set severities: a suppressed finding leaves the
//! findings (so it neither fails the check nor counts as a warning) and is
//! kept, with its suppression, in [`Suppressed`]. It fails closed: a
//! suppression without a reason suppresses nothing, a marker that cannot
//! be read is reported, and a finding about content the validator could
//! not judge is never suppressed by a marker inside that content.

pub mod marker;

pub(crate) mod inline;

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use crate::config::Config;
use crate::emit::Message;
use crate::rule;
use crate::rules::suppression;
use crate::{Finding, Severity};

/// Which findings a suppression covers: one rule, or every rule of a
/// category (`csp/*`) apart from those that report unjudged content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selector {
    Rule(&'static str),
    Category(&'static str),
}

/// Why a rule selector is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    #[error("an empty rule name")]
    Empty,
    #[error("`{0}` is neither a rule id nor `category/*`")]
    Unknown(String),
    #[error(
        "`{0}` reports on suppressions themselves and cannot be suppressed; set its level under `rules:`"
    )]
    Suppression(String),
}

impl Selector {
    /// Reads a declared rule id or `category/*`.
    pub fn parse(text: &str) -> Result<Selector, SelectorError> {
        if text.is_empty() {
            return Err(SelectorError::Empty);
        }
        let selector = if let Some(category) = text.strip_suffix("/*") {
            rule::categories()
                .iter()
                .find(|c| c.name == category)
                .map(|c| Selector::Category(c.name))
        } else {
            rule::lookup(text).map(|r| Selector::Rule(r.id))
        };
        let selector = selector.ok_or_else(|| SelectorError::Unknown(text.to_string()))?;
        if selector.category() == suppression::CATEGORY.name {
            return Err(SelectorError::Suppression(text.to_string()));
        }
        Ok(selector)
    }

    fn category(self) -> &'static str {
        match self {
            Selector::Rule(id) => id.split_once('/').map_or(id, |(category, _)| category),
            Selector::Category(name) => name,
        }
    }

    /// Whether findings of `rule_id` are covered. A category covers its
    /// rules except those whose findings say content was not judged:
    /// accepting those takes naming the rule.
    pub fn matches(self, rule_id: &str) -> bool {
        match self {
            Selector::Rule(id) => id == rule_id,
            Selector::Category(name) => {
                rule::lookup(rule_id).is_some_and(|r| r.category() == name && !r.unjudged)
            }
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Rule(id) => f.write_str(id),
            Selector::Category(name) => write!(f, "{name}/*"),
        }
    }
}

/// Where a suppression is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionKind {
    /// A marker in a comment of the file.
    Inline,
    /// A `suppress:` entry of the config.
    Config,
}

/// The suppression that accepted a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    pub kind: SuppressionKind,
    /// `RULE` or `category/*`, as the suppression names it.
    pub rule: String,
    pub reason: String,
    /// The file the suppression is written in: the bundle file of a
    /// marker, or the config file.
    pub file: String,
    /// 1-based line of the marker or config entry, when known.
    pub line: Option<u32>,
}

/// A finding that a suppression accepted: not counted, but reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    #[serde(flatten)]
    pub finding: Finding,
    pub suppression: Suppression,
}

/// What an inline marker covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Every finding on this 1-based line.
    Line(u32),
    /// Findings from `start` up to, not including, `end`, as
    /// `(line, column)` positions.
    Span { start: (u32, u32), end: (u32, u32) },
}

impl Scope {
    /// Whether the finding lies in the scope. Findings about a whole file
    /// lie in no marker's scope.
    fn covers(self, finding: &Finding) -> bool {
        let (Some(line), Some(column)) = (finding.line, finding.column) else {
            return false;
        };
        match self {
            Scope::Line(covered) => line == covered,
            Scope::Span { start, end } => start <= (line, column) && (line, column) < end,
        }
    }
}

/// One well-formed marker with a reason, read from a file.
#[derive(Debug, Clone)]
pub(crate) struct InlineSuppression {
    pub selectors: Vec<Selector>,
    pub reason: String,
    pub scope: Scope,
    /// Where the marker is, as a finding (file, line, column, snippet)
    /// whose rule and message are filled in if it turns out unused.
    pub place: Finding,
}

/// The markers of one file, by the kind of their scope.
#[derive(Default)]
struct FileMarkers {
    lines: HashMap<u32, Vec<usize>>,
    spans: Vec<usize>,
}

/// The findings after suppression.
pub(crate) struct Outcome {
    pub kept: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
    /// `suppression/*` findings about the suppressions themselves.
    pub warnings: Vec<Finding>,
}

/// A config suppression, ready to match.
struct FromConfig {
    selector: Selector,
    pattern: String,
    reason: String,
    paths: globset::GlobMatcher,
    place: Finding,
    used: bool,
}

/// Applies the inline markers of every file and the config's suppressions
/// to the findings that rules reported and the config kept.
pub(crate) fn apply(
    findings: Vec<Finding>,
    inline: Vec<InlineSuppression>,
    config: &Config,
) -> Outcome {
    let mut warnings = Vec::new();
    let mut from_config = Vec::new();
    let config_file = config.source.as_ref().map_or_else(
        || "validator config".to_string(),
        |path| path.display().to_string(),
    );
    for entry in &config.suppress {
        let line = u32::try_from(entry.referenced.line())
            .ok()
            .filter(|l| *l > 0);
        let column = u32::try_from(entry.referenced.column())
            .ok()
            .filter(|c| *c > 0);
        let place = Finding {
            rule: String::new(),
            severity: Severity::Warning,
            file: config_file.clone(),
            line,
            column: line.and(column),
            message: String::new(),
            snippet: None,
            help: None,
            span: None,
            source: None,
        };
        let suppression = &entry.value;
        let what = format!(
            "config suppression of `{}` for `{}`",
            suppression.rule.selector(),
            suppression.path.as_str()
        );
        let reason = suppression
            .reason
            .as_deref()
            .map(|r| r.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        if reason.is_empty() {
            warnings.push(as_finding(&place, suppression::no_reason(&what)));
            continue;
        }
        // The glob was checked when the config was read; a config built in
        // code with a bad glob suppresses nothing.
        let Some(paths) = suppression.path.matcher() else {
            continue;
        };
        from_config.push(FromConfig {
            selector: suppression.rule.selector(),
            pattern: suppression.path.as_str().to_string(),
            reason,
            paths,
            place,
            used: false,
        });
    }

    // Markers by file, and line markers by line, so that a finding is
    // compared only with the markers that can cover it.
    let mut by_file: HashMap<&str, FileMarkers> = HashMap::new();
    for (index, marker) in inline.iter().enumerate() {
        let markers = by_file.entry(marker.place.file.as_str()).or_default();
        match marker.scope {
            Scope::Line(line) => markers.lines.entry(line).or_default().push(index),
            Scope::Span { .. } => markers.spans.push(index),
        }
    }
    let mut used: Vec<Vec<bool>> = inline
        .iter()
        .map(|m| vec![false; m.selectors.len()])
        .collect();

    let mut kept = Vec::with_capacity(findings.len());
    let mut suppressed = Vec::new();
    for finding in findings {
        let Some(declared) = rule::lookup(&finding.rule) else {
            kept.push(finding);
            continue;
        };
        if declared.category() == suppression::CATEGORY.name {
            kept.push(finding);
            continue;
        }
        let mut accepted: Option<Suppression> = None;
        if declared.suppressible_inline() {
            let candidates = by_file.get(finding.file.as_str()).map(|markers| {
                let on_line = finding
                    .line
                    .and_then(|line| markers.lines.get(&line))
                    .map_or(&[][..], Vec::as_slice);
                on_line.iter().chain(&markers.spans)
            });
            for &index in candidates.into_iter().flatten() {
                let marker = &inline[index];
                if !marker.scope.covers(&finding) {
                    continue;
                }
                for (at, selector) in marker.selectors.iter().enumerate() {
                    if selector.matches(&finding.rule) {
                        used[index][at] = true;
                        accepted.get_or_insert_with(|| Suppression {
                            kind: SuppressionKind::Inline,
                            rule: selector.to_string(),
                            reason: marker.reason.clone(),
                            file: marker.place.file.clone(),
                            line: marker.place.line,
                        });
                    }
                }
            }
        }
        if accepted.is_none()
            && let Some(entry) = from_config
                .iter_mut()
                .find(|e| e.selector.matches(&finding.rule) && e.paths.is_match(&finding.file))
        {
            entry.used = true;
            accepted = Some(Suppression {
                kind: SuppressionKind::Config,
                rule: entry.selector.to_string(),
                reason: entry.reason.clone(),
                file: entry.place.file.clone(),
                line: entry.place.line,
            });
        }
        match accepted {
            Some(suppression) => suppressed.push(Suppressed {
                finding,
                suppression,
            }),
            None => kept.push(finding),
        }
    }

    for (marker, used) in inline.iter().zip(&used) {
        for (selector, used) in marker.selectors.iter().zip(used) {
            if !used {
                let what = format!("inline suppression of `{selector}`");
                warnings.push(as_finding(&marker.place, suppression::unused(&what)));
            }
        }
    }
    for entry in from_config.iter().filter(|e| !e.used) {
        let what = format!(
            "config suppression of `{}` for `{}`",
            entry.selector, entry.pattern
        );
        warnings.push(as_finding(&entry.place, suppression::unused(&what)));
    }
    Outcome {
        kept,
        suppressed,
        warnings,
    }
}

/// `message` reported at the place of a suppression.
fn as_finding(place: &Finding, message: Message) -> Finding {
    Finding {
        rule: message.rule.to_string(),
        severity: message.severity,
        message: message.message,
        help: (!message.help.is_empty()).then(|| message.help.to_string()),
        ..place.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_leave_out_unjudged_rules() {
        let encoding = Selector::parse("encoding/*").unwrap();
        assert!(!encoding.matches("encoding/invalid-bytes"));
        let secret = Selector::parse("secret/*").unwrap();
        assert!(secret.matches("secret/jwt"));
        assert!(!secret.matches("secret/unscanned-file"));
        assert!(!secret.matches("sink/eval"));
        let named = Selector::parse("secret/unscanned-file").unwrap();
        assert!(named.matches("secret/unscanned-file"));
        assert_eq!(
            Selector::parse("nothing/*"),
            Err(SelectorError::Unknown("nothing/*".into()))
        );
        assert!(matches!(
            Selector::parse("suppression/*"),
            Err(SelectorError::Suppression(_))
        ));
        assert_eq!(Selector::parse("csp/*").unwrap().to_string(), "csp/*");
    }

    fn finding(rule: &str, file: &str, line: u32) -> Finding {
        Finding {
            rule: rule.into(),
            severity: Severity::Error,
            file: file.into(),
            line: Some(line),
            column: Some(1),
            message: String::new(),
            snippet: None,
            help: None,
            span: None,
            source: None,
        }
    }

    #[test]
    fn markers_and_config_entries_accept_findings_once_and_unused_ones_are_reported() {
        let config = Config::parse(
            "suppress:\n\
             \x20 - rule: secret/*\n    path: \"vendor/**\"\n    reason: vendored\n\
             \x20 - rule: secret/unscanned-file\n    path: \"vendor/**\"\n    reason: too big\n\
             \x20 - rule: sink/eval\n    path: \"**\"\n\
             \x20 - rule: link/*\n    path: \"*.html\"\n    reason: nothing here\n",
            std::path::Path::new("v.yaml"),
        )
        .unwrap();
        let marker = InlineSuppression {
            selectors: vec![
                Selector::Rule("sink/eval"),
                Selector::Category("sink"),
                Selector::Rule("sink/inner-html"),
            ],
            reason: "reviewed".into(),
            scope: Scope::Line(4),
            place: finding("suppression/unused", "a.js", 3),
        };
        let findings = vec![
            finding("sink/eval", "a.js", 4),
            finding("sink/eval", "b.js", 4),
            finding("secret/jwt", "vendor/x.js", 1),
            finding("secret/unscanned-file", "vendor/big.js", 1),
            finding("sink/too-deep", "a.js", 4),
        ];
        let outcome = apply(findings, vec![marker], &config);
        let kept: Vec<(&str, &str)> = outcome
            .kept
            .iter()
            .map(|f| (f.rule.as_str(), f.file.as_str()))
            .collect();
        // The reasonless entry accepts nothing; no marker accepts an
        // unjudged finding.
        assert_eq!(kept, [("sink/eval", "b.js"), ("sink/too-deep", "a.js")]);
        let accepted: Vec<(&str, SuppressionKind, &str)> = outcome
            .suppressed
            .iter()
            .map(|s| {
                (
                    s.finding.file.as_str(),
                    s.suppression.kind,
                    s.suppression.rule.as_str(),
                )
            })
            .collect();
        assert_eq!(
            accepted,
            [
                ("a.js", SuppressionKind::Inline, "sink/eval"),
                ("vendor/x.js", SuppressionKind::Config, "secret/*"),
                // Only the entry naming the rule accepts an unjudged finding.
                (
                    "vendor/big.js",
                    SuppressionKind::Config,
                    "secret/unscanned-file"
                ),
            ]
        );
        assert_eq!(outcome.suppressed[0].suppression.line, Some(3));
        assert_eq!(outcome.suppressed[1].suppression.file, "v.yaml");
        let warnings: Vec<(&str, &str, Option<u32>)> = outcome
            .warnings
            .iter()
            .map(|f| (f.rule.as_str(), f.file.as_str(), f.line))
            .collect();
        assert_eq!(
            warnings,
            [
                ("suppression/no-reason", "v.yaml", Some(8)),
                ("suppression/unused", "a.js", Some(3)),
                ("suppression/unused", "v.yaml", Some(10)),
            ]
        );
        assert!(outcome.warnings[1].message.contains("sink/inner-html"));
    }

    #[test]
    fn scopes_cover_their_lines_and_spans_only() {
        let at = |line, column| Finding {
            rule: "inline/script".into(),
            severity: Severity::Error,
            file: "a.html".into(),
            line: Some(line),
            column: Some(column),
            message: String::new(),
            snippet: None,
            help: None,
            span: None,
            source: None,
        };
        assert!(Scope::Line(3).covers(&at(3, 40)));
        assert!(!Scope::Line(3).covers(&at(4, 1)));
        let span = Scope::Span {
            start: (2, 5),
            end: (4, 3),
        };
        assert!(span.covers(&at(2, 5)) && span.covers(&at(3, 1)) && span.covers(&at(4, 2)));
        assert!(!span.covers(&at(2, 4)) && !span.covers(&at(4, 3)));
        let mut whole = at(1, 1);
        whole.line = None;
        whole.column = None;
        assert!(!Scope::Line(1).covers(&whole));
    }
}
