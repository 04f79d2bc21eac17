//! The generator's `check` command behaves as `bundle-validator check`:
//! the same exit codes, formats and report options, from the same code.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("validator/tests/fixtures")
        .join(name)
        .join("bundle")
}

/// Runs `baystore-site check` with a site folder that has no site.yaml,
/// so that the validator's defaults apply as they do in its own CLI.
fn site_check(args: &[&str], env: &[(&str, &str)]) -> Output {
    let empty_site = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_baystore-site"));
    command
        .arg("check")
        .args(args)
        .arg("--site")
        .arg(empty_site.path());
    for name in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM"] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().expect("the generator runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

#[test]
fn exit_codes_are_the_validators() {
    let clean = site_check(&[fixture("all-pass-baseline").to_str().unwrap()], &[]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stdout));
    assert!(text(&clean.stdout).ends_with("ok: no findings\n"));
    let failing = site_check(&[fixture("inline-fail-handler").to_str().unwrap()], &[]);
    assert_eq!(failing.status.code(), Some(1));
    // Could not run: a missing bundle, a bad option value, a bad flag.
    let missing = site_check(&["/nonexistent/bundle"], &[]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("cannot check /nonexistent/bundle"));
    let bundle = fixture("inline-fail-handler");
    let bundle = bundle.to_str().unwrap();
    assert_eq!(
        site_check(&[bundle, "--format", "xml"], &[]).status.code(),
        Some(2)
    );
    assert_eq!(site_check(&[bundle, "--bogus"], &[]).status.code(), Some(2));
}

#[test]
fn formats_and_options_match_the_validator_cli() {
    let bundle = fixture("inline-fail-handler");
    let bundle = bundle.to_str().unwrap();
    // The validator's library renders the same text its CLI prints.
    let report =
        bundle_validator::check(Path::new(bundle), &bundle_validator::Config::default()).unwrap();
    let sarif_options = bundle_validator::output::SarifOptions::default();
    let expected = [
        ("human", bundle_validator::output::human(&report)),
        ("json", bundle_validator::output::json(&report)),
        (
            "sarif",
            bundle_validator::output::render_sarif(&report, &sarif_options),
        ),
    ];
    for (format, expected) in expected {
        let ours = site_check(&[bundle, "--format", format], &[]);
        assert_eq!(ours.status.code(), Some(1), "{format}");
        assert_eq!(text(&ours.stdout), expected, "{format}");
    }
    let sarif: serde_json::Value = serde_json::from_str(&text(
        &site_check(&[bundle, "--format", "sarif"], &[]).stdout,
    ))
    .unwrap();
    assert_eq!(sarif["version"], "2.1.0");

    let quiet = site_check(&[bundle, "--quiet"], &[]);
    assert_eq!(quiet.status.code(), Some(1));
    assert!(!text(&quiet.stdout).contains("warning["));
    assert!(text(&quiet.stdout).contains("error[inline/event-handler]"));

    let coloured = site_check(&[bundle, "--color", "always"], &[]);
    assert!(text(&coloured.stdout).contains('\u{1b}'));
    let no_color = site_check(&[bundle], &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]);
    assert!(!text(&no_color.stdout).contains('\u{1b}'));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.json");
    let written = site_check(
        &[
            bundle,
            "--format",
            "json",
            "--output",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(written.status.code(), Some(1));
    assert!(written.stdout.is_empty());
    assert!(text(&written.stderr).contains("(report in "));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(!report["findings"].as_array().unwrap().is_empty());
}

/// Runs `baystore-site verify` on a fixture bundle with a site folder that
/// has no site.yaml.
fn site_verify(args: &[&str]) -> Output {
    let empty_site = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_baystore-site"))
        .arg("verify")
        .args(args)
        .arg("--bundle")
        .arg(fixture("all-pass-baseline"))
        .arg("--site")
        .arg(empty_site.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("the generator runs")
}

#[test]
fn verify_has_the_validators_exit_codes() {
    // Nothing listens on the discard port of loopback: the site cannot be
    // fetched, which is a finding (exit 1), reported in the chosen format.
    let unreachable = site_verify(&["http://127.0.0.1:9", "--format", "json"]);
    assert_eq!(
        unreachable.status.code(),
        Some(1),
        "{}",
        text(&unreachable.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&unreachable.stdout).expect("a JSON report");
    assert_eq!(report["findings"][0]["rule"], "served/unreachable");
    assert_eq!(report["findings"][0]["file"], "http://127.0.0.1:9/");
    assert!(text(&unreachable.stderr).contains("note: verified 4 pages"));
    // Could not run: not an origin, bad option values.
    for args in [
        &["https://baystore.example/contact/"][..],
        &["not a url"],
        &["http://127.0.0.1:9", "--timeout", "0"],
        &["http://127.0.0.1:9", "--concurrency", "0"],
        &["http://127.0.0.1:9", "--pages", "feed"],
    ] {
        let output = site_verify(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}
