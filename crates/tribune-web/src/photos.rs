//! Journalists' photo uploads: judged by their bytes (never their name), refused when they are
//! too big, not a photo, a decompression bomb or damaged, and otherwise decoded and encoded
//! anew, so that nothing but pixels survives (no EXIF, no GPS location, no XMP, no ICC or text
//! chunks, nothing appended after the image). The stored files are named by their content and
//! never change, so the media route may serve them with immutable caching.
//!
//! [`process`] is synchronous and CPU-heavy (decoding, resizing and encoding a 40 megapixel
//! photo takes seconds and a few hundred MB): never call it on the async threads; use
//! [`process_in_background`] or `tokio::task::spawn_blocking`.
//!
//! What is written for one photo, all in the media directory:
//! `<key>-<width>.<ext>` for each width of [`VARIANT_WIDTHS`] below the photo's own width, and
//! the master at the photo's own width. `key` is the first 16 hex characters of the SHA-256 of
//! the master file; `ext` is `jpg` for photos (JPEG and WebP uploads) and `png` for PNG uploads,
//! which keep their transparency.
//!
//! Colour profiles are dropped with the rest of the metadata: the pixels are stored as they were
//! decoded and read as sRGB, so a wide-gamut (Display P3, Adobe RGB) photo looks slightly less
//! saturated than on the photographer's screen.

use std::fmt::Write as _;
use std::io::{Cursor, Write as _};
use std::path::{Path, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, PngEncoder};
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageError, ImageFormat,
    ImageReader, Limits, RgbImage, RgbaImage,
};
use sha2::{Digest, Sha256};
use tribune_core::text::has_hidden_characters;

/// Largest upload accepted, in bytes.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// Most pixels a photo may have: a 50,000 × 50,000 decompression bomb claims 2.5 billion.
pub const MAX_PIXELS: u64 = 40_000_000;
/// Longest side a photo may have, so that no strip of pixels is absurdly long either.
pub const MAX_SIDE: u32 = 12_000;
/// Widths of the responsive variants; the master's own width is always the largest.
pub const VARIANT_WIDTHS: [u32; 4] = [320, 640, 1024, 1600];
/// JPEG quality of every stored photo: no visible loss at a fraction of a camera's file size.
pub const JPEG_QUALITY: u8 = 82;
/// What the media route sends with every file this module writes: a file's name changes with
/// its content, so the same name never means other bytes.
pub const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// The most the decoder may allocate: a 40 megapixel image at 16 bits per channel with alpha
/// (8 bytes a pixel), plus room for the decoder's own buffers. A header that lies about the
/// size cannot make it take more.
const MAX_DECODE_ALLOC: u64 = MAX_PIXELS * 8 + 64 * 1024 * 1024;
/// Characters in a credit, after trimming.
const CREDIT_CHARS: std::ops::RangeInclusive<usize> = 2..=120;
/// Characters in a caption, after trimming.
const CAPTION_MAX_CHARS: usize = 300;

/// Why an upload was refused (the journalist can fix it) or could not be stored (our side).
/// The `Display` of a refusal is the Dutch sentence shown to the journalist.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("Dit bestand is leeg.")]
    Empty,
    #[error("Dit bestand is te groot: hoogstens 20 MB.")]
    TooManyBytes { len: usize },
    /// The bytes are not a JPEG, PNG or WebP (whatever the file was called).
    #[error("Dit bestand is geen JPEG-, PNG- of WebP-foto.")]
    NotAPhoto,
    #[error("Deze foto is te groot: hoogstens 40 megapixels.")]
    TooManyPixels { width: u32, height: u32 },
    #[error("Deze foto is te groot: hoogstens 12.000 pixels breed of hoog.")]
    TooLong { width: u32, height: u32 },
    /// Truncated, corrupt, or a header with nothing sensible behind it.
    #[error("Deze foto is beschadigd of onvolledig.")]
    Damaged,
    /// A rare kind of JPEG, PNG or WebP the decoder does not read (12-bit JPEG, arithmetic
    /// coding, ...).
    #[error(
        "Deze foto is opgeslagen in een vorm die we niet kunnen lezen. Bewaar hem opnieuw als gewone JPEG."
    )]
    Unsupported,
    /// Encoding the decoded pixels failed: a fault on our side.
    #[error("encoding the photo failed: {0}")]
    Encode(String),
    /// Writing to the media directory failed: a fault on our side.
    #[error("cannot store the photo in {}: {source}", dir.display())]
    Storage {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The background task died (it panicked or the runtime is shutting down).
    #[error("photo processing stopped: {0}")]
    Interrupted(String),
}

impl PhotoError {
    /// True when the upload itself is at fault and the message says what to do about it
    /// (answer 4xx); false for our own faults (answer 5xx and log).
    pub fn is_refusal(&self) -> bool {
        !matches!(
            self,
            Self::Encode(_) | Self::Storage { .. } | Self::Interrupted(_)
        )
    }
}

/// One stored file of a photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub width: u32,
    pub height: u32,
    /// The name under the media directory, e.g. `3f2a9c0d1e2b4a5f-640.jpg`.
    pub file_name: String,
    pub bytes_len: u64,
}

/// A photo as stored: its master and the smaller variants, smallest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessedPhoto {
    /// The content hash that names every file of this photo (16 hex characters).
    pub key: String,
    /// Size of the master, after the camera's orientation was applied.
    pub width: u32,
    pub height: u32,
    /// `image/jpeg` or `image/png`: the type of every file of this photo.
    pub content_type: &'static str,
    /// Smallest first; the last one is the master.
    pub variants: Vec<Variant>,
    /// Every file was already in the media directory (the same photo was uploaded before),
    /// so nothing was written.
    pub already_stored: bool,
}

impl ProcessedPhoto {
    /// The value of an `<img srcset>` attribute, e.g. with `url_prefix` "/media/":
    /// `/media/3f2a…-320.jpg 320w, /media/3f2a…-640.jpg 640w, …`.
    /// File names are hex, digits and a known extension, so the value needs no escaping.
    pub fn srcset(&self, url_prefix: &str) -> String {
        let mut out = String::new();
        for (i, v) in self.variants.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "{url_prefix}{} {}w", v.file_name, v.width);
        }
        out
    }

    /// The `src` for browsers without srcset: the largest variant no wider than 1024 px.
    pub fn src(&self, url_prefix: &str) -> String {
        let fallback = self
            .variants
            .iter()
            .rev()
            .find(|v| v.width <= 1024)
            .or(self.variants.first());
        match fallback {
            Some(v) => format!("{url_prefix}{}", v.file_name),
            None => String::new(),
        }
    }

    /// The master: the photo at its own size.
    pub fn master(&self) -> Option<&Variant> {
        self.variants.last()
    }
}

/// The widths stored for a photo `master_width` pixels wide, smallest first: the standard
/// widths below it (never upscaled) and the master's own width.
pub fn variant_widths(master_width: u32) -> Vec<u32> {
    let mut widths: Vec<u32> = VARIANT_WIDTHS
        .iter()
        .copied()
        .filter(|&w| w < master_width)
        .collect();
    widths.push(master_width);
    widths
}

/// The Content-Type for a file in the media directory, or None. Only names of the exact form
/// this module writes (`<16 lowercase hex>-<width>.jpg|png`) get an answer, and it is only ever
/// image/jpeg or image/png: whatever else lies in the directory (a temporary file, something
/// put there by hand) is never served as a type a browser would run.
pub fn content_type_for(file_name: &str) -> Option<&'static str> {
    parse_file_name(file_name).map(|(_, _, kind)| kind.content_type())
}

/// The type a photo file is served as; `None` for a name we never serve (hidden files,
/// odd characters, anything but the three photo formats). Uploads are named
/// `<key>-<width>.jpg|png` (`photos`), imported photos `<key>.jpg|png|webp` (the importer).
pub fn media_type(file: &str) -> Option<&'static str> {
    let valid_name = !file.is_empty()
        && !file.starts_with('.')
        && file
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_');
    let content_type = match file.rsplit_once('.').map(|(_, ext)| ext) {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        _ => return None,
    };
    valid_name.then_some(content_type)
}

/// The `srcset` of a stored photo from its master's file name alone (what an article keeps,
/// e.g. `3f2a9c0d1e2b4a5f-2400.jpg`): the variants are always the same widths below it.
/// None for a name this module did not write.
pub fn srcset_for_master(master_file_name: &str, url_prefix: &str) -> Option<String> {
    let (key, width, kind) = parse_file_name(master_file_name)?;
    let mut out = String::new();
    for (i, w) in variant_widths(width).into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{url_prefix}{} {w}w", file_name(key, w, kind));
    }
    Some(out)
}

/// The `src` of a stored photo from its master's file name alone, for browsers without
/// srcset: the largest variant no wider than 1024 px (as [`ProcessedPhoto::src`]). None for a
/// name this module did not write.
pub fn src_for_master(master_file_name: &str, url_prefix: &str) -> Option<String> {
    let (key, width, kind) = parse_file_name(master_file_name)?;
    let widths = variant_widths(width);
    let w = widths
        .iter()
        .rev()
        .find(|&&w| w <= 1024)
        .or(widths.first())?;
    Some(format!("{url_prefix}{}", file_name(key, *w, kind)))
}

/// Key, width and kind of a name this module writes; None for any other name.
fn parse_file_name(file_name: &str) -> Option<(&str, u32, OutputKind)> {
    let (stem, ext) = file_name.rsplit_once('.')?;
    let kind = OutputKind::from_extension(ext)?;
    let (key, width) = stem.split_once('-')?;
    let key_ok = key.len() == 16
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let width_ok = !width.is_empty()
        && width.len() <= 5
        && !width.starts_with('0')
        && width.bytes().all(|b| b.is_ascii_digit());
    if !(key_ok && width_ok) {
        return None;
    }
    Some((key, width.parse().ok()?, kind))
}

/// The photographer or agency credited under the photo: required, 2 to 120 characters,
/// trimmed, without control or invisible characters.
pub fn check_credit(credit: &str) -> Result<String, String> {
    let credit = credit.trim();
    if credit.is_empty() {
        return Err("Vermeld wie de foto maakte (fotograaf of agentschap).".to_string());
    }
    let chars = credit.chars().count();
    if !CREDIT_CHARS.contains(&chars) {
        return Err(format!(
            "De fotocredit moet tussen {} en {} tekens lang zijn.",
            CREDIT_CHARS.start(),
            CREDIT_CHARS.end()
        ));
    }
    if has_hidden_characters(credit) {
        return Err(
            "De fotocredit bevat onzichtbare tekens of regeleinden; typ hem opnieuw.".to_string(),
        );
    }
    Ok(credit.to_string())
}

/// The caption under the photo: optional (None when blank), at most 300 characters, trimmed,
/// without control or invisible characters.
pub fn check_caption(caption: &str) -> Result<Option<String>, String> {
    let caption = caption.trim();
    if caption.is_empty() {
        return Ok(None);
    }
    if caption.chars().count() > CAPTION_MAX_CHARS {
        return Err(format!(
            "Het fotobijschrift mag hoogstens {CAPTION_MAX_CHARS} tekens lang zijn."
        ));
    }
    if has_hidden_characters(caption) {
        return Err(
            "Het fotobijschrift bevat onzichtbare tekens of regeleinden; typ het opnieuw."
                .to_string(),
        );
    }
    Ok(Some(caption.to_string()))
}

/// Photos processed at once on a node: a 40 megapixel photo takes a few hundred MB while it
/// is decoded and scaled, so a burst of uploads waits its turn rather than exhausting memory.
pub const PROCESSED_AT_ONCE: usize = 2;
static PROCESSING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(PROCESSED_AT_ONCE);

/// [`process`] on the blocking pool, for handlers, at most [`PROCESSED_AT_ONCE`] at a time.
pub async fn process_in_background(
    bytes: bytes::Bytes,
    media_dir: PathBuf,
) -> Result<ProcessedPhoto, PhotoError> {
    let turn = PROCESSING
        .acquire()
        .await
        .map_err(|e| PhotoError::Interrupted(e.to_string()))?;
    // The turn travels with the work: a request given up halfway does not free it early.
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        process(&bytes, &media_dir)
    })
    .await
    .map_err(|e| PhotoError::Interrupted(e.to_string()))?
}

/// Judges an upload, and stores the photo in it as a clean master and its smaller variants
/// under `media_dir`. A refused or failed upload leaves nothing behind; the same photo twice
/// writes nothing the second time (`already_stored`).
///
/// Synchronous and CPU-heavy: run it on the blocking pool (see [`process_in_background`]).
pub fn process(bytes: &[u8], media_dir: &Path) -> Result<ProcessedPhoto, PhotoError> {
    let format = judge(bytes)?;
    let kind = OutputKind::for_upload(format);
    let image = decode(bytes, format)?;
    let pixels = Pixels::from_image(image, kind);

    let (width, height) = pixels.dimensions();
    let master = pixels.encode(kind)?;
    let key = content_key(&master);
    let widths = variant_widths(width);
    let names: Vec<String> = widths.iter().map(|&w| file_name(&key, w, kind)).collect();

    let mut existing = Vec::with_capacity(names.len());
    for name in &names {
        let path = media_dir.join(name);
        let len = match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => Some(meta.len()),
            Ok(_) => None,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(storage(media_dir, source)),
        };
        existing.push(len);
    }
    let already_stored = existing.iter().all(Option::is_some);

    let mut writer = Writer::new(media_dir);
    let mut variants = Vec::with_capacity(widths.len());
    // Largest first: each variant is scaled from the next larger one (at most 2:1 below
    // 1600 px), which is much cheaper than scaling every variant from a 40 megapixel master.
    let mut source = pixels;
    for (i, &w) in widths.iter().enumerate().rev() {
        let name = &names[i];
        let (bytes_len, h) = if i == widths.len() - 1 {
            let len = match existing[i] {
                Some(len) => len,
                None => writer.write(name, &master)?,
            };
            (len, height)
        } else {
            let h = scaled_height(width, height, w);
            if already_stored {
                (existing[i].unwrap_or_default(), h)
            } else {
                source = source.resize(w, h);
                let len = match existing[i] {
                    Some(len) => len,
                    None => writer.write(name, &source.encode(kind)?)?,
                };
                (len, h)
            }
        };
        variants.push(Variant {
            width: w,
            height: h,
            file_name: name.clone(),
            bytes_len,
        });
    }
    variants.reverse();
    writer.finish()?;

    Ok(ProcessedPhoto {
        key,
        width,
        height,
        content_type: kind.content_type(),
        variants,
        already_stored,
    })
}

/// Size limit and type from the magic bytes; the file name plays no part.
fn judge(bytes: &[u8]) -> Result<ImageFormat, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(PhotoError::TooManyBytes { len: bytes.len() });
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        // The header chunk must come first; without it the "size" would be whatever bytes
        // follow the signature.
        if bytes.get(8..16) != Some(b"\0\0\0\x0dIHDR") {
            return Err(PhotoError::Damaged);
        }
        Ok(ImageFormat::Png)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Ok(ImageFormat::WebP)
    } else {
        Err(PhotoError::NotAPhoto)
    }
}

/// Refuses dimensions past the limits; they come from the header, before any pixel buffer.
fn check_dimensions(width: u32, height: u32) -> Result<(), PhotoError> {
    if width == 0 || height == 0 {
        return Err(PhotoError::Damaged);
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(PhotoError::TooLong { width, height });
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PhotoError::TooManyPixels { width, height });
    }
    Ok(())
}

/// Decodes the whole image within the allocation limit, with the camera's orientation applied.
fn decode(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, PhotoError> {
    // The header alone first, with a reader that allocates nothing for pixels: a bomb stops here.
    let header = imagesize::blob_size(bytes).map_err(|_| PhotoError::Damaged)?;
    let side = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let (width, height) = (side(header.width), side(header.height));
    check_dimensions(width, height)?;
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        // The JPEG decoder fills a cut-off scan with grey rather than failing.
        return Err(PhotoError::Damaged);
    }

    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits.clone());
    let too_big = PhotoError::TooManyPixels { width, height };
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| from_decoding(e, too_big))?;
    // The decoder's own reading of the header is what it will allocate for: check it too.
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height)?;
    // A broken EXIF block only costs the rotation; the block itself is dropped anyway.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let too_big = || PhotoError::TooManyPixels { width, height };
    limits
        .reserve(decoder.total_bytes())
        .map_err(|_| too_big())?;
    decoder
        .set_limits(limits)
        .map_err(|e| from_decoding(e, too_big()))?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| from_decoding(e, too_big()))?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// `too_big` is what a limit error means for this photo.
fn from_decoding(e: ImageError, too_big: PhotoError) -> PhotoError {
    match e {
        ImageError::Limits(_) => too_big,
        ImageError::Unsupported(_) => PhotoError::Unsupported,
        _ => PhotoError::Damaged,
    }
}

/// Walks the JPEG's segments (skipping their contents, so a thumbnail's end marker inside the
/// EXIF block does not count) and its scan data to the end-of-image marker. Bytes after that
/// marker are allowed (cameras pad), a file that stops before it is not.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut i = 2; // after the start-of-image marker
    while i + 1 < bytes.len() {
        if bytes[i] != 0xFF {
            // Scan data, or stray bytes between segments that decoders tolerate.
            i += 1;
            continue;
        }
        match bytes[i + 1] {
            0xD9 => return true,
            // Fill byte before a marker.
            0xFF => i += 1,
            // A stuffed 0xFF in scan data, restart markers, TEM: no length follows.
            0x00 | 0x01 | 0xD0..=0xD7 => i += 2,
            _ => {
                let Some(len) = bytes.get(i + 2..i + 4) else {
                    return false;
                };
                let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
                if len < 2 {
                    return false;
                }
                i += 2 + len;
            }
        }
    }
    false
}

/// What the stored files are: JPEG for photos, PNG for PNG uploads (logos, graphics with
/// transparency).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OutputKind {
    Jpeg,
    Png,
}

impl OutputKind {
    fn for_upload(format: ImageFormat) -> Self {
        if format == ImageFormat::Png {
            Self::Png
        } else {
            Self::Jpeg
        }
    }

    fn from_extension(ext: &str) -> Option<Self> {
        match ext {
            "jpg" => Some(Self::Jpeg),
            "png" => Some(Self::Png),
            _ => None,
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }
}

/// Decoded pixels, 8 bits a channel. Images with transparency are kept premultiplied by
/// their alpha while being scaled, so transparent pixels lend no colour to their neighbours.
enum Pixels {
    Rgb(RgbImage),
    PremultipliedRgba(RgbaImage),
}

impl Pixels {
    fn from_image(image: DynamicImage, kind: OutputKind) -> Self {
        match kind {
            OutputKind::Jpeg if image.has_alpha() => Self::Rgb(flatten_on_white(&image.to_rgba8())),
            OutputKind::Png if image.has_alpha() => {
                let mut rgba = image.into_rgba8();
                premultiply(&mut rgba);
                Self::PremultipliedRgba(rgba)
            }
            _ => Self::Rgb(image.into_rgb8()),
        }
    }

    fn dimensions(&self) -> (u32, u32) {
        match self {
            Self::Rgb(p) => p.dimensions(),
            Self::PremultipliedRgba(p) => p.dimensions(),
        }
    }

    fn resize(&self, width: u32, height: u32) -> Self {
        match self {
            Self::Rgb(p) => Self::Rgb(image::imageops::resize(
                p,
                width,
                height,
                FilterType::Lanczos3,
            )),
            Self::PremultipliedRgba(p) => Self::PremultipliedRgba(image::imageops::resize(
                p,
                width,
                height,
                FilterType::Lanczos3,
            )),
        }
    }

    /// Encodes with no metadata at all: the encoders write only what is set on them, and
    /// nothing is.
    fn encode(&self, kind: OutputKind) -> Result<Vec<u8>, PhotoError> {
        let mut out = Vec::new();
        let encoded = match (self, kind) {
            (Self::Rgb(p), OutputKind::Jpeg) => JpegEncoder::new_with_quality(
                &mut out,
                JPEG_QUALITY,
            )
            .write_image(p.as_raw(), p.width(), p.height(), ExtendedColorType::Rgb8),
            (Self::Rgb(p), OutputKind::Png) => png_encoder(&mut out).write_image(
                p.as_raw(),
                p.width(),
                p.height(),
                ExtendedColorType::Rgb8,
            ),
            (Self::PremultipliedRgba(p), OutputKind::Png) => {
                let mut straight = p.clone();
                unpremultiply(&mut straight);
                png_encoder(&mut out).write_image(
                    straight.as_raw(),
                    p.width(),
                    p.height(),
                    ExtendedColorType::Rgba8,
                )
            }
            (Self::PremultipliedRgba(p), OutputKind::Jpeg) => {
                let mut straight = p.clone();
                unpremultiply(&mut straight);
                let rgb = flatten_on_white(&straight);
                JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY).write_image(
                    rgb.as_raw(),
                    rgb.width(),
                    rgb.height(),
                    ExtendedColorType::Rgb8,
                )
            }
        };
        encoded.map_err(|e| PhotoError::Encode(e.to_string()))?;
        Ok(out)
    }
}

fn png_encoder(out: &mut Vec<u8>) -> PngEncoder<&mut Vec<u8>> {
    PngEncoder::new_with_quality(
        out,
        CompressionType::Default,
        image::codecs::png::FilterType::Adaptive,
    )
}

/// A JPEG has no transparency: transparent parts of a WebP become white, as on the page.
fn flatten_on_white(rgba: &RgbaImage) -> RgbImage {
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let a = u16::from(a);
        let blend = |c: u8| ((u16::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
        image::Rgb([blend(r), blend(g), blend(b)])
    })
}

fn premultiply(rgba: &mut RgbaImage) {
    for p in rgba.pixels_mut() {
        let a = u16::from(p.0[3]);
        for c in &mut p.0[..3] {
            *c = ((u16::from(*c) * a + 127) / 255) as u8;
        }
    }
}

fn unpremultiply(rgba: &mut RgbaImage) {
    for p in rgba.pixels_mut() {
        let a = u16::from(p.0[3]);
        for c in &mut p.0[..3] {
            // Fully transparent pixels have no colour left to restore.
            *c = (u16::from(*c) * 255 + a / 2)
                .checked_div(a)
                .map_or(0, |v| v.min(255) as u8);
        }
    }
}

/// The height of a variant `width` pixels wide, keeping the aspect ratio (at least 1 px).
fn scaled_height(master_width: u32, master_height: u32, width: u32) -> u32 {
    let h = (u64::from(master_height) * u64::from(width) + u64::from(master_width) / 2)
        / u64::from(master_width).max(1);
    u32::try_from(h).unwrap_or(u32::MAX).max(1)
}

/// First 16 hex characters of the SHA-256 of the master file.
fn content_key(master: &[u8]) -> String {
    let digest = Sha256::digest(master);
    let mut key = String::with_capacity(16);
    for b in &digest[..8] {
        let _ = write!(key, "{b:02x}");
    }
    key
}

fn file_name(key: &str, width: u32, kind: OutputKind) -> String {
    format!("{key}-{width}.{}", kind.extension())
}

fn storage(dir: &Path, source: std::io::Error) -> PhotoError {
    PhotoError::Storage {
        dir: dir.to_path_buf(),
        source,
    }
}

/// Writes files whole or not at all (temporary name in the same directory, then rename), and
/// removes every file it wrote unless [`Writer::finish`] is reached: an upload that fails
/// halfway, even by a panic, leaves nothing behind.
struct Writer<'a> {
    dir: &'a Path,
    written: Vec<PathBuf>,
    dir_ready: bool,
    finished: bool,
}

impl<'a> Writer<'a> {
    fn new(dir: &'a Path) -> Self {
        Self {
            dir,
            written: Vec::new(),
            dir_ready: false,
            finished: false,
        }
    }

    /// Writes `bytes` as `name`; returns the length written.
    fn write(&mut self, name: &str, bytes: &[u8]) -> Result<u64, PhotoError> {
        if !self.dir_ready {
            std::fs::create_dir_all(self.dir).map_err(|e| storage(self.dir, e))?;
            self.dir_ready = true;
        }
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce)
            .map_err(|e| storage(self.dir, std::io::Error::other(e.to_string())))?;
        let mut temp_name = format!(".{name}.");
        for b in nonce {
            let _ = write!(temp_name, "{b:02x}");
        }
        temp_name.push_str(".tmp");
        let temp = self.dir.join(temp_name);
        let target = self.dir.join(name);

        let result = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .and_then(|mut f| {
                f.write_all(bytes)?;
                f.sync_all()
            })
            .and_then(|()| std::fs::rename(&temp, &target));
        if let Err(e) = result {
            let _ = std::fs::remove_file(&temp);
            return Err(storage(self.dir, e));
        }
        self.written.push(target);
        Ok(bytes.len() as u64)
    }

    /// Keeps what was written, once the directory entries are on disk too.
    fn finish(mut self) -> Result<(), PhotoError> {
        if !self.written.is_empty() {
            #[cfg(unix)]
            std::fs::File::open(self.dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| storage(self.dir, e))?;
        }
        self.finished = true;
        Ok(())
    }
}

impl Drop for Writer<'_> {
    fn drop(&mut self) {
        if !self.finished {
            for path in &self.written {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::webp::WebPEncoder;

    /// A photo-like picture: smooth gradients with some texture, so JPEG has work to do.
    fn picture(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([
                (x * 255 / width) as u8,
                (y * 255 / height) as u8,
                ((x * 7 + y * 13) % 251) as u8,
            ])
        })
    }

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let p = picture(width, height);
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .write_image(p.as_raw(), width, height, ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    /// A logo: opaque on the left half, fully transparent on the right half.
    fn png(width: u32, height: u32) -> Vec<u8> {
        let p = RgbaImage::from_fn(width, height, |x, y| {
            let [r, g, b] = [(x % 256) as u8, (y % 256) as u8, 90];
            image::Rgba([r, g, b, if x < width / 2 { 255 } else { 0 }])
        });
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(p.as_raw(), width, height, ExtendedColorType::Rgba8)
            .unwrap();
        out
    }

    fn webp(width: u32, height: u32) -> Vec<u8> {
        let p = picture(width, height);
        let mut out = Vec::new();
        WebPEncoder::new_lossless(&mut out)
            .encode(p.as_raw(), width, height, ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    /// Latitude 50° 50' 45.12" (Brussels) as three big-endian EXIF rationals: bytes that would
    /// only be in a stored file if the GPS block had been copied.
    const GPS_LATITUDE: [u8; 24] = [
        0, 0, 0, 50, 0, 0, 0, 1, 0, 0, 0, 50, 0, 0, 0, 1, 0, 0, 0x11, 0xA0, 0, 0, 0, 100,
    ];

    /// An APP1 EXIF block as a phone writes it: orientation "rotate 90° clockwise" and a GPS
    /// latitude, followed by the end-of-image marker of a (pretend) thumbnail.
    fn exif_app1() -> Vec<u8> {
        let mut tiff = Vec::new();
        tiff.extend_from_slice(b"MM\x00\x2A\x00\x00\x00\x08");
        // IFD0: orientation, pointer to the GPS IFD at offset 38.
        tiff.extend_from_slice(&[0, 2]);
        tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
        tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]);
        tiff.extend_from_slice(&[0, 0, 0, 0]);
        // GPS IFD: latitude ref "N", latitude at offset 68.
        tiff.extend_from_slice(&[0, 2]);
        tiff.extend_from_slice(&[0x00, 0x01, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
        tiff.extend_from_slice(&[0x00, 0x02, 0, 5, 0, 0, 0, 3, 0, 0, 0, 68]);
        tiff.extend_from_slice(&[0, 0, 0, 0]);
        assert_eq!(tiff.len(), 68);
        tiff.extend_from_slice(&GPS_LATITUDE);
        tiff.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xD9]);

        let mut payload = b"Exif\0\0".to_vec();
        payload.extend_from_slice(&tiff);
        let mut segment = vec![0xFF, 0xE1];
        segment.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        segment.extend_from_slice(&payload);
        segment
    }

    /// `jpeg` with the EXIF block spliced in right after the start-of-image marker.
    fn with_exif(jpeg: &[u8]) -> Vec<u8> {
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&exif_app1());
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut typed = kind.to_vec();
        typed.extend_from_slice(data);
        out.extend_from_slice(&typed);
        out.extend_from_slice(&crc32(&typed).to_be_bytes());
    }

    /// A PNG that claims `width` × `height` RGBA pixels with a valid header (a few hundred
    /// bytes that would need gigabytes once decoded).
    fn png_claiming(width: u32, height: u32) -> Vec<u8> {
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        png_chunk(&mut out, b"IHDR", &ihdr);
        // The start of a zlib stream of zeros, as a real bomb would carry.
        png_chunk(
            &mut out,
            b"IDAT",
            &[0x78, 0x9C, 0xED, 0xC1, 0x01, 0x0D, 0x00, 0x00],
        );
        png_chunk(&mut out, b"IEND", &[]);
        out
    }

    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    /// The upload is refused with `message`, and the media directory stays empty.
    fn assert_refused(what: &str, bytes: &[u8], message: &str) {
        let dir = tempfile::tempdir().unwrap();
        match process(bytes, dir.path()) {
            Ok(photo) => panic!("{what} was accepted as {photo:?}"),
            Err(e) => {
                assert!(e.is_refusal(), "{what}: refused as our own fault: {e}");
                assert_eq!(e.to_string(), message, "{what}: wrong message");
            }
        }
        assert_eq!(
            files_in(dir.path()),
            Vec::<String>::new(),
            "{what} left files behind"
        );
    }

    const NOT_A_PHOTO: &str = "Dit bestand is geen JPEG-, PNG- of WebP-foto.";
    const DAMAGED: &str = "Deze foto is beschadigd of onvolledig.";

    #[test]
    fn a_camera_jpeg_gets_a_master_and_every_smaller_width() {
        let dir = tempfile::tempdir().unwrap();
        let photo = process(&jpeg(1700, 850), dir.path()).unwrap();

        assert_eq!((photo.width, photo.height), (1700, 850));
        assert_eq!(photo.content_type, "image/jpeg");
        assert!(!photo.already_stored);
        assert_eq!(photo.key.len(), 16);
        let sizes: Vec<(u32, u32)> = photo.variants.iter().map(|v| (v.width, v.height)).collect();
        assert_eq!(
            sizes,
            [
                (320, 160),
                (640, 320),
                (1024, 512),
                (1600, 800),
                (1700, 850)
            ]
        );
        for v in &photo.variants {
            assert_eq!(v.file_name, format!("{}-{}.jpg", photo.key, v.width));
            assert_eq!(content_type_for(&v.file_name), Some("image/jpeg"));
            let stored = std::fs::read(dir.path().join(&v.file_name)).unwrap();
            assert_eq!(stored.len() as u64, v.bytes_len, "{}", v.file_name);
            let decoded = image::load_from_memory_with_format(&stored, ImageFormat::Jpeg)
                .unwrap_or_else(|e| panic!("{} is no JPEG: {e}", v.file_name));
            assert_eq!((decoded.width(), decoded.height()), (v.width, v.height));
        }
        let master = std::fs::read(dir.path().join(&photo.master().unwrap().file_name)).unwrap();
        assert_eq!(
            content_key(&master),
            photo.key,
            "the key is the master's hash"
        );
        assert_eq!(
            files_in(dir.path()).len(),
            5,
            "only the five variants are written: {:?}",
            files_in(dir.path())
        );

        let k = &photo.key;
        assert_eq!(
            photo.srcset("/media/"),
            format!(
                "/media/{k}-320.jpg 320w, /media/{k}-640.jpg 640w, /media/{k}-1024.jpg 1024w, \
                 /media/{k}-1600.jpg 1600w, /media/{k}-1700.jpg 1700w"
            )
        );
        assert_eq!(photo.src("/media/"), format!("/media/{k}-1024.jpg"));
        assert_eq!(
            src_for_master(&photo.master().unwrap().file_name, "/media/"),
            Some(photo.src("/media/"))
        );
        assert_eq!(
            srcset_for_master(&photo.master().unwrap().file_name, "/media/"),
            Some(photo.srcset("/media/")),
            "an article that keeps only the master's name gets the same srcset"
        );
    }

    #[test]
    fn a_png_logo_keeps_its_transparency_and_is_never_upscaled() {
        let dir = tempfile::tempdir().unwrap();
        let photo = process(&png(700, 350), dir.path()).unwrap();

        assert_eq!(photo.content_type, "image/png");
        let sizes: Vec<(u32, u32)> = photo.variants.iter().map(|v| (v.width, v.height)).collect();
        assert_eq!(sizes, [(320, 160), (640, 320), (700, 350)]);
        assert_eq!(
            src_for_master(&photo.master().unwrap().file_name, "/media/"),
            Some(format!("/media/{}-700.png", photo.key)),
            "a photo no wider than 1024 px is its own src"
        );
        for v in &photo.variants {
            assert!(v.file_name.ends_with(".png"), "{}", v.file_name);
            let stored = std::fs::read(dir.path().join(&v.file_name)).unwrap();
            let decoded = image::load_from_memory_with_format(&stored, ImageFormat::Png)
                .unwrap()
                .into_rgba8();
            assert_eq!(decoded.dimensions(), (v.width, v.height));
            let left = decoded.get_pixel(2, v.height / 2).0;
            let right = decoded.get_pixel(v.width - 3, v.height / 2).0;
            assert_eq!(
                left[3], 255,
                "{}: the opaque half stays opaque",
                v.file_name
            );
            assert_eq!(
                right[3], 0,
                "{}: the transparent half stays transparent",
                v.file_name
            );
        }
    }

    #[test]
    fn a_small_webp_becomes_one_jpeg_no_wider_than_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let photo = process(&webp(300, 200), dir.path()).unwrap();

        assert_eq!(photo.content_type, "image/jpeg");
        assert_eq!(photo.variants.len(), 1, "{:?}", photo.variants);
        let v = &photo.variants[0];
        assert_eq!((v.width, v.height), (300, 200));
        assert_eq!(files_in(dir.path()), [format!("{}-300.jpg", photo.key)]);
    }

    #[test]
    fn the_location_in_a_phone_photo_never_leaves_the_server() {
        let upload = with_exif(&jpeg(800, 400));
        assert!(contains(&upload, b"Exif\0\0") && contains(&upload, &GPS_LATITUDE));
        let dir = tempfile::tempdir().unwrap();
        let photo = process(&upload, dir.path()).unwrap();

        // The phone was held upright: the EXIF orientation is applied to the pixels.
        assert_eq!((photo.width, photo.height), (400, 800));
        let sizes: Vec<(u32, u32)> = photo.variants.iter().map(|v| (v.width, v.height)).collect();
        assert_eq!(sizes, [(320, 640), (400, 800)]);
        for name in files_in(dir.path()) {
            let stored = std::fs::read(dir.path().join(&name)).unwrap();
            assert!(!contains(&stored, b"Exif"), "{name} carries an EXIF block");
            assert!(
                !contains(&stored, b"MM\x00\x2A"),
                "{name} carries TIFF metadata"
            );
            assert!(
                !contains(&stored, &GPS_LATITUDE),
                "{name} carries the GPS latitude"
            );
            assert!(
                !contains(&stored, &[0xFF, 0xE1]),
                "{name} has an APP1 segment"
            );
        }
    }

    #[test]
    fn a_png_with_a_script_riding_along_is_stored_as_pixels_only() {
        let mut upload = png(64, 64);
        upload.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
        let dir = tempfile::tempdir().unwrap();
        process(&upload, dir.path()).unwrap();
        for name in files_in(dir.path()) {
            let stored = std::fs::read(dir.path().join(&name)).unwrap();
            assert!(!contains(&stored, b"<script"), "{name} kept the script");
        }
    }

    #[test]
    fn html_uploaded_as_a_png_is_refused() {
        assert_refused(
            "HTML named foto.png",
            b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
            NOT_A_PHOTO,
        );
    }

    #[test]
    fn html_behind_a_png_signature_is_refused() {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.extend_from_slice(b"<html><script>alert(1)</script></html>");
        assert_refused("a PNG signature followed by HTML", &bytes, DAMAGED);
    }

    #[test]
    fn an_svg_with_a_script_is_refused() {
        assert_refused(
            "an SVG with a script",
            br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="10" height="10"/></svg>"#,
            NOT_A_PHOTO,
        );
    }

    #[test]
    fn html_named_as_a_jpeg_is_refused() {
        // process() is never told the name: "foto.jpg" cannot make HTML a photo.
        assert_refused(
            "HTML named foto.jpg",
            b"<html><img src=x onerror=alert(1)></html>",
            NOT_A_PHOTO,
        );
    }

    #[test]
    fn gif_and_text_are_refused() {
        assert_refused("a GIF", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", NOT_A_PHOTO);
        assert_refused("plain text", b"Club Brugge - Anderlecht 2-1", NOT_A_PHOTO);
    }

    #[test]
    fn a_50000_by_50000_decompression_bomb_is_refused_from_its_header() {
        let bomb = png_claiming(50_000, 50_000);
        assert!(bomb.len() < 100, "the bomb is tiny: {} bytes", bomb.len());
        assert_refused(
            "a 50,000 x 50,000 PNG",
            &bomb,
            "Deze foto is te groot: hoogstens 12.000 pixels breed of hoog.",
        );
    }

    #[test]
    fn a_photo_of_more_than_40_megapixels_is_refused() {
        assert_refused(
            "a 10,000 x 10,000 PNG",
            &png_claiming(10_000, 10_000),
            "Deze foto is te groot: hoogstens 40 megapixels.",
        );
    }

    #[test]
    fn a_truncated_jpeg_is_refused() {
        let whole = jpeg(400, 300);
        assert_refused("a JPEG cut in half", &whole[..whole.len() / 2], DAMAGED);
        assert_refused("a JPEG without its end", &whole[..whole.len() - 2], DAMAGED);
        // The EXIF block holds an end-of-image marker of its own; it must not count.
        let with_exif = with_exif(&whole);
        assert_refused(
            "a phone JPEG cut in half",
            &with_exif[..with_exif.len() / 2],
            DAMAGED,
        );
        assert_refused("only a JPEG's first bytes", &whole[..40], DAMAGED);
    }

    #[test]
    fn a_truncated_png_or_webp_is_refused() {
        let whole = png(300, 200);
        assert_refused("a PNG cut short", &whole[..whole.len() * 3 / 5], DAMAGED);
        let whole = webp(300, 200);
        assert_refused("a WebP cut short", &whole[..whole.len() * 3 / 5], DAMAGED);
    }

    #[test]
    fn an_empty_file_is_refused() {
        assert_refused("an empty file", b"", "Dit bestand is leeg.");
    }

    #[test]
    fn a_file_over_20_mb_is_refused_before_it_is_read() {
        let mut huge = jpeg(64, 64);
        huge.resize(MAX_BYTES + 1, 0);
        assert_refused(
            "a 20 MB + 1 byte JPEG",
            &huge,
            "Dit bestand is te groot: hoogstens 20 MB.",
        );
    }

    #[test]
    fn the_same_photo_uploaded_twice_is_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let upload = jpeg(700, 500);
        let first = process(&upload, dir.path()).unwrap();
        let before: Vec<(String, std::time::SystemTime)> = files_in(dir.path())
            .into_iter()
            .map(|n| {
                let modified = std::fs::metadata(dir.path().join(&n))
                    .unwrap()
                    .modified()
                    .unwrap();
                (n, modified)
            })
            .collect();

        let second = process(&upload, dir.path()).unwrap();

        assert!(!first.already_stored);
        assert!(
            second.already_stored,
            "the second upload should say it was already there"
        );
        assert_eq!(
            ProcessedPhoto {
                already_stored: false,
                ..second
            },
            first
        );
        let after: Vec<(String, std::time::SystemTime)> = files_in(dir.path())
            .into_iter()
            .map(|n| {
                let modified = std::fs::metadata(dir.path().join(&n))
                    .unwrap()
                    .modified()
                    .unwrap();
                (n, modified)
            })
            .collect();
        assert_eq!(after, before, "the second upload wrote something");
    }

    #[test]
    fn a_failure_halfway_removes_every_file_it_wrote() {
        let upload = jpeg(1100, 600);
        let key = process(&upload, tempfile::tempdir().unwrap().path())
            .unwrap()
            .key;
        let dir = tempfile::tempdir().unwrap();
        // The smallest variant, written last, cannot take its place: a directory is in the way.
        let blocker = format!("{key}-320.jpg");
        std::fs::create_dir(dir.path().join(&blocker)).unwrap();

        let e = process(&upload, dir.path()).unwrap_err();

        assert!(!e.is_refusal(), "a full or broken disk is our fault: {e}");
        assert_eq!(
            files_in(dir.path()),
            [blocker],
            "written variants were left behind"
        );
    }

    #[tokio::test]
    async fn a_handler_processes_off_the_async_threads() {
        let dir = tempfile::tempdir().unwrap();
        let photo = process_in_background(jpeg(330, 100).into(), dir.path().to_path_buf())
            .await
            .unwrap();
        assert_eq!(photo.variants.len(), 2);
    }

    #[test]
    fn only_names_this_module_writes_get_a_content_type() {
        assert_eq!(
            content_type_for("0123456789abcdef-640.jpg"),
            Some("image/jpeg")
        );
        assert_eq!(
            content_type_for("0123456789abcdef-1600.png"),
            Some("image/png")
        );
        for name in [
            "0123456789abcdef-640.html",
            "0123456789abcdef-640.svg",
            "0123456789abcdef-640.webp",
            "0123456789abcdef-640.jpg.html",
            "0123456789ABCDEF-640.jpg",
            "0123456789abcdef-0640.jpg",
            "0123456789abcdef-.jpg",
            "0123456789abcde-640.jpg",
            "0123456789abcdef-640",
            ".0123456789abcdef-640.jpg.0011223344556677.tmp",
            "../0123456789abcdef-640.jpg",
            "0123456789abcdef.jpg",
            "foto.jpg",
            "",
        ] {
            assert_eq!(content_type_for(name), None, "{name:?} got a content type");
            assert_eq!(
                srcset_for_master(name, "/media/"),
                None,
                "{name:?} got a srcset"
            );
            assert_eq!(src_for_master(name, "/media/"), None, "{name:?} got a src");
        }
    }

    #[test]
    fn a_credit_is_required_trimmed_and_free_of_hidden_characters() {
        assert_eq!(check_credit("  Photonews  ").unwrap(), "Photonews");
        assert_eq!(check_credit("ZZ").unwrap(), "ZZ");
        assert!(check_credit("").is_err());
        assert!(check_credit("   ").is_err());
        assert!(check_credit("X").is_err());
        assert!(check_credit(&"a".repeat(121)).is_err());
        assert!(
            check_credit(&"é".repeat(120)).is_ok(),
            "counted in characters, not bytes"
        );
        assert!(check_credit("Belga\u{200B}Image").is_err());
        assert!(check_credit("Belga\nImage").is_err());
        assert!(check_credit("Belga\u{202E}egamI").is_err());
        assert_eq!(
            check_credit("").unwrap_err(),
            "Vermeld wie de foto maakte (fotograaf of agentschap)."
        );
    }

    #[test]
    fn a_caption_is_optional_short_and_free_of_hidden_characters() {
        assert_eq!(check_caption("").unwrap(), None);
        assert_eq!(check_caption("  \t ").unwrap(), None);
        assert_eq!(
            check_caption(" Vanaken viert de 1-0. ").unwrap().as_deref(),
            Some("Vanaken viert de 1-0.")
        );
        assert!(check_caption(&"a".repeat(300)).is_ok());
        assert!(check_caption(&"a".repeat(301)).is_err());
        assert!(check_caption("Vanaken\u{FEFF} viert").is_err());
    }
}
