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

use std::str::FromStr;

use calfeed::export::{self, Output};
use calfeed::load::Format;
use calfeed::load::{self, LoadOptions};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::parser::{read_components, unfold};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed};
use quick_xml::Reader;
use quick_xml::events::Event as XmlEvent;

// ---- What the generator intends --------------------------------------------------------------

/// A zone as written in the data, and what it means.
#[derive(Clone, Debug)]
struct ZoneChoice {
    written: &'static str,
    meaning: Meaning,
}

#[derive(Clone, Copy, Debug)]
enum Meaning {
    Iana(Tz),
    /// Seconds east of UTC.
    Fixed(i32),
}

fn zones() -> Vec<ZoneChoice> {
    let iana = [
        "UTC",
        "Asia/Shanghai",
        "America/New_York",
        "Europe/London",
        "Europe/Berlin",
        // Half-hour daylight saving.
        "Australia/Lord_Howe",
        "America/St_Johns",
        "Pacific/Chatham",
        "Asia/Kolkata",
        "Asia/Kathmandu",
        // Daylight saving that came and went, or switched hemispheres.
        "America/Sao_Paulo",
        "Africa/Casablanca",
        "Pacific/Apia",
        "America/Santiago",
        "Europe/Dublin",
        // Taken as the tz database defines it: UTC-5.
        "Etc/GMT+5",
    ];
    let mut zones: Vec<ZoneChoice> = iana
        .into_iter()
        .map(|name| ZoneChoice {
            written: name,
            meaning: Meaning::Iana(Tz::from_str(name).expect("a known zone")),
        })
        .collect();
    for (written, seconds) in [
        ("GMT+8", 8 * 3600),
        ("UTC-05:00", -5 * 3600),
        ("+09:00", 9 * 3600),
        ("UTC+05:30", 5 * 3600 + 1800),
        ("UTC-0930", -(9 * 3600 + 1800)),
    ] {
        zones.push(ZoneChoice {
            written,
            meaning: Meaning::Fixed(seconds),
        });
    }
    zones
}

/// How an event's start is written.
#[derive(Clone, Debug)]
enum Start {
    /// Wall-clock time in the event's zone; `seconds` written or not, `T` or a space.
    Local {
        at: NaiveDateTime,
        seconds: bool,
        space: bool,
    },
    /// An instant with an offset (minutes east of UTC), or `Z`.
    Offset {
        at: NaiveDateTime,
        minutes: i32,
    },
    AllDay(NaiveDate),
}

/// How long an event lasts.
#[derive(Clone, Debug)]
enum Length {
    None,
    /// A duration as written, and its length.
    Duration(&'static str, Duration),
    /// For timed events: so much after the start, written as a local time in the zone.
    /// For all-day events: the last day is so many days after the first.
    End(i64),
}

#[derive(Clone, Debug)]
struct EventSpec {
    id: String,
    title: String,
    description: Option<String>,
    zone: Option<ZoneChoice>,
    start: Start,
    length: Length,
    reminders: Vec<(&'static str, &'static str)>,
}

#[derive(Clone, Debug)]
struct ArticleSpec {
    id: String,
    title: String,
    summary: Option<String>,
    content: Option<String>,
    published: NaiveDate,
}

#[derive(Clone, Debug)]
struct PublicationSpec {
    title: String,
    description: String,
    zone: ZoneChoice,
    events: Vec<EventSpec>,
    articles: Vec<ArticleSpec>,
}

// ---- Strategies ---------------------------------------------------------------------------

/// Any character the loader accepts (XML 1.0's, less DEL), with the ones that need
/// escaping somewhere made common.
fn character() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range(' ', '~'),
        2 => prop::sample::select(vec![
            '\\', ';', ',', ':', '"', '\'', '<', '>', '&', ']', '^', '\r', '\n', '\t', ' ',
        ]),
        // Any other character; the few that XML (or, DEL, RFC 5545) forbids become U+FFFD.
        2 => any::<char>().prop_map(|c| {
            let forbidden = (c < '\u{20}' && !matches!(c, '\t' | '\n' | '\r'))
                || matches!(c, '\u{7F}' | '\u{FFFE}' | '\u{FFFF}');
            if forbidden { '\u{FFFD}' } else { c }
        }),
    ]
}

fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(character(), 0..max).prop_map(|chars| chars.into_iter().collect())
}

/// Required texts must not be blank: a blank one gets a letter in front.
fn required_text(max: usize) -> impl Strategy<Value = String> {
    (text(max), any::<bool>()).prop_map(|(t, front)| match (t.trim().is_empty(), front) {
        (false, _) => t,
        (true, true) => format!("x{t}"),
        (true, false) => format!("{t}x"),
    })
}

fn date() -> impl Strategy<Value = NaiveDate> {
    // 1971 to 2037: inside every zone's recorded history and 32-bit time.
    (0i64..24_400).prop_map(|days| {
        NaiveDate::from_ymd_opt(1971, 1, 1).expect("a date") + Duration::days(days)
    })
}

fn local_time() -> impl Strategy<Value = NaiveDateTime> {
    (
        date(),
        0u32..24,
        0u32..60,
        prop_oneof![3 => Just(0u32), 1 => 0u32..60],
    )
        .prop_map(|(date, h, m, s)| date.and_hms_opt(h, m, s).expect("a valid time"))
}

fn start() -> impl Strategy<Value = Start> {
    prop_oneof![
        5 => (local_time(), any::<bool>(), any::<bool>()).prop_map(|(at, seconds, space)| {
            // Seconds that are not written are zero.
            let at = if seconds { at } else { at.date().and_hms_opt(at.time().hour(), at.time().minute(), 0).expect("time") };
            Start::Local { at, seconds, space }
        }),
        2 => (local_time(), prop::sample::select(vec![0, 60, -300, 330, 480, 525, 765, -570, -720, 840]))
            .prop_map(|(at, minutes)| Start::Offset { at, minutes }),
        2 => date().prop_map(Start::AllDay),
    ]
}

use chrono::Timelike;

fn length() -> impl Strategy<Value = Length> {
    prop_oneof![
        1 => Just(Length::None),
        3 => prop::sample::select(vec![
            ("45s", Duration::seconds(45)),
            ("90m", Duration::minutes(90)),
            ("2h", Duration::hours(2)),
            ("1h30m", Duration::minutes(90)),
            ("1d", Duration::days(1)),
            ("2d", Duration::days(2)),
            ("1w", Duration::weeks(1)),
            ("PT2H", Duration::hours(2)),
            ("P1DT2H", Duration::hours(26)),
            ("P1W", Duration::weeks(1)),
        ])
        .prop_map(|(written, length)| Length::Duration(written, length)),
        2 => (0i64..40 * 24).prop_map(Length::End),
    ]
}

fn reminders() -> impl Strategy<Value = Vec<(&'static str, &'static str)>> {
    prop::collection::vec(
        prop::sample::select(vec![
            ("10m", "-PT10M"),
            ("1h", "-PT1H"),
            ("90m", "-PT1H30M"),
            ("1d", "-P1D"),
            ("1w", "-P1W"),
            ("PT15M", "-PT15M"),
        ]),
        0..3,
    )
}

fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9._-]{0,12}"
}

/// Local times around daylight-saving changes (gaps, overlaps, a skipped day), in their zone.
const TRANSITIONS: [(&str, &str); 20] = [
    ("America/New_York", "2024-03-10T02:00"),
    ("America/New_York", "2024-11-03T01:00"),
    ("Europe/Berlin", "2024-03-31T02:00"),
    ("Europe/Berlin", "2024-10-27T02:00"),
    ("Europe/London", "2024-03-31T01:00"),
    ("Europe/London", "2024-10-27T01:00"),
    ("Europe/Dublin", "2024-10-27T01:00"),
    ("Australia/Lord_Howe", "2024-10-06T02:00"),
    ("Australia/Lord_Howe", "2024-04-07T01:45"),
    ("America/St_Johns", "2024-03-10T02:00"),
    ("America/St_Johns", "2024-11-03T01:00"),
    ("Pacific/Chatham", "2024-09-29T02:45"),
    ("Pacific/Chatham", "2024-04-07T03:45"),
    ("Pacific/Apia", "2011-12-30T12:00"),
    ("America/Sao_Paulo", "2018-11-04T00:00"),
    ("America/Sao_Paulo", "2019-02-16T23:30"),
    ("America/Santiago", "2024-09-08T00:00"),
    ("America/Santiago", "2024-04-06T23:30"),
    ("Africa/Casablanca", "2024-03-10T02:30"),
    ("Africa/Casablanca", "2024-04-14T02:30"),
];

/// A zone and a start near one of its daylight-saving changes: a local time (which may not
/// exist, or happen twice), or the later of two instants that share a local time, written
/// in UTC.
fn near_transition() -> impl Strategy<Value = (Option<ZoneChoice>, Start)> {
    (
        prop::sample::select(TRANSITIONS.to_vec()),
        -150i64..150,
        any::<bool>(),
    )
        .prop_map(|((zone, at), minutes, second_occurrence)| {
            let tz = Tz::from_str(zone).expect("a known zone");
            let local = NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M").expect("a time")
                + Duration::minutes(minutes);
            let choice = ZoneChoice {
                written: zone,
                meaning: Meaning::Iana(tz),
            };
            let start = match tz.from_local_datetime(&local).latest() {
                Some(later) if second_occurrence => Start::Offset {
                    at: later.naive_utc(),
                    minutes: 0,
                },
                _ => Start::Local {
                    at: local,
                    seconds: false,
                    space: false,
                },
            };
            (Some(choice), start)
        })
}

fn zone_and_start(zones: Vec<ZoneChoice>) -> impl Strategy<Value = (Option<ZoneChoice>, Start)> {
    prop_oneof![
        3 => (prop::option::weighted(0.6, prop::sample::select(zones)), start()),
        1 => near_transition(),
    ]
}

fn event(zones: Vec<ZoneChoice>) -> impl Strategy<Value = EventSpec> {
    (
        id(),
        required_text(60),
        prop::option::of(text(200)),
        zone_and_start(zones),
        length(),
        reminders(),
    )
        .prop_map(
            |(id, title, description, (zone, start), length, reminders)| EventSpec {
                id,
                title,
                description,
                zone,
                start,
                length,
                reminders,
            },
        )
}

fn article() -> impl Strategy<Value = ArticleSpec> {
    (
        id(),
        required_text(60),
        prop::option::of(text(120)),
        prop::option::of(text(200)),
        date(),
    )
        .prop_map(|(id, title, summary, content, published)| ArticleSpec {
            id,
            title,
            summary,
            content,
            published,
        })
}

fn publication() -> impl Strategy<Value = PublicationSpec> {
    let zones = zones();
    (
        required_text(60),
        required_text(120),
        prop::sample::select(zones.clone()),
        prop::collection::vec(event(zones), 0..6),
        prop::collection::vec(article(), 0..4),
    )
        .prop_map(|(title, description, zone, mut events, mut articles)| {
            // Unique ids, ignoring case, that are never reserved file names.
            for (i, event) in events.iter_mut().enumerate() {
                event.id = format!("e{i}-{}x", event.id);
            }
            for (i, article) in articles.iter_mut().enumerate() {
                article.id = format!("a{i}-{}x", article.id);
            }
            PublicationSpec {
                title,
                description,
                zone,
                events,
                articles,
            }
        })
}

// ---- Writing the spec as TOML ---------------------------------------------------------------

fn toml_string(text: &str) -> String {
    // The toml crate's own writer: it escapes whatever TOML needs escaped.
    toml::Value::String(text.to_string()).to_string()
}

fn offset_text(minutes: i32) -> String {
    if minutes == 0 {
        return "Z".to_string();
    }
    let sign = if minutes < 0 { '-' } else { '+' };
    format!("{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60)
}

impl PublicationSpec {
    fn toml(&self) -> String {
        let mut out = format!(
            "[channel]\ntitle = {}\ndescription = {}\nlink = \"https://example.org/\"\n\
             language = \"en\"\ntimezone = {}\n",
            toml_string(&self.title),
            toml_string(&self.description),
            toml_string(self.zone.written),
        );
        for event in &self.events {
            out.push_str(&format!(
                "\n[[events]]\nid = {}\ntitle = {}\n",
                toml_string(&event.id),
                toml_string(&event.title)
            ));
            if let Some(zone) = &event.zone {
                out.push_str(&format!("timezone = {}\n", toml_string(zone.written)));
            }
            let start = match &event.start {
                Start::Local { at, seconds, space } => {
                    let format = match (seconds, space) {
                        (true, true) => "%Y-%m-%d %H:%M:%S",
                        (true, false) => "%Y-%m-%dT%H:%M:%S",
                        (false, true) => "%Y-%m-%d %H:%M",
                        (false, false) => "%Y-%m-%dT%H:%M",
                    };
                    at.format(format).to_string()
                }
                Start::Offset { at, minutes } => {
                    format!(
                        "{}{}",
                        at.format("%Y-%m-%dT%H:%M:%S"),
                        offset_text(*minutes)
                    )
                }
                Start::AllDay(date) => date.format("%Y-%m-%d").to_string(),
            };
            out.push_str(&format!("start = \"{start}\"\n"));
            match (&event.length, &event.start) {
                (Length::None, _) => {}
                (Length::Duration(written, _), _) => {
                    out.push_str(&format!("duration = \"{written}\"\n"))
                }
                (Length::End(days), Start::AllDay(date)) => {
                    let last = *date + Duration::days(days / 24);
                    out.push_str(&format!("end = \"{}\"\n", last.format("%Y-%m-%d")));
                }
                // A timed end is written as an instant with an offset (a local end could
                // fall into a gap of its own); see `intended`.
                (Length::End(hours), _) => {
                    if let Some(start) = self.start_instant(event) {
                        let end = start + Duration::minutes(hours * 17);
                        out.push_str(&format!("end = \"{}\"\n", end.format("%Y-%m-%dT%H:%M:%SZ")));
                    }
                }
            }
            if let Some(description) = &event.description {
                out.push_str(&format!("description = {}\n", toml_string(description)));
            }
            if !event.reminders.is_empty() {
                let written: Vec<String> = event
                    .reminders
                    .iter()
                    .map(|(w, _)| format!("\"{w}\""))
                    .collect();
                out.push_str(&format!("reminders = [{}]\n", written.join(", ")));
            }
        }
        for article in &self.articles {
            out.push_str(&format!(
                "\n[[articles]]\nid = {}\ntitle = {}\npublished = \"{}\"\n",
                toml_string(&article.id),
                toml_string(&article.title),
                article.published.format("%Y-%m-%d")
            ));
            if let Some(summary) = &article.summary {
                out.push_str(&format!("summary = {}\n", toml_string(summary)));
            }
            if let Some(content) = &article.content {
                out.push_str(&format!("content = {}\n", toml_string(content)));
            }
        }
        out
    }

    fn zone_of<'a>(&'a self, event: &'a EventSpec) -> &'a ZoneChoice {
        event.zone.as_ref().unwrap_or(&self.zone)
    }

    /// The instant the generator means by a timed event's start; `None` for a local time
    /// that does not exist or happens twice in its zone (the loader must refuse those).
    fn start_instant(&self, event: &EventSpec) -> Option<DateTime<Utc>> {
        match &event.start {
            Start::Local { at, .. } => match self.zone_of(event).meaning {
                Meaning::Iana(tz) => tz.from_local_datetime(at).single().map(|t| t.to_utc()),
                Meaning::Fixed(seconds) => Some(
                    FixedOffset::east_opt(seconds)
                        .expect("an offset")
                        .from_local_datetime(at)
                        .single()
                        .expect("fixed offsets are unambiguous")
                        .to_utc(),
                ),
            },
            Start::Offset { at, minutes } => Some(
                FixedOffset::east_opt(minutes * 60)
                    .expect("an offset")
                    .from_local_datetime(at)
                    .single()
                    .expect("an instant")
                    .to_utc(),
            ),
            Start::AllDay(_) => None,
        }
    }

    /// Whether the loader must refuse this publication: a local start that does not exist
    /// or is ambiguous, or an all-day event with a duration that is not whole days.
    fn invalid(&self) -> bool {
        self.events.iter().any(|event| match &event.start {
            Start::AllDay(_) => {
                matches!(&event.length, Length::Duration(_, d) if d.num_seconds() % 86_400 != 0)
            }
            _ => self.start_instant(event).is_none(),
        })
    }
}

// ---- Reading the calendar -------------------------------------------------------------------

/// A property as the crate's parser gives it: parameters and (for TEXT, unescaped) value.
type Property = (String, Vec<(String, String)>, String);

#[derive(Debug)]
struct Ics {
    name: String,
    properties: Vec<Property>,
    children: Vec<Ics>,
}

impl Ics {
    fn parse(ics: &str) -> Ics {
        assert!(ics.ends_with("\r\n"), "does not end in CRLF");
        for line in ics[..ics.len() - 2].split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
            assert!(!line.contains(['\r', '\n']), "bare CR or LF: {line:?}");
        }
        let unfolded = unfold(ics);
        let roots = read_components(&unfolded).expect("the icalendar crate parses it");
        assert_eq!(roots.len(), 1);
        fn own(c: &icalendar::parser::Component<'_>) -> Ics {
            Ics {
                name: c.name.as_str().to_string(),
                properties: c
                    .properties
                    .iter()
                    .map(|p| {
                        (
                            p.name.as_str().to_string(),
                            p.params
                                .iter()
                                .map(|q| {
                                    (
                                        q.key.as_str().to_string(),
                                        q.val
                                            .as_ref()
                                            .map(|v| v.as_str().to_string())
                                            .unwrap_or_default(),
                                    )
                                })
                                .collect(),
                            p.val.as_str().to_string(),
                        )
                    })
                    .collect(),
                children: c.components.iter().map(own).collect(),
            }
        }
        let root = own(&roots[0]);
        fn lines(c: &Ics) -> usize {
            2 + c.properties.len() + c.children.iter().map(lines).sum::<usize>()
        }
        let content_lines = unfolded.split("\r\n").filter(|l| !l.is_empty()).count();
        assert_eq!(content_lines, lines(&root), "lines the parser skipped");
        root
    }

    fn property(&self, name: &str) -> Option<&Property> {
        let mut found = self.properties.iter().filter(|p| p.0 == name);
        let first = found.next();
        assert!(found.next().is_none(), "{name} twice in {}", self.name);
        first
    }

    fn value(&self, name: &str) -> String {
        self.property(name)
            .unwrap_or_else(|| panic!("no {name} in {}", self.name))
            .2
            .clone()
    }
}

/// What a client reads from DTSTART or DTEND: a date, or an instant (a TZID's local time
/// converted with chrono-tz, taking the first of two occurrences as RFC 5545 §3.3.5 says).
#[derive(Debug, PartialEq)]
enum When {
    Date(NaiveDate),
    Instant(DateTime<Utc>),
}

fn when(property: &Property, tzids: &mut Vec<(String, DateTime<Utc>)>) -> When {
    let (_, params, value) = property;
    let param = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    if param("VALUE") == Some("DATE") {
        return When::Date(NaiveDate::parse_from_str(value, "%Y%m%d").expect("a DATE"));
    }
    if let Some(utc) = value.strip_suffix('Z') {
        assert!(param("TZID").is_none(), "TZID on a UTC time");
        let at = NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").expect("a DATE-TIME");
        return When::Instant(at.and_utc());
    }
    let tzid = param("TZID").unwrap_or_else(|| panic!("a floating time: {property:?}"));
    let tz = Tz::from_str(tzid).unwrap_or_else(|_| panic!("unknown TZID {tzid}"));
    let local = NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S").expect("a DATE-TIME");
    let instant = tz
        .from_local_datetime(&local)
        .earliest()
        .unwrap_or_else(|| panic!("{local} does not exist in {tzid}"))
        .to_utc();
    tzids.push((tzid.to_string(), instant));
    When::Instant(instant)
}

// ---- Reading a VTIMEZONE, as a client without a tz database does --------------------------

/// One STANDARD or DAYLIGHT observance: the UTC instants it begins at, and its offset.
struct Observance {
    onsets: Vec<DateTime<Utc>>,
    offset_to: i32,
}

fn utc_offset(text: &str) -> i32 {
    let sign = if text.starts_with('-') { -1 } else { 1 };
    let digits = &text[1..];
    let part = |range: std::ops::Range<usize>| {
        digits
            .get(range)
            .map_or(0, |d| d.parse::<i32>().expect("digits"))
    };
    sign * (part(0..2) * 3600 + part(2..4) * 60 + part(4..6))
}

/// The `nth` (1-based; negative from the end) `weekday` of `month` in `year`.
fn nth_weekday(year: i32, month: u32, nth: i32, weekday: chrono::Weekday) -> Option<NaiveDate> {
    use chrono::Datelike;
    let days: Vec<NaiveDate> = (1..=31)
        .filter_map(|d| NaiveDate::from_ymd_opt(year, month, d))
        .filter(|d| d.weekday() == weekday)
        .collect();
    if nth > 0 {
        days.get(nth as usize - 1).copied()
    } else {
        days.len()
            .checked_sub(nth.unsigned_abs() as usize)
            .map(|i| days[i])
    }
}

/// The observances of a VTIMEZONE, their yearly rules expanded up to `until_year`.
fn observances(vtimezone: &Ics, until_year: i32) -> Vec<Observance> {
    use chrono::Datelike;
    vtimezone
        .children
        .iter()
        .map(|o| {
            let from = utc_offset(&o.value("TZOFFSETFROM"));
            let offset_to = utc_offset(&o.value("TZOFFSETTO"));
            let start = NaiveDateTime::parse_from_str(&o.value("DTSTART"), "%Y%m%dT%H%M%S")
                .expect("a local DTSTART");
            let to_utc =
                |local: NaiveDateTime| (local - Duration::seconds(i64::from(from))).and_utc();
            let mut onsets = vec![to_utc(start)];
            if let Some((_, _, rule)) = o.property("RRULE") {
                let parts: std::collections::HashMap<&str, &str> = rule
                    .split(';')
                    .map(|p| p.split_once('=').expect("KEY=VALUE"))
                    .collect();
                assert_eq!(parts["FREQ"], "YEARLY", "{rule}");
                assert!(
                    parts
                        .keys()
                        .all(|k| ["FREQ", "BYMONTH", "BYDAY", "UNTIL"].contains(k)),
                    "{rule}"
                );
                let month: u32 = parts["BYMONTH"].parse().expect("BYMONTH");
                let byday = parts["BYDAY"];
                let (nth, day) = byday.split_at(byday.len() - 2);
                let nth: i32 = nth.trim_start_matches('+').parse().expect("BYDAY ordinal");
                let weekday = match day {
                    "MO" => chrono::Weekday::Mon,
                    "TU" => chrono::Weekday::Tue,
                    "WE" => chrono::Weekday::Wed,
                    "TH" => chrono::Weekday::Thu,
                    "FR" => chrono::Weekday::Fri,
                    "SA" => chrono::Weekday::Sat,
                    "SU" => chrono::Weekday::Sun,
                    other => panic!("BYDAY {other}"),
                };
                let until = parts.get("UNTIL").map(|u| {
                    NaiveDateTime::parse_from_str(
                        u.strip_suffix('Z').expect("UNTIL in UTC"),
                        "%Y%m%dT%H%M%S",
                    )
                    .expect("UNTIL")
                    .and_utc()
                });
                for year in start.year() + 1..=until_year {
                    let Some(date) = nth_weekday(year, month, nth, weekday) else {
                        continue;
                    };
                    let onset = to_utc(date.and_time(start.time()));
                    if until.is_some_and(|u| onset > u) {
                        break;
                    }
                    onsets.push(onset);
                }
            }
            Observance { onsets, offset_to }
        })
        .collect()
}

/// The offset a client reading only the VTIMEZONE gives `instant`: that of the latest onset
/// at or before it.
fn vtimezone_offset(observances: &[Observance], instant: DateTime<Utc>) -> Option<i32> {
    observances
        .iter()
        .flat_map(|o| o.onsets.iter().map(move |t| (*t, o.offset_to)))
        .filter(|(t, _)| *t <= instant)
        .max_by_key(|(t, _)| *t)
        .map(|(_, offset)| offset)
}

// ---- Reading the feeds ----------------------------------------------------------------------

/// The text of every `name` element, in order, from well-formed XML.
fn xml_texts(xml: &str, name: &str) -> Vec<String> {
    let mut reader = Reader::from_str(xml);
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut inside: Option<usize> = None;
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed: {e}\n{xml}"))
        {
            XmlEvent::Start(e) => {
                depth += 1;
                if e.name().as_ref() == name.as_bytes() && inside.is_none() {
                    inside = Some(depth);
                    found.push(String::new());
                }
            }
            XmlEvent::End(_) => {
                if inside == Some(depth) {
                    inside = None;
                }
                depth = depth.checked_sub(1).expect("balanced");
            }
            XmlEvent::Text(t) if inside.is_some() => found
                .last_mut()
                .expect("open")
                .push_str(&t.xml10_content().expect("UTF-8")),
            XmlEvent::CData(t) if inside.is_some() => found
                .last_mut()
                .expect("open")
                .push_str(&t.xml10_content().expect("UTF-8")),
            XmlEvent::GeneralRef(r) if inside.is_some() => {
                let text = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .expect("valid")
                        .expect("a char")
                        .to_string()
                } else {
                    match r.decode().expect("UTF-8").as_ref() {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "quot" => "\"",
                        "apos" => "'",
                        other => panic!("undeclared entity {other}"),
                    }
                    .to_string()
                };
                found.last_mut().expect("open").push_str(&text);
            }
            XmlEvent::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "unclosed elements");
    found
}

fn lf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

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
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    }
}

fn check(spec: &PublicationSpec) -> Result<(), TestCaseError> {
    let toml = spec.toml();
    let loaded = load::parse_publication(
        "gen",
        "feeds/gen.toml",
        &toml,
        Format::Toml,
        &LoadOptions::at(DateTime::UNIX_EPOCH),
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
    let outputs = export::render(&publication);

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
    let rss_titles = xml_texts(rss, "title");
    prop_assert_eq!(&rss_titles[0], &lf(&spec.title));
    prop_assert_eq!(&rss_titles[1..], &titles[..], "RSS item titles");
    let atom = file(&outputs, "gen.atom");
    let atom_titles = xml_texts(atom, "title");
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
