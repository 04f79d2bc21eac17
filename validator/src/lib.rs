//! `bundle-validator` checks a static site bundle (a directory of HTML, CSS,
//! JavaScript, `_headers` and friends) against the security posture a
//! marketing site promises, and reports every broken promise as a
//! [`Finding`] with a file, a line and a fix.
//!
//! The library never stops at the first finding and never prints. [`check`]
//! never touches the network: it reads the bundle, judges it and returns a
//! [`Report`]. Only [`verify`], which fetches a deployed site to compare
//! it with its bundle, makes requests, and nothing `check` runs calls it.
//! Rendering a report is the job of [`output`]; writing it where a command
//! line was asked to (standard output or a file) is the job of [`cli`],
//! which the command lines call and nothing else does.

pub mod baseline;
mod budget;
mod bundle;
pub mod cli;
pub mod config;
pub mod coverage;
pub mod csp;
pub mod css;
mod decode;
mod decompress;
mod emit;
pub mod evidence;
pub mod finding;
#[cfg(test)]
mod fuzz;
pub mod group;
pub mod headers_file;
pub mod html;
mod load;
pub mod location;
pub mod markup;
pub mod memo;
pub mod output;
mod redact;
pub mod redirects_file;
pub mod rule;
pub mod rules;
mod scan;
mod site;
mod stack;
pub mod suppress;
pub mod url_norm;
pub mod verify;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use budget::Budget;
use rayon::prelude::*;

pub use bundle::DEFAULT_MAX_FILE_BYTES;
pub use config::Config;
pub use coverage::{CategoryCoverage, Outcome};
pub use finding::{Detection, Finding, Severity, SourceLocation};
pub use memo::Memo;
pub use suppress::{Suppressed, Suppression, SuppressionKind};

use crate::headers_file::HeadersFile;
use crate::rules::claims::{EvidenceRegister, RegisterError};
use crate::scan::{FileOutcome, PageFacts, Pending};
use crate::site::{AdminWords, Site};

/// Everything that can stop a check from running at all. Broken promises are
/// not errors: they are findings inside an `Ok(Report)`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("bundle directory {path} cannot be read")]
    UnreadableBundle {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a directory")]
    NotADirectory { path: PathBuf },
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Register(#[from] RegisterError),
}

/// The outcome of one check: every finding, sorted by file, line and rule,
/// and apart from them the findings a suppression accepted.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Findings accepted by an inline marker or a config suppression: not
    /// counted and not failing the check, but shown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<Suppressed>,
    /// What each rule category examined and found, one entry per
    /// category in the order of [`rules::CATEGORIES`]. Empty for a report
    /// that did not come from [`check`] (one read back from a baseline,
    /// say).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<CategoryCoverage>,
}

impl Report {
    /// What the rules of `category` examined and found, when this report
    /// came from a check.
    pub fn category(&self, category: &str) -> Option<&CategoryCoverage> {
        self.coverage.iter().find(|c| c.category == category)
    }

    /// Number of findings with [`Severity::Error`]; a non-zero count fails CI.
    pub fn error_count(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    /// Number of findings with [`Severity::Warning`].
    pub fn warning_count(&self) -> usize {
        self.findings.len() - self.error_count()
    }
}

/// Checks the bundle in `dir` against `config` and returns every finding.
///
/// Files are read and scanned in parallel, each read and parsed once; the
/// findings that depend on other files (fragments, the gated analytics
/// script) are settled afterwards, and the bundle-wide rules (`_headers`,
/// CSP, caching, sitemap) run last.
///
/// The work runs in a thread pool of its own whose threads have a stack
/// large enough for the parsers' nesting bounds (see the `stack` module).
pub fn check(dir: &Path, config: &Config) -> Result<Report, Error> {
    match stack::pool() {
        Some(pool) => pool.install(|| check_in_pool(dir, config, None, false)),
        None => check_in_pool(dir, config, None, false),
    }
    .map(|(report, _)| report)
}

/// The files of a bundle as one check read them: the SHA-256 and size of
/// the very bytes judged, for a manifest of what was checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadDigests {
    /// Every regular file, sorted by path; a file the check could not read
    /// has neither digest nor size.
    pub files: Vec<evidence::FileDigest>,
    /// The entries that are not regular files (links, pipes, unreadable
    /// folders), which have no digest; the report has a finding for each.
    pub not_files: Vec<String>,
}

/// [`check`], also returning the SHA-256 and size of every file as the
/// check read it. A build that writes an evidence manifest takes its
/// digests from here rather than reading the whole bundle once more:
/// what the manifest lists is then exactly what was judged.
pub fn check_digesting(dir: &Path, config: &Config) -> Result<(Report, ReadDigests), Error> {
    let (report, digests) = match stack::pool() {
        Some(pool) => pool.install(|| check_in_pool(dir, config, None, true)),
        None => check_in_pool(dir, config, None, true),
    }?;
    // A check asked for digests always notes them.
    Ok((report, digests.unwrap_or_default()))
}

/// [`check`], scanning again only the files whose outcome `memo` does not
/// hold for their current bytes and context, and leaving in `memo` the
/// outcomes of this check. The report is the one [`check`] gives: the
/// findings that depend on other files and the bundle-wide rules are
/// worked out afresh every time (see [`memo`]). For a process that checks
/// one bundle again and again, such as a dev server; a gate checks once.
pub fn check_remembering(dir: &Path, config: &Config, memo: &mut Memo) -> Result<Report, Error> {
    match stack::pool() {
        Some(pool) => pool.install(|| check_in_pool(dir, config, Some(memo), false)),
        None => check_in_pool(dir, config, Some(memo), false),
    }
    .map(|(report, _)| report)
}

/// A bundle opened for judging: the bundle-wide context, the entries that
/// are not regular files, and the two site files read whole.
pub(crate) struct Opened {
    pub(crate) site: Site,
    pub(crate) unlisted: Vec<bundle::Unlisted>,
    pub(crate) headers_text: Option<String>,
    /// `_headers` exists but could not be read.
    pub(crate) headers_unreadable: bool,
    pub(crate) sitemap_text: Option<String>,
}

/// Lists the bundle in `dir` and builds what every rule reads about it:
/// its files, origin, `_headers`, admin words and the config's contracts.
/// `check` and `verify` read a bundle through this one function.
pub(crate) fn open(dir: &Path, config: &Config) -> Result<Opened, Error> {
    let meta = std::fs::metadata(dir).map_err(|source| Error::UnreadableBundle {
        path: dir.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(Error::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    let bundle::Listing {
        files: paths,
        raw_paths,
        unlisted,
    } = bundle::list(dir).map_err(|source| Error::UnreadableBundle {
        path: dir.to_path_buf(),
        source,
    })?;
    let register = match &config.evidence_register {
        Some(path) => EvidenceRegister::load(path)?,
        None => EvidenceRegister::default(),
    };
    let cap = config.max_file_bytes();
    // Every read goes through the one capped reader and the one decoder; a
    // file that fails either is reported where it is scanned, and the
    // rules that need it do not run on a guess.
    let read_small = |name: &str, syntax: decode::Syntax| {
        paths
            .iter()
            .any(|p| p == name)
            .then(|| bundle::read_capped(&dir.join(name), cap).ok())
            .flatten()
            .map(|bytes| decode::decode(bytes, syntax).text)
    };
    let headers_text = read_small("_headers", decode::Syntax::Plain);
    let headers_unreadable = headers_text.is_none() && paths.iter().any(|p| p == "_headers");
    let sitemap_text = read_small("sitemap.xml", decode::Syntax::Xml);
    let origin = config
        .site_origin
        .clone()
        .or_else(|| sitemap_text.as_deref().and_then(origin_from_sitemap))
        .or_else(|| origin_from_canonical(dir, &paths, cap));
    let defaults = AdminWords::default();
    let admin = AdminWords {
        prefixes: config.admin_prefixes.clone().unwrap_or(defaults.prefixes),
        hosts: config.admin_hosts.clone().unwrap_or(defaults.hosts),
    };
    let mut site = Site::new(
        dir.to_path_buf(),
        paths,
        origin.as_deref(),
        &config.allowed_origins,
        headers_text.as_deref().map(HeadersFile::parse),
        admin,
        register,
    )
    .with_raw_paths(raw_paths);
    site.max_file_bytes = cap;
    site.lead_form = config.lead_form.clone();
    site.worker_routes = config.worker_routes();
    site.set_clock(config.now());
    Ok(Opened {
        site,
        unlisted,
        headers_text,
        headers_unreadable,
        sitemap_text,
    })
}

fn check_in_pool(
    dir: &Path,
    config: &Config,
    memo: Option<&mut Memo>,
    digesting: bool,
) -> Result<(Report, Option<ReadDigests>), Error> {
    let Opened {
        mut site,
        unlisted,
        headers_text,
        headers_unreadable,
        sitemap_text,
    } = open(dir, config)?;
    if digesting {
        site.note_read_digests();
    }

    let html_paths: Vec<&str> = site
        .paths
        .iter()
        .map(String::as_str)
        .filter(|p| bundle::is_html_path(p))
        .collect();
    // The bundle-wide rules need no file contents, so they run alongside
    // the file scan.
    let in_flight = Budget::new(FILE_BYTES_IN_FLIGHT);
    let mut memo = memo;
    let lookup = memo.as_deref_mut().map(|memo| {
        memo::Lookup::start(std::mem::take(memo), config, &site, headers_text.as_deref())
    });
    let (outcomes, (mut findings, mut examined, sitemap)) = rayon::join(
        || {
            (0..site.paths.len())
                .into_par_iter()
                .with_max_len(FILES_PER_TASK)
                .map(|index| {
                    if let Some(outcome) = lookup.as_ref().and_then(|l| l.outcome(&site, index)) {
                        return outcome;
                    }
                    let _reservation = in_flight.reserve(bytes_to_judge(&site, index));
                    let outcome = scan_guarded(&site, index);
                    // Files the rules leave unread are read for their
                    // digest here, on the same thread, rather than after
                    // the scan.
                    site.read_unread(index);
                    outcome
                })
                .collect::<Vec<FileOutcome>>()
        },
        || {
            // The sitemap is judged here but for the pages' robots meta
            // tags, which the scan finds.
            let sitemap = sitemap_text
                .as_deref()
                .map(|xml| rules::sitemap::judge(&site, xml));
            // A `_headers` that exists but could not be read is reported
            // as such; judging routes as if it were absent would only add
            // findings that are not true.
            let mut examined = coverage::Examined::new();
            if headers_unreadable {
                return (Vec::new(), examined, sitemap);
            }
            let headers = headers_text.as_deref();
            let mut findings = rules::headers::check(&site, headers, &html_paths, &mut examined);
            if let Some(text) = headers {
                findings.extend(rules::csp::check_routes(
                    &site,
                    text,
                    &html_paths,
                    &mut examined,
                ));
            }
            findings.extend(rules::cache::check(&site, headers, &mut examined));
            (findings, examined, sitemap)
        },
    );
    if let (Some(lookup), Some(memo)) = (lookup, memo) {
        lookup.finish(memo, &site, &outcomes);
    }
    findings.extend(unlisted.iter().map(scan::unlisted_finding));
    findings.extend(rules::secret::debris::check(
        site.paths
            .iter()
            .chain(unlisted.iter().map(|entry| &entry.path))
            .map(String::as_str),
    ));
    let filter = config.filter();
    let mut tallies = coverage::Tallies::new(&filter);
    // Sized once: the facts of every page are large, and a list that
    // doubles its way up copies them several times over.
    let mut pages: Vec<PageFacts> = Vec::with_capacity(
        outcomes
            .iter()
            .filter(|outcome| outcome.facts.is_some())
            .count(),
    );
    let mut markers = Vec::new();
    for (index, outcome) in outcomes.into_iter().enumerate() {
        tallies.add(&site.paths[index], &outcome.tally);
        findings.extend(outcome.findings);
        pages.extend(outcome.facts);
        markers.extend(outcome.suppressions);
    }
    settle(&site, &mut findings, &pages);

    if let Some(sitemap) = sitemap {
        let noindex: HashSet<usize> = pages.iter().filter(|p| p.noindex).map(|p| p.file).collect();
        findings.extend(rules::sitemap::finish(sitemap, &noindex, &mut examined));
    }
    for (path, tally) in &examined {
        tallies.add(path, tally);
    }

    findings.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.rule, &a.message)
            .cmp(&(&b.file, b.line, b.column, &b.rule, &b.message))
    });
    findings.dedup_by(|a, b| {
        a.file == b.file
            && a.line == b.line
            && a.column == b.column
            && a.rule == b.rule
            && a.message == b.message
    });
    // The rule table decides each rule's severity, and the config may
    // change it, turn the rule off or ignore the file. A rule may report
    // one finding below its table severity (a sink given only constant
    // code is a warning of an error rule): that finding stays a warning
    // unless the config raises the rule.
    let configured = |finding: &mut Finding| {
        let default = match rule::lookup(&finding.rule).map(|r| r.severity) {
            Some(Severity::Error) | None => finding.severity,
            Some(Severity::Warning) => Severity::Warning,
        };
        match filter.severity(&finding.rule, &finding.file, default) {
            Some(severity) => {
                finding.severity = severity;
                true
            }
            None => false,
        }
    };
    findings.retain_mut(configured);
    // Suppressions apply here and nowhere else: to the findings every rule
    // reported and the config kept. What they report about themselves
    // (unused ones) is configured like any finding.
    let suppress::Outcome {
        kept: mut findings,
        mut suppressed,
        mut warnings,
    } = suppress::apply(findings, markers, config);
    warnings.retain_mut(configured);
    if !warnings.is_empty() {
        findings.extend(warnings);
        findings.sort_by(|a, b| {
            (&a.file, a.line, a.column, &a.rule, &a.message)
                .cmp(&(&b.file, b.line, b.column, &b.rule, &b.message))
        });
    }
    findings.par_iter_mut().for_each(redact::finding);
    suppressed.par_iter_mut().for_each(|suppressed| {
        redact::finding(&mut suppressed.finding);
        if let std::borrow::Cow::Owned(reason) = redact::message(&suppressed.suppression.reason) {
            suppressed.suppression.reason = reason;
        }
    });
    let coverage = tallies.finish(&findings, &suppressed);
    let digests = site.take_read_digests().map(|noted| ReadDigests {
        files: noted
            .into_iter()
            .zip(&site.paths)
            .map(|(noted, path)| {
                let (sha256, bytes) = noted.unzip();
                evidence::FileDigest {
                    path: path.clone(),
                    sha256,
                    bytes,
                }
            })
            .collect(),
        not_files: unlisted.iter().map(|entry| entry.path.clone()).collect(),
    });
    Ok((
        Report {
            findings,
            suppressed,
            coverage,
        },
        digests,
    ))
}

/// The most files one task of the parallel scan judges in a row. Rayon
/// otherwise hands each thread a few long runs of files, and the thread
/// that drew the slower run works on alone for a large part of the scan
/// while the others wait with nothing left to take; short runs keep every
/// core busy to the end at a negligible cost per task.
pub(crate) const FILES_PER_TASK: usize = 8;

/// Scans one file, turning a panic in any rule into an error finding: the
/// gate must fail on a file it could not finish judging, not stop judging
/// the rest of the bundle.
/// The bytes of files judged at once on all threads, unless one file alone
/// is larger. Judging a file takes a few times its size, so without this
/// bound the peak would be that much per thread; with it, the peak is a few
/// times the largest file, or a few times this, whichever is more. Small
/// files never wait: this is hundreds of ordinary pages.
const FILE_BYTES_IN_FLIGHT: u64 = 16 * 1024 * 1024;

/// The bytes file number `index` takes to judge, as far as is known before
/// reading it: its size, or the size cap for a compressed copy or Git
/// object, which unpack to up to that.
fn bytes_to_judge(site: &Site, index: usize) -> u64 {
    let path = site.paths[index].as_str();
    if bundle::compressed(path).is_some() || rules::secret::debris::git_file(path).is_some() {
        return site.max_file_bytes;
    }
    std::fs::metadata(site.disk_path(index))
        .map_or(0, |metadata| metadata.len())
        .min(site.max_file_bytes)
}

fn scan_guarded(site: &Site, index: usize) -> FileOutcome {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        scan::scan_file(site, index)
    }))
    .unwrap_or_else(|_| {
        let mut out = emit::FileFindings::new(&site.paths[index], "");
        out.whole_file(load::unscanned(
            "the validator failed while checking it (an internal error), so it was not \
                 fully judged",
            "Report the failure to the validator's maintainers with this file.",
        ));
        FileOutcome {
            findings: out.into_findings(),
            facts: None,
            suppressions: Vec::new(),
            // A file a rule panicked on was not judged by anyone.
            tally: coverage::FileTally::default(),
            complete: false,
        }
    })
}

/// Settles the findings that depended on other pages. The few that hold
/// are located in their files only now.
fn settle(site: &Site, findings: &mut Vec<Finding>, pages: &[PageFacts]) {
    let gated: HashSet<&str> = pages
        .iter()
        .flat_map(|p| p.gated.iter().map(String::as_str))
        .collect();
    let anchors: HashMap<usize, &HashSet<String>> =
        pages.iter().map(|p| (p.file, &p.anchors)).collect();
    let consent_loaders: HashSet<&str> = pages
        .iter()
        // Loader URL paths start with `/`; bundle paths do not.
        .flat_map(|p| {
            p.consent_loaders
                .iter()
                .map(|path| path.trim_start_matches('/'))
        })
        .collect();
    // Per page: the messages that held, at their offsets, and how many
    // more fragment links past the per-rule cap point at nothing.
    type Held = (usize, Vec<(usize, emit::Message)>, usize);
    let held = |page: &PageFacts| -> Option<Held> {
        // The consent loader is the gate itself: it loads the analytics
        // script after opt-in, so its own references are expected.
        let is_consent_loader = consent_loaders.contains(site.paths[page.file].as_str());
        let mut messages = Vec::new();
        for pending in &page.pending {
            let holds = match pending {
                Pending::GatedReference { path, .. } => {
                    !is_consent_loader && gated.contains(path.as_str())
                }
                Pending::Fragment {
                    target, fragment, ..
                } => anchors.get(target).is_some_and(|a| !a.contains(fragment)),
            };
            if holds {
                let (offset, message) = pending.located();
                messages.push((offset, message.clone()));
            }
        }
        let omitted: usize = page
            .more_fragments
            .iter()
            .filter(|((target, fragment), _)| {
                anchors.get(target).is_some_and(|a| !a.contains(fragment))
            })
            .map(|(_, count)| count)
            .sum();
        (!messages.is_empty() || omitted > 0).then_some((page.file, messages, omitted))
    };
    // Pages are settled on every thread, in order.
    let located: Vec<Vec<Finding>> = pages
        .par_iter()
        .with_max_len(FILES_PER_TASK)
        .filter_map(held)
        .map(|(file, messages, omitted)| scan::locate_again(site, file, messages, omitted))
        .collect();
    findings.extend(located.into_iter().flatten());
}

/// The origin of the first `<loc>` in a sitemap.
fn origin_from_sitemap(xml: &str) -> Option<String> {
    rules::sitemap::locations(xml)
        .into_iter()
        .find_map(|(_, loc)| http_origin(&loc))
}

/// The origin of the first absolute canonical link, looking at HTML files
/// in path order. Only read when neither config nor sitemap names one.
/// Pages are read under the size cap and decoded as they are for the scan.
fn origin_from_canonical(dir: &Path, paths: &[String], cap: u64) -> Option<String> {
    paths
        .iter()
        .filter(|p| bundle::is_html_path(p))
        .take(50)
        .find_map(|p| {
            let bytes = bundle::read_capped(&dir.join(p), cap).ok()?;
            let syntax = bundle::classify(p).syntax(p);
            let text = decode::decode(bytes, syntax).text;
            let page = html::parse(&text);
            page.elements
                .iter()
                .filter(|e| e.name == "link" && e.has_token("rel", "canonical"))
                .find_map(|e| http_origin(e.value("href")?))
        })
}

fn http_origin(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.origin().ascii_serialization())
}
