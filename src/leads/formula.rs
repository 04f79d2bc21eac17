//! Neutralising spreadsheet formulas in exported CSV cells.
//!
//! A spreadsheet that opens a CSV file evaluates a cell that starts with
//! `=`, `+`, `-` or `@` as a formula (and tab or carriage return let some
//! importers shift the cell so that a formula follows), which turns a lead
//! form into a way to run `HYPERLINK` or DDE payloads on the operator's
//! machine. OWASP's remedy is to start such cells with a `'`, which every
//! common spreadsheet reads as "this is text" and hides.
//!
//! The check is made on the cell as a spreadsheet would read it: leading
//! whitespace and invisible characters are skipped (importers trim them),
//! and the full-width forms of the trigger characters count as the
//! characters themselves (some locales' spreadsheets convert them).

use std::borrow::Cow;

use crate::leads::sql::is_invisible_format;

/// The marker prepended to a neutralised cell.
pub const TEXT_MARKER: char = '\'';

/// Whether a spreadsheet could read `cell` as a formula.
pub fn is_formula_like(cell: &str) -> bool {
    if cell.starts_with(['\t', '\r', '\n']) {
        return true;
    }
    let first = cell
        .chars()
        .find(|c| !(c.is_whitespace() || c.is_control() || is_invisible_format(*c)));
    matches!(
        first,
        Some(
            '=' | '+'
                | '-'
                | '@'
                | '\u{FF1D}'
                | '\u{FF0B}'
                | '\u{FF0D}'
                | '\u{FF20}'
                | '\u{FE62}'
                | '\u{FE63}'
                | '\u{FE66}'
                | '\u{FE6B}'
                | '\u{2212}'
        )
    )
}

/// `cell` as it is safe to write into a CSV file: unchanged, or with
/// [`TEXT_MARKER`] in front when a spreadsheet could read it as a formula.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if is_formula_like(cell) {
        Cow::Owned(format!("{TEXT_MARKER}{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn prefixes_cells_that_start_a_formula() {
        for cell in [
            "=HYPERLINK(\"https://attacker.example\",\"Click\")",
            "+1+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1:A2)",
            "\t=1+1",
            "\r=1+1",
            "\n=1+1",
            "  =1+1",
            "\u{A0}=1+1",
            "\u{200B}=1+1",
            "＝1+1",
            "＋1",
            "－1",
            "＠SUM(1)",
            "=cmd@customer.example",
        ] {
            assert!(is_formula_like(cell), "{cell:?}");
            assert_eq!(neutralise(cell), format!("'{cell}"));
        }
    }

    #[test]
    fn leaves_ordinary_cells_alone() {
        for cell in [
            "",
            "Quinn Marlowe",
            "quinn@customer.example",
            "Harbor Logistics (=the best)",
            "2026-01-31T09:30:00.000Z",
            "1+1",
            "'already text",
            "We run 4 warehouses.\r\nThanks.",
        ] {
            assert!(!is_formula_like(cell), "{cell:?}");
            assert!(matches!(neutralise(cell), Cow::Borrowed(_)));
        }
    }

    proptest! {
        #[test]
        fn neutralised_cells_never_start_a_formula(cell in any::<String>()) {
            let safe = neutralise(&cell);
            prop_assert!(!is_formula_like(&safe));
            // Nothing is lost: the original follows the marker.
            prop_assert!(safe.ends_with(cell.as_str()));
            prop_assert!(safe.len() <= cell.len() + 1);
        }

        #[test]
        fn any_trigger_behind_blanks_is_caught(
            blanks in "[ \u{A0}\u{2003}\u{200B}\u{FEFF}]{0,4}",
            trigger in "[=+@＝＋－＠-]",
            rest in "\\PC{0,20}",
        ) {
            let cell = format!("{blanks}{trigger}{rest}");
            prop_assert!(is_formula_like(&cell));
        }
    }
}
