//! Sections: a folder with an `_index.md` lists the pages beside it.
//!
//! A section's own front matter says how its pages are ordered and how
//! many go on one listing page. [`Sections::assemble`] finds each
//! section's pages and subsections once per build, and [`paginate`] adds
//! the extra listing pages (`/news/page/2/`, …) as pages of their own, so
//! that every later check (unique URLs, output paths, headers, the
//! sitemap, tracing validator findings back to `_index.md`) treats them
//! like any other page.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::num::NonZeroUsize;

use serde::Deserialize;

use super::{Page, Surface};
use crate::error::{Error, SourceSpot};

/// File name that makes a folder a section.
pub const SECTION_FILE: &str = "_index.md";

/// How a section orders its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    /// Newest `date` first.
    Date,
    /// Lowest `weight` first.
    Weight,
    /// By title, ignoring case.
    Title,
}

impl SortBy {
    fn key(self) -> &'static str {
        match self {
            SortBy::Date => "date",
            SortBy::Weight => "weight",
            SortBy::Title => "title",
        }
    }
}

/// What an `_index.md` says about its listing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SectionSettings {
    /// Order of the pages; by file path when absent.
    pub sort_by: Option<SortBy>,
    /// Pages per listing page; one listing page when absent.
    pub paginate_by: Option<NonZeroUsize>,
    /// Whether the section's pages are also listed by its parent section.
    pub transparent: bool,
    /// Whether the section has an Atom feed at `<section>/atom.xml`.
    pub feed: bool,
}

/// One section of the site, by index into the page list.
#[derive(Debug, Clone)]
pub struct Section {
    /// The `_index.md` page.
    pub page: usize,
    /// The folder, relative to `content/` (empty for the root).
    pub folder: String,
    /// Its pages, sorted, transparent subsections' pages included.
    pub pages: Vec<usize>,
    /// Sections in folders directly below it, by their `_index.md` pages,
    /// in folder order.
    pub subsections: Vec<usize>,
    /// Its listing pages: the `_index.md` page first, then each extra
    /// page [`paginate`] added.
    pub pagers: Vec<usize>,
}

/// Every section of the site.
#[derive(Debug, Clone, Default)]
pub struct Sections {
    /// The sections, in folder order.
    pub list: Vec<Section>,
    /// For each page index that is a listing page: its section and its
    /// 1-based number among the listing pages.
    by_page: HashMap<usize, (usize, usize)>,
}

impl Sections {
    /// Finds each section's pages and subsections. A page belongs to the
    /// section of the folder it sits in (`news/a.md` and `news/a/index.md`
    /// both to `news/_index.md`); pages in a folder without `_index.md`
    /// belong to none. Admin pages are never listed by a public section,
    /// nor is the not-found page. A page that lacks the key its section
    /// sorts by is an error.
    pub fn assemble(pages: &[Page]) -> (Self, Vec<Error>) {
        let mut list: Vec<Section> = Vec::new();
        let mut by_folder: HashMap<&str, usize> = HashMap::new();
        for (index, page) in pages.iter().enumerate() {
            if page.section.is_some() && page.pager == 1 {
                let folder = section_folder(&page.source);
                by_folder.insert(folder, list.len());
                list.push(Section {
                    page: index,
                    folder: folder.to_string(),
                    pages: Vec::new(),
                    subsections: Vec::new(),
                    pagers: vec![index],
                });
            }
        }
        // The nearest section above a folder, for subsections and for
        // transparent sections.
        let parent_section = |folder: &str| -> Option<usize> {
            let mut current = folder;
            while !current.is_empty() {
                current = current.rsplit_once('/').map_or("", |(parent, _)| parent);
                if let Some(&section) = by_folder.get(current) {
                    return Some(section);
                }
            }
            None
        };
        for (index, page) in pages.iter().enumerate() {
            if page.section.is_some() || page.pager != 1 || page.is_not_found {
                continue;
            }
            let Some(&section) = by_folder.get(page_folder(&page.source)) else {
                continue;
            };
            list[section].pages.push(index);
        }
        for section in 0..list.len() {
            if let Some(parent) = parent_section(&list[section].folder) {
                let page = list[section].page;
                list[parent].subsections.push(page);
            }
        }
        // Transparent sections hand their pages up, deepest first, so a
        // chain of transparent sections reaches the first opaque one.
        let mut order: Vec<usize> = (0..list.len()).collect();
        order.sort_by_key(|&s| std::cmp::Reverse(list[s].folder.matches('/').count()));
        for section in order {
            let transparent = pages[list[section].page]
                .section
                .as_ref()
                .is_some_and(|s| s.transparent);
            if !transparent || list[section].folder.is_empty() {
                continue;
            }
            if let Some(parent) = parent_section(&list[section].folder) {
                let moved = list[section].pages.clone();
                list[parent].pages.extend(moved);
            }
        }
        let mut errors = Vec::new();
        for section in &mut list {
            let owner = &pages[section.page];
            let settings = owner.section.clone().unwrap_or_default();
            if owner.surface == Surface::Public {
                // A public listing never links to an admin surface.
                section
                    .pages
                    .retain(|&p| pages[p].surface == Surface::Public);
                section
                    .subsections
                    .retain(|&p| pages[p].surface == Surface::Public);
            }
            if settings.feed {
                // Every feed entry needs an `updated` time, and an empty
                // feed would have none to give the feed itself.
                if section.pages.is_empty() {
                    errors.push(Error::Listing {
                        spot: SourceSpot::at(&owner.display_path, 1, 1),
                        message: "has `feed: true` but lists no published page; add a page \
                                  or turn the feed off"
                            .to_string(),
                    });
                }
                if settings.sort_by != Some(SortBy::Date) {
                    for &p in &section.pages {
                        if pages[p].front.date.is_none() {
                            errors.push(Error::Listing {
                                spot: SourceSpot::at(&pages[p].display_path, 1, 1),
                                message: format!(
                                    "has no `date`, and {} has a feed, whose entries need one; add `date:` to the front matter",
                                    owner.display_path
                                ),
                            });
                        }
                    }
                }
            }
            if let Some(sort_by) = settings.sort_by {
                for &p in &section.pages {
                    let lacks = match sort_by {
                        SortBy::Date => pages[p].front.date.is_none(),
                        SortBy::Weight => pages[p].front.weight.is_none(),
                        SortBy::Title => false,
                    };
                    if lacks {
                        errors.push(Error::Listing {
                            spot: SourceSpot::at(&pages[p].display_path, 1, 1),
                            message: format!(
                                "has no `{key}`, and {} sorts its pages by {key}; add `{key}:` to the front matter",
                                owner.display_path,
                                key = sort_by.key()
                            ),
                        });
                    }
                }
            }
            section
                .pages
                .sort_by(|&a, &b| compare(settings.sort_by, &pages[a], &pages[b]));
        }
        (
            Self {
                list,
                by_page: HashMap::new(),
            },
            errors,
        )
    }

    /// The bundle path of each section's feed, with the section.
    pub fn feeds<'a>(&'a self, pages: &'a [Page]) -> impl Iterator<Item = (String, &'a Section)> {
        self.list.iter().filter_map(move |section| {
            let owner = &pages[section.page];
            owner
                .section
                .as_ref()
                .filter(|s| s.feed)
                .map(|_| (feed_path(&owner.url), section))
        })
    }

    /// The section a listing page belongs to and its 1-based number.
    pub fn listing(&self, page: usize) -> Option<(&Section, usize)> {
        self.by_page
            .get(&page)
            .map(|&(section, number)| (&self.list[section], number))
    }
}

/// Orders two pages of one section; ties fall back to the title and then
/// the file path, so the order never depends on the file system.
fn compare(sort_by: Option<SortBy>, a: &Page, b: &Page) -> Ordering {
    let by_title = || {
        a.front
            .title
            .to_lowercase()
            .cmp(&b.front.title.to_lowercase())
            .then_with(|| a.front.title.cmp(&b.front.title))
    };
    let first = match sort_by {
        Some(SortBy::Date) => b.front.date.cmp(&a.front.date),
        Some(SortBy::Weight) => a.front.weight.cmp(&b.front.weight),
        Some(SortBy::Title) => by_title(),
        None => Ordering::Equal,
    };
    let path = a.source.cmp(&b.source);
    match sort_by {
        None => path,
        Some(_) => first.then_with(by_title).then(path),
    }
}

/// The folder a section file lists, relative to `content/`.
fn section_folder(source: &str) -> &str {
    source
        .strip_suffix(SECTION_FILE)
        .map_or("", |folder| folder.trim_end_matches('/'))
}

/// The folder whose section a page belongs to: its own folder, or for
/// `a/b/index.md` the folder holding `b`.
fn page_folder(source: &str) -> &str {
    let folder = source.rsplit_once('/').map_or("", |(folder, _)| folder);
    if source == "index.md" || source.ends_with("/index.md") {
        folder.rsplit_once('/').map_or("", |(parent, _)| parent)
    } else {
        folder
    }
}

/// The URL of listing page `number` (1-based) of a section at `url`. The
/// first is the section's own URL: `/news/page/1/` is never written, so
/// no page is a copy of another.
pub fn pager_url(url: &str, number: usize) -> String {
    if number <= 1 {
        url.to_string()
    } else {
        format!("{url}page/{number}/")
    }
}

/// The bundle path of the feed of a section at `url`.
pub fn feed_path(url: &str) -> String {
    format!("{}{}", url.trim_start_matches('/'), crate::feed::FEED_FILE)
}

/// Adds a page for every listing page past the first of each paginated
/// section, and records which listing page each is.
pub fn paginate(pages: &mut Vec<Page>, sections: &mut Sections) {
    for (index, section) in sections.list.iter_mut().enumerate() {
        sections.by_page.insert(section.page, (index, 1));
        let owner = &pages[section.page];
        let Some(per_page) = owner.section.as_ref().and_then(|s| s.paginate_by) else {
            continue;
        };
        let count = section.pages.len().div_ceil(per_page.get()).max(1);
        for number in 2..=count {
            let mut pager = pages[section.page].clone();
            pager.url = pager_url(&pager.url, number);
            pager.output = format!("{}index.html", pager.url.trim_start_matches('/'));
            pager.pager = number;
            sections.by_page.insert(pages.len(), (index, number));
            section.pagers.push(pages.len());
            pages.push(pager);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SiteConfig;
    use crate::content::parse_page;

    fn config() -> SiteConfig {
        SiteConfig::parse(
            "name: S\nbase_url: https://s.example\ncontact_email: a@s.example\nadmin_prefixes: [console]\n",
        )
        .unwrap()
    }

    fn site(files: &[(&str, &str)]) -> Vec<Page> {
        files
            .iter()
            .map(|(source, text)| parse_page(source, text, &config()).unwrap())
            .collect()
    }

    fn titles(pages: &[Page], indexes: &[usize]) -> Vec<String> {
        indexes
            .iter()
            .map(|&i| pages[i].front.title.clone())
            .collect()
    }

    #[test]
    fn sections_list_their_folder_sorted_and_paginated() {
        let mut pages = site(&[
            (
                "news/_index.md",
                "---\ntitle: News\nsort_by: date\npaginate_by: 2\n---\n",
            ),
            ("news/a.md", "---\ntitle: A\ndate: 2026-01-01\n---\n"),
            ("news/b/index.md", "---\ntitle: B\ndate: 2026-03-01\n---\n"),
            (
                "news/c.md",
                "---\ntitle: C\ndate: 2026-02-01T10:00:00Z\n---\n",
            ),
            (
                "news/old/_index.md",
                "---\ntitle: Old\ntransparent: true\n---\n",
            ),
            ("news/old/d.md", "---\ntitle: D\ndate: 2025-01-01\n---\n"),
            ("other/e.md", "---\ntitle: E\n---\n"),
            ("index.md", "---\ntitle: Home\n---\n"),
        ]);
        let (mut sections, errors) = Sections::assemble(&pages);
        assert!(errors.is_empty(), "{errors:?}");
        paginate(&mut pages, &mut sections);
        let news = &sections.list[0];
        assert_eq!(pages[news.page].url, "/news/");
        assert_eq!(titles(&pages, &news.pages), ["B", "C", "A", "D"]);
        assert_eq!(titles(&pages, &news.subsections), ["Old"]);
        let urls: Vec<&str> = news.pagers.iter().map(|&p| pages[p].url.as_str()).collect();
        assert_eq!(urls, ["/news/", "/news/page/2/"]);
        assert_eq!(pages[news.pagers[1]].output, "news/page/2/index.html");
        assert_eq!(sections.listing(news.pagers[1]).map(|(_, n)| n), Some(2));
        let old = &sections.list[1];
        assert_eq!(titles(&pages, &old.pages), ["D"]);
        assert_eq!(old.pagers.len(), 1);
    }

    #[test]
    fn a_page_without_the_sort_key_is_an_error_naming_both_files() {
        let pages = site(&[
            ("docs/_index.md", "---\ntitle: Docs\nsort_by: weight\n---\n"),
            ("docs/a.md", "---\ntitle: A\nweight: 2\n---\n"),
            ("docs/b.md", "---\ntitle: B\n---\n"),
        ]);
        let (_, errors) = Sections::assemble(&pages);
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].to_string(),
            "content/docs/b.md:1:1: has no `weight`, and content/docs/_index.md sorts its pages by weight; add `weight:` to the front matter"
        );
    }

    #[test]
    fn feeds_need_dated_pages_and_at_least_one() {
        let pages = site(&[
            (
                "docs/_index.md",
                "---\ntitle: Docs\nsort_by: title\nfeed: true\n---\n",
            ),
            ("docs/a.md", "---\ntitle: A\ndate: 2026-01-01\n---\n"),
            ("docs/b.md", "---\ntitle: B\n---\n"),
            ("empty/_index.md", "---\ntitle: Empty\nfeed: true\n---\n"),
            (
                "empty/draft.md",
                "---\ntitle: D\ndate: 2026-01-01\ndraft: true\n---\n",
            ),
        ]);
        // Drafts are dropped before sections are assembled.
        let pages: Vec<Page> = pages.into_iter().filter(|p| !p.front.draft).collect();
        let (sections, errors) = Sections::assemble(&pages);
        let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            shown,
            [
                "content/docs/b.md:1:1: has no `date`, and content/docs/_index.md has a feed, whose entries need one; add `date:` to the front matter",
                "content/empty/_index.md:1:1: has `feed: true` but lists no published page; add a page or turn the feed off",
            ]
        );
        let feeds: Vec<String> = sections.feeds(&pages).map(|(path, _)| path).collect();
        assert_eq!(feeds, ["docs/atom.xml", "empty/atom.xml"]);
    }

    #[test]
    fn public_sections_never_list_admin_pages() {
        let pages = site(&[
            ("_index.md", "---\ntitle: All\nsort_by: title\n---\n"),
            ("b.md", "---\ntitle: b\n---\n"),
            ("A.md", "---\ntitle: A\n---\n"),
            ("ops.md", "---\ntitle: Ops\nsurface: admin\n---\n"),
            ("console/_index.md", "---\ntitle: Console\n---\n"),
            ("404.md", "---\ntitle: Missing\n---\n"),
        ]);
        let (sections, errors) = Sections::assemble(&pages);
        assert!(errors.is_empty());
        assert_eq!(titles(&pages, &sections.list[0].pages), ["A", "b"]);
        assert!(sections.list[0].subsections.is_empty());
    }

    #[test]
    fn an_empty_paginated_section_still_has_its_first_page() {
        let mut pages = site(&[("n/_index.md", "---\ntitle: N\npaginate_by: 3\n---\n")]);
        let (mut sections, _) = Sections::assemble(&pages);
        paginate(&mut pages, &mut sections);
        assert_eq!(pages.len(), 1);
        assert_eq!(pager_url("/n/", 1), "/n/");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn every_page_is_listed_once_in_order_and_pagers_cover_it(
                dates in prop::collection::vec(0u32..40, 0..30),
                per_page in 1usize..7,
            ) {
                let mut files = vec![(
                    "s/_index.md".to_string(),
                    format!("---\ntitle: S\nsort_by: date\npaginate_by: {per_page}\n---\n"),
                )];
                for (i, day) in dates.iter().enumerate() {
                    files.push((
                        format!("s/p{i}.md"),
                        format!("---\ntitle: P{i}\ndate: 2026-01-{:02}\n---\n", day % 28 + 1),
                    ));
                }
                let mut pages: Vec<Page> = files
                    .iter()
                    .map(|(s, t)| parse_page(s, t, &config()).unwrap())
                    .collect();
                let (mut sections, errors) = Sections::assemble(&pages);
                prop_assert!(errors.is_empty());
                paginate(&mut pages, &mut sections);
                let section = &sections.list[0];
                prop_assert_eq!(section.pages.len(), dates.len());
                for pair in section.pages.windows(2) {
                    prop_assert!(pages[pair[0]].front.date >= pages[pair[1]].front.date);
                }
                prop_assert_eq!(section.pagers.len(), dates.len().div_ceil(per_page).max(1));
                let mut urls: Vec<&str> = pages.iter().map(|p| p.url.as_str()).collect();
                urls.sort_unstable();
                let before = urls.len();
                urls.dedup();
                prop_assert_eq!(before, urls.len());
                prop_assert!(!urls.contains(&"/s/page/1/"));
            }
        }
    }
}
