//! Which files are the site's sources, and notifications when they change.
//!
//! The watcher uses the platform's file-system notifications (inotify,
//! FSEvents, ReadDirectoryChangesW through the `notify` crate), debounced,
//! so an editor's burst of writes for one save is one rebuild. Reads are
//! not changes: the build itself opens every source, and counting those
//! events would rebuild forever. Only the
//! sources are watched: the site folder itself (not recursively, for
//! `site.yaml` and `_headers`) and each source folder recursively, so the
//! output folders, `target/` and `node_modules/` never cost a watch.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};

/// Folders of a site whose every file is a source.
pub const SOURCE_FOLDERS: [&str; 5] = [
    crate::content::CONTENT_DIR,
    crate::templates::TEMPLATES_DIR,
    crate::assets::STATIC_DIR,
    crate::content::data::DATA_DIR,
    crate::public_files::PUBLIC_DIR,
];

/// Files at the top of a site folder that are sources. The evidence
/// register and the promises are watched at their usual places only.
pub const SOURCE_FILES: [&str; 4] = [
    crate::config::SITE_CONFIG_FILE,
    crate::bundle::HEADERS_FILE,
    "evidence.yaml",
    "promises.yaml",
];

/// Longest a build waits for the sources to be quiet: a file written
/// without pause does not hold builds off for ever.
const MAX_DEBOUNCE: Duration = Duration::from_secs(1);

/// How often a waiting watcher checks whether it should stop.
const STOP_CHECK: Duration = Duration::from_millis(100);

/// Quiet time after the last change before a rebuild starts.
pub const DEBOUNCE: Duration = Duration::from_millis(40);

/// Whether `relative` (a path inside the site folder) is a source.
pub fn is_source(relative: &Path) -> bool {
    let mut components = relative.components();
    let Some(first) = components.next() else {
        return false;
    };
    let first = first.as_os_str();
    let nested = components.next().is_some();
    if nested {
        SOURCE_FOLDERS.iter().any(|folder| first == *folder)
    } else {
        SOURCE_FILES.iter().any(|file| first == *file)
            || SOURCE_FOLDERS.iter().any(|folder| first == *folder)
    }
}

/// Watches a site's sources.
pub struct Watcher {
    site_dir: PathBuf,
    watcher: Mutex<RecommendedWatcher>,
    /// Changed paths; `None` when the platform reports that changes may
    /// have been lost (an overflowing queue, say).
    changes: Receiver<Option<Vec<PathBuf>>>,
}

/// The sources changed by one burst of writes.
#[derive(Debug)]
pub struct Batch {
    /// When the first change was seen.
    pub started: Instant,
    /// The changed sources, relative to the site folder.
    pub paths: Vec<PathBuf>,
    /// Whether every change was reported; when not, any source may have
    /// changed.
    pub complete: bool,
}

impl Watcher {
    /// Starts watching the site in `site_dir`.
    pub fn start(site_dir: &Path) -> Result<Self, String> {
        let site_dir = site_dir
            .canonicalize()
            .map_err(|e| format!("{}: {e}", site_dir.display()))?;
        let (sender, changes) = channel();
        let mut watcher = notify::recommended_watcher(
            move |result: notify::Result<notify::Event>| match result {
                Ok(event) if event.need_rescan() => {
                    let _ = sender.send(None);
                }
                Ok(event) if !matches!(event.kind, EventKind::Access(_)) => {
                    let _ = sender.send(Some(event.paths));
                }
                Ok(_) => {}
                Err(_) => {
                    let _ = sender.send(None);
                }
            },
        )
        .map_err(|e| e.to_string())?;
        watcher
            .watch(&site_dir, RecursiveMode::NonRecursive)
            .map_err(|e| e.to_string())?;
        let watcher = Watcher {
            site_dir,
            watcher: Mutex::new(watcher),
            changes,
        };
        for folder in SOURCE_FOLDERS {
            watcher.watch_folder(folder);
        }
        Ok(watcher)
    }

    /// Watches a source folder recursively, if it exists. Watching one
    /// twice is harmless.
    fn watch_folder(&self, folder: &str) {
        let path = self.site_dir.join(folder);
        if path.is_dir()
            && let Ok(mut watcher) = self.watcher.lock()
        {
            let _ = watcher.watch(&path, RecursiveMode::Recursive);
        }
    }

    /// Blocks until a source changes, then returns the batch of changes,
    /// with when its first change was seen; changes that arrive meanwhile
    /// are merged into it. `None` once `stop` is set or the watcher has
    /// stopped.
    pub fn next_batch(&self, stop: &AtomicBool) -> Option<Batch> {
        loop {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            let change = match self.changes.recv_timeout(STOP_CHECK) {
                Ok(change) => change,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return None,
            };
            let mut batch = Batch {
                started: Instant::now(),
                paths: Vec::new(),
                complete: true,
            };
            if !self.add(&mut batch, change) {
                continue;
            }
            // Debounce: wait until the sources have been quiet for a
            // moment, so one save is one build.
            while batch.started.elapsed() < MAX_DEBOUNCE
                && let Ok(more) = self.changes.recv_timeout(DEBOUNCE)
            {
                self.add(&mut batch, more);
            }
            batch.paths.sort();
            batch.paths.dedup();
            return Some(batch);
        }
    }

    /// Adds the sources among a change's paths to `batch`, and says
    /// whether there was any (a lost change counts as one); a source
    /// folder that has just appeared is watched from now on.
    fn add(&self, batch: &mut Batch, change: Option<Vec<PathBuf>>) -> bool {
        let Some(paths) = change else {
            batch.complete = false;
            return true;
        };
        let mut any = false;
        for path in paths {
            let Ok(relative) = path.strip_prefix(&self.site_dir) else {
                continue;
            };
            if !is_source(relative) {
                continue;
            }
            any = true;
            if relative.components().count() == 1
                && let Some(name) = relative.to_str()
                && SOURCE_FOLDERS.contains(&name)
            {
                self.watch_folder(name);
            }
            batch.paths.push(relative.to_path_buf());
        }
        any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_the_site_inputs_only() {
        for source in [
            "site.yaml",
            "_headers",
            "content/a.md",
            "content/news/_index.md",
            "templates/base.html",
            "static/css/site.css",
            "data/pricing.yaml",
            "public/favicon.ico",
            "content",
        ] {
            assert!(is_source(Path::new(source)), "{source}");
        }
        for other in [
            "dist/index.html",
            "target/debug/x",
            "node_modules/x/y.js",
            ".git/index",
            "site.yaml.swp",
            "README.md",
            "functions/src/lib.rs",
            "static.bak/x",
        ] {
            assert!(!is_source(Path::new(other)), "{other}");
        }
    }

    #[test]
    fn a_change_to_a_source_is_reported_once_per_batch() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("content")).unwrap();
        std::fs::create_dir_all(dir.path().join("dist")).unwrap();
        let watcher = Watcher::start(dir.path()).unwrap();
        let (sender, received) = channel();
        let waiting = std::thread::spawn(move || {
            let _ = sender.send(watcher.next_batch(&AtomicBool::new(false)));
        });
        // A change outside the sources is not reported...
        std::fs::write(dir.path().join("dist/index.html"), "x").unwrap();
        std::thread::sleep(Duration::from_millis(300));
        assert!(received.try_recv().is_err());
        // ...and one to a page is.
        std::fs::write(dir.path().join("content/a.md"), "---\ntitle: A\n---\n").unwrap();
        let batch = received
            .recv_timeout(Duration::from_secs(10))
            .unwrap()
            .unwrap();
        assert_eq!(batch.paths, vec![PathBuf::from("content/a.md")]);
        assert!(batch.complete);
        waiting.join().unwrap();
    }
}
