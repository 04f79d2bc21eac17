//! Turning byte offsets inside a file into [`Finding`]s with lines,
//! columns and snippets.
//!
//! A file can hold a great many findings (a minified script full of
//! secrets, all on one line), so nothing here costs more per finding than
//! a few lookups plus the snippet it shows: secrets are kept sorted and
//! disjoint and found by binary search, columns count from checkpoints
//! (see [`LineIndex`]), and the snippet of a long line is built from the
//! finding's offset rather than from the whole masked line.
//!
//! What a file's findings cost is bounded too, whatever the file holds:
//! each rule reports at most [`MAX_FINDINGS_PER_RULE`] findings in one
//! file, then one finding that says how many more there were, and a
//! message quoting a long value (a URL of hundreds of kilobytes) is cut
//! to [`MAX_MESSAGE_BYTES`] after its secrets are masked, so cutting it
//! can never leave part of a secret unmasked.

use std::collections::HashMap;
use std::ops::Range;

use crate::coverage::FileTally;
use crate::finding::Span;
use crate::location::LineIndex;
use crate::rule::Category;
use crate::{Detection, Finding, Severity};

/// Lines longer than this are shown as an excerpt starting at the finding.
const FULL_LINE_LIMIT: usize = 160;
const EXCERPT_CHARS: usize = 80;
/// An excerpt starts this many characters before its finding, when the
/// line has them.
const EXCERPT_CONTEXT_CHARS: usize = 24;
/// Lines of at most this many bytes are masked whole for every finding: it
/// costs no more than the snippet itself. (A line of more bytes may still
/// be short once its secrets are masked.)
const SHORT_LINE_BYTES: usize = FULL_LINE_LIMIT * 4;

/// At most this many bytes of a finding are underlined (and counted for
/// its end column): a token, a tag, a header line, never a whole script.
const UNDERLINE_BYTES: usize = 1024;

/// Which end of a range a place in the file is, when it falls in a masked
/// secret.
#[derive(Clone, Copy)]
enum Side {
    Start,
    End,
}

/// Findings one rule reports in one file before the rest are counted into
/// one summary finding. A hundred places are more than anyone fixes one
/// by one; a hostile file can hold hundreds of thousands.
pub const MAX_FINDINGS_PER_RULE: usize = 100;

/// Longest message a finding carries, in bytes. Messages quote what they
/// found (a URL, a host, a policy), and a quoted value may be as long as
/// the file; the cut keeps the start, which names the thing.
pub const MAX_MESSAGE_BYTES: usize = 600;

/// Collects the findings of one file.
pub struct FileFindings<'a> {
    path: &'a str,
    text: &'a str,
    index: Option<LineIndex>,
    /// Byte ranges of secrets in the file, masked in every snippet: sorted
    /// and disjoint, so that the ones on a line are found by binary search.
    secrets: Vec<Range<usize>>,
    /// The snippet of each long line whose masked text is short enough to
    /// show whole (the same for every finding on it), or `None` when it
    /// is too long and findings show excerpts, by 1-based line.
    long_lines: HashMap<u32, Option<String>>,
    findings: Vec<Finding>,
    /// Findings reported so far by each rule, and the ones past
    /// [`MAX_FINDINGS_PER_RULE`] that were only counted.
    per_rule: HashMap<&'static str, RuleCount>,
    /// What the rules examined in this file, for the report's coverage.
    tally: FileTally,
}

/// What one rule reported in one file.
#[derive(Debug, Default)]
struct RuleCount {
    reported: usize,
    /// Findings past the cap: how many, the most severe, and the help of
    /// the first.
    omitted: usize,
    omitted_severity: Option<Severity>,
    omitted_help: &'static str,
}

/// What a finding says, apart from where it is.
#[derive(Debug, Clone)]
pub struct Message {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: &'static str,
}

impl Message {
    /// An error finding.
    pub fn error(rule: &'static str, message: impl Into<String>, help: &'static str) -> Self {
        Message {
            rule,
            severity: Severity::Error,
            message: bounded(message.into()),
            help,
        }
    }

    /// A warning finding.
    pub fn warning(rule: &'static str, message: impl Into<String>, help: &'static str) -> Self {
        Message {
            rule,
            severity: Severity::Warning,
            message: bounded(message.into()),
            help,
        }
    }
}

/// `message` cut to [`MAX_MESSAGE_BYTES`], with its secrets and URL
/// credentials masked before the cut: a secret cut in half might no longer
/// be recognised, so the whole text is masked first and only then
/// shortened. Short messages are left to the report's final masking pass.
pub fn bounded(message: String) -> String {
    if message.len() <= MAX_MESSAGE_BYTES {
        return message;
    }
    let masked = crate::redact::message(&message).into_owned();
    if masked.len() <= MAX_MESSAGE_BYTES {
        return masked;
    }
    let cut = floor_char_boundary(&masked, MAX_MESSAGE_BYTES);
    format!(
        "{}… ({} more bytes not shown)",
        &masked[..cut],
        masked.len() - cut
    )
}

impl<'a> FileFindings<'a> {
    /// Starts collecting for the file at `path` with contents `text`.
    pub fn new(path: &'a str, text: &'a str) -> Self {
        FileFindings {
            path,
            text,
            index: None,
            secrets: Vec::new(),
            long_lines: HashMap::new(),
            findings: Vec::new(),
            per_rule: HashMap::new(),
            tally: FileTally::default(),
        }
    }

    /// Records that the rules of `category` judged this file. Called where
    /// a rule really looks at the file, after any reason to skip it.
    pub(crate) fn examine(&mut self, category: &Category) {
        self.tally.examine(category);
    }

    /// Records that the rules of `category` judged this file and resolved
    /// or judged `routes` routes in it.
    pub(crate) fn examine_routes(&mut self, category: &Category, routes: usize) {
        self.tally.routes(category, routes);
    }

    /// The file's findings, as [`FileFindings::into_findings`] gives them,
    /// and what the rules examined in it.
    pub(crate) fn into_parts(mut self) -> (Vec<Finding>, FileTally) {
        let tally = std::mem::take(&mut self.tally);
        (self.into_findings(), tally)
    }

    /// The file's findings: at most [`MAX_FINDINGS_PER_RULE`] of each rule
    /// at their places, then, for each rule that reported more, one
    /// finding about the whole file that says how many more. It carries
    /// the most severe of the omitted findings' severities, so a file
    /// whose omitted findings include an error still fails the check.
    pub fn into_findings(self) -> Vec<Finding> {
        let mut findings = self.findings;
        let mut omitted: Vec<(&'static str, RuleCount)> = self
            .per_rule
            .into_iter()
            .filter(|(_, count)| count.omitted > 0)
            .collect();
        omitted.sort_unstable_by_key(|(rule, _)| *rule);
        for (rule, count) in omitted {
            findings.push(Finding {
                rule: rule.to_string(),
                severity: count.omitted_severity.unwrap_or(Severity::Error),
                file: self.path.to_string(),
                line: None,
                column: None,
                message: format!(
                    "{} more findings of this rule in this file are not listed (at most \
                     {MAX_FINDINGS_PER_RULE} are listed for each rule and file)",
                    count.omitted
                ),
                snippet: None,
                help: (!count.omitted_help.is_empty()).then(|| count.omitted_help.to_string()),
                span: None,
                source: None,
            });
        }
        findings
    }

    /// Counts `count` findings of `rule` that a scanner did not keep
    /// because it reported more than [`MAX_FINDINGS_PER_RULE`] of them:
    /// they join the rule's summary finding.
    pub fn omitted(
        &mut self,
        rule: &'static str,
        severity: Severity,
        help: &'static str,
        count: usize,
    ) {
        let entry = self.per_rule.entry(rule).or_default();
        if count == 0 {
            return;
        }
        if entry.omitted == 0 {
            entry.omitted_help = help;
        }
        entry.omitted += count;
        entry.omitted_severity = Some(entry.omitted_severity.map_or(severity, |s| s.min(severity)));
    }

    /// Whether another finding of `rule` would still be listed; when not,
    /// it is counted for the summary instead. Lets a caller skip the work
    /// of locating a finding that will not be shown.
    fn admit(&mut self, message: &Message) -> bool {
        let count = self.per_rule.entry(message.rule).or_default();
        if count.reported < MAX_FINDINGS_PER_RULE {
            count.reported += 1;
            return true;
        }
        if count.omitted == 0 {
            count.omitted_help = message.help;
        }
        count.omitted += 1;
        count.omitted_severity = Some(match count.omitted_severity {
            Some(severity) => severity.min(message.severity),
            None => message.severity,
        });
        false
    }

    /// Records where the file holds secrets, so that no snippet of any
    /// finding in this file shows them. Overlapping ranges are merged.
    pub fn mask_secrets(&mut self, ranges: impl IntoIterator<Item = Range<usize>>) {
        self.secrets
            .extend(ranges.into_iter().filter(|r| !r.is_empty()));
        self.secrets.sort_unstable_by_key(|r| (r.start, r.end));
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(self.secrets.len());
        for range in self.secrets.drain(..) {
            match merged.last_mut() {
                Some(last) if range.start < last.end => last.end = last.end.max(range.end),
                _ => merged.push(range),
            }
        }
        self.secrets = merged;
        self.long_lines.clear();
    }

    /// Whether `range` lies inside a known secret.
    fn is_masked(&self, range: &Range<usize>) -> bool {
        let after = self.secrets.partition_point(|r| r.start <= range.start);
        after > 0 && self.secrets[after - 1].end >= range.end
    }

    /// The secrets that overlap `start..end`, in order.
    fn secrets_within(&self, start: usize, end: usize) -> &[Range<usize>] {
        let first = self.secrets.partition_point(|r| r.end <= start);
        let last = first + self.secrets[first..].partition_point(|r| r.start < end);
        &self.secrets[first..last]
    }

    /// A finding at byte `offset` of the file, underlining the token that
    /// starts there (see [`token_end`]).
    pub fn at(&mut self, offset: usize, message: Message) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let end = token_end(self.text, offset);
        self.at_span(offset..end, message);
    }

    /// A finding about the bytes `range` of the file: it is placed at their
    /// start and underlines them (up to the end of that line). Past the
    /// per-rule cap it is only counted, before any work to place it.
    pub fn at_span(&mut self, range: Range<usize>, message: Message) {
        if !self.admit(&message) {
            return;
        }
        let (line, column, snippet, span) = self.locate(range);
        self.push(Some(line), Some(column), snippet, span, message);
    }

    /// The finding `message` at byte `offset` would be, without recording
    /// it: the place of something that may be reported later.
    pub fn finding_at(&mut self, offset: usize, message: Message) -> Finding {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let end = token_end(self.text, offset);
        let (line, column, snippet, span) = self.locate(offset..end);
        self.build(Some(line), Some(column), snippet, span, message)
    }

    /// The 1-based line and column of byte `offset`, as findings give them.
    pub fn position(&mut self, offset: usize) -> (u32, u32) {
        let text = self.text;
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let index = self.index.get_or_insert_with(|| LineIndex::new(text));
        index.position(text, offset)
    }

    /// A finding at byte `offset` whose source text (`len` bytes from
    /// `offset`) must not be shown, because it is a secret.
    pub fn at_redacted(&mut self, offset: usize, len: usize, message: Message) {
        let range = offset..offset + len;
        if !range.is_empty() && !self.is_masked(&range) {
            self.mask_secrets(std::iter::once(range.clone()));
        }
        self.at_span(range, message);
    }

    /// A finding about a 1-based line of the file as a whole: placed at its
    /// first character that is not blank, underlining the rest of it.
    pub fn at_line(&mut self, line: u32, message: Message) {
        let text = self.text;
        let index = self.index.get_or_insert_with(|| LineIndex::new(text));
        let line_text = index.line_text(text, line);
        let start = line_text.as_ptr() as usize - text.as_ptr() as usize;
        let content = line_text.trim_end();
        let blank = content.len() - content.trim_start().len();
        if content.trim_start().is_empty() {
            if !self.admit(&message) {
                return;
            }
            let (_, _, snippet, span) = self.locate(start..start);
            self.push(Some(line), Some(1), snippet, span, message);
        } else {
            self.at_span(start + blank..start + content.len(), message);
        }
    }

    /// A finding about bytes `range` of a 1-based line (counted from the
    /// line's start), such as one source expression of a header value.
    pub fn at_line_span(&mut self, line: u32, range: Range<usize>, message: Message) {
        let text = self.text;
        let index = self.index.get_or_insert_with(|| LineIndex::new(text));
        let line_text = index.line_text(text, line);
        if range.start > line_text.len() {
            self.at_line(line, message);
            return;
        }
        let start = line_text.as_ptr() as usize - text.as_ptr() as usize;
        let end = start + range.end.min(line_text.len());
        self.at_span(start + range.start..end, message);
    }

    /// A finding about the whole file.
    pub fn whole_file(&mut self, message: Message) {
        if !self.admit(&message) {
            return;
        }
        self.push(None, None, None, None, message);
    }

    /// A finding from a scanner that worked on a piece of this file
    /// starting at byte `base`.
    pub fn detection(&mut self, base: usize, detection: &Detection, redact: bool) {
        let message = Message {
            rule: detection.rule,
            severity: detection.severity,
            message: bounded(detection.message.clone()),
            help: detection.help,
        };
        let offset = base + detection.start;
        let len = detection.end.saturating_sub(detection.start);
        if redact {
            self.at_redacted(offset, len, message);
        } else {
            self.at_span(offset..offset + len, message);
        }
    }

    fn push(
        &mut self,
        line: Option<u32>,
        column: Option<u32>,
        snippet: Option<String>,
        span: Option<Span>,
        message: Message,
    ) {
        let finding = self.build(line, column, snippet, span, message);
        self.findings.push(finding);
    }

    fn build(
        &self,
        line: Option<u32>,
        column: Option<u32>,
        snippet: Option<String>,
        span: Option<Span>,
        message: Message,
    ) -> Finding {
        Finding {
            rule: message.rule.to_string(),
            severity: message.severity,
            file: self.path.to_string(),
            line,
            column,
            message: message.message,
            snippet,
            help: (!message.help.is_empty()).then(|| message.help.to_string()),
            span,
            source: None,
        }
    }

    /// Line, column, snippet and underline for the bytes `range`. The
    /// snippet is the whole line when short, else an excerpt starting at
    /// the range and marked with a leading `…`. Secrets on the line are
    /// masked but for a short prefix, and the underline covers what the
    /// snippet shows of the range (a masked secret whole).
    fn locate(&mut self, range: Range<usize>) -> (u32, u32, Option<String>, Option<Span>) {
        let text = self.text;
        let offset = floor_char_boundary(text, range.start.min(text.len()));
        let index = self.index.get_or_insert_with(|| LineIndex::new(text));
        let (line, column) = index.position(text, offset);
        let line_text = index.line_text(text, line);
        let line_start = line_text.as_ptr() as usize - text.as_ptr() as usize;
        let line_end = line_start + line_text.len();
        // The underline stays on the finding's line and is bounded, so that
        // no finding costs more than its snippet.
        let end = floor_char_boundary(
            text,
            range
                .end
                .clamp(offset, line_end)
                .min(offset + UNDERLINE_BYTES),
        );
        let underlined = text[offset..end].chars().count();
        let end_column = column.saturating_add(u32::try_from(underlined).unwrap_or(u32::MAX));
        let (snippet, in_snippet) = if line_text.len() <= SHORT_LINE_BYTES {
            let shown = self.masked_line(line_start, line_end);
            let shown_chars = shown.chars().count();
            let first = self.shown_index(line_start, line_end, offset, Side::Start);
            let last = self.shown_index(line_start, line_end, end, Side::End);
            if shown_chars <= FULL_LINE_LIMIT {
                (shown, first..last.max(first))
            } else {
                let context = first.min(EXCERPT_CONTEXT_CHARS);
                let start = shown
                    .char_indices()
                    .nth(first - context)
                    .map_or(shown.len(), |(i, _)| i);
                let excerpt: String = shown[start..].chars().take(EXCERPT_CHARS).collect();
                let shown_len = excerpt.chars().count();
                let len = (last.max(first) - first).min(shown_len.saturating_sub(context));
                (format!("…{excerpt}"), 1 + context..1 + context + len)
            }
        } else {
            let whole = match self.long_lines.get(&line) {
                Some(whole) => whole.clone(),
                None => {
                    let whole = self.short_masked_line(line_start, line_end);
                    self.long_lines.insert(line, whole.clone());
                    whole
                }
            };
            match whole {
                Some(shown) => {
                    let first = self.shown_index(line_start, line_end, offset, Side::Start);
                    let last = self.shown_index(line_start, line_end, end, Side::End);
                    (shown, first..last.max(first))
                }
                None => {
                    let from = self.context_start(line_start, offset);
                    let excerpt = self.excerpt(from, line_end);
                    let shown_len = excerpt.chars().count();
                    let first = self.shown_index(from, line_end, offset, Side::Start);
                    let last = self.shown_index(from, line_end, end, Side::End);
                    let first = first.min(shown_len);
                    (
                        format!("…{excerpt}"),
                        1 + first..1 + last.clamp(first, shown_len),
                    )
                }
            }
        };
        let snippet = (!snippet.trim().is_empty()).then_some(snippet);
        let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let span = Span {
            end_column: end_column.max(column.saturating_add(1)),
            in_snippet: to_u32(in_snippet.start)..to_u32(in_snippet.end),
        };
        (line, column, snippet, Some(span))
    }

    /// Where the excerpt of a long line begins for a finding at `offset`:
    /// up to [`EXCERPT_CONTEXT_CHARS`] characters before it, so that the
    /// excerpt shows what the finding stands in (the directive before a
    /// source expression), but never inside a masked secret.
    fn context_start(&self, line_start: usize, offset: usize) -> usize {
        let before = &self.text[line_start..offset];
        let from = before
            .char_indices()
            .rev()
            .take(EXCERPT_CONTEXT_CHARS)
            .last()
            .map_or(offset, |(i, _)| line_start + i);
        let secret = self.secrets_within(from, offset);
        match secret.last() {
            Some(range) if range.end > from => range.end.min(offset),
            _ => from,
        }
    }

    /// The character index in the masked text shown from `from` (a line
    /// start, or where an excerpt begins) of the byte `at` of the file. A
    /// place inside a masked secret maps to the secret's start, or, for the
    /// end of a range, to the end of its mask. Costs one step per secret
    /// before `at` on the line, plus the characters counted.
    fn shown_index(&self, from: usize, line_end: usize, at: usize, side: Side) -> usize {
        let text = self.text;
        let mut index = 0;
        let mut cursor = from;
        for range in self.secrets_within(from, line_end) {
            let start = floor_char_boundary(text, range.start.max(cursor));
            let end = floor_char_boundary(text, range.end.min(line_end));
            if end <= start {
                continue;
            }
            if at <= start {
                break;
            }
            index += text[cursor..start].chars().count();
            let masked = redact(&text[start..end]).chars().count();
            if at < end {
                return match side {
                    Side::Start => index,
                    Side::End => index + masked,
                };
            }
            index += masked;
            cursor = end;
        }
        index + text[cursor..at.max(cursor)].chars().count()
    }

    /// The line `line_start..line_end` with every secret on it masked,
    /// and where `offset` lands in it: at its own place, or at the start of
    /// the masked secret it falls in.
    fn masked_line(&self, line_start: usize, line_end: usize) -> String {
        let text = self.text;
        let mut shown = String::with_capacity(line_end - line_start);
        let mut cursor = line_start;
        for range in self.secrets_within(line_start, line_end) {
            let start = floor_char_boundary(text, range.start.max(cursor));
            let end = floor_char_boundary(text, range.end.min(line_end));
            if start < cursor || end <= start {
                continue;
            }
            shown.push_str(&text[cursor..start]);
            shown.push_str(&redact(&text[start..end]));
            cursor = end;
        }
        shown.push_str(&text[cursor..line_end]);
        shown
    }

    /// A long line, masked, when the masked line is short enough to show
    /// whole; `None` when findings on it show excerpts. Counts characters
    /// once for the line, and builds the line only when it is shown.
    fn short_masked_line(&self, line_start: usize, line_end: usize) -> Option<String> {
        let text = self.text;
        let mut chars = text[line_start..line_end].chars().count();
        for range in self.secrets_within(line_start, line_end) {
            let start = floor_char_boundary(text, range.start.max(line_start));
            let end = floor_char_boundary(text, range.end.min(line_end));
            if end > start {
                chars = chars - text[start..end].chars().count()
                    + redact(&text[start..end]).chars().count();
            }
        }
        (chars <= FULL_LINE_LIMIT).then(|| self.masked_line(line_start, line_end))
    }

    /// [`EXCERPT_CHARS`] characters of the masked text from `offset` (or
    /// from the start of the secret `offset` falls in), built without
    /// masking the rest of the line.
    fn excerpt(&self, offset: usize, line_end: usize) -> String {
        let text = self.text;
        let mut out = String::new();
        let mut taken = 0;
        let mut cursor = offset;
        let mut secrets = self.secrets_within(offset, line_end).iter().peekable();
        while taken < EXCERPT_CHARS && cursor < line_end {
            let next_start = secrets
                .peek()
                .map(|range| floor_char_boundary(text, range.start));
            match next_start {
                Some(start) if start <= cursor => {
                    let Some(range) = secrets.next() else { break };
                    let end = floor_char_boundary(text, range.end.min(line_end));
                    if end > start {
                        for c in redact(&text[start..end])
                            .chars()
                            .take(EXCERPT_CHARS - taken)
                        {
                            out.push(c);
                            taken += 1;
                        }
                    }
                    cursor = cursor.max(end);
                }
                _ => {
                    let stop = next_start.map_or(line_end, |start| start.min(line_end));
                    for c in text[cursor..stop].chars().take(EXCERPT_CHARS - taken) {
                        out.push(c);
                        taken += 1;
                    }
                    cursor = stop;
                }
            }
        }
        out
    }
}

/// The end of the token that starts at byte `offset` of `text`, for
/// findings that know where they start but not where they end: a tag
/// (`<button`) with its name, a quoted string to its closing quote on the
/// same line, a single delimiter, or else the run of characters up to the
/// next blank, quote, bracket, `;` or `,`. At least one character, at most
/// [`UNDERLINE_BYTES`], never past the line.
pub fn token_end(text: &str, offset: usize) -> usize {
    let rest = &text[offset..];
    let limit = offset + floor_char_boundary(rest, rest.len().min(UNDERLINE_BYTES));
    let rest = &text[offset..limit];
    let mut chars = rest.char_indices();
    let Some((_, first)) = chars.next() else {
        return offset;
    };
    let after_first = offset + first.len_utf8();
    let end_of = |found: Option<usize>| found.map_or(limit, |i| offset + i);
    match first {
        '\n' | '\r' => offset,
        '<' => end_of(
            chars
                .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '-' | ':' | '!' | '/' | '?')))
                .map(|(i, _)| i),
        ),
        '"' | '\'' | '`' => match chars.find(|(_, c)| *c == first || *c == '\n') {
            Some((i, c)) if c == first => offset + i + c.len_utf8(),
            _ => after_first,
        },
        c if is_delimiter(c) => after_first,
        _ => end_of(chars.find(|(_, c)| is_delimiter(*c)).map(|(i, _)| i)),
    }
}

/// Characters that end a token in [`token_end`].
fn is_delimiter(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\'' | '`' | '<' | '>' | '(' | ')' | '[' | ']' | '{' | '}' | ';' | ','
        )
}

/// Masks a secret inside a snippet, keeping only the prefix that
/// [`crate::rules::secret::visible_prefix`] allows.
pub fn redact(secret: &str) -> String {
    crate::redact::masked(secret)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_carry_line_column_and_snippet() {
        let text = "first\n  <a onclick=\"x()\">\n";
        let mut out = FileFindings::new("index.html", text);
        out.at(
            text.find("onclick").unwrap(),
            Message::error("inline/event-handler", "handler", "remove it"),
        );
        let finding = &out.findings[0];
        assert_eq!((finding.line, finding.column), (Some(2), Some(6)));
        assert_eq!(finding.snippet.as_deref(), Some("  <a onclick=\"x()\">"));
        assert_eq!(finding.help.as_deref(), Some("remove it"));
    }

    #[test]
    fn secrets_are_masked_in_snippets() {
        let text = "const key = \"sk_live_abcdefghijklmnop\";";
        let start = text.find("sk_live").unwrap();
        let mut out = FileFindings::new("a.js", text);
        out.at_redacted(
            start,
            24,
            Message::error("secret/stripe-secret-key", "key", ""),
        );
        let snippet = out.findings[0].snippet.clone().unwrap();
        assert!(!snippet.contains("abcdefghijklmnop"), "{snippet}");
        assert!(snippet.contains("sk_l…[redacted]"), "{snippet}");
    }

    #[test]
    fn long_lines_become_excerpts() {
        let text = format!("{}<b onclick=x>", "a".repeat(500));
        let mut out = FileFindings::new("a.html", &text);
        out.at(503, Message::error("inline/event-handler", "h", ""));
        let snippet = out.findings[0].snippet.clone().unwrap();
        // The excerpt starts a little before the finding, for context.
        assert_eq!(snippet, format!("…{}<b onclick=x>", "a".repeat(21)));
        assert_eq!(out.findings[0].column, Some(504));
        let span = out.findings[0].span.clone().unwrap();
        let underlined: String = snippet
            .chars()
            .skip(span.in_snippet.start as usize)
            .take(span.in_snippet.len())
            .collect();
        assert_eq!(underlined, "onclick=x");
        assert_eq!(span.end_column, 504 + 9);
    }

    #[test]
    fn underlines_follow_masked_secrets_and_stay_on_the_line() {
        let text = "let a = \"AKIAZ7QRSTUVWX234567\"; eval(x)\nnext";
        let secret = text.find("AKIA").unwrap();
        let mut out = FileFindings::new("a.js", text);
        out.mask_secrets(std::iter::once(secret..secret + 20));
        let eval = text.find("eval").unwrap();
        out.at_span(eval..text.len(), Message::error("sink/eval", "e", ""));
        out.at_redacted(secret, 20, Message::error("secret/aws-access-key", "k", ""));
        let shown = |finding: &Finding| -> String {
            let span = finding.span.clone().unwrap();
            finding
                .snippet
                .as_deref()
                .unwrap()
                .chars()
                .skip(span.in_snippet.start as usize)
                .take(span.in_snippet.len())
                .collect()
        };
        // The range stops at the end of its line.
        assert_eq!(shown(&out.findings[0]), "eval(x)");
        // A secret is underlined as the snippet shows it: masked.
        let masked = shown(&out.findings[1]);
        assert!(
            masked.contains("[redacted]") && !masked.contains("234567"),
            "{masked}"
        );
    }

    #[test]
    fn tokens_end_at_delimiters_quotes_and_tag_names() {
        fn end(text: &str) -> &str {
            &text[..token_end(text, 0)]
        }
        assert_eq!(
            end("https://a.example/x?y=1 rest"),
            "https://a.example/x?y=1"
        );
        assert_eq!(end("<button onclick=x>"), "<button");
        assert_eq!(end("'unsafe-inline' x"), "'unsafe-inline'");
        assert_eq!(end("\"open\nquote\""), "\"");
        assert_eq!(end("(x)"), "(");
        assert_eq!(end(""), "");
        assert_eq!(end("\nx"), "");
        assert_eq!(end(&"é".repeat(2000)).len(), 1024);
    }

    #[test]
    fn whole_line_findings_start_at_the_text_of_the_line() {
        let text = "/*\n  X-Frame-Options: DENY  \n";
        let mut out = FileFindings::new("_headers", text);
        out.at_line(2, Message::error("headers/x", "m", ""));
        out.at_line_span(2, 20..24, Message::error("headers/y", "m", ""));
        assert_eq!(out.findings[0].column, Some(3));
        assert_eq!(out.findings[0].span.as_ref().unwrap().end_column, 3 + 21);
        assert_eq!(out.findings[1].column, Some(21));
        assert_eq!(out.findings[1].span.as_ref().unwrap().in_snippet, 20..24);
    }

    mod fuzz {
        use super::super::*;
        use crate::fuzz;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(fuzz::config())]

            /// Whatever the text, the range and the secrets, a finding's
            /// underline lies inside its snippet and ends past its column,
            /// and the token of `at` stays on its line.
            #[test]
            fn fuzz_underlines_stay_inside_the_snippet(
                text in fuzz::noise(),
                start in 0usize..400,
                len in 0usize..300,
                secret in 0usize..400,
            ) {
                let mut out = FileFindings::new("a.js", &text);
                let secret = floor_char_boundary(&text, secret.min(text.len()));
                let secret_end = floor_char_boundary(&text, (secret + 12).min(text.len()));
                out.mask_secrets(std::iter::once(secret..secret_end));
                let start = floor_char_boundary(&text, start.min(text.len()));
                let end = token_end(&text, start);
                prop_assert!(end >= start && end <= text.len() && text.is_char_boundary(end));
                prop_assert!(!text[start..end].contains('\n'));
                out.at(start, Message::error("sink/eval", "m", ""));
                out.at_span(start..start + len, Message::error("sink/eval", "m", ""));
                out.at_redacted(start, len.min(text.len() - start), Message::error("secret/x", "m", ""));
                for finding in &out.findings {
                    let span = finding.span.clone().unwrap();
                    let column = finding.column.unwrap();
                    prop_assert!(span.end_column > column);
                    let shown = finding.snippet.as_deref().map_or(0, |s| s.chars().count()) as u32;
                    if finding.snippet.is_some() {
                        prop_assert!(span.in_snippet.start <= span.in_snippet.end);
                        prop_assert!(span.in_snippet.end <= shown, "{:?} in {:?}", span, finding.snippet);
                    }
                }
            }
        }
    }
}
