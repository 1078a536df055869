//! The one VTIMEZONE evaluator: the offset a client without a tz database (Outlook) gives
//! an instant from a calendar's VTIMEZONE alone; and what a client with one (chrono-tz)
//! reads from a DTSTART or DTEND.

use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
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

/// One STANDARD or DAYLIGHT observance: the UTC instants it begins at, and its offset.
pub struct Observance {
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
pub fn observances(vtimezone: &Ics, until_year: i32) -> Vec<Observance> {
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
pub fn vtimezone_offset(observances: &[Observance], instant: DateTime<Utc>) -> Option<i32> {
    observances
        .iter()
        .flat_map(|o| o.onsets.iter().map(move |t| (*t, o.offset_to)))
        .filter(|(t, _)| *t <= instant)
        .max_by_key(|(t, _)| *t)
        .map(|(_, offset)| offset)
}
