//! Budgets: the subscribable calendar and the feeds stay inside what clients accept, what
//! they leave out is said in one line by `build` and `check`, an upcoming event is never
//! left out, and a publication that fits keeps everything. "Upcoming" is judged from
//! `--as-of`, else `SOURCE_DATE_EPOCH`, else the publication's `updated`.

use crate::support::Test;
use crate::support::ics::Ics;

const CHANNEL: &str = r#"[channel]
title = "Talks"
description = "Monthly talks"
link = "https://example.org/talks/"
language = "en"
timezone = "UTC"
updated = "2024-06-15T00:00:00Z"
"#;

/// A publication with one talk on the 1st of each month of 2024 (12 events), and `extra`
/// channel lines.
fn monthly(extra: &str) -> String {
    let mut text = format!("{CHANNEL}{extra}\n");
    for month in 1..=12 {
        text.push_str(&format!(
            "\n[[events]]\nid = \"talk-{month:02}\"\ntitle = \"Talk {month}\"\n\
             start = \"2024-{month:02}-01T18:00\"\nduration = \"1h\"\n"
        ));
    }
    text
}

fn talks(months: impl IntoIterator<Item = u32>) -> Vec<String> {
    months.into_iter().map(|m| format!("talk-{m:02}")).collect()
}

#[test]
fn a_publication_that_fits_keeps_every_event_past_ones_too() {
    let ran = Test::new()
        .feed("talks.toml", &monthly(""))
        .args(["build"])
        .run();
    assert_eq!(
        Ics::parse(&ran.read("public/talks.ics")).event_ids(),
        talks(1..=12)
    );
    assert!(!ran.stdout.contains("budget:"), "{}", ran.shown);
}

#[test]
fn the_oldest_past_events_go_first_and_upcoming_ones_stay() {
    // Reference date: `updated`, 15 June. Upcoming: July to December (6). Four VEVENTs
    // may stay, but upcoming events are never left out: all six stay, and the past ones go.
    let ran = Test::new()
        .feed("talks.toml", &monthly("calendar_events = 8"))
        .args(["build"])
        .stdout_contains(
            "budget: talks.ics: left out the 4 oldest past of 12 events to stay within \
             calendar_events = 8 and calendar_bytes = 1000000",
        )
        .run();
    assert_eq!(
        Ics::parse(&ran.read("public/talks.ics")).event_ids(),
        talks(5..=12)
    );
    // The events left out keep their own files and pages, and the year's archive calendar
    // the build names has every event.
    assert!(
        ran.stdout.contains(
            "they are in the archive, talks/archive/index.html, and its yearly calendars"
        ),
        "{}",
        ran.shown
    );
    for id in talks(1..=4) {
        assert!(
            ran.path(&format!("public/talks/{id}.ics")).is_file(),
            "{id}"
        );
        assert!(
            ran.path(&format!("public/talks/{id}.html")).is_file(),
            "{id}"
        );
    }
    assert_eq!(
        Ics::parse(&ran.read("public/talks/archive/2024.ics")).event_ids(),
        talks(1..=12)
    );
    // `check` says the same, and writes nothing.
    ran.then()
        .args(["check"])
        .stdout_contains("budget: talks.ics: left out the 4 oldest past of 12 events")
        .run();
}

#[test]
fn an_upcoming_event_is_never_left_out_even_over_budget() {
    let ran = Test::new()
        .feed("talks.toml", &monthly("calendar_events = 2"))
        .args(["build", "--as-of", "2024-01-01"])
        .stdout_contains("budget: talks.ics: 12 VEVENTs in ")
        .stdout_contains(
            "over calendar_events = 2 or calendar_bytes = 1000000 with 0 past events left out",
        )
        .run();
    assert_eq!(
        Ics::parse(&ran.read("public/talks.ics")).event_ids(),
        talks(1..=12)
    );
}

#[test]
fn the_byte_budget_counts_the_whole_file() {
    let mut text = monthly("calendar_bytes = 10000");
    text = text.replace(
        "duration = \"1h\"\n",
        &format!(
            "duration = \"1h\"\ndescription = \"{}\"\n",
            "A long abstract. ".repeat(40)
        ),
    );
    let ran = Test::new()
        .feed("talks.toml", &text)
        .args(["build", "--as-of", "2024-12-15"])
        .stdout_contains("oldest past of 12 events to stay within calendar_events = 1000 and calendar_bytes = 10000")
        .run();
    let calendar = ran.read("public/talks.ics");
    assert!(calendar.len() <= 10_000, "{} bytes", calendar.len());
    let kept = Ics::parse(&calendar).event_ids();
    // The newest ones, as many as fit: adding the next older one would not.
    assert!(!kept.is_empty() && kept.len() < 12, "{kept:?}");
    assert_eq!(kept, talks(13 - kept.len() as u32..=12));
}

#[test]
fn the_reference_date_is_as_of_then_source_date_epoch_then_updated() {
    let text = monthly("calendar_events = 3");
    // SOURCE_DATE_EPOCH alone: 2024-11-15 leaves December upcoming, and the two newest
    // past talks.
    let ran = Test::new()
        .feed("talks.toml", &text)
        .env("SOURCE_DATE_EPOCH", "1731628800")
        .args(["build"])
        .run();
    assert_eq!(
        Ics::parse(&ran.read("public/talks.ics")).event_ids(),
        talks(10..=12)
    );
    // --as-of wins over it: from 2024-09-15, September is past and October to December
    // are upcoming.
    let ran = ran
        .then()
        .env("SOURCE_DATE_EPOCH", "1731628800")
        .args(["build", "--as-of", "2024-09-15T00:00:00Z"])
        .run();
    assert_eq!(
        Ics::parse(&ran.read("public/talks.ics")).event_ids(),
        talks(10..=12)
    );
    let ran = ran
        .then()
        .env("SOURCE_DATE_EPOCH", "1731628800")
        .args(["build", "--as-of", "2024-02-15"])
        .stdout_contains("over calendar_events = 3")
        .run();
    assert_eq!(
        Ics::parse(&ran.read("public/talks.ics")).event_ids(),
        talks(3..=12)
    );
    // Neither: `updated` (15 June) keeps July to December, over budget.
    let ran = ran.then().args(["build"]).run();
    assert_eq!(
        Ics::parse(&ran.read("public/talks.ics")).event_ids(),
        talks(7..=12)
    );
}

#[test]
fn a_moving_window_is_not_a_removal_for_the_publish_guard() {
    let ran = Test::new()
        .feed("talks.toml", &monthly("calendar_events = 6"))
        .args(["build", "--as-of", "2024-03-15"])
        .run();
    // Nine talks are upcoming: all stay, over the budget.
    assert_eq!(
        Ics::parse(&ran.read("public/talks.ics")).event_ids(),
        talks(4..=12)
    );
    // Months later more talks are past and leave the calendar: nothing was removed from the
    // data, so even --strict publishes, and nobody is told to cancel anything.
    let ran = ran
        .then()
        .args(["build", "--strict", "--as-of", "2024-10-15"])
        .stderr_lacks("removed")
        .run();
    assert_eq!(
        Ics::parse(&ran.read("public/talks.ics")).event_ids(),
        talks(7..=12)
    );
    // An event really deleted from the data still counts.
    let without = monthly("calendar_events = 6").replace(
        "\n[[events]]\nid = \"talk-12\"\ntitle = \"Talk 12\"\nstart = \"2024-12-01T18:00\"\nduration = \"1h\"\n",
        "",
    );
    ran.write("feeds/talks.toml", &without);
    ran.then()
        .args(["build", "--strict", "--as-of", "2024-10-15"])
        .status(6)
        .stderr_contains("talk-12")
        .run();
}

/// A publication with `count` articles, one a day, newest last in the file.
fn with_articles(count: u32, extra: &str) -> String {
    let mut text = format!("{CHANNEL}{extra}\n");
    for i in 0..count {
        text.push_str(&format!(
            "\n[[articles]]\nid = \"post-{i:03}\"\ntitle = \"Post {i}\"\n\
             published = \"2024-01-01T00:00:00Z\"\nsummary = \"Number {i}.\"\n"
        ));
    }
    // Distinct dates: post-000 is the oldest.
    for i in 0..count {
        text = text.replacen(
            "published = \"2024-01-01T00:00:00Z\"",
            &format!("published = \"{}\"", chrono_day(i)),
            1,
        );
    }
    text
}

fn chrono_day(i: u32) -> String {
    let day = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(i.into());
    format!("{day}T08:00:00Z")
}

#[test]
fn feeds_carry_the_newest_articles() {
    let ran = Test::new()
        .feed("news.toml", &with_articles(60, ""))
        .args(["build"])
        .stdout_contains(
            "budget: news.xml, news.atom, news.json: the newest 50 of 60 articles \
             (feed_items = 50); the 10 older ones",
        )
        .run();
    let rss = ran.read("public/news.xml");
    let atom = ran.read("public/news.atom");
    let json: serde_json::Value = serde_json::from_str(&ran.read("public/news.json")).unwrap();
    assert_eq!(rss.matches("<item>").count(), 50);
    assert_eq!(atom.matches("<entry>").count(), 50);
    assert_eq!(json["items"].as_array().unwrap().len(), 50);
    assert!(rss.contains("Post 59") && rss.contains("Post 10"));
    assert!(!rss.contains("Post 9<") && !atom.contains("Post 9<"));
    // The older ones are in the archive the build names, each with its own page.
    assert!(
        ran.stdout
            .contains("the 10 older ones are in the archive, news/archive/index.html")
    );
    let archive = ran.read("public/news/archive/2024.html");
    for i in 0..10 {
        assert!(
            archive.contains(&format!(">Post {i}<")),
            "Post {i} in\n{archive}"
        );
        assert!(ran.path(&format!("public/news/post-{i:03}.html")).is_file());
    }
    // A larger budget carries them all, and says nothing.
    let ran = ran.then();
    ran.write("feeds/news.toml", &with_articles(60, "feed_items = 100"));
    let ran = ran.args(["build"]).run();
    assert!(!ran.stdout.contains("budget:"), "{}", ran.shown);
    assert_eq!(ran.read("public/news.xml").matches("<item>").count(), 60);
}
