//! Tera templates from `templates/`, compiled once per build, and the
//! mapping of Tera's error locations back to template files.

use std::path::Path;

use tera::{Context, ErrorKind, Tera};

use crate::error::{Error, SourceSpot};

/// Name of the templates folder inside a site folder.
pub const TEMPLATES_DIR: &str = "templates";

/// The compiled templates of a site.
pub struct Templates {
    tera: Tera,
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
                let text = std::fs::read_to_string(entry.path())
                    .map_err(|e| Error::io("cannot read template", entry.path(), e))?;
                sources.push((name, text));
            }
        }
        Self::from_sources(&sources)
    }

    /// Compiles templates given as `(name, text)` pairs.
    pub fn from_sources(sources: &[(String, String)]) -> Result<Self, Error> {
        let mut tera = Tera::new();
        if let Err(error) = tera.add_raw_templates(sources.iter().map(|(n, t)| (n, t))) {
            // The batch stops at the first broken template; compile each one
            // on its own to find every syntax error. Inheritance errors only
            // show up in the batch, so fall back to its error.
            let mut errors: Vec<Error> = sources
                .iter()
                .filter_map(|(name, text)| {
                    let mut single = Tera::new();
                    match single.add_raw_template(name, text) {
                        Err(e) if matches!(e.kind(), ErrorKind::SyntaxError(_)) => {
                            Some(template_error(&e, None))
                        }
                        _ => None,
                    }
                })
                .collect();
            if errors.is_empty() {
                errors.push(template_error(&error, None));
            }
            Error::collect(errors)?;
        }
        Ok(Self { tera })
    }

    /// Whether `templates/<name>.html` exists.
    pub fn has(&self, name: &str) -> bool {
        self.tera.contains_template(&template_file(name))
    }

    /// Values every page sees (the `site` object).
    pub fn set_global(&mut self, key: &'static str, value: &impl serde::Serialize) {
        self.tera.global_context().insert(key, value);
    }

    /// Renders template `name` for the page whose content file is `page`.
    pub fn render(&self, name: &str, context: &Context, page: &str) -> Result<String, Error> {
        self.tera
            .render(&template_file(name), context)
            .map_err(|e| template_error(&e, Some(page)))
    }
}

fn template_file(name: &str) -> String {
    format!("{name}.html")
}

/// Maps a Tera error to the template file and line it points at. Tera
/// lines are 1-based and columns 0-based; ours are both 1-based.
fn template_error(error: &tera::Error, page: Option<&str>) -> Error {
    let (spot, message) = match error.kind() {
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
        other => (SourceSpot::file(TEMPLATES_DIR), other.to_string()),
    };
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
}
