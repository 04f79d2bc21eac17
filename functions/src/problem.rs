//! Everything that can go wrong for a visitor, with the status code, the
//! stable machine-readable code and the human sentence that goes with it.
//!
//! Messages never repeat what the visitor sent: an error page or log line
//! must not become a copy of a name, address or message.

use crate::correlation::CorrelationId;
use crate::lead::FieldProblem;

/// Seconds a visitor is asked to wait after hitting the rate limit. It matches
/// the 60-second window of the rate-limiting binding in `wrangler.toml`.
pub const RATE_LIMIT_RETRY_AFTER_SECS: u32 = 60;

/// A reason to refuse a request, in the order the checks run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The path exists but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The body (declared or actual) is larger than the cap.
    #[error("request body too large")]
    PayloadTooLarge,
    /// The body is not in a format the endpoint reads.
    #[error("unsupported content type")]
    UnsupportedMediaType,
    /// Neither `Origin` nor `Referer` shows a same-origin request.
    #[error("cross-origin request refused")]
    ForbiddenOrigin,
    /// The body could not be decoded at all.
    #[error("request body could not be read")]
    MalformedBody,
    /// The body decoded, but some fields are missing or unacceptable.
    #[error("{} field(s) need attention", .0.len())]
    InvalidFields(Vec<FieldProblem>),
    /// Too many submissions from one address in the current window.
    #[error("too many requests")]
    RateLimited,
    /// The path is not served by the Worker.
    #[error("not found")]
    NotFound,
    /// The lead could not be stored, so it was not received.
    #[error("lead storage unavailable")]
    StorageUnavailable(CorrelationId),
    /// The analytics upstream refused or could not be reached.
    #[error("analytics upstream unavailable")]
    UpstreamFailed,
    /// Anything unexpected; details stay in no answer.
    #[error("internal error")]
    Internal(CorrelationId),
}

impl Problem {
    /// HTTP status code of the answer.
    pub fn status(&self) -> u16 {
        match self {
            Self::MethodNotAllowed => 405,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::ForbiddenOrigin => 403,
            Self::MalformedBody | Self::InvalidFields(_) => 400,
            Self::RateLimited => 429,
            Self::NotFound => 404,
            Self::StorageUnavailable(_) => 503,
            Self::UpstreamFailed => 502,
            Self::Internal(_) => 500,
        }
    }

    /// Stable code for JSON clients and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MethodNotAllowed => "method_not_allowed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::ForbiddenOrigin => "forbidden_origin",
            Self::MalformedBody => "malformed_body",
            Self::InvalidFields(_) => "invalid_fields",
            Self::RateLimited => "rate_limited",
            Self::NotFound => "not_found",
            Self::StorageUnavailable(_) => "storage_unavailable",
            Self::UpstreamFailed => "upstream_failed",
            Self::Internal(_) => "internal_error",
        }
    }

    /// Short page heading.
    pub fn title(&self) -> &'static str {
        match self {
            Self::MethodNotAllowed => "Method not allowed",
            Self::PayloadTooLarge => "Message too large",
            Self::UnsupportedMediaType => "Unsupported form encoding",
            Self::ForbiddenOrigin => "Form sent from another site",
            Self::MalformedBody => "Form could not be read",
            Self::InvalidFields(_) => "Please check the form",
            Self::RateLimited => "Too many messages",
            Self::NotFound => "Page not found",
            Self::StorageUnavailable(_) => "Your message was not sent",
            Self::UpstreamFailed => "Analytics unavailable",
            Self::Internal(_) => "Something went wrong",
        }
    }

    /// One or two sentences that say what happened and what to do.
    pub fn message(&self) -> &'static str {
        match self {
            Self::MethodNotAllowed => {
                "This address only accepts form submissions. Please use the contact form."
            }
            Self::PayloadTooLarge => {
                "The form was larger than we accept. Please shorten your message and send it again."
            }
            Self::UnsupportedMediaType => {
                "The form was sent in an encoding we do not read. Please use the contact form on our site."
            }
            Self::ForbiddenOrigin => {
                "We only accept this form from our own site. Please use the contact form on our site."
            }
            Self::MalformedBody => {
                "The form data could not be decoded. Please use the contact form on our site."
            }
            Self::InvalidFields(_) => {
                "Some fields are missing or need a change. Nothing was sent yet."
            }
            Self::RateLimited => {
                "We received several messages from your network in a short time. Please wait a minute and try again."
            }
            Self::NotFound => "There is nothing at this address.",
            Self::StorageUnavailable(_) => {
                "We could not record your message just now, so it was not received. Please try again later or email us directly."
            }
            Self::UpstreamFailed => "The analytics service did not accept the event.",
            Self::Internal(_) => {
                "An unexpected error stopped your request. It was not received. Please try again later or email us directly."
            }
        }
    }

    /// The correlation id shown to the visitor, for errors an operator may
    /// need to look up.
    pub fn correlation_id(&self) -> Option<CorrelationId> {
        match self {
            Self::StorageUnavailable(id) | Self::Internal(id) => Some(*id),
            _ => None,
        }
    }

    /// Field-level details, when the problem is about specific fields.
    pub fn field_problems(&self) -> &[FieldProblem] {
        match self {
            Self::InvalidFields(problems) => problems,
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_side_failures_carry_their_correlation_id() {
        let id = CorrelationId::from_bytes([7; 16]);
        assert_eq!(Problem::StorageUnavailable(id).correlation_id(), Some(id));
        assert_eq!(Problem::Internal(id).correlation_id(), Some(id));
        assert_eq!(Problem::RateLimited.correlation_id(), None);
    }

    #[test]
    fn statuses_match_the_http_contract() {
        let id = CorrelationId::from_bytes([0; 16]);
        let cases = [
            (Problem::MethodNotAllowed, 405),
            (Problem::PayloadTooLarge, 413),
            (Problem::UnsupportedMediaType, 415),
            (Problem::ForbiddenOrigin, 403),
            (Problem::MalformedBody, 400),
            (Problem::InvalidFields(Vec::new()), 400),
            (Problem::RateLimited, 429),
            (Problem::NotFound, 404),
            (Problem::StorageUnavailable(id), 503),
            (Problem::UpstreamFailed, 502),
            (Problem::Internal(id), 500),
        ];
        for (problem, status) in cases {
            assert_eq!(problem.status(), status, "{}", problem.code());
        }
    }
}
