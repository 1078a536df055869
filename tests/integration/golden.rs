//! Golden files: the seed publication's every output, and a recurring fixture's, byte for byte. A change here is a
//! change every subscriber sees; review it with `cargo insta review` before accepting.
//!
//! The snapshots are the files `tests/snapshots/golden__<test>.snap`, named explicitly (the
//! names insta gave them when this was its own test binary, `tests/golden.rs`).

use std::path::Path;

use crate::support::api::{Output, load_dir, options, render_all};

/// Asserts `text` against `tests/snapshots/golden__<name>.snap`.
fn snapshot(name: &str, text: String) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(format!("golden__{name}"), text));
}

/// Every output of the publications in `dir` (relative to the repository).
fn outputs_of(dir: &str) -> Vec<Output> {
    let feeds = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let publications = load_dir(&feeds, &options()).unwrap_or_else(|problems| {
        panic!(
            "{}",
            problems.iter().map(ToString::to_string).collect::<String>()
        )
    });
    render_all(&publications)
}

fn seed_outputs() -> Vec<Output> {
    outputs_of("feeds")
}

fn text_of(outputs: &[Output], path: &str) -> String {
    let output = outputs
        .iter()
        .find(|o| o.path == Path::new(path))
        .unwrap_or_else(|| panic!("no output {path}"));
    String::from_utf8(output.contents.clone()).expect("outputs are UTF-8")
}

#[test]
fn seed_writes_exactly_these_files() {
    let mut paths: Vec<String> = seed_outputs()
        .iter()
        .map(|o| o.path.display().to_string())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "index.html",
            "xiaomi-12s.atom",
            "xiaomi-12s.ics",
            "xiaomi-12s.json",
            "xiaomi-12s.xml",
            "xiaomi-12s/archive/2022.html",
            "xiaomi-12s/archive/2022.ics",
            "xiaomi-12s/archive/index.html",
            "xiaomi-12s/index.html",
            "xiaomi-12s/xiaomi-12s-launch-announced.html",
            "xiaomi-12s/xiaomi-12s-launch.html",
            "xiaomi-12s/xiaomi-12s-launch.ics",
        ]
    );
}

#[test]
fn seed_calendar() {
    // CRLF is part of the format; show it in the snapshot so a change to it shows too.
    snapshot(
        "seed_calendar",
        text_of(&seed_outputs(), "xiaomi-12s.ics").replace("\r\n", "␍\n"),
    );
}

#[test]
fn seed_single_event_calendar() {
    snapshot(
        "seed_single_event_calendar",
        text_of(&seed_outputs(), "xiaomi-12s/xiaomi-12s-launch.ics").replace("\r\n", "␍\n"),
    );
}

#[test]
fn seed_rss() {
    snapshot("seed_rss", text_of(&seed_outputs(), "xiaomi-12s.xml"));
}

#[test]
fn seed_atom() {
    snapshot("seed_atom", text_of(&seed_outputs(), "xiaomi-12s.atom"));
}

#[test]
fn seed_json_feed() {
    snapshot(
        "seed_json_feed",
        text_of(&seed_outputs(), "xiaomi-12s.json"),
    );
}

#[test]
fn seed_page() {
    snapshot(
        "seed_page",
        text_of(&seed_outputs(), "xiaomi-12s/index.html"),
    );
}

#[test]
fn seed_index_page() {
    snapshot("seed_index_page", text_of(&seed_outputs(), "index.html"));
}

#[test]
fn seed_event_page() {
    snapshot(
        "seed_event_page",
        text_of(&seed_outputs(), "xiaomi-12s/xiaomi-12s-launch.html"),
    );
}

#[test]
fn seed_article_page() {
    snapshot(
        "seed_article_page",
        text_of(
            &seed_outputs(),
            "xiaomi-12s/xiaomi-12s-launch-announced.html",
        ),
    );
}

#[test]
fn seed_archive() {
    snapshot(
        "seed_archive",
        text_of(&seed_outputs(), "xiaomi-12s/archive/index.html"),
    );
}

#[test]
fn seed_archive_page() {
    snapshot(
        "seed_archive_page",
        text_of(&seed_outputs(), "xiaomi-12s/archive/2022.html"),
    );
}

#[test]
fn seed_archive_calendar() {
    snapshot(
        "seed_archive_calendar",
        text_of(&seed_outputs(), "xiaomi-12s/archive/2022.ics").replace("\r\n", "␍\n"),
    );
}

#[test]
fn rendering_twice_gives_the_same_bytes() {
    assert_eq!(seed_outputs(), seed_outputs());
}

/// A weekly show across a DST change with an exception, an extra date, a moved and a
/// cancelled occurrence; an all-day monthly rule; a cancelled one-off event.
#[test]
fn recurring_and_cancelled_calendar() {
    let outputs = outputs_of("tests/fixtures/recurring");
    snapshot(
        "recurring_and_cancelled_calendar",
        text_of(&outputs, "shows.ics").replace("\r\n", "␍\n"),
    );
}

#[test]
fn recurring_and_cancelled_page() {
    let outputs = outputs_of("tests/fixtures/recurring");
    snapshot(
        "recurring_and_cancelled_page",
        text_of(&outputs, "shows/index.html"),
    );
}
