//! Time zones and times: offsets as zones, daylight-saving overlaps, all-day ends, TOML's
//! date and time literals, and `repeat.until`.

use std::path::PathBuf;

use crate::support::Test;
use crate::support::fixtures::{publication, with_event};
use crate::support::ics::event_lines;
use crate::support::tree::contents;

/// Both readings of New York's repeated 01:30 on 2024-11-03, spelled with their offsets.
fn overlap_with_offsets() -> String {
    publication(
        r#"
        [[events]]
        id = "early"
        title = "At 01:30 EDT"
        start = "2024-11-03T01:30-04:00"
        timezone = "America/New_York"

        [[events]]
        id = "late"
        title = "At 01:30 EST"
        start = "2024-11-03T01:30-05:00"
        timezone = "America/New_York"
        "#,
    )
}

#[test]
fn time_in_a_daylight_saving_overlap_with_offset_builds() {
    let ran = Test::new()
        .feed("launch.toml", &overlap_with_offsets())
        .args(["build"])
        .run();
    // RFC 5545 3.3.5: a repeated local time with a TZID means its first occurrence, so the
    // EDT reading may be written as wall-clock time.
    assert_eq!(
        event_lines(&ran.read("public/launch/early.ics"), "DTSTART"),
        ["DTSTART;TZID=America/New_York:20241103T013000"]
    );
    assert!(ran.path("public/launch/late.ics").is_file());
}

#[test]
fn second_occurrence_of_a_repeated_local_time_keeps_its_instant() {
    let ran = Test::new()
        .feed("launch.toml", &overlap_with_offsets())
        .args(["build"])
        .run();
    // 01:30 EST is 06:30 UTC; `DTSTART;TZID=America/New_York:20241103T013000` would mean
    // 01:30 EDT = 05:30 UTC. Only the UTC form can say the later one.
    let ics = ran.read("public/launch/late.ics");
    assert_eq!(
        event_lines(&ics, "DTSTART"),
        ["DTSTART:20241103T063000Z"],
        "{ics}"
    );
}

#[test]
fn whole_hour_gmt_offset_becomes_its_etc_zone() {
    let text = with_event(
        r#"
        start = "2022-07-04T19:00"
        timezone = "GMT+8"
        "#,
    );
    let ran = Test::new().feed("launch.toml", &text).args(["build"]).run();
    for file in ["public/launch.ics", "public/launch/launch.ics"] {
        assert_eq!(
            event_lines(&ran.read(file), "DTSTART"),
            ["DTSTART;TZID=Etc/GMT-8:20220704T190000"],
            "{file}"
        );
    }
}

#[test]
fn half_hour_offset_is_written_in_utc() {
    let text = with_event(
        r#"
        start = "2022-07-04T19:00"
        duration = "90m"
        timezone = "UTC+05:30"
        "#,
    );
    let ran = Test::new().feed("launch.toml", &text).args(["build"]).run();
    let ics = ran.read("public/launch/launch.ics");
    // 19:00 at UTC+05:30 is 13:30 UTC.
    assert_eq!(
        event_lines(&ics, "DTSTART"),
        ["DTSTART:20220704T133000Z"],
        "{ics}"
    );
    assert_eq!(
        event_lines(&ics, "DTEND"),
        ["DTEND:20220704T150000Z"],
        "{ics}"
    );
    assert!(!ics.contains("TZID="), "{ics}");
}

#[test]
fn all_day_event_ends_the_day_after_its_last_day() {
    let text = with_event(
        r#"
        start = "2024-03-10"
        end = "2024-03-11"
        "#,
    );
    let ran = Test::new().feed("launch.toml", &text).args(["build"]).run();
    let ics = ran.read("public/launch/launch.ics");
    assert_eq!(
        event_lines(&ics, "DTSTART"),
        ["DTSTART;VALUE=DATE:20240310"],
        "{ics}"
    );
    assert_eq!(
        event_lines(&ics, "DTEND"),
        ["DTEND;VALUE=DATE:20240312"],
        "{ics}"
    );
}

/// The files a build of a one-event publication with `start` and `end` written as given
/// (quoted or not) produces.
fn built_with_times(start: &str, end: &str) -> Vec<(PathBuf, Option<Vec<u8>>)> {
    let text = with_event(&format!("start = {start}\nend = {end}"));
    let ran = Test::new().feed("launch.toml", &text).args(["build"]).run();
    let ics = ran.read("public/launch/launch.ics");
    assert_eq!(event_lines(&ics, "DTSTART").len(), 1, "{ics}");
    contents(&ran.path("public"))
}

#[test]
fn toml_local_date_time_literal_works_like_a_string() {
    let literal = built_with_times("2022-07-04T19:00:00", "2022-07-04T21:00:00");
    let quoted = built_with_times(r#""2022-07-04T19:00""#, r#""2022-07-04T21:00""#);
    assert!(literal == quoted, "the literal form built different files");
    let ran = Test::new()
        .feed(
            "launch.toml",
            &with_event("start = 2022-07-04T19:00:00\nend = 2022-07-04T21:00:00"),
        )
        .args(["build"])
        .run();
    assert_eq!(
        event_lines(&ran.read("public/launch/launch.ics"), "DTSTART"),
        ["DTSTART;TZID=Asia/Shanghai:20220704T190000"]
    );
}

#[test]
fn toml_offset_date_time_literal_works_like_a_string() {
    let literal = built_with_times("2022-07-04T11:00:00Z", "2022-07-04T21:00:00+08:00");
    let quoted = built_with_times(
        r#""2022-07-04T11:00:00Z""#,
        r#""2022-07-04T21:00:00+08:00""#,
    );
    assert!(literal == quoted, "the literal form built different files");
}

#[test]
fn toml_date_literal_works_like_a_string() {
    let literal = built_with_times("2024-03-10", "2024-03-11");
    let quoted = built_with_times(r#""2024-03-10""#, r#""2024-03-11""#);
    assert!(literal == quoted, "the literal form built different files");
}

#[test]
fn repeat_until_is_a_date_inclusive_and_must_fit_the_event() {
    let weekly = publication(
        r#"
        [[events]]
        id = "show"
        title = "Show"
        start = "2024-10-24T19:00"
        timezone = "America/New_York"
        repeat = { every = "week", until = "2024-11-07" }
        "#,
    );
    let ran = Test::new()
        .feed("shows.toml", &weekly)
        .args(["build"])
        .run();
    // The last day ends at 23:59:59 New York time, in UTC as RFC 5545 requires.
    assert!(
        ran.read("public/shows.ics")
            .contains("\r\nRRULE:FREQ=WEEKLY;UNTIL=20241108T045959Z\r\n")
    );
    let all_day = publication(
        r#"
        [[events]]
        id = "fair"
        title = "Fair"
        start = "2024-10-24"
        repeat = { every = "week", until = "2024-11-07T10:00" }
        "#,
    );
    Test::new()
        .feed("fair.toml", &all_day)
        .args(["check"])
        .status(1)
        .stderr_contains("events[0].repeat.until: an all-day event's occurrences are dates")
        .run();
}
