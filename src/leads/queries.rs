//! The SQL of every `leads` command, built from checked values only.
//!
//! Each batch that touches leads starts with the `lead_events` row that
//! records it: the action's correlation id, what it was, the lead or the
//! number of leads concerned (counted by the same condition the rest of
//! the batch uses, inside the same batch), its non-personal parameters,
//! the operator and the time. Nothing here updates or deletes an event.
//!
//! Recorded times (`occurred_at`, `erased_at`) come from the database's
//! clock, not the operator's: a wrong or altered local clock cannot date
//! an action into the past, where the retention purge would soon remove
//! it.
//!
//! Rows come back as one `json_object(...)` column each: wrangler turns a
//! top-level SQL `NULL` into the string `"null"` in its local results, and
//! a JSON object keeps `NULL`, numbers and text apart exactly.

use crate::leads::id::{ActionId, LeadId};
use crate::leads::input::{EmailAddress, Operator, Reason};
use crate::leads::sql::{Batch, Literal};
use crate::leads::timestamp::Timestamp;

/// The JSON object of a full lead row.
const LEAD_JSON: &str = "json_object('id', id, 'received_at', received_at, 'data_class', data_class, \
     'name', name, 'email', email, 'company', company, 'message', message)";
/// The JSON object of a lead's non-personal columns.
const SUMMARY_JSON: &str = "json_object('id', id, 'received_at', received_at)";
/// The JSON object of a tombstone.
const TOMBSTONE_JSON: &str = "json_object('id', id, 'received_at', received_at, \
     'erased_at', erased_at, 'reason', reason, 'event_id', event_id)";
/// The JSON object of an event.
const EVENT_JSON: &str = "json_object('seq', seq, 'id', id, 'action', action, \
     'lead_id', lead_id, 'count', count, 'cutoff', cutoff, 'reason', reason, \
     'detail', detail, 'actor', actor, 'occurred_at', occurred_at)";
/// Lead order in every listing and export: arrival, then id.
const LEAD_ORDER: &str = "ORDER BY received_at, id";
/// The database's current time in the stored format.
const DATABASE_NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// The operator action a batch carries out, as recorded in `lead_events`.
#[derive(Clone, Debug)]
pub struct Action {
    /// The action's correlation id.
    pub id: ActionId,
    /// When it started, by the local clock (an export's manifest records
    /// it; the database records its own time).
    pub at: Timestamp,
    /// Who ran it, when known.
    pub operator: Option<Operator>,
}

/// Which leads a command concerns.
#[derive(Clone, Debug)]
pub enum Selection {
    /// Every stored lead.
    All,
    /// Leads received at or after an instant.
    Since(Timestamp),
    /// One lead.
    Id(LeadId),
    /// Every lead whose address equals this one, ignoring case.
    Email(EmailAddress),
}

impl Selection {
    /// The `WHERE` clause over the `leads` table, with a leading space, or
    /// nothing for every lead.
    fn condition(&self) -> String {
        match self {
            Self::All => String::new(),
            Self::Since(since) => format!(" WHERE received_at >= {}", timestamp(*since)),
            Self::Id(id) => format!(" WHERE id = {}", lead_id(id)),
            Self::Email(address) => format!(" WHERE lower(email) = {}", address.literal()),
        }
    }
}

fn timestamp(at: Timestamp) -> Literal {
    Literal::new(&at.to_string()).expect("a formatted timestamp is printable ASCII")
}

fn lead_id(id: &LeadId) -> Literal {
    Literal::new(id.as_str()).expect("a lead id is hexadecimal")
}

fn action_id(id: ActionId) -> Literal {
    Literal::new(&id.to_string()).expect("an action id is hexadecimal")
}

fn text(value: &str) -> Literal {
    Literal::new(value).expect("constant text holds no control character")
}

fn or_null(literal: Option<Literal>) -> String {
    literal.map_or_else(|| "NULL".to_owned(), |literal| literal.to_string())
}

/// The `lead_events` row for `action`, counting the leads `selection`
/// matches at this point of the batch.
fn record(
    action: &Action,
    kind: &str,
    selection: &Selection,
    detail: Option<&str>,
    reason: Option<&Reason>,
) -> String {
    let lead = match selection {
        Selection::Id(id) => Some(lead_id(id)),
        _ => None,
    };
    format!(
        "INSERT INTO lead_events (id, action, lead_id, count, reason, detail, actor, occurred_at) \
         SELECT {}, {}, {}, COUNT(*), {}, {}, {}, {DATABASE_NOW} FROM leads{}",
        action_id(action.id),
        text(kind),
        or_null(lead),
        or_null(reason.map(Reason::literal)),
        or_null(detail.map(text)),
        or_null(action.operator.as_ref().map(Operator::literal)),
        selection.condition(),
    )
}

/// `since=…`, the detail of a command with a `--since` bound.
fn since_detail(selection: &Selection) -> Option<String> {
    match selection {
        Selection::Since(since) => Some(format!("since={since}")),
        _ => None,
    }
}

/// `leads list`: the event, then the ids and times of the selected leads.
/// Returns the batch and the index of the rows.
pub fn list(action: &Action, selection: &Selection) -> (Batch, usize) {
    let mut batch = Batch::new();
    batch.push(record(
        action,
        "list",
        selection,
        since_detail(selection).as_deref(),
        None,
    ));
    let rows = batch.push(format!(
        "SELECT {SUMMARY_JSON} AS lead FROM leads{} {LEAD_ORDER}",
        selection.condition()
    ));
    (batch, rows)
}

/// `leads show`: the event, the lead, and its tombstone if it was erased.
/// Returns the batch and the indexes of the lead and tombstone rows.
pub fn show(action: &Action, id: &LeadId) -> (Batch, usize, usize) {
    let selection = Selection::Id(id.clone());
    let mut batch = Batch::new();
    batch.push(record(action, "show", &selection, None, None));
    let lead = batch.push(format!(
        "SELECT {LEAD_JSON} AS lead FROM leads{}",
        selection.condition()
    ));
    let tombstone = batch.push(format!(
        "SELECT {TOMBSTONE_JSON} AS tombstone FROM lead_tombstones WHERE id = {}",
        lead_id(id)
    ));
    (batch, lead, tombstone)
}

/// `leads export`: the event (naming the format), then the full rows.
/// Returns the batch and the index of the rows.
pub fn export(action: &Action, selection: &Selection, format: &str) -> (Batch, usize) {
    let mut detail = format!("format={format}");
    if let Some(since) = since_detail(selection) {
        detail.push(' ');
        detail.push_str(&since);
    }
    let mut batch = Batch::new();
    batch.push(record(action, "export", selection, Some(&detail), None));
    let rows = batch.push(format!(
        "SELECT {LEAD_JSON} AS lead FROM leads{} {LEAD_ORDER}",
        selection.condition()
    ));
    (batch, rows)
}

/// `leads erase`: the event with the number of leads matched, a tombstone
/// for each (id, received time, erasure time, reason, the erasure's id),
/// the deletion of exactly the tombstoned leads, and the tombstones to
/// report. For an erasure by id the tombstone is looked up by the id, so
/// a lead erased before is reported as such.
pub fn erase(action: &Action, selection: &Selection, reason: &Reason) -> (Batch, usize) {
    let by = match selection {
        Selection::Id(_) => "by=id",
        _ => "by=email",
    };
    let event = action_id(action.id);
    let mut batch = Batch::new();
    batch.push(record(action, "erase", selection, Some(by), Some(reason)));
    batch.push(format!(
        "INSERT INTO lead_tombstones (id, received_at, erased_at, reason, event_id) \
         SELECT id, received_at, {DATABASE_NOW}, {}, {event} FROM leads{}",
        reason.literal(),
        selection.condition(),
    ));
    batch.push(format!(
        "DELETE FROM leads WHERE id IN (SELECT id FROM lead_tombstones WHERE event_id = {event})"
    ));
    let report = match selection {
        Selection::Id(id) => format!(
            "SELECT {TOMBSTONE_JSON} AS tombstone FROM lead_tombstones WHERE id = {}",
            lead_id(id)
        ),
        _ => format!(
            "SELECT {TOMBSTONE_JSON} AS tombstone FROM lead_tombstones \
             WHERE event_id = {event} ORDER BY received_at, id"
        ),
    };
    let rows = batch.push(report);
    (batch, rows)
}

/// `leads audit`: the events, oldest first. Reading the record is not
/// itself recorded: it holds no personal data.
pub fn audit(since: Option<Timestamp>) -> Batch {
    let condition = since.map_or_else(String::new, |since| {
        format!(" WHERE occurred_at >= {}", timestamp(since))
    });
    let mut batch = Batch::new();
    batch.push(format!(
        "SELECT {EVENT_JSON} AS event FROM lead_events{condition} ORDER BY seq"
    ));
    batch
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action() -> Action {
        Action {
            id: ActionId::from_bytes([0xab; 16]),
            at: Timestamp::parse("2026-02-01T10:00:00Z").expect("valid"),
            operator: Operator::from_env(|name| (name == "USER").then(|| "o'neil".to_owned()))
                .expect("valid"),
        }
    }

    const ID: &str = "00112233445566778899aabbccddeeff";

    #[test]
    fn list_records_the_count_and_reads_no_personal_column() {
        let since = Timestamp::parse("2026-01-01").expect("valid");
        let (batch, rows) = list(&action(), &Selection::Since(since));
        assert_eq!(rows, 1);
        let ab = "ab".repeat(16);
        assert_eq!(
            batch.statements()[0],
            format!(
                "INSERT INTO lead_events (id, action, lead_id, count, reason, detail, actor, occurred_at) \
                 SELECT '{ab}', 'list', NULL, COUNT(*), NULL, 'since=2026-01-01T00:00:00.000Z', 'o''neil', \
                 strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM leads WHERE received_at >= '2026-01-01T00:00:00.000Z'"
            )
        );
        assert_eq!(
            batch.statements()[1],
            "SELECT json_object('id', id, 'received_at', received_at) AS lead FROM leads \
             WHERE received_at >= '2026-01-01T00:00:00.000Z' ORDER BY received_at, id"
        );
        for column in ["name", "email", "company", "message"] {
            assert!(!batch.statements()[1].contains(column));
        }
    }

    #[test]
    fn show_records_the_lead_id() {
        let id = LeadId::parse(ID).expect("valid");
        let (batch, lead, tombstone) = show(&action(), &id);
        assert_eq!((lead, tombstone), (1, 2));
        assert!(batch.statements()[0].contains(&format!("'show', '{ID}', COUNT(*)")));
        assert!(batch.statements()[0].ends_with(&format!("FROM leads WHERE id = '{ID}'")));
        assert!(batch.statements()[2].contains("FROM lead_tombstones WHERE id ="));
    }

    #[test]
    fn export_names_its_format_and_bound() {
        let since = Timestamp::parse("2026-01-01").expect("valid");
        let (batch, rows) = export(&action(), &Selection::Since(since), "csv");
        assert_eq!(rows, 1);
        assert!(batch.statements()[0].contains("'format=csv since=2026-01-01T00:00:00.000Z'"));
        let (batch, _) = export(&action(), &Selection::All, "json");
        assert!(batch.statements()[0].contains("'format=json'"));
        assert!(batch.statements()[0].ends_with("FROM leads"));
        assert!(batch.statements()[1].ends_with("FROM leads ORDER BY received_at, id"));
    }

    #[test]
    fn erase_by_email_quotes_the_address_and_the_reason() {
        let address = EmailAddress::parse("O'Brien@Customer.example").expect("valid");
        let reason = Reason::parse("request 'A-1'; DROP TABLE leads").expect("valid");
        let (batch, rows) = erase(&action(), &Selection::Email(address), &reason);
        assert_eq!(rows, 3);
        let sql = batch.to_sql();
        assert!(sql.contains("WHERE lower(email) = 'o''brien@customer.example'"));
        assert!(sql.contains("'request ''A-1''; DROP TABLE leads'"));
        assert!(sql.contains("'erase', NULL, COUNT(*)"));
        assert!(sql.contains("'by=email'"));
        assert!(batch.statements()[2].starts_with("DELETE FROM leads WHERE id IN"));
        // Nothing in any batch changes or removes an event.
        for statement in batch.statements() {
            assert!(!statement.starts_with("UPDATE"));
            assert!(!statement.contains("DELETE FROM lead_events"));
            assert!(!statement.contains("DELETE FROM lead_tombstones"));
        }
    }

    #[test]
    fn erase_by_id_reports_by_id() {
        let id = LeadId::parse(ID).expect("valid");
        let reason = Reason::parse("ticket 1").expect("valid");
        let (batch, _) = erase(&action(), &Selection::Id(id), &reason);
        assert!(
            batch.statements()[0]
                .contains(&format!("'erase', '{ID}', COUNT(*), 'ticket 1', 'by=id'"))
        );
        assert!(
            batch.statements()[3].ends_with(&format!("FROM lead_tombstones WHERE id = '{ID}'"))
        );
    }

    proptest::proptest! {
        /// Whatever the values hold, wrangler takes every batch apart into
        /// exactly the statements it was built from, so no value can end a
        /// statement or start another.
        #[test]
        fn batches_split_into_their_own_statements(
            reason in "\\PC{1,80}",
            local in "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,20}",
            operator in "\\PC{1,30}",
            since in 0u64..253_402_300_800_000,
        ) {
            let Ok(reason) = Reason::parse(&reason) else { return Ok(()) };
            let operator = Operator::from_env(|name| (name == "BAYSTORE_OPERATOR").then(|| operator.clone()));
            let Ok(operator) = operator else { return Ok(()) };
            let action = Action { operator, ..action() };
            let since = Timestamp::from_unix_millis(since).expect("in range");
            let mut batches = vec![
                list(&action, &Selection::Since(since)).0,
                export(&action, &Selection::Since(since), "csv").0,
                erase(&action, &Selection::Id(LeadId::parse(ID).expect("valid")), &reason).0,
                audit(Some(since)),
            ];
            if let Ok(address) = EmailAddress::parse(&format!("{local}@customer.example")) {
                batches.push(erase(&action, &Selection::Email(address), &reason).0);
            }
            for batch in batches {
                proptest::prop_assert_eq!(
                    crate::leads::sql::wrangler_split(&batch.to_sql()),
                    batch.statements().to_vec()
                );
            }
        }
    }

    #[test]
    fn audit_reads_events_in_order() {
        let batch = audit(None);
        assert_eq!(batch.len(), 1);
        assert!(batch.statements()[0].ends_with("FROM lead_events ORDER BY seq"));
        let since = Timestamp::parse("2026-01-01").expect("valid");
        assert!(
            audit(Some(since)).statements()[0]
                .contains("WHERE occurred_at >= '2026-01-01T00:00:00.000Z'")
        );
    }
}
