//! The build benchmark: generates a corpus (see [`crate::corpus`]) on tmpfs
//! and on disk, times this generator and Hugo side by side with hyperfine
//! (medians of several runs), and measures each tool's peak memory with
//! GNU time.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::corpus::{CorpusError, Variant, write_corpus};

/// Why a benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The corpus could not be written.
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    /// A tool could not be started.
    #[error("cannot run {tool}")]
    Spawn {
        /// The program.
        tool: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A tool ran but failed.
    #[error("{tool} failed: {detail}")]
    ToolFailed {
        /// The program.
        tool: String,
        /// Its exit status and error output.
        detail: String,
    },
    /// hyperfine's JSON export could not be read.
    #[error("cannot read hyperfine results: {0}")]
    Results(String),
}

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Pages in the corpus.
    pub pages: usize,
    /// Which corpus.
    pub variant: Variant,
    /// Timed runs per command (after one warm-up run).
    pub runs: usize,
    /// Where the corpus and outputs go, by label (e.g. `tmpfs` -> `/dev/shm`).
    pub locations: Vec<(String, PathBuf)>,
    /// This generator's binary.
    pub generator: PathBuf,
    /// The Hugo binary.
    pub hugo: String,
}

/// The measurements of one tool in one location.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// `tmpfs` or `disk`.
    pub location: String,
    /// `baystore-site` or `hugo`.
    pub tool: String,
    /// Median wall time in seconds.
    pub median_seconds: f64,
    /// Peak resident memory in KiB, from one extra run.
    pub peak_kib: u64,
}

/// Runs the benchmark in every location.
pub fn run(options: &BenchOptions) -> Result<Vec<Measurement>, BenchError> {
    let mut measurements = Vec::new();
    for (label, base) in &options.locations {
        // A fresh folder of our own, removed when the run ends.
        let dir = tempfile::Builder::new()
            .prefix("baystore-bench-")
            .tempdir_in(base)
            .map_err(|source| CorpusError {
                path: base.clone(),
                source,
            })?;
        write_corpus(dir.path(), options.pages, options.variant)?;
        measurements.extend(measure_location(options, label, dir.path())?);
    }
    Ok(measurements)
}

fn measure_location(
    options: &BenchOptions,
    label: &str,
    dir: &Path,
) -> Result<Vec<Measurement>, BenchError> {
    let ours_out = dir.join("ours-dist");
    let hugo_out = dir.join("hugo-public");
    let ours = format!(
        "{} build --site {} --out {}",
        options.generator.display(),
        dir.join("ours").display(),
        ours_out.display()
    );
    let hugo = format!(
        "{} --quiet --source {} --destination {} --cacheDir {}",
        options.hugo,
        dir.join("hugo").display(),
        hugo_out.display(),
        dir.join("hugo-cache").display()
    );
    // Both tools start from an empty output folder on every run.
    let prepare = format!("rm -rf {} {}", ours_out.display(), hugo_out.display());
    let json = dir.join("hyperfine.json");
    let status = Command::new("hyperfine")
        .args(["--style", "basic", "--warmup", "1", "--runs"])
        .arg(options.runs.to_string())
        .arg("--prepare")
        .arg(&prepare)
        .arg("--export-json")
        .arg(&json)
        .args(["-n", "baystore-site", &ours, "-n", "hugo", &hugo])
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .map_err(|source| BenchError::Spawn {
            tool: "hyperfine".into(),
            source,
        })?;
    if !status.success() {
        return Err(BenchError::ToolFailed {
            tool: "hyperfine".into(),
            detail: status.to_string(),
        });
    }
    let medians = read_medians(&json)?;
    let mut measurements = Vec::new();
    for (tool, command) in [("baystore-site", &ours), ("hugo", &hugo)] {
        let _ = std::fs::remove_dir_all(&ours_out);
        let _ = std::fs::remove_dir_all(&hugo_out);
        let median_seconds = medians
            .iter()
            .find(|(name, _)| name == tool)
            .map(|(_, median)| *median)
            .ok_or_else(|| BenchError::Results(format!("no result for {tool}")))?;
        measurements.push(Measurement {
            location: label.to_string(),
            tool: tool.to_string(),
            median_seconds,
            peak_kib: peak_memory(command)?,
        });
    }
    Ok(measurements)
}

/// `(command name, median seconds)` from a hyperfine JSON export.
fn read_medians(path: &Path) -> Result<Vec<(String, f64)>, BenchError> {
    let text = std::fs::read_to_string(path).map_err(|e| BenchError::Results(e.to_string()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| BenchError::Results(e.to_string()))?;
    let results = value["results"]
        .as_array()
        .ok_or_else(|| BenchError::Results("no results array".into()))?;
    results
        .iter()
        .map(|result| {
            let name = result["command"].as_str().unwrap_or_default().to_string();
            let median = result["median"]
                .as_f64()
                .ok_or_else(|| BenchError::Results(format!("no median for {name}")))?;
            Ok((name, median))
        })
        .collect()
}

/// Peak resident set of one run, in KiB, from GNU time's `%M`.
fn peak_memory(command: &str) -> Result<u64, BenchError> {
    let output = Command::new("/usr/bin/time")
        .args(["-f", "peak-kib=%M", "sh", "-c", command])
        .stdout(Stdio::null())
        .output()
        .map_err(|source| BenchError::Spawn {
            tool: "/usr/bin/time".into(),
            source,
        })?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(BenchError::ToolFailed {
            tool: command.to_string(),
            detail: stderr.into_owned(),
        });
    }
    stderr
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix("peak-kib="))
        .and_then(|kib| kib.trim().parse().ok())
        .ok_or_else(|| BenchError::Results("GNU time printed no peak memory".into()))
}

/// A Markdown table of the measurements with the ratio to Hugo.
pub fn markdown_table(pages: usize, measurements: &[Measurement]) -> String {
    let mut out = String::from(
        "| pages | output on | tool | median wall time | vs Hugo | peak memory |\n|---:|---|---|---:|---:|---:|\n",
    );
    for m in measurements {
        let hugo = measurements
            .iter()
            .find(|h| h.location == m.location && h.tool == "hugo")
            .map_or(f64::NAN, |h| h.median_seconds);
        out.push_str(&format!(
            "| {pages} | {} | {} | {:.3} s | {:.2}x | {:.1} MiB |\n",
            m.location,
            m.tool,
            m.median_seconds,
            m.median_seconds / hugo,
            m.peak_kib as f64 / 1024.0
        ));
    }
    out
}
