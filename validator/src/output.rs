//! Renders a [`crate::Report`] as human text (like rustc), JSON or SARIF 2.1.0.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::{Finding, Report, Severity};

/// The output formats of the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

/// Renders `report` in `format`, ending with a newline.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Human => human(report),
        Format::Json => json(report),
        Format::Sarif => {
            let mut text = serde_json::to_string_pretty(&sarif(report))
                .expect("a JSON value always serializes");
            text.push('\n');
            text
        }
    }
}

/// One JSON object: `{"findings": [...]}`.
pub fn json(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("findings always serialize");
    text.push('\n');
    text
}

/// rustc-style diagnostics, one block per finding, without a summary line:
/// for callers (like the site generator) that print their own summary.
pub fn diagnostics(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        write_finding(&mut out, finding);
    }
    out
}

/// rustc-style diagnostics followed by a summary line.
pub fn human(report: &Report) -> String {
    let mut out = diagnostics(report);
    let errors = report.error_count();
    let warnings = report.warning_count();
    if report.findings.is_empty() {
        out.push_str("ok: no findings\n");
    } else {
        let files = report
            .findings
            .iter()
            .map(|f| f.file.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let _ = writeln!(
            out,
            "{}: {} {}, {} {} in {} {}",
            if errors > 0 { "error" } else { "warning" },
            errors,
            plural(errors, "error", "errors"),
            warnings,
            plural(warnings, "warning", "warnings"),
            files,
            plural(files, "file", "files"),
        );
    }
    out
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

fn write_finding(out: &mut String, finding: &Finding) {
    let level = match finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let _ = writeln!(out, "{level}[{}]: {}", finding.rule, finding.message);
    let location = match (finding.line, finding.column) {
        (Some(line), Some(column)) => format!("{}:{line}:{column}", finding.file),
        (Some(line), None) => format!("{}:{line}", finding.file),
        _ => finding.file.clone(),
    };
    let gutter = finding.line.map_or(1, |l| l.to_string().len());
    let pad = " ".repeat(gutter);
    let _ = writeln!(out, "{pad}--> {location}");
    if let (Some(line), Some(snippet)) = (finding.line, &finding.snippet) {
        let shown: String = snippet
            .chars()
            .map(|c| if c == '\t' { ' ' } else { c })
            .collect();
        let caret_at = if shown.starts_with('…') {
            1
        } else {
            finding.column.map_or(0, |c| c.saturating_sub(1) as usize)
        };
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{line} | {shown}");
        let _ = writeln!(out, "{pad} | {}^", " ".repeat(caret_at));
    }
    if let Some(help) = &finding.help {
        let _ = writeln!(out, "{pad} = help: {help}");
    }
    out.push('\n');
}

/// What each rule category protects, for SARIF rule descriptions.
fn category_description(rule: &str) -> &'static str {
    match rule.split('/').next().unwrap_or("") {
        "csp" => "Every HTML route has a strict, enforced Content Security Policy.",
        "headers" => "_headers is valid and sends the security headers.",
        "script" => "Every subresource is loaded from the site's own origin.",
        "inline" => "No inline scripts, styles, event handlers or javascript: URLs.",
        "sri" => "Scripts and stylesheets carry matching Subresource Integrity.",
        "sink" => "JavaScript never writes untrusted strings into dangerous DOM or code sinks.",
        "admin" => "Public pages never link admin surfaces; admin surfaces are noindex.",
        "consent" => "Analytics load only after consent, through a first-party endpoint.",
        "form" => "Forms post to the site itself; the lead form keeps a mailto fallback.",
        "payment" => "No payment SDK and no card fields.",
        "secret" => "No credentials are shipped in the bundle.",
        "claims" => "No certification is claimed without approved evidence.",
        "link" => "Internal links, fragments and assets resolve inside the bundle.",
        "sitemap" => "The sitemap lists only existing, public, indexable pages.",
        "cache" => "Fingerprinted assets are cached immutably; HTML is not.",
        _ => "Bundle validator rule.",
    }
}

/// A SARIF 2.1.0 log with one run.
pub fn sarif(report: &Report) -> Value {
    let mut rules: BTreeMap<&str, &Finding> = BTreeMap::new();
    for finding in &report.findings {
        rules.entry(finding.rule.as_str()).or_insert(finding);
    }
    let rule_index: BTreeMap<&str, usize> =
        rules.keys().enumerate().map(|(i, r)| (*r, i)).collect();
    let level = |severity: Severity| match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let rule_objects: Vec<Value> = rules
        .iter()
        .map(|(id, first)| {
            let help = first.help.as_deref().unwrap_or(category_description(id));
            json!({
                "id": id,
                "shortDescription": { "text": category_description(id) },
                "help": { "text": help },
                "defaultConfiguration": { "level": level(first.severity) },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| {
            let mut physical = json!({
                "artifactLocation": { "uri": finding.file, "uriBaseId": "BUNDLE" },
            });
            if let Some(line) = finding.line {
                let mut region = json!({ "startLine": line });
                if let Some(column) = finding.column {
                    region["startColumn"] = json!(column);
                }
                physical["region"] = region;
            }
            json!({
                "ruleId": finding.rule,
                "ruleIndex": rule_index[finding.rule.as_str()],
                "level": level(finding.severity),
                "message": { "text": finding.message },
                "locations": [{ "physicalLocation": physical }],
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "bundle-validator",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rule_objects,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        Report {
            findings: vec![
                Finding {
                    rule: "inline/event-handler".into(),
                    severity: Severity::Error,
                    file: "index.html".into(),
                    line: Some(3),
                    column: Some(9),
                    message: "inline event handler `onclick` on <button>".into(),
                    snippet: Some("\t<button onclick=\"go()\">".into()),
                    help: Some("Move the handler into a script.".into()),
                },
                Finding {
                    rule: "headers/missing-file".into(),
                    severity: Severity::Warning,
                    file: "_headers".into(),
                    line: None,
                    column: None,
                    message: "no _headers".into(),
                    snippet: None,
                    help: None,
                },
            ],
        }
    }

    #[test]
    fn human_output_points_at_the_column() {
        let text = human(&sample());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "error[inline/event-handler]: inline event handler `onclick` on <button>"
        );
        assert_eq!(lines[1], " --> index.html:3:9");
        assert_eq!(lines[3], "3 |  <button onclick=\"go()\">");
        assert_eq!(lines[4], "  |         ^");
        assert!(
            text.ends_with("error: 1 error, 1 warning in 2 files\n"),
            "{text}"
        );
    }

    #[test]
    fn json_has_the_contract_shape() {
        let value: Value = serde_json::from_str(&json(&sample())).unwrap();
        let first = &value["findings"][0];
        assert_eq!(first["rule"], "inline/event-handler");
        assert_eq!(first["severity"], "error");
        assert_eq!(first["line"], 3);
        assert!(first.get("snippet").is_none());
        assert!(value["findings"][1]["line"].is_null());
    }

    #[test]
    fn sarif_results_reference_their_rules() {
        let log = sarif(&sample());
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 2);
        for result in run["results"].as_array().unwrap() {
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], result["ruleId"]);
        }
        assert!(
            run["results"][1]["locations"][0]["physicalLocation"]
                .get("region")
                .is_none()
        );
    }
}
