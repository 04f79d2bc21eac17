//! Authored text as the generator accepts it: UTF-8, without the
//! characters a reader or the gate cannot judge.
//!
//! A NUL, an escape sequence or a C1 control in front matter or Markdown
//! reaches the page, where browsers and the validator may read it
//! differently (a NUL ends a string in some tools, an escape rewrites the
//! terminal that prints a snippet), and an explicit bidirectional override
//! shows a reviewer text in another order than the bytes the build reads.
//! Each is refused at its line and column.

use std::fmt;

use crate::error::SourceSpot;

/// Why a piece of authored text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextProblem {
    /// The bytes are not UTF-8.
    #[error("is not valid UTF-8; save the file as UTF-8")]
    InvalidUtf8,
    /// A character that cannot be judged or shown safely.
    #[error("contains {character}{}; remove it{}", more_text(*.more), character.advice())]
    Forbidden {
        /// The first such character.
        character: Forbidden,
        /// How many more the text holds.
        more: usize,
    },
}

fn more_text(more: usize) -> String {
    match more {
        0 => String::new(),
        1 => " (and 1 more such character)".to_string(),
        n => format!(" (and {n} more such characters)"),
    }
}

/// A forbidden character, shown by code point and name, never raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forbidden(pub char);

impl Forbidden {
    /// The short name of the character, e.g. `NUL`, `ESC` or `RLO`.
    pub fn name(self) -> &'static str {
        const C0: [&str; 32] = [
            "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF",
            "CR", "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM",
            "SUB", "ESC", "FS", "GS", "RS", "US",
        ];
        match self.0 {
            c @ '\0'..='\u{1f}' => C0[c as usize],
            '\u{7f}' => "DEL",
            '\u{80}'..='\u{9f}' => "C1 control",
            '\u{202a}' => "LRE",
            '\u{202b}' => "RLE",
            '\u{202c}' => "PDF",
            '\u{202d}' => "LRO",
            '\u{202e}' => "RLO",
            '\u{2066}' => "LRI",
            '\u{2067}' => "RLI",
            '\u{2068}' => "FSI",
            '\u{2069}' => "PDI",
            _ => "character",
        }
    }

    fn is_bidi(self) -> bool {
        matches!(self.0, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }

    fn advice(self) -> &'static str {
        if self.is_bidi() {
            " and mark right-to-left text with a `dir` attribute or `<bdi>` instead"
        } else {
            ""
        }
    }
}

impl fmt::Display for Forbidden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "U+{:04X} ({})", self.0 as u32, self.name())
    }
}

/// Whether authored text may not hold `c`: C0 controls other than tab,
/// line feed and carriage return, DEL, C1 controls, and the explicit
/// bidirectional embeddings, overrides and isolates. The implicit marks
/// (LRM, RLM, ALM) stay allowed: they cannot reorder the text around them,
/// and right-to-left writing needs them.
pub fn is_forbidden(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => false,
        '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

/// Decodes a source file's bytes as UTF-8, or says where the first invalid
/// byte is.
pub fn decode(file: &str, bytes: Vec<u8>) -> Result<String, (SourceSpot, TextProblem)> {
    String::from_utf8(bytes).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        // The prefix is valid UTF-8 by construction.
        let before = std::str::from_utf8(valid).unwrap_or_default();
        let (line, column) = position(before, before.len());
        (SourceSpot::at(file, line, column), TextProblem::InvalidUtf8)
    })
}

/// Finds the first forbidden character of `text`, with its 1-based line
/// and column (in characters), and counts the others.
pub fn check(file: &str, text: &str) -> Result<(), (SourceSpot, TextProblem)> {
    // Every forbidden character starts with a control byte other than
    // tab, LF and CR, with 0x7F, or with the lead byte of a C1 control
    // (0xC2) or of the bidi controls (0xE2). Text is tested a block at a
    // time with a test the compiler vectorises, and only a block holding
    // such a byte is decoded.
    const BLOCK: usize = 64;
    let candidate = |byte: u8| {
        (byte < 0x20 && byte != b'\t' && byte != b'\n' && byte != b'\r')
            || byte == 0x7f
            || byte == 0xc2
            || byte == 0xe2
    };
    let bytes = text.as_bytes();
    let mut first: Option<(usize, char)> = None;
    let mut more = 0;
    for (block_index, block) in bytes.chunks(BLOCK).enumerate() {
        if !block
            .iter()
            .fold(false, |found, &byte| found | candidate(byte))
        {
            continue;
        }
        let base = block_index * BLOCK;
        for (within, &byte) in block.iter().enumerate() {
            let index = base + within;
            if !candidate(byte) || !text.is_char_boundary(index) {
                continue;
            }
            let Some(c) = text[index..].chars().next() else {
                continue;
            };
            if is_forbidden(c) {
                if first.is_none() {
                    first = Some((index, c));
                } else {
                    more += 1;
                }
            }
        }
    }
    match first {
        None => Ok(()),
        Some((offset, c)) => {
            let (line, column) = position(text, offset);
            Err((
                SourceSpot::at(file, line, column),
                TextProblem::Forbidden {
                    character: Forbidden(c),
                    more,
                },
            ))
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Shows a name with every forbidden character escaped as `\u{…}`, so a
/// name that carries one can be printed in an error without acting on the
/// terminal.
pub fn escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if is_forbidden(c) || c == '\t' || c == '\n' || c == '\r' {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters_are_found_at_line_and_column() {
        let (spot, problem) = check("content/a.md", "---\ntitle: é\x1b[2J\n---\n\0").unwrap_err();
        assert_eq!(spot.to_string(), "content/a.md:2:9");
        assert_eq!(
            problem.to_string(),
            "contains U+001B (ESC) (and 1 more such character); remove it"
        );
        let (spot, problem) = check("a", "ab\u{202e}cd").unwrap_err();
        assert_eq!(spot.to_string(), "a:1:3");
        assert!(problem.to_string().contains("U+202E (RLO)"), "{problem}");
        let (_, problem) = check("a", "x\u{85}").unwrap_err();
        assert!(problem.to_string().contains("U+0085 (C1 control)"));
        assert!(check("a", "\u{7f}").is_err());
        assert!(check("a", "\u{2069}").is_err());
    }

    #[test]
    fn characters_are_found_in_every_block() {
        for at in [0, 1, 62, 63, 64, 65, 127, 128, 200] {
            let mut text = "a".repeat(at);
            text.push('\u{202e}');
            text.push_str(&"b\n".repeat(50));
            let (spot, _) = check("f", &text).unwrap_err();
            assert_eq!(spot.to_string(), format!("f:1:{}", at + 1));
        }
        // A bidi lead byte split across blocks by other text still decodes.
        let text = format!("{}“quoted” and \u{1b}", "x".repeat(63));
        assert!(check("f", &text).is_err());
        assert!(check("f", &format!("{}“quoted”\t\r\n", "x".repeat(63))).is_ok());
    }

    #[test]
    fn ordinary_text_passes() {
        let text =
            "---\ntitle: \"Tab\there\"\r\n---\nשלום \u{200f}RLM, ALM \u{61c}, “quotes” — €\n";
        assert_eq!(check("a", text), Ok(()));
    }

    #[test]
    fn invalid_utf8_is_located() {
        let (spot, problem) = decode("b.md", b"ok\nab\xffc".to_vec()).unwrap_err();
        assert_eq!(spot.to_string(), "b.md:2:3");
        assert_eq!(problem, TextProblem::InvalidUtf8);
        assert_eq!(decode("b.md", b"fine".to_vec()).unwrap(), "fine");
    }

    #[test]
    fn escape_makes_controls_visible() {
        assert_eq!(escape("a\x1b[31mb\u{202e}"), "a\\u{001b}[31mb\\u{202e}");
        assert_eq!(escape("plain-é"), "plain-é");
    }
}
