//! Running SQL against the Worker's D1 database through
//! `wrangler d1 execute --json`.
//!
//! wrangler is the one client that reaches both the local D1 state that
//! `wrangler dev` uses (`--local`, optionally `--persist-to DIR`) and the
//! deployed database (`--remote`, with wrangler's own credentials), so this
//! tool drives it rather than opening SQLite files or calling the API.
//!
//! Each command runs one [`Batch`] through `--command`. Locally wrangler
//! runs the statements as one D1 batch, a single transaction; remotely it
//! sends them in one request to D1's query endpoint, which runs them in
//! order. Every batch that reads personal data starts with the statement
//! that records the read, so the record exists whenever the data left.
//!
//! wrangler's output is captured, never passed through: its results hold
//! personal data only the command's own output may show, and its errors
//! can quote the SQL, which for an erasure holds the address. Known
//! failures become this tool's own messages; anything else is redacted
//! (see [`crate::leads::redact`]). wrangler also appends everything it
//! prints to a debug log file; that log is pointed at a private temporary
//! folder (`WRANGLER_LOG_PATH`) removed when the command ends, so no copy
//! of the rows is left behind in `.wrangler/logs`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use crate::leads::error::LeadsError;
use crate::leads::project::Project;
use crate::leads::redact::redact;
use crate::leads::sql::Batch;

/// One result row, column name to value.
pub type Row = serde_json::Map<String, serde_json::Value>;

/// Which D1 database the commands reach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// The local state of `wrangler dev`: its default folder, or the one
    /// given with `--persist-to`.
    Local {
        /// The state folder, when not wrangler's default.
        persist_to: Option<PathBuf>,
    },
    /// The deployed database.
    Remote,
}

impl Location {
    /// "local" or "remote", for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Local { .. } => "local",
            Self::Remote => "remote",
        }
    }

    /// The wrangler flags that select this database.
    fn flags(&self) -> Vec<OsString> {
        match self {
            Self::Local { persist_to: None } => vec!["--local".into()],
            Self::Local {
                persist_to: Some(dir),
            } => vec!["--local".into(), "--persist-to".into(), dir.into()],
            Self::Remote => vec!["--remote".into()],
        }
    }

    /// The same flags as text, for the hints in error messages.
    fn flags_text(&self) -> String {
        self.flags()
            .iter()
            .map(|flag| flag.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Something that runs a batch of SQL and returns the rows of each
/// statement, in order. [`Wrangler`] is the real one; tests substitute
/// their own.
pub trait Database {
    /// Runs `batch`. `sensitive` lists values the batch carries that must
    /// never appear in an error message.
    fn execute(&self, batch: &Batch, sensitive: &[&str]) -> Result<Vec<Vec<Row>>, LeadsError>;

    /// The binding, database name and location, for manifests.
    fn describe(&self) -> DatabaseInfo;
}

/// Which database a command reached, as an export manifest records it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DatabaseInfo {
    /// The D1 binding.
    pub binding: String,
    /// The database name, when the configuration declares one.
    pub name: Option<String>,
    /// "local" or "remote".
    pub location: &'static str,
}

/// `wrangler d1 execute` for one project and database.
#[derive(Debug)]
pub struct Wrangler {
    program: PathBuf,
    project: Project,
    location: Location,
}

impl Wrangler {
    /// Finds wrangler for `project` (its `node_modules/.bin/wrangler`,
    /// else `wrangler` on `PATH`) and checks that a `--persist-to` folder
    /// exists, since wrangler would silently create an empty one.
    pub fn new(project: Project, location: Location) -> Result<Self, LeadsError> {
        if let Location::Local {
            persist_to: Some(dir),
        } = &location
            && !dir.is_dir()
        {
            return Err(LeadsError::NoLocalState { path: dir.clone() });
        }
        let program = find_wrangler(&project.root, std::env::var_os("PATH")).ok_or_else(|| {
            LeadsError::WranglerMissing {
                root: project.root.clone(),
            }
        })?;
        // A relative --persist-to is meant from where the operator stands,
        // while wrangler runs in the project folder.
        let location = match location {
            Location::Local {
                persist_to: Some(dir),
            } => Location::Local {
                persist_to: Some(std::path::absolute(&dir).unwrap_or(dir)),
            },
            other => other,
        };
        Ok(Self {
            program,
            project,
            location,
        })
    }
}

impl Database for Wrangler {
    fn execute(&self, batch: &Batch, sensitive: &[&str]) -> Result<Vec<Vec<Row>>, LeadsError> {
        let log_dir = tempfile::Builder::new()
            .prefix("baystore-leads-")
            .tempdir()
            .map_err(LeadsError::TempDir)?;
        let output = Command::new(&self.program)
            .current_dir(&self.project.root)
            .arg("d1")
            .arg("execute")
            .arg(&self.project.database.binding)
            .arg("--config")
            .arg(&self.project.config)
            .args(self.location.flags())
            .arg("--json")
            // `--command=` keeps the SQL one argument whatever it starts with.
            .arg(format!("--command={}", batch.to_sql()))
            .env("WRANGLER_SEND_METRICS", "false")
            .env("WRANGLER_LOG_PATH", log_dir.path())
            .env("NO_COLOR", "1")
            .env("FORCE_COLOR", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .map_err(|error| LeadsError::WranglerSpawn {
                program: self.program.clone(),
                error,
            })?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if output.status.success() {
            parse_results(&stdout, batch.len())
        } else {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let message = error_text(&stdout).unwrap_or_else(|| stderr.into_owned());
            let status = output.status.code().map_or_else(
                || "killed by a signal".to_owned(),
                |code| format!("exit code {code}"),
            );
            Err(classify_failure(
                &message,
                &status,
                sensitive,
                &self.project,
                &self.location,
            ))
        }
    }

    fn describe(&self) -> DatabaseInfo {
        DatabaseInfo {
            binding: self.project.database.binding.clone(),
            name: self.project.database.database_name.clone(),
            location: self.location.name(),
        }
    }
}

/// The wrangler executable for a project: the one npm installed there,
/// else one on `path_var`. `npx` is not used: it would download wrangler
/// when it is missing, and an operator tool should say so instead.
fn find_wrangler(root: &Path, path_var: Option<OsString>) -> Option<PathBuf> {
    let names: &[&str] = if cfg!(windows) {
        &["wrangler.cmd", "wrangler.exe"]
    } else {
        &["wrangler"]
    };
    let local = names
        .iter()
        .map(|name| root.join("node_modules").join(".bin").join(name))
        .find(|candidate| candidate.is_file());
    local.or_else(|| {
        std::env::split_paths(&path_var?)
            .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
            .find(|candidate| candidate.is_file())
    })
}

#[derive(Deserialize)]
struct StatementResult {
    #[serde(default)]
    results: Vec<Row>,
    #[serde(default)]
    success: Option<bool>,
}

/// Reads the JSON array `--json` prints on success: one entry per
/// statement, in order. Parse errors are not passed on, as serde's
/// messages can quote the values they stumbled over.
fn parse_results(stdout: &str, expected: usize) -> Result<Vec<Vec<Row>>, LeadsError> {
    let json = json_start(stdout, '[').ok_or(LeadsError::UnexpectedOutput("no JSON result"))?;
    let statements: Vec<StatementResult> = serde_json::from_str(json).map_err(|_| {
        LeadsError::UnexpectedOutput("the result is not the JSON wrangler documents")
    })?;
    if statements.len() != expected {
        return Err(LeadsError::UnexpectedOutput(
            "the number of statement results differs from the number of statements",
        ));
    }
    if statements
        .iter()
        .any(|statement| statement.success == Some(false))
    {
        return Err(LeadsError::UnexpectedOutput("a statement did not succeed"));
    }
    Ok(statements
        .into_iter()
        .map(|statement| statement.results)
        .collect())
}

/// The text from the first line that starts with `open` (wrangler may
/// print warnings before its JSON).
fn json_start(text: &str, open: char) -> Option<&str> {
    if text.trim_start().starts_with(open) {
        return Some(text.trim_start());
    }
    let at = text.find(&format!("\n{open}"))?;
    Some(&text[at + 1..])
}

/// The message of the `{"error": {"text", "notes"}}` object wrangler prints
/// on failure with `--json`.
fn error_text(stdout: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Envelope {
        error: Message,
    }
    #[derive(Deserialize)]
    struct Message {
        #[serde(default)]
        text: String,
        #[serde(default)]
        notes: Vec<Note>,
    }
    #[derive(Deserialize)]
    struct Note {
        #[serde(default)]
        text: String,
    }
    let envelope: Envelope = serde_json::from_str(json_start(stdout, '{')?).ok()?;
    let mut text = envelope.error.text;
    for note in envelope.error.notes {
        text.push('\n');
        text.push_str(&note.text);
    }
    Some(text)
}

/// The lead tables; a missing one is named in the error.
const LEAD_TABLES: [&str; 3] = ["leads", "lead_events", "lead_tombstones"];

/// Turns wrangler's failure message into this tool's error. Recognised
/// failures get their own message; anything else is redacted.
fn classify_failure(
    message: &str,
    status: &str,
    sensitive: &[&str],
    project: &Project,
    location: &Location,
) -> LeadsError {
    let lower = message.to_ascii_lowercase();
    if let Some(at) = lower.find("no such table:") {
        let name: String = lower[at + "no such table:".len()..]
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
            .collect();
        let name = name.rsplit('.').next().unwrap_or_default();
        let table = LEAD_TABLES
            .iter()
            .find(|table| **table == name)
            .map_or("lead", |table| *table);
        return LeadsError::MigrationsMissing {
            table: table.to_owned(),
            binding: project.database.binding.clone(),
            location: location.name(),
            flags: location.flags_text(),
        };
    }
    if lower.contains("couldn't find a d1 db") || lower.contains("couldn't find db") {
        return LeadsError::BindingRejected {
            binding: project.database.binding.clone(),
            config: project.config.clone(),
        };
    }
    if lower.contains("unique constraint failed: lead_tombstones") {
        return LeadsError::AlreadyErased;
    }
    if *location == Location::Remote
        && (lower.contains("not logged in")
            || lower.contains("cloudflare_api_token")
            || lower.contains("authentication error")
            || lower.contains("you must be logged in"))
    {
        return LeadsError::RemoteAuth;
    }
    LeadsError::Wrangler {
        status: status.to_owned(),
        detail: redact(message, sensitive),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leads::project::D1Database;

    fn project() -> Project {
        Project {
            root: PathBuf::from("/site"),
            config: PathBuf::from("/site/wrangler.toml"),
            database: D1Database {
                binding: "DB".into(),
                database_name: Some("baystore-leads".into()),
            },
        }
    }

    fn local(dir: &str) -> Location {
        Location::Local {
            persist_to: Some(PathBuf::from(dir)),
        }
    }

    #[test]
    fn reads_the_results_of_each_statement() {
        let stdout = r#"[
  {"results": [], "success": true, "meta": {"duration": 1}},
  {"results": [{"lead": "{\"id\":\"a\"}"}], "success": true, "meta": {"duration": 1}}
]"#;
        let rows = parse_results(stdout, 2).expect("valid output");
        assert_eq!(rows.len(), 2);
        assert!(rows[0].is_empty());
        assert_eq!(rows[1][0]["lead"], "{\"id\":\"a\"}");
    }

    #[test]
    fn skips_warnings_before_the_json() {
        let stdout = "▲ [WARNING] something\n[{\"results\": [], \"success\": true}]";
        assert_eq!(parse_results(stdout, 1).expect("valid").len(), 1);
    }

    #[test]
    fn refuses_output_that_does_not_match_the_batch() {
        let one = r#"[{"results": [], "success": true}]"#;
        assert!(matches!(
            parse_results(one, 2),
            Err(LeadsError::UnexpectedOutput(_))
        ));
        let failed = r#"[{"results": [], "success": false}]"#;
        assert!(matches!(
            parse_results(failed, 1),
            Err(LeadsError::UnexpectedOutput(_))
        ));
        for garbage in ["", "nothing", "[{\"results\": \"quinn@customer.example\"}]"] {
            let error = parse_results(garbage, 1).expect_err("not wrangler output");
            assert!(!error.to_string().contains("quinn"));
        }
    }

    #[test]
    fn reads_the_error_envelope() {
        let stdout = r#"{"error": {"text": "no such table: lead_events: SQLITE_ERROR", "notes": [{"text": "see docs"}]}}"#;
        assert_eq!(
            error_text(stdout).as_deref(),
            Some("no such table: lead_events: SQLITE_ERROR\nsee docs")
        );
        assert_eq!(error_text("not json"), None);
    }

    #[test]
    fn a_missing_table_means_missing_migrations() {
        let error = classify_failure(
            "D1_ERROR: no such table: lead_events: SQLITE_ERROR",
            "exit code 1",
            &[],
            &project(),
            &local("/tmp/state"),
        );
        assert_eq!(
            error.to_string(),
            "the local database has no lead_events table: apply the migrations first with \
             `npx wrangler d1 migrations apply DB --local --persist-to /tmp/state`"
        );
        let error = classify_failure(
            "no such table: main.secret_stuff",
            "exit code 1",
            &[],
            &project(),
            &Location::Remote,
        );
        assert!(error.to_string().contains("no lead table"), "{error}");
        assert!(error.to_string().contains("--remote"), "{error}");
    }

    #[test]
    fn recognises_a_rejected_binding_and_remote_authentication() {
        let error = classify_failure(
            "Couldn't find a D1 DB with the name or binding 'DB' in your wrangler.toml file.",
            "exit code 1",
            &[],
            &project(),
            &Location::Local { persist_to: None },
        );
        assert!(matches!(error, LeadsError::BindingRejected { .. }));
        let error = classify_failure(
            "In a non-interactive environment, it's necessary to set a CLOUDFLARE_API_TOKEN environment variable",
            "exit code 1",
            &[],
            &project(),
            &Location::Remote,
        );
        assert!(matches!(error, LeadsError::RemoteAuth));
    }

    #[test]
    fn other_failures_are_redacted() {
        let error = classify_failure(
            "near \"quinn\": syntax error: DELETE FROM leads WHERE lower(email) = 'quinn@customer.example'",
            "exit code 1",
            &["quinn@customer.example"],
            &project(),
            &Location::Local { persist_to: None },
        );
        let shown = error.to_string();
        assert!(shown.contains("syntax error"), "{shown}");
        assert!(!shown.contains("quinn"), "{shown}");
    }

    #[test]
    fn prefers_the_project_copy_of_wrangler() {
        let dir = tempfile::tempdir().expect("temp dir");
        let bin = dir.path().join("node_modules/.bin");
        std::fs::create_dir_all(&bin).expect("bin dir");
        assert_eq!(find_wrangler(dir.path(), None), None);
        let elsewhere = tempfile::tempdir().expect("temp dir");
        std::fs::write(elsewhere.path().join("wrangler"), "").expect("fake wrangler");
        assert_eq!(
            find_wrangler(dir.path(), Some(elsewhere.path().into())),
            Some(elsewhere.path().join("wrangler"))
        );
        std::fs::write(bin.join("wrangler"), "").expect("fake wrangler");
        assert_eq!(
            find_wrangler(dir.path(), Some(elsewhere.path().into())),
            Some(bin.join("wrangler"))
        );
    }

    #[test]
    fn a_missing_state_folder_is_an_error_not_a_new_database() {
        let error = Wrangler::new(project(), local("/nonexistent/state/folder"))
            .expect_err("no such folder");
        assert!(matches!(error, LeadsError::NoLocalState { .. }));
    }
}
