//! The output folder: what `--out` may be, the mark that makes a bundle
//! this generator's own, the staging folder beside it, and the swap.
//!
//! The generator removes only what it made. Before a build writes
//! anything it checks that `--out` is absent, empty, or a bundle carrying
//! the mark ([`BUNDLE_MARK`]) this generator writes into every bundle;
//! that it is not a symbolic link; and that it neither is, contains nor
//! sits inside the site's sources. The check runs again right before the
//! swap. Folders are created exclusively, so a staging folder is never a
//! folder that was there before, and removal never follows a symbolic link.

use std::io::Read as _;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::assets::STATIC_DIR;
use crate::content::CONTENT_DIR;
use crate::error::Error;
use crate::templates::TEMPLATES_DIR;

/// Name of the mark file at the root of every bundle this generator
/// writes. It is published with the bundle and holds nothing but the
/// generator's name and the mark's format.
pub const BUNDLE_MARK: &str = ".baystore-bundle.json";

/// Format of the mark this generator writes and recognises.
pub const MARK_FORMAT: u32 = 1;

/// Value of the mark's `generator` field.
const GENERATOR: &str = "baystore-site";

/// A mark is a few dozen bytes; anything larger is not one.
const MARK_MAX_BYTES: u64 = 4096;

/// How many names are tried for a staging folder before giving up.
const STAGING_ATTEMPTS: u32 = 1000;

/// The contents of the mark.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct Mark {
    generator: String,
    format: u32,
}

/// Why `--out` was refused.
#[derive(Debug, thiserror::Error)]
pub enum OutDirProblem {
    /// `--out` is a symbolic link.
    #[error(
        "it is a symbolic link; pass the folder it points to (a link is never followed when \
         the previous output is removed)"
    )]
    Symlink,
    /// `--out` is a file or another non-folder.
    #[error("it is not a folder")]
    NotAFolder,
    /// `--out` is a folder that is neither empty nor marked.
    #[error(
        "it is not empty and holds no {BUNDLE_MARK} written by this generator, so it is not \
         a bundle this generator may replace; empty or remove it yourself, or choose another \
         folder"
    )]
    NotABundle,
    /// The mark is there but is not one this generator wrote.
    #[error(
        "its {BUNDLE_MARK} is not a mark of format {MARK_FORMAT} written by this generator \
         ({reason}), so the folder is not replaced"
    )]
    ForeignMark {
        /// What is wrong with the mark.
        reason: String,
    },
    /// `--out` is one of the site's source folders.
    #[error("it is {0}")]
    IsSource(String),
    /// `--out` holds one of the site's source folders.
    #[error("it contains {0}")]
    ContainsSource(String),
    /// `--out` lies inside one of the site's source folders.
    #[error("it lies inside {0}")]
    InsideSource(String),
    /// `--out` names no folder of its own (`/`, `.`, `..`).
    #[error("it must name a folder of its own, not a filesystem root, `.` or `..`")]
    NoName,
    /// `--out` could not be inspected.
    #[error("it cannot be inspected")]
    Unreadable(#[source] std::io::Error),
}

/// A checked output folder.
#[derive(Debug, Clone)]
pub struct OutDir {
    /// The folder as the user named it, for messages.
    given: PathBuf,
    /// The canonical parent joined with the folder's own name: no symbolic
    /// link, `.` or `..` in it, so every operation acts on the folder that
    /// was checked.
    resolved: PathBuf,
    /// The site's sources, by canonical path, with how to name each.
    sources: Vec<(PathBuf, String)>,
}

impl OutDir {
    /// The checked folder: its canonical parent joined with its name.
    pub fn path(&self) -> &Path {
        &self.resolved
    }

    /// Checks `out` against the rules above for the site in `site_dir`.
    pub fn check(out: &Path, site_dir: &Path) -> Result<Self, Error> {
        let refuse = |problem| Error::OutDir {
            path: out.to_path_buf(),
            problem,
        };
        let resolved = resolve(out).map_err(refuse)?;
        let out_dir = OutDir {
            given: out.to_path_buf(),
            resolved,
            sources: sources(site_dir),
        };
        out_dir.check_sources()?;
        out_dir.check_replaceable()?;
        Ok(out_dir)
    }

    /// The folder as the user named it.
    pub fn given(&self) -> &Path {
        &self.given
    }

    /// The folder as every operation addresses it.
    pub fn resolved(&self) -> &Path {
        &self.resolved
    }

    fn refuse(&self, problem: OutDirProblem) -> Error {
        Error::OutDir {
            path: self.given.clone(),
            problem,
        }
    }

    /// `--out` may not be, contain or sit inside the site's sources. The
    /// site folder itself may hold the output (`dist/` beside `content/`).
    fn check_sources(&self) -> Result<(), Error> {
        let out = &self.resolved;
        for (index, (source, name)) in self.sources.iter().enumerate() {
            let is_site_folder = index == 0;
            if out == source || same_file(out, source) {
                return Err(self.refuse(OutDirProblem::IsSource(name.clone())));
            }
            if source.starts_with(out) || ancestors_include(source, out) {
                return Err(self.refuse(OutDirProblem::ContainsSource(name.clone())));
            }
            if !is_site_folder && (out.starts_with(source) || ancestors_include(out, source)) {
                return Err(self.refuse(OutDirProblem::InsideSource(name.clone())));
            }
        }
        Ok(())
    }

    /// `--out` must be absent, an empty folder, or a folder carrying this
    /// generator's mark; never a symbolic link.
    pub fn check_replaceable(&self) -> Result<(), Error> {
        let meta = match std::fs::symlink_metadata(&self.resolved) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(self.refuse(OutDirProblem::Unreadable(e))),
        };
        if meta.file_type().is_symlink() {
            return Err(self.refuse(OutDirProblem::Symlink));
        }
        if !meta.is_dir() {
            return Err(self.refuse(OutDirProblem::NotAFolder));
        }
        let mut entries = std::fs::read_dir(&self.resolved)
            .map_err(|e| self.refuse(OutDirProblem::Unreadable(e)))?;
        if entries.next().is_none() {
            return Ok(());
        }
        match read_mark(&self.resolved.join(BUNDLE_MARK)) {
            MarkState::Ours => Ok(()),
            MarkState::Absent => Err(self.refuse(OutDirProblem::NotABundle)),
            MarkState::Foreign(reason) => Err(self.refuse(OutDirProblem::ForeignMark { reason })),
            MarkState::Unreadable(e) => Err(self.refuse(OutDirProblem::Unreadable(e))),
        }
    }

    /// Creates a fresh staging folder beside the output folder.
    pub fn stage(&self) -> Result<Staging, Error> {
        Ok(Staging {
            path: create_unique_sibling(&self.resolved, "tmp")?,
            armed: true,
        })
    }

    /// Replaces the output folder with the staged bundle. The previous
    /// output is moved aside first and put back if the new one cannot be
    /// moved in, so a failed swap changes nothing; it is removed only once
    /// the new bundle is in place.
    pub fn swap_in(&self, mut staging: Staging) -> Result<(), Error> {
        // The folder may have changed since the build began.
        self.check_replaceable()?;
        let aside = create_unique_sibling(&self.resolved, "old")?;
        let old = aside.join("previous");
        let had_old = match std::fs::rename(&self.resolved, &old) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => {
                let _ = std::fs::remove_dir(&aside);
                return Err(Error::io(
                    "cannot move the previous output aside",
                    &self.given,
                    e,
                ));
            }
        };
        if let Err(e) = std::fs::rename(&staging.path, &self.resolved) {
            if had_old {
                let _ = std::fs::rename(&old, &self.resolved);
            }
            let _ = std::fs::remove_dir(&aside);
            return Err(Error::io(
                "cannot move the new output in place",
                &self.given,
                e,
            ));
        }
        staging.armed = false;
        // Everything under `aside` was made here: the folder itself just
        // now, and the previous output, which carried the mark.
        remove_tree_in_parallel(&aside).map_err(|e| {
            Error::io(
                "cannot remove the previous output, moved aside to",
                &aside,
                e,
            )
        })
    }
}

/// A staging folder that removes itself when dropped, unless it was kept
/// or swapped in: every failure, a panic included, leaves nothing behind.
#[derive(Debug)]
pub struct Staging {
    path: PathBuf,
    armed: bool,
}

impl Staging {
    /// Where the bundle is being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Keeps the folder for inspection and returns where it is.
    pub fn keep(mut self) -> PathBuf {
        self.armed = false;
        std::mem::take(&mut self.path)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.armed {
            let _ = remove_tree(&self.path);
        }
    }
}

/// Writes the mark into a bundle folder.
pub fn write_mark(bundle: &Path) -> std::io::Result<()> {
    let mark = Mark {
        generator: GENERATOR.to_string(),
        format: MARK_FORMAT,
    };
    let mut text = serde_json::to_string(&mark).map_err(std::io::Error::other)?;
    text.push('\n');
    std::fs::write(bundle.join(BUNDLE_MARK), text)
}

enum MarkState {
    Ours,
    Absent,
    Foreign(String),
    Unreadable(std::io::Error),
}

/// Reads a mark without following a link and without reading more than a
/// mark can hold.
fn read_mark(path: &Path) -> MarkState {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return MarkState::Absent,
        Err(e) => return MarkState::Unreadable(e),
    };
    if !meta.is_file() {
        return MarkState::Foreign("it is not a regular file".to_string());
    }
    if meta.len() > MARK_MAX_BYTES {
        return MarkState::Foreign(format!("it is {} bytes long", meta.len()));
    }
    let mut text = String::new();
    let read = std::fs::File::open(path)
        .and_then(|file| file.take(MARK_MAX_BYTES).read_to_string(&mut text));
    if let Err(e) = read {
        return MarkState::Unreadable(e);
    }
    match serde_json::from_str::<Mark>(&text) {
        Ok(mark) if mark.generator == GENERATOR && mark.format == MARK_FORMAT => MarkState::Ours,
        Ok(mark) if mark.generator == GENERATOR => {
            MarkState::Foreign(format!("it has format {}", mark.format))
        }
        Ok(_) => MarkState::Foreign("another generator wrote it".to_string()),
        Err(_) => MarkState::Foreign("it is not a mark".to_string()),
    }
}

/// Makes `out` absolute with a canonical parent, keeping its own last
/// name unresolved so that a link there is seen, not followed. The parent
/// may not exist yet: its longest existing prefix is canonicalised and the
/// rest, which cannot hold links, is applied as written.
fn resolve(out: &Path) -> Result<PathBuf, OutDirProblem> {
    let name = match out.components().next_back() {
        Some(Component::Normal(name)) => name.to_os_string(),
        _ => return Err(OutDirProblem::NoName),
    };
    let absolute = if out.is_absolute() {
        out.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(OutDirProblem::Unreadable)?
            .join(out)
    };
    let parent = absolute.parent().ok_or(OutDirProblem::NoName)?;
    let components: Vec<Component<'_>> = parent.components().collect();
    let mut resolved = None;
    let mut rest: &[Component<'_>] = &[];
    for split in (0..=components.len()).rev() {
        let prefix: PathBuf = components[..split].iter().collect();
        if let Ok(canonical) = prefix.canonicalize() {
            resolved = Some(canonical);
            rest = &components[split..];
            break;
        }
    }
    let mut resolved = resolved.ok_or(OutDirProblem::NoName)?;
    for component in rest {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                resolved.pop();
            }
            other => resolved.push(other.as_os_str()),
        }
    }
    resolved.push(name);
    Ok(resolved)
}

/// The site's sources by canonical path: the site folder first, then
/// `content/`, `templates/`, `static/` and `public/` where they exist.
fn sources(site_dir: &Path) -> Vec<(PathBuf, String)> {
    let site = site_dir
        .canonicalize()
        .unwrap_or_else(|_| site_dir.to_path_buf());
    let mut sources = vec![(
        site.clone(),
        format!("the site folder ({})", site_dir.display()),
    )];
    for folder in [
        CONTENT_DIR,
        TEMPLATES_DIR,
        STATIC_DIR,
        crate::public_files::PUBLIC_DIR,
    ] {
        if let Ok(canonical) = site_dir.join(folder).canonicalize() {
            sources.push((canonical, format!("the site's {folder}/ folder")));
        }
    }
    sources
}

/// Whether two existing paths are the same file or folder. On Unix this
/// compares device and inode, which also catches a path spelt in another
/// case on a case-insensitive filesystem, or reached through a bind mount.
#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Whether `folder` or one of its ancestors is the same folder as `other`.
fn ancestors_include(folder: &Path, other: &Path) -> bool {
    if std::fs::metadata(other).is_err() {
        return false;
    }
    folder
        .ancestors()
        .filter(|ancestor| std::fs::metadata(ancestor).is_ok())
        .any(|ancestor| same_file(ancestor, other))
}

/// Creates a folder named `<name>.<tag>-<pid>-<n>` beside `path`, with the
/// first `n` whose folder does not exist yet: creation is exclusive, so the
/// folder is new and everything in it is the generator's.
fn create_unique_sibling(path: &Path, tag: &str) -> Result<PathBuf, Error> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dist".to_string());
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::io("cannot create folder", parent, e))?;
    let pid = std::process::id();
    for attempt in 0..STAGING_ATTEMPTS {
        let candidate = parent.join(format!("{name}.{tag}-{pid}-{attempt}"));
        match std::fs::create_dir(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io("cannot create a folder beside", path, e)),
        }
    }
    Err(Error::io(
        "cannot find a free name for a folder beside",
        path,
        std::io::ErrorKind::AlreadyExists.into(),
    ))
}

/// Removes a file, a link or a folder tree without following links: a
/// link is removed itself, never what it points to.
pub fn remove_tree(path: &Path) -> std::io::Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if meta.is_dir() {
        // `remove_dir_all` does not follow links inside the tree.
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
}

/// Removes a large folder, its entries in parallel: a bundle of thousands
/// of pages is mostly unlink calls.
fn remove_tree_in_parallel(path: &Path) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(path)?;
    if !meta.is_dir() {
        return remove_tree(path);
    }
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(path)? {
        entries.push(entry?.path());
    }
    entries.par_iter().try_for_each(|entry| {
        let meta = std::fs::symlink_metadata(entry)?;
        if meta.is_dir() {
            remove_tree_in_parallel(entry)
        } else {
            std::fs::remove_file(entry)
        }
    })?;
    std::fs::remove_dir(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(root: &Path) -> PathBuf {
        let site = root.join("site");
        for folder in [CONTENT_DIR, TEMPLATES_DIR, STATIC_DIR] {
            std::fs::create_dir_all(site.join(folder)).unwrap();
        }
        std::fs::write(site.join("content/a.md"), "---\ntitle: A\n---\n").unwrap();
        site
    }

    fn problem(result: Result<OutDir, Error>) -> OutDirProblem {
        match result {
            Err(Error::OutDir { problem, .. }) => problem,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn absent_empty_and_marked_folders_are_accepted() {
        let root = tempfile::tempdir().unwrap();
        let site = site(root.path());
        let out = root.path().join("dist");
        OutDir::check(&out, &site).unwrap();
        std::fs::create_dir(&out).unwrap();
        OutDir::check(&out, &site).unwrap();
        std::fs::write(out.join("index.html"), "old").unwrap();
        write_mark(&out).unwrap();
        OutDir::check(&out, &site).unwrap();
        OutDir::check(&site.join("dist"), &site).unwrap();
        OutDir::check(&root.path().join("new/deeper/dist"), &site).unwrap();
    }

    #[test]
    fn unmarked_or_foreign_folders_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let site = site(root.path());
        let out = root.path().join("home");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("thesis.tex"), "years of work").unwrap();
        assert!(matches!(
            problem(OutDir::check(&out, &site)),
            OutDirProblem::NotABundle
        ));
        for mark in [
            "{\"generator\":\"other\",\"format\":1}",
            "{\"generator\":\"baystore-site\",\"format\":2}",
            "not json",
        ] {
            std::fs::write(out.join(BUNDLE_MARK), mark).unwrap();
            assert!(matches!(
                problem(OutDir::check(&out, &site)),
                OutDirProblem::ForeignMark { .. }
            ));
        }
        let file = root.path().join("file");
        std::fs::write(&file, "x").unwrap();
        assert!(matches!(
            problem(OutDir::check(&file, &site)),
            OutDirProblem::NotAFolder
        ));
        for name in [".", "..", "/"] {
            assert!(matches!(
                problem(OutDir::check(Path::new(name), &site)),
                OutDirProblem::NoName | OutDirProblem::ContainsSource(_)
            ));
        }
    }

    #[cfg(unix)]
    #[test]
    fn links_are_refused_and_never_followed() {
        let root = tempfile::tempdir().unwrap();
        let site = site(root.path());
        let target = root.path().join("precious");
        std::fs::create_dir(&target).unwrap();
        write_mark(&target).unwrap();
        let link = root.path().join("dist");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        for given in [link.clone(), root.path().join("dist/")] {
            assert!(matches!(
                problem(OutDir::check(&given, &site)),
                OutDirProblem::Symlink
            ));
        }
        // A mark that is a link to a real mark elsewhere is not a mark.
        let out = root.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("x"), "x").unwrap();
        std::os::unix::fs::symlink(target.join(BUNDLE_MARK), out.join(BUNDLE_MARK)).unwrap();
        assert!(matches!(
            problem(OutDir::check(&out, &site)),
            OutDirProblem::ForeignMark { .. }
        ));
        // Removing a tree removes links inside it, not their targets.
        let tree = root.path().join("tree");
        std::fs::create_dir(&tree).unwrap();
        std::os::unix::fs::symlink(&target, tree.join("inner")).unwrap();
        remove_tree(&tree).unwrap();
        assert!(target.join(BUNDLE_MARK).is_file());
        std::os::unix::fs::symlink(&target, &tree).unwrap();
        remove_tree(&tree).unwrap();
        assert!(target.join(BUNDLE_MARK).is_file());
    }

    #[test]
    fn the_sources_are_never_the_output() {
        let root = tempfile::tempdir().unwrap();
        let site = site(root.path());
        let kind = |problem: &OutDirProblem| match problem {
            OutDirProblem::IsSource(_) => "is",
            OutDirProblem::ContainsSource(_) => "contains",
            OutDirProblem::InsideSource(_) => "inside",
            _ => "other",
        };
        let cases = [
            (site.clone(), "is"),
            (site.join("content"), "is"),
            (site.join("static/../templates/"), "is"),
            (root.path().to_path_buf(), "contains"),
            (site.join("content/dist"), "inside"),
            (site.join("static/new/../more/dist"), "inside"),
        ];
        for (out, expected) in cases {
            let found = problem(OutDir::check(&out, &site));
            assert_eq!(kind(&found), expected, "{}: {found}", out.display());
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_source_reached_through_a_link_is_still_a_source() {
        let root = tempfile::tempdir().unwrap();
        let site = site(root.path());
        let alias = root.path().join("alias");
        std::os::unix::fs::symlink(site.join("content"), &alias).unwrap();
        let found = problem(OutDir::check(&alias.join("dist"), &site));
        assert!(matches!(found, OutDirProblem::InsideSource(_)), "{found}");
    }

    #[test]
    fn staging_is_new_and_removed_unless_kept() {
        let root = tempfile::tempdir().unwrap();
        let site = site(root.path());
        let out = OutDir::check(&root.path().join("dist"), &site).unwrap();
        let first = out.stage().unwrap();
        let second = out.stage().unwrap();
        assert_ne!(first.path(), second.path());
        let first_path = first.path().to_path_buf();
        std::fs::write(first_path.join("page.html"), "x").unwrap();
        drop(first);
        assert!(!first_path.exists());
        let kept = second.keep();
        assert!(kept.is_dir());
    }

    #[test]
    fn swap_replaces_a_marked_bundle_and_keeps_it_on_refusal() {
        let root = tempfile::tempdir().unwrap();
        let site = site(root.path());
        let out = OutDir::check(&root.path().join("dist"), &site).unwrap();
        let staging = out.stage().unwrap();
        write_mark(staging.path()).unwrap();
        std::fs::write(staging.path().join("index.html"), "one").unwrap();
        out.swap_in(staging).unwrap();
        let staging = out.stage().unwrap();
        write_mark(staging.path()).unwrap();
        std::fs::write(staging.path().join("index.html"), "two").unwrap();
        // Someone replaced the bundle with their own files meanwhile.
        std::fs::remove_file(out.resolved().join(BUNDLE_MARK)).unwrap();
        assert!(out.swap_in(staging).is_err());
        assert_eq!(
            std::fs::read_to_string(out.resolved().join("index.html")).unwrap(),
            "one"
        );
        let leftovers: Vec<_> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with("dist."))
            .collect();
        assert_eq!(leftovers, Vec::<String>::new());
    }
}
