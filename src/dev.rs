//! `dev`: rebuild on change by polling modification times, and serve the
//! bundle with the real Worker and `_headers` through `wrangler dev`.
//!
//! Polling keeps the generator free of platform file-watch APIs; a site has
//! few enough files that a stat pass every half second is cheap.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, SystemTime};

use crate::assets::STATIC_DIR;
use crate::bundle::{BuildOptions, BuildSummary, HEADERS_FILE, build};
use crate::config::SITE_CONFIG_FILE;
use crate::content::CONTENT_DIR;
use crate::content::data::DATA_DIR;
use crate::error::Error;
use crate::templates::TEMPLATES_DIR;

/// Time between two polls.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// What the inputs of a site look like now: every input file with its
/// modification time. Two equal stamps mean nothing changed.
#[derive(Debug, PartialEq, Eq)]
pub struct InputStamp(Vec<(PathBuf, Option<SystemTime>)>);

/// Stats every input of the site in `site_dir`.
pub fn input_stamp(site_dir: &Path) -> InputStamp {
    let mut entries = Vec::new();
    for name in [SITE_CONFIG_FILE, HEADERS_FILE] {
        let path = site_dir.join(name);
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        entries.push((path, modified));
    }
    for folder in [
        CONTENT_DIR,
        DATA_DIR,
        TEMPLATES_DIR,
        STATIC_DIR,
        crate::public_files::PUBLIC_DIR,
    ] {
        // Links are followed as the build follows them, so a change to a
        // linked page triggers a rebuild too.
        for entry in walkdir::WalkDir::new(site_dir.join(folder))
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            let modified = entry.metadata().ok().and_then(|m| m.modified().ok());
            entries.push((entry.into_path(), modified));
        }
    }
    InputStamp(entries)
}

/// Builds once, then rebuilds whenever an input changes; `report` is told
/// the outcome of every build. Runs until `keep_going` returns false.
pub fn watch(
    options: &BuildOptions<'_>,
    mut report: impl FnMut(&Result<BuildSummary, Error>),
    mut keep_going: impl FnMut() -> bool,
) {
    let mut last = input_stamp(&options.site_dir);
    report(&build(options));
    while keep_going() {
        std::thread::sleep(POLL_INTERVAL);
        let now = input_stamp(&options.site_dir);
        if now != last {
            last = now;
            report(&build(options));
        }
    }
}

/// Starts `wrangler dev` from the site folder when the project has it
/// installed (`node_modules/.bin/wrangler`). Returns `None` otherwise.
pub fn start_wrangler(site_dir: &Path) -> Option<std::io::Result<Child>> {
    if !site_dir.join("node_modules/.bin/wrangler").exists() {
        return None;
    }
    Some(
        Command::new("npx")
            .args(["wrangler", "dev", "--ip", "127.0.0.1"])
            .env("WRANGLER_SEND_METRICS", "false")
            .current_dir(site_dir)
            .spawn(),
    )
}

/// How to serve the bundle by hand when `wrangler` is not installed.
pub const SERVE_HINT: &str = "wrangler is not installed here; run `npm ci`, then `npx wrangler dev --ip 127.0.0.1` to serve the bundle with the Worker and _headers";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamp_changes_when_a_file_changes() {
        let dir = std::env::temp_dir().join(format!("baystore-dev-stamp-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("content")).unwrap();
        std::fs::write(dir.join("content/a.md"), "---\ntitle: A\n---\n").unwrap();
        let before = input_stamp(&dir);
        assert_eq!(before, input_stamp(&dir));
        std::fs::write(dir.join("content/b.md"), "---\ntitle: B\n---\n").unwrap();
        assert_ne!(before, input_stamp(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
