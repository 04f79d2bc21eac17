//! The bundle on disk: every entry under the root, listed without
//! following a symbolic link, read under a size cap, and classified by what
//! the rules do with it.
//!
//! Nothing here decides that a file is fine to leave unread: a listing
//! keeps every entry it cannot treat as a regular file (links, pipes,
//! sockets, devices, folders it cannot open), and a read returns why it
//! failed, so that the caller reports each as an error.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// The default of the `max_file_bytes` setting: files larger than this
/// are not read, and an error says so.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;

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
    /// Another file whose name says it is text (`.txt`, `.json`, `.xml`,
    /// `.env`, …): a NUL byte in it is an error.
    Text,
    /// A file whose name says nothing: read as text unless its bytes hold
    /// a NUL, which marks binary data.
    Unknown,
    /// A format that is never text, whatever its bytes look like.
    Binary,
}

impl FileKind {
    /// How the file may declare its own character encoding.
    pub fn syntax(self, path: &str) -> crate::decode::Syntax {
        use crate::decode::Syntax;
        match self {
            // Pages served as XHTML are parsed by the XML parser, which
            // reads the XML declaration, never `<meta>`.
            FileKind::Html if is_xml_html(path) => Syntax::Xml,
            FileKind::Html => Syntax::Html,
            FileKind::Svg | FileKind::Sitemap => Syntax::Xml,
            FileKind::Text if extension(path) == "xml" => Syntax::Xml,
            FileKind::Stylesheet => Syntax::Css,
            _ => Syntax::Plain,
        }
    }
}

/// Extensions that are never text, whatever their bytes look like: images,
/// fonts, media, archives and other binary formats.
const BINARY_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "jfif", "pjpeg", "pjp", "gif", "webp", "avif", "apng", "ico", "cur",
    "bmp", "tif", "tiff", "heic", "heif", "jxl", "psd", "woff", "woff2", "ttf", "otf", "eot",
    "ttc", "pdf", "zip", "tar", "tgz", "7z", "rar", "xz", "bz2", "lz", "lzma", "lz4", "mp4", "m4v",
    "m4a", "mov", "webm", "mkv", "avi", "mp3", "ogg", "oga", "ogv", "opus", "flac", "wav", "aac",
    "wasm", "glb", "ktx2", "pbf", "mvt", "bin", "dat", "data", "pack", "idx", "db", "sqlite",
    "dmg", "iso", "exe", "dll", "so", "dylib", "class", "jar", "apk", "ipa", "deb", "rpm", "msi",
    "docx", "xlsx", "pptx", "odt", "ods", "odp", "epub", "mo", "pyc", "p12", "pfx", "jks",
    "keystore", "der", "ds_store", "swp", "swo",
];

/// Extensions whose files are text, so that a NUL byte in them is an error
/// rather than a sign of binary data. Pages, scripts, stylesheets, SVG and
/// source maps are text too (see [`classify`]).
const TEXT_EXTENSIONS: &[&str] = &[
    "txt",
    "text",
    "md",
    "markdown",
    "json",
    "jsonld",
    "webmanifest",
    "xml",
    "rss",
    "atom",
    "xsl",
    "xslt",
    "csv",
    "tsv",
    "yaml",
    "yml",
    "toml",
    "ini",
    "cfg",
    "conf",
    "env",
    "ts",
    "tsx",
    "jsx",
    "mts",
    "cts",
    "vue",
    "svelte",
    "scss",
    "sass",
    "less",
    "graphql",
    "gql",
    "sql",
    "log",
    "vtt",
    "srt",
    "ics",
    "vcf",
    "appcache",
    "manifest",
    "htc",
    "php",
    "py",
    "rb",
    "pl",
    "sh",
    "bash",
    "bat",
    "ps1",
    "pem",
    "key",
    "crt",
    "cer",
    "csr",
    "pub",
    "asc",
    "htpasswd",
    "htaccess",
    "npmrc",
    "gitignore",
    "gitattributes",
    "lock",
];

/// What keeps an entry of the bundle from being read as a regular file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryProblem {
    /// A symbolic link. Links are not followed, so that nothing outside
    /// the bundle is ever read; a deploy tool that follows them would ship
    /// content no rule has seen.
    Symlink,
    /// A named pipe. Opening one for reading would wait for a writer.
    Fifo,
    Socket,
    BlockDevice,
    CharDevice,
    /// Not a file, folder or link the platform can name.
    OtherType,
    /// A folder whose entries could not all be listed.
    UnreadableFolder(String),
    /// An entry whose type could not be read.
    UnreadableEntry(String),
    /// A file or folder name that is not valid UTF-8. The entry is still
    /// read (through its real name) but a URL can name it ambiguously.
    NonUtf8Name,
}

/// One entry the listing could not treat as a plain, well-named file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlisted {
    /// Path relative to the root, with `/` separators; bytes that are not
    /// UTF-8 are shown as `\xNN`.
    pub path: String,
    pub problem: EntryProblem,
}

/// What a walk of the bundle finds.
#[derive(Debug, Default)]
pub struct Listing {
    /// Every regular file, by path relative to the root, sorted.
    pub files: Vec<String>,
    /// The real relative path of each file whose path is not valid UTF-8,
    /// by its shown path in [`Listing::files`].
    pub raw_paths: HashMap<String, PathBuf>,
    /// Every entry that is not a regular file or a folder, every folder
    /// that could not be listed and every name that is not UTF-8, sorted.
    pub unlisted: Vec<Unlisted>,
}

/// A folder still to list: its real path relative to the root, its shown
/// path, and whether any part of it is not UTF-8.
struct Folder {
    real: PathBuf,
    shown: String,
    raw: bool,
}

/// Lists every entry under `root`, one level of folders at a time, each
/// level in parallel: on a bundle of thousands of page folders the walk is
/// otherwise a serial prologue to the parallel scan, and a loop rather than
/// recursion keeps any depth of nesting off the stack. Only the root itself
/// failing to list is an error; a folder below it that cannot be listed is
/// an [`Unlisted`] entry.
pub fn list(root: &Path) -> std::io::Result<Listing> {
    // The root must be listable, or there is no bundle to speak of.
    std::fs::read_dir(root)?;
    let mut listing = Listing::default();
    let mut level = vec![Folder {
        real: PathBuf::new(),
        shown: String::new(),
        raw: false,
    }];
    while !level.is_empty() {
        let found: Vec<(Listing, Vec<Folder>)> = level
            .par_iter()
            .map(|folder| list_folder(root, folder))
            .collect();
        level = Vec::new();
        for (inner, folders) in found {
            listing.files.extend(inner.files);
            listing.raw_paths.extend(inner.raw_paths);
            listing.unlisted.extend(inner.unlisted);
            level.extend(folders);
        }
    }
    listing.files.par_sort_unstable();
    listing
        .unlisted
        .sort_unstable_by(|a, b| a.path.cmp(&b.path));
    Ok(listing)
}

fn list_folder(root: &Path, folder: &Folder) -> (Listing, Vec<Folder>) {
    let mut listing = Listing::default();
    let mut folders = Vec::new();
    let unreadable = |listing: &mut Listing, error: std::io::Error| {
        listing.unlisted.push(Unlisted {
            path: folder.shown.clone(),
            problem: EntryProblem::UnreadableFolder(error.to_string()),
        });
    };
    let entries = match std::fs::read_dir(root.join(&folder.real)) {
        Ok(entries) => entries,
        Err(error) => {
            unreadable(&mut listing, error);
            return (listing, folders);
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                unreadable(&mut listing, error);
                break;
            }
        };
        let file_name = entry.file_name();
        let (name, valid) = shown_name(&file_name);
        let shown = if folder.shown.is_empty() {
            name
        } else {
            format!("{}/{name}", folder.shown)
        };
        let real = folder.real.join(&file_name);
        let raw = folder.raw || !valid;
        if !valid {
            listing.unlisted.push(Unlisted {
                path: shown.clone(),
                problem: EntryProblem::NonUtf8Name,
            });
        }
        let file_type = match entry.file_type() {
            Ok(file_type) => file_type,
            Err(error) => {
                listing.unlisted.push(Unlisted {
                    path: shown,
                    problem: EntryProblem::UnreadableEntry(error.to_string()),
                });
                continue;
            }
        };
        if file_type.is_dir() {
            folders.push(Folder { real, shown, raw });
        } else if file_type.is_file() {
            if raw {
                listing.raw_paths.insert(shown.clone(), real);
            }
            listing.files.push(shown);
        } else {
            listing.unlisted.push(Unlisted {
                path: shown,
                problem: special_kind(&file_type),
            });
        }
    }
    (listing, folders)
}

/// What an entry that is neither a file nor a folder is.
fn special_kind(file_type: &std::fs::FileType) -> EntryProblem {
    if file_type.is_symlink() {
        return EntryProblem::Symlink;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            return EntryProblem::Fifo;
        }
        if file_type.is_socket() {
            return EntryProblem::Socket;
        }
        if file_type.is_block_device() {
            return EntryProblem::BlockDevice;
        }
        if file_type.is_char_device() {
            return EntryProblem::CharDevice;
        }
    }
    EntryProblem::OtherType
}

/// A file name as text, and whether it was valid UTF-8. Bytes that are not
/// are shown as `\xNN`, so that two different names never look alike.
fn shown_name(name: &OsStr) -> (String, bool) {
    if let Some(text) = name.to_str() {
        return (text.to_string(), true);
    }
    #[cfg(unix)]
    {
        use std::fmt::Write as _;
        use std::os::unix::ffi::OsStrExt as _;
        let mut shown = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            shown.push_str(chunk.valid());
            for byte in chunk.invalid() {
                let _ = write!(shown, "\\x{byte:02X}");
            }
        }
        (shown, false)
    }
    #[cfg(not(unix))]
    {
        (name.to_string_lossy().into_owned(), false)
    }
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("it is {size} bytes, over the limit of {cap} bytes (`max_file_bytes`)")]
    TooLarge { size: u64, cap: u64 },
    #[error("it is not a regular file")]
    NotRegular,
    #[error("it cannot be read: {0}")]
    Io(#[from] std::io::Error),
}

/// Reads a whole file, refusing anything over `cap` bytes and anything
/// that is not a regular file. At most `cap + 1` bytes are ever read, even
/// from a file that grows while it is read.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    read_limited(path, cap, false)
}

/// [`read_capped`] for files the operator names (a config file, the
/// evidence register), which may be symbolic links.
pub fn read_capped_following_links(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    read_limited(path, cap, true)
}

fn read_limited(path: &Path, cap: u64, follow_links: bool) -> Result<Vec<u8>, ReadError> {
    let mut file = open_regular(path, follow_links)?;
    // The size from the open handle: a separate metadata call would walk
    // the path a second time for every file of the bundle.
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular);
    }
    let size = metadata.len();
    if size > cap {
        return Err(ReadError::TooLarge { size, cap });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).saturating_add(1));
    (&mut file)
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)?;
    let read = bytes.len() as u64;
    if read > cap {
        return Err(ReadError::TooLarge { size: read, cap });
    }
    Ok(bytes)
}

/// Opens `path` for reading without following a symbolic link and without
/// waiting: the listing only hands over regular files, but an entry can be
/// swapped for a link or a named pipe after it was listed, and opening a
/// pipe normally blocks until a writer comes.
fn open_regular(path: &Path, follow_links: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        let no_follow = if follow_links { 0 } else { libc::O_NOFOLLOW };
        options.custom_flags(libc::O_NONBLOCK | no_follow);
    }
    #[cfg(not(unix))]
    let _ = follow_links;
    options.open(path)
}

/// A compression format of a file beside the one it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Brotli,
    Zstd,
}

/// Whether `path` is a compressed copy (`app.js.br`, `index.html.gz`,
/// `icon.svgz`), and the path of the file it stands for.
pub fn compressed(path: &str) -> Option<(Compression, String)> {
    let (stem, extension) = path.rsplit_once('.')?;
    if stem.is_empty() || stem.ends_with('/') {
        return None;
    }
    match extension.to_ascii_lowercase().as_str() {
        "gz" | "gzip" => Some((Compression::Gzip, stem.to_string())),
        "br" => Some((Compression::Brotli, stem.to_string())),
        "zst" | "zstd" => Some((Compression::Zstd, stem.to_string())),
        "svgz" => Some((Compression::Gzip, format!("{stem}.svg"))),
        _ => None,
    }
}

/// The lowercase extension of the last path segment, or `""`.
fn extension(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
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

/// Whether an HTML page is served as XHTML, which browsers parse as XML.
fn is_xml_html(path: &str) -> bool {
    matches!(extension(path).as_str(), "xhtml" | "xht")
}

/// Classifies a file by its path. Names alone decide, so that a file
/// cannot escape the rules for its kind by what its bytes look like.
pub fn classify(path: &str) -> FileKind {
    let extension = extension(path);
    if path == "_headers" {
        return FileKind::Headers;
    }
    if path == "sitemap.xml" {
        return FileKind::Sitemap;
    }
    if path == "_redirects" {
        return FileKind::Redirects;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    match extension.as_str() {
        _ if is_html_extension(&extension) => FileKind::Html,
        "svg" => FileKind::Svg,
        "js" | "mjs" | "cjs" => FileKind::Script,
        "css" => FileKind::Stylesheet,
        "map" => FileKind::SourceMap,
        _ if BINARY_EXTENSIONS.contains(&extension.as_str()) => FileKind::Binary,
        _ if TEXT_EXTENSIONS.contains(&extension.as_str())
            || name.starts_with(".env")
            || name.starts_with('_')
            || name.ends_with('~') =>
        {
            FileKind::Text
        }
        _ => FileKind::Unknown,
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
    fn reads_are_capped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.txt");
        std::fs::write(&path, vec![b'a'; 100]).unwrap();
        assert_eq!(read_capped(&path, 100).unwrap().len(), 100);
        assert!(matches!(
            read_capped(&path, 99),
            Err(ReadError::TooLarge { size: 100, cap: 99 })
        ));
        assert!(matches!(
            read_capped(&dir.path().join("missing"), 10),
            Err(ReadError::Io(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_is_never_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = dir.path().join("pipe.html");
        let status = std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .expect("mkfifo runs");
        assert!(status.success());
        // Opening a pipe without O_NONBLOCK would wait here for a writer.
        assert!(matches!(read_capped(&pipe, 10), Err(ReadError::NotRegular)));
        let listing = list(dir.path()).unwrap();
        assert!(listing.files.is_empty());
        assert_eq!(
            listing.unlisted,
            [Unlisted {
                path: "pipe.html".into(),
                problem: EntryProblem::Fifo
            }]
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_are_not_followed_when_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("real.txt"), "x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("real.txt"), dir.path().join("link.txt"))
            .unwrap();
        assert!(read_capped(&dir.path().join("link.txt"), 10).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_are_listed_and_flagged() {
        use std::os::unix::ffi::OsStrExt as _;
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join(OsStr::from_bytes(b"f\xff"));
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("a.txt"), "a").unwrap();
        std::fs::write(dir.path().join(OsStr::from_bytes(b"b\xfe.js")), "b").unwrap();
        let listing = list(dir.path()).unwrap();
        assert_eq!(listing.files, ["b\\xFE.js", "f\\xFF/a.txt"]);
        let flagged: Vec<&str> = listing.unlisted.iter().map(|u| u.path.as_str()).collect();
        assert_eq!(flagged, ["b\\xFE.js", "f\\xFF"]);
        let real = &listing.raw_paths["f\\xFF/a.txt"];
        assert_eq!(
            read_capped(&dir.path().join(real), 10).unwrap(),
            b"a".to_vec()
        );
    }

    #[test]
    fn deep_nesting_is_listed_without_recursion() {
        let dir = tempfile::tempdir().unwrap();
        let mut path = dir.path().to_path_buf();
        for _ in 0..200 {
            path.push("d");
        }
        std::fs::create_dir_all(&path).unwrap();
        std::fs::write(path.join("x.txt"), "x").unwrap();
        let listing = list(dir.path()).unwrap();
        assert_eq!(listing.files.len(), 1);
        assert!(listing.files[0].ends_with("/d/x.txt"));
    }

    #[test]
    fn compressed_copies_name_what_they_stand_for() {
        assert_eq!(
            compressed("assets/app.js.br"),
            Some((Compression::Brotli, "assets/app.js".into()))
        );
        assert_eq!(
            compressed("index.HTML.GZ"),
            Some((Compression::Gzip, "index.HTML".into()))
        );
        assert_eq!(
            compressed("icon.svgz"),
            Some((Compression::Gzip, "icon.svg".into()))
        );
        assert_eq!(
            compressed("data.json.zst"),
            Some((Compression::Zstd, "data.json".into()))
        );
        assert_eq!(compressed("a/.gz"), None);
        assert_eq!(compressed("app.js"), None);
    }

    #[cfg(unix)]
    #[test]
    fn listing_is_sorted_relative_and_keeps_symlinks_apart() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b/c")).unwrap();
        std::fs::write(dir.path().join("b/c/x.html"), "x").unwrap();
        std::fs::write(dir.path().join("a.txt"), "a").unwrap();
        std::fs::write(dir.path().join("b/y.css"), "y").unwrap();
        std::os::unix::fs::symlink("/", dir.path().join("outside")).unwrap();
        let listing = list(dir.path()).unwrap();
        assert_eq!(listing.files, ["a.txt", "b/c/x.html", "b/y.css"]);
        assert_eq!(
            listing.unlisted,
            [Unlisted {
                path: "outside".into(),
                problem: EntryProblem::Symlink
            }]
        );
    }

    #[test]
    fn files_are_classified() {
        assert_eq!(classify("_headers"), FileKind::Headers);
        assert_eq!(classify("a/_headers"), FileKind::Text);
        assert_eq!(classify("sitemap.xml"), FileKind::Sitemap);
        assert_eq!(classify("a/b.HTML"), FileKind::Html);
        assert_eq!(classify("a/b.xhtml"), FileKind::Html);
        assert_eq!(classify("icons/x.SVG"), FileKind::Svg);
        assert!(is_html_path("a/b.Xhtml") && !is_html_path("a/b.svg"));
        assert_eq!(classify("a.mjs"), FileKind::Script);
        assert_eq!(classify("a.js.map"), FileKind::SourceMap);
        assert_eq!(classify("a.png"), FileKind::Binary);
        assert_eq!(classify("a/.DS_Store"), FileKind::Binary);
        assert_eq!(classify("a.txt"), FileKind::Text);
        assert_eq!(classify(".env.local"), FileKind::Text);
        assert_eq!(classify("LICENSE"), FileKind::Unknown);
        assert_eq!(classify("a.glb2"), FileKind::Unknown);
    }
}
