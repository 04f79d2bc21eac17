//! Recognising certification standards in normalised text.

use std::fmt;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::language::Normalized;

/// A certification or attestation standard, e.g. SOC 2 Type II.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standard {
    /// The standard's family as usually written, e.g. `SOC 2`, `ISO/IEC 27001`.
    family: String,
    /// A variant that is a different claim, e.g. `Type II`, `Level 1`.
    variant: Option<String>,
}

impl Standard {
    /// Recognises the standard named in `text` (e.g. a register entry's
    /// `standard` field), tolerant of the same spellings as page text.
    pub fn parse(text: &str) -> Option<Standard> {
        let normalized = Normalized::new(text);
        mentions(&normalized.text)
            .into_iter()
            .next()
            .map(|mention| mention.standard)
    }

    /// Whether a register entry for `self` approves a claim of `claimed`.
    pub(super) fn covers(&self, claimed: &Standard) -> bool {
        self.family == claimed.family
            && (claimed.variant.is_none() || claimed.variant == self.variant)
    }
}

impl fmt::Display for Standard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.variant {
            Some(variant) => write!(f, "{} {variant}", self.family),
            None => f.write_str(&self.family),
        }
    }
}

/// One mention of a standard; offsets are byte offsets in normalised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Mention {
    pub(super) standard: Standard,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// Patterns run on normalised text: lowercase ASCII, hyphens and dashes as
/// spaces, every run of whitespace (non-breaking spaces too) as one space.
static STANDARDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        \b(?:
            soc\ ?(?P<soc>[123]|iii|ii|i)\b(?:\ type\ ?(?P<soc_type>ii|2|i|1)\b)?
          | iso(?:\ ?/\ ?iec)?\ ?(?P<iso>27001|27002|27017|27018|27701|9001|14001|22301|42001)(?::\ ?(?:19|20)\d\d)?
          | (?P<hipaa>hipaa)
          | (?P<pci>pci)(?:\ dss)?(?:\ v?\d(?:\.\d)?)?(?:\ level\ (?P<pci_level>[1-4]))?
          | (?P<fedramp>fedramp)(?:\ (?P<fedramp_level>high|moderate|low|tailored))?
          | (?P<stateramp>stateramp)
          | (?P<hitrust>hitrust)(?:\ (?:csf|r2|i1|e1))?
          | (?P<csa>csa\ star)(?:\ level\ (?P<csa_level>[123]))?
          | (?P<gdpr>gdpr)
          | (?P<cyber>cyber\ essentials)(?P<cyber_plus>\ plus)?
          | (?P<tisax>tisax)
          | (?P<irap>irap)
          | (?P<fips>fips)\ ?140\ ?(?P<fips_level>[23])
          | nist(?:\ sp)?\ 800\ ?(?P<nist>53|171)
        )\b",
    )
    // The pattern is a constant covered by tests.
    .expect("standard pattern compiles")
});

/// A loose pattern over ASCII-lowercased raw text that matches wherever
/// [`STANDARDS`] could match after normalisation (any run of punctuation or
/// spacing may sit between the parts of a name).
static HINTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
          soc [^a-z0-9]{0,12} [123i]
        | iso [^a-z0-9]{0,12} (?:iec [^a-z0-9]{0,12})? [0-9]
        | hipaa | pci | fedramp | stateramp | hitrust | gdpr | tisax | irap
        | csa [^a-z0-9]{0,12} star
        | cyber [^a-z0-9]{0,12} essentials
        | fips [^a-z0-9]{0,12} 140
        | nist [^a-z0-9]{0,12} (?:sp [^a-z0-9]{0,12})? 800",
    )
    // The pattern is a constant covered by tests.
    .expect("standard hint pattern compiles")
});

/// Start offsets, in raw text, of the places a standard may be named.
pub(super) fn hints(text: &str) -> Vec<usize> {
    // Matching lowercase literals on a lowercased copy keeps the regex on
    // its SIMD literal search, which a case-insensitive pattern with this
    // many alternatives would leave; ASCII lowercasing keeps every offset.
    let lowered = text.to_ascii_lowercase();
    HINTS.find_iter(&lowered).map(|hit| hit.start()).collect()
}

/// Every standard mentioned in normalised text, in order.
pub(super) fn mentions(normalized: &str) -> Vec<Mention> {
    STANDARDS
        .captures_iter(normalized)
        .filter_map(|captures| {
            let whole = captures.get(0)?;
            Some(Mention {
                standard: standard_of(&captures)?,
                start: whole.start(),
                end: whole.end(),
            })
        })
        .collect()
}

fn standard_of(captures: &Captures<'_>) -> Option<Standard> {
    let group = |name: &str| captures.name(name).map(|m| m.as_str());
    let (family, variant): (String, Option<String>) = if let Some(number) = group("soc") {
        let variant = group("soc_type").map(|kind| match kind {
            "i" | "1" => "Type I".to_owned(),
            _ => "Type II".to_owned(),
        });
        // "SOC II" is a common spelling of SOC 2.
        let number = match number {
            "i" => "1",
            "ii" => "2",
            "iii" => "3",
            digit => digit,
        };
        (format!("SOC {number}"), variant)
    } else if let Some(number) = group("iso") {
        (format!("ISO/IEC {number}"), None)
    } else if group("hipaa").is_some() {
        ("HIPAA".to_owned(), None)
    } else if group("pci").is_some() {
        (
            "PCI DSS".to_owned(),
            group("pci_level").map(|l| format!("Level {l}")),
        )
    } else if group("fedramp").is_some() {
        ("FedRAMP".to_owned(), group("fedramp_level").map(capitalise))
    } else if group("stateramp").is_some() {
        ("StateRAMP".to_owned(), None)
    } else if group("hitrust").is_some() {
        ("HITRUST".to_owned(), None)
    } else if group("csa").is_some() {
        (
            "CSA STAR".to_owned(),
            group("csa_level").map(|l| format!("Level {l}")),
        )
    } else if group("gdpr").is_some() {
        ("GDPR".to_owned(), None)
    } else if group("cyber").is_some() {
        (
            "Cyber Essentials".to_owned(),
            group("cyber_plus").map(|_| "Plus".to_owned()),
        )
    } else if group("tisax").is_some() {
        ("TISAX".to_owned(), None)
    } else if group("irap").is_some() {
        ("IRAP".to_owned(), None)
    } else if let Some(level) = group("fips_level") {
        (format!("FIPS 140-{level}"), None)
    } else if let Some(number) = group("nist") {
        (format!("NIST SP 800-{number}"), None)
    } else {
        return None;
    };
    Some(Standard { family, variant })
}

fn capitalise(word: &str) -> String {
    let mut characters = word.chars();
    characters
        .next()
        .map(|first| first.to_uppercase().chain(characters).collect())
        .unwrap_or_default()
}

impl Standard {
    /// Whether this standard is GDPR, which has no general certification:
    /// only an explicit "certified" is a claim, "GDPR compliant" is not.
    pub(super) fn is_gdpr(&self) -> bool {
        self.family == "GDPR"
    }
}
