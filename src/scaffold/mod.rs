//! Starting points for maintainers: the commented example publication `calfeed init`
//! writes, and the entries `calfeed new` appends (with a fresh, valid id), checked by the
//! loader before anything is written.

use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::load::Format;
use crate::load::{ID_HELP, LoadOptions, check_id, parse_publication};

mod ids;
mod splice;

pub use ids::{fresh_id, id_from_title};
use splice::splice_json;

/// A complete, valid publication with every field explained.
pub const EXAMPLE_PUBLICATION: &str = r#"# A calfeed publication: one file, one calendar and feed. The file name (without .toml)
# is the slug that names the outputs: public/<slug>.ics, .xml, .atom, .json, <slug>/.
# Run `calfeed build` to write public/, `calfeed check` to validate only.

[channel]
title = "My events"
description = "Talks, launches and livestreams, with the news about them."
# Where public/ will be served: links, UIDs and feed ids are made from it.
link = "https://events.example.org/"
language = "en"
# The zone of every time written without an offset (an IANA name, or e.g. GMT+8).
timezone = "Europe/London"
author = "The events team"
# How often calendar apps and feed readers should look for changes.
refresh = "12h"
# The last revision: calendars and feeds take their dates from the data, never the clock.
updated = "2025-01-10T09:00:00Z"

[[events]]
# A stable id: it becomes the event's UID, its file name and its anchor. Never reuse one.
id = "spring-launch"
title = "Spring launch (livestream)"
# Local time in the event's zone; or an instant like 2025-03-20T18:00:00Z; or a date for all day.
start = "2025-03-20T18:00"
timezone = "Europe/London"
duration = "1h30m"
description = "The new season, presented live. Questions from the chat at the end."
location = "Online"
# Put the stream's address here once it is known.
livestream = "https://events.example.org/live"
categories = ["Launch", "Livestream"]
status = "confirmed"        # confirmed | tentative | cancelled
reminders = ["1h", "10m"]
# Raise this whenever the time, title or status changes, so that calendars update.
sequence = 0

[[articles]]
id = "spring-launch-announced"
title = "Our spring launch is on 20 March"
published = "2025-01-10"
summary = "Save the date: the spring launch streams live on 20 March at 18:00 London time."
content = """
The new season is ready. Join the **livestream** on 20 March at 18:00 (London time);
the calendar link below puts it in your calendar at your own local time.
"""
categories = ["Launch"]
# Related events: their time and calendar links are added to the article.
events = ["spring-launch"]
"#;

/// Why `init` wrote nothing.
#[derive(Debug)]
pub enum InitError {
    /// The example is there already: `init` never overwrites.
    Exists(PathBuf),
    Write(PathBuf, io::Error),
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::Exists(path) => {
                write!(
                    f,
                    "{} already exists; init never overwrites",
                    path.display()
                )
            }
            InitError::Write(path, e) => write!(f, "cannot write {}: {e}", path.display()),
        }
    }
}

/// Writes [`EXAMPLE_PUBLICATION`] to `<dir>/feeds/my-events.toml`, never over a file that
/// exists; returns the file written.
pub fn init(dir: &Path) -> Result<PathBuf, InitError> {
    let feeds = dir.join("feeds");
    let target = feeds.join("my-events.toml");
    if target.exists() {
        return Err(InitError::Exists(target));
    }
    let written = fs::create_dir_all(&feeds).and_then(|()| {
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
            .and_then(|mut file| file.write_all(EXAMPLE_PUBLICATION.as_bytes()))
    });
    match written {
        Ok(()) => Ok(target),
        Err(e) => Err(InitError::Write(target, e)),
    }
}

/// Why `new` added nothing.
#[derive(Debug)]
pub enum AddError {
    /// No `<slug>.toml` or `<slug>.json` in the folder.
    NoPublication {
        slug: String,
        dir: PathBuf,
    },
    Read(PathBuf, io::Error),
    /// The entry would make the publication invalid: the loader's messages.
    Invalid(PathBuf, String),
    Write(PathBuf, io::Error),
}

impl fmt::Display for AddError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddError::NoPublication { slug, dir } => write!(
                f,
                "no publication {slug:?} in {} (expected {slug}.toml or {slug}.json)",
                dir.display()
            ),
            AddError::Read(path, e) => write!(f, "cannot read {}: {e}", path.display()),
            AddError::Invalid(path, message) => write!(
                f,
                "the new entry would make {} invalid:\n{message}",
                path.display()
            ),
            AddError::Write(path, e) => write!(f, "cannot write {}: {e}", path.display()),
        }
    }
}

/// Appends `entry` to the publication `slug` in `dir` (see [`append`]), replacing the file
/// atomically; returns the file and the new entry's id.
pub fn add(
    dir: &Path,
    slug: &str,
    kind: EntryKind,
    entry: &NewEntry,
) -> Result<(PathBuf, String), AddError> {
    let Some((path, format)) = [("toml", Format::Toml), ("json", Format::Json)]
        .into_iter()
        .map(|(ext, format)| (dir.join(format!("{slug}.{ext}")), format))
        .find(|(path, _)| path.is_file())
    else {
        return Err(AddError::NoPublication {
            slug: slug.to_string(),
            dir: dir.to_path_buf(),
        });
    };
    let text = fs::read_to_string(&path).map_err(|e| AddError::Read(path.clone(), e))?;
    let (updated, id) = append(&text, format, kind, entry)
        .map_err(|message| AddError::Invalid(path.clone(), message))?;
    crate::publish::replace_file(&path, updated.as_bytes())
        .map_err(|e| AddError::Write(path.clone(), e))?;
    Ok((path, id))
}

/// A new event or article, as `calfeed new` takes it from the command line.
#[derive(Clone, Debug, Default)]
pub struct NewEntry {
    /// The id to give the entry; `None` makes one from the title (see [`fresh_id`]).
    pub id: Option<String>,
    pub title: String,
    /// Events: `start`; articles: `published`.
    pub when: String,
    pub duration: Option<String>,
    pub timezone: Option<String>,
    pub summary: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    Event,
    Article,
}

#[derive(Serialize)]
struct EventFields<'a> {
    id: &'a str,
    title: &'a str,
    start: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    timezone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    sequence: u32,
}

#[derive(Serialize)]
struct ArticleFields<'a> {
    id: &'a str,
    title: &'a str,
    published: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
}

/// The publication text with `entry` appended, and the new entry's id. The result is
/// validated as a whole: an entry that would make the publication invalid is refused
/// with the loader's own messages.
pub fn append(
    text: &str,
    format: Format,
    kind: EntryKind,
    entry: &NewEntry,
) -> Result<(String, String), String> {
    let taken = existing_ids(text, format)?;
    let id = match &entry.id {
        Some(id) => {
            check_id(id)
                .map_err(|why| format!("--id {id:?} is not a valid id: {why}; {ID_HELP}"))?;
            if id.eq_ignore_ascii_case("index") {
                return Err("--id \"index\" would name the publication's own page".into());
            }
            if taken.contains(&id.to_ascii_lowercase()) {
                return Err(format!("--id {id:?} is already used in this publication"));
            }
            id.clone()
        }
        None => fresh_id(&entry.title, kind, &entry.when, &taken),
    };
    let event = EventFields {
        id: &id,
        title: &entry.title,
        start: &entry.when,
        timezone: entry.timezone.as_deref(),
        duration: entry.duration.as_deref(),
        description: entry.summary.as_deref(),
        sequence: 0,
    };
    let article = ArticleFields {
        id: &id,
        title: &entry.title,
        published: &entry.when,
        summary: entry.summary.as_deref(),
    };
    let table = match kind {
        EntryKind::Event => "events",
        EntryKind::Article => "articles",
    };
    let updated = match format {
        Format::Toml => {
            let body = match kind {
                EntryKind::Event => toml::to_string(&event),
                EntryKind::Article => toml::to_string(&article),
            }
            .map_err(|e| e.to_string())?;
            let separator = if text.ends_with('\n') { "\n" } else { "\n\n" };
            format!("{text}{separator}[[{table}]]\n{body}")
        }
        Format::Json => {
            // Serialized from the structs, so that the entry's keys come in their order.
            let (pretty, compact) = match kind {
                EntryKind::Event => (
                    serde_json::to_string_pretty(&event),
                    serde_json::to_string(&event),
                ),
                EntryKind::Article => (
                    serde_json::to_string_pretty(&article),
                    serde_json::to_string(&article),
                ),
            };
            let pretty = pretty.map_err(|e| e.to_string())?;
            let compact = compact.map_err(|e| e.to_string())?;
            splice_json(text, table, &pretty, &compact)?
        }
    };
    let options = LoadOptions::from_env();
    parse_publication("new", "(the new entry)", &updated, format, &options).map_err(
        |problems| {
            problems
                .iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect::<Vec<_>>()
                .join("\n")
        },
    )?;
    Ok((updated, id))
}

/// The ids already used in a publication (events and articles), lower-cased.
fn existing_ids(text: &str, format: Format) -> Result<BTreeSet<String>, String> {
    let value: serde_json::Value = match format {
        Format::Toml => {
            let table: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
            serde_json::to_value(table).map_err(|e| e.to_string())?
        }
        Format::Json => serde_json::from_str(text).map_err(|e| e.to_string())?,
    };
    let mut ids = BTreeSet::new();
    for table in ["events", "articles"] {
        for entry in value
            .get(table)
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            if let Some(id) = entry.get("id").and_then(|v| v.as_str()) {
                ids.insert(id.to_ascii_lowercase());
            }
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_publication_is_valid() {
        let options = LoadOptions::from_env();
        let p = parse_publication(
            "my-events",
            "x.toml",
            EXAMPLE_PUBLICATION,
            Format::Toml,
            &options,
        )
        .unwrap_or_else(|e| panic!("{}", e[0]));
        assert_eq!(p.events.len(), 1);
        assert_eq!(p.articles.len(), 1);
        assert!(p.events[0].livestream.is_some());
    }

    #[test]
    fn a_chosen_id_is_checked() {
        let entry = |id: &str| NewEntry {
            id: Some(id.into()),
            title: "发布会".into(),
            when: "2025-04-01T18:00".into(),
            ..NewEntry::default()
        };
        let (text, id) = append(
            EXAMPLE_PUBLICATION,
            Format::Toml,
            EntryKind::Event,
            &entry("xiaomi-launch"),
        )
        .unwrap();
        assert_eq!(id, "xiaomi-launch");
        assert!(text.contains("id = \"xiaomi-launch\""), "{text}");
        for (bad, why) in [
            ("Spring-Launch", "already used"),
            ("index", "publication's own page"),
            ("a b", "not a valid id"),
        ] {
            let error = append(
                EXAMPLE_PUBLICATION,
                Format::Toml,
                EntryKind::Event,
                &entry(bad),
            )
            .unwrap_err();
            assert!(error.contains(why), "{bad}: {error}");
        }
    }

    #[test]
    fn json_keeps_its_key_order_and_formatting() {
        let json = "{\n    \"channel\": {\"title\": \"T\", \"description\": \"D\", \"link\": \"https://e.org/\",\n        \"timezone\": \"UTC\", \"language\": \"en\"},\n    \"events\": [\n        {\"title\": \"A [b] {c}\", \"id\": \"a\", \"start\": \"2025-01-01\"}\n    ],\n    \"articles\": []\n}\n";
        let entry = NewEntry {
            title: "B".into(),
            when: "2025-02-01".into(),
            ..NewEntry::default()
        };
        let (text, _) = append(json, Format::Json, EntryKind::Event, &entry).unwrap();
        let kept = json.split("\n    ],").next().unwrap();
        assert!(text.starts_with(kept), "{text}");
        assert!(
            text.contains("\"start\": \"2025-01-01\"},\n        {\n          \"id\": \"b\","),
            "{text}"
        );
        assert!(
            text.ends_with("\n    ],\n    \"articles\": []\n}\n"),
            "{text}"
        );
        let (text, _) = append(&text, Format::Json, EntryKind::Article, &entry).unwrap();
        assert!(
            text.ends_with("\"articles\": [\n        {\n          \"id\": \"b-2\",\n          \"title\": \"B\",\n          \"published\": \"2025-02-01\"\n        }\n    ]\n}\n"),
            "{text}"
        );
        // A missing table is added at the end, indented as the other members.
        let no_events = json.replace(
            ",\n    \"events\": [\n        {\"title\": \"A [b] {c}\", \"id\": \"a\", \"start\": \"2025-01-01\"}\n    ]",
            "",
        );
        let (text, _) = append(&no_events, Format::Json, EntryKind::Event, &entry).unwrap();
        assert!(
            text.ends_with("\"articles\": [],\n    \"events\": [\n        {\n          \"id\": \"b\",\n          \"title\": \"B\",\n          \"start\": \"2025-02-01\",\n          \"sequence\": 0\n        }\n    ]\n}\n"),
            "{text}"
        );
    }

    #[test]
    fn appending_an_event_keeps_the_publication_valid() {
        let entry = NewEntry {
            title: "Spring launch".into(),
            when: "2025-04-01T18:00".into(),
            duration: Some("1h".into()),
            ..NewEntry::default()
        };
        let (text, id) =
            append(EXAMPLE_PUBLICATION, Format::Toml, EntryKind::Event, &entry).unwrap();
        assert_eq!(id, "spring-launch-2");
        assert!(text.starts_with(EXAMPLE_PUBLICATION));
        let p = parse_publication("x", "x.toml", &text, Format::Toml, &LoadOptions::from_env())
            .unwrap();
        assert_eq!(p.events.len(), 2);
        assert_eq!(p.events[1].title, "Spring launch");
    }

    #[test]
    fn an_entry_that_would_break_the_publication_is_refused() {
        let entry = NewEntry {
            title: "Bad".into(),
            when: "tomorrow".into(),
            ..NewEntry::default()
        };
        let error =
            append(EXAMPLE_PUBLICATION, Format::Toml, EntryKind::Event, &entry).unwrap_err();
        assert!(error.contains("events[1].start"), "{error}");
    }

    #[test]
    fn json_publications_get_entries_too() {
        let json = r#"{"channel": {"title": "T", "description": "D", "link": "https://e.org/",
            "language": "en", "timezone": "UTC"}}"#;
        let entry = NewEntry {
            title: "News \"quoted\"".into(),
            when: "2025-01-01".into(),
            ..NewEntry::default()
        };
        let (text, id) = append(json, Format::Json, EntryKind::Article, &entry).unwrap();
        assert_eq!(id, "news-quoted");
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["articles"][0]["title"], "News \"quoted\"");
        // An array written on one line gets the new entry on that line.
        let one_line = r#"{"events": [{"id": "a", "title": "A", "start": "2025-01-01"}], "channel": {"title": "T", "description": "D", "link": "https://e.org/", "language": "en", "timezone": "UTC"}}"#;
        let (text, _) = append(one_line, Format::Json, EntryKind::Event, &entry).unwrap();
        assert!(
            text.starts_with(r#"{"events": [{"id": "a", "title": "A", "start": "2025-01-01"}, {"id":"news-quoted","title":"News \"quoted\"","start":"2025-01-01","sequence":0}], "channel""#),
            "{text}"
        );
    }
}
