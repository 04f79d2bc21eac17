//! Tidy checks that keep the documentation honest: every rule id the
//! validator can emit is documented in its README, and the usage the README
//! shows is the usage the binary accepts.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const CATEGORIES: &[&str] = &[
    "csp", "headers", "script", "inline", "sri", "sink", "admin", "consent", "form", "payment",
    "secret", "claims", "link", "sitemap", "cache", "encoding",
];

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    std::fs::read_to_string(crate_dir().join("README.md")).expect("validator README is readable")
}

/// Every string literal of the form `"category/name"` in the sources: the
/// rule ids the validator can emit.
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
        (CATEGORIES.contains(&category) && is_name).then(|| literal.to_string())
    })
}

#[test]
fn every_emitted_rule_id_is_documented_in_the_readme() {
    let ids = rule_ids_in_sources();
    // Fewer than one id a category would mean the scan above found nothing.
    assert!(
        ids.len() >= CATEGORIES.len(),
        "only {} rule ids found in the sources",
        ids.len()
    );
    let readme = readme();
    let undocumented: Vec<_> = ids
        .iter()
        .filter(|id| !readme.contains(&format!("`{id}`")))
        .collect();
    assert!(
        undocumented.is_empty(),
        "rule ids missing from validator/README.md: {undocumented:?}"
    );
}

#[test]
fn every_category_has_a_readme_section() {
    let readme = readme();
    for category in CATEGORIES {
        assert!(
            readme.contains(&format!("### {category} ")),
            "validator/README.md has no section for `{category}`"
        );
    }
}

#[test]
fn readme_usage_matches_the_cli() {
    let help = Command::new(env!("CARGO_BIN_EXE_bundle-validator"))
        .args(["check", "--help"])
        .output()
        .expect("the validator binary runs");
    let help = String::from_utf8(help.stdout).expect("help is UTF-8");
    let readme = readme();
    assert!(
        readme.contains("bundle-validator check DIR [--config FILE] [--format human|json|sarif]")
    );
    for flag in ["--config", "--format"] {
        assert!(help.contains(flag), "the CLI lost {flag}");
    }
    for format in ["human", "json", "sarif"] {
        assert!(
            help.contains(format),
            "the CLI no longer offers the {format} format"
        );
    }
}
