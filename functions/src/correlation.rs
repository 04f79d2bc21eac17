//! Correlation ids: the only handle that ties a visitor's answer, a log line
//! and a stored lead together without exposing anything personal.

use std::fmt;

/// A 128-bit random identifier, shown as 32 lowercase hexadecimal digits.
///
/// The Worker fills it from `crypto.getRandomValues`; this type only formats
/// the bytes, so the formatting can be tested without a runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CorrelationId([u8; 16]);

impl CorrelationId {
    /// Wraps sixteen random bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The raw bytes of the id.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for CorrelationId {
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

    #[test]
    fn displays_as_32_lowercase_hex_digits_in_byte_order() {
        let mut bytes = [0u8; 16];
        for (index, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::try_from(index * 17).expect("fits in a byte");
        }
        let id = CorrelationId::from_bytes(bytes);
        assert_eq!(id.to_string(), "00112233445566778899aabbccddeeff");
        assert_eq!(id.as_bytes(), &bytes);
    }

    #[test]
    fn keeps_leading_zero_nibbles() {
        let id = CorrelationId::from_bytes([0x0a; 16]);
        assert_eq!(id.to_string(), "0a".repeat(16));
    }
}
