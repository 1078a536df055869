//! What the property tests generate: publications with arbitrary text, events in zones
//! with and without daylight saving (often near a transition), at local times, instants
//! with offsets or dates, with durations, ends and reminders; and the spec written as TOML.

use std::str::FromStr;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;

use crate::support::text::toml_string;

// ---- What the generator intends --------------------------------------------------------------

/// A zone as written in the data, and what it means.
#[derive(Clone, Debug)]
pub(super) struct ZoneChoice {
    pub(super) written: &'static str,
    pub(super) meaning: Meaning,
}

#[derive(Clone, Copy, Debug)]
pub(super) enum Meaning {
    Iana(Tz),
    /// Seconds east of UTC.
    Fixed(i32),
}

pub(super) fn zones() -> Vec<ZoneChoice> {
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
pub(super) enum Start {
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
pub(super) enum Length {
    None,
    /// A duration as written, and its length.
    Duration(&'static str, Duration),
    /// For timed events: so much after the start, written as a local time in the zone.
    /// For all-day events: the last day is so many days after the first.
    End(i64),
}

#[derive(Clone, Debug)]
pub(super) struct EventSpec {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) description: Option<String>,
    pub(super) zone: Option<ZoneChoice>,
    pub(super) start: Start,
    pub(super) length: Length,
    pub(super) reminders: Vec<(&'static str, &'static str)>,
}

#[derive(Clone, Debug)]
pub(super) struct ArticleSpec {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) summary: Option<String>,
    pub(super) content: Option<String>,
    pub(super) published: NaiveDate,
}

#[derive(Clone, Debug)]
pub(super) struct PublicationSpec {
    pub(super) title: String,
    pub(super) description: String,
    pub(super) zone: ZoneChoice,
    pub(super) events: Vec<EventSpec>,
    pub(super) articles: Vec<ArticleSpec>,
}

// ---- Strategies ---------------------------------------------------------------------------

/// Any character the loader accepts (XML 1.0's, less DEL), with the ones that need
/// escaping somewhere made common.
pub(super) fn character() -> impl Strategy<Value = char> {
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

pub(super) fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(character(), 0..max).prop_map(|chars| chars.into_iter().collect())
}

/// Required texts must not be blank: a blank one gets a letter in front.
pub(super) fn required_text(max: usize) -> impl Strategy<Value = String> {
    (text(max), any::<bool>()).prop_map(|(t, front)| match (t.trim().is_empty(), front) {
        (false, _) => t,
        (true, true) => format!("x{t}"),
        (true, false) => format!("{t}x"),
    })
}

pub(super) fn date() -> impl Strategy<Value = NaiveDate> {
    // 1971 to 2037: inside every zone's recorded history and 32-bit time.
    (0i64..24_400).prop_map(|days| {
        NaiveDate::from_ymd_opt(1971, 1, 1).expect("a date") + Duration::days(days)
    })
}

pub(super) fn local_time() -> impl Strategy<Value = NaiveDateTime> {
    (
        date(),
        0u32..24,
        0u32..60,
        prop_oneof![3 => Just(0u32), 1 => 0u32..60],
    )
        .prop_map(|(date, h, m, s)| date.and_hms_opt(h, m, s).expect("a valid time"))
}

pub(super) fn start() -> impl Strategy<Value = Start> {
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

pub(super) fn length() -> impl Strategy<Value = Length> {
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

pub(super) fn reminders() -> impl Strategy<Value = Vec<(&'static str, &'static str)>> {
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

pub(super) fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9._-]{0,12}"
}

/// Local times around daylight-saving changes (gaps, overlaps, a skipped day), in their zone.
pub(super) const TRANSITIONS: [(&str, &str); 20] = [
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
pub(super) fn near_transition() -> impl Strategy<Value = (Option<ZoneChoice>, Start)> {
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

pub(super) fn zone_and_start(
    zones: Vec<ZoneChoice>,
) -> impl Strategy<Value = (Option<ZoneChoice>, Start)> {
    prop_oneof![
        3 => (prop::option::weighted(0.6, prop::sample::select(zones)), start()),
        1 => near_transition(),
    ]
}

/// One-line required texts (titles): line breaks are refused there.
pub(super) fn required_line(max: usize) -> impl Strategy<Value = String> {
    required_text(max).prop_map(|t| t.replace(['\r', '\n'], " "))
}

pub(super) fn event(zones: Vec<ZoneChoice>) -> impl Strategy<Value = EventSpec> {
    (
        id(),
        required_line(60),
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

pub(super) fn article() -> impl Strategy<Value = ArticleSpec> {
    (
        id(),
        required_line(60),
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

pub(super) fn publication() -> impl Strategy<Value = PublicationSpec> {
    let zones = zones();
    (
        required_line(60),
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

pub(super) fn offset_text(minutes: i32) -> String {
    if minutes == 0 {
        return "Z".to_string();
    }
    let sign = if minutes < 0 { '-' } else { '+' };
    format!("{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60)
}

impl PublicationSpec {
    pub(super) fn toml(&self) -> String {
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

    pub(super) fn zone_of<'a>(&'a self, event: &'a EventSpec) -> &'a ZoneChoice {
        event.zone.as_ref().unwrap_or(&self.zone)
    }

    /// The instant the generator means by a timed event's start; `None` for a local time
    /// that does not exist or happens twice in its zone (the loader must refuse those).
    pub(super) fn start_instant(&self, event: &EventSpec) -> Option<DateTime<Utc>> {
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
    pub(super) fn invalid(&self) -> bool {
        self.events.iter().any(|event| match &event.start {
            Start::AllDay(_) => {
                matches!(&event.length, Length::Duration(_, d) if d.num_seconds() % 86_400 != 0)
            }
            _ => self.start_instant(event).is_none(),
        })
    }
}
