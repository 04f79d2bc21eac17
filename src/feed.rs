//! Atom 1.0 feeds (RFC 4287): one per section with `feed: true`, at
//! `<section>/atom.xml`, and one for the whole site at `/atom.xml` when
//! `site.yaml` says `feed: true`.
//!
//! Every URL in a feed is absolute, because feed readers resolve relative
//! ones inconsistently. Each entry has the elements RFC 4287 requires
//! (`id`, `title`, `updated`) and a `link rel="alternate"`, so no
//! `content` is needed; its `summary` is plain text: the Markdown before
//! `<!-- more -->` reduced to its words, or else the page's description.
//! Plain text rather than HTML keeps the feed free of markup the gate
//! would have to judge again, and a summary never carries raw HTML from
//! the page into readers that might run it.

use pulldown_cmark::{Event, Parser, TagEnd};

use crate::content::{ContentDate, Page};

/// The marker that ends a page's summary in its Markdown.
pub const MORE_MARKER: &str = "<!-- more -->";

/// Name of a feed file inside its section's folder or the bundle root.
pub const FEED_FILE: &str = "atom.xml";

/// What a feed is about.
pub struct FeedHead<'a> {
    /// The feed's title.
    pub title: &'a str,
    /// The page the feed belongs to, absolute.
    pub page_url: String,
    /// The feed's own URL, absolute.
    pub feed_url: String,
    /// The author named for every entry: the site's name.
    pub author: &'a str,
}

/// When an entry last changed: `updated`, else `date`.
fn entry_updated(page: &Page) -> Option<&ContentDate> {
    page.last_modified()
}

/// The feed document for `entries`, newest first by their `updated`
/// (else `date`). Pages without either are left out; the build refuses
/// them before this is called. The feed's `updated` is its newest entry's.
pub fn atom_xml(head: &FeedHead<'_>, base_url: &str, entries: &[&Page]) -> String {
    let mut dated: Vec<(&Page, &ContentDate)> = entries
        .iter()
        .filter_map(|page| entry_updated(page).map(|date| (*page, date)))
        .collect();
    dated.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.url.cmp(&b.0.url)));
    let updated = dated
        .first()
        .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |(_, d)| d.rfc3339());
    let mut out = String::with_capacity(512 + dated.len() * 512);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    element(&mut out, 1, "title", head.title);
    element(&mut out, 1, "id", &head.page_url);
    element(&mut out, 1, "updated", &updated);
    link(&mut out, 1, "self", "application/atom+xml", &head.feed_url);
    link(&mut out, 1, "alternate", "text/html", &head.page_url);
    out.push_str("  <author><name>");
    escape_into(&mut out, head.author);
    out.push_str("</name></author>\n");
    for (page, date) in dated {
        let permalink = format!("{base_url}{}", page.url);
        out.push_str("  <entry>\n");
        element(&mut out, 2, "title", &page.front.title);
        element(&mut out, 2, "id", &permalink);
        element(&mut out, 2, "updated", &date.rfc3339());
        if let Some(published) = &page.front.date {
            element(&mut out, 2, "published", &published.rfc3339());
        }
        link(&mut out, 2, "alternate", "text/html", &permalink);
        if let Some(summary) = summary(page).filter(|s| !s.is_empty()) {
            out.push_str("    <summary type=\"text\">");
            escape_into(&mut out, &summary);
            out.push_str("</summary>\n");
        }
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// The summary of a page: the words of its Markdown before
/// [`MORE_MARKER`], or else its description.
pub fn summary(page: &Page) -> Option<String> {
    match page.body.split_once(MORE_MARKER) {
        Some((before, _)) => Some(plain_text(before)),
        None => page.front.description.clone(),
    }
}

/// The words of some Markdown, without markup: text and code spans kept,
/// raw HTML and shortcode calls dropped, blocks separated by a space.
pub fn plain_text(markdown: &str) -> String {
    let mut text = String::new();
    // Shortcode calls are markup: their bodies' words stay, the calls go.
    let markdown = crate::markdown::without_shortcodes(markdown);
    for event in Parser::new(&markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            // Inline markup ends inside a sentence; anything else ends a
            // block, which the next block's words must not run into.
            Event::End(
                TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Link
                | TagEnd::Image
                | TagEnd::Superscript
                | TagEnd::Subscript,
            ) => {}
            Event::SoftBreak | Event::HardBreak | Event::End(_) => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn element(out: &mut String, depth: usize, name: &str, text: &str) {
    out.push_str(&"  ".repeat(depth));
    out.push('<');
    out.push_str(name);
    out.push('>');
    escape_into(out, text);
    out.push_str("</");
    out.push_str(name);
    out.push_str(">\n");
}

fn link(out: &mut String, depth: usize, rel: &str, kind: &str, href: &str) {
    out.push_str(&"  ".repeat(depth));
    out.push_str("<link rel=\"");
    out.push_str(rel);
    out.push_str("\" type=\"");
    out.push_str(kind);
    out.push_str("\" href=\"");
    escape_into(out, href);
    out.push_str("\"/>\n");
}

/// Escapes text for XML element content and double-quoted attributes.
/// Authored text has no control characters (see `source_text`), so
/// nothing else needs replacing.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SiteConfig;
    use crate::content::parse_page;
    use quick_xml::Reader;
    use quick_xml::events::Event as XmlEvent;

    fn config() -> SiteConfig {
        SiteConfig::parse("name: S & Co\nbase_url: https://s.example\ncontact_email: a@s.example\n")
            .unwrap()
    }

    /// The attributes of one element, as name and value.
    type Attributes = Vec<(String, String)>;

    /// Element paths (`feed/entry/id`) with their text, and attributes of
    /// `link` elements, read with a real XML parser.
    fn read(xml: &str) -> (Vec<(String, String)>, Vec<Attributes>) {
        let mut reader = Reader::from_str(xml);
        let mut path: Vec<String> = Vec::new();
        let mut text = String::new();
        let mut texts = Vec::new();
        let mut links = Vec::new();
        loop {
            match reader.read_event().unwrap() {
                XmlEvent::Start(e) => {
                    text.clear();
                    path.push(e.local_name().as_ref().to_string());
                }
                XmlEvent::End(_) => {
                    if !text.trim().is_empty() {
                        texts.push((path.join("/"), std::mem::take(&mut text)));
                    }
                    text.clear();
                    path.pop();
                }
                XmlEvent::Empty(e) => {
                    assert_eq!(e.local_name().as_ref(), "link");
                    links.push(
                        e.attributes()
                            .map(|a| {
                                let a = a.unwrap();
                                (
                                    a.key.as_ref().to_string(),
                                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                        .unwrap()
                                        .into_owned(),
                                )
                            })
                            .collect(),
                    );
                }
                XmlEvent::Text(t) => text.push_str(&t.xml10_content()),
                XmlEvent::GeneralRef(r) => {
                    let name = r.xml10_content();
                    text.push_str(quick_xml::escape::resolve_predefined_entity(&name).unwrap());
                }
                XmlEvent::Eof => break,
                _ => {}
            }
        }
        assert!(path.is_empty());
        (texts, links)
    }

    #[test]
    fn feeds_have_what_atom_requires_with_absolute_urls() {
        let pages: Vec<Page> = [
            (
                "news/a.md",
                "---\ntitle: A <b> & \"c\"\ndate: 2026-01-02\ndescription: Described\n---\n\nBody\n",
            ),
            (
                "news/b.md",
                "---\ntitle: B\ndate: 2026-03-01T10:00:00+01:00\nupdated: 2026-03-05\n---\n\nThe **first** part, `code`\nand <span>raw</span>.\n\n<!-- more -->\n\nRest.\n",
            ),
        ]
        .iter()
        .map(|(s, t)| parse_page(s, t, &config()).unwrap())
        .collect();
        let head = FeedHead {
            title: "News",
            page_url: "https://s.example/news/".to_string(),
            feed_url: "https://s.example/news/atom.xml".to_string(),
            author: "S & Co",
        };
        let refs: Vec<&Page> = pages.iter().collect();
        let xml = atom_xml(&head, "https://s.example", &refs);
        let (texts, links) = read(&xml);
        let get = |path: &str| -> Vec<&str> {
            texts
                .iter()
                .filter(|(p, _)| p == path)
                .map(|(_, t)| t.as_str())
                .collect()
        };
        assert_eq!(get("feed/title"), ["News"]);
        assert_eq!(get("feed/id"), ["https://s.example/news/"]);
        assert_eq!(get("feed/updated"), ["2026-03-05T00:00:00Z"]);
        assert_eq!(get("feed/author/name"), ["S & Co"]);
        assert_eq!(get("feed/entry/title"), ["B", "A <b> & \"c\""]);
        assert_eq!(
            get("feed/entry/id"),
            ["https://s.example/news/b/", "https://s.example/news/a/"]
        );
        assert_eq!(
            get("feed/entry/updated"),
            ["2026-03-05T00:00:00Z", "2026-01-02T00:00:00Z"]
        );
        assert_eq!(
            get("feed/entry/published"),
            ["2026-03-01T10:00:00+01:00", "2026-01-02T00:00:00Z"]
        );
        assert_eq!(
            get("feed/entry/summary"),
            ["The first part, code and raw.", "Described"]
        );
        assert_eq!(links.len(), 4);
        for link in &links {
            let href = &link.iter().find(|(k, _)| k == "href").unwrap().1;
            assert!(href.starts_with("https://s.example/"), "{href}");
        }
        assert!(links[0].contains(&("rel".to_string(), "self".to_string())));
        assert!(!xml.contains("<span>"), "{xml}");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_title_and_summary_give_well_formed_xml(
                title in "[^\u{0}-\u{1f}\u{7f}-\u{9f}]{1,30}",
                body in "\\PC{0,80}",
            ) {
                let text = format!(
                    "---\ntitle: {}\ndate: 2026-01-01\n---\n{body}\n{MORE_MARKER}\n",
                    serde_json::to_string(&title).unwrap()
                );
                let Ok(page) = parse_page("news/p.md", &text, &config()) else {
                    return Ok(());
                };
                let head = FeedHead {
                    title: &title,
                    page_url: "https://s.example/news/".to_string(),
                    feed_url: "https://s.example/news/atom.xml".to_string(),
                    author: "S",
                };
                let xml = atom_xml(&head, "https://s.example", &[&page]);
                let (texts, _) = read(&xml);
                prop_assert_eq!(
                    texts.iter().find(|(p, _)| p == "feed/entry/title").map(|(_, t)| t.as_str()),
                    Some(page.front.title.as_str())
                );
            }
        }
    }
}
