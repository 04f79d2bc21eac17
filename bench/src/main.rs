//! Benchmark command: builds an N-page corpus with this generator and with
//! Hugo, on tmpfs and on disk, and prints a Markdown table of medians.

use std::path::PathBuf;

use baystore_bench::benchmark::{BenchOptions, markdown_table, run};
use baystore_bench::corpus::{self, Variant};
use baystore_bench::dev_latency;
use clap::Parser;

/// Times this generator against Hugo on a generated corpus.
#[derive(Parser)]
#[command(about)]
struct Args {
    /// Pages in the corpus.
    #[arg(long, default_value_t = 1000)]
    pages: usize,
    /// Which corpus: pages in folders, or dated and tagged pages in
    /// paginated sections with feeds.
    #[arg(long, value_enum, default_value_t = Variant::Plain)]
    variant: Variant,
    /// Timed runs per command.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Folder on tmpfs.
    #[arg(long, default_value = "/dev/shm")]
    tmpfs: PathBuf,
    /// Folder on disk.
    #[arg(long, default_value = "target")]
    disk: PathBuf,
    /// Hugo binary.
    #[arg(long, default_value = "hugo")]
    hugo: String,
    /// Only write the corpus into this folder (`ours/` and `hugo/`), for
    /// profiling one tool by hand, and time nothing.
    #[arg(long)]
    write_corpus: Option<PathBuf>,
    /// Instead of full builds, time the dev loop: this many edits of one
    /// page, each until the dev server serves the new text (on tmpfs).
    #[arg(long)]
    dev_edits: Option<usize>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(dir) = &args.write_corpus {
        corpus::write_corpus(dir, args.pages, args.variant)?;
        return Ok(());
    }
    // The generator binary is built next to this one by the same cargo
    // build (see BENCHMARKS.md for the command).
    let generator = std::env::current_exe()?.with_file_name("baystore-site");
    anyhow::ensure!(
        generator.is_file(),
        "{} is missing: build it first with `cargo build --release -p baystore-site -p baystore-bench`",
        generator.display()
    );
    if let Some(edits) = args.dev_edits {
        let options = dev_latency::DevLatencyOptions {
            pages: args.pages,
            variant: args.variant,
            edits,
            base: args.tmpfs.clone(),
            generator,
        };
        let times = dev_latency::run(&options)?;
        print!(
            "| pages | corpus | edits | median edit-to-visible | worst |\n|---:|---|---:|---:|---:|\n{}",
            dev_latency::markdown_row(&options, &times)
        );
        return Ok(());
    }
    let disk = std::path::absolute(&args.disk)?;
    let options = BenchOptions {
        pages: args.pages,
        variant: args.variant,
        runs: args.runs,
        locations: vec![("tmpfs".into(), args.tmpfs), ("disk".into(), disk)],
        generator,
        hugo: args.hugo,
    };
    let measurements = run(&options)?;
    print!("{}", markdown_table(args.pages, &measurements));
    Ok(())
}
