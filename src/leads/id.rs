//! Correlation ids: the lead ids the Worker hands out, and the ids this
//! tool gives each operator action it records.
//!
//! Both are 128-bit random values shown as 32 lowercase hexadecimal digits,
//! the shape the Worker writes (`functions/src/correlation.rs`). A lead id
//! typed by an operator is normalised (surrounding whitespace dropped,
//! upper-case digits lowered) and then must have exactly that shape, so the
//! text that reaches SQL is never more than those 32 characters.

use std::fmt;

/// Number of hexadecimal digits in a correlation id.
const ID_DIGITS: usize = 32;

/// The id of a stored lead, as given to `leads show` or `leads erase --id`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LeadId(String);

/// Why a lead id was refused. The refused text is not repeated: an operator
/// who pasted the wrong field may have pasted an address.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "a lead id is the 32 hexadecimal digits of the lead's correlation id (as in the notification)"
)]
pub struct IdError;

impl LeadId {
    /// Normalises and checks an operator-supplied lead id.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let trimmed = text.trim();
        if trimmed.len() != ID_DIGITS || !trimmed.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(IdError);
        }
        Ok(Self(trimmed.to_ascii_lowercase()))
    }

    /// The id as 32 lowercase hexadecimal digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LeadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The correlation id of one operator action (a list, a show, an export,
/// an erasure): it ties the `lead_events` row, the tombstones of an erasure
/// and an export's manifest together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ActionId([u8; 16]);

impl ActionId {
    /// A fresh id from the operating system's random source.
    pub fn random() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)?;
        Ok(Self(bytes))
    }

    /// Wraps sixteen bytes; for tests and for ids read back from D1.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }
}

impl fmt::Display for ActionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_ids_as_the_worker_writes_them_and_normalises_case() {
        let id = "00112233445566778899aabbccddeeff";
        assert_eq!(LeadId::parse(id).map(|id| id.to_string()), Ok(id.into()));
        assert_eq!(
            LeadId::parse("  00112233445566778899AABBCCDDEEFF\n").map(|id| id.to_string()),
            Ok(id.into())
        );
    }

    #[test]
    fn refuses_anything_else() {
        for text in [
            "",
            "0011223344556677",
            "00112233445566778899aabbccddeeff00",
            "00112233-4455-6677-8899-aabbccddeeff",
            "00112233445566778899aabbccddeefg",
            "' OR 1=1 --                     ",
            "quinn@customer.example",
            "００112233445566778899aabbccddeeff",
        ] {
            assert_eq!(LeadId::parse(text), Err(IdError), "{text:?}");
        }
    }

    #[test]
    fn action_ids_are_32_hex_digits_and_differ() {
        let first = ActionId::random().expect("random source");
        let second = ActionId::random().expect("random source");
        assert_ne!(first, second);
        let shown = first.to_string();
        assert_eq!(shown.len(), 32);
        assert!(LeadId::parse(&shown).is_ok());
        assert_eq!(
            ActionId::from_bytes([0x0a; 16]).to_string(),
            "0a".repeat(16)
        );
    }

    proptest! {
        #[test]
        fn parsed_ids_are_32_lowercase_hex_digits(text in "\\PC{0,40}") {
            if let Ok(id) = LeadId::parse(&text) {
                prop_assert_eq!(id.as_str().len(), 32);
                prop_assert!(id.as_str().bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
            }
        }

        #[test]
        fn every_hex_id_round_trips(bytes in any::<[u8; 16]>()) {
            let shown = ActionId::from_bytes(bytes).to_string();
            prop_assert_eq!(LeadId::parse(&shown.to_ascii_uppercase()).map(|id| id.to_string()), Ok(shown));
        }
    }
}
