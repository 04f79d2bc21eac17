//! Real HTTP servers on loopback for the `verify` tests: a plain static
//! server of a bundle folder, and a proxy in front of any server that
//! tampers with what passes through it as a CDN might.
//!
//! Each server runs on a thread of its own with a one-thread runtime and
//! stops when its handle is dropped.

#![allow(dead_code)]

use std::convert::Infallible;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bundle_validator::headers_file::HeadersFile;
use http_body_util::{BodyExt as _, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};

/// A running server; dropping it stops it.
pub struct Running {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// The server's origin, `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

type Answer = Response<Full<Bytes>>;
type Handler = Arc<
    dyn Fn(Request<Incoming>) -> std::pin::Pin<Box<dyn Future<Output = Answer> + Send>>
        + Send
        + Sync,
>;

/// Serves `handler` on a fresh loopback port.
fn serve(handler: Handler) -> Running {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    listener
        .set_nonblocking(true)
        .expect("non-blocking listener");
    let addr = listener.local_addr().expect("bound address");
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("test runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let handler = Arc::clone(&handler);
                        tokio::spawn(async move {
                            let service = hyper::service::service_fn(move |request| {
                                let handler = Arc::clone(&handler);
                                async move { Ok::<_, Infallible>(handler(request).await) }
                            });
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        });
                    }
                }
            }
        });
    });
    Running {
        addr,
        stop: Some(stop),
        thread: Some(thread),
    }
}

fn answer(status: u16, body: impl Into<Bytes>) -> Answer {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = StatusCode::from_u16(status).expect("a status code");
    response
}

/// A plain static server of the bundle in `root`, as Workers Static
/// Assets serve one: `/a/` is `a/index.html`, `/a` is `a.html`, files
/// whose names start with `_` are not served, and every `_headers` rule
/// that matches a path adds its headers. A `GET` of a path under one of
/// `worker_prefixes` answers 405, as the Worker does.
pub fn static_server(root: &Path, worker_prefixes: &[&str]) -> Running {
    let root: Arc<PathBuf> = Arc::new(root.to_path_buf());
    let headers = Arc::new(
        std::fs::read_to_string(root.join("_headers"))
            .map(|text| HeadersFile::parse(&text))
            .unwrap_or_default(),
    );
    let workers: Arc<Vec<String>> =
        Arc::new(worker_prefixes.iter().map(|p| p.to_string()).collect());
    serve(Arc::new(move |request: Request<Incoming>| {
        let root = Arc::clone(&root);
        let headers = Arc::clone(&headers);
        let workers = Arc::clone(&workers);
        Box::pin(async move {
            let path = percent_decode(request.uri().path());
            if workers.iter().any(|prefix| {
                path == *prefix || (prefix.ends_with('/') && path.starts_with(prefix.as_str()))
            }) {
                let mut response = answer(405, "method not allowed");
                response
                    .headers_mut()
                    .insert("allow", "POST".parse().expect("header"));
                return response;
            }
            let Some(file) = resolve(&root, &path) else {
                return answer(404, "not found");
            };
            let body = std::fs::read(root.join(&file)).unwrap_or_default();
            let mut response = answer(200, body);
            response
                .headers_mut()
                .insert("content-type", content_type(&file).parse().expect("header"));
            for line in headers.applied(&path, None).lines {
                if let (Ok(name), Ok(value)) = (
                    hyper::header::HeaderName::from_bytes(line.name.as_bytes()),
                    line.value.parse(),
                ) {
                    response.headers_mut().append(name, value);
                }
            }
            response
        })
    }))
}

fn percent_decode(path: &str) -> String {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}

/// The bundle file a decoded path serves, never outside `root`.
fn resolve(root: &Path, path: &str) -> Option<String> {
    let relative = path.strip_prefix('/')?;
    if relative
        .split('/')
        .any(|s| s == ".." || s == "." || s.starts_with('_'))
    {
        return None;
    }
    let candidates = if relative.is_empty() {
        vec!["index.html".to_string()]
    } else if relative.ends_with('/') {
        vec![format!("{relative}index.html")]
    } else {
        vec![relative.to_string(), format!("{relative}.html")]
    };
    candidates
        .into_iter()
        .find(|candidate| root.join(candidate).is_file())
}

fn content_type(file: &str) -> &'static str {
    match file.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("xml") => "application/xml",
        _ => "application/octet-stream",
    }
}

/// What the tampering proxy does to the answers that pass through it.
#[derive(Debug, Clone)]
pub enum Tamper {
    /// Passes everything through unchanged.
    Nothing,
    /// Compresses every body with gzip (`Content-Encoding: gzip`), which
    /// changes no content.
    Gzip,
    /// Adds a `<script>` before `</body>` of the page at this path, as
    /// injected analytics or Rocket Loader do.
    InjectScript(&'static str),
    /// Drops the `Content-Security-Policy` header of this path.
    DropCsp(&'static str),
    /// Rewrites every `mailto:` link of the page at this path as
    /// Cloudflare's email obfuscation does, decoder script included.
    ObfuscateEmail(&'static str),
    /// Re-minifies the stylesheet at this path: comments and line breaks
    /// dropped, runs of white space made one.
    Reminify(&'static str),
    /// Changes the first `integrity` value of the page at this path.
    RewriteIntegrity(&'static str),
    /// Answers every request only after this long.
    Stall(Duration),
    /// Answers every request with a body of this many bytes.
    Oversize(usize),
    /// Redirects `/` to `/loop-a`, `/loop-a` to `/loop-b` and back.
    RedirectLoop,
    /// Redirects every page to another origin.
    RedirectAway,
}

/// A proxy in front of `upstream` that applies `tamper`.
pub fn tampering_proxy(upstream: &Running, tamper: Tamper) -> Running {
    let upstream = upstream.origin();
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let tamper = Arc::new(tamper);
    serve(Arc::new(move |request: Request<Incoming>| {
        let upstream = upstream.clone();
        let client = client.clone();
        let tamper = Arc::clone(&tamper);
        Box::pin(async move {
            let path = request.uri().path().to_string();
            match &*tamper {
                Tamper::Stall(delay) => {
                    tokio::time::sleep(*delay).await;
                }
                Tamper::Oversize(size) => return answer(200, vec![b'x'; *size]),
                Tamper::RedirectLoop if path == "/" || path.starts_with("/loop-") => {
                    let next = if path == "/loop-a" {
                        "/loop-b"
                    } else {
                        "/loop-a"
                    };
                    let mut response = answer(302, "");
                    response
                        .headers_mut()
                        .insert("location", next.parse().expect("header"));
                    return response;
                }
                Tamper::RedirectAway if path.ends_with('/') => {
                    let mut response = answer(301, "");
                    response.headers_mut().insert(
                        "location",
                        format!("https://elsewhere.example{path}")
                            .parse()
                            .expect("header"),
                    );
                    return response;
                }
                _ => {}
            }
            let forwarded = Request::get(format!("{upstream}{}", request.uri()))
                .body(Empty::<Bytes>::new())
                .expect("request");
            let Ok(response) = client.request(forwarded).await else {
                return answer(502, "bad gateway");
            };
            let (mut parts, body) = response.into_parts();
            let mut bytes = body
                .collect()
                .await
                .map(|b| b.to_bytes().to_vec())
                .unwrap_or_default();
            parts.headers.remove("content-length");
            match &*tamper {
                Tamper::Gzip => {
                    let mut encoder =
                        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                    encoder.write_all(&bytes).expect("gzip");
                    bytes = encoder.finish().expect("gzip");
                    parts
                        .headers
                        .insert("content-encoding", "gzip".parse().expect("header"));
                }
                Tamper::InjectScript(at) if path == *at => {
                    bytes = insert_before_body_end(
                        &bytes,
                        "<script src=\"https://analytics.example/tag.js\" async></script>",
                    );
                }
                Tamper::DropCsp(at) if path == *at => {
                    parts.headers.remove("content-security-policy");
                }
                Tamper::ObfuscateEmail(at) if path == *at => {
                    bytes = obfuscate_email(&bytes);
                }
                Tamper::RewriteIntegrity(at) if path == *at => {
                    bytes = String::from_utf8_lossy(&bytes)
                        .replacen("integrity=\"sha384-", "integrity=\"sha384-AAAA", 1)
                        .into_bytes();
                }
                Tamper::Reminify(at) if path == *at => {
                    bytes = reminify(&String::from_utf8_lossy(&bytes)).into_bytes();
                }
                _ => {}
            }
            let mut response = Response::from_parts(parts, Full::new(Bytes::from(bytes)));
            response.headers_mut().remove("transfer-encoding");
            response
        })
    }))
}

fn insert_before_body_end(page: &[u8], markup: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(page);
    match text.rfind("</body>") {
        Some(at) => format!("{}{markup}{}", &text[..at], &text[at..]).into_bytes(),
        None => format!("{text}{markup}").into_bytes(),
    }
}

/// What Cloudflare's email obfuscation does: each `mailto:` link points
/// at `/cdn-cgi/l/email-protection#…` (the address XOR-encoded in hex),
/// its text becomes `[email protected]`, and a decoder script is added.
fn obfuscate_email(page: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(page).into_owned();
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("<a href=\"mailto:") {
        let Some(end) = rest[start..].find("</a>") else {
            break;
        };
        let link = &rest[start..start + end + 4];
        let address = link["<a href=\"mailto:".len()..]
            .split('"')
            .next()
            .unwrap_or("");
        let key = 0x5au8;
        let hex: String = std::iter::once(key)
            .chain(address.bytes().map(|b| b ^ key))
            .map(|b| format!("{b:02x}"))
            .collect();
        out.push_str(&rest[..start]);
        out.push_str(&format!(
            "<a href=\"/cdn-cgi/l/email-protection#{hex}\"><span class=\"__cf_email__\" \
             data-cfemail=\"{hex}\">[email&#160;protected]</span></a>"
        ));
        rest = &rest[start + end + 4..];
    }
    out.push_str(rest);
    insert_before_body_end(
        out.as_bytes(),
        "<script data-cfasync=\"false\" \
         src=\"/cdn-cgi/scripts/5c5dd728/cloudflare-static/email-decode.min.js\"></script>",
    )
}

/// A stylesheet with comments and line breaks dropped and white space
/// collapsed, as a minifier in a CDN would rewrite it.
fn reminify(css: &str) -> String {
    let mut without_comments = String::new();
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        without_comments.push_str(&rest[..start]);
        match rest[start + 2..].find("*/") {
            Some(end) => rest = &rest[start + 2 + end + 2..],
            None => rest = "",
        }
    }
    without_comments.push_str(rest);
    without_comments
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" {", "{")
        .replace("{ ", "{")
        .replace("; ", ";")
        .replace(" }", "}")
}

/// A loopback address nothing listens on: a port bound, then released.
pub fn refused_origin() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let addr = listener.local_addr().expect("bound address");
    drop(listener);
    format!("http://{addr}")
}
