//! Curated lists of third-party hosts whose loading breaks a promise:
//! analytics and tag managers (consent) and payment SDKs or checkout pages
//! (payment). Host names are found case-insensitively at label boundaries,
//! then kept only where a browser would load or run them ([`Where`]):
//! markup attributes, stylesheets, and URL-shaped strings of scripts and
//! data a script reads. A host written in a page's text (a `<pre>` code
//! sample, escaped HTML, prose), in a comment, in a `.txt` or `.md` file,
//! in a search index or a source map is a mention, not a load.
//!
//! The analytics list follows the tracker entries of DuckDuckGo's Tracker
//! Radar and the EasyPrivacy filter list (the two public lists most
//! blockers use), narrowed to the hosts that serve analytics, tag
//! management, session recording or advertising pixels on marketing sites.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Match, MatchKind};

use crate::bundle::FileKind;
use crate::html::Page;
use crate::rules::inline::ScriptType;

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
    // Baidu Tongji (hm.js) and its beacon host.
    "hm.baidu.com",
    "hmcdn.baidu.com",
    // Cloudflare Web Analytics (static.cloudflareinsights.com/beacon.min.js).
    "cloudflareinsights.com",
    // Yandex Metrica.
    "mc.yandex.ru",
    "mc.yandex.com",
    "metrika.yandex.ru",
    // Adobe Analytics, Target and Launch.
    "omtrdc.net",
    "2o7.net",
    "assets.adobedtm.com",
    "demdex.net",
    // Other widely deployed analytics, heatmap and pixel hosts.
    "stats.wp.com",
    "pixel.wp.com",
    "static.klaviyo.com",
    "sc-static.net",
    "tr.snapchat.com",
    "ct.pinterest.com",
    "s.pinimg.com",
    "analytics.twitter.com",
    "static.criteo.net",
    "sslwidget.criteo.com",
    "gc.zgo.at",
    "goatcounter.com",
    "pirsch.io",
    "tagmanager.google.com",
    "cdn.rudderlabs.com",
    "cdn.logrocket.io",
    "cdn.lr-ingest.io",
    "r.lr-ingest.io",
    "ws.zoominfo.com",
    "munchkin.marketo.net",
    "top.mail.ru",
    "counter.yadro.ru",
    "va.vercel-scripts.com",
    "vitals.vercel-insights.com",
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
    fn find_iter<'h>(&'h self, haystack: &'h [u8]) -> Box<dyn Iterator<Item = Match> + 'h> {
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

/// Where known hosts can be in a text: around each of their top-level
/// labels. Every known host holds one (`.com` in `facebook.com/tr`), and
/// in prose and markup a dot is almost always followed by a space, a quote
/// or a file extension, so the search for hosts runs over a few short
/// stretches of a page rather than the whole of it: the host list's
/// three-byte prefixes (`con`, `pla`, `ana`, `che`) are everywhere in
/// English text, and checking each candidate was a twentieth of a check.
struct Anchors {
    /// Every host's last dot and the label after it, any case.
    searcher: AhoCorasick,
    /// The longest host: a host holding an anchor lies within this many
    /// bytes of it on either side.
    reach: usize,
}

impl Anchors {
    fn new() -> Self {
        let hosts = ANALYTICS_HOSTS.iter().chain(PAYMENT_HOSTS);
        let mut anchors: Vec<&str> = hosts.clone().map(|host| top_label(host)).collect();
        anchors.sort_unstable();
        anchors.dedup();
        Anchors {
            searcher: AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .build(anchors)
                .expect("the top-level labels are valid patterns"),
            reach: hosts.map(|host| host.len()).max().unwrap_or(0),
        }
    }

    /// The stretches of `bytes` that hold every host in it, sorted, none
    /// overlapping another: a host is never cut by a stretch's edge.
    fn stretches(&self, bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
        let mut stretches: Vec<std::ops::Range<usize>> = Vec::new();
        for anchor in self.searcher.find_overlapping_iter(bytes) {
            let start = anchor.start().saturating_sub(self.reach);
            let end = anchor.end().saturating_add(self.reach).min(bytes.len());
            match stretches.last_mut() {
                Some(last) if start <= last.end => last.end = last.end.max(end),
                _ => stretches.push(start..end),
            }
        }
        stretches
    }
}

/// The last dot of `host` and the label after it: `.com` of
/// `paypal.com/sdk`.
fn top_label(host: &str) -> &str {
    let dot = host.rfind('.').unwrap_or(0);
    let label = &host[dot + 1..];
    let len = label
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(label.len());
    &host[dot..dot + 1 + len]
}

static ANCHORS: LazyLock<Anchors> = LazyLock::new(Anchors::new);

/// Every known host in `text`, at a label boundary on both sides (so
/// `nothotjar.com` or `hotjar.company` do not count).
///
/// The search runs over the stretches around top-level labels only (see
/// [`Anchors`]). A match never crosses a stretch's edge: the stretch of a
/// host's own top-level label holds all of it, and stretches that overlap
/// are one. So each stretch searched on its own gives the leftmost-longest
/// matches a search of the whole text gives there.
pub fn find(text: &str) -> Vec<HostMatch> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for stretch in ANCHORS.stretches(bytes) {
        let lowered = bytes[stretch.clone()].to_ascii_lowercase();
        found.extend(MATCHER.find_iter(&lowered).map(|m| {
            (
                stretch.start + m.start(),
                stretch.start + m.end(),
                m.pattern(),
            )
        }));
    }
    hosts_at_boundaries(bytes, found)
}

/// The hosts of `found` (start, end, pattern) that stand at a label
/// boundary on both sides of `bytes`.
fn hosts_at_boundaries(
    bytes: &[u8],
    found: Vec<(usize, usize, aho_corasick::PatternID)>,
) -> Vec<HostMatch> {
    let label = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    found
        .into_iter()
        .filter(|&(start, end, _)| {
            let before_ok = start == 0 || !label(bytes[start - 1]);
            let after_ok = bytes.get(end).is_none_or(|b| !label(*b))
                && !(bytes.get(end) == Some(&b'.')
                    && bytes
                        .get(end + 1)
                        .is_some_and(|b| b.is_ascii_alphanumeric()));
            before_ok && after_ok
        })
        .map(|(start, _, pattern)| {
            let index = pattern.as_usize();
            let (host, kind) = if index < ANALYTICS_HOSTS.len() {
                (ANALYTICS_HOSTS[index], HostKind::Analytics)
            } else {
                (
                    PAYMENT_HOSTS[index - ANALYTICS_HOSTS.len()],
                    HostKind::Payment,
                )
            };
            HostMatch {
                offset: start,
                host,
                kind,
            }
        })
        .collect()
}

/// Where in a file a known host is a load rather than a mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Where {
    /// Everywhere: stylesheets, `_headers`, `_redirects`, and files whose
    /// name says nothing, which the validator cannot judge otherwise.
    Everywhere,
    /// In URL-shaped strings only: scripts and JSON, which browsers run
    /// or scripts read.
    UrlStrings,
    /// Nowhere: prose and data no browser loads from (`.txt`, `.md`,
    /// feeds, source maps, search indexes).
    Nowhere,
}

/// File names (lowercase, fingerprint and extension aside) that static
/// site generators give their search index: mdBook `searchindex.json`,
/// MkDocs `search_index.json`, Docusaurus and Eleventy plugins
/// `search-index.json` and `search.json`, lunr `lunr-index.json`.
const SEARCH_INDEX_STEMS: &[&str] = &[
    "searchindex",
    "search_index",
    "search-index",
    "search",
    "search-doc",
    "lunr-index",
];

/// Whether `path` is a JSON search index: the site's own text, mentions
/// and code samples included, which no browser loads anything from.
fn is_search_index(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let Some(stem) = name.strip_suffix(".json") else {
        return false;
    };
    // mdBook and bundlers may add a content hash: `searchindex-72423136`.
    let head = stem
        .rsplit_once(['-', '.'])
        .filter(|(_, tail)| {
            tail.len() >= 6
                && tail.bytes().all(|b| b.is_ascii_alphanumeric())
                && tail.bytes().any(|b| b.is_ascii_digit())
        })
        .map(|(head, _)| head);
    SEARCH_INDEX_STEMS.contains(&stem)
        || head.is_some_and(|head| SEARCH_INDEX_STEMS.contains(&head))
}

/// Where known hosts count in a file of this kind (pages are judged by
/// [`loaded_in_page`]).
pub(crate) fn where_loaded(kind: FileKind, path: &str) -> Where {
    let extension = path
        .rsplit('/')
        .next()
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match kind {
        FileKind::Script => Where::UrlStrings,
        FileKind::Text if extension == "json" || extension == "webmanifest" => {
            if is_search_index(path) {
                Where::Nowhere
            } else {
                Where::UrlStrings
            }
        }
        FileKind::Text | FileKind::SourceMap | FileKind::Sitemap => Where::Nowhere,
        _ => Where::Everywhere,
    }
}

/// Whether the host found at `offset` of `text` starts a URL-shaped
/// string: walking back from it over characters a URL's scheme and host
/// are made of (`https://www.`, `//`, `\/\/` in escaped JSON) reaches a
/// quote, backtick, `(`, `=`, `,` or the start of the text. A host after
/// a space is inside prose (a comment, a sentence in a string), which no
/// browser loads, and so is one after an escaped quote.
fn starts_url_string(text: &str, offset: usize) -> bool {
    let before = &text.as_bytes()[..offset];
    let prefix_len = before
        .iter()
        .rev()
        .take_while(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'/' | b'\\')
        })
        .count();
    match before.len().checked_sub(prefix_len + 1) {
        None => true,
        // An escaped quote (`\"https://…` in a JSON body held in a
        // script, as mdBook's search index is) is a quote character inside
        // text, not the start of a string.
        Some(at) if at > 0 && before[at - 1] == b'\\' => false,
        Some(at) => matches!(before[at], b'"' | b'\'' | b'`' | b'(' | b'=' | b','),
    }
}

/// Keeps the hosts a file of this kind loads.
pub(crate) fn loaded(text: &str, found: Vec<HostMatch>, place: Where) -> Vec<HostMatch> {
    match place {
        Where::Everywhere => found,
        Where::Nowhere => Vec::new(),
        Where::UrlStrings => found
            .into_iter()
            .filter(|m| starts_url_string(text, m.offset))
            .collect(),
    }
}

/// Keeps the hosts a page loads: those in the attributes of its elements
/// (every attribute, since a script may read any of them; a data-block
/// `<script>` aside), in its stylesheets, and in URL-shaped strings of the
/// scripts it runs. A host in the page's text (a code sample, escaped
/// HTML, prose) or in a comment is a mention.
pub(crate) fn loaded_in_page(page: &Page<'_>, text: &str, found: Vec<HostMatch>) -> Vec<HostMatch> {
    found
        .into_iter()
        .filter(|m| {
            let in_tag = page.elements.iter().any(|element| {
                (element.start..element.tag_end).contains(&m.offset)
                    && !(element.name == "script" && ScriptType::of(element) == ScriptType::Data)
            });
            let in_style = page
                .styles
                .iter()
                .any(|body| (body.start..body.start + body.raw_len).contains(&m.offset));
            let in_script = page.scripts.iter().any(|body| {
                (body.start..body.start + body.raw_len).contains(&m.offset)
                    && ScriptType::of(&page.elements[body.element]) != ScriptType::Data
                    && starts_url_string(text, m.offset)
            });
            in_tag || in_style || in_script
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::strategy::Strategy as _;

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
                .find_iter(text.as_bytes())
                .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                .collect()
        };
        let automaton = matches(&HostMatcher::automaton());
        assert_eq!(automaton.len(), 7, "{automaton:?}");
        if let Some(packed) = HostMatcher::packed() {
            assert_eq!(matches(&packed), automaton);
        }
    }

    fn kept(text: &str, place: Where) -> Vec<&'static str> {
        loaded(text, find(text), place)
            .into_iter()
            .map(|m| m.host)
            .collect()
    }

    #[test]
    fn scripts_load_url_shaped_strings_only() {
        let script = "s.src='https://www.googletagmanager.com/gtm.js?id='+i;\n\
                      // unlike https://hotjar.com we proxy\n\
                      const note = \"we dropped clarity.ms last year\";\n\
                      load(`//hm.baidu.com/hm.js`); x = 'https://' + 'js.stripe.com/v3';\n\
                      {\"u\":\"https:\\/\\/static.cloudflareinsights.com\\/beacon.min.js\"}\n\
                      index = {\"body\":\"paste <script src=\\\"https://hm.baidu.com/hm.js\\\">\"};";
        assert_eq!(
            kept(script, Where::UrlStrings),
            [
                "googletagmanager.com",
                "hm.baidu.com",
                "js.stripe.com",
                "cloudflareinsights.com"
            ]
        );
        assert!(kept(script, Where::Nowhere).is_empty());
        assert_eq!(kept(script, Where::Everywhere).len(), 7);
    }

    #[test]
    fn files_are_judged_by_what_browsers_load() {
        assert_eq!(where_loaded(FileKind::Script, "a.js"), Where::UrlStrings);
        assert_eq!(
            where_loaded(FileKind::Text, "config.json"),
            Where::UrlStrings
        );
        assert_eq!(
            where_loaded(FileKind::Text, "site.webmanifest"),
            Where::UrlStrings
        );
        assert_eq!(where_loaded(FileKind::Text, "notes.txt"), Where::Nowhere);
        assert_eq!(
            where_loaded(FileKind::Text, "docs/README.md"),
            Where::Nowhere
        );
        assert_eq!(
            where_loaded(FileKind::SourceMap, "a.js.map"),
            Where::Nowhere
        );
        assert_eq!(
            where_loaded(FileKind::Stylesheet, "a.css"),
            Where::Everywhere
        );
        assert_eq!(
            where_loaded(FileKind::Unknown, "LICENSE"),
            Where::Everywhere
        );
        for index in [
            "searchindex.json",
            "book/searchindex-72423136.json",
            "search/search_index.json",
            "Search-Index.json",
            "search.json",
        ] {
            assert_eq!(
                where_loaded(FileKind::Text, index),
                Where::Nowhere,
                "{index}"
            );
        }
        for data in ["searching.json", "search-config.json", "research.json"] {
            assert_eq!(
                where_loaded(FileKind::Text, data),
                Where::UrlStrings,
                "{data}"
            );
        }
    }

    #[test]
    fn pages_load_attributes_styles_and_running_scripts() {
        let page_text = "<p>Paste <code>&lt;script src=\"https://hm.baidu.com/hm.js\"&gt;</code></p>\
            <!-- https://hotjar.com -->\
            <script type=text/plain src=\"https://clarity.ms/tag\"></script>\
            <script type=application/ld+json>{\"u\":\"https://mixpanel.com\"}</script>\
            <img src=\"https://bat.bing.com/action/0\">\
            <style>@import 'https://plausible.io/x.css';</style>\
            <script>load('https://cdn.segment.com/a.js'); // see posthog.com</script>";
        let page = crate::html::parse(page_text);
        let hosts: Vec<_> = loaded_in_page(&page, page_text, find(page_text))
            .into_iter()
            .map(|m| m.host)
            .collect();
        assert_eq!(hosts, ["bat.bing.com", "plausible.io", "cdn.segment.com"]);
    }

    proptest::proptest! {
        #![proptest_config(crate::fuzz::config())]

        /// Filtering keeps a subset of the hosts found, in order, for any
        /// text and place, and never panics on any offset.
        #[test]
        fn fuzz_loaded_hosts_are_a_subset(text in crate::fuzz::noise(), suffix in "[a-z./:'\" ]{0,12}") {
            let text = format!("{text}{suffix}google-analytics.com");
            let all = find(&text);
            for place in [Where::Everywhere, Where::UrlStrings, Where::Nowhere] {
                let kept = loaded(&text, all.clone(), place);
                proptest::prop_assert!(kept.iter().all(|m| all.contains(m)));
            }
            let page = crate::html::parse(&text);
            let kept = loaded_in_page(&page, &text, all.clone());
            proptest::prop_assert!(kept.iter().all(|m| all.contains(m)));
        }
    }

    /// The search of the whole lowercased text, which [`find`] must equal.
    fn find_in_whole_text(text: &str) -> Vec<HostMatch> {
        let lowered = text.to_ascii_lowercase();
        let found = MATCHER
            .find_iter(lowered.as_bytes())
            .map(|m| (m.start(), m.end(), m.pattern()))
            .collect();
        hosts_at_boundaries(text.as_bytes(), found)
    }

    #[test]
    fn every_host_holds_its_anchor() {
        for host in ANALYTICS_HOSTS.iter().chain(PAYMENT_HOSTS) {
            let label = top_label(host);
            assert!(label.len() > 1 && host.contains(label), "{host}: {label}");
            assert!(host.len() <= ANCHORS.reach);
        }
        assert_eq!(top_label("facebook.com/tr"), ".com");
    }

    #[test]
    fn stretches_find_what_the_whole_text_holds() {
        // Hosts that overlap, abut, share a top-level label, sit at either
        // end, in any case, and stretches that merge.
        for text in [
            "hotjar.io/hotjar.comjs.stripe.com.",
            "a api.segment.io b cdn.segment.com hotjar.io/hotjar.com js.stripe.comjs.stripe.com x.klarnacdn.net",
            "PAYPAL.COM/SDK/js x.FACEBOOK.com/tr?id=1 mc.yandex.ru.",
            "google-analytics.com",
            "no hosts. just prose.com and .io and dots...",
            "ßanalytics.google.com中cloud.umami.is",
        ] {
            assert_eq!(find(text), find_in_whole_text(text), "{text}");
        }
    }

    proptest::proptest! {
        #![proptest_config(crate::fuzz::config())]

        /// The stretched search finds exactly what a search of the whole
        /// text finds, for texts dense with hosts, their pieces and
        /// top-level labels in any case.
        #[test]
        fn fuzz_stretches_equal_the_whole_text(
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(ANALYTICS_HOSTS).prop_map(str::to_string),
                    proptest::sample::select(PAYMENT_HOSTS).prop_map(str::to_string),
                    proptest::sample::select(ANALYTICS_HOSTS).prop_map(|h| h[h.len() / 2..].to_uppercase()),
                    "[a-zA-Z./_ -]{0,8}",
                    "[.](com|net|io|ms|COM|Io)",
                    crate::fuzz::noise(),
                ],
                0..24,
            )
        ) {
            let text = pieces.concat();
            proptest::prop_assert_eq!(find(&text), find_in_whole_text(&text));
        }
    }

    #[test]
    fn prose_names_are_not_hosts() {
        assert!(find("We do not use Google Analytics, Hotjar or Stripe.").is_empty());
    }
}
