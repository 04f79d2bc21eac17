//! Helpers shared by the generator's integration tests: copying fixture
//! sites, listing bundles, and checking a bundle's script boundary and
//! integrity values independently of the generator's own code paths.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use base64::Engine;
use lol_html::{RewriteStrSettings, element, rewrite_str};
use sha2::{Digest, Sha384};

/// Folder of the generator fixtures.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/generator")
}

/// Copies a folder tree.
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file of a bundle, relative, with `/` separators, sorted.
pub fn list_files(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    files.sort();
    files
}

/// Names in `parent` starting with `prefix` (leftover temporary bundles).
pub fn siblings_starting_with(parent: &Path, prefix: &str) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(prefix))
        .collect()
}

/// One breach of the script boundary or of SRI in a bundle.
pub type Breach = String;

/// Checks every HTML file of a bundle: no inline script (JSON-LD data
/// blocks aside), no `<style>`, no
/// `style=`, no `on*=`; every `integrity` matches the referenced file's
/// bytes; every script and stylesheet carries one.
pub fn check_bundle(dist: &Path) -> Vec<Breach> {
    let mut breaches = Vec::new();
    for file in list_files(dist) {
        if !file.ends_with(".html") {
            continue;
        }
        let html = std::fs::read_to_string(dist.join(&file)).unwrap();
        let mut found: Vec<String> = Vec::new();
        let settings = RewriteStrSettings::new()
            .with_strict(false)
            .append_element_content_handler(element!("*", |el| {
                let tag = el.tag_name();
                if tag == "style" {
                    found.push("<style> element".into());
                }
                // A JSON-LD data block is data, not script: browsers never
                // run it, whatever the CSP says.
                let data_block = el
                    .get_attribute("type")
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"));
                if tag == "script" && el.get_attribute("src").is_none() && !data_block {
                    found.push("inline <script>".into());
                }
                for attribute in el.attributes() {
                    let name = attribute.name();
                    if name == "style" {
                        found.push("style= attribute".into());
                    }
                    if name.starts_with("on") {
                        found.push(format!("{name}= attribute"));
                    }
                    if name == "integrity" || name == "data-analytics-integrity" {
                        let url_attribute = match name.as_str() {
                            "integrity" if tag == "script" => "src",
                            "integrity" => "href",
                            _ => "data-analytics-src",
                        };
                        let url = el.get_attribute(url_attribute).unwrap_or_default();
                        found.extend(integrity_breach(dist, &url, &attribute.value()));
                    }
                }
                let needs_integrity = (tag == "script" && el.get_attribute("src").is_some())
                    || (tag == "link"
                        && el
                            .get_attribute("rel")
                            .is_some_and(|rel| rel.contains("stylesheet")));
                if needs_integrity && el.get_attribute("integrity").is_none() {
                    found.push(format!("<{tag}> without integrity"));
                }
                if el.get_attribute("data-analytics-src").is_some()
                    && el.get_attribute("data-analytics-integrity").is_none()
                {
                    found.push("consent loader without data-analytics-integrity".into());
                }
                Ok(())
            }));
        rewrite_str(&html, settings).unwrap();
        breaches.extend(found.into_iter().map(|f| format!("{file}: {f}")));
    }
    breaches
}

fn integrity_breach(dist: &Path, url: &str, integrity: &str) -> Option<String> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let Ok(bytes) = std::fs::read(dist.join(path.trim_start_matches('/'))) else {
        return Some(format!("integrity on {url}, which is not in the bundle"));
    };
    let expected = format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(&bytes))
    );
    (expected != integrity).then(|| format!("integrity of {url} does not match its bytes"))
}

/// The `<loc>` URLs of a sitemap.
pub fn sitemap_urls(dist: &Path) -> Vec<String> {
    let xml = std::fs::read_to_string(dist.join("sitemap.xml")).unwrap();
    xml.split("<loc>")
        .skip(1)
        .map(|rest| rest.split("</loc>").next().unwrap().to_string())
        .collect()
}
