//! The promises the site publishes, as data: the file `evidence.promises`
//! of `site.yaml` names (`promises.yaml` in the sample site). Each promise
//! names the validator rule categories that prove it; the build publishes
//! each with what those categories examined in the check that passed the
//! bundle ([`crate::evidence`]), and the `promises` shortcode renders them
//! on the security page from the same data.
//!
//! ```yaml
//! promises:
//!   - id: no-inline-code
//!     promise: No inline code of any kind.
//!     kept_by: Templates and page sources may not contain inline scripts …
//!     rules: [inline]
//!     also_proven_by: [a browser test that records every policy violation]
//! ```

use std::collections::HashMap;
use std::io::Read as _;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::error::{Error, SourceSpot};
use crate::limits::MAX_SOURCE_BYTES;
use crate::source_text;
use crate::yaml::{is_linked_or_outside, yaml_error_parts};

/// One promise, as the build publishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promise {
    /// Stable id: lowercase letters and digits in `-`-separated words.
    pub id: String,
    /// The promise as the site states it (Markdown, inline).
    pub promise: String,
    /// How it is kept by construction (Markdown, inline).
    pub kept_by: String,
    /// The validator rule categories that prove it, as written.
    pub rules: Vec<String>,
    /// Tests outside the validator that also prove it.
    pub also_proven_by: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PromisesSource {
    promises: Vec<PromiseSource>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PromiseSource {
    id: Spanned<String>,
    promise: Spanned<String>,
    kept_by: String,
    rules: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    also_proven_by: Vec<String>,
}

/// Whether `id` is lowercase letters and digits in `-`-separated words.
fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Reads the promises file at `path` (relative to `site_dir`); `display`
/// is how errors name it. A file reached through a link or lying outside
/// the site has its errors' positions given but never its text.
pub fn load(site_dir: &Path, path: &Path) -> Result<Vec<Promise>, Error> {
    let full = site_dir.join(path);
    let display = source_text::escape(&path.to_string_lossy().replace('\\', "/"));
    let refuse = |message: String| Error::Promises {
        spot: SourceSpot::file(&display),
        message,
    };
    let meta =
        std::fs::metadata(&full).map_err(|e| Error::io("cannot read promises file", &full, e))?;
    if !meta.is_file() {
        return Err(refuse(
            "is not a regular file (a folder, FIFO, socket or device)".to_string(),
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&full)
        .and_then(|file| file.take(MAX_SOURCE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| Error::io("cannot read promises file", &full, e))?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(refuse(format!(
            "is over the {MAX_SOURCE_BYTES}-byte limit for a source file"
        )));
    }
    let text = source_text::decode(&display, bytes)
        .map_err(|(spot, problem)| Error::SourceText { spot, problem })?;
    source_text::check(&display, &text)
        .map_err(|(spot, problem)| Error::SourceText { spot, problem })?;
    parse(&text, &display, !is_linked_or_outside(site_dir, &full)).map_err(Error::from_list)
}

/// Parses the text of a promises file named `display`, checking every
/// promise: a well-formed, unique id, text to show, and at least one rule
/// category, each one the validator has. Errors quote the file only when
/// `quote` is set.
pub fn parse(text: &str, display: &str, quote: bool) -> Result<Vec<Promise>, Vec<Error>> {
    let source: PromisesSource = serde_saphyr::from_str(text).map_err(|error| {
        let (message, line, column) = yaml_error_parts(&error);
        let spot = SourceSpot {
            file: display.to_string(),
            line,
            column,
        };
        vec![if quote {
            Error::Promises { spot, message }
        } else {
            Error::WithheldYaml {
                spot,
                what: "promises file",
            }
        }]
    })?;
    let known: Vec<&str> = bundle_validator::rules::CATEGORIES
        .iter()
        .map(|c| c.name)
        .collect();
    let at = |span: &serde_saphyr::Location| SourceSpot {
        file: display.to_string(),
        line: usize::try_from(span.line()).ok(),
        column: usize::try_from(span.column()).ok(),
    };
    let mut errors = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut promises = Vec::with_capacity(source.promises.len());
    for entry in source.promises {
        let id = entry.id.value.clone();
        let shown = source_text::escape(&id);
        if !is_id(&id) {
            errors.push(Error::Promises {
                spot: at(&entry.id.referenced),
                message: format!(
                    "promise id `{shown}` must be lowercase letters and digits in `-`-separated words"
                ),
            });
        }
        let line = usize::try_from(entry.id.referenced.line()).unwrap_or(0);
        if let Some(first) = seen.insert(id.clone(), line) {
            errors.push(Error::Promises {
                spot: at(&entry.id.referenced),
                message: format!("promise id `{shown}` is used twice (also at line {first})"),
            });
        }
        if entry.promise.value.trim().is_empty() || entry.kept_by.trim().is_empty() {
            errors.push(Error::Promises {
                spot: at(&entry.promise.referenced),
                message: format!("promise `{shown}` needs a `promise` and a `kept_by` text"),
            });
        }
        if entry.rules.value.is_empty() {
            errors.push(Error::Promises {
                spot: at(&entry.rules.referenced),
                message: format!(
                    "promise `{shown}` names no rule category; a promise the validator does not check cannot be published"
                ),
            });
        }
        let mut rules = Vec::with_capacity(entry.rules.value.len());
        for rule in entry.rules.value {
            if !known.contains(&rule.value.as_str()) {
                errors.push(Error::Promises {
                    spot: at(&rule.referenced),
                    message: format!(
                        "promise `{shown}` names the rule category `{}`, which the validator does not have (it has {})",
                        source_text::escape(&rule.value),
                        known.join(", ")
                    ),
                });
            } else if rules.contains(&rule.value) {
                errors.push(Error::Promises {
                    spot: at(&rule.referenced),
                    message: format!(
                        "promise `{shown}` names the rule category `{}` twice",
                        rule.value
                    ),
                });
            } else {
                rules.push(rule.value);
            }
        }
        promises.push(Promise {
            id,
            promise: entry.promise.value,
            kept_by: entry.kept_by,
            rules,
            also_proven_by: entry.also_proven_by,
        });
    }
    if errors.is_empty() {
        Ok(promises)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn messages(text: &str) -> Vec<String> {
        parse(text, "promises.yaml", true)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_promise_reads_with_its_rules_and_tests() {
        let promises = parse(
            "promises:\n  - id: no-inline-code\n    promise: No inline code.\n    kept_by: Templates refuse it.\n    rules: [inline, csp]\n    also_proven_by: [a browser test]\n",
            "promises.yaml",
            true,
        )
        .unwrap();
        assert_eq!(promises.len(), 1);
        assert_eq!(promises[0].rules, ["inline", "csp"]);
        assert_eq!(promises[0].also_proven_by, ["a browser test"]);
    }

    #[test]
    fn unknown_categories_keys_and_ids_are_errors_at_their_line() {
        let found = messages(
            "promises:\n  - id: a\n    promise: A.\n    kept_by: K.\n    rules: [inline, nosuch]\n",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("promises.yaml:5:"), "{found:?}");
        assert!(found[0].contains("promise `a`"), "{found:?}");
        assert!(found[0].contains("`nosuch`"), "{found:?}");

        let found = messages(
            "promises:\n  - id: a\n    promise: A.\n    kept_by: K.\n    rules: [inline]\n    proven: yes\n",
        );
        assert!(found[0].starts_with("promises.yaml:6:"), "{found:?}");

        let found = messages(
            "promises:\n  - id: Not An Id\n    promise: A.\n    kept_by: K.\n    rules: []\n",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("promises.yaml:2:"), "{found:?}");
        assert!(found[1].contains("names no rule category"), "{found:?}");

        let found = messages(
            "promises:\n  - id: a\n    promise: A.\n    kept_by: K.\n    rules: [csp]\n  - id: a\n    promise: B.\n    kept_by: K.\n    rules: [csp, csp]\n",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].contains("used twice (also at line 2)"),
            "{found:?}"
        );
        assert!(found[1].contains("twice"), "{found:?}");
    }

    #[test]
    fn errors_of_a_linked_file_do_not_quote_it() {
        let errors = parse("promises: [secret: {", "promises.yaml", false).unwrap_err();
        assert!(matches!(errors[0], Error::WithheldYaml { .. }));
    }

    proptest! {
        /// Any text either parses into promises that each have a valid id
        /// and known rules, or fails with errors that name the file; it
        /// never panics.
        #[test]
        fn any_text_parses_into_checked_promises_or_errors(
            id in "[a-zA-Z0-9 _-]{0,12}",
            rule in "[a-z]{0,10}",
            extra in proptest::option::of("[a-z_]{1,8}"),
        ) {
            let extra = extra.map(|key| format!("    {key}: x\n")).unwrap_or_default();
            let text = format!(
                "promises:\n  - id: \"{id}\"\n    promise: P.\n    kept_by: K.\n    rules: [\"{rule}\"]\n{extra}"
            );
            match parse(&text, "promises.yaml", true) {
                Ok(promises) => {
                    for promise in promises {
                        prop_assert!(is_id(&promise.id));
                        for rule in &promise.rules {
                            prop_assert!(bundle_validator::rules::CATEGORIES.iter().any(|c| c.name == rule));
                        }
                    }
                }
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    for error in errors {
                        prop_assert!(error.to_string().starts_with("promises.yaml"));
                    }
                }
            }
        }
    }
}
