//! The dev server's HTTP side: static files of the last good bundle with
//! its `_headers` applied, the build event stream the reload client
//! listens to, and the Worker's routes passed to `wrangler dev`.
//!
//! A full build is written to a folder of its own and the server switches
//! to it only once the build has passed. A rebuild after an edit of
//! content pages rewrites a few files of the served bundle in place; the
//! server answers those from their last good bytes ([`Served::shadow`])
//! until the rebuild has passed, and the rebuild puts them back if it
//! fails. So every request is answered from one complete bundle that
//! passed the gate: there is no moment when a page is missing, half
//! written, or from a failed build.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bundle_validator::headers_file::HeadersFile;
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Empty, Full};
use hyper::body::Incoming;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::sync::watch;

use super::static_files::{self, Resolved};
use super::worker::WorkerConfig;

/// Path of the build event stream.
pub const EVENTS_PATH: &str = "/__baystore/events";

/// How often an idle event stream gets a comment, so proxies and the
/// browser keep it open.
const KEEPALIVE: Duration = Duration::from_secs(15);

/// The body of every response.
pub type Body = BoxBody<Bytes, Box<dyn std::error::Error + Send + Sync>>;

/// What the event stream tells the reload client: the number of the last
/// good build, and the errors of the latest build when it failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BuildState {
    /// Number of the build being served (0 before the first good one).
    pub build: u64,
    /// Errors of the latest build, one message each; empty when it passed.
    pub errors: Vec<String>,
}

/// A bundle the server answers from.
#[derive(Debug)]
pub struct Served {
    /// The bundle folder.
    pub root: PathBuf,
    /// Its `_headers`, parsed once.
    pub headers: HeadersFile,
    /// The last good bytes of the files a rebuild is rewriting in place,
    /// by bundle path: answered instead of the files until the rebuild
    /// has passed. A request reads the files while holding this lock for
    /// reading, so a rebuild that takes it for writing before it writes
    /// never has a request read a file it is rewriting.
    pub shadow: RwLock<HashMap<String, Arc<Vec<u8>>>>,
}

impl Served {
    /// Reads the bundle's `_headers` (none means no extra headers).
    pub fn new(root: PathBuf) -> Self {
        let headers = std::fs::read_to_string(root.join("_headers"))
            .map(|text| HeadersFile::parse(&text))
            .unwrap_or_default();
        Self {
            root,
            headers,
            shadow: RwLock::default(),
        }
    }
}

/// Everything a request handler needs.
pub struct Shared {
    /// The bundle being served; `None` until a build has passed.
    pub served: RwLock<Option<Arc<Served>>>,
    /// The build state, watched by every event stream.
    pub state: watch::Sender<BuildState>,
    /// The Worker's routes and address, when wrangler runs.
    pub worker: Option<(WorkerConfig, SocketAddr)>,
    /// The Worker's routes when wrangler is not running, answered 503.
    pub worker_routes: WorkerConfig,
}

/// Serves one accepted connection until it closes.
pub async fn serve_connection(stream: tokio::net::TcpStream, shared: Arc<Shared>) {
    let service = hyper::service::service_fn(move |request| {
        let shared = Arc::clone(&shared);
        async move { Ok::<_, Infallible>(handle(request, &shared).await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// Answers one request.
pub async fn handle(request: Request<Incoming>, shared: &Shared) -> Response<Body> {
    let path = request.uri().path().to_string();
    if path == EVENTS_PATH {
        return events(shared);
    }
    if let Some((config, address)) = &shared.worker
        && config.routes_to_worker(&path)
    {
        return proxy(request, *address).await;
    }
    if shared.worker_routes.routes_to_worker(&path) {
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            "The Worker is not running: install the project's npm packages (npm ci) and restart dev.\n",
        );
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed\n");
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let served = shared
        .served
        .read()
        .ok()
        .and_then(|guard| guard.as_ref().map(Arc::clone));
    let Some(served) = served else {
        let state = shared.state.borrow().clone();
        let mut message = String::from("No build has passed yet:\n\n");
        for error in &state.errors {
            message.push_str(error);
            message.push('\n');
        }
        return text(StatusCode::SERVICE_UNAVAILABLE, &message);
    };
    let head = request.method() == Method::HEAD;
    // The build number is read before the file: a page of a newer build
    // named as the older one only reloads once more, while the other way
    // round a page would miss a reload.
    let build = shared.state.borrow().build;
    let request_path = path.clone();
    let answer = {
        let served = Arc::clone(&served);
        tokio::task::spawn_blocking(move || static_answer(&served, &request_path))
            .await
            .unwrap_or(StaticAnswer::NotFound(None))
    };
    let mut response = match answer {
        StaticAnswer::File(relative, bytes) => {
            let mut response = bytes_response(StatusCode::OK, bytes, head);
            set(
                &mut response,
                header::CONTENT_TYPE,
                static_files::content_type(&relative),
            );
            response
        }
        StaticAnswer::Redirect(location) => {
            let query = request
                .uri()
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            let mut response = empty(StatusCode::TEMPORARY_REDIRECT);
            if let Ok(value) = HeaderValue::from_str(&format!("{location}{query}")) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
        StaticAnswer::NotFound(page) => match page {
            Some(bytes) => {
                let mut response = bytes_response(StatusCode::NOT_FOUND, bytes, head);
                set(
                    &mut response,
                    header::CONTENT_TYPE,
                    "text/html; charset=utf-8",
                );
                response
            }
            None => text(StatusCode::NOT_FOUND, "Not found\n"),
        },
    };
    apply_headers(&mut response, &served.headers, &path);
    if let Ok(value) =
        HeaderValue::from_str(&format!("{};desc=\"{build}\"", super::client::BUILD_TIMING))
    {
        response
            .headers_mut()
            .append(HeaderName::from_static("server-timing"), value);
    }
    response
}

enum StaticAnswer {
    File(String, Vec<u8>),
    Redirect(String),
    NotFound(Option<Vec<u8>>),
}

fn static_answer(served: &Served, request_path: &str) -> StaticAnswer {
    let root = served.root.as_path();
    let shadow = served.shadow.read().ok();
    let read = |relative: &str| {
        if let Some(bytes) = shadow.as_ref().and_then(|shadow| shadow.get(relative)) {
            return Some(bytes.to_vec());
        }
        static_files::open_inside(root, relative).and_then(|path| std::fs::read(path).ok())
    };
    match static_files::resolve(root, request_path) {
        Resolved::File(relative) => match read(&relative) {
            Some(bytes) => StaticAnswer::File(relative, bytes),
            None => StaticAnswer::NotFound(read("404.html")),
        },
        Resolved::Redirect(location) => StaticAnswer::Redirect(location),
        Resolved::NotFound => StaticAnswer::NotFound(read("404.html")),
    }
}

/// Adds the headers `_headers` gives the request path, joined as
/// Cloudflare joins repeated headers, and keeps HTML from being cached so
/// a reload always shows the latest build.
fn apply_headers(response: &mut Response<Body>, rules: &HeadersFile, path: &str) {
    let applied = rules.applied(path, None);
    let mut names: Vec<&str> = applied
        .lines
        .iter()
        .map(|line| line.name.as_str())
        .collect();
    names.dedup();
    for name in names {
        let Some((value, _)) = applied.joined(name) else {
            continue;
        };
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    if html && !response.headers().contains_key(header::CACHE_CONTROL) {
        set(response, header::CACHE_CONTROL, "no-cache");
    }
}

/// The event stream: the current state at once, then every change.
fn events(shared: &Shared) -> Response<Body> {
    let mut changes = shared.state.subscribe();
    let (mut sender, body) = http_body_util::channel::Channel::<Bytes, Infallible>::new(4);
    tokio::spawn(async move {
        let mut current = changes.borrow_and_update().clone();
        loop {
            let data = serde_json::to_string(&current).unwrap_or_default();
            let message = format!("event: state\ndata: {data}\n\n");
            if sender.send_data(Bytes::from(message)).await.is_err() {
                return;
            }
            loop {
                tokio::select! {
                    changed = changes.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        current = changes.borrow_and_update().clone();
                        break;
                    }
                    () = tokio::time::sleep(KEEPALIVE) => {
                        if sender.send_data(Bytes::from_static(b": keepalive\n\n")).await.is_err() {
                            return;
                        }
                    }
                }
            }
        }
    });
    let mut response = Response::new(body.map_err(|never| match never {}).boxed());
    set(&mut response, header::CONTENT_TYPE, "text/event-stream");
    set(&mut response, header::CACHE_CONTROL, "no-store");
    response
}

/// Passes a request to the Worker and its answer back, unchanged but for
/// the hop-by-hop headers.
async fn proxy(mut request: Request<Incoming>, address: SocketAddr) -> Response<Body> {
    let unavailable = |_| {
        text(
            StatusCode::BAD_GATEWAY,
            "The Worker (wrangler dev) did not answer.\n",
        )
    };
    let stream = match tokio::net::TcpStream::connect(address).await {
        Ok(stream) => stream,
        Err(e) => return unavailable(e.to_string()),
    };
    let (mut sender, connection) =
        match hyper::client::conn::http1::handshake(TokioIo::new(stream)).await {
            Ok(parts) => parts,
            Err(e) => return unavailable(e.to_string()),
        };
    tokio::spawn(connection);
    strip_hop_by_hop(request.headers_mut());
    match sender.send_request(request).await {
        Ok(response) => {
            let (mut parts, body) = response.into_parts();
            strip_hop_by_hop(&mut parts.headers);
            Response::from_parts(parts, body.map_err(Into::into).boxed())
        }
        Err(e) => unavailable(e.to_string()),
    }
}

/// Removes the headers that describe one connection, not the message.
fn strip_hop_by_hop(headers: &mut hyper::HeaderMap) {
    for name in [
        header::CONNECTION,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
        header::TE,
        header::TRAILER,
        header::PROXY_AUTHORIZATION,
        header::PROXY_AUTHENTICATE,
    ] {
        headers.remove(name);
    }
    headers.remove("keep-alive");
}

fn bytes_response(status: StatusCode, bytes: Vec<u8>, head: bool) -> Response<Body> {
    let length = bytes.len();
    let body = if head {
        Empty::new().map_err(|never| match never {}).boxed()
    } else {
        Full::new(Bytes::from(bytes))
            .map_err(|never| match never {})
            .boxed()
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    response
}

fn text(status: StatusCode, message: &str) -> Response<Body> {
    let mut response = bytes_response(status, message.as_bytes().to_vec(), false);
    set(
        &mut response,
        header::CONTENT_TYPE,
        "text/plain; charset=utf-8",
    );
    set(&mut response, header::CACHE_CONTROL, "no-store");
    response
}

fn empty(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Empty::new().map_err(|never| match never {}).boxed());
    *response.status_mut() = status;
    response
}

fn set(response: &mut Response<Body>, name: HeaderName, value: &'static str) {
    response
        .headers_mut()
        .insert(name, HeaderValue::from_static(value));
}
