//! What the fuzz targets check, shared by them (and mirrored by the regression tests in
//! tests/hostile.rs, which replay the inputs saved under tests/fuzz-regressions/).

use calfeed::export;
use calfeed::export::ical_text::{escape_text, param_value, refold, unfold as calfeed_unfold};
use calfeed::load::{LoadOptions, parse_publication};
use calfeed::load::Format;
use chrono::DateTime;
use icalendar::parser::{Component, read_components, unfold};

/// Loads `data` as a publication in `format`; it must never panic. A valid publication must
/// render, every calendar must parse with folded lines of at most 75 octets, every XML file
/// must be well-formed and the JSON Feed valid JSON; every problem must render as a message.
pub fn load(data: &[u8], format: Format) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // CALFEED_FUZZ_VALID_JSON_ONLY=1 skips what serde_json refuses, to fuzz past the
    // JSON locator's runaway on a `}` inside an array (tests/hostile.rs, STILL_FAILING).
    if format == Format::Json
        && std::env::var_os("CALFEED_FUZZ_VALID_JSON_ONLY").is_some()
        && serde_json::from_str::<serde_json::Value>(text).is_err()
    {
        return;
    }
    let options = LoadOptions::at(DateTime::UNIX_EPOCH);
    match parse_publication("fuzz", "feeds/fuzz", text, format, &options) {
        Ok(publication) => {
            for output in export::render_all(&[publication]) {
                let path = output.path.to_string_lossy().into_owned();
                let contents = String::from_utf8(output.contents).expect("outputs are UTF-8");
                if path.ends_with(".ics") {
                    parse_calendar(&contents, |_| ());
                } else if path.ends_with(".xml") || path.ends_with(".atom") {
                    well_formed(&contents);
                } else if path.ends_with(".json") {
                    serde_json::from_str::<serde_json::Value>(&contents).expect("valid JSON");
                }
            }
        }
        Err(problems) => {
            assert!(!problems.is_empty());
            for problem in problems {
                let shown = problem.to_string();
                assert!(shown.starts_with("error: "), "{shown}");
            }
        }
    }
}

fn well_formed(xml: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut depth = 0usize;
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(_) => depth += 1,
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "unclosed elements");
}

/// Checks the physical lines and parses the calendar with the `icalendar` crate (one root,
/// every content line a BEGIN, END or property); then `check` looks at the root.
pub fn parse_calendar<R>(ics: &str, check: impl FnOnce(&Component<'_>) -> R) -> R {
    assert!(ics.ends_with("\r\n"), "does not end in CRLF");
    for line in ics[..ics.len() - 2].split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        assert!(!line.contains(['\r', '\n']), "bare CR or LF: {line:?}");
    }
    let unfolded = unfold(ics);
    let mut roots = read_components(&unfolded).expect("the icalendar crate parses it");
    assert_eq!(roots.len(), 1, "one root component");
    let root = roots.remove(0);
    fn lines(c: &Component<'_>) -> usize {
        2 + c.properties.len() + c.components.iter().map(lines).sum::<usize>()
    }
    let content_lines = unfolded.split("\r\n").filter(|l| !l.is_empty()).count();
    assert_eq!(content_lines, lines(&root), "the parser skipped lines");
    check(&root)
}

/// Whether the loader accepts `c` in text: XML 1.0's characters, less DEL (which RFC 5545
/// TEXT forbids).
pub fn allowed(c: char) -> bool {
    !((c < '\u{20}' && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{7F}' | '\u{FFFE}' | '\u{FFFF}'))
}

fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7F}' => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn lf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// RFC 5545 TEXT unescaping that refuses escapes the RFC does not define.
fn unescape_text(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some(';') => out.push(';'),
            Some(',') => out.push(','),
            Some('n' | 'N') => out.push('\n'),
            other => panic!("invalid TEXT escape \\{other:?} in {raw:?}"),
        }
    }
    out
}

fn value<'a>(component: &'a Component<'_>, name: &str) -> &'a str {
    let found: Vec<_> = component
        .properties
        .iter()
        .filter(|p| p.name == name)
        .collect();
    assert_eq!(found.len(), 1, "{name}");
    found[0].val.as_str()
}

/// `text` (its XML-forbidden characters dropped) as the channel's title and description
/// and an event's title, description, location and category, through calfeed's calendar
/// writer and back through the `icalendar` crate's parser: every value comes back exactly
/// (carriage returns as line feeds). Then the text helpers alone: TEXT escaping and
/// folding, and RFC 6868 parameter values.
pub fn round_trip(text: &str) {
    let text: String = text.chars().filter(|&c| allowed(c)).collect();
    if text.trim().is_empty() {
        return;
    }
    let toml = format!(
        "[channel]\ntitle = {t}\ndescription = {t}\nlink = \"https://example.org/\"\n\
         language = \"en\"\ntimezone = \"Europe/Berlin\"\n\n[[events]]\nid = \"e\"\ntitle = {t}\n\
         start = \"2024-07-04T19:00\"\ndescription = {t}\nlocation = {t}\ncategories = [{c}]\n",
        t = toml_string(&text),
        // Categories are one-line labels: line breaks and tabs in them are refused.
        c = toml_string(&text.replace(['\r', '\n', '\t'], " "))
    );
    let options = LoadOptions::at(DateTime::UNIX_EPOCH);
    let publication =
        match parse_publication("fuzz", "feeds/fuzz.toml", &toml, Format::Toml, &options) {
            Ok(publication) => publication,
            Err(problems) => panic!("valid text refused: {}", problems[0]),
        };
    let outputs = export::render(&publication);
    let ics = outputs
        .iter()
        .find(|o| o.path == std::path::Path::new("fuzz.ics"))
        .map(|o| String::from_utf8(o.contents.clone()).expect("UTF-8"))
        .expect("the calendar");
    let expected = lf(&text);
    let category = text.replace(['\r', '\n', '\t'], " ");
    parse_calendar(&ics, |calendar| {
        calendar_round_trip(calendar, &text, &expected, &category)
    });

    // The helpers alone, on any text.
    let line = format!("X-TEST:{}", escape_text(&text));
    let folded = refold(&line);
    for physical in folded.split_terminator("\r\n") {
        assert!(physical.len() <= 75, "{} octets", physical.len());
    }
    assert_eq!(calfeed_unfold(&folded), vec![line.clone()]);
    assert_eq!(unfold(&folded).trim_end_matches("\r\n"), line);
    let encoded = param_value(&text);
    let (quoted, inner) = match encoded.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
        Some(inner) if encoded.len() >= 2 => (true, inner),
        _ => (false, encoded.as_str()),
    };
    assert!(!inner.contains(['"', '\r', '\n']), "{encoded:?}");
    if !quoted {
        assert!(!inner.contains([':', ';', ',']), "unquoted {encoded:?}");
    }
    assert_eq!(decode_param(inner), expected, "parameter value {encoded:?}");
}

fn calendar_round_trip(calendar: &Component<'_>, text: &str, expected: &str, category: &str) {
    assert_eq!(unescape_text(value(calendar, "NAME")), expected, "NAME");
    assert_eq!(value(calendar, "X-WR-CALNAME"), expected, "X-WR-CALNAME");
    assert_eq!(
        value(calendar, "DESCRIPTION"),
        expected,
        "calendar DESCRIPTION"
    );
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .collect();
    assert_eq!(events.len(), 1, "one VEVENT");
    let event = events[0];
    assert_eq!(value(event, "SUMMARY"), expected, "SUMMARY");
    assert_eq!(value(event, "LOCATION"), expected, "LOCATION");
    let description = value(event, "DESCRIPTION");
    let prefix = format!("{}\n\n", lf(text.trim_end()));
    assert!(
        description.starts_with(&prefix),
        "DESCRIPTION {description:?}"
    );
    // CATEGORIES: the crate leaves text lists as written; one item, unescaped here.
    let raw = value(event, "CATEGORIES");
    let mut escaped = false;
    for c in raw.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ',' => panic!("CATEGORIES split into several items: {raw:?}"),
            _ => {}
        }
    }
    assert_eq!(unescape_text(raw), category, "CATEGORIES");
}

/// RFC 6868 decoding (`^^`, `^'`, `^n`).
fn decode_param(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '^' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('^') => out.push('^'),
            Some('\'') => out.push('"'),
            Some('n') => out.push('\n'),
            Some(other) => {
                out.push('^');
                out.push(other);
            }
            None => out.push('^'),
        }
    }
    out
}
