//! Photo files under the media directory: judged by their bytes (never their name), named by
//! their content so the same photo is stored once and can be cached forever.

use std::path::Path;

/// Largest photo file accepted.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// Largest photo in pixels (decompression bombs claim far more).
pub const MAX_PIXELS: u64 = 40_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPhoto {
    /// File name under the media directory.
    pub name: String,
    pub width: u32,
    pub height: u32,
    /// False when the same bytes were already there.
    pub created: bool,
}

/// Checks that `bytes` are a JPEG, PNG or WebP of sane size, and names it.
pub fn inspect(bytes: &[u8]) -> Result<(String, u32, u32), String> {
    if bytes.len() > MAX_BYTES {
        return Err(format!(
            "photo is larger than {} MB",
            MAX_BYTES / 1024 / 1024
        ));
    }
    let ext = match imagesize::image_type(bytes) {
        Ok(imagesize::ImageType::Png) => "png",
        Ok(imagesize::ImageType::Jpeg) => "jpg",
        Ok(imagesize::ImageType::Webp) => "webp",
        _ => return Err("photo is not a JPEG, PNG or WebP image".to_string()),
    };
    let size =
        imagesize::blob_size(bytes).map_err(|_| "photo is damaged: no size found".to_string())?;
    let (width, height) = (
        u32::try_from(size.width).map_err(|_| "photo is too wide".to_string())?,
        u32::try_from(size.height).map_err(|_| "photo is too tall".to_string())?,
    );
    if width == 0 || height == 0 {
        return Err("photo has no pixels".to_string());
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(format!("photo has more than {MAX_PIXELS} pixels"));
    }
    Ok((format!("{:016x}.{ext}", fnv1a(bytes)), width, height))
}

/// Stores the photo in `media_dir` (written whole, then renamed into place).
pub fn store(media_dir: &Path, bytes: &[u8]) -> Result<StoredPhoto, String> {
    let (name, width, height) = inspect(bytes)?;
    let target = media_dir.join(&name);
    if target.exists() {
        return Ok(StoredPhoto {
            name,
            width,
            height,
            created: false,
        });
    }
    std::fs::create_dir_all(media_dir)
        .map_err(|e| format!("cannot create {}: {e}", media_dir.display()))?;
    let partial = media_dir.join(format!(".{name}.partial"));
    std::fs::write(&partial, bytes)
        .map_err(|e| format!("cannot write {}: {e}", partial.display()))?;
    std::fs::rename(&partial, &target)
        .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    Ok(StoredPhoto {
        name,
        width,
        height,
        created: true,
    })
}

/// A stable 64-bit content hash (FNV-1a): the same bytes get the same name in every release.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_pretending_to_be_a_photo_is_refused() {
        assert!(inspect(b"<html><script>alert(1)</script></html>").is_err());
    }

    #[test]
    fn a_real_png_is_named_by_content_with_its_size() {
        let png = crate::demo::photo_png(40, 20, [200, 16, 46], [20, 20, 20]);
        let (name, w, h) = inspect(&png).unwrap();
        assert!(name.ends_with(".png"));
        assert_eq!((w, h), (40, 20));
        assert_eq!(inspect(&png).unwrap().0, name);
    }
}
