//! The build's clock: `SOURCE_DATE_EPOCH` when it is set, as the
//! reproducible-builds convention asks, else the system clock.
//!
//! Everything dated by the build itself (`Expires` in `security.txt`) and
//! the validator's judgement of those dates read this one time, so a build
//! with `SOURCE_DATE_EPOCH` set writes the same bytes on any day and is
//! judged the same way.

use crate::error::Error;

/// The variable that fixes the build time.
pub const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";

/// Seconds since the Unix epoch at which this build counts as made.
/// A `SOURCE_DATE_EPOCH` that is set but not a whole number of seconds is
/// an error rather than a silent fallback to the system clock.
pub fn now() -> Result<i64, Error> {
    match std::env::var(SOURCE_DATE_EPOCH) {
        Ok(text) => parse(&text),
        Err(std::env::VarError::NotPresent) => Ok(system_now()),
        Err(std::env::VarError::NotUnicode(_)) => Err(invalid("it is not text")),
    }
}

/// Reads a `SOURCE_DATE_EPOCH` value: decimal digits, nothing else.
pub fn parse(text: &str) -> Result<i64, Error> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("it is not a whole number of seconds since 1970"));
    }
    text.parse().map_err(|_| invalid("it is too large"))
}

fn invalid(reason: &str) -> Error {
    Error::BuildTime {
        message: format!("{SOURCE_DATE_EPOCH} cannot be used: {reason}"),
    }
}

fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn only_plain_seconds_are_read() {
        assert_eq!(parse("1780272000").unwrap(), 1_780_272_000);
        for bad in ["", "-1", " 1", "1.5", "2026-06-01", "99999999999999999999"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        /// Every non-negative number reads back as itself; nothing else
        /// panics.
        #[test]
        fn fuzz_seconds_round_trip(seconds in 0i64..i64::MAX, junk in "\\PC{0,12}") {
            prop_assert_eq!(parse(&seconds.to_string()).unwrap(), seconds);
            let _ = parse(&junk);
        }
    }
}
