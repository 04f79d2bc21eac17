//! Unpacking compressed copies of files under a size limit.
//!
//! A host that serves precompressed files sends `app.js.br` or
//! `index.html.gz` for `app.js` and `index.html`, so a compressed copy is
//! judged as the file it stands for; Git stores loose objects as zlib
//! streams. Every format is decoded as a stream that stops one byte past
//! the limit, so a small file that expands without bound (a
//! "decompression bomb") costs at most the limit in memory and time.

use std::io::Read;

/// A compressed format the validator can open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// gzip, every member of the stream.
    Gzip,
    Brotli,
    /// Zstandard, every frame of the stream.
    Zstd,
    /// A bare zlib stream (Git's loose objects).
    Zlib,
}

impl Format {
    /// The name of the format, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Gzip => "gzip",
            Format::Brotli => "Brotli",
            Format::Zstd => "Zstandard",
            Format::Zlib => "zlib",
        }
    }
}

/// Why a compressed file could not be unpacked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("it unpacks to more than {limit} bytes (`max_file_bytes`)")]
    TooLarge { limit: u64 },
    #[error("it is not a valid {format} stream: {reason}")]
    Corrupt {
        format: &'static str,
        reason: String,
    },
}

/// Unpacks `bytes` in `format`, refusing to produce more than `limit`
/// bytes.
pub fn decompress(bytes: &[u8], format: Format, limit: u64) -> Result<Vec<u8>, Error> {
    let corrupt = |reason: std::io::Error| Error::Corrupt {
        format: format.name(),
        reason: reason.to_string(),
    };
    let mut out = Vec::new();
    match format {
        Format::Gzip => read_limited(flate2::read::MultiGzDecoder::new(bytes), &mut out, limit)
            .map_err(corrupt)?,
        Format::Zlib => {
            read_limited(flate2::read::ZlibDecoder::new(bytes), &mut out, limit)
                .map_err(corrupt)?;
        }
        Format::Brotli => read_limited(
            brotli_decompressor::Decompressor::new(bytes, 4096),
            &mut out,
            limit,
        )
        .map_err(corrupt)?,
        Format::Zstd => zstd(bytes, &mut out, limit).map_err(corrupt)?,
    }
    if out.len() as u64 > limit {
        return Err(Error::TooLarge { limit });
    }
    Ok(out)
}

/// Appends what `reader` produces to `out`, stopping one byte past `limit`
/// in all.
fn read_limited(reader: impl Read, out: &mut Vec<u8>, limit: u64) -> std::io::Result<()> {
    let remaining = (limit + 1).saturating_sub(out.len() as u64);
    reader.take(remaining).read_to_end(out)?;
    Ok(())
}

/// Every frame of a Zstandard stream. The decoder reserves a frame's whole
/// window up front, so the window a frame may ask for is bounded by the
/// limit too, with a floor of 8 MiB, the window of the strongest ordinary
/// compression level (`zstd -19`); only `--ultra` levels ask for more.
fn zstd(bytes: &[u8], out: &mut Vec<u8>, limit: u64) -> std::io::Result<()> {
    let window = limit.clamp(8 << 20, ruzstd::decoding::DEFAULT_MAX_WINDOW_SIZE);
    let mut source = bytes;
    if source.is_empty() {
        return Err(std::io::Error::other("empty stream"));
    }
    while !source.is_empty() && out.len() as u64 <= limit {
        let decoder =
            ruzstd::decoding::StreamingDecoder::new_with_max_window_size(&mut source, window)
                .map_err(std::io::Error::other)?;
        read_limited(decoder, out, limit)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use proptest::prelude::*;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn gzip_unpacks_every_member() {
        let mut both = gzip(b"first ");
        both.extend(gzip(b"second"));
        assert_eq!(
            decompress(&both, Format::Gzip, 100).unwrap(),
            b"first second"
        );
    }

    #[test]
    fn a_bomb_stops_at_the_limit() {
        let bomb = gzip(&vec![0; 10 * 1024 * 1024]);
        assert!(bomb.len() < 20_000);
        assert!(matches!(
            decompress(&bomb, Format::Gzip, 1024 * 1024),
            Err(Error::TooLarge { .. })
        ));
        assert_eq!(
            decompress(&gzip(&[7; 1000]), Format::Gzip, 1000)
                .unwrap()
                .len(),
            1000
        );
    }

    #[test]
    fn zlib_and_brotli_and_zstd_unpack() {
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        zlib.write_all(b"blob 5\0hello").unwrap();
        let zlib = zlib.finish().unwrap();
        assert_eq!(
            decompress(&zlib, Format::Zlib, 100).unwrap(),
            b"blob 5\0hello"
        );
        // "hello" as Brotli, from `brotli -c`.
        let brotli = [0x0b, 0x02, 0x80, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x03];
        assert_eq!(decompress(&brotli, Format::Brotli, 100).unwrap(), b"hello");
        let zstd = ruzstd::encoding::compress_to_vec(
            &b"hello zstd"[..],
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        assert_eq!(decompress(&zstd, Format::Zstd, 100).unwrap(), b"hello zstd");
        assert!(matches!(
            decompress(&zstd, Format::Zstd, 5),
            Err(Error::TooLarge { .. })
        ));
    }

    #[test]
    fn garbage_is_an_error() {
        for format in [Format::Gzip, Format::Brotli, Format::Zstd, Format::Zlib] {
            assert!(
                decompress(b"definitely not compressed", format, 100).is_err(),
                "{format:?}"
            );
            assert!(
                decompress(b"", format, 100).is_err(),
                "{format:?} of nothing"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any bytes either unpack within the limit or are an error; no
        /// input panics or goes past the limit.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            for format in [Format::Gzip, Format::Brotli, Format::Zstd, Format::Zlib] {
                if let Ok(out) = decompress(&bytes, format, 4096) {
                    prop_assert!(out.len() <= 4096);
                }
            }
        }

        /// Compressed text comes back whole.
        #[test]
        fn round_trips(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            prop_assert_eq!(decompress(&gzip(&data), Format::Gzip, 4096).unwrap(), data);
        }
    }
}
