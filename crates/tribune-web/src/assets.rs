//! Static assets, embedded in the binary and addressed by a fingerprint of their bytes, so
//! they can be cached forever and a new release is fetched at once.

use std::hash::{DefaultHasher, Hasher};
use std::sync::LazyLock;

pub struct Asset {
    pub path: String,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

fn fingerprinted(stem: &str, ext: &str, content_type: &'static str, body: &'static [u8]) -> Asset {
    let mut h = DefaultHasher::new();
    h.write(body);
    Asset {
        path: format!("/assets/{stem}.{:010x}.{ext}", h.finish() & 0xff_ffff_ffff),
        content_type,
        body,
    }
}

pub static STYLESHEET: LazyLock<Asset> = LazyLock::new(|| {
    fingerprinted(
        "site",
        "css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/site.css"),
    )
});

pub static SCRIPT: LazyLock<Asset> = LazyLock::new(|| {
    fingerprinted(
        "site",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/site.js"),
    )
});

pub static DESK_SCRIPT: LazyLock<Asset> = LazyLock::new(|| {
    fingerprinted(
        "desk",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/desk.js"),
    )
});

pub static ICON: LazyLock<Asset> = LazyLock::new(|| {
    fingerprinted(
        "icon",
        "svg",
        "image/svg+xml",
        include_bytes!("../assets/icon.svg"),
    )
});

pub fn find(path: &str) -> Option<&'static Asset> {
    [&*STYLESHEET, &*SCRIPT, &*DESK_SCRIPT, &*ICON]
        .into_iter()
        .find(|a| a.path == path)
}
