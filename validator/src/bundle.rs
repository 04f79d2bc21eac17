//! The bundle on disk: every regular file under the root, read once and
//! classified by what the rules do with it.

use std::path::Path;

use rayon::prelude::*;

/// Files larger than this are not read; a warning says so.
pub const MAX_SCANNED_BYTES: u64 = 5 * 1024 * 1024;

/// What a file is, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Html,
    /// An SVG image, which is also a document that runs its scripts when
    /// opened directly or framed.
    Svg,
    Script,
    Stylesheet,
    SourceMap,
    /// The `_headers` file at the bundle root.
    Headers,
    /// `sitemap.xml` at the bundle root.
    Sitemap,
    /// The `_redirects` file at the bundle root.
    Redirects,
    /// Any other text file.
    Text,
    Binary,
}

/// The contents of a file, as read.
#[derive(Debug)]
pub enum Content {
    Text(String),
    Binary,
    /// Not read, because it is larger than [`MAX_SCANNED_BYTES`].
    TooLarge(u64),
    /// Could not be read (it vanished or is not readable).
    Unreadable,
}

/// Extensions that are never text, whatever their bytes look like.
const BINARY_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "webp", "avif", "ico", "bmp", "woff", "woff2", "ttf", "otf",
    "eot", "pdf", "zip", "gz", "br", "zst", "mp4", "webm", "mp3", "ogg", "wav", "wasm",
];

/// What a walk of the bundle finds.
#[derive(Debug, Default)]
pub struct Listing {
    /// Every regular file, by path relative to the root, sorted.
    pub files: Vec<String>,
    /// Every symbolic link, sorted. They are not followed, so that nothing
    /// outside the bundle is ever read; a deploy tool that follows them
    /// would ship content no rule has seen.
    pub symlinks: Vec<String>,
}

/// Lists every regular file and symbolic link under `root`. Folders are
/// read in parallel: on a bundle of thousands of page folders the walk is
/// otherwise a serial prologue to the parallel scan.
pub fn list(root: &Path) -> std::io::Result<Listing> {
    let mut listing = list_folder(root, "")?;
    listing.files.par_sort_unstable();
    listing.symlinks.sort_unstable();
    Ok(listing)
}

fn list_folder(folder: &Path, prefix: &str) -> std::io::Result<Listing> {
    let mut listing = Listing::default();
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let file_type = entry.file_type()?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if file_type.is_dir() {
            folders.push((entry.path(), relative));
        } else if file_type.is_file() {
            listing.files.push(relative);
        } else if file_type.is_symlink() {
            listing.symlinks.push(relative);
        }
    }
    let nested: Vec<Listing> = folders
        .into_par_iter()
        .map(|(path, relative)| list_folder(&path, &relative))
        .collect::<std::io::Result<_>>()?;
    for inner in nested {
        listing.files.extend(inner.files);
        listing.symlinks.extend(inner.symlinks);
    }
    Ok(listing)
}

/// Reads one file, refusing files over [`MAX_SCANNED_BYTES`] and telling
/// text from binary (a NUL byte in the first 8 KiB).
pub fn read(path: &Path) -> Content {
    use std::io::Read as _;
    // One open, and the size from the open handle: a separate metadata call
    // would walk the path a second time for every file of the bundle.
    let Ok(mut file) = std::fs::File::open(path) else {
        return Content::Unreadable;
    };
    let size = match file.metadata() {
        Ok(meta) => meta.len(),
        Err(_) => return Content::Unreadable,
    };
    if size > MAX_SCANNED_BYTES {
        return Content::TooLarge(size);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0) + 1);
    if file.read_to_end(&mut bytes).is_err() {
        return Content::Unreadable;
    }
    if memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some() {
        return Content::Binary;
    }
    // Text in another encoding is still read as text: browsers would
    // render it, so skipping it would let a legacy-encoded page slip past
    // every rule. Invalid bytes become U+FFFD.
    match String::from_utf8(bytes) {
        Ok(text) => Content::Text(text),
        Err(e) => Content::Text(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

/// Extensions (lowercase) that hosts serve as HTML or XHTML documents.
fn is_html_extension(extension: &str) -> bool {
    matches!(extension, "html" | "htm" | "xhtml" | "xht" | "shtml")
}

/// Whether `path` names an HTML page (by extension, in any case).
pub fn is_html_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.')
        .is_some_and(|(_, extension)| is_html_extension(&extension.to_ascii_lowercase()))
}

/// Classifies a file by its path and, for binaries, its content.
pub fn classify(path: &str, content: &Content) -> FileKind {
    let name = path.rsplit('/').next().unwrap_or(path);
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if BINARY_EXTENSIONS.contains(&extension.as_str()) || matches!(content, Content::Binary) {
        return FileKind::Binary;
    }
    if path == "_headers" {
        return FileKind::Headers;
    }
    if path == "sitemap.xml" {
        return FileKind::Sitemap;
    }
    if path == "_redirects" {
        return FileKind::Redirects;
    }
    match extension.as_str() {
        _ if is_html_extension(&extension) => FileKind::Html,
        "svg" => FileKind::Svg,
        "js" | "mjs" | "cjs" => FileKind::Script,
        "css" => FileKind::Stylesheet,
        "map" => FileKind::SourceMap,
        _ => FileKind::Text,
    }
}

/// Whether a file name carries a content hash: a `.`- or `-`-separated
/// segment of at least 8 characters that is hex with a digit, or base64url
/// with a digit or mixed case (so `bootstrap.css` is not taken for one).
pub fn is_fingerprinted(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    stem.split(['.', '-', '_']).skip(1).any(looks_like_hash)
        || stem
            .rsplit_once('.')
            .is_some_and(|(_, last)| looks_like_hash(last))
}

fn looks_like_hash(segment: &str) -> bool {
    if segment.len() < 8 {
        return false;
    }
    let has_digit = segment.bytes().any(|b| b.is_ascii_digit());
    let hex = segment.bytes().all(|b| b.is_ascii_hexdigit());
    if hex && has_digit {
        return true;
    }
    let base64url = segment
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let mixed_case = segment.bytes().any(|b| b.is_ascii_uppercase())
        && segment.bytes().any(|b| b.is_ascii_lowercase());
    base64url && (has_digit || mixed_case)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_recognised() {
        assert!(is_fingerprinted("assets/site.3f2a9c0d1b2e4f56.css"));
        assert!(is_fingerprinted("assets/index-BwK9x2Ld.js"));
        assert!(is_fingerprinted("app.0123abcd.min.js"));
        assert!(!is_fingerprinted("assets/bootstrap.css"));
        assert!(!is_fingerprinted("assets/site.css"));
        assert!(!is_fingerprinted("index.html"));
        assert!(!is_fingerprinted("assets/app.1234.js"));
    }

    #[test]
    fn non_utf8_text_is_still_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latin1.html");
        std::fs::write(&path, b"<a onclick=\"x()\">caf\xe9</a>").unwrap();
        match read(&path) {
            Content::Text(text) => assert!(text.starts_with("<a onclick")),
            other => panic!("read as {other:?}"),
        }
        std::fs::write(&path, b"\x00\x01binary").unwrap();
        assert!(matches!(read(&path), Content::Binary));
    }

    #[cfg(unix)]
    #[test]
    fn listing_is_sorted_relative_and_skips_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b/c")).unwrap();
        std::fs::write(dir.path().join("b/c/x.html"), "x").unwrap();
        std::fs::write(dir.path().join("a.txt"), "a").unwrap();
        std::fs::write(dir.path().join("b/y.css"), "y").unwrap();
        std::os::unix::fs::symlink("/", dir.path().join("outside")).unwrap();
        assert_eq!(
            list(dir.path()).unwrap().files,
            ["a.txt", "b/c/x.html", "b/y.css"]
        );
    }

    #[test]
    fn files_are_classified() {
        let text = Content::Text(String::new());
        assert_eq!(classify("_headers", &text), FileKind::Headers);
        assert_eq!(classify("a/_headers", &text), FileKind::Text);
        assert_eq!(classify("sitemap.xml", &text), FileKind::Sitemap);
        assert_eq!(classify("a/b.HTML", &text), FileKind::Html);
        assert_eq!(classify("a/b.xhtml", &text), FileKind::Html);
        assert_eq!(classify("icons/x.SVG", &text), FileKind::Svg);
        assert!(is_html_path("a/b.Xhtml") && !is_html_path("a/b.svg"));
        assert_eq!(classify("a.mjs", &text), FileKind::Script);
        assert_eq!(classify("a.js.map", &text), FileKind::SourceMap);
        assert_eq!(classify("a.png", &text), FileKind::Binary);
        assert_eq!(classify("a.txt", &Content::Binary), FileKind::Binary);
    }
}
