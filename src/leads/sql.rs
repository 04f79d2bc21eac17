//! SQL text built from checked values.
//!
//! `wrangler d1 execute --command` takes SQL text and offers no parameter
//! binding, so values have to be written into the text. This module is the
//! one place that does it. A value becomes a [`Literal`]: a single-quoted
//! SQLite string with every `'` doubled, built only from text without
//! control characters (no NUL can cut a statement short) or invisible
//! formatting characters.
//!
//! Before SQLite sees the text, wrangler splits it into statements
//! locally. Its splitter reads a `'` literal as SQLite does (the literal
//! runs to the next `'`, and a doubled quote closes and reopens it), so a
//! literal with its quotes doubled stays one piece for both. But wrangler
//! first deletes the first `BEGIN TRANSACTION;` and `COMMIT;` anywhere in
//! the text, inside literals too, and refuses text that still contains
//! `BEGIN TRANSACTION`; a literal holding either would be stored altered or
//! fail the command, so such text is refused here.
//!
//! Statements are written with `format!` from constant SQL (which holds no
//! quote, comment, `$`, `BEGIN` or `CASE` of its own outside literals) and
//! `Literal` values only; nothing an operator types is pasted in any other
//! way.

use std::fmt;

/// Why text cannot be written as an SQL literal. The text itself is never
/// repeated, as it may be personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LiteralError {
    /// The text holds a control character (NUL, a line break, tab, ...).
    #[error("it contains a control character")]
    Control,
    /// The text holds an invisible direction or formatting character that
    /// would make the recorded text read differently from what it is.
    #[error("it contains an invisible formatting character")]
    Invisible,
    /// The text holds `BEGIN TRANSACTION` or `COMMIT;`, which wrangler
    /// strips from SQL text before running it.
    #[error("it contains BEGIN TRANSACTION or COMMIT;, which wrangler removes from SQL text")]
    TransactionKeyword,
}

/// Text wrangler deletes from (or refuses in) any SQL it runs, wherever it
/// appears. Compared ignoring ASCII case, to stay clear of it.
const WRANGLER_STRIPPED: [&str; 2] = ["begin transaction", "commit;"];

/// A checked, quoted SQLite string literal, ready to be written into a
/// statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal(String);

impl Literal {
    /// Quotes `value`, or refuses it when it holds characters that have no
    /// place in a stored field.
    pub fn new(value: &str) -> Result<Self, LiteralError> {
        check_text(value)?;
        let mut quoted = String::with_capacity(value.len() + 2);
        quoted.push('\'');
        for c in value.chars() {
            if c == '\'' {
                quoted.push('\'');
            }
            quoted.push(c);
        }
        quoted.push('\'');
        Ok(Self(quoted))
    }

    /// The literal as it appears in SQL, quotes included.
    pub fn as_sql(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks that `value` holds no control character, no invisible formatting
/// character and nothing wrangler would strip. Shared with the argument
/// checks, which refuse the same text before any SQL is built.
pub fn check_text(value: &str) -> Result<(), LiteralError> {
    for c in value.chars() {
        if c.is_control() {
            return Err(LiteralError::Control);
        }
        if is_invisible_format(c) {
            return Err(LiteralError::Invisible);
        }
    }
    let lower = value.to_ascii_lowercase();
    if WRANGLER_STRIPPED
        .iter()
        .any(|keyword| lower.contains(keyword))
    {
        return Err(LiteralError::TransactionKeyword);
    }
    Ok(())
}

/// Characters that change how text is displayed without being visible:
/// bidirectional overrides and isolates, zero-width characters, the byte
/// order mark and the soft hyphen. In an audit record they could make a
/// reason read as something it is not.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// Several statements, run by wrangler as one D1 batch. D1 runs a batch as
/// a single transaction: either every statement takes effect or none does,
/// which is what ties each read of personal data to its `lead_events` row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    statements: Vec<String>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a statement; returns its index, under which its result rows
    /// come back.
    pub fn push(&mut self, statement: String) -> usize {
        debug_assert!(!statement.trim_end().ends_with(';'));
        self.statements.push(statement);
        self.statements.len() - 1
    }

    /// How many statements the batch holds.
    pub fn len(&self) -> usize {
        self.statements.len()
    }

    /// Whether the batch holds no statement.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// The statements, in order.
    pub fn statements(&self) -> &[String] {
        &self.statements
    }

    /// The batch as one SQL text, statements separated by `;` and a line
    /// break, as `--command` takes it.
    pub fn to_sql(&self) -> String {
        self.statements.join(";\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reads a literal back the way SQLite does: the text between the outer
    /// quotes with every `''` taken as one `'`. Returns `None` when the text
    /// is not exactly one literal (a quote ends it early).
    fn unquote(sql: &str) -> Option<String> {
        let inner = sql.strip_prefix('\'')?.strip_suffix('\'')?;
        let mut value = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\'' && chars.next() != Some('\'') {
                return None;
            }
            value.push(c);
        }
        Some(value)
    }

    #[test]
    fn doubles_quotes() {
        let cases = [
            ("", "''"),
            ("plain", "'plain'"),
            ("o'brien@customer.example", "'o''brien@customer.example'"),
            ("'", "''''"),
            ("x'); DROP TABLE leads; --", "'x''); DROP TABLE leads; --'"),
            ("back\\slash", "'back\\slash'"),
        ];
        for (value, expected) in cases {
            assert_eq!(
                Literal::new(value).map(|l| l.to_string()),
                Ok(expected.into())
            );
        }
    }

    #[test]
    fn refuses_control_and_invisible_characters() {
        for value in [
            "a\0b",
            "line\nbreak",
            "cr\r",
            "tab\t",
            "del\u{7f}",
            "c1\u{85}",
        ] {
            assert_eq!(Literal::new(value), Err(LiteralError::Control), "{value:?}");
        }
        for value in [
            "rtl\u{202E}txt",
            "zero\u{200B}width",
            "\u{FEFF}bom",
            "iso\u{2066}late",
        ] {
            assert_eq!(
                Literal::new(value),
                Err(LiteralError::Invisible),
                "{value:?}"
            );
        }
    }

    #[test]
    fn refuses_what_wrangler_would_strip() {
        for value in [
            "x BEGIN TRANSACTION; y",
            "begin  transaction",
            "done; COMMIT; now",
            "Commit;",
        ] {
            let expected = if value.contains("  ") {
                Ok(())
            } else {
                Err(LiteralError::TransactionKeyword)
            };
            assert_eq!(check_text(value), expected, "{value:?}");
        }
        assert_eq!(check_text("commit to it"), Ok(()));
    }

    #[test]
    fn a_batch_ends_every_statement() {
        let mut batch = Batch::new();
        assert!(batch.is_empty());
        assert_eq!(batch.push("SELECT 1".into()), 0);
        assert_eq!(batch.push("SELECT 2".into()), 1);
        assert_eq!(batch.len(), 2);
        assert_eq!(batch.to_sql(), "SELECT 1;\nSELECT 2");
    }

    proptest! {
        #[test]
        fn every_accepted_value_reads_back_unchanged(value in "\\PC{0,60}") {
            if let Ok(literal) = Literal::new(&value) {
                prop_assert_eq!(unquote(literal.as_sql()), Some(value));
            }
        }

        #[test]
        fn quotes_never_end_a_literal_early(value in "['a;\\-/*$`\"\\\\]{0,30}") {
            let literal = Literal::new(&value).expect("no control characters");
            prop_assert_eq!(unquote(literal.as_sql()), Some(value));
        }

        #[test]
        fn refused_values_hold_a_refused_character(value in any::<String>()) {
            let lower = value.to_ascii_lowercase();
            let refused = value.chars().any(|c| c.is_control() || is_invisible_format(c))
                || lower.contains("begin transaction")
                || lower.contains("commit;");
            prop_assert_eq!(Literal::new(&value).is_err(), refused);
        }
    }
}

/// A model of how wrangler 4 splits `--command` text into statements
/// before running them locally (`splitSqlQuery` in its `d1/splitter.ts`),
/// so tests can check that every batch this tool builds comes apart into
/// exactly the statements it was built from, whatever the values hold.
#[cfg(test)]
pub(crate) fn wrangler_split(sql: &str) -> Vec<String> {
    let trimmed = sql.trim_end();
    match trimmed.find(';') {
        Some(at) if at != trimmed.len() - 1 => {}
        _ => return vec![sql.to_owned()],
    }
    let starts_compound = |s: &str| {
        let lower = s.to_ascii_lowercase();
        ["begin", "case"].iter().any(|word| {
            lower.len() > word.len() + 1 && {
                let body = &lower[..lower.len() - 1];
                body.ends_with(word)
                    && lower.ends_with(|c: char| c.is_whitespace())
                    && body[..body.len() - word.len()].ends_with(|c: char| c.is_whitespace())
            }
        })
    };
    let ends_compound = |s: &str| {
        s.len() > 4
            && s.ends_with([';', ' ', '\n', '\t', '\r'])
            && s[..s.len() - 1].ends_with("END")
            && s[..s.len() - 4].ends_with(char::is_whitespace)
    };
    let chars: Vec<char> = sql.chars().collect();
    // Consumes from `at` until the consumed text ends with `marker`.
    let consume_until = |at: &mut usize, marker: &str| {
        let mut taken = String::new();
        while *at < chars.len() {
            taken.push(chars[*at]);
            *at += 1;
            if taken.ends_with(marker) {
                break;
            }
        }
        taken
    };
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut compound = 0usize;
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        at += 1;
        if compound > 0 && ends_compound(&format!("{current}{c}")) {
            compound -= 1;
        }
        match c {
            '\'' | '"' | '`' => {
                current.push(c);
                current.push_str(&consume_until(&mut at, &c.to_string()));
            }
            '$' => {
                let mut quote = String::from("$");
                while at < chars.len() {
                    let next = chars[at];
                    at += 1;
                    quote.push(next);
                    let identifier = next != '$'
                        && (next.is_ascii_digit()
                            || next == '_'
                            || next.to_lowercase().ne(next.to_uppercase()));
                    if !identifier {
                        break;
                    }
                }
                current.push_str(&quote);
                if quote.ends_with('$') && quote.len() > 1 {
                    current.push_str(&consume_until(&mut at, &quote));
                }
            }
            '-' | '/' if at < chars.len() && chars[at] == if c == '-' { '-' } else { '*' } => {
                at += 1;
                if c == '-' {
                    consume_until(&mut at, "\n");
                    current.push('\n');
                } else {
                    consume_until(&mut at, "*/");
                }
            }
            ';' if compound == 0 => {
                statements.push(std::mem::take(&mut current));
            }
            _ => current.push(c),
        }
        if starts_compound(&current) {
            compound += 1;
        }
    }
    statements.push(current);
    statements
        .into_iter()
        .map(|statement| statement.trim().to_owned())
        .filter(|statement| !statement.is_empty())
        .collect()
}

#[cfg(test)]
mod splitter_model_tests {
    use super::wrangler_split;

    #[test]
    fn the_model_splits_as_wrangler_does() {
        assert_eq!(wrangler_split("SELECT 1"), ["SELECT 1"]);
        assert_eq!(
            wrangler_split("SELECT 1;\nSELECT 2;"),
            ["SELECT 1", "SELECT 2"]
        );
        assert_eq!(
            wrangler_split("SELECT 'a;b';SELECT 'it''s; x';"),
            ["SELECT 'a;b'", "SELECT 'it''s; x'"]
        );
        assert_eq!(
            wrangler_split("SELECT 1; -- c;\nSELECT /* ; */ 2;"),
            ["SELECT 1", "SELECT  2"]
        );
        assert_eq!(
            wrangler_split(
                "CREATE TRIGGER t BEFORE UPDATE ON x\nBEGIN\n SELECT 1;\nEND;\nSELECT 2;"
            ),
            [
                "CREATE TRIGGER t BEFORE UPDATE ON x\nBEGIN\n SELECT 1;\nEND",
                "SELECT 2"
            ]
        );
        // A quote left open by a value would swallow the rest: this is
        // what doubling prevents.
        assert_eq!(
            wrangler_split("SELECT 'x';DROP TABLE y;'"),
            ["SELECT 'x'", "DROP TABLE y", "'"]
        );
    }
}
