//! `securitytxt`: a `security.txt` file (RFC 9116) at `/.well-known/` or
//! at the legacy root location is one a researcher can act on: it names a
//! contact, has not expired, does not claim to be valid for years, and
//! says where its canonical copy lives.
//!
//! The file is parsed as RFC 9116 describes it (field lines, comments, CR
//! LF or LF line ends, unknown fields tolerated, field names compared
//! without case) and, when it is an OpenPGP cleartext-signed message, only
//! the signed text is read, with dash-escaping undone, as a verifying
//! reader would. Whether the signature verifies is not judged: the
//! validator holds no keys. Time is the clock of the check
//! ([`crate::Config::now`]), never read from the network.

use crate::emit::{FileFindings, Message};
use crate::rule::{Category, Rule};
use crate::site::Site;
use crate::url_norm::Target;

/// Where RFC 9116 places the file, and where older sites still serve it.
pub const LOCATIONS: [&str; 2] = [".well-known/security.txt", "security.txt"];

/// How far ahead `Expires` may lie before it is called stale: a year,
/// leap day included.
const MAX_AHEAD_SECONDS: i64 = 366 * 24 * 60 * 60;

const MISSING_HELP: &str = "Add the field; RFC 9116 requires `Contact` and `Expires`.";
const EXPIRES_HELP: &str = "Set `Expires` to an RFC 3339 time less than a year ahead (`Expires: 2027-01-31T00:00:00Z`) and regenerate the file before then.";
const DUPLICATE_HELP: &str =
    "Keep one `Expires` and one `Preferred-Languages` field; readers take either copy.";
const URI_HELP: &str =
    "Write a full URI: `mailto:`, `tel:` or an `https://` URL (RFC 9116 forbids plain `http://`).";
const CANONICAL_HELP: &str = "List the URL this file is served at (`https://<site>/.well-known/security.txt`) among its `Canonical` fields.";
const BROKEN_HELP: &str = "Point the field at a page that is in the bundle, or ship the page.";
const SIGNED_HELP: &str = "Put every field inside the signed text, or remove what follows the signature; readers that verify ignore it, readers that do not are misled by it.";
const MALFORMED_HELP: &str =
    "Write each line as `Field-Name: value`, a `#` comment, or leave it blank.";

/// One field line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The name as written.
    pub name: String,
    /// The value, without the whitespace around it.
    pub value: String,
    /// Byte offset of the line in the file.
    pub offset: usize,
}

impl Field {
    /// Whether this field is `name`, compared without ASCII case as RFC
    /// 9116 requires.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// What a reader takes from a `security.txt` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityTxt {
    /// Every field line of the text that counts, in order.
    pub fields: Vec<Field>,
    /// Offsets of lines that are neither a field, a comment nor blank.
    pub malformed: Vec<usize>,
    /// Whether the file is an OpenPGP cleartext-signed message.
    pub signed: bool,
    /// Offsets of non-blank lines outside the signed text of a signed
    /// file (before the message, or after the signature): no field there
    /// counts.
    pub unsigned: Vec<usize>,
}

/// The lines of `text` with their byte offsets. LF, CR LF and a lone CR
/// each end a line: some readers break at a lone CR, so a line holding one
/// is read as two, the strictest reading.
fn lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                out.push((start, &text[start..i]));
                start = i + 1;
            }
            b'\r' => {
                out.push((start, &text[start..i]));
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < text.len() {
        out.push((start, &text[start..]));
    }
    out
}

const SIGNED_START: &str = "-----BEGIN PGP SIGNED MESSAGE-----";
const SIGNATURE_START: &str = "-----BEGIN PGP SIGNATURE-----";
const SIGNATURE_END: &str = "-----END PGP SIGNATURE-----";

/// Parses `text` as RFC 9116 describes it.
pub fn parse(text: &str) -> SecurityTxt {
    // A byte order mark is not part of the first line; offsets still
    // count it, since they point into the file as read.
    let stripped = text.strip_prefix('\u{feff}').unwrap_or(text);
    let shift = text.len() - stripped.len();
    let text = stripped;
    let all = lines(text);
    let mut out = SecurityTxt::default();
    let signed_at = all
        .iter()
        .position(|(_, line)| line.trim_end() == SIGNED_START);
    let Some(signed_at) = signed_at else {
        for &(offset, line) in &all {
            read_line(line, offset + shift, &mut out);
        }
        return out;
    };
    out.signed = true;
    out.unsigned.extend(
        all[..signed_at]
            .iter()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|&(offset, _)| offset + shift),
    );
    // Armor headers (`Hash: SHA512`) run to the first blank line; the
    // signed text follows, up to the signature block.
    let mut index = signed_at + 1;
    while index < all.len() && !all[index].1.trim().is_empty() {
        index += 1;
    }
    index += 1;
    while index < all.len() {
        let (offset, line) = all[index];
        if line.trim_end() == SIGNATURE_START {
            break;
        }
        // Dash-escaping (RFC 4880, 7.1): a signed line starting with `-`
        // is written `- -…`; the text is the line without its `- `.
        match line.strip_prefix("- ") {
            Some(rest) => read_line(rest, offset + shift + 2, &mut out),
            None => read_line(line, offset + shift, &mut out),
        }
        index += 1;
    }
    while index < all.len() && all[index].1.trim_end() != SIGNATURE_END {
        index += 1;
    }
    out.unsigned.extend(
        all.iter()
            .skip(index + 1)
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|&(offset, _)| offset + shift),
    );
    out
}

/// Reads one line of the text that counts.
fn read_line(line: &str, offset: usize, out: &mut SecurityTxt) {
    let trimmed = line.trim_matches([' ', '\t']);
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return;
    }
    // A field name is printable ASCII without `:` (RFC 9116 §4, after RFC
    // 5322), directly followed by the colon.
    let field = line.split_once(':').filter(|(name, _)| {
        !name.is_empty() && name.bytes().all(|b| (33..=126).contains(&b) && b != b':')
    });
    match field {
        Some((name, value)) => out.fields.push(Field {
            name: name.to_string(),
            value: value.trim_matches([' ', '\t']).to_string(),
            offset,
        }),
        None => out.malformed.push(offset),
    }
}

/// Seconds since the Unix epoch of an RFC 3339 `date-time`
/// (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, `T` and `Z` in either
/// case), which is what `Expires` holds. Anything else, a day that does
/// not exist included, is `None`. A leap second reads as the second
/// after it.
pub fn parse_date_time(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = bytes.get(range)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        part.iter().try_fold(0i64, |n, d| {
            n.checked_mul(10)?.checked_add(i64::from(d - b'0'))
        })
    };
    let at = |i: usize, expected: &[u8]| bytes.get(i).is_some_and(|b| expected.contains(b));
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt") && at(13, b":") && at(16, b":")) {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let mut rest = 19;
    if at(rest, b".") {
        let count = bytes[rest + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if count == 0 {
            return None;
        }
        rest += 1 + count;
    }
    let offset = if at(rest, b"Zz") && bytes.len() == rest + 1 {
        0
    } else if at(rest, b"+-") && at(rest + 3, b":") && bytes.len() == rest + 6 {
        let (hours, minutes) = (digits(rest + 1..rest + 3)?, digits(rest + 4..rest + 6)?);
        if hours > 23 || minutes > 59 {
            return None;
        }
        let sign = if bytes[rest] == b'-' { -1 } else { 1 };
        sign * (hours * 3600 + minutes * 60)
    } else {
        return None;
    };
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > days_in_month || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Days from 1970-01-01 to a day of the proleptic Gregorian calendar
/// (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = (month + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Fields whose value is a URI, and fields that may appear only once.
const URI_FIELDS: &[&str] = &[
    "Contact",
    "Canonical",
    "Policy",
    "Encryption",
    "Acknowledgments",
    "Hiring",
    "CSAF",
];
const SINGLE_FIELDS: &[&str] = &["Expires", "Preferred-Languages"];

/// Checks the `security.txt` served at bundle path `served` (one of
/// [`LOCATIONS`]).
pub(crate) fn check(
    site: &Site,
    index: usize,
    served: &str,
    text: &str,
    out: &mut FileFindings<'_>,
) {
    out.examine(&CATEGORY);
    let file = parse(text);
    let file_url = site.origins.page(&format!("/{served}"));
    for &offset in &file.malformed {
        out.at(
            offset,
            Message::warning(
                "securitytxt/malformed-line",
                "this line is neither a field, a comment nor blank; readers skip it",
                MALFORMED_HELP,
            ),
        );
    }
    for &offset in &file.unsigned {
        out.at(
            offset,
            Message::error(
                "securitytxt/unsigned-content",
                "text outside the signed part of a signed security.txt: readers that verify the signature ignore it",
                SIGNED_HELP,
            ),
        );
    }
    for name in SINGLE_FIELDS {
        for field in file.fields.iter().filter(|f| f.is(name)).skip(1) {
            out.at(
                field.offset,
                Message::error(
                    "securitytxt/duplicate-field",
                    format!("a second `{name}` field; RFC 9116 allows one"),
                    DUPLICATE_HELP,
                ),
            );
        }
    }
    for name in ["Contact", "Expires"] {
        if !file.fields.iter().any(|f| f.is(name)) {
            out.whole_file(Message::error(
                "securitytxt/missing-field",
                format!("security.txt has no `{name}` field"),
                MISSING_HELP,
            ));
        }
    }
    for field in file.fields.iter().filter(|f| f.is("Expires")) {
        let now = site.clock(index);
        match parse_date_time(&field.value) {
            None => out.at(
                field.offset,
                Message::error(
                    "securitytxt/expires",
                    format!(
                        "`Expires` value {} is not an RFC 3339 date and time",
                        field.value.escape_debug()
                    ),
                    EXPIRES_HELP,
                ),
            ),
            Some(expires) if expires <= now => out.at(
                field.offset,
                Message::error(
                    "securitytxt/expires",
                    format!("security.txt expired at {}", field.value),
                    EXPIRES_HELP,
                ),
            ),
            Some(expires) if expires - now > MAX_AHEAD_SECONDS => out.at(
                field.offset,
                Message::warning(
                    "securitytxt/expires-far",
                    format!(
                        "`Expires` {} is more than a year ahead; the file may go stale unnoticed",
                        field.value
                    ),
                    EXPIRES_HELP,
                ),
            ),
            Some(_) => {}
        }
    }
    for field in file
        .fields
        .iter()
        .filter(|f| URI_FIELDS.iter().any(|name| f.is(name)))
    {
        check_uri(site, &file_url, field, out);
    }
    let canonicals: Vec<&Field> = file.fields.iter().filter(|f| f.is("Canonical")).collect();
    if site.origins.site().is_some()
        && !canonicals.is_empty()
        && !canonicals.iter().any(|field| {
            matches!(
                site.origins.classify_on(&field.value, &file_url),
                Target::SameOrigin { ref path, query: None, .. } if *path == format!("/{served}")
            )
        })
    {
        out.at(
            canonicals[0].offset,
            Message::error(
                "securitytxt/canonical-mismatch",
                format!("no `Canonical` field names this file's URL, {file_url}"),
                CANONICAL_HELP,
            ),
        );
    }
}

/// Why `value` cannot stand in the URI field `name` (`Contact`,
/// `Policy`, …), if it cannot: it must be an absolute URI, a web URI over
/// HTTPS, and `Contact` may also be `mailto:` or `tel:`, `Encryption`
/// `dns:` or `openpgp4fpr:`. The generator asks this of `site.yaml`'s
/// values too, so the file it writes is one this rule accepts.
pub fn uri_problem(name: &str, value: &str) -> Option<String> {
    let Ok(parsed) = url::Url::parse(value) else {
        return Some(format!(
            "value {} is not an absolute URI",
            value.escape_debug()
        ));
    };
    let scheme = parsed.scheme();
    let allowed = if name.eq_ignore_ascii_case("Contact") {
        matches!(scheme, "https" | "mailto" | "tel")
    } else if name.eq_ignore_ascii_case("Encryption") {
        matches!(scheme, "https" | "dns" | "openpgp4fpr")
    } else {
        scheme == "https"
    };
    (!allowed).then(|| format!("uses the scheme `{scheme}:`, which RFC 9116 does not allow there"))
}

/// A URI field must hold an acceptable URI ([`uri_problem`]), and a
/// same-origin one must point at a file of the bundle.
fn check_uri(site: &Site, file_url: &url::Url, field: &Field, out: &mut FileFindings<'_>) {
    let value = field.value.as_str();
    if let Some(problem) = uri_problem(&field.name, value) {
        out.at(
            field.offset,
            Message::error(
                "securitytxt/bad-uri",
                format!("`{}` {problem}", field.name),
                URI_HELP,
            ),
        );
        return;
    }
    if field.is("Canonical") {
        return;
    }
    if let Target::SameOrigin { path, .. } = site.origins.classify_on(value, file_url)
        && site.origins.site().is_some()
        && site.resolve(&path).is_none()
        && !site.worker_routes.is_match(path.as_str())
    {
        out.at(
            field.offset,
            Message::error(
                "securitytxt/broken-link",
                format!(
                    "`{}` points at {path}, which is not in the bundle",
                    field.name
                ),
                BROKEN_HELP,
            ),
        );
    }
}

pub const CATEGORY: Category = Category {
    name: "securitytxt",
    title: "a security.txt a researcher can act on",
    security_severity: 4.0,
    rules: &[
        Rule::error(
            "securitytxt/missing-field",
            "a `security.txt` (at `/.well-known/` or the root) without a `Contact` or an `Expires` field, field names compared without case and only inside the signed text of a signed file",
            "RFC 9116 requires both: without a contact there is no one to report to, and without an expiry readers cannot tell a stale file from a current one",
            "add the field",
        ),
        Rule::error(
            "securitytxt/expires",
            "an `Expires` that is not an RFC 3339 date and time, or lies in the past of the check's clock (`--now`, `SOURCE_DATE_EPOCH`, else the system clock)",
            "an expired file tells researchers its contacts may no longer be read",
            "set `Expires` less than a year ahead and regenerate the file before then",
        ),
        Rule::warning(
            "securitytxt/expires-far",
            "an `Expires` more than a year (366 days) after the check's clock",
            "RFC 9116 recommends less than a year, so that a file nobody maintains expires rather than misleads",
            "set `Expires` less than a year ahead",
        ),
        Rule::error(
            "securitytxt/duplicate-field",
            "`Expires` or `Preferred-Languages` appearing more than once, in any case",
            "RFC 9116 allows each once; two copies are read differently by different tools",
            "keep one",
        ),
        Rule::error(
            "securitytxt/bad-uri",
            "a `Contact`, `Canonical`, `Policy`, `Encryption`, `Acknowledgments`, `Hiring` or `CSAF` value that is not an absolute URI, or a web URI that is not `https:` (`Contact` may also be `mailto:` or `tel:`, `Encryption` `dns:` or `openpgp4fpr:`)",
            "RFC 9116 requires web URIs over HTTPS; a contact that cannot be read as a URI reaches no one",
            "write a full `https://`, `mailto:` or `tel:` URI",
        ),
        Rule::error(
            "securitytxt/canonical-mismatch",
            "`Canonical` fields, none of which is the URL the file is served at, when the site origin is known",
            "a copy whose canonical URL is elsewhere is a file copied from another site or left behind by a move",
            "list the file's own URL among its `Canonical` fields",
        ),
        Rule::error(
            "securitytxt/broken-link",
            "a `Policy`, `Acknowledgments`, `Hiring`, `CSAF` or `Encryption` URL on the site's own origin that is not in the bundle",
            "the researcher is sent to a page that does not exist",
            "fix the URL or ship the page",
        ),
        Rule::error(
            "securitytxt/unsigned-content",
            "non-blank text before or after the signed part of an OpenPGP cleartext-signed `security.txt`",
            "a reader that verifies the signature ignores it, one that does not trusts it: a field added there by anyone looks signed to the second",
            "keep every field inside the signed text",
        ),
        Rule::warning(
            "securitytxt/malformed-line",
            "a line that is neither `Name: value`, a `#` comment nor blank",
            "readers skip it, so what it says is lost",
            "write it as a field or a comment",
        ),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fields_comments_and_line_ends() {
        let file = parse(
            "# hi\r\nContact: mailto:a@b.example\r\nexpires:2030-01-01T00:00:00Z\nbogus line\rX-Thing: y\n",
        );
        let names: Vec<&str> = file.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Contact", "expires", "X-Thing"]);
        assert_eq!(file.fields[1].value, "2030-01-01T00:00:00Z");
        assert_eq!(file.malformed.len(), 1);
        assert!(file.fields[1].is("Expires"));
    }

    #[test]
    fn signed_files_count_only_the_signed_text() {
        let text = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nContact: mailto:a@b.example\n- -Expires: x\n-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\nExpires: 2030-01-01T00:00:00Z\n";
        let file = parse(text);
        assert!(file.signed);
        let names: Vec<&str> = file.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Contact", "-Expires"]);
        assert_eq!(file.unsigned.len(), 1);
        assert_eq!(&text[file.unsigned[0]..file.unsigned[0] + 8], "Expires:");
        assert_eq!(
            &text[file.fields[1].offset..file.fields[1].offset + 2],
            "-E"
        );
    }

    #[test]
    fn date_times_are_rfc_3339_only() {
        assert_eq!(parse_date_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date_time("2026-06-01T00:00:00Z"), Some(1_780_272_000));
        assert_eq!(parse_date_time("1970-01-01t01:00:00+01:00"), Some(0));
        assert_eq!(parse_date_time("1970-01-01T00:00:00.5-00:30"), Some(1800));
        assert_eq!(parse_date_time("2024-02-29T00:00:00Z"), Some(1_709_164_800));
        for bad in [
            "2025-02-29T00:00:00Z",
            "2026-06-01",
            "2026-06-01T00:00Z",
            "2026-06-01T24:00:00Z",
            "2026-06-01T00:00:00+24:00",
            "2026-06-01T00:00:00",
            "2026-06-01T00:00:00.Z",
            "2026-06-01 00:00:00Z",
            "+2026-06-01T00:00:00Z",
            "2026-06-01T00:00:00ZZ",
        ] {
            assert_eq!(parse_date_time(bad), None, "{bad}");
        }
    }

    proptest! {
        #![proptest_config(crate::fuzz::config())]

        /// Whatever the text, parsing terminates, every offset lies on a
        /// character boundary of the text, and a field's line starts with
        /// its name.
        #[test]
        fn fuzz_parse_offsets_point_at_lines(text in "(\\PC|[\r\n:#-]){0,200}") {
            let file = parse(&text);
            for field in &file.fields {
                prop_assert!(text.is_char_boundary(field.offset));
                prop_assert!(text[field.offset..].starts_with(&field.name));
                prop_assert!(!field.name.contains(':'));
            }
            for &offset in file.malformed.iter().chain(&file.unsigned) {
                prop_assert!(text.is_char_boundary(offset));
            }
        }

        /// Every time written in the one accepted shape reads back as the
        /// instant it names.
        #[test]
        fn fuzz_date_time_round_trips(
            days in 0i64..200_000,
            seconds in 0i64..86_400,
            offset_minutes in -1439i64..1440,
        ) {
            let instant = (days - 100_000) * 86_400 + seconds;
            let local = instant + offset_minutes * 60;
            let (day, time) = (local.div_euclid(86_400), local.rem_euclid(86_400));
            let (year, month, date) = civil_from_days(day);
            prop_assume!((0..=9999).contains(&year));
            let sign = if offset_minutes < 0 { '-' } else { '+' };
            let text = format!(
                "{year:04}-{month:02}-{date:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
                time / 3600, time / 60 % 60, time % 60,
                offset_minutes.abs() / 60, offset_minutes.abs() % 60,
            );
            prop_assert_eq!(parse_date_time(&text), Some(instant), "{}", text);
        }

        /// No input makes the date reader panic.
        #[test]
        fn fuzz_date_time_never_panics(text in "[0-9:TZ.+-]{0,30}|\\PC{0,30}") {
            let _ = parse_date_time(&text);
        }
    }

    /// The inverse of [`days_from_civil`], for the round-trip property.
    fn civil_from_days(days: i64) -> (i64, i64, i64) {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        (year, month, day)
    }
}
