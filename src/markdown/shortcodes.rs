//! Shortcodes: templates from `templates/shortcodes/` called from Markdown.
//!
//! The syntax is Zola's:
//!
//! - `{{ name(key="value", n=3, wide=true) }}` is replaced by the output of
//!   `templates/shortcodes/name.html`, rendered with the arguments as
//!   variables;
//! - `{% name(key="value") %}` … `{% end %}` also hands the template the
//!   Markdown between the tags, rendered as Markdown, as `body`.
//!
//! Arguments are named; a value is a string in double or single quotes
//! (`\` escapes the quote, `\` and `n`), an integer, a decimal number or
//! `true`/`false`. `{{/* name() */}}` writes `{{ name() }}` as text.
//!
//! This module is the lexer and parser: it finds calls in a Markdown text
//! outside its code (the byte ranges of code spans and code blocks are
//! given by the caller, which has parsed the Markdown), reads each call
//! whole, and reports what it cannot read with the byte offset of the
//! problem. Text that starts like a call but is not one (`{{ page.title }}`
//! in prose) is left as text: a call is `{{` or `{%`, spaces, a name and
//! `(`; from there on anything unexpected is an error.

use std::fmt;
use std::ops::Range;

/// How deep shortcodes with a body may nest inside each other's bodies.
pub const MAX_NESTING: usize = 8;

/// Most calls one page may make, bodies included.
pub const MAX_CALLS_PER_PAGE: usize = 10_000;

/// An argument value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A quoted string, escapes resolved.
    String(String),
    /// An integer.
    Integer(i64),
    /// A decimal number.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
}

impl Value {
    /// The value as the template sees it.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Self::String(text) => serde_json::Value::String(text.clone()),
            Self::Integer(n) => serde_json::Value::from(*n),
            Self::Float(n) => serde_json::Value::from(*n),
            Self::Bool(b) => serde_json::Value::Bool(*b),
        }
    }
}

/// One shortcode call in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The shortcode's name: `templates/shortcodes/<name>.html`.
    pub name: String,
    /// The arguments, in the order written.
    pub args: Vec<(String, Value)>,
    /// The whole call, from `{{` or `{%` to the end of `}}` or `{% end %}`.
    pub range: Range<usize>,
    /// The Markdown between `{% name() %}` and `{% end %}`.
    pub body: Option<Range<usize>>,
}

/// A piece of a text that is not Markdown as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// A shortcode call.
    Call(Call),
    /// `{{/* … */}}`: the range and the text it stands for.
    Literal(Range<usize>, String),
}

impl Piece {
    /// The range of the text the piece replaces.
    pub fn range(&self) -> &Range<usize> {
        match self {
            Self::Call(call) => &call.range,
            Self::Literal(range, _) => range,
        }
    }
}

/// What is wrong with a shortcode call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShortcodeError {
    /// The call could not be read: what was expected.
    Syntax(String),
    /// An argument is given twice.
    DuplicateArgument(String),
    /// An argument is named like a variable the shortcode is given.
    ReservedArgument(String),
    /// `{% name() %}` without its `{% end %}`.
    Unclosed(String),
    /// `{% end %}` without a `{% name() %}` before it.
    StrayEnd,
    /// Bodies nested deeper than [`MAX_NESTING`].
    TooDeep,
    /// More calls than [`MAX_CALLS_PER_PAGE`].
    TooMany,
    /// No `templates/shortcodes/<name>.html`.
    Unknown {
        /// The name called.
        name: String,
        /// The shortcodes the site has.
        known: Vec<String>,
    },
    /// The call stands where its output cannot go: inside raw HTML, a
    /// link destination, an image's text or a heading attribute.
    Misplaced(String),
    /// A code span or block of the Markdown begins inside the call (a
    /// backtick in an argument that pairs with one after the call).
    OverlapsCode,
}

impl ShortcodeError {
    /// How to fix it.
    pub fn help(&self) -> &'static str {
        match self {
            Self::Syntax(_) => {
                "write `{{ name(key=\"value\") }}` or `{% name(key=\"value\") %}…{% end %}`; arguments are named, values are quoted strings, numbers, true or false"
            }
            Self::DuplicateArgument(_) => "give each argument once",
            Self::ReservedArgument(_) => {
                "rename the argument; `body` and `nth` are set by the generator"
            }
            Self::Unclosed(_) => "close it with `{% end %}`",
            Self::StrayEnd => "remove it, or open a shortcode with a body before it",
            Self::TooDeep | Self::TooMany => "simplify the page",
            Self::Unknown { .. } => "add the template under templates/shortcodes/, or fix the name",
            Self::Misplaced(_) => {
                "call the shortcode in text or on a line of its own, not inside HTML, a link or an attribute"
            }
            Self::OverlapsCode => "write the backtick as `&#96;` or move the code out of the call",
        }
    }
}

impl fmt::Display for ShortcodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax(expected) => write!(f, "shortcode call cannot be read: {expected}"),
            Self::DuplicateArgument(name) => {
                write!(f, "shortcode argument `{name}` is given twice")
            }
            Self::ReservedArgument(name) => {
                write!(f, "shortcode argument `{name}` is reserved")
            }
            Self::Unclosed(name) => write!(f, "shortcode `{name}` has no `{{% end %}}`"),
            Self::StrayEnd => write!(f, "`{{% end %}}` closes no shortcode"),
            Self::TooDeep => write!(f, "shortcodes nest more than {MAX_NESTING} deep"),
            Self::TooMany => write!(f, "more than {MAX_CALLS_PER_PAGE} shortcode calls"),
            Self::Unknown { name, known } if known.is_empty() => write!(
                f,
                "unknown shortcode `{name}` (templates/shortcodes/ holds none)"
            ),
            Self::Unknown { name, known } => write!(
                f,
                "unknown shortcode `{name}` (known: {})",
                known.join(", ")
            ),
            Self::Misplaced(name) => {
                write!(f, "shortcode `{name}` is called where its output cannot go")
            }
            Self::OverlapsCode => write!(f, "a code span begins inside a shortcode call"),
        }
    }
}

/// A problem at a byte offset of the text scanned.
pub type Located = (usize, ShortcodeError);

/// Finds the top-level shortcode calls and literals of `text`, outside the
/// byte ranges in `code` (sorted by start). Calls inside a body are left in
/// the body, for the body's own scan. Every problem is reported, each at
/// its offset; the pieces found are returned only when there is none.
pub fn scan(text: &str, code: &[Range<usize>]) -> Result<Vec<Piece>, Vec<Located>> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut problems = Vec::new();
    // Bodies opened and not yet ended, innermost last.
    let mut open: Vec<Opening> = Vec::new();
    let mut code_index = 0;
    let mut at = 0;
    while let Some(found) = memchr_brace(&bytes[at..]) {
        let start = at + found;
        // Skip code that starts before this point.
        while code_index < code.len() && code[code_index].end <= start {
            code_index += 1;
        }
        if let Some(range) = code.get(code_index)
            && range.start <= start
        {
            at = range.end;
            continue;
        }
        let next = bytes.get(start + 1).copied();
        if next != Some(b'{') && next != Some(b'%') {
            at = start + 1;
            continue;
        }
        let mut lexer = Lexer {
            bytes,
            at: start + 2,
        };
        let closer: &[u8] = if next == Some(b'{') { b"}}" } else { b"%}" };
        // `{{/* … */}}` and `{%/* … */%}`: the call written as text.
        if lexer.eat(b"/*") {
            match find(&bytes[lexer.at..], b"*/") {
                Some(end) if bytes[lexer.at + end + 2..].starts_with(closer) => {
                    let inner = &text[lexer.at..lexer.at + end];
                    let end = lexer.at + end + 2 + 2;
                    let (open_tag, close_tag) = if next == Some(b'{') {
                        ("{{", "}}")
                    } else {
                        ("{%", "%}")
                    };
                    if open.is_empty() {
                        pieces.push(Piece::Literal(
                            start..end,
                            format!("{open_tag}{inner}{close_tag}"),
                        ));
                    }
                    at = end;
                }
                _ => at = start + 2,
            }
            continue;
        }
        lexer.spaces();
        let name = lexer.identifier();
        lexer.spaces();
        if next == Some(b'%') && name == Some("end") && lexer.eat(b"%}") {
            match open.pop() {
                None => problems.push((start, ShortcodeError::StrayEnd)),
                Some(Opening {
                    name,
                    start: call_start,
                    body_start,
                    args,
                }) if open.is_empty() => {
                    pieces.push(Piece::Call(Call {
                        name,
                        args,
                        range: call_start..lexer.at,
                        body: Some(body_start..start),
                    }));
                }
                Some(_) => {}
            }
            at = lexer.at;
            continue;
        }
        let Some(name) = name else {
            at = start + 2;
            continue;
        };
        if !lexer.eat(b"(") {
            // Not a call: `{{ page.title }}` in prose stays text.
            at = start + 2;
            continue;
        }
        let args = match lexer.arguments() {
            Ok(args) => args,
            Err((offset, error)) => {
                problems.push((offset, error));
                // Go on after the opening so later calls are still read.
                at = start + 2;
                continue;
            }
        };
        lexer.spaces();
        if !lexer.eat(closer) {
            let wanted = String::from_utf8_lossy(closer).into_owned();
            problems.push((
                lexer.at,
                ShortcodeError::Syntax(format!("expected `{wanted}` after the arguments")),
            ));
            at = start + 2;
            continue;
        }
        // A code span that begins inside the call would end in the text
        // after it: the call and the code cannot both be what they look.
        if let Some(range) = code.get(code_index)
            && range.start < lexer.at
        {
            problems.push((start, ShortcodeError::OverlapsCode));
        }
        if let Some((reserved, _)) = args.iter().find(|(arg, _)| arg == "body" || arg == "nth") {
            problems.push((start, ShortcodeError::ReservedArgument(reserved.clone())));
        }
        if next == Some(b'{') {
            if open.is_empty() {
                pieces.push(Piece::Call(Call {
                    name: name.to_string(),
                    args,
                    range: start..lexer.at,
                    body: None,
                }));
            }
        } else {
            if open.len() >= MAX_NESTING {
                problems.push((start, ShortcodeError::TooDeep));
                return Err(problems);
            }
            open.push(Opening {
                name: name.to_string(),
                start,
                body_start: lexer.at,
                args,
            });
        }
        at = lexer.at;
    }
    for opening in open {
        problems.push((opening.start, ShortcodeError::Unclosed(opening.name)));
    }
    if problems.is_empty() {
        Ok(pieces)
    } else {
        problems.sort_by_key(|(offset, _)| *offset);
        Err(problems)
    }
}

/// A `{% name(…) %}` waiting for its `{% end %}`.
struct Opening {
    name: String,
    /// Where the call starts.
    start: usize,
    /// Where its body starts, after the opening tag.
    body_start: usize,
    args: Vec<(String, Value)>,
}

/// The name of the shortcode whose call starts at `offset` of `text`, for
/// messages about what it wrote.
pub fn name_at(text: &str, offset: usize) -> Option<String> {
    let mut lexer = Lexer {
        bytes: text.as_bytes(),
        at: offset.checked_add(2)?,
    };
    if lexer.at > text.len() {
        return None;
    }
    lexer.spaces();
    lexer.identifier().map(str::to_string)
}

/// Offset of the next `{`.
fn memchr_brace(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'{')
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// A cursor over the bytes of one call.
struct Lexer<'t> {
    bytes: &'t [u8],
    at: usize,
}

impl<'t> Lexer<'t> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, token: &[u8]) -> bool {
        if self.bytes[self.at..].starts_with(token) {
            self.at += token.len();
            true
        } else {
            false
        }
    }

    /// Spaces, tabs and line breaks.
    fn spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// An ASCII identifier: a letter or `_`, then letters, digits or `_`.
    fn identifier(&mut self) -> Option<&'t str> {
        let start = self.at;
        if !matches!(self.peek(), Some(b'a'..=b'z' | b'A'..=b'Z' | b'_')) {
            return None;
        }
        while matches!(
            self.peek(),
            Some(b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_')
        ) {
            self.at += 1;
        }
        // ASCII only, so the slice is UTF-8.
        std::str::from_utf8(&self.bytes[start..self.at]).ok()
    }

    fn error(&self, expected: &str) -> Located {
        let found = match self.peek() {
            None => "the end of the text".to_string(),
            Some(b'\n') => "a line break".to_string(),
            Some(byte) if byte.is_ascii_graphic() => format!("`{}`", byte as char),
            Some(_) => "another character".to_string(),
        };
        (
            self.at,
            ShortcodeError::Syntax(format!("expected {expected}, found {found}")),
        )
    }

    /// `key=value, …)` after the opening parenthesis; a trailing comma is
    /// allowed.
    fn arguments(&mut self) -> Result<Vec<(String, Value)>, Located> {
        let mut args: Vec<(String, Value)> = Vec::new();
        loop {
            self.spaces();
            if self.eat(b")") {
                return Ok(args);
            }
            let name_at = self.at;
            let Some(name) = self.identifier() else {
                return Err(self.error("an argument name or `)`"));
            };
            self.spaces();
            if !self.eat(b"=") {
                return Err(self.error("`=` after the argument name"));
            }
            self.spaces();
            let value = self.value()?;
            if args.iter().any(|(existing, _)| existing == name) {
                return Err((name_at, ShortcodeError::DuplicateArgument(name.to_string())));
            }
            args.push((name.to_string(), value));
            self.spaces();
            if self.eat(b",") {
                continue;
            }
            if self.eat(b")") {
                return Ok(args);
            }
            return Err(self.error("`,` or `)`"));
        }
    }

    fn value(&mut self) -> Result<Value, Located> {
        match self.peek() {
            Some(quote @ (b'"' | b'\'')) => self.string(quote),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't' | b'f') => {
                let at = self.at;
                match self.identifier() {
                    Some("true") => Ok(Value::Bool(true)),
                    Some("false") => Ok(Value::Bool(false)),
                    _ => {
                        self.at = at;
                        Err(self.error("a quoted string, a number, `true` or `false`"))
                    }
                }
            }
            _ => Err(self.error("a quoted string, a number, `true` or `false`")),
        }
    }

    fn string(&mut self, quote: u8) -> Result<Value, Located> {
        let start = self.at;
        self.at += 1;
        let mut text: Vec<u8> = Vec::new();
        loop {
            match self.peek() {
                None => {
                    self.at = start;
                    return Err(self.error("a closing quote for the string starting here"));
                }
                Some(b'\\') => {
                    self.at += 1;
                    match self.peek() {
                        Some(b'n') => text.push(b'\n'),
                        Some(byte @ (b'\\' | b'"' | b'\'')) => text.push(byte),
                        _ => return Err(self.error("`\\\\`, `\\\"`, `\\'` or `\\n` after `\\`")),
                    }
                    self.at += 1;
                }
                Some(byte) if byte == quote => {
                    self.at += 1;
                    // The text was UTF-8 and only whole ASCII bytes were
                    // replaced, so the string is too.
                    return String::from_utf8(text).map(Value::String).map_err(|_| {
                        (
                            start,
                            ShortcodeError::Syntax("a string that is not UTF-8".to_string()),
                        )
                    });
                }
                Some(byte) => {
                    text.push(byte);
                    self.at += 1;
                }
            }
        }
    }

    fn number(&mut self) -> Result<Value, Located> {
        let start = self.at;
        self.eat(b"-");
        let digits = |lexer: &mut Self| {
            let from = lexer.at;
            while matches!(lexer.peek(), Some(b'0'..=b'9')) {
                lexer.at += 1;
            }
            lexer.at > from
        };
        if !digits(self) {
            return Err(self.error("a digit"));
        }
        let mut float = false;
        if self.peek() == Some(b'.') {
            self.at += 1;
            float = true;
            if !digits(self) {
                return Err(self.error("a digit after the decimal point"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            float = true;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if !digits(self) {
                return Err(self.error("a digit in the exponent"));
            }
        }
        if matches!(self.peek(), Some(b'a'..=b'z' | b'A'..=b'Z' | b'_')) {
            return Err(self.error("`,` or `)` after the number"));
        }
        // Digits, sign, point and exponent are ASCII.
        let written = std::str::from_utf8(&self.bytes[start..self.at]).unwrap_or_default();
        let out_of_range = || {
            (
                start,
                ShortcodeError::Syntax(format!("the number {written} is out of range")),
            )
        };
        if float {
            match written.parse::<f64>() {
                Ok(n) if n.is_finite() => Ok(Value::Float(n)),
                _ => Err(out_of_range()),
            }
        } else {
            written
                .parse::<i64>()
                .map(Value::Integer)
                .map_err(|_| out_of_range())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(text: &str) -> Vec<Piece> {
        scan(text, &[]).unwrap()
    }

    fn errors(text: &str) -> Vec<Located> {
        scan(text, &[]).unwrap_err()
    }

    #[test]
    fn reads_inline_calls_with_every_kind_of_value() {
        let text = "a {{ note(text=\"say \\\"hi\\\"\", n=-3, x=1.5e2, on=true, off=false, s='it\\'s',) }} b";
        let pieces = calls(text);
        let [Piece::Call(call)] = pieces.as_slice() else {
            panic!("{pieces:?}")
        };
        assert_eq!(call.name, "note");
        assert_eq!(&text[call.range.clone()], &text[2..text.len() - 2]);
        assert_eq!(
            call.args,
            [
                ("text".to_string(), Value::String("say \"hi\"".to_string())),
                ("n".to_string(), Value::Integer(-3)),
                ("x".to_string(), Value::Float(150.0)),
                ("on".to_string(), Value::Bool(true)),
                ("off".to_string(), Value::Bool(false)),
                ("s".to_string(), Value::String("it's".to_string())),
            ]
        );
        assert_eq!(call.body, None);
    }

    #[test]
    fn bodies_nest_and_only_the_outer_call_is_returned() {
        let text =
            "{% outer(a=1) %}\nx {% inner() %}y{% end %}\n{{ leaf() }}\n{% end %}\n{{ after() }}";
        let pieces = calls(text);
        assert_eq!(pieces.len(), 2);
        let Piece::Call(outer) = &pieces[0] else {
            panic!()
        };
        assert_eq!(outer.name, "outer");
        let body = outer.body.clone().unwrap();
        assert_eq!(&text[body], "\nx {% inner() %}y{% end %}\n{{ leaf() }}\n");
        assert!(matches!(&pieces[1], Piece::Call(call) if call.name == "after"));
    }

    #[test]
    fn text_that_is_not_a_call_is_left_alone() {
        for text in [
            "{{ page.title }} and {% if x %} and {{}} and { and {{",
            "{{ 3(x=1) }}",
            "a {x} b",
        ] {
            assert_eq!(calls(text), [], "{text}");
        }
    }

    #[test]
    fn code_is_skipped_and_literals_are_kept() {
        let text = "`{{ a() }}` {{/* b(x=1) */}}";
        assert_eq!(
            scan(text, &[Range { start: 0, end: 11 }]).unwrap(),
            [Piece::Literal(12..text.len(), "{{ b(x=1) }}".to_string())]
        );
        // A backtick inside an argument that pairs with one after the call.
        let text = "{{ a(x=\"`\") }} and `";
        assert_eq!(
            scan(
                text,
                &[Range {
                    start: 8,
                    end: text.len()
                }]
            )
            .unwrap_err(),
            [(0, ShortcodeError::OverlapsCode)]
        );
    }

    #[test]
    fn bad_calls_are_errors_at_their_offset() {
        let cases: [(&str, usize, &str); 10] = [
            ("{{ a(x) }}", 6, "expected `=`"),
            ("{{ a(x=) }}", 7, "expected a quoted string"),
            ("{{ a(x=\"open) }}", 7, "closing quote"),
            ("{{ a(x=1 y=2) }}", 9, "expected `,` or `)`"),
            ("{{ a(x=1) %}", 10, "expected `}}`"),
            ("{{ a(x=12abc) }}", 9, "after the number"),
            ("{{ a(x=99999999999999999999) }}", 7, "out of range"),
            ("{{ a(x=yes) }}", 7, "expected a quoted string"),
            ("{{ a(x=1, x=2) }}", 10, "given twice"),
            ("{{ a(body=\"x\") }}", 0, "reserved"),
        ];
        for (text, offset, message) in cases {
            let found = errors(text);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            assert_eq!(found[0].0, offset, "{text}: {found:?}");
            assert!(
                found[0].1.to_string().contains(message),
                "{text}: {}",
                found[0].1
            );
        }
        assert_eq!(
            errors("{% a() %} x"),
            [(0, ShortcodeError::Unclosed("a".to_string()))]
        );
        assert_eq!(errors("x {% end %}"), [(2, ShortcodeError::StrayEnd)]);
        let deep = "{% a() %}".repeat(MAX_NESTING + 1);
        assert_eq!(errors(&deep).last().unwrap().1, ShortcodeError::TooDeep);
    }

    mod fuzz {
        use super::super::*;
        use proptest::prelude::*;
        use proptest::test_runner::Config;

        fn config() -> Config {
            crate::proptest_config::config(256)
        }

        /// Text made of the pieces calls are made of, in any order.
        fn call_like() -> impl Strategy<Value = String> {
            let piece = prop::sample::select(
                &[
                    "{{", "}}", "{%", "%}", "end", "note", "(", ")", "=", ",", "\"", "'", "\\",
                    "x", "1", "-", ".", "e", "true", " ", "\n", "/*", "*/", "é", "`",
                ][..],
            );
            prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
        }

        fn value() -> impl Strategy<Value = Value> {
            prop_oneof![
                "[ -~\\n\u{e9}]{0,12}".prop_map(Value::String),
                any::<i64>().prop_map(Value::Integer),
                (-1.0e6f64..1.0e6).prop_map(Value::Float),
                any::<bool>().prop_map(Value::Bool),
            ]
        }

        fn write(value: &Value) -> String {
            match value {
                Value::String(text) => {
                    let escaped = text
                        .replace('\\', "\\\\")
                        .replace('"', "\\\"")
                        .replace('\n', "\\n");
                    format!("\"{escaped}\"")
                }
                Value::Integer(n) => n.to_string(),
                Value::Float(n) => format!("{n:?}"),
                Value::Bool(b) => b.to_string(),
            }
        }

        proptest! {
            #![proptest_config(config())]

            /// Any text scans without panicking, and every offset reported
            /// lies inside it.
            #[test]
            fn fuzz_scan_never_panics(text in call_like()) {
                match scan(&text, &[]) {
                    Ok(pieces) => for piece in pieces {
                        prop_assert!(piece.range().end <= text.len());
                        prop_assert!(text.is_char_boundary(piece.range().start));
                    },
                    Err(problems) => for (offset, _) in problems {
                        prop_assert!(offset <= text.len());
                    },
                }
            }

            /// Text without braces has no calls.
            #[test]
            fn fuzz_text_without_braces_has_no_calls(text in "[^{]{0,200}") {
                prop_assert_eq!(scan(&text, &[]), Ok(Vec::new()));
            }

            /// A call written from arguments reads back as those arguments.
            #[test]
            fn fuzz_calls_read_back(args in prop::collection::vec(value(), 0..5)) {
                let named: Vec<(String, Value)> = args
                    .into_iter()
                    .enumerate()
                    .map(|(i, value)| (format!("a{i}"), value))
                    .collect();
                let written: Vec<String> = named
                    .iter()
                    .map(|(name, value)| format!("{name} = {}", write(value)))
                    .collect();
                let text = format!("x {{{{ sc({}) }}}} y", written.join(", "));
                let pieces = scan(&text, &[]).unwrap();
                prop_assert_eq!(pieces.len(), 1);
                let Piece::Call(call) = &pieces[0] else { panic!() };
                prop_assert_eq!(&call.args, &named);
            }
        }
    }
}
