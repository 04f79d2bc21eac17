//! What each rule category examined, counted exactly on small bundles: the
//! files and routes each category judged, what the config keeps out of the
//! count, and how the findings and outcome follow the report.

use std::path::Path;

use base64::Engine as _;
use bundle_validator::baseline::Baseline;
use bundle_validator::{CategoryCoverage, Config, Outcome, Report, check};
use sha2::Digest as _;

const CSS: &str = "body { background: url(/logo.svg); }\n";

const HEADERS: &str = "/*
  Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'
  Strict-Transport-Security: max-age=63072000; includeSubDomains
  X-Content-Type-Options: nosniff
  Referrer-Policy: strict-origin-when-cross-origin
  Permissions-Policy: camera=(), microphone=(), geolocation=()
  Cross-Origin-Opener-Policy: same-origin
";

fn integrity(text: &str) -> String {
    let digest = sha2::Sha384::digest(text.as_bytes());
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// Two pages, a stylesheet, an SVG image and `_headers`. The home page
/// refers to five same-origin URLs and one fragment of its own (one URL
/// broken), the about page to one, the stylesheet to one.
fn write_bundle(dir: &Path) {
    let home = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Home</title>\
         <link rel=\"stylesheet\" href=\"/assets/site.css\" integrity=\"{}\"></head>\
         <body><h1 id=\"top\">Home</h1><a href=\"/about/\">About</a> <a href=\"#top\">Top</a> \
         <a href=\"/missing/\">Missing</a> <img src=\"/logo.svg\" alt=\"\"></body></html>\n",
        integrity(CSS)
    );
    let about = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>About</title>\
                 </head><body><a href=\"/\">Home</a></body></html>\n";
    let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1 1\"><rect width=\"1\" height=\"1\"/></svg>\n";
    std::fs::create_dir_all(dir.join("about")).unwrap();
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), home).unwrap();
    std::fs::write(dir.join("about/index.html"), about).unwrap();
    std::fs::write(dir.join("assets/site.css"), CSS).unwrap();
    std::fs::write(dir.join("logo.svg"), svg).unwrap();
    std::fs::write(dir.join("_headers"), HEADERS).unwrap();
}

fn checked(config: &str) -> Report {
    let dir = tempfile::tempdir().unwrap();
    write_bundle(dir.path());
    let config = Config::parse(config, Path::new("validator.yaml")).unwrap();
    check(dir.path(), &config).unwrap()
}

fn of<'r>(report: &'r Report, category: &str) -> &'r CategoryCoverage {
    report
        .category(category)
        .unwrap_or_else(|| panic!("no coverage for {category}"))
}

fn counts(report: &Report, category: &str) -> (u64, u64, Outcome) {
    let entry = of(report, category);
    (entry.files, entry.routes, entry.outcome)
}

#[test]
fn every_category_counts_the_files_and_routes_it_judged() {
    let report = checked("{}");
    // Pages, the SVG and the stylesheet; the home page resolves five URLs
    // and its fragment, the about page one, the stylesheet one.
    assert_eq!(counts(&report, "link"), (4, 7, Outcome::Fail));
    assert_eq!(of(&report, "link").errors, 1);
    // The page rule skips the SVG; `_headers` is judged for the four
    // routes of the two pages, each page for its own two.
    assert_eq!(counts(&report, "csp"), (3, 8, Outcome::Pass));
    assert_eq!(counts(&report, "headers"), (1, 4, Outcome::Pass));
    // Every served file but `_headers`: two routes a page, one a file.
    assert_eq!(counts(&report, "cache"), (4, 6, Outcome::Pass));
    // Pages and the SVG; only the home page loads a subresource.
    assert_eq!(counts(&report, "inline"), (3, 0, Outcome::Pass));
    assert_eq!(counts(&report, "sri"), (3, 1, Outcome::Pass));
    // Every file is read for secrets and decoded.
    assert_eq!(counts(&report, "secret"), (5, 0, Outcome::Pass));
    assert_eq!(counts(&report, "encoding"), (5, 0, Outcome::Pass));
    // Nothing here is a sitemap, a security.txt or a script.
    assert_eq!(counts(&report, "sitemap"), (0, 0, Outcome::NotRun));
    assert_eq!(counts(&report, "securitytxt"), (0, 0, Outcome::NotRun));
    assert_eq!(counts(&report, "sink"), (0, 0, Outcome::NotRun));
    // The order is the rule table's.
    let names: Vec<&str> = report
        .coverage
        .iter()
        .map(|c| c.category.as_str())
        .collect();
    let declared: Vec<&str> = bundle_validator::rule::categories()
        .iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, declared);
}

#[test]
fn an_ignored_file_counts_for_nothing() {
    let report = checked("ignore: [\"about/**\"]\n");
    assert_eq!(counts(&report, "link"), (3, 6, Outcome::Fail));
    assert_eq!(counts(&report, "cache"), (3, 4, Outcome::Pass));
    // `_headers` itself is not ignored, and judged the same routes.
    assert_eq!(counts(&report, "csp"), (2, 6, Outcome::Pass));
    assert_eq!(counts(&report, "secret"), (4, 0, Outcome::Pass));
}

#[test]
fn a_category_turned_off_examined_nothing() {
    let report = checked("rules:\n  link: off\n");
    assert_eq!(counts(&report, "link"), (0, 0, Outcome::NotRun));
    assert_eq!(of(&report, "link").errors, 0);
    // One rule of a category left on keeps it examining.
    let report = checked("rules:\n  link/broken: off\n");
    assert_eq!(counts(&report, "link"), (4, 7, Outcome::Pass));
}

#[test]
fn suppressed_and_baselined_findings_leave_the_outcome() {
    let report = checked(
        "suppress:\n  - rule: link/broken\n    path: index.html\n    reason: the page ships next week\n",
    );
    let link = of(&report, "link");
    assert_eq!(
        (link.errors, link.suppressed, link.outcome),
        (0, 1, Outcome::Pass)
    );

    let mut report = checked("{}");
    let baseline = Baseline::from_report(&report);
    baseline.apply(&mut report);
    let link = of(&report, "link");
    assert_eq!(
        (link.files, link.errors, link.outcome),
        (4, 0, Outcome::Pass)
    );
}

#[test]
fn a_bundle_without_headers_fails_the_headers_category_without_examining() {
    let dir = tempfile::tempdir().unwrap();
    write_bundle(dir.path());
    std::fs::remove_file(dir.path().join("_headers")).unwrap();
    let report = check(dir.path(), &Config::default()).unwrap();
    let headers = of(&report, "headers");
    assert_eq!(
        (headers.files, headers.routes, headers.outcome),
        (0, 0, Outcome::Fail)
    );
}
