//! The publish guard (a moved event needs a new `sequence`, a removed one warns), its
//! `--previous` file, and `calfeed diff`.

use std::fs;

use crate::support::Test;
use crate::support::fixtures::{MINIMAL, long_texts};
use crate::support::tree::{age, snapshot};

/// MINIMAL with the launch moved an hour later and `sequence` set to `sequence`.
fn moved(sequence: u32) -> String {
    MINIMAL.replace(
        r#"start = "2022-07-04T19:00""#,
        &format!("start = \"2022-07-04T20:00\"\nsequence = {sequence}"),
    )
}

#[test]
fn a_moved_event_without_a_sequence_bump_stops_the_build() {
    let built = Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .run();
    let before = snapshot(&built.path("public"));
    let blocked = built
        .then()
        .feed("launch.toml", &moved(0))
        .args(["build"])
        .status(6)
        .stderr_contains("event `launch` changed (moved: launch \"Launch\" from 2022-07-04 11:00 UTC to 2022-07-04 12:00 UTC (now ending 2022-07-04 14:00 UTC))")
        .stderr_contains("set `sequence = 1`")
        .stderr_contains("feeds/launch.toml")
        .run();
    assert!(
        snapshot(&blocked.path("public")) == before,
        "public/ changed"
    );
    let bumped = blocked
        .then()
        .feed("launch.toml", &moved(1))
        .args(["build"])
        .stdout_contains("wrote public/launch.ics")
        .run();
    assert!(bumped.read("public/launch.ics").contains("SEQUENCE:1\r\n"));
}

#[test]
fn a_moved_event_with_long_descriptions_in_json_still_stops_the_build() {
    let built = Test::new()
        .feed("launch.json", &long_texts(true, "2022-07-04T19:00", 0))
        .args(["build"])
        .run();
    age(&built.path("public"));
    let before = snapshot(&built.path("public"));
    let message = "event `launch` changed (moved: launch \"Launch\" from 2022-07-04 11:00 UTC \
                   to 2022-07-04 12:00 UTC (now ending 2022-07-04 14:00 UTC))";
    // build reads the staged calendar; build --check one rendered into a temporary file.
    let blocked = built
        .then()
        .feed("launch.json", &long_texts(true, "2022-07-04T20:00", 0))
        .args(["build"])
        .status(6)
        .stderr_contains(message)
        .stderr_contains("set `sequence = 1`")
        .stderr_contains("feeds/launch.json")
        .stderr_contains("error: the publish guard stopped the build")
        .run();
    assert!(
        snapshot(&blocked.path("public")) == before,
        "public/ changed"
    );
    let checked = blocked
        .then()
        .args(["build", "--check"])
        .status(6)
        .stderr_contains(message)
        .run();
    checked
        .then()
        .feed("launch.json", &long_texts(true, "2022-07-04T20:00", 1))
        .args(["build"])
        .stdout_contains("wrote public/launch.ics")
        .run();
}

#[test]
fn allow_unbumped_publishes_with_a_warning() {
    Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .run()
        .then()
        .feed("launch.toml", &moved(0))
        .args(["build", "--allow-unbumped"])
        .stderr_contains("warning: feeds/launch.toml: event `launch` changed")
        .stdout_contains("wrote public/launch.ics")
        .run();
}

#[test]
fn the_guard_compares_with_a_previous_file_given_explicitly() {
    let built = Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .run();
    fs::copy(built.path("public/launch.ics"), built.path("live.ics")).expect("copy");
    fs::remove_dir_all(built.path("public")).expect("clear public/");
    built
        .then()
        .feed("launch.toml", &moved(0))
        .args(["build", "--previous", "live.ics"])
        .status(6)
        .stderr_contains("(compared with live.ics)")
        .run();
}

#[test]
fn a_removed_event_warns_and_fails_only_with_strict() {
    let two = format!(
        "{MINIMAL}\n[[events]]\nid = \"keynote\"\ntitle = \"Keynote\"\nstart = \"2022-07-05T10:00\"\n"
    );
    let built = Test::new().feed("launch.toml", &two).args(["build"]).run();
    let strict = built
        .then()
        .feed("launch.toml", MINIMAL)
        .args(["build", "--strict"])
        .status(6)
        .stderr_contains("error: feeds/launch.toml: removed: keynote \"Keynote\"")
        .stderr_contains("keep the event with status = \"cancelled\"")
        .run();
    strict
        .then()
        .args(["build"])
        .stderr_contains("warning: feeds/launch.toml: removed: keynote")
        .stdout_contains("removed public/launch/keynote.ics")
        .run();
}

#[test]
fn diff_lists_what_subscribers_will_see() {
    let built = Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .run();
    fs::copy(built.path("public/launch.ics"), built.path("old.ics")).expect("copy");
    let cancelled = moved(1).replace("sequence = 1", "sequence = 1\nstatus = \"cancelled\"");
    let rebuilt = built
        .then()
        .feed("launch.toml", &cancelled)
        .args(["build"])
        .run();
    rebuilt
        .then()
        .args(["diff", "old.ics", "public/launch.ics"])
        .stdout(
            "moved: launch \"Launch\" from 2022-07-04 11:00 UTC to 2022-07-04 12:00 UTC (now ending 2022-07-04 14:00 UTC)\n\
             cancelled: launch \"Launch\"\n",
        )
        .run()
        .then()
        .args(["diff", "old.ics", "old.ics"])
        .stdout("no changes subscribers would see\n")
        .run();
}
