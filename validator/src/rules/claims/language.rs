//! Sentences, normalisation and the judgement of whether a sentence asserts
//! holding a certification.

use std::ops::Range;

use super::standard::Mention;
use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// One sentence of the scanned text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sentence<'t> {
    pub(super) text: &'t str,
    /// Byte offset of `text` in the scanned text.
    pub(super) start: usize,
}

/// Splits text into sentences: after `.`, `!`, `?` followed by whitespace,
/// and at blank lines (which separate blocks such as headings, paragraphs,
/// list items and table cells). Single line breaks are soft wraps inside a
/// paragraph and do not end a sentence.
pub(super) fn sentences(text: &str) -> impl Iterator<Item = Sentence<'_>> {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut index = 0;
    let mut done = false;
    // One sentence at a time: a text of many tiny sentences ("a. a. a.")
    // is not held as a list bigger than itself.
    std::iter::from_fn(move || {
        while !done {
            if index >= bytes.len() {
                done = true;
                if let Some(sentence) = trimmed_sentence(text, start, text.len()) {
                    return Some(sentence);
                }
                break;
            }
            let byte = bytes[index];
            let boundary_end = match byte {
                b'.' | b'!' | b'?' => {
                    let next = index + 1;
                    let followed_by_space =
                        next >= bytes.len() || bytes[next].is_ascii_whitespace();
                    (followed_by_space && !ends_with_abbreviation(&text[start..index]))
                        .then_some(next)
                }
                b'\n' => blank_line_end(bytes, index),
                _ => None,
            };
            if let Some(end) = boundary_end {
                let found = trimmed_sentence(text, start, end);
                start = end;
                index = end;
                if found.is_some() {
                    return found;
                }
            } else {
                index += 1;
            }
        }
        None
    })
}

/// The longest piece of a sentence judged at once, in bytes, and how far
/// consecutive pieces overlap: more than the clause window on either side
/// of a mention, so that every mention is whole, with its clause, in
/// some piece.
const PIECE_BYTES: usize = 16 * 1024;
const PIECE_OVERLAP: usize = 4 * CLAUSE_WINDOW;

/// A sentence in overlapping pieces of at most [`PIECE_BYTES`]: each with
/// its offset in the sentence and the range of piece offsets it owns. A
/// mention is judged in the piece that owns its start, which holds at
/// least half the overlap of text on either side of it (the whole
/// sentence, where shorter). A sentence that fits is one piece owning all
/// of itself.
pub(super) fn pieces(sentence: &str) -> impl Iterator<Item = (usize, &str, Range<usize>)> {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= sentence.len() {
            return None;
        }
        let end = floor_boundary(sentence, (start + PIECE_BYTES).min(sentence.len()));
        let last = end == sentence.len();
        let own_start = if start == 0 { 0 } else { PIECE_OVERLAP / 2 };
        let own_end = if last {
            end - start
        } else {
            end - start - PIECE_OVERLAP / 2
        };
        let piece = (start, &sentence[start..end], own_start..own_end);
        start = if last {
            end
        } else {
            let mut next = end - PIECE_OVERLAP;
            while !sentence.is_char_boundary(next) {
                next += 1;
            }
            next
        };
        Some(piece)
    })
}

fn trimmed_sentence(text: &str, start: usize, end: usize) -> Option<Sentence<'_>> {
    let slice = &text[start..end];
    let trimmed_start = slice.len() - slice.trim_start().len();
    let trimmed = slice.trim();
    (!trimmed.is_empty()).then_some(Sentence {
        text: trimmed,
        start: start + trimmed_start,
    })
}

/// If a blank line starts at the newline at `index`, the offset after it.
fn blank_line_end(bytes: &[u8], index: usize) -> Option<usize> {
    let mut next = index + 1;
    while next < bytes.len() && matches!(bytes[next], b' ' | b'\t' | b'\r') {
        next += 1;
    }
    (next < bytes.len() && bytes[next] == b'\n').then_some(next + 1)
}

/// Abbreviations whose period does not end a sentence.
fn ends_with_abbreviation(before: &str) -> bool {
    let last_word = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        last_word.as_str(),
        "e.g" | "i.e" | "etc" | "vs" | "inc" | "ltd" | "co" | "corp" | "approx" | "no" | "cf"
    )
}

/// Text folded for matching, with a map back to the original offsets:
/// compatibility forms decomposed and combining marks dropped (so
/// fullwidth `ＳＯＣ ２`, mathematical `𝐒𝐎𝐂` and `SÖC` read as `soc 2`
/// and `soc`), lowercase ASCII, curly apostrophes straightened, hyphens and
/// dashes as spaces, zero-width characters and soft hyphens dropped, and
/// each run of whitespace (including non-breaking and thin spaces) as one
/// space.
pub(super) struct Normalized {
    pub(super) text: String,
    /// `offsets[i]` is the original byte offset of normalised byte `i`;
    /// one extra entry maps the end.
    offsets: Vec<usize>,
}

/// Whether a non-ASCII character folds to an ASCII letter or digit
/// (`Ｓ`, `𝐒`, `Ö`, `²`), so that text holding it may name a standard
/// that the ASCII hints cannot see.
pub(super) fn disguises_ascii(character: char) -> bool {
    if character.is_ascii() {
        return false;
    }
    let mut found = false;
    decompose_compatible(character, |part| found |= part.is_ascii_alphanumeric());
    found
}

/// One character (already decomposed) folded for matching.
fn fold(character: char) -> char {
    match character {
        '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{fe58}' | '\u{fe63}' | '\u{ff0d}' => ' ',
        '\u{2018}' | '\u{2019}' | '\u{02bc}' => '\'',
        c if c.is_whitespace() => ' ',
        c => c.to_ascii_lowercase(),
    }
}

impl Normalized {
    pub(super) fn new(original: &str) -> Normalized {
        let mut text = String::with_capacity(original.len());
        let mut offsets = Vec::with_capacity(original.len() + 1);
        for (offset, character) in original.char_indices() {
            if matches!(
                character,
                '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}'
            ) {
                continue;
            }
            let mut push = |folded: char| {
                if folded == ' ' && (text.is_empty() || text.ends_with(' ')) {
                    return;
                }
                let mut buffer = [0u8; 4];
                let encoded = folded.encode_utf8(&mut buffer);
                text.push_str(encoded);
                offsets.extend(std::iter::repeat_n(offset, encoded.len()));
            };
            if character.is_ascii() {
                // The common case needs no table lookups.
                push(fold(character));
            } else {
                decompose_compatible(character, |part| {
                    if !is_combining_mark(part) {
                        push(fold(part));
                    }
                });
            }
        }
        offsets.push(original.len());
        Normalized { text, offsets }
    }

    /// The original byte offset of normalised byte `index`.
    pub(super) fn original_offset(&self, index: usize) -> usize {
        self.offsets[index.min(self.offsets.len() - 1)]
    }
}

/// Words that deny the claim: "we are not", "no SOC 2 report", "without".
const NEGATIONS: &[&str] = &[
    "not",
    "no",
    "never",
    "none",
    "neither",
    "nor",
    "without",
    "cannot",
    "lack",
    "lacks",
    "lacking",
    "nothing",
    "dont",
    "doesnt",
    "isnt",
    "arent",
    "havent",
    "hasnt",
    "didnt",
    "wont",
    "wasnt",
    "werent",
    "unable",
    "except",
    "excluding",
];

/// Words that put the certification in the future or make it a goal.
const ASPIRATIONS: &[&str] = &[
    "will",
    "shall",
    "targeting",
    "target",
    "targets",
    "targeted",
    "towards",
    "toward",
    "plan",
    "plans",
    "planned",
    "planning",
    "pursuing",
    "pursue",
    "pursues",
    "progress",
    "roadmap",
    "expected",
    "expect",
    "expects",
    "expecting",
    "intend",
    "intends",
    "intending",
    "aim",
    "aims",
    "aiming",
    "preparing",
    "prepare",
    "prepares",
    "upcoming",
    "future",
    "soon",
    "seeking",
    "seek",
    "seeks",
    "considering",
    "evaluating",
    "hope",
    "hoping",
    "once",
    "pending",
    "scheduled",
    "underway",
    "eventually",
    "goal",
    "goals",
    "readiness",
    "ready",
    "next",
    "yet",
    "begin",
    "beginning",
    "began",
    "started",
    "starting",
    "working",
];

/// Words that make the sentence about someone else's obligation, a
/// condition or an explanation rather than a statement of holding.
const NOT_ASSERTIONS: &[&str] = &[
    "help",
    "helps",
    "helping",
    "responsible",
    "responsibility",
    "must",
    "should",
    "need",
    "needs",
    "require",
    "requires",
    "required",
    "if",
    "unless",
    "whether",
    "how",
    "what",
    "why",
];

/// Words that assert holding on their own: "SOC 2 certified", "HIPAA
/// compliant", "meets PCI DSS".
const HOLDING: &[&str] = &[
    "certified",
    "compliant",
    "attested",
    "audited",
    "accredited",
    "authorized",
    "authorised",
    "validated",
    "conformant",
    "registered",
    "listed",
    "approved",
    "meets",
    "meet",
    "satisfies",
    "adheres",
    "conforms",
    "complies",
    "comply",
];

/// Nouns that are a claim only with a holder or an achievement: "our SOC 2
/// report", "we have ISO 27001 certification", "achieved HIPAA compliance".
const CREDENTIALS: &[&str] = &[
    "certification",
    "certifications",
    "certificate",
    "certificates",
    "compliance",
    "attestation",
    "attestations",
    "accreditation",
    "authorization",
    "authorisation",
    "audit",
    "audits",
    "report",
    "reports",
    "badge",
    "seal",
];

const HOLDERS: &[&str] = &[
    "our",
    "we",
    "we're",
    "we've",
    "us",
    "achieved",
    "hold",
    "holds",
    "held",
    "have",
    "has",
    "maintain",
    "maintains",
    "maintained",
    "earned",
    "obtained",
    "received",
    "awarded",
    "granted",
    "completed",
    "passed",
    "full",
    "fully",
    "successfully",
    "current",
    "available",
    "request",
    "download",
    "independent",
    "annual",
];

/// Labels that introduce a list of held credentials.
const CREDENTIAL_LABELS: &[&str] = &[
    "certification:",
    "certifications:",
    "certified:",
    "compliance:",
    "attestation:",
    "attestations:",
    "accreditation:",
    "accreditations:",
    "audited:",
];

/// Only an explicit certification is a GDPR claim; GDPR compliance is a
/// legal duty, not a credential.
const GDPR_HOLDING: &[&str] = &[
    "certified",
    "certification",
    "certifications",
    "certificate",
    "certificates",
];

/// Phrases that start a new clause with its own subject, so a negation or
/// goal before them does not carry over: "we are not X, but we are Y".
const CLAUSE_BREAKS: &[&str] = &[
    ";",
    " but ",
    " however",
    " whereas ",
    " while ",
    " although ",
    " though ",
    ", and we ",
    ", and our ",
    " and we ",
    " and our ",
];

/// Whether the sentence (normalised) asserts holding the mentioned standard.
/// How far around a mention its clause is looked for, in bytes. Clauses
/// of real prose are far shorter.
const CLAUSE_WINDOW: usize = 400;

/// The nearest character boundary at or before `index`.
fn floor_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Whether the sentence (or the piece of it) `sentence`, in which
/// `mention` was found, asserts that the site's owner holds the standard.
/// A question (`question`: the whole sentence ends with `?`) never does.
pub(super) fn judge(sentence: &str, mention: &Mention, question: bool) -> Judgement {
    if question {
        return Judgement::NotAClaim;
    }
    // The clause is looked for within a window around the mention, so
    // that judging every mention of a long run-on "sentence" stays linear.
    let window_start = floor_boundary(sentence, mention.start.saturating_sub(CLAUSE_WINDOW));
    let window_end = floor_boundary(sentence, (mention.end + CLAUSE_WINDOW).min(sentence.len()));
    let clause_start = CLAUSE_BREAKS
        .iter()
        .filter_map(|brk| {
            sentence[window_start..mention.start]
                .rfind(brk)
                .map(|at| window_start + at + brk.len())
        })
        .max()
        .unwrap_or(window_start);
    let clause_end = CLAUSE_BREAKS
        .iter()
        .filter_map(|brk| {
            sentence[mention.end..window_end]
                .find(brk)
                .map(|at| mention.end + at)
        })
        .min()
        .unwrap_or(window_end);
    // A negation or goal after the mention counts only up to the next
    // comma: "SOC 2 Type II certified, with no exceptions" is a claim.
    let near_end = sentence[mention.end..clause_end]
        .find([',', '(', ')'])
        .map_or(clause_end, |at| mention.end + at);

    let before = words(&sentence[clause_start..mention.start]);
    let after = words(&sentence[mention.end..near_end]);
    let denied = before.iter().chain(&after).any(|word| {
        NEGATIONS.contains(word)
            || ASPIRATIONS.contains(word)
            || NOT_ASSERTIONS.contains(word)
            || word.ends_with("n't")
    });
    if denied {
        return Judgement::NotAClaim;
    }
    let before_words = words(&sentence[clause_start..mention.start]);
    match subject(&before_words) {
        Subject::Provider(name) => return Judgement::Provider(name),
        Subject::Other => return Judgement::NotAClaim,
        Subject::Owner | Subject::None => {}
    }
    if defines(&after) || past_only(&before_words) {
        return Judgement::NotAClaim;
    }

    let clause: Vec<&str> = words(&sentence[clause_start..mention.start])
        .into_iter()
        .chain(words(&sentence[mention.end..clause_end]))
        .collect();
    if mention.standard.is_gdpr() {
        return Judgement::from(clause.iter().any(|word| GDPR_HOLDING.contains(word)));
    }
    let holding = clause.iter().any(|word| HOLDING.contains(word));
    let credential = clause.iter().any(|word| CREDENTIALS.contains(word))
        && clause.iter().any(|word| HOLDERS.contains(word));
    // A label such as "Certifications: SOC 2 Type II, ISO 27001" lists
    // what is held, the way a badge does.
    let labelled = CREDENTIAL_LABELS
        .iter()
        .any(|label| sentence[clause_start..mention.start].contains(label));
    let service_provider = clause
        .windows(2)
        .any(|pair| pair == ["service", "provider"] || pair == ["service", "providers"]);
    Judgement::from(holding || credential || labelled || service_provider)
}

/// What a sentence says about a mentioned standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Judgement {
    /// The site's owner holds it.
    Claim,
    /// A hosting or cloud provider the site runs on holds it.
    Provider(&'static str),
    NotAClaim,
}

impl From<bool> for Judgement {
    fn from(claim: bool) -> Judgement {
        if claim {
            Judgement::Claim
        } else {
            Judgement::NotAClaim
        }
    }
}

/// Who a clause is about, read from the words before the mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subject {
    /// "we", "our", "us": the site's owner.
    Owner,
    /// A hosting or cloud provider, named as such.
    Provider(&'static str),
    /// Third parties ("most vendors"), the reader ("you", an imperative
    /// such as "achieve"), or the owner's customers and partners.
    Other,
    /// No subject: a badge, a heading, or a name the validator cannot
    /// place (the company's own name reads like this).
    None,
}

const OWNER_WORDS: &[&str] = &["we", "we're", "we've", "our", "ours", "us"];

/// Nouns for people and companies other than the site's owner.
const THIRD_PARTIES: &[&str] = &[
    "vendor",
    "vendors",
    "companies",
    "company's",
    "businesses",
    "organizations",
    "organisations",
    "startups",
    "enterprises",
    "customers",
    "customer",
    "clients",
    "client",
    "partners",
    "suppliers",
    "supplier",
    "competitors",
    "auditors",
    "auditor",
    "firms",
    "teams",
    "others",
    "they",
    "their",
    "them",
    "you",
    "your",
    "you're",
    "you've",
    "yours",
    "everyone",
    "anyone",
    "most",
    "many",
];

/// Verbs that open an imperative addressed to the reader: "Achieve SOC 2
/// compliance", "Get your ISO 27001 certification".
const IMPERATIVES: &[&str] = &[
    "achieve",
    "get",
    "become",
    "obtain",
    "earn",
    "pass",
    "prepare",
    "streamline",
    "simplify",
    "automate",
    "accelerate",
    "start",
    "learn",
    "understand",
    "discover",
    "master",
    "navigate",
    "fast",
    "track",
    "win",
];

/// Hosting and cloud providers whose certifications sites cite: the word
/// as normalised text has it, and the name to show.
const PROVIDERS: &[(&str, &str)] = &[
    ("aws", "AWS"),
    ("amazon", "Amazon"),
    ("azure", "Azure"),
    ("microsoft", "Microsoft"),
    ("google", "Google"),
    ("gcp", "Google Cloud"),
    ("cloudflare", "Cloudflare"),
    ("heroku", "Heroku"),
    ("vercel", "Vercel"),
    ("netlify", "Netlify"),
    ("digitalocean", "DigitalOcean"),
    ("hetzner", "Hetzner"),
    ("ovh", "OVH"),
    ("akamai", "Akamai"),
    ("fastly", "Fastly"),
    ("equinix", "Equinix"),
    ("oracle", "Oracle"),
    ("ibm", "IBM"),
];

/// Words after which a provider is named as the site's host: "hosted on
/// AWS", "our data centers", "infrastructure provider".
const HOSTING_WORDS: &[&str] = &[
    "hosted",
    "hosting",
    "host",
    "hosts",
    "runs",
    "run",
    "running",
    "infrastructure",
    "datacenter",
    "datacenters",
    "data",
    "cloud",
    "provider",
    "providers",
];

/// Reads the subject of a clause from its words before the mention.
fn subject(before: &[&str]) -> Subject {
    let hosting = before.iter().any(|w| HOSTING_WORDS.contains(w));
    if let Some((_, name)) = before
        .iter()
        .find_map(|w| PROVIDERS.iter().find(|(word, _)| word == w))
        && hosting
    {
        return Subject::Provider(name);
    }
    // "our customers", "our partners": the owner's, but not the owner.
    let owners_others = before
        .windows(2)
        .any(|pair| OWNER_WORDS.contains(&pair[0]) && THIRD_PARTIES.contains(&pair[1]));
    if before.iter().any(|w| OWNER_WORDS.contains(w)) && !owners_others {
        return Subject::Owner;
    }
    if owners_others || before.iter().any(|w| THIRD_PARTIES.contains(w)) {
        return Subject::Other;
    }
    if before.first().is_some_and(|w| IMPERATIVES.contains(w)) {
        return Subject::Other;
    }
    Subject::None
}

/// Whether the words after a mention define it ("SOC 2 is a framework",
/// "ISO 27001 refers to").
fn defines(after: &[&str]) -> bool {
    match after {
        ["is" | "are" | "was", "a" | "an" | "the" | "one", ..] => true,
        [
            "report" | "reports" | "audit" | "audits" | "certification",
            "is" | "are",
            "a" | "an" | "the",
            ..,
        ] => true,
        [first, ..] => matches!(
            *first,
            "refers" | "means" | "stands" | "defines" | "describes" | "covers"
        ),
        [] => false,
    }
}

/// Whether the clause speaks only of the past: "was" or "were" without a
/// present or perfect auxiliary ("we were SOC 2 certified in 2019").
fn past_only(before: &[&str]) -> bool {
    let past = before.iter().any(|w| matches!(*w, "was" | "were"));
    let present = before.iter().any(|w| {
        matches!(
            *w,
            "is" | "are" | "am" | "have" | "has" | "had" | "remain" | "remains"
        )
    });
    past && !present
}

/// Lowercase words (letters, digits, apostrophes) of normalised text.
fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|word| word.trim_matches('\''))
        .filter(|word| !word.is_empty())
        .collect()
}

/// A short, single-line quote of a sentence for messages.
pub(super) fn excerpt(sentence: &str) -> String {
    const LIMIT: usize = 160;
    // Only the start is shown, so only the start is read: characters take
    // at most four bytes, and whitespace runs shrink to one space.
    let head = &sentence[..floor_boundary(sentence, sentence.len().min(LIMIT * 16))];
    let single_line: String = head.split_whitespace().collect::<Vec<_>>().join(" ");
    if single_line.chars().count() <= LIMIT && head.len() == sentence.len() {
        return single_line;
    }
    let mut shortened: String = single_line.chars().take(LIMIT - 1).collect();
    shortened.push('…');
    shortened
}
