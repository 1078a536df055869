//! A newcomer's mistakes (issue 13): one root cause gives one error, help lines name a
//! handful of candidates nearest first, mistyped exceptions and line breaks in one-line
//! fields are refused, language tags are language tags.

use crate::support::Test;
use crate::support::api::Format;
use crate::support::fixtures::{CHANNEL, MINIMAL_JSON, problems, publication};

/// An article that names the event `spring-launch`, which has `event` as its other lines.
fn referenced(event: &str) -> String {
    publication(&format!(
        r#"
        [[events]]
        id = "spring-launch"
        title = "Spring launch"
        {}

        [[articles]]
        id = "announced"
        title = "Announced"
        published = "2025-01-10"
        events = ["spring-launch"]

        [[articles]]
        id = "reminder"
        title = "Reminder"
        published = "2025-01-11"
        events = ["spring-launch"]
        "#,
        event.trim().replace('\n', "\n        ")
    ))
}

/// Each kind of invalid event that articles name: exactly the one diagnostic of the
/// event's own mistake, and none about the articles naming it.
#[test]
fn an_invalid_event_named_by_articles_gives_one_error() {
    let kinds = [
        (
            "bad start",
            "start = \"2025-03-20T25:00\"",
            "events[0].start",
        ),
        (
            "bad end",
            "start = \"2025-03-20T17:00\"\nend = \"soon\"",
            "events[0].end",
        ),
        (
            "end before start",
            "start = \"2025-03-20T17:00\"\nend = \"2025-03-20T16:00\"",
            "events[0].end",
        ),
        (
            "end in a daylight-saving overlap",
            "start = \"2024-11-03T00:30\"\nend = \"2024-11-03T01:30\"\ntimezone = \"America/New_York\"",
            "events[0].end",
        ),
        (
            "start in a daylight-saving gap",
            "start = \"2024-03-10T02:30\"\ntimezone = \"America/New_York\"",
            "events[0].start",
        ),
        (
            "bad zone",
            "start = \"2025-03-20T17:00\"\ntimezone = \"Mars/Olympus\"",
            "events[0].timezone",
        ),
        (
            "bad duration",
            "start = \"2025-03-20T17:00\"\nduration = \"an hour\"",
            "events[0].duration",
        ),
        (
            "end and duration",
            "start = \"2025-03-20T17:00\"\nend = \"2025-03-20T18:00\"\nduration = \"1h\"",
            "events[0].duration",
        ),
        (
            "all-day event ending at a time",
            "start = \"2025-03-20\"\nend = \"2025-03-21T10:00\"",
            "events[0].end",
        ),
        (
            "bad rule",
            "start = \"2025-03-20T17:00\"\nduration = \"1h\"\nrrule = \"FREQ=SOMETIMES\"",
            "events[0].rrule",
        ),
        (
            "bad repeat",
            "start = \"2025-03-20T17:00\"\nduration = \"1h\"\nrepeat = { every = \"fortnight\" }",
            "events[0].repeat",
        ),
    ];
    let mut failures = String::new();
    for (kind, event, field) in kinds {
        let found = problems(&referenced(event), Format::Toml);
        let fields: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
        if fields != [field] {
            failures.push_str(&format!("{kind}: expected only {field}, got {found:?}\n"));
        }
    }
    assert!(failures.is_empty(), "\n{failures}");
}

/// Through the binary too: the summary counts one problem.
#[test]
fn the_command_reports_one_problem_for_one_mistake() {
    Test::new()
        .feed(
            "launch.toml",
            &referenced("start = \"2025-03-20T25:00\"\nduration = \"1h\""),
        )
        .args(["check"])
        .status(1)
        .diagnostic_count(1)
        .stderr_contains("error: 1 problem(s) in the input")
        .stderr_lacks("no event has the id")
        .run();
}

/// An id that is nowhere in the file is still refused, its help naming at most five ids,
/// nearest first, however many events there are.
#[test]
fn an_unknown_id_gets_a_handful_of_candidates_nearest_first() {
    let mut text = CHANNEL.to_string();
    for i in 0..200 {
        text.push_str(&format!(
            "\n[[events]]\nid = \"talk-{i}\"\ntitle = \"Talk {i}\"\nstart = \"2025-03-20T17:00\"\n"
        ));
    }
    let article = |id: &str| {
        format!(
            "{text}\n[[articles]]\nid = \"news\"\ntitle = \"News\"\npublished = \"2025-01-10\"\nevents = [\"{id}\"]\n"
        )
    };
    let ran = Test::new()
        .feed("talks.toml", &article("keynote"))
        .args(["check"])
        .status(1)
        .diagnostic_count(1)
        .stderr_contains("error: articles[0].events[0]: no event has the id \"keynote\"")
        .run();
    let help = ran
        .stderr
        .lines()
        .find(|l| l.contains("= help: "))
        .expect("a help line");
    let listed = help.split_once(": ").unwrap().1;
    let listed = listed.split_once(": ").unwrap().1;
    assert!(
        help.contains("the nearest of the 200 event ids: "),
        "{help}"
    );
    assert_eq!(listed.split(", ").count(), 5, "{help}");
    assert!(help.len() < 200, "{help}");
    // A near miss gets the id meant.
    let found = problems(&article("talk-1o"), Format::Toml);
    assert_eq!(
        found,
        [(
            "articles[0].events[0]".to_string(),
            "no event has the id \"talk-1o\"".to_string()
        )]
    );
    Test::new()
        .feed("talks.toml", &article("Talk_17"))
        .args(["check"])
        .status(1)
        .stderr_contains("= help: did you mean \"talk-17\"?")
        .run();
}

// ---- except ---------------------------------------------------------------------------------

/// A weekly meeting at 17:00 (New York), with `except` lines added.
fn weekly(except: &str) -> String {
    publication(&format!(
        r#"
        [[events]]
        id = "standup"
        title = "Stand-up"
        start = "2025-03-06T17:00"
        duration = "30m"
        timezone = "America/New_York"
        repeat = {{ every = "week", count = 8 }}
        except = [{except}]
        "#
    ))
}

#[test]
fn an_exception_that_matches_no_occurrence_is_refused() {
    let text = weekly("\"2025-03-20T18:00\"");
    Test::new()
        .feed("team.toml", &text)
        .args(["check"])
        .status(1)
        .diagnostic(
            crate::support::fixtures::at("team.toml", &text, "\"2025-03-20T18:00\""),
            "events[0].except[0]",
            "this is not an occurrence of the event's rule",
        )
        .diagnostic_count(1)
        .stderr_contains(
            "= help: write the start the rule gives the occurrence to cancel: the nearest are \
             2025-03-20T17:00 and 2025-03-27T17:00",
        )
        .run();
    // Real occurrences are kept: 17:00 local, 21:00Z the same instant; an extra date may
    // be excepted too.
    let text = weekly("\"2025-03-20T17:00\", \"2025-03-27T21:00Z\", \"2025-03-08T09:00\"").replace(
        "except = [",
        "extra = [\"2025-03-08T09:00\"]\n        except = [",
    );
    let ran = Test::new().feed("team.toml", &text).args(["build"]).run();
    let ics = ran.read("public/team.ics");
    assert_eq!(ics.matches("EXDATE").count(), 3, "{ics}");
}

#[test]
fn an_override_of_no_occurrence_names_the_nearest_ones() {
    let text = weekly("").replace(
        "except = []",
        "\n[[events.overrides]]\noccurrence = \"2025-03-13T18:00\"\nstatus = \"cancelled\"",
    );
    Test::new()
        .feed("team.toml", &text)
        .args(["check"])
        .status(1)
        .stderr_contains(
            "error: events[0].overrides[0].occurrence: this is not an occurrence of the event's rule",
        )
        .stderr_contains(
            "= help: write the start the rule gives that occurrence, before it moved: the nearest \
             are 2025-03-13T17:00 and 2025-03-20T17:00",
        )
        .run();
}

#[test]
fn an_all_day_exception_off_the_rule_names_the_nearest_days() {
    let text = publication(
        r#"
        [[events]]
        id = "market"
        title = "Market"
        start = "2025-03-01"
        repeat = { every = "month", count = 6 }
        except = ["2025-04-02"]
        "#,
    );
    let found = problems(&text, Format::Toml);
    assert_eq!(
        found,
        [(
            "events[0].except[0]".to_string(),
            "this is not an occurrence of the event's rule".to_string()
        )]
    );
    Test::new()
        .feed("market.toml", &text)
        .args(["check"])
        .status(1)
        .stderr_contains("the nearest are 2025-04-01 and 2025-05-01")
        .run();
}

#[test]
fn json_publications_get_the_same_refusal() {
    let text = MINIMAL_JSON.replace(
        r#""duration": "2h" }"#,
        r#""duration": "2h", "rrule": "FREQ=DAILY;COUNT=3", "except": ["2022-07-05T20:00"] }"#,
    );
    let found = problems(&text, Format::Json);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "events[0].except[0]");
}

// ---- One-line fields ------------------------------------------------------------------------

/// A line break in a title, a location, an author or a link is refused in TOML and JSON,
/// with the usual diagnostic at the field; a description may have as many as it likes.
#[test]
fn line_breaks_in_one_line_fields_are_refused() {
    use crate::support::fixtures::{Field, fixture};
    for field in [
        Field::ChannelTitle,
        Field::ChannelAuthor,
        Field::EventTitle,
        Field::EventLocation,
        Field::ArticleTitle,
        Field::ArticleAuthor,
    ] {
        for value in ["Spring\nlaunch", "Spring\r\nlaunch", "Spring launch\r"] {
            let found = problems(&fixture(field, value), Format::Toml);
            assert_eq!(
                found,
                [(
                    field.path().to_string(),
                    "must be one line of text, without line breaks".to_string()
                )],
                "{value:?}"
            );
        }
    }
    for field in [
        Field::EventDescription,
        Field::ArticleSummary,
        Field::ChannelDescription,
    ] {
        let text = fixture(field, "two\nlines");
        assert!(
            crate::support::api::parse_publication(
                "x",
                "feeds/x.toml",
                &text,
                Format::Toml,
                &crate::support::api::options()
            )
            .is_ok(),
            "{field:?}"
        );
    }
}

#[test]
fn line_breaks_are_refused_in_json_and_in_overrides_and_links() {
    let json = MINIMAL_JSON.replace(r#""title": "Launch""#, r#""title": "Launch\nday""#);
    let found = problems(&json, Format::Json);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "events[0].title");
    let text = weekly("").replace(
        "except = []",
        "livestream = \"https://example.org/\\nlive\"\n\n[[events.overrides]]\n\
         occurrence = \"2025-03-13T17:00\"\ntitle = \"Stand-up\\n(late)\"\nlocation = \"Room\\r\\n4\"",
    );
    let found = problems(&text, Format::Toml);
    let fields: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        [
            "events[0].overrides[0].title",
            "events[0].overrides[0].location",
            "events[0].livestream"
        ],
        "{found:?}"
    );
    // Through the binary: the usual diagnostic, its file, line and column.
    Test::new()
        .feed(
            "launch.json",
            &json.replace("Launch calendar", "Launch\\ncalendar"),
        )
        .args(["check"])
        .status(1)
        .stderr_contains("error: channel.title: must be one line of text, without line breaks\n")
        .stderr_contains("--> feeds/launch.json:3:14")
        .stderr_contains("= help: calendar apps and feed readers show this field on one line")
        .diagnostic_count(2)
        .run();
}

// ---- Languages ------------------------------------------------------------------------------

#[test]
fn a_language_name_is_not_a_language_tag() {
    let text = CHANNEL.replace("language = \"en\"", "language = \"English\"");
    Test::new()
        .feed("launch.toml", &text)
        .args(["check"])
        .status(1)
        .stderr_contains("error: channel.language: \"English\" is not a language tag\n")
        .stderr_contains("= help: did you mean \"en\"?")
        .diagnostic_count(1)
        .run();
    let text = CHANNEL.replace("language = \"en\"", "language = \"zh_CN\"");
    Test::new()
        .feed("launch.toml", &text)
        .args(["check"])
        .status(1)
        .stderr_contains("= help: did you mean \"zh-CN\"?")
        .run();
}

/// An English publication with one article in Chinese.
fn chinese_article(language: &str) -> String {
    publication(&format!(
        r#"
        [[articles]]
        id = "xinwen"
        title = "发布会"
        published = "2025-01-10"
        content = "小米 12S 系列将于 7 月 4 日发布。"
        language = "{language}"

        [[articles]]
        id = "news"
        title = "The launch"
        published = "2025-01-09"
        "#
    ))
}

#[test]
fn an_article_says_its_own_language_in_every_output() {
    let ran = Test::new()
        .feed("launch.toml", &chinese_article("zh"))
        .args(["build"])
        .run();
    let page = ran.read("public/launch/index.html");
    assert!(
        page.contains("<article id=\"xinwen\" class=\"item\" lang=\"zh\">"),
        "{page}"
    );
    assert!(
        page.contains("<article id=\"news\" class=\"item\">"),
        "{page}"
    );
    let own = ran.read("public/launch/xinwen.html");
    assert!(own.contains("lang=\"zh\">"), "{own}");
    let atom = ran.read("public/launch.atom");
    assert_eq!(atom.matches("<entry xml:lang=\"zh\">").count(), 1, "{atom}");
    assert_eq!(atom.matches("<entry>").count(), 1, "{atom}");
    let rss = ran.read("public/launch.xml");
    assert_eq!(
        rss.matches("<dc:language>zh</dc:language>").count(),
        1,
        "{rss}"
    );
    let json = crate::support::json::parse(&ran.read("public/launch.json"));
    assert_eq!(json["language"], "en");
    assert_eq!(json["items"][0]["language"], "zh");
    assert!(json["items"][1].get("language").is_none());
}

#[test]
fn an_articles_language_is_checked_like_the_channels() {
    let found = problems(&chinese_article("Chinese"), Format::Toml);
    assert_eq!(
        found,
        [(
            "articles[0].language".to_string(),
            "\"Chinese\" is not a language tag".to_string()
        )]
    );
    Test::new()
        .feed("launch.toml", &chinese_article("简体中文"))
        .args(["check"])
        .status(1)
        .stderr_contains("= help: did you mean \"zh-Hans\"?")
        .run();
}

// ---- An event without an end ----------------------------------------------------------------

/// Accepted (a deadline is a moment), published without DTEND, and `check` says so at the
/// event's start; an all-day event without an end lasts its one day and is not mentioned.
#[test]
fn an_event_without_an_end_is_published_as_a_moment_with_a_warning() {
    let text = publication(
        r#"
        [[events]]
        id = "deadline"
        title = "Entries close"
        start = "2025-03-20T17:00"

        [[events]]
        id = "fair"
        title = "Fair"
        start = "2025-03-21"

        [[events]]
        id = "talk"
        title = "Talk"
        start = "2025-03-22T17:00"
        duration = "1h"
        "#,
    );
    let ran = Test::new()
        .feed("dates.toml", &text)
        .args(["check"])
        .stderr_contains(
            "warning: events[0].start: the event has neither `end` nor `duration`: it is \
             published as a moment, which calendars show as lasting no time\n",
        )
        .stderr_contains(crate::support::fixtures::at(
            "dates.toml",
            &text,
            "\"2025-03-20T17:00\"",
        ))
        .stderr_contains("= help: give its length (e.g. duration = \"1h\") or its `end`")
        .run();
    assert_eq!(ran.stderr.matches("warning:").count(), 1, "{}", ran.stderr);
    let built = Test::new().feed("dates.toml", &text).args(["build"]).run();
    let ics = built.read("public/dates/deadline.ics");
    assert!(!ics.contains("DTEND") && !ics.contains("DURATION"), "{ics}");
}
