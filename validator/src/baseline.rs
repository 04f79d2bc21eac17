//! Baselines: the findings a site accepts today, so that adopting the gate
//! on an existing site fails only on what is new.
//!
//! A finding is known by a fingerprint of its rule, its file and what it
//! points at: the line as written (whitespace runs made one space, secrets
//! already masked), or the message for a whole-file finding. Line and
//! column numbers are left out, so that editing above a finding does not
//! make it new. The same text can occur more than once in a file, so the
//! baseline counts each fingerprint: a third copy of a line accepted twice
//! is new.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Finding, Report};

/// The version of the fingerprint recipe; part of every fingerprint and
/// of the SARIF `partialFingerprints` key.
pub const FINGERPRINT_VERSION: u32 = 1;

/// The `partialFingerprints` key under which SARIF carries fingerprints.
pub const SARIF_FINGERPRINT_KEY: &str = "bundleValidator/v1";

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("baseline file {path} cannot be read")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("baseline file {path} is not a baseline: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("baseline file {path} cannot be written")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The fingerprint of a finding: 32 hex digits of a SHA-256 over the
/// recipe version, rule, file and normalised snippet (or message).
pub fn fingerprint(finding: &Finding) -> String {
    let mut hasher = Sha256::new();
    hasher.update(FINGERPRINT_VERSION.to_le_bytes());
    for part in [finding.rule.as_str(), finding.file.as_str()] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    match &finding.snippet {
        Some(snippet) => {
            hasher.update(b"s");
            for word in snippet.split_whitespace() {
                hasher.update((word.len() as u64).to_le_bytes());
                hasher.update(word.as_bytes());
            }
        }
        None => {
            hasher.update(b"m");
            hasher.update(finding.message.as_bytes());
        }
    }
    let digest = hasher.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// One accepted cause in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub fingerprint: String,
    /// For people reading the file; matching uses the fingerprint only.
    pub rule: String,
    pub file: String,
    /// How many findings with this fingerprint are accepted.
    pub count: usize,
}

/// A baseline file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<Entry>,
}

/// What applying a baseline did.
#[derive(Debug, Default)]
pub struct Applied {
    /// How many findings the baseline accepted (and removed).
    pub accepted: usize,
    /// Entries, or the part of their count, that no finding matched.
    pub stale: Vec<Entry>,
}

impl Baseline {
    /// The baseline that accepts every finding of `report`.
    pub fn from_report(report: &Report) -> Self {
        let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
        for finding in &report.findings {
            entries
                .entry(fingerprint(finding))
                .or_insert_with_key(|fingerprint| Entry {
                    fingerprint: fingerprint.clone(),
                    rule: finding.rule.clone(),
                    file: finding.file.clone(),
                    count: 0,
                })
                .count += 1;
        }
        let mut entries: Vec<Entry> = entries.into_values().collect();
        entries.sort_by(|a, b| {
            (&a.file, &a.rule, &a.fingerprint).cmp(&(&b.file, &b.rule, &b.fingerprint))
        });
        Baseline {
            version: FINGERPRINT_VERSION,
            entries,
        }
    }

    /// Reads a baseline written by [`Baseline::write`].
    pub fn load(path: &Path) -> Result<Self, BaselineError> {
        let text = crate::config::read_small_file(path).map_err(|source| BaselineError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses baseline JSON read from `path` (named in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Self, BaselineError> {
        let baseline: Baseline = serde_json::from_str(text).map_err(|e| BaselineError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        if baseline.version != FINGERPRINT_VERSION {
            return Err(BaselineError::Parse {
                path: path.to_path_buf(),
                message: format!(
                    "version {} is not the fingerprint version {FINGERPRINT_VERSION}",
                    baseline.version
                ),
            });
        }
        Ok(baseline)
    }

    /// Writes the baseline as pretty JSON.
    pub fn write(&self, path: &Path) -> Result<(), BaselineError> {
        let mut text = serde_json::to_string_pretty(self).expect("a baseline serializes");
        text.push('\n');
        std::fs::write(path, text).map_err(|source| BaselineError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Removes from `report` every finding the baseline accepts, and says
    /// how many it accepted and which entries no finding matched.
    pub fn apply(&self, report: &mut Report) -> Applied {
        let mut left: BTreeMap<&str, usize> = BTreeMap::new();
        for entry in &self.entries {
            *left.entry(entry.fingerprint.as_str()).or_default() += entry.count;
        }
        let mut applied = Applied::default();
        report.findings.retain(
            |finding| match left.get_mut(fingerprint(finding).as_str()) {
                Some(count) if *count > 0 => {
                    *count -= 1;
                    applied.accepted += 1;
                    false
                }
                _ => true,
            },
        );
        for entry in &self.entries {
            let unmatched = left.get_mut(entry.fingerprint.as_str()).map_or(0, |count| {
                let unmatched = (*count).min(entry.count);
                *count -= unmatched;
                unmatched
            });
            if unmatched > 0 {
                applied.stale.push(Entry {
                    count: unmatched,
                    ..entry.clone()
                });
            }
        }
        // What each category found is what is left.
        crate::coverage::recount(&mut report.coverage, &report.findings, &report.suppressed);
        applied
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Severity;
    use proptest::prelude::*;

    proptest! {
        /// Any text parses as a baseline or is refused; never a panic.
        #[test]
        fn fuzz_baseline_parse(
            text in prop_oneof![
                "[ -~]{0,80}",
                "[0-9a-f]{0,40}".prop_map(|f| format!(
                    "{{\"version\": 1, \"entries\": [{{\"fingerprint\": \"{f}\", \"rule\": \"r\", \"file\": \"f\", \"count\": 1}}]}}"
                )),
            ]
        ) {
            if let Ok(baseline) = Baseline::parse(&text, Path::new("b.json")) {
                prop_assert_eq!(baseline.version, FINGERPRINT_VERSION);
            }
        }
    }

    fn finding(file: &str, line: u32, snippet: &str) -> Finding {
        Finding {
            rule: "inline/event-handler".into(),
            severity: Severity::Error,
            file: file.into(),
            line: Some(line),
            column: Some(3),
            message: "handler".into(),
            snippet: Some(snippet.into()),
            help: None,
            span: None,
            source: None,
        }
    }

    #[test]
    fn fingerprints_ignore_lines_and_whitespace_but_not_files_or_rules() {
        let a = finding("a.html", 3, "<b onclick=x>");
        assert_eq!(
            fingerprint(&a),
            fingerprint(&finding("a.html", 90, "  <b   onclick=x>"))
        );
        assert_ne!(
            fingerprint(&a),
            fingerprint(&finding("b.html", 3, "<b onclick=x>"))
        );
        assert_ne!(
            fingerprint(&a),
            fingerprint(&finding("a.html", 3, "<b onclick=y>"))
        );
        let mut other_rule = a.clone();
        other_rule.rule = "inline/script".into();
        assert_ne!(fingerprint(&a), fingerprint(&other_rule));
        assert_eq!(fingerprint(&a).len(), 32);
    }

    #[test]
    fn a_baseline_accepts_what_it_counted_and_names_what_is_gone() {
        let today = Report {
            findings: vec![
                finding("a.html", 3, "<b onclick=x>"),
                finding("a.html", 7, "<b onclick=x>"),
                finding("b.html", 1, "<i onclick=y>"),
            ],
            // A suppressed finding is accepted already, with its reason:
            // the baseline does not record it.
            suppressed: vec![crate::Suppressed {
                finding: finding("c.html", 2, "<u onclick=z>"),
                suppression: crate::Suppression {
                    kind: crate::SuppressionKind::Inline,
                    rule: "inline/event-handler".into(),
                    reason: "reviewed".into(),
                    file: "c.html".into(),
                    line: Some(1),
                },
            }],
            coverage: Vec::new(),
        };
        let baseline = Baseline::from_report(&today);
        assert_eq!(baseline.entries.len(), 2);
        assert!(baseline.entries.iter().all(|e| e.file != "c.html"));
        // Lines moved, one copy more in a.html, b.html fixed.
        let mut tomorrow = Report {
            findings: vec![
                finding("a.html", 13, "<b onclick=x>"),
                finding("a.html", 17, "<b onclick=x>"),
                finding("a.html", 19, "<b onclick=x>"),
            ],
            ..Report::default()
        };
        let applied = baseline.apply(&mut tomorrow);
        assert_eq!(applied.accepted, 2);
        assert_eq!(tomorrow.findings.len(), 1);
        assert_eq!(applied.stale.len(), 1);
        assert_eq!(applied.stale[0].file, "b.html");
    }

    #[test]
    fn baselines_round_trip_and_refuse_other_shapes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let baseline = Baseline::from_report(&Report {
            findings: vec![finding("a.html", 3, "<b onclick=x>")],
            ..Report::default()
        });
        baseline.write(&path).unwrap();
        assert_eq!(Baseline::load(&path).unwrap(), baseline);
        std::fs::write(&path, "{\"version\": 1, \"entries\": [], \"extra\": 1}").unwrap();
        assert!(matches!(
            Baseline::load(&path),
            Err(BaselineError::Parse { .. })
        ));
        std::fs::write(&path, "{\"version\": 9, \"entries\": []}").unwrap();
        assert!(matches!(
            Baseline::load(&path),
            Err(BaselineError::Parse { .. })
        ));
    }
}
