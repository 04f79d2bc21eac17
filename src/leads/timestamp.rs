//! UTC timestamps as the lead tables store them, and the dates an operator
//! types.
//!
//! The Worker stores times as fixed-width UTC ISO 8601 strings with
//! milliseconds (`2026-01-31T09:30:00.000Z`), so text order is time order.
//! Every time this tool writes into SQL, whether the current time or a
//! `--since` bound, is parsed into a [`Timestamp`] first and re-formatted in
//! exactly that shape: what reaches the database is always 24 characters
//! drawn from digits, `-`, `:`, `.`, `T` and `Z`, whatever was typed.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

const MILLIS_PER_SECOND: u64 = 1_000;
const SECONDS_PER_DAY: u64 = 86_400;
const MILLIS_PER_DAY: u64 = MILLIS_PER_SECOND * SECONDS_PER_DAY;
/// The first instant of the year 10000: four-digit years only, as the
/// stored format has room for no more.
const END_OF_TIME_MILLIS: u64 = 253_402_300_800_000;

/// An instant, in whole milliseconds since the Unix epoch, between 1970 and
/// the end of 9999.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(u64);

/// Why a date or timestamp was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// The text is neither `YYYY-MM-DD` nor an RFC 3339 timestamp.
    #[error("expected a date (YYYY-MM-DD) or an RFC 3339 timestamp (YYYY-MM-DDTHH:MM:SSZ)")]
    Shape,
    /// A field is out of its range (month 13, 31 April, hour 24, ...).
    #[error("the date or time does not exist on the calendar")]
    Calendar,
    /// The instant falls before 1970 or after 9999.
    #[error("the instant is outside 1970-01-01 to 9999-12-31")]
    OutOfRange,
}

impl Timestamp {
    /// The current time, from the system clock.
    pub fn now() -> Self {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| {
                u64::try_from(elapsed.as_millis()).unwrap_or(END_OF_TIME_MILLIS - 1)
            });
        Self(millis.min(END_OF_TIME_MILLIS - 1))
    }

    /// The instant `unix_millis` milliseconds after the epoch, if it falls
    /// before the year 10000.
    pub fn from_unix_millis(unix_millis: u64) -> Option<Self> {
        (unix_millis < END_OF_TIME_MILLIS).then_some(Self(unix_millis))
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(self) -> u64 {
        self.0
    }

    /// Parses what an operator types for `--since`: a calendar date
    /// (`2026-01-31`, read as midnight UTC) or an RFC 3339 timestamp with
    /// `Z` or a numeric offset (`2026-01-31T09:30:00+01:00`), with optional
    /// fractional seconds (kept to the millisecond). Surrounding whitespace
    /// is ignored; anything else that does not fit is refused.
    pub fn parse(text: &str) -> Result<Self, DateError> {
        let text = text.trim();
        let bytes = text.as_bytes();
        let (year, month, day) = parse_date(bytes.get(..10).ok_or(DateError::Shape)?)?;
        let rest = &bytes[10..];
        let mut millis_of_day: i64 = 0;
        let mut offset_minutes: i64 = 0;
        if !rest.is_empty() {
            let (clock, offset) = parse_time(rest)?;
            millis_of_day = clock;
            offset_minutes = offset;
        }
        let days = days_from_civil(year, month, day);
        let local = days * i64::try_from(MILLIS_PER_DAY).unwrap_or(i64::MAX) + millis_of_day;
        let utc = local - offset_minutes * 60 * 1_000;
        let utc = u64::try_from(utc).map_err(|_| DateError::OutOfRange)?;
        Self::from_unix_millis(utc).ok_or(DateError::OutOfRange)
    }
}

impl fmt::Display for Timestamp {
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, as JavaScript's `toISOString` writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0 / MILLIS_PER_DAY;
        let millis_of_day = self.0 % MILLIS_PER_DAY;
        let (year, month, day) = civil_from_days(days);
        let seconds = millis_of_day / MILLIS_PER_SECOND;
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
            seconds / 3_600,
            seconds / 60 % 60,
            seconds % 60,
            millis_of_day % MILLIS_PER_SECOND
        )
    }
}

/// Reads a run of ASCII digits (the caller fixes its length) as a number.
fn digits(bytes: &[u8]) -> Result<i64, DateError> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(DateError::Shape);
    }
    Ok(bytes
        .iter()
        .fold(0, |value, digit| value * 10 + i64::from(digit - b'0')))
}

/// `YYYY-MM-DD`, checked against the calendar.
fn parse_date(bytes: &[u8]) -> Result<(i64, i64, i64), DateError> {
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return Err(DateError::Shape);
    }
    let year = digits(&bytes[0..4])?;
    let month = digits(&bytes[5..7])?;
    let day = digits(&bytes[8..10])?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err(DateError::Calendar);
    }
    Ok((year, month, day))
}

/// `THH:MM:SS[.fraction](Z|±HH:MM)` (also with `t` or a space for `T`, and
/// `z` for `Z`): the milliseconds of the day and the offset in minutes.
fn parse_time(bytes: &[u8]) -> Result<(i64, i64), DateError> {
    if bytes.len() < 9 || !matches!(bytes[0], b'T' | b't' | b' ') {
        return Err(DateError::Shape);
    }
    if bytes[3] != b':' || bytes[6] != b':' {
        return Err(DateError::Shape);
    }
    let hour = digits(&bytes[1..3])?;
    let minute = digits(&bytes[4..6])?;
    let second = digits(&bytes[7..9])?;
    // Leap seconds (":60") are refused: the stored format cannot hold them
    // and JavaScript never writes them.
    if hour > 23 || minute > 59 || second > 59 {
        return Err(DateError::Calendar);
    }
    let mut rest = &bytes[9..];
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let length = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if length == 0 || length > 9 {
            return Err(DateError::Shape);
        }
        // Truncated to milliseconds, as the stored format is.
        let mut kept = [b'0'; 3];
        for (slot, digit) in kept.iter_mut().zip(&fraction[..length]) {
            *slot = *digit;
        }
        millis = digits(&kept)?;
        rest = &fraction[length..];
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits(&[*h1, *h2])?;
            let minutes = digits(&[*m1, *m2])?;
            if hours > 23 || minutes > 59 {
                return Err(DateError::Calendar);
            }
            let magnitude = hours * 60 + minutes;
            if *sign == b'-' { -magnitude } else { magnitude }
        }
        _ => return Err(DateError::Shape),
    };
    Ok((
        ((hour * 60 + minute) * 60 + second) * 1_000 + millis,
        offset,
    ))
}

fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date, by the era
/// arithmetic (400-year cycles of 146,097 days) the Worker uses the other
/// way round; negative before the epoch.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    // Shift the year to start in March so the leap day ends it.
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`] for days on or after the epoch.
fn civil_from_days(days_since_epoch: u64) -> (u64, u64, u64) {
    let shifted = days_since_epoch + 719_468;
    let era = shifted / 146_097;
    let day_of_era = shifted % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> Result<String, DateError> {
        Timestamp::parse(text).map(|t| t.to_string())
    }

    #[test]
    fn formats_as_javascript_does() {
        let cases = [
            (0, "1970-01-01T00:00:00.000Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (1_700_000_000_123, "2023-11-14T22:13:20.123Z"),
            (END_OF_TIME_MILLIS - 1, "9999-12-31T23:59:59.999Z"),
        ];
        for (millis, text) in cases {
            let timestamp = Timestamp::from_unix_millis(millis).expect("in range");
            assert_eq!(timestamp.to_string(), text);
        }
        assert_eq!(Timestamp::from_unix_millis(END_OF_TIME_MILLIS), None);
    }

    #[test]
    fn reads_dates_as_midnight_utc() {
        assert_eq!(parse("2026-01-31"), Ok("2026-01-31T00:00:00.000Z".into()));
        assert_eq!(
            parse(" 2024-02-29\n"),
            Ok("2024-02-29T00:00:00.000Z".into())
        );
    }

    #[test]
    fn reads_rfc3339_timestamps_with_offsets_and_fractions() {
        let cases = [
            ("2026-01-31T09:30:00Z", "2026-01-31T09:30:00.000Z"),
            ("2026-01-31t09:30:00z", "2026-01-31T09:30:00.000Z"),
            ("2026-01-31 09:30:00Z", "2026-01-31T09:30:00.000Z"),
            ("2026-01-31T09:30:00.5Z", "2026-01-31T09:30:00.500Z"),
            ("2026-01-31T09:30:00.123456789Z", "2026-01-31T09:30:00.123Z"),
            ("2026-01-31T09:30:00+01:00", "2026-01-31T08:30:00.000Z"),
            ("2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00.000Z"),
            ("2026-01-31T23:30:00-05:30", "2026-02-01T05:00:00.000Z"),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text), Ok(expected.to_owned()), "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for text in [
            "",
            "yesterday",
            "2026-1-31",
            "2026/01/31",
            "20260131",
            "2026-01-31T09:30",
            "2026-01-31T09:30:00",
            "2026-01-31T09:30:00+0100",
            "2026-01-31T09:30:00.Z",
            "2026-01-31T09:30:00.1234567890Z",
            "2026-01-31' OR '1'='1",
            "2026-01-31T09:30:00Z; DROP TABLE leads",
            "+2026-01-31",
            "２０２６-01-31",
        ] {
            assert_eq!(parse(text), Err(DateError::Shape), "{text:?}");
        }
    }

    #[test]
    fn refuses_dates_the_calendar_does_not_have() {
        for text in [
            "2026-02-29",
            "2100-02-29",
            "2026-04-31",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "2026-01-31T24:00:00Z",
            "2026-01-31T23:60:00Z",
            "2026-01-31T23:59:60Z",
            "2026-01-31T09:30:00+24:00",
        ] {
            assert_eq!(parse(text), Err(DateError::Calendar), "{text:?}");
        }
    }

    #[test]
    fn refuses_instants_outside_the_stored_range() {
        assert_eq!(parse("1969-12-31"), Err(DateError::OutOfRange));
        assert_eq!(
            parse("1970-01-01T00:30:00+01:00"),
            Err(DateError::OutOfRange)
        );
        assert_eq!(
            parse("9999-12-31T23:30:00-01:00"),
            Err(DateError::OutOfRange)
        );
    }

    proptest! {
        #[test]
        fn formatting_then_parsing_is_the_identity(millis in 0..END_OF_TIME_MILLIS) {
            let timestamp = Timestamp::from_unix_millis(millis).expect("in range");
            let text = timestamp.to_string();
            prop_assert_eq!(text.len(), 24);
            prop_assert_eq!(Timestamp::parse(&text), Ok(timestamp));
        }

        #[test]
        fn text_order_is_time_order(a in 0..END_OF_TIME_MILLIS, b in 0..END_OF_TIME_MILLIS) {
            let (a, b) = (Timestamp(a), Timestamp(b));
            prop_assert_eq!(a.cmp(&b), a.to_string().cmp(&b.to_string()));
        }

        #[test]
        fn offsets_shift_the_instant(
            millis in 86_400_000u64..END_OF_TIME_MILLIS - 86_400_000,
            hours in 0i64..24,
            minutes in 0i64..60,
            negative: bool,
        ) {
            let utc = Timestamp(millis - millis % 1_000).to_string();
            let sign = if negative { '-' } else { '+' };
            let local = format!("{}{sign}{hours:02}:{minutes:02}", &utc[..23]);
            let shift = (hours * 60 + minutes) * 60_000;
            let expected = if negative {
                millis - millis % 1_000 + shift.unsigned_abs()
            } else {
                millis - millis % 1_000 - shift.unsigned_abs()
            };
            prop_assert_eq!(Timestamp::parse(&local), Ok(Timestamp(expected)));
        }

        #[test]
        fn any_text_parses_to_the_canonical_shape_or_is_refused(text in "\\PC{0,40}") {
            if let Ok(timestamp) = Timestamp::parse(&text) {
                let shown = timestamp.to_string();
                prop_assert!(shown.bytes().all(|b| b.is_ascii_digit() || b"-:.TZ".contains(&b)));
                prop_assert_eq!(shown.len(), 24);
            }
        }

        #[test]
        fn date_shaped_text_never_panics(
            text in "[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,10})?([Zz]|[+-][0-9]{2}:[0-9]{2})?)?"
        ) {
            let _ = Timestamp::parse(&text);
        }
    }

    #[test]
    fn days_from_civil_inverts_civil_from_days() {
        for days in (0..3_000_000).step_by(7) {
            let (year, month, day) = civil_from_days(days);
            let back = days_from_civil(
                i64::try_from(year).expect("fits"),
                i64::try_from(month).expect("fits"),
                i64::try_from(day).expect("fits"),
            );
            assert_eq!(back, i64::try_from(days).expect("fits"));
        }
    }
}
