//! `verify`: checks a site as it is served against the bundle it was
//! deployed from.
//!
//! A CDN or proxy between the bundle and the visitor can inject scripts
//! (Rocket Loader, email obfuscation, analytics), drop or rewrite headers,
//! or re-minify files so that Subresource Integrity no longer holds. The
//! check of the bundle cannot see any of that; this module fetches what
//! visitors get and proves, URL by URL, that it is what was checked:
//!
//! - every fetched file's bytes, content coding undone, equal the bundle
//!   file's bytes (`served/content-changed`);
//! - no script, stylesheet, frame, object, form, `<base>`, event handler
//!   or `javascript:` URL appears in a served page that the bundle's page
//!   does not hold (`served/injected-markup`), judged on both pages
//!   parsed, so it holds even where bytes may legitimately differ;
//! - every header `_headers` declares for the path is served with the
//!   same value, a CSP with every declared policy (`served/header-*`),
//!   admin routes carry `X-Robots-Tag`, and no `Set-Cookie`, `Link` or
//!   `Refresh` is served that `_headers` does not declare;
//! - every `integrity` value of a served page holds for the served asset
//!   (`served/sri-mismatch`);
//! - the Worker routes answer a `GET` with 405 (`served/worker-route`).
//!
//! The HTTP client lives in `fetch`, the only code of the validator that
//! uses the network; [`crate::check`] never calls into this module.

mod fetch;
mod judge;
mod plan;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::finding::{Finding, Severity};
use crate::html;
use crate::rule::{Category, Rule};
use crate::url_norm::Target as UrlTarget;
use crate::{Report, redact, rule};

pub use fetch::TlsError;
pub use plan::PageSource;

use fetch::{Answer, Client, FetchError, Limits};
use judge::HeaderVerdict;
use plan::{Fetch, Kind};

/// How many same-origin redirects one URL may take before it is a finding.
const MAX_REDIRECTS: usize = 5;

/// How hard and how fast `verify` fetches.
#[derive(Debug, Clone)]
pub struct Options {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Requests started per second, at most.
    pub rate: f64,
    /// Connecting, sending and reading one whole answer.
    pub timeout: Duration,
    /// The most body bytes read from one answer; `None` takes the
    /// config's `max_file_bytes`, the largest file the check reads.
    pub max_body_bytes: Option<u64>,
    /// Where the pages to fetch come from.
    pub pages: PageSource,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            concurrency: 4,
            rate: 10.0,
            timeout: Duration::from_secs(10),
            max_body_bytes: None,
            pages: PageSource::Bundle,
        }
    }
}

/// Everything that stops a verification from running at all. What the
/// served site gets wrong, unreachable URLs included, is a finding.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("`{url}` is not a site to verify: {reason}")]
    BadUrl { url: String, reason: &'static str },
    #[error("{0}")]
    BadOptions(&'static str),
    #[error("nothing to verify: {0}")]
    NothingToVerify(&'static str),
    #[error(transparent)]
    Bundle(#[from] crate::Error),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("the HTTP runtime cannot start")]
    Runtime(#[source] std::io::Error),
}

/// What one verification judged, and its findings.
#[derive(Debug, Clone)]
pub struct Verification {
    pub report: Report,
    /// Pages fetched and compared.
    pub pages: usize,
    /// Other bundle files fetched and compared.
    pub assets: usize,
    /// Worker routes probed.
    pub probes: usize,
}

impl Verification {
    /// One line saying what was verified, for a note on standard error.
    pub fn summary(&self, base: &str) -> String {
        let plural = |count: usize, one: &str, many: &str| {
            format!("{count} {}", if count == 1 { one } else { many })
        };
        format!(
            "verified {}, {} and {} served at {}",
            plural(self.pages, "page", "pages"),
            plural(self.assets, "other file", "other files"),
            plural(self.probes, "Worker route", "Worker routes"),
            crate::output::visible(&redact::message(base))
        )
    }
}

/// Fetches the site served at `base` (an origin: `https://www.example`)
/// and judges it against the bundle in `dir`, read with `config` (the
/// site origin that same-origin references resolve against, the lead form
/// and Worker routes to probe, severities).
pub fn verify(
    base: &str,
    dir: &Path,
    config: &Config,
    options: &Options,
) -> Result<Verification, Error> {
    let base = parse_base(base)?;
    if options.concurrency == 0 {
        return Err(Error::BadOptions("the concurrency must be at least 1"));
    }
    let spacing = Some(options.rate)
        .filter(|rate| rate.is_finite() && *rate > 0.0)
        .and_then(|rate| Duration::try_from_secs_f64(1.0 / rate).ok())
        .ok_or(Error::BadOptions(
            "the rate must be a positive number of requests a second",
        ))?;
    if options.timeout.is_zero() {
        return Err(Error::BadOptions("the timeout must be longer than zero"));
    }
    let opened = crate::open(dir, config)?;
    let site = opened.site;
    let plan = plan::plan(&site, config, options.pages, opened.sitemap_text.as_deref());
    // A verification that fetches no page proves nothing; it must not
    // pass as if it had.
    if !plan.fetches.iter().any(|fetch| fetch.kind == Kind::Page) {
        return Err(Error::NothingToVerify(match options.pages {
            PageSource::Bundle => "the bundle holds no HTML page",
            PageSource::Sitemap => "the bundle's sitemap.xml lists no page of the bundle",
        }));
    }
    let limits = Limits {
        timeout: options.timeout,
        max_body_bytes: options
            .max_body_bytes
            .unwrap_or_else(|| config.max_file_bytes()),
        spacing,
    };
    let client = Arc::new(Client::new(limits)?);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    let (fetched, probed) = runtime.block_on(fetch_all(&client, &base, &plan, options.concurrency));
    let mut findings = judge_all(&site, &base, &plan, fetched, limits.max_body_bytes);
    findings.extend(judge_probes(&base, &plan.probes, probed));
    findings = collapse_unreachable(&base, findings);
    let pages = plan
        .fetches
        .iter()
        .filter(|fetch| fetch.kind == Kind::Page)
        .count();
    let mut report = finish(findings, config);
    report.coverage = vec![served_coverage(
        &report,
        plan.fetches.len(),
        plan.probes.len(),
    )];
    Ok(Verification {
        report,
        pages,
        assets: plan.fetches.len() - pages,
        probes: plan.probes.len(),
    })
}

/// The base URL: an `http` or `https` origin, a trailing `/` allowed.
fn parse_base(text: &str) -> Result<url::Url, Error> {
    let bad = |reason| Error::BadUrl {
        url: crate::output::visible(&redact::message(text)).into_owned(),
        reason,
    };
    let url = url::Url::parse(text.trim()).map_err(|_| bad("it is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
        return Err(bad("only http and https sites can be fetched"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad(
            "give the site's origin (scheme, host and port), without a path",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("credentials in the URL would be sent to every page"));
    }
    Ok(url)
}

/// The URL of a decoded path on `base`, percent-encoded as needed.
fn url_of(base: &url::Url, path: &str) -> url::Url {
    let mut url = base.clone();
    url.set_path(path);
    url
}

/// What fetching one planned URL gave.
#[derive(Debug)]
enum Outcome {
    /// The final answer, after the same-origin redirects it took.
    Answer { url: url::Url, answer: Answer },
    /// No answer to judge, with the rule and message to report.
    Problem { rule: &'static str, message: String },
}

async fn fetch_all(
    client: &Arc<Client>,
    base: &url::Url,
    plan: &plan::Plan,
    concurrency: usize,
) -> (Vec<Outcome>, Vec<Result<Answer, FetchError>>) {
    let permits = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, fetch) in plan.fetches.iter().enumerate() {
        let client = Arc::clone(client);
        let permits = Arc::clone(&permits);
        let base = base.clone();
        let url = url_of(&base, &fetch.path);
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            (index, Some(follow(&client, &base, url).await), None)
        });
    }
    for (index, path) in plan.probes.iter().enumerate() {
        let client = Arc::clone(client);
        let permits = Arc::clone(&permits);
        let url = url_of(base, path);
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            (index, None, Some(client.get(&url).await))
        });
    }
    let mut outcomes: Vec<Option<Outcome>> = plan.fetches.iter().map(|_| None).collect();
    let mut probes: Vec<Option<Result<Answer, FetchError>>> =
        plan.probes.iter().map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, Some(outcome), _)) => outcomes[index] = Some(outcome),
            Ok((index, None, Some(answer))) => probes[index] = Some(answer),
            // A task never panics by design; one that did leaves its URL
            // unjudged, which is reported below like a failed request.
            Ok(_) | Err(_) => {}
        }
    }
    let outcomes = outcomes
        .into_iter()
        .map(|outcome| {
            outcome.unwrap_or_else(|| Outcome::Problem {
                rule: "served/unreachable",
                message: "the request stopped with an internal error".into(),
            })
        })
        .collect();
    let probes = probes
        .into_iter()
        .map(|answer| {
            answer.unwrap_or_else(|| {
                Err(FetchError::Failed(
                    "the request stopped with an internal error".into(),
                ))
            })
        })
        .collect();
    (outcomes, probes)
}

/// `GET url`, following redirects that stay on the site's origin, at most
/// [`MAX_REDIRECTS`] of them and never one twice.
async fn follow(client: &Client, base: &url::Url, start: url::Url) -> Outcome {
    let mut url = start;
    let mut visited = vec![url.clone()];
    loop {
        let answer = match client.get(&url).await {
            Ok(answer) => answer,
            Err(error) => return fetch_problem(&error),
        };
        if !(300..400).contains(&answer.status) {
            return Outcome::Answer { url, answer };
        }
        let Some(location) = answer
            .headers
            .get(hyper::header::LOCATION)
            .and_then(|value| value.to_str().ok())
        else {
            return Outcome::Answer { url, answer };
        };
        let Ok(next) = url.join(location.trim()) else {
            return Outcome::Problem {
                rule: "served/redirect",
                message: format!(
                    "it answers {} with a Location that is not a URL: {location}",
                    answer.status
                ),
            };
        };
        if next.origin() != base.origin() {
            return Outcome::Problem {
                rule: "served/redirect",
                message: format!(
                    "it answers {} with a redirect off the site's origin, to {next}",
                    answer.status
                ),
            };
        }
        if visited.contains(&next) {
            return Outcome::Problem {
                rule: "served/redirect",
                message: format!(
                    "its redirects loop: {} → {next}",
                    visited
                        .iter()
                        .map(|u| u.path())
                        .collect::<Vec<_>>()
                        .join(" → ")
                ),
            };
        }
        if visited.len() > MAX_REDIRECTS {
            return Outcome::Problem {
                rule: "served/redirect",
                message: format!("it redirects more than {MAX_REDIRECTS} times"),
            };
        }
        visited.push(next.clone());
        url = next;
    }
}

fn fetch_problem(error: &FetchError) -> Outcome {
    match error {
        FetchError::TooLarge(_) => Outcome::Problem {
            rule: "served/too-large",
            message: format!("it could not be judged: {error}"),
        },
        FetchError::Timeout(_) | FetchError::Failed(_) => Outcome::Problem {
            rule: "served/unreachable",
            message: format!("it could not be fetched: {error}"),
        },
    }
}

/// A finding about a served URL, with the rule table's severity and fix.
fn finding(rule: &str, url: &url::Url, message: String) -> Finding {
    let declared = rule::lookup(rule);
    Finding {
        rule: rule.to_string(),
        severity: declared.map_or(Severity::Error, |r| r.severity),
        file: url.to_string(),
        line: None,
        column: None,
        message: crate::emit::bounded(message),
        snippet: None,
        help: declared.map(|r| r.fix.to_string()),
        span: None,
        source: None,
    }
}

/// A fetched answer with its body decoded, kept for the SRI judgement of
/// the pages that reference it.
struct Served {
    bytes: Vec<u8>,
    /// The body differs from the bundle file's.
    changed: bool,
}

fn judge_all(
    site: &crate::site::Site,
    base: &url::Url,
    plan: &plan::Plan,
    outcomes: Vec<Outcome>,
    limit: u64,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut served: HashMap<String, Served> = HashMap::new();
    let mut pages: Vec<(url::Url, &Fetch, Vec<u8>)> = Vec::new();
    let mut content_findings: HashMap<String, usize> = HashMap::new();
    for (fetch, outcome) in plan.fetches.iter().zip(outcomes) {
        let requested = url_of(base, &fetch.path);
        let (url, answer) = match outcome {
            Outcome::Answer { url, answer } => (url, answer),
            Outcome::Problem { rule, message } => {
                findings.push(finding(rule, &requested, message));
                continue;
            }
        };
        let file = &site.paths[fetch.file];
        if answer.status != 200 {
            findings.push(finding(
                "served/status",
                &requested,
                format!(
                    "it answers {} where the bundle serves {file} (200 expected)",
                    answer.status
                ),
            ));
            continue;
        }
        judge_headers(site, fetch, &requested, &answer, &mut findings);
        let codings = judge::codings(
            answer
                .headers
                .get_all(hyper::header::CONTENT_ENCODING)
                .iter()
                .filter_map(|value| value.to_str().ok()),
        );
        let bytes = match judge::undo_codings(answer.body, &codings, limit) {
            Ok(bytes) => bytes,
            Err(error) => {
                findings.push(finding(
                    "served/encoding",
                    &requested,
                    format!("its body could not be judged: {error}"),
                ));
                continue;
            }
        };
        let Some(expected) = plan::read_bytes(site, fetch.file) else {
            // The check reports a bundle file it cannot read; there is
            // nothing to compare with.
            continue;
        };
        let changed = expected != bytes;
        if changed {
            let message = match fetch.kind {
                Kind::Page => injected(site, fetch.file, &bytes)
                    .map(|added| ("served/injected-markup", added)),
                Kind::Asset => None,
            }
            .unwrap_or_else(|| {
                (
                    "served/content-changed",
                    format!(
                        "its bytes differ from the bundle's {file} ({} bytes served, {} in the \
                         bundle)",
                        bytes.len(),
                        expected.len()
                    ),
                )
            });
            let mut text = message.1;
            if let Some((line, excerpt)) = judge::first_difference(&expected, &bytes) {
                text.push_str(&format!(
                    "; the served body first differs at line {line}: `{excerpt}`"
                ));
            }
            content_findings.insert(fetch.path.clone(), findings.len());
            findings.push(finding(message.0, &requested, text));
        }
        if fetch.kind == Kind::Page {
            pages.push((url.clone(), fetch, bytes.clone()));
        }
        served.insert(fetch.path.clone(), Served { bytes, changed });
    }
    let mut broken_by_asset: BTreeMap<String, usize> = BTreeMap::new();
    for (url, fetch, bytes) in &pages {
        for (path, integrity) in integrity_references(site, &fetch.path, bytes) {
            let Some(asset) = served.get(&path) else {
                continue;
            };
            if judge::integrity_holds(&integrity, &asset.bytes) != Some(false) {
                continue;
            }
            if asset.changed {
                // The asset's own finding says what changed; the pages it
                // breaks are counted there, one cause, one finding.
                *broken_by_asset.entry(path).or_default() += 1;
            } else {
                findings.push(finding(
                    "served/sri-mismatch",
                    url,
                    format!(
                        "its integrity value for {path} does not match the bytes served there, \
                         so browsers refuse to load it"
                    ),
                ));
            }
        }
    }
    for (path, pages) in broken_by_asset {
        if let Some(&index) = content_findings.get(&path) {
            let noun = if pages == 1 { "page" } else { "pages" };
            findings[index].message = crate::emit::bounded(format!(
                "{}; the integrity value of {pages} served {noun} no longer matches it, so \
                 browsers refuse to load it",
                findings[index].message
            ));
        }
    }
    findings
}

/// The active markup a served page adds to the bundle's page, described
/// for a message; `None` when it adds none.
fn injected(site: &crate::site::Site, file: usize, served: &[u8]) -> Option<String> {
    let bundle_text = plan::read_text(site, file)?;
    let path = &site.paths[file];
    let syntax = crate::bundle::classify(path).syntax(path);
    let served_text = crate::decode::decode(served.to_vec(), syntax).text;
    let bundle_page = html::parse(&bundle_text);
    let served_page = html::parse(&served_text);
    let added = judge::added(
        &judge::active_markup(&bundle_page),
        &judge::active_markup(&served_page),
    );
    if added.is_empty() {
        return None;
    }
    let total: usize = added.iter().map(|(_, count)| count).sum();
    let shown: Vec<String> = added
        .iter()
        .take(3)
        .map(|(description, count)| {
            if *count == 1 {
                description.clone()
            } else {
                format!("{description} ×{count}")
            }
        })
        .collect();
    let more = added.len().saturating_sub(3);
    let what = if total == 1 {
        "element that loads or runs something and is"
    } else {
        "elements that load or run something and are"
    };
    let mut text = format!(
        "it serves {total} {what} not in the bundle's {path}: {}",
        shown.join(", ")
    );
    if more > 0 {
        text.push_str(&format!(", and {more} more"));
    }
    Some(text)
}

/// Every same-origin `<script src>` and `<link rel=stylesheet|modulepreload>`
/// of a served page that carries `integrity`, as (URL path, integrity).
fn integrity_references(
    site: &crate::site::Site,
    page_path: &str,
    bytes: &[u8],
) -> Vec<(String, String)> {
    let text = crate::decode::decode(bytes.to_vec(), crate::decode::Syntax::Html).text;
    let page = html::parse(&text);
    let on = site.origins.page(page_path);
    page.elements
        .iter()
        .filter_map(|element| {
            let reference = match &*element.name {
                "script" => element.value("src"),
                "link"
                    if element.has_token("rel", "stylesheet")
                        || element.has_token("rel", "modulepreload") =>
                {
                    element.value("href")
                }
                _ => None,
            }?;
            let integrity = element.value("integrity")?;
            match site.origins.classify_on(reference, &on) {
                UrlTarget::SameOrigin { path, .. } => Some((path, integrity.to_string())),
                _ => None,
            }
        })
        .collect()
}

/// Holds the served headers of one answer to what `_headers` declares for
/// its path, and admin routes to `X-Robots-Tag`.
fn judge_headers(
    site: &crate::site::Site,
    fetch: &Fetch,
    url: &url::Url,
    answer: &Answer,
    findings: &mut Vec<Finding>,
) {
    let applied = site.applied_headers(&fetch.path);
    let mut names: Vec<&str> = applied
        .lines
        .iter()
        .map(|line| line.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let Some((declared, line)) = applied.joined(name) else {
            continue;
        };
        let served: Vec<&str> = answer
            .headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        match judge::judge_header(name, &declared, &served) {
            HeaderVerdict::Kept => {}
            HeaderVerdict::Missing => findings.push(finding(
                "served/header-missing",
                url,
                format!(
                    "it is served without the {name} header that _headers line {line} declares"
                ),
            )),
            HeaderVerdict::Changed(value) => findings.push(finding(
                "served/header-changed",
                url,
                format!(
                    "its {name} header is `{value}`, not the `{declared}` that _headers line \
                     {line} declares"
                ),
            )),
        }
    }
    let injected: Vec<String> = INJECTABLE_HEADERS
        .iter()
        .filter(|name| applied.all(name).next().is_none())
        .flat_map(|name| {
            answer
                .headers
                .get_all(*name)
                .iter()
                .map(move |value| shown_header(name, value))
        })
        .collect();
    if !injected.is_empty() {
        findings.push(finding(
            "served/header-injected",
            url,
            format!(
                "it is served with {} that _headers does not declare for it",
                injected.join(", ")
            ),
        ));
    }
    let declares_robots = applied.all("x-robots-tag").next().is_some();
    if !declares_robots && site.is_admin_path(&fetch.path) {
        let noindex = answer
            .headers
            .get_all("x-robots-tag")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .any(|value| value.to_ascii_lowercase().contains("noindex"));
        if !noindex {
            findings.push(finding(
                "served/header-missing",
                url,
                "it is an admin route served without `X-Robots-Tag: noindex`".into(),
            ));
        }
    }
}

/// Response headers that make a browser store, fetch or navigate to
/// something on their own: a cookie breaks a no-cookie promise, a `Link`
/// preloads or (in some browsers) applies a stylesheet, a `Refresh`
/// navigates away.
const INJECTABLE_HEADERS: &[&str] = &["set-cookie", "link", "refresh"];

/// A served header for a message: a cookie by its name only (its value
/// may be a session token), anything else as served.
fn shown_header(name: &str, value: &hyper::header::HeaderValue) -> String {
    let text = String::from_utf8_lossy(value.as_bytes());
    if name == "set-cookie" {
        let cookie = text.split(['=', ';']).next().unwrap_or("").trim();
        format!("`Set-Cookie: {cookie}=…`")
    } else {
        format!("`{name}: {text}`")
    }
}

/// A Worker route must refuse a `GET`: a 405 proves the route is the
/// Worker's and that it acts on nothing but its method.
fn judge_probes(
    base: &url::Url,
    probes: &[String],
    answers: Vec<Result<Answer, FetchError>>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (path, answer) in probes.iter().zip(answers) {
        let url = url_of(base, path);
        match answer {
            Ok(answer) if answer.status == 405 => {}
            Ok(answer) => {
                let why = match answer.status {
                    200..=299 => "a GET was accepted, so the route may act on one",
                    300..=399 => "a GET was redirected, as a stored submission would be",
                    404 => "nothing answers there, so the Worker does not run for it",
                    _ => "the Worker should refuse the method",
                };
                findings.push(finding(
                    "served/worker-route",
                    &url,
                    format!("a GET probe got {} instead of 405: {why}", answer.status),
                ));
            }
            Err(error) => {
                let rule = match error {
                    FetchError::TooLarge(_) => "served/too-large",
                    _ => "served/unreachable",
                };
                findings.push(finding(
                    rule,
                    &url,
                    format!("the GET probe of the Worker route could not be read: {error}"),
                ));
            }
        }
    }
    findings
}

/// When no URL answered at all, one finding for the site says so, rather
/// than one per URL that repeats it.
fn collapse_unreachable(base: &url::Url, findings: Vec<Finding>) -> Vec<Finding> {
    let all_unreachable = findings.len() > 1
        && findings
            .iter()
            .all(|finding| finding.rule == "served/unreachable");
    if !all_unreachable {
        return findings;
    }
    let first = &findings[0].message;
    let cause = first
        .split_once(": ")
        .map_or(first.as_str(), |(_, cause)| cause);
    vec![finding(
        "served/unreachable",
        base,
        format!(
            "none of the {} URLs to verify answered; the first: {cause}",
            findings.len()
        ),
    )]
}

/// What verify examined, in the terms `check` reports per category: the
/// served files it compared and the Worker routes it probed.
fn served_coverage(report: &Report, files: usize, probes: usize) -> crate::CategoryCoverage {
    let count = |severity: crate::Severity| {
        report
            .findings
            .iter()
            .filter(|finding| finding.severity == severity)
            .count() as u64
    };
    let (errors, warnings) = (
        count(crate::Severity::Error),
        count(crate::Severity::Warning),
    );
    let outcome = if errors > 0 {
        crate::Outcome::Fail
    } else if files + probes > 0 {
        crate::Outcome::Pass
    } else {
        crate::Outcome::NotRun
    };
    crate::CategoryCoverage {
        category: CATEGORY.name.to_string(),
        files: files as u64,
        routes: probes as u64,
        errors,
        warnings,
        suppressed: 0,
        outcome,
    }
}

/// Sorts, applies the config's severities, and masks secrets.
fn finish(mut findings: Vec<Finding>, config: &Config) -> Report {
    findings.sort_by(|a, b| (&a.file, &a.rule, &a.message).cmp(&(&b.file, &b.rule, &b.message)));
    findings.dedup_by(|a, b| a.file == b.file && a.rule == b.rule && a.message == b.message);
    let filter = config.filter();
    findings.retain_mut(|finding| {
        match filter.severity(&finding.rule, &finding.file, finding.severity) {
            Some(severity) => {
                finding.severity = severity;
                true
            }
            None => false,
        }
    });
    findings.iter_mut().for_each(redact::finding);
    // What verify examined is added by its caller, which knows the plan.
    Report {
        findings,
        suppressed: Vec::new(),
        coverage: Vec::new(),
    }
}

/// The rules of this category, declared once for every output, the
/// README's table and the fixtures.
pub const CATEGORY: Category = Category {
    name: "served",
    title: "what visitors get is what was checked",
    security_severity: 8.0,
    rules: &[
        Rule::error(
            "served/content-changed",
            "a served file whose bytes, content coding undone, differ from the bundle file's",
            "a proxy or CDN that rewrites files (minification, email obfuscation) serves content no check has seen",
            "turn off the rewriting feature for the site (Auto Minify, Email Obfuscation) or deploy the bundle again",
        ),
        Rule::error(
            "served/injected-markup",
            "a script, stylesheet or other `<link>`, frame, object, embed, form, `<base>`, `<template>`, `<meta http-equiv>`, SMIL animation, event handler or `javascript:` URL in a served page that the bundle's page does not hold",
            "injected code (Rocket Loader, analytics, obfuscation decoders) runs with the site's origin and breaks every script-boundary promise",
            "turn off the CDN feature that injects it (Rocket Loader, Email Obfuscation, Web Analytics injection, Zaraz)",
        ),
        Rule::error(
            "served/header-missing",
            "a header `_headers` declares for a path (or `X-Robots-Tag: noindex` on an admin route) missing from the served answer",
            "the CSP and security headers the check judged protect no visitor if they are not sent",
            "deploy `_headers` with the bundle and remove transform rules that strip headers",
        ),
        Rule::error(
            "served/header-changed",
            "a declared header served with another value (a CSP without one of the declared policies)",
            "a weakened header is a promise broken after the check",
            "remove the transform rule or proxy setting that rewrites the header",
        ),
        Rule::error(
            "served/header-injected",
            "a `Set-Cookie`, `Link` or `Refresh` header served for a path that `_headers` does not give one",
            "a cookie breaks a no-cookie promise, a `Link` preloads or applies what no page references, a `Refresh` sends visitors elsewhere",
            "turn off the CDN feature that adds it (bot management cookies, Early Hints, transform rules)",
        ),
        Rule::error(
            "served/sri-mismatch",
            "an `integrity` value in a served page that does not hold for the bytes served at its URL",
            "browsers refuse the script or stylesheet, so the page breaks for visitors",
            "serve assets unmodified (no re-minification) or rebuild so page and asset agree",
        ),
        Rule::error(
            "served/worker-route",
            "a Worker route (the lead form's action, a literal `worker_routes` entry, a path the pages reference under one) that does not answer a `GET` with 405",
            "a route that accepts a `GET` may create a lead from a link or a prefetch; one that answers 404 is not the Worker",
            "deploy the Worker and route the path to it (`run_worker_first`)",
        ),
        Rule::error(
            "served/status",
            "a page or asset of the bundle that does not answer 200",
            "visitors get an error or another page instead of what was checked",
            "deploy the whole bundle; check routes and `_redirects`",
        ),
        Rule::error(
            "served/redirect",
            "a URL that redirects off the site's origin, in a loop, more than five times, or to no URL",
            "a redirect the bundle does not declare sends visitors somewhere no check has seen",
            "remove the redirect rule at the CDN or fix `_redirects`",
        ),
        Rule::error(
            "served/unreachable",
            "a URL that could not be fetched: refused, reset, timed out, or a TLS failure",
            "what is not fetched is not verified",
            "check that the URL is the deployed site and reachable from where verify runs",
        )
        .marks_unjudged(),
        Rule::error(
            "served/too-large",
            "an answer whose body exceeds the byte cap",
            "a body past the cap is not read, so it is not verified",
            "raise `--max-body-bytes` or `max_file_bytes` if the file is meant to be that large",
        )
        .marks_unjudged(),
        Rule::error(
            "served/encoding",
            "a body sent with a content coding that cannot be undone (unknown, or corrupt)",
            "a body that cannot be decoded cannot be compared",
            "serve gzip, Brotli or Zstandard, or no content coding",
        )
        .marks_unjudged(),
    ],
};

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_base_is_an_origin() {
        assert_eq!(
            parse_base("https://Example.com").unwrap().as_str(),
            "https://example.com/"
        );
        assert_eq!(
            parse_base("http://127.0.0.1:8787/").unwrap().as_str(),
            "http://127.0.0.1:8787/"
        );
        for bad in [
            "ftp://example.com",
            "https://example.com/a",
            "https://example.com/?q",
            "https://example.com/#top",
            "https://u:secretpassword@example.com",
            "example.com",
            "",
        ] {
            assert!(parse_base(bad).is_err(), "{bad}");
        }
        // A refused URL is quoted with its credentials masked.
        let message = parse_base("https://u:secretpassword@example.com")
            .unwrap_err()
            .to_string();
        assert!(!message.contains("secretpassword"), "{message}");
    }

    #[test]
    fn options_that_describe_no_verification_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for options in [
            Options {
                concurrency: 0,
                ..Options::default()
            },
            Options {
                rate: 0.0,
                ..Options::default()
            },
            Options {
                rate: f64::NAN,
                ..Options::default()
            },
            Options {
                rate: 1e-300,
                ..Options::default()
            },
            Options {
                timeout: Duration::ZERO,
                ..Options::default()
            },
        ] {
            let result = verify(
                "http://127.0.0.1:9",
                dir.path(),
                &Config::default(),
                &options,
            );
            assert!(matches!(result, Err(Error::BadOptions(_))), "{options:?}");
        }
    }

    #[test]
    fn a_bundle_without_pages_is_not_a_pass() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("robots.txt"), "User-agent: *\n").unwrap();
        let result = verify(
            "http://127.0.0.1:9",
            dir.path(),
            &Config::default(),
            &Options::default(),
        );
        assert!(matches!(result, Err(Error::NothingToVerify(_))));
        let sitemap = Options {
            pages: PageSource::Sitemap,
            ..Options::default()
        };
        std::fs::write(dir.path().join("index.html"), "<p>home</p>").unwrap();
        let result = verify(
            "http://127.0.0.1:9",
            dir.path(),
            &Config::default(),
            &sitemap,
        );
        assert!(matches!(result, Err(Error::NothingToVerify(_))));
    }

    proptest! {
        /// Any text is an origin or an error; an accepted one has no path,
        /// query, fragment or credentials.
        #[test]
        fn fuzz_parse_base(text in "(https?://)?[ -~]{0,40}") {
            if let Ok(url) = parse_base(&text) {
                prop_assert_eq!(url.path(), "/");
                prop_assert!(url.query().is_none() && url.fragment().is_none());
                prop_assert!(url.username().is_empty() && url.password().is_none());
                prop_assert!(matches!(url.scheme(), "http" | "https"));
            }
        }
    }
}
