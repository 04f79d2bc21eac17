//! The static asset pipeline: every file under `static/` is published as
//! `assets/<stem>.<16 hex of SHA-256>.<ext>` so it can be cached forever,
//! and carries a SHA-384 integrity value for SRI.
//!
//! Stylesheets are rewritten before they are hashed: their `url(...)`
//! references to other static files point at the fingerprinted names, so a
//! changed font or image also changes the stylesheet's hash.
//!
//! One exception keeps its name as well: `static/favicon.ico` is also
//! copied to the bundle root, because browsers request `/favicon.ico`
//! without being told to.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256, Sha384};

use crate::error::Error;

/// Name of the static folder inside a site folder.
pub const STATIC_DIR: &str = "static";

/// Bundle folder holding fingerprinted assets.
pub const ASSETS_DIR: &str = "assets";

/// Static files that are also published under their own name at the root.
pub const ROOT_COPIES: [&str; 1] = ["favicon.ico"];

/// One published static file.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Unfingerprinted site path, e.g. `/css/site.css`.
    pub site_path: String,
    /// Fingerprinted URL, e.g. `/assets/site.3f2a9c0d1b2e4f56.css`.
    pub url: String,
    /// `sha384-<base64>` of the published bytes.
    pub integrity: String,
    /// Published bytes (stylesheets after rewriting).
    pub bytes: Vec<u8>,
}

impl Asset {
    fn new(site_path: String, bytes: Vec<u8>) -> Self {
        let file_name = site_path.rsplit('/').next().unwrap_or_default().to_string();
        Self::named(site_path, &file_name, bytes)
    }

    /// A file the generator derives from the static file at `site_path`
    /// (a resized image), published under `file_name` with a fingerprint.
    pub fn variant(site_path: &str, file_name: &str, bytes: Vec<u8>) -> Self {
        Self::named(site_path.to_string(), file_name, bytes)
    }

    fn named(site_path: String, file_name: &str, bytes: Vec<u8>) -> Self {
        let (stem, extension) = match file_name.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => (stem, Some(ext)),
            _ => (file_name, None),
        };
        let digest = Sha256::digest(&bytes);
        let mut hash = String::with_capacity(16);
        for byte in &digest[..8] {
            hash.push_str(&format!("{byte:02x}"));
        }
        let url = match extension {
            Some(ext) => format!("/{ASSETS_DIR}/{stem}.{hash}.{ext}"),
            None => format!("/{ASSETS_DIR}/{stem}.{hash}"),
        };
        let integrity = integrity_of(&bytes);
        Self {
            site_path,
            url,
            integrity,
            bytes,
        }
    }
}

/// `sha384-<base64>` of some bytes, as used by SRI.
pub fn integrity_of(bytes: &[u8]) -> String {
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
    )
}

/// Where the asset published at a URL is kept.
#[derive(Debug, Clone)]
enum Published {
    /// A static file, by site path.
    Static(String),
    /// A variant, by index.
    Variant(usize),
}

/// All static files of a site, by unfingerprinted site path.
#[derive(Debug, Default)]
pub struct AssetMap {
    by_site_path: HashMap<String, Asset>,
    /// Fingerprinted URL to the asset, so already rewritten references are
    /// recognised rather than reported as missing.
    by_url: HashMap<String, Published>,
    /// Files derived from static files (resized images), published
    /// beside them; each names its static file as its site path.
    variants: Vec<Asset>,
    /// The images among the static files, by site path.
    images: HashMap<String, crate::images::Image>,
    /// The `sizes` of an image that names none.
    image_sizes: String,
    /// Site paths of files the generator writes from the content (feeds),
    /// which pages may link to and which are not static files.
    generated: std::collections::HashSet<String>,
}

impl AssetMap {
    /// Records files the generator writes itself, by bundle path
    /// (`news/atom.xml`), so links to them are neither rewritten nor
    /// reported as missing static files.
    pub fn add_generated<'a>(&mut self, paths: impl IntoIterator<Item = &'a String>) {
        self.generated
            .extend(paths.into_iter().map(|path| format!("/{path}")));
    }

    /// Whether a site path is a file the generator writes itself.
    pub fn is_generated(&self, site_path: &str) -> bool {
        self.generated.contains(site_path)
    }

    /// Reads and fingerprints every file under `static_dir` (a missing
    /// folder means no assets). Fails with every broken stylesheet reference.
    pub fn collect(static_dir: &Path) -> Result<Self, Error> {
        let mut files: Vec<(String, PathBuf)> = Vec::new();
        if static_dir.is_dir() {
            for entry in walkdir::WalkDir::new(static_dir).sort_by_file_name() {
                let entry = entry.map_err(|e| {
                    let path = e.path().unwrap_or(static_dir).to_path_buf();
                    Error::io("cannot walk static files", path, e.into())
                })?;
                if entry.file_type().is_file() {
                    let relative = entry
                        .path()
                        .strip_prefix(static_dir)
                        .unwrap_or(entry.path())
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/");
                    files.push((format!("/{relative}"), entry.into_path()));
                }
            }
        }
        let mut sources: Vec<(String, Vec<u8>)> = Vec::with_capacity(files.len());
        for (site_path, path) in files {
            let bytes =
                std::fs::read(&path).map_err(|e| Error::io("cannot read static file", &path, e))?;
            sources.push((site_path, bytes));
        }
        Self::from_sources(sources)
    }

    /// Fingerprints files given as `(site path, bytes)` pairs.
    pub fn from_sources(sources: Vec<(String, Vec<u8>)>) -> Result<Self, Error> {
        let mut map = AssetMap::default();
        let (mut stylesheets, others): (Vec<_>, Vec<_>) = sources
            .into_iter()
            .partition(|(path, _)| path.ends_with(".css"));
        for (site_path, bytes) in others {
            map.insert(Asset::new(site_path, bytes));
        }
        // Stylesheets may import each other, so publish them in rounds: a
        // stylesheet is ready once every static file it references is.
        while !stylesheets.is_empty() {
            let known: Vec<&str> = stylesheets.iter().map(|(p, _)| p.as_str()).collect();
            let mut ready = Vec::new();
            let mut waiting = Vec::new();
            for (index, (site_path, bytes)) in stylesheets.iter().enumerate() {
                let text = String::from_utf8_lossy(bytes);
                let pending = css_references(&text).into_iter().any(|reference| {
                    resolve(site_path, &reference.target).is_some_and(|target| {
                        known.contains(&target.as_str()) && target != *site_path
                    })
                });
                if pending {
                    waiting.push(index);
                } else {
                    ready.push(index);
                }
            }
            if ready.is_empty() {
                // A cycle of imports: publish the rest as they are, with
                // the references between them left unrewritten.
                ready = std::mem::take(&mut waiting);
            }
            let mut errors = Vec::new();
            let mut rest = Vec::new();
            for (index, (site_path, bytes)) in stylesheets.into_iter().enumerate() {
                if ready.contains(&index) {
                    let text = String::from_utf8_lossy(&bytes);
                    match map.rewrite_css(&site_path, &text) {
                        Ok(rewritten) => map.insert(Asset::new(site_path, rewritten.into_bytes())),
                        Err(mut e) => errors.append(&mut e),
                    }
                } else {
                    rest.push((site_path, bytes));
                }
            }
            Error::collect(errors)?;
            stylesheets = rest;
        }
        Ok(map)
    }

    /// Publishes one file the generator supplies itself (the dev reload
    /// client), fingerprinted like a static file. Its bytes must not
    /// reference other files.
    pub fn add_file(&mut self, site_path: &str, bytes: &[u8]) {
        self.insert(Asset::new(site_path.to_string(), bytes.to_vec()));
    }

    fn insert(&mut self, asset: Asset) {
        self.by_url.insert(
            asset.url.clone(),
            Published::Static(asset.site_path.clone()),
        );
        self.by_site_path.insert(asset.site_path.clone(), asset);
    }

    /// Publishes a file derived from a static file (see [`Asset::variant`]).
    pub fn add_variant(&mut self, asset: Asset) {
        self.by_url
            .insert(asset.url.clone(), Published::Variant(self.variants.len()));
        self.variants.push(asset);
    }

    /// Records what the image pipeline made of the static file at
    /// `site_path`.
    pub fn add_image(&mut self, site_path: String, image: crate::images::Image) {
        self.images.insert(site_path, image);
    }

    /// The image at a site path, once the pipeline has sized it.
    pub fn image(&self, site_path: &str) -> Option<&crate::images::Image> {
        self.images.get(site_path)
    }

    /// Sets the `sizes` of an image that names none.
    pub fn set_image_sizes(&mut self, sizes: &str) {
        self.image_sizes = sizes.to_string();
    }

    /// The `sizes` of an image that names none.
    pub fn image_sizes(&self) -> &str {
        if self.image_sizes.is_empty() {
            crate::images::DEFAULT_SIZES
        } else {
            &self.image_sizes
        }
    }

    /// The asset published at a fingerprinted URL: a static file or a
    /// file derived from one.
    pub fn get_by_url(&self, url: &str) -> Option<&Asset> {
        match self.by_url.get(url)? {
            Published::Static(site_path) => self.by_site_path.get(site_path),
            Published::Variant(index) => self.variants.get(*index),
        }
    }

    /// The asset published for an unfingerprinted site path.
    pub fn get(&self, site_path: &str) -> Option<&Asset> {
        self.by_site_path.get(site_path)
    }

    /// Number of static files.
    pub fn len(&self) -> usize {
        self.by_site_path.len()
    }

    /// Whether the site has no static files.
    pub fn is_empty(&self) -> bool {
        self.by_site_path.is_empty()
    }

    /// Every static file, in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = &Asset> {
        let mut assets: Vec<&Asset> = self.by_site_path.values().collect();
        assets.sort_by(|a, b| a.site_path.cmp(&b.site_path));
        assets.into_iter()
    }

    /// Every published file, static files and the files derived from
    /// them, in a stable order.
    pub fn published(&self) -> impl Iterator<Item = &Asset> {
        let mut assets: Vec<&Asset> = self
            .by_site_path
            .values()
            .chain(self.variants.iter())
            .collect();
        assets.sort_by(|a, b| a.url.cmp(&b.url));
        assets.into_iter()
    }

    /// Writes every asset into `out_dir/assets/` (and the root copies).
    /// Errors name the static file and the path inside the bundle, never
    /// `out_dir`, which is a staging folder about to be removed.
    pub fn write(&self, out_dir: &Path) -> Result<(), Error> {
        let assets_dir = out_dir.join(ASSETS_DIR);
        std::fs::create_dir_all(&assets_dir).map_err(|e| Error::BundleWrite {
            cause: "the generator".to_string(),
            output: format!("{ASSETS_DIR}/"),
            source: e,
        })?;
        for asset in self.by_site_path.values().chain(self.variants.iter()) {
            let name = asset.site_path.trim_start_matches('/');
            let mut outputs = vec![asset.url.trim_start_matches('/')];
            let is_variant =
                self.by_site_path.get(&asset.site_path).map(|a| &a.url) != Some(&asset.url);
            if ROOT_COPIES.contains(&name) && !is_variant {
                outputs.push(name);
            }
            for output in outputs {
                std::fs::write(out_dir.join(output), &asset.bytes).map_err(|e| {
                    Error::BundleWrite {
                        cause: format!("{STATIC_DIR}{}", asset.site_path),
                        output: output.to_string(),
                        source: e,
                    }
                })?;
            }
        }
        Ok(())
    }

    /// Rewrites `url(...)` and `@import "..."` references in a stylesheet
    /// to fingerprinted URLs. External, data and fragment references stay.
    fn rewrite_css(&self, site_path: &str, text: &str) -> Result<String, Vec<Error>> {
        let mut out = String::with_capacity(text.len());
        let mut errors = Vec::new();
        let mut last = 0;
        for reference in css_references(text) {
            let Some(target) = resolve(site_path, &reference.target) else {
                continue;
            };
            out.push_str(&text[last..reference.start]);
            match self.get(&target) {
                Some(asset) => {
                    out.push_str(&asset.url);
                    out.push_str(&reference.suffix);
                }
                None if target == site_path => out.push_str(&text[reference.start..reference.end]),
                None => {
                    errors.push(Error::MissingAsset {
                        source_file: format!("{STATIC_DIR}{site_path}"),
                        template: None,
                        reference: reference.target.clone(),
                    });
                    out.push_str(&text[reference.start..reference.end]);
                }
            }
            last = reference.end;
        }
        out.push_str(&text[last..]);
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

/// One reference inside a stylesheet: the byte range of the URL as
/// written, and its path part and `?query#fragment` suffix once CSS
/// escapes are decoded.
struct CssReference {
    start: usize,
    end: usize,
    target: String,
    suffix: String,
}

/// Every URL a browser fetches from the stylesheet (`url(…)`, `@import`,
/// the strings of `image-set()` and its kin), found by the validator's own
/// scanner: a reference the build does not rewrite is one the gate would
/// then judge.
fn css_references(text: &str) -> Vec<CssReference> {
    bundle_validator::css::urls(text)
        .into_iter()
        .map(|found| {
            let split = found.url.find(['?', '#']).unwrap_or(found.url.len());
            let (target, suffix) = found.url.split_at(split);
            CssReference {
                start: found.span.start,
                end: found.span.end,
                target: target.to_string(),
                suffix: suffix.to_string(),
            }
        })
        .collect()
}

/// Resolves a reference found in the file at `base` (a site path) to a
/// site path. Returns `None` for references that are not local files.
fn resolve(base: &str, target: &str) -> Option<String> {
    let lower = target.to_ascii_lowercase();
    if target.is_empty()
        || target.starts_with("//")
        || lower.starts_with("data:")
        || target.contains("://")
        || lower.starts_with("mailto:")
    {
        return None;
    }
    let joined = if target.starts_with('/') {
        target.to_string()
    } else {
        let folder = &base[..base.rfind('/').map_or(0, |i| i + 1)];
        format!("{folder}{target}")
    };
    let mut segments: Vec<&str> = Vec::new();
    for segment in joined.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    Some(format!("/{}", segments.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_with_sha256_prefix_and_sha384_integrity() {
        let map = AssetMap::from_sources(vec![("/js/app.js".into(), b"x".to_vec())]).unwrap();
        let asset = map.get("/js/app.js").unwrap();
        // SHA-256("x") starts with 2d711642b726b044.
        assert_eq!(asset.url, "/assets/app.2d711642b726b044.js");
        assert_eq!(
            asset.integrity,
            "sha384-11LCxR+6DimqGQVwqdQlPkQHegWNMpf6OlYw1b0BJiL5fCisrtMTtcg7uZDKp9qF"
        );
    }

    #[test]
    fn stylesheet_references_are_rewritten_before_hashing() {
        let map = AssetMap::from_sources(vec![
            (
                "/css/site.css".into(),
                b"/* url(ignored.png) */ @import \"base.css\";\nbody{background:url( '../img/a.png?v=1#x' )} .b{background:url(data:image/png;base64,AA)}".to_vec(),
            ),
            ("/css/base.css".into(), b"a{}".to_vec()),
            ("/img/a.png".into(), b"png".to_vec()),
        ])
        .unwrap();
        let site = String::from_utf8(map.get("/css/site.css").unwrap().bytes.clone()).unwrap();
        let base_url = &map.get("/css/base.css").unwrap().url;
        let image_url = &map.get("/img/a.png").unwrap().url;
        assert!(site.contains(&format!("@import \"{base_url}\"")), "{site}");
        assert!(
            site.contains(&format!("url( '{image_url}?v=1#x' )")),
            "{site}"
        );
        assert!(site.contains("url(ignored.png)"), "{site}");
        assert!(site.contains("url(data:image/png;base64,AA)"), "{site}");
    }

    #[test]
    fn missing_stylesheet_reference_is_an_error() {
        let error = AssetMap::from_sources(vec![(
            "/css/site.css".into(),
            b"a{background:url(/img/none.png)}".to_vec(),
        )])
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "static/css/site.css: refers to /img/none.png, which is not a file under static/"
        );
    }
}
