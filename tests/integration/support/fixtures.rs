//! The publications the tests start from, and the helpers that write and locate them.

use super::api::{self, Format, SPILL_AT, parse_publication};
use super::text::toml_string;

// ---- One small publication ------------------------------------------------------------------

/// `feeds/<file>:<line>:<column>` of `needle` in `text`, where it must occur exactly once;
/// the column counts characters, as the diagnostics do.
pub fn at(file: &str, text: &str, needle: &str) -> String {
    let mut found = text.match_indices(needle);
    let (offset, _) = found
        .next()
        .unwrap_or_else(|| panic!("{needle:?} is not in the fixture:\n{text}"));
    assert!(
        found.next().is_none(),
        "{needle:?} occurs more than once in the fixture:\n{text}"
    );
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    format!("feeds/{file}:{line}:{column}")
}

/// Removes the indentation common to all non-blank lines, and one leading newline, so that
/// fixtures can be written indented inside tests.
pub fn unindent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The `[channel]` table every fixture starts with (a macro, for `concat!`).
macro_rules! channel {
    () => {
        r#"[channel]
title = "Launch calendar"
description = "Product launches."
link = "https://example.org/launch/"
language = "en"
timezone = "Asia/Shanghai"
"#
    };
}

pub const CHANNEL: &str = channel!();

/// The smallest useful publication: one timed event.
pub const MINIMAL: &str = concat!(
    channel!(),
    r#"
[[events]]
id = "launch"
title = "Launch"
start = "2022-07-04T19:00"
duration = "2h"
"#
);

/// [`CHANNEL`] followed by `rest` (unindented).
pub fn publication(rest: &str) -> String {
    format!("{CHANNEL}\n{}", unindent(rest))
}

/// A minimal publication whose one event has `extra` lines (unindented) added.
pub fn with_event(extra: &str) -> String {
    publication(&format!(
        r#"
        [[events]]
        id = "launch"
        title = "Launch"
        {}
        "#,
        unindent(extra).trim_end().replace('\n', "\n        ")
    ))
}

/// [`MINIMAL`] as JSON.
pub const MINIMAL_JSON: &str = r#"{
  "channel": {
    "title": "Launch calendar",
    "description": "Product launches.",
    "link": "https://example.org/launch/",
    "language": "en",
    "timezone": "Asia/Shanghai"
  },
  "events": [
    { "id": "launch", "title": "Launch", "start": "2022-07-04T19:00", "duration": "2h" }
  ]
}
"#;

// ---- Long texts -----------------------------------------------------------------------------

/// A text longer than the 256 bytes from which calfeed keeps texts in a temporary file
/// (`spill::SPILL_AT`), with multi-byte characters, CRLF, backslashes and quotes.
pub fn long_text(label: &str) -> String {
    let line = format!(
        "{label}: ünïcødé 漢字 🎉, a back\\slash; \"quoted\", a comma,\r\nand a new line.\n"
    );
    let text = line.repeat(6);
    assert!(text.len() > SPILL_AT);
    text
}

/// Long Markdown for an article body.
pub fn long_markdown() -> String {
    let text =
        "## Notes 漢字\r\n\r\nSome **bold** ünï 🎉 text and a `C:\\path`.\r\n\r\n- one\n- two\n\n"
            .repeat(6);
    assert!(text.len() > SPILL_AT);
    text
}

/// One publication with long texts (an event's description, a repeating event's and one of
/// its overrides', an article's body) as TOML or as JSON (with a byte-order mark): the same
/// content either way. The launch starts at `start` with sequence `sequence`.
pub fn long_texts(json: bool, start: &str, sequence: u32) -> String {
    let quote = |text: &str| {
        if json {
            serde_json::to_string(text).expect("a JSON string")
        } else {
            toml::Value::String(text.to_string()).to_string()
        }
    };
    let (launch, weekly, late) = (
        quote(&long_text("launch")),
        quote(&long_text("weekly")),
        quote(&long_text("late edition")),
    );
    let markdown = quote(&long_markdown());
    if json {
        format!(
            "\u{feff}{}",
            unindent(&format!(
                r#"
                {{
                  "channel": {{
                    "title": "Launch calendar",
                    "description": "Product launches.",
                    "link": "https://example.org/launch/",
                    "language": "en",
                    "timezone": "Asia/Shanghai"
                  }},
                  "events": [
                    {{ "id": "launch", "title": "Launch", "start": "{start}", "duration": "2h",
                       "sequence": {sequence}, "description": {launch} }},
                    {{ "id": "weekly", "title": "Weekly show", "start": "2024-11-07T19:00",
                       "duration": "1h", "description": {weekly},
                       "repeat": {{ "every": "week", "count": 4 }},
                       "overrides": [
                         {{ "occurrence": "2024-11-14T19:00", "start": "2024-11-14T20:30",
                            "description": {late} }}
                       ] }}
                  ],
                  "articles": [
                    {{ "id": "notes", "title": "Notes", "published": "2022-06-28",
                       "content": {markdown}, "events": ["launch", "weekly"] }}
                  ]
                }}
                "#
            ))
        )
    } else {
        publication(&format!(
            r#"
            [[events]]
            id = "launch"
            title = "Launch"
            start = "{start}"
            duration = "2h"
            sequence = {sequence}
            description = {launch}

            [[events]]
            id = "weekly"
            title = "Weekly show"
            start = "2024-11-07T19:00"
            duration = "1h"
            description = {weekly}
            repeat = {{ every = "week", count = 4 }}

            [[events.overrides]]
            occurrence = "2024-11-14T19:00"
            start = "2024-11-14T20:30"
            description = {late}

            [[articles]]
            id = "notes"
            title = "Notes"
            published = "2022-06-28"
            content = {markdown}
            events = ["launch", "weekly"]
            "#
        ))
    }
}

/// RFC 5545 TEXT escaping of `text`, newlines as `\n`.
pub fn ical_escaped(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

// ---- Every text field -----------------------------------------------------------------------

/// The text fields of a publication, each of which gets its turn at holding hostile text
/// (`injection::NASTY`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    ChannelTitle,
    ChannelDescription,
    ChannelAuthor,
    EventTitle,
    EventDescription,
    EventLocation,
    EventCategory,
    ArticleTitle,
    ArticleSummary,
    ArticleContent,
    ArticleAuthor,
    ArticleCategory,
}

/// A publication with one event and one related article, `field` holding `value` and
/// every other field a plain text.
pub fn fixture(field: Field, value: &str) -> String {
    fixture_with(&[(field, value)])
}

/// A publication with one event and one related article, each listed field holding its
/// value and every other field a plain text. The article has its own author only when that
/// field is listed, so that otherwise the channel's author shows in the feeds.
pub fn fixture_with(values: &[(Field, &str)]) -> String {
    let value = |f: Field| values.iter().find(|(g, _)| *g == f).map(|(_, v)| *v);
    let text = |f: Field, plain: &str| toml_string(value(f).unwrap_or(plain));
    let article_author = match value(Field::ArticleAuthor) {
        Some(author) => format!("author = {}\n", toml_string(author)),
        None => String::new(),
    };
    format!(
        r#"[channel]
title = {channel_title}
description = {channel_description}
link = "https://example.org/cal/"
language = "en"
timezone = "Europe/Berlin"
author = {channel_author}

[[events]]
id = "launch"
title = {event_title}
start = "2024-07-04T19:00"
duration = "2h"
description = {event_description}
location = {event_location}
livestream = "https://example.org/live"
categories = [{event_category}, "Second category"]
reminders = ["10m"]

[[articles]]
id = "news"
title = {article_title}
published = "2024-07-01T10:00"
summary = {article_summary}
content = {article_content}
{article_author}categories = [{article_category}, "Second category"]
events = ["launch"]
"#,
        channel_title = text(Field::ChannelTitle, "Plain channel title"),
        channel_description = text(Field::ChannelDescription, "Plain channel description"),
        channel_author = text(Field::ChannelAuthor, "Plain channel author"),
        event_title = text(Field::EventTitle, "Plain event title"),
        event_description = text(Field::EventDescription, "Plain event description"),
        event_location = text(Field::EventLocation, "Plain location"),
        event_category = text(Field::EventCategory, "Plain category"),
        article_title = text(Field::ArticleTitle, "Plain article title"),
        article_summary = text(Field::ArticleSummary, "Plain summary"),
        article_content = text(Field::ArticleContent, "Plain *content*"),
        article_category = text(Field::ArticleCategory, "Plain category"),
    )
}

impl Field {
    pub const ALL: [Field; 12] = [
        Field::ChannelTitle,
        Field::ChannelDescription,
        Field::ChannelAuthor,
        Field::EventTitle,
        Field::EventDescription,
        Field::EventLocation,
        Field::EventCategory,
        Field::ArticleTitle,
        Field::ArticleSummary,
        Field::ArticleContent,
        Field::ArticleAuthor,
        Field::ArticleCategory,
    ];

    /// The field as errors name it.
    pub fn path(self) -> &'static str {
        match self {
            Field::ChannelTitle => "channel.title",
            Field::ChannelDescription => "channel.description",
            Field::ChannelAuthor => "channel.author",
            Field::EventTitle => "events[0].title",
            Field::EventDescription => "events[0].description",
            Field::EventLocation => "events[0].location",
            Field::EventCategory => "events[0].categories[0]",
            Field::ArticleTitle => "articles[0].title",
            Field::ArticleSummary => "articles[0].summary",
            Field::ArticleContent => "articles[0].content",
            Field::ArticleAuthor => "articles[0].author",
            Field::ArticleCategory => "articles[0].categories[0]",
        }
    }
}

/// A publication of `count` events, `e<first>` on, whose titles carry `version` (and whose
/// `sequence` is the length of `version`, so that a new version with a longer name passes
/// the publish guard).
pub fn many_events(count: usize, first: usize, version: &str) -> String {
    let mut text = String::from(
        "[channel]\ntitle = \"Many\"\ndescription = \"Many events\"\nlink = \"https://example.org/\"\n\
         language = \"en\"\ntimezone = \"Europe/Berlin\"\nupdated = \"2024-01-01T00:00:00Z\"\n",
    );
    for i in first..first + count {
        text.push_str(&format!(
            "\n[[events]]\nid = \"e{i}\"\ntitle = \"Event {i} ({version})\"\n\
             start = \"2024-{:02}-{:02}T{:02}:30\"\nduration = \"1h\"\n\
             description = \"What happens at event {i}, {version}.\"\nsequence = {}\n",
            1 + i % 12,
            1 + i % 28,
            i % 24,
            version.len()
        ));
    }
    text
}

/// The diagnostics of loading `text` (which must fail) as `(field, message)`.
pub fn problems(text: &str, format: Format) -> Vec<(String, String)> {
    let file = match format {
        Format::Toml => "feeds/x.toml",
        Format::Json => "feeds/x.json",
    };
    match parse_publication("x", file, text, format, &api::options()) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(problems) => problems.into_iter().map(|d| (d.field, d.message)).collect(),
    }
}
