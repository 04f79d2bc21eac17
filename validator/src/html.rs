//! One parse of an HTML file into the facts every rule needs: elements with
//! their attributes (entity-decoded, with source offsets), inline script and
//! style bodies, anchors, and the page's visible text.
//!
//! lol_html streams the document and reports byte ranges for tags and
//! attribute values, which is all the rules need to point at a line and a
//! column. Attribute values arrive raw, so they are decoded here the way a
//! browser decodes them before any rule judges them.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;
use std::sync::LazyLock;

use lol_html::html_content::Element as LolElement;
use lol_html::{ElementContentHandlers, HtmlRewriter, Selector, Settings};

/// One attribute of a start tag.
#[derive(Debug, Clone)]
pub struct Attr {
    /// Lowercased name, e.g. `href` or `xlink:href`.
    pub name: String,
    /// Value with character references decoded like a browser does.
    pub value: String,
    /// Byte offset of the attribute name in the file.
    pub name_start: usize,
    /// Byte offset of the raw value in the file, when the attribute has one.
    pub value_start: Option<usize>,
}

impl Attr {
    /// Offset to point a finding at: the value if present, else the name.
    pub fn offset(&self) -> usize {
        self.value_start.unwrap_or(self.name_start)
    }
}

/// One element (start tag) of the document.
#[derive(Debug, Clone)]
pub struct Element {
    /// Lowercased tag name.
    pub name: String,
    /// Byte range of the start tag.
    pub start: usize,
    pub tag_end: usize,
    pub attrs: Vec<Attr>,
    /// Inside a `<noscript>` element (which browsers with scripting render
    /// as text, but which is shown to visitors without JavaScript).
    pub in_noscript: bool,
    /// Index of the `<form>` element this one sits inside, if any.
    pub form: Option<usize>,
}

impl Element {
    /// The attribute called `name` (lowercase).
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    /// The decoded value of attribute `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.attr(name).map(|a| a.value.as_str())
    }

    /// Whether a space-separated attribute (like `rel`) contains `token`,
    /// ignoring ASCII case.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.value(name).is_some_and(|v| {
            v.split_ascii_whitespace()
                .any(|t| t.eq_ignore_ascii_case(token))
        })
    }
}

/// The body of an inline `<script>` or `<style>` element.
#[derive(Debug, Clone)]
pub struct RawBody {
    /// Index of the owning element in [`Page::elements`].
    pub element: usize,
    /// Byte offset of the body's first character in the file.
    pub start: usize,
    pub text: String,
}

/// The page's visible text, with a map back to HTML source offsets.
#[derive(Debug, Clone, Default)]
pub struct VisibleText {
    /// Text of the page; blocks are separated by a blank line.
    pub text: String,
    /// `(offset in text, offset in the HTML file)` at the start of every
    /// text run, in increasing order.
    spans: Vec<(usize, usize)>,
}

impl VisibleText {
    fn push_block_break(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with("\n\n") {
            self.text.push_str("\n\n");
        }
    }

    fn push_run(&mut self, decoded: &str, html_offset: usize) {
        self.spans.push((self.text.len(), html_offset));
        self.text.push_str(decoded);
    }

    /// Maps an offset in [`VisibleText::text`] back to an offset in the
    /// HTML file. Offsets inside a run map to the same distance past the
    /// run's start, which is exact unless the run had character references.
    pub fn html_offset(&self, text_offset: usize) -> usize {
        let index = match self.spans.binary_search_by_key(&text_offset, |(t, _)| *t) {
            Ok(i) => i,
            Err(0) => return 0,
            Err(i) => i - 1,
        };
        let (run_text, run_html) = self.spans[index];
        run_html + (text_offset - run_text)
    }
}

/// Everything the rules learn from one HTML file.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub elements: Vec<Element>,
    pub scripts: Vec<RawBody>,
    pub styles: Vec<RawBody>,
    /// Every `id` and `<a name>` on the page: valid fragment targets.
    pub anchors: HashSet<String>,
    pub visible: VisibleText,
}

/// Whether an element (lowercase name) starts or ends a block of visible
/// text.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "br"
            | "button"
            | "caption"
            | "dd"
            | "details"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hr"
            | "label"
            | "legend"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "option"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "td"
            | "th"
            | "title"
            | "tr"
            | "ul"
    )
}

/// Elements whose end offset the parser records, to find bodies and nesting.
const TRACKED_ENDS: &[&str] = &["script", "style", "noscript", "form"];

/// The selector for every element, parsed once rather than per page.
static EVERY_ELEMENT: LazyLock<Selector> =
    LazyLock::new(|| "*".parse().expect("`*` is a valid selector"));

#[derive(Default)]
struct ParseState {
    page: Page,
    /// End-tag offsets of tracked elements, by element index.
    ends: Vec<(usize, usize)>,
}

/// Parses `source` into a [`Page`]. Parsing never fails: like a browser,
/// lol_html recovers from any markup. Elements inside `<noscript>` come
/// after the others.
pub fn parse(source: &str) -> Page {
    parse_fragment(source, 0, false)
}

fn parse_fragment(source: &str, base: usize, in_noscript: bool) -> Page {
    let state = Rc::new(RefCell::new(ParseState::default()));
    {
        let element_state = Rc::clone(&state);
        let handlers = ElementContentHandlers::default().element(move |el: &mut LolElement| {
            record_element(&element_state, el, base, in_noscript);
            Ok(())
        });
        let mut rewriter = HtmlRewriter::new(
            Settings::new()
                .append_element_content_handler((Cow::Borrowed(&*EVERY_ELEMENT), handlers)),
            |_: &[u8]| {},
        );
        // Writing to a sink that discards output cannot fail, and the
        // default memory limits are far above any page we read whole.
        let _ = rewriter.write(source.as_bytes());
        let _ = rewriter.end();
    }
    let ParseState { mut page, ends } = Rc::try_unwrap(state)
        .map(RefCell::into_inner)
        .unwrap_or_else(|shared| shared.borrow().clone_state());
    attach_bodies(&mut page, &ends, source, base);
    if !in_noscript {
        page.visible = visible_text(&page, &ends, source);
    }
    page
}

/// The page's visible text: the source between tags, without comments,
/// script, style and `<noscript>` bodies, with character references decoded
/// and a blank line wherever a block element starts or ends.
///
/// Reading the gaps between the start tags lol_html reported is much
/// cheaper than asking lol_html to decode every text chunk, and sees the
/// same text: what lies between two start tags is text, end tags and
/// comments.
fn visible_text(page: &Page, ends: &[(usize, usize)], source: &str) -> VisibleText {
    let mut visible = VisibleText::default();
    let mut cursor = 0;
    for (index, element) in page.elements.iter().enumerate() {
        if element.in_noscript {
            continue;
        }
        if element.start > cursor {
            push_gap(&mut visible, source, cursor, element.start);
        }
        if is_block(&element.name) {
            visible.push_block_break();
        }
        let hides_body = matches!(element.name.as_str(), "script" | "style" | "noscript");
        let end = if hides_body {
            ends.iter()
                .find(|(i, _)| *i == index)
                .map_or(source.len(), |(_, end)| *end)
        } else {
            element.tag_end
        };
        cursor = cursor.max(end);
    }
    if cursor < source.len() {
        push_gap(&mut visible, source, cursor, source.len());
    }
    visible
}

/// Adds the text of `source[start..end]`, skipping end tags, comments and
/// other markup declarations.
fn push_gap(visible: &mut VisibleText, source: &str, start: usize, end: usize) {
    let bytes = source.as_bytes();
    let mut run_start = start;
    let mut i = start;
    while let Some(found) = memchr::memchr(b'<', &bytes[i..end]) {
        let lt = i + found;
        let next = bytes.get(lt + 1).copied();
        if !matches!(next, Some(b'/' | b'!' | b'?')) {
            i = lt + 1;
            continue;
        }
        push_text(visible, &source[run_start..lt], run_start);
        let close = if source[lt..end].starts_with("<!--") {
            source[lt + 4..end].find("-->").map(|e| lt + 4 + e + 3)
        } else {
            source[lt..end].find('>').map(|e| lt + e + 1)
        };
        let markup_end = close.unwrap_or(end);
        if next == Some(b'/') {
            let tag = &source[lt + 2..markup_end];
            let name_len = tag
                .bytes()
                .position(|b| !b.is_ascii_alphanumeric())
                .unwrap_or(tag.len());
            let name = &tag[..name_len];
            let is_lower = name.bytes().all(|b| !b.is_ascii_uppercase());
            if (is_lower && is_block(name)) || (!is_lower && is_block(&name.to_ascii_lowercase())) {
                visible.push_block_break();
            }
        }
        run_start = markup_end;
        i = markup_end;
    }
    push_text(visible, &source[run_start..end], run_start);
}

fn push_text(visible: &mut VisibleText, raw: &str, offset: usize) {
    if raw.is_empty() {
        return;
    }
    if raw.contains('&') {
        visible.push_run(&htmlize::unescape(raw), offset);
    } else {
        visible.push_run(raw, offset);
    }
}

impl ParseState {
    fn clone_state(&self) -> ParseState {
        ParseState {
            page: self.page.clone(),
            ends: self.ends.clone(),
        }
    }
}

fn record_element(
    state: &Rc<RefCell<ParseState>>,
    el: &mut LolElement,
    base: usize,
    in_noscript: bool,
) {
    let name = el.tag_name();
    let range = el.source_location().bytes();
    let attrs: Vec<Attr> = el
        .attributes()
        .iter()
        .map(|a| {
            let raw = a.value();
            let value = if raw.contains('&') {
                htmlize::unescape_attribute(raw.as_str()).into_owned()
            } else {
                raw
            };
            Attr {
                name: a.name(),
                value,
                name_start: base
                    + a.name_source_location()
                        .map_or(range.start, |l| l.bytes().start),
                value_start: a.value_source_location().map(|l| base + l.bytes().start),
            }
        })
        .collect();
    let mut shared = state.borrow_mut();
    let index = shared.page.elements.len();
    if let Some(id) = attrs.iter().find(|a| a.name == "id") {
        shared.page.anchors.insert(id.value.clone());
    }
    if name == "a"
        && let Some(anchor) = attrs.iter().find(|a| a.name == "name")
    {
        shared.page.anchors.insert(anchor.value.clone());
    }
    let track = TRACKED_ENDS.contains(&name.as_str()) && el.can_have_content();
    shared.page.elements.push(Element {
        name,
        start: base + range.start,
        tag_end: base + range.end,
        attrs,
        in_noscript,
        form: None,
    });
    drop(shared);
    if track {
        let end_state = Rc::clone(state);
        // Registering fails only for elements without content, excluded above.
        let _ = el.on_end_tag(Box::new(move |end| {
            let end_offset = base + end.source_location().bytes().start;
            end_state.borrow_mut().ends.push((index, end_offset));
            Ok(())
        }));
    }
}

/// Extracts script and style bodies, parses `<noscript>` content, and ties
/// elements to their forms, using the recorded end-tag offsets.
fn attach_bodies(page: &mut Page, ends: &[(usize, usize)], source: &str, base: usize) {
    let end_of = |index: usize| {
        ends.iter()
            .find(|(i, _)| *i == index)
            .map_or(base + source.len(), |(_, end)| *end)
    };
    let mut forms = Vec::new();
    let mut noscripts = Vec::new();
    for (index, element) in page.elements.iter().enumerate() {
        let end = end_of(index);
        let body_range = element.tag_end..end.max(element.tag_end);
        let text = || source[body_range.start - base..body_range.end - base].to_string();
        match element.name.as_str() {
            "script" => page.scripts.push(RawBody {
                element: index,
                start: body_range.start,
                text: text(),
            }),
            "style" => page.styles.push(RawBody {
                element: index,
                start: body_range.start,
                text: text(),
            }),
            "noscript" if !element.in_noscript => noscripts.push((body_range.start, text())),
            "form" => forms.push((index, element.start, end)),
            _ => {}
        }
    }
    for (start, body) in noscripts {
        let inner = parse_fragment(&body, start, true);
        let offset = page.elements.len();
        page.anchors.extend(inner.anchors);
        page.elements.extend(inner.elements);
        page.scripts.extend(inner.scripts.into_iter().map(|mut s| {
            s.element += offset;
            s
        }));
        page.styles.extend(inner.styles.into_iter().map(|mut s| {
            s.element += offset;
            s
        }));
    }
    for element in &mut page.elements {
        element.form = forms
            .iter()
            .find(|(_, start, end)| element.start > *start && element.start < *end)
            .map(|(index, _, _)| *index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_decoded_with_offsets() {
        let html = r#"<a href="jav&#x61;script&colon;x" id=top>go</a>"#;
        let page = parse(html);
        let a = &page.elements[0];
        assert_eq!(a.name, "a");
        let href = a.attr("href").unwrap();
        assert_eq!(href.value, "javascript:x");
        assert_eq!(href.value_start, Some(9));
        assert_eq!(href.name_start, 3);
        assert!(page.anchors.contains("top"));
    }

    #[test]
    fn legacy_entities_without_semicolon_follow_attribute_rules() {
        let page = parse(r#"<a href="?a=1&amp=2&lt" title="&ampx">x</a>"#);
        // In attributes `&amp=` stays literal, a trailing `&lt` decodes.
        assert_eq!(page.elements[0].value("href"), Some("?a=1&amp=2<"));
        assert_eq!(page.elements[0].value("title"), Some("&ampx"));
    }

    #[test]
    fn script_and_style_bodies_carry_their_offsets() {
        let html = "<p>x</p>\n<script>let a = 1;</script><style>p{}</style>";
        let page = parse(html);
        assert_eq!(page.scripts.len(), 1);
        let script = &page.scripts[0];
        assert_eq!(script.text, "let a = 1;");
        assert_eq!(&html[script.start..script.start + 3], "let");
        assert_eq!(page.styles[0].text, "p{}");
    }

    #[test]
    fn noscript_content_is_parsed_as_elements() {
        let html = r#"<noscript><img src="https://t.example/p.gif"></noscript><img src="/a.png">"#;
        let page = parse(html);
        let imgs: Vec<_> = page.elements.iter().filter(|e| e.name == "img").collect();
        assert_eq!(imgs.len(), 2);
        let pixel = imgs.iter().find(|e| e.in_noscript).unwrap();
        assert_eq!(imgs.iter().filter(|e| !e.in_noscript).count(), 1);
        let offset = pixel.attr("src").unwrap().value_start.unwrap();
        assert!(html[offset..].starts_with("https://t.example"));
    }

    #[test]
    fn elements_know_their_form() {
        let page = parse(r#"<form action="/lead"><input name="a"></form><input name="b">"#);
        assert_eq!(page.elements[1].form, Some(0));
        assert_eq!(page.elements[2].form, None);
    }

    #[test]
    fn visible_text_skips_scripts_and_maps_back() {
        let html = "<title>T</title><p>Hello &amp; welcome</p><script>x()</script><p>Bye</p>";
        let page = parse(html);
        let text = &page.visible.text;
        assert!(text.contains("Hello & welcome"), "{text:?}");
        assert!(!text.contains("x()"));
        let bye = text.find("Bye").unwrap();
        assert_eq!(&html[page.visible.html_offset(bye)..][..3], "Bye");
        assert!(text.contains("welcome\n\nBye"));
        let html = "<p>Not <!-- <b>hidden</b> --><em>SOC</em>&#32;2</p></div>x<style>p{}</style><noscript>n</noscript>";
        let page = parse(html);
        assert_eq!(page.visible.text, "Not SOC 2\n\nx");
    }
}
