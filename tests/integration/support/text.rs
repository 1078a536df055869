//! Small text helpers shared by the tests and the fuzz targets.

/// What every conforming reader of iCalendar TEXT and of XML character data sees of a
/// carriage return: iCalendar has one newline (`\n`), and XML parsers turn CR and CRLF
/// into LF (XML 1.0 §2.11).
pub fn lf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// A TOML basic string holding exactly `text`.
pub fn toml_string(text: &str) -> String {
    // The toml crate's own writer: it escapes whatever TOML needs escaped.
    toml::Value::String(text.to_string()).to_string()
}

/// Whether the loader accepts `c` in text: XML 1.0's characters, less DEL (which RFC 5545
/// TEXT forbids).
pub fn allowed(c: char) -> bool {
    !((c < '\u{20}' && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{7F}' | '\u{FFFE}' | '\u{FFFF}'))
}

/// `text` as a label on one line: line breaks and tabs become spaces (categories are
/// one-line labels, and a line break or tab in one is refused).
pub fn one_line(text: &str) -> String {
    text.replace(['\r', '\n', '\t'], " ")
}
