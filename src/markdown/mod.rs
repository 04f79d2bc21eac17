//! Markdown to HTML with pulldown-cmark: tables, footnotes, strikethrough
//! and heading attributes, plus the raw HTML policy of [`crate::raw_html`],
//! heading ids and the table of contents ([`headings`]) and syntax
//! highlighting by class ([`highlight`]).

pub mod headings;
pub mod highlight;

use std::cell::Cell;
use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd, html};

use crate::assets::AssetMap;
use crate::content::Page;
use crate::error::{Error, SourceSpot};
use crate::raw_html::{self, RawHtmlViolation};
use crate::rewrite::{RewriteProblem, lookup, rewrite_page};

use headings::{HeadingProblem, Headings, TocEntry};

/// What a page's Markdown is rendered with.
#[derive(Clone, Copy)]
pub struct Settings<'a> {
    /// The static files, to fingerprint references to them.
    pub assets: &'a AssetMap,
    /// Whether each heading ends with a `#` link to itself
    /// (`markdown.heading_anchors` in `site.yaml`).
    pub heading_anchors: bool,
}

impl<'a> Settings<'a> {
    /// Settings with every option off.
    pub fn new(assets: &'a AssetMap) -> Self {
        Self {
            assets,
            heading_anchors: false,
        }
    }
}

/// Something in a Markdown body that stops it from rendering, at a byte
/// offset of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Byte offset in the Markdown body where the problem starts.
    pub offset: usize,
    /// What is wrong.
    pub kind: ProblemKind,
}

/// What is wrong with a Markdown body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// Raw HTML that breaks the raw HTML policy.
    RawHtml(RawHtmlViolation),
    /// A heading whose id or attributes cannot be written.
    Heading(HeadingProblem),
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
/// HTML the policy refuses, headings that cannot be written), so an author
/// sees all of them at once.
///
/// Image and link destinations and raw HTML that name static files are
/// pointed at the fingerprinted URLs here, at the event level, so the page
/// around the content does not have to re-parse the content's HTML.
pub fn render(body: &str, settings: &Settings<'_>) -> Result<Rendered, Vec<Problem>> {
    let events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(body, options())
        .into_offset_iter()
        .collect();

    let mut problems: Vec<Problem> = check_raw_html(body, &events)
        .into_iter()
        .map(|(offset, violation)| Problem {
            offset,
            kind: ProblemKind::RawHtml(violation),
        })
        .collect();
    let mut rewrite_problems = Vec::new();
    let events = fingerprint_references(events, settings.assets, &mut rewrite_problems);
    let mut pass = Pass {
        settings,
        headings: Headings::default(),
        highlighted: false,
        problems: &mut problems,
    };
    let events = pass.transform(events);
    let (highlighted, headings) = (pass.highlighted, pass.headings);
    if !problems.is_empty() {
        problems.sort_by_key(|problem| problem.offset);
        return Err(problems);
    }

    let (html, origins) = write_html(body.len(), events);
    Ok(Rendered {
        html,
        problems: rewrite_problems,
        origins,
        toc: headings.toc(),
        highlighted,
    })
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

/// The pass over a page's events that gives headings their ids and
/// anchors and highlights code, in document order.
struct Pass<'s, 'p> {
    settings: &'s Settings<'s>,
    headings: Headings,
    highlighted: bool,
    problems: &'p mut Vec<Problem>,
}

impl Pass<'_, '_> {
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

    fn problem(&mut self, offset: usize, kind: ProblemKind) {
        self.problems.push(Problem { offset, kind });
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
    events: Vec<(Event<'a>, Range<usize>)>,
    assets: &AssetMap,
    problems: &mut Vec<RewriteProblem>,
) -> Vec<(Event<'a>, Range<usize>)> {
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
            Event::Html(text) => {
                let rewritten = rewrite_fragment(text.into_string(), assets, problems);
                Event::Html(rewritten.into())
            }
            Event::InlineHtml(text) => {
                let rewritten = rewrite_fragment(text.into_string(), assets, problems);
                Event::InlineHtml(rewritten.into())
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = rewrite_destination(dest_url, assets, problems);
                Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = rewrite_destination(dest_url, assets, problems);
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            other => other,
        };
        out.push((event, range));
    }
    out
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
        let assets = AssetMap::from_sources(vec![("/img/a.png".into(), b"png".to_vec())]).unwrap();
        let url = assets.get("/img/a.png").unwrap().url.clone();
        let rendered = render(
            "![a](/img/a.png) [get](/img/a.png#x) [page](/pricing/)\n\n<div>\n<img\n  src=\"/img/a.png\">\n</div>\n\n![b](/img/none.png)\n",
            &Settings::new(&assets),
        )
        .unwrap();
        assert!(
            rendered
                .html
                .contains(&format!("<img src=\"{url}\" alt=\"a\"")),
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
        let kinds: Vec<_> = problems
            .iter()
            .map(|p| (p.offset, p.kind.clone()))
            .collect();
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

    #[test]
    fn raw_html_violations_carry_body_offsets() {
        let body = "Intro\n\n<div\n  onclick=\"x()\">\n</div>\n\nText <span style=\"a\">s</span>\n";
        let problems = render_with(body, false).unwrap_err();
        assert_eq!(problems.len(), 2);
        assert_eq!(&body[problems[0].offset..][..7], "onclick");
        assert_eq!(&body[problems[1].offset..][..5], "style");
    }

    #[test]
    fn harmless_raw_html_is_kept() {
        let html = render_plain("<aside class=\"note\">Plain</aside>\n");
        assert!(html.contains("<aside class=\"note\">Plain</aside>"));
    }
}
