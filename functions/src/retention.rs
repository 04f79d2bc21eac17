//! Lead retention: timestamps as stored, and the cut-off before which the
//! scheduled purge deletes leads.
//!
//! Timestamps are stored as fixed-width UTC ISO 8601 strings with
//! milliseconds (`2026-01-31T09:30:00.000Z`), the same shape JavaScript's
//! `Date.prototype.toISOString` writes, so text comparison in SQL orders
//! them correctly and the purge is one indexed range delete.

const MILLIS_PER_SECOND: u64 = 1_000;
const SECONDS_PER_DAY: u64 = 86_400;
const MILLIS_PER_DAY: u64 = MILLIS_PER_SECOND * SECONDS_PER_DAY;

/// Formats milliseconds since the Unix epoch as a UTC ISO 8601 timestamp.
pub fn format_timestamp(unix_millis: u64) -> String {
    let days = unix_millis / MILLIS_PER_DAY;
    let millis_of_day = unix_millis % MILLIS_PER_DAY;
    let (year, month, day) = civil_from_days(days);
    let seconds_of_day = millis_of_day / MILLIS_PER_SECOND;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        seconds_of_day / 3600,
        seconds_of_day / 60 % 60,
        seconds_of_day % 60,
        millis_of_day % MILLIS_PER_SECOND
    )
}

/// The timestamp before which leads are older than `retention_days` at
/// `now_unix_millis`.
pub fn purge_cutoff(now_unix_millis: u64, retention_days: u32) -> String {
    let retention = u64::from(retention_days).saturating_mul(MILLIS_PER_DAY);
    format_timestamp(now_unix_millis.saturating_sub(retention))
}

/// Converts days since 1970-01-01 to a proleptic Gregorian date, using the
/// well-known era arithmetic (400-year cycles of 146,097 days) so no date
/// library has to be linked into the Worker.
fn civil_from_days(days_since_epoch: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01 so leap days fall at the end of a year.
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

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_timestamp(951_782_400_000),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            format_timestamp(1_700_000_000_123),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(
            format_timestamp(4_107_542_399_999),
            "2100-02-28T23:59:59.999Z"
        );
        assert_eq!(
            format_timestamp(4_107_542_400_000),
            "2100-03-01T00:00:00.000Z"
        );
    }

    #[test]
    fn every_day_boundary_matches_a_day_by_day_calendar_walk() {
        let days_in_month = |year: u64, month: u64| match month {
            2 if (year.is_multiple_of(4) && !year.is_multiple_of(100))
                || year.is_multiple_of(400) =>
            {
                29
            }
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let (mut year, mut month, mut day) = (1970, 1, 1);
        for days in 0..200_000 {
            assert_eq!(civil_from_days(days), (year, month, day), "day {days}");
            day += 1;
            if day > days_in_month(year, month) {
                day = 1;
                month += 1;
                if month > 12 {
                    month = 1;
                    year += 1;
                }
            }
        }
    }

    #[test]
    fn text_order_of_timestamps_is_time_order() {
        let instants = [0, 999, 1_000, 86_399_999, 86_400_000, 1_700_000_000_000];
        for pair in instants.windows(2) {
            assert!(format_timestamp(pair[0]) < format_timestamp(pair[1]));
        }
    }

    #[test]
    fn cutoff_is_retention_days_before_now() {
        let now = 1_700_000_000_123;
        assert_eq!(purge_cutoff(now, 180), "2023-05-18T22:13:20.123Z");
        assert_eq!(purge_cutoff(now, 0), format_timestamp(now));
        assert_eq!(purge_cutoff(1_000, 1), "1970-01-01T00:00:00.000Z");
    }
}
