//! The site config, `site.yaml` at the site root. Unknown keys are errors so
//! that a misspelt setting never silently falls back to a default.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, SourceSpot};
use crate::yaml::{is_linked_or_outside, yaml_error_parts};

/// Name of the site config file inside a site folder.
pub const SITE_CONFIG_FILE: &str = "site.yaml";

/// Admin prefixes used when `site.yaml` names none.
pub const DEFAULT_ADMIN_PREFIXES: [&str; 3] = ["console", "dashboard", "admin"];

/// The parsed `site.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// Site name shown in titles and headers.
    pub name: String,
    /// Origin the site is served from, e.g. `https://baystore.example`.
    pub base_url: String,
    /// Address of the `mailto:` fallback next to every form.
    pub contact_email: String,
    /// Language of the pages (`<html lang>`).
    #[serde(default = "default_language")]
    pub language: String,
    /// First URL segments that mark an admin surface.
    #[serde(default = "default_admin_prefixes")]
    pub admin_prefixes: Vec<String>,
    /// Revision of the consent text; a new revision asks visitors again.
    #[serde(default = "default_consent_revision")]
    pub consent_revision: u32,
    /// First-party analytics settings.
    #[serde(default)]
    pub analytics: AnalyticsConfig,
    /// Evidence register for certification claims, relative to `site.yaml`.
    #[serde(default)]
    pub evidence_register: Option<PathBuf>,
    /// Settings for the validator run after each build.
    #[serde(default)]
    pub validator: Option<bundle_validator::Config>,
    /// How content file names become URL segments.
    #[serde(default)]
    pub slugify: crate::content::Slugify,
    /// Whether the site has an Atom feed of all its dated pages at `/atom.xml`.
    #[serde(default, deserialize_with = "crate::content::strict::boolean")]
    pub feed: bool,
    /// Free-form values for templates (`site.extra`).
    #[serde(default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// The share image and handles for Open Graph, Twitter cards and
    /// JSON-LD.
    #[serde(default)]
    pub social: Option<crate::social::SocialConfig>,
    /// Redirect rules for `_redirects`, beside the pages' `aliases`.
    #[serde(default)]
    pub redirects: Vec<crate::redirects::RedirectConfig>,
    /// What `/.well-known/security.txt` says; without it no file is written.
    #[serde(default)]
    pub security_txt: Option<serde_saphyr::Spanned<crate::security_txt::SecurityTxtConfig>>,
}

/// Consent-gated analytics settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsConfig {
    /// Whether templates include the consent loader at all. A quoted
    /// `"false"` is an error, not a guess.
    #[serde(default, deserialize_with = "crate::content::strict::boolean")]
    pub enabled: bool,
    /// Unfingerprinted site path of the analytics script.
    #[serde(default = "default_analytics_script")]
    pub script: String,
    /// Same-origin endpoint the page-view beacon posts to.
    #[serde(default = "default_analytics_endpoint")]
    pub endpoint: String,
}

impl Default for AnalyticsConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            script: default_analytics_script(),
            endpoint: default_analytics_endpoint(),
        }
    }
}

fn default_language() -> String {
    "en".to_string()
}

fn default_admin_prefixes() -> Vec<String> {
    DEFAULT_ADMIN_PREFIXES
        .iter()
        .map(|p| p.to_string())
        .collect()
}

fn default_consent_revision() -> u32 {
    1
}

fn default_analytics_script() -> String {
    "/js/analytics.js".to_string()
}

fn default_analytics_endpoint() -> String {
    "/a/event".to_string()
}

impl SiteConfig {
    /// Reads and checks `site.yaml` in `site_dir`.
    pub fn load(site_dir: &Path) -> Result<Self, Error> {
        let path = site_dir.join(SITE_CONFIG_FILE);
        let text = std::fs::read_to_string(&path)
            .map_err(|source| Error::io("cannot read site config", &path, source))?;
        Self::parse_quoting(&text, !is_linked_or_outside(site_dir, &path))
    }

    /// Parses the text of `site.yaml`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        Self::parse_quoting(text, true)
    }

    /// Parses the text of `site.yaml`; errors quote it only when `quote`
    /// is set, that is when the file is the site's own rather than reached
    /// through a symbolic link.
    fn parse_quoting(text: &str, quote: bool) -> Result<Self, Error> {
        let mut config: SiteConfig = serde_saphyr::from_str(text).map_err(|error| {
            let (message, line, column) = yaml_error_parts(&error);
            let spot = SourceSpot {
                file: SITE_CONFIG_FILE.to_string(),
                line,
                column,
            };
            if quote {
                Error::SiteConfig { spot, message }
            } else {
                Error::WithheldYaml {
                    spot,
                    what: "site config",
                }
            }
        })?;
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        if !config.base_url.starts_with("https://") && !config.base_url.starts_with("http://") {
            let shown = if quote {
                format!("base_url `{}`", config.base_url)
            } else {
                "base_url".to_string()
            };
            return Err(Error::SiteConfig {
                spot: SourceSpot::file(SITE_CONFIG_FILE),
                message: format!("{shown} must be an absolute http(s) origin"),
            });
        }
        for prefix in &mut config.admin_prefixes {
            *prefix = prefix.trim_matches('/').to_ascii_lowercase();
        }
        if let Some(section) = &config.security_txt {
            let spot = crate::security_txt::spot_of(section);
            let errors = section.value.check(&spot);
            if !errors.is_empty() {
                // A file reached through a link is not quoted.
                if !quote {
                    return Err(Error::WithheldYaml {
                        spot,
                        what: "site config",
                    });
                }
                return Err(Error::from_list(errors));
            }
        }
        Ok(config)
    }

    /// Whether a URL path's first segment is one of the admin prefixes.
    pub fn is_admin_path(&self, url: &str) -> bool {
        let first = url
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        self.admin_prefixes
            .iter()
            .any(|prefix| prefix.eq_ignore_ascii_case(first))
    }

    /// The validator config for this site: the `validator:` section, with
    /// the site origin, admin prefixes and evidence register filled in from
    /// the rest of the site config when the section leaves them out.
    pub fn validator_config(&self, site_dir: &Path) -> bundle_validator::Config {
        let mut config = self.validator.clone().unwrap_or_default();
        if config.site_origin.is_none() {
            config.site_origin = Some(self.base_url.clone());
        }
        if config.admin_prefixes.is_none() {
            config.admin_prefixes = Some(self.admin_prefixes.clone());
        }
        if config.evidence_register.is_none() {
            config.evidence_register = self.evidence_register.clone();
        }
        if let Some(register) = &config.evidence_register
            && register.is_relative()
        {
            config.evidence_register = Some(site_dir.join(register));
        }
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_optional_keys() {
        let config = SiteConfig::parse(
            "name: S\nbase_url: https://s.example/\ncontact_email: a@s.example\n",
        )
        .unwrap();
        assert_eq!(config.base_url, "https://s.example");
        assert_eq!(config.admin_prefixes, ["console", "dashboard", "admin"]);
        assert!(!config.analytics.enabled);
        assert!(config.is_admin_path("/Console/login/"));
        assert!(!config.is_admin_path("/consoles/"));
    }

    #[test]
    fn unknown_key_names_line() {
        let error = SiteConfig::parse(
            "name: S\nbase_url: https://s.example\ncontact_email: a@s.example\ncolour: red\n",
        )
        .unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("site.yaml:4:1: "), "{text}");
        assert!(text.contains("colour"), "{text}");
    }

    #[test]
    fn switches_are_plain_booleans_and_extra_is_free() {
        for (text, line) in [
            ("feed: \"true\"\n", 4),
            ("analytics: {enabled: 'false'}\n", 4),
        ] {
            let error = SiteConfig::parse(&format!(
                "name: S\nbase_url: https://s.example\ncontact_email: a@s.example\n{text}"
            ))
            .unwrap_err()
            .to_string();
            assert!(error.starts_with(&format!("site.yaml:{line}:")), "{error}");
            assert!(
                error.contains("`true` or `false` without quotes"),
                "{error}"
            );
        }
        let config = SiteConfig::parse(
            "name: S\nbase_url: https://s.example\ncontact_email: a@s.example\nfeed: true\nslugify: safe\nextra: {a: [1]}\n",
        )
        .unwrap();
        assert!(config.feed);
        assert_eq!(config.slugify, crate::content::Slugify::Safe);
        assert_eq!(config.extra["a"], serde_json::json!([1]));
    }

    #[test]
    fn validator_config_inherits_site_values() {
        let config = SiteConfig::parse(
            "name: S\nbase_url: https://s.example\ncontact_email: a@s.example\nadmin_prefixes: [ops]\nevidence_register: evidence.yaml\n",
        )
        .unwrap();
        let validator = config.validator_config(Path::new("site"));
        assert_eq!(validator.site_origin.as_deref(), Some("https://s.example"));
        assert_eq!(validator.admin_prefixes, Some(vec!["ops".to_string()]));
        assert_eq!(
            validator.evidence_register,
            Some(Path::new("site").join("evidence.yaml"))
        );
    }
}
