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
    let (mut file, size) = open_regular_file(path, follow_links)?;
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

/// The SHA-256 and size of the regular file at `path`, opened as every
/// file of the bundle is (see [`open_regular`]) and read whole in pieces,
/// whatever its size: for files the rules leave unread or refuse.
pub(crate) fn sha256_regular(path: &Path) -> Result<(String, u64), ReadError> {
    let (file, _) = open_regular_file(path, false)?;
    Ok(crate::evidence::sha256_read(file)?)
}

/// The regular file at `path`, opened with [`open_regular`], and its size;
/// anything else that stands there is refused.
fn open_regular_file(path: &Path, follow_links: bool) -> Result<(std::fs::File, u64), ReadError> {
    let file = open_regular(path, follow_links)?;
    // The size from the open handle: a separate metadata call would walk
    // the path a second time for every file of the bundle.
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular);
    }
    Ok((file, metadata.len()))
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

/// Whether a file name carries a content hash where a bundler writes one.
///
/// The name without its extension is split at `.` into segments, and each
/// segment offers candidates: the segment itself (webpack `HASH.js`,
/// `name.HASH.js`, Parcel `name.HASH.js`, Hugo `name.min.HASH.css`), the
/// part after any `-` (Vite and Rollup `About-C_3VMKhh.js`, whose base64url
/// hash may itself hold `-` and `_`; esbuild `chunk-ABCD2345.js`; mdBook
/// `chrome-HASH.css`), and the part before a final `-<digits>` (Eleventy
/// Image `KkPMmHd3hP-1280.jpeg`). A candidate is a hash when
/// [`looks_like_hash`] says so.
pub fn is_fingerprinted(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((stem, _extension)) = name.rsplit_once('.') else {
        return false;
    };
    stem.split('.').any(|segment| {
        let after_dash = segment.match_indices('-').map(|(at, _)| &segment[at + 1..]);
        let before_width = segment
            .rsplit_once('-')
            .filter(|(_, width)| !width.is_empty() && width.bytes().all(|b| b.is_ascii_digit()))
            .map(|(head, _)| head);
        std::iter::once(segment)
            .chain(after_dash)
            .chain(before_width)
            .any(looks_like_hash)
    })
}

/// Whether a candidate segment is a content hash in one of the alphabets
/// bundlers write:
///
/// - hex (webpack, Parcel, Hugo, mdBook, this site's generator): at least 8
///   hex digits with a digit and a letter, or 16 and more in any mix;
/// - base32 (esbuild): 8 to 16 of `A`–`Z` and `2`–`7` with a digit and a
///   letter;
/// - base64url (Rollup, Vite, Eleventy): 8 to 22 of `A`–`Z`, `a`–`z`,
///   `0`–`9`, `-`, `_` with both cases, that do not read as words
///   ([`reads_as_words`]), so `KaTeX_Main`, `SemiBold` and
///   `KaTeX_Size1` are names, not hashes.
fn looks_like_hash(candidate: &str) -> bool {
    let bytes = candidate.as_bytes();
    let len = bytes.len();
    if len < 8 {
        return false;
    }
    let has_digit = bytes.iter().any(u8::is_ascii_digit);
    let has_letter = bytes.iter().any(u8::is_ascii_alphabetic);
    let has_upper = bytes.iter().any(u8::is_ascii_uppercase);
    let has_lower = bytes.iter().any(u8::is_ascii_lowercase);
    let hex = bytes.iter().all(u8::is_ascii_hexdigit) && !(has_upper && has_lower);
    if hex && ((has_digit && has_letter) || len >= 16) {
        return true;
    }
    let base32 = bytes
        .iter()
        .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(b));
    if base32 && len <= 16 && has_digit && has_letter {
        return true;
    }
    let base64url = bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
    base64url && len <= 22 && has_upper && has_lower && !reads_as_words(candidate)
}

/// Whether a mixed-case name is made of words: split at `-`, `_`, digits
/// and where an uppercase letter starts a new word (`KaTeX_Main` is `Ka`,
/// `Te`, `X`, `Main`), every piece of two or more letters has a vowel and
/// every single letter is a capital (an initial or part of an acronym).
/// Random base64 nearly always has a piece such as `Bw` or `dmQ` with no
/// vowel, or a lone lowercase letter.
fn reads_as_words(candidate: &str) -> bool {
    let mut pieces: Vec<&str> = Vec::new();
    let bytes = candidate.as_bytes();
    let mut start = None;
    for (at, byte) in bytes.iter().enumerate() {
        let letter = byte.is_ascii_alphabetic();
        let starts_word = byte.is_ascii_uppercase()
            && at > 0
            && (bytes[at - 1].is_ascii_lowercase()
                || (bytes[at - 1].is_ascii_uppercase()
                    && bytes.get(at + 1).is_some_and(u8::is_ascii_lowercase)));
        match (start, letter) {
            (Some(from), true) if starts_word => {
                pieces.push(&candidate[from..at]);
                start = Some(at);
            }
            (Some(from), false) => {
                pieces.push(&candidate[from..at]);
                start = None;
            }
            (None, true) => start = Some(at),
            _ => {}
        }
    }
    if let Some(from) = start {
        pieces.push(&candidate[from..]);
    }
    let vowel = |b: &u8| {
        matches!(
            b.to_ascii_lowercase(),
            b'a' | b'e' | b'i' | b'o' | b'u' | b'y'
        )
    };
    pieces.iter().all(|piece| {
        let piece = piece.as_bytes();
        if piece.iter().all(u8::is_ascii_uppercase) {
            // An acronym (`TeX`'s `X`, `HTML`) reads as letters.
            return piece.len() <= 4;
        }
        piece.len() >= 2 && piece.iter().any(vowel)
    })
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
    fn fingerprints_as_bundlers_write_them() {
        for hashed in [
            // Vite and Rollup: base64url with `-` and `_` in the hash.
            "assets/About-C_3VMKhh.js",
            "assets/index-D-x4qLmA.css",
            "assets/vendor-BwKxQLdm.js",
            "assets/index-BwK9x2Ld.js.map",
            // webpack: `name.HASH.js`, `HASH.js`, chunks.
            "static/js/main.8f3a1b2c.chunk.js",
            "0a1b2c3d4e5f6a7b8c9d.js",
            "runtime~main.3e4f5a6b.js",
            "123.abcdef12.js",
            // Hugo: `.min.<64 hex>.css`.
            "css/main.min.6f3a9e1b2c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f.css",
            // Eleventy Image: `<hash>-<width>.<format>`.
            "img/KkPMmHd3hP-1280.jpeg",
            "img/Cx9ZLk3W-_-600.webp",
            // mdBook: `name-<hex>.css`.
            "css/chrome-ae938929.css",
            "searchindex-1e3a4b2c.js",
            // Parcel: `name.<8 hex>.js`.
            "index.975ef6c8.js",
            // esbuild: base32.
            "chunk-ABCD2345.js",
        ] {
            assert!(is_fingerprinted(hashed), "{hashed}");
        }
        for plain in [
            "fonts/KaTeX_Main-Regular.woff2",
            "fonts/KaTeX_Size1-Regular.woff2",
            "fonts/KaTeX_SansSerif-Italic.woff2",
            "fonts/Poppins-SemiBold.woff2",
            "fonts/OpenSans-ExtraBold.woff2",
            "fonts/inter-v12-latin-regular.woff2",
            "fonts/fa-solid-900.woff2",
            "fonts/MaterialIcons-Regular.ttf",
            "fonts/JetBrainsMono-Regular.woff2",
            "js/html5shiv.min.js",
            "js/jquery-3.7.1.min.js",
            "img/apple-touch-icon-180x180.png",
            "img/DSC01234.jpg",
            "img/IMG_4567.jpg",
            "report-20240115.pdf",
            "LICENSE",
            "MathJax_Main-Bold.woff",
        ] {
            assert!(!is_fingerprinted(plain), "{plain}");
        }
    }

    proptest::proptest! {
        #![proptest_config(crate::fuzz::config())]

        /// Any 8-character hash a Rollup-style bundler writes after a
        /// name is recognised unless it happens to read as words, and the
        /// judgement never panics on any name.
        #[test]
        fn fuzz_base64url_hashes_are_recognised(
            name in "[a-zA-Z]{1,12}",
            hash in "[A-Za-z0-9_-]{8}",
            noise in crate::fuzz::noise(),
        ) {
            let _ = is_fingerprinted(&noise);
            let has_both_cases = hash.bytes().any(|b| b.is_ascii_uppercase())
                && hash.bytes().any(|b| b.is_ascii_lowercase());
            if has_both_cases && !reads_as_words(&hash) {
                let path = format!("assets/{name}-{hash}.js");
                proptest::prop_assert!(is_fingerprinted(&path), "{}", path);
            }
            let hex: String = hash.bytes().map(|b| format!("{:x}", b % 16)).collect();
            if hex.bytes().any(|b| b.is_ascii_digit()) && hex.bytes().any(|b| b.is_ascii_alphabetic()) {
                let path = format!("{name}.{hex}.js");
                proptest::prop_assert!(is_fingerprinted(&path), "{}", path);
            }
        }
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
