//! Per-category subscriptions (`by_category`): one calendar and one RSS feed per category,
//! each with its own budget, linked from the publication's page, checked against the
//! client limits, reproducible, and cleaned up when a category is gone.

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

/// A talk on the 1st of each month of 2024, the odd months in `Rust`, every one in
/// `Meetup`; and an article a month, the even months in `Rust`.
fn talks(extra: &str) -> String {
    let mut text = format!("{CHANNEL}{extra}\n");
    for month in 1..=12 {
        let categories = if month % 2 == 1 {
            r#"["Rust", "Meetup"]"#
        } else {
            r#"["meetup"]"#
        };
        text.push_str(&format!(
            "\n[[events]]\nid = \"talk-{month:02}\"\ntitle = \"Talk {month}\"\n\
             start = \"2024-{month:02}-01T18:00\"\nduration = \"1h\"\ncategories = {categories}\n"
        ));
    }
    for month in 1..=12 {
        let categories = if month % 2 == 0 { r#"["Rust"]"# } else { "[]" };
        text.push_str(&format!(
            "\n[[articles]]\nid = \"news-{month:02}\"\ntitle = \"News {month}\"\n\
             published = \"2024-{month:02}-02\"\ncategories = {categories}\n"
        ));
    }
    text
}

fn guids(rss: &str) -> Vec<String> {
    rss.split("<guid isPermaLink=\"false\">")
        .skip(1)
        .map(|rest| rest.split('<').next().unwrap().to_string())
        .collect()
}

fn ids(prefix: &str, months: impl IntoIterator<Item = u32>) -> Vec<String> {
    months
        .into_iter()
        .map(|m| format!("{prefix}-{m:02}"))
        .collect()
}

#[test]
fn without_by_category_there_are_no_category_outputs() {
    let ran = Test::new()
        .feed("talks.toml", &talks(""))
        .args(["build"])
        .run();
    assert!(!ran.path("public/talks/category").exists());
    assert!(!ran.read("public/talks/index.html").contains("By category"));
}

#[test]
fn each_category_gets_a_calendar_and_a_feed_of_its_own_items() {
    let ran = Test::new()
        .feed("talks.toml", &talks("by_category = {}"))
        .args(["build"])
        .run();
    // Categories are matched ignoring case; the first spelling names them.
    let meetup = ran.read("public/talks/category/meetup.ics");
    assert_eq!(Ics::parse(&meetup).event_ids(), ids("talk", 1..=12));
    let rust = ran.read("public/talks/category/rust.ics");
    assert_eq!(
        Ics::parse(&rust).event_ids(),
        ids("talk", (1..=12).step_by(2))
    );
    let calendar = Ics::parse(&rust);
    assert_eq!(calendar.value("X-WR-CALNAME"), "Talks: Rust");
    assert_eq!(
        calendar.value("SOURCE"),
        "https://example.org/talks/talks/category/rust.ics"
    );
    // The feed: the category's articles, newest first, with the guids of the main feed.
    let feed = ran.read("public/talks/category/rust.xml");
    let expected: Vec<String> = [12, 10, 8, 6, 4, 2]
        .iter()
        .map(|m| format!("https://example.org/talks/talks/#news-{m:02}"))
        .collect();
    assert_eq!(guids(&feed), expected);
    let main = guids(&ran.read("public/talks.xml"));
    assert!(expected.iter().all(|g| main.contains(g)), "{main:?}");
    assert!(
        feed.contains(
            "<atom:link href=\"https://example.org/talks/talks/category/rust.xml\" rel=\"self\""
        ),
        "{feed}"
    );
    assert_eq!(
        guids(&ran.read("public/talks/category/meetup.xml")),
        Vec::<String>::new()
    );
    // The page links each one.
    let page = ran.read("public/talks/index.html");
    for (name, file) in [("Meetup", "meetup"), ("Rust", "rust")] {
        assert!(
            page.contains(&format!(
                "<li>{name}: <a href=\"webcal://example.org/talks/talks/category/{file}.ics\">"
            )),
            "{page}"
        );
        assert!(
            page.contains(&format!("<a href=\"category/{file}.xml\">its RSS feed</a>")),
            "{page}"
        );
    }
}

#[test]
fn only_limits_which_categories_and_names_one_that_does_not_exist() {
    let ran = Test::new()
        .feed("talks.toml", &talks("by_category = { only = [\"RUST\"] }"))
        .args(["build"])
        .run();
    assert!(ran.path("public/talks/category/rust.ics").is_file());
    assert!(!ran.path("public/talks/category/meetup.ics").exists());
    Test::new()
        .feed("talks.toml", &talks("by_category = { only = [\"Rsut\"] }"))
        .args(["check"])
        .rejects(
            "channel.by_category.only[0]",
            "no event or article has the category \"Rsut\"",
        )
        .stderr_contains("did you mean \"Rust\"?")
        .stderr_contains("--> feeds/talks.toml:8:25")
        .run();
}

#[test]
fn each_category_has_its_own_budget_and_says_what_it_left_out() {
    // Reference date 15 June: of Rust's six talks, July, September and November are
    // upcoming and stay; four VEVENTs may stay, so May stays too and the two oldest go.
    // Its feed keeps two articles.
    let ran = Test::new()
        .feed(
            "talks.toml",
            &talks("by_category = { calendar_events = 4, feed_items = 2 }"),
        )
        .args(["build"])
        .stdout_contains("budget: talks/category/rust.ics: left out the 2 oldest past of 6 events")
        .stdout_contains(
            "budget: talks/category/rust.xml: the newest 2 of 6 articles (feed_items = 2)",
        )
        .run();
    assert_eq!(
        Ics::parse(&ran.read("public/talks/category/rust.ics")).event_ids(),
        ids("talk", [5, 7, 9, 11])
    );
    assert_eq!(guids(&ran.read("public/talks/category/rust.xml")).len(), 2);
    // The channel's own budget is untouched by the category's.
    assert_eq!(
        Ics::parse(&ran.read("public/talks.ics")).event_ids(),
        ids("talk", 1..=12)
    );
    // `check` says the same.
    Test::new()
        .feed(
            "talks.toml",
            &talks("by_category = { calendar_events = 4, feed_items = 2 }"),
        )
        .args(["check"])
        .stdout_contains("budget: talks/category/rust.ics: left out the 2 oldest past of 6 events")
        .run();
}

#[test]
fn nonsense_category_budgets_are_refused() {
    Test::new()
        .feed("talks.toml", &talks("by_category = { feed_items = 0 }"))
        .args(["check"])
        .rejects("channel.by_category.feed_items", "0 is out of range")
        .run();
    Test::new()
        .feed("talks.toml", &talks("by_category = { colour = \"red\" }"))
        .args(["check"])
        .rejects("channel.by_category.colour", "unknown field `colour`")
        .run();
}

#[test]
fn a_category_that_is_gone_is_removed_from_the_output() {
    let ran = Test::new()
        .feed("talks.toml", &talks("by_category = {}"))
        .args(["build"])
        .run();
    assert!(ran.path("public/talks/category/rust.xml").is_file());
    // No item is in `Rust` any more.
    let without = talks("by_category = {}")
        .replace("\"Rust\", ", "")
        .replace("[\"Rust\"]", "[]");
    ran.write("feeds/talks.toml", &without);
    let again = ran.then().args(["build"]).run();
    assert!(!again.path("public/talks/category/rust.ics").exists());
    assert!(!again.path("public/talks/category/rust.xml").exists());
    assert!(again.path("public/talks/category/meetup.ics").is_file());
    // And the builds are reproducible: a second one writes nothing.
    again
        .then()
        .args(["build"])
        .stdout_contains("0 file(s) written")
        .run();
}

#[test]
fn a_long_category_subscribe_url_is_checked_against_googles_limit() {
    let channel = CHANNEL.replace(
        "https://example.org/talks/",
        &format!("https://example.org/{}/", "p".repeat(180)),
    );
    let text = format!(
        "{channel}by_category = {{}}\n\n[[events]]\nid = \"e\"\ntitle = \"E\"\n\
         start = \"2024-07-01T18:00\"\ncategories = [\"{}\"]\n",
        "w".repeat(60)
    );
    Test::new()
        .feed("long.toml", &text)
        .args(["check"])
        .stderr_contains(format!(
            "the subscribe URL webcal://example.org/{}/long/category/{}.ics",
            "p".repeat(180),
            "w".repeat(60)
        ))
        .stderr_contains("(limit id: google-calendar-url;")
        .run();
}
