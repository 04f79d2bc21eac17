//! `/.well-known/security.txt` (RFC 9116), written from the
//! `security_txt:` section of `site.yaml`.
//!
//! Every value is checked when the config is read, at its line: the URI
//! fields by the validator's own judgement
//! ([`bundle_validator::rules::securitytxt::uri_problem`]), and every value
//! for control characters, since a line break inside one would write a
//! field of its own into the file. `Expires` lies a year after the build
//! time ([`crate::template_functions::build_time`]), and `Canonical` is the file's own URL on
//! `base_url`.

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::config::SITE_CONFIG_FILE;
use crate::error::{Error, SourceSpot};

/// Where the file is published, relative to the bundle root.
pub const SECURITY_TXT_PATH: &str = ".well-known/security.txt";

/// How far after the build `Expires` lies: 365 days, under the year RFC
/// 9116 recommends at most (and under the validator's 366-day bound
/// in a leap year too).
pub const VALID_FOR_SECONDS: i64 = 365 * 24 * 60 * 60;

/// The `security_txt:` section of `site.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityTxtConfig {
    /// `Contact` URIs, in order of preference: `mailto:`, `https:` or `tel:`.
    pub contact: Vec<Spanned<String>>,
    /// Language tags for `Preferred-Languages` (`en`, `de-CH`).
    #[serde(default)]
    pub preferred_languages: Vec<Spanned<String>>,
    /// The security policy: a site path (`/security/`, which must be a
    /// page of the site) or an `https:` URL.
    #[serde(default)]
    pub policy: Option<Spanned<String>>,
    /// Where the key for encrypted reports is: `https:`, `dns:` or
    /// `openpgp4fpr:`.
    #[serde(default)]
    pub encryption: Option<Spanned<String>>,
}

/// Where a value was written in `site.yaml`.
pub(crate) fn spot_of<T>(value: &Spanned<T>) -> SourceSpot {
    let line = usize::try_from(value.referenced.line()).unwrap_or(0);
    let column = usize::try_from(value.referenced.column()).unwrap_or(0);
    if line == 0 {
        SourceSpot::file(SITE_CONFIG_FILE)
    } else {
        SourceSpot::at(SITE_CONFIG_FILE, line, column)
    }
}

fn invalid<T>(value: &Spanned<T>, message: String) -> Error {
    Error::SiteConfig {
        spot: spot_of(value),
        message,
    }
}

/// Whether `tag` has the shape of a BCP 47 language tag: letters first,
/// then subtags of letters and digits joined by `-`, each 1 to 8 long.
fn is_language_tag(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    let first_ok = subtags
        .next()
        .is_some_and(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok
        && subtags
            .all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}

impl SecurityTxtConfig {
    /// Every problem of the section, each at its line. `section` is where
    /// the section itself was written.
    pub fn check(&self, section: &SourceSpot) -> Vec<Error> {
        let mut errors = Vec::new();
        if self.contact.is_empty() {
            errors.push(Error::SiteConfig {
                spot: section.clone(),
                message: "security_txt needs at least one `contact` (RFC 9116 requires one)"
                    .to_string(),
            });
        }
        let uri_fields = self
            .contact
            .iter()
            .map(|value| ("Contact", "contact", value))
            .chain(
                self.encryption
                    .iter()
                    .map(|v| ("Encryption", "encryption", v)),
            )
            .chain(self.policy.iter().map(|v| ("Policy", "policy", v)));
        for (field, key, value) in uri_fields {
            if let Some(c) = value.value.chars().find(|c| c.is_control()) {
                errors.push(invalid(
                    value,
                    format!(
                        "security_txt.{key} holds the control character {}, which would break the file into other lines",
                        c.escape_unicode()
                    ),
                ));
                continue;
            }
            // A policy may be a page of the site, which the build checks.
            if key == "policy" && value.value.starts_with('/') && !value.value.starts_with("//") {
                continue;
            }
            if let Some(problem) =
                bundle_validator::rules::securitytxt::uri_problem(field, &value.value)
            {
                errors.push(invalid(value, format!("security_txt.{key} {problem}")));
            }
        }
        for tag in &self.preferred_languages {
            if !is_language_tag(&tag.value) {
                errors.push(invalid(
                    tag,
                    format!(
                        "security_txt.preferred_languages: {} is not a language tag such as `en` or `de-CH`",
                        tag.value.escape_debug()
                    ),
                ));
            }
        }
        errors
    }

    /// The site path of the policy page, when the policy is one.
    pub fn policy_page(&self) -> Option<&Spanned<String>> {
        self.policy
            .as_ref()
            .filter(|p| p.value.starts_with('/') && !p.value.starts_with("//"))
    }

    /// The text of `security.txt` for a site at `base_url` built at
    /// `build_time` (seconds since the Unix epoch).
    pub fn render(&self, base_url: &str, build_time: i64) -> Result<String, Error> {
        let expires = build_time
            .checked_add(VALID_FOR_SECONDS)
            .and_then(|t| jiff::Timestamp::from_second(t).ok())
            .ok_or_else(|| Error::SiteConfig {
                spot: SourceSpot::file(SITE_CONFIG_FILE),
                message: format!("the build time {build_time} is out of range for `Expires`"),
            })?;
        let mut out = String::from(
            "# Where to report a security issue (RFC 9116). Generated from site.yaml.\n",
        );
        for contact in &self.contact {
            out.push_str(&format!("Contact: {}\n", contact.value));
        }
        out.push_str(&format!(
            "Expires: {}\n",
            expires.strftime("%Y-%m-%dT%H:%M:%SZ")
        ));
        if let Some(encryption) = &self.encryption {
            out.push_str(&format!("Encryption: {}\n", encryption.value));
        }
        if !self.preferred_languages.is_empty() {
            let tags: Vec<&str> = self
                .preferred_languages
                .iter()
                .map(|t| t.value.as_str())
                .collect();
            out.push_str(&format!("Preferred-Languages: {}\n", tags.join(", ")));
        }
        out.push_str(&format!("Canonical: {base_url}/{SECURITY_TXT_PATH}\n"));
        if let Some(policy) = &self.policy {
            match self.policy_page() {
                Some(page) => out.push_str(&format!("Policy: {base_url}{}\n", page.value)),
                None => out.push_str(&format!("Policy: {}\n", policy.value)),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::config::SiteConfig;
    use bundle_validator::rules::securitytxt::{parse, parse_date_time};
    use proptest::prelude::*;

    const HEAD: &str = "name: S\nbase_url: https://s.example\ncontact_email: a@s.example\n";

    fn config(section: &str) -> Result<SiteConfig, crate::Error> {
        SiteConfig::parse(&format!("{HEAD}security_txt:\n{section}"))
    }

    #[test]
    fn renders_every_field_a_year_ahead() {
        let config = config(
            "  contact: [\"mailto:security@s.example\", \"https://s.example/report/\"]\n  preferred_languages: [en, de-CH]\n  policy: /security/\n  encryption: openpgp4fpr:5f2de5521c63a801ab59ccb603d49de44b29100f\n",
        )
        .unwrap();
        let section = config.security_txt.as_ref().unwrap();
        let text = section
            .value
            .render(&config.base_url, 1_780_272_000)
            .unwrap();
        insta::assert_snapshot!(text);
        let parsed = parse(&text);
        let expires = parsed.fields.iter().find(|f| f.is("Expires")).unwrap();
        assert_eq!(
            parse_date_time(&expires.value),
            Some(1_780_272_000 + super::VALID_FOR_SECONDS)
        );
        assert!(parsed.malformed.is_empty());
    }

    #[test]
    fn bad_values_and_unknown_keys_name_their_line() {
        for (section, line, needle) in [
            ("  contact: []\n", 5, "at least one `contact`"),
            (
                "  contact: [\"http://s.example/report\"]\n",
                5,
                "scheme `http:`",
            ),
            (
                "  contact: [\"security at s.example\"]\n",
                5,
                "not an absolute URI",
            ),
            (
                "  contact: [\"mailto:a@s.example\\nExpires: 2099-01-01T00:00:00Z\"]\n",
                5,
                "control character",
            ),
            (
                "  contact: [\"mailto:a@s.example\"]\n  policy: http://s.example/p\n",
                6,
                "scheme `http:`",
            ),
            (
                "  contact: [\"mailto:a@s.example\"]\n  preferred_languages: [\"en gb\"]\n",
                6,
                "language tag",
            ),
            (
                "  contact: [\"mailto:a@s.example\"]\n  hiring: /jobs/\n",
                6,
                "hiring",
            ),
        ] {
            let error = config(section).unwrap_err().to_string();
            assert!(
                error.starts_with(&format!("site.yaml:{line}:")),
                "{section}: {error}"
            );
            assert!(error.contains(needle), "{section}: {error}");
        }
    }

    proptest! {
        /// Whatever a contact holds, either the config is refused or the
        /// file it writes has exactly one `Expires` and no line the parser
        /// cannot read: no value can inject a field.
        #[test]
        fn fuzz_values_cannot_inject_fields(value in "\\PC{0,20}|[a-z:/@.\r\n\u{85}\u{2028} -]{0,30}") {
            let section = format!("  contact: [{}]\n", serde_json::to_string(&value).unwrap());
            if let Ok(config) = config(&section) {
                let security = &config.security_txt.as_ref().unwrap().value;
                let text = security.render(&config.base_url, 0).unwrap();
                let parsed = parse(&text);
                prop_assert_eq!(parsed.fields.iter().filter(|f| f.is("Expires")).count(), 1);
                prop_assert_eq!(parsed.fields.iter().filter(|f| f.is("Contact")).count(), 1);
                prop_assert!(parsed.malformed.is_empty());
            }
        }
    }
}
