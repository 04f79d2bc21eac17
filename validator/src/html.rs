//! One parse of an HTML file into the facts every rule needs: elements with
//! their attributes (entity-decoded, with source offsets), inline script and
//! style bodies, anchors, and the page's visible text.
//!
//! lol_html streams the document and reports byte ranges for tags and
//! attribute values, which is all the rules need to point at a line and a
//! column. Attribute values arrive raw, so they are decoded here the way a
//! browser decodes them before any rule judges them.
//!
//! The page borrows from the source text: tag names, attribute names and
//! values are slices of the file, and are owned only where lowercasing a
//! name or decoding a character reference changes the text. Most
//! attributes need neither, so a page costs few allocations beyond its
//! element and attribute lists.
//!
//! Parsing never panics and never grows without bound. lol_html stops on
//! markup whose meaning a streaming parser cannot be sure of (a `<script>`
//! inside `<select>`), on its memory limit, and the page stops recording
//! past a budget of elements and attributes proportional to the file's
//! size; documents nest (`<noscript>`, `<iframe srcdoc>`) only so deep.
//! Each of these is kept in [`Page::unjudged`], so that the rules report
//! it as an error: markup the validator did not read to the end may hide
//! anything.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::ops::Range;
use std::rc::Rc;
use std::sync::LazyLock;

use lol_html::errors::RewritingError;
use lol_html::html_content::Element as LolElement;
use lol_html::{ElementContentHandlers, HtmlRewriter, MemorySettings, Selector, Settings};

pub use crate::markup::Namespace;
use crate::markup::{AttributeView, XmlNamespaces};

/// One attribute of a start tag.
#[derive(Debug, Clone)]
pub struct Attr<'src> {
    /// Lowercased name, e.g. `href` or `xlink:href`.
    pub name: Cow<'src, str>,
    /// Value with character references decoded like a browser does.
    pub value: Cow<'src, str>,
    /// Byte offset of the attribute name in the file.
    pub name_start: usize,
    /// Byte offset of the raw value in the file, when the attribute has one.
    pub value_start: Option<usize>,
    /// Byte offset just past the raw value, when the attribute has one.
    pub value_end: Option<usize>,
}

impl Attr<'_> {
    /// Offset to point a finding at: the value if present, else the name.
    pub fn offset(&self) -> usize {
        self.value_start.unwrap_or(self.name_start)
    }

    /// The bytes to underline for a finding about the attribute: its raw
    /// value when it has a non-empty one, else its name.
    pub fn span(&self) -> std::ops::Range<usize> {
        match (self.value_start, self.value_end) {
            (Some(start), Some(end)) if end > start => start..end,
            _ => self.name_span(),
        }
    }

    /// The bytes of the attribute's name as written.
    pub fn name_span(&self) -> std::ops::Range<usize> {
        self.name_start..self.name_start + self.name.len()
    }
}

impl AttributeView for Attr<'_> {
    fn name(&self) -> &str {
        &self.name
    }

    fn value(&self) -> &str {
        &self.value
    }
}

/// One element (start tag) of the document.
#[derive(Debug, Clone)]
pub struct Element<'src> {
    /// Lowercased tag name.
    pub name: Cow<'src, str>,
    /// The namespace the parser put it in: SVG inside `<svg>` (and in an
    /// SVG file), where `<script>` and `<style>` follow other rules.
    pub namespace: Namespace,
    /// Byte range of the start tag.
    pub start: usize,
    pub tag_end: usize,
    /// Sized exactly: a page may hold hundreds of thousands of elements.
    pub attrs: Box<[Attr<'src>]>,
    /// Inside a `<noscript>` element (which browsers with scripting render
    /// as text, but which is shown to visitors without JavaScript).
    pub in_noscript: bool,
    /// Inside the document of an `<iframe srcdoc>`. That document runs
    /// with the page's origin and policy, so every rule sees its elements,
    /// but its `<meta>` elements describe it, not the page.
    pub in_srcdoc: bool,
    /// Index of the `<form>` element this one sits inside, if any.
    pub form: Option<usize>,
}
impl<'src> Element<'src> {
    /// The attribute called `name` (lowercase).
    pub fn attr(&self, name: &str) -> Option<&Attr<'src>> {
        self.attrs.iter().find(|a| a.name == name)
    }

    /// The decoded value of attribute `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.attr(name).map(|a| &*a.value)
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
pub struct RawBody<'src> {
    /// Index of the owning element in [`Page::elements`].
    pub element: usize,
    /// Byte offset of the body's first character in the file.
    pub start: usize,
    /// Length of the body in the file.
    pub raw_len: usize,
    /// The text the browser runs or applies. In HTML that is the body as
    /// written; in SVG and MathML the parser decodes character references
    /// and CDATA sections first, and the text is owned. It is owned too
    /// for bodies inside a decoded `srcdoc` document.
    pub text: Cow<'src, str>,
    /// Whether `text` was decoded from the source, so that offsets in it
    /// are only close to offsets in the file.
    pub decoded: bool,
}

impl RawBody<'_> {
    /// The file offset of byte `offset` of [`RawBody::text`]: exact for
    /// text as written, and inside the body for decoded text.
    pub fn file_offset(&self, offset: usize) -> usize {
        if self.decoded {
            self.start + offset.min(self.raw_len)
        } else {
            self.start + offset
        }
    }
}

/// The page's visible text, with a map back to HTML source offsets.
#[derive(Debug, Clone, Default)]
pub struct VisibleText {
    /// Text of the page; blocks are separated by a blank line.
    pub text: String,
    /// `(offset in text, offset in the HTML file)` at the start of every
    /// text run, in increasing order.
    spans: Vec<(usize, usize)>,
    /// Length of the HTML file: no mapped offset lies past it, even where a
    /// run's text is longer than its source (a NUL read as U+FFFD, a
    /// document decoded from a `srcdoc` attribute).
    html_len: usize,
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
        (run_html + (text_offset - run_text)).min(self.html_len)
    }
}

/// Everything the rules learn from one HTML file, borrowing from its text.
#[derive(Debug, Clone, Default)]
pub struct Page<'src> {
    pub elements: Vec<Element<'src>>,
    pub scripts: Vec<RawBody<'src>>,
    pub styles: Vec<RawBody<'src>>,
    /// Every `id` and `<a name>` on the page: valid fragment targets. They
    /// are owned because they outlive the page, in the facts other files'
    /// checks read.
    pub anchors: HashSet<String>,
    pub visible: VisibleText,
    /// Places where the parser stopped or did not descend, so that what
    /// follows was not judged.
    pub unjudged: Vec<Unjudged>,
}

/// A place in the page the parser could not read to the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unjudged {
    /// Byte offset in the file where judging stopped.
    pub offset: usize,
    pub reason: UnjudgedReason,
}

/// Why markup was not judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnjudgedReason {
    /// A raw-text element (`<script>`, `<style>`, `<textarea>`, …) inside
    /// `<select>` or after `<frameset>`, where only a full tree builder
    /// knows whether it is text or markup. The page was read on with one
    /// guess, and the other may hide script.
    Ambiguous,
    /// The parser reached its memory limit; nothing after was read.
    MemoryLimit,
    /// More elements and attributes than the page's size allows; nothing
    /// after was read.
    TooManyNodes,
    /// A `<noscript>` or `<iframe srcdoc>` document nested deeper than
    /// [`MAX_DOCUMENT_DEPTH`]; its content was not read.
    NestedTooDeep,
    /// The parser stopped with an error of another kind.
    ParserError,
}

impl UnjudgedReason {
    /// What happened, for a finding's message.
    pub fn describe(self) -> &'static str {
        match self {
            UnjudgedReason::Ambiguous => {
                "a raw-text element (<script>, <style>, <textarea>, <title>, <xmp>, <iframe>, \
                 <noembed>, <noframes>, <noscript> or <plaintext>) inside <select> or after \
                 <frameset> makes the markup that follows ambiguous; a browser may read it as \
                 elements the validator did not see"
            }
            UnjudgedReason::MemoryLimit => {
                "the HTML parser reached its memory limit here; the rest of the page was not \
                 read"
            }
            UnjudgedReason::TooManyNodes => {
                "the page holds more elements and attributes than the validator judges for its \
                 size; the rest of the page was not read"
            }
            UnjudgedReason::NestedTooDeep => {
                "documents nested this deep (<noscript> or <iframe srcdoc> inside one another) \
                 are not read; this one's content was not judged"
            }
            UnjudgedReason::ParserError => {
                "the HTML parser stopped here with an error; the rest of the page was not read"
            }
        }
    }
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

/// Elements whose content the HTML parser reads as raw text. One of them
/// where lol_html cannot tell whether it counts makes markup ambiguous.
const RAW_TEXT_ELEMENTS: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
];

/// How deeply `<noscript>` and `<iframe srcdoc>` documents are read inside
/// one another. Each level is parsed again from its own text, so the bound
/// also keeps the work linear; real pages nest one or two deep.
pub const MAX_DOCUMENT_DEPTH: u32 = 8;

/// How many bytes of page model (elements and attributes, at their size
/// in memory) a page may hold per byte of its file, beyond
/// [`MODEL_ALLOWANCE`]. Real pages stay well below: the densest measured,
/// rustdoc's source view (an element with two attributes every 52 bytes),
/// needs 4.0, an mdBook `print.html` 1.5, a reference manual's 3.2;
/// markup denser than that (a tag every few bytes) is written to exhaust
/// memory, and stops being modelled where the budget ends, as an error.
const MODEL_BYTES_PER_SOURCE_BYTE: usize = 5;

/// Page model any page may hold, however small, in bytes.
const MODEL_ALLOWANCE: usize = 1024 * 1024;

/// The memory lol_html may use for one document, beyond half the
/// document's size: its stack of open elements and the attribute lists of
/// the tag it is reading. The document is written to it in one piece, so
/// it never copies the text itself; real pages need well under a
/// megabyte.
const PARSER_MEMORY_ALLOWANCE: usize = 4 * 1024 * 1024;

/// The selector for every element, parsed once rather than per page.
static EVERY_ELEMENT: LazyLock<Selector> =
    LazyLock::new(|| "*".parse().expect("`*` is a valid selector"));

/// End-tag offsets of tracked elements, by element index. lol_html wants
/// `'static` end-tag handlers, so the list they write to is shared rather
/// than borrowed.
type Ends = Rc<RefCell<Vec<(usize, usize)>>>;

/// The handler error that stops parsing when a page's node budget is spent.
#[derive(Debug, thiserror::Error)]
#[error("the page's budget of elements and attributes is spent")]
struct BudgetSpent;

/// What one page may still record, shared by the documents nested in it,
/// and the namespace prefixes an XML document has declared so far.
#[derive(Debug)]
struct Budget {
    /// Bytes of page model left to record.
    bytes: Cell<usize>,
    namespaces: RefCell<XmlNamespaces>,
}

impl Budget {
    fn for_source(source: &str) -> Budget {
        Budget {
            bytes: Cell::new(
                MODEL_ALLOWANCE
                    .saturating_add(source.len().saturating_mul(MODEL_BYTES_PER_SOURCE_BYTE)),
            ),
            namespaces: RefCell::new(XmlNamespaces::default()),
        }
    }

    /// Takes what an element with `attributes` costs the page model from
    /// the budget, if that much is left: its attributes, and the elements
    /// the list grows by when it must grow (`growth`).
    fn take_element(&self, attributes: usize, growth: Option<usize>) -> bool {
        let cost = attributes
            .saturating_mul(size_of::<Attr<'_>>())
            .saturating_add(growth.unwrap_or(0).saturating_mul(size_of::<Element<'_>>()));
        self.take_bytes(cost)
    }

    /// Takes `cost` bytes from the budget, if that many are left.
    fn take_bytes(&self, cost: usize) -> bool {
        match self.bytes.get().checked_sub(cost) {
            Some(left) => {
                self.bytes.set(left);
                true
            }
            None => false,
        }
    }

    /// How many more elements without attributes the budget allows.
    fn elements_left(&self) -> usize {
        self.bytes.get() / size_of::<Element<'_>>()
    }
}

/// Parses `source` into a [`Page`] that borrows from it. Parsing never
/// fails: like a browser, lol_html recovers from any markup, and what it
/// cannot read is recorded in [`Page::unjudged`]. Elements inside
/// `<noscript>` come after the others.
pub fn parse(source: &str) -> Page<'_> {
    let budget = Budget::for_source(source);
    parse_fragment(source, 0, Document::Html, 0, &budget)
}

/// Parses a document a browser reads with its XML parser (an SVG file, or
/// a file served as XHTML or SVG) into a [`Page`].
///
/// The HTML tokenizer reads it, and then XML's rules are applied where
/// they differ in what runs: a prefixed element is judged by the
/// namespace its prefix is bound to (`<svg:script>` is an SVG script, see
/// [`XmlNamespaces`]), the text of every script and style is decoded as
/// XML text (character references, CDATA sections), and an element the
/// HTML tokenizer reads as raw text (`<title>`, `<textarea>`, `<style>`
/// outside `<svg>`…) is read again as markup, because XML has no raw
/// text and a browser sees the elements inside it.
pub fn parse_xml(source: &str) -> Page<'_> {
    let budget = Budget::for_source(source);
    parse_fragment(source, 0, Document::Xml, 0, &budget)
}

/// How a document's markup is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Document {
    Html,
    /// The content of a `<noscript>`, read as markup (as a browser without
    /// scripting reads it).
    Noscript,
    Xml,
}

/// Parses `source`, which starts at byte `base` of the file: offsets in the
/// page are file offsets, while slices are taken from `source` itself,
/// whose positions lol_html reports. `depth` counts the documents this one
/// is nested in.
fn parse_fragment<'src>(
    source: &'src str,
    base: usize,
    document: Document,
    depth: u32,
    budget: &Budget,
) -> Page<'src> {
    let in_noscript = document == Document::Noscript;
    let before = budget.bytes.get();
    let strict = tokenize(source, base, document, true, budget);
    let Tokenized {
        mut page,
        ends,
        stop,
    } = match strict.stop {
        Some(Stop::Ambiguous) => {
            // Read the page again, committing to lol_html's guess, so that
            // the rules still see what they can; the ambiguity itself is
            // an error. It sits at the first raw-text element the strict
            // pass did not reach.
            let reached = strict.page.elements.len();
            budget.bytes.set(before);
            let mut lenient = tokenize(source, base, document, false, budget);
            let offset = lenient.page.elements[reached.min(lenient.page.elements.len())..]
                .iter()
                .find(|e| RAW_TEXT_ELEMENTS.contains(&&*e.name))
                .or(lenient.page.elements.get(reached))
                .map_or(base, |e| e.start);
            lenient.page.unjudged.push(Unjudged {
                offset,
                reason: UnjudgedReason::Ambiguous,
            });
            lenient
        }
        _ => strict,
    };
    if let Some(stop) = stop {
        let offset = page.elements.last().map_or(base, |e| e.tag_end);
        let reason = match stop {
            Stop::Ambiguous => UnjudgedReason::Ambiguous,
            Stop::Memory => UnjudgedReason::MemoryLimit,
            Stop::Budget => UnjudgedReason::TooManyNodes,
            Stop::Other => UnjudgedReason::ParserError,
        };
        page.unjudged.push(Unjudged { offset, reason });
    }
    let own = page.elements.len();
    let ends = ends_by_element(own, &ends);
    attach_bodies(&mut page, &ends, source, base, document, depth, budget);
    // Content read again inside a page (a `<noscript>`, or raw text an
    // XML parser reads as markup) is part of the page's own text, whose
    // visible text is taken from the page.
    if !in_noscript && base == 0 {
        page.visible = visible_text(&page, &ends, source);
    }
    attach_srcdoc_documents(&mut page, own, depth, budget);
    page
}

/// Why lol_html stopped before the end of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Ambiguous,
    Memory,
    Budget,
    /// An error a newer lol_html may add.
    Other,
}

/// One pass of lol_html over a document: its elements, the end offsets of
/// the tracked ones, and why it stopped early, if it did.
struct Tokenized<'src> {
    page: Page<'src>,
    ends: Vec<(usize, usize)>,
    stop: Option<Stop>,
}

fn tokenize<'src>(
    source: &'src str,
    base: usize,
    document: Document,
    strict: bool,
    budget: &Budget,
) -> Tokenized<'src> {
    let mut page = Page::default();
    // Sized once from the start tags the text can hold, so that the list
    // never doubles past what the page needs (on a page at the budget, the
    // spare half of a doubled list would cost as much as the page), and
    // paid for from the budget at once.
    let reserved = start_tags(source).min(budget.elements_left());
    page.elements.reserve_exact(reserved);
    budget.take_bytes(reserved.saturating_mul(size_of::<Element<'_>>()));
    let ends = Ends::default();
    let result = {
        let handlers = ElementContentHandlers::default().element(|el: &mut LolElement| {
            // Elements within the reserved list are paid for; one past it
            // grows the list, which costs the budget as much again.
            let grows = page.elements.len() == page.elements.capacity();
            if !budget.take_element(
                el.attributes().len(),
                grows.then(|| page.elements.capacity().max(16)),
            ) {
                return Err(BudgetSpent.into());
            }
            let xml = (document == Document::Xml).then_some(&budget.namespaces);
            record_element(&mut page, &ends, el, source, base, document, xml);
            Ok(())
        });
        let memory = MemorySettings::new().with_max_allowed_memory_usage(
            PARSER_MEMORY_ALLOWANCE.saturating_add(source.len() / 2),
        );
        let mut rewriter = HtmlRewriter::new(
            Settings::new()
                .append_element_content_handler((Cow::Borrowed(&*EVERY_ELEMENT), handlers))
                .with_strict(strict)
                .with_enable_esi_tags(false)
                .with_memory_settings(memory),
            |_: &[u8]| {},
        );
        // After an error the rewriter must not be used again (it panics):
        // `end` is called only when `write` succeeded.
        rewriter
            .write(source.as_bytes())
            .and_then(|()| rewriter.end())
    };
    let stop = match result {
        Ok(()) => None,
        Err(RewritingError::ParsingAmbiguity(_)) => Some(Stop::Ambiguous),
        Err(RewritingError::MemoryLimitExceeded(_)) => Some(Stop::Memory),
        // The only handler error is the spent budget.
        Err(RewritingError::ContentHandlerError(_)) => Some(Stop::Budget),
        Err(_) => Some(Stop::Other),
    };
    Tokenized {
        page,
        ends: ends.take(),
        stop,
    }
}

/// The end offset of every one of the first `count` elements whose end
/// tag was seen, by element index.
fn ends_by_element(count: usize, ends: &[(usize, usize)]) -> Vec<Option<usize>> {
    let mut by_element = vec![None; count];
    for &(index, end) in ends {
        if let Some(slot) = by_element.get_mut(index) {
            *slot = Some(end);
        }
    }
    by_element
}

/// The page's visible text: the source between tags, without comments,
/// script, style and `<noscript>` bodies, with character references decoded
/// and a blank line wherever a block element starts or ends.
///
/// Reading the gaps between the start tags lol_html reported is much
/// cheaper than asking lol_html to decode every text chunk, and sees the
/// same text: what lies between two start tags is text, end tags and
/// comments.
fn visible_text(page: &Page<'_>, ends: &[Option<usize>], source: &str) -> VisibleText {
    let mut visible = VisibleText {
        html_len: source.len(),
        ..VisibleText::default()
    };
    let mut cursor = 0;
    for (index, element) in page.elements.iter().enumerate().take(ends.len()) {
        if element.in_noscript {
            continue;
        }
        if element.start > cursor {
            push_gap(&mut visible, source, cursor, element.start);
        }
        if is_block(&element.name) {
            visible.push_block_break();
        }
        let hides_body = matches!(&*element.name, "script" | "style" | "noscript");
        let end = if hides_body {
            ends[index].unwrap_or(source.len())
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

/// The text lol_html read at `range` of `source`, as its own accessors
/// would return it: they decode with `encoding_rs`, which drops a leading
/// byte order mark, so a leading U+FEFF is dropped here too.
fn source_text(source: &str, range: Range<usize>) -> Option<&str> {
    let text = source.get(range)?;
    Some(text.strip_prefix('\u{FEFF}').unwrap_or(text))
}

/// The tag name in the source of a start tag (`DIV` in `<DIV class=x>`),
/// which lol_html ends at whitespace, `/` or `>`.
fn tag_name(tag: &str) -> Option<&str> {
    let rest = tag.strip_prefix('<')?;
    let len = rest
        .find([' ', '\n', '\r', '\t', '\x0C', '/', '>'])
        .unwrap_or(rest.len());
    (len > 0).then(|| &rest[..len])
}

/// `text` with ASCII letters lowercased, borrowed unless that changes it.
fn ascii_lowercase(text: &str) -> Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

/// Adds the element lol_html reports to `page`. Names and raw values are
/// sliced from `source` at the positions lol_html gives; a missing
/// position falls back to lol_html's own (owned) copy.
fn record_element<'src>(
    page: &mut Page<'src>,
    ends: &Ends,
    el: &mut LolElement,
    source: &'src str,
    base: usize,
    document: Document,
    xml: Option<&RefCell<XmlNamespaces>>,
) {
    let range = el.source_location().bytes();
    let name = source
        .get(range.clone())
        .and_then(tag_name)
        .map_or_else(|| Cow::Owned(el.tag_name()), ascii_lowercase);
    let attrs: Box<[Attr<'src>]> = el
        .attributes()
        .iter()
        .map(|a| {
            let name_range = a.name_source_location().map(|l| l.bytes());
            let value_range = a.value_source_location().map(|l| l.bytes());
            let name = name_range
                .clone()
                .and_then(|r| source_text(source, r))
                .map_or_else(|| Cow::Owned(a.name()), ascii_lowercase);
            let raw = value_range
                .clone()
                .and_then(|r| source_text(source, r))
                .map_or_else(|| Cow::Owned(a.value()), Cow::Borrowed);
            Attr {
                name,
                // Decoding borrows `raw` back when it has no character
                // reference to expand.
                value: htmlize::unescape_attribute(raw),
                name_start: base + name_range.map_or(range.start, |r| r.start),
                value_start: value_range.clone().map(|r| base + r.start),
                value_end: value_range.map(|r| base + r.end),
            }
        })
        .collect::<Box<[_]>>();
    let parsed = Namespace::from_uri(el.namespace_uri());
    // In XML, the HTML tokenizer's raw text is markup: such an element's
    // content is read again, as markup, once its end is known.
    let reread = xml.is_some() && parsed == Namespace::Html && RAW_TEXT_ELEMENTS.contains(&&*name);
    let (name, namespace) = match xml {
        Some(namespaces) => {
            let mut namespaces = namespaces.borrow_mut();
            namespaces.declare(&attrs);
            let resolved = namespaces.resolve(&name, &attrs, parsed);
            let (local_len, namespace) = (resolved.name.len(), resolved.namespace);
            (suffix(name, local_len), namespace)
        }
        None => (name, parsed),
    };
    let index = page.elements.len();
    if let Some(id) = attrs.iter().find(|a| a.name == "id") {
        page.anchors.insert(id.value.to_string());
    }
    if name == "a"
        && let Some(anchor) = attrs.iter().find(|a| a.name == "name")
    {
        page.anchors.insert(anchor.value.to_string());
    }
    let track = (reread || TRACKED_ENDS.contains(&name.as_ref())) && el.can_have_content();
    page.elements.push(Element {
        name,
        namespace,
        start: base + range.start,
        tag_end: base + range.end,
        attrs,
        in_noscript: document == Document::Noscript,
        in_srcdoc: false,
        form: None,
    });
    if track {
        let ends = Rc::clone(ends);
        // Registering fails only for elements without content, excluded above.
        let _ = el.on_end_tag(Box::new(move |end| {
            let end_offset = base + end.source_location().bytes().start;
            ends.borrow_mut().push((index, end_offset));
            Ok(())
        }));
    }
}

/// The last `len` bytes of `name`: its local part after a prefix.
fn suffix(name: Cow<'_, str>, len: usize) -> Cow<'_, str> {
    if len >= name.len() {
        return name;
    }
    match name {
        Cow::Borrowed(text) => Cow::Borrowed(&text[text.len() - len..]),
        Cow::Owned(text) => Cow::Owned(text[text.len() - len..].to_string()),
    }
}

/// Extracts script and style bodies, parses `<noscript>` content, and ties
/// elements to their forms, using the recorded end-tag offsets. `source`
/// starts at byte `base` of the file; `ends` covers the elements lol_html
/// reported for it.
fn attach_bodies<'src>(
    page: &mut Page<'src>,
    ends: &[Option<usize>],
    source: &'src str,
    base: usize,
    document: Document,
    depth: u32,
    budget: &Budget,
) {
    let xml = document == Document::Xml;
    let mut forms = Vec::new();
    let mut noscripts = Vec::new();
    for (index, element) in page.elements.iter().enumerate().take(ends.len()) {
        let end = ends[index].unwrap_or(base + source.len());
        let body_range = element.tag_end..end.max(element.tag_end);
        let Some(text) = source.get(body_range.start - base..body_range.end - base) else {
            continue;
        };
        // What the HTML tokenizer read as raw text and XML reads as
        // markup: read again below, when it may hold an element.
        if xml
            && ends[index].is_some()
            && RAW_TEXT_ELEMENTS.contains(&&*element.name)
            && holds_tag(text)
        {
            noscripts.push((element.start, body_range.start, text, Document::Xml));
        }
        let body = || {
            let foreign = xml || element.namespace != Namespace::Html;
            let decoded = if foreign {
                foreign_text(text)
            } else {
                Cow::Borrowed(text)
            };
            RawBody {
                element: index,
                start: body_range.start,
                raw_len: text.len(),
                decoded: matches!(decoded, Cow::Owned(_)),
                text: decoded,
            }
        };
        match &*element.name {
            "script" => page.scripts.push(body()),
            "style" => page.styles.push(body()),
            "noscript" if !xml => {
                noscripts.push((element.start, body_range.start, text, Document::Noscript));
            }
            "form" => forms.push((index, element.start, end)),
            _ => {}
        }
    }
    for (element_start, start, body, inner_document) in noscripts {
        // Without scripting, a browser reads `<noscript>` as markup, and a
        // `<noscript>` inside it too; an XML parser reads every element's
        // content as markup.
        if depth >= MAX_DOCUMENT_DEPTH {
            page.unjudged.push(Unjudged {
                offset: element_start,
                reason: UnjudgedReason::NestedTooDeep,
            });
            continue;
        }
        let inner = parse_fragment(body, start, inner_document, depth + 1, budget);
        let offset = page.elements.len();
        let shift = |mut body: RawBody<'src>| {
            body.element += offset;
            body
        };
        page.anchors.extend(inner.anchors);
        page.elements.extend(inner.elements);
        page.scripts.extend(inner.scripts.into_iter().map(shift));
        page.styles.extend(inner.styles.into_iter().map(shift));
        page.unjudged.extend(inner.unjudged);
    }
    assign_forms(&mut page.elements, &forms);
}

/// How many start tags `text` can hold at most: the places where `<` is
/// followed by a letter.
fn start_tags(text: &str) -> usize {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'<', bytes)
        .filter(|&lt| bytes.get(lt + 1).is_some_and(u8::is_ascii_alphabetic))
        .count()
}

/// Whether `text` holds what a tokenizer reads as a tag: `<` and a letter.
fn holds_tag(text: &str) -> bool {
    memchr::memchr_iter(b'<', text.as_bytes()).any(|lt| {
        text.as_bytes()
            .get(lt + 1)
            .is_some_and(u8::is_ascii_alphabetic)
    })
}

/// Ties every element to the outermost form whose range holds its start.
///
/// Forms' ranges come from matched end tags, so they nest or are apart;
/// one sweep in document order with a stack of open forms finds each
/// element's outermost form.
fn assign_forms(elements: &mut [Element<'_>], forms: &[(usize, usize, usize)]) {
    if forms.is_empty() {
        return;
    }
    let mut order: Vec<usize> = (0..elements.len()).collect();
    order.sort_by_key(|&index| elements[index].start);
    let mut sorted_forms = forms.to_vec();
    sorted_forms.sort_by_key(|&(_, start, _)| start);
    let mut next_form = 0;
    let mut open: Vec<(usize, usize)> = Vec::new();
    for index in order {
        let at = elements[index].start;
        while let Some(&(form, start, end)) = sorted_forms.get(next_form)
            && start < at
        {
            open.retain(|&(_, open_end)| open_end > start);
            open.push((form, end));
            next_form += 1;
        }
        open.retain(|&(_, end)| end > at);
        elements[index].form = open.first().map(|&(form, _)| form);
    }
}

/// The text content of a `<script>` or `<style>` in SVG or MathML. There
/// the HTML parser reads the body as ordinary content, not raw text:
/// character references are decoded, CDATA sections give their text, and
/// comments and nested tags are no part of it. `<svg><script>alert&#40;1)`
/// runs `alert(1)`.
fn foreign_text(raw: &str) -> Cow<'_, str> {
    if !raw.contains(['&', '<']) {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(lt) = rest.find('<') {
        push_decoded_text(&mut out, &rest[..lt]);
        let markup = &rest[lt..];
        rest = if let Some(cdata) = markup.strip_prefix("<![CDATA[") {
            let end = cdata.find("]]>").unwrap_or(cdata.len());
            out.push_str(&cdata[..end]);
            cdata.get(end + 3..).unwrap_or("")
        } else if let Some(comment) = markup.strip_prefix("<!--") {
            comment.find("-->").map_or("", |end| &comment[end + 3..])
        } else if markup[1..]
            .starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'))
        {
            markup.find('>').map_or("", |end| &markup[end + 1..])
        } else {
            out.push('<');
            &markup[1..]
        };
    }
    push_decoded_text(&mut out, rest);
    Cow::Owned(out)
}

fn push_decoded_text(out: &mut String, text: &str) {
    if text.contains('&') {
        out.push_str(&htmlize::unescape(text));
    } else {
        out.push_str(text);
    }
}

/// Parses the document of every `<iframe srcdoc>` among the page's first
/// `own` elements (the others came from `<noscript>` documents, which
/// parsed their own frames) and adds its elements, bodies and visible text
/// to the page: a script or a third-party load written there runs with
/// the page's origin, so the rules must see it.
///
/// Offsets in that document are counted from the start of the attribute
/// value. They are exact when the value has no character references, and
/// close otherwise: decoding shortens the text, so a finding still points
/// inside the attribute. Its anchors stay out of the page's, because a
/// fragment link on the page cannot reach into the frame.
fn attach_srcdoc_documents(page: &mut Page<'_>, own: usize, depth: u32, budget: &Budget) {
    let documents: Vec<_> = page.elements[..own]
        .iter()
        .filter(|e| e.name == "iframe")
        .filter_map(|e| Some((e.start, e.attr("srcdoc")?)))
        .filter_map(|(start, attr)| Some((start, attr.value.clone(), attr.value_start?)))
        .collect();
    for (element_start, value, value_start) in documents {
        if depth >= MAX_DOCUMENT_DEPTH {
            page.unjudged.push(Unjudged {
                offset: element_start,
                reason: UnjudgedReason::NestedTooDeep,
            });
            continue;
        }
        let inner = match value {
            Cow::Borrowed(text) => relocated(
                parse_fragment(text, 0, Document::Html, depth + 1, budget),
                value_start,
            ),
            Cow::Owned(text) => relocated(
                parse_fragment(&text, 0, Document::Html, depth + 1, budget),
                value_start,
            )
            .into_owned(),
        };
        merge_srcdoc(page, inner);
    }
}

/// `page`, parsed from a `srcdoc` value, with its offsets moved to the
/// value's place in the file and its elements marked as the frame's.
fn relocated(mut page: Page<'_>, value_start: usize) -> Page<'_> {
    let map = |offset: usize| value_start + offset;
    for element in &mut page.elements {
        element.start = map(element.start);
        element.tag_end = map(element.tag_end);
        element.in_srcdoc = true;
        for attr in &mut element.attrs {
            attr.name_start = map(attr.name_start);
            attr.value_start = attr.value_start.map(&map);
            attr.value_end = attr.value_end.map(&map);
        }
    }
    for body in page.scripts.iter_mut().chain(page.styles.iter_mut()) {
        body.start = map(body.start);
    }
    for span in &mut page.visible.spans {
        span.1 = map(span.1);
    }
    for unjudged in &mut page.unjudged {
        unjudged.offset = map(unjudged.offset);
    }
    page
}

fn merge_srcdoc<'src>(page: &mut Page<'src>, inner: Page<'src>) {
    let offset = page.elements.len();
    page.elements
        .extend(inner.elements.into_iter().map(|mut element| {
            element.form = element.form.map(|form| form + offset);
            element
        }));
    let shift = |mut body: RawBody<'src>| {
        body.element += offset;
        body
    };
    page.scripts.extend(inner.scripts.into_iter().map(shift));
    page.styles.extend(inner.styles.into_iter().map(shift));
    page.unjudged.extend(inner.unjudged);
    if !inner.visible.text.is_empty() {
        page.visible.push_block_break();
        let at = page.visible.text.len();
        page.visible.text.push_str(&inner.visible.text);
        page.visible
            .spans
            .extend(inner.visible.spans.into_iter().map(|(t, h)| (t + at, h)));
    }
}

impl Page<'_> {
    /// The page with every borrowed string copied, so that it can outlive
    /// the text it was parsed from.
    fn into_owned(self) -> Page<'static> {
        let owned = |text: Cow<'_, str>| Cow::Owned(text.into_owned());
        Page {
            elements: self
                .elements
                .into_iter()
                .map(|element| Element {
                    name: owned(element.name),
                    namespace: element.namespace,
                    start: element.start,
                    tag_end: element.tag_end,
                    attrs: element
                        .attrs
                        .into_iter()
                        .map(|attr| Attr {
                            name: owned(attr.name),
                            value: owned(attr.value),
                            name_start: attr.name_start,
                            value_start: attr.value_start,
                            value_end: attr.value_end,
                        })
                        .collect(),
                    in_noscript: element.in_noscript,
                    in_srcdoc: element.in_srcdoc,
                    form: element.form,
                })
                .collect(),
            scripts: self.scripts.into_iter().map(RawBody::into_owned).collect(),
            styles: self.styles.into_iter().map(RawBody::into_owned).collect(),
            anchors: self.anchors,
            visible: self.visible,
            unjudged: self.unjudged,
        }
    }
}

impl RawBody<'_> {
    fn into_owned(self) -> RawBody<'static> {
        RawBody {
            element: self.element,
            start: self.start,
            raw_len: self.raw_len,
            text: Cow::Owned(self.text.into_owned()),
            decoded: self.decoded,
        }
    }
}

/// One comment of a document, as the HTML tokenizer reads it, and the
/// element that follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Comment {
    /// Byte range of the whole comment, `<!--` to `-->`.
    pub range: Range<usize>,
    /// The text between the delimiters.
    pub text: String,
    /// Byte range of the next element in the document: its start tag
    /// through its end tag, or only the start tag when the element has no
    /// content or the parser saw no end tag for it.
    pub next_element: Option<Range<usize>>,
}

/// The `<!-- -->` comments of `source` whose text `wanted` accepts, each
/// with the element after it.
///
/// Only what the tokenizer reads as a comment is one: `<!--` inside a
/// `<script>`, `<style>`, `<textarea>` or `<title>`, in an attribute value
/// or in a `<noscript>` (read as raw text, as browsers with scripting
/// read it) is not. The parse commits to lol_html's reading of ambiguous
/// markup (that markup is reported by `inline/unparsed-html`) and stops,
/// with what it read so far, on the same memory limit as [`parse`].
pub(crate) fn comments(source: &str, wanted: impl Fn(&str) -> bool) -> Vec<Comment> {
    let found: Rc<RefCell<Vec<Comment>>> = Rc::default();
    // Comments read since the last start tag, which that tag's element
    // follows.
    let waiting: RefCell<Vec<usize>> = RefCell::default();
    {
        let elements = ElementContentHandlers::default().element(|el: &mut LolElement| {
            let indices = std::mem::take(&mut *waiting.borrow_mut());
            if indices.is_empty() {
                return Ok(());
            }
            let tag = el.source_location().bytes();
            for &index in &indices {
                found.borrow_mut()[index].next_element = Some(tag.clone());
            }
            if el.can_have_content() {
                let found = Rc::clone(&found);
                let start = tag.start;
                // Registering fails only for elements without content.
                let _ = el.on_end_tag(Box::new(move |end| {
                    let end = end.source_location().bytes().end;
                    for &index in &indices {
                        found.borrow_mut()[index].next_element = Some(start..end);
                    }
                    Ok(())
                }));
            }
            Ok(())
        });
        let document = lol_html::DocumentContentHandlers::default().comments(
            |comment: &mut lol_html::html_content::Comment<'_>| {
                // Only `<!-- -->` is taken: the tokenizer also makes
                // comments of `<!x>`, `<?x>` and of `<![CDATA[…]]>` outside
                // SVG, which no author writes as one.
                let range = comment.source_location().bytes();
                let written = source
                    .get(range.clone())
                    .is_some_and(|raw| raw.starts_with("<!--"));
                let text = comment.text();
                if written && wanted(&text) {
                    let mut found = found.borrow_mut();
                    waiting.borrow_mut().push(found.len());
                    found.push(Comment {
                        range,
                        text,
                        next_element: None,
                    });
                }
                Ok(())
            },
        );
        let memory = MemorySettings::new().with_max_allowed_memory_usage(
            PARSER_MEMORY_ALLOWANCE.saturating_add(source.len().saturating_mul(2)),
        );
        let mut rewriter = HtmlRewriter::new(
            Settings::new()
                .append_element_content_handler((Cow::Borrowed(&*EVERY_ELEMENT), elements))
                .append_document_content_handler(document)
                .with_strict(false)
                .with_enable_esi_tags(false)
                .with_memory_settings(memory),
            |_: &[u8]| {},
        );
        // After an error the rewriter must not be used again; what was
        // read before it stands.
        let _ = rewriter
            .write(source.as_bytes())
            .and_then(|()| rewriter.end());
    }
    Rc::try_unwrap(found).map_or_else(|shared| shared.borrow().clone(), RefCell::into_inner)
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

    #[test]
    fn names_are_lowercased_and_plain_text_is_borrowed() {
        let html =
            r#"<DIV Class="Intro" title="a&amp;b" hidden><noscript><IMG SRC="/P.gif"></noscript>"#;
        let page = parse(html);
        let div = &page.elements[0];
        assert_eq!(div.name, "div");
        assert!(matches!(div.name, Cow::Owned(_)));
        let class = div.attr("class").unwrap();
        assert_eq!(class.value, "Intro");
        assert!(matches!(class.value, Cow::Borrowed(_)));
        assert!(matches!(div.attr("title").unwrap().value, Cow::Owned(_)));
        assert_eq!(div.value("title"), Some("a&b"));
        assert_eq!(div.attr("hidden").unwrap().value_start, None);
        // Elements in `<noscript>` are sliced from the fragment's own text
        // but keep offsets into the whole file.
        let img = page.elements.iter().find(|e| e.name == "img").unwrap();
        let src = img.attr("src").unwrap();
        assert_eq!(src.value, "/P.gif");
        assert!(matches!(src.value, Cow::Borrowed(_)));
        assert_eq!(&html[src.name_start..][..3], "SRC");
        assert_eq!(&html[img.start..][..4], "<IMG");
    }

    #[test]
    fn srcdoc_documents_are_parsed_into_the_page() {
        let html = "<p>Top</p><iframe srcdoc='<h2 id=inner>Framed</h2><script src=//cdn.example/x.js></script>'></iframe>";
        let page = parse(html);
        let script = page.elements.iter().find(|e| e.name == "script").unwrap();
        assert!(script.in_srcdoc);
        let src = script.attr("src").unwrap();
        assert!(html[src.value_start.unwrap()..].starts_with("//cdn.example/x.js"));
        assert_eq!(&html[src.span()], "//cdn.example/x.js");
        assert!(
            page.visible.text.contains("Framed"),
            "{:?}",
            page.visible.text
        );
        let framed = page.visible.text.find("Framed").unwrap();
        assert_eq!(&html[page.visible.html_offset(framed)..][..6], "Framed");
        // A fragment on the page cannot target an element in the frame.
        assert!(!page.anchors.contains("inner"));

        // An entity-encoded document is decoded first; its findings point
        // inside the attribute.
        let html = r#"<iframe srcdoc="&lt;script&gt;go()&lt;/script&gt;&lt;iframe srcdoc=&quot;&amp;lt;b onclick=x&amp;gt;&quot;&gt;"></iframe><p>after</p>"#;
        let page = parse(html);
        assert_eq!(page.scripts.len(), 1);
        assert_eq!(page.scripts[0].text, "go()");
        let value_start = html.find("&lt;").unwrap();
        let value_end = html.find("\"></iframe>").unwrap();
        assert!((value_start..value_end).contains(&page.scripts[0].start));
        let nested = page.elements.iter().find(|e| e.name == "b").unwrap();
        assert!(nested.in_srcdoc && nested.attr("onclick").is_some());
        assert!((value_start..value_end).contains(&nested.start));
    }

    #[test]
    fn svg_script_and_style_text_is_decoded_as_browsers_read_it() {
        let html = "<p>x</p><svg><script src=/a.js>alert&#40;1)<![CDATA[;x<y]]><!-- c --></script><style>a{b:url(&#47;/t.example/x)}</style></svg><script>a&#40;</script>";
        let page = parse(html);
        let svg_script = &page.scripts[0];
        assert_eq!(page.elements[svg_script.element].namespace, Namespace::Svg);
        assert_eq!(svg_script.text, "alert(1);x<y");
        assert!(svg_script.decoded);
        assert!(html[svg_script.start..].starts_with("alert&#40;"));
        assert!(svg_script.file_offset(1_000) <= svg_script.start + svg_script.raw_len);
        assert_eq!(page.styles[0].text, "a{b:url(//t.example/x)}");
        // An HTML script is raw text.
        assert_eq!(page.scripts[1].text, "a&#40;");
        assert_eq!(
            page.elements[page.scripts[1].element].namespace,
            Namespace::Html
        );
    }

    #[test]
    fn xml_documents_judge_prefixed_elements_by_namespace() {
        let svg = r#"<p:svg xmlns:p="http://www.w3.org/2000/svg"><title><p:script>a()</p:script></title><p:g xmlns:q="http://www.w3.org/2000/svg"><q:script>b&#40;)</q:script></p:g><d:script xmlns:d="urn:x">c()</d:script></p:svg>"#;
        let page = parse_xml(svg);
        let scripts: Vec<_> = page
            .scripts
            .iter()
            .map(|body| {
                let element = &page.elements[body.element];
                (&*element.name, element.namespace, &*body.text)
            })
            .collect();
        // Found through the title the HTML tokenizer read as text, and
        // decoded as XML text.
        assert!(
            scripts.contains(&("script", Namespace::Svg, "a()")),
            "{scripts:?}"
        );
        assert!(
            scripts.contains(&("script", Namespace::Svg, "b()")),
            "{scripts:?}"
        );
        assert_eq!(scripts.len(), 2, "{scripts:?}");
        let other = page.elements.iter().find(|e| e.name == "d:script").unwrap();
        assert_eq!(other.namespace, Namespace::Html);
        let title_script = page.scripts.iter().find(|b| b.text == "a()").unwrap();
        assert!(svg[title_script.start..].starts_with("a()"));
        // In HTML a prefix is part of the name: nothing runs.
        let html = parse(r#"<svg><svg:script>a()</svg:script></svg>"#);
        assert!(html.elements.iter().all(|e| e.name != "script"));
    }

    #[test]
    fn ambiguous_markup_is_unjudged_but_still_read() {
        // In <select> a browser ignores <xmp>, and runs the script.
        let html = "<select><xmp><script>a()</script></xmp></select><p onclick=x>";
        let page = parse(html);
        assert_eq!(
            page.unjudged,
            [Unjudged {
                offset: html.find("<xmp").unwrap(),
                reason: UnjudgedReason::Ambiguous
            }]
        );
        assert!(page.elements.iter().any(|e| e.name == "p"));
        assert!(
            parse("<select><option>a</select><script>b()</script>")
                .unjudged
                .is_empty()
        );
    }

    #[test]
    fn nested_documents_are_read_to_a_bound() {
        let html = "<noscript><noscript><img src=//t.example/p.gif></noscript></noscript>";
        let page = parse(html);
        let img = page.elements.iter().find(|e| e.name == "img").unwrap();
        assert!(img.in_noscript);
        assert!(page.unjudged.is_empty());

        let deep = format!(
            "{}<img src=x>{}",
            "<noscript>".repeat(100),
            "</noscript>".repeat(100)
        );
        let page = parse(&deep);
        let bound = MAX_DOCUMENT_DEPTH as usize;
        assert_eq!(
            page.unjudged,
            [Unjudged {
                offset: bound * "<noscript>".len(),
                reason: UnjudgedReason::NestedTooDeep
            }]
        );
        assert_eq!(page.elements.len(), bound + 1);

        // A frame in a frame in a frame…: each level escapes the one in it.
        let mut document = "<b onclick=x>".to_string();
        for _ in 0..=MAX_DOCUMENT_DEPTH {
            let escaped = document.replace('&', "&amp;").replace('"', "&quot;");
            document = format!("<iframe srcdoc=\"{escaped}\"></iframe>");
        }
        let page = parse(&document);
        assert_eq!(page.unjudged.len(), 1);
        assert_eq!(page.unjudged[0].reason, UnjudgedReason::NestedTooDeep);
        assert!(page.unjudged[0].offset < document.len());
        assert!(page.elements.iter().all(|e| e.name == "iframe"));
    }

    #[test]
    fn hostile_pages_return_with_what_was_not_read() {
        // Deep nesting is a flat list of elements, read to the end…
        let deep = "<div>".repeat(10_000);
        let page = parse(&deep);
        assert_eq!(page.elements.len(), 10_000);
        assert!(page.unjudged.is_empty());
        // … until lol_html's stack of open elements reaches its memory
        // limit.
        let deeper = "<div>".repeat(100_000);
        let page = parse(&deeper);
        assert_eq!(page.unjudged.len(), 1);
        assert_eq!(page.unjudged[0].reason, UnjudgedReason::MemoryLimit);
        assert!(page.elements.len() < 100_000);
        // Markup denser than real pages stops where its budget ends.
        let dense = "<br>".repeat(200_000);
        let page = parse(&dense);
        let budget = (MODEL_ALLOWANCE + dense.len() * MODEL_BYTES_PER_SOURCE_BYTE)
            / size_of::<Element<'_>>();
        assert_eq!(page.elements.len(), budget);
        assert_eq!(
            page.unjudged,
            [Unjudged {
                offset: budget * "<br>".len(),
                reason: UnjudgedReason::TooManyNodes
            }]
        );
        // A tag with millions of attributes fills lol_html's buffers.
        let huge_tag = format!("<a{}>", " b".repeat(3_000_000));
        let page = parse(&huge_tag);
        assert_eq!(page.unjudged.len(), 1);
        assert_eq!(page.unjudged[0].reason, UnjudgedReason::MemoryLimit);
    }

    #[test]
    fn pages_as_dense_as_real_ones_are_read_to_the_end() {
        // As dense as rustdoc's source view, the densest real markup
        // measured: an element every 52 bytes, most with two attributes.
        let line = |n: usize| format!("<a href=\"#{n:05}\" id=\"{n:05}\">{n:05}</a> x = y + 1;\n");
        let page_text: String = (0..120_000).map(line).collect();
        assert!(page_text.len() / 120_000 <= 52);
        let page = parse(&page_text);
        assert!(page.unjudged.is_empty(), "{:?}", page.unjudged);
        assert_eq!(page.elements.len(), 120_000);
    }

    #[test]
    fn visible_text_maps_inside_the_file_when_text_outgrows_its_source() {
        // Found by the page-model fuzz test: text read from a `srcdoc`
        // attribute, and a NUL read as U+FFFD, are longer than their bytes.
        for html in [
            "<iframe srcdoc=\"&amp;\">]]>",
            "<iframe srcdoc=\"javascript:alert(1)\">\0",
        ] {
            let page = parse(html);
            for (index, _) in page.visible.text.char_indices() {
                assert!(page.visible.html_offset(index) <= html.len(), "{html:?}");
            }
        }
    }

    #[test]
    fn forms_are_assigned_in_one_sweep() {
        let html = format!(
            "{}<input name=last>",
            "<form action=/lead><input name=a></form>".repeat(5_000)
        );
        let page = parse(&html);
        let inputs: Vec<_> = page.elements.iter().filter(|e| e.name == "input").collect();
        assert_eq!(inputs[0].form, Some(0));
        assert_eq!(inputs[1].form, Some(2));
        assert_eq!(inputs.last().unwrap().form, None);
        let nested = parse("<form id=a><form id=b></form><input></form><input>");
        assert_eq!(nested.elements[2].form, Some(0));
        assert_eq!(nested.elements[3].form, None);
    }

    mod fuzz {
        use super::super::*;
        use crate::fuzz::{self, is_place_in};
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(fuzz::config())]

            /// Whatever the markup, the page model points inside the file
            /// and reads the same twice.
            #[test]
            fn fuzz_page_model_stays_inside_the_file(html in fuzz::html()) {
                let page = parse(&html);
                for element in &page.elements {
                    prop_assert!(element.start <= element.tag_end);
                    prop_assert!(element.tag_end <= html.len());
                    prop_assert!(element.form.is_none_or(|form| form < page.elements.len()));
                    if !element.in_srcdoc {
                        prop_assert!(is_place_in(&html, element.start));
                        for attr in &element.attrs {
                            prop_assert!(is_place_in(&html, attr.name_start));
                            prop_assert!(attr.value_start.is_none_or(|v| is_place_in(&html, v)));
                            prop_assert!(attr.value_end.is_none_or(|v| is_place_in(&html, v)));
                            if let (Some(start), Some(end)) = (attr.value_start, attr.value_end) {
                                prop_assert!(start <= end);
                            }
                        }
                    }
                    for attr in &element.attrs {
                        prop_assert!(attr.offset() <= html.len());
                    }
                }
                for body in page.scripts.iter().chain(&page.styles) {
                    prop_assert!(body.element < page.elements.len());
                    prop_assert!(body.start + body.raw_len <= html.len());
                    prop_assert!(body.file_offset(body.text.len()) <= html.len());
                }
                for unjudged in &page.unjudged {
                    prop_assert!(unjudged.offset <= html.len());
                }
                for (index, _) in page.visible.text.char_indices() {
                    prop_assert!(page.visible.html_offset(index) <= html.len());
                }
                let again = parse(&html);
                let starts = |page: &Page<'_>| page.elements.iter().map(|e| e.start).collect::<Vec<_>>();
                prop_assert_eq!(starts(&page), starts(&again));
                prop_assert_eq!(&page.unjudged, &again.unjudged);
                prop_assert_eq!(&page.visible.text, &again.visible.text);
            }

            /// Every comment lies inside the file and opens with `<!--`;
            /// the element after it starts after it and ends inside the
            /// file.
            #[test]
            fn fuzz_comments_and_their_next_elements(html in fuzz::html()) {
                for comment in comments(&html, |_| true) {
                    prop_assert!(is_place_in(&html, comment.range.start));
                    prop_assert!(comment.range.end <= html.len());
                    prop_assert!(html[comment.range.start..].starts_with("<!--"));
                    if let Some(element) = comment.next_element {
                        prop_assert!(comment.range.end <= element.start);
                        prop_assert!(element.start < element.end && element.end <= html.len());
                    }
                }
            }

            /// Read as XML, the page model points inside the file too.
            #[test]
            fn fuzz_xml_page_model_stays_inside_the_file(html in fuzz::html()) {
                let page = parse_xml(&html);
                for element in page.elements.iter().filter(|e| !e.in_srcdoc) {
                    prop_assert!(is_place_in(&html, element.start));
                    prop_assert!(element.tag_end <= html.len());
                }
                for body in page.scripts.iter().chain(&page.styles) {
                    prop_assert!(body.element < page.elements.len());
                    prop_assert!(body.start + body.raw_len <= html.len());
                }
                for (index, _) in page.visible.text.char_indices() {
                    prop_assert!(page.visible.html_offset(index) <= html.len());
                }
            }
        }
    }
}
