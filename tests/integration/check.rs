//! `calfeed check` and `calfeed build --check`: they write nothing, name what is stale or
//! missing, and print diagnostics in every format.

use crate::support::Test;
use crate::support::fixtures::{MINIMAL, at, with_event};
use crate::support::tree::{age, files, snapshot};

#[test]
fn build_check_passes_right_after_a_build() {
    let built = Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .run();
    age(&built.path("public"));
    let before = snapshot(&built.path("public"));
    let count = files(&built.path("public")).len();
    let checked = built
        .then()
        .args(["build", "--check"])
        .stdout(&format!("up to date: {count} file(s) in public\n"))
        .run();
    assert_eq!(checked.stderr, "");
    assert!(
        snapshot(&checked.path("public")) == before,
        "build --check changed public/"
    );
}

#[test]
fn build_check_names_outputs_made_stale_by_an_edit_and_writes_nothing() {
    let built = Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .run();
    age(&built.path("public"));
    let before = snapshot(&built.path("public"));
    let count = files(&built.path("public")).len();
    let checked = built
        .then()
        .feed(
            "launch.toml",
            &MINIMAL.replace(
                r#"title = "Launch""#,
                "title = \"Launch (moved)\"\nsequence = 1",
            ),
        )
        .args(["build", "--check"])
        .status(3)
        .stderr_contains("out of date: public/launch.ics\n")
        .stderr_contains("out of date: public/launch/launch.ics\n")
        .stderr_contains(format!(" of {count} output(s) are stale"))
        .run();
    assert_eq!(checked.stdout, "");
    assert!(
        snapshot(&checked.path("public")) == before,
        "build --check changed public/"
    );
}

#[test]
fn build_check_names_missing_outputs_and_writes_nothing() {
    let ran = Test::new()
        .feed("launch.toml", MINIMAL)
        .dir("public")
        .args(["build", "--check"])
        .status(3)
        .stderr_contains("missing: public/launch.ics\n")
        .stderr_contains("missing: public/launch.xml\n")
        .stderr_contains("missing: public/launch/launch.ics\n")
        .stderr_lacks("out of date:")
        .run();
    let missing = ran.stderr.matches("missing: ").count();
    assert!(
        ran.stderr.contains(&format!(
            "error: {missing} of {missing} output(s) are stale"
        )),
        "{}",
        ran.stderr
    );
    assert!(
        snapshot(&ran.path("public")).is_empty(),
        "build --check wrote into public/"
    );
}

#[test]
fn build_check_on_invalid_input_exits_1() {
    Test::new()
        .feed("launch.toml", &with_event(r#"start = "2022-07-04T25:00""#))
        .args(["build", "--check"])
        .status(1)
        .stderr_contains("events[0].start")
        .public_untouched()
        .run();
}

#[test]
fn check_validates_without_writing() {
    Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["check"])
        .stdout("ok: 1 publication(s), 1 event(s), 0 article(s)\n")
        .no_public()
        .run();
}

#[test]
fn check_rejects_invalid_input_with_exit_code_1() {
    let text = with_event(r#"start = "2022-07-04T25:00""#);
    Test::new()
        .feed("launch.toml", &text)
        .args(["check"])
        .status(1)
        .diagnostic(
            at("launch.toml", &text, r#""2022-07-04T25:00""#),
            "events[0].start",
            "invalid date or time",
        )
        .no_public()
        .run();
}

#[test]
fn check_prints_github_annotations() {
    let bad = with_event("start = \"2022-07-04T19:00\"\ntimezone = \"Mars/Olympus\"");
    let location = at("launch.toml", &bad, "\"Mars/Olympus\"");
    let mut parts = location.rsplitn(3, ':');
    let (column, line) = (parts.next().unwrap(), parts.next().unwrap());
    Test::new()
        .feed("launch.toml", &bad)
        .args(["check", "--format", "github"])
        .status(1)
        .stdout(&format!(
            "::error file=feeds/launch.toml,line={line},col={column},title=events[0].timezone::\
             unknown time zone \"Mars/Olympus\"; expected an IANA zone such as Asia/Shanghai or \
             Europe/London, UTC, or a fixed offset such as GMT+8 or UTC-05:30\n"
        ))
        .run();
}

#[test]
fn check_prints_json_diagnostics() {
    let bad = with_event("start = \"2022-07-04T19:00\"\ntimezone = \"Mars/Olympus\"");
    let location = at("launch.toml", &bad, "\"Mars/Olympus\"");
    let ran = Test::new()
        .feed("launch.toml", &bad)
        .args(["check", "--format", "json"])
        .status(1)
        .run();
    let value: serde_json::Value = serde_json::from_str(&ran.stdout).expect("JSON");
    let shown = format!(
        "{}:{}:{}",
        value[0]["file"].as_str().unwrap(),
        value[0]["line"],
        value[0]["column"]
    );
    assert_eq!(shown, location);
    assert_eq!(value[0]["field"], "events[0].timezone");
}

#[test]
fn quiet_prints_nothing_on_success_and_errors_without_colour_off_a_terminal() {
    Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["--quiet", "build"])
        .stdout("")
        .run();
    Test::new()
        .feed(
            "launch.toml",
            &with_event("start = \"2022-07-04T19:00\"\ntimezone = \"Mars/Olympus\""),
        )
        .args(["check"])
        .status(1)
        .stderr_lacks("\u{1b}[")
        .run();
}

#[test]
fn the_field_length_limit_is_a_flag() {
    Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["check", "--max-field-length", "5"])
        .status(1)
        .stderr_contains("is 15 bytes long, more than the limit of 5 bytes")
        .run();
}
