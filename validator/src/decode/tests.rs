use proptest::prelude::*;

use super::*;

fn kinds(decoded: &Decoded) -> Vec<&ProblemKind> {
    decoded.problems.iter().map(|p| &p.kind).collect()
}

#[test]
fn utf8_is_the_default_and_costs_no_copy() {
    let bytes = b"<p onclick=x>caf\xc3\xa9</p>".to_vec();
    let pointer = bytes.as_ptr();
    let decoded = decode(bytes, Syntax::Html);
    assert_eq!(decoded.text, "<p onclick=x>café</p>");
    assert_eq!(decoded.text.as_ptr(), pointer);
    assert_eq!(decoded.encoding, UTF_8);
    assert_eq!(decoded.basis, Basis::Default);
    assert!(decoded.problems.is_empty());
}

#[test]
fn a_byte_order_mark_wins_over_any_declaration() {
    let mut bytes = vec![0xFF, 0xFE];
    for unit in "<meta charset=windows-1252><a onclick=x>".encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    let decoded = decode(bytes, Syntax::Html);
    assert_eq!(decoded.encoding, UTF_16LE);
    assert_eq!(decoded.basis, Basis::Bom);
    assert_eq!(decoded.text, "<meta charset=windows-1252><a onclick=x>");
    assert!(decoded.problems.is_empty(), "{:?}", decoded.problems);

    let decoded = decode(b"\xEF\xBB\xBFbody{}".to_vec(), Syntax::Css);
    assert_eq!(decoded.text, "body{}");
    assert_eq!(decoded.basis, Basis::Bom);
}

#[test]
fn meta_charset_is_found_by_the_prescan() {
    let page = b"<!doctype html><!-- <meta charset=koi8-r> --><html><head>\
        <meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\">\
        <title>caf\xe9</title>"
        .to_vec();
    let decoded = decode(page, Syntax::Html);
    assert_eq!(decoded.encoding, WINDOWS_1252);
    assert!(matches!(decoded.basis, Basis::Declared { .. }));
    assert!(decoded.text.ends_with("<title>café</title>"));
    assert!(decoded.problems.is_empty());

    // `content` without `http-equiv` is not a declaration.
    let decoded = decode(
        b"<meta content=\"text/html; charset=koi8-r\">".to_vec(),
        Syntax::Html,
    );
    assert_eq!(decoded.encoding, UTF_8);

    // Attribute values in other tags do not hide a `<meta`.
    let decoded = decode(
        b"<a title='<meta charset=koi8-r>'></a>".to_vec(),
        Syntax::Html,
    );
    assert_eq!(decoded.encoding, UTF_8);
}

#[test]
fn a_declaration_past_the_window_is_not_seen_by_the_prescan() {
    let mut page = b"<!doctype html>".to_vec();
    page.extend(std::iter::repeat_n(b' ', PRESCAN_BYTES));
    page.extend(b"<meta charset=windows-1252>");
    assert_eq!(decode(page, Syntax::Html).encoding, UTF_8);
}

#[test]
fn stateful_and_incompatible_encodings_are_problems() {
    // `<script>` spelled in JIS X 0208 after an escape sequence: ASCII
    // bytes that a UTF-8 reader takes for text.
    let page = b"<meta charset=iso-2022-jp><p>\x1b$B%F%9%H\x1b(B</p>".to_vec();
    let decoded = decode(page, Syntax::Html);
    assert_eq!(decoded.encoding, ISO_2022_JP);
    assert!(decoded.text.contains("テスト"), "{}", decoded.text);
    assert!(matches!(
        kinds(&decoded)[..],
        [ProblemKind::UnsafeCharset { .. }]
    ));

    for label in ["utf-16", "UTF-16LE", "iso-2022-kr", "hz-gb-2312"] {
        let page = format!("<meta charset=\"{label}\"><p>x</p>").into_bytes();
        let decoded = decode(page, Syntax::Html);
        assert_eq!(decoded.encoding, UTF_8, "{label}");
        assert!(
            matches!(kinds(&decoded)[..], [ProblemKind::UnsafeCharset { .. }]),
            "{label}: {:?}",
            decoded.problems
        );
    }
}

#[test]
fn unknown_labels_are_problems() {
    for label in ["utf-7", "x-klingon", "utf-32"] {
        let decoded = decode(
            format!("<meta charset={label}><p>x</p>").into_bytes(),
            Syntax::Html,
        );
        assert_eq!(decoded.encoding, UTF_8);
        assert_eq!(
            kinds(&decoded),
            [&ProblemKind::UnknownCharset {
                label: label.to_string()
            }]
        );
        assert_eq!(decoded.problems[0].offset, Some(0));
    }
    // A later known declaration is what browsers use.
    let decoded = decode(
        b"<meta charset=x-klingon><meta charset=koi8-r>".to_vec(),
        Syntax::Html,
    );
    assert_eq!(decoded.encoding, encoding_rs::KOI8_R);
    assert!(decoded.problems.is_empty());
}

#[test]
fn xml_and_css_declarations() {
    let svg =
        b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><svg><text>\xe9</text></svg>".to_vec();
    let decoded = decode(svg, Syntax::Xml);
    assert_eq!(decoded.encoding, WINDOWS_1252);
    assert!(decoded.text.contains("<text>é</text>"));

    let page = b"<?xml version='1.0' encoding='iso-2022-jp'?><html>".to_vec();
    let decoded = decode(page, Syntax::Html);
    assert_eq!(decoded.encoding, ISO_2022_JP);

    let css = b"@charset \"koi8-r\"; a{}".to_vec();
    assert_eq!(decode(css, Syntax::Css).encoding, encoding_rs::KOI8_R);
    // CSS matches the rule byte for byte.
    let css = b"@CHARSET \"koi8-r\"; a{}".to_vec();
    assert_eq!(decode(css, Syntax::Css).encoding, UTF_8);
}

#[test]
fn invalid_bytes_and_nuls_are_located() {
    let decoded = decode(b"ok\n\"\x81\\\"; x".to_vec(), Syntax::Plain);
    assert_eq!(decoded.text, "ok\n\"\u{FFFD}\\\"; x");
    assert_eq!(
        decoded.problems,
        [Problem {
            kind: ProblemKind::Invalid {
                encoding: "UTF-8",
                count: 1
            },
            offset: Some(4),
        }]
    );
    let decoded = decode(b"a\0b\0".to_vec(), Syntax::Plain);
    assert_eq!(
        decoded.problems,
        [Problem {
            kind: ProblemKind::Nul { count: 2 },
            offset: Some(1)
        }]
    );
    // Shift_JIS with a lead byte and no trail byte at the end.
    let decoded = decode(b"<meta charset=shift_jis>\x82".to_vec(), Syntax::Html);
    assert!(matches!(
        kinds(&decoded)[..],
        [ProblemKind::Invalid { count: 1, .. }]
    ));
}

#[test]
fn characters_split_across_chunks_decode_whole() {
    // An odd prefix puts a two-byte Shift_JIS character across every chunk
    // boundary.
    let mut bytes = b"<meta charset=shift_jis>x".to_vec();
    for _ in 0..DECODE_CHUNK + 100 {
        bytes.extend_from_slice(&[0x83, 0x65]);
    }
    let expected = encoding_rs::SHIFT_JIS.decode(&bytes).0.into_owned();
    let decoded = decode(bytes, Syntax::Html);
    assert_eq!(decoded.text, expected);
    assert!(decoded.problems.is_empty(), "{:?}", decoded.problems);
}

#[test]
fn charset_in_content_follows_the_standard() {
    assert_eq!(
        charset_in_content(b"text/html; charset=utf-8"),
        Some(b"utf-8".to_vec())
    );
    assert_eq!(
        charset_in_content(b"text/html;CHARSET = 'koi8-r' x"),
        Some(b"koi8-r".to_vec())
    );
    assert_eq!(charset_in_content(b"text/html; charset=\"utf-8"), None);
    assert_eq!(
        charset_in_content(b"charsetcharset=big5;x"),
        Some(b"big5".to_vec())
    );
    assert_eq!(charset_in_content(b"text/html"), None);
}

#[test]
fn meta_encoding_maps_like_browsers() {
    assert_eq!(meta_encoding(Some("utf-16le"), None), Some(UTF_8));
    assert_eq!(
        meta_encoding(Some("x-user-defined"), None),
        Some(WINDOWS_1252)
    );
    assert_eq!(meta_encoding(Some("nonsense"), None), None);
    assert_eq!(
        meta_encoding(None, Some("text/html; charset=ISO-2022-JP")),
        Some(ISO_2022_JP)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any bytes decode without panicking, in every syntax, into text
    /// whose problems point inside it.
    #[test]
    fn arbitrary_bytes_always_decode(bytes in proptest::collection::vec(any::<u8>(), 0..1500)) {
        for syntax in [Syntax::Html, Syntax::Xml, Syntax::Css, Syntax::Plain] {
            let decoded = decode(bytes.clone(), syntax);
            for problem in &decoded.problems {
                if let Some(offset) = problem.offset {
                    prop_assert!(offset <= decoded.text.len());
                }
            }
            if std::str::from_utf8(&bytes).is_ok()
                && Encoding::for_bom(&bytes).is_none()
                && decoded.basis == Basis::Default
            {
                prop_assert_eq!(decoded.text.as_bytes(), &bytes[..]);
            }
        }
    }

    /// The prescan never panics on markup-like input, and whatever it
    /// finds lies inside the window.
    #[test]
    fn prescan_of_markup_like_input(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("<meta ".to_string()),
                Just("charset=".to_string()),
                Just("http-equiv=content-type ".to_string()),
                Just("content=\"text/html; charset=".to_string()),
                Just("<!--".to_string()),
                Just("-->".to_string()),
                Just("<?xml encoding='".to_string()),
                Just("\"".to_string()),
                Just("'".to_string()),
                Just(">".to_string()),
                Just("/".to_string()),
                Just("<a ".to_string()),
                "[a-z0-9_ =-]{0,12}",
            ],
            0..40,
        )
    ) {
        let page = parts.concat();
        if let Some(found) = html_declaration(page.as_bytes()) {
            prop_assert!(found.at < page.len());
        }
        let _ = decode(page.into_bytes(), Syntax::Html);
    }
}
