//! A conservative syntax check for the address a visitor leaves on the lead
//! form.
//!
//! The check accepts the dot-atom form of RFC 5322 addresses with a DNS host
//! name, which is what real inboxes use. It deliberately refuses quoted local
//! parts, comments and address literals: those are legal but almost only
//! appear in abuse, and an address that sales cannot reply to is no lead.

/// Longest local part (before `@`) allowed by RFC 5321.
const MAX_LOCAL_PART: usize = 64;
/// Longest domain allowed by RFC 1035.
const MAX_DOMAIN: usize = 253;
/// Longest single DNS label.
const MAX_LABEL: usize = 63;

/// Returns whether `address` is a plausible, replyable email address.
pub fn is_plausible(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    is_dot_atom(local) && is_host_name(domain)
}

fn is_dot_atom(local: &str) -> bool {
    if local.is_empty() || local.len() > MAX_LOCAL_PART {
        return false;
    }
    local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.bytes().all(is_atext))
}

/// The `atext` characters of RFC 5322 section 3.2.3.
fn is_atext(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&byte)
}

fn is_host_name(domain: &str) -> bool {
    if domain.is_empty() || domain.len() > MAX_DOMAIN {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let labels_ok = labels.iter().all(|label| {
        !label.is_empty()
            && label.len() <= MAX_LABEL
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
    });
    // An all-digit last label means a dotted IP address, not a host name.
    let top_level_ok = labels
        .last()
        .is_some_and(|tld| tld.bytes().any(|byte| byte.is_ascii_alphabetic()));
    labels_ok && top_level_ok
}

#[cfg(test)]
mod tests {
    use super::is_plausible;

    #[test]
    fn accepts_ordinary_addresses() {
        for address in [
            "ada@example.com",
            "first.last@mail.example.co.uk",
            "ops+leads@xn--bcher-kva.example",
            "o'brien@example.org",
            "a@b.io",
        ] {
            assert!(is_plausible(address), "{address} should be accepted");
        }
    }

    #[test]
    fn refuses_malformed_addresses() {
        for address in [
            "",
            "plainaddress",
            "@example.com",
            "ada@",
            "ada@localhost",
            "ada@@example.com",
            "ada@exa mple.com",
            ".ada@example.com",
            "ada.@example.com",
            "a..da@example.com",
            "ada@-example.com",
            "ada@example-.com",
            "ada@example..com",
            "ada@192.168.0.1",
            "ada@[192.168.0.1]",
            "\"ada\"@example.com",
            "ada(comment)@example.com",
            "ada@example.com\r\nbcc: victim@example.com",
            "ädä@example.com",
        ] {
            assert!(!is_plausible(address), "{address:?} should be refused");
        }
    }

    #[test]
    fn enforces_part_lengths() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(!is_plausible(&long_local));
        let max_local = format!("{}@example.com", "a".repeat(64));
        assert!(is_plausible(&max_local));
        let long_label = format!("ada@{}.com", "b".repeat(64));
        assert!(!is_plausible(&long_label));
    }
}
