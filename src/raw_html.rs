//! The raw HTML policy for Markdown: authors may write plain markup, but
//! nothing that runs code or styles inline, because the site's CSP forbids
//! both and the bundle must keep working under it.
//!
//! Raw HTML is tokenised with lol_html (the same parser the browser-facing
//! rewrite uses) rather than matched with patterns, so attribute quoting,
//! case and entity tricks cannot hide a handler or a `javascript:` URL.

use std::fmt;

use lol_html::html_content::Element;
use lol_html::{RewriteStrSettings, element, rewrite_str};

/// One way raw HTML can break the script boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawHtmlViolation {
    /// A `<script>` element.
    Script,
    /// A `<style>` element.
    Style,
    /// An `on*=` event handler attribute (the name, lowercased).
    EventHandler(String),
    /// A `style=` attribute.
    StyleAttribute,
    /// An attribute whose value is a `javascript:` URL (the attribute name).
    JavascriptUrl(String),
}

impl RawHtmlViolation {
    /// How to fix the violation.
    pub fn help(&self) -> &'static str {
        match self {
            Self::Script | Self::EventHandler(_) | Self::JavascriptUrl(_) => {
                "remove it, or move the behaviour into a script under static/"
            }
            Self::Style | Self::StyleAttribute => {
                "remove it, or use a class styled in a stylesheet under static/"
            }
        }
    }
}

impl fmt::Display for RawHtmlViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Script => write!(f, "contains a <script> element"),
            Self::Style => write!(f, "contains a <style> element"),
            Self::EventHandler(name) => write!(f, "contains an event handler attribute `{name}`"),
            Self::StyleAttribute => write!(f, "contains an inline `style` attribute"),
            Self::JavascriptUrl(name) => {
                write!(f, "contains a javascript: URL in attribute `{name}`")
            }
        }
    }
}

/// Returns every violation in a fragment of raw HTML, each with the byte
/// offset inside `html` where the offending tag or attribute starts.
pub fn inspect(html: &str) -> Vec<(usize, RawHtmlViolation)> {
    // Cheap pre-filter: every violation needs a `<` to open a tag, and most
    // raw HTML in Markdown is short, harmless markup.
    if !html.contains('<') {
        return Vec::new();
    }
    let mut found = Vec::new();
    // Non-strict: ambiguous markup must still be tokenised (and checked),
    // not rejected, and ESI tags mean nothing to a static site.
    let settings = RewriteStrSettings::new()
        .with_strict(false)
        .with_enable_esi_tags(false)
        .append_element_content_handler(element!("*", |el| {
            inspect_element(el, &mut found);
            Ok(())
        }));
    // A tokenising failure (only possible on memory limits) must not let
    // the fragment through unchecked: report it as the strictest violation.
    if rewrite_str(html, settings).is_err() {
        return vec![(0, RawHtmlViolation::Script)];
    }
    found
}

fn inspect_element(el: &Element, found: &mut Vec<(usize, RawHtmlViolation)>) {
    let tag_start = el.source_location().bytes().start;
    match el.tag_name().as_str() {
        "script" => found.push((tag_start, RawHtmlViolation::Script)),
        "style" => found.push((tag_start, RawHtmlViolation::Style)),
        _ => {}
    }
    for attribute in el.attributes() {
        let name = attribute.name();
        let at = attribute
            .name_source_location()
            .map_or(tag_start, |location| location.bytes().start);
        if name.starts_with("on") {
            found.push((at, RawHtmlViolation::EventHandler(name)));
        } else if name == "style" {
            found.push((at, RawHtmlViolation::StyleAttribute));
        } else if is_javascript_url(&attribute.value()) {
            found.push((at, RawHtmlViolation::JavascriptUrl(name)));
        }
    }
}

/// Whether an attribute value, as a browser would read it, is a
/// `javascript:` URL. The judgement is the validator's own, so a page the
/// build accepts is never one the gate rejects for the same attribute.
pub fn is_javascript_url(raw_value: &str) -> bool {
    bundle_validator::url_norm::attribute_is_javascript_url(raw_value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(html: &str) -> Vec<RawHtmlViolation> {
        inspect(html).into_iter().map(|(_, v)| v).collect()
    }

    #[test]
    fn plain_markup_passes() {
        assert!(kinds("<div class=\"note\"><a href=\"/x/\">x</a></div>").is_empty());
        assert!(kinds("<!-- <script>alert(1)</script> -->").is_empty());
    }

    #[test]
    fn script_and_style_elements_fail() {
        assert_eq!(
            kinds("<SCRIPT src=/x.js></SCRIPT>"),
            [RawHtmlViolation::Script]
        );
        assert_eq!(
            kinds("<svg><style>a{}</style></svg>"),
            [RawHtmlViolation::Style]
        );
    }

    #[test]
    fn handlers_and_style_attributes_fail_with_offsets() {
        let found = inspect("<p>x</p><img src=a OnError=\"go()\">");
        assert_eq!(
            found,
            [(19, RawHtmlViolation::EventHandler("onerror".to_string()))]
        );
        assert_eq!(
            kinds("<p STYLE='color:red'>"),
            [RawHtmlViolation::StyleAttribute]
        );
    }

    #[test]
    fn javascript_urls_fail_through_disguises() {
        for value in [
            "javascript:alert(1)",
            " JaVaScRiPt:alert(1)",
            "java&#x09;script:alert(1)",
            "java&Tab;script&colon;alert(1)",
            "&#106;avascript:x",
            "&#x6A&#x61vascript:x",
            "\u{1}javascript:x",
        ] {
            assert!(is_javascript_url(value), "{value:?}");
        }
        assert!(!is_javascript_url("/javascript/"));
        assert!(!is_javascript_url("https://example.org/?javascript:"));
        assert_eq!(
            kinds("<a href=\"jav&#97;script:go()\">x</a>"),
            [RawHtmlViolation::JavascriptUrl("href".to_string())]
        );
    }
}
