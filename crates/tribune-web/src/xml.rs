//! A small XML writer for feeds and sitemaps. Element names are ours (static); every text and
//! attribute value goes through [`escape_into`], so nothing an editor typed can change the
//! shape of the document, and characters XML 1.0 cannot carry are dropped.

pub struct Xml {
    out: String,
    open: Vec<&'static str>,
}

impl Default for Xml {
    fn default() -> Self {
        Self::new()
    }
}

impl Xml {
    pub fn new() -> Self {
        Self {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            open: Vec::new(),
        }
    }

    fn start_tag(&mut self, name: &'static str, attrs: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attrs {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value, true);
            self.out.push('"');
        }
    }

    /// `<name attrs>`; closed by [`Xml::close`].
    pub fn open(&mut self, name: &'static str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.out.push_str(">\n");
        self.open.push(name);
        self
    }

    /// Closes the innermost open element.
    pub fn close(&mut self) -> &mut Self {
        if let Some(name) = self.open.pop() {
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push_str(">\n");
        }
        self
    }

    /// `<name attrs>text</name>`.
    pub fn text(&mut self, name: &'static str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        self.start_tag(name, attrs);
        self.out.push('>');
        escape_into(&mut self.out, text, false);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
        self
    }

    /// `<name attrs>text</name>` for an element that readers take as HTML (RSS `<title>` and
    /// `<description>`): plain text is escaped for HTML first, then for XML, so a reader
    /// shows `<svg>` typed in a lead as those characters, never as markup.
    pub fn plain_as_html(
        &mut self,
        name: &'static str,
        attrs: &[(&str, &str)],
        text: &str,
    ) -> &mut Self {
        let mut html = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '&' => html.push_str("&amp;"),
                '<' => html.push_str("&lt;"),
                '>' => html.push_str("&gt;"),
                c => html.push(c),
            }
        }
        self.text(name, attrs, &html)
    }

    /// `<name attrs/>`.
    pub fn empty(&mut self, name: &'static str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.out.push_str("/>\n");
        self
    }

    /// The document, with anything still open closed.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
    }
}

/// Whether XML 1.0 allows the character at all (even escaped, most control characters are
/// not allowed).
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// Appends `text` escaped for XML content, or for a double-quoted attribute value (where line
/// breaks and tabs are kept as character references, or a parser would fold them to spaces).
pub fn escape_into(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            c if allowed(c) => out.push(c),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_cannot_change_the_document() {
        let mut x = Xml::new();
        x.open("feed", &[("title", "a\"b<c>&d\ne")]);
        x.text("title", &[], "</title><evil/> & \u{1}bel\u{FFFF}");
        x.empty("link", &[("href", "https://x.be/?a=1&b=2")]);
        let doc = x.finish();
        assert!(doc.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
        assert!(doc.contains(r#"<feed title="a&quot;b&lt;c&gt;&amp;d&#10;e">"#));
        assert!(doc.contains("<title>&lt;/title&gt;&lt;evil/&gt; &amp; bel</title>"));
        assert!(doc.contains(r#"<link href="https://x.be/?a=1&amp;b=2"/>"#));
        assert!(doc.ends_with("</feed>\n"));
    }

    #[test]
    fn plain_text_for_html_readers_is_escaped_twice() {
        let mut x = Xml::new();
        x.plain_as_html("description", &[], "<svg onload=alert(1)> & \"'");
        let doc = x.finish();
        assert!(
            doc.contains(
                "<description>&amp;lt;svg onload=alert(1)&amp;gt; &amp;amp; \"'</description>"
            ),
            "{doc}"
        );
    }
}
