//! A check with a memo finds exactly what a check without one finds, on
//! every change a rebuild can make: a page edited, a script an `integrity`
//! attribute names edited, a fragment target removed, the config or
//! `_headers` changed. And it reuses what it can: an unchanged bundle is
//! judged from the memo alone.

mod copy_tree;

use std::path::{Path, PathBuf};

use bundle_validator::{Config, Memo, Report, check, check_remembering};
use copy_tree::copy_dir;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .join("bundle")
}

/// A copy of a fixture bundle to change.
fn copy_of(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(name), dir.path());
    dir
}

/// What a report says, as text, so two reports compare whole.
fn said(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap()
}

/// Checks `dir` with the memo and without, and requires the same report.
fn same_as_fresh(dir: &Path, config: &Config, memo: &mut Memo) -> Report {
    let remembered = check_remembering(dir, config, memo).unwrap();
    let fresh = check(dir, config).unwrap();
    assert_eq!(said(&remembered), said(&fresh));
    remembered
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn rules(report: &Report) -> Vec<(&str, &str)> {
    report
        .findings
        .iter()
        .map(|f| (f.file.as_str(), f.rule.as_str()))
        .collect()
}

/// Requires a finding of `rule` in `file`.
fn assert_found(report: &Report, file: &str, rule: &str) {
    assert!(
        rules(report).contains(&(file, rule)),
        "no {rule} in {file}: {:?}",
        rules(report)
    );
}

/// A copy of a fixture bundle, checked once with a new memo.
fn checked_copy(name: &str) -> (tempfile::TempDir, Config, Memo, Report) {
    let dir = copy_of(name);
    let config = Config::default();
    let mut memo = Memo::new();
    let report = same_as_fresh(dir.path(), &config, &mut memo);
    (dir, config, memo, report)
}

#[test]
fn an_unchanged_bundle_is_judged_from_the_memo() {
    let (dir, config, mut memo, _) = checked_copy("sri-pass-matching");
    assert_eq!(memo.reused(), 0);
    let remembered = memo.len();
    assert!(remembered >= 5, "{memo:?}");
    same_as_fresh(dir.path(), &config, &mut memo);
    assert_eq!(memo.reused(), remembered);
}

#[test]
fn an_edited_page_is_judged_again_and_the_rest_reused() {
    let (dir, config, mut memo, before) = checked_copy("sri-pass-matching");
    assert!(!rules(&before).contains(&("contact/index.html", "script/third-party")));
    edit(
        &dir.path().join("contact/index.html"),
        "</body>",
        "<script src=\"https://cdn.example.net/x.js\"></script></body>",
    );
    let after = same_as_fresh(dir.path(), &config, &mut memo);
    assert_found(&after, "contact/index.html", "script/third-party");
    assert_eq!(memo.reused(), memo.len() - 1);
}

#[test]
fn a_page_is_judged_again_when_a_file_it_pins_changes() {
    let (dir, config, mut memo, _) = checked_copy("sri-pass-matching");
    // A check that reuses the page keeps what it was judged from.
    same_as_fresh(dir.path(), &config, &mut memo);
    assert_eq!(memo.reused(), memo.len());
    // The page's own bytes are unchanged; the script its `integrity`
    // attribute pins is not.
    let script = dir.path().join("assets/consent.06e29082cc649ec5.js");
    let mut text = std::fs::read_to_string(&script).unwrap();
    text.push_str("\n// changed\n");
    std::fs::write(&script, text).unwrap();
    let after = same_as_fresh(dir.path(), &config, &mut memo);
    assert_found(&after, "index.html", "sri/mismatch");
}

#[test]
fn fragments_are_settled_on_every_check() {
    let (dir, config, mut memo, _) = checked_copy("sri-pass-matching");
    // The linking page is unchanged and reused; the target loses the
    // anchor it links.
    edit(
        &dir.path().join("product/index.html"),
        "id=\"features\"",
        "id=\"other\"",
    );
    let after = same_as_fresh(dir.path(), &config, &mut memo);
    assert_found(&after, "index.html", "link/broken-fragment");
    assert!(memo.reused() >= memo.len() - 1);
}

#[test]
fn a_new_context_judges_everything_again() {
    let dir = copy_of("sri-pass-matching");
    let mut memo = Memo::new();
    same_as_fresh(dir.path(), &Config::default(), &mut memo);
    let config = Config {
        now: Some(0),
        ..Config::default()
    };
    same_as_fresh(dir.path(), &config, &mut memo);
    assert_eq!(memo.reused(), 0);
    same_as_fresh(dir.path(), &config, &mut memo);
    assert_eq!(memo.reused(), memo.len());
    // `_headers` is read by every rule that resolves a route.
    let headers = dir.path().join("_headers");
    let mut text = std::fs::read_to_string(&headers).unwrap();
    text.push_str("\n/x\n  X-Frame-Options: DENY\n");
    std::fs::write(&headers, text).unwrap();
    same_as_fresh(dir.path(), &config, &mut memo);
    assert_eq!(memo.reused(), 0);
    // A new file changes what every link resolves to.
    std::fs::write(
        dir.path().join("new.html"),
        "<!doctype html><title>n</title>",
    )
    .unwrap();
    same_as_fresh(dir.path(), &config, &mut memo);
    assert_eq!(memo.reused(), 0);
}

#[test]
fn an_unreadable_file_is_never_remembered() {
    let dir = copy_of("sri-pass-matching");
    let config = Config {
        max_file_bytes: Some(64),
        ..Config::default()
    };
    let mut memo = Memo::new();
    let report = same_as_fresh(dir.path(), &config, &mut memo);
    // Every page is over the cap: an error each, and none remembered.
    assert!(rules(&report).contains(&("index.html", "secret/unscanned-file")));
    assert!(memo.is_empty() || memo.len() < 3, "{memo:?}");
    same_as_fresh(dir.path(), &config, &mut memo);
    assert_eq!(memo.reused(), memo.len());
}

#[test]
fn what_the_clock_judged_is_judged_again() {
    let dir = copy_of("securitytxt-pass-signed-well-known");
    let config = Config::default();
    let mut memo = Memo::new();
    same_as_fresh(dir.path(), &config, &mut memo);
    // The page is remembered; `security.txt`, whose expiry is judged by
    // the clock, is not.
    assert_eq!(memo.len(), 1, "{memo:?}");
    same_as_fresh(dir.path(), &config, &mut memo);
    assert_eq!(memo.reused(), 1);
}

#[test]
fn settled_files_are_known_by_their_metadata_and_changed_ones_read() {
    // The first check reads every file; one that had not settled then is
    // read again at the next.
    let (dir, config, mut memo, _) = checked_copy("sri-pass-matching");
    assert!(memo.digested() >= 5, "{memo:?}");
    std::thread::sleep(bundle_validator::memo::RACY + std::time::Duration::from_millis(100));
    same_as_fresh(dir.path(), &config, &mut memo);
    // Now settled: nothing is read, everything is reused.
    same_as_fresh(dir.path(), &config, &mut memo);
    assert_eq!(memo.digested(), 0);
    assert_eq!(memo.reused(), memo.len());
    // A rewrite changes the change time, even at the same size and with
    // the modification time put back: the file is read and judged again.
    let page = dir.path().join("contact/index.html");
    let before = std::fs::metadata(&page).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&page).unwrap();
    assert!(text.contains("</body>"));
    std::fs::write(&page, text.replacen("</body>", "</BODY>", 1)).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&page)
        .unwrap()
        .set_modified(before)
        .unwrap();
    same_as_fresh(dir.path(), &config, &mut memo);
    assert_eq!(memo.digested(), 1);
    assert_eq!(memo.reused(), memo.len() - 1);
}
