//! Markdown to HTML with pulldown-cmark: tables, footnotes, strikethrough
//! and heading ids, plus the raw HTML policy of [`crate::raw_html`].

use std::cell::Cell;
use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

use crate::assets::AssetMap;
use crate::raw_html::{self, RawHtmlViolation};
use crate::rewrite::{RewriteProblem, lookup, rewrite_page};

/// A raw HTML violation at a byte offset of the Markdown body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyViolation {
    /// Byte offset in the Markdown body where the offending HTML starts.
    pub offset: usize,
    /// What is wrong.
    pub violation: RawHtmlViolation,
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

/// Renders a Markdown body to HTML. Fails with every raw HTML violation
/// found, so an author sees all of them at once.
///
/// Image and link destinations and raw HTML that name static files are
/// pointed at the fingerprinted URLs here, at the event level, so the page
/// around the content does not have to re-parse the content's HTML.
pub fn render(body: &str, assets: &AssetMap) -> Result<Rendered, Vec<BodyViolation>> {
    let mut events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(body, options())
        .into_offset_iter()
        .collect();

    let violations = check_raw_html(body, &events);
    if !violations.is_empty() {
        return Err(violations);
    }
    assign_heading_ids(&mut events);
    let mut problems = Vec::new();
    let events = fingerprint_references(events, assets, &mut problems);

    let mut html = String::with_capacity(body.len() + body.len() / 2);
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
    Ok(Rendered {
        html,
        problems,
        origins,
    })
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
/// must not slip through.
fn check_raw_html(body: &str, events: &[(Event<'_>, Range<usize>)]) -> Vec<BodyViolation> {
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

fn inspect_at(html: &str, base: usize, violations: &mut Vec<BodyViolation>) {
    violations.extend(
        raw_html::inspect(html)
            .into_iter()
            .map(|(offset, violation)| BodyViolation {
                offset: base + offset,
                violation,
            }),
    );
}

/// Gives every heading without an explicit `{#id}` an id derived from its
/// text, unique within the page, so sections can be linked to.
fn assign_heading_ids(events: &mut [(Event<'_>, Range<usize>)]) {
    let mut used: HashMap<String, usize> = HashMap::new();
    for (event, _) in events.iter() {
        if let Event::Start(Tag::Heading { id: Some(id), .. }) = event {
            used.insert(id.to_string(), 1);
        }
    }
    for index in 0..events.len() {
        let Event::Start(Tag::Heading { id: None, .. }) = &events[index].0 else {
            continue;
        };
        let mut text = String::new();
        for (event, _) in &events[index + 1..] {
            match event {
                Event::End(TagEnd::Heading(_)) => break,
                Event::Text(t) | Event::Code(t) => text.push_str(t),
                _ => {}
            }
        }
        let base = slugify(&text);
        let base = if base.is_empty() {
            "section".to_string()
        } else {
            base
        };
        let count = used.entry(base.clone()).or_insert(0);
        *count += 1;
        let unique = if *count == 1 {
            base
        } else {
            format!("{base}-{}", *count - 1)
        };
        if let Event::Start(Tag::Heading { id, .. }) = &mut events[index].0 {
            *id = Some(CowStr::from(unique));
        }
    }
}

/// Lowercase ASCII letters and digits joined by single hyphens; other
/// characters separate words.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_plain(body: &str) -> String {
        let rendered = render(body, &AssetMap::default()).unwrap();
        assert!(rendered.problems.is_empty());
        rendered.html
    }

    #[test]
    fn static_references_are_fingerprinted_and_missing_ones_reported() {
        let assets = AssetMap::from_sources(vec![("/img/a.png".into(), b"png".to_vec())]).unwrap();
        let url = assets.get("/img/a.png").unwrap().url.clone();
        let rendered = render(
            "![a](/img/a.png) [get](/img/a.png#x) [page](/pricing/)\n\n<div>\n<img\n  src=\"/img/a.png\">\n</div>\n\n![b](/img/none.png)\n",
            &assets,
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
            "# Hello, World\n\n## Hello world\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ note[^1]\n\n[^1]: foot\n\n### Custom {#mine}\n",
        );
        assert!(html.contains("<h1 id=\"hello-world\">"), "{html}");
        assert!(html.contains("<h2 id=\"hello-world-1\">"), "{html}");
        assert!(html.contains("<h3 id=\"mine\">"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<del>old</del>"), "{html}");
        assert!(html.contains("footnote-definition"), "{html}");
    }

    #[test]
    fn raw_html_violations_carry_body_offsets() {
        let body = "Intro\n\n<div\n  onclick=\"x()\">\n</div>\n\nText <span style=\"a\">s</span>\n";
        let violations = render(body, &AssetMap::default()).unwrap_err();
        assert_eq!(violations.len(), 2);
        assert_eq!(&body[violations[0].offset..][..7], "onclick");
        assert_eq!(&body[violations[1].offset..][..5], "style");
    }

    #[test]
    fn harmless_raw_html_is_kept() {
        let html = render_plain("<aside class=\"note\">Plain</aside>\n");
        assert!(html.contains("<aside class=\"note\">Plain</aside>"));
    }
}
