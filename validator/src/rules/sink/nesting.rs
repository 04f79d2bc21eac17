//! How deeply a script nests, measured before it is parsed.
//!
//! The JavaScript parser descends once for every level of nesting: every
//! bracket, and also every construct that nests without one (`!!!x`,
//! `a = b = c`, `a ? b : c ? d : e`, `x => y => z`, `if (a) if (b) …`,
//! `else if` chains, labels, `new new X`). A hostile file of a few
//! hundred kilobytes can nest far deeper than any stack holds, and a stack
//! overflow aborts the process with no report. So before parsing, one
//! linear pass with a small lexer (strings, templates, comments and
//! regular expressions are skipped like the parser skips them) adds up an
//! upper estimate of that depth, and a script deeper than
//! [`MAX_NESTING`] is reported rather than parsed.
//!
//! The estimate counts, per open bracket, the nesting tokens seen since the
//! last point where the parser is sure to unwind: a comma ends an
//! expression, and a `;`, a line break where automatic semicolon insertion
//! applies or the end of a statement block ends a statement (unless
//! `else`, `catch`, `finally` or a `do … while` continues it). It counts
//! more than the parser descends, never less, for every construct the
//! lexer reads as the parser does; where the two could disagree (a `/`
//! after a word that is a keyword only in some contexts, `<!--` comments
//! that only classic scripts have) it errs towards counting.

/// The deepest nesting estimate the sink rules parse. Real code stays far
/// below (minified bundles reach a few dozen brackets and chains of a few
/// hundred `?:`), and the parser needs at most a few kilobytes of stack a
/// level, so this depth fits the scanning threads' stack many times over.
pub(super) const MAX_NESTING: u32 = 2_000;

/// A script nested deeper than the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TooDeep {
    /// Byte offset of the token that went past the limit.
    pub(super) offset: usize,
}

/// What an open bracket is, which decides how the tokens inside it count
/// and what its closing bracket ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A block of statements: the script itself, a function body, an
    /// `if` body, a class body. Closing one that is a statement ends the
    /// statement around it.
    Block {
        statement: bool,
    },
    /// An object literal: `:` separates keys from values, and words are
    /// property names rather than statements.
    Object,
    /// `(`, with what the parenthesis belongs to.
    Paren(Owner),
    Bracket,
    /// `${` inside a template literal.
    Substitution,
}

/// What a `(` belongs to, which decides what a `{` after its `)` opens
/// and whether a `/` after it starts a regular expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    /// The head of `if`, `while`, `for`, `with`, `switch` or `catch`: a
    /// statement follows.
    Head,
    /// A function's parameters; `true` when the function is an expression.
    Parameters { expression: bool },
    /// A group, a call's arguments or a method's parameters.
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Level {
    kind: Kind,
    /// Nesting tokens of the current expression (reset at `,`).
    expression: u32,
    /// Nesting tokens of the current statement (`if`, `else`, labels…).
    statement: u32,
    /// `?` waiting for their `:`.
    questions: u32,
    /// A `case` or `default` waiting for its `:`.
    case_label: bool,
    /// The last statement ended; the counts reset before the next token
    /// unless that token continues the statement (`else`, `catch`, …).
    ended: bool,
    /// A `function` keyword whose parameters are still to come, and
    /// whether it is an expression.
    function: Option<bool>,
    /// A `class` keyword whose body is still to come, and whether it is
    /// an expression.
    class: Option<bool>,
}

impl Level {
    fn new(kind: Kind, expression: u32) -> Level {
        Level {
            kind,
            expression,
            statement: 0,
            questions: 0,
            case_label: false,
            ended: false,
            function: None,
            class: None,
        }
    }

    fn weight(&self) -> u64 {
        1 + u64::from(self.expression) + u64::from(self.statement)
    }
}

/// The token before the current one, as far as the next token cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prev {
    /// Start of a statement: nothing, `;`, a block's `{` or `}`, a
    /// statement head's `)`, a label.
    StatementStart,
    /// Something that ends an operand: a name, a literal, `)`, `]`, an
    /// object's `}`. A `/` after it divides.
    Operand,
    /// An operator or a keyword that expects an operand next. A `/` after
    /// it starts a regular expression.
    Operator,
    /// `=>`.
    Arrow,
    /// A keyword that is followed by a statement block (`else`, `do`,
    /// `try`, `finally`, `catch` without a parameter, `static`).
    BlockKeyword,
    /// `.` or `?.`: the next word is a property name.
    Dot,
}

struct Scanner<'s> {
    bytes: &'s [u8],
    pos: usize,
    levels: Vec<Level>,
    /// Sum of the weights of `levels`.
    total: u64,
    limit: u64,
    prev: Prev,
    /// The `)` just read closed a `(` with this owner.
    closed: Option<Owner>,
    /// A line break since the previous token.
    newline: bool,
    /// The previous token was a keyword that starts a statement head
    /// (`if`, `for`, …), so a `(` now is that head.
    head_keyword: bool,
}

/// Checks that `source` nests no deeper than `limit` by the estimate
/// described in the module documentation.
pub(super) fn check(source: &str, limit: u32) -> Result<(), TooDeep> {
    let mut scanner = Scanner {
        bytes: source.as_bytes(),
        pos: 0,
        levels: vec![Level::new(Kind::Block { statement: true }, 0)],
        total: 1,
        limit: u64::from(limit),
        prev: Prev::StatementStart,
        closed: None,
        newline: false,
        head_keyword: false,
    };
    scanner.run()
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'$' | b'\\') || byte >= 0x80
}

impl Scanner<'_> {
    fn run(&mut self) -> Result<(), TooDeep> {
        while self.pos < self.bytes.len() {
            let byte = self.bytes[self.pos];
            match byte {
                b'\n' | b'\r' => {
                    self.newline = true;
                    self.pos += 1;
                }
                b' ' | b'\t' | 0x0B | 0x0C => self.pos += 1,
                // U+2028 and U+2029 end lines in JavaScript.
                0xE2 if self.bytes.get(self.pos + 1) == Some(&0x80)
                    && matches!(self.bytes.get(self.pos + 2), Some(0xA8 | 0xA9)) =>
                {
                    self.newline = true;
                    self.pos += 3;
                }
                b'/' if self.bytes.get(self.pos + 1) == Some(&b'/') => self.skip_line(),
                b'/' if self.bytes.get(self.pos + 1) == Some(&b'*') => self.skip_block_comment(),
                b'<' if self.bytes[self.pos..].starts_with(b"<!--") => self.ambiguous_comment()?,
                b'-' if self.newline && self.bytes[self.pos..].starts_with(b"-->") => {
                    self.ambiguous_comment()?
                }
                _ => self.token()?,
            }
        }
        Ok(())
    }

    fn top(&mut self) -> &mut Level {
        // The script's own level is never popped.
        let last = self.levels.len() - 1;
        &mut self.levels[last]
    }

    fn count(&mut self, offset: usize) -> Result<(), TooDeep> {
        if self.total > self.limit {
            Err(TooDeep { offset })
        } else {
            Ok(())
        }
    }

    /// Adds one nesting token to the current expression.
    fn nest_expression(&mut self, offset: usize) -> Result<(), TooDeep> {
        self.top().expression += 1;
        self.total += 1;
        self.count(offset)
    }

    /// Adds one nesting token to the current statement.
    fn nest_statement(&mut self, offset: usize) -> Result<(), TooDeep> {
        self.top().statement += 1;
        self.total += 1;
        self.count(offset)
    }

    fn reset_expression(&mut self) {
        let level = self.top();
        let dropped = u64::from(level.expression);
        level.expression = 0;
        level.questions = 0;
        self.total -= dropped;
    }

    fn reset_statement(&mut self) {
        self.reset_expression();
        let level = self.top();
        let dropped = u64::from(level.statement);
        level.statement = 0;
        level.case_label = false;
        level.ended = false;
        self.total -= dropped;
    }

    fn push(&mut self, kind: Kind, expression: u32, offset: usize) -> Result<(), TooDeep> {
        let level = Level::new(kind, expression);
        self.total += level.weight();
        self.levels.push(level);
        self.count(offset)
    }

    fn pop(&mut self) -> Option<Kind> {
        if self.levels.len() == 1 {
            return None;
        }
        let level = self.levels.pop()?;
        self.total -= level.weight();
        Some(level.kind)
    }

    /// Before a token: settles a statement that ended, unless the token
    /// continues it, and applies automatic semicolon insertion.
    fn before_token(&mut self, continues_statement: bool, starts_statement: bool) {
        let in_block = matches!(self.top().kind, Kind::Block { .. });
        if self.top().ended && !continues_statement {
            self.reset_statement();
        } else if self.top().ended {
            self.top().ended = false;
        }
        // A line break between an operand and a token that cannot
        // continue the expression ends the statement.
        if in_block
            && self.newline
            && self.prev == Prev::Operand
            && starts_statement
            && !continues_statement
        {
            self.reset_statement();
        }
        self.newline = false;
    }

    fn skip_line(&mut self) {
        while self.pos < self.bytes.len() && !matches!(self.bytes[self.pos], b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn skip_block_comment(&mut self) {
        let rest = &self.bytes[self.pos + 2..];
        let end =
            memchr::memmem::find(rest, b"*/").map_or(self.bytes.len(), |at| self.pos + 2 + at + 2);
        if memchr::memchr2(b'\n', b'\r', &self.bytes[self.pos..end]).is_some() {
            self.newline = true;
        }
        self.pos = end;
    }

    /// `<!--` anywhere and `-->` at the start of a line begin a comment in
    /// a classic script but are operators in a module. The rest of the
    /// line counts its opening brackets and ignores its closing ones,
    /// which over-counts under either reading.
    fn ambiguous_comment(&mut self) -> Result<(), TooDeep> {
        let start = self.pos;
        self.skip_line();
        for (at, byte) in self.bytes[start..self.pos].iter().enumerate() {
            let kind = match byte {
                b'(' => Kind::Paren(Owner::Other),
                b'[' => Kind::Bracket,
                b'{' => Kind::Object,
                _ => continue,
            };
            self.push(kind, 0, start + at)?;
        }
        Ok(())
    }

    fn token(&mut self) -> Result<(), TooDeep> {
        let start = self.pos;
        let byte = self.bytes[start];
        // A statement keyword's head is the `(` right after it, or none.
        let head = std::mem::take(&mut self.head_keyword);
        if is_word_byte(byte) && !byte.is_ascii_digit() {
            return self.word(start);
        }
        if byte.is_ascii_digit()
            || (byte == b'.' && self.bytes.get(start + 1).is_some_and(u8::is_ascii_digit))
        {
            self.before_token(false, true);
            self.skip_word();
            self.prev = Prev::Operand;
            return Ok(());
        }
        match byte {
            b'"' | b'\'' => {
                self.before_token(false, true);
                self.skip_string(byte);
                self.prev = Prev::Operand;
                Ok(())
            }
            b'`' => {
                self.before_token(false, true);
                self.pos += 1;
                self.template()
            }
            b'#' => {
                self.before_token(false, true);
                self.pos += 1;
                self.skip_word();
                self.prev = Prev::Operand;
                Ok(())
            }
            b'/' if self.prev != Prev::Operand => {
                self.before_token(false, true);
                self.skip_regex();
                self.prev = Prev::Operand;
                Ok(())
            }
            b'(' | b'[' | b'{' => self.open(byte, start, head),
            b')' | b']' | b'}' => self.close(byte),
            _ => self.punctuator(start),
        }
    }

    fn skip_word(&mut self) {
        while self.pos < self.bytes.len()
            && (is_word_byte(self.bytes[self.pos]) || self.bytes[self.pos] == b'.')
        {
            if self.bytes[self.pos] == b'\\' {
                self.pos += 1;
            }
            self.pos += 1;
        }
        self.pos = self.pos.min(self.bytes.len());
    }

    fn skip_string(&mut self, quote: u8) {
        self.pos += 1;
        while self.pos < self.bytes.len() {
            match self.bytes[self.pos] {
                b'\\' => self.pos += 2,
                b'\n' | b'\r' => return,
                byte if byte == quote => {
                    self.pos += 1;
                    return;
                }
                _ => self.pos += 1,
            }
        }
        self.pos = self.bytes.len();
    }

    /// A regular expression literal, from its opening `/`.
    fn skip_regex(&mut self) {
        self.pos += 1;
        let mut in_class = false;
        while self.pos < self.bytes.len() {
            match self.bytes[self.pos] {
                b'\\' => self.pos += 2,
                b'\n' | b'\r' => return,
                b'[' => {
                    in_class = true;
                    self.pos += 1;
                }
                b']' => {
                    in_class = false;
                    self.pos += 1;
                }
                b'/' if !in_class => {
                    self.pos += 1;
                    self.skip_word();
                    return;
                }
                _ => self.pos += 1,
            }
        }
        self.pos = self.bytes.len();
    }

    /// The text of a template literal after a backtick (or after the `}`
    /// of a substitution), up to its end or its next `${`.
    fn template(&mut self) -> Result<(), TooDeep> {
        while self.pos < self.bytes.len() {
            match self.bytes[self.pos] {
                b'\\' => self.pos += 2,
                b'`' => {
                    self.pos += 1;
                    self.prev = Prev::Operand;
                    return Ok(());
                }
                b'$' if self.bytes.get(self.pos + 1) == Some(&b'{') => {
                    let at = self.pos;
                    self.pos += 2;
                    self.prev = Prev::Operator;
                    // The template and its substitution are two levels.
                    return self.push(Kind::Substitution, 1, at);
                }
                _ => self.pos += 1,
            }
        }
        self.pos = self.bytes.len();
        self.prev = Prev::Operand;
        Ok(())
    }

    fn open(&mut self, byte: u8, start: usize, head: bool) -> Result<(), TooDeep> {
        let newline = self.newline;
        self.before_token(false, byte == b'{');
        self.pos += 1;
        let kind = match byte {
            b'(' => {
                let owner = if head {
                    Owner::Head
                } else if let Some(expression) = self.top().function.take() {
                    Owner::Parameters { expression }
                } else {
                    Owner::Other
                };
                Kind::Paren(owner)
            }
            b'[' => Kind::Bracket,
            _ => self.brace_kind(newline),
        };
        self.closed = None;
        self.prev = match kind {
            Kind::Block { .. } => Prev::StatementStart,
            _ => Prev::Operator,
        };
        self.push(kind, 0, start)
    }

    /// What a `{` opens, from the token before it.
    fn brace_kind(&mut self, newline: bool) -> Kind {
        if let Some(expression) = self.top().class.take() {
            return Kind::Block {
                statement: !expression,
            };
        }
        match (self.prev, self.closed) {
            (Prev::Arrow, _) => Kind::Block { statement: false },
            (Prev::StatementStart, Some(Owner::Head)) => Kind::Block { statement: true },
            (_, Some(Owner::Parameters { expression })) => Kind::Block {
                statement: !expression,
            },
            // A method body, in an object or a class.
            (_, Some(Owner::Other)) => Kind::Block { statement: false },
            (Prev::StatementStart | Prev::BlockKeyword, _) => Kind::Block { statement: true },
            (Prev::Operand, _) if newline => Kind::Block { statement: true },
            _ => Kind::Object,
        }
    }

    fn close(&mut self, byte: u8) -> Result<(), TooDeep> {
        self.pos += 1;
        self.newline = false;
        self.closed = None;
        self.prev = Prev::Operand;
        // A closing bracket closes the nearest bracket of its kind, and
        // with it any bracket left open inside; it never reaches past a
        // brace, which only `}` closes.
        let closes = |kind: Kind| match byte {
            b')' => matches!(kind, Kind::Paren(_)),
            b']' => kind == Kind::Bracket,
            _ => matches!(kind, Kind::Block { .. } | Kind::Object | Kind::Substitution),
        };
        let braces =
            |kind: Kind| matches!(kind, Kind::Block { .. } | Kind::Object | Kind::Substitution);
        let Some(depth) = self.levels[1..]
            .iter()
            .rposition(|level| closes(level.kind) || braces(level.kind))
            .map(|index| index + 1)
            .filter(|&index| closes(self.levels[index].kind))
        else {
            // Nothing for it to close: the parser stops at such a closer.
            return Ok(());
        };
        while self.levels.len() > depth + 1 {
            self.pop();
        }
        match self.pop() {
            Some(Kind::Substitution) => return self.template(),
            Some(Kind::Paren(owner)) => {
                self.closed = Some(owner);
                if owner == Owner::Head {
                    self.prev = Prev::StatementStart;
                }
            }
            Some(Kind::Block { statement: true }) => {
                // The statement this block belonged to is over, unless an
                // `else`, `catch`, `finally` or `while` follows.
                self.top().ended = true;
                self.prev = Prev::StatementStart;
            }
            _ => {}
        }
        Ok(())
    }

    fn word(&mut self, start: usize) -> Result<(), TooDeep> {
        self.skip_word_only();
        let word = &self.bytes[start..self.pos];
        if self.prev == Prev::Dot {
            self.before_token(false, false);
            self.prev = Prev::Operand;
            self.closed = None;
            return Ok(());
        }
        let continues = matches!(word, b"else" | b"catch" | b"finally" | b"while");
        let operator_word = matches!(word, b"in" | b"instanceof" | b"of");
        self.before_token(continues, !operator_word);
        self.closed = None;
        let in_object = self.top().kind == Kind::Object;
        let expression_position = self.prev != Prev::Operand;
        self.prev = Prev::Operator;
        match word {
            b"typeof" | b"void" | b"delete" | b"await" | b"yield" | b"new" | b"extends" => {
                self.nest_expression(start)?;
            }
            b"in" | b"instanceof" | b"of" | b"return" | b"throw" => {}
            b"case" | b"default" if !in_object => {
                // A clause of a `switch` starts afresh.
                if matches!(self.top().kind, Kind::Block { .. }) {
                    self.reset_statement();
                }
                self.top().case_label = true;
            }
            b"if" | b"for" | b"while" | b"with" | b"switch" if !in_object => {
                self.head_keyword = true;
                self.nest_statement(start)?;
            }
            b"catch" if !in_object => {
                self.head_keyword = true;
                self.prev = Prev::BlockKeyword;
            }
            // `else` adds no level of its own: the statement after it
            // counts for itself.
            b"else" if !in_object => self.prev = Prev::BlockKeyword,
            b"do" | b"try" | b"finally" if !in_object => {
                self.nest_statement(start)?;
                self.prev = Prev::BlockKeyword;
            }
            b"static" if !in_object => self.prev = Prev::BlockKeyword,
            b"function" => {
                self.top().function = Some(expression_position);
                self.nest_expression(start)?;
            }
            b"class" => {
                self.top().class = Some(expression_position);
                self.nest_expression(start)?;
            }
            _ => self.prev = Prev::Operand,
        }
        Ok(())
    }

    fn skip_word_only(&mut self) {
        while self.pos < self.bytes.len() && is_word_byte(self.bytes[self.pos]) {
            if self.bytes[self.pos] == b'\\' {
                self.pos += 1;
            }
            self.pos += 1;
        }
        self.pos = self.pos.min(self.bytes.len());
    }

    fn punctuator(&mut self, start: usize) -> Result<(), TooDeep> {
        let rest = &self.bytes[start..];
        let operand_before = self.prev == Prev::Operand;
        // `++` and `--` after a line break start a new statement.
        let update = rest.starts_with(b"++") || rest.starts_with(b"--");
        self.before_token(false, update);
        self.closed = None;
        let (len, prev) = match rest {
            [b';', ..] => {
                self.pos += 1;
                self.reset_expression();
                self.top().ended = true;
                self.prev = Prev::StatementStart;
                return Ok(());
            }
            [b',', ..] => {
                self.pos += 1;
                self.reset_expression();
                self.prev = Prev::Operator;
                return Ok(());
            }
            [b'=', b'>', ..] => {
                self.nest_expression(start)?;
                (2, Prev::Arrow)
            }
            [b'?', b'.', next, ..] if !next.is_ascii_digit() => (2, Prev::Dot),
            [b'?', b'?', b'=', ..] => {
                self.nest_expression(start)?;
                (3, Prev::Operator)
            }
            [b'?', b'?', ..] => (2, Prev::Operator),
            [b'?', ..] => {
                self.top().questions += 1;
                self.nest_expression(start)?;
                (1, Prev::Operator)
            }
            [b':', ..] => {
                let level = self.top();
                if level.questions > 0 {
                    level.questions -= 1;
                } else if level.case_label {
                    level.case_label = false;
                } else if matches!(level.kind, Kind::Block { .. }) {
                    // A label: the statement after it nests.
                    self.nest_statement(start)?;
                    self.pos += 1;
                    self.prev = Prev::StatementStart;
                    return Ok(());
                }
                (1, Prev::Operator)
            }
            [b'.', b'.', b'.', ..] => {
                self.nest_expression(start)?;
                (3, Prev::Operator)
            }
            [b'.', ..] => (1, Prev::Dot),
            [b'*', b'*', b'=', ..] => {
                self.nest_expression(start)?;
                (3, Prev::Operator)
            }
            [b'*', b'*', ..] => {
                self.nest_expression(start)?;
                (2, Prev::Operator)
            }
            [b'+', b'+', ..] | [b'-', b'-', ..] => {
                if operand_before {
                    // Postfix: the operand is complete.
                    (2, Prev::Operand)
                } else {
                    self.nest_expression(start)?;
                    (2, Prev::Operator)
                }
            }
            [b'!', b'=', ..] => (1, Prev::Operator),
            [b'!', ..] | [b'~', ..] => {
                self.nest_expression(start)?;
                (1, Prev::Operator)
            }
            [b'+' | b'-', b'=', ..] => {
                self.nest_expression(start)?;
                (2, Prev::Operator)
            }
            [b'+' | b'-', ..] => {
                if !operand_before {
                    self.nest_expression(start)?;
                }
                (1, Prev::Operator)
            }
            [b'=', b'=', ..] => (2, Prev::Operator),
            [b'=', ..] => {
                self.nest_expression(start)?;
                (1, Prev::Operator)
            }
            [b'<' | b'>' | b'&' | b'|' | b'^' | b'%' | b'*' | b'/', ..] => {
                // `a <<= b`, `a &&= b`, `a /= b` and friends assign, and
                // nest like `=`.
                let run = rest
                    .iter()
                    .take(4)
                    .take_while(|b| {
                        matches!(b, b'<' | b'>' | b'&' | b'|' | b'^' | b'%' | b'*' | b'/')
                    })
                    .count();
                if rest.get(run) == Some(&b'=') && rest.get(run + 1) != Some(&b'=') {
                    self.nest_expression(start)?;
                    (run + 1, Prev::Operator)
                } else {
                    (run.max(1), Prev::Operator)
                }
            }
            [b'@', ..] => (1, Prev::Operator),
            _ => {
                // Any other byte (a stray character, part of a multi-byte
                // character the lexer does not know): step over it.
                (1, Prev::Operator)
            }
        };
        self.pos = (start + len).min(self.bytes.len());
        self.prev = prev;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_ok(source: &str, limit: u32) -> bool {
        check(source, limit).is_ok()
    }

    #[test]
    fn brackets_and_chains_count() {
        let deep = format!("x = {}1{};", "[".repeat(50), "]".repeat(50));
        assert!(depth_ok(&deep, 60));
        assert!(!depth_ok(&deep, 40));
        for shape in [
            "!".repeat(100) + "x",
            "a=".repeat(100) + "1",
            "a?b:".repeat(100) + "c",
            "a=>".repeat(100) + "1",
            "if(a)".repeat(100) + "x;",
            "if(a)x;else ".repeat(100) + "x;",
            "l:".repeat(100) + "x;",
            "new ".repeat(100) + "X",
            "typeof ".repeat(100) + "x",
            "- ".repeat(100) + "x",
            "--".repeat(100) + "x",
            "1".to_string() + &"**1".repeat(100),
            "`${".repeat(50) + &"}`".repeat(50),
            "function f(){".repeat(100) + &"}".repeat(100),
            "class A extends ".repeat(100) + "B {}",
            "do ".repeat(100) + "x; while(1)",
        ] {
            assert!(!depth_ok(&shape, 45), "{shape:.40}");
        }
    }

    #[test]
    fn statements_and_expressions_that_end_do_not_add_up() {
        let statements = "a = b = 1;\n".repeat(5_000);
        assert!(depth_ok(&statements, 10));
        let no_semicolons = "const a = b = 1\nif (a) { x = 1 }\n".repeat(5_000);
        assert!(depth_ok(&no_semicolons, 10));
        let list = format!("f({});", "a = 1, ".repeat(5_000));
        assert!(depth_ok(&list, 10));
        let object = format!("x = {{{}}};", "a: !b, if: 1, ".repeat(5_000));
        assert!(depth_ok(&object, 10));
        let ifs = "if (a) { b() } else { c() }\n".repeat(5_000);
        assert!(depth_ok(&ifs, 10));
        let concatenation = format!("x = 'a'{};", " + 'b'".repeat(5_000));
        assert!(depth_ok(&concatenation, 10));
        let switch = format!("switch (x) {{ {} }}", "case 1: case 2: f(); ".repeat(5_000));
        assert!(depth_ok(&switch, 10));
        let functions = "x = function () { return 1 }\nfunction g() { return 2 }\n".repeat(5_000);
        assert!(depth_ok(&functions, 10));
    }

    #[test]
    fn strings_comments_and_regexes_hide_brackets() {
        let hidden = "'((((' + \"[[[[\" + `{{{{` + /((((/ // ((((\n/* [[[[ */ x";
        assert!(depth_ok(hidden, 3));
        // A division is not a regular expression: what follows counts.
        assert!(!depth_ok("a / ((((((b)))))) / c", 5));
        // After a statement head, `/` starts a regular expression.
        assert!(depth_ok("if (x) /((((((/.test(y)", 4));
        // Substitutions are code.
        assert!(!depth_ok("`${((((((1))))))}`", 5));
    }

    #[test]
    fn closers_in_classic_only_comments_do_not_unwind() {
        let hiding = "[[[[ <!-- ]]]]\n".repeat(10);
        assert!(!depth_ok(&hiding, 30));
    }
}
