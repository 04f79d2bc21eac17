//! `dev`: build the site, serve it on loopback with its `_headers` and the
//! real Worker, rebuild when a source changes, and reload the browser.
//!
//! ```text
//!  browser ──► dev server (127.0.0.1:PORT)
//!               ├─ /__baystore/events   build state, as server-sent events
//!               ├─ Worker routes ──────► wrangler dev (private port, local D1)
//!               └─ everything else      the last good bundle, `_headers` applied
//! ```
//!
//! A full build goes to a fresh folder inside a temporary folder of the
//! dev server's own; the server switches to it only when it passed the
//! gate, so a failed build keeps the last good bundle served and its
//! errors go to the terminal and to the browser overlay. After an edit of
//! content pages only, the build rewrites the changed pages (with the
//! feeds that list them and the evidence) in the served bundle itself,
//! which answers their last good bytes until the build has passed (see
//! [`crate::rebuild`]). Builds are triggered by file-system notifications
//! (debounced), never by polling. Every build of one server counts as
//! made when the server started (`now()` in templates), so a page that
//! did not change is the same in every build.
//! Stopping (Ctrl-C or SIGTERM) stops wrangler and workerd, removes the
//! temporary folder and frees both ports.

pub mod client;
pub mod server;
pub mod static_files;
pub mod watch;
pub mod worker;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::bundle::{BuildOptions, BuildSummary, build_again};
use crate::error::Error;
use crate::rebuild::{LastGoodBytes, Reuse};
use server::{BuildState, Served, Shared};
use worker::{Worker, WorkerConfig, WorkerError};

/// Builds kept besides the one being served: a request that resolved a
/// file of the previous build just before the switch can still read it.
const KEPT_PREVIOUS_BUILDS: u64 = 1;

/// How to run the dev server.
#[derive(Debug, Clone)]
pub struct DevOptions {
    /// The site folder.
    pub site_dir: PathBuf,
    /// Loopback port to listen on (0: any free port).
    pub port: u16,
    /// Publish drafts (marked noindex), as `build --drafts`.
    pub drafts: bool,
    /// Start the Worker with `wrangler dev` when the site has it.
    pub worker: bool,
    /// Folder of the Worker's local state (D1); wrangler's default
    /// `.wrangler/state` in the site folder when `None`.
    pub state: Option<PathBuf>,
}

/// What the dev server tells its caller, to print.
#[derive(Debug)]
pub enum DevEvent<'a> {
    /// Starting wrangler dev (applying migrations first).
    StartingWorker,
    /// The Worker is not started, and why.
    NoWorker(String),
    /// A build finished.
    Built {
        /// Its number.
        build: u64,
        /// Its outcome.
        result: &'a Result<BuildSummary, Error>,
        /// Wall time from the change to the switch.
        elapsed: Duration,
    },
    /// The server answers on this address.
    Listening(SocketAddr),
    /// Stopping, after a signal.
    Stopping,
}

/// Why the dev server could not run.
#[derive(Debug, thiserror::Error)]
pub enum DevError {
    /// A folder or file could not be set up.
    #[error("cannot {action}")]
    Io {
        /// What failed.
        action: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The Worker could not start.
    #[error(transparent)]
    Worker(#[from] WorkerError),
    /// The file watcher could not start.
    #[error("cannot watch the site's files: {0}")]
    Watch(String),
}

fn io(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> DevError {
    let action = action.into();
    move |source| DevError::Io { action, source }
}

/// Runs the dev server until Ctrl-C or SIGTERM.
pub fn run(options: &DevOptions, report: &(dyn Fn(DevEvent<'_>) + Sync)) -> Result<(), DevError> {
    let work = tempfile::Builder::new()
        .prefix("baystore-dev-")
        .tempdir()
        .map_err(io("create a temporary folder for dev builds"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(io("start the server runtime"))?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind((
            Ipv4Addr::LOCALHOST,
            options.port,
        )))
        .map_err(io(format!("listen on 127.0.0.1:{}", options.port)))?;
    let address = listener
        .local_addr()
        .map_err(io("read the server address"))?;

    let worker_config = WorkerConfig::load(&options.site_dir)?.unwrap_or_default();
    let mut worker = None;
    if options.worker
        && options
            .site_dir
            .join("node_modules/.bin/wrangler")
            .is_file()
    {
        report(DevEvent::StartingWorker);
        worker = Some(Worker::start(
            &options.site_dir,
            work.path(),
            &worker_config,
            options.state.as_deref(),
        )?);
    } else if !worker_config.routes.is_empty() {
        report(DevEvent::NoWorker(if options.worker {
            "wrangler is not installed here (run `npm ci`): the Worker's routes answer 503".into()
        } else {
            "started without the Worker: its routes answer 503".into()
        }));
    }
    let (state, _) = tokio::sync::watch::channel(BuildState::default());
    let shared = Arc::new(Shared {
        served: RwLock::new(None),
        state,
        worker: worker.as_ref().map(|w| (worker_config.clone(), w.address)),
        worker_routes: worker_config,
    });

    // A malformed `SOURCE_DATE_EPOCH` is left for each build to report.
    let build_time = crate::template_functions::build_time(
        std::env::var_os(crate::template_functions::SOURCE_DATE_EPOCH).as_deref(),
    )
    .ok();
    let builds = Builder {
        options: options.clone(),
        work_dir: work.path().to_path_buf(),
        shared: Arc::clone(&shared),
        next: 1,
        kept: Vec::new(),
        reuse: Reuse::new(),
        build_time,
    };
    let changes = watch::Watcher::start(&options.site_dir).map_err(DevError::Watch)?;
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let mut builds = builds;
        // The first build, before the URL is printed: a visitor never
        // sees an empty server.
        builds.build_once(Instant::now(), report);
        report(DevEvent::Listening(address));
        let stop = &stop;
        scope.spawn(move || {
            while let Some(batch) = changes.next_batch(stop) {
                if batch.complete {
                    builds.reuse.sources_changed(&batch.paths);
                } else {
                    builds.reuse.forget();
                }
                builds.build_once(batch.started, report);
            }
        });
        runtime.block_on(async {
            tokio::select! {
                () = accept_loop(listener, Arc::clone(&shared)) => {}
                () = stop_signal() => {}
            }
        });
        report(DevEvent::Stopping);
        stop.store(true, Ordering::Relaxed);
    });
    if let Some(mut worker) = worker {
        worker.stop();
    }
    // Tasks still holding connections end with the runtime.
    runtime.shutdown_timeout(Duration::from_secs(1));
    drop(work);
    Ok(())
}

/// Accepts connections until the listener fails.
async fn accept_loop(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(server::serve_connection(stream, Arc::clone(&shared)));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs builds and switches the server to each one that passes.
struct Builder {
    options: DevOptions,
    work_dir: PathBuf,
    shared: Arc<Shared>,
    next: u64,
    /// Numbers of the full builds that passed and are still on disk,
    /// oldest first.
    kept: Vec<u64>,
    /// What the last good build leaves the next.
    reuse: Reuse,
    /// When every build of this server counts as made.
    build_time: Option<jiff::Timestamp>,
}

impl Builder {
    /// Builds once, into a fresh folder or in place (see the module
    /// documentation); on success the server switches to the new bundle
    /// and the reload client is told, on failure the client is shown the
    /// errors and the last good build stays.
    fn build_once(&mut self, started: Instant, report: &(dyn Fn(DevEvent<'_>) + Sync)) {
        let number = self.next;
        self.next += 1;
        let out = self.build_dir(number);
        let mut options = BuildOptions::new(self.options.site_dir.clone(), out.clone());
        options.drafts = self.options.drafts;
        options.dev = true;
        options.build_time = self.build_time;
        let served = self
            .shared
            .served
            .read()
            .ok()
            .and_then(|served| served.as_ref().map(Arc::clone));
        // Only the served bundle is read by requests, so only its files
        // need their last good bytes answered while they are rewritten.
        // The build names its folder by its canonical path.
        let shield = |dir: &Path, saved: &LastGoodBytes| {
            let serves = |served: &&Arc<Served>| {
                served.root == dir
                    || matches!(
                        (served.root.canonicalize(), dir.canonicalize()),
                        (Ok(root), Ok(dir)) if root == dir
                    )
            };
            if let Some(served) = served.as_ref().filter(serves)
                && let Ok(mut shadow) = served.shadow.write()
            {
                for (path, bytes) in saved {
                    shadow.insert(path.clone(), Arc::clone(bytes));
                }
            }
        };
        let result = build_again(&options, &mut self.reuse, &shield);
        // The rewritten files are final, or back as they were: either way
        // the files themselves are answered again.
        if let Some(served) = &served
            && let Ok(mut shadow) = served.shadow.write()
        {
            shadow.clear();
        }
        match &result {
            Ok(summary) => {
                if summary.rewritten.is_none() {
                    if let Ok(mut served) = self.shared.served.write() {
                        *served = Some(Arc::new(Served::new(out)));
                    }
                    self.kept.push(number);
                }
                self.shared.state.send_replace(BuildState {
                    build: number,
                    errors: Vec::new(),
                });
                self.remove_old_builds();
            }
            Err(error) => {
                let errors = error.errors().iter().map(ToString::to_string).collect();
                self.shared.state.send_modify(|state| state.errors = errors);
            }
        }
        report(DevEvent::Built {
            build: number,
            result: &result,
            elapsed: started.elapsed(),
        });
    }

    fn build_dir(&self, number: u64) -> PathBuf {
        self.work_dir.join(format!("build-{number}"))
    }

    /// Removes the builds before the previous good one. Every one of them
    /// was written by this generator into this server's own folder.
    fn remove_old_builds(&mut self) {
        let keep = usize::try_from(KEPT_PREVIOUS_BUILDS + 1).unwrap_or(usize::MAX);
        while self.kept.len() > keep {
            let number = self.kept.remove(0);
            let _ = crate::out_dir::remove_tree(&self.build_dir(number));
        }
    }
}
