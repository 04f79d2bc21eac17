//! An authored `robots.txt` (from `public/`) read as crawlers read it
//! (RFC 9309), and checked against the guarantees of the generated one
//! ([`crate::sitemap::robots_txt`]) before it may replace it:
//!
//! - it names the sitemap, `Sitemap: <base_url>/sitemap.xml`;
//! - no group, for any crawler, disallows an admin surface or a page
//!   marked `noindex`: a crawler that may not fetch a page never sees its
//!   `noindex` (meta tag or `X-Robots-Tag`), and may index its URL from
//!   links alone.
//!
//! A file that breaks one is an error naming the rule that is missing or
//! the line that breaks it; it never silently replaces the generated one,
//! and is never silently dropped.

use crate::content::{Page, Surface};
use crate::error::{Error, SourceSpot};

/// One `Allow` or `Disallow` rule of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRule {
    /// `true` for `Allow`.
    pub allow: bool,
    /// The path pattern as written (`*` any run, `$` the end).
    pub pattern: String,
    /// 1-based line of the rule.
    pub line: usize,
}

/// One group: the user agents it names and its rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    pub agents: Vec<String>,
    pub rules: Vec<PathRule>,
}

/// What a crawler reads from `robots.txt`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Robots {
    pub groups: Vec<Group>,
    /// Every `Sitemap:` value.
    pub sitemaps: Vec<String>,
}

/// Parses `text` as RFC 9309 describes: `key: value` lines, keys without
/// case, `#` comments; consecutive `user-agent` lines open one group, and
/// rules before any `user-agent` line belong to none (crawlers ignore
/// them). Lines end at LF, CR LF or a lone CR.
pub fn parse(text: &str) -> Robots {
    let mut robots = Robots::default();
    let mut current: Option<Group> = None;
    let mut last_was_agent = false;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // CR LF, a lone CR and LF each end one line.
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    for (index, raw) in normalized.split('\n').enumerate() {
        let line_number = index + 1;
        let line = raw.split('#').next().unwrap_or_default().trim();
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        match key.as_str() {
            "user-agent" => {
                if !last_was_agent {
                    if let Some(group) = current.take() {
                        robots.groups.push(group);
                    }
                    current = Some(Group::default());
                }
                if let Some(group) = current.as_mut() {
                    group.agents.push(value.to_string());
                }
                last_was_agent = true;
            }
            "allow" | "disallow" => {
                last_was_agent = false;
                if let Some(group) = current.as_mut() {
                    group.rules.push(PathRule {
                        allow: key == "allow",
                        pattern: value.to_string(),
                        line: line_number,
                    });
                }
            }
            "sitemap" => robots.sitemaps.push(value.to_string()),
            _ => last_was_agent = false,
        }
    }
    if let Some(group) = current {
        robots.groups.push(group);
    }
    robots
}

/// Whether a rule's pattern matches a URL path (RFC 9309, 2.2.3): a
/// prefix match where `*` matches any run of characters and a final `$`
/// anchors the end. An empty pattern matches nothing.
pub fn pattern_matches(pattern: &str, path: &str) -> bool {
    if pattern.is_empty() {
        return false;
    }
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(rest) => (rest, true),
        None => (pattern, false),
    };
    let pattern = pattern.as_bytes();
    let path = path.as_bytes();
    // Matching with `*` by dynamic programming over positions, so no
    // pattern costs more than its length times the path's.
    let mut reachable = vec![false; path.len() + 1];
    reachable[0] = true;
    for &byte in pattern {
        if byte == b'*' {
            for i in 1..=path.len() {
                reachable[i] = reachable[i] || reachable[i - 1];
            }
        } else {
            for i in (1..=path.len()).rev() {
                reachable[i] = reachable[i - 1] && path[i - 1] == byte;
            }
            reachable[0] = false;
        }
    }
    if anchored {
        reachable[path.len()]
    } else {
        reachable.iter().any(|&r| r)
    }
}

/// The rule that decides `path` in `group`: the longest matching pattern,
/// `Allow` winning a tie, as RFC 9309 requires.
fn deciding<'a>(group: &'a Group, path: &str) -> Option<&'a PathRule> {
    group
        .rules
        .iter()
        .filter(|rule| pattern_matches(&rule.pattern, path))
        .max_by_key(|rule| (rule.pattern.len(), rule.allow))
}

/// The URL paths the generated file guarantees crawlers may fetch: each
/// admin prefix (with and without its `/`) and every admin or noindex
/// page, percent-encoded as crawlers compare them.
fn protected_paths(admin_prefixes: &[String], pages: &[Page]) -> Vec<String> {
    let mut paths: Vec<String> = admin_prefixes
        .iter()
        .flat_map(|prefix| [format!("/{prefix}"), format!("/{prefix}/")])
        .collect();
    paths.extend(
        pages
            .iter()
            .filter(|page| page.surface == Surface::Admin || page.noindex)
            .map(|page| crate::sitemap::percent_encode_path(&page.url)),
    );
    paths.sort();
    paths.dedup();
    paths
}

/// Every guarantee `text` (the authored `public/robots.txt`) breaks, each
/// an error naming the missing rule or the line that breaks it.
pub fn check(text: &str, base_url: &str, admin_prefixes: &[String], pages: &[Page]) -> Vec<Error> {
    const FILE: &str = "public/robots.txt";
    let robots = parse(text);
    let mut errors = Vec::new();
    let sitemap = format!("{base_url}/sitemap.xml");
    if !robots.sitemaps.contains(&sitemap) {
        errors.push(Error::Robots {
            spot: SourceSpot::file(FILE),
            message: format!(
                "it must keep the generated rule `Sitemap: {sitemap}`, so crawlers find the sitemap"
            ),
        });
    }
    let protected = protected_paths(admin_prefixes, pages);
    for group in &robots.groups {
        for path in &protected {
            if let Some(rule) = deciding(group, path).filter(|rule| !rule.allow) {
                errors.push(Error::Robots {
                    spot: SourceSpot::at(FILE, rule.line, 1),
                    message: format!(
                        "`Disallow: {}` (for {}) keeps crawlers from {path}, whose noindex they must be able to read; the generated file disallows nothing",
                        rule.pattern,
                        group.agents.join(", ")
                    ),
                });
                // One error per rule and group is enough to act on.
                break;
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SiteConfig;
    use crate::content::parse_page;
    use proptest::prelude::*;

    #[test]
    fn groups_rules_and_sitemaps() {
        let robots = parse(
            "# hi\r\nUser-agent: a\nuser-agent: b\nDisallow: /x # why\nAllow: /x/y\n\nUser-Agent: *\nDisallow:\nSitemap: https://s.example/sitemap.xml\n",
        );
        assert_eq!(robots.groups.len(), 2);
        assert_eq!(robots.groups[0].agents, ["a", "b"]);
        assert_eq!(robots.groups[0].rules[0].line, 4);
        assert_eq!(robots.groups[0].rules[1].line, 5);
        assert_eq!(robots.sitemaps, ["https://s.example/sitemap.xml"]);
        assert!(deciding(&robots.groups[0], "/x/y/z").unwrap().allow);
        assert!(!deciding(&robots.groups[0], "/xa").unwrap().allow);
        assert!(deciding(&robots.groups[1], "/x").is_none());
    }

    #[test]
    fn patterns_follow_rfc_9309() {
        assert!(pattern_matches("/", "/anything"));
        assert!(pattern_matches("/*.pdf$", "/a/b.pdf"));
        assert!(!pattern_matches("/*.pdf$", "/a/b.pdf?x"));
        assert!(pattern_matches("/c*e/", "/console/"));
        assert!(!pattern_matches("/console$", "/console/"));
        assert!(!pattern_matches("", "/"));
    }

    #[test]
    fn guarantees_are_checked() {
        let config = SiteConfig::parse(
            "name: S\nbase_url: https://s.example\ncontact_email: a@s.example\nadmin_prefixes: [console]\n",
        )
        .unwrap();
        let pages = vec![
            parse_page("thanks.md", "---\ntitle: T\nnoindex: true\n---\n", &config).unwrap(),
            parse_page("about.md", "---\ntitle: A\n---\n", &config).unwrap(),
        ];
        let good = "User-agent: *\nDisallow: /drafts-area/\nAllow: /\n\nSitemap: https://s.example/sitemap.xml\n";
        assert!(check(good, &config.base_url, &config.admin_prefixes, &pages).is_empty());
        let bad =
            "User-agent: *\nDisallow: /c*le\n\nUser-agent: BadBot\nDisallow: /\nAllow: /about/\n";
        let errors: Vec<String> = check(bad, &config.base_url, &config.admin_prefixes, &pages)
            .iter()
            .map(ToString::to_string)
            .collect();
        insta::assert_snapshot!(errors.join("\n"));
    }

    proptest! {
        /// A pattern without wildcards matches exactly the paths it
        /// prefixes; parsing never panics and keeps every rule's line
        /// within the text.
        #[test]
        fn fuzz_prefix_patterns_and_lines(
            pattern in "/[a-z/]{0,6}",
            path in "/[a-z/]{0,8}",
            text in "((User-agent|Disallow|Allow|Sitemap|x): ?[a-z/*$#]{0,6}[\r\n]{1,2}){0,10}",
        ) {
            prop_assert_eq!(pattern_matches(&pattern, &path), path.starts_with(&pattern));
            let lines = text.replace("\r\n", "\n").replace('\r', "\n").split('\n').count();
            for group in parse(&text).groups {
                for rule in group.rules {
                    prop_assert!(rule.line >= 1 && rule.line <= lines);
                }
            }
        }
    }
}
