//! `verify` against real servers on loopback: a plain static server of a
//! bundle, and a tampering proxy in front of it that does what CDNs do to
//! a site. Each tampering must give exactly one finding that names the
//! URL and the cause; broken servers must give clear findings, never a
//! panic or a hang.

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bundle_validator::verify::{self, Options, PageSource};
use bundle_validator::{Config, Report, cli, output};
use support::{Tamper, refused_origin, static_server, tampering_proxy};

fn bundle() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/all-pass-baseline/bundle")
}

/// The site's contract: its origin, its lead form posting to the Worker,
/// and the Worker's routes.
fn config() -> Config {
    Config::parse(
        "site_origin: https://baystore.example\n\
         lead_form:\n  action: /lead\n\
         worker_routes: [/lead, /a/*]\n",
        Path::new("validator.yaml"),
    )
    .expect("config parses")
}

fn options() -> Options {
    Options {
        rate: 200.0,
        timeout: Duration::from_secs(5),
        ..Options::default()
    }
}

/// Verifies `origin` against the baseline bundle.
fn run(origin: &str, options: &Options) -> Report {
    verify::verify(origin, &bundle(), &config(), options)
        .expect("verification runs")
        .report
}

/// The report's JSON with the loopback origin, which changes from run to
/// run, written as `http://served`.
fn stable_json(report: &Report, origin: &str) -> serde_json::Value {
    let text = output::json(report).replace(origin, "http://served");
    serde_json::from_str(&text).expect("JSON output")
}

fn upstream() -> support::Running {
    static_server(&bundle(), &["/lead", "/a/"])
}

#[test]
fn an_unchanged_site_verifies_clean() {
    let server = upstream();
    let verified = verify::verify(&server.origin(), &bundle(), &config(), &options())
        .expect("verification runs");
    let report = &verified.report;
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(cli::exit_code(report), cli::EXIT_OK);
    // Four pages (the console among them), the stylesheet, the consent
    // loader and the analytics script it loads; `/lead` and `/a/event`.
    assert_eq!(
        (verified.pages, verified.assets, verified.probes),
        (4, 3, 2)
    );
    assert_eq!(
        verified.summary("http://served"),
        "verified 4 pages, 3 other files and 2 Worker routes served at http://served"
    );
}

#[test]
fn content_coding_is_undone_before_bytes_are_compared() {
    let server = upstream();
    let proxy = tampering_proxy(&server, Tamper::Gzip);
    let report = run(&proxy.origin(), &options());
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

#[test]
fn pages_can_come_from_the_sitemap() {
    let server = upstream();
    let proxy = tampering_proxy(&server, Tamper::InjectScript("/console/"));
    let sitemap = Options {
        pages: PageSource::Sitemap,
        ..options()
    };
    // The console is not in the sitemap, so its tampering is not seen.
    assert!(run(&proxy.origin(), &sitemap).findings.is_empty());
    let all = run(&proxy.origin(), &options());
    assert_eq!(all.findings.len(), 1, "{:#?}", all.findings);
}

/// Runs one tampering and snapshots its findings, which must be exactly
/// one error naming `path`.
fn one_finding_for(name: &str, tamper: Tamper, path: &str, rule: &str) {
    let server = upstream();
    let proxy = tampering_proxy(&server, tamper);
    let origin = proxy.origin();
    let report = run(&origin, &options());
    assert_eq!(report.findings.len(), 1, "{name}: {:#?}", report.findings);
    let finding = &report.findings[0];
    assert_eq!(finding.rule, rule);
    assert_eq!(finding.file, format!("{origin}{path}"));
    assert_eq!(cli::exit_code(&report), cli::EXIT_FINDINGS);
    insta::assert_json_snapshot!(name, stable_json(&report, &origin));
}

#[test]
fn an_injected_script_is_one_finding() {
    one_finding_for(
        "inject_script",
        Tamper::InjectScript("/product/"),
        "/product/",
        "served/injected-markup",
    );
}

#[test]
fn a_dropped_csp_is_one_finding() {
    one_finding_for(
        "drop_csp",
        Tamper::DropCsp("/contact/"),
        "/contact/",
        "served/header-missing",
    );
}

#[test]
fn an_obfuscated_mailto_link_is_one_finding() {
    one_finding_for(
        "obfuscate_email",
        Tamper::ObfuscateEmail("/contact/"),
        "/contact/",
        "served/injected-markup",
    );
}

#[test]
fn a_reminified_stylesheet_is_one_finding() {
    one_finding_for(
        "reminify",
        Tamper::Reminify("/assets/site.c50b026d710efea5.css"),
        "/assets/site.c50b026d710efea5.css",
        "served/content-changed",
    );
}

#[test]
fn an_integrity_value_that_no_longer_holds_is_reported() {
    let server = upstream();
    let proxy = tampering_proxy(&server, Tamper::RewriteIntegrity("/product/"));
    let origin = proxy.origin();
    let report = run(&origin, &options());
    let found: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.file.as_str()))
        .collect();
    let page = format!("{origin}/product/");
    // The page changed (its `<link>` is not the bundle's) and, as served,
    // its stylesheet is refused: the served asset is intact, so the SRI
    // failure is the page's own.
    assert_eq!(
        found,
        vec![
            ("served/injected-markup", page.as_str()),
            ("served/sri-mismatch", page.as_str()),
        ]
    );
    assert!(
        report.findings[1]
            .message
            .contains("/assets/site.c50b026d710efea5.css"),
        "{}",
        report.findings[1].message
    );
}

#[test]
fn worker_routes_that_do_not_refuse_a_get_are_findings() {
    // A static server with no Worker answers 404 for both routes.
    let server = static_server(&bundle(), &[]);
    let origin = server.origin();
    let report = run(&origin, &options());
    let routes: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.file.as_str()))
        .collect();
    let lead = format!("{origin}/lead");
    let event = format!("{origin}/a/event");
    assert_eq!(
        routes,
        vec![
            ("served/worker-route", event.as_str()),
            ("served/worker-route", lead.as_str()),
        ]
    );
    insta::assert_json_snapshot!("worker_routes", stable_json(&report, &origin));
}

#[test]
fn a_refused_connection_is_one_clear_finding() {
    let origin = refused_origin();
    let report = run(&origin, &options());
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
    assert_eq!(report.findings[0].rule, "served/unreachable");
    assert!(
        report.findings[0].message.contains("none of the"),
        "{}",
        report.findings[0].message
    );
}

#[test]
fn a_stalled_server_times_out_without_hanging() {
    let server = upstream();
    let proxy = tampering_proxy(&server, Tamper::Stall(Duration::from_secs(30)));
    let quick = Options {
        timeout: Duration::from_millis(300),
        concurrency: 16,
        ..options()
    };
    let started = Instant::now();
    let report = run(&proxy.origin(), &quick);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
    assert!(report.findings[0].message.contains("no answer within"));
}

#[test]
fn an_oversized_body_is_not_read_past_the_cap() {
    let server = upstream();
    let proxy = tampering_proxy(&server, Tamper::Oversize(64 * 1024));
    let capped = Options {
        max_body_bytes: Some(4096),
        ..options()
    };
    let report = run(&proxy.origin(), &capped);
    assert!(!report.findings.is_empty());
    let pages: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule == "served/too-large")
        .map(|f| f.message.as_str())
        .collect();
    assert!(!pages.is_empty(), "{:#?}", report.findings);
    assert!(pages.iter().all(|m| m.contains("larger than 4096 bytes")));
}

#[test]
fn a_redirect_loop_is_a_finding() {
    let server = upstream();
    let proxy = tampering_proxy(&server, Tamper::RedirectLoop);
    let origin = proxy.origin();
    let report = run(&origin, &options());
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
    assert_eq!(report.findings[0].rule, "served/redirect");
    assert_eq!(report.findings[0].file, format!("{origin}/"));
    assert!(report.findings[0].message.contains("loop"));
}

#[test]
fn a_redirect_off_the_origin_is_not_followed() {
    let server = upstream();
    let proxy = tampering_proxy(&server, Tamper::RedirectAway);
    let report = run(&proxy.origin(), &options());
    assert!(!report.findings.is_empty());
    assert!(
        report.findings.iter().all(
            |f| f.rule == "served/redirect" && f.message.contains("https://elsewhere.example/")
        ),
        "{:#?}",
        report.findings
    );
}

#[test]
fn findings_render_in_every_format_with_the_url() {
    let server = upstream();
    let proxy = tampering_proxy(&server, Tamper::DropCsp("/contact/"));
    let origin = proxy.origin();
    let report = run(&origin, &options());
    let human = output::human_with(
        &report,
        output::HumanOptions {
            color: false,
            quiet: false,
        },
    );
    assert!(human.contains(&format!("{origin}/contact/")), "{human}");
    insta::assert_snapshot!("drop_csp_human", human.replace(&origin, "http://served"));
    let sarif = output::sarif(&report);
    let location =
        &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(location["uri"], format!("{origin}/contact/"));
}

#[test]
fn a_base_that_is_not_an_origin_is_refused() {
    for base in [
        "ftp://example.com",
        "https://example.com/path",
        "https://user:pw@example.com",
        "not a url",
    ] {
        let result = verify::verify(base, &bundle(), &config(), &options());
        assert!(
            matches!(result, Err(verify::Error::BadUrl { .. })),
            "{base}"
        );
    }
}
