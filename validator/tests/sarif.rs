//! The SARIF output validates against the official SARIF 2.1.0 JSON schema.
//!
//! The schema file ships in the npm package `@microsoft/jest-sarif`
//! (`lib/schemas/sarif-2.1.0-rtm.5.json`, the final 2.1.0 schema), which
//! the project's setup installs into `node_modules/`. `SARIF_SCHEMA` may
//! point elsewhere.

use std::path::{Path, PathBuf};

use bundle_validator::{Config, check, output};
use serde_json::Value;

fn schema_path() -> PathBuf {
    std::env::var_os("SARIF_SCHEMA").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json")
        },
        PathBuf::from,
    )
}

fn escape_lone_brackets(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match child {
                    Value::String(text) if key == "pattern" && text.contains("}]?$") => {
                        *text = text.replace("}]?$", "}\\]?$");
                    }
                    _ => escape_lone_brackets(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(escape_lone_brackets),
        _ => {}
    }
}

#[test]
fn sarif_output_matches_the_official_schema() {
    let path = schema_path();
    let schema_text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("SARIF schema not installed ({e}); run the setup script to install it");
            return;
        }
        Err(e) => panic!("SARIF schema missing at {}: {e}", path.display()),
    };
    let mut schema: Value = serde_json::from_str(&schema_text).expect("the schema is JSON");
    // The schema's `language` patterns end in `]?$`: a lone `]` is a
    // literal in ECMAScript regexes but a syntax error for Rust's regex
    // engine, so escape it to the same meaning before compiling.
    escape_lone_brackets(&mut schema);
    let validator = jsonschema::options()
        .should_validate_formats(false)
        .build(&schema)
        .expect("the schema compiles");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut checked = 0;
    for name in [
        "all-pass-baseline",
        "inline-fail-handler",
        "csp-evasion-meta-only",
        "admin-evasion-encoded",
        // Findings of one cause in several files: related locations.
        "cache-fail-short-cache",
    ] {
        let report = check(&fixtures.join(name).join("bundle"), &Config::default()).unwrap();
        let log = output::sarif(&report);
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        let rendered: Value =
            serde_json::from_str(&output::render(&report, output::Format::Sarif)).unwrap();
        assert_eq!(rendered, log);
        // One result per cause; every other place is a related location.
        let results = log["runs"][0]["results"].as_array().unwrap();
        let places: usize = results
            .iter()
            .map(|r| 1 + r["relatedLocations"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(places, report.findings.len());
        assert_eq!(
            results.len(),
            bundle_validator::group::groups(&report.findings).len()
        );
        checked += 1;
    }
    assert_eq!(checked, 5);

    // `verify` findings are located at served URLs: absolute URIs, two
    // URLs with one cause making a related location.
    let served = |url: &str| bundle_validator::Finding {
        rule: "served/worker-route".into(),
        severity: bundle_validator::Severity::Error,
        file: url.into(),
        line: None,
        column: None,
        message: "a GET probe got 404 instead of 405".into(),
        snippet: None,
        help: None,
        span: None,
        source: None,
    };
    let report = bundle_validator::Report {
        findings: vec![
            served("https://baystore.example/a/event"),
            served("https://baystore.example/lead"),
        ],
        suppressed: Vec::new(),
        coverage: Vec::new(),
    };
    let log = output::sarif(&report);
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "served: {errors:#?}");
    let result = &log["runs"][0]["results"][0];
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "https://baystore.example/a/event"
    );
    assert_eq!(
        result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "https://baystore.example/lead"
    );

    // Suppressed findings are results with `suppressions`, inline and
    // from the config.
    for name in [
        "suppression-pass-inline-html",
        "suppression-pass-config-path",
    ] {
        let dir = fixtures.join(name);
        let config_path = dir.join("validator.yaml");
        let config = if config_path.exists() {
            Config::from_file(&config_path).unwrap()
        } else {
            Config::default()
        };
        let report = check(&dir.join("bundle"), &config).unwrap();
        assert!(!report.suppressed.is_empty(), "{name}");
        let log = output::sarif(&report);
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        let suppressed = log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r.get("suppressions").is_some())
            .count();
        assert_eq!(suppressed, report.suppressed.len(), "{name}");
    }

    // Locations mapped into a repository, with a non-ASCII file name.
    let mut report = check(
        &fixtures.join("inline-fail-handler/bundle"),
        &Config::default(),
    )
    .unwrap();
    report.findings[0].file = "café/ü ber.html".into();
    let options = output::SarifOptions {
        bundle_in_root: Some("site/dist".into()),
        root_uri: Some("file:///repo/".into()),
        site_in_root: None,
    };
    let mapped = output::sarif_with(&report, &options);
    let errors: Vec<String> = validator
        .iter_errors(&mapped)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let uri = &mapped["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"];
    assert_eq!(uri, "site/dist/caf%C3%A9/%C3%BC%20ber.html");

    // Findings traced to a site's sources, placed in the site folder and
    // nowhere: still valid, with the sources as primary locations.
    for site_in_root in [Some("site".to_string()), None] {
        let mut traced = report.clone();
        for finding in &mut traced.findings {
            finding.source = Some(bundle_validator::SourceLocation {
                file: "content/índice.md".into(),
                line: Some(4),
                column: Some(2),
                template: None,
            });
        }
        let options = output::SarifOptions {
            site_in_root: site_in_root.clone(),
            ..output::SarifOptions::default()
        };
        let log = output::sarif_with(&traced, &options);
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{site_in_root:?}: {errors:#?}");
        let primary = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
        assert!(
            primary["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .ends_with("content/%C3%ADndice.md")
        );
    }

    // The validator is live: a log with an invalid level is rejected.
    let report = check(
        &fixtures.join("inline-fail-handler/bundle"),
        &Config::default(),
    )
    .unwrap();
    let mut broken = output::sarif(&report);
    broken["runs"][0]["results"][0]["level"] = Value::String("fatal".into());
    assert!(!validator.is_valid(&broken));
}
