//! Characters: those XML 1.0 forbids (and DEL) are refused in every spelling and every
//! text field, those it allows are accepted, and a JSON lone surrogate is refused.

use crate::support::Test;
use crate::support::api::{self, Format, parse_publication};
use crate::support::fixtures::{Field, fixture, problems};
use crate::support::text::one_line;

/// The characters XML 1.0 forbids (C0 controls but tab, LF and CR; U+FFFE and U+FFFF), and
/// DEL, which RFC 5545 TEXT forbids.
fn forbidden_characters() -> impl Iterator<Item = char> {
    (0u32..0x20)
        .filter(|c| !matches!(c, 0x09 | 0x0A | 0x0D))
        .chain([0x7F, 0xFFFE, 0xFFFF])
        .map(|c| char::from_u32(c).expect("a character"))
}

#[test]
fn every_forbidden_character_is_rejected_in_toml_escapes() {
    for c in forbidden_characters() {
        // toml_string writes the C0 controls as \u00XX escapes; U+FFFE/FFFF go in raw.
        let text = fixture(Field::EventTitle, &format!("before{c}after"));
        let found = problems(&text, Format::Toml);
        assert!(
            found
                .iter()
                .any(|(field, message)| field == "events[0].title"
                    && message.contains(&format!("U+{:04X}", c as u32))),
            "U+{:04X} was not rejected: {found:?}",
            c as u32
        );
    }
}

#[test]
fn every_forbidden_character_is_rejected_in_json_escapes() {
    for c in forbidden_characters() {
        let title = serde_json::to_string(&format!("before{c}after")).expect("JSON string");
        let text = format!(
            r#"{{"channel": {{"title": {title}, "description": "D", "link": "https://example.org/", "language": "en", "timezone": "UTC"}}}}"#
        );
        let found = problems(&text, Format::Json);
        assert!(
            found.iter().any(|(field, message)| field == "channel.title"
                && message.contains(&format!("U+{:04X}", c as u32))),
            "U+{:04X} was not rejected: {found:?}",
            c as u32
        );
    }
}

#[test]
fn a_control_character_is_rejected_in_every_text_field() {
    for field in Field::ALL {
        let found = problems(&fixture(field, "ring the bell\u{7}"), Format::Toml);
        assert_eq!(
            found,
            [(
                field.path().to_string(),
                "contains the control character U+0007".to_string()
            )],
            "{field:?}"
        );
    }
}

#[test]
fn the_binary_rejects_a_control_character_with_exit_1() {
    let run = Test::new()
        .feed("bell.toml", &fixture(Field::EventLocation, "Hall\u{7}"))
        .args(["build"])
        .rejects(
            "events[0].location",
            "contains the control character U+0007",
        )
        .run();
    assert!(!run.path("public").exists());
}

#[test]
fn characters_xml_allows_are_accepted() {
    let allowed = "tab\t lf\n cr\r nel\u{85} c1\u{9F} bom\u{FEFF} replacement\u{FFFD} \
                   astral\u{10000} last\u{10FFFF}";
    for field in Field::ALL {
        // Categories, titles, locations and authors are one line.
        let text = match field {
            Field::EventCategory
            | Field::ArticleCategory
            | Field::ChannelTitle
            | Field::ChannelAuthor
            | Field::EventTitle
            | Field::EventLocation
            | Field::ArticleTitle
            | Field::ArticleAuthor => fixture(field, &one_line(allowed)),
            _ => fixture(field, allowed),
        };
        if let Err(problems) =
            parse_publication("x", "feeds/x.toml", &text, Format::Toml, &api::options())
        {
            panic!("{field:?}: {}", problems[0]);
        }
    }
}

#[test]
fn a_lone_surrogate_in_json_is_rejected_with_exit_1() {
    for escape in [r"\ud800", r"\udc00", r"\ud800x", r"\ud800\u0041"] {
        let text = format!(
            "{{\"channel\": {{\n  \"title\": \"T{escape}\",\n  \"description\": \"D\", \"link\": \"https://example.org/\", \"language\": \"en\", \"timezone\": \"UTC\"}}}}\n"
        );
        let run = Test::new()
            .feed("surrogate.json", &text)
            .args(["build"])
            .any_status()
            .run();
        assert_eq!(run.code, Some(1), "{escape}: {}", run.shown);
        assert!(
            run.stderr.contains(" --> feeds/surrogate.json:2:"),
            "{escape}: not located on line 2\n{}",
            run.shown
        );
        assert!(!run.path("public").exists());
    }
}

/// (Found by this test: the message used to be serde_json's bare `unexpected end of hex
/// escape`, without the field.)
#[test]
fn a_lone_surrogate_in_json_is_explained() {
    let text = "{\"channel\": {\"title\": \"T\\ud800\", \"description\": \"D\", \"link\": \"https://example.org/\", \"language\": \"en\", \"timezone\": \"UTC\"}}";
    Test::new()
        .feed("surrogate.json", text)
        .args(["build"])
        .rejects("channel.title", "surrogate")
        .run();
}
