//! Content discovery: `content/**/*.md` files, their YAML front matter and
//! the URL each one maps to.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::SiteConfig;
use crate::error::{Error, SourceSpot};
use crate::yaml::yaml_error_parts;

/// Name of the content folder inside a site folder.
pub const CONTENT_DIR: &str = "content";

/// Front matter of a page. Unknown keys are errors.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    /// Page title (required).
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
    #[serde(default)]
    pub noindex: bool,
    /// Drafts are parsed and checked but not published.
    #[serde(default)]
    pub draft: bool,
    /// Replaces the last URL segment.
    #[serde(default)]
    pub slug: Option<String>,
}

/// A navigation entry from front matter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NavEntry {
    /// Link text.
    pub label: String,
    /// Sort key; ties sort by label.
    #[serde(default)]
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
#[derive(Debug, Clone)]
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
}

impl Page {
    /// Converts a byte offset in the body to a 1-based `(line, column)` of
    /// the whole file, counting columns in characters.
    pub fn body_position(&self, offset: usize) -> (usize, usize) {
        let before = &self.body[..offset.min(self.body.len())];
        let line_in_body = before.matches('\n').count();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (self.body_line + line_in_body, column)
    }

    /// Whether the page belongs in `sitemap.xml`.
    pub fn in_sitemap(&self) -> bool {
        self.surface == Surface::Public && !self.noindex && !self.is_not_found
    }
}

/// Every `.md` file under `content_dir`, sorted by path for stable output.
pub fn discover(content_dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(content_dir).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(content_dir).to_path_buf();
            Error::io("cannot walk content", path, e.into())
        })?;
        if entry.file_type().is_file() && entry.path().extension().is_some_and(|ext| ext == "md") {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

/// Reads and parses one content file.
pub fn load_page(content_dir: &Path, path: &Path, config: &SiteConfig) -> Result<Page, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("cannot read page", path, e))?;
    let source = path
        .strip_prefix(content_dir)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    parse_page(&source, &text, config)
}

/// Parses a content file's text; `source` is its path relative to `content/`.
pub fn parse_page(source: &str, text: &str, config: &SiteConfig) -> Result<Page, Error> {
    let display_path = format!("{CONTENT_DIR}/{source}");
    let split = split_front_matter(text).ok_or_else(|| Error::FrontMatter {
        spot: SourceSpot::at(&display_path, 1, 1),
        message: "missing front matter: start the file with a `---` line, then at least \
                  `title:`, then a closing `---` line"
            .to_string(),
    })?;
    let front: FrontMatter = serde_saphyr::from_str(split.yaml).map_err(|error| {
        let (message, line, column) = yaml_error_parts(&error);
        Error::FrontMatter {
            spot: SourceSpot {
                file: display_path.clone(),
                // The YAML starts on the line after the opening `---`.
                line: Some(line.unwrap_or(1) + split.yaml_line - 1),
                column,
            },
            message,
        }
    })?;
    let template_line = key_line(split.yaml, "template").map(|i| i + split.yaml_line);
    if let Some(slug) = &front.slug
        && !is_safe_slug(slug)
    {
        // A slug becomes a folder name in the bundle: anything that could
        // climb out of it or split it must not pass.
        let line = key_line(split.yaml, "slug").map_or(1, |i| i + split.yaml_line);
        return Err(Error::FrontMatter {
            spot: SourceSpot::at(&display_path, line, 1),
            message: format!(
                "slug `{slug}` must be one URL segment: letters, digits, `-`, `_` or `.`, not `.` or `..`"
            ),
        });
    }

    let placement = place(source, front.slug.as_deref());
    let admin_by_path = config.is_admin_path(&placement.url);
    let surface = if admin_by_path {
        Surface::Admin
    } else {
        front.surface.unwrap_or(Surface::Public)
    };
    let noindex = front.noindex || surface == Surface::Admin || placement.is_not_found;
    let template = front.template.clone().unwrap_or_else(|| "page".to_string());
    Ok(Page {
        source: source.to_string(),
        display_path,
        body: split.body.to_string(),
        body_line: split.body_line,
        template_line,
        url: placement.url,
        output: placement.output,
        surface,
        noindex,
        slug: placement.slug,
        template,
        is_not_found: placement.is_not_found,
        front,
    })
}

/// 0-based index of the line of a top-level `key:` in front matter.
fn key_line(yaml: &str, key: &str) -> Option<usize> {
    yaml.lines().position(|line| {
        line.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
    })
}

/// Whether a slug is a single, harmless URL segment.
fn is_safe_slug(slug: &str) -> bool {
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

/// Maps a content path to its URL and output file (pretty URLs).
fn place(source: &str, slug_override: Option<&str>) -> Placement {
    let stem = source.strip_suffix(".md").unwrap_or(source);
    if stem == "404" {
        return Placement {
            url: "/404.html".to_string(),
            output: "404.html".to_string(),
            slug: "404".to_string(),
            is_not_found: true,
        };
    }
    let mut segments: Vec<&str> = stem.split('/').collect();
    if segments.last() == Some(&"index") {
        segments.pop();
    }
    if let (Some(slug), Some(last)) = (slug_override, segments.last_mut()) {
        *last = slug;
    }
    if segments.is_empty() {
        return Placement {
            url: "/".to_string(),
            output: "index.html".to_string(),
            slug: String::new(),
            is_not_found: false,
        };
    }
    let joined = segments.join("/");
    Placement {
        url: format!("/{joined}/"),
        output: format!("{joined}/index.html"),
        slug: segments.last().map(|s| s.to_string()).unwrap_or_default(),
        is_not_found: false,
    }
}

/// Fails when two pages map to one URL, naming both source files.
pub fn check_unique_urls(pages: &[Page]) -> Vec<Error> {
    let mut seen: HashMap<&str, &Page> = HashMap::with_capacity(pages.len());
    let mut errors = Vec::new();
    for page in pages {
        if let Some(first) = seen.insert(&page.url, page) {
            errors.push(Error::DuplicateUrl {
                url: page.url.clone(),
                first: first.display_path.clone(),
                second: page.display_path.clone(),
            });
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SiteConfig {
        SiteConfig::parse(
            "name: S\nbase_url: https://s.example\ncontact_email: a@s.example\nadmin_prefixes: [console]\n",
        )
        .unwrap()
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
            let placement = place(source, None);
            assert_eq!(
                (placement.url.as_str(), placement.output.as_str()),
                (url, output)
            );
        }
        assert_eq!(place("a/b.md", Some("c")).url, "/a/c/");
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
}
