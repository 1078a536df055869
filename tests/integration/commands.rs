//! The command line itself and the smaller commands: help and exit codes, `occurrences`,
//! `init`, `new`, completions and the man page.

use crate::support::Test;
use crate::support::fixtures::{MINIMAL, publication};

#[test]
fn help_lists_the_exit_codes() {
    for args in [
        vec!["--help"],
        vec!["build", "--help"],
        vec!["check", "--help"],
    ] {
        Test::new()
            .args(args)
            .stdout_contains("Exit codes:")
            .stdout_contains("1  the input data is invalid")
            .stdout_contains("2  the command line is invalid")
            .stdout_contains("3  `build --check`")
            .stdout_contains("4  the output could not be written")
            .run();
    }
}

#[test]
fn unknown_flag_exits_2() {
    Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build", "--frobnicate"])
        .status(2)
        .stderr_contains("--frobnicate")
        .no_public()
        .run();
}

#[test]
fn missing_subcommand_exits_2() {
    Test::new().status(2).stderr_contains("Usage:").run();
}

#[test]
fn occurrences_expand_repeating_events_as_json() {
    let weekly = publication(
        r#"
        [[events]]
        id = "show"
        title = "Show"
        start = "2024-10-24T19:00"
        timezone = "America/New_York"
        duration = "1h"
        repeat = { every = "week", count = 3 }
        "#,
    );
    let ran = Test::new()
        .feed("shows.toml", &weekly)
        .args([
            "occurrences",
            "--in",
            "feeds",
            "--from",
            "2024-01-01",
            "--format",
            "json",
        ])
        .run();
    let starts: Vec<String> = ran
        .stdout
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            value["start"].as_str().expect("start").to_string()
        })
        .collect();
    // New York leaves daylight time on 3 November: the show stays at 19:00 local.
    assert_eq!(
        starts,
        [
            "2024-10-24T23:00:00Z",
            "2024-10-31T23:00:00Z",
            "2024-11-08T00:00:00Z"
        ]
    );
}

#[test]
fn init_writes_an_example_that_builds_and_never_overwrites() {
    let ran = Test::new()
        .args(["init", "site"])
        .stdout_contains("wrote site/feeds/my-events.toml")
        .run();
    let example = ran.read("site/feeds/my-events.toml");
    assert!(example.contains("livestream = "), "{example}");
    assert!(example.contains("[[articles]]"), "{example}");
    let ran = ran
        .then()
        .args(["build", "--in", "site/feeds", "--out", "site/public"])
        .run();
    assert!(ran.path("site/public/my-events.ics").exists());
    ran.then()
        .args(["init", "site"])
        .status(1)
        .stderr_contains("already exists; init never overwrites")
        .run();
}

#[test]
fn new_appends_an_event_with_a_fresh_id_and_an_article() {
    let ran = Test::new()
        .feed("launch.toml", MINIMAL)
        .args([
            "new",
            "event",
            "--feed",
            "launch",
            "--title",
            "Launch",
            "--when",
            "2022-08-01T10:00",
            "--duration",
            "1h",
        ])
        .stdout_contains("added `launch-2` to feeds/launch.toml")
        .run()
        .then()
        .args([
            "new",
            "article",
            "--feed",
            "launch",
            "--title",
            "It's on!",
            "--when",
            "2022-07-01",
            "--summary",
            "Dates are set.",
        ])
        .stdout_contains("added `it-s-on` to feeds/launch.toml")
        .run();
    let data = ran.read("feeds/launch.toml");
    assert!(
        data.starts_with(MINIMAL),
        "the existing data is kept as written"
    );
    ran.then()
        .args(["check"])
        .stdout_contains("ok: 1 publication(s), 2 event(s), 1 article(s)")
        .run()
        .then()
        .args([
            "new", "event", "--feed", "launch", "--title", "Bad", "--when", "soon",
        ])
        .status(1)
        .stderr_contains("events[2].start")
        .run();
}

#[test]
fn completions_and_man_page_are_generated() {
    for (shell, marker) in [
        ("bash", "_calfeed()"),
        ("zsh", "#compdef calfeed"),
        ("fish", "complete -c calfeed"),
    ] {
        Test::new()
            .args(["completions", shell])
            .stdout_contains(marker)
            .run();
    }
    Test::new()
        .args(["man"])
        .stdout_contains(".TH calfeed 1")
        .stdout_contains(".SH \"EXIT STATUS\"")
        .run();
}
