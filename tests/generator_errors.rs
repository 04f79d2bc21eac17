//! Every build error names its file and line. Each case under
//! `tests/generator/errors/<case>/` holds files laid over the fixture site
//! in `tests/generator/site/`; the build must fail with the snapshotted
//! message and leave the previous output untouched.

#[path = "generator/support.rs"]
mod support;

use std::path::{Path, PathBuf};

use baystore_site::error::WithCauses;
use baystore_site::out_dir::{BUNDLE_MARK, write_mark};
use baystore_site::{BuildOptions, Error, build};

/// A copy of the fixture site with one error case laid over it, plus a
/// previous output that a failed build must not touch.
struct BrokenSite {
    work: tempfile::TempDir,
}

impl BrokenSite {
    fn new(case: &str) -> Self {
        Self::from_overlay(&support::fixtures().join("errors").join(case))
    }

    fn from_overlay(overlay: &Path) -> Self {
        assert!(overlay.is_dir(), "no fixture for {}", overlay.display());
        let site = Self::plain();
        support::copy_dir(overlay, &site.work.path().join("site"));
        site
    }

    /// The fixture site as it is, for a test to change.
    fn plain() -> Self {
        let work = tempfile::tempdir().unwrap();
        support::copy_dir(&support::fixtures().join("site"), &work.path().join("site"));
        let out = work.path().join("dist");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("index.html"), "previous build").unwrap();
        write_mark(&out).unwrap();
        Self { work }
    }

    fn out(&self) -> PathBuf {
        self.work.path().join("dist")
    }

    fn build(&self) -> Error {
        self.build_keeping(false)
    }

    fn build_keeping(&self, keep_failed: bool) -> Error {
        let mut options = BuildOptions::new(self.work.path().join("site"), self.out());
        options.keep_failed = keep_failed;
        build(&options).expect_err("the build must fail")
    }

    /// The previous output is intact and no temporary bundle is left.
    fn assert_untouched(&self) {
        assert_eq!(
            support::list_files(&self.out()),
            [BUNDLE_MARK, "index.html"]
        );
        assert_eq!(
            std::fs::read_to_string(self.out().join("index.html")).unwrap(),
            "previous build"
        );
        assert_eq!(
            support::siblings_starting_with(self.work.path(), "dist."),
            Vec::<String>::new()
        );
    }
}

/// Every message of an error with its causes. None may name the staging
/// folder (`dist.tmp-…`), which is gone by the time anyone reads it.
fn shown(error: &Error) -> String {
    let shown: Vec<String> = error
        .errors()
        .iter()
        .map(|e| WithCauses(*e).to_string())
        .collect();
    let shown = shown.join("\n");
    assert!(!shown.contains("dist.tmp-"), "{shown}");
    shown
}

/// Builds a case, snapshots its message and checks nothing was replaced.
fn check_case(case: &str) -> Error {
    let site = BrokenSite::new(case);
    let error = site.build();
    shown(&error);
    insta::with_settings!({ snapshot_path => "generator/snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(format!("error__{case}"), error.to_string());
    });
    site.assert_untouched();
    error
}

fn first_line_location(error: &Error) -> String {
    let text = error.to_string();
    text.split(": ").next().unwrap_or_default().to_string()
}

#[test]
fn invalid_yaml_names_file_and_line() {
    let error = check_case("invalid-yaml");
    assert!(matches!(error, Error::FrontMatter { .. }), "{error:?}");
    assert!(first_line_location(&error).starts_with("content/about.md:"));
}

#[test]
fn invalid_date_names_file_and_line() {
    let error = check_case("invalid-date");
    assert!(matches!(error, Error::FrontMatter { .. }), "{error:?}");
    assert!(first_line_location(&error).starts_with("content/about.md:5:"));
    assert!(error.to_string().contains("2026-02-30"), "{error}");
}

#[test]
fn aliases_on_a_page_or_a_generated_file_name_their_line_and_the_other() {
    let error = check_case("alias-collision");
    let text = error.to_string();
    assert!(
        text.contains("content/about.md:8:5: alias /Pricing of content/about.md is the URL of the page of content/pricing.md"),
        "{text}"
    );
    assert!(
        text.contains("content/about.md:9:5: alias /sitemap.xml of content/about.md is /sitemap.xml, which the generator writes"),
        "{text}"
    );
    assert!(!text.contains("who-we-are"), "{text}");
}

#[test]
fn public_files_where_the_generator_writes_name_both() {
    let error = check_case("public-collision");
    let text = error.to_string();
    assert!(
        text.contains("public/about/index.html: would be published as about/index.html, but the page of content/about.md is published at that path too"),
        "{text}"
    );
    assert!(
        text.contains("public/sitemap.xml: would be published as sitemap.xml, but the generator's own `sitemap.xml`"),
        "{text}"
    );
}

#[test]
fn an_authored_robots_txt_must_keep_every_guarantee() {
    let error = check_case("robots-drops-a-guarantee");
    let text = error.to_string();
    assert!(
        text.contains("Sitemap: https://fixture.example/sitemap.xml"),
        "{text}"
    );
    assert!(text.contains("public/robots.txt:2:1:"), "{text}");
    assert!(text.contains("public/robots.txt:5:1:"), "{text}");
    assert!(text.contains("/contact/thanks/"), "{text}");
}

#[test]
fn a_missing_share_image_names_its_line() {
    let error = check_case("social-image-missing");
    assert!(matches!(error, Error::SiteConfig { .. }), "{error:?}");
    assert!(
        first_line_location(&error).starts_with("site.yaml:"),
        "{error}"
    );
    assert!(error.to_string().contains("/img/card.png"), "{error}");
}

#[test]
fn a_security_txt_policy_that_is_no_page_names_its_line() {
    let error = check_case("security-txt-policy");
    assert!(matches!(error, Error::SiteConfig { .. }), "{error:?}");
    assert!(
        first_line_location(&error).starts_with("site.yaml:14:"),
        "{error}"
    );
    assert!(error.to_string().contains("/no-such-page/"), "{error}");
}

#[test]
fn a_listed_page_without_the_sort_key_names_it_and_its_section() {
    let error = check_case("section-sort-key");
    assert!(matches!(error, Error::Listing { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("content/news/_index.md sorts its pages by date"),
        "{error}"
    );
}

#[test]
fn a_page_where_a_listing_page_goes_names_both_files() {
    let error = check_case("pager-collision");
    assert!(
        error
            .to_string()
            .contains("content/news/page/2.md and listing page 2 of content/news/_index.md both map to the URL /news/page/2/"),
        "{error}"
    );
}

#[test]
fn two_terms_that_make_one_segment_name_both_places() {
    let error = check_case("taxonomy-term-collision");
    assert!(
        error
            .errors()
            .iter()
            .all(|e| matches!(e, Error::Taxonomy { .. })),
        "{error:?}"
    );
    let shown = error.to_string();
    // about.md is read before the news posts, so its spelling comes first
    // and each post that writes it differently is named against it.
    assert!(
        shown.contains(
            "content/news/first.md:5:20: the tags term `Releases` and the term `releases` at \
             content/about.md:5:10 make the same URL segment `releases`"
        ),
        "{shown}"
    );
    assert!(shown.contains("content/news/third/index.md:6:7: the tags term `Security` and the term `SECURITY` at content/about.md:5:20"), "{shown}");
}

#[test]
fn a_page_where_a_term_listing_goes_names_both() {
    let error = check_case("taxonomy-page-collision");
    assert!(
        error.to_string().contains(
            "content/tags/security.md and the tags term `Security` (first named at content/news/first.md:5:10) both map to the URL /tags/security/"
        ),
        "{error}"
    );
}

#[test]
fn a_taxonomy_site_yaml_does_not_declare_is_an_error_at_its_line() {
    let error = check_case("taxonomy-undeclared");
    assert_eq!(first_line_location(&error), "content/about.md:5:15");
    assert!(error.to_string().contains("`categories` is not declared"));
}

#[test]
fn taxonomy_names_in_site_yaml_are_url_segments() {
    let error = check_case("taxonomy-invalid-config");
    assert!(matches!(error, Error::SiteConfig { .. }), "{error:?}");
    assert!(
        first_line_location(&error).starts_with("site.yaml:6:"),
        "{error}"
    );
}

#[test]
fn a_used_taxonomy_without_templates_names_where_it_is_used() {
    let site = site_with(|site| {
        std::fs::remove_file(site.join("templates/taxonomy_single.html")).unwrap();
    });
    let error = site.build();
    assert!(matches!(error, Error::Taxonomy { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "content/news/first.md:5:20: names a tags term, so the site has a page for each tags term, \
         which needs templates/tags/single.html or templates/taxonomy_single.html; add one"
    );
    site.assert_untouched();
    // A taxonomy's own template is used when there is one.
    let site = site_with(|site| {
        std::fs::rename(
            site.join("templates/taxonomy_single.html"),
            site.join("templates/tags-single.html"),
        )
        .unwrap();
        std::fs::create_dir(site.join("templates/tags")).unwrap();
        std::fs::write(
            site.join("templates/tags/single.html"),
            "<!doctype html><html lang=\"en\"><title>{{ term.name }}</title><p>{{ term.count }}</p></html>",
        )
        .unwrap();
        std::fs::remove_file(site.join("templates/tags-single.html")).unwrap();
    });
    let mut options = BuildOptions::new(site.work.path().join("site"), site.out());
    options.keep_failed = false;
    build(&options).unwrap();
    let html = std::fs::read_to_string(site.out().join("tags/security/index.html")).unwrap();
    assert!(html.contains("<title>Security</title><p>2</p>"), "{html}");
}

#[test]
fn a_missing_static_file_in_get_url_names_the_template_line() {
    let error = check_case("template-function");
    assert!(matches!(error, Error::TemplateRender { .. }), "{error:?}");
    assert_eq!(first_line_location(&error), "templates/about.html:3:14");
    assert!(
        error
            .to_string()
            .contains("`img/missing.svg` is not a file under static/")
    );
}

#[test]
fn the_markdown_filter_refuses_what_content_may_not_hold() {
    let error = check_case("template-markdown-filter");
    assert!(matches!(error, Error::TemplateRender { .. }), "{error:?}");
    assert!(first_line_location(&error).starts_with("templates/about.html:3:"));
    assert!(
        error
            .to_string()
            .contains("event handler attribute `onerror`"),
        "{error}"
    );
}

#[test]
fn a_malformed_source_date_epoch_fails_the_build() {
    let site = BrokenSite::plain();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_baystore-site"))
        .arg("build")
        .arg("--site")
        .arg(site.work.path().join("site"))
        .arg("--out")
        .arg(site.out())
        .env("SOURCE_DATE_EPOCH", "2026-05-01")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("SOURCE_DATE_EPOCH must be a whole number of seconds"),
        "{stderr}"
    );
    site.assert_untouched();
}

#[test]
fn a_broken_data_file_and_a_quoted_boolean_name_file_and_line() {
    let error = check_case("invalid-data");
    let shown = error.to_string();
    assert!(shown.contains("data/plans.yaml:3:"), "{shown}");
    assert!(shown.contains("content/about.md:3:"), "{shown}");
}

#[test]
fn a_broken_draft_fails_the_build_though_it_is_not_published() {
    let error = check_case("broken-draft");
    let shown = error.to_string();
    assert!(shown.contains("content/draft.md:8:"), "{shown}");
    assert!(shown.contains("onerror"), "{shown}");
    assert!(shown.contains("content/draft-image.md"), "{shown}");
    assert!(shown.contains("/img/gone.png"), "{shown}");
}

#[test]
fn unknown_front_matter_key_points_at_the_key() {
    let error = check_case("unknown-front-matter-key");
    assert_eq!(first_line_location(&error), "content/about.md:4:1");
}

#[test]
fn missing_title_is_an_error() {
    let error = check_case("missing-title");
    assert!(error.to_string().contains("title"), "{error}");
}

#[test]
fn unknown_template_points_at_the_template_key() {
    let error = check_case("unknown-template");
    assert_eq!(first_line_location(&error), "content/about.md:3:1");
}

#[test]
fn tera_syntax_error_points_into_the_template() {
    let error = check_case("tera-syntax");
    assert!(matches!(error, Error::TemplateSyntax { .. }), "{error:?}");
    assert!(first_line_location(&error).starts_with("templates/page.html:3:"));
}

#[test]
fn tera_render_error_names_template_line_and_page() {
    let error = check_case("tera-render");
    assert!(matches!(error, Error::TemplateRender { .. }), "{error:?}");
    assert_eq!(first_line_location(&error), "templates/admin.html:3:12");
    assert!(error.to_string().contains("content/console/index.md"));
}

#[test]
fn raw_script_element_is_refused() {
    let error = check_case("raw-script");
    assert_eq!(first_line_location(&error), "content/about.md:7:1");
}

#[test]
fn raw_style_element_is_refused() {
    let error = check_case("raw-style-element");
    assert_eq!(first_line_location(&error), "content/about.md:7:1");
}

#[test]
fn raw_event_handler_is_refused_at_the_attribute() {
    let error = check_case("raw-event-handler");
    assert_eq!(first_line_location(&error), "content/about.md:5:44");
}

#[test]
fn duplicate_heading_ids_name_both_lines() {
    let error = check_case("duplicate-heading-id");
    assert!(matches!(error, Error::Heading { .. }), "{error:?}");
    assert_eq!(first_line_location(&error), "content/about.md:13:1");
    assert!(error.to_string().contains("(also at line 5)"), "{error}");
}

#[test]
fn heading_attributes_are_held_to_the_raw_html_policy() {
    let error = check_case("heading-event-handler");
    assert_eq!(first_line_location(&error), "content/about.md:7:1");
    assert!(error.to_string().contains("onmouseover"), "{error}");
}

#[test]
fn unknown_shortcode_in_a_body_names_its_line() {
    let error = check_case("shortcode-unknown");
    assert!(matches!(error, Error::Shortcode { .. }), "{error:?}");
    assert_eq!(first_line_location(&error), "content/about.md:10:9");
    assert!(
        error.to_string().contains("known: callout, figure"),
        "{error}"
    );
}

#[test]
fn shortcode_syntax_error_names_the_argument() {
    let error = check_case("shortcode-syntax");
    assert_eq!(first_line_location(&error), "content/about.md:7:36");
}

#[test]
fn shortcode_output_is_held_to_the_raw_html_policy() {
    let error = check_case("shortcode-unsafe-output");
    assert!(
        matches!(error, Error::UnsafeShortcodeOutput { .. }),
        "{error:?}"
    );
    assert_eq!(first_line_location(&error), "content/about.md:7:7");
}

#[test]
fn shortcode_inside_raw_html_is_refused() {
    let error = check_case("shortcode-misplaced");
    assert_eq!(first_line_location(&error), "content/about.md:7:10");
}

#[test]
fn shortcode_template_error_names_template_and_call() {
    let error = check_case("shortcode-template-error");
    let text = error.to_string();
    assert!(
        text.starts_with("templates/shortcodes/figure.html:2:"),
        "{text}"
    );
    assert!(
        text.contains("content/about.md:9 (shortcode `figure`)"),
        "{text}"
    );
}

#[test]
fn raw_style_attribute_on_a_continuation_line_is_refused() {
    let error = check_case("raw-style-attribute");
    assert_eq!(first_line_location(&error), "content/about.md:6:6");
}

#[test]
fn disguised_javascript_url_is_refused() {
    let error = check_case("raw-javascript-url");
    assert_eq!(first_line_location(&error), "content/about.md:5:30");
}

#[test]
fn two_sources_for_one_url_name_both_files() {
    let error = check_case("duplicate-url");
    assert!(matches!(error, Error::DuplicateUrl { .. }), "{error:?}");
}

#[test]
fn reference_to_a_missing_static_file_names_page_and_template() {
    let error = check_case("missing-asset");
    assert!(matches!(error, Error::MissingAsset { .. }), "{error:?}");
}

#[test]
fn a_hostile_image_is_an_error_naming_the_static_file() {
    // A PNG whose header claims 3.6 gigapixels over a few bytes: refused
    // from its header, before any pixel buffer is allocated.
    let error = check_case("image-hostile");
    assert!(matches!(error, Error::Image { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "static/img/bomb.png: it is 60000×60000 pixels, over the limit of 16384 a side and 32000000 in all"
    );
}

#[test]
fn images_without_alt_text_name_the_content_file_and_line() {
    let error = check_case("image-missing-alt");
    let text = shown(&error);
    for expected in [
        "content/about.md:10:1: image `/img/hero.svg` has no alt text",
        "content/about.md:12:1: image `/img/hero.svg` has no alt text",
        "content/about.md:14:1: image `/img/hero.svg` is marked decorative but has alt text",
        "content/about.md:16:1: image `https://photos.example/office.jpg` is not a file under static/",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
}

#[test]
fn invalid_site_config_names_the_line() {
    let error = check_case("invalid-site-config");
    assert_eq!(first_line_location(&error), "site.yaml:4:75");
}

#[test]
fn errors_of_all_pages_are_collected_before_failing() {
    let error = check_case("many-errors");
    let files: Vec<String> = error
        .errors()
        .iter()
        .map(|e| first_line_location(e))
        .collect();
    assert_eq!(
        files,
        [
            "content/about.md:3:1",
            "content/guides/start.md:3:1",
            "content/pricing.md:5:4",
            "content/pricing.md:5:38",
        ]
    );
}

#[test]
fn control_character_in_front_matter_is_refused_at_its_position() {
    let error = check_case("control-character-front-matter");
    assert!(matches!(error, Error::SourceText { .. }), "{error:?}");
    assert_eq!(first_line_location(&error), "content/about.md:2:15");
    assert!(!error.to_string().contains('\u{1b}'));
}

#[test]
fn nul_in_markdown_is_refused_at_its_position() {
    let error = check_case("nul-in-markdown");
    assert_eq!(first_line_location(&error), "content/about.md:7:9");
}

#[test]
fn bidirectional_override_is_refused() {
    let error = check_case("bidi-override");
    assert_eq!(first_line_location(&error), "content/about.md:7:15");
}

#[test]
fn invalid_utf8_is_refused_at_its_position() {
    let error = check_case("invalid-utf8");
    assert_eq!(first_line_location(&error), "content/about.md:7:4");
}

/// Asserts that every error of a failed build is a template limit.
fn assert_only_template_limits(error: &Error) {
    assert!(
        error
            .errors()
            .iter()
            .all(|e| matches!(e, Error::TemplateLimit { .. })),
        "{error:?}"
    );
}

#[test]
fn template_that_outgrows_the_page_limit_is_stopped() {
    assert_only_template_limits(&check_case("template-output-limit"));
}

#[test]
fn template_with_nested_ranges_is_stopped() {
    let error = check_case("template-range-limit");
    for each in error.errors() {
        assert!(matches!(each, Error::TemplateLimit { .. }), "{each:?}");
        assert!(first_line_location(each).starts_with("templates/page.html:4:"));
    }
}

#[test]
fn template_with_endless_component_recursion_is_stopped() {
    assert_only_template_limits(&check_case("template-component-depth"));
}

#[test]
fn pages_that_collide_with_generated_files_name_their_source() {
    let error = check_case("generated-path-collision");
    let locations: Vec<String> = error
        .errors()
        .iter()
        .map(|e| first_line_location(e))
        .collect();
    assert_eq!(
        locations,
        [
            "content/_headers.md:1:1",
            "content/assets/logo.md:1:1",
            "content/guide.md:4:1",
            "content/sitemap.xml.md:1:1",
        ]
    );
}

#[test]
fn name_too_long_points_at_the_slug() {
    let error = check_case("name-too-long");
    assert!(matches!(error, Error::OutputPath { .. }), "{error:?}");
    assert_eq!(first_line_location(&error), "content/about.md:3:1");
}

#[test]
fn validator_findings_in_markdown_name_the_content_line() {
    let overlay = support::fixtures().join("validation/markdown-rejected");
    let site = BrokenSite::from_overlay(&overlay);
    let error = site.build();
    assert!(matches!(error, Error::ValidationFailed { .. }), "{error}");
    let traced: Vec<String> = error
        .errors()
        .iter()
        .filter(|e| matches!(e, Error::Rejected(_)))
        .map(|e| e.to_string())
        .collect();
    insta::with_settings!({ snapshot_path => "generator/snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("error__markdown-rejected", traced.join("\n"));
    });
    let lines: Vec<String> = error
        .errors()
        .iter()
        .filter(|e| matches!(e, Error::Rejected(_)))
        .map(|e| first_line_location(e))
        .collect();
    assert_eq!(
        lines,
        [
            "content/about.md:10:10",
            "content/about.md:13",
            "content/about.md:15:1"
        ]
    );
    shown(&error);
    site.assert_untouched();
}

/// A fixture site in a temporary folder, changed by the test.
fn site_with(change: impl FnOnce(&Path)) -> BrokenSite {
    let site = BrokenSite::plain();
    change(&site.work.path().join("site"));
    site
}

#[test]
fn page_rendered_over_the_size_limit_names_the_content_file() {
    let site = site_with(|site| {
        // An ampersand is escaped to five bytes of HTML: under the source
        // limit, over the page limit.
        let body = "&".repeat(1_100_000);
        std::fs::write(
            site.join("content/about.md"),
            format!("---\ntitle: About\n---\n{body}"),
        )
        .unwrap();
    });
    let error = site.build();
    let text = shown(&error);
    assert!(matches!(error, Error::PageTooLarge { .. }), "{text}");
    assert!(
        text.starts_with("content/about.md: the rendered page is "),
        "{text}"
    );
    assert!(text.contains("over the 5242880-byte limit"), "{text}");
    site.assert_untouched();
}

#[test]
fn page_limit_follows_the_validator_cap_of_the_site() {
    // A site that lowers the gate's file cap gets the same limit on its
    // pages: a page the gate would refuse to read is never written.
    let site = site_with(|site| {
        let config = site.join("site.yaml");
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str("validator:\n  max_file_bytes: 20000\n");
        std::fs::write(&config, text).unwrap();
        let body = "A sentence about named product instances. ".repeat(600);
        std::fs::write(
            site.join("content/about.md"),
            format!("---\ntitle: About\n---\n{body}"),
        )
        .unwrap();
    });
    let error = site.build();
    let text = shown(&error);
    assert!(
        matches!(
            error,
            Error::PageTooLarge { .. } | Error::TemplateLimit { .. }
        ),
        "{text}"
    );
    assert!(text.contains("20000"), "{text}");
    assert!(text.contains("content/about.md"), "{text}");
    site.assert_untouched();
}

#[test]
fn content_file_over_the_source_limit_is_refused_before_reading() {
    let site = site_with(|site| {
        let body = "x".repeat(5 * 1024 * 1024 + 1);
        std::fs::write(
            site.join("content/about.md"),
            format!("---\ntitle: About\n---\n{body}"),
        )
        .unwrap();
    });
    let error = site.build();
    let text = shown(&error);
    assert!(
        text.starts_with("content/about.md: is 5242902 bytes, over the 5242880-byte limit"),
        "{text}"
    );
    site.assert_untouched();
}

#[test]
fn names_differing_only_in_case_are_refused() {
    // Slugified (the default), both names become one URL.
    let site = site_with(|site| {
        std::fs::write(site.join("content/About.md"), "---\ntitle: Shouting\n---\n").unwrap();
    });
    assert_eq!(
        shown(&site.build()),
        "content/About.md and content/about.md both map to the URL /about/"
    );
    site.assert_untouched();
    // Taken as written, they differ only in case.
    let site = site_with(|site| {
        std::fs::write(site.join("content/About.md"), "---\ntitle: Shouting\n---\n").unwrap();
        let config = std::fs::read_to_string(site.join("site.yaml")).unwrap();
        std::fs::write(site.join("site.yaml"), format!("{config}slugify: off\n")).unwrap();
    });
    let error = site.build();
    let text = shown(&error);
    assert_eq!(
        text,
        "content/about.md:1:1: would be published as about/index.html, but content/About.md \
         is written to About/index.html, which differs only in case: on a case-insensitive \
         filesystem one would overwrite the other"
    );
    site.assert_untouched();
}

#[test]
fn control_characters_in_a_file_name_are_refused_and_shown_escaped() {
    let site = site_with(|site| {
        std::fs::write(
            site.join("content/x\u{1b}]0;owned\u{7}.md"),
            "---\ntitle: X\n---\n",
        )
        .unwrap();
    });
    let error = site.build();
    let text = shown(&error);
    assert_eq!(
        text,
        "content/x\\u{001b}]0;owned\\u{0007}.md: its name contains U+001B (ESC), which would \
         reach URLs, headers and logs; rename it"
    );
    site.assert_untouched();
}

#[test]
fn static_file_whose_published_name_is_too_long_is_refused() {
    let long = "n".repeat(250);
    let site = site_with(|site| {
        std::fs::write(
            site.join(format!("static/img/{long}.svg")),
            "<svg width=\"1\" height=\"1\"></svg>",
        )
        .unwrap();
    });
    let error = site.build();
    let text = shown(&error);
    assert!(
        text.starts_with(&format!(
            "static/img/{long}.svg: would be published as assets/"
        )),
        "{text}"
    );
    assert!(
        text.contains("is 271 bytes long, over the 255-byte limit"),
        "{text}"
    );
    site.assert_untouched();
}

#[cfg(unix)]
mod linked {
    use super::*;

    const SECRET: &str = "sk_live_FAKE0123456789abcdef";

    /// A file outside the site that must never be quoted.
    fn outside(site: &BrokenSite, name: &str, text: &str) -> PathBuf {
        let path = site.work.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn links_and_pipes_in_public_are_refused_not_followed() {
        let site = site_with(|_| {});
        let target = outside(&site, "credentials.txt", SECRET);
        let public = site.work.path().join("site/public");
        std::os::unix::fs::symlink(&target, public.join("linked.txt")).unwrap();
        let fifo = public.join("pipe.txt");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let error = site.build();
        let text = shown(&error);
        assert!(!text.contains("sk_live"), "{text}");
        assert!(
            text.contains("public/linked.txt: is a symbolic link, which is not followed"),
            "{text}"
        );
        assert!(
            text.contains("public/pipe.txt: is not a regular file"),
            "{text}"
        );
        site.assert_untouched();
    }

    #[test]
    fn yaml_error_in_a_linked_content_file_is_not_quoted() {
        let site = site_with(|_| {});
        let target = outside(
            &site,
            "credentials.md",
            &format!("---\ntitle: A\n{SECRET}: [x\n---\n"),
        );
        let link = site.work.path().join("site/content/linked.md");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let error = site.build();
        let text = shown(&error);
        assert!(!text.contains("sk_live"), "{text}");
        assert!(
            text.starts_with("content/linked.md:3:")
                && text.contains("invalid front matter; details are withheld"),
            "{text}"
        );
        site.assert_untouched();
    }

    #[test]
    fn yaml_error_in_a_linked_content_folder_is_not_quoted() {
        let site = site_with(|_| {});
        let folder = site.work.path().join("shared");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(
            folder.join("page.md"),
            format!("---\ntitle: A\nslug: {SECRET}/\n---\n"),
        )
        .unwrap();
        std::os::unix::fs::symlink(&folder, site.work.path().join("site/content/shared")).unwrap();
        let error = site.build();
        let text = shown(&error);
        assert!(!text.contains("sk_live"), "{text}");
        assert!(text.starts_with("content/shared/page.md:3:1: "), "{text}");
    }

    #[test]
    fn yaml_error_under_a_linked_content_root_is_not_quoted() {
        let site = site_with(|_| {});
        let content = site.work.path().join("site/content");
        let elsewhere = site.work.path().join("elsewhere");
        std::fs::rename(&content, &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &content).unwrap();
        std::fs::write(
            elsewhere.join("about.md"),
            format!("---\ntitle: A\nnoindex: {SECRET}\n---\n"),
        )
        .unwrap();
        let error = site.build();
        let text = shown(&error);
        assert!(!text.contains("sk_live"), "{text}");
        assert!(text.starts_with("content/about.md:3:"), "{text}");
    }

    #[test]
    fn yaml_error_in_a_linked_site_config_is_not_quoted() {
        let site = site_with(|_| {});
        let config = site.work.path().join("site/site.yaml");
        let target = outside(
            &site,
            "real-site.yaml",
            &format!(
                "name: S\nbase_url: https://s.example\ncontact_email: a@s.example\n{SECRET}: 1\n"
            ),
        );
        std::fs::remove_file(&config).unwrap();
        std::os::unix::fs::symlink(&target, &config).unwrap();
        let error = site.build();
        let text = shown(&error);
        assert!(!text.contains("sk_live"), "{text}");
        assert!(
            text.starts_with("site.yaml:4:1: invalid site config; details are withheld"),
            "{text}"
        );
    }

    #[test]
    fn invalid_evidence_register_outside_the_site_is_not_quoted() {
        let site = site_with(|_| {});
        let register = outside(
            &site,
            "register.yaml",
            &format!("claims:\n  - id: [{SECRET}\n"),
        );
        let config = site.work.path().join("site/site.yaml");
        let text = std::fs::read_to_string(&config).unwrap();
        std::fs::write(
            &config,
            format!("{text}evidence_register: {}\n", register.display()),
        )
        .unwrap();
        let error = site.build();
        let text = shown(&error);
        assert!(!text.contains("sk_live"), "{text}");
        assert!(
            text.contains("invalid evidence register; details are withheld"),
            "{text}"
        );
        site.assert_untouched();
    }

    #[test]
    fn fifo_named_like_a_page_is_refused_without_blocking() {
        let site = site_with(|_| {});
        let fifo = site.work.path().join("site/content/pipe.md");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|status| status.success()) {
            eprintln!("mkfifo is not available; skipping");
            return;
        }
        let error = site.build();
        let text = shown(&error);
        assert_eq!(
            text,
            "content/pipe.md: is not a regular file (a FIFO, socket or device); only files are read as pages"
        );
        site.assert_untouched();
    }
}

#[test]
fn every_case_folder_has_a_test() {
    let tested = [
        "alias-collision",
        "bidi-override",
        "broken-draft",
        "control-character-front-matter",
        "duplicate-heading-id",
        "duplicate-url",
        "generated-path-collision",
        "heading-event-handler",
        "image-hostile",
        "image-missing-alt",
        "invalid-data",
        "invalid-date",
        "invalid-site-config",
        "invalid-utf8",
        "invalid-yaml",
        "many-errors",
        "missing-asset",
        "missing-title",
        "name-too-long",
        "nul-in-markdown",
        "pager-collision",
        "public-collision",
        "raw-event-handler",
        "raw-javascript-url",
        "raw-script",
        "raw-style-attribute",
        "raw-style-element",
        "robots-drops-a-guarantee",
        "section-sort-key",
        "security-txt-policy",
        "shortcode-misplaced",
        "shortcode-syntax",
        "shortcode-template-error",
        "shortcode-unknown",
        "shortcode-unsafe-output",
        "social-image-missing",
        "taxonomy-invalid-config",
        "taxonomy-page-collision",
        "taxonomy-term-collision",
        "taxonomy-undeclared",
        "template-component-depth",
        "template-function",
        "template-markdown-filter",
        "template-output-limit",
        "template-range-limit",
        "tera-render",
        "tera-syntax",
        "unknown-front-matter-key",
        "unknown-template",
    ];
    let mut cases: Vec<String> = std::fs::read_dir(support::fixtures().join("errors"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    assert_eq!(cases, tested);
    assert!(Path::new(&support::fixtures().join("site/site.yaml")).is_file());
}

#[test]
fn bundle_failing_validation_never_replaces_the_output() {
    let overlay = support::fixtures().join("validation/inline-script");
    let site = BrokenSite::from_overlay(&overlay);
    let error = site.build();
    let Error::ValidationFailed { report, kept, .. } = &error else {
        panic!("expected a validation failure, got {error}");
    };
    assert!(kept.is_none());
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule.starts_with("inline/") && f.file == "console/index.html"),
        "{report:?}"
    );
    assert!(error.to_string().contains("--keep-failed"));
    site.assert_untouched();
}

#[test]
fn keep_failed_keeps_the_rejected_bundle_and_says_where() {
    let overlay = support::fixtures().join("validation/inline-script");
    let site = BrokenSite::from_overlay(&overlay);
    let error = site.build_keeping(true);
    let Error::ValidationFailed {
        kept: Some(kept), ..
    } = &error
    else {
        panic!("expected a kept validation failure, got {error}");
    };
    assert!(kept.join("console/index.html").is_file());
    assert!(error.to_string().contains(&kept.display().to_string()));
    // The previous output is still the one in place.
    assert_eq!(
        std::fs::read_to_string(site.out().join("index.html")).unwrap(),
        "previous build"
    );
}
