//! The Worker's configuration, read from its environment variables
//! (`[vars]` in `wrangler.toml`).

use url::Url;

use crate::email_address;

/// The address shown when the configuration itself is unusable, so even that
/// failure leaves visitors a way to reach sales.
pub const FALLBACK_CONTACT_EMAIL: &str = "sales@baystore.example";

/// Longest retention the Worker accepts, as a guard against a typo keeping
/// personal data for decades.
pub const MAX_RETENTION_DAYS: u32 = 3_650;

/// Shortest retention of the audit record (tombstones and `lead_events`).
/// The migration's triggers refuse to delete rows younger than 364 days, so
/// a purge with this bound can never be refused by them.
pub const MIN_AUDIT_RETENTION_DAYS: u32 = 365;

/// Longest retention of the audit record.
pub const MAX_AUDIT_RETENTION_DAYS: u32 = 7_300;

/// Why the configuration could not be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// A required variable is not set.
    #[error("variable {0} is not set")]
    Missing(&'static str),
    /// A variable is set to an unusable value.
    #[error("variable {0} is invalid")]
    Invalid(&'static str),
}

/// Parsed configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The public origin of the site (`SITE_ORIGIN`).
    pub site_origin: Url,
    /// The sales address shown as the fallback (`CONTACT_EMAIL`).
    pub contact_email: String,
    /// Days a lead is kept (`RETENTION_DAYS`).
    pub retention_days: u32,
    /// Days tombstones and `lead_events` rows are kept
    /// (`AUDIT_RETENTION_DAYS`): always longer than `retention_days`, so
    /// the record of a lead outlives the lead.
    pub audit_retention_days: u32,
    /// Where analytics beacons are forwarded (`ANALYTICS_UPSTREAM`); empty
    /// means beacons are dropped.
    pub analytics_upstream: Option<Url>,
    /// Sender address for lead notifications (`NOTIFY_FROM`); empty means
    /// no notification is sent.
    pub notify_from: Option<String>,
}

impl Settings {
    /// Reads the configuration through `lookup`, which returns a variable's
    /// value by name.
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let required = |name: &'static str| {
            lookup(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
                .ok_or(SettingsError::Missing(name))
        };
        let optional = |name: &str| {
            lookup(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };

        let site_origin = Url::parse(&required("SITE_ORIGIN")?)
            .ok()
            .filter(|url| url.origin().is_tuple() && url.path() == "/")
            .ok_or(SettingsError::Invalid("SITE_ORIGIN"))?;
        let contact_email = required("CONTACT_EMAIL")?;
        if !email_address::is_plausible(&contact_email) {
            return Err(SettingsError::Invalid("CONTACT_EMAIL"));
        }
        let retention_days = required("RETENTION_DAYS")?
            .parse::<u32>()
            .ok()
            .filter(|days| (1..=MAX_RETENTION_DAYS).contains(days))
            .ok_or(SettingsError::Invalid("RETENTION_DAYS"))?;
        let audit_retention_days = required("AUDIT_RETENTION_DAYS")?
            .parse::<u32>()
            .ok()
            .filter(|days| {
                (MIN_AUDIT_RETENTION_DAYS..=MAX_AUDIT_RETENTION_DAYS).contains(days)
                    && *days > retention_days
            })
            .ok_or(SettingsError::Invalid("AUDIT_RETENTION_DAYS"))?;
        let analytics_upstream = optional("ANALYTICS_UPSTREAM")
            .map(|value| {
                Url::parse(&value)
                    .ok()
                    .filter(|url| matches!(url.scheme(), "https" | "http"))
                    .ok_or(SettingsError::Invalid("ANALYTICS_UPSTREAM"))
            })
            .transpose()?;
        let notify_from = optional("NOTIFY_FROM");
        if notify_from
            .as_deref()
            .is_some_and(|from| !email_address::is_plausible(from))
        {
            return Err(SettingsError::Invalid("NOTIFY_FROM"));
        }
        Ok(Self {
            site_origin,
            contact_email,
            retention_days,
            audit_retention_days,
            analytics_upstream,
            notify_from,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        move |name| {
            owned
                .iter()
                .find(|(candidate, _)| candidate == name)
                .map(|(_, value)| value.clone())
        }
    }

    const BASE: [(&str, &str); 5] = [
        ("SITE_ORIGIN", "https://baystore.example"),
        ("CONTACT_EMAIL", "sales@baystore.example"),
        ("RETENTION_DAYS", "180"),
        ("AUDIT_RETENTION_DAYS", "1095"),
        ("ANALYTICS_UPSTREAM", ""),
    ];

    fn with(name: &'static str, value: &'static str) -> Vec<(&'static str, &'static str)> {
        let mut pairs: Vec<_> = BASE.iter().copied().filter(|(n, _)| *n != name).collect();
        pairs.push((name, value));
        pairs
    }

    #[test]
    fn reads_the_shipped_configuration() {
        let settings = Settings::from_vars(vars(&BASE)).expect("valid");
        assert_eq!(settings.site_origin.as_str(), "https://baystore.example/");
        assert_eq!(settings.contact_email, "sales@baystore.example");
        assert_eq!(settings.retention_days, 180);
        assert_eq!(settings.audit_retention_days, 1095);
        assert_eq!(settings.analytics_upstream, None);
        assert_eq!(settings.notify_from, None);
    }

    #[test]
    fn reads_an_analytics_upstream() {
        let settings = Settings::from_vars(vars(&with(
            "ANALYTICS_UPSTREAM",
            "http://127.0.0.1:9000/api/event",
        )))
        .expect("valid");
        assert_eq!(
            settings.analytics_upstream.map(String::from),
            Some("http://127.0.0.1:9000/api/event".to_owned())
        );
    }

    #[test]
    fn refuses_unusable_values() {
        let cases = [
            ("SITE_ORIGIN", "baystore.example", "SITE_ORIGIN"),
            (
                "SITE_ORIGIN",
                "https://baystore.example/shop/",
                "SITE_ORIGIN",
            ),
            ("CONTACT_EMAIL", "sales", "CONTACT_EMAIL"),
            ("RETENTION_DAYS", "0", "RETENTION_DAYS"),
            ("RETENTION_DAYS", "forever", "RETENTION_DAYS"),
            ("RETENTION_DAYS", "36500", "RETENTION_DAYS"),
            // Leads may not outlive their own audit record.
            ("RETENTION_DAYS", "1095", "AUDIT_RETENTION_DAYS"),
            ("AUDIT_RETENTION_DAYS", "364", "AUDIT_RETENTION_DAYS"),
            ("AUDIT_RETENTION_DAYS", "7301", "AUDIT_RETENTION_DAYS"),
            (
                "AUDIT_RETENTION_DAYS",
                "three years",
                "AUDIT_RETENTION_DAYS",
            ),
            (
                "ANALYTICS_UPSTREAM",
                "ftp://upstream.example",
                "ANALYTICS_UPSTREAM",
            ),
            ("NOTIFY_FROM", "nobody", "NOTIFY_FROM"),
        ];
        for (name, value, reported) in cases {
            assert_eq!(
                Settings::from_vars(vars(&with(name, value))),
                Err(SettingsError::Invalid(reported)),
                "{name}={value}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn accepted_retentions_keep_the_record_longer_than_the_leads(
            retention in "\\PC{0,6}|[0-9]{1,5}",
            audit in "\\PC{0,6}|[0-9]{1,5}",
        ) {
            let pairs = [
                ("SITE_ORIGIN", "https://baystore.example".to_owned()),
                ("CONTACT_EMAIL", "sales@baystore.example".to_owned()),
                ("RETENTION_DAYS", retention),
                ("AUDIT_RETENTION_DAYS", audit),
            ];
            let lookup = |name: &str| {
                pairs
                    .iter()
                    .find(|(candidate, _)| *candidate == name)
                    .map(|(_, value)| value.clone())
            };
            if let Ok(settings) = Settings::from_vars(lookup) {
                proptest::prop_assert!((1..=MAX_RETENTION_DAYS).contains(&settings.retention_days));
                proptest::prop_assert!(settings.audit_retention_days > settings.retention_days);
                proptest::prop_assert!(settings.audit_retention_days >= MIN_AUDIT_RETENTION_DAYS);
                proptest::prop_assert!(settings.audit_retention_days <= MAX_AUDIT_RETENTION_DAYS);
            }
        }
    }

    #[test]
    fn reports_missing_required_variables() {
        let pairs: Vec<_> = BASE
            .iter()
            .copied()
            .filter(|(n, _)| *n != "CONTACT_EMAIL")
            .collect();
        assert_eq!(
            Settings::from_vars(vars(&pairs)),
            Err(SettingsError::Missing("CONTACT_EMAIL"))
        );
    }
}
