//! Reading inline markers from the comments of one file.
//!
//! A marker counts only in a real comment, found by the parser of the
//! file's language: an HTML comment as the HTML tokenizer reads one, a
//! JavaScript comment from a clean oxc parse, a CSS comment from the CSS
//! tokenizer. Marker text inside a string, a text node, an attribute value
//! or `<textarea>`/`<title>` content is no comment and has no effect.
//!
//! Scopes: a marker in an HTML comment covers the next element, start tag
//! through end tag (only the start tag when the parser saw no end tag);
//! one in a script or stylesheet comment covers the next line after the
//! comment's own line that holds code. Markers count in `.js`/`.mjs`/
//! `.cjs` and `.css` files, in pages and SVG files, and in the bodies of
//! a page's `<script>` (classic or module, run from its text) and
//! `<style>` elements. They do not count inside `<noscript>`, inside an
//! `<iframe srcdoc>` document (that is an attribute value of the page),
//! or in script and style text that the parser decodes (SVG and MathML),
//! whose offsets are not exact; nor in a script that does not parse
//! cleanly. A marker that matters there is written outside.

use std::ops::Range;

use memchr::memmem;

use super::marker::{self, PREFIX};
use super::{InlineSuppression, Scope, Selector};
use crate::emit::{FileFindings, Message};
use crate::html::{self, Namespace, Page};
use crate::rules::inline::ScriptType;
use crate::rules::sink::{self, JsKind};
use crate::rules::suppression;
use crate::{css, markup, rule};

/// The most markers one file may hold. Markers are for exceptions, and
/// each finding is compared with the markers of its file, so a file made
/// of markers must not make the check slow; markers past the limit are
/// not honoured, and that is reported.
pub(crate) const MAX_MARKERS_PER_FILE: usize = 256;

/// The markers of one file as they are read: the first
/// [`MAX_MARKERS_PER_FILE`] are kept, and only the place and number of
/// the others, so that a file of markers costs no more than its findings.
#[derive(Default)]
struct Found {
    markers: Vec<InlineSuppression>,
    /// Byte offset of the first marker past the limit, and how many there are.
    dropped: Option<(usize, usize)>,
}

impl Found {
    /// The markers kept, with the ones past the limit reported.
    fn finish(self, out: &mut FileFindings<'_>) -> Vec<InlineSuppression> {
        if let Some((at, count)) = self.dropped {
            out.at(
                at,
                suppression::invalid(format!(
                    "the file holds more than {MAX_MARKERS_PER_FILE} markers; this one and the \
                     {} after it are not honoured",
                    count - 1
                )),
            );
        }
        self.markers
    }
}

/// Whether `text` can hold a marker at all: most files do not, and are
/// not read a second time.
fn may_hold_markers(text: &str) -> bool {
    memmem::find(text.as_bytes(), PREFIX.as_bytes()).is_some()
}

/// The markers of a page (HTML or SVG), and of its inline scripts and
/// styles. Markers that cannot be honoured are reported into `out`.
pub(crate) fn in_page(
    text: &str,
    page: &Page<'_>,
    out: &mut FileFindings<'_>,
) -> Vec<InlineSuppression> {
    let mut found = Found::default();
    if !may_hold_markers(text) {
        return Vec::new();
    }
    for comment in html::comments(text, |body| marker::parse(body).is_some()) {
        let scope = comment.next_element.map(|element| Scope::Span {
            start: out.position(element.start),
            end: out.position(element.end),
        });
        read(&comment.text, comment.range.start, scope, out, &mut found);
    }
    for body in &page.scripts {
        let element = &page.elements[body.element];
        if !honours_markers(element, body.decoded)
            || !markup::script_runs_body(element.namespace, &element.attrs)
        {
            continue;
        }
        let kind = match ScriptType::of(element) {
            ScriptType::Classic => JsKind::Script,
            ScriptType::Module => JsKind::Module,
            _ => continue,
        };
        if may_hold_markers(&body.text)
            && let Some(comments) = sink::comments(&body.text, kind)
        {
            in_code(&body.text, body.start, &comments, out, &mut found);
        }
    }
    for body in &page.styles {
        let element = &page.elements[body.element];
        if honours_markers(element, body.decoded) && may_hold_markers(&body.text) {
            let comments = css::comments(&body.text);
            in_code(&body.text, body.start, &comments, out, &mut found);
        }
    }
    found.finish(out)
}

/// Whether markers in the text of this `<script>` or `<style>` count.
fn honours_markers(element: &html::Element<'_>, decoded: bool) -> bool {
    !decoded && !element.in_noscript && !element.in_srcdoc && element.namespace == Namespace::Html
}

/// The markers of a JavaScript file.
pub(crate) fn in_script(
    text: &str,
    kind: JsKind,
    out: &mut FileFindings<'_>,
) -> Vec<InlineSuppression> {
    let mut found = Found::default();
    if may_hold_markers(text)
        && let Some(comments) = sink::comments(text, kind)
    {
        in_code(text, 0, &comments, out, &mut found);
    }
    found.finish(out)
}

/// The markers of a stylesheet.
pub(crate) fn in_stylesheet(text: &str, out: &mut FileFindings<'_>) -> Vec<InlineSuppression> {
    let mut found = Found::default();
    if may_hold_markers(text) {
        in_code(text, 0, &css::comments(text), out, &mut found);
    }
    found.finish(out)
}

/// Reads the `/* */` and `//` comments of script or stylesheet `text`,
/// which starts at byte `base` of the file.
fn in_code(
    text: &str,
    base: usize,
    comments: &[Range<usize>],
    out: &mut FileFindings<'_>,
    found: &mut Found,
) {
    for range in comments {
        let Some(body) = comment_text(&text[range.clone()]) else {
            continue;
        };
        let scope = next_code_line(text, comments, range.end)
            .map(|offset| Scope::Line(out.position(base + offset).0));
        read(body, base + range.start, scope, out, found);
    }
}

/// The text of a `/* */` or `//` comment without its delimiters. Other
/// comments (JavaScript's HTML-like `<!--` and `-->`) carry no marker.
fn comment_text(comment: &str) -> Option<&str> {
    if let Some(line) = comment.strip_prefix("//") {
        return Some(line);
    }
    let block = comment.strip_prefix("/*")?;
    Some(block.strip_suffix("*/").unwrap_or(block))
}

/// The offset of the first code after the line on which the comment
/// ending at `after` ends: the first character that is neither
/// whitespace nor inside a comment. `comments` are sorted and disjoint.
fn next_code_line(text: &str, comments: &[Range<usize>], after: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = after + memchr::memchr(b'\n', bytes.get(after..)?)? + 1;
    let mut next = comments.partition_point(|c| c.end <= i);
    while i < bytes.len() {
        if let Some(comment) = comments.get(next)
            && comment.start <= i
        {
            i = i.max(comment.end);
            next += 1;
        } else if bytes[i].is_ascii_whitespace() {
            i += 1;
        } else {
            return Some(i);
        }
    }
    None
}

/// Reads one comment's text, starting at byte `at` of the file, and
/// records the marker it holds or reports why it does not count.
fn read(
    body: &str,
    at: usize,
    scope: Option<Scope>,
    out: &mut FileFindings<'_>,
    found: &mut Found,
) {
    let marker = match marker::parse(body) {
        None => return,
        Some(Err(problem)) => {
            out.at(at, suppression::invalid(problem));
            return;
        }
        Some(Ok(marker)) => marker,
    };
    if let Some(id) = marker.selectors.iter().find_map(|selector| match selector {
        Selector::Rule(id) if rule::lookup(id).is_some_and(|r| !r.suppressible_inline()) => {
            Some(*id)
        }
        _ => None,
    }) {
        out.at(
            at,
            suppression::invalid(format!(
                "`{id}` reports content the validator could not judge, which a marker inside \
                 that content cannot accept; only a config suppression naming the rule can"
            )),
        );
        return;
    }
    let Some(reason) = marker.reason else {
        out.at(at, suppression::no_reason("inline marker"));
        return;
    };
    if found.markers.len() >= MAX_MARKERS_PER_FILE {
        let (_, count) = found.dropped.get_or_insert((at, 0));
        *count += 1;
        return;
    }
    let place = out.finding_at(at, Message::warning("suppression/unused", "", ""));
    match scope {
        Some(scope) => found.markers.push(InlineSuppression {
            selectors: marker.selectors,
            reason,
            scope,
            place,
        }),
        // Nothing follows the marker, so it covers nothing.
        None => {
            for selector in &marker.selectors {
                let what = format!("inline suppression of `{selector}`");
                out.at(at, suppression::unused(&what));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Finding;

    fn markers_in_page(text: &str) -> (Vec<InlineSuppression>, Vec<Finding>) {
        let page = html::parse(text);
        let mut out = FileFindings::new("a.html", text);
        let found = in_page(text, &page, &mut out);
        (found, out.into_findings())
    }

    #[test]
    fn an_html_marker_covers_the_next_element() {
        let text = "<p>x</p>\n<!-- bundle-validator: allow inline/script -- vendored -->\n\
                    <div>\n<script>a()</script>\n</div>\n<script>b()</script>";
        let (found, reported) = markers_in_page(text);
        assert!(reported.is_empty(), "{reported:?}");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].reason, "vendored");
        assert_eq!(
            found[0].scope,
            Scope::Span {
                start: (3, 1),
                end: (5, 7)
            }
        );
        assert_eq!(found[0].place.line, Some(2));
    }

    #[test]
    fn marker_text_outside_comments_is_not_a_marker() {
        let text = "<textarea><!-- bundle-validator: allow inline/script -- t --></textarea>\n\
                    <title><!-- bundle-validator: allow inline/script -- t --></title>\n\
                    <p title=\"<!-- bundle-validator: allow inline/script -- a -->\">\
                    &lt;!-- bundle-validator: allow inline/script -- e --&gt;</p>\n\
                    <script>var s = \"/* bundle-validator: allow sink/eval -- s */\";\n\
                    var t = `\n// bundle-validator: allow sink/eval -- t\n`; eval(s);</script>\n\
                    <style>a::before { content: \"/* bundle-validator: allow csp/* -- c */\" }</style>\n\
                    <noscript><!-- bundle-validator: allow inline/script -- n --><p>x</p></noscript>\n\
                    <iframe srcdoc=\"<!-- bundle-validator: allow inline/script -- d --><b>x</b>\"></iframe>";
        let (found, reported) = markers_in_page(text);
        assert!(found.is_empty(), "{found:?}");
        assert!(reported.is_empty(), "{reported:?}");
    }

    #[test]
    fn script_and_style_markers_cover_the_next_line_of_code() {
        let js =
            "// bundle-validator: allow sink/eval -- reviewed\n\n/* other */\n  eval(x);\nf();\n";
        let mut out = FileFindings::new("a.js", js);
        let found = in_script(js, JsKind::Script, &mut out);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].scope, Scope::Line(4));
        let css = "a { color: red } /* bundle-validator: allow script/third-party -- fonts */\n\
                   @import url(https://fonts.example/a.css);\n";
        let mut out = FileFindings::new("a.css", css);
        let found = in_stylesheet(css, &mut out);
        assert_eq!(found[0].scope, Scope::Line(2));
        let page = "<script>\n// bundle-validator: allow sink/eval -- r\neval(x)\n</script>\n\
                    <style>\n/* bundle-validator: allow csp/* -- r */\nb{}\n</style>";
        let (found, _) = markers_in_page(page);
        let scopes: Vec<Scope> = found.iter().map(|m| m.scope).collect();
        assert_eq!(scopes, [Scope::Line(3), Scope::Line(7)]);
    }

    #[test]
    fn bad_and_reasonless_markers_are_reported_not_honoured() {
        let js = "// bundle-validator: allow sink/eval\neval(x);\n\
                  // bundle-validator: allow sink/too-deep -- r\neval(y);\n\
                  // bundle-validator: permit sink/eval -- r\neval(z);\n\
                  // bundle-validator: allow sink/eval -- nothing follows";
        let mut out = FileFindings::new("a.js", js);
        let found = in_script(js, JsKind::Script, &mut out);
        assert!(found.is_empty(), "{found:?}");
        let findings = out.into_findings();
        let rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(
            rules,
            [
                "suppression/no-reason",
                "suppression/invalid",
                "suppression/invalid",
                "suppression/unused"
            ]
        );
    }

    #[test]
    fn markers_past_the_limit_are_reported_not_honoured() {
        let js = "// bundle-validator: allow sink/eval -- r\neval(x);\n"
            .repeat(MAX_MARKERS_PER_FILE + 3);
        let mut out = FileFindings::new("a.js", &js);
        let found = in_script(&js, JsKind::Script, &mut out);
        assert_eq!(found.len(), MAX_MARKERS_PER_FILE);
        let findings = out.into_findings();
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].rule, "suppression/invalid");
        let line = u32::try_from(2 * MAX_MARKERS_PER_FILE + 1).unwrap();
        assert_eq!(findings[0].line, Some(line));
        assert!(
            findings[0].message.contains("the 2 after it"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn a_script_that_does_not_parse_honours_no_marker() {
        let js = "// bundle-validator: allow sink/eval -- r\neval(x) +;\n";
        let mut out = FileFindings::new("a.js", js);
        assert!(in_script(js, JsKind::Script, &mut out).is_empty());
    }

    mod fuzz {
        use super::*;
        use crate::fuzz;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(fuzz::config())]

            /// Any page, script or stylesheet with markers spliced in
            /// reads without panicking, and every scope lies in the file.
            #[test]
            fn fuzz_markers_in_any_file(
                html in fuzz::html(),
                js in fuzz::js(),
                css in fuzz::css(),
                at in 0usize..4096,
            ) {
                let marker = "<!-- bundle-validator: allow inline/script -- r -->\
                              /* bundle-validator: allow csp/* -- r */\n\
                              // bundle-validator: allow sink/eval -- r\n";
                for text in [&html, &js, &css] {
                    let mut at = at.min(text.len());
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    let spliced = format!("{}{marker}{}", &text[..at], &text[at..]);
                    let lines = u32::try_from(spliced.lines().count() + 1).unwrap_or(u32::MAX);
                    let page = html::parse(&spliced);
                    let mut out = FileFindings::new("f", &spliced);
                    let mut found = in_page(&spliced, &page, &mut out);
                    found.extend(in_script(&spliced, JsKind::Unknown, &mut out));
                    found.extend(in_stylesheet(&spliced, &mut out));
                    for marker in &found {
                        let last = match marker.scope {
                            Scope::Line(line) => line,
                            Scope::Span { start, end } => {
                                prop_assert!(start <= end);
                                end.0
                            }
                        };
                        prop_assert!(last >= 1 && last <= lines);
                    }
                }
            }
        }
    }
}
