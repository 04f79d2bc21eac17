//! `consent`: analytics run only after opt-in. The page loads a consent
//! loader (the script tag with `data-analytics-src`); the analytics script
//! it names must never be loaded directly, no known third-party analytics
//! or tag host may appear anywhere, beacons go to the site itself, and no
//! `<noscript>` pixel tracks visitors without JavaScript.

use crate::emit::{FileFindings, Message};
use crate::html::Element;
use crate::rule::{Category, Rule};
use crate::rules::hosts::{self, HostKind, HostMatch};
use crate::rules::inline::ScriptType;
use crate::rules::link_fetches;
use crate::rules::sink::LiteralUrl;
use crate::scan::{PageContext, PageFacts, Pending};
use crate::site::Site;
use crate::url_norm::Target;

const GATED_HELP: &str = "Load the analytics script only through the consent loader's data-analytics-src; remove the direct reference.";
const HOST_HELP: &str = "Remove the third-party tag; send first-party beacons to the site's own endpoint after consent.";
const ENDPOINT_HELP: &str = "Point data-analytics-endpoint at a same-origin path such as /a/event.";
const PIXEL_HELP: &str =
    "Remove the <noscript> image or frame; visitors without JavaScript are not tracked.";

/// Flags the known analytics hosts found in a text file.
pub(crate) fn check_hosts(found_hosts: &[HostMatch], out: &mut FileFindings<'_>) {
    // Every text file's hosts are judged, whatever it holds.
    out.examine(&CATEGORY);
    for found in found_hosts {
        if found.kind == HostKind::Analytics {
            out.at(
                found.offset,
                Message::error(
                    "consent/third-party-analytics",
                    format!("reference to third-party analytics host {}", found.host),
                    HOST_HELP,
                ),
            );
        }
    }
}

/// Whether the attribute makes the browser fetch the URL (as opposed to
/// a link a visitor may follow).
fn loads(element: &Element<'_>, attr: &str) -> bool {
    match &*element.name {
        "link" => link_fetches(element),
        "script" => {
            ScriptType::of(element).fetches_src() && matches!(attr, "src" | "href" | "xlink:href")
        }
        "iframe" | "frame" | "object" | "embed" | "use" | "image" => {
            matches!(attr, "src" | "href" | "xlink:href" | "data")
        }
        _ => matches!(attr, "src" | "srcset"),
    }
}

/// Whether a resource a `<noscript>` element fetches tracks the visitor:
/// it is on another origin, on a known analytics host, or one of the
/// site's own analytics paths. A same-origin page or image (a table of
/// contents frame, a fallback illustration) does not.
fn tracks(target: &Target, url: &str, analytics_paths: &[String]) -> bool {
    match target {
        Target::CrossOrigin { .. } => true,
        Target::SameOrigin { path, .. } => analytics_paths.contains(path),
        _ => hosts::find(url)
            .iter()
            .any(|m| m.kind == HostKind::Analytics),
    }
}

pub(crate) fn check_page(ctx: &PageContext<'_>, out: &mut FileFindings<'_>, facts: &mut PageFacts) {
    out.examine(&CATEGORY);
    // Same-origin paths that serve analytics on this page: the gated
    // scripts and the beacon endpoints the consent loader names.
    let mut analytics_paths = Vec::new();
    for element in &ctx.page.elements {
        if element.name != "script" {
            continue;
        }
        if let Some(src) = element.attr("data-analytics-src")
            && let Target::SameOrigin { path, .. } = ctx.classify(&src.value)
        {
            analytics_paths.push(path.clone());
            facts.gated.push(path);
            if let Some(loader) = element.attr("src")
                && let Target::SameOrigin { path, .. } = ctx.classify(&loader.value)
            {
                facts.consent_loaders.push(path);
            }
        }
        if let Some(endpoint) = element.attr("data-analytics-endpoint") {
            match ctx.classify(&endpoint.value) {
                Target::SameOrigin { path, .. } => analytics_paths.push(path),
                _ => out.at(
                    endpoint.offset(),
                    Message::error(
                        "consent/endpoint-not-same-origin",
                        "analytics endpoint is not on the site's own origin",
                        ENDPOINT_HELP,
                    ),
                ),
            }
        }
    }
    for url in &ctx.urls {
        let name = &*url.element.name;
        if url.element.in_noscript
            && matches!(
                name,
                "img" | "iframe" | "image" | "embed" | "object" | "source" | "input"
            )
            && tracks(&url.target, url.url, &analytics_paths)
        {
            out.at(
                url.offset,
                Message::error(
                    "consent/noscript-pixel",
                    format!(
                        "<{name}> inside <noscript> fetches {} without consent",
                        url.url.trim()
                    ),
                    PIXEL_HELP,
                ),
            );
        }
        if !loads(url.element, url.name) {
            continue;
        }
        if let Target::SameOrigin { path, .. } = &url.target {
            let path = path.clone();
            let message = Message::error(
                "consent/gated-script-referenced",
                format!("<{name}> references the consent-gated analytics script {path} directly"),
                GATED_HELP,
            );
            facts.pending.push(Pending::GatedReference {
                path,
                offset: url.offset,
                message,
            });
        }
    }
}

/// A script file that loads a same-origin script by a constant URL
/// (`import()`, `new Worker`, a `src` write …): an error once the target
/// is known to be a gated analytics script, unless the file is itself a
/// consent loader, which loads it only after the visitor opts in.
pub(crate) fn check_script_loads(
    site: &Site,
    url_path: &str,
    loads: &[LiteralUrl],
    facts: &mut PageFacts,
) {
    for load in loads {
        if let Target::SameOrigin { path, .. } = site.origins.classify(&load.url, url_path) {
            let message = Message::error(
                "consent/gated-script-referenced",
                format!("script loads the consent-gated analytics script {path} directly"),
                GATED_HELP,
            );
            facts.pending.push(Pending::GatedReference {
                path,
                offset: load.start,
                message,
            });
        }
    }
}

/// The rules of this category, declared once for every output, the
/// documentation check and the fixture harness.
pub const CATEGORY: Category = Category {
    name: "consent",
    title: "analytics only after opt-in",
    security_severity: 5.5,
    rules: &[
        Rule::error(
            "consent/gated-script-referenced",
            "the gated script referenced by any `src`/`href`/`srcset`/`data` in any HTML page (`<script src>`, `<link rel=preload>`, `modulepreload`, …), or loaded by a constant URL (`import()`, `new Worker`, a `src` write …) from any script file other than the consent loader itself",
            "it would load before consent",
            "load it only through the loader",
        ),
        Rule::error(
            "consent/third-party-analytics",
            "a known analytics or tag-manager host (Google Analytics, Tag Manager, Segment, Hotjar, Mixpanel, the Facebook pixel, Plausible, Matomo Cloud, Heap, FullStory, Clarity, Amplitude, PostHog, Baidu Tongji, Cloudflare Web Analytics, Yandex Metrica, Adobe Analytics, …) where a browser would load it (see \"Loads, not mentions\" below)",
            "third-party tracking without consent",
            "remove it",
        ),
        Rule::error(
            "consent/endpoint-not-same-origin",
            "a `data-analytics-endpoint` that is not same-origin",
            "beacons must go through the first-party proxy",
            "use `/a/event`",
        ),
        Rule::error(
            "consent/noscript-pixel",
            "an image, frame or object inside `<noscript>` that fetches from another origin, from a known analytics host, or from the page's own analytics paths (the gated script, the `data-analytics-endpoint`); a same-origin frame or image (`<noscript><iframe src=\"toc.html\">`) passes",
            "tracks visitors without JavaScript, and without consent",
            "remove it",
        ),
    ],
};
