//! The CLI contract: exit codes, output formats and redaction, checked by
//! running the built binary.

mod copy_tree;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use copy_tree::copy_dir;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bundle-validator"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn check(dir: &Path, format: &str) -> Output {
    run(&["check", dir.to_str().unwrap(), "--format", format])
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("output is UTF-8")
}

#[test]
fn clean_bundle_exits_zero_with_empty_findings() {
    let output = check(&fixture("all-pass-baseline/bundle"), "json");
    assert_eq!(output.status.code(), Some(0));
    let mut value: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let coverage = value
        .as_object_mut()
        .unwrap()
        .remove("coverage")
        .expect("a check reports its coverage");
    assert_eq!(
        value,
        serde_json::json!({ "findings": [], "groups": [], "rules": [], "suppressed": [] })
    );
    // One entry per category, in the rule table's order, none failing.
    let entries = coverage.as_array().unwrap();
    let names: Vec<&str> = entries
        .iter()
        .map(|c| c["category"].as_str().unwrap())
        .collect();
    let declared: Vec<&str> = bundle_validator::rule::categories()
        .iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, declared);
    for entry in entries {
        let mut keys: Vec<&String> = entry.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "category",
                "errors",
                "files",
                "outcome",
                "routes",
                "suppressed",
                "warnings"
            ]
        );
        assert_ne!(entry["outcome"], "fail", "{entry}");
        assert_eq!(entry["errors"], 0, "{entry}");
    }
    let inline = entries.iter().find(|c| c["category"] == "inline").unwrap();
    assert_eq!(inline["outcome"], "pass");
    assert!(inline["files"].as_u64().unwrap() > 0);
}

#[test]
fn error_findings_exit_one_with_the_json_contract() {
    let output = check(&fixture("inline-fail-handler/bundle"), "json");
    assert_eq!(output.status.code(), Some(1));
    let value: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let object = value.as_object().unwrap();
    assert_eq!(
        object.keys().collect::<Vec<_>>(),
        ["coverage", "findings", "groups", "rules", "suppressed"]
    );
    let findings = value["findings"].as_array().unwrap();
    // The category's coverage counts the same errors the findings list.
    let inline_errors = findings
        .iter()
        .filter(|f| f["severity"] == "error" && f["rule"].as_str().unwrap().starts_with("inline/"))
        .count();
    let inline = value["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "inline")
        .unwrap();
    assert_eq!(inline["outcome"], "fail");
    assert_eq!(inline["errors"], inline_errors);
    // Each rule with a finding is described once, from the rule table.
    let rules = value["rules"].as_array().unwrap();
    for finding in findings {
        let id = finding["rule"].as_str().unwrap();
        let described: Vec<&Value> = rules.iter().filter(|r| r["id"] == id).collect();
        assert_eq!(described.len(), 1, "{id}");
        let declared = bundle_validator::rule::lookup(id).unwrap();
        assert_eq!(described[0]["summary"], declared.summary);
        assert_eq!(described[0]["why"], declared.why);
        assert_eq!(described[0]["fix"], declared.fix);
        assert!(
            described[0]["help_uri"]
                .as_str()
                .unwrap()
                .starts_with("https://")
        );
    }
    assert!(!findings.is_empty());
    for finding in findings {
        let mut keys: Vec<&String> = finding.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["column", "file", "line", "message", "rule", "severity"]
        );
        let rule = finding["rule"].as_str().unwrap();
        let (category, name) = rule.split_once('/').unwrap();
        assert!(!category.is_empty() && !name.is_empty());
        assert!(matches!(
            finding["severity"].as_str(),
            Some("error" | "warning")
        ));
    }
    // Fields print in the documented order.
    let text = stdout(&output);
    let order: Vec<usize> = [
        "\"rule\"",
        "\"severity\"",
        "\"file\"",
        "\"line\"",
        "\"column\"",
        "\"message\"",
    ]
    .iter()
    .map(|key| text.find(key).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(findings.iter().any(|f| f["rule"] == "inline/event-handler"
        && f["file"] == "index.html"
        && f["line"] == 12
        && f["column"] == 5));
}

#[test]
fn warnings_alone_exit_zero() {
    let output = check(&fixture("cache-evasion-html-immutable/bundle"), "json");
    assert_eq!(output.status.code(), Some(1));
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path();
    std::fs::copy(
        fixture("all-pass-baseline/bundle/_headers"),
        bundle.join("_headers"),
    )
    .unwrap();
    std::fs::create_dir(bundle.join("assets")).unwrap();
    std::fs::write(bundle.join("assets/logo.svg"), "<svg></svg>").unwrap();
    let output = check(bundle, "json");
    let value: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(value["findings"][0]["severity"], "warning", "{value}");
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn could_not_run_exits_two() {
    let missing = run(&["check", "/nonexistent/bundle/dir", "--format", "json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stdout(&missing).is_empty());
    // The reason is given once, after what could not be done.
    let message = String::from_utf8_lossy(&missing.stderr);
    assert!(
        message.contains("/nonexistent/bundle/dir cannot be read: "),
        "{message}"
    );
    assert_eq!(message.matches("os error 2").count(), 1, "{message}");

    let bad_format = run(&["check", ".", "--format", "xml"]);
    assert_eq!(bad_format.status.code(), Some(2));

    let no_args = run(&[]);
    assert_eq!(no_args.status.code(), Some(2));

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("validator.yaml");
    std::fs::write(&config, "site_orign: https://typo.example\n").unwrap();
    let bad_config = run(&[
        "check",
        fixture("all-pass-baseline/bundle").to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(bad_config.status.code(), Some(2));
    // The unknown key is named with the file and line it is on.
    let stderr = String::from_utf8_lossy(&bad_config.stderr);
    assert!(stderr.contains("validator.yaml:1:"), "{stderr}");
    assert!(stderr.contains("site_orign"), "{stderr}");

    let file = fixture("all-pass-baseline/bundle/index.html");
    let not_dir = run(&["check", file.to_str().unwrap()]);
    assert_eq!(not_dir.status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_reported_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    copy_dir(&fixture("all-pass-baseline/bundle"), &bundle);
    let outside = dir.path().join("outside.txt");
    std::fs::write(&outside, "AKIAZ7QRSTUVWX234567\n").unwrap();
    std::os::unix::fs::symlink(&outside, bundle.join("notes.txt")).unwrap();
    std::os::unix::fs::symlink(dir.path(), bundle.join("up")).unwrap();
    let output = check(&bundle, "json");
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let unscanned: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "secret/unscanned-file" && f["severity"] == "error")
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(unscanned, ["notes.txt", "up"]);
    // The link's target was not read: its key is not reported.
    assert!(!stdout(&output).contains("aws-access-key"));
}

#[test]
fn human_output_reads_like_rustc() {
    let output = check(&fixture("inline-fail-handler/bundle"), "human");
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("human_inline_fail_handler", stdout(&output));
}

/// A CSP finding underlines the source expression at fault inside the
/// policy, in `_headers` and in a `<meta http-equiv>` policy.
#[test]
fn human_output_underlines_the_csp_source_expression() {
    let output = check(&fixture("csp-fail-unsafe-inline/bundle"), "human");
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    insta::assert_snapshot!("human_csp_fail_unsafe_inline", text);
    let block: Vec<&str> = text
        .split("\n\n")
        .find(|b| b.starts_with("error[csp/unsafe-inline]"))
        .expect("the unsafe-inline diagnostic")
        .lines()
        .collect();
    assert_eq!(
        underlined(block[3], block[4]),
        "'unsafe-inline'",
        "{block:?}"
    );

    let meta = stdout(&check(&fixture("csp-evasion-meta-only/bundle"), "human"));
    let block: Vec<&str> = meta
        .split("\n\n")
        .find(|b| b.starts_with("error[csp/missing]") && b.contains("<meta>"))
        .expect("the csp/missing diagnostic of the meta policy")
        .lines()
        .collect();
    assert!(
        underlined(block[3], block[4]).starts_with("default-src &#39;none&#39;;"),
        "{block:?}"
    );
}

/// The characters of a snippet line that the line below it underlines.
fn underlined(source: &str, underline: &str) -> String {
    let marks: Vec<bool> = underline.chars().map(|c| c == '^').collect();
    source
        .chars()
        .zip(marks.iter().chain(std::iter::repeat(&false)))
        .filter(|(_, marked)| **marked)
        .map(|(c, _)| c)
        .collect()
}

#[test]
fn secrets_are_never_printed_whole() {
    let dir = tempfile::tempdir().unwrap();
    let secret = format!("sk_live_{}", "4eC39HqLyjWDarjtT1zdp7dc9");
    let aws = format!("AKIA{}", "IOSFODNN7EXAMPLQ");
    std::fs::write(
        dir.path().join("app.js.map"),
        format!("{{\"version\":3,\"sourcesContent\":[\"const stripe = '{secret}'; const id = '{aws}';\"]}}"),
    )
    .unwrap();
    for format in ["human", "json", "sarif"] {
        let output = check(dir.path(), format);
        let text = stdout(&output);
        assert_eq!(output.status.code(), Some(1), "{format}: {text}");
        assert!(text.contains("secret/"), "{format}: {text}");
        assert!(
            !text.contains(&secret),
            "{format} leaks the Stripe key: {text}"
        );
        assert!(
            !text.contains(&secret[8..]),
            "{format} leaks the key body: {text}"
        );
        assert!(
            !text.contains(&aws),
            "{format} leaks the AWS key id: {text}"
        );
        assert!(!String::from_utf8_lossy(&output.stderr).contains(&secret));
    }
}

/// A token in a URL reaches messages (`link/broken`, `sri/*`) as well as
/// snippets: no format prints it whole.
#[test]
fn tokens_in_urls_are_never_printed_whole() {
    let bundle = fixture("secret-fail-token-in-url/bundle");
    let token = "ghp_Xk9mQ2vR7tL4pW8sZ3nB6cF1hJ5dG0aY2eK4";
    let access = "Zx81kq9Lm2Np7Rt4Vw6Yb3Dc5";
    for format in ["human", "json", "sarif"] {
        let output = check(&bundle, format);
        let text = stdout(&output);
        assert_eq!(output.status.code(), Some(1), "{format}: {text}");
        assert!(text.contains("link/broken"), "{format}: {text}");
        assert!(text.contains("sri/missing-integrity"), "{format}: {text}");
        assert!(!text.contains(token), "{format} leaks the token: {text}");
        assert!(
            !text.contains(&token[8..]),
            "{format} leaks the token body: {text}"
        );
        assert!(
            !text.contains(access),
            "{format} leaks the access token: {text}"
        );
    }
}

/// File names and snippets come from the bundle: in human output a
/// terminal escape or a bidirectional override is shown, not obeyed.
#[cfg(unix)]
#[test]
fn human_output_cannot_be_spoofed() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path();
    std::fs::copy(
        fixture("all-pass-baseline/bundle/_headers"),
        bundle.join("_headers"),
    )
    .unwrap();
    // `\u{202e}` makes `evil\u{202e}lmth.js` display as `eviljs.html`.
    let name = "evil\u{1b}[2K\u{202e}lmth.js";
    std::fs::write(
        bundle.join(name),
        "// \u{1b}]8;;https://x.example\u{7}hidden\u{2066}\r\nconst k = eval(location.hash);\n",
    )
    .unwrap();
    let output = check(bundle, "human");
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let deceptive = |c: char| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
    };
    assert!(!text.chars().any(deceptive), "{text:?}");
    assert!(text.contains("evil\\u{1b}[2K\\u{202e}lmth.js"), "{text}");
    let json = stdout(&check(bundle, "json"));
    assert!(!json.chars().any(deceptive), "{json:?}");
    // The name stays exact once the JSON is parsed.
    let value: Value = serde_json::from_str(&json).unwrap();
    assert!(
        value.to_string().contains("evil") && json.contains("\\u202e"),
        "{json}"
    );
    assert!(
        serde_json::to_string(&value).unwrap().contains('\u{202e}'),
        "the name must round-trip exactly"
    );
    // SARIF names files by URI, with every such character percent-encoded.
    let sarif = stdout(&check(bundle, "sarif"));
    assert!(!sarif.chars().any(deceptive), "{sarif:?}");
    assert!(sarif.contains("evil%1B%5B2K%E2%80%AElmth.js"), "{sarif}");
}

/// Entries that are not regular files are errors and are never opened: a
/// named pipe would block the check forever.
#[cfg(unix)]
#[test]
fn pipes_and_sockets_are_errors_and_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    copy_dir(&fixture("all-pass-baseline/bundle"), &bundle);
    let status = Command::new("mkfifo")
        .arg(bundle.join("feed.html"))
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    let _socket = std::os::unix::net::UnixListener::bind(bundle.join("app.sock")).unwrap();
    let output = check(&bundle, "json");
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let unscanned: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "secret/unscanned-file" && f["severity"] == "error")
        .map(|f| (f["file"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    assert_eq!(unscanned.len(), 2, "{unscanned:?}");
    assert_eq!(unscanned[0].0, "app.sock");
    assert!(unscanned[0].1.contains("socket"), "{unscanned:?}");
    assert_eq!(unscanned[1].0, "feed.html");
    assert!(unscanned[1].1.contains("named pipe"), "{unscanned:?}");
}

/// A name that is not UTF-8 is a finding, and the file is still read.
#[cfg(unix)]
#[test]
fn names_that_are_not_utf8_are_errors_and_still_read() {
    use std::os::unix::ffi::OsStrExt as _;
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path();
    let name = std::ffi::OsStr::from_bytes(b"conf\xffig.txt");
    std::fs::write(
        bundle.join(name),
        "AWS_ACCESS_KEY_ID=AKIAZ7QRSTUVWX234567\n",
    )
    .unwrap();
    let output = check(bundle, "json");
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let found: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["file"].as_str().unwrap()))
        .collect();
    assert!(
        found.contains(&("encoding/non-utf8-name", "conf\\xFFig.txt")),
        "{found:?}"
    );
    assert!(
        found.contains(&("secret/aws-access-key", "conf\\xFFig.txt")),
        "{found:?}"
    );
}

#[cfg(unix)]
#[test]
fn closed_pipe_on_stdout_keeps_the_verdict_and_does_not_panic() {
    use std::process::Stdio;
    // A reader that goes away before the report is written, as `| head`
    // does: the check must still end with its verdict, not a panic (101).
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let output = Command::new(env!("CARGO_BIN_EXE_bundle-validator"))
        .args([
            "check",
            fixture("inline-fail-handler/bundle").to_str().unwrap(),
        ])
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A bundle whose pages all repeat one template line with an inline
/// handler, and that has no `_headers`.
fn templated_bundle(pages: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("form-pass-lead/bundle"), dir.path());
    std::fs::remove_file(dir.path().join("_headers")).unwrap();
    for page in 0..pages {
        let folder = dir.path().join(format!("page{page}"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join("index.html"),
            format!(
                "<!doctype html>\n<title>Page {page}</title>\n\
                 <p>Text of page {page}.</p>\n<button onclick=\"track()\">Buy</button>\n"
            ),
        )
        .unwrap();
    }
    dir
}

#[test]
fn each_cause_is_reported_once_with_its_other_places() {
    let bundle = templated_bundle(12);
    let json: Value = serde_json::from_str(&stdout(&check(bundle.path(), "json"))).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let groups = json["groups"].as_array().unwrap();
    let of = |rule: &str| -> Vec<&Value> { groups.iter().filter(|g| g["rule"] == rule).collect() };
    // Every place is still a finding; the causes are grouped.
    let handler_places = findings
        .iter()
        .filter(|f| f["rule"] == "inline/event-handler")
        .count();
    assert_eq!(handler_places, 12);
    let handler = of("inline/event-handler");
    assert_eq!(handler.len(), 1, "{handler:?}");
    assert_eq!(handler[0]["count"], 12);
    assert_eq!(handler[0]["file"], "page0/index.html");
    assert_eq!(handler[0]["others"].as_array().unwrap().len(), 11);
    // Without `_headers`: one cause for the CSP, one for the headers.
    assert_eq!(of("csp/missing").len(), 1);
    assert_eq!(of("headers/missing-file").len(), 1);
    let header_rules = groups
        .iter()
        .filter(|g| g["rule"].as_str().unwrap().starts_with("headers/"))
        .count();
    assert_eq!(header_rules, 1);
    assert_eq!(
        groups
            .iter()
            .map(|g| g["count"].as_u64().unwrap())
            .sum::<u64>() as usize,
        findings.len()
    );

    let human = stdout(&check(bundle.path(), "human"));
    assert_eq!(human.matches("error[inline/event-handler]").count(), 1);
    assert!(
        human.contains("= note: the same in 11 more places: page1/index.html:4:9, "),
        "{human}"
    );
    assert!(human.contains(", and 1 more\n"), "{human}");
    let summary = human
        .lines()
        .find(|l| l.starts_with("inline/event-handler "))
        .expect("the summary table has a row per rule");
    let cells: Vec<&str> = summary.split_whitespace().collect();
    assert_eq!(cells, ["inline/event-handler", "error", "1", "12"]);

    let sarif: Value = serde_json::from_str(&stdout(&check(bundle.path(), "sarif"))).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let handler: Vec<&Value> = results
        .iter()
        .filter(|r| r["ruleId"] == "inline/event-handler")
        .collect();
    assert_eq!(handler.len(), 1);
    assert_eq!(handler[0]["relatedLocations"].as_array().unwrap().len(), 11);
    assert_eq!(results.len(), groups.len());
}

#[test]
fn a_baseline_fails_only_on_new_findings_and_names_what_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    copy_dir(&fixture("inline-fail-handler/bundle"), &bundle);
    let baseline = dir.path().join("baseline.json");
    let path = |p: &Path| p.to_str().unwrap().to_string();

    let written = run(&[
        "check",
        &path(&bundle),
        "--write-baseline",
        &path(&baseline),
    ]);
    assert_eq!(
        written.status.code(),
        Some(0),
        "writing a baseline adopts the findings"
    );
    let recorded: Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    let entries = recorded["entries"].as_array().unwrap();
    // Four inline findings and the policy's missing Trusted Types warning.
    assert_eq!(entries.len(), 5);

    let with_baseline = |format: &str| {
        run(&[
            "check",
            &path(&bundle),
            "--baseline",
            &path(&baseline),
            "--format",
            format,
        ])
    };
    let clean = with_baseline("json");
    assert_eq!(clean.status.code(), Some(0));
    let value: Value = serde_json::from_str(&stdout(&clean)).unwrap();
    assert_eq!(value["findings"], serde_json::json!([]));

    // Lines above the findings move them; they stay accepted. A new handler
    // fails; the inline <style> removed is named as gone.
    let page = bundle.join("index.html");
    let text = std::fs::read_to_string(&page).unwrap();
    let text = text
        .replacen("<body>", "<body>\n\n\n", 1)
        .replace("<style>h1 { color: red; }</style>", "")
        .replace("</main>", "<p onmouseover=\"x()\">new</p>\n</main>");
    std::fs::write(&page, text).unwrap();
    let after = with_baseline("json");
    assert_eq!(after.status.code(), Some(1));
    let value: Value = serde_json::from_str(&stdout(&after)).unwrap();
    let findings = value["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("onmouseover")
    );
    let stderr = String::from_utf8_lossy(&after.stderr);
    assert!(
        stderr.contains("accepted 4 findings; 1 entries no longer occur"),
        "{stderr}"
    );
    assert!(
        stderr.contains("no longer occurs: inline/style-element in index.html"),
        "{stderr}"
    );

    // SARIF carries the same fingerprints.
    let sarif: Value = serde_json::from_str(&stdout(&check(&bundle, "sarif"))).unwrap();
    let recorded: Vec<&str> = entries
        .iter()
        .map(|e| e["fingerprint"].as_str().unwrap())
        .collect();
    let in_sarif: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["partialFingerprints"]["bundleValidator/v1"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(in_sarif.len(), 5);
    assert_eq!(
        in_sarif.iter().filter(|f| recorded.contains(f)).count(),
        4,
        "the four old findings keep their fingerprints"
    );

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "[]").unwrap();
    let refused = run(&["check", &path(&bundle), "--baseline", &path(&broken)]);
    assert_eq!(refused.status.code(), Some(2));
}

#[test]
fn sarif_maps_the_bundle_into_the_source_root() {
    let root = tempfile::tempdir().unwrap();
    let bundle = root.path().join("site").join("dist");
    std::fs::create_dir_all(&bundle).unwrap();
    copy_dir(&fixture("inline-fail-handler/bundle"), &bundle);
    std::fs::rename(bundle.join("index.html"), bundle.join("índice.html")).unwrap();
    let output = run(&[
        "check",
        bundle.to_str().unwrap(),
        "--format",
        "sarif",
        "--source-root",
        root.path().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let log: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let run = &log["runs"][0];
    let uris: Vec<&str> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains(&"site/dist/%C3%ADndice.html"), "{uris:?}");
    let root_uri = run["originalUriBaseIds"]["SRCROOT"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        root_uri.starts_with("file:///") && root_uri.ends_with('/'),
        "{root_uri}"
    );

    let elsewhere = tempfile::tempdir().unwrap();
    let outside = run_check_with_root(&bundle, elsewhere.path());
    assert_eq!(outside.status.code(), Some(2));
}

fn run_check_with_root(bundle: &Path, root: &Path) -> Output {
    run(&[
        "check",
        bundle.to_str().unwrap(),
        "--format",
        "sarif",
        "--source-root",
        root.to_str().unwrap(),
    ])
}

#[test]
fn the_site_config_is_a_config() {
    let site_yaml = Path::new(env!("CARGO_MANIFEST_DIR")).join("../site.yaml");
    let output = run(&[
        "check",
        fixture("form-fail-missing-mailto/bundle").to_str().unwrap(),
        "--config",
        site_yaml.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let value: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(
        value["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "form/mailto-fallback"),
        "{value}"
    );
}

#[test]
fn suppressed_findings_pass_are_counted_and_stay_out_of_baselines() {
    let bundle = fixture("suppression-pass-inline-html/bundle");
    let human = run(&["check", bundle.to_str().unwrap()]);
    assert_eq!(human.status.code(), Some(0));
    let text = stdout(&human);
    assert!(
        text.ends_with(
            "ok: no findings; 4 suppressed (4 inline, 0 by config; `--format json` lists them)\n"
        ),
        "{text}"
    );
    let json = check(&bundle, "json");
    let value: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(value["findings"], serde_json::json!([]));
    assert_eq!(value["suppressed"].as_array().unwrap().len(), 4);

    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let written = run(&[
        "check",
        bundle.to_str().unwrap(),
        "--write-baseline",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(written.status.code(), Some(0));
    let recorded: Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(recorded["entries"], serde_json::json!([]));

    // The same page without its markers fails: the markers did the work.
    let copy = dir.path().join("bundle");
    copy_dir(&bundle, &copy);
    let page = copy.join("product/index.html");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, text.replace("bundle-validator:", "bundle validator")).unwrap();
    assert_eq!(check(&copy, "json").status.code(), Some(1));
}

/// Runs the binary with extra environment variables, and without the
/// colour variables of the environment the tests run in.
fn run_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bundle-validator"));
    command.args(args);
    for name in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM"] {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the binary runs")
}

/// A bundle whose only finding is a warning.
fn warnings_only_bundle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("all-pass-baseline/bundle/_headers"),
        dir.path().join("_headers"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("assets")).unwrap();
    std::fs::write(dir.path().join("assets/logo.svg"), "<svg></svg>").unwrap();
    dir
}

#[test]
fn quiet_prints_errors_only_and_keeps_the_exit_code() {
    let failing = fixture("inline-fail-handler/bundle");
    let failing = failing.to_str().unwrap();
    let loud = stdout(&run(&["check", failing]));
    assert!(
        loud.contains("warning[csp/missing-trusted-types]"),
        "{loud}"
    );
    let quiet = run(&["check", failing, "--quiet"]);
    assert_eq!(quiet.status.code(), Some(1));
    let text = stdout(&quiet);
    assert!(text.contains("error[inline/event-handler]"), "{text}");
    assert!(!text.contains("warning["), "{text}");
    assert!(!text.contains("severity  causes"), "{text}");
    assert!(
        text.ends_with("error: 4 errors, 1 warning in 2 files\n"),
        "{text}"
    );
    // Machine reports stay complete.
    let json = run(&["check", failing, "--quiet", "--format", "json"]);
    assert_eq!(json.status.code(), Some(1));
    assert!(stdout(&json).contains("csp/missing-trusted-types"));

    let clean = warnings_only_bundle();
    let clean = clean.path().to_str().unwrap();
    let quiet = run(&["check", clean, "-q"]);
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(stdout(&quiet), "", "nothing to say without an error");
    assert!(stdout(&run(&["check", clean])).contains("warning["));
}

#[test]
fn quiet_leaves_out_the_baseline_notes() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let bundle = fixture("inline-fail-handler/bundle");
    let (bundle, baseline) = (bundle.to_str().unwrap(), baseline.to_str().unwrap());
    let written = run(&["check", bundle, "--write-baseline", baseline, "-q"]);
    assert_eq!(written.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&written.stderr).is_empty());
    let applied = run(&["check", bundle, "--baseline", baseline, "--quiet"]);
    assert_eq!(applied.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&applied.stderr).is_empty());
    assert_eq!(stdout(&applied), "");
}

#[test]
fn colour_follows_the_flag_the_terminal_and_no_color() {
    let bundle = fixture("inline-fail-handler/bundle");
    let bundle = bundle.to_str().unwrap();
    let escape = |output: &Output| stdout(output).contains('\u{1b}');
    // A pipe is not a terminal: `auto` does not colour it.
    let auto = run_with_env(&["check", bundle], &[]);
    assert!(!escape(&auto));
    let always = run_with_env(&["check", bundle, "--color", "always"], &[]);
    assert!(escape(&always));
    assert_eq!(always.status.code(), Some(1));
    // The colours are only styles around the same text.
    let plain = stdout(&auto);
    let stripped = strip_ansi(&stdout(&always));
    assert_eq!(stripped, plain);
    let never = run_with_env(
        &["check", bundle, "--color", "never"],
        &[("CLICOLOR_FORCE", "1")],
    );
    assert!(!escape(&never));
    let forced = run_with_env(&["check", bundle], &[("CLICOLOR_FORCE", "1")]);
    assert!(escape(&forced));
    let no_color = run_with_env(
        &["check", bundle],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert!(!escape(&no_color));
    // An empty NO_COLOR is unset.
    let empty = run_with_env(
        &["check", bundle],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")],
    );
    assert!(escape(&empty));
    // Colour never reaches JSON or SARIF.
    for format in ["json", "sarif"] {
        let output = run_with_env(
            &["check", bundle, "--format", format, "--color", "always"],
            &[],
        );
        assert!(!escape(&output), "{format}");
        serde_json::from_str::<Value>(&stdout(&output)).unwrap();
    }
    let bad = run(&["check", bundle, "--color", "sometimes"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// `text` without ANSI SGR sequences (`ESC [ … m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn output_writes_the_report_to_a_file_and_the_summary_to_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = fixture("inline-fail-handler/bundle");
    let bundle = bundle.to_str().unwrap();
    let file = dir.path().join("report.sarif");
    let output = run_with_env(
        &[
            "check",
            bundle,
            "--format",
            "sarif",
            "--output",
            file.to_str().unwrap(),
            "--color",
            "always",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("4 errors, 1 warning in 2 files (report in "),
        "{stderr}"
    );
    let written = std::fs::read_to_string(&file).unwrap();
    let log: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(log["version"], "2.1.0");
    // The same report as on standard output.
    assert_eq!(written, stdout(&check(Path::new(bundle), "sarif")));

    // Human text in a file is never coloured.
    let human = dir.path().join("report.txt");
    let output = run_with_env(
        &[
            "check",
            bundle,
            "-o",
            human.to_str().unwrap(),
            "--color",
            "always",
        ],
        &[("CLICOLOR_FORCE", "1")],
    );
    assert_eq!(output.status.code(), Some(1));
    let text = std::fs::read_to_string(&human).unwrap();
    assert!(!text.contains('\u{1b}'));
    assert!(text.contains("error[inline/event-handler]"));

    // Quiet and clean: nothing on either stream.
    let clean = warnings_only_bundle();
    let quiet = run(&[
        "check",
        clean.path().to_str().unwrap(),
        "-q",
        "-o",
        dir.path().join("clean.json").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(quiet.status.code(), Some(0));
    assert!(quiet.stderr.is_empty() && quiet.stdout.is_empty());

    // A report that cannot be written is a run that failed.
    let nowhere = dir.path().join("missing-folder/report.json");
    let failed = run(&["check", bundle, "--output", nowhere.to_str().unwrap()]);
    assert_eq!(failed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("cannot write the report to"));
}

/// Escapes drawn before a finding move its underline with them.
#[cfg(unix)]
#[test]
fn underlines_stay_under_the_token_after_escapes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("all-pass-baseline/bundle/_headers"),
        dir.path().join("_headers"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app.js"),
        "const a = \"\u{1b}[2J\u{202e}\"; eval(location.hash);\n",
    )
    .unwrap();
    let text = stdout(&check(dir.path(), "human"));
    insta::assert_snapshot!("human_escaped_underline", text);
    let block: Vec<&str> = text
        .split("\n\n")
        .find(|b| b.starts_with("error[sink/"))
        .expect("a sink finding")
        .lines()
        .collect();
    assert!(block[3].contains("\\u{1b}[2J\\u{202e}"), "{block:?}");
    assert!(
        underlined(block[3], block[4]).starts_with("eval"),
        "{block:?}"
    );
}

/// Dates are judged at `--now`, else at `SOURCE_DATE_EPOCH`: the same
/// bundle is current before its `Expires` and expired after it, and a
/// clock that is not a time stops the run.
#[test]
fn the_clock_comes_from_now_or_source_date_epoch() {
    let dir = fixture("securitytxt-pass-signed-well-known/bundle");
    let dir = dir.to_str().unwrap();
    let expired = |output: &Output| {
        let value: Value = serde_json::from_str(&stdout(output)).unwrap();
        value["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "securitytxt/expires")
    };
    let before = run(&[
        "check",
        dir,
        "--format",
        "json",
        "--now",
        "2026-06-01T00:00:00Z",
    ]);
    assert!(!expired(&before));
    let after = run(&["check", dir, "--format", "json", "--now", "1900000000"]);
    assert!(expired(&after));
    let from_env = Command::new(env!("CARGO_BIN_EXE_bundle-validator"))
        .args(["check", dir, "--format", "json"])
        .env("SOURCE_DATE_EPOCH", "1900000000")
        .output()
        .unwrap();
    assert!(expired(&from_env));
    let bad = run(&["check", dir, "--now", "yesterday"]);
    assert_eq!(bad.status.code(), Some(2));
}
