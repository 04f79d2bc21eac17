//! The functions and filters templates have beyond Tera's own, as
//! Zola's and Hugo's documentation lead authors to expect.
//!
//! Tera 2 ships none of them (its `date`, `json_encode`, `slugify` and
//! `now` of Tera 1 moved out of the engine), so none of these shadows a
//! builtin. Functions: `get_page(path=)`, `get_section(path=)`,
//! `get_taxonomy(kind=)`, `get_taxonomy_url(kind=, name=)`,
//! `get_url(path=)` and `now()`. Filters: `date(format=)`, `json_encode`,
//! `slugify` and `markdown`.
//!
//! Tera checks at compile time that every function a template calls
//! exists, but what `get_page` and its kin answer is only known once the
//! content is read. So [`register`] installs them when the templates are
//! compiled, all reading one [`Shared`] slot, and the build fills that
//! slot with a [`SiteFunctions`] before the first page renders. An error
//! from any of them is a Tera rendering error, which carries the template
//! file and line of the call.
//!
//! The `markdown` filter renders through the same pipeline as content,
//! raw-HTML policy and control-character check included, so a template
//! cannot publish through it what a content file could not.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use jiff::Timestamp;
use rayon::prelude::*;
use serde::Serialize;
use tera::{Kwargs, State, Tera, TeraResult, Value};

use crate::assets::AssetMap;
use crate::config::SiteConfig;
use crate::content::section::feed_path;
use crate::content::taxonomy::term_url;
use crate::content::{ContentDate, Page, Sections, Slugify, Taxonomies, slugify};
use crate::limits::MAX_SOURCE_BYTES;
use crate::markdown;
use crate::rewrite::RewriteProblem;
use crate::source_text;

/// Name of the environment variable that fixes the build time, from the
/// Reproducible Builds specification.
pub const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";

/// Format of the `date` filter when none is given, as in Zola.
pub const DEFAULT_DATE_FORMAT: &str = "%Y-%m-%d";

/// The slot the functions read the site from, filled once per build.
#[derive(Clone, Default)]
pub struct Shared(Arc<OnceLock<SiteFunctions>>);

impl Shared {
    /// Gives the functions the site they answer about. The first call
    /// wins: a set of compiled templates serves one build.
    pub fn provide(&self, site: SiteFunctions) {
        let _ = self.0.set(site);
    }

    fn site(&self, function: &str) -> TeraResult<&SiteFunctions> {
        self.0.get().ok_or_else(|| {
            tera::Error::message(format!(
                "{function} is only available while a site is built"
            ))
        })
    }
}

/// Why `SOURCE_DATE_EPOCH` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EpochError {
    /// Not a string of ASCII digits.
    #[error(
        "{SOURCE_DATE_EPOCH} must be a whole number of seconds since 1970-01-01T00:00:00Z, \
         written in ASCII digits alone, as `date +%s` prints it"
    )]
    Malformed,
    /// A number past the years a timestamp can hold here.
    #[error("{SOURCE_DATE_EPOCH} is past the year 9999")]
    OutOfRange,
}

/// The build time: `SOURCE_DATE_EPOCH` when it is set, so that a build
/// can be reproduced byte for byte, else the clock. `value` is the
/// variable's value as the environment holds it.
pub fn build_time(value: Option<&std::ffi::OsStr>) -> Result<Timestamp, EpochError> {
    match value {
        None => Ok(Timestamp::now()),
        Some(value) => parse_epoch(value.to_str().ok_or(EpochError::Malformed)?),
    }
}

/// Parses `SOURCE_DATE_EPOCH` as the specification defines it: decimal
/// digits only. A sign, spaces, a fraction or an empty value are
/// malformed, and a malformed value fails the build rather than falling
/// back to the clock, which would make the build silently unreproducible.
pub fn parse_epoch(text: &str) -> Result<Timestamp, EpochError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(EpochError::Malformed);
    }
    // 9999-12-31T23:59:59Z: past it a year has five digits, which no
    // feed or sitemap reader expects.
    const LAST_SECOND: i64 = 253_402_300_799;
    let seconds: i64 = text.parse().map_err(|_| EpochError::OutOfRange)?;
    if seconds > LAST_SECOND {
        return Err(EpochError::OutOfRange);
    }
    Timestamp::from_second(seconds).map_err(|_| EpochError::OutOfRange)
}

/// A page as the functions give it: the fields listings have.
#[derive(Debug, Clone, Serialize)]
struct PageData {
    title: String,
    description: Option<String>,
    url: String,
    permalink: String,
    slug: String,
    date: Option<ContentDate>,
    updated: Option<ContentDate>,
    weight: Option<i64>,
    taxonomies: BTreeMap<String, Vec<String>>,
    extra: serde_json::Map<String, serde_json::Value>,
}

impl PageData {
    fn of(page: &Page, base_url: &str) -> Self {
        let mut taxonomies: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for term in &page.terms {
            taxonomies
                .entry(term.taxonomy.clone())
                .or_default()
                .push(term.name.clone());
        }
        Self {
            title: page.front.title.clone(),
            description: page.front.description.clone(),
            url: page.url.clone(),
            permalink: format!("{base_url}{}", page.url),
            slug: page.slug.clone(),
            date: page.front.date,
            updated: page.front.updated,
            weight: page.front.weight,
            taxonomies,
            extra: page.front.extra.clone(),
        }
    }
}

/// A section, by index into the page data.
#[derive(Debug, Clone)]
struct SectionData {
    page: usize,
    pages: Vec<usize>,
    subsections: Vec<usize>,
    feed_url: Option<String>,
}

/// What `get_section` returns.
#[derive(Serialize)]
struct SectionView<'a> {
    #[serde(flatten)]
    page: &'a PageData,
    pages: Vec<&'a PageData>,
    subsections: Vec<&'a PageData>,
    feed_url: Option<&'a str>,
}

/// A taxonomy's terms, by index into the page data.
#[derive(Debug, Clone)]
struct TaxonomyData {
    name: String,
    terms: Vec<TermData>,
}

#[derive(Debug, Clone)]
struct TermData {
    name: String,
    slug: String,
    pages: Vec<usize>,
}

/// What `get_taxonomy` returns for one term.
#[derive(Serialize)]
struct TermView<'a> {
    name: &'a str,
    slug: &'a str,
    url: String,
    permalink: String,
    count: usize,
    pages: Vec<&'a PageData>,
}

/// What `get_taxonomy` returns.
#[derive(Serialize)]
struct TaxonomyView<'a> {
    name: &'a str,
    url: String,
    permalink: String,
    items: Vec<TermView<'a>>,
}

/// Everything the functions answer about one build.
pub struct SiteFunctions {
    base_url: String,
    slugify: Slugify,
    pages: Vec<PageData>,
    /// Content pages (not sections) by path relative to `content/`.
    page_by_source: HashMap<String, usize>,
    /// Sections by the path of their `_index.md`.
    section_by_source: HashMap<String, SectionData>,
    /// Every declared taxonomy, used or not.
    taxonomies: Vec<TaxonomyData>,
    assets: Arc<AssetMap>,
    /// Site paths of the feeds the build writes.
    feeds: HashSet<String>,
    build_time: Timestamp,
}

impl SiteFunctions {
    /// Gathers what the functions answer from a build's published pages.
    pub fn new(
        config: &SiteConfig,
        pages: &[Page],
        sections: &Sections,
        taxonomies: &Taxonomies,
        assets: Arc<AssetMap>,
        feeds: &[String],
        build_time: Timestamp,
    ) -> Self {
        let base_url = config.base_url.clone();
        // Only content files are answered for; the extra listing pages a
        // build adds are reached through their section or taxonomy.
        let answered = |page: &Page| page.pager == 1 && page.taxonomy.is_none();
        // Copied on every thread: this runs while the others wait.
        let data: Vec<PageData> = pages
            .par_iter()
            .filter(|page| answered(page))
            .map(|page| PageData::of(page, &base_url))
            .collect();
        let mut index_of: Vec<Option<usize>> = vec![None; pages.len()];
        let mut page_by_source = HashMap::new();
        let mut next = 0;
        for (index, page) in pages.iter().enumerate() {
            if !answered(page) {
                continue;
            }
            index_of[index] = Some(next);
            if page.section.is_none() {
                page_by_source.insert(page.source.clone(), next);
            }
            next += 1;
        }
        let mapped = |indexes: &[usize]| -> Vec<usize> {
            indexes.iter().filter_map(|&i| index_of[i]).collect()
        };
        let mut section_by_source = HashMap::new();
        for section in &sections.list {
            let owner = &pages[section.page];
            let Some(page) = index_of[section.page] else {
                continue;
            };
            section_by_source.insert(
                owner.source.clone(),
                SectionData {
                    page,
                    pages: mapped(&section.pages),
                    subsections: mapped(&section.subsections),
                    feed_url: owner
                        .section
                        .as_ref()
                        .filter(|s| s.feed)
                        .map(|_| format!("/{}", feed_path(&owner.url))),
                },
            );
        }
        let taxonomies = config
            .taxonomies
            .iter()
            .map(|declared| TaxonomyData {
                name: declared.name.clone(),
                terms: taxonomies
                    .get(&declared.name)
                    .map(|used| {
                        used.terms
                            .iter()
                            .map(|term| TermData {
                                name: term.name.clone(),
                                slug: term.slug.clone(),
                                pages: mapped(&term.pages),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect();
        Self {
            base_url,
            slugify: config.slugify,
            pages: data,
            page_by_source,
            section_by_source,
            taxonomies,
            assets,
            feeds: feeds.iter().map(|path| format!("/{path}")).collect(),
            build_time,
        }
    }

    fn taxonomy(&self, kind: &str) -> TeraResult<&TaxonomyData> {
        self.taxonomies
            .iter()
            .find(|t| t.name == kind)
            .ok_or_else(|| {
                let declared: Vec<&str> = self.taxonomies.iter().map(|t| t.name.as_str()).collect();
                tera::Error::message(format!(
                    "there is no taxonomy `{}` in site.yaml (declared: {})",
                    source_text::escape(kind),
                    if declared.is_empty() {
                        "none".to_string()
                    } else {
                        declared.join(", ")
                    }
                ))
            })
    }
}

/// A template function that answers from the site being built.
type SiteFunction = fn(&SiteFunctions, &Kwargs) -> TeraResult<Value>;

/// Installs every function and filter of this module into `tera`,
/// reading the site from the slot it returns.
pub fn register(tera: &mut Tera) -> Shared {
    let shared = Shared::default();
    let functions: [(&'static str, SiteFunction); 7] = [
        ("get_page", get_page),
        ("get_section", get_section),
        ("get_taxonomy", get_taxonomy),
        ("get_taxonomy_url", get_taxonomy_url),
        ("get_url", get_url),
        ("image", image),
        ("now", now),
    ];
    for (name, function) in functions {
        let site = shared.clone();
        tera.register_function(name, move |kwargs: Kwargs, _: &State| {
            function(site.site(name)?, &kwargs)
        });
    }
    tera.register_filter("date", date);
    tera.register_filter("json_encode", json_encode);
    let site = shared.clone();
    tera.register_filter("slugify", move |text: &str, kwargs: Kwargs, _: &State| {
        only(&kwargs, "slugify", &[])?;
        // Outside a build (a template checked on its own) the default.
        let mode = site.0.get().map_or(Slugify::On, |site| site.slugify);
        slugify(text, mode).ok_or_else(|| {
            tera::Error::message(format!(
                "slugify: `{}` has no letter or digit to make a slug of",
                source_text::escape(text)
            ))
        })
    });
    let site = shared.clone();
    tera.register_filter("markdown", move |text: &str, kwargs: Kwargs, _: &State| {
        markdown_filter(site.site("the markdown filter")?, text, &kwargs)
    });
    shared
}

/// Refuses keyword arguments a function does not take, so a misspelt
/// one (`get_page(pth=…)`) is an error rather than ignored.
fn only(kwargs: &Kwargs, function: &str, known: &[&str]) -> TeraResult<()> {
    for (key, _) in kwargs.iter() {
        let name = key.to_string();
        if !known.contains(&name.as_str()) {
            return Err(tera::Error::message(format!(
                "{function} takes no argument `{}`{}",
                source_text::escape(&name),
                if known.is_empty() {
                    String::new()
                } else {
                    format!(" (it takes: {})", known.join(", "))
                }
            )));
        }
    }
    Ok(())
}

/// A path relative to `content/` as functions take it; a leading `@/`
/// (Zola's mark for content paths) is allowed.
fn content_path(path: &str) -> &str {
    path.strip_prefix("@/").unwrap_or(path)
}

thread_local! {
    /// Whether a template rendered on this thread read other pages' front
    /// matter through `get_page`, `get_section` or `get_taxonomy` since
    /// the last [`take_pages_read`]. A page renders on one thread, its
    /// shortcodes included.
    static PAGES_READ: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the templates rendered on this thread read other pages since
/// the last call; a dev rebuild renders such a page again when any page's
/// front matter changes (see [`crate::rebuild`]).
pub fn take_pages_read() -> bool {
    PAGES_READ.with(|read| read.replace(false))
}

fn note_pages_read() {
    PAGES_READ.with(|read| read.set(true));
}

fn get_page(site: &SiteFunctions, kwargs: &Kwargs) -> TeraResult<Value> {
    note_pages_read();
    only(kwargs, "get_page", &["path"])?;
    let path: String = kwargs.must_get("path")?;
    let path = content_path(&path);
    match site.page_by_source.get(path) {
        Some(&index) => Ok(Value::from_serializable(&site.pages[index])),
        None if site.section_by_source.contains_key(path) => Err(tera::Error::message(format!(
            "get_page: content/{} is a section; use get_section",
            source_text::escape(path)
        ))),
        None => Err(tera::Error::message(format!(
            "get_page: no published page at content/{} (a draft is published only by `build --drafts`)",
            source_text::escape(path)
        ))),
    }
}

fn get_section(site: &SiteFunctions, kwargs: &Kwargs) -> TeraResult<Value> {
    note_pages_read();
    only(kwargs, "get_section", &["path"])?;
    let path: String = kwargs.must_get("path")?;
    let path = content_path(&path);
    let section = site.section_by_source.get(path).ok_or_else(|| {
        tera::Error::message(format!(
            "get_section: no published section at content/{} (a section is a folder's `_index.md`)",
            source_text::escape(path)
        ))
    })?;
    let listed = |indexes: &[usize]| indexes.iter().map(|&i| &site.pages[i]).collect();
    Ok(Value::from_serializable(&SectionView {
        page: &site.pages[section.page],
        pages: listed(&section.pages),
        subsections: listed(&section.subsections),
        feed_url: section.feed_url.as_deref(),
    }))
}

fn get_taxonomy(site: &SiteFunctions, kwargs: &Kwargs) -> TeraResult<Value> {
    note_pages_read();
    only(kwargs, "get_taxonomy", &["kind"])?;
    let kind: String = kwargs.must_get("kind")?;
    let taxonomy = site.taxonomy(&kind)?;
    let url = format!("/{}/", taxonomy.name);
    Ok(Value::from_serializable(&TaxonomyView {
        name: &taxonomy.name,
        permalink: format!("{}{url}", site.base_url),
        url,
        items: taxonomy
            .terms
            .iter()
            .map(|term| {
                let url = term_url(&taxonomy.name, &term.slug);
                TermView {
                    name: &term.name,
                    slug: &term.slug,
                    permalink: format!("{}{url}", site.base_url),
                    url,
                    count: term.pages.len(),
                    pages: term.pages.iter().map(|&i| &site.pages[i]).collect(),
                }
            })
            .collect(),
    }))
}

fn get_taxonomy_url(site: &SiteFunctions, kwargs: &Kwargs) -> TeraResult<Value> {
    only(kwargs, "get_taxonomy_url", &["kind", "name"])?;
    let kind: String = kwargs.must_get("kind")?;
    let name: String = kwargs.must_get("name")?;
    let taxonomy = site.taxonomy(&kind)?;
    let name = name.trim();
    // By name, or else by the segment the name makes, as a page's term
    // is found under another page's spelling when the two collide.
    let slug = slugify(name, site.slugify).map(|slug| slug.to_lowercase());
    taxonomy
        .terms
        .iter()
        .find(|term| term.name == name)
        .or_else(|| {
            taxonomy
                .terms
                .iter()
                .find(|term| Some(term.slug.to_lowercase()) == slug)
        })
        .map(|term| Value::from(term_url(&taxonomy.name, &term.slug)))
        .ok_or_else(|| {
            tera::Error::message(format!(
                "get_taxonomy_url: no published page names the {} term `{}`",
                taxonomy.name,
                source_text::escape(name)
            ))
        })
}

/// The URL of a static file (fingerprinted), of a feed the build writes,
/// or of a content page (`@/news/a.md`). Anything else is an error, so a
/// template never links to a file the bundle lacks.
fn get_url(site: &SiteFunctions, kwargs: &Kwargs) -> TeraResult<Value> {
    only(kwargs, "get_url", &["path"])?;
    let path: String = kwargs.must_get("path")?;
    if let Some(source) = path.strip_prefix("@/") {
        let page = site
            .page_by_source
            .get(source)
            .or_else(|| site.section_by_source.get(source).map(|s| &s.page))
            .map(|&index| &site.pages[index]);
        return page
            .map(|page| Value::from(page.url.as_str()))
            .ok_or_else(|| {
                tera::Error::message(format!(
                    "get_url: no published page at content/{}",
                    source_text::escape(source)
                ))
            });
    }
    let site_path = format!("/{}", path.trim_start_matches('/'));
    if let Some(asset) = site.assets.get(&site_path) {
        return Ok(Value::from(asset.url.as_str()));
    }
    if site.feeds.contains(&site_path) {
        return Ok(Value::from(site_path));
    }
    Err(tera::Error::message(format!(
        "get_url: `{}` is not a file under static/, a feed of the site or a content path \
         starting with `@/`",
        source_text::escape(&path)
    )))
}

/// An image under `static/` as HTML: `<img>` with `width`, `height`,
/// `srcset` and `sizes`, in a `<picture>` with a WebP source when WebP is
/// smaller (see [`crate::images::markup`]). `alt` is required unless
/// `decorative=true`.
fn image(site: &SiteFunctions, kwargs: &Kwargs) -> TeraResult<Value> {
    only(kwargs, "image", &crate::images::markup::ARGUMENTS)?;
    let request = crate::images::markup::Request {
        src: kwargs.must_get("src")?,
        alt: kwargs.get("alt")?,
        decorative: kwargs.get::<bool>("decorative")?.unwrap_or(false),
        sizes: kwargs.get("sizes")?,
        class: kwargs.get("class")?,
        loading: kwargs.get("loading")?,
        title: None,
    };
    crate::images::markup::html(&site.assets, &request)
        .map(|html| Value::safe_string(&html))
        .map_err(|problem| tera::Error::message(format!("image: {problem}")))
}

/// The build time: RFC 3339 in UTC, or with `timestamp=true` seconds
/// since the epoch.
fn now(site: &SiteFunctions, kwargs: &Kwargs) -> TeraResult<Value> {
    only(kwargs, "now", &["timestamp"])?;
    if kwargs.get::<bool>("timestamp")?.unwrap_or(false) {
        Ok(Value::from(site.build_time.as_second()))
    } else {
        Ok(Value::from(site.build_time.to_string()))
    }
}

/// Formats a date from front matter (as templates see it: `2026-03-01`
/// or an RFC 3339 timestamp, read by the same strict parser) or a number
/// of seconds since the epoch (`now(timestamp=true)`), with jiff's
/// strftime directives. A date keeps the offset it was written with.
fn date(value: &Value, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    only(&kwargs, "date", &["format"])?;
    let format: String = kwargs
        .get("format")?
        .unwrap_or_else(|| DEFAULT_DATE_FORMAT.to_string());
    let zoned = if let Some(text) = value.as_str() {
        ContentDate::parse(text)
            .map_err(|error| {
                tera::Error::message(format!(
                    "date: `{}` is not a date: {error}",
                    source_text::escape(text)
                ))
            })?
            .zoned()
    } else if let Some(seconds) = value.as_i64() {
        Timestamp::from_second(seconds)
            .map_err(|_| tera::Error::message(format!("date: {seconds} seconds is out of range")))?
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
    } else {
        return Err(tera::Error::message(format!(
            "date: expects a date string or a number of seconds, not {}",
            value.name()
        )));
    };
    jiff::fmt::strtime::format(&format, &zoned).map_err(|error| {
        tera::Error::message(format!(
            "date: cannot format with `{}`: {error}",
            source_text::escape(&format)
        ))
    })
}

/// The value as JSON, for `data-` attributes and the like; the output is
/// escaped like any other text unless marked `safe`.
fn json_encode(value: &Value, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    only(&kwargs, "json_encode", &["pretty"])?;
    let encoded = if kwargs.get::<bool>("pretty")?.unwrap_or(false) {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    encoded.map_err(|error| tera::Error::message(format!("json_encode: {error}")))
}

/// Markdown to HTML through the content pipeline. `inline=true` drops
/// the paragraph around a single paragraph, for headings and links.
fn markdown_filter(site: &SiteFunctions, text: &str, kwargs: &Kwargs) -> TeraResult<Value> {
    only(kwargs, "markdown", &["inline"])?;
    let inline = kwargs.get::<bool>("inline")?.unwrap_or(false);
    let refuse = |problem: String| tera::Error::message(format!("markdown: {problem}"));
    if text.len() as u64 > MAX_SOURCE_BYTES {
        return Err(refuse(format!(
            "the text is {} bytes, over the {MAX_SOURCE_BYTES}-byte limit for Markdown",
            text.len()
        )));
    }
    source_text::check("the text", text).map_err(|(spot, problem)| {
        refuse(format!(
            "{problem}, at line {} of the text",
            spot.line.unwrap_or(1)
        ))
    })?;
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    // Shortcodes are for content files: without templates, a call in the
    // text is read and checked but writes nothing.
    let settings = markdown::Settings::new(&site.assets);
    let rendered = markdown::render(text, &settings).map_err(|problems| {
        let shown: Vec<String> = problems
            .iter()
            .map(|problem| {
                let line = line_of(problem.offset);
                match &problem.kind {
                    markdown::ProblemKind::RawHtml(violation)
                    | markdown::ProblemKind::ShortcodeOutput { violation, .. } => format!(
                        "raw HTML {violation} at line {line} of the text; {}",
                        violation.help()
                    ),
                    markdown::ProblemKind::Heading(heading) => {
                        format!("{heading}, at line {line} of the text")
                    }
                    markdown::ProblemKind::Shortcode(shortcode) => {
                        format!("{shortcode}, at line {line} of the text")
                    }
                    markdown::ProblemKind::Template(error) => error.to_string(),
                    markdown::ProblemKind::Image(problem) => {
                        format!("{problem}, at line {line} of the text")
                    }
                }
            })
            .collect();
        refuse(shown.join("; "))
    })?;
    if let Some(problem) = rendered.problems.first() {
        return Err(refuse(match problem {
            RewriteProblem::MissingAsset(reference) => format!(
                "refers to {}, which is not a file under static/",
                source_text::escape(reference)
            ),
            RewriteProblem::Rewriter(message) => source_text::escape(message),
        }));
    }
    let mut html = rendered.html;
    if inline
        && let Some(inner) = html
            .strip_prefix("<p>")
            .and_then(|rest| rest.strip_suffix("</p>\n"))
        && !inner.contains("<p>")
    {
        html = inner.to_string();
    }
    Ok(Value::safe_string(&html))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::parse_page;
    use crate::templates::Templates;

    fn config() -> SiteConfig {
        SiteConfig::parse(
            "name: S\nbase_url: https://s.example\ncontact_email: a@s.example\ntaxonomies: [{name: tags}, {name: topics}]\n",
        )
        .unwrap()
    }

    /// Compiles `template` as `page.html` beside a small site and renders it.
    fn render(template: &str) -> Result<String, crate::Error> {
        render_with(template, &tera::Context::new())
    }

    fn render_with(template: &str, context: &tera::Context) -> Result<String, crate::Error> {
        let config = config();
        let mut pages: Vec<Page> = [
            (
                "news/_index.md",
                "---\ntitle: News\nsort_by: date\nfeed: true\n---\n",
            ),
            (
                "news/a.md",
                "---\ntitle: A & B\ndate: 2026-03-01T09:30:00+02:00\ntaxonomies: {tags: [Café Menu]}\nextra: {n: 1}\n---\n",
            ),
            (
                "news/b.md",
                "---\ntitle: B\ndate: 2026-01-15\ntaxonomies: {tags: [Café Menu, Rust]}\n---\n",
            ),
            ("about.md", "---\ntitle: About\n---\n"),
        ]
        .iter()
        .map(|(source, text)| parse_page(source, text, &config).unwrap())
        .collect();
        let (mut sections, errors) = Sections::assemble(&pages);
        assert!(errors.is_empty());
        crate::content::section::paginate(&mut pages, &mut sections);
        let (taxonomies, errors) = Taxonomies::assemble(&mut pages, &config);
        assert!(errors.is_empty());
        let mut assets = AssetMap::from_sources(vec![
            ("/css/site.css".to_string(), b"p{}".to_vec()),
            (
                "/img/a.svg".to_string(),
                b"<svg width=\"2\" height=\"1\"></svg>".to_vec(),
            ),
        ])
        .unwrap();
        crate::images::process(
            &mut assets,
            &crate::images::ImagesConfig::default(),
            &crate::images::cache::Cache::disabled(),
        )
        .unwrap();
        let templates =
            Templates::from_sources(&[("page.html".to_string(), template.to_string())]).unwrap();
        templates.functions().provide(SiteFunctions::new(
            &config,
            &pages,
            &sections,
            &taxonomies,
            Arc::new(assets),
            &["news/atom.xml".to_string()],
            parse_epoch("1767225600").unwrap(),
        ));
        templates.render("page", context, "content/x.md")
    }

    fn error(template: &str) -> String {
        render(template).unwrap_err().to_string()
    }

    /// `template` (whose call is on its line 2) fails there, saying `needle`.
    fn assert_error_on_line_two(template: &str, needle: &str) {
        let shown = error(template);
        assert!(
            shown.starts_with("templates/page.html:2:"),
            "{template}: {shown}"
        );
        assert!(shown.contains(needle), "{template}: {shown}");
    }

    #[test]
    fn site_functions_answer_from_the_published_site() {
        assert_eq!(
            render("{% set p = get_page(path=\"news/a.md\") %}{{ p.title }}|{{ p.url }}|{{ p.permalink }}|{{ p.extra.n }}|{{ p.taxonomies.tags | join(sep=\",\") }}").unwrap(),
            "A &amp; B|/news/a/|https://s.example/news/a/|1|Café Menu"
        );
        assert_eq!(
            render("{% set s = get_section(path=\"@/news/_index.md\") %}{{ s.title }}:{% for p in s.pages %}{{ p.title }};{% endfor %}{{ s.feed_url }}").unwrap(),
            "News:A &amp; B;B;/news/atom.xml"
        );
        assert_eq!(
            render("{% set tags = get_taxonomy(kind=\"tags\") %}{% set topics = get_taxonomy(kind=\"topics\") %}{% for t in tags.items %}{{ t.name }}={{ t.url }}({{ t.count }}) {% endfor %}|{{ topics.items | length }}").unwrap(),
            "Café Menu=/tags/cafe-menu/(2) Rust=/tags/rust/(1) |0"
        );
        assert_eq!(
            render("{{ get_taxonomy_url(kind=\"tags\", name=\"Rust\") }}").unwrap(),
            "/tags/rust/"
        );
        let urls = render("{{ get_url(path=\"css/site.css\") }} {{ get_url(path=\"/news/atom.xml\") }} {{ get_url(path=\"@/about.md\") }}").unwrap();
        let parts: Vec<&str> = urls.split(' ').collect();
        assert!(
            parts[0].starts_with("/assets/site.") && parts[0].ends_with(".css"),
            "{urls}"
        );
        assert_eq!(parts[1..], ["/news/atom.xml", "/about/"]);
    }

    #[test]
    fn site_function_errors_name_the_template_line() {
        for (template, needle) in [
            (
                "\n{{ get_page(path=\"news/gone.md\") }}",
                "no published page at content/news/gone.md",
            ),
            (
                "\n{{ get_page(path=\"news/_index.md\") }}",
                "is a section; use get_section",
            ),
            (
                "\n{{ get_page(pth=\"news/a.md\") }}",
                "takes no argument `pth`",
            ),
            (
                "\n{{ get_section(path=\"about.md\") }}",
                "no published section",
            ),
            (
                "\n{{ get_taxonomy(kind=\"categories\") }}",
                "no taxonomy `categories` in site.yaml (declared: tags, topics)",
            ),
            (
                "\n{{ get_taxonomy_url(kind=\"tags\", name=\"Go\") }}",
                "no published page names the tags term `Go`",
            ),
            (
                "\n{{ get_url(path=\"css/gone.css\") }}",
                "`css/gone.css` is not a file under static/",
            ),
            (
                "\n{{ get_url(path=\"@/gone.md\") }}",
                "no published page at content/gone.md",
            ),
        ] {
            assert_error_on_line_two(template, needle);
        }
    }

    #[test]
    fn dates_format_as_written_and_now_is_the_fixed_build_time() {
        assert_eq!(
            render("{% set p = get_page(path=\"news/a.md\") %}{{ p.date | date(format=\"%d %B %Y, %H:%M %:z\") }}|{{ p.date | date }}").unwrap(),
            "01 March 2026, 09:30 +02:00|2026-03-01"
        );
        assert_eq!(
            render("{{ now() }}|{{ now(timestamp=true) }}|{{ now(timestamp=true) | date(format=\"%Y\") }}").unwrap(),
            "2026-01-01T00:00:00Z|1767225600|2026"
        );
        for (template, needle) in [
            (
                "\n{{ \"2026-02-30\" | date }}",
                "does not exist on the calendar",
            ),
            ("\n{{ \"yesterday\" | date }}", "is not a date"),
            (
                "\n{{ now() | date(format=\"%y %K\") }}",
                "cannot format with `%y %K`",
            ),
            (
                "\n{{ [1] | date }}",
                "expects a date string or a number of seconds",
            ),
            ("\n{{ now(utc=true) }}", "takes no argument `utc`"),
        ] {
            assert_error_on_line_two(template, needle);
        }
    }

    #[test]
    fn json_encode_and_slugify_are_escaped_text() {
        assert_eq!(
            render("{% set p = get_page(path=\"news/a.md\") %}{{ p.extra | json_encode }}|{{ \"</p><x>\" | json_encode }}").unwrap(),
            "{&quot;n&quot;:1}|&quot;&lt;/p&gt;&lt;x&gt;&quot;"
        );
        assert_eq!(
            render("{{ \"Café Menu!\" | slugify }}").unwrap(),
            "cafe-menu"
        );
        assert!(error("\n{{ \"日本\" | slugify }}").starts_with("templates/page.html:2:"));
    }

    #[test]
    fn image_writes_a_sized_img_and_requires_alt() {
        let html = render(
            "{{ image(src=\"/img/a.svg\", alt=\"A & B\", class=\"art\", loading=\"eager\") }}",
        )
        .unwrap();
        assert!(html.starts_with("<img src=\"/assets/a."), "{html}");
        assert!(
            html.ends_with(
                "\" width=\"2\" height=\"1\" alt=\"A &amp; B\" class=\"art\" loading=\"eager\" decoding=\"async\">"
            ),
            "{html}"
        );
        let decorative = render("{{ image(src=\"/img/a.svg\", decorative=true) }}").unwrap();
        assert!(decorative.contains("alt=\"\""), "{decorative}");
        let error = |template: &str| render(template).unwrap_err().to_string();
        let missing = error("\n{{ image(src=\"/img/a.svg\") }}");
        assert!(
            missing.starts_with("templates/page.html:2:")
                && missing.contains("image: image `/img/a.svg` has no alt text"),
            "{missing}"
        );
        assert!(
            error("{{ image(src=\"/css/site.css\", alt=\"x\") }}")
                .contains("is not an image the pipeline reads"),
        );
        assert!(
            error("{{ image(src=\"/img/a.svg\", alt=\"x\", loading=\"soon\") }}")
                .contains("`loading` is `lazy` or `eager`"),
        );
        assert!(
            error("{{ image(src=\"/img/a.svg\", alt=\"x\", width=3) }}")
                .contains("image takes no argument `width`"),
        );
    }

    #[test]
    fn markdown_filter_follows_the_content_policy() {
        let link = render("{{ \"[c](/css/site.css)\" | markdown(inline=true) }}").unwrap();
        assert!(link.starts_with("<a href=\"/assets/site."), "{link}");
        let html = render("{{ \"A *b* ![i](/img/a.svg)\" | markdown }}").unwrap();
        assert!(
            html.starts_with("<p>A <em>b</em> <img src=\"/assets/a."),
            "{html}"
        );
        assert!(html.ends_with("</p>\n"), "{html}");
        let inline = render("{{ \"A *b*\" | markdown(inline=true) }}").unwrap();
        assert_eq!(inline, "A <em>b</em>");
        for (text, needle) in [
            (
                "<img src=x onerror=alert(1)>",
                "event handler attribute `onerror`",
            ),
            ("ok\n\n<script>alert(1)</script>", "at line 3 of the text"),
            ("![x](/img/gone.png)", "refers to /img/gone.png"),
            ("<a href=\"java\tscript:alert(1)\">x</a>", "javascript:"),
            ("<p style=\"color:red\">x</p>", "inline `style` attribute"),
            ("a\u{202E}b", "U+202E"),
        ] {
            let mut context = tera::Context::new();
            context.insert("text", text);
            let shown = render_with("\n{{ text | markdown }}", &context)
                .unwrap_err()
                .to_string();
            assert!(
                shown.starts_with("templates/page.html:2:"),
                "{text}: {shown}"
            );
            assert!(shown.contains(needle), "{text}: {shown}");
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn epochs_are_digits_only_and_round_trip(text in "[0-9 +\\-.a-z]{0,22}") {
                match parse_epoch(&text) {
                    Ok(time) => {
                        prop_assert!(text.bytes().all(|b| b.is_ascii_digit()));
                        prop_assert_eq!(time.as_second(), text.parse::<i64>().unwrap());
                    }
                    Err(EpochError::Malformed) => {
                        prop_assert!(text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()));
                    }
                    Err(EpochError::OutOfRange) => {
                        prop_assert!(text.bytes().all(|b| b.is_ascii_digit()));
                        prop_assert!(text.trim_start_matches('0').len() >= 12);
                    }
                }
            }

            #[test]
            fn every_second_up_to_9999_is_accepted(seconds in 0i64..=253_402_300_799) {
                prop_assert_eq!(parse_epoch(&seconds.to_string()).unwrap().as_second(), seconds);
            }
        }

        #[test]
        fn the_variable_is_read_strictly() {
            assert!(build_time(None).is_ok());
            for bad in ["", " 1", "1.5", "-1", "+1", "1e9", "0x10"] {
                assert_eq!(
                    build_time(Some(std::ffi::OsStr::new(bad))),
                    Err(EpochError::Malformed),
                    "{bad:?}"
                );
            }
            assert_eq!(parse_epoch("253402300800"), Err(EpochError::OutOfRange));
            assert_eq!(
                parse_epoch("99999999999999999999999"),
                Err(EpochError::OutOfRange)
            );
        }
    }
}
