//! `link`: nothing is broken. Internal links, fragments and referenced
//! assets resolve to files inside the bundle, following pretty URLs.

use crate::css;
use crate::emit::{FileFindings, MAX_FINDINGS_PER_RULE, Message};
use crate::rule::{Category, Rule};
use crate::scan::{PageContext, PageFacts, Pending};
use crate::site::Site;
use crate::url_norm::Target;

const BROKEN_HELP: &str = "Fix the URL or ship the file it points at.";
pub(crate) const FRAGMENT_HELP: &str =
    "Link to an id (or <a name>) that exists on the target page.";

/// Fragments every browser understands without an anchor.
fn implicit_fragment(fragment: &str) -> bool {
    fragment.is_empty() || fragment.eq_ignore_ascii_case("top")
}

/// Whether a social metadata key (`og:image`, `twitter:image:src`, …,
/// compared without ASCII case) holds a URL that crawlers fetch or link.
pub(crate) fn is_social_url_key(key: &str) -> bool {
    let key = key.trim().to_ascii_lowercase();
    let Some(rest) = key
        .strip_prefix("og:")
        .or_else(|| key.strip_prefix("twitter:"))
    else {
        return false;
    };
    matches!(
        rest,
        "url" | "image" | "image:src" | "video" | "audio" | "player" | "player:stream"
    ) || rest.ends_with(":url")
        || rest.ends_with(":secure_url")
}

/// The `content` of every `<meta property="og:…">` or
/// `<meta name="twitter:…">` (either attribute, for either prefix, as
/// crawlers accept both) that is a URL, with its offset.
fn social_urls<'p>(ctx: &'p PageContext<'p>) -> impl Iterator<Item = (usize, &'p str)> + 'p {
    ctx.page
        .elements
        .iter()
        .filter(|e| e.name == "meta")
        .filter(|e| {
            ["property", "name"]
                .iter()
                .filter_map(|attr| e.value(attr))
                .any(is_social_url_key)
        })
        .filter_map(|e| e.attr("content"))
        .map(|content| (content.offset(), &*content.value))
}

pub(crate) fn check_page(ctx: &PageContext<'_>, out: &mut FileFindings<'_>, facts: &mut PageFacts) {
    let analytics: Vec<(usize, Target, &str, &str)> = ctx
        .page
        .elements
        .iter()
        .filter_map(|e| e.attr("data-analytics-src"))
        .map(|src| {
            (
                src.offset(),
                ctx.classify(&src.value),
                "data-analytics-src",
                "script",
            )
        })
        .chain(social_urls(ctx).map(|(offset, url)| {
            (
                offset,
                ctx.classify(url),
                "content",
                "meta property=og:*/name=twitter:*",
            )
        }))
        .collect();
    let urls = ctx
        .urls
        .iter()
        .filter(|u| {
            !matches!(
                u.name,
                "action" | "formaction" | "ping" | "cite" | "longdesc"
            ) && !(u.element.name == "link"
                && (u.element.has_token("rel", "preconnect")
                    || u.element.has_token("rel", "dns-prefetch")))
        })
        .map(|u| (u.offset, &u.target, u.name, &*u.element.name))
        .chain(
            analytics
                .iter()
                .map(|(offset, target, attr, element)| (*offset, target, *attr, *element)),
        );
    // Every fragment and same-origin path below is resolved against the
    // page or the bundle: those are the routes this rule examined.
    let mut resolved = 0;
    for (offset, target, attr, element) in urls {
        let place = || format!("`{attr}` of <{element}>");
        if matches!(target, Target::Fragment { .. }) {
            resolved += 1;
        }
        match target {
            Target::Fragment { fragment }
                if !implicit_fragment(fragment) && !ctx.page.anchors.contains(fragment) =>
            {
                out.at(
                    offset,
                    Message::error(
                        "link/broken-fragment",
                        format!("#{fragment} in {} names no id on this page", place()),
                        FRAGMENT_HELP,
                    ),
                );
            }
            Target::SameOrigin { path, fragment, .. } => {
                // Routes the config says a Worker serves are not files.
                // (An empty set is the common case and costs no matching.)
                if !ctx.site.worker_routes.is_empty()
                    && ctx.site.worker_routes.is_match(path.as_str())
                {
                    continue;
                }
                resolved += 1;
                match ctx.site.resolve(path) {
                    None => out.at(
                        offset,
                        Message::error(
                            "link/broken",
                            format!("{} points at {path}, which is not in the bundle", place()),
                            BROKEN_HELP,
                        ),
                    ),
                    Some(target) => {
                        let Some(fragment) = fragment.as_ref().filter(|f| !implicit_fragment(f))
                        else {
                            continue;
                        };
                        let is_html = crate::bundle::is_html_path(&ctx.site.paths[target]);
                        if !is_html {
                            continue;
                        }
                        if target != ctx.file && facts.fragments_pending >= MAX_FINDINGS_PER_RULE {
                            // Past the cap only a count is reported, so
                            // only the link is kept, once per target.
                            *facts
                                .more_fragments
                                .entry((target, fragment.clone()))
                                .or_default() += 1;
                            continue;
                        }
                        let message = Message::error(
                            "link/broken-fragment",
                            format!(
                                "{} points at #{fragment}, which {path} does not define",
                                place()
                            ),
                            FRAGMENT_HELP,
                        );
                        if target == ctx.file {
                            if !ctx.page.anchors.contains(fragment) {
                                out.at(offset, message);
                            }
                        } else {
                            facts.fragments_pending += 1;
                            facts.pending.push(Pending::Fragment {
                                target,
                                fragment: fragment.clone(),
                                offset,
                                message,
                            });
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out.examine_routes(&CATEGORY, resolved);
}

/// Checks that every `_redirects` rule sending visitors to one path of the
/// site sends them to a file of the bundle. Rules whose destination is
/// filled from the match (`:splat`, `:name`) name no one path and are not
/// judged; Worker routes are not files.
pub(crate) fn check_redirects(site: &Site, text: &str, out: &mut FileFindings<'_>) {
    let mut resolved = 0;
    for rule in crate::redirects_file::parse(text) {
        if rule.destination_is_pattern() {
            continue;
        }
        let target = site.origins.classify(rule.destination, "/");
        if matches!(target, Target::SameOrigin { .. }) {
            resolved += 1;
        }
        if let Target::SameOrigin { path, .. } = target
            && site.resolve(&path).is_none()
            && !site.worker_routes.is_match(path.as_str())
        {
            out.at(
                rule.destination_offset,
                Message::error(
                    "link/broken",
                    format!(
                        "_redirects sends {} to {path}, which is not in the bundle",
                        rule.source
                    ),
                    BROKEN_HELP,
                ),
            );
        }
    }
    out.examine_routes(&CATEGORY, resolved);
}

/// Checks that the URLs a stylesheet references exist.
pub(crate) fn check_css(
    site: &Site,
    url_path: &str,
    css_text: &str,
    base: usize,
    out: &mut FileFindings<'_>,
) {
    let mut resolved = 0;
    for found in css::urls(css_text) {
        let target = site.origins.classify(&found.url, url_path);
        if matches!(target, Target::SameOrigin { .. }) {
            resolved += 1;
        }
        if let Target::SameOrigin { path, .. } = target
            && site.resolve(&path).is_none()
        {
            out.at(
                base + found.offset,
                Message::error(
                    "link/broken",
                    format!("stylesheet references {path}, which is not in the bundle"),
                    BROKEN_HELP,
                ),
            );
        }
    }
    out.examine_routes(&CATEGORY, resolved);
}

/// The rules of this category, declared once for every output, the
/// documentation check and the fixture harness.
pub const CATEGORY: Category = Category {
    name: "link",
    title: "nothing broken",
    security_severity: 2.0,
    rules: &[
        Rule::error(
            "link/broken",
            "a same-origin `href`/`src`/`srcset`/`data-analytics-src`, a URL in the `content` of `<meta property=og:…>` or `<meta name=twitter:…>` (`og:image`, `og:url`, `twitter:image`, `…:url`, `…:secure_url`; either attribute, any case), a CSS `url()`, or the destination of a `_redirects` rule that names one path, that resolves to no file, following pretty URLs; paths matching `worker_routes` are skipped",
            "broken pages and assets",
            "fix the URL or ship the file",
        ),
        Rule::error(
            "link/broken-fragment",
            "`#fragment` naming no `id` or `<a name>` on the target page (`#` and `#top` are always valid)",
            "the link lands in the wrong place",
            "link to an existing anchor",
        ),
    ],
};
