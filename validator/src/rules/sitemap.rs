//! `sitemap`: `sitemap.xml` lists only pages that exist, are public and
//! ask to be indexed. Listing an admin surface advertises it; listing a
//! noindex page sends crawlers mixed signals.

use std::collections::HashSet;

use crate::Finding;
use crate::emit::{FileFindings, Message};
use crate::site::Site;
use crate::url_norm::Target;

const MISSING_HELP: &str = "Remove the entry or ship the page.";
const ADMIN_HELP: &str = "Remove admin surfaces from the sitemap.";
const NOINDEX_HELP: &str = "Remove noindex pages from the sitemap (or drop their noindex).";
const FOREIGN_HELP: &str = "List only URLs on the site's own origin.";

/// Every `<loc>` value with the byte offset of its text.
pub fn locations(xml: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = xml[from..].find("<loc>") {
        let start = from + open + "<loc>".len();
        let Some(close) = xml[start..].find("</loc>") else {
            break;
        };
        let raw = &xml[start..start + close];
        let leading = raw.len() - raw.trim_start().len();
        out.push((start + leading, decode_xml(raw.trim())));
        from = start + close;
    }
    out
}

fn decode_xml(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// `noindex` lists files whose page asks not to be indexed by meta tag.
pub(crate) fn check(site: &Site, xml: &str, noindex: &HashSet<usize>) -> Vec<Finding> {
    let mut out = FileFindings::new("sitemap.xml", xml);
    for (offset, loc) in locations(xml) {
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
}
