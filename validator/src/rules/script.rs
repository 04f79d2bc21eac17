//! `script`: the script boundary. Every subresource a page, stylesheet or
//! script loads comes from the site itself; a third-party script or
//! stylesheet can do anything the page can, and `<base href>` would
//! redirect every relative URL.

use crate::css;
use crate::emit::{FileFindings, Message};
use crate::html::Element;
use crate::rule::{Category, Rule};
use crate::rules::inline::ScriptType;
use crate::rules::link_fetches;
use crate::rules::sink::LiteralUrl;
use crate::scan::PageContext;
use crate::site::Site;
use crate::url_norm::Target;

const THIRD_PARTY_HELP: &str = "Self-host the file under the site's own origin (and fingerprint it), or add the origin to `allowed_origins` if it is truly yours.";
const BASE_HELP: &str =
    "Remove the <base> element; write URLs relative to the page or the site root.";
const DATA_HELP: &str =
    "Load scripts, stylesheets and frames from self-hosted files, not `data:` URLs.";

/// Whether `attr` of `element` makes the browser fetch a subresource.
fn is_subresource(element: &Element<'_>, attr: &str) -> bool {
    match (&*element.name, attr) {
        // A data block (`type="text/plain"`, JSON, a template) is never
        // fetched, whatever its `src` says.
        ("script", "src" | "href" | "xlink:href") => ScriptType::of(element).fetches_src(),
        ("link", "href" | "imagesrcset") => link_fetches(element),
        ("img" | "source", "src" | "srcset") => true,
        ("video", "src" | "poster") | ("audio" | "track" | "embed", "src") => true,
        ("iframe" | "frame", "src") | ("object", "data") => true,
        ("input", "src") => true,
        ("image" | "use" | "feimage", "href" | "xlink:href") => true,
        (_, "background") => true,
        _ => false,
    }
}

/// Elements whose `data:` source would run code or styles.
fn runs_code(element: &Element<'_>) -> bool {
    matches!(
        &*element.name,
        "script" | "iframe" | "frame" | "object" | "embed"
    ) || (element.name == "link" && element.has_token("rel", "stylesheet"))
}

pub(crate) fn check_page(ctx: &PageContext<'_>, out: &mut FileFindings<'_>) {
    // The subresource URLs judged here are the routes examined; the
    // stylesheets below count their own.
    let mut judged = 0;
    for url in &ctx.urls {
        if url.element.name == "base" && url.name == "href" {
            out.at(
                url.element.start,
                Message::error(
                    "script/base-element",
                    "<base href> changes where every relative URL points",
                    BASE_HELP,
                ),
            );
            continue;
        }
        if !is_subresource(url.element, url.name) {
            continue;
        }
        judged += 1;
        match &url.target {
            Target::CrossOrigin { host, .. } => out.at(
                url.offset,
                Message::error(
                    "script/third-party",
                    format!(
                        "<{}> loads a subresource from third-party host {host}",
                        url.element.name
                    ),
                    THIRD_PARTY_HELP,
                ),
            ),
            Target::Data if runs_code(url.element) => out.at(
                url.offset,
                Message::error(
                    "script/data-url",
                    format!("<{}> loads code from a `data:` URL", url.element.name),
                    DATA_HELP,
                ),
            ),
            _ => {}
        }
    }
    out.examine_routes(&CATEGORY, judged);
    for body in &ctx.page.styles {
        check_css(ctx.site, &ctx.url_path, &body.text, body.start, out);
    }
    for element in &ctx.page.elements {
        if let Some(style) = element.attr("style") {
            check_css(ctx.site, &ctx.url_path, &style.value, style.offset(), out);
        }
    }
}

/// Checks the URLs of CSS text found at byte `base` of the file.
pub(crate) fn check_css(
    site: &Site,
    url_path: &str,
    css_text: &str,
    base: usize,
    out: &mut FileFindings<'_>,
) {
    let found_urls = css::urls(css_text);
    out.examine_routes(&CATEGORY, found_urls.len());
    for found in found_urls {
        if let Target::CrossOrigin { host, .. } = site.origins.classify(&found.url, url_path) {
            out.at(
                base + found.offset,
                Message::error(
                    "script/third-party",
                    format!("stylesheet loads a subresource from third-party host {host}"),
                    THIRD_PARTY_HELP,
                ),
            );
        }
    }
}

/// Checks the constant URLs a script loads code from (`import`, `import()`,
/// workers, `importScripts`, service workers), as found by the JavaScript
/// parser; `base` is where the script starts in the file.
pub(crate) fn check_js_loads(
    site: &Site,
    url_path: &str,
    loads: &[LiteralUrl],
    base: usize,
    out: &mut FileFindings<'_>,
) {
    out.examine_routes(&CATEGORY, loads.len());
    for load in loads {
        if let Target::CrossOrigin { host, .. } = site.origins.classify(&load.url, url_path) {
            out.at(
                base + load.start,
                Message::error(
                    "script/third-party",
                    format!("script loads a resource from third-party host {host}"),
                    THIRD_PARTY_HELP,
                ),
            );
        }
    }
}

/// The rules of this category, declared once for every output, the
/// documentation check and the fixture harness.
pub const CATEGORY: Category = Category {
    name: "script",
    title: "the script boundary",
    security_severity: 7.5,
    rules: &[
        Rule::error(
            "script/third-party",
            "a subresource on another origin: `<script src>` of a classic script or module (not a data block such as `type=\"text/plain\"`), fetching `<link>` (stylesheet, preload, modulepreload, prefetch, icons, manifest), `img`/`source` `src` and `srcset`, media, `iframe`, `object`, `embed`, SVG `href`/`xlink:href`, CSS `url()`/`@import` and the strings of `image-set()`/`image()` in `.css` files, `<style>` and `style=`, and constant URLs (string literals, templates without substitutions, constant-folded concatenations) that the JavaScript parser finds in `import`/`export … from`, `import()`, `new Worker`/`SharedWorker`, `importScripts`, `serviceWorker.register` and writes of `src` (`el.src = …`, `setAttribute('src', …)`), in `.js` files and inline scripts, and the URLs of an inline import map",
            "third-party code runs with the page's rights; third-party requests leak visitors",
            "self-host the file, or list the origin in `allowed_origins`",
        ),
        Rule::error(
            "script/data-url",
            "scripts, stylesheets, frames or objects loaded from `data:`",
            "code hidden in URLs escapes review and SRI",
            "ship a file",
        ),
        Rule::error(
            "script/base-element",
            "any `<base href>`",
            "it re-points every relative URL",
            "remove it",
        ),
    ],
};
