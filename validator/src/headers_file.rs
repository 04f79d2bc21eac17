//! Parser and matcher for Cloudflare's `_headers` file.
//!
//! The syntax: a URL pattern on an unindented line, then indented
//! `Name: value` lines that apply to every request matching it, `! Name`
//! lines that detach a header set by a broader rule, and `#` comments.
//! Patterns may hold one splat (`*`, any characters) and placeholders
//! (`:name`, one path segment), and may be absolute URLs that also match
//! the host. Every matching rule applies; a header set by several rules is
//! sent once with the values joined by `, `. Cloudflare accepts at most
//! 100 rules and 2,000 characters a line.

use regex::{Regex, RegexSet};

/// Cloudflare's limit on header rules in one file.
pub const MAX_RULES: usize = 100;
/// Cloudflare's limit on the length of one line.
pub const MAX_LINE_CHARS: usize = 2_000;

/// One `Name: value` line.
#[derive(Debug, Clone)]
pub struct HeaderLine {
    /// Lowercased header name.
    pub name: String,
    pub value: String,
    /// 1-based line number in `_headers`.
    pub line: u32,
    /// Byte offset of the value in its line, so that findings can point
    /// into it.
    pub value_offset: usize,
}

/// One URL pattern with its header lines.
#[derive(Debug, Clone)]
pub struct Rule {
    pub pattern: String,
    pub line: u32,
    pub headers: Vec<HeaderLine>,
    /// Lowercased names detached with `! Name`.
    pub detached: Vec<String>,
    /// The host an absolute-URL pattern matches; `None` for a path.
    host: Option<HostPattern>,
}

/// The host part of an absolute-URL pattern.
#[derive(Debug, Clone)]
enum HostPattern {
    Matching(Regex),
    /// A pattern too large to compile, which matches nothing.
    Unmatchable,
}

/// Something wrong with the file itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub line: u32,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    Syntax,
    LineTooLong,
    TooManyRules,
}

/// A parsed `_headers` file.
#[derive(Debug, Clone)]
pub struct HeadersFile {
    pub rules: Vec<Rule>,
    pub problems: Vec<Problem>,
    paths: RegexSet,
}

impl Default for HeadersFile {
    fn default() -> Self {
        HeadersFile {
            rules: Vec::new(),
            problems: Vec::new(),
            paths: RegexSet::empty(),
        }
    }
}

/// The headers a path receives: every header line of every matching rule,
/// in file order, minus those detached by a later matching rule.
#[derive(Debug, Clone, Default)]
pub struct Applied<'a> {
    pub lines: Vec<&'a HeaderLine>,
    /// 1-based line numbers of the matching rules' patterns.
    pub rule_lines: Vec<u32>,
}

impl<'a> Applied<'a> {
    /// Every line that sets `name` (lowercase).
    pub fn all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'a HeaderLine> + 's {
        self.lines.iter().copied().filter(move |h| h.name == name)
    }

    /// The value a client sees for `name`: all values joined with `, `,
    /// with the line of the first.
    pub fn joined(&self, name: &str) -> Option<(String, u32)> {
        let mut lines = self.all(name);
        let first = lines.next()?;
        let mut value = first.value.clone();
        for more in lines {
            value.push_str(", ");
            value.push_str(&more.value);
        }
        Some((value, first.line))
    }
}

/// What one line of `_headers` is, as Cloudflare reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineKind {
    /// Longer than [`MAX_LINE_CHARS`]: ignored.
    TooLong,
    /// Empty or a `#` comment.
    Blank,
    /// An unindented line: a URL pattern that starts a rule.
    Pattern,
    /// An indented line: a header of the rule above.
    Header,
}

fn line_kind(raw_line: &str) -> LineKind {
    if raw_line.chars().count() > MAX_LINE_CHARS {
        return LineKind::TooLong;
    }
    let trimmed = raw_line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        LineKind::Blank
    } else if raw_line.starts_with([' ', '\t']) {
        LineKind::Header
    } else {
        LineKind::Pattern
    }
}

/// Where `_headers` text goes past Cloudflare's limits: every line longer
/// than [`MAX_LINE_CHARS`], and more than [`MAX_RULES`] rules. This is the
/// one reading of the limits: the validator reports these problems, and the
/// site generator refuses to write a `_headers` that has any.
pub fn limit_problems(text: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut rules = 0usize;
    let mut first_ignored_rule = None;
    for (index, raw_line) in text.lines().enumerate() {
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        match line_kind(raw_line) {
            LineKind::TooLong => problems.push(Problem {
                kind: ProblemKind::LineTooLong,
                line,
                message: format!(
                    "line is longer than Cloudflare's limit of {MAX_LINE_CHARS} characters and is ignored"
                ),
            }),
            LineKind::Pattern => {
                rules += 1;
                if rules == MAX_RULES + 1 {
                    first_ignored_rule = Some(line);
                }
            }
            LineKind::Blank | LineKind::Header => {}
        }
    }
    if let Some(line) = first_ignored_rule {
        problems.push(Problem {
            kind: ProblemKind::TooManyRules,
            line,
            message: format!(
                "{rules} rules; Cloudflare applies at most {MAX_RULES} and ignores the rest"
            ),
        });
    }
    problems
}

impl HeadersFile {
    /// Parses the file. Problems are collected, never fatal.
    pub fn parse(text: &str) -> HeadersFile {
        let mut rules: Vec<Rule> = Vec::new();
        let mut path_patterns = Vec::new();
        let mut problems = limit_problems(text);
        for (index, raw_line) in text.lines().enumerate() {
            let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let kind = line_kind(raw_line);
            if matches!(kind, LineKind::TooLong | LineKind::Blank) {
                continue;
            }
            let trimmed = raw_line.trim();
            if kind == LineKind::Pattern {
                // Rules past Cloudflare's limit never apply, so they are
                // not compiled: a file of many thousands of rules costs no
                // more than one of a hundred.
                let applies = rules.len() < MAX_RULES;
                let (host, path) = split_pattern(trimmed);
                let host = host.filter(|_| applies).map(|h| match compile(&h, true) {
                    Some(regex) => HostPattern::Matching(regex),
                    None => {
                        problems.push(Problem {
                            kind: ProblemKind::Syntax,
                            line,
                            message: "the host of this URL pattern is too large to match".into(),
                        });
                        HostPattern::Unmatchable
                    }
                });
                rules.push(Rule {
                    pattern: trimmed.to_string(),
                    line,
                    headers: Vec::new(),
                    detached: Vec::new(),
                    host,
                });
                if applies {
                    path_patterns.push(pattern_regex(&path, false));
                }
                continue;
            }
            let Some(rule) = rules.last_mut() else {
                problems.push(Problem {
                    kind: ProblemKind::Syntax,
                    line,
                    message: "header line before any URL pattern".into(),
                });
                continue;
            };
            if let Some(name) = trimmed.strip_prefix('!') {
                let name = name.trim();
                if valid_header_name(name) {
                    rule.detached.push(name.to_ascii_lowercase());
                } else {
                    problems.push(Problem {
                        kind: ProblemKind::Syntax,
                        line,
                        message: "`!` must be followed by a header name".into(),
                    });
                }
                continue;
            }
            match trimmed.split_once(':') {
                Some((name, value)) if valid_header_name(name.trim()) => {
                    let value = value.trim();
                    rule.headers.push(HeaderLine {
                        name: name.trim().to_ascii_lowercase(),
                        value: value.to_string(),
                        line,
                        // The value is a slice of the line.
                        value_offset: value.as_ptr() as usize - raw_line.as_ptr() as usize,
                    });
                }
                _ => problems.push(Problem {
                    kind: ProblemKind::Syntax,
                    line,
                    message: "expected `Name: value` or `! Name` on an indented line".into(),
                }),
            }
        }
        for rule in &rules {
            if rule.pattern.matches('*').count() > 1 {
                problems.push(Problem {
                    kind: ProblemKind::Syntax,
                    line: rule.line,
                    message: "a URL pattern may hold only one splat (`*`)".into(),
                });
            }
        }
        let paths = RegexSet::new(&path_patterns).unwrap_or_else(|_| {
            // No rule can be matched, so no route gets any header: the
            // header rules then report every route, as they should.
            problems.push(Problem {
                kind: ProblemKind::Syntax,
                line: rules.first().map_or(1, |rule| rule.line),
                message: "the URL patterns are too large to match".into(),
            });
            RegexSet::empty()
        });
        HeadersFile {
            rules,
            problems,
            paths,
        }
    }

    /// The headers a request for `path` on `host` receives. `host` is the
    /// site's host when known; absolute-URL rules apply only when it matches.
    pub fn applied(&self, path: &str, host: Option<&str>) -> Applied<'_> {
        let mut matching: Vec<&Rule> = Vec::new();
        for index in self.paths.matches(path).iter() {
            if index >= MAX_RULES {
                continue;
            }
            let rule = &self.rules[index];
            let host_ok = match (&rule.host, host) {
                (None, _) => true,
                (Some(HostPattern::Matching(pattern)), Some(host)) => pattern.is_match(host),
                (Some(HostPattern::Unmatchable), Some(_)) => false,
                (Some(_), None) => false,
            };
            if host_ok {
                matching.push(rule);
            }
        }
        // `! Name` removes the header as set by earlier (broader) rules;
        // the detaching rule may set it afresh.
        let mut lines: Vec<&HeaderLine> = Vec::new();
        for rule in &matching {
            lines.retain(|h| !rule.detached.contains(&h.name));
            lines.extend(rule.headers.iter());
        }
        Applied {
            lines,
            rule_lines: matching.iter().map(|r| r.line).collect(),
        }
    }
}

fn valid_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Splits an absolute-URL pattern into host and path patterns.
fn split_pattern(pattern: &str) -> (Option<String>, String) {
    let rest = pattern
        .strip_prefix("https://")
        .or_else(|| pattern.strip_prefix("http://"))
        .or_else(|| pattern.strip_prefix("//"));
    match rest {
        Some(rest) => match rest.find('/') {
            Some(slash) => (Some(rest[..slash].to_string()), rest[slash..].to_string()),
            None => (Some(rest.to_string()), "/".to_string()),
        },
        None => (None, pattern.to_string()),
    }
}

/// The regex for a pattern, or `None` if it cannot be built (it is too
/// large for the regex engine's limits).
fn compile(pattern: &str, host: bool) -> Option<Regex> {
    Regex::new(&pattern_regex(pattern, host)).ok()
}

/// Turns a pattern into an anchored regex: `*` matches anything and
/// `:name` one path segment (or one host label).
fn pattern_regex(pattern: &str, host: bool) -> String {
    let mut out = String::from("^");
    let mut chars = pattern.chars().peekable();
    let segment = if host { "[^.]+" } else { "[^/]+" };
    while let Some(c) = chars.next() {
        match c {
            '*' => out.push_str(".*"),
            ':' if chars.peek().is_some_and(|n| n.is_ascii_alphabetic()) => {
                while chars
                    .peek()
                    .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '_')
                {
                    chars.next();
                }
                out.push_str(segment);
            }
            other => out.push_str(&regex::escape(&other.to_string())),
        }
    }
    out.push('$');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
# Security headers for every page
/*
  X-Frame-Options: DENY
  Content-Security-Policy: default-src 'self'

/assets/*
  Cache-Control: public, max-age=31536000, immutable
  ! X-Frame-Options

/blog/:slug/
  X-Robots-Tag: noindex
  Content-Security-Policy: script-src 'none'

https://:project.example/*
  X-Robots-Tag: nofollow
";

    #[test]
    fn every_matching_rule_applies_and_values_join() {
        let file = HeadersFile::parse(SAMPLE);
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        assert_eq!(file.rules.len(), 4);
        let applied = file.applied("/blog/hello/", None);
        assert_eq!(applied.rule_lines, [2, 10]);
        assert_eq!(
            applied.joined("content-security-policy"),
            Some(("default-src 'self', script-src 'none'".to_string(), 4))
        );
        assert_eq!(applied.all("x-frame-options").count(), 1);
    }

    #[test]
    fn detach_removes_a_header_from_broader_rules() {
        let file = HeadersFile::parse(SAMPLE);
        let applied = file.applied("/assets/site.css", None);
        assert_eq!(applied.all("x-frame-options").count(), 0);
        assert!(applied.joined("cache-control").is_some());
    }

    #[test]
    fn a_detaching_rule_may_set_the_header_again() {
        let file = HeadersFile::parse(
            "/*\n  Content-Security-Policy: strict\n/a/*\n  ! Content-Security-Policy\n  Content-Security-Policy: weak\n/*\n  Content-Security-Policy: late\n",
        );
        let applied = file.applied("/a/x", None);
        assert_eq!(
            applied.joined("content-security-policy").map(|(v, _)| v),
            Some("weak, late".to_string())
        );
    }

    #[test]
    fn placeholders_match_one_segment_and_hosts_must_match() {
        let file = HeadersFile::parse(SAMPLE);
        assert!(
            file.applied("/blog/a/b/", None)
                .joined("x-robots-tag")
                .is_none()
        );
        assert!(
            file.applied("/", Some("www.example"))
                .joined("x-robots-tag")
                .is_some()
        );
        assert!(
            file.applied("/", Some("www.other"))
                .joined("x-robots-tag")
                .is_none()
        );
        assert!(file.applied("/", None).joined("x-robots-tag").is_none());
    }

    #[test]
    fn syntax_problems_and_limits_are_reported_with_lines() {
        let long = format!("/x\n  X-Long: {}\n", "a".repeat(MAX_LINE_CHARS));
        let file = HeadersFile::parse(&format!("  Early: 1\n/*/*\n  not a header\n  !\n{long}"));
        let kinds: Vec<_> = file.problems.iter().map(|p| (p.kind, p.line)).collect();
        assert!(kinds.contains(&(ProblemKind::Syntax, 1)));
        assert!(kinds.contains(&(ProblemKind::Syntax, 2)));
        assert!(kinds.contains(&(ProblemKind::Syntax, 3)));
        assert!(kinds.contains(&(ProblemKind::Syntax, 4)));
        assert!(kinds.contains(&(ProblemKind::LineTooLong, 6)));

        let many: String = (0..=MAX_RULES)
            .map(|i| format!("/p{i}\n  A: b\n"))
            .collect();
        let file = HeadersFile::parse(&many);
        assert_eq!(file.problems[0].kind, ProblemKind::TooManyRules);
        // Rules past the limit never apply.
        assert!(
            file.applied(&format!("/p{MAX_RULES}"), None)
                .lines
                .is_empty()
        );
        assert_eq!(file.applied("/p0", None).lines.len(), 1);
    }

    mod fuzz {
        use super::super::*;
        use crate::fuzz;
        use proptest::prelude::*;

        fn headers_text() -> impl Strategy<Value = String> {
            let line = prop_oneof![
                Just("/*".to_string()),
                Just("/blog/:slug/*".to_string()),
                Just("https://:sub.example/*".to_string()),
                Just("/a/*/b/*".to_string()),
                Just("  Content-Security-Policy: default-src 'self'".to_string()),
                Just("  X-Robots-Tag: noindex".to_string()),
                Just("  ! Content-Security-Policy".to_string()),
                Just("  !".to_string()),
                Just("\tBad Header Line".to_string()),
                Just("# comment".to_string()),
                Just(String::new()),
                fuzz::noise(),
                (fuzz::noise(), fuzz::noise()).prop_map(|(a, b)| format!("  {a}: {b}")),
            ];
            prop::collection::vec(line, 0..30).prop_map(|lines| lines.join("\n"))
        }

        proptest! {
            #![proptest_config(fuzz::config())]

            /// Rules and problems carry real line numbers, and matching any
            /// path applies only rules of the file, in file order.
            #[test]
            fn fuzz_headers_lines_and_matches_are_consistent(
                text in headers_text(),
                path in fuzz::noise(),
            ) {
                let file = HeadersFile::parse(&text);
                let lines = u32::try_from(text.lines().count()).unwrap_or(u32::MAX);
                prop_assert!(file.rules.windows(2).all(|pair| pair[0].line < pair[1].line));
                for rule in &file.rules {
                    prop_assert!(rule.line >= 1 && rule.line <= lines);
                    for header in &rule.headers {
                        prop_assert!(header.line > rule.line && header.line <= lines);
                        // The value sits in its line at its offset.
                        let line = text.lines().nth(header.line as usize - 1).unwrap_or("");
                        prop_assert_eq!(
                            line.get(header.value_offset..header.value_offset + header.value.len()),
                            Some(header.value.as_str())
                        );
                    }
                }
                for problem in &file.problems {
                    prop_assert!(problem.line >= 1 && problem.line <= lines.max(1));
                }
                for path in [format!("/{path}"), "/".to_string(), "/blog/x/".to_string()] {
                    let applied = file.applied(&path, Some("www.example"));
                    prop_assert!(applied.rule_lines.windows(2).all(|pair| pair[0] < pair[1]));
                    prop_assert!(applied.rule_lines.iter().all(|line| file.rules.iter().any(|r| r.line == *line)));
                }
            }
        }
    }
}
