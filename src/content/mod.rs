//! Content discovery: `content/**/*.md` files, their YAML front matter and
//! the URL each one maps to. [`date`] reads the dates in front matter,
//! [`section`] assembles listings and [`data`] reads the `data/` folder.

pub mod data;
pub mod date;
pub mod section;
pub mod slug;
pub(crate) mod strict;
pub mod taxonomy;

use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::SiteConfig;
use crate::error::{Error, SourceSpot};
use crate::limits::{MAX_BUNDLE_PATH_BYTES, MAX_NAME_BYTES, MAX_SOURCE_BYTES};
use crate::source_text;
use crate::yaml::yaml_error_parts;
pub use date::{ContentDate, DateError};
pub use section::{SECTION_FILE, SectionSettings, Sections, SortBy};
pub use slug::{Slugify, slugify};
pub use taxonomy::{Taxonomies, TaxonomyPage, TermUse};

/// Name of the content folder inside a site folder.
pub const CONTENT_DIR: &str = "content";

/// Front matter of a page. Unknown keys are errors.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    /// Page title (required).
    #[serde(deserialize_with = "strict::title")]
    pub title: String,
    /// Meta description.
    #[serde(default)]
    pub description: Option<String>,
    /// Template name, `templates/<name>.html`; default `page`.
    #[serde(default)]
    pub template: Option<String>,
    /// Navigation entry; absent means the page is not in the navigation.
    #[serde(default)]
    pub nav: Option<NavEntry>,
    /// Which surface the page belongs to.
    #[serde(default)]
    pub surface: Option<Surface>,
    /// Ask search engines not to index the page.
    #[serde(default, deserialize_with = "strict::boolean")]
    pub noindex: bool,
    /// Drafts are parsed and checked but not published.
    #[serde(default, deserialize_with = "strict::boolean")]
    pub draft: bool,
    /// Replaces the last URL segment.
    #[serde(default)]
    pub slug: Option<String>,
    /// When the page was published: a date or an RFC 3339 timestamp.
    #[serde(default)]
    pub date: Option<ContentDate>,
    /// When the page last changed in substance; `<lastmod>` in the sitemap.
    #[serde(default)]
    pub updated: Option<ContentDate>,
    /// Sort key for sections sorted by weight: lower first.
    #[serde(default, deserialize_with = "strict::optional_integer")]
    pub weight: Option<i64>,
    /// Terms by taxonomy, as Zola writes them:
    /// `taxonomies: {tags: [Security, Releases]}`.
    #[serde(default)]
    pub taxonomies: taxonomy::TermsByTaxonomy,
    /// Old URL paths of the page, each published as a 301 rule in
    /// `_redirects`; positions are within the front matter's YAML.
    #[serde(default)]
    pub aliases: Vec<serde_saphyr::Spanned<String>>,
    /// Free-form values for templates (`page.extra`): the one place
    /// where any key is allowed.
    #[serde(default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Front matter of a section's `_index.md`: the keys a page has that make
/// sense for a listing, and the listing's own. Unknown keys are errors.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionFrontMatter {
    #[serde(deserialize_with = "strict::title")]
    title: String,
    #[serde(default)]
    description: Option<String>,
    /// Default `section`.
    #[serde(default)]
    template: Option<String>,
    #[serde(default)]
    nav: Option<NavEntry>,
    #[serde(default)]
    surface: Option<Surface>,
    #[serde(default, deserialize_with = "strict::boolean")]
    noindex: bool,
    #[serde(default, deserialize_with = "strict::boolean")]
    draft: bool,
    /// Orders the section among its parent's subsections' listings.
    #[serde(default, deserialize_with = "strict::optional_integer")]
    weight: Option<i64>,
    #[serde(default)]
    sort_by: Option<SortBy>,
    #[serde(default, deserialize_with = "strict::optional_count")]
    paginate_by: Option<std::num::NonZeroUsize>,
    #[serde(default, deserialize_with = "strict::boolean")]
    transparent: bool,
    #[serde(default, deserialize_with = "strict::boolean")]
    feed: bool,
    #[serde(default)]
    aliases: Vec<serde_saphyr::Spanned<String>>,
    #[serde(default)]
    extra: serde_json::Map<String, serde_json::Value>,
}

impl SectionFrontMatter {
    fn split(self) -> (FrontMatter, SectionSettings) {
        let front = FrontMatter {
            title: self.title,
            description: self.description,
            template: Some(self.template.unwrap_or_else(|| "section".to_string())),
            nav: self.nav,
            surface: self.surface,
            noindex: self.noindex,
            draft: self.draft,
            slug: None,
            date: None,
            updated: None,
            weight: self.weight,
            taxonomies: taxonomy::TermsByTaxonomy::new(),
            aliases: self.aliases,
            extra: self.extra,
        };
        let settings = SectionSettings {
            sort_by: self.sort_by,
            paginate_by: self.paginate_by,
            transparent: self.transparent,
            feed: self.feed,
        };
        (front, settings)
    }
}

/// A navigation entry from front matter.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NavEntry {
    /// Link text.
    pub label: String,
    /// Sort key; ties sort by label.
    #[serde(default, deserialize_with = "strict::integer")]
    pub order: i64,
}

/// Public marketing pages or admin surfaces that must stay unlinked and
/// unindexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Surface {
    /// A public page.
    Public,
    /// An admin surface.
    Admin,
}

/// A content file, parsed and placed.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Path relative to `content/`, with `/` separators, e.g. `about.md`.
    pub source: String,
    /// Path relative to the site root, e.g. `content/about.md`; used in errors.
    pub display_path: String,
    /// The front matter.
    pub front: FrontMatter,
    /// Markdown after the front matter.
    pub body: String,
    /// 1-based line of the file where the body starts.
    pub body_line: usize,
    /// 1-based line of the `template:` key, if written.
    pub template_line: Option<usize>,
    /// 1-based line of the `slug:` key, if written.
    pub slug_line: Option<usize>,
    /// Line in the content file of the front matter's first line, to
    /// place what the YAML reader positions within it (`aliases`).
    pub yaml_line: usize,
    /// Site path, e.g. `/about/` or `/404.html`.
    pub url: String,
    /// Output path inside the bundle, e.g. `about/index.html`.
    pub output: String,
    /// Effective surface (admin by front matter or by URL prefix).
    pub surface: Surface,
    /// Effective noindex (admin surfaces and the 404 page are always noindex).
    pub noindex: bool,
    /// Last URL segment (empty for the home page).
    pub slug: String,
    /// Template name.
    pub template: String,
    /// Whether this is the not-found page.
    pub is_not_found: bool,
    /// The listing settings, when this is a section's `_index.md`.
    pub section: Option<SectionSettings>,
    /// Which listing page of its section or taxonomy term this is: 1 for
    /// every content file, 2 and up for the extra pages of a paginated
    /// listing.
    pub pager: usize,
    /// The taxonomy terms the page names, checked.
    pub terms: Vec<TermUse>,
    /// What the page lists, when the generator added it for a taxonomy.
    pub taxonomy: Option<TaxonomyPage>,
}

impl Page {
    /// Converts a byte offset in the body to a 1-based `(line, column)` of
    /// the whole file, counting columns in characters.
    pub fn body_position(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.body.len());
        while !self.body.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.body[..offset];
        let line_in_body = before.matches('\n').count();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (self.body_line + line_in_body, column)
    }

    /// The page as errors name it: its content file, or for an extra
    /// listing page of a section, which one.
    pub fn describe(&self) -> String {
        if let Some(listing) = &self.taxonomy {
            let what = match &listing.term {
                Some(term) => format!(
                    "the {} term `{}`",
                    listing.taxonomy,
                    source_text::escape(term)
                ),
                None => format!("the {} list", listing.taxonomy),
            };
            let number = if self.pager > 1 {
                format!("listing page {} of ", self.pager)
            } else {
                String::new()
            };
            return format!("{number}{what} (first named at {})", listing.origin);
        }
        if self.pager > 1 {
            format!("listing page {} of {}", self.pager, self.display_path)
        } else {
            self.display_path.clone()
        }
    }

    /// When the page last changed: `updated`, else `date`.
    pub fn last_modified(&self) -> Option<&ContentDate> {
        self.front.updated.as_ref().or(self.front.date.as_ref())
    }

    /// Whether the page belongs in `sitemap.xml`.
    pub fn in_sitemap(&self) -> bool {
        self.surface == Surface::Public && !self.noindex && !self.is_not_found
    }
}

/// Where a content file's text comes from, which decides whether errors
/// may quote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// A file inside the site folder, reached without a symbolic link.
    Site,
    /// A file reached through a symbolic link: it may be any file on the
    /// machine, so errors give positions but never its text.
    Linked,
}

/// A `.md` entry found under `content/`.
#[derive(Debug, Clone)]
pub struct ContentFile {
    /// Its path.
    pub path: PathBuf,
    /// Whether it, or a folder on the way to it, is a symbolic link.
    pub provenance: Provenance,
    /// Whether it is a regular file (after following links), rather than
    /// a FIFO, socket or device that reading could block on or never end.
    pub regular: bool,
}

/// Every `.md` entry under `content_dir`, sorted by path for stable
/// output. Symbolic links are followed, and what is reached through one
/// is marked as such.
pub fn discover(content_dir: &Path) -> Result<Vec<ContentFile>, Error> {
    let mut files = Vec::new();
    // Whether each folder on the current path was reached through a link,
    // by depth: the walk visits a folder before what it holds.
    let mut linked_folders: Vec<bool> = Vec::new();
    let walk = walkdir::WalkDir::new(content_dir)
        .follow_links(true)
        .sort_by_file_name();
    for entry in walk {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(content_dir).to_path_buf();
            Error::io("cannot walk content", path, e.into())
        })?;
        linked_folders.truncate(entry.depth());
        let linked = entry.path_is_symlink() || linked_folders.last().copied().unwrap_or_default();
        if entry.file_type().is_dir() {
            linked_folders.push(linked);
            continue;
        }
        if entry.path().extension().is_some_and(|ext| ext == "md") {
            files.push(ContentFile {
                regular: entry.file_type().is_file(),
                provenance: if linked {
                    Provenance::Linked
                } else {
                    Provenance::Site
                },
                path: entry.into_path(),
            });
        }
    }
    Ok(files)
}

/// Reads and parses one content file: its name, size and text are checked
/// before its front matter is.
pub fn load_page(
    content_dir: &Path,
    file: &ContentFile,
    config: &SiteConfig,
) -> Result<Page, Error> {
    let path = file.path.as_path();
    let relative = path.strip_prefix(content_dir).unwrap_or(path);
    let source = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    let display = format!("{CONTENT_DIR}/{}", source_text::escape(&source));
    let refuse = |problem: String| Error::ContentFile {
        file: display.clone(),
        problem,
    };
    if relative.to_str().is_none() {
        return Err(refuse(
            "its name is not valid UTF-8, so it cannot become a URL; rename it".to_string(),
        ));
    }
    if let Some(c) = source.chars().find(|&c| source_text::is_forbidden(c)) {
        return Err(refuse(format!(
            "its name contains {}, which would reach URLs, headers and logs; rename it",
            source_text::Forbidden(c)
        )));
    }
    if !file.regular {
        return Err(refuse(
            "is not a regular file (a FIFO, socket or device); only files are read as pages"
                .to_string(),
        ));
    }
    let too_large = |bytes: u64| {
        refuse(format!(
            "is {bytes} bytes, over the {MAX_SOURCE_BYTES}-byte limit for a content file; split it"
        ))
    };
    let handle = std::fs::File::open(path).map_err(|e| Error::io("cannot read page", path, e))?;
    let size = handle
        .metadata()
        .map_err(|e| Error::io("cannot read page", path, e))?
        .len();
    if size > MAX_SOURCE_BYTES {
        return Err(too_large(size));
    }
    // The size can change between the check and the read: read one byte
    // past the limit at most, so a growing file is caught too.
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    handle
        .take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("cannot read page", path, e))?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    let text = source_text::decode(&display, bytes)
        .map_err(|(spot, problem)| Error::SourceText { spot, problem })?;
    parse_page_from(&source, &text, config, file.provenance)
}

/// Parses a content file's text; `source` is its path relative to
/// `content/`.
pub fn parse_page(source: &str, text: &str, config: &SiteConfig) -> Result<Page, Error> {
    parse_page_from(source, text, config, Provenance::Site)
}

/// Parses a content file's text, quoting it in errors only when it comes
/// from the site itself.
pub fn parse_page_from(
    source: &str,
    text: &str,
    config: &SiteConfig,
    provenance: Provenance,
) -> Result<Page, Error> {
    let display_path = format!("{CONTENT_DIR}/{source}");
    source_text::check(&display_path, text)
        .map_err(|(spot, problem)| Error::SourceText { spot, problem })?;
    let split = split_front_matter(text).ok_or_else(|| Error::FrontMatter {
        spot: SourceSpot::at(&display_path, 1, 1),
        message: "missing front matter: start the file with a `---` line, then at least \
                  `title:`, then a closing `---` line"
            .to_string(),
    })?;
    let is_section = source == SECTION_FILE || source.ends_with(&format!("/{SECTION_FILE}"));
    let parsed = if is_section {
        serde_saphyr::from_str_with_options::<SectionFrontMatter>(split.yaml, yaml_options()).map(
            |front| {
                let (front, settings) = front.split();
                (front, Some(settings))
            },
        )
    } else {
        serde_saphyr::from_str_with_options::<FrontMatter>(split.yaml, yaml_options())
            .map(|front| (front, None))
    };
    let (front, section) = parsed.map_err(|error| {
        let (message, line, column) = yaml_error_parts(&error);
        let spot = SourceSpot {
            file: display_path.clone(),
            // The YAML starts on the line after the opening `---`.
            line: Some(line.unwrap_or(1) + split.yaml_line - 1),
            column,
        };
        match provenance {
            Provenance::Site => Error::FrontMatter { spot, message },
            Provenance::Linked => Error::WithheldYaml {
                spot,
                what: "front matter",
            },
        }
    })?;
    let template_line = key_line(split.yaml, "template").map(|i| i + split.yaml_line);
    let slug_line = key_line(split.yaml, "slug").map(|i| i + split.yaml_line);
    if let Some(slug) = &front.slug
        && !is_safe_slug(slug)
    {
        // A slug becomes a folder name in the bundle: anything that could
        // climb out of it or split it must not pass.
        let shown = match provenance {
            Provenance::Site => format!("slug `{}`", source_text::escape(slug)),
            Provenance::Linked => "the slug".to_string(),
        };
        return Err(Error::FrontMatter {
            spot: SourceSpot::at(&display_path, slug_line.unwrap_or(1), 1),
            message: format!(
                "{shown} must be one URL segment: letters, digits, `-`, `_` or `.`, not `.` or `..`"
            ),
        });
    }

    let placement = place(source, front.slug.as_deref(), config.slugify).map_err(|segment| {
        Error::ContentFile {
            file: display_path.clone(),
            problem: format!(
                "the name `{}` has no letter or digit left to make a URL segment of \
                 (`slugify: on` keeps ASCII letters and digits); rename it, set `slug:`, \
                 or use `slugify: safe` in site.yaml",
                source_text::escape(&segment)
            ),
        }
    })?;
    let admin_by_path = config.is_admin_path(&placement.url);
    let surface = if admin_by_path {
        Surface::Admin
    } else {
        front.surface.unwrap_or(Surface::Public)
    };
    let noindex = front.noindex || surface == Surface::Admin || placement.is_not_found;
    let template = front.template.clone().unwrap_or_else(|| "page".to_string());
    let terms = taxonomy::read_terms(
        &front.taxonomies,
        config,
        &display_path,
        split.yaml_line,
        provenance,
    )?;
    Ok(Page {
        source: source.to_string(),
        display_path,
        body: split.body.to_string(),
        body_line: split.body_line,
        template_line,
        slug_line,
        yaml_line: split.yaml_line,
        url: placement.url,
        output: placement.output,
        surface,
        noindex,
        slug: placement.slug,
        template,
        is_not_found: placement.is_not_found,
        front,
        section,
        pager: 1,
        terms,
        taxonomy: None,
    })
}

/// How front matter is read: booleans only as `true`/`false` (not YAML
/// 1.1's `yes`, `on`, …), and text that YAML would read as a number or a
/// boolean (`title: 2026`, `title: no`) must be quoted, so no value's
/// type depends on which YAML version a reader follows.
fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! { strict_booleans: true, no_schema: true }
}

/// 0-based index of the line of a top-level `key:` in front matter.
fn key_line(yaml: &str, key: &str) -> Option<usize> {
    yaml.lines().position(|line| {
        line.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
    })
}

/// Whether a slug is a single, harmless URL segment.
pub(crate) fn is_safe_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug != "."
        && slug != ".."
        && slug
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

struct FrontMatterSplit<'a> {
    yaml: &'a str,
    yaml_line: usize,
    body: &'a str,
    body_line: usize,
}

/// Splits `---\n<yaml>\n---\n<body>`. Returns `None` without front matter.
fn split_front_matter(text: &str) -> Option<FrontMatterSplit<'_>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line_end = text.find('\n')?;
    if text[..first_line_end].trim_end() != "---" {
        return None;
    }
    let yaml_start = first_line_end + 1;
    let mut position = yaml_start;
    let mut line = 2;
    while position <= text.len() {
        let end = text[position..]
            .find('\n')
            .map_or(text.len(), |i| position + i);
        let trimmed = text[position..end].trim_end();
        if trimmed == "---" || trimmed == "..." {
            let body_start = (end + 1).min(text.len());
            return Some(FrontMatterSplit {
                yaml: &text[yaml_start..position],
                yaml_line: 2,
                body: &text[body_start..],
                body_line: line + 1,
            });
        }
        if end == text.len() {
            break;
        }
        position = end + 1;
        line += 1;
    }
    None
}

struct Placement {
    url: String,
    output: String,
    slug: String,
    is_not_found: bool,
}

/// Maps a content path to its URL and output file (pretty URLs), each
/// folder and file name made a URL segment as `mode` says. Fails with the
/// name that leaves nothing.
fn place(source: &str, slug_override: Option<&str>, mode: Slugify) -> Result<Placement, String> {
    let stem = source.strip_suffix(".md").unwrap_or(source);
    if stem == "404" {
        return Ok(Placement {
            url: "/404.html".to_string(),
            output: "404.html".to_string(),
            slug: "404".to_string(),
            is_not_found: true,
        });
    }
    let mut names: Vec<&str> = stem.split('/').collect();
    // `a/index.md` is the page at `/a/`, `a/_index.md` the section there.
    if matches!(names.last(), Some(&"index" | &"_index")) {
        names.pop();
    }
    let mut segments = Vec::with_capacity(names.len());
    for (index, name) in names.iter().enumerate() {
        match slug_override {
            // A `slug:` is checked to be one safe segment and replaces the
            // last name as written.
            Some(slug) if index + 1 == names.len() => segments.push(slug.to_string()),
            _ => segments.push(slugify(name, mode).ok_or_else(|| name.to_string())?),
        }
    }
    if segments.is_empty() {
        return Ok(Placement {
            url: "/".to_string(),
            output: "index.html".to_string(),
            slug: String::new(),
            is_not_found: false,
        });
    }
    let joined = segments.join("/");
    Ok(Placement {
        url: format!("/{joined}/"),
        output: format!("{joined}/index.html"),
        slug: segments.last().cloned().unwrap_or_default(),
        is_not_found: false,
    })
}

/// Fails when two pages map to one URL, naming both source files.
pub fn check_unique_urls(pages: &[Page]) -> Vec<Error> {
    let mut seen: HashMap<&str, &Page> = HashMap::with_capacity(pages.len());
    let mut errors = Vec::new();
    for page in pages {
        if let Some(first) = seen.insert(&page.url, page) {
            errors.push(Error::DuplicateUrl {
                url: page.url.clone(),
                first: first.describe(),
                second: page.describe(),
            });
        }
    }
    errors
}

/// First folder names of the bundle that belong to the generator or to
/// the host, so no page may be written under them: `assets/` holds the
/// fingerprinted files that are cached for a year, `index.html` and
/// `404.html` are the files the host serves for `/` and for a missing
/// page, and the others are files the host reads as configuration rather
/// than serving.
pub const RESERVED_ROOT_NAMES: [&str; 7] = [
    "assets",
    "index.html",
    "404.html",
    "_headers",
    "_redirects",
    "_routes.json",
    "_worker.js",
];

/// Why a path inside the bundle cannot be written: a name over
/// [`MAX_NAME_BYTES`] or a path over [`MAX_BUNDLE_PATH_BYTES`].
pub fn bundle_path_problem(path: &str) -> Option<String> {
    if let Some(name) = path.split('/').find(|name| name.len() > MAX_NAME_BYTES) {
        return Some(format!(
            "the name `{}` is {} bytes long, over the {MAX_NAME_BYTES}-byte limit of common filesystems",
            shorten(name),
            name.len()
        ));
    }
    (path.len() > MAX_BUNDLE_PATH_BYTES).then(|| {
        format!(
            "the path is {} bytes long, over the {MAX_BUNDLE_PATH_BYTES}-byte limit for a path in the bundle",
            path.len()
        )
    })
}

/// A long name cut to a readable length, with its controls escaped.
pub fn shorten(name: &str) -> String {
    const SHOWN: usize = 60;
    match name.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", source_text::escape(&name[..cut])),
        None => source_text::escape(name),
    }
}

/// Who writes a file of the bundle.
enum Owner<'a> {
    Generated(&'a str),
    Page(&'a Page),
}

impl Owner<'_> {
    fn describe(&self) -> String {
        match self {
            Owner::Generated(path) => format!("the generator's own `{path}`"),
            Owner::Page(page) => format!("the page of {}", page.describe()),
        }
    }
}

/// Checks where every page would be written, against the files the
/// generator writes itself (`generated`: `sitemap.xml`, `_headers`, the
/// assets, …) and against each other: no two files at one path, no file
/// where another needs a folder, nothing under [`RESERVED_ROOT_NAMES`],
/// no name or path over the filesystem limits. Paths are compared without
/// case, because the bundle is also built and served from case-insensitive
/// filesystems. Pages with exactly the same URL are left to
/// [`check_unique_urls`]. Returns each refused page's index with its error.
pub fn check_output_paths(pages: &[Page], generated: &[String]) -> Vec<(usize, Error)> {
    // Lowercasing maps `/` to itself, so the folders of a folded path are
    // the prefixes of the folded path that end before a `/`.
    let folders_of = |folded: &str| -> Vec<usize> {
        folded.match_indices('/').map(|(index, _)| index).collect()
    };
    let mut files: HashMap<String, Owner<'_>> = HashMap::with_capacity(pages.len());
    let mut folders: HashMap<String, Owner<'_>> = HashMap::with_capacity(pages.len());
    for path in generated {
        let folded = path.to_lowercase();
        for end in folders_of(&folded) {
            if !folders.contains_key(&folded[..end]) {
                folders.insert(folded[..end].to_string(), Owner::Generated(path));
            }
        }
        files.insert(folded, Owner::Generated(path));
    }
    let mut errors = Vec::new();
    for (index, page) in pages.iter().enumerate() {
        let folded = page.output.to_lowercase();
        let page_folders = folders_of(&folded);
        let reserved = page_folders.first().and_then(|&end| {
            RESERVED_ROOT_NAMES
                .iter()
                .find(|name| **name == &folded[..end])
        });
        let file_in_the_way = page_folders.iter().find_map(|&end| {
            let folder = &folded[..end];
            files.get(folder).map(|owner| (folder, owner))
        });
        let problem = if let Some(problem) = bundle_path_problem(&page.output) {
            Some(problem)
        } else if let Some(reserved) = reserved {
            Some(format!(
                "`{reserved}` at the bundle root is reserved for the generator and the host; \
                 rename the file or set another `slug`"
            ))
        } else if let Some(owner) = files.get(&folded) {
            match owner {
                Owner::Page(other) if other.output == page.output => None,
                Owner::Page(other) => Some(format!(
                    "{} is written to {}, which differs only in case: on a case-insensitive \
                     filesystem one would overwrite the other",
                    other.describe(),
                    shorten(&other.output)
                )),
                generated => Some(format!("that file is {}", generated.describe())),
            }
        } else if let Some(owner) = folders.get(&folded) {
            Some(format!("{} needs a folder at that path", owner.describe()))
        } else {
            file_in_the_way.map(|(folder, owner)| {
                format!(
                    "`{}` is a file, {}, where the page needs a folder",
                    shorten(folder),
                    owner.describe()
                )
            })
        };
        if let Some(problem) = problem {
            let spot = match (page.slug_line, &page.front.slug, &page.taxonomy) {
                (_, _, Some(listing)) => listing.origin.clone(),
                (Some(line), Some(_), None) => SourceSpot::at(&page.display_path, line, 1),
                _ => SourceSpot::at(&page.display_path, 1, 1),
            };
            errors.push((
                index,
                Error::OutputPath {
                    spot,
                    output: shorten(&page.output),
                    problem,
                },
            ));
            continue;
        }
        if files.contains_key(&folded) {
            // Exactly the same output as an earlier page: reported by
            // `check_unique_urls`.
            continue;
        }
        for end in page_folders {
            if !folders.contains_key(&folded[..end]) {
                folders.insert(folded[..end].to_string(), Owner::Page(page));
            }
        }
        files.insert(folded, Owner::Page(page));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    /// File names as written (`slugify: off`), so the checks below see
    /// names that differ only in case or hold `&`, as sites with that
    /// setting can.
    fn config() -> SiteConfig {
        SiteConfig::parse(
            "name: S\nbase_url: https://s.example\ncontact_email: a@s.example\nadmin_prefixes: [console]\nslugify: off\n",
        )
        .unwrap()
    }

    #[test]
    fn by_default_names_are_slugified_and_collisions_name_both_files() {
        let config =
            SiteConfig::parse("name: S\nbase_url: https://s.example\ncontact_email: a@s.example\n")
                .unwrap();
        let a = parse_page("News/Big Launch.md", "---\ntitle: A\n---\n", &config).unwrap();
        let b = parse_page("news/big-launch.md", "---\ntitle: B\n---\n", &config).unwrap();
        assert_eq!(a.url, "/news/big-launch/");
        let errors = check_unique_urls(&[a, b]);
        assert_eq!(
            errors[0].to_string(),
            "content/News/Big Launch.md and content/news/big-launch.md both map to the URL /news/big-launch/"
        );
        let error = parse_page("日本.md", "---\ntitle: J\n---\n", &config).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("content/日本.md: the name `日本` has no letter or digit"),
            "{error}"
        );
        let page = parse_page("日本.md", "---\ntitle: J\nslug: nihon\n---\n", &config).unwrap();
        assert_eq!(page.url, "/nihon/");
    }

    #[test]
    fn maps_paths_to_pretty_urls() {
        let cases = [
            ("index.md", "/", "index.html"),
            ("a.md", "/a/", "a/index.html"),
            ("a/index.md", "/a/", "a/index.html"),
            ("a/b.md", "/a/b/", "a/b/index.html"),
            ("404.md", "/404.html", "404.html"),
        ];
        for (source, url, output) in cases {
            let placement = place(source, None, Slugify::On).unwrap();
            assert_eq!(
                (placement.url.as_str(), placement.output.as_str()),
                (url, output)
            );
        }
        assert_eq!(
            place("a/b.md", Some("c"), Slugify::On).unwrap().url,
            "/a/c/"
        );
        // File names are slugified, a `slug:` is used as written.
        let on = place("News/Café Menu.md", None, Slugify::On).unwrap();
        assert_eq!(
            (on.url.as_str(), on.slug.as_str()),
            ("/news/cafe-menu/", "cafe-menu")
        );
        let safe = place("News/Café Menu.md", None, Slugify::Safe).unwrap();
        assert_eq!(safe.url, "/News/Café-Menu/");
        let off = place("News/Café Menu.md", None, Slugify::Off).unwrap();
        assert_eq!(off.url, "/News/Café Menu/");
        assert_eq!(
            place("a/B.md", Some("V1.2"), Slugify::On).unwrap().url,
            "/a/V1.2/"
        );
        assert_eq!(
            place("a/日本.md", None, Slugify::On).err().as_deref(),
            Some("日本")
        );
    }

    #[test]
    fn parses_front_matter_and_positions() {
        let page = parse_page(
            "console/index.md",
            "---\ntitle: Sign in\ntemplate: console\n---\nHello\n\nWorld\n",
            &config(),
        )
        .unwrap();
        assert_eq!(page.url, "/console/");
        assert_eq!(page.surface, Surface::Admin);
        assert!(page.noindex);
        assert_eq!(page.template, "console");
        assert_eq!(page.template_line, Some(3));
        assert_eq!(page.body_line, 5);
        assert_eq!(page.body_position(7), (7, 1));
    }

    #[test]
    fn front_matter_errors_count_lines_from_file_start() {
        let error = parse_page("a.md", "---\ntitle: A\nnope: 1\n---\n", &config()).unwrap_err();
        assert!(
            error.to_string().starts_with("content/a.md:3:1: "),
            "{error}"
        );
        let error = parse_page("a.md", "no front matter\n", &config()).unwrap_err();
        assert!(
            error.to_string().starts_with("content/a.md:1:1: "),
            "{error}"
        );
    }

    #[test]
    fn dates_and_weight_are_typed_and_bad_dates_name_their_line() {
        let page = parse_page(
            "news/a.md",
            "---\ntitle: A\ndate: 2026-03-01\nupdated: \"2026-03-02T08:00:00Z\"\nweight: -3\n---\n",
            &config(),
        )
        .unwrap();
        assert_eq!(page.front.date.unwrap().w3c(), "2026-03-01");
        assert_eq!(page.last_modified().unwrap().w3c(), "2026-03-02T08:00:00Z");
        assert_eq!(page.front.weight, Some(-3));
        for (text, line) in [
            ("---\ntitle: A\ndate: 2026-02-30\n---\n", 3),
            ("---\ntitle: A\n\nupdated: 1 March 2026\n---\n", 4),
            ("---\ntitle: A\ndate: 2026-03-01T10:00:00\n---\n", 3),
            ("---\ntitle: A\ndate: [2026]\n---\n", 3),
            ("---\ntitle: A\nweight: heavy\n---\n", 3),
        ] {
            let error = parse_page("a.md", text, &config()).unwrap_err().to_string();
            assert!(
                error.starts_with(&format!("content/a.md:{line}:")),
                "{error}"
            );
        }
    }

    #[test]
    fn core_keys_keep_their_yaml_types_and_extra_is_free() {
        for (text, line, needle) in [
            (
                "---\ntitle: A\nnoindex: \"true\"\n---\n",
                3,
                "`true` or `false` without quotes",
            ),
            (
                "---\ntitle: A\ndraft: 'false'\n---\n",
                3,
                "`true` or `false` without quotes",
            ),
            ("---\ntitle: A\nnoindex: yes\n---\n", 3, "`true` or `false`"),
            ("---\ntitle: \"\"\n---\n", 2, "`title` must not be empty"),
            ("---\ntitle: \"  \"\n---\n", 2, "`title` must not be empty"),
            ("---\ntitle: 2026\n---\n", 2, "must be quoted"),
            (
                "---\ntitle: A\nweight: \"3\"\n---\n",
                3,
                "a whole number without quotes",
            ),
            (
                "---\ntitle: A\nnav: {label: A, order: \"1\"}\n---\n",
                3,
                "a whole number",
            ),
            ("---\ntitle: A\nextra: [1, 2]\n---\n", 3, ""),
        ] {
            let error = parse_page("a.md", text, &config()).unwrap_err().to_string();
            assert!(
                error.starts_with(&format!("content/a.md:{line}:")) && error.contains(needle),
                "{text:?}: {error}"
            );
        }
        let error = parse_page(
            "s/_index.md",
            "---\ntitle: S\npaginate_by: 0\n---\n",
            &config(),
        )
        .unwrap_err()
        .to_string();
        assert!(error.starts_with("content/s/_index.md:3:"), "{error}");
        assert!(error.contains("at least 1"), "{error}");
        let page = parse_page(
            "a.md",
            "---\ntitle: \"2026\"\nextra:\n  hero: {image: /img/a.svg, dark: \"yes\"}\n  count: 3\n---\n",
            &config(),
        )
        .unwrap();
        assert_eq!(page.front.title, "2026");
        assert_eq!(
            serde_json::Value::Object(page.front.extra).to_string(),
            r#"{"count":3,"hero":{"dark":"yes","image":"/img/a.svg"}}"#
        );
    }

    #[test]
    fn slugs_that_could_leave_the_bundle_are_refused() {
        for slug in ["../../etc", "a/b", "..", "", "a b"] {
            let text = format!("---\ntitle: A\nslug: \"{slug}\"\n---\n");
            let error = parse_page("a.md", &text, &config()).unwrap_err();
            assert!(
                error.to_string().starts_with("content/a.md:3:1: "),
                "{error}"
            );
        }
        let page = parse_page("a.md", "---\ntitle: A\nslug: v1.2_b\n---\n", &config()).unwrap();
        assert_eq!(page.url, "/v1.2_b/");
    }

    #[test]
    fn duplicate_urls_name_both_files() {
        let a = parse_page("a.md", "---\ntitle: A\n---\n", &config()).unwrap();
        let b = parse_page("a/index.md", "---\ntitle: B\n---\n", &config()).unwrap();
        let errors = check_unique_urls(&[a, b]);
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].to_string(),
            "content/a.md and content/a/index.md both map to the URL /a/"
        );
    }

    #[test]
    fn control_characters_are_refused_at_their_position() {
        let error = parse_page("a.md", "---\ntitle: A\x1b[2J\n---\nbody\n", &config()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "content/a.md:2:9: contains U+001B (ESC); remove it"
        );
        let error = parse_page("a.md", "---\ntitle: A\n---\n\nx\0y\n", &config()).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("content/a.md:5:2: contains U+0000 (NUL)"),
            "{error}"
        );
    }

    #[test]
    fn linked_front_matter_is_never_quoted() {
        let secret = "sk_live_0123456789abcdefFAKE";
        let texts = [
            format!("---\n{secret}: 1\ntitle: A\n---\n"),
            format!("---\ntitle: [{secret}\n---\n"),
            format!("---\ntitle: A\nnoindex: {secret}\n---\n"),
            format!("---\ntitle: A\nslug: \"{secret}/x\"\n---\n"),
        ];
        for text in &texts {
            let error = parse_page_from("a.md", text, &config(), Provenance::Linked).unwrap_err();
            let shown = error.to_string();
            assert!(!shown.contains("sk_live"), "{shown}");
            assert!(shown.starts_with("content/a.md:"), "{shown}");
        }
        // The same file inside the site is quoted, as authors expect.
        let quoted = parse_page("a.md", &texts[0], &config()).unwrap_err();
        assert!(quoted.to_string().contains(secret), "{quoted}");
    }

    fn pages(sources: &[(&str, &str)]) -> Vec<Page> {
        sources
            .iter()
            .map(|(source, text)| parse_page(source, text, &config()).unwrap())
            .collect()
    }

    fn generated() -> Vec<String> {
        [
            "_headers",
            "sitemap.xml",
            "robots.txt",
            "assets/site.0123456789abcdef.css",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    #[test]
    fn pages_never_collide_with_generated_files_or_each_other() {
        let long = "x".repeat(300);
        let slugged = format!("---\ntitle: S\nslug: {long}\n---\n");
        let site = pages(&[
            ("sitemap.xml.md", "---\ntitle: A\n---\n"),
            ("guide.md", "---\ntitle: B\nslug: robots.txt\n---\n"),
            ("assets/logo.md", "---\ntitle: C\n---\n"),
            ("_Headers.md", "---\ntitle: D\n---\n"),
            ("About.md", "---\ntitle: E\n---\n"),
            ("about.md", "---\ntitle: F\n---\n"),
            ("long.md", &slugged),
            ("index.md", "---\ntitle: G\n---\n"),
            ("index.html.md", "---\ntitle: H\n---\n"),
            ("fine/page.md", "---\ntitle: I\n---\n"),
            ("404.HTML/x.md", "---\ntitle: J\n---\n"),
        ]);
        let errors: Vec<String> = check_output_paths(&site, &generated())
            .iter()
            .map(|(_, error)| error.to_string())
            .collect();
        let expected_starts = [
            "content/sitemap.xml.md:1:1: would be published as sitemap.xml/index.html, but `sitemap.xml` is a file, the generator's own `sitemap.xml`",
            "content/guide.md:3:1: would be published as robots.txt/index.html, but `robots.txt` is a file",
            "content/assets/logo.md:1:1: would be published as assets/logo/index.html, but `assets` at the bundle root is reserved",
            "content/_Headers.md:1:1: would be published as _Headers/index.html, but `_headers` at the bundle root is reserved",
            "content/about.md:1:1: would be published as about/index.html, but content/About.md is written to About/index.html, which differs only in case",
            "content/long.md:3:1: would be published as xxxxxxxx",
            "content/index.html.md:1:1: would be published as index.html/index.html, but `index.html` at the bundle root is reserved",
            "content/404.HTML/x.md:1:1: would be published as 404.HTML/x/index.html, but `404.html` at the bundle root is reserved",
        ];
        assert_eq!(errors.len(), expected_starts.len(), "{errors:#?}");
        for (error, start) in errors.iter().zip(expected_starts) {
            assert!(
                error.starts_with(start),
                "{error}\n does not start with\n{start}"
            );
        }
        assert!(
            errors[5].contains("300 bytes long, over the 255-byte limit"),
            "{}",
            errors[5]
        );
    }

    #[test]
    fn paths_over_the_bundle_limit_are_refused() {
        let segment = "d".repeat(200);
        let source = format!("{segment}/{segment}/{segment}/{segment}/{segment}/{segment}/page.md");
        let site = pages(&[(&source, "---\ntitle: A\n---\n")]);
        let errors = check_output_paths(&site, &generated());
        assert_eq!(errors.len(), 1);
        let shown = errors[0].1.to_string();
        assert!(
            shown.contains("over the 1024-byte limit for a path in the bundle"),
            "{shown}"
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Pieces that front matter, Markdown and hostile input are made of.
        fn fragment() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("---\n".to_string()),
                Just("...\n".to_string()),
                Just("title: A\n".to_string()),
                Just("slug: x\n".to_string()),
                Just("template: page\n".to_string()),
                Just("nav: {label: a, order: 1}\n".to_string()),
                Just("noindex: \"true\"\n".to_string()),
                Just("weight: '3'\n".to_string()),
                Just("extra:\n  a: [1, {b: c}]\n".to_string()),
                Just("date: 2026-02-29\n".to_string()),
                Just("\u{feff}".to_string()),
                Just(": [{\"'\n".to_string()),
                Just("\r\n".to_string()),
                Just("\n".to_string()),
                Just("  - ".to_string()),
                Just("&a *a !!binary ".to_string()),
                any::<char>().prop_map(String::from),
                "[a-z]{0,8}".prop_map(String::from),
            ]
        }

        fn text() -> impl Strategy<Value = String> {
            prop::collection::vec(fragment(), 0..40).prop_map(|parts| parts.concat())
        }

        fn lines_of(text: &str) -> usize {
            text.split('\n').count()
        }

        fn assert_in_range(error: &Error, text: &str) {
            for each in error.errors() {
                let spot = match each {
                    Error::FrontMatter { spot, .. }
                    | Error::SourceText { spot, .. }
                    | Error::WithheldYaml { spot, .. } => spot,
                    other => panic!("unexpected error kind: {other}"),
                };
                assert_eq!(spot.file, "content/p.md");
                let line = spot.line.expect("a line");
                assert!(
                    line >= 1 && line <= lines_of(text),
                    "line {line} of {text:?}"
                );
                assert!(spot.column.is_none_or(|c| c >= 1));
            }
        }

        proptest! {
            #[test]
            fn parsing_never_panics_and_errors_stay_in_the_file(text in text(), linked in any::<bool>()) {
                let provenance = if linked { Provenance::Linked } else { Provenance::Site };
                match parse_page_from("p.md", &text, &config(), provenance) {
                    Ok(page) => {
                        prop_assert!(text.ends_with(&page.body));
                        prop_assert!(page.body_line >= 2 && page.body_line <= lines_of(&text) + 1);
                        for offset in [0, page.body.len() / 2, page.body.len(), page.body.len() + 7] {
                            let (line, column) = page.body_position(offset);
                            prop_assert!(line >= page.body_line && line <= lines_of(&text) + 1);
                            prop_assert!(column >= 1);
                        }
                    }
                    Err(error) => assert_in_range(&error, &text),
                }
            }

            #[test]
            fn split_front_matter_cuts_the_text_it_was_given(text in text()) {
                if let Some(split) = split_front_matter(&text) {
                    prop_assert!(text.contains(split.yaml));
                    prop_assert!(text.ends_with(split.body));
                    prop_assert!(split.body_line <= lines_of(&text) + 1);
                }
            }

            #[test]
            fn content_paths_map_segment_for_segment(
                segments in prop::collection::vec("[^/\u{0}]{1,12}", 1..5),
                slug in prop::option::of("[a-z0-9._-]{1,8}"),
            ) {
                let source = format!("{}.md", segments.join("/"));
                let placement = place(&source, slug.as_deref(), Slugify::Off).unwrap();
                if source == "404.md" {
                    prop_assert_eq!(placement.output, "404.html");
                    return Ok(());
                }
                let mut expected: Vec<&str> = segments.iter().map(String::as_str).collect();
                if matches!(expected.last(), Some(&"index" | &"_index")) {
                    expected.pop();
                }
                if let (Some(slug), Some(last)) = (slug.as_deref(), expected.last_mut()) {
                    *last = slug;
                }
                let joined = expected.join("/");
                if joined.is_empty() {
                    prop_assert_eq!(placement.url, "/");
                    prop_assert_eq!(placement.output, "index.html");
                } else {
                    prop_assert_eq!(placement.url, format!("/{joined}/"));
                    prop_assert_eq!(placement.output, format!("{joined}/index.html"));
                }
            }

            #[test]
            fn accepted_pages_never_share_a_file_or_a_folder(
                sources in prop::collection::vec(
                    prop::collection::vec(
                        prop::sample::select(vec!["a", "A", "b", "index", "404", "sitemap.xml", "assets", "_headers", "index.html", "robots.txt"]),
                        1..4,
                    ),
                    1..8,
                ),
            ) {
                let texts: Vec<(String, &str)> = sources
                    .iter()
                    .map(|segments| (format!("{}.md", segments.join("/")), "---\ntitle: T\n---\n"))
                    .collect();
                let mut site: Vec<Page> = Vec::new();
                for (source, text) in &texts {
                    let page = parse_page(source, text, &config()).unwrap();
                    if site.iter().all(|other| other.url != page.url) {
                        site.push(page);
                    }
                }
                let generated = generated();
                let errors = check_output_paths(&site, &generated);
                let refused: Vec<usize> = errors.iter().map(|(index, _)| *index).collect();
                let accepted: Vec<&Page> = site
                    .iter()
                    .enumerate()
                    .filter(|(index, _)| !refused.contains(index))
                    .map(|(_, page)| page)
                    .collect();
                let mut files: Vec<String> = generated.iter().map(|g| g.to_lowercase()).collect();
                files.extend(accepted.iter().map(|p| p.output.to_lowercase()));
                let mut unique = files.clone();
                unique.sort();
                unique.dedup();
                prop_assert_eq!(unique.len(), files.len(), "{:?}", files);
                for file in &files {
                    for other in &files {
                        prop_assert!(!other.starts_with(&format!("{file}/")), "{} holds {}", file, other);
                    }
                }
                for page in &accepted {
                    let first = page.output.split('/').next().unwrap_or_default().to_lowercase();
                    prop_assert!(
                        !page.output.contains('/')
                            || !RESERVED_ROOT_NAMES.contains(&first.as_str())
                    );
                }
            }
        }
    }
}
