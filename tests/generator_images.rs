//! The image pipeline over a whole build: raster images get fingerprinted
//! variants and pages get sized `<img>` elements, and a second build of
//! unchanged images takes every variant from the cache, decoding nothing.

#[path = "generator/support.rs"]
mod support;

use std::path::Path;

use baystore_site::{BuildOptions, build};

/// A PNG of `width`×`height` with a gradient, so its variants are real
/// work for the encoder.
fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn site_with_photo(work: &Path) {
    let site = work.join("site");
    support::copy_dir(&support::fixtures().join("site"), &site);
    std::fs::write(site.join("static/img/photo.png"), png(1000, 600)).unwrap();
    let about = site.join("content/about.md");
    let text = std::fs::read_to_string(&about).unwrap();
    std::fs::write(
        &about,
        text.replacen(
            "We write fixtures.",
            "We write fixtures.\n\n![Our desk, seen from above](/img/photo.png)",
            1,
        ),
    )
    .unwrap();
}

#[test]
fn variants_are_published_and_a_rebuild_reuses_the_cache() {
    let work = tempfile::tempdir().unwrap();
    site_with_photo(work.path());
    let options = BuildOptions::new(work.path().join("site"), work.path().join("dist"));
    let first = build(&options).unwrap();
    assert_eq!((first.images.processed, first.images.reused), (1, 0));
    let files = support::list_files(&work.path().join("dist"));
    let variants: Vec<&String> = files
        .iter()
        .filter(|f| f.starts_with("assets/photo-"))
        .collect();
    // 480 and 960 wide in PNG; WebP only where it is smaller.
    assert!(
        variants
            .iter()
            .any(|f| f.starts_with("assets/photo-480w.") && f.ends_with(".png"))
            && variants
                .iter()
                .any(|f| f.starts_with("assets/photo-960w.") && f.ends_with(".png")),
        "{files:?}"
    );
    assert!(!variants.iter().any(|f| f.contains("1440w")), "{files:?}");
    let page = std::fs::read_to_string(work.path().join("dist/about/index.html")).unwrap();
    assert!(
        page.contains("width=\"1000\" height=\"600\" alt=\"Our desk, seen from above\""),
        "{page}"
    );
    assert!(page.contains(" 480w, "), "{page}");
    // The cache is beside site.yaml, and holds only entries.
    let cache = work.path().join("site/.baystore-cache/images");
    let entries = support::list_files(&cache);
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|e| !e.ends_with(".tmp")), "{entries:?}");

    // Unchanged images: no decoding, the same bundle.
    let second = build(&options).unwrap();
    assert_eq!((second.images.processed, second.images.reused), (0, 1));
    assert_eq!(support::list_files(&work.path().join("dist")), files);
    assert_eq!(
        std::fs::read_to_string(work.path().join("dist/about/index.html")).unwrap(),
        page
    );
    assert!(
        second
            .report
            .findings
            .iter()
            .all(|f| !f.message.contains("/assets/photo")),
        "{:?}",
        second.report.findings
    );

    // A cache entry damaged on disk is recomputed, not published.
    let damaged = cache.join(&entries[0]);
    std::fs::write(&damaged, b"BSIMGv1\nnot an image").unwrap();
    let third = build(&options).unwrap();
    assert_eq!((third.images.processed, third.images.reused), (1, 0));
    assert_eq!(support::list_files(&work.path().join("dist")), files);

    // A changed image is processed again under new names.
    std::fs::write(work.path().join("site/static/img/photo.png"), png(800, 600)).unwrap();
    let fourth = build(&options).unwrap();
    assert_eq!((fourth.images.processed, fourth.images.reused), (1, 0));
    let page = std::fs::read_to_string(work.path().join("dist/about/index.html")).unwrap();
    assert!(page.contains("width=\"800\" height=\"600\""), "{page}");
}

#[test]
fn a_site_template_cannot_take_the_built_in_shortcode_name() {
    let work = tempfile::tempdir().unwrap();
    let site = work.path().join("site");
    support::copy_dir(&support::fixtures().join("site"), &site);
    std::fs::write(site.join("templates/shortcodes/image.html"), "<b>x</b>").unwrap();
    let error = build(&BuildOptions::new(&site, work.path().join("dist"))).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("templates/shortcodes/image.html: `image` is the built-in image shortcode"),
        "{error}"
    );
}

#[test]
fn a_cache_folder_among_the_sources_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let site = work.path().join("site");
    support::copy_dir(&support::fixtures().join("site"), &site);
    let config = std::fs::read_to_string(site.join("site.yaml")).unwrap();
    std::fs::write(
        site.join("site.yaml"),
        format!("{config}\nimages:\n  cache_dir: static/cache\n"),
    )
    .unwrap();
    let error = build(&BuildOptions::new(&site, work.path().join("dist"))).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("images.cache_dir `static/cache` lies inside static/"),
        "{error}"
    );
    assert!(!site.join("static/cache").exists());
}
