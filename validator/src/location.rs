//! Byte offsets to 1-based lines and columns, and source snippets for
//! diagnostics.

use std::collections::HashMap;

/// Start offsets of every line of one file, for offset-to-line lookups.
///
/// Columns count characters from the start of the line. On a long line
/// (minified code keeps a whole file on one) that count would cost the
/// line's length for every finding on it, so the first lookup on a long
/// line records how many characters precede every `CHECKPOINT_BYTES`-th
/// byte, and later lookups count only from the nearest checkpoint.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    /// `(byte offset, characters before it)` pairs of long lines, by line
    /// index.
    checkpoints: HashMap<usize, Vec<(usize, usize)>>,
}

/// Distance between column checkpoints on long lines, in bytes.
const CHECKPOINT_BYTES: usize = 256;

impl LineIndex {
    /// Indexes `text`. Lines end at `\n`; a `\r` before it stays part of the line.
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex {
            line_starts,
            checkpoints: HashMap::new(),
        }
    }

    /// 1-based line and column of `offset`. Columns count Unicode scalar
    /// values, so an offset inside a multi-byte character rounds down.
    pub fn position(&mut self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(exact) => exact,
            Err(next) => next - 1,
        };
        let start = self.line_starts[line];
        let (from, before) = if offset - start > CHECKPOINT_BYTES {
            let checkpoints = self
                .checkpoints
                .entry(line)
                .or_insert_with(|| checkpoints(text, start, self.line_starts.get(line + 1)));
            let nearest = checkpoints.partition_point(|&(byte, _)| byte <= offset);
            checkpoints[nearest.saturating_sub(1)]
        } else {
            (start, 0)
        };
        let column = before + chars_between(text, from, offset);
        (to_u32(line + 1), to_u32(column + 1))
    }

    /// The 1-based line that holds `offset`.
    pub fn line_of(&self, offset: usize) -> u32 {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(exact) => exact,
            Err(next) => next - 1,
        };
        to_u32(line + 1)
    }

    /// The full text of the 1-based `line`, without its line ending.
    pub fn line_text<'t>(&self, text: &'t str, line: u32) -> &'t str {
        let index = (line as usize).saturating_sub(1);
        let Some(&start) = self.line_starts.get(index) else {
            return "";
        };
        let end = self
            .line_starts
            .get(index + 1)
            .map_or(text.len(), |next| next - 1);
        text.get(start..end).unwrap_or("").trim_end_matches('\r')
    }
}

/// Characters in `text[from..to]`, rounding `to` down to a character.
fn chars_between(text: &str, from: usize, to: usize) -> usize {
    text.get(from..)
        .map(|rest| {
            rest.char_indices()
                .take_while(|(i, _)| from + i < to)
                .count()
        })
        .unwrap_or(0)
}

/// Column checkpoints of the line starting at `start`: one at the start,
/// then one at the first character boundary past every
/// [`CHECKPOINT_BYTES`] bytes.
fn checkpoints(text: &str, start: usize, next_line: Option<&usize>) -> Vec<(usize, usize)> {
    let end = next_line.map_or(text.len(), |next| *next);
    let mut points = vec![(start, 0)];
    let mut next = start + CHECKPOINT_BYTES;
    for (chars, (index, _)) in text[start..end].char_indices().enumerate() {
        let byte = start + index;
        if byte >= next {
            points.push((byte, chars));
            next = byte + CHECKPOINT_BYTES;
        }
    }
    points
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// The longest snippet a finding carries, in characters.
const SNIPPET_LIMIT: usize = 120;

/// Shortens `text` to a one-line snippet for a diagnostic.
pub fn snippet(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = one_line.trim();
    if trimmed.chars().count() > SNIPPET_LIMIT {
        let cut: String = trimmed.chars().take(SNIPPET_LIMIT).collect();
        format!("{cut}…")
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "ab\nçd\n\nx";
        let mut index = LineIndex::new(text);
        assert_eq!(index.position(text, 0), (1, 1));
        assert_eq!(index.position(text, 1), (1, 2));
        assert_eq!(index.position(text, 3), (2, 1));
        // `ç` is two bytes; the `d` after it is the second character.
        assert_eq!(index.position(text, 5), (2, 2));
        assert_eq!(index.position(text, 7), (3, 1));
        assert_eq!(index.position(text, 8), (4, 1));
        assert_eq!(index.position(text, 999), (4, 2));
    }

    #[test]
    fn long_lines_count_columns_from_checkpoints() {
        let text = format!("x\n{}", "é".repeat(20_000));
        let mut index = LineIndex::new(&text);
        // Each `é` is two bytes; the offset of the n-th is 2 + 2n.
        for n in [0, 1, 2047, 2048, 2049, 9000, 19_999] {
            assert_eq!(index.position(&text, 2 + 2 * n), (2, to_u32(n + 1)), "{n}");
        }
    }

    #[test]
    fn line_text_strips_line_endings() {
        let text = "one\r\ntwo\nthree";
        let index = LineIndex::new(text);
        assert_eq!(index.line_text(text, 1), "one");
        assert_eq!(index.line_text(text, 2), "two");
        assert_eq!(index.line_text(text, 3), "three");
        assert_eq!(index.line_text(text, 4), "");
    }

    #[test]
    fn snippets_are_single_line_and_bounded() {
        assert_eq!(snippet("  a\nb  "), "a b");
        let long = "x".repeat(200);
        assert_eq!(snippet(&long).chars().count(), SNIPPET_LIMIT + 1);
    }
}
