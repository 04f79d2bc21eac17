//! Keys for the per-client rate limit on lead submissions.
//!
//! The key is derived from `CF-Connecting-IP`, which Cloudflare sets to the
//! visitor's address and which a visitor cannot override at the edge. IPv6
//! clients usually control a whole /64, so they are keyed on that prefix;
//! otherwise one host could rotate addresses to escape the limit.

use std::net::{IpAddr, Ipv6Addr};

/// Key used when the header is absent or unparsable. Such requests share one
/// bucket, which is the safe direction: they cannot each get a fresh one.
pub const UNKNOWN_CLIENT_KEY: &str = "lead:unknown";

/// The rate-limit key for a request's `CF-Connecting-IP` header value.
pub fn client_key(connecting_ip: Option<&str>) -> String {
    match connecting_ip.and_then(|value| value.trim().parse::<IpAddr>().ok()) {
        Some(IpAddr::V4(address)) => format!("lead:{address}"),
        Some(IpAddr::V6(address)) => match address.to_ipv4_mapped() {
            Some(mapped) => format!("lead:{mapped}"),
            None => {
                let segments = address.segments();
                let prefix = Ipv6Addr::new(
                    segments[0],
                    segments[1],
                    segments[2],
                    segments[3],
                    0,
                    0,
                    0,
                    0,
                );
                format!("lead:{prefix}/64")
            }
        },
        None => UNKNOWN_CLIENT_KEY.to_owned(),
    }
}

/// The client address to pass upstream as `X-Forwarded-For`, if the header
/// holds a well-formed address. Anything else is dropped rather than copied.
pub fn forwarded_for(connecting_ip: Option<&str>) -> Option<String> {
    connecting_ip
        .and_then(|value| value.trim().parse::<IpAddr>().ok())
        .map(|address| address.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ipv4_clients_by_address() {
        assert_eq!(client_key(Some("203.0.113.9")), "lead:203.0.113.9");
        assert_eq!(client_key(Some(" 203.0.113.9 ")), "lead:203.0.113.9");
        assert_ne!(
            client_key(Some("203.0.113.9")),
            client_key(Some("203.0.113.10"))
        );
    }

    #[test]
    fn keys_ipv6_clients_by_their_64_prefix() {
        let one = client_key(Some("2001:db8:1:2:aaaa::1"));
        let other_host = client_key(Some("2001:db8:1:2:bbbb::2"));
        let other_net = client_key(Some("2001:db8:1:3::1"));
        assert_eq!(one, "lead:2001:db8:1:2::/64");
        assert_eq!(one, other_host);
        assert_ne!(one, other_net);
        assert_eq!(client_key(Some("::ffff:198.51.100.7")), "lead:198.51.100.7");
    }

    #[test]
    fn missing_or_garbage_addresses_share_one_bucket() {
        assert_eq!(client_key(None), UNKNOWN_CLIENT_KEY);
        assert_eq!(client_key(Some("")), UNKNOWN_CLIENT_KEY);
        assert_eq!(client_key(Some("1.2.3.4, 5.6.7.8")), UNKNOWN_CLIENT_KEY);
    }

    #[test]
    fn forwards_only_well_formed_addresses() {
        assert_eq!(
            forwarded_for(Some("198.51.100.7")),
            Some("198.51.100.7".into())
        );
        assert_eq!(
            forwarded_for(Some("2001:DB8::1")),
            Some("2001:db8::1".into())
        );
        assert_eq!(forwarded_for(Some("1.2.3.4\r\nX-Evil: 1")), None);
        assert_eq!(forwarded_for(None), None);
    }
}
