//! The inline marker, read from the text of one comment:
//!
//! ```text
//! bundle-validator: allow RULE[, RULE…] -- reason
//! ```
//!
//! `RULE` is a declared rule id or `category/*`. The comment must begin
//! with the marker (after whitespace, and the `*`s that open a doc-style
//! block comment), so that prose which mentions a marker is not one. A
//! comment that begins with `bundle-validator:` but is not a well-formed
//! marker is reported, never guessed at.

use std::fmt;

use super::{Selector, SelectorError};

/// What every marker starts with.
pub const PREFIX: &str = "bundle-validator:";

/// What separates the rules from the reason.
const REASON_SEPARATOR: &str = "--";

/// A marker as written: the rules it allows and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub selectors: Vec<Selector>,
    /// The reason with whitespace runs made one space; `None` when the
    /// marker gives none (which makes it suppress nothing).
    pub reason: Option<String>,
}

/// Why a comment that starts like a marker is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkerError {
    #[error("`{PREFIX}` must be followed by `allow`")]
    MissingAllow,
    #[error("it names no rule")]
    NoRules,
    #[error(transparent)]
    Selector(#[from] SelectorError),
}

/// Reads the text of one comment (delimiters removed). `None` when the
/// comment is not a marker at all.
pub fn parse(comment: &str) -> Option<Result<Marker, MarkerError>> {
    let text = comment.trim_start_matches(|c: char| c.is_whitespace() || c == '*');
    let rest = text.strip_prefix(PREFIX)?;
    Some(parse_body(rest))
}

fn parse_body(rest: &str) -> Result<Marker, MarkerError> {
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix("allow")
        .filter(|after| after.starts_with(char::is_whitespace))
        .ok_or(MarkerError::MissingAllow)?;
    let (list, reason) = match rest.split_once(REASON_SEPARATOR) {
        Some((list, reason)) => (list, Some(reason)),
        None => (rest, None),
    };
    if list.trim().is_empty() {
        return Err(MarkerError::NoRules);
    }
    let selectors = list
        .split(',')
        .map(|item| Selector::parse(item.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    let reason = reason
        .map(|reason| reason.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|reason| !reason.is_empty());
    Ok(Marker { selectors, reason })
}

impl fmt::Display for Marker {
    /// The marker in its canonical form, which [`parse`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX} allow ")?;
        for (index, selector) in self.selectors.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{selector}")?;
        }
        if let Some(reason) = &self.reason {
            write!(f, " {REASON_SEPARATOR} {reason}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule;
    use proptest::prelude::*;

    #[test]
    fn reads_rules_and_reason() {
        let marker =
            parse(" bundle-validator: allow inline/script, csp/* -- vendored,  reviewed\n ")
                .unwrap()
                .unwrap();
        assert_eq!(
            marker.selectors,
            [Selector::Rule("inline/script"), Selector::Category("csp")]
        );
        assert_eq!(marker.reason.as_deref(), Some("vendored, reviewed"));
        let reasonless = parse("bundle-validator: allow sink/eval --  ")
            .unwrap()
            .unwrap();
        assert_eq!(reasonless.reason, None);
        assert_eq!(
            parse("* bundle-validator: allow sink/eval")
                .unwrap()
                .unwrap()
                .reason,
            None
        );
    }

    #[test]
    fn prose_is_not_a_marker_and_bad_markers_say_why() {
        assert_eq!(
            parse("see bundle-validator: allow inline/script -- x"),
            None
        );
        assert_eq!(parse("Bundle-Validator: allow inline/script -- x"), None);
        assert_eq!(
            parse("bundle-validator: allowinline/script -- x"),
            Some(Err(MarkerError::MissingAllow))
        );
        assert_eq!(
            parse("bundle-validator: allow -- x"),
            Some(Err(MarkerError::NoRules))
        );
        assert!(matches!(
            parse("bundle-validator: allow inline/script inline/style-element -- x"),
            Some(Err(MarkerError::Selector(SelectorError::Unknown(_))))
        ));
        assert!(matches!(
            parse("bundle-validator: allow inline/script,, -- x"),
            Some(Err(MarkerError::Selector(SelectorError::Empty)))
        ));
        assert!(matches!(
            parse("bundle-validator: allow suppression/unused -- x"),
            Some(Err(MarkerError::Selector(SelectorError::Suppression(_))))
        ));
        assert!(matches!(
            parse("bundle-validator: allow * -- x"),
            Some(Err(MarkerError::Selector(SelectorError::Unknown(_))))
        ));
    }

    fn selector() -> impl Strategy<Value = Selector> {
        let rules: Vec<Selector> = rule::all()
            .filter(|r| r.category() != "suppression")
            .map(|r| Selector::Rule(r.id))
            .chain(
                rule::categories()
                    .iter()
                    .filter(|c| c.name != "suppression")
                    .map(|c| Selector::Category(c.name)),
            )
            .collect();
        prop::sample::select(rules)
    }

    proptest! {
        /// Any comment text reads as no marker, a marker or an error,
        /// without panicking; a marker read back from its canonical form
        /// is the same marker.
        #[test]
        fn fuzz_marker_parse_never_panics(
            prefix in prop::sample::select(vec!["", " ", "*", "\n * ", "x "]),
            body in "[ -~\u{a0}\u{2028}\u{202e}é]{0,60}",
        ) {
            let text = format!("{prefix}{PREFIX}{body}");
            if let Some(Ok(marker)) = parse(&text) {
                prop_assert!(!marker.selectors.is_empty());
                prop_assert!(marker.reason.as_deref().is_none_or(|r| !r.is_empty() && r.trim() == r));
            }
            let _ = parse(&body);
        }

        /// Well-formed markers round-trip through their canonical form.
        #[test]
        fn fuzz_markers_round_trip(
            selectors in prop::collection::vec(selector(), 1..4),
            reason in prop::option::of("[a-zA-Z0-9,.;:'()/ -]{0,40}"),
        ) {
            let reason = reason
                .map(|r| r.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|r| !r.is_empty());
            let marker = Marker { selectors, reason };
            let written = marker.to_string();
            prop_assert_eq!(parse(&written), Some(Ok(marker.clone())));
            // As a block comment's text, with the closing delimiter's
            // surrounding space.
            prop_assert_eq!(parse(&format!(" {written} ")), Some(Ok(marker)));
        }
    }
}
