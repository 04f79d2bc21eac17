//! `claims`: compliance certification claims without evidence.
//!
//! A page may say "we are SOC 2 Type II certified" only when the evidence
//! register lists that standard as approved. The scanner splits visible text
//! into sentences, finds mentions of certification standards (tolerant of
//! case, spacing, hyphens, non-breaking spaces and `ISO/IEC 27001:2022`
//! spellings), and decides per mention whether the sentence asserts that the
//! site's owner holds it. Negated ("we do not hold SOC 2"), future ("we are
//! targeting SOC 2 Type I"), question and customer-responsibility sentences
//! are not claims.

mod language;
mod standard;

#[cfg(test)]
mod tests;

use crate::rule::{Category, Rule};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::{Detection, Severity};

pub use standard::Standard;

/// Why an evidence register could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("evidence register {path} cannot be read")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("evidence register {origin} is not valid YAML for a register: {message}")]
    Parse { origin: String, message: String },
    #[error("evidence register {origin} lists the claim id `{id}` twice")]
    DuplicateId { origin: String, id: String },
    #[error(
        "evidence register {origin}: claim `{id}` is approved but names no evidence; \
         approval needs a pointer to the evidence"
    )]
    MissingEvidence { origin: String, id: String },
    #[error(
        "evidence register {origin}: claim `{id}` names the standard `{standard}`, which is \
         not a certification this validator recognises"
    )]
    UnknownStandard {
        origin: String,
        id: String,
        standard: String,
    },
}

/// Review state of a register entry. Only `approved` entries approve claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClaimStatus {
    Approved,
    Pending,
}

/// One entry of the evidence register.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterEntry {
    /// A stable id, e.g. `soc2-type2`.
    pub id: String,
    /// The standard as people write it, e.g. `SOC 2 Type II`.
    pub standard: String,
    pub status: ClaimStatus,
    /// Where the evidence is (a report name, a ticket, a link).
    pub evidence: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterFile {
    #[serde(default)]
    claims: Vec<RegisterEntry>,
}

/// The list of certification claims the site may make. The default
/// register is empty and approves nothing.
#[derive(Debug, Clone, Default)]
pub struct EvidenceRegister {
    entries: Vec<(RegisterEntry, Standard)>,
}

impl EvidenceRegister {
    /// Loads a register from a YAML file.
    pub fn load(path: &Path) -> Result<EvidenceRegister, RegisterError> {
        let text = crate::config::read_small_file(path).map_err(|source| RegisterError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses a register from YAML text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<EvidenceRegister, RegisterError> {
        let file: RegisterFile =
            serde_saphyr::from_str(text).map_err(|error| RegisterError::Parse {
                origin: origin.to_owned(),
                message: error.to_string(),
            })?;
        let mut entries: Vec<(RegisterEntry, Standard)> = Vec::with_capacity(file.claims.len());
        for entry in file.claims {
            if entries.iter().any(|(seen, _)| seen.id == entry.id) {
                return Err(RegisterError::DuplicateId {
                    origin: origin.to_owned(),
                    id: entry.id,
                });
            }
            if entry.status == ClaimStatus::Approved && entry.evidence.trim().is_empty() {
                return Err(RegisterError::MissingEvidence {
                    origin: origin.to_owned(),
                    id: entry.id,
                });
            }
            let Some(standard) = Standard::parse(&entry.standard) else {
                return Err(RegisterError::UnknownStandard {
                    origin: origin.to_owned(),
                    id: entry.id,
                    standard: entry.standard,
                });
            };
            entries.push((entry, standard));
        }
        Ok(EvidenceRegister { entries })
    }

    /// The register's entries, in file order.
    pub fn entries(&self) -> impl Iterator<Item = &RegisterEntry> {
        self.entries.iter().map(|(entry, _)| entry)
    }

    /// The entry that covers a claim of `standard`, approved or not. An
    /// entry covers a claim of the same standard; a claim that names no
    /// variant ("SOC 2") is covered by any variant ("SOC 2 Type II"), but a
    /// claim of a variant needs an entry for exactly that variant.
    fn entry_for(&self, standard: &Standard) -> Option<&RegisterEntry> {
        let covering = |(_, listed): &&(RegisterEntry, Standard)| listed.covers(standard);
        self.entries
            .iter()
            .filter(covering)
            .find(|(entry, _)| entry.status == ClaimStatus::Approved)
            .or_else(|| self.entries.iter().find(covering))
            .map(|(entry, _)| entry)
    }
}

const HELP: &str = "Remove or reword the claim (a negated or future statement such as \
    \"we are working towards SOC 2\" is fine), or list the standard in the evidence register \
    with `status: approved` and the evidence behind it.";

const PROVIDER_HELP: &str = "Say plainly that the certification is the hosting provider's \
    (\"our hosting provider, AWS, is SOC 2 certified\") and do not let it read as the company's \
    own; list it in the evidence register if the company holds it too.";

/// Scans a page's visible text (blocks separated by blank lines) for claims.
pub fn scan(text: &str, register: &EvidenceRegister) -> Vec<Detection> {
    // Most pages name no standard at all: one cheap pass over the raw text
    // finds the places worth a closer look, and only sentences holding one
    // are normalised and judged.
    let hints: Vec<usize> = standard::hints(text);
    // The hints read ASCII; a page that spells letters or digits with
    // other characters (fullwidth `ＳＯＣ`, `𝐒𝐎𝐂`, `SÖC`) has every
    // sentence judged instead.
    let disguised = !text.is_ascii() && text.chars().any(language::disguises_ascii);
    if hints.is_empty() && !disguised {
        return Vec::new();
    }
    let mut detections = Vec::new();
    let mut next_hint = 0;
    for sentence in language::sentences(text) {
        let end = sentence.start + sentence.text.len();
        while next_hint < hints.len() && hints[next_hint] < sentence.start {
            next_hint += 1;
        }
        if !disguised && hints.get(next_hint).is_none_or(|&hint| hint >= end) {
            continue;
        }
        let question = sentence.text.trim_end().ends_with('?');
        let mut reported: Vec<Standard> = Vec::new();
        // A run-on "sentence" of megabytes is judged a piece at a time,
        // so that the normalised copy stays small; the pieces overlap by
        // more than a clause, so no mention is cut in two.
        for (piece_start, piece, owned) in language::pieces(sentence.text) {
            let normalized = language::Normalized::new(piece);
            for mention in standard::mentions(&normalized.text) {
                // A standard is reported once a sentence, so its further
                // mentions need no judging; a mention near a piece's edge
                // is judged in the piece that owns it.
                if reported.contains(&mention.standard)
                    || !owned.contains(&normalized.original_offset(mention.start))
                {
                    continue;
                }
                let entry = register.entry_for(&mention.standard);
                if entry.is_some_and(|entry| entry.status == ClaimStatus::Approved) {
                    continue;
                }
                let provider = match language::judge(&normalized.text, &mention, question) {
                    language::Judgement::NotAClaim => continue,
                    language::Judgement::Claim => None,
                    language::Judgement::Provider(name) => Some(name),
                };
                reported.push(mention.standard.clone());
                let base = sentence.start + piece_start;
                let start = base + normalized.original_offset(mention.start);
                let end = base + normalized.original_offset(mention.end);
                if let Some(name) = provider {
                    detections.push(Detection {
                        rule: "claims/provider-certification",
                        severity: Severity::Warning,
                        start,
                        end,
                        message: format!(
                            "the page cites {}'s {} (\"{}\"); that is the provider's \
                             certification, not the site owner's",
                            name,
                            mention.standard,
                            language::excerpt(sentence.text)
                        ),
                        help: PROVIDER_HELP,
                    });
                    continue;
                }
                let pending = if entry.is_some() {
                    "; its register entry is still pending, not approved"
                } else {
                    ""
                };
                detections.push(Detection {
                    rule: "claims/unapproved-certification",
                    severity: Severity::Error,
                    start,
                    end,
                    message: format!(
                        "the page claims {} (\"{}\") but the evidence register has no approved \
                         entry for it{pending}",
                        mention.standard,
                        language::excerpt(sentence.text)
                    ),
                    help: HELP,
                });
            }
        }
    }
    detections
}

/// The rules of this category, declared once for every output, the
/// documentation check and the fixture harness.
pub const CATEGORY: Category = Category {
    name: "claims",
    title: "honest certification claims",
    security_severity: 4.0,
    rules: &[
        Rule::error(
            "claims/unapproved-certification",
            "visible page text asserting a compliance certification or attestation (SOC 2, ISO 27001, HIPAA, PCI DSS, FedRAMP, …) that the evidence register does not list as `approved`",
            "an unproven certification claim misleads buyers and creates legal exposure",
            "remove the claim, or approve it in the evidence register once the evidence exists",
        ),
        Rule::warning(
            "claims/provider-certification",
            "a hosting or cloud provider's certification named as such (\"hosted on AWS, whose data centers are SOC 2 certified\")",
            "true of the provider, and easily read as the owner's",
            "say plainly that the certification is the provider's, or remove it",
        ),
    ],
};
