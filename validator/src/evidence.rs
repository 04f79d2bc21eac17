//! The evidence manifest a site build publishes beside its pages
//! (`/security/evidence.json` by default): what built the bundle and
//! when, the SHA-256 of every file, the digests of the `_headers` and
//! `_redirects` rules, what each rule category examined in the check that
//! passed the bundle, and which of those checks prove each promise the
//! site makes.
//!
//! The types here are the manifest's one definition: a generator writes
//! them, and a verifier reads them to compare a served site with the
//! bundle that was checked. `schemas/evidence.schema.json` in the
//! repository is the same shape as a JSON Schema.
//!
//! Digests are lowercase hexadecimal SHA-256. Paths are relative to the
//! bundle root, with `/` separators, and the file list is sorted by path
//! (byte order). The manifest lists itself with `sha256` and `bytes`
//! `null`, since it cannot hold its own digest; every other file of the
//! bundle is covered.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Outcome;
use crate::coverage::CategoryCoverage;
use crate::headers_file::HeadersFile;

/// The manifest format this module reads and writes. A reader refuses a
/// manifest of another format rather than guess at its fields.
pub const FORMAT: u32 = 1;

/// Characters of [`Manifest::bundle_digest`] shown where space is short
/// (the security page): 48 bits, enough to tell builds apart.
pub const SHORT_DIGEST_CHARS: usize = 12;

/// The whole manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: u32,
    /// The program that built the bundle.
    pub generator: Tool,
    /// The validator that checked it.
    pub validator: Tool,
    /// When the build counts as made, RFC 3339 in UTC (`SOURCE_DATE_EPOCH`
    /// when it was set, for reproducible builds).
    pub build_time: String,
    /// The commit of the site's sources, when the build could tell
    /// (40 or 64 lowercase hexadecimal digits); `null` otherwise.
    pub source_commit: Option<String>,
    /// [`bundle_digest`] of [`Manifest::files`], leaving out
    /// [`Manifest::evidence_pages`].
    pub bundle_digest: String,
    /// The pages that show this evidence (the security page): they print
    /// the bundle digest, so it cannot cover them. Their own digests are
    /// in [`Manifest::files`] like any file's.
    pub evidence_pages: Vec<String>,
    /// Every file of the bundle, sorted by path.
    pub files: Vec<FileDigest>,
    /// The `_headers` file, when the bundle has one.
    pub headers: Option<RulesDigest>,
    /// The `_redirects` file, when the bundle has one.
    pub redirects: Option<RulesDigest>,
    /// What every rule category examined in the check of the final
    /// bundle, in the validator's rule-table order.
    pub rules: Vec<CategoryCoverage>,
    /// The promises the site publishes, in the order it lists them.
    pub promises: Vec<PromiseEvidence>,
}

/// Why a manifest could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("the evidence manifest is not valid JSON of the expected shape: {0}")]
    Shape(#[from] serde_json::Error),
    #[error("the evidence manifest has format {found}; this validator reads format {FORMAT}")]
    Format { found: u32 },
}

impl Manifest {
    /// Reads a manifest, refusing unknown fields and other formats.
    pub fn parse(text: &str) -> Result<Self, ManifestError> {
        let manifest: Manifest = serde_json::from_str(text)?;
        if manifest.format != FORMAT {
            return Err(ManifestError::Format {
                found: manifest.format,
            });
        }
        Ok(manifest)
    }

    /// The first [`SHORT_DIGEST_CHARS`] characters of the bundle digest.
    pub fn short_digest(&self) -> &str {
        self.bundle_digest
            .get(..SHORT_DIGEST_CHARS)
            .unwrap_or(&self.bundle_digest)
    }
}

/// A program and its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    /// This validator.
    pub fn validator() -> Self {
        Tool {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// One file of the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDigest {
    /// Relative to the bundle root, `/`-separated.
    pub path: String,
    /// SHA-256 of the file's bytes; `null` only for the manifest itself.
    pub sha256: Option<String>,
    /// Size in bytes; `null` only for the manifest itself.
    pub bytes: Option<u64>,
}

/// A rules file (`_headers`, `_redirects`): the digest of its bytes, and
/// the digest of the rules as the host reads them, which stays the same
/// when only comments, blank lines or spacing change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesDigest {
    /// The file's path in the bundle.
    pub path: String,
    /// SHA-256 of the file's bytes.
    pub file_sha256: String,
    /// SHA-256 of the canonical JSON of the parsed rules (see
    /// [`headers_rules`] and [`redirects_rules`]).
    pub rules_sha256: String,
    /// How many rules the file holds.
    pub rules: u64,
}

/// One promise and the checks that prove it, from the final check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromiseEvidence {
    /// The promise's stable id (`no-inline-code`).
    pub id: String,
    /// The promise as the site states it.
    pub title: String,
    /// The rule categories that prove it, with what each examined.
    pub rules: Vec<RuleEvidence>,
    /// Tests outside the validator that also prove it, as text.
    pub also_proven_by: Vec<String>,
    /// `pass` when every rule passed, else `fail`, or `not-run` when a
    /// rule examined nothing (a build refuses to publish either).
    pub outcome: Outcome,
}

/// What one rule category examined for a promise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleEvidence {
    pub category: String,
    pub files: u64,
    pub routes: u64,
    pub outcome: Outcome,
}

impl PromiseEvidence {
    /// The evidence of a promise proven by `categories`, from a check's
    /// coverage. A category the coverage does not know counts as not run.
    pub fn from_coverage(
        id: &str,
        title: &str,
        categories: &[String],
        also_proven_by: &[String],
        coverage: &[CategoryCoverage],
    ) -> Self {
        let rules: Vec<RuleEvidence> = categories
            .iter()
            .map(|category| {
                coverage
                    .iter()
                    .find(|c| &c.category == category)
                    .map_or_else(
                        || RuleEvidence {
                            category: category.clone(),
                            files: 0,
                            routes: 0,
                            outcome: Outcome::NotRun,
                        },
                        |c| RuleEvidence {
                            category: category.clone(),
                            files: c.files,
                            routes: c.routes,
                            outcome: c.outcome,
                        },
                    )
            })
            .collect();
        let outcome = if rules.is_empty() || rules.iter().any(|r| r.outcome == Outcome::NotRun) {
            Outcome::NotRun
        } else if rules.iter().any(|r| r.outcome == Outcome::Fail) {
            Outcome::Fail
        } else {
            Outcome::Pass
        };
        PromiseEvidence {
            id: id.to_string(),
            title: title.to_string(),
            rules,
            also_proven_by: also_proven_by.to_vec(),
            outcome,
        }
    }
}

/// Lowercase hexadecimal SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    lowercase_hex(&Sha256::digest(bytes))
}

fn lowercase_hex(digest: &[u8]) -> String {
    let mut out = String::with_capacity(digest.len() * 2);
    for byte in digest {
        out.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap_or('0'));
    }
    out
}

/// Lowercase hexadecimal SHA-256 and size of what `reader` gives, read in
/// pieces so that a file of any size takes little memory.
pub(crate) fn sha256_read(mut reader: impl std::io::Read) -> std::io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        let read = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        hasher.update(&buffer[..read]);
        bytes += read as u64;
    }
    Ok((lowercase_hex(&hasher.finalize()), bytes))
}

/// The digest of a whole bundle: SHA-256 over one line per file that has
/// a digest, in the order given (sorted by path), each line the path, a
/// NUL byte, the file's hexadecimal digest and a newline. The manifest,
/// which has no digest, is left out, and so are the pages in
/// `leave_out`, which print this digest. A path holds no NUL, so no two
/// lists write the same text.
pub fn bundle_digest(files: &[FileDigest], leave_out: &[String]) -> String {
    let mut text = Vec::new();
    for file in files {
        if leave_out.contains(&file.path) {
            continue;
        }
        if let Some(digest) = &file.sha256 {
            text.extend_from_slice(file.path.as_bytes());
            text.push(0);
            text.extend_from_slice(digest.as_bytes());
            text.push(b'\n');
        }
    }
    sha256_hex(&text)
}

/// One `_headers` rule as the host applies it: the URL pattern, each
/// header it sets (name lowercased, value as written, in file order) and
/// each header it detaches (`! name`, lowercased).
#[derive(Debug, Serialize)]
struct CanonicalHeaderRule<'a> {
    pattern: &'a str,
    set: Vec<(String, &'a str)>,
    detach: Vec<String>,
}

/// The digest of `_headers` as parsed with the validator's own reader
/// ([`HeadersFile`]): SHA-256 of the compact JSON array of its rules, each
/// `{"pattern": …, "set": [[name, value], …], "detach": [name, …]}`.
pub fn headers_rules(path: &str, bytes: &[u8]) -> RulesDigest {
    let text = String::from_utf8_lossy(bytes);
    let file = HeadersFile::parse(&text);
    let canonical: Vec<CanonicalHeaderRule<'_>> = file
        .rules
        .iter()
        .map(|rule| CanonicalHeaderRule {
            pattern: &rule.pattern,
            set: rule
                .headers
                .iter()
                .map(|h| (h.name.to_ascii_lowercase(), h.value.as_str()))
                .collect(),
            detach: rule
                .detached
                .iter()
                .map(|name| name.to_ascii_lowercase())
                .collect(),
        })
        .collect();
    rules_digest(path, bytes, &canonical)
}

/// The digests of a rules file at `path`: of its `bytes`, and of its rules
/// as parsed, in their canonical form.
fn rules_digest<T: Serialize>(path: &str, bytes: &[u8], canonical: &[T]) -> RulesDigest {
    RulesDigest {
        path: path.to_string(),
        file_sha256: sha256_hex(bytes),
        rules_sha256: sha256_hex(&canonical_json(&canonical)),
        rules: canonical.len() as u64,
    }
}

/// One `_redirects` rule: source, destination and status as written
/// (`null` when the line names none).
#[derive(Debug, Serialize)]
struct CanonicalRedirect<'a> {
    from: &'a str,
    to: &'a str,
    status: Option<&'a str>,
}

/// The digest of `_redirects` as parsed with the validator's own reader:
/// SHA-256 of the compact JSON array of its rules, each
/// `{"from": …, "to": …, "status": … | null}`.
pub fn redirects_rules(path: &str, bytes: &[u8]) -> RulesDigest {
    let text = String::from_utf8_lossy(bytes);
    let canonical: Vec<CanonicalRedirect<'_>> = crate::redirects_file::parse(&text)
        .into_iter()
        .map(|rule| CanonicalRedirect {
            from: rule.source,
            to: rule.destination,
            status: rule.status,
        })
        .collect();
    rules_digest(path, bytes, &canonical)
}

fn canonical_json(value: &impl Serialize) -> Vec<u8> {
    // Plain data of strings and lists always serialises.
    serde_json::to_vec(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sha256_is_lowercase_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn header_rules_ignore_comments_spacing_and_name_case() {
        let a = headers_rules("_headers", b"/*\n  X-Frame-Options: DENY\n  ! Server\n");
        let b = headers_rules(
            "_headers",
            b"# the defaults\n/*\n    x-frame-options: DENY\n\n  ! server\n",
        );
        assert_eq!(a.rules_sha256, b.rules_sha256);
        assert_ne!(a.file_sha256, b.file_sha256);
        assert_eq!(a.rules, 1);
        let c = headers_rules("_headers", b"/*\n  X-Frame-Options: SAMEORIGIN\n");
        assert_ne!(a.rules_sha256, c.rules_sha256);
    }

    #[test]
    fn redirect_rules_ignore_comments() {
        let a = redirects_rules("_redirects", b"/old /new 301\n");
        let b = redirects_rules("_redirects", b"# moved\n/old   /new   301\n");
        assert_eq!(a.rules_sha256, b.rules_sha256);
        assert_eq!(a.rules, 1);
        assert_ne!(
            a.rules_sha256,
            redirects_rules("_redirects", b"/old /new 302\n").rules_sha256
        );
    }

    fn file(path: &str, digest: Option<&str>) -> FileDigest {
        FileDigest {
            path: path.into(),
            sha256: digest.map(str::to_string),
            bytes: digest.map(|_| 1),
        }
    }

    #[test]
    fn the_bundle_digest_leaves_out_the_manifest_and_sees_every_other_file() {
        let files = [file("a.html", Some("00")), file("b.json", None)];
        assert_eq!(bundle_digest(&files, &[]), bundle_digest(&files[..1], &[]));
        let changed = [file("a.html", Some("01")), file("b.json", None)];
        assert_ne!(bundle_digest(&files, &[]), bundle_digest(&changed, &[]));
        let renamed = [file("c.html", Some("00"))];
        assert_ne!(bundle_digest(&files, &[]), bundle_digest(&renamed, &[]));
        // A page that prints the digest is left out of it.
        let shown = ["a.html".to_string()];
        assert_eq!(bundle_digest(&files, &shown), bundle_digest(&[], &[]));
        assert_eq!(
            bundle_digest(&changed, &shown),
            bundle_digest(&files, &shown)
        );
    }

    #[test]
    fn a_promise_is_not_run_when_a_rule_examined_nothing() {
        let coverage = vec![
            CategoryCoverage {
                category: "csp".into(),
                files: 3,
                routes: 6,
                errors: 0,
                warnings: 0,
                suppressed: 0,
                outcome: Outcome::Pass,
            },
            CategoryCoverage {
                category: "sitemap".into(),
                files: 0,
                routes: 0,
                errors: 0,
                warnings: 0,
                suppressed: 0,
                outcome: Outcome::NotRun,
            },
        ];
        let rules = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let pass = PromiseEvidence::from_coverage("p", "P", &rules(&["csp"]), &[], &coverage);
        assert_eq!(pass.outcome, Outcome::Pass);
        assert_eq!((pass.rules[0].files, pass.rules[0].routes), (3, 6));
        let partly =
            PromiseEvidence::from_coverage("p", "P", &rules(&["csp", "sitemap"]), &[], &coverage);
        assert_eq!(partly.outcome, Outcome::NotRun);
        let unknown = PromiseEvidence::from_coverage("p", "P", &rules(&["nope"]), &[], &coverage);
        assert_eq!(unknown.outcome, Outcome::NotRun);
        let none = PromiseEvidence::from_coverage("p", "P", &[], &[], &coverage);
        assert_eq!(none.outcome, Outcome::NotRun);
    }

    proptest! {
        /// The parsed-rules digest of `_headers` is a function of the
        /// rules alone: comment lines and blank lines added anywhere
        /// between rules leave it as it is, for any header value.
        #[test]
        fn comments_never_change_the_header_rules_digest(
            value in "[ -~&&[^#!:]]{1,40}",
            comment in "[ -~]{0,40}",
        ) {
            let plain = format!("/*\n  X-Test: {value}\n");
            let commented = format!("# {comment}\n\n/*\n  X-Test: {value}\n\n");
            let a = headers_rules("_headers", plain.as_bytes());
            let b = headers_rules("_headers", commented.as_bytes());
            prop_assert_eq!(a.rules_sha256, b.rules_sha256);
        }

        /// Any manifest survives being written and read back.
        #[test]
        fn manifests_round_trip(
            paths in proptest::collection::btree_set("[a-z]{1,8}(/[a-z]{1,8}){0,2}\\.(html|css|js)", 0..8),
            commit in proptest::option::of("[0-9a-f]{40}"),
        ) {
            let files: Vec<FileDigest> = paths
                .iter()
                .map(|p| FileDigest { path: p.clone(), sha256: Some(sha256_hex(p.as_bytes())), bytes: Some(p.len() as u64) })
                .collect();
            let manifest = Manifest {
                format: FORMAT,
                generator: Tool { name: "g".into(), version: "1".into() },
                validator: Tool::validator(),
                build_time: "2026-01-01T00:00:00Z".into(),
                source_commit: commit,
                bundle_digest: bundle_digest(&files, &[]),
                evidence_pages: Vec::new(),
                files,
                headers: None,
                redirects: None,
                rules: Vec::new(),
                promises: Vec::new(),
            };
            let text = serde_json::to_string(&manifest).unwrap();
            let back: Manifest = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(back, manifest);
        }
    }
}
