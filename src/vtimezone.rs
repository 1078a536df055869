//! RFC 5545 VTIMEZONE components generated from the tz database shipped in chrono-tz.
//!
//! This module owns everything between "an IANA zone and a range of years" and the
//! content lines of its VTIMEZONE: discovering the zone's transitions, deciding which
//! periods are STANDARD and which DAYLIGHT, compressing yearly transitions into RRULEs
//! and formatting the properties. It knows nothing about events, folding or escaping.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike};
use chrono_tz::{OffsetComponents, Tz, TzOffset};

const DAY: i64 = 86_400;

/// chrono-tz does not expose its transition table, so transitions are found by probing
/// at this step and bisecting. A step only hides a change that reverts within it; probing
/// every zone at a 15-minute step over 1950–2100 found exactly the same transitions as
/// this one does.
const PROBE_STEP: i64 = DAY;

/// Content lines (unfolded, no CRLF, no escaping needed) of a VTIMEZONE for `tz`
/// covering every instant in the years `from_year..=to_year` (inclusive), starting with
/// "BEGIN:VTIMEZONE" and ending with "END:VTIMEZONE". Deterministic: same input, same output.
///
/// A `to_year` before `from_year` is treated as `from_year`. Panics on years outside
/// chrono's range (about ±262,000).
pub fn vtimezone_lines(tz: Tz, from_year: i32, to_year: i32) -> Vec<String> {
    let to_year = to_year.max(from_year);
    // Local time is never a day away from UTC, so a day of margin keeps every local
    // instant of the range inside the covered interval.
    let cover_start = year_start_utc(from_year) - DAY;
    let cover_end = year_start_utc(to_year + 1) + DAY;
    // One year back finds the transition that started the period in force on Jan 1;
    // one year ahead shows whether a yearly rule outlives the range.
    let scan_start = year_start_utc(from_year - 1);
    let scan_end = year_start_utc(to_year + 2) + DAY;

    let (initial, transitions) = find_transitions(tz, scan_start, scan_end);
    let first_in_cover = transitions.partition_point(|t| t.at <= cover_start);
    let covers_change = transitions
        .get(first_in_cover)
        .is_some_and(|t| t.at <= cover_end);

    let fixed_year = (from_year - 1).min(1970);
    let mut observances = Vec::new();
    if !covers_change {
        let in_force = match first_in_cover.checked_sub(1) {
            Some(i) => &transitions[i].to,
            None => &initial,
        };
        observances.push(Observance::fixed(in_force, fixed_year));
    } else {
        let candidates = match first_in_cover.checked_sub(1) {
            Some(i) => &transitions[i..],
            None => {
                observances.push(Observance::fixed(&initial, fixed_year));
                &transitions[..]
            }
        };
        observances.extend(yearly_runs(candidates, to_year + 1, cover_end));
    }
    observances.sort_by_key(|o| o.onset);

    let mut lines = vec![
        "BEGIN:VTIMEZONE".to_owned(),
        format!("TZID:{}", tz.name()),
        format!("X-LIC-LOCATION:{}", tz.name()),
    ];
    for observance in &observances {
        observance.write(&mut lines);
    }
    lines.push("END:VTIMEZONE".to_owned());
    lines
}

/// A period of constant wall-clock behaviour, as far as a VTIMEZONE can describe it.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Span {
    offset: i32,
    daylight: bool,
    name: String,
}

/// `at` is the first UTC second (Unix time) of `to`.
struct Transition {
    at: i64,
    from: Span,
    to: Span,
}

impl Transition {
    /// The wall-clock time at which clocks change, read before they change: the form
    /// DTSTART and RRULE occurrences take in STANDARD and DAYLIGHT components.
    fn local_start(&self) -> NaiveDateTime {
        utc_naive(self.at + i64::from(self.from.offset))
    }
}

/// The span in force at `start` and every change of span in `(start, end]`, in order.
fn find_transitions(tz: Tz, start: i64, end: i64) -> (Span, Vec<Transition>) {
    let initial = offset_at(tz, start);
    let mut raw = Vec::new();
    let mut lo = start;
    let mut lo_offset = initial;
    while lo < end {
        let hi = (lo + PROBE_STEP).min(end);
        let hi_offset = offset_at(tz, hi);
        if hi_offset == lo_offset {
            lo = hi;
            continue;
        }
        let (mut before, mut after) = (lo, hi);
        while after - before > 1 {
            let mid = before + (after - before) / 2;
            if offset_at(tz, mid) == lo_offset {
                before = mid;
            } else {
                after = mid;
            }
        }
        let changed = offset_at(tz, after);
        raw.push((after, lo_offset, changed));
        // Resume from the change itself so a second change inside the same step is seen.
        lo = after;
        lo_offset = changed;
    }

    let negative_save_bases: BTreeSet<i64> = std::iter::once(initial)
        .chain(raw.iter().map(|&(_, _, to)| to))
        .filter(|o| o.dst_offset().num_seconds() < 0)
        .map(|o| o.base_utc_offset().num_seconds())
        .collect();
    let span = |o: TzOffset| {
        let save = o.dst_offset().num_seconds();
        // tzdb models Irish and Moroccan (and formerly Namibian) time with a negative
        // save: winter GMT in Dublin is "daylight" and summer IST "standard". Calendar
        // clients (and tzdb's own rearguard data, from which vzic and libical build)
        // expect the reverse, so a zero-save period next to a negative one is the
        // daylight one.
        let daylight = save > 0
            || (save == 0 && negative_save_bases.contains(&o.base_utc_offset().num_seconds()));
        Span {
            offset: o.fix().local_minus_utc(),
            daylight,
            name: o.to_string(),
        }
    };
    let transitions = raw
        .into_iter()
        .map(|(at, from, to)| Transition {
            at,
            from: span(from),
            to: span(to),
        })
        // A change of base offset that keeps the total offset, kind and abbreviation
        // is invisible in a VTIMEZONE.
        .filter(|t| t.from != t.to)
        .collect();
    (span(initial), transitions)
}

fn offset_at(tz: Tz, at: i64) -> TzOffset {
    tz.offset_from_utc_datetime(&utc_naive(at))
}

fn utc_naive(at: i64) -> NaiveDateTime {
    DateTime::from_timestamp(at, 0)
        .expect("years are within chrono's range")
        .naive_utc()
}

fn year_start_utc(year: i32) -> i64 {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .expect("years are within chrono's range")
        .and_time(chrono::NaiveTime::MIN)
        .and_utc()
        .timestamp()
}

/// Which "BYDAY" ordinals a date satisfies within its month for its weekday.
#[derive(Clone, Copy)]
struct Ordinals {
    nth: Option<u32>,
    last: bool,
}

impl Ordinals {
    fn of(date: NaiveDate) -> Self {
        let day = date.day();
        let last = date
            .checked_add_days(chrono::Days::new(7))
            .is_none_or(|week_later| week_later.month() != date.month());
        Ordinals {
            nth: Some((day - 1) / 7 + 1),
            last,
        }
    }

    fn common(self, other: Self) -> Option<Self> {
        let nth = self.nth.filter(|&n| other.nth == Some(n));
        let last = self.last && other.last;
        (nth.is_some() || last).then_some(Ordinals { nth, last })
    }

    /// The BYDAY ordinal. "Last" wins a tie because rules that can fall on a 4th or 5th
    /// weekday are "last weekday" rules (the EU's lastSun), while "4th weekday" rules
    /// are rare; only the range plus one year is seen, which cannot break every tie.
    fn byday(self) -> i32 {
        match (self.last, self.nth) {
            (false, Some(n)) => n as i32,
            _ => -1,
        }
    }
}

/// Groups transitions that repeat yearly (same offsets, name, month, weekday, ordinal and
/// wall-clock time) into RRULE observances; everything else becomes one observance per
/// transition. Runs consisting only of transitions after `cover_end` are dropped; a run
/// reaching `horizon_year` is assumed to continue, any other one gets an UNTIL.
fn yearly_runs(
    candidates: &[Transition],
    horizon_year: i32,
    cover_end: i64,
) -> Vec<Observance<'_>> {
    let mut groups: BTreeMap<_, Vec<&Transition>> = BTreeMap::new();
    for t in candidates {
        let local = t.local_start();
        let key = (
            t.from.offset,
            &t.to,
            local.month(),
            local.weekday().num_days_from_monday(),
            local.num_seconds_from_midnight(),
        );
        groups.entry(key).or_default().push(t);
    }

    let mut observances = Vec::new();
    for group in groups.values() {
        let mut rest = &group[..];
        while let Some((first, _)) = rest.split_first() {
            let mut ordinals = Ordinals::of(first.local_start().date());
            let mut len = 1;
            while let Some(next) = rest.get(len) {
                let consecutive =
                    next.local_start().year() == rest[len - 1].local_start().year() + 1;
                match Ordinals::of(next.local_start().date()).common(ordinals) {
                    Some(common) if consecutive => ordinals = common,
                    _ => break,
                }
                len += 1;
            }
            let (run, tail) = rest.split_at(len);
            rest = tail;
            if first.at > cover_end {
                continue;
            }
            let last = run[len - 1];
            let rule = (len > 1).then(|| {
                let local = first.local_start();
                Rule {
                    month: local.month(),
                    byday: ordinals.byday(),
                    weekday: local.weekday(),
                    until: (last.local_start().year() < horizon_year).then_some(last.at),
                }
            });
            observances.push(Observance {
                onset: first.at,
                start: first.local_start(),
                from: first.from.offset,
                to: &first.to,
                rule,
            });
        }
    }
    observances
}

struct Rule {
    month: u32,
    byday: i32,
    weekday: chrono::Weekday,
    until: Option<i64>,
}

/// A STANDARD or DAYLIGHT sub-component.
struct Observance<'a> {
    /// Only orders the output.
    onset: i64,
    start: NaiveDateTime,
    from: i32,
    to: &'a Span,
    rule: Option<Rule>,
}

impl<'a> Observance<'a> {
    /// An observance without a change: the period in force since before the range.
    /// 1970 is what most published VTIMEZONEs use; earlier ranges need an earlier start.
    fn fixed(span: &'a Span, year: i32) -> Self {
        Observance {
            onset: i64::MIN,
            start: NaiveDate::from_ymd_opt(year, 1, 1)
                .expect("years are within chrono's range")
                .and_time(chrono::NaiveTime::MIN),
            from: span.offset,
            to: span,
            rule: None,
        }
    }

    fn write(&self, lines: &mut Vec<String>) {
        let kind = if self.to.daylight {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        lines.push(format!("BEGIN:{kind}"));
        lines.push(format!("TZOFFSETFROM:{}", format_offset(self.from)));
        lines.push(format!("TZOFFSETTO:{}", format_offset(self.to.offset)));
        lines.push(format!("TZNAME:{}", self.to.name));
        lines.push(format!("DTSTART:{}", format_naive(self.start)));
        if let Some(rule) = &self.rule {
            let mut rrule = format!(
                "RRULE:FREQ=YEARLY;BYMONTH={};BYDAY={}{}",
                rule.month,
                rule.byday,
                weekday_code(rule.weekday)
            );
            if let Some(until) = rule.until {
                rrule.push_str(&format!(";UNTIL={}Z", format_naive(utc_naive(until))));
            }
            lines.push(rrule);
        }
        lines.push(format!("END:{kind}"));
    }
}

fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    let (hours, minutes, secs) = (abs / 3600, abs / 60 % 60, abs % 60);
    if secs == 0 {
        format!("{sign}{hours:02}{minutes:02}")
    } else {
        format!("{sign}{hours:02}{minutes:02}{secs:02}")
    }
}

fn format_naive(dt: NaiveDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

fn weekday_code(weekday: chrono::Weekday) -> &'static str {
    use chrono::Weekday::*;
    match weekday {
        Mon => "MO",
        Tue => "TU",
        Wed => "WE",
        Thu => "TH",
        Fri => "FR",
        Sat => "SA",
        Sun => "SU",
    }
}
