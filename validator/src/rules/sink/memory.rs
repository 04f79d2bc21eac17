//! How much memory parsing a script may take, bounded before it is parsed.
//!
//! A syntax tree is many times larger than its source: every token becomes
//! one or more nodes of tens of bytes, so a few megabytes of dense code
//! (`a(b,c);a(b,c);…`) parse into hundreds of megabytes. No tree fits in a
//! small multiple of its source, so the bound is a constant instead: one
//! linear pass counts the places where a token may start, which bounds how
//! many tokens, and so how many bytes of tree, the parser can make. A
//! script whose bound exceeds [`MAX_SCRIPT_MEMORY`] is not parsed (the
//! error `sink/too-large`), and the scripts parsed at once on all threads
//! together stay within it ([`SCRIPT_MEMORY`]).

use crate::budget::Budget;

/// The memory the syntax trees of all the scripts being parsed at once may
/// take together, and so the most one script may need. Minified code has
/// a token every two to five bytes, so this admits a few megabytes of it
/// in one file; a larger script is refused rather than parsed.
pub const MAX_SCRIPT_MEMORY: u64 = 256 * 1024 * 1024;

/// Bytes of tree one token may cost at most in the parser's arena.
/// Measured on oxc's tree for the densest constructs (calls, shorthand
/// properties, accessors, classes, escaped strings): none reaches 90.
const ARENA_BYTES_PER_LEXEME: u64 = 96;

/// Bytes one token may cost on the heap besides the arena: a syntax error
/// reported at every few tokens (`'\01';` repeated, in a module) and the
/// walk's records of declared names.
const HEAP_BYTES_PER_LEXEME: u64 = 64;

/// Bytes of tree one source byte may cost besides its tokens: the parser
/// copies a string or template with escapes into the arena, once cooked and
/// once raw.
const ARENA_BYTES_PER_SOURCE_BYTE: u64 = 2;

/// Bytes every parse takes whatever its size: the program node and the
/// arena's first chunk.
const BYTES_PER_PARSE: u64 = 64 * 1024;

/// The parses running now, across every check in this process.
pub(super) static SCRIPT_MEMORY: Budget = Budget::new(MAX_SCRIPT_MEMORY);

/// Upper bounds of the memory parsing and walking a script takes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bound {
    /// The parser's arena, which is given exactly this capacity.
    pub(super) arena: usize,
    /// Everything else: diagnostics and the walk's own records.
    heap: u64,
}

impl Bound {
    pub(super) fn total(self) -> u64 {
        (self.arena as u64).saturating_add(self.heap)
    }
}

/// Bounds the memory parsing and walking `source` takes.
pub(super) fn bound(source: &str) -> Bound {
    let lexemes = lexemes(source);
    let arena = lexemes
        .saturating_mul(ARENA_BYTES_PER_LEXEME)
        .saturating_add((source.len() as u64).saturating_mul(ARENA_BYTES_PER_SOURCE_BYTE))
        .saturating_add(BYTES_PER_PARSE);
    Bound {
        arena: usize::try_from(arena).unwrap_or(usize::MAX),
        heap: lexemes.saturating_mul(HEAP_BYTES_PER_LEXEME),
    }
}

/// Counts the places where a token may start in `source`: every run of
/// ASCII word characters, and every other byte that is not ASCII white
/// space. It never counts fewer than the parser's tokens, whatever the
/// source means: a token is a word, or starts with a byte that is neither
/// a word character nor white space; non-ASCII bytes (which include the
/// line and paragraph separators that end statements) each count alone.
pub(super) fn lexemes(source: &str) -> u64 {
    let mut count = 0u64;
    let mut in_word = false;
    for &byte in source.as_bytes() {
        let word = byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'$';
        if word {
            if !in_word {
                count += 1;
            }
        } else if !matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            count += 1;
        }
        in_word = word;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::{ARENA_BYTES_PER_LEXEME, bound, lexemes};
    use crate::rules::sink::JsKind;
    use proptest::prelude::*;

    /// Dense constructs, each the most tree per token of its kind.
    const DENSE: &[&str] = &[
        "a(b,c);",
        "eval(a);",
        ";",
        "[,,,,,,,,,,,]",
        "x={a,b,c,d,e,f};",
        "a=>a,",
        "(a,b)=>{},",
        "function f(){}",
        "class A{a(){}b(){}}",
        "`${a}${b}${c}`;",
        "'\\01';",
        "a.b.c.d.e;",
        "new A;",
        "a?b:c;",
        "[a,b]=[c,d];",
        "({get a(){},set a(v){}});",
        "let {a,b:{c}}=d;",
        "a\u{2028}",
        "label:a;",
        "import('x');",
        "a?.b?.(c);",
        "var a,b,c,d;",
        "((a));",
        "a=b=c;",
        "@d class A{}",
        "(a=1)=>a,",
        "x='\\n0123456789abcdef';",
    ];

    fn tree_bytes(source: &str, kind: JsKind) -> usize {
        let mut allocator = oxc_allocator::Allocator::default();
        let _ = super::super::analyze_in(&mut allocator, source, kind);
        allocator.used_bytes()
    }

    #[test]
    fn the_bound_holds_for_the_densest_constructs() {
        let mut densest = 0u64;
        for snippet in DENSE {
            let source = snippet.repeat(40_000 / snippet.len() + 1);
            for kind in [JsKind::Module, JsKind::Script] {
                let used = tree_bytes(&source, kind) as u64;
                assert!(
                    used <= bound(&source).arena as u64,
                    "{snippet:?} ({kind:?}): {used} bytes of tree, bound {:?}",
                    bound(&source)
                );
                densest = densest.max(used / lexemes(&source));
            }
        }
        // The bound is not much looser than the densest code needs: a
        // looser one would refuse real scripts for nothing.
        assert!(
            densest * 2 >= ARENA_BYTES_PER_LEXEME,
            "densest {densest} bytes a token"
        );
    }

    #[test]
    fn words_and_punctuation_count_once_and_white_space_not_at_all() {
        assert_eq!(lexemes(""), 0);
        assert_eq!(lexemes("  \n\t"), 0);
        assert_eq!(lexemes("let answer = 42;"), 5);
        assert_eq!(lexemes("a\u{2028}b"), 5);
        assert_eq!(lexemes("'\\01'"), 4);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Any mix of dense constructs stays within the bound, whether it
        /// parses or not.
        #[test]
        fn mixed_dense_code_stays_within_the_bound(
            pieces in proptest::collection::vec(0..DENSE.len(), 1..400),
            module in any::<bool>(),
        ) {
            let source: String = pieces.iter().map(|&index| DENSE[index]).collect();
            let kind = if module { JsKind::Module } else { JsKind::Script };
            let used = tree_bytes(&source, kind) as u64;
            prop_assert!(used <= bound(&source).arena as u64, "{used} > {:?}", bound(&source));
        }

        /// The count never panics and never exceeds the number of bytes.
        #[test]
        fn counting_is_total(source in ".{0,200}") {
            prop_assert!(lexemes(&source) <= source.len() as u64);
        }
    }
}
