//! The lead records as typed values: what each command reads or changes,
//! run through a [`Database`] and read back from its JSON rows.

use serde::{Deserialize, Serialize};

use crate::leads::error::LeadsError;
use crate::leads::id::LeadId;
use crate::leads::input::Reason;
use crate::leads::queries::{self, Action, Selection};
use crate::leads::timestamp::Timestamp;
use crate::leads::wrangler::{Database, Row};

/// A stored lead, with its personal fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lead {
    /// Correlation id.
    pub id: String,
    /// When the Worker stored it.
    pub received_at: String,
    /// Always `pii`.
    pub data_class: String,
    /// Visitor's name.
    pub name: String,
    /// Visitor's address.
    pub email: String,
    /// Visitor's company, if given.
    pub company: Option<String>,
    /// The message.
    pub message: String,
}

/// A lead without its personal fields, as `leads list` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadSummary {
    /// Correlation id.
    pub id: String,
    /// When the Worker stored it.
    pub received_at: String,
}

/// What is left of an erased lead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    /// The erased lead's correlation id.
    pub id: String,
    /// When the lead was received.
    pub received_at: String,
    /// When it was erased.
    pub erased_at: String,
    /// Why.
    pub reason: String,
    /// The erasure's correlation id in `lead_events`.
    pub event_id: String,
}

/// One row of `lead_events`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Order of recording.
    pub seq: i64,
    /// The action's correlation id.
    pub id: String,
    /// `list`, `show`, `export`, `erase`, `purge`, `purge_tombstones` or
    /// `purge_events`.
    pub action: String,
    /// The lead concerned, for a show or an erasure by id.
    pub lead_id: Option<String>,
    /// How many leads (or records) the action concerned.
    pub count: Option<i64>,
    /// A purge's cut-off.
    pub cutoff: Option<String>,
    /// An erasure's reason.
    pub reason: Option<String>,
    /// Non-personal parameters.
    pub detail: Option<String>,
    /// Who ran it.
    pub actor: Option<String>,
    /// When.
    pub occurred_at: String,
}

/// The outcome of an erasure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Erasure {
    /// Tombstones written by this erasure, one per removed lead.
    pub erased: Vec<Tombstone>,
    /// For an erasure by id of a lead erased before: its tombstone.
    pub erased_before: Option<Tombstone>,
}

/// Reads the JSON object in column `column` of every row. Parse errors
/// are not passed on: serde's messages can quote the values.
fn decode<T: for<'de> Deserialize<'de>>(rows: &[Row], column: &str) -> Result<Vec<T>, LeadsError> {
    rows.iter()
        .map(|row| {
            let text = row
                .get(column)
                .and_then(serde_json::Value::as_str)
                .ok_or(LeadsError::UnexpectedOutput("a row lacks its JSON column"))?;
            serde_json::from_str(text)
                .map_err(|_| LeadsError::UnexpectedOutput("a row is not the expected JSON object"))
        })
        .collect()
}

fn rows_at(results: &[Vec<Row>], index: usize) -> Result<&[Row], LeadsError> {
    results
        .get(index)
        .map(Vec::as_slice)
        .ok_or(LeadsError::UnexpectedOutput(
            "a statement's result is missing",
        ))
}

/// The ids and times of the selected leads; records a `list` event.
pub fn list(
    db: &dyn Database,
    action: &Action,
    since: Option<Timestamp>,
) -> Result<Vec<LeadSummary>, LeadsError> {
    let selection = since.map_or(Selection::All, Selection::Since);
    let (batch, rows) = queries::list(action, &selection);
    let results = db.execute(&batch, &[])?;
    decode(rows_at(&results, rows)?, "lead")
}

/// One lead; records a `show` event. A lead that is not stored is an
/// error that says when it was erased, if it was.
pub fn show(db: &dyn Database, action: &Action, id: &LeadId) -> Result<Lead, LeadsError> {
    let (batch, lead, tombstone) = queries::show(action, id);
    let results = db.execute(&batch, &[])?;
    if let Some(found) = decode::<Lead>(rows_at(&results, lead)?, "lead")?.pop() {
        return Ok(found);
    }
    let erased = decode::<Tombstone>(rows_at(&results, tombstone)?, "tombstone")?.pop();
    Err(LeadsError::LeadNotFound {
        id: id.to_string(),
        erased_at: erased.map(|tombstone| tombstone.erased_at),
    })
}

/// Every selected lead with its personal fields; records an `export`
/// event naming `format`.
pub fn export(
    db: &dyn Database,
    action: &Action,
    since: Option<Timestamp>,
    format: &str,
) -> Result<Vec<Lead>, LeadsError> {
    let selection = since.map_or(Selection::All, Selection::Since);
    let (batch, rows) = queries::export(action, &selection, format);
    let results = db.execute(&batch, &[])?;
    decode(rows_at(&results, rows)?, "lead")
}

/// Erases the selected leads, keeping a tombstone for each; records an
/// `erase` event with the reason and the number erased.
pub fn erase(
    db: &dyn Database,
    action: &Action,
    selection: &Selection,
    reason: &Reason,
) -> Result<Erasure, LeadsError> {
    let (batch, rows) = queries::erase(action, selection, reason);
    let mut sensitive = vec![reason.as_str()];
    if let Selection::Email(email) = selection {
        sensitive.push(email.as_str());
    }
    let results = db.execute(&batch, &sensitive)?;
    let tombstones: Vec<Tombstone> = decode(rows_at(&results, rows)?, "tombstone")?;
    let ours = action.id.to_string();
    let (erased, before): (Vec<_>, Vec<_>) = tombstones
        .into_iter()
        .partition(|tombstone| tombstone.event_id == ours);
    Ok(Erasure {
        erased,
        erased_before: before.into_iter().next(),
    })
}

/// The recorded events, oldest first, from `since` on.
pub fn audit(db: &dyn Database, since: Option<Timestamp>) -> Result<Vec<Event>, LeadsError> {
    let batch = queries::audit(since);
    let results = db.execute(&batch, &[])?;
    decode(rows_at(&results, 0)?, "event")
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::leads::id::ActionId;
    use crate::leads::input::EmailAddress;
    use crate::leads::sql::Batch;
    use crate::leads::wrangler::DatabaseInfo;

    /// A database that answers with canned rows and remembers what it ran.
    struct Canned {
        answers: Vec<Vec<Row>>,
        ran: RefCell<Vec<(String, Vec<String>)>>,
    }

    impl Canned {
        fn new(answers: Vec<Vec<serde_json::Value>>) -> Self {
            let answers = answers
                .into_iter()
                .map(|rows| {
                    rows.into_iter()
                        .map(|row| row.as_object().expect("object").clone())
                        .collect()
                })
                .collect();
            Self {
                answers,
                ran: RefCell::new(Vec::new()),
            }
        }
    }

    impl Database for Canned {
        fn execute(&self, batch: &Batch, sensitive: &[&str]) -> Result<Vec<Vec<Row>>, LeadsError> {
            self.ran.borrow_mut().push((
                batch.to_sql(),
                sensitive.iter().map(|value| (*value).to_owned()).collect(),
            ));
            Ok(self.answers.clone())
        }

        fn describe(&self) -> DatabaseInfo {
            DatabaseInfo {
                binding: "DB".into(),
                name: None,
                location: "local",
            }
        }
    }

    fn action() -> Action {
        Action {
            id: ActionId::from_bytes([1; 16]),
            at: Timestamp::parse("2026-02-01").expect("valid"),
            operator: None,
        }
    }

    fn json_column(name: &str, value: &serde_json::Value) -> serde_json::Value {
        serde_json::json!({ name: value.to_string() })
    }

    #[test]
    fn show_reads_a_lead_with_a_null_company() {
        let lead = serde_json::json!({
            "id": "a", "received_at": "2026-01-01T00:00:00.000Z", "data_class": "pii",
            "name": "Quinn", "email": "quinn@customer.example", "company": null, "message": "Hi"
        });
        let db = Canned::new(vec![vec![], vec![json_column("lead", &lead)], vec![]]);
        let id = LeadId::parse(&"0".repeat(32)).expect("valid");
        let found = show(&db, &action(), &id).expect("found");
        assert_eq!(found.company, None);
        assert_eq!(found.name, "Quinn");
    }

    #[test]
    fn show_of_an_erased_lead_says_when() {
        let tombstone = serde_json::json!({
            "id": "0".repeat(32), "received_at": "2026-01-01T00:00:00.000Z",
            "erased_at": "2026-01-20T00:00:00.000Z", "reason": "ticket 1", "event_id": "e"
        });
        let db = Canned::new(vec![
            vec![],
            vec![],
            vec![json_column("tombstone", &tombstone)],
        ]);
        let id = LeadId::parse(&"0".repeat(32)).expect("valid");
        let error = show(&db, &action(), &id).expect_err("erased");
        assert!(
            error
                .to_string()
                .contains("erased at 2026-01-20T00:00:00.000Z"),
            "{error}"
        );
    }

    #[test]
    fn erase_passes_the_address_and_reason_as_sensitive_and_splits_old_tombstones() {
        let ours = action().id.to_string();
        let mine = serde_json::json!({
            "id": "1".repeat(32), "received_at": "2026-01-01T00:00:00.000Z",
            "erased_at": "2026-02-01T00:00:00.000Z", "reason": "ticket 1", "event_id": ours
        });
        let db = Canned::new(vec![
            vec![],
            vec![],
            vec![],
            vec![json_column("tombstone", &mine)],
        ]);
        let email = EmailAddress::parse("Quinn@Customer.example").expect("valid");
        let reason = Reason::parse("ticket 1").expect("valid");
        let erasure = erase(&db, &action(), &Selection::Email(email), &reason).expect("erased");
        assert_eq!(erasure.erased.len(), 1);
        assert_eq!(erasure.erased_before, None);
        let ran = db.ran.borrow();
        assert_eq!(ran[0].1, ["ticket 1", "quinn@customer.example"]);
    }

    #[test]
    fn malformed_rows_are_refused_without_quoting_them() {
        let db = Canned::new(vec![
            vec![],
            vec![serde_json::json!({"lead": "{\"id\": \"quinn@customer.example\"}"})],
        ]);
        let error = list(&db, &action(), None).expect_err("missing received_at");
        assert!(!error.to_string().contains("quinn"), "{error}");
    }
}
