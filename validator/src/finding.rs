//! The unit of output: one broken promise at one place.

use serde::Serialize;

/// How bad a finding is. Only errors fail a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One finding, located in a file of the bundle.
///
/// `line` and `column` are 1-based; `column` counts Unicode scalar values.
/// Both are `None` for whole-file findings (a missing header, say).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `CATEGORY/NAME`, e.g. `inline/event-handler`.
    pub rule: String,
    pub severity: Severity,
    /// Path relative to the bundle root, with `/` separators.
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
    /// The source line of the finding with secrets masked. Lines too long
    /// to show whole become an excerpt that starts at the finding and
    /// begins with `…`.
    #[serde(skip)]
    pub snippet: Option<String>,
    /// How to fix it.
    #[serde(skip)]
    pub help: Option<String>,
    /// The offending text: where it ends and where the snippet shows it.
    /// `None` for whole-file findings.
    #[serde(skip)]
    pub span: Option<Span>,
    /// Where the offending bytes came from before a generator built them
    /// into the bundle (a Markdown line, a template, a static file). Set by
    /// the generator that built the bundle; a check of a finished bundle
    /// never knows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceLocation>,
}

/// A place in the sources of a site, as a generator reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceLocation {
    /// Path relative to the site folder, with `/` separators
    /// (`content/about.md`, `static/css/site.css`).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// 1-based column in Unicode scalar values, when known.
    pub column: Option<u32>,
    /// The template that rendered the page, when the bytes came from the
    /// template rather than from the content file named by `file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

/// Where the offending text of a finding lies, for the underline of human
/// output and SARIF's `endColumn`. It never reaches past the finding's
/// line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// 1-based column just past the offending text, in Unicode scalar
    /// values; always past `column`.
    pub end_column: u32,
    /// The characters of the finding's snippet that show the offending
    /// text, as indices of its `chars()` (a masked secret shows shorter
    /// than it is written, an excerpt starts with `…`).
    pub in_snippet: std::ops::Range<u32>,
}

/// A finding inside one piece of text, before it is placed in a file.
///
/// Scanners that work on a string (a script body, a page's visible text)
/// return detections with byte offsets into that string; the caller maps
/// them to file, line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// `CATEGORY/NAME`.
    pub rule: &'static str,
    pub severity: Severity,
    /// Byte range of the offending text in the scanned string.
    pub start: usize,
    pub end: usize,
    pub message: String,
    pub help: &'static str,
}
