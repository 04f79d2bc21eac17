//! What the rules know about the whole bundle: its files, origin, admin
//! surfaces, `_headers` and evidence register.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine;
use sha2::{Digest, Sha256, Sha384, Sha512};

use globset::GlobSet;

use crate::bundle::FileKind;
use crate::config::LeadForm;
use crate::csp::{self, Policy};
use crate::headers_file::{Applied, HeadersFile};
use crate::rules::claims::EvidenceRegister;
use crate::url_norm::{Origins, Target, first_segment};

/// Admin path prefixes and host labels used when the config names none.
pub const DEFAULT_ADMIN_WORDS: &[&str] = &["console", "dashboard", "admin"];

/// Digest algorithms usable in `integrity`, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HashAlgorithm {
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgorithm {
    /// Parses `sha256`/`sha384`/`sha512`, ignoring ASCII case.
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "sha256" => Some(Self::Sha256),
            "sha384" => Some(Self::Sha384),
            "sha512" => Some(Self::Sha512),
            _ => None,
        }
    }

    /// Base64 digest of `bytes`.
    pub fn digest(self, bytes: &[u8]) -> String {
        let engine = base64::engine::general_purpose::STANDARD;
        match self {
            Self::Sha256 => engine.encode(Sha256::digest(bytes)),
            Self::Sha384 => engine.encode(Sha384::digest(bytes)),
            Self::Sha512 => engine.encode(Sha512::digest(bytes)),
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What marks an admin surface: first path segments and first host labels.
#[derive(Debug, Clone)]
pub struct AdminWords {
    pub prefixes: Vec<String>,
    pub hosts: Vec<String>,
}

impl Default for AdminWords {
    fn default() -> Self {
        let words: Vec<String> = DEFAULT_ADMIN_WORDS.iter().map(|w| w.to_string()).collect();
        AdminWords {
            prefixes: words.clone(),
            hosts: words,
        }
    }
}

/// The enforced CSP policies of a route, each with its `_headers` line.
pub type RoutePolicies = Arc<Vec<(Policy, u32)>>;

/// The bundle-wide context every rule reads.
pub struct Site {
    pub root: PathBuf,
    /// Every file path, relative with `/`, sorted.
    pub paths: Vec<String>,
    index: HashMap<String, usize>,
    pub origins: Origins,
    /// The site's host, when its origin is known.
    pub host: Option<String>,
    pub headers: Option<HeadersFile>,
    pub admin_prefixes: Vec<String>,
    pub admin_hosts: Vec<String>,
    pub register: EvidenceRegister,
    digests: Vec<[OnceLock<Option<String>>; 3]>,
    /// The largest file, in bytes, that is read (`max_file_bytes`).
    pub max_file_bytes: u64,
    /// The lead form contract, when the config has one.
    pub lead_form: Option<LeadForm>,
    /// URL paths a Worker serves instead of files (`worker_routes`).
    pub worker_routes: GlobSet,
    /// The check's clock, in seconds since the Unix epoch; rules read it
    /// through [`Site::clock`].
    pub(crate) now: i64,
    /// Real relative paths of the files whose paths are not valid UTF-8,
    /// by their shown paths in [`Site::paths`].
    raw_paths: HashMap<String, PathBuf>,
    /// Parsed CSP policies by the `_headers` lines that set them: most
    /// routes share one set, so it is parsed once.
    policy_cache: Mutex<HashMap<Vec<u32>, RoutePolicies>>,
    /// What the rules of each file read besides the file and this
    /// context, by the file's index: what a remembered outcome depends on
    /// besides its own bytes (see the `memo` module).
    consulted: Mutex<Vec<(usize, Consulted)>>,
    /// The SHA-256 (hexadecimal) and size of each file's bytes as read for
    /// judging, by index, when the check was asked for them (see
    /// [`crate::check_digesting`]).
    read_digests: Option<Vec<OnceLock<(String, u64)>>>,
}

impl Site {
    /// Builds the context. `origin` is the site origin, configured or
    /// discovered.
    pub fn new(
        root: PathBuf,
        paths: Vec<String>,
        origin: Option<&str>,
        allowed_origins: &[String],
        headers: Option<HeadersFile>,
        admin: AdminWords,
        register: EvidenceRegister,
    ) -> Self {
        let index = paths
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), i))
            .collect();
        let origins = Origins::new(origin, allowed_origins);
        let host = origins.site().and_then(|o| {
            url::Url::parse(&o)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
        });
        let digests = paths.iter().map(|_| Default::default()).collect();
        Site {
            root,
            paths,
            index,
            origins,
            host,
            headers,
            admin_prefixes: admin.prefixes,
            admin_hosts: admin.hosts,
            register,
            digests,
            max_file_bytes: crate::bundle::DEFAULT_MAX_FILE_BYTES,
            lead_form: None,
            worker_routes: GlobSet::empty(),
            now: 0,
            raw_paths: HashMap::new(),
            policy_cache: Mutex::default(),
            consulted: Mutex::default(),
            read_digests: None,
        }
    }

    /// Makes the check note the SHA-256 and size of every file's bytes
    /// where it reads them.
    pub(crate) fn note_read_digests(&mut self) {
        self.read_digests = Some(self.paths.iter().map(|_| OnceLock::new()).collect());
    }

    /// Notes the bytes of file `index` as read, when digests are noted.
    pub(crate) fn read(&self, index: usize, bytes: &[u8]) {
        if let Some(slot) = self.read_digests.as_ref().and_then(|all| all.get(index)) {
            slot.get_or_init(|| (crate::evidence::sha256_hex(bytes), bytes.len() as u64));
        }
    }

    /// Notes the digest of file `index` when the rules did not read it
    /// (binary files, files refused unread), reading it for that alone. A
    /// file that cannot be read is left without one.
    pub(crate) fn read_unread(&self, index: usize) {
        let Some(slot) = self.read_digests.as_ref().and_then(|all| all.get(index)) else {
            return;
        };
        if slot.get().is_none()
            && let Ok(noted) = crate::bundle::sha256_regular(&self.disk_path(index))
        {
            slot.get_or_init(|| noted);
        }
    }

    /// The noted digest and size of every file, by index, when digests
    /// are noted; they are not noted again after this.
    pub(crate) fn take_read_digests(&mut self) -> Option<Vec<Option<(String, u64)>>> {
        self.read_digests
            .take()
            .map(|all| all.into_iter().map(OnceLock::into_inner).collect())
    }

    /// Sets the real paths of files whose names are not valid UTF-8.
    pub fn with_raw_paths(mut self, raw_paths: HashMap<String, PathBuf>) -> Self {
        self.raw_paths = raw_paths;
        self
    }

    /// The index of the file at bundle path `path`.
    pub fn index_of(&self, path: &str) -> Option<usize> {
        self.index.get(path).copied()
    }

    /// The shown paths of the files whose names are not valid UTF-8,
    /// sorted.
    pub(crate) fn raw_path_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.raw_paths.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Where file number `index` is on disk.
    pub fn disk_path(&self, index: usize) -> PathBuf {
        let shown = &self.paths[index];
        match self.raw_paths.get(shown) {
            Some(real) => self.root.join(real),
            None => self.root.join(shown),
        }
    }

    /// The index of the file a URL path is served from, following pretty
    /// URLs: `/a/` is `a/index.html`, `/a` may be `a.html` or `a/index.html`.
    pub fn resolve(&self, url_path: &str) -> Option<usize> {
        let relative = url_path.trim_start_matches('/');
        if relative.is_empty() {
            return self.index.get("index.html").copied();
        }
        if relative.ends_with('/') {
            return self.index.get(&format!("{relative}index.html")).copied();
        }
        self.index
            .get(relative)
            .or_else(|| self.index.get(&format!("{relative}.html")))
            .or_else(|| self.index.get(&format!("{relative}/index.html")))
            .copied()
    }

    /// Whether a normalised URL path is under an admin prefix.
    pub fn is_admin_path(&self, path: &str) -> bool {
        let first = first_segment(path);
        !first.is_empty()
            && self
                .admin_prefixes
                .iter()
                .any(|p| p.eq_ignore_ascii_case(&first))
    }

    /// Whether a host's first label marks an admin host.
    pub fn is_admin_host(&self, host: &str) -> bool {
        let first = host.split('.').next().unwrap_or("");
        self.admin_hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(first))
    }

    /// Whether a URL points at an admin surface: an admin path on the site
    /// (or an allowed origin), or any URL on an admin host.
    pub fn is_admin_target(&self, target: &Target) -> bool {
        match target {
            Target::SameOrigin { path, .. } => self.is_admin_path(path),
            Target::Allowed { host, path } => self.is_admin_host(host) || self.is_admin_path(path),
            Target::CrossOrigin { host, .. } => self.is_admin_host(host),
            _ => false,
        }
    }

    /// Whether the bundle file at `path` is a shipped admin surface.
    pub fn is_admin_file(&self, path: &str) -> bool {
        routes(path).iter().any(|route| self.is_admin_path(route))
    }

    /// The headers `_headers` applies to a URL path.
    pub fn applied_headers(&self, url_path: &str) -> Applied<'_> {
        self.headers
            .as_ref()
            .map(|h| h.applied(url_path, self.host.as_deref()))
            .unwrap_or_default()
    }

    /// What a browser makes of the bundle file at `path` when `_headers`
    /// sends it with a document's `Content-Type`, whatever its name: a page
    /// for `text/html`, an XML document (judged as an SVG file is) for
    /// `image/svg+xml`, `application/xhtml+xml`, `text/xml`,
    /// `application/xml` and any other `+xml` type. `None` when no rule
    /// gives it one of those types.
    ///
    /// Every `Content-Type` line that applies counts, and every type in
    /// a line joined with commas: a browser reading a repeated header may
    /// take any of them, so the file is judged as a document if any is one.
    pub fn served_document(&self, path: &str) -> Option<FileKind> {
        let applied = self
            .headers
            .as_ref()?
            .applied(&format!("/{path}"), self.host.as_deref());
        let mut found = None;
        for line in applied.all("content-type") {
            for item in line.value.split(',') {
                let essence = item
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                let kind = match essence.as_str() {
                    "text/html" => FileKind::Html,
                    "text/xml" | "application/xml" => FileKind::Svg,
                    xml if xml.ends_with("+xml") => FileKind::Svg,
                    _ => continue,
                };
                // A page is judged by more rules than an XML document.
                if found != Some(FileKind::Html) {
                    found = Some(kind);
                }
            }
        }
        found
    }

    /// The enforced CSP policies for a URL path, each with the `_headers`
    /// line it came from.
    pub fn csp_policies(&self, url_path: &str) -> RoutePolicies {
        let applied = self.applied_headers(url_path);
        let lines: Vec<u32> = applied
            .all("content-security-policy")
            .map(|h| h.line)
            .collect();
        let cached = self
            .policy_cache
            .lock()
            .ok()
            .and_then(|cache| cache.get(&lines).cloned());
        if let Some(policies) = cached {
            return policies;
        }
        let policies: RoutePolicies = Arc::new(
            applied
                .all("content-security-policy")
                .flat_map(|h| {
                    csp::parse_list_at(&h.value, h.value_offset)
                        .into_iter()
                        .map(|p| (p, h.line))
                })
                .collect(),
        );
        if let Ok(mut cache) = self.policy_cache.lock() {
            cache.insert(lines, Arc::clone(&policies));
        }
        policies
    }

    /// Whether `_headers` sends any CSP header for a URL path.
    pub fn has_csp_header(&self, url_path: &str) -> bool {
        self.applied_headers(url_path)
            .all("content-security-policy")
            .next()
            .is_some()
    }

    /// Base64 digest of a bundle file, computed once per algorithm, taken
    /// while judging file `requester`. A file that cannot be read within
    /// the size cap has none (and is reported where it is scanned).
    pub fn digest(&self, requester: usize, file: usize, algorithm: HashAlgorithm) -> Option<&str> {
        self.consult(requester, Consulted::Digest(file));
        self.digests[file][algorithm.index()]
            .get_or_init(|| {
                let bytes =
                    crate::bundle::read_capped(&self.disk_path(file), self.max_file_bytes).ok()?;
                Some(algorithm.digest(&bytes))
            })
            .as_deref()
    }
}

/// Something a file's rules read besides the file and the bundle-wide
/// context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Consulted {
    /// The digest of another file.
    Digest(usize),
    /// The check's clock.
    Clock,
}

impl Site {
    /// The check's clock, read while judging file `requester`.
    pub fn clock(&self, requester: usize) -> i64 {
        self.consult(requester, Consulted::Clock);
        self.now
    }

    /// Sets the check's clock.
    pub fn set_clock(&mut self, now: i64) {
        self.now = now;
    }

    fn consult(&self, requester: usize, what: Consulted) {
        if let Ok(mut consulted) = self.consulted.lock() {
            consulted.push((requester, what));
        }
    }

    /// What the rules read since the last call, by requesting file.
    pub(crate) fn take_consulted(&self) -> Vec<(usize, Consulted)> {
        self.consulted
            .lock()
            .map(|mut consulted| std::mem::take(&mut *consulted))
            .unwrap_or_default()
    }
}

/// The URL paths an HTML file answers to: `a/index.html` is `/a/` and
/// `/a/index.html`; `x.html` is `/x` and `/x.html`.
pub fn routes(path: &str) -> Vec<String> {
    if path == "index.html" {
        return vec!["/".into(), "/index.html".into()];
    }
    if let Some(folder) = path.strip_suffix("/index.html") {
        return vec![format!("/{folder}/"), format!("/{path}")];
    }
    match path
        .strip_suffix(".html")
        .or_else(|| path.strip_suffix(".htm"))
    {
        Some(stem) => vec![format!("/{stem}"), format!("/{path}")],
        None => vec![format!("/{path}")],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(paths: &[&str]) -> Site {
        Site::new(
            PathBuf::from("."),
            paths.iter().map(|p| p.to_string()).collect(),
            Some("https://baystore.example"),
            &[],
            None,
            AdminWords::default(),
            EvidenceRegister::default(),
        )
    }

    #[test]
    fn pretty_urls_resolve() {
        let site = site(&["index.html", "a/index.html", "b.html", "c.css"]);
        assert_eq!(site.resolve("/"), Some(0));
        assert_eq!(site.resolve("/a/"), Some(1));
        assert_eq!(site.resolve("/a"), Some(1));
        assert_eq!(site.resolve("/b"), Some(2));
        assert_eq!(site.resolve("/b.html"), Some(2));
        assert_eq!(site.resolve("/c.css"), Some(3));
        assert_eq!(site.resolve("/d"), None);
    }

    #[test]
    fn routes_of_files() {
        assert_eq!(routes("index.html"), ["/", "/index.html"]);
        assert_eq!(routes("a/b/index.html"), ["/a/b/", "/a/b/index.html"]);
        assert_eq!(routes("404.html"), ["/404", "/404.html"]);
    }

    #[test]
    fn admin_detection() {
        let site = site(&[]);
        assert!(site.is_admin_file("Console/index.html"));
        assert!(site.is_admin_file("admin.html"));
        assert!(!site.is_admin_file("administration/index.html"));
        assert!(site.is_admin_host("console.example.com"));
        assert!(!site.is_admin_host("www.example.com"));
    }
}
