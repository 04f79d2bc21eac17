//! The size of an SVG file as an `<img>` shows it: the outermost `<svg>`
//! element's `width` and `height` when they are absolute lengths, else the
//! width and height of its `viewBox`, one completing the other when only
//! one length is absolute (the `viewBox` gives the ratio).
//!
//! The root element is read with quick-xml, so comments, processing
//! instructions and a doctype before it are skipped as an XML parser skips
//! them; the lengths and the `viewBox` are parsed here by SVG's grammar of
//! numbers. Relative lengths (`%`, `em`, `ex`) depend on where the image
//! is shown, so they count as absent.

use quick_xml::Reader;
use quick_xml::events::Event;

/// The largest side the generator writes as a dimension: beyond it a
/// number is a mistake, not a drawing.
pub const MAX_SIDE: f64 = 100_000.0;

/// Why an SVG file's size cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SvgProblem {
    /// The file is not UTF-8 text.
    #[error("the file is not UTF-8 text")]
    NotText,
    /// No `<svg>` root element could be read.
    #[error("no <svg> root element could be read{0}")]
    NoRoot(String),
    /// An attribute of the root cannot be read.
    #[error("attribute `{0}` of <svg> cannot be read")]
    Attribute(String),
    /// `viewBox` is not four numbers with a positive width and height.
    #[error("viewBox `{0}` is not four numbers with a positive width and height")]
    ViewBox(String),
    /// Neither absolute lengths nor a `viewBox` give the size.
    #[error(
        "<svg> has neither an absolute `width` and `height` nor a `viewBox`, so its size is unknown"
    )]
    NoSize,
    /// A side comes out at zero or past [`MAX_SIDE`].
    #[error("its size {0}×{1} is not between 1 and 100000 pixels a side")]
    OutOfRange(String, String),
}

/// Reads the pixel size of an SVG file.
pub fn dimensions(bytes: &[u8]) -> Result<(u32, u32), SvgProblem> {
    let text = std::str::from_utf8(bytes).map_err(|_| SvgProblem::NotText)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let root = root_attributes(text)?;
    let length = |name: &str| root.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    let width = length("width").and_then(|v| parse_length(v));
    let height = length("height").and_then(|v| parse_length(v));
    let view_box = match length("viewBox") {
        Some(value) => {
            Some(parse_view_box(value).ok_or_else(|| SvgProblem::ViewBox(shorten(value)))?)
        }
        None => None,
    };
    let (w, h) = match (width, height, view_box) {
        (Some(w), Some(h), _) => (w, h),
        (Some(w), None, Some((vw, vh))) => (w, w * vh / vw),
        (None, Some(h), Some((vw, vh))) => (h * vw / vh, h),
        (None, None, Some((vw, vh))) => (vw, vh),
        _ => return Err(SvgProblem::NoSize),
    };
    Ok((side(w, h)?, side(h, w)?))
}

/// One side rounded to whole pixels, refused outside 1 to [`MAX_SIDE`].
fn side(value: f64, other: f64) -> Result<u32, SvgProblem> {
    let rounded = value.round();
    if !(1.0..=MAX_SIDE).contains(&rounded) {
        return Err(SvgProblem::OutOfRange(
            format!("{value:.2}"),
            format!("{other:.2}"),
        ));
    }
    // In range, so the conversion is exact.
    Ok(rounded as u32)
}

fn shorten(value: &str) -> String {
    value.chars().take(60).collect()
}

/// The attributes of the root element, with their values unescaped, when
/// it is an `<svg>` element (with or without a namespace prefix).
fn root_attributes(text: &str) -> Result<Vec<(String, String)>, SvgProblem> {
    let mut reader = Reader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(element) | Event::Empty(element)) => {
                if element.local_name().as_ref() != "svg" {
                    return Err(SvgProblem::NoRoot(format!(
                        " (the root is <{}>)",
                        shorten(element.name().as_ref())
                    )));
                }
                let mut attributes = Vec::new();
                for attribute in element.attributes() {
                    let attribute =
                        attribute.map_err(|e| SvgProblem::Attribute(shorten(&e.to_string())))?;
                    // Only unprefixed attributes size the element.
                    let name = attribute.key.as_ref().to_string();
                    let value = attribute
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|_| SvgProblem::Attribute(shorten(&name)))?;
                    attributes.push((name, value.into_owned()));
                }
                return Ok(attributes);
            }
            Ok(Event::Eof) => return Err(SvgProblem::NoRoot(String::new())),
            Ok(_) => {}
            Err(error) => {
                return Err(SvgProblem::NoRoot(format!(
                    ": {}",
                    shorten(&error.to_string())
                )));
            }
        }
    }
}

/// Reads an SVG number (`[+-]? (digits [. digits?] | . digits) [e[+-]digits]`)
/// at the start of `text`: the number and the bytes it took.
fn number(text: &str) -> Option<(f64, usize)> {
    let bytes = text.as_bytes();
    let mut at = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        at += 1;
    }
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let integer = digits(at);
    at += integer;
    let mut fraction = 0;
    if bytes.get(at) == Some(&b'.') {
        fraction = digits(at + 1);
        if integer == 0 && fraction == 0 {
            return None;
        }
        at += 1 + fraction;
    }
    if integer == 0 && fraction == 0 {
        return None;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        let mut exponent_at = at + 1;
        if matches!(bytes.get(exponent_at), Some(b'+' | b'-')) {
            exponent_at += 1;
        }
        let exponent = digits(exponent_at);
        if exponent > 0 {
            at = exponent_at + exponent;
        }
    }
    let value: f64 = text[..at].parse().ok()?;
    value.is_finite().then_some((value, at))
}

/// An absolute, positive length in CSS pixels: a number followed by
/// nothing, `px`, `in`, `cm`, `mm`, `q`, `pt` or `pc` (CSS's fixed
/// ratios), with white space around it. Anything else, relative units
/// and `auto` included, is `None`.
pub fn parse_length(value: &str) -> Option<f64> {
    let value = value.trim_matches(|c: char| c.is_ascii_whitespace());
    let (number, used) = number(value)?;
    let unit = value[used..].to_ascii_lowercase();
    let factor = match unit.as_str() {
        "" | "px" => 1.0,
        "in" => 96.0,
        "cm" => 96.0 / 2.54,
        "mm" => 96.0 / 25.4,
        "q" => 96.0 / 101.6,
        "pt" => 96.0 / 72.0,
        "pc" => 16.0,
        _ => return None,
    };
    let pixels = number * factor;
    (pixels.is_finite() && pixels > 0.0).then_some(pixels)
}

/// The width and height of a `viewBox`: four numbers separated by white
/// space and at most one comma each, width and height positive.
pub fn parse_view_box(value: &str) -> Option<(f64, f64)> {
    let mut rest = value.trim_matches(|c: char| c.is_ascii_whitespace());
    let mut numbers = [0.0f64; 4];
    for (index, slot) in numbers.iter_mut().enumerate() {
        if index > 0 {
            // comma-wsp: white space, or an optional comma between
            // optional white space; a sign may also start the next number
            // directly, as SVG's grammar allows (`0-10`).
            let before = rest.len();
            rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
            if let Some(after) = rest.strip_prefix(',') {
                rest = after.trim_start_matches(|c: char| c.is_ascii_whitespace());
            }
            if rest.len() == before && !rest.starts_with(['+', '-', '.']) {
                return None;
            }
        }
        let (n, used) = number(rest)?;
        *slot = n;
        rest = &rest[used..];
    }
    let [_, _, width, height] = numbers;
    (rest.is_empty() && width > 0.0 && height > 0.0).then_some((width, height))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn absolute_lengths_win_and_the_view_box_completes_them() {
        let svg = |attrs: &str| dimensions(format!("<svg {attrs}></svg>").as_bytes());
        assert_eq!(svg("width=\"420\" height=\"320\""), Ok((420, 320)));
        assert_eq!(svg("width='1in' height=\"72pt\""), Ok((96, 96)));
        assert_eq!(svg("viewBox=\"0 0 24 12\""), Ok((24, 12)));
        assert_eq!(svg("width=\"48\" viewBox=\"0,0,24,12\""), Ok((48, 24)));
        assert_eq!(svg("height=\"6px\" viewBox=\"-1-1 24 12\""), Ok((12, 6)));
        assert_eq!(
            svg("width=\"100%\" height=\"2em\" viewBox=\"0 0 1e2 5E1\""),
            Ok((100, 50))
        );
        assert_eq!(svg("width=\"100%\""), Err(SvgProblem::NoSize));
        assert!(matches!(
            svg("viewBox=\"0 0 0 10\""),
            Err(SvgProblem::ViewBox(_))
        ));
        assert!(matches!(
            svg("width=\"1e9\" height=\"1\""),
            Err(SvgProblem::OutOfRange(..))
        ));
    }

    #[test]
    fn the_root_is_found_past_prologue_and_must_be_svg() {
        let text = "\u{feff}<?xml version=\"1.0\"?>\n<!-- made by hand -->\n<!DOCTYPE svg>\n<svg:svg xmlns:svg=\"http://www.w3.org/2000/svg\" width=\"2\" height=\"3\"/>";
        assert_eq!(dimensions(text.as_bytes()), Ok((2, 3)));
        assert!(matches!(
            dimensions(b"<html width=\"1\" height=\"1\"/>"),
            Err(SvgProblem::NoRoot(_))
        ));
        assert!(matches!(dimensions(b""), Err(SvgProblem::NoRoot(_))));
        assert_eq!(dimensions(&[0xff, 0xfe]), Err(SvgProblem::NotText));
        assert!(matches!(
            dimensions(b"<svg width=\"&bogus;\" height=\"1\"/>"),
            Err(SvgProblem::Attribute(_))
        ));
    }

    #[test]
    fn view_box_separators_follow_the_grammar() {
        assert_eq!(parse_view_box("0 0 10 20"), Some((10.0, 20.0)));
        assert_eq!(parse_view_box(" 0 , 0 ,10,\t20 "), Some((10.0, 20.0)));
        assert_eq!(parse_view_box("0 0 .5.5"), Some((0.5, 0.5)));
        for bad in [
            "",
            "0 0 10",
            "0 0 10 20 30",
            "0,,0 10 20",
            "0 0 10 -20",
            "0 0 10 20px",
            "a b c d",
            "0 0 1e999 1",
            "0 0 NaN 1",
        ] {
            assert_eq!(parse_view_box(bad), None, "{bad:?}");
        }
    }

    fn spaced_number() -> impl Strategy<Value = (f64, String)> {
        (1u32..100_000, 0u32..1000, "[ \t\n]{0,2}").prop_map(|(whole, thousandths, space)| {
            let text = format!("{whole}.{thousandths:03}");
            (text.parse().unwrap(), format!("{space}{text}{space}"))
        })
    }

    proptest! {
        #![proptest_config(super::super::test_config())]

        /// Any text as a viewBox or length parses or is refused without
        /// panicking, and what parses is positive and finite.
        #[test]
        fn fuzz_view_box_and_lengths_never_panic(text in "[-+0-9.,eE \tpxin%]{0,30}|\\PC{0,20}") {
            if let Some((w, h)) = parse_view_box(&text) {
                prop_assert!(w > 0.0 && h > 0.0 && w.is_finite() && h.is_finite());
            }
            if let Some(length) = parse_length(&text) {
                prop_assert!(length > 0.0 && length.is_finite());
            }
        }

        /// Four numbers written with any accepted separators read back as
        /// written.
        #[test]
        fn fuzz_view_box_round_trips(
            (_, xs) in spaced_number(),
            (w, ws) in spaced_number(),
            (h, hs) in spaced_number(),
            comma in proptest::bool::ANY,
        ) {
            let separator = if comma { "," } else { " " };
            let text = format!("{xs}{separator}{xs}{separator}{ws}{separator}{hs}");
            prop_assert_eq!(parse_view_box(&text), Some((w, h)), "{}", text);
        }

        /// Any bytes as an SVG file give a size within range or an error,
        /// never a panic.
        #[test]
        fn fuzz_svg_files_never_panic(
            prefix in "(<\\?xml version=\"1.0\"\\?>|<!--x-->|<!DOCTYPE svg>|\\s){0,3}",
            attrs in proptest::collection::vec("(width|height|viewBox)=\"[-0-9., %empx]{0,12}\"", 0..4),
            tail in "\\PC{0,10}",
        ) {
            let text = format!("{prefix}<svg {}>{tail}", attrs.join(" "));
            if let Ok((w, h)) = dimensions(text.as_bytes()) {
                prop_assert!((1..=100_000).contains(&w) && (1..=100_000).contains(&h));
            }
        }
    }
}
