//! One lol_html pass over HTML: references to static files (`src`, `href`,
//! `srcset`, `poster`, `data-analytics-src`) point at the fingerprinted
//! URLs, scripts and stylesheets get `integrity`, and the consent loader
//! gets `data-analytics-integrity` for the script it loads.
//!
//! A page normally takes one pass over its template shell (see
//! [`crate::bundle`]); Markdown content is handled while it is rendered
//! ([`crate::markdown`]), with this pass applied to its raw HTML only.

use std::borrow::Cow;
use std::sync::LazyLock;

use lol_html::html_content::Element;
use lol_html::{ElementContentHandlers, HtmlRewriter, MemorySettings, Selector, Settings};

use crate::assets::AssetMap;

/// Attributes holding a single URL that may name a static file.
const URL_ATTRIBUTES: [&str; 4] = ["src", "href", "poster", "data-analytics-src"];

/// Site paths the generator writes itself; they are never static files.
const GENERATED_FILES: [&str; 3] = ["/sitemap.xml", "/robots.txt", "/404.html"];

/// Why a page could not be rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RewriteProblem {
    /// A reference to a static file that does not exist.
    MissingAsset(String),
    /// The HTML rewriter failed.
    Rewriter(String),
}

/// The memory lol_html may use for one page beyond twice its size: a
/// hostile page (deeply nested, or one huge tag) fails the rewrite instead
/// of growing without bound.
const REWRITER_MEMORY_ALLOWANCE: usize = 8 * 1024 * 1024;

/// The elements that may reference a static file, parsed once: parsing
/// the selector again for every page took about a fifth of the time of
/// rewriting a template shell.
static REFERENCING: LazyLock<Selector> = LazyLock::new(|| {
    "[src], [href], [srcset], [poster], [data-analytics-src]"
        .parse()
        .expect("a valid selector")
});

/// Rewrites one page. Returns the new HTML, or every problem found.
pub fn rewrite_page(html: &str, assets: &AssetMap) -> Result<String, Vec<RewriteProblem>> {
    let mut problems = Vec::new();
    let mut output = Vec::with_capacity(html.len() + html.len() / 8);
    let result = {
        // Non-strict: ambiguous markup must still be tokenised (and
        // checked), not rejected, and ESI tags mean nothing to a static
        // site.
        let settings = Settings::new()
            .with_strict(false)
            .with_enable_esi_tags(false)
            .with_memory_settings(MemorySettings::new().with_max_allowed_memory_usage(
                REWRITER_MEMORY_ALLOWANCE.saturating_add(html.len().saturating_mul(2)),
            ))
            .append_element_content_handler((
                Cow::Borrowed(&*REFERENCING),
                ElementContentHandlers::default().element(|el: &mut Element| {
                    rewrite_element(el, assets, &mut problems);
                    Ok(())
                }),
            ));
        let mut rewriter =
            HtmlRewriter::new(settings, |chunk: &[u8]| output.extend_from_slice(chunk));
        // A rewriter that returned an error must not be used again.
        rewriter
            .write(html.as_bytes())
            .and_then(|()| rewriter.end())
    };
    match result {
        Err(e) => Err(vec![RewriteProblem::Rewriter(e.to_string())]),
        Ok(()) if !problems.is_empty() => Err(problems),
        // The input is UTF-8 and the rewriter only splices UTF-8 into it.
        Ok(()) => {
            String::from_utf8(output).map_err(|e| vec![RewriteProblem::Rewriter(e.to_string())])
        }
    }
}

fn rewrite_element(el: &mut Element, assets: &AssetMap, problems: &mut Vec<RewriteProblem>) {
    // Most elements carry none of the attributes of interest; asking for
    // each by name avoids allocating every attribute's name.
    let interesting =
        URL_ATTRIBUTES.iter().any(|name| el.has_attribute(name)) || el.has_attribute("srcset");
    if !interesting {
        return;
    }
    let tag = el.tag_name();
    for name in URL_ATTRIBUTES {
        let Some(value) = el.get_attribute(name) else {
            continue;
        };
        let Some(asset) = lookup(&value, assets, problems) else {
            continue;
        };
        let (url, integrity) = (asset.0, asset.1);
        // Setting a known attribute name cannot fail.
        let _ = el.set_attribute(name, &url);
        let wants_integrity = match (tag.as_str(), name) {
            ("script", "src") => true,
            ("link", "href") => link_wants_integrity(el),
            _ => false,
        };
        if wants_integrity {
            let _ = el.set_attribute("integrity", &integrity);
        }
        if name == "data-analytics-src" {
            let _ = el.set_attribute("data-analytics-integrity", &integrity);
        }
    }
    if let Some(srcset) = el.get_attribute("srcset") {
        let mut changed = false;
        let candidates: Vec<String> = srcset
            .split(',')
            .map(|candidate| {
                let trimmed = candidate.trim();
                let (url, descriptor) = trimmed
                    .split_once(char::is_whitespace)
                    .unwrap_or((trimmed, ""));
                match lookup(url, assets, problems) {
                    Some((new_url, _)) => {
                        changed = true;
                        if descriptor.is_empty() {
                            new_url
                        } else {
                            format!("{new_url} {}", descriptor.trim())
                        }
                    }
                    None => trimmed.to_string(),
                }
            })
            .collect();
        if changed {
            let _ = el.set_attribute("srcset", &candidates.join(", "));
        }
    }
}

/// Stylesheets and script preloads are checked by the browser against
/// `integrity`; other links (icons, canonical) are not.
fn link_wants_integrity(el: &Element) -> bool {
    let rel = el
        .get_attribute("rel")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let rel_has = |token: &str| rel.split_ascii_whitespace().any(|t| t == token);
    if rel_has("stylesheet") || rel_has("modulepreload") {
        return true;
    }
    if rel_has("preload") {
        let kind = el
            .get_attribute("as")
            .unwrap_or_default()
            .to_ascii_lowercase();
        return kind == "script" || kind == "style";
    }
    false
}

/// Looks up a reference. Returns the fingerprinted URL (with the original
/// query and fragment) and integrity when it names a static file; records a
/// problem when it looks like a static file that does not exist.
pub(crate) fn lookup(
    value: &str,
    assets: &AssetMap,
    problems: &mut Vec<RewriteProblem>,
) -> Option<(String, String)> {
    let value = value.trim();
    if !value.starts_with('/') || value.starts_with("//") || value.starts_with("/\\") {
        return None;
    }
    let split = value.find(['?', '#']).unwrap_or(value.len());
    let (path, suffix) = value.split_at(split);
    if let Some(asset) = assets.get(path).or_else(|| assets.get_by_url(path)) {
        return Some((format!("{}{suffix}", asset.url), asset.integrity.clone()));
    }
    if looks_like_static_file(path) && !assets.is_generated(path) {
        problems.push(RewriteProblem::MissingAsset(value.to_string()));
    }
    None
}

/// A path whose last segment has an extension names a file; pages use
/// pretty URLs ending in `/`, and a few files are generated.
pub(crate) fn looks_like_static_file(path: &str) -> bool {
    if GENERATED_FILES.contains(&path) || path.ends_with(".html") {
        return false;
    }
    let last = path.rsplit('/').next().unwrap_or_default();
    last.rfind('.')
        .is_some_and(|dot| dot > 0 && dot + 1 < last.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assets() -> AssetMap {
        AssetMap::from_sources(vec![
            ("/css/site.css".into(), b"body{}".to_vec()),
            ("/js/consent.js".into(), b"c".to_vec()),
            ("/js/analytics.js".into(), b"a".to_vec()),
            ("/img/a.png".into(), b"png".to_vec()),
        ])
        .unwrap()
    }

    #[test]
    fn rewrites_references_and_adds_integrity() {
        let assets = assets();
        let html = rewrite_page(
            "<link rel=\"stylesheet\" href=\"/css/site.css\"><link rel=\"icon\" href=\"/img/a.png\">\
             <script src=\"/js/consent.js\" defer data-analytics-src=\"/js/analytics.js\"></script>\
             <img src=\"/img/a.png#f\" srcset=\"/img/a.png 1x, /img/a.png?x 2x\"><a href=\"/pricing/\">p</a>",
            &assets,
        )
        .unwrap();
        let css = assets.get("/css/site.css").unwrap();
        let consent = assets.get("/js/consent.js").unwrap();
        let analytics = assets.get("/js/analytics.js").unwrap();
        let image = assets.get("/img/a.png").unwrap();
        assert!(
            html.contains(&format!(
                "href=\"{}\" integrity=\"{}\"",
                css.url, css.integrity
            )),
            "{html}"
        );
        assert!(
            html.contains(&format!("<link rel=\"icon\" href=\"{}\">", image.url)),
            "{html}"
        );
        assert!(
            html.contains(&format!("src=\"{}\" defer", consent.url)),
            "{html}"
        );
        assert!(
            html.contains(&format!("integrity=\"{}\"", consent.integrity)),
            "{html}"
        );
        assert!(
            html.contains(&format!("data-analytics-src=\"{}\"", analytics.url)),
            "{html}"
        );
        assert!(
            html.contains(&format!(
                "data-analytics-integrity=\"{}\"",
                analytics.integrity
            )),
            "{html}"
        );
        assert!(html.contains(&format!("src=\"{}#f\"", image.url)), "{html}");
        assert!(
            html.contains(&format!("srcset=\"{0} 1x, {0}?x 2x\"", image.url)),
            "{html}"
        );
        assert!(html.contains("<a href=\"/pricing/\">"), "{html}");
    }

    #[test]
    fn missing_static_reference_is_reported() {
        let problems = rewrite_page(
            "<script src=\"/js/gone.js\"></script><a href=\"/sitemap.xml\">s</a><a href=\"/a/\">a</a>",
            &assets(),
        )
        .unwrap_err();
        assert_eq!(
            problems,
            [RewriteProblem::MissingAsset("/js/gone.js".into())]
        );
    }
}
