//! The bundle's `_redirects` file: a 301 rule for every `aliases:` entry
//! of a page's front matter, and the `redirects:` of `site.yaml`, as
//! Cloudflare's host reads them. A redirect is a rule the host answers
//! with a status and a `Location` header, never an HTML page with a
//! script or a `<meta http-equiv="refresh">`.
//!
//! Every rule is checked before the file is written: its paths (no white
//! space that would split the line, no control character, nothing a
//! browser would read differently), its status, that no alias or rule
//! stands where a page or a generated file is served (the host would
//! answer the redirect instead), that no two rules claim one path, and
//! Cloudflare's limits (2,000 static and 100 dynamic rules, 1,000
//! characters a line). Each error names the content file or `site.yaml`
//! line that wrote the rule.

use std::collections::HashMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::config::{SITE_CONFIG_FILE, SiteConfig};
use crate::content::Page;
use crate::error::{Error, SourceSpot};
use crate::security_txt::spot_of;

/// The file's name at the bundle root.
pub const REDIRECTS_FILE: &str = "_redirects";

/// Most static rules (one path each) Cloudflare reads.
pub const MAX_STATIC_RULES: usize = 2000;

/// Most dynamic rules (splats, placeholders) Cloudflare reads.
pub const MAX_DYNAMIC_RULES: usize = 100;

/// Longest rule line Cloudflare reads, in characters.
pub const MAX_LINE_CHARS: usize = 1000;

/// The statuses a redirect may carry: permanent and temporary, with and
/// without keeping the method.
pub const STATUSES: [u16; 4] = [301, 302, 307, 308];

/// One entry of `redirects:` in `site.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedirectConfig {
    /// The path redirected: static (`/old/`) or dynamic (`/blog/*`,
    /// `/docs/:page`).
    pub from: Spanned<String>,
    /// Where to: a site path (which may use `:splat` and the source's
    /// placeholders) or an `https://` URL.
    pub to: Spanned<String>,
    /// 301 (default), 302, 307 or 308.
    #[serde(default)]
    pub status: Option<Spanned<u16>>,
}

/// One rule to write, with where it was written.
struct Rule {
    from: String,
    to: String,
    status: u16,
    spot: SourceSpot,
    /// The rule as errors name it: `alias /x of content/a.md`.
    what: String,
    dynamic: bool,
}

/// Characters a path of a rule may hold: RFC 3986's unreserved and
/// sub-delimiter characters, `:`, `@`, `%` (for percent-encoding) and
/// `/`. Anything else (white space, which would split the line; `#` and
/// `?`, which the host does not match; `\`, which browsers read as `/`;
/// non-ASCII text, which must be percent-encoded) is refused.
fn is_path_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
        || matches!(
            byte,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
                | b'%'
                | b'/'
        )
}

/// Why `path` cannot be the source of a rule, if it cannot. `dynamic`
/// allows a splat and placeholder segments.
fn source_problem(path: &str, dynamic: bool) -> Option<String> {
    if !path.starts_with('/') || path.starts_with("//") {
        return Some("must be a site path starting with one `/`".to_string());
    }
    if let Some(c) = path
        .bytes()
        .find(|&b| !(is_path_byte(b) || (dynamic && b == b'*')))
    {
        return Some(format!(
            "holds {:?}, which a redirect path may not (write other characters percent-encoded)",
            char::from(c)
        ));
    }
    if path.split('/').any(|s| s == "." || s == "..") {
        return Some("holds a `.` or `..` segment, which browsers resolve away".to_string());
    }
    if !dynamic && path.split('/').any(|s| s.starts_with(':')) {
        return Some(
            "has a segment starting with `:`, which the host reads as a placeholder".to_string(),
        );
    }
    if path.matches('*').count() > 1 || path.find('*').is_some_and(|at| at + 1 != path.len()) {
        return Some("may hold one `*`, at its end".to_string());
    }
    None
}

/// Why `to` cannot be the destination of a rule from `from`, if it
/// cannot: a site path, or an `https://` URL without white space or
/// control characters, using only placeholders `from` defines.
fn destination_problem(to: &str, from: &str) -> Option<String> {
    if let Some(c) = to
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || !c.is_ascii())
    {
        return Some(format!(
            "holds {c:?}, which would break the rule line (write it percent-encoded)"
        ));
    }
    let is_site_path = to.starts_with('/') && !to.starts_with("//");
    if !is_site_path && !to.starts_with("https://") {
        return Some("must be a site path or an `https://` URL".to_string());
    }
    let defined: Vec<&str> = from
        .split('/')
        .filter_map(|s| s.strip_prefix(':'))
        .collect();
    for placeholder in to.split(['/', '?', '#', '.', '-', '_', '=', '&']) {
        let Some(name) = placeholder.strip_prefix(':') else {
            continue;
        };
        let known = if name == "splat" {
            from.ends_with('*')
        } else {
            defined.contains(&name)
        };
        if !known {
            return Some(format!(
                "uses the placeholder `:{name}`, which the source does not define"
            ));
        }
    }
    None
}

/// Whether a dynamic source matches `path`: `*` matches the rest, a
/// `:name` segment one non-empty segment, anything else itself, ignoring
/// ASCII case.
fn matches(pattern: &str, path: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix('*') {
        return path.len() >= prefix.len()
            && path.is_char_boundary(prefix.len())
            && segments_match(prefix, &path[..prefix.len()]);
    }
    segments_match(pattern, path)
}

fn segments_match(pattern: &str, path: &str) -> bool {
    let mut pattern = pattern.split('/');
    let mut path = path.split('/');
    loop {
        match (pattern.next(), path.next()) {
            (None, None) => return true,
            (Some(p), Some(s)) if p.starts_with(':') && p.len() > 1 => {
                if s.is_empty() {
                    return false;
                }
            }
            (Some(p), Some(s)) if p.eq_ignore_ascii_case(s) => {}
            _ => return false,
        }
    }
}

/// A path as the host compares it for a collision: percent-decoded (where
/// the result is UTF-8), lowercased, without a trailing `/` (Cloudflare
/// serves `/a` and `/a/` as one page).
fn folded(path: &str) -> String {
    let lower = percent_decoded(path).to_lowercase();
    match lower.strip_suffix('/') {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => lower,
    }
}

/// `path` with its `%XX` escapes decoded, or as written when they do not
/// decode to UTF-8.
fn percent_decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(high), Some(low)) = (
                bytes.get(i + 1).and_then(|&b| hex(b)),
                bytes.get(i + 2).and_then(|&b| hex(b)),
            )
        {
            out.push(u8::try_from(high * 16 + low).unwrap_or(b'%'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| path.to_string())
}

/// The URL paths a page answers to, each with the page.
fn page_routes(pages: &[Page]) -> Vec<(String, &Page)> {
    let mut routes = Vec::with_capacity(pages.len() * 2);
    for page in pages {
        routes.push((page.url.clone(), page));
        routes.push((format!("/{}", page.output), page));
    }
    routes
}

/// Builds the `_redirects` text for `pages` (published, extra listing
/// pages included) and the config, or every error. `generated` lists the
/// other files the generator writes, as bundle paths. `None` when the
/// site has no redirect at all, so no file is written.
pub fn build(
    config: &SiteConfig,
    pages: &[Page],
    generated: &[String],
) -> Result<Option<String>, Vec<Error>> {
    let mut errors = Vec::new();
    let mut rules = Vec::new();
    for page in pages.iter().filter(|p| p.pager == 1) {
        for alias in &page.front.aliases {
            let line = page.yaml_line + usize::try_from(alias.referenced.line()).unwrap_or(1) - 1;
            let column = usize::try_from(alias.referenced.column()).unwrap_or(1);
            let spot = SourceSpot::at(&page.display_path, line, column);
            if let Some(problem) = source_problem(&alias.value, false) {
                errors.push(Error::Redirect {
                    spot,
                    message: format!("alias {} {problem}", alias.value.escape_debug()),
                });
                continue;
            }
            // A public path that redirects to an admin surface is a link
            // to it in all but name; the validator refuses it, so it is
            // refused here at its line.
            if page.surface == crate::content::Surface::Admin
                && !config.is_admin_path(&percent_decoded(&alias.value))
            {
                errors.push(Error::Redirect {
                    spot,
                    message: format!(
                        "alias {} is a public path, and {} is an admin surface: a public redirect there would advertise it",
                        alias.value, page.display_path
                    ),
                });
                continue;
            }
            rules.push(Rule {
                from: alias.value.clone(),
                to: crate::sitemap::percent_encode_path(&page.url),
                status: 301,
                spot,
                what: format!("alias {} of {}", alias.value, page.display_path),
                dynamic: false,
            });
        }
    }
    // Aliases name one path each; written first and sorted, so the file
    // does not change with the order pages are read in.
    rules.sort_by(|a, b| a.from.cmp(&b.from));
    for redirect in &config.redirects {
        let from = &redirect.from.value;
        let to = &redirect.to.value;
        let dynamic = from.contains('*') || from.split('/').any(|s| s.starts_with(':'));
        let mut ok = true;
        if let Some(problem) = source_problem(from, true) {
            errors.push(Error::Redirect {
                spot: spot_of(&redirect.from),
                message: format!("redirect from {} {problem}", from.escape_debug()),
            });
            ok = false;
        }
        if let Some(problem) = destination_problem(to, from) {
            errors.push(Error::Redirect {
                spot: spot_of(&redirect.to),
                message: format!("redirect to {} {problem}", to.escape_debug()),
            });
            ok = false;
        }
        if ok
            && to.starts_with('/')
            && config.is_admin_path(&percent_decoded(to))
            && !config.is_admin_path(&percent_decoded(from))
        {
            errors.push(Error::Redirect {
                spot: spot_of(&redirect.to),
                message: format!(
                    "redirect from the public path {from} to the admin surface {to} would advertise it"
                ),
            });
            ok = false;
        }
        let status = redirect.status.as_ref().map_or(301, |s| s.value);
        if let Some(spanned) = &redirect.status
            && !STATUSES.contains(&spanned.value)
        {
            errors.push(Error::Redirect {
                spot: spot_of(spanned),
                message: format!("redirect status {status} is not one of 301, 302, 307 or 308"),
            });
            ok = false;
        }
        if ok {
            rules.push(Rule {
                from: from.clone(),
                to: to.clone(),
                status,
                spot: spot_of(&redirect.from),
                what: format!("redirect from {from} in {SITE_CONFIG_FILE}"),
                dynamic,
            });
        }
    }
    errors.extend(collisions(&rules, pages, generated));
    errors.extend(limits(&rules));
    if !errors.is_empty() {
        return Err(errors);
    }
    if rules.is_empty() {
        return Ok(None);
    }
    let mut out = String::from(
        "# Generated: page aliases from front matter, then the redirects of site.yaml.\n",
    );
    for rule in &rules {
        out.push_str(&format!("{} {} {}\n", rule.from, rule.to, rule.status));
    }
    Ok(Some(out))
}

/// Rules standing where a page or a generated file is served, rules whose
/// site destination is no page or file, and two rules for one path.
fn collisions(rules: &[Rule], pages: &[Page], generated: &[String]) -> Vec<Error> {
    let mut errors = Vec::new();
    let routes = page_routes(pages);
    let mut by_route: HashMap<String, &Page> = HashMap::with_capacity(routes.len());
    for (route, page) in &routes {
        by_route.entry(folded(route)).or_insert(page);
    }
    let files: HashMap<String, &str> = generated
        .iter()
        .map(|path| (folded(&format!("/{path}")), path.as_str()))
        .collect();
    let mut claimed: HashMap<String, &Rule> = HashMap::new();
    for rule in rules {
        let problem = if rule.dynamic {
            routes
                .iter()
                .find(|(route, _)| matches(&rule.from, route))
                .map(|(route, page)| {
                    format!(
                        "matches {route}, the page of {}, which it would hide",
                        page.describe()
                    )
                })
                .or_else(|| {
                    generated
                        .iter()
                        .find(|path| matches(&rule.from, &format!("/{path}")))
                        .map(|path| format!("matches /{path}, which the generator writes"))
                })
        } else {
            let key = folded(&rule.from);
            by_route
                .get(&key)
                .map(|page| {
                    format!(
                        "is the URL of the page of {}, which it would hide",
                        page.describe()
                    )
                })
                .or_else(|| {
                    files
                        .get(&key)
                        .map(|path| format!("is /{path}, which the generator writes"))
                })
                .or_else(|| {
                    claimed.get(&key).map(|other| {
                        format!("is also the path of the {} ({})", other.what, other.spot)
                    })
                })
        };
        if let Some(problem) = problem {
            errors.push(Error::Redirect {
                spot: rule.spot.clone(),
                message: format!("{} {problem}", rule.what),
            });
        } else if !rule.dynamic {
            claimed.insert(folded(&rule.from), rule);
        }
        let is_site_path = rule.to.starts_with('/') && !rule.to.contains(':');
        if is_site_path {
            let target = rule.to.split(['?', '#']).next().unwrap_or_default();
            let key = folded(target);
            if !by_route.contains_key(&key) && !files.contains_key(&key) {
                errors.push(Error::Redirect {
                    spot: rule.spot.clone(),
                    message: format!(
                        "{} sends visitors to {target}, which is no page or file of the site",
                        rule.what
                    ),
                });
            }
        }
    }
    errors
}

/// Cloudflare's limits: rule counts and line length.
fn limits(rules: &[Rule]) -> Vec<Error> {
    let mut errors = Vec::new();
    for rule in rules {
        let length = rule.from.chars().count() + rule.to.chars().count() + 5;
        if length > MAX_LINE_CHARS {
            errors.push(Error::Redirect {
                spot: rule.spot.clone(),
                message: format!(
                    "{} makes a rule of {length} characters; Cloudflare reads at most {MAX_LINE_CHARS}",
                    rule.what
                ),
            });
        }
    }
    let dynamic = rules.iter().filter(|r| r.dynamic).count();
    let fixed = rules.len() - dynamic;
    for (count, limit, kind) in [
        (fixed, MAX_STATIC_RULES, "static"),
        (dynamic, MAX_DYNAMIC_RULES, "dynamic"),
    ] {
        if count > limit {
            errors.push(Error::Redirect {
                spot: SourceSpot::file(REDIRECTS_FILE),
                message: format!(
                    "{count} {kind} rules (aliases and site.yaml redirects); Cloudflare reads at most {limit}"
                ),
            });
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::parse_page;
    use proptest::prelude::*;

    fn site(extra: &str) -> SiteConfig {
        SiteConfig::parse(&format!(
            "name: S\nbase_url: https://s.example\ncontact_email: a@s.example\n{extra}"
        ))
        .unwrap()
    }

    fn pages(config: &SiteConfig, files: &[(&str, &str)]) -> Vec<Page> {
        files
            .iter()
            .map(|(source, text)| parse_page(source, text, config).unwrap())
            .collect()
    }

    fn messages(errors: Vec<Error>) -> Vec<String> {
        errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn aliases_and_redirects_become_rules() {
        let config = site(
            "redirects:\n  - {from: /blog/*, to: /news/:splat}\n  - {from: /docs/:page, to: \"/guides/:page\", status: 302}\n  - {from: /partner, to: \"https://partner.example/\", status: 307}\n",
        );
        let pages = pages(
            &config,
            &[
                (
                    "pricing.md",
                    "---\ntitle: P\naliases: [/plans/, /old-pricing]\n---\n",
                ),
                ("news/index.md", "---\ntitle: N\n---\n"),
                ("guides/index.md", "---\ntitle: G\n---\n"),
            ],
        );
        let text = build(&config, &pages, &["sitemap.xml".to_string()])
            .unwrap()
            .unwrap();
        insta::assert_snapshot!(text);
    }

    #[test]
    fn sections_take_aliases_and_errors_count_front_matter_lines() {
        let config = site("");
        let pages = pages(
            &config,
            &[(
                "news/_index.md",
                "---\ntitle: News\naliases:\n  - /blog/\n  - \"/bad alias\"\n---\n",
            )],
        );
        let errors = messages(build(&config, &pages, &[]).unwrap_err());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("content/news/_index.md:5:5: alias /bad alias"),
            "{errors:?}"
        );
    }

    #[test]
    fn no_redirect_writes_no_file() {
        let config = site("");
        let pages = pages(&config, &[("a.md", "---\ntitle: A\n---\n")]);
        assert!(build(&config, &pages, &[]).unwrap().is_none());
    }

    #[test]
    fn collisions_and_bad_rules_name_their_source() {
        let config = site(
            "redirects:\n  - {from: /team/*, to: /about/}\n  - {from: /x, to: /nowhere/}\n  - {from: /y, to: /about/, status: 303}\n  - {from: /z, to: \"http://a.example/\"}\n  - {from: /w, to: /about/:id}\n  - {from: /v, to: /Console/}\n",
        );
        let pages = pages(
            &config,
            &[
                (
                    "about.md",
                    "---\ntitle: A\naliases:\n  - /about\n  - /robots.txt\n  - /old page\n---\n",
                ),
                ("team/alice.md", "---\ntitle: Alice\naliases: [/x]\n---\n"),
                ("b.md", "---\ntitle: B\naliases: [/X/]\n---\n"),
                (
                    "ops.md",
                    "---\ntitle: O\nsurface: admin\naliases: [/old-ops/, /console/ops/]\n---\n",
                ),
            ],
        );
        let errors = messages(build(&config, &pages, &["robots.txt".to_string()]).unwrap_err());
        insta::assert_snapshot!(errors.join("\n"));
    }

    #[test]
    fn limits_are_counted() {
        let many: String = (0..101)
            .map(|i| format!("  - {{from: /d{i}/*, to: /}}\n"))
            .collect();
        let config = site(&format!("redirects:\n{many}"));
        let pages = pages(&config, &[("index.md", "---\ntitle: H\n---\n")]);
        let errors = messages(build(&config, &pages, &[]).unwrap_err());
        assert!(
            errors.iter().any(|e| e.contains("101 dynamic rules")),
            "{errors:?}"
        );
        let long = format!("redirects:\n  - {{from: /{}, to: /}}\n", "a".repeat(1000));
        let config = site(&long);
        let errors = messages(build(&config, &pages, &[]).unwrap_err());
        assert!(
            errors
                .iter()
                .any(|e| e.contains("Cloudflare reads at most 1000")),
            "{errors:?}"
        );
    }

    proptest! {
        /// Whatever an alias holds, it is refused or it makes exactly one
        /// rule line of three fields, the first of which is the alias.
        #[test]
        fn fuzz_aliases_make_one_rule_line(alias in "/\\PC{0,12}|/[a-z:*?# \t%./\\\\]{0,12}") {
            let config = site("");
            let front = format!("---\ntitle: A\naliases: [{}]\n---\n", serde_json::to_string(&alias).unwrap());
            let Ok(page) = parse_page("a.md", &front, &config) else { return Ok(()); };
            if let Ok(Some(text)) = build(&config, &[page], &[]) {
                let rules: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
                prop_assert_eq!(rules.len(), 1);
                let fields: Vec<&str> = rules[0].split_ascii_whitespace().collect();
                prop_assert_eq!(fields.len(), 3);
                prop_assert_eq!(fields[0], alias.as_str());
                let parsed = bundle_validator::redirects_file::parse(&text);
                prop_assert_eq!(parsed.len(), 1);
                prop_assert!(!parsed[0].is_dynamic());
            }
        }

        /// A dynamic source matches a path exactly when its literal parts
        /// agree: a pattern without splat or placeholder matches itself.
        #[test]
        fn fuzz_static_patterns_match_themselves(path in "/[a-z/]{0,12}") {
            prop_assert!(matches(&path, &path));
            let star = format!("{path}*");
            let longer = format!("{path}x/y");
            prop_assert!(matches(&star, &longer));
        }
    }
}
