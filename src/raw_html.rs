//! The raw HTML policy for Markdown: authors may write plain markup, but
//! nothing that runs code or styles inline, because the site's CSP forbids
//! both and the bundle must keep working under it.
//!
//! Raw HTML is tokenised with lol_html (the same parser the browser-facing
//! rewrite uses) rather than matched with patterns, so attribute quoting,
//! case and entity tricks cannot hide a handler or a `javascript:` URL.
//! Which attributes run script is the validator's own judgement
//! ([`bundle_validator::markup`]): event handlers, and SMIL animations
//! (`<set>`, `<animate>`) that write a handler or a `javascript:` link, so
//! the build rejects exactly what the gate would. On top of it the policy
//! is stricter than the gate: no `<script>` or `<style>` element at all,
//! and a `javascript:` URL in any attribute.

use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;

use bundle_validator::markup::{self, Execution};
use lol_html::html_content::Element;
use lol_html::{ElementContentHandlers, HtmlRewriter, MemorySettings, Selector, Settings};

/// The memory the tokenizer may use for one fragment beyond twice its
/// size. A fragment of raw HTML in Markdown is small; the bound only stops
/// a hostile one from growing without end.
const TOKENIZER_MEMORY_ALLOWANCE: usize = 4 * 1024 * 1024;

/// The selector for every element, parsed once rather than per fragment.
static EVERY_ELEMENT: LazyLock<Selector> =
    LazyLock::new(|| "*".parse().expect("`*` is a valid selector"));

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
    /// A SMIL animation (`<set>`, `<animate>`) that writes an event handler
    /// attribute on its target (the attribute it animates).
    AnimatedEventHandler(String),
    /// A SMIL animation that writes a `javascript:` URL into a link (the
    /// attribute it animates).
    AnimatedJavascriptUrl(String),
    /// Markup the tokenizer could not read to the end (it ran out of
    /// memory): what follows may hide anything.
    Unreadable,
}

impl RawHtmlViolation {
    /// How to fix the violation.
    pub fn help(&self) -> &'static str {
        match self {
            Self::Script
            | Self::EventHandler(_)
            | Self::JavascriptUrl(_)
            | Self::AnimatedEventHandler(_)
            | Self::AnimatedJavascriptUrl(_) => {
                "remove it, or move the behaviour into a script under static/"
            }
            Self::Style | Self::StyleAttribute => {
                "remove it, or use a class styled in a stylesheet under static/"
            }
            Self::Unreadable => "shorten the raw HTML, or move it into a template",
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
            Self::AnimatedEventHandler(target) => write!(
                f,
                "contains an animation that sets the event handler attribute `{target}`"
            ),
            Self::AnimatedJavascriptUrl(target) => {
                write!(
                    f,
                    "contains an animation that sets `{target}` to a javascript: URL"
                )
            }
            Self::Unreadable => write!(f, "is too large for the HTML tokenizer to read"),
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
    let result = {
        // Non-strict: ambiguous markup must still be tokenised (and
        // checked), not rejected, and ESI tags mean nothing to a static
        // site.
        let settings = Settings::new()
            .with_strict(false)
            .with_enable_esi_tags(false)
            .with_memory_settings(MemorySettings::new().with_max_allowed_memory_usage(
                TOKENIZER_MEMORY_ALLOWANCE.saturating_add(html.len().saturating_mul(2)),
            ))
            .append_element_content_handler((
                Cow::Borrowed(&*EVERY_ELEMENT),
                ElementContentHandlers::default().element(|el: &mut Element| {
                    inspect_element(el, &mut found);
                    Ok(())
                }),
            ));
        let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
        // A rewriter that returned an error must not be used again.
        rewriter
            .write(html.as_bytes())
            .and_then(|()| rewriter.end())
    };
    // A tokenising failure (only possible on the memory limit) must not let
    // the rest of the fragment through unchecked.
    if result.is_err() {
        found.push((0, RawHtmlViolation::Unreadable));
    }
    found
}

fn inspect_element(el: &Element, found: &mut Vec<(usize, RawHtmlViolation)>) {
    let tag_start = el.source_location().bytes().start;
    let first = found.len();
    let tag = el.tag_name();
    match tag.as_str() {
        "script" => found.push((tag_start, RawHtmlViolation::Script)),
        "style" => found.push((tag_start, RawHtmlViolation::Style)),
        _ => {}
    }
    // Names lowercased and values decoded, as the shared judgement reads
    // them.
    let attributes: Vec<(String, String, usize)> = el
        .attributes()
        .iter()
        .map(|attribute| {
            let at = attribute
                .name_source_location()
                .map_or(tag_start, |location| location.bytes().start);
            let raw = attribute.value();
            let value = markup::decoded_attribute_value(&raw).into_owned();
            (attribute.name().to_ascii_lowercase(), value, at)
        })
        .collect();
    let views: Vec<(&str, &str)> = attributes
        .iter()
        .map(|(name, value, _)| (name.as_str(), value.as_str()))
        .collect();
    let mut animated = Vec::new();
    for execution in markup::executions(&tag, &views) {
        let (index, violation) = match execution {
            Execution::EventHandler { attribute } => (
                attribute,
                RawHtmlViolation::EventHandler(attributes[attribute].0.clone()),
            ),
            Execution::AnimatedEventHandler { attribute, target } => {
                (attribute, RawHtmlViolation::AnimatedEventHandler(target))
            }
            Execution::AnimatedJavaScriptUrl {
                attribute, target, ..
            } => {
                animated.push(attribute);
                (attribute, RawHtmlViolation::AnimatedJavascriptUrl(target))
            }
        };
        found.push((attributes[index].2, violation));
    }
    for (index, (name, value, at)) in attributes.iter().enumerate() {
        if name == "style" {
            found.push((*at, RawHtmlViolation::StyleAttribute));
        } else if !markup::is_event_handler(name)
            && !animated.contains(&index)
            && bundle_validator::url_norm::is_javascript_url(value)
        {
            found.push((*at, RawHtmlViolation::JavascriptUrl(name.clone())));
        }
    }
    // This element's violations, in source order.
    found[first..].sort_by_key(|(offset, _)| *offset);
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

    #[test]
    fn svg_and_smil_follow_the_validator() {
        assert_eq!(
            kinds("<svg><script src=/x.js>alert(1)</script></svg>"),
            [RawHtmlViolation::Script]
        );
        assert_eq!(
            kinds(
                "<svg><a><set attributeName=\"xlink:href\" to=\"java&#x73;cript:alert(1)\"/></a></svg>"
            ),
            [RawHtmlViolation::AnimatedJavascriptUrl(
                "xlink:href".to_string()
            )]
        );
        assert_eq!(
            kinds(
                "<svg><a><animate attributeName=HREF values=\"/a;javascript:alert(1)\"/></a></svg>"
            ),
            [RawHtmlViolation::AnimatedJavascriptUrl("href".to_string())]
        );
        assert_eq!(
            kinds("<svg><rect><set attributeName=onclick to=alert(1) /></rect></svg>"),
            [RawHtmlViolation::AnimatedEventHandler(
                "onclick".to_string()
            )]
        );
        // Animating a harmless link or a colour is fine.
        assert!(kinds("<svg><a><set attributeName=href to=/next/ /><animate attributeName=fill values=\"red;blue\"/></a></svg>").is_empty());
        let found = inspect("<p>x</p><svg><set attributeName=href to=javascript:x>");
        assert_eq!(found[0].0, "<p>x</p><svg><set attributeName=href ".len());
    }

    #[test]
    fn hostile_fragments_are_rejected_without_panicking() {
        // Nesting costs the tokenizer memory for its stack of open
        // elements: a deep but sane fragment passes, a hostile one is
        // refused whole rather than half read.
        assert!(inspect(&"<div>".repeat(20_000)).is_empty());
        assert_eq!(
            kinds(&"<div>".repeat(200_000)),
            [RawHtmlViolation::Unreadable]
        );
    }

    mod fuzz {
        use super::super::*;
        use proptest::prelude::*;
        use proptest::test_runner::Config;

        fn config() -> Config {
            crate::proptest_config::config(48)
        }

        /// An animation element as an author might write it in Markdown,
        /// with its attributes in any order, case and quoting.
        fn animation() -> impl Strategy<Value = String> {
            let element =
                prop::sample::select(&["set", "animate", "SET", "animateMotion", "b"][..]);
            let target = prop::sample::select(
                &[
                    "href",
                    "xlink:href",
                    "HREF",
                    " x:href ",
                    "fill",
                    "onclick",
                    "onBegin",
                ][..],
            );
            let value = prop::sample::select(
                &[
                    "/next/",
                    "javascript:alert(1)",
                    "jav&#x61;script:x",
                    "&#106;avascript:x",
                    " JAVA&Tab;SCRIPT:x",
                    "red",
                    "/a;javascript:b",
                    "#a;#b",
                ][..],
            );
            let value_name = prop::sample::select(&["to", "from", "by", "values", "TO"][..]);
            let quote = prop::sample::select(&["\"", "'"][..]);
            (element, target, value, value_name, quote, any::<bool>()).prop_map(
                |(element, target, value, value_name, quote, name_first)| {
                    let name = format!("attributeName={quote}{target}{quote}");
                    let value = format!("{value_name}={quote}{value}{quote}");
                    let (first, second) = if name_first {
                        (name, value)
                    } else {
                        (value, name)
                    };
                    format!("<svg><a><{element} {first} {second}/></a></svg>")
                },
            )
        }

        proptest! {
            #![proptest_config(config())]

            /// The policy rejects an animation exactly when the validator's
            /// judgement says it runs script.
            #[test]
            fn fuzz_animations_are_judged_as_the_validator_judges(html in animation()) {
                let page = bundle_validator::html::parse(&html);
                let gate = page.elements.iter().any(|element| {
                    !markup::executions(&element.name, &element.attrs).is_empty()
                });
                let build = inspect(&html).iter().any(|(_, violation)| {
                    matches!(
                        violation,
                        RawHtmlViolation::AnimatedJavascriptUrl(_)
                            | RawHtmlViolation::AnimatedEventHandler(_)
                    )
                });
                prop_assert_eq!(gate, build, "{}", html);
            }

            /// Any fragment is inspected without failing, with offsets
            /// inside it.
            #[test]
            fn fuzz_any_fragment_is_inspected(html in "(<[a-z]{0,3}|[ =\"'&#;<>/a-z]|on|javascript:|\u{0}|é){0,40}") {
                for (offset, _) in inspect(&html) {
                    prop_assert!(offset <= html.len());
                }
            }
        }
    }
}
