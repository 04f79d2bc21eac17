//! Markdown to HTML with pulldown-cmark: tables, footnotes, strikethrough
//! and heading attributes, plus the raw HTML policy of [`crate::raw_html`],
//! heading ids and the table of contents ([`headings`]), syntax
//! highlighting by class ([`highlight`]), shortcodes ([`shortcodes`]) and
//! table cells labelled by their column ([`tables`]).
//!
//! Shortcodes are expanded at the event level, never by pasting their
//! output into the Markdown text (where a blank line in a template's output
//! would end an HTML block and turn the rest into paragraphs). Each call is
//! replaced by a placeholder, a noncharacter the text does not contain
//! around the call's number, the text is parsed, and each placeholder is
//! then replaced in the event stream by the template's output: as a block
//! when it is alone in a paragraph, inline otherwise. A placeholder that
//! lands anywhere else (in raw HTML, a link destination, an attribute) is
//! an error, so a shortcode cannot build a tag out of pieces. Shortcodes
//! render in document order, so headings in their bodies take their place
//! in the page's ids and `page.toc`.
//!
//! What a shortcode writes is held to the raw HTML policy like what an
//! author writes: once a page used one, its whole rendered body is judged
//! again, and each violation is traced through [`Origins`] to the call.

pub mod headings;
pub mod highlight;
pub mod shortcodes;
pub mod tables;

use std::cell::Cell;
use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd, html};

use crate::assets::AssetMap;
use crate::content::Page;
use crate::error::{Error, SourceSpot};
use crate::images::markup::{self as image_markup, UseProblem};
use crate::raw_html::{self, RawHtmlViolation};
use crate::rewrite::{RewriteProblem, lookup, rewrite_page};
use crate::templates::{Budget, Templates};

use headings::{HeadingProblem, Headings, TocEntry};
use shortcodes::{Call, Piece, ShortcodeError};

/// Folder of `templates/` that holds the shortcodes.
pub const SHORTCODES_DIR: &str = "shortcodes";

/// The shortcode that renders the site's promises with the build's
/// evidence: only its template is given the variable `evidence`.
pub const PROMISES_SHORTCODE: &str = "promises";

/// What a page's Markdown is rendered with.
#[derive(Clone, Copy)]
pub struct Settings<'a> {
    /// The static files, to fingerprint references to them.
    pub assets: &'a AssetMap,
    /// Whether each heading ends with a `#` link to itself
    /// (`markdown.heading_anchors` in `site.yaml`).
    pub heading_anchors: bool,
    /// The site's templates, for shortcodes. Without them calls are still
    /// read and checked, and expand to nothing.
    pub templates: Option<&'a Templates>,
    /// The content file, as errors name it (`content/about.md`).
    pub source: &'a str,
    /// The line of the content file where the body starts.
    pub body_line: usize,
    /// The build's evidence, given to the [`PROMISES_SHORTCODE`] template
    /// as `evidence`.
    pub evidence: Option<&'a serde_json::Value>,
}

impl<'a> Settings<'a> {
    /// Settings with every option off and no templates.
    pub fn new(assets: &'a AssetMap) -> Self {
        Self {
            assets,
            heading_anchors: false,
            templates: None,
            source: "",
            body_line: 1,
            evidence: None,
        }
    }
}

/// Something in a Markdown body that stops it from rendering, at a byte
/// offset of the body.
#[derive(Debug, PartialEq)]
pub struct Problem {
    /// Byte offset in the Markdown body where the problem starts.
    pub offset: usize,
    /// What is wrong.
    pub kind: ProblemKind,
}

/// What is wrong with a Markdown body.
#[derive(Debug)]
pub enum ProblemKind {
    /// Raw HTML that breaks the raw HTML policy.
    RawHtml(RawHtmlViolation),
    /// A heading whose id or attributes cannot be written.
    Heading(HeadingProblem),
    /// A shortcode call that cannot be read or expanded.
    Shortcode(ShortcodeError),
    /// What a shortcode wrote breaks the raw HTML policy.
    ShortcodeOutput {
        /// The shortcode.
        name: String,
        /// The rule broken.
        violation: RawHtmlViolation,
    },
    /// A shortcode's template failed; the error names the template line
    /// and the call.
    Template(Box<Error>),
    /// An image (Markdown's or the `image` shortcode's) cannot be written.
    Image(UseProblem),
}

impl PartialEq for ProblemKind {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::RawHtml(a), Self::RawHtml(b)) => a == b,
            (Self::Heading(a), Self::Heading(b)) => a == b,
            (Self::Shortcode(a), Self::Shortcode(b)) => a == b,
            (Self::Image(a), Self::Image(b)) => a == b,
            (
                Self::ShortcodeOutput { name, violation },
                Self::ShortcodeOutput {
                    name: other_name,
                    violation: other_violation,
                },
            ) => name == other_name && violation == other_violation,
            // Errors compare by what they say.
            (Self::Template(a), Self::Template(b)) => a.to_string() == b.to_string(),
            _ => false,
        }
    }
}

/// Turns the problems of a page's body into errors naming its content file
/// and line.
pub fn page_errors(page: &Page, problems: Vec<Problem>) -> Vec<Error> {
    problems
        .into_iter()
        .map(|problem| {
            let (line, column) = page.body_position(problem.offset);
            let spot = SourceSpot::at(&page.display_path, line, column);
            match problem.kind {
                ProblemKind::RawHtml(violation) => Error::UnsafeRawHtml { spot, violation },
                ProblemKind::Heading(problem) => {
                    let also = match &problem {
                        HeadingProblem::DuplicateId { first, .. } => {
                            Some(page.body_position(*first).0)
                        }
                        _ => None,
                    };
                    Error::Heading {
                        spot,
                        problem,
                        also,
                    }
                }
                ProblemKind::Shortcode(problem) => Error::Shortcode { spot, problem },
                ProblemKind::ShortcodeOutput { name, violation } => Error::UnsafeShortcodeOutput {
                    spot,
                    name,
                    violation,
                },
                ProblemKind::Template(error) => *error,
                ProblemKind::Image(problem) => Error::ImageUse { spot, problem },
            }
        })
        .collect()
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// A rendered Markdown body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The HTML, with references to static files already fingerprinted.
    pub html: String,
    /// References to static files that do not exist.
    pub problems: Vec<RewriteProblem>,
    /// Where the HTML came from.
    pub origins: Origins,
    /// The headings, nested by level: `page.toc` for templates.
    pub toc: Vec<TocEntry>,
    /// Whether a code block was highlighted, so the page needs the
    /// highlighting stylesheet.
    pub highlighted: bool,
    /// What the shortcodes used of the page's render budgets; the page's
    /// template renders with the rest.
    pub budget: Budget,
    /// The names of the shortcodes the body called, sorted.
    pub called: Vec<String>,
}

/// Where each part of a rendered body came from: `(offset in the HTML,
/// offset in the body)` where the output of each Markdown event begins, in
/// order. Lets a finding in the built page be traced to its source line.
/// Offsets are `u32`: a page and its source are both capped far below
/// 4 GiB, and a build keeps one map per page until validation ends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins(Vec<(u32, u32)>);

impl Origins {
    /// The body offset of the event that wrote the byte at `offset` of
    /// `html` (the rendered body), and how many lines into that event's
    /// output `offset` lies.
    pub fn find(&self, html: &str, offset: usize) -> Option<(usize, usize)> {
        let index = self
            .0
            .partition_point(|&(at, _)| at as usize <= offset)
            .checked_sub(1)?;
        let (html_start, body) = self.0[index];
        let end = offset.min(html.len());
        let lines_in = html
            .get(html_start as usize..end)
            .map_or(0, |text| text.bytes().filter(|&b| b == b'\n').count());
        Some((body as usize, lines_in))
    }

    fn record(&mut self, html: usize, body: usize) {
        let (html, body) = (to_u32(html), to_u32(body));
        match self.0.last_mut() {
            // Events that write nothing: the last one is the innermost.
            Some((last, origin)) if *last == html => *origin = body,
            _ => self.0.push((html, body)),
        }
    }
}

fn to_u32(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// Renders a Markdown body to HTML. Fails with every problem found (raw
/// HTML the policy refuses, headings that cannot be written, shortcodes
/// that cannot be read or rendered), so an author sees all of them at once.
///
/// Image and link destinations and raw HTML that name static files are
/// pointed at the fingerprinted URLs here, at the event level, so the page
/// around the content does not have to re-parse the content's HTML.
pub fn render(body: &str, settings: &Settings<'_>) -> Result<Rendered, Vec<Problem>> {
    let mut state = State {
        settings,
        body,
        headings: Headings::default(),
        highlighted: false,
        problems: Vec::new(),
        rewrite_problems: Vec::new(),
        budget: Budget::default(),
        calls: 0,
        nth: HashMap::new(),
        known: None,
        exhausted: false,
    };
    let (html, origins) = state.fragment(body, 0, 0);
    let mut problems = state.problems;
    if state.calls > 0 && problems.is_empty() {
        // Judge what the shortcodes wrote, in place: each violation is
        // traced to the call that wrote it.
        for (offset, violation) in raw_html::inspect(&html) {
            let at = origins.find(&html, offset).map_or(0, |(at, _)| at);
            let name = shortcodes::name_at(body, at).unwrap_or_default();
            problems.push(Problem {
                offset: at,
                kind: ProblemKind::ShortcodeOutput { name, violation },
            });
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|problem| problem.offset);
        return Err(problems);
    }
    let mut called: Vec<String> = state.nth.into_keys().collect();
    called.sort();
    Ok(Rendered {
        called,
        html,
        problems: state.rewrite_problems,
        origins,
        toc: state.headings.toc(),
        highlighted: state.highlighted,
        budget: state.budget,
    })
}

/// The Markdown with its shortcode calls taken out, for plain-text uses
/// such as feed summaries: a call with a body leaves its body (with the
/// calls in it taken out too), a call without one leaves nothing, and a
/// literal leaves the call it writes. Text whose calls cannot be read is
/// returned as it is; the page's own render reports them.
pub fn without_shortcodes(markdown: &str) -> std::borrow::Cow<'_, str> {
    if !markdown.contains("{{") && !markdown.contains("{%") {
        return markdown.into();
    }
    let events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(markdown, options())
        .into_offset_iter()
        .collect();
    let pieces = match shortcodes::scan(markdown, &code_ranges(&events)) {
        Ok(pieces) if !pieces.is_empty() => pieces,
        _ => return markdown.into(),
    };
    let mut out = String::with_capacity(markdown.len());
    let mut copied = 0;
    for piece in pieces {
        out.push_str(&markdown[copied..piece.range().start]);
        match &piece {
            Piece::Call(Call {
                body: Some(body), ..
            }) => {
                out.push('\n');
                out.push_str(&without_shortcodes(&markdown[body.clone()]));
                out.push('\n');
            }
            Piece::Call(_) => {}
            Piece::Literal(_, literal) => out.push_str(literal),
        }
        copied = piece.range().end;
    }
    out.push_str(&markdown[copied..]);
    out.into()
}

/// Writes events as HTML and records where each event's output begins.
fn write_html(body_len: usize, events: Vec<(Event<'_>, Range<usize>)>) -> (String, Origins) {
    let mut html = String::with_capacity(body_len + body_len / 2);
    let written = Cell::new(0);
    let mut origins = Origins(Vec::with_capacity(events.len()));
    let events = events.into_iter().map(|(event, range)| {
        // The writer has written every earlier event when it asks for the
        // next one, so its length is where this event's output begins.
        origins.record(written.get(), range.start);
        event
    });
    // Writing into a String cannot fail.
    let _ = html::write_html_fmt(
        CountingWriter {
            out: &mut html,
            written: &written,
        },
        events,
    );
    (html, origins)
}

/// The rendering of one page: what its headings took, the problems
/// found, what its shortcodes spent.
struct State<'s> {
    settings: &'s Settings<'s>,
    /// The whole body, to name the lines of calls.
    body: &'s str,
    headings: Headings,
    highlighted: bool,
    problems: Vec<Problem>,
    rewrite_problems: Vec<RewriteProblem>,
    budget: Budget,
    /// Shortcode calls expanded so far.
    calls: usize,
    /// Calls so far of each shortcode, for its `nth` variable.
    nth: HashMap<String, usize>,
    /// The site's shortcodes, listed once for the first unknown name.
    known: Option<Vec<String>>,
    /// Whether a shortcode went past the page's budgets: later calls would
    /// only fail the same way, so they are not rendered.
    exhausted: bool,
}

/// Where a text with its shortcode calls replaced by placeholders came
/// from: each segment's start in the new text and its range in the old.
struct Substituted {
    text: String,
    marker: char,
    calls: Vec<Call>,
    /// `(start in text, range in the original)`; a piece's whole range
    /// maps to its original start.
    segments: Vec<(usize, Range<usize>, bool)>,
}

impl Substituted {
    /// Replaces each piece of `text` by a placeholder (a call) or its text
    /// (a literal). `None` when every noncharacter of the block used for
    /// placeholders is in the text already.
    fn new(text: &str, pieces: Vec<Piece>) -> Option<Self> {
        let marker = ('\u{FDD0}'..='\u{FDEF}').find(|&c| !text.contains(c))?;
        let mut out = String::with_capacity(text.len());
        let mut segments = Vec::new();
        let mut calls = Vec::new();
        let mut copied = 0;
        for piece in pieces {
            let range = piece.range().clone();
            segments.push((out.len(), copied..range.start, false));
            out.push_str(&text[copied..range.start]);
            segments.push((out.len(), range.clone(), true));
            match piece {
                Piece::Call(call) => {
                    out.push(marker);
                    out.push_str(&calls.len().to_string());
                    out.push(marker);
                    calls.push(call);
                }
                Piece::Literal(_, literal) => out.push_str(&literal),
            }
            copied = range.end;
        }
        segments.push((out.len(), copied..text.len(), false));
        out.push_str(&text[copied..]);
        Some(Self {
            text: out,
            marker,
            calls,
            segments,
        })
    }

    /// The offset in the original text of `offset` in the new one.
    fn original(&self, offset: usize) -> usize {
        let index = self
            .segments
            .partition_point(|(start, _, _)| *start <= offset)
            .saturating_sub(1);
        let (start, range, piece) = &self.segments[index];
        if *piece {
            if offset > *start {
                range.end
            } else {
                range.start
            }
        } else {
            (range.start + (offset - start)).min(range.end)
        }
    }
}

impl State<'_> {
    /// Renders `text`, found at offset `base` of the body, inside `depth`
    /// shortcode bodies. Problems are recorded; the HTML is what could be
    /// rendered.
    fn fragment(&mut self, text: &str, base: usize, depth: usize) -> (String, Origins) {
        let events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(text, options())
            .into_offset_iter()
            .collect();
        for (offset, violation) in check_raw_html(text, &events) {
            self.problem(base + offset, ProblemKind::RawHtml(violation));
        }
        let code = code_ranges(&events);
        let pieces = match shortcodes::scan(text, &code) {
            Ok(pieces) => pieces,
            Err(found) => {
                for (offset, problem) in found {
                    self.problem(base + offset, ProblemKind::Shortcode(problem));
                }
                return (String::new(), Origins::default());
            }
        };
        if pieces.is_empty() {
            let events = events
                .into_iter()
                .map(|(event, range)| (event, base + range.start..base + range.end))
                .collect();
            return self.finish(text.len(), events, None, base, depth);
        }
        drop(events);
        let Some(substituted) = Substituted::new(text, pieces) else {
            self.problem(
                base,
                ProblemKind::Shortcode(ShortcodeError::Syntax(
                    "the text holds every noncharacter U+FDD0 to U+FDEF".to_string(),
                )),
            );
            return (String::new(), Origins::default());
        };
        let events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(&substituted.text, options())
            .into_offset_iter()
            .map(|(event, range)| {
                let start = base + substituted.original(range.start);
                let end = (base + substituted.original(range.end)).max(start);
                (event, start..end)
            })
            .collect();
        self.finish(text.len(), events, Some((&substituted, text)), base, depth)
    }

    /// Fingerprints, transforms and writes the events of one text.
    fn finish<'a>(
        &mut self,
        length: usize,
        events: Vec<(Event<'a>, Range<usize>)>,
        calls: Option<(&Substituted, &str)>,
        base: usize,
        depth: usize,
    ) -> (String, Origins) {
        let events =
            fingerprint_references(events, self.settings.assets, &mut self.rewrite_problems);
        let events = match calls {
            Some((substituted, text)) => self.expand_calls(events, substituted, text, base, depth),
            None => events,
        };
        let events = self.images(events);
        let events = tables::label_cells(self.transform(events));
        write_html(length, events)
    }

    /// Replaces every placeholder by its shortcode's output.
    fn expand_calls<'a>(
        &mut self,
        events: Vec<(Event<'a>, Range<usize>)>,
        substituted: &Substituted,
        text: &str,
        base: usize,
        depth: usize,
    ) -> Vec<(Event<'a>, Range<usize>)> {
        let marker = substituted.marker;
        let events = merge_text(events);
        let mut out = Vec::with_capacity(events.len());
        let mut image_depth = 0usize;
        let mut index = 0;
        while index < events.len() {
            let (event, range) = &events[index];
            // A paragraph of calls and nothing else, one or more lines of
            // them, is a run of blocks: the calls' output replaces it.
            if matches!(event, Event::Start(Tag::Paragraph))
                && let Some((calls, end)) = calls_alone(&events[index + 1..], marker)
            {
                for call in calls.into_iter().filter(|&c| c < substituted.calls.len()) {
                    let html = self.expand(substituted, call, text, base, depth);
                    let at = base + substituted.calls[call].range.start;
                    out.push((Event::Html(html.into()), at..at));
                }
                index += 1 + end + 1;
                continue;
            }
            match event {
                Event::Start(Tag::Image { .. }) => image_depth += 1,
                Event::End(TagEnd::Image) => image_depth = image_depth.saturating_sub(1),
                _ => {}
            }
            match event {
                Event::Text(inner) if inner.contains(marker) && image_depth == 0 => {
                    let mut parts = inner.split(marker);
                    let mut outside = true;
                    let mut broken = false;
                    let mut pieces: Vec<(Event<'a>, Range<usize>)> = Vec::new();
                    if let Some(first) = parts.next()
                        && !first.is_empty()
                    {
                        pieces.push((Event::Text(first.to_string().into()), range.clone()));
                    }
                    for part in parts {
                        outside = !outside;
                        if outside {
                            if !part.is_empty() {
                                pieces.push((Event::Text(part.to_string().into()), range.clone()));
                            }
                            continue;
                        }
                        match part
                            .parse::<usize>()
                            .ok()
                            .filter(|&i| i < substituted.calls.len())
                        {
                            Some(call) => {
                                let html = self.expand(substituted, call, text, base, depth);
                                let at = base + substituted.calls[call].range.start;
                                pieces.push((Event::InlineHtml(html.into()), at..at));
                            }
                            None => broken = true,
                        }
                    }
                    if broken || !outside {
                        // A placeholder split between events: cannot be
                        // placed safely.
                        self.misplaced(inner, substituted, base, range.start);
                    }
                    out.extend(pieces);
                }
                other => {
                    if let Some(found) = marked_text(other, marker) {
                        self.misplaced(&found, substituted, base, range.start);
                    }
                    out.push((other.clone(), range.clone()));
                }
            }
            index += 1;
        }
        out
    }

    /// Records every call whose placeholder is in `found` as misplaced.
    fn misplaced(&mut self, found: &str, substituted: &Substituted, base: usize, fallback: usize) {
        let mut any = false;
        for part in found.split(substituted.marker).skip(1).step_by(2) {
            if let Some(call) = part
                .parse::<usize>()
                .ok()
                .and_then(|i| substituted.calls.get(i))
            {
                any = true;
                self.problem(
                    base + call.range.start,
                    ProblemKind::Shortcode(ShortcodeError::Misplaced(call.name.clone())),
                );
            }
        }
        if !any {
            self.problem(
                fallback,
                ProblemKind::Shortcode(ShortcodeError::Misplaced(String::new())),
            );
        }
    }

    /// Renders call number `index` of `substituted`, whose text lies at
    /// `base` of the body: its body first, as Markdown, then its template.
    /// Returns what to put in its place, empty when it failed.
    fn expand(
        &mut self,
        substituted: &Substituted,
        index: usize,
        text: &str,
        base: usize,
        depth: usize,
    ) -> String {
        let call = &substituted.calls[index];
        let at = base + call.range.start;
        self.calls += 1;
        if self.calls > shortcodes::MAX_CALLS_PER_PAGE {
            if self.calls == shortcodes::MAX_CALLS_PER_PAGE + 1 {
                self.problem(at, ProblemKind::Shortcode(ShortcodeError::TooMany));
            }
            return String::new();
        }
        if call.name == image_markup::SHORTCODE {
            return match image_shortcode(call, self.settings.assets) {
                Ok(html) => html,
                Err(problem) => {
                    self.problem(at, ProblemKind::Image(problem));
                    String::new()
                }
            };
        }
        let Some(templates) = self.settings.templates.filter(|_| !self.exhausted) else {
            return String::new();
        };
        let template = format!("{SHORTCODES_DIR}/{}", call.name);
        if !templates.has(&template) {
            let known = self
                .known
                .get_or_insert_with(|| templates.names_in(SHORTCODES_DIR))
                .clone();
            self.problem(
                at,
                ProblemKind::Shortcode(ShortcodeError::Unknown {
                    name: call.name.clone(),
                    known,
                }),
            );
            return String::new();
        }
        let mut context = tera::Context::new();
        for (name, value) in &call.args {
            context.insert(name.clone(), &value.to_json());
        }
        let nth = self.nth.entry(call.name.clone()).or_insert(0);
        *nth += 1;
        context.insert("nth", &*nth);
        if call.name == PROMISES_SHORTCODE
            && let Some(evidence) = self.settings.evidence
        {
            context.insert("evidence", evidence);
        }
        if let Some(body) = &call.body {
            if depth >= shortcodes::MAX_NESTING {
                self.problem(at, ProblemKind::Shortcode(ShortcodeError::TooDeep));
                return String::new();
            }
            let (html, _) = self.fragment(&text[body.clone()], base + body.start, depth + 1);
            context.insert("body", &html);
        }
        let line =
            self.settings.body_line + self.body[..at.min(self.body.len())].matches('\n').count();
        let page = format!(
            "{}:{line} (shortcode `{}`)",
            self.settings.source, call.name
        );
        match templates.render_within(&template, &context, &page, &mut self.budget) {
            Ok(html) => rewrite_fragment(html, self.settings.assets, &mut self.rewrite_problems),
            Err(error) => {
                self.exhausted = matches!(error, Error::TemplateLimit { .. });
                self.problem(at, ProblemKind::Template(Box::new(error)));
                String::new()
            }
        }
    }

    fn problem(&mut self, offset: usize, kind: ProblemKind) {
        self.problems.push(Problem { offset, kind });
    }
}

/// The byte ranges of code spans and code blocks, in order.
fn code_ranges(events: &[(Event<'_>, Range<usize>)]) -> Vec<Range<usize>> {
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for (event, range) in events {
        if matches!(event, Event::Code(_) | Event::Start(Tag::CodeBlock(_))) {
            // A code block's start event spans the whole block.
            match ranges.last() {
                Some(last) if last.end >= range.end => {}
                _ => ranges.push(range.clone()),
            }
        }
    }
    ranges
}

/// Joins adjacent text events, so a placeholder is never split between
/// two of them.
fn merge_text<'a>(events: Vec<(Event<'a>, Range<usize>)>) -> Vec<(Event<'a>, Range<usize>)> {
    let mut out: Vec<(Event<'a>, Range<usize>)> = Vec::with_capacity(events.len());
    for (event, range) in events {
        if let Event::Text(text) = &event
            && let Some((Event::Text(previous), previous_range)) = out.last_mut()
        {
            let mut joined = previous.to_string();
            joined.push_str(text);
            *previous = joined.into();
            previous_range.end = previous_range.end.max(range.end);
            continue;
        }
        out.push((event, range));
    }
    out
}

/// When the events of a paragraph (after its start) hold only
/// placeholders, spaces and line breaks up to its end: the call numbers,
/// and the index of the paragraph's end.
fn calls_alone(events: &[(Event<'_>, Range<usize>)], marker: char) -> Option<(Vec<usize>, usize)> {
    let mut calls = Vec::new();
    for (index, (event, _)) in events.iter().enumerate() {
        match event {
            Event::End(TagEnd::Paragraph) => return (!calls.is_empty()).then_some((calls, index)),
            Event::SoftBreak | Event::HardBreak => {}
            Event::Text(text) => {
                let mut parts = text.split(marker);
                let mut outside = true;
                if !parts.next().is_some_and(|first| first.trim().is_empty()) {
                    return None;
                }
                for part in parts {
                    outside = !outside;
                    if outside {
                        if !part.trim().is_empty() {
                            return None;
                        }
                    } else {
                        calls.push(part.parse().ok()?);
                    }
                }
                if !outside {
                    return None;
                }
            }
            _ => return None,
        }
    }
    None
}

/// The text of an event (other than a text event) that holds `marker`:
/// raw HTML, code, and the destinations, titles and attributes of links,
/// images, headings and code blocks.
fn marked_text(event: &Event<'_>, marker: char) -> Option<String> {
    let mut texts: Vec<&str> = Vec::new();
    match event {
        Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => texts.push(t),
        Event::FootnoteReference(t) => texts.push(t),
        Event::Start(Tag::Link {
            dest_url,
            title,
            id,
            ..
        })
        | Event::Start(Tag::Image {
            dest_url,
            title,
            id,
            ..
        }) => texts.extend([dest_url.as_ref(), title.as_ref(), id.as_ref()]),
        Event::Start(Tag::Heading {
            id, classes, attrs, ..
        }) => {
            texts.extend(id.as_deref());
            texts.extend(classes.iter().map(|c| c.as_ref()));
            for (name, value) in attrs {
                texts.push(name);
                texts.extend(value.as_deref());
            }
        }
        Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => texts.push(info),
        Event::Start(Tag::FootnoteDefinition(label)) => texts.push(label),
        _ => {}
    }
    let found: Vec<&str> = texts.into_iter().filter(|t| t.contains(marker)).collect();
    (!found.is_empty()).then(|| found.concat())
}

/// The built-in `image` shortcode: `{{ image(src="/img/a.png", alt="…") }}`,
/// with the arguments of the `image()` template function.
fn image_shortcode(call: &Call, assets: &AssetMap) -> Result<String, UseProblem> {
    use shortcodes::Value;
    if call.body.is_some() {
        return Err(UseProblem::Argument(
            "the `image` shortcode takes no body: write `{{ image(…) }}`".to_string(),
        ));
    }
    let mut request = image_markup::Request::default();
    let mut has_src = false;
    for (name, value) in &call.args {
        let text = || match value {
            Value::String(text) => Ok(text.clone()),
            _ => Err(UseProblem::Argument(format!(
                "image argument `{name}` takes a quoted string"
            ))),
        };
        match name.as_str() {
            "src" => {
                request.src = text()?;
                has_src = true;
            }
            "alt" => request.alt = Some(text()?),
            "sizes" => request.sizes = Some(text()?),
            "class" => request.class = Some(text()?),
            "loading" => request.loading = Some(text()?),
            "decorative" => match value {
                Value::Bool(flag) => request.decorative = *flag,
                _ => {
                    return Err(UseProblem::Argument(
                        "image argument `decorative` takes `true` or `false`".to_string(),
                    ));
                }
            },
            other => {
                return Err(UseProblem::Argument(format!(
                    "the `image` shortcode takes no argument `{other}` (it takes: {})",
                    image_markup::ARGUMENTS.join(", ")
                )));
            }
        }
    }
    if !has_src {
        return Err(UseProblem::Argument(
            "the `image` shortcode needs `src`, the site path of a file under static/".to_string(),
        ));
    }
    image_markup::html(assets, &request)
}

/// The plain text of the events inside an image, as its alt text.
fn alt_text(events: &[(Event<'_>, Range<usize>)]) -> String {
    let mut alt = String::new();
    for (event, _) in events {
        match event {
            Event::Text(text) | Event::Code(text) => alt.push_str(text),
            Event::SoftBreak | Event::HardBreak => alt.push(' '),
            _ => {}
        }
    }
    alt
}

impl State<'_> {
    /// Writes each Markdown image as the image pipeline's HTML, with its
    /// size and variants; an image without alt text (unless marked
    /// decorative) or outside `static/` is a problem at the image.
    fn images<'a>(
        &mut self,
        events: Vec<(Event<'a>, Range<usize>)>,
    ) -> Vec<(Event<'a>, Range<usize>)> {
        if !events
            .iter()
            .any(|(event, _)| matches!(event, Event::Start(Tag::Image { .. })))
        {
            return events;
        }
        let mut out = Vec::with_capacity(events.len());
        let mut events = events.into_iter();
        while let Some((event, range)) = events.next() {
            let Event::Start(Tag::Image {
                dest_url, title, ..
            }) = &event
            else {
                out.push((event, range));
                continue;
            };
            // The image's text runs to its end; an image inside it (in
            // `![a ![b](c)](d)`) counts as text, as CommonMark reads it.
            let mut inner = Vec::new();
            let mut depth = 1usize;
            for (event, range) in events.by_ref() {
                match event {
                    Event::Start(Tag::Image { .. }) => depth += 1,
                    Event::End(TagEnd::Image) => depth -= 1,
                    _ => {}
                }
                inner.push((event, range));
                if depth == 0 {
                    break;
                }
            }
            let alt = alt_text(&inner);
            match image_markup::markdown_image(self.settings.assets, dest_url, title, &alt) {
                Ok(Some(html)) => out.push((Event::InlineHtml(html.into()), range)),
                result => {
                    if let Err(problem) = result {
                        self.problem(range.start, ProblemKind::Image(problem));
                    }
                    out.push((event, range));
                    out.extend(inner);
                }
            }
        }
        out
    }

    /// Gives headings their ids and anchors and highlights code, in
    /// document order.
    fn transform<'a>(
        &mut self,
        events: Vec<(Event<'a>, Range<usize>)>,
    ) -> Vec<(Event<'a>, Range<usize>)> {
        let mut out = Vec::with_capacity(events.len());
        let mut events = events.into_iter().peekable();
        let mut anchor: Option<String> = None;
        while let Some((event, range)) = events.next() {
            match event {
                Event::Start(Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs,
                }) => {
                    for problem in headings::check_attributes(level, &attrs) {
                        self.problem(range.start, ProblemKind::Heading(problem));
                    }
                    // The heading's text comes from the events up to its
                    // end, which are moved out unchanged.
                    let mut inner = Vec::new();
                    let mut text = String::new();
                    for (event, range) in events.by_ref() {
                        let end = matches!(event, Event::End(TagEnd::Heading(_)));
                        if let Event::Text(t) | Event::Code(t) = &event {
                            text.push_str(t);
                        }
                        inner.push((event, range));
                        if end {
                            break;
                        }
                    }
                    let id = match self.headings.add(level, id.as_deref(), &text, range.start) {
                        Ok(id) => Some(CowStr::from(id)),
                        Err(problem) => {
                            self.problem(range.start, ProblemKind::Heading(problem));
                            id
                        }
                    };
                    if self.settings.heading_anchors {
                        anchor = id.as_ref().map(|id| headings::anchor_html(id));
                    }
                    out.push((
                        Event::Start(Tag::Heading {
                            level,
                            id,
                            classes,
                            attrs,
                        }),
                        range,
                    ));
                    for (event, range) in inner {
                        if matches!(event, Event::End(TagEnd::Heading(_)))
                            && let Some(link) = anchor.take()
                        {
                            out.push((Event::InlineHtml(link.into()), range.clone()));
                        }
                        out.push((event, range));
                    }
                }
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                    let Some(language) = highlight::language(&info) else {
                        out.push((
                            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))),
                            range,
                        ));
                        continue;
                    };
                    let mut inner = Vec::new();
                    let mut code = String::new();
                    for (event, range) in events.by_ref() {
                        let end = matches!(event, Event::End(TagEnd::CodeBlock));
                        if let Event::Text(t) = &event {
                            code.push_str(t);
                        }
                        inner.push((event, range));
                        if end {
                            break;
                        }
                    }
                    match highlight::highlight(language, &code) {
                        Some(html) => {
                            self.highlighted = true;
                            out.push((Event::Html(html.into()), range));
                        }
                        None => {
                            out.push((
                                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))),
                                range,
                            ));
                            out.extend(inner);
                        }
                    }
                }
                other => out.push((other, range)),
            }
        }
        out
    }
}

/// A `String` writer that publishes its length as it grows.
struct CountingWriter<'a> {
    out: &'a mut String,
    written: &'a Cell<usize>,
}

impl std::fmt::Write for CountingWriter<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.out.push_str(text);
        self.written.set(self.out.len());
        Ok(())
    }
}

/// Rewrites image and link destinations and raw HTML (each HTML block as a
/// whole, so tags split over lines are understood).
fn fingerprint_references<'a>(
    mut events: Vec<(Event<'a>, Range<usize>)>,
    assets: &AssetMap,
    problems: &mut Vec<RewriteProblem>,
) -> Vec<(Event<'a>, Range<usize>)> {
    // Without an HTML block every event stands for itself, and is
    // rewritten where it is rather than moved into a new list.
    if !events
        .iter()
        .any(|(event, _)| matches!(event, Event::Start(Tag::HtmlBlock)))
    {
        for (event, _) in &mut events {
            let taken = std::mem::replace(event, Event::SoftBreak);
            *event = fingerprint_event(taken, assets, problems);
        }
        return events;
    }
    let mut out = Vec::with_capacity(events.len());
    let mut block: Option<(String, Range<usize>)> = None;
    for (event, range) in events {
        let event = match event {
            Event::Start(Tag::HtmlBlock) => {
                block = Some((String::new(), range.clone()));
                Event::Start(Tag::HtmlBlock)
            }
            Event::Html(text) if block.is_some() => {
                if let Some((block, _)) = block.as_mut() {
                    block.push_str(&text);
                }
                continue;
            }
            Event::End(TagEnd::HtmlBlock) => {
                if let Some((text, start)) = block.take() {
                    // The block's lines keep their breaks when rewritten,
                    // so its output maps line by line to its source.
                    let html = rewrite_fragment(text, assets, problems);
                    out.push((Event::Html(html.into()), start));
                }
                Event::End(TagEnd::HtmlBlock)
            }
            other => fingerprint_event(other, assets, problems),
        };
        out.push((event, range));
    }
    out
}

/// One event outside an HTML block with its destinations and raw HTML
/// rewritten.
fn fingerprint_event<'a>(
    mut event: Event<'a>,
    assets: &AssetMap,
    problems: &mut Vec<RewriteProblem>,
) -> Event<'a> {
    match &mut event {
        Event::Html(text) | Event::InlineHtml(text) => {
            let html = std::mem::replace(text, CowStr::Borrowed(""));
            *text = rewrite_fragment(html.into_string(), assets, problems).into();
        }
        Event::Start(Tag::Image { dest_url, .. } | Tag::Link { dest_url, .. }) => {
            let dest = std::mem::replace(dest_url, CowStr::Borrowed(""));
            *dest_url = rewrite_destination(dest, assets, problems);
        }
        _ => {}
    }
    event
}

fn rewrite_destination<'a>(
    dest: CowStr<'a>,
    assets: &AssetMap,
    problems: &mut Vec<RewriteProblem>,
) -> CowStr<'a> {
    match lookup(&dest, assets, problems) {
        Some((url, _)) => CowStr::from(url),
        None => dest,
    }
}

fn rewrite_fragment(html: String, assets: &AssetMap, problems: &mut Vec<RewriteProblem>) -> String {
    if !html.contains('<') {
        return html;
    }
    match rewrite_page(&html, assets) {
        Ok(rewritten) => rewritten,
        Err(found) => {
            problems.extend(found);
            html
        }
    }
}

/// Inspects raw HTML. Block HTML arrives as one event per line, so the
/// lines of one block are joined before tokenising: a tag split over lines
/// must not slip through. Returns each violation with its body offset.
fn check_raw_html(
    body: &str,
    events: &[(Event<'_>, Range<usize>)],
) -> Vec<(usize, RawHtmlViolation)> {
    let mut violations = Vec::new();
    let mut block: Option<Range<usize>> = None;
    for (event, range) in events {
        match event {
            Event::Start(Tag::HtmlBlock) => block = Some(range.start..range.start),
            Event::Html(_) => {
                if let Some(block) = block.as_mut() {
                    block.end = block.end.max(range.end);
                } else {
                    inspect_at(&body[range.clone()], range.start, &mut violations);
                }
            }
            Event::End(TagEnd::HtmlBlock) => {
                if let Some(block) = block.take() {
                    inspect_at(&body[block.clone()], block.start, &mut violations);
                }
            }
            Event::InlineHtml(_) => {
                inspect_at(&body[range.clone()], range.start, &mut violations);
            }
            _ => {}
        }
    }
    violations
}

fn inspect_at(html: &str, base: usize, violations: &mut Vec<(usize, RawHtmlViolation)>) {
    violations.extend(
        raw_html::inspect(html)
            .into_iter()
            .map(|(offset, violation)| (base + offset, violation)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_with(body: &str, anchors: bool) -> Result<Rendered, Vec<Problem>> {
        let assets = AssetMap::default();
        let settings = Settings {
            heading_anchors: anchors,
            ..Settings::new(&assets)
        };
        render(body, &settings)
    }

    fn render_plain(body: &str) -> String {
        let rendered = render_with(body, false).unwrap();
        assert!(rendered.problems.is_empty());
        rendered.html
    }

    #[test]
    fn static_references_are_fingerprinted_and_missing_ones_reported() {
        let mut assets = AssetMap::from_sources(vec![(
            "/img/a.png".into(),
            crate::images::raster::tests::png(4, 3),
        )])
        .unwrap();
        crate::images::process(
            &mut assets,
            &crate::images::ImagesConfig::default(),
            &crate::images::cache::Cache::disabled(),
        )
        .unwrap();
        let url = assets.get("/img/a.png").unwrap().url.clone();
        let rendered = render(
            "![a](/img/a.png) [get](/img/a.png#x) [page](/pricing/)\n\n<div>\n<img\n  src=\"/img/a.png\">\n</div>\n\n![b](/img/none.png)\n",
            &Settings::new(&assets),
        )
        .unwrap();
        assert!(
            rendered.html.contains(&format!(
                "<img src=\"{url}\" width=\"4\" height=\"3\" alt=\"a\""
            )),
            "{}",
            rendered.html
        );
        assert!(
            rendered.html.contains(&format!("href=\"{url}#x\"")),
            "{}",
            rendered.html
        );
        assert!(rendered.html.contains("href=\"/pricing/\""));
        assert!(
            rendered.html.contains(&format!("src=\"{url}\">")),
            "{}",
            rendered.html
        );
        assert_eq!(
            rendered.problems,
            [RewriteProblem::MissingAsset("/img/none.png".into())]
        );
    }

    #[test]
    fn renders_extensions_and_heading_ids() {
        let html = render_plain(
            "# Hello, World\n\n## Hello world {#again}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ note[^1]\n\n[^1]: foot\n\n### Custom `code` {#mine .wide}\n",
        );
        assert!(html.contains("<h1 id=\"hello-world\">"), "{html}");
        assert!(html.contains("<h2 id=\"again\">"), "{html}");
        assert!(html.contains("<h3 id=\"mine\" class=\"wide\">"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<del>old</del>"), "{html}");
        assert!(html.contains("footnote-definition"), "{html}");
    }

    #[test]
    fn duplicate_heading_ids_name_both_headings() {
        let body = "## Setup\n\ntext\n\n## Setup!\n\n## Other {#setup}\n";
        let problems = render_with(body, false).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        for (problem, at) in problems.iter().zip(["## Setup!", "## Other"]) {
            assert_eq!(&body[problem.offset..][..at.len()], at);
            assert_eq!(
                problem.kind,
                ProblemKind::Heading(HeadingProblem::DuplicateId {
                    id: "setup".to_string(),
                    first: 0
                })
            );
        }
        // An explicit id on the second heading resolves it.
        assert!(render_with("## Setup\n\n## Setup {#setup-again}\n", false).is_ok());
    }

    #[test]
    fn heading_attributes_that_run_script_or_style_are_refused() {
        let body = "# Title {onclick=alert(1)}\n\n## Two {style=\"color:red\" data-ok=1}\n";
        let problems = render_with(body, false).unwrap_err();
        let kinds: Vec<_> = problems.into_iter().map(|p| (p.offset, p.kind)).collect();
        assert_eq!(
            kinds,
            [
                (
                    0,
                    ProblemKind::Heading(HeadingProblem::Attribute(
                        RawHtmlViolation::EventHandler("onclick".to_string())
                    ))
                ),
                (
                    body.find("## Two").unwrap(),
                    ProblemKind::Heading(HeadingProblem::Attribute(
                        RawHtmlViolation::StyleAttribute
                    ))
                ),
            ]
        );
    }

    #[test]
    fn anchors_and_toc() {
        let rendered = render_with(
            "# Guide\n\n## Install *now*\n\n### On `linux`\n\n## Use\n",
            true,
        )
        .unwrap();
        insta::assert_snapshot!(rendered.html);
        insta::assert_json_snapshot!(rendered.toc);
        assert!(!rendered.html.contains("style"));
    }

    #[test]
    fn fenced_code_is_highlighted_by_class_and_unknown_languages_stay_plain() {
        let rendered = render_with(
            "```json\n{\"email\": \"a@b.example\"}\n```\n\n```klingon\n<b>qapla'</b>\n```\n\n```\nplain\n```\n\n    indented\n",
            false,
        )
        .unwrap();
        assert!(rendered.highlighted);
        insta::assert_snapshot!(rendered.html);
        assert!(!rendered.html.contains("style="));
        assert!(
            rendered
                .html
                .contains("<pre><code class=\"language-klingon\">&lt;b&gt;")
        );
        let plain = render_with("```\nx\n```\n", false).unwrap();
        assert!(!plain.highlighted);
    }

    fn shortcode_templates() -> Templates {
        let list = [
            (
                "shortcodes/note.html",
                "<aside class=\"note note--{{ kind }}\">{{ body | safe }}</aside>",
            ),
            (
                "shortcodes/badge.html",
                "<span class=\"badge\">{{ text }} #{{ nth }}</span>",
            ),
            (
                "shortcodes/wrap.html",
                "<div class=\"wrap\">\n\n{{ body | safe }}\n\n</div>",
            ),
            ("shortcodes/handler.html", "<b onclick=\"{{ code }}\">x</b>"),
            ("shortcodes/half.html", "<img src=x {{ rest }}"),
            (
                "shortcodes/styled.html",
                "<p style=\"color: red\">{{ text }}</p>",
            ),
            ("shortcodes/link.html", "<a href=\"{{ to }}\">go</a>"),
            ("shortcodes/needs.html", "{{ missing }}"),
            (
                "shortcodes/spin.html",
                "{% for i in range(end=1000) %}{% for j in range(end=90) %}{% endfor %}{% endfor %}",
            ),
        ];
        let sources: Vec<(String, String)> = list
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        Templates::from_sources(&sources).unwrap()
    }

    fn render_shortcodes(body: &str) -> Result<Rendered, Vec<Problem>> {
        let assets = AssetMap::default();
        let templates = shortcode_templates();
        let settings = Settings {
            templates: Some(&templates),
            source: "content/a.md",
            body_line: 4,
            ..Settings::new(&assets)
        };
        render(body, &settings)
    }

    fn shortcode_problems(body: &str) -> Vec<(usize, String)> {
        render_shortcodes(body)
            .unwrap_err()
            .into_iter()
            .map(|problem| {
                let text = match problem.kind {
                    ProblemKind::Shortcode(e) => e.to_string(),
                    ProblemKind::ShortcodeOutput { name, violation } => {
                        format!("{name}: {violation}")
                    }
                    ProblemKind::Template(e) => e.to_string(),
                    other => format!("{other:?}"),
                };
                (problem.offset, text)
            })
            .collect()
    }

    #[test]
    fn shortcodes_render_inline_and_as_blocks_with_markdown_bodies() {
        let body = "# Top\n\nText {{ badge(text=\"new\") }} and {{ badge(text='<b>') }}.\n\n{% note(kind=\"tip\") %}\n## Inside *the* note\n\n- one\n- two\n{% end %}\n\n{% wrap() %}\n{% note(kind=\"a\") %}x{% end %}\n{% note(kind=\"b\") %}y{% end %}\n{% end %}\n\n## After\n\n`{{ badge(text=\"code\") }}` {{/* badge(text=\"lit\") */}}\n\n```\n{% note() %}\n```\n";
        let rendered = render_shortcodes(body).unwrap();
        insta::assert_snapshot!(rendered.html);
        let ids: Vec<&str> = rendered.toc[0]
            .children
            .iter()
            .map(|e| e.id.as_str())
            .collect();
        assert_eq!(ids, ["inside-the-note", "after"]);
        // The output traces to the call that wrote it.
        let at = rendered
            .html
            .find("<aside class=\"note note--tip\">")
            .unwrap();
        let (origin, _) = rendered.origins.find(&rendered.html, at).unwrap();
        assert_eq!(origin, body.find("{% note(kind=\"tip\")").unwrap());
    }

    #[test]
    fn shortcode_output_is_held_to_the_raw_html_policy() {
        let body = "a\n\n{{ handler(code=\"alert(1)\") }}\n\nb {{ styled(text=\"x\") }}\n\n{{ link(to=\"javascript:alert(1)\") }}\n";
        let problems = shortcode_problems(body);
        assert_eq!(
            problems,
            [
                (
                    3,
                    "handler: contains an event handler attribute `onclick`".to_string()
                ),
                (
                    body.find("{{ styled").unwrap(),
                    "styled: contains an inline `style` attribute".to_string()
                ),
                (
                    body.find("{{ link").unwrap(),
                    "link: contains a javascript: URL in attribute `href`".to_string()
                ),
            ]
        );
        // Half a tag, finished by what follows, is judged whole.
        let problems = shortcode_problems("{{ half(rest=\"onerror\") }}=alert(1)>\n");
        assert!(
            problems.iter().any(|(_, p)| p.contains("onerror")),
            "{problems:?}"
        );
    }

    #[test]
    fn shortcodes_cannot_build_tags_or_links() {
        let body = "<div title=\"{{ badge(text=1) }}\">\n</div>\n\nx <span title=\"{{ badge(text=2) }}\">y</span>\n\n[go]({{ badge(text=3) }})\n\n![{{ badge(text=4) }}](/i.png)\n";
        let problems = shortcode_problems(body);
        let offsets: Vec<usize> = problems.iter().map(|(offset, _)| *offset).collect();
        let expected: Vec<usize> = body.match_indices("{{ badge").map(|(at, _)| at).collect();
        assert_eq!(offsets, expected, "{problems:?}");
        assert!(
            problems
                .iter()
                .all(|(_, p)| p.contains("called where its output cannot go"))
        );
    }

    #[test]
    fn shortcode_errors_name_the_call() {
        let problems = shortcode_problems("x\n\n{{ nope(a=1) }}\n");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, 3);
        assert!(problems[0].1.contains("unknown shortcode `nope` (known: badge, half, handler, link, needs, note, spin, styled, wrap)"), "{problems:?}");
        let problems = shortcode_problems("x\n\n{{ badge(text=) }}\n");
        assert_eq!(problems[0].0, 17);
        assert!(
            problems[0].1.contains("expected a quoted string"),
            "{problems:?}"
        );
        let problems = shortcode_problems("one\n\ntwo {{ needs() }}\n");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, 9);
        assert!(
            problems[0]
                .1
                .starts_with("templates/shortcodes/needs.html:1:")
                && problems[0]
                    .1
                    .contains("while rendering content/a.md:6 (shortcode `needs`)"),
            "{}",
            problems[0].1
        );
    }

    #[test]
    fn shortcodes_draw_on_the_page_budget() {
        // One call takes 1,000 + 90,000 steps; the page's template renders
        // with what is left, and a page of many calls stops at the budget.
        let rendered = render_shortcodes("{{ spin() }}\n").unwrap();
        assert_ne!(rendered.budget, Budget::default());
        // The second call passes the page's 100,000 elements of range();
        // the calls after it are not tried.
        let problems = shortcode_problems(&"{{ spin() }}\n\n".repeat(5));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, 14);
        assert!(
            problems[0]
                .1
                .contains("more than 100000 elements for one page"),
            "{}",
            problems[0].1
        );
    }

    #[test]
    fn plain_text_uses_see_bodies_without_calls() {
        assert_eq!(
            without_shortcodes(
                "A {{ badge(text=\"x\") }} b.\n\n{% note(kind=\"k\") %}\nInside {{ badge(text=1) }}.\n{% end %}\n`{{ kept() }}` {{/* lit() */}}"
            ),
            "A  b.\n\n\n\nInside .\n\n\n`{{ kept() }}` {{ lit() }}"
        );
        assert_eq!(without_shortcodes("{{ broken(x) }}"), "{{ broken(x) }}");
    }

    #[test]
    fn raw_html_violations_carry_body_offsets() {
        let body = "Intro\n\n<div\n  onclick=\"x()\">\n</div>\n\nText <span style=\"a\">s</span>\n";
        let problems = render_with(body, false).unwrap_err();
        assert_eq!(problems.len(), 2);
        assert_eq!(&body[problems[0].offset..][..7], "onclick");
        assert_eq!(&body[problems[1].offset..][..5], "style");
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;
        use proptest::test_runner::Config;

        fn config() -> Config {
            crate::proptest_config::config(256)
        }

        /// The HTML without the ids the build gives headings.
        fn without_heading_ids(html: &str) -> String {
            let mut out = String::with_capacity(html.len());
            let mut rest = html;
            while let Some(at) = rest.find(" id=\"") {
                let (before, after) = rest.split_at(at);
                out.push_str(before);
                let heading = before.len() >= 3 && before[before.len() - 3..].starts_with("<h");
                let end = after[5..].find('"').map_or(after.len(), |end| 5 + end + 1);
                if !heading {
                    out.push_str(&after[..end]);
                }
                rest = &after[end..];
            }
            out.push_str(rest);
            out
        }

        fn markdown(pieces: &'static [&'static str]) -> impl Strategy<Value = String> {
            prop::collection::vec(prop::sample::select(pieces), 0..40).prop_map(|p| p.concat())
        }

        const PLAIN: &[&str] = &[
            "word", " ", "\n", "\n\n", "*", "_", "[a](/b)", "- ", "1. ", "> ", "|", "    ", "`",
            "<span>", "</span>", "&amp;", "}", "%", "{", "(x)", "é",
        ];
        const WITH_CALLS: &[&str] = &[
            "word",
            " ",
            "\n",
            "\n\n",
            "*",
            "`",
            "```\n",
            "    ",
            "<div>",
            "</div>",
            "[",
            "](",
            ")",
            "{{ badge(text=\"t\") }}",
            "{% note(kind=\"k\") %}",
            "{% end %}",
            "{{ wrap() }}",
            "{{/* x() */}}",
            "{{",
            "{%",
            "# ",
            "\"",
            "!",
            "}}",
        ];

        proptest! {
            #![proptest_config(config())]

            /// Markdown without a call renders exactly as pulldown-cmark
            /// renders it, with its table cells labelled.
            #[test]
            fn fuzz_text_without_calls_renders_unchanged(text in markdown(PLAIN)) {
                prop_assume!(!text.contains("{{") && !text.contains("{%"));
                if let Ok(rendered) = render_shortcodes(&text) {
                    let mut plain = String::new();
                    let events = Parser::new_ext(&text, options()).into_offset_iter().collect();
                    html::push_html(
                        &mut plain,
                        tables::label_cells(events).into_iter().map(|(event, _)| event),
                    );
                    prop_assert_eq!(without_heading_ids(&rendered.html), plain);
                }
            }

            /// Any mix of calls, code and HTML renders or fails without
            /// panicking, with problems inside the text, and no placeholder
            /// ever reaches the output.
            #[test]
            fn fuzz_calls_never_panic(text in markdown(WITH_CALLS)) {
                match render_shortcodes(&text) {
                    Ok(rendered) => prop_assert!(
                        !rendered.html.chars().any(|c| ('\u{FDD0}'..='\u{FDEF}').contains(&c)),
                        "{}", rendered.html
                    ),
                    Err(problems) => for problem in problems {
                        prop_assert!(problem.offset <= text.len());
                    },
                }
            }
        }
    }

    fn image_assets() -> AssetMap {
        use crate::images::raster::tests::png;
        let mut assets = AssetMap::from_sources(vec![
            ("/img/chart.png".to_string(), png(1200, 600)),
            (
                "/img/rule.svg".to_string(),
                b"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 400 8\"/>".to_vec(),
            ),
        ])
        .unwrap();
        crate::images::process(
            &mut assets,
            &crate::images::ImagesConfig::default(),
            &crate::images::cache::Cache::disabled(),
        )
        .unwrap();
        assets
    }

    fn render_images(body: &str) -> Result<Rendered, Vec<Problem>> {
        let assets = image_assets();
        let templates = shortcode_templates();
        let settings = Settings {
            templates: Some(&templates),
            source: "content/a.md",
            ..Settings::new(&assets)
        };
        render(body, &settings)
    }

    /// The rendered HTML with fingerprints replaced by `#`, so snapshots
    /// do not change with the encoder's bytes.
    fn without_fingerprints(html: &str) -> String {
        let mut out = String::with_capacity(html.len());
        let mut rest = html;
        while let Some(at) = rest.find("/assets/") {
            out.push_str(&rest[..at]);
            let url_end = rest[at..]
                .find(['"', ' ', ','])
                .map_or(rest.len(), |end| at + end);
            let url = &rest[at..url_end];
            let mut parts: Vec<&str> = url.split('.').collect();
            if parts.len() >= 3 {
                let hash = parts.len() - 2;
                parts[hash] = "#";
            }
            out.push_str(&parts.join("."));
            rest = &rest[url_end..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn markdown_images_and_the_image_shortcode_are_sized_with_variants() {
        let body = "Intro.\n\n![A chart of leads per week](/img/chart.png \"Leads\")\n\n{{ image(src=\"/img/chart.png\", alt=\"The same chart\", sizes=\"(min-width: 60rem) 40rem, 100vw\", class=\"wide\", loading=\"eager\") }}\n\nA rule: ![](/img/rule.svg \"decorative\") and {{ image(src=\"/img/rule.svg\", decorative=true) }}.\n";
        let rendered = render_images(body).unwrap();
        insta::assert_snapshot!(without_fingerprints(&rendered.html));
        assert!(!rendered.html.contains("style"));
        assert!(rendered.problems.is_empty(), "{:?}", rendered.problems);
        // Every URL written is a published asset.
        let assets = image_assets();
        let image = assets.image("/img/chart.png").unwrap();
        for candidate in image.candidates.iter().chain(&image.webp) {
            assert!(rendered.html.contains(&candidate.url), "{}", candidate.url);
            assert!(assets.get_by_url(&candidate.url).is_some());
        }
    }

    #[test]
    fn images_without_alt_or_outside_static_are_errors_at_the_image() {
        let body = "Text.\n\n![](/img/chart.png)\n\nx ![  ](/img/rule.svg \"Rule\")\n\n![Logo](https://cdn.example/logo.png)\n\n{{ image(src=\"/img/chart.png\") }}\n\n{{ image(src=\"/img/rule.svg\", alt=\"Rule\", decorative=true) }}\n\n{{ image(alt=\"x\") }} {{ image(src=\"/img/rule.svg\", alt=1) }} {{ image(src=\"/img/rule.svg\", alt=\"x\", width=3) }}\n";
        let problems: Vec<(usize, String)> = render_images(body)
            .unwrap_err()
            .into_iter()
            .map(|problem| match problem.kind {
                ProblemKind::Image(image) => (problem.offset, image.to_string()),
                other => panic!("{other:?}"),
            })
            .collect();
        let at = |text: &str| body.find(text).unwrap();
        let offsets: Vec<usize> = problems.iter().map(|(offset, _)| *offset).collect();
        assert_eq!(
            offsets,
            [
                at("![](/img/chart.png)"),
                at("![  ]"),
                at("![Logo]"),
                at("{{ image(src=\"/img/chart.png\") }}"),
                at("{{ image(src=\"/img/rule.svg\", alt=\"Rule\""),
                at("{{ image(alt="),
                at("{{ image(src=\"/img/rule.svg\", alt=1"),
                at("{{ image(src=\"/img/rule.svg\", alt=\"x\", width"),
            ],
            "{problems:#?}"
        );
        assert!(
            problems[0]
                .1
                .starts_with("image `/img/chart.png` has no alt text")
        );
        assert!(problems[2].1.contains("is not a file under static/"));
        assert!(problems[4].1.contains("marked decorative but has alt text"));
        assert!(problems[7].1.contains("takes no argument `width`"));
    }

    #[test]
    fn harmless_raw_html_is_kept() {
        let html = render_plain("<aside class=\"note\">Plain</aside>\n");
        assert!(html.contains("<aside class=\"note\">Plain</aside>"));
    }
}
