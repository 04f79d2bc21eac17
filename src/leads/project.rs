//! The Worker project the leads belong to: the folder holding
//! `wrangler.toml`, and the D1 binding it declares.
//!
//! The binding name is read from the configuration rather than assumed, so
//! the tool follows the Worker if the binding is renamed; when several D1
//! databases are declared, the operator picks one with `--binding`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::leads::error::LeadsError;

/// A D1 database declared in `wrangler.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct D1Database {
    /// The binding name the Worker uses (`DB`).
    pub binding: String,
    /// The database name (`baystore-leads`), when declared.
    pub database_name: Option<String>,
}

/// The project: where wrangler runs, with which configuration and database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    /// The folder holding the configuration; wrangler runs here.
    pub root: PathBuf,
    /// The configuration file.
    pub config: PathBuf,
    /// The D1 database the leads live in.
    pub database: D1Database,
}

#[derive(Deserialize)]
struct WranglerToml {
    #[serde(default)]
    d1_databases: Vec<D1Entry>,
}

#[derive(Deserialize)]
struct D1Entry {
    binding: String,
    #[serde(default)]
    database_name: Option<String>,
}

impl Project {
    /// Reads `config` (a `wrangler.toml`) and picks the D1 database:
    /// the one bound as `binding` when given, else the only one declared.
    pub fn load(config: &Path, binding: Option<&str>) -> Result<Self, LeadsError> {
        if config.extension().and_then(|ext| ext.to_str()) != Some("toml") {
            return Err(LeadsError::ConfigFormat {
                path: config.to_owned(),
            });
        }
        let text = std::fs::read_to_string(config).map_err(|error| LeadsError::ConfigRead {
            path: config.to_owned(),
            error,
        })?;
        let database = pick_database(&text, config, binding)?;
        let config = std::path::absolute(config).map_err(|error| LeadsError::ConfigRead {
            path: config.to_owned(),
            error,
        })?;
        let root = config
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_owned);
        Ok(Self {
            root,
            config,
            database,
        })
    }
}

/// Finds the D1 database in the configuration text.
fn pick_database(text: &str, path: &Path, binding: Option<&str>) -> Result<D1Database, LeadsError> {
    let parsed: WranglerToml = toml::from_str(text).map_err(|error| LeadsError::ConfigInvalid {
        path: path.to_owned(),
        message: error.message().to_owned(),
    })?;
    let mut declared: Vec<D1Database> = parsed
        .d1_databases
        .into_iter()
        .map(|entry| D1Database {
            binding: entry.binding.trim().to_owned(),
            database_name: entry.database_name,
        })
        .filter(|database| is_binding_name(&database.binding))
        .collect();
    match binding {
        Some(wanted) => declared
            .into_iter()
            .find(|database| database.binding == wanted)
            .ok_or_else(|| LeadsError::UnknownBinding {
                path: path.to_owned(),
                binding: wanted.to_owned(),
            }),
        None if declared.len() == 1 => Ok(declared.remove(0)),
        None if declared.is_empty() => Err(LeadsError::NoBinding {
            path: path.to_owned(),
        }),
        None => Err(LeadsError::AmbiguousBinding {
            path: path.to_owned(),
            bindings: declared
                .into_iter()
                .map(|database| database.binding)
                .collect(),
        }),
    }
}

/// A binding is a JavaScript identifier; only those are passed to wrangler,
/// so the name can never be read as an option.
fn is_binding_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_' || first == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pick(text: &str, binding: Option<&str>) -> Result<D1Database, LeadsError> {
        pick_database(text, Path::new("wrangler.toml"), binding)
    }

    #[test]
    fn reads_the_shipped_configuration() {
        let text = include_str!("../../wrangler.toml");
        assert_eq!(
            pick(text, None).expect("one D1 database"),
            D1Database {
                binding: "DB".into(),
                database_name: Some("baystore-leads".into()),
            }
        );
    }

    #[test]
    fn explains_a_missing_or_ambiguous_binding() {
        assert!(matches!(
            pick("name = \"x\"\n", None),
            Err(LeadsError::NoBinding { .. })
        ));
        let two = "[[d1_databases]]\nbinding = \"A\"\n[[d1_databases]]\nbinding = \"B\"\n";
        match pick(two, None) {
            Err(LeadsError::AmbiguousBinding { bindings, .. }) => {
                assert_eq!(bindings, ["A", "B"]);
            }
            other => panic!("expected ambiguity, got {other:?}"),
        }
        assert_eq!(
            pick(two, Some("B")).ok().map(|d| d.binding),
            Some("B".to_owned())
        );
        assert!(matches!(
            pick(two, Some("C")),
            Err(LeadsError::UnknownBinding { .. })
        ));
    }

    #[test]
    fn ignores_bindings_that_could_be_read_as_options() {
        let text = "[[d1_databases]]\nbinding = \"--remote\"\n";
        assert!(matches!(
            pick(text, None),
            Err(LeadsError::NoBinding { .. })
        ));
    }

    #[test]
    fn reports_invalid_toml() {
        assert!(matches!(
            pick("[[d1_databases]\n", None),
            Err(LeadsError::ConfigInvalid { .. })
        ));
        assert!(matches!(
            pick("[[d1_databases]]\nbinding = 3\n", None),
            Err(LeadsError::ConfigInvalid { .. })
        ));
    }

    #[test]
    fn refuses_other_configuration_formats() {
        assert!(matches!(
            Project::load(Path::new("wrangler.jsonc"), None),
            Err(LeadsError::ConfigFormat { .. })
        ));
    }

    proptest! {
        #[test]
        fn any_text_is_read_or_refused_without_panicking(text in "\\PC{0,200}") {
            let _ = pick(&text, None);
        }

        #[test]
        fn picked_bindings_are_identifiers(name in "\\PC{1,20}") {
            let text = format!("[[d1_databases]]\nbinding = {}\n", toml_string(&name));
            if let Ok(database) = pick(&text, None) {
                prop_assert!(is_binding_name(&database.binding));
            }
        }
    }

    fn toml_string(value: &str) -> String {
        let mut quoted = String::from("\"");
        for c in value.chars() {
            match c {
                '"' => quoted.push_str("\\\""),
                '\\' => quoted.push_str("\\\\"),
                c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", u32::from(c))),
                c => quoted.push(c),
            }
        }
        quoted.push('"');
        quoted
    }
}
