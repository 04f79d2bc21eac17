//! `admin`: public pages never link an admin surface, and admin surfaces
//! that ship in the bundle keep out of search engines. A link from the
//! marketing site to the console tells every crawler and attacker where to
//! knock, whatever spelling (`/%63onsole`, `//Console.`, `\\console`) it
//! hides behind.

use crate::emit::{FileFindings, Message};
use crate::rule::{Category, Rule};
use crate::rules::sink::LiteralUrl;
use crate::scan::{PageContext, PageFacts};
use crate::site::Site;

const LINK_HELP: &str =
    "Remove the link; admin surfaces are reached by direct address, never from public pages.";
const NOINDEX_HELP: &str = "Add <meta name=\"robots\" content=\"noindex,nofollow\"> to the admin page (and an X-Robots-Tag rule in _headers).";

/// Whether an element/attribute pair navigates to (or submits to) its URL.
fn navigates(element: &str, attr: &str) -> bool {
    matches!(
        (element, attr),
        (_, "href" | "xlink:href" | "action" | "formaction" | "ping")
            | ("iframe" | "frame" | "embed", "src")
            | ("object", "data")
            | ("meta", "content")
    )
}

pub(crate) fn check_page(ctx: &PageContext<'_>, out: &mut FileFindings<'_>, facts: &mut PageFacts) {
    // Every page is judged: an admin page for its robots tag, a public
    // one for its links, which are the routes counted below.
    out.examine(&CATEGORY);
    let robots: Vec<&str> = ctx
        .page
        .elements
        .iter()
        .filter(|e| e.name == "meta" && !e.in_noscript && !e.in_srcdoc)
        .filter(|e| {
            e.value("name")
                .is_some_and(|n| n.trim().eq_ignore_ascii_case("robots"))
        })
        .filter_map(|e| e.value("content"))
        .collect();
    // Robots directives are case-insensitive.
    let has = |token: &str| {
        robots.iter().any(|c| {
            c.split(',')
                .map(str::trim)
                .any(|t| t.eq_ignore_ascii_case(token) || t.eq_ignore_ascii_case("none"))
        })
    };
    facts.noindex = has("noindex");
    if ctx.is_admin {
        // Robots directives govern pages; an SVG under an admin path is an
        // image of that surface, not a page crawlers index.
        let indexable = !(has("noindex") && has("nofollow"));
        if indexable && !ctx.svg {
            out.whole_file(Message::error(
                "admin/missing-noindex",
                "admin surface without <meta name=\"robots\" content=\"noindex,nofollow\">",
                NOINDEX_HELP,
            ));
        }
        return;
    }
    let mut judged = 0;
    for url in &ctx.urls {
        if !navigates(&url.element.name, url.name) {
            continue;
        }
        judged += 1;
        let target = &url.target;
        if ctx.site.is_admin_target(target) {
            out.at(
                url.offset,
                Message::error(
                    "admin/public-link",
                    format!(
                        "public page links an admin surface through `{}` of <{}>",
                        url.name, url.element.name
                    ),
                    LINK_HELP,
                ),
            );
        }
    }
    out.examine_routes(&CATEGORY, judged);
}

/// A public script (a file outside the admin surfaces, or an inline script
/// of a public page) that navigates, frames or submits to an admin surface
/// through a constant URL: the script's version of a link. `url_path` is
/// the URL path of the file or page, against which relative URLs resolve.
pub(crate) fn check_script_navigations(
    site: &Site,
    url_path: &str,
    navigations: &[LiteralUrl],
    base: usize,
    out: &mut FileFindings<'_>,
) {
    out.examine_routes(&CATEGORY, navigations.len());
    for navigation in navigations {
        if site.is_admin_target(&site.origins.classify(&navigation.url, url_path)) {
            out.at(
                base + navigation.start,
                Message::error(
                    "admin/public-link",
                    "public script sends visitors to an admin surface",
                    LINK_HELP,
                ),
            );
        }
    }
}

/// `_redirects` (Cloudflare's format: `SOURCE DESTINATION [STATUS]` a line,
/// `#` comments) that sends a public path to an admin surface, by redirect
/// or by a 200 rewrite that serves it there: a link in all but name.
pub(crate) fn check_redirects(site: &Site, text: &str, out: &mut FileFindings<'_>) {
    let rules = crate::redirects_file::parse(text);
    // Both ends of every rule are judged.
    out.examine_routes(&CATEGORY, rules.len() * 2);
    for rule in rules {
        let is_admin = |url: &str| site.is_admin_target(&site.origins.classify(url, "/"));
        if is_admin(rule.source) || !is_admin(rule.destination) {
            continue;
        }
        out.at(
            rule.destination_offset,
            Message::error(
                "admin/public-link",
                format!(
                    "_redirects sends the public path {} to an admin surface",
                    rule.source
                ),
                LINK_HELP,
            ),
        );
    }
}

/// The rules of this category, declared once for every output, the
/// documentation check and the fixture harness.
pub const CATEGORY: Category = Category {
    name: "admin",
    title: "public/admin separation",
    security_severity: 6.5,
    rules: &[
        Rule::error(
            "admin/public-link",
            "a public page linking an admin surface through `href` (any element, SVG included), `ping`, `form action`, `formaction`, `iframe`/`frame`/`embed src`, `object data` or `<meta http-equiv=refresh>`, or a public script (a file outside the admin paths, or an inline script of a public page) sending visitors there through a constant URL (`location` writes, `location.assign`/`replace`, `window.open`, `href`/`src`/`action` writes), or a `_redirects` rule that redirects or rewrites a public path there, after full URL normalisation; admin means an admin path on the site, or any URL whose host's first label is an admin word",
            "links advertise the console to crawlers and attackers",
            "remove the link",
        ),
        Rule::error(
            "admin/missing-noindex",
            "a shipped admin page (path under an admin prefix) without `<meta name=\"robots\" content=\"noindex,nofollow\">`",
            "admin surfaces must not be indexed",
            "add the meta tag (and the `X-Robots-Tag` rule, see `headers/admin-robots-tag`)",
        ),
    ],
};
