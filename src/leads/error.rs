//! The one error type of the `leads` commands.
//!
//! Every message is written to stderr, so none may carry personal data:
//! no variant holds a lead's fields, an address the operator typed, a
//! reason, or wrangler's own output unredacted. Paths, lead ids, binding
//! names and table names are not personal and are named to help.
//!
//! The binary prints an error with its chain of causes, so a variant that
//! shows an underlying error in its own message keeps it in a field that
//! is not a `source`, and the cause is not printed twice.

use std::path::PathBuf;

use crate::leads::id::IdError;
use crate::leads::input::InputError;
use crate::leads::timestamp::DateError;

/// Everything that can make a `leads` command fail.
#[derive(Debug, thiserror::Error)]
pub enum LeadsError {
    /// The wrangler configuration could not be read.
    #[error("cannot read {}: {error}", path.display())]
    ConfigRead {
        /// The configuration file.
        path: PathBuf,
        /// Why it could not be read.
        error: std::io::Error,
    },
    /// The wrangler configuration is not valid TOML of the expected shape.
    #[error("{} is not a valid wrangler configuration: {message}", path.display())]
    ConfigInvalid {
        /// The configuration file.
        path: PathBuf,
        /// What is wrong, from the TOML parser (configuration text only).
        message: String,
    },
    /// The configuration is not a `wrangler.toml`.
    #[error("{}: only a wrangler.toml configuration is supported", path.display())]
    ConfigFormat {
        /// The configuration file.
        path: PathBuf,
    },
    /// The configuration declares no D1 database.
    #[error(
        "{} declares no D1 database ([[d1_databases]] with a binding): the leads live in the Worker's D1 database",
        path.display()
    )]
    NoBinding {
        /// The configuration file.
        path: PathBuf,
    },
    /// `--binding` names a binding the configuration does not declare.
    #[error("{} declares no D1 binding named {binding}", path.display())]
    UnknownBinding {
        /// The configuration file.
        path: PathBuf,
        /// The requested binding.
        binding: String,
    },
    /// The configuration declares several D1 databases and none was chosen.
    #[error(
        "{} declares several D1 databases ({}): choose one with --binding",
        path.display(),
        bindings.join(", ")
    )]
    AmbiguousBinding {
        /// The configuration file.
        path: PathBuf,
        /// The declared bindings.
        bindings: Vec<String>,
    },
    /// wrangler is not installed where the tool looks for it.
    #[error(
        "wrangler is not installed: run `npm ci` in {} (it installs node_modules/.bin/wrangler), or put wrangler on PATH",
        root.display()
    )]
    WranglerMissing {
        /// The project folder.
        root: PathBuf,
    },
    /// wrangler could not be started.
    #[error("cannot run {}: {error}", program.display())]
    WranglerSpawn {
        /// The wrangler executable.
        program: PathBuf,
        /// Why it could not be started.
        error: std::io::Error,
    },
    /// wrangler reports that the database has no such binding.
    #[error(
        "wrangler finds no D1 database with the binding {binding} in {}",
        config.display()
    )]
    BindingRejected {
        /// The binding passed to wrangler.
        binding: String,
        /// The configuration file.
        config: PathBuf,
    },
    /// A table the command needs does not exist: migrations are missing.
    #[error(
        "the {location} database has no {table} table: apply the migrations first with `npx wrangler d1 migrations apply {binding} {flags}`"
    )]
    MigrationsMissing {
        /// The missing table (one of the lead tables), or "lead".
        table: String,
        /// The binding.
        binding: String,
        /// "local" or "remote".
        location: &'static str,
        /// The wrangler flags that select the same database.
        flags: String,
    },
    /// `--persist-to` names a folder that does not exist.
    #[error(
        "--persist-to {}: no such folder (wrangler dev keeps its local state in .wrangler/state unless told otherwise)",
        path.display()
    )]
    NoLocalState {
        /// The folder.
        path: PathBuf,
    },
    /// A remote command failed because wrangler is not signed in.
    #[error(
        "wrangler is not authorised for the remote database: run `npx wrangler login` or set CLOUDFLARE_API_TOKEN"
    )]
    RemoteAuth,
    /// wrangler failed for another reason. The detail has been redacted:
    /// quoted text and anything shaped like an address are removed.
    #[error("wrangler d1 execute failed ({status}): {detail}")]
    Wrangler {
        /// The exit status.
        status: String,
        /// The redacted first lines of its error.
        detail: String,
    },
    /// wrangler's output did not have the expected shape.
    #[error("wrangler d1 execute returned output this tool cannot read ({0})")]
    UnexpectedOutput(&'static str),
    /// Values were given that no argument takes.
    #[error(
        "{0} unexpected value(s) on the command line, not shown here as they may be personal data; see --help"
    )]
    StrayArguments(usize),
    /// A lead id argument is malformed.
    #[error(transparent)]
    Id(#[from] IdError),
    /// The `--since` argument is not a date.
    #[error("--since: {0}")]
    Since(DateError),
    /// An address, reason or operator name is refused.
    #[error(transparent)]
    Input(#[from] InputError),
    /// `leads show` asked for a lead that is not stored.
    #[error("no stored lead has the id {id}{}", erased_note(.erased_at.as_deref()))]
    LeadNotFound {
        /// The id asked for.
        id: String,
        /// When it was erased, if a tombstone records it.
        erased_at: Option<String>,
    },
    /// A lead to erase already has a tombstone.
    #[error("a tombstone for this lead already exists; it was erased before")]
    AlreadyErased,
    /// The export file or its manifest already exists.
    #[error("{} already exists; an export never replaces a file", path.display())]
    OutputExists {
        /// The existing path.
        path: PathBuf,
    },
    /// The export or manifest could not be written.
    #[error("cannot write {}: {error}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The export's CSV could not be written.
    #[error("cannot write the CSV export: {0}")]
    Csv(String),
    /// No random source for a correlation id.
    #[error("no random source for a correlation id: {0}")]
    Random(getrandom::Error),
    /// A private temporary folder for wrangler's log could not be created.
    #[error("cannot create a private temporary folder for wrangler's log: {0}")]
    TempDir(std::io::Error),
    /// Output could not be written to stdout.
    #[error("cannot write the output: {0}")]
    Output(std::io::Error),
}

fn erased_note(erased_at: Option<&str>) -> String {
    erased_at.map_or_else(String::new, |at| {
        format!("; it was erased at {at} (see `leads audit`)")
    })
}
