//! The one policy for quoting file content in findings without printing a
//! secret.
//!
//! Findings quote what they found: URLs and hosts in messages, a source
//! line in the snippet. Any of it can carry a credential, so every message
//! and snippet passes through here before a report leaves the library:
//!
//! - a secret the scanner recognises is cut to its
//!   [`visible_prefix`](crate::rules::secret::visible_prefix);
//! - in a URL, the userinfo (`https://user:password@host`, or a token
//!   used as a user name) is cut the same way;
//! - so is the value of a query or fragment parameter that is named like a
//!   credential (`token`, `key`, `secret`, `password`, `auth`, `sig`,
//!   `session`, `code`, …) or that looks random (long, letters and digits).
//!
//! Each pass is one walk over the text, so redacting is linear in what is
//! shown.

use std::borrow::Cow;
use std::ops::Range;

use crate::Finding;
use crate::rules::secret;

/// How a masked secret looks in a snippet or message: its visible prefix
/// and a marker, e.g. `sk_l…[redacted]`.
pub fn masked(secret: &str) -> String {
    format!("{}…[redacted]", secret::visible_prefix(secret))
}

/// Redacts the message and snippet of a finding. Messages of the `secret`
/// rules are built redacted and are left as they are.
pub fn finding(finding: &mut Finding) {
    if !finding.rule.starts_with("secret/")
        && let Cow::Owned(message) = message(&finding.message)
    {
        finding.message = message;
    }
    if let Some(snippet) = &finding.snippet
        && let Cow::Owned(snippet) = url_credentials(snippet)
    {
        finding.snippet = Some(snippet);
    }
}

/// A message with every recognisable secret and every URL credential in
/// it masked.
pub fn message(text: &str) -> Cow<'_, str> {
    let detections = secret::scan(text);
    let without_secrets = mask_ranges(text, detections.iter().map(|d| d.start..d.end));
    match url_credentials(&without_secrets) {
        Cow::Borrowed(_) => without_secrets,
        Cow::Owned(masked) => Cow::Owned(masked),
    }
}

/// `text` with the byte ranges `ranges` (sorted, not overlapping) masked.
fn mask_ranges(text: &str, ranges: impl Iterator<Item = Range<usize>>) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut cursor = 0;
    for range in ranges {
        if range.start < cursor || range.end > text.len() || range.is_empty() {
            continue;
        }
        let (Some(before), Some(secret)) = (text.get(cursor..range.start), text.get(range.clone()))
        else {
            continue;
        };
        let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
        out.push_str(before);
        out.push_str(&masked(secret));
        cursor = range.end;
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[cursor..]);
            Cow::Owned(out)
        }
    }
}

/// Bytes that end a URL, or a part of one, in running text.
fn ends_url(byte: u8) -> bool {
    byte.is_ascii_whitespace() || matches!(byte, b'"' | b'\'' | b'<' | b'>' | b'`' | b')' | b']')
}

/// Names of URL parameters that carry credentials, as lowercase fragments.
const CREDENTIAL_NAMES: &[&str] = &[
    "token",
    "secret",
    "pass",
    "pwd",
    "key",
    "auth",
    "sig",
    "session",
    "credential",
    "jwt",
    "bearer",
    "ticket",
    "otp",
];

fn credential_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(lower.as_str(), "code" | "sid" | "state" | "p" | "pw")
        || CREDENTIAL_NAMES.iter().any(|word| lower.contains(word))
}

/// Whether a parameter value looks like a random credential: long, and
/// mixing letters and digits.
fn looks_random(value: &str) -> bool {
    value.len() >= 16
        && value.bytes().any(|b| b.is_ascii_digit())
        && value.bytes().any(|b| b.is_ascii_alphabetic())
        && value.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'-' | b'_' | b'.' | b'~' | b'+' | b'/' | b'=' | b'%')
        })
}

/// `text` with the credentials of every URL in it masked: userinfo, and
/// credential-like parameter values.
pub fn url_credentials(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut ranges: Vec<Range<usize>> = Vec::new();
    // Userinfo: `//` then everything up to an `@` that comes before the
    // authority ends.
    for slashes in memchr::memmem::find_iter(bytes, b"//") {
        let start = slashes + 2;
        let authority_end = bytes[start..]
            .iter()
            .position(|&b| ends_url(b) || matches!(b, b'/' | b'?' | b'#' | b'\\'))
            .map_or(bytes.len(), |end| start + end);
        if let Some(at) = memchr::memrchr(b'@', &bytes[start..authority_end])
            && at > 0
        {
            ranges.push(start..start + at);
        }
    }
    // Parameters: `?`, `&`, `;` or `#`, a name, `=`, a value.
    for separator in
        memchr::memchr3_iter(b'?', b'&', b'#', bytes).chain(memchr::memchr_iter(b';', bytes))
    {
        let name_start = separator + 1;
        let name_length = bytes[name_start..]
            .iter()
            .position(|&b| {
                !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'[' | b']'))
            })
            .unwrap_or(bytes.len() - name_start);
        let equals = name_start + name_length;
        if name_length == 0 || bytes.get(equals) != Some(&b'=') {
            continue;
        }
        let value_start = equals + 1;
        let value_end = bytes[value_start..]
            .iter()
            .position(|&b| ends_url(b) || matches!(b, b'&' | b'#' | b';'))
            .map_or(bytes.len(), |end| value_start + end);
        let (Some(name), Some(value)) = (
            text.get(name_start..equals),
            text.get(value_start..value_end),
        ) else {
            continue;
        };
        if !value.is_empty() && (credential_name(name) || looks_random(value)) {
            ranges.push(value_start..value_end);
        }
    }
    if ranges.is_empty() {
        return Cow::Borrowed(text);
    }
    ranges.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    // Merge overlapping ranges so that each byte is masked once.
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start < last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    mask_ranges(text, merged.into_iter())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn url_credentials_are_masked() {
        let token = format!("ghp_{}", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8");
        let text = format!("`href` of <a> points at /x?token={token}&page=2");
        let shown = message(&text);
        assert!(!shown.contains(&token), "{shown}");
        assert!(shown.contains("page=2"), "{shown}");
        let shown = url_credentials("https://deploy:hunter2secret@example.com/a");
        assert!(!shown.contains("hunter2secret"), "{shown}");
        assert!(shown.contains("@example.com/a"), "{shown}");
        let shown = url_credentials("see //abcdef0123456789abcdef@host/x");
        assert!(!shown.contains("abcdef0123456789abcdef"), "{shown}");
        let shown = url_credentials("/cb#access_token=Zm9vYmFyYmF6cXV4&x=1");
        assert!(!shown.contains("Zm9vYmFyYmF6cXV4"), "{shown}");
        let shown = url_credentials("/a?v=3f2a9c0d1b2e4f56aa");
        assert!(
            !shown.contains("3f2a9c0d1b2e4f56aa"),
            "random values are masked: {shown}"
        );
    }

    #[test]
    fn ordinary_urls_are_left_alone() {
        for text in [
            "<img> inside <noscript> fetches https://t.example.org/pixel.gif?id=1 without consent",
            "`href` of <a> points at #no-such-id, which /product/ does not define",
            "user@example.com wrote a//b",
            "script-src 'self'; object-src 'none'",
        ] {
            assert!(matches!(url_credentials(text), Cow::Borrowed(_)), "{text}");
        }
    }

    proptest! {
        /// Redaction never panics, and text without any separator comes
        /// back unchanged.
        #[test]
        fn any_text_is_redacted_without_panicking(text in ".{0,200}") {
            let shown = url_credentials(&text);
            if !text.contains(['/', '?', '&', '#', ';']) {
                prop_assert_eq!(shown.as_ref(), text.as_str());
            }
            let _ = message(&text);
        }
    }
}
