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
    let bytes = text.as_bytes();
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Eight bytes at a time to the next special character (most text has few).
        if let Some(word) = bytes.get(i..i + 8) {
            let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
            match specials(word) {
                0 => {
                    i += 8;
                    continue;
                }
                // The lowest marked byte is the first special one (see `specials`).
                marks => i += marks.trailing_zeros() as usize / 8,
            }
        }
        let entity = match bytes[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => {
                i += 1;
                continue;
            }
        };
        // Each special character is ASCII, so `run..i` and `i + 1..` are on char boundaries.
        out.push_str(&text[run..i]);
        out.push_str(entity);
        i += 1;
        run = i;
    }
    out.push_str(&text[run..]);
}

/// The high bit of each byte of `word` (eight bytes of text, the first lowest) that may be
/// `&`, `<`, `>`, `"` or `'`: none when none is, and the lowest one set marks the first
/// that is. A byte of `x = word ^ c * 0x01..01` is zero where `word` has `c`, and
/// `(x - 0x01..01) & !x` sets the high bit of each zero byte of `x`; a borrow can also
/// set it in bytes above a zero byte, never below one.
fn specials(word: u64) -> u64 {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let zeros = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let of = |c: u8| zeros(word ^ (ONES * u64::from(c)));
    of(b'&') | of(b'<') | of(b'>') | of(b'"') | of(b'\'')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The escaping a byte at a time, as it was written before the eight-byte skip.
    fn escaped_slowly(text: &str) -> String {
        text.chars()
            .map(|c| match c {
                '&' => "&amp;".to_string(),
                '<' => "&lt;".to_string(),
                '>' => "&gt;".to_string(),
                '"' => "&quot;".to_string(),
                '\'' => "&#39;".to_string(),
                c => c.to_string(),
            })
            .collect()
    }

    #[test]
    fn every_special_character_at_every_position_is_escaped() {
        // Bytes that are a special character with the high bit set (¦ is C2 A6, § C2 A7, 漢
        // E6 BC A2, ¼ C2 BC, ¾ C2 BE, ¢ C2 A2) must not count.
        let fills = [
            "a", "é", "漢", "🎉", "%", "\u{7f}", "\u{ff}", "¦", "§", "¼", "¾", "¢",
        ];
        for special in ["&", "<", ">", "\"", "'"] {
            for fill in fills {
                for before in 0..20 {
                    for after in [0, 1, 7, 8, 9, 17] {
                        let text =
                            format!("{}{special}{}", fill.repeat(before), fill.repeat(after));
                        assert_eq!(escape_html(&text), escaped_slowly(&text), "{text:?}");
                        let twice = format!("{text}{special}{text}");
                        assert_eq!(escape_html(&twice), escaped_slowly(&twice), "{twice:?}");
                    }
                }
            }
        }
        for fill in fills {
            let text = fill.repeat(33);
            assert_eq!(escape_html(&text), text);
        }
        assert_eq!(escape_html(""), "");
    }
}
