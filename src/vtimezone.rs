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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone, Weekday};
    use chrono_tz::{OffsetComponents, Tz};

    use super::vtimezone_lines;

    fn tz(name: &str) -> Tz {
        name.parse().unwrap()
    }

    /// The STANDARD and DAYLIGHT blocks, each as its lines without BEGIN/END.
    fn blocks(lines: &[String]) -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        let mut current: Option<(String, Vec<String>)> = None;
        for line in lines {
            if let Some(kind) = line.strip_prefix("BEGIN:") {
                if kind != "VTIMEZONE" {
                    assert!(current.is_none(), "nested {kind}");
                    current = Some((kind.to_owned(), Vec::new()));
                }
            } else if let Some(kind) = line.strip_prefix("END:") {
                if kind != "VTIMEZONE" {
                    let block = current.take().expect("END without BEGIN");
                    assert_eq!(block.0, kind);
                    out.push(block);
                }
            } else if let Some((_, props)) = current.as_mut() {
                props.push(line.clone());
            }
        }
        assert!(current.is_none());
        out
    }

    fn block_with(lines: &[String], needle: &str) -> Vec<String> {
        let found: Vec<_> = blocks(lines)
            .into_iter()
            .filter(|(_, props)| props.iter().any(|p| p == needle))
            .collect();
        assert_eq!(found.len(), 1, "{needle} in\n{}", lines.join("\n"));
        let (kind, props) = found.into_iter().next().unwrap();
        std::iter::once(kind).chain(props).collect()
    }

    #[derive(Debug)]
    struct Observance {
        daylight: bool,
        start: NaiveDateTime,
        from: i32,
        to: i32,
        name: String,
        rule: Option<Rule>,
    }

    #[derive(Debug)]
    struct Rule {
        month: u32,
        ordinal: i32,
        weekday: Weekday,
        until: Option<i64>,
    }

    fn parse_offset(value: &str) -> i32 {
        let (sign, digits) = match value.split_at(1) {
            ("+", d) => (1, d),
            ("-", d) => (-1, d),
            _ => panic!("offset without sign: {value}"),
        };
        assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{value}");
        let field = |i: usize| digits[i..i + 2].parse::<i32>().unwrap();
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

    fn parse_local(value: &str) -> NaiveDateTime {
        assert_eq!(value.len(), 15, "not a local date-time: {value}");
        NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S").unwrap()
    }

    fn parse_rrule(value: &str) -> Rule {
        let parts: BTreeMap<&str, &str> = value
            .split(';')
            .map(|part| part.split_once('=').unwrap())
            .collect();
        assert_eq!(parts.get("FREQ"), Some(&"YEARLY"), "{value}");
        for key in parts.keys() {
            assert!(
                ["FREQ", "BYMONTH", "BYDAY", "UNTIL"].contains(key),
                "{value}"
            );
        }
        let byday = parts["BYDAY"];
        let (ordinal, day) = byday.split_at(byday.len() - 2);
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
        let ordinal: i32 = ordinal.parse().unwrap();
        assert!((1..=5).contains(&ordinal) || ordinal == -1, "{value}");
        let until = parts.get("UNTIL").map(|u| {
            let utc = u.strip_suffix('Z').expect("UNTIL must be UTC");
            parse_local(utc).and_utc().timestamp()
        });
        Rule {
            month: parts["BYMONTH"].parse().unwrap(),
            ordinal,
            weekday,
            until,
        }
    }

    /// Parses the generated lines, checking the structure RFC 5545 requires of them.
    fn parse(tz: Tz, lines: &[String]) -> Vec<Observance> {
        assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VTIMEZONE"));
        assert_eq!(lines.last().map(String::as_str), Some("END:VTIMEZONE"));
        assert_eq!(lines[1], format!("TZID:{}", tz.name()));
        let blocks = blocks(lines);
        assert!(!blocks.is_empty());
        blocks
            .into_iter()
            .map(|(kind, props)| {
                let mut values = BTreeMap::new();
                for prop in &props {
                    let (name, value) = prop.split_once(':').unwrap();
                    assert!(
                        values.insert(name.to_owned(), value.to_owned()).is_none(),
                        "{name} repeated in {props:?}"
                    );
                }
                for name in values.keys() {
                    assert!(
                        ["DTSTART", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME", "RRULE"]
                            .contains(&name.as_str()),
                        "unexpected {name}"
                    );
                }
                Observance {
                    daylight: match kind.as_str() {
                        "DAYLIGHT" => true,
                        "STANDARD" => false,
                        _ => panic!("unexpected component {kind}"),
                    },
                    start: parse_local(&values["DTSTART"]),
                    from: parse_offset(&values["TZOFFSETFROM"]),
                    to: parse_offset(&values["TZOFFSETTO"]),
                    name: values["TZNAME"].clone(),
                    rule: values.get("RRULE").map(|r| parse_rrule(r)),
                }
            })
            .collect()
    }

    /// The date of the `ordinal`th (from the end when negative) `weekday` of a month.
    fn nth_weekday(year: i32, month: u32, ordinal: i32, weekday: Weekday) -> Option<NaiveDate> {
        let days: Vec<NaiveDate> = (1..=31)
            .filter_map(|day| NaiveDate::from_ymd_opt(year, month, day))
            .filter(|date| date.weekday() == weekday)
            .collect();
        let index = if ordinal > 0 {
            ordinal as usize - 1
        } else {
            days.len().checked_sub(ordinal.unsigned_abs() as usize)?
        };
        days.get(index).copied()
    }

    /// The observance in force at `at`, given sorted onsets.
    fn in_force(onsets: &[(i64, usize)], at: i64) -> Option<usize> {
        let position = onsets.partition_point(|&(onset, _)| onset <= at);
        position.checked_sub(1).map(|p| onsets[p].1)
    }

    /// Every onset (UTC seconds, observance index) up to the end of `last_year`, sorted.
    fn onsets(observances: &[Observance], last_year: i32) -> Vec<(i64, usize)> {
        let mut out = Vec::new();
        for (index, o) in observances.iter().enumerate() {
            let to_utc = |local: NaiveDateTime| local.and_utc().timestamp() - i64::from(o.from);
            let Some(rule) = &o.rule else {
                out.push((to_utc(o.start), index));
                continue;
            };
            let mut first = true;
            for year in o.start.year()..=last_year {
                let Some(date) = nth_weekday(year, rule.month, rule.ordinal, rule.weekday) else {
                    continue;
                };
                let local = date.and_time(o.start.time());
                if local < o.start {
                    continue;
                }
                if first {
                    assert_eq!(local, o.start, "DTSTART is not the rule's first occurrence");
                    first = false;
                }
                let at = to_utc(local);
                if rule.until.is_some_and(|until| at > until) {
                    break;
                }
                out.push((at, index));
            }
            assert!(!first, "RRULE without occurrences: {o:?}");
        }
        out.sort();
        for pair in out.windows(2) {
            assert_ne!(pair[0].0, pair[1].0, "two observances start together");
        }
        out
    }

    fn offset_at(tz: Tz, at: i64) -> chrono_tz::TzOffset {
        tz.offset_from_utc_datetime(&DateTime::from_timestamp(at, 0).unwrap().naive_utc())
    }

    fn year_start(year: i32) -> i64 {
        NaiveDate::from_ymd_opt(year, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp()
    }

    /// Evaluates the VTIMEZONE independently of the generator and compares it with
    /// chrono-tz every `step` seconds and on both sides of every onset it claims, over
    /// every instant that belongs to `from..=to` in some time zone.
    fn assert_agrees_with_tzdb(name: &str, from: i32, to: i32, step: usize) {
        let tz = tz(name);
        let lines = vtimezone_lines(tz, from, to);
        let text = lines.join("\n");
        let observances = parse(tz, &lines);
        let onsets = onsets(&observances, to + 1);
        let window = year_start(from) - 14 * 3600..year_start(to + 1) + 12 * 3600;

        let mut instants: Vec<i64> = window.clone().step_by(step).collect();
        instants.push(window.end - 1);
        for &(at, index) in &onsets {
            if window.contains(&at) {
                instants.extend([at - 1, at]);
                let before = offset_at(tz, at - 1).fix().local_minus_utc();
                assert_eq!(
                    observances[index].from, before,
                    "{name}: TZOFFSETFROM of the onset at {at}\n{text}"
                );
            }
        }
        for at in instants {
            let index = in_force(&onsets, at)
                .unwrap_or_else(|| panic!("{name}: nothing in force at {at}\n{text}"));
            let observance = &observances[index];
            let actual = offset_at(tz, at);
            let when = DateTime::from_timestamp(at, 0).unwrap();
            assert_eq!(
                observance.to,
                actual.fix().local_minus_utc(),
                "{name}: offset at {when}\n{text}"
            );
            assert_eq!(
                observance.name,
                actual.to_string(),
                "{name}: TZNAME at {when}\n{text}"
            );
            let save = actual.dst_offset().num_seconds();
            if save != 0 {
                assert_eq!(
                    observance.daylight,
                    save > 0,
                    "{name}: kind at {when}\n{text}"
                );
            }
        }
    }

    #[test]
    fn new_york_uses_the_us_rules() {
        let lines = vtimezone_lines(tz("America/New_York"), 2022, 2022);
        let expected = [
            "BEGIN:VTIMEZONE",
            "TZID:America/New_York",
            "X-LIC-LOCATION:America/New_York",
            "BEGIN:STANDARD",
            "TZOFFSETFROM:-0400",
            "TZOFFSETTO:-0500",
            "TZNAME:EST",
            "DTSTART:20211107T020000",
            "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
            "END:STANDARD",
            "BEGIN:DAYLIGHT",
            "TZOFFSETFROM:-0500",
            "TZOFFSETTO:-0400",
            "TZNAME:EDT",
            "DTSTART:20220313T020000",
            "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
            "END:DAYLIGHT",
            "END:VTIMEZONE",
        ];
        assert_eq!(lines, expected);
    }

    #[test]
    fn london_changes_on_the_last_sunday_at_one() {
        let lines = vtimezone_lines(tz("Europe/London"), 2022, 2023);
        assert_eq!(blocks(&lines).len(), 2);
        assert_eq!(
            block_with(&lines, "TZNAME:BST"),
            [
                "DAYLIGHT",
                "TZOFFSETFROM:+0000",
                "TZOFFSETTO:+0100",
                "TZNAME:BST",
                "DTSTART:20220327T010000",
                "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
            ]
        );
        assert_eq!(
            block_with(&lines, "TZNAME:GMT"),
            [
                "STANDARD",
                "TZOFFSETFROM:+0100",
                "TZOFFSETTO:+0000",
                "TZNAME:GMT",
                "DTSTART:20211031T020000",
                "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
            ]
        );
    }

    #[test]
    fn london_prefers_last_sunday_when_the_range_cannot_tell() {
        // 2022-03-27 and 2023-03-26 are both the 4th and the last Sunday of March.
        let lines = vtimezone_lines(tz("Europe/London"), 2022, 2022);
        assert!(lines.contains(&"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU".to_owned()));
    }

    #[test]
    fn dublin_winter_is_standard_despite_tzdb_negative_save() {
        let lines = vtimezone_lines(tz("Europe/Dublin"), 2022, 2022);
        assert_eq!(block_with(&lines, "TZNAME:GMT")[0], "STANDARD");
        assert_eq!(block_with(&lines, "TZNAME:IST")[0], "DAYLIGHT");
    }

    #[test]
    fn lord_howe_saves_half_an_hour() {
        let lines = vtimezone_lines(tz("Australia/Lord_Howe"), 2022, 2022);
        assert_eq!(blocks(&lines).len(), 2);
        assert_eq!(
            block_with(&lines, "TZNAME:+11"),
            [
                "DAYLIGHT",
                "TZOFFSETFROM:+1030",
                "TZOFFSETTO:+1100",
                "TZNAME:+11",
                "DTSTART:20211003T020000",
                "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU",
            ]
        );
        assert_eq!(
            block_with(&lines, "TZNAME:+1030"),
            [
                "STANDARD",
                "TZOFFSETFROM:+1100",
                "TZOFFSETTO:+1030",
                "TZNAME:+1030",
                "DTSTART:20220403T020000",
                "RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU",
            ]
        );
    }

    fn single_standard(name: &str, offset: &str, abbreviation: &str) -> Vec<String> {
        [
            "BEGIN:VTIMEZONE".to_owned(),
            format!("TZID:{name}"),
            format!("X-LIC-LOCATION:{name}"),
            "BEGIN:STANDARD".to_owned(),
            format!("TZOFFSETFROM:{offset}"),
            format!("TZOFFSETTO:{offset}"),
            format!("TZNAME:{abbreviation}"),
            "DTSTART:19700101T000000".to_owned(),
            "END:STANDARD".to_owned(),
            "END:VTIMEZONE".to_owned(),
        ]
        .to_vec()
    }

    #[test]
    fn zones_without_changes_get_one_standard_observance() {
        for (name, offset, abbreviation) in [
            ("Asia/Kathmandu", "+0545", "+0545"),
            ("Asia/Shanghai", "+0800", "CST"),
            ("Etc/GMT-8", "+0800", "+08"),
            ("UTC", "+0000", "UTC"),
        ] {
            assert_eq!(
                vtimezone_lines(tz(name), 2022, 2022),
                single_standard(name, offset, abbreviation)
            );
            assert_eq!(
                vtimezone_lines(tz(name), 2000, 2030),
                single_standard(name, offset, abbreviation)
            );
        }
    }

    #[test]
    fn ranges_before_1970_start_the_fixed_observance_earlier() {
        let lines = vtimezone_lines(tz("Asia/Kathmandu"), 1960, 1965);
        assert!(lines.contains(&"DTSTART:19590101T000000".to_owned()));
        assert_agrees_with_tzdb("Asia/Kathmandu", 1960, 1965, 3593);
    }

    #[test]
    fn sao_paulo_stops_observing_dst_after_2019() {
        let name = "America/Sao_Paulo";
        let lines = vtimezone_lines(tz(name), 2017, 2022);
        let observances = parse(tz(name), &lines);
        let onsets = onsets(&observances, 2023);
        for at in (year_start(2020) - 14 * 3600..year_start(2023) + 12 * 3600).step_by(3600) {
            let index = in_force(&onsets, at).unwrap();
            assert!(
                !observances[index].daylight,
                "DST at {at}:\n{}",
                lines.join("\n")
            );
        }
        // The last summer time ended on the third Sunday of February 2019, at 00:00 -02.
        assert!(
            lines.contains(
                &"RRULE:FREQ=YEARLY;BYMONTH=2;BYDAY=3SU;UNTIL=20190217T020000Z".to_owned()
            )
        );
        assert_agrees_with_tzdb(name, 2017, 2022, 3593);
        assert_eq!(
            vtimezone_lines(tz(name), 2020, 2022),
            single_standard(name, "-0300", "-03")
        );
    }

    #[test]
    fn casablanca_ramadan_changes_are_listed_one_by_one() {
        let name = "Africa/Casablanca";
        let lines = vtimezone_lines(tz(name), 2021, 2023);
        assert!(
            !lines
                .iter()
                .any(|l| l.starts_with("RRULE") || l.starts_with("RDATE"))
        );
        let starts: Vec<&str> = lines
            .iter()
            .filter_map(|l| l.strip_prefix("DTSTART:"))
            .collect();
        // Morocco leaves +01 for Ramadan at 03:00 and returns at 02:00; the 2020
        // return is what is in force on 1 January 2021.
        assert_eq!(
            starts,
            [
                "20200531T020000",
                "20210411T030000",
                "20210516T020000",
                "20220327T030000",
                "20220508T020000",
                "20230319T030000",
                "20230423T020000",
            ]
        );
        assert_agrees_with_tzdb(name, 2021, 2023, 3593);
    }

    #[test]
    fn base_offset_changes_that_keep_the_wall_clock_are_not_observances() {
        // On 2018-10-28 Morocco's +01 became its base offset instead of summer time on
        // +00; to a VTIMEZONE it stays +01 daylight time (see the Dublin test).
        let name = "Africa/Casablanca";
        let lines = vtimezone_lines(tz(name), 2018, 2019);
        for observance in parse(tz(name), &lines) {
            assert_ne!(observance.from, observance.to, "{observance:?}");
        }
        assert_agrees_with_tzdb(name, 2018, 2019, 3593);
    }

    #[test]
    fn output_is_deterministic() {
        for name in ["Africa/Casablanca", "America/Santiago", "Europe/Paris"] {
            assert_eq!(
                vtimezone_lines(tz(name), 2015, 2025),
                vtimezone_lines(tz(name), 2015, 2025)
            );
        }
    }

    #[test]
    fn reversed_range_is_a_single_year() {
        assert_eq!(
            vtimezone_lines(tz("Europe/Paris"), 2022, 2020),
            vtimezone_lines(tz("Europe/Paris"), 2022, 2022)
        );
    }

    /// Zones and ranges chosen for rule changes, odd offsets and irregular transitions;
    /// checked at a prime step a little under an hour so instants drift through minutes.
    #[test]
    fn observances_agree_with_tzdb_hour_by_hour() {
        for (name, from, to) in [
            ("America/New_York", 2000, 2030),
            ("America/New_York", 2022, 2022),
            ("America/New_York", 1970, 1978),
            ("Europe/London", 2015, 2030),
            ("Europe/London", 2022, 2022),
            ("Europe/Dublin", 2015, 2025),
            ("Europe/Moscow", 2009, 2016),
            ("Australia/Lord_Howe", 2018, 2026),
            ("Australia/Sydney", 1995, 2010),
            ("Australia/Sydney", 2022, 2022),
            ("America/Sao_Paulo", 2014, 2024),
            ("America/Sao_Paulo", 2019, 2019),
            ("America/Sao_Paulo", 2020, 2020),
            ("Africa/Casablanca", 2015, 2030),
            ("Asia/Jerusalem", 2010, 2026),
            ("Asia/Tehran", 2018, 2025),
            ("America/Santiago", 2010, 2026),
            ("Pacific/Apia", 2009, 2023),
            ("Pacific/Chatham", 2019, 2024),
            ("Pacific/Kiritimati", 1993, 1996),
            ("Antarctica/Troll", 2004, 2012),
            ("America/Nuuk", 2020, 2026),
            ("Asia/Gaza", 2020, 2026),
            ("Africa/Cairo", 2013, 2026),
            ("America/Mexico_City", 2019, 2025),
            ("Asia/Kathmandu", 1984, 1990),
            ("Asia/Shanghai", 1985, 1993),
            ("Africa/Monrovia", 1970, 1975),
            ("Etc/GMT-8", 2020, 2022),
            ("UTC", 2020, 2022),
        ] {
            assert_agrees_with_tzdb(name, from, to, 3593);
        }
    }

    #[test]
    fn every_zone_agrees_with_tzdb_day_by_day() {
        for tz in chrono_tz::TZ_VARIANTS {
            assert_agrees_with_tzdb(tz.name(), 2012, 2028, 86_389);
        }
    }
}
