//! What the dev server answers for a static path, as Workers Static Assets
//! answer it with `html_handling = "auto-trailing-slash"` and
//! `not_found_handling = "404-page"`: `/about/` is `about/index.html`,
//! `/about` redirects to `/about/`, `/about/index.html` redirects to
//! `/about/`, `/page` is `page.html` when there is one, and a path with no
//! file is `404.html` with status 404.
//!
//! Resolution works on the decoded request path and never leaves the
//! bundle: a segment that is empty, `.`, `..`, or holds a backslash, a NUL
//! or another control character matches no file, and nothing but regular
//! files (never a link) is served.

use std::path::{Path, PathBuf};

/// What a request for a path resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Serve this file (a path relative to the bundle) with status 200.
    File(String),
    /// Redirect (307) to this path.
    Redirect(String),
    /// Serve `404.html` with status 404, or a plain 404 without one.
    NotFound,
}

/// Resolves a request path (`/about/`, percent-encoded as sent) against
/// the bundle at `root`.
pub fn resolve(root: &Path, request_path: &str) -> Resolved {
    let Some(decoded) = decode_path(request_path) else {
        return Resolved::NotFound;
    };
    let is_file = |relative: &str| is_regular_file(&root.join(relative));
    let trimmed = &decoded[1..];
    if trimmed.is_empty() {
        return if is_file("index.html") {
            Resolved::File("index.html".into())
        } else {
            Resolved::NotFound
        };
    }
    if let Some(folder) = trimmed.strip_suffix('/') {
        let index = format!("{folder}/index.html");
        if is_file(&index) {
            return Resolved::File(index);
        }
        if is_file(&format!("{folder}.html")) {
            return Resolved::Redirect(format!("/{folder}"));
        }
        return Resolved::NotFound;
    }
    if let Some(folder) = trimmed.strip_suffix("/index.html")
        && is_file(trimmed)
    {
        return Resolved::Redirect(format!("/{folder}/"));
    }
    if trimmed == "index.html" && is_file(trimmed) {
        return Resolved::Redirect("/".into());
    }
    if let Some(stem) = trimmed.strip_suffix(".html")
        && is_file(trimmed)
        && trimmed != "404.html"
    {
        return Resolved::Redirect(format!("/{stem}"));
    }
    if is_file(trimmed) {
        return Resolved::File(trimmed.to_string());
    }
    if is_file(&format!("{trimmed}/index.html")) {
        return Resolved::Redirect(format!("/{trimmed}/"));
    }
    let html = format!("{trimmed}.html");
    if is_file(&html) {
        return Resolved::File(html);
    }
    Resolved::NotFound
}

/// The request path percent-decoded, or `None` when it is not a safe path
/// inside the bundle.
pub fn decode_path(request_path: &str) -> Option<String> {
    let bytes = request_path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8(decoded).ok()?;
    let inner = decoded.strip_prefix('/')?;
    let segments: Vec<&str> = inner.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (index, segment) in segments.iter().enumerate() {
        // A trailing slash leaves one empty last segment; any other empty
        // segment (`//`) is refused rather than normalised.
        if segment.is_empty() && index == last {
            continue;
        }
        if segment.is_empty()
            || *segment == "."
            || *segment == ".."
            || segment.contains('\\')
            || segment.chars().any(char::is_control)
        {
            return None;
        }
    }
    Some(decoded)
}

/// Whether `path` is a regular file, not following a final link.
fn is_regular_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_file())
}

/// The file at `relative` inside `root`, when every component on the way
/// is a real folder (no link) and the file itself is a regular file.
pub fn open_inside(root: &Path, relative: &str) -> Option<PathBuf> {
    let mut path = root.to_path_buf();
    let parts: Vec<&str> = relative.split('/').collect();
    for (index, part) in parts.iter().enumerate() {
        path.push(part);
        let meta = std::fs::symlink_metadata(&path).ok()?;
        let last = index + 1 == parts.len();
        if (last && !meta.file_type().is_file()) || (!last && !meta.file_type().is_dir()) {
            return None;
        }
    }
    Some(path)
}

/// The `Content-Type` of a file, by extension, as Workers Static Assets
/// send it for the kinds of files a site holds.
pub fn content_type(relative: &str) -> &'static str {
    let extension = relative
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "pdf" => "application/pdf",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for file in [
            "index.html",
            "404.html",
            "about/index.html",
            "plain.html",
            "assets/site.0123.css",
            "my page/index.html",
        ] {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, file).unwrap();
        }
        dir
    }

    #[test]
    fn paths_resolve_as_static_assets_do() {
        let dir = bundle();
        let root = dir.path();
        let file = |f: &str| Resolved::File(f.to_string());
        let redirect = |r: &str| Resolved::Redirect(r.to_string());
        assert_eq!(resolve(root, "/"), file("index.html"));
        assert_eq!(resolve(root, "/index.html"), redirect("/"));
        assert_eq!(resolve(root, "/about/"), file("about/index.html"));
        assert_eq!(resolve(root, "/about"), redirect("/about/"));
        assert_eq!(resolve(root, "/about/index.html"), redirect("/about/"));
        assert_eq!(resolve(root, "/plain"), file("plain.html"));
        assert_eq!(resolve(root, "/plain.html"), redirect("/plain"));
        assert_eq!(resolve(root, "/plain/"), redirect("/plain"));
        assert_eq!(
            resolve(root, "/assets/site.0123.css"),
            file("assets/site.0123.css")
        );
        assert_eq!(resolve(root, "/my%20page/"), file("my page/index.html"));
        assert_eq!(resolve(root, "/missing/"), Resolved::NotFound);
        assert_eq!(resolve(root, "/404.html"), file("404.html"));
    }

    #[test]
    fn paths_never_leave_the_bundle() {
        let dir = bundle();
        let root = dir.path().join("about");
        for path in [
            "/../index.html",
            "/%2e%2e/index.html",
            "/..%2findex.html",
            "/a/../../index.html",
            "//etc/passwd",
            "/%00",
            "/a%5c..%5cindex.html",
            "/%zz",
            "/%e2%80",
            "relative",
        ] {
            assert_eq!(resolve(&root, path), Resolved::NotFound, "{path}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn links_are_never_served() {
        let dir = bundle();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "x").unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.txt"),
            dir.path().join("link.txt"),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("linked")).unwrap();
        assert_eq!(resolve(dir.path(), "/link.txt"), Resolved::NotFound);
        assert_eq!(open_inside(dir.path(), "linked/secret.txt"), None);
        assert!(open_inside(dir.path(), "about/index.html").is_some());
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        proptest! {
            #[test]
            fn decoded_paths_have_no_parent_or_control_segment(path in "/[a-z%./\\\\0-9A-F]{0,24}") {
                if let Some(decoded) = decode_path(&path) {
                    prop_assert!(decoded.starts_with('/'));
                    for segment in decoded.split('/').skip(1) {
                        prop_assert!(segment != ".." && segment != ".");
                        prop_assert!(!segment.contains('\\'));
                        prop_assert!(!segment.chars().any(char::is_control));
                    }
                }
            }
        }
    }
}
