//! The evidence manifest of a build: it matches its JSON Schema
//! (`schemas/evidence.schema.json`), every digest in it is the digest of
//! the bytes in the bundle, it lists every file, and its numbers are the
//! final check's.

#[path = "generator/support.rs"]
mod support;

use std::path::{Path, PathBuf};

use baystore_site::{BuildOptions, BuildSummary, build};
use serde_json::Value;
use sha2::{Digest, Sha256};

const BUILD_TIME: &str = "2026-05-01T12:00:00Z";
const MANIFEST: &str = "security/evidence.json";

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn build_site(site: &Path) -> (tempfile::TempDir, BuildSummary) {
    let work = tempfile::tempdir().unwrap();
    let mut options = BuildOptions::new(site, work.path().join("dist"));
    options.build_time = Some(BUILD_TIME.parse().unwrap());
    let summary = build(&options).unwrap();
    (work, summary)
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn manifest(dist: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dist.join(MANIFEST)).unwrap()).unwrap()
}

fn schema() -> Value {
    serde_json::from_slice(
        &std::fs::read(repo_root().join("schemas/evidence.schema.json")).unwrap(),
    )
    .unwrap()
}

/// Every error the schema finds in `value`, as text.
fn schema_errors(value: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(&schema()).expect("the schema compiles");
    validator
        .iter_errors(value)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

#[test]
fn the_sample_manifest_matches_its_schema_and_every_byte_of_the_bundle() {
    let (work, summary) = build_site(&repo_root());
    let dist = work.path().join("dist");
    let value = manifest(&dist);
    assert_eq!(schema_errors(&value), Vec::<String>::new());

    // Every file of the bundle is listed once, in byte order, and every
    // digest and size is that of the bytes served.
    let listed: Vec<&str> = value["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let mut on_disk = support::list_files(&dist);
    on_disk.sort();
    assert_eq!(listed, on_disk);
    let mut lines = Vec::new();
    for file in value["files"].as_array().unwrap() {
        let path = file["path"].as_str().unwrap();
        if path == MANIFEST {
            assert_eq!(file["sha256"], Value::Null);
            assert_eq!(file["bytes"], Value::Null);
            continue;
        }
        let bytes = std::fs::read(dist.join(path)).unwrap();
        assert_eq!(file["sha256"], hex(&bytes), "{path}");
        assert_eq!(file["bytes"], bytes.len(), "{path}");
        // The pages that print the bundle digest are left out of it.
        if value["evidence_pages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|page| page == path)
        {
            continue;
        }
        lines.extend_from_slice(path.as_bytes());
        lines.push(0);
        lines.extend_from_slice(hex(&bytes).as_bytes());
        lines.push(b'\n');
    }
    assert_eq!(value["bundle_digest"], hex(&lines));
    let headers = std::fs::read(dist.join("_headers")).unwrap();
    assert_eq!(value["headers"]["file_sha256"], hex(&headers));
    assert_eq!(value["headers"]["path"], "_headers");
    assert_eq!(value["build_time"], BUILD_TIME);
    assert_eq!(value["generator"]["name"], "baystore-site");
    assert_eq!(value["validator"]["name"], "bundle-validator");

    // The numbers are those of the check that passed the bundle, which
    // judged the manifest too.
    let rules: Vec<bundle_validator::CategoryCoverage> =
        serde_json::from_value(value["rules"].clone()).unwrap();
    assert_eq!(rules, summary.report.coverage);
    let secret = rules.iter().find(|r| r.category == "secret").unwrap();
    assert_eq!(secret.files as usize, listed.len() - count_binary(&listed));

    // The types the validator reads it with accept it.
    let text = std::fs::read_to_string(dist.join(MANIFEST)).unwrap();
    let parsed = bundle_validator::evidence::Manifest::parse(&text).unwrap();
    assert_eq!(parsed.files.len(), listed.len());
}

/// Files the validator never reads as text (images, fonts), which no
/// text rule examines.
fn count_binary(paths: &[&str]) -> usize {
    const BINARY: &[&str] = &[
        ".png", ".ico", ".woff2", ".woff", ".jpg", ".jpeg", ".webp", ".gif", ".pdf",
    ];
    paths
        .iter()
        .filter(|p| BINARY.iter().any(|ext| p.ends_with(ext)))
        .count()
}

#[test]
fn the_schema_refuses_what_a_manifest_never_holds() {
    let (work, _) = build_site(&repo_root());
    let good = manifest(&work.path().join("dist"));
    let broken = |change: &dyn Fn(&mut Value)| {
        let mut value = good.clone();
        change(&mut value);
        schema_errors(&value)
    };
    assert!(!broken(&|v| v["files"][0]["sha256"] = "ABC".into()).is_empty());
    assert!(!broken(&|v| v["files"][0]["path"] = "../etc/passwd".into()).is_empty());
    assert!(!broken(&|v| v["files"][0]["path"] = "/index.html".into()).is_empty());
    assert!(!broken(&|v| v["rules"][0]["outcome"] = "maybe".into()).is_empty());
    assert!(!broken(&|v| v["format"] = 2.into()).is_empty());
    assert!(!broken(&|v| v["source_commit"] = "HEAD".into()).is_empty());
    assert!(!broken(&|v| v["extra"] = true.into()).is_empty());
    assert!(!broken(&|v| v["build_time"] = "yesterday".into()).is_empty());
}

#[test]
fn the_manifest_path_is_configurable_and_checked_for_collisions() {
    let work = tempfile::tempdir().unwrap();
    let site = work.path().join("site");
    support::copy_dir(&support::fixtures().join("site"), &site);
    let config = std::fs::read_to_string(site.join("site.yaml")).unwrap();
    std::fs::write(
        site.join("site.yaml"),
        format!("{config}\nevidence:\n  manifest: /proof/build.json\n"),
    )
    .unwrap();
    let (out, _) = build_site(&site);
    let dist = out.path().join("dist");
    assert!(dist.join("proof/build.json").is_file());
    assert!(!dist.join(MANIFEST).exists());

    // A path that is not a plain JSON site path is an error at its line.
    std::fs::write(
        site.join("site.yaml"),
        format!("{config}\nevidence:\n  manifest: /assets/../x.json\n"),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let error = build(&BuildOptions::new(&site, out.path().join("dist")))
        .unwrap_err()
        .to_string();
    assert!(error.contains("site.yaml:"), "{error}");
    assert!(error.contains("evidence manifest"), "{error}");

    // One where a public file is published is refused as a collision.
    std::fs::write(
        site.join("site.yaml"),
        format!("{config}\nevidence:\n  manifest: /robots.txt.json\n"),
    )
    .unwrap();
    std::fs::create_dir_all(site.join("public")).unwrap();
    std::fs::write(site.join("public/robots.txt.json"), "{}").unwrap();
    let error = build(&BuildOptions::new(&site, out.path().join("dist")))
        .unwrap_err()
        .to_string();
    assert!(error.contains("robots.txt.json"), "{error}");
}

/// The manifest of the fixture site with what changes between versions
/// and machines (digests, sizes, versions, the commit) replaced.
fn redacted(mut value: Value) -> Value {
    fn redact(value: &mut Value, key: &str, with: &str) {
        if !value[key].is_null() {
            value[key] = with.into();
        }
    }
    for file in value["files"].as_array_mut().unwrap() {
        redact(file, "sha256", "[sha256]");
        redact(file, "bytes", "[bytes]");
    }
    for section in ["headers", "redirects"] {
        if value[section].is_object() {
            redact(&mut value[section], "file_sha256", "[sha256]");
            redact(&mut value[section], "rules_sha256", "[sha256]");
        }
    }
    redact(&mut value, "bundle_digest", "[sha256]");
    redact(&mut value, "source_commit", "[commit]");
    redact(&mut value["generator"], "version", "[version]");
    redact(&mut value["validator"], "version", "[version]");
    value
}

#[test]
fn the_manifest_shape_is_snapshotted() {
    let (work, _) = build_site(&support::fixtures().join("site"));
    let value = manifest(&work.path().join("dist"));
    assert_eq!(schema_errors(&value), Vec::<String>::new());
    insta::with_settings!({ snapshot_path => "generator/snapshots" }, {
        insta::assert_json_snapshot!("fixture_evidence_manifest", redacted(value));
    });
}

/// A copy of the fixture site whose page `content/proof.md` renders the
/// promises of `promises` through the sample site's `promises` shortcode,
/// with `extra` appended to `site.yaml`.
fn site_with_promises(promises: Option<&str>, extra: &str) -> tempfile::TempDir {
    let work = tempfile::tempdir().unwrap();
    let site = work.path();
    support::copy_dir(&support::fixtures().join("site"), site);
    std::fs::copy(
        repo_root().join("templates/shortcodes/promises.html"),
        site.join("templates/shortcodes/promises.html"),
    )
    .unwrap();
    std::fs::write(
        site.join("content/proof.md"),
        "---\ntitle: Proof\n---\n\n{{ promises(label=\"Promises\") }}\n",
    )
    .unwrap();
    let mut config = std::fs::read_to_string(site.join("site.yaml")).unwrap();
    if let Some(text) = promises {
        std::fs::write(site.join("promises.yaml"), text).unwrap();
        config.push_str("evidence:\n  promises: promises.yaml\n");
    }
    config.push_str(extra);
    std::fs::write(site.join("site.yaml"), config).unwrap();
    work
}

fn build_error(site: &Path) -> String {
    let out = tempfile::tempdir().unwrap();
    let mut options = BuildOptions::new(site, out.path().join("dist"));
    options.build_time = Some(BUILD_TIME.parse().unwrap());
    build(&options).unwrap_err().to_string()
}

const SINK_PROMISE: &str = "promises:\n  - id: no-string-markup\n    promise: Scripts never turn strings into markup.\n    kept_by: Elements and text nodes only.\n    rules: [sink, inline]\n";

#[test]
fn a_promise_whose_rule_examined_nothing_fails_the_build_by_name() {
    let site = site_with_promises(Some(SINK_PROMISE), "validator:\n  rules:\n    sink: off\n");
    let error = build_error(site.path());
    assert!(error.contains("promise `no-string-markup`"), "{error}");
    assert!(error.contains("`sink`"), "{error}");
    assert!(!error.contains("`inline`"), "{error}");
    // With the rule on, the same site builds and the page shows it.
    let site = site_with_promises(Some(SINK_PROMISE), "");
    let (out, summary) = build_site(site.path());
    let page = std::fs::read_to_string(out.path().join("dist/proof/index.html")).unwrap();
    let sink = summary.report.category("sink").unwrap();
    assert!(sink.files > 0);
    assert!(
        page.contains(&format!(
            "<li><code>sink</code> rule: {} files examined, passed</li>",
            sink.files
        )),
        "{page}"
    );
}

#[test]
fn an_unknown_rule_category_is_an_error_at_its_line() {
    let text =
        "promises:\n  - id: a\n    promise: A.\n    kept_by: K.\n    rules: [inline, firewall]\n";
    let site = site_with_promises(Some(text), "");
    let error = build_error(site.path());
    assert!(error.contains("promises.yaml:5:"), "{error}");
    assert!(error.contains("promise `a`"), "{error}");
    assert!(error.contains("`firewall`"), "{error}");
}

#[test]
fn a_page_that_renders_promises_needs_a_promises_file() {
    let site = site_with_promises(None, "");
    let error = build_error(site.path());
    assert!(error.contains("content/proof.md"), "{error}");
    assert!(error.contains("`promises` shortcode"), "{error}");
}

/// The rows of the promise table, one string of cell texts per row.
fn rows(html: &str) -> Vec<String> {
    let start = html.find("<tbody>").unwrap();
    let end = html.find("</tbody>").unwrap();
    html[start..end]
        .split("<tr ")
        .skip(1)
        .map(|row| format!("<tr {}", row.trim_end()))
        .collect()
}

#[test]
fn the_security_page_shows_the_manifest_numbers_and_every_row_is_snapshotted() {
    let (work, _) = build_site(&repo_root());
    let dist = work.path().join("dist");
    let value = manifest(&dist);
    let html = std::fs::read_to_string(dist.join("security/index.html")).unwrap();
    assert_eq!(
        value["evidence_pages"],
        serde_json::json!(["security/index.html"])
    );
    let rows = rows(&html);
    let promises = value["promises"].as_array().unwrap();
    assert_eq!(rows.len(), promises.len());
    assert!(promises.len() >= 15);
    let short = &value["bundle_digest"].as_str().unwrap()[..12];
    for (row, promise) in rows.iter().zip(promises) {
        // Each row says what the manifest says, from the same build.
        assert!(row.contains(&format!(
            "id=\"promise-{}\"",
            promise["id"].as_str().unwrap()
        )));
        assert_eq!(promise["outcome"], "pass");
        assert!(
            row.contains(&format!("bundle <code>{short}</code>")),
            "{row}"
        );
        assert!(
            row.contains("datetime=\"2026-05-01T12:00:00Z\">2026-05-01</time>"),
            "{row}"
        );
        for rule in promise["rules"].as_array().unwrap() {
            let files = rule["files"].as_u64().unwrap();
            assert!(files > 0, "{rule}");
            let shown = format!(
                "<li><code>{}</code> rule: {} file",
                rule["category"].as_str().unwrap(),
                files
            );
            assert!(row.contains(&shown), "{row} lacks {shown}");
        }
        // Every cell carries the header it stands under, for narrow screens.
        assert_eq!(row.matches("<td ").count(), 4, "{row}");
        assert_eq!(row.matches("<td data-label=\"").count(), 4, "{row}");
        assert!(!row.contains("style="), "{row}");
    }
    // The numbers and the digest change with every edit of the site; the
    // rest of each row is held by the snapshot.
    let numbers = regex_free_redact(&rows.join("\n"), short);
    insta::with_settings!({ snapshot_path => "generator/snapshots" }, {
        insta::assert_snapshot!("sample_security_promise_rows", numbers);
    });
}

/// `text` with the short digest and every run of digits before ` file` or
/// ` route` replaced.
fn regex_free_redact(text: &str, digest: &str) -> String {
    let text = text.replace(digest, "[digest]");
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            out.push_str(if c == ' ' { "[n]" } else { &digits });
            digits.clear();
        }
        out.push(c);
    }
    out.push_str(&digits);
    out
}
