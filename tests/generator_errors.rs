//! Every build error names its file and line. Each case under
//! `tests/generator/errors/<case>/` holds files laid over the fixture site
//! in `tests/generator/site/`; the build must fail with the snapshotted
//! message and leave the previous output untouched.

#[path = "generator/support.rs"]
mod support;

use std::path::{Path, PathBuf};

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
        let case = overlay.display();
        let work = tempfile::tempdir().unwrap();
        support::copy_dir(&support::fixtures().join("site"), &work.path().join("site"));
        assert!(overlay.is_dir(), "no fixture for {case}");
        support::copy_dir(overlay, &work.path().join("site"));
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

/// Builds a case, snapshots its message and checks nothing was replaced.
fn check_case(case: &str) -> Error {
    let site = BrokenSite::new(case);
    let error = site.build();
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
fn every_case_folder_has_a_test() {
    let tested = [
        "duplicate-url",
        "invalid-site-config",
        "invalid-yaml",
        "many-errors",
        "missing-asset",
        "missing-title",
        "raw-event-handler",
        "raw-javascript-url",
        "raw-script",
        "raw-style-attribute",
        "raw-style-element",
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
