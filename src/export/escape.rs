//! Escaping text for HTML and XML written by hand (the page, RSS descriptions, Markdown
//! output); the iCalendar escaping is [`super::ical_text`]'s.

/// Escapes text for HTML element content (`&`, `<`, `>`): plain text that readers will
/// take as HTML, such as an RSS description.
pub fn escape_html_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    push_escaped_html(&mut out, text);
    out
}

/// [`escape_html`] appended to `out`: the runs between special characters are copied
/// whole (the page escapes every text it shows, so this is a hot loop).
pub fn push_escaped_html(out: &mut String, text: &str) {
    let mut run = 0;
    for (i, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        // Each special character is ASCII, so `run..i` and `i + 1..` are on char boundaries.
        out.push_str(&text[run..i]);
        out.push_str(entity);
        run = i + 1;
    }
    out.push_str(&text[run..]);
}
