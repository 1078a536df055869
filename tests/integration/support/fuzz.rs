//! What the fuzz targets check, shared by them (fuzz/src/lib.rs includes this file) and by
//! the integration tests, which replay the inputs saved under tests/fuzz-regressions/.

use std::path::Path;

use super::api::{self, Format, escape_text, param_value, parse_publication, refold};
use super::ics::{self, Ics};
use super::text::{allowed, lf, one_line, toml_string};
use super::{json, xml};

/// Loads `data` as a publication in `format`; it must never panic. A valid publication must
/// render, every calendar must parse with folded lines of at most 75 octets, every XML file
/// must be well-formed and the JSON Feed valid JSON; every problem must render as a message.
pub fn load(data: &[u8], format: Format) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // CALFEED_FUZZ_VALID_JSON_ONLY=1 skips what serde_json refuses, to fuzz past the
    // JSON locator's runaway on a `}` inside an array (tests/integration/fuzz_replays.rs).
    if format == Format::Json
        && std::env::var_os("CALFEED_FUZZ_VALID_JSON_ONLY").is_some()
        && serde_json::from_str::<serde_json::Value>(text).is_err()
    {
        return;
    }
    match parse_publication("fuzz", "feeds/fuzz", text, format, &api::options()) {
        Ok(publication) => {
            for output in api::render_all(&[publication]) {
                let path = output.path.to_string_lossy().into_owned();
                let contents = String::from_utf8(output.contents).expect("outputs are UTF-8");
                if path.ends_with(".ics") {
                    Ics::parse(&contents);
                } else if path.ends_with(".xml") || path.ends_with(".atom") {
                    xml::parse(&contents);
                } else if path.ends_with(".json") {
                    json::parse(&contents);
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

/// `text` (its XML-forbidden characters dropped) as the channel's title and description
/// and an event's title, description, location and first category, through calfeed's calendar
/// writer and back through the `icalendar` crate's parser: every value comes back exactly
/// (carriage returns as line feeds). Then the text helpers alone: TEXT escaping and
/// folding, and RFC 6868 parameter values.
pub fn round_trip(text: &str) {
    let text: String = text.chars().filter(|&c| allowed(c)).collect();
    if text.trim().is_empty() {
        return;
    }
    // Categories are one-line labels: line breaks and tabs in them are refused; titles and
    // locations are one line too.
    let category = one_line(&text);
    let line = text.replace(['\r', '\n'], " ");
    let toml = format!(
        "[channel]\ntitle = {l}\ndescription = {t}\nlink = \"https://example.org/\"\n\
         language = \"en\"\ntimezone = \"Europe/Berlin\"\n\n[[events]]\nid = \"e\"\ntitle = {l}\n\
         start = \"2024-07-04T19:00\"\ndescription = {t}\nlocation = {l}\n\
         categories = [{c}, \"Second category\"]\n",
        t = toml_string(&text),
        l = toml_string(&line),
        c = toml_string(&category)
    );
    let publication = match parse_publication(
        "fuzz",
        "feeds/fuzz.toml",
        &toml,
        Format::Toml,
        &api::options(),
    ) {
        Ok(publication) => publication,
        Err(problems) => panic!("valid text refused: {}", problems[0]),
    };
    let outputs = api::render(&publication);
    let calendar = outputs
        .iter()
        .find(|o| o.path == Path::new("fuzz.ics"))
        .expect("the calendar");
    let calendar = Ics::parse(std::str::from_utf8(&calendar.contents).expect("UTF-8"));
    let expected = lf(&text);
    assert_eq!(calendar.text("NAME"), line, "NAME");
    assert_eq!(calendar.text("X-WR-CALNAME"), line, "X-WR-CALNAME");
    assert_eq!(
        calendar.text("DESCRIPTION"),
        expected,
        "calendar DESCRIPTION"
    );
    let event = calendar.only("VEVENT");
    assert_eq!(event.text("SUMMARY"), line, "SUMMARY");
    assert_eq!(event.text("LOCATION"), line, "LOCATION");
    let description = event.text("DESCRIPTION");
    let prefix = format!("{}\n\n", lf(text.trim_end()));
    assert!(
        description.starts_with(&prefix),
        "DESCRIPTION {description:?}"
    );
    // CATEGORIES: the text is one item, not split on any comma of it, nor run into the next.
    assert_eq!(
        event.categories(),
        [category, "Second category".to_string()],
        "CATEGORIES"
    );

    // The helpers alone, on any text.
    let line = format!("X-TEST:{}", escape_text(&text));
    let folded = refold(&line);
    for physical in folded.split_terminator("\r\n") {
        assert!(physical.len() <= 75, "{} octets", physical.len());
    }
    assert_eq!(api::unfold(&folded), vec![line.clone()]);
    assert_eq!(ics::unfolded(&folded), vec![line.clone()]);
    let encoded = param_value(&text);
    let (quoted, inner) = match encoded.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
        Some(inner) if encoded.len() >= 2 => (true, inner),
        _ => (false, encoded.as_str()),
    };
    assert!(!inner.contains(['"', '\r', '\n']), "{encoded:?}");
    if !quoted {
        assert!(!inner.contains([':', ';', ',']), "unquoted {encoded:?}");
    }
    assert_eq!(
        ics::decode_param(inner),
        expected,
        "parameter value {encoded:?}"
    );
}
