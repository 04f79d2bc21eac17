//! Dates in front matter: `date` and `updated`.
//!
//! Authors write either a calendar date (`2026-03-01`, read as midnight
//! UTC) or an RFC 3339 timestamp (`2026-03-01T09:30:00Z`,
//! `2026-03-01T09:30:00+02:00`). The shape is checked by hand first,
//! strictly: jiff's own parser also reads ISO 8601 variants (no seconds,
//! bracketed time zone names, week dates) that would make the same front
//! matter mean different things to other tools. The fields are then
//! handed to jiff, which judges whether the day exists (no 30 February)
//! and turns the local time and offset into an instant. Pages compare by
//! that instant, so `10:00+02:00` sorts before `09:00Z`.

use std::cmp::Ordering;
use std::fmt;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::Offset;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A date or timestamp from front matter.
#[derive(Debug, Clone, Copy)]
pub struct ContentDate {
    instant: Timestamp,
    /// The offset it was written with, kept so it is shown as written.
    offset: Offset,
    /// Whether only a calendar date was written.
    date_only: bool,
}

/// Why a front matter date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Neither `YYYY-MM-DD` nor an RFC 3339 timestamp.
    #[error(
        "expected a date `YYYY-MM-DD` or an RFC 3339 timestamp `YYYY-MM-DDTHH:MM:SSZ` \
         (or with an offset such as `+02:00`)"
    )]
    Shape,
    /// The year is 0000: RFC 3339 allows it, but feeds and sitemaps do not.
    #[error("the year must be between 0001 and 9999")]
    Year,
    /// The fields have the right shape but name no day or time.
    #[error("{0} does not exist on the calendar")]
    Calendar(String),
}

impl ContentDate {
    /// Whether two dates are the same as written: the same instant, offset
    /// and form (`==` compares instants only, as ordering does).
    pub fn same_as_written(&self, other: &Self) -> bool {
        self.instant == other.instant
            && self.offset == other.offset
            && self.date_only == other.date_only
    }

    /// Parses a calendar date or an RFC 3339 timestamp (see the module
    /// documentation).
    pub fn parse(text: &str) -> Result<Self, DateError> {
        let bytes = text.as_bytes();
        if bytes.len() < 10 {
            return Err(DateError::Shape);
        }
        let year = digits(bytes, 0, 4)?;
        expect(bytes, 4, b'-')?;
        let month = digits(bytes, 5, 2)?;
        expect(bytes, 7, b'-')?;
        let day = digits(bytes, 8, 2)?;
        if year == 0 {
            return Err(DateError::Year);
        }
        let calendar = |what: &str| DateError::Calendar(format!("{what} `{text}`"));
        // Every value fits: four digits fit i16, two digits fit i8.
        let date =
            Date::new(year as i16, month as i8, day as i8).map_err(|_| calendar("the date"))?;
        if bytes.len() == 10 {
            let instant = Offset::UTC
                .to_timestamp(date.to_datetime(Time::midnight()))
                .map_err(|_| calendar("the date"))?;
            return Ok(Self {
                instant,
                offset: Offset::UTC,
                date_only: true,
            });
        }
        // RFC 3339 allows `t` and, by its note in section 5.6, a space
        // in place of `T`.
        if !matches!(bytes[10], b'T' | b't' | b' ') {
            return Err(DateError::Shape);
        }
        if bytes.len() < 19 {
            return Err(DateError::Shape);
        }
        let hour = digits(bytes, 11, 2)?;
        expect(bytes, 13, b':')?;
        let minute = digits(bytes, 14, 2)?;
        expect(bytes, 16, b':')?;
        // RFC 3339 allows a leap second; like most tools, it is read as
        // the last second of the minute.
        let second = digits(bytes, 17, 2)?.min(59);
        let mut position = 19;
        let mut nanosecond = 0u32;
        if bytes.get(position) == Some(&b'.') {
            position += 1;
            let start = position;
            while bytes.get(position).is_some_and(u8::is_ascii_digit) {
                position += 1;
            }
            let count = position - start;
            if count == 0 {
                return Err(DateError::Shape);
            }
            // Digits past nanoseconds are dropped, not rounded.
            for index in 0..9 {
                let digit = if index < count {
                    u32::from(bytes[start + index] - b'0')
                } else {
                    0
                };
                nanosecond = nanosecond * 10 + digit;
            }
        }
        let offset = match bytes.get(position) {
            Some(b'Z' | b'z') if bytes.len() == position + 1 => Offset::UTC,
            Some(&sign @ (b'+' | b'-')) if bytes.len() == position + 6 => {
                let hours = digits(bytes, position + 1, 2)?;
                expect(bytes, position + 3, b':')?;
                let minutes = digits(bytes, position + 4, 2)?;
                if hours > 23 || minutes > 59 {
                    return Err(calendar("the offset of"));
                }
                let seconds = (hours * 3600 + minutes * 60) as i32;
                let seconds = if sign == b'-' { -seconds } else { seconds };
                Offset::from_seconds(seconds).map_err(|_| calendar("the offset of"))?
            }
            _ => return Err(DateError::Shape),
        };
        let time = Time::new(hour as i8, minute as i8, second as i8, nanosecond as i32)
            .map_err(|_| calendar("the time of"))?;
        let instant = offset
            .to_timestamp(DateTime::from_parts(date, time))
            .map_err(|_| calendar("the instant"))?;
        Ok(Self {
            instant,
            offset,
            date_only: false,
        })
    }

    /// The instant, for ordering and for feeds.
    pub fn instant(&self) -> Timestamp {
        self.instant
    }

    /// The instant in the offset it was written with, for formatting
    /// as the author would read it.
    pub fn zoned(&self) -> jiff::ZonedDateTime {
        self.instant
            .to_zoned_datetime(jiff::tz::TimeZone::fixed(self.offset))
    }

    /// Whether only a calendar date was written.
    pub fn is_date_only(&self) -> bool {
        self.date_only
    }

    /// The full RFC 3339 form, as Atom requires: a date alone becomes
    /// midnight UTC.
    pub fn rfc3339(&self) -> String {
        if self.offset == Offset::UTC {
            // `Z`, as written by most authors and feeds, not `+00:00`.
            self.instant.to_string()
        } else {
            self.instant.display_with_offset(self.offset).to_string()
        }
    }

    /// The W3C datetime form sitemaps use: the date alone when only a date
    /// was written, else the full timestamp.
    pub fn w3c(&self) -> String {
        if self.date_only {
            self.offset.to_datetime(self.instant).date().to_string()
        } else {
            self.rfc3339()
        }
    }
}

/// `count` ASCII digits at `start`, as a number.
fn digits(bytes: &[u8], start: usize, count: usize) -> Result<u32, DateError> {
    let field = bytes.get(start..start + count).ok_or(DateError::Shape)?;
    field.iter().try_fold(0u32, |value, &b| {
        if b.is_ascii_digit() {
            Ok(value * 10 + u32::from(b - b'0'))
        } else {
            Err(DateError::Shape)
        }
    })
}

fn expect(bytes: &[u8], at: usize, wanted: u8) -> Result<(), DateError> {
    if bytes.get(at) == Some(&wanted) {
        Ok(())
    } else {
        Err(DateError::Shape)
    }
}

impl PartialEq for ContentDate {
    fn eq(&self, other: &Self) -> bool {
        self.instant == other.instant
    }
}

impl Eq for ContentDate {}

impl PartialOrd for ContentDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ContentDate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.instant.cmp(&other.instant)
    }
}

impl fmt::Display for ContentDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.w3c())
    }
}

impl<'de> Deserialize<'de> for ContentDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ContentDate::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Templates see the date as written, normalised: `2026-03-01` or a full
/// RFC 3339 timestamp.
impl Serialize for ContentDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.w3c())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_instant_written_two_ways_is_equal_but_not_the_same_as_written() {
        let utc = ContentDate::parse("2026-01-01T00:00:00Z").unwrap();
        let paris = ContentDate::parse("2026-01-01T01:00:00+01:00").unwrap();
        let day = ContentDate::parse("2026-01-01").unwrap();
        assert_eq!(utc, paris);
        assert!(!utc.same_as_written(&paris));
        assert!(utc.same_as_written(&ContentDate::parse("2026-01-01T00:00:00Z").unwrap()));
        assert!(!day.same_as_written(&utc));
    }

    #[test]
    fn reads_dates_and_timestamps() {
        let date = ContentDate::parse("2026-03-01").unwrap();
        assert!(date.is_date_only());
        assert_eq!(date.w3c(), "2026-03-01");
        assert_eq!(date.rfc3339(), "2026-03-01T00:00:00Z");
        let stamp = ContentDate::parse("2026-03-01T09:30:00+02:00").unwrap();
        assert_eq!(stamp.w3c(), "2026-03-01T09:30:00+02:00");
        assert_eq!(stamp.instant().to_string(), "2026-03-01T07:30:00Z");
        let fraction = ContentDate::parse("2026-03-01 09:30:00.5z").unwrap();
        assert_eq!(fraction.rfc3339(), "2026-03-01T09:30:00.5Z");
        let leap = ContentDate::parse("2016-12-31T23:59:60Z").unwrap();
        assert_eq!(leap.rfc3339(), "2016-12-31T23:59:59Z");
    }

    #[test]
    fn orders_by_instant_whatever_the_offset() {
        let east = ContentDate::parse("2026-03-01T10:00:00+02:00").unwrap();
        let utc = ContentDate::parse("2026-03-01T09:00:00Z").unwrap();
        assert!(east < utc);
        assert_eq!(
            ContentDate::parse("2026-03-01").unwrap(),
            ContentDate::parse("2026-03-01T01:00:00+01:00").unwrap()
        );
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for text in [
            "",
            "2026",
            "2026-3-1",
            "01/03/2026",
            "2026-03-01T09:30Z",
            "2026-03-01T09:30:00",
            "2026-03-01T09:30:00.Z",
            "2026-03-01T09:30:00+0200",
            "2026-03-01T09:30:00Z[Europe/Paris]",
            "2026-W09-1",
            " 2026-03-01",
            "2026-03-01 ",
            "２０２６-03-01",
        ] {
            assert_eq!(ContentDate::parse(text), Err(DateError::Shape), "{text:?}");
        }
        for text in [
            "2026-02-30",
            "2026-13-01",
            "2026-00-10",
            "2026-03-01T24:00:00Z",
            "2026-03-01T09:60:00Z",
            "2026-03-01T09:30:00+24:00",
        ] {
            assert!(
                matches!(ContentDate::parse(text), Err(DateError::Calendar(_))),
                "{text:?}"
            );
        }
        assert_eq!(ContentDate::parse("0000-01-01"), Err(DateError::Year));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn never_panics(text in "\\PC{0,40}") {
                let _ = ContentDate::parse(&text);
            }

            #[test]
            fn near_misses_never_panic(text in "[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,12})?([Zz]|[+-][0-9]{2}:[0-9]{2})?)?") {
                if let Ok(date) = ContentDate::parse(&text) {
                    // What was accepted reads back as the same instant.
                    let again = ContentDate::parse(&date.rfc3339()).unwrap();
                    prop_assert_eq!(again.instant(), date.instant());
                    let again = ContentDate::parse(&date.w3c()).unwrap();
                    prop_assert_eq!(again.instant(), date.instant());
                }
            }

            #[test]
            fn valid_timestamps_round_trip(
                seconds in 0i64..253_402_128_000,
                offset_minutes in -1439i32..1440,
            ) {
                let instant = Timestamp::from_second(seconds).unwrap();
                let offset = Offset::from_seconds(offset_minutes * 60).unwrap();
                let text = instant.display_with_offset(offset).to_string();
                let date = ContentDate::parse(&text).unwrap();
                prop_assert_eq!(date.instant(), instant);
            }
        }
    }
}
