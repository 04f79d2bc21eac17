//! The `data/` folder: YAML and JSON files that templates read as
//! `data.<name>` (pricing plans, a changelog, the team).
//!
//! Data is authored text like content, so it passes the same checks: a
//! size cap before it is read, UTF-8 without control or bidirectional
//! override characters, and errors at `data/<file>:line:column`. A data
//! file reached through a symbolic link may be any file on the machine,
//! so its errors give the position and never its text. Every entry of the
//! folder must be a data file: a folder, another kind of file, a name that
//! is not a template identifier, or two files with one name
//! (`plans.yaml` and `plans.json`) is an error, so nothing an author put
//! there is silently left out. Names starting with `.` are skipped, as
//! editors and operating systems leave such files behind.

use std::io::Read as _;
use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{Error, SourceSpot};
use crate::limits::MAX_SOURCE_BYTES;
use crate::source_text;
use crate::yaml::{is_linked_or_outside, yaml_error_parts};

/// Name of the data folder inside a site folder.
pub const DATA_DIR: &str = "data";

/// Reads every file of `site_dir/data/` into a map from its name (the
/// file name without extension) to its value. A site without the folder
/// has no data. Every error is collected.
pub fn load(site_dir: &Path) -> Result<Map<String, Value>, Error> {
    let dir = site_dir.join(DATA_DIR);
    let mut data = Map::new();
    if !dir.is_dir() {
        return Ok(data);
    }
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| Error::io("cannot read data folder", &dir, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| Error::io("cannot read data folder", &dir, e))?;
    entries.sort_by_key(|entry| entry.file_name());
    let mut errors = Vec::new();
    // Which file each name came from, to name both of a pair.
    let mut sources: Vec<(String, String)> = Vec::new();
    for entry in entries {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            errors.push(Error::DataFile {
                spot: SourceSpot::file(format!(
                    "{DATA_DIR}/{}",
                    source_text::escape(&name.to_string_lossy())
                )),
                message: "its name is not valid UTF-8; rename it".to_string(),
            });
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let display = format!("{DATA_DIR}/{}", source_text::escape(name));
        match read_one(site_dir, &entry.path(), name, &display) {
            Ok((key, value)) => {
                if let Some((_, first)) = sources.iter().find(|(k, _)| *k == key) {
                    errors.push(Error::DataFile {
                        spot: SourceSpot::file(&display),
                        message: format!(
                            "{first} already provides `data.{key}`; rename or remove one of them"
                        ),
                    });
                    continue;
                }
                sources.push((key.clone(), display));
                data.insert(key, value);
            }
            Err(error) => errors.push(error),
        }
    }
    Error::collect(errors)?;
    Ok(data)
}

/// Reads one entry of the data folder into its name and value.
fn read_one(
    site_dir: &Path,
    path: &Path,
    name: &str,
    display: &str,
) -> Result<(String, Value), Error> {
    let refuse = |message: String| Error::DataFile {
        spot: SourceSpot::file(display),
        message,
    };
    let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
    if !matches!(extension, "yaml" | "yml" | "json") {
        return Err(refuse(
            "only `.yaml`, `.yml` and `.json` files are read from data/ (folders are not); \
             move it elsewhere"
                .to_string(),
        ));
    }
    if !is_identifier(stem) {
        return Err(refuse(format!(
            "`{}` cannot be used as `data.<name>` in a template: use letters, digits and `_`, \
             not starting with a digit",
            source_text::escape(stem)
        )));
    }
    let meta = std::fs::metadata(path).map_err(|e| Error::io("cannot read data file", path, e))?;
    if !meta.is_file() {
        return Err(refuse(
            "is not a regular file (a folder, FIFO, socket or device); only files are read"
                .to_string(),
        ));
    }
    let too_large = |bytes: u64| {
        refuse(format!(
            "is {bytes} bytes, over the {MAX_SOURCE_BYTES}-byte limit for a data file; split it"
        ))
    };
    if meta.len() > MAX_SOURCE_BYTES {
        return Err(too_large(meta.len()));
    }
    let handle =
        std::fs::File::open(path).map_err(|e| Error::io("cannot read data file", path, e))?;
    let mut bytes = Vec::new();
    handle
        .take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("cannot read data file", path, e))?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    let text = source_text::decode(display, bytes)
        .and_then(|text| source_text::check(display, &text).map(|()| text))
        .map_err(|(spot, problem)| Error::SourceText { spot, problem })?;
    let quote = !is_linked_or_outside(site_dir, path);
    let value = parse(display, &text, extension == "json", quote)?;
    Ok((stem.to_string(), value))
}

/// Parses the text of a data file; errors quote it only when `quote`.
pub fn parse(display: &str, text: &str, json: bool, quote: bool) -> Result<Value, Error> {
    let (message, line, column) = if json {
        match serde_json::from_str(text) {
            Ok(value) => return Ok(value),
            Err(error) => {
                let message = error.to_string();
                let message = message
                    .rsplit_once(" at line ")
                    .map_or(message.as_str(), |(m, _)| m)
                    .to_string();
                (message, Some(error.line()), Some(error.column()))
            }
        }
    } else {
        let options = serde_saphyr::options! { strict_booleans: true };
        match serde_saphyr::from_str_with_options(text, options) {
            Ok(value) => return Ok(value),
            Err(error) => yaml_error_parts(&error),
        }
    };
    let spot = SourceSpot {
        file: display.to_string(),
        line: line.filter(|&l| l > 0),
        column: column.filter(|&c| c > 0),
    };
    Err(if quote {
        Error::DataFile { spot, message }
    } else {
        Error::WithheldYaml {
            spot,
            what: "data file",
        }
    })
}

/// Whether `name` can follow `data.` in a Tera expression.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(DATA_DIR)).unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(DATA_DIR).join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn yaml_and_json_files_become_named_values() {
        let dir = site(&[
            ("pricing.yaml", "plans:\n  - name: Start\n    monthly: 0\n"),
            ("team.json", r#"[{"name": "Ana"}]"#),
            (".DS_Store", "\0"),
        ]);
        let data = load(dir.path()).unwrap();
        assert_eq!(
            Value::Object(data).to_string(),
            r#"{"pricing":{"plans":[{"monthly":0,"name":"Start"}]},"team":[{"name":"Ana"}]}"#
        );
        assert!(
            load(tempfile::tempdir().unwrap().path())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn every_problem_is_named_with_its_file() {
        let dir = site(&[
            ("plans.yaml", "a: 1\n"),
            ("plans.json", "{}"),
            ("broken.yaml", "a: [1\n"),
            ("bad.json", "{\n  \"a\": tru\n}"),
            ("notes.txt", "x"),
            ("my-team.yaml", "a: 1\n"),
            ("flag.yaml", "on: yes\nvalue: !!bool \"maybe\"\n"),
            ("ctl.yaml", "a: \"\u{202e}\"\n"),
        ]);
        std::fs::create_dir(dir.path().join("data/nested.yaml")).unwrap();
        let error = load(dir.path()).unwrap_err();
        let shown: Vec<String> = error.errors().iter().map(|e| e.to_string()).collect();
        let starts = [
            "data/bad.json:3: invalid data file: expected ident",
            "data/broken.yaml:",
            "data/ctl.yaml:1:5:",
            "data/flag.yaml:",
            "data/my-team.yaml: invalid data file: `my-team` cannot be used",
            "data/nested.yaml: invalid data file: is not a regular file",
            "data/notes.txt: invalid data file: only `.yaml`",
            "data/plans.yaml: invalid data file: data/plans.json already provides `data.plans`",
        ];
        assert_eq!(shown.len(), starts.len(), "{shown:#?}");
        for (shown, start) in shown.iter().zip(starts) {
            assert!(shown.starts_with(start), "{shown} / {start}");
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn parsing_never_panics_and_positions_stay_in_the_text(
                text in "[-a-z0-9:{}\\[\\],\"' \n]{0,60}",
                json in any::<bool>(),
            ) {
                if let Err(error) = parse("data/x.yaml", &text, json, true) {
                    for each in error.errors() {
                        if let Error::DataFile { spot, .. } = each {
                            let lines = text.split('\n').count();
                            prop_assert!(spot.line.is_none_or(|l| l >= 1 && l <= lines + 1));
                        }
                    }
                }
            }
        }
    }
}
