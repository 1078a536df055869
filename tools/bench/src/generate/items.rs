//! One event or one article of the generated publication, as a list of fields.

use chrono::{Datelike, Days, NaiveDate};

use super::rng::Rng;
use super::text::{
    AUTHORS, DURATIONS, REMINDERS, TITLE_HEADS, ZONES, categories, description, markdown_body,
    sentence, words,
};
use super::{Record, Value, s};

const FIRST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2020, 1, 1) {
    Some(d) => d,
    None => unreachable!(),
};
/// Ten years: 2020-01-01 to 2029-12-31.
const DAYS: usize = 3652;

fn event_day(seed: u64, i: usize) -> NaiveDate {
    let mut rng = Rng::for_item(seed, 3, i);
    FIRST_DAY + Days::new(rng.range(0, DAYS - 1) as u64)
}

fn event_id(i: usize) -> String {
    format!(
        "ev{i:06}-{}",
        ["launch", "talk", "demo", "meetup", "panel"][i % 5]
    )
}

pub fn event(seed: u64, i: usize) -> Record {
    let mut rng = Rng::for_item(seed, 1, i);
    let day = event_day(seed, i);
    let mut r: Record = vec![
        ("id", s(event_id(i))),
        (
            "title",
            s(format!(
                "{} #{i}: {}",
                rng.pick(TITLE_HEADS),
                words(&mut rng, 2)
            )),
        ),
    ];
    if rng.chance(10) {
        // All day: one day, or a few, by end (inclusive) or duration.
        r.push(("start", s(day.to_string())));
        match rng.range(0, 2) {
            0 => {}
            1 => r.push((
                "end",
                s((day + Days::new(rng.range(0, 3) as u64)).to_string()),
            )),
            _ => r.push(("duration", s(format!("{}d", rng.range(1, 4))))),
        }
    } else {
        let zone = *rng.pick(ZONES);
        let (hour, minute) = (rng.range(9, 17), 15 * rng.range(0, 3));
        let local = format!("{day}T{hour:02}:{minute:02}");
        let kind = rng.range(0, 9);
        match kind {
            // An instant with an offset or in UTC, shown in the event's zone.
            0 => r.push(("start", s(format!("{local}:00Z")))),
            1 => r.push(("start", s(format!("{local}:00+05:45")))),
            _ => r.push(("start", s(local))),
        }
        // A local end only after a local start: an instant's wall-clock day may differ.
        if kind > 1 && rng.chance(20) {
            let end_hour = rng.range(hour + 1, 18);
            r.push(("end", s(format!("{day}T{end_hour:02}:{minute:02}"))));
        } else if rng.chance(95) {
            r.push(("duration", s(*rng.pick(DURATIONS))));
        }
        if let Some(zone) = zone {
            r.push(("timezone", s(zone)));
        }
    }
    let target = rng.range(300, 1500);
    r.push(("description", s(description(&mut rng, target))));
    if rng.chance(70) {
        r.push((
            "location",
            s(format!(
                "Hall {}, Floor {}; {}",
                i % 7,
                i % 3,
                words(&mut rng, 2)
            )),
        ));
    }
    if rng.chance(30) {
        r.push((
            "url",
            s(format!("https://events.example.com/e/{i}?ref=feed&x=1")),
        ));
    }
    if rng.chance(50) {
        r.push((
            "livestream",
            s(format!("https://live.example.com/watch?v={i:08x}")),
        ));
    }
    let categories = categories(&mut rng, 4);
    if !categories.is_empty() {
        r.push(("categories", Value::List(categories)));
    }
    match rng.range(0, 19) {
        0 => r.push(("status", s("cancelled"))),
        1 | 2 => r.push(("status", s("tentative"))),
        3 => r.push(("status", s("confirmed"))),
        _ => {}
    }
    // Distinct reminders: each alarm's UID is made of the event id and its duration.
    let first = rng.range(0, REMINDERS.len() - 1);
    let reminders: Vec<String> = (0..rng.range(0, 3))
        .map(|k| REMINDERS[(first + k) % REMINDERS.len()].to_string())
        .collect();
    if !reminders.is_empty() {
        r.push(("reminders", Value::List(reminders)));
    }
    if rng.chance(20) {
        r.push(("image", s(format!("https://img.example.com/{i}.jpg"))));
    }
    if rng.chance(30) {
        r.push(("sequence", Value::Int(rng.range(1, 5) as u32)));
    }
    if rng.chance(40) {
        let before = day - Days::new(rng.range(1, 60) as u64);
        r.push(("updated", s(format!("{before}T08:30:00Z"))));
    }
    r
}

pub fn article(seed: u64, i: usize) -> Record {
    let mut rng = Rng::for_item(seed, 2, i);
    let day = event_day(seed, i) - Days::new(rng.range(1, 45) as u64);
    let mut r: Record = vec![
        ("id", s(format!("ar{i:06}-news"))),
        (
            "title",
            s(format!(
                "{} — {} #{i}",
                sentence(&mut rng),
                words(&mut rng, 2)
            )),
        ),
    ];
    let published = match rng.range(0, 2) {
        0 => day.to_string(),
        1 => format!("{day}T{:02}:{:02}:00Z", rng.range(0, 23), rng.range(0, 59)),
        _ => format!("{day}T{:02}:30:00+05:45", rng.range(0, 23)),
    };
    r.push(("published", s(published)));
    if rng.chance(30) {
        r.push(("updated", s(format!("{}T06:00:00Z", day + Days::new(1)))));
    }
    if rng.chance(20) {
        r.push((
            "link",
            s(format!("https://news.example.com/{}/{i}/", day.year())),
        ));
    }
    if rng.chance(60) {
        r.push(("author", s(*rng.pick(AUTHORS))));
    }
    let target = rng.range(200, 600);
    r.push(("summary", s(description(&mut rng, target))));
    r.push(("content", s(markdown_body(&mut rng, i))));
    let categories = categories(&mut rng, 3);
    if !categories.is_empty() {
        r.push(("categories", Value::List(categories)));
    }
    if rng.chance(15) {
        r.push(("image", s(format!("https://img.example.com/a/{i}.png"))));
    }
    // Every article announces its own event; one in five also mentions an earlier one
    // (earlier, so that item i does not depend on N).
    let mut events = vec![event_id(i)];
    if rng.chance(20) && i > 0 {
        events.push(event_id(rng.range(0, i - 1)));
    }
    r.push(("events", Value::List(events)));
    r
}
