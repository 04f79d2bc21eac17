//! The shipped BayStore sample site (`site.yaml`, `content/`, `templates/`,
//! `static/` and `_headers` at the repository root) builds into a bundle
//! that keeps the script boundary, SRI, sitemap and admin promises.

#[path = "generator/support.rs"]
mod support;

use std::path::{Path, PathBuf};

use baystore_site::{BuildOptions, build};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn build_sample() -> (tempfile::TempDir, PathBuf) {
    let work = tempfile::tempdir().unwrap();
    let dist = work.path().join("dist");
    let summary = build(&BuildOptions::new(repo_root(), &dist)).unwrap();
    assert!(
        summary.pages >= 8,
        "home, product, pricing, security, contact, privacy, 404, console"
    );
    (work, dist)
}

fn read(dist: &Path, file: &str) -> String {
    std::fs::read_to_string(dist.join(file)).unwrap()
}

#[test]
fn sample_bundle_has_no_inline_code_and_every_integrity_matches() {
    let (_work, dist) = build_sample();
    assert_eq!(support::check_bundle(&dist), Vec::<String>::new());
}

#[test]
fn sample_assets_are_fingerprinted() {
    let (_work, dist) = build_sample();
    let assets: Vec<String> = support::list_files(&dist)
        .into_iter()
        .filter_map(|f| f.strip_prefix("assets/").map(str::to_string))
        .collect();
    assert!(!assets.is_empty());
    for name in &assets {
        let parts: Vec<&str> = name.rsplitn(3, '.').collect();
        assert_eq!(parts.len(), 3, "{name}");
        let hash = parts[1];
        assert!(
            hash.len() == 16
                && hash
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
            "{name} lacks a 16-hex fingerprint"
        );
    }
}

#[test]
fn sample_sitemap_lists_only_public_indexable_pages() {
    let (_work, dist) = build_sample();
    let urls = support::sitemap_urls(&dist);
    assert!(
        urls.contains(&"https://baystore.example/".to_string()),
        "{urls:?}"
    );
    for url in &urls {
        let path = url
            .strip_prefix("https://baystore.example/")
            .unwrap_or_else(|| panic!("{url} is not absolute on the site origin"));
        assert!(!path.to_ascii_lowercase().starts_with("console"), "{url}");
        let html = read(&dist, &format!("{path}index.html"));
        assert!(
            !html.contains("name=\"robots\""),
            "{url} is noindex but in the sitemap"
        );
    }
    assert!(!urls.iter().any(|u| u.contains("/contact/thanks/")));
    assert!(!urls.iter().any(|u| u.contains("404")));
}

#[test]
fn sample_headers_keep_the_authored_file_and_add_admin_rules() {
    let (_work, dist) = build_sample();
    let headers = read(&dist, "_headers");
    let authored = read(&repo_root(), "_headers");
    assert!(headers.starts_with(&authored));
    assert!(headers.contains("/console\n  X-Robots-Tag: noindex, nofollow\n"));
    assert!(headers.contains("/console/*\n  X-Robots-Tag: noindex, nofollow\n"));
    assert!(!headers.contains("'unsafe-inline'"));
}

#[test]
fn sample_pages_have_canonical_links_and_the_console_stays_hidden() {
    let (_work, dist) = build_sample();
    for file in support::list_files(&dist) {
        let Some(path) = file.strip_suffix("index.html") else {
            continue;
        };
        let html = read(&dist, &file);
        let canonical =
            format!("<link rel=\"canonical\" href=\"https://baystore.example/{path}\">");
        assert!(html.contains(&canonical), "{file} lacks {canonical}");
        if path.starts_with("console") {
            assert!(html.contains("<meta name=\"robots\" content=\"noindex,nofollow\">"));
        } else {
            assert!(
                !html.contains("href=\"/console"),
                "{file} links the console"
            );
        }
    }
}

#[test]
fn sample_contact_page_posts_to_lead_with_a_mailto_fallback() {
    let (_work, dist) = build_sample();
    let html = read(&dist, "contact/index.html");
    assert!(html.contains("action=\"/lead\""));
    assert!(html.contains("method=\"post\""));
    assert!(html.contains("href=\"mailto:sales@baystore.example"));
}

#[test]
fn sample_pages_render_as_snapshotted() {
    let (_work, dist) = build_sample();
    insta::with_settings!({ snapshot_path => "generator/snapshots", prepend_module_to_snapshot => false }, {
        for file in support::list_files(&dist) {
            if file.ends_with(".html") {
                let name = format!("sample_page__{}", file.replace('/', "__"));
                insta::assert_snapshot!(name, read(&dist, &file));
            }
        }
        insta::assert_snapshot!("sample_sitemap", read(&dist, "sitemap.xml"));
    });
}

/// A copy of the sample site's sources in a temporary folder.
fn copy_sample() -> tempfile::TempDir {
    let work = tempfile::tempdir().unwrap();
    for dir in ["content", "templates", "static", "public"] {
        support::copy_dir(&repo_root().join(dir), &work.path().join(dir));
    }
    for file in ["site.yaml", "_headers", "evidence.yaml"] {
        std::fs::copy(repo_root().join(file), work.path().join(file)).unwrap();
    }
    work
}

#[test]
fn sample_site_holds_its_lead_form_to_the_contract_from_site_yaml() {
    // The contract comes from the `validator:` section of `site.yaml`.
    let config = baystore_site::config::SiteConfig::load(&repo_root()).unwrap();
    let validator = config.validator_config(&repo_root());
    let contract = validator
        .lead_form
        .expect("site.yaml states the lead form contract");
    assert_eq!(contract.action, "/lead");
    assert!(contract.mailto_fallback);

    // Without a mailto: link on the contact page (the template's and the
    // footer's), the sample site no longer builds.
    let work = copy_sample();
    for template in ["contact.html", "base.html"] {
        let path = work.path().join("templates").join(template);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut kept = String::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("<a href=\"mailto:") {
            kept.push_str(&rest[..start]);
            let end = rest[start..].find("</a>").unwrap() + start + "</a>".len();
            rest = &rest[end..];
        }
        kept.push_str(rest);
        assert_ne!(kept, text, "{template} had a mailto: link");
        std::fs::write(&path, kept).unwrap();
    }
    let dist = work.path().join("dist");
    let error = build(&BuildOptions::new(work.path().to_path_buf(), &dist)).unwrap_err();
    let baystore_site::Error::ValidationFailed { report, .. } = &error else {
        panic!("expected a validation failure, got {error}");
    };
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == "form/mailto-fallback" && f.file == "contact/index.html"),
        "{report:?}"
    );
}

/// Every public page carries Open Graph and Twitter card tags whose image
/// is the fingerprinted share card, absolute, and JSON-LD that reads back
/// as the site's Organization and WebSite (and an Article for a dated
/// page), with nothing in it that could end the data block.
#[test]
fn sample_pages_carry_social_cards_and_json_ld() {
    let work = copy_sample();
    let dist = work.path().join("dist");
    let summary = build(&BuildOptions::new(work.path().to_path_buf(), &dist)).unwrap();
    assert_eq!(summary.report.error_count(), 0);
    let html = std::fs::read_to_string(dist.join("index.html")).unwrap();
    let image = html
        .split("<meta property=\"og:image\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("og:image");
    let path = image
        .strip_prefix("https://baystore.example/")
        .expect("absolute on base_url");
    assert!(
        path.starts_with("assets/og-card.") && path.ends_with(".png"),
        "{image}"
    );
    assert!(dist.join(path).is_file());
    for tag in ["og:title", "og:description", "og:url", "og:type"] {
        assert!(html.contains(&format!("<meta property=\"{tag}\"")), "{tag}");
    }
    assert!(html.contains("<meta name=\"twitter:card\" content=\"summary_large_image\">"));
    let json = html
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("JSON-LD");
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    let types: Vec<&str> = value["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| node["@type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["Organization", "WebSite"]);
    let console = std::fs::read_to_string(dist.join("console/index.html")).unwrap();
    assert!(!console.contains("og:") && !console.contains("ld+json"));
}
