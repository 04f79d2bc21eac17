//! The bundle on disk: every regular file under the root, read once and
//! classified by what the rules do with it.

use std::path::Path;

use walkdir::WalkDir;

/// Files larger than this are not read; a warning says so.
pub const MAX_SCANNED_BYTES: u64 = 5 * 1024 * 1024;

/// What a file is, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Html,
    Script,
    Stylesheet,
    SourceMap,
    /// The `_headers` file at the bundle root.
    Headers,
    /// `sitemap.xml` at the bundle root.
    Sitemap,
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

/// Lists every regular file under `root` (symlinks are not followed, so
/// nothing outside the bundle is read), sorted by path.
pub fn list(root: &Path) -> std::io::Result<Vec<String>> {
    let mut paths = Vec::new();
    for entry in WalkDir::new(root).follow_links(false) {
        let entry = entry.map_err(std::io::Error::other)?;
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(relative) = entry.path().strip_prefix(root) else {
            continue;
        };
        let parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        paths.push(parts.join("/"));
    }
    paths.sort();
    Ok(paths)
}

/// Reads one file, refusing files over [`MAX_SCANNED_BYTES`] and telling
/// text from binary (a NUL byte early on, or invalid UTF-8).
pub fn read(path: &Path) -> Content {
    let size = match std::fs::metadata(path) {
        Ok(meta) => meta.len(),
        Err(_) => return Content::Unreadable,
    };
    if size > MAX_SCANNED_BYTES {
        return Content::TooLarge(size);
    }
    match std::fs::read(path) {
        Ok(bytes) => {
            if bytes.iter().take(8192).any(|b| *b == 0) {
                return Content::Binary;
            }
            match String::from_utf8(bytes) {
                Ok(text) => Content::Text(text),
                Err(_) => Content::Binary,
            }
        }
        Err(_) => Content::Unreadable,
    }
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
    match extension.as_str() {
        "html" | "htm" => FileKind::Html,
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
    fn files_are_classified() {
        let text = Content::Text(String::new());
        assert_eq!(classify("_headers", &text), FileKind::Headers);
        assert_eq!(classify("a/_headers", &text), FileKind::Text);
        assert_eq!(classify("sitemap.xml", &text), FileKind::Sitemap);
        assert_eq!(classify("a/b.HTML", &text), FileKind::Html);
        assert_eq!(classify("a.mjs", &text), FileKind::Script);
        assert_eq!(classify("a.js.map", &text), FileKind::SourceMap);
        assert_eq!(classify("a.png", &text), FileKind::Binary);
        assert_eq!(classify("a.txt", &Content::Binary), FileKind::Binary);
    }
}
