//! `sitemap`: `sitemap.xml` lists only pages that exist, are public and
//! ask to be indexed. Listing an admin surface advertises it; listing a
//! noindex page sends crawlers mixed signals.

use crate::rule::{Category, Rule};
use std::collections::HashSet;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

use crate::Finding;
use crate::coverage::Examined;
use crate::emit::{FileFindings, Message};
use crate::site::Site;
use crate::url_norm::Target;

const MISSING_HELP: &str = "Remove the entry or ship the page.";
const ADMIN_HELP: &str = "Remove admin surfaces from the sitemap.";
const NOINDEX_HELP: &str = "Remove noindex pages from the sitemap (or drop their noindex).";
const FOREIGN_HELP: &str = "List only URLs on the site's own origin.";
const UNENCODED_HELP: &str = "Percent-encode the URL (`/About%20Us/`, `/caf%C3%A9/`, `%25` for a literal `%`), as the sitemaps protocol requires.";
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

/// A sitemap judged on everything but the pages' own robots meta tags,
/// which are known only once every page is scanned: so the listing, which
/// is as long as the site, is judged while the pages are.
pub(crate) struct Judged<'a> {
    out: FileFindings<'a>,
    /// The `<loc>`s of same-origin pages in the bundle: offset, file
    /// index, path, and whether a header asks not to index it. Reported
    /// in their order, as the rule's per-file cap keeps the first ones.
    pages: Vec<(usize, usize, String, bool)>,
}

/// Judges the sitemap's entries but for the pages' robots meta tags.
pub(crate) fn judge<'a>(site: &Site, xml: &'a str) -> Judged<'a> {
    let mut out = FileFindings::new("sitemap.xml", xml);
    let mut pages = Vec::new();
    let sitemap = parse(xml);
    out.examine_routes(&CATEGORY, sitemap.locations.len());
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
        if let Some(bad) = unencoded(&loc) {
            out.at(
                offset,
                Message::error(
                    "sitemap/unencoded-url",
                    format!(
                        "sitemap URL {} holds {bad}, which a URL must carry percent-encoded",
                        loc.escape_debug()
                    ),
                    UNENCODED_HELP,
                ),
            );
        }
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
                pages.push((offset, file, path, header_noindex));
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
    Judged { out, pages }
}

/// The findings of a judged sitemap, given the files whose page asks not
/// to be indexed by meta tag.
pub(crate) fn finish(
    judged: Judged<'_>,
    noindex: &HashSet<usize>,
    examined: &mut Examined,
) -> Vec<Finding> {
    let Judged { mut out, pages } = judged;
    for (offset, file, path, header_noindex) in pages {
        if header_noindex || noindex.contains(&file) {
            out.at(offset, noindex_message(&path));
        }
    }
    let (findings, tally) = out.into_parts();
    examined.push(("sitemap.xml".to_string(), tally));
    findings
}

fn noindex_message(path: &str) -> Message {
    Message::error(
        "sitemap/noindex-page",
        format!("sitemap lists {path}, which asks not to be indexed"),
        NOINDEX_HELP,
    )
}

/// The first thing in a `<loc>` value (after XML decoding) that RFC 3986
/// does not allow in a URL unencoded: whitespace, a control or non-ASCII
/// character, a quote, angle bracket, backslash, caret, backtick, brace
/// or bar, or a `%` not followed by two hex digits.
fn unencoded(loc: &str) -> Option<String> {
    let bytes = loc.as_bytes();
    for (at, character) in loc.char_indices() {
        let bad = match character {
            '%' => {
                let hex = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_hexdigit);
                !(hex(at + 1) && hex(at + 2))
            }
            ' ' => return Some("a space".to_owned()),
            '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}' => true,
            c => c.is_control() || !c.is_ascii() || c.is_whitespace(),
        };
        if bad {
            return Some(format!("`{}`", character.escape_debug()));
        }
    }
    None
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
        Rule::error(
            "sitemap/unencoded-url",
            "a `<loc>` (after XML decoding) holding what a URL must carry percent-encoded: whitespace, a control or non-ASCII character, one of `\"` `<` `>` `\\` `^` `{` `}`, a vertical bar or a backtick, or a `%` not followed by two hex digits",
            "the sitemaps protocol requires RFC 3986 URLs; crawlers reject or misread the entry",
            "percent-encode it (`/About%20Us/`)",
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
    use proptest::prelude::*;

    #[test]
    fn unencoded_urls_are_found() {
        assert_eq!(
            unencoded("https://a.example/About Us/").as_deref(),
            Some("a space")
        );
        assert_eq!(unencoded("https://a.example/café/").as_deref(), Some("`é`"));
        assert_eq!(unencoded("https://a.example/100%/").as_deref(), Some("`%`"));
        assert_eq!(unencoded("https://a.example/a|b/").as_deref(), Some("`|`"));
        assert!(unencoded("https://a.example/About%20Us/?q=a&b=c#x").is_none());
        assert!(unencoded("https://a.example/caf%C3%A9/").is_none());
    }

    proptest! {
        #![proptest_config(crate::fuzz::config())]

        /// Any text percent-encoded byte by byte passes, and any text with
        /// a space or non-ASCII character does not.
        #[test]
        fn fuzz_encoded_urls_pass(text in crate::fuzz::noise()) {
            let encoded: String = text
                .bytes()
                .map(|b| if b.is_ascii_alphanumeric() || b == b'/' { char::from(b).to_string() } else { format!("%{b:02X}") })
                .collect();
            let encoded_url = format!("https://a.example/{encoded}");
            prop_assert!(unencoded(&encoded_url).is_none());
            if text.contains(' ') || !text.is_ascii() {
                let raw_url = format!("https://a.example/{text}");
                prop_assert!(unencoded(&raw_url).is_some());
            }
        }
    }

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
