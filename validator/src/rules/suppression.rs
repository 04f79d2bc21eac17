//! `suppression`: the findings about suppressions themselves.
//!
//! A suppression is a decision to accept a finding, and it stays honest
//! only while it says why and still matches something. Markers are read
//! and applied by the `suppress` module; this module declares the rules
//! of what it reports, so that they are configured like any other rule.
//! None of them can be suppressed, inline or in the config: their level is
//! set under `rules:`.

use crate::emit::Message;
use crate::rule::{Category, Rule};

const REASON_HELP: &str = "Give the reason after ` -- `, as in \
    `bundle-validator: allow inline/script -- vendored widget, reviewed 2025-01`; a config \
    suppression needs a `reason:`.";
const UNUSED_HELP: &str = "Remove the suppression, or correct its rule or scope: a suppression \
    that matches nothing would silently accept the next finding of its rule there.";
const INVALID_HELP: &str = "Write the marker as `bundle-validator: allow RULE[, RULE…] -- reason`, \
    naming declared rule ids or `category/*`; findings about content the validator could not \
    judge can only be suppressed in the config.";

/// The finding for a suppression without a reason, which suppresses
/// nothing.
pub(crate) fn no_reason(what: &str) -> Message {
    Message::warning(
        "suppression/no-reason",
        format!("{what} gives no reason, so it suppresses nothing"),
        REASON_HELP,
    )
}

/// The finding for a suppression that matched no finding.
pub(crate) fn unused(what: &str) -> Message {
    Message::warning(
        "suppression/unused",
        format!("{what} matches no finding"),
        UNUSED_HELP,
    )
}

/// The finding for a comment that starts like a marker but cannot be read
/// as one, or names a rule that cannot be suppressed inline.
pub(crate) fn invalid(problem: impl std::fmt::Display) -> Message {
    Message::warning(
        "suppression/invalid",
        format!("suppression marker is not honoured: {problem}"),
        INVALID_HELP,
    )
}

pub const CATEGORY: Category = Category {
    name: "suppression",
    title: "every accepted finding says why",
    security_severity: 3.0,
    rules: &[
        Rule::warning(
            "suppression/no-reason",
            "an inline marker or config suppression without a reason after ` -- ` (or `reason:`); it suppresses nothing",
            "an accepted finding nobody can explain is one nobody can review",
            "give the reason, or remove the suppression",
        ),
        Rule::warning(
            "suppression/unused",
            "an inline marker rule or config suppression that matches no finding in its scope",
            "a stale suppression silently accepts the next finding of its rule in that place",
            "remove the suppression, or correct its rule or scope",
        ),
        Rule::warning(
            "suppression/invalid",
            "a comment that starts with `bundle-validator:` but is not a marker the validator honours: bad syntax, an unknown rule, or a rule that cannot be suppressed inline",
            "a marker that does not work leaves its finding standing while looking like it was accepted",
            "write `bundle-validator: allow RULE[, RULE…] -- reason` with declared rule ids or `category/*`",
        ),
    ],
};
