//! The policy mistakes Google's CSP Evaluator reports, judged on parsed
//! policies: script allowlists that name hosts serving JSONP endpoints or
//! AngularJS (either turns an allowlisted host into a way to run any
//! script), keywords and nonces written without quotes, unknown,
//! misspelled and deprecated directives, a directive name inside another
//! directive's value (a missing semicolon), short nonces,
//! `'strict-dynamic'` without a nonce or hash, and no
//! `require-trusted-types-for 'script'`.
//!
//! The bypass hosts are facts taken from CSP Evaluator's
//! `allowlist_bypasses/jsonp` and `allowlist_bypasses/angular` lists
//! (github.com/google/csp-evaluator), narrowed to hosts sites commonly
//! allowlist.

use std::ops::Range;

use crate::Severity;
use crate::csp::{Directive, Policy};

/// A URL on a commonly allowlisted host that lets an attacker run script
/// through a JSONP callback or an AngularJS template.
pub(crate) struct Bypass {
    pub host: &'static str,
    pub path: &'static str,
    /// What the URL offers.
    pub kind: &'static str,
    /// Some JSONP-like endpoints only help an attacker with
    /// `'unsafe-eval'`.
    pub needs_eval: bool,
}

const fn jsonp(host: &'static str, path: &'static str) -> Bypass {
    Bypass {
        host,
        path,
        kind: "a JSONP endpoint",
        needs_eval: false,
    }
}

const fn jsonp_with_eval(host: &'static str, path: &'static str) -> Bypass {
    Bypass {
        host,
        path,
        kind: "a JSONP-like endpoint",
        needs_eval: true,
    }
}

const fn angular(host: &'static str, path: &'static str) -> Bypass {
    Bypass {
        host,
        path,
        kind: "AngularJS",
        needs_eval: false,
    }
}

/// Known bypass URLs on hosts sites allowlist (from CSP Evaluator).
pub(crate) const BYPASSES: &[Bypass] = &[
    jsonp("www.google.com", "/tools/feedback/escalation-options"),
    jsonp("accounts.google.com", "/o/oauth2/revoke"),
    jsonp("translate.googleapis.com", "/translate_a/l"),
    jsonp("ajax.googleapis.com", "/ajax/services/search/news"),
    jsonp(
        "maps.googleapis.com",
        "/maps/api/js/GeoPhotoService.GetMetadata",
    ),
    jsonp("www.googleapis.com", "/freebase/v1/topic/m/0344_"),
    jsonp("mts0.googleapis.com", "/maps/vt"),
    jsonp("mts1.googleapis.com", "/mapslt/ft"),
    jsonp("mt1.googleapis.com", "/mapslt/ft"),
    jsonp("cbks0.googleapis.com", "/cbk"),
    jsonp("maps.google.com", "/maps/vt"),
    jsonp("clients1.google.com", "/complete/search"),
    jsonp("books.google.com", "/books"),
    jsonp("cse.google.com", "/api/"),
    jsonp("pagead2.googlesyndication.com", "/relatedsearch"),
    jsonp("googleads.g.doubleclick.net", "/pagead/conversion/"),
    jsonp("securepubads.g.doubleclick.net", "/gampad/ads"),
    jsonp("www.googleadservices.com", "/pagead/conversion/"),
    jsonp("partner.googleadservices.com", "/gampad/ads"),
    jsonp("www.youtube.com", "/profile_style"),
    jsonp("www.blogger.com", "/feeds/"),
    jsonp("api.facebook.com", "/restserver.php"),
    jsonp("www.facebook.com", "/restserver.php"),
    jsonp("graph.facebook.com", "/1/"),
    jsonp("api.twitter.com", "/1/statuses/oembed.json"),
    jsonp("syndication.twitter.com", "/widgets/timelines/"),
    jsonp("cdn.syndication.twimg.com", "/widgets/timelines/"),
    jsonp("www.linkedin.com", "/countserv/count/share"),
    jsonp("api.instagram.com", "/v1/tags/"),
    jsonp("vimeo.com", "/api/oembed.json/"),
    jsonp("api.mixpanel.com", "/track/"),
    jsonp("mc.yandex.ru", "/watch/"),
    jsonp("api.map.baidu.com", "/"),
    jsonp("api.vk.com", "/method/wall.get"),
    jsonp("www.sharethis.com", "/get-publisher-info.php"),
    jsonp("fast.wistia.com", "/embed/medias/"),
    jsonp("cdn.jsdelivr.net", "/"),
    jsonp_with_eval("www.google-analytics.com", "/gtm/js"),
    jsonp_with_eval("ssl.google-analytics.com", "/gtm/js"),
    jsonp_with_eval("www.googletagmanager.com", "/gtm/js"),
    jsonp_with_eval("googletagmanager.com", "/gtm/js"),
    angular(
        "ajax.googleapis.com",
        "/ajax/libs/angularjs/1.2.0rc1/angular-route.min.js",
    ),
    angular(
        "cdnjs.cloudflare.com",
        "/ajax/libs/angular.js/1.2.16/angular.min.js",
    ),
    angular("www.gstatic.com", "/fsn/angular_js-bundle1.js"),
    angular("gstatic.com", "/fsn/angular_js-bundle1.js"),
    angular(
        "storage.googleapis.com",
        "/assets-prod.urbansitter.net/us-sym/assets/vendor/angular-sanitize/angular-sanitize.min.js",
    ),
    angular("cdn.jsdelivr.net", "/angularjs/1.1.2/angular.min.js"),
    angular(
        "raw.githubusercontent.com",
        "/angular/code.angularjs.org/master/1.0.7/angular-resource.js",
    ),
    angular(
        "cdn.shopify.com",
        "/s/files/1/0225/6463/t/1/assets/angular-animate.min.js",
    ),
    angular("oss.maxcdn.com", "/angularjs/1.2.20/angular.min.js"),
    angular("yastatic.net", "/angularjs/1.2.23/angular.min.js"),
    angular("cdn.bootcss.com", "/angular.js/1.2.0/angular.min.js"),
    angular(
        "s3-eu-west-1.amazonaws.com",
        "/staticancpa/js/angular-cookies.min.js",
    ),
    angular("dl.dropboxusercontent.com", "/u/30877786/angular.min.js"),
    angular("www.googleadservices.com", "/pageadimg/imgad"),
];

/// A host source expression (`https://*.example.com:443/path/`), parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostSource<'a> {
    scheme: Option<&'a str>,
    /// Lowercased at comparison; `*.` kept for wildcards.
    host: &'a str,
    path: Option<&'a str>,
}

/// Parses a source expression that names a host; keywords, nonces,
/// hashes, scheme-only sources and `*` are not host sources.
pub(crate) fn host_source(source: &str) -> Option<HostSource<'_>> {
    if source.starts_with('\'') || source == "*" || source.ends_with(':') {
        return None;
    }
    let (scheme, rest) = match source.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, source),
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], Some(&rest[at..])),
        None => (rest, None),
    };
    let host = authority.split(':').next().unwrap_or(authority);
    let valid = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'*'));
    valid.then_some(HostSource { scheme, host, path })
}

impl HostSource<'_> {
    /// Whether this source allows a script at `https://host/path`, as CSP's
    /// "does url match expression" decides for host and path.
    pub(crate) fn allows(&self, host: &str, path: &str) -> bool {
        if self
            .scheme
            .is_some_and(|s| !s.eq_ignore_ascii_case("https") && !s.eq_ignore_ascii_case("http"))
        {
            return false;
        }
        let source_host = self.host.to_ascii_lowercase();
        let host_ok = match source_host.strip_prefix("*.") {
            Some(parent) => host.len() > parent.len() + 1 && host.ends_with(&format!(".{parent}")),
            None => source_host.trim_end_matches('.') == host,
        };
        if !host_ok {
            return false;
        }
        match self.path {
            None | Some("/") | Some("") => true,
            Some(prefix) if prefix.ends_with('/') => path.starts_with(prefix),
            Some(exact) => path == exact,
        }
    }
}

/// The known bypasses a script directive allows (with `'unsafe-eval'`
/// deciding the eval-only ones). A directive with `'strict-dynamic'` and a
/// nonce or hash ignores its host sources in CSP3 browsers.
pub(crate) fn bypasses<'b>(directive: &Directive, eval: bool) -> Vec<(&'b Bypass, String)> {
    if directive.has("'strict-dynamic'") && directive.has_nonce_or_hash() {
        return Vec::new();
    }
    let sources: Vec<(&String, HostSource<'_>)> = directive
        .sources
        .iter()
        .filter_map(|s| host_source(s).map(|h| (s, h)))
        .collect();
    BYPASSES
        .iter()
        .filter(|b| eval || !b.needs_eval)
        .filter_map(|b| {
            sources
                .iter()
                .find(|(_, h)| h.allows(b.host, b.path))
                .map(|(s, _)| (b, (*s).clone()))
        })
        .collect()
}

/// CSP directives browsers know today (CSP3, Trusted Types, reporting).
const KNOWN_DIRECTIVES: &[&str] = &[
    "default-src",
    "script-src",
    "script-src-elem",
    "script-src-attr",
    "style-src",
    "style-src-elem",
    "style-src-attr",
    "img-src",
    "font-src",
    "connect-src",
    "media-src",
    "object-src",
    "frame-src",
    "child-src",
    "worker-src",
    "manifest-src",
    "fenced-frame-src",
    "base-uri",
    "form-action",
    "frame-ancestors",
    "sandbox",
    "report-uri",
    "report-to",
    "upgrade-insecure-requests",
    "require-trusted-types-for",
    "trusted-types",
    "webrtc",
];

/// Directives browsers dropped, with what replaces them.
const DEPRECATED_DIRECTIVES: &[(&str, &str)] = &[
    ("reflected-xss", "no browser honours it; rely on script-src"),
    ("referrer", "use the Referrer-Policy header"),
    ("plugin-types", "plugins are gone; set object-src 'none'"),
    (
        "prefetch-src",
        "removed from CSP; prefetches follow default-src",
    ),
    (
        "block-all-mixed-content",
        "browsers upgrade or block mixed content anyway; use upgrade-insecure-requests",
    ),
    ("require-sri-for", "never shipped; add integrity attributes"),
    ("navigate-to", "removed from CSP"),
    ("disown-opener", "use Cross-Origin-Opener-Policy"),
];

/// Keywords CSP defines, quoted.
const KEYWORDS: &[&str] = &[
    "'self'",
    "'none'",
    "'unsafe-inline'",
    "'unsafe-eval'",
    "'unsafe-hashes'",
    "'strict-dynamic'",
    "'report-sample'",
    "'wasm-unsafe-eval'",
    "'unsafe-allow-redirects'",
    "'inline-speculation-rules'",
];

/// The known directive closest to `name` by edit distance, if close
/// enough to be a misspelling of it.
fn misspelling_of(name: &str) -> Option<&'static str> {
    KNOWN_DIRECTIVES
        .iter()
        .chain(DEPRECATED_DIRECTIVES.iter().map(|(d, _)| d))
        .map(|known| (edit_distance(name, known), *known))
        .filter(|(distance, known)| *distance <= 2 && *distance < known.len() / 3 + 1)
        .min()
        .map(|(_, known)| known)
}

/// Levenshtein distance over bytes (directive names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.bytes().enumerate() {
        let mut current = vec![i + 1];
        for (j, y) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(x != *y);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// One mistake in one policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mistake {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Where the offending name or source expression was written.
    pub span: Range<usize>,
}

fn mistake(rule: &'static str, severity: Severity, message: String, span: Range<usize>) -> Mistake {
    Mistake {
        rule,
        severity,
        message,
        span,
    }
}

/// The syntax mistakes of one policy: directive names and the way each
/// source expression is written.
pub(crate) fn syntax_mistakes(policy: &Policy) -> Vec<Mistake> {
    let mut found = Vec::new();
    for directive in &policy.directives {
        let name = directive.name.as_str();
        if let Some((_, instead)) = DEPRECATED_DIRECTIVES.iter().find(|(d, _)| *d == name) {
            found.push(mistake(
                "csp/deprecated-directive",
                Severity::Warning,
                format!("`{name}` is deprecated: {instead}"),
                directive.name_span.clone(),
            ));
        } else if !KNOWN_DIRECTIVES.contains(&name) {
            let hint = match (name.strip_suffix(':'), misspelling_of(name)) {
                (Some(bare), _) => format!("; directive names have no colon (`{bare}`)"),
                (None, Some(known)) => format!("; did you mean `{known}`?"),
                (None, None) => String::new(),
            };
            found.push(mistake(
                "csp/unknown-directive",
                Severity::Error,
                format!("`{name}` is not a CSP directive, so browsers ignore it{hint}"),
                directive.name_span.clone(),
            ));
        }
        for (source, span) in directive.sources.iter().zip(&directive.source_spans) {
            let span = span.clone();
            let lower = source.to_ascii_lowercase();
            let bare_keyword = KEYWORDS
                .iter()
                .any(|k| k.trim_matches('\'') == lower && lower != "script");
            if bare_keyword
                || lower.starts_with("nonce-")
                || ["sha256-", "sha384-", "sha512-"]
                    .iter()
                    .any(|p| lower.starts_with(p))
            {
                found.push(mistake(
                    "csp/unquoted-keyword",
                    Severity::Error,
                    format!(
                        "`{source}` in {name} lacks single quotes, so it is read as a host \
                         name; write '{source}'"
                    ),
                    span,
                ));
            } else if KNOWN_DIRECTIVES.contains(&lower.as_str())
                || DEPRECATED_DIRECTIVES.iter().any(|(d, _)| *d == lower)
            {
                found.push(mistake(
                    "csp/missing-semicolon",
                    Severity::Error,
                    format!(
                        "`{source}` in the value of {name} is a directive name: a `;` is \
                         missing before it"
                    ),
                    span,
                ));
            } else if lower.starts_with('\'') && !quoted_is_valid(name, &lower) {
                found.push(mistake(
                    "csp/unquoted-keyword",
                    Severity::Error,
                    format!("{source} in {name} is not a CSP keyword, nonce or hash"),
                    span,
                ));
            } else if let Some(nonce) = lower
                .strip_prefix("'nonce-")
                .and_then(|n| n.strip_suffix('\''))
                && nonce.len() < 8
            {
                found.push(mistake(
                    "csp/weak-nonce",
                    Severity::Warning,
                    format!(
                        "the nonce in {name} has {} characters; a nonce needs at least 8 \
                         random base64 characters (128 bits is the norm)",
                        nonce.len()
                    ),
                    span,
                ));
            }
        }
        if matches!(name, "script-src" | "script-src-elem" | "default-src")
            && directive.has("'strict-dynamic'")
            && !directive.has_nonce_or_hash()
        {
            found.push(mistake(
                "csp/strict-dynamic-without-nonce",
                Severity::Warning,
                format!(
                    "'strict-dynamic' in {name} without a nonce or hash blocks every script in \
                     CSP3 browsers and trusts none"
                ),
                directive
                    .span_of("'strict-dynamic'")
                    .unwrap_or_else(|| directive.name_span.clone()),
            ));
        }
    }
    found
}

/// Whether a quoted source (lowercased) is valid in directive `name`.
fn quoted_is_valid(name: &str, source: &str) -> bool {
    match name {
        "require-trusted-types-for" => source == "'script'",
        "trusted-types" => matches!(source, "'allow-duplicates'" | "'none'"),
        _ => {
            KEYWORDS.contains(&source)
                || source.starts_with("'nonce-")
                || ["'sha256-", "'sha384-", "'sha512-"]
                    .iter()
                    .any(|p| source.starts_with(p))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csp::parse_policy;
    use proptest::prelude::*;

    fn rules(policy: &str) -> Vec<&'static str> {
        syntax_mistakes(&parse_policy(policy))
            .into_iter()
            .map(|m| m.rule)
            .collect()
    }

    #[test]
    fn host_sources_match_like_csp() {
        let wildcard = host_source("https://*.googleapis.com").unwrap();
        assert!(wildcard.allows("ajax.googleapis.com", "/ajax/services/search/news"));
        assert!(!wildcard.allows("googleapis.com", "/x"));
        let exact = host_source("cdnjs.cloudflare.com").unwrap();
        assert!(exact.allows(
            "cdnjs.cloudflare.com",
            "/ajax/libs/angular.js/1.2.16/angular.min.js"
        ));
        let pathed = host_source("https://cdnjs.cloudflare.com/ajax/libs/vue/").unwrap();
        assert!(!pathed.allows(
            "cdnjs.cloudflare.com",
            "/ajax/libs/angular.js/1.2.16/angular.min.js"
        ));
        assert!(host_source("'self'").is_none());
        assert!(host_source("https:").is_none());
        assert!(host_source("*").is_none());
        assert!(host_source("wss://x.example").is_some_and(|h| !h.allows("x.example", "/")));
    }

    #[test]
    fn allowlisted_bypass_hosts_are_found() {
        let policy = parse_policy(
            "script-src 'self' https://*.googleapis.com cdnjs.cloudflare.com www.googletagmanager.com",
        );
        let script = policy.get("script-src").unwrap();
        let found: Vec<&str> = bypasses(script, false)
            .iter()
            .map(|(b, _)| b.host)
            .collect();
        assert!(found.contains(&"ajax.googleapis.com"), "{found:?}");
        assert!(found.contains(&"cdnjs.cloudflare.com"), "{found:?}");
        // Tag Manager's endpoint needs 'unsafe-eval'.
        assert!(!found.contains(&"www.googletagmanager.com"));
        assert!(
            bypasses(script, true)
                .iter()
                .any(|(b, _)| b.host == "www.googletagmanager.com")
        );
        // 'strict-dynamic' with a nonce makes CSP3 browsers ignore hosts.
        let strict = parse_policy(
            "script-src 'nonce-r4nd0mBase64Value' 'strict-dynamic' https://*.googleapis.com",
        );
        assert!(bypasses(strict.get("script-src").unwrap(), false).is_empty());
        let own = parse_policy("script-src 'self' https://static.baystore.example");
        assert!(bypasses(own.get("script-src").unwrap(), false).is_empty());
    }

    #[test]
    fn syntax_mistakes_follow_csp_evaluator() {
        assert_eq!(
            rules("script-src self; object-src none"),
            ["csp/unquoted-keyword"; 2]
        );
        assert_eq!(
            rules("script-src unsafe-inline nonce-abc sha256-x="),
            ["csp/unquoted-keyword"; 3]
        );
        assert_eq!(rules("script-src 'notakeyword'"), ["csp/unquoted-keyword"]);
        assert_eq!(rules("scirpt-src 'self'"), ["csp/unknown-directive"]);
        let hint = syntax_mistakes(&parse_policy("scirpt-src 'self'"));
        assert!(
            hint[0].message.contains("script-src"),
            "{}",
            hint[0].message
        );
        assert_eq!(rules("script-src: 'self'"), ["csp/unknown-directive"]);
        assert_eq!(rules("foobar-src x"), ["csp/unknown-directive"]);
        assert_eq!(
            rules("reflected-xss block; referrer no-referrer; plugin-types application/pdf"),
            ["csp/deprecated-directive"; 3]
        );
        assert_eq!(
            rules("script-src 'self' object-src 'none'"),
            ["csp/missing-semicolon"]
        );
        assert_eq!(rules("script-src 'nonce-abc'"), ["csp/weak-nonce"]);
        assert!(rules("script-src 'nonce-r4nd0mBase64Value'").is_empty());
        assert_eq!(
            rules("script-src 'strict-dynamic'"),
            ["csp/strict-dynamic-without-nonce"]
        );
        assert!(rules("script-src 'strict-dynamic' 'sha256-abc='").is_empty());
        assert!(
            rules("require-trusted-types-for 'script'; trusted-types default 'allow-duplicates'")
                .is_empty()
        );
        assert!(
            rules("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; upgrade-insecure-requests; sandbox allow-scripts")
                .is_empty()
        );
    }

    proptest! {
        #![proptest_config(crate::fuzz::config())]

        /// Every source the parser yields is judged without panicking,
        /// and a quoted known keyword is never reported.
        #[test]
        fn fuzz_syntax_mistakes_never_flag_known_keywords(
            noise in crate::fuzz::noise(),
            index in 0..KEYWORDS.len(),
        ) {
            let _ = syntax_mistakes(&parse_policy(&noise));
            for (directive, _) in parse_policy(&noise).directives.iter().map(|d| (d, ())) {
                let _ = bypasses(directive, true);
            }
            let policy = format!("script-src {}", KEYWORDS[index]);
            let found = syntax_mistakes(&parse_policy(&policy));
            prop_assert!(found.iter().all(|m| m.rule == "csp/strict-dynamic-without-nonce"), "{:?}", found);
        }
    }
}
