//! The generator never deletes or overwrites what it did not make: `--out`
//! must be absent, empty, or a bundle it marked; never a symbolic link;
//! never the site's sources or anything holding or inside them. Each
//! refusal names the path and leaves every file where it was.

#[path = "generator/support.rs"]
mod support;

use std::path::{Path, PathBuf};

use baystore_site::out_dir::{BUNDLE_MARK, OutDirProblem};
use baystore_site::{BuildOptions, Error, build};

/// A copy of the fixture site in a temporary folder.
struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        support::copy_dir(&support::fixtures().join("site"), &dir.path().join("site"));
        Self { dir }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn site(&self) -> PathBuf {
        self.path("site")
    }

    fn build_into(&self, out: &Path) -> Result<baystore_site::BuildSummary, Error> {
        build(&BuildOptions::new(self.site(), out))
    }

    /// Every file under the work folder with its contents, to show that a
    /// refused build changed nothing anywhere.
    fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
        support::list_files(self.dir.path())
            .into_iter()
            .map(|file| {
                let bytes = std::fs::read(self.dir.path().join(&file)).unwrap_or_default();
                (file, bytes)
            })
            .collect()
    }
}

/// Builds into `out`, expects a refusal of `out`, and checks that nothing
/// under the work folder changed.
fn refused(work: &Work, out: &Path) -> (String, OutDirProblem) {
    let before = work.snapshot();
    let error = work
        .build_into(out)
        .expect_err("the output folder must be refused");
    let shown = error.to_string();
    let Error::OutDir { path, problem } = error else {
        panic!("expected an output folder refusal, got {shown}");
    };
    assert_eq!(path, out);
    assert!(
        shown.starts_with(&format!(
            "{}: refusing to use as the output folder: ",
            out.display()
        )),
        "{shown}"
    );
    assert_eq!(work.snapshot(), before, "a refused build changed files");
    (shown, problem)
}

#[test]
fn a_folder_the_generator_did_not_mark_is_never_replaced() {
    let work = Work::new();
    let out = work.path("thesis");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("chapter-1.tex"), "years of work").unwrap();
    let (shown, problem) = refused(&work, &out);
    assert!(matches!(problem, OutDirProblem::NotABundle), "{shown}");
    assert!(shown.contains(BUNDLE_MARK), "{shown}");
}

#[test]
fn absent_empty_and_marked_folders_are_built_into() {
    let work = Work::new();
    let out = work.path("dist");
    work.build_into(&out).unwrap();
    assert!(out.join(BUNDLE_MARK).is_file());
    work.build_into(&out).unwrap();
    let empty = work.path("empty");
    std::fs::create_dir(&empty).unwrap();
    work.build_into(&empty).unwrap();
    assert!(empty.join("index.html").is_file());
}

#[test]
fn the_site_and_its_source_folders_are_never_the_output() {
    let work = Work::new();
    let site = work.site();
    for (out, expected) in [
        (site.clone(), "it is the site folder"),
        (site.join("content"), "it is the site's content/ folder"),
        (
            site.join("templates/"),
            "it is the site's templates/ folder",
        ),
        (
            site.join("static/../static"),
            "it is the site's static/ folder",
        ),
        (work.path(""), "it contains the site folder"),
        (
            site.join("content/dist"),
            "it lies inside the site's content/ folder",
        ),
        (
            site.join("static/img/new"),
            "it lies inside the site's static/ folder",
        ),
    ] {
        let (shown, _) = refused(&work, &out);
        assert!(shown.contains(expected), "{shown}");
    }
    // An empty source folder would pass the mark check: the source rule
    // still refuses it.
    std::fs::create_dir(site.join("static/empty")).unwrap();
    let (shown, _) = refused(&work, &site.join("static/empty"));
    assert!(
        shown.contains("inside the site's static/ folder"),
        "{shown}"
    );
    // The site folder may hold the output beside its sources.
    work.build_into(&site.join("dist")).unwrap();
}

#[test]
fn a_file_is_not_an_output_folder() {
    let work = Work::new();
    let file = work.path("notes.txt");
    std::fs::write(&file, "keep me").unwrap();
    let (_, problem) = refused(&work, &file);
    assert!(matches!(problem, OutDirProblem::NotAFolder));
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_is_refused_and_its_target_kept() {
    let work = Work::new();
    let target = work.path("precious");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("keep.txt"), "keep me").unwrap();
    let link = work.path("dist");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    for out in [link.clone(), work.path("dist/")] {
        let (_, problem) = refused(&work, &out);
        assert!(matches!(problem, OutDirProblem::Symlink));
    }
    // A link to a marked bundle is refused too: removing "the bundle"
    // through it would delete the target's contents.
    let bundle = work.path("bundle");
    work.build_into(&bundle).unwrap();
    let to_bundle = work.path("to-bundle");
    std::os::unix::fs::symlink(&bundle, &to_bundle).unwrap();
    let (_, problem) = refused(&work, &to_bundle);
    assert!(matches!(problem, OutDirProblem::Symlink));
}

#[cfg(unix)]
#[test]
fn a_link_inside_the_previous_bundle_is_removed_but_not_followed() {
    let work = Work::new();
    let out = work.path("dist");
    work.build_into(&out).unwrap();
    let elsewhere = work.path("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("keep.txt"), "keep me").unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("link")).unwrap();
    work.build_into(&out).unwrap();
    assert!(std::fs::symlink_metadata(out.join("link")).is_err());
    assert_eq!(
        std::fs::read_to_string(elsewhere.join("keep.txt")).unwrap(),
        "keep me"
    );
}

#[cfg(unix)]
#[test]
fn an_output_reached_through_a_link_to_the_sources_is_refused() {
    let work = Work::new();
    let alias = work.path("alias");
    std::os::unix::fs::symlink(work.site().join("content"), &alias).unwrap();
    let (shown, _) = refused(&work, &alias.join("dist"));
    assert!(
        shown.contains("inside the site's content/ folder"),
        "{shown}"
    );
}
