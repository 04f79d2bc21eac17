//! Content Security Policy parsing per CSP Level 3: a header value is a
//! comma-separated list of policies, each a semicolon-separated list of
//! directives; names are case-insensitive and the first occurrence of a
//! directive wins. Fetch directives fall back along fixed chains (for
//! example `script-src-elem` -> `script-src` -> `default-src`).

use std::collections::HashSet;
use std::ops::Range;

/// One directive: lowercased name and its source expressions, with where
/// each was written, so that a finding can point at the offending word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub name: String,
    pub sources: Vec<String>,
    /// Byte range of the name in the text the policy was parsed from,
    /// counted from the `base` given to [`parse_list_at`].
    pub name_span: Range<usize>,
    /// Byte range of each source expression, in the order of `sources`.
    pub source_spans: Vec<Range<usize>>,
}

/// One policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    pub directives: Vec<Directive>,
}

/// Parses a serialized CSP list (a header value, maybe several policies
/// joined by commas). Empty policies are dropped.
pub fn parse_list(value: &str) -> Vec<Policy> {
    parse_list_at(value, 0)
}

/// Like [`parse_list`], for a value that starts at byte `base` of a larger
/// text (a `_headers` line): every span is counted in that text.
pub fn parse_list_at(value: &str, base: usize) -> Vec<Policy> {
    let mut start = base;
    value
        .split(',')
        .map(|serialized| {
            let policy = parse_policy_at(serialized, start);
            start += serialized.len() + 1;
            policy
        })
        .filter(|p| !p.directives.is_empty())
        .collect()
}

/// Parses one serialized policy.
pub fn parse_policy(value: &str) -> Policy {
    parse_policy_at(value, 0)
}

/// Parses one serialized policy that starts at byte `base` of a larger text.
fn parse_policy_at(value: &str, base: usize) -> Policy {
    let mut directives: Vec<Directive> = Vec::new();
    // Names seen so far, so that a policy of many directives parses in
    // linear time.
    let mut seen: HashSet<String> = HashSet::new();
    let mut token_start = base;
    for token in value.split(';') {
        let at = token_start;
        token_start += token.len() + 1;
        let mut parts = words(token, at);
        let Some((name, name_span)) = parts.next() else {
            continue;
        };
        let name = name.to_ascii_lowercase();
        if !seen.insert(name.clone()) {
            continue;
        }
        let (sources, source_spans) = parts.map(|(word, span)| (word.to_string(), span)).unzip();
        directives.push(Directive {
            name,
            sources,
            name_span,
            source_spans,
        });
    }
    Policy { directives }
}

/// The words of `text` split on ASCII whitespace (as CSP splits a
/// directive), each with its byte range counted from `base`.
fn words(text: &str, base: usize) -> impl Iterator<Item = (&str, Range<usize>)> {
    text.split_ascii_whitespace().map(move |word| {
        // Each word is a slice of `text`, so its place is a pointer
        // difference, found without searching.
        let start = base + (word.as_ptr() as usize - text.as_ptr() as usize);
        (word, start..start + word.len())
    })
}

/// The fallback chain of a directive, itself first.
pub fn fallback_chain(name: &str) -> &'static [&'static str] {
    match name {
        "script-src-elem" => &["script-src-elem", "script-src", "default-src"],
        "script-src-attr" => &["script-src-attr", "script-src", "default-src"],
        "script-src" => &["script-src", "default-src"],
        "style-src-elem" => &["style-src-elem", "style-src", "default-src"],
        "style-src-attr" => &["style-src-attr", "style-src", "default-src"],
        "style-src" => &["style-src", "default-src"],
        "worker-src" => &["worker-src", "child-src", "script-src", "default-src"],
        "frame-src" => &["frame-src", "child-src", "default-src"],
        "child-src" => &["child-src", "default-src"],
        "img-src" => &["img-src", "default-src"],
        "font-src" => &["font-src", "default-src"],
        "connect-src" => &["connect-src", "default-src"],
        "media-src" => &["media-src", "default-src"],
        "object-src" => &["object-src", "default-src"],
        "manifest-src" => &["manifest-src", "default-src"],
        "base-uri" => &["base-uri"],
        "form-action" => &["form-action"],
        "frame-ancestors" => &["frame-ancestors"],
        _ => &[],
    }
}

impl Policy {
    /// The directive called `name`, if the policy has it.
    pub fn get(&self, name: &str) -> Option<&Directive> {
        self.directives.iter().find(|d| d.name == name)
    }

    /// The directive that governs `name` after fallback.
    pub fn effective(&self, name: &str) -> Option<&Directive> {
        fallback_chain(name).iter().find_map(|n| self.get(n))
    }
}

impl Directive {
    /// Whether any source expression equals `keyword` (case-insensitive,
    /// e.g. `'unsafe-inline'`).
    pub fn has(&self, keyword: &str) -> bool {
        self.sources.iter().any(|s| s.eq_ignore_ascii_case(keyword))
    }

    /// Where the first source expression equal to `keyword` (ignoring
    /// case) was written.
    pub fn span_of(&self, keyword: &str) -> Option<Range<usize>> {
        self.sources
            .iter()
            .position(|s| s.eq_ignore_ascii_case(keyword))
            .and_then(|i| self.source_spans.get(i).cloned())
    }

    /// Where the first source expression that passes `test` was written.
    pub fn span_where(&self, test: impl Fn(&str) -> bool) -> Option<Range<usize>> {
        self.sources
            .iter()
            .position(|s| test(s))
            .and_then(|i| self.source_spans.get(i).cloned())
    }

    /// Whether the directive is exactly `'none'`.
    pub fn is_none(&self) -> bool {
        self.sources.len() == 1 && self.has("'none'")
    }

    /// Whether the directive carries a nonce or hash source, which makes
    /// browsers ignore `'unsafe-inline'`.
    pub fn has_nonce_or_hash(&self) -> bool {
        self.sources.iter().any(|s| {
            let lower = s.to_ascii_lowercase();
            ["'nonce-", "'sha256-", "'sha384-", "'sha512-"]
                .iter()
                .any(|p| lower.starts_with(p))
        })
    }

    /// Whether `'unsafe-inline'` is in force (present, not neutralised).
    pub fn allows_unsafe_inline(&self) -> bool {
        self.has("'unsafe-inline'") && !self.has_nonce_or_hash() && !self.has("'strict-dynamic'")
    }

    /// Hash sources (`'sha256-...'`), lowercased algorithm, original digest.
    pub fn hashes(&self) -> impl Iterator<Item = (String, &str)> {
        self.sources.iter().filter_map(|s| {
            let inner = s.strip_prefix('\'')?.strip_suffix('\'')?;
            let (alg, digest) = inner.split_once('-')?;
            let alg = alg.to_ascii_lowercase();
            matches!(alg.as_str(), "sha256" | "sha384" | "sha512").then_some((alg, digest))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_split_on_commas_and_first_directive_wins() {
        let list =
            parse_list("Default-Src 'none'; SCRIPT-SRC 'self'; script-src *, img-src 'self'");
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].get("script-src").unwrap().sources, ["'self'"]);
        assert_eq!(list[1].get("img-src").unwrap().sources, ["'self'"]);
        assert!(parse_list(" , ;").is_empty());
    }

    #[test]
    fn spans_point_at_the_words_as_written() {
        let value = "default-src 'none' ,  Script-Src\t'self'  'UNSAFE-inline'";
        let list = parse_list_at(value, 10);
        let script = list[1].get("script-src").unwrap();
        assert_eq!(script.name_span, 10 + 22..10 + 32);
        let span = script.span_of("'unsafe-inline'").unwrap();
        assert_eq!(&value[span.start - 10..span.end - 10], "'UNSAFE-inline'");
        assert_eq!(
            list[0].directives[0].source_spans,
            vec![(10 + 12)..(10 + 18)]
        );
    }

    #[test]
    fn fallback_follows_csp3_chains() {
        let policy = parse_policy("default-src 'none'; child-src 'self'");
        assert_eq!(
            policy.effective("script-src-elem").unwrap().name,
            "default-src"
        );
        assert_eq!(policy.effective("worker-src").unwrap().name, "child-src");
        assert_eq!(policy.effective("frame-src").unwrap().name, "child-src");
        assert!(policy.effective("base-uri").is_none());
        assert!(policy.effective("object-src").unwrap().is_none());
    }

    #[test]
    fn unsafe_inline_is_neutralised_by_hashes_and_nonces() {
        let plain = parse_policy("script-src 'self' 'UNSAFE-INLINE'");
        assert!(plain.get("script-src").unwrap().allows_unsafe_inline());
        let hashed = parse_policy("script-src 'unsafe-inline' 'sha256-abc='");
        assert!(!hashed.get("script-src").unwrap().allows_unsafe_inline());
        let hashes: Vec<_> = hashed.get("script-src").unwrap().hashes().collect();
        assert_eq!(hashes, [("sha256".to_string(), "abc=")]);
    }

    mod fuzz {
        use super::super::*;
        use crate::fuzz;
        use proptest::prelude::*;

        fn policy_text() -> impl Strategy<Value = String> {
            let piece = prop_oneof![
                Just("default-src".to_string()),
                Just("SCRIPT-src".to_string()),
                Just("script-src-elem".to_string()),
                Just("'self'".to_string()),
                Just("'unsafe-inline'".to_string()),
                Just("'sha256-abc='".to_string()),
                Just("https:".to_string()),
                Just("*".to_string()),
                Just(";".to_string()),
                Just(",".to_string()),
                Just(" ".to_string()),
                Just("\t".to_string()),
                fuzz::noise(),
            ];
            prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
        }

        proptest! {
            #![proptest_config(fuzz::config())]

            /// Policies hold lowercase, unique directive names and sources
            /// without whitespace, and fallback never invents a directive.
            #[test]
            fn fuzz_policies_are_well_formed(value in policy_text()) {
                for policy in parse_list(&value) {
                    let mut names = std::collections::HashSet::new();
                    for directive in &policy.directives {
                        prop_assert!(!directive.name.is_empty());
                        prop_assert!(!directive.name.bytes().any(|b| b.is_ascii_uppercase() || b.is_ascii_whitespace()));
                        prop_assert!(names.insert(directive.name.clone()));
                        for source in &directive.sources {
                            prop_assert!(!source.is_empty() && !source.bytes().any(|b| b.is_ascii_whitespace()));
                        }
                    }
                    for directive in &policy.directives {
                        // Every span covers the word as written.
                        prop_assert!(value[directive.name_span.clone()].eq_ignore_ascii_case(&directive.name));
                        prop_assert_eq!(directive.sources.len(), directive.source_spans.len());
                        for (source, span) in directive.sources.iter().zip(&directive.source_spans) {
                            prop_assert_eq!(&value[span.clone()], source.as_str());
                        }
                    }
                    for name in ["script-src-elem", "style-src-attr", "worker-src", "base-uri"] {
                        if let Some(found) = policy.effective(name) {
                            prop_assert!(fallback_chain(name).contains(&found.name.as_str()));
                        }
                    }
                }
            }
        }
    }
}
