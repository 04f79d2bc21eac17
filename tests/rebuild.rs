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

/// A copy of the sample site's sources, with its image cache.
fn sample_copy() -> tempfile::TempDir {
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
    site
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

fn edit(site: &Path, relative: &str, from: &str, to: &str) {
    let path = site.join(relative);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{relative} lacks {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

const POST: &str = "content/news/consent-first-analytics.md";

#[test]
fn a_body_edit_is_rewritten_in_place_as_a_fresh_build_would_write_it() {
    let site = sample_copy();
    let work = tempfile::tempdir().unwrap();
    let mut reuse = Reuse::new();
    let shielded = Mutex::new(Vec::<String>::new());
    let shield = |_: &Path, saved: &LastGoodBytes| {
        let mut shielded = shielded.lock().unwrap();
        shielded.clear();
        shielded.extend(saved.iter().map(|(path, _)| path.clone()));
    };

    let first = build_again(
        &options(site.path(), work.path().join("b1")),
        &mut reuse,
        &shield,
    )
    .unwrap();
    assert_eq!(first.rewritten, None);
    let served = reuse.last_dir().unwrap().to_path_buf();
    assert_eq!(served, work.path().join("b1").canonicalize().unwrap());

    // A body edit: the post, the feeds that list it and the evidence are
    // rewritten in the served bundle; nothing else is.
    let text = std::fs::read_to_string(site.path().join(POST)).unwrap();
    std::fs::write(
        site.path().join(POST),
        format!("{text}\nA sentence added while the dev server runs.\n"),
    )
    .unwrap();
    reuse.sources_changed(&[PathBuf::from(POST)]);
    let again = build_again(
        &options(site.path(), work.path().join("b2")),
        &mut reuse,
        &shield,
    )
    .unwrap();
    let rewritten = again.rewritten.expect("rewritten in place");
    assert!(!work.path().join("b2").exists());
    let shown = shielded.lock().unwrap().clone();
    assert_eq!(shown.len(), rewritten);
    assert!(shown.contains(&"news/consent-first-analytics/index.html".to_string()));
    assert!(shown.contains(&"news/atom.xml".to_string()), "{shown:?}");
    assert!(
        !shown.contains(&"news/index.html".to_string()),
        "listings show no body: {shown:?}"
    );
    assert!(rewritten < first.pages / 2, "{shown:?}");

    let fresh_dir = work.path().join("fresh");
    let fresh = build(&options(site.path(), fresh_dir.clone())).unwrap();
    assert_same_bundle(&served, &fresh_dir);
    assert_eq!(findings(&again), findings(&fresh));
    let page =
        std::fs::read_to_string(served.join("news/consent-first-analytics/index.html")).unwrap();
    assert!(page.contains("A sentence added while the dev server runs."));

    // A title edit changes what listings show: they are rewritten too,
    // and the bundle is again the one a fresh build writes.
    shielded.lock().unwrap().clear();
    edit(site.path(), POST, "title: Analytics", "title: Page views");
    reuse.sources_changed(&[PathBuf::from(POST)]);
    let retitled = build_again(
        &options(site.path(), work.path().join("b3")),
        &mut reuse,
        &shield,
    )
    .unwrap();
    assert!(retitled.rewritten.is_some());
    let shown = shielded.lock().unwrap().clone();
    for listing in ["news/index.html", "tags/security/index.html", "sitemap.xml"] {
        assert!(shown.contains(&listing.to_string()), "{listing}: {shown:?}");
    }
    let fresh_dir = work.path().join("fresh-2");
    build(&options(site.path(), fresh_dir.clone())).unwrap();
    assert_same_bundle(&served, &fresh_dir);

    // A change of the site's structure (the page's terms) is a full build
    // into the new folder, again equal to a fresh one.
    edit(
        site.path(),
        POST,
        "tags: [Security, Releases]",
        "tags: [Security]",
    );
    reuse.sources_changed(&[PathBuf::from(POST)]);
    let full = build_again(
        &options(site.path(), work.path().join("b3b")),
        &mut reuse,
        &shield,
    )
    .unwrap();
    assert_eq!(full.rewritten, None);
    let fresh_dir = work.path().join("fresh-3");
    build(&options(site.path(), fresh_dir.clone())).unwrap();
    assert_same_bundle(&work.path().join("b3b"), &fresh_dir);

    // A template edit is a full build even if a page's body changed too.
    let text = std::fs::read_to_string(site.path().join(POST)).unwrap();
    std::fs::write(site.path().join(POST), format!("{text}\nMore.\n")).unwrap();
    reuse.sources_changed(&[PathBuf::from(POST), PathBuf::from("templates/page.html")]);
    let full = build_again(
        &options(site.path(), work.path().join("b4")),
        &mut reuse,
        &shield,
    )
    .unwrap();
    assert_eq!(full.rewritten, None);
}

#[test]
fn a_failed_rebuild_in_place_leaves_the_last_good_bundle_as_it_was() {
    let site = sample_copy();
    let work = tempfile::tempdir().unwrap();
    let mut reuse = Reuse::new();
    let shield = |_: &Path, _: &LastGoodBytes| {};
    build_again(
        &options(site.path(), work.path().join("b1")),
        &mut reuse,
        &shield,
    )
    .unwrap();
    let served = reuse.last_dir().unwrap().to_path_buf();
    let before = files(&served);

    // The body now links the console: the generator writes it, the gate
    // refuses it.
    let text = std::fs::read_to_string(site.path().join(POST)).unwrap();
    std::fs::write(
        site.path().join(POST),
        format!("{text}\n[Sign in](/console/)\n"),
    )
    .unwrap();
    reuse.sources_changed(&[PathBuf::from(POST)]);
    let error = build_again(
        &options(site.path(), work.path().join("b2")),
        &mut reuse,
        &shield,
    )
    .unwrap_err();
    assert!(matches!(error, Error::ValidationFailed { .. }), "{error}");
    assert!(files(&served) == before, "the served bundle changed");
    assert_eq!(reuse.last_dir(), Some(served.as_path()));

    // Fixing it rewrites in place again, from the last good build.
    std::fs::write(site.path().join(POST), format!("{text}\nFixed.\n")).unwrap();
    reuse.sources_changed(&[PathBuf::from(POST)]);
    let fixed = build_again(
        &options(site.path(), work.path().join("b3")),
        &mut reuse,
        &shield,
    )
    .unwrap();
    assert!(fixed.rewritten.is_some());
    let fresh_dir = work.path().join("fresh");
    build(&options(site.path(), fresh_dir.clone())).unwrap();
    assert_same_bundle(&served, &fresh_dir);
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

/// Applies `change` to the site and says which sources it changed.
fn apply(site: &Path, change: &Change, step: usize) -> Vec<PathBuf> {
    let content = |index: usize| PathBuf::from("content").join(FIXTURE_PAGES[index]);
    let mut changed = Vec::new();
    // The refused link of the previous change goes first.
    for page in FIXTURE_PAGES {
        let relative = PathBuf::from("content").join(page);
        let text = std::fs::read_to_string(site.join(&relative)).unwrap();
        if text.contains(REFUSED) {
            std::fs::write(site.join(&relative), text.replace(REFUSED, "")).unwrap();
            changed.push(relative);
        }
    }
    let append = |relative: &Path, line: &str| {
        let path = site.join(relative);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{text}\n{line}\n")).unwrap();
    };
    match change {
        Change::Body(index) => {
            append(
                &content(*index),
                &format!("Paragraph added in step {step}."),
            );
            changed.push(content(*index));
        }
        Change::Title(index) => {
            let path = site.join(content(*index));
            let text = std::fs::read_to_string(&path).unwrap();
            let retitled: Vec<String> = text
                .lines()
                .map(|line| {
                    if line.starts_with("title:") {
                        format!("title: Retitled in step {step}")
                    } else {
                        line.to_string()
                    }
                })
                .collect();
            std::fs::write(&path, retitled.join("\n") + "\n").unwrap();
            changed.push(content(*index));
        }
        Change::Date(index) => {
            let path = site.join(content(*index));
            let text = std::fs::read_to_string(&path).unwrap();
            let redated: Vec<String> = text
                .lines()
                .map(|line| {
                    if line.starts_with("date:") {
                        format!("date: 2026-02-{:02}", step % 28 + 1)
                    } else {
                        line.to_string()
                    }
                })
                .collect();
            std::fs::write(&path, redated.join("\n") + "\n").unwrap();
            changed.push(content(*index));
        }
        Change::NewPage => {
            let relative = PathBuf::from(format!("content/added-{step}.md"));
            std::fs::write(
                site.join(&relative),
                format!("---\ntitle: Added in step {step}\n---\n\nNew.\n"),
            )
            .unwrap();
            changed.push(relative);
        }
        Change::Template => {
            let relative = PathBuf::from("templates/base.html");
            append(&relative, &format!("{{# step {step} #}}"));
            changed.push(relative);
        }
        Change::Refused(index) => {
            append(&content(*index), REFUSED);
            changed.push(content(*index));
        }
    }
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
        let fixture = repo_root().join("tests/generator/site");
        let site = tempfile::tempdir().unwrap();
        support::copy_dir(&fixture, site.path());
        let work = tempfile::tempdir().unwrap();
        let mut reuse = Reuse::new();
        let shield = |_: &Path, _: &LastGoodBytes| {};
        build_again(&options(site.path(), work.path().join("b0")), &mut reuse, &shield).unwrap();
        for (step, change) in changes.iter().enumerate() {
            let step = step + 1;
            let changed = apply(site.path(), change, step);
            reuse.sources_changed(&changed);
            let served_before = reuse.last_dir().unwrap().to_path_buf();
            let before = files(&served_before);
            let fresh_dir = work.path().join(format!("fresh-{step}"));
            let fresh = build(&options(site.path(), fresh_dir.clone()));
            let again = build_again(
                &options(site.path(), work.path().join(format!("b{step}"))),
                &mut reuse,
                &shield,
            );
            match (&fresh, &again) {
                (Ok(fresh), Ok(again)) => {
                    assert_same_bundle(reuse.last_dir().unwrap(), &fresh_dir);
                    assert_eq!(findings(again), findings(fresh));
                }
                (Err(_), Err(_)) => {
                    assert_eq!(reuse.last_dir(), Some(served_before.as_path()));
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
    let fixture = repo_root().join("tests/generator/site");
    let site = tempfile::tempdir().unwrap();
    support::copy_dir(&fixture, site.path());
    let work = tempfile::tempdir().unwrap();
    let mut reuse = Reuse::new();
    let shield = |_: &Path, _: &LastGoodBytes| {};
    build_again(
        &options(site.path(), work.path().join("b1")),
        &mut reuse,
        &shield,
    )
    .unwrap();
    let changed = apply(site.path(), &Change::Title(3), 1);
    reuse.sources_changed(&changed);
    let again = build_again(
        &options(site.path(), work.path().join("b2")),
        &mut reuse,
        &shield,
    )
    .unwrap();
    assert!(again.rewritten.is_some());
    let served = reuse.last_dir().unwrap().to_path_buf();
    let home = std::fs::read_to_string(served.join("index.html")).unwrap();
    assert!(home.contains("Retitled in step 1"), "{home}");
    let fresh_dir = work.path().join("fresh");
    build(&options(site.path(), fresh_dir.clone())).unwrap();
    assert_same_bundle(&served, &fresh_dir);
}

#[test]
fn unchanged_content_files_are_not_parsed_again_and_edited_ones_are() {
    let fixture = repo_root().join("tests/generator/site");
    let site = tempfile::tempdir().unwrap();
    support::copy_dir(&fixture, site.path());
    // Files that changed within the last second are read at every build.
    std::thread::sleep(bundle_validator::memo::RACY + std::time::Duration::from_millis(100));
    let work = tempfile::tempdir().unwrap();
    let mut reuse = Reuse::new();
    let shield = |_: &Path, _: &LastGoodBytes| {};
    build_again(
        &options(site.path(), work.path().join("b1")),
        &mut reuse,
        &shield,
    )
    .unwrap();
    assert_eq!(reuse.pages_reused(), 0);
    let changed = apply(site.path(), &Change::Body(0), 1);
    reuse.sources_changed(&changed);
    let again = build_again(
        &options(site.path(), work.path().join("b2")),
        &mut reuse,
        &shield,
    )
    .unwrap();
    assert!(again.rewritten.is_some());
    let pages = support::list_files(&site.path().join("content"))
        .iter()
        .filter(|file| file.ends_with(".md"))
        .count();
    assert_eq!(reuse.pages_reused(), pages - 1);
    let served = reuse.last_dir().unwrap().to_path_buf();
    let fresh_dir = work.path().join("fresh");
    build(&options(site.path(), fresh_dir.clone())).unwrap();
    assert_same_bundle(&served, &fresh_dir);

    // `site.yaml` decides how pages parse: after it changes, every page
    // is read again.
    let config = site.path().join("site.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("Fixtures you can trust", "Fixtures, trusted"),
    )
    .unwrap();
    reuse.sources_changed(&[PathBuf::from("site.yaml")]);
    build_again(
        &options(site.path(), work.path().join("b3")),
        &mut reuse,
        &shield,
    )
    .unwrap();
    assert_eq!(reuse.pages_reused(), 0);
}
