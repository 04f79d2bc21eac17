//! The HTTP client of `verify`, and the only code of the validator that
//! touches the network.
//!
//! Every request is a `GET` without a body. Each one waits for its slot
//! under a shared rate (requests are spaced evenly, never bursting), runs
//! under one timeout that covers connecting, the answer and its body, and
//! reads at most a fixed number of body bytes: a server cannot make the
//! check wait or grow without bound. Redirects are never followed here;
//! the caller decides, hop by hop, which ones to follow.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt as _, Empty};
use hyper::body::Bytes;
use hyper::header::{ACCEPT, ACCEPT_ENCODING, HeaderMap, USER_AGENT};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// The `User-Agent` of every request, so an operator reading logs knows
/// what fetched the site.
const AGENT: &str = concat!("bundle-validator/", env!("CARGO_PKG_VERSION"), " (verify)");

/// The codings `verify` can undo; a server may pick any of them.
const CODINGS: &str = "gzip, br, zstd";

/// How a request is made and bounded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Connecting, sending and reading the whole answer.
    pub timeout: Duration,
    /// The most body bytes read from one answer.
    pub max_body_bytes: u64,
    /// The least time between the starts of two requests.
    pub spacing: Duration,
}

/// One answer, read to the end of its body.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    /// The body as sent, content coding not undone.
    pub body: Vec<u8>,
}

/// Why no answer could be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FetchError {
    #[error("no answer within {0} ms")]
    Timeout(u128),
    #[error("the body is larger than {0} bytes")]
    TooLarge(u64),
    #[error("the request failed: {0}")]
    Failed(String),
}

/// The client every request of one verification shares: its connection
/// pool and its rate.
pub(crate) struct Client {
    inner: HyperClient<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>,
    limits: Limits,
    next_slot: Arc<Mutex<Instant>>,
}

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("the TLS configuration cannot be built: {0}")]
pub struct TlsError(String);

impl Client {
    /// A client for `http` and `https` URLs. Certificates are checked
    /// against the Mozilla root store compiled in (`webpki-roots`), so a
    /// check gives the same answer on any machine, with or without a
    /// system store.
    pub(crate) fn new(limits: Limits) -> Result<Client, TlsError> {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map_err(|error| TlsError(error.to_string()))?
            .https_or_http()
            .enable_http1()
            .build();
        let inner = HyperClient::builder(TokioExecutor::new()).build(connector);
        Ok(Client {
            inner,
            limits,
            next_slot: Arc::new(Mutex::new(Instant::now())),
        })
    }

    /// Waits for the next free slot of the rate.
    async fn wait_turn(&self) {
        let start = {
            let mut next = self.next_slot.lock().await;
            let now = Instant::now();
            let start = (*next).max(now);
            *next = start + self.limits.spacing;
            start
        };
        tokio::time::sleep_until(start).await;
    }

    /// `GET url`, its answer read under the limits.
    pub(crate) async fn get(&self, url: &url::Url) -> Result<Answer, FetchError> {
        self.wait_turn().await;
        match tokio::time::timeout(self.limits.timeout, self.exchange(url)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout(self.limits.timeout.as_millis())),
        }
    }

    async fn exchange(&self, url: &url::Url) -> Result<Answer, FetchError> {
        let request = hyper::Request::get(url.as_str())
            .header(USER_AGENT, AGENT)
            .header(ACCEPT_ENCODING, CODINGS)
            .header(ACCEPT, "*/*")
            .body(Empty::<Bytes>::new())
            .map_err(|error| FetchError::Failed(error.to_string()))?;
        let response = self
            .inner
            .request(request)
            .await
            .map_err(|error| FetchError::Failed(describe(&error)))?;
        let status = response.status().as_u16();
        let (parts, mut body) = response.into_parts();
        let cap = self.limits.max_body_bytes;
        let mut read = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|error| FetchError::Failed(describe(&error)))?;
            if let Ok(data) = frame.into_data() {
                if read.len() as u64 + data.len() as u64 > cap {
                    return Err(FetchError::TooLarge(cap));
                }
                read.extend_from_slice(&data);
            }
        }
        Ok(Answer {
            status,
            headers: parts.headers,
            body: read,
        })
    }
}

/// An error with its causes, which hold the useful part ("connection
/// refused") under hyper's generic outer message.
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
