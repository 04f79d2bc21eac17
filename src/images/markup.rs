//! The HTML of an image, shared by the `image()` template function, the
//! `image` shortcode and Markdown images, and the rules all three hold an
//! author to: the file is an image under `static/`, and it has alt text
//! unless it is marked decorative.
//!
//! A raster image with variants is written as
//!
//! ```html
//! <picture><source type="image/webp" srcset="… 480w, … 960w" sizes="100vw">
//! <img src="…" srcset="… 480w, … 960w" sizes="100vw" width="960" height="540" alt="…" loading="lazy" decoding="async"></picture>
//! ```
//!
//! without the `<picture>` when WebP is smaller at no width, and as a
//! plain `<img>` with `width` and `height` when there is one file only
//! (SVG, GIF, or a raster no wider than the smallest width). Nothing in it
//! is styled: the stylesheet sizes images (`max-width: 100%; height:
//! auto`), so the output passes a strict CSP.

use std::fmt::Write as _;

use crate::assets::AssetMap;
use crate::rewrite::looks_like_static_file;

use super::{Candidate, Image};

/// The name of the built-in shortcode, and of the template function.
pub const SHORTCODE: &str = "image";

/// The title that marks a Markdown image with empty alt text as
/// decorative: `![](/img/rule.png "decorative")`.
pub const DECORATIVE_TITLE: &str = "decorative";

/// The arguments of the function and shortcode.
pub const ARGUMENTS: [&str; 6] = ["src", "alt", "decorative", "sizes", "class", "loading"];

/// What an author asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// The site path of the file under `static/` (`/img/photo.jpg`), or
    /// its fingerprinted URL.
    pub src: String,
    /// The alt text, if any.
    pub alt: Option<String>,
    /// Whether the image adds nothing to the text, so its alt is empty.
    pub decorative: bool,
    /// The `sizes` attribute; the site's default when `None`.
    pub sizes: Option<String>,
    /// Classes for the `<img>`.
    pub class: Option<String>,
    /// `eager` for an image in the first screen; `lazy` by default.
    pub loading: Option<String>,
    /// A title, from Markdown's `![alt](src "title")`.
    pub title: Option<String>,
}

/// Why an image cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UseProblem {
    /// No alt text and not marked decorative.
    #[error(
        "image `{0}` has no alt text: describe it (`alt=\"…\"`, or the text of `![…](…)`), or mark it decorative (`decorative=true`, or `![](… \"decorative\")`)"
    )]
    MissingAlt(String),
    /// Marked decorative and given alt text: one of the two is a mistake.
    #[error(
        "image `{0}` is marked decorative but has alt text; a decorative image has none, so drop one of the two"
    )]
    DecorativeWithAlt(String),
    /// Not a file under `static/`: no size to read.
    #[error(
        "image `{0}` is not a file under static/, so its width and height cannot be read; put the file under static/ and name it by its site path (`/img/…`)"
    )]
    NotStatic(String),
    /// A static file the pipeline does not read.
    #[error("`{0}` is not an image the pipeline reads (PNG, JPEG, WebP, GIF or SVG)")]
    NotAnImage(String),
    /// An argument with a value it cannot take.
    #[error("{0}")]
    Argument(String),
}

/// Checks a `sizes` value: not empty, and no control characters or
/// quotes (it is written into an attribute as given).
pub fn check_sizes(sizes: &str) -> Result<(), UseProblem> {
    if sizes.trim().is_empty() || sizes.chars().any(|c| c.is_control()) {
        return Err(UseProblem::Argument(
            "`sizes` must be a non-empty media condition list, such as `(min-width: 60rem) 60rem, 100vw`"
                .to_string(),
        ));
    }
    Ok(())
}

/// The HTML for a request.
pub fn html(assets: &AssetMap, request: &Request) -> Result<String, UseProblem> {
    let src = request.src.trim();
    let path = src.split(['?', '#']).next().unwrap_or(src);
    // Markdown destinations arrive fingerprinted; messages name the file
    // as the author wrote it, by its site path.
    let (image, shown) = if path.starts_with('/') && !path.starts_with("//") {
        let site_path = assets
            .get(path)
            .or_else(|| assets.get_by_url(path))
            .map(|asset| asset.site_path.as_str());
        match site_path {
            Some(site_path) => (
                assets
                    .image(site_path)
                    .ok_or_else(|| UseProblem::NotAnImage(site_path.to_string()))?,
                site_path,
            ),
            None => return Err(UseProblem::NotStatic(src.to_string())),
        }
    } else {
        return Err(UseProblem::NotStatic(src.to_string()));
    };
    let alt = request.alt.as_deref().unwrap_or("");
    let alt = match (alt.trim().is_empty(), request.decorative) {
        (true, true) => "",
        (true, false) => return Err(UseProblem::MissingAlt(shown.to_string())),
        (false, true) => return Err(UseProblem::DecorativeWithAlt(shown.to_string())),
        (false, false) => alt,
    };
    let sizes = match &request.sizes {
        Some(sizes) => {
            check_sizes(sizes)?;
            sizes.as_str()
        }
        None => assets.image_sizes(),
    };
    let loading = match request.loading.as_deref() {
        None | Some("lazy") => "lazy",
        Some("eager") => "eager",
        Some(other) => {
            return Err(UseProblem::Argument(format!(
                "`loading` is `lazy` or `eager`, not `{}`",
                crate::source_text::escape(other)
            )));
        }
    };
    Ok(write(image, alt, sizes, loading, request))
}

fn srcset(candidates: &[Candidate]) -> String {
    let mut out = String::new();
    for (index, candidate) in candidates.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{} {}w", candidate.url, candidate.width);
    }
    out
}

fn write(image: &Image, alt: &str, sizes: &str, loading: &str, request: &Request) -> String {
    let mut img = format!("<img src=\"{}\"", escape(&image.url));
    if image.candidates.len() > 1 {
        let _ = write!(
            img,
            " srcset=\"{}\" sizes=\"{}\"",
            escape(&srcset(&image.candidates)),
            escape(sizes)
        );
    }
    let _ = write!(
        img,
        " width=\"{}\" height=\"{}\" alt=\"{}\"",
        image.width,
        image.height,
        escape(alt)
    );
    if let Some(class) = request.class.as_deref().filter(|c| !c.trim().is_empty()) {
        let _ = write!(img, " class=\"{}\"", escape(class));
    }
    if let Some(title) = request.title.as_deref().filter(|t| !t.is_empty()) {
        let _ = write!(img, " title=\"{}\"", escape(title));
    }
    let _ = write!(img, " loading=\"{loading}\" decoding=\"async\">");
    if image.webp.is_empty() {
        return img;
    }
    format!(
        "<picture><source type=\"image/webp\" srcset=\"{}\" sizes=\"{}\">{img}</picture>",
        escape(&srcset(&image.webp)),
        escape(sizes)
    )
}

/// Escapes text for a double-quoted attribute value.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// The HTML for a Markdown image `![alt](dest "title")`, or `None` when
/// `dest` names a static file that does not exist (which the build
/// reports as a missing file already).
pub fn markdown_image(
    assets: &AssetMap,
    dest: &str,
    title: &str,
    alt: &str,
) -> Result<Option<String>, UseProblem> {
    let path = dest.split(['?', '#']).next().unwrap_or(dest);
    let local = path.starts_with('/') && !path.starts_with("//");
    if local
        && assets.get(path).is_none()
        && assets.get_by_url(path).is_none()
        && looks_like_static_file(path)
        && !assets.is_generated(path)
    {
        return Ok(None);
    }
    let decorative = title == DECORATIVE_TITLE;
    let request = Request {
        src: dest.to_string(),
        alt: Some(alt.to_string()),
        decorative,
        title: (!decorative).then(|| title.to_string()),
        ..Request::default()
    };
    html(assets, &request).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::cache::Cache;
    use crate::images::raster::tests::png;
    use crate::images::{ImagesConfig, process};

    pub(crate) fn assets() -> AssetMap {
        let mut assets = AssetMap::from_sources(vec![
            ("/img/photo.png".to_string(), png(1000, 500)),
            ("/img/small.png".to_string(), png(100, 50)),
            (
                "/img/logo.svg".to_string(),
                b"<svg width=\"32\" height=\"32\"/>".to_vec(),
            ),
            ("/css/site.css".to_string(), b"p{}".to_vec()),
        ])
        .unwrap();
        process(&mut assets, &ImagesConfig::default(), &Cache::disabled()).unwrap();
        assets
    }

    #[test]
    fn rasters_get_srcset_sizes_and_a_webp_source() {
        let assets = assets();
        let html = html(
            &assets,
            &Request {
                src: "/img/photo.png".to_string(),
                alt: Some("A \"quoted\" <photo>".to_string()),
                sizes: Some("(min-width: 60rem) 60rem, 100vw".to_string()),
                class: Some("hero".to_string()),
                loading: Some("eager".to_string()),
                ..Request::default()
            },
        )
        .unwrap();
        let image = assets.image("/img/photo.png").unwrap();
        assert_eq!(image.candidates.len(), 3);
        let expected_img = format!(
            "<img src=\"{}\" srcset=\"{} 480w, {} 960w, {} 1000w\" sizes=\"(min-width: 60rem) 60rem, 100vw\" width=\"1000\" height=\"500\" alt=\"A &quot;quoted&quot; &lt;photo&gt;\" class=\"hero\" loading=\"eager\" decoding=\"async\">",
            image.url, image.candidates[0].url, image.candidates[1].url, image.url
        );
        if image.webp.is_empty() {
            assert_eq!(html, expected_img);
        } else {
            assert!(
                html.starts_with("<picture><source type=\"image/webp\" srcset=\""),
                "{html}"
            );
            assert!(
                html.ends_with(&format!("{expected_img}</picture>")),
                "{html}"
            );
        }
        assert!(!html.contains("style"));
    }

    #[test]
    fn alt_is_required_unless_decorative() {
        let assets = assets();
        let request = |alt: Option<&str>, decorative| Request {
            src: "/img/logo.svg".to_string(),
            alt: alt.map(str::to_string),
            decorative,
            ..Request::default()
        };
        assert_eq!(
            html(&assets, &request(None, false)),
            Err(UseProblem::MissingAlt("/img/logo.svg".to_string()))
        );
        assert_eq!(
            html(&assets, &request(Some("  "), false)),
            Err(UseProblem::MissingAlt("/img/logo.svg".to_string()))
        );
        assert_eq!(
            html(&assets, &request(Some("Logo"), true)),
            Err(UseProblem::DecorativeWithAlt("/img/logo.svg".to_string()))
        );
        let url = &assets.get("/img/logo.svg").unwrap().url;
        assert_eq!(
            html(&assets, &request(None, true)).unwrap(),
            format!(
                "<img src=\"{url}\" width=\"32\" height=\"32\" alt=\"\" loading=\"lazy\" decoding=\"async\">"
            )
        );
    }

    #[test]
    fn only_static_images_are_accepted() {
        let assets = assets();
        let problem = |src: &str| {
            html(
                &assets,
                &Request {
                    src: src.to_string(),
                    alt: Some("x".to_string()),
                    ..Request::default()
                },
            )
            .unwrap_err()
        };
        assert!(matches!(
            problem("https://cdn.example/a.png"),
            UseProblem::NotStatic(_)
        ));
        assert!(matches!(
            problem("//cdn.example/a.png"),
            UseProblem::NotStatic(_)
        ));
        assert!(matches!(problem("img/photo.png"), UseProblem::NotStatic(_)));
        assert!(matches!(problem("/img/none.png"), UseProblem::NotStatic(_)));
        assert!(matches!(
            problem("/css/site.css"),
            UseProblem::NotAnImage(_)
        ));
        // A missing file in Markdown is left to the missing-file report.
        assert_eq!(markdown_image(&assets, "/img/none.png", "", "x"), Ok(None));
        assert!(markdown_image(&assets, "/pricing/", "", "x").is_err());
        assert_eq!(
            markdown_image(&assets, "/img/logo.svg", "", ""),
            Err(UseProblem::MissingAlt("/img/logo.svg".to_string()))
        );
        let decorative = markdown_image(&assets, "/img/logo.svg", "decorative", "")
            .unwrap()
            .unwrap();
        assert!(decorative.contains("alt=\"\"") && !decorative.contains("title="));
        // A small file has no variants: one candidate, no srcset.
        let small = markdown_image(&assets, "/img/small.png", "Small", "Small chart")
            .unwrap()
            .unwrap();
        let img = &small[small.find("<img").unwrap()..];
        assert!(
            !img.contains("srcset") && img.contains("title=\"Small\""),
            "{small}"
        );
    }
}
