//! `calfeed build`: what it writes and reports, rebuilding, JSON beside TOML, removed
//! outputs, and reproducible dates.

use std::path::PathBuf;

use crate::support::Test;
use crate::support::fixtures::{MINIMAL, MINIMAL_JSON, ical_escaped, long_text, long_texts};
use crate::support::ics::{event_lines, unfolded};
use crate::support::tree::{age, contents, files, snapshot};

#[test]
fn build_writes_calendar_feed_and_event_file() {
    let ran = Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .stdout_contains("wrote public/launch.ics\n")
        .stdout_contains("wrote public/launch.xml\n")
        .stdout_contains("wrote public/launch/launch.ics\n")
        .run();
    assert_eq!(ran.stderr, "");
    let written = files(&ran.path("public"));
    for expected in ["launch.ics", "launch.xml", "launch/launch.ics"] {
        assert!(
            written.contains(&PathBuf::from(expected)),
            "{expected} is missing from {written:?}"
        );
    }
    assert!(
        written
            .iter()
            .all(|f| !f.to_string_lossy().contains(".calfeed-")),
        "temporary files left behind: {written:?}"
    );
    // One `wrote` line per file, then the summary.
    let wrote: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|l| l.starts_with("wrote "))
        .collect();
    assert_eq!(wrote.len(), written.len(), "{}", ran.stdout);
    let summary = ran.stdout.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with(&format!(
            "built 1 publication(s), 1 event(s), 0 article(s): {} file(s) written, 0 unchanged, 0 removed in ",
            written.len()
        )),
        "{}",
        ran.stdout
    );
    let calendar = ran.read("public/launch.ics");
    assert!(calendar.starts_with("BEGIN:VCALENDAR\r\n"), "{calendar}");
    assert!(calendar.contains("\r\nSUMMARY:Launch\r\n"), "{calendar}");
    assert!(ran.read("public/launch.xml").contains("<rss"));
    let single = ran.read("public/launch/launch.ics");
    assert!(
        single.contains("\r\nUID:launch@example.org\r\n"),
        "{single}"
    );
}

#[test]
fn rebuilding_unchanged_input_touches_no_file() {
    let first = Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .run();
    age(&first.path("public"));
    let before = snapshot(&first.path("public"));
    let count = files(&first.path("public")).len();
    let second = first
        .then()
        .args(["build"])
        .stdout_contains(format!(
            "built 1 publication(s), 1 event(s), 0 article(s): 0 file(s) written, {count} unchanged, 0 removed in "
        ))
        .run();
    assert_eq!(second.stdout.lines().count(), 1, "{}", second.stdout);
    assert!(
        snapshot(&second.path("public")) == before,
        "public/ changed"
    );
}

/// After an edit of one event, the summary says how many per-item outputs the build
/// cache passed on without rendering them: the other event's page and file.
#[test]
fn a_rebuild_after_an_edit_says_what_it_did_not_render_again() {
    let two = format!(
        "{MINIMAL}\n[[events]]\nid = \"keynote\"\ntitle = \"Keynote\"\nstart = \"2022-07-05T10:00\"\nduration = \"1h\"\n"
    );
    let first = Test::new().feed("launch.toml", &two).args(["build"]).run();
    let edited = two.replace(
        "title = \"Keynote\"",
        "title = \"Keynote, moved\"\nsequence = 1",
    );
    assert_ne!(edited, two);
    first
        .then()
        .feed("launch.toml", &edited)
        .args(["build"])
        .stdout_contains(
            "unchanged (2 page(s) and event file(s) passed on, not rendered), 0 removed in ",
        )
        .run();
}

#[test]
fn build_reports_output_it_cannot_write_with_exit_code_4() {
    Test::new()
        .feed("launch.toml", MINIMAL)
        .file("public", "a file where the output directory should be")
        .args(["build"])
        .status(4)
        .stderr_contains("error: cannot write to public")
        .run();
}

#[test]
fn json_publication_builds() {
    let ran = Test::new()
        .feed("launch.json", MINIMAL_JSON)
        .args(["build"])
        .run();
    let from_json = contents(&ran.path("public"));
    let ran = Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .run();
    assert!(
        from_json == contents(&ran.path("public")),
        "the same publication as JSON and as TOML built different files"
    );
}

#[test]
fn json_with_a_bom_and_long_texts_builds_like_the_same_toml() {
    let json = long_texts(true, "2022-07-04T19:00", 0);
    assert!(json.starts_with('\u{feff}'));
    let from_json = Test::new()
        .feed("launch.json", &json)
        .args(["build"])
        .stdout_contains("wrote public/launch.ics\n")
        .run();
    // The long texts came through whole, not only the same way as from TOML.
    let description = event_lines(&from_json.read("public/launch.ics"), "DESCRIPTION");
    assert_eq!(description.len(), 1, "{description:?}");
    let expected = format!("DESCRIPTION:{}", ical_escaped(&long_text("launch")));
    assert!(description[0].starts_with(&expected), "{description:?}");
    let late = format!("DESCRIPTION:{}", ical_escaped(&long_text("late edition")));
    let calendar = unfolded(&from_json.read("public/launch.ics"));
    assert!(
        calendar.iter().any(|l| l.starts_with(&late)),
        "{calendar:?}"
    );
    let page = from_json.read("public/launch/index.html");
    assert_eq!(
        page.matches("<p>Some <strong>bold</strong> ünï 🎉 text")
            .count(),
        6,
        "{page}"
    );
    let from_toml = Test::new()
        .feed("launch.toml", &long_texts(false, "2022-07-04T19:00", 0))
        .args(["build"])
        .run();
    assert!(
        contents(&from_json.path("public")) == contents(&from_toml.path("public")),
        "the same publication as JSON (with a BOM and long texts) and as TOML built different files"
    );
    let count = files(&from_json.path("public")).len();
    from_json
        .then()
        .args(["build", "--check"])
        .stdout(&format!("up to date: {count} file(s) in public\n"))
        .run();
}

#[test]
fn toml_and_json_publications_with_the_same_slug_are_rejected() {
    Test::new()
        .feed("launch.toml", MINIMAL)
        .feed("launch.json", MINIMAL_JSON)
        .args(["build"])
        .status(1)
        .stderr_contains("their outputs would collide")
        .public_untouched()
        .run();
}

#[test]
fn slug_collision_names_both_files() {
    Test::new()
        .feed("launch.toml", MINIMAL)
        .feed("launch.json", MINIMAL_JSON)
        .args(["build"])
        .status(1)
        .stderr_contains("feeds/launch.json")
        .stderr_contains("feeds/launch.toml")
        .run();
}

#[test]
fn outputs_of_a_removed_event_are_removed_and_check_reports_them() {
    let with_two = format!(
        "{MINIMAL}\n[[events]]\nid = \"second\"\ntitle = \"Second\"\nstart = \"2022-07-05T19:00\"\n"
    );
    let ran = Test::new()
        .feed("launch.toml", &with_two)
        .file("public/CNAME", "feeds.example.org")
        .args(["build"])
        .run();
    assert!(ran.path("public/launch/second.ics").exists());
    let ran = ran
        .then()
        .feed("launch.toml", MINIMAL)
        .args(["build", "--check"])
        .status(3)
        .stderr_contains("obsolete: public/launch/second.ics")
        .run()
        .then()
        .args(["build"])
        .stdout_contains("removed public/launch/second.ics")
        .run();
    assert!(!ran.path("public/launch/second.ics").exists());
    assert_eq!(ran.read("public/CNAME"), "feeds.example.org");
    ran.then().args(["build", "--check"]).run();
}

#[test]
fn source_date_epoch_dates_a_publication_without_any_date() {
    // MINIMAL has no `updated` and no article: nothing in it says when it was revised.
    let ran = Test::new()
        .feed("launch.toml", MINIMAL)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(["build"])
        .run();
    assert!(
        ran.read("public/launch.ics")
            .contains("\r\nDTSTAMP:20231114T221320Z\r\n")
    );
    let unset = Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .run();
    assert!(
        unset
            .read("public/launch.ics")
            .contains("\r\nDTSTAMP:19700101T000000Z\r\n")
    );
}
