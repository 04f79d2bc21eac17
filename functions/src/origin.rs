//! The same-origin rule for state-changing requests.
//!
//! Browsers send `Origin` on every cross-origin POST and on same-origin POSTs
//! too; `Referer` is the fallback for the few clients that omit `Origin`.
//! A request whose `Origin` (or, without one, `Referer`) is the site's public
//! origin or the origin the request itself was addressed to is accepted.
//! The second case lets the same Worker run under `wrangler dev` on a local
//! port or on a preview host without a configuration change; it grants
//! nothing to another site, whose pages carry their own origin.

use url::Url;

/// Why a request was not accepted as same-origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OriginError {
    /// Neither header was sent.
    #[error("request carries neither Origin nor Referer")]
    Missing,
    /// A header names another origin, or an opaque one (`null`).
    #[error("request comes from a foreign or opaque origin")]
    Foreign,
}

/// Checks the `Origin` and `Referer` headers against the accepted origins.
///
/// `site_origin` is the configured public origin; `request_url` is the URL
/// the request was sent to.
pub fn check_same_origin(
    origin_header: Option<&str>,
    referer_header: Option<&str>,
    site_origin: &Url,
    request_url: &Url,
) -> Result<(), OriginError> {
    // When Origin is present it decides alone: a forged or stale Referer must
    // not rescue a request whose Origin is foreign.
    let claimed = match (origin_header, referer_header) {
        (Some(origin), _) => origin,
        (None, Some(referer)) => referer,
        (None, None) => return Err(OriginError::Missing),
    };
    let claimed = Url::parse(claimed.trim()).map_err(|_| OriginError::Foreign)?;
    let claimed = claimed.origin();
    if !claimed.is_tuple() {
        return Err(OriginError::Foreign);
    }
    if claimed == site_origin.origin() || claimed == request_url.origin() {
        Ok(())
    } else {
        Err(OriginError::Foreign)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Url {
        Url::parse("https://baystore.example").expect("valid URL")
    }

    fn local() -> Url {
        Url::parse("http://127.0.0.1:8787/lead").expect("valid URL")
    }

    fn check(origin: Option<&str>, referer: Option<&str>) -> Result<(), OriginError> {
        check_same_origin(origin, referer, &site(), &local())
    }

    #[test]
    fn accepts_the_site_origin_and_the_request_origin() {
        assert_eq!(check(Some("https://baystore.example"), None), Ok(()));
        assert_eq!(check(Some("https://baystore.example:443"), None), Ok(()));
        assert_eq!(check(Some("http://127.0.0.1:8787"), None), Ok(()));
        assert_eq!(
            check(None, Some("https://baystore.example/contact/?a=1")),
            Ok(())
        );
        assert_eq!(check(None, Some("http://127.0.0.1:8787/contact/")), Ok(()));
    }

    #[test]
    fn refuses_foreign_lookalike_and_opaque_origins() {
        for origin in [
            "https://evil.example",
            "http://baystore.example",
            "https://baystore.example.evil.example",
            "https://baystore.example:8443",
            "http://127.0.0.1:8788",
            "null",
            "",
            "not a url",
        ] {
            assert_eq!(
                check(Some(origin), None),
                Err(OriginError::Foreign),
                "{origin:?}"
            );
        }
    }

    #[test]
    fn a_foreign_origin_is_not_rescued_by_a_same_origin_referer() {
        assert_eq!(
            check(
                Some("https://evil.example"),
                Some("https://baystore.example/contact/")
            ),
            Err(OriginError::Foreign)
        );
    }

    #[test]
    fn refuses_requests_without_either_header() {
        assert_eq!(check(None, None), Err(OriginError::Missing));
        assert_eq!(
            check(None, Some("https://evil.example/page")),
            Err(OriginError::Foreign)
        );
    }
}
