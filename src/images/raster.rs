//! Reading, resizing and encoding raster images with the `image` crate,
//! under limits that make a hostile file (a decompression bomb: a few
//! bytes that claim gigapixels) a typed error before any pixel buffer is
//! allocated.
//!
//! A file's size is read from its header alone, with its EXIF orientation
//! applied (browsers rotate a JPEG by it, so a portrait photo stored
//! sideways is as tall as it looks); pixels are decoded only when a
//! variant has to be made.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// The longest side a raster image may have.
pub const MAX_SIDE: u32 = 16_384;

/// The most pixels a raster image may have: 32 megapixels, a large
/// camera's photo. At 8 bytes a pixel (16-bit RGBA) that is
/// [`MAX_DECODE_BYTES`].
pub const MAX_PIXELS: u64 = 32_000_000;

/// The most memory a decoder may allocate for one image.
pub const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

/// The quality JPEG variants are encoded at: the usual web default, where
/// artefacts are hard to see and files stay small.
pub const JPEG_QUALITY: u8 = 82;

/// The raster formats the pipeline resizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// PNG, variants encoded losslessly.
    Png,
    /// JPEG, variants at [`JPEG_QUALITY`].
    Jpeg,
    /// WebP, variants encoded losslessly.
    Webp,
}

impl Format {
    /// The format a file name's extension announces.
    pub fn of_name(name: &str) -> Option<Self> {
        let extension = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match extension.as_str() {
            "png" => Some(Self::Png),
            "jpg" | "jpeg" => Some(Self::Jpeg),
            "webp" => Some(Self::Webp),
            _ => None,
        }
    }

    /// The extension variants are written with.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
        }
    }

    /// The name of the format in messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Png => "PNG",
            Self::Jpeg => "JPEG",
            Self::Webp => "WebP",
        }
    }

    /// The encoder and its settings, as part of a cache key: a change to
    /// either makes new entries instead of reusing stale ones.
    pub fn encoder_settings(self) -> String {
        match self {
            Self::Png => "png-default".to_string(),
            Self::Jpeg => format!("jpeg-q{JPEG_QUALITY}"),
            Self::Webp => "webp-lossless".to_string(),
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            Self::Png => ImageFormat::Png,
            Self::Jpeg => ImageFormat::Jpeg,
            Self::Webp => ImageFormat::WebP,
        }
    }
}

/// Why a raster image cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RasterProblem {
    /// The bytes are another format than the name says.
    #[error("it is named as a {expected} file but its bytes are {found}")]
    WrongFormat {
        /// What the extension says.
        expected: &'static str,
        /// What the bytes say.
        found: String,
    },
    /// Past [`MAX_SIDE`] or [`MAX_PIXELS`].
    #[error(
        "it is {width}×{height} pixels, over the limit of {MAX_SIDE} a side and {MAX_PIXELS} in all"
    )]
    TooLarge {
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
    },
    /// A side of zero pixels.
    #[error("its header gives it no pixels")]
    Empty,
    /// The decoder refused the file or went past its memory limit.
    #[error("it cannot be decoded: {0}")]
    Decode(String),
    /// A variant could not be encoded.
    #[error("a variant cannot be encoded: {0}")]
    Encode(String),
}

/// What the header of a raster file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Width as shown, after the EXIF orientation.
    pub width: u32,
    /// Height as shown, after the EXIF orientation.
    pub height: u32,
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

/// A decoder for `bytes`, which must be `format`, with the limits set and
/// the size checked before a pixel is read.
fn decoder(
    bytes: &[u8],
    format: Format,
) -> Result<(impl ImageDecoder + '_, Orientation), RasterProblem> {
    let mut reader = ImageReader::new(Cursor::new(bytes));
    // A cursor over memory cannot fail to seek or read.
    reader = reader
        .with_guessed_format()
        .map_err(|e| RasterProblem::Decode(e.to_string()))?;
    match reader.format() {
        Some(found) if found == format.image_format() => {}
        found => {
            return Err(RasterProblem::WrongFormat {
                expected: format.name(),
                found: found.map_or("of no image format the pipeline reads".to_string(), |f| {
                    format!("{f:?}").to_ascii_uppercase()
                }),
            });
        }
    }
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => too_large_from_header(bytes, format),
        other => RasterProblem::Decode(other.to_string()),
    })?;
    let (width, height) = decoder.dimensions();
    check_size(width, height)?;
    // A broken EXIF block only loses the rotation, as in browsers.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    Ok((decoder, orientation))
}

/// The size error for a file whose decoder refused it at its limits,
/// with the size its header claims when a limit-free read gives it.
fn too_large_from_header(bytes: &[u8], format: Format) -> RasterProblem {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    // Only the header is read here; no limit is needed for that, and the
    // pixels are never decoded on this path.
    reader.no_limits();
    match reader.into_dimensions() {
        Ok((width, height)) => RasterProblem::TooLarge { width, height },
        Err(error) => RasterProblem::Decode(error.to_string()),
    }
}

fn check_size(width: u32, height: u32) -> Result<(), RasterProblem> {
    if width == 0 || height == 0 {
        return Err(RasterProblem::Empty);
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(RasterProblem::TooLarge { width, height });
    }
    Ok(())
}

fn turns_sideways(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// Reads the size of a raster file from its header, without decoding
/// its pixels.
pub fn header(bytes: &[u8], format: Format) -> Result<Header, RasterProblem> {
    let (decoder, orientation) = decoder(bytes, format)?;
    let (width, height) = decoder.dimensions();
    Ok(if turns_sideways(orientation) {
        Header {
            width: height,
            height: width,
        }
    } else {
        Header { width, height }
    })
}

/// Decodes a raster file into pixels, upright.
pub fn decode(bytes: &[u8], format: Format) -> Result<DynamicImage, RasterProblem> {
    let (decoder, orientation) = decoder(bytes, format)?;
    let mut image =
        DynamicImage::from_decoder(decoder).map_err(|e| RasterProblem::Decode(e.to_string()))?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// The height of a variant `width` pixels wide, keeping the ratio.
pub fn scaled_height(header: Header, width: u32) -> u32 {
    let height = (u64::from(header.height) * u64::from(width) + u64::from(header.width) / 2)
        / u64::from(header.width);
    // At most the original height, which is a u32.
    u32::try_from(height).unwrap_or(header.height).max(1)
}

/// `image` resized to `width` (keeping its ratio, `height` given) and
/// encoded as `format`.
pub fn encode_variant(
    image: &DynamicImage,
    width: u32,
    height: u32,
    format: Format,
) -> Result<Vec<u8>, RasterProblem> {
    let resized;
    let source = if image.width() == width && image.height() == height {
        image
    } else {
        // Catmull-Rom: sharp downscaling at a fraction of Lanczos' cost.
        resized = image.resize_exact(width, height, FilterType::CatmullRom);
        &resized
    };
    // The encoders take 8-bit RGB(A); JPEG has no alpha channel.
    let pixels = match format {
        Format::Jpeg => DynamicImage::ImageRgb8(source.to_rgb8()),
        _ if source.color().has_alpha() => DynamicImage::ImageRgba8(source.to_rgba8()),
        _ => DynamicImage::ImageRgb8(source.to_rgb8()),
    };
    let mut out = Vec::new();
    let written = match format {
        Format::Png => pixels.write_with_encoder(PngEncoder::new(&mut out)),
        Format::Jpeg => {
            pixels.write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))
        }
        Format::Webp => pixels.write_with_encoder(WebPEncoder::new_lossless(&mut out)),
    };
    written.map_err(|e| RasterProblem::Encode(e.to_string()))?;
    Ok(out)
}

/// The size of a GIF from its logical screen descriptor. GIFs are not
/// resized (a resized animation loses its frames), only sized.
pub fn gif_size(bytes: &[u8]) -> Result<Header, RasterProblem> {
    let header = bytes
        .get(..10)
        .filter(|h| h.starts_with(b"GIF87a") || h.starts_with(b"GIF89a"));
    let Some(header) = header else {
        return Err(RasterProblem::WrongFormat {
            expected: "GIF",
            found: "of another format".to_string(),
        });
    };
    let width = u32::from(u16::from_le_bytes([header[6], header[7]]));
    let height = u32::from(u16::from_le_bytes([header[8], header[9]]));
    check_size(width, height)?;
    Ok(Header { width, height })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A PNG of `width`×`height` with a gradient, so variants differ.
    pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
        });
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(image)
            .write_with_encoder(PngEncoder::new(&mut out))
            .unwrap();
        out
    }

    /// A PNG whose header claims `width`×`height` over a tiny body: a
    /// decompression bomb as far as any reader trusting the header goes.
    pub(crate) fn png_claiming(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = png(1, 1);
        // IHDR's data starts at byte 16; its CRC follows at 29.
        bytes[16..20].copy_from_slice(&width.to_be_bytes());
        bytes[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        bytes
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn header_reads_size_and_checks_the_format() {
        let bytes = png(30, 20);
        assert_eq!(
            header(&bytes, Format::Png),
            Ok(Header {
                width: 30,
                height: 20
            })
        );
        assert!(matches!(
            header(&bytes, Format::Jpeg),
            Err(RasterProblem::WrongFormat {
                expected: "JPEG",
                ..
            })
        ));
        assert!(matches!(
            header(b"not an image", Format::Png),
            Err(RasterProblem::WrongFormat { .. })
        ));
        assert!(matches!(
            header(&bytes[..40], Format::Png).and_then(|_| decode(&bytes[..40], Format::Png)),
            Err(RasterProblem::Decode(_))
        ));
    }

    #[test]
    fn decompression_bombs_are_refused_before_decoding() {
        for (width, height) in [(100_000, 100_000), (16_000, 16_000), (MAX_SIDE + 1, 1)] {
            let bomb = png_claiming(width, height);
            assert_eq!(
                header(&bomb, Format::Png),
                Err(RasterProblem::TooLarge { width, height }),
                "{width}×{height}"
            );
            assert!(decode(&bomb, Format::Png).is_err());
        }
        assert!(header(&png_claiming(0, 5), Format::Png).is_err());
    }

    #[test]
    fn variants_keep_the_ratio_and_encode_in_each_format() {
        let image = decode(&png(40, 30), Format::Png).unwrap();
        let header = Header {
            width: 40,
            height: 30,
        };
        assert_eq!(scaled_height(header, 20), 15);
        assert_eq!(scaled_height(header, 1), 1);
        for format in [Format::Png, Format::Jpeg, Format::Webp] {
            let bytes = encode_variant(&image, 20, 15, format).unwrap();
            let read = super::header(&bytes, format).unwrap();
            assert_eq!((read.width, read.height), (20, 15), "{format:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(crate::images::test_config())]

        /// A PNG header may claim any size: within the limits it is read
        /// back exactly, past them it is refused as too large, and a
        /// zero side is an error; never a panic or an allocation of the
        /// claimed size.
        #[test]
        fn fuzz_claimed_png_sizes(width in 0u32..200_000, height in 0u32..200_000) {
            let claimed = png_claiming(width, height);
            match header(&claimed, Format::Png) {
                Ok(read) => {
                    proptest::prop_assert_eq!((read.width, read.height), (width, height));
                    proptest::prop_assert!(check_size(width, height).is_ok());
                }
                Err(RasterProblem::TooLarge { width: w, height: h }) => {
                    proptest::prop_assert_eq!((w, h), (width, height));
                }
                Err(_) => proptest::prop_assert!(width == 0 || height == 0 || width > i32::MAX as u32 || height > i32::MAX as u32),
            }
        }

        /// Any bytes after a format's signature are read or refused
        /// without panicking, as are any bytes taken for a GIF.
        #[test]
        fn fuzz_header_bytes_never_panic(
            signature in proptest::sample::select(vec![
                b"\x89PNG\r\n\x1a\n".to_vec(),
                vec![0xff, 0xd8, 0xff],
                b"RIFF\0\0\0\0WEBPVP8 ".to_vec(),
                b"GIF89a".to_vec(),
            ]),
            rest in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
        ) {
            let mut bytes = signature;
            bytes.extend(rest);
            for format in [Format::Png, Format::Jpeg, Format::Webp] {
                if let Ok(read) = header(&bytes, format) {
                    proptest::prop_assert!(check_size(read.width, read.height).is_ok());
                }
            }
            if let Ok(read) = gif_size(&bytes) {
                proptest::prop_assert!(check_size(read.width, read.height).is_ok());
            }
        }
    }

    #[test]
    fn gif_size_comes_from_the_screen_descriptor() {
        let mut gif = b"GIF89a".to_vec();
        gif.extend_from_slice(&[0x2c, 0x01, 0x10, 0x00, 0, 0, 0]);
        assert_eq!(
            gif_size(&gif),
            Ok(Header {
                width: 300,
                height: 16
            })
        );
        assert!(gif_size(b"GIF89a\0\0\x01\0").is_err());
        assert!(gif_size(b"PNG").is_err());
    }
}
