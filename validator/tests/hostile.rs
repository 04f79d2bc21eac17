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

use bundle_validator::rules::sink::{MAX_SCRIPT_MEMORY, memory_bound};
use bundle_validator::{Config, DEFAULT_MAX_FILE_BYTES, Report, Severity, check};

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

/// One test at a time (see [`one_at_a_time`]).
static SERIAL: Mutex<()> = Mutex::new(());

/// Heap the check may use beyond four times the largest file: the pool's
/// bookkeeping, the parsers' arenas and buffers, and the report.
const MEMORY_ALLOWANCE: usize = 48 * 1024 * 1024;

/// Heap the check may use beyond four times the largest file when that
/// file is at most the default size cap. The page model is held to five
/// times its page plus a megabyte (real pages need up to four), and on
/// top of it come the file's text, the visible text and its map to the
/// source, one classified URL per link, and lol_html's own limit of half
/// the page plus four megabytes; at the cap that is all within this.
const CAP_ALLOWANCE: usize = 40 * 1024 * 1024;

/// Generous for an unoptimised build on a shared machine; a quadratic
/// algorithm on these inputs takes minutes or hours.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// Holds every other test of this file off until the caller is done. The
/// heap is counted for the whole process, so a test building its input
/// while another's check is measured would count against that check:
/// each test holds this from its first line, and only then checks.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Writes `files` as a bundle, checks it, and returns the report with
/// the peak heap the check used beyond what was in use before.
fn check_files(files: &[(&str, &[u8])]) -> (Report, usize) {
    check_within(files, MEMORY_ALLOWANCE)
}

/// [`check_files`] with `allowance` bytes of heap beyond four times the
/// largest file.
fn check_within(files: &[(&str, &[u8])], allowance: usize) -> (Report, usize) {
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
        peak <= 4 * largest + allowance,
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
    let _one_at_a_time = one_at_a_time();
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
    let _one_at_a_time = one_at_a_time();
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
    let _one_at_a_time = one_at_a_time();
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
    let _one_at_a_time = one_at_a_time();
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
    let _one_at_a_time = one_at_a_time();
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
    let _one_at_a_time = one_at_a_time();
    // 2,000 markers, each before an element with a handler, in a page;
    // and a script of 2,000 marker lines before as many sinks. Only the
    // first 256 markers of each file count, so each finding is compared
    // with a bounded number of markers; and only the first 100 findings of
    // a rule in a file are listed, the rest counted in one finding that no
    // marker covers. So 100 are suppressed and the flood still fails.
    let mut html = String::new();
    for _ in 0..2_000 {
        html.push_str(
            "<!-- bundle-validator: allow inline/event-handler -- r --><b onclick=x>b</b>\n",
        );
    }
    let js = "// bundle-validator: allow sink/eval -- r\neval(location.hash);\n".repeat(2_000);
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
        assert_eq!(suppressed, 100, "{file}");
        assert!(has(&report, file, "suppression/invalid"), "{file}");
    }
    for (file, rule) in [
        ("markers.html", "inline/event-handler"),
        ("markers.js", "sink/eval"),
    ] {
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.file == file && f.rule == rule),
            "{file}"
        );
    }
}

/// `unit` repeated after a page head up to the default size cap.
fn at_cap(unit: &str) -> Vec<u8> {
    let cap = DEFAULT_MAX_FILE_BYTES as usize;
    let mut text = String::from("<!doctype html><title>t</title>\n");
    let count = (cap - text.len()) / unit.len();
    text.push_str(&unit.repeat(count));
    text.into_bytes()
}

#[test]
fn hostile_pages_at_the_size_cap_stay_within_the_memory_budget() {
    let _one_at_a_time = one_at_a_time();
    let long_url = format!("https://t.example/{}", "a".repeat(400_000));
    let cases: [(&str, Vec<u8>, Option<&str>); 8] = [
        // Element-dense markup stops being modelled where its budget (or
        // the parser's) ends, as an error.
        ("bold.html", at_cap("<b>"), Some("inline/unparsed-html")),
        ("nested.html", at_cap("<div>"), Some("inline/unparsed-html")),
        (
            "attributes.html",
            at_cap("<i a b c d e f g h i j k l m n o p>"),
            Some("inline/unparsed-html"),
        ),
        (
            "values.html",
            at_cap("<i a=1 b=2 c=3>"),
            Some("inline/unparsed-html"),
        ),
        ("end-tags.html", at_cap("x</i>"), None),
        (
            "prose.html",
            at_cap("Plain words, and more of them. "),
            None,
        ),
        (
            "long-urls.html",
            at_cap(&format!("<script src=\"{long_url}\"></script>")),
            Some("script/third-party"),
        ),
        (
            "urls.css",
            at_cap("a{b:url(https://t.example/x)}\n"),
            Some("script/third-party"),
        ),
    ];
    for (name, content, rule) in cases {
        let (report, peak) = check_within(&[(name, &content)], CAP_ALLOWANCE);
        eprintln!(
            "{name}: {} bytes, peak heap {peak} bytes ({:.1} x)",
            content.len(),
            peak as f64 / content.len() as f64
        );
        if let Some(rule) = rule {
            assert!(
                report
                    .findings
                    .iter()
                    .any(|f| f.file == name && f.rule == rule),
                "{name}: {:#?}",
                report.findings
            );
        }
    }
}

/// `unit` repeated to `bytes`.
fn repeated(unit: &str, bytes: usize) -> Vec<u8> {
    unit.repeat(bytes / unit.len()).into_bytes()
}

#[test]
fn dense_scripts_stay_within_the_memory_budget_or_are_refused() {
    let _one_at_a_time = one_at_a_time();
    // No syntax tree fits in a few times its source, so scripts share a
    // constant budget on top of the files' own: a script that fits is
    // judged, one that could need more is refused as an error.
    let cap = DEFAULT_MAX_FILE_BYTES as usize;
    for unit in ["eval(a);", "a(b,c);", "x={a,b,c,d,e,f};", "'\\01';"] {
        for bytes in [256 * 1024, 1024 * 1024, cap] {
            let content = repeated(unit, bytes);
            // A script that is parsed takes at most its bound, which is
            // never more than the budget.
            let bound = memory_bound(std::str::from_utf8(&content).expect("ASCII"));
            let allowance = bound.min(MAX_SCRIPT_MEMORY) as usize + CAP_ALLOWANCE;
            let (report, peak) = check_within(&[("dense.js", &content)], allowance);
            eprintln!("{unit:?} x {bytes} bytes: peak heap {peak} bytes");
            let refused = report.findings.iter().any(|f| f.rule == "sink/too-large");
            let judged = report.findings.iter().all(|f| f.rule != "sink/too-large");
            assert!(refused || judged);
            if bytes == cap {
                assert!(refused, "{unit:?} at the cap: {:#?}", report.findings);
            }
            if unit == "eval(a);" && !refused {
                assert!(has(&report, "dense.js", "sink/eval"));
            }
        }
    }
    // Inside a page the same script is refused just the same.
    let body = repeated("eval(a);", cap - 100);
    let page = format!(
        "<!doctype html><title>t</title><script>{}</script>",
        std::str::from_utf8(&body).expect("ASCII")
    );
    let (report, _) = check_within(
        &[("dense.html", page.as_bytes())],
        MAX_SCRIPT_MEMORY as usize + CAP_ALLOWANCE,
    );
    assert!(
        has(&report, "dense.html", "sink/too-large"),
        "{:#?}",
        report.findings
    );
    // Many dense scripts at once share the budget instead of each taking
    // their own on every thread.
    let content = repeated("a(b,c);", 1024 * 1024);
    let files: Vec<(String, &[u8])> = (0..8)
        .map(|index| (format!("dense-{index}.js"), content.as_slice()))
        .collect();
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, c)| (n.as_str(), *c)).collect();
    check_within(&files, MAX_SCRIPT_MEMORY as usize + CAP_ALLOWANCE);
}

#[test]
fn constants_built_from_constants_stay_small() {
    let _one_at_a_time = one_at_a_time();
    // Each constant doubles the one before: folding them all would build
    // gigabytes out of a kilobyte of source.
    let mut script = String::from("const a0 = 'xxxxxxxxxxxxxxxx';\n");
    for level in 1..40 {
        script.push_str(&format!(
            "const a{level} = a{} + a{};\n",
            level - 1,
            level - 1
        ));
    }
    script.push_str("const k = 'inner' + 'HTML';\ndocument.body[k] = location.hash;\n");
    let (report, _) = check_files(&[("double.js", script.as_bytes())]);
    assert!(has(&report, "double.js", "sink/inner-html"));
    // A long constant used over and over is not copied for every use.
    let long = "y".repeat(4 * 1024 * 1024);
    let mut script = format!("const s = '{long}';\n");
    script.push_str(&"location.href = s + z;\n".repeat(40_000));
    check_files(&[("long.js", script.as_bytes())]);
}

/// The findings of `rule` in `file`: those at a place, and the summaries
/// about the whole file.
fn of_rule<'r>(
    report: &'r Report,
    file: &str,
    rule: &str,
) -> (
    Vec<&'r bundle_validator::Finding>,
    Vec<&'r bundle_validator::Finding>,
) {
    report
        .findings
        .iter()
        .filter(|f| f.file == file && f.rule == rule)
        .partition(|f| f.line.is_some())
}

fn occurrences(haystack: &[u8], needle: &str) -> usize {
    haystack
        .windows(needle.len())
        .filter(|window| *window == needle.as_bytes())
        .count()
}

#[test]
fn a_file_of_many_findings_lists_the_first_and_counts_the_rest() {
    let _one_at_a_time = one_at_a_time();
    let handlers = at_cap("<p>Some text <b onclick=x>in bold</b> and more.</p>\n");
    let fragments = at_cap("<p>See <a href=\"/other.html#nowhere\">the other page</a>.</p>\n");
    let other = page("<h1 id=top>Other</h1>");
    let sinks = "eval(a);\n".repeat(50_000);
    // One bundle each: the budget holds for each file the check has in
    // hand, and the pool judges as many files at once as it has threads.
    let mut findings = Vec::new();
    for files in [
        &[("handlers.html", &handlers[..])][..],
        &[("fragments.html", &fragments), ("other.html", &other)],
        &[("sinks.js", sinks.as_bytes())],
    ] {
        let (report, peak) = check_within(files, CAP_ALLOWANCE);
        eprintln!("{}: peak heap {peak} bytes", files[0].0);
        findings.extend(report.findings);
    }
    let report = Report {
        findings,
        suppressed: Vec::new(),
        coverage: Vec::new(),
    };
    for (file, rule, total) in [
        (
            "handlers.html",
            "inline/event-handler",
            occurrences(&handlers, "onclick"),
        ),
        (
            "fragments.html",
            "link/broken-fragment",
            occurrences(&fragments, "#nowhere"),
        ),
        ("sinks.js", "sink/eval", 50_000),
    ] {
        let (placed, summaries) = of_rule(&report, file, rule);
        assert_eq!(placed.len(), 100, "{file}");
        assert_eq!(summaries.len(), 1, "{file}: {summaries:#?}");
        let summary = summaries[0];
        assert_eq!(summary.severity, Severity::Error);
        // Nothing is lost silently: the summary counts every other one.
        let more: usize = summary
            .message
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .expect("the summary starts with a count");
        assert_eq!(more + 100, total, "{file}: {} of about {total}", more + 100);
    }
}

#[test]
fn long_values_in_messages_are_cut_after_their_secrets_are_masked() {
    let _one_at_a_time = one_at_a_time();
    let token = format!("ghp_{}", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8");
    let path = format!("/files/{token}/{}", "a".repeat(400_000));
    let links = page(&format!("<a href=\"{path}\">x</a>\n").repeat(12));
    let (report, _) = check_files(&[("links.html", &links)]);
    let (placed, _) = of_rule(&report, "links.html", "link/broken");
    assert_eq!(placed.len(), 12);
    for finding in placed {
        assert!(finding.message.len() < 700, "{}", finding.message.len());
        assert!(!finding.message.contains(&token), "{}", finding.message);
        assert!(finding.message.contains("more bytes not shown"));
    }
}

#[test]
fn many_namespace_declarations_cost_linear_time() {
    let _one_at_a_time = one_at_a_time();
    // Every element declares a prefix of its own, bound to SVG: each is
    // resolved by a look-up, not by a walk over every earlier declaration.
    let elements: String = (0..60_000)
        .map(|i| format!("<p{i}:g xmlns:p{i}=\"http://www.w3.org/2000/svg\"/>"))
        .collect();
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\">{elements}<p7:script>go()</p7:script></svg>"
    );
    let (report, _) = check_files(&[("many.svg", svg.as_bytes())]);
    assert!(
        has(&report, "many.svg", "inline/script"),
        "{:#?}",
        report.findings
    );
}
