//! The build: content, templates and static files in, a validated bundle
//! out, written atomically.
//!
//! The bundle is written to a sibling temporary folder, checked there with
//! the validator, and only then swapped in for the old output. A failed
//! build therefore never leaves a half-written bundle where the complete
//! one is expected.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use crate::assets::{AssetMap, STATIC_DIR};
use crate::config::{AnalyticsConfig, SiteConfig};
use crate::content::{self, CONTENT_DIR, Page, Surface};
use crate::error::{Error, SourceSpot};
use crate::headers::build_headers;
use crate::markdown;
use crate::rewrite::{RewriteProblem, rewrite_page};
use crate::sitemap::{robots_txt, sitemap_xml};
use crate::templates::{TEMPLATES_DIR, Templates};

/// Name of the authored headers file at the site root.
pub const HEADERS_FILE: &str = "_headers";

/// How often (in pages) the progress callback is called.
pub const PROGRESS_EVERY: usize = 1000;

/// What to build and where.
pub struct BuildOptions<'a> {
    /// Folder holding `site.yaml`, `content/`, `templates/`, `static/`.
    pub site_dir: PathBuf,
    /// Output folder (replaced atomically on success).
    pub out_dir: PathBuf,
    /// Keep the temporary bundle when validation fails.
    pub keep_failed: bool,
    /// Called with `(pages rendered, pages total)` every
    /// [`PROGRESS_EVERY`] pages.
    pub progress: Option<&'a (dyn Fn(usize, usize) + Sync)>,
}

impl BuildOptions<'_> {
    /// Options for a site folder and output folder, without progress.
    pub fn new(site_dir: impl Into<PathBuf>, out_dir: impl Into<PathBuf>) -> Self {
        Self {
            site_dir: site_dir.into(),
            out_dir: out_dir.into(),
            keep_failed: false,
            progress: None,
        }
    }
}

/// What a successful build produced.
#[derive(Debug)]
pub struct BuildSummary {
    /// Pages written (drafts excluded).
    pub pages: usize,
    /// Static files published.
    pub assets: usize,
    /// Wall time of the whole build, validation included.
    pub elapsed: Duration,
    /// Wall time of each phase.
    pub phases: PhaseTimes,
    /// The validator's report (warnings only, since errors fail the build).
    pub report: bundle_validator::Report,
}

/// Wall time of the phases of a build, for profiling.
#[derive(Debug, Clone, Copy, Default)]
pub struct PhaseTimes {
    /// Reading config, content, templates and static files.
    pub load: Duration,
    /// Rendering and writing the bundle.
    pub write: Duration,
    /// Running the validator over the bundle.
    pub validate: Duration,
    /// Replacing the previous output.
    pub swap: Duration,
}

/// The `site` object of the template context.
#[derive(Serialize)]
struct SiteContext<'a> {
    name: &'a str,
    base_url: &'a str,
    contact_email: &'a str,
    language: &'a str,
    consent_revision: u32,
    analytics: &'a AnalyticsConfig,
}

/// The `page` object of the template context.
#[derive(Serialize)]
struct PageContext<'a> {
    title: &'a str,
    description: Option<&'a str>,
    content: &'a str,
    url: &'a str,
    permalink: String,
    surface: Surface,
    noindex: bool,
    robots: Option<&'static str>,
    slug: &'a str,
    template: &'a str,
    source: &'a str,
}

/// One entry of the `nav` list of the template context.
#[derive(Serialize, Clone)]
struct NavItem<'a> {
    label: &'a str,
    url: &'a str,
    current: bool,
}

/// Builds the site in `options.site_dir` into `options.out_dir`.
pub fn build(options: &BuildOptions<'_>) -> Result<BuildSummary, Error> {
    let started = Instant::now();
    let site_dir = options.site_dir.as_path();
    let config = SiteConfig::load(site_dir)?;

    // Every phase runs as far as it can, so an author sees the errors of
    // all pages and templates at once rather than one per build.
    let mut errors = Vec::new();
    let pages = load_pages(site_dir, &config, &mut errors)?;
    let templates = match Templates::load(&site_dir.join(TEMPLATES_DIR)) {
        Ok(templates) => Some(templates),
        Err(error) => {
            errors.push(error);
            None
        }
    };
    if let Some(templates) = &templates {
        errors.extend(missing_templates(&pages, templates));
    }
    let assets = AssetMap::collect(&site_dir.join(STATIC_DIR)).unwrap_or_else(|error| {
        errors.push(error);
        AssetMap::default()
    });
    let authored_headers = read_optional(&site_dir.join(HEADERS_FILE))?;
    let headers = match build_headers(authored_headers.as_deref(), &config.admin_prefixes, &pages) {
        Ok(headers) => Some(headers),
        Err(error) => {
            errors.push(error);
            None
        }
    };
    // Without templates or headers nothing can be written; the reasons
    // are already among the errors.
    let (Some(mut templates), Some(headers)) = (templates, headers) else {
        return Err(Error::from_list(errors));
    };
    // Pages whose template is missing cannot render; the error is recorded.
    let renderable: Vec<&Page> = pages
        .iter()
        .filter(|p| templates.has(&p.template))
        .collect();

    templates.set_global(
        "site",
        &SiteContext {
            name: &config.name,
            base_url: &config.base_url,
            contact_email: &config.contact_email,
            language: &config.language,
            consent_revision: config.consent_revision,
            analytics: &config.analytics,
        },
    );

    let mut phases = PhaseTimes {
        load: started.elapsed(),
        ..PhaseTimes::default()
    };
    let staging = sibling(&options.out_dir, "tmp")?;
    remove_if_present(&staging)?;
    let site = SiteParts {
        config: &config,
        pages: &pages,
        templates: &templates,
        assets: &assets,
        headers: &headers,
    };
    if let Err(error) = write_bundle(&staging, &site, &renderable, options) {
        errors.push(error);
    }
    if let Err(error) = Error::collect(errors) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(error);
    }

    phases.write = started.elapsed() - phases.load;
    let report = match bundle_validator::check(&staging, &config.validator_config(site_dir)) {
        Ok(report) => report,
        Err(error) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(error.into());
        }
    };
    let errors = report.error_count();
    if errors > 0 {
        let kept = if options.keep_failed {
            Some(staging)
        } else {
            let _ = std::fs::remove_dir_all(&staging);
            None
        };
        return Err(Error::ValidationFailed {
            errors,
            warnings: report.warning_count(),
            report: Box::new(report),
            kept,
        });
    }

    phases.validate = started.elapsed() - phases.load - phases.write;
    swap_in(&staging, &options.out_dir)?;
    phases.swap = started.elapsed() - phases.load - phases.write - phases.validate;
    Ok(BuildSummary {
        phases,
        pages: pages.len(),
        assets: assets.len(),
        elapsed: started.elapsed(),
        report,
    })
}

/// Discovers and parses every content file in parallel, drops drafts and
/// checks URLs are unique. Every error is collected before failing.
fn load_pages(
    site_dir: &Path,
    config: &SiteConfig,
    errors: &mut Vec<Error>,
) -> Result<Vec<Page>, Error> {
    let content_dir = site_dir.join(CONTENT_DIR);
    let files = content::discover(&content_dir)?;
    let results: Vec<Result<Page, Error>> = files
        .par_iter()
        .map(|path| content::load_page(&content_dir, path, config))
        .collect();
    let mut pages = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(page) if page.front.draft => {}
            Ok(page) => pages.push(page),
            Err(error) => errors.push(error),
        }
    }
    errors.extend(content::check_unique_urls(&pages));
    Ok(pages)
}

fn missing_templates(pages: &[Page], templates: &Templates) -> Vec<Error> {
    pages
        .iter()
        .filter(|page| !templates.has(&page.template))
        .map(|page| Error::UnknownTemplate {
            spot: match page.template_line {
                Some(line) => SourceSpot::at(&page.display_path, line, 1),
                None => SourceSpot::file(&page.display_path),
            },
            template: page.template.clone(),
        })
        .collect()
}

/// The navigation: public pages with a `nav` entry, by order then label.
fn navigation(pages: &[Page]) -> Vec<NavItem<'_>> {
    let mut entries: Vec<(i64, &str, &str)> = pages
        .iter()
        .filter(|page| page.surface == Surface::Public)
        .filter_map(|page| {
            page.front
                .nav
                .as_ref()
                .map(|nav| (nav.order, nav.label.as_str(), page.url.as_str()))
        })
        .collect();
    entries.sort_unstable();
    entries
        .into_iter()
        .map(|(_, label, url)| NavItem {
            label,
            url,
            current: false,
        })
        .collect()
}

/// The parts of a site the writing phase needs.
struct SiteParts<'a> {
    config: &'a SiteConfig,
    pages: &'a [Page],
    templates: &'a Templates,
    assets: &'a AssetMap,
    headers: &'a str,
}

fn write_bundle(
    staging: &Path,
    site: &SiteParts<'_>,
    renderable: &[&Page],
    options: &BuildOptions<'_>,
) -> Result<(), Error> {
    std::fs::create_dir_all(staging).map_err(|e| Error::io("cannot create folder", staging, e))?;
    site.assets.write(staging)?;

    let nav = navigation(site.pages);
    let done = AtomicUsize::new(0);
    let total = renderable.len();
    let errors: Vec<Error> = renderable
        .par_iter()
        .flat_map_iter(|page| {
            let result = render_page(staging, site, page, &nav);
            let count = done.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(progress) = options.progress
                && count.is_multiple_of(PROGRESS_EVERY)
            {
                progress(count, total);
            }
            result.err().unwrap_or_default()
        })
        .collect();
    Error::collect(errors)?;

    let base_url = &site.config.base_url;
    write_file(
        &staging.join("sitemap.xml"),
        sitemap_xml(base_url, site.pages).as_bytes(),
    )?;
    write_file(&staging.join("robots.txt"), robots_txt(base_url).as_bytes())?;
    write_file(&staging.join(HEADERS_FILE), site.headers.as_bytes())?;
    Ok(())
}

/// Stands in for `page.content` on the first render. It contains `<` so an
/// escaping template changes it, and noncharacters so no page holds it.
const CONTENT_MARKER: &str = "\u{FDD0}<baystore-page-content>\u{FDD1}";

/// Markdown, template, asset rewrite, write: one page, all its errors.
///
/// The template is first rendered around a marker instead of the content,
/// and only that shell goes through the HTML rewriter; the content, whose
/// references were fingerprinted while rendering Markdown, is spliced in
/// afterwards. When the template does anything but print the content
/// verbatim once (escapes, filters, repeats it), the page is rendered again
/// with the real content and rewritten whole, which gives the same result
/// more slowly.
fn render_page(
    staging: &Path,
    site: &SiteParts<'_>,
    page: &Page,
    nav: &[NavItem<'_>],
) -> Result<(), Vec<Error>> {
    let rendered = markdown::render(&page.body, site.assets).map_err(|violations| {
        violations
            .into_iter()
            .map(|v| {
                let (line, column) = page.body_position(v.offset);
                Error::UnsafeRawHtml {
                    spot: SourceSpot::at(&page.display_path, line, column),
                    violation: v.violation,
                }
            })
            .collect::<Vec<_>>()
    })?;
    let mut problems = rendered.problems;

    let robots = match (page.surface, page.noindex) {
        (Surface::Admin, _) => Some("noindex,nofollow"),
        (Surface::Public, true) => Some("noindex"),
        (Surface::Public, false) => None,
    };
    let mut page_context = PageContext {
        title: &page.front.title,
        description: page.front.description.as_deref(),
        content: CONTENT_MARKER,
        url: &page.url,
        permalink: format!("{}{}", site.config.base_url, page.url),
        surface: page.surface,
        noindex: page.noindex,
        robots,
        slug: &page.slug,
        template: &page.template,
        source: &page.source,
    };
    let page_nav: Vec<NavItem<'_>> = nav
        .iter()
        .map(|item| NavItem {
            current: item.url == page.url,
            ..item.clone()
        })
        .collect();
    let mut context = Context::new();
    context.insert("page", &page_context);
    context.insert("nav", &page_nav);
    let render = |context: &Context| {
        site.templates
            .render(&page.template, context, &page.display_path)
            .map_err(|e| vec![e])
    };
    let shell = render(&context)?;

    let mut spliced = None;
    if shell.matches(CONTENT_MARKER).count() == 1 {
        let Some(shell) = rewrite_into(&shell, site.assets, &mut problems) else {
            return Err(page_problems(page, problems));
        };
        spliced = shell
            .split_once(CONTENT_MARKER)
            .map(|(before, after)| [before, rendered.html.as_str(), after].concat());
    }
    let html = match spliced {
        Some(html) => html,
        None => {
            page_context.content = &rendered.html;
            context.insert("page", &page_context);
            let full = render(&context)?;
            rewrite_into(&full, site.assets, &mut problems).unwrap_or(full)
        }
    };
    if !problems.is_empty() {
        return Err(page_problems(page, problems));
    }

    let path = staging.join(&page.output);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| vec![Error::io("cannot create folder", parent, e)])?;
    }
    write_file(&path, html.as_bytes()).map_err(|e| vec![e])
}

/// Rewrites HTML, recording problems; `None` when there were any.
fn rewrite_into(
    html: &str,
    assets: &AssetMap,
    problems: &mut Vec<RewriteProblem>,
) -> Option<String> {
    match rewrite_page(html, assets) {
        Ok(rewritten) => Some(rewritten),
        Err(found) => {
            problems.extend(found);
            None
        }
    }
}

fn page_problems(page: &Page, problems: Vec<RewriteProblem>) -> Vec<Error> {
    // The slow path re-reads content the Markdown pass already reported on.
    let mut seen = Vec::with_capacity(problems.len());
    problems
        .into_iter()
        .filter(|problem| {
            let new = !seen.contains(problem);
            if new {
                seen.push(problem.clone());
            }
            new
        })
        .map(|problem| match problem {
            RewriteProblem::MissingAsset(reference) => Error::MissingAsset {
                source_file: page.display_path.clone(),
                template: Some(format!("{TEMPLATES_DIR}/{}.html", page.template)),
                reference,
            },
            RewriteProblem::Rewriter(message) => Error::Rewrite {
                file: page.display_path.clone(),
                message,
            },
        })
        .collect()
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(path, bytes).map_err(|e| Error::io("cannot write", path, e))
}

fn read_optional(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("cannot read", path, e)),
    }
}

/// A sibling of `out_dir` named `<name>.<tag>-<pid>`, so it sits on the
/// same filesystem and renames stay atomic.
fn sibling(out_dir: &Path, tag: &str) -> Result<PathBuf, Error> {
    let name = out_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dist".to_string());
    let parent = match out_dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| Error::io("cannot create folder", &parent, e))?;
    Ok(parent.join(format!("{name}.{tag}-{}", std::process::id())))
}

fn remove_if_present(path: &Path) -> Result<(), Error> {
    match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("cannot remove", path, e)),
    }
}

/// Removes a large output folder, its top-level entries in parallel: a
/// bundle of thousands of pages is mostly unlink calls.
fn remove_in_parallel(path: &Path) -> Result<(), Error> {
    let entries: Vec<PathBuf> = match std::fs::read_dir(path) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("cannot remove", path, e)),
    };
    entries.par_iter().try_for_each(|entry| {
        let removed = if entry.is_dir() {
            std::fs::remove_dir_all(entry)
        } else {
            std::fs::remove_file(entry)
        };
        removed.map_err(|e| Error::io("cannot remove", entry, e))
    })?;
    remove_if_present(path)
}

/// Replaces `out_dir` with `staging`: the old output is renamed away, the
/// new one renamed in, then the old one removed.
fn swap_in(staging: &Path, out_dir: &Path) -> Result<(), Error> {
    let old = sibling(out_dir, "old")?;
    remove_if_present(&old)?;
    let had_old = match std::fs::rename(out_dir, &old) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => {
            let _ = std::fs::remove_dir_all(staging);
            return Err(Error::io("cannot move old output away", out_dir, e));
        }
    };
    if let Err(e) = std::fs::rename(staging, out_dir) {
        // Put the old output back so the failed build changes nothing.
        if had_old {
            let _ = std::fs::rename(&old, out_dir);
        }
        let _ = std::fs::remove_dir_all(staging);
        return Err(Error::io("cannot move new output in place", out_dir, e));
    }
    if had_old {
        remove_in_parallel(&old)?;
    }
    Ok(())
}
