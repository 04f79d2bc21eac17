//! Taxonomies: `tags` and whatever else `site.yaml` declares.
//!
//! A page names its terms in front matter as Zola does,
//! `taxonomies: {tags: [Security, Releases]}`. [`read_terms`] checks them
//! while the front matter is read: the taxonomy must be declared, and
//! each term must be text that leaves a URL segment under the site's
//! `slugify` setting. [`Taxonomies::assemble`] then gathers the terms of
//! every published page and adds the listing pages as pages of their own
//! (`/tags/`, `/tags/<term>/`, `/tags/<term>/page/2/`, …), so that the
//! checks every page goes through (unique URLs, output paths, headers,
//! the sitemap) see them too. Two different terms that make the same
//! segment are an error naming both places, rather than one silently
//! absorbing the other.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use serde_saphyr::Spanned;

use super::section::pager_url;
use super::{FrontMatter, Page, Provenance, Surface, is_safe_slug};
use crate::config::SiteConfig;
use crate::error::{Error, SourceSpot};
use crate::source_text;

/// Template for the page listing a taxonomy's terms, as Zola names it.
pub const LIST_TEMPLATE: &str = "taxonomy_list";
/// Template for the pages listing one term's pages, as Zola names it.
pub const SINGLE_TEMPLATE: &str = "taxonomy_single";

/// The `taxonomies:` map of front matter as written: each taxonomy's
/// list of terms, with positions for errors.
pub type TermsByTaxonomy = BTreeMap<String, Spanned<Vec<Spanned<String>>>>;

/// One term as a page names it.
#[derive(Debug, Clone, PartialEq)]
pub struct TermUse {
    /// The taxonomy, as declared in `site.yaml`.
    pub taxonomy: String,
    /// The term as written, trimmed.
    pub name: String,
    /// Its URL segment.
    pub slug: String,
    /// Where it is written.
    pub spot: SourceSpot,
    /// Whether the page may be quoted in errors.
    pub quotable: bool,
}

impl TermUse {
    /// The term as errors show it: quoted, or withheld when its file is
    /// reached through a symbolic link.
    fn shown(&self) -> String {
        if self.quotable {
            format!("`{}`", source_text::escape(&self.name))
        } else {
            "a term".to_string()
        }
    }
}

/// What a page generated for a taxonomy lists.
#[derive(Debug, Clone, PartialEq)]
pub struct TaxonomyPage {
    /// The taxonomy's name.
    pub taxonomy: String,
    /// The term, for a term's listing page; `None` for the list of terms.
    pub term: Option<String>,
    /// The first place a page names the taxonomy or the term, which
    /// errors about the generated page point at.
    pub origin: SourceSpot,
}

/// Checks the `taxonomies:` of one page's front matter. `yaml_line` is the
/// file line the front matter starts on.
pub fn read_terms(
    written: &TermsByTaxonomy,
    config: &SiteConfig,
    display_path: &str,
    yaml_line: usize,
    provenance: Provenance,
) -> Result<Vec<TermUse>, Error> {
    let quotable = provenance == Provenance::Site;
    let spot = |location: &serde_saphyr::Location| {
        SourceSpot::at(
            display_path,
            usize::try_from(location.line()).unwrap_or(1).max(1) + yaml_line - 1,
            usize::try_from(location.column()).unwrap_or(1).max(1),
        )
    };
    let mut errors = Vec::new();
    let mut terms = Vec::new();
    for (taxonomy, list) in written {
        if config.taxonomy(taxonomy).is_none() {
            let declared: Vec<&str> = config.taxonomies.iter().map(|t| t.name.as_str()).collect();
            let name = if quotable {
                format!("`{}`", source_text::escape(taxonomy))
            } else {
                "this taxonomy".to_string()
            };
            errors.push(Error::FrontMatter {
                spot: spot(&list.referenced),
                message: format!(
                    "the taxonomy {name} is not declared in site.yaml (declared: {}); \
                     add it under `taxonomies:` there",
                    if declared.is_empty() {
                        "none".to_string()
                    } else {
                        declared.join(", ")
                    }
                ),
            });
            continue;
        }
        for term in &list.value {
            let at = spot(&term.referenced);
            let name = term.value.trim();
            let shown = if quotable {
                format!("`{}`", source_text::escape(&term.value))
            } else {
                "a term".to_string()
            };
            let refuse = |problem: &str| Error::FrontMatter {
                spot: at.clone(),
                message: format!("the {taxonomy} term {shown} {problem}"),
            };
            if name.is_empty() {
                errors.push(refuse("is empty; remove it or write the term"));
                continue;
            }
            // YAML escapes can write characters the file itself may not
            // hold; the term reaches pages, URLs and feeds.
            if let Some(c) = name.chars().find(|&c| source_text::is_forbidden(c)) {
                errors.push(refuse(&format!(
                    "contains {}; remove it",
                    source_text::Forbidden(c)
                )));
                continue;
            }
            let slug = match super::slugify(name, config.slugify) {
                Some(slug) if is_safe_slug(&slug) => slug,
                _ => {
                    errors.push(refuse(
                        "leaves no URL segment under the site's `slugify` setting: it needs a \
                         letter or digit, and with `slugify: off` only letters, digits, `-`, \
                         `_` and `.`",
                    ));
                    continue;
                }
            };
            // The same term twice on one page is one term.
            if terms
                .iter()
                .any(|t: &TermUse| t.taxonomy == *taxonomy && t.name == name)
            {
                continue;
            }
            terms.push(TermUse {
                taxonomy: taxonomy.clone(),
                name: name.to_string(),
                slug,
                spot: at,
                quotable,
            });
        }
    }
    Error::collect(errors)?;
    Ok(terms)
}

/// One term of a taxonomy, by index into the page list.
#[derive(Debug, Clone)]
pub struct Term {
    /// The term as first written.
    pub name: String,
    /// Its URL segment.
    pub slug: String,
    /// Its pages, newest first; undated pages after, by title.
    pub pages: Vec<usize>,
    /// Its listing pages: the term's own page first, then each extra page
    /// of its pagination.
    pub pagers: Vec<usize>,
}

/// One taxonomy with its terms.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    /// The name declared in `site.yaml`.
    pub name: String,
    /// The page listing the terms.
    pub list_page: usize,
    /// Terms by slug.
    pub terms: Vec<Term>,
}

/// Every taxonomy that at least one published page uses.
#[derive(Debug, Clone, Default)]
pub struct Taxonomies {
    /// The taxonomies, in the order `site.yaml` declares them.
    pub list: Vec<Taxonomy>,
    /// For each generated page: its taxonomy, its term (when it lists
    /// one) and its 1-based number among the term's listing pages.
    by_page: HashMap<usize, (usize, Option<usize>, usize)>,
}

/// Where a generated page sits among the taxonomies.
#[derive(Debug, Clone, Copy)]
pub struct TaxonomyPosition<'a> {
    /// Its taxonomy.
    pub taxonomy: &'a Taxonomy,
    /// Its term, for a term's listing page.
    pub term: Option<&'a Term>,
    /// Its 1-based number among the term's listing pages (1 for the list
    /// of terms).
    pub number: usize,
}

impl Taxonomies {
    /// Gathers the terms of the published pages in `pages` and appends a
    /// page for each taxonomy's list of terms and for each listing page of
    /// each term. Admin pages and the not-found page are never listed.
    /// Two terms whose segments differ only in case (or not at all) but
    /// whose names differ are errors naming both places.
    pub fn assemble(pages: &mut Vec<Page>, config: &SiteConfig) -> (Self, Vec<Error>) {
        let mut errors = Vec::new();
        let mut taxonomies = Self::default();
        // Terms of each taxonomy by folded slug, with the use that named
        // each first.
        let mut found: Vec<BTreeMap<String, (TermUse, Vec<usize>)>> =
            vec![BTreeMap::new(); config.taxonomies.len()];
        // Content files are read in path order, so "first" is stable.
        for (index, page) in pages.iter().enumerate() {
            if page.surface != Surface::Public || page.is_not_found || page.pager != 1 {
                continue;
            }
            for term in &page.terms {
                let Some(slot) = config
                    .taxonomies
                    .iter()
                    .position(|t| t.name == term.taxonomy)
                else {
                    continue;
                };
                let entry = found[slot]
                    .entry(term.slug.to_lowercase())
                    .or_insert_with(|| (term.clone(), Vec::new()));
                if entry.0.name != term.name || entry.0.slug != term.slug {
                    errors.push(Error::Taxonomy {
                        spot: term.spot.clone(),
                        message: format!(
                            "the {} term {} and the term {} at {} make the same URL \
                             segment `{}`; write them the same way",
                            term.taxonomy,
                            term.shown(),
                            entry.0.shown(),
                            entry.0.spot,
                            source_text::escape(&entry.0.slug.to_lowercase())
                        ),
                    });
                    // Listed under the first spelling all the same, so
                    // the error is not followed by others it causes.
                }
                if entry.1.last() != Some(&index) {
                    entry.1.push(index);
                }
            }
        }
        for (slot, terms) in found.into_iter().enumerate() {
            let Some(first_use) = terms
                .values()
                .map(|(term, _)| &term.spot)
                .min_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)))
            else {
                continue;
            };
            let settings = &config.taxonomies[slot];
            let name = settings.name.clone();
            let list_url = format!("/{name}/");
            let list_page = pages.len();
            pages.push(generated_page(
                config,
                &list_url,
                &name,
                LIST_TEMPLATE,
                TaxonomyPage {
                    taxonomy: name.clone(),
                    term: None,
                    origin: first_use.clone(),
                },
                1,
            ));
            let taxonomy_index = taxonomies.list.len();
            taxonomies
                .by_page
                .insert(list_page, (taxonomy_index, None, 1));
            let mut list = Taxonomy {
                name: name.clone(),
                list_page,
                terms: Vec::with_capacity(terms.len()),
            };
            for (term_use, mut listed) in terms.into_values() {
                listed.sort_by(|&a, &b| compare(&pages[a], &pages[b]));
                if settings.feed {
                    // Every feed entry needs an `updated` time.
                    for &p in &listed {
                        if pages[p].front.date.is_none() {
                            errors.push(Error::Taxonomy {
                                spot: term_use_spot(&pages[p], &name, &term_use.slug),
                                message: format!(
                                    "names the {name} term {}, whose listing has a feed \
                                     (`feed: true` in site.yaml), but has no `date` for \
                                     its entry; add `date:` to the front matter",
                                    term_use.shown()
                                ),
                            });
                        }
                    }
                }
                let url = format!("{list_url}{}/", term_use.slug);
                let count = settings
                    .paginate_by
                    .map_or(1, |per_page| listed.len().div_ceil(per_page.get()).max(1));
                let term_index = list.terms.len();
                let mut pagers = Vec::with_capacity(count);
                for number in 1..=count {
                    pagers.push(pages.len());
                    taxonomies
                        .by_page
                        .insert(pages.len(), (taxonomy_index, Some(term_index), number));
                    pages.push(generated_page(
                        config,
                        &pager_url(&url, number),
                        &term_use.name,
                        SINGLE_TEMPLATE,
                        TaxonomyPage {
                            taxonomy: name.clone(),
                            term: Some(term_use.name.clone()),
                            origin: term_use.spot.clone(),
                        },
                        number,
                    ));
                }
                // A term named only by noindex pages (drafts published
                // for a preview among them) is kept out of search engines
                // too, so its listing does not surface what they hide.
                if listed.iter().all(|&p| pages[p].noindex) {
                    for &p in &pagers {
                        pages[p].noindex = true;
                    }
                }
                list.terms.push(Term {
                    name: term_use.name,
                    slug: term_use.slug,
                    pages: listed,
                    pagers,
                });
            }
            if list.terms.iter().all(|term| pages[term.pagers[0]].noindex) {
                pages[list.list_page].noindex = true;
            }
            taxonomies.list.push(list);
        }
        (taxonomies, errors)
    }

    /// Where a page sits among the taxonomies, when it is one of their
    /// generated pages.
    pub fn position(&self, page: usize) -> Option<TaxonomyPosition<'_>> {
        self.by_page.get(&page).map(|&(taxonomy, term, number)| {
            let taxonomy = &self.list[taxonomy];
            TaxonomyPosition {
                taxonomy,
                term: term.map(|t| &taxonomy.terms[t]),
                number,
            }
        })
    }

    /// The taxonomy called `name`, when a published page uses it.
    pub fn get(&self, name: &str) -> Option<&Taxonomy> {
        self.list.iter().find(|taxonomy| taxonomy.name == name)
    }

    /// The bundle path of each term feed, with its taxonomy and term.
    pub fn feeds<'a>(
        &'a self,
        config: &'a SiteConfig,
    ) -> impl Iterator<Item = (String, &'a Taxonomy, &'a Term)> {
        self.list
            .iter()
            .filter(|taxonomy| config.taxonomy(&taxonomy.name).is_some_and(|t| t.feed))
            .flat_map(|taxonomy| {
                taxonomy.terms.iter().map(move |term| {
                    (
                        super::section::feed_path(&term_url(&taxonomy.name, &term.slug)),
                        taxonomy,
                        term,
                    )
                })
            })
    }
}

/// The site path of a term's first listing page.
pub fn term_url(taxonomy: &str, slug: &str) -> String {
    format!("/{taxonomy}/{slug}/")
}

/// Where a page names a term, for errors about that use.
fn term_use_spot(page: &Page, taxonomy: &str, slug: &str) -> SourceSpot {
    page.terms
        .iter()
        .find(|t| t.taxonomy == taxonomy && t.slug == slug)
        .map_or_else(|| SourceSpot::file(&page.display_path), |t| t.spot.clone())
}

/// Newest first; undated pages after the dated ones; then by title and
/// file path, so the order never depends on the file system.
fn compare(a: &Page, b: &Page) -> Ordering {
    let by_date = match (&a.front.date, &b.front.date) {
        (Some(x), Some(y)) => y.cmp(x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    by_date
        .then_with(|| {
            a.front
                .title
                .to_lowercase()
                .cmp(&b.front.title.to_lowercase())
        })
        .then_with(|| a.source.cmp(&b.source))
}

/// A page the generator adds for a taxonomy: no content file, no body.
fn generated_page(
    config: &SiteConfig,
    url: &str,
    title: &str,
    template: &str,
    listing: TaxonomyPage,
    number: usize,
) -> Page {
    let surface = if config.is_admin_path(url) {
        Surface::Admin
    } else {
        Surface::Public
    };
    let slug = url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    Page {
        source: String::new(),
        display_path: listing.origin.file.clone(),
        front: FrontMatter {
            title: title.to_string(),
            description: None,
            template: Some(template.to_string()),
            nav: None,
            surface: None,
            noindex: false,
            draft: false,
            slug: None,
            date: None,
            updated: None,
            weight: None,
            taxonomies: TermsByTaxonomy::new(),
            aliases: Vec::new(),
            extra: serde_json::Map::new(),
        },
        body: String::new(),
        body_line: 1,
        yaml_line: 1,
        template_line: None,
        slug_line: None,
        url: url.to_string(),
        output: format!("{}index.html", url.trim_start_matches('/')),
        noindex: surface == Surface::Admin,
        surface,
        slug,
        template: template.to_string(),
        is_not_found: false,
        section: None,
        pager: number,
        terms: Vec::new(),
        taxonomy: Some(listing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::parse_page;

    fn config(extra: &str) -> SiteConfig {
        SiteConfig::parse(&format!(
            "name: S\nbase_url: https://s.example\ncontact_email: a@s.example\nadmin_prefixes: [console]\n{extra}"
        ))
        .unwrap()
    }

    fn site(config: &SiteConfig, files: &[(&str, &str)]) -> Vec<Page> {
        files
            .iter()
            .map(|(source, text)| parse_page(source, text, config).unwrap())
            .collect()
    }

    #[test]
    fn terms_gather_their_pages_newest_first_and_paginate() {
        let config = config("taxonomies: [{name: tags, paginate_by: 2}, {name: topics}]\n");
        let mut pages = site(
            &config,
            &[
                (
                    "a.md",
                    "---\ntitle: A\ndate: 2026-01-01\ntaxonomies: {tags: [Rust, Café Menu]}\n---\n",
                ),
                (
                    "b.md",
                    "---\ntitle: B\ndate: 2026-03-01\ntaxonomies:\n  tags:\n    - Rust\n    - Rust\n---\n",
                ),
                ("c.md", "---\ntitle: C\ntaxonomies: {tags: [Rust]}\n---\n"),
                (
                    "console/d.md",
                    "---\ntitle: D\ntaxonomies: {tags: [Secret]}\n---\n",
                ),
                ("e.md", "---\ntitle: E\n---\n"),
            ],
        );
        let (taxonomies, errors) = Taxonomies::assemble(&mut pages, &config);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(taxonomies.list.len(), 1, "topics is used by no page");
        let tags = &taxonomies.list[0];
        let urls: Vec<&str> = pages[5..].iter().map(|p| p.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "/tags/",
                "/tags/cafe-menu/",
                "/tags/rust/",
                "/tags/rust/page/2/"
            ]
        );
        let rust = &tags.terms[1];
        assert_eq!(rust.name, "Rust");
        let titles: Vec<&str> = rust
            .pages
            .iter()
            .map(|&p| pages[p].front.title.as_str())
            .collect();
        assert_eq!(titles, ["B", "A", "C"]);
        let position = taxonomies.position(rust.pagers[1]).unwrap();
        assert_eq!(position.number, 2);
        assert_eq!(position.term.unwrap().slug, "rust");
        assert_eq!(pages[rust.pagers[1]].output, "tags/rust/page/2/index.html");
        assert_eq!(
            pages[tags.list_page].describe(),
            "the tags list (first named at content/a.md:4:21)"
        );
        assert_eq!(
            pages[rust.pagers[1]].describe(),
            "listing page 2 of the tags term `Rust` (first named at content/a.md:4:21)"
        );
    }

    #[test]
    fn different_terms_with_one_segment_name_both_places() {
        let config = config("");
        let mut pages = site(
            &config,
            &[
                ("a.md", "---\ntitle: A\ntaxonomies: {tags: [Rust]}\n---\n"),
                (
                    "b.md",
                    "---\ntitle: B\ntaxonomies:\n  tags: [\"rust!\"]\n---\n",
                ),
            ],
        );
        let (_, errors) = Taxonomies::assemble(&mut pages, &config);
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "content/b.md:4:10: the tags term `rust!` and the term `Rust` at content/a.md:3:21 make the same URL segment `rust`; write them the same way"
            ]
        );
    }

    #[test]
    fn terms_are_checked_where_they_are_written() {
        let config = config("slugify: off\n");
        for (text, expected) in [
            (
                "---\ntitle: A\ntaxonomies: {categories: [x]}\n---\n",
                "content/a.md:3:26: invalid front matter: the taxonomy `categories` is not declared in site.yaml (declared: tags)",
            ),
            (
                "---\ntitle: A\ntaxonomies:\n  tags: [ok, \"a/b\"]\n---\n",
                "content/a.md:4:14: invalid front matter: the tags term `a/b` leaves no URL segment",
            ),
            (
                "---\ntitle: A\ntaxonomies:\n  tags: [\" \"]\n---\n",
                "content/a.md:4:10: invalid front matter: the tags term ` ` is empty",
            ),
            (
                "---\ntitle: A\ntaxonomies: {tags: Rust}\n---\n",
                "content/a.md:3:",
            ),
            (
                "---\ntitle: A\ntaxonomies: {tags: [2026]}\n---\n",
                "content/a.md:3:",
            ),
            ("---\ntitle: A\ntags: [a]\n---\n", "content/a.md:3:"),
            (
                "---\ntitle: A\ntaxonomies: {tags: [true]}\n---\n",
                "content/a.md:3:",
            ),
            (
                "---\ntitle: A\ntaxonomies: {tags: [[a]]}\n---\n",
                "content/a.md:3:",
            ),
            (
                "---\ntitle: A\ntaxonomies: {tags: [{a: b}]}\n---\n",
                "content/a.md:3:",
            ),
            (
                "---\ntitle: A\ntaxonomies: {tags: }\n---\n",
                "content/a.md:3:",
            ),
            (
                "---\ntitle: A\ntaxonomies: [tags]\n---\n",
                "content/a.md:3:",
            ),
            (
                "---\ntitle: A\ntaxonomies:\n  tags: [\"a\\u202Eb\"]\n---\n",
                "content/a.md:4:10: invalid front matter: the tags term `a\\u{202e}b` contains U+202E",
            ),
        ] {
            let error = parse_page("a.md", text, &config).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{text:?}: {error}");
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn accepted_terms_make_one_clean_segment_each(
                terms in prop::collection::vec("\\PC{0,12}", 0..6),
                mode in prop::sample::select(vec!["on", "safe", "off"]),
            ) {
                let config = config(&format!("slugify: {mode}\n"));
                let list: Vec<String> = terms
                    .iter()
                    .map(|t| serde_json::to_string(t).unwrap())
                    .collect();
                let text = format!("---\ntitle: A\ntaxonomies:\n  tags: [{}]\n---\n", list.join(", "));
                match parse_page("a.md", &text, &config) {
                    Ok(page) => {
                        for term in &page.terms {
                            prop_assert!(is_safe_slug(&term.slug), "{:?}", term.slug);
                            prop_assert!(!term.slug.contains('/'));
                            prop_assert_eq!(term.spot.line, Some(4));
                        }
                        let mut pages = vec![page];
                        let (taxonomies, errors) = Taxonomies::assemble(&mut pages, &config);
                        if errors.is_empty() {
                            let mut urls: Vec<&str> = pages.iter().map(|p| p.url.as_str()).collect();
                            let count = urls.len();
                            urls.sort();
                            urls.dedup();
                            prop_assert_eq!(urls.len(), count);
                            prop_assert!(taxonomies.list.len() <= 1);
                        }
                    }
                    Err(error) => {
                        for each in error.errors() {
                            prop_assert!(each.to_string().starts_with("content/a.md:"), "{}", each);
                        }
                    }
                }
            }
        }
    }
}
