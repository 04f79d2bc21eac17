//! `csp`: every HTML route has an enforced Content Security Policy from
//! `_headers` that actually restricts scripts and the other dangerous
//! features. A `<meta>` policy alone cannot carry `frame-ancestors`,
//! `report-uri` or `sandbox`, and a weak policy is no promise at all.
//!
//! `_headers` sends every matching rule's CSP, joined by commas: that makes
//! several policies, and the browser enforces all of them. So a weakness
//! counts only when every policy that governs the feature has it, and a
//! missing directive only when no policy has it.

mod evaluator;

use crate::rule::{Category, Rule};
use std::collections::BTreeMap;
use std::ops::Range;

use crate::coverage::Examined;
use crate::csp::{Directive, Policy};
use crate::emit::{FileFindings, Message};
use crate::rules::route_findings::RouteFindings;
use crate::scan::PageContext;
use crate::site::{Site, routes};
use crate::{Finding, Severity};

const MISSING_HELP: &str =
    "Add a Content-Security-Policy header for this route in _headers (e.g. under `/*`).";
const META_HELP: &str = "Send the policy as a header from _headers; a <meta> CSP cannot carry frame-ancestors, report-uri or sandbox.";
const INLINE_HELP: &str =
    "Remove 'unsafe-inline'; move inline code to self-hosted files or allow it by hash.";
const EVAL_HELP: &str = "Remove 'unsafe-eval'; do not build code from strings.";
const WILDCARD_HELP: &str = "Replace `*` with 'self' (plus any explicitly allowed origin).";
const SCHEME_HELP: &str = "Replace scheme-only sources such as `https:` or `data:` with 'self'.";
const INSECURE_HELP: &str = "Use https sources only.";
const DIRECTIVE_HELP: &str = "Add the directive; the recommended policy is default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'.";

/// Flags a page whose route gets no CSP header.
pub(crate) fn check_page(ctx: &PageContext<'_>, out: &mut FileFindings<'_>) {
    let page_routes = routes(ctx.path);
    out.examine_routes(&CATEGORY, page_routes.len());
    let uncovered: Vec<String> = page_routes
        .into_iter()
        .filter(|route| !ctx.site.has_csp_header(route))
        .collect();
    let Some(first) = uncovered.first() else {
        return;
    };
    let meta = ctx.page.elements.iter().find(|e| {
        e.name == "meta"
            && !e.in_srcdoc
            && e.value("http-equiv")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("content-security-policy"))
    });
    match meta {
        // The policy the page relies on is the `content` value.
        Some(meta) => out.at_span(
            meta.attr("content")
                .or_else(|| meta.attr("http-equiv"))
                .map_or(meta.start..meta.tag_end, |attr| attr.span()),
            Message::error(
                "csp/missing",
                format!(
                    "route {first} has only a <meta> CSP and no Content-Security-Policy header"
                ),
                META_HELP,
            ),
        ),
        // Without `_headers` every page has the one same cause, so every
        // page says the same and the finding is grouped into one.
        None if ctx.site.headers.is_none() => out.whole_file(Message::error(
            "csp/missing",
            "the bundle has no _headers file, so no route gets a Content-Security-Policy header",
            MISSING_HELP,
        )),
        None => out.whole_file(Message::error(
            "csp/missing",
            format!("route {first} gets no Content-Security-Policy header from _headers"),
            MISSING_HELP,
        )),
    }
}

/// One weakness found for a set of routes, before aggregation.
struct Weakness {
    rule: &'static str,
    severity: Severity,
    line: Option<u32>,
    /// The offending name or source expression on that line, when one
    /// word is to blame (a missing directive has none).
    span: Option<Range<usize>>,
    message: String,
    help: &'static str,
}

const BYPASS_HELP: &str = "Drop the host from the script allowlist and self-host the script, or move to a nonce- or hash-based policy with 'strict-dynamic'; hosts that serve JSONP or AngularJS let an injection run any script.";
const SYNTAX_HELP: &str = "Write the policy as CSP defines it: keywords, nonces and hashes in single quotes, known directive names, a `;` between directives.";
const DEPRECATED_HELP: &str = "Remove the directive and use what replaces it.";
const NONCE_HELP: &str = "Use a fresh nonce of at least 128 random bits (22 base64 characters) per response; better, allow inline code by hash.";
const STRICT_DYNAMIC_HELP: &str =
    "Add the nonce or hashes of the scripts that load the others, or drop 'strict-dynamic'.";
const TRUSTED_TYPES_HELP: &str = "Add `require-trusted-types-for 'script'` once the site's scripts pass no strings to DOM sinks; it turns DOM XSS sinks into errors.";

/// Judges the CSP of every HTML route, once per distinct set of matching
/// `_headers` rules, and reports each weakness once at its `_headers` line.
pub(crate) fn check_routes(
    site: &Site,
    headers_text: &str,
    html_paths: &[&str],
    examined: &mut Examined,
) -> Vec<Finding> {
    let mut judged = 0;
    let mut groups: BTreeMap<Vec<u32>, Vec<String>> = BTreeMap::new();
    for path in html_paths {
        for route in routes(path) {
            judged += 1;
            let applied = site.applied_headers(&route);
            let csp_lines: Vec<u32> = applied
                .all("content-security-policy")
                .map(|h| h.line)
                .collect();
            if !csp_lines.is_empty() {
                groups.entry(csp_lines).or_default().push(route);
            }
        }
    }
    let mut collected = RouteFindings::default();
    for routes in groups.into_values() {
        let policies = site.csp_policies(&routes[0]);
        for weakness in judge(&policies) {
            collected.add_at(
                weakness.rule,
                weakness.severity,
                weakness.line,
                weakness.span,
                weakness.message,
                weakness.help,
                routes.iter().cloned(),
            );
        }
    }
    let mut out = FileFindings::new("_headers", headers_text);
    out.examine_routes(&CATEGORY, judged);
    collected.emit(&mut out);
    let (findings, tally) = out.into_parts();
    examined.push(("_headers".to_string(), tally));
    findings
}

/// What lets inline code of one kind run under a directive: a working
/// `'unsafe-inline'`, or a nonce, which in a header every response shares
/// is a password printed on the door.
fn inline_opening(directive: &Directive) -> Option<(String, Option<Range<usize>>)> {
    if directive.allows_unsafe_inline() {
        return Some((
            "'unsafe-inline'".into(),
            directive.span_of("'unsafe-inline'"),
        ));
    }
    let nonce = |s: &str| s.to_ascii_lowercase().starts_with("'nonce-");
    directive.sources.iter().find(|s| nonce(s)).map(|found| {
        (
            format!("the fixed nonce {found}"),
            directive.span_where(nonce),
        )
    })
}

/// Every weakness of a set of enforced policies.
///
/// Inline code is judged under the directives browsers enforce for it
/// (CSP3): `*-src-elem` for `<script>` and `<style>` elements, `*-src-attr`
/// for event handlers and `style=` attributes, each falling back to
/// `*-src` and then `default-src`. When both resolve to the same directive
/// the finding is reported once for the kind.
fn judge(policies: &[(Policy, u32)]) -> Vec<Weakness> {
    let mut found = Vec::new();
    let first_line = policies.first().map(|(_, line)| *line);
    let governing = |directive: &str| -> Vec<(&Directive, u32)> {
        policies
            .iter()
            .filter_map(|(p, line)| p.effective(directive).map(|d| (d, *line)))
            .collect()
    };
    // The opening every governing policy leaves for inline code, if any.
    let inline_open =
        |governing: &[(&Directive, u32)]| -> Option<(String, Option<Range<usize>>, u32)> {
            let openings: Option<Vec<_>> =
                governing.iter().map(|(d, _)| inline_opening(d)).collect();
            let (first, span) = openings?.into_iter().next()?;
            Some((first, span, governing[0].1))
        };
    for (kind, base) in [("scripts", "script"), ("styles", "style")] {
        let elements = governing(&format!("{base}-src-elem"));
        let attributes = governing(&format!("{base}-src-attr"));
        if elements.is_empty() {
            if kind == "scripts" {
                found.push(Weakness {
                    rule: "csp/missing-script-src",
                    severity: Severity::Error,
                    line: first_line,
                    span: None,
                    message: "no policy restricts scripts (neither script-src nor default-src)"
                        .into(),
                    help: DIRECTIVE_HELP,
                });
            }
            continue;
        }
        let same_directives = elements.len() == attributes.len()
            && elements
                .iter()
                .zip(&attributes)
                .all(|((a, _), (b, _))| std::ptr::eq(*a, *b));
        let mut inline = Vec::new();
        if same_directives {
            inline.extend(inline_open(&elements).map(|open| (open, format!("inline {kind}"))));
        } else {
            let (elements_what, attributes_what) = if kind == "scripts" {
                ("inline <script> elements", "inline event handlers")
            } else {
                ("inline <style> elements", "style= attributes")
            };
            inline.extend(inline_open(&elements).map(|open| (open, elements_what.to_owned())));
            inline.extend(inline_open(&attributes).map(|open| (open, attributes_what.to_owned())));
        }
        for ((opening, span, line), what) in inline {
            found.push(Weakness {
                rule: "csp/unsafe-inline",
                severity: Severity::Error,
                line: Some(line),
                span,
                message: format!("{opening} allows {what}"),
                help: INLINE_HELP,
            });
        }
        if kind == "scripts" {
            let all = |list: &[(&Directive, u32)], test: &dyn Fn(&Directive) -> bool| {
                !list.is_empty() && list.iter().all(|(d, _)| test(d))
            };
            let line = Some(elements[0].1);
            let scripts = governing("script-src");
            if all(&scripts, &|d| d.has("'unsafe-eval'")) {
                found.push(Weakness {
                    rule: "csp/unsafe-eval",
                    severity: Severity::Error,
                    line: Some(scripts[0].1),
                    span: scripts[0].0.span_of("'unsafe-eval'"),
                    message: "'unsafe-eval' allows eval() and string timers".into(),
                    help: EVAL_HELP,
                });
            }
            if all(&elements, &|d| d.sources.iter().any(|s| s == "*")) {
                found.push(Weakness {
                    rule: "csp/wildcard-source",
                    severity: Severity::Error,
                    line,
                    span: elements[0].0.span_of("*"),
                    message: "`*` lets scripts load from any host".into(),
                    help: WILDCARD_HELP,
                });
            }
            if all(&elements, &|d| d.sources.iter().any(|s| is_scheme_only(s))) {
                found.push(Weakness {
                    rule: "csp/scheme-source",
                    severity: Severity::Error,
                    line,
                    span: elements[0].0.span_where(is_scheme_only),
                    message: "a scheme-only source (like `https:` or `data:`) lets scripts load from anywhere".into(),
                    help: SCHEME_HELP,
                });
            }
            // A known bypass counts when every governing policy allows
            // that same URL; 'unsafe-eval' opens the eval-only ones.
            let eval = all(&scripts, &|d| d.has("'unsafe-eval'"));
            let mut per_policy = elements.iter().map(|(d, _)| evaluator::bypasses(d, eval));
            if let Some(first) = per_policy.next() {
                let others: Vec<_> = per_policy.collect();
                let shared = first.into_iter().filter(|(bypass, _)| {
                    others
                        .iter()
                        .all(|list| list.iter().any(|(b, _)| std::ptr::eq(*b, *bypass)))
                });
                let mut named = std::collections::BTreeSet::new();
                for (bypass, source) in shared {
                    if named.insert(source.clone()) {
                        found.push(Weakness {
                            rule: "csp/allowlist-bypass",
                            severity: Severity::Error,
                            line,
                            span: elements[0].0.span_of(&source),
                            message: format!(
                                "script source `{source}` allows {}, which serves {} \
                                 (https://{}{}) that runs any script an attacker names",
                                bypass.host, bypass.kind, bypass.host, bypass.path
                            ),
                            help: BYPASS_HELP,
                        });
                    }
                }
            }
        }
    }
    let insecure = |s: &str| {
        let lower = s.to_ascii_lowercase();
        lower == "http:"
            || lower.starts_with("http://")
            || lower == "ws:"
            || lower.starts_with("ws://")
    };
    for (policy, line) in policies {
        for directive in &policy.directives {
            if let Some(span) = directive.span_where(insecure) {
                found.push(Weakness {
                    rule: "csp/insecure-source",
                    severity: Severity::Error,
                    line: Some(*line),
                    span: Some(span),
                    message: format!("{} allows plain-http sources", directive.name),
                    help: INSECURE_HELP,
                });
            }
        }
    }
    for (policy, line) in policies {
        for mistake in evaluator::syntax_mistakes(policy) {
            let help = match mistake.rule {
                "csp/deprecated-directive" => DEPRECATED_HELP,
                "csp/weak-nonce" => NONCE_HELP,
                "csp/strict-dynamic-without-nonce" => STRICT_DYNAMIC_HELP,
                _ => SYNTAX_HELP,
            };
            found.push(Weakness {
                rule: mistake.rule,
                severity: mistake.severity,
                line: Some(*line),
                span: Some(mistake.span),
                message: mistake.message,
                help,
            });
        }
    }
    let any = |test: &dyn Fn(&Policy) -> bool| policies.iter().any(|(p, _)| test(p));
    if !any(&|p| {
        p.get("require-trusted-types-for")
            .is_some_and(|d| d.has("'script'"))
    }) {
        found.push(Weakness {
            rule: "csp/missing-trusted-types",
            severity: Severity::Warning,
            line: first_line,
            span: None,
            message: "no policy sets require-trusted-types-for 'script'".into(),
            help: TRUSTED_TYPES_HELP,
        });
    }
    let required: [(&str, &str, bool); 4] = [
        (
            "csp/missing-object-src",
            "no policy sets object-src 'none' (or default-src 'none')",
            any(&|p| p.effective("object-src").is_some_and(Directive::is_none)),
        ),
        (
            "csp/missing-base-uri",
            "no policy sets base-uri",
            any(&|p| p.get("base-uri").is_some()),
        ),
        (
            "csp/missing-frame-ancestors",
            "no policy sets frame-ancestors",
            any(&|p| p.get("frame-ancestors").is_some()),
        ),
        (
            "csp/missing-form-action",
            "no policy sets form-action",
            any(&|p| p.get("form-action").is_some()),
        ),
    ];
    for (rule, message, present) in required {
        if !present {
            found.push(Weakness {
                rule,
                severity: Severity::Error,
                line: first_line,
                span: None,
                message: message.into(),
                help: DIRECTIVE_HELP,
            });
        }
    }
    found
}

/// `https:`, `data:`, `blob:` and the like: a scheme with nothing after it.
fn is_scheme_only(source: &str) -> bool {
    source.len() > 1
        && source.ends_with(':')
        && source[..source.len() - 1]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// The rules of this category, declared once for every output, the
/// documentation check and the fixture harness.
pub const CATEGORY: Category = Category {
    name: "csp",
    title: "an enforced, strict Content Security Policy",
    security_severity: 7.5,
    rules: &[
        Rule::error(
            "csp/missing",
            "an HTML route with no CSP header (also when only a `<meta>` CSP exists)",
            "a meta CSP cannot carry `frame-ancestors`, `report-uri` or `sandbox`, and without any CSP nothing stops injected script",
            "add a `Content-Security-Policy` under `/*` in `_headers`",
        ),
        Rule::error(
            "csp/missing-script-src",
            "no `script-src` or `default-src` in any policy",
            "scripts are not restricted at all",
            "add `default-src 'none'; script-src 'self'`",
        ),
        Rule::error(
            "csp/unsafe-inline",
            "`'unsafe-inline'` in force for scripts or styles (not neutralised by a hash, nonce or `'strict-dynamic'`), or a nonce, which a static header sends unchanged with every response; judged under the directives browsers enforce (`script-src-elem`, `script-src-attr`, `style-src-elem`, `style-src-attr`, with their CSP3 fallbacks)",
            "inline injection runs",
            "remove it; move code to files or allow it by hash",
        ),
        Rule::error(
            "csp/unsafe-eval",
            "`'unsafe-eval'` for scripts",
            "strings become code",
            "remove it",
        ),
        Rule::error(
            "csp/wildcard-source",
            "`*` in the script sources",
            "any host may serve script",
            "use `'self'`",
        ),
        Rule::error(
            "csp/scheme-source",
            "scheme-only sources (`https:`, `data:`, `blob:` …) for scripts",
            "anything on that scheme may serve script",
            "use `'self'`",
        ),
        Rule::error(
            "csp/insecure-source",
            "`http:`/`ws:` sources anywhere",
            "a network attacker can swap the content",
            "use https",
        ),
        Rule::error(
            "csp/missing-object-src",
            "no `object-src 'none'` (directly or through `default-src 'none'`)",
            "plugins bypass script restrictions",
            "add `object-src 'none'`",
        ),
        Rule::error(
            "csp/missing-base-uri",
            "no `base-uri`",
            "an injected `<base>` redirects relative scripts",
            "add `base-uri 'none'`",
        ),
        Rule::error(
            "csp/missing-frame-ancestors",
            "no `frame-ancestors`",
            "any site can frame the page (clickjacking)",
            "add `frame-ancestors 'none'`",
        ),
        Rule::error(
            "csp/missing-form-action",
            "no `form-action`",
            "injected forms post anywhere",
            "add `form-action 'self'`",
        ),
        Rule::error(
            "csp/allowlist-bypass",
            "a script source (in `script-src-elem`, `script-src` or `default-src`, in every governing policy) that allows a host known to serve a JSONP endpoint or AngularJS, the bypasses Google's CSP Evaluator lists (`*.googleapis.com`, `ajax.googleapis.com`, `cdnjs.cloudflare.com`, `*.gstatic.com`, `cdn.jsdelivr.net`, `www.google.com`, `*.doubleclick.net`, `graph.facebook.com`, …; Tag Manager's and Google Analytics' endpoints only with `'unsafe-eval'`), matched as CSP matches host sources (wildcards, paths); ignored when `'strict-dynamic'` with a nonce or hash makes browsers drop host sources",
            "an injection loads the JSONP callback or AngularJS from the allowed host and runs any script",
            "self-host the script, or use a hash-based policy",
        ),
        Rule::error(
            "csp/unquoted-keyword",
            "a keyword, nonce or hash written without single quotes (`self`, `none`, `unsafe-inline`, `nonce-…`, `sha256-…`), or a quoted word that is no CSP keyword (`'notakeyword'`)",
            "browsers read a bare word as a host name, so the policy means something else than it says",
            "quote it: `'self'`",
        ),
        Rule::error(
            "csp/unknown-directive",
            "a directive name browsers do not know, with the known one it is closest to (`frame-ancestor` → `frame-ancestors`, `script-src:` → no colon)",
            "browsers ignore it, so the protection it was meant to give is missing",
            "spell it as CSP does",
        ),
        Rule::error(
            "csp/missing-semicolon",
            "a directive name inside another directive's value (`script-src 'self' object-src 'none'`)",
            "the second directive is only a source of the first",
            "put a `;` between directives",
        ),
        Rule::warning(
            "csp/deprecated-directive",
            "`reflected-xss`, `referrer`, `plugin-types`, `prefetch-src`, `block-all-mixed-content`, `require-sri-for`, `navigate-to`, `disown-opener`",
            "browsers ignore them",
            "use what replaces them (Referrer-Policy, `object-src 'none'`, …)",
        ),
        Rule::warning(
            "csp/weak-nonce",
            "a nonce shorter than 8 characters",
            "it can be guessed (a nonce in a static header is already `csp/unsafe-inline`)",
            "use 128 random bits per response, or hashes",
        ),
        Rule::warning(
            "csp/strict-dynamic-without-nonce",
            "`'strict-dynamic'` in `script-src`, `script-src-elem` or `default-src` without a nonce or hash",
            "CSP3 browsers then block every script",
            "add the hashes of the loader scripts",
        ),
        Rule::warning(
            "csp/missing-trusted-types",
            "no policy sets `require-trusted-types-for 'script'`",
            "DOM XSS sinks accept strings",
            "add it once scripts use no string sinks",
        ),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csp::parse_list;

    /// The error rules of a policy list.
    fn rules_for(value: &str) -> Vec<&'static str> {
        let policies: Vec<_> = parse_list(value).into_iter().map(|p| (p, 1)).collect();
        judge(&policies)
            .into_iter()
            .filter(|w| w.severity == Severity::Error)
            .map(|w| w.rule)
            .collect()
    }

    /// The warning rules of a policy list.
    fn warnings_for(value: &str) -> Vec<&'static str> {
        let policies: Vec<_> = parse_list(value).into_iter().map(|p| (p, 1)).collect();
        judge(&policies)
            .into_iter()
            .filter(|w| w.severity == Severity::Warning)
            .map(|w| w.rule)
            .collect()
    }

    #[test]
    fn csp_evaluator_mistakes_are_judged() {
        assert_eq!(warnings_for(STRICT), ["csp/missing-trusted-types"]);
        let trusted = format!("{STRICT}; require-trusted-types-for 'script'");
        assert!(warnings_for(&trusted).is_empty());
        assert!(rules_for(&trusted).is_empty());
        let bypass = STRICT.replace(
            "script-src 'self'",
            "script-src 'self' https://*.googleapis.com",
        );
        assert_eq!(rules_for(&bypass), ["csp/allowlist-bypass"]);
        // A second policy without the host closes the bypass.
        assert!(rules_for(&format!("{bypass}, script-src 'self'")).is_empty());
        let unquoted = STRICT.replace("script-src 'self'", "script-src self");
        assert_eq!(rules_for(&unquoted), ["csp/unquoted-keyword"]);
        let typo = STRICT.replace("frame-ancestors", "frame-ancestor");
        assert!(rules_for(&typo).contains(&"csp/unknown-directive"));
        assert!(rules_for(&typo).contains(&"csp/missing-frame-ancestors"));
        let deprecated = format!("{trusted}; reflected-xss block");
        assert_eq!(warnings_for(&deprecated), ["csp/deprecated-directive"]);
    }

    const STRICT: &str = "default-src 'none'; script-src 'self'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; object-src 'none'";

    #[test]
    fn strict_policy_passes() {
        assert!(rules_for(STRICT).is_empty());
    }

    #[test]
    fn weak_sources_are_found_through_fallback() {
        let rules = rules_for(
            "default-src 'self' 'unsafe-inline' 'unsafe-eval' https: *; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        );
        for rule in [
            "csp/unsafe-inline",
            "csp/unsafe-eval",
            "csp/wildcard-source",
            "csp/scheme-source",
            "csp/missing-object-src",
        ] {
            assert!(rules.contains(&rule), "{rule} missing from {rules:?}");
        }
    }

    #[test]
    fn inline_code_is_judged_under_the_elem_and_attr_directives() {
        let with = |extra: &str| rules_for(&format!("{STRICT}; {extra}"));
        assert!(with("script-src-elem 'self' 'unsafe-inline'").contains(&"csp/unsafe-inline"));
        assert!(with("script-src-attr 'unsafe-inline'").contains(&"csp/unsafe-inline"));
        assert!(with("style-src-attr 'unsafe-inline'").contains(&"csp/unsafe-inline"));
        // A hash neutralises 'unsafe-inline' in the directive that has it.
        let hashed =
            "script-src-elem 'unsafe-inline' 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='";
        assert!(!with(hashed).contains(&"csp/unsafe-inline"));
        // A fixed nonce in a header opens inline scripts to anyone.
        let nonce =
            rules_for(&STRICT.replace("script-src 'self'", "script-src 'self' 'nonce-abc'"));
        assert_eq!(nonce, ["csp/unsafe-inline"]);
        // Both kinds resolving to one directive give one finding.
        let weak = rules_for(&STRICT.replace("script-src 'self'", "script-src 'unsafe-inline'"));
        assert_eq!(weak, ["csp/unsafe-inline"]);
    }

    #[test]
    fn a_second_strict_policy_neutralises_a_weak_one() {
        let joined = format!("script-src 'unsafe-inline' *, {STRICT}");
        assert!(rules_for(&joined).is_empty(), "{:?}", rules_for(&joined));
    }

    #[test]
    fn missing_directives_and_http_sources() {
        let rules = rules_for("script-src 'self' http://cdn.example");
        assert!(rules.contains(&"csp/insecure-source"));
        assert!(rules.contains(&"csp/missing-base-uri"));
        assert!(rules.contains(&"csp/missing-frame-ancestors"));
        assert!(rules.contains(&"csp/missing-form-action"));
        assert!(rules.contains(&"csp/missing-object-src"));
        assert!(rules_for("img-src 'self'").contains(&"csp/missing-script-src"));
    }
}
