//! Stored text made safe to print on the operator's terminal.
//!
//! A lead's fields were typed by a visitor, so they are attacker-controlled.
//! The Worker refuses control characters other than line breaks and tabs
//! in the message, but rows can reach D1 by other paths, and an escape
//! sequence printed by `leads show` could rewrite what the operator sees
//! (clear the screen, move the cursor, set the window title) or a
//! bidirectional override could make text read backwards. Every stored
//! value is printed through [`printable`], which shows such characters as
//! visible `\u{…}` escapes instead.

use std::borrow::Cow;

use crate::leads::sql::is_invisible_format;

/// Whether text is printed on one line (a field) or may span lines (the
/// message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    /// Line breaks and tabs are escaped too.
    Single,
    /// `\n`, `\r\n` and tabs are kept; a lone `\r` is escaped, as it would
    /// overwrite the line on the terminal.
    Multiple,
}

/// `text` with every control and invisible formatting character (other
/// than the line breaks `lines` allows) replaced by a visible escape.
pub fn printable(text: &str, lines: Lines) -> Cow<'_, str> {
    let allowed = |c: char, next: Option<char>| match lines {
        Lines::Single => false,
        Lines::Multiple => c == '\n' || c == '\t' || (c == '\r' && next == Some('\n')),
    };
    let needs_escape = |c: char| c.is_control() || is_invisible_format(c);
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if !needs_escape(c) || allowed(c, chars.peek().copied()) {
            // A kept "\r\n" is written as "\n": the terminal needs no more.
            if c != '\r' {
                out.push(c);
            }
        } else {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_text_is_untouched() {
        assert!(matches!(
            printable("Quinn Marlowe", Lines::Single),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn escapes_terminal_control_sequences() {
        assert_eq!(
            printable("evil\u{1b}]0;pwned\u{7}\u{1b}[2J", Lines::Multiple),
            "evil\\u{1b}]0;pwned\\u{7}\\u{1b}[2J"
        );
        assert_eq!(
            printable("abc\u{202E}fed", Lines::Single),
            "abc\\u{202e}fed"
        );
        assert_eq!(printable("a\u{9b}31m", Lines::Single), "a\\u{9b}31m");
    }

    #[test]
    fn keeps_line_breaks_only_where_allowed() {
        assert_eq!(printable("one\r\ntwo\tx", Lines::Multiple), "one\ntwo\tx");
        assert_eq!(printable("one\rtwo", Lines::Multiple), "one\\u{d}two");
        assert_eq!(printable("one\ntwo", Lines::Single), "one\\u{a}two");
    }

    proptest! {
        #[test]
        fn output_holds_no_escape_character(text in any::<String>()) {
            let single = printable(&text, Lines::Single);
            prop_assert!(!single.chars().any(|c| c.is_control() || is_invisible_format(c)));
            let multiple = printable(&text, Lines::Multiple);
            prop_assert!(!multiple.chars().any(|c| (c.is_control() && c != '\n' && c != '\t') || is_invisible_format(c)));
        }
    }
}
