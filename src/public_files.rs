//! `public/`: files published verbatim at the bundle root under their own
//! names (favicons, `.well-known/`, PDFs, `humans.txt`), for URLs that
//! must not change, so without a fingerprint.
//!
//! The folder is read as carefully as `content/`: nothing is followed
//! through a symbolic link, and a link, FIFO, socket or device is an error
//! naming it rather than a file silently left out; names with control or
//! bidirectional characters, names that are not UTF-8 and paths over the
//! filesystem limits are refused; a file over the validator's size cap
//! (which the gate could not judge) is refused before it is read. A file
//! published where the generator writes one, or where a page goes, is an
//! error naming both. Only `robots.txt` may stand in for the generated one,
//! and only when it keeps that file's guarantees ([`crate::robots`]).

use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::content::{self, Page};
use crate::error::Error;
use crate::source_text;

/// Name of the folder inside a site folder.
pub const PUBLIC_DIR: &str = "public";

/// Names at the bundle root the host or the generator owns: a public file
/// there (or under `assets/`) would change how the site is served.
const RESERVED: [&str; 6] = [
    "_headers",
    "_redirects",
    "_routes.json",
    "_worker.js",
    "assets",
    crate::out_dir::BUNDLE_MARK,
];

/// One file of `public/`.
#[derive(Debug, Clone)]
pub struct PublicFile {
    /// Its path in the bundle (and under `public/`), `/`-separated.
    pub path: String,
    /// Its bytes, published unchanged.
    pub bytes: Vec<u8>,
}

impl PublicFile {
    /// The file as errors name it: `public/<path>`, escaped.
    pub fn display(&self) -> String {
        display(&self.path)
    }
}

fn display(path: &str) -> String {
    format!("{PUBLIC_DIR}/{}", source_text::escape(path))
}

/// Reads every file of `public_dir` (none when it does not exist), each
/// at most `cap` bytes. Every problem is collected.
pub fn collect(public_dir: &Path, cap: u64) -> Result<Vec<PublicFile>, Vec<Error>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    match std::fs::symlink_metadata(public_dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(e) => return Err(vec![Error::io("cannot read", public_dir, e)]),
        Ok(meta) if meta.file_type().is_symlink() || !meta.is_dir() => {
            return Err(vec![Error::ContentFile {
                file: PUBLIC_DIR.to_string(),
                problem: "must be a folder, not a symbolic link or a file; links are not followed"
                    .to_string(),
            }]);
        }
        Ok(_) => {}
    }
    for entry in walkdir::WalkDir::new(public_dir)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
    {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().unwrap_or(public_dir).to_path_buf();
                errors.push(Error::io("cannot list", path, e.into()));
                continue;
            }
        };
        let relative = entry
            .path()
            .strip_prefix(public_dir)
            .unwrap_or(entry.path());
        if relative.to_str().is_none() {
            errors.push(Error::ContentFile {
                file: display(&relative.to_string_lossy()),
                problem: "its name is not valid UTF-8, so it has no URL; rename it".to_string(),
            });
            continue;
        }
        let path = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let refuse = |problem: String| Error::ContentFile {
            file: display(&path),
            problem,
        };
        if let Some(c) = path.chars().find(|&c| source_text::is_forbidden(c)) {
            errors.push(refuse(format!(
                "its name contains {}, which would reach URLs, headers and logs; rename it",
                source_text::Forbidden(c)
            )));
            continue;
        }
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        if kind.is_symlink() {
            errors.push(refuse(
                "is a symbolic link, which is not followed; copy the file itself into public/"
                    .to_string(),
            ));
            continue;
        }
        if !kind.is_file() {
            errors.push(refuse(
                "is not a regular file (a FIFO, socket or device); only files are published"
                    .to_string(),
            ));
            continue;
        }
        if let Some(problem) = content::bundle_path_problem(&path) {
            errors.push(refuse(problem));
            continue;
        }
        match read_capped(entry.path(), cap) {
            Ok(bytes) => files.push(PublicFile { path, bytes }),
            Err(problem) => errors.push(match problem {
                ReadProblem::Io(e) => Error::io("cannot read", entry.path(), e),
                ReadProblem::TooLarge(size) => refuse(format!(
                    "is {size} bytes, over the validator's {cap}-byte file cap (`validator.max_file_bytes`), so the gate could not judge it"
                )),
                ReadProblem::Replaced => refuse(
                    "changed into another file while it was read; build again".to_string(),
                ),
            }),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

enum ReadProblem {
    Io(std::io::Error),
    TooLarge(u64),
    Replaced,
}

/// Reads a file listed as regular, at most `cap` bytes. The opened file
/// must be the one listed: a file swapped for a link to another between
/// the listing and the read is refused, not followed.
fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ReadProblem> {
    let listed = std::fs::symlink_metadata(path).map_err(ReadProblem::Io)?;
    let handle = std::fs::File::open(path).map_err(ReadProblem::Io)?;
    let opened = handle.metadata().map_err(ReadProblem::Io)?;
    if !opened.is_file() || !same_file(&listed, &opened) {
        return Err(ReadProblem::Replaced);
    }
    if opened.len() > cap {
        return Err(ReadProblem::TooLarge(opened.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(opened.len()).unwrap_or(0));
    handle
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadProblem::Io)?;
    if bytes.len() as u64 > cap {
        return Err(ReadProblem::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    !a.file_type().is_symlink() && a.len() == b.len()
}

/// Writes every file into the bundle at `out_dir`.
pub fn write(out_dir: &Path, files: &[PublicFile]) -> Result<(), Error> {
    for file in files {
        let target: PathBuf = out_dir.join(&file.path);
        let failed = |e| Error::BundleWrite {
            cause: file.display(),
            output: file.path.clone(),
            source: e,
        };
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(failed)?;
        }
        std::fs::write(&target, &file.bytes).map_err(failed)?;
    }
    Ok(())
}

/// What publishes a file at a path: described only for an error.
#[derive(Clone, Copy)]
enum Owner<'a> {
    Generator(&'a str),
    Page(&'a Page),
}

impl std::fmt::Display for Owner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Owner::Generator(path) => write!(f, "the generator's own `{path}`"),
            Owner::Page(page) => write!(f, "the page of {}", page.describe()),
        }
    }
}

/// Public files published where the generator writes a file, a page goes,
/// or the host reserves a name, each error naming both; compared without
/// case, as on the filesystems the bundle is built and served from.
/// `robots.txt` is left to [`crate::robots`].
pub fn collisions(files: &[PublicFile], generated: &[String], pages: &[Page]) -> Vec<Error> {
    // Most sites publish no such file, and the maps below cover every page.
    if files.is_empty() {
        return Vec::new();
    }
    let mut owners: HashMap<String, Owner<'_>> = HashMap::new();
    for path in generated {
        owners.insert(path.to_lowercase(), Owner::Generator(path));
    }
    for page in pages {
        owners.insert(page.output.to_lowercase(), Owner::Page(page));
    }
    // Every folder an owned file needs, with that file's owner.
    let mut folders: HashMap<String, Owner<'_>> = HashMap::new();
    for (path, owner) in &owners {
        for (at, _) in path.match_indices('/') {
            folders.entry(path[..at].to_string()).or_insert(*owner);
        }
    }
    let mut errors = Vec::new();
    for file in files {
        // `robots.txt` itself may replace the generated one when it keeps
        // its guarantees; any other spelling collides with it.
        if file.path == "robots.txt" {
            continue;
        }
        let folded = file.path.to_lowercase();
        let first = folded.split('/').next().unwrap_or_default();
        let problem = if let Some(name) = RESERVED.iter().find(|name| **name == first) {
            Some(format!(
                "`{name}` at the bundle root is the host's or the generator's; publish the file under another name"
            ))
        } else if let Some(owner) = owners.get(&folded) {
            Some(format!("{owner} is published at that path too"))
        } else if let Some(owner) = folders.get(&folded) {
            Some(format!("{owner} needs a folder at that path"))
        } else {
            folded.match_indices('/').find_map(|(at, _)| {
                owners.get(&folded[..at]).map(|owner| {
                    format!(
                        "`{}` is a file, {owner}, where this file needs a folder",
                        &file.path[..at]
                    )
                })
            })
        };
        if let Some(problem) = problem {
            errors.push(Error::OutputPath {
                spot: crate::error::SourceSpot::file(file.display()),
                output: content::shorten(&file.path),
                problem,
            });
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SiteConfig;
    use crate::content::parse_page;

    fn file(path: &str) -> PublicFile {
        PublicFile {
            path: path.to_string(),
            bytes: Vec::new(),
        }
    }

    #[test]
    fn collisions_name_both() {
        let config =
            SiteConfig::parse("name: S\nbase_url: https://s.example\ncontact_email: a@s.example\n")
                .unwrap();
        let pages = vec![parse_page("about.md", "---\ntitle: A\n---\n", &config).unwrap()];
        let generated = vec![
            "sitemap.xml".to_string(),
            "robots.txt".to_string(),
            "assets/a.1234.css".to_string(),
        ];
        let files = [
            file("favicon.ico"),
            file(".well-known/security.txt"),
            file("Sitemap.xml"),
            file("about/index.html"),
            file("about"),
            file("assets/x.png"),
            file("_redirects"),
            file("sitemap.xml/x"),
            file("robots.txt"),
            file("ROBOTS.TXT"),
        ];
        let errors: Vec<String> = collisions(&files, &generated, &pages)
            .iter()
            .map(ToString::to_string)
            .collect();
        insta::assert_snapshot!(errors.join("\n"));
    }
}
