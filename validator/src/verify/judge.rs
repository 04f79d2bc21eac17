//! The judgements of one served answer against the bundle: its content
//! coding undone, its bytes compared, its headers held to what `_headers`
//! declares for the path, and the markup that runs or loads something in
//! a served page compared with the bundle's page.
//!
//! Every comparison parses both sides and normalises them first; none
//! compares raw header text or raw markup.

use std::collections::BTreeMap;

use sha2::{Digest as _, Sha256};

use crate::csp;
use crate::decompress;
use crate::html::{Element, Page};
use crate::markup;
use crate::site::HashAlgorithm;
use crate::url_norm;

/// Why a body's content coding could not be undone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CodingError {
    #[error("it is sent with the content coding `{0}`, which cannot be undone")]
    Unknown(String),
    #[error("its {coding} content coding cannot be undone: {reason}")]
    Broken { coding: String, reason: String },
}

/// The content codings of a `Content-Encoding` header (every line, every
/// comma-separated item), lowercased, in the order they were applied.
/// `identity` changes nothing and is dropped.
pub(crate) fn codings<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    values
        .into_iter()
        .flat_map(|value| value.split(','))
        .map(|item| item.trim().to_ascii_lowercase())
        .filter(|item| !item.is_empty() && item != "identity")
        .collect()
}

/// `body` with `codings` undone, last applied first, never unpacking to
/// more than `limit` bytes.
pub(crate) fn undo_codings(
    body: Vec<u8>,
    codings: &[String],
    limit: u64,
) -> Result<Vec<u8>, CodingError> {
    let mut bytes = body;
    for coding in codings.iter().rev() {
        let format = match coding.as_str() {
            "gzip" | "x-gzip" => decompress::Format::Gzip,
            "br" => decompress::Format::Brotli,
            "zstd" => decompress::Format::Zstd,
            "deflate" => decompress::Format::Zlib,
            other => return Err(CodingError::Unknown(other.to_string())),
        };
        bytes =
            decompress::decompress(&bytes, format, limit).map_err(|error| CodingError::Broken {
                coding: coding.clone(),
                reason: error.to_string(),
            })?;
    }
    Ok(bytes)
}

/// Where two byte strings first differ, as the 1-based line of `served`
/// and an excerpt of that line from the difference on.
pub(crate) fn first_difference(bundle: &[u8], served: &[u8]) -> Option<(usize, String)> {
    let at = bundle
        .iter()
        .zip(served)
        .position(|(a, b)| a != b)
        .or_else(|| (bundle.len() != served.len()).then(|| bundle.len().min(served.len())))?;
    let line = served[..at.min(served.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1;
    let line_start = served[..at.min(served.len())]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    // Start a little before the difference so the excerpt shows where it
    // is, and cut it short: it is a pointer, not a diff.
    let mut from = at.saturating_sub(24).max(line_start);
    // Never start inside a UTF-8 sequence.
    while from < at && served.get(from).is_some_and(|b| b & 0xC0 == 0x80) {
        from += 1;
    }
    let rest = &served[from.min(served.len())..];
    let end = rest
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(rest.len())
        .min(96);
    let excerpt = String::from_utf8_lossy(&rest[..end]).into_owned();
    Some((line, excerpt))
}

/// A header value normalised for comparison: its comma-separated items,
/// each with runs of white space made one space and ASCII letters
/// lowercased, in order.
pub(crate) fn header_items(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|item| {
            item.split_ascii_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_ascii_lowercase()
        })
        .filter(|item| !item.is_empty())
        .collect()
}

/// How a served header compares with the value `_headers` declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HeaderVerdict {
    Kept,
    Missing,
    /// Served with another value, given as served.
    Changed(String),
}

/// Judges the served values of one header (every line) against the
/// declared value. A CSP is judged as policies: every declared policy
/// must be enforced as served (extra policies only restrict more); any
/// other header must serve the same items.
pub(crate) fn judge_header(name: &str, declared: &str, served: &[&str]) -> HeaderVerdict {
    if served.is_empty() {
        return HeaderVerdict::Missing;
    }
    let joined = served.join(", ");
    let kept = if name == "content-security-policy" {
        let served_policies: Vec<Vec<(String, Vec<String>)>> =
            csp::parse_list(&joined).iter().map(policy_key).collect();
        csp::parse_list(declared)
            .iter()
            .map(policy_key)
            .all(|policy| served_policies.contains(&policy))
    } else {
        header_items(declared) == header_items(&joined)
    };
    if kept {
        HeaderVerdict::Kept
    } else {
        HeaderVerdict::Changed(joined)
    }
}

/// A policy as a comparable value: its directives in name order, each with
/// its sources. Keywords (quoted) and scheme or host sources compare
/// without ASCII case; nonces and hashes are case-sensitive.
fn policy_key(policy: &csp::Policy) -> Vec<(String, Vec<String>)> {
    let mut directives: Vec<(String, Vec<String>)> = policy
        .directives
        .iter()
        .map(|directive| {
            let mut sources: Vec<String> = directive
                .sources
                .iter()
                .map(|source| {
                    let lower = source.to_ascii_lowercase();
                    if lower.starts_with("'nonce-") || lower.starts_with("'sha") {
                        source.clone()
                    } else {
                        lower
                    }
                })
                .collect();
            sources.sort();
            sources.dedup();
            (directive.name.clone(), sources)
        })
        .collect();
    directives.sort();
    directives
}

/// Elements that load or run something, or change where the page's
/// URLs, scripts or policy come from.
const ACTIVE_ELEMENTS: &[&str] = &[
    "script", "style", "link", "iframe", "frame", "frameset", "object", "embed", "applet", "base",
    "portal", "form", "template",
];

/// The markup of a page that runs or loads something, one description per
/// element, counted: every element of [`ACTIVE_ELEMENTS`] with all its
/// attributes (and a digest of an inline body), every `<meta http-equiv>`,
/// and for any other element its event handlers, SMIL animations and
/// `javascript:` URLs. Attributes are sorted by name, so the order they
/// are written in does not matter.
pub(crate) fn active_markup(page: &Page<'_>) -> BTreeMap<String, usize> {
    let bodies: BTreeMap<usize, &str> = page
        .scripts
        .iter()
        .chain(&page.styles)
        .map(|body| (body.element, &*body.text))
        .collect();
    let mut found: BTreeMap<String, usize> = BTreeMap::new();
    for (index, element) in page.elements.iter().enumerate() {
        let Some(description) = describe_active(element, bodies.get(&index).copied()) else {
            continue;
        };
        *found.entry(description).or_default() += 1;
    }
    found
}

fn describe_active(element: &Element<'_>, body: Option<&str>) -> Option<String> {
    let name = &*element.name;
    let whole = ACTIVE_ELEMENTS.contains(&name)
        || (name == "meta" && element.attr("http-equiv").is_some())
        || markup::is_animation(name);
    let mut attrs: Vec<(&str, &str)> = element
        .attrs
        .iter()
        .filter(|attr| {
            whole
                || markup::is_event_handler(&attr.name)
                || url_norm::is_javascript_url(&attr.value)
        })
        .map(|attr| (&*attr.name, &*attr.value))
        .collect();
    if attrs.is_empty() && !whole {
        return None;
    }
    attrs.sort();
    let mut text = format!("<{name}");
    for (attr, value) in attrs {
        text.push(' ');
        text.push_str(attr);
        if !value.is_empty() {
            text.push_str("=\"");
            text.push_str(value);
            text.push('"');
        }
    }
    text.push('>');
    if let Some(body) = body.filter(|body| !body.trim().is_empty()) {
        let digest = Sha256::digest(body.as_bytes());
        let short: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
        text.push_str(&format!(" with an inline body (sha256 {short}…)"));
    }
    Some(text)
}

/// What the served page holds beyond the bundle's: each description with
/// how many more times it occurs.
pub(crate) fn added(
    bundle: &BTreeMap<String, usize>,
    served: &BTreeMap<String, usize>,
) -> Vec<(String, usize)> {
    served
        .iter()
        .filter_map(|(description, &count)| {
            let before = bundle.get(description).copied().unwrap_or(0);
            (count > before).then(|| (description.clone(), count - before))
        })
        .collect()
}

/// Whether an `integrity` value holds for `bytes`, as a browser judges
/// it: only the strongest algorithm named counts, and any of its digests
/// may match. `None` when it names no algorithm the browser knows.
pub(crate) fn integrity_holds(integrity: &str, bytes: &[u8]) -> Option<bool> {
    let tokens: Vec<(HashAlgorithm, &str)> = crate::rules::sri::integrity_tokens(integrity);
    let strongest = tokens.iter().map(|(algorithm, _)| *algorithm).max()?;
    let actual = strongest.digest(bytes);
    Some(
        tokens
            .iter()
            .filter(|(algorithm, _)| *algorithm == strongest)
            .any(|(_, digest)| *digest == actual),
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn codings_are_read_from_every_line_in_order() {
        assert_eq!(
            codings(["gzip, Identity", " BR "]),
            vec!["gzip".to_string(), "br".to_string()]
        );
        assert!(codings([""]).is_empty());
    }

    #[test]
    fn unknown_and_broken_codings_are_errors() {
        assert_eq!(
            undo_codings(b"x".to_vec(), &["compress".into()], 10),
            Err(CodingError::Unknown("compress".into()))
        );
        assert!(matches!(
            undo_codings(b"not gzip".to_vec(), &["gzip".into()], 10),
            Err(CodingError::Broken { .. })
        ));
    }

    #[test]
    fn csp_is_judged_as_policies() {
        let declared = "default-src 'none'; script-src 'self'";
        let name = "content-security-policy";
        assert_eq!(
            judge_header(name, declared, &["script-src 'SELF';  default-src 'none'"]),
            HeaderVerdict::Kept
        );
        // A second policy only restricts more.
        assert_eq!(
            judge_header(name, declared, &[declared, "img-src 'none'"]),
            HeaderVerdict::Kept
        );
        assert!(matches!(
            judge_header(
                name,
                declared,
                &["default-src 'none'; script-src 'self' 'unsafe-inline'"]
            ),
            HeaderVerdict::Changed(_)
        ));
        assert_eq!(judge_header(name, declared, &[]), HeaderVerdict::Missing);
    }

    #[test]
    fn other_headers_compare_by_items() {
        assert_eq!(
            judge_header("x-content-type-options", "nosniff", &["NoSniff"]),
            HeaderVerdict::Kept
        );
        assert!(matches!(
            judge_header("x-frame-options", "DENY", &["DENY", "SAMEORIGIN"]),
            HeaderVerdict::Changed(_)
        ));
    }

    #[test]
    fn added_markup_is_counted_beyond_the_bundle() {
        let bundle = crate::html::parse("<p onclick=\"a()\">x</p><script src=/a.js></script>");
        let served = crate::html::parse(
            "<script src=/a.js></script><p ONCLICK=\"a()\">x</p><script src=/a.js></script>\
             <a href=\"javascript:b()\">y</a>",
        );
        let found = added(&active_markup(&bundle), &active_markup(&served));
        assert_eq!(
            found,
            vec![
                ("<a href=\"javascript:b()\">".to_string(), 1),
                ("<script src=\"/a.js\">".to_string(), 1),
            ]
        );
    }

    #[test]
    fn the_first_difference_names_the_served_line() {
        assert_eq!(
            first_difference(b"a\nbc\n", b"a\nbX\n"),
            Some((2, "bX".to_string()))
        );
        assert_eq!(first_difference(b"same", b"same"), None);
        assert_eq!(first_difference(b"ab", b"a"), Some((1, "a".to_string())));
    }

    proptest! {
        #[test]
        fn header_items_ignore_space_and_case(value in "[ -~]{0,60}") {
            let spaced = value.replace(' ', "  \t").to_ascii_uppercase();
            prop_assert_eq!(header_items(&value), header_items(&spaced));
        }

        #[test]
        fn codings_never_panic_and_drop_identity(value in "[ -~]{0,60}") {
            let found = codings([value.as_str()]);
            prop_assert!(found.iter().all(|c| c != "identity" && !c.is_empty()));
        }

        #[test]
        fn the_first_difference_is_none_only_for_equal_bytes(
            a in proptest::collection::vec(any::<u8>(), 0..64),
            b in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            prop_assert_eq!(first_difference(&a, &b).is_none(), a == b);
        }

        #[test]
        fn any_page_is_judged_without_panic(source in crate::fuzz::html()) {
            let page = crate::html::parse(&source);
            let markup = active_markup(&page);
            prop_assert!(added(&markup, &markup).is_empty());
        }
    }
}
