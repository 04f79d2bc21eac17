//! Retention: timestamps as stored, the cut-offs before which the
//! scheduled purge deletes leads and the audit record, and what it runs.
//!
//! Timestamps are stored as fixed-width UTC ISO 8601 strings with
//! milliseconds (`2026-01-31T09:30:00.000Z`), the same shape JavaScript's
//! `Date.prototype.toISOString` writes, so text comparison in SQL orders
//! them correctly and each purge is one indexed range delete.
//!
//! The purge trims three tables: `leads` after `RETENTION_DAYS`, and the
//! audit record (`lead_tombstones`, `lead_events`) after the longer
//! `AUDIT_RETENTION_DAYS`. For each it first adds a `lead_events` row
//! saying how many rows it removes and the cut-off (counted with the same
//! condition as the delete, in the same D1 batch, which D1 runs as one
//! transaction), then deletes them. The runtime only binds and runs the
//! statements planned here.

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

/// Who the purge's events name as their actor.
pub const PURGE_ACTOR: &str = "scheduled";

/// A table the scheduled purge trims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PurgeTarget {
    /// `leads`, by `received_at`, after `RETENTION_DAYS`.
    Leads,
    /// `lead_tombstones`, by `erased_at`, after `AUDIT_RETENTION_DAYS`.
    Tombstones,
    /// `lead_events`, by `occurred_at`, after `AUDIT_RETENTION_DAYS`.
    Events,
}

impl PurgeTarget {
    /// Every target, in the order the purge runs them. Events come last, so
    /// the rows the purge itself just added are never candidates.
    pub const ALL: [Self; 3] = [Self::Leads, Self::Tombstones, Self::Events];

    /// The `lead_events` action of this purge.
    pub fn action(self) -> &'static str {
        match self {
            Self::Leads => "purge",
            Self::Tombstones => "purge_tombstones",
            Self::Events => "purge_events",
        }
    }

    /// The statement that records the purge: binds the purge's correlation
    /// id (`?1`), the cut-off (`?2`) and the time (`?3`), and counts the
    /// rows the delete will remove.
    pub fn record_statement(self) -> &'static str {
        match self {
            Self::Leads => {
                "INSERT INTO lead_events (id, action, count, cutoff, actor, occurred_at) \
                 SELECT ?1, 'purge', COUNT(*), ?2, 'scheduled', ?3 FROM leads WHERE received_at < ?2"
            }
            Self::Tombstones => {
                "INSERT INTO lead_events (id, action, count, cutoff, actor, occurred_at) \
                 SELECT ?1, 'purge_tombstones', COUNT(*), ?2, 'scheduled', ?3 \
                 FROM lead_tombstones WHERE erased_at < ?2"
            }
            Self::Events => {
                "INSERT INTO lead_events (id, action, count, cutoff, actor, occurred_at) \
                 SELECT ?1, 'purge_events', COUNT(*), ?2, 'scheduled', ?3 \
                 FROM lead_events WHERE occurred_at < ?2"
            }
        }
    }

    /// The delete: binds the cut-off (`?1`).
    pub fn delete_statement(self) -> &'static str {
        match self {
            Self::Leads => "DELETE FROM leads WHERE received_at < ?1",
            Self::Tombstones => "DELETE FROM lead_tombstones WHERE erased_at < ?1",
            Self::Events => "DELETE FROM lead_events WHERE occurred_at < ?1",
        }
    }
}

/// One run of the scheduled purge: when it runs and each target's cut-off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurgePlan {
    /// The time recorded in the purge's events.
    pub occurred_at: String,
    /// Each target with the timestamp before which its rows are deleted.
    pub steps: [(PurgeTarget, String); 3],
}

/// The purge at `now_unix_millis`: leads older than `retention_days`,
/// tombstones and events older than `audit_retention_days`.
pub fn purge_plan(
    now_unix_millis: u64,
    retention_days: u32,
    audit_retention_days: u32,
) -> PurgePlan {
    let cutoff = |target| match target {
        PurgeTarget::Leads => purge_cutoff(now_unix_millis, retention_days),
        PurgeTarget::Tombstones | PurgeTarget::Events => {
            purge_cutoff(now_unix_millis, audit_retention_days)
        }
    };
    PurgePlan {
        occurred_at: format_timestamp(now_unix_millis),
        steps: PurgeTarget::ALL.map(|target| (target, cutoff(target))),
    }
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
    fn the_plan_keeps_the_audit_record_longer_than_the_leads() {
        let now = 1_700_000_000_123;
        let plan = purge_plan(now, 180, 1095);
        assert_eq!(plan.occurred_at, format_timestamp(now));
        assert_eq!(
            plan.steps,
            [
                (PurgeTarget::Leads, purge_cutoff(now, 180)),
                (PurgeTarget::Tombstones, purge_cutoff(now, 1095)),
                (PurgeTarget::Events, purge_cutoff(now, 1095)),
            ]
        );
    }

    #[test]
    fn each_record_counts_what_its_delete_removes() {
        let tables = [
            (PurgeTarget::Leads, "leads", "received_at"),
            (PurgeTarget::Tombstones, "lead_tombstones", "erased_at"),
            (PurgeTarget::Events, "lead_events", "occurred_at"),
        ];
        for (target, table, column) in tables {
            let record = target.record_statement();
            let delete = target.delete_statement();
            assert!(record.starts_with("INSERT INTO lead_events "), "{record}");
            assert!(record.contains(&format!("'{}', COUNT(*)", target.action())));
            assert!(record.contains(&format!("'{PURGE_ACTOR}'")));
            assert!(record.ends_with(&format!("FROM {table} WHERE {column} < ?2")));
            assert_eq!(delete, format!("DELETE FROM {table} WHERE {column} < ?1"));
        }
        assert_eq!(PurgeTarget::ALL.last(), Some(&PurgeTarget::Events));
    }

    proptest::proptest! {
        #[test]
        fn audit_cutoffs_stay_behind_the_migration_guard(
            now in 1_000_000_000_000u64..4_000_000_000_000,
            retention in 1u32..=3_650,
            audit in 365u32..=7_300,
        ) {
            let plan = purge_plan(now, retention, audit);
            // The triggers refuse deletes of rows younger than 364 days.
            let guard = purge_cutoff(now, 364);
            for (target, cutoff) in &plan.steps {
                if *target != PurgeTarget::Leads {
                    proptest::prop_assert!(*cutoff < guard);
                }
            }
            if audit > retention {
                proptest::prop_assert!(plan.steps[1].1 < plan.steps[0].1);
            }
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
