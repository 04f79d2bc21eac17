//! `sink`: dangerous DOM and code-execution sinks in JavaScript.
//!
//! Scripts are parsed with oxc into a real syntax tree, so a sink hidden
//! behind a computed member (`el['inner' + 'HTML']`), an alias
//! (`const d = document; d.write(x)`) or a global object
//! (`globalThis['ev' + 'al']`) is still seen. A write whose value is a
//! constant (a string literal, a template without expressions, a number, a
//! string bound with `const`) is not an error: constants cannot carry
//! attacker data. A constant `javascript:` URL is the exception, because it
//! runs script by itself.
//!
//! Parsing reuses one arena allocator per thread, so scanning every script
//! of a large bundle allocates almost nothing after warm-up.
//!
//! The parser and the tree walk recurse once per level of nesting, so no
//! input may nest without bound: a lexical pass (`nesting`) rejects
//! scripts nested deeper than the parser can follow, the walk stops at a
//! depth bound of its own, and both run on a thread whose stack is known
//! to hold that depth (the `stack` module). A script beyond either bound is
//! the error `sink/too-deep`, never a crash. Memory is bounded the same
//! way: a lexical count bounds the size of the tree before parsing, a
//! script over the bound is the error `sink/too-large`, and the parses on
//! all threads share one budget (the `memory` module).
//!
//! | rule | catches |
//! |---|---|
//! | `sink/inner-html` | writes to `innerHTML`/`outerHTML` (assignment, `+=`, `??=`, `Reflect.set`, `Object.assign`) |
//! | `sink/document-write` | `document.write`/`writeln`, also through `window.document` and aliases |
//! | `sink/insert-adjacent-html` | `insertAdjacentHTML(position, html)` |
//! | `sink/create-contextual-fragment` | `Range.createContextualFragment(html)` |
//! | `sink/set-html-unsafe` | `Element.setHTMLUnsafe(html)` |
//! | `sink/parse-html-unsafe` | `Document.parseHTMLUnsafe(html)` |
//! | `sink/dom-parser` | `DOMParser.parseFromString(html, type)` |
//! | `sink/srcdoc` | `iframe.srcdoc` writes and `setAttribute('srcdoc', …)` |
//! | `sink/exec-command-html` | `execCommand('insertHTML', …, html)` |
//! | `sink/eval` | `eval`, `window.eval`, `(0, eval)`, `globalThis['ev' + 'al']`, `eval.call` |
//! | `sink/function-constructor` | `Function(…)`, `new Function(…)`, `fn.constructor(…)`, `Reflect.construct(Function, …)` |
//! | `sink/string-timer` | `setTimeout`/`setInterval` given a string instead of a function |
//! | `sink/set-attribute-handler` | `setAttribute('on…', …)`: an inline event handler |
//! | `sink/javascript-url` | a `javascript:` URL sent to `location`, `.href`, `.src`, `.action`, `location.assign`/`replace`, `window.open` or `setAttribute` |
//! | `sink/parse-error` | (warning) the script does not parse, so it was only partly checked |
//! | `sink/too-deep` | the script nests deeper than the parser can follow safely, so it was not checked |
//! | `sink/too-large` | the script's syntax tree could take more memory than one script may (`memory`), so it was not checked |
//!
//! Code-evaluating sinks given a constant string are warnings rather than
//! errors: no outside data reaches them, but the CSP blocks them at run time.

mod memory;
mod nesting;
mod resolve;
mod visitor;

#[cfg(test)]
mod tests;

use crate::rule::{Category, Rule};
use std::cell::RefCell;

use oxc_allocator::Allocator;
use oxc_ast_visit::Visit;
use oxc_parser::{Parser, ParserReturn};
use oxc_span::SourceType;

use crate::{Detection, Severity};

pub use memory::MAX_SCRIPT_MEMORY;

/// How a piece of JavaScript is meant to be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsKind {
    /// A classic script.
    Script,
    /// An ES module.
    Module,
    /// Unknown: try module first, then script.
    Unknown,
}

/// A constant URL given to something that loads code: `import()`, static
/// `import`/`export … from`, `new Worker`, `new SharedWorker`,
/// `importScripts` and `navigator.serviceWorker.register`. Constant means
/// a string literal, a template without substitutions, or anything that
/// folds to one (`'https://' + 'cdn.example/x.js'`, a `const` string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiteralUrl {
    /// The URL the expression evaluates to, with escapes decoded.
    pub url: String,
    /// Byte range of the expression (quotes included) in the scanned source.
    pub start: usize,
    pub end: usize,
}

/// Everything one parse of a script yields: its sink detections, the
/// constant URLs it loads resources from, and the constant URLs it
/// navigates, frames or submits to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsAnalysis {
    pub detections: Vec<Detection>,
    /// Detections of rules that reported more than
    /// the per-rule cap on findings in one file (100), counted past that.
    pub omitted: Vec<OmittedDetections>,
    pub literal_urls: Vec<LiteralUrl>,
    /// Constant URLs written to `location` (or passed to `assign`,
    /// `replace` or `window.open`) and to `href`, `src`, `action`,
    /// `formAction` and `data` by property or `setAttribute`: the script's
    /// counterpart of a link.
    pub navigations: Vec<LiteralUrl>,
}

/// Detections of one rule that were counted, not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmittedDetections {
    pub rule: &'static str,
    /// The most severe of them.
    pub severity: Severity,
    pub help: &'static str,
    pub count: usize,
}

/// Scans JavaScript source for dangerous sinks. Offsets are byte offsets into `source`.
pub fn scan(source: &str, kind: JsKind) -> Vec<Detection> {
    analyze(source, kind).detections
}

/// Constant URLs of code-loading calls (see [`LiteralUrl`]), as
/// `(url, start, end)` with byte offsets of the expression in `source`, so
/// the `script` rule can judge their origin.
pub fn literal_urls(source: &str, kind: JsKind) -> Vec<(String, usize, usize)> {
    analyze(source, kind)
        .literal_urls
        .into_iter()
        .map(|found| (found.url, found.start, found.end))
        .collect()
}

/// An upper bound of the memory [`analyze`] takes for `source` beyond the
/// source itself, as it reserves from the budget of [`MAX_SCRIPT_MEMORY`]
/// that all parses share.
pub fn memory_bound(source: &str) -> u64 {
    memory::bound(source).total()
}

/// Parses `source` once and returns both the sink detections and the literal
/// code-loading URLs. Prefer this over calling [`scan`] and [`literal_urls`]
/// separately: it parses once instead of twice.
pub fn analyze(source: &str, kind: JsKind) -> JsAnalysis {
    if let Err(too_deep) = nesting::check(source, nesting::MAX_NESTING) {
        return JsAnalysis {
            detections: vec![too_deep_detection(source, too_deep.offset)],
            ..JsAnalysis::default()
        };
    }
    let bound = memory::bound(source);
    if bound.total() > memory::MAX_SCRIPT_MEMORY {
        return JsAnalysis {
            detections: vec![too_large_detection(source, bound.total())],
            ..JsAnalysis::default()
        };
    }
    let _reservation = memory::SCRIPT_MEMORY.reserve(bound.total());
    crate::stack::on_large_stack(|| analyze_on_this_thread(source, kind, bound.arena))
}

/// [`analyze`] for a script within the nesting bound, on a thread with a
/// large stack.
fn analyze_on_this_thread(source: &str, kind: JsKind, arena: usize) -> JsAnalysis {
    // A large tree gets an arena of exactly the size bounded for it, one
    // allocation instead of a chain of doubling chunks that could hold up
    // to twice what the tree needs.
    if arena > RETAINED_ARENA_BYTES {
        return analyze_in(&mut Allocator::with_capacity(arena), source, kind);
    }
    thread_local! {
        // One arena per worker thread, reset before every parse: the arena
        // keeps its largest chunk, so steady-state parsing does not allocate.
        static ALLOCATOR: RefCell<Allocator> = RefCell::new(Allocator::default());
    }
    ALLOCATOR.with(|cell| match cell.try_borrow_mut() {
        Ok(mut allocator) => {
            let analysis = analyze_in(&mut allocator, source, kind);
            // One huge script must not pin its arena for the rest of the
            // run: past the cap, the arena is dropped and starts small again.
            if allocator.capacity() > RETAINED_ARENA_BYTES {
                *allocator = Allocator::default();
            }
            analysis
        }
        // Only reachable if a scan re-entered itself on this thread; a fresh
        // arena keeps that case correct rather than panicking.
        Err(_) => analyze_in(&mut Allocator::default(), source, kind),
    })
}

/// The finding for a script nested too deeply to judge, at `offset`.
fn too_deep_detection(source: &str, offset: usize) -> Detection {
    let start = floor_char_boundary(source, offset.min(source.len()));
    Detection {
        rule: "sink/too-deep",
        severity: Severity::Error,
        start,
        end: next_char_end(source, start),
        message: "JavaScript nested too deeply to parse safely; the script was not checked \
                  for sinks"
            .to_string(),
        help: "Flatten the nesting (a generated file may need a different generator); \
               deeply nested brackets or operator chains are also how parsers are crashed.",
    }
}

/// The finding for a script whose syntax tree could take more memory than
/// the validator gives one script.
fn too_large_detection(source: &str, memory: u64) -> Detection {
    Detection {
        rule: "sink/too-large",
        severity: Severity::Error,
        start: 0,
        end: next_char_end(source, 0),
        message: format!(
            "JavaScript too dense to parse within the memory a script may take (its syntax \
             tree could need {} MiB, over {} MiB); the script was not checked for sinks",
            memory.div_ceil(1024 * 1024),
            memory::MAX_SCRIPT_MEMORY / (1024 * 1024)
        ),
        help: "Split the script into smaller files; a generated file this dense is also how \
               a checker is made to run out of memory.",
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The end of the character starting at `start` (or `start` at the end).
fn next_char_end(source: &str, start: usize) -> usize {
    source[start..]
        .char_indices()
        .nth(1)
        .map_or(source.len(), |(index, _)| start + index)
}

/// Largest arena a worker thread keeps between scripts. What a thread keeps
/// is outside the shared budget, so it is small: enough that the scripts of
/// ordinary pages parse without allocating.
const RETAINED_ARENA_BYTES: usize = 4 * 1024 * 1024;

fn analyze_in(allocator: &mut Allocator, source: &str, kind: JsKind) -> JsAnalysis {
    let attempts: &[SourceType] = match kind {
        JsKind::Script => &[SourceType::script()],
        JsKind::Module => &[SourceType::mjs()],
        JsKind::Unknown => &[SourceType::mjs(), SourceType::script()],
    };

    // The first clean parse wins. When every attempt has errors, keep the
    // one that got furthest before its first error: it is the likelier
    // reading of the author's intent, and its recovered tree is still scanned
    // so that one syntax error cannot hide a sink elsewhere in the file.
    let mut best: Option<(u32, JsAnalysis)> = None;
    for source_type in attempts {
        allocator.reset();
        let parsed = parse(allocator, source, *source_type);
        let error = first_error(&parsed);
        let mut analysis = JsAnalysis::default();
        if !parsed.panicked {
            let mut visitor = visitor::SinkVisitor::new();
            visitor.visit_program(&parsed.program);
            let too_deep = visitor.too_deep();
            analysis = visitor.finish();
            if let Some(offset) = too_deep {
                // The walk stopped short of part of the tree: that part
                // was not judged, whatever else was found.
                analysis.detections.push(too_deep_detection(source, offset));
                return analysis;
            }
        }
        match error {
            None => return analysis,
            Some((offset, message)) => {
                analysis
                    .detections
                    .push(parse_error(source, offset, &message));
                if best.as_ref().is_none_or(|(seen, _)| offset > *seen) {
                    best = Some((offset, analysis));
                }
            }
        }
    }
    best.map(|(_, analysis)| analysis).unwrap_or_default()
}

fn parse<'a>(
    allocator: &'a Allocator,
    source: &'a str,
    source_type: SourceType,
) -> ParserReturn<'a> {
    // Regular-expression bodies are not validated (the parser feature is
    // off): a bad regex is the browser's problem, not a security finding.
    Parser::new(allocator, source, source_type).parse()
}

/// The byte range of every comment in `source`, delimiters included, in
/// order, from a parse without errors. `None` when no reading of the
/// script parses cleanly (or it nests too deeply to parse): a tokenizer
/// that went astray may take code for a comment, so nothing it read as a
/// comment is trusted.
pub(crate) fn comments(source: &str, kind: JsKind) -> Option<Vec<std::ops::Range<usize>>> {
    nesting::check(source, nesting::MAX_NESTING).ok()?;
    let bound = memory::bound(source);
    if bound.total() > memory::MAX_SCRIPT_MEMORY {
        return None;
    }
    let _reservation = memory::SCRIPT_MEMORY.reserve(bound.total());
    let attempts: &[SourceType] = match kind {
        JsKind::Script => &[SourceType::script()],
        JsKind::Module => &[SourceType::mjs()],
        JsKind::Unknown => &[SourceType::mjs(), SourceType::script()],
    };
    crate::stack::on_large_stack(|| {
        attempts.iter().find_map(|source_type| {
            let allocator = Allocator::with_capacity(bound.arena);
            let parsed = parse(&allocator, source, *source_type);
            (!parsed.panicked && first_error(&parsed).is_none()).then(|| {
                parsed
                    .program
                    .comments
                    .iter()
                    .map(|comment| comment.span.start as usize..comment.span.end as usize)
                    .collect()
            })
        })
    })
}

/// Byte offset and message of the first syntax error, if any.
fn first_error(parsed: &ParserReturn<'_>) -> Option<(u32, String)> {
    let diagnostic = parsed.diagnostics.errors().next()?;
    let offset = diagnostic
        .labels
        .iter()
        .map(|label| label.offset())
        .min()
        .unwrap_or(0);
    Some((offset, diagnostic.message.to_string()))
}

fn parse_error(source: &str, offset: u32, message: &str) -> Detection {
    let start = floor_char_boundary(source, (offset as usize).min(source.len()));
    let end = next_char_end(source, start);
    Detection {
        rule: "sink/parse-error",
        severity: Severity::Warning,
        start,
        end,
        message: format!(
            "JavaScript could not be parsed ({message}), so its sinks were only partly checked"
        ),
        help: "Fix the syntax error; the browser would refuse this script as well.",
    }
}

/// The rules of this category, declared once for every output, the
/// documentation check and the fixture harness.
pub const CATEGORY: Category = Category {
    name: "sink",
    title: "dangerous DOM and code sinks (JavaScript parser)",
    security_severity: 8.0,
    rules: &[
        Rule::error(
            "sink/inner-html",
            "a non-literal write to `innerHTML`/`outerHTML` (computed member names included)",
            "a string that reaches it from outside the script becomes markup or code: DOM-based cross-site scripting",
            "build DOM with `createElement`/`textContent`, or pass only literal strings",
        ),
        Rule::error(
            "sink/insert-adjacent-html",
            "`insertAdjacentHTML` with a non-literal argument",
            "a string that reaches it from outside the script becomes markup or code: DOM-based cross-site scripting",
            "build DOM with `createElement`/`textContent`, or pass only literal strings",
        ),
        Rule::error(
            "sink/document-write",
            "`document.write`/`writeln` with a non-literal argument",
            "a string that reaches it from outside the script becomes markup or code: DOM-based cross-site scripting",
            "build DOM with `createElement`/`textContent`, or pass only literal strings",
        ),
        Rule::error(
            "sink/create-contextual-fragment",
            "`createContextualFragment` with a non-literal argument",
            "a string that reaches it from outside the script becomes markup or code: DOM-based cross-site scripting",
            "build DOM with `createElement`/`textContent`, or pass only literal strings",
        ),
        Rule::error(
            "sink/set-html-unsafe",
            "`setHTMLUnsafe` with a non-literal argument",
            "a string that reaches it from outside the script becomes markup or code: DOM-based cross-site scripting",
            "build DOM with `createElement`/`textContent`, or pass only literal strings",
        ),
        Rule::error(
            "sink/parse-html-unsafe",
            "`Document.parseHTMLUnsafe` with a non-literal argument",
            "a string that reaches it from outside the script becomes markup or code: DOM-based cross-site scripting",
            "build DOM with `createElement`/`textContent`, or pass only literal strings",
        ),
        Rule::error(
            "sink/dom-parser",
            "`DOMParser.parseFromString` with a non-literal argument",
            "a string that reaches it from outside the script becomes markup or code: DOM-based cross-site scripting",
            "build DOM with `createElement`/`textContent`, or pass only literal strings",
        ),
        Rule::error(
            "sink/srcdoc",
            "a non-literal write to an iframe's `srcdoc`",
            "a string that reaches it from outside the script becomes markup or code: DOM-based cross-site scripting",
            "build DOM with `createElement`/`textContent`, or pass only literal strings",
        ),
        Rule::error(
            "sink/eval",
            "`eval` with a non-literal argument",
            "a string that reaches it from outside the script becomes markup or code: DOM-based cross-site scripting",
            "build DOM with `createElement`/`textContent`, or pass only literal strings",
        ),
        Rule::error(
            "sink/function-constructor",
            "the `Function` constructor with non-literal arguments",
            "a string that reaches it from outside the script becomes markup or code: DOM-based cross-site scripting",
            "build DOM with `createElement`/`textContent`, or pass only literal strings",
        ),
        Rule::error(
            "sink/string-timer",
            "`setTimeout`/`setInterval` with a string to evaluate",
            "a string that reaches it from outside the script becomes markup or code: DOM-based cross-site scripting",
            "build DOM with `createElement`/`textContent`, or pass only literal strings",
        ),
        Rule::error(
            "sink/exec-command-html",
            "`execCommand('insertHTML')` with a non-literal value",
            "a string that reaches it from outside the script becomes markup or code: DOM-based cross-site scripting",
            "build DOM with `createElement`/`textContent`, or pass only literal strings",
        ),
        Rule::error(
            "sink/set-attribute-handler",
            "`setAttribute` of an `on*` handler or `srcdoc` with a non-literal value",
            "a string that reaches it from outside the script becomes markup or code: DOM-based cross-site scripting",
            "build DOM with `createElement`/`textContent`, or pass only literal strings",
        ),
        Rule::error(
            "sink/javascript-url",
            "navigation to a `javascript:` URL from a script",
            "a string that reaches it from outside the script becomes markup or code: DOM-based cross-site scripting",
            "build DOM with `createElement`/`textContent`, or pass only literal strings",
        ),
        Rule::warning(
            "sink/parse-error",
            "a script that does not parse as JavaScript",
            "its sinks cannot be judged, and browsers may read it differently",
            "fix the syntax error",
        )
        .marks_unjudged(),
        Rule::error(
            "sink/too-deep",
            "a script nested deeper than the parser follows safely (more than 2,000 estimated levels, or a syntax tree deeper than 10,000)",
            "what the parser cannot read cannot be judged, and such nesting has no use but hiding code",
            "flatten the code",
        )
        .marks_unjudged(),
        Rule::error(
            "sink/too-large",
            "a script whose syntax tree could take more than 256 MiB (about 1.6 million tokens, some 3 MiB of minified code)",
            "what the validator cannot parse within its memory budget cannot be judged, and such density is how a checker is run out of memory",
            "split the script into smaller files",
        )
        .marks_unjudged(),
    ],
};
