//! What a check remembers of the files it judged, so that the next check of
//! the same bundle after a small change (a dev server's rebuild) scans only
//! the files that changed and re-runs the bundle-wide rules over the rest.
//!
//! A remembered outcome is used again only when everything it was judged
//! from is the same: the file's bytes (by BLAKE3 digest; a file whose
//! device, inode, size, modification time and change time are those it
//! had when it was digested is not read again, provided it had last
//! changed a few clock ticks before then, see [`RACY_FINE`]), the config
//! and the bundle-wide context every rule reads (the file list, the origin,
//! `_headers`, the evidence register), and the bytes of every other file
//! the rules took a digest of while judging it (subresource integrity).
//! A file judged by the clock (`security.txt` expiry) is always judged
//! again. Anything else is judged afresh. The findings that depend on
//! other pages (fragments, the gated analytics script) are kept as facts
//! and settled on every check, as are the bundle-wide rules, so a memo
//! never changes a report: a check with a memo finds what a check without
//! one finds. A CI gate checks without one.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::Config;
use crate::bundle::{self, FileKind};
use crate::scan::FileOutcome;
use crate::site::{Consulted, Site};

/// Outcomes of files judged by earlier checks, for [`crate::check_remembering`].
#[derive(Default)]
pub struct Memo {
    /// Digest of the config and bundle-wide context the outcomes hold for.
    context: Option<blake3::Hash>,
    /// By bundle path.
    files: HashMap<String, Remembered>,
    /// Outcomes the last check took from the memo rather than scanning.
    reused: usize,
    /// Files the last check read to digest them.
    digested: usize,
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memo")
            .field("files", &self.files.len())
            .field("reused", &self.reused)
            .finish_non_exhaustive()
    }
}

/// How long before a check a file must have last changed for its
/// metadata to stand for its bytes at the next check, on a file system
/// that keeps times to the second. File times have a coarse clock: a file
/// rewritten right after it was digested, within one tick and at the same
/// size, would keep its times. One that had not changed for this long when
/// it was digested cannot have, so if its times are the same later, it
/// was not written since (a program can set the modification time, not
/// the change time).
pub const RACY: std::time::Duration = std::time::Duration::from_secs(2);

/// The same on a file system that keeps times to the nanosecond (a change
/// time with a fraction of a second says so): its clock ticks at least a
/// hundred times a second, so two ticks are enough.
pub const RACY_FINE: std::time::Duration = std::time::Duration::from_millis(20);

/// What the file system says of a file: enough to tell, without reading
/// it, that it is still the file that was read (see [`RACY`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    device: u64,
    inode: u64,
    size: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl FileStamp {
    /// The stamp of the regular file at `path` (a symbolic link has none).
    #[cfg(unix)]
    pub fn of(path: &std::path::Path) -> Option<Self> {
        use std::os::unix::fs::MetadataExt as _;
        let metadata = std::fs::symlink_metadata(path).ok()?;
        metadata.file_type().is_file().then(|| FileStamp {
            device: metadata.dev(),
            inode: metadata.ino(),
            size: metadata.size(),
            modified: (metadata.mtime(), metadata.mtime_nsec()),
            changed: (metadata.ctime(), metadata.ctime_nsec()),
        })
    }

    /// Without change times, every file is read.
    #[cfg(not(unix))]
    pub fn of(_: &std::path::Path) -> Option<Self> {
        None
    }

    /// Whether the file had last changed at least [`RACY`] (or
    /// [`RACY_FINE`]) before `now` (since the Unix epoch): only then does
    /// the same stamp later mean the same bytes.
    pub fn settled(&self, now: std::time::Duration) -> bool {
        let (seconds, nanos) = self.changed;
        let (Ok(seconds), Ok(nanos)) = (u64::try_from(seconds), u32::try_from(nanos)) else {
            return false;
        };
        let changed = std::time::Duration::new(seconds, 0)
            .saturating_add(std::time::Duration::from_nanos(u64::from(nanos)));
        let margin = if nanos == 0 { RACY } else { RACY_FINE };
        changed.saturating_add(margin) <= now
    }
}

/// One file's outcome and what it was judged from.
struct Remembered {
    content: blake3::Hash,
    /// The file's metadata when it was digested, when it had settled by
    /// then: the same metadata later means the same bytes.
    stat: Option<FileStamp>,
    /// The other files whose digests the rules took, with their content.
    consulted: Vec<(String, blake3::Hash)>,
    outcome: FileOutcome,
}

impl Memo {
    /// An empty memo.
    pub fn new() -> Self {
        Self::default()
    }

    /// Files whose outcomes are remembered.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no outcome is remembered.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// How many files the last check took the outcome of from the memo
    /// instead of scanning them.
    pub fn reused(&self) -> usize {
        self.reused
    }

    /// How many files the last check read to digest them; the others were
    /// not read as text or were known by their metadata.
    pub fn digested(&self) -> usize {
        self.digested
    }
}

/// The memo's view of one check: the digests of the files and which
/// remembered outcomes still hold.
pub(crate) struct Lookup {
    context: blake3::Hash,
    /// Content digest of each file, by index; `None` for a file that is
    /// not read as text or could not be read (it is judged afresh).
    contents: Vec<Option<blake3::Hash>>,
    /// Each file's metadata, when it had settled before this check.
    stats: Vec<Option<FileStamp>>,
    /// Files read to digest them.
    digested: usize,
    /// What the earlier checks left.
    memo: Memo,
    /// Which files this check took from the memo, by index.
    reused: Vec<AtomicBool>,
}

impl Lookup {
    /// Digests every file of `site` that the rules read as text, in
    /// parallel, and the context of this check; `memo` is what the earlier
    /// checks left.
    pub(crate) fn start(memo: Memo, config: &Config, site: &Site, headers: Option<&str>) -> Self {
        let now = now();
        let known: Vec<(Option<blake3::Hash>, Option<FileStamp>, bool)> = (0..site.paths.len())
            .into_par_iter()
            .with_max_len(crate::FILES_PER_TASK)
            .map(|index| {
                if !read_as_text(site, index) {
                    return (None, None, false);
                }
                let stat = FileStamp::of(&site.disk_path(index));
                let remembered = memo.files.get(&site.paths[index]);
                if let (Some(stat), Some(remembered)) = (stat, remembered)
                    && remembered.stat == Some(stat)
                {
                    return (Some(remembered.content), Some(stat), false);
                }
                let content = content_digest(site, index);
                (content, stat.filter(|stat| stat.settled(now)), true)
            })
            .collect();
        let digested = known.iter().filter(|(_, _, read)| *read).count();
        let (contents, stats): (Vec<_>, Vec<_>) = known.into_iter().map(|(c, s, _)| (c, s)).unzip();
        Lookup {
            context: context_digest(config, site, headers),
            reused: contents.iter().map(|_| AtomicBool::new(false)).collect(),
            contents,
            stats,
            digested,
            memo,
        }
    }

    /// The remembered outcome of file `index`, when everything it was
    /// judged from is unchanged.
    pub(crate) fn outcome(&self, site: &Site, index: usize) -> Option<FileOutcome> {
        if self.memo.context != Some(self.context) {
            return None;
        }
        let content = self.contents[index]?;
        let remembered = self.memo.files.get(&site.paths[index])?;
        if remembered.content != content {
            return None;
        }
        let unchanged = remembered.consulted.iter().all(|(path, digest)| {
            site.index_of(path)
                .and_then(|other| self.contents[other])
                .is_some_and(|now| now == *digest)
        });
        if !unchanged {
            return None;
        }
        self.reused[index].store(true, Ordering::Relaxed);
        Some(remembered.outcome.clone())
    }

    /// Replaces the memo's content with the outcomes of this check. An
    /// outcome taken from the memo stays as it was remembered, with what it
    /// was judged from (its rules did not run again, so nothing they
    /// consulted was recorded this time). Any other outcome is remembered
    /// only when the file was read and judged to the end
    /// (`FileOutcome::complete`), so a failed read or an internal error is
    /// never carried into the next check.
    pub(crate) fn finish(mut self, memo: &mut Memo, site: &Site, outcomes: &[FileOutcome]) {
        let mut consulted: HashMap<usize, Vec<Consulted>> = HashMap::new();
        for (requester, what) in site.take_consulted() {
            consulted.entry(requester).or_default().push(what);
        }
        let mut files = HashMap::with_capacity(outcomes.len());
        let mut reused = 0;
        for (index, outcome) in outcomes.iter().enumerate() {
            let path = &site.paths[index];
            if self.reused[index].load(Ordering::Relaxed)
                && let Some((path, mut remembered)) = self.memo.files.remove_entry(path)
            {
                remembered.stat = self.stats[index];
                files.insert(path, remembered);
                reused += 1;
                continue;
            }
            let Some(content) = self.contents[index] else {
                continue;
            };
            if !outcome.complete {
                continue;
            }
            let mut others = Vec::new();
            let mut known = true;
            for &what in consulted.get(&index).map_or(&[][..], Vec::as_slice) {
                match what {
                    Consulted::Digest(other) => match self.contents[other] {
                        Some(digest) => others.push((site.paths[other].clone(), digest)),
                        // A digest of a file this lookup could not read
                        // cannot be compared next time.
                        None => known = false,
                    },
                    // The clock moves between checks: what was judged by
                    // it is judged again.
                    Consulted::Clock => known = false,
                }
            }
            if known {
                files.insert(
                    site.paths[index].clone(),
                    Remembered {
                        content,
                        stat: self.stats[index],
                        consulted: others,
                        outcome: outcome.clone(),
                    },
                );
            }
        }
        memo.context = Some(self.context);
        memo.files = files;
        memo.reused = reused;
        memo.digested = self.digested;
    }
}

/// The clock, since the Unix epoch, for [`FileStamp::settled`].
pub fn now() -> std::time::Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}

/// Whether the rules read file `index` as text. Files binary by name are
/// not read by the rules, so their outcome costs nothing to produce again
/// and they are neither read nor remembered here.
fn read_as_text(site: &Site, index: usize) -> bool {
    let path = site.paths[index].as_str();
    let plain = bundle::compressed(path).is_none()
        && crate::rules::secret::debris::git_file(path).is_none();
    !(plain && crate::load::served_kind(site, path) == FileKind::Binary)
}

/// The digest of file `index`'s bytes, read under the size cap.
fn content_digest(site: &Site, index: usize) -> Option<blake3::Hash> {
    let bytes = bundle::read_capped(&site.disk_path(index), site.max_file_bytes).ok()?;
    Some(blake3::hash(&bytes))
}

/// The digest of everything besides a file's own bytes that a file's
/// outcome is judged from. Debug text is enough: equal inputs print the
/// same, and inputs that print differently only cost a rescan.
fn context_digest(config: &Config, site: &Site, headers: Option<&str>) -> blake3::Hash {
    let mut text = String::new();
    let _ = write!(
        text,
        "{config:?}\u{0}{:?}\u{0}{headers:?}\u{0}{:?}\u{0}{}\u{0}{:?}",
        site.origins.site(),
        site.register,
        site.max_file_bytes,
        site.raw_path_names(),
    );
    let mut hasher = blake3::Hasher::new();
    hasher.update(text.as_bytes());
    for path in &site.paths {
        hasher.update(path.as_bytes());
        hasher.update(b"\0");
    }
    hasher.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn changed_at(seconds: i64, nanos: i64) -> FileStamp {
        FileStamp {
            device: 1,
            inode: 1,
            size: 1,
            modified: (seconds, nanos),
            changed: (seconds, nanos),
        }
    }

    #[test]
    fn a_file_settles_a_few_ticks_after_its_change_or_two_seconds_on_a_coarse_clock() {
        let fine = changed_at(100, 500_000_000);
        assert!(!fine.settled(Duration::from_millis(100_500)));
        assert!(!fine.settled(Duration::from_millis(100_519)));
        assert!(fine.settled(Duration::from_millis(100_520)));
        // Whole seconds: the change may have been up to a second later.
        let coarse = changed_at(100, 0);
        assert!(!coarse.settled(Duration::from_millis(101_999)));
        assert!(coarse.settled(Duration::from_secs(102)));
        // A time before the epoch, or a clock that went back, never
        // settles.
        assert!(!changed_at(-1, 0).settled(Duration::from_secs(200)));
        assert!(!fine.settled(Duration::from_secs(50)));
    }
}
