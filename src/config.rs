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
    /// How Markdown is rendered.
    #[serde(default)]
    pub markdown: MarkdownConfig,
    /// The taxonomies pages may use; `tags` alone when the key is absent.
    #[serde(default = "default_taxonomies", deserialize_with = "taxonomies")]
    pub taxonomies: Vec<TaxonomyConfig>,
    /// How images are sized, resized and cached.
    #[serde(default)]
    pub images: crate::images::ImagesConfig,
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
    /// Where the evidence manifest is published.
    #[serde(default)]
    pub evidence: crate::evidence::EvidenceConfig,
}

/// The `markdown:` section of `site.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkdownConfig {
    /// Whether every heading ends with a `#` link to itself, with the class
    /// `heading-anchor` for the stylesheet.
    #[serde(default, deserialize_with = "crate::content::strict::boolean")]
    pub heading_anchors: bool,
}

/// One taxonomy declared in `site.yaml`, e.g. `{name: tags, paginate_by: 10}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyConfig {
    /// The name pages use under `taxonomies:` and the first URL segment
    /// of its listing pages (`/tags/`).
    #[serde(deserialize_with = "taxonomy_name")]
    pub name: String,
    /// Pages per listing page of each term; one listing page when absent.
    #[serde(default, deserialize_with = "crate::content::strict::optional_count")]
    pub paginate_by: Option<std::num::NonZeroUsize>,
    /// Whether each term has an Atom feed at `/<name>/<term>/atom.xml`.
    #[serde(default, deserialize_with = "crate::content::strict::boolean")]
    pub feed: bool,
}

fn default_taxonomies() -> Vec<TaxonomyConfig> {
    vec![TaxonomyConfig {
        name: "tags".to_string(),
        paginate_by: None,
        feed: false,
    }]
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

    /// The declared taxonomy called `name`.
    pub fn taxonomy(&self, name: &str) -> Option<&TaxonomyConfig> {
        self.taxonomies
            .iter()
            .find(|taxonomy| taxonomy.name == name)
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
        // Findings about the section's own suppressions name it by the
        // file's name, with the line the YAML parser kept.
        config.source = Some(PathBuf::from(SITE_CONFIG_FILE));
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

/// A taxonomy name becomes the first URL segment of its listing pages
/// and a key in front matter, so it must be a clean lowercase segment:
/// what `slugify: on` leaves unchanged.
fn taxonomy_name<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let name = String::deserialize(deserializer)?;
    let clean = crate::content::slugify(&name, crate::content::Slugify::On)
        .is_some_and(|slug| slug == name);
    if !clean {
        return Err(serde::de::Error::custom(format!(
            "taxonomy name `{}` must be lowercase ASCII letters and digits with single `-` \
             between them, since it becomes the URL segment of its listing pages",
            crate::source_text::escape(&name)
        )));
    }
    Ok(name)
}

/// The taxonomies, each name declared once.
fn taxonomies<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<TaxonomyConfig>, D::Error> {
    let list = Vec::<serde_saphyr::Spanned<TaxonomyConfig>>::deserialize(deserializer)?;
    for (index, taxonomy) in list.iter().enumerate() {
        if let Some(first) = list[..index]
            .iter()
            .find(|other| other.value.name == taxonomy.value.name)
        {
            return Err(serde::de::Error::custom(format!(
                "taxonomy `{}` is declared twice, on lines {} and {}",
                taxonomy.value.name,
                first.referenced.line(),
                taxonomy.referenced.line()
            )));
        }
    }
    Ok(list.into_iter().map(|taxonomy| taxonomy.value).collect())
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
        assert!(!config.markdown.heading_anchors);
        assert_eq!(config.slugify, crate::content::Slugify::Safe);
        assert_eq!(config.extra["a"], serde_json::json!([1]));
    }

    #[test]
    fn markdown_section_takes_known_keys_only() {
        let base = "name: S\nbase_url: https://s.example\ncontact_email: a@s.example\n";
        let config =
            SiteConfig::parse(&format!("{base}markdown: {{heading_anchors: true}}\n")).unwrap();
        assert!(config.markdown.heading_anchors);
        for bad in [
            "markdown: {heading_anchor: true}\n",
            "markdown: {heading_anchors: 'yes'}\n",
        ] {
            let error = SiteConfig::parse(&format!("{base}{bad}"))
                .unwrap_err()
                .to_string();
            assert!(error.starts_with("site.yaml:4:"), "{error}");
        }
    }

    #[test]
    fn taxonomies_default_to_tags_and_are_read_strictly() {
        let base = "name: S\nbase_url: https://s.example\ncontact_email: a@s.example\n";
        let config = SiteConfig::parse(base).unwrap();
        let names: Vec<&str> = config.taxonomies.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["tags"]);
        let config = SiteConfig::parse(&format!(
            "{base}taxonomies:\n  - {{name: tags, paginate_by: 10, feed: false}}\n  - name: release-notes\n    feed: true\n"
        ))
        .unwrap();
        assert_eq!(config.taxonomies.len(), 2);
        assert_eq!(
            config.taxonomy("tags").unwrap().paginate_by.unwrap().get(),
            10
        );
        assert!(config.taxonomy("release-notes").unwrap().feed);
        assert!(
            SiteConfig::parse(&format!("{base}taxonomies: []\n"))
                .unwrap()
                .taxonomies
                .is_empty()
        );
        for (yaml, line, needle) in [
            ("taxonomies: [{name: tags, colour: red}]\n", 4, "colour"),
            (
                "taxonomies: [{name: tags, feed: \"true\"}]\n",
                4,
                "without quotes",
            ),
            (
                "taxonomies: [{name: tags, paginate_by: 0}]\n",
                4,
                "at least 1",
            ),
            ("taxonomies:\n  - name: Tags\n", 5, "lowercase"),
            ("taxonomies:\n  - name: a/b\n", 5, "lowercase"),
            ("taxonomies:\n  - name: \"\"\n", 5, "lowercase"),
            (
                "taxonomies:\n  - name: tags\n  - name: tags\n",
                5,
                "declared twice, on lines 5 and 6",
            ),
        ] {
            let error = SiteConfig::parse(&format!("{base}{yaml}"))
                .unwrap_err()
                .to_string();
            assert!(
                error.starts_with(&format!("site.yaml:{line}:")),
                "{yaml:?}: {error}"
            );
            assert!(error.contains(needle), "{yaml:?}: {error}");
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Pieces of a `taxonomies:` list, well and badly formed.
        fn entry() -> impl Strategy<Value = String> {
            let name = prop_oneof![
                Just("tags".to_string()),
                Just("Tags".to_string()),
                Just("\"\"".to_string()),
                Just("a--b".to_string()),
                "[a-z0-9-]{1,6}",
                "[ -~]{0,6}".prop_map(|s| format!("{s:?}")),
            ];
            let extra = prop_oneof![
                Just(String::new()),
                Just(", paginate_by: 3".to_string()),
                Just(", paginate_by: 0".to_string()),
                Just(", paginate_by: \"3\"".to_string()),
                Just(", feed: true".to_string()),
                Just(", feed: yes".to_string()),
                Just(", colour: red".to_string()),
            ];
            (name, extra).prop_map(|(name, extra)| format!("  - {{name: {name}{extra}}}\n"))
        }

        proptest! {
            #[test]
            fn accepted_taxonomies_are_unique_clean_segments(
                entries in prop::collection::vec(entry(), 0..5),
            ) {
                let text = format!(
                    "name: S\nbase_url: https://s.example\ncontact_email: a@s.example\ntaxonomies:\n{}",
                    entries.concat()
                );
                match SiteConfig::parse(&text) {
                    Ok(config) => {
                        let mut names: Vec<&str> =
                            config.taxonomies.iter().map(|t| t.name.as_str()).collect();
                        for name in &names {
                            prop_assert!(!name.is_empty());
                            prop_assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
                            prop_assert!(!name.starts_with('-') && !name.ends_with('-') && !name.contains("--"));
                        }
                        let count = names.len();
                        names.sort_unstable();
                        names.dedup();
                        prop_assert_eq!(names.len(), count);
                    }
                    Err(error) => {
                        let shown = error.to_string();
                        prop_assert!(shown.starts_with("site.yaml:"), "{}", shown);
                    }
                }
            }
        }
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

    #[test]
    fn validator_suppressions_are_placed_in_site_yaml() {
        let config = SiteConfig::parse(
            "name: S
base_url: https://s.example
contact_email: a@s.example
validator:
  suppress:
    - rule: inline/script
      path: \"legacy/**\"\n      reason: old shop\n",
        )
        .unwrap();
        let validator = config.validator_config(Path::new("site"));
        assert_eq!(validator.source.as_deref(), Some(Path::new("site.yaml")));
        assert_eq!(validator.suppress[0].referenced.line(), 6);
    }
}
