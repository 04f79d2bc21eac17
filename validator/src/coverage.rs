//! What each rule category examined in one check: how many files it
//! judged, how many routes it resolved or judged the headers of, what it
//! found and whether it passed.
//!
//! The numbers are counted where each rule really looks at a file, never
//! derived from the bundle's listing: a rule that skips a file (an SVG for
//! the page CSP rule, an admin script for the admin navigation rule) does
//! not count it, and a file the config ignores, or a category the config
//! turns off, counts for nothing, since its findings would be dropped.
//! A claim such as "the `link` rule resolved 412 URLs in 38 files" on a
//! security page is then a measurement of this check.

use serde::{Deserialize, Serialize};

use crate::config::Filter;
use crate::rule::Category;
use crate::rules::CATEGORIES;
use crate::{Finding, Severity, Suppressed};

/// Number of rule categories: the length of [`CATEGORIES`].
const COUNT: usize = CATEGORIES.len();

/// The verdict of one category over the whole bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// It examined at least one file or route and reported no error.
    Pass,
    /// It reported at least one error.
    Fail,
    /// It examined nothing and reported nothing: it proves nothing about
    /// this bundle.
    NotRun,
}

impl Outcome {
    /// The outcome as the JSON output and the evidence manifest write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::NotRun => "not-run",
        }
    }
}

/// What one rule category examined and found in one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryCoverage {
    /// The category, the part of its rule ids before the `/` (`csp`).
    pub category: String,
    /// Files of the bundle the category's rules judged.
    pub files: u64,
    /// Routes its rules resolved or judged: every URL a page, stylesheet,
    /// script or `_redirects` rule refers to that the rule resolved, every
    /// route whose response headers it judged, every sitemap location.
    /// Zero for categories that judge file contents only.
    pub routes: u64,
    /// Error findings of the category, after config and suppressions.
    pub errors: u64,
    /// Warning findings of the category, after config and suppressions.
    pub warnings: u64,
    /// Findings of the category that a suppression accepted.
    pub suppressed: u64,
    pub outcome: Outcome,
}

/// What the rules examined in one file: one bit per category that judged
/// it, and the routes each category resolved there.
#[derive(Debug, Clone, Default)]
pub(crate) struct FileTally {
    examined: u32,
    routes: [u32; COUNT],
}

// One bit per category must fit.
const _: () = assert!(COUNT <= 32);

fn index_of(category: &Category) -> usize {
    CATEGORIES
        .iter()
        .position(|c| c.name == category.name)
        .unwrap_or_else(|| unreachable!("category {} is not in rules::CATEGORIES", category.name))
}

impl FileTally {
    /// Records that the rules of `category` judged this file.
    pub(crate) fn examine(&mut self, category: &Category) {
        self.examined |= 1 << index_of(category);
    }

    /// Records that the rules of `category` judged this file and resolved
    /// or judged `routes` routes in it.
    pub(crate) fn routes(&mut self, category: &Category, routes: usize) {
        let index = index_of(category);
        self.examined |= 1 << index;
        let add = u32::try_from(routes).unwrap_or(u32::MAX);
        self.routes[index] = self.routes[index].saturating_add(add);
    }
}

/// What the rules examined in one file, by the file's bundle path: what a
/// rule that judges the bundle as a whole hands back.
pub(crate) type Examined = Vec<(String, FileTally)>;

/// The tallies of every file, summed as the config sees them.
pub(crate) struct Tallies<'f> {
    filter: &'f Filter,
    /// Whether the config leaves at least one rule of each category on.
    enabled: [bool; COUNT],
    files: [u64; COUNT],
    routes: [u64; COUNT],
}

impl<'f> Tallies<'f> {
    pub(crate) fn new(filter: &'f Filter) -> Self {
        let mut enabled = [false; COUNT];
        for (index, category) in CATEGORIES.iter().enumerate() {
            enabled[index] = category.rules.iter().any(|rule| filter.rule_on(rule.id));
        }
        Tallies {
            filter,
            enabled,
            files: [0; COUNT],
            routes: [0; COUNT],
        }
    }

    /// Adds what the rules examined in file `path`. A file the config
    /// ignores counts for nothing: none of its findings would be kept.
    pub(crate) fn add(&mut self, path: &str, tally: &FileTally) {
        if tally.examined == 0 || self.filter.ignores(path) {
            return;
        }
        for index in 0..COUNT {
            if tally.examined & (1 << index) != 0 && self.enabled[index] {
                self.files[index] += 1;
                self.routes[index] += u64::from(tally.routes[index]);
            }
        }
    }

    /// One entry per category, in the order of [`CATEGORIES`], with the
    /// findings and suppressed findings of the finished check.
    pub(crate) fn finish(
        self,
        findings: &[Finding],
        suppressed: &[Suppressed],
    ) -> Vec<CategoryCoverage> {
        let mut coverage: Vec<CategoryCoverage> = CATEGORIES
            .iter()
            .enumerate()
            .map(|(index, category)| CategoryCoverage {
                category: category.name.to_string(),
                files: self.files[index],
                routes: self.routes[index],
                errors: 0,
                warnings: 0,
                suppressed: 0,
                outcome: Outcome::NotRun,
            })
            .collect();
        recount(&mut coverage, findings, suppressed);
        coverage
    }
}

/// Counts the findings and suppressed findings of each category again and
/// settles its outcome, keeping what it examined: for a report whose
/// findings changed after the check (a baseline accepted some).
pub(crate) fn recount(
    coverage: &mut [CategoryCoverage],
    findings: &[Finding],
    suppressed: &[Suppressed],
) {
    for entry in coverage.iter_mut() {
        entry.errors = 0;
        entry.warnings = 0;
        entry.suppressed = 0;
    }
    fn entry_of<'c>(
        coverage: &'c mut [CategoryCoverage],
        rule: &str,
    ) -> Option<&'c mut CategoryCoverage> {
        let category = rule.split_once('/').map_or(rule, |(category, _)| category);
        coverage.iter_mut().find(|c| c.category == category)
    }
    for finding in findings {
        if let Some(entry) = entry_of(coverage, &finding.rule) {
            match finding.severity {
                Severity::Error => entry.errors += 1,
                Severity::Warning => entry.warnings += 1,
            }
        }
    }
    for suppressed in suppressed {
        if let Some(entry) = entry_of(coverage, &suppressed.finding.rule) {
            entry.suppressed += 1;
        }
    }
    for entry in coverage.iter_mut() {
        entry.outcome = if entry.errors > 0 {
            Outcome::Fail
        } else if entry.files == 0 && entry.routes == 0 {
            Outcome::NotRun
        } else {
            Outcome::Pass
        };
    }
}
