//! Bytes to text, the way a browser turns a file into characters.
//!
//! A rule can only judge the characters a browser sees, so every text file
//! is decoded as browsers decode it, with the Encoding Standard's labels
//! and decoders (`encoding_rs`, the implementation Firefox uses): a byte
//! order mark first (UTF-8, UTF-16LE, UTF-16BE), then the encoding the file
//! declares in its own syntax, then UTF-8.
//!
//! - HTML pages declare it in `<meta charset>` or `<meta http-equiv=
//!   "content-type" content="…; charset=…">`, found by the HTML standard's
//!   prescan of the first 1024 bytes; failing that, browsers of the Blink
//!   and WebKit lineage honour the `encoding` of a leading XML declaration.
//! - XML documents (SVG, XHTML, sitemaps) declare it in the XML declaration.
//! - Stylesheets declare it with `@charset "…";` at their very start.
//! - Scripts, JSON, source maps and other text have only a BOM; module
//!   scripts are always UTF-8, and so is everything a host serves here
//!   without a declaration.
//!
//! What a UTF-8 reading and the browser's reading could disagree on is
//! reported as a [`Problem`]: NUL characters, labels browsers do not know,
//! encodings in which ASCII bytes stop meaning ASCII characters (so that
//! markup can hide from a reader that assumes otherwise), and byte
//! sequences that are invalid in the encoding used. The text is still
//! returned, decoded as well as it can be, so that every rule runs on it.
//!
//! Decoding valid UTF-8, the common case, copies nothing: the bytes become
//! the `String`.

use encoding_rs::{
    DecoderResult, Encoding, ISO_2022_JP, REPLACEMENT, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252,
    X_USER_DEFINED,
};

/// How far into an HTML page the prescan looks for a declaration, as the
/// HTML standard says.
pub const PRESCAN_BYTES: usize = 1024;

/// How much of a legacy-encoded file is decoded at a time.
const DECODE_CHUNK: usize = 64 * 1024;

/// How a file may declare its own encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// An HTML page: `<meta>` in the first 1024 bytes, else an XML
    /// declaration.
    Html,
    /// An XML document: the XML declaration.
    Xml,
    /// A stylesheet: a leading `@charset "…";`.
    Css,
    /// Anything else: only a byte order mark.
    Plain,
}

/// Where the encoding used came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// A byte order mark, which overrides every declaration.
    Bom,
    /// A declaration in the file, starting at this offset of the text.
    /// It may name an encoding that is reported as a problem.
    Declared { at: usize },
    /// Nothing browsers know was declared: UTF-8.
    Default,
}

/// The text of a file and how it was read.
#[derive(Debug)]
pub struct Decoded {
    /// The characters a browser sees, without the byte order mark.
    pub text: String,
    /// The encoding the text was decoded with.
    pub encoding: &'static Encoding,
    pub basis: Basis,
    /// Everything that keeps the text from being the one certain reading.
    pub problems: Vec<Problem>,
}

/// Something that keeps a file's text from being the one reading every
/// browser and host agrees on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// Where in [`Decoded::text`] it is, when it has a place.
    pub offset: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// The text holds NUL characters (`count` of them): a text file with
    /// NULs is one that tools and browsers read differently (HTML drops or
    /// replaces them, C-string tools stop at them).
    Nul { count: usize },
    /// The file declares an encoding label that browsers do not know, so
    /// they fall back to a guess that depends on the visitor's locale.
    UnknownCharset { label: String },
    /// The file is declared in an encoding in which ASCII bytes do not
    /// always mean ASCII characters (a stateful or ASCII-incompatible
    /// encoding), so markup can hide from a reader that assumes UTF-8.
    UnsafeCharset {
        label: String,
        encoding: &'static str,
        why: &'static str,
    },
    /// `count` byte sequences are invalid in the encoding used; browsers
    /// show U+FFFD for each.
    Invalid {
        encoding: &'static str,
        count: usize,
    },
}

/// Decodes `bytes`, whose encoding may be declared in `syntax`.
pub fn decode(bytes: Vec<u8>, syntax: Syntax) -> Decoded {
    if let Some((encoding, bom_length)) = Encoding::for_bom(&bytes) {
        let (text, invalid) = decode_with(encoding, bytes, bom_length);
        let mut decoded = Decoded {
            text,
            encoding,
            basis: Basis::Bom,
            problems: Vec::new(),
        };
        decoded.note_invalid(invalid);
        decoded.note_nul();
        return decoded;
    }
    let declaration = match syntax {
        Syntax::Html => html_declaration(&bytes[..bytes.len().min(PRESCAN_BYTES)]),
        Syntax::Xml => xml_declaration(&bytes[..bytes.len().min(PRESCAN_BYTES)]),
        Syntax::Css => css_declaration(&bytes[..bytes.len().min(PRESCAN_BYTES)]),
        Syntax::Plain => None,
    };
    let Some(declaration) = declaration else {
        let (text, invalid) = decode_with(UTF_8, bytes, 0);
        let mut decoded = Decoded {
            text,
            encoding: UTF_8,
            basis: Basis::Default,
            problems: Vec::new(),
        };
        decoded.note_invalid(invalid);
        decoded.note_nul();
        return decoded;
    };
    let at = declaration.at;
    let label = String::from_utf8_lossy(&declaration.label).into_owned();
    let (used, problem) = match Encoding::for_label(&declaration.label) {
        None => (UTF_8, Some(ProblemKind::UnknownCharset { label })),
        Some(encoding) if encoding == UTF_16LE || encoding == UTF_16BE => (
            // Browsers read a page that calls itself UTF-16 without a BOM
            // as UTF-8 (its declaration was found as ASCII, after all),
            // but a server or tool that believes the label reads it as
            // UTF-16.
            UTF_8,
            Some(ProblemKind::UnsafeCharset {
                label,
                encoding: encoding.name(),
                why: "declared without a byte order mark: browsers read the bytes as UTF-8, \
                      a reader that trusts the declaration as UTF-16",
            }),
        ),
        Some(encoding) if encoding == REPLACEMENT => (
            UTF_8,
            Some(ProblemKind::UnsafeCharset {
                label,
                encoding: encoding.name(),
                why: "browsers decode the whole file as one replacement character, while a \
                      reader that ignores the label sees live markup",
            }),
        ),
        Some(encoding) if encoding == ISO_2022_JP => (
            encoding,
            Some(ProblemKind::UnsafeCharset {
                label,
                encoding: encoding.name(),
                why: "a stateful encoding: escape sequences turn ASCII bytes into other \
                      characters, so markup can hide from a reader that assumes UTF-8",
            }),
        ),
        Some(encoding) if encoding == X_USER_DEFINED && syntax == Syntax::Html => {
            (WINDOWS_1252, None)
        }
        Some(encoding) => (encoding, None),
    };
    let declared_at = text_offset(used, &bytes, at);
    let (text, invalid) = decode_with(used, bytes, 0);
    let mut decoded = Decoded {
        text,
        encoding: used,
        basis: if matches!(problem, Some(ProblemKind::UnknownCharset { .. })) {
            Basis::Default
        } else {
            Basis::Declared { at: declared_at }
        },
        problems: Vec::new(),
    };
    if let Some(kind) = problem {
        decoded.problems.push(Problem {
            kind,
            offset: Some(declared_at),
        });
    }
    decoded.note_invalid(invalid);
    decoded.note_nul();
    decoded
}

impl Decoded {
    fn note_invalid(&mut self, invalid: Option<(usize, usize)>) {
        if let Some((first, count)) = invalid {
            self.problems.push(Problem {
                kind: ProblemKind::Invalid {
                    encoding: self.encoding.name(),
                    count,
                },
                offset: Some(first),
            });
        }
    }

    fn note_nul(&mut self) {
        let bytes = self.text.as_bytes();
        if let Some(first) = memchr::memchr(0, bytes) {
            let count = memchr::memchr_iter(0, &bytes[first..]).count();
            self.problems.push(Problem {
                kind: ProblemKind::Nul { count },
                offset: Some(first),
            });
        }
    }
}

/// Whether `bytes` hold a NUL byte and no byte order mark: the cheap test
/// that tells binary data from text before anything is decoded.
pub fn looks_binary(bytes: &[u8]) -> bool {
    Encoding::for_bom(bytes).is_none() && memchr::memchr(0, bytes).is_some()
}

/// Decodes `bytes[skip..]` with `encoding`, replacing invalid sequences
/// with U+FFFD. Also returns, when there were any, the text offset of the
/// first invalid sequence and how many there were.
fn decode_with(
    encoding: &'static Encoding,
    mut bytes: Vec<u8>,
    skip: usize,
) -> (String, Option<(usize, usize)>) {
    if encoding == UTF_8 {
        if skip > 0 {
            bytes.drain(..skip);
        }
        return match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(error) => {
                let bytes = error.into_bytes();
                let mut text = String::with_capacity(bytes.len() + 16);
                let mut first = None;
                let mut count = 0;
                for chunk in bytes.utf8_chunks() {
                    text.push_str(chunk.valid());
                    if !chunk.invalid().is_empty() {
                        first.get_or_insert(text.len());
                        count += 1;
                        text.push(char::REPLACEMENT_CHARACTER);
                    }
                }
                (text, first.map(|first| (first, count)))
            }
        };
    }
    let source = &bytes[skip.min(bytes.len())..];
    let mut decoder = encoding.new_decoder_without_bom_handling();
    // Legacy text is mostly ASCII, which decodes byte for byte: a quarter
    // more than the input is room for most files, and the text grows only
    // as a chunk needs, so it never holds much more than it uses.
    let mut text = String::with_capacity(source.len() + source.len() / 4 + 64);
    let mut first = None;
    let mut count = 0;
    let mut chunks = source.chunks(DECODE_CHUNK).peekable();
    while let Some(chunk) = chunks.next() {
        let last = chunks.peek().is_none();
        let mut rest = chunk;
        loop {
            if let Some(needed) = decoder.max_utf8_buffer_length_without_replacement(rest.len()) {
                text.reserve(needed);
            }
            let (result, read) =
                decoder.decode_to_string_without_replacement(rest, &mut text, last);
            rest = &rest[read..];
            match result {
                DecoderResult::InputEmpty => break,
                DecoderResult::Malformed(_, _) => {
                    first.get_or_insert(text.len());
                    count += 1;
                    text.push(char::REPLACEMENT_CHARACTER);
                }
                DecoderResult::OutputFull => {}
            }
        }
    }
    (text, first.map(|first| (first, count)))
}

/// The offset in the decoded text of byte `at` of `bytes`, for pointing a
/// finding at a declaration. Only prefixes within the prescan window are
/// ever measured.
fn text_offset(encoding: &'static Encoding, bytes: &[u8], at: usize) -> usize {
    let prefix = &bytes[..at.min(bytes.len())];
    if prefix.is_ascii() && encoding.is_ascii_compatible() {
        return prefix.len();
    }
    encoding.decode_without_bom_handling(prefix).0.len()
}

/// A declared label and the byte offset of its declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    pub label: Vec<u8>,
    pub at: usize,
}

/// The HTML standard's prescan of a byte stream for its encoding, over
/// `window` (the first 1024 bytes), followed by the XML declaration that
/// Blink and WebKit also honour. Returns the first declaration whose label
/// browsers know, else the first one they do not know (which browsers skip,
/// falling back to a guess, and so which the caller reports).
pub fn html_declaration(window: &[u8]) -> Option<Declaration> {
    let mut unknown: Option<Declaration> = None;
    let mut position = 0;
    while position < window.len() {
        let rest = &window[position..];
        if rest.starts_with(b"<!--") {
            // The comment ends at the first `-->`; its `>` may close the
            // opening `<!--` itself (`<!-->`).
            match memchr::memmem::find(&rest[2..], b"-->") {
                Some(end) => position += 2 + end + 3,
                None => return unknown.or_else(|| xml_declaration(window)),
            }
            continue;
        }
        if rest.len() > 5
            && rest[..5].eq_ignore_ascii_case(b"<meta")
            && matches!(rest[5], b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/')
        {
            let meta_start = position;
            position += 6;
            match meta_charset(window, &mut position) {
                MetaOutcome::Found(label) => {
                    let declaration = Declaration {
                        label,
                        at: meta_start,
                    };
                    if Encoding::for_label(&declaration.label).is_some() {
                        return Some(declaration);
                    }
                    unknown.get_or_insert(declaration);
                }
                MetaOutcome::Nothing => {}
                MetaOutcome::OutOfBytes => break,
            }
            continue;
        }
        if rest.len() > 1
            && rest[0] == b'<'
            && (rest[1].is_ascii_alphabetic()
                || (rest[1] == b'/' && rest.get(2).is_some_and(u8::is_ascii_alphabetic)))
        {
            // A tag: skip its name, then its attributes.
            match rest
                .iter()
                .position(|&b| matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'>'))
            {
                Some(end) => position += end,
                None => break,
            }
            loop {
                match attribute(window, &mut position) {
                    AttributeOutcome::Attribute(_, _) => {}
                    AttributeOutcome::None => break,
                    AttributeOutcome::OutOfBytes => {
                        return unknown.or_else(|| xml_declaration(window));
                    }
                }
            }
            position += 1;
            continue;
        }
        if rest.starts_with(b"<!") || rest.starts_with(b"</") || rest.starts_with(b"<?") {
            match memchr::memchr(b'>', rest) {
                Some(end) => position += end + 1,
                None => break,
            }
            continue;
        }
        position += 1;
    }
    unknown.or_else(|| xml_declaration(window))
}

enum MetaOutcome {
    Found(Vec<u8>),
    Nothing,
    OutOfBytes,
}

/// The attributes of one `<meta>` in the prescan: a `charset`, or an
/// `http-equiv="content-type"` with a `content` naming a charset.
fn meta_charset(window: &[u8], position: &mut usize) -> MetaOutcome {
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut got_pragma = false;
    let mut need_pragma: Option<bool> = None;
    let mut charset: Option<Vec<u8>> = None;
    loop {
        match attribute(window, position) {
            AttributeOutcome::OutOfBytes => return MetaOutcome::OutOfBytes,
            AttributeOutcome::None => break,
            AttributeOutcome::Attribute(name, value) => {
                if seen.contains(&name) {
                    continue;
                }
                match name.as_slice() {
                    b"http-equiv" if value == b"content-type" => got_pragma = true,
                    b"content" if charset.is_none() => {
                        if let Some(label) = charset_in_content(&value) {
                            charset = Some(label);
                            need_pragma = Some(true);
                        }
                    }
                    b"charset" => {
                        charset = Some(value.clone());
                        need_pragma = Some(false);
                    }
                    _ => {}
                }
                seen.push(name);
            }
        }
    }
    match (need_pragma, charset) {
        (Some(true), Some(_)) if !got_pragma => MetaOutcome::Nothing,
        (Some(_), Some(label)) => MetaOutcome::Found(label),
        _ => MetaOutcome::Nothing,
    }
}

enum AttributeOutcome {
    /// Lowercased name and value.
    Attribute(Vec<u8>, Vec<u8>),
    /// The tag ended.
    None,
    /// The window ended inside the tag.
    OutOfBytes,
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// The HTML standard's "get an attribute" step of the prescan.
fn attribute(window: &[u8], position: &mut usize) -> AttributeOutcome {
    let at = |i: usize| window.get(i).copied();
    while let Some(byte) = at(*position) {
        if is_space(byte) || byte == b'/' {
            *position += 1;
        } else {
            break;
        }
    }
    match at(*position) {
        None => return AttributeOutcome::OutOfBytes,
        Some(b'>') => return AttributeOutcome::None,
        Some(_) => {}
    }
    let mut name = Vec::new();
    let mut value = Vec::new();
    // The name.
    loop {
        let Some(byte) = at(*position) else {
            return AttributeOutcome::OutOfBytes;
        };
        if byte == b'=' && !name.is_empty() {
            *position += 1;
            break;
        }
        if is_space(byte) {
            while at(*position).is_some_and(is_space) {
                *position += 1;
            }
            match at(*position) {
                None => return AttributeOutcome::OutOfBytes,
                Some(b'=') => {
                    *position += 1;
                    break;
                }
                Some(_) => return AttributeOutcome::Attribute(name, value),
            }
        }
        if byte == b'/' || byte == b'>' {
            return AttributeOutcome::Attribute(name, value);
        }
        name.push(byte.to_ascii_lowercase());
        *position += 1;
    }
    // The value.
    while at(*position).is_some_and(is_space) {
        *position += 1;
    }
    match at(*position) {
        None => AttributeOutcome::OutOfBytes,
        Some(quote @ (b'"' | b'\'')) => {
            *position += 1;
            loop {
                match at(*position) {
                    None => return AttributeOutcome::OutOfBytes,
                    Some(byte) if byte == quote => {
                        *position += 1;
                        return AttributeOutcome::Attribute(name, value);
                    }
                    Some(byte) => {
                        value.push(byte.to_ascii_lowercase());
                        *position += 1;
                    }
                }
            }
        }
        Some(b'>') => AttributeOutcome::Attribute(name, value),
        Some(_) => loop {
            match at(*position) {
                None => return AttributeOutcome::OutOfBytes,
                Some(byte) if is_space(byte) || byte == b'>' => {
                    return AttributeOutcome::Attribute(name, value);
                }
                Some(byte) => {
                    value.push(byte.to_ascii_lowercase());
                    *position += 1;
                }
            }
        },
    }
}

/// The HTML standard's "extract a character encoding from a meta element"
/// for a `content` value such as `text/html; charset=iso-8859-1`.
pub fn charset_in_content(content: &[u8]) -> Option<Vec<u8>> {
    let mut position = 0;
    loop {
        let found = content[position..]
            .windows(7)
            .position(|w| w.eq_ignore_ascii_case(b"charset"))?;
        position += found + 7;
        while content.get(position).is_some_and(|&b| is_space(b)) {
            position += 1;
        }
        if content.get(position) != Some(&b'=') {
            continue;
        }
        position += 1;
        while content.get(position).is_some_and(|&b| is_space(b)) {
            position += 1;
        }
        return match content.get(position) {
            None => None,
            Some(&quote @ (b'"' | b'\'')) => {
                let rest = &content[position + 1..];
                let end = memchr::memchr(quote, rest)?;
                Some(rest[..end].to_vec())
            }
            Some(_) => {
                let rest = &content[position..];
                let end = rest
                    .iter()
                    .position(|&b| is_space(b) || b == b';')
                    .unwrap_or(rest.len());
                Some(rest[..end].to_vec())
            }
        };
    }
}

/// The `encoding` of a leading XML declaration (`<?xml version="1.0"
/// encoding="…"?>`), read as the Encoding Standard's "get an XML encoding".
pub fn xml_declaration(window: &[u8]) -> Option<Declaration> {
    if !window.starts_with(b"<?xml") {
        return None;
    }
    let end = memchr::memchr(b'>', window)?;
    let declaration = &window[..end];
    let found = memchr::memmem::find(&declaration[5..], b"encoding")? + 5;
    let mut position = found + b"encoding".len();
    while declaration.get(position).is_some_and(|&b| b <= b' ') {
        position += 1;
    }
    if declaration.get(position) != Some(&b'=') {
        return None;
    }
    position += 1;
    while declaration.get(position).is_some_and(|&b| b <= b' ') {
        position += 1;
    }
    let quote = *declaration.get(position)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let rest = &declaration[position + 1..];
    let close = memchr::memchr(quote, rest)?;
    Some(Declaration {
        label: rest[..close].to_vec(),
        at: 0,
    })
}

/// The label of a leading `@charset "…";`, which CSS matches byte for byte.
pub fn css_declaration(window: &[u8]) -> Option<Declaration> {
    let rest = window.strip_prefix(b"@charset \"")?;
    let close = memchr::memchr(b'"', rest)?;
    (rest.get(close + 1) == Some(&b';')).then(|| Declaration {
        label: rest[..close].to_vec(),
        at: 0,
    })
}

/// The encoding a `<meta>` element met while parsing a page declares, as
/// browsers apply it ("change the encoding"): `None` when its label is
/// unknown (browsers ignore it). UTF-16 labels mean UTF-8 there, and
/// `x-user-defined` means windows-1252.
pub fn meta_encoding(
    charset: Option<&str>,
    http_equiv_content: Option<&str>,
) -> Option<&'static Encoding> {
    let label = match charset {
        Some(label) => label.as_bytes().to_vec(),
        None => charset_in_content(http_equiv_content?.as_bytes())?,
    };
    let encoding = Encoding::for_label(&label)?;
    Some(if encoding == UTF_16LE || encoding == UTF_16BE {
        UTF_8
    } else if encoding == X_USER_DEFINED {
        WINDOWS_1252
    } else {
        encoding
    })
}

#[cfg(test)]
mod tests;
