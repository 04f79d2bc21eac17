//! Social and search metadata: the values templates print as Open Graph
//! and Twitter card tags (`page.social`), and the JSON-LD a page carries
//! as a `<script type="application/ld+json">` data block
//! (`page.json_ld`).
//!
//! The JSON-LD is serialised here, never by a template: [`json_ld_text`]
//! writes JSON whose `<`, `>` and `&` are `\u003c`, `\u003e` and
//! `\u0026`, and whose U+2028 and U+2029 are escaped too, so no value (a
//! page title holding `</script>` or `<!--`) can end the data block or
//! change how the HTML parser reads it. A data block is not script: it
//! runs under any CSP, and the validator treats it as data.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use serde_saphyr::Spanned;

use crate::assets::AssetMap;
use crate::config::SiteConfig;
use crate::content::Page;
use crate::error::Error;
use crate::security_txt::spot_of;

/// The `social:` section of `site.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SocialConfig {
    /// The share image: a file under `static/` by its site path
    /// (`/img/card.png`); published fingerprinted, linked absolute.
    pub image: Spanned<String>,
    /// What the image shows, for `og:image:alt` and `twitter:image:alt`.
    #[serde(default)]
    pub image_alt: Option<String>,
    /// The site's handle for `twitter:site` (`@baystore`).
    #[serde(default)]
    pub twitter_site: Option<String>,
}

/// What templates see as `page.social`.
#[derive(Debug, Clone, Serialize)]
pub struct SocialContext {
    /// `article` for a dated page, else `website`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The absolute, fingerprinted URL of the share image, when the site
    /// has one.
    pub image: Option<String>,
    pub image_alt: Option<String>,
    /// `summary_large_image` with an image, else `summary`.
    pub twitter_card: &'static str,
    pub twitter_site: Option<String>,
}

/// The share image's absolute URL, checked once per build: the file must
/// be a static file, else an error at its `site.yaml` line.
pub fn image_url(config: &SiteConfig, assets: &AssetMap) -> Result<Option<String>, Error> {
    let Some(social) = &config.social else {
        return Ok(None);
    };
    let path = social.image.value.as_str();
    match assets.get(path) {
        Some(asset) => Ok(Some(format!("{}{}", config.base_url, asset.url))),
        None => Err(Error::SiteConfig {
            spot: spot_of(&social.image),
            message: format!(
                "social.image {} is not a file under static/ (name it by its site path, e.g. `/img/card.png`)",
                crate::source_text::escape(path)
            ),
        }),
    }
}

/// `page.social` for `page`.
pub fn context(config: &SiteConfig, page: &Page, image: Option<&str>) -> SocialContext {
    let social = config.social.as_ref();
    SocialContext {
        kind: if page.front.date.is_some() {
            "article"
        } else {
            "website"
        },
        image: image.map(str::to_string),
        image_alt: social.and_then(|s| s.image_alt.clone()),
        twitter_card: if image.is_some() {
            "summary_large_image"
        } else {
            "summary"
        },
        twitter_site: social.and_then(|s| s.twitter_site.clone()),
    }
}

/// The JSON-LD graph of `page`: the site's `Organization` and `WebSite`,
/// and an `Article` when the page is dated.
pub fn graph(config: &SiteConfig, page: &Page, image: Option<&str>) -> Value {
    let base = &config.base_url;
    let organization_id = format!("{base}/#organization");
    let mut organization = json!({
        "@type": "Organization",
        "@id": organization_id,
        "name": config.name,
        "url": format!("{base}/"),
    });
    if let Some(image) = image {
        organization["logo"] = json!(image);
    }
    let mut nodes = vec![
        organization,
        json!({
            "@type": "WebSite",
            "@id": format!("{base}/#website"),
            "name": config.name,
            "url": format!("{base}/"),
            "inLanguage": config.language,
            "publisher": {"@id": organization_id},
        }),
    ];
    if let Some(date) = &page.front.date {
        let permalink = format!("{base}{}", crate::sitemap::percent_encode_path(&page.url));
        let mut article = json!({
            "@type": "Article",
            "headline": page.front.title,
            "url": permalink,
            "mainEntityOfPage": permalink,
            "datePublished": date.rfc3339(),
            "dateModified": page.last_modified().unwrap_or(date).rfc3339(),
            "author": {"@id": organization_id},
            "publisher": {"@id": organization_id},
            "inLanguage": config.language,
        });
        if let Some(description) = &page.front.description {
            article["description"] = json!(description);
        }
        if let Some(image) = image {
            article["image"] = json!(image);
        }
        nodes.push(article);
    }
    json!({"@context": "https://schema.org", "@graph": nodes})
}

/// `value` as JSON text that is safe inside a `<script>` data block:
/// `<`, `>`, `&`, U+2028 and U+2029 escaped as `\uXXXX`. These characters
/// occur in serde_json's output only inside strings, where the escape
/// means the same character, so the JSON is unchanged in meaning.
pub fn json_ld_text(value: &Value) -> String {
    let text = value.to_string();
    // The bytes that start one of those characters: the ASCII three, and
    // the lead byte of U+2028 and U+2029 (and of other characters, which
    // are copied as they are). Each is at a character boundary, and the
    // text between them is copied whole rather than character by
    // character; a graph without any is returned as written.
    let special = |byte: &u8| matches!(byte, b'<' | b'>' | b'&' | 0xE2);
    if !text.as_bytes().iter().any(special) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text.as_str();
    while let Some(at) = rest.as_bytes().iter().position(special) {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let mut chars = from.chars();
        match chars.next() {
            Some('<') => out.push_str("\\u003c"),
            Some('>') => out.push_str("\\u003e"),
            Some('&') => out.push_str("\\u0026"),
            Some('\u{2028}') => out.push_str("\\u2028"),
            Some('\u{2029}') => out.push_str("\\u2029"),
            Some(other) => out.push(other),
            None => {}
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::parse_page;
    use proptest::prelude::*;

    fn site() -> SiteConfig {
        SiteConfig::parse(
            "name: S & Co\nbase_url: https://s.example\ncontact_email: a@s.example\nsocial:\n  image: /img/card.png\n  image_alt: The S logo\n  twitter_site: \"@s\"\n",
        )
        .unwrap()
    }

    #[test]
    fn articles_carry_their_dates_and_the_image() {
        let config = site();
        let page = parse_page(
            "news/launch.md",
            "---\ntitle: \"Launch </script><!--\"\ndescription: New\ndate: 2026-03-01\nupdated: 2026-03-04T10:00:00+01:00\n---\n",
            &config,
        )
        .unwrap();
        let image = "https://s.example/assets/card.0123456789abcdef.png";
        let text = json_ld_text(&graph(&config, &page, Some(image)));
        insta::assert_snapshot!(text);
        assert!(!text.contains('<') && !text.contains('&'));
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["@graph"][2]["headline"], "Launch </script><!--");
        let social = context(&config, &page, Some(image));
        assert_eq!(social.kind, "article");
        assert_eq!(social.twitter_card, "summary_large_image");
    }

    #[test]
    fn a_missing_image_names_its_line() {
        let config = site();
        let error = image_url(&config, &AssetMap::default())
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("site.yaml:5:10: "), "{error}");
        assert!(error.contains("/img/card.png"), "{error}");
        let assets =
            AssetMap::from_sources(vec![("/img/card.png".into(), b"png".to_vec())]).unwrap();
        let url = image_url(&config, &assets).unwrap().unwrap();
        assert!(url.starts_with("https://s.example/assets/card."), "{url}");
    }

    proptest! {
        /// Whatever text a value holds, the serialisation holds none of
        /// the characters that could end or confuse the script element,
        /// so no `</script`, `<!--` or `-->` can appear, and it reads back
        /// as the same value.
        #[test]
        fn fuzz_no_value_can_close_the_script_element(
            text in "(\\PC|</script>|<!--|-->|<script|\u{2028}|\u{2029}|\u{2014}|\u{20AC}|&|]]>){0,12}",
        ) {
            let value = json!({"name": text, "list": [text.clone()], text.clone(): 1});
            let out = json_ld_text(&value);
            for forbidden in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
                prop_assert!(!out.contains(forbidden));
            }
            let lower = out.to_ascii_lowercase();
            prop_assert!(!lower.contains("</script") && !lower.contains("<!--"));
            let back: Value = serde_json::from_str(&out).unwrap();
            prop_assert_eq!(back, value);
        }
    }
}
