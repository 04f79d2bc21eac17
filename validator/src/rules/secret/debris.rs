//! `secret/debris`: repository, editor and credential leftovers shipped in
//! a bundle.
//!
//! A `.git` folder carries the site's whole history, and with it every
//! secret ever committed; `.env` files, SSH keys and `.npmrc` hold
//! credentials by design; editor swap files and `*.bak` copies hold old
//! versions of server-side files. None of them belongs in a static bundle,
//! whatever their current contents, so each is an error on its own. Names
//! are matched case-insensitively at any depth, because case-insensitive
//! file systems and hosts serve `.GIT/config` as `.git/config`.

use std::collections::BTreeMap;

use crate::Finding;
use crate::emit::{FileFindings, Message};

const HELP: &str = "Remove it from the bundle, and keep the build from copying it in; rotate \
    any credential it holds or ever held.";

/// One `secret/debris` finding for each piece of debris among `paths`
/// (files and every other entry of the bundle), at the debris's own path.
pub(crate) fn check<'a>(paths: impl IntoIterator<Item = &'a str>) -> Vec<Finding> {
    let mut found: BTreeMap<&str, Debris> = BTreeMap::new();
    for path in paths {
        if let Some((root, debris)) = find(path) {
            found.entry(root).or_insert(debris);
        }
    }
    found
        .into_iter()
        .flat_map(|(root, debris)| {
            let mut out = FileFindings::new(root, "");
            out.whole_file(Message::error("secret/debris", debris.describe(), HELP));
            out.into_findings()
        })
        .collect()
}

/// What a piece of debris is, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Debris {
    /// A version-control folder (`.git`, `.svn`, `.hg`, …), named here.
    Repository(&'static str),
    /// An editor or IDE settings folder.
    EditorFolder,
    /// A folder of user credentials (`.ssh`, `.aws`, …).
    CredentialFolder,
    Environment,
    Backup,
    Swap,
    OsMetadata,
    PrivateKey,
    KeyStore,
    Credentials,
}

impl Debris {
    /// What the debris is and why it must not ship.
    pub fn describe(self) -> String {
        match self {
            Debris::Repository(tool) => format!(
                "{tool} repository data is shipped in the bundle: it holds the site's history, \
                 with every file and secret ever committed"
            ),
            Debris::EditorFolder => "editor settings folder is shipped in the bundle: it can \
                hold data-source passwords, paths and run configurations"
                .into(),
            Debris::CredentialFolder => {
                "folder of user credentials is shipped in the bundle".into()
            }
            Debris::Environment => "environment file is shipped in the bundle: such files \
                exist to hold credentials and server settings"
                .into(),
            Debris::Backup => "backup or editor copy is shipped in the bundle: it can hold an \
                old version of a server-side file, served as plain text"
                .into(),
            Debris::Swap => "editor swap file is shipped in the bundle: it holds the contents \
                of a file as it was being edited"
                .into(),
            Debris::OsMetadata => "operating-system metadata file is shipped in the bundle: it \
                lists the names of files, including ones never published"
                .into(),
            Debris::PrivateKey => "SSH private key file is shipped in the bundle".into(),
            Debris::KeyStore => "key store is shipped in the bundle: it holds private keys in \
                a binary form no rule can read"
                .into(),
            Debris::Credentials => "credentials file is shipped in the bundle: it exists to \
                hold passwords or tokens"
                .into(),
        }
    }
}

/// Folder names that are debris, with what they are.
fn folder(name: &str) -> Option<Debris> {
    Some(match name.to_ascii_lowercase().as_str() {
        ".git" => Debris::Repository("Git"),
        ".svn" => Debris::Repository("Subversion"),
        ".hg" => Debris::Repository("Mercurial"),
        ".bzr" => Debris::Repository("Bazaar"),
        "_darcs" => Debris::Repository("Darcs"),
        ".idea" | ".vscode" => Debris::EditorFolder,
        ".ssh" | ".aws" | ".gnupg" | ".docker" | ".terraform" => Debris::CredentialFolder,
        _ => return None,
    })
}

/// File names that are debris, with what they are.
fn file(name: &str) -> Option<Debris> {
    let lower = name.to_ascii_lowercase();
    let extension = lower.rsplit_once('.').map_or("", |(_, e)| e);
    if folder(name).is_some() {
        // `.git` as a file points at a repository elsewhere; `.hg` and the
        // others are the same kind of leftover.
        return folder(name);
    }
    Some(match lower.as_str() {
        _ if lower.starts_with(".env") => Debris::Environment,
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" | "id_ecdsa_sk" | "id_ed25519_sk"
        | "identity" => Debris::PrivateKey,
        ".npmrc" | ".yarnrc" | ".yarnrc.yml" | ".pypirc" | ".netrc" | "_netrc" | ".htpasswd"
        | ".git-credentials" | ".dockercfg" | ".pgpass" | ".my.cnf" | ".s3cfg"
        | "wp-config.php" | "terraform.tfstate" => Debris::Credentials,
        ".ds_store" | "thumbs.db" => Debris::OsMetadata,
        _ if lower.ends_with('~')
            || (lower.starts_with('#') && lower.ends_with('#') && lower.len() > 1)
            || lower.starts_with(".#") =>
        {
            Debris::Backup
        }
        _ => match extension {
            "bak" | "backup" | "old" | "orig" | "save" | "sav" | "tmp" => Debris::Backup,
            "swp" | "swo" | "swn" => Debris::Swap,
            "p12" | "pfx" | "jks" | "keystore" => Debris::KeyStore,
            "tfstate" => Debris::Credentials,
            _ => return None,
        },
    })
}

/// The debris a bundle path is or lies inside: the path of the debris
/// itself (the folder, for anything inside a `.git` folder) and what it
/// is. The outermost piece wins, so everything in a repository folder is
/// reported once, as that folder.
pub fn find(path: &str) -> Option<(&str, Debris)> {
    let mut end = 0;
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (index, segment) in segments.iter().enumerate() {
        end += segment.len();
        let found = if index == last {
            file(segment)
        } else {
            folder(segment)
        };
        if let Some(debris) = found {
            return Some((&path[..end], debris));
        }
        end += 1;
    }
    None
}

/// A file of a Git object store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitFile {
    /// `objects/ab/cdef…`: one zlib-compressed object.
    LooseObject,
    /// `objects/pack/*.pack`: many objects, deltified against each other.
    Pack,
}

/// Whether a bundle path is a Git object file, in a `.git` folder or in a
/// bare repository (whose folder may be named anything).
pub fn git_file(path: &str) -> Option<GitFile> {
    let mut segments = path.rsplit('/');
    let name = segments.next()?;
    let parent = segments.next()?;
    let grandparent = segments.next()?;
    let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    if grandparent.eq_ignore_ascii_case("objects")
        && parent.len() == 2
        && hex(parent)
        && (name.len() == 38 || name.len() == 62)
        && hex(name)
    {
        return Some(GitFile::LooseObject);
    }
    if parent.eq_ignore_ascii_case("pack")
        && grandparent.eq_ignore_ascii_case("objects")
        && name.to_ascii_lowercase().ends_with(".pack")
    {
        return Some(GitFile::Pack);
    }
    None
}

/// The content of an inflated loose object (`blob 12\0…`): the bytes to
/// scan for a blob, commit or tag, `None` for a tree (names and hashes,
/// nothing a secret hides in), an error when the header is not Git's.
pub fn object_content(mut inflated: Vec<u8>) -> Result<Option<Vec<u8>>, &'static str> {
    let header_end =
        memchr::memchr(0, &inflated[..inflated.len().min(64)]).ok_or("no object header")?;
    let header = &inflated[..header_end];
    let (kind, size) = header
        .iter()
        .position(|&b| b == b' ')
        .map(|space| (&header[..space], &header[space + 1..]))
        .ok_or("no object header")?;
    let size: usize = std::str::from_utf8(size)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or("no object size")?;
    if size != inflated.len() - header_end - 1 {
        return Err("the object is not as long as its header says");
    }
    match kind {
        b"blob" | b"commit" | b"tag" => {
            inflated.drain(..=header_end);
            Ok(Some(inflated))
        }
        b"tree" => Ok(None),
        _ => Err("unknown object type"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debris_is_found_at_any_depth_in_any_case() {
        assert_eq!(
            find(".git/objects/ab/cd"),
            Some((".git", Debris::Repository("Git")))
        );
        assert_eq!(
            find("docs/.Git/HEAD"),
            Some(("docs/.Git", Debris::Repository("Git")))
        );
        assert_eq!(find("a/.env"), Some(("a/.env", Debris::Environment)));
        assert_eq!(
            find(".env.production"),
            Some((".env.production", Debris::Environment))
        );
        assert_eq!(
            find("keys/id_rsa"),
            Some(("keys/id_rsa", Debris::PrivateKey))
        );
        assert_eq!(
            find("index.html.bak"),
            Some(("index.html.bak", Debris::Backup))
        );
        assert_eq!(find("index.html~"), Some(("index.html~", Debris::Backup)));
        assert_eq!(
            find(".index.html.swp"),
            Some((".index.html.swp", Debris::Swap))
        );
        assert_eq!(
            find("img/.DS_Store"),
            Some(("img/.DS_Store", Debris::OsMetadata))
        );
        assert_eq!(find(".NPMRC"), Some((".NPMRC", Debris::Credentials)));
        assert_eq!(
            find(".svn/entries"),
            Some((".svn", Debris::Repository("Subversion")))
        );
        assert_eq!(
            find("repo/.git"),
            Some(("repo/.git", Debris::Repository("Git")))
        );
    }

    #[test]
    fn ordinary_files_are_not_debris() {
        for path in [
            "index.html",
            ".well-known/security.txt",
            "assets/id_rsa.pub",
            "environment/index.html",
            "git/index.html",
            "backup/index.html",
            "a/.gitignore.html",
            "docs/old-releases/index.html",
        ] {
            assert_eq!(find(path), None, "{path}");
        }
    }

    #[test]
    fn git_object_files_are_recognised() {
        let object = format!(".git/objects/ab/{}", "c".repeat(38));
        assert_eq!(git_file(&object), Some(GitFile::LooseObject));
        assert_eq!(
            git_file(&format!("site.git/objects/AB/{}", "C".repeat(38))),
            Some(GitFile::LooseObject)
        );
        assert_eq!(
            git_file(".git/objects/pack/pack-0123.pack"),
            Some(GitFile::Pack)
        );
        assert_eq!(git_file(".git/objects/pack/pack-0123.idx"), None);
        assert_eq!(git_file("objects/ab/short"), None);
        assert_eq!(git_file("assets/app.js"), None);
    }

    #[test]
    fn object_headers_are_checked() {
        assert_eq!(
            object_content(b"blob 5\0hello".to_vec()),
            Ok(Some(b"hello".to_vec()))
        );
        assert_eq!(object_content(b"tree 3\0abc".to_vec()), Ok(None));
        assert!(object_content(b"blob 9\0hello".to_vec()).is_err());
        assert!(object_content(b"no header".to_vec()).is_err());
        assert!(object_content(b"thing 1\0a".to_vec()).is_err());
    }
}
