//! The URLs a stylesheet fetches: `url(...)` values, `@import` targets and
//! the strings of functions that take an image as a string
//! (`image-set("a.png" 1x)`), with their byte offsets. A small tokenizer that respects comments,
//! strings and escapes, so `u\72l(` or a URL inside a comment are judged
//! the way a browser would read them.
//!
//! This is the one scanner of CSS URLs: the validator judges what it
//! finds, and the site generator rewrites the same places to
//! fingerprinted URLs, so the build never leaves a reference the gate
//! then finds.

use std::ops::Range;

/// One URL referenced by CSS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CssUrl {
    /// Byte offset of the URL (or its opening quote) in the text.
    pub offset: usize,
    /// The URL as written: its bytes in the text, without quotes or the
    /// space around an unquoted `url(…)`. Replacing this range replaces
    /// the URL.
    pub span: Range<usize>,
    /// The URL with CSS escapes decoded.
    pub url: String,
}

/// Functions whose string arguments are URLs, as `url()`'s are.
fn takes_string_urls(function: &str) -> bool {
    ["image-set", "-webkit-image-set", "image", "src"]
        .iter()
        .any(|name| function.eq_ignore_ascii_case(name))
}

/// Every URL in `css`.
pub fn urls(css: &str) -> Vec<CssUrl> {
    read(css, &mut |_| {})
}

/// The byte range of every comment in `css`, delimiters included, in
/// order: read by the same tokenizer as URLs, so `/*` inside a string or
/// an unquoted `url()` does not start one.
pub fn comments(css: &str) -> Vec<std::ops::Range<usize>> {
    let mut found = Vec::new();
    read(css, &mut |range| found.push(range));
    found
}

/// Reads `css` once: returns its URLs and hands every comment's range to
/// `on_comment`.
fn read(css: &str, on_comment: &mut dyn FnMut(std::ops::Range<usize>)) -> Vec<CssUrl> {
    let bytes = css.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // Parenthesis depth, and the depths at which a function whose strings
    // are URLs was opened: a string that is a direct argument of one is a
    // URL, while one inside a nested function (`type("image/png")`) is not.
    let mut depth = 0usize;
    let mut string_url_depths: Vec<usize> = Vec::new();
    while i < bytes.len() {
        match bytes[i] {
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                if string_url_depths.last() == Some(&depth) {
                    string_url_depths.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let start = i;
                i = css[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |end| i + 2 + end + 2);
                on_comment(start..i);
            }
            b'"' | b'\'' => {
                let (value, inner, end) = read_string(css, i);
                if depth > 0 && string_url_depths.last() == Some(&depth) {
                    out.push(CssUrl {
                        offset: i,
                        span: inner,
                        url: value,
                    });
                }
                i = end;
            }
            b'@' => {
                let (word, after) = read_ident(css, i + 1);
                i = after;
                if word.eq_ignore_ascii_case("import") {
                    let start = skip_whitespace(css, i);
                    if matches!(bytes.get(start), Some(b'"' | b'\'')) {
                        let (value, inner, end) = read_string(css, start);
                        out.push(CssUrl {
                            offset: start,
                            span: inner,
                            url: value,
                        });
                        i = end;
                    }
                }
            }
            c if c.is_ascii_alphabetic() || c == b'\\' || c == b'-' => {
                let (word, after) = read_ident(css, i);
                i = after;
                if bytes.get(i) == Some(&b'(') && takes_string_urls(&word) {
                    depth += 1;
                    string_url_depths.push(depth);
                    i += 1;
                } else if word.eq_ignore_ascii_case("url") && bytes.get(i) == Some(&b'(') {
                    // The closing parenthesis is read by the loop.
                    depth += 1;
                    let start = skip_whitespace(css, i + 1);
                    match bytes.get(start) {
                        Some(b'"' | b'\'') => {
                            let (value, inner, end) = read_string(css, start);
                            out.push(CssUrl {
                                offset: start,
                                span: inner,
                                url: value,
                            });
                            i = end;
                        }
                        Some(_) => {
                            let end = css[start..].find(')').map_or(css.len(), |e| start + e);
                            let raw = css[start..end].trim_end();
                            out.push(CssUrl {
                                offset: start,
                                span: start..start + raw.len(),
                                url: unescape(raw.trim()),
                            });
                            i = end;
                        }
                        None => {}
                    }
                }
            }
            _ => i += 1,
        }
    }
    out
}

fn skip_whitespace(css: &str, mut i: usize) -> usize {
    let bytes = css.as_bytes();
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// Reads an identifier (with escapes) starting at `i`.
fn read_ident(css: &str, mut i: usize) -> (String, usize) {
    let bytes = css.as_bytes();
    let start = i;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i = (i + 2).min(bytes.len()),
            c if c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c >= 0x80 => i += 1,
            _ => break,
        }
    }
    while !css.is_char_boundary(i) {
        i += 1;
    }
    (
        unescape(&css[start..i]),
        i.max(start + 1).min(css.len().max(start + 1)),
    )
}

/// Reads a quoted string starting at its quote; returns the decoded value,
/// the range of its text between the quotes, and the offset after the
/// closing quote.
fn read_string(css: &str, start: usize) -> (String, Range<usize>, usize) {
    let bytes = css.as_bytes();
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() && bytes[i] != quote && bytes[i] != b'\n' {
        if bytes[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    let end = i.min(bytes.len());
    let mut inner_end = end;
    while !css.is_char_boundary(inner_end) {
        inner_end -= 1;
    }
    (
        unescape(&css[start + 1..inner_end]),
        start + 1..inner_end,
        (end + 1).min(bytes.len()),
    )
}

/// Decodes CSS escapes: `\72` (hex, optional trailing space) and `\x`.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let mut hex = String::new();
        while hex.len() < 6 && chars.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
            hex.extend(chars.next());
        }
        if hex.is_empty() {
            match chars.next() {
                Some('\n') | None => {}
                Some(other) => out.push(other),
            }
        } else {
            if chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
                chars.next();
            }
            let code = u32::from_str_radix(&hex, 16).unwrap_or(0xFFFD);
            out.push(
                char::from_u32(code)
                    .filter(|c| *c != '\0')
                    .unwrap_or('\u{FFFD}'),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(css: &str) -> Vec<String> {
        urls(css).into_iter().map(|u| u.url).collect()
    }

    #[test]
    fn finds_urls_and_imports() {
        let css = "@import \"a.css\";\n@import url(b.css);\nbody{background:url( 'c.png' )}\n.x{src:URL(d.woff2)}";
        assert_eq!(found(css), ["a.css", "b.css", "c.png", "d.woff2"]);
        let first = &urls(css)[0];
        assert_eq!(&css[first.offset..first.offset + 6], "\"a.css");
    }

    #[test]
    fn spans_cover_the_url_as_written() {
        let css = "@import 'a.css';\nb{background:url(  /b.png?v=1 )} c{background:image-set(\"/c\\2e svg\" 1x)}";
        let spans: Vec<&str> = urls(css).iter().map(|u| &css[u.span.clone()]).collect();
        assert_eq!(spans, ["a.css", "/b.png?v=1", "/c\\2e svg"]);
        assert_eq!(found(css), ["a.css", "/b.png?v=1", "/c.svg"]);
    }

    #[test]
    fn ignores_comments_and_strings_but_decodes_escapes() {
        let css = "/* url(x.png) */ .a::before{content:\"url(y.png)\"} .b{background:u\\72l(//cdn.example/z.png)} .c{background:url(\"\\2f\\2f t.example/p\")}";
        assert_eq!(found(css), ["//cdn.example/z.png", "//t.example/p"]);
    }

    #[test]
    fn strings_of_image_functions_are_urls() {
        let css = ".a{background:image-set(\"a.png\" 1x, url(b.png) 2x)} .b{background:-WEBKIT-image-set('//cdn.example/c.png' 1x)} .c{content:\"d.png\"; background:image(\"e.svg\")}";
        assert_eq!(
            found(css),
            ["a.png", "b.png", "//cdn.example/c.png", "e.svg"]
        );
        let nested = ".x{background:image-set(linear-gradient(red, blue) 1x, \"f.png\" type(\"image/png\"))} .y{content:\"g\"}";
        assert_eq!(found(nested), ["f.png"]);
    }

    #[test]
    fn comments_skip_strings_and_unquoted_urls() {
        let css = "a{content:\"/* no */\"} /* yes */ b{background:url(/*no*/x.png)} \\/* no */";
        let found: Vec<&str> = comments(css).into_iter().map(|r| &css[r]).collect();
        assert_eq!(found, ["/* yes */"]);
    }

    mod fuzz {
        use super::super::*;
        use crate::fuzz::{self, is_place_in};
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(fuzz::config())]

            /// Every URL found points at a place inside the stylesheet, in
            /// order, and the scan reads the same twice.
            #[test]
            fn fuzz_css_urls_point_inside_the_text(css in fuzz::css()) {
                let found = urls(&css);
                for url in &found {
                    prop_assert!(is_place_in(&css, url.offset));
                    prop_assert!(url.offset <= url.span.start && url.span.start <= url.span.end);
                    prop_assert!(css.get(url.span.clone()).is_some());
                }
                prop_assert!(found.windows(2).all(|pair| pair[0].offset < pair[1].offset));
                prop_assert_eq!(found, urls(&css));
            }

            /// Comments lie inside the stylesheet, in order and apart, each
            /// opening with `/*`, and no URL is found inside one.
            #[test]
            fn fuzz_css_comments_are_comments(css in fuzz::css()) {
                let found = comments(&css);
                for range in &found {
                    prop_assert!(is_place_in(&css, range.start) && is_place_in(&css, range.end));
                    prop_assert!(css[range.clone()].starts_with("/*"));
                }
                prop_assert!(found.windows(2).all(|w| w[0].end <= w[1].start));
                for url in urls(&css) {
                    prop_assert!(!found.iter().any(|c| c.contains(&url.offset)));
                }
            }
        }
    }
}
