//! Properties of every valid publication, on generated ones: arbitrary text (any character
//! the loader accepts) in titles and descriptions, events in zones with and without daylight
//! saving, at random local times, instants with offsets, all-day events, durations, ends
//! and reminders.
//!
//! Each generated publication must build, and its calendar must give back, through the
//! `icalendar` crate's parser, every event's UID, SUMMARY, the start of its DESCRIPTION and
//! its start and end instants (the TZID's local time converted with chrono-tz, as a
//! client with a tz database would), and a VTIMEZONE for every TZID used that gives each
//! of those instants the same offset (read without a tz database, as Outlook does); every physical line of it is at most 75
//! octets and ends in CRLF. The RSS and Atom feeds must be well-formed XML and the JSON Feed
//! valid JSON, each giving back the articles' titles.
//!
//! Runs are reproducible: a fixed seed, 64 cases; failures found are saved to
//! `tests/properties.proptest-regressions` and replayed first.
//!
//! The generator is in [`generator`]; the calendar is read with `support::ics` and its
//! VTIMEZONEs evaluated with `support::zone`.

mod generator;

use std::str::FromStr;

use chrono::{Duration, TimeZone};
use chrono_tz::Tz;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed};

use crate::support::api::{self, Format, Output, parse_publication, render};
use crate::support::ics::Ics;
use crate::support::text::lf;
use crate::support::xml;
use crate::support::zone::{When, observances, vtimezone_offset, when};
use generator::{Length, Meaning, PublicationSpec, Start, publication};

fn file<'a>(outputs: &'a [Output], path: &str) -> &'a str {
    let output = outputs
        .iter()
        .find(|o| o.path.to_string_lossy() == path)
        .unwrap_or_else(|| panic!("no {path}"));
    std::str::from_utf8(&output.contents).expect("UTF-8")
}

// ---- The property ---------------------------------------------------------------------------

/// 64 cases from a fixed seed; CALFEED_PROPTEST_CASES and CALFEED_PROPTEST_SEED change
/// them for a longer search.
fn config() -> Config {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    Config {
        cases: env("CALFEED_PROPTEST_CASES").map_or(64, |n| n as u32),
        rng_seed: RngSeed::Fixed(env("CALFEED_PROPTEST_SEED").unwrap_or(0xCA1F_EED5)),
        // The file this test had when it was its own binary, tests/properties.rs.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/properties.proptest-regressions"
        )))),
        ..Config::default()
    }
}

fn check(spec: &PublicationSpec) -> Result<(), TestCaseError> {
    let toml = spec.toml();
    let loaded = parse_publication(
        "gen",
        "feeds/gen.toml",
        &toml,
        Format::Toml,
        &api::options(),
    );
    if spec.invalid() {
        let problems = loaded.err().ok_or_else(|| {
            TestCaseError::fail(format!("accepted a nonexistent or ambiguous time:\n{toml}"))
        })?;
        for problem in &problems {
            prop_assert!(
                problem.message.contains("daylight-saving")
                    || problem.message.contains("whole days"),
                "unexpected problem: {problem}\n{toml}"
            );
        }
        return Ok(());
    }
    let publication = match loaded {
        Ok(publication) => publication,
        Err(problems) => {
            return Err(TestCaseError::fail(format!("{}\n{toml}", problems[0])));
        }
    };
    let outputs = render(&publication);

    // The calendar.
    let calendar = Ics::parse(file(&outputs, "gen.ics"));
    prop_assert_eq!(calendar.name.as_str(), "VCALENDAR");
    let vevents: Vec<&Ics> = calendar
        .children
        .iter()
        .filter(|c| c.name == "VEVENT")
        .collect();
    prop_assert_eq!(vevents.len(), spec.events.len());
    let mut tzids = Vec::new();
    for (event, vevent) in spec.events.iter().zip(&vevents) {
        let context = format!("event {}\n{toml}", event.id);
        prop_assert_eq!(
            vevent.value("UID"),
            format!("{}@example.org", event.id),
            "{}",
            context
        );
        prop_assert_eq!(vevent.value("SUMMARY"), lf(&event.title), "{}", context);
        let description = vevent.value("DESCRIPTION");
        match event
            .description
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            Some(text) => {
                let prefix = format!("{}\n\n", lf(text.trim_end()));
                prop_assert!(
                    description.starts_with(&prefix),
                    "DESCRIPTION {:?} does not start with {:?}\n{}",
                    description,
                    prefix,
                    context
                );
            }
            None => prop_assert!(description.starts_with("Event page: "), "{}", context),
        }
        let start = when(vevent.property("DTSTART").expect("DTSTART"), &mut tzids);
        let end = vevent.property("DTEND").map(|p| when(p, &mut tzids));
        match &event.start {
            Start::AllDay(date) => {
                prop_assert_eq!(&start, &When::Date(*date), "{}", context);
                let days = match &event.length {
                    Length::None => 1,
                    Length::Duration(_, d) => d.num_days(),
                    Length::End(hours) => hours / 24 + 1,
                };
                prop_assert_eq!(
                    end,
                    Some(When::Date(*date + Duration::days(days))),
                    "{}",
                    context
                );
            }
            _ => {
                let instant = spec.start_instant(event).expect("valid");
                prop_assert_eq!(&start, &When::Instant(instant), "{}", context);
                let expected_end = match &event.length {
                    Length::None => None,
                    Length::Duration(_, d) => Some(When::Instant(instant + *d)),
                    Length::End(hours) => {
                        Some(When::Instant(instant + Duration::minutes(hours * 17)))
                    }
                };
                prop_assert_eq!(end, expected_end, "{}", context);
            }
        }
        let triggers: Vec<String> = vevent
            .children
            .iter()
            .filter(|c| c.name == "VALARM")
            .map(|alarm| alarm.value("TRIGGER"))
            .collect();
        let expected: Vec<&str> = event.reminders.iter().map(|(_, iso)| *iso).collect();
        prop_assert_eq!(triggers, expected, "{}", context);
    }
    // A VTIMEZONE for each TZID used (RFC 5545 §3.6.5), which alone (as Outlook reads it)
    // gives every local time the offset the tz database gives it. A zone whose one time had
    // to be written in UTC may still have a VTIMEZONE, unused, which does no harm.
    for (tzid, instant) in &tzids {
        let vtimezone = calendar
            .children
            .iter()
            .find(|c| c.name == "VTIMEZONE" && c.value("TZID") == *tzid);
        let vtimezone = vtimezone
            .ok_or_else(|| TestCaseError::fail(format!("no VTIMEZONE for {tzid}\n{toml}")))?;
        use chrono::{Datelike, Offset};
        let rules = observances(vtimezone, instant.year() + 1);
        let tz = Tz::from_str(tzid).expect("a known zone");
        let expected = tz
            .offset_from_utc_datetime(&instant.naive_utc())
            .fix()
            .local_minus_utc();
        prop_assert_eq!(
            vtimezone_offset(&rules, *instant),
            Some(expected),
            "the VTIMEZONE of {} gives {} another offset\n{}",
            tzid,
            instant,
            toml
        );
    }
    for event in &publication.events {
        Ics::parse(file(&outputs, &format!("gen/{}.ics", event.id)));
    }

    // The feeds.
    let titles: Vec<String> = publication.articles.iter().map(|a| lf(&a.title)).collect();
    let rss = file(&outputs, "gen.xml");
    let rss_titles = xml::named_texts(&xml::parse(rss), "title");
    prop_assert_eq!(&rss_titles[0], &lf(&spec.title));
    prop_assert_eq!(&rss_titles[1..], &titles[..], "RSS item titles");
    let atom = file(&outputs, "gen.atom");
    let atom_titles = xml::named_texts(&xml::parse(atom), "title");
    prop_assert_eq!(&atom_titles[0], &lf(&spec.title));
    prop_assert_eq!(&atom_titles[1..], &titles[..], "Atom entry titles");
    let json: serde_json::Value =
        serde_json::from_str(file(&outputs, "gen.json")).expect("valid JSON");
    prop_assert_eq!(json["title"].as_str(), Some(spec.title.as_str()));
    let json_titles: Vec<&str> = json["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["title"].as_str().expect("a title"))
        .collect();
    let exact: Vec<&str> = publication
        .articles
        .iter()
        .map(|a| a.title.as_str())
        .collect();
    prop_assert_eq!(json_titles, exact);
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_valid_publication_builds_and_reads_back(spec in publication()) {
        check(&spec)?;
    }
}

/// The generator reaches what the property is about: local times in daylight-saving gaps
/// and overlaps, the second of two instants sharing a local time, all-day events, instants
/// with offsets and reminders are all common.
#[test]
fn the_generator_covers_gaps_overlaps_and_all_kinds_of_event() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::new(config());
    let strategy = publication();
    let (mut gaps, mut overlaps, mut utc_second) = (0, 0, 0);
    let (mut all_day, mut local, mut offset, mut reminders) = (0, 0, 0, 0);
    for _ in 0..300 {
        let spec = strategy
            .new_tree(&mut runner)
            .expect("a publication")
            .current();
        for event in &spec.events {
            if let (Start::Local { at, .. }, Meaning::Iana(tz)) =
                (&event.start, spec.zone_of(event).meaning)
            {
                match tz.from_local_datetime(at) {
                    chrono::LocalResult::None => gaps += 1,
                    chrono::LocalResult::Ambiguous(..) => overlaps += 1,
                    chrono::LocalResult::Single(_) => {}
                }
            }
            if let (Start::Offset { at, .. }, Meaning::Iana(tz)) =
                (&event.start, spec.zone_of(event).meaning)
            {
                let instant = at.and_utc();
                let local = instant.with_timezone(&tz).naive_local();
                if tz
                    .from_local_datetime(&local)
                    .earliest()
                    .map(|t| t.to_utc())
                    != Some(instant)
                {
                    utc_second += 1;
                }
            }
            match event.start {
                Start::AllDay(_) => all_day += 1,
                Start::Local { .. } => local += 1,
                Start::Offset { .. } => offset += 1,
            }
            reminders += usize::from(!event.reminders.is_empty());
        }
    }
    assert!(
        gaps >= 2 && overlaps >= 2 && utc_second >= 2,
        "gaps {gaps}, overlaps {overlaps}, second occurrences {utc_second}"
    );
    assert!(all_day > 50 && local > 50 && offset > 50 && reminders > 50);
}
