//! The corpus is a site this generator builds clean, in both variants: a
//! benchmark of a failing build would measure error reporting instead.

use baystore_bench::corpus::{PAGINATE_BY, Variant, write_corpus};
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

#[test]
fn sectioned_corpus_builds_listings_feeds_and_tags() {
    let (dir, summary) = build_corpus(Variant::Sectioned, 250);
    assert_eq!(summary.report.error_count(), 0);
    let dist = dir.path().join("dist");
    // Three sections of 100, 100 and 50 pages, listed 10 to a page.
    assert!(dist.join("section-000/page/10/index.html").is_file());
    assert!(!dist.join("section-000/page/11").exists());
    assert!(!dist.join("section-000/page/1").exists());
    assert!(dist.join("section-002/page/5/index.html").is_file());
    assert!(dist.join("section-001/atom.xml").is_file());
    // 250 pages with three of 40 tags each: about 19 pages per tag.
    assert!(dist.join("tags/index.html").is_file());
    assert!(dist.join("tags/tag-00/index.html").is_file());
    assert!(dist.join("tags/tag-00/page/2/index.html").is_file());
    let listing = std::fs::read_to_string(dist.join("section-000/index.html")).unwrap();
    assert_eq!(listing.matches("<li>").count(), PAGINATE_BY);
}
