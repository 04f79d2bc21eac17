//! Markdown to HTML with pulldown-cmark: tables, footnotes, strikethrough
//! and heading ids, plus the raw HTML policy of [`crate::raw_html`].

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

use crate::raw_html::{self, RawHtmlViolation};

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

/// Renders a Markdown body to HTML. Fails with every raw HTML violation
/// found, so an author sees all of them at once.
pub fn render(body: &str) -> Result<String, Vec<BodyViolation>> {
    let mut events: Vec<(Event<'_>, std::ops::Range<usize>)> = Parser::new_ext(body, options())
        .into_offset_iter()
        .collect();

    let violations = check_raw_html(body, &events);
    if !violations.is_empty() {
        return Err(violations);
    }
    assign_heading_ids(&mut events);

    let mut out = String::with_capacity(body.len() + body.len() / 2);
    html::push_html(&mut out, events.into_iter().map(|(event, _)| event));
    Ok(out)
}

/// Inspects raw HTML. Block HTML arrives as one event per line, so the
/// lines of one block are joined before tokenising: a tag split over lines
/// must not slip through.
fn check_raw_html(
    body: &str,
    events: &[(Event<'_>, std::ops::Range<usize>)],
) -> Vec<BodyViolation> {
    let mut violations = Vec::new();
    let mut block: Option<std::ops::Range<usize>> = None;
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
fn assign_heading_ids(events: &mut [(Event<'_>, std::ops::Range<usize>)]) {
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

    #[test]
    fn renders_extensions_and_heading_ids() {
        let html = render(
            "# Hello, World\n\n## Hello world\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ note[^1]\n\n[^1]: foot\n\n### Custom {#mine}\n",
        )
        .unwrap();
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
        let violations = render(body).unwrap_err();
        assert_eq!(violations.len(), 2);
        assert_eq!(&body[violations[0].offset..][..7], "onclick");
        assert_eq!(&body[violations[1].offset..][..5], "style");
    }

    #[test]
    fn harmless_raw_html_is_kept() {
        let html = render("<aside class=\"note\">Plain</aside>\n").unwrap();
        assert!(html.contains("<aside class=\"note\">Plain</aside>"));
    }
}
