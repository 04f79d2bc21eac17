//! The dev loop benchmark: how long an author waits between saving a
//! content page and seeing it change in the browser. It starts
//! `baystore-site dev` (without the Worker) on a corpus, then repeatedly
//! appends a new sentence to one page and times until the page served by
//! the dev server contains it: rebuild, validation and the switch to the
//! new build all happen inside that time.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::corpus::{CorpusError, Variant, write_corpus};

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum DevLatencyError {
    /// The corpus could not be written.
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    /// The dev server could not be started or talked to.
    #[error("dev server: {0}")]
    Dev(String),
}

/// What to measure.
#[derive(Debug, Clone)]
pub struct DevLatencyOptions {
    /// Pages in the corpus.
    pub pages: usize,
    /// Which corpus.
    pub variant: Variant,
    /// Timed edits.
    pub edits: usize,
    /// Folder the corpus is written in (tmpfs for the numbers recorded).
    pub base: PathBuf,
    /// The generator binary.
    pub generator: PathBuf,
}

/// Edit-to-visible times of each edit, in milliseconds, in order.
pub fn run(options: &DevLatencyOptions) -> Result<Vec<f64>, DevLatencyError> {
    let dir = tempfile::Builder::new()
        .prefix("baystore-dev-bench-")
        .tempdir_in(&options.base)
        .map_err(|source| CorpusError {
            path: options.base.clone(),
            source,
        })?;
    write_corpus(dir.path(), options.pages, options.variant)?;
    let site = dir.path().join("ours");
    let mut dev = DevProcess::start(&options.generator, &site)?;
    // The middle page of the first section, at its pretty URL.
    let index = 42.min(options.pages.saturating_sub(1));
    let file = site.join(format!("content/section-000/page-{index:05}.md"));
    let url = format!("/section-000/page-{index:05}/");
    let mut text =
        std::fs::read_to_string(&file).map_err(|e| DevLatencyError::Dev(e.to_string()))?;
    let mut times = Vec::with_capacity(options.edits);
    for edit in 0..options.edits {
        let marker = format!("Edit number {edit} of the dev benchmark.");
        text.push_str(&format!("\n{marker}\n"));
        let started = Instant::now();
        std::fs::write(&file, &text).map_err(|e| DevLatencyError::Dev(e.to_string()))?;
        loop {
            if get(dev.address, &url)?.contains(&marker) {
                break;
            }
            if started.elapsed() > Duration::from_secs(120) {
                return Err(DevLatencyError::Dev(format!(
                    "edit {edit} never became visible"
                )));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        // Let the watcher settle so edits do not merge into one build.
        std::thread::sleep(Duration::from_millis(300));
    }
    dev.stop();
    Ok(times)
}

/// A Markdown table row: pages, variant, median and worst time.
pub fn markdown_row(options: &DevLatencyOptions, times: &[f64]) -> String {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN);
    let worst = sorted.last().copied().unwrap_or(f64::NAN);
    format!(
        "| {} | {:?} | {} | {median:.0} ms | {worst:.0} ms |\n",
        options.pages,
        options.variant,
        times.len()
    )
}

struct DevProcess {
    child: Child,
    address: SocketAddr,
}

impl DevProcess {
    fn start(generator: &Path, site: &Path) -> Result<Self, DevLatencyError> {
        let mut child = Command::new(generator)
            .args(["dev", "--port", "0", "--no-worker", "--site"])
            .arg(site)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                DevLatencyError::Dev(format!("cannot start {}: {e}", generator.display()))
            })?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| DevLatencyError::Dev("no stdout".into()))?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| DevLatencyError::Dev(e.to_string()))?;
        let address = line
            .trim()
            .strip_prefix("serving on http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .and_then(|address| address.parse().ok())
            .ok_or_else(|| DevLatencyError::Dev(format!("unexpected output {line:?}")))?;
        Ok(Self { child, address })
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for DevProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

fn get(address: SocketAddr, path: &str) -> Result<String, DevLatencyError> {
    let error = |e: std::io::Error| DevLatencyError::Dev(e.to_string());
    let mut stream = TcpStream::connect(address).map_err(error)?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .map_err(error)?;
    let mut body = Vec::new();
    stream.read_to_end(&mut body).map_err(error)?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}
