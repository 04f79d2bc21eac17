//! The answers the Worker sends, as plain values: status, headers and body.
//!
//! Static assets get their headers from `_headers`, which does not apply to
//! Worker responses, so every answer built here carries the security headers
//! itself. Error pages are self-contained semantic HTML: no script, no style,
//! no external resource, readable with no stylesheet at all.

use std::fmt::Write as _;

use serde_json::json;

use crate::correlation::CorrelationId;
use crate::intake::ReplyFormat;
use crate::problem::{Problem, RATE_LIMIT_RETRY_AFTER_SECS};

/// Where a browser goes after a lead is received. A fixed path: nothing in
/// the request can choose the redirect target.
pub const THANK_YOU_PATH: &str = "/contact/thanks/";

/// Content Security Policy for Worker answers: nothing may load but the
/// site's own stylesheet and images, and no form may post anywhere else.
pub const WORKER_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Headers every Worker answer carries.
pub const SECURITY_HEADERS: [(&str, &str); 6] = [
    ("Content-Security-Policy", WORKER_CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    (
        "Strict-Transport-Security",
        "max-age=63072000; includeSubDomains",
    ),
    ("Cache-Control", "no-store"),
    ("X-Robots-Tag", "noindex"),
];

const HTML_TYPE: &str = "text/html; charset=utf-8";
const JSON_TYPE: &str = "application/json";

/// A complete answer, independent of the runtime's response type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// Response headers, security headers included.
    pub headers: Vec<(&'static str, String)>,
    /// Response body (empty for 204, 202 and 303).
    pub body: String,
}

impl Reply {
    fn new(status: u16) -> Self {
        let headers = SECURITY_HEADERS
            .iter()
            .map(|&(name, value)| (name, value.to_owned()))
            .collect();
        Self {
            status,
            headers,
            body: String::new(),
        }
    }

    fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn with_body(mut self, content_type: &str, body: String) -> Self {
        self.body = body;
        self.with_header("Content-Type", content_type)
    }

    /// The value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(candidate, _)| candidate.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The answer to a received lead: a 303 to the thank-you page, or the
    /// correlation id for JSON clients.
    pub fn lead_received(id: CorrelationId, format: ReplyFormat) -> Self {
        match format {
            ReplyFormat::Html => Self::new(303).with_header("Location", THANK_YOU_PATH),
            ReplyFormat::Json => {
                Self::new(200).with_body(JSON_TYPE, json!({ "id": id.to_string() }).to_string())
            }
        }
    }

    /// An empty answer, as the beacon endpoint sends.
    pub fn empty(status: u16) -> Self {
        Self::new(status)
    }

    /// The answer to a problem: an HTML page with the mailto fallback, or a
    /// JSON error object.
    pub fn problem(problem: &Problem, format: ReplyFormat, contact_email: &str) -> Self {
        let mut reply = Self::new(problem.status());
        match problem {
            Problem::MethodNotAllowed => reply = reply.with_header("Allow", "POST"),
            Problem::RateLimited => {
                reply = reply.with_header("Retry-After", RATE_LIMIT_RETRY_AFTER_SECS.to_string());
            }
            _ => {}
        }
        match format {
            ReplyFormat::Html => reply.with_body(HTML_TYPE, problem_page(problem, contact_email)),
            ReplyFormat::Json => reply.with_body(JSON_TYPE, problem_json(problem)),
        }
    }
}

fn problem_json(problem: &Problem) -> String {
    let mut error = json!({
        "code": problem.code(),
        "message": problem.message(),
    });
    if let Some(id) = problem.correlation_id() {
        error["id"] = json!(id.to_string());
    }
    let fields = problem.field_problems();
    if !fields.is_empty() {
        error["fields"] = fields
            .iter()
            .map(|field| {
                let mut entry = serde_json::to_value(field).unwrap_or_default();
                entry["message"] = json!(field.describe());
                entry
            })
            .collect();
    }
    json!({ "error": error }).to_string()
}

fn problem_page(problem: &Problem, contact_email: &str) -> String {
    let title = escape_html(problem.title());
    let email = escape_html(contact_email);
    let mut page = String::with_capacity(1024);
    // `write!` into a String cannot fail; the results are ignored knowingly.
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n\
         <title>{title} | BayStore</title>\n</head>\n<body>\n<main>\n\
         <h1>{title}</h1>\n<p>{}</p>\n",
        escape_html(problem.message())
    );
    let fields = problem.field_problems();
    if !fields.is_empty() {
        page.push_str("<ul>\n");
        for field in fields {
            let _ = writeln!(page, "<li>{}</li>", escape_html(&field.describe()));
        }
        page.push_str("</ul>\n");
    }
    if let Some(id) = problem.correlation_id() {
        let _ = writeln!(page, "<p>Reference: <code>{id}</code></p>");
    }
    let _ = write!(
        page,
        "<p>You can always reach our sales team by email at \
         <a href=\"mailto:{email}\">{email}</a>.</p>\n\
         <p><a href=\"/contact/\">Back to the contact page</a></p>\n\
         </main>\n</body>\n</html>\n"
    );
    page
}

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::{Field, FieldProblem, Issue};

    const CONTACT: &str = "sales@baystore.example";

    fn id() -> CorrelationId {
        CorrelationId::from_bytes([0xab; 16])
    }

    fn invalid_fields() -> Problem {
        Problem::InvalidFields(vec![
            FieldProblem {
                field: Field::Email,
                issue: Issue::InvalidEmail,
            },
            FieldProblem {
                field: Field::Message,
                issue: Issue::TooLong { max: 5000 },
            },
        ])
    }

    /// Whether the page has an ` on...=` attribute.
    fn has_event_handler_attribute(page: &str) -> bool {
        page.match_indices(" on").any(|(at, _)| {
            let rest = &page[at + 3..];
            let name_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
            name_len > 0 && rest[name_len..].trim_start().starts_with('=')
        })
    }

    #[test]
    fn every_reply_carries_the_security_headers() {
        let replies = [
            Reply::lead_received(id(), ReplyFormat::Html),
            Reply::lead_received(id(), ReplyFormat::Json),
            Reply::empty(204),
            Reply::problem(&Problem::RateLimited, ReplyFormat::Html, CONTACT),
            Reply::problem(&Problem::Internal(id()), ReplyFormat::Json, CONTACT),
        ];
        for reply in replies {
            for (name, value) in SECURITY_HEADERS {
                assert_eq!(
                    reply.header(name),
                    Some(value),
                    "{name} on {}",
                    reply.status
                );
            }
        }
    }

    #[test]
    fn received_lead_redirects_only_to_the_thank_you_page() {
        let reply = Reply::lead_received(id(), ReplyFormat::Html);
        assert_eq!(reply.status, 303);
        assert_eq!(reply.header("location"), Some("/contact/thanks/"));
        assert!(reply.body.is_empty());
    }

    #[test]
    fn received_lead_answers_json_clients_with_the_id() {
        let reply = Reply::lead_received(id(), ReplyFormat::Json);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("content-type"), Some("application/json"));
        let body: serde_json::Value = serde_json::from_str(&reply.body).expect("JSON body");
        assert_eq!(body, json!({ "id": "ab".repeat(16) }));
    }

    #[test]
    fn method_and_rate_limit_answers_carry_their_headers() {
        let reply = Reply::problem(&Problem::MethodNotAllowed, ReplyFormat::Html, CONTACT);
        assert_eq!(reply.status, 405);
        assert_eq!(reply.header("allow"), Some("POST"));
        let reply = Reply::problem(&Problem::RateLimited, ReplyFormat::Json, CONTACT);
        assert_eq!(reply.status, 429);
        assert_eq!(reply.header("retry-after"), Some("60"));
    }

    #[test]
    fn every_error_page_is_self_contained_and_offers_the_mailto() {
        let problems = [
            Problem::MethodNotAllowed,
            Problem::PayloadTooLarge,
            Problem::UnsupportedMediaType,
            Problem::ForbiddenOrigin,
            Problem::MalformedBody,
            invalid_fields(),
            Problem::RateLimited,
            Problem::NotFound,
            Problem::StorageUnavailable(id()),
            Problem::UpstreamFailed,
            Problem::Internal(id()),
        ];
        for problem in problems {
            let reply = Reply::problem(&problem, ReplyFormat::Html, CONTACT);
            let page = reply.body.to_ascii_lowercase();
            assert!(
                page.contains("href=\"mailto:sales@baystore.example\""),
                "{problem:?}"
            );
            for forbidden in [
                "<script", "<style", "style=", "<link", "http://", "https://",
            ] {
                assert!(
                    !page.contains(forbidden),
                    "{problem:?} contains {forbidden}"
                );
            }
            assert!(!has_event_handler_attribute(&page), "{problem:?}");
            assert_eq!(reply.header("content-type"), Some(HTML_TYPE));
        }
    }

    #[test]
    fn contact_address_is_escaped() {
        let reply = Reply::problem(&Problem::NotFound, ReplyFormat::Html, "a\"<b>@example.com");
        assert!(reply.body.contains("mailto:a&quot;&lt;b&gt;@example.com"));
        assert!(!reply.body.contains("<b>"));
    }

    #[test]
    fn invalid_fields_page_snapshot() {
        let reply = Reply::problem(&invalid_fields(), ReplyFormat::Html, CONTACT);
        assert_eq!(reply.status, 400);
        insta::assert_snapshot!(reply.body);
    }

    #[test]
    fn storage_failure_page_snapshot() {
        let reply = Reply::problem(
            &Problem::StorageUnavailable(id()),
            ReplyFormat::Html,
            CONTACT,
        );
        assert_eq!(reply.status, 503);
        insta::assert_snapshot!(reply.body);
    }

    #[test]
    fn invalid_fields_json_snapshot() {
        let reply = Reply::problem(&invalid_fields(), ReplyFormat::Json, CONTACT);
        let body: serde_json::Value = serde_json::from_str(&reply.body).expect("JSON body");
        insta::assert_json_snapshot!(body);
    }

    #[test]
    fn internal_error_json_has_code_message_and_id_only() {
        let reply = Reply::problem(&Problem::Internal(id()), ReplyFormat::Json, CONTACT);
        let body: serde_json::Value = serde_json::from_str(&reply.body).expect("JSON body");
        assert_eq!(body["error"]["code"], "internal_error");
        assert_eq!(body["error"]["id"], "ab".repeat(16));
        let keys: Vec<&String> = body["error"].as_object().expect("object").keys().collect();
        assert_eq!(keys, ["code", "id", "message"]);
    }
}
