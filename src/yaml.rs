//! Turns serde-saphyr errors into a plain message plus a position, so the
//! generator can print `file:line:col: message` with lines counted from the
//! start of the authored file rather than from the start of the YAML text.

/// Splits a YAML error into its message (without the trailing location the
/// library appends) and its 1-based line and column within the YAML text.
pub(crate) fn yaml_error_parts(
    error: &serde_saphyr::Error,
) -> (String, Option<usize>, Option<usize>) {
    let plain = error.without_snippet().to_string();
    let location = error.location();
    let message = match plain.rsplit_once(" at line ") {
        Some((message, tail)) if tail.contains(", column ") => message.to_string(),
        _ => plain,
    };
    (
        message,
        location.map(|l| l.line() as usize),
        location.map(|l| l.column() as usize),
    )
}
