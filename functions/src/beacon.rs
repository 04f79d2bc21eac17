//! The first-party analytics beacon, `POST /a/event`.
//!
//! The Worker is a filter between the page and the analytics service: it
//! accepts only same-origin page-view events of the documented shape,
//! re-serialises just the known fields, and builds the upstream request's
//! headers from scratch, so cookies and every other visitor header stay
//! behind by construction.

use serde::{Deserialize, Serialize};
use url::Url;

use crate::intake::{RequestHead, check_declared_length, media_type};
use crate::origin;
use crate::problem::Problem;
use crate::rate_limit;

/// Path of the beacon endpoint.
pub const BEACON_PATH: &str = "/a/event";
/// Prefix the Worker owns; other paths under it are not found.
pub const BEACON_PREFIX: &str = "/a/";
/// Largest beacon body accepted: an event is a few hundred bytes.
pub const BEACON_BODY_LIMIT: usize = 4 * 1024;

const MAX_NAME: usize = 64;
const MAX_URL: usize = 2_048;
const MAX_USER_AGENT: usize = 512;

/// Why a beacon body was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BeaconError {
    /// The body is not a JSON object of the expected shape.
    #[error("beacon is not a JSON event object")]
    Shape,
    /// The event name is empty, too long or has unexpected characters.
    #[error("beacon event name is invalid")]
    Name,
    /// `url` or `referrer` is not an absolute http(s) URL of sane length.
    #[error("beacon URL is invalid")]
    Url,
    /// `domain` is not the host of `url`.
    #[error("beacon domain does not match its URL")]
    Domain,
}

#[derive(Deserialize)]
struct IncomingEvent {
    name: String,
    url: String,
    domain: String,
    #[serde(default)]
    referrer: Option<String>,
}

/// A page-view event as forwarded upstream (Plausible-compatible fields).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Event name, `pageview` for page views.
    pub name: String,
    /// The page URL.
    pub url: String,
    /// The site's host name.
    pub domain: String,
    /// The referring page, if any.
    pub referrer: Option<String>,
}

impl Event {
    /// Parses and filters a beacon body. Unknown keys are dropped.
    pub fn parse(body: &[u8]) -> Result<Self, BeaconError> {
        let incoming: IncomingEvent =
            serde_json::from_slice(body).map_err(|_| BeaconError::Shape)?;
        let name_ok = (1..=MAX_NAME).contains(&incoming.name.len())
            && incoming
                .name
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b' '));
        if !name_ok {
            return Err(BeaconError::Name);
        }
        let page = web_url(&incoming.url).ok_or(BeaconError::Url)?;
        if page.host_str() != Some(incoming.domain.as_str()) {
            return Err(BeaconError::Domain);
        }
        let referrer = match incoming.referrer.filter(|value| !value.is_empty()) {
            Some(value) => Some(web_url(&value).ok_or(BeaconError::Url)?.to_string()),
            None => None,
        };
        Ok(Self {
            name: incoming.name,
            url: page.to_string(),
            domain: incoming.domain,
            referrer,
        })
    }

    /// The JSON body sent upstream.
    pub fn to_json(&self) -> String {
        // Serialising a struct of strings cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn web_url(value: &str) -> Option<Url> {
    if value.len() > MAX_URL {
        return None;
    }
    Url::parse(value)
        .ok()
        .filter(|url| matches!(url.scheme(), "https" | "http") && url.host_str().is_some())
}

/// Header checks for `POST /a/event`: method, declared size, content type
/// (`application/json`, or `text/plain` as `navigator.sendBeacon` sends
/// strings), and same origin.
pub fn check_beacon_head(head: &RequestHead<'_>, site_origin: &Url) -> Result<(), Problem> {
    if !head.method.eq_ignore_ascii_case("POST") {
        return Err(Problem::MethodNotAllowed);
    }
    check_declared_length(head.content_length, BEACON_BODY_LIMIT)?;
    let content_type_ok = head.content_type.is_some_and(|value| {
        matches!(
            media_type(value).0.as_str(),
            "application/json" | "text/plain"
        )
    });
    if !content_type_ok {
        return Err(Problem::UnsupportedMediaType);
    }
    origin::check_same_origin(head.origin, head.referer, site_origin, head.url)
        .map_err(|_| Problem::ForbiddenOrigin)
}

/// The complete header set for the upstream request. Built from nothing
/// rather than copied, so `Cookie`, `Authorization` and the rest never leave.
pub fn upstream_headers(
    connecting_ip: Option<&str>,
    user_agent: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut headers = vec![("Content-Type", "application/json".to_owned())];
    if let Some(agent) = user_agent
        .map(str::trim)
        .filter(|agent| !agent.is_empty() && agent.len() <= MAX_USER_AGENT)
        .filter(|agent| !agent.chars().any(char::is_control))
    {
        headers.push(("User-Agent", agent.to_owned()));
    }
    if let Some(address) = rate_limit::forwarded_for(connecting_ip) {
        headers.push(("X-Forwarded-For", address));
    }
    headers
}

/// Maps the upstream's status to the visitor's: any success is `202
/// Accepted`; anything else is a 502, without the upstream's details.
pub fn visitor_status(upstream_status: u16) -> Result<u16, Problem> {
    if (200..300).contains(&upstream_status) {
        Ok(202)
    } else {
        Err(Problem::UpstreamFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &[u8] = br#"{"name":"pageview","url":"https://baystore.example/pricing/?utm_source=x","domain":"baystore.example","referrer":null,"props":{"secret":"drop me"}}"#;

    #[test]
    fn parses_a_page_view_and_drops_unknown_keys() {
        let event = Event::parse(VALID).expect("valid event");
        assert_eq!(event.name, "pageview");
        assert_eq!(event.referrer, None);
        let forwarded: serde_json::Value =
            serde_json::from_str(&event.to_json()).expect("JSON body");
        assert_eq!(
            forwarded,
            serde_json::json!({
                "name": "pageview",
                "url": "https://baystore.example/pricing/?utm_source=x",
                "domain": "baystore.example",
                "referrer": null
            })
        );
    }

    #[test]
    fn keeps_a_valid_referrer_and_treats_empty_as_none() {
        let body = br#"{"name":"pageview","url":"http://127.0.0.1:8787/","domain":"127.0.0.1","referrer":"https://search.example/?q=baystore"}"#;
        let event = Event::parse(body).expect("valid event");
        assert_eq!(
            event.referrer.as_deref(),
            Some("https://search.example/?q=baystore")
        );
        let body = br#"{"name":"pageview","url":"http://127.0.0.1:8787/","domain":"127.0.0.1","referrer":""}"#;
        assert_eq!(Event::parse(body).expect("valid event").referrer, None);
    }

    #[test]
    fn refuses_malformed_events() {
        let cases: [(&[u8], BeaconError); 7] = [
            (b"not json", BeaconError::Shape),
            (br#"{"name":"pageview"}"#, BeaconError::Shape),
            (
                br#"{"name":"<script>","url":"https://a.example/","domain":"a.example"}"#,
                BeaconError::Name,
            ),
            (
                br#"{"name":"","url":"https://a.example/","domain":"a.example"}"#,
                BeaconError::Name,
            ),
            (
                br#"{"name":"pageview","url":"javascript:alert(1)","domain":"a.example"}"#,
                BeaconError::Url,
            ),
            (
                br#"{"name":"pageview","url":"https://a.example/","domain":"b.example"}"#,
                BeaconError::Domain,
            ),
            (
                br#"{"name":"pageview","url":"https://a.example/","domain":"a.example","referrer":"data:,x"}"#,
                BeaconError::Url,
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(
                Event::parse(body),
                Err(expected),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn upstream_headers_are_built_from_scratch() {
        let headers = upstream_headers(Some("203.0.113.5"), Some("Mozilla/5.0 Test"));
        assert_eq!(
            headers,
            [
                ("Content-Type", "application/json".to_owned()),
                ("User-Agent", "Mozilla/5.0 Test".to_owned()),
                ("X-Forwarded-For", "203.0.113.5".to_owned()),
            ]
        );
        let headers = upstream_headers(Some("not-an-ip"), None);
        assert_eq!(headers, [("Content-Type", "application/json".to_owned())]);
    }

    #[test]
    fn checks_the_beacon_head() {
        let url = Url::parse("http://127.0.0.1:8787/a/event").expect("valid URL");
        let site = Url::parse("https://baystore.example").expect("valid URL");
        let mut head = RequestHead {
            method: "POST",
            content_length: Some("200"),
            content_type: Some("text/plain;charset=UTF-8"),
            accept: None,
            origin: Some("http://127.0.0.1:8787"),
            referer: None,
            url: &url,
        };
        assert_eq!(check_beacon_head(&head, &site), Ok(()));
        head.origin = Some("https://tracker.example");
        assert_eq!(
            check_beacon_head(&head, &site),
            Err(Problem::ForbiddenOrigin)
        );
        head.content_type = Some("application/x-www-form-urlencoded");
        assert_eq!(
            check_beacon_head(&head, &site),
            Err(Problem::UnsupportedMediaType)
        );
        head.content_length = Some("5000");
        assert_eq!(
            check_beacon_head(&head, &site),
            Err(Problem::PayloadTooLarge)
        );
        head.method = "GET";
        assert_eq!(
            check_beacon_head(&head, &site),
            Err(Problem::MethodNotAllowed)
        );
    }

    #[test]
    fn maps_upstream_statuses() {
        assert_eq!(visitor_status(200), Ok(202));
        assert_eq!(visitor_status(202), Ok(202));
        assert_eq!(visitor_status(400), Err(Problem::UpstreamFailed));
        assert_eq!(visitor_status(503), Err(Problem::UpstreamFailed));
    }
}
