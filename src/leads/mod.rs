//! `leads`: the operator's tool for the leads the Worker stores in D1.
//!
//! `list` (ids and times only), `show` (one lead, with its personal
//! fields), `export` (a new owner-only CSV or JSON file with a manifest
//! beside it), `erase` (by id or by address, keeping a tombstone) and
//! `audit` (the record of actions). Every `list`, `show`, `export` and
//! `erase` adds a row to the append-only `lead_events` table in the same
//! batch that reads or changes the leads; the Worker's scheduled purge adds
//! its own rows (see `migrations/0002_lead_records.sql`).
//!
//! The commands drive `wrangler d1 execute` ([`wrangler`]) against the
//! local D1 state of `wrangler dev` or, with `--remote`, the deployed
//! database. `wrangler d1 export` is not used for exports: it dumps whole
//! tables as SQL into a file it creates itself, with no manifest, no
//! owner-only mode and no event recorded with the read. wrangler takes SQL
//! text without parameters, so values are
//! written into it by one module ([`sql`]) and only after being parsed and
//! checked: lead ids must be correlation ids ([`id`]), dates are parsed and
//! re-formatted ([`timestamp`]), addresses must be bare ASCII addresses and
//! reasons single printable lines without addresses ([`input`]), and every
//! text value is quoted with its `'` doubled. The alternative, `--file`
//! with generated SQL, would not help: it takes the same text, and remotely
//! it goes through D1's import path, which returns no rows.
//!
//! Personal data appears only in what `show` prints and what `export`
//! writes. Errors and notes name ids, counts, paths and tables; wrangler's
//! own messages are replaced or redacted ([`redact`]), and stored text is
//! escaped before it reaches a terminal ([`terminal`]).

pub mod command;
pub mod error;
pub mod export;
pub mod formula;
pub mod id;
pub mod input;
pub mod project;
pub mod queries;
pub mod redact;
pub mod sql;
pub mod store;
pub mod terminal;
pub mod timestamp;
pub mod wrangler;

pub use command::{LeadsArgs, run};
pub use error::LeadsError;
