//! A step budget for template loops and component calls.
//!
//! Tera 2 has no step budget and no hook that runs per loop iteration, so
//! nested loops over a large site (every page times every page times every
//! tag) could run for hours while writing nothing, out of reach of the
//! output cap. Before a template is compiled, [`instrument`] adds a call to
//! a counting function at the start of every `{% for %}` body and every
//! `{% component %}` body. The function, [`STEP_FUNCTION`], adds one to the
//! page's count and fails the render once the count passes the budget, and
//! Tera stops at the first failing call. The call writes nothing, sits on
//! the line of the tag it follows (so every line number Tera reports is
//! unchanged) and keeps the tag's whitespace control, so an instrumented
//! template renders exactly what the original does.
//!
//! Loops bound time, but not memory: `{% set s = s ~ s %}` doubles a
//! string at every step and writes nothing, so a few dozen steps would
//! exhaust memory long before the output cap or the step budget is
//! reached. So the value of every `{% set %}` and `{% set_global %}` passes
//! through [`VALUE_FUNCTION`], which refuses a string longer than the page
//! may be ([`limit_values`]): no page can use a longer one. A block
//! `{% set name %}…{% endset %}` is followed by the same check of what it
//! captured.
//!
//! The scan follows Tera's own lexer: comments (`{# #}`), `{% raw %}`
//! blocks and string literals inside tags are skipped, and a tag or
//! expression ends at the first end delimiter outside a string. Templates
//! are compiled unchanged first, so syntax errors always point at what the
//! author wrote; text the scan cannot follow is left as it is.

use std::cell::Cell;

use tera::{Kwargs, State, TeraResult, Value};

/// Name of the counting function the instrumented templates call. The
/// leading underscores keep it out of the way of names authors choose.
pub const STEP_FUNCTION: &str = "__template_step";

/// Name of the function that checks the size of every value a template
/// sets.
pub const VALUE_FUNCTION: &str = "__template_value";

thread_local! {
    /// Steps taken by the page rendering on this thread. Tera renders a
    /// page on one thread from start to end, and the renderer resets the
    /// count before each page.
    static STEPS: Cell<usize> = const { Cell::new(0) };
    /// The budget the page rendering on this thread runs under.
    static BUDGET: Cell<usize> = const { Cell::new(usize::MAX) };
    /// The longest string a template rendering on this thread may set.
    static VALUE_LIMIT: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// Sets the longest string templates rendered on this thread may set: the
/// page size cap, since a longer string could never be written.
pub fn limit_values(bytes: usize) {
    VALUE_LIMIT.with(|limit| limit.set(bytes));
}

/// The longest string templates rendered on this thread may build.
pub fn value_limit() -> usize {
    VALUE_LIMIT.with(Cell::get)
}

/// The checking function registered as [`VALUE_FUNCTION`]: returns its
/// `value` argument unchanged, or fails the render if it is a string longer
/// than the limit, or a list or map that would be that long written out
/// only because it holds itself over and over.
///
/// Lists and maps share their items rather than copying them, so
/// `{% set_global a = [a, a] %}` in a loop costs a few bytes a step while
/// what it would write (and what `~` would build from it) doubles. Data
/// from the site is large but never repeats like that, so a list or map is
/// refused only when written out it would pass the limit and be more than
/// four times the memory it really holds.
pub fn value(kwargs: Kwargs, _: &State) -> TeraResult<Value> {
    let value: Value = kwargs.must_get("value")?;
    let limit = VALUE_LIMIT.with(Cell::get);
    if let Some(text) = value.as_str() {
        if text.len() > limit {
            return Err(tera::Error::message(format!(
                "a value set here is a string of {} bytes, longer than a page may be ({limit} bytes)",
                text.len()
            )));
        }
        return Ok(value);
    }
    if value.is_array() || value.is_map() {
        let mut expansion = Expansion::default();
        let Some(written) = expansion.written(&value, 0) else {
            return Err(tera::Error::message(format!(
                "a value set here nests lists and maps more than {MAX_VALUE_DEPTH} deep"
            )));
        };
        let limit = limit as u64;
        if written > limit && written > expansion.held.saturating_mul(4) {
            return Err(tera::Error::message(format!(
                "a value set here repeats itself: written out it would be {written} bytes, \
                 longer than a page may be ({limit} bytes)"
            )));
        }
    }
    Ok(value)
}

/// The deepest nesting of lists and maps a template may set. Writing a
/// value recurses once a level, and no page needs more than a few.
const MAX_VALUE_DEPTH: usize = 256;

/// Measures a value two ways: the bytes it would take written out, with
/// every shared list, map or long string counted each time it appears,
/// and the bytes it holds, with each counted once.
#[derive(Default)]
struct Expansion {
    /// Written size of each list, map and long string seen, by address.
    seen: std::collections::HashMap<usize, u64>,
    held: u64,
}

impl Expansion {
    /// The written size of `value`, or `None` past [`MAX_VALUE_DEPTH`].
    fn written(&mut self, value: &Value, depth: usize) -> Option<u64> {
        if depth > MAX_VALUE_DEPTH {
            return None;
        }
        if let Some(text) = value.as_str() {
            let length = text.len() as u64;
            // Short strings are stored inline, so they are never shared.
            if text.len() > 32 && self.seen.insert(text.as_ptr() as usize, length).is_some() {
                return Some(length);
            }
            self.held = self.held.saturating_add(length);
            return Some(length);
        }
        let address = if let Some(items) = value.as_array() {
            items.as_ptr() as usize
        } else if let Some(map) = value.as_map() {
            std::ptr::from_ref(map) as usize
        } else {
            // Numbers, booleans, none and bytes: their written form is short
            // or their length.
            let length = value.as_bytes().map_or(24, |bytes| bytes.len() as u64);
            self.held = self.held.saturating_add(length);
            return Some(length);
        };
        if let Some(&written) = self.seen.get(&address) {
            return Some(written);
        }
        let mut written: u64 = 2;
        if let Some(items) = value.as_array() {
            for item in items {
                written = written
                    .saturating_add(self.written(item, depth + 1)?)
                    .saturating_add(2);
            }
        } else if let Some(map) = value.as_map() {
            for (key, item) in map {
                let key = key.as_str().map_or(24, |key| key.len() as u64);
                written = written
                    .saturating_add(key)
                    .saturating_add(self.written(item, depth + 1)?)
                    .saturating_add(4);
            }
        }
        self.held = self.held.saturating_add(16);
        self.seen.insert(address, written);
        Some(written)
    }
}

/// Starts counting steps for a new page, under `budget` steps.
pub fn start_page(budget: usize) {
    resume_page(0, budget);
}

/// Goes on counting for a page that has already taken `taken` steps, under
/// `budget` steps in all: the page's template after its shortcodes.
pub fn resume_page(taken: usize, budget: usize) {
    STEPS.with(|steps| steps.set(taken));
    BUDGET.with(|limit| limit.set(budget));
}

/// Steps taken by the page rendering on this thread.
pub fn taken() -> usize {
    STEPS.with(Cell::get)
}

/// Whether the page rendering on this thread went past its budget.
pub fn budget_exceeded() -> bool {
    STEPS.with(Cell::get) > BUDGET.with(Cell::get)
}

/// The counting function registered as [`STEP_FUNCTION`].
pub fn step(_: Kwargs, _: &State) -> TeraResult<&'static str> {
    let taken = STEPS.with(|steps| {
        let taken = steps.get().saturating_add(1);
        steps.set(taken);
        taken
    });
    let budget = BUDGET.with(Cell::get);
    if taken > budget {
        return Err(tera::Error::message(format!(
            "loops and component calls on this page went past {budget} steps"
        )));
    }
    Ok("")
}

/// Returns `source` with a step call at the start of every loop body and
/// component body. Text the scan cannot follow (an unclosed tag, string or
/// comment) ends the scan and the rest is copied unchanged; Tera has
/// already refused such a template by then.
pub fn instrument(source: &str) -> String {
    let bytes = source.as_bytes();
    let mut out = String::with_capacity(source.len() + 64);
    let mut copied = 0;
    let mut at = 0;
    // Block sets open and not yet closed, innermost last.
    let mut captures: Vec<(&str, &str)> = Vec::new();
    while let Some(offset) = find_start_marker(&bytes[at..]) {
        let start = at + offset;
        match &bytes[start..start + 2] {
            b"{#" => match find(&bytes[start + 2..], b"#}") {
                Some(end) => at = start + 2 + end + 2,
                None => break,
            },
            b"{{" => match expression_end(bytes, start + 2, b"}}") {
                Some((end, _)) => at = end,
                None => break,
            },
            _ => {
                let mut inner = start + 2;
                if bytes.get(inner) == Some(&b'-') {
                    inner += 1;
                }
                if let Some(raw_end) = skip_tag(&bytes[inner..], b"raw") {
                    match raw_block_end(bytes, inner + raw_end) {
                        Some(end) => at = end,
                        None => break,
                    }
                    continue;
                }
                let Some((end, trims)) = expression_end(bytes, inner, b"%}") else {
                    break;
                };
                let close = end - if trims { 3 } else { 2 };
                match set_tag(&bytes[inner..close]) {
                    Some(SetTag::Value { expression }) => {
                        // `{% set x = EXPR %}` becomes
                        // `{% set x = __template_value(value=(EXPR)) %}`.
                        let expression = inner + expression;
                        let expression_end =
                            expression + source[expression..close].trim_end().len();
                        out.push_str(&source[copied..expression]);
                        out.push_str(" __template_value(value=(");
                        out.push_str(&source[expression..expression_end]);
                        out.push_str("))");
                        copied = expression_end;
                    }
                    Some(SetTag::Block { keyword, name }) => {
                        captures.push((keyword, &source[inner + name.start..inner + name.end]));
                    }
                    Some(SetTag::EndBlock) => {
                        if let Some((keyword, name)) = captures.pop() {
                            out.push_str(&source[copied..end]);
                            // The check keeps the end tag's trimming, so
                            // the whitespace after it renders as before.
                            let trim = if trims { "-" } else { "" };
                            out.push_str(&format!(
                                "{{%{trim} {keyword} {name} = __template_value(value={name}) {trim}%}}"
                            ));
                            copied = end;
                        }
                    }
                    None => {}
                }
                if opens_counted_body(&bytes[inner..end]) {
                    out.push_str(&source[copied..end]);
                    // A trimming tag end trims the whitespace after it; the
                    // step call must then trim it in its place.
                    out.push_str(if trims {
                        "{{- __template_step() -}}"
                    } else {
                        "{{ __template_step() }}"
                    });
                    copied = end;
                }
                at = end;
            }
        }
    }
    out.push_str(&source[copied..]);
    out
}

/// Offset of the next `{{`, `{%` or `{#`, as Tera's lexer finds them.
fn find_start_marker(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(2)
        .position(|w| w == b"{{" || w == b"{%" || w == b"{#")
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Where the tag or expression starting at `from` ends: the offset just
/// past its end delimiter (`-` included), and whether the `-` was there.
/// String literals are skipped with their backslash escapes, as Tera's
/// lexer skips them. No token of Tera's contains `-`, `%` or `}` past its
/// first byte, so checking for the delimiter at every byte outside a
/// string finds the same end the lexer does.
fn expression_end(bytes: &[u8], from: usize, end: &[u8]) -> Option<(usize, bool)> {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'-' if bytes[i + 1..].starts_with(end) => return Some((i + 1 + end.len(), true)),
            quote @ (b'"' | b'\'' | b'`') => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if i >= bytes.len() {
                    return None;
                }
            }
            _ if bytes[i..].starts_with(end) => return Some((i + end.len(), false)),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Tera's test for a `{% name %}` tag right after the opening `{%`: an
/// optional `-`, whitespace, the name, whitespace, an optional `-`, then
/// `%}`. Returns the offset just past the tag.
fn skip_tag(bytes: &[u8], name: &[u8]) -> Option<usize> {
    let mut i = usize::from(bytes.first() == Some(&b'-'));
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    if !bytes[i..].starts_with(name) {
        return None;
    }
    i += name.len();
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    if bytes.get(i) == Some(&b'-') {
        i += 1;
    }
    bytes[i..].starts_with(b"%}").then_some(i + 2)
}

/// The offset just past the `{% endraw %}` that closes a raw block whose
/// body starts at `from`.
fn raw_block_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(offset) = find(&bytes[at..], b"{%") {
        let inner = at + offset + 2;
        if let Some(end) = skip_tag(&bytes[inner..], b"endraw") {
            return Some(inner + end);
        }
        at = inner;
    }
    None
}

/// A tag that sets a variable, as far as the instrumentation needs it.
#[derive(Debug, PartialEq, Eq)]
enum SetTag {
    /// `set name = EXPR` or `set_global name = EXPR`: the offset of EXPR.
    Value { expression: usize },
    /// `set name` or `set_global name`, opening a capture block: where the
    /// name is.
    Block {
        keyword: &'static str,
        name: std::ops::Range<usize>,
    },
    /// `endset`.
    EndBlock,
}

/// Reads `tag`, the inside of a tag from after `{%` or `{%-` to before its
/// `%}` or `-%}`, as a set tag if it is one.
fn set_tag(tag: &[u8]) -> Option<SetTag> {
    let word = |from: usize| {
        let start = from
            + tag[from..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        let len = tag[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        start..start + len
    };
    let keyword = word(0);
    let keyword = match &tag[keyword.clone()] {
        b"set" => ("set", keyword.end),
        b"set_global" => ("set_global", keyword.end),
        b"endset" => {
            return tag[keyword.end..]
                .iter()
                .all(u8::is_ascii_whitespace)
                .then_some(SetTag::EndBlock);
        }
        _ => return None,
    };
    let (keyword, after) = keyword;
    let name = word(after);
    if name.is_empty() || !tag.get(after).is_some_and(u8::is_ascii_whitespace) {
        return None;
    }
    let rest = name.end
        + tag[name.end..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    match tag.get(rest) {
        None => Some(SetTag::Block { keyword, name }),
        Some(b'=') if tag.get(rest + 1) != Some(&b'=') => Some(SetTag::Value {
            expression: rest + 1,
        }),
        Some(_) => None,
    }
}

/// Whether the tag whose inside is `tag` (from after `{%` or `{%-` to past
/// `%}`) opens a loop or component body.
fn opens_counted_body(tag: &[u8]) -> bool {
    let start = tag
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(tag.len());
    let ident_len = tag[start..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    matches!(&tag[start..start + ident_len], b"for" | b"component")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loop_and_component_bodies_get_a_step() {
        assert_eq!(
            instrument("a{% for x in xs %}{{ x }}{% endfor %}b"),
            "a{% for x in xs %}{{ __template_step() }}{{ x }}{% endfor %}b"
        );
        assert_eq!(
            instrument("{%- for x in xs -%}\n {{ x }}{% endfor %}"),
            "{%- for x in xs -%}{{- __template_step() -}}\n {{ x }}{% endfor %}"
        );
        assert_eq!(
            instrument("{% component card(t: string) %}<p>{{ t }}</p>{% endcomponent card %}"),
            "{% component card(t: string) %}{{ __template_step() }}<p>{{ t }}</p>{% endcomponent card %}"
        );
    }

    #[test]
    fn set_values_and_captures_are_checked() {
        assert_eq!(
            instrument("{% set s = s ~ s %}"),
            "{% set s = __template_value(value=( s ~ s)) %}"
        );
        assert_eq!(
            instrument("{%- set_global g = \"%}\" -%}"),
            "{%- set_global g = __template_value(value=( \"%}\")) -%}"
        );
        assert_eq!(
            instrument("{% set t %}x{% endset -%} y"),
            "{% set t %}x{% endset -%}{%- set t = __template_value(value=t) -%} y"
        );
        // A comparison is not an assignment, and other tags are left alone.
        for text in [
            "{% if a == b %}{% endif %}",
            "{% setx = 1 %}",
            "{% set = 1 %}",
        ] {
            assert_eq!(instrument(text), text);
        }
    }

    #[test]
    fn doubling_a_string_without_writing_it_stops_at_the_page_limit() {
        let mut tera = tera::Tera::new();
        tera.register_function(STEP_FUNCTION, step);
        tera.register_function(VALUE_FUNCTION, value);
        let doubling =
            "{% set_global s = \"ab\" %}{% for i in xs %}{% set_global s = s ~ s %}{% endfor %}";
        let capturing = "{% set_global s = \"ab\" %}{% for i in xs %}\
                         {% set_global s %}{{ s }}{{ s }}{% endset %}{% endfor %}";
        for text in [doubling, capturing] {
            tera.add_raw_template("t.html", &instrument(text))
                .expect("the template compiles");
            let mut context = tera::Context::new();
            // Sixty doublings of two bytes would be two exabytes.
            context.insert("xs", &(0..60).collect::<Vec<_>>());
            start_page(usize::MAX);
            limit_values(1 << 20);
            let error = tera
                .render("t.html", &context)
                .expect_err("the render stops");
            let message = format!("{error:?}");
            assert!(message.contains("longer than a page may be"), "{message}");
        }
        limit_values(usize::MAX);
    }

    #[test]
    fn lists_that_nest_themselves_stop_at_the_page_limit() {
        let mut tera = tera::Tera::new();
        tera.register_function(STEP_FUNCTION, step);
        tera.register_function(VALUE_FUNCTION, value);
        let nesting =
            "{% set_global a = [\"ab\"] %}{% for i in xs %}{% set_global a = [a, a] %}{% endfor %}";
        let deep = "{% set_global a = [] %}{% for i in xs %}{% set_global a = [a] %}{% endfor %}";
        let mut context = tera::Context::new();
        context.insert("xs", &(0..400).collect::<Vec<_>>());
        // Large data that does not repeat is not refused: a list of long
        // distinct strings far over the limit.
        let pages: Vec<String> = (0..64)
            .map(|n| format!("{n}{}", "x".repeat(4096)))
            .collect();
        context.insert("pages", &pages);
        start_page(usize::MAX);
        limit_values(64 * 1024);
        for (text, expected) in [(nesting, "repeats itself"), (deep, "more than 256 deep")] {
            tera.add_raw_template("t.html", &instrument(text))
                .expect("the template compiles");
            let error = tera
                .render("t.html", &context)
                .expect_err("the render stops");
            let message = format!("{error:?}");
            assert!(message.contains(expected), "{message}");
        }
        tera.add_raw_template("t.html", &instrument("{% set p = pages %}{{ p | length }}"))
            .expect("the template compiles");
        assert_eq!(tera.render("t.html", &context).expect("renders"), "64");
        limit_values(usize::MAX);
    }

    #[test]
    fn comments_raw_blocks_and_strings_are_skipped() {
        let unchanged = [
            "{# {% for x in xs %} #}",
            "{% raw %}{% for x in xs %}{% endraw %}",
            "{%- raw -%}{% for x in xs %}{%- endraw %}",
            "{{ \"{% for x in xs %}\" }}",
            "{% format %}{% forx %}{% endfor %}",
            "unclosed {% for x in xs",
        ];
        for text in unchanged {
            assert_eq!(instrument(text), text, "{text}");
        }
        assert_eq!(
            instrument("{% set s = \"%}\" %}{% for x in xs %}{% endfor %}"),
            "{% set s = __template_value(value=( \"%}\")) %}{% for x in xs %}{{ __template_step() }}{% endfor %}"
        );
        assert_eq!(
            instrument("{% set s = `a\\`%}` %}{% if true %}x{% endif %}"),
            "{% set s = __template_value(value=( `a\\`%}`)) %}{% if true %}x{% endif %}"
        );
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        /// Pieces of template text, loops among them, that join into a
        /// template Tera compiles.
        fn piece() -> impl Strategy<Value = String> {
            prop_oneof![
                "[a-z <>/\n\t%#}{-]{0,8}".prop_filter("no markers", |text| {
                    !text.contains("{{") && !text.contains("{%") && !text.contains("{#")
                }),
                Just("{{ x }}".to_string()),
                Just("{{- x -}}".to_string()),
                Just("{# {% for y in xs %} #}".to_string()),
                Just("{% raw %}{% for y in xs %}{% endraw %}".to_string()),
                Just("{% set s = \"%}\" -%}".to_string()),
                Just("{{ s }}".to_string()),
                Just("{% set s = s ~ \"a\" %}".to_string()),
                Just("{%- set_global g = s ~ 1 -%}".to_string()),
                Just("{% set t %}<{{ s }}>{% endset -%}\n {{ t }}".to_string()),
                Just("{% set e = 1 == 1 %}{{ e }}".to_string()),
            ]
        }

        fn template() -> impl Strategy<Value = String> {
            let leaf = prop::collection::vec(piece(), 0..4).prop_map(|p| p.concat());
            leaf.prop_recursive(3, 24, 4, |inner| {
                (
                    inner.clone(),
                    any::<bool>(),
                    any::<bool>(),
                    inner.clone(),
                    inner,
                )
                    .prop_map(|(before, trim_open, trim_close, body, after)| {
                        format!(
                            "{before}{{%{} for x in xs {}%}}{body}{{% endfor %}}{after}",
                            if trim_open { "-" } else { "" },
                            if trim_close { "-" } else { "" },
                        )
                    })
            })
        }

        fn render(text: &str, steps: bool) -> Result<String, String> {
            let mut tera = tera::Tera::new();
            tera.register_function(STEP_FUNCTION, step);
            tera.register_function(VALUE_FUNCTION, value);
            tera.add_raw_template("t.html", text)
                .map_err(|e| e.to_string())?;
            let mut context = tera::Context::new();
            context.insert("xs", &[1, 2]);
            context.insert("x", &0);
            context.insert("s", "v");
            start_page(if steps { usize::MAX } else { 0 });
            tera.render("t.html", &context).map_err(|e| e.to_string())
        }

        proptest! {
            #[test]
            fn instrumenting_never_changes_what_renders(text in template()) {
                let plain = render(&text, true);
                prop_assume!(plain.is_ok());
                prop_assert_eq!(render(&instrument(&text), true), plain);
            }

            #[test]
            fn instrumenting_never_panics_and_only_adds(text in "\\PC{0,64}") {
                let out = instrument(&text);
                prop_assert!(out.len() >= text.len());
                // Every byte of the template is still there, in order.
                let mut rest = out.bytes();
                prop_assert!(text.bytes().all(|byte| rest.any(|b| b == byte)));
            }
        }
    }
}
