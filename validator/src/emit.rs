//! Turning byte offsets inside a file into [`Finding`]s with lines,
//! columns and snippets.

use crate::location::LineIndex;
use crate::{Detection, Finding, Severity};

/// Lines longer than this are shown as an excerpt starting at the finding.
const FULL_LINE_LIMIT: usize = 160;
const EXCERPT_CHARS: usize = 80;

/// Collects the findings of one file.
pub struct FileFindings<'a> {
    path: &'a str,
    text: &'a str,
    index: Option<LineIndex>,
    /// Byte ranges of secrets in the file, masked in every snippet.
    secrets: Vec<std::ops::Range<usize>>,
    pub findings: Vec<Finding>,
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
            message: message.into(),
            help,
        }
    }

    /// A warning finding.
    pub fn warning(rule: &'static str, message: impl Into<String>, help: &'static str) -> Self {
        Message {
            rule,
            severity: Severity::Warning,
            message: message.into(),
            help,
        }
    }
}

impl<'a> FileFindings<'a> {
    /// Starts collecting for the file at `path` with contents `text`.
    pub fn new(path: &'a str, text: &'a str) -> Self {
        FileFindings {
            path,
            text,
            index: None,
            secrets: Vec::new(),
            findings: Vec::new(),
        }
    }

    /// Records where the file holds secrets, so that no snippet of any
    /// finding in this file shows them.
    pub fn mask_secrets(&mut self, ranges: impl IntoIterator<Item = std::ops::Range<usize>>) {
        self.secrets.extend(ranges);
        self.secrets.sort_by_key(|r| r.start);
    }

    /// A finding at byte `offset` of the file.
    pub fn at(&mut self, offset: usize, message: Message) {
        let (line, column, snippet) = self.locate(offset);
        self.push(Some(line), Some(column), snippet, message);
    }

    /// A finding at byte `offset` whose source text (`len` bytes from
    /// `offset`) must not be shown, because it is a secret.
    pub fn at_redacted(&mut self, offset: usize, len: usize, message: Message) {
        if !self
            .secrets
            .iter()
            .any(|r| r.start == offset && r.end == offset + len)
        {
            self.mask_secrets(std::iter::once(offset..offset + len));
        }
        let (line, column, snippet) = self.locate(offset);
        self.push(Some(line), Some(column), snippet, message);
    }

    /// A finding at a 1-based line of the file (whole line).
    pub fn at_line(&mut self, line: u32, message: Message) {
        let text = self.text;
        let index = self.index.get_or_insert_with(|| LineIndex::new(text));
        let line_text = index.line_text(text, line);
        let offset = line_text.as_ptr() as usize - text.as_ptr() as usize;
        let (_, _, snippet) = self.locate(offset);
        self.push(Some(line), Some(1), snippet, message);
    }

    /// A finding about the whole file.
    pub fn whole_file(&mut self, message: Message) {
        self.push(None, None, None, message);
    }

    /// A finding from a scanner that worked on a piece of this file
    /// starting at byte `base`.
    pub fn detection(&mut self, base: usize, detection: &Detection, redact: bool) {
        let message = Message {
            rule: detection.rule,
            severity: detection.severity,
            message: detection.message.clone(),
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
        // Rebuild the line with every secret on it masked, tracking where
        // the finding's offset lands in the masked text.
        let mut shown = String::with_capacity(line_text.len());
        let mut cursor = line_start;
        let mut shown_offset = None;
        for range in self
            .secrets
            .iter()
            .filter(|r| r.start < line_end && r.end > line_start)
        {
            let start = floor_char_boundary(text, range.start.max(cursor));
            let end = floor_char_boundary(text, range.end.min(line_end));
            if start < cursor || end <= start {
                continue;
            }
            if shown_offset.is_none() && offset < end {
                shown_offset =
                    Some(shown.len() + offset.saturating_sub(cursor).min(start - cursor));
            }
            shown.push_str(&text[cursor..start]);
            shown.push_str(&redact(&text[start..end]));
            cursor = end;
        }
        let shown_offset = shown_offset.unwrap_or(shown.len() + offset.saturating_sub(cursor));
        shown.push_str(&text[cursor..line_end]);
        let snippet = if shown.chars().count() <= FULL_LINE_LIMIT {
            shown
        } else {
            let start = floor_char_boundary(&shown, shown_offset.min(shown.len()));
            let excerpt: String = shown[start..].chars().take(EXCERPT_CHARS).collect();
            format!("…{excerpt}")
        };
        let snippet = (!snippet.trim().is_empty()).then_some(snippet);
        (line, column, snippet)
    }
}

/// Masks a secret inside a snippet, keeping only the prefix that
/// [`crate::rules::secret::visible_prefix`] allows.
pub fn redact(secret: &str) -> String {
    format!(
        "{}…[redacted]",
        crate::rules::secret::visible_prefix(secret)
    )
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
