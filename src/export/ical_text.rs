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

use std::io::BufRead;

/// CR and CRLF become LF: RFC 5545 TEXT has only one newline, escaped as `\n`.
pub fn normalize_newlines(text: &str) -> String {
    // Most texts have no CR: one quick search (memchr) rather than two replacing passes.
    if !text.contains('\r') {
        return text.to_string();
    }
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
    for_each_unfolded(ics, |line| fold_into(&mut out, line));
    out
}

/// The logical content lines of an iCalendar text, continuations joined (see [`Unfolded`]).
pub fn unfold(ics: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for_each_unfolded(ics, |line| lines.push(line.to_string()));
    lines
}

/// Calls `each` with every logical content line of `ics`, as [`Unfolded`] reads them
/// (continuations joined, empty lines skipped, CRLF or LF line ends). Unlike [`Unfolded`],
/// it reads a text already in memory and already UTF-8: a line that does not continue is
/// handed over as a slice of `ics`, and one buffer is reused for the lines that do; a
/// renderer calls it for every event of a build.
pub fn for_each_unfolded(ics: &str, mut each: impl FnMut(&str)) {
    let mut physical = ics.split_inclusive('\n').map(without_line_end).peekable();
    let mut joined = String::new();
    while let Some(first) = physical.next() {
        if first.is_empty() {
            continue;
        }
        let mut continued = false;
        // Empty lines are skipped, also between a line and its continuations.
        while let Some(&next) = physical.peek() {
            if let Some(rest) = next.strip_prefix([' ', '\t']) {
                if !continued {
                    joined.clear();
                    joined.push_str(first);
                    continued = true;
                }
                joined.push_str(rest);
            } else if !next.is_empty() {
                break;
            }
            physical.next();
        }
        each(if continued { &joined } else { first });
    }
}

/// A physical line without its line end (LF or CRLF).
fn without_line_end(line: &str) -> &str {
    match line.strip_suffix('\n') {
        Some(line) => line.strip_suffix('\r').unwrap_or(line),
        None => line,
    }
}

/// The logical content lines of an iCalendar text, continuations joined, read one at a
/// time (a large calendar is never held whole). Empty lines are skipped; line ends may be
/// CRLF or LF.
pub struct Unfolded<R: BufRead> {
    physical: R,
    /// The next physical line, read ahead to see whether it continues the current one.
    next: Option<String>,
}

impl<R: BufRead> Unfolded<R> {
    pub fn new(physical: R) -> Self {
        let mut lines = Unfolded {
            physical,
            next: None,
        };
        lines.next = lines.read_physical();
        lines
    }

    /// The next physical line without its line end (LF or CRLF); `None` at the end.
    fn read_physical(&mut self) -> Option<String> {
        let mut bytes = Vec::new();
        match self.physical.read_until(b'\n', &mut bytes) {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        Some(
            String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        )
    }
}

impl<R: BufRead> Iterator for Unfolded<R> {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        // Empty lines are skipped, also between a line and its continuations.
        let mut line = loop {
            let physical = self.next.take()?;
            self.next = self.read_physical();
            if !physical.is_empty() {
                break physical;
            }
        };
        loop {
            match self.next.as_deref() {
                Some("") => {}
                Some(next) if next.starts_with([' ', '\t']) => line.push_str(&next[1..]),
                _ => return Some(line),
            }
            self.next = self.read_physical();
        }
    }
}

/// Undoes RFC 5545 §3.3.11 TEXT escaping ([`escape_text`]): `\n` and `\N` are newlines, any
/// other escaped character is itself.
pub fn unescape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
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

    #[test]
    fn unescaping_undoes_escaping() {
        let text = "a\\b;c,d\r\ne\rf: g";
        assert_eq!(unescape_text(&escape_text(text)), normalize_newlines(text));
        assert_eq!(unescape_text("x\\Ny\\"), "x\ny\\");
    }
}
