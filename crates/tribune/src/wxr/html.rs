//! WordPress post HTML to Tribune's Markdown. Article bodies are Markdown here (rendered and
//! cleaned when saved), so an imported body is converted rather than kept as HTML: ammonia
//! first keeps only the structure Markdown can say (paragraphs, intertitles, quotes, lists,
//! bold, italic, strike-through, links), then a small walk over its (regular) output writes
//! Markdown. Embeds, images and scripts go; their text, where they have any, stays.

use std::collections::{HashMap, HashSet};

/// One block of the converted body: its Markdown and its plain text (for a lead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub markdown: String,
    pub plain: String,
    /// A plain paragraph, not a heading, quote or list item: may serve as the lead.
    pub paragraph: bool,
    quote: usize,
}

/// The body as blocks, in order.
pub fn to_blocks(html: &str) -> Vec<Block> {
    let cleaned = clean(html);
    let mut w = Writer::default();
    for token in tokens(&cleaned) {
        w.token(token);
    }
    w.flush();
    w.blocks
}

/// Blocks joined into one Markdown text.
pub fn join(blocks: &[Block]) -> String {
    let mut out = String::new();
    let mut previous: Option<&Block> = None;
    for b in blocks {
        if let Some(p) = previous {
            if p.quote > 0 && b.quote > 0 {
                // Still the same quote: a blank quoted line, not the end of it.
                out.push('\n');
                out.push_str(&">".repeat(p.quote.min(b.quote)));
                out.push('\n');
            } else {
                out.push_str("\n\n");
            }
        }
        out.push_str(&b.markdown);
        previous = Some(b);
    }
    out
}

/// Text without any markup (titles, excerpts, comment authors): tags dropped, entities
/// decoded, white space squeezed.
pub fn plain_text(html: &str) -> String {
    let text = ammonia::Builder::empty().clean(html).to_string();
    squeeze(&decode_entities(&text))
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn clean(html: &str) -> String {
    let tags: HashSet<&str> = [
        "p",
        "br",
        "strong",
        "b",
        "em",
        "i",
        "del",
        "s",
        "strike",
        "a",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "ul",
        "ol",
        "li",
        "div",
        "figure",
        "figcaption",
        "pre",
        "table",
        "tr",
        "td",
        "th",
    ]
    .into();
    let mut attributes = HashMap::new();
    attributes.insert("a", ["href"].into_iter().collect::<HashSet<_>>());
    ammonia::Builder::default()
        .tags(tags)
        .generic_attributes(HashSet::new())
        .tag_attributes(attributes)
        .url_schemes(["http", "https", "mailto"].into())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(None)
        .clean(html)
        .to_string()
}

#[derive(Debug, PartialEq, Eq)]
enum Token {
    Open(String, Option<String>),
    Close(String),
    Text(String),
}

/// Ammonia's output is regular: lower-case tags, attribute values in double quotes, text
/// with `&`, `<`, `>` and no-break spaces escaped.
fn tokens(html: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('<') {
            // The end of the tag, minding quoted attribute values.
            let mut quoted = false;
            let mut end = None;
            for (i, c) in after.char_indices() {
                match c {
                    '"' => quoted = !quoted,
                    '>' if !quoted => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let Some(end) = end else { break };
            let inner = &after[..end];
            rest = &after[end + 1..];
            if let Some(name) = inner.strip_prefix('/') {
                out.push(Token::Close(name.trim().to_string()));
            } else {
                let inner = inner.trim_end_matches('/');
                let name: String = inner
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                let href = inner
                    .split_once("href=\"")
                    .and_then(|(_, v)| v.split_once('"'))
                    .map(|(v, _)| decode_entities(v));
                out.push(Token::Open(name, href));
            }
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            out.push(Token::Text(decode_entities(&rest[..end])));
            rest = &rest[end..];
        }
    }
    out
}

/// The entities ammonia writes, and numeric ones.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let decoded = rest[1..].find(';').filter(|n| *n <= 10).and_then(|n| {
            let name = &rest[1..=n];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }?;
            Some((c, n + 2))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Markdown's own characters in text are escaped, so "**" or "<b>" typed by a writer stays
/// text. Line starts are handled when a block is finished.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '~' | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A line that would start a heading, quote, list or rule is made plain text.
fn escape_line_start(line: &str) -> String {
    let trimmed = line.trim_start();
    let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && matches!(trimmed[digits..].chars().next(), Some('.' | ')')) {
        return format!("{}\\{}", &trimmed[..digits], &trimmed[digits..]);
    }
    match trimmed.chars().next() {
        Some('#' | '-' | '+' | '=' | '>') => format!("\\{trimmed}"),
        _ => trimmed.to_string(),
    }
}

#[derive(Debug)]
struct Inline {
    marker: &'static str,
    start: usize,
    href: Option<String>,
}

#[derive(Debug, Default)]
struct Writer {
    blocks: Vec<Block>,
    text: String,
    plain: String,
    inline: Vec<Inline>,
    quote: usize,
    /// (ordered, items so far)
    lists: Vec<(bool, u32)>,
    /// The list marker the next block starts with ("- ", "3. ").
    marker: Option<String>,
    heading: Option<usize>,
    /// Open p, li, headings, captions: white space inside them is a space; outside, blank
    /// lines separate paragraphs as WordPress's own text format has them.
    in_block: usize,
}

impl Writer {
    fn token(&mut self, t: Token) {
        match t {
            Token::Text(s) => self.text(&s),
            Token::Open(name, href) => self.open(&name, href),
            Token::Close(name) => self.close(&name),
        }
    }

    fn open(&mut self, name: &str, href: Option<String>) {
        match name {
            "p" | "figcaption" => {
                self.flush();
                self.in_block += 1;
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.flush();
                let level = name[1..].parse::<usize>().unwrap_or(2).max(2);
                self.heading = Some(level);
                self.in_block += 1;
            }
            "blockquote" => {
                self.flush();
                self.quote += 1;
            }
            "ul" | "ol" => {
                self.flush();
                self.lists.push((name == "ol", 0));
            }
            "li" => {
                self.flush();
                if let Some((ordered, n)) = self.lists.last_mut() {
                    *n += 1;
                    self.marker = Some(if *ordered {
                        format!("{n}. ")
                    } else {
                        "- ".to_string()
                    });
                }
                self.in_block += 1;
            }
            "div" | "figure" | "pre" | "table" | "tr" => self.flush(),
            "td" | "th" => self.push_text(" "),
            "br" if !self.text.trim().is_empty() => {
                self.text.push_str("\\\n");
                self.plain.push(' ');
            }
            "strong" | "b" => self.start_inline("**", None),
            "em" | "i" => self.start_inline("*", None),
            "del" | "s" | "strike" => self.start_inline("~~", None),
            "a" => self.start_inline("", href),
            _ => {}
        }
    }

    fn close(&mut self, name: &str) {
        match name {
            "p" | "figcaption" | "li" => {
                self.flush();
                self.in_block = self.in_block.saturating_sub(1);
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.flush();
                self.heading = None;
                self.in_block = self.in_block.saturating_sub(1);
            }
            "blockquote" => {
                self.flush();
                self.quote = self.quote.saturating_sub(1);
            }
            "ul" | "ol" => {
                self.flush();
                self.lists.pop();
            }
            "div" | "figure" | "pre" | "table" | "tr" => self.flush(),
            "strong" | "b" | "em" | "i" | "del" | "s" | "strike" | "a" => self.end_inline(),
            _ => {}
        }
    }

    fn start_inline(&mut self, marker: &'static str, href: Option<String>) {
        self.inline.push(Inline {
            marker,
            start: self.text.len(),
            href,
        });
    }

    fn end_inline(&mut self) {
        let Some(open) = self.inline.pop() else {
            return;
        };
        let start = open.start.min(self.text.len());
        let inner = self.text.split_off(start);
        let trimmed = inner.trim();
        if trimmed.is_empty() {
            self.text.push_str(&inner);
            return;
        }
        let lead = &inner[..inner.len() - inner.trim_start().len()];
        let tail = &inner[inner.trim_end().len()..];
        self.text.push_str(lead);
        match open.href {
            Some(href) => {
                let href = href.replace('<', "%3C").replace('>', "%3E");
                self.text.push_str(&format!("[{trimmed}](<{href}>)"));
            }
            None => {
                self.text.push_str(open.marker);
                self.text.push_str(trimmed);
                self.text.push_str(open.marker);
            }
        }
        self.text.push_str(tail);
    }

    fn text(&mut self, s: &str) {
        if self.in_block > 0 {
            self.push_text(s);
            return;
        }
        // WordPress's text format: a blank line ends a paragraph, a single newline is a
        // line break.
        let s = s.replace("\r\n", "\n");
        for (i, para) in s.split("\n\n").enumerate() {
            if i > 0 {
                self.flush();
            }
            for (j, line) in para.split('\n').enumerate() {
                if j > 0 && !self.text.trim().is_empty() && !line.trim().is_empty() {
                    self.text.push_str("\\\n");
                    self.plain.push(' ');
                }
                self.push_text(line);
            }
        }
    }

    fn push_text(&mut self, s: &str) {
        let mut squeezed = String::with_capacity(s.len());
        let mut space = self.text.is_empty() || self.text.ends_with([' ', '\n']);
        for c in s.chars() {
            if c.is_whitespace() && c != '\u{a0}' {
                if !space {
                    squeezed.push(' ');
                    space = true;
                }
            } else {
                squeezed.push(c);
                space = false;
            }
        }
        self.text.push_str(&escape(&squeezed));
        self.plain.push_str(&squeezed);
    }

    fn flush(&mut self) {
        // Open inline markup continues in the next block.
        for i in &mut self.inline {
            i.start = 0;
        }
        let text = std::mem::take(&mut self.text);
        let plain = squeeze(&std::mem::take(&mut self.plain));
        let text = text.trim().trim_end_matches("\\\n").trim();
        if text.is_empty() {
            return;
        }
        let indent: usize = self
            .lists
            .iter()
            .rev()
            .skip(1)
            .map(|(ordered, n)| if *ordered { format!("{n}. ").len() } else { 2 })
            .sum();
        let mut prefix = ">".repeat(self.quote);
        if self.quote > 0 {
            prefix.push(' ');
        }
        let first_prefix = match (&self.heading, self.marker.take()) {
            (Some(level), _) => format!("{prefix}{} ", "#".repeat(*level)),
            (None, Some(marker)) => format!("{prefix}{}{marker}", " ".repeat(indent)),
            (None, None) if !self.lists.is_empty() => {
                let (ordered, n) = self.lists.last().copied().unwrap_or((false, 0));
                let width = if ordered { format!("{n}. ").len() } else { 2 };
                format!("{prefix}{}", " ".repeat(indent + width))
            }
            (None, None) => prefix.clone(),
        };
        let rest_prefix = if self.lists.is_empty() {
            prefix.clone()
        } else {
            " ".repeat(first_prefix.len().saturating_sub(prefix.len())) + &prefix
        };
        let markdown = text
            .split('\n')
            .enumerate()
            .map(|(i, line)| {
                let p = if i == 0 { &first_prefix } else { &rest_prefix };
                format!("{p}{}", escape_line_start(line))
            })
            .collect::<Vec<_>>()
            .join("\n");
        self.blocks.push(Block {
            markdown,
            plain,
            paragraph: self.heading.is_none() && self.lists.is_empty() && self.quote == 0,
            quote: self.quote,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(html: &str) -> String {
        join(&to_blocks(html))
    }

    #[test]
    fn wordpress_text_becomes_markdown() {
        let got = md(
            "Eerste alinea met <strong>vet</strong> en <em>schuin</em>.\n\nTweede\nregel.\n\n<h2>Intertitel</h2>\n<blockquote><p>\"Ik blijf\", zegt hij.</p><p>Echt.</p></blockquote><ul><li>een</li><li>twee</li></ul><p>Lees <a href=\"https://voorbeeld.be/x\" onclick=\"kwaad()\">hier</a>.</p>",
        );
        assert_eq!(
            got,
            "Eerste alinea met **vet** en *schuin*.\n\nTweede\\\nregel.\n\n## Intertitel\n\n> \"Ik blijf\", zegt hij.\n>\n> Echt.\n\n- een\n\n- twee\n\nLees [hier](<https://voorbeeld.be/x>)."
        );
    }

    #[test]
    fn hostile_and_markdown_like_text_stays_text() {
        let got = md(
            "<script>alert(1)</script><p># geen kop *geen nadruk* &lt;b&gt;</p><p>1. geen lijst</p><a href=\"javascript:alert(1)\">klik</a><img src=x onerror=alert(1)>",
        );
        assert!(
            !got.contains("script") && !got.contains("javascript") && !got.contains("onerror"),
            "{got}"
        );
        assert!(
            got.contains("\\# geen kop \\*geen nadruk\\* \\<b\\>"),
            "{got}"
        );
        assert!(got.contains("1\\. geen lijst"), "{got}");
        let html = tribune_core::markdown::render(&got);
        assert!(
            html.contains("# geen kop *geen nadruk* &lt;b&gt;"),
            "{html}"
        );
    }

    #[test]
    fn plain_text_decodes_and_squeezes() {
        assert_eq!(
            plain_text("Club &amp; <b>Anderlecht</b>\n  &#8211; Genk"),
            "Club & Anderlecht – Genk"
        );
    }
}
