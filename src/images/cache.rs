//! The cache of encoded variants, kept across builds in a folder of the
//! site (`.baystore-cache/images/` by default).
//!
//! An entry's name is its key: the SHA-256 of the source file, the
//! variant's width, its format and the encoder's settings, so a changed
//! file or setting never meets a stale entry. An entry holds a magic line,
//! the SHA-256 of the encoded bytes and the bytes; it is used only when the
//! digest matches and the bytes' header is the format and size the key
//! promises. Anything else (a truncated write, a file edited or replaced,
//! a link, a pipe) is recomputed and rewritten, never trusted.
//!
//! The cache only adds files: it never deletes or empties anything, and it
//! writes each entry to a new temporary file of its own, renamed into
//! place, so concurrent builds never see half an entry.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use super::raster::{self, Format};

/// The first bytes of every entry, with the layout's version.
const MAGIC: &[u8; 8] = b"BSIMGv1\n";

/// The largest entry read back: a variant is at most the size of a
/// decoded image of [`raster::MAX_PIXELS`], encoded.
const MAX_ENTRY_BYTES: u64 = raster::MAX_DECODE_BYTES;

/// Distinguishes the temporary files of one process.
static NEXT_TEMPORARY: AtomicU64 = AtomicU64::new(0);

/// What identifies one variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Hex SHA-256 of the source file.
    pub source: String,
    /// Width of the variant in pixels.
    pub width: u32,
    /// Height of the variant in pixels, checked against the entry.
    pub height: u32,
    /// Format of the variant.
    pub format: Format,
}

impl Key {
    /// The entry's file name.
    fn file_name(&self) -> String {
        format!(
            "{}-{}w.{}.{}",
            self.source,
            self.width,
            self.format.encoder_settings(),
            self.format.extension()
        )
    }
}

/// A folder of cached variants, or none (a site whose cache folder cannot
/// be created builds without one).
#[derive(Debug, Clone)]
pub struct Cache {
    dir: Option<PathBuf>,
}

impl Cache {
    /// The cache in `dir`, created when missing. `None` when it cannot be
    /// created, and then nothing is cached.
    pub fn open(dir: &Path) -> Self {
        let usable = std::fs::create_dir_all(dir).is_ok()
            && std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir());
        Self {
            dir: usable.then(|| dir.to_path_buf()),
        }
    }

    /// A cache that stores nothing.
    pub fn disabled() -> Self {
        Self { dir: None }
    }

    /// The bytes of a variant, when a sound entry holds them.
    pub fn get(&self, key: &Key) -> Option<Vec<u8>> {
        let path = self.dir.as_ref()?.join(key.file_name());
        // Only a regular file, not through a link, of a sane size: a pipe
        // would block the build and a link could point anywhere.
        let metadata = std::fs::symlink_metadata(&path).ok()?;
        if !metadata.is_file() || metadata.len() > MAX_ENTRY_BYTES {
            return None;
        }
        let entry = std::fs::read(&path).ok()?;
        let rest = entry.strip_prefix(MAGIC.as_slice())?;
        let (digest, bytes) = rest.split_at_checked(32)?;
        if Sha256::digest(bytes).as_slice() != digest {
            return None;
        }
        let header = raster::header(bytes, key.format).ok()?;
        (header.width == key.width && header.height == key.height).then(|| bytes.to_vec())
    }

    /// Stores a variant. A failure to write only costs the next build the
    /// work again, so it is not an error.
    pub fn put(&self, key: &Key, bytes: &[u8]) {
        let Some(dir) = &self.dir else {
            return;
        };
        let temporary = dir.join(format!(
            ".{}.{}-{}.tmp",
            key.file_name(),
            std::process::id(),
            NEXT_TEMPORARY.fetch_add(1, Ordering::Relaxed)
        ));
        // `create_new` never opens a file that exists, so the temporary
        // file is this call's own, and only it is ever removed.
        let written = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)
            .and_then(|mut file| {
                file.write_all(MAGIC)?;
                file.write_all(&Sha256::digest(bytes))?;
                file.write_all(bytes)?;
                file.sync_all()
            });
        let renamed = written.and_then(|()| std::fs::rename(&temporary, dir.join(key.file_name())));
        if renamed.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::raster::tests::png;

    fn key(bytes: &[u8]) -> Key {
        let header = raster::header(bytes, Format::Png).unwrap();
        Key {
            source: "ab".repeat(32),
            width: header.width,
            height: header.height,
            format: Format::Png,
        }
    }

    #[test]
    fn entries_round_trip_and_broken_ones_are_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("images"));
        let bytes = png(8, 4);
        let key = key(&bytes);
        assert_eq!(cache.get(&key), None);
        cache.put(&key, &bytes);
        assert_eq!(cache.get(&key).as_deref(), Some(bytes.as_slice()));
        let path = dir.path().join("images").join(key.file_name());
        // A flipped byte: the digest no longer matches.
        let mut entry = std::fs::read(&path).unwrap();
        let last = entry.len() - 1;
        entry[last] ^= 1;
        std::fs::write(&path, &entry).unwrap();
        assert_eq!(cache.get(&key), None);
        // A sound entry of another size under this key.
        let other = png(6, 4);
        cache.put(&key, &other);
        assert_eq!(cache.get(&key), None);
        // Truncated, empty, or a folder in its place.
        std::fs::write(&path, &MAGIC[..4]).unwrap();
        assert_eq!(cache.get(&key), None);
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        assert_eq!(cache.get(&key), None);
        // Writing over a folder fails quietly and leaves no temporary file.
        cache.put(&key, &bytes);
        let names: Vec<_> = std::fs::read_dir(dir.path().join("images"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn links_and_pipes_are_never_read() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path());
        let bytes = png(8, 4);
        let key = key(&bytes);
        let elsewhere = dir.path().join("elsewhere");
        cache.put(&key, &bytes);
        std::fs::rename(dir.path().join(key.file_name()), &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.path().join(key.file_name())).unwrap();
        assert_eq!(cache.get(&key), None);
        std::fs::remove_file(dir.path().join(key.file_name())).unwrap();
        let fifo = std::ffi::CString::new(
            dir.path()
                .join(key.file_name())
                .into_os_string()
                .into_encoded_bytes(),
        )
        .unwrap();
        // SAFETY: a valid, NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        assert_eq!(cache.get(&key), None);
        // The rename replaces the pipe with a sound entry.
        cache.put(&key, &bytes);
        assert_eq!(cache.get(&key).as_deref(), Some(bytes.as_slice()));
        // The file the link pointed at is left alone.
        assert!(elsewhere.is_file());
    }

    #[test]
    fn a_cache_folder_that_cannot_be_made_disables_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        let cache = Cache::open(&file.join("images"));
        let bytes = png(2, 2);
        cache.put(&key(&bytes), &bytes);
        assert_eq!(cache.get(&key(&bytes)), None);
        assert_eq!(std::fs::read(&file).unwrap(), b"x");
    }
}
