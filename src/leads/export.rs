//! Export files and their manifests.
//!
//! An export is personal data leaving the database, so the file is
//! created new (never replacing anything: `create_new`, which also refuses
//! to follow a symbolic link planted at the path) with owner-only
//! permissions (`0600` on Unix; elsewhere the folder's access rules apply),
//! and a manifest is written beside it last: count, time range, data
//! class, SHA-256 and size of the export, the export's correlation id, who
//! ran it when known, and when. An export without its manifest is
//! incomplete. If any step fails, the files this export created are
//! removed again, and only those.
//!
//! CSV cells that a spreadsheet could read as a formula get a leading `'`
//! (see [`crate::leads::formula`]); quoting follows RFC 4180 through the
//! `csv` crate. JSON is written as data, unchanged.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::leads::error::LeadsError;
use crate::leads::formula;
use crate::leads::store::Lead;
use crate::leads::wrangler::DatabaseInfo;

/// The columns of an export, in order.
pub const COLUMNS: [&str; 7] = [
    "id",
    "received_at",
    "data_class",
    "name",
    "email",
    "company",
    "message",
];

/// The suffix that names an export's manifest: `leads.csv` gets
/// `leads.csv.manifest.json`.
pub const MANIFEST_SUFFIX: &str = ".manifest.json";

/// The manifest format's version, for whoever reads manifests later.
pub const MANIFEST_VERSION: u32 = 1;

/// The export file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// RFC 4180 CSV with a header row; formula-like cells neutralised.
    Csv,
    /// A JSON array of lead objects.
    Json,
}

impl ExportFormat {
    /// `csv` or `json`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
        }
    }
}

/// An export's bytes and what the manifest says about them.
#[derive(Debug, PartialEq, Eq)]
pub struct Rendered {
    /// The file's content.
    pub bytes: Vec<u8>,
    /// CSV cells that received the text marker.
    pub neutralised_cells: usize,
}

/// Renders `leads` in `format`.
pub fn render(leads: &[Lead], format: ExportFormat) -> Result<Rendered, LeadsError> {
    match format {
        ExportFormat::Csv => render_csv(leads),
        ExportFormat::Json => {
            let mut bytes = serde_json::to_vec_pretty(leads)
                .map_err(|_| LeadsError::Csv("the leads cannot be written as JSON".into()))?;
            bytes.push(b'\n');
            Ok(Rendered {
                bytes,
                neutralised_cells: 0,
            })
        }
    }
}

fn render_csv(leads: &[Lead]) -> Result<Rendered, LeadsError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::new());
    let csv_error = |error: csv::Error| LeadsError::Csv(error.to_string());
    writer.write_record(COLUMNS).map_err(csv_error)?;
    let mut neutralised_cells = 0;
    for lead in leads {
        let cells = [
            lead.id.as_str(),
            lead.received_at.as_str(),
            lead.data_class.as_str(),
            lead.name.as_str(),
            lead.email.as_str(),
            lead.company.as_deref().unwrap_or(""),
            lead.message.as_str(),
        ];
        let safe: Vec<_> = cells.iter().map(|cell| formula::neutralise(cell)).collect();
        neutralised_cells += safe
            .iter()
            .zip(cells)
            .filter(|(safe, cell)| safe.len() != cell.len())
            .count();
        writer
            .write_record(safe.iter().map(|cell| cell.as_bytes()))
            .map_err(csv_error)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|error| LeadsError::Csv(error.error().to_string()))?;
    Ok(Rendered {
        bytes,
        neutralised_cells,
    })
}

/// The time range the exported leads were received in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TimeRange {
    /// The earliest `received_at`.
    pub first_received_at: String,
    /// The latest `received_at`.
    pub last_received_at: String,
}

/// The manifest written beside every export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// The manifest format's version.
    pub manifest_version: u32,
    /// The export's correlation id, as recorded in `lead_events`.
    pub export_id: String,
    /// The export file's name (it sits beside the manifest).
    pub file: String,
    /// `csv` or `json`.
    pub format: &'static str,
    /// The export's columns.
    pub columns: [&'static str; 7],
    /// Always `pii`: every exported row is personal data.
    pub data_class: &'static str,
    /// How many leads the file holds.
    pub count: usize,
    /// When the exported leads were received; `null` when there are none.
    pub time_range: Option<TimeRange>,
    /// The `--since` bound, when given.
    pub since: Option<String>,
    /// SHA-256 of the export file, lowercase hex.
    pub sha256: String,
    /// The export file's size in bytes.
    pub bytes: u64,
    /// CSV cells prefixed with `'` so a spreadsheet reads them as text.
    pub neutralised_cells: usize,
    /// Who ran the export, when known.
    pub operator: Option<String>,
    /// When the export was made.
    pub created_at: String,
    /// Where the leads came from.
    pub database: DatabaseInfo,
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The earliest and latest `received_at` of `leads`.
pub fn time_range(leads: &[Lead]) -> Option<TimeRange> {
    let first = leads.iter().map(|lead| &lead.received_at).min()?;
    let last = leads.iter().map(|lead| &lead.received_at).max()?;
    Some(TimeRange {
        first_received_at: first.clone(),
        last_received_at: last.clone(),
    })
}

/// The two paths of an export, checked before any data is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportPaths {
    /// The export file.
    pub file: PathBuf,
    /// Its manifest.
    pub manifest: PathBuf,
}

impl ExportPaths {
    /// The export at `file` and its manifest beside it; refuses when
    /// either exists already (a dangling symbolic link counts).
    pub fn new(file: &Path) -> Result<Self, LeadsError> {
        let mut manifest = file.as_os_str().to_owned();
        manifest.push(MANIFEST_SUFFIX);
        let paths = Self {
            file: file.to_owned(),
            manifest: PathBuf::from(manifest),
        };
        for path in [&paths.file, &paths.manifest] {
            if path.symlink_metadata().is_ok() {
                return Err(LeadsError::OutputExists { path: path.clone() });
            }
        }
        Ok(paths)
    }

    /// The export file's name, as the manifest records it.
    pub fn file_name(&self) -> String {
        self.file
            .file_name()
            .map_or_else(String::new, |name| name.to_string_lossy().into_owned())
    }
}

/// A file this export created, removed again unless [`Created::keep`] is
/// called. Removal checks that the path still names the file that was
/// created, so a file someone else put there is never deleted.
#[derive(Debug)]
pub struct Created {
    path: PathBuf,
    file: File,
    kept: bool,
}

impl Created {
    /// Creates `path` new, owner-only.
    pub fn new(path: &Path) -> Result<Self, LeadsError> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).map_err(|error| {
            if error.kind() == std::io::ErrorKind::AlreadyExists {
                LeadsError::OutputExists {
                    path: path.to_owned(),
                }
            } else {
                LeadsError::Write {
                    path: path.to_owned(),
                    error,
                }
            }
        })?;
        Ok(Self {
            path: path.to_owned(),
            file,
            kept: false,
        })
    }

    /// Writes all of `bytes` and flushes them to disk.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), LeadsError> {
        self.file
            .write_all(bytes)
            .and_then(|()| self.file.sync_all())
            .map_err(|error| LeadsError::Write {
                path: self.path.clone(),
                error,
            })
    }

    /// Keeps the file: the export succeeded.
    pub fn keep(mut self) {
        self.kept = true;
    }

    fn is_still_ours(&self) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            let Ok(now) = self.path.symlink_metadata() else {
                return false;
            };
            self.file
                .metadata()
                .is_ok_and(|created| created.dev() == now.dev() && created.ino() == now.ino())
        }
        #[cfg(not(unix))]
        {
            self.path.is_file()
        }
    }
}

impl Drop for Created {
    fn drop(&mut self) {
        if !self.kept && self.is_still_ours() {
            // Best effort: the error that made the export fail is what the
            // operator needs to see.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The manifest as pretty-printed JSON with a final line break.
pub fn manifest_bytes(manifest: &Manifest) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(manifest).expect("a manifest is plain JSON values");
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lead(name: &str, company: Option<&str>, message: &str) -> Lead {
        Lead {
            id: "0".repeat(32),
            received_at: "2026-01-31T09:30:00.000Z".into(),
            data_class: "pii".into(),
            name: name.into(),
            email: "quinn@customer.example".into(),
            company: company.map(str::to_owned),
            message: message.into(),
        }
    }

    /// Reads CSV back with the csv crate, as a spreadsheet import would.
    fn read_back(bytes: &[u8]) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes)
            .records()
            .map(|record| {
                record
                    .expect("valid CSV")
                    .iter()
                    .map(str::to_owned)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn csv_quotes_and_neutralises() {
        let leads = [
            lead(
                "=HYPERLINK(\"https://attacker.example\")",
                None,
                "line one\r\nline, \"two\"",
            ),
            lead("Quinn", Some("+Harbor"), "@SUM(A1)"),
        ];
        let rendered = render(&leads, ExportFormat::Csv).expect("renders");
        assert_eq!(rendered.neutralised_cells, 3);
        let rows = read_back(&rendered.bytes);
        assert_eq!(rows[0], COLUMNS);
        assert_eq!(rows[1][3], "'=HYPERLINK(\"https://attacker.example\")");
        assert_eq!(rows[1][5], "");
        assert_eq!(rows[1][6], "line one\r\nline, \"two\"");
        assert_eq!(rows[2][5], "'+Harbor");
        assert_eq!(rows[2][6], "'@SUM(A1)");
        let text = String::from_utf8(rendered.bytes).expect("UTF-8");
        assert!(text.starts_with("id,received_at,data_class,name,email,company,message\r\n"));
        assert!(text.contains("\"'=HYPERLINK(\"\"https://attacker.example\"\")\""));
    }

    #[test]
    fn json_keeps_values_as_they_are() {
        let leads = [lead("=1+1", None, "x")];
        let rendered = render(&leads, ExportFormat::Json).expect("renders");
        let back: Vec<Lead> = serde_json::from_slice(&rendered.bytes).expect("JSON");
        assert_eq!(back, leads);
    }

    #[test]
    fn sha256_matches_a_known_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn time_range_spans_the_leads() {
        let mut early = lead("a", None, "m");
        early.received_at = "2026-01-01T00:00:00.000Z".into();
        let late = lead("b", None, "m");
        let range = time_range(&[late, early]).expect("two leads");
        assert_eq!(range.first_received_at, "2026-01-01T00:00:00.000Z");
        assert_eq!(range.last_received_at, "2026-01-31T09:30:00.000Z");
        assert_eq!(time_range(&[]), None);
    }

    #[test]
    fn existing_files_are_never_replaced() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("leads.csv");
        std::fs::write(&file, "keep me").expect("write");
        assert!(matches!(
            ExportPaths::new(&file),
            Err(LeadsError::OutputExists { .. })
        ));
        let other = dir.path().join("other.csv");
        std::fs::write(dir.path().join("other.csv.manifest.json"), "keep me").expect("write");
        assert!(matches!(
            ExportPaths::new(&other),
            Err(LeadsError::OutputExists { .. })
        ));
        assert!(matches!(
            Created::new(&file),
            Err(LeadsError::OutputExists { .. })
        ));
        assert_eq!(std::fs::read_to_string(&file).expect("read"), "keep me");
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symbolic_link_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("target");
        let link = dir.path().join("leads.csv");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        assert!(matches!(
            ExportPaths::new(&link),
            Err(LeadsError::OutputExists { .. })
        ));
        assert!(matches!(
            Created::new(&link),
            Err(LeadsError::OutputExists { .. })
        ));
        assert!(!target.exists());
    }

    #[cfg(unix)]
    #[test]
    fn created_files_are_owner_only_and_removed_unless_kept() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("temp dir");
        let kept = dir.path().join("kept.csv");
        let mut file = Created::new(&kept).expect("created");
        file.write_all(b"data").expect("written");
        file.keep();
        let mode = std::fs::metadata(&kept)
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);

        let dropped = dir.path().join("dropped.csv");
        drop(Created::new(&dropped).expect("created"));
        assert!(!dropped.exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_is_not_removed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("leads.csv");
        let created = Created::new(&path).expect("created");
        std::fs::remove_file(&path).expect("removed by someone else");
        std::fs::write(&path, "someone else's").expect("replaced");
        drop(created);
        assert_eq!(
            std::fs::read_to_string(&path).expect("still there"),
            "someone else's"
        );
    }

    proptest! {
        #[test]
        fn csv_reads_back_to_the_neutralised_values(
            name in any::<String>(),
            company in proptest::option::of(any::<String>()),
            message in any::<String>(),
        ) {
            let leads = [lead(&name, company.as_deref(), &message)];
            let rendered = render(&leads, ExportFormat::Csv).expect("renders");
            let rows = read_back(&rendered.bytes);
            prop_assert_eq!(rows.len(), 2);
            let row = &rows[1];
            prop_assert_eq!(&row[3], &formula::neutralise(&name).into_owned());
            prop_assert_eq!(&row[5], &formula::neutralise(company.as_deref().unwrap_or("")).into_owned());
            prop_assert_eq!(&row[6], &formula::neutralise(&message).into_owned());
            for cell in row {
                prop_assert!(!formula::is_formula_like(cell));
            }
        }
    }
}
