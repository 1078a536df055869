//! Repeating events: the rule's friendly spelling and its RRULE text, checking a rule
//! against its event, and the expansion into occurrences (with overrides applied), done by
//! the `rrule` crate rather than by hand. What a rule, an exception or an override *is*
//! belongs to [`crate::model`]; this module reads the model and never the other way round.

use std::fmt::Write as _;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use rrule::{RRule, RRuleSet, Unvalidated};

use crate::model::{Event, Instance, Occurrence, Override, Recurrence, Schedule};
use crate::when::Zone;

/// The friendly spelling of a rule: `repeat = { every = "week", on = ["mo", "we"], count = 10 }`.
#[derive(Clone, Debug, Default)]
pub struct Repeat {
    pub every: String,
    pub interval: Option<u32>,
    pub count: Option<u32>,
    pub until: Option<Instance>,
    pub on: Vec<String>,
}

const WEEKDAYS: [(&str, &str); 7] = [
    ("mo", "MO"),
    ("tu", "TU"),
    ("we", "WE"),
    ("th", "TH"),
    ("fr", "FR"),
    ("sa", "SA"),
    ("su", "SU"),
];

/// The RRULE text of a friendly rule. `until` is inclusive: for timed events it becomes the
/// UTC instant of the end of that day in the event's zone, as RFC 5545 requires UNTIL to be
/// UTC when DTSTART has a TZID.
pub fn friendly_rule(repeat: &Repeat, zone: Option<&Zone>) -> Result<String, String> {
    let freq = match repeat.every.trim().to_ascii_lowercase().as_str() {
        "day" | "daily" => "DAILY",
        "week" | "weekly" => "WEEKLY",
        "month" | "monthly" => "MONTHLY",
        "year" | "yearly" => "YEARLY",
        other => {
            return Err(format!(
                "`every = {other:?}` is not a period; expected \"day\", \"week\", \"month\" or \"year\""
            ));
        }
    };
    let mut rule = format!("FREQ={freq}");
    match repeat.interval {
        Some(0) => return Err("`interval` must be at least 1".into()),
        Some(1) | None => {}
        Some(n) => write!(rule, ";INTERVAL={n}").expect("writing to a String"),
    }
    if !repeat.on.is_empty() {
        let mut days = Vec::new();
        for day in &repeat.on {
            let key = day.trim().to_ascii_lowercase();
            let code = WEEKDAYS
                .iter()
                .find(|(short, _)| key == *short || (key.len() > 2 && key.starts_with(short)))
                .map(|(_, code)| *code)
                .ok_or_else(|| {
                    format!("{day:?} is not a weekday; expected mo, tu, we, th, fr, sa or su")
                })?;
            days.push(code);
        }
        write!(rule, ";BYDAY={}", days.join(",")).expect("writing to a String");
    }
    match (repeat.count, repeat.until) {
        (Some(_), Some(_)) => return Err("give either `count` or `until`, not both".into()),
        (Some(0), None) => return Err("`count` must be at least 1".into()),
        (Some(n), None) => write!(rule, ";COUNT={n}").expect("writing to a String"),
        (None, Some(Instance::Day(last))) => match zone {
            // Timed: the last moment of that day, where the event is.
            Some(zone) => {
                let end_of_day = last.and_hms_opt(23, 59, 59).expect("valid time");
                let instant = zone.resolve_local(end_of_day).or_else(|_| {
                    zone.resolve_local(last.and_hms_opt(22, 59, 59).expect("valid time"))
                })?;
                write!(rule, ";UNTIL={}", instant.format("%Y%m%dT%H%M%SZ"))
                    .expect("writing to a String");
            }
            None => write!(rule, ";UNTIL={}", last.format("%Y%m%d")).expect("writing to a String"),
        },
        (None, Some(Instance::Timed(instant))) => {
            if zone.is_none() {
                return Err("an all-day event repeats `until` a date, not a time".into());
            }
            write!(rule, ";UNTIL={}", instant.format("%Y%m%dT%H%M%SZ"))
                .expect("writing to a String");
        }
        (None, None) => {}
    }
    Ok(rule)
}

/// The zone rules are expanded in: the event's IANA zone (UTC for all-day events and for
/// zones written in UTC).
fn rrule_tz(schedule: &Schedule) -> Result<rrule::Tz, String> {
    match schedule {
        Schedule::Timed {
            zone: Zone::Iana(tz),
            ..
        } => Ok(rrule::Tz::Tz(*tz)),
        Schedule::Timed {
            zone: Zone::Fixed(_),
            ..
        } => Err(
            "a repeating event needs an IANA zone or a whole-hour offset (its rule's weekdays \
             and times are local to that zone)"
                .into(),
        ),
        Schedule::AllDay { .. } => Ok(rrule::Tz::UTC),
    }
}

fn to_rrule_time(instance: Instance, tz: rrule::Tz) -> DateTime<rrule::Tz> {
    match instance {
        Instance::Timed(t) => t.with_timezone(&tz),
        Instance::Day(d) => tz.from_utc_datetime(&d.and_time(NaiveTime::MIN)),
    }
}

fn from_rrule_time(time: DateTime<rrule::Tz>, schedule: &Schedule) -> Instance {
    match schedule {
        Schedule::Timed { .. } => Instance::Timed(time.with_timezone(&Utc)),
        Schedule::AllDay { .. } => Instance::Day(time.with_timezone(&Utc).date_naive()),
    }
}

// The occurrences of an event are its expansion, so they are computed here, beside
// `expand`, rather than in the model (which would then import this module back).
impl Event {
    /// The occurrences whose start (as it now stands) is in `from..until`; at most 10 000.
    pub fn occurrences_between(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Vec<Occurrence<'_>> {
        // An override may move an occurrence into the window from a day or so outside it.
        let slack = Duration::days(7);
        self.upcoming(from - slack, 10_000)
            .into_iter()
            .filter(|o| {
                let start = first_instance(&o.schedule).instant();
                start >= from && start < until
            })
            .collect()
    }

    /// Whether an occurrence of the event has not ended by `at` (one in progress counts,
    /// and so does a cancelled one: subscribers must hear of it). What a calendar trimmed to
    /// a budget must keep.
    pub fn is_upcoming(&self, at: DateTime<Utc>) -> bool {
        let ends_by = |schedule: &Schedule| match *schedule {
            Schedule::Timed { start, end, .. } => end.unwrap_or(start),
            Schedule::AllDay { end, .. } => end.and_time(NaiveTime::MIN).and_utc(),
        };
        if ends_by(&self.schedule) >= at
            || self.overrides.iter().any(|o| ends_by(&o.schedule) >= at)
        {
            return true;
        }
        if self.recurrence.is_none() {
            return false;
        }
        // An occurrence that started up to one event's length before `at` is still on.
        let length = ends_by(&self.schedule) - first_instance(&self.schedule).instant();
        self.upcoming(at - length, 2)
            .iter()
            .any(|o| ends_by(&o.schedule) >= at)
    }

    /// The occurrences starting at or after `from` (by their rule, before any override
    /// moved them), at most `limit`; a one-off event has just itself.
    pub fn upcoming(&self, from: DateTime<Utc>, limit: u16) -> Vec<Occurrence<'_>> {
        let Some(recurrence) = &self.recurrence else {
            return vec![Occurrence {
                schedule: self.schedule,
                title: &self.title,
                status: self.status,
            }];
        };
        expand(&self.schedule, recurrence, from, limit)
            .unwrap_or_default()
            .into_iter()
            .map(
                |instance| match self.overrides.iter().find(|o| o.occurrence == instance) {
                    Some(o) => Occurrence {
                        schedule: o.schedule,
                        title: o.title.as_deref().unwrap_or(&self.title),
                        status: o.status.unwrap_or(self.status),
                    },
                    None => Occurrence {
                        schedule: shifted(&self.schedule, instance),
                        title: &self.title,
                        status: self.status,
                    },
                },
            )
            .collect()
    }
}

/// The event's own schedule moved to start at `occurrence`, same length.
pub fn shifted(schedule: &Schedule, occurrence: Instance) -> Schedule {
    match (*schedule, occurrence) {
        (Schedule::Timed { start, end, zone }, Instance::Timed(at)) => Schedule::Timed {
            start: at,
            end: end.map(|end| at + (end - start)),
            zone,
        },
        (Schedule::AllDay { start, end }, Instance::Day(day)) => Schedule::AllDay {
            start: day,
            end: day + (end - start),
        },
        (schedule, _) => schedule,
    }
}

/// The first occurrence of an event.
pub fn first_instance(schedule: &Schedule) -> Instance {
    match schedule {
        Schedule::Timed { start, .. } => Instance::Timed(*start),
        Schedule::AllDay { start, .. } => Instance::Day(*start),
    }
}

/// Checks an RRULE against the event it belongs to and returns the text to publish.
///
/// The crate's own spelling of a validated rule is not used: it adds BYHOUR/BYMINUTE/
/// BYSECOND (wrong for all-day events) and drops parts such as `BYMONTHDAY=-1`.
pub fn validate_rule(rule: &str, schedule: &Schedule) -> Result<String, String> {
    let tz = rrule_tz(schedule)?;
    let upper = rule.trim().to_ascii_uppercase();
    let text = upper.strip_prefix("RRULE:").unwrap_or(&upper).to_string();
    if text.is_empty() || text.contains(char::is_whitespace) {
        return Err(format!(
            "invalid rule {rule:?}: expected NAME=VALUE parts separated by ';'"
        ));
    }
    let part = |name: &str| {
        text.split(';')
            .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
    };
    // RFC 5545 §3.3.10 rules that the crate lets through.
    if part("COUNT").is_some() && part("UNTIL").is_some() {
        return Err(format!(
            "invalid rule {rule:?}: COUNT and UNTIL must not both be given"
        ));
    }
    if let Some(until) = part("UNTIL") {
        let fits = match schedule {
            Schedule::AllDay { .. } => until.len() == 8,
            Schedule::Timed { .. } => until.len() == 16 && until.ends_with('Z'),
        };
        if !fits {
            return Err(format!(
                "invalid rule {rule:?}: UNTIL must be {}",
                match schedule {
                    Schedule::AllDay { .. } => "a date (YYYYMMDD) for an all-day event",
                    Schedule::Timed { .. } => "a UTC time (YYYYMMDDTHHMMSSZ) for a timed event",
                }
            ));
        }
    }
    let parsed =
        RRule::<Unvalidated>::from_str(&text).map_err(|e| format!("invalid rule {rule:?}: {e}"))?;
    let start = to_rrule_time(first_instance(schedule), tz);
    parsed
        .validate(start)
        .map_err(|e| format!("invalid rule {rule:?}: {e}"))?;
    Ok(text)
}

/// Occurrence starts of a repeating event, in order: those at or after `from`, at most
/// `limit`. Overrides are not applied (they keep their RECURRENCE-ID).
pub fn expand(
    schedule: &Schedule,
    recurrence: &Recurrence,
    from: DateTime<Utc>,
    limit: u16,
) -> Result<Vec<Instance>, String> {
    let tz = rrule_tz(schedule)?;
    let start = to_rrule_time(first_instance(schedule), tz);
    let mut set = RRuleSet::new(start);
    if let Some(rule) = &recurrence.rule {
        let parsed = RRule::<Unvalidated>::from_str(rule)
            .and_then(|r| r.validate(start))
            .map_err(|e| format!("invalid rule {rule:?}: {e}"))?;
        set = set.rrule(parsed);
    }
    for extra in &recurrence.extra {
        set = set.rdate(to_rrule_time(*extra, tz));
    }
    for except in &recurrence.except {
        set = set.exdate(to_rrule_time(*except, tz));
    }
    // `after` is exclusive; one second earlier makes `from` itself count. Nothing comes
    // before the first occurrence, so no filter is needed then (`from` may be MIN).
    if from > first_instance(schedule).instant() {
        let after = from - chrono::Duration::seconds(1);
        set = set.after(to_rrule_time(Instance::Timed(after), tz));
    }
    let mut found: Vec<Instance> = set
        .all(limit)
        .dates
        .into_iter()
        .map(|t| from_rrule_time(t, schedule))
        .collect();
    // Without a rule the crate yields the RDATEs only; DTSTART is an occurrence too.
    if recurrence.rule.is_none() {
        let first = first_instance(schedule);
        if first.instant() >= from && !recurrence.except.contains(&first) {
            found.push(first);
            found.sort();
            found.dedup();
            found.truncate(limit as usize);
        }
    }
    Ok(found)
}

/// Whether `instance` is an occurrence of the event (by its rule or its extra dates).
pub fn is_occurrence(schedule: &Schedule, recurrence: &Recurrence, instance: Instance) -> bool {
    expand(schedule, recurrence, instance.instant(), 1)
        .is_ok_and(|next| next.first() == Some(&instance))
}

/// The last occurrence, for a rule that ends (COUNT or UNTIL, or extra dates only); `None`
/// for an open-ended rule. Bounded: a rule with more than 10 000 occurrences counts as
/// open-ended.
pub fn last_instance(schedule: &Schedule, recurrence: &Recurrence) -> Option<Instance> {
    let ends = recurrence
        .rule
        .as_ref()
        .is_none_or(|rule| rule.contains("COUNT=") || rule.contains("UNTIL="));
    if !ends {
        return None;
    }
    let all = expand(schedule, recurrence, DateTime::<Utc>::MIN_UTC, 10_000).ok()?;
    if all.len() >= 10_000 {
        return None;
    }
    all.last().copied()
}

/// A rule in words, for pages and feeds: "every 2 weeks on Monday and Thursday, 8 times".
pub fn describe(rule: &str) -> String {
    let mut freq = "";
    let mut interval = 1u32;
    let mut days: Vec<String> = Vec::new();
    let mut month_days: Vec<String> = Vec::new();
    let mut count = None;
    let mut until = None;
    let mut other = false;
    for part in rule.split(';') {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        match key {
            "FREQ" => freq = value,
            "INTERVAL" => interval = value.parse().unwrap_or(1),
            "COUNT" => count = value.parse::<u32>().ok(),
            "UNTIL" => {
                until = NaiveDate::parse_from_str(&value[..value.len().min(8)], "%Y%m%d").ok()
            }
            "BYDAY" => {
                days = value
                    .split(',')
                    .map(|d| {
                        let code = &d[d.len().saturating_sub(2)..];
                        let prefix = &d[..d.len().saturating_sub(2)];
                        let name = weekday_name(code).unwrap_or(code).to_string();
                        match prefix {
                            "" => name,
                            "1" | "+1" => format!("the first {name}"),
                            "2" | "+2" => format!("the second {name}"),
                            "3" | "+3" => format!("the third {name}"),
                            "4" | "+4" => format!("the fourth {name}"),
                            "-1" => format!("the last {name}"),
                            n => format!("{name} (#{n})"),
                        }
                    })
                    .collect()
            }
            "BYMONTHDAY" => {
                month_days = value
                    .split(',')
                    .map(|d| match d {
                        "-1" => "the last day".to_string(),
                        d => format!("day {d}"),
                    })
                    .collect()
            }
            "WKST" => {}
            _ => other = true,
        }
    }
    let unit = match freq {
        "DAILY" => "day",
        "WEEKLY" => "week",
        "MONTHLY" => "month",
        "YEARLY" => "year",
        _ => return format!("repeats ({rule})"),
    };
    let mut text = if interval == 1 {
        format!("every {unit}")
    } else {
        format!("every {interval} {unit}s")
    };
    if !days.is_empty() {
        let joined = match days.as_slice() {
            [one] => one.clone(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
            [] => String::new(),
        };
        write!(text, " on {joined}").expect("writing to a String");
    }
    if !month_days.is_empty() {
        write!(text, " on {}", month_days.join(", ")).expect("writing to a String");
    }
    if let Some(n) = count {
        write!(text, ", {n} times").expect("writing to a String");
    }
    if let Some(last) = until {
        write!(text, ", until {}", last.format("%-d %B %Y")).expect("writing to a String");
    }
    if other {
        write!(text, " ({rule})").expect("writing to a String");
    }
    text
}

fn weekday_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "MO" => "Monday",
        "TU" => "Tuesday",
        "WE" => "Wednesday",
        "TH" => "Thursday",
        "FR" => "Friday",
        "SA" => "Saturday",
        "SU" => "Sunday",
        _ => return None,
    })
}

/// The years an event's occurrences reach, for its VTIMEZONE: to the last occurrence, or
/// for an open-ended rule a year past the start (the VTIMEZONE's yearly rules carry on).
pub fn year_span(
    schedule: &Schedule,
    recurrence: Option<&Recurrence>,
    overrides: &[Override],
) -> (i32, i32) {
    let first = first_instance(schedule).instant().year();
    let mut last = match schedule {
        Schedule::Timed { end: Some(end), .. } => end.year(),
        _ => first,
    };
    if let Some(recurrence) = recurrence {
        match last_instance(schedule, recurrence) {
            Some(instance) => last = last.max(instance.instant().year()),
            None => last = last.max(first + 1),
        }
        for instance in recurrence.extra.iter().chain(&recurrence.except) {
            last = last.max(instance.instant().year());
        }
    }
    for o in overrides {
        last = last.max(o.occurrence.instant().year());
        if let Schedule::Timed { start, end, .. } = o.schedule {
            last = last.max(end.unwrap_or(start).year());
        }
    }
    (first.min(last), last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Tz;

    #[test]
    fn upcoming_means_not_over_by_the_reference_date() {
        let publication = crate::load::test_publication(
            "p",
            r#"
[channel]
title = "T"
description = "D"
link = "https://example.org/"
language = "en"
timezone = "UTC"

[[events]]
id = "once"
title = "Once"
start = "2024-05-01T10:00"
duration = "2h"

[[events]]
id = "fair"
title = "Fair"
start = "2024-05-01"
end = "2024-05-03"

[[events]]
id = "weekly"
title = "Weekly"
start = "2024-05-01T10:00"
duration = "1h"
repeat = { every = "week", count = 3 }

[[events]]
id = "forever"
title = "Forever"
start = "2020-01-01T10:00"
duration = "1h"
repeat = { every = "month" }

[[events]]
id = "moved"
title = "Moved"
start = "2024-05-01T10:00"
duration = "1h"
repeat = { every = "week", count = 2 }
overrides = [{ occurrence = "2024-05-08T10:00", start = "2024-06-20T10:00" }]
"#,
        );
        let at = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().to_utc();
        let upcoming = |id: &str, when: &str| publication.event(id).unwrap().is_upcoming(at(when));
        assert!(upcoming("once", "2024-05-01T11:00:00Z"), "in progress");
        assert!(!upcoming("once", "2024-05-01T12:00:01Z"));
        assert!(
            upcoming("fair", "2024-05-03T23:00:00Z"),
            "its last day is on"
        );
        assert!(!upcoming("fair", "2024-05-04T00:00:01Z"));
        assert!(
            upcoming("weekly", "2024-05-15T10:30:00Z"),
            "the third occurrence is on"
        );
        assert!(!upcoming("weekly", "2024-05-15T11:00:01Z"));
        assert!(upcoming("forever", "2099-01-01T00:00:00Z"));
        assert!(
            upcoming("moved", "2024-06-01T00:00:00Z"),
            "moved past its rule's end"
        );
        assert!(!upcoming("moved", "2024-06-21T00:00:00Z"));
    }

    fn timed(local: &str, tz: Tz) -> Schedule {
        let zone = Zone::Iana(tz);
        let start = zone
            .resolve_local(chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M").unwrap())
            .unwrap();
        Schedule::Timed {
            start,
            end: Some(start + chrono::Duration::hours(1)),
            zone,
        }
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn friendly_rules_become_rrules() {
        let weekly = Repeat {
            every: "week".into(),
            on: vec!["mo".into(), "Thursday".into()],
            count: Some(8),
            ..Repeat::default()
        };
        assert_eq!(
            friendly_rule(&weekly, Some(&Zone::Iana(Tz::UTC))).unwrap(),
            "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=8"
        );
        let until = Repeat {
            every: "month".into(),
            interval: Some(2),
            until: Some(Instance::Day(
                NaiveDate::from_ymd_opt(2024, 12, 31).unwrap(),
            )),
            ..Repeat::default()
        };
        let ny = Zone::Iana(Tz::America__New_York);
        assert_eq!(
            friendly_rule(&until, Some(&ny)).unwrap(),
            "FREQ=MONTHLY;INTERVAL=2;UNTIL=20250101T045959Z"
        );
        assert_eq!(
            friendly_rule(&until, None).unwrap(),
            "FREQ=MONTHLY;INTERVAL=2;UNTIL=20241231"
        );
        for bad in [
            Repeat {
                every: "fortnight".into(),
                ..Repeat::default()
            },
            Repeat {
                every: "week".into(),
                on: vec!["xx".into()],
                ..Repeat::default()
            },
            Repeat {
                every: "week".into(),
                interval: Some(0),
                ..Repeat::default()
            },
            Repeat {
                every: "week".into(),
                count: Some(2),
                until: Some(Instance::Day(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap())),
                ..Repeat::default()
            },
        ] {
            assert!(friendly_rule(&bad, None).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn weekly_expansion_keeps_local_time_across_a_dst_change() {
        // New York leaves daylight time on 2024-11-03: 19:00 local is 23:00Z before, 00:00Z after.
        let schedule = timed("2024-10-24T19:00", Tz::America__New_York);
        let recurrence = Recurrence {
            rule: Some(validate_rule("FREQ=WEEKLY;COUNT=4", &schedule).unwrap()),
            except: vec![],
            extra: vec![],
        };
        let all = expand(&schedule, &recurrence, DateTime::<Utc>::MIN_UTC, 100).unwrap();
        assert_eq!(
            all,
            [
                Instance::Timed(utc("2024-10-24T23:00:00Z")),
                Instance::Timed(utc("2024-10-31T23:00:00Z")),
                Instance::Timed(utc("2024-11-08T00:00:00Z")),
                Instance::Timed(utc("2024-11-15T00:00:00Z")),
            ]
        );
        assert_eq!(
            last_instance(&schedule, &recurrence),
            Some(Instance::Timed(utc("2024-11-15T00:00:00Z")))
        );
    }

    #[test]
    fn exceptions_and_extra_dates_apply() {
        let schedule = timed("2024-01-04T19:00", Tz::Europe__London);
        let recurrence = Recurrence {
            rule: Some("FREQ=WEEKLY;COUNT=3".into()),
            except: vec![Instance::Timed(utc("2024-01-11T19:00:00Z"))],
            extra: vec![Instance::Timed(utc("2024-02-01T19:00:00Z"))],
        };
        let all = expand(&schedule, &recurrence, DateTime::<Utc>::MIN_UTC, 100).unwrap();
        assert_eq!(
            all,
            [
                Instance::Timed(utc("2024-01-04T19:00:00Z")),
                Instance::Timed(utc("2024-01-18T19:00:00Z")),
                Instance::Timed(utc("2024-02-01T19:00:00Z")),
            ]
        );
        let upcoming = expand(&schedule, &recurrence, utc("2024-01-18T19:00:00Z"), 100).unwrap();
        assert_eq!(upcoming.len(), 2, "`from` itself counts");
        assert!(is_occurrence(
            &schedule,
            &recurrence,
            Instance::Timed(utc("2024-01-18T19:00:00Z"))
        ));
        assert!(!is_occurrence(
            &schedule,
            &recurrence,
            Instance::Timed(utc("2024-01-11T19:00:00Z"))
        ));
        assert!(!is_occurrence(
            &schedule,
            &recurrence,
            Instance::Timed(utc("2024-01-18T20:00:00Z"))
        ));
    }

    #[test]
    fn all_day_rules_expand_to_days() {
        let schedule = Schedule::AllDay {
            start: NaiveDate::from_ymd_opt(2024, 1, 31).unwrap(),
            end: NaiveDate::from_ymd_opt(2024, 2, 1).unwrap(),
        };
        let recurrence = Recurrence {
            rule: Some(validate_rule("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3", &schedule).unwrap()),
            except: vec![],
            extra: vec![],
        };
        let days: Vec<_> = expand(&schedule, &recurrence, DateTime::<Utc>::MIN_UTC, 10)
            .unwrap()
            .into_iter()
            .map(|i| match i {
                Instance::Day(d) => d.to_string(),
                Instance::Timed(_) => panic!("all-day"),
            })
            .collect();
        assert_eq!(days, ["2024-01-31", "2024-02-29", "2024-03-31"]);
    }

    #[test]
    fn malformed_rules_are_rejected_with_the_reason() {
        let schedule = timed("2024-01-04T19:00", Tz::Europe__London);
        assert!(
            validate_rule("FREQ=SOMETIMES", &schedule)
                .unwrap_err()
                .contains("invalid rule")
        );
        assert!(validate_rule("FREQ=WEEKLY;BYDAY=XX", &schedule).is_err());
        assert!(validate_rule("FREQ=WEEKLY;COUNT=2;UNTIL=20250101T000000Z", &schedule).is_err());
        assert!(
            validate_rule("FREQ=WEEKLY;UNTIL=20250101", &schedule)
                .unwrap_err()
                .contains("UTC")
        );
        assert_eq!(
            validate_rule("rrule:freq=weekly;until=20250101T000000Z", &schedule).unwrap(),
            "FREQ=WEEKLY;UNTIL=20250101T000000Z"
        );
        let fixed = Schedule::Timed {
            start: utc("2024-01-04T19:00:00Z"),
            end: None,
            zone: Zone::Fixed(chrono::FixedOffset::east_opt(19_800).unwrap()),
        };
        assert!(
            validate_rule("FREQ=WEEKLY", &fixed)
                .unwrap_err()
                .contains("IANA")
        );
    }

    #[test]
    fn rules_in_words() {
        assert_eq!(
            describe("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=8"),
            "every week on Monday and Thursday, 8 times"
        );
        assert_eq!(
            describe("FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR"),
            "every 2 months on the last Friday"
        );
        assert_eq!(
            describe("FREQ=DAILY;UNTIL=20241231T235959Z"),
            "every day, until 31 December 2024"
        );
        assert_eq!(
            describe("FREQ=YEARLY;BYMONTH=7"),
            "every year (FREQ=YEARLY;BYMONTH=7)"
        );
    }

    #[test]
    fn open_ended_rules_span_a_year_past_the_start() {
        let schedule = timed("2024-01-04T19:00", Tz::Europe__London);
        let open = Recurrence {
            rule: Some("FREQ=WEEKLY".into()),
            except: vec![],
            extra: vec![],
        };
        assert_eq!(year_span(&schedule, Some(&open), &[]), (2024, 2025));
        let bounded = Recurrence {
            rule: Some("FREQ=YEARLY;COUNT=4".into()),
            ..open
        };
        assert_eq!(year_span(&schedule, Some(&bounded), &[]), (2024, 2027));
    }
}
