//! Thin CLI over the `bundle_validator` library. Exit codes: 0 no error
//! finding, 1 at least one, 2 could not run.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use bundle_validator::baseline::Baseline;
use bundle_validator::cli::{self, ReportArgs};
use bundle_validator::output;
use clap::{Parser, Subcommand};

// A check allocates many small strings per element on every thread (names,
// attribute values, URLs); mimalloc's thread-local free lists make that
// markedly cheaper than the system allocator's shared arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "bundle-validator",
    version,
    about = "Checks a static site bundle against its security promises."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the bundle in DIR and report every finding.
    Check {
        /// The bundle directory (e.g. dist/).
        dir: PathBuf,
        /// Validator config (YAML, the `validator:` section of the site config).
        #[arg(long)]
        config: Option<PathBuf>,
        #[command(flatten)]
        report: ReportArgs,
        /// Accept the findings recorded in this baseline: fail only on new
        /// ones, and name the entries that no longer occur.
        #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
        baseline: Option<PathBuf>,
        /// Record every finding of this check in a baseline file (and exit 0).
        #[arg(long, value_name = "FILE")]
        write_baseline: Option<PathBuf>,
        /// The repository root DIR lies in: SARIF locations become
        /// repository paths under the base id SRCROOT.
        #[arg(long, value_name = "ROOT")]
        source_root: Option<PathBuf>,
        /// The time dates are judged against (`Expires` of security.txt):
        /// seconds since the Unix epoch or an RFC 3339 time. Default:
        /// `SOURCE_DATE_EPOCH` when set, else the system clock.
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
    },
    /// Fetch the site served at URL and prove it serves the bundle in
    /// DIR unchanged: the same bytes, the headers `_headers` declares, no
    /// injected markup, intact SRI, and Worker routes that refuse a GET.
    Verify {
        #[command(flatten)]
        verify: cli::VerifyArgs,
        /// The bundle the site was deployed from (e.g. dist/).
        #[arg(long, value_name = "DIR")]
        bundle: PathBuf,
        /// Validator config (YAML): the site origin, lead form and Worker
        /// routes, severities.
        #[arg(long)]
        config: Option<PathBuf>,
        #[command(flatten)]
        report: ReportArgs,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with success; usage errors exit 2.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(cli::EXIT_COULD_NOT_RUN)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(cli::EXIT_COULD_NOT_RUN)
        }
    }
}

/// Runs the command and returns its exit code.
fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Check {
            dir,
            config,
            report,
            baseline,
            write_baseline,
            source_root,
            now,
        } => check(CheckArgs {
            dir,
            config,
            report_args: report,
            baseline,
            write_baseline,
            source_root,
            now,
        }),
        Command::Verify {
            verify,
            bundle,
            config,
            report,
        } => {
            let config = match config {
                Some(path) => bundle_validator::Config::from_file(&path)?,
                None => bundle_validator::Config::default(),
            };
            let options = verify.options()?;
            let verified =
                bundle_validator::verify::verify(&verify.url, &bundle, &config, &options)
                    .context("cannot verify the site")?;
            if report.notes() {
                eprintln!("note: {}", verified.summary(&verify.url));
            }
            if let Some(summary) =
                report.write(&verified.report, &output::SarifOptions::default())?
            {
                eprintln!("{summary}");
            }
            Ok(cli::exit_code(&verified.report))
        }
    }
}

/// The arguments of `check`.
struct CheckArgs {
    dir: PathBuf,
    config: Option<PathBuf>,
    report_args: ReportArgs,
    baseline: Option<PathBuf>,
    write_baseline: Option<PathBuf>,
    source_root: Option<PathBuf>,
    now: Option<String>,
}

/// Checks a bundle and returns the exit code.
fn check(args: CheckArgs) -> anyhow::Result<u8> {
    let CheckArgs {
        dir,
        config,
        report_args,
        baseline,
        write_baseline,
        source_root,
        now,
    } = args;
    let notes = report_args.notes();
    let sarif_options = match &source_root {
        Some(root) => sarif_options(root, &dir)?,
        None => output::SarifOptions::default(),
    };
    let mut config = match config {
        Some(path) => bundle_validator::Config::from_file(&path)?,
        None => bundle_validator::Config::default(),
    };
    config.now = match now {
        Some(text) => Some(parse_time(&text).with_context(|| format!("--now {text}"))?),
        None => match std::env::var("SOURCE_DATE_EPOCH") {
            Ok(text) => Some(parse_time(&text).context("SOURCE_DATE_EPOCH")?),
            Err(_) => None,
        },
    };
    let baseline = baseline.map(|path| Baseline::load(&path)).transpose()?;
    let mut report = bundle_validator::check(&dir, &config).context("cannot check the bundle")?;
    if let Some(path) = &write_baseline {
        let written = Baseline::from_report(&report);
        written.write(path)?;
        if notes {
            eprintln!(
                "note: baseline {} records {} findings",
                output::visible(&path.display().to_string()),
                report.findings.len()
            );
        }
    }
    if let Some(baseline) = &baseline {
        let applied = baseline.apply(&mut report);
        if notes {
            eprintln!(
                "note: the baseline accepted {} findings; {} entries no longer occur",
                applied.accepted,
                applied.stale.len()
            );
            for entry in &applied.stale {
                eprintln!(
                    "note: no longer occurs: {} in {} ({}, {} {})",
                    output::visible(&entry.rule),
                    output::visible(&entry.file),
                    output::visible(&entry.fingerprint),
                    entry.count,
                    if entry.count == 1 { "time" } else { "times" }
                );
            }
        }
    }
    if let Some(summary) = report_args.write(&report, &sarif_options)? {
        eprintln!("{summary}");
    }
    // Writing a baseline adopts today's findings, so it does not fail.
    Ok(if write_baseline.is_some() {
        cli::EXIT_OK
    } else {
        cli::exit_code(&report)
    })
}

/// Seconds since the Unix epoch, written as such or as an RFC 3339 time.
fn parse_time(text: &str) -> anyhow::Result<i64> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds);
    }
    bundle_validator::rules::securitytxt::parse_date_time(text).ok_or_else(|| {
        anyhow::anyhow!("not seconds since the Unix epoch nor an RFC 3339 date and time")
    })
}

/// Where the bundle `dir` lies inside the repository `root`, for SARIF.
fn sarif_options(root: &Path, dir: &Path) -> anyhow::Result<output::SarifOptions> {
    let root = root
        .canonicalize()
        .with_context(|| format!("source root {} cannot be read", root.display()))?;
    let bundle = dir
        .canonicalize()
        .with_context(|| format!("bundle directory {} cannot be read", dir.display()))?;
    let inside = bundle.strip_prefix(&root).map_err(|_| {
        anyhow::anyhow!(
            "the bundle {} is not inside the source root {}",
            bundle.display(),
            root.display()
        )
    })?;
    let segments = inside
        .components()
        .map(|c| {
            c.as_os_str()
                .to_str()
                .map(str::to_string)
                .context("the bundle's path inside the source root is not UTF-8")
        })
        .collect::<anyhow::Result<Vec<String>>>()?;
    let root_uri = url::Url::from_directory_path(&root)
        .map_err(|()| anyhow::anyhow!("source root {} is not an absolute path", root.display()))?;
    Ok(output::SarifOptions {
        bundle_in_root: Some(segments.join("/")),
        root_uri: Some(root_uri.to_string()),
        site_in_root: None,
    })
}
