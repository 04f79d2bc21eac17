//! The lead form: decoding its body and deciding whether it is a lead.
//!
//! Field names and limits are the contact form's contract: `name` (required,
//! 100 characters), `email` (required, 254), `company` (optional, 200),
//! `message` (required, 5000) and the honeypot `website`, which people never
//! see and so leave empty.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::email_address;

/// A form field the endpoint reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// The visitor's name.
    Name,
    /// The visitor's email address.
    Email,
    /// The visitor's company, optional.
    Company,
    /// The message to sales.
    Message,
}

impl Field {
    /// Every validated field, in form order.
    pub const ALL: [Self; 4] = [Self::Name, Self::Email, Self::Company, Self::Message];

    /// The form field name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Email => "email",
            Self::Company => "company",
            Self::Message => "message",
        }
    }

    /// The label the contact form shows for the field.
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "Name",
            Self::Email => "Email",
            Self::Company => "Company",
            Self::Message => "Message",
        }
    }

    /// Maximum length in characters.
    pub fn max_chars(self) -> usize {
        match self {
            Self::Name => 100,
            Self::Email => 254,
            Self::Company => 200,
            Self::Message => 5000,
        }
    }

    /// Whether the value may end up in an email header (subject, reply-to),
    /// where a line break would let a visitor inject headers.
    fn header_bound(self) -> bool {
        !matches!(self, Self::Message)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What is wrong with one field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "problem")]
pub enum Issue {
    /// A required field is absent or blank.
    Missing,
    /// The value is longer than allowed.
    TooLong {
        /// The limit in characters.
        max: usize,
    },
    /// A header-bound value contains CR or LF.
    LineBreak,
    /// The value contains other control characters.
    ControlCharacter,
    /// The email address is not plausible.
    InvalidEmail,
}

/// One field and what is wrong with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// The field concerned.
    pub field: Field,
    /// What is wrong.
    #[serde(flatten)]
    pub issue: Issue,
}

impl FieldProblem {
    /// A sentence for the visitor; it never repeats the submitted value.
    pub fn describe(&self) -> String {
        let label = self.field.label();
        match self.issue {
            Issue::Missing => format!("{label} is required."),
            Issue::TooLong { max } => format!("{label} must be at most {max} characters."),
            Issue::LineBreak => format!("{label} must be on a single line."),
            Issue::ControlCharacter => format!("{label} contains characters we cannot accept."),
            Issue::InvalidEmail => {
                format!("{label} must be an address like name@example.com.")
            }
        }
    }
}

/// The raw fields as decoded from the body, before validation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct RawLead {
    /// `name` as sent.
    pub name: Option<String>,
    /// `email` as sent.
    pub email: Option<String>,
    /// `company` as sent.
    pub company: Option<String>,
    /// `message` as sent.
    pub message: Option<String>,
    /// The honeypot `website`, as sent.
    pub website: Option<String>,
}

/// Why a body could not be decoded into fields.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A form field appeared more than once, which no honest form does.
    #[error("field `{0}` appears more than once")]
    DuplicateField(&'static str),
    /// The body is not UTF-8.
    #[error("body is not UTF-8")]
    NotUtf8,
    /// The JSON body is not an object of strings with the expected keys.
    #[error("JSON body is not a lead object: {0}")]
    Json(String),
}

/// Decodes an `application/x-www-form-urlencoded` body. Unknown fields are
/// ignored, so a form can grow without breaking older Workers.
pub fn decode_form(body: &[u8]) -> Result<RawLead, DecodeError> {
    let mut raw = RawLead::default();
    for pair in body.split(|&byte| byte == b'&') {
        if pair.is_empty() {
            continue;
        }
        let (key, value) = match pair.iter().position(|&byte| byte == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &[][..]),
        };
        let (slot, name) = match form_component(key)?.as_str() {
            "name" => (&mut raw.name, "name"),
            "email" => (&mut raw.email, "email"),
            "company" => (&mut raw.company, "company"),
            "message" => (&mut raw.message, "message"),
            "website" => (&mut raw.website, "website"),
            _ => continue,
        };
        if slot.replace(form_component(value)?).is_some() {
            return Err(DecodeError::DuplicateField(name));
        }
    }
    Ok(raw)
}

/// Decodes one form key or value: `+` is a space, `%XX` a byte. Unlike a
/// lossy decoder, invalid UTF-8 is an error, so a stored lead is always
/// exactly what the visitor typed.
fn form_component(input: &[u8]) -> Result<String, DecodeError> {
    let mut bytes = Vec::with_capacity(input.len());
    let mut index = 0;
    while index < input.len() {
        let byte = input[index];
        let escaped = match (byte, input.get(index + 1), input.get(index + 2)) {
            (b'%', Some(&high), Some(&low)) => hex_value(high).zip(hex_value(low)),
            _ => None,
        };
        if let Some((high, low)) = escaped {
            bytes.push(high << 4 | low);
            index += 3;
        } else {
            bytes.push(if byte == b'+' { b' ' } else { byte });
            index += 1;
        }
    }
    String::from_utf8(bytes).map_err(|_| DecodeError::NotUtf8)
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Decodes an `application/json` body: one object whose known keys hold
/// strings (or null). Unknown keys are ignored like unknown form fields.
pub fn decode_json(body: &[u8]) -> Result<RawLead, DecodeError> {
    serde_json::from_slice(body).map_err(|error| DecodeError::Json(describe_json_error(&error)))
}

/// A short, value-free description of a JSON error: serde's own messages can
/// quote the offending input.
fn describe_json_error(error: &serde_json::Error) -> String {
    let kind = match error.classify() {
        serde_json::error::Category::Io => "io",
        serde_json::error::Category::Syntax => "syntax",
        serde_json::error::Category::Data => "data",
        serde_json::error::Category::Eof => "eof",
    };
    format!(
        "{kind} error at line {} column {}",
        error.line(),
        error.column()
    )
}

/// A validated lead, trimmed and ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lead {
    /// The visitor's name.
    pub name: String,
    /// The visitor's email address.
    pub email: String,
    /// The visitor's company, if given.
    pub company: Option<String>,
    /// The message to sales.
    pub message: String,
}

/// The verdict on a decoded body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Submission {
    /// The honeypot was filled: a bot. Answer as if accepted, store nothing.
    Bot,
    /// A lead to store.
    Lead(Lead),
}

/// Decides what a decoded body is. The honeypot is looked at first: a bot
/// gets the same answer as a person whatever else it sent, so it learns
/// nothing from field errors.
pub fn validate(raw: &RawLead) -> Result<Submission, Vec<FieldProblem>> {
    if raw
        .website
        .as_deref()
        .is_some_and(|value| !value.is_empty())
    {
        return Ok(Submission::Bot);
    }
    let name = required(Field::Name, raw.name.as_deref());
    let email = required(Field::Email, raw.email.as_deref());
    let company = check_value(Field::Company, raw.company.as_deref());
    let message = required(Field::Message, raw.message.as_deref());
    match (name, email, company, message) {
        (Ok(name), Ok(email), Ok(company), Ok(message)) => Ok(Submission::Lead(Lead {
            name,
            email,
            company,
            message,
        })),
        (name, email, company, message) => Err([
            (Field::Name, name.err()),
            (Field::Email, email.err()),
            (Field::Company, company.err()),
            (Field::Message, message.err()),
        ]
        .into_iter()
        .filter_map(|(field, issue)| issue.map(|issue| FieldProblem { field, issue }))
        .collect()),
    }
}

/// Checks a required field: blank counts as missing.
fn required(field: Field, value: Option<&str>) -> Result<String, Issue> {
    check_value(field, value)?.ok_or(Issue::Missing)
}

/// Checks one field and returns its trimmed value, or `None` when it is
/// absent or blank.
fn check_value(field: Field, value: Option<&str>) -> Result<Option<String>, Issue> {
    let value = value.unwrap_or_default();
    // Line breaks are judged on the raw value: trimming would hide a trailing
    // CR/LF that is still an injection attempt.
    if field.header_bound() && value.contains(['\r', '\n']) {
        return Err(Issue::LineBreak);
    }
    let allowed_control = |c: char| !field.header_bound() && matches!(c, '\r' | '\n' | '\t');
    if value.chars().any(|c| c.is_control() && !allowed_control(c)) {
        return Err(Issue::ControlCharacter);
    }
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let max = field.max_chars();
    if trimmed.chars().count() > max {
        return Err(Issue::TooLong { max });
    }
    if field == Field::Email && !email_address::is_plausible(trimmed) {
        return Err(Issue::InvalidEmail);
    }
    Ok(Some(trimmed.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_raw() -> RawLead {
        RawLead {
            name: Some("Ada Lovelace".into()),
            email: Some("ada@example.com".into()),
            company: Some("Analytical Engines".into()),
            message: Some("We would like a demo.\r\nThanks!".into()),
            website: Some(String::new()),
        }
    }

    fn problems_of(raw: &RawLead) -> Vec<FieldProblem> {
        validate(raw).expect_err("expected validation problems")
    }

    #[test]
    fn decodes_a_browser_form_body() {
        let body =
            b"name=Ada+Lovelace&email=ada%40example.com&company=&message=Hi%21%0D%0ABye&website=";
        let raw = decode_form(body).expect("decodes");
        assert_eq!(raw.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(raw.email.as_deref(), Some("ada@example.com"));
        assert_eq!(raw.company.as_deref(), Some(""));
        assert_eq!(raw.message.as_deref(), Some("Hi!\r\nBye"));
        assert_eq!(raw.website.as_deref(), Some(""));
    }

    #[test]
    fn form_decoding_handles_escapes_plus_signs_and_bare_keys() {
        let raw = decode_form(b"name=a%2Bb+c&company&message=100%25%zz%4").expect("decodes");
        assert_eq!(raw.name.as_deref(), Some("a+b c"));
        assert_eq!(raw.company.as_deref(), Some(""));
        // Malformed escapes are kept literally, as browsers never send them.
        assert_eq!(raw.message.as_deref(), Some("100%%zz%4"));
        let raw = decode_form("name=%C3%A9l%C3%A8ne&email=&&".as_bytes()).expect("decodes");
        assert_eq!(raw.name.as_deref(), Some("élène"));
    }

    #[test]
    fn form_decoding_ignores_unknown_fields_and_refuses_duplicates() {
        let raw = decode_form(b"utm=x&name=A").expect("decodes");
        assert_eq!(raw.name.as_deref(), Some("A"));
        assert_eq!(
            decode_form(b"name=A&name=B"),
            Err(DecodeError::DuplicateField("name"))
        );
    }

    #[test]
    fn form_decoding_refuses_invalid_utf8_raw_or_percent_encoded() {
        assert_eq!(decode_form(b"name=\xff"), Err(DecodeError::NotUtf8));
        assert_eq!(decode_form(b"name=%FF%FE"), Err(DecodeError::NotUtf8));
        // A replacement character the visitor really typed is fine.
        let raw = decode_form("name=%EF%BF%BD".as_bytes()).expect("decodes");
        assert_eq!(raw.name.as_deref(), Some("\u{FFFD}"));
    }

    #[test]
    fn decodes_json_and_refuses_non_string_values() {
        let raw =
            decode_json(br#"{"name":"Ada","email":"ada@example.com","message":"Hi","extra":1}"#)
                .expect("decodes");
        assert_eq!(raw.name.as_deref(), Some("Ada"));
        assert_eq!(raw.company, None);
        assert!(matches!(
            decode_json(br#"{"name":42}"#),
            Err(DecodeError::Json(_))
        ));
        assert!(matches!(decode_json(b"[1,2]"), Err(DecodeError::Json(_))));
        assert!(matches!(decode_json(b"{"), Err(DecodeError::Json(_))));
    }

    #[test]
    fn json_errors_do_not_quote_the_input() {
        let Err(DecodeError::Json(detail)) = decode_json(br#"{"name": secret-value}"#) else {
            panic!("expected a JSON error");
        };
        assert!(!detail.contains("secret"), "{detail}");
    }

    #[test]
    fn accepts_a_valid_lead_and_trims_it() {
        let mut raw = valid_raw();
        raw.name = Some("  Ada Lovelace  ".into());
        raw.company = Some("   ".into());
        let Ok(Submission::Lead(lead)) = validate(&raw) else {
            panic!("expected a lead");
        };
        assert_eq!(lead.name, "Ada Lovelace");
        assert_eq!(lead.email, "ada@example.com");
        assert_eq!(lead.company, None);
        assert_eq!(lead.message, "We would like a demo.\r\nThanks!");
    }

    #[test]
    fn filled_honeypot_is_a_bot_even_with_bad_fields() {
        let raw = RawLead {
            website: Some("https://spam.example".into()),
            ..RawLead::default()
        };
        assert_eq!(validate(&raw), Ok(Submission::Bot));
    }

    #[test]
    fn reports_every_missing_required_field() {
        let problems = problems_of(&RawLead::default());
        let fields: Vec<Field> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, [Field::Name, Field::Email, Field::Message]);
        assert!(problems.iter().all(|p| p.issue == Issue::Missing));
    }

    #[test]
    fn blank_required_fields_are_missing() {
        let mut raw = valid_raw();
        raw.message = Some(" \r\n\t ".into());
        let problems = problems_of(&raw);
        assert_eq!(
            problems,
            [FieldProblem {
                field: Field::Message,
                issue: Issue::Missing
            }]
        );
    }

    #[test]
    fn enforces_each_length_limit_at_the_boundary() {
        for field in Field::ALL {
            let max = field.max_chars();
            let at_limit = if field == Field::Email {
                format!("{}@example.com", "a".repeat(max - "@example.com".len()))
            } else {
                "é".repeat(max)
            };
            let over_limit = format!("{at_limit}x");
            let mut raw = valid_raw();
            let slot = match field {
                Field::Name => &mut raw.name,
                Field::Email => &mut raw.email,
                Field::Company => &mut raw.company,
                Field::Message => &mut raw.message,
            };
            *slot = Some(at_limit);
            if field != Field::Email {
                assert!(validate(&raw).is_ok(), "{field} at its limit is accepted");
            }
            let slot = match field {
                Field::Name => &mut raw.name,
                Field::Email => &mut raw.email,
                Field::Company => &mut raw.company,
                Field::Message => &mut raw.message,
            };
            *slot = Some(over_limit);
            assert_eq!(
                problems_of(&raw),
                [FieldProblem {
                    field,
                    issue: Issue::TooLong { max }
                }],
                "{field} over its limit"
            );
        }
    }

    #[test]
    fn refuses_line_breaks_in_header_bound_fields_only() {
        for (field, value) in [
            (Field::Name, "Ada\r\nBcc: x@example.com"),
            (Field::Email, "ada@example.com\n"),
            (Field::Company, "Acme\rInc"),
        ] {
            let mut raw = valid_raw();
            match field {
                Field::Name => raw.name = Some(value.into()),
                Field::Email => raw.email = Some(value.into()),
                Field::Company => raw.company = Some(value.into()),
                Field::Message => unreachable!("messages may hold line breaks"),
            }
            assert_eq!(
                problems_of(&raw),
                [FieldProblem {
                    field,
                    issue: Issue::LineBreak
                }]
            );
        }
    }

    #[test]
    fn refuses_other_control_characters() {
        let mut raw = valid_raw();
        raw.name = Some("Ada\u{0}".into());
        raw.message = Some("hello\u{7}".into());
        let fields: Vec<(Field, Issue)> = problems_of(&raw)
            .into_iter()
            .map(|p| (p.field, p.issue))
            .collect();
        assert_eq!(
            fields,
            [
                (Field::Name, Issue::ControlCharacter),
                (Field::Message, Issue::ControlCharacter)
            ]
        );
    }

    #[test]
    fn refuses_an_implausible_email() {
        let mut raw = valid_raw();
        raw.email = Some("not-an-address".into());
        assert_eq!(
            problems_of(&raw),
            [FieldProblem {
                field: Field::Email,
                issue: Issue::InvalidEmail
            }]
        );
    }

    #[test]
    fn descriptions_name_the_field_but_not_the_value() {
        let problem = FieldProblem {
            field: Field::Company,
            issue: Issue::TooLong { max: 200 },
        };
        assert_eq!(
            problem.describe(),
            "Company must be at most 200 characters."
        );
    }
}
