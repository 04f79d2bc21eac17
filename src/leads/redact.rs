//! Redaction of wrangler's error text before it reaches stderr.
//!
//! When a statement fails, wrangler's error can quote the SQL it ran or a
//! value SQLite complained about, and the SQL of an erasure holds the
//! address being erased. Errors this tool recognises are replaced by its
//! own messages; anything else is shown only after [`redact`] has removed
//! every value the command passed in, every quoted span and every token
//! that looks like an address, and cut the text to a few hundred
//! characters.

use crate::leads::terminal::{Lines, printable};

/// Longest redacted detail shown.
const MAX_DETAIL: usize = 300;
/// What replaces removed text.
const MASK: &str = "[redacted]";

/// `text` without `sensitive` values (matched ignoring ASCII case), quoted
/// spans or address-like tokens, on one line and at most a few hundred
/// characters long.
pub fn redact(text: &str, sensitive: &[&str]) -> String {
    let without_values = remove_values(text, sensitive);
    let without_quotes = mask_quoted(&without_values);
    let without_addresses = without_quotes
        .split(' ')
        .map(|word| {
            if word.contains(['@', '\u{FF20}']) {
                MASK
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let one_line = without_addresses
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" | ");
    let shown = printable(&one_line, Lines::Single);
    if shown.chars().count() > MAX_DETAIL {
        let cut: String = shown.chars().take(MAX_DETAIL).collect();
        format!("{cut}…")
    } else {
        shown.into_owned()
    }
}

/// Replaces every occurrence of each non-empty value, ignoring ASCII case.
fn remove_values(text: &str, sensitive: &[&str]) -> String {
    let mut out = text.to_owned();
    for value in sensitive.iter().filter(|value| !value.is_empty()) {
        let needle = value.to_ascii_lowercase();
        let mut result = String::with_capacity(out.len());
        let mut rest = out.as_str();
        // ASCII lowering keeps every byte offset, so positions found in the
        // lowered text are positions in the original.
        while let Some(at) = rest.to_ascii_lowercase().find(&needle) {
            result.push_str(&rest[..at]);
            result.push_str(MASK);
            rest = &rest[at + needle.len()..];
        }
        result.push_str(rest);
        out = result;
    }
    out
}

/// Replaces the content of every `'…'`, `"…"` and `` `…` `` span (to the
/// end of the text when the quote is never closed).
fn mask_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open: Option<char> = None;
    for c in text.chars() {
        match open {
            Some(quote) if c == quote => {
                out.push_str(MASK);
                out.push(c);
                open = None;
            }
            Some(_) => {}
            None if matches!(c, '\'' | '"' | '`') => {
                out.push(c);
                open = Some(c);
            }
            None => out.push(c),
        }
    }
    if open.is_some() {
        out.push_str(MASK);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keeps_what_explains_the_failure() {
        assert_eq!(
            redact("D1_ERROR: no such table: lead_events: SQLITE_ERROR", &[]),
            "D1_ERROR: no such table: lead_events: SQLITE_ERROR"
        );
    }

    #[test]
    fn removes_values_quotes_and_addresses() {
        let raw = "near \"Quinn\": syntax error in DELETE FROM leads WHERE lower(email) = 'quinn@customer.example'\nat QUINN@Customer.example ; other@x.example";
        let shown = redact(raw, &["quinn@customer.example"]);
        assert!(!shown.to_ascii_lowercase().contains("quinn"), "{shown}");
        assert!(!shown.contains("other@x.example"), "{shown}");
        assert!(shown.contains("syntax error"), "{shown}");
        assert!(!shown.contains('\n'));
    }

    #[test]
    fn an_unclosed_quote_hides_the_rest() {
        assert_eq!(redact("bad 'secret tail", &[]), "bad '[redacted]");
    }

    #[test]
    fn long_text_is_cut() {
        let shown = redact(&"x".repeat(1_000), &[]);
        assert_eq!(shown.chars().count(), MAX_DETAIL + 1);
    }

    proptest! {
        #[test]
        fn a_sensitive_value_never_survives(
            before in "\\PC{0,40}",
            value in "[a-z0-9.+]{3,12}@[a-z]{2,8}\\.example",
            after in "\\PC{0,40}",
            upper: bool,
        ) {
            let shown_value = if upper { value.to_ascii_uppercase() } else { value.clone() };
            let shown = redact(&format!("{before}{shown_value}{after}"), &[&value]);
            prop_assert!(!shown.to_ascii_lowercase().contains(&value));
            prop_assert!(!shown.contains('@'));
        }

        #[test]
        fn output_is_one_printable_line(text in any::<String>()) {
            let shown = redact(&text, &[]);
            prop_assert!(!shown.chars().any(char::is_control));
            prop_assert!(shown.chars().count() <= MAX_DETAIL + 1);
        }
    }
}
