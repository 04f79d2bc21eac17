//! `encoding`: every text file reads as one text.
//!
//! Rules judge characters, and a file's characters depend on how its bytes
//! are decoded (see the `decode` module). Whatever lets two readers of the
//! same bytes see different characters is an error, because the gate
//! would then vouch for a reading the browser may not use.
//!
//! Rule ids: `encoding/nul-byte`, `encoding/unknown-charset`,
//! `encoding/unsafe-charset`, `encoding/invalid-bytes`,
//! `encoding/conflicting-charset` and `encoding/non-utf8-name`.

use crate::rule::{Category, Rule};
use encoding_rs::Encoding;

use crate::decode::{self, Basis, ProblemKind};
use crate::emit::{FileFindings, Message};
use crate::html::Page;

const NUL_HELP: &str = "Remove the NUL bytes; if the file is binary data, give it an extension \
    that says so (a text file with NULs is read differently by browsers and tools).";
const UNKNOWN_HELP: &str = "Declare an encoding browsers know, preferably UTF-8 \
    (`<meta charset=\"utf-8\">`), and save the file in it.";
const UNSAFE_HELP: &str = "Save the file as UTF-8 and declare `<meta charset=\"utf-8\">` (or \
    `@charset \"utf-8\";`, or `encoding=\"UTF-8\"`).";
const INVALID_HELP: &str = "Save the file as valid text in its encoding, preferably UTF-8. A \
    page or script read in another encoding than intended can see different characters, even \
    a quote that ends a string.";
const CONFLICT_HELP: &str = "Declare the encoding once, in the first 1024 bytes of the page, and \
    make every other declaration agree with it (or remove them).";
const NAME_HELP: &str = "Rename the entry with a UTF-8 name: URLs name files by UTF-8 bytes, so \
    hosts and tools disagree about which file such a name is.";

/// Whether invalid byte sequences make a file of this kind unjudgeable:
/// in pages, SVG, scripts and stylesheets a byte read differently can
/// change what runs; other text is scanned as decoded.
pub(crate) fn invalid_bytes_matter(kind: crate::bundle::FileKind) -> bool {
    use crate::bundle::FileKind;
    matches!(
        kind,
        FileKind::Html
            | FileKind::Svg
            | FileKind::Script
            | FileKind::Stylesheet
            | FileKind::Headers
            | FileKind::Redirects
    )
}

/// The finding for one decoding problem.
pub(crate) fn message(problem: &ProblemKind) -> Message {
    match problem {
        ProblemKind::Nul { count } => Message::error(
            "encoding/nul-byte",
            format!(
                "text file holds {count} NUL byte{}, so it cannot be judged as one text: \
                 browsers and tools read NULs differently",
                if *count == 1 { "" } else { "s" }
            ),
            NUL_HELP,
        ),
        ProblemKind::UnknownCharset { label } => Message::error(
            "encoding/unknown-charset",
            format!(
                "file declares the encoding `{}`, which browsers do not know: they fall back \
                 to a guess that depends on the visitor, so the validator cannot know which \
                 characters they see",
                shown_label(label)
            ),
            UNKNOWN_HELP,
        ),
        ProblemKind::UnsafeCharset {
            label,
            encoding,
            why,
        } => Message::error(
            "encoding/unsafe-charset",
            format!(
                "file declares the encoding `{}` ({encoding}): {why}",
                shown_label(label)
            ),
            UNSAFE_HELP,
        ),
        ProblemKind::Invalid { encoding, count } => Message::error(
            "encoding/invalid-bytes",
            format!(
                "{count} byte sequence{} invalid in {encoding}, the first here: browsers show \
                 U+FFFD, but a reader using another encoding sees other characters",
                if *count == 1 { " is" } else { "s are" }
            ),
            INVALID_HELP,
        ),
    }
}

/// The finding for an entry whose name is not valid UTF-8.
pub(crate) fn non_utf8_name() -> Message {
    Message::error(
        "encoding/non-utf8-name",
        "name is not valid UTF-8 (the bytes that are not are shown as \\xNN)",
        NAME_HELP,
    )
}

/// A label as declared, shortened: it is file content, and only needs to
/// be recognisable.
fn shown_label(label: &str) -> String {
    let mut shown: String = label.chars().take(40).collect();
    if label.chars().count() > 40 {
        shown.push('…');
    }
    shown
}

/// Every `<meta>` that declares an encoding must agree with the one the
/// page was read in. The HTML prescan only looks at the first 1024 bytes,
/// but a parser that meets a `<meta charset>` later, or a second one that
/// differs, reloads the page in the encoding it names (the HTML
/// standard's "change the encoding"); a page whose encoding came from a
/// byte order mark is the one exception, as browsers are certain of it.
pub(crate) fn check_page_declarations(
    page: &Page<'_>,
    encoding: &'static Encoding,
    basis: &Basis,
    out: &mut FileFindings<'_>,
) {
    if *basis == Basis::Bom {
        return;
    }
    let first = match basis {
        Basis::Declared { at } => Some(*at),
        _ => None,
    };
    for element in &page.elements {
        if element.name != "meta" || element.in_srcdoc || Some(element.start) == first {
            continue;
        }
        let charset = element.value("charset");
        let content = element
            .value("http-equiv")
            .filter(|v| v.trim().eq_ignore_ascii_case("content-type"))
            .and_then(|_| element.value("content"));
        let Some(declared) = decode::meta_encoding(charset, content) else {
            continue;
        };
        if declared != encoding {
            out.at(
                element.start,
                Message::error(
                    "encoding/conflicting-charset",
                    format!(
                        "<meta> declares {}, but the page is read as {} {}: a browser that \
                         meets this declaration reloads the page as {}",
                        declared.name(),
                        encoding.name(),
                        match basis {
                            Basis::Declared { .. } => "from its first declaration",
                            _ => "by default",
                        },
                        declared.name()
                    ),
                    CONFLICT_HELP,
                ),
            );
        }
    }
}

/// The rules of this category, declared once for every output, the
/// documentation check and the fixture harness.
pub const CATEGORY: Category = Category {
    name: "encoding",
    title: "every file reads as one text",
    security_severity: 7.0,
    rules: &[
        Rule::error(
            "encoding/nul-byte",
            "a NUL byte in a text file (page, SVG, script, stylesheet, source map, `.txt`, `.json`, `.xml`, …)",
            "browsers and tools read NULs differently (HTML drops or replaces them, C-string tools stop at them), so the file is not one text",
            "remove them, or give binary data an extension that says so",
        )
        .marks_unjudged(),
        Rule::error(
            "encoding/unknown-charset",
            "a declared encoding label browsers do not know (`utf-7`, `utf-32`, typos)",
            "browsers ignore it and fall back to a guess that depends on the visitor",
            "declare UTF-8 and save the file in it",
        )
        .marks_unjudged(),
        Rule::error(
            "encoding/unsafe-charset",
            "a declared encoding in which ASCII bytes do not mean ASCII: ISO-2022-JP (stateful), the replacement encoding (`iso-2022-kr`, `hz-gb-2312`, …), UTF-16 declared without a byte order mark",
            "markup and script can hide from a reader that assumes UTF-8, or show to one that ignores the label",
            "save the file as UTF-8",
        )
        .marks_unjudged(),
        Rule::error(
            "encoding/invalid-bytes",
            "byte sequences invalid in the encoding used, in a page, SVG, script, stylesheet, `_headers` or `_redirects` (the first is located)",
            "browsers show U+FFFD, but a page read in another encoding than intended can see other characters, even a quote that ends a string (`0x81 0x5C` is one Shift_JIS character, the backslash gone)",
            "save the file as valid text in its encoding, preferably UTF-8",
        )
        .marks_unjudged(),
        Rule::error(
            "encoding/conflicting-charset",
            "a `<meta>` declaring another encoding than the one the page is read in (after the first 1024 bytes, or a second declaration); not when a byte order mark decides",
            "a browser that meets it reloads the page in that encoding",
            "declare the encoding once, early",
        )
        .marks_unjudged(),
        Rule::error(
            "encoding/non-utf8-name",
            "a file or folder name that is not valid UTF-8",
            "URLs name files by UTF-8 bytes, so hosts and tools disagree about which file the name is",
            "rename it",
        )
        .marks_unjudged(),
    ],
};
