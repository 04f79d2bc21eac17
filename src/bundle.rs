//! The build: content, templates and static files in, a validated bundle
//! out, written atomically.
//!
//! The bundle is written to a fresh staging folder beside the output,
//! checked there with the validator, and only then swapped in for the old
//! output ([`crate::out_dir`]). A failed build, a panic included, removes
//! the staging folder and never leaves a half-written bundle where the
//! complete one is expected. Every file of the bundle is traced to the
//! source that produced it, so a failure names `content/…`, `static/…`
//! or `_headers` rather than a path inside the staging folder.

use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use crate::assets::{AssetMap, ROOT_COPIES, STATIC_DIR};
use crate::config::{AnalyticsConfig, SiteConfig};
use crate::content::section::{feed_path, pager_url};
use crate::content::taxonomy::{LIST_TEMPLATE, SINGLE_TEMPLATE, Taxonomy, Term, term_url};
use crate::content::{self, CONTENT_DIR, ContentDate, Page, Sections, Surface, Taxonomies};
use crate::error::{Error, Rejection, SourceSpot};
use crate::feed::{FEED_FILE, FeedHead, atom_xml};
use crate::headers::build_headers;
use crate::images::ImageStats;
use crate::images::cache::Cache;
use crate::markdown::headings::TocEntry;
use crate::markdown::{self, Origins};
use crate::out_dir::{self, BUNDLE_MARK, OutDir};
use crate::public_files::{self, PublicFile};
use crate::rewrite::{RewriteProblem, rewrite_page};
use crate::security_txt::SECURITY_TXT_PATH;
use crate::sitemap::{robots_txt, sitemap_xml};
use crate::source_text;
use crate::template_functions::{self, SiteFunctions};
use crate::templates::{TEMPLATES_DIR, Templates};
use crate::yaml::is_linked_or_outside;
use bundle_validator::memo::FileStamp;

/// Name of the authored headers file at the site root.
pub const HEADERS_FILE: &str = "_headers";

/// Name of the generated sitemap at the bundle root.
const SITEMAP_FILE: &str = "sitemap.xml";

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
    /// Publish drafts, marked `noindex` (for preview deploys). Without
    /// it, drafts are checked but not published.
    pub drafts: bool,
    /// Called with `(pages rendered, pages total)` every
    /// [`PROGRESS_EVERY`] pages.
    pub progress: Option<&'a (dyn Fn(usize, usize) + Sync)>,
    /// A `dev` build: every page then loads the live reload client (a
    /// fingerprinted script and stylesheet, with SRI). Every other build
    /// never contains the client. The page does not say which build it
    /// belongs to (the dev server does, in a header), so a page that did
    /// not change is the same in every dev build.
    pub dev: bool,
    /// The time `now()` gives templates. When `None`, the time
    /// `SOURCE_DATE_EPOCH` names if it is set (a malformed value fails
    /// the build), else the clock.
    pub build_time: Option<jiff::Timestamp>,
}

impl BuildOptions<'_> {
    /// Options for a site folder and output folder, without progress.
    pub fn new(site_dir: impl Into<PathBuf>, out_dir: impl Into<PathBuf>) -> Self {
        Self {
            site_dir: site_dir.into(),
            out_dir: out_dir.into(),
            keep_failed: false,
            drafts: false,
            progress: None,
            dev: false,
            build_time: None,
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
    /// Raster images decoded for their variants, and reused from the cache.
    pub images: ImageStats,
    /// Wall time of the whole build, validation included.
    pub elapsed: Duration,
    /// Wall time of each phase.
    pub phases: PhaseTimes,
    /// Files rewritten in the last good bundle, for a dev rebuild that
    /// rewrote it in place (see [`build_again`]); `None` for a build into
    /// a fresh folder.
    pub rewritten: Option<usize>,
    /// The validator's report (warnings only, since errors fail the build),
    /// each finding traced to its source where the build knows it.
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
    /// Writing the evidence manifest and checking the bundle that holds
    /// it again.
    pub evidence: Duration,
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
    extra: &'a serde_json::Map<String, serde_json::Value>,
    /// Site path of the site-wide Atom feed, when there is one.
    feed_url: Option<&'static str>,
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
    date: Option<&'a ContentDate>,
    updated: Option<&'a ContentDate>,
    weight: Option<i64>,
    taxonomies: TermNames<'a>,
    extra: &'a serde_json::Map<String, serde_json::Value>,
    /// The page's headings, nested by level.
    toc: &'a [TocEntry],
    /// Whether the page has highlighted code, and so needs its stylesheet.
    highlighted: bool,
    /// Open Graph and Twitter card values.
    social: crate::social::SocialContext,
    /// The page's JSON-LD, serialised safe for a `<script>` data block.
    json_ld: String,
}

/// The terms a page names, by taxonomy, as Zola gives them to templates:
/// `page.taxonomies.tags` is a list of names.
type TermNames<'a> = std::collections::BTreeMap<&'a str, Vec<&'a str>>;

fn term_names(page: &Page) -> TermNames<'_> {
    let mut names = TermNames::new();
    for term in &page.terms {
        names
            .entry(term.taxonomy.as_str())
            .or_default()
            .push(term.name.as_str());
    }
    names
}

/// A page as listings show it: `section.pages`, `paginator.pages` and
/// `section.subsections` of the template context.
#[derive(Serialize)]
struct PageSummary<'a> {
    title: &'a str,
    description: Option<&'a str>,
    url: &'a str,
    permalink: String,
    slug: &'a str,
    date: Option<&'a ContentDate>,
    updated: Option<&'a ContentDate>,
    weight: Option<i64>,
    taxonomies: TermNames<'a>,
    extra: &'a serde_json::Map<String, serde_json::Value>,
}

impl<'a> PageSummary<'a> {
    fn of(page: &'a Page, base_url: &str) -> Self {
        Self {
            title: &page.front.title,
            description: page.front.description.as_deref(),
            url: &page.url,
            permalink: format!("{base_url}{}", page.url),
            slug: &page.slug,
            date: page.front.date.as_ref(),
            updated: page.front.updated.as_ref(),
            weight: page.front.weight,
            taxonomies: term_names(page),
            extra: &page.front.extra,
        }
    }
}

/// Every page as listings show it. Each is turned into a template value
/// the first time a listing shows it, and that value is shared from then
/// on (Tera takes a value inside a context without copying it): a page
/// is listed by its section and by each of its terms, and the list of
/// terms shows every page of every term.
struct Summaries<'a> {
    pages: Vec<PageSummary<'a>>,
    values: Vec<OnceLock<tera::Value>>,
}

impl<'a> Summaries<'a> {
    fn new(pages: Vec<PageSummary<'a>>) -> Self {
        let values = pages.iter().map(|_| OnceLock::new()).collect();
        Self { pages, values }
    }

    /// Page `index` as a listing shows it.
    fn value(&self, index: usize) -> &tera::Value {
        self.values[index].get_or_init(|| tera::Value::from_serializable(&self.pages[index]))
    }
}

/// The `section` object of a section's template context.
#[derive(Serialize)]
struct SectionContext<'a> {
    title: &'a str,
    description: Option<&'a str>,
    url: &'a str,
    permalink: &'a str,
    /// Every page, sorted; empty when the section is paginated, as in
    /// Zola, so that each listing page costs what it shows.
    pages: Vec<&'a tera::Value>,
    subsections: Vec<&'a tera::Value>,
    /// Site path of the section's Atom feed, when it has one.
    feed_url: Option<String>,
}

/// The `paginator` object of a paginated section's template context.
#[derive(Serialize)]
struct PaginatorContext<'a> {
    paginate_by: usize,
    /// Listing pages in all.
    number_pagers: usize,
    /// This listing page, from 1.
    current_index: usize,
    /// Pages listed over all the listing pages.
    total_pages: usize,
    pages: Vec<&'a tera::Value>,
    first: &'a str,
    last: String,
    previous: Option<String>,
    next: Option<String>,
}

/// What a section's listing page adds to its template context.
struct ListingContext<'a> {
    section: SectionContext<'a>,
    paginator: Option<PaginatorContext<'a>>,
}

/// The listing context of page `index`, when it is a listing page.
fn listing_context<'a>(
    site: &SiteParts<'a>,
    summaries: &'a Summaries<'a>,
    index: usize,
) -> Option<ListingContext<'a>> {
    let (section, number) = site.sections.listing(index)?;
    let owner = &summaries.pages[section.page];
    let listed = |indexes: &[usize]| -> Vec<&'a tera::Value> {
        indexes.iter().map(|&i| summaries.value(i)).collect()
    };
    let per_page = site.pages[section.page]
        .section
        .as_ref()
        .and_then(|s| s.paginate_by);
    let paginator = per_page.map(|per_page| {
        paginator_context(
            owner.url,
            &section.pages,
            per_page.get(),
            number,
            section.pagers.len(),
            summaries,
        )
    });
    Some(ListingContext {
        section: SectionContext {
            title: owner.title,
            description: owner.description,
            url: owner.url,
            permalink: &owner.permalink,
            pages: if paginator.is_some() {
                Vec::new()
            } else {
                listed(&section.pages)
            },
            subsections: listed(&section.subsections),
            feed_url: site.pages[section.page]
                .section
                .as_ref()
                .filter(|s| s.feed)
                .map(|_| format!("/{}", feed_path(owner.url))),
        },
        paginator,
    })
}

/// The `paginator` of listing page `number` of `count`, whose first page
/// is at `url`, over the pages `listed`.
fn paginator_context<'a>(
    url: &'a str,
    listed: &[usize],
    per_page: usize,
    number: usize,
    count: usize,
    summaries: &'a Summaries<'a>,
) -> PaginatorContext<'a> {
    let start = (number - 1).saturating_mul(per_page).min(listed.len());
    let end = start.saturating_add(per_page).min(listed.len());
    PaginatorContext {
        paginate_by: per_page,
        number_pagers: count,
        current_index: number,
        total_pages: listed.len(),
        pages: listed[start..end]
            .iter()
            .map(|&i| summaries.value(i))
            .collect(),
        first: url,
        last: pager_url(url, count),
        previous: (number > 1).then(|| pager_url(url, number - 1)),
        next: (number < count).then(|| pager_url(url, number + 1)),
    }
}

/// The `taxonomy` object of a taxonomy page's template context.
#[derive(Serialize)]
struct TaxonomyContext<'a> {
    name: &'a str,
    url: String,
    permalink: String,
    paginate_by: Option<usize>,
    feed: bool,
}

/// A term as taxonomy pages show it: each of `terms` on the list page,
/// and `term` on the term's own listing pages.
#[derive(Serialize)]
struct TermContext<'a> {
    name: &'a str,
    slug: &'a str,
    url: String,
    permalink: String,
    /// Pages naming the term.
    count: usize,
    /// Every page, newest first; empty on a paginated term's listing
    /// pages, which show `paginator.pages`.
    pages: Vec<&'a tera::Value>,
    /// Site path of the term's Atom feed, when the taxonomy has feeds.
    feed_url: Option<String>,
}

/// What a taxonomy page adds to its template context.
struct TaxonomyListing<'a> {
    taxonomy: TaxonomyContext<'a>,
    /// Every term, by name, on the list of terms.
    terms: Option<Vec<TermContext<'a>>>,
    /// The term, on a term's listing page.
    term: Option<TermContext<'a>>,
    paginator: Option<PaginatorContext<'a>>,
}

fn term_context<'a>(
    config: &SiteConfig,
    taxonomy: &'a Taxonomy,
    term: &'a Term,
    summaries: &'a Summaries<'a>,
    with_pages: bool,
) -> TermContext<'a> {
    let url = term_url(&taxonomy.name, &term.slug);
    let feed = config.taxonomy(&taxonomy.name).is_some_and(|t| t.feed);
    TermContext {
        name: &term.name,
        slug: &term.slug,
        permalink: format!("{}{url}", config.base_url),
        feed_url: feed.then(|| format!("/{}", feed_path(&url))),
        url,
        count: term.pages.len(),
        pages: if with_pages {
            term.pages.iter().map(|&i| summaries.value(i)).collect()
        } else {
            Vec::new()
        },
    }
}

/// The taxonomy context of page `index`, when the generator added it for
/// a taxonomy.
fn taxonomy_listing<'a>(
    site: &SiteParts<'a>,
    summaries: &'a Summaries<'a>,
    index: usize,
) -> Option<TaxonomyListing<'a>> {
    let position = site.taxonomies.position(index)?;
    let taxonomy = position.taxonomy;
    let settings = site.config.taxonomy(&taxonomy.name)?;
    let url = format!("/{}/", taxonomy.name);
    let context = TaxonomyContext {
        name: &taxonomy.name,
        permalink: format!("{}{url}", site.config.base_url),
        url,
        paginate_by: settings.paginate_by.map(|n| n.get()),
        feed: settings.feed,
    };
    let Some(term) = position.term else {
        let mut terms: Vec<TermContext<'a>> = taxonomy
            .terms
            .iter()
            .map(|term| term_context(site.config, taxonomy, term, summaries, true))
            .collect();
        terms.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then_with(|| a.slug.cmp(b.slug))
        });
        return Some(TaxonomyListing {
            taxonomy: context,
            terms: Some(terms),
            term: None,
            paginator: None,
        });
    };
    let paginator = settings.paginate_by.map(|per_page| {
        paginator_context(
            &site.pages[term.pagers[0]].url,
            &term.pages,
            per_page.get(),
            position.number,
            term.pagers.len(),
            summaries,
        )
    });
    Some(TaxonomyListing {
        taxonomy: context,
        terms: None,
        term: Some(term_context(
            site.config,
            taxonomy,
            term,
            summaries,
            paginator.is_none(),
        )),
        paginator,
    })
}

/// One entry of the `nav` list of the template context.
#[derive(Serialize, Clone)]
struct NavItem<'a> {
    label: &'a str,
    url: &'a str,
    current: bool,
}

/// Builds the site in `options.site_dir` into `options.out_dir`.
///
/// `--out` is checked before anything is written (see [`OutDir`]). A panic
/// anywhere in the build becomes [`Error::Internal`]; the staging folder
/// is removed on the way out either way.
pub fn build(options: &BuildOptions<'_>) -> Result<BuildSummary, Error> {
    build_with(options, &Hooks::default(), None)
}

/// Builds as [`build`] does, or, when `reuse` shows that only the bodies of
/// content pages changed since the last good build, rewrites that build's
/// bundle in place: the changed pages, the feeds that list them and the
/// evidence, checked with the validator's memo of the rest. `shield` gets
/// the last good bytes of the files about to be rewritten first, and a
/// build that fails puts them back. `reuse` keeps what the next build
/// needs. For `dev` (see [`crate::rebuild`]).
pub fn build_again(
    options: &BuildOptions<'_>,
    reuse: &mut crate::rebuild::Reuse,
    shield: crate::rebuild::Shield<'_>,
) -> Result<BuildSummary, Error> {
    build_with(options, &Hooks::default(), Some((reuse, shield)))
}

/// What a dev build reuses, and whom it tells what it rewrites.
type Again<'r, 's> = Option<(&'r mut crate::rebuild::Reuse, crate::rebuild::Shield<'s>)>;

/// A hook called with each page and the staging folder.
type PageHook<'a> = &'a (dyn Fn(&Page, &Path) + Sync);

/// Points where tests inject faults into a build, to show that no failure
/// leaves a staging folder behind. A build outside tests has none.
#[derive(Default)]
struct Hooks<'a> {
    /// Called with each page and the staging folder before the page is
    /// rendered.
    page: Option<PageHook<'a>>,
    /// Called with the staging folder before the validator runs.
    validator: Option<&'a (dyn Fn(&Path) + Sync)>,
}

fn build_with(
    options: &BuildOptions<'_>,
    hooks: &Hooks<'_>,
    reuse: Again<'_, '_>,
) -> Result<BuildSummary, Error> {
    catch_unwind(AssertUnwindSafe(|| build_inner(options, hooks, reuse))).unwrap_or_else(|panic| {
        Err(Error::Internal {
            context: "build".to_string(),
            message: panic_message(panic.as_ref()),
        })
    })
}

fn build_inner(
    options: &BuildOptions<'_>,
    hooks: &Hooks<'_>,
    reuse: Again<'_, '_>,
) -> Result<BuildSummary, Error> {
    let started = Instant::now();
    let site_dir = options.site_dir.as_path();
    let config = SiteConfig::load(site_dir)?;
    let out = OutDir::check(&options.out_dir, site_dir)?;
    // Read once, so every page sees one time, and a malformed value
    // fails the build rather than making it silently unreproducible.
    let build_time = match options.build_time {
        Some(time) => time,
        None => template_functions::build_time(
            std::env::var_os(template_functions::SOURCE_DATE_EPOCH).as_deref(),
        )
        .map_err(Error::BuildTime)?,
    };

    // Every phase runs as far as it can, so an author sees the errors of
    // all pages and templates at once rather than one per build.
    let mut errors = Vec::new();
    // What a dev build reuses, and whom it tells what it rewrites.
    let (mut reuse, shield) = reuse.unzip();
    let (mut pages, drafts, sections, taxonomies) = load_pages(
        site_dir,
        &config,
        options.drafts,
        &mut errors,
        reuse.as_deref_mut().map(|reuse| &mut reuse.loaded),
    )?;
    // A page that failed to load may be the policy page; its own error
    // says enough.
    if errors.is_empty() {
        errors.extend(security_policy_errors(&config, &pages));
    }
    // A page over the gate's file cap could not be judged, so the site's
    // validator setting bounds what a render may write.
    let mut validator_config = config.validator_config(site_dir);
    // The gate judges the dates this build writes at the build's own time.
    validator_config.now = Some(build_time.as_second());
    let page_limit = usize::try_from(validator_config.max_file_bytes()).unwrap_or(usize::MAX);
    let templates = match Templates::load(&site_dir.join(TEMPLATES_DIR)) {
        Ok(mut templates) => {
            templates.set_page_limit(page_limit);
            Some(templates)
        }
        Err(error) => {
            errors.push(error);
            None
        }
    };
    if let Some(templates) = &templates {
        choose_taxonomy_templates(&mut pages, templates);
        errors.extend(missing_templates(&pages, templates));
    }
    let data = content::data::load(site_dir).unwrap_or_else(|error| {
        errors.push(error);
        serde_json::Map::new()
    });
    let mut assets = AssetMap::collect(&site_dir.join(STATIC_DIR)).unwrap_or_else(|error| {
        errors.push(error);
        AssetMap::default()
    });
    let images = match crate::images::cache_dir(site_dir, &config.images) {
        Ok(dir) => crate::images::process(&mut assets, &config.images, &Cache::open(&dir))
            .unwrap_or_else(|found| {
                errors.extend(found);
                ImageStats::default()
            }),
        Err(message) => {
            errors.push(Error::SiteConfig {
                spot: SourceSpot::file(crate::config::SITE_CONFIG_FILE),
                message,
            });
            ImageStats::default()
        }
    };
    if let Some(templates) = &templates
        && templates.has(&format!(
            "{}/{}",
            crate::markdown::SHORTCODES_DIR,
            crate::images::markup::SHORTCODE
        ))
    {
        // A site template would be silently ignored for the built-in.
        errors.push(Error::ImageUse {
            spot: SourceSpot::file(format!(
                "{TEMPLATES_DIR}/{}/{}.html",
                crate::markdown::SHORTCODES_DIR,
                crate::images::markup::SHORTCODE
            )),
            problem: crate::images::markup::UseProblem::Argument(
                "`image` is the built-in image shortcode; give this template another name"
                    .to_string(),
            ),
        });
    }
    if options.dev {
        crate::dev::client::add_assets(&mut assets);
    }
    let public = public_files::collect(
        &site_dir.join(public_files::PUBLIC_DIR),
        validator_config.max_file_bytes(),
    )
    .unwrap_or_else(|found| {
        errors.extend(found);
        Vec::new()
    });
    // Links to public files stay as written: they are neither
    // fingerprinted nor missing static files.
    assets.add_generated(public.iter().map(|file| &file.path));
    errors.extend(check_drafts(&config, &drafts, templates.as_ref(), &assets));
    let promises = match &config.evidence.promises {
        Some(path) => crate::promises::load(site_dir, path).unwrap_or_else(|error| {
            errors.push(error);
            Vec::new()
        }),
        None => Vec::new(),
    };
    // Before the first check the promises are rendered without numbers;
    // that render is checked, then replaced (see the evidence passes).
    let pending_evidence =
        crate::evidence::page_evidence(&promises, None, build_time, config.evidence.bundle_path());
    let share_image = crate::social::image_url(&config, &assets).unwrap_or_else(|error| {
        errors.push(error);
        None
    });
    let feeds = feed_paths(&config, &pages, &sections, &taxonomies);
    assets.add_generated(&feeds);
    // Pages may link the evidence manifest, which the build writes.
    assets.add_generated([&config.evidence.bundle_path().to_string()]);
    // The `markdown` filter and `get_url` read the static files while
    // pages render, from every thread.
    let assets = Arc::new(assets);
    let mut generated = generated_files(&assets, &feeds);
    generated.push(config.evidence.bundle_path().to_string());
    if config.security_txt.is_some() {
        generated.push(SECURITY_TXT_PATH.to_string());
    }
    errors.extend(asset_path_errors(&assets));
    errors.extend(public_files::collisions(&public, &generated, &pages));
    let authored_robots = authored_robots(&public, &config, &pages, &mut errors);
    // An alias may not stand where a public file is published either.
    let mut published = generated.clone();
    published.extend(public.iter().map(|file| file.path.clone()));
    let redirects = crate::redirects::build(&config, &pages, &published).unwrap_or_else(|found| {
        errors.extend(found);
        None
    });
    // A page that cannot be written where it belongs is not rendered, so
    // its error is not followed by the failed write it would cause.
    let mut unplaceable = vec![false; pages.len()];
    for (index, error) in content::check_output_paths(&pages, &generated) {
        unplaceable[index] = true;
        errors.push(error);
    }
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
    // Pages whose template is missing, or that have no place in the
    // bundle, cannot render; the error is recorded.
    let renderable: Vec<usize> = (0..pages.len())
        .filter(|&index| templates.has(&pages[index].template) && !unplaceable[index])
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
            extra: &config.extra,
            feed_url: config.feed.then_some("/atom.xml"),
        },
    );
    templates.set_global("data", &data);
    templates.functions().provide(SiteFunctions::new(
        &config,
        &pages,
        &sections,
        &taxonomies,
        Arc::clone(&assets),
        &feeds,
        build_time,
    ));

    let mut phases = PhaseTimes {
        load: started.elapsed(),
        ..PhaseTimes::default()
    };
    let site = SiteParts {
        config: &config,
        pages: &pages,
        sections: &sections,
        taxonomies: &taxonomies,
        templates: &templates,
        assets: &assets,
        headers: &headers,
        authored_headers: authored_headers.as_deref(),
        dev: options.dev,
        build_time: build_time.as_second(),
        redirects: redirects.as_deref(),
        public: &public,
        authored_robots,
        share_image: share_image.as_deref(),
        evidence: &pending_evidence,
    };
    let manifest_path = config.evidence.bundle_path();
    // A dev rebuild after an edit of content pages rewrites only what the
    // edit changed, in the last good bundle (see `crate::rebuild`).
    let in_place = match (reuse.as_deref(), shield) {
        (Some(reuse), Some(shield)) if errors.is_empty() => rewrite_in_place(
            reuse,
            shield,
            &site,
            &renderable,
            options.drafts,
            manifest_path,
        ),
        _ => None,
    };
    // Pages render even when other parts have errors, so that their own
    // errors are reported in the same run; the staging folder goes away
    // with any failure, and a bundle rewritten in place gets its last
    // good files back.
    let (target, written) = match in_place {
        Some((in_place, again)) => {
            let written = rewrite_pages(&in_place, &site, &again, reuse.as_deref(), options, hooks);
            (Target::InPlace(in_place), written)
        }
        None => {
            let staging = out.stage()?;
            let written = write_bundle(staging.path(), &site, &renderable, options, hooks);
            (Target::Fresh(staging), written)
        }
    };
    let mut traces = match written {
        Ok(traces) => traces,
        Err(error) => {
            errors.push(error);
            HashMap::new()
        }
    };
    Error::collect(errors)?;
    let rewritten = match &target {
        Target::InPlace(in_place) => Some(in_place.rewritten.len()),
        Target::Fresh(_) => None,
    };

    // The pages that call the `promises` shortcode show the evidence; a
    // site that renders promises must say where they are.
    let mut evidence_pages: Vec<String> = traces
        .iter()
        .filter(|(_, trace)| trace.shows_evidence)
        .map(|(output, _)| output.clone())
        .collect();
    evidence_pages.sort();
    if config.evidence.promises.is_none()
        && let Some(first) = evidence_pages.first()
    {
        let page = traces
            .get(first)
            .map_or_else(|| first.clone(), |t| pages[t.page].display_path.clone());
        return Err(crate::evidence::EvidenceError::NoPromises { page }.into());
    }
    // The manifest is there from the first check on, so that every check
    // judges the same files; this first one carries no coverage yet.
    let source_commit = crate::evidence::source_commit(site_dir, |name| std::env::var(name).ok());
    // What the validator remembers and what the last good build left are
    // read and written apart.
    let (memo, last) = match reuse.as_deref_mut() {
        Some(crate::rebuild::Reuse { memo, last, .. }) => (Some(memo), last.as_ref()),
        None => (None, None),
    };
    let known = match (&target, last) {
        (Target::InPlace(in_place), Some(last)) => Some(crate::evidence::KnownDigests {
            files: &last.files,
            rewritten: &in_place.rewritten,
        }),
        _ => None,
    };
    let bundle = target.path().to_path_buf();
    let manifest_of =
        |files: Vec<bundle_validator::evidence::FileDigest>,
         coverage: &[bundle_validator::CategoryCoverage],
         promises: Vec<bundle_validator::evidence::PromiseEvidence>| {
            crate::evidence::manifest(
                &bundle,
                crate::evidence::ManifestParts {
                    files,
                    build_time,
                    source_commit: source_commit.clone(),
                    coverage,
                    promises,
                    evidence_pages: &evidence_pages,
                },
            )
        };
    // A build without a memo (every production build) takes the digests
    // from the check's own reads of the bundle, so the manifest lists the
    // very bytes that were judged and the bundle is not read once more for
    // it. Until then the manifest stands there without digests: the first
    // check judges a file at its path, and the manifest that replaces it
    // is judged again (see below). A dev build knows the digests of the
    // files it did not rewrite and reads only the others.
    let digesting = memo.is_none();
    let mut files = if digesting {
        Vec::new()
    } else {
        crate::evidence::digest_files(&bundle, manifest_path, known.as_ref())?
    };
    let mut manifest = manifest_of(files.clone(), &[], Vec::new())?;
    crate::evidence::write(&bundle, manifest_path, &manifest)?;

    phases.write = started.elapsed() - phases.load;
    // One check of the bundle as it stands in the staging folder; a
    // failing one ends the build with every error traced to its source.
    // A dev build remembers what the validator judged, so the next check
    // scans only the files whose bytes changed.
    let memo = std::cell::RefCell::new(memo);
    type Checked = (
        bundle_validator::Report,
        Option<Vec<bundle_validator::evidence::FileDigest>>,
    );
    let validate = |traces: &Traces| -> Result<Checked, Error> {
        let checked = catch_unwind(AssertUnwindSafe(|| {
            if let Some(hook) = hooks.validator {
                hook(&bundle);
            }
            match memo.borrow_mut().as_deref_mut() {
                Some(memo) => bundle_validator::check_remembering(&bundle, &validator_config, memo)
                    .map(|report| (report, None)),
                None => bundle_validator::check_digesting(&bundle, &validator_config)
                    .map(|(report, read)| (report, Some(read))),
            }
        }))
        .map_err(|panic| Error::Internal {
            context: "validator".to_string(),
            message: panic_message_in(panic.as_ref(), &bundle),
        })?;
        let (mut report, read) =
            checked.map_err(|error| validator_error(error, site_dir, &validator_config))?;
        let sources = trace_findings(&mut report, traces, &bundle, &site);
        let report = passed(report, sources)?;
        let files = read
            .map(|read| crate::evidence::files_as_read(read, manifest_path))
            .transpose()?;
        Ok((report, files))
    };
    let mut report = match validate(&traces) {
        Ok((report, read)) => {
            if let Some(read) = read {
                files = read;
            }
            report
        }
        Err(error) => return Err(target.fail(error, options.keep_failed)),
    };
    phases.validate = started.elapsed() - phases.load - phases.write;

    // The evidence of this check is rendered into the pages that show it
    // and written into the manifest, and the bundle holding both is
    // checked again, in full: what the page and the manifest state must
    // be what the check of the final bundle measured. A promise whose
    // rules did not all run, or whose outcome differs between the checks,
    // fails the build. The checks agree unless the evidence itself changes
    // what is measured; a third is allowed before the build gives up.
    let mut proven = crate::evidence::promise_evidence(&promises, &report.coverage);
    crate::evidence::require_proven(&proven)?;
    let mut checks = 1;
    if evidence_pages.is_empty() {
        // No page shows the evidence, so only the manifest changes: the
        // first check already judged every other file as it ships, and
        // the manifest is judged here on its own (it refers to no other
        // file) rather than by a second check of the whole bundle.
        manifest = manifest_of(std::mem::take(&mut files), &report.coverage, proven.clone())?;
        crate::evidence::write(&bundle, manifest_path, &manifest)?;
        if let Err(error) = check_alone(&bundle, manifest_path, &validator_config) {
            return Err(target.fail(error, options.keep_failed));
        }
    }
    let shown_pages: HashSet<String> = evidence_pages.iter().cloned().collect();
    while !evidence_pages.is_empty() {
        // Only the evidence pages change from here on, and the digest
        // they show leaves them (and the manifest) out.
        let digest = bundle_validator::evidence::bundle_digest(&files, &evidence_pages);
        let short = &digest[..bundle_validator::evidence::SHORT_DIGEST_CHARS];
        let shown = crate::evidence::page_evidence(
            &promises,
            Some((&proven, short)),
            build_time,
            manifest_path,
        );
        let indices: Vec<usize> = evidence_pages
            .iter()
            .filter_map(|output| traces.get(output).map(|t| t.page))
            .collect();
        let with_evidence = SiteParts {
            evidence: &shown,
            ..site
        };
        let rendered = render_pages(&bundle, &with_evidence, &indices, options, hooks)?;
        traces.extend(rendered);
        files = crate::evidence::digest_files(
            &bundle,
            manifest_path,
            Some(&crate::evidence::KnownDigests {
                files: &files,
                rewritten: &shown_pages,
            }),
        )?;
        manifest = manifest_of(files.clone(), &report.coverage, proven.clone())?;
        crate::evidence::write(&bundle, manifest_path, &manifest)?;
        let next = match validate(&traces) {
            Ok((next, read)) => {
                // The manifest was written from the bundle before this
                // check; the check read the same bytes, or the bundle
                // changed under the build.
                if let Some(read) = read
                    && read != files
                {
                    let error = crate::evidence::EvidenceError::ChangedWhileChecked.into();
                    return Err(target.fail(error, options.keep_failed));
                }
                next
            }
            Err(error) => return Err(target.fail(error, options.keep_failed)),
        };
        checks += 1;
        let next_proven = crate::evidence::promise_evidence(&promises, &next.coverage);
        crate::evidence::require_same_outcomes(&proven, &next_proven)?;
        crate::evidence::require_proven(&next_proven)?;
        let settled = next.coverage == report.coverage;
        report = next;
        proven = next_proven;
        if settled {
            break;
        }
        if checks >= crate::evidence::MAX_CHECKS {
            return Err(crate::evidence::EvidenceError::Unsettled { checks }.into());
        }
    }
    phases.evidence = started.elapsed() - phases.load - phases.write - phases.validate;

    let dir = target.finish(&out)?;
    phases.swap =
        started.elapsed() - phases.load - phases.write - phases.validate - phases.evidence;
    let pages_count = pages.len();
    let assets_count = assets.len();
    if let Some(reuse) = reuse {
        reuse.keep(crate::rebuild::LastGood {
            dir,
            drafts: options.drafts,
            pages,
            traces,
            files: manifest.files,
        });
    }
    Ok(BuildSummary {
        phases,
        pages: pages_count,
        assets: assets_count,
        images,
        elapsed: started.elapsed(),
        report,
        rewritten,
    })
}

/// Where a build writes its bundle.
enum Target {
    /// A fresh staging folder, swapped in for the output when the build
    /// passes.
    Fresh(out_dir::Staging),
    /// The last good bundle, some of whose files are rewritten.
    InPlace(crate::rebuild::InPlace),
}

impl Target {
    fn path(&self) -> &Path {
        match self {
            Target::Fresh(staging) => staging.path(),
            Target::InPlace(in_place) => in_place.dir(),
        }
    }

    /// The build failed its check: a staging folder is removed (or kept
    /// when asked), a bundle rewritten in place gets its files back.
    fn fail(self, error: Error, keep: bool) -> Error {
        match self {
            Target::Fresh(staging) => keep_failed(error, staging, keep),
            Target::InPlace(in_place) => {
                drop(in_place);
                error
            }
        }
    }

    /// The build passed: the staging folder becomes the output, or the
    /// rewritten files stay. Returns the bundle's folder.
    fn finish(self, out: &OutDir) -> Result<PathBuf, Error> {
        match self {
            Target::Fresh(staging) => {
                out.swap_in(staging)?;
                Ok(out.path().to_path_buf())
            }
            Target::InPlace(in_place) => {
                let dir = in_place.dir().to_path_buf();
                in_place.keep();
                Ok(dir)
            }
        }
    }
}

/// When this build can rewrite the last good bundle in place, the files it
/// rewrites (saved and shielded) and the pages it renders again: the
/// changed pages and those that show the evidence.
fn rewrite_in_place(
    reuse: &crate::rebuild::Reuse,
    shield: crate::rebuild::Shield<'_>,
    site: &SiteParts<'_>,
    renderable: &[usize],
    drafts: bool,
    manifest_path: &str,
) -> Option<(crate::rebuild::InPlace, Vec<usize>)> {
    let plan = reuse.plan(site.pages, drafts)?;
    let last = reuse.last.as_ref()?;
    let mut again: Vec<usize> = plan.changed;
    again.extend(
        last.traces
            .values()
            .filter(|trace| trace.shows_evidence || (!plan.shown.is_empty() && trace.reads_pages))
            .map(|trace| trace.page),
    );
    again.extend(listings_showing(site, &plan.shown));
    again.sort_unstable();
    again.dedup();
    // A page that cannot render has its error already; the build fails.
    if again
        .iter()
        .any(|index| renderable.binary_search(index).is_err())
    {
        return None;
    }
    let listed: HashSet<usize> = again.iter().copied().collect();
    let mut paths: Vec<String> = again
        .iter()
        .map(|&index| site.pages[index].output.clone())
        .collect();
    paths.extend(
        site_feeds(site)
            .into_iter()
            .filter(|feed| feed.shows(&listed))
            .map(|feed| feed.path),
    );
    paths.push(manifest_path.to_string());
    if !plan.shown.is_empty() {
        // `lastmod` comes from the dates.
        paths.push(SITEMAP_FILE.to_string());
    }
    paths.sort();
    paths.dedup();
    let in_place = crate::rebuild::InPlace::start(&last.dir, paths, shield)?;
    Some((in_place, again))
}

/// The listing pages that show the front matter of one of the pages
/// `shown`: every listing page of a section that lists one (as a page or
/// a subsection), every listing page of a term one names, and the list of
/// terms of that taxonomy.
fn listings_showing(site: &SiteParts<'_>, shown: &[usize]) -> Vec<usize> {
    if shown.is_empty() {
        return Vec::new();
    }
    let shown: HashSet<usize> = shown.iter().copied().collect();
    let lists = |pages: &[usize]| pages.iter().any(|page| shown.contains(page));
    let mut listings = Vec::new();
    for section in &site.sections.list {
        if lists(&section.pages) || lists(&section.subsections) {
            listings.extend(&section.pagers);
        }
    }
    for taxonomy in &site.taxonomies.list {
        for term in &taxonomy.terms {
            if lists(&term.pages) {
                listings.extend(&term.pagers);
                listings.push(taxonomy.list_page);
            }
        }
    }
    listings
}

/// Renders the pages `again` into the bundle rewritten in place, with the
/// feeds that list them, and returns the traces of every page: the last
/// good build's, with those of the pages rendered again replaced.
fn rewrite_pages(
    in_place: &crate::rebuild::InPlace,
    site: &SiteParts<'_>,
    again: &[usize],
    reuse: Option<&crate::rebuild::Reuse>,
    options: &BuildOptions<'_>,
    hooks: &Hooks<'_>,
) -> Result<Traces, Error> {
    let mut traces = reuse
        .and_then(|reuse| reuse.last.as_ref())
        .map(|last| last.traces.clone())
        .unwrap_or_default();
    traces.extend(render_pages(in_place.dir(), site, again, options, hooks)?);
    let listed: HashSet<usize> = again.iter().copied().collect();
    write_feeds(in_place.dir(), site, Some(&listed))?;
    if in_place.rewritten.contains(SITEMAP_FILE) {
        write_generated(
            in_place.dir(),
            SITEMAP_FILE,
            &sitemap_xml(&site.config.base_url, site.pages),
        )?;
    }
    Ok(traces)
}

/// Checks the file at bundle path `path` of `bundle` on its own, in a
/// bundle of its own, and fails with the errors found in it.
fn check_alone(bundle: &Path, path: &str, config: &bundle_validator::Config) -> Result<(), Error> {
    let alone = tempfile::tempdir().map_err(Error::ValidatorRead)?;
    let target = alone.path().join(path);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(Error::ValidatorRead)?;
    }
    std::fs::copy(bundle.join(path), &target).map_err(Error::ValidatorRead)?;
    let mut report =
        bundle_validator::check(alone.path(), config).map_err(|error| Error::Internal {
            context: "validator".to_string(),
            message: error.to_string(),
        })?;
    // A bundle of one file misses what every site has (`_headers`, pages);
    // only what is found in the file itself is about it.
    report.findings.retain(|finding| finding.file == path);
    passed(report, Vec::new()).map(drop)
}

/// The report of a check that passed, or the failure it reports, with the
/// sources its findings were traced to.
fn passed(
    report: bundle_validator::Report,
    sources: Vec<Error>,
) -> Result<bundle_validator::Report, Error> {
    let errors = report.error_count();
    if errors > 0 {
        return Err(Error::ValidationFailed {
            errors,
            warnings: report.warning_count(),
            report: Box::new(report),
            kept: None,
            sources,
        });
    }
    Ok(report)
}

/// A failed check's error, with the staging folder kept for inspection when
/// the build was asked to keep a failed bundle (and removed otherwise).
fn keep_failed(error: Error, staging: out_dir::Staging, keep: bool) -> Error {
    match error {
        Error::ValidationFailed {
            errors,
            warnings,
            report,
            sources,
            ..
        } => Error::ValidationFailed {
            errors,
            warnings,
            report,
            kept: keep.then(|| staging.keep()),
            sources,
        },
        other => other,
    }
}

/// The text of a panic's payload, with control characters escaped.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string());
    source_text::escape(&text)
}

/// A panic's message with the staging folder, which is gone by the time
/// anyone reads it, replaced by a description.
fn panic_message_in(panic: &(dyn std::any::Any + Send), staging: &Path) -> String {
    let message = panic_message(panic);
    let staging = staging.display().to_string();
    if staging.is_empty() {
        message
    } else {
        message.replace(&staging, "<new bundle>")
    }
}

/// Maps a validator error so that it carries no staging path, and quotes
/// no evidence register reached through a link or lying outside the site.
fn validator_error(
    error: bundle_validator::Error,
    site_dir: &Path,
    config: &bundle_validator::Config,
) -> Error {
    use bundle_validator::rules::claims::RegisterError;
    match error {
        bundle_validator::Error::UnreadableBundle { source, .. } => Error::ValidatorRead(source),
        bundle_validator::Error::NotADirectory { .. } => {
            Error::ValidatorRead(std::io::Error::other("the new bundle is not a folder"))
        }
        bundle_validator::Error::Register(RegisterError::Read { .. }) => error.into(),
        bundle_validator::Error::Register(_)
            if config
                .evidence_register
                .as_deref()
                .is_some_and(|register| is_linked_or_outside(site_dir, register)) =>
        {
            Error::WithheldYaml {
                spot: SourceSpot::file(
                    config
                        .evidence_register
                        .as_deref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                ),
                what: "evidence register",
            }
        }
        other => other.into(),
    }
}

/// Paths inside the bundle that the generator writes besides the pages.
fn generated_files(assets: &AssetMap, feeds: &[String]) -> Vec<String> {
    let mut files: Vec<String> = [HEADERS_FILE, "sitemap.xml", "robots.txt", BUNDLE_MARK]
        .iter()
        .map(|name| name.to_string())
        .collect();
    files.extend(feeds.iter().cloned());
    for asset in assets.published() {
        files.push(asset.url.trim_start_matches('/').to_string());
    }
    for asset in assets.iter() {
        let name = asset.site_path.trim_start_matches('/');
        if ROOT_COPIES.contains(&name) {
            files.push(name.to_string());
        }
    }
    files
}

/// `public/robots.txt`, when there is one and it keeps every guarantee of
/// the generated file; an error for each one it drops otherwise, so it
/// never replaces the generated file silently and is never silently
/// ignored.
fn authored_robots<'a>(
    public: &'a [PublicFile],
    config: &SiteConfig,
    pages: &[Page],
    errors: &mut Vec<Error>,
) -> Option<&'a str> {
    let file = public.iter().find(|file| file.path == "robots.txt")?;
    let Ok(text) = std::str::from_utf8(&file.bytes) else {
        errors.push(Error::Robots {
            spot: SourceSpot::file(file.display()),
            message: "it is not UTF-8 text, as RFC 9309 requires".to_string(),
        });
        return None;
    };
    let problems = crate::robots::check(text, &config.base_url, &config.admin_prefixes, pages);
    if problems.is_empty() {
        Some(text)
    } else {
        errors.extend(problems);
        None
    }
}

/// The policy `security.txt` links must be a published page: the file
/// would otherwise send researchers to a 404.
fn security_policy_errors(config: &SiteConfig, pages: &[Page]) -> Vec<Error> {
    let Some(policy) = config
        .security_txt
        .as_ref()
        .and_then(|section| section.value.policy_page())
    else {
        return Vec::new();
    };
    let wanted = policy.value.as_str();
    let found = pages
        .iter()
        .any(|page| page.url == wanted && page.surface == Surface::Public && !page.is_not_found);
    if found {
        return Vec::new();
    }
    vec![Error::SiteConfig {
        spot: crate::security_txt::spot_of(policy),
        message: format!(
            "security_txt.policy {wanted} is not the URL of a published public page (write it as the page's URL, e.g. `/security/`)"
        ),
    }]
}

/// The bundle path of every feed: each section's with `feed: true`, and
/// the site's when `site.yaml` asks for one.
fn feed_paths(
    config: &SiteConfig,
    pages: &[Page],
    sections: &Sections,
    taxonomies: &Taxonomies,
) -> Vec<String> {
    let mut paths: Vec<String> = sections.feeds(pages).map(|(path, _)| path).collect();
    paths.extend(taxonomies.feeds(config).map(|(path, _, _)| path));
    if config.feed {
        paths.push(FEED_FILE.to_string());
    }
    paths
}

/// One feed of the site: where it goes, what it is titled, the page it
/// belongs to and the pages it lists, by index.
struct SiteFeed {
    path: String,
    title: String,
    page_url: String,
    /// The section page whose title the feed carries, for a section's.
    owner: Option<usize>,
    entries: Vec<usize>,
}

impl SiteFeed {
    /// Whether the feed shows anything of one of these pages.
    fn shows(&self, pages: &HashSet<usize>) -> bool {
        self.owner.is_some_and(|owner| pages.contains(&owner))
            || self.entries.iter().any(|entry| pages.contains(entry))
    }
}

/// Every feed of the site: each section's with `feed: true`, each term's
/// of a taxonomy with feeds, and the site's when `site.yaml` asks for one.
fn site_feeds(site: &SiteParts<'_>) -> Vec<SiteFeed> {
    let base_url = &site.config.base_url;
    let mut feeds = Vec::new();
    for (path, section) in site.sections.feeds(site.pages) {
        let owner = &site.pages[section.page];
        feeds.push(SiteFeed {
            path,
            title: format!("{} | {}", owner.front.title, site.config.name),
            page_url: format!("{base_url}{}", owner.url),
            owner: Some(section.page),
            entries: section.pages.clone(),
        });
    }
    for (path, taxonomy, term) in site.taxonomies.feeds(site.config) {
        feeds.push(SiteFeed {
            path,
            title: format!("{} | {} | {}", term.name, taxonomy.name, site.config.name),
            page_url: format!("{base_url}{}", term_url(&taxonomy.name, &term.slug)),
            owner: None,
            entries: term.pages.clone(),
        });
    }
    if site.config.feed {
        feeds.push(SiteFeed {
            path: FEED_FILE.to_string(),
            title: site.config.name.clone(),
            page_url: format!("{base_url}/"),
            owner: None,
            entries: (0..site.pages.len())
                .filter(|&index| {
                    let page = &site.pages[index];
                    page.in_sitemap() && page.section.is_none() && page.front.date.is_some()
                })
                .collect(),
        });
    }
    feeds
}

/// Writes the feeds of the site; with `only`, just those that list one of
/// those pages (a rebuild in place of the pages whose bodies changed).
fn write_feeds(
    staging: &Path,
    site: &SiteParts<'_>,
    only: Option<&HashSet<usize>>,
) -> Result<(), Error> {
    let base_url = &site.config.base_url;
    for feed in site_feeds(site) {
        if only.is_some_and(|only| !feed.shows(only)) {
            continue;
        }
        let head = FeedHead {
            title: &feed.title,
            page_url: feed.page_url,
            feed_url: format!("{base_url}/{}", feed.path),
            author: &site.config.name,
        };
        let entries: Vec<&Page> = feed.entries.iter().map(|&p| &site.pages[p]).collect();
        write_generated(staging, &feed.path, &atom_xml(&head, base_url, &entries))?;
    }
    Ok(())
}

/// Fingerprinted names are longer than their source names: a static file
/// whose published name would be too long is refused before writing, as is
/// one whose name carries a control character into URLs and headers.
fn asset_path_errors(assets: &AssetMap) -> Vec<Error> {
    assets
        .published()
        .filter_map(|asset| {
            let output = asset.url.trim_start_matches('/');
            let problem = match asset
                .site_path
                .chars()
                .find(|&c| source_text::is_forbidden(c))
            {
                Some(c) => Some(format!(
                    "its name contains {}, which would reach URLs, headers and logs; rename it",
                    source_text::Forbidden(c)
                )),
                None => content::bundle_path_problem(output),
            };
            problem.map(|problem| Error::OutputPath {
                spot: SourceSpot::file(format!(
                    "{STATIC_DIR}{}",
                    source_text::escape(&asset.site_path)
                )),
                output: content::shorten(output),
                problem,
            })
        })
        .collect()
}

/// Discovers and parses every content file in parallel, drops drafts,
/// assembles sections with their extra listing pages and taxonomies with
/// theirs, and checks URLs are unique. Every error is collected before
/// failing.
fn load_pages(
    site_dir: &Path,
    config: &SiteConfig,
    publish_drafts: bool,
    errors: &mut Vec<Error>,
    loaded: Option<&mut crate::rebuild::LoadedPages>,
) -> Result<(Vec<Page>, Vec<Page>, Sections, Taxonomies), Error> {
    let content_dir = site_dir.join(CONTENT_DIR);
    let files = content::discover(&content_dir)?;
    // A dev build takes the pages whose files have not changed since the
    // last build as that build parsed them.
    let known = loaded.as_deref();
    let now = bundle_validator::memo::now();
    let read: Vec<(Result<Page, Error>, Option<FileStamp>, bool)> = files
        .par_iter()
        .with_max_len(PAGES_PER_TASK)
        .map(|file| {
            let Some(known) = known else {
                return (content::load_page(&content_dir, file, config), None, false);
            };
            let stamp = FileStamp::of(&file.path);
            if let Some(page) = known.get(file, stamp) {
                return (Ok(page), stamp, true);
            }
            let page = content::load_page(&content_dir, file, config);
            (page, stamp.filter(|stamp| stamp.settled(now)), false)
        })
        .collect();
    if let Some(loaded) = loaded {
        let reused = read.iter().filter(|(_, _, reused)| *reused).count();
        *loaded = crate::rebuild::LoadedPages::from_load(
            files
                .iter()
                .zip(&read)
                .filter_map(|(file, (page, stamp, _))| {
                    Some((
                        file.path.clone(),
                        (*stamp)?,
                        file.provenance,
                        page.as_ref().ok()?.clone(),
                    ))
                })
                .collect(),
            reused,
        );
    }
    let results = read.into_iter().map(|(page, _, _)| page);
    let mut pages = Vec::with_capacity(files.len());
    let mut drafts = Vec::new();
    for result in results {
        match result {
            // A published draft is a preview: kept out of search engines
            // (robots meta, `X-Robots-Tag`, the sitemap and the site feed).
            Ok(mut page) if page.front.draft && publish_drafts => {
                page.noindex = true;
                pages.push(page);
            }
            Ok(page) if page.front.draft => drafts.push(page),
            Ok(page) => pages.push(page),
            Err(error) => errors.push(error),
        }
    }
    let (mut sections, listing_errors) = Sections::assemble(&pages);
    errors.extend(listing_errors);
    content::section::paginate(&mut pages, &mut sections);
    let (taxonomies, taxonomy_errors) = Taxonomies::assemble(&mut pages, config);
    errors.extend(taxonomy_errors);
    errors.extend(content::check_unique_urls(&pages));
    Ok((pages, drafts, sections, taxonomies))
}

/// Checks the drafts that are not published as far as they can be without
/// a place in the bundle: their front matter was parsed with every page,
/// and here their template must exist and their Markdown must pass the
/// raw-HTML policy and name only static files that exist, so a draft that
/// would break the build when published breaks it now.
fn check_drafts(
    config: &SiteConfig,
    drafts: &[Page],
    templates: Option<&Templates>,
    assets: &AssetMap,
) -> Vec<Error> {
    let mut errors = Vec::new();
    if let Some(templates) = templates {
        errors.extend(missing_templates(drafts, templates));
    }
    for draft in drafts {
        let settings = markdown_settings(config, assets, templates, draft);
        match markdown::render(&draft.body, &settings) {
            Ok(rendered) if rendered.problems.is_empty() => {}
            Ok(rendered) => errors.extend(page_problems(draft, rendered.problems)),
            Err(problems) => errors.extend(markdown::page_errors(draft, problems)),
        }
    }
    errors
}

/// A taxonomy's pages use `<name>/list.html` and `<name>/single.html`
/// when the site has them, as in Zola, and the shared
/// `taxonomy_list.html` and `taxonomy_single.html` otherwise.
fn choose_taxonomy_templates(pages: &mut [Page], templates: &Templates) {
    for page in pages {
        let Some(listing) = &page.taxonomy else {
            continue;
        };
        let own = match listing.term {
            Some(_) => format!("{}/single", listing.taxonomy),
            None => format!("{}/list", listing.taxonomy),
        };
        if templates.has(&own) {
            page.template = own;
        }
    }
}

fn missing_templates(pages: &[Page], templates: &Templates) -> Vec<Error> {
    let mut taxonomy_errors: Vec<(String, bool)> = Vec::new();
    let mut errors: Vec<Error> = Vec::new();
    for page in pages {
        let Some(listing) = &page.taxonomy else {
            continue;
        };
        let key = (listing.taxonomy.clone(), listing.term.is_some());
        if templates.has(&page.template) || taxonomy_errors.contains(&key) {
            continue;
        }
        let (own, shared) = if key.1 {
            ("single", SINGLE_TEMPLATE)
        } else {
            ("list", LIST_TEMPLATE)
        };
        errors.push(Error::Taxonomy {
            spot: listing.origin.clone(),
            message: format!(
                "names a {} term, so the site has {}, which needs \
                 {TEMPLATES_DIR}/{}/{own}.html or {TEMPLATES_DIR}/{shared}.html; add one",
                listing.taxonomy,
                if key.1 {
                    format!("a page for each {} term", listing.taxonomy)
                } else {
                    format!("a list of {} at /{}/", listing.taxonomy, listing.taxonomy)
                },
                listing.taxonomy
            ),
        });
        taxonomy_errors.push(key);
    }
    errors.extend(
        pages
            .iter()
            .filter(|page| {
                page.pager == 1 && page.taxonomy.is_none() && !templates.has(&page.template)
            })
            .map(|page| Error::UnknownTemplate {
                spot: match page.template_line {
                    Some(line) => SourceSpot::at(&page.display_path, line, 1),
                    None => SourceSpot::file(&page.display_path),
                },
                template: page.template.clone(),
            }),
    );
    errors
}

/// The navigation: public pages with a `nav` entry, by order then label.
fn navigation(pages: &[Page]) -> Vec<NavItem<'_>> {
    let mut entries: Vec<(i64, &str, &str)> = pages
        .iter()
        .filter(|page| page.surface == Surface::Public && page.pager == 1)
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
#[derive(Clone, Copy)]
struct SiteParts<'a> {
    config: &'a SiteConfig,
    pages: &'a [Page],
    sections: &'a Sections,
    taxonomies: &'a Taxonomies,
    templates: &'a Templates,
    assets: &'a AssetMap,
    headers: &'a str,
    authored_headers: Option<&'a str>,
    /// A `dev` build (see [`BuildOptions::dev`]).
    dev: bool,
    /// When the build counts as made ([`crate::template_functions::build_time`]), in
    /// seconds since the Unix epoch.
    build_time: i64,
    /// The `_redirects` file, when the site has redirects.
    redirects: Option<&'a str>,
    /// The files of `public/`, published as they are.
    public: &'a [PublicFile],
    /// `public/robots.txt`, when it keeps the generated one's guarantees.
    authored_robots: Option<&'a str>,
    /// The absolute URL of the fingerprinted share image, when configured.
    share_image: Option<&'a str>,
    /// What the `promises` shortcode shows (see [`crate::evidence::page_evidence`]).
    evidence: &'a serde_json::Value,
}

/// What produced each page of the bundle, by its path inside the bundle.
/// Shared, so a rebuild in place keeps the traces of the pages it did not
/// render again without copying them.
pub(crate) type Traces = HashMap<String, Arc<PageTrace>>;

/// What produced a page of the bundle, to trace findings back to it.
pub(crate) struct PageTrace {
    /// Index of the page in [`SiteParts::pages`].
    pub(crate) page: usize,
    /// Where the Markdown's HTML sits in the page, when the template
    /// printed it verbatim once.
    content: Option<ContentSpan>,
    /// The page calls the `promises` shortcode, so it shows the build's
    /// evidence and is rendered again once the evidence is known.
    pub(crate) shows_evidence: bool,
    /// Its templates read other pages' front matter through the site
    /// functions (`get_page`, `get_section`, `get_taxonomy`).
    pub(crate) reads_pages: bool,
}

/// The Markdown's HTML inside a written page.
struct ContentSpan {
    /// Byte offset of the HTML in the page.
    start: usize,
    /// Length of that HTML.
    len: usize,
    /// Its map back to the Markdown body.
    origins: Origins,
}

/// Writes the bundle into `staging` and returns the trace of every page
/// by its path inside the bundle.
fn write_bundle(
    staging: &Path,
    site: &SiteParts<'_>,
    renderable: &[usize],
    options: &BuildOptions<'_>,
    hooks: &Hooks<'_>,
) -> Result<Traces, Error> {
    out_dir::write_mark(staging).map_err(|e| Error::BundleWrite {
        cause: "the generator".to_string(),
        output: BUNDLE_MARK.to_string(),
        source: e,
    })?;
    site.assets.write(staging)?;
    // The files made from the whole site are written while the pages
    // render: one thread writing them after the pages would leave the
    // other cores idle.
    let (traces, site_files) = rayon::join(
        || render_pages(staging, site, renderable, options, hooks),
        || write_site_files(staging, site),
    );
    let traces = traces?;
    site_files?;
    Ok(traces)
}

/// Writes the files the generator makes from the whole site: sitemap,
/// robots, feeds, public files, `security.txt`, `_redirects`, `_headers`.
fn write_site_files(staging: &Path, site: &SiteParts<'_>) -> Result<(), Error> {
    let base_url = &site.config.base_url;
    write_generated(staging, SITEMAP_FILE, &sitemap_xml(base_url, site.pages))?;
    public_files::write(staging, site.public)?;
    match site.authored_robots {
        Some(text) => write_generated(staging, "robots.txt", text)?,
        None => write_generated(staging, "robots.txt", &robots_txt(base_url))?,
    }
    write_feeds(staging, site, None)?;
    if let Some(section) = &site.config.security_txt {
        let text = section.value.render(base_url, site.build_time)?;
        write_generated(staging, SECURITY_TXT_PATH, &text)?;
    }
    if let Some(text) = site.redirects {
        write_generated(staging, crate::redirects::REDIRECTS_FILE, text)?;
    }
    write_generated(staging, HEADERS_FILE, site.headers)
}

/// Renders the pages numbered `renderable` into `staging`, in parallel,
/// and says what produced each.
fn render_pages(
    staging: &Path,
    site: &SiteParts<'_>,
    renderable: &[usize],
    options: &BuildOptions<'_>,
    hooks: &Hooks<'_>,
) -> Result<Traces, Error> {
    let nav = navigation(site.pages);
    let summaries = Summaries::new(
        site.pages
            .par_iter()
            .map(|page| PageSummary::of(page, &site.config.base_url))
            .collect(),
    );
    let done = AtomicUsize::new(0);
    let total = renderable.len();
    type Rendered = Result<(String, Arc<PageTrace>), Vec<Error>>;
    let results: Vec<Rendered> = renderable
        .par_iter()
        .with_max_len(PAGES_PER_TASK)
        .map(|&index| {
            let page = &site.pages[index];
            // A panic while rendering one page becomes that page's error.
            let result = catch_unwind(AssertUnwindSafe(|| {
                if let Some(hook) = hooks.page {
                    hook(page, staging);
                }
                let listing = listing_context(site, &summaries, index);
                let taxonomy = taxonomy_listing(site, &summaries, index);
                render_page(staging, site, page, &nav, listing, taxonomy)
            }))
            .unwrap_or_else(|panic| {
                Err(vec![Error::Internal {
                    context: format!(
                        "{} (template {TEMPLATES_DIR}/{}.html)",
                        page.display_path, page.template
                    ),
                    message: panic_message_in(panic.as_ref(), staging),
                }])
            });
            let count = done.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(progress) = options.progress
                && count.is_multiple_of(PROGRESS_EVERY)
            {
                progress(count, total);
            }
            result.map(|(content, shows_evidence, reads_pages)| {
                (
                    page.output.clone(),
                    Arc::new(PageTrace {
                        page: index,
                        content,
                        shows_evidence,
                        reads_pages,
                    }),
                )
            })
        })
        .collect();
    let mut traces = HashMap::with_capacity(results.len());
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok((output, trace)) => {
                traces.insert(output, trace);
            }
            Err(found) => errors.extend(found),
        }
    }
    Error::collect(errors)?;
    Ok(traces)
}

/// The most pages one parallel task loads or renders in a row. Rayon
/// otherwise gives each thread a few long runs of pages, and the thread
/// that drew the slower run (listing pages, long posts) works on alone
/// while the others have nothing left to take.
const PAGES_PER_TASK: usize = 8;

/// Writes one file the generator makes from the whole site.
fn write_generated(staging: &Path, name: &str, text: &str) -> Result<(), Error> {
    let path = staging.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::BundleWrite {
            cause: "the generator".to_string(),
            output: name.to_string(),
            source: e,
        })?;
    }
    std::fs::write(path, text).map_err(|e| Error::BundleWrite {
        cause: "the generator".to_string(),
        output: name.to_string(),
        source: e,
    })
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
/// more slowly. Returns where the content sits in the page, when it was
/// spliced.
fn render_page(
    staging: &Path,
    site: &SiteParts<'_>,
    page: &Page,
    nav: &[NavItem<'_>],
    listing: Option<ListingContext<'_>>,
    taxonomy: Option<TaxonomyListing<'_>>,
) -> Result<(Option<ContentSpan>, bool, bool), Vec<Error>> {
    // What this page's templates read of other pages is noted from here.
    template_functions::take_pages_read();
    let mut settings = markdown_settings(site.config, site.assets, Some(site.templates), page);
    settings.evidence = Some(site.evidence);
    let mut rendered = markdown::render(&page.body, &settings)
        .map_err(|problems| markdown::page_errors(page, problems))?;
    let mut problems = std::mem::take(&mut rendered.problems);
    let shows_evidence = rendered
        .called
        .iter()
        .any(|name| name == markdown::PROMISES_SHORTCODE);

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
        date: page.front.date.as_ref(),
        updated: page.front.updated.as_ref(),
        weight: page.front.weight,
        taxonomies: term_names(page),
        extra: &page.front.extra,
        toc: &rendered.toc,
        highlighted: rendered.highlighted,
        social: crate::social::context(site.config, page, site.share_image),
        json_ld: crate::social::json_ld_text(&crate::social::graph(
            site.config,
            page,
            site.share_image,
        )),
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
    if let Some(listing) = &listing {
        context.insert("section", &listing.section);
        // Always present in a section's context, `null` without
        // pagination, so templates can test it with a plain `if`.
        context.insert("paginator", &listing.paginator);
    }
    if let Some(taxonomy) = &taxonomy {
        context.insert("taxonomy", &taxonomy.taxonomy);
        if let Some(terms) = &taxonomy.terms {
            context.insert("terms", terms);
        }
        if let Some(term) = &taxonomy.term {
            context.insert("term", term);
            context.insert("paginator", &taxonomy.paginator);
        }
    }
    let described = page.describe();
    // The template draws on what the page's shortcodes left of its
    // budgets; each render of the page starts from there.
    let budget = rendered.budget;
    let render = |context: &Context| {
        site.templates
            .render_within(&page.template, context, &described, &mut { budget })
            .map(|html| {
                if site.dev {
                    crate::dev::client::inject(&html)
                } else {
                    html
                }
            })
            .map_err(|e| vec![e])
    };
    let shell = render(&context)?;

    let mut spliced = None;
    if shell.matches(CONTENT_MARKER).count() == 1 {
        let Some(shell) = rewrite_into(&shell, site.assets, &mut problems) else {
            return Err(page_problems(page, problems));
        };
        spliced = shell.split_once(CONTENT_MARKER).map(|(before, after)| {
            (
                before.len(),
                [before, rendered.html.as_str(), after].concat(),
            )
        });
    }
    let (html, content) = match spliced {
        Some((start, html)) => (
            html,
            Some(ContentSpan {
                start,
                len: rendered.html.len(),
                origins: rendered.origins,
            }),
        ),
        None => {
            page_context.content = &rendered.html;
            context.insert("page", &page_context);
            let full = render(&context)?;
            let html = rewrite_into(&full, site.assets, &mut problems).unwrap_or(full);
            (html, None)
        }
    };
    if !problems.is_empty() {
        return Err(page_problems(page, problems));
    }
    let limit = site.templates.page_limit();
    if html.len() > limit {
        return Err(vec![Error::PageTooLarge {
            file: page.display_path.clone(),
            template: format!("{TEMPLATES_DIR}/{}.html", page.template),
            bytes: html.len(),
            limit,
        }]);
    }

    let write_error = |e| {
        vec![Error::BundleWrite {
            cause: page.display_path.clone(),
            output: content::shorten(&page.output),
            source: e,
        }]
    };
    let path = staging.join(&page.output);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(write_error)?;
    }
    std::fs::write(&path, html.as_bytes()).map_err(write_error)?;
    Ok((
        content,
        shows_evidence,
        template_functions::take_pages_read(),
    ))
}

/// What the Markdown of `page` is rendered with.
fn markdown_settings<'a>(
    config: &SiteConfig,
    assets: &'a AssetMap,
    templates: Option<&'a Templates>,
    page: &'a Page,
) -> markdown::Settings<'a> {
    markdown::Settings {
        assets,
        heading_anchors: config.markdown.heading_anchors,
        templates,
        source: &page.display_path,
        body_line: page.body_line,
        evidence: None,
    }
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

fn read_optional(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("cannot read", path, e)),
    }
}

/// Traces every finding to the source that produced its file: a page's
/// content file (at the Markdown line when the finding lies in the
/// Markdown's HTML, else at the front matter, with the template named), a
/// static file at the same line, or a line of the authored `_headers`.
/// Each finding gets that place as its `source`, which the human output
/// shows first and SARIF uses as the primary location; each error finding
/// also becomes a [`Rejection`] of the build. Findings in files the
/// generator makes from the whole site (sitemap, robots, generated header
/// rules) have no single source and are left to the validator's own
/// report.
fn trace_findings(
    report: &mut bundle_validator::Report,
    traces: &Traces,
    staging: &Path,
    site: &SiteParts<'_>,
) -> Vec<Error> {
    let assets_by_output: HashMap<&str, &str> = site
        .assets
        .published()
        .flat_map(|asset| {
            let name = asset.site_path.trim_start_matches('/');
            // A variant is traced to its static file; only the static
            // file itself has a root copy.
            let is_static = site.assets.get(&asset.site_path).map(|a| &a.url) == Some(&asset.url);
            let root_copy = (is_static && ROOT_COPIES.contains(&name))
                .then_some((name, asset.site_path.as_str()));
            std::iter::once((asset.url.trim_start_matches('/'), asset.site_path.as_str()))
                .chain(root_copy)
        })
        .collect();
    let authored_lines = site.authored_headers.map_or(0, |text| text.lines().count());
    let mut page_texts: HashMap<String, Option<String>> = HashMap::new();
    let mut traced = Vec::new();
    for finding in &mut report.findings {
        let file = finding.file.as_str();
        let line = finding.line.map(|l| l as usize);
        let column = finding.column.map(|c| c as usize);
        let (spot, template) = if let Some(trace) = traces.get(file) {
            let page = &site.pages[trace.page];
            let text = page_texts
                .entry(file.to_string())
                .or_insert_with(|| std::fs::read_to_string(staging.join(file)).ok());
            let in_markdown = match (&trace.content, text.as_deref(), line) {
                (Some(content), Some(text), Some(line)) => {
                    offset_of(text, line, column.unwrap_or(1))
                        .and_then(|offset| offset.checked_sub(content.start))
                        .filter(|&offset| offset < content.len)
                        .and_then(|offset| {
                            let html = text.get(content.start..content.start + content.len)?;
                            content.origins.find(html, offset)
                        })
                }
                _ => None,
            };
            match in_markdown {
                Some((body_offset, 0)) => {
                    let (line, column) = page.body_position(body_offset);
                    (SourceSpot::at(&page.display_path, line, column), None)
                }
                Some((body_offset, lines_in)) => {
                    let (line, _) = page.body_position(body_offset);
                    (
                        SourceSpot {
                            file: page.display_path.clone(),
                            line: Some(line + lines_in),
                            column: None,
                        },
                        None,
                    )
                }
                None => (
                    SourceSpot::at(&page.display_path, 1, 1),
                    Some(format!("{TEMPLATES_DIR}/{}.html", page.template)),
                ),
            }
        } else if let Some(site_path) = assets_by_output.get(file) {
            let spot = SourceSpot {
                file: format!("{STATIC_DIR}{}", source_text::escape(site_path)),
                line,
                // Stylesheets are rewritten, which moves columns but never
                // lines; other files are published byte for byte.
                column: if site_path.ends_with(".css") {
                    None
                } else {
                    column
                },
            };
            (spot, None)
        } else if let Some(public) = site.public.iter().find(|p| p.path == file) {
            // Published byte for byte: the same line and column.
            (
                SourceSpot {
                    file: public.display(),
                    line,
                    column,
                },
                None,
            )
        } else if file == HEADERS_FILE && line.is_some_and(|line| line <= authored_lines) {
            let spot = SourceSpot {
                file: HEADERS_FILE.to_string(),
                line,
                column,
            };
            (spot, None)
        } else {
            continue;
        };
        let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        finding.source = Some(bundle_validator::SourceLocation {
            file: spot.file.clone(),
            line: spot.line.map(to_u32),
            column: spot.column.map(to_u32),
            template: template.clone(),
        });
        if finding.severity != bundle_validator::Severity::Error {
            continue;
        }
        // The bundle's file names and the validator's messages may carry
        // characters from static files; they are shown escaped.
        let output = SourceSpot {
            file: source_text::escape(&finding.file),
            line,
            column,
        };
        traced.push(Error::Rejected(Box::new(Rejection {
            spot,
            output,
            template,
            rule: finding.rule.clone(),
            message: source_text::escape(&finding.message),
        })));
    }
    traced
}

/// Byte offset of a 1-based line and column (in characters) of a text.
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)?
    };
    let rest = &text[line_start..];
    let within = rest
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(rest.len(), |(i, _)| i);
    Some(line_start + within)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_checked_alone_fails_on_its_own_errors_only() {
        let bundle = tempfile::tempdir().expect("temporary folder");
        std::fs::create_dir_all(bundle.path().join("security")).expect("folder");
        let path = "security/evidence.json";
        std::fs::write(bundle.path().join(path), "{\"format\": 1}\n").expect("written");
        let config = bundle_validator::Config::default();
        // Alone, the bundle has no `_headers` and no page; that is not
        // about the file and fails nothing.
        check_alone(bundle.path(), path, &config).expect("a clean file passes");
        // The token is assembled so that this source holds none.
        let token = ["ghp_", "1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ"].concat();
        std::fs::write(
            bundle.path().join(path),
            format!("{{\"source_commit\": \"{token}\"}}\n"),
        )
        .expect("written");
        match check_alone(bundle.path(), path, &config) {
            Err(Error::ValidationFailed { report, .. }) => {
                assert!(report.findings.iter().all(|f| f.file == path));
                assert!(
                    report
                        .findings
                        .iter()
                        .any(|f| f.rule.starts_with("secret/"))
                );
            }
            other => panic!("expected a failed check, got {other:?}"),
        }
    }

    /// The fixture site, and an output folder holding a previous bundle.
    struct Work {
        dir: tempfile::TempDir,
    }

    impl Work {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("dist");
            std::fs::create_dir(&out).unwrap();
            std::fs::write(out.join("index.html"), "previous build").unwrap();
            out_dir::write_mark(&out).unwrap();
            Self { dir }
        }

        fn options(&self) -> BuildOptions<'static> {
            let site = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/generator/site");
            BuildOptions::new(site, self.dir.path().join("dist"))
        }

        /// The previous bundle is in place and nothing else is beside it.
        fn assert_untouched(&self) {
            let out = self.dir.path().join("dist");
            assert_eq!(
                std::fs::read_to_string(out.join("index.html")).unwrap(),
                "previous build"
            );
            let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            assert_eq!(names, ["dist"]);
        }
    }

    fn messages(error: &Error) -> Vec<String> {
        error.errors().iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn a_panic_while_rendering_names_the_page_and_leaves_nothing_behind() {
        let work = Work::new();
        let panic_on_about = |page: &Page, _: &Path| {
            if page.source == "about.md" {
                panic!("injected fault");
            }
        };
        let hooks = Hooks {
            page: Some(&panic_on_about),
            ..Hooks::default()
        };
        let error = build_with(&work.options(), &hooks, None).unwrap_err();
        assert_eq!(
            messages(&error),
            [
                "content/about.md (template templates/page.html): internal error (a bug in the \
              generator or a library it uses): injected fault"
            ]
        );
        work.assert_untouched();
    }

    #[test]
    fn a_panic_in_the_validator_leaves_nothing_behind() {
        let work = Work::new();
        let panic_in_validator =
            |staging: &Path| panic!("injected validator fault in {}", staging.display());
        let hooks = Hooks {
            validator: Some(&panic_in_validator),
            ..Hooks::default()
        };
        let error = build_with(&work.options(), &hooks, None).unwrap_err();
        assert!(
            matches!(&error, Error::Internal { context, message } if context == "validator" && message == "injected validator fault in <new bundle>"),
            "{error}"
        );
        work.assert_untouched();
    }

    #[test]
    fn a_bundle_that_changes_while_it_is_checked_fails_the_build() {
        // The sample site shows the evidence, so its bundle is checked
        // twice; a file changed after the manifest was written is read by
        // the second check with other bytes than the manifest lists.
        let work = Work::new();
        let checks = AtomicUsize::new(0);
        let change_before_second_check = |staging: &Path| {
            if checks.fetch_add(1, Ordering::SeqCst) == 1 {
                let robots = staging.join("robots.txt");
                let mut text = std::fs::read_to_string(&robots).unwrap();
                text.push('\n');
                std::fs::write(robots, text).unwrap();
            }
        };
        let hooks = Hooks {
            validator: Some(&change_before_second_check),
            ..Hooks::default()
        };
        let options = BuildOptions::new(env!("CARGO_MANIFEST_DIR"), work.dir.path().join("dist"));
        let error = build_with(&options, &hooks, None).unwrap_err();
        assert!(
            matches!(
                error,
                Error::Evidence(crate::evidence::EvidenceError::ChangedWhileChecked)
            ),
            "{error}"
        );
        assert_eq!(checks.load(Ordering::SeqCst), 2);
        work.assert_untouched();
    }

    #[test]
    fn a_failed_write_names_the_page_and_not_the_staging_folder() {
        let work = Work::new();
        // A file where the page needs its folder makes the write fail.
        let block_about = |page: &Page, staging: &Path| {
            if page.source == "about.md" {
                std::fs::write(staging.join("about"), "in the way").unwrap();
            }
        };
        let hooks = Hooks {
            page: Some(&block_about),
            ..Hooks::default()
        };
        let error = build_with(&work.options(), &hooks, None).unwrap_err();
        let shown: Vec<String> = error
            .errors()
            .iter()
            .map(|e| crate::error::WithCauses(*e).to_string())
            .collect();
        assert_eq!(shown.len(), 1, "{shown:?}");
        assert!(
            shown[0].starts_with(
                "content/about.md: cannot write about/index.html into the new bundle: "
            ),
            "{shown:?}"
        );
        assert!(!shown[0].contains(".tmp-"), "{shown:?}");
        work.assert_untouched();
    }

    #[test]
    fn a_bundle_the_validator_cannot_read_is_reported_without_its_path() {
        let work = Work::new();
        let remove = |staging: &Path| std::fs::remove_dir_all(staging).unwrap();
        let hooks = Hooks {
            validator: Some(&remove),
            ..Hooks::default()
        };
        let error = build_with(&work.options(), &hooks, None).unwrap_err();
        let shown = crate::error::WithCauses(&error).to_string();
        assert!(matches!(error, Error::ValidatorRead(_)), "{shown}");
        assert!(!shown.contains("dist."), "{shown}");
        work.assert_untouched();
    }

    /// Every file of a bundle with its bytes.
    fn bundle_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(dir)
            .into_iter()
            .map(Result::unwrap)
            .filter(|entry| entry.file_type().is_file())
            .map(|entry| {
                (
                    entry.path().to_path_buf(),
                    std::fs::read(entry.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn a_fault_while_rewriting_in_place_puts_the_last_good_files_back() {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/generator/site");
        let panic_on_about = |page: &Page, _: &Path| {
            if page.source == "about.md" {
                panic!("injected fault");
            }
        };
        let panic_in_validator = |_: &Path| panic!("injected validator fault");
        let faults = [
            Hooks {
                page: Some(&panic_on_about),
                ..Hooks::default()
            },
            Hooks {
                validator: Some(&panic_in_validator),
                ..Hooks::default()
            },
        ];
        for hooks in faults {
            let site = tempfile::tempdir().unwrap();
            for entry in walkdir::WalkDir::new(&fixture) {
                let entry = entry.unwrap();
                let target = site
                    .path()
                    .join(entry.path().strip_prefix(&fixture).unwrap());
                if entry.file_type().is_dir() {
                    std::fs::create_dir_all(target).unwrap();
                } else {
                    std::fs::copy(entry.path(), target).unwrap();
                }
            }
            let work = tempfile::tempdir().unwrap();
            let options = |name: &str| {
                let mut options = BuildOptions::new(site.path(), work.path().join(name));
                options.dev = true;
                options.build_time = Some(jiff::Timestamp::UNIX_EPOCH);
                options
            };
            let mut reuse = crate::rebuild::Reuse::new();
            let shield = |_: &Path, _: &crate::rebuild::LastGoodBytes| {};
            build_with(
                &options("b1"),
                &Hooks::default(),
                Some((&mut reuse, &shield)),
            )
            .unwrap();
            let served = reuse.last_dir().unwrap().to_path_buf();
            let before = bundle_files(&served);
            let about = site.path().join("content/about.md");
            let text = std::fs::read_to_string(&about).unwrap();
            std::fs::write(&about, format!("{text}\nEdited.\n")).unwrap();
            reuse.sources_changed(&[PathBuf::from("content/about.md")]);
            let error =
                build_with(&options("b2"), &hooks, Some((&mut reuse, &shield))).unwrap_err();
            assert!(matches!(error, Error::Internal { .. }), "{error}");
            assert!(bundle_files(&served) == before, "the served bundle changed");
            assert!(!work.path().join("b2").exists());
            // Without the fault, the same edit is rewritten in place.
            let again = build_with(
                &options("b3"),
                &Hooks::default(),
                Some((&mut reuse, &shield)),
            )
            .unwrap();
            assert!(again.rewritten.is_some());
            assert!(
                std::fs::read_to_string(served.join("about/index.html"))
                    .unwrap()
                    .contains("Edited.")
            );
        }
    }

    #[test]
    fn offsets_follow_lines_and_characters() {
        let text = "ab\ncé\n\nz";
        assert_eq!(offset_of(text, 1, 1), Some(0));
        assert_eq!(offset_of(text, 2, 2), Some(4));
        assert_eq!(offset_of(text, 2, 3), Some(6));
        assert_eq!(offset_of(text, 4, 1), Some(text.len() - 1));
        assert_eq!(offset_of(text, 4, 9), Some(text.len()));
        assert_eq!(offset_of(text, 9, 1), None);
    }
}
