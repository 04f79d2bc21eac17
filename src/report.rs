//! Human-readable validator findings, laid out like compiler diagnostics:
//! severity and rule, then `file:line:col`, the snippet and the fix.

use std::fmt::Write;

use bundle_validator::{Finding, Report, Severity};

/// Formats every finding of a report, one block per finding.
pub fn format_findings(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        format_finding(&mut out, finding);
    }
    out
}

fn format_finding(out: &mut String, finding: &Finding) {
    let severity = match finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let _ = writeln!(out, "{severity}[{}]: {}", finding.rule, finding.message);
    let mut location = finding.file.clone();
    if let Some(line) = finding.line {
        let _ = write!(location, ":{line}");
        if let Some(column) = finding.column {
            let _ = write!(location, ":{column}");
        }
    }
    let _ = writeln!(out, "  --> {location}");
    if let Some(snippet) = &finding.snippet {
        let _ = writeln!(out, "   |");
        for line in snippet.lines() {
            let _ = writeln!(out, "   | {line}");
        }
    }
    if let Some(help) = &finding.help {
        let _ = writeln!(out, "   = help: {help}");
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_location_snippet_and_help() {
        let report = Report {
            findings: vec![Finding {
                rule: "inline/event-handler".into(),
                severity: Severity::Error,
                file: "index.html".into(),
                line: Some(3),
                column: Some(7),
                message: "event handler attribute".into(),
                snippet: Some("<a onclick=\"x\">".into()),
                help: Some("move the handler into a static script".into()),
            }],
        };
        assert_eq!(
            format_findings(&report),
            "error[inline/event-handler]: event handler attribute\n  --> index.html:3:7\n   |\n   | <a onclick=\"x\">\n   = help: move the handler into a static script\n\n"
        );
    }
}
