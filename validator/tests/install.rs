//! The validator installs as a user installs it, and the CI example of the
//! repository's README works as written.
//!
//! The test that runs `cargo install` compiles the crate once more, so a
//! plain `cargo test` skips it; `scripts/test.sh` runs it with `--ignored`
//! (a debug build, offline, into a temporary root, reusing the target
//! folder).

mod copy_tree;

use std::path::{Path, PathBuf};
use std::process::Command;

use copy_tree::copy_dir;
use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate lies in the workspace")
        .to_path_buf()
}

/// The shell lines between the `ci-example` markers of a README.
fn ci_example(readme: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(readme).expect("the README is readable");
    let block = text
        .split("<!-- ci-example -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- /ci-example -->").next())
        .expect("the README marks its CI example");
    let body = block
        .trim()
        .strip_prefix("```sh")
        .and_then(|b| b.strip_suffix("```"))
        .expect("the CI example is one sh code block");
    body.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// The `cargo install` line of the example, made to install from this
/// checkout: the same crate the `--git` URL names, without the network.
fn install_from_checkout(line: &str, root: &Path, target: &Path) -> Command {
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(&words[..2], ["cargo", "install"], "{line}");
    let mut command = Command::new("cargo");
    command.arg("install");
    let mut rest = words[2..].iter();
    while let Some(word) = rest.next() {
        match *word {
            "--git" => {
                let url = rest.next().expect("--git names a repository");
                assert_eq!(*url, env!("CARGO_PKG_REPOSITORY"), "{line}");
                command.arg("--path").arg(repo_root().join("validator"));
            }
            // With `--path`, the folder names the crate.
            "bundle-validator" => {}
            other => {
                command.arg(other);
            }
        }
    }
    command
        .args(["--debug", "--offline", "--root"])
        .arg(root)
        .arg("--target-dir")
        .arg(target)
        .arg("--quiet");
    command
}

#[test]
fn the_ci_example_installs_this_repository_and_is_documented_once() {
    let lines = ci_example(&repo_root().join("README.md"));
    assert_eq!(lines.len(), 2, "{lines:?}");
    let install = &lines[0];
    assert!(install.starts_with("cargo install --locked "), "{install}");
    assert!(
        install.contains(&format!("--git {}", env!("CARGO_PKG_REPOSITORY"))),
        "{install}"
    );
    assert!(install.ends_with(" bundle-validator"), "{install}");
    assert!(lines[1].starts_with("bundle-validator check "), "{lines:?}");
    // The crate's own README shows the same commands.
    let crate_readme = std::fs::read_to_string(repo_root().join("validator/README.md")).unwrap();
    for line in &lines {
        assert!(
            crate_readme.contains(line.as_str()),
            "validator/README.md lacks {line}"
        );
    }
    assert!(crate_readme.contains("cargo install --locked --path validator"));
}

#[test]
fn the_crate_carries_its_metadata_and_ships_stripped_and_optimised() {
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(repo_root())
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "{output:?}");
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    let package = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "bundle-validator")
        .expect("the workspace has the validator");
    for key in ["description", "license", "repository", "readme"] {
        assert!(
            package[key].as_str().is_some_and(|v| !v.is_empty()),
            "{key} is missing"
        );
    }
    assert!(!package["keywords"].as_array().unwrap().is_empty());
    assert!(!package["categories"].as_array().unwrap().is_empty());
    let manifest = std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
    let release = manifest
        .split("[profile.release]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .expect("the workspace has a release profile");
    assert!(
        release.lines().any(|l| l.trim() == "strip = true"),
        "{release}"
    );
    // BENCHMARKS.md measures release binaries built with whole-program
    // optimisation; without it every shipped build is about an eighth
    // slower.
    for setting in ["lto = \"fat\"", "codegen-units = 1"] {
        assert!(
            release.lines().any(|l| l.trim() == setting),
            "{setting} is missing: {release}"
        );
    }
}

/// Action inputs and steps: installs, checks with the inputs, uploads
/// SARIF with code scanning's action.
#[test]
fn the_composite_action_installs_checks_and_uploads() {
    let text = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let action: Value = serde_saphyr::from_str(&text).expect("action.yml is YAML");
    assert_eq!(action["runs"]["using"], "composite");
    for input in ["bundle", "config", "baseline", "version"] {
        assert!(action["inputs"][input].is_object(), "input {input}");
    }
    let steps = action["runs"]["steps"].as_array().unwrap();
    let scripts: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert!(scripts.iter().any(|s| s.contains("cargo install --locked")));
    assert!(
        scripts
            .iter()
            .any(|s| s.contains("check \"$BUNDLE\" --format sarif --output \"$SARIF\""))
    );
    // No input is pasted into a script, where it could become shell code.
    for script in &scripts {
        assert!(!script.contains("${{"), "{script}");
    }
    assert!(steps.iter().any(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
    }));
}

#[test]
#[ignore = "compiles the crate once more; scripts/test.sh runs it"]
fn cargo_install_and_the_ci_example_work() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    let site = work.path().join("site");
    copy_dir(
        &repo_root().join("validator/tests/fixtures/all-pass-baseline/bundle"),
        &site.join("dist"),
    );
    // The integration test runs from `<target>/debug/deps`; the target
    // folder is reused so that only the binary is built again.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target folder")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(root.join("bin")).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let lines = ci_example(&repo_root().join("README.md"));
    let run = |line: &str| {
        let mut command = if line.starts_with("cargo install") {
            install_from_checkout(line, &root, &target)
        } else {
            let mut shell = Command::new("sh");
            shell.arg("-c").arg(line);
            shell
        };
        command
            .current_dir(&site)
            .env("PATH", &path)
            .output()
            .expect("the command runs")
    };
    for line in &lines {
        let output = run(line);
        assert!(
            output.status.success(),
            "{line}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let installed = root.join("bin/bundle-validator");
    let version = Command::new(&installed).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("bundle-validator {}", env!("CARGO_PKG_VERSION"))
    );
    let sarif = |site: &Path| -> Value {
        serde_json::from_str(&std::fs::read_to_string(site.join("bundle.sarif")).unwrap()).unwrap()
    };
    let clean = sarif(&site);
    assert_eq!(clean["version"], "2.1.0");
    assert_eq!(clean["runs"][0]["results"], serde_json::json!([]));

    // The same check fails the job on a bundle with an error, and its
    // SARIF names the files as repository paths.
    std::fs::remove_dir_all(site.join("dist")).unwrap();
    copy_dir(
        &repo_root().join("validator/tests/fixtures/inline-fail-handler/bundle"),
        &site.join("dist"),
    );
    let failed = run(&lines[1]);
    assert_eq!(failed.status.code(), Some(1));
    let log = sarif(&site);
    let uris: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains(&"dist/index.html"), "{uris:?}");
}
