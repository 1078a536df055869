//! The one VTIMEZONE evaluator: the observance (kind, offsets, TZNAME) and so the offset a
//! client without a tz database (Outlook) gives an instant from a calendar's VTIMEZONE
//! alone; and what a client with one (chrono-tz) reads from a DTSTART or DTEND. Both the
//! generator's own tests (`vtimezone.rs`) and the property tests read VTIMEZONEs here.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use super::ics::{Ics, Property};

/// What a client reads from DTSTART or DTEND: a date, or an instant (a TZID's local time
/// converted with chrono-tz, taking the first of two occurrences as RFC 5545 §3.3.5 says).
#[derive(Debug, PartialEq)]
pub enum When {
    Date(NaiveDate),
    Instant(DateTime<Utc>),
}

pub fn when(property: &Property, tzids: &mut Vec<(String, DateTime<Utc>)>) -> When {
    let (_, params, value) = property;
    let param = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_deref().unwrap_or(""))
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

/// One STANDARD or DAYLIGHT observance as written, and the UTC instants it begins at.
#[derive(Debug)]
pub struct Observance {
    /// DAYLIGHT rather than STANDARD.
    pub daylight: bool,
    /// TZOFFSETFROM and TZOFFSETTO, in seconds east of UTC.
    pub offset_from: i32,
    pub offset_to: i32,
    /// TZNAME.
    pub name: String,
    /// DTSTART and every RRULE occurrence after it, in UTC, in order.
    pub onsets: Vec<DateTime<Utc>>,
}

/// A UTC offset as RFC 5545 §3.3.14 writes it: a sign, `HHMM`, and `SS` only when not zero.
fn utc_offset(value: &str) -> i32 {
    let (sign, digits) = match value.split_at(1) {
        ("+", d) => (1, d),
        ("-", d) => (-1, d),
        _ => panic!("offset without sign: {value}"),
    };
    assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{value}");
    let field = |i: usize| digits[i..i + 2].parse::<i32>().expect("digits");
    let seconds = match digits.len() {
        4 => 0,
        6 => {
            assert_ne!(field(4), 0, "seconds written although zero: {value}");
            field(4)
        }
        _ => panic!("bad offset {value}"),
    };
    assert!(field(2) < 60 && seconds < 60, "{value}");
    sign * (field(0) * 3600 + field(2) * 60 + seconds)
}

/// A local DATE-TIME, `YYYYMMDDTHHMMSS`.
fn local_time(value: &str) -> NaiveDateTime {
    assert_eq!(value.len(), 15, "not a local date-time: {value}");
    NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S").expect("a local DATE-TIME")
}

/// A yearly RRULE: BYMONTH, BYDAY with an ordinal, and perhaps a UTC UNTIL.
struct Rule {
    month: u32,
    nth: i32,
    weekday: Weekday,
    until: Option<DateTime<Utc>>,
}

fn rule(value: &str) -> Rule {
    let parts: HashMap<&str, &str> = value
        .split(';')
        .map(|p| p.split_once('=').expect("KEY=VALUE"))
        .collect();
    assert_eq!(parts.get("FREQ"), Some(&"YEARLY"), "{value}");
    assert!(
        parts
            .keys()
            .all(|k| ["FREQ", "BYMONTH", "BYDAY", "UNTIL"].contains(k)),
        "{value}"
    );
    let byday = parts["BYDAY"];
    let (nth, day) = byday.split_at(byday.len() - 2);
    let weekday = match day {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => panic!("bad BYDAY {byday}"),
    };
    let nth: i32 = nth.parse().expect("BYDAY ordinal");
    assert!((1..=5).contains(&nth) || nth == -1, "{value}");
    let until = parts
        .get("UNTIL")
        .map(|u| local_time(u.strip_suffix('Z').expect("UNTIL in UTC")).and_utc());
    Rule {
        month: parts["BYMONTH"].parse().expect("BYMONTH"),
        nth,
        weekday,
        until,
    }
}

/// The `nth` (1-based; negative from the end) `weekday` of `month` in `year`.
fn nth_weekday(year: i32, month: u32, nth: i32, weekday: Weekday) -> Option<NaiveDate> {
    let days: Vec<NaiveDate> = (1..=31)
        .filter_map(|d| NaiveDate::from_ymd_opt(year, month, d))
        .filter(|d| d.weekday() == weekday)
        .collect();
    let index = if nth > 0 {
        nth as usize - 1
    } else {
        days.len().checked_sub(nth.unsigned_abs() as usize)?
    };
    days.get(index).copied()
}

/// The observances of a VTIMEZONE, their yearly rules expanded up to the end of
/// `until_year` (DTSTART, which must be a rule's first occurrence, always counts). Strict about what calfeed writes: every observance a STANDARD or DAYLIGHT
/// with DTSTART, TZOFFSETFROM, TZOFFSETTO, TZNAME, perhaps a yearly RRULE whose first
/// occurrence is DTSTART, and nothing else (an RDATE would be refused, not misread).
pub fn observances(vtimezone: &Ics, until_year: i32) -> Vec<Observance> {
    assert_eq!(vtimezone.name, "VTIMEZONE");
    assert!(
        !vtimezone.children.is_empty(),
        "a VTIMEZONE without observances"
    );
    vtimezone
        .children
        .iter()
        .map(|o| {
            let daylight = match o.name.as_str() {
                "DAYLIGHT" => true,
                "STANDARD" => false,
                other => panic!("unexpected component {other}"),
            };
            assert!(o.children.is_empty(), "a component inside {}", o.name);
            for (i, (name, _, _)) in o.properties.iter().enumerate() {
                assert!(
                    ["DTSTART", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME", "RRULE"]
                        .contains(&name.as_str()),
                    "unexpected {name} in {}",
                    o.name
                );
                assert!(
                    o.properties[..i].iter().all(|p| p.0 != *name),
                    "{name} repeated in {}",
                    o.name
                );
            }
            let offset_from = utc_offset(&o.value("TZOFFSETFROM"));
            let start = local_time(&o.value("DTSTART"));
            let to_utc = |local: NaiveDateTime| {
                (local - Duration::seconds(i64::from(offset_from))).and_utc()
            };
            let mut onsets = Vec::new();
            match o.property("RRULE") {
                None => onsets.push(to_utc(start)),
                Some((_, _, value)) => {
                    let rule = rule(value);
                    // DTSTART's own year even if it is after `until_year`: DTSTART is an onset.
                    for year in start.year()..=until_year.max(start.year()) {
                        let Some(date) = nth_weekday(year, rule.month, rule.nth, rule.weekday)
                        else {
                            continue;
                        };
                        let local = date.and_time(start.time());
                        if local < start {
                            continue;
                        }
                        if onsets.is_empty() {
                            assert_eq!(local, start, "DTSTART is not the RRULE's first occurrence");
                        }
                        let onset = to_utc(local);
                        if rule.until.is_some_and(|u| onset > u) {
                            break;
                        }
                        onsets.push(onset);
                    }
                    assert!(!onsets.is_empty(), "an RRULE without occurrences: {value}");
                }
            }
            Observance {
                daylight,
                offset_from,
                offset_to: utc_offset(&o.value("TZOFFSETTO")),
                name: o.value("TZNAME"),
                onsets,
            }
        })
        .collect()
}

/// Every onset of `observances` with the index of the observance it begins, in order. No
/// two observances may begin at the same instant.
pub fn timeline(observances: &[Observance]) -> Vec<(DateTime<Utc>, usize)> {
    let mut onsets: Vec<(DateTime<Utc>, usize)> = observances
        .iter()
        .enumerate()
        .flat_map(|(i, o)| o.onsets.iter().map(move |t| (*t, i)))
        .collect();
    onsets.sort();
    for pair in onsets.windows(2) {
        assert_ne!(
            pair[0].0, pair[1].0,
            "two observances begin at {}",
            pair[0].0
        );
    }
    onsets
}

/// The observance a client reading only the VTIMEZONE applies at `instant`: the one with the
/// latest onset at or before it, in a [`timeline`].
pub fn in_force(timeline: &[(DateTime<Utc>, usize)], instant: DateTime<Utc>) -> Option<usize> {
    let after = timeline.partition_point(|(t, _)| *t <= instant);
    after.checked_sub(1).map(|i| timeline[i].1)
}

/// The offset a client reading only the VTIMEZONE gives `instant`.
pub fn vtimezone_offset(observances: &[Observance], instant: DateTime<Utc>) -> Option<i32> {
    in_force(&timeline(observances), instant).map(|i| observances[i].offset_to)
}
