//! `sri`: scripts and stylesheets carry Subresource Integrity that matches
//! the bytes actually shipped, so a tampered or stale file is refused by
//! the browser instead of run.

use crate::emit::{FileFindings, Message};
use crate::rule::{Category, Rule};
use crate::rules::inline::ScriptType;
use crate::scan::PageContext;
use crate::site::HashAlgorithm;
use crate::url_norm::Target;

const MISSING_HELP: &str = "Add integrity=\"sha384-…\" with the base64 SHA-384 of the file (the generator does this for assets it fingerprints).";
const MISMATCH_HELP: &str = "Rebuild so the integrity value is computed from the file as shipped.";
const FILE_HELP: &str = "Ship the referenced file in the bundle, or fix the URL.";
const MALFORMED_HELP: &str =
    "Write integrity as `sha256-`, `sha384-` or `sha512-` followed by a base64 digest.";

pub(crate) fn check_page(ctx: &PageContext<'_>, out: &mut FileFindings<'_>) {
    // The scripts and stylesheets whose integrity is judged are the routes
    // this rule examined.
    let mut judged = 0;
    for element in &ctx.page.elements {
        let attr = match &*element.name {
            // A data block's `src` is never fetched, so it needs no
            // integrity.
            "script" if ScriptType::of(element).fetches_src() => element.attr("src"),
            "link"
                if element.has_token("rel", "stylesheet")
                    || element.has_token("rel", "modulepreload") =>
            {
                element.attr("href")
            }
            _ => None,
        };
        let Some(attr) = attr else { continue };
        let target = ctx.classify(&attr.value);
        if matches!(target, Target::Data | Target::JavaScript | Target::Invalid) {
            continue;
        }
        judged += 1;
        let Some(integrity) = element.attr("integrity") else {
            out.at(
                element.start,
                Message::error(
                    "sri/missing-integrity",
                    format!(
                        "<{}> for {} has no integrity attribute",
                        element.name,
                        attr.value.trim()
                    ),
                    MISSING_HELP,
                ),
            );
            continue;
        };
        let tokens = integrity_tokens(&integrity.value);
        let Some(strongest) = tokens.iter().map(|(a, _)| *a).max() else {
            out.at(
                integrity.offset(),
                Message::error(
                    "sri/malformed",
                    "integrity names no sha256/384/512 digest",
                    MALFORMED_HELP,
                ),
            );
            continue;
        };
        let Target::SameOrigin { path, .. } = target else {
            continue;
        };
        let Some(file) = ctx.site.resolve(&path) else {
            out.at(
                attr.offset(),
                Message::error(
                    "sri/missing-file",
                    format!(
                        "{} is not in the bundle, so its integrity cannot hold",
                        attr.value.trim()
                    ),
                    FILE_HELP,
                ),
            );
            continue;
        };
        let actual = ctx.site.digest(ctx.file, file, strongest);
        let matches = tokens
            .iter()
            .filter(|(a, _)| *a == strongest)
            .any(|(_, digest)| Some(*digest) == actual);
        if !matches {
            out.at(
                integrity.offset(),
                Message::error(
                    "sri/mismatch",
                    format!(
                        "integrity does not match the bytes of {}",
                        ctx.site.paths[file]
                    ),
                    MISMATCH_HELP,
                ),
            );
        }
    }
    out.examine_routes(&CATEGORY, judged);
}

/// The digests an `integrity` value names, by algorithm: each
/// `algorithm-digest` token (options after `?` dropped) whose algorithm a
/// browser knows. `verify` judges served pages with the same reading.
pub(crate) fn integrity_tokens(value: &str) -> Vec<(HashAlgorithm, &str)> {
    value
        .split_ascii_whitespace()
        .filter_map(|token| {
            let (algorithm, rest) = token.split_once('-')?;
            let digest = rest.split('?').next().unwrap_or(rest);
            Some((HashAlgorithm::parse(algorithm)?, digest))
        })
        .collect()
}

/// The rules of this category, declared once for every output, the
/// documentation check and the fixture harness.
pub const CATEGORY: Category = Category {
    name: "sri",
    title: "Subresource Integrity",
    security_severity: 7.0,
    rules: &[
        Rule::error(
            "sri/missing-integrity",
            "`<script src>` (not a data block), `<link rel=stylesheet>` or `modulepreload` without `integrity`",
            "tampered files would run",
            "add `integrity=\"sha384-…\"`",
        ),
        Rule::error(
            "sri/malformed",
            "`integrity` with no sha256/384/512 token",
            "browsers ignore it",
            "fix the value",
        ),
        Rule::error(
            "sri/mismatch",
            "no token of the strongest algorithm present matches the file's bytes",
            "the browser refuses the file",
            "rebuild",
        ),
        Rule::error(
            "sri/missing-file",
            "the referenced same-origin file is not in the bundle",
            "the page is broken",
            "ship it or fix the URL",
        ),
    ],
};
