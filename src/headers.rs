//! The bundle's `_headers` file: the site's authored `_headers`, verbatim,
//! followed by generated `X-Robots-Tag` rules for admin surfaces and
//! noindex pages, checked against the host's limits.

use crate::content::{Page, Surface};
use crate::error::Error;

const NOINDEX_HEADER: &str = "X-Robots-Tag: noindex, nofollow";
const NOINDEX_ONLY_HEADER: &str = "X-Robots-Tag: noindex";

/// Builds the `_headers` text. `authored` is the site's own file, if any.
pub fn build_headers(
    authored: Option<&str>,
    admin_prefixes: &[String],
    pages: &[Page],
) -> Result<String, Error> {
    let mut out = String::new();
    if let Some(authored) = authored {
        out.push_str(authored);
        if !authored.is_empty() && !authored.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str("# Generated: admin surfaces and noindex pages stay out of search results.\n");
    for prefix in admin_prefixes {
        push_rule(&mut out, &format!("/{prefix}"), NOINDEX_HEADER);
        push_rule(&mut out, &format!("/{prefix}/*"), NOINDEX_HEADER);
    }
    let mut extra: Vec<(&str, &str)> = pages
        .iter()
        .filter(|page| !page.is_not_found)
        .filter_map(|page| {
            let covered = admin_prefixes.iter().any(|prefix| {
                page.url
                    .trim_start_matches('/')
                    .split('/')
                    .next()
                    .is_some_and(|first| first.eq_ignore_ascii_case(prefix))
            });
            match page.surface {
                Surface::Admin if !covered => Some((page.url.as_str(), NOINDEX_HEADER)),
                Surface::Public if page.noindex => Some((page.url.as_str(), NOINDEX_ONLY_HEADER)),
                _ => None,
            }
        })
        .collect();
    extra.sort_unstable();
    for (url, header) in extra {
        push_rule(&mut out, url, header);
    }
    check_limits(&out)?;
    Ok(out)
}

fn push_rule(out: &mut String, pattern: &str, header: &str) {
    out.push_str(pattern);
    out.push_str("\n  ");
    out.push_str(header);
    out.push('\n');
}

/// Checks the text against the host's limits on `_headers` (the length of
/// a line, the number of rules) as the validator reads them: the one
/// reading of those limits is the validator's, so the build never writes
/// a file the gate then reports.
pub fn check_limits(text: &str) -> Result<(), Error> {
    match bundle_validator::headers_file::limit_problems(text).first() {
        None => Ok(()),
        Some(problem) => Err(Error::HeadersLimit {
            message: format!("line {}: {}", problem.line, problem.message),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SiteConfig;
    use crate::content::parse_page;

    fn pages() -> Vec<Page> {
        let config = SiteConfig::parse(
            "name: S\nbase_url: https://s.example\ncontact_email: a@s.example\nadmin_prefixes: [console]\n",
        )
        .unwrap();
        [
            ("index.md", "---\ntitle: Home\n---\n"),
            ("contact/thanks.md", "---\ntitle: T\nnoindex: true\n---\n"),
            ("console/index.md", "---\ntitle: C\n---\n"),
            ("ops.md", "---\ntitle: O\nsurface: admin\n---\n"),
            ("404.md", "---\ntitle: Missing\n---\n"),
        ]
        .iter()
        .map(|(source, text)| parse_page(source, text, &config).unwrap())
        .collect()
    }

    #[test]
    fn appends_generated_rules_after_authored_text() {
        let text = build_headers(
            Some("/*\n  X-Frame-Options: DENY"),
            &["console".to_string()],
            &pages(),
        )
        .unwrap();
        assert_eq!(
            text,
            "/*\n  X-Frame-Options: DENY\n\n\
             # Generated: admin surfaces and noindex pages stay out of search results.\n\
             /console\n  X-Robots-Tag: noindex, nofollow\n\
             /console/*\n  X-Robots-Tag: noindex, nofollow\n\
             /contact/thanks/\n  X-Robots-Tag: noindex\n\
             /ops/\n  X-Robots-Tag: noindex, nofollow\n"
        );
    }

    #[test]
    fn limits_are_enforced() {
        let many: String = (0..101).map(|i| format!("/p{i}\n  A: b\n")).collect();
        assert!(
            check_limits(&many)
                .unwrap_err()
                .to_string()
                .contains("101 rules")
        );
        // A comment line counts towards the length limit too, as the
        // host reads it.
        let long = format!("/*\n# {}\n", "a".repeat(2000));
        assert!(
            check_limits(&long)
                .unwrap_err()
                .to_string()
                .contains("line 2")
        );
        assert!(check_limits("/*\n  A: b\n").is_ok());
        // Only a space or a tab indents a header line, as the gate reads
        // the file: a line starting with another space character is a
        // rule of its own, and the 101st here.
        let mut drift: String = (0..100).map(|i| format!("/p{i}\n  A: b\n")).collect();
        drift.push_str("\u{a0}/p100\n");
        assert!(
            check_limits(&drift)
                .unwrap_err()
                .to_string()
                .contains("101 rules")
        );
    }
}
