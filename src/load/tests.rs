//! The loader's own tests: JSON loaded straight from the file (`load_json_streaming`)
//! against the text path, and the hand-written deserialization of a whole file (`raw`)
//! against serde's derive.

use std::path::Path;

use chrono::DateTime;
use serde::de::DeserializeSeed;

use super::*;
use crate::spill::SPILL_AT;

// ---- JSON loaded straight from the file (`load_json_streaming`) -------------------

fn options() -> LoadOptions {
    LoadOptions::at(DateTime::UNIX_EPOCH)
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

/// A text over [`SPILL_AT`] bytes with what escaping and reading back can get wrong:
/// multi-byte characters (also at the very end), CRLF and lone CR, backslashes, quotes.
fn long(label: &str) -> String {
    let line = format!(
        "{label}: ünïcødé, 漢字 and 🎉; back\\slash \\n not a newline, \"quoted\", tab\there\r\n\
         lone CR\rend; comma, semicolon;\n"
    );
    let text = line.repeat(SPILL_AT / line.len() + 2) + "🎉";
    assert!(text.len() > SPILL_AT);
    text
}

/// Long Markdown, with CRLF line ends and backslash escapes.
fn long_markdown() -> String {
    let block = "# Notes 漢字\r\n\r\nSome **bold** ünï 🎉 text, a `C:\\path\\to` and \\*no emphasis\\*.\r\n\r\n\
                 - one\n- two\n\n> quoted \"text\"\n\n";
    let text = block.repeat(SPILL_AT / block.len() + 2);
    assert!(text.len() > SPILL_AT);
    text
}

/// A publication as JSON whose events, overrides and articles have long texts (and
/// short ones), some written with JSON escapes that a plain string would not use.
fn long_json(bom: bool) -> String {
    // The same characters as escapes: é, 🎉 as a surrogate pair, an escaped slash.
    let mut escaped = json_string(&long("escapes"));
    escaped.insert_str(escaped.len() - 1, r"\u00e9\ud83c\udf89\/\\\r\n");
    format!(
        r#"{bom}{{
  "channel": {{
    "title": "Launch calendar",
    "description": "Product launches.",
    "link": "https://example.org/launch/",
    "language": "en",
    "timezone": "Asia/Shanghai"
  }},
  "events": [
    {{ "id": "launch", "title": "Launch", "start": "2022-07-04T19:00", "duration": "2h",
       "description": {launch} }},
    {{ "id": "short", "title": "Short", "start": "2022-07-05T10:00",
       "description": "A short one, ü." }},
    {{ "id": "weekly", "title": "Weekly show", "start": "2024-11-07T19:00", "duration": "1h",
       "description": {escaped},
       "repeat": {{ "every": "week", "count": 4 }},
       "overrides": [
         {{ "occurrence": "2024-11-14T19:00", "start": "2024-11-14T20:30",
            "description": {moved} }},
         {{ "occurrence": "2024-11-21T19:00", "description": "Short override." }}
       ] }}
  ],
  "articles": [
    {{ "id": "notes", "title": "Notes", "published": "2022-06-28", "content": {markdown},
       "events": ["launch", "weekly"] }},
    {{ "id": "brief", "title": "Brief", "published": "2022-06-29", "content": "Just *this*." }}
  ]
}}
"#,
        bom = if bom { "\u{feff}" } else { "" },
        launch = json_string(&long("launch")),
        moved = json_string(&long("override")),
        markdown = json_string(&long_markdown()),
    )
}

/// Writes `text` to `<temporary directory>/<name>`.
fn write_temp(name: &str, text: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join(name);
    fs::write(&path, text).expect("write the publication");
    (dir, path)
}

/// What the text path (the reference) makes of `text`, read as `path` would be.
fn reference(path: &Path, text: &str) -> Result<Publication, Vec<Diagnostic>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    parse_publication(
        "launch",
        &path.display().to_string(),
        text,
        Format::Json,
        &options(),
    )
}

/// Everything of a publication, in an order that does not depend on hashing.
fn shown(publication: &Publication) -> String {
    let index: std::collections::BTreeMap<_, _> = publication.event_index.iter().collect();
    format!(
        "{} {} {:?} {:?} {:?} {index:?}",
        publication.slug,
        publication.source,
        publication.channel,
        publication.events,
        publication.articles
    )
}

#[test]
fn valid_json_is_streamed_to_the_same_publication_with_long_texts_spilled() {
    for bom in [false, true] {
        let text = long_json(bom);
        let (_dir, path) = write_temp("launch.json", text.as_bytes());
        let shown_path = path.display().to_string();
        // The file is valid, so it is read straight from the file, BOM or not...
        let store = Store::new();
        let streamed = load_json_streaming(
            reader(&path),
            "launch",
            &shown_path,
            &options(),
            store.as_ref(),
        )
        .unwrap_or_else(|| panic!("valid JSON (bom: {bom}) was not streamed"));
        let expected = reference(&path, &text).expect("valid");
        assert_eq!(shown(&streamed), shown(&expected), "bom: {bom}");
        // ...and load_file gives the same, its long texts kept in the temporary file.
        let loaded = load_file(&path, &options()).expect("valid");
        assert_eq!(shown(&loaded), shown(&expected), "bom: {bom}");
        // That they also render the same is asserted in export's tests, through
        // `loaded_with_spilled_texts`.

        let description = |p: &Publication, i: usize| p.events[i].description.clone();
        let launch = description(&loaded, 0).expect("a description");
        assert!(launch.is_spilled(), "bom: {bom}");
        assert_eq!(launch.get(), long("launch"));
        assert!(!description(&loaded, 1).expect("a description").is_spilled());
        let weekly = description(&loaded, 2).expect("a description");
        assert!(weekly.is_spilled());
        assert!(weekly.get().ends_with("🎉é🎉/\\\r\n"), "{:?}", weekly.get());
        let overrides = &loaded.events[2].overrides;
        let moved = overrides[0].description.as_ref().expect("a description");
        assert!(moved.is_spilled());
        assert_eq!(moved.get(), long("override"));
        let short = overrides[1].description.as_ref().expect("a description");
        assert!(!short.is_spilled());
        let article = |id: &str| {
            let found = loaded.articles.iter().find(|a| a.id == id).expect(id);
            found.content.clone().expect("content")
        };
        assert!(article("notes").is_spilled());
        assert_eq!(article("notes").get(), long_markdown());
        assert!(!article("brief").is_spilled());
        // The reference path, outside any store, keeps everything in memory.
        assert!(
            !expected.events[0]
                .description
                .as_ref()
                .unwrap()
                .is_spilled()
        );
    }
}

/// A publication with long texts (a byte-order mark first if `bom`) as [`load_file`]
/// reads it, its long texts in the temporary file, and as the text path reads it, all in
/// memory: export's tests render both.
pub(crate) fn loaded_with_spilled_texts(bom: bool) -> (Publication, Publication) {
    let text = long_json(bom);
    let (_dir, path) = write_temp("launch.json", text.as_bytes());
    let loaded = load_file(&path, &options()).expect("valid");
    assert!(loaded.events[0].description.as_ref().unwrap().is_spilled());
    let expected = reference(&path, &text).expect("valid");
    (loaded, expected)
}

fn reader(path: &Path) -> std::io::BufReader<fs::File> {
    std::io::BufReader::new(fs::File::open(path).unwrap())
}

/// `text` must fail to load from a file exactly as it fails on the text path, at the
/// line (1-based) where `needle` starts; the diagnostics are returned.
fn fails_as_on_the_text_path(text: &str, options: &LoadOptions, needle: &str) -> Vec<Diagnostic> {
    let (_dir, path) = write_temp("launch.json", text.as_bytes());
    let shown_path = path.display().to_string();
    let store = Store::new();
    let streamed = load_json_streaming(
        reader(&path),
        "launch",
        &shown_path,
        options,
        store.as_ref(),
    );
    assert!(
        streamed.is_none(),
        "invalid JSON was accepted by the streaming path"
    );
    let loaded = load_file(&path, options).expect_err("invalid");
    let stripped = text.strip_prefix('\u{feff}').unwrap_or(text);
    let expected = parse_publication("launch", &shown_path, stripped, Format::Json, options)
        .expect_err("invalid");
    assert_eq!(loaded, expected);
    let offset = stripped.find(needle).expect("the needle is in the text");
    let line = stripped[..offset].matches('\n').count() + 1;
    assert_eq!(loaded[0].line, line, "{:?}", loaded[0]);
    loaded
}

#[test]
fn invalid_json_files_report_exactly_as_the_text_path_does() {
    let valid = long_json(true);

    // A syntax error after a long description: a missing comma.
    let text = valid.replacen(r#"  "repeat""#, r#"  "oops": 1 "repeat""#, 1);
    let found = fails_as_on_the_text_path(&text, &options(), r#""repeat""#);
    assert!(found[0].message.contains("expected"), "{:?}", found[0]);

    // A type error: serde_json reports the last character of the value.
    let text = valid.replacen(r#""count": 4"#, r#""count": "four""#, 1);
    let found = fails_as_on_the_text_path(&text, &options(), r#""four""#);
    assert_eq!(found[0].field, "events[2].repeat.count");

    // A semantic error: an article names an event that does not exist.
    let text = valid.replacen(r#"["launch", "weekly"]"#, r#"["launch", "nope"]"#, 1);
    let found = fails_as_on_the_text_path(&text, &options(), r#""nope""#);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "articles[0].events[1]");
    let line = text[..text.find(r#""nope""#).unwrap()]
        .rsplit('\n')
        .next()
        .unwrap();
    assert_eq!(found[0].column, line.chars().count() + 1, "{:?}", found[0]);

    // A control character, escaped, in a long description: valid JSON, refused text.
    let bell = json_string(&format!("{}\u{7}", long("bell")));
    let text = valid.replacen(r#""A short one, ü.""#, &bell, 1);
    let found = fails_as_on_the_text_path(&text, &options(), &bell);
    assert_eq!(found[0].field, "events[1].description");

    // The same character unescaped: JSON itself forbids it.
    let raw = format!(
        "\"{}\u{7} and more\"",
        long("raw bell").replace(['\\', '"', '\r', '\n', '\t'], " ")
    );
    let text = valid.replacen(r#""A short one, ü.""#, &raw, 1);
    let found = fails_as_on_the_text_path(&text, &options(), &raw);
    assert!(
        found[0].message.contains("control character"),
        "{:?}",
        found[0]
    );
    let column = text[..text.find('\u{7}').unwrap()]
        .rsplit('\n')
        .next()
        .unwrap();
    assert_eq!(
        found[0].column,
        column.chars().count() + 1,
        "{:?}",
        found[0]
    );

    // Half a surrogate pair in a long description.
    let text = valid.replacen(r"\ud83c\udf89", r"\ud83c x", 1);
    let found = fails_as_on_the_text_path(&text, &options(), r"\ud83c x");
    assert!(found[0].message.contains("surrogate"), "{:?}", found[0]);

    // A long text over the field limit.
    let small = LoadOptions {
        max_field_bytes: SPILL_AT,
        ..options()
    };
    let found = fails_as_on_the_text_path(&valid, &small, r#""description": "launch:"#);
    assert!(found.len() >= 3, "{found:?}");
    assert_eq!(found[0].field, "events[0].description");
}

#[test]
fn a_json_file_that_is_not_utf8_is_reported_at_its_first_bad_byte() {
    let text = long_json(false);
    let at = text.find("Short override").expect("in the fixture");
    let mut bytes = text.into_bytes();
    bytes[at] = 0xFF;
    let (_dir, path) = write_temp("launch.json", &bytes);
    let found = load_file(&path, &options()).expect_err("not UTF-8");
    let before = std::str::from_utf8(&bytes[..at]).expect("UTF-8 before");
    let line = before.matches('\n').count() + 1;
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].message.starts_with(&format!(
            "the file is not UTF-8: byte {at} (0xFF) on line {line}"
        )),
        "{:?}",
        found[0]
    );
}

// ---- A whole file read through `raw::FileSeed` ------------------------------------------

/// What `RawFile` was before it was read through a seed: serde's derive, which the seed
/// must match in what it accepts and in every message (which name the type).
mod derived {
    use super::raw::{RawArticle, RawChannel, RawEvent};

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct RawFile {
        #[allow(dead_code)]
        channel: RawChannel,
        #[serde(default)]
        pub(super) events: Vec<RawEvent>,
        #[serde(default)]
        pub(super) articles: Vec<RawArticle>,
    }
}

/// The ids read, or the message (with its position) of the error.
fn ids(
    result: Result<(Vec<raw::RawEvent>, Vec<raw::RawArticle>), String>,
) -> Result<String, String> {
    result.map(|(events, articles)| {
        let events: Vec<_> = events.iter().map(|e| e.id.as_str()).collect();
        let articles: Vec<_> = articles.iter().map(|a| a.id.as_str()).collect();
        format!("{events:?} {articles:?}")
    })
}

#[test]
fn a_file_is_read_through_the_seed_exactly_as_serde_derives_it() {
    let channel_toml = "[channel]\ntitle = \"T\"\ndescription = \"D\"\nlink = \"https://e.org/\"\n\
                        language = \"en\"\ntimezone = \"UTC\"\n";
    let event_toml = "[[events]]\nid = \"a\"\ntitle = \"A\"\nstart = \"2024-01-01\"\n";
    let article_toml = "[[articles]]\nid = \"n\"\ntitle = \"N\"\npublished = \"2024-01-01\"\n";
    let tomls = [
        format!("{channel_toml}{event_toml}{event_toml}{article_toml}"),
        channel_toml.to_string(),
        event_toml.to_string(),
        String::new(),
        format!("other = 1\n{channel_toml}"),
        format!("events = 5\n{channel_toml}"),
        format!("articles = []\nevents = [{{ id = 1 }}]\n{channel_toml}"),
        format!("{channel_toml}{event_toml}nope = 1\n"),
        format!("{channel_toml}{event_toml}start = 5\n"),
        format!("{channel_toml}[[events]]\n"),
        format!("{channel_toml}channel = 1\n"),
        "channel = 5\n".to_string(),
        "= oops".to_string(),
    ];
    for text in &tomls {
        let derived = toml::from_str::<derived::RawFile>(text)
            .map(|d| (d.events, d.articles))
            .map_err(|e| e.to_string());
        let seeded = toml::Deserializer::parse(text)
            .and_then(|d| raw::FileSeed { store: None }.deserialize(d))
            .map(|r| (r.events, r.articles))
            .map_err(|e| e.to_string());
        assert_eq!(ids(seeded), ids(derived), "{text}");
    }

    let channel = r#"{"title": "T", "description": "D", "link": "https://e.org/", "language": "en", "timezone": "UTC"}"#;
    let event = r#"{"id": "a", "title": "A", "start": "2024-01-01"}"#;
    let jsons = [
        format!(r#"{{"channel": {channel}, "events": [{event}, {event}], "articles": []}}"#),
        format!(r#"{{"events": [{event}], "channel": {channel}}}"#),
        format!(r#"{{"channel": {channel}, "channel": {channel}}}"#),
        format!(r#"{{"channel": {channel}, "events": [], "events": []}}"#),
        format!(r#"{{"channel": {channel}, "articles": [], "articles": []}}"#),
        format!(r#"{{"channel": {channel}, "other": 1}}"#),
        format!(r#"{{"channel": {channel}, "events": 5}}"#),
        format!(r#"{{"channel": {channel}, "events": [{{"id": 1}}]}}"#),
        format!(r#"{{"channel": {channel}, "events": [{event},]}}"#),
        format!(r#"{{"channel": {channel}}} x"#),
        format!(r#"[{channel}]"#),
        format!(r#"[{channel}, [{event}], []]"#),
        format!(r#"[{channel}, [], [], 5]"#),
        "[]".to_string(),
        "{}".to_string(),
        r#""text""#.to_string(),
        "5".to_string(),
        String::new(),
    ];
    for text in &jsons {
        let derived = serde_json::from_str::<derived::RawFile>(text)
            .map(|d| (d.events, d.articles))
            .map_err(|e| e.to_string());
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let seeded = raw::FileSeed { store: None }
            .deserialize(&mut deserializer)
            .and_then(|r| deserializer.end().map(|()| r))
            .map(|r| (r.events, r.articles))
            .map_err(|e| e.to_string());
        assert_eq!(ids(seeded), ids(derived), "{text}");
    }
}

#[test]
fn a_toml_file_has_its_long_texts_kept_out_of_memory_as_it_is_read() {
    let text = format!(
        "[channel]\ntitle = \"T\"\ndescription = \"D\"\nlink = \"https://e.org/\"\n\
         language = \"en\"\ntimezone = \"UTC\"\n\n\
         [[events]]\nid = \"a\"\ntitle = \"A\"\nstart = \"2024-01-01\"\ndescription = {}\n\n\
         [[articles]]\nid = \"n\"\ntitle = \"N\"\npublished = \"2024-01-01\"\ncontent = {}\n",
        json_string(&long("event")),
        json_string(&long_markdown()),
    );
    let (_dir, path) = write_temp("launch.toml", text.as_bytes());
    let loaded = load_file(&path, &options()).expect("valid");
    let expected = parse_publication(
        "launch",
        &path.display().to_string(),
        &text,
        Format::Toml,
        &options(),
    )
    .expect("valid");
    assert_eq!(shown(&loaded), shown(&expected));
    let description = loaded.events[0]
        .description
        .as_ref()
        .expect("a description");
    assert!(description.is_spilled());
    assert_eq!(description.get(), long("event"));
    let content = loaded.articles[0].content.as_ref().expect("content");
    assert!(content.is_spilled());
    assert_eq!(content.get(), long_markdown());
    assert!(
        !expected.events[0]
            .description
            .as_ref()
            .unwrap()
            .is_spilled()
    );
}

/// A JSON publication of `n` events and `n` articles, large enough to be deserialized in
/// several batches on several threads, with long texts, zones, all-day events and references.
fn large_json(n: usize) -> String {
    let events: Vec<String> = (0..n)
        .map(|i| {
            let when = if i % 7 == 0 {
                format!(r#""start": "2024-{:02}-{:02}", "end": "2024-{:02}-{:02}""#, i % 12 + 1, i % 27 + 1, i % 12 + 1, i % 27 + 2)
            } else {
                format!(r#""start": "2024-{:02}-{:02}T{:02}:30", "duration": "1h", "timezone": "{}""#, i % 12 + 1, i % 28 + 1, 9 + i % 8, ["Asia/Tokyo", "Europe/Berlin", "America/New_York"][i % 3])
            };
            let description = if i % 5 == 0 { json_string(&long(&format!("event {i}"))) } else { json_string(&format!("Event {i}")) };
            format!(r#"{{"id": "ev{i}", "title": "Event {i} ✓", {when}, "description": {description}, "categories": ["c{}"]}}"#, i % 4)
        })
        .collect();
    let articles: Vec<String> = (0..n)
        .map(|i| {
            let content = if i % 3 == 0 { json_string(&long_markdown()) } else { json_string(&format!("Body **{i}**")) };
            format!(r#"{{"id": "ar{i}", "title": "Article {i}", "published": "2024-03-{:02}", "events": ["ev{i}", "ev{}"], "content": {content}}}"#, i % 28 + 1, (i * 7) % n)
        })
        .collect();
    format!(
        r#"{{"channel": {{"title": "Large", "description": "Many items.", "link": "https://example.org/", "language": "en", "timezone": "Asia/Shanghai"}},
"events": [{}],
"articles": [{}]}}"#,
        events.join(",\n"),
        articles.join(",\n")
    )
}

/// Several batches of items deserialized on several threads give the
/// publication the text path gives, item for item and in order; and an invalid item
/// among them fails as on the text path.
#[test]
fn a_large_file_deserialized_on_several_threads_is_the_same_publication() {
    let text = large_json(2500);
    assert!(text.len() > 4 * super::json_frames::BATCH_BYTES);
    let (_dir, path) = write_temp("launch.json", text.as_bytes());
    let loaded = load_file(&path, &options()).expect("valid");
    let expected = reference(&path, &text).expect("valid");
    assert_eq!(loaded.events.len(), 2500);
    assert_eq!(shown(&loaded), shown(&expected));
    let broken = text.replace(
        r#""id": "ev1900", "title": "Event 1900 ✓""#,
        r#""id": "ev1900", "title": """#,
    );
    assert_ne!(broken, text);
    fails_as_on_the_text_path(&broken, &options(), r#""id": "ev1900""#);
}

/// A publication of `n` events and `n` articles whose checked form depends on the
/// channel: the items give no zone (their times are the channel's), no link (theirs is
/// under the channel's). The channel is written first, between the events and the
/// articles, or last.
fn channel_dependent_json(n: usize, channel_at: usize) -> String {
    let channel = r#""channel": {"title": "Zones", "description": "Items in the channel's zone.",
        "link": "https://example.org/sub", "language": "en", "timezone": "America/St_Johns"}"#;
    let events: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"id": "ev{i}", "title": "Event {i}", "start": "2024-{:02}-{:02}T{:02}:{:02}", "duration": "{}m", "description": {}}}"#,
                i % 12 + 1,
                i % 28 + 1,
                i % 24,
                i % 60,
                15 + i % 90,
                json_string(&format!("Event {i} ").repeat(1 + i % 40)),
            )
        })
        .collect();
    let articles: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"id": "ar{i}", "title": "Article {i}", "published": "2024-{:02}-{:02}", "updated": "2024-{:02}-{:02}T23:{:02}", "events": ["ev{}"], "content": {}}}"#,
                i % 12 + 1,
                i % 28 + 1,
                i % 12 + 1,
                i % 28 + 1,
                i % 60,
                (i * 13) % n,
                json_string(&format!("Body {i} ").repeat(1 + i % 40)),
            )
        })
        .collect();
    let mut parts = vec![
        format!(r#""events": [{}]"#, events.join(",\n")),
        format!(r#""articles": [{}]"#, articles.join(",\n")),
    ];
    parts.insert(channel_at, channel.to_string());
    format!("{{{}}}", parts.join(",\n"))
}

/// Items read after the channel are checked as they are read (on the threads that read
/// them), those before it once it is read: either way, against the channel's settings and
/// in the file's order, the same publication as the text path's.
#[test]
fn items_checked_as_they_are_read_are_checked_against_the_channel_in_order() {
    let n = 3000;
    let mut streamed_first = None;
    for channel_at in [0, 1, 2] {
        let text = channel_dependent_json(n, channel_at);
        assert!(text.len() > 4 * super::json_frames::BATCH_BYTES);
        let (_dir, path) = write_temp("launch.json", text.as_bytes());
        let shown_path = path.display().to_string();
        let store = Store::new();
        let mut streamed = load_json_streaming(
            reader(&path),
            "launch",
            &shown_path,
            &options(),
            store.as_ref(),
        )
        .unwrap_or_else(|| panic!("valid JSON (channel at {channel_at}) was not streamed"));
        let expected = reference(&path, &text).expect("valid");
        assert!(
            shown(&streamed) == shown(&expected),
            "channel at {channel_at}: not the text path's publication"
        );
        // What the channel gives each item, spelt out.
        assert_eq!(streamed.events.len(), n);
        for (i, event) in streamed.events.iter().enumerate() {
            assert_eq!(event.id, format!("ev{i}"));
            assert_eq!(
                event.page.as_str(),
                format!("https://example.org/sub/launch/ev{i}.html")
            );
        }
        // A bare date is noon in the channel's zone (UTC-03:30 in winter).
        let article = streamed.articles.iter().find(|a| a.id == "ar0").unwrap();
        assert_eq!(article.published.to_rfc3339(), "2024-01-01T15:30:00+00:00");
        let schedule = format!("{:?}", streamed.events[1].schedule);
        assert!(
            schedule.starts_with("Timed { start: 2024-02-02T04:31:00Z,")
                && schedule.contains("St_Johns"),
            "{schedule}"
        );
        // Whatever the order: the same publication.
        streamed.source = String::new();
        match &streamed_first {
            None => streamed_first = Some(shown(&streamed)),
            Some(first) => assert!(
                &shown(&streamed) == first,
                "channel at {channel_at}: not the publication of the channel first"
            ),
        }
    }
}

/// An item refused on the thread that read it (against the channel's settings and the
/// options) makes the whole fall back to the text path, which reports it exactly; so does
/// an article naming an event that is not there, checked once all events are.
#[test]
fn items_refused_as_they_are_read_fail_as_on_the_text_path() {
    let text = channel_dependent_json(2000, 0);
    let small = LoadOptions {
        max_field_bytes: 1000,
        ..options()
    };
    let short = json_string("Event 1920 ");
    let long = json_string(&"Event 1920 ".repeat(100));
    let broken = text.replace(
        &format!(r#""description": {short}"#),
        &format!(r#""description": {long}"#),
    );
    assert!(broken != text);
    let found = fails_as_on_the_text_path(&broken, &small, &long);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "events[1920].description");

    let broken = text.replace(r#""events": ["ev1533"]"#, r#""events": ["ev2000"]"#);
    assert!(broken != text);
    let found = fails_as_on_the_text_path(&broken, &options(), r#""ev2000""#);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "articles[1041].events[0]");

    // 02:30 does not exist in St. John's on 2024-03-10 (the clocks go from 02:00 to 03:00):
    // refused in the channel's zone, valid in UTC.
    let broken = text.replace(
        r#""id": "ev1900", "title": "Event 1900", "start": "2024-05-25T04:40""#,
        r#""id": "ev1900", "title": "Event 1900", "start": "2024-03-10T02:30""#,
    );
    assert!(broken != text);
    fails_as_on_the_text_path(&broken, &options(), r#""id": "ev1900""#);
}
