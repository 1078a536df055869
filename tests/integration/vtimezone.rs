//! The VTIMEZONE generator (`calfeed::vtimezone`): exact output for well-known zones, and
//! agreement with the tz database, instant by instant, of what a client reading only the
//! VTIMEZONE ([`crate::support::zone`]) makes of it.

use chrono::{DateTime, NaiveDate, Offset, TimeZone};
use chrono_tz::{OffsetComponents, Tz};

use crate::support::api::vtimezone_lines;
use crate::support::ics::Ics;
use crate::support::zone::{Observance, in_force, observances, timeline};

fn tz(name: &str) -> Tz {
    name.parse().unwrap()
}

/// The generated lines as a client reads them: in a VCALENDAR, through the one iCalendar
/// reader, which accounts for every line.
fn read(lines: &[String]) -> Ics {
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VTIMEZONE"));
    assert_eq!(lines.last().map(String::as_str), Some("END:VTIMEZONE"));
    let calendar = format!(
        "BEGIN:VCALENDAR\r\n{}\r\nEND:VCALENDAR\r\n",
        lines.join("\r\n")
    );
    let mut calendar = Ics::parse(&calendar);
    assert_eq!(calendar.children.len(), 1, "{}", lines.join("\n"));
    calendar.children.remove(0)
}

/// The observances of the generated lines for `tz`, expanded up to the end of `last_year`
/// by the one VTIMEZONE evaluator, which checks their structure.
fn parse(tz: Tz, lines: &[String], last_year: i32) -> Vec<Observance> {
    assert_eq!(lines[1], format!("TZID:{}", tz.name()));
    observances(&read(lines), last_year)
}

/// Each STANDARD and DAYLIGHT block: its kind, then its properties as lines.
fn blocks(lines: &[String]) -> Vec<Vec<String>> {
    read(lines)
        .children
        .iter()
        .map(|o| {
            let properties = o.properties.iter().map(|(name, params, value)| {
                assert!(params.is_empty(), "{name} has parameters");
                format!("{name}:{value}")
            });
            std::iter::once(o.name.clone()).chain(properties).collect()
        })
        .collect()
}

fn block_with(lines: &[String], needle: &str) -> Vec<String> {
    let found: Vec<_> = blocks(lines)
        .into_iter()
        .filter(|block| block[1..].iter().any(|p| p == needle))
        .collect();
    assert_eq!(found.len(), 1, "{needle} in\n{}", lines.join("\n"));
    found.into_iter().next().unwrap()
}

fn offset_at(tz: Tz, at: i64) -> chrono_tz::TzOffset {
    tz.offset_from_utc_datetime(&utc(at).naive_utc())
}

fn utc(at: i64) -> DateTime<chrono::Utc> {
    DateTime::from_timestamp(at, 0).unwrap()
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
    let observances = parse(tz, &lines, to + 1);
    let onsets = timeline(&observances);
    let window = year_start(from) - 14 * 3600..year_start(to + 1) + 12 * 3600;

    let mut instants: Vec<i64> = window.clone().step_by(step).collect();
    instants.push(window.end - 1);
    for &(onset, index) in &onsets {
        let at = onset.timestamp();
        if window.contains(&at) {
            instants.extend([at - 1, at]);
            let before = offset_at(tz, at - 1).fix().local_minus_utc();
            assert_eq!(
                observances[index].offset_from, before,
                "{name}: TZOFFSETFROM of the onset at {at}\n{text}"
            );
        }
    }
    for at in instants {
        let when = utc(at);
        let index = in_force(&onsets, when)
            .unwrap_or_else(|| panic!("{name}: nothing in force at {at}\n{text}"));
        let observance = &observances[index];
        let actual = offset_at(tz, at);
        assert_eq!(
            observance.offset_to,
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
    let observances = parse(tz(name), &lines, 2023);
    let onsets = timeline(&observances);
    for at in (year_start(2020) - 14 * 3600..year_start(2023) + 12 * 3600).step_by(3600) {
        let index = in_force(&onsets, utc(at)).unwrap();
        assert!(
            !observances[index].daylight,
            "DST at {at}:\n{}",
            lines.join("\n")
        );
    }
    // The last summer time ended on the third Sunday of February 2019, at 00:00 -02.
    assert!(
        lines.contains(&"RRULE:FREQ=YEARLY;BYMONTH=2;BYDAY=3SU;UNTIL=20190217T020000Z".to_owned())
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
    for observance in parse(tz(name), &lines, 2020) {
        assert_ne!(
            observance.offset_from, observance.offset_to,
            "{observance:?}"
        );
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
