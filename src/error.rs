//! The one error type of the generator. Every variant that stems from an
//! authored file names that file (relative to the site root) and, where the
//! position is known, its line and column, so an author can jump straight to
//! the cause.

use std::fmt;
use std::path::PathBuf;

use crate::markdown::headings::HeadingProblem;
use crate::markdown::shortcodes::ShortcodeError;
use crate::out_dir::OutDirProblem;
use crate::raw_html::RawHtmlViolation;
use crate::source_text::TextProblem;
use crate::templates::TemplateLimit;

/// A position inside an authored file: `file:line:column` (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpot {
    /// Path relative to the site root, with `/` separators.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
}

impl SourceSpot {
    /// A spot with a known line and column.
    pub fn at(file: impl Into<String>, line: usize, column: usize) -> Self {
        Self {
            file: file.into(),
            line: Some(line),
            column: Some(column),
        }
    }

    /// A spot naming only the file.
    pub fn file(file: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            line: None,
            column: None,
        }
    }
}

impl fmt::Display for SourceSpot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// Everything that can make a build fail.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder could not be read or written.
    #[error("{}: {action}", path.display())]
    Io {
        /// What the generator was doing, e.g. "cannot read".
        action: &'static str,
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// `site.yaml` is missing, is not valid YAML or does not match the schema.
    #[error("{spot}: invalid site config: {message}")]
    SiteConfig {
        /// Where in `site.yaml`.
        spot: SourceSpot,
        /// What is wrong.
        message: String,
    },
    /// An authored `public/robots.txt` that drops a guarantee of the
    /// generated one.
    #[error("{spot}: robots.txt cannot replace the generated one: {message}")]
    Robots {
        /// The file, and the line that breaks the guarantee when one does.
        spot: SourceSpot,
        /// Which guarantee is missing.
        message: String,
    },
    /// An alias or a `redirects:` entry that cannot be a `_redirects` rule.
    #[error("{spot}: {message}")]
    Redirect {
        /// The content file or `site.yaml` line that wrote the rule.
        spot: SourceSpot,
        /// What is wrong.
        message: String,
    },
    /// A page's front matter is not valid YAML or does not match the schema
    /// (unknown key, missing `title`, wrong type).
    #[error("{spot}: invalid front matter: {message}")]
    FrontMatter {
        /// Where in the Markdown file (lines count from the file's start).
        spot: SourceSpot,
        /// What is wrong.
        message: String,
    },
    /// A page names a template that `templates/` does not have.
    #[error("{spot}: unknown template `{template}` (expected templates/{template}.html)")]
    UnknownTemplate {
        /// Where the page names the template.
        spot: SourceSpot,
        /// The template name as written.
        template: String,
    },
    /// Two content files map to the same URL.
    #[error("{first} and {second} both map to the URL {url}")]
    DuplicateUrl {
        /// The URL both produce.
        url: String,
        /// One source file.
        first: String,
        /// The other source file.
        second: String,
    },
    /// A template does not parse.
    #[error("{spot}: template syntax error: {message}")]
    TemplateSyntax {
        /// Where in the template.
        spot: SourceSpot,
        /// The parser's message.
        message: String,
    },
    /// A template failed while rendering a page, e.g. on an undefined variable.
    #[error("{spot}: template error while rendering {page}: {message}")]
    TemplateRender {
        /// Where in the template.
        spot: SourceSpot,
        /// The content file being rendered.
        page: String,
        /// The engine's message.
        message: String,
    },
    /// Raw HTML in Markdown breaks the script boundary.
    #[error("{spot}: raw HTML {violation}; {}", violation.help())]
    UnsafeRawHtml {
        /// Where in the Markdown file.
        spot: SourceSpot,
        /// Which rule the HTML breaks.
        violation: RawHtmlViolation,
    },
    /// A heading of a Markdown page cannot be written as it is.
    #[error("{spot}: {problem}{}; {}", also.map(|line| format!(" (also at line {line})")).unwrap_or_default(), problem.help())]
    Heading {
        /// Where in the Markdown file.
        spot: SourceSpot,
        /// What is wrong.
        problem: HeadingProblem,
        /// The line of the other heading with the same id, for a duplicate.
        also: Option<usize>,
    },
    /// A shortcode call in Markdown cannot be read or expanded.
    #[error("{spot}: {problem}; {}", problem.help())]
    Shortcode {
        /// Where the call is in the Markdown file.
        spot: SourceSpot,
        /// What is wrong.
        problem: ShortcodeError,
    },
    /// What a shortcode wrote breaks the raw HTML policy.
    #[error("{spot}: the output of shortcode `{name}` {violation}; fix templates/shortcodes/{name}.html or its arguments: {}", violation.help())]
    UnsafeShortcodeOutput {
        /// Where the call is in the Markdown file.
        spot: SourceSpot,
        /// The shortcode.
        name: String,
        /// The rule its output breaks.
        violation: RawHtmlViolation,
    },
    /// An image under `static/` cannot be published: a hostile or broken
    /// file, or an SVG without a size.
    #[error("{file}: {problem}")]
    Image {
        /// The static file (`static/img/photo.png`).
        file: String,
        /// What is wrong.
        problem: crate::images::ImageProblem,
    },
    /// An image in Markdown or a shortcode call cannot be written.
    #[error("{spot}: {problem}")]
    ImageUse {
        /// Where in the Markdown file.
        spot: SourceSpot,
        /// What is wrong.
        problem: crate::images::markup::UseProblem,
    },
    /// Rendered HTML or a stylesheet refers to a static file that does not exist.
    #[error("{source_file}: refers to {reference}, which is not a file under static/{}", template.as_ref().map(|t| format!(" (template {t})")).unwrap_or_default())]
    MissingAsset {
        /// The content file or stylesheet holding the reference.
        source_file: String,
        /// The template that rendered the page, when it is a page.
        template: Option<String>,
        /// The reference as written.
        reference: String,
    },
    /// The HTML rewriter could not process a page.
    #[error("{file}: cannot rewrite HTML: {message}")]
    Rewrite {
        /// The content file of the page.
        file: String,
        /// The rewriter's message.
        message: String,
    },
    /// The generated `_headers` breaks the host's limits.
    #[error("_headers: {message}")]
    HeadersLimit {
        /// Which limit and by how much.
        message: String,
    },
    /// `--out` is not a folder the generator may replace.
    #[error("{}: refusing to use as the output folder: {problem}", path.display())]
    OutDir {
        /// The output folder as given.
        path: PathBuf,
        /// Why it was refused.
        problem: OutDirProblem,
    },
    /// An authored file holds text the gate cannot judge: bytes that are
    /// not UTF-8, or a control or bidirectional formatting character.
    #[error("{spot}: {problem}")]
    SourceText {
        /// Where the first such byte or character is.
        spot: SourceSpot,
        /// What it is.
        problem: TextProblem,
    },
    /// A content file is not a regular file, or is too large to become a page.
    #[error("{file}: {problem}")]
    ContentFile {
        /// The content file, relative to the site root.
        file: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The path a page or static file would be published at is refused: it
    /// collides with a file the generator writes or with another page, lies
    /// under a reserved name, is too long, or carries a control character.
    #[error("{spot}: would be published as {output}, but {problem}")]
    OutputPath {
        /// The content file (and the `slug:` line when the slug chose it),
        /// or the static file.
        spot: SourceSpot,
        /// The path inside the bundle, escaped for printing.
        output: String,
        /// Why it is refused.
        problem: String,
    },
    /// A file under `data/` cannot be read as data for templates.
    #[error("{spot}: invalid data file: {message}")]
    DataFile {
        /// The file, and the position when the problem has one.
        spot: SourceSpot,
        /// What is wrong.
        message: String,
    },
    /// The promises file is not valid or names what the validator lacks.
    #[error("{spot}: {message}")]
    Promises {
        /// Where in the promises file.
        spot: SourceSpot,
        /// What is wrong.
        message: String,
    },
    /// A page cannot take its place in the listing of its section: it
    /// lacks the key the section sorts by.
    #[error("{spot}: {message}")]
    Listing {
        /// The page, at its front matter.
        spot: SourceSpot,
        /// What is missing, naming the section.
        message: String,
    },
    /// Pages name taxonomy terms that cannot be listed as written: two
    /// different terms make one URL segment, a term's listing lacks what
    /// its feed or template needs.
    #[error("{spot}: {message}")]
    Taxonomy {
        /// Where a page names the term.
        spot: SourceSpot,
        /// What is wrong, naming the other place when there is one.
        message: String,
    },
    /// `SOURCE_DATE_EPOCH` is set but is not a build time.
    #[error("{0}")]
    BuildTime(crate::template_functions::EpochError),
    /// A rendered page is larger than the validator can judge.
    #[error(
        "{file}: the rendered page is {bytes} bytes, over the {limit}-byte limit the validator can judge (template {template}); split the page"
    )]
    PageTooLarge {
        /// The content file.
        file: String,
        /// The page's template file.
        template: String,
        /// Size of the rendered page.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// A template went past one of the limits it renders under.
    #[error("{spot}: template stopped while rendering {page}: {limit}")]
    TemplateLimit {
        /// The template (and line, when known).
        spot: SourceSpot,
        /// The content file being rendered.
        page: String,
        /// Which limit.
        limit: TemplateLimit,
    },
    /// A file of the new bundle could not be written. Names the source that
    /// produced it and its path inside the bundle, never the staging folder.
    #[error("{cause}: cannot write {output} into the new bundle")]
    BundleWrite {
        /// The content file, static file or generated part behind the file.
        cause: String,
        /// Path inside the bundle.
        output: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A YAML file reached through a symbolic link or lying outside the
    /// site folder is invalid. Its text is never repeated: it may be any
    /// file on the machine.
    #[error(
        "{spot}: invalid {what}; details are withheld because the file is reached through a symbolic link or lies outside the site folder"
    )]
    WithheldYaml {
        /// The file and position.
        spot: SourceSpot,
        /// What the file was read as (front matter, site config, evidence register).
        what: &'static str,
    },
    /// The generator or a library it uses panicked; the build was stopped
    /// and its staging folder removed.
    #[error("{context}: internal error (a bug in the generator or a library it uses): {message}")]
    Internal {
        /// What was being done, e.g. the content file being rendered.
        context: String,
        /// The panic's message.
        message: String,
    },
    /// The validator could not run on the new bundle.
    #[error("validator could not check the bundle")]
    Validator(#[from] bundle_validator::Error),
    /// The validator could not read the new bundle. Carries no path: the
    /// staging folder is gone by the time anyone reads this.
    #[error("validator could not read the new bundle")]
    ValidatorRead(#[source] std::io::Error),
    /// A finding of the validator traced to the source of its file.
    #[error("{0}")]
    Rejected(Box<Rejection>),
    /// The validator found broken promises in the new bundle.
    #[error("the built bundle fails validation with {errors} error(s) and {warnings} warning(s); the previous output was left untouched{}", kept.as_ref().map(|k| format!("; the failed bundle was kept in {}", k.display())).unwrap_or_else(|| "; pass --keep-failed to keep the failed bundle for inspection".to_string()))]
    ValidationFailed {
        /// The validator's report.
        report: Box<bundle_validator::Report>,
        /// Number of error findings.
        errors: usize,
        /// Number of warning findings.
        warnings: usize,
        /// Where the failed bundle was kept, if asked to.
        kept: Option<PathBuf>,
        /// Each error finding traced back to the source that produced it.
        sources: Vec<Error>,
    },
    /// The build's evidence could not be settled or does not prove what
    /// the site promises.
    #[error(transparent)]
    Evidence(#[from] crate::evidence::EvidenceError),
    /// Several independent errors, all collected before failing.
    #[error("{}", ErrorListDisplay(.0))]
    Many(Vec<Error>),
}

/// A validator finding on a file the generator knows the source of.
#[derive(Debug, thiserror::Error)]
#[error("{spot}: {rule}: {message} (in {output}{})", template.as_ref().map(|t| format!(", rendered with {t}")).unwrap_or_default())]
pub struct Rejection {
    /// The source: content file and line, static file, or `_headers`.
    pub spot: SourceSpot,
    /// The built file, with line and column, as context.
    pub output: SourceSpot,
    /// The template the page was rendered with, for findings in a page
    /// but outside its Markdown.
    pub template: Option<String>,
    /// The validator rule.
    pub rule: String,
    /// The validator's message.
    pub message: String,
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// Turns a list of errors into a result: `Ok` when empty, else the
    /// error of [`Error::from_list`].
    pub(crate) fn collect(errors: Vec<Error>) -> Result<(), Error> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::from_list(errors))
        }
    }

    /// One error from a non-empty list: the single error, or `Many`.
    /// Nested lists are flattened so every error is printed at one level.
    pub(crate) fn from_list(errors: Vec<Error>) -> Error {
        let mut errors: Vec<Error> = errors
            .into_iter()
            .flat_map(|error| match error {
                Error::Many(list) => list,
                other => vec![other],
            })
            .collect();
        if errors.len() == 1 {
            errors.remove(0)
        } else {
            Error::Many(errors)
        }
    }

    /// The individual errors: itself, or each member of `Many`. A failed
    /// validation comes with each finding traced to its source first.
    pub fn errors(&self) -> Vec<&Error> {
        match self {
            Error::Many(list) => list.iter().flat_map(Error::errors).collect(),
            Error::ValidationFailed { sources, .. } => {
                sources.iter().chain(std::iter::once(self)).collect()
            }
            other => vec![other],
        }
    }
}

struct ErrorListDisplay<'a>(&'a [Error]);

impl fmt::Display for ErrorListDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} errors:", self.0.len())?;
        for error in self.0 {
            write!(f, "\n  {}", WithCauses(error))?;
        }
        Ok(())
    }
}

/// An error followed by its chain of causes (`cannot read x: permission
/// denied`). Messages leave their cause out, as the standard library's
/// errors do, so that no printer shows it twice.
pub struct WithCauses<'a>(pub &'a (dyn std::error::Error + 'static));

impl fmt::Display for WithCauses<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}
