//! Validator configuration: the same YAML as the `validator:` section of the
//! site config. Every key is optional; unknown keys, unknown rule ids and
//! categories, and globs that do not parse are errors that name the file,
//! line and column.
//!
//! Nothing site-specific applies without configuration: the lead form
//! contract and the routes a Worker serves instead of files are settings
//! here, not assumptions of the rules.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Deserializer};

use crate::Severity;
use crate::suppress::Selector;
use serde_saphyr::Spanned;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path} cannot be read")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {message}", at(path, *line, *column))]
    Parse {
        path: PathBuf,
        /// 1-based, when the YAML parser knows where the problem is.
        line: Option<u64>,
        column: Option<u64>,
        message: String,
    },
}

/// `path:line:column`, as far as the position is known.
fn at(path: &Path, line: Option<u64>, column: Option<u64>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!("{}:{line}:{column}", path.display()),
        (Some(line), None) => format!("{}:{line}", path.display()),
        _ => path.display().to_string(),
    }
}

/// What a check needs to know about the site beyond the bundle itself.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The site's own origin, e.g. `https://www.baystore.example`. Without
    /// it the origin is taken from `sitemap.xml` or canonical links.
    pub site_origin: Option<String>,
    /// First path segments that mark an admin surface. Default:
    /// `console`, `dashboard`, `admin`.
    pub admin_prefixes: Option<Vec<String>>,
    /// First host labels that mark an admin host. Default: the same words.
    pub admin_hosts: Option<Vec<String>>,
    /// Extra origins whose subresources and form actions are allowed.
    pub allowed_origins: Vec<String>,
    /// Path to the evidence register (YAML) listing approved certification
    /// claims. Relative paths resolve against the config file's folder.
    pub evidence_register: Option<PathBuf>,
    /// The largest file, in bytes, the validator reads (and the most a
    /// compressed copy may unpack to). A larger file that is not binary by
    /// name is an error, as it cannot be checked. Default: 5 MiB.
    pub max_file_bytes: Option<u64>,
    /// Severity by rule id or category (`error`, `warning`, `off`); a rule
    /// id wins over its category.
    pub rules: BTreeMap<RuleSelector, Level>,
    /// Bundle paths (relative, `/`-separated) whose findings are not
    /// reported, as globs: `*` stays within a folder, `**` crosses them.
    pub ignore: Vec<PathGlob>,
    /// The site's lead form contract; without it no form is held to one.
    pub lead_form: Option<LeadForm>,
    /// URL paths served by a Worker rather than by files (`/lead`,
    /// `/a/*`): links to them are not broken. Globs like `ignore`, except
    /// that `*` also crosses folders.
    pub worker_routes: Vec<RouteGlob>,
    /// Findings accepted in the bundle paths a glob matches, each with a
    /// reason; positions are kept so that findings about an entry name
    /// its line.
    pub suppress: Vec<Spanned<PathSuppression>>,
    /// The file the config was read from, named by findings about the
    /// config's own suppressions.
    #[serde(skip)]
    pub source: Option<PathBuf>,
    /// The time the check judges dates against (`Expires` of
    /// `security.txt`), in seconds since the Unix epoch; the system clock
    /// when unset. Not a file setting: the CLI takes it from `--now` or
    /// `SOURCE_DATE_EPOCH`, and a build passes its own build time, so a
    /// check of one bundle gives one answer.
    #[serde(skip)]
    pub now: Option<i64>,
}

/// One `suppress:` entry: findings of `rule` in the files `path` matches
/// are accepted, for `reason`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathSuppression {
    /// A rule id, or `category/*` for the category's rules other than
    /// those that report content the validator could not judge.
    pub rule: SuppressionSelector,
    /// Bundle paths, as an `ignore` glob.
    pub path: PathGlob,
    /// Why the findings are accepted. Without one the entry suppresses
    /// nothing and is itself reported.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A rule id or `category/*` of a suppression, checked when read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuppressionSelector(Selector);

impl SuppressionSelector {
    pub fn selector(self) -> Selector {
        self.0
    }
}

impl<'de> Deserialize<'de> for SuppressionSelector {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Selector::parse(&text)
            .map(SuppressionSelector)
            .map_err(serde::de::Error::custom)
    }
}

/// What a rule id or category in the `rules` setting turns its findings into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Off,
}

/// A declared rule id or category.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RuleSelector(String);

impl RuleSelector {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for RuleSelector {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        let known = crate::rule::lookup(&name).is_some()
            || crate::rule::categories().iter().any(|c| c.name == name);
        if known {
            Ok(RuleSelector(name))
        } else {
            Err(serde::de::Error::custom(format!(
                "`{name}` is neither a rule id nor a rule category"
            )))
        }
    }
}

/// A glob over bundle paths, checked when the config is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathGlob(String);

impl PathGlob {
    /// The glob as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The glob's matcher; `None` for a glob that does not parse, which
    /// only a config built in code can hold.
    pub(crate) fn matcher(&self) -> Option<globset::GlobMatcher> {
        path_glob(&self.0).ok().map(|glob| glob.compile_matcher())
    }
}

/// A glob over URL paths, checked when the config is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteGlob(String);

impl RouteGlob {
    /// The glob as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The one URL path the glob matches, when it has no glob syntax
    /// (`/lead`, not `/a/*`).
    pub fn literal(&self) -> Option<&str> {
        (!self.0.contains(['*', '?', '[', ']', '{', '}', '\\'])).then_some(self.0.as_str())
    }
}

fn path_glob(pattern: &str) -> Result<globset::Glob, globset::Error> {
    GlobBuilder::new(pattern).literal_separator(true).build()
}

fn route_glob(pattern: &str) -> Result<globset::Glob, globset::Error> {
    GlobBuilder::new(pattern).literal_separator(false).build()
}

impl<'de> Deserialize<'de> for PathGlob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pattern = String::deserialize(deserializer)?;
        path_glob(&pattern).map_err(serde::de::Error::custom)?;
        Ok(PathGlob(pattern))
    }
}

impl<'de> Deserialize<'de> for RouteGlob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pattern = String::deserialize(deserializer)?;
        if !pattern.starts_with('/') {
            return Err(serde::de::Error::custom(format!(
                "worker route `{pattern}` is not a URL path starting with `/`"
            )));
        }
        route_glob(&pattern).map_err(serde::de::Error::custom)?;
        Ok(RouteGlob(pattern))
    }
}

/// The contract of the site's lead form: where it posts, how, and whether
/// the page must offer a `mailto:` link beside it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadForm {
    /// The same-origin URL path the lead form posts to, e.g. `/lead`.
    pub action: String,
    #[serde(default)]
    pub method: FormMethod,
    /// Whether a page with the lead form must show a visible `mailto:` link.
    #[serde(default = "yes")]
    pub mailto_fallback: bool,
}

fn yes() -> bool {
    true
}

/// The HTTP method a form uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FormMethod {
    Get,
    #[default]
    Post,
}

impl FormMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            FormMethod::Get => "get",
            FormMethod::Post => "post",
        }
    }
}

/// Which findings a config keeps, and at what severity.
pub(crate) struct Filter {
    ignore: GlobSet,
    rules: BTreeMap<String, Level>,
}

impl Filter {
    /// Whether findings in `file` are dropped whatever their rule.
    pub(crate) fn ignores(&self, file: &str) -> bool {
        self.ignore.is_match(file)
    }

    /// Whether the config leaves `rule` on (it may still ignore files).
    pub(crate) fn rule_on(&self, rule: &str) -> bool {
        let category = rule.split_once('/').map_or(rule, |(category, _)| category);
        let level = self.rules.get(rule).or_else(|| self.rules.get(category));
        !matches!(level, Some(Level::Off))
    }

    /// The severity a finding of `rule` in `file` is reported with, or
    /// `None` when it is not reported.
    pub(crate) fn severity(&self, rule: &str, file: &str, default: Severity) -> Option<Severity> {
        if self.ignore.is_match(file) {
            return None;
        }
        let category = rule.split_once('/').map_or(rule, |(category, _)| category);
        let level = self.rules.get(rule).or_else(|| self.rules.get(category));
        match level {
            None => Some(default),
            Some(Level::Error) => Some(Severity::Error),
            Some(Level::Warning) => Some(Severity::Warning),
            Some(Level::Off) => None,
        }
    }
}

/// The most a config file or evidence register may hold: they are a few
/// lines of YAML, and reading a pipe or a device named by mistake must end.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

impl Config {
    /// The finding filter of this config: its ignore globs and severities.
    pub(crate) fn filter(&self) -> Filter {
        let mut ignore = GlobSetBuilder::new();
        for PathGlob(pattern) in &self.ignore {
            // Checked when deserialised; a config built in code with a bad
            // glob ignores nothing rather than everything.
            if let Ok(glob) = path_glob(pattern) {
                ignore.add(glob);
            }
        }
        Filter {
            ignore: ignore.build().unwrap_or_else(|_| GlobSet::empty()),
            rules: self
                .rules
                .iter()
                .map(|(selector, level)| (selector.0.clone(), *level))
                .collect(),
        }
    }

    /// The routes a Worker serves, as one matcher over URL paths.
    pub(crate) fn worker_routes(&self) -> GlobSet {
        let mut routes = GlobSetBuilder::new();
        for RouteGlob(pattern) in &self.worker_routes {
            if let Ok(glob) = route_glob(pattern) {
                routes.add(glob);
            }
        }
        routes.build().unwrap_or_else(|_| GlobSet::empty())
    }

    /// The clock of the check: [`Config::now`], else the system clock.
    pub fn now(&self) -> i64 {
        self.now.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| {
                    i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
                })
        })
    }

    /// The size cap in force.
    pub fn max_file_bytes(&self) -> u64 {
        self.max_file_bytes
            .unwrap_or(crate::bundle::DEFAULT_MAX_FILE_BYTES)
    }
}

/// Reads a small YAML file given on the command line or in a config: a
/// regular file of at most [`MAX_CONFIG_BYTES`], as UTF-8 text.
pub(crate) fn read_small_file(path: &Path) -> std::io::Result<String> {
    let bytes =
        crate::bundle::read_capped_following_links(path, MAX_CONFIG_BYTES).map_err(|error| {
            match error {
                crate::bundle::ReadError::Io(error) => error,
                other => std::io::Error::new(std::io::ErrorKind::InvalidData, other.to_string()),
            }
        })?;
    String::from_utf8(bytes).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the file is not valid UTF-8",
        )
    })
}

impl Config {
    /// Reads a config file; relative paths inside it resolve against its folder.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = read_small_file(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Config::parse(&text, path)?;
        if let (Some(register), Some(folder)) = (&config.evidence_register, path.parent())
            && register.is_relative()
        {
            config.evidence_register = Some(folder.join(register));
        }
        Ok(config)
    }

    /// Parses config YAML read from `path` (named in errors): a standalone
    /// config, or a site config whose `validator:` section is the config
    /// (its other keys belong to the site generator, which checks them).
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        /// A site config, as far as the validator reads it.
        #[derive(Deserialize)]
        struct SiteFile {
            validator: Config,
        }
        // A standalone config has no `validator` key (it would be
        // unknown), so a top-level one marks a site config.
        let is_site_file = text.lines().any(|line| {
            line.strip_prefix("validator")
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        });
        let mut config = if is_site_file {
            serde_saphyr::from_str::<SiteFile>(text)
                .map(|site| site.validator)
                .map_err(|e| parse_error(&e, path))?
        } else {
            serde_saphyr::from_str::<Config>(text).map_err(|e| parse_error(&e, path))?
        };
        config.source = Some(path.to_path_buf());
        Ok(config)
    }
}

/// A YAML error as [`ConfigError::Parse`], its position given once, in
/// front, as `file:line:column`.
fn parse_error(error: &serde_saphyr::Error, path: &Path) -> ConfigError {
    let location = error.location();
    let plain = error.without_snippet().to_string();
    let message = match plain.rsplit_once(" at line ") {
        Some((message, tail)) if tail.contains(", column ") => message.to_string(),
        _ => plain,
    };
    ConfigError::Parse {
        path: path.to_path_buf(),
        line: location.map(|l| l.line()),
        column: location.map(|l| l.column()),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("validator.yaml")).map_err(|e| e.to_string())
    }

    #[test]
    fn unknown_keys_rules_and_bad_globs_name_file_and_line() {
        for (text, line, words) in [
            (
                "site_origin: https://a.example\nlead_from: {}\n",
                2,
                "lead_from",
            ),
            ("rules:\n  inline/no-such-rule: off\n", 2, "no-such-rule"),
            ("ignore:\n  - \"a/[b\"\n", 2, "a/[b"),
            ("worker_routes:\n  - lead\n", 2, "lead"),
            ("lead_form:\n  action: /lead\n  mehtod: post\n", 3, "mehtod"),
            ("rules:\n  csp: loud\n", 2, "loud"),
            (
                "suppress:\n  - rule: inline/script\n    path: a\n    resaon: x\n",
                4,
                "resaon",
            ),
            (
                "suppress:\n  - rule: inline/no-such-rule\n    path: a\n",
                2,
                "no-such-rule",
            ),
            (
                "suppress:\n  - rule: suppression/unused\n    path: a\n",
                2,
                "rules:",
            ),
            (
                "suppress:\n  - rule: csp/*\n    path: \"a/[b\"\n",
                3,
                "a/[b",
            ),
        ] {
            let error = parse(text).expect_err(text);
            assert!(
                error.starts_with(&format!("validator.yaml:{line}:")),
                "{text:?}: {error}"
            );
            assert!(error.contains(words), "{text:?}: {error}");
        }
    }

    #[test]
    fn a_site_config_gives_its_validator_section() {
        let site = "name: BayStore\nbase_url: https://b.example\nvalidator:\n  lead_form:\n    action: /lead\n";
        let config = parse(site).unwrap();
        assert_eq!(config.lead_form.unwrap().action, "/lead");
        // Inside the section, unknown keys are still refused where they are.
        let error = parse("name: B\nvalidator:\n  lead_fomr: {}\n").unwrap_err();
        assert!(error.starts_with("validator.yaml:3:"), "{error}");
        // The repository's own site.yaml is a valid config.
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../site.yaml"))
                .unwrap();
        let sample = Config::parse(&text, Path::new("site.yaml")).unwrap();
        assert!(sample.lead_form.is_some());
        assert_eq!(sample.worker_routes.len(), 2);
    }

    #[test]
    fn severities_by_rule_win_over_category() {
        let config = parse(
            "rules:\n  inline: warning\n  inline/event-handler: off\n  csp/missing: error\nignore:\n  - \"vendor/**\"\n",
        )
        .unwrap();
        let filter = config.filter();
        let error = Severity::Error;
        assert_eq!(
            filter.severity("inline/event-handler", "a.html", error),
            None
        );
        assert_eq!(
            filter.severity("inline/script", "a.html", error),
            Some(Severity::Warning)
        );
        assert_eq!(
            filter.severity("csp/missing", "a.html", Severity::Warning),
            Some(Severity::Error)
        );
        assert_eq!(
            filter.severity("sri/malformed", "a.html", error),
            Some(error)
        );
        assert_eq!(
            filter.severity("sri/malformed", "vendor/x/y.js", error),
            None
        );
        assert_eq!(
            filter.severity("sri/malformed", "vendorx/y.js", error),
            Some(error)
        );
    }

    #[test]
    fn the_lead_form_contract_defaults_to_post_with_a_fallback() {
        let config =
            parse("lead_form:\n  action: /lead\nworker_routes: [\"/lead\", \"/a/*\"]\n").unwrap();
        let contract = config.lead_form.clone().unwrap();
        assert_eq!(contract.method, FormMethod::Post);
        assert!(contract.mailto_fallback);
        let routes = config.worker_routes();
        assert!(routes.is_match("/a/event") && routes.is_match("/a/x/y"));
        assert!(routes.is_match("/lead") && !routes.is_match("/leads"));
        assert!(Config::default().lead_form.is_none());
        assert!(Config::default().worker_routes().is_empty());
    }

    proptest! {
        /// Config text of any shape parses or fails with an error; it never
        /// panics, and a position it names lies inside the text.
        #[test]
        fn fuzz_config_parse(
            key in prop::sample::select(vec!["rules", "ignore", "worker_routes", "lead_form", "nope"]),
            value in "[ -~\n]{0,40}",
        ) {
            let text = format!("{key}:\n  {value}\n");
            if let Err(ConfigError::Parse { line: Some(line), .. }) =
                Config::parse(&text, Path::new("v.yaml"))
            {
                prop_assert!(line as usize <= text.lines().count() + 1);
            }
        }

        /// A worker route that is a plain path is its own one match; a
        /// glob is never taken for one.
        #[test]
        fn fuzz_literal_worker_routes_match_themselves(path in "/[a-z*?{}\\[\\]/.-]{0,16}") {
            let text = format!("worker_routes: [{}]\n", serde_json::to_string(&path).unwrap());
            if let Ok(config) = parse(&text) {
                let route = &config.worker_routes[0];
                let has_glob = path.contains(['*', '?', '[', ']', '{', '}']);
                prop_assert_eq!(route.literal().is_some(), !has_glob);
                if let Some(literal) = route.literal() {
                    prop_assert!(config.worker_routes().is_match(literal));
                }
            }
        }

        /// In an ignore glob `*` never crosses a folder, and `**` does.
        #[test]
        fn fuzz_ignore_globs_respect_folders(name in "[a-z/]{1,12}") {
            let config = parse("ignore: [\"legacy/*.html\"]\n").unwrap();
            let filter = config.filter();
            let path = format!("legacy/{name}.html");
            let ignored = filter.severity("inline/script", &path, Severity::Error).is_none();
            prop_assert_eq!(ignored, !name.contains('/'));
        }
    }
}
