//! Curated lists of third-party hosts whose mere presence in a bundle
//! breaks a promise: analytics and tag managers (consent) and payment
//! SDKs or checkout pages (payment). Matching is on host names anywhere
//! in a text file, case-insensitively, at label boundaries.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Match, MatchKind};

/// What a known host is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    Analytics,
    Payment,
}

/// Analytics, tag-manager and session-recording hosts.
pub const ANALYTICS_HOSTS: &[&str] = &[
    "google-analytics.com",
    "googletagmanager.com",
    "analytics.google.com",
    "googleadservices.com",
    "doubleclick.net",
    "cdn.segment.com",
    "api.segment.io",
    "segment.io",
    "hotjar.com",
    "hotjar.io",
    "mixpanel.com",
    "mxpnl.com",
    "connect.facebook.net",
    "facebook.com/tr",
    "plausible.io",
    "matomo.cloud",
    "heapanalytics.com",
    "fullstory.com",
    "clarity.ms",
    "mouseflow.com",
    "amplitude.com",
    "posthog.com",
    "snap.licdn.com",
    "px.ads.linkedin.com",
    "static.ads-twitter.com",
    "analytics.tiktok.com",
    "bat.bing.com",
    "crazyegg.com",
    "hs-analytics.net",
    "hs-scripts.com",
    "usefathom.com",
    "cloud.umami.is",
    "simpleanalyticscdn.com",
    "quantserve.com",
    "scorecardresearch.com",
    "newrelic.com",
    "nr-data.net",
];

/// Payment SDK and hosted checkout hosts.
pub const PAYMENT_HOSTS: &[&str] = &[
    "js.stripe.com",
    "checkout.stripe.com",
    "buy.stripe.com",
    "m.stripe.network",
    "js.braintreegateway.com",
    "paypal.com/sdk",
    "paypalobjects.com",
    "cdn.checkout.com",
    "js.squareup.com",
    "web.squarecdn.com",
    "pay.google.com",
    "applepay.cdn-apple.com",
    "js.chargebee.com",
    "cdn.paddle.com",
    "checkoutshopper-live.adyen.com",
    "checkoutshopper-test.adyen.com",
    "x.klarnacdn.net",
    "js.recurly.com",
    "secure.authorize.net",
    "js.authorize.net",
];

// The patterns are lowercase and the text is lowercased before the search:
// exact matching lets aho-corasick use a SIMD search, which a
// case-insensitive automaton over this many patterns would give up, and
// ASCII lowercasing keeps every byte offset.
static MATCHER: LazyLock<HostMatcher> = LazyLock::new(HostMatcher::new);

/// The search for every known host at once. The packed (Teddy) searcher
/// runs every file of the bundle through SIMD shuffles; the general
/// automaton, which aho-corasick would otherwise pick for this many
/// patterns, is guided only by two rare bytes that HTML is full of, and is
/// kept for CPUs without the vector instructions Teddy needs.
enum HostMatcher {
    Packed(aho_corasick::packed::Searcher),
    Automaton(AhoCorasick),
}

impl HostMatcher {
    fn new() -> Self {
        Self::packed().unwrap_or_else(Self::automaton)
    }

    /// The packed searcher, if this CPU can run it.
    fn packed() -> Option<Self> {
        aho_corasick::packed::Config::new()
            .match_kind(aho_corasick::packed::MatchKind::LeftmostLongest)
            .builder()
            .extend(ANALYTICS_HOSTS.iter().chain(PAYMENT_HOSTS))
            .build()
            .map(HostMatcher::Packed)
    }

    fn automaton() -> Self {
        HostMatcher::Automaton(
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(ANALYTICS_HOSTS.iter().chain(PAYMENT_HOSTS))
                .expect("the host lists are valid patterns"),
        )
    }

    /// Leftmost-longest, non-overlapping matches in `haystack`.
    fn find_iter<'h>(&'h self, haystack: &'h str) -> Box<dyn Iterator<Item = Match> + 'h> {
        match self {
            HostMatcher::Packed(searcher) => Box::new(searcher.find_iter(haystack)),
            HostMatcher::Automaton(automaton) => Box::new(automaton.find_iter(haystack)),
        }
    }
}

/// One known host found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostMatch {
    pub offset: usize,
    pub host: &'static str,
    pub kind: HostKind,
}

/// Every known host in `text`, at a label boundary on both sides (so
/// `nothotjar.com` or `hotjar.company` do not count).
pub fn find(text: &str) -> Vec<HostMatch> {
    let bytes = text.as_bytes();
    let label = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let lowered = text.to_ascii_lowercase();
    MATCHER
        .find_iter(&lowered)
        .filter(|m| {
            let before_ok = m.start() == 0 || !label(bytes[m.start() - 1]);
            let after_ok = bytes.get(m.end()).is_none_or(|b| !label(*b))
                && !(bytes.get(m.end()) == Some(&b'.')
                    && bytes
                        .get(m.end() + 1)
                        .is_some_and(|b| b.is_ascii_alphanumeric()));
            before_ok && after_ok
        })
        .map(|m| {
            let index = m.pattern().as_usize();
            let (host, kind) = if index < ANALYTICS_HOSTS.len() {
                (ANALYTICS_HOSTS[index], HostKind::Analytics)
            } else {
                (
                    PAYMENT_HOSTS[index - ANALYTICS_HOSTS.len()],
                    HostKind::Payment,
                )
            };
            HostMatch {
                offset: m.start(),
                host,
                kind,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_hosts_at_boundaries_only() {
        let text = "src=\"https://www.GoogleTagManager.com/gtm.js\" x nothotjar.com hotjar.company js.stripe.com/v3";
        let found: Vec<_> = find(text).into_iter().map(|m| (m.host, m.kind)).collect();
        assert_eq!(
            found,
            [
                ("googletagmanager.com", HostKind::Analytics),
                ("js.stripe.com", HostKind::Payment)
            ]
        );
    }

    #[test]
    fn both_searchers_find_the_same_hosts() {
        // Overlapping candidates: `segment.io` inside `api.segment.io`,
        // `hotjar.com` next to `hotjar.io`, a host at the very end.
        let text = "a api.segment.io b cdn.segment.com hotjar.io/hotjar.com \
                    js.stripe.comjs.stripe.com x.klarnacdn.net";
        let matches = |matcher: &HostMatcher| -> Vec<(usize, usize, usize)> {
            matcher
                .find_iter(text)
                .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                .collect()
        };
        let automaton = matches(&HostMatcher::automaton());
        assert_eq!(automaton.len(), 7, "{automaton:?}");
        if let Some(packed) = HostMatcher::packed() {
            assert_eq!(matches(&packed), automaton);
        }
    }

    #[test]
    fn prose_names_are_not_hosts() {
        assert!(find("We do not use Google Analytics, Hotjar or Stripe.").is_empty());
    }
}
