//! Command line of the BayStore site generator.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use baystore_site::config::{SITE_CONFIG_FILE, SiteConfig};
use baystore_site::error::WithCauses;
use baystore_site::{BuildOptions, BuildSummary, Error, build, dev, scaffold};
use bundle_validator::cli::{self as validator_cli, FormatArg, ReportArgs};
use bundle_validator::output::{HumanOptions, SarifOptions, diagnostics_with};
use clap::{Parser, Subcommand};

// Rendering allocates many small strings per page on every thread (Markdown
// events, template values, highlighted spans); mimalloc's thread-local free
// lists make that markedly cheaper than the system allocator's arenas,
// which took a seventh of a build's instructions. It is built without its
// transparent huge pages (`no_thp`): a build frees one phase's memory and
// allocates the next phase's, and with huge pages every page mimalloc gave
// back came back as 2 MiB zeroed by the kernel, a tenth of a build's CPU
// time and 40 MiB more at the peak.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Builds the BayStore site into a self-hosted, validated bundle.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site and validate the bundle.
    Build {
        /// Site folder (holding site.yaml).
        #[arg(long, default_value = ".")]
        site: PathBuf,
        /// Output folder, replaced only when the build succeeds.
        #[arg(long, default_value = "dist")]
        out: PathBuf,
        /// Keep the bundle of a build that fails validation, for inspection.
        #[arg(long)]
        keep_failed: bool,
        /// Publish drafts too, marked noindex (for preview deploys).
        #[arg(long)]
        drafts: bool,
        /// Print the wall time of each build phase.
        #[arg(long)]
        timings: bool,
        /// The validator's report: human diagnostics on standard error
        /// (the default), or JSON or SARIF on standard output or in
        /// `--output`, each finding traced to the source that produced it.
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Run the validator on a bundle folder. Exit codes as the
    /// validator's: 0 no error finding, 1 error findings, 2 could not run.
    Check {
        /// Bundle folder.
        dir: PathBuf,
        /// Site folder whose site.yaml supplies the validator config.
        #[arg(long, default_value = ".")]
        site: PathBuf,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Fetch the deployed site at URL and prove it serves the built
    /// bundle unchanged (bytes, `_headers`, no injected markup, SRI, Worker
    /// routes). Exit codes as the validator's: 0 no error finding, 1 error
    /// findings, 2 could not run.
    Verify {
        #[command(flatten)]
        verify: validator_cli::VerifyArgs,
        /// Site folder whose site.yaml supplies the validator config.
        #[arg(long, default_value = ".")]
        site: PathBuf,
        /// The bundle the site was deployed from (as `build --out`).
        #[arg(long, default_value = "dist")]
        bundle: PathBuf,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Serve the site on 127.0.0.1 with its _headers and the Worker,
    /// rebuild on every change and reload the browser.
    Dev {
        /// Site folder (holding site.yaml).
        #[arg(long, default_value = ".")]
        site: PathBuf,
        /// Port on 127.0.0.1 (0: any free port).
        #[arg(long, default_value_t = 8787)]
        port: u16,
        /// Publish drafts, marked noindex.
        #[arg(long)]
        drafts: bool,
        /// Do not start the Worker (wrangler dev); its routes answer 503.
        #[arg(long)]
        no_worker: bool,
        /// Folder of the Worker's local D1 state, as for `wrangler dev --persist-to`
        /// (default: .wrangler/state).
        #[arg(long = "persist-to")]
        state: Option<PathBuf>,
        /// Print the wall time of each phase of every build.
        #[arg(long)]
        timings: bool,
    },
    /// Scaffold a Markdown page under content/.
    New {
        /// Page path, e.g. `blog/launch` for content/blog/launch.md.
        path: String,
        /// Page title.
        #[arg(long)]
        title: String,
        /// Site folder (holding site.yaml).
        #[arg(long, default_value = ".")]
        site: PathBuf,
    },
    /// Read, export and erase stored leads; every action is recorded.
    Leads(baystore_site::leads::LeadsArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with success; usage errors
            // exit 2, as the validator's do.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(validator_cli::EXIT_COULD_NOT_RUN)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Build {
            site,
            out,
            keep_failed,
            drafts,
            timings,
            report,
        } => {
            let progress = |done: usize, total: usize| eprintln!("rendered {done}/{total} pages");
            let mut options = BuildOptions::new(site, out);
            options.keep_failed = keep_failed;
            options.drafts = drafts;
            options.progress = Some(&progress);
            let result = build(&options);
            print_outcome(&result, &options, &report)?;
            if let (true, Ok(summary)) = (timings, &result) {
                eprintln!("{}", phases_line(&summary.phases));
            }
            Ok(if result.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Check { dir, site, report } => Ok(match check(&dir, &site, &report) {
            Ok(code) => ExitCode::from(code),
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::from(validator_cli::EXIT_COULD_NOT_RUN)
            }
        }),
        Command::Verify {
            verify,
            site,
            bundle,
            report,
        } => Ok(match verify_site(&verify, &site, &bundle, &report) {
            Ok(code) => ExitCode::from(code),
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::from(validator_cli::EXIT_COULD_NOT_RUN)
            }
        }),
        Command::Dev {
            site,
            port,
            drafts,
            no_worker,
            state,
            timings,
        } => {
            let options = dev::DevOptions {
                site_dir: site,
                port,
                drafts,
                worker: !no_worker,
                state,
            };
            dev::run(&options, &|event| print_dev_event(event, timings))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::New { path, title, site } => {
            let file = scaffold::new_page(&site, &path, &title)?;
            println!("created {}", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Leads(args) => {
            baystore_site::leads::run(
                &args,
                &mut std::io::stdout().lock(),
                &mut std::io::stderr().lock(),
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The wall time of each phase of a build, as one line.
fn phases_line(p: &baystore_site::bundle::PhaseTimes) -> String {
    format!(
        "phases: load {:.3}s, render+write {:.3}s, validate {:.3}s, evidence {:.3}s, swap {:.3}s",
        p.load.as_secs_f64(),
        p.write.as_secs_f64(),
        p.validate.as_secs_f64(),
        p.evidence.as_secs_f64(),
        p.swap.as_secs_f64()
    )
}

fn print_dev_event(event: dev::DevEvent<'_>, timings: bool) {
    let diagnostics = |report: &bundle_validator::Report| {
        let options = HumanOptions {
            color: validator_cli::ColorChoice::Auto.for_stderr(),
            quiet: false,
        };
        diagnostics_with(report, options)
    };
    match event {
        dev::DevEvent::StartingWorker => {
            eprintln!("starting the Worker (wrangler dev, local D1 with migrations applied)...");
        }
        dev::DevEvent::NoWorker(why) => eprintln!("note: {why}"),
        dev::DevEvent::Built {
            build,
            result,
            elapsed,
        } => match result {
            Ok(summary) => {
                eprint!("{}", diagnostics(&summary.report));
                let how = match summary.rewritten {
                    Some(files) => format!(", {files} files rewritten in place"),
                    None => String::new(),
                };
                eprintln!(
                    "build {build}: {} pages{how}, {} warnings, served after {} ms",
                    summary.pages,
                    summary.report.warning_count(),
                    elapsed.as_millis()
                );
                if timings {
                    eprintln!("{}", phases_line(&summary.phases));
                }
            }
            Err(error) => {
                if let Error::ValidationFailed { report: found, .. } = error {
                    eprint!("{}", diagnostics(found));
                }
                for each in error.errors() {
                    eprintln!("error: {}", WithCauses(each));
                }
                eprintln!("build {build} failed: still serving the last good build");
            }
        },
        dev::DevEvent::Listening(address) => println!("serving on http://{address}/"),
        dev::DevEvent::Stopping => eprintln!("stopping"),
    }
}

/// Checks the bundle in `dir` with the validator config of the site in
/// `site` and writes the report as the validator's CLI does, through the
/// same code; returns the exit code of a check that ran.
fn check(dir: &Path, site: &Path, report: &ReportArgs) -> anyhow::Result<u8> {
    // Any bundle can be checked; a site folder with a site.yaml supplies
    // the origin, admin prefixes, evidence register and contracts.
    let config = if site.join(SITE_CONFIG_FILE).is_file() {
        SiteConfig::load(site)?.validator_config(site)
    } else {
        bundle_validator::Config::default()
    };
    let found = bundle_validator::check(dir, &config)
        .with_context(|| format!("cannot check {}", dir.display()))?;
    if let Some(summary) = report.write(&found, &SarifOptions::default())? {
        eprintln!("{summary}");
    }
    Ok(validator_cli::exit_code(&found))
}

/// Verifies the site served at the URL of `args` against the bundle in
/// `bundle`, with the validator config of the site in `site`, and writes
/// the report as the validator's CLI does; returns the exit code of a
/// verification that ran.
fn verify_site(
    args: &validator_cli::VerifyArgs,
    site: &Path,
    bundle: &Path,
    report: &ReportArgs,
) -> anyhow::Result<u8> {
    let config = if site.join(SITE_CONFIG_FILE).is_file() {
        SiteConfig::load(site)?.validator_config(site)
    } else {
        bundle_validator::Config::default()
    };
    let options = args.options()?;
    let verified = bundle_validator::verify::verify(&args.url, bundle, &config, &options)
        .context("cannot verify the site")?;
    if report.notes() {
        eprintln!("note: {}", verified.summary(&args.url));
    }
    if let Some(summary) = report.write(&verified.report, &SarifOptions::default())? {
        eprintln!("{summary}");
    }
    Ok(validator_cli::exit_code(&verified.report))
}

/// Prints the outcome of a build: the validator's report as `report`
/// asks (human diagnostics on standard error by default), the summary
/// line, and every error of a failed build.
fn print_outcome(
    result: &Result<BuildSummary, Error>,
    options: &BuildOptions<'_>,
    report: &ReportArgs,
) -> anyhow::Result<()> {
    let found = match result {
        Ok(summary) => Some(&summary.report),
        Err(Error::ValidationFailed { report: found, .. }) => Some(found.as_ref()),
        Err(_) => None,
    };
    if let Some(found) = found {
        if report.format == FormatArg::Human && report.output.is_none() {
            let human = HumanOptions {
                color: report.color.for_stderr(),
                quiet: report.quiet,
            };
            eprint!("{}", diagnostics_with(found, human));
        } else if let Some(summary) =
            report.write(found, &SarifOptions::for_site(&options.site_dir))?
        {
            eprintln!("{summary}");
        }
    }
    match result {
        Ok(summary) => {
            println!(
                "built {} pages, {} assets ({} images processed, {} reused) in {:.2}s -> {}/ (0 errors, {} warnings)",
                summary.pages,
                summary.assets,
                summary.images.processed,
                summary.images.reused,
                summary.elapsed.as_secs_f64(),
                options.out_dir.display(),
                summary.report.warning_count()
            );
        }
        Err(error) => {
            for each in error.errors() {
                eprintln!("error: {}", WithCauses(each));
            }
        }
    }
    Ok(())
}
