//! The free-text values an operator passes to `leads`: the address whose
//! leads to erase, the reason for an erasure, and the operator's own name.
//!
//! Each is normalised (surrounding whitespace dropped, the address lowered)
//! and then judged before any SQL is built. None of them is ever repeated
//! in an error message: an address is personal data, and a reason or an
//! operator name may hold some.

use std::fmt;

use crate::leads::sql::{self, Literal, LiteralError};

/// Longest address the lead form accepts (RFC 5321).
const MAX_EMAIL: usize = 254;
/// Longest local part (before `@`).
const MAX_LOCAL_PART: usize = 64;
/// Longest reason recorded with an erasure.
pub const MAX_REASON: usize = 500;
/// Longest operator name recorded with an action.
const MAX_OPERATOR: usize = 100;

/// Why an operator-supplied value was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// `erase` was given neither or both of `--id` and `--email`.
    #[error("erase takes exactly one of --id and --email")]
    Selector,
    /// The `--email` value is not a bare address.
    #[error(
        "--email takes one bare address as the contact form stores it (name@example.com), without a display name, quotes or spaces"
    )]
    Email,
    /// The `--reason` value is empty.
    #[error("--reason must say why the lead is erased (for example a ticket reference)")]
    ReasonEmpty,
    /// The `--reason` value is too long.
    #[error("--reason is longer than {MAX_REASON} characters")]
    ReasonTooLong,
    /// The `--reason` value holds an address.
    #[error(
        "--reason must not hold an email address: the tombstone keeps no personal data, so name the request by a ticket reference instead"
    )]
    ReasonHoldsAddress,
    /// The `--reason` value holds characters that cannot be recorded.
    #[error("--reason cannot be recorded: {0}")]
    ReasonText(LiteralError),
    /// The operator name from the environment cannot be recorded.
    #[error(
        "BAYSTORE_OPERATOR must be a single line of at most {MAX_OPERATOR} characters without an email address"
    )]
    Operator,
}

/// An address to erase leads by, lowered so the match ignores case.
///
/// The Worker stores only ASCII addresses (dot-atom local part, DNS host),
/// and SQLite's `lower()` folds ASCII letters, so comparing
/// `lower(email)` with the lowered address matches exactly the stored
/// addresses that differ from it in case alone.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Normalises and checks an address typed by the operator.
    pub fn parse(text: &str) -> Result<Self, InputError> {
        let address = text.trim();
        let Some((local, domain)) = address.rsplit_once('@') else {
            return Err(InputError::Email);
        };
        let local_ok = !local.is_empty()
            && local.len() <= MAX_LOCAL_PART
            && local
                .split('.')
                .all(|atom| !atom.is_empty() && atom.bytes().all(is_atext));
        let domain_ok = domain.len() >= 3
            && domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if address.len() > MAX_EMAIL || !local_ok || !domain_ok {
            return Err(InputError::Email);
        }
        Ok(Self(address.to_ascii_lowercase()))
    }

    /// The lowered address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address as an SQL literal.
    pub fn literal(&self) -> Literal {
        Literal::new(&self.0).expect("a checked address holds only printable ASCII")
    }
}

impl fmt::Debug for EmailAddress {
    /// Never prints the address itself, so a stray `{:?}` cannot leak it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EmailAddress(<redacted>)")
    }
}

/// The `atext` characters of RFC 5322, which the lead form accepts in a
/// local part.
fn is_atext(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&byte)
}

/// Why a lead is erased, as recorded in its tombstone and in `lead_events`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    /// Normalises and checks a reason: one line of printable text, at most
    /// [`MAX_REASON`] characters, and no `@`, so an address cannot end up
    /// in the record that is meant to outlive the personal data.
    pub fn parse(text: &str) -> Result<Self, InputError> {
        let reason = text.trim();
        sql::check_text(reason).map_err(InputError::ReasonText)?;
        if reason.is_empty() {
            return Err(InputError::ReasonEmpty);
        }
        if reason.chars().count() > MAX_REASON {
            return Err(InputError::ReasonTooLong);
        }
        if reason.contains(['@', '\u{FF20}', '\u{FE6B}']) {
            return Err(InputError::ReasonHoldsAddress);
        }
        Ok(Self(reason.to_owned()))
    }

    /// The reason as typed, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The reason as an SQL literal.
    pub fn literal(&self) -> Literal {
        Literal::new(&self.0).expect("a checked reason holds no refused character")
    }
}

/// Who runs the tool, as recorded in `lead_events` and export manifests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator(String);

/// The variable an operator sets to name themselves in the record.
pub const OPERATOR_VARIABLE: &str = "BAYSTORE_OPERATOR";

impl Operator {
    /// Reads who is running the tool through `lookup` (an environment
    /// variable lookup): `BAYSTORE_OPERATOR` when set, which must then be
    /// recordable; otherwise the login name (`USER`, `LOGNAME` or
    /// `USERNAME`) when it is, and nobody when neither is.
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, InputError> {
        if let Some(value) = lookup(OPERATOR_VARIABLE) {
            return Self::parse(&value).map(Some).ok_or(InputError::Operator);
        }
        Ok(["USER", "LOGNAME", "USERNAME"]
            .into_iter()
            .find_map(|name| lookup(name).and_then(|value| Self::parse(&value))))
    }

    fn parse(text: &str) -> Option<Self> {
        let name = text.trim();
        let ok = !name.is_empty()
            && name.chars().count() <= MAX_OPERATOR
            && sql::check_text(name).is_ok()
            && !name.contains('@');
        ok.then(|| Self(name.to_owned()))
    }

    /// The operator's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as an SQL literal.
    pub fn literal(&self) -> Literal {
        Literal::new(&self.0).expect("a checked operator name holds no refused character")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn addresses_are_trimmed_and_lowered() {
        let address =
            EmailAddress::parse("  Quinn.Marlowe+Leads@Customer.EXAMPLE \n").expect("valid");
        assert_eq!(address.as_str(), "quinn.marlowe+leads@customer.example");
        assert_eq!(
            EmailAddress::parse("o'brien@customer.example").map(|a| a.literal().to_string()),
            Ok("'o''brien@customer.example'".to_owned())
        );
    }

    #[test]
    fn only_bare_addresses_are_accepted() {
        for text in [
            "",
            "quinn",
            "quinn@",
            "@customer.example",
            "Quinn <quinn@customer.example>",
            "\"quinn\"@customer.example",
            "quinn marlowe@customer.example",
            "quinn@customer",
            "quinn@-customer.example",
            "quinn..marlowe@customer.example",
            "quinn@customer..example",
            "quinn@customer.example; DROP TABLE leads",
            "quinn@customer.example\u{0}",
            "quinn\n@customer.example",
            "qüinn@customer.example",
            "quinn@bücher.example",
            "quinn@[192.0.2.1]",
        ] {
            assert_eq!(
                EmailAddress::parse(text),
                Err(InputError::Email),
                "{text:?}"
            );
        }
        let long_local = format!("{}@customer.example", "q".repeat(65));
        assert_eq!(EmailAddress::parse(&long_local), Err(InputError::Email));
    }

    #[test]
    fn the_debug_form_hides_the_address() {
        let address = EmailAddress::parse("quinn@customer.example").expect("valid");
        assert!(!format!("{address:?}").contains("quinn"));
    }

    #[test]
    fn reasons_are_single_printable_lines_without_addresses() {
        assert_eq!(
            Reason::parse("  GDPR erasure request, ticket 4411 ").map(|r| r.as_str().to_owned()),
            Ok("GDPR erasure request, ticket 4411".to_owned())
        );
        assert_eq!(
            Reason::parse("customer's request; see ticket 'A-1'").map(|r| r.literal().to_string()),
            Ok("'customer''s request; see ticket ''A-1'''".to_owned())
        );
        assert_eq!(Reason::parse("   "), Err(InputError::ReasonEmpty));
        assert_eq!(
            Reason::parse(&"r".repeat(MAX_REASON + 1)),
            Err(InputError::ReasonTooLong)
        );
        assert!(Reason::parse(&"é".repeat(MAX_REASON)).is_ok());
        for text in ["asked by quinn@customer.example", "quinn＠customer.example"] {
            assert_eq!(Reason::parse(text), Err(InputError::ReasonHoldsAddress));
        }
        assert_eq!(
            Reason::parse("two\nlines"),
            Err(InputError::ReasonText(LiteralError::Control))
        );
        assert_eq!(
            Reason::parse("spoof\u{202E}txt"),
            Err(InputError::ReasonText(LiteralError::Invisible))
        );
    }

    #[test]
    fn the_operator_comes_from_the_explicit_variable_then_the_login() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| (*value).to_owned())
            }
        };
        assert_eq!(
            Operator::from_env(env(&[("BAYSTORE_OPERATOR", "Sales Ops"), ("USER", "root")])),
            Ok(Some(Operator("Sales Ops".into())))
        );
        assert_eq!(
            Operator::from_env(env(&[("USER", "alex")])),
            Ok(Some(Operator("alex".into())))
        );
        assert_eq!(
            Operator::from_env(env(&[("USER", "bad\u{1b}[2J"), ("LOGNAME", "alex")])),
            Ok(Some(Operator("alex".into())))
        );
        assert_eq!(Operator::from_env(env(&[])), Ok(None));
        assert_eq!(
            Operator::from_env(env(&[("BAYSTORE_OPERATOR", "ops@baystore.example")])),
            Err(InputError::Operator)
        );
    }

    proptest! {
        #[test]
        fn accepted_addresses_are_lowercase_printable_ascii(text in "\\PC{0,80}") {
            if let Ok(address) = EmailAddress::parse(&text) {
                let value = address.as_str();
                prop_assert!(value.bytes().all(|b| b.is_ascii_graphic()));
                prop_assert!(!value.bytes().any(|b| b.is_ascii_uppercase()));
                prop_assert_eq!(value.matches('@').count(), 1);
                prop_assert_eq!(EmailAddress::parse(value), Ok(address.clone()));
            }
        }

        #[test]
        fn address_case_does_not_matter(local in "[A-Za-z0-9+_.-]{1,20}", host in "[A-Za-z0-9]{1,10}") {
            let text = format!("{local}@{host}.Example");
            let lower = EmailAddress::parse(&text.to_ascii_lowercase());
            prop_assert_eq!(EmailAddress::parse(&text.to_ascii_uppercase()), lower.clone());
            prop_assert_eq!(EmailAddress::parse(&text), lower);
        }

        #[test]
        fn accepted_reasons_are_recordable(text in "\\PC{0,600}") {
            if let Ok(reason) = Reason::parse(&text) {
                prop_assert!(!reason.as_str().contains('@'));
                prop_assert!(Literal::new(reason.as_str()).is_ok());
                prop_assert!(reason.as_str().chars().count() <= MAX_REASON);
            }
        }
    }
}
