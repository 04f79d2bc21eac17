//! Validator configuration: the same YAML as the `validator:` section of the
//! site config. Every key is optional; unknown keys are errors.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path} cannot be read")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path} is invalid: {message}")]
    Parse { path: PathBuf, message: String },
}

/// What a check needs to know about the site beyond the bundle itself.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The site's own origin, e.g. `https://www.baystore.example`. Without
    /// it the origin is taken from `sitemap.xml` or canonical links.
    pub site_origin: Option<String>,
    /// First path segments that mark an admin surface. Default:
    /// `console`, `dashboard`, `admin`.
    pub admin_prefixes: Option<Vec<String>>,
    /// First host labels that mark an admin host. Default: the same words.
    pub admin_hosts: Option<Vec<String>>,
    /// Extra origins whose subresources and form actions are allowed.
    pub allowed_origins: Vec<String>,
    /// Path to the evidence register (YAML) listing approved certification
    /// claims. Relative paths resolve against the config file's folder.
    pub evidence_register: Option<PathBuf>,
}

impl Config {
    /// Reads a config file; relative paths inside it resolve against its folder.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config: Config = serde_saphyr::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        if let (Some(register), Some(folder)) = (&config.evidence_register, path.parent())
            && register.is_relative()
        {
            config.evidence_register = Some(folder.join(register));
        }
        Ok(config)
    }
}
