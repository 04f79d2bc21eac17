//! Input generators for the property tests of the parsers (`fuzz_*`
//! tests next to each parser).
//!
//! Uniformly random bytes rarely get past a parser's first branch, so the
//! generators build text from the pieces each format is made of: tags,
//! attributes, quotes, character references, comments and CDATA for
//! HTML; brackets, strings, templates, regular expressions, operators and
//! keywords for JavaScript; functions, strings, escapes and comments for
//! CSS. Control characters and non-ASCII text are mixed in everywhere.
//!
//! The tests run a few dozen cases inside `cargo test`; set
//! `PROPTEST_CASES` for a longer run (see the validator README).

use proptest::prelude::*;
use proptest::test_runner::Config;

/// Cases per property: `PROPTEST_CASES` when set, else a number small
/// enough for every property to run inside `cargo test` in a second or
/// two unoptimised.
pub(crate) fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(48);
    Config {
        cases,
        // Failures are kept by the test's own regression cases, not files.
        failure_persistence: None,
        ..Config::default()
    }
}

/// Text that is hard on any lexer: markup and code punctuation, quotes,
/// control characters, a byte order mark, bidirectional overrides,
/// combining marks, astral characters.
pub(crate) fn noise() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\u{0}"),
        Just("\u{1}"),
        Just("\t"),
        Just("\n"),
        Just("\r\n"),
        Just("\u{c}"),
        Just("\u{feff}"),
        Just("\u{202e}"),
        Just("\u{2028}"),
        Just("é"),
        Just("e\u{301}"),
        Just("ＳＯＣ２"),
        Just("𝐒"),
        Just("😀"),
        Just("<"),
        Just(">"),
        Just("&"),
        Just("\""),
        Just("'"),
        Just("`"),
        Just("\\"),
        Just("/"),
        Just("*"),
        Just("="),
        Just(";"),
        Just(":"),
        Just("("),
        Just(")"),
        Just("["),
        Just("]"),
        Just("{"),
        Just("}"),
        Just(" "),
        Just("a"),
        Just("0"),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

/// Character references as pages write them, with and without `;`.
fn reference() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("&amp;".to_string()),
        Just("&lt".to_string()),
        Just("&quot;".to_string()),
        Just("&#x61;".to_string()),
        Just("&#106".to_string()),
        Just("&colon;".to_string()),
        Just("&Tab;".to_string()),
        Just("&#0;".to_string()),
        Just("&#x110000;".to_string()),
        Just("&notanentity;".to_string()),
        Just("&".to_string()),
    ]
}

const TAGS: &[&str] = &[
    "a",
    "p",
    "div",
    "b",
    "br",
    "img",
    "script",
    "style",
    "noscript",
    "iframe",
    "form",
    "input",
    "select",
    "option",
    "template",
    "xmp",
    "textarea",
    "title",
    "plaintext",
    "frameset",
    "svg",
    "math",
    "set",
    "animate",
    "foreignObject",
    "meta",
    "link",
    "object",
    "SCRIPT",
    "Svg",
    "x:y",
];

const ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "srcdoc",
    "onclick",
    "ONLOAD",
    "style",
    "id",
    "name",
    "action",
    "srcset",
    "xlink:href",
    "x:href",
    "attributeName",
    "to",
    "values",
    "from",
    "type",
    "rel",
    "integrity",
    "content",
    "http-equiv",
    "data",
];

/// An attribute value: URLs, scripts and references, in any quoting.
fn attribute() -> impl Strategy<Value = String> {
    let name = prop::sample::select(ATTRIBUTES);
    let value = prop_oneof![
        Just("javascript:alert(1)".to_string()),
        Just(" JAVA\tSCRIPT:x".to_string()),
        Just("href".to_string()),
        Just("onclick".to_string()),
        Just("/a;javascript:b".to_string()),
        Just("//cdn.example/x.js".to_string()),
        Just("0;url=/console/".to_string()),
        Just("<b onclick=x>".to_string()),
        reference(),
        noise(),
    ];
    let quote = prop::sample::select(&["\"", "'", ""][..]);
    (name, value, quote, any::<bool>()).prop_map(|(name, value, quote, bare)| {
        if bare {
            format!(" {name}")
        } else {
            format!(" {name}={quote}{value}{quote}")
        }
    })
}

/// One piece of an HTML document.
fn html_piece() -> impl Strategy<Value = String> {
    let tag = (
        prop::sample::select(TAGS),
        prop::collection::vec(attribute(), 0..4),
        any::<bool>(),
    )
        .prop_map(|(tag, attributes, self_closing)| {
            let close = if self_closing { "/>" } else { ">" };
            format!("<{tag}{}{close}", attributes.concat())
        });
    let end = prop::sample::select(TAGS).prop_map(|tag| format!("</{tag}>"));
    prop_oneof![
        4 => tag,
        2 => end,
        1 => Just("<!-- c -->".to_string()),
        1 => Just("<!--".to_string()),
        1 => Just("-->".to_string()),
        1 => Just("<![CDATA[ x ]]>".to_string()),
        1 => Just("]]>".to_string()),
        1 => Just("<!doctype html>".to_string()),
        1 => Just("<?xml version=\"1.0\"?>".to_string()),
        1 => Just("SOC 2 Type II certified. ".to_string()),
        2 => reference(),
        3 => noise(),
    ]
}

/// An HTML-like document.
pub(crate) fn html() -> impl Strategy<Value = String> {
    prop::collection::vec(html_piece(), 0..40).prop_map(|pieces| pieces.concat())
}

/// One piece of a script.
fn js_piece() -> impl Strategy<Value = String> {
    let word = prop::sample::select(
        &[
            "el",
            "innerHTML",
            "document",
            "write",
            "eval",
            "Function",
            "setTimeout",
            "location",
            "href",
            "import",
            "new",
            "Worker",
            "if",
            "else",
            "for",
            "while",
            "do",
            "function",
            "class",
            "extends",
            "return",
            "typeof",
            "yield",
            "await",
            "case",
            "default",
            "let",
            "const",
            "var",
            "of",
            "in",
            "async",
            "static",
            "get",
        ][..],
    )
    .prop_map(|word| format!(" {word} "));
    let punctuation = prop::sample::select(
        &[
            "(", ")", "[", "]", "{", "}", "${", "`", ";", ",", ".", "?.", "?", ":", "=", "==",
            "=>", "+", "++", "-", "--", "!", "~", "**", "*", "/", "/=", "&&=", "<<", "<!--", "-->",
            "...", "#", "@", "\n",
        ][..],
    )
    .prop_map(str::to_string);
    prop_oneof![
        4 => word,
        6 => punctuation,
        1 => Just("'javascript:' + x".to_string()),
        1 => Just("\"<b>\"".to_string()),
        1 => Just("/[(]/g".to_string()),
        1 => Just("// comment\n".to_string()),
        1 => Just("/* c */".to_string()),
        1 => Just("`a${b}c`".to_string()),
        1 => Just("0x1F".to_string()),
        2 => noise(),
    ]
}

/// A script-like text.
pub(crate) fn js() -> impl Strategy<Value = String> {
    prop::collection::vec(js_piece(), 0..60).prop_map(|pieces| pieces.concat())
}

/// A stylesheet-like text.
pub(crate) fn css() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("url(".to_string()),
        Just("URL(".to_string()),
        Just("u\\72l(".to_string()),
        Just("image-set(".to_string()),
        Just("-webkit-image-set(".to_string()),
        Just("type(".to_string()),
        Just("@import ".to_string()),
        Just("@media screen{".to_string()),
        Just(")".to_string()),
        Just("}".to_string()),
        Just("\"a.png\"".to_string()),
        Just("'//cdn.example/b.png'".to_string()),
        Just("\\2f\\2f ".to_string()),
        Just("/*".to_string()),
        Just("*/".to_string()),
        Just("\\".to_string()),
        noise(),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

/// Text whose every byte offset may be asked about: checks that `offset`
/// is inside `text` and on a character boundary.
pub(crate) fn is_place_in(text: &str, offset: usize) -> bool {
    offset <= text.len() && text.is_char_boundary(offset)
}
