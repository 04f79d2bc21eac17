use super::*;

/// The standards claimed without approval in `text`, as displayed.
fn claimed(text: &str) -> Vec<String> {
    claimed_with(text, &EvidenceRegister::default())
}

fn claimed_with(text: &str, register: &EvidenceRegister) -> Vec<String> {
    scan(text, register)
        .into_iter()
        .map(|d| {
            assert_eq!(d.rule, "claims/unapproved-certification");
            assert_eq!(d.severity, Severity::Error);
            d.message
                .split(" (\"")
                .next()
                .and_then(|head| head.strip_prefix("the page claims "))
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

fn register(yaml: &str) -> EvidenceRegister {
    EvidenceRegister::parse(yaml, "test register").unwrap()
}

#[test]
fn plain_certification_claims_are_errors() {
    assert_eq!(claimed("SOC 2 Type II certified"), ["SOC 2 Type II"]);
    assert_eq!(claimed("We are ISO 27001 certified."), ["ISO/IEC 27001"]);
    assert_eq!(claimed("BayStore is HIPAA compliant."), ["HIPAA"]);
    assert_eq!(
        claimed("We are a PCI DSS Level 1 service provider."),
        ["PCI DSS Level 1"]
    );
    assert_eq!(
        claimed("Our SOC 2 report is available on request."),
        ["SOC 2"]
    );
    assert_eq!(
        claimed("FedRAMP Moderate authorized."),
        ["FedRAMP Moderate"]
    );
    assert_eq!(
        claimed("We have achieved HITRUST CSF certification."),
        ["HITRUST"]
    );
    assert_eq!(
        claimed("Listed in the CSA STAR Level 2 registry."),
        ["CSA STAR Level 2"]
    );
    assert_eq!(
        claimed("We are Cyber Essentials Plus certified."),
        ["Cyber Essentials Plus"]
    );
    assert_eq!(claimed("Our platform is GDPR certified."), ["GDPR"]);
    assert_eq!(
        claimed("Encryption modules are FIPS 140-2 validated."),
        ["FIPS 140-2"]
    );
    assert_eq!(
        claimed("We passed our SOC 1 Type I audit."),
        ["SOC 1 Type I"]
    );
    assert_eq!(
        claimed("Compliance: SOC 2 Type II, ISO 27001"),
        ["SOC 2 Type II", "ISO/IEC 27001"]
    );
    assert_eq!(
        claimed("We undergo an annual SOC 2 Type II audit."),
        ["SOC 2 Type II"]
    );
    assert_eq!(
        claimed("Our infrastructure provider is ISO 27001 and SOC 2 certified."),
        ["ISO/IEC 27001", "SOC 2"]
    );
}

#[test]
fn spelling_variants_are_recognised() {
    assert_eq!(claimed("We are SOC2 Type-2 certified."), ["SOC 2 Type II"]);
    assert_eq!(claimed("We are soc 2 type ii attested."), ["SOC 2 Type II"]);
    assert_eq!(
        claimed("Certified to ISO/IEC 27001:2022."),
        ["ISO/IEC 27001"]
    );
    assert_eq!(claimed("An ISO-27017 certified cloud."), ["ISO/IEC 27017"]);
    assert_eq!(
        claimed("SOC\u{a0}2\u{a0}Type\u{a0}II certified"),
        ["SOC 2 Type II"]
    );
    assert_eq!(
        claimed("SOC\u{200b}2 Type\u{2011}II certified"),
        ["SOC 2 Type II"]
    );
    assert_eq!(claimed("We are PCI-DSS compliant."), ["PCI DSS"]);
    assert_eq!(
        claimed("We are SOC II Type 2 compliant."),
        ["SOC 2 Type II"]
    );
    assert_eq!(
        claimed("ISO 27701 and ISO 27018 certified"),
        ["ISO/IEC 27701", "ISO/IEC 27018"]
    );
}

#[test]
fn compatibility_forms_and_diacritics_are_folded() {
    assert_eq!(
        claimed("We are ＳＯＣ ２ Type II certified."),
        ["SOC 2 Type II"]
    );
    assert_eq!(claimed("𝐒𝐎𝐂 𝟐 certified"), ["SOC 2"]);
    assert_eq!(claimed("HÌPAA cömpliant hosting"), ["HIPAA"]);
    // Offsets still point into the original text.
    let text = "Intro. Ｗe are ＩＳＯ ２７００１ certified.";
    let found = scan(text, &EvidenceRegister::default());
    assert_eq!(found.len(), 1);
    assert!(text[found[0].start..].starts_with("ＩＳＯ"));
}

#[test]
fn negated_statements_pass() {
    for text in [
        "We are not ISO 27001 certified.",
        "BayStore does not hold SOC 2, ISO 27001, HIPAA, PCI DSS or any other compliance \
         certification today.",
        "BayStore does not currently claim any SOC 2 attestation.",
        "We have no SOC 2 report.",
        "We never said we were HIPAA compliant.",
        "We don't hold PCI DSS certification.",
        "We don\u{2019}t hold PCI DSS certification.",
        "SOC 2 Type II certification is not something we hold yet.",
        "Operating without a SOC 2 report for now.",
    ] {
        assert!(
            claimed(text).is_empty(),
            "false alarm on {text:?}: {:?}",
            claimed(text)
        );
    }
}

#[test]
fn future_and_aspirational_statements_pass() {
    for text in [
        "We are targeting SOC 2 Type I.",
        "targeting SOC 2",
        "We are working towards ISO 27001 certification.",
        "We plan to pursue HIPAA compliance next year.",
        "We are pursuing a SOC 2 Type II audit.",
        "Our ISO 27001 certification is in progress.",
        "We will be SOC 2 compliant by the end of the year.",
        "SOC 2 is on our roadmap.",
        "A SOC 2 Type I report is expected in the spring.",
        "Our SOC 2 audit is scheduled.",
    ] {
        assert!(
            claimed(text).is_empty(),
            "false alarm on {text:?}: {:?}",
            claimed(text)
        );
    }
}

#[test]
fn mentions_that_assert_nothing_pass() {
    for text in [
        "What is SOC 2?",
        "Are you HIPAA compliant?",
        "SOC 2 is an auditing framework from the AICPA.",
        "A SOC 2 report describes a service organisation's controls.",
        "Customers are responsible for their own PCI DSS compliance.",
        "We help customers who need HIPAA compliance.",
        "We are GDPR compliant and honour deletion requests.",
        "ISO 27001",
        "We follow ISO 27001 practices.",
        "Aligned with SOC 2 trust services criteria.",
        "BayStore is not a HIPAA covered entity.",
        "The BayStore platform is HIPAA-ready.",
        "Certifications: none yet. SOC 2 is planned for 2027.",
        "We do not store card data, so PCI DSS scope stays with the payment provider.",
    ] {
        assert!(
            claimed(text).is_empty(),
            "false alarm on {text:?}: {:?}",
            claimed(text)
        );
    }
}

#[test]
fn a_claim_next_to_a_denial_is_still_a_claim() {
    assert_eq!(
        claimed("We are not yet ISO 27001 certified, but we are SOC 2 Type II certified."),
        ["SOC 2 Type II"]
    );
    assert_eq!(
        claimed("We are SOC 2 Type II certified, with no exceptions noted."),
        ["SOC 2 Type II"]
    );
    assert_eq!(
        claimed("HIPAA is on our roadmap, and we are ISO 27001 certified."),
        ["ISO/IEC 27001"]
    );
    assert_eq!(
        claimed("We are targeting SOC 2. We are HIPAA compliant."),
        ["HIPAA"]
    );
}

#[test]
fn blocks_are_separate_sentences() {
    // A heading without a period is its own block.
    assert_eq!(
        claimed("Not yet certified\n\nSOC 2 Type II certified\n\nMore soon"),
        ["SOC 2 Type II"]
    );
    // A soft line break inside a paragraph does not split the sentence.
    assert!(claimed("We are not\nSOC 2 certified.").is_empty());
}

#[test]
fn detection_covers_the_mention_in_the_original_text() {
    let text = "Intro.\n\nWe are SOC\u{a0}2 Type-II certified.";
    let found = scan(text, &EvidenceRegister::default());
    assert_eq!(found.len(), 1);
    assert_eq!(&text[found[0].start..found[0].end], "SOC\u{a0}2 Type-II");
    assert!(found[0].message.contains("We are SOC 2 Type-II certified."));
    assert!(found[0].help.contains("evidence register"));
}

#[test]
fn approved_register_entries_approve_matching_claims() {
    let register = register(
        "claims:\n\
         - id: soc2-type2\n  standard: SOC 2 Type II\n  status: approved\n  evidence: \"2026 report\"\n\
         - id: iso27001\n  standard: ISO/IEC 27001:2022\n  status: pending\n  evidence: audit booked\n",
    );
    assert!(claimed_with("We are SOC 2 Type II certified.", &register).is_empty());
    // A claim without a type is covered by the approved Type II entry.
    assert!(claimed_with("Our SOC 2 report is available.", &register).is_empty());
    // A different type is a different claim.
    assert_eq!(
        claimed_with("We are SOC 2 Type I certified.", &register),
        ["SOC 2 Type I"]
    );
    // Pending entries approve nothing, and the message says why.
    let found = scan("We are ISO 27001 certified.", &register);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("pending"));
}

#[test]
fn register_rejects_bad_files() {
    let unknown_key = EvidenceRegister::parse(
        "claims:\n- id: a\n  standard: SOC 2\n  status: approved\n  evidence: x\n  owner: me\n",
        "r",
    );
    assert!(matches!(unknown_key, Err(RegisterError::Parse { .. })));
    let bad_status = EvidenceRegister::parse(
        "claims:\n- id: a\n  standard: SOC 2\n  status: done\n  evidence: x\n",
        "r",
    );
    assert!(matches!(bad_status, Err(RegisterError::Parse { .. })));
    let duplicate = EvidenceRegister::parse(
        "claims:\n- {id: a, standard: SOC 2, status: pending, evidence: x}\n\
         - {id: a, standard: HIPAA, status: pending, evidence: y}\n",
        "r",
    );
    assert!(matches!(duplicate, Err(RegisterError::DuplicateId { .. })));
    let no_evidence = EvidenceRegister::parse(
        "claims:\n- {id: a, standard: SOC 2, status: approved, evidence: ''}\n",
        "r",
    );
    assert!(matches!(
        no_evidence,
        Err(RegisterError::MissingEvidence { .. })
    ));
    let unknown_standard = EvidenceRegister::parse(
        "claims:\n- {id: a, standard: Best Practice Seal, status: approved, evidence: x}\n",
        "r",
    );
    assert!(matches!(
        unknown_standard,
        Err(RegisterError::UnknownStandard { .. })
    ));
}

#[test]
fn register_loads_from_a_file_and_an_empty_register_approves_nothing() {
    let folder = std::env::temp_dir().join(format!("claims-register-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("evidence.yaml");
    std::fs::write(&path, "claims: []\n").unwrap();
    let empty = EvidenceRegister::load(&path).unwrap();
    assert_eq!(empty.entries().count(), 0);
    assert_eq!(claimed_with("HIPAA compliant", &empty), ["HIPAA"]);
    let missing = EvidenceRegister::load(&folder.join("absent.yaml"));
    assert!(matches!(missing, Err(RegisterError::Read { .. })));
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn standards_parse_from_register_spellings() {
    let parsed = |text: &str| Standard::parse(text).map(|s| s.to_string());
    assert_eq!(parsed("SOC 2 Type II").as_deref(), Some("SOC 2 Type II"));
    assert_eq!(parsed("soc2-type2").as_deref(), Some("SOC 2 Type II"));
    assert_eq!(
        parsed("ISO/IEC 27001:2022").as_deref(),
        Some("ISO/IEC 27001")
    );
    assert_eq!(
        parsed("PCI DSS v4.0 Level 1").as_deref(),
        Some("PCI DSS Level 1")
    );
    assert_eq!(parsed("Something else"), None);
}

#[test]
fn sentence_splitting_keeps_abbreviations_and_offsets() {
    let text = "We use tools, e.g. scanners. Then more!  Last one";
    let found: Vec<&str> = language::sentences(text).map(|s| s.text).collect();
    assert_eq!(
        found,
        ["We use tools, e.g. scanners.", "Then more!", "Last one"]
    );
    for sentence in language::sentences(text) {
        assert_eq!(
            &text[sentence.start..sentence.start + sentence.text.len()],
            sentence.text
        );
    }
}

#[test]
fn diagnostics_quote_the_sentence() {
    let register = register(
        "claims:\n- {id: iso, standard: ISO 27001, status: pending, evidence: audit booked}\n",
    );
    let text = "Security\n\nWe are SOC 2 Type II certified. We are ISO 27001 certified.\n\n\
                We are targeting HIPAA.";
    let report: Vec<serde_json::Value> = scan(text, &register)
        .iter()
        .map(|d| {
            serde_json::json!({
                "rule": d.rule,
                "severity": d.severity,
                "text": &text[d.start..d.end],
                "message": d.message,
                "help": d.help,
            })
        })
        .collect();
    insta::assert_json_snapshot!(report);
}

#[test]
fn run_on_sentences_are_judged_in_overlapping_pieces() {
    // A claim at every possible place of a sentence far longer than a
    // piece is found once, with its exact offsets, and a negation next to
    // a later mention still counts.
    let filler = "our platform keeps product data tidy and fast ".repeat(1_000);
    let text = format!(
        "{filler}and BayStore is SOC 2 Type II certified {filler} but not ISO 27001 certified {filler}"
    );
    let found = scan(&text, &EvidenceRegister::default());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(&text[found[0].start..found[0].end], "SOC 2 Type II");
    for shift in (0..20_000).step_by(1_237) {
        let text = format!("{}We are SOC 2 Type II certified", "x ".repeat(shift));
        let found = scan(&text, &EvidenceRegister::default());
        assert_eq!(found.len(), 1, "shift {shift}");
        assert_eq!(&text[found[0].start..found[0].end], "SOC 2 Type II");
    }
}

/// Copy of the kind a compliance consultancy's site carries: sentences
/// that name a standard without the site's owner claiming to hold it.
#[test]
fn sentences_about_others_the_reader_and_the_standard_pass() {
    for text in [
        // Third parties.
        "Most vendors have SOC 2 Type II reports by their second year.",
        "Many SaaS companies are ISO 27001 certified before they sell to banks.",
        "Your customers expect you to be SOC 2 compliant.",
        "Our clients are SOC 2 certified within six months.",
        "Enterprise buyers ask whether their suppliers hold ISO 27001 certification.",
        // The reader.
        "Achieve SOC 2 compliance in weeks, not months.",
        "Get your ISO 27001 certification with a guided program.",
        "Streamline SOC 2 audits with automated evidence collection.",
        // Definitions.
        "SOC 2 is a voluntary compliance standard developed by the AICPA.",
        "A SOC 2 report is an attestation by an independent CPA firm.",
        "ISO 27001 refers to the international standard for information security.",
        // How-tos and questions.
        "How to become SOC 2 certified without a dedicated security team.",
        "Is your company SOC 2 compliant?",
        // Negations and futures.
        "We are not SOC 2 certified today.",
        "We will be ISO 27001 certified by the end of next year.",
        // The past only.
        "We were PCI DSS compliant when we still took card payments.",
        // Regulations that are not certifications.
        "We are GDPR compliant and honour CCPA requests.",
    ] {
        assert!(
            scan(text, &EvidenceRegister::default()).is_empty(),
            "{text}: {:?}",
            scan(text, &EvidenceRegister::default())
        );
    }
}

#[test]
fn the_owners_present_and_perfect_claims_are_errors() {
    assert_eq!(
        claimed("We have been SOC 2 Type II certified since 2021."),
        ["SOC 2 Type II"]
    );
    assert_eq!(
        claimed("Unlike most vendors, we are ISO 27001 certified."),
        ["ISO/IEC 27001"]
    );
    assert_eq!(
        claimed("Acme Analytics is SOC 2 Type II compliant."),
        ["SOC 2 Type II"]
    );
    assert_eq!(
        claimed("Our SOC 2 Type II report is available to customers under NDA."),
        ["SOC 2 Type II"]
    );
    assert_eq!(claimed("SOC 2 Type II certified"), ["SOC 2 Type II"]);
    assert_eq!(
        claimed("We have had our ISO 27001 certification renewed."),
        ["ISO/IEC 27001"]
    );
}

#[test]
fn a_hosting_providers_certification_is_a_warning() {
    for text in [
        "Our platform is hosted on AWS, whose data centers are SOC 2 and ISO 27001 certified.",
        "BayStore runs on Google Cloud infrastructure that is ISO 27001 certified.",
    ] {
        let found = scan(text, &EvidenceRegister::default());
        assert!(!found.is_empty(), "{text}");
        for detection in found {
            assert_eq!(detection.rule, "claims/provider-certification", "{text}");
            assert_eq!(detection.severity, Severity::Warning, "{text}");
        }
    }
    // The owner's own claim next to the provider's is still an error.
    assert_eq!(
        claimed("We host on AWS; and we are SOC 2 Type II certified ourselves."),
        ["SOC 2 Type II"]
    );
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(crate::fuzz::config())]

        /// Whatever precedes it, a clause led by a third party never
        /// makes a claim, and one led by "we are" always does.
        #[test]
        fn fuzz_subjects_decide_claims(
            noise in crate::fuzz::noise(),
            third in prop::sample::select(vec!["Most vendors are", "Your suppliers are", "Many companies are", "Our customers are"]),
        ) {
            let _ = scan(&noise, &EvidenceRegister::default());
            let other = format!("{}. {third} SOC 2 Type II certified.", noise.replace(['.', '!', '?', '\n'], " "));
            prop_assert!(claimed(&other).is_empty(), "{}", other);
            prop_assert_eq!(claimed("We are SOC 2 Type II certified."), ["SOC 2 Type II"]);
        }
    }
}
