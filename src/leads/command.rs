//! The `leads` subcommand: its arguments, and what each command prints.
//!
//! Standard output carries what the operator asked for; only `show` and
//! `export` carry personal data, and `export` writes it to its file rather
//! than to the terminal. The note on standard error says which event
//! recorded the action and carries nothing but its id. Every
//! stored value printed to the terminal goes through
//! [`crate::leads::terminal::printable`].

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use crate::leads::error::LeadsError;
use crate::leads::export::{self, Created, ExportFormat, ExportPaths, Manifest};
use crate::leads::id::{ActionId, LeadId};
use crate::leads::input::{EmailAddress, Operator, Reason};
use crate::leads::project::Project;
use crate::leads::queries::{Action, Selection};
use crate::leads::store::{self, Event, Lead, LeadSummary, Tombstone};
use crate::leads::terminal::{Lines, printable};
use crate::leads::timestamp::Timestamp;
use crate::leads::wrangler::{Database, Location, Wrangler};

/// `leads`: read, export and erase stored leads; every action is recorded
/// in `lead_events`.
#[derive(Debug, clap::Args)]
pub struct LeadsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: LeadsCommand,
    /// Which database.
    #[command(flatten)]
    pub target: TargetArgs,
}

/// Which D1 database the commands reach.
#[derive(Debug, clap::Args)]
pub struct TargetArgs {
    /// Use the deployed D1 database (wrangler's credentials) instead of
    /// the local one.
    #[arg(long, global = true, conflicts_with = "persist_to")]
    pub remote: bool,
    /// Local state folder, as for `wrangler dev --persist-to` (default:
    /// wrangler's .wrangler/state beside the configuration).
    #[arg(long, global = true, value_name = "DIR")]
    pub persist_to: Option<PathBuf>,
    /// The wrangler configuration that declares the D1 binding.
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        default_value = "wrangler.toml"
    )]
    pub config: PathBuf,
    /// The D1 binding, when the configuration declares several.
    #[arg(long, global = true, value_name = "NAME")]
    pub binding: Option<String>,
}

impl TargetArgs {
    fn location(&self) -> Location {
        if self.remote {
            Location::Remote
        } else {
            Location::Local {
                persist_to: self.persist_to.clone(),
            }
        }
    }
}

/// Values left over after the arguments a command takes. clap would
/// report such a value by repeating it, and a stray value here is as likely
/// as not an address typed in the wrong place, so the commands collect them
/// and refuse them without repeating them.
#[derive(Debug, Default, clap::Args)]
pub struct Stray {
    /// Extra values (refused).
    #[arg(hide = true, value_name = "EXTRA")]
    pub stray: Vec<String>,
}

impl Stray {
    fn check(&self) -> Result<(), LeadsError> {
        if self.stray.is_empty() {
            Ok(())
        } else {
            Err(LeadsError::StrayArguments(self.stray.len()))
        }
    }
}

/// The `leads` commands.
#[derive(Debug, clap::Subcommand)]
pub enum LeadsCommand {
    /// List stored leads: ids and times only, no personal data.
    List {
        /// Only leads received at or after this date (YYYY-MM-DD, UTC) or
        /// RFC 3339 time.
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        extra: Stray,
    },
    /// Show one lead with its personal fields.
    Show {
        /// The lead's correlation id (32 hexadecimal digits).
        id: String,
        /// Print JSON instead of labelled lines.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        extra: Stray,
    },
    /// Export leads to a new file with a manifest beside it.
    Export {
        /// File format.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// The export file to create (never replaced); the manifest is
        /// FILE.manifest.json.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Only leads received at or after this date or time.
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        #[command(flatten)]
        extra: Stray,
    },
    /// Erase leads, keeping a tombstone (id, times, reason) for each.
    Erase {
        /// The lead's correlation id.
        #[arg(
            long,
            value_name = "ID",
            required_unless_present = "email",
            conflicts_with = "email"
        )]
        id: Option<String>,
        /// Every lead with this address, ignoring case.
        #[arg(long, value_name = "ADDRESS")]
        email: Option<String>,
        /// Why, e.g. a ticket reference (recorded; no email addresses).
        #[arg(long, value_name = "TEXT")]
        reason: String,
        #[command(flatten)]
        extra: Stray,
    },
    /// Print the record of operator actions and scheduled purges.
    Audit {
        /// Only events at or after this date or time.
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Print JSON instead of lines.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        extra: Stray,
    },
}

/// Runs a `leads` command against the database its arguments select.
/// `out` receives what the operator asked for, `notes` the non-personal
/// notes (standard error).
pub fn run(args: &LeadsArgs, out: &mut dyn Write, notes: &mut dyn Write) -> Result<(), LeadsError> {
    // Arguments are judged before wrangler is looked for, so a typo is
    // reported as such wherever the tool runs.
    let request = Request::parse(&args.command)?;
    let project = Project::load(&args.target.config, args.target.binding.as_deref())?;
    let db = Wrangler::new(project, args.target.location())?;
    let operator = Operator::from_env(|name| std::env::var(name).ok())?;
    execute(&request, &db, operator, out, notes)
}

/// A command with its arguments parsed and checked.
#[derive(Debug)]
pub enum Request {
    /// `list`.
    List {
        /// The bound.
        since: Option<Timestamp>,
        /// JSON output.
        json: bool,
    },
    /// `show`.
    Show {
        /// The lead.
        id: LeadId,
        /// JSON output.
        json: bool,
    },
    /// `export`.
    Export {
        /// The format.
        format: ExportFormat,
        /// The file.
        out: PathBuf,
        /// The bound.
        since: Option<Timestamp>,
    },
    /// `erase`.
    Erase {
        /// The leads.
        selection: Selection,
        /// Why.
        reason: Reason,
    },
    /// `audit`.
    Audit {
        /// The bound.
        since: Option<Timestamp>,
        /// JSON output.
        json: bool,
    },
}

fn parse_since(since: Option<&str>) -> Result<Option<Timestamp>, LeadsError> {
    since
        .map(|text| Timestamp::parse(text).map_err(LeadsError::Since))
        .transpose()
}

impl Request {
    /// Parses and checks the arguments of `command`.
    pub fn parse(command: &LeadsCommand) -> Result<Self, LeadsError> {
        let (LeadsCommand::List { extra, .. }
        | LeadsCommand::Show { extra, .. }
        | LeadsCommand::Export { extra, .. }
        | LeadsCommand::Erase { extra, .. }
        | LeadsCommand::Audit { extra, .. }) = command;
        extra.check()?;
        Ok(match command {
            LeadsCommand::List { since, json, .. } => Self::List {
                since: parse_since(since.as_deref())?,
                json: *json,
            },
            LeadsCommand::Show { id, json, .. } => Self::Show {
                id: LeadId::parse(id)?,
                json: *json,
            },
            LeadsCommand::Export {
                format, out, since, ..
            } => Self::Export {
                format: *format,
                out: out.clone(),
                since: parse_since(since.as_deref())?,
            },
            LeadsCommand::Erase {
                id, email, reason, ..
            } => {
                let selection = match (id, email) {
                    (Some(id), None) => Selection::Id(LeadId::parse(id)?),
                    (None, Some(email)) => Selection::Email(EmailAddress::parse(email)?),
                    // clap requires exactly one; keep the refusal here too.
                    _ => return Err(crate::leads::input::InputError::Selector.into()),
                };
                Self::Erase {
                    selection,
                    reason: Reason::parse(reason)?,
                }
            }
            LeadsCommand::Audit { since, json, .. } => Self::Audit {
                since: parse_since(since.as_deref())?,
                json: *json,
            },
        })
    }
}

fn new_action(operator: Option<Operator>) -> Result<Action, LeadsError> {
    Ok(Action {
        id: ActionId::random().map_err(LeadsError::Random)?,
        at: Timestamp::now(),
        operator,
    })
}

fn write_out(out: &mut dyn Write, text: &str) -> Result<(), LeadsError> {
    out.write_all(text.as_bytes()).map_err(LeadsError::Output)
}

fn note(notes: &mut dyn Write, action: &str, action_id: ActionId) -> Result<(), LeadsError> {
    write_out(
        notes,
        &format!("recorded as lead event {action_id} ({action})\n"),
    )
}

fn json_text<T: Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("plain JSON values");
    text.push('\n');
    text
}

/// Runs a checked request against `db`.
pub fn execute(
    request: &Request,
    db: &dyn Database,
    operator: Option<Operator>,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> Result<(), LeadsError> {
    match request {
        Request::List { since, json } => {
            let action = new_action(operator)?;
            let leads = store::list(db, &action, *since)?;
            let text = if *json {
                json_text(&leads)
            } else {
                list_table(&leads)
            };
            write_out(out, &text)?;
            note(notes, "list", action.id)
        }
        Request::Show { id, json } => {
            let action = new_action(operator)?;
            let lead = match store::show(db, &action, id) {
                Ok(lead) => lead,
                // The batch ran, so the attempt is recorded.
                Err(error @ LeadsError::LeadNotFound { .. }) => {
                    note(notes, "show", action.id)?;
                    return Err(error);
                }
                Err(error) => return Err(error),
            };
            note(notes, "show", action.id)?;
            let text = if *json {
                json_text(&lead)
            } else {
                lead_lines(&lead)
            };
            write_out(out, &text)
        }
        Request::Export {
            format,
            out: file,
            since,
        } => export_leads(db, operator, *format, file, *since, out, notes),
        Request::Erase { selection, reason } => {
            let action = new_action(operator)?;
            let erasure = store::erase(db, &action, selection, reason)?;
            write_out(out, &erasure_lines(&erasure))?;
            note(notes, "erase", action.id)
        }
        Request::Audit { since, json } => {
            let events = store::audit(db, *since)?;
            let text = if *json {
                json_text(&events)
            } else {
                audit_lines(&events)
            };
            write_out(out, &text)
        }
    }
}

fn export_leads(
    db: &dyn Database,
    operator: Option<Operator>,
    format: ExportFormat,
    file: &std::path::Path,
    since: Option<Timestamp>,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> Result<(), LeadsError> {
    // Both paths are checked and the export file is created before any
    // data is read, so a refusal costs no read of personal data.
    let paths = ExportPaths::new(file)?;
    let mut created = Created::new(&paths.file)?;
    let action = new_action(operator)?;
    let leads = store::export(db, &action, since, format.name())?;
    let rendered = export::render(&leads, format)?;
    created.write_all(&rendered.bytes)?;
    let manifest = Manifest {
        manifest_version: export::MANIFEST_VERSION,
        export_id: action.id.to_string(),
        file: paths.file_name(),
        format: format.name(),
        columns: export::COLUMNS,
        data_class: "pii",
        count: leads.len(),
        time_range: export::time_range(&leads),
        since: since.map(|since| since.to_string()),
        sha256: export::sha256_hex(&rendered.bytes),
        bytes: rendered.bytes.len() as u64,
        neutralised_cells: rendered.neutralised_cells,
        operator: action
            .operator
            .as_ref()
            .map(|operator| operator.as_str().to_owned()),
        created_at: action.at.to_string(),
        database: db.describe(),
    };
    let mut manifest_file = Created::new(&paths.manifest)?;
    manifest_file.write_all(&export::manifest_bytes(&manifest))?;
    manifest_file.keep();
    created.keep();
    write_out(
        out,
        &format!(
            "exported {} lead{} to {} (sha256 {})\nmanifest: {}\n",
            leads.len(),
            plural(leads.len()),
            paths.file.display(),
            manifest.sha256,
            paths.manifest.display()
        ),
    )?;
    note(notes, "export", action.id)
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

fn single(text: &str) -> String {
    printable(text, Lines::Single).into_owned()
}

fn list_table(leads: &[LeadSummary]) -> String {
    let mut text = format!("{:<32}  received_at\n", "id");
    for lead in leads {
        text.push_str(&format!(
            "{:<32}  {}\n",
            single(&lead.id),
            single(&lead.received_at)
        ));
    }
    text.push_str(&format!("{} lead{}\n", leads.len(), plural(leads.len())));
    text
}

fn lead_lines(lead: &Lead) -> String {
    let mut text = String::new();
    for (label, value) in [
        ("id", lead.id.as_str()),
        ("received_at", lead.received_at.as_str()),
        ("data_class", lead.data_class.as_str()),
        ("name", lead.name.as_str()),
        ("email", lead.email.as_str()),
        ("company", lead.company.as_deref().unwrap_or("-")),
    ] {
        text.push_str(&format!("{label:<12} {}\n", single(value)));
    }
    text.push_str("message\n");
    for line in printable(&lead.message, Lines::Multiple).lines() {
        text.push_str(&format!("  {line}\n"));
    }
    text
}

fn tombstone_line(tombstone: &Tombstone) -> String {
    format!(
        "{}  received {}  erased {}\n",
        single(&tombstone.id),
        single(&tombstone.received_at),
        single(&tombstone.erased_at)
    )
}

fn erasure_lines(erasure: &store::Erasure) -> String {
    let count = erasure.erased.len();
    let mut text = if count == 0 {
        "erased 0 leads: no stored lead matched\n".to_owned()
    } else {
        format!(
            "erased {count} lead{}; a tombstone is kept for each\n",
            plural(count)
        )
    };
    for tombstone in &erasure.erased {
        text.push_str(&tombstone_line(tombstone));
    }
    if let Some(before) = &erasure.erased_before {
        text.push_str(&format!(
            "lead {} was already erased at {} (event {})\n",
            single(&before.id),
            single(&before.erased_at),
            single(&before.event_id)
        ));
    }
    text
}

fn audit_lines(events: &[Event]) -> String {
    let mut text = String::new();
    for event in events {
        let mut line = format!(
            "{}  {}  {:<16}  id={}",
            event.seq,
            single(&event.occurred_at),
            single(&event.action),
            single(&event.id)
        );
        let optional = [
            ("lead", event.lead_id.clone()),
            ("count", event.count.map(|count| count.to_string())),
            ("cutoff", event.cutoff.clone()),
            ("actor", event.actor.clone()),
            ("detail", event.detail.clone()),
            ("reason", event.reason.clone()),
        ];
        for (label, value) in optional {
            if let Some(value) = value {
                line.push_str(&format!("  {label}={}", single(&value)));
            }
        }
        line.push('\n');
        text.push_str(&line);
    }
    text.push_str(&format!("{} event{}\n", events.len(), plural(events.len())));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(subcommand)]
        command: Top,
    }

    #[derive(Debug, clap::Subcommand)]
    enum Top {
        Leads(LeadsArgs),
    }

    fn parse(args: &[&str]) -> Result<LeadsArgs, clap::Error> {
        let mut all = vec!["tool", "leads"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).map(|cli| match cli.command {
            Top::Leads(args) => args,
        })
    }

    #[test]
    fn global_options_go_before_or_after_the_command() {
        let args = parse(&["list", "--remote"]).expect("valid");
        assert!(args.target.remote);
        let args = parse(&["--persist-to", "/tmp/state", "list"]).expect("valid");
        assert_eq!(args.target.persist_to, Some(PathBuf::from("/tmp/state")));
        assert!(parse(&["list", "--remote", "--persist-to", "x"]).is_err());
    }

    #[test]
    fn erase_takes_exactly_one_selector_and_a_reason() {
        assert!(parse(&["erase", "--reason", "x"]).is_err());
        assert!(parse(&["erase", "--id", "a", "--email", "b@c.d", "--reason", "x"]).is_err());
        assert!(parse(&["erase", "--id", "a"]).is_err());
        assert!(parse(&["erase", "--email", "b@c.example", "--reason", "x"]).is_ok());
    }

    #[test]
    fn arguments_are_judged_before_anything_runs() {
        let zeros = "0".repeat(32);
        let bad = [
            vec!["show", "not-an-id"],
            vec!["list", "--since", "yesterday"],
            vec![
                "erase",
                "--email",
                "Quinn <quinn@customer.example>",
                "--reason",
                "x",
            ],
            vec![
                "erase",
                "--email",
                "quinn@customer.example",
                "--reason",
                "asked by quinn@customer.example",
            ],
            vec!["erase", "--id", &zeros, "--reason", "  "],
            vec![
                "erase",
                "--email",
                "a@b.example",
                "quinn@customer.example",
                "--reason",
                "x",
            ],
            vec!["show", &zeros, "quinn@customer.example"],
            vec!["list", "quinn@customer.example"],
        ];
        for args in bad {
            let parsed = parse(&args).expect("clap accepts it");
            let error = Request::parse(&parsed.command).expect_err("refused");
            assert!(!error.to_string().contains("quinn@"), "{error}");
        }
        let parsed = parse(&[
            "export",
            "--format",
            "csv",
            "--out",
            "x.csv",
            "--since",
            "2026-01-31",
        ])
        .expect("valid");
        match Request::parse(&parsed.command).expect("valid") {
            Request::Export { since, .. } => {
                assert_eq!(
                    since.map(|s| s.to_string()).as_deref(),
                    Some("2026-01-31T00:00:00.000Z")
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn show_prints_stored_text_safely() {
        let lead = Lead {
            id: "0".repeat(32),
            received_at: "2026-01-31T09:30:00.000Z".into(),
            data_class: "pii".into(),
            name: "Quinn\u{1b}[2J".into(),
            email: "quinn@customer.example".into(),
            company: None,
            message: "one\r\ntwo\u{202E}".into(),
        };
        let text = lead_lines(&lead);
        assert!(!text.contains('\u{1b}'));
        assert!(!text.contains('\u{202E}'));
        assert!(text.contains("company      -\n"));
        assert!(text.ends_with("message\n  one\n  two\\u{202e}\n"));
    }

    #[test]
    fn list_shows_no_personal_field() {
        let leads = [LeadSummary {
            id: "0".repeat(32),
            received_at: "2026-01-31T09:30:00.000Z".into(),
        }];
        let text = list_table(&leads);
        assert!(text.ends_with("1 lead\n"));
    }
}
