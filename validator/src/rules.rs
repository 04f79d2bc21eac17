//! One module per rule category. The category is the part of a rule id
//! before the `/`, and each module declares its rules once, as a
//! [`Category`] constant listed in [`CATEGORIES`].
//!
//! Page rules run on the one parse of each HTML file; text rules on every
//! text file; site rules (`csp`, `headers`, `cache`, `sitemap`) on the
//! bundle as a whole once every file has been scanned.

pub mod admin;
pub mod cache;
pub mod claims;
pub mod consent;
pub mod csp;
pub mod encoding;
pub mod form;
pub mod headers;
pub(crate) mod hosts;
pub mod inline;
pub mod layout;
pub mod link;
pub mod payment;
mod route_findings;
pub mod script;
pub mod secret;
pub mod securitytxt;
pub mod sink;
pub mod sitemap;
pub mod sri;
pub mod suppression;

use crate::emit::{FileFindings, Message};
use crate::html::{Attr, Element, Page};
use crate::markup;
use crate::rule::Category;
use crate::scan::{PageContext, PageFacts};
use crate::url_norm::{Target, refresh_url, srcset_urls};

/// Every rule category, in the order the README documents them. A new rule
/// is declared in its category's `CATEGORY`; only a new category is added
/// here.
pub const CATEGORIES: &[Category] = &[
    csp::CATEGORY,
    headers::CATEGORY,
    script::CATEGORY,
    inline::CATEGORY,
    sri::CATEGORY,
    sink::CATEGORY,
    admin::CATEGORY,
    consent::CATEGORY,
    form::CATEGORY,
    payment::CATEGORY,
    secret::CATEGORY,
    encoding::CATEGORY,
    claims::CATEGORY,
    link::CATEGORY,
    layout::CATEGORY,
    sitemap::CATEGORY,
    securitytxt::CATEGORY,
    cache::CATEGORY,
    suppression::CATEGORY,
    crate::verify::CATEGORY,
];

/// Runs every page rule on one parsed HTML file.
pub(crate) fn check_page(ctx: &PageContext<'_>, out: &mut FileFindings<'_>, facts: &mut PageFacts) {
    inline::check_page(ctx, out);
    script::check_page(ctx, out);
    sri::check_page(ctx, out);
    admin::check_page(ctx, out, facts);
    consent::check_page(ctx, out, facts);
    form::check_page(ctx, out);
    payment::check_page(ctx, out);
    link::check_page(ctx, out, facts);
    layout::check_page(ctx, out);
    if !ctx.svg {
        csp::check_page(ctx, out);
    }
    out.examine(&claims::CATEGORY);
    let visible = &ctx.page.visible;
    for detection in claims::scan(&visible.text, &ctx.site.register) {
        let offset = visible.html_offset(detection.start);
        // The claim's last character, mapped on its own: the end of a run
        // of visible text maps to wherever the next run starts.
        let end = visible.text[..detection.end.min(visible.text.len())]
            .char_indices()
            .next_back()
            .filter(|(at, _)| *at >= detection.start)
            .map_or(offset, |(at, c)| visible.html_offset(at) + c.len_utf8());
        out.at_span(
            offset..end.max(offset),
            Message {
                rule: detection.rule,
                severity: detection.severity,
                message: detection.message,
                help: detection.help,
            },
        );
    }
}

/// Attributes whose value is a URL a browser follows or fetches.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "background",
    "cite",
    "longdesc",
    "manifest",
    "lowsrc",
    "dynsrc",
    "codebase",
    "archive",
    "icon",
    "profile",
    "classid",
    "ping",
];

/// One URL found in an attribute of an element.
pub struct UrlRef<'p> {
    pub element: &'p Element<'p>,
    /// The attribute the URL was written in.
    pub attr: &'p Attr<'p>,
    /// The attribute the URL is the value of, as rules judge it: the
    /// attribute's own name, `xlink:href` for a link under another prefix,
    /// and `href` for a URL a SMIL animation writes into a link.
    pub name: &'p str,
    /// Written by a SMIL animation (`<set attributeName="href" to=…>`).
    pub animated: bool,
    /// The URL, entities decoded.
    pub url: &'p str,
    /// Byte offset in the file to point findings at.
    pub offset: usize,
    /// What the URL points at, classified once for every rule.
    pub target: Target,
}

/// Every URL on the page (URL attributes, `srcset` candidates and
/// `<meta http-equiv="refresh">` targets), each classified with `classify`.
pub fn page_urls<'p>(page: &'p Page<'p>, classify: impl Fn(&str) -> Target) -> Vec<UrlRef<'p>> {
    let mut out = Vec::new();
    let mut push = |element, attr: &'p Attr<'p>, name, animated, url: &'p str, offset| {
        out.push(UrlRef {
            element,
            attr,
            name,
            animated,
            url,
            offset,
            target: classify(url),
        });
    };
    for element in &page.elements {
        for attr in &element.attrs {
            let name = &*attr.name;
            if name == "data" && element.name != "object" {
                continue;
            }
            if URL_ATTRIBUTES.contains(&name) {
                if name == "ping" || name == "archive" {
                    for part in attr.value.split_ascii_whitespace() {
                        push(element, attr, name, false, part, attr.offset());
                    }
                } else {
                    push(element, attr, name, false, &attr.value, attr.offset());
                }
            } else if markup::is_link_attribute(name) {
                // `x:href` is `xlink:href` wherever an XML document binds
                // the XLink namespace to `x`.
                push(
                    element,
                    attr,
                    "xlink:href",
                    false,
                    &attr.value,
                    attr.offset(),
                );
            } else if name == "srcset" || name == "imagesrcset" {
                for (at, url) in srcset_urls(&attr.value) {
                    push(element, attr, name, false, url, attr.offset() + at);
                }
            } else if name == "content"
                && element.name == "meta"
                && element
                    .value("http-equiv")
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("refresh"))
                && let Some((at, url)) = refresh_url(&attr.value)
            {
                push(element, attr, name, false, url, attr.offset() + at);
            }
        }
        // An animation that writes a link makes its values links too.
        if let Some(animation) = markup::animation(&element.name, &element.attrs)
            && animation.targets_link()
        {
            for value in animation.values {
                let attr = &element.attrs[value.attribute];
                push(
                    element,
                    attr,
                    "href",
                    true,
                    value.value,
                    attr.offset() + value.offset,
                );
            }
        }
    }
    out
}

/// Whether a `<link>` with this `rel` makes the browser fetch its `href`.
pub fn link_fetches(element: &Element<'_>) -> bool {
    const FETCHING: &[&str] = &[
        "stylesheet",
        "preload",
        "modulepreload",
        "prefetch",
        "icon",
        "apple-touch-icon",
        "apple-touch-icon-precomposed",
        "manifest",
        "mask-icon",
    ];
    FETCHING.iter().any(|rel| element.has_token("rel", rel))
}
