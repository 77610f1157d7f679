//! Photo uploads end to end: a journalist's photo goes in over HTTP, comes out as clean
//! variants served with immutable caching, and shows up in an article with srcset; hostile
//! uploads are refused with a clear message and leave the media directory as it was.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder, RgbImage, RgbaImage};
use serde_json::Value;
use tribune_core::Photo;
use tribune_core::account::Role;
use tribune_testkit::{Backend, Part, TestApp, Visitor, article, multipart, on_both_backends};
use tribune_web::photos::MAX_BYTES;

const PROBLEM: &str = "application/problem+json";
const NOT_A_PHOTO: &str = "Dit bestand is geen JPEG-, PNG- of WebP-foto.";
const DAMAGED: &str = "Deze foto is beschadigd of onvolledig.";
const TOO_BIG: &str = "Dit bestand is te groot: hoogstens 20 MB.";

// ---------------------------------------------------------------------------------------
// Photos made in the test

/// A photo-like picture with some texture, as a camera JPEG.
fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let p = RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            (x * 255 / width) as u8,
            (y * 255 / height) as u8,
            ((x * 7 + y * 13) % 251) as u8,
        ])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(p.as_raw(), width, height, ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// Latitude 50° 50' 45.12" (Brussels) as three big-endian EXIF rationals.
const GPS_LATITUDE: [u8; 24] = [
    0, 0, 0, 50, 0, 0, 0, 1, 0, 0, 0, 50, 0, 0, 0, 1, 0, 0, 0x11, 0xA0, 0, 0, 0, 100,
];
/// The camera's name in the EXIF block.
const CAMERA: &[u8] = b"TribuneCam X1\0";

/// `jpeg` with a phone's EXIF block (camera model, GPS latitude) right after the
/// start-of-image marker.
fn phone_jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut tiff = b"MM\x00\x2A\x00\x00\x00\x08".to_vec();
    // IFD0 at 8: model (ASCII, 14 bytes at offset 38), GPS IFD pointer (at offset 52).
    tiff.extend_from_slice(&[0, 2]);
    tiff.extend_from_slice(&[0x01, 0x10, 0, 2, 0, 0, 0, 14, 0, 0, 0, 38]);
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 52]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    assert_eq!(tiff.len(), 38);
    tiff.extend_from_slice(CAMERA);
    assert_eq!(tiff.len(), 52);
    // GPS IFD at 52: latitude ref "N", latitude (3 rationals at offset 82).
    tiff.extend_from_slice(&[0, 2]);
    tiff.extend_from_slice(&[0x00, 0x01, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0x00, 0x02, 0, 5, 0, 0, 0, 3, 0, 0, 0, 82]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    assert_eq!(tiff.len(), 82);
    tiff.extend_from_slice(&GPS_LATITUDE);

    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&tiff);
    let whole = jpeg(width, height);
    let mut out = whole[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&whole[2..]);
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

/// A club crest: opaque left half, transparent right half, with a text chunk naming its
/// author right after the header.
fn crest_png(width: u32, height: u32) -> Vec<u8> {
    let p = RgbaImage::from_fn(width, height, |x, y| {
        image::Rgba([
            (x % 256) as u8,
            (y % 256) as u8,
            90,
            if x < width / 2 { 255 } else { 0 },
        ])
    });
    let mut plain = Vec::new();
    PngEncoder::new(&mut plain)
        .write_image(p.as_raw(), width, height, ExtendedColorType::Rgba8)
        .unwrap();
    // Signature (8) + IHDR chunk (25), then our tEXt chunk, then the rest.
    let mut out = plain[..33].to_vec();
    png_chunk(&mut out, b"tEXt", b"Author\0Geheime Ontwerper");
    out.extend_from_slice(&plain[33..]);
    out
}

/// A valid PNG header that claims `width` × `height` pixels, and almost nothing behind it.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9C, 0xED, 0xC1, 0x01, 0x0D, 0x00, 0x00],
    );
    png_chunk(&mut out, b"IEND", &[]);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

// ---------------------------------------------------------------------------------------
// Helpers

/// Every file in the media directory with its bytes (empty when it does not exist yet).
fn media_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, Vec<u8>)> = entries
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            (name, bytes)
        })
        .collect();
    files.sort();
    files
}

fn names(files: &[(String, Vec<u8>)]) -> Vec<&str> {
    files.iter().map(|(n, _)| n.as_str()).collect()
}

/// The editor's form: the file, a credit and a caption, and the session's token.
async fn upload(
    visitor: &Visitor,
    path: &str,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
    credit: &str,
    caption: &str,
) -> reqwest::Response {
    let csrf = visitor.csrf().await;
    visitor
        .post_multipart(
            path,
            &[
                Part::Text("csrf", &csrf),
                Part::File {
                    name: "file",
                    file_name,
                    content_type,
                    bytes,
                },
                Part::Text("credit", credit),
                Part::Text("caption", caption),
            ],
        )
        .await
}

/// A JPEG with a credit, no form token.
fn jpeg_parts(photo: &[u8]) -> Vec<Part<'_>> {
    vec![
        Part::File {
            name: "file",
            file_name: "foto.jpg",
            content_type: "image/jpeg",
            bytes: photo,
        },
        Part::Text("credit", "Belga"),
    ]
}

async fn accepted(response: reqwest::Response, what: &str) -> Value {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, 201, "{what} should be accepted: {body}");
    serde_json::from_str(&body).unwrap()
}

/// The answer is problem+json with `status` and exactly `detail`.
async fn refused(response: reqwest::Response, status: u16, detail: &str, what: &str) {
    assert_eq!(response.status(), status, "{what}");
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        PROBLEM,
        "{what}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status, "{what}");
    assert_eq!(body["detail"], detail, "{what}: the message");
}

/// The variant paths in a srcset with their widths.
fn srcset_entries(srcset: &str) -> Vec<(String, u32)> {
    srcset
        .split(", ")
        .map(|entry| {
            let (url, w) = entry.split_once(' ').unwrap();
            (url.to_string(), w.trim_end_matches('w').parse().unwrap())
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Tests

async fn a_phone_photo_is_stored_as_clean_variants_served_for_ever(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, editor) = app.account(Role::Editor, "Eindredacteur Els").await;
    let upload_bytes = phone_jpeg(1700, 1100);
    assert!(contains(&upload_bytes, &GPS_LATITUDE) && contains(&upload_bytes, CAMERA));

    let photo = accepted(
        upload(
            &editor,
            "/redactie/fotos",
            "IMG_2041.JPG",
            "image/jpeg",
            &upload_bytes,
            "  Photonews  ",
            "Vanaken viert de 1-0.",
        )
        .await,
        "a phone photo",
    )
    .await;

    let master = photo["path"].as_str().unwrap();
    assert!(master.ends_with("-1700.jpg"), "{master}");
    assert_eq!(photo["width"], 1700);
    assert_eq!(photo["height"], 1100);
    assert_eq!(photo["credit"], "Photonews", "the credit is trimmed");
    assert_eq!(photo["caption"], "Vanaken viert de 1-0.");
    assert_eq!(photo["content_type"], "image/jpeg");
    let key = master.trim_end_matches("-1700.jpg");
    assert_eq!(photo["src"], format!("/media/{key}-1024.jpg"));
    let variants = srcset_entries(photo["srcset"].as_str().unwrap());
    let widths: Vec<u32> = variants.iter().map(|(_, w)| *w).collect();
    assert_eq!(widths, [320, 640, 1024, 1600, 1700]);

    let on_disk = media_files(&app.media_dir());
    assert_eq!(on_disk.len(), 5, "five variants: {:?}", names(&on_disk));
    for (url, width) in &variants {
        let r = app.visitor().get(url).await;
        assert_eq!(r.status(), 200, "{url}");
        let h = r.headers().clone();
        assert_eq!(h["content-type"], "image/jpeg", "{url}");
        assert_eq!(
            h["cache-control"], "public, max-age=31536000, immutable",
            "{url}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{url}");
        let bytes = r.bytes().await.unwrap();
        for (what, needle) in [
            ("an EXIF block", &b"Exif"[..]),
            ("the GPS latitude", &GPS_LATITUDE[..]),
            ("the camera's name", &CAMERA[..12]),
            ("an APP1 segment", &[0xFF, 0xE1][..]),
        ] {
            assert!(!contains(&bytes, needle), "{url} carries {what}");
        }
        let decoded = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg)
            .unwrap_or_else(|e| panic!("{url} is no JPEG: {e}"));
        assert_eq!(decoded.width(), *width, "{url}");
        let name = url.trim_start_matches("/media/");
        assert!(
            on_disk.iter().any(|(n, b)| n == name && b[..] == bytes[..]),
            "{url} is the file on disk"
        );
    }

    // The same photo through the API: same files, nothing new written.
    let again = accepted(
        editor
            .post_multipart(
                "/api/v1/photos",
                &[
                    Part::File {
                        name: "file",
                        file_name: "ook.jpg",
                        content_type: "image/jpeg",
                        bytes: &upload_bytes,
                    },
                    Part::Text("credit", "Photonews"),
                ],
            )
            .await,
        "the same photo through the API",
    )
    .await;
    assert_eq!(again["path"], photo["path"]);
    assert_eq!(again["srcset"], photo["srcset"]);
    assert_eq!(again["caption"], Value::Null, "a blank caption is none");
    assert_eq!(media_files(&app.media_dir()), on_disk);
}

async fn a_png_crest_stays_png_without_its_text_chunks(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, journalist) = app.account(Role::Journalist, "Jens De Backer").await;
    let crest = crest_png(700, 350);
    assert!(contains(&crest, b"Geheime Ontwerper"));

    let photo = accepted(
        upload(
            &journalist,
            "/api/v1/photos",
            "schild.png",
            "image/png",
            &crest,
            "Club Brugge",
            "",
        )
        .await,
        "a PNG crest",
    )
    .await;

    assert_eq!(photo["content_type"], "image/png");
    assert_eq!(
        (photo["width"].as_u64(), photo["height"].as_u64()),
        (Some(700), Some(350))
    );
    let variants = srcset_entries(photo["srcset"].as_str().unwrap());
    assert_eq!(
        variants.iter().map(|(_, w)| *w).collect::<Vec<_>>(),
        [320, 640, 700]
    );
    for (url, width) in &variants {
        let r = app.visitor().get(url).await;
        assert_eq!(r.status(), 200, "{url}");
        assert_eq!(r.headers()["content-type"], "image/png", "{url}");
        assert_eq!(
            r.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        let bytes = r.bytes().await.unwrap();
        assert!(!contains(&bytes, b"tEXt"), "{url} kept a text chunk");
        assert!(
            !contains(&bytes, b"Geheime Ontwerper"),
            "{url} kept the author"
        );
        let decoded = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
            .unwrap()
            .into_rgba8();
        assert_eq!(decoded.width(), *width);
        assert_eq!(decoded.get_pixel(2, 10).0[3], 255, "{url}: opaque half");
        assert_eq!(
            decoded.get_pixel(*width - 3, 10).0[3],
            0,
            "{url}: transparent half"
        );
    }
}

async fn hostile_uploads_are_refused_with_a_clear_message_and_leave_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, editor) = app.account(Role::Editor, "Eindredacteur Els").await;
    // Something already in the media directory, which must stay exactly as it is.
    accepted(
        upload(
            &editor,
            "/redactie/fotos",
            "eerder.jpg",
            "image/jpeg",
            &jpeg(400, 300),
            "Belga",
            "",
        )
        .await,
        "an earlier photo",
    )
    .await;
    let before = media_files(&app.media_dir());
    assert_eq!(before.len(), 2, "{:?}", names(&before));

    let whole = jpeg(800, 600);
    let bomb = png_claiming(50_000, 50_000);
    assert!(bomb.len() < 100, "the bomb is tiny: {} bytes", bomb.len());
    let cases: Vec<(&str, &str, Vec<u8>, &str, &str)> = vec![
        (
            "a PNG that is really HTML",
            "foto.png",
            b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
                .to_vec(),
            "Belga",
            NOT_A_PHOTO,
        ),
        (
            "an SVG with a script",
            "logo.svg",
            br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="10" height="10"/></svg>"#
                .to_vec(),
            "Belga",
            NOT_A_PHOTO,
        ),
        (
            "a 50,000 x 50,000 pixel PNG",
            "bom.png",
            bomb,
            "Belga",
            "Deze foto is te groot: hoogstens 12.000 pixels breed of hoog.",
        ),
        (
            "a 10,000 x 10,000 pixel PNG",
            "groot.png",
            png_claiming(10_000, 10_000),
            "Belga",
            "Deze foto is te groot: hoogstens 40 megapixels.",
        ),
        (
            "a truncated JPEG",
            "half.jpg",
            whole[..whole.len() / 2].to_vec(),
            "Belga",
            DAMAGED,
        ),
        (
            "an empty file",
            "leeg.jpg",
            Vec::new(),
            "Belga",
            "Dit bestand is leeg.",
        ),
        (
            "a good photo without a credit",
            "goed.jpg",
            whole.clone(),
            "   ",
            "Vermeld wie de foto maakte (fotograaf of agentschap).",
        ),
        (
            "a good photo with a credit of one letter",
            "goed.jpg",
            whole.clone(),
            "B",
            "De fotocredit moet tussen 2 en 120 tekens lang zijn.",
        ),
    ];
    for (what, file_name, bytes, credit, message) in &cases {
        for path in ["/redactie/fotos", "/api/v1/photos"] {
            let r = upload(&editor, path, file_name, "image/png", bytes, credit, "").await;
            refused(r, 400, message, &format!("{what} on {path}")).await;
            assert_eq!(
                media_files(&app.media_dir()),
                before,
                "{what} on {path} changed the media directory"
            );
        }
    }

    // A form without any file says what is missing.
    let csrf = editor.csrf().await;
    let r = editor
        .post_multipart(
            "/redactie/fotos",
            &[Part::Text("csrf", &csrf), Part::Text("credit", "Belga")],
        )
        .await;
    refused(
        r,
        400,
        "Kies een foto (JPEG, PNG of WebP) om op te laden.",
        "no file",
    )
    .await;

    // Without asking for JSON, the editor's route answers with a page that says the same.
    let (content_type, body) = multipart(&[
        Part::Text("csrf", &csrf),
        Part::File {
            name: "file",
            file_name: "foto.png",
            content_type: "image/png",
            bytes: b"<html><script>alert(1)</script></html>",
        },
        Part::Text("credit", "Belga"),
    ]);
    let r = editor
        .send(
            editor
                .request(reqwest::Method::POST, "/redactie/fotos")
                .header("origin", app.base.as_str())
                .header("content-type", content_type)
                .body(body),
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(r.text().await.unwrap().contains(NOT_A_PHOTO));
    assert_eq!(media_files(&app.media_dir()), before);
}

async fn only_journalists_editors_and_admins_may_upload(backend: Backend) {
    let app = TestApp::start(backend).await;
    let photo = jpeg(400, 300);
    let parts = jpeg_parts(&photo);

    // Anonymous: the editor's script hears 401, a plain form goes to the login page, the
    // API answers 401.
    let anonymous = app.visitor();
    let r = anonymous.post_multipart("/redactie/fotos", &parts).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["content-type"], PROBLEM);
    let (content_type, body) = multipart(&parts);
    let r = anonymous
        .send(
            anonymous
                .request(reqwest::Method::POST, "/redactie/fotos")
                .header("origin", app.base.as_str())
                .header("content-type", content_type)
                .body(body),
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/inloggen"),
        "to the login page"
    );
    let r = anonymous.post_multipart("/api/v1/photos", &parts).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["content-type"], PROBLEM);

    // Readers and moderators write no articles.
    for role in [Role::Reader, Role::Moderator] {
        let (_, v) = app.account(role, "Trouwe Lezer").await;
        for path in ["/redactie/fotos", "/api/v1/photos"] {
            let r = upload(&v, path, "foto.jpg", "image/jpeg", &photo, "Belga", "").await;
            refused(
                r,
                403,
                "Dit mag je account niet doen: daarvoor is een andere rol nodig.",
                &format!("{role:?} on {path}"),
            )
            .await;
        }
    }

    // The editor's route wants the session's form token, and only that one.
    let (_, journalist) = app.account(Role::Journalist, "Jens De Backer").await;
    let expired = "Dit formulier is verlopen. Laad de pagina opnieuw en probeer het nog eens.";
    let r = journalist.post_multipart("/redactie/fotos", &parts).await;
    refused(r, 403, expired, "no form token").await;
    let mut with_wrong_token = vec![Part::Text("csrf", "0123456789abcdef0123456789abcdef")];
    with_wrong_token.extend(jpeg_parts(&photo));
    let r = journalist
        .post_multipart("/redactie/fotos", &with_wrong_token)
        .await;
    refused(r, 403, expired, "another session's form token").await;
    assert_eq!(
        media_files(&app.media_dir()),
        Vec::new(),
        "nothing was stored for anyone refused"
    );

    // The same journalist with the right token, and an admin: accepted.
    accepted(
        upload(
            &journalist,
            "/redactie/fotos",
            "foto.jpg",
            "image/jpeg",
            &photo,
            "Belga",
            "",
        )
        .await,
        "a journalist",
    )
    .await;
    let (_, admin) = app.account(Role::Admin, "Beheerder").await;
    accepted(
        upload(
            &admin,
            "/api/v1/photos",
            "foto.jpg",
            "image/jpeg",
            &photo,
            "Belga",
            "",
        )
        .await,
        "an admin",
    )
    .await;
}

async fn an_oversize_upload_gets_413(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, editor) = app.account(Role::Editor, "Eindredacteur Els").await;

    // One byte over the limit, in a body the route still reads to the end.
    let mut huge = jpeg(64, 64);
    huge.resize(MAX_BYTES + 1, 0);
    for path in ["/redactie/fotos", "/api/v1/photos"] {
        let r = upload(&editor, path, "groot.jpg", "image/jpeg", &huge, "Belga", "").await;
        refused(r, 413, TOO_BIG, &format!("20 MB + 1 byte on {path}")).await;
    }

    // A body far over the limit is refused from its announced length, before a byte of it
    // is sent (so the answer is not lost to a reset connection while the body is on its way).
    let answer = announce_only(&app, &editor, "/api/v1/photos", MAX_BYTES + 2 * 1024 * 1024).await;
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("content-type: application/problem+json"),
        "{answer}"
    );
    assert!(answer.contains(TOO_BIG), "{answer}");
    assert_eq!(media_files(&app.media_dir()), Vec::new());
}

/// Sends only the head of a multipart POST that announces `length` bytes, and reads the
/// answer the server gives without waiting for the body.
async fn announce_only(app: &TestApp, visitor: &Visitor, path: &str, length: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let host = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: {}\r\nCookie: {}\r\n\
         Accept: application/json\r\n\
         Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: {length}\r\n\r\n",
        app.base,
        visitor.cookie_header().unwrap(),
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // Read the whole answer (head and its Content-Length of body), not to the end of the
    // connection: the server may keep it open for the body it never asked for.
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&answer).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if body.len() >= length {
                return text;
            }
        }
        let n = stream.read(&mut buf).await.unwrap();
        assert!(
            n > 0,
            "the connection closed before the whole answer: {text}"
        );
        answer.extend_from_slice(&buf[..n]);
    }
}

async fn an_article_with_an_uploaded_photo_offers_every_variant(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, editor) = app.account(Role::Editor, "Eindredacteur Els").await;
    let photo = accepted(
        upload(
            &editor,
            "/redactie/fotos",
            "IMG_2041.JPG",
            "image/jpeg",
            &phone_jpeg(1700, 1100),
            "Photonews",
            "Vanaken viert de 1-0.",
        )
        .await,
        "a phone photo",
    )
    .await;

    // What the editor's form keeps of the answer, saved with the article.
    let mut a = article("Vanaken beslist de topper", 5);
    a.photo = Some(Photo {
        path: photo["path"].as_str().unwrap().to_string(),
        credit: photo["credit"].as_str().unwrap().to_string(),
        caption: photo["caption"].as_str().map(str::to_string),
        width: u32::try_from(photo["width"].as_u64().unwrap()).unwrap(),
        height: u32::try_from(photo["height"].as_u64().unwrap()).unwrap(),
    });
    let saved = app.save(&a).await;

    let html = app
        .page(&format!("/nieuws/{}-vanaken-beslist-de-topper", saved.id))
        .await;
    let srcset = photo["srcset"].as_str().unwrap();
    assert!(
        html.contains(&format!(
            r#"<img src="{}" width="1700" height="1100" alt="Vanaken viert de 1-0." srcset="{srcset}" sizes=""#,
            photo["src"].as_str().unwrap()
        )),
        "the lead photo offers every variant: {html}"
    );
    assert!(html.contains("Foto: © Photonews"), "the credit");
    // Every address in the page's srcset is served.
    for (url, _) in srcset_entries(srcset) {
        assert_eq!(app.visitor().get(&url).await.status(), 200, "{url}");
    }
}

async fn the_media_route_never_serves_what_a_browser_would_run(backend: Backend) {
    let app = TestApp::start(backend).await;
    let dir = app.media_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let script = b"<html><script>alert(document.cookie)</script></html>";
    std::fs::write(
        dir.join("evil.svg"),
        br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
    )
    .unwrap();
    std::fs::write(dir.join("evil.html"), script).unwrap();
    std::fs::write(dir.join("evil.png.html"), script).unwrap();
    std::fs::write(
        dir.join(".0123456789abcdef-640.jpg.0011223344556677.tmp"),
        script,
    )
    .unwrap();
    std::fs::write(dir.join("disguised.png"), script).unwrap();
    std::fs::create_dir(dir.join("0123456789abcdef-640.jpg")).unwrap();

    for path in [
        "/media/evil.svg",
        "/media/evil.html",
        "/media/evil.png.html",
        "/media/.0123456789abcdef-640.jpg.0011223344556677.tmp",
        "/media/0123456789abcdef-640.jpg",
        "/media/0123456789abcdef-320.jpg",
    ] {
        let r = app.visitor().get(path).await;
        assert_eq!(r.status(), 404, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}: our own error page"
        );
    }
    // HTML put there under a photo's name is only ever an image that does not decode.
    let r = app.visitor().get("/media/disguised.png").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
}

on_both_backends!(
    a_phone_photo_is_stored_as_clean_variants_served_for_ever,
    a_png_crest_stays_png_without_its_text_chunks,
    hostile_uploads_are_refused_with_a_clear_message_and_leave_nothing,
    only_journalists_editors_and_admins_may_upload,
    an_oversize_upload_gets_413,
    an_article_with_an_uploaded_photo_offers_every_variant,
    the_media_route_never_serves_what_a_browser_would_run,
);
