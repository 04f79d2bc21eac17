//! `sitemap.xml` and `robots.txt`.
//!
//! The sitemap lists only public, indexable, published pages. `robots.txt`
//! never disallows anything: a crawler that may not fetch a page cannot see
//! its `noindex`, so disallowing would make hidden pages more visible.

use crate::content::Page;

/// The sitemap for `pages` (already without drafts), URLs absolute. A
/// page with `updated` or `date` gets a `<lastmod>` in W3C datetime form.
pub fn sitemap_xml(base_url: &str, pages: &[Page]) -> String {
    let mut urls: Vec<(&str, Option<String>)> = pages
        .iter()
        .filter(|p| p.in_sitemap())
        .map(|p| (p.url.as_str(), p.last_modified().map(|d| d.w3c())))
        .collect();
    urls.sort_unstable();
    let mut out = String::with_capacity(100 + urls.len() * (base_url.len() + 40));
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (url, lastmod) in urls {
        out.push_str("  <url><loc>");
        push_xml_escaped(&mut out, base_url);
        push_xml_escaped(&mut out, &percent_encode_path(url));
        out.push_str("</loc>");
        if let Some(lastmod) = lastmod {
            out.push_str("<lastmod>");
            push_xml_escaped(&mut out, &lastmod);
            out.push_str("</lastmod>");
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

/// `robots.txt`: allow everything and name the sitemap.
pub fn robots_txt(base_url: &str) -> String {
    format!("User-agent: *\nAllow: /\n\nSitemap: {base_url}/sitemap.xml\n")
}

/// A page path as a URL carries it: every byte outside RFC 3986's
/// unreserved characters, sub-delimiters, `:`, `@` and `/` is
/// percent-encoded, `%` included, since page paths come from file names
/// (`About Us.md` gives `/About%20Us/`, `100%.md` gives `/100%25/`). The
/// sitemaps protocol asks for URLs encoded this way, and crawlers reject
/// or misread raw spaces and non-ASCII text.
pub(crate) fn percent_encode_path(path: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
                    | b'/'
            );
        if keep {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    out
}

fn push_xml_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SiteConfig;
    use proptest::prelude::*;

    #[test]
    fn paths_are_percent_encoded_once() {
        assert_eq!(percent_encode_path("/About Us/"), "/About%20Us/");
        assert_eq!(percent_encode_path("/100%/"), "/100%25/");
        assert_eq!(percent_encode_path("/café/"), "/caf%C3%A9/");
        assert_eq!(percent_encode_path("/a&b/c@d:e/"), "/a&b/c@d:e/");
        assert_eq!(percent_encode_path("/x?y#z/"), "/x%3Fy%23z/");
    }

    proptest! {
        /// Whatever the path, the encoded form is ASCII without spaces and
        /// decodes back to the path.
        #[test]
        fn fuzz_encoded_paths_round_trip(path in "\\PC{0,40}") {
            let encoded = percent_encode_path(&path);
            prop_assert!(encoded.bytes().all(|b| b.is_ascii_graphic()));
            let mut decoded = Vec::new();
            let bytes = encoded.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'%' {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                    decoded.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 3;
                } else {
                    decoded.push(bytes[i]);
                    i += 1;
                }
            }
            prop_assert_eq!(String::from_utf8(decoded).unwrap(), path);
        }
    }
    use crate::content::parse_page;

    #[test]
    fn lists_only_public_indexable_pages() {
        let config = SiteConfig::parse(
            "name: S\nbase_url: https://s.example\ncontact_email: a@s.example\nadmin_prefixes: [console]\nslugify: off\n",
        )
        .unwrap();
        let pages: Vec<Page> = [
            ("index.md", "---\ntitle: Home\n---\n"),
            ("b&c.md", "---\ntitle: B\n---\n"),
            (
                "news/a.md",
                "---\ntitle: A\ndate: 2026-03-01\nupdated: 2026-03-04T10:00:00+01:00\n---\n",
            ),
            ("news/b.md", "---\ntitle: B\ndate: 2026-03-02\n---\n"),
            ("thanks.md", "---\ntitle: T\nnoindex: true\n---\n"),
            ("console/index.md", "---\ntitle: C\n---\n"),
            ("ops.md", "---\ntitle: O\nsurface: admin\n---\n"),
            ("404.md", "---\ntitle: Missing\n---\n"),
        ]
        .iter()
        .map(|(source, text)| parse_page(source, text, &config).unwrap())
        .collect();
        let xml = sitemap_xml(&config.base_url, &pages);
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n  \
             <url><loc>https://s.example/</loc></url>\n  \
             <url><loc>https://s.example/b&amp;c/</loc></url>\n  \
             <url><loc>https://s.example/news/a/</loc><lastmod>2026-03-04T10:00:00+01:00</lastmod></url>\n  \
             <url><loc>https://s.example/news/b/</loc><lastmod>2026-03-02</lastmod></url>\n\
             </urlset>\n"
        );
        let spaced = parse_page("About Us.md", "---\ntitle: About\n---\n", &config).unwrap();
        let xml = sitemap_xml(&config.base_url, &[spaced]);
        assert!(
            xml.contains("<loc>https://s.example/About%20Us/</loc>"),
            "{xml}"
        );
        let robots = robots_txt(&config.base_url);
        assert!(robots.contains("Sitemap: https://s.example/sitemap.xml"));
        assert!(!robots.contains("Disallow"));
    }
}
