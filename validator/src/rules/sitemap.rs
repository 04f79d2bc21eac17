//! `sitemap`: `sitemap.xml` lists only pages that exist, are public and
//! ask to be indexed. Listing an admin surface advertises it; listing a
//! noindex page sends crawlers mixed signals.

use crate::rule::{Category, Rule};
use std::collections::HashSet;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

use crate::Finding;
use crate::emit::{FileFindings, Message};
use crate::site::Site;
use crate::url_norm::Target;

const MISSING_HELP: &str = "Remove the entry or ship the page.";
const ADMIN_HELP: &str = "Remove admin surfaces from the sitemap.";
const NOINDEX_HELP: &str = "Remove noindex pages from the sitemap (or drop their noindex).";
const FOREIGN_HELP: &str = "List only URLs on the site's own origin.";
const MALFORMED_HELP: &str = "Fix the XML; crawlers stop reading a sitemap at its first error.";

/// What an XML parser reads from `sitemap.xml`.
pub struct Sitemap {
    /// Every `<loc>` value (under any namespace prefix) with references
    /// and CDATA sections decoded and surrounding whitespace trimmed, and
    /// the byte offset where its text starts.
    pub locations: Vec<(usize, String)>,
    /// The offset of the first well-formedness error; the entries after it
    /// are unread, as a crawler would leave them.
    pub error: Option<usize>,
}

/// Parses `xml` with a real XML reader: a `<loc>` written with character
/// references (`/&#99;onsole/`), in a CDATA section or with a namespace
/// prefix is read as a crawler reads it.
pub fn parse(xml: &str) -> Sitemap {
    let mut reader = Reader::from_str(xml);
    let mut locations = Vec::new();
    let mut current: Option<(Option<usize>, String)> = None;
    let mut error = None;
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(_) => {
                error = Some(usize::try_from(reader.error_position()).unwrap_or(0));
                break;
            }
        };
        let mut append = |piece: &str, at: usize| {
            if let Some((start, text)) = &mut current {
                if start.is_none() && !piece.trim().is_empty() {
                    *start = Some(at);
                }
                text.push_str(piece);
            }
        };
        match event {
            Event::Start(element) if element.local_name().as_ref() == "loc" => {
                current = Some((None, String::new()));
            }
            Event::End(element) if element.local_name().as_ref() == "loc" => {
                if let Some((start, text)) = current.take() {
                    locations.push((start.unwrap_or(before), text.trim().to_owned()));
                }
            }
            Event::Text(text) => {
                let raw = &xml[before.min(xml.len())..];
                let leading = raw.len() - raw.trim_start().len();
                append(&text.xml10_content(), before + leading);
            }
            Event::CData(data) => {
                append(&data.xml10_content(), before + "<![CDATA[".len());
            }
            Event::GeneralRef(reference) => {
                let name = reference.xml10_content();
                let decoded = match reference.resolve_char_ref() {
                    Ok(Some(character)) => character.to_string(),
                    _ => resolve_predefined_entity(&name)
                        .map_or_else(|| format!("&{name};"), str::to_owned),
                };
                append(&decoded, before);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Sitemap { locations, error }
}

/// Every `<loc>` value with the byte offset of its text (see [`parse`]).
pub fn locations(xml: &str) -> Vec<(usize, String)> {
    parse(xml).locations
}

/// `noindex` lists files whose page asks not to be indexed by meta tag.
pub(crate) fn check(site: &Site, xml: &str, noindex: &HashSet<usize>) -> Vec<Finding> {
    let mut out = FileFindings::new("sitemap.xml", xml);
    let sitemap = parse(xml);
    if let Some(offset) = sitemap.error {
        out.at(
            offset,
            Message::warning(
                "sitemap/malformed",
                "sitemap.xml is not well-formed XML; entries after this point are not read",
                MALFORMED_HELP,
            ),
        );
    }
    for (offset, loc) in sitemap.locations {
        match site.origins.classify(&loc, "/") {
            Target::SameOrigin { path, .. } => {
                if site.is_admin_path(&path) {
                    out.at(
                        offset,
                        Message::error(
                            "sitemap/admin-page",
                            format!("sitemap lists admin surface {path}"),
                            ADMIN_HELP,
                        ),
                    );
                    continue;
                }
                let Some(file) = site.resolve(&path) else {
                    out.at(
                        offset,
                        Message::error(
                            "sitemap/missing-page",
                            format!("sitemap lists {path}, which is not in the bundle"),
                            MISSING_HELP,
                        ),
                    );
                    continue;
                };
                let header_noindex = site
                    .applied_headers(&path)
                    .joined("x-robots-tag")
                    .is_some_and(|(v, _)| {
                        v.split(',').any(|t| {
                            matches!(t.trim().to_ascii_lowercase().as_str(), "noindex" | "none")
                        })
                    });
                if noindex.contains(&file) || header_noindex {
                    out.at(
                        offset,
                        Message::error(
                            "sitemap/noindex-page",
                            format!("sitemap lists {path}, which asks not to be indexed"),
                            NOINDEX_HELP,
                        ),
                    );
                }
            }
            other => {
                let host = other.host().unwrap_or("another origin").to_string();
                out.at(
                    offset,
                    Message::error(
                        "sitemap/foreign-url",
                        format!("sitemap lists a URL on {host}, not on the site's origin"),
                        FOREIGN_HELP,
                    ),
                );
            }
        }
    }
    out.findings
}

/// The rules of this category, declared once for every output, the
/// documentation check and the fixture harness.
pub const CATEGORY: Category = Category {
    name: "sitemap",
    title: "only public, indexable pages",
    security_severity: 3.0,
    rules: &[
        Rule::error(
            "sitemap/missing-page",
            "a `<loc>` that resolves to no file",
            "crawlers get 404s",
            "remove it",
        ),
        Rule::error(
            "sitemap/admin-page",
            "a `<loc>` under an admin prefix",
            "advertises the console",
            "remove it",
        ),
        Rule::error(
            "sitemap/noindex-page",
            "a `<loc>` whose page has `noindex` in meta robots or `X-Robots-Tag`",
            "mixed signals to crawlers",
            "remove it",
        ),
        Rule::error(
            "sitemap/foreign-url",
            "a `<loc>` on another origin",
            "sitemaps list only the site's own URLs",
            "remove it",
        ),
        Rule::warning(
            "sitemap/malformed",
            "XML that is not well-formed; the entries after the error are not read",
            "crawlers stop at the error too",
            "fix the XML",
        ),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_found_with_offsets() {
        let xml = "<urlset><url><loc> https://a.example/?x=1&amp;y=2 </loc></url><url><loc>https://a.example/b/</loc></url></urlset>";
        let locs = locations(xml);
        assert_eq!(locs.len(), 2);
        assert_eq!(locs[0].1, "https://a.example/?x=1&y=2");
        assert!(xml[locs[0].0..].starts_with("https://a.example/?x"));
    }

    #[test]
    fn references_cdata_and_prefixes_are_decoded() {
        let xml = "<?xml version=\"1.0\"?>\n<sm:urlset xmlns:sm=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><!-- <loc>/commented/</loc> --><sm:url><sm:loc>https://a.example/&#99;onsole/</sm:loc></sm:url><url><loc><![CDATA[https://a.example/dash]]>board/</loc></url></sm:urlset>";
        let sitemap = parse(xml);
        let urls: Vec<&str> = sitemap.locations.iter().map(|(_, u)| u.as_str()).collect();
        assert_eq!(
            urls,
            ["https://a.example/console/", "https://a.example/dashboard/"]
        );
        assert!(xml[sitemap.locations[1].0..].starts_with("https://a.example/dash"));
        assert_eq!(sitemap.error, None);
    }

    #[test]
    fn a_malformed_sitemap_keeps_what_came_before_the_error() {
        let xml = "<urlset><url><loc>https://a.example/</loc></url><url><loc>x</lo></url></urlset>";
        let sitemap = parse(xml);
        assert_eq!(sitemap.locations.len(), 1);
        assert!(sitemap.error.is_some());
    }
}
