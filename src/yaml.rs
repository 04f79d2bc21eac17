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

/// Whether `path` is reached from `site_dir` through a symbolic link, or
/// is not inside it at all: then it may be any file on the machine, and
/// errors about it give positions but never its text. Only a relative
/// path of plain names, none of them a link, counts as the site's own.
pub(crate) fn is_linked_or_outside(site_dir: &std::path::Path, path: &std::path::Path) -> bool {
    use std::path::Component;
    let Ok(relative) = path.strip_prefix(site_dir) else {
        return true;
    };
    let mut current = site_dir.to_path_buf();
    for component in relative.components() {
        let Component::Normal(name) = component else {
            return true;
        };
        current.push(name);
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => return true,
            Ok(_) => {}
            // A missing file quotes nothing; the read reports it.
            Err(_) => return false,
        }
    }
    false
}
