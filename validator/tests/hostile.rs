//! Hostile inputs of realistic attack size: each must come back with a
//! finding (or cleanly), in time linear in its size and memory bounded by
//! a few times its size, never a crash, a hang or an unbounded allocation.
//!
//! The bundles are written to a temporary folder by the tests, so that a
//! multi-megabyte attack file does not sit in the repository. Peak heap
//! use is measured with a counting allocator; the tests in this file run
//! one at a time so that each measures only itself.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bundle_validator::{Config, Report, check};

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed to the system allocator unchanged; the
// counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(pointer, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's pointer, layout and size.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            if new_size >= layout.size() {
                let grown = new_size - layout.size();
                let now = IN_USE.fetch_add(grown, Ordering::Relaxed) + grown;
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                IN_USE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One measurement at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Heap the check may use beyond four times the largest file: the pool's
/// bookkeeping, the parsers' arenas and buffers, and the report.
const MEMORY_ALLOWANCE: usize = 48 * 1024 * 1024;

/// Generous for an unoptimised build on a shared machine; a quadratic
/// algorithm on these inputs takes minutes or hours.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// Writes `files` as a bundle, checks it, and returns the report with
/// the peak heap the check used beyond what was in use before.
fn check_files(files: &[(&str, &[u8])]) -> (Report, usize) {
    let _one_at_a_time = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = tempfile::tempdir().expect("temporary folder");
    for (path, content) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("files sit in a folder")).expect("folder");
        std::fs::write(&path, content).expect("file is written");
    }
    let largest = files.iter().map(|(_, c)| c.len()).max().unwrap_or(0);
    let before = IN_USE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let started = Instant::now();
    let report = check(Path::new(dir.path()), &Config::default()).expect("the bundle is checked");
    let elapsed = started.elapsed();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    assert!(elapsed < TIME_LIMIT, "took {elapsed:?}");
    assert!(
        peak <= 4 * largest + MEMORY_ALLOWANCE,
        "peak heap {peak} bytes for a largest file of {largest} bytes"
    );
    (report, peak)
}

fn has(report: &Report, file: &str, rule: &str) -> bool {
    report
        .findings
        .iter()
        .any(|f| f.file == file && f.rule == rule && f.line.is_some())
}

fn page(body: &str) -> Vec<u8> {
    format!("<!doctype html><title>t</title>\n{body}\n").into_bytes()
}

#[test]
fn deeply_nested_javascript_is_a_finding() {
    let brackets = format!("x = {}1{};", "[".repeat(200_000), "]".repeat(200_000));
    let negations = format!("x = {}1;", "!".repeat(400_000));
    let members = format!("x = a{};", ".b".repeat(200_000));
    let inline = page(&format!("<script>x = {}1</script>", "(".repeat(100_000)));
    let (report, _) = check_files(&[
        ("brackets.js", brackets.as_bytes()),
        ("negations.js", negations.as_bytes()),
        ("members.js", members.as_bytes()),
        ("index.html", &inline),
    ]);
    for file in ["brackets.js", "negations.js", "members.js", "index.html"] {
        assert!(
            has(&report, file, "sink/too-deep"),
            "{file}: {:#?}",
            report.findings
        );
    }
}

#[test]
fn deeply_nested_and_dense_markup_is_a_finding() {
    let nested = page(&"<div>".repeat(100_000));
    let dense = page(&"<br>".repeat(500_000));
    let huge_tag = page(&format!("<a{}>", " b".repeat(1_500_000)));
    let (report, _) = check_files(&[
        ("nested.html", &nested),
        ("dense.html", &dense),
        ("tag.html", &huge_tag),
    ]);
    for file in ["nested.html", "dense.html", "tag.html"] {
        assert!(has(&report, file, "inline/unparsed-html"), "{file}");
    }
}

#[test]
fn nested_documents_stop_at_their_bound() {
    let noscripts = page(&format!(
        "{}<img src=//t.example/p.gif>{}",
        "<noscript>".repeat(100_000),
        "</noscript>".repeat(100_000)
    ));
    // Fifty frames deep, each document escaped into the one around it.
    let mut frames = String::from("<b onclick=x>");
    for _ in 0..50 {
        frames = format!(
            "<iframe srcdoc=\"{}\"></iframe>",
            frames.replace('&', "&amp;").replace('"', "&quot;")
        );
    }
    let frames = page(&frames);
    let (report, _) = check_files(&[("noscript.html", &noscripts), ("frames.html", &frames)]);
    assert!(has(&report, "noscript.html", "inline/unparsed-html"));
    assert!(has(&report, "frames.html", "inline/unparsed-html"));
}

#[test]
fn pathological_stylesheets_and_policies_return() {
    let mut css = String::new();
    css.push_str(&"u\\72l(data:x) ".repeat(50_000));
    css.push_str(&"@import ".repeat(50_000));
    css.push_str(&"'unterminated\n".repeat(50_000));
    css.push_str(&"image-set(".repeat(50_000));
    css.push_str(&"url(".repeat(50_000));
    css.push_str("/* never closed");
    let policy = format!(
        "<meta http-equiv=Content-Security-Policy content=\"{}\">",
        (0..100_000).map(|i| format!("d{i} x;")).collect::<String>()
    );
    let (report, _) = check_files(&[
        ("style.css", css.as_bytes()),
        ("policy.html", &page(&policy)),
    ]);
    // The URLs are the string after `@import` and the never-closed `url(`
    // that runs to the end.
    let in_css = report
        .findings
        .iter()
        .filter(|f| f.file == "style.css")
        .count();
    assert_eq!(in_css, 2);
}

#[test]
fn run_on_prose_is_judged_in_pieces() {
    // One "sentence" of megabytes, claims all along it: judged in linear
    // time, each standard reported once.
    let prose = "BayStore is SOC 2 Type II certified and ISO 27001 certified, ".repeat(20_000);
    let (report, _) = check_files(&[("claims.html", &page(&format!("<p>{prose}</p>")))]);
    let claims: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "claims/unapproved-certification")
        .collect();
    assert_eq!(claims.len(), 2, "{claims:#?}");
}

#[test]
fn floods_of_markers_and_findings_stay_bounded() {
    // 20,000 markers, each before an element with a handler, in a page;
    // and a script of 20,000 marker lines before as many sinks. Only the
    // first 256 markers of each file count, so each finding is compared
    // with a bounded number of markers and most findings remain.
    let mut html = String::new();
    for _ in 0..20_000 {
        html.push_str(
            "<!-- bundle-validator: allow inline/event-handler -- r --><b onclick=x>b</b>\n",
        );
    }
    let js = "// bundle-validator: allow sink/eval -- r\neval(location.hash);\n".repeat(20_000);
    let (report, _) = check_files(&[
        ("markers.html", &page(&html)),
        ("markers.js", js.as_bytes()),
    ]);
    for file in ["markers.html", "markers.js"] {
        let suppressed = report
            .suppressed
            .iter()
            .filter(|s| s.finding.file == file)
            .count();
        assert_eq!(suppressed, 256, "{file}");
        assert!(has(&report, file, "suppression/invalid"), "{file}");
    }
    assert!(has(&report, "markers.html", "inline/event-handler"));
    assert!(has(&report, "markers.js", "sink/eval"));
}
