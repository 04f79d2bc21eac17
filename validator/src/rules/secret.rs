//! `secret`: credentials shipped in the bundle.
//!
//! Rules in the style of gitleaks: each names a credential format by its
//! fixed prefix or shape, plus one generic rule for high-entropy values
//! assigned to secret-like names. Everything a static bundle ships is
//! public, so any credential found here is already leaked.
//!
//! Scanning runs on every file of a bundle, so it is built for speed: a
//! few small [`RegexSet`]s of every rule's keywords (plain literals, which
//! the regex engine matches with SIMD) decide which rules can match at
//! all. Only for those rules are the keyword hits located, and the full
//! pattern runs only in a window around each hit; the generic rule opens a
//! window only where the text after a hit can be the rest of an assigned
//! name (see `assignment_follows`), so prose that merely says "token"
//! costs no matching at all, not a pass over the whole file. The
//! patterns tolerate JSON escaping (`\"`, `\/`, `\n`), so secrets inside
//! the `sourcesContent` of a `.map` file are found in the raw text.
//!
//! No message ever contains a whole secret: see [`redact`].
//!
//! Rule ids: `secret/aws-access-key`, `secret/aws-secret-key`,
//! `secret/stripe-secret-key`, `secret/stripe-publishable-key` (warning),
//! `secret/github-token`, `secret/gitlab-token`, `secret/slack-token`,
//! `secret/slack-webhook`, `secret/private-key`, `secret/jwt`,
//! `secret/cloudflare-api-token`, `secret/cloudflare-origin-ca-key`,
//! `secret/google-api-key` (warning: public by design),
//! `secret/google-oauth-client-secret`, `secret/openai-api-key`,
//! `secret/anthropic-api-key`, `secret/npm-token`, `secret/sendgrid-api-key`,
//! `secret/shopify-token`, `secret/connection-string`,
//! `secret/generic-assignment` (a random-looking value assigned to a name
//! such as `secret`, `token`, `password`, `api_key` or `client_secret`) and
//! `secret/public-token` (warning: a token or key that browsers are meant
//! to hold, such as an analytics beacon token, a project key or a
//! search-only key, see `public_by_design`).

pub mod debris;
#[cfg(test)]
mod tests;

use crate::rule::{self, Category};
use std::collections::BTreeMap;
use std::sync::{LazyLock, OnceLock};

use regex::{Regex, RegexSet};

use crate::{Detection, Severity};

/// One credential format.
struct Rule {
    id: &'static str,
    /// What the credential is, for messages ("Stripe secret key").
    what: &'static str,
    /// Case-sensitive literals at least one of which every match contains;
    /// they feed the prefilter. Fragments such as `ecret` cover `secret`,
    /// `clientSecret` and `Secret` at once.
    keywords: &'static [&'static str],
    /// The full pattern; the capture group named `secret` (or
    /// `attribute_secret`, `env_secret`) is the credential, and `name` (or
    /// `attribute_name`, `env_name`) the name it is assigned to, if any.
    pattern: &'static str,
    /// Extra judgement on a candidate value (`None`: every match counts).
    accept: Option<fn(&str, &str) -> bool>,
    /// What the text right after a keyword hit must look like for a match
    /// to hold that hit (`None`: anything). A hit that fails it opens no
    /// window, so prose that merely says "token" costs no matching.
    follows: Option<fn(&str) -> bool>,
    help: &'static str,
}

impl Rule {
    /// The severity the rule table declares for this format.
    fn severity(&self) -> Severity {
        rule::lookup(self.id).map_or(Severity::Error, |declared| declared.severity)
    }
}

const ROTATE: &str = "Remove it from the bundle and rotate it now: anything shipped to \
    browsers is public. Keep credentials in server-side secrets (e.g. Worker secrets), \
    never in static files or source maps.";

/// Gitleaks-style credential rules. Specific formats come first; the
/// generic rule runs last and yields to any specific rule on the same text.
const RULES: &[Rule] = &[
    Rule {
        id: "secret/aws-access-key",
        what: "AWS access key id",
        keywords: &["AKIA", "ASIA", "ABIA", "ACCA", "A3T"],
        pattern: r"\b(?P<secret>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b",
        accept: None,
        follows: None,
        help: ROTATE,
    },
    Rule {
        id: "secret/aws-secret-key",
        what: "AWS secret access key",
        keywords: &["aws", "Aws", "AWS"],
        pattern: r#"(?i)aws[\w.-]{0,20}?secret[\w.-]{0,20}?\\?["']?\s*(?:[:=]|=>)\s*\\?["'`]?(?P<secret>[A-Za-z0-9/+]{40})\b"#,
        accept: None,
        follows: None,
        help: ROTATE,
    },
    Rule {
        id: "secret/stripe-secret-key",
        what: "Stripe secret key",
        keywords: &["k_live_", "k_test_", "k_prod_"],
        pattern: r"\b(?P<secret>(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,247})\b",
        accept: None,
        follows: None,
        help: "Remove it and roll the key in the Stripe dashboard. Only publishable keys \
            (pk_…) belong in browser code; secret and restricted keys stay on the server.",
    },
    Rule {
        id: "secret/posthog-project-key",
        what: "PostHog project API key",
        keywords: &["phc_"],
        pattern: r"\b(?P<secret>phc_[A-Za-z0-9]{32,64})\b",
        accept: None,
        follows: None,
        help: "A PostHog project key is public by design; make sure analytics load only \
            after consent and that the project rejects events from other origins.",
    },
    Rule {
        id: "secret/stripe-publishable-key",
        what: "Stripe publishable key",
        keywords: &["k_live_", "k_test_"],
        pattern: r"\b(?P<secret>pk_(?:live|test)_[A-Za-z0-9]{10,247})\b",
        accept: None,
        follows: None,
        help: "Publishable keys are meant for browsers, but this site promises a sandbox \
            checkout: make sure no live payment flow ships by accident.",
    },
    Rule {
        id: "secret/github-token",
        what: "GitHub token",
        keywords: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        pattern: r"\b(?P<secret>(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b",
        accept: None,
        follows: None,
        help: ROTATE,
    },
    Rule {
        id: "secret/gitlab-token",
        what: "GitLab personal access token",
        keywords: &["glpat-"],
        pattern: r"\b(?P<secret>glpat-[A-Za-z0-9_-]{20,255})",
        accept: None,
        follows: None,
        help: ROTATE,
    },
    Rule {
        id: "secret/slack-token",
        what: "Slack token",
        keywords: &["xox", "xapp-"],
        pattern: r"\b(?P<secret>(?:xox[abeprs]|xapp)-[0-9A-Za-z-]{10,250})",
        accept: None,
        follows: None,
        help: ROTATE,
    },
    Rule {
        id: "secret/slack-webhook",
        what: "Slack incoming webhook URL",
        keywords: &["hooks.slack.com"],
        pattern: r"(?P<secret>hooks\.slack\.com(?:\\?/)(?:services|workflows|triggers)(?:\\?/)[A-Za-z0-9+_\\/-]{20,})",
        accept: None,
        follows: None,
        help: "Anyone with this URL can post into the channel: revoke the webhook in \
            Slack and send notifications from the server side instead.",
    },
    Rule {
        id: "secret/private-key",
        what: "private key",
        keywords: &["PRIVATE KEY"],
        // The header alone is often quoted in documentation; a key needs
        // its base64 body too. `[^-]` skips PEM headers such as
        // `Proc-Type` and JSON-escaped newlines.
        pattern: r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[^-]{0,300}?(?P<secret>[A-Za-z0-9+/]{40,})",
        accept: None,
        follows: None,
        help: "Remove the key from the bundle and replace the key pair: a private key \
            served to browsers is compromised.",
    },
    Rule {
        id: "secret/jwt",
        what: "JSON Web Token",
        keywords: &["eyJ"],
        pattern: r"\b(?P<secret>eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})",
        accept: Some(not_sample_jwt),
        follows: None,
        help: "A signed token grants whatever its claims say until it expires: remove \
            it, revoke it if it is long-lived, and fetch tokens at run time instead.",
    },
    Rule {
        id: "secret/cloudflare-api-token",
        what: "Cloudflare API token",
        keywords: &[
            "cloudflare",
            "Cloudflare",
            "CLOUDFLARE",
            "cf_",
            "cf-",
            "CF_",
            "CF-",
        ],
        pattern: r#"(?i)(?:cloudflare|\bcf)[\w.-]{0,20}?(?:token|key|secret)\w*\\?["']?\s*(?:[:=]|=>)\s*\\?["'`]?(?P<secret>[A-Za-z0-9_-]{37,40})\b"#,
        accept: None,
        follows: None,
        help: "Roll the token in the Cloudflare dashboard and keep it in CI or Worker \
            secrets; deployment credentials never belong in the site bundle.",
    },
    Rule {
        id: "secret/cloudflare-origin-ca-key",
        what: "Cloudflare Origin CA key",
        keywords: &["v1.0-"],
        pattern: r"\b(?P<secret>v1\.0-[a-f0-9]{24}-[a-f0-9]{146})\b",
        accept: None,
        follows: None,
        help: ROTATE,
    },
    Rule {
        id: "secret/google-api-key",
        what: "Google API key",
        keywords: &["AIza"],
        pattern: r"\b(?P<secret>AIza[0-9A-Za-z_-]{35})",
        accept: None,
        follows: None,
        help: "Browser-side Google keys (Maps and the like) are public by design: \
            restrict this key to the site's HTTP referrers and to the APIs it needs.",
    },
    Rule {
        id: "secret/google-oauth-client-secret",
        what: "Google OAuth client secret",
        keywords: &["GOCSPX-"],
        pattern: r"\b(?P<secret>GOCSPX-[A-Za-z0-9_-]{28})",
        accept: None,
        follows: None,
        help: ROTATE,
    },
    Rule {
        id: "secret/openai-api-key",
        what: "OpenAI API key",
        keywords: &["sk-", "T3BlbkFJ"],
        pattern: r"\b(?P<secret>sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})",
        accept: None,
        follows: None,
        help: ROTATE,
    },
    Rule {
        id: "secret/anthropic-api-key",
        what: "Anthropic API key",
        keywords: &["sk-ant-"],
        pattern: r"\b(?P<secret>sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,})",
        accept: None,
        follows: None,
        help: ROTATE,
    },
    Rule {
        id: "secret/npm-token",
        what: "npm access token",
        keywords: &["npm_"],
        pattern: r"\b(?P<secret>npm_[A-Za-z0-9]{36})\b",
        accept: None,
        follows: None,
        help: ROTATE,
    },
    Rule {
        id: "secret/sendgrid-api-key",
        what: "SendGrid API key",
        keywords: &["SG."],
        pattern: r"\b(?P<secret>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})\b",
        accept: None,
        follows: None,
        help: ROTATE,
    },
    Rule {
        id: "secret/shopify-token",
        what: "Shopify access token",
        keywords: &["shpat_", "shpca_", "shppa_", "shpss_"],
        pattern: r"\b(?P<secret>shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})\b",
        accept: None,
        follows: None,
        help: ROTATE,
    },
    Rule {
        id: "secret/connection-string",
        what: "database or broker password in a connection string",
        keywords: &[
            "postgres", "mysql", "mongodb", "redis", "amqp", "POSTGRES", "MYSQL", "MONGODB",
            "REDIS", "AMQP",
        ],
        pattern: r#"(?i)\b(?:postgres(?:ql)?|mysql|mongodb(?:\+srv)?|rediss?|amqps?)://[^\s:/@"'<>\\]+:(?P<secret>[^\s/@"'<>\\]{3,})@[^\s"'<>\\]+"#,
        accept: Some(not_placeholder_password),
        follows: None,
        help: "Remove the connection string; the database password in it must be \
            changed. Browsers never need direct database credentials.",
    },
    Rule {
        id: "secret/generic-assignment",
        what: "hard-coded secret",
        keywords: &[
            "ecret",
            "ECRET",
            "oken",
            "OKEN",
            "assw",
            "ASSW",
            "pwd",
            "Pwd",
            "PWD",
            "pi_key",
            "piKey",
            "PI_KEY",
            "pi-key",
            "pikey",
            "PIKEY",
            "rivate_key",
            "rivateKey",
            "rivate-key",
            "rivatekey",
            "RIVATE_KEY",
            "ccess_key",
            "ccessKey",
            "CCESS_KEY",
            "ccesskey",
            "uth_key",
            "uthKey",
            "UTH_KEY",
            "redential",
            "REDENTIAL",
        ],
        // Three shapes: a quoted code or config assignment (`apiSecret =
        // "…"`, `"token": "…"`); an HTML element that names the secret in
        // one attribute and carries it in another (`<meta name="api-key"
        // content="…">`, hidden inputs); and a `.env` line
        // (`DATABASE_PASSWORD=…`, unquoted, upper-case name).
        pattern: r#"(?i)(?P<name>[a-z0-9_.$-]*(?:secret|token|passwd|password|pwd|api[_-]?key|private[_-]?key|access[_-]?key|auth[_-]?key|credentials?)[a-z0-9_.-]*)\\?["']?\s*(?:[:=]|:=|=>|\|\|=|\?\?=)\s*\\?["'`](?P<secret>[^"'`\s\\<>{}]{8,200})\\?["'`]|\b(?:name|id|property|itemprop)\s*=\s*\\?["'](?P<attribute_name>[a-z0-9_.:-]*(?:secret|token|passwd|password|pwd|api[_-]?key|private[_-]?key|access[_-]?key|auth[_-]?key|credentials?)[a-z0-9_.:-]*)\\?["'][^<>]{0,200}?\b(?:content|value)\s*=\s*\\?["'](?P<attribute_secret>[^"'`\s\\<>{}]{8,200})\\?["']|(?m-i:^[\t ]*(?:export[\t ]+)?(?P<env_name>[A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|PWD|API_KEY|APIKEY|PRIVATE_KEY|ACCESS_KEY|AUTH_KEY|CREDENTIALS?)[A-Z0-9_]*)[\t ]*=[\t ]*(?P<env_secret>[^\s"'`#\\<>{}]{8,200})[\t ]*\r?$)"#,
        accept: Some(looks_like_generic_secret),
        follows: Some(assignment_follows),
        help: ROTATE,
    },
];

/// How far before a keyword hit a match may start (a long variable name
/// in front of `secret`, a PEM label in front of `PRIVATE KEY`).
const WINDOW_BEFORE: usize = 256;
/// How far after a keyword hit a match may end (a 200-character value, a
/// PEM header followed by 40 characters of key material).
const WINDOW_AFTER: usize = 1024;

/// Most literals one prefilter set holds: beyond a few dozen the regex
/// engine leaves its SIMD literal search for a much slower automaton, so
/// several small sets beat one large one.
const LITERALS_PER_SET: usize = 32;

/// One prefilter set and the rules its patterns stand for.
struct PrefilterSet {
    set: RegexSet,
    rules: Vec<usize>,
}

/// Compiled rules plus the keyword prefilter.
struct Scanner {
    prefilter: Vec<PrefilterSet>,
    /// Each rule's keywords as one pattern, to locate the hits.
    keyword_patterns: Vec<String>,
    /// Each rule's keyword regex and secret regex, compiled the first time
    /// the prefilter sends a file to that rule. Compiling every rule up
    /// front costs more than scanning a whole clean bundle, and most rules
    /// never see a candidate.
    compiled: Vec<OnceLock<CompiledRule>>,
}

struct CompiledRule {
    keywords: Regex,
    pattern: Regex,
}

impl Scanner {
    fn rule(&self, index: usize) -> &CompiledRule {
        // The rule table is fixed at compile time and covered by tests, so
        // a pattern that does not compile is a programming error.
        self.compiled[index].get_or_init(|| CompiledRule {
            keywords: Regex::new(&self.keyword_patterns[index])
                .expect("secret keyword patterns compile"),
            pattern: Regex::new(RULES[index].pattern).expect("secret rule patterns compile"),
        })
    }
}

static SCANNER: LazyLock<Scanner> = LazyLock::new(|| {
    let keyword_patterns: Vec<String> = RULES.iter().map(keyword_pattern).collect();
    // The rule table is fixed at compile time and covered by tests, so a
    // pattern that does not compile is a programming error.
    let mut prefilter = Vec::new();
    let mut group: Vec<usize> = Vec::new();
    let mut literals = 0;
    for (index, rule) in RULES.iter().enumerate() {
        if !group.is_empty() && literals + rule.keywords.len() > LITERALS_PER_SET {
            prefilter.push(prefilter_set(&keyword_patterns, std::mem::take(&mut group)));
            literals = 0;
        }
        group.push(index);
        literals += rule.keywords.len();
    }
    if !group.is_empty() {
        prefilter.push(prefilter_set(&keyword_patterns, group));
    }
    Scanner {
        prefilter,
        keyword_patterns,
        compiled: RULES.iter().map(|_| OnceLock::new()).collect(),
    }
});

fn prefilter_set(keyword_patterns: &[String], rules: Vec<usize>) -> PrefilterSet {
    let set = RegexSet::new(rules.iter().map(|&index| &keyword_patterns[index]))
        .expect("secret keyword patterns compile");
    PrefilterSet { set, rules }
}

/// The alternation of a rule's keywords, as plain escaped literals.
fn keyword_pattern(rule: &Rule) -> String {
    let escaped: Vec<String> = rule.keywords.iter().map(|k| regex::escape(k)).collect();
    escaped.join("|")
}

/// Byte ranges around each keyword hit that `follows` allows, merged
/// where they overlap.
fn windows(keyword: &Regex, follows: Option<fn(&str) -> bool>, text: &str) -> Vec<(usize, usize)> {
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for hit in keyword.find_iter(text) {
        if follows.is_some_and(|follows| !follows(&text[hit.end()..])) {
            continue;
        }
        let start = char_floor(text, hit.start().saturating_sub(WINDOW_BEFORE));
        let end = char_ceil(text, hit.end().saturating_add(WINDOW_AFTER).min(text.len()));
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

fn char_floor(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn char_ceil(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index += 1;
    }
    index
}

/// Scans any text for secrets. Messages never contain a whole secret.
///
/// Each detection's range covers the secret itself, so a caller that shows
/// the offending source must redact that range (see [`redact`]).
pub fn scan(text: &str) -> Vec<Detection> {
    scan_windows(text, true)
}

/// [`scan`], with `follows` judging each keyword hit or (for tests that
/// hold the two equal) every hit opening a window.
fn scan_windows(text: &str, filtered: bool) -> Vec<Detection> {
    let scanner = &*SCANNER;
    let mut candidates: Vec<usize> = Vec::new();
    for group in &scanner.prefilter {
        candidates.extend(group.set.matches(text).iter().map(|i| group.rules[i]));
    }
    if candidates.is_empty() {
        return Vec::new();
    }
    // Table order: specific rules before the generic one.
    candidates.sort_unstable();
    let mut detections: Vec<Detection> = Vec::new();
    // The ranges already reported, start to end. They never overlap, so
    // the one starting last before a candidate's end is the only one that
    // can overlap it: a lookup, not a pass over every detection.
    let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
    for index in candidates {
        let rule = &RULES[index];
        let compiled = scanner.rule(index);
        let follows = rule.follows.filter(|_| filtered);
        for (window_start, window_end) in windows(&compiled.keywords, follows, text) {
            let window = &text[window_start..window_end];
            for captures in compiled.pattern.captures_iter(window) {
                let Some(secret) = captures
                    .name("secret")
                    .or_else(|| captures.name("attribute_secret"))
                    .or_else(|| captures.name("env_secret"))
                else {
                    continue;
                };
                let name = captures
                    .name("name")
                    .or_else(|| captures.name("attribute_name"))
                    .or_else(|| captures.name("env_name"))
                    .map_or("", |name| name.as_str());
                if is_placeholder(secret.as_str())
                    || rule
                        .accept
                        .is_some_and(|accept| !accept(name, secret.as_str()))
                {
                    continue;
                }
                let (start, end) = (window_start + secret.start(), window_start + secret.end());
                // Rules run in table order, specific before generic: a value
                // a specific rule already named is not reported twice.
                if taken
                    .range(..end)
                    .next_back()
                    .is_some_and(|(_, &seen_end)| start < seen_end)
                {
                    continue;
                }
                taken.insert(start, end);
                if rule.id == "secret/generic-assignment"
                    && let Some(kind) = public_by_design(text, start, name)
                {
                    detections.push(Detection {
                        rule: "secret/public-token",
                        severity: Severity::Warning,
                        start,
                        end,
                        message: format!(
                            "{kind} {} is shipped in the bundle; it is public by design, but \
                             check its restrictions",
                            redact(secret.as_str())
                        ),
                        help: PUBLIC_TOKEN_HELP,
                    });
                    continue;
                }
                detections.push(Detection {
                    rule: rule.id,
                    severity: rule.severity(),
                    start,
                    end,
                    message: message(rule, secret.as_str()),
                    help: rule.help,
                });
            }
        }
    }
    detections.sort_by_key(|d| (d.start, d.end));
    detections
}

const PUBLIC_TOKEN_HELP: &str = "Browsers are meant to hold this value, so it is no leak; \
    check that it is restricted to the site's origin and to read-only or ingest-only use, \
    and that the service it names loads only after consent.";

/// Names under which browser code carries a value that is public by
/// design (compared lowercased, without `_`, `-` and `.`): publishable,
/// public, site and client keys, ingest-only write keys, search-only keys.
const PUBLIC_NAMES: &[&str] = &[
    "publishablekey",
    "publickey",
    "sitekey",
    "clienttoken",
    "writekey",
    "searchonlyapikey",
    "searchkey",
    "measurementid",
    "projecttoken",
    "beacontoken",
];

/// Markers of a vendor snippet whose `token`, `key` or `apiKey` is public by
/// design, with what that value is: the Cloudflare Web Analytics beacon,
/// Algolia DocSearch, Mixpanel, Amplitude, Datadog RUM and Sentry loaders.
const PUBLIC_CONTEXTS: &[(&str, &str)] = &[
    ("data-cf-beacon", "Cloudflare Web Analytics beacon token"),
    (
        "cloudflareinsights",
        "Cloudflare Web Analytics beacon token",
    ),
    ("docsearch", "Algolia search-only API key"),
    ("algolia", "Algolia search-only API key"),
    ("mixpanel.init", "Mixpanel project token"),
    ("amplitude.init", "Amplitude API key"),
    ("amplitude.getinstance", "Amplitude API key"),
    ("dd_rum", "Datadog RUM client token"),
    ("sentry.init", "Sentry public key"),
];

/// How far before a value a vendor snippet's marker may be.
const PUBLIC_CONTEXT_BEFORE: usize = 300;

/// Whether a value the generic rule found at `start` of `text`, assigned
/// to `name`, is public by design, and what it is. Only names that say
/// `token` or `key` qualify: a `secret`, `password` or admin key (Algolia's
/// `adminApiKey`) never does, whatever surrounds it.
fn public_by_design(text: &str, start: usize, name: &str) -> Option<&'static str> {
    let squashed: String = name
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | '.'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if [
        "secret",
        "passw",
        "pwd",
        "private",
        "credential",
        "access",
        "auth",
        "admin",
        "master",
        "server",
        "service",
    ]
    .iter()
    .any(|word| squashed.contains(word))
    {
        return None;
    }
    if PUBLIC_NAMES.iter().any(|public| squashed.ends_with(public)) {
        return Some("public-by-design key");
    }
    if !(squashed.ends_with("token") || squashed.ends_with("key")) {
        return None;
    }
    let from = char_floor(text, start.saturating_sub(PUBLIC_CONTEXT_BEFORE));
    let before = text[from..start].to_ascii_lowercase();
    PUBLIC_CONTEXTS
        .iter()
        .find(|(marker, _)| before.contains(marker))
        .map(|(_, what)| *what)
}

fn message(rule: &Rule, secret: &str) -> String {
    let shown = redact(secret);
    match rule.severity() {
        Severity::Error => format!(
            "{} {shown} is shipped in the bundle, where anyone can read and use it",
            rule.what
        ),
        Severity::Warning => format!(
            "{} {shown} is shipped in the bundle; it is public by design, but check its \
             restrictions",
            rule.what
        ),
    }
}

/// A safe stand-in for a secret in messages: at most its first four
/// characters (fewer for short values, so most of it stays hidden), an
/// ellipsis and its length, e.g. `` `sk_l…` (32 characters) ``.
pub fn redact(secret: &str) -> String {
    let length = secret.chars().count();
    format!("`{}…` ({length} characters)", visible_prefix(secret))
}

/// The part of a secret any output may show: a quarter of it at most, and
/// never more than four characters, enough to find it again and too little
/// to use. Every place that prints around a secret goes through this.
pub fn visible_prefix(secret: &str) -> &str {
    let shown = (secret.chars().count() / 4).min(4);
    let end = secret
        .char_indices()
        .nth(shown)
        .map_or(secret.len(), |(index, _)| index);
    &secret[..end]
}

/// Values that are obviously not real credentials: documentation
/// placeholders, template variables and masked examples.
fn is_placeholder(value: &str) -> bool {
    const MARKERS: &[&str] = &[
        "example",
        "xxxx",
        "changeme",
        "change_me",
        "change-me",
        "placeholder",
        "dummy",
        "redacted",
        "your_",
        "your-",
        "yourkey",
        "yourtoken",
        "${",
        "{{",
        "<",
        "%s",
        "****",
        "...",
        "…",
        "replace",
        "insert",
        "sample",
    ];
    let lowered = value.to_ascii_lowercase();
    if MARKERS.iter().any(|marker| lowered.contains(marker)) {
        return true;
    }
    let mut distinct: Vec<char> = value.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    distinct.len() <= 3
}

/// The token from the jwt.io debugger shows up in docs and tests; it
/// carries no real authority.
fn not_sample_jwt(_name: &str, token: &str) -> bool {
    !token.ends_with("SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
}

fn not_placeholder_password(_name: &str, password: &str) -> bool {
    !matches!(
        password.to_ascii_lowercase().as_str(),
        "password" | "pass" | "passwd" | "secret" | "user" | "pwd"
    ) && !password.starts_with('$')
        && !password.starts_with('%')
}

/// The generic rule's judgement: the name must be about a credential and
/// the value must look random, not like a word, a URL or a label.
/// Whether the text after a keyword hit of the generic rule can go on to
/// a match, in any of the rule's three shapes. In each, the keyword is
/// part of a name, the rest of the name follows it, and then come:
///
/// - a code or config assignment: an optional `\`, an optional quote,
///   white space, then an operator (`=`, `:`, `:=`, `=>`, `||=`, `??=`);
/// - an attribute that names the secret: an optional `\`, then the quote
///   that closes the attribute value (a name here may hold `:`);
/// - a `.env` line: spaces or tabs, then `=` (a case of the first).
///
/// The characters skipped as the rest of a name are every character such
/// a name may hold (the pattern is case-insensitive, so non-ASCII letters
/// such as the Kelvin sign count) and none of the ASCII characters that
/// may follow a name; non-ASCII white space is skipped with the names, as
/// white space may follow them. So a hit inside a name that goes on to a
/// match is always allowed, while prose ("the token is…") is not.
fn assignment_follows(after: &str) -> bool {
    let bytes = after.as_bytes();
    let skip = |from: usize, more: &dyn Fn(u8) -> bool| {
        let from = from.min(bytes.len());
        from + bytes[from..]
            .iter()
            .take_while(|&&b| !b.is_ascii() || more(b))
            .count()
    };
    let name = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'$');
    let escape = |at: usize| at + usize::from(bytes.get(at) == Some(&b'\\'));
    let is_quote = |at: usize| matches!(bytes.get(at), Some(b'"' | b'\'' | b'`'));
    // An attribute value that names the secret, then its closing quote.
    let at = escape(skip(0, &|b| name(b) || b == b':'));
    if is_quote(at) {
        return true;
    }
    // An assignment: the name, an optional escaped quote, white space and
    // an operator.
    let mut at = escape(skip(0, &name));
    if is_quote(at) {
        at += 1;
    }
    let at = skip(at, &|b| b.is_ascii_whitespace() || b == 0x0b);
    matches!(bytes.get(at), Some(b':' | b'=' | b'|' | b'?'))
}

fn looks_like_generic_secret(name: &str, value: &str) -> bool {
    let name = name.to_ascii_lowercase();
    // Names that hold something about a secret rather than the secret.
    const NOT_SECRET_NAMES: &[&str] = &[
        "url", "uri", "path", "file", "type", "name", "field", "label", "length", "header",
        "param", "endpoint", "policy", "selector", "class", "id", "key_id", "count", "expiry",
        "expires", "ttl", "mode", "format", "strength", "hint", "policy", "storage",
    ];
    let last_word = name.rsplit(['_', '-', '.']).next().unwrap_or(&name);
    if NOT_SECRET_NAMES.contains(&last_word)
        || NOT_SECRET_NAMES
            .iter()
            .any(|suffix| name.ends_with(suffix) && suffix.len() > 3)
    {
        return false;
    }
    let lowered = value.to_ascii_lowercase();
    if lowered.starts_with("http://")
        || lowered.starts_with("https://")
        || value.starts_with('/')
        || value.starts_with("./")
        || value.starts_with('#')
        || value.starts_with('$')
        || lowered.starts_with("process.env")
    {
        return false;
    }
    // A value that names a credential ("MF-Proxy-Shared-Secret") is a
    // label for one, not the credential itself.
    if [
        "secret", "token", "password", "passwd", "apikey", "api-key", "api_key",
    ]
    .iter()
    .any(|word| lowered.contains(word))
    {
        return false;
    }
    let has_digit = value.chars().any(|c| c.is_ascii_digit());
    let has_letter = value.chars().any(|c| c.is_ascii_alphabetic());
    let has_upper = value.chars().any(|c| c.is_ascii_uppercase());
    let has_lower = value.chars().any(|c| c.is_ascii_lowercase());
    let has_separator = value.contains(['-', '_', '.']);
    let entropy = shannon_entropy(value);
    let length = value.chars().count();
    // Words joined by separators (`current-password`, `Shared-Key-Header`)
    // have letters only; random credentials nearly always mix in digits,
    // and a digit-free one is at least long, unbroken and mixed in case.
    (has_digit && has_letter && entropy >= 3.0)
        || (!has_separator && has_upper && has_lower && length >= 20 && entropy >= 4.0)
}

/// Shannon entropy of `value` in bits per character.
pub(crate) fn shannon_entropy(value: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut total = 0u32;
    for byte in value.bytes() {
        counts[usize::from(byte)] += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    let total = f64::from(total);
    counts
        .iter()
        .filter(|&&count| count > 0)
        .map(|&count| {
            let p = f64::from(count) / total;
            -p * p.log2()
        })
        .sum()
}

/// The rules of this category, declared once for every output, the
/// documentation check and the fixture harness.
pub const CATEGORY: Category = Category {
    name: "secret",
    title: "no credentials shipped",
    security_severity: 9.0,
    rules: &[
        rule::Rule::error(
            "secret/aws-access-key",
            "an AWS access key id (`AKIA…`, `ASIA…`)",
            "anyone who loads the bundle can read and use the credential",
            "revoke the credential, remove it from the bundle and keep it server-side",
        ),
        rule::Rule::error(
            "secret/aws-secret-key",
            "an AWS secret access key assigned to an AWS-like name",
            "anyone who loads the bundle can read and use the credential",
            "revoke the credential, remove it from the bundle and keep it server-side",
        ),
        rule::Rule::error(
            "secret/stripe-secret-key",
            "a Stripe secret or restricted key (`sk_live_…`, `rk_live_…`)",
            "anyone who loads the bundle can read and use the credential",
            "revoke the credential, remove it from the bundle and keep it server-side",
        ),
        rule::Rule::error(
            "secret/github-token",
            "a GitHub token (`ghp_…`, `gho_…`, `github_pat_…`, …)",
            "anyone who loads the bundle can read and use the credential",
            "revoke the credential, remove it from the bundle and keep it server-side",
        ),
        rule::Rule::error(
            "secret/gitlab-token",
            "a GitLab personal access token (`glpat-…`)",
            "anyone who loads the bundle can read and use the credential",
            "revoke the credential, remove it from the bundle and keep it server-side",
        ),
        rule::Rule::error(
            "secret/slack-token",
            "a Slack token (`xoxb-…`, `xoxp-…`, …)",
            "anyone who loads the bundle can read and use the credential",
            "revoke the credential, remove it from the bundle and keep it server-side",
        ),
        rule::Rule::error(
            "secret/slack-webhook",
            "a Slack incoming webhook URL",
            "anyone who loads the bundle can read and use the credential",
            "revoke the credential, remove it from the bundle and keep it server-side",
        ),
        rule::Rule::error(
            "secret/private-key",
            "a PEM private key block",
            "anyone who loads the bundle can read and use the credential",
            "revoke the credential, remove it from the bundle and keep it server-side",
        ),
        rule::Rule::error(
            "secret/jwt",
            "a JSON Web Token",
            "anyone who loads the bundle can read and use the credential",
            "revoke the credential, remove it from the bundle and keep it server-side",
        ),
        rule::Rule::error(
            "secret/cloudflare-api-token",
            "a Cloudflare API token assigned to a Cloudflare-like name",
            "anyone who loads the bundle can read and use the credential",
            "revoke the credential, remove it from the bundle and keep it server-side",
        ),
        rule::Rule::error(
            "secret/cloudflare-origin-ca-key",
            "a Cloudflare Origin CA key (`v1.0-…`)",
            "anyone who loads the bundle can read and use the credential",
            "revoke the credential, remove it from the bundle and keep it server-side",
        ),
        rule::Rule::error(
            "secret/google-oauth-client-secret",
            "a Google OAuth client secret (`GOCSPX-…`)",
            "anyone who loads the bundle can read and use the credential",
            "revoke the credential, remove it from the bundle and keep it server-side",
        ),
        rule::Rule::error(
            "secret/openai-api-key",
            "an OpenAI API key (`sk-…`)",
            "anyone who loads the bundle can read and use the credential",
            "revoke the credential, remove it from the bundle and keep it server-side",
        ),
        rule::Rule::error(
            "secret/anthropic-api-key",
            "an Anthropic API key (`sk-ant-…`)",
            "anyone who loads the bundle can read and use the credential",
            "revoke the credential, remove it from the bundle and keep it server-side",
        ),
        rule::Rule::error(
            "secret/sendgrid-api-key",
            "a SendGrid API key (`SG.…`)",
            "anyone who loads the bundle can read and use the credential",
            "revoke the credential, remove it from the bundle and keep it server-side",
        ),
        rule::Rule::error(
            "secret/npm-token",
            "an npm access token (`npm_…`)",
            "anyone who loads the bundle can read and use the credential",
            "revoke the credential, remove it from the bundle and keep it server-side",
        ),
        rule::Rule::error(
            "secret/shopify-token",
            "a Shopify access token (`shpat_…`, `shpss_…`, …)",
            "anyone who loads the bundle can read and use the credential",
            "revoke the credential, remove it from the bundle and keep it server-side",
        ),
        rule::Rule::error(
            "secret/connection-string",
            "a database or broker connection string with a password in it",
            "anyone who loads the bundle can read and use the credential",
            "revoke the credential, remove it from the bundle and keep it server-side",
        ),
        rule::Rule::error(
            "secret/generic-assignment",
            "a high-entropy value assigned to a secret-like name (`password`, `api_key`, `token`, …)",
            "anyone who loads the bundle can read and use the credential",
            "revoke the credential, remove it from the bundle and keep it server-side",
        ),
        rule::Rule::warning(
            "secret/google-api-key",
            "a Google API key (`AIza…`), public by design",
            "a key without API and referrer restrictions can be used by anyone",
            "restrict the key to the site's referrers and the APIs it needs",
        ),
        rule::Rule::warning(
            "secret/stripe-publishable-key",
            "a Stripe publishable key (`pk_live_…`), public by design",
            "the site takes no payments, so a payment key is unexpected",
            "remove it unless the page needs it",
        ),
        rule::Rule::warning(
            "secret/posthog-project-key",
            "a PostHog project API key (`phc_…`), public by design",
            "a project key lets anyone send events into the project",
            "load analytics only after consent and make the project reject events from other origins",
        ),
        rule::Rule::warning(
            "secret/public-token",
            "a value the generic rule would report whose name says it is public (`publishableKey`, `siteKey`, `measurementId`, …), or a key inside a vendor snippet that is public by design (Cloudflare Web Analytics, Algolia DocSearch, Sentry, …)",
            "public keys can still be abused where the vendor does not restrict them",
            "restrict the key on the vendor's side to the site's origin",
        ),
        rule::Rule::error(
            "secret/unscanned-file",
            "a file the validator could not check: over `max_file_bytes`, unreadable, a symbolic link, pipe, socket or device, a folder that cannot be listed, a compressed copy that does not unpack, a Git pack, or a rule that failed on it",
            "a deploy could ship what the gate has not seen",
            "remove the entry, or make it a regular, readable file within the size limit",
        )
        .marks_unjudged(),
        rule::Rule::error(
            "secret/debris",
            "repository, editor and credential leftovers (`.git`, `.env`, `id_rsa`, `*.bak`, `.DS_Store`, …), reported once at the outermost debris path",
            "they hold history, credentials or source that was never meant to be published",
            "remove them from the bundle and keep them out of the build output",
        ),
    ],
};
