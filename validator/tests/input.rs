//! The input layer under hostile bundles: repository folders with history,
//! files the validator cannot read, and sizes that would expose work that
//! grows faster than the input. Bundles that git cannot hold (a `.git`
//! folder) are built here, in a temporary folder.

use std::io::Write as _;
use std::path::Path;

use bundle_validator::{Config, Report, Severity, check};

fn write(root: &Path, path: &str, bytes: &[u8]) {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, bytes).unwrap();
}

/// A Git loose object: `kind size\0data`, zlib-compressed, at its path.
fn loose_object(root: &Path, kind: &str, data: &[u8], name: &str) {
    let mut raw = format!("{kind} {}\0", data.len()).into_bytes();
    raw.extend_from_slice(data);
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&raw).unwrap();
    write(
        root,
        &format!(".git/objects/{}/{}", &name[..2], &name[2..]),
        &encoder.finish().unwrap(),
    );
}

fn errors<'r>(report: &'r Report, rule: &str) -> Vec<&'r str> {
    report
        .findings
        .iter()
        .filter(|f| f.rule == rule && f.severity == Severity::Error)
        .map(|f| f.file.as_str())
        .collect()
}

#[test]
fn a_git_folder_is_debris_and_its_history_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "index.html", b"<!doctype html><title>x</title>");
    write(root, ".git/HEAD", b"ref: refs/heads/main\n");
    write(root, ".git/config", b"[core]\n\tbare = false\n");
    // A key removed from the site long ago, still in a blob of history.
    let blob = "0123456789abcdef0123456789abcdef01234567";
    loose_object(
        root,
        "blob",
        b"AWS_ACCESS_KEY_ID=AKIAZ7QRSTUVWX234567\n",
        blob,
    );
    let commit = "89abcdef0123456789abcdef0123456789abcdef";
    loose_object(
        root,
        "commit",
        b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\ntoken = \"glpat-Ab12Cd34Ef56Gh78Ij90\"\n",
        commit,
    );
    let tree = "fedcba9876543210fedcba9876543210fedcba98";
    loose_object(root, "tree", b"100644 .env\0aaaaaaaaaaaaaaaaaaaa", tree);
    write(
        root,
        ".git/objects/ab/cdef0123456789abcdef0123456789abcdef01",
        b"not zlib",
    );
    write(
        root,
        ".git/objects/pack/pack-1.pack",
        b"PACK\0\0\0\x02\0\0\0\0",
    );
    let report = check(root, &Config::default()).unwrap();
    assert_eq!(errors(&report, "secret/debris"), [".git"]);
    let blob_path = format!(".git/objects/01/{}", &blob[2..]);
    assert_eq!(
        errors(&report, "secret/aws-access-key"),
        [blob_path.as_str()]
    );
    let commit_path = format!(".git/objects/89/{}", &commit[2..]);
    assert_eq!(
        errors(&report, "secret/gitlab-token"),
        [commit_path.as_str()]
    );
    assert_eq!(
        errors(&report, "secret/unscanned-file"),
        [
            ".git/objects/ab/cdef0123456789abcdef0123456789abcdef01",
            ".git/objects/pack/pack-1.pack"
        ]
    );
}

#[test]
fn a_large_file_over_the_cap_is_an_error_and_under_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut text = vec![b'a'; 4096];
    text.extend_from_slice(b"\nAKIAZ7QRSTUVWX234567\n");
    write(root, "notes.txt", &text);
    // Binary formats are not read, so they have no limit.
    write(root, "video.mp4", &vec![0; 8192]);
    let small = Config {
        max_file_bytes: Some(4096),
        ..Config::default()
    };
    let report = check(root, &small).unwrap();
    assert_eq!(errors(&report, "secret/unscanned-file"), ["notes.txt"]);
    assert!(errors(&report, "secret/aws-access-key").is_empty());
    let report = check(root, &Config::default()).unwrap();
    assert!(errors(&report, "secret/unscanned-file").is_empty());
    assert_eq!(errors(&report, "secret/aws-access-key"), ["notes.txt"]);
}

/// A file with a great many secrets on one line: masking them in every
/// finding's snippet, de-duplicating detections and locating columns must
/// each stay linear, or this takes hours instead of seconds.
#[test]
fn many_secrets_cost_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    const SECRETS: usize = 100_000;
    let mut text = String::with_capacity(SECRETS * 24);
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    for n in 0..SECRETS {
        text.push_str("AKIA");
        let mut value = n * 2_654_435_761 + 12_345;
        for _ in 0..16 {
            text.push(char::from(alphabet[value % 32]));
            value /= 32;
            value += 7;
        }
        // One line, as minified code keeps it.
        text.push(' ');
    }
    write(root, "keys.txt", text.as_bytes());
    let report = check(root, &Config::default()).unwrap();
    // The first hundred are listed where they are, and one finding about
    // the whole file counts the rest.
    let (placed, summary): (Vec<_>, Vec<_>) = report
        .findings
        .iter()
        .filter(|f| f.rule == "secret/aws-access-key")
        .partition(|f| f.line.is_some());
    assert_eq!(placed.len(), 100);
    let more: usize = summary[0]
        .message
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("the summary starts with a count");
    let found = placed.len() + more;
    assert!(found > SECRETS * 9 / 10, "found {found}");
    let shown = report.findings.iter().filter_map(|f| f.snippet.as_deref());
    for snippet in shown.take(1000) {
        assert!(snippet.starts_with('…') && snippet.contains("[redacted]"));
        assert!(!snippet.contains("AKIAZ"), "{snippet}");
    }
}
