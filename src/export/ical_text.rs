//! The parts of RFC 5545 text handling that the `icalendar` crate (0.17) gets wrong or
//! leaves out, done here so that the crate can still be used for building components:
//!
//! * it escapes TEXT only for properties it knows, so RFC 7986 `NAME` and the items of
//!   `CATEGORIES` go out unescaped: [`escape_text`] is applied before handing them over;
//! * it leaves carriage returns in text as they are, which ends the content line early:
//!   [`normalize_newlines`] turns CR and CRLF into LF, which then escapes to `\n`;
//! * it quotes parameter values with `:;,` but neither escapes `"` nor newlines:
//!   [`param_value`] applies RFC 6868 and quotes, and the crate passes a quoted value as is;
//! * its `fold_line` emits a 76-octet line when a content line is exactly 150, 224, ...
//!   octets long: [`refold`] unfolds the crate's output and folds it again at 75 octets.

/// CR and CRLF become LF: RFC 5545 TEXT has only one newline, escaped as `\n`.
pub fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// RFC 5545 §3.3.11 TEXT escaping, for properties the crate does not escape itself.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in normalize_newlines(text).chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A parameter value per RFC 5545 §3.2 and RFC 6868: `^` `"` and newlines are
/// caret-encoded, and the value is quoted (the crate leaves a quoted value alone) unless it
/// is a plain `paramtext`.
pub fn param_value(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len() + 2);
    for c in normalize_newlines(value).chars() {
        match c {
            '^' => encoded.push_str("^^"),
            '"' => encoded.push_str("^'"),
            '\n' => encoded.push_str("^n"),
            c => encoded.push(c),
        }
    }
    if encoded.contains([':', ';', ',']) || encoded.starts_with(' ') || encoded.ends_with(' ') {
        format!("\"{encoded}\"")
    } else {
        encoded
    }
}

/// The longest content line, in octets, without the CRLF (RFC 5545 §3.1).
pub const MAX_LINE_OCTETS: usize = 75;

/// Unfolds `ics` (CRLF followed by a space or tab continues the previous line) and folds
/// every content line again so that no line exceeds 75 octets and no UTF-8 character is
/// split. Lines end in CRLF.
pub fn refold(ics: &str) -> String {
    let mut out = String::with_capacity(ics.len() + ics.len() / 64);
    for line in unfold(ics) {
        fold_into(&mut out, &line);
    }
    out
}

/// The logical content lines of an iCalendar text, continuations joined.
pub fn unfold(ics: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for physical in ics.split("\r\n").flat_map(|l| l.split('\n')) {
        match (physical.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some(last)) => last.push_str(rest),
            _ if physical.is_empty() => {}
            _ => lines.push(physical.to_string()),
        }
    }
    lines
}

/// Appends `line` to `out`, folded at 75 octets, with CRLF line ends.
pub fn fold_into(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = MAX_LINE_OCTETS;
    while rest.len() > limit {
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        // A continuation line starts with the folding space, which counts.
        limit = MAX_LINE_OCTETS - 1;
    }
    out.push_str(rest);
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escaping_covers_every_special_character() {
        assert_eq!(
            escape_text("a\\b;c,d\ne\r\nf\rg:h\"i"),
            "a\\\\b\\;c\\,d\\ne\\nf\\ng:h\"i"
        );
    }

    #[test]
    fn parameter_values_follow_rfc_6868() {
        assert_eq!(param_value("Livestream"), "Livestream");
        assert_eq!(param_value("Watch: live"), "\"Watch: live\"");
        assert_eq!(param_value("say \"hi\""), "say ^'hi^'");
        assert_eq!(param_value("a^b\nc"), "a^^b^nc");
        assert_eq!(param_value("a;b,c"), "\"a;b,c\"");
    }

    #[test]
    fn folded_lines_never_exceed_75_octets() {
        // Every length around the multiples where icalendar 0.17's fold_line overflows,
        // in ASCII and in multi-byte text.
        for fill in ["x", "é", "東", "😀"] {
            for len in 60..400 {
                let line: String = format!("SUMMARY:{}", fill.repeat(len));
                let folded = refold(&format!("{line}\r\n"));
                for physical in folded.split_terminator("\r\n") {
                    assert!(
                        physical.len() <= MAX_LINE_OCTETS,
                        "{} octets for {fill} x {len}",
                        physical.len()
                    );
                }
                assert_eq!(unfold(&folded), vec![line]);
            }
        }
    }

    #[test]
    fn exact_multiples_that_the_crate_overflows_are_folded_correctly() {
        for octets in [150, 224, 298] {
            let line = format!("DESCRIPTION:{}", "a".repeat(octets - "DESCRIPTION:".len()));
            assert_eq!(line.len(), octets);
            let folded = refold(&line);
            assert!(folded.split_terminator("\r\n").all(|l| l.len() <= 75));
        }
    }

    #[test]
    fn unfolding_joins_continuations_only() {
        let text = "A:1\r\n 2\r\n\t3\r\nB:4\r\n";
        assert_eq!(unfold(text), vec!["A:123", "B:4"]);
    }
}
