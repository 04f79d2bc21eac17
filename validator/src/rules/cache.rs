//! `cache`: fingerprinted assets (a content hash in the file name) get a
//! year-long `immutable` cache, because their URL changes whenever their
//! bytes do; HTML never does, or visitors keep stale pages that point at
//! assets which no longer exist.

use crate::rule::{Category, Rule};
use std::collections::BTreeMap;

use crate::bundle::is_fingerprinted;
use crate::coverage::{Examined, FileTally};
use crate::emit::{FileFindings, Message};
use crate::site::{Site, routes};
use crate::{Finding, Severity};

/// One year, the max-age fingerprinted assets need.
pub const IMMUTABLE_SECONDS: u64 = 31_536_000;

const ASSET_HELP: &str =
    "Add `Cache-Control: public, max-age=31536000, immutable` for the assets path in _headers.";
const HTML_HELP: &str =
    "Do not send `immutable` (or a long max-age) for HTML; scope the long cache to /assets/*.";
const UNHASHED_HELP: &str =
    "Fingerprint the file name (add a content hash) or drop `immutable` for it.";

/// Parsed `Cache-Control`: max-age and whether `immutable` is set.
fn parse(value: &str) -> (Option<u64>, bool) {
    let mut max_age = None;
    let mut immutable = false;
    for directive in value.split(',') {
        let directive = directive.trim();
        if directive.eq_ignore_ascii_case("immutable") {
            immutable = true;
        } else if let Some((name, seconds)) = directive.split_once('=')
            && name.trim().eq_ignore_ascii_case("max-age")
        {
            max_age = seconds.trim().trim_matches('"').parse().ok();
        }
    }
    (max_age, immutable)
}

pub(crate) fn check(
    site: &Site,
    headers_text: Option<&str>,
    examined: &mut Examined,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut html_immutable: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for path in &site.paths {
        if path == "_headers" || path == "_redirects" {
            continue;
        }
        let is_html = crate::bundle::is_html_path(path);
        if is_html {
            let page_routes = routes(path);
            let mut tally = FileTally::default();
            tally.routes(&CATEGORY, page_routes.len());
            examined.push((path.clone(), tally));
            for route in page_routes {
                if let Some((value, line)) = site.applied_headers(&route).joined("cache-control")
                    && parse(&value).1
                {
                    html_immutable.entry(line).or_default().push(route);
                }
            }
            continue;
        }
        let cache = site
            .applied_headers(&format!("/{path}"))
            .joined("cache-control");
        let (max_age, immutable) = cache.as_ref().map_or((None, false), |(v, _)| parse(v));
        let mut out = FileFindings::new(path, "");
        out.examine_routes(&CATEGORY, 1);
        if is_fingerprinted(path) {
            if !(immutable && max_age.is_some_and(|s| s >= IMMUTABLE_SECONDS)) {
                let served = cache.map_or_else(
                    || "without Cache-Control".to_string(),
                    |(v, _)| format!("with Cache-Control `{v}`"),
                );
                out.whole_file(Message::error(
                    "cache/fingerprinted-not-immutable",
                    format!("fingerprinted asset is served {served}"),
                    ASSET_HELP,
                ));
            }
        } else if immutable {
            out.whole_file(Message::warning(
                "cache/unfingerprinted-immutable",
                "asset without a content hash in its name is cached as immutable",
                UNHASHED_HELP,
            ));
        }
        let (found, tally) = out.into_parts();
        findings.extend(found);
        examined.push((path.clone(), tally));
    }
    if let Some(text) = headers_text {
        let mut out = FileFindings::new("_headers", text);
        for (line, mut routes) in html_immutable {
            routes.sort();
            let scope = match routes.len() {
                1 => routes[0].clone(),
                n => format!("{} and {} more", routes[0], n - 1),
            };
            out.at_line(
                line,
                Message {
                    rule: "cache/html-immutable",
                    severity: Severity::Error,
                    message: format!("HTML route {scope} is cached as immutable"),
                    help: HTML_HELP,
                },
            );
        }
        findings.extend(out.into_findings());
    }
    findings
}

/// The rules of this category, declared once for every output, the
/// documentation check and the fixture harness.
pub const CATEGORY: Category = Category {
    name: "cache",
    title: "long caches only for fingerprinted files",
    security_severity: 2.0,
    rules: &[
        Rule::error(
            "cache/fingerprinted-not-immutable",
            "a fingerprinted file served without `max-age` ≥ 31536000 and `immutable`",
            "visitors re-download files that never change",
            "`Cache-Control: public, max-age=31536000, immutable` on `/assets/*`",
        ),
        Rule::error(
            "cache/html-immutable",
            "an HTML route served with `immutable`",
            "visitors keep stale pages pointing at deleted assets",
            "scope the long cache to assets",
        ),
        Rule::warning(
            "cache/unfingerprinted-immutable",
            "a non-fingerprinted file served with `immutable`",
            "it can never be updated in caches",
            "fingerprint it or drop `immutable`",
        ),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_parsing() {
        assert_eq!(
            parse("public, max-age=31536000, immutable"),
            (Some(31_536_000), true)
        );
        assert_eq!(parse("no-cache"), (None, false));
        assert_eq!(parse("MAX-AGE=60, Immutable"), (Some(60), true));
    }
}
