//! Checks that run on a request's method and headers before its body is
//! read, and the capped body reader that follows them.

use url::Url;

use crate::origin::{self, OriginError};
use crate::problem::Problem;

/// Path of the lead form endpoint.
pub const LEAD_PATH: &str = "/lead";
/// Largest lead body accepted. The form's own limits add up to about 5.6 KB
/// of text; percent-encoding can triple non-ASCII text, so 16 KiB leaves
/// room for any honest submission.
pub const LEAD_BODY_LIMIT: usize = 16 * 1024;

/// The encoding a body is read with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded`, what the HTML form sends.
    Form,
    /// `application/json`, for scripted clients.
    Json,
}

/// How the answer is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyFormat {
    /// A small HTML page, for browsers submitting the form.
    Html,
    /// A JSON object, for clients that sent or asked for JSON.
    Json,
}

/// The request facts the pre-body checks need, borrowed from the request.
#[derive(Clone, Copy, Debug)]
pub struct RequestHead<'a> {
    /// The HTTP method, as sent.
    pub method: &'a str,
    /// `Content-Length`, if sent.
    pub content_length: Option<&'a str>,
    /// `Content-Type`, if sent.
    pub content_type: Option<&'a str>,
    /// `Accept`, if sent.
    pub accept: Option<&'a str>,
    /// `Origin`, if sent.
    pub origin: Option<&'a str>,
    /// `Referer`, if sent.
    pub referer: Option<&'a str>,
    /// The URL the request was addressed to.
    pub url: &'a Url,
}

impl RequestHead<'_> {
    /// The answer format for this request; see [`reply_format`].
    pub fn reply_format(&self) -> ReplyFormat {
        reply_format(self.content_type, self.accept)
    }
}

/// The answer format: JSON when the client sent JSON or lists
/// `application/json` in `Accept`, otherwise HTML. Browsers submitting the
/// form never do either.
pub fn reply_format(content_type: Option<&str>, accept: Option<&str>) -> ReplyFormat {
    let sent_json = content_type.is_some_and(|value| media_type(value).0 == "application/json");
    let asked_json = accept.is_some_and(|value| {
        value
            .split(',')
            .any(|item| media_type(item).0 == "application/json")
    });
    if sent_json || asked_json {
        ReplyFormat::Json
    } else {
        ReplyFormat::Html
    }
}

/// Runs the header checks for `POST /lead` in contract order: method, the
/// declared size, content type, then origin. Returns how to read the body.
pub fn check_lead_head(head: &RequestHead<'_>, site_origin: &Url) -> Result<BodyFormat, Problem> {
    if !head.method.eq_ignore_ascii_case("POST") {
        return Err(Problem::MethodNotAllowed);
    }
    check_declared_length(head.content_length, LEAD_BODY_LIMIT)?;
    let format = match head.content_type.map(media_type) {
        Some((essence, charset)) if charset_is_utf8(charset.as_deref()) => match essence.as_str() {
            "application/x-www-form-urlencoded" => BodyFormat::Form,
            "application/json" => BodyFormat::Json,
            _ => return Err(Problem::UnsupportedMediaType),
        },
        _ => return Err(Problem::UnsupportedMediaType),
    };
    origin::check_same_origin(head.origin, head.referer, site_origin, head.url).map_err(
        |error| match error {
            OriginError::Missing | OriginError::Foreign => Problem::ForbiddenOrigin,
        },
    )?;
    Ok(format)
}

/// Refuses a body whose declared `Content-Length` exceeds `limit`. A missing
/// header is fine (the body is still capped while reading); a malformed one
/// is a malformed request.
pub fn check_declared_length(content_length: Option<&str>, limit: usize) -> Result<(), Problem> {
    match content_length.map(|value| value.trim().parse::<u64>()) {
        None => Ok(()),
        Some(Ok(length)) if length <= limit as u64 => Ok(()),
        Some(Ok(_)) => Err(Problem::PayloadTooLarge),
        Some(Err(_)) => Err(Problem::MalformedBody),
    }
}

/// Splits a `Content-Type` (or one `Accept` item) into its lowercase essence
/// and its `charset` parameter, if any.
pub fn media_type(value: &str) -> (String, Option<String>) {
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let charset = parts.find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_ascii_lowercase())
    });
    (essence, charset)
}

fn charset_is_utf8(charset: Option<&str>) -> bool {
    matches!(charset, None | Some("utf-8" | "utf8"))
}

/// Collects a streamed body and stops as soon as it passes the cap, so an
/// oversized body without a `Content-Length` is refused without buffering it.
#[derive(Debug)]
pub struct CappedBody {
    limit: usize,
    bytes: Vec<u8>,
}

impl CappedBody {
    /// An empty body that accepts at most `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            bytes: Vec::new(),
        }
    }

    /// Appends a chunk, or fails once the total exceeds the cap.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), Problem> {
        if self.bytes.len() + chunk.len() > self.limit {
            return Err(Problem::PayloadTooLarge);
        }
        self.bytes.extend_from_slice(chunk);
        Ok(())
    }

    /// The collected bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("http://127.0.0.1:8787/lead").expect("valid URL")
    }

    fn site() -> Url {
        Url::parse("https://baystore.example").expect("valid URL")
    }

    fn head(url: &Url) -> RequestHead<'_> {
        RequestHead {
            method: "POST",
            content_length: Some("120"),
            content_type: Some("application/x-www-form-urlencoded"),
            accept: Some("text/html,application/xhtml+xml,*/*;q=0.8"),
            origin: Some("https://baystore.example"),
            referer: None,
            url,
        }
    }

    #[test]
    fn accepts_a_browser_form_post() {
        let url = url();
        assert_eq!(check_lead_head(&head(&url), &site()), Ok(BodyFormat::Form));
        assert_eq!(head(&url).reply_format(), ReplyFormat::Html);
    }

    #[test]
    fn accepts_json_and_answers_json() {
        let url = url();
        let mut head = head(&url);
        head.content_type = Some("application/json; charset=UTF-8");
        assert_eq!(check_lead_head(&head, &site()), Ok(BodyFormat::Json));
        assert_eq!(head.reply_format(), ReplyFormat::Json);
    }

    #[test]
    fn answers_json_to_a_form_post_that_asks_for_it() {
        let url = url();
        let mut head = head(&url);
        head.accept = Some("application/json");
        assert_eq!(head.reply_format(), ReplyFormat::Json);
    }

    #[test]
    fn checks_run_in_contract_order() {
        let url = url();
        // Everything wrong at once: the method is reported first.
        let mut all_wrong = head(&url);
        all_wrong.method = "GET";
        all_wrong.content_length = Some("999999");
        all_wrong.content_type = Some("text/plain");
        all_wrong.origin = Some("https://evil.example");
        assert_eq!(
            check_lead_head(&all_wrong, &site()),
            Err(Problem::MethodNotAllowed)
        );
        all_wrong.method = "POST";
        assert_eq!(
            check_lead_head(&all_wrong, &site()),
            Err(Problem::PayloadTooLarge)
        );
        all_wrong.content_length = Some("10");
        assert_eq!(
            check_lead_head(&all_wrong, &site()),
            Err(Problem::UnsupportedMediaType)
        );
        all_wrong.content_type = Some("application/x-www-form-urlencoded");
        assert_eq!(
            check_lead_head(&all_wrong, &site()),
            Err(Problem::ForbiddenOrigin)
        );
    }

    #[test]
    fn refuses_other_encodings_and_charsets() {
        let url = url();
        for content_type in [
            None,
            Some("multipart/form-data; boundary=x"),
            Some("text/plain"),
            Some("application/x-www-form-urlencoded; charset=iso-8859-1"),
        ] {
            let mut head = head(&url);
            head.content_type = content_type;
            assert_eq!(
                check_lead_head(&head, &site()),
                Err(Problem::UnsupportedMediaType),
                "{content_type:?}"
            );
        }
    }

    #[test]
    fn declared_length_is_capped_at_16_kib() {
        assert_eq!(
            check_declared_length(Some("16384"), LEAD_BODY_LIMIT),
            Ok(())
        );
        assert_eq!(
            check_declared_length(Some("16385"), LEAD_BODY_LIMIT),
            Err(Problem::PayloadTooLarge)
        );
        assert_eq!(check_declared_length(None, LEAD_BODY_LIMIT), Ok(()));
        assert_eq!(
            check_declared_length(Some("-1"), LEAD_BODY_LIMIT),
            Err(Problem::MalformedBody)
        );
    }

    #[test]
    fn capped_body_stops_past_the_limit() {
        let mut body = CappedBody::new(10);
        assert_eq!(body.push(b"12345"), Ok(()));
        assert_eq!(body.push(b"67890"), Ok(()));
        assert_eq!(body.push(b"x"), Err(Problem::PayloadTooLarge));
        assert_eq!(body.into_bytes(), b"1234567890");
    }

    #[test]
    fn parses_media_types() {
        assert_eq!(
            media_type(" Application/JSON ; Charset=\"UTF-8\""),
            ("application/json".to_owned(), Some("utf-8".to_owned()))
        );
        assert_eq!(media_type("text/html"), ("text/html".to_owned(), None));
    }
}
