//! Grouping findings by cause, so that one template line shipped on every
//! page is reported once with the list of the places it occurs.
//!
//! Two findings have the same cause when they are of the same rule, say
//! the same thing (the message names the token, resource, host or header
//! rule) and, when they point into a line, that line reads the same once
//! runs of whitespace are made one space. Grouping looks at each finding
//! once, so it costs time linear in the number of findings, never in the
//! size of the bundle.

use std::collections::HashMap;

use crate::Finding;

/// Findings of one cause: the first place it occurs and the others, in
/// the report's order (file, line, column).
#[derive(Debug, Clone)]
pub struct Group<'r> {
    pub first: &'r Finding,
    pub others: Vec<&'r Finding>,
}

impl Group<'_> {
    /// How many findings the group stands for.
    pub fn count(&self) -> usize {
        1 + self.others.len()
    }
}

/// The cause of a finding, as grouping compares it.
#[derive(Hash, PartialEq, Eq)]
struct Cause<'r> {
    rule: &'r str,
    message: &'r str,
    snippet: Option<String>,
}

fn cause(finding: &Finding) -> Cause<'_> {
    Cause {
        rule: &finding.rule,
        message: &finding.message,
        snippet: finding
            .snippet
            .as_deref()
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ")),
    }
}

/// Groups `findings` by cause, in the order each cause first occurs.
pub fn groups(findings: &[Finding]) -> Vec<Group<'_>> {
    let mut index: HashMap<Cause<'_>, usize> = HashMap::with_capacity(findings.len());
    let mut out: Vec<Group<'_>> = Vec::new();
    for finding in findings {
        match index.entry(cause(finding)) {
            std::collections::hash_map::Entry::Occupied(entry) => {
                out[*entry.get()].others.push(finding);
            }
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(out.len());
                out.push(Group {
                    first: finding,
                    others: Vec::new(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Severity;

    fn finding(file: &str, line: u32, message: &str, snippet: Option<&str>) -> Finding {
        Finding {
            rule: "inline/event-handler".into(),
            severity: Severity::Error,
            file: file.into(),
            line: Some(line),
            column: Some(4),
            message: message.into(),
            snippet: snippet.map(str::to_string),
            help: None,
            span: None,
            source: None,
        }
    }

    #[test]
    fn one_template_line_on_many_pages_is_one_group() {
        let findings = vec![
            finding("a.html", 3, "handler onclick", Some("<b onclick=x>")),
            finding("a.html", 9, "handler onclick", Some("<b onclick=y>")),
            finding("b.html", 5, "handler onclick", Some("  <b  onclick=x>")),
            finding("c.html", 3, "handler onclick", Some("<b onclick=x>")),
            finding("c.html", 4, "handler onload", Some("<b onclick=x>")),
        ];
        let groups = groups(&findings);
        let shape: Vec<(&str, u32, usize)> = groups
            .iter()
            .map(|g| (g.first.file.as_str(), g.first.line.unwrap(), g.count()))
            .collect();
        assert_eq!(
            shape,
            [("a.html", 3, 3), ("a.html", 9, 1), ("c.html", 4, 1)]
        );
        let others: Vec<&str> = groups[0].others.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(others, ["b.html", "c.html"]);
    }

    #[test]
    fn whole_file_findings_group_by_message() {
        let mut a = finding("x.js", 1, "served without Cache-Control", None);
        a.line = None;
        let mut b = a.clone();
        b.file = "y.js".into();
        let mut c = a.clone();
        c.rule = "cache/html-immutable".into();
        let findings = [a, b, c];
        let counts: Vec<usize> = groups(&findings).iter().map(Group::count).collect();
        assert_eq!(counts, [2, 1]);
    }
}
