//! Runs every fixture bundle under `tests/fixtures/`.
//!
//! A fixture is a folder named `<category>-<pass|fail|evasion>-<name>`
//! holding the bundle in `bundle/` and, optionally, a `validator.yaml`
//! beside it used as the config. A `fail` or `evasion` fixture must yield
//! at least one error of its category; a `pass` fixture none of its
//! category. The category `all` is for whole-site fixtures: its `pass`
//! fixtures must yield no error at all. Every fixture's JSON findings are
//! snapshotted, judged at one fixed time. Categories and rules come from the rule table: a fixture
//! names a declared category, and every finding a declared rule.
//!
//! A fixture with a `served/` folder beside `bundle/` is about the site as
//! served: a static server on loopback serves `served/` (its files, with
//! the headers of its own `_headers`, and 405 for a `GET` of `/lead` or
//! `/a/…`, as the Worker answers), and `verify` judges it against
//! `bundle/`.

mod support;

use std::path::{Path, PathBuf};

use bundle_validator::rule;
use bundle_validator::{Config, Outcome, Report, Severity, check};

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The clock every fixture is judged at, 2026-06-01T00:00:00Z, so that a
/// fixture's dates (`Expires` of `security.txt`) mean the same on any day.
const FIXTURE_NOW: i64 = 1_780_272_000;

fn run_fixture(dir: &Path) -> Report {
    // Tests run in the package folder; the config is named relative to it,
    // as findings about the config quote its path.
    let config_path = dir
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(dir)
        .join("validator.yaml");
    let mut config = if config_path.exists() {
        Config::from_file(&config_path).expect("fixture config is valid")
    } else {
        Config::default()
    };
    config.now = Some(FIXTURE_NOW);
    let served = dir.join("served");
    if served.is_dir() {
        let server = support::static_server(&served, &["/lead", "/a/"]);
        let origin = server.origin();
        let mut report = bundle_validator::verify::verify(
            &origin,
            &dir.join("bundle"),
            &config,
            &bundle_validator::verify::Options {
                rate: 200.0,
                ..Default::default()
            },
        )
        .expect("fixture site can be verified")
        .report;
        // The port changes from run to run; the snapshot names the site
        // `http://served`.
        for finding in &mut report.findings {
            finding.file = finding.file.replace(&origin, "http://served");
            finding.message = finding.message.replace(&origin, "http://served");
        }
        return report;
    }
    check(&dir.join("bundle"), &config).expect("fixture bundle can be checked")
}

/// Checks one fixture's findings against what its name promises.
fn judge(name: &str, report: &Report) -> Result<(), String> {
    let mut parts = name.splitn(3, '-');
    let (Some(category), Some(kind), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!(
            "{name}: fixture names are <category>-<pass|fail|evasion>-<name>"
        ));
    };
    if category != "all" && !rule::categories().iter().any(|c| c.name == category) {
        return Err(format!(
            "{name}: `{category}` is not a declared rule category"
        ));
    }
    let undeclared: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| rule::lookup(&f.rule).is_none())
        .map(|f| f.rule.as_str())
        .collect();
    if !undeclared.is_empty() {
        return Err(format!(
            "{name}: findings of undeclared rules {undeclared:?}"
        ));
    }
    let in_category = |severity: Severity| {
        report
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .filter(|f| {
                category == "all" || rule::lookup(&f.rule).is_some_and(|r| r.category() == category)
            })
            .count()
    };
    let errors = in_category(Severity::Error);
    // What the category examined must agree with what it found: a pass
    // fixture proves something only if the category judged a file or a
    // route, and a failing one must fail in the coverage too.
    if category != "all" {
        let Some(coverage) = report.category(category) else {
            return Err(format!("{name}: no coverage for `{category}`"));
        };
        let expected = if kind == "pass" {
            Outcome::Pass
        } else {
            Outcome::Fail
        };
        if coverage.outcome != expected {
            return Err(format!(
                "{name}: coverage of `{category}` is {coverage:?}, expected {expected:?}"
            ));
        }
    }
    match kind {
        "pass" if errors > 0 => Err(format!(
            "{name}: expected no {category} error, got {errors}: {:#?}",
            report.findings
        )),
        "fail" | "evasion" if errors == 0 => Err(format!(
            "{name}: expected at least one {category} error, got none: {:#?}",
            report.findings
        )),
        "pass" | "fail" | "evasion" => Ok(()),
        other => Err(format!("{name}: unknown fixture kind {other}")),
    }
}

#[test]
fn every_fixture_meets_its_expectation_and_snapshot() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_root())
        .expect("fixtures folder exists")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("bundle").is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.len() >= 36,
        "expected a pass, fail and evasion fixture per category"
    );
    let mut failures = Vec::new();
    for name in &names {
        let report = run_fixture(&fixtures_root().join(name));
        if let Err(problem) = judge(name, &report) {
            failures.push(problem);
        }
        // The snapshots hold what was found; what was examined is held to
        // the findings by `judge` and counted exactly by the coverage tests.
        let found = Report {
            coverage: Vec::new(),
            ..report
        };
        insta::with_settings!({ snapshot_path => "snapshots/fixtures", prepend_module_to_snapshot => false }, {
            insta::assert_json_snapshot!(name.as_str(), found);
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_category_has_pass_fail_and_evasion_fixtures() {
    let names: Vec<String> = std::fs::read_dir(fixtures_root())
        .expect("fixtures folder exists")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for category in rule::categories().iter().map(|c| c.name) {
        for kind in ["pass", "fail", "evasion"] {
            let prefix = format!("{category}-{kind}-");
            assert!(
                names.iter().any(|n| n.starts_with(&prefix)),
                "no {prefix}* fixture"
            );
        }
    }
}
