//! The image pipeline: every PNG, JPEG and WebP file under `static/` gets
//! resized variants at the widths `site.yaml` names (never wider than the
//! file), a WebP copy at each width where WebP is smaller than the file's
//! own format, and fingerprinted names like every asset; GIF and SVG files
//! are sized but not resized. Pages show them through [`markup`]: an
//! `<img>` with `width`, `height`, `srcset` and `sizes`, inside a
//! `<picture>` with a WebP `<source>` when there is one.
//!
//! Encoded variants are kept in a [`cache`] across builds, keyed by the
//! source's content hash, so a build whose images did not change reads
//! only their headers and the cache, and decodes and encodes nothing.

pub mod cache;
pub mod markup;
pub mod raster;
pub mod svg;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Deserializer};
use sha2::{Digest, Sha256};

use crate::assets::{Asset, AssetMap, STATIC_DIR};
use crate::error::Error;

use cache::{Cache, Key};
use raster::{Format, Header, RasterProblem};
use svg::SvgProblem;

/// The widths variants are made at when `site.yaml` names none.
pub const DEFAULT_WIDTHS: [u32; 3] = [480, 960, 1440];

/// The `sizes` of an image when neither the page nor `site.yaml` gives one.
pub const DEFAULT_SIZES: &str = "100vw";

/// The cache folder when `site.yaml` names none, relative to it.
pub const DEFAULT_CACHE_DIR: &str = ".baystore-cache/images";

/// The `images:` section of `site.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImagesConfig {
    /// Widths of the variants, in pixels, ascending and without repeats.
    #[serde(default = "default_widths", deserialize_with = "widths")]
    pub widths: Vec<u32>,
    /// The `sizes` attribute of an image that names none.
    #[serde(default = "default_sizes", deserialize_with = "sizes")]
    pub sizes: String,
    /// Where encoded variants are kept across builds, relative to
    /// `site.yaml`.
    #[serde(default = "default_cache_dir")]
    pub cache_dir: PathBuf,
}

impl Default for ImagesConfig {
    fn default() -> Self {
        Self {
            widths: default_widths(),
            sizes: default_sizes(),
            cache_dir: default_cache_dir(),
        }
    }
}

fn default_widths() -> Vec<u32> {
    DEFAULT_WIDTHS.to_vec()
}

fn default_sizes() -> String {
    DEFAULT_SIZES.to_string()
}

fn default_cache_dir() -> PathBuf {
    PathBuf::from(DEFAULT_CACHE_DIR)
}

/// A list of plain integers from 1 to [`raster::MAX_SIDE`], sorted and
/// without repeats; an empty list is refused (it would leave images
/// without variants while looking configured).
fn widths<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u32>, D::Error> {
    use serde::de::Error as _;
    #[derive(Deserialize)]
    struct Width(#[serde(deserialize_with = "crate::content::strict::integer")] i64);
    let list: Vec<Width> = Vec::deserialize(deserializer)?;
    let mut widths = BTreeSet::new();
    for Width(width) in list {
        let width = u32::try_from(width)
            .ok()
            .filter(|w| (1..=raster::MAX_SIDE).contains(w))
            .ok_or_else(|| {
                D::Error::custom(format!(
                    "image width {width} is not between 1 and {}",
                    raster::MAX_SIDE
                ))
            })?;
        widths.insert(width);
    }
    if widths.is_empty() {
        return Err(D::Error::custom("`widths` needs at least one width"));
    }
    Ok(widths.into_iter().collect())
}

/// A `sizes` value: written into an attribute, so it may not be empty or
/// hold control characters.
fn sizes<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    use serde::de::Error as _;
    let text = String::deserialize(deserializer)?;
    markup::check_sizes(&text).map_err(|problem| D::Error::custom(problem.to_string()))?;
    Ok(text)
}

/// What kind of file an image is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageKind {
    /// PNG, JPEG or WebP, with variants.
    Raster,
    /// GIF, sized but not resized.
    Gif,
    /// SVG, sized from its root element.
    Svg,
}

/// One width of an image and the fingerprinted URL of the file at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Width in pixels.
    pub width: u32,
    /// Fingerprinted URL.
    pub url: String,
}

/// An image under `static/` as pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Width in pixels, as shown (after a JPEG's EXIF rotation).
    pub width: u32,
    /// Height in pixels, as shown.
    pub height: u32,
    /// What kind of file it is.
    pub kind: ImageKind,
    /// The fingerprinted URL of the file itself.
    pub url: String,
    /// Candidates in the file's own format, narrowest first; the last is
    /// the file itself. A narrower copy that is not smaller than the file
    /// is left out. One candidate when there are no variants.
    pub candidates: Vec<Candidate>,
    /// Candidates for the WebP `<source>`: at each width, the WebP file
    /// where it is smaller, else the file's own format. Empty when WebP is
    /// smaller at no width (or the file is WebP already).
    pub webp: Vec<Candidate>,
}

/// How much image work a build did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImageStats {
    /// Raster images decoded and encoded, for want of cached variants.
    pub processed: usize,
    /// Raster images whose every variant came from the cache: only their
    /// headers were read.
    pub reused: usize,
}

/// Why an image under `static/` cannot be published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageProblem {
    /// A PNG, JPEG, WebP or GIF file that cannot be used.
    #[error(transparent)]
    Raster(#[from] RasterProblem),
    /// An SVG file whose size cannot be read.
    #[error(transparent)]
    Svg(#[from] SvgProblem),
}

/// What the pipeline made of one static file.
struct Processed {
    site_path: String,
    image: Image,
    variants: Vec<Asset>,
    decoded: bool,
}

/// Sizes every image among the static files and makes the variants of
/// every raster image, from the cache where it can. The variants are
/// published as assets beside the files. Fails with every image that
/// cannot be used, naming its file.
pub fn process(
    assets: &mut AssetMap,
    config: &ImagesConfig,
    cache: &Cache,
) -> Result<ImageStats, Vec<Error>> {
    let sources: Vec<&Asset> = assets
        .iter()
        .filter(|asset| kind_of(&asset.site_path).is_some())
        .collect();
    let results: Vec<Result<Processed, Error>> = sources
        .par_iter()
        .map(|asset| {
            process_one(asset, config, cache).map_err(|problem| Error::Image {
                file: format!("{STATIC_DIR}{}", asset.site_path),
                problem,
            })
        })
        .collect();
    let mut stats = ImageStats::default();
    let mut errors = Vec::new();
    let mut done = Vec::new();
    for result in results {
        match result {
            Ok(processed) => done.push(processed),
            Err(error) => errors.push(error),
        }
    }
    for processed in done {
        if processed.image.kind == ImageKind::Raster {
            if processed.decoded {
                stats.processed += 1;
            } else {
                stats.reused += 1;
            }
        }
        for variant in processed.variants {
            assets.add_variant(variant);
        }
        assets.add_image(processed.site_path, processed.image);
    }
    assets.set_image_sizes(&config.sizes);
    if errors.is_empty() {
        Ok(stats)
    } else {
        Err(errors)
    }
}

/// The folders of a site the cache may not be in: a cache entry there
/// would be read back as a source file by the next build.
const SOURCE_DIRS: [&str; 5] = ["content", "templates", "static", "public", "data"];

/// The cache folder of a site: `cache_dir` relative to the site folder.
/// Refused when it is the site folder itself or lies in one of its source
/// folders, compared after resolving `.` and `..` as written.
pub fn cache_dir(site_dir: &Path, config: &ImagesConfig) -> Result<PathBuf, String> {
    let joined = site_dir.join(&config.cache_dir);
    let mut resolved = PathBuf::new();
    for component in joined.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                resolved.pop();
            }
            other => resolved.push(other),
        }
    }
    let mut site = PathBuf::new();
    for component in site_dir.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                site.pop();
            }
            other => site.push(other),
        }
    }
    let shown = config.cache_dir.display();
    if resolved == site {
        return Err(format!(
            "images.cache_dir `{shown}` is the site folder itself"
        ));
    }
    if let Some(folder) = SOURCE_DIRS
        .iter()
        .find(|folder| resolved.starts_with(site.join(folder)))
    {
        return Err(format!(
            "images.cache_dir `{shown}` lies inside {folder}/, whose files the build reads as sources"
        ));
    }
    Ok(resolved)
}

/// What the pipeline does with a static file, by its name.
fn kind_of(site_path: &str) -> Option<ImageKind> {
    let lower = site_path.to_ascii_lowercase();
    if Format::of_name(&lower).is_some() {
        Some(ImageKind::Raster)
    } else if lower.ends_with(".gif") {
        Some(ImageKind::Gif)
    } else if lower.ends_with(".svg") {
        Some(ImageKind::Svg)
    } else {
        None
    }
}

fn single(asset: &Asset, kind: ImageKind, width: u32, height: u32) -> Image {
    Image {
        width,
        height,
        kind,
        url: asset.url.clone(),
        candidates: vec![Candidate {
            width,
            url: asset.url.clone(),
        }],
        webp: Vec::new(),
    }
}

fn process_one(
    asset: &Asset,
    config: &ImagesConfig,
    cache: &Cache,
) -> Result<Processed, ImageProblem> {
    let done = |image| Processed {
        site_path: asset.site_path.clone(),
        image,
        variants: Vec::new(),
        decoded: false,
    };
    let format = match kind_of(&asset.site_path) {
        Some(ImageKind::Svg) => {
            let (width, height) = svg::dimensions(&asset.bytes)?;
            return Ok(done(single(asset, ImageKind::Svg, width, height)));
        }
        Some(ImageKind::Gif) => {
            let Header { width, height } = raster::gif_size(&asset.bytes)?;
            return Ok(done(single(asset, ImageKind::Gif, width, height)));
        }
        _ => Format::of_name(&asset.site_path).ok_or(RasterProblem::Empty)?,
    };
    let header = raster::header(&asset.bytes, format)?;
    let source = hex(&Sha256::digest(&asset.bytes));
    // Narrower widths than the file, then the file's own width.
    let mut widths: Vec<u32> = config
        .widths
        .iter()
        .copied()
        .filter(|&w| w < header.width)
        .collect();
    widths.push(header.width);
    let key = |width: u32, format: Format| Key {
        source: source.clone(),
        width,
        height: raster::scaled_height(header, width),
        format,
    };
    // Every encoded variant needed: the narrower widths in the file's
    // format, and every width in WebP unless the file is WebP.
    let mut wanted: Vec<Key> = Vec::new();
    for &width in &widths {
        if width < header.width {
            wanted.push(key(width, format));
        }
        if format != Format::Webp {
            wanted.push(key(width, Format::Webp));
        }
    }
    let mut encoded: Vec<Option<Vec<u8>>> = wanted.iter().map(|k| cache.get(k)).collect();
    let decoded = encoded.iter().any(Option::is_none);
    if decoded {
        let pixels = raster::decode(&asset.bytes, format)?;
        for (key, slot) in wanted.iter().zip(encoded.iter_mut()) {
            if slot.is_none() {
                let bytes = raster::encode_variant(&pixels, key.width, key.height, key.format)?;
                cache.put(key, &bytes);
                *slot = Some(bytes);
            }
        }
    }
    let mut by_key: Vec<(Key, Vec<u8>)> = wanted
        .into_iter()
        .zip(encoded)
        .filter_map(|(key, bytes)| Some((key, bytes?)))
        .collect();
    let mut take = |width: u32, format: Format| -> Option<Vec<u8>> {
        let index = by_key
            .iter()
            .position(|(k, _)| k.width == width && k.format == format)?;
        Some(by_key.swap_remove(index).1)
    };
    let stem = file_stem(&asset.site_path);
    let mut variants = Vec::new();
    let mut candidates = Vec::new();
    let mut webp = Vec::new();
    let mut webp_smaller = false;
    for &width in &widths {
        let own = if width < header.width {
            let bytes = take(width, format).unwrap_or_default();
            // A copy no smaller than the file itself (flat artwork, which
            // resizing anti-aliases into more colours) is left out: the
            // file serves that width for fewer bytes.
            if bytes.is_empty() || bytes.len() >= asset.bytes.len() {
                None
            } else {
                let len = bytes.len();
                let variant = Asset::variant(
                    &asset.site_path,
                    &format!("{stem}-{width}w.{}", format.extension()),
                    bytes,
                );
                let url = variant.url.clone();
                variants.push(variant);
                Some((url, len))
            }
        } else {
            Some((asset.url.clone(), asset.bytes.len()))
        };
        if let Some((url, _)) = &own {
            candidates.push(Candidate {
                width,
                url: url.clone(),
            });
        }
        if format == Format::Webp {
            continue;
        }
        // What a browser without WebP would fetch at this width.
        let fallback_len = own.as_ref().map_or(asset.bytes.len(), |(_, len)| *len);
        match take(width, Format::Webp) {
            Some(bytes) if bytes.len() < fallback_len => {
                webp_smaller = true;
                let variant =
                    Asset::variant(&asset.site_path, &format!("{stem}-{width}w.webp"), bytes);
                webp.push(Candidate {
                    width,
                    url: variant.url.clone(),
                });
                variants.push(variant);
            }
            _ => {
                if let Some((url, _)) = own {
                    webp.push(Candidate { width, url });
                }
            }
        }
    }
    if !webp_smaller {
        webp.clear();
    }
    Ok(Processed {
        site_path: asset.site_path.clone(),
        image: Image {
            width: header.width,
            height: header.height,
            kind: ImageKind::Raster,
            url: asset.url.clone(),
            candidates,
            webp,
        },
        variants,
        decoded,
    })
}

/// The file name of a site path without its extension.
fn file_stem(site_path: &str) -> &str {
    let name = site_path.rsplit('/').next().unwrap_or(site_path);
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(64), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
pub(crate) fn test_config() -> proptest::test_runner::Config {
    crate::proptest_config::config(256)
}

#[cfg(test)]
mod tests {
    use super::*;
    use raster::tests::{png, png_claiming};

    fn config(widths: &[u32]) -> ImagesConfig {
        ImagesConfig {
            widths: widths.to_vec(),
            ..ImagesConfig::default()
        }
    }

    #[test]
    fn variants_are_made_below_the_width_and_reused_from_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path());
        let sources = || {
            vec![
                ("/img/photo.png".to_string(), png(200, 100)),
                (
                    "/img/logo.svg".to_string(),
                    b"<svg viewBox=\"0 0 24 12\"/>".to_vec(),
                ),
            ]
        };
        let mut assets = AssetMap::from_sources(sources()).unwrap();
        let stats = process(&mut assets, &config(&[50, 100, 400]), &cache).unwrap();
        assert_eq!(
            stats,
            ImageStats {
                processed: 1,
                reused: 0
            }
        );
        let image = assets.image("/img/photo.png").unwrap();
        assert_eq!((image.width, image.height), (200, 100));
        let widths: Vec<u32> = image.candidates.iter().map(|c| c.width).collect();
        // Never upscaled: 400 is past the file's own 200.
        assert_eq!(widths, [50, 100, 200]);
        assert_eq!(
            image.candidates[2].url,
            assets.get("/img/photo.png").unwrap().url
        );
        for candidate in &image.candidates[..2] {
            let variant = assets.get_by_url(&candidate.url).unwrap();
            assert!(
                candidate.url.starts_with("/assets/photo-"),
                "{}",
                candidate.url
            );
            assert_eq!(variant.site_path, "/img/photo.png");
        }
        let svg = assets.image("/img/logo.svg").unwrap();
        assert_eq!((svg.width, svg.height, svg.kind), (24, 12, ImageKind::Svg));

        // The next build reads the cache and decodes nothing, with the
        // same URLs.
        let mut again = AssetMap::from_sources(sources()).unwrap();
        let stats = process(&mut again, &config(&[50, 100, 400]), &cache).unwrap();
        assert_eq!(
            stats,
            ImageStats {
                processed: 0,
                reused: 1
            }
        );
        assert_eq!(
            again.image("/img/photo.png"),
            assets.image("/img/photo.png")
        );
    }

    #[test]
    fn hostile_and_mislabelled_images_are_errors_naming_the_file() {
        let mut assets = AssetMap::from_sources(vec![
            ("/img/bomb.png".to_string(), png_claiming(60_000, 60_000)),
            ("/img/fake.jpg".to_string(), png(4, 4)),
            (
                "/img/broken.svg".to_string(),
                b"<svg width=\"10%\"/>".to_vec(),
            ),
        ])
        .unwrap();
        let errors =
            process(&mut assets, &ImagesConfig::default(), &Cache::disabled()).unwrap_err();
        let mut messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        messages.sort();
        assert_eq!(
            messages,
            [
                "static/img/bomb.png: it is 60000×60000 pixels, over the limit of 16384 a side and 32000000 in all",
                "static/img/broken.svg: <svg> has neither an absolute `width` and `height` nor a `viewBox`, so its size is unknown",
                "static/img/fake.jpg: it is named as a JPEG file but its bytes are PNG",
            ]
        );
    }

    #[test]
    fn the_cache_stays_out_of_source_folders() {
        let site = Path::new("/site");
        let dir = |path: &str| {
            cache_dir(
                site,
                &ImagesConfig {
                    cache_dir: PathBuf::from(path),
                    ..ImagesConfig::default()
                },
            )
        };
        assert_eq!(
            dir(".baystore-cache/images"),
            Ok(PathBuf::from("/site/.baystore-cache/images"))
        );
        assert_eq!(dir("../cache"), Ok(PathBuf::from("/cache")));
        assert_eq!(dir("/var/cache/site"), Ok(PathBuf::from("/var/cache/site")));
        for bad in [
            "static/cache",
            "./content/../static/x",
            "public",
            ".",
            "x/..",
            "/site/data/c",
        ] {
            assert!(dir(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn widths_config_is_strict() {
        let parse = |text: &str| serde_saphyr::from_str::<ImagesConfig>(text);
        assert_eq!(
            parse("widths: [960, 480, 960]\n").unwrap().widths,
            [480, 960]
        );
        for bad in [
            "widths: []\n",
            "widths: [0]\n",
            "widths: [\"480\"]\n",
            "widths: [20000]\n",
            "sizes: \"\"\n",
            "colour: red\n",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
