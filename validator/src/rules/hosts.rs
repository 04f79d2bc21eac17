//! Curated lists of third-party hosts whose mere presence in a bundle
//! breaks a promise: analytics and tag managers (consent) and payment
//! SDKs or checkout pages (payment). Matching is on host names anywhere
//! in a text file, case-insensitively, at label boundaries.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

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
// exact matching lets aho-corasick use its SIMD prefilter, which a
// case-insensitive automaton over this many patterns would give up, and
// ASCII lowercasing keeps every byte offset.
static MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .build(ANALYTICS_HOSTS.iter().chain(PAYMENT_HOSTS))
        .expect("the host lists are valid patterns")
});

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
    fn prose_names_are_not_hosts() {
        assert!(find("We do not use Google Analytics, Hotjar or Stripe.").is_empty());
    }
}
