//! Dev rebuilds in place give the bundle a fresh build gives. The sample
//! site (sections, tags, feeds, evidence pages) is built, a page's body is
//! edited, and the bundle rewritten in place must equal, file for file and
//! byte for byte, a fresh build of the edited site; so must the reports.
//! So must one after a title edit, which rewrites the listings; a change
//! of the site's structure is a full build; a failed rebuild leaves the
//! last good bundle exactly as it was; and any sequence of changes leaves
//! served what a fresh build writes.

#[path = "generator/support.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use baystore_site::dev::watch::{SOURCE_FILES, SOURCE_FOLDERS};
use baystore_site::rebuild::{LastGoodBytes, Reuse};
use baystore_site::{BuildOptions, BuildSummary, Error, build, build_again};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A dev session on a copy of a site: its builds, what they reuse, and
/// the files the last one rewrote in place.
struct Session {
    site: tempfile::TempDir,
    work: tempfile::TempDir,
    reuse: Reuse,
    builds: usize,
    shielded: Mutex<Vec<String>>,
}

impl Session {
    /// A session on a copy of the sample site's sources, with its image
    /// cache.
    fn sample() -> Self {
        let site = tempfile::tempdir().unwrap();
        for name in SOURCE_FOLDERS
            .iter()
            .chain(SOURCE_FILES.iter())
            .chain([&".baystore-cache"])
        {
            let from = repo_root().join(name);
            if from.is_dir() {
                support::copy_dir(&from, &site.path().join(name));
            } else if from.is_file() {
                std::fs::copy(&from, site.path().join(name)).unwrap();
            }
        }
        Self::on(site)
    }

    /// A session on a copy of the generator's fixture site.
    fn fixture() -> Self {
        let site = tempfile::tempdir().unwrap();
        support::copy_dir(&repo_root().join("tests/generator/site"), site.path());
        Self::on(site)
    }

    fn on(site: tempfile::TempDir) -> Self {
        Self {
            site,
            work: tempfile::tempdir().unwrap(),
            reuse: Reuse::new(),
            builds: 0,
            shielded: Mutex::new(Vec::new()),
        }
    }

    fn site(&self) -> &Path {
        self.site.path()
    }

    /// Builds again after `changed` (paths in the site folder) changed,
    /// as `dev` does, into the next fresh folder if it is a full build.
    fn rebuild(&mut self, changed: &[PathBuf]) -> Result<BuildSummary, Error> {
        self.reuse.sources_changed(changed);
        self.builds += 1;
        let out = self.work.path().join(format!("b{}", self.builds));
        let shielded = &self.shielded;
        let shield = |_: &Path, saved: &LastGoodBytes| {
            let mut shielded = shielded.lock().unwrap();
            shielded.clear();
            shielded.extend(saved.iter().map(|(path, _)| path.clone()));
        };
        build_again(&options(self.site.path(), out), &mut self.reuse, &shield)
    }

    /// The folder of the bundle served now.
    fn served(&self) -> PathBuf {
        self.reuse.last_dir().unwrap().to_path_buf()
    }

    /// The files the last build rewrote in place.
    fn shielded(&self) -> Vec<String> {
        self.shielded.lock().unwrap().clone()
    }

    /// Builds the sources as they are afresh.
    fn fresh(&self, name: &str) -> (Result<BuildSummary, Error>, PathBuf) {
        let dir = self.work.path().join(name);
        (build(&options(self.site.path(), dir.clone())), dir)
    }

    /// Requires the served bundle to be the one a fresh build writes, and
    /// returns that build's summary.
    fn assert_serves_fresh(&self, name: &str) -> BuildSummary {
        let (fresh, dir) = self.fresh(name);
        assert_same_bundle(&self.served(), &dir);
        fresh.unwrap()
    }

    /// Appends a line to a source file and says it changed.
    fn append(&self, relative: &str, line: &str) -> Vec<PathBuf> {
        let path = self.site().join(relative);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{text}\n{line}\n")).unwrap();
        vec![PathBuf::from(relative)]
    }

    /// Replaces the first `from` in a source file and says it changed.
    fn edit(&self, relative: &str, from: &str, to: &str) -> Vec<PathBuf> {
        let path = self.site().join(relative);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{relative} lacks {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        vec![PathBuf::from(relative)]
    }
}

fn options(site: &Path, out: PathBuf) -> BuildOptions<'static> {
    let mut options = BuildOptions::new(site, out);
    options.dev = true;
    options.build_time = Some("2026-05-01T12:00:00Z".parse().unwrap());
    options
}

/// Every file of a bundle with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    support::list_files(dir)
        .into_iter()
        .map(|file| {
            let bytes = std::fs::read(dir.join(&file)).unwrap();
            (file, bytes)
        })
        .collect()
}

/// Requires two bundles to hold the same files with the same bytes.
fn assert_same_bundle(rebuilt: &Path, fresh: &Path) {
    let rebuilt = files(rebuilt);
    let fresh = files(fresh);
    assert_eq!(
        rebuilt.keys().collect::<Vec<_>>(),
        fresh.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &rebuilt {
        assert!(
            *bytes == fresh[path],
            "{path} differs from a fresh build:\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

fn findings(summary: &BuildSummary) -> String {
    serde_json::to_string_pretty(&summary.report).unwrap()
}

const POST: &str = "content/news/consent-first-analytics.md";

#[test]
fn a_body_edit_is_rewritten_in_place_as_a_fresh_build_would_write_it() {
    let mut session = Session::sample();
    let first = session.rebuild(&[]).unwrap();
    assert_eq!(first.rewritten, None);
    let served = session.served();
    assert_eq!(
        served,
        session.work.path().join("b1").canonicalize().unwrap()
    );

    // A body edit: the post, the feeds that list it and the evidence are
    // rewritten in the served bundle; nothing else is.
    let changed = session.append(POST, "A sentence added while the dev server runs.");
    let again = session.rebuild(&changed).unwrap();
    let rewritten = again.rewritten.expect("rewritten in place");
    assert!(!session.work.path().join("b2").exists());
    let shown = session.shielded();
    assert_eq!(shown.len(), rewritten);
    assert!(shown.contains(&"news/consent-first-analytics/index.html".to_string()));
    assert!(shown.contains(&"news/atom.xml".to_string()), "{shown:?}");
    assert!(
        !shown.contains(&"news/index.html".to_string()),
        "listings show no body: {shown:?}"
    );
    assert!(rewritten < first.pages / 2, "{shown:?}");
    let fresh = session.assert_serves_fresh("fresh");
    assert_eq!(findings(&again), findings(&fresh));
    let page =
        std::fs::read_to_string(served.join("news/consent-first-analytics/index.html")).unwrap();
    assert!(page.contains("A sentence added while the dev server runs."));

    // A title edit changes what listings show: they are rewritten too,
    // and the bundle is again the one a fresh build writes.
    let changed = session.edit(POST, "title: Analytics", "title: Page views");
    let retitled = session.rebuild(&changed).unwrap();
    assert!(retitled.rewritten.is_some());
    let shown = session.shielded();
    for listing in ["news/index.html", "tags/security/index.html", "sitemap.xml"] {
        assert!(shown.contains(&listing.to_string()), "{listing}: {shown:?}");
    }
    session.assert_serves_fresh("fresh-2");

    // A change of the site's structure (the page's terms) is a full build
    // into the new folder, again equal to a fresh one.
    let changed = session.edit(POST, "tags: [Security, Releases]", "tags: [Security]");
    let full = session.rebuild(&changed).unwrap();
    assert_eq!(full.rewritten, None);
    assert_eq!(
        session.served(),
        session.work.path().join("b4").canonicalize().unwrap()
    );
    session.assert_serves_fresh("fresh-3");

    // A template edit is a full build even if a page's body changed too.
    let mut changed = session.append(POST, "More.");
    changed.push(PathBuf::from("templates/page.html"));
    let full = session.rebuild(&changed).unwrap();
    assert_eq!(full.rewritten, None);
}

#[test]
fn a_failed_rebuild_in_place_leaves_the_last_good_bundle_as_it_was() {
    let mut session = Session::sample();
    session.rebuild(&[]).unwrap();
    let served = session.served();
    let before = files(&served);

    // The body now links the console: the generator writes it, the gate
    // refuses it.
    let text = std::fs::read_to_string(session.site().join(POST)).unwrap();
    let changed = session.append(POST, "[Sign in](/console/)");
    let error = session.rebuild(&changed).unwrap_err();
    assert!(matches!(error, Error::ValidationFailed { .. }), "{error}");
    assert!(files(&served) == before, "the served bundle changed");
    assert_eq!(session.served(), served);

    // Fixing it rewrites in place again, from the last good build.
    std::fs::write(session.site().join(POST), format!("{text}\nFixed.\n")).unwrap();
    let fixed = session.rebuild(&[PathBuf::from(POST)]).unwrap();
    assert!(fixed.rewritten.is_some());
    session.assert_serves_fresh("fresh");
}

/// One change an author makes between two dev builds of the fixture site.
#[derive(Debug, Clone)]
enum Change {
    /// Adds a paragraph to a page's body.
    Body(usize),
    /// Changes a page's title (front matter).
    Title(usize),
    /// Changes a post's date, which orders its listings.
    Date(usize),
    /// Adds a page.
    NewPage,
    /// Edits the base template.
    Template,
    /// Adds a link the gate refuses to a public page's body; the next
    /// change takes it out again.
    Refused(usize),
}

/// Pages of the fixture site the changes touch: plain pages, dated and
/// tagged posts, a section and the home page.
const FIXTURE_PAGES: [&str; 7] = [
    "about.md",
    "pricing.md",
    "news/first.md",
    "news/second.md",
    "guides/start.md",
    "news/_index.md",
    "index.md",
];

const REFUSED: &str = "[Sign in](/console/)";

fn change() -> impl proptest::strategy::Strategy<Value = Change> {
    use proptest::prelude::*;
    let page = 0..FIXTURE_PAGES.len();
    prop_oneof![
        4 => page.clone().prop_map(Change::Body),
        1 => page.clone().prop_map(Change::Title),
        1 => (2..4usize).prop_map(Change::Date),
        1 => Just(Change::NewPage),
        1 => Just(Change::Template),
        1 => (0..2usize).prop_map(Change::Refused),
    ]
}

/// Rewrites every line of a source file that starts with `key` and says
/// it changed.
fn set_key(session: &Session, relative: &str, key: &str, line: &str) -> Vec<PathBuf> {
    let path = session.site().join(relative);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .map(|each| if each.starts_with(key) { line } else { each })
        .collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    vec![PathBuf::from(relative)]
}

/// Applies `change` to the site and says which sources it changed.
fn apply(session: &Session, change: &Change, step: usize) -> Vec<PathBuf> {
    let content = |index: usize| format!("content/{}", FIXTURE_PAGES[index]);
    let mut changed = Vec::new();
    // The refused link of the previous change goes first.
    for page in FIXTURE_PAGES {
        let relative = format!("content/{page}");
        let text = std::fs::read_to_string(session.site().join(&relative)).unwrap();
        if text.contains(REFUSED) {
            changed.extend(session.edit(&relative, REFUSED, ""));
        }
    }
    changed.extend(match change {
        Change::Body(index) => session.append(
            &content(*index),
            &format!("Paragraph added in step {step}."),
        ),
        Change::Title(index) => set_key(
            session,
            &content(*index),
            "title:",
            &format!("title: Retitled in step {step}"),
        ),
        Change::Date(index) => set_key(
            session,
            &content(*index),
            "date:",
            &format!("date: 2026-02-{:02}", step % 28 + 1),
        ),
        Change::NewPage => {
            let relative = format!("content/added-{step}.md");
            std::fs::write(
                session.site().join(&relative),
                format!("---\ntitle: Added in step {step}\n---\n\nNew.\n"),
            )
            .unwrap();
            vec![PathBuf::from(relative)]
        }
        Change::Template => session.append("templates/base.html", &format!("{{# step {step} #}}")),
        Change::Refused(index) => session.append(&content(*index), REFUSED),
    });
    changed
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 4,
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// After any sequence of changes, the bundle a dev rebuild leaves
    /// served is the one a fresh build of the same sources writes, and a
    /// rebuild fails exactly when a fresh build fails, leaving the served
    /// bundle as it was.
    #[test]
    fn dev_rebuilds_serve_what_a_fresh_build_writes(
        changes in proptest::collection::vec(change(), 1..6)
    ) {
        let mut session = Session::fixture();
        session.rebuild(&[]).unwrap();
        for (step, change) in changes.iter().enumerate() {
            let step = step + 1;
            let changed = apply(&session, change, step);
            let served_before = session.served();
            let before = files(&served_before);
            let (fresh, fresh_dir) = session.fresh(&format!("fresh-{step}"));
            let again = session.rebuild(&changed);
            match (&fresh, &again) {
                (Ok(fresh), Ok(again)) => {
                    assert_same_bundle(&session.served(), &fresh_dir);
                    assert_eq!(findings(again), findings(fresh));
                }
                (Err(_), Err(_)) => {
                    assert_eq!(session.served(), served_before);
                    assert!(files(&served_before) == before, "step {step}: {change:?}");
                }
                _ => panic!(
                    "step {step} ({change:?}): fresh {:?}, rebuild {:?}",
                    fresh.as_ref().err().map(ToString::to_string),
                    again.as_ref().err().map(ToString::to_string)
                ),
            }
        }
    }
}

#[test]
fn a_page_that_reads_another_through_a_site_function_is_rendered_again() {
    // The fixture's home page shows `news/second.md` through `get_page`.
    let mut session = Session::fixture();
    session.rebuild(&[]).unwrap();
    let changed = apply(&session, &Change::Title(3), 1);
    let again = session.rebuild(&changed).unwrap();
    assert!(again.rewritten.is_some());
    let home = std::fs::read_to_string(session.served().join("index.html")).unwrap();
    assert!(home.contains("Retitled in step 1"), "{home}");
    session.assert_serves_fresh("fresh");
}

#[test]
fn unchanged_content_files_are_not_parsed_again_and_edited_ones_are() {
    let mut session = Session::fixture();
    // Files that changed just now are read at every build.
    std::thread::sleep(bundle_validator::memo::RACY + std::time::Duration::from_millis(100));
    session.rebuild(&[]).unwrap();
    assert_eq!(session.reuse.pages_reused(), 0);
    let changed = apply(&session, &Change::Body(0), 1);
    let again = session.rebuild(&changed).unwrap();
    assert!(again.rewritten.is_some());
    let pages = support::list_files(&session.site().join("content"))
        .iter()
        .filter(|file| file.ends_with(".md"))
        .count();
    assert_eq!(session.reuse.pages_reused(), pages - 1);
    session.assert_serves_fresh("fresh");

    // `site.yaml` decides how pages parse: after it changes, every page
    // is read again.
    let changed = session.edit("site.yaml", "Fixtures you can trust", "Fixtures, trusted");
    session.rebuild(&changed).unwrap();
    assert_eq!(session.reuse.pages_reused(), 0);
}
