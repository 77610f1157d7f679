//! Reading a WordPress export (WXR 1.0 to 1.2) into plain structs. The whole file is read and
//! checked before anything is written. Refused: any DOCTYPE (it is where external entities
//! and entity bombs live; WordPress never writes one), entities other than XML's five and
//! character references, XML that is not well-formed, and a file that stops early.

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

/// Largest export read (the whole file is held in memory to be checked first).
pub const MAX_FILE: u64 = 512 * 1024 * 1024;
/// Deepest element nesting accepted (WXR needs five).
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    /// RSS itself (no namespace).
    Rss,
    Wp,
    Excerpt,
    Content,
    Dc,
    Other,
}

#[derive(Debug, Default)]
struct Node {
    ns: Option<Ns>,
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, ns: Ns, name: &str) -> Option<&Node> {
        self.children
            .iter()
            .find(|c| c.ns == Some(ns) && c.name == name)
    }
    fn all<'a>(&'a self, ns: Ns, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children
            .iter()
            .filter(move |c| c.ns == Some(ns) && c.name == name)
    }
    fn text_of(&self, ns: Ns, name: &str) -> String {
        self.child(ns, name)
            .map(|c| c.text.trim().to_string())
            .unwrap_or_default()
    }
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, Default)]
pub struct Export {
    /// "1.0", "1.1" or "1.2".
    pub version: String,
    pub site_title: String,
    /// The old site's address (wp:base_site_url, else the channel link), without a slash at
    /// the end: part of every key, so two sites never share one.
    pub site_url: String,
    pub authors: Vec<WpAuthor>,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Default)]
pub struct WpAuthor {
    pub login: String,
    pub email: String,
    pub display_name: String,
}

#[derive(Debug, Clone, Default)]
pub struct Item {
    pub title: String,
    pub link: String,
    pub guid: String,
    pub creator: String,
    pub content: String,
    pub excerpt: String,
    pub post_id: i64,
    pub post_date: String,
    pub post_date_gmt: String,
    pub pub_date: String,
    pub status: String,
    pub post_type: String,
    /// (domain: category or post_tag, name)
    pub terms: Vec<(String, String)>,
    pub meta: Vec<(String, String)>,
    pub attachment_url: String,
    pub comments: Vec<WpComment>,
}

#[derive(Debug, Clone, Default)]
pub struct WpComment {
    pub id: i64,
    pub author: String,
    pub author_email: String,
    pub author_url: String,
    pub date: String,
    pub date_gmt: String,
    pub content: String,
    /// "1" approved; "0" waiting; "spam", "trash".
    pub approved: String,
    /// "" or "comment" for a reader's comment; "pingback", "trackback" otherwise.
    pub kind: String,
    pub parent: i64,
}

/// Bytes to text: a UTF-8 (with or without BOM) or UTF-16 (with BOM) file, or one declared
/// ISO-8859-1 / Windows-1252 / US-ASCII.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(rest);
    }
    for (bom, big) in [([0xFE, 0xFF], true), ([0xFF, 0xFE], false)] {
        if let Some(rest) = bytes.strip_prefix(&bom) {
            let units = rest.chunks_exact(2).map(|p| {
                if big {
                    u16::from_be_bytes([p[0], p[1]])
                } else {
                    u16::from_le_bytes([p[0], p[1]])
                }
            });
            return char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .map_err(|_| "the file is not valid UTF-16".to_string());
        }
    }
    let head = &bytes[..bytes.len().min(256)];
    let declared = head
        .starts_with(b"<?xml")
        .then(|| {
            let end = head.windows(2).position(|w| w == b"?>")?;
            let decl = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
            let (_, after) = decl.split_once("encoding")?;
            let after = after.trim_start().strip_prefix('=')?.trim_start();
            let quote = after.chars().next()?;
            let value = after[1..].split(quote).next()?;
            Some(value.trim().to_string())
        })
        .flatten();
    match declared.as_deref() {
        None | Some("utf-8" | "utf8") => utf8(bytes),
        Some("iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "us-ascii" | "ascii") => {
            Ok(bytes.iter().map(|b| char::from(*b)).collect())
        }
        Some("windows-1252" | "cp1252") => Ok(bytes.iter().map(|b| cp1252(*b)).collect()),
        Some(other) => Err(format!(
            "the file declares the encoding \"{other}\"; UTF-8, UTF-16, ISO-8859-1 and \
             Windows-1252 are read"
        )),
    }
}

fn utf8(bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        format!(
            "the file is not valid UTF-8 (at byte {}); if it is Latin-1, declare \
             encoding=\"ISO-8859-1\" in its first line",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Windows-1252 differs from Latin-1 in 0x80..0x9F (curly quotes, the euro sign, dashes).
fn cp1252(b: u8) -> char {
    const HIGH: [u16; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
        0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ];
    match b {
        0x80..=0x9F => {
            char::from_u32(u32::from(HIGH[usize::from(b - 0x80)])).unwrap_or(char::from(b))
        }
        _ => char::from(b),
    }
}

fn namespace(uri: &[u8]) -> Result<Ns, String> {
    let uri = String::from_utf8_lossy(uri);
    let bare = uri
        .strip_prefix("http://")
        .or_else(|| uri.strip_prefix("https://"))
        .unwrap_or(&uri);
    if let Some(rest) = bare.strip_prefix("wordpress.org/export/") {
        return match rest {
            "1.0/" | "1.1/" | "1.2/" => Ok(Ns::Wp),
            "1.0/excerpt/" | "1.1/excerpt/" | "1.2/excerpt/" => Ok(Ns::Excerpt),
            _ => Err(format!(
                "WordPress export format {uri} is not known; WXR 1.0 to 1.2 are read"
            )),
        };
    }
    Ok(match bare {
        "purl.org/rss/1.0/modules/content/" => Ns::Content,
        "purl.org/dc/elements/1.1/" => Ns::Dc,
        _ => Ns::Other,
    })
}

fn doctype_refusal(doctype: &str) -> String {
    let upper = doctype.to_ascii_uppercase();
    let why =
        if upper.contains("<!ENTITY") && (upper.contains("SYSTEM") || upper.contains("PUBLIC")) {
            "it defines external entities, which would read other files or addresses"
        } else if upper.contains("<!ENTITY") {
            "it defines entities, which can expand without end (\"billion laughs\")"
        } else if upper.contains('[') {
            "it has an internal subset"
        } else {
            "WordPress exports have none"
        };
    format!("refused: the file has a DOCTYPE declaration ({why}); nothing was imported")
}

/// The text of an `&name;` reference: XML's five and character references only.
fn reference(name: &str) -> Result<char, String> {
    match name {
        "amp" => Ok('&'),
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        _ => Err(format!(
            "refused: the entity &{name}; is not defined (only XML's own entities and \
             character references are read); nothing was imported"
        )),
    }
}

fn tree(text: &str) -> Result<Node, String> {
    let mut reader = NsReader::from_str(text);
    let mut stack: Vec<Node> = vec![Node::default()];
    let at = |r: &NsReader<&[u8]>| -> String {
        let pos = usize::try_from(r.buffer_position())
            .unwrap_or(0)
            .min(text.len());
        let line = text.as_bytes()[..pos]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        format!("line {line}")
    };
    loop {
        let (ns, event) = match reader.read_resolved_event() {
            Ok(read) => read,
            Err(e) => {
                return Err(format!(
                    "not well-formed XML near {}: {e}; nothing was imported",
                    at(&reader)
                ));
            }
        };
        let ns = match ns {
            ResolveResult::Bound(n) => Some(namespace(n.as_ref())?),
            ResolveResult::Unbound => Some(Ns::Rss),
            ResolveResult::Unknown(p) => {
                return Err(format!(
                    "not well-formed XML near {}: the prefix {} is not declared",
                    at(&reader),
                    String::from_utf8_lossy(&p)
                ));
            }
        };
        match event {
            Event::DocType(d) => {
                return Err(doctype_refusal(&String::from_utf8_lossy(&d.into_inner())));
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                if stack.len() > MAX_DEPTH {
                    return Err(format!(
                        "refused: elements nest deeper than {MAX_DEPTH} levels near {}",
                        at(&reader)
                    ));
                }
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let mut attrs = Vec::new();
                for a in e.attributes() {
                    let a = a.map_err(|err| {
                        format!("not well-formed XML near {}: {err}", at(&reader))
                    })?;
                    let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
                    let value = a
                        .unescape_value()
                        .map_err(|err| format!("refused near {}: {err}", at(&reader)))?
                        .into_owned();
                    attrs.push((key, value));
                }
                let node = Node {
                    ns,
                    name,
                    attrs,
                    ..Node::default()
                };
                if matches!(event, Event::Empty(_)) {
                    if let Some(parent) = stack.last_mut() {
                        parent.children.push(node);
                    }
                } else {
                    stack.push(node);
                }
            }
            Event::End(_) => {
                let done = stack.pop().unwrap_or_default();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Err("not well-formed XML: an end tag too many".into()),
                }
            }
            Event::Text(t) => {
                let s = t
                    .xml_content()
                    .map_err(|e| format!("not well-formed XML near {}: {e}", at(&reader)))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&s);
                }
            }
            Event::CData(t) => {
                let s = t
                    .xml_content()
                    .map_err(|e| format!("not well-formed XML near {}: {e}", at(&reader)))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&s);
                }
            }
            Event::GeneralRef(r) => {
                let c = match r
                    .resolve_char_ref()
                    .map_err(|e| format!("not well-formed XML near {}: {e}", at(&reader)))?
                {
                    Some(c) => c,
                    None => reference(&String::from_utf8_lossy(&r.into_inner()))?,
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push(c);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if stack.len() > 1 {
        let open: Vec<&str> = stack[1..].iter().map(|n| n.name.as_str()).collect();
        return Err(format!(
            "the file stops inside <{}>: it is cut off (truncated); nothing was imported",
            open.join("> <")
        ));
    }
    stack.pop().ok_or_else(|| "the file is empty".to_string())
}

/// Reads and checks a whole export.
pub fn export(text: &str) -> Result<Export, String> {
    let document = tree(text)?;
    let rss = document
        .children
        .iter()
        .find(|n| n.ns == Some(Ns::Rss) && n.name == "rss")
        .ok_or("this is not a WordPress export: there is no <rss> element")?;
    let channel = rss
        .child(Ns::Rss, "channel")
        .ok_or("this is not a WordPress export: <rss> has no <channel>")?;
    let version = channel.text_of(Ns::Wp, "wxr_version");
    if version.is_empty() {
        return Err(
            "this is not a WordPress export: <wp:wxr_version> is missing (is it a plain RSS feed?)"
                .into(),
        );
    }
    if !matches!(version.as_str(), "1.0" | "1.1" | "1.2") {
        return Err(format!(
            "WordPress export version {version} is not known; WXR 1.0 to 1.2 are read"
        ));
    }
    let mut site_url = channel.text_of(Ns::Wp, "base_site_url");
    if site_url.is_empty() {
        site_url = channel.text_of(Ns::Rss, "link");
    }
    let site_url = site_url.trim_end_matches('/').to_string();
    if site_url.is_empty() {
        return Err("the export names no site (<wp:base_site_url> and <link> are empty)".into());
    }
    let authors = channel
        .all(Ns::Wp, "author")
        .map(|a| WpAuthor {
            login: a.text_of(Ns::Wp, "author_login"),
            email: a.text_of(Ns::Wp, "author_email"),
            display_name: a.text_of(Ns::Wp, "author_display_name"),
        })
        .collect();
    let mut items = Vec::new();
    for (n, node) in channel.all(Ns::Rss, "item").enumerate() {
        items.push(item(node).map_err(|e| format!("item {} of the file: {e}", n + 1))?);
    }
    Ok(Export {
        version,
        site_title: channel.text_of(Ns::Rss, "title"),
        site_url,
        authors,
        items,
    })
}

fn number(node: &Node, ns: Ns, name: &str) -> Result<i64, String> {
    let text = node.text_of(ns, name);
    if text.is_empty() {
        return Ok(0);
    }
    text.parse()
        .map_err(|_| format!("<{name}> is \"{text}\", not a number"))
}

fn item(node: &Node) -> Result<Item, String> {
    let post_id = number(node, Ns::Wp, "post_id")?;
    if post_id <= 0 {
        return Err("it has no <wp:post_id>".into());
    }
    let terms = node
        .all(Ns::Rss, "category")
        .map(|c| {
            (
                c.attr("domain").unwrap_or("category").to_string(),
                c.text.trim().to_string(),
            )
        })
        .filter(|(_, name)| !name.is_empty())
        .collect();
    let meta = node
        .all(Ns::Wp, "postmeta")
        .map(|m| {
            (
                m.text_of(Ns::Wp, "meta_key"),
                m.text_of(Ns::Wp, "meta_value"),
            )
        })
        .collect();
    let mut comments = Vec::new();
    for c in node.all(Ns::Wp, "comment") {
        let id = number(c, Ns::Wp, "comment_id")?;
        if id <= 0 {
            return Err(format!(
                "post {post_id} has a comment without <wp:comment_id>"
            ));
        }
        comments.push(WpComment {
            id,
            author: c.text_of(Ns::Wp, "comment_author"),
            author_email: c.text_of(Ns::Wp, "comment_author_email"),
            author_url: c.text_of(Ns::Wp, "comment_author_url"),
            date: c.text_of(Ns::Wp, "comment_date"),
            date_gmt: c.text_of(Ns::Wp, "comment_date_gmt"),
            content: c
                .child(Ns::Wp, "comment_content")
                .map(|n| n.text.clone())
                .unwrap_or_default(),
            approved: c.text_of(Ns::Wp, "comment_approved"),
            kind: c.text_of(Ns::Wp, "comment_type"),
            parent: number(c, Ns::Wp, "comment_parent")?,
        });
    }
    Ok(Item {
        title: node.text_of(Ns::Rss, "title"),
        link: node.text_of(Ns::Rss, "link"),
        guid: node.text_of(Ns::Rss, "guid"),
        creator: node.text_of(Ns::Dc, "creator"),
        content: node
            .child(Ns::Content, "encoded")
            .map(|n| n.text.clone())
            .unwrap_or_default(),
        excerpt: node
            .child(Ns::Excerpt, "encoded")
            .map(|n| n.text.clone())
            .unwrap_or_default(),
        post_id,
        post_date: node.text_of(Ns::Wp, "post_date"),
        post_date_gmt: node.text_of(Ns::Wp, "post_date_gmt"),
        pub_date: node.text_of(Ns::Rss, "pubDate"),
        status: node.text_of(Ns::Wp, "status"),
        post_type: node.text_of(Ns::Wp, "post_type"),
        terms,
        meta,
        attachment_url: node.text_of(Ns::Wp, "attachment_url"),
        comments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_read() {
        let text = "<?xml version=\"1.0\"?><rss>Ordóñez €</rss>";
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(decode(&utf16).unwrap(), text);
        let cp1252 = b"<?xml version='1.0' encoding='windows-1252'?><rss>\x80 \x93ja\x94</rss>";
        assert_eq!(
            decode(cp1252).unwrap(),
            "<?xml version='1.0' encoding='windows-1252'?><rss>€ “ja”</rss>"
        );
        let unknown = b"<?xml version=\"1.0\" encoding=\"EBCDIC\"?><rss/>";
        assert!(decode(unknown).unwrap_err().contains("ebcdic"));
    }

    #[test]
    fn an_unknown_export_version_is_refused() {
        let text = "<rss xmlns:wp=\"http://wordpress.org/export/2.0/\"><channel><wp:wxr_version>2.0</wp:wxr_version></channel></rss>";
        assert!(export(text).unwrap_err().contains("not known"));
    }
}
