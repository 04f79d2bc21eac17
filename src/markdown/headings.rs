//! Heading ids, anchor links and the table of contents.
//!
//! Every heading gets an id: the one written as `{#id}`, or else its text
//! slugified. An id names a place on the page for as long as the heading
//! reads the same, so it is never made unique by a counter that shifts
//! when a heading is added above it: two headings with one id are an error
//! naming both, resolved by writing an explicit `{#id}` on one of them.
//!
//! pulldown-cmark also writes the `{.class key=value}` attributes of a
//! heading into its tag, so those go through the raw HTML policy as if the
//! author had written the tag: `{onclick=…}` or `{style=…}` is refused.

use std::collections::HashMap;
use std::fmt::Write as _;

use pulldown_cmark::{CowStr, HeadingLevel};
use serde::Serialize;

use crate::raw_html::{self, RawHtmlViolation};

/// The class of the `#` link written into each heading when
/// `markdown.heading_anchors` is on.
pub const ANCHOR_CLASS: &str = "heading-anchor";

/// One entry of `page.toc`: a heading and the headings below it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TocEntry {
    /// 1 for `<h1>` to 6 for `<h6>`.
    pub level: u8,
    /// The heading's id, the fragment that links to it.
    pub id: String,
    /// The heading's text, without markup.
    pub title: String,
    /// The headings of lower levels that follow it, up to the next heading
    /// of its level or higher.
    pub children: Vec<TocEntry>,
}

/// What is wrong with a heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadingProblem {
    /// Another heading on the page has the same id.
    DuplicateId {
        /// The id.
        id: String,
        /// Body offset of the heading that had it first.
        first: usize,
    },
    /// An explicit `{#id}` that cannot be a fragment as written.
    BadId(String),
    /// A `{key=value}` attribute that the raw HTML policy refuses.
    Attribute(RawHtmlViolation),
}

impl HeadingProblem {
    /// How to fix the problem.
    pub fn help(&self) -> &'static str {
        match self {
            Self::DuplicateId { .. } => {
                "give one of them an explicit id, as in `## Title {#other-id}`"
            }
            Self::BadId(_) => "choose an id of letters, digits and hyphens",
            Self::Attribute(violation) => violation.help(),
        }
    }
}

impl std::fmt::Display for HeadingProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The line of the first heading is added by the caller, which
            // knows the page's lines.
            Self::DuplicateId { id, .. } => write!(f, "heading id `{id}` is used twice"),
            Self::BadId(id) => write!(
                f,
                "heading id `{id}` may hold only letters, digits, `-`, `_`, `.` and `:`"
            ),
            Self::Attribute(violation) => write!(f, "heading attribute {violation}"),
        }
    }
}

/// The headings of one page, in document order, with the ids taken.
#[derive(Debug, Default)]
pub struct Headings {
    /// Each id and the body offset of the heading that has it.
    taken: HashMap<String, usize>,
    /// `(offset, level, id, title)`, in the order added: a shortcode's
    /// body can be rendered before the text around it.
    flat: Vec<(usize, u8, String, String)>,
}

impl Headings {
    /// Records a heading at body `offset` and returns its id: `explicit`
    /// when written, else the slug of `text`.
    pub fn add(
        &mut self,
        level: HeadingLevel,
        explicit: Option<&str>,
        text: &str,
        offset: usize,
    ) -> Result<String, HeadingProblem> {
        let id = match explicit {
            Some(id) if !is_fragment_safe(id) => return Err(HeadingProblem::BadId(id.to_string())),
            Some(id) => id.to_string(),
            None => match slugify(text) {
                slug if slug.is_empty() => "section".to_string(),
                slug => slug,
            },
        };
        if let Some(&first) = self.taken.get(&id) {
            return Err(HeadingProblem::DuplicateId { id, first });
        }
        self.taken.insert(id.clone(), offset);
        self.flat
            .push((offset, level as u8, id.clone(), collapse_spaces(text)));
        Ok(id)
    }

    /// The headings as a tree: each heading holds the lower-level headings
    /// that follow it. A heading deeper than the one before it by more
    /// than a level (an `h4` under an `h2`) is still its child.
    pub fn toc(&self) -> Vec<TocEntry> {
        let mut flat: Vec<&(usize, u8, String, String)> = self.flat.iter().collect();
        // Document order is body order.
        flat.sort_by_key(|(offset, ..)| *offset);
        let mut roots: Vec<TocEntry> = Vec::new();
        for (_, level, id, title) in flat {
            let entry = TocEntry {
                level: *level,
                id: id.clone(),
                title: title.clone(),
                children: Vec::new(),
            };
            insert(&mut roots, entry);
        }
        roots
    }
}

/// Puts `entry` under the last entry of a lower level, as deep as it goes.
fn insert(list: &mut Vec<TocEntry>, entry: TocEntry) {
    match list.last_mut() {
        Some(last) if last.level < entry.level => insert(&mut last.children, entry),
        _ => list.push(entry),
    }
}

/// The `#` link written at the end of a heading: classes only, so the
/// stylesheet decides how it looks.
pub fn anchor_html(id: &str) -> String {
    format!(" <a class=\"{ANCHOR_CLASS}\" href=\"#{id}\" aria-label=\"Link to this section\">#</a>")
}

/// Checks the attributes pulldown-cmark will write into a heading tag, by
/// handing the tag as it will be written to the raw HTML policy.
pub fn check_attributes(
    level: HeadingLevel,
    attrs: &[(CowStr<'_>, Option<CowStr<'_>>)],
) -> Vec<HeadingProblem> {
    if attrs.is_empty() {
        return Vec::new();
    }
    let mut tag = format!("<{level}");
    for (name, value) in attrs {
        tag.push(' ');
        escape_into(&mut tag, name);
        tag.push_str("=\"");
        escape_into(&mut tag, value.as_deref().unwrap_or_default());
        tag.push('"');
    }
    tag.push('>');
    raw_html::inspect(&tag)
        .into_iter()
        .map(|(_, violation)| HeadingProblem::Attribute(violation))
        .collect()
}

/// Escapes as pulldown-cmark's HTML writer does, so the policy reads what
/// the page will hold.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => {
                let _ = write!(out, "{c}");
            }
        }
    }
}

/// Whether an explicit id can be written in `id="…"` and `href="#…"`
/// as it is.
fn is_fragment_safe(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lowercase letters and digits joined by single hyphens; other characters
/// separate words.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toc_nests_by_level() {
        let mut headings = Headings::default();
        for (offset, (level, text)) in [
            (HeadingLevel::H2, "One"),
            (HeadingLevel::H3, "One a"),
            (HeadingLevel::H4, "Deep"),
            (HeadingLevel::H3, "One b"),
            (HeadingLevel::H2, "Two"),
            (HeadingLevel::H4, "Skipped a level"),
            (HeadingLevel::H1, "Top"),
        ]
        .into_iter()
        .enumerate()
        {
            headings.add(level, None, text, offset).unwrap();
        }
        let toc = headings.toc();
        let shape: Vec<(String, Vec<String>)> = toc
            .iter()
            .map(|e| {
                (
                    e.id.clone(),
                    e.children.iter().map(|c| c.id.clone()).collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                (
                    "one".to_string(),
                    vec!["one-a".to_string(), "one-b".to_string()]
                ),
                ("two".to_string(), vec!["skipped-a-level".to_string()]),
                ("top".to_string(), vec![]),
            ]
        );
        assert_eq!(toc[0].children[0].children[0].title, "Deep");
    }

    #[test]
    fn duplicates_are_refused_and_explicit_ids_resolve_them() {
        let mut headings = Headings::default();
        headings.add(HeadingLevel::H2, None, "Setup", 3).unwrap();
        assert_eq!(
            headings.add(HeadingLevel::H3, None, "setup!", 40),
            Err(HeadingProblem::DuplicateId {
                id: "setup".to_string(),
                first: 3
            })
        );
        assert_eq!(
            headings.add(HeadingLevel::H3, Some("setup-linux"), "Setup", 60),
            Ok("setup-linux".to_string())
        );
        assert!(matches!(
            headings.add(HeadingLevel::H3, Some("a\"b"), "x", 80),
            Err(HeadingProblem::BadId(_))
        ));
    }

    #[test]
    fn heading_attributes_follow_the_raw_html_policy() {
        let attrs = |list: &[(&'static str, &'static str)]| -> Vec<(CowStr<'static>, Option<CowStr<'static>>)> {
            list.iter()
                .map(|(n, v)| (CowStr::from(*n), Some(CowStr::from(*v))))
                .collect()
        };
        assert!(check_attributes(HeadingLevel::H2, &attrs(&[("data-x", "1")])).is_empty());
        assert_eq!(
            check_attributes(
                HeadingLevel::H2,
                &attrs(&[("OnClick", "go()"), ("style", "color:red")])
            ),
            [
                HeadingProblem::Attribute(RawHtmlViolation::EventHandler("onclick".to_string())),
                HeadingProblem::Attribute(RawHtmlViolation::StyleAttribute),
            ]
        );
        assert_eq!(
            check_attributes(
                HeadingLevel::H2,
                &attrs(&[("formaction", "java\"script:x")])
            ),
            []
        );
        assert_eq!(
            check_attributes(HeadingLevel::H2, &attrs(&[("formaction", "javascript:x")])),
            [HeadingProblem::Attribute(RawHtmlViolation::JavascriptUrl(
                "formaction".to_string()
            ))]
        );
    }
}
