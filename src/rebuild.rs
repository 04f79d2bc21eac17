//! Rebuilds for `dev`: what a build keeps of the last good one, so that
//! after an edit of content pages the next build renders only the pages
//! that changed and rewrites them, with the feeds that list them and the
//! evidence, in the last good bundle itself, and the validator judges
//! again only the files whose bytes changed.
//!
//! A build rewrites the last good bundle in place only when no source but
//! content pages changed since it (templates, static files, data and
//! config each rebuild everything), the same pages exist at the same
//! places, and every changed page differs at most in its Markdown body and
//! the front matter other pages show of it: `title`, `description`,
//! `date`, `updated`, `weight` and `extra`. Its place, surface, terms,
//! aliases, navigation entry and template are the site's structure: a
//! change there is a full build into a fresh folder, as `build` does.
//!
//! What is rendered again follows from how pages see each other. A body
//! is shown by its page and by the feeds that list the page. The front
//! matter above is shown by listings: every listing page of a section
//! that lists the page (its order may change too), every listing page of
//! its terms and its taxonomies' lists of terms, the sitemap (`lastmod`),
//! and every page whose templates read other pages through `get_page`,
//! `get_section` or `get_taxonomy` in the last good build. Pages that show
//! the evidence are rendered again every time.
//!
//! Rewriting in place keeps the gate's promise: the last good bytes of
//! every file about to be rewritten are read first and handed to the
//! caller (the dev server answers from them meanwhile), and a build that
//! fails, a panic included, puts them back before it returns.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bundle_validator::Memo;
use bundle_validator::evidence::FileDigest;
use bundle_validator::memo::FileStamp;

use crate::content::{CONTENT_DIR, ContentDate, ContentFile, Page, Provenance};

/// The last good bytes of the files a build is about to rewrite in place,
/// by bundle path.
pub type LastGoodBytes = Vec<(String, Arc<Vec<u8>>)>;

/// Called by a build with the last good bytes of the files it is about to
/// rewrite in place, before it writes any of them.
pub type Shield<'a> = &'a (dyn Fn(&Path, &LastGoodBytes) + Sync);

/// What one dev build hands the next.
#[derive(Default)]
pub struct Reuse {
    /// The validator's outcomes of the files it judged.
    pub(crate) memo: Memo,
    /// Content pages as the last build parsed them, by path.
    pub(crate) loaded: LoadedPages,
    pub(crate) last: Option<LastGood>,
    /// A source other than a content page changed since the last good
    /// build, or changes may have been missed.
    others_changed: bool,
}

impl std::fmt::Debug for Reuse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reuse")
            .field("memo", &self.memo)
            .field("last", &self.last.as_ref().map(|last| &last.dir))
            .field("others_changed", &self.others_changed)
            .finish()
    }
}

/// The last good build.
pub(crate) struct LastGood {
    /// Its bundle folder.
    pub(crate) dir: PathBuf,
    /// Whether it published drafts.
    pub(crate) drafts: bool,
    pub(crate) pages: Vec<Page>,
    /// For each page file, what produced it (see `bundle::PageTrace`).
    pub(crate) traces: crate::bundle::Traces,
    /// Its files, as its evidence manifest lists them.
    pub(crate) files: Vec<FileDigest>,
}

impl Reuse {
    /// Nothing to reuse yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that the sources at these paths, relative to the site
    /// folder, changed. Anything outside `content/` rebuilds everything
    /// next time. Every build reads every content page again and compares
    /// it with the last good build's, so what changed there is found by
    /// comparing, whatever the notification named (an editor's temporary
    /// file, a renamed folder); nothing else under `content/` is read.
    pub fn sources_changed(&mut self, relative: &[PathBuf]) {
        if !relative.iter().all(|path| path.starts_with(CONTENT_DIR)) {
            self.forget();
        }
    }

    /// Records that some change may have gone unseen: the next build
    /// rebuilds everything and reads every content page again (how a
    /// page parses depends on `site.yaml`).
    pub fn forget(&mut self) {
        self.others_changed = true;
        self.loaded = LoadedPages::default();
    }

    /// How many content pages the last build took as the one before had
    /// parsed them, their files unchanged.
    pub fn pages_reused(&self) -> usize {
        self.loaded.reused
    }

    /// The folder of the last good build.
    pub fn last_dir(&self) -> Option<&Path> {
        self.last.as_ref().map(|last| last.dir.as_path())
    }

    /// What changed since the last good build, when the build of `pages`
    /// can rewrite it in place; `None` when it must be a full build.
    pub(crate) fn plan(&self, pages: &[Page], drafts: bool) -> Option<Plan> {
        let last = self.last.as_ref()?;
        if self.others_changed || last.drafts != drafts || last.pages.len() != pages.len() {
            return None;
        }
        let mut plan = Plan::default();
        for (index, (old, new)) in last.pages.iter().zip(pages).enumerate() {
            if old == new && same_dates(old, new) {
                continue;
            }
            if !same_structure(old, new) {
                return None;
            }
            plan.changed.push(index);
            if !same_but_body(old, new) {
                plan.shown.push(index);
            }
        }
        Some(plan)
    }

    /// Keeps what a good build leaves for the next one; the sources are as
    /// it read them.
    pub(crate) fn keep(&mut self, last: LastGood) {
        self.last = Some(last);
        self.others_changed = false;
    }
}

/// Content pages as a build parsed them, each with the stamp its file had
/// when it was read (see [`bundle_validator::memo::FileStamp`]): a file
/// with the same stamp since is the same file, and its page is not read
/// or parsed again.
#[derive(Default)]
pub(crate) struct LoadedPages {
    pages: HashMap<PathBuf, (FileStamp, Provenance, Page)>,
    /// Pages the load that made this took from the one before.
    reused: usize,
}

impl LoadedPages {
    /// The page parsed from `file` when it has not changed since.
    pub(crate) fn get(&self, file: &ContentFile, stamp: Option<FileStamp>) -> Option<Page> {
        let (known, provenance, page) = self.pages.get(&file.path)?;
        (stamp == Some(*known) && *provenance == file.provenance).then(|| page.clone())
    }

    /// Remembers the pages of one load, each whose file had settled when
    /// it was read.
    pub(crate) fn from_load(
        loaded: Vec<(PathBuf, FileStamp, Provenance, Page)>,
        reused: usize,
    ) -> Self {
        Self {
            pages: loaded
                .into_iter()
                .map(|(path, stamp, provenance, page)| (path, (stamp, provenance, page)))
                .collect(),
            reused,
        }
    }
}

/// What changed in the pages since the last good build.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// The pages that changed, by index.
    pub(crate) changed: Vec<usize>,
    /// Those of them whose front matter that other pages show changed.
    pub(crate) shown: Vec<usize>,
}

/// Dates compare by instant; a page shows them as written, with their
/// offset, so the written form must be the same too.
fn same_dates(old: &Page, new: &Page) -> bool {
    let same = |a: Option<&ContentDate>, b: Option<&ContentDate>| match (a, b) {
        (Some(a), Some(b)) => a.same_as_written(b),
        (None, None) => true,
        _ => false,
    };
    same(old.front.date.as_ref(), new.front.date.as_ref())
        && same(old.front.updated.as_ref(), new.front.updated.as_ref())
}

/// Whether two loads of a page differ at most in the Markdown body and
/// where it starts, which only the page itself and the feeds that list it
/// show.
fn same_but_body(old: &Page, new: &Page) -> bool {
    let without_body = |page: &Page| Page {
        body: String::new(),
        body_line: 0,
        ..page.clone()
    };
    old.source == new.source && without_body(old) == without_body(new) && same_dates(old, new)
}

/// Whether two loads of a page differ at most in the body and in the front
/// matter listings show, so that the site's structure is the same. Where
/// in the file the terms and aliases are written goes too: it only places
/// this page's own errors, and moves when a title gets longer.
fn same_structure(old: &Page, new: &Page) -> bool {
    let structure = |page: &Page| {
        let mut front = page.front.clone();
        front.title = String::new();
        front.description = None;
        front.date = None;
        front.updated = None;
        front.weight = None;
        front.extra = serde_json::Map::new();
        front.taxonomies.clear();
        front.aliases.clear();
        Page {
            front,
            body: String::new(),
            body_line: 0,
            ..page.clone()
        }
    };
    fn written(page: &Page) -> (Vec<(&String, Vec<&String>)>, Vec<&String>) {
        let terms: Vec<(&String, Vec<&String>)> = page
            .front
            .taxonomies
            .iter()
            .map(|(name, terms)| (name, terms.value.iter().map(|term| &term.value).collect()))
            .collect();
        let aliases: Vec<&String> = page
            .front
            .aliases
            .iter()
            .map(|alias| &alias.value)
            .collect();
        (terms, aliases)
    }
    // Whether a page has a date decides which feeds list it.
    let dated = |page: &Page| (page.front.date.is_some(), page.front.updated.is_some());
    old.source == new.source
        && dated(old) == dated(new)
        && written(old) == written(new)
        && structure(old) == structure(new)
}

/// The last good bytes of files rewritten in place, put back unless the
/// build that rewrites them passes.
pub(crate) struct InPlace {
    dir: PathBuf,
    saved: LastGoodBytes,
    /// The bundle paths being rewritten.
    pub(crate) rewritten: HashSet<String>,
    armed: bool,
}

impl InPlace {
    /// Reads the last good bytes of `paths` in `dir` and hands them to
    /// `shield`. `None` when one of them is not a file there: the build is
    /// then not one that only rewrites files.
    pub(crate) fn start(dir: &Path, paths: Vec<String>, shield: Shield<'_>) -> Option<Self> {
        let mut saved = Vec::with_capacity(paths.len());
        for path in &paths {
            let bytes = std::fs::read(dir.join(path)).ok()?;
            saved.push((path.clone(), Arc::new(bytes)));
        }
        shield(dir, &saved);
        Some(Self {
            dir: dir.to_path_buf(),
            saved,
            rewritten: paths.into_iter().collect(),
            armed: true,
        })
    }

    /// The bundle folder.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The build passed: the rewritten files stay.
    pub(crate) fn keep(mut self) {
        self.armed = false;
    }
}

impl Drop for InPlace {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        // Each file is written beside its place and renamed over it, so a
        // reader sees the old or the new bytes, never a part.
        for (path, bytes) in &self.saved {
            let target = self.dir.join(path);
            let beside = target.with_file_name(format!(
                ".{}.baystore-restore",
                target
                    .file_name()
                    .map(|name| name.to_string_lossy())
                    .unwrap_or_default()
            ));
            let restored = std::fs::write(&beside, bytes.as_slice())
                .and_then(|()| std::fs::rename(&beside, &target));
            if restored.is_err() {
                // The bytes that failed the gate must not be served: with
                // this build's file gone, the page answers 404 until a
                // build writes it again (one that would rewrite it in place
                // finds it missing and builds everything afresh). Both
                // files are this build's own.
                let _ = std::fs::remove_file(&beside);
                let _ = std::fs::remove_file(&target);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changes_outside_content_rebuild_everything() {
        let mut reuse = Reuse::new();
        reuse.sources_changed(&[
            PathBuf::from("content/news/a.md"),
            PathBuf::from("content/news/.a.md.swp"),
            PathBuf::from("content/news"),
        ]);
        assert!(!reuse.others_changed);
        for other in [
            "templates/page.html",
            "site.yaml",
            "static/site.css",
            "data/pricing.yaml",
        ] {
            let mut reuse = Reuse::new();
            reuse.sources_changed(&[PathBuf::from("content/a.md"), PathBuf::from(other)]);
            assert!(reuse.others_changed, "{other}");
        }
    }

    #[test]
    fn a_failed_in_place_build_puts_the_last_good_bytes_back() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/index.html"), "good").unwrap();
        let shielded = std::sync::Mutex::new(Vec::new());
        let shield = |_: &Path, saved: &LastGoodBytes| {
            shielded.lock().unwrap().extend(
                saved
                    .iter()
                    .map(|(path, bytes)| (path.clone(), bytes.to_vec())),
            );
        };
        let in_place = InPlace::start(dir.path(), vec!["a/index.html".into()], &shield).unwrap();
        assert_eq!(
            *shielded.lock().unwrap(),
            vec![("a/index.html".to_string(), b"good".to_vec())]
        );
        std::fs::write(dir.path().join("a/index.html"), "bad").unwrap();
        drop(in_place);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a/index.html")).unwrap(),
            "good"
        );
        assert_eq!(std::fs::read_dir(dir.path().join("a")).unwrap().count(), 1);

        let in_place = InPlace::start(dir.path(), vec!["a/index.html".into()], &shield).unwrap();
        std::fs::write(dir.path().join("a/index.html"), "new").unwrap();
        in_place.keep();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a/index.html")).unwrap(),
            "new"
        );
        // A file that is not there is not rewritten in place.
        assert!(InPlace::start(dir.path(), vec!["b/index.html".into()], &shield).is_none());
    }
}
