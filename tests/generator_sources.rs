//! Findings of a build at their source: a finding in a page's Markdown is
//! reported at the Markdown file and line first, in the human output and
//! as SARIF's primary location, with the built file after it.

#[path = "generator/support.rs"]
mod support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// The fixture site with `content/x.md`, whose line 9 holds a link to a
/// page that does not exist.
fn site_with_broken_link() -> tempfile::TempDir {
    let work = tempfile::tempdir().unwrap();
    support::copy_dir(&support::fixtures().join("site"), &work.path().join("site"));
    std::fs::write(
        work.path().join("site/content/x.md"),
        "---\ntitle: X\n---\n\n# X\n\nSome words about the product,\n\
         over two lines. Then read the\n[missing guide](/guides/nowhere/) first.\n",
    )
    .unwrap();
    work
}

fn build(work: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_baystore-site"))
        .arg("build")
        .arg("--site")
        .arg(work.join("site"))
        .arg("--out")
        .arg(work.join("dist"))
        .args(extra)
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("the generator runs")
}

#[test]
fn a_broken_link_in_markdown_is_reported_at_its_markdown_line() {
    let work = site_with_broken_link();
    let human = build(work.path(), &[]);
    assert_eq!(human.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&human.stderr);
    let block: Vec<&str> = stderr
        .split("\n\n")
        .find(|b| b.contains("error[link/broken]") && b.contains("nowhere"))
        .unwrap_or_else(|| panic!("no link/broken diagnostic in {stderr}"))
        .lines()
        .skip_while(|l| !l.starts_with("error[link/broken]"))
        .collect();
    // The source an author edits comes first, the built file second.
    assert_eq!(block[1].trim_start(), "--> content/x.md:9:1", "{block:?}");
    assert!(
        block[2].trim_start().starts_with("::: x/index.html:"),
        "{block:?}"
    );

    let sarif_file = work.path().join("build.sarif");
    let sarif = build(
        work.path(),
        &[
            "--format",
            "sarif",
            "--output",
            sarif_file.to_str().unwrap(),
        ],
    );
    assert_eq!(sarif.status.code(), Some(1));
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif_file).unwrap()).unwrap();
    let run = &log["runs"][0];
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["ruleId"] == "link/broken"
                && r["message"]["text"].as_str().unwrap().contains("nowhere")
        })
        .expect("the broken link is a result");
    let primary = &result["locations"][0]["physicalLocation"];
    assert_eq!(primary["artifactLocation"]["uri"], "content/x.md");
    assert_eq!(primary["artifactLocation"]["uriBaseId"], "SRCROOT");
    assert_eq!(primary["region"]["startLine"], 9);
    let built = &result["relatedLocations"][0]["physicalLocation"];
    assert_eq!(built["artifactLocation"]["uri"], "x/index.html");
    assert_eq!(built["artifactLocation"]["uriBaseId"], "BUNDLE");
    let root = run["originalUriBaseIds"]["SRCROOT"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        root.starts_with("file:///") && root.ends_with("/site/"),
        "{root}"
    );

    let json = build(work.path(), &["--format", "json"]);
    assert_eq!(json.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "link/broken" && f["file"] == "x/index.html")
        .expect("the finding names the built file");
    assert_eq!(finding["source"]["file"], "content/x.md");
    assert_eq!(finding["source"]["line"], 9);
}
