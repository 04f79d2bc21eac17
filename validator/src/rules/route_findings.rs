//! Findings about `_headers` that hold for many routes at once, reported
//! once per `_headers` line with the routes they affect.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::Severity;
use crate::emit::{FileFindings, Message};

/// One finding before its routes are known in full.
struct Entry {
    rule: &'static str,
    /// The bytes of the line to underline, when one word is to blame.
    span: Option<Range<usize>>,
    severity: Severity,
    message: String,
    help: &'static str,
    routes: Vec<String>,
}

/// Collects route-level findings keyed by line, rule and message.
#[derive(Default)]
pub(crate) struct RouteFindings {
    entries: BTreeMap<(Option<u32>, &'static str, String), Entry>,
}

impl RouteFindings {
    /// Records that `route` has the problem `message` at `_headers` `line`
    /// (`None` when no line of the file is to blame).
    pub(crate) fn add(
        &mut self,
        rule: &'static str,
        line: Option<u32>,
        message: String,
        help: &'static str,
        routes: impl IntoIterator<Item = String>,
    ) {
        self.add_at(rule, Severity::Error, line, None, message, help, routes);
    }

    /// Like [`RouteFindings::add`], for a finding of any severity that
    /// may point at bytes `span` of its line.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add_at(
        &mut self,
        rule: &'static str,
        severity: Severity,
        line: Option<u32>,
        span: Option<Range<usize>>,
        message: String,
        help: &'static str,
        routes: impl IntoIterator<Item = String>,
    ) {
        self.entries
            .entry((line, rule, message.clone()))
            .or_insert_with(|| Entry {
                rule,
                span,
                severity,
                message,
                help,
                routes: Vec::new(),
            })
            .routes
            .extend(routes);
    }

    /// Emits one finding per entry into `out` (the `_headers` file), naming
    /// the first affected route and how many more there are.
    pub(crate) fn emit(self, out: &mut FileFindings<'_>) {
        for ((line, _, _), mut entry) in self.entries {
            entry.routes.sort();
            entry.routes.dedup();
            let scope = match entry.routes.len() {
                0 => String::new(),
                1 => format!(" (route {})", entry.routes[0]),
                n => format!(" (route {} and {} more)", entry.routes[0], n - 1),
            };
            let message = Message {
                rule: entry.rule,
                severity: entry.severity,
                message: format!("{}{scope}", entry.message),
                help: entry.help,
            };
            match (line, entry.span) {
                (Some(line), Some(span)) => out.at_line_span(line, span, message),
                (Some(line), None) => out.at_line(line, message),
                (None, _) => out.whole_file(message),
            }
        }
    }
}
