//! Date order: `calfeed occurrences` merges every event's occurrences in the order they
//! happen, in each event's own time with its offset and end; the publication's page lists
//! upcoming events by start (then id) and articles newest first.

use crate::support::Test;
use crate::support::fixtures::publication;

/// Events written in the file out of date order, in three zones, one repeating with an
/// exception and a moved occurrence, an all-day one and one crossing New York's DST change.
fn mixed() -> String {
    publication(
        r#"
        [[events]]
        id = "weekly"
        title = "Weekly call"
        start = "2025-03-06T17:00"
        timezone = "America/New_York"
        duration = "1h"
        repeat = { every = "week", count = 4 }
        except = ["2025-03-13T17:00"]

        [[events.overrides]]
        occurrence = "2025-03-20T17:00"
        start = "2025-03-21T09:00"

        [[events]]
        id = "fair"
        title = "Fair"
        start = "2025-03-20"
        end = "2025-03-21"
        status = "cancelled"

        [[events]]
        id = "late"
        title = "Late night"
        start = "2025-03-20T23:30"
        timezone = "Asia/Kolkata"
        duration = "2h"

        [[events]]
        id = "early"
        title = "Early"
        start = "2025-03-01T08:00"
        "#,
    )
}

#[test]
fn occurrences_are_merged_in_date_order_in_local_time_with_ends() {
    let ran = Test::new()
        .feed("shows.toml", &mixed())
        .args(["occurrences", "--from", "2025-01-01"])
        .run();
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "2025-03-01 08:00 +08:00 Asia/Shanghai                  early   Early",
            "2025-03-06 17:00–18:00 -05:00 America/New_York         weekly  Weekly call",
            "2025-03-20 to 2025-03-21 (all day)                     fair    Fair (cancelled)",
            "2025-03-20 23:30–2025-03-21 01:30 +05:30 Asia/Kolkata  late    Late night",
            "2025-03-21 09:00–10:00 -04:00 America/New_York         weekly  Weekly call",
            "2025-03-27 17:00–18:00 -04:00 America/New_York         weekly  Weekly call",
        ],
        "{}",
        ran.stdout
    );
}

#[test]
fn occurrences_in_utc_and_as_json_carry_both_times() {
    let ran = Test::new()
        .feed("shows.toml", &mixed())
        .args(["occurrences", "--from", "2025-03-02", "--utc"])
        .run();
    let first = ran.stdout.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "2025-03-06 22:00–23:00 UTC          weekly  Weekly call"
    );
    let ran = ran
        .then()
        .args(["occurrences", "--from", "2025-03-21", "--format", "json"])
        .run();
    let rows: Vec<serde_json::Value> = ran
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(rows.len(), 2, "{}", ran.stdout);
    let moved = &rows[0];
    assert_eq!(moved["event"], "weekly");
    assert_eq!(moved["start"], "2025-03-21T13:00:00Z");
    assert_eq!(moved["end"], "2025-03-21T14:00:00Z");
    assert_eq!(moved["local_start"], "2025-03-21T09:00:00-04:00");
    assert_eq!(moved["local_end"], "2025-03-21T10:00:00-04:00");
    assert_eq!(moved["timezone"], "America/New_York");
}

#[test]
fn occurrences_of_several_publications_are_merged_and_named() {
    let other = publication(
        r#"
        [[events]]
        id = "talk"
        title = "Talk"
        start = "2025-03-10T12:00"
        duration = "30m"
        "#,
    );
    let ran = Test::new()
        .feed("shows.toml", &mixed())
        .feed("talks.toml", &other)
        .args([
            "occurrences",
            "--from",
            "2025-03-02",
            "--until",
            "2025-03-20",
        ])
        .run();
    let ids: Vec<&str> = ran
        .stdout
        .lines()
        .filter_map(|line| {
            line.split_whitespace()
                .find(|w| w.starts_with("shows/") || w.starts_with("talks/"))
        })
        .collect();
    assert_eq!(ids, ["shows/weekly", "talks/talk"], "{}", ran.stdout);
}

#[test]
fn the_page_lists_upcoming_events_by_start_then_id_and_articles_newest_first() {
    let data = publication(
        r#"
        updated = "2025-01-01T00:00:00Z"

        [[events]]
        id = "zebra"
        title = "Zebra talk"
        start = "2025-05-01T10:00"

        [[events]]
        id = "later"
        title = "Later"
        start = "2025-06-01T10:00"

        [[events]]
        id = "aardvark"
        title = "Aardvark talk"
        start = "2025-05-01T10:00"

        [[events]]
        id = "past"
        title = "Past"
        start = "2024-06-01T10:00"

        [[articles]]
        id = "older"
        title = "Older"
        published = "2024-12-01"

        [[articles]]
        id = "newer"
        title = "Newer"
        published = "2024-12-20"
        "#,
    );
    let ran = Test::new().feed("shows.toml", &data).args(["build"]).run();
    let page = ran.read("public/shows/index.html");
    let position = |id: &str| {
        page.find(&format!("<article id=\"{id}\""))
            .unwrap_or_else(|| panic!("{id} is not on the page"))
    };
    assert!(!page.contains("<article id=\"past\""));
    assert!(
        position("aardvark") < position("zebra"),
        "same start: by id"
    );
    assert!(position("zebra") < position("later"));
    assert!(
        position("newer") < position("older"),
        "articles newest first"
    );
}

#[test]
fn an_all_day_event_comes_before_that_days_timed_events_on_the_page() {
    // Shanghai is 8 hours ahead of UTC: 07:00 there is 23:00 UTC the day before, which
    // came before midnight UTC, where all-day events used to be placed.
    let data = publication(
        r#"
        updated = "2025-01-01T00:00:00Z"

        [[events]]
        id = "breakfast"
        title = "Breakfast talk"
        start = "2025-05-01T07:00"

        [[events]]
        id = "fair"
        title = "Fair"
        start = "2025-05-01"
        "#,
    );
    let ran = Test::new().feed("shows.toml", &data).args(["build"]).run();
    let page = ran.read("public/shows/index.html");
    let fair = page.find("<article id=\"fair\"").expect("fair");
    let breakfast = page.find("<article id=\"breakfast\"").expect("breakfast");
    assert!(fair < breakfast, "the all-day event first");
    let listed = ran
        .then()
        .args(["occurrences", "--from", "2025-04-01"])
        .run();
    let ids: Vec<&str> = listed
        .stdout
        .lines()
        .filter_map(|l| {
            l.split_whitespace()
                .find(|w| ["fair", "breakfast"].contains(w))
        })
        .collect();
    assert_eq!(ids, ["fair", "breakfast"], "{}", listed.stdout);
}
