//! The corpus is a site this generator builds clean, in both variants: a
//! benchmark of a failing build would measure error reporting instead.

use baystore_bench::corpus::{Variant, write_corpus};
use baystore_site::{BuildOptions, build};

fn build_corpus(
    variant: Variant,
    pages: usize,
) -> (tempfile::TempDir, baystore_site::BuildSummary) {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(dir.path(), pages, variant).unwrap();
    let summary = build(&BuildOptions::new(
        dir.path().join("ours"),
        dir.path().join("dist"),
    ))
    .unwrap_or_else(|error| panic!("{variant:?} corpus does not build: {error}"));
    (dir, summary)
}

#[test]
fn plain_corpus_builds_clean() {
    let (_dir, summary) = build_corpus(Variant::Plain, 250);
    assert_eq!(summary.pages, 251);
    assert_eq!(summary.report.error_count(), 0);
}
