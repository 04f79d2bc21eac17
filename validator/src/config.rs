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
    /// The largest file, in bytes, the validator reads (and the most a
    /// compressed copy may unpack to). A larger file that is not binary by
    /// name is an error, as it cannot be checked. Default: 5 MiB.
    pub max_file_bytes: Option<u64>,
}

/// The most a config file or evidence register may hold: they are a few
/// lines of YAML, and reading a pipe or a device named by mistake must end.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

impl Config {
    /// The size cap in force.
    pub fn max_file_bytes(&self) -> u64 {
        self.max_file_bytes
            .unwrap_or(crate::bundle::DEFAULT_MAX_FILE_BYTES)
    }
}

/// Reads a small YAML file given on the command line or in a config: a
/// regular file of at most [`MAX_CONFIG_BYTES`], as UTF-8 text.
pub(crate) fn read_small_file(path: &Path) -> std::io::Result<String> {
    let bytes =
        crate::bundle::read_capped_following_links(path, MAX_CONFIG_BYTES).map_err(|error| {
            match error {
                crate::bundle::ReadError::Io(error) => error,
                other => std::io::Error::new(std::io::ErrorKind::InvalidData, other.to_string()),
            }
        })?;
    String::from_utf8(bytes).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the file is not valid UTF-8",
        )
    })
}

impl Config {
    /// Reads a config file; relative paths inside it resolve against its folder.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = read_small_file(path).map_err(|source| ConfigError::Read {
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
