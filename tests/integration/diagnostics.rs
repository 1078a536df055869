//! Diagnostics beyond the one-row table (`rejections`): several problems in one run and in
//! several files, a bad file stopping the good ones, inputs with no file to point into,
//! messages saying what is valid, and messages known to be unclear.

use crate::rejections::{CHANNEL, MOMENT, channel, event};
use crate::support::fixtures::{MINIMAL, at, publication, with_event};
use crate::support::{Ran, Test};

#[test]
fn every_problem_in_a_file_is_reported_in_one_run() {
    let text = publication(
        r#"
        [[events]]
        id = "../x"
        title = "Launch"
        start = "2022-07-04T19:00"
        timezone = "Mars/Olympus"

        [[events]]
        id = "keynote"
        title = "   "
        start = "2022-07-05T19:00"
        livestream = "javascript:alert(1)"
        "#,
    );
    Test::new()
        .feed("launch.toml", &text)
        .args(["build"])
        .status(1)
        .diagnostic(
            at("launch.toml", &text, r#""../x""#),
            "events[0].id",
            "invalid id",
        )
        .diagnostic(
            at("launch.toml", &text, r#""Mars/Olympus""#),
            "events[0].timezone",
            "unknown time zone",
        )
        .diagnostic(
            at("launch.toml", &text, r#""   ""#),
            "events[1].title",
            "must not be empty",
        )
        .diagnostic(
            at("launch.toml", &text, r#""javascript:alert(1)""#),
            "events[1].livestream",
            "javascript: link",
        )
        .diagnostic_count(4)
        .stderr_contains("error: 4 problem(s) in the input; nothing was written")
        .public_untouched()
        .run();
}

#[test]
fn unknown_zone_does_not_hide_a_bad_start() {
    let text = with_event(
        r#"
        start = "2022-07-04T25:00"
        timezone = "Mars/Olympus"
        "#,
    );
    Test::new()
        .feed("launch.toml", &text)
        .args(["build"])
        .status(1)
        .diagnostic(
            at("launch.toml", &text, r#""Mars/Olympus""#),
            "events[0].timezone",
            "unknown time zone",
        )
        .diagnostic(
            at("launch.toml", &text, r#""2022-07-04T25:00""#),
            "events[0].start",
            "invalid date or time",
        )
        .stderr_contains("error: 2 problem(s) in the input; nothing was written")
        .run();
}

#[test]
fn bad_start_does_not_hide_a_bad_end() {
    let text = with_event(
        r#"
        start = "2022-07-04T25:00"
        end = "later"
        "#,
    );
    Test::new()
        .feed("launch.toml", &text)
        .args(["build"])
        .status(1)
        .diagnostic(
            at("launch.toml", &text, r#""2022-07-04T25:00""#),
            "events[0].start",
            "invalid date or time",
        )
        .diagnostic(
            at("launch.toml", &text, r#""later""#),
            "events[0].end",
            "invalid date or time",
        )
        .stderr_contains("error: 2 problem(s) in the input; nothing was written")
        .run();
}

#[test]
fn problems_in_several_files_are_all_reported() {
    let first = with_event(r#"start = "2022-07-04T25:00""#);
    let second = MINIMAL.replace(r#"language = "en""#, r#"language = "en_GB""#);
    Test::new()
        .feed("first.toml", &first)
        .feed("second.toml", &second)
        .args(["build"])
        .status(1)
        .diagnostic(
            at("first.toml", &first, r#""2022-07-04T25:00""#),
            "events[0].start",
            "invalid date or time",
        )
        .diagnostic(
            at("second.toml", &second, r#""en_GB""#),
            "channel.language",
            "is not a language tag",
        )
        .stderr_contains("error: 2 problem(s) in the input; nothing was written")
        .run();
}

#[test]
fn a_bad_file_stops_the_good_one_from_being_written() {
    Test::new()
        .feed("good.toml", MINIMAL)
        .feed("bad.toml", &with_event(r#"start = "2022-07-04T25:00""#))
        .args(["build"])
        .status(1)
        .stderr_contains("feeds/bad.toml")
        .stderr_lacks("feeds/good.toml")
        .no_public()
        .run();
}

#[test]
fn empty_feeds_directory_is_rejected() {
    Test::new()
        .args(["build"])
        .status(1)
        .stderr_contains("error: no publications found (expected *.toml or *.json files)")
        .stderr_contains("--> feeds\n")
        .public_untouched()
        .run();
}

#[test]
fn publications_whose_names_differ_only_in_case_are_rejected() {
    if cfg!(any(windows, target_os = "macos")) {
        return; // Both files cannot exist side by side there.
    }
    Test::new()
        .feed("Launch.toml", MINIMAL)
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .status(1)
        .stderr_contains("their outputs would collide")
        .public_untouched()
        .run();
}

/// Runs `calfeed check` on `file` alone; its exit status and stderr.
fn check(file: &str, text: &str) -> (Option<i32>, String) {
    let ran: Ran = Test::new()
        .feed(file, text)
        .args(["check"])
        .any_status()
        .run();
    (ran.code, ran.stderr)
}

// ---- What the messages say ---------------------------------------------------------------

/// Each message says what would be valid, where the rule is not plain from the problem
/// itself: the `expected ...` and help texts are not lost on the way.
#[test]
fn messages_about_formats_say_what_is_valid() {
    let (_, stderr) = check("a.toml", &event("\"2022-07-04T25:00\"", ""));
    assert!(stderr.contains(MOMENT), "{stderr}");
    let (_, stderr) = check("a.toml", &event("\"2022-07-04T19:00\"", "url = \"/x\"\n"));
    assert!(
        stderr.contains("= help: links must be absolute http:// or https:// URLs"),
        "{stderr}"
    );
    let (_, stderr) = check(
        "a.toml",
        &event("\"2022-07-04T19:00\"", "").replace("id = \"launch\"", "id = \"a b\""),
    );
    assert!(
        stderr.contains("= help: ids are 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'"),
        "{stderr}"
    );
}

/// A message that is unclear or wrong today, and what a clear one must contain.
struct Unclear {
    name: &'static str,
    file: &'static str,
    text: String,
    /// What the first line says today.
    today: &'static str,
    /// Fragments a clear first line contains.
    wanted: &'static [&'static str],
}

fn unclear() -> Vec<Unclear> {
    vec![
        Unclear {
            name: "TOML surrogate escape",
            file: "a.toml",
            text: CHANNEL.replace("title = \"Launches\"", "title = \"T\\uD800\""),
            today: "error: invalid value, expected unicode hexadecimal value",
            wanted: &["channel.title", "surrogate"],
        },
        Unclear {
            name: "deep nesting",
            file: "a.toml",
            text: channel(&format!(
                "nested = {}{}",
                "[".repeat(1000),
                "]".repeat(1000)
            )),
            today: "error: cannot recurse further; max recursion depth met",
            wanted: &["channel.nested", "nest"],
        },
        Unclear {
            name: "duplicate TOML key",
            file: "a.toml",
            text: channel("title = \"Again\""),
            today: "error: duplicate key",
            wanted: &["title"],
        },
        Unclear {
            name: "U+FFFE is called a control character, and the help only mentions U+0020",
            file: "a.toml",
            text: CHANNEL.replace("title = \"Launches\"", "title = \"T\\uFFFE\""),
            today: "error: channel.title: contains the control character U+FFFE",
            wanted: &["channel.title", "U+FFFE", "not a character"],
        },
        Unclear {
            name: "file that is not UTF-8 (no line or column, a byte index)",
            file: "a.toml",
            text: String::new(),
            today: "error: file is not UTF-8: invalid utf-8 sequence of 1 bytes from index 20",
            wanted: &["UTF-8", "line 2"],
        },
    ]
}

#[test]
fn unclear_messages_say_what_is_wrong() {
    let mut failures = String::new();
    for case in unclear() {
        let (status, stderr) = if case.name.starts_with("file that is not UTF-8") {
            let ran = Test::new()
                .file("feeds/a.toml", b"[channel]\ntitle = \"T\xff\"\n")
                .args(["check"])
                .any_status()
                .run();
            (ran.code, ran.stderr)
        } else {
            check(case.file, &case.text)
        };
        let first = stderr.lines().next().unwrap_or("");
        let missing: Vec<&&str> = case
            .wanted
            .iter()
            .filter(|fragment| !first.contains(**fragment))
            .collect();
        if status != Some(1) || !missing.is_empty() {
            failures.push_str(&format!(
                "---- {}: lacks {missing:?}\n  today (noted): {}\n  actual:        {first}\n",
                case.name, case.today
            ));
        }
    }
    assert!(failures.is_empty(), "\n{failures}");
}
