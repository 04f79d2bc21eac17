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

use crate::location::LineIndex;
use crate::{Detection, Finding, Severity};

/// Lines longer than this are shown as an excerpt starting at the finding.
const FULL_LINE_LIMIT: usize = 160;
const EXCERPT_CHARS: usize = 80;
/// Lines of at most this many bytes are masked whole for every finding: it
/// costs no more than the snippet itself. (A line of more bytes may still
/// be short once its secrets are masked.)
const SHORT_LINE_BYTES: usize = FULL_LINE_LIMIT * 4;

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
        }
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

    /// A finding at byte `offset` of the file.
    pub fn at(&mut self, offset: usize, message: Message) {
        if !self.admit(&message) {
            return;
        }
        let (line, column, snippet) = self.locate(offset);
        self.push(Some(line), Some(column), snippet, message);
    }

    /// A finding at byte `offset` whose source text (`len` bytes from
    /// `offset`) must not be shown, because it is a secret.
    pub fn at_redacted(&mut self, offset: usize, len: usize, message: Message) {
        let range = offset..offset + len;
        if !range.is_empty() && !self.is_masked(&range) {
            self.mask_secrets(std::iter::once(range));
        }
        if !self.admit(&message) {
            return;
        }
        let (line, column, snippet) = self.locate(offset);
        self.push(Some(line), Some(column), snippet, message);
    }

    /// A finding at a 1-based line of the file (whole line).
    pub fn at_line(&mut self, line: u32, message: Message) {
        if !self.admit(&message) {
            return;
        }
        let text = self.text;
        let index = self.index.get_or_insert_with(|| LineIndex::new(text));
        let line_text = index.line_text(text, line);
        let offset = line_text.as_ptr() as usize - text.as_ptr() as usize;
        let (_, _, snippet) = self.locate(offset.min(text.len()));
        self.push(Some(line), Some(1), snippet, message);
    }

    /// A finding about the whole file.
    pub fn whole_file(&mut self, message: Message) {
        if !self.admit(&message) {
            return;
        }
        self.push(None, None, None, message);
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
        if redact {
            let len = detection.end.saturating_sub(detection.start);
            self.at_redacted(offset, len, message);
        } else {
            self.at(offset, message);
        }
    }

    fn push(
        &mut self,
        line: Option<u32>,
        column: Option<u32>,
        snippet: Option<String>,
        message: Message,
    ) {
        let finding = self.build(line, column, snippet, message);
        self.findings.push(finding);
    }

    fn build(
        &self,
        line: Option<u32>,
        column: Option<u32>,
        snippet: Option<String>,
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
        }
    }

    /// Line, column and snippet for `offset`. The snippet is the whole line
    /// when short, else an excerpt starting at the offset and marked with a
    /// leading `…`. Secrets on the line are masked but for a short prefix.
    fn locate(&mut self, offset: usize) -> (u32, u32, Option<String>) {
        let text = self.text;
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let index = self.index.get_or_insert_with(|| LineIndex::new(text));
        let (line, column) = index.position(text, offset);
        let line_text = index.line_text(text, line);
        let line_start = line_text.as_ptr() as usize - text.as_ptr() as usize;
        let line_end = line_start + line_text.len();
        let snippet = if line_text.len() <= SHORT_LINE_BYTES {
            let (shown, shown_offset) = self.masked_line(line_start, line_end, Some(offset));
            if shown.chars().count() <= FULL_LINE_LIMIT {
                shown
            } else {
                let start = floor_char_boundary(&shown, shown_offset.min(shown.len()));
                let excerpt: String = shown[start..].chars().take(EXCERPT_CHARS).collect();
                format!("…{excerpt}")
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
                Some(shown) => shown,
                None => format!("…{}", self.excerpt(offset, line_end)),
            }
        };
        let snippet = (!snippet.trim().is_empty()).then_some(snippet);
        (line, column, snippet)
    }

    /// The line `line_start..line_end` with every secret on it masked,
    /// and where `offset` lands in it: at its own place, or at the start of
    /// the masked secret it falls in.
    fn masked_line(
        &self,
        line_start: usize,
        line_end: usize,
        offset: Option<usize>,
    ) -> (String, usize) {
        let text = self.text;
        let mut shown = String::with_capacity(line_end - line_start);
        let mut cursor = line_start;
        let mut shown_offset = None;
        for range in self.secrets_within(line_start, line_end) {
            let start = floor_char_boundary(text, range.start.max(cursor));
            let end = floor_char_boundary(text, range.end.min(line_end));
            if start < cursor || end <= start {
                continue;
            }
            if let Some(offset) = offset
                && shown_offset.is_none()
                && offset < end
            {
                shown_offset =
                    Some(shown.len() + offset.saturating_sub(cursor).min(start - cursor));
            }
            shown.push_str(&text[cursor..start]);
            shown.push_str(&redact(&text[start..end]));
            cursor = end;
        }
        let shown_offset =
            shown_offset.unwrap_or(shown.len() + offset.unwrap_or(cursor).saturating_sub(cursor));
        shown.push_str(&text[cursor..line_end]);
        (shown, shown_offset)
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
        (chars <= FULL_LINE_LIMIT).then(|| self.masked_line(line_start, line_end, None).0)
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
        assert!(snippet.starts_with("…onclick=x>"), "{snippet}");
        assert_eq!(out.findings[0].column, Some(504));
    }
}
