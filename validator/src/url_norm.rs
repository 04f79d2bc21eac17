//! URL normalisation and classification: the one place that decides what a
//! URL found in the bundle points at.
//!
//! Browsers are lenient: they trim whitespace, drop tabs and newlines inside
//! a URL, accept any case in the scheme, treat `\` as `/` in `http(s)` URLs
//! and resolve dot segments and percent-encoded dots. A rule that compared
//! raw strings would miss `HTTPS://Console.`, `/%63onsole` or `/./console`;
//! so every rule asks this module instead, which parses like the WHATWG URL
//! parser (through the `url` crate) and then normalises further for
//! comparison (percent-decoding, repeated slashes, host trailing dot).

use percent_encoding::percent_decode_str;
use url::Url;

/// The host used as a stand-in origin when the site's own origin is unknown.
/// `.invalid` is reserved (RFC 2606), so no real URL can carry it.
const PLACEHOLDER_ORIGIN: &str = "https://bundle.invalid";

/// Which origins count as the site's own.
#[derive(Debug, Clone)]
pub struct Origins {
    base: Url,
    site_known: bool,
    allowed: Vec<url::Origin>,
}

impl Origins {
    /// `site` is the site's origin when known (`https://baystore.example`);
    /// `allowed` are extra origins trusted like the site's own.
    pub fn new(site: Option<&str>, allowed: &[String]) -> Self {
        let parsed_site = site
            .and_then(|s| Url::parse(s).ok())
            .filter(|u| u.has_host());
        let site_known = parsed_site.is_some();
        let base = parsed_site.unwrap_or_else(|| {
            Url::parse(PLACEHOLDER_ORIGIN).expect("placeholder origin is a valid URL")
        });
        let allowed = allowed
            .iter()
            .filter_map(|a| Url::parse(a).ok())
            .map(|u| normalised_origin(&u))
            .collect();
        Origins {
            base,
            site_known,
            allowed,
        }
    }

    /// The site's origin as text, when known.
    pub fn site(&self) -> Option<String> {
        self.site_known
            .then(|| self.base.origin().ascii_serialization())
    }

    /// Whether `url` is on the site's origin or an allowed one.
    fn is_own(&self, url: &Url) -> bool {
        let origin = normalised_origin(url);
        origin == normalised_origin(&self.base) || self.allowed.contains(&origin)
    }

    /// Whether `url` is on the site's own origin (not merely allowed).
    fn is_site(&self, url: &Url) -> bool {
        normalised_origin(url) == normalised_origin(&self.base)
    }

    /// Resolves `raw` (an attribute value with entities already decoded) as
    /// found on the page served at `page_path` (e.g. `/contact/index.html`).
    pub fn classify(&self, raw: &str, page_path: &str) -> Target {
        self.classify_on(raw, &self.page(page_path))
    }

    /// The URL of the page served at `page_path`, to classify many URLs of
    /// one page with [`Origins::classify_on`].
    pub fn page(&self, page_path: &str) -> Url {
        self.base
            .join(page_path)
            .unwrap_or_else(|_| self.base.clone())
    }

    /// Resolves `raw` as found on the page at `page` (from [`Origins::page`]).
    pub fn classify_on(&self, raw: &str, page: &Url) -> Target {
        let trimmed = raw.trim_matches(|c: char| c <= ' ');
        if trimmed.is_empty() {
            return Target::SamePage;
        }
        if let Some(target) = simple_path(trimmed, page.path()) {
            return target;
        }
        let Ok(url) = Url::options().base_url(Some(page)).parse(trimmed) else {
            return Target::Invalid;
        };
        match url.scheme() {
            "javascript" => Target::JavaScript,
            "data" => Target::Data,
            "mailto" => Target::Mailto {
                address: url.path().to_string(),
            },
            "http" | "https" | "ws" | "wss" => {
                let host = normalised_host(&url);
                let path = normalise_path(url.path());
                let fragment = url.fragment().map(decode);
                if self.is_own(&url) {
                    if !self.is_site(&url) {
                        return Target::Allowed { host, path };
                    }
                    if trimmed.starts_with('#') {
                        return Target::Fragment {
                            fragment: fragment.unwrap_or_default(),
                        };
                    }
                    Target::SameOrigin {
                        path,
                        query: url.query().map(str::to_string),
                        fragment,
                    }
                } else {
                    Target::CrossOrigin {
                        insecure: url.scheme() == "http" || url.scheme() == "ws",
                        host,
                        path,
                    }
                }
            }
            other => Target::Other {
                scheme: other.to_string(),
            },
        }
    }
}

/// What a URL points at, after normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Empty URL: the page itself.
    SamePage,
    /// A fragment-only URL (`#section`) on the page itself.
    Fragment {
        fragment: String,
    },
    /// A URL on the site's origin. `path` is normalised: percent-decoded,
    /// dot segments resolved, repeated slashes collapsed.
    SameOrigin {
        path: String,
        query: Option<String>,
        fragment: Option<String>,
    },
    /// A URL on an origin the configuration allows.
    Allowed {
        host: String,
        path: String,
    },
    /// A URL on another origin. `host` is lowercased without a trailing dot.
    CrossOrigin {
        host: String,
        path: String,
        insecure: bool,
    },
    JavaScript,
    Data,
    Mailto {
        address: String,
    },
    Other {
        scheme: String,
    },
    /// Not a URL a browser would accept.
    Invalid,
}

impl Target {
    /// The host of a URL that names one explicitly.
    pub fn host(&self) -> Option<&str> {
        match self {
            Target::CrossOrigin { host, .. } | Target::Allowed { host, .. } => Some(host),
            _ => None,
        }
    }

    /// The normalised path of an http(s) URL.
    pub fn path(&self) -> Option<&str> {
        match self {
            Target::SameOrigin { path, .. }
            | Target::CrossOrigin { path, .. }
            | Target::Allowed { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// Classifies the common case without a full parse: a path-only URL made
/// of unreserved characters and `/` (plus an optional fragment of the same),
/// for which WHATWG parsing reduces to joining and dot-segment removal.
/// Anything else (`%`, `\\`, `:`, `?`, whitespace, `//`) takes the full path.
fn simple_path(raw: &str, page_path: &str) -> Option<Target> {
    let plain = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~'))
    };
    let (path, fragment) = match raw.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (raw, None),
    };
    if raw.starts_with("//") || !plain(path) || !fragment.is_none_or(plain) {
        return None;
    }
    if path.is_empty() {
        return Some(Target::Fragment {
            fragment: fragment.unwrap_or_default().to_string(),
        });
    }
    let joined = if path.starts_with('/') {
        normalise_path(path)
    } else {
        let folder = &page_path[..page_path.rfind('/').map_or(0, |i| i + 1)];
        normalise_path(&format!("{folder}{path}"))
    };
    Some(Target::SameOrigin {
        path: joined,
        query: None,
        fragment: fragment.map(str::to_string),
    })
}

fn normalised_host(url: &Url) -> String {
    url.host_str()
        .unwrap_or("")
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

fn normalised_origin(url: &Url) -> url::Origin {
    match url.origin() {
        url::Origin::Tuple(scheme, _, port) => {
            url::Origin::Tuple(scheme, url::Host::Domain(normalised_host(url)), port)
        }
        opaque => opaque,
    }
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// Whether an attribute value, exactly as written in the HTML source, is a
/// `javascript:` URL once a browser has decoded its character references
/// (`jav&#x61;script:`, `&Tab;`, `&colon;`, with or without `;`) and parsed it.
/// The site generator calls this too, so the build and the gate agree.
pub fn attribute_is_javascript_url(raw: &str) -> bool {
    if raw.contains('&') {
        is_javascript_url(&htmlize::unescape_attribute(raw))
    } else {
        is_javascript_url(raw)
    }
}

/// Whether a decoded URL has the `javascript:` scheme as the URL parser
/// reads it: leading and trailing controls and spaces trimmed, tabs and
/// newlines anywhere removed, case folded.
pub fn is_javascript_url(url: &str) -> bool {
    let trimmed = url.trim_matches(|c: char| c <= ' ');
    Url::parse(trimmed).is_ok_and(|parsed| parsed.scheme() == "javascript")
}

/// Normalises a URL path for comparison: percent-decodes it (so `%63onsole`
/// is `console`), turns `\` into `/`, collapses repeated slashes and removes
/// dot segments again (decoding may have revealed some).
pub fn normalise_path(path: &str) -> String {
    let decoded = decode(path).replace('\\', "/");
    let mut segments: Vec<&str> = Vec::new();
    let trailing_slash =
        decoded.ends_with('/') || decoded.ends_with("/.") || decoded.ends_with("/..");
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = String::with_capacity(decoded.len() + 1);
    for segment in &segments {
        out.push('/');
        out.push_str(segment);
    }
    if out.is_empty() || trailing_slash {
        out.push('/');
    }
    out
}

/// The first path segment of a normalised path, lowercased (`/Console/x` ->
/// `console`).
pub fn first_segment(path: &str) -> String {
    path.trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// URLs in a `srcset` value, with their byte offsets in the value.
pub fn srcset_urls(value: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b',') {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut url = &value[start..i];
        // A URL may end with commas that separate it from the next candidate.
        while let Some(stripped) = url.strip_suffix(',') {
            url = stripped;
        }
        if !url.is_empty() {
            out.push((start, url));
        }
        // Skip the descriptors up to the next comma.
        while i < bytes.len() && bytes[i] != b',' {
            i += 1;
        }
    }
    out
}

/// The URL in a `<meta http-equiv="refresh">` content value
/// (`5; url=/next`), with its byte offset in the value.
pub fn refresh_url(content: &str) -> Option<(usize, &str)> {
    let semicolon = content.find([';', ','])?;
    let mut rest_start = semicolon + 1;
    let rest = &content[rest_start..];
    let trimmed = rest.trim_start();
    rest_start += rest.len() - trimmed.len();
    let mut value = trimmed;
    // Compared as bytes: the value may start with a multi-byte character.
    if value
        .as_bytes()
        .get(..3)
        .is_some_and(|start| start.eq_ignore_ascii_case(b"url"))
    {
        let after = value[3..].trim_start();
        if let Some(after_eq) = after.strip_prefix('=') {
            let after_eq = after_eq.trim_start();
            rest_start += value.len() - after_eq.len();
            value = after_eq;
        }
    }
    let value = value.trim_end();
    let unquoted = value
        .strip_prefix(['"', '\''])
        .map(|v| {
            rest_start += 1;
            v.trim_end_matches(['"', '\''])
        })
        .unwrap_or(value);
    (!unquoted.is_empty()).then_some((rest_start, unquoted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Origins {
        Origins::new(Some("https://baystore.example"), &[])
    }

    fn path_of(raw: &str) -> Option<String> {
        match site().classify(raw, "/index.html") {
            Target::SameOrigin { path, .. } => Some(path),
            _ => None,
        }
    }

    #[test]
    fn relative_and_absolute_same_origin_urls_normalise_alike() {
        for raw in [
            "/console/",
            "console/",
            "./console/",
            "/./console/",
            "/a/../console/",
            "//baystore.example/console/",
            "HTTPS://BayStore.Example/console/",
            "https://baystore.example./console/",
            "https://baystore.example:443/console/",
            "/%63onsole/",
            "/%2e/console/",
            "//baystore.example//console//",
            "\\console\\",
            "https:\\\\baystore.example\\console/",
            " \t/con\nsole/ ",
            "/console/?x=1",
            "/console/#top",
        ] {
            assert_eq!(path_of(raw).as_deref(), Some("/console/"), "{raw}");
        }
    }

    #[test]
    fn other_hosts_are_cross_origin_with_normalised_host() {
        let site = site();
        for (raw, host) in [
            ("//console.example.com/", "console.example.com"),
            ("HTTPS://Console.Example.com./x", "console.example.com"),
            ("\\\\console\\x", "console"),
            ("http://baystore.example/", "baystore.example"),
            ("https://cdn.example:8443/x.js", "cdn.example"),
        ] {
            match site.classify(raw, "/index.html") {
                Target::CrossOrigin { host: h, .. } => assert_eq!(h, host, "{raw}"),
                other => panic!("{raw} classified as {other:?}"),
            }
        }
    }

    #[test]
    fn attribute_values_are_decoded_before_the_scheme_is_judged() {
        for raw in [
            "jav&#x61;script:x",
            "&#x6A&#x61vascript:x",
            "java&Tab;script&colon;x",
            " \u{1}JAVASCRIPT:x",
        ] {
            assert!(attribute_is_javascript_url(raw), "{raw:?}");
        }
        for raw in [
            "/javascript/",
            "https://example.org/?javascript:",
            "#javascript:",
        ] {
            assert!(!attribute_is_javascript_url(raw), "{raw:?}");
        }
    }

    #[test]
    fn schemes_are_recognised_whatever_the_case_or_whitespace() {
        let site = site();
        for raw in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " \u{1}javascript:x",
            "java\tscript:x",
            "java\nscript:x",
            "jav\r\nascript:x",
        ] {
            assert_eq!(site.classify(raw, "/"), Target::JavaScript, "{raw:?}");
        }
        assert_eq!(site.classify("DATA:text/html,x", "/"), Target::Data);
        assert_eq!(
            site.classify("mailto:sales@baystore.example", "/"),
            Target::Mailto {
                address: "sales@baystore.example".into()
            }
        );
        assert_eq!(
            site.classify("tel:+1", "/"),
            Target::Other {
                scheme: "tel".into()
            }
        );
        assert_eq!(site.classify("", "/"), Target::SamePage);
        assert_eq!(
            site.classify("#faq", "/"),
            Target::Fragment {
                fragment: "faq".into()
            }
        );
        assert_eq!(site.classify("http://[::1", "/"), Target::Invalid);
    }

    #[test]
    fn relative_urls_resolve_against_the_page() {
        let site = site();
        assert_eq!(
            site.classify("../pricing/", "/product/index.html").path(),
            Some("/pricing/")
        );
        assert_eq!(
            site.classify("img/a%20b.png", "/product/index.html").path(),
            Some("/product/img/a b.png")
        );
    }

    #[test]
    fn without_a_site_origin_only_relative_urls_are_same_origin() {
        let origins = Origins::new(None, &[]);
        assert!(origins.site().is_none());
        assert!(matches!(
            origins.classify("/x", "/"),
            Target::SameOrigin { .. }
        ));
        assert!(matches!(
            origins.classify("https://baystore.example/x", "/"),
            Target::CrossOrigin { .. }
        ));
    }

    #[test]
    fn allowed_origins_are_trusted_but_distinct() {
        let origins = Origins::new(
            Some("https://baystore.example"),
            &["https://cdn.baystore.example".to_string()],
        );
        assert_eq!(
            origins.classify("https://CDN.baystore.example/x.js", "/"),
            Target::Allowed {
                host: "cdn.baystore.example".into(),
                path: "/x.js".into()
            }
        );
    }

    #[test]
    fn the_fast_path_agrees_with_the_full_parser() {
        let site = site();
        let page = site.page("/docs/guide/index.html");
        for raw in [
            "/a/b/",
            "a/./b/../c",
            "../x.css",
            "x#frag",
            "/#frag",
            "./",
            "..",
            "/a//b",
            "#",
            "#top",
        ] {
            let fast = simple_path(raw, page.path());
            let full = Url::options().base_url(Some(&page)).parse(raw).unwrap();
            match fast {
                Some(Target::SameOrigin { path, fragment, .. }) => {
                    assert_eq!(path, normalise_path(full.path()), "{raw}");
                    assert_eq!(fragment.as_deref(), full.fragment(), "{raw}");
                }
                Some(Target::Fragment { fragment }) => {
                    assert_eq!(Some(fragment.as_str()), full.fragment(), "{raw}");
                }
                other => panic!("{raw}: {other:?}"),
            }
        }
        for raw in ["//x", "/%63", "a b", "\\x", "x?y", "http:x", "/a#b c"] {
            assert!(simple_path(raw, page.path()).is_none(), "{raw}");
        }
    }

    #[test]
    fn path_normalisation() {
        assert_eq!(normalise_path("/a//b/../c/"), "/a/c/");
        assert_eq!(normalise_path("/a/b/.."), "/a/");
        assert_eq!(normalise_path(""), "/");
        assert_eq!(normalise_path("/%2E%2E/x"), "/x");
        assert_eq!(normalise_path("/a%5Cb"), "/a/b");
        assert_eq!(first_segment("/Console/x"), "console");
        assert_eq!(first_segment("/"), "");
    }

    #[test]
    fn srcset_candidates() {
        let value = "a.png 1x, /b.png 2x,c.png";
        let urls: Vec<_> = srcset_urls(value).into_iter().map(|(_, u)| u).collect();
        assert_eq!(urls, ["a.png", "/b.png", "c.png"]);
        assert_eq!(srcset_urls(" x.png")[0].0, 1);
    }

    #[test]
    fn refresh_urls() {
        assert_eq!(refresh_url("0; url=/console/"), Some((7, "/console/")));
        assert_eq!(refresh_url("0;URL = '/x'"), Some((9, "/x")));
        assert_eq!(refresh_url("5;/next"), Some((2, "/next")));
        assert_eq!(refresh_url("5"), None);
        // Found by the property test: a multi-byte character where `url`
        // would be crashed the slicing.
        assert_eq!(refresh_url("0;𝐒':"), Some((2, "𝐒':")));
    }

    mod fuzz {
        use super::super::*;
        use crate::fuzz;
        use proptest::prelude::*;

        /// `javascript:` as an attacker writes it: any case, control
        /// characters and spaces before it, tabs and newlines inside it,
        /// letters as character references.
        fn disguised_javascript() -> impl Strategy<Value = String> {
            let letters: Vec<_> = "javascript:"
                .chars()
                .map(|c| {
                    let upper = c.to_ascii_uppercase();
                    prop_oneof![
                        Just(c.to_string()),
                        Just(upper.to_string()),
                        Just(format!("&#{};", c as u32)),
                        Just(format!("&#x{:X};", c as u32)),
                        Just(format!("&#{}", c as u32)),
                        Just(format!("{c}\t")),
                        Just(format!("{c}\n")),
                    ]
                })
                .collect();
            let prefix = prop::sample::select(&["", " ", "\u{1}", "\t\n", "&#x20;", "\u{0}"][..]);
            (prefix, letters, fuzz::noise()).prop_map(|(prefix, letters, rest)| {
                let colon = letters.concat().replace("&#58;", "&colon;");
                // Something follows the scheme, so a reference without `;`
                // ends where the parser ends it.
                format!("{prefix}{colon}alert(1){rest}")
            })
        }

        proptest! {
            #![proptest_config(fuzz::config())]

            /// Every disguise of `javascript:` is seen through.
            #[test]
            fn fuzz_disguised_javascript_urls_are_seen(raw in disguised_javascript()) {
                prop_assert!(attribute_is_javascript_url(&raw), "{:?}", raw);
            }

            /// Classification never fails, agrees with the scheme check, and
            /// `srcset` candidates are slices of their value.
            #[test]
            fn fuzz_urls_classify_and_split(raw in fuzz::noise(), tail in fuzz::noise()) {
                let origins = Origins::new(Some("https://baystore.example"), &[]);
                let url = format!("{raw}{tail}");
                let target = origins.classify(&url, "/a/index.html");
                prop_assert_eq!(target == Target::JavaScript, is_javascript_url(&url));
                prop_assert_eq!(&target, &origins.classify(&url, "/a/index.html"));
                for (at, candidate) in srcset_urls(&url) {
                    prop_assert_eq!(&url[at..at + candidate.len()], candidate);
                }
                if let Some((at, found)) = refresh_url(&url) {
                    prop_assert_eq!(&url[at..at + found.len()], found);
                }
                let path = normalise_path(&url);
                prop_assert!(path.starts_with('/'));
            }
        }
    }
}
