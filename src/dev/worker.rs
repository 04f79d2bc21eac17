//! The real Worker behind the dev server: `wrangler dev` (workerd with a
//! local D1) on a private loopback port, with the project's migrations
//! applied to the local database before it starts.
//!
//! wrangler runs in a process group of its own, so stopping it stops
//! workerd and every other child with it, and the port is free again when
//! [`Worker::stop`] returns. wrangler restarts the Worker whenever its
//! assets folder changes, which fails requests in flight; it is therefore
//! given an empty folder of its own, and the dev server serves the bundle
//! itself and sends it only the Worker's routes.

use std::io::Read as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

/// How long wrangler may take to answer for the first time: the first run
/// builds the Worker to WebAssembly.
pub const START_TIMEOUT: Duration = Duration::from_secs(600);

/// How long wrangler may take to exit after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Why the Worker could not be started.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// `wrangler.toml` could not be read.
    #[error("cannot read {file}: {reason}")]
    Config {
        /// The file.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// A wrangler command could not be started.
    #[error("cannot run wrangler")]
    Spawn(#[source] std::io::Error),
    /// Applying the migrations failed.
    #[error(
        "applying the D1 migrations to the local database failed (exit status {status}); see {log}"
    )]
    Migrations {
        /// wrangler's exit status.
        status: String,
        /// The log file with wrangler's output.
        log: String,
    },
    /// wrangler dev exited or did not answer in time.
    #[error("wrangler dev {reason}; see {log}")]
    NotReady {
        /// What happened.
        reason: String,
        /// The log file with wrangler's output.
        log: String,
    },
}

/// The parts of `wrangler.toml` the dev server needs.
#[derive(Debug, Default, Deserialize)]
struct WranglerToml {
    #[serde(default)]
    assets: Option<AssetsSection>,
    #[serde(default)]
    d1_databases: Vec<D1Database>,
}

#[derive(Debug, Default, Deserialize)]
struct AssetsSection {
    #[serde(default)]
    run_worker_first: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
struct D1Database {
    binding: String,
    #[serde(default)]
    migrations_dir: Option<String>,
}

/// What `wrangler.toml` says about the Worker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkerConfig {
    /// Route patterns the Worker answers before static files
    /// (`run_worker_first`), e.g. `/lead`, `/a/*`.
    pub routes: Vec<String>,
    /// Bindings of D1 databases that have migrations.
    pub migrated_databases: Vec<String>,
}

impl WorkerConfig {
    /// Reads `wrangler.toml` in `site_dir`; `None` when there is none.
    pub fn load(site_dir: &Path) -> Result<Option<Self>, WorkerError> {
        let path = site_dir.join("wrangler.toml");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(WorkerError::Config {
                    file: "wrangler.toml".into(),
                    reason: e.to_string(),
                });
            }
        };
        Self::parse(&text).map(Some)
    }

    /// Parses the text of `wrangler.toml`.
    pub fn parse(text: &str) -> Result<Self, WorkerError> {
        let parsed: WranglerToml = toml::from_str(text).map_err(|e| WorkerError::Config {
            file: "wrangler.toml".into(),
            reason: e.message().to_string(),
        })?;
        let routes = match parsed.assets.and_then(|a| a.run_worker_first) {
            Some(toml::Value::Array(items)) => items
                .into_iter()
                .filter_map(|item| item.as_str().map(str::to_string))
                // Negated patterns exclude paths from the Worker; the dev
                // server sends only what a positive pattern names.
                .filter(|pattern| !pattern.starts_with('!'))
                .collect(),
            // `true` sends every request to the Worker first.
            Some(toml::Value::Boolean(true)) => vec!["/*".to_string()],
            _ => Vec::new(),
        };
        let migrated_databases = parsed
            .d1_databases
            .into_iter()
            .filter(|db| db.migrations_dir.is_some())
            .map(|db| db.binding)
            .collect();
        Ok(Self {
            routes,
            migrated_databases,
        })
    }

    /// Whether the Worker answers `path` before static files.
    pub fn routes_to_worker(&self, path: &str) -> bool {
        self.routes
            .iter()
            .any(|pattern| route_matches(pattern, path))
    }
}

/// Whether a `run_worker_first` pattern (a path with `*` wildcards)
/// matches `path`.
pub fn route_matches(pattern: &str, path: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return false;
    };
    let Some(mut rest) = path.strip_prefix(first) else {
        return false;
    };
    let remaining: Vec<&str> = parts.collect();
    if remaining.is_empty() {
        return rest.is_empty();
    }
    for (index, part) in remaining.iter().enumerate() {
        if index + 1 == remaining.len() {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// A running `wrangler dev`.
#[derive(Debug)]
pub struct Worker {
    child: Child,
    /// Where it listens.
    pub address: SocketAddr,
    /// The file receiving its output.
    pub log: PathBuf,
}

impl Worker {
    /// Applies the migrations and starts `wrangler dev` from `site_dir`,
    /// with its output in `work_dir/wrangler.log` and an empty assets
    /// folder under `work_dir`. The local D1 lives in `state` (wrangler's
    /// own `.wrangler/state` when `None`), so leads stored in one session
    /// are there in the next. Returns once it answers HTTP.
    pub fn start(
        site_dir: &Path,
        work_dir: &Path,
        config: &WorkerConfig,
        state: Option<&Path>,
    ) -> Result<Self, WorkerError> {
        let wrangler = site_dir.join("node_modules/.bin/wrangler");
        let log = work_dir.join("wrangler.log");
        let log_name = log.display().to_string();
        let open_log = || {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
                .map_err(WorkerError::Spawn)
        };
        let persist: Vec<&std::ffi::OsStr> = match state {
            Some(dir) => vec!["--persist-to".as_ref(), dir.as_os_str()],
            None => Vec::new(),
        };
        for binding in &config.migrated_databases {
            let status = wrangler_command(&wrangler, site_dir)
                .args(["d1", "migrations", "apply", binding, "--local"])
                .args(&persist)
                .stdin(Stdio::null())
                .stdout(open_log()?)
                .stderr(open_log()?)
                .status()
                .map_err(WorkerError::Spawn)?;
            if !status.success() {
                return Err(WorkerError::Migrations {
                    status: status.to_string(),
                    log: log_name,
                });
            }
        }
        let assets = work_dir.join("worker-assets");
        std::fs::create_dir_all(&assets).map_err(WorkerError::Spawn)?;
        let port = free_port().map_err(WorkerError::Spawn)?;
        let inspector = free_port().map_err(WorkerError::Spawn)?;
        let mut command = wrangler_command(&wrangler, site_dir);
        command
            .args(["dev", "--ip", "127.0.0.1", "--port"])
            .arg(port.to_string())
            .arg("--inspector-port")
            .arg(inspector.to_string())
            .arg("--assets")
            .arg(&assets)
            .arg("--show-interactive-dev-session=false")
            .args(&persist)
            .stdin(Stdio::null())
            .stdout(open_log()?)
            .stderr(open_log()?);
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt as _;
            // Its own process group, so one signal reaches workerd too.
            command.process_group(0);
        }
        let child = command.spawn().map_err(WorkerError::Spawn)?;
        let mut worker = Worker {
            child,
            address: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            log,
        };
        if let Err(reason) = worker.wait_until_ready() {
            worker.stop();
            return Err(WorkerError::NotReady {
                reason,
                log: log_name,
            });
        }
        Ok(worker)
    }

    /// Waits until wrangler answers an HTTP request.
    fn wait_until_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited early ({status})"));
            }
            if answers_http(self.address) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Err(format!(
            "did not answer within {} s",
            START_TIMEOUT.as_secs()
        ))
    }

    /// Stops wrangler and every process it started, and waits for them.
    pub fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        #[cfg(unix)]
        {
            let group = i32::try_from(self.child.id()).unwrap_or(0);
            if group > 0 {
                // SAFETY: kill(2) with a negative pid signals the process
                // group this module created; it touches no memory.
                unsafe { libc::kill(-group, libc::SIGTERM) };
                let deadline = Instant::now() + STOP_GRACE;
                while Instant::now() < deadline {
                    if let Ok(Some(_)) = self.child.try_wait() {
                        // The leader is gone; make sure no child of it
                        // lingers on the port.
                        unsafe { libc::kill(-group, libc::SIGKILL) };
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                // SAFETY: as above.
                unsafe { libc::kill(-group, libc::SIGKILL) };
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop();
    }
}

fn wrangler_command(wrangler: &Path, site_dir: &Path) -> Command {
    let mut command = Command::new(wrangler);
    command
        .current_dir(site_dir)
        // Non-interactive (no prompts before applying migrations), no
        // colour codes in the log, no metrics.
        .env("CI", "true")
        .env("NO_COLOR", "1")
        .env("FORCE_COLOR", "0")
        .env("WRANGLER_SEND_METRICS", "false");
    command
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// Whether something at `address` answers a plain HTTP request.
fn answers_http(address: SocketAddr) -> bool {
    use std::io::Write as _;
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if stream
        .write_all(b"HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_come_from_run_worker_first() {
        let config = WorkerConfig::parse(
            "name = \"x\"\n[assets]\ndirectory = \"./dist\"\nrun_worker_first = [\"/lead\", \"/a/*\", \"!/a/static/*\"]\n[[d1_databases]]\nbinding = \"DB\"\ndatabase_name = \"d\"\nmigrations_dir = \"migrations\"\n",
        )
        .unwrap();
        assert_eq!(config.routes, ["/lead", "/a/*"]);
        assert_eq!(config.migrated_databases, ["DB"]);
        assert!(config.routes_to_worker("/lead"));
        assert!(config.routes_to_worker("/a/event"));
        assert!(config.routes_to_worker("/a/"));
        assert!(!config.routes_to_worker("/lead/x"));
        assert!(!config.routes_to_worker("/leads"));
        assert!(!config.routes_to_worker("/about/"));
        assert!(!config.routes_to_worker("/a"));
        assert!(
            WorkerConfig::parse("[assets]\nrun_worker_first = true\n")
                .unwrap()
                .routes_to_worker("/anything")
        );
        assert!(WorkerConfig::parse("[assets\n").is_err());
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        proptest! {
            /// Any pattern against any path answers without panicking; a
            /// pattern without `*` matches exactly itself.
            #[test]
            fn routes_match_without_panicking(pattern in "[/a-z*.]{0,12}", path in "[/a-z.]{0,12}") {
                let matched = route_matches(&pattern, &path);
                if !pattern.contains('*') {
                    prop_assert_eq!(matched, pattern == path);
                }
            }

            /// Any text as `wrangler.toml` is read or refused, never a panic.
            #[test]
            fn any_config_text_is_read_or_refused(text in "\\PC{0,80}") {
                let _ = WorkerConfig::parse(&text);
            }
        }
    }

    #[test]
    fn patterns_match_like_globs() {
        assert!(route_matches("/a/*/b", "/a/x/y/b"));
        assert!(!route_matches("/a/*/b", "/a/x/y/c"));
        assert!(route_matches("*.json", "/x.json"));
        assert!(route_matches("/x", "/x"));
        assert!(!route_matches("/x", "/xy"));
    }
}
