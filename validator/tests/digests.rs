//! `check_digesting` gives the report `check` gives, and the SHA-256 and
//! size of every regular file as the bundle holds it: files the rules read
//! (pages, scripts, compressed copies), files they leave unread (images,
//! binary data) and files they refuse (over the size cap). Entries that
//! are not regular files have no digest and are named apart.

use std::path::Path;

use bundle_validator::evidence::sha256_hex;
use bundle_validator::{Config, check, check_digesting};

/// Every regular file under `dir`, with its SHA-256 and size, by path.
fn on_disk(dir: &Path) -> Vec<(String, String, u64)> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                folders.push(entry.path());
            } else if kind.is_file() {
                let bytes = std::fs::read(entry.path()).unwrap();
                let path = entry
                    .path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .replace('\\', "/");
                files.push((path, sha256_hex(&bytes), bytes.len() as u64));
            }
        }
    }
    files.sort();
    files
}

fn write(dir: &Path, path: &str, bytes: &[u8]) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn digests_are_those_of_every_file_as_it_stands() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "index.html",
        b"<!doctype html><html lang=\"en\"><title>a</title><p>Hi</p></html>",
    );
    write(root, "app.js", b"console.log('x');\n");
    // Read only for its digest: the rules leave images unread.
    write(
        root,
        "img/logo.png",
        &[0x89, b'P', b'N', b'G', 0, 1, 2, 3, 255],
    );
    // Binary data in a file whose name says nothing.
    write(root, "data.bin", &[0, 159, 146, 150, 0, 0]);
    // Over the size cap: refused by the rules, still digested whole.
    let large = vec![b'a'; 4096];
    write(root, "notes/large.txt", &large);
    let config = Config {
        max_file_bytes: Some(1024),
        ..Config::default()
    };

    let (report, read) = check_digesting(root, &config).unwrap();
    let plain = check(root, &config).unwrap();
    assert_eq!(
        serde_json::to_string(&report).unwrap(),
        serde_json::to_string(&plain).unwrap()
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.file == "notes/large.txt" && f.rule == "secret/unscanned-file"),
        "the file over the cap is still refused by the rules"
    );
    let digested: Vec<(String, String, u64)> = read
        .files
        .iter()
        .map(|file| {
            (
                file.path.clone(),
                file.sha256
                    .clone()
                    .expect("every regular file has a digest"),
                file.bytes.expect("and a size"),
            )
        })
        .collect();
    assert_eq!(digested, on_disk(root));
    assert!(read.not_files.is_empty());
}

#[cfg(unix)]
#[test]
fn entries_that_are_not_files_are_named_without_a_digest() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "index.html", b"<!doctype html><title>a</title>");
    std::os::unix::fs::symlink("index.html", root.join("link.html")).unwrap();
    let (report, read) = check_digesting(root, &Config::default()).unwrap();
    assert_eq!(read.not_files, ["link.html"]);
    assert_eq!(read.files.len(), 1);
    assert!(report.findings.iter().any(|f| f.file == "link.html"));
}
