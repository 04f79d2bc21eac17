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
    let mut options = BuildOptions::new(repo_root(), &dist);
    // One build time, so that what depends on it reads the same each run.
    options.build_time = Some("2026-05-01T12:00:00Z".parse().unwrap());
    let summary = build(&options).unwrap();
    assert!(
        summary.pages >= 8,
        "home, product, pricing, security, contact, privacy, 404, console"
    );
    assert_eq!(
        summary.report.error_count(),
        0,
        "{:?}",
        summary.report.findings
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
fn production_bundles_never_carry_the_dev_reload_client() {
    let (_work, dist) = build_sample();
    let files = support::list_files(&dist);
    assert!(
        !files.iter().any(|file| file.contains("reload.")),
        "{files:?}"
    );
    for file in files.iter().filter(|file| file.ends_with(".html")) {
        let html = read(&dist, file);
        assert!(!html.contains("/__baystore/"), "{file}");
        assert!(!html.contains("/assets/reload."), "{file}");
    }
    // The same site built for dev does carry it, so the check above can fail.
    let dev_work = tempfile::tempdir().unwrap();
    let mut options = BuildOptions::new(repo_root(), dev_work.path().join("dist"));
    options.dev = true;
    build(&options).unwrap();
    let dev_home = read(&dev_work.path().join("dist"), "index.html");
    assert!(dev_home.contains("/assets/reload."), "{dev_home}");
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
fn sample_code_is_highlighted_by_class_with_a_fingerprinted_stylesheet() {
    let (_work, dist) = build_sample();
    let product = read(&dist, "product/index.html");
    assert!(product.contains("<pre class=\"hl-code\" data-lang=\"sh\" tabindex=\"0\">"));
    assert!(product.contains("<pre class=\"hl-code\" data-lang=\"json\" tabindex=\"0\">"));
    assert!(product.contains("<span class=\"hl-"));
    assert!(!product.contains("style="), "no inline style anywhere");
    // The stylesheet is linked, fingerprinted and carries SRI (which
    // `check_bundle` verifies against the file), on pages with code only.
    let link = product
        .lines()
        .find(|line| line.contains("/assets/highlight."))
        .expect("the product page links the highlighting stylesheet");
    assert!(link.contains("rel=\"stylesheet\""), "{link}");
    assert!(link.contains("integrity=\"sha384-"), "{link}");
    let href = link
        .split("href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let css = read(&dist, href.trim_start_matches('/'));
    assert!(css.contains("prefers-color-scheme: dark"));
    assert!(css.contains(".hl-comment"));
    assert!(!read(&dist, "pricing/index.html").contains("/assets/highlight."));
    assert_eq!(support::check_bundle(&dist), Vec::<String>::new());
}

#[test]
fn sample_headings_have_ids_anchors_and_no_duplicates() {
    let (_work, dist) = build_sample();
    let product = read(&dist, "product/index.html");
    assert!(product.contains(
        "<h2 id=\"named-instances\">Named instances <a class=\"heading-anchor\" href=\"#named-instances\""
    ));
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
                insta::assert_snapshot!(name, without_evidence_numbers(&dist, &file));
            }
        }
        insta::assert_snapshot!("sample_sitemap", read(&dist, "sitemap.xml"));
        insta::assert_snapshot!("sample_news_feed", read(&dist, "news/atom.xml"));
    });
}

/// The page at `file`, with the numbers and the bundle digest a page that
/// shows the build's evidence prints replaced: they change with every
/// file of the site, and `tests/evidence.rs` holds them to the manifest.
fn without_evidence_numbers(dist: &Path, file: &str) -> String {
    let html = read(dist, file);
    let manifest: serde_json::Value =
        serde_json::from_str(&read(dist, "security/evidence.json")).unwrap();
    if !manifest["evidence_pages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|page| page == file)
    {
        return html;
    }
    let digest = &manifest["bundle_digest"].as_str().unwrap()[..12];
    let html = html.replace(digest, "[digest]");
    let mut out = String::with_capacity(html.len());
    let mut rest = html.as_str();
    // `N files`, `N file`, `N routes`, `N route` in the promise rows.
    while let Some(at) = rest.find(" rule: ") {
        let (head, tail) = rest.split_at(at + " rule: ".len());
        out.push_str(head);
        let line_end = tail.find('\n').unwrap_or(tail.len());
        let (line, after) = tail.split_at(line_end);
        let mut words: Vec<String> = line.split(' ').map(str::to_string).collect();
        for word in &mut words {
            if word.bytes().all(|b| b.is_ascii_digit()) && !word.is_empty() {
                *word = "[n]".to_string();
            }
        }
        out.push_str(&words.join(" "));
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The `href` of every link in the `<ol class="post-list">` of a page.
fn listed_posts(html: &str) -> Vec<String> {
    let list = html
        .split("<ol class=\"post-list\">")
        .nth(1)
        .unwrap_or_else(|| panic!("no post list in {html}"));
    let list = list.split("</ol>").next().unwrap();
    list.split("<h2 class=\"post-list__title\"><a href=\"")
        .skip(1)
        .map(|item| item.split('"').next().unwrap().to_string())
        .collect()
}

#[test]
fn sample_news_lists_five_posts_a_page_newest_first_with_a_feed() {
    let (_work, dist) = build_sample();
    let pages = [
        "news/index.html",
        "news/page/2/index.html",
        "news/page/3/index.html",
    ];
    let listed: Vec<Vec<String>> = pages
        .iter()
        .map(|p| listed_posts(&read(&dist, p)))
        .collect();
    assert_eq!(listed.iter().map(Vec::len).collect::<Vec<_>>(), [5, 5, 2]);
    assert_eq!(listed[0][0], "/news/sandbox-checkout/");
    assert_eq!(listed[2][1], "/news/named-instances-ga/");
    let all: Vec<&String> = listed.iter().flatten().collect();
    let mut unique = all.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 12, "every post once");
    assert!(!dist.join("news/page/1").exists());
    assert!(!dist.join("news/page/4").exists());
    let first = read(&dist, "news/index.html");
    assert!(first.contains("<link rel=\"next\" href=\"/news/page/2/\">"));
    assert!(!first.contains("rel=\"prev\""));
    assert!(first.contains(
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"News · BayStore\" href=\"/news/atom.xml\">"
    ));
    let last = read(&dist, "news/page/3/index.html");
    assert!(last.contains("<link rel=\"prev\" href=\"/news/page/2/\">"));
    assert!(!last.contains("rel=\"next\""));
    // The feed: every post, absolute URLs, newest first.
    let feed = read(&dist, "news/atom.xml");
    assert_eq!(feed.matches("<entry>").count(), 12);
    assert!(feed.contains("<id>https://baystore.example/news/sandbox-checkout/</id>"));
    assert!(!feed.contains("href=\"/"), "{feed}");
    // The home page shows the latest three.
    let home = listed_posts(&read(&dist, "index.html"));
    assert_eq!(home, listed[0][..3]);
    // Tags list the posts that name them, paginated like the news.
    let security = listed_posts(&read(&dist, "tags/security/index.html"));
    assert_eq!(security.len(), 5);
    assert_eq!(
        listed_posts(&read(&dist, "tags/security/page/2/index.html")),
        ["/news/session-timeouts/"]
    );
    assert!(read(&dist, "tags/index.html").contains("<a class=\"tag\" href=\"/tags/security/\">Security</a> <span class=\"term-list__count\">6 posts</span>"));
}

#[test]
fn sample_changelog_and_pricing_come_from_data_files() {
    let (_work, dist) = build_sample();
    let changelog = read(&dist, "changelog/index.html");
    assert_eq!(changelog.matches("class=\"changelog__release\"").count(), 5);
    assert!(
        changelog.contains(
            "<time class=\"changelog__date\" datetime=\"2026-03-10\">10 March 2026</time>"
        )
    );
    let pricing = read(&dist, "pricing/index.html");
    assert_eq!(pricing.matches("<section class=\"plan").count(), 3);
    assert!(pricing.contains("<strong>USD 199</strong> per instance a month"));
    assert!(pricing.contains("<section class=\"plan plan--featured\">\n<h3>Team</h3>"));
}

/// A copy of the sample site's sources in a temporary folder.
fn copy_sample() -> tempfile::TempDir {
    let work = tempfile::tempdir().unwrap();
    for dir in ["content", "templates", "static", "data", "public"] {
        support::copy_dir(&repo_root().join(dir), &work.path().join(dir));
    }
    for file in ["site.yaml", "_headers", "evidence.yaml", "promises.yaml"] {
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
