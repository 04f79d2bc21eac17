//! Syntax highlighting of fenced code blocks, by class names only.
//!
//! The site's CSP allows no inline style, so code is never coloured with
//! `style=` attributes (the default of Zola and Hugo): each token is
//! wrapped in `<span class="hl-…">`, as syntect's `ClassedHTMLGenerator`
//! writes it, and
//! the colours live in a stylesheet, [`stylesheet`], committed as
//! `static/css/highlight.css` and fingerprinted with every other asset.
//! It holds a light theme and a dark one, chosen by `prefers-color-scheme`.
//!
//! The grammars are syntect's bundled Sublime Text syntaxes, matched with
//! Oniguruma. They are loaded once per process and only when a page has a
//! fenced block with a language, so a site without code pays nothing. A
//! block whose language no grammar knows, or that the grammar cannot get
//! through, is written as plain escaped code, as pulldown-cmark writes it.
//! Each thread remembers the parses of the lines it has highlighted
//! (`SeenLines`), since code on a site repeats lines.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::LazyLock;

use syntect::highlighting::{Color, Theme, ThemeSet};
use syntect::html::{ClassStyle, css_for_theme_with_class_style, line_tokens_to_classed_spans};
use syntect::parsing::{ParseState, ScopeStack, ScopeStackOp, SyntaxSet};
use syntect::util::LinesWithEndings;

/// Every class the highlighter writes starts with this prefix, so theme
/// rules cannot touch the site's own classes.
pub const CLASS_PREFIX: &str = "hl-";

/// The class of the `<pre>` around highlighted code.
pub const BLOCK_CLASS: &str = "hl-code";

/// The light theme, and the dark one used under `prefers-color-scheme: dark`.
pub const THEMES: (&str, &str) = ("InspiredGitHub", "base16-ocean.dark");

const STYLE: ClassStyle = ClassStyle::SpacedPrefixed {
    prefix: CLASS_PREFIX,
};

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);

/// The language of a fenced block: the first word of its info string,
/// up to a comma (`rust,ignore`). `None` when there is none or it holds a
/// character no language name has, so it can be written into a class.
pub fn language(info: &str) -> Option<&str> {
    let word = info.split_whitespace().next()?.split(',').next()?;
    let plausible = !word.is_empty()
        && word.len() <= 40
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '#' | '.'));
    plausible.then_some(word)
}

/// The highlighted HTML of `code` as a whole `<pre>` block, or `None` when
/// no grammar knows `language` or the grammar failed on the text.
///
/// This is what syntect's `ClassedHTMLGenerator` does, line by line, with
/// the parse of each line looked up in `SeenLines` first.
pub fn highlight(language: &str, code: &str) -> Option<String> {
    let syntaxes = &*SYNTAXES;
    let syntax = syntaxes.find_syntax_by_token(language)?;
    let mut state = ParseState::new(syntax);
    let mut scopes = ScopeStack::new();
    let mut body = String::with_capacity(code.len() * 4);
    let mut open_spans: isize = 0;
    for line in LinesWithEndings::from(code) {
        let ops = SEEN_LINES.with_borrow_mut(|seen| seen.parse(&mut state, line, syntaxes))?;
        let (html, delta) = line_tokens_to_classed_spans(line, &ops, STYLE, &mut scopes).ok()?;
        open_spans += delta;
        body.push_str(&html);
    }
    for _ in 0..open_spans {
        body.push_str("</span>");
    }
    // A long line scrolls the block sideways, and a block that scrolls
    // must be reachable from the keyboard to be scrolled without a mouse.
    Some(format!(
        "<pre class=\"{BLOCK_CLASS}\" data-lang=\"{language}\" tabindex=\"0\"><code class=\"language-{language}\">{body}</code></pre>\n"
    ))
}

/// The scope operations of one line, as the grammar's parser gives them.
type LineOps = Vec<(usize, ScopeStackOp)>;

/// One parse of a line: the state it started in, what it gave and the
/// state it left the parser in.
struct LineParse {
    before: ParseState,
    ops: LineOps,
    after: ParseState,
}

/// Lines already parsed on this thread, by their text. A grammar's parse
/// of a line depends only on the line and the parser's state before it,
/// so a line met again in the same state (a closing brace, an import, a
/// shell prompt, a line shared by the examples of a tutorial) takes the
/// operations and the state of its first parse instead of running the
/// grammar's regular expressions again, which is most of the cost of
/// highlighting. Bounded, since most lines of code are met once: long
/// lines are not kept, nor more than a few states a line, and the whole
/// is forgotten once it holds [`SeenLines::MAX_PARSES`] parses.
#[derive(Default)]
struct SeenLines {
    lines: HashMap<Box<str>, Vec<LineParse>>,
    parses: usize,
}

impl SeenLines {
    /// Longest line kept, in bytes.
    const MAX_LINE: usize = 256;
    /// Most states kept for one line.
    const MAX_STATES: usize = 4;
    /// Parses kept before everything is forgotten. Each holds two parser
    /// states (a stack of contexts, with the captures of back-references)
    /// and the line's operations: up to a few kilobytes, so a thread keeps
    /// a few megabytes at most.
    const MAX_PARSES: usize = 2048;

    /// The operations of `line` parsed from `state`, which is moved on
    /// past it; `None` when the grammar fails on it.
    fn parse(
        &mut self,
        state: &mut ParseState,
        line: &str,
        syntaxes: &SyntaxSet,
    ) -> Option<LineOps> {
        if let Some(seen) = self
            .lines
            .get(line)
            .and_then(|parses| parses.iter().find(|parse| parse.before == *state))
        {
            state.clone_from(&seen.after);
            return Some(seen.ops.clone());
        }
        let before = (line.len() <= Self::MAX_LINE).then(|| state.clone());
        let ops = state.parse_line(line, syntaxes).ok()?;
        if let Some(before) = before {
            if self.parses >= Self::MAX_PARSES {
                self.lines.clear();
                self.parses = 0;
            }
            let parses = self.lines.entry(line.into()).or_default();
            if parses.len() < Self::MAX_STATES {
                self.parses += 1;
                parses.push(LineParse {
                    before,
                    ops: ops.clone(),
                    after: state.clone(),
                });
            }
        }
        Some(ops)
    }
}

thread_local! {
    static SEEN_LINES: RefCell<SeenLines> = RefCell::default();
}

/// The stylesheet for highlighted code: the light theme for every reader
/// who does not prefer dark, the dark theme for those who do. Media
/// queries keep the two apart, so a scope only one theme colours never
/// carries a light colour onto a dark background.
pub fn stylesheet() -> Result<String, syntect::Error> {
    let themes = ThemeSet::load_defaults();
    let theme = |name: &str| {
        themes.themes.get(name).ok_or_else(|| {
            syntect::Error::Io(std::io::Error::other(format!("no theme named {name}")))
        })
    };
    let light = css_for_theme_with_class_style(&readable(theme(THEMES.0)?.clone()), STYLE)?;
    let dark = css_for_theme_with_class_style(&readable(theme(THEMES.1)?.clone()), STYLE)?;
    Ok(format!(
        "/* Colours of highlighted code: classes written by the generator's\n   highlighter (syntect), themes {light_name} and {dark_name}.\n   Generated: run `BLESS=1 cargo test -p baystore-site highlight_stylesheet` after changing the themes. */\n\n.{BLOCK_CLASS} {{\n  overflow-x: auto;\n}}\n\n@media not all and (prefers-color-scheme: dark) {{\n{}}}\n\n@media (prefers-color-scheme: dark) {{\n{}}}\n",
        indent(&light),
        indent(&dark),
        light_name = THEMES.0,
        dark_name = THEMES.1,
    ))
}

/// The contrast every token colour keeps with its background: WCAG AA for
/// body text, with a little room for rounding, since the site's pages are
/// checked for contrast and code is text.
const MIN_CONTRAST: f64 = 4.6;

/// The theme with each foreground colour moved towards black (on a light
/// background) or white (on a dark one) until it reaches [`MIN_CONTRAST`]
/// against the background it is drawn on. Editor themes dim comments and
/// punctuation below what a page may show.
fn readable(mut theme: Theme) -> Theme {
    let base = theme.settings.background.unwrap_or(Color::WHITE);
    if let Some(foreground) = theme.settings.foreground {
        theme.settings.foreground = Some(with_contrast(foreground, base));
    }
    for item in &mut theme.scopes {
        let background = item.style.background.unwrap_or(base);
        if let Some(foreground) = item.style.foreground {
            item.style.foreground = Some(with_contrast(foreground, background));
        }
    }
    theme
}

fn with_contrast(foreground: Color, background: Color) -> Color {
    let towards = if luminance(background) > 0.5 {
        0.0
    } else {
        255.0
    };
    // Mixes one channel of the original colour a share of the way to
    // black or white.
    let mix = |channel: u8, share: f64| {
        let channel = f64::from(channel);
        (channel + (towards - channel) * share)
            .round()
            .clamp(0.0, 255.0) as u8
    };
    (0..=100)
        .map(|step| {
            let share = f64::from(step) / 100.0;
            Color {
                r: mix(foreground.r, share),
                g: mix(foreground.g, share),
                b: mix(foreground.b, share),
                a: foreground.a,
            }
        })
        .find(|&colour| contrast(colour, background) >= MIN_CONTRAST)
        .unwrap_or(foreground)
}

/// WCAG relative luminance.
fn luminance(colour: Color) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(colour.r) + 0.7152 * channel(colour.g) + 0.0722 * channel(colour.b)
}

/// WCAG contrast ratio of two colours.
fn contrast(a: Color, b: Color) -> f64 {
    let (a, b) = (luminance(a), luminance(b));
    let (light, dark) = if a > b { (a, b) } else { (b, a) };
    (light + 0.05) / (dark + 0.05)
}

fn indent(css: &str) -> String {
    css.lines()
        .map(|line| {
            if line.is_empty() {
                "\n".to_string()
            } else {
                format!("  {line}\n")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_languages_get_classes_and_no_style() {
        let html = highlight("json", "{\"email\": \"a@b.example\", \"n\": 1}\n").unwrap();
        assert!(
            html.starts_with(
                "<pre class=\"hl-code\" data-lang=\"json\" tabindex=\"0\"><code class=\"language-json\">"
            ),
            "{html}"
        );
        assert!(html.contains("<span class=\"hl-"), "{html}");
        assert!(!html.contains("style"), "{html}");
        let html = highlight(
            "sh",
            "curl -X POST 'https://x.example/lead?a=<b>' && echo \"&\"\n",
        )
        .unwrap();
        assert!(html.contains("&lt;b&gt;"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(!html.contains("style="), "{html}");
    }

    #[test]
    fn theme_colours_are_made_readable() {
        let white = Color::WHITE;
        let grey = Color {
            r: 0x96,
            g: 0x98,
            b: 0x96,
            a: 0xff,
        };
        assert!(contrast(grey, white) < MIN_CONTRAST);
        let darker = with_contrast(grey, white);
        assert!(contrast(darker, white) >= MIN_CONTRAST);
        assert!(darker.r < grey.r);
        let night = Color {
            r: 0x2b,
            g: 0x30,
            b: 0x3b,
            a: 0xff,
        };
        let dim = Color {
            r: 0x65,
            g: 0x73,
            b: 0x7e,
            a: 0xff,
        };
        assert!(contrast(with_contrast(dim, night), night) >= MIN_CONTRAST);
        let black = Color::BLACK;
        assert_eq!(with_contrast(black, white), black);
    }

    #[test]
    fn unknown_or_odd_languages_are_left_to_plain_code() {
        assert_eq!(highlight("no-such-language", "x"), None);
        assert_eq!(language("rust,ignore"), Some("rust"));
        assert_eq!(language("  json  title=x"), Some("json"));
        assert_eq!(language("a\"onclick=x"), None);
        assert_eq!(language(""), None);
    }

    /// What syntect's own generator writes for `code`, with no line
    /// looked up: the reference the remembered parses must match.
    fn unremembered(language: &str, code: &str) -> Option<String> {
        let syntax = SYNTAXES.find_syntax_by_token(language)?;
        let mut generator =
            syntect::html::ClassedHTMLGenerator::new_with_class_style(syntax, &SYNTAXES, STYLE);
        for line in LinesWithEndings::from(code) {
            generator
                .parse_html_for_line_which_includes_newline(line)
                .ok()?;
        }
        let body = generator.finalize();
        Some(format!(
            "<pre class=\"{BLOCK_CLASS}\" data-lang=\"{language}\" tabindex=\"0\"><code class=\"language-{language}\">{body}</code></pre>\n"
        ))
    }

    #[test]
    fn a_line_seen_in_another_state_is_parsed_again() {
        // `}` closes a block in the first snippet and a string's
        // interpolation never opens in the second: the same text, parsed
        // from different states, must not share a parse.
        let first = "fn a() {\n    let b = 1;\n}\n";
        let second = "let s = \"\n}\n\";\n";
        for code in [first, second, first, second] {
            assert_eq!(highlight("rust", code), unremembered("rust", code));
        }
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        /// Code made of lines that repeat, in states that differ: block
        /// and string delimiters, comments and ordinary statements.
        fn code() -> impl Strategy<Value = String> {
            let line = prop::sample::select(vec![
                "fn main() {",
                "}",
                "    let x = 1;",
                "\"",
                "/*",
                "*/",
                "// note",
                "r#\"",
                "\"#",
                "    println!(\"{x}\");",
                "",
                "<b>&amp;</b>",
            ]);
            prop::collection::vec(line, 0..12).prop_map(|lines| {
                let mut code = lines.join("\n");
                code.push('\n');
                code
            })
        }

        proptest! {
            #![proptest_config(crate::proptest_config::config(128))]

            #[test]
            fn remembered_parses_write_what_the_grammar_writes(
                snippets in prop::collection::vec(code(), 1..4),
                language in prop::sample::select(vec!["rust", "js", "sh", "html"]),
            ) {
                for code in &snippets {
                    prop_assert_eq!(highlight(language, code), unremembered(language, code));
                }
            }
        }
    }

    /// The committed stylesheet is what the themes generate, so the classes
    /// the highlighter writes are the classes the stylesheet colours.
    #[test]
    fn highlight_stylesheet_is_current() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static/css/highlight.css");
        let expected = stylesheet().unwrap();
        assert!(!expected.contains("style="));
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(&path, &expected).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == expected,
            "static/css/highlight.css is stale; run `BLESS=1 cargo test -p baystore-site highlight_stylesheet`"
        );
    }
}
