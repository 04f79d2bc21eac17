//! Human output in the style of rustc, drawn by `annotate-snippets`: a
//! title `error[rule/id]: message`, the place `--> file:line:column`, the
//! source line and the offending text underlined, then help and notes.
//!
//! Everything shown comes from the bundle, so it is escaped first
//! ([`super::visible`]); the underline is moved past the escapes so that it
//! still sits under the offending text. The place line is written here
//! rather than by the renderer, because the renderer counts columns in the
//! text it shows (escaped, masked, maybe an excerpt) while the place must
//! name the column in the file.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;

use annotate_snippets::renderer::{
    DEFAULT_ERROR_STYLE, DEFAULT_LINE_NUM_STYLE, DEFAULT_NOTE_STYLE, DEFAULT_WARNING_STYLE, Style,
};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::{escape, is_deceptive, sentence, visible};
use crate::{Finding, Report, Severity, SourceLocation, group, rule};

/// How human output is drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HumanOptions {
    /// Colour with ANSI escapes (only for a terminal that asked for it).
    pub color: bool,
    /// Errors only: no warning diagnostics and no per-rule table.
    pub quiet: bool,
}

/// rustc-style diagnostics, one block per finding, without a summary line:
/// for callers (like the site generator) that print their own summary.
pub fn diagnostics(report: &Report) -> String {
    diagnostics_with(report, HumanOptions::default())
}

/// [`diagnostics`], drawn as `options` say.
pub fn diagnostics_with(report: &Report, options: HumanOptions) -> String {
    let style = Styles::new(options.color);
    let mut out = String::new();
    for finding in &report.findings {
        if options.quiet && finding.severity != Severity::Error {
            continue;
        }
        write_finding(&mut out, &style, finding, None);
    }
    out
}

/// rustc-style diagnostics, one per cause, a per-rule table and a summary
/// line.
pub fn human(report: &Report) -> String {
    human_with(report, HumanOptions::default())
}

/// [`human`], drawn as `options` say. Quiet output shows the error
/// diagnostics and the summary line only, and nothing at all when there is
/// no error.
pub fn human_with(report: &Report, options: HumanOptions) -> String {
    let style = Styles::new(options.color);
    let mut out = String::new();
    let groups: Vec<group::Group<'_>> = group::groups(&report.findings)
        .into_iter()
        .filter(|g| !options.quiet || g.first.severity == Severity::Error)
        .collect();
    for group in &groups {
        write_finding(&mut out, &style, group.first, Some(group));
    }
    if options.quiet {
        if report.error_count() > 0 {
            out.push_str(&summary_line(report, options.color));
            out.push('\n');
        }
        return out;
    }
    if !groups.is_empty() {
        write_rule_summary(&mut out, &groups);
    }
    out.push_str(&summary_line(report, options.color));
    out.push('\n');
    out
}

/// The line that ends human output: `ok: no findings`, or the counts of
/// errors, warnings and files, led by the worst level.
pub fn summary_line(report: &Report, color: bool) -> String {
    let style = Styles::new(color);
    if report.findings.is_empty() {
        return format!(
            "{}: no findings{}",
            style.paint(style.ok, "ok"),
            suppressed_note(report)
        );
    }
    let errors = report.error_count();
    let warnings = report.warning_count();
    let files = report
        .findings
        .iter()
        .map(|f| f.file.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let lead = if errors > 0 {
        style.paint(style.error, "error")
    } else {
        style.paint(style.warning, "warning")
    };
    let mut line = format!(
        "{lead}: {} {}, {} {} in {} {}",
        errors,
        plural(errors, "error", "errors"),
        warnings,
        plural(warnings, "warning", "warnings"),
        files,
        plural(files, "file", "files"),
    );
    line.push_str(&suppressed_note(report));
    line
}

/// `; N suppressed (…)` when findings were suppressed: they are not
/// counted as errors or warnings, but never silently gone.
fn suppressed_note(report: &Report) -> String {
    let suppressed = report.suppressed.len();
    if suppressed == 0 {
        return String::new();
    }
    let inline = report
        .suppressed
        .iter()
        .filter(|s| s.suppression.kind == crate::SuppressionKind::Inline)
        .count();
    format!(
        "; {suppressed} suppressed ({inline} inline, {} by config; `--format json` lists them)",
        suppressed - inline
    )
}

/// The renderer and the styles of the lines drawn here.
struct Styles {
    renderer: Renderer,
    color: bool,
    error: Style,
    warning: Style,
    ok: Style,
    gutter: Style,
}

impl Styles {
    fn new(color: bool) -> Self {
        Styles {
            renderer: if color {
                Renderer::styled()
            } else {
                Renderer::plain()
            },
            color,
            error: DEFAULT_ERROR_STYLE,
            warning: DEFAULT_WARNING_STYLE,
            ok: DEFAULT_NOTE_STYLE,
            gutter: DEFAULT_LINE_NUM_STYLE,
        }
    }

    /// `text` in `style` when colouring, else as it is.
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }
}

/// How many other places of a group are listed by name.
const LISTED_OTHERS: usize = 10;

/// One diagnostic: title, place, underlined snippet, help, the rule's
/// reason and, for a group, the other places of the same cause.
fn write_finding(
    out: &mut String,
    style: &Styles,
    finding: &Finding,
    group: Option<&group::Group<'_>>,
) {
    let level = match finding.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let rule_id = visible(&finding.rule);
    let message = visible(&finding.message);
    let title = [Group::with_title(
        level
            .clone()
            .primary_title(message.as_ref())
            .id(rule_id.as_ref()),
    )];
    out.push_str(&style.renderer.render(&title));
    out.push('\n');

    let shown = match (finding.line, &finding.snippet) {
        (Some(line), Some(snippet)) => Some((line, shown_snippet(finding, snippet))),
        _ => None,
    };
    // The gutter is as wide as the line number the snippet shows, as the
    // renderer draws it.
    let gutter = shown.as_ref().map_or(1, |(line, _)| line.to_string().len());
    // The source an author edits comes first, when the generator that
    // built the bundle named it; the built file follows as rustc names a
    // secondary file, and the snippet is the built file's.
    let mut locate = |mark: &str, place: &str| {
        let _ = writeln!(
            out,
            "{}{} {}",
            " ".repeat(gutter),
            style.paint(style.gutter, mark),
            place
        );
    };
    match &finding.source {
        Some(source) => {
            let source = source_place(source);
            locate("-->", &source);
            // A file published as written (`_headers`) is named once.
            let built = place(finding);
            if built != source {
                locate(":::", &built);
            }
        }
        None => locate("-->", &place(finding)),
    }

    let help = finding.help.as_deref().map(visible);
    let why = rule::lookup(&finding.rule)
        .zip(rule::category_of(&finding.rule))
        .map(|(declared, category)| {
            format!("{}. See {}", sentence(declared.why), category.help_uri())
        });
    let others = group
        .filter(|g| !g.others.is_empty())
        .map(|g| others_note(g));
    let template = finding
        .source
        .as_ref()
        .and_then(|source| source.template.as_deref())
        .map(|template| format!("rendered by {}", visible(template)));
    let mut body = Group::with_level(level);
    if let Some((line, (text, underline))) = &shown {
        body = body.element(
            Snippet::source(text.as_str())
                .line_start(*line as usize)
                .annotation(AnnotationKind::Primary.span(underline.clone())),
        );
    }
    if let Some(help) = &help {
        body = body.element(Level::HELP.message(help.as_ref()));
    }
    if let Some(why) = &why {
        body = body.element(Level::NOTE.message(why.as_str()));
    }
    if let Some(template) = &template {
        body = body.element(Level::NOTE.message(template.as_str()));
    }
    if let Some(others) = &others {
        body = body.element(Level::NOTE.message(others.as_str()));
    }
    if shown.is_some() || help.is_some() || why.is_some() || others.is_some() || template.is_some()
    {
        out.push_str(&style.renderer.render(&[body]));
        out.push('\n');
    }
    out.push('\n');
}

/// The snippet escaped for a terminal, and the bytes of it to underline.
///
/// Tabs stay tabs: the renderer widens them and moves the underline with
/// them. Every other deceptive character becomes its visible escape, and
/// the underline is counted in the escaped text.
fn shown_snippet(finding: &Finding, snippet: &str) -> (String, Range<usize>) {
    let marked = match &finding.span {
        Some(span) => span.in_snippet.start as usize..span.in_snippet.end as usize,
        None => {
            // Without a span, one character at the column (the first of an
            // excerpt, which starts at the finding).
            let at = if snippet.starts_with('…') {
                1
            } else {
                finding.column.map_or(0, |c| c.saturating_sub(1) as usize)
            };
            at..at + 1
        }
    };
    let mut shown = String::with_capacity(snippet.len());
    let mut start = None;
    let mut end = None;
    let mut count = 0;
    for (index, c) in snippet.chars().enumerate() {
        if index == marked.start {
            start = Some(shown.len());
        }
        if index == marked.end {
            end = Some(shown.len());
        }
        if c != '\t' && is_deceptive(c) {
            shown.push_str(&escape(c));
        } else {
            shown.push(c);
        }
        count = index + 1;
    }
    let start = start.unwrap_or(shown.len());
    let end = match end {
        Some(end) => end,
        None if marked.end >= count => shown.len(),
        None => start,
    };
    (shown, start..end.max(start))
}

/// The note that lists the other places of a group.
fn others_note(group: &group::Group<'_>) -> String {
    let places: Vec<String> = group
        .others
        .iter()
        .take(LISTED_OTHERS)
        .map(|f| place(f))
        .collect();
    let more = group.others.len().saturating_sub(LISTED_OTHERS);
    let mut note = format!(
        "the same in {} more {}: {}",
        group.others.len(),
        plural(group.others.len(), "place", "places"),
        places.join(", ")
    );
    if more > 0 {
        let _ = write!(note, ", and {more} more");
    }
    note
}

/// `file:line:column`, as far as known, escaped for a terminal.
pub(super) fn place(finding: &Finding) -> String {
    let file = visible(&finding.file);
    match (finding.line, finding.column) {
        (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
        (Some(line), None) => format!("{file}:{line}"),
        _ => file.into_owned(),
    }
}

/// `file:line:column` of a source, as far as known, escaped.
fn source_place(source: &SourceLocation) -> String {
    let file = visible(&source.file);
    match (source.line, source.column) {
        (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
        (Some(line), None) => format!("{file}:{line}"),
        _ => file.into_owned(),
    }
}

/// The table that ends human output: per rule, its severity, how many
/// causes and how many places.
fn write_rule_summary(out: &mut String, groups: &[group::Group<'_>]) {
    let mut rows: BTreeMap<&str, (Severity, usize, usize)> = BTreeMap::new();
    for group in groups {
        let row = rows
            .entry(group.first.rule.as_str())
            .or_insert((group.first.severity, 0, 0));
        row.1 += 1;
        row.2 += group.count();
    }
    let width = rows
        .keys()
        .map(|rule| visible(rule).chars().count())
        .max()
        .unwrap_or(0)
        .max("rule".len());
    let _ = writeln!(out, "{:width$}  severity  causes  findings", "rule");
    for (rule, (severity, causes, findings)) in &rows {
        let level = match severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(
            out,
            "{:width$}  {level:8}  {causes:>6}  {findings:>8}",
            visible(rule)
        );
    }
    out.push('\n');
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}
