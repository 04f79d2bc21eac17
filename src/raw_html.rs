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
/// `javascript:` URL: entities decoded, ASCII case folded, and whitespace
/// and control characters (which URL parsing strips or ignores) removed.
pub fn is_javascript_url(raw_value: &str) -> bool {
    let decoded = decode_entities(raw_value);
    let folded: String = decoded
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .map(|c| c.to_ascii_lowercase())
        .take("javascript:".len())
        .collect();
    folded == "javascript:"
}

/// Decodes numeric character references and the named references that can
/// spell a URL scheme. Unknown named references are kept as written, which
/// is what a browser does with them too.
fn decode_entities(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let (decoded, consumed) = decode_one(rest);
        match decoded {
            Some(c) => out.push(c),
            None => out.push_str(&rest[..consumed]),
        }
        rest = &rest[consumed..];
    }
    out.push_str(rest);
    out
}

/// Decodes one reference at the start of `text` (which starts with `&`).
/// Returns the character, if any, and how many bytes were consumed. The
/// terminating `;` is optional, as it is for browsers in attribute values.
fn decode_one(text: &str) -> (Option<char>, usize) {
    let body = &text[1..];
    if let Some(number) = body.strip_prefix('#') {
        let (digits, radix, prefix_len) = match number.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 2),
            None => (number, 10, 1),
        };
        // Digits are ASCII, so the count of characters is the byte length.
        let len = digits.chars().take_while(|c| c.is_digit(radix)).count();
        if len == 0 {
            return (None, 1);
        }
        let code = u32::from_str_radix(&digits[..len], radix).ok();
        let mut consumed = 1 + prefix_len + len;
        if digits[len..].starts_with(';') {
            consumed += 1;
        }
        let decoded = code.map(|c| char::from_u32(c).unwrap_or('\u{FFFD}'));
        return (decoded, consumed);
    }
    let name_len = body.bytes().take_while(u8::is_ascii_alphanumeric).count();
    let name = &body[..name_len];
    let decoded = match name {
        "Tab" => Some('\t'),
        "NewLine" => Some('\n'),
        "colon" => Some(':'),
        "amp" | "AMP" => Some('&'),
        "lpar" => Some('('),
        "rpar" => Some(')'),
        "sol" => Some('/'),
        "period" => Some('.'),
        _ => None,
    };
    match decoded {
        Some(c) => {
            let mut consumed = 1 + name_len;
            if body[name_len..].starts_with(';') {
                consumed += 1;
            }
            (Some(c), consumed)
        }
        None => (None, 1),
    }
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
