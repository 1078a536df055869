//! The limits check: `calfeed check` warns, in every format, about each output a known
//! client would refuse or truncate, naming the client and the limit; `accept_limits`
//! silences a warning, and an id that names no limit is refused.
//!
//! The publications here exceed limits in ways no budget may trim: their events are all
//! upcoming (`--as-of` before them), and a few large articles outweigh a feed limit on
//! their own.

use crate::support::Test;
use crate::support::fixtures::at;

/// A channel whose `link` is `link`, with `extra` lines.
fn channel(link: &str, extra: &str) -> String {
    format!(
        "[channel]\ntitle = \"Big\"\ndescription = \"Big\"\nlink = \"{link}\"\nlanguage = \"en\"\n\
         timezone = \"UTC\"\n{extra}\n"
    )
}

/// `count` upcoming events (in 2030), each described by `description_bytes` bytes.
fn events(count: usize, description_bytes: usize) -> String {
    let description = "calendar ".repeat(description_bytes / 9);
    let mut text = String::new();
    for i in 0..count {
        let day = i % 28 + 1;
        let month = i / 28 % 12 + 1;
        text.push_str(&format!(
            "\n[[events]]\nid = \"e{i}\"\ntitle = \"Event {i}\"\nstart = \"2030-{month:02}-{day:02}T10:00\"\nduration = \"1h\"\n"
        ));
        if description_bytes > 0 {
            text.push_str(&format!("description = \"{description}\"\n"));
        }
    }
    text
}

/// `count` articles of about `bytes` bytes of Markdown each.
fn articles(count: usize, bytes: usize) -> String {
    let content = "feed ".repeat(bytes / 5);
    (0..count)
        .map(|i| {
            format!(
                "\n[[articles]]\nid = \"a{i}\"\ntitle = \"Article {i}\"\npublished = \"2029-01-{:02}\"\n\
                 content = \"{content}\"\n",
                i + 1
            )
        })
        .collect()
}

/// Over Google's and Nextcloud's calendar sizes (1,000 events of 2 kB: within Google's
/// count), FeedBurner's feed size (3 articles of 250 kB) and Google's subscribe-URL length.
fn oversized(extra: &str) -> String {
    let link = format!("https://example.org/{}/", "p".repeat(240));
    format!(
        "{}{}{}",
        channel(&link, extra),
        events(1000, 2_000),
        articles(3, 250_000)
    )
}

const AS_OF: [&str; 2] = ["--as-of", "2026-01-01"];

fn check(format: &str) -> Vec<String> {
    let mut args = vec!["check", "--format", format];
    args.extend(AS_OF);
    args.into_iter().map(String::from).collect()
}

#[test]
fn human_warnings_name_the_output_the_client_the_limit_and_how_to_silence_it() {
    let ran = Test::new()
        .feed("big.toml", &oversized(""))
        .args(check("human"))
        .stderr_contains(
            "warning: feeds/big.toml: big.ics is 2",
        )
        .stderr_contains(
            "; Google Calendar silently drops events from subscribed calendars larger than 1 MB \
             (limit id: google-calendar-size; silence with accept_limits = [\"google-calendar-size\"])\n",
        )
        .stderr_contains(
            "; Nextcloud Calendar timed out fetching subscribed calendars of 1.9 MB \
             (limit id: nextcloud-calendar-size;",
        )
        .stderr_contains("warning: feeds/big.toml: big.xml is ")
        .stderr_contains("warning: feeds/big.toml: big.atom is ")
        .stderr_contains("warning: feeds/big.toml: big.json is ")
        .stderr_contains(
            "; FeedBurner refuses feeds larger than 512 KiB (limit id: feedburner-size; \
             silence with accept_limits = [\"feedburner-size\"])\n",
        )
        .stderr_contains(format!(
            "warning: feeds/big.toml: the subscribe URL webcal://example.org/{}/big.ics is \
             269 characters long; Google Calendar silently fails to subscribe to calendar URLs \
             longer than 256 characters (limit id: google-calendar-url;",
            "p".repeat(240)
        ))
        .stderr_lacks("commafeed")
        .stderr_lacks("google-calendar-events")
        .stdout_contains("ok: 1 publication(s), 1000 event(s), 3 article(s); 6 client limit warning(s)\n")
        .no_public()
        .run();
    // One line each.
    assert_eq!(ran.stderr.lines().count(), 6, "{}", ran.stderr);
    assert!(
        ran.stderr.lines().all(|line| line.starts_with("warning: ")),
        "{}",
        ran.stderr
    );
}

#[test]
fn more_than_a_thousand_upcoming_events_is_over_googles_count() {
    let text = format!("{}{}", channel("https://example.org/", ""), events(1001, 0));
    Test::new()
        .feed("many.toml", &text)
        .args(check("human"))
        .stderr_contains(
            "warning: feeds/many.toml: many.ics has 1001 events (VEVENTs); Google Calendar \
             silently drops events from subscribed calendars of more than 1000 events \
             (limit id: google-calendar-events;",
        )
        .run();
    // One fewer is within it.
    let text = format!("{}{}", channel("https://example.org/", ""), events(1000, 0));
    Test::new()
        .feed("many.toml", &text)
        .args(check("human"))
        .stderr_lacks("warning")
        .run();
}

#[test]
fn github_annotations_warn_on_the_publications_file() {
    let ran = Test::new()
        .feed("big.toml", &oversized(""))
        .args(check("github"))
        .stdout_contains(
            "::warning file=feeds/big.toml,title=limit google-calendar-size::big.ics is 2",
        )
        .stdout_contains("; Google Calendar silently drops events from subscribed calendars larger than 1 MB%0Ahelp: limit id: google-calendar-size;")
        .stdout_contains("::warning file=feeds/big.toml,title=limit feedburner-size::big.xml is ")
        .stdout_contains("::warning file=feeds/big.toml,title=limit google-calendar-url::the subscribe URL webcal://")
        .stdout_contains("accept_limits = [\"feedburner-size\"] in [channel]")
        .run();
    let annotations: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|line| line.starts_with("::warning "))
        .collect();
    assert_eq!(annotations.len(), 6, "{}", ran.stdout);
    assert!(!ran.stdout.contains("::error"), "{}", ran.stdout);
}

#[test]
fn json_warnings_are_diagnostics_with_a_level_and_the_limit() {
    let ran = Test::new()
        .feed("big.toml", &oversized(""))
        .args(check("json"))
        .run();
    let value: serde_json::Value = serde_json::from_str(&ran.stdout).expect("one JSON array");
    let warnings = value.as_array().expect("an array");
    assert_eq!(warnings.len(), 6, "{}", ran.stdout);
    let size = warnings
        .iter()
        .find(|w| w["limit"]["id"] == "google-calendar-size")
        .expect("the calendar size warning");
    assert_eq!(size["level"], "warning");
    assert_eq!(size["file"], "feeds/big.toml");
    assert_eq!(
        (size["line"].as_u64(), size["column"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(size["field"], "");
    assert_eq!(size["limit"]["client"], "Google Calendar");
    assert_eq!(size["limit"]["measure"], "calendar-bytes");
    assert_eq!(size["limit"]["max"], 1_000_000);
    assert_eq!(size["limit"]["output"], "big.ics");
    assert!(size["limit"]["measured"].as_u64().unwrap() > 2_000_000);
    assert!(
        size["message"]
            .as_str()
            .unwrap()
            .contains("Google Calendar silently drops events"),
        "{size}"
    );
    assert!(
        size["help"]
            .as_str()
            .unwrap()
            .contains("accept_limits = [\"google-calendar-size\"]"),
        "{size}"
    );
    let url = warnings
        .iter()
        .find(|w| w["limit"]["id"] == "google-calendar-url")
        .expect("the URL warning");
    assert_eq!(url["limit"]["measured"], 269);
    assert_eq!(url["limit"]["max"], 256);
    // The summary is kept off stdout.
    assert!(
        ran.stderr.contains("ok: 1 publication(s)"),
        "{}",
        ran.stderr
    );
}

#[test]
fn json_with_nothing_over_a_limit_is_an_empty_array_and_errors_carry_their_level() {
    let ok = Test::new()
        .feed("small.toml", &channel("https://example.org/", ""))
        .args(check("json"))
        .run();
    assert_eq!(ok.stdout.trim(), "[]");
    let bad = Test::new()
        .feed(
            "small.toml",
            &channel("https://example.org/", "accept_limits = [\"nope\"]"),
        )
        .args(check("json"))
        .status(1)
        .run();
    let value: serde_json::Value = serde_json::from_str(&bad.stdout).expect("JSON");
    assert_eq!(value[0]["level"], "error");
    assert_eq!(value[0]["field"], "channel.accept_limits[0]");
}

#[test]
fn accept_limits_silences_exactly_the_limits_it_names() {
    let accept = "accept_limits = [\"google-calendar-size\", \"feedburner-size\", \"nextcloud-calendar-size\"]";
    let ran = Test::new()
        .feed("big.toml", &oversized(accept))
        .args(check("human"))
        .stderr_lacks("google-calendar-size")
        .stderr_lacks("feedburner-size")
        .stderr_lacks("nextcloud-calendar-size")
        .stderr_contains("(limit id: google-calendar-url;")
        .stdout_contains("; 1 client limit warning(s); 5 accepted by accept_limits\n")
        .run();
    assert_eq!(ran.stderr.lines().count(), 1, "{}", ran.stderr);
    // Every format.
    let ran = Test::new()
        .feed("big.toml", &oversized(accept))
        .args(check("github"))
        .run();
    assert!(
        !ran.stdout.contains("feedburner-size") && !ran.stdout.contains("google-calendar-size"),
        "{}",
        ran.stdout
    );
    assert_eq!(
        ran.stdout.matches("::warning ").count(),
        1,
        "{}",
        ran.stdout
    );
    let ran = Test::new()
        .feed("big.toml", &oversized(accept))
        .args(check("json"))
        .run();
    let value: serde_json::Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(value.as_array().unwrap().len(), 1);
    assert_eq!(value[0]["limit"]["id"], "google-calendar-url");
    // --verbose lists what was accepted.
    let mut args = vec!["--verbose".to_string()];
    args.extend(check("human"));
    Test::new()
        .feed("big.toml", &oversized(accept))
        .args(args)
        .stdout_contains("accepted: feeds/big.toml: big.xml is ")
        .run();
    // A build is not stopped by warnings, accepted or not.
    Test::new()
        .feed("big.toml", &oversized(accept))
        .args(["build"])
        .run();
}

#[test]
fn an_unknown_limit_id_is_refused_where_it_is_written() {
    let text = oversized("accept_limits = [\"feedburner-size\", \"google-calender-size\"]");
    Test::new()
        .feed("big.toml", &text)
        .args(check("human"))
        .status(1)
        .diagnostic(
            at("big.toml", &text, "\"google-calender-size\""),
            "channel.accept_limits[1]",
            "no client limit has the id \"google-calender-size\"",
        )
        // The one meant, not the whole table.
        .stderr_contains("did you mean \"google-calendar-size\"?")
        .stderr_lacks("inoreader-items")
        .no_public()
        .run();
    // And in JSON input.
    let json = r#"{"channel": {"title": "T", "description": "D", "link": "https://example.org/",
  "language": "en", "timezone": "UTC", "accept_limits": ["feedburner-size", 
  "nope"]}}"#;
    Test::new()
        .feed("j.json", json)
        .args(check("human"))
        .status(1)
        .diagnostic(
            "feeds/j.json:3:3".to_string(),
            "channel.accept_limits[1]",
            "no client limit has the id \"nope\"",
        )
        .run();
}

#[test]
fn a_publication_within_every_limit_gets_no_warning() {
    Test::new()
        .feed(
            "fine.toml",
            &format!(
                "{}{}{}",
                channel("https://example.org/", ""),
                events(20, 1_000),
                articles(5, 2_000)
            ),
        )
        .args(check("human"))
        .stdout("ok: 1 publication(s), 20 event(s), 5 article(s)\n")
        .stderr_lacks("warning")
        .run();
}
