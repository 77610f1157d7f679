//! Article bodies are Markdown; readers get HTML that is rendered and then cleaned, so hostile
//! input (script, event handlers, javascript: links) never reaches a page.

/// Markdown to safe HTML: comrak escapes raw HTML, ammonia removes anything dangerous that
/// survives (for example `javascript:` links) and marks outbound links noopener.
pub fn render(markdown: &str) -> String {
    let mut options = comrak::Options::default();
    options.extension.strikethrough = true;
    let html = comrak::markdown_to_html(markdown, &options);
    ammonia::Builder::default()
        .rm_tags(&["img", "h1"])
        .clean(&html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn intertitles_and_quotes_render() {
        let html = render("Eerste alinea.\n\n## VIJFTIEN JAAR\n\n> \"Ik blijf\", zegt hij.");
        assert!(html.contains("<h2>VIJFTIEN JAAR</h2>"), "{html}");
        assert!(html.contains("<blockquote>"), "{html}");
    }

    #[test]
    fn hostile_markup_is_removed() {
        let html = render(
            "<script>alert(1)</script>\n\n[klik](javascript:alert(1))\n\n<img src=x onerror=alert(1)>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("<img"), "{html}");
    }
}
