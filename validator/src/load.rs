//! What the rules judge of one file: its bytes, read under the size cap,
//! unpacked when it is a compressed copy or a Git object, and decoded as a
//! browser decodes them.
//!
//! Every way this can fall short is a finding, never a silent skip: a file
//! that could not be read, unpacked or decoded as one certain text is an
//! error that names the file and the reason. Only formats that are binary
//! by name (images, fonts, media), and binary data in files whose name says
//! nothing, are left unread, as there is nothing in them that runs.

use crate::bundle::{self, Compression, FileKind, ReadError};
use crate::decode::{self, Basis, ProblemKind};
use crate::decompress::{self, Format};
use crate::emit::Message;
use crate::rules::encoding;
use crate::rules::secret::debris::{self, GitFile};
use crate::site::Site;

const READ_HELP: &str =
    "Make the file a readable regular file within `max_file_bytes`, or remove it from the bundle.";
const UNPACK_HELP: &str = "Ship compressed copies only of files the validator can check: valid \
    gzip, Brotli or Zstandard that unpacks within `max_file_bytes`, or remove the copy.";
const PACK_HELP: &str = "Remove the repository from the bundle. Its packed history was not \
    checked for secrets, so rotate any credential it may ever have held.";
const OBJECT_HELP: &str = "Remove the repository from the bundle.";

/// One file as the rules see it.
pub struct Loaded {
    /// The kind of what is judged: for a compressed copy, the kind of the
    /// file it stands for.
    pub kind: FileKind,
    /// The bundle path the content is served as: `app.js` for `app.js.br`.
    pub served_as: String,
    /// The decoded text, or `None` when there is nothing to judge.
    pub text: Option<String>,
    /// The encoding the text was decoded with, and where it came from.
    pub decoding: Option<(&'static encoding_rs::Encoding, Basis)>,
    /// Findings about the file itself, each at an offset of the text or
    /// about the whole file.
    pub problems: Vec<(Option<usize>, Message)>,
}

impl Loaded {
    fn nothing(kind: FileKind, served_as: String) -> Self {
        Loaded {
            kind,
            served_as,
            text: None,
            decoding: None,
            problems: Vec::new(),
        }
    }

    fn refused(kind: FileKind, served_as: String, message: Message) -> Self {
        let mut loaded = Self::nothing(kind, served_as);
        loaded.problems.push((None, message));
        loaded
    }
}

/// The finding for a file the validator could not check at all.
pub fn unscanned(reason: impl std::fmt::Display, help: &'static str) -> Message {
    Message::error(
        "secret/unscanned-file",
        format!("file was not checked: {reason}"),
        help,
    )
}

/// Loads file number `index` of the bundle.
pub fn load(site: &Site, index: usize) -> Loaded {
    let path = site.paths[index].as_str();
    let cap = site.max_file_bytes;
    let git = debris::git_file(path);
    let compression = bundle::compressed(path);
    let served_as = match &compression {
        Some((_, inner)) => inner.clone(),
        None => path.to_string(),
    };
    let kind = if git.is_some() {
        FileKind::Unknown
    } else {
        served_kind(site, &served_as)
    };
    if git == Some(GitFile::Pack) {
        return Loaded::refused(
            FileKind::Binary,
            served_as,
            unscanned(
                "a Git pack file, whose objects (the repository's history) are stored as \
                 deltas the validator does not resolve",
                PACK_HELP,
            ),
        );
    }
    if kind == FileKind::Binary {
        return Loaded::nothing(kind, served_as);
    }
    let bytes = match bundle::read_capped(&site.disk_path(index), cap) {
        Ok(bytes) => {
            site.read(index, &bytes);
            bytes
        }
        Err(error) => {
            let help = match error {
                ReadError::TooLarge { .. } => {
                    "Keep bundle files within `max_file_bytes` (raise it in the validator \
                     config if this file must ship), or remove the file."
                }
                _ => READ_HELP,
            };
            return Loaded::refused(kind, served_as, unscanned(error, help));
        }
    };
    // The compressed bytes are dropped as soon as they are unpacked: a
    // file is held once raw or unpacked, then once decoded, never all at
    // once.
    let bytes = if git == Some(GitFile::LooseObject) {
        let inflated = decompress::decompress(&bytes, Format::Zlib, cap);
        drop(bytes);
        match inflated
            .map_err(|e| e.to_string())
            .and_then(|inflated| debris::object_content(inflated).map_err(str::to_string))
        {
            Ok(Some(content)) => content,
            Ok(None) => return Loaded::nothing(kind, served_as),
            Err(reason) => {
                return Loaded::refused(
                    kind,
                    served_as,
                    unscanned(
                        format!("a Git object that cannot be read: {reason}"),
                        OBJECT_HELP,
                    ),
                );
            }
        }
    } else if let Some((compression, _)) = compression {
        let format = match compression {
            Compression::Gzip => Format::Gzip,
            Compression::Brotli => Format::Brotli,
            Compression::Zstd => Format::Zstd,
        };
        let unpacked = decompress::decompress(&bytes, format, cap);
        drop(bytes);
        match unpacked {
            Ok(unpacked) => unpacked,
            Err(error) => {
                let reason = format!(
                    "a {} copy of {}: {error}",
                    format.name(),
                    last_segment(&served_as)
                );
                return Loaded::refused(kind, served_as, unscanned(reason, UNPACK_HELP));
            }
        }
    } else {
        bytes
    };
    if kind == FileKind::Unknown && decode::looks_binary(&bytes) {
        return Loaded::nothing(kind, served_as);
    }
    let decoded = decode::decode(bytes, kind.syntax(&served_as));
    let mut loaded = Loaded::nothing(kind, served_as);
    for problem in &decoded.problems {
        let counts = match &problem.kind {
            // Binary data in a file whose name says nothing is not text.
            ProblemKind::Nul { .. } if kind == FileKind::Unknown => {
                return Loaded::nothing(kind, loaded.served_as);
            }
            ProblemKind::Invalid { .. } => encoding::invalid_bytes_matter(kind),
            _ => true,
        };
        if counts {
            loaded
                .problems
                .push((problem.offset, encoding::message(&problem.kind)));
        }
    }
    loaded.decoding = Some((decoded.encoding, decoded.basis));
    loaded.text = Some(decoded.text);
    loaded
}

/// The kind of the file as a browser receives it: its name decides, unless
/// `_headers` sends it as a document (`Content-Type: text/html` on
/// `notes.txt`), in which case it is judged as that document. A file
/// whose bytes are not one (an image sent as `text/html`) then fails to
/// decode, which is an error, rather than being skipped as an image.
pub(crate) fn served_kind(site: &Site, served_as: &str) -> FileKind {
    let named = bundle::classify(served_as);
    match named {
        // Pages and SVG files are judged as documents already, and the
        // host never serves its own configuration files.
        FileKind::Html | FileKind::Svg | FileKind::Headers | FileKind::Redirects => named,
        _ => site.served_document(served_as).unwrap_or(named),
    }
}

fn last_segment(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
