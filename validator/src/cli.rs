//! What the command lines that check a bundle share: `bundle-validator
//! check`, which CI runs, and the site generator's `check`; and likewise
//! `bundle-validator verify` and the generator's `verify`. Their report
//! options (format, output file, quiet, colour), the options of a
//! verification and their exit codes are defined once, here, so that both
//! tools behave alike.

use std::ffi::OsString;
use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;

use crate::Report;
use crate::output::{self, Format, HumanOptions, SarifOptions};
use crate::verify;

/// Exit code of a check with no finding of severity error.
pub const EXIT_OK: u8 = 0;
/// Exit code of a check with at least one error finding.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code of a check that could not run: bad arguments, a bundle or
/// config that cannot be read, a report that cannot be written.
pub const EXIT_COULD_NOT_RUN: u8 = 2;

/// The exit code a finished check ends with.
pub fn exit_code(report: &Report) -> u8 {
    if report.error_count() > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// The options of `verify URL`, shared by both command lines.
#[derive(Debug, Clone, clap::Args)]
pub struct VerifyArgs {
    /// The deployed site's origin, e.g. `https://www.example.com`.
    pub url: String,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub concurrency: usize,
    /// Requests started per second, at most.
    #[arg(long, default_value_t = 10.0, value_name = "PER_SECOND")]
    pub rate: f64,
    /// Seconds one request may take, body included.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub timeout: f64,
    /// The most body bytes read from one answer (default: the config's
    /// `max_file_bytes`, 5 MiB unless set).
    #[arg(long, value_name = "BYTES")]
    pub max_body_bytes: Option<u64>,
    /// Where the pages to fetch come from: every HTML file of the bundle,
    /// or the `<loc>`s of its sitemap.xml.
    #[arg(long, value_enum, default_value_t = PagesArg::Bundle)]
    pub pages: PagesArg,
}

/// The page sources, as the command line names them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum PagesArg {
    #[default]
    Bundle,
    Sitemap,
}

/// Options that do not describe a verification.
#[derive(Debug, thiserror::Error)]
#[error("--timeout must be a positive number of seconds")]
pub struct BadTimeout;

impl VerifyArgs {
    /// The library's options for these arguments.
    pub fn options(&self) -> Result<verify::Options, BadTimeout> {
        let timeout = std::time::Duration::try_from_secs_f64(self.timeout)
            .ok()
            .filter(|timeout| !timeout.is_zero())
            .ok_or(BadTimeout)?;
        Ok(verify::Options {
            concurrency: self.concurrency,
            rate: self.rate,
            timeout,
            max_body_bytes: self.max_body_bytes,
            pages: match self.pages {
                PagesArg::Bundle => verify::PageSource::Bundle,
                PagesArg::Sitemap => verify::PageSource::Sitemap,
            },
        })
    }
}

/// How the report is written. The default is human text on standard
/// output, coloured on a terminal.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ReportArgs {
    /// Report format.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Write the report to FILE instead of standard output (never in
    /// colour); the summary line then goes to standard error.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Errors only: human output shows no warning and no rule table, and
    /// nothing when there is no error; notes on standard error are left
    /// out. JSON and SARIF reports stay complete. The exit code is the same.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// When to colour human output: `auto` colours a terminal unless
    /// NO_COLOR is set (CLICOLOR_FORCE colours any output).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// The report formats, as the command line names them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    #[default]
    Human,
    Json,
    Sarif,
}

impl From<FormatArg> for Format {
    fn from(format: FormatArg) -> Format {
        match format {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
        }
    }
}

/// When to colour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour text written to a stream, `is_terminal` saying
    /// whether it is one and `env` reading the environment. `always` and
    /// `never` are what they say. `auto` follows the conventions Rust's
    /// own tools follow (no-color.org and the CLICOLOR convention, as
    /// `anstream` reads them): a non-empty `NO_COLOR` turns colour off;
    /// else a `CLICOLOR_FORCE` other than empty or `0` turns it on for any
    /// stream; else `CLICOLOR=0` or `TERM=dumb` turn it off; else a
    /// terminal is coloured.
    pub fn enabled(self, is_terminal: bool, env: impl Fn(&str) -> Option<OsString>) -> bool {
        let set = |name: &str| env(name).filter(|value| !value.is_empty());
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                if set("NO_COLOR").is_some() {
                    false
                } else if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                    true
                } else if set("CLICOLOR").is_some_and(|v| v == "0")
                    || set("TERM").is_some_and(|v| v == "dumb")
                {
                    false
                } else {
                    is_terminal
                }
            }
        }
    }

    /// [`ColorChoice::enabled`] for the standard output of this process.
    pub fn for_stdout(self) -> bool {
        self.enabled(std::io::stdout().is_terminal(), |name| {
            std::env::var_os(name)
        })
    }

    /// [`ColorChoice::enabled`] for the standard error of this process.
    pub fn for_stderr(self) -> bool {
        self.enabled(std::io::stderr().is_terminal(), |name| {
            std::env::var_os(name)
        })
    }
}

/// A report that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write the report to {path}")]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the report")]
    Stdout(#[source] std::io::Error),
}

impl ReportArgs {
    /// The report in the chosen format; human text coloured when `color`.
    pub fn render(&self, report: &Report, sarif: &SarifOptions, color: bool) -> String {
        match self.format {
            FormatArg::Human => output::human_with(
                report,
                HumanOptions {
                    color,
                    quiet: self.quiet,
                },
            ),
            FormatArg::Json => output::json(report),
            FormatArg::Sarif => output::render_sarif(report, sarif),
        }
    }

    /// Writes the report: to `--output` (plain), or to standard output. A
    /// reader that closed standard output early (`| head`) is not an error
    /// of the check: the verdict still comes out as the exit code, as in
    /// ripgrep, instead of a panic.
    ///
    /// With `--output`, returns the line for the caller to print on
    /// standard error (the library prints nothing itself): the summary
    /// and where the report is, unless quiet with no error.
    pub fn write(
        &self,
        report: &Report,
        sarif: &SarifOptions,
    ) -> Result<Option<String>, OutputError> {
        match &self.output {
            Some(path) => {
                let text = self.render(report, sarif, false);
                std::fs::write(path, text).map_err(|source| OutputError::File {
                    path: path.clone(),
                    source,
                })?;
                Ok((!self.quiet || report.error_count() > 0).then(|| {
                    format!(
                        "{} (report in {})",
                        output::summary_line(report, self.color.for_stderr()),
                        output::visible(&path.display().to_string())
                    )
                }))
            }
            None => {
                let color = self.format == FormatArg::Human && self.color.for_stdout();
                let text = self.render(report, sarif, color);
                let mut stdout = std::io::stdout().lock();
                match stdout
                    .write_all(text.as_bytes())
                    .and_then(|()| stdout.flush())
                {
                    Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                        Err(OutputError::Stdout(e))
                    }
                    _ => Ok(None),
                }
            }
        }
    }

    /// Whether notes (baseline counts and the like) go to standard error.
    pub fn notes(&self) -> bool {
        !self.quiet
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn auto_colour_follows_the_terminal_and_the_environment() {
        let auto = ColorChoice::Auto;
        assert!(auto.enabled(true, env(&[])));
        assert!(!auto.enabled(false, env(&[])));
        // NO_COLOR, when not empty, turns colour off, even when forced.
        assert!(!auto.enabled(true, env(&[("NO_COLOR", "1")])));
        assert!(auto.enabled(true, env(&[("NO_COLOR", "")])));
        assert!(!auto.enabled(true, env(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")])));
        // CLICOLOR_FORCE colours a pipe; `0` does not force.
        assert!(auto.enabled(false, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!auto.enabled(false, env(&[("CLICOLOR_FORCE", "0")])));
        assert!(!auto.enabled(true, env(&[("CLICOLOR", "0")])));
        assert!(!auto.enabled(true, env(&[("TERM", "dumb")])));
        // Explicit choices win over everything.
        assert!(ColorChoice::Always.enabled(false, env(&[("NO_COLOR", "1")])));
        assert!(!ColorChoice::Never.enabled(true, env(&[("CLICOLOR_FORCE", "1")])));
    }
}
