//! End-to-end builds of the fixture site in `tests/generator/site/`.

#[path = "generator/support.rs"]
mod support;

use std::path::Path;

use baystore_site::out_dir::BUNDLE_MARK;
use baystore_site::{BuildOptions, build};

/// The time `now()` gives the fixture's templates, as `SOURCE_DATE_EPOCH`
/// would fix it, so the pages snapshot the same on every run.
const BUILD_TIME: &str = "2026-05-01T12:00:00Z";

/// Builds the fixture site into a fresh temporary folder.
fn build_fixture() -> (tempfile::TempDir, baystore_site::BuildSummary) {
    let work = tempfile::tempdir().unwrap();
    let mut options = BuildOptions::new(support::fixtures().join("site"), work.path().join("dist"));
    options.build_time = Some(BUILD_TIME.parse().unwrap());
    let summary = build(&options).unwrap();
    (work, summary)
}

fn read(dist: &Path, file: &str) -> String {
    std::fs::read_to_string(dist.join(file)).unwrap()
}

#[test]
fn fixture_bundle_has_pretty_urls_fingerprinted_assets_and_no_drafts() {
    let (work, summary) = build_fixture();
    let dist = work.path().join("dist");
    // Fourteen content pages, the news section's second listing page,
    // and the tags: their list, two terms, two listing pages each.
    assert_eq!(summary.pages, 22);
    assert_eq!(summary.assets, 6);
    insta::with_settings!({ snapshot_path => "generator/snapshots" }, {
        insta::assert_json_snapshot!("fixture_files", support::list_files(&dist));
    });
    assert!(!dist.join("draft/index.html").exists());
    // The mark that makes the bundle the generator's own is published
    // with it, and the validator has nothing to say about it.
    assert!(dist.join(BUNDLE_MARK).is_file());
    assert!(
        summary
            .report
            .findings
            .iter()
            .all(|f| f.file != BUNDLE_MARK),
        "{:?}",
        summary.report.findings
    );
}

#[test]
fn dated_pages_carry_an_article_in_their_json_ld() {
    let (work, _) = build_fixture();
    let dist = work.path().join("dist");
    let json_ld = |file: &str| -> serde_json::Value {
        let html = read(&dist, file);
        let json = html
            .split("<script type=\"application/ld+json\">")
            .nth(1)
            .and_then(|rest| rest.split("</script>").next())
            .unwrap_or_else(|| panic!("{file} has no JSON-LD"));
        serde_json::from_str(json).unwrap()
    };
    let news = json_ld("news/first/index.html");
    let article = &news["@graph"][2];
    assert_eq!(article["@type"], "Article");
    assert_eq!(article["url"], "https://fixture.example/news/first/");
    assert!(article["datePublished"].is_string());
    let image = article["image"].as_str().unwrap();
    assert!(
        image.starts_with("https://fixture.example/assets/hero."),
        "{image}"
    );
    assert_eq!(
        json_ld("about/index.html")["@graph"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn public_files_are_published_verbatim_at_their_own_paths() {
    let (work, summary) = build_fixture();
    let dist = work.path().join("dist");
    let public = support::fixtures().join("site/public");
    for file in [
        ".well-known/assetlinks.json",
        "files/price-list.pdf",
        "humans.txt",
        "robots.txt",
    ] {
        assert_eq!(
            std::fs::read(dist.join(file)).unwrap(),
            std::fs::read(public.join(file)).unwrap(),
            "{file}"
        );
    }
    assert!(
        summary
            .report
            .findings
            .iter()
            .all(|f| f.severity != bundle_validator::Severity::Error),
        "{:?}",
        summary.report.findings
    );
}

#[test]
fn aliases_and_redirects_are_rules_the_validator_judges() {
    let (work, summary) = build_fixture();
    let dist = work.path().join("dist");
    let text = read(&dist, "_redirects");
    let rules = bundle_validator::redirects_file::parse(&text);
    let written: Vec<(&str, &str, Option<&str>)> = rules
        .iter()
        .map(|r| (r.source, r.destination, r.status))
        .collect();
    assert_eq!(
        written,
        [
            ("/prices/", "/pricing/", Some("301")),
            ("/docs/*", "/guides/:splat", Some("302")),
        ]
    );
    // A redirect is a rule, never a page that redirects with a script.
    assert!(!dist.join("prices").exists());
    assert!(
        summary
            .report
            .findings
            .iter()
            .all(|f| f.file != "_redirects"),
        "{:?}",
        summary.report.findings
    );
}

#[test]
fn security_txt_is_generated_a_year_ahead_and_judged() {
    use bundle_validator::rules::securitytxt::{parse, parse_date_time};
    // The fixture builds at a fixed time, the one clock of the build:
    // `now()` in templates and `Expires` here both read it.
    let built: jiff::Timestamp = BUILD_TIME.parse().unwrap();
    let (work, summary) = build_fixture();
    let text = read(&work.path().join("dist"), ".well-known/security.txt");
    let file = parse(&text);
    let value = |name: &str| -> Vec<&str> {
        file.fields
            .iter()
            .filter(|f| f.is(name))
            .map(|f| f.value.as_str())
            .collect()
    };
    assert_eq!(
        value("Contact"),
        [
            "mailto:security@fixture.example",
            "https://fixture.example/plans/"
        ]
    );
    assert_eq!(value("Preferred-Languages"), ["en, de"]);
    assert_eq!(
        value("Canonical"),
        ["https://fixture.example/.well-known/security.txt"]
    );
    assert_eq!(value("Policy"), ["https://fixture.example/plans/"]);
    let expires = parse_date_time(value("Expires")[0]).unwrap();
    let year = 365 * 24 * 60 * 60;
    assert_eq!(expires, built.as_second() + year, "{text}");
    assert!(
        summary
            .report
            .findings
            .iter()
            .all(|f| !f.rule.starts_with("securitytxt/")),
        "{:?}",
        summary.report.findings
    );
}

#[test]
fn fixture_pages_render_as_snapshotted() {
    let (work, _) = build_fixture();
    let dist = work.path().join("dist");
    insta::with_settings!({ snapshot_path => "generator/snapshots" }, {
        for file in support::list_files(&dist) {
            if file.ends_with(".html") {
                let name = format!("fixture_page__{}", file.replace('/', "__"));
                insta::assert_snapshot!(name, read(&dist, &file));
            }
        }
        insta::assert_snapshot!("fixture_site_css", read(&dist, &css_file(&dist)));
    });
}

fn css_file(dist: &Path) -> String {
    support::list_files(dist)
        .into_iter()
        .find(|f| f.starts_with("assets/site.") && f.ends_with(".css"))
        .unwrap()
}

#[test]
fn fixture_bundle_keeps_the_script_boundary_and_integrity() {
    let (work, _) = build_fixture();
    let dist = work.path().join("dist");
    assert_eq!(support::check_bundle(&dist), Vec::<String>::new());
    // The stylesheet's own references were rewritten before it was hashed.
    let css = read(&dist, &css_file(&dist));
    assert!(!css.contains("body.woff2\""), "{css}");
    assert!(!css.contains("url(/img/hero.svg)"), "{css}");
}

#[test]
fn every_page_has_its_canonical_link_and_admin_pages_noindex_nofollow() {
    let (work, _) = build_fixture();
    let dist = work.path().join("dist");
    for file in support::list_files(&dist) {
        let Some(path) = file.strip_suffix("index.html") else {
            continue;
        };
        let html = read(&dist, &file);
        let canonical = format!("<link rel=\"canonical\" href=\"https://fixture.example/{path}\">");
        assert!(html.contains(&canonical), "{file} lacks {canonical}");
    }
    for admin in ["console/index.html", "ops/index.html"] {
        assert!(
            read(&dist, admin).contains("<meta name=\"robots\" content=\"noindex,nofollow\">"),
            "{admin}"
        );
    }
    assert!(read(&dist, "contact/thanks/index.html").contains("content=\"noindex\""));
    assert!(read(&dist, "404.html").contains("content=\"noindex\""));
}

#[test]
fn navigation_lists_public_pages_only_in_order() {
    let (work, _) = build_fixture();
    let html = read(&work.path().join("dist"), "pricing/index.html");
    let nav = html
        .split("<nav")
        .nth(1)
        .unwrap()
        .split("</nav>")
        .next()
        .unwrap();
    assert_eq!(
        nav,
        " aria-label=\"Main\"><ul><li><a href=\"/\">Home</a></li>\
         <li><a href=\"/about/\">About</a></li>\
         <li><a href=\"/pricing/\" aria-current=\"page\">Pricing</a></li>\
         <li><a href=\"/news/\">News</a></li></ul>"
    );
}

#[test]
fn sections_list_sorted_pages_over_linked_listing_pages() {
    let (work, _) = build_fixture();
    let dist = work.path().join("dist");
    let listed = |file: &str| -> Vec<String> {
        let html = read(&dist, file);
        let list = html.split("<ul class=\"listing\">").nth(1).unwrap();
        let list = list.split("</ul>").next().unwrap();
        list.split("<a href=\"")
            .skip(1)
            .map(|item| item.split('"').next().unwrap().to_string())
            .collect()
    };
    // Newest first, the transparent archive's page folded in, the draft
    // left out, two to a page.
    assert_eq!(listed("news/index.html"), ["/news/third/", "/news/second/"]);
    assert_eq!(
        listed("news/page/2/index.html"),
        ["/news/first/", "/news/archive/launch/"]
    );
    assert_eq!(listed("news/archive/index.html"), ["/news/archive/launch/"]);
    // The first listing page lives only at the section's own URL.
    assert!(!dist.join("news/page/1").exists());
    assert!(!dist.join("news/page/3").exists());
    assert!(!dist.join("news/unfinished").exists());
    let first = read(&dist, "news/index.html");
    assert!(first.contains("<link rel=\"next\" href=\"/news/page/2/\">"));
    assert!(!first.contains("rel=\"prev\""));
    let second = read(&dist, "news/page/2/index.html");
    assert!(second.contains("<link rel=\"prev\" href=\"/news/\">"));
    assert!(second.contains("<a rel=\"prev\" href=\"/news/\">"));
    assert!(!second.contains("rel=\"next\""));
    assert!(
        second.contains("<link rel=\"canonical\" href=\"https://fixture.example/news/page/2/\">")
    );
}

#[test]
fn sitemap_robots_and_headers_exclude_and_mark_admin_surfaces() {
    let (work, _) = build_fixture();
    let dist = work.path().join("dist");
    assert_eq!(
        support::sitemap_urls(&dist),
        [
            "https://fixture.example/",
            "https://fixture.example/about/",
            "https://fixture.example/guides/",
            "https://fixture.example/guides/start/",
            "https://fixture.example/news/",
            "https://fixture.example/news/archive/",
            "https://fixture.example/news/archive/launch/",
            "https://fixture.example/news/first/",
            "https://fixture.example/news/page/2/",
            "https://fixture.example/news/second/",
            "https://fixture.example/news/third/",
            "https://fixture.example/plans/",
            "https://fixture.example/pricing/",
            "https://fixture.example/tags/",
            "https://fixture.example/tags/releases/",
            "https://fixture.example/tags/releases/page/2/",
            "https://fixture.example/tags/security/",
            "https://fixture.example/tags/security/page/2/",
        ]
    );
    // `updated` wins over `date`; pages without either have no lastmod.
    let sitemap = read(&dist, "sitemap.xml");
    assert!(
        sitemap.contains(
            "<loc>https://fixture.example/guides/start/</loc>\
             <lastmod>2026-02-01T09:30:00+01:00</lastmod>"
        ),
        "{sitemap}"
    );
    assert_eq!(sitemap.matches("<lastmod>").count(), 5, "{sitemap}");
    // The site's own robots.txt keeps the generated one's guarantees, so
    // it is published in its place, unchanged.
    let robots = read(&dist, "robots.txt");
    assert_eq!(
        robots,
        read(&support::fixtures().join("site/public"), "robots.txt")
    );
    assert!(robots.contains("Sitemap: https://fixture.example/sitemap.xml"));
    let headers = read(&dist, "_headers");
    let authored = read(&support::fixtures().join("site"), "_headers");
    assert!(
        headers.starts_with(&authored),
        "authored _headers must come first verbatim"
    );
    for rule in [
        "/console\n  X-Robots-Tag: noindex, nofollow\n",
        "/console/*\n  X-Robots-Tag: noindex, nofollow\n",
        "/ops/\n  X-Robots-Tag: noindex, nofollow\n",
        "/contact/thanks/\n  X-Robots-Tag: noindex\n",
    ] {
        assert!(headers.contains(rule), "missing {rule:?} in {headers}");
    }
    assert!(
        dist.join("favicon.ico").exists(),
        "favicon keeps its root copy"
    );
}

#[test]
fn rebuild_replaces_the_output_and_leaves_no_temporary_folders() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("dist");
    let options = BuildOptions::new(support::fixtures().join("site"), &out);
    build(&options).unwrap();
    // The previous bundle carries the generator's mark, so it is replaced
    // whole, files the new build does not write included.
    std::fs::write(out.join("stale.html"), "old").unwrap();
    build(&options).unwrap();
    assert!(!out.join("stale.html").exists());
    assert!(out.join("index.html").exists());
    assert_eq!(
        support::siblings_starting_with(work.path(), "dist."),
        Vec::<String>::new()
    );
}

#[test]
fn templates_that_repeat_or_escape_the_content_render_the_same_references() {
    let work = tempfile::tempdir().unwrap();
    let site = work.path().join("site");
    support::copy_dir(&support::fixtures().join("site"), &site);
    std::fs::write(
        site.join("templates/page.html"),
        "{% extends \"base.html\" %}{% block main %}{{ page.content | safe }}\
         <section>{{ page.content | safe }}</section><p>{{ page.content }}</p>{% endblock main %}",
    )
    .unwrap();
    std::fs::write(
        site.join("content/guides/start.md"),
        "---\ntitle: Start\n---\n\n![Hero](/img/hero.svg)\n\n<p><img src=\"/img/hero.svg\" alt=\"\"></p>\n",
    )
    .unwrap();
    let dist = work.path().join("dist");
    build(&BuildOptions::new(&site, &dist)).unwrap();
    let html = read(&dist, "guides/start/index.html");
    let hero = support::list_files(&dist)
        .into_iter()
        .find(|f| f.starts_with("assets/hero."))
        .unwrap();
    assert_eq!(
        html.matches(&format!("src=\"/{hero}\"")).count(),
        4,
        "{html}"
    );
    assert!(!html.contains("src=\"/img/hero.svg\""), "{html}");
    assert!(
        html.contains("&lt;p&gt;"),
        "the escaped copy stays escaped: {html}"
    );
    assert_eq!(support::check_bundle(&dist), Vec::<String>::new());
}

#[test]
fn drafts_are_published_only_when_asked_and_then_never_indexed() {
    let work = tempfile::tempdir().unwrap();
    let mut options = BuildOptions::new(support::fixtures().join("site"), work.path().join("dist"));
    options.drafts = true;
    let summary = build(&options).unwrap();
    // Two drafts, and with one more post the news needs a third listing
    // page; the draft's tag adds a term with one listing page.
    assert_eq!(summary.pages, 26);
    let dist = work.path().join("dist");
    for (file, url) in [
        ("draft/index.html", "/draft/"),
        ("news/unfinished/index.html", "/news/unfinished/"),
    ] {
        let html = read(&dist, file);
        assert!(
            html.contains("<meta name=\"robots\" content=\"noindex\">"),
            "{html}"
        );
        let headers = read(&dist, "_headers");
        assert!(
            headers.contains(&format!("{url}\n  X-Robots-Tag: noindex\n")),
            "{headers}"
        );
        assert!(!read(&dist, "sitemap.xml").contains(url));
        assert!(!read(&dist, "atom.xml").contains(url));
    }
    // The draft's tag lists only the draft, so its page is as hidden as
    // the draft; the tags list, with indexable terms, is not.
    let roadmap = read(&dist, "tags/roadmap/index.html");
    assert!(
        roadmap.contains("<meta name=\"robots\" content=\"noindex\">"),
        "{roadmap}"
    );
    assert!(!read(&dist, "sitemap.xml").contains("/tags/roadmap/"));
    assert!(read(&dist, "_headers").contains("/tags/roadmap/\n  X-Robots-Tag: noindex\n"));
    assert!(!read(&dist, "tags/index.html").contains("name=\"robots\""));
    // A published draft takes its place in its section's listing.
    assert!(read(&dist, "news/index.html").contains("href=\"/news/unfinished/\""));
    assert!(dist.join("news/page/3/index.html").is_file());
}

#[test]
fn tags_list_their_terms_and_each_term_its_pages_over_listing_pages() {
    let (work, _) = build_fixture();
    let dist = work.path().join("dist");
    let list = read(&dist, "tags/index.html");
    assert!(
        list.contains("<a href=\"/tags/releases/\">Releases</a> (2)"),
        "{list}"
    );
    assert!(
        list.contains("<a href=\"/tags/security/\">Security</a> (2)"),
        "{list}"
    );
    // The draft's tag is not published with it.
    assert!(!list.contains("Roadmap"), "{list}");
    assert!(!dist.join("tags/roadmap").exists());
    // One page per listing page, newest first, never a /page/1/ copy.
    let first = read(&dist, "tags/security/index.html");
    assert!(first.contains("href=\"/news/third/\""), "{first}");
    assert!(!first.contains("href=\"/news/first/\""), "{first}");
    assert!(first.contains("<link rel=\"next\" href=\"/tags/security/page/2/\">"));
    let second = read(&dist, "tags/security/page/2/index.html");
    assert!(second.contains("href=\"/news/first/\""), "{second}");
    assert!(second.contains("<link rel=\"prev\" href=\"/tags/security/\">"));
    assert!(!dist.join("tags/security/page/1").exists());
    assert!(!dist.join("tags/security/page/3").exists());
    // `feed: true` on the taxonomy gives each term an Atom feed, linked
    // from its listing pages.
    let (texts, links) = read_xml(&read(&dist, "tags/security/atom.xml"));
    let ids: Vec<&str> = texts
        .iter()
        .filter(|(p, _)| p == "feed/entry/id")
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "https://fixture.example/news/third/",
            "https://fixture.example/news/first/"
        ]
    );
    assert!(links.iter().any(|link| link.contains(&(
        "href".to_string(),
        "https://fixture.example/tags/security/atom.xml".to_string()
    ))));
    assert!(
        first.contains("href=\"/tags/security/atom.xml\""),
        "{first}"
    );
    assert_eq!(support::check_bundle(&dist), Vec::<String>::new());
}

/// The attributes of one element, as name and value.
type Attributes = Vec<(String, String)>;

/// The text of every element of an XML document by its path
/// (`feed/entry/id`), and the attributes of every empty `link`, read with
/// a real XML parser; a malformed document fails the test.
fn read_xml(xml: &str) -> (Vec<(String, String)>, Vec<Attributes>) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut path, mut text, mut texts, mut links) =
        (Vec::new(), String::new(), Vec::new(), Vec::new());
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => {
                text.clear();
                path.push(e.local_name().as_ref().to_string());
            }
            Event::End(_) => {
                if !text.trim().is_empty() {
                    texts.push((path.join("/"), std::mem::take(&mut text)));
                }
                text.clear();
                path.pop();
            }
            Event::Empty(e) => links.push(
                e.attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        let value = a
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .unwrap();
                        (a.key.as_ref().to_string(), value.into_owned())
                    })
                    .collect(),
            ),
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => text.push_str(
                quick_xml::escape::resolve_predefined_entity(&r.xml10_content()).unwrap(),
            ),
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(path.is_empty(), "unclosed elements in {xml}");
    (texts, links)
}

#[test]
fn section_and_site_feeds_are_atom_with_absolute_urls_and_are_linked() {
    let (work, _) = build_fixture();
    let dist = work.path().join("dist");
    let xml = read(&dist, "news/atom.xml");
    let (texts, links) = read_xml(&xml);
    let all = |path: &str| -> Vec<&str> {
        texts
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, t)| t.as_str())
            .collect()
    };
    // RFC 4287: the feed has id, title and updated, and each entry id,
    // title, updated and (without content) an alternate link.
    assert_eq!(all("feed/id"), ["https://fixture.example/news/"]);
    assert_eq!(all("feed/title"), ["News | Fixture Store"]);
    assert_eq!(all("feed/updated"), ["2026-03-10T00:00:00Z"]);
    assert_eq!(all("feed/author/name"), ["Fixture Store"]);
    assert_eq!(
        all("feed/entry/id"),
        [
            "https://fixture.example/news/third/",
            "https://fixture.example/news/second/",
            "https://fixture.example/news/first/",
            "https://fixture.example/news/archive/launch/",
        ]
    );
    assert_eq!(all("feed/entry/title").len(), 4);
    assert_eq!(
        all("feed/entry/updated"),
        [
            "2026-03-10T00:00:00Z",
            "2026-02-12T00:00:00Z",
            "2026-01-10T00:00:00Z",
            "2025-06-01T00:00:00Z"
        ]
    );
    assert_eq!(all("feed/entry/summary"), ["Two, briefly."]);
    // One self and one alternate link for the feed, one per entry.
    assert_eq!(links.len(), 6);
    for link in &links {
        let href = &link.iter().find(|(k, _)| k == "href").unwrap().1;
        assert!(href.starts_with("https://fixture.example/"), "{href}");
    }
    assert!(links[0].contains(&(
        "href".into(),
        "https://fixture.example/news/atom.xml".into()
    )));
    assert!(
        !xml.contains("draft") && !xml.contains("Unfinished"),
        "{xml}"
    );

    let page = read(&dist, "news/index.html");
    assert!(page.contains(
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"News\" href=\"/news/atom.xml\">"
    ));
    // The archive section has no feed of its own.
    assert!(!dist.join("news/archive/atom.xml").exists());

    let site = read(&dist, "atom.xml");
    let (texts, _) = read_xml(&site);
    let ids: Vec<&str> = texts
        .iter()
        .filter(|(p, _)| p == "feed/entry/id")
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(ids.len(), 5, "{ids:?}");
    assert!(ids.contains(&"https://fixture.example/guides/start/"));
    assert!(read(&dist, "about/index.html").contains("href=\"/atom.xml\""));
}

#[test]
fn an_authored_image_set_is_rewritten_as_the_gate_reads_it() {
    // The generator finds a stylesheet's URLs with the validator's own
    // scanner: a URL in `image-set()` that the build did not rewrite would
    // reach the gate as a link to a file the bundle does not have.
    let work = tempfile::tempdir().unwrap();
    let site = work.path().join("site");
    support::copy_dir(&support::fixtures().join("site"), &site);
    let stylesheet = site.join("static/css/site.css");
    let mut css = std::fs::read_to_string(&stylesheet).unwrap();
    css.push_str(".banner { background-image: image-set(\"/img/hero.svg\" 1x); }\n");
    std::fs::write(&stylesheet, css).unwrap();
    let options = BuildOptions::new(site, work.path().join("dist"));
    let summary = build(&options).unwrap();
    assert_eq!(summary.report.error_count(), 0, "{:#?}", summary.report);
    let dist = work.path().join("dist");
    let hero = support::list_files(&dist)
        .into_iter()
        .find(|f| f.starts_with("assets/hero.") && f.ends_with(".svg"))
        .unwrap();
    let css = read(&dist, &css_file(&dist));
    assert!(css.contains(&format!("image-set(\"/{hero}\" 1x)")), "{css}");
    assert!(!css.contains("\"/img/hero.svg\""), "{css}");
}
