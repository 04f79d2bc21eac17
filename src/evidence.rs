//! The evidence a build publishes about itself: the manifest at
//! `evidence.manifest` (`/security/evidence.json` by default), whose types
//! are the validator's ([`bundle_validator::evidence`]), built here from
//! the bundle in the staging folder and the validator's report.
//!
//! The manifest is written before the check that passes the bundle, so
//! that the check judges it like any file and what it counts includes it;
//! see [`crate::bundle`] for the order of the passes.

use std::path::{Path, PathBuf};

use bundle_validator::Outcome;
use bundle_validator::evidence::{
    FORMAT, FileDigest, Manifest, PromiseEvidence, Tool, bundle_digest, headers_rules,
    redirects_rules, sha256_hex,
};
use rayon::prelude::*;
use serde::Deserialize;

use crate::error::Error;

/// Where the manifest is published when `site.yaml` does not say.
pub const DEFAULT_MANIFEST: &str = "/security/evidence.json";

/// The environment variables a build reads the source commit from, in
/// order: the toolkit's own, then the one GitHub Actions sets.
pub const COMMIT_VARIABLES: [&str; 2] = ["BAYSTORE_SOURCE_COMMIT", "GITHUB_SHA"];

/// The most checks a build runs to settle its evidence: the first, and
/// those of the bundle holding the manifest, until two agree.
pub const MAX_CHECKS: usize = 3;

/// Why a build's evidence cannot be published.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// Each check of the bundle holding the manifest measured something
    /// else, so no manifest states what the final check measured.
    #[error(
        "the evidence did not settle: {checks} checks of the bundle measured different coverage, so no manifest can state what the final check measured"
    )]
    Unsettled { checks: usize },
    /// A promise names a rule category that examined nothing (or failed):
    /// the page would claim a check that did not run.
    #[error(
        "promise `{id}` cannot be published: its rule categories {} did not pass with at least one file or route examined in this bundle, so the page would claim a check that did not run (the bundle must hold what they judge, and `validator.rules` and `validator.ignore` in site.yaml must leave them something to examine)", .rules.join(", ")
    )]
    Unproven { id: String, rules: Vec<String> },
    /// A promise's outcome differs between the check of the bundle and the
    /// check of the bundle that shows its evidence.
    #[error(
        "promise `{id}` was `{before}` in the first check of the bundle and `{after}` in the check of the bundle showing its evidence; the security page would not state what was checked"
    )]
    OutcomeChanged {
        id: String,
        before: &'static str,
        after: &'static str,
    },
    /// A page renders the promises, but the site names no promises file.
    #[error(
        "{page} calls the `promises` shortcode, but `evidence.promises` in site.yaml names no promises file"
    )]
    NoPromises { page: String },
    /// The check of the bundle holding the manifest read other bytes than
    /// the manifest lists.
    #[error(
        "the bundle changed while it was checked: the check read files whose digests differ from those the evidence manifest lists, so the manifest would not state what was judged"
    )]
    ChangedWhileChecked,
}

/// The evidence of every promise, from a check's coverage.
pub fn promise_evidence(
    promises: &[crate::promises::Promise],
    coverage: &[bundle_validator::CategoryCoverage],
) -> Vec<PromiseEvidence> {
    promises
        .iter()
        .map(|p| {
            PromiseEvidence::from_coverage(&p.id, &p.promise, &p.rules, &p.also_proven_by, coverage)
        })
        .collect()
}

/// Fails on the first promise whose rules did not all run and pass: the
/// page must never show a check that did not run.
pub fn require_proven(evidence: &[PromiseEvidence]) -> Result<(), EvidenceError> {
    for promise in evidence {
        if promise.outcome == Outcome::Pass {
            continue;
        }
        let rules: Vec<String> = promise
            .rules
            .iter()
            .filter(|r| r.outcome != Outcome::Pass)
            .map(|r| format!("`{}`", r.category))
            .collect();
        return Err(EvidenceError::Unproven {
            id: promise.id.clone(),
            rules,
        });
    }
    Ok(())
}

/// Fails on the first promise whose outcome differs between two checks.
pub fn require_same_outcomes(
    before: &[PromiseEvidence],
    after: &[PromiseEvidence],
) -> Result<(), EvidenceError> {
    for (a, b) in before.iter().zip(after) {
        if a.outcome != b.outcome {
            return Err(EvidenceError::OutcomeChanged {
                id: a.id.clone(),
                before: a.outcome.as_str(),
                after: b.outcome.as_str(),
            });
        }
    }
    Ok(())
}

/// What the `promises` shortcode is given as `evidence`. Before the first
/// check (`verified` false) it holds the promises without numbers; that
/// render is checked but never published, since the pages are rendered
/// again with the check's numbers.
pub fn page_evidence(
    promises: &[crate::promises::Promise],
    checked: Option<(&[PromiseEvidence], &str)>,
    build_time: jiff::Timestamp,
    manifest_path: &str,
) -> serde_json::Value {
    use serde_json::json;
    let rows: Vec<serde_json::Value> = promises
        .iter()
        .enumerate()
        .map(|(index, promise)| {
            let proof = checked.and_then(|(evidence, _)| evidence.get(index));
            let rules: Vec<serde_json::Value> = promise
                .rules
                .iter()
                .enumerate()
                .map(|(at, category)| {
                    let rule = proof.and_then(|p| p.rules.get(at));
                    json!({
                        "category": category,
                        "files": rule.map(|r| r.files),
                        "routes": rule.map(|r| r.routes),
                        "outcome": rule.map(|r| r.outcome.as_str()),
                    })
                })
                .collect();
            json!({
                "id": promise.id,
                "promise": promise.promise,
                "kept_by": promise.kept_by,
                "also_proven_by": promise.also_proven_by,
                "rules": rules,
                "outcome": proof.map(|p| p.outcome.as_str()),
            })
        })
        .collect();
    json!({
        "verified": checked.is_some(),
        "build_date": build_time.strftime("%Y-%m-%d").to_string(),
        "build_time": whole_seconds(build_time).to_string(),
        "bundle_digest": checked.map(|(_, digest)| digest),
        "manifest": format!("/{manifest_path}"),
        "promises": rows,
    })
}

/// The `evidence:` section of `site.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceConfig {
    /// The site path the manifest is published at.
    #[serde(default = "default_manifest", deserialize_with = "manifest_path")]
    pub manifest: String,
    /// The promises file, relative to `site.yaml`; without it the site
    /// publishes no promises.
    #[serde(default)]
    pub promises: Option<PathBuf>,
}

impl Default for EvidenceConfig {
    fn default() -> Self {
        Self {
            manifest: default_manifest(),
            promises: None,
        }
    }
}

impl EvidenceConfig {
    /// The manifest's path in the bundle (without the leading `/`).
    pub fn bundle_path(&self) -> &str {
        self.manifest.trim_start_matches('/')
    }
}

fn default_manifest() -> String {
    DEFAULT_MANIFEST.to_string()
}

/// Reads `evidence.manifest`: a site path of plain segments (letters,
/// digits, `.`, `-`, `_`), ending in `.json`, outside the fingerprinted
/// `assets/` folder and the host's reserved names.
fn manifest_path<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let path = String::deserialize(deserializer)?;
    manifest_path_problem(&path).map_or(Ok(path), |problem| Err(serde::de::Error::custom(problem)))
}

/// What is wrong with `path` as the manifest's site path, if anything.
pub fn manifest_path_problem(path: &str) -> Option<String> {
    let shown = crate::source_text::escape(path);
    let Some(relative) = path.strip_prefix('/') else {
        return Some(format!(
            "evidence manifest `{shown}` must be a site path starting with `/`"
        ));
    };
    let plain = |segment: &str| {
        !segment.is_empty()
            && segment != "."
            && segment != ".."
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    };
    if !relative.split('/').all(plain) {
        return Some(format!(
            "evidence manifest `{shown}` must be made of plain segments (letters, digits, `.`, `-`, `_`)"
        ));
    }
    if !relative.ends_with(".json") {
        return Some(format!("evidence manifest `{shown}` must end in `.json`"));
    }
    let first = relative.split('/').next().unwrap_or_default();
    if crate::content::RESERVED_ROOT_NAMES
        .iter()
        .any(|name| name.eq_ignore_ascii_case(first))
    {
        return Some(format!(
            "evidence manifest `{shown}` may not be under `{first}`, which the generator or the host reserves"
        ));
    }
    crate::content::bundle_path_problem(relative)
        .map(|problem| format!("evidence manifest `{shown}`: {problem}"))
}

/// The commit of the site's sources, when the build can tell without
/// running a program: `BAYSTORE_SOURCE_COMMIT`, else `GITHUB_SHA`, else the
/// `HEAD` of the Git repository holding the site folder. Anything that is
/// not a full hexadecimal object id counts as unknown, never as an error.
pub fn source_commit(site_dir: &Path, var: impl Fn(&str) -> Option<String>) -> Option<String> {
    COMMIT_VARIABLES
        .iter()
        .find_map(|name| var(name).and_then(|value| object_id(value.trim())))
        .or_else(|| git_head(site_dir))
}

/// `text` as a lowercase Git object id (SHA-1 or SHA-256), if it is one.
fn object_id(text: &str) -> Option<String> {
    ((text.len() == 40 || text.len() == 64) && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| text.to_ascii_lowercase())
}

/// The most a Git metadata file is read: `HEAD`, a ref or `packed-refs`
/// of a repository with very many tags.
const MAX_GIT_FILE_BYTES: u64 = 4 * 1024 * 1024;

fn read_small(path: &Path) -> Option<String> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut text = String::new();
    file.take(MAX_GIT_FILE_BYTES)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// The commit `HEAD` names in the repository at or above `site_dir`: a
/// detached `HEAD`, or the branch it names, read from the loose ref or
/// `packed-refs`. A worktree's `.git` file points at its own folder, which
/// holds `HEAD`, and at the common folder, which holds the refs.
fn git_head(site_dir: &Path) -> Option<String> {
    let start = std::fs::canonicalize(site_dir).ok()?;
    let dot_git = start
        .ancestors()
        .map(|dir| dir.join(".git"))
        .find(|candidate| candidate.exists())?;
    let git_dir = if dot_git.is_dir() {
        dot_git
    } else {
        let text = read_small(&dot_git)?;
        let target = text.lines().next()?.strip_prefix("gitdir:")?.trim();
        let target = PathBuf::from(target);
        if target.is_absolute() {
            target
        } else {
            dot_git.parent()?.join(target)
        }
    };
    let common = read_small(&git_dir.join("commondir"))
        .map(|text| {
            let named = PathBuf::from(text.trim());
            if named.is_absolute() {
                named
            } else {
                git_dir.join(named)
            }
        })
        .unwrap_or_else(|| git_dir.clone());
    let head = read_small(&git_dir.join("HEAD"))?;
    let head = head.trim();
    let Some(reference) = head.strip_prefix("ref:") else {
        return object_id(head);
    };
    let reference = reference.trim();
    // A ref names a file under the Git folder; anything that could climb
    // out of it is not one.
    if !reference.starts_with("refs/")
        || reference
            .split('/')
            .any(|segment| segment.is_empty() || segment == "..")
    {
        return None;
    }
    for dir in [&git_dir, &common] {
        if let Some(text) = read_small(&dir.join(reference)) {
            return object_id(text.trim());
        }
    }
    let packed = read_small(&common.join("packed-refs"))?;
    packed.lines().find_map(|line| {
        let (id, name) = line.split_once(' ')?;
        (name.trim() == reference).then(|| object_id(id)).flatten()
    })
}

/// The digests of a bundle's files known from its last good build, and
/// the files rewritten in place since: a build that rewrote a few files of
/// a bundle reads only those again (see [`crate::rebuild`]).
pub struct KnownDigests<'a> {
    /// Every file of the last good build, as its manifest lists them.
    pub files: &'a [FileDigest],
    /// Bundle paths of the files written since.
    pub rewritten: &'a std::collections::HashSet<String>,
}

/// The most files one parallel task digests in a row, so that no thread is
/// left alone with a long run of files at the end.
const FILES_PER_TASK: usize = 32;

/// The SHA-256 and size of every file under `dir`, sorted by path, with
/// the manifest at `manifest` listed without either. The staging folder
/// holds only what the build wrote: regular files and folders. With
/// `known`, the files are those of the last good build and only the
/// rewritten ones are read.
///
/// A bundle is thousands of small files in as many folders, so both the
/// listing and the reading run on every thread: done one file after the
/// other, this was the longest stretch of a build with one core idle.
pub fn digest_files(
    dir: &Path,
    manifest: &str,
    known: Option<&KnownDigests<'_>>,
) -> Result<Vec<FileDigest>, Error> {
    if let Some(known) = known {
        return known
            .files
            .par_iter()
            .with_max_len(FILES_PER_TASK)
            .map(|file| {
                if file.path == manifest || !known.rewritten.contains(&file.path) {
                    Ok(file.clone())
                } else {
                    digest_file(dir, file.path.clone())
                }
            })
            .collect();
    }
    let listed = list_files(dir, "")?;
    let files: Vec<FileDigest> = listed
        .into_par_iter()
        .with_max_len(FILES_PER_TASK)
        .map(|relative| {
            if relative == manifest {
                return Ok(FileDigest {
                    path: relative,
                    sha256: None,
                    bytes: None,
                });
            }
            digest_file(dir, relative)
        })
        .collect::<Result<_, Error>>()?;
    Ok(listing_the_manifest(files, manifest))
}

/// The files of a bundle as the check that judged it read them (see
/// [`bundle_validator::check_digesting`]), sorted by path, with the
/// manifest at `manifest` listed without digest or size. The staging
/// folder holds only regular files and folders; anything else in it, or
/// a file the check could not read, fails the build rather than leaving
/// the manifest short of a file.
pub fn files_as_read(
    read: bundle_validator::ReadDigests,
    manifest: &str,
) -> Result<Vec<FileDigest>, Error> {
    if let Some(entry) = read.not_files.first() {
        return Err(Error::ValidatorRead(std::io::Error::other(format!(
            "the new bundle holds {entry}, which is not a regular file, so it has no digest"
        ))));
    }
    let mut files = read.files;
    for file in &mut files {
        if file.path == manifest {
            file.sha256 = None;
            file.bytes = None;
        } else if file.sha256.is_none() || file.bytes.is_none() {
            return Err(Error::ValidatorRead(std::io::Error::other(format!(
                "{} could not be read for its digest",
                file.path
            ))));
        }
    }
    Ok(listing_the_manifest(files, manifest))
}

/// `files` sorted by path, with the manifest at `manifest` listed (without
/// digest or size) even when the bundle did not hold it yet.
fn listing_the_manifest(mut files: Vec<FileDigest>, manifest: &str) -> Vec<FileDigest> {
    if !files.iter().any(|file| file.path == manifest) {
        files.push(FileDigest {
            path: manifest.to_string(),
            sha256: None,
            bytes: None,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// The digest of the file at bundle path `relative` of `dir`.
fn digest_file(dir: &Path, relative: String) -> Result<FileDigest, Error> {
    let bytes = std::fs::read(dir.join(&relative)).map_err(|source| {
        Error::ValidatorRead(std::io::Error::new(
            source.kind(),
            format!("{relative} could not be read for its digest"),
        ))
    })?;
    Ok(FileDigest {
        sha256: Some(sha256_hex(&bytes)),
        bytes: Some(bytes.len() as u64),
        path: relative,
    })
}

/// The bundle path (`/`-separated, from `prefix`) of every entry under
/// `folder` that is not a folder, its subfolders listed in parallel.
/// Links are not followed: a link is listed as what it is, not as the
/// folder it may point to.
fn list_files(folder: &Path, prefix: &str) -> Result<Vec<String>, Error> {
    let unlistable = |error: std::io::Error| {
        Error::ValidatorRead(std::io::Error::other(format!(
            "the new bundle could not be listed for its evidence manifest ({error})"
        )))
    };
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(unlistable)? {
        let entry = entry.map_err(unlistable)?;
        let name = entry.file_name().into_string().map_err(|_| {
            Error::ValidatorRead(std::io::Error::other(
                "the new bundle holds a file name that is not UTF-8",
            ))
        })?;
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if entry.file_type().map_err(unlistable)?.is_dir() {
            folders.push((entry.path(), relative));
        } else {
            files.push(relative);
        }
    }
    let nested = folders
        .par_iter()
        .map(|(path, relative)| list_files(path, relative))
        .collect::<Result<Vec<_>, Error>>()?;
    files.extend(nested.into_iter().flatten());
    Ok(files)
}

/// What a manifest is made of besides the bundle's files.
pub struct ManifestParts<'a> {
    /// The bundle's files, from [`digest_files`].
    pub files: Vec<FileDigest>,
    pub build_time: jiff::Timestamp,
    pub source_commit: Option<String>,
    pub coverage: &'a [bundle_validator::CategoryCoverage],
    pub promises: Vec<PromiseEvidence>,
    /// The bundle paths of the pages that show the evidence.
    pub evidence_pages: &'a [String],
}

/// The manifest of the bundle in `dir` whose files are `parts.files`.
pub fn manifest(dir: &Path, parts: ManifestParts<'_>) -> Result<Manifest, Error> {
    let files = parts.files;
    let rules_of = |name: &str, digest: fn(&str, &[u8]) -> _| {
        files
            .iter()
            .any(|f| f.path == name)
            .then(|| std::fs::read(dir.join(name)).ok().map(|b| digest(name, &b)))
            .flatten()
    };
    let headers = rules_of(crate::bundle::HEADERS_FILE, headers_rules);
    let redirects = rules_of(crate::redirects::REDIRECTS_FILE, redirects_rules);
    Ok(Manifest {
        format: FORMAT,
        generator: Tool {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        validator: Tool::validator(),
        build_time: whole_seconds(parts.build_time).to_string(),
        source_commit: parts.source_commit,
        bundle_digest: bundle_digest(&files, parts.evidence_pages),
        evidence_pages: parts.evidence_pages.to_vec(),
        files,
        headers,
        redirects,
        rules: parts.coverage.to_vec(),
        promises: parts.promises,
    })
}

/// The build time without its fraction of a second, as the manifest and
/// the page state it: the clock's nanoseconds say nothing about a build.
fn whole_seconds(time: jiff::Timestamp) -> jiff::Timestamp {
    jiff::Timestamp::from_second(time.as_second()).unwrap_or(time)
}

/// Writes `manifest` at `path` of the bundle in `dir`, as pretty JSON.
pub fn write(dir: &Path, path: &str, manifest: &Manifest) -> Result<(), Error> {
    let mut text = serde_json::to_string_pretty(manifest).map_err(|error| Error::Internal {
        context: "evidence manifest".to_string(),
        message: error.to_string(),
    })?;
    text.push('\n');
    let target = dir.join(path);
    let write_error = |source| Error::BundleWrite {
        cause: "the generator".to_string(),
        output: path.to_string(),
        source,
    };
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(write_error)?;
    }
    std::fs::write(&target, text).map_err(write_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn digest(path: &str, sha256: Option<&str>) -> FileDigest {
        FileDigest {
            path: path.to_string(),
            sha256: sha256.map(str::to_string),
            bytes: sha256.map(|_| 3),
        }
    }

    #[test]
    fn files_as_read_list_the_manifest_without_digest_and_sort_by_path() {
        let read = bundle_validator::ReadDigests {
            files: vec![
                digest("z.html", Some("aa")),
                digest("security/evidence.json", Some("bb")),
                digest("a.css", Some("cc")),
            ],
            not_files: Vec::new(),
        };
        let files = files_as_read(read, "security/evidence.json").unwrap();
        assert_eq!(
            files,
            [
                digest("a.css", Some("cc")),
                digest("security/evidence.json", None),
                digest("z.html", Some("aa")),
            ]
        );
        // A manifest the check did not see is still listed.
        let read = bundle_validator::ReadDigests {
            files: vec![digest("a.css", Some("cc"))],
            not_files: Vec::new(),
        };
        let files = files_as_read(read, "evidence.json").unwrap();
        assert_eq!(files[1], digest("evidence.json", None));
    }

    #[test]
    fn a_file_without_digest_or_an_entry_that_is_no_file_fails() {
        let unread = bundle_validator::ReadDigests {
            files: vec![digest("a.css", None)],
            not_files: Vec::new(),
        };
        let said = |error: Error| {
            let source = std::error::Error::source(&error).map(ToString::to_string);
            format!("{error}: {}", source.unwrap_or_default())
        };
        let error = said(files_as_read(unread, "evidence.json").unwrap_err());
        assert!(
            error.contains("a.css could not be read for its digest"),
            "{error}"
        );
        let linked = bundle_validator::ReadDigests {
            files: vec![digest("a.css", Some("cc"))],
            not_files: vec!["link.html".to_string()],
        };
        let error = said(files_as_read(linked, "evidence.json").unwrap_err());
        assert!(
            error.contains("link.html, which is not a regular file"),
            "{error}"
        );
    }

    #[test]
    fn manifest_paths_are_plain_json_site_paths() {
        assert_eq!(manifest_path_problem("/security/evidence.json"), None);
        assert_eq!(manifest_path_problem("/evidence.json"), None);
        for bad in [
            "security/evidence.json",
            "/security//evidence.json",
            "/security/../evidence.json",
            "/security/./evidence.json",
            "/security/evidence.txt",
            "/assets/evidence.json",
            "/ASSETS/evidence.json",
            "/_headers/evidence.json",
            "/security/evi dence.json",
            "/security\\evidence.json",
            "/sécurité/evidence.json",
            "/",
        ] {
            assert!(manifest_path_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn a_commit_comes_from_the_environment_first_and_must_be_an_object_id() {
        let dir = tempfile::tempdir().unwrap();
        let id = "0123456789abcdef0123456789abcdef01234567";
        let env = |name: &str| (name == "GITHUB_SHA").then(|| id.to_uppercase());
        assert_eq!(source_commit(dir.path(), env), Some(id.to_string()));
        let junk = |_: &str| Some("main; rm -rf /".to_string());
        // Not an id, and no repository above a fresh temporary folder
        // (unless the temporary folder is inside one).
        let found = source_commit(dir.path(), junk);
        assert!(found.is_none_or(|f| f.len() == 40 || f.len() == 64));
    }

    #[test]
    fn head_is_read_through_branches_packed_refs_and_worktree_links() {
        let id = "89abcdef0123456789abcdef0123456789abcdef";
        let none = |_: &str| None;
        // A branch in a loose ref.
        let repo = tempfile::tempdir().unwrap();
        let git = repo.path().join(".git");
        std::fs::create_dir_all(git.join("refs/heads")).unwrap();
        std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::write(git.join("refs/heads/main"), format!("{id}\n")).unwrap();
        let site = repo.path().join("site");
        std::fs::create_dir(&site).unwrap();
        assert_eq!(source_commit(&site, none), Some(id.to_string()));
        // The same branch packed.
        std::fs::remove_file(git.join("refs/heads/main")).unwrap();
        std::fs::write(
            git.join("packed-refs"),
            format!("# pack-refs with: peeled\n{id} refs/heads/main\n"),
        )
        .unwrap();
        assert_eq!(source_commit(&site, none), Some(id.to_string()));
        // A worktree: `.git` is a file naming its folder, which names the
        // common folder.
        let worktree = tempfile::tempdir().unwrap();
        let own = git.join("worktrees/wt");
        std::fs::create_dir_all(&own).unwrap();
        std::fs::write(own.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::write(own.join("commondir"), "../..\n").unwrap();
        std::fs::write(
            worktree.path().join(".git"),
            format!("gitdir: {}\n", own.display()),
        )
        .unwrap();
        assert_eq!(source_commit(worktree.path(), none), Some(id.to_string()));
        // A ref that climbs out of the Git folder is not followed.
        std::fs::write(git.join("HEAD"), "ref: refs/../../../etc/passwd\n").unwrap();
        assert_eq!(source_commit(&site, none), None);
        // A detached HEAD.
        std::fs::write(git.join("HEAD"), format!("{id}\n")).unwrap();
        assert_eq!(source_commit(&site, none), Some(id.to_string()));
    }

    #[test]
    fn every_file_is_digested_and_the_manifest_listed_without_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("security")).unwrap();
        std::fs::write(dir.path().join("index.html"), "<p>hi</p>").unwrap();
        std::fs::write(dir.path().join("security/evidence.json"), "{}").unwrap();
        let files = digest_files(dir.path(), "security/evidence.json", None).unwrap();
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["index.html", "security/evidence.json"]);
        assert_eq!(
            files[0].sha256.as_deref(),
            Some(sha256_hex(b"<p>hi</p>").as_str())
        );
        assert_eq!(files[0].bytes, Some(9));
        assert_eq!((files[1].sha256.as_ref(), files[1].bytes), (None, None));
    }

    fn coverage(
        category: &str,
        files: u64,
        outcome: Outcome,
    ) -> bundle_validator::CategoryCoverage {
        bundle_validator::CategoryCoverage {
            category: category.into(),
            files,
            routes: 0,
            errors: u64::from(outcome == Outcome::Fail),
            warnings: 0,
            suppressed: 0,
            outcome,
        }
    }

    fn promise(id: &str, rules: &[&str]) -> crate::promises::Promise {
        crate::promises::Promise {
            id: id.into(),
            promise: format!("{id} holds."),
            kept_by: "By construction.".into(),
            rules: rules.iter().map(|r| r.to_string()).collect(),
            also_proven_by: Vec::new(),
        }
    }

    #[test]
    fn promises_are_proven_only_by_rules_that_ran_and_keep_their_outcome() {
        let promises = [promise("a", &["csp"]), promise("b", &["csp", "sitemap"])];
        let ran = [
            coverage("csp", 3, Outcome::Pass),
            coverage("sitemap", 1, Outcome::Pass),
        ];
        let proven = promise_evidence(&promises, &ran);
        assert!(require_proven(&proven).is_ok());

        let idle = [
            coverage("csp", 3, Outcome::Pass),
            coverage("sitemap", 0, Outcome::NotRun),
        ];
        let unproven = promise_evidence(&promises, &idle);
        let error = require_proven(&unproven).unwrap_err().to_string();
        assert!(error.contains("promise `b`"), "{error}");
        assert!(
            error.contains("`sitemap`") && !error.contains("`csp`"),
            "{error}"
        );

        let failed = [
            coverage("csp", 3, Outcome::Fail),
            coverage("sitemap", 1, Outcome::Pass),
        ];
        let changed = promise_evidence(&promises, &failed);
        let error = require_same_outcomes(&proven, &changed)
            .unwrap_err()
            .to_string();
        assert!(error.contains("promise `a`"), "{error}");
        assert!(
            error.contains("`pass`") && error.contains("`fail`"),
            "{error}"
        );
        assert!(require_same_outcomes(&proven, &proven).is_ok());
    }

    #[test]
    fn the_page_gets_numbers_only_once_the_bundle_is_checked() {
        let promises = [promise("a", &["csp"])];
        let time: jiff::Timestamp = "2026-05-01T12:00:00.5Z".parse().unwrap();
        let pending = page_evidence(&promises, None, time, "security/evidence.json");
        assert_eq!(pending["verified"], false);
        assert_eq!(
            pending["promises"][0]["rules"][0]["files"],
            serde_json::Value::Null
        );
        assert_eq!(pending["promises"][0]["outcome"], serde_json::Value::Null);
        let proven = promise_evidence(&promises, &[coverage("csp", 3, Outcome::Pass)]);
        let shown = page_evidence(
            &promises,
            Some((&proven, "0123456789ab")),
            time,
            "security/evidence.json",
        );
        assert_eq!(shown["verified"], true);
        assert_eq!(shown["promises"][0]["rules"][0]["files"], 3);
        assert_eq!(shown["promises"][0]["outcome"], "pass");
        assert_eq!(shown["bundle_digest"], "0123456789ab");
        assert_eq!(shown["build_date"], "2026-05-01");
        assert_eq!(shown["build_time"], "2026-05-01T12:00:00Z");
        assert_eq!(shown["manifest"], "/security/evidence.json");
    }

    proptest! {
        /// Whatever a site names as its manifest path, the reader either
        /// refuses it or accepts a path that stays one plain file inside
        /// the bundle.
        #[test]
        fn accepted_manifest_paths_stay_inside_the_bundle(path in "/?([a-zA-Z0-9._ \\\\-]{0,12}/?){0,4}") {
            if manifest_path_problem(&path).is_none() {
                prop_assert!(path.starts_with('/'));
                prop_assert!(path.ends_with(".json"));
                prop_assert!(!path.split('/').skip(1).any(|s| s.is_empty() || s == ".." || s == "."));
                prop_assert!(!path.contains('\\'));
            }
        }
    }
}
