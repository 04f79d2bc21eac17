//! URL segments from content file names, as `slugify` in `site.yaml`
//! asks.
//!
//! `on` (the default) works like Zola's default: letters lose their
//! accents (the name is decomposed, NFKD, and combining marks dropped),
//! are lowercased, and every run of anything but ASCII letters and digits
//! becomes one `-`, trimmed at both ends: `Café Menu.md` becomes
//! `/cafe-menu/`. Zola transliterates scripts without a Latin
//! decomposition (`日本` to `ri-ben`); here such letters are dropped, and a
//! name left with no letter or digit is an error asking for a `slug:`.
//! `safe` keeps letters of every script and their case, and only replaces
//! white space and the characters that are unsafe in a path or a URL
//! (`<>:"/\|?*#%&` and controls) with `-`, runs of `-` joined and none
//! at either end. `off` takes the name as it is.

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization as _;
use unicode_normalization::char::is_combining_mark;

/// How file names become URL segments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Slugify {
    /// ASCII, lowercase, `-` between words.
    #[default]
    On,
    /// Any script and case; only unsafe characters replaced.
    Safe,
    /// The file name as it is.
    Off,
}

/// The URL segment for one file or folder name, or `None` when nothing
/// of it is left.
pub fn slugify(name: &str, mode: Slugify) -> Option<String> {
    let slug = match mode {
        Slugify::Off => name.to_string(),
        Slugify::On => dashed(
            name.nfkd()
                .filter(|c| !is_combining_mark(*c))
                .flat_map(char::to_lowercase),
            |c| c.is_ascii_alphanumeric(),
        ),
        Slugify::Safe => dashed(name.chars(), |c| {
            c != '-'
                && !c.is_whitespace()
                && !c.is_control()
                && !matches!(
                    c,
                    '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*' | '#' | '%' | '&'
                )
        }),
    };
    (!slug.is_empty()).then_some(slug)
}

/// Keeps the characters `keep` accepts and turns each run of others into
/// one `-`, none at either end.
fn dashed(chars: impl Iterator<Item = char>, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in chars {
        if keep(c) {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_segments_like_zola() {
        let on = |name| slugify(name, Slugify::On);
        assert_eq!(on("Café Menu").as_deref(), Some("cafe-menu"));
        assert_eq!(on("  Über   uns!! ").as_deref(), Some("uber-uns"));
        assert_eq!(
            on("2026-03 Release_notes").as_deref(),
            Some("2026-03-release-notes")
        );
        assert_eq!(on("ﬁle①").as_deref(), Some("file1"));
        assert_eq!(on("日本"), None);
        assert_eq!(on("--"), None);
        let safe = |name| slugify(name, Slugify::Safe);
        assert_eq!(safe("Café Menu?").as_deref(), Some("Café-Menu"));
        assert_eq!(safe("a#b%c&d").as_deref(), Some("a-b-c-d"));
        assert_eq!(safe("日本 語").as_deref(), Some("日本-語"));
        assert_eq!(safe("-"), None);
        assert_eq!(safe("a--b").as_deref(), Some("a-b"));
        assert_eq!(slugify("A b", Slugify::Off).as_deref(), Some("A b"));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn slugs_are_clean_segments(name in "\\PC{0,24}") {
                if let Some(slug) = slugify(&name, Slugify::On) {
                    prop_assert!(slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
                    prop_assert!(!slug.starts_with('-') && !slug.ends_with('-') && !slug.contains("--"));
                    // Slugifying a slug changes nothing.
                    prop_assert_eq!(slugify(&slug, Slugify::On), Some(slug.clone()));
                }
                if let Some(slug) = slugify(&name, Slugify::Safe) {
                    prop_assert!(!slug.contains(['/', '\\', '?', '#', '%', ' ']));
                    prop_assert!(!slug.starts_with('-') && !slug.ends_with('-'));
                    prop_assert_eq!(slugify(&slug, Slugify::Safe), Some(slug.clone()));
                }
            }
        }
    }
}
