//! Every kind of bad input, and exactly what calfeed says about it, in one table: the
//! first line of the message (`error: <field>: <what is wrong>; <what would be valid>`)
//! and where it points (`--> <file>:<line>:<column>`). The real binary runs `check` on
//! each input alone, then `build` over an earlier good build: the same one diagnostic,
//! `nothing was written`, and `public/` untouched, byte for byte and time for time.
//!
//! A mismatch shows the expected and the actual line, with a caret where they part, and the
//! whole of stderr. When a message is changed on purpose, change its row here.
//!
//! Messages that are known to be unclear or wrong are not in this table but in
//! `diagnostics::unclear`, an ignored test that says what a clear message must contain.

use crate::support::test::diagnostics;
use crate::support::{Ran, Test};

/// The channel every TOML case starts with (lines 1-6).
pub const CHANNEL: &str = "[channel]
title = \"Launches\"
description = \"Product launches\"
link = \"https://example.org/\"
language = \"en\"
timezone = \"Asia/Shanghai\"
";

/// [`CHANNEL`] and one event (`id` on line 9, `start` on line 11), then `extra` lines.
pub fn event(start: &str, extra: &str) -> String {
    format!("{CHANNEL}\n[[events]]\nid = \"launch\"\ntitle = \"Launch\"\nstart = {start}\n{extra}")
}

/// [`CHANNEL`] with `line` added after it (line 7).
pub fn channel(line: &str) -> String {
    format!("{CHANNEL}{line}\n")
}

pub const JSON_CHANNEL: &str =
    r#""description": "D", "link": "https://example.org/", "language": "en", "timezone": "UTC""#;

struct Case {
    name: &'static str,
    /// The file name under `feeds/`.
    file: &'static str,
    text: String,
    /// The first line of stderr.
    first_line: &'static str,
    /// The `-->` line, without its indentation.
    at: &'static str,
    /// More that stderr must say (a help line, ...).
    also: &'static [&'static str],
    /// What stderr must not say.
    lacks: &'static [&'static str],
}

impl Case {
    fn also(mut self, fragments: &'static [&'static str]) -> Case {
        self.also = fragments;
        self
    }

    fn lacks(mut self, fragments: &'static [&'static str]) -> Case {
        self.lacks = fragments;
        self
    }
}

fn case(
    name: &'static str,
    file: &'static str,
    text: impl Into<String>,
    first_line: &'static str,
    at: &'static str,
) -> Case {
    Case {
        name,
        file,
        text: text.into(),
        first_line,
        at,
        also: &[],
        lacks: &[],
    }
}

pub const MOMENT: &str = "expected a local time like 2022-07-04T19:00 (in the zone that applies), an instant like 2022-07-04T11:00:00Z or 2022-07-04T19:00:00+08:00, or a date like 2022-07-04";

fn cases() -> Vec<Case> {
    vec![
        case(
            "hour 25",
            "a.toml",
            event("\"2022-07-04T25:00\"", ""),
            "error: events[0].start: invalid date or time \"2022-07-04T25:00\"; expected a local time like 2022-07-04T19:00 (in the zone that applies), an instant like 2022-07-04T11:00:00Z or 2022-07-04T19:00:00+08:00, or a date like 2022-07-04",
            "--> feeds/a.toml:11:9",
        ),
        case(
            "30 February",
            "a.toml",
            event("\"2022-02-30\"", ""),
            "error: events[0].start: invalid date or time \"2022-02-30\"; expected a local time like 2022-07-04T19:00 (in the zone that applies), an instant like 2022-07-04T11:00:00Z or 2022-07-04T19:00:00+08:00, or a date like 2022-07-04",
            "--> feeds/a.toml:11:9",
        ),
        case(
            "offset beyond a day",
            "a.toml",
            event("\"2022-07-04T19:00+25:00\"", ""),
            "error: events[0].start: invalid date or time \"2022-07-04T19:00+25:00\"; expected a local time like 2022-07-04T19:00 (in the zone that applies), an instant like 2022-07-04T11:00:00Z or 2022-07-04T19:00:00+08:00, or a date like 2022-07-04",
            "--> feeds/a.toml:11:9",
        ),
        // Also what tests/cli.rs time_in_a_daylight_saving_gap_is_rejected asserted.
        case(
            "daylight-saving gap",
            "a.toml",
            event("\"2024-03-10T02:30\"", "timezone = \"America/New_York\"\n"),
            "error: events[0].start: 2024-03-10T02:30 does not exist in America/New_York: the clocks skip it (daylight-saving gap): write it with an offset, 2024-03-10T01:30-05:00 or 2024-03-10T03:30-04:00",
            "--> feeds/a.toml:11:9",
        ),
        // Also what tests/cli.rs time_in_a_daylight_saving_overlap_without_offset_is_rejected asserted.
        case(
            "daylight-saving overlap",
            "a.toml",
            event("\"2024-11-03T01:30\"", "timezone = \"America/New_York\"\n"),
            "error: events[0].start: 2024-11-03T01:30 happens twice in America/New_York (daylight-saving overlap): write it with an offset, 2024-11-03T01:30-04:00 or 2024-11-03T01:30-05:00",
            "--> feeds/a.toml:11:9",
        ),
        case(
            "daylight-saving gap in JSON",
            "a.json",
            format!(
                "{{\"channel\": {{\"title\": \"T\", {JSON_CHANNEL}}},\n \"events\": [{{\"id\": \"a\", \"title\": \"A\", \"start\": \"2024-03-10T02:30\", \"timezone\": \"America/New_York\"}}]}}\n"
            ),
            "error: events[0].start: 2024-03-10T02:30 does not exist in America/New_York: the clocks skip it (daylight-saving gap): write it with an offset, 2024-03-10T01:30-05:00 or 2024-03-10T03:30-04:00",
            "--> feeds/a.json:2:48",
        ),
        // Also what tests/cli.rs unknown_zone_is_rejected asserted.
        case(
            "unknown zone",
            "a.toml",
            event("\"2022-07-04T19:00\"", "timezone = \"Mars/Olympus_Mons\"\n"),
            "error: events[0].timezone: unknown time zone \"Mars/Olympus_Mons\"; expected an IANA zone such as Asia/Shanghai or Europe/London, UTC, or a fixed offset such as GMT+8 or UTC-05:30",
            "--> feeds/a.toml:12:12",
        ),
        case(
            "misspelt key",
            "a.toml",
            channel("authr = \"me\""),
            "error: channel.authr: unknown field `authr`; did you mean `author`?",
            "--> feeds/a.toml:7:1",
        ),
        // A key near none of the valid ones: the message lists them all.
        case(
            "unknown key",
            "a.toml",
            channel("owner = \"me\""),
            "error: channel.owner: unknown field `owner`, expected one of `title`, `description`, `link`, `language`, `timezone`, `author`, `refresh`, `updated`, `allow_html`, `upcoming`, `feed_items`, `calendar_events`, `calendar_bytes`, `accept_limits`, `by_category`",
            "--> feeds/a.toml:7:1",
        ),
        case(
            "misspelt key in JSON",
            "a.json",
            format!("{{\"channel\": {{\"title\": \"T\", \"langauge\": \"en\", {JSON_CHANNEL}}}}}\n"),
            "error: channel.langauge: unknown field `langauge`; did you mean `language`?",
            "--> feeds/a.json:1:28",
        ),
        case(
            "misspelt status",
            "a.toml",
            event("\"2022-07-04T19:00\"", "status = \"canceled\"\n"),
            "error: events[0].status: unknown variant `canceled`; did you mean `cancelled`?",
            "--> feeds/a.toml:12:10",
        ),
        case(
            "misspelt zone",
            "a.toml",
            event("\"2022-07-04T19:00\"", "timezone = \"America/NewYork\"\n"),
            "error: events[0].timezone: unknown time zone \"America/NewYork\"; did you mean \"America/New_York\"?",
            "--> feeds/a.toml:12:12",
        ),
        case(
            "feed budget of nothing",
            "a.toml",
            channel("feed_items = 0"),
            "error: channel.feed_items: 0 is out of range",
            "--> feeds/a.toml:7:14",
        ),
        case(
            "calendar budget too small to hold its head",
            "a.toml",
            channel("calendar_bytes = 500"),
            "error: channel.calendar_bytes: 500 is out of range",
            "--> feeds/a.toml:7:18",
        ),
        case(
            "negative calendar budget",
            "a.toml",
            channel("calendar_events = -1"),
            "error: channel.calendar_events: invalid value: integer `-1`, expected u64",
            "--> feeds/a.toml:7:19",
        ),
        case(
            "missing title",
            "a.toml",
            format!("{CHANNEL}\n[[events]]\nid = \"launch\"\nstart = \"2022-07-04T19:00\"\n"),
            "error: events[0].title: missing field `title`",
            "--> feeds/a.toml:8:1",
        ),
        case(
            "missing start",
            "a.toml",
            format!("{CHANNEL}\n[[events]]\nid = \"launch\"\ntitle = \"Launch\"\n"),
            "error: events[0].start: missing field `start`",
            "--> feeds/a.toml:8:1",
        ),
        case(
            "missing published",
            "a.toml",
            format!("{CHANNEL}\n[[articles]]\nid = \"news\"\ntitle = \"News\"\n"),
            "error: articles[0].published: missing field `published`",
            "--> feeds/a.toml:8:1",
        ),
        case(
            "missing channel",
            "a.toml",
            "[[events]]\nid = \"launch\"\ntitle = \"Launch\"\nstart = \"2022-07-04T19:00\"\n",
            "error: channel: missing field `channel`",
            "--> feeds/a.toml:1:1",
        ),
        case(
            "blank title",
            "a.toml",
            CHANNEL.replace("title = \"Launches\"", "title = \"   \""),
            "error: channel.title: must not be empty",
            "--> feeds/a.toml:2:9",
        ),
        // Also what tests/cli.rs id_with_spaces_is_rejected asserted.
        case(
            "id with a space",
            "a.toml",
            event("\"2022-07-04T19:00\"", "").replace("id = \"launch\"", "id = \"big launch\""),
            "error: events[0].id: invalid id \"big launch\": ' ' is not allowed",
            "--> feeds/a.toml:9:6",
        ),
        // Also what tests/cli.rs id_with_path_traversal_is_rejected asserted.
        case(
            "id escaping the folder",
            "a.toml",
            event("\"2022-07-04T19:00\"", "").replace("id = \"launch\"", "id = \"../launch\""),
            "error: events[0].id: invalid id \"../launch\": '/' is not allowed",
            "--> feeds/a.toml:9:6",
        ),
        // Also what tests/cli.rs ids_differing_only_in_case_are_duplicates asserted.
        case(
            "ids differing in case",
            "a.toml",
            event(
                "\"2022-07-04T19:00\"",
                "\n[[events]]\nid = \"Launch\"\ntitle = \"Again\"\nstart = \"2022-07-05\"\n",
            ),
            "error: events[1].id: duplicate id \"Launch\": events[0] already uses it",
            "--> feeds/a.toml:14:6",
        ),
        // Also what tests/cli.rs end_before_start_is_rejected asserted.
        case(
            "end before start",
            "a.toml",
            event("\"2022-07-04T19:00\"", "end = \"2022-07-04T18:00\"\n"),
            "error: events[0].end: the event ends (2022-07-04T18:00+08:00) before it starts (2022-07-04T19:00+08:00)",
            "--> feeds/a.toml:12:7",
        ),
        // Also what tests/cli.rs end_and_duration_together_are_rejected asserted.
        case(
            "end and duration",
            "a.toml",
            event(
                "\"2022-07-04T19:00\"",
                "end = \"2022-07-04T21:00\"\nduration = \"2h\"\n",
            ),
            "error: events[0].duration: give either `end` or `duration`, not both",
            "--> feeds/a.toml:13:12",
        ),
        // Also what tests/cli.rs invalid_duration_is_rejected asserted.
        case(
            "duration in words",
            "a.toml",
            event("\"2022-07-04T19:00\"", "duration = \"2 hours\"\n"),
            "error: events[0].duration: invalid duration \"2 hours\"; expected a duration like 2h, 90m, 1h30m, 1d, 1w or ISO 8601 PT2H / P1D",
            "--> feeds/a.toml:12:12",
        ),
        case(
            "zero duration",
            "a.toml",
            event("\"2022-07-04T19:00\"", "duration = \"0m\"\n"),
            "error: events[0].duration: duration \"0m\" must be longer than zero",
            "--> feeds/a.toml:12:12",
        ),
        case(
            "all-day event of two hours",
            "a.toml",
            event("\"2022-07-04\"", "duration = \"2h\"\n"),
            "error: events[0].duration: an all-day event lasts whole days",
            "--> feeds/a.toml:12:12",
        ),
        case(
            "all-day event ending at a time",
            "a.toml",
            event("\"2022-07-04\"", "end = \"2022-07-05T10:00\"\n"),
            "error: events[0].end: an all-day event (its start is a date) must end on a date",
            "--> feeds/a.toml:12:7",
        ),
        case(
            "timed event ending on a date",
            "a.toml",
            event("\"2022-07-04T19:00\"", "end = \"2022-07-05\"\n"),
            "error: events[0].end: a timed event (its start has a time) must end at a time",
            "--> feeds/a.toml:12:7",
        ),
        case(
            "reminder in words",
            "a.toml",
            event("\"2022-07-04T19:00\"", "reminders = [\"soon\"]\n"),
            "error: events[0].reminders[0]: invalid duration \"soon\"; expected a duration like 2h, 90m, 1h30m, 1d, 1w or ISO 8601 PT2H / P1D",
            "--> feeds/a.toml:12:14",
        ),
        case(
            "refresh in words",
            "a.toml",
            channel("refresh = \"daily\""),
            "error: channel.refresh: invalid duration \"daily\"; expected a duration like 2h, 90m, 1h30m, 1d, 1w or ISO 8601 PT2H / P1D",
            "--> feeds/a.toml:7:11",
        ),
        case(
            "updated in words",
            "a.toml",
            channel("updated = \"yesterday\""),
            "error: channel.updated: invalid date or time \"yesterday\"; expected a local time like 2022-07-04T19:00 (in the zone that applies), an instant like 2022-07-04T11:00:00Z or 2022-07-04T19:00:00+08:00, or a date like 2022-07-04",
            "--> feeds/a.toml:7:11",
        ),
        // Also what tests/cli.rs javascript_url_is_rejected asserted.
        case(
            "javascript: link",
            "a.toml",
            event(
                "\"2022-07-04T19:00\"",
                "livestream = \"javascript:alert(1)\"\n",
            ),
            "error: events[0].livestream: \"javascript:alert(1)\" is a javascript: link, not a web address",
            "--> feeds/a.toml:12:14",
        ),
        case(
            "data: link",
            "a.toml",
            event(
                "\"2022-07-04T19:00\"",
                "image = \"data:image/svg+xml,<svg onload=alert(1)>\"\n",
            ),
            "error: events[0].image: \"data:image/svg+xml,<svg onload=alert(1)>\" is a data: link, not a web address",
            "--> feeds/a.toml:12:9",
        ),
        case(
            "relative link",
            "a.toml",
            event("\"2022-07-04T19:00\"", "url = \"/launch\"\n"),
            "error: events[0].url: \"/launch\" is not a valid URL (relative URL without a base)",
            "--> feeds/a.toml:12:7",
        ),
        case(
            "link without a host",
            "a.toml",
            CHANNEL.replace("https://example.org/", "https://"),
            "error: channel.link: \"https://\" is not a valid URL (empty host)",
            "--> feeds/a.toml:4:8",
        ),
        // Also what tests/cli.rs control_character_is_rejected asserted.
        case(
            "control character",
            "a.toml",
            event("\"2022-07-04T19:00\"", "location = \"Hall\\u0007\"\n"),
            "error: events[0].location: contains the control character U+0007",
            "--> feeds/a.toml:12:12",
        ),
        // Also what tests/cli.rs unknown_related_event_is_rejected asserted.
        case(
            "unknown related event",
            "a.toml",
            event(
                "\"2022-07-04T19:00\"",
                "\n[[articles]]\nid = \"news\"\ntitle = \"News\"\npublished = \"2022-06-28\"\nevents = [\"lunch\"]\n",
            ),
            "error: articles[0].events[0]: no event has the id \"lunch\"",
            "--> feeds/a.toml:17:11",
        )
        .also(&["help: did you mean \"launch\"?"]),
        // Also what tests/cli.rs invalid_status_lists_the_valid_ones asserted.
        case(
            "unknown status",
            "a.toml",
            event("\"2022-07-04T19:00\"", "status = \"postponed\"\n"),
            "error: events[0].status: unknown variant `postponed`, expected one of `confirmed`, `tentative`, `cancelled`",
            "--> feeds/a.toml:12:10",
        ),
        // Also what tests/cli.rs value_of_the_wrong_type_is_rejected asserted.
        case(
            "text for a number",
            "a.toml",
            event("\"2022-07-04T19:00\"", "sequence = \"one\"\n"),
            "error: events[0].sequence: invalid type: string \"one\", expected u32",
            "--> feeds/a.toml:12:12",
        ),
        case(
            "negative number",
            "a.toml",
            event("\"2022-07-04T19:00\"", "sequence = -1\n"),
            "error: events[0].sequence: invalid value: integer `-1`, expected u32",
            "--> feeds/a.toml:12:12",
        ),
        case(
            "unterminated TOML string",
            "a.toml",
            format!("{CHANNEL}\n[[events]]\nid = \"launch\ntitle = \"Launch\"\n"),
            "error: events[0].id: invalid basic string, expected `\"`",
            "--> feeds/a.toml:9:13",
        ),
        // The parser stops at the next line, wanting `,` or `]`: the list's own line and
        // field are named instead.
        case(
            "list without its closing bracket",
            "a.toml",
            event(
                "\"2022-07-04T19:00\"",
                "categories = [\"a\", \"b\"\nlocation = \"Hall\"\n",
            ),
            "error: events[0].categories: this list is not closed: expected `]` after its last item",
            "--> feeds/a.toml:12:23",
        ),
        case(
            "empty file",
            "a.toml",
            "",
            "error: channel: missing field `channel`",
            "--> feeds/a.toml:1:1",
        ),
        case(
            "JSON trailing comma",
            "a.json",
            "{\n  \"channel\": {\n    \"title\": \"T\",\n  }\n}\n",
            "error: channel: trailing comma",
            "--> feeds/a.json:4:3",
        ),
        case(
            "JSON number for a text",
            "a.json",
            format!("{{\n  \"channel\": {{\n    \"title\": 7,\n    {JSON_CHANNEL}\n  }}\n}}\n"),
            "error: channel.title: invalid type: integer `7`, expected a string",
            "--> feeds/a.json:3:14",
        ),
        case(
            "JSON lone surrogate",
            "a.json",
            format!(
                "{{\n  \"channel\": {{\n    \"title\": \"T\\ud800\",\n    {JSON_CHANNEL}\n  }}\n}}\n"
            ),
            "error: channel.title: unexpected end of hex escape: a \\u escape in the range D800-DFFF is half of a UTF-16 surrogate pair, not a character",
            "--> feeds/a.json:3:22",
        ),
        case(
            "DEL character",
            "a.toml",
            event("\"2022-07-04T19:00\"", "location = \"Hall\\u007F\"\n"),
            "error: events[0].location: contains the control character U+007F",
            "--> feeds/a.toml:12:12",
        ),
        case(
            "category on two lines",
            "a.toml",
            event(
                "\"2022-07-04T19:00\"",
                "categories = [\"Phones\\nTablets\"]\n",
            ),
            "error: events[0].categories[0]: a category is one line of text",
            "--> feeds/a.toml:12:15",
        ),
        // Also what tests/cli.rs file_name_that_is_not_a_slug_is_rejected asserted.
        case(
            "file name that is not a slug",
            "big launch.toml",
            event("\"2022-07-04T19:00\"", ""),
            "error: file name \"big launch\" cannot be a slug: ' ' is not allowed",
            "--> feeds/big launch.toml",
        ),
        // What tests/cli.rs misspelt_key_is_rejected asserted.
        case(
            "misspelt key in an event",
            "a.toml",
            event("\"2022-07-04T19:00\"", "tittle = \"Launch day\"\n"),
            "error: events[0].tittle: unknown field `tittle`; did you mean `title`?",
            "--> feeds/a.toml:12:1",
        ),
        // What tests/cli.rs blank_required_field_is_rejected asserted.
        case(
            "blank event title",
            "a.toml",
            event("\"2022-07-04T19:00\"", "")
                .replace("title = \"Launch\"\n", "title = \"   \"\n"),
            "error: events[0].title: must not be empty",
            "--> feeds/a.toml:10:9",
        ),
        // What tests/cli.rs duplicate_event_ids_are_rejected asserted.
        case(
            "duplicate id",
            "a.toml",
            event(
                "\"2022-07-04T19:00\"",
                "\n[[events]]\nid = \"launch\"\ntitle = \"Again\"\nstart = \"2022-07-05\"\n",
            ),
            "error: events[1].id: duplicate id \"launch\": events[0] already uses it",
            "--> feeds/a.toml:14:6",
        ),
        // What tests/cli.rs article_id_equal_to_an_event_id_is_rejected asserted.
        case(
            "article id equal to an event id",
            "a.toml",
            event(
                "\"2022-07-04T19:00\"",
                "\n[[articles]]\nid = \"launch\"\ntitle = \"News\"\npublished = \"2022-06-28\"\n",
            ),
            "error: articles[0].id: duplicate id \"launch\": events[0] already uses it",
            "--> feeds/a.toml:14:6",
        ),
        // What tests/cli.rs invalid_language_tag_is_rejected asserted.
        case(
            "language tag with an underscore",
            "a.toml",
            CHANNEL.replace("language = \"en\"", "language = \"en_GB\""),
            "error: channel.language: \"en_GB\" is not a language tag",
            "--> feeds/a.toml:5:12",
        ),
        case(
            "language name for a tag",
            "a.toml",
            CHANNEL.replace("language = \"en\"", "language = \"English\""),
            "error: channel.language: \"English\" is not a language tag",
            "--> feeds/a.toml:5:12",
        )
        .also(&["help: did you mean \"en\"?"]),
        // What tests/cli.rs json_type_error_points_at_its_line_and_column asserted: serde_json
        // points at the last character of the value, and its own ` at line ` is not shown.
        case(
            "JSON text for a number",
            "a.json",
            format!(
                "{{\"channel\": {{\"title\": \"T\", {JSON_CHANNEL}}},\n \"events\": [{{\"id\": \"a\", \"title\": \"A\", \"start\": \"2022-07-04T19:00\", \"sequence\": \"x\"}}]}}\n"
            ),
            "error: events[0].sequence: invalid type: string \"x\", expected u32",
            "--> feeds/a.json:2:82",
        )
        .lacks(&[" at line "]),
        // What tests/cli.rs json_validation_error_points_at_its_line_and_column asserted.
        case(
            "unknown zone in JSON",
            "a.json",
            format!(
                "{{\"channel\": {{\"title\": \"T\", {JSON_CHANNEL}}},\n \"events\": [{{\"id\": \"a\", \"title\": \"A\", \"start\": \"2022-07-04T19:00\", \"timezone\": \"Mars/Olympus\"}}]}}\n"
            ),
            "error: events[0].timezone: unknown time zone \"Mars/Olympus\"; expected an IANA zone such as Asia/Shanghai or Europe/London, UTC, or a fixed offset such as GMT+8 or UTC-05:30",
            "--> feeds/a.json:2:80",
        ),
    ]
}

/// Runs `calfeed` (`check`, or `build` over an earlier good build) on `file` alone.
fn run(command: &str, file: &str, text: &str) -> Ran {
    let test = Test::new().feed(file, text).args([command]).any_status();
    match command {
        "build" => test.public_untouched().run(),
        _ => test.run(),
    }
}

/// `expected` and `actual` one above the other, with a caret where they part.
fn diff(what: &str, expected: &str, actual: &str) -> String {
    let same = expected
        .chars()
        .zip(actual.chars())
        .take_while(|(a, b)| a == b)
        .count();
    format!(
        "{what}\n  expected: {expected}\n  actual:   {actual}\n            {}^\n",
        " ".repeat(same)
    )
}

/// What is wrong with `ran` for `case`: the exit status, the first line, the location,
/// what stderr must and must not say; and after `build`, that it was the one problem and
/// nothing was written.
fn problems(case: &Case, command: &str, ran: &Ran) -> String {
    let stderr = &ran.stderr;
    let first = stderr.lines().next().unwrap_or("");
    let at = stderr
        .lines()
        .find(|l| l.trim_start().starts_with("--> "))
        .map_or("", str::trim_start);
    let mut problems = String::new();
    if ran.code != Some(1) {
        problems.push_str(&format!("exit status {:?}, expected 1\n", ran.code));
    }
    if first != case.first_line {
        problems.push_str(&diff("first line", case.first_line, first));
    }
    if at != case.at {
        problems.push_str(&diff("location", case.at, at));
    }
    for fragment in case.also {
        if !stderr.contains(fragment) {
            problems.push_str(&format!("stderr lacks {fragment:?}\n"));
        }
    }
    for fragment in case.lacks {
        if stderr.contains(fragment) {
            problems.push_str(&format!("stderr has {fragment:?}\n"));
        }
    }
    if command == "build" {
        let count = diagnostics(stderr)
            .filter(|block| block.contains("--> "))
            .count();
        if count != 1 {
            problems.push_str(&format!("{count} diagnostics, expected 1\n"));
        }
        let summary = "error: 1 problem(s) in the input; nothing was written";
        if !stderr.contains(summary) {
            problems.push_str(&format!("stderr lacks {summary:?}\n"));
        }
    }
    problems
}

/// Each case, through `check` and through `build` (which also must leave `public/` as it
/// was: checked by [`Test::public_untouched`]).
#[test]
fn every_bad_input_gets_its_exact_message_and_location() {
    let cases = cases();
    assert!(cases.len() >= 20);
    let mut failures = String::new();
    for case in &cases {
        for command in ["check", "build"] {
            let ran = run(command, case.file, &case.text);
            let problems = problems(case, command, &ran);
            if !problems.is_empty() {
                failures.push_str(&format!(
                    "---- {} ({}, {command})\n{problems}stderr:\n{}\n",
                    case.name, case.file, ran.stderr
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{failures}");
}
