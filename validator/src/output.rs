//! Renders a [`crate::Report`] as human text (like rustc), JSON or SARIF 2.1.0.
//!
//! File names, messages and snippets come from the bundle, so they can hold
//! characters that drive a terminal (ESC sequences, carriage returns that
//! overwrite a line) or reorder what is shown (bidirectional overrides).
//! The human format escapes each visibly (`\u{1b}`, `\r`, `\u{202e}`), so
//! that a finding cannot be hidden or disguised; JSON and SARIF keep every
//! string exact but write those characters as `\uXXXX` escapes.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};
use serde_json::{Value, json};

use crate::{Finding, Report, Severity, Suppressed, SuppressionKind, baseline, group, rule};

mod human;

pub use human::{HumanOptions, diagnostics, diagnostics_with, human, human_with, summary_line};

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
        Format::Sarif => to_json(&sarif(report)),
    }
}

/// SARIF placed as `options` say, ending with a newline.
pub fn render_sarif(report: &Report, options: &SarifOptions) -> String {
    to_json(&sarif_with(report, options))
}

/// One JSON object: `{"findings": [...], "groups": [...], "rules": [...],
/// "suppressed": [...]}`. `findings` has one entry per place; `groups` one
/// per cause, with its first place, its count and the other places;
/// `rules` describes, from the rule table, each rule that has a finding
/// (suppressed ones included); `suppressed` lists the findings a
/// suppression accepted, each as a finding with its `suppression` (kind
/// `inline` or `config`, rule, reason, and the file and line it is
/// written at).
pub fn json(report: &Report) -> String {
    #[derive(Serialize)]
    struct JsonRule {
        id: &'static str,
        category: &'static str,
        default_severity: Severity,
        summary: &'static str,
        why: &'static str,
        fix: &'static str,
        help_uri: String,
    }
    #[derive(Serialize)]
    struct JsonPlace<'a> {
        file: &'a str,
        line: Option<u32>,
        column: Option<u32>,
    }
    #[derive(Serialize)]
    struct JsonGroup<'a> {
        rule: &'a str,
        severity: Severity,
        message: &'a str,
        file: &'a str,
        line: Option<u32>,
        column: Option<u32>,
        count: usize,
        others: Vec<JsonPlace<'a>>,
    }
    #[derive(Serialize)]
    struct JsonReport<'a> {
        findings: &'a [Finding],
        groups: Vec<JsonGroup<'a>>,
        rules: Vec<JsonRule>,
        suppressed: &'a [Suppressed],
        /// What each rule category examined: present for every report of
        /// a check.
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        coverage: &'a [crate::CategoryCoverage],
    }
    let groups = group::groups(&report.findings)
        .into_iter()
        .map(|group| JsonGroup {
            rule: &group.first.rule,
            severity: group.first.severity,
            message: &group.first.message,
            file: &group.first.file,
            line: group.first.line,
            column: group.first.column,
            count: group.count(),
            others: group
                .others
                .iter()
                .map(|f| JsonPlace {
                    file: &f.file,
                    line: f.line,
                    column: f.column,
                })
                .collect(),
        })
        .collect();
    let ids: std::collections::BTreeSet<&str> = report
        .findings
        .iter()
        .chain(report.suppressed.iter().map(|s| &s.finding))
        .map(|f| f.rule.as_str())
        .collect();
    let rules = rule::categories()
        .iter()
        .flat_map(|category| category.rules.iter().map(move |r| (category, r)))
        .filter(|(_, r)| ids.contains(r.id))
        .map(|(category, r)| JsonRule {
            id: r.id,
            category: category.name,
            default_severity: r.severity,
            summary: r.summary,
            why: r.why,
            fix: r.fix,
            help_uri: category.help_uri(),
        })
        .collect();
    to_json(&JsonReport {
        findings: &report.findings,
        groups,
        rules,
        suppressed: &report.suppressed,
        coverage: &report.coverage,
    })
}

/// Pretty JSON with the characters [`is_deceptive`] names escaped as
/// `\uXXXX`, followed by a newline.
fn to_json(value: &impl Serialize) -> String {
    let mut bytes = Vec::new();
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut bytes, SafeFormatter(PrettyFormatter::new()));
    value
        .serialize(&mut serializer)
        .expect("findings always serialize");
    bytes.push(b'\n');
    String::from_utf8(bytes).expect("serde_json writes UTF-8")
}

/// serde_json's pretty printer, escaping more than JSON requires: control
/// characters past ASCII, DEL and bidirectional formatting characters,
/// which are valid in JSON strings but act on a terminal that shows them.
struct SafeFormatter(PrettyFormatter<'static>);

impl Formatter for SafeFormatter {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (index, c) in fragment.char_indices() {
            if is_deceptive(c) {
                writer.write_all(&fragment.as_bytes()[start..index])?;
                // Every such character is in the Basic Multilingual Plane.
                write!(writer, "\\u{:04x}", u32::from(c))?;
                start = index + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Characters that can drive a terminal or reorder the text around them:
/// C0 and C1 controls, DEL, the bidirectional marks, embeddings,
/// overrides and isolates, and the Unicode line and paragraph separators.
pub fn is_deceptive(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// How a deceptive character is written in human output.
fn escape(c: char) -> Cow<'static, str> {
    match c {
        '\n' => Cow::Borrowed("\\n"),
        '\r' => Cow::Borrowed("\\r"),
        '\t' => Cow::Borrowed("\\t"),
        _ => Cow::Owned(format!("\\u{{{:x}}}", u32::from(c))),
    }
}

/// `text` with every deceptive character escaped visibly.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_deceptive) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_deceptive(c) {
            out.push_str(&escape(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether a finding's location is a served URL (from `verify`) rather
/// than a bundle path.
fn served_url(file: &str) -> bool {
    (file.starts_with("http://") || file.starts_with("https://")) && url::Url::parse(file).is_ok()
}

/// A SARIF 2.1.0 log with one run.
pub fn sarif(report: &Report) -> Value {
    sarif_with(report, &SarifOptions::default())
}

/// Where the checked bundle lies in the repository, so that SARIF
/// locations are repository paths.
#[derive(Debug, Clone, Default)]
pub struct SarifOptions {
    /// The bundle's folder relative to the repository root, `/`-separated
    /// (`site/dist`); empty when the bundle is the root.
    pub bundle_in_root: Option<String>,
    /// The repository root as an absolute `file:` URI ending in `/`, the
    /// value of `originalUriBaseIds.SRCROOT`.
    pub root_uri: Option<String>,
    /// The folder of the site's sources relative to the repository root,
    /// `/`-separated (empty when the site is the root), for findings that
    /// carry a [`crate::SourceLocation`]; `None` places them under the base
    /// id `SITE`.
    pub site_in_root: Option<String>,
}

impl SarifOptions {
    /// Locations for a bundle a generator built from the site folder
    /// `site`, taken as the repository root (`SRCROOT`): findings traced
    /// to the site's sources are repository paths (`content/about.md`),
    /// built files stay relative to the bundle (`BUNDLE`).
    pub fn for_site(site: &std::path::Path) -> SarifOptions {
        let root_uri = site
            .canonicalize()
            .ok()
            .and_then(|root| url::Url::from_directory_path(root).ok())
            .map(|uri| uri.to_string());
        SarifOptions {
            bundle_in_root: None,
            root_uri,
            site_in_root: Some(String::new()),
        }
    }
}

/// Characters written as they are in a SARIF URI: RFC 3986's unreserved
/// characters. Everything else in a file name, non-ASCII included, is
/// percent-encoded as UTF-8; `/` separates segments.
const URI_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A bundle path as a relative URI reference.
pub fn path_uri(path: &str) -> String {
    path.split('/')
        .map(|segment| percent_encoding::utf8_percent_encode(segment, URI_SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// A SARIF 2.1.0 log with one run, with locations as `options` place them.
pub fn sarif_with(report: &Report, options: &SarifOptions) -> Value {
    let level = |severity: Severity| match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    // Every declared rule is listed, so that a rule keeps its index from
    // one run to the next; a finding of a rule the table does not declare
    // (none today) gets a rule object of its own after them.
    let mut rule_objects: Vec<Value> = rule::categories()
        .iter()
        .flat_map(|category| category.rules.iter().map(move |r| (category, r)))
        .map(|(category, r)| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": format!("{}. {}.", sentence(r.summary), sentence(r.why)) },
                "help": {
                    "text": format!("{}.", sentence(r.fix)),
                    "markdown": format!(
                        "**Why:** {}.\n\n**Fix:** {}.\n\n[Documentation]({})",
                        r.why,
                        r.fix,
                        category.help_uri()
                    ),
                },
                "helpUri": category.help_uri(),
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": {
                    "tags": ["security", r.category()],
                    "security-severity": category.security_severity(r),
                },
            })
        })
        .collect();
    let mut rule_index: BTreeMap<&str, usize> = rule::all()
        .enumerate()
        .map(|(index, r)| (r.id, index))
        .collect();
    for finding in report
        .findings
        .iter()
        .chain(report.suppressed.iter().map(|s| &s.finding))
    {
        if !rule_index.contains_key(finding.rule.as_str()) {
            rule_index.insert(&finding.rule, rule_objects.len());
            rule_objects.push(json!({
                "id": finding.rule,
                "shortDescription": { "text": finding.rule },
                "defaultConfiguration": { "level": level(finding.severity) },
            }));
        }
    }
    let place = |file: &str,
                 line: Option<u32>,
                 column: Option<u32>,
                 span: Option<&crate::finding::Span>| {
        let mut physical = json!({
            "artifactLocation": match &options.bundle_in_root {
                // `verify` findings are about served URLs, which are
                // absolute URIs of their own.
                _ if served_url(file) => json!({ "uri": file }),
                Some(prefix) if !prefix.is_empty() => json!({
                    "uri": format!("{}/{}", path_uri(prefix), path_uri(file)),
                    "uriBaseId": "SRCROOT",
                }),
                Some(_) => json!({ "uri": path_uri(file), "uriBaseId": "SRCROOT" }),
                None => json!({ "uri": path_uri(file), "uriBaseId": "BUNDLE" }),
            },
        });
        if let Some(line) = line {
            let mut region = json!({ "startLine": line });
            if let Some(column) = column {
                region["startColumn"] = json!(column);
                if let Some(span) = span {
                    region["endColumn"] = json!(span.end_column);
                }
            }
            physical["region"] = region;
        }
        physical
    };
    let physical = |finding: &Finding| {
        place(
            &finding.file,
            finding.line,
            finding.column,
            finding.span.as_ref(),
        )
    };
    let source_physical = |source: &crate::SourceLocation| {
        let artifact = match &options.site_in_root {
            Some(prefix) if !prefix.is_empty() => json!({
                "uri": format!("{}/{}", path_uri(prefix), path_uri(&source.file)),
                "uriBaseId": "SRCROOT",
            }),
            Some(_) => json!({ "uri": path_uri(&source.file), "uriBaseId": "SRCROOT" }),
            None => json!({ "uri": path_uri(&source.file), "uriBaseId": "SITE" }),
        };
        let mut physical = json!({ "artifactLocation": artifact });
        if let Some(line) = source.line {
            let mut region = json!({ "startLine": line });
            if let Some(column) = source.column {
                region["startColumn"] = json!(column);
            }
            physical["region"] = region;
        }
        physical
    };
    let sources_outside_root =
        report.findings.iter().any(|f| f.source.is_some()) && options.site_in_root.is_none();
    // One result per cause: the first place is the location, the others
    // are related locations. A finding traced to the site's sources is
    // located there, with the built file as the first related location.
    let results: Vec<Value> = group::groups(&report.findings)
        .iter()
        .map(|group| {
            let finding = group.first;
            let location = match &finding.source {
                Some(source) => source_physical(source),
                None => physical(finding),
            };
            let mut result = json!({
                "ruleId": finding.rule,
                "ruleIndex": rule_index[finding.rule.as_str()],
                "level": level(finding.severity),
                "message": { "text": finding.message },
                "locations": [{ "physicalLocation": location }],
                "partialFingerprints": {
                    (baseline::SARIF_FINGERPRINT_KEY): baseline::fingerprint(finding),
                },
            });
            let mut related: Vec<Value> = Vec::new();
            if finding.source.is_some() {
                related.push(json!({
                    "id": 1,
                    "physicalLocation": physical(finding),
                    "message": { "text": "built into this file of the bundle" },
                }));
            }
            for other in &group.others {
                related.push(json!({
                    "id": related.len() + 1,
                    "physicalLocation": other.source.as_ref().map_or_else(|| physical(other), &source_physical),
                    "message": { "text": "the same finding here" },
                }));
            }
            if !related.is_empty() {
                result["relatedLocations"] = Value::Array(related);
            }
            if !group.others.is_empty() {
                result["properties"] = json!({ "occurrences": group.count() });
            }
            result
        })
        .collect();
    // A suppressed finding is a result with SARIF's `suppressions`, which
    // code scanning shows as dismissed: `inSource` for a marker (located
    // at the marker), `external` for the config.
    let results: Vec<Value> = results
        .into_iter()
        .chain(report.suppressed.iter().map(|suppressed| {
            let finding = &suppressed.finding;
            let how = &suppressed.suppression;
            let mut suppression = json!({
                "kind": match how.kind {
                    SuppressionKind::Inline => "inSource",
                    SuppressionKind::Config => "external",
                },
                "justification": how.reason,
            });
            if how.kind == SuppressionKind::Inline {
                suppression["location"] =
                    json!({ "physicalLocation": place(&how.file, how.line, None, None) });
            }
            json!({
                "ruleId": finding.rule,
                "ruleIndex": rule_index[finding.rule.as_str()],
                "level": level(finding.severity),
                "message": { "text": finding.message },
                "locations": [{ "physicalLocation": physical(finding) }],
                "partialFingerprints": {
                    (baseline::SARIF_FINGERPRINT_KEY): baseline::fingerprint(finding),
                },
                "suppressions": [suppression],
            })
        }))
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
            "originalUriBaseIds": base_ids(options, sources_outside_root),
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// The `originalUriBaseIds` of a run: `SRCROOT` when locations are
/// repository paths (the bundle's or the site's), `BUNDLE` for a bundle
/// placed nowhere, and `SITE` for sources placed nowhere.
fn base_ids(options: &SarifOptions, sources_outside_root: bool) -> Value {
    let mut ids = serde_json::Map::new();
    if options.bundle_in_root.is_some() || options.site_in_root.is_some() {
        ids.insert(
            "SRCROOT".into(),
            match &options.root_uri {
                Some(root) => json!({ "uri": root }),
                None => json!({ "description": { "text": "The repository root." } }),
            },
        );
    }
    if options.bundle_in_root.is_none() {
        ids.insert(
            "BUNDLE".into(),
            json!({ "description": { "text": "The bundle folder that was checked." } }),
        );
    }
    if sources_outside_root {
        ids.insert(
            "SITE".into(),
            json!({ "description": { "text": "The site folder the bundle was built from." } }),
        );
    }
    Value::Object(ids)
}

/// `text` with its first letter capitalised, for texts that the rule
/// table writes as table cells and SARIF shows as sentences.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
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
                    column: Some(10),
                    message: "inline event handler `onclick` on <button>".into(),
                    snippet: Some("\t<button onclick=\"go()\">".into()),
                    help: Some("Move the handler into a script.".into()),
                    span: Some(crate::finding::Span {
                        end_column: 17,
                        in_snippet: 9..16,
                    }),
                    source: None,
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
                    span: None,
                    source: None,
                },
            ],
            ..Report::default()
        }
    }

    fn with_suppressed() -> Report {
        let mut report = sample();
        let mut finding = report.findings[0].clone();
        finding.line = Some(8);
        for (kind, file, line) in [
            (SuppressionKind::Inline, "index.html", Some(7)),
            (SuppressionKind::Config, "validator.yaml", Some(3)),
        ] {
            report.suppressed.push(Suppressed {
                finding: finding.clone(),
                suppression: crate::Suppression {
                    kind,
                    rule: "inline/*".into(),
                    reason: "vendored widget, reviewed".into(),
                    file: file.into(),
                    line,
                },
            });
        }
        report
    }

    #[test]
    fn suppressed_findings_are_counted_apart_and_listed() {
        let report = with_suppressed();
        let text = human(&report);
        assert!(
            text.ends_with(
                "error: 1 error, 1 warning in 2 files; 2 suppressed (1 inline, 1 by config; \
                 `--format json` lists them)\n"
            ),
            "{text}"
        );
        // Suppressed findings are not shown as diagnostics.
        assert_eq!(text.matches("error[inline/event-handler]").count(), 1);
        let value: Value = serde_json::from_str(&json(&report)).unwrap();
        assert_eq!(value["findings"].as_array().unwrap().len(), 2);
        let listed = &value["suppressed"][0];
        assert_eq!(listed["rule"], "inline/event-handler");
        assert_eq!(listed["line"], 8);
        assert_eq!(listed["suppression"]["kind"], "inline");
        assert_eq!(listed["suppression"]["reason"], "vendored widget, reviewed");
        assert_eq!(value["suppressed"][1]["suppression"]["kind"], "config");
        let log = sarif(&report);
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 4);
        assert!(results[..2].iter().all(|r| r.get("suppressions").is_none()));
        let inline = &results[2]["suppressions"][0];
        assert_eq!(inline["kind"], "inSource");
        assert_eq!(inline["justification"], "vendored widget, reviewed");
        assert_eq!(
            inline["location"]["physicalLocation"]["region"]["startLine"],
            7
        );
        assert_eq!(results[3]["suppressions"][0]["kind"], "external");
        assert!(results[3]["suppressions"][0].get("location").is_none());
        let mut clean = with_suppressed();
        clean.findings.clear();
        assert!(human(&clean).ends_with(
            "ok: no findings; 2 suppressed (1 inline, 1 by config; `--format json` lists them)\n"
        ));
    }

    #[test]
    fn human_output_points_at_the_column() {
        let text = human(&sample());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "error[inline/event-handler]: inline event handler `onclick` on <button>"
        );
        assert_eq!(lines[1], " --> index.html:3:10");
        // The renderer widens the tab and keeps the underline under the
        // handler's name.
        assert_eq!(lines[3], "3 |     <button onclick=\"go()\">");
        assert_eq!(lines[4], format!("  | {}^^^^^^^", " ".repeat(12)));
        assert!(
            text.ends_with("error: 1 error, 1 warning in 2 files\n"),
            "{text}"
        );
    }

    #[test]
    fn human_output_escapes_what_could_spoof_a_terminal() {
        let mut report = sample();
        report.findings[0].file = "a\u{1b}[2Jb\u{202e}lmth.js".into();
        report.findings[0].message = "line\rover\nwritten\u{2066}".into();
        report.findings[0].snippet = Some("\u{1b}]0;x\u{7}<b onclick=x>".into());
        report.findings[0].column = Some(7);
        report.findings[0].span = None;
        let text = human(&report);
        assert!(
            !text.chars().any(|c| is_deceptive(c) && c != '\n'),
            "{text:?}"
        );
        assert!(text.contains("a\\u{1b}[2Jb\\u{202e}lmth.js:3:7"), "{text}");
        assert!(text.contains("line\\rover\\nwritten\\u{2066}"), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[3], "3 | \\u{1b}]0;x\\u{7}<b onclick=x>");
        // Column 7 is the `<`, after two escapes and four characters.
        let caret = lines[4].find('^').unwrap() - "  | ".len();
        assert_eq!(&lines[3]["3 | ".len() + caret..][..1], "<");
    }

    #[test]
    fn json_keeps_names_exact_but_escaped() {
        let mut report = sample();
        report.findings[0].file = "a\u{1b}b\u{202e}c\u{85}.js".into();
        for text in [json(&report), render(&report, Format::Sarif)] {
            assert!(
                !text.chars().any(|c| is_deceptive(c) && c != '\n'),
                "{text:?}"
            );
        }
        let text = json(&report);
        assert!(text.contains("a\\u001bb\\u202ec\\u0085.js"), "{text}");
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value["findings"][0]["file"].as_str(),
            Some("a\u{1b}b\u{202e}c\u{85}.js")
        );
        // SARIF URIs are URI references: every such character is
        // percent-encoded as UTF-8.
        let log = sarif(&report);
        let uri = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"];
        assert_eq!(uri, "a%1Bb%E2%80%AEc%C2%85.js");
    }

    #[test]
    fn sarif_uris_are_percent_encoded_and_mapped_to_the_repository() {
        assert_eq!(
            path_uri("café/ü ber#1.html"),
            "caf%C3%A9/%C3%BC%20ber%231.html"
        );
        assert_eq!(path_uri("a-b_c.d~e/f.js"), "a-b_c.d~e/f.js");
        let options = SarifOptions {
            bundle_in_root: Some("site/dist".into()),
            root_uri: Some("file:///ci/checkout/".into()),
            site_in_root: None,
        };
        let log = sarif_with(&sample(), &options);
        let run = &log["runs"][0];
        let location = &run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(location["uri"], "site/dist/index.html");
        assert_eq!(location["uriBaseId"], "SRCROOT");
        assert_eq!(
            run["originalUriBaseIds"]["SRCROOT"]["uri"],
            "file:///ci/checkout/"
        );
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let secret = rules.iter().find(|r| r["id"] == "secret/jwt").unwrap();
        assert_eq!(secret["properties"]["security-severity"], "9.0");
        let warning = rules
            .iter()
            .find(|r| r["id"] == "secret/google-api-key")
            .unwrap();
        assert_eq!(warning["properties"]["security-severity"], "3.9");
        assert!(
            secret["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("**Fix:**")
        );
        assert!(
            !secret["fullDescription"]["text"]
                .as_str()
                .unwrap()
                .is_empty()
        );
    }

    /// A finding traced to the site's sources is shown and located there
    /// first, with the built file after it.
    #[test]
    fn sources_come_first_in_human_and_sarif_output() {
        let mut report = sample();
        report.findings[0].source = Some(crate::SourceLocation {
            file: "content/about.md".into(),
            line: Some(7),
            column: Some(3),
            template: Some("templates/page.html".into()),
        });
        let text = human(&report);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], " --> content/about.md:7:3");
        assert_eq!(lines[2], " ::: index.html:3:10");
        assert!(
            text.contains("= note: rendered by templates/page.html"),
            "{text}"
        );

        let log = sarif(&report);
        let result = &log["runs"][0]["results"][0];
        let primary = &result["locations"][0]["physicalLocation"];
        assert_eq!(primary["artifactLocation"]["uri"], "content/about.md");
        assert_eq!(primary["artifactLocation"]["uriBaseId"], "SITE");
        assert_eq!(primary["region"]["startLine"], 7);
        let built = &result["relatedLocations"][0]["physicalLocation"];
        assert_eq!(built["artifactLocation"]["uri"], "index.html");
        assert_eq!(built["artifactLocation"]["uriBaseId"], "BUNDLE");
        assert!(log["runs"][0]["originalUriBaseIds"]["SITE"].is_object());

        // With the site placed in a repository, sources are repository paths.
        let options = SarifOptions {
            site_in_root: Some("site".into()),
            root_uri: Some("file:///ci/checkout/".into()),
            ..SarifOptions::default()
        };
        let log = sarif_with(&report, &options);
        let primary = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
        assert_eq!(primary["artifactLocation"]["uri"], "site/content/about.md");
        assert_eq!(primary["artifactLocation"]["uriBaseId"], "SRCROOT");
        let json: Value = serde_json::from_str(&json(&report)).unwrap();
        assert_eq!(json["findings"][0]["source"]["file"], "content/about.md");
        assert!(json["findings"][1].get("source").is_none());
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
        // Every declared rule is listed, with the table's words.
        assert_eq!(rules.len(), rule::all().count());
        let handler = &rules[run["results"][0]["ruleIndex"].as_u64().unwrap() as usize];
        let declared = rule::lookup("inline/event-handler").unwrap();
        assert_eq!(handler["shortDescription"]["text"], declared.summary);
        assert!(
            handler["helpUri"]
                .as_str()
                .unwrap()
                .contains("README.md#inline")
        );
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
