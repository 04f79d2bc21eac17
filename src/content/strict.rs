//! Front matter values read by their YAML type, not coerced from text.
//!
//! serde-saphyr, like most YAML readers, turns the quoted string `"true"`
//! into a boolean and `"3"` into a number when the target asks for one.
//! An author who quotes a value has said it is text, and a page whose
//! `noindex: "false"` silently means `false` on one tool and `true` (a
//! non-empty string) on another is a page whose indexing nobody can
//! predict. These functions ask the reader what the value *is*
//! (`deserialize_any`, which keeps quoted scalars as strings) and accept
//! only a plain boolean or a plain integer.

use std::fmt;
use std::num::NonZeroUsize;

use serde::Deserializer;
use serde::de::{Error, Unexpected, Visitor};

struct BoolOnly;

impl Visitor<'_> for BoolOnly {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`true` or `false` without quotes")
    }

    fn visit_bool<E: Error>(self, value: bool) -> Result<bool, E> {
        Ok(value)
    }
}

struct IntegerOnly;

impl Visitor<'_> for IntegerOnly {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number without quotes")
    }

    fn visit_i64<E: Error>(self, value: i64) -> Result<i64, E> {
        Ok(value)
    }

    fn visit_u64<E: Error>(self, value: u64) -> Result<i64, E> {
        i64::try_from(value).map_err(|_| E::invalid_value(Unexpected::Unsigned(value), &self))
    }
}

/// A plain YAML boolean.
pub fn boolean<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    deserializer.deserialize_any(BoolOnly)
}

/// A plain YAML integer.
pub fn integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    deserializer.deserialize_any(IntegerOnly)
}

/// An optional plain YAML integer (the key may be left out).
pub fn optional_integer<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    integer(deserializer).map(Some)
}

/// An optional plain YAML integer of at least 1.
pub fn optional_count<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<NonZeroUsize>, D::Error> {
    let value = integer(deserializer)?;
    usize::try_from(value)
        .ok()
        .and_then(NonZeroUsize::new)
        .map(Some)
        .ok_or_else(|| {
            D::Error::invalid_value(Unexpected::Signed(value), &"a whole number of at least 1")
        })
}

/// Refuses a title that is empty or only white space: it would leave the
/// page without a name in the browser tab, in listings and in feeds.
pub fn title<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text: String = serde::Deserialize::deserialize(deserializer)?;
    if text.trim().is_empty() {
        return Err(D::Error::custom("`title` must not be empty"));
    }
    Ok(text)
}
