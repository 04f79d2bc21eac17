//! The README's key tables are the content model's documentation: every
//! key the generator accepts in front matter, in a section's `_index.md`,
//! in `site.yaml` and in a taxonomy declaration must have its row. The
//! accepted keys are read from the generator itself (the list its
//! unknown-key errors give), so a key added in code without a row in
//! the README fails here.

use baystore_site::config::SiteConfig;
use baystore_site::content::parse_page;

const BASE: &str = "name: S\nbase_url: https://s.example\ncontact_email: a@s.example\n";

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

/// The keys an unknown-key error says were expected.
fn expected_keys(error: &str) -> Vec<String> {
    let list = error
        .split("expected one of ")
        .nth(1)
        .unwrap_or_else(|| panic!("no list of keys in: {error}"));
    list.split(',')
        .map(|key| key.trim().trim_matches('`').to_string())
        .filter(|key| !key.is_empty())
        .collect()
}

/// Every key written in backticks in the first column of the first
/// table after the heading `heading`.
fn table_keys(readme: &str, heading: &str) -> Vec<String> {
    let mut lines = readme.lines().skip_while(|line| line.trim() != heading);
    assert!(lines.next().is_some(), "README has no heading {heading:?}");
    let rows: Vec<&str> = lines
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2)
        .collect();
    assert!(!rows.is_empty(), "no table under {heading:?}");
    let mut keys = Vec::new();
    for row in rows {
        let first = row.trim_start_matches('|').split('|').next().unwrap();
        keys.extend(
            first
                .split('`')
                .skip(1)
                .step_by(2)
                .map(|key| key.to_string()),
        );
    }
    keys
}

fn assert_documented(accepted: &[String], documented: &[String], what: &str) {
    let missing: Vec<&String> = accepted
        .iter()
        .filter(|key| !documented.contains(key))
        .collect();
    assert!(
        missing.is_empty(),
        "{what} keys the generator accepts but the README table lacks: {missing:?}"
    );
}

#[test]
fn every_front_matter_key_has_a_row() {
    let error = parse_page(
        "a.md",
        "---\ntitle: A\nnot_a_key: 1\n---\n",
        &SiteConfig::parse(BASE).unwrap(),
    )
    .unwrap_err()
    .to_string();
    let accepted = expected_keys(&error);
    assert!(accepted.contains(&"taxonomies".to_string()), "{accepted:?}");
    assert_documented(
        &accepted,
        &table_keys(&readme(), "### Front matter"),
        "front matter",
    );
}

#[test]
fn every_section_key_has_a_row() {
    let error = parse_page(
        "news/_index.md",
        "---\ntitle: A\nnot_a_key: 1\n---\n",
        &SiteConfig::parse(BASE).unwrap(),
    )
    .unwrap_err()
    .to_string();
    let accepted = expected_keys(&error);
    assert!(
        accepted.contains(&"paginate_by".to_string()),
        "{accepted:?}"
    );
    assert_documented(
        &accepted,
        &table_keys(&readme(), "### Sections and listings"),
        "section",
    );
}

#[test]
fn every_site_yaml_key_has_a_row() {
    let error = SiteConfig::parse(&format!("{BASE}not_a_key: 1\n"))
        .unwrap_err()
        .to_string();
    let accepted = expected_keys(&error);
    assert!(accepted.contains(&"taxonomies".to_string()), "{accepted:?}");
    assert_documented(
        &accepted,
        &table_keys(&readme(), "### `site.yaml`"),
        "site.yaml",
    );
    let error = SiteConfig::parse(&format!(
        "{BASE}taxonomies: [{{name: tags, not_a_key: 1}}]\n"
    ))
    .unwrap_err()
    .to_string();
    assert_documented(
        &expected_keys(&error),
        &table_keys(&readme(), "### Taxonomies"),
        "taxonomy",
    );
}

#[test]
fn the_table_reader_reads_the_first_column_only() {
    let text = "### H\n\ntext\n\n| key | what |\n|---|---|\n| `a`, `b` | `c` |\n| `d` | x |\n\n| `e` | |\n";
    assert_eq!(table_keys(text, "### H"), ["a", "b", "d"]);
    assert_eq!(
        expected_keys("x: unknown field `z`, expected one of `a`, `b`"),
        ["a", "b"]
    );
}
