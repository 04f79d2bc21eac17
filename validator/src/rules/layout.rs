//! `layout`: pages that do not jump while they load. An `<img>` without
//! `width` and `height` takes no room until its file arrives, so the text
//! below it moves (Cumulative Layout Shift); with both, browsers reserve
//! the box from the attributes' aspect ratio even when a stylesheet sets
//! `width: 100%; height: auto`.
//!
//! The attributes are read as browsers read them for that aspect ratio:
//! HTML's rules for parsing dimension values, where a value without a
//! leading digit is an error and one ending in `%` is a percentage, and
//! neither gives a ratio. Dimensions in a `style` attribute do not count:
//! they say nothing about the image's own ratio, and a strict CSP refuses
//! inline styles anyway.

use crate::emit::{FileFindings, Message};
use crate::html::{Element, Namespace};
use crate::rule::{Category, Rule};
use crate::scan::PageContext;

const HELP: &str = "Give the <img> `width` and `height` attributes with the image's pixel size (the generator's image pipeline writes them), so the browser reserves its box before the file arrives.";

/// A dimension attribute as HTML's rules for parsing dimension values read
/// it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dimension {
    /// A number of CSS pixels.
    Length(f64),
    /// A percentage of the containing block: no intrinsic ratio.
    Percentage(f64),
}

/// Parses a `width` or `height` value by HTML's rules for parsing
/// dimension values: leading ASCII white space skipped, then digits, an
/// optional fraction, and a `%` making it a percentage; whatever follows
/// is ignored, as browsers ignore it (`120px` is 120). `None` is the
/// rules' error: no digit where the number starts (empty, `auto`, `-5`,
/// `.5`).
pub fn parse_dimension(value: &str) -> Option<Dimension> {
    let rest = value.trim_start_matches(['\t', '\n', '\u{c}', '\r', ' ']);
    let integer_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    if integer_len == 0 {
        return None;
    }
    let mut end = integer_len;
    if rest.as_bytes().get(end) == Some(&b'.') {
        let fraction_len = rest[end + 1..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        if fraction_len > 0 {
            end += 1 + fraction_len;
        }
    }
    // Digits alone always parse as a float, however many there are.
    let number: f64 = rest[..end].parse().ok()?;
    if rest.as_bytes().get(end) == Some(&b'%') {
        Some(Dimension::Percentage(number))
    } else {
        Some(Dimension::Length(number))
    }
}

/// What is wrong with one dimension attribute of an `<img>`, if anything.
fn problem(element: &Element<'_>, name: &str) -> Option<String> {
    let Some(value) = element.value(name) else {
        return Some(format!("`{name}` is missing"));
    };
    // Long values are cut: the finding needs only their start.
    let shown: String = value.chars().take(40).collect();
    match parse_dimension(value) {
        Some(Dimension::Length(_)) => None,
        Some(Dimension::Percentage(_)) => Some(format!(
            "`{name}=\"{shown}\"` is a percentage, which gives no aspect ratio"
        )),
        None => Some(format!("`{name}=\"{shown}\"` is not a number of pixels")),
    }
}

pub(crate) fn check_page(ctx: &PageContext<'_>, out: &mut FileFindings<'_>) {
    out.examine(&CATEGORY);
    for element in &ctx.page.elements {
        // An `<img>` in an SVG document is not HTML's image element; in an
        // HTML page the parser leaves foreign content for it.
        if &*element.name != "img" || element.namespace != Namespace::Html {
            continue;
        }
        let problems: Vec<String> = ["width", "height"]
            .into_iter()
            .filter_map(|name| problem(element, name))
            .collect();
        if problems.is_empty() {
            continue;
        }
        let source = element
            .value("src")
            .map(str::trim)
            .filter(|src| !src.is_empty())
            .map_or(String::new(), |src| format!(" for {src}"));
        out.at(
            element.start,
            Message::warning(
                "layout/img-without-dimensions",
                format!(
                    "<img>{source} is not sized ({}): the page shifts when it loads",
                    problems.join("; ")
                ),
                HELP,
            ),
        );
    }
}

/// The rules of this category, declared once for every output, the
/// documentation check and the fixture harness.
pub const CATEGORY: Category = Category {
    name: "layout",
    title: "pages that do not shift while they load",
    security_severity: 1.0,
    rules: &[Rule::warning(
        "layout/img-without-dimensions",
        "an `<img>` without both `width` and `height` as numbers of pixels (missing, empty, not starting with a digit, or a percentage; `style=` sizes do not count)",
        "the content below moves when the image arrives (layout shift), and readers lose their place",
        "add `width` and `height` with the image's pixel size, or turn the rule off with `layout/img-without-dimensions: off` under `rules:`",
    )],
};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dimensions_parse_as_browsers_parse_them() {
        assert_eq!(parse_dimension("640"), Some(Dimension::Length(640.0)));
        assert_eq!(parse_dimension(" \n12.5px"), Some(Dimension::Length(12.5)));
        assert_eq!(parse_dimension("3."), Some(Dimension::Length(3.0)));
        assert_eq!(parse_dimension("50%"), Some(Dimension::Percentage(50.0)));
        assert_eq!(parse_dimension("0"), Some(Dimension::Length(0.0)));
        for error in ["", " ", "auto", "-5", "+5", ".5", "\u{a0}5", "５"] {
            assert_eq!(parse_dimension(error), None, "{error:?}");
        }
    }

    proptest! {
        #![proptest_config(crate::fuzz::config())]

        /// Any text parses or is an error without panicking, and a value
        /// that parses starts, after white space, with a digit.
        #[test]
        fn fuzz_dimension_never_panics(value in "\\PC{0,40}") {
            if parse_dimension(&value).is_some() {
                let rest = value.trim_start_matches(['\t', '\n', '\u{c}', '\r', ' ']);
                prop_assert!(rest.starts_with(|c: char| c.is_ascii_digit()));
            }
        }

        /// A whole number written with any suffix but `%` reads as that
        /// many pixels, and with `%` as that percentage.
        #[test]
        fn fuzz_numbers_round_trip(n in 0u32.., space in "[ \t\n]{0,3}", suffix in "(px|em|[a-z ]{0,4})") {
            prop_assert_eq!(parse_dimension(&format!("{space}{n}{suffix}")), Some(Dimension::Length(f64::from(n))));
            prop_assert_eq!(parse_dimension(&format!("{space}{n}%")), Some(Dimension::Percentage(f64::from(n))));
        }
    }
}
