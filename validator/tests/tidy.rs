//! Tidy checks that keep the documentation honest: every rule id the
//! validator can emit is declared in the rule table, the README's rule
//! tables are the rule table, and the usage the README shows is the usage
//! the binary accepts.
//!
//! `TIDY_BLESS=1 cargo test -p bundle-validator --test tidy` rewrites the
//! README's rule tables from the rule table.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use bundle_validator::rule::{self, Category};

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    std::fs::read_to_string(crate_dir().join("README.md")).expect("validator README is readable")
}

/// Every string literal of the form `"category/name"` in the sources, for
/// a declared category: the rule ids the validator can emit.
fn rule_ids_in_sources() -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut pending = vec![crate_dir().join("src")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("source folder is readable") {
            let path = entry.expect("source entry is readable").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source file is readable");
                ids.extend(quoted_rule_ids(&text));
            }
        }
    }
    ids
}

fn quoted_rule_ids(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split('"').skip(1).step_by(2).filter_map(|literal| {
        let (category, name) = literal.split_once('/')?;
        let is_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let declared = rule::categories().iter().any(|c| c.name == category);
        (declared && is_name).then(|| literal.to_string())
    })
}

#[test]
fn every_rule_id_in_the_sources_is_declared() {
    let ids = rule_ids_in_sources();
    // Fewer than one id a category would mean the scan above found nothing.
    assert!(
        ids.len() >= rule::categories().len(),
        "only {} rule ids found in the sources",
        ids.len()
    );
    let undeclared: Vec<_> = ids.iter().filter(|id| rule::lookup(id).is_none()).collect();
    assert!(
        undeclared.is_empty(),
        "rule ids used in the sources but not declared in a CATEGORY: {undeclared:?}"
    );
}

/// The byte range of a category's rule table in the README: the first run
/// of lines starting with `|` in its section, or an empty range at the end
/// of the section when it has none yet. `None` without a section.
fn table_range(readme: &str, category: &Category) -> Option<std::ops::Range<usize>> {
    let heading = format!("\n### {}\n", category.heading());
    let start = readme.find(&heading)? + heading.len();
    let rest = &readme[start..];
    let end = start
        + ["\n### ", "\n## "]
            .iter()
            .filter_map(|next| rest.find(next))
            .min()
            .unwrap_or(rest.len())
        + 1;
    let mut offset = start;
    let mut table: Option<std::ops::Range<usize>> = None;
    for line in readme[start..end].split_inclusive('\n') {
        if line.starts_with('|') {
            let range = table.get_or_insert(offset..offset);
            range.end = offset + line.len();
        } else if table.is_some() {
            break;
        }
        offset += line.len();
    }
    Some(table.unwrap_or(end..end))
}

#[test]
fn readme_rule_tables_are_the_rule_table() {
    let mut text = readme();
    let bless = std::env::var_os("TIDY_BLESS").is_some();
    let mut problems = Vec::new();
    // Back to front, so that rewriting one table keeps the ranges of the
    // ones before it.
    for category in rule::categories().iter().rev() {
        let Some(range) = table_range(&text, category) else {
            problems.push(format!(
                "validator/README.md has no section `### {}`",
                category.heading()
            ));
            continue;
        };
        let expected = category.markdown_table();
        if text[range.clone()] != expected {
            if bless {
                let replacement = if range.is_empty() {
                    format!("{expected}\n")
                } else {
                    expected
                };
                text.replace_range(range, &replacement);
            } else {
                problems.push(format!(
                    "the `{}` table in validator/README.md differs from the rule table; \
                     expected:\n{expected}",
                    category.name
                ));
            }
        }
    }
    if bless {
        std::fs::write(crate_dir().join("README.md"), &text).expect("README is writable");
    }
    // A row for a rule that is not declared would document a rule that
    // does not exist.
    for line in text.lines().filter(|l| l.starts_with("| `")) {
        let id = line[3..].split('`').next().unwrap_or_default();
        if id.contains('/') && rule::lookup(id).is_none() {
            problems.push(format!("README documents `{id}`, which is not declared"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn readme_usage_matches_the_cli() {
    let help = Command::new(env!("CARGO_BIN_EXE_bundle-validator"))
        .args(["check", "--help"])
        .output()
        .expect("the validator binary runs");
    let help = String::from_utf8(help.stdout).expect("help is UTF-8");
    let readme = readme();
    // Every flag of `check --help` is in the README's usage block, and
    // every flag there is one the CLI has.
    let usage = readme
        .split("## Usage")
        .nth(1)
        .and_then(|rest| rest.split("| option |").next())
        .expect("the README has a usage block");
    let flags = |text: &str| -> std::collections::BTreeSet<String> {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .filter(|word| word.starts_with("--") && word.len() > 2)
            .map(str::to_string)
            .collect()
    };
    let mut offered = flags(&help);
    offered.remove("--help");
    // Only the lines of `bundle-validator check` itself (not `cargo run`).
    let documented = flags(
        &usage
            .lines()
            .skip_while(|line| !line.starts_with("bundle-validator check"))
            .take_while(|line| !line.starts_with("cargo "))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    assert_eq!(
        offered, documented,
        "README usage and `check --help` differ"
    );
    for flag in [
        "--config",
        "--format",
        "--output",
        "--quiet",
        "--color",
        "--baseline",
        "--write-baseline",
        "--source-root",
    ] {
        assert!(help.contains(flag), "the CLI lost {flag}");
    }
    for format in ["human", "json", "sarif"] {
        assert!(
            help.contains(format),
            "the CLI no longer offers the {format} format"
        );
    }
}

#[test]
fn readme_verify_usage_matches_the_cli() {
    let help = Command::new(env!("CARGO_BIN_EXE_bundle-validator"))
        .args(["verify", "--help"])
        .output()
        .expect("the validator binary runs");
    let help = String::from_utf8(help.stdout).expect("help is UTF-8");
    let flags = |text: &str| -> BTreeSet<String> {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .filter(|word| word.starts_with("--") && word.len() > 2)
            .map(str::to_string)
            .collect()
    };
    let mut offered = flags(&help);
    offered.remove("--help");
    let readme = readme();
    let section = readme
        .split("## Verifying the site as served")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the README documents verify");
    // The usage lines of `bundle-validator verify URL` (the block's first
    // command and its continuation lines).
    let usage: Vec<&str> = section
        .lines()
        .skip_while(|line| !line.starts_with("bundle-validator verify URL"))
        .take_while(|line| line.starts_with("bundle-validator verify URL") || line.starts_with(' '))
        .collect();
    assert_eq!(
        offered,
        flags(&usage.join("\n")),
        "README verify usage and `verify --help` differ"
    );
}

/// The network is `verify`'s alone: no source file outside
/// `src/verify/` names the HTTP client, its runtime or a socket, so
/// nothing `check` runs can make a request.
#[test]
fn only_verify_touches_the_network() {
    const NETWORK: &[&str] = &[
        "hyper",
        "tokio",
        "rustls",
        "std::net",
        "TcpStream",
        "UdpSocket",
    ];
    let src = crate_dir().join("src");
    let mut offenders = Vec::new();
    let mut pending = vec![src.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("source folder is readable") {
            let path = entry.expect("source entry is readable").path();
            if path == src.join("verify") {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source is readable");
                for word in NETWORK {
                    if text.contains(word) {
                        offenders.push(format!("{} names {word}", path.display()));
                    }
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}
