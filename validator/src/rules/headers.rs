//! `headers`: `_headers` is valid Cloudflare syntax within Cloudflare's
//! limits, every HTML route gets the usual security headers, and admin
//! routes carry `X-Robots-Tag: noindex, nofollow`.

use crate::rule::{Category, Rule};
use std::collections::BTreeMap;

use crate::Finding;
use crate::coverage::Examined;
use crate::emit::{FileFindings, Message};
use crate::headers_file::{Applied, ProblemKind};
use crate::rules::route_findings::RouteFindings;
use crate::site::{Site, routes};

/// Six months: the shortest HSTS max-age the site accepts.
pub const MIN_HSTS_SECONDS: u64 = 15_552_000;

const FILE_HELP: &str = "Ship a _headers file at the bundle root with the site's security headers.";
const SYNTAX_HELP: &str =
    "Write URL patterns unindented and `Name: value` lines indented beneath them.";
const LIMIT_HELP: &str =
    "Merge rules or shorten lines; Cloudflare ignores what is past its limits.";
const HSTS_HELP: &str = "Send Strict-Transport-Security: max-age=31536000; includeSubDomains (at least 15552000 seconds).";
const NOSNIFF_HELP: &str = "Send X-Content-Type-Options: nosniff.";
const REFERRER_HELP: &str = "Send Referrer-Policy: strict-origin-when-cross-origin (or stricter).";
const PERMISSIONS_HELP: &str = "Send a Permissions-Policy that disables unused features, e.g. camera=(), microphone=(), geolocation=().";
const COOP_HELP: &str = "Send Cross-Origin-Opener-Policy: same-origin.";
const ROBOTS_HELP: &str =
    "Add an X-Robots-Tag: noindex, nofollow rule for the admin path in _headers.";

/// Referrer policies at least as strict as strict-origin-when-cross-origin.
const STRICT_REFERRER: &[&str] = &[
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
];

struct Problem {
    rule: &'static str,
    line: Option<u32>,
    message: String,
    help: &'static str,
}

/// Checks the file's syntax and every HTML route's headers.
pub(crate) fn check(
    site: &Site,
    headers_text: Option<&str>,
    html_paths: &[&str],
    examined: &mut Examined,
) -> Vec<Finding> {
    let Some((file, text)) = site.headers.as_ref().zip(headers_text) else {
        if html_paths.is_empty() {
            return Vec::new();
        }
        let mut out = FileFindings::new("_headers", "");
        out.whole_file(Message::error(
            "headers/missing-file",
            "the bundle has no _headers file, so no security header is sent",
            FILE_HELP,
        ));
        return out.into_findings();
    };
    let mut out = FileFindings::new("_headers", text);
    for problem in &file.problems {
        let (rule, help) = match problem.kind {
            ProblemKind::Syntax => ("headers/syntax", SYNTAX_HELP),
            ProblemKind::LineTooLong => ("headers/line-too-long", LIMIT_HELP),
            ProblemKind::TooManyRules => ("headers/too-many-rules", LIMIT_HELP),
        };
        out.at_line(
            problem.line,
            Message::error(rule, problem.message.clone(), help),
        );
    }
    // Routes matched by the same rules get the same headers: judge each
    // distinct set of rules once.
    let mut groups: BTreeMap<(Vec<u32>, bool), Vec<String>> = BTreeMap::new();
    for path in html_paths {
        let admin = site.is_admin_file(path);
        for route in routes(path) {
            let rules = site.applied_headers(&route).rule_lines;
            groups.entry((rules, admin)).or_default().push(route);
        }
    }
    out.examine_routes(&CATEGORY, groups.values().map(Vec::len).sum());
    let mut collected = RouteFindings::default();
    for ((_, admin), routes) in groups {
        let applied = site.applied_headers(&routes[0]);
        for problem in judge(&applied, admin) {
            collected.add(
                problem.rule,
                problem.line,
                problem.message,
                problem.help,
                routes.iter().cloned(),
            );
        }
    }
    collected.emit(&mut out);
    let (findings, tally) = out.into_parts();
    examined.push(("_headers".to_string(), tally));
    findings
}

/// Every missing or weak header of one route.
fn judge(applied: &Applied<'_>, admin: bool) -> Vec<Problem> {
    let mut found = Vec::new();
    let anchor = applied.rule_lines.first().copied();
    let mut require =
        |rule: &'static str, name: &str, ok: &dyn Fn(&str) -> bool, help: &'static str| {
            match applied.joined(name) {
                None => found.push(Problem {
                    rule,
                    line: anchor,
                    message: format!("no {name} header"),
                    help,
                }),
                Some((value, line)) if !ok(&value) => found.push(Problem {
                    rule,
                    line: Some(line),
                    message: format!("{name} is too weak: `{value}`"),
                    help,
                }),
                Some(_) => {}
            }
        };
    require(
        "headers/hsts",
        "strict-transport-security",
        &hsts_ok,
        HSTS_HELP,
    );
    require(
        "headers/nosniff",
        "x-content-type-options",
        &|v| {
            v.split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("nosniff"))
        },
        NOSNIFF_HELP,
    );
    require(
        "headers/referrer-policy",
        "referrer-policy",
        &referrer_ok,
        REFERRER_HELP,
    );
    require(
        "headers/permissions-policy",
        "permissions-policy",
        &|v| !v.trim().is_empty(),
        PERMISSIONS_HELP,
    );
    require(
        "headers/coop",
        "cross-origin-opener-policy",
        &|v| {
            v.split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("same-origin"))
        },
        COOP_HELP,
    );
    if admin {
        require(
            "headers/admin-robots-tag",
            "x-robots-tag",
            &|v| {
                let tokens: Vec<String> = v
                    .split(',')
                    .map(|t| t.trim().to_ascii_lowercase())
                    .collect();
                tokens.iter().any(|t| t == "none")
                    || (tokens.iter().any(|t| t == "noindex")
                        && tokens.iter().any(|t| t == "nofollow"))
            },
            ROBOTS_HELP,
        );
    }
    found
}

fn hsts_ok(value: &str) -> bool {
    value.split(';').any(|directive| {
        let directive = directive.trim();
        directive
            .split_once('=')
            .filter(|(name, _)| name.trim().eq_ignore_ascii_case("max-age"))
            .and_then(|(_, seconds)| seconds.trim().trim_matches('"').parse::<u64>().ok())
            .is_some_and(|seconds| seconds >= MIN_HSTS_SECONDS)
    })
}

/// The last recognised token wins, as in browsers.
fn referrer_ok(value: &str) -> bool {
    const KNOWN: &[&str] = &[
        "no-referrer",
        "no-referrer-when-downgrade",
        "same-origin",
        "origin",
        "strict-origin",
        "origin-when-cross-origin",
        "strict-origin-when-cross-origin",
        "unsafe-url",
    ];
    value
        .split(',')
        .map(|t| t.trim().to_ascii_lowercase())
        .rfind(|t| KNOWN.contains(&t.as_str()))
        .is_some_and(|t| STRICT_REFERRER.contains(&t.as_str()))
}

/// The rules of this category, declared once for every output, the
/// documentation check and the fixture harness.
pub const CATEGORY: Category = Category {
    name: "headers",
    title: "`_headers` syntax, limits and security headers",
    security_severity: 6.0,
    rules: &[
        Rule::error(
            "headers/missing-file",
            "no `_headers` at the bundle root",
            "no security header is sent",
            "ship a `_headers` file at the bundle root",
        ),
        Rule::error(
            "headers/syntax",
            "a header line before any pattern, an indented line that is not `Name: value` or `! Name`, more than one splat",
            "Cloudflare ignores or misreads it",
            "fix the line",
        ),
        Rule::error(
            "headers/line-too-long",
            "a line over 2,000 characters",
            "Cloudflare ignores it",
            "shorten it",
        ),
        Rule::error(
            "headers/too-many-rules",
            "more than 100 rules",
            "rules past 100 are ignored (the validator ignores them too)",
            "merge rules",
        ),
        Rule::error(
            "headers/hsts",
            "no `Strict-Transport-Security`, or `max-age` under 15552000",
            "visitors can be downgraded to plain http",
            "`max-age=31536000; includeSubDomains`",
        ),
        Rule::error(
            "headers/nosniff",
            "no `X-Content-Type-Options: nosniff`",
            "MIME sniffing turns uploads into scripts",
            "add `X-Content-Type-Options: nosniff` under `/*`",
        ),
        Rule::error(
            "headers/referrer-policy",
            "missing, or the effective (last known) value is weaker than `strict-origin-when-cross-origin`",
            "URLs leak to other sites",
            "`strict-origin-when-cross-origin` or stricter",
        ),
        Rule::error(
            "headers/permissions-policy",
            "no `Permissions-Policy`",
            "unused powerful features stay available",
            "disable them, e.g. `camera=(), microphone=()`",
        ),
        Rule::error(
            "headers/coop",
            "no `Cross-Origin-Opener-Policy: same-origin`",
            "a window this page opens, or that opens it, keeps a handle on it across origins",
            "add `Cross-Origin-Opener-Policy: same-origin` under `/*`",
        ),
        Rule::error(
            "headers/admin-robots-tag",
            "an admin route without `X-Robots-Tag: noindex, nofollow` (or `none`)",
            "admin surfaces must stay out of search engines even for non-HTML crawlers",
            "add a rule for the admin path",
        ),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsts_needs_six_months() {
        assert!(hsts_ok("max-age=31536000; includeSubDomains"));
        assert!(hsts_ok("MAX-AGE=\"15552000\""));
        assert!(!hsts_ok("max-age=86400"));
        assert!(!hsts_ok("includeSubDomains"));
    }

    #[test]
    fn referrer_policy_last_known_token_wins() {
        assert!(referrer_ok("strict-origin-when-cross-origin"));
        assert!(referrer_ok("unsafe-url, no-referrer"));
        assert!(!referrer_ok("no-referrer, unsafe-url"));
        assert!(!referrer_ok("no-referrer-when-downgrade"));
        assert!(!referrer_ok("bogus"));
    }
}
