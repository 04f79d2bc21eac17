//! Tera templates from `templates/`, compiled once per build, the limits
//! they render under, and the mapping of Tera's error locations back to
//! template files.
//!
//! Every page renders under limits, and going past one is an error naming
//! the template: loop iterations and component calls draw on a budget of
//! [`MAX_TEMPLATE_STEPS_PER_PAGE`] steps (counted by calls the build adds
//! to each loop and component body, see [`crate::template_steps`]); the
//! page is rendered into a writer that stops the render as soon as the
//! page outgrows [`MAX_PAGE_BYTES`]; `range()` draws on a budget of
//! [`MAX_RANGE_ITEMS_PER_PAGE`] elements per page, so no single loop
//! header can allocate a huge list; components nest at most
//! [`MAX_COMPONENT_DEPTH`] deep (Tera's own limit); and include and
//! extends cycles are refused when the templates are compiled.

use std::cell::Cell;
use std::io::Write;
use std::path::Path;

use tera::{Context, ErrorKind, Kwargs, State, Tera, TeraResult};

use crate::error::{Error, SourceSpot};
use crate::limits::{
    MAX_COMPONENT_DEPTH, MAX_PAGE_BYTES, MAX_RANGE_ITEMS_PER_PAGE, MAX_TEMPLATE_STEPS_PER_PAGE,
};
use crate::{source_text, template_steps};

/// Name of the templates folder inside a site folder.
pub const TEMPLATES_DIR: &str = "templates";

/// The compiled templates of a site.
pub struct Templates {
    tera: Tera,
    /// What the site functions of [`crate::template_functions`] read.
    functions: crate::template_functions::Shared,
    /// Largest page a render may write: the validator's file cap for this
    /// site, so no page is written that the gate could not judge.
    page_limit: usize,
}

impl Templates {
    /// Compiles every `*.html` file under `templates_dir`. Names are paths
    /// relative to that folder (`page.html`, `partials/nav.html`). All
    /// syntax errors are reported, not only the first.
    pub fn load(templates_dir: &Path) -> Result<Self, Error> {
        let mut sources = Vec::new();
        if templates_dir.is_dir() {
            for entry in walkdir::WalkDir::new(templates_dir).sort_by_file_name() {
                let entry = entry.map_err(|e| {
                    let path = e.path().unwrap_or(templates_dir).to_path_buf();
                    Error::io("cannot walk templates", path, e.into())
                })?;
                if !entry.file_type().is_file()
                    || entry.path().extension().is_none_or(|ext| ext != "html")
                {
                    continue;
                }
                let name = entry
                    .path()
                    .strip_prefix(templates_dir)
                    .unwrap_or(entry.path())
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let bytes = std::fs::read(entry.path())
                    .map_err(|e| Error::io("cannot read template", entry.path(), e))?;
                let file = format!("{TEMPLATES_DIR}/{}", source_text::escape(&name));
                let text = source_text::decode(&file, bytes)
                    .and_then(|text| source_text::check(&file, &text).map(|()| text))
                    .map_err(|(spot, problem)| Error::SourceText { spot, problem })?;
                sources.push((name, text));
            }
        }
        Self::from_sources(&sources)
    }

    /// Compiles templates given as `(name, text)` pairs.
    pub fn from_sources(sources: &[(String, String)]) -> Result<Self, Error> {
        let instrumented: Vec<(&str, String)> = sources
            .iter()
            .map(|(name, text)| (name.as_str(), template_steps::instrument(text)))
            .collect();
        let (mut tera, functions) = new_tera();
        if tera.add_raw_templates(instrumented).is_err() {
            // Report errors against the templates as written. The batch
            // stops at the first broken template; compile each one on its
            // own to find every syntax error. Inheritance errors only show
            // up in the batch, so fall back to its error.
            let mut errors: Vec<Error> = sources
                .iter()
                .filter_map(
                    |(name, text)| match new_tera().0.add_raw_template(name, text) {
                        Err(e) if matches!(e.kind(), ErrorKind::SyntaxError(_)) => {
                            Some(template_error(&e, None))
                        }
                        _ => None,
                    },
                )
                .collect();
            if errors.is_empty()
                && let Err(error) = new_tera()
                    .0
                    .add_raw_templates(sources.iter().map(|(n, t)| (n, t)))
            {
                // Unknown filters, tests and functions are found across
                // the batch and come as one text with a report per place.
                let reports = reports_in(&error.to_string());
                if reports.is_empty() {
                    errors.push(template_error(&error, None));
                }
                errors.extend(
                    reports
                        .into_iter()
                        .map(|(spot, message)| Error::TemplateSyntax { spot, message }),
                );
            }
            Error::collect(errors)?;
        }
        Ok(Self {
            tera,
            functions,
            page_limit: MAX_PAGE_BYTES,
        })
    }

    /// The slot the site functions read the built site from.
    pub fn functions(&self) -> &crate::template_functions::Shared {
        &self.functions
    }

    /// Sets the largest page a render may write, in bytes (by default
    /// [`MAX_PAGE_BYTES`]). The build passes the validator's configured
    /// `max_file_bytes`, so a site that lowers or raises the gate's cap
    /// gets the same limit here.
    pub fn set_page_limit(&mut self, bytes: usize) {
        self.page_limit = bytes;
    }

    /// The largest page a render may write, in bytes.
    pub fn page_limit(&self) -> usize {
        self.page_limit
    }

    /// Whether `templates/<name>.html` exists.
    pub fn has(&self, name: &str) -> bool {
        self.tera.contains_template(&template_file(name))
    }

    /// Values every page sees (the `site` object).
    pub fn set_global(&mut self, key: &'static str, value: &impl serde::Serialize) {
        self.tera.global_context().insert(key, value);
    }

    /// The names of the templates under `folder` (`shortcodes`), without
    /// the folder and the `.html` extension, sorted.
    pub fn names_in(&self, folder: &str) -> Vec<String> {
        let prefix = format!("{folder}/");
        let mut names: Vec<String> = self
            .tera
            .get_template_names()
            .filter_map(|name| name.strip_prefix(&prefix)?.strip_suffix(".html"))
            .map(str::to_string)
            .collect();
        names.sort();
        names
    }

    /// Renders template `name` for the page whose content file is `page`,
    /// under the limits described in the module documentation.
    pub fn render(&self, name: &str, context: &Context, page: &str) -> Result<String, Error> {
        self.render_within(name, context, page, &mut Budget::default())
    }

    /// Renders template `name` as [`Templates::render`] does, drawing its
    /// loop, component and `range()` steps from `budget`, what the page has
    /// left after the shortcodes in its Markdown, and taking them off it.
    pub fn render_within(
        &self,
        name: &str,
        context: &Context,
        page: &str,
        budget: &mut Budget,
    ) -> Result<String, Error> {
        let file = template_file(name);
        let mut out = CappedWriter::new(self.page_limit);
        RANGE_ITEMS.with(|used| used.set(budget.range_items));
        template_steps::resume_page(budget.steps, MAX_TEMPLATE_STEPS_PER_PAGE);
        template_steps::limit_values(self.page_limit);
        let result = self.tera.render_to(&file, context, &mut out);
        budget.range_items = RANGE_ITEMS.with(Cell::get);
        budget.steps = template_steps::taken();
        let range_exceeded = RANGE_ITEMS.with(|used| used.get() > MAX_RANGE_ITEMS_PER_PAGE);
        let steps_exceeded = template_steps::budget_exceeded();
        let limit = |spot, limit| Error::TemplateLimit {
            spot,
            page: page.to_string(),
            limit,
        };
        if out.exceeded {
            return Err(limit(
                SourceSpot::file(format!("{TEMPLATES_DIR}/{file}")),
                TemplateLimit::Output {
                    limit: self.page_limit,
                },
            ));
        }
        match result {
            Ok(()) => String::from_utf8(out.bytes).map_err(|_| Error::TemplateRender {
                spot: SourceSpot::file(format!("{TEMPLATES_DIR}/{file}")),
                page: page.to_string(),
                message: "the rendered page is not valid UTF-8".to_string(),
            }),
            Err(error) => {
                let (mut spot, message) = locate(&error);
                if spot.file == TEMPLATES_DIR {
                    // Errors Tera raises without a location (its component
                    // depth limit among them) belong to the page's template.
                    spot = SourceSpot::file(format!("{TEMPLATES_DIR}/{file}"));
                }
                if range_exceeded {
                    Err(limit(
                        spot,
                        TemplateLimit::Range {
                            limit: MAX_RANGE_ITEMS_PER_PAGE,
                        },
                    ))
                } else if steps_exceeded {
                    Err(limit(
                        spot,
                        TemplateLimit::Steps {
                            limit: MAX_TEMPLATE_STEPS_PER_PAGE,
                        },
                    ))
                } else if message.contains("recursion depth for components") {
                    // Tera reports its component depth limit only as text.
                    Err(limit(
                        spot,
                        TemplateLimit::ComponentDepth {
                            limit: MAX_COMPONENT_DEPTH,
                        },
                    ))
                } else {
                    Err(Error::TemplateRender {
                        spot,
                        page: page.to_string(),
                        message,
                    })
                }
            }
        }
    }
}

/// What one page has used of its render budgets: the steps of loops and
/// component calls and the elements of `range()`. A page's shortcodes and
/// its template draw on one budget, so a shortcode called many times
/// cannot multiply the page's allowance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Budget {
    steps: usize,
    range_items: usize,
}

/// Which limit a template went past while rendering a page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateLimit {
    /// The page outgrew the largest page the validator can judge.
    #[error("the page grew past {limit} bytes, the largest page the validator can judge")]
    Output {
        /// The limit in bytes.
        limit: usize,
    },
    /// Calls to `range()` produced too many elements for one page.
    #[error("calls to range() produced more than {limit} elements for one page")]
    Range {
        /// The limit in elements.
        limit: usize,
    },
    /// Loop iterations and component calls went past the page's budget.
    #[error("loop iterations and component calls went past {limit} for one page")]
    Steps {
        /// The limit in steps.
        limit: usize,
    },
    /// Components nested too deep.
    #[error("components nested more than {limit} deep")]
    ComponentDepth {
        /// The limit in levels.
        limit: usize,
    },
}

/// A Tera instance with the budgeted functions and the site functions
/// registered, and the slot the site functions read the site from.
fn new_tera() -> (Tera, crate::template_functions::Shared) {
    let mut tera = Tera::new();
    tera.register_function("range", budgeted_range);
    tera.register_function(template_steps::STEP_FUNCTION, template_steps::step);
    tera.register_function(template_steps::VALUE_FUNCTION, template_steps::value);
    crate::template_filters::register(&mut tera);
    let functions = crate::template_functions::register(&mut tera);
    (tera, functions)
}

thread_local! {
    /// Elements `range()` has produced for the page rendering on this
    /// thread. Tera renders a page on one thread from start to end, and
    /// [`Templates::render`] resets the count before each page.
    static RANGE_ITEMS: Cell<usize> = const { Cell::new(0) };
}

/// Tera's `range(start, end, step_by)`, drawing its elements from the
/// page's budget.
fn budgeted_range(kwargs: Kwargs, _: &State) -> TeraResult<Vec<i128>> {
    let start = kwargs.get::<i128>("start")?.unwrap_or_default();
    let end = kwargs.must_get::<i128>("end")?;
    let step = kwargs.get::<i128>("step_by")?.unwrap_or(1);
    if step == 0 {
        return Err(tera::Error::message(
            "Function `range` was called with a `step_by` argument of 0",
        ));
    }
    if start > end && step > 0 {
        return Err(tera::Error::message(
            "Function `range` was called with a `start` argument greater than the `end` one",
        ));
    }
    let overflow =
        || tera::Error::message("Function `range` was called with arguments that overflow i128");
    let (span, stride) = if step > 0 {
        (end.checked_sub(start).ok_or_else(overflow)?, step)
    } else {
        let stride = step.checked_neg().ok_or_else(overflow)?;
        (start.checked_sub(end).ok_or_else(overflow)?.max(0), stride)
    };
    let length = span.checked_add(stride - 1).ok_or_else(overflow)? / stride;
    let length = usize::try_from(length).unwrap_or(usize::MAX);
    let used = RANGE_ITEMS.with(|used| {
        let total = used.get().saturating_add(length);
        used.set(total);
        total
    });
    if used > MAX_RANGE_ITEMS_PER_PAGE {
        return Err(tera::Error::message(format!(
            "range() would bring the elements produced for this page to {used}, over the limit of {MAX_RANGE_ITEMS_PER_PAGE}"
        )));
    }
    let mut values = Vec::with_capacity(length);
    let mut value = start;
    for _ in 0..length {
        values.push(value);
        value = value.saturating_add(step);
    }
    Ok(values)
}

/// A page buffer that refuses to grow past a limit, so a runaway template
/// is stopped while it writes rather than after it has filled memory.
struct CappedWriter {
    bytes: Vec<u8>,
    limit: usize,
    exceeded: bool,
}

impl CappedWriter {
    fn new(limit: usize) -> Self {
        Self {
            bytes: Vec::with_capacity(16 * 1024),
            limit,
            exceeded: false,
        }
    }
}

impl Write for CappedWriter {
    #[inline]
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.write_all(data).map(|()| data.len())
    }

    // Tera writes many small pieces with `write_all`; taking it whole
    // saves the default loop around `write`.
    #[inline]
    fn write_all(&mut self, data: &[u8]) -> std::io::Result<()> {
        if self.bytes.len().saturating_add(data.len()) > self.limit {
            self.exceeded = true;
            return Err(std::io::Error::other("page size limit reached"));
        }
        self.bytes.extend_from_slice(data);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn template_file(name: &str) -> String {
    format!("{name}.html")
}

/// The template file and line a Tera error points at, and its message.
fn locate(error: &tera::Error) -> (SourceSpot, String) {
    match error.kind() {
        ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
            let span = report.span();
            (
                SourceSpot::at(
                    format!("{TEMPLATES_DIR}/{}", report.filename()),
                    span.start_line.max(1),
                    span.start_col + 1,
                ),
                report.message().to_string(),
            )
        }
        ErrorKind::MissingParent { current, parent } => (
            SourceSpot::file(format!("{TEMPLATES_DIR}/{current}")),
            format!("extends `{parent}`, which is not in {TEMPLATES_DIR}/"),
        ),
        ErrorKind::CircularExtend { tpl, .. } | ErrorKind::CircularInclude { tpl, .. } => (
            SourceSpot::file(format!("{TEMPLATES_DIR}/{tpl}")),
            error.kind().to_string(),
        ),
        other => {
            let text = other.to_string();
            match reports_in(&text).into_iter().next() {
                Some(report) => report,
                None => (SourceSpot::file(TEMPLATES_DIR), text),
            }
        }
    }
}

/// The reports in a text Tera generated for errors it found across
/// templates (`error: Unknown filter `x`` followed by
/// ` --> page.html:9:48`): each report's template, line and column (both
/// 1-based there), with its message.
fn reports_in(text: &str) -> Vec<(SourceSpot, String)> {
    let mut reports = Vec::new();
    let mut message = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("error: ") {
            message = Some(rest.trim().to_string());
            continue;
        }
        let Some(place) = line.trim_start().strip_prefix("--> ") else {
            continue;
        };
        let mut parts = place.trim_end().rsplitn(3, ':');
        let (Some(column), Some(number), Some(name)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (Ok(number), Ok(column)) = (number.parse::<usize>(), column.parse::<usize>()) else {
            continue;
        };
        if let Some(message) = message.take() {
            reports.push((
                SourceSpot::at(
                    format!("{TEMPLATES_DIR}/{}", source_text::escape(name)),
                    number.max(1),
                    column.max(1),
                ),
                message,
            ));
        }
    }
    reports
}

/// Maps a Tera error to the template file and line it points at. Tera
/// lines are 1-based and columns 0-based; ours are both 1-based.
fn template_error(error: &tera::Error, page: Option<&str>) -> Error {
    let (spot, message) = locate(error);
    match page {
        Some(page) => Error::TemplateRender {
            spot,
            page: page.to_string(),
            message,
        },
        None => Error::TemplateSyntax { spot, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect()
    }

    #[test]
    fn renders_with_inheritance_and_globals() {
        let mut templates = Templates::from_sources(&sources(&[
            (
                "base.html",
                "<title>{{ site.name }}</title>{% block main %}{% endblock %}",
            ),
            (
                "page.html",
                "{% extends \"base.html\" %}{% block main %}<p>{{ page.title }}</p>{% endblock %}",
            ),
        ]))
        .unwrap();
        templates.set_global("site", &serde_json::json!({"name": "S & Co"}));
        let mut context = Context::new();
        context.insert("page", &serde_json::json!({"title": "<Hi>"}));
        let html = templates.render("page", &context, "content/a.md").unwrap();
        assert_eq!(html, "<title>S &amp; Co</title><p>&lt;Hi&gt;</p>");
        assert!(templates.has("page"));
        assert!(!templates.has("missing"));
    }

    #[test]
    fn render_error_in_a_parent_names_the_parent() {
        let templates = Templates::from_sources(&sources(&[
            (
                "base.html",
                "<title>x</title>\n{{ site.missing }}{% block main %}{% endblock %}",
            ),
            (
                "page.html",
                "{% extends \"base.html\" %}{% block main %}ok{% endblock %}",
            ),
        ]))
        .unwrap();
        let mut context = Context::new();
        context.insert("site", &serde_json::json!({"name": "S"}));
        let error = templates
            .render("page", &context, "content/a.md")
            .unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("templates/base.html:2:"), "{text}");
        assert!(text.contains("content/a.md"), "{text}");
    }

    #[test]
    fn every_syntax_error_is_reported_with_its_file() {
        let error = Templates::from_sources(&sources(&[
            ("a.html", "ok"),
            ("b.html", "line\n{{ oops"),
            ("c.html", "{% if %}"),
        ]))
        .err()
        .unwrap();
        let all = error.errors();
        assert_eq!(all.len(), 2, "{error}");
        assert!(
            all[0].to_string().starts_with("templates/b.html:2:"),
            "{error}"
        );
        assert!(
            all[1].to_string().starts_with("templates/c.html:1:"),
            "{error}"
        );
    }

    fn render_one(template: &str) -> Result<String, Error> {
        let templates = Templates::from_sources(&sources(&[("page.html", template)])).unwrap();
        let mut context = Context::new();
        context.insert("page", &serde_json::json!({"title": "T"}));
        templates.render("page", &context, "content/a.md")
    }

    fn limit_of(result: Result<String, Error>) -> (String, TemplateLimit) {
        match result {
            Err(Error::TemplateLimit { spot, page, limit }) => {
                assert_eq!(page, "content/a.md");
                (spot.to_string(), limit)
            }
            other => panic!(
                "expected a template limit, got {:?}",
                other.map(|page| page.len())
            ),
        }
    }

    #[test]
    fn output_is_capped_while_rendering() {
        let (spot, limit) = limit_of(render_one(
            "{% for i in range(end=100000) %}{{ page.title }} is a line of text that repeats until the page is far too large, {{ i }}\n{% endfor %}",
        ));
        assert_eq!(spot, "templates/page.html");
        assert_eq!(
            limit,
            TemplateLimit::Output {
                limit: MAX_PAGE_BYTES
            }
        );
    }

    #[test]
    fn nested_ranges_draw_on_one_budget_per_page() {
        let template = "<p>\n{% for i in range(end=1000) %}\n{% for j in range(end=1000) %}{% endfor %}{% endfor %}";
        let (spot, limit) = limit_of(render_one(template));
        assert!(spot.starts_with("templates/page.html:3:"), "{spot}");
        assert_eq!(
            limit,
            TemplateLimit::Range {
                limit: MAX_RANGE_ITEMS_PER_PAGE
            }
        );
        // The budget is per page: a page within it renders, again and again.
        let small =
            "{% for i in range(end=300) %}{% for j in range(end=300) %}{% endfor %}{% endfor %}ok";
        for _ in 0..3 {
            assert_eq!(render_one(small).unwrap(), "ok");
        }
        assert_eq!(
            render_one("{% for i in range(start=5, end=0, step_by=-2) %}{{ i }},{% endfor %}")
                .unwrap(),
            "5,3,1,"
        );
        assert!(matches!(
            render_one("{{ range(end=5, step_by=0) }}"),
            Err(Error::TemplateRender { .. })
        ));
    }

    #[test]
    fn loops_that_write_nothing_stop_at_the_step_budget() {
        let templates = Templates::from_sources(&sources(&[(
            "page.html",
            "<ul>\n{% for a in pages %}\n  {%- for b in pages -%}\n    {% for c in pages %}{% endfor %}{% endfor %}{% endfor %}</ul>",
        )]))
        .unwrap();
        let mut context = Context::new();
        context.insert("pages", &vec![0; 2_000]);
        let (spot, limit) = limit_of(templates.render("page", &context, "content/a.md"));
        assert!(spot.starts_with("templates/page.html:4:"), "{spot}");
        assert_eq!(
            limit,
            TemplateLimit::Steps {
                limit: MAX_TEMPLATE_STEPS_PER_PAGE
            }
        );
        // The budget is per page, and the step calls write nothing: the
        // same template over a small list renders exactly as written.
        context.insert("pages", &vec![0; 3]);
        for _ in 0..3 {
            assert_eq!(
                templates.render("page", &context, "content/a.md").unwrap(),
                "<ul>\n</ul>"
            );
        }
    }

    #[test]
    fn component_calls_draw_on_the_step_budget() {
        // Depth 20 with three calls per level is 3^20 calls, each within
        // Tera's depth limit: only the step budget stops it.
        let template = "{% component fan(n: integer) %}{% if n < 20 %}{{ <fan n={n + 1} /> }}{{ <fan n={n + 1} /> }}{{ <fan n={n + 1} /> }}{% endif %}{% endcomponent fan %}\n{{ <fan n={1} /> }}";
        let (spot, limit) = limit_of(render_one(template));
        assert!(spot.starts_with("templates/page.html:1:"), "{spot}");
        assert_eq!(
            limit,
            TemplateLimit::Steps {
                limit: MAX_TEMPLATE_STEPS_PER_PAGE
            }
        );
    }

    #[test]
    fn syntax_errors_point_at_the_template_as_written() {
        let error = Templates::from_sources(&sources(&[(
            "page.html",
            "{% for x in xs %}\n{{ x }\n{% endfor %}",
        )]))
        .err()
        .unwrap();
        let text = error.to_string();
        assert!(text.starts_with("templates/page.html:2:"), "{text}");
        assert!(!text.contains("__template_step"), "{text}");
    }

    #[test]
    fn recursive_components_stop_at_the_depth_limit() {
        let template = "{% component deep(n: integer) %}x{{ <deep n={n} /> }}{% endcomponent deep %}\n{{ <deep n={1} /> }}";
        let (spot, limit) = limit_of(render_one(template));
        assert_eq!(spot, "templates/page.html");
        assert_eq!(
            limit,
            TemplateLimit::ComponentDepth {
                limit: MAX_COMPONENT_DEPTH
            }
        );
    }

    #[test]
    fn unknown_filters_and_functions_name_every_place() {
        let error = Templates::from_sources(&sources(&[
            ("base.html", "<p>{% block main %}{% endblock main %}</p>"),
            (
                "page.html",
                "{% extends \"base.html\" %}\n{% block main %}{{ page.title | slice(end=2) }}\n{{ get_pages() }}{% endblock main %}",
            ),
        ]))
        .err()
        .unwrap();
        let shown: Vec<String> = error.errors().iter().map(|e| e.to_string()).collect();
        assert_eq!(
            shown,
            [
                "templates/page.html:2:33: template syntax error: Unknown filter `slice`",
                "templates/page.html:3:4: template syntax error: Unknown function `get_pages`"
            ]
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn reports_keep_their_place_and_never_panic(
                lines in prop::collection::vec(
                    prop_oneof![
                        "error: [ -~]{0,20}",
                        " *--> [a-z/.:]{0,12}:[0-9]{0,3}:[0-9]{0,3}",
                        "[ -~]{0,20}",
                    ],
                    0..10,
                ),
            ) {
                let text = lines.join("\n");
                for (spot, message) in reports_in(&text) {
                    prop_assert!(spot.file.starts_with("templates/"));
                    prop_assert!(spot.line.is_some_and(|l| l >= 1));
                    prop_assert!(spot.column.is_some_and(|c| c >= 1));
                    prop_assert!(text.contains(&message));
                }
            }
        }
    }

    #[test]
    fn control_characters_in_templates_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("page.html"), "<p>\n\u{1b}[2J</p>").unwrap();
        let error = Templates::load(dir.path()).err().unwrap();
        assert_eq!(
            error.to_string(),
            "templates/page.html:2:1: contains U+001B (ESC); remove it"
        );
    }
}
