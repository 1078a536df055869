//! The spellings of time that publications are written in: zones, moments and durations,
//! and how a wall-clock time in a zone becomes an instant.
//!
//! Everything here is pure parsing; errors are plain sentences that the loader attaches to
//! a file position and field.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc,
};
use chrono_tz::Tz;

/// A time zone as a publication names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Zone {
    /// An IANA zone. Whole-hour fixed offsets (`GMT+8`) are mapped to their `Etc/GMT-8`
    /// zone so that calendar clients see a TZID they know.
    Iana(Tz),
    /// A fixed offset with no IANA zone of its own (`UTC+05:30`). Calendars get such times
    /// in UTC, since a made-up TZID is the one thing Google and Outlook handle worst.
    Fixed(FixedOffset),
}

impl Zone {
    /// The offset from UTC in force at `instant`.
    pub fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
        match self {
            Zone::Iana(tz) => tz.offset_from_utc_datetime(&instant.naive_utc()).fix(),
            Zone::Fixed(offset) => *offset,
        }
    }

    /// `instant` as wall-clock time with the offset in force in this zone.
    pub fn localize(&self, instant: DateTime<Utc>) -> DateTime<FixedOffset> {
        instant.with_timezone(&self.offset_at(instant))
    }

    /// Resolves a wall-clock time in this zone to the one instant it names.
    pub fn resolve_local(&self, local: NaiveDateTime) -> Result<DateTime<Utc>, String> {
        let result = match self {
            Zone::Iana(tz) => tz
                .from_local_datetime(&local)
                .map(|t| t.with_timezone(&Utc)),
            Zone::Fixed(offset) => offset
                .from_local_datetime(&local)
                .map(|t| t.with_timezone(&Utc)),
        };
        match result {
            LocalResult::Single(instant) => Ok(instant),
            LocalResult::None => {
                let mut message = format!(
                    "{} does not exist in {self}: the clocks skip it (daylight-saving gap)",
                    local.format("%Y-%m-%dT%H:%M")
                );
                if let Some((before, after)) = self.across_gap(local) {
                    message.push_str(&format!(
                        ": write it with an offset, {} or {}",
                        self.localize(before).format("%Y-%m-%dT%H:%M%:z"),
                        self.localize(after).format("%Y-%m-%dT%H:%M%:z"),
                    ));
                }
                Err(message)
            }
            LocalResult::Ambiguous(first, second) => Err(format!(
                "{} happens twice in {self} (daylight-saving overlap): write it with an offset, \
                 {} or {}",
                local.format("%Y-%m-%dT%H:%M"),
                self.localize(first).format("%Y-%m-%dT%H:%M%:z"),
                self.localize(second).format("%Y-%m-%dT%H:%M%:z"),
            )),
        }
    }
}

impl Zone {
    /// The two instants a wall-clock time skipped by a gap can mean: read with the offset
    /// after the change (the earlier instant, shown in the old offset) and with the offset
    /// before it (the later one, shown in the new offset), in that order.
    fn across_gap(&self, local: NaiveDateTime) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let probe = local.and_utc();
        let day = Duration::days(1);
        let (old, new) = (self.offset_at(probe - day), self.offset_at(probe + day));
        let read_with = |offset: FixedOffset| {
            offset
                .from_local_datetime(&local)
                .single()
                .map(|t| t.with_timezone(&Utc))
        };
        let (earlier, later) = (read_with(new)?, read_with(old)?);
        (earlier < later).then_some((earlier, later))
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Iana(tz) => f.write_str(tz.name()),
            Zone::Fixed(offset) => write!(f, "UTC{offset}"),
        }
    }
}

const ZONE_HELP: &str = "an IANA zone such as Asia/Shanghai or Europe/London, UTC, \
                         or a fixed offset such as GMT+8 or UTC-05:30";

/// Parses a zone: an IANA name, `UTC`/`GMT`/`Z`, or a fixed offset written `GMT+8`,
/// `UTC+08:00`, `UTC-0530` or `+08:00`.
///
/// `GMT+8` means eight hours *ahead* of UTC, as people write it; the tz database's own
/// `Etc/GMT-8` spells the same zone with the POSIX (inverted) sign, and is taken as written.
pub fn parse_zone(text: &str) -> Result<Zone, String> {
    let trimmed = text.trim();
    if trimmed.eq_ignore_ascii_case("utc") || trimmed.eq_ignore_ascii_case("gmt") || trimmed == "Z"
    {
        return Ok(Zone::Iana(Tz::UTC));
    }
    if let Some(offset) = parse_offset_spelling(trimmed) {
        let seconds = offset?;
        if seconds % 3600 == 0 {
            let hours = seconds / 3600;
            if hours == 0 {
                return Ok(Zone::Iana(Tz::UTC));
            }
            // POSIX sign: the zone 8 hours ahead of UTC is Etc/GMT-8.
            let name = format!("Etc/GMT{:+}", -hours);
            if let Ok(tz) = Tz::from_str(&name) {
                return Ok(Zone::Iana(tz));
            }
        }
        return FixedOffset::east_opt(seconds)
            .map(Zone::Fixed)
            .ok_or_else(|| format!("offset in {text:?} is out of range"));
    }
    Tz::from_str(trimmed).map(Zone::Iana).map_err(|_| {
        let names = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
        match crate::diagnostic::did_you_mean(trimmed, names) {
            Some(meant) => format!("unknown time zone {text:?}; did you mean {meant:?}?"),
            None => format!("unknown time zone {text:?}; expected {ZONE_HELP}"),
        }
    })
}

/// `Some` when `text` is an offset spelling (then `Ok(seconds east of UTC)` or why not),
/// `None` when it is not one and should be tried as a zone name.
fn parse_offset_spelling(text: &str) -> Option<Result<i32, String>> {
    let rest = ["UTC", "GMT", "utc", "gmt"]
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix))
        .unwrap_or(text);
    let sign = match rest.chars().next()? {
        '+' => 1,
        '-' | '\u{2212}' => -1,
        _ => return None,
    };
    let digits = &rest[rest.chars().next()?.len_utf8()..];
    let bad = || {
        Err(format!(
            "malformed offset {text:?}; expected e.g. GMT+8 or UTC+05:30"
        ))
    };
    let (hours, minutes) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() == 4 => digits.split_at(2),
        None => (digits, "0"),
    };
    if hours.is_empty()
        || hours.len() > 2
        || !hours.bytes().all(|b| b.is_ascii_digit())
        || minutes.len() > 2
        || !minutes.bytes().all(|b| b.is_ascii_digit())
    {
        return Some(bad());
    }
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    if hours > 14 || minutes > 59 {
        return Some(Err(format!(
            "offset {text:?} is out of range (-12:00 to +14:00)"
        )));
    }
    Some(Ok(sign * (hours * 3600 + minutes * 60)))
}

/// A moment as written in the data, before any zone is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moment {
    /// `2022-07-04`: a whole day.
    Date(NaiveDate),
    /// `2022-07-04T19:00`: wall-clock time in the relevant zone.
    Local(NaiveDateTime),
    /// `2022-07-04T11:00:00Z` or `2022-07-04T19:00+08:00`: one instant.
    Instant(DateTime<FixedOffset>),
}

pub const MOMENT_HELP: &str = "expected a local time like 2022-07-04T19:00 (in the zone that applies), \
     an instant like 2022-07-04T11:00:00Z or 2022-07-04T19:00:00+08:00, or a date like 2022-07-04";

/// Parses a date, a local date-time, or an RFC 3339 instant (seconds optional, `T` or a
/// space between date and time).
pub fn parse_moment(text: &str) -> Result<Moment, String> {
    let t = text.trim();
    let invalid = || format!("invalid date or time {text:?}; {MOMENT_HELP}");
    if t.len() == 10 {
        return NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Moment::Date)
            .map_err(|_| invalid());
    }
    let normalized = t.replacen(' ', "T", 1);
    for format in [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(&normalized, format) {
            return Ok(Moment::Local(local));
        }
    }
    if let Ok(instant) = DateTime::parse_from_rfc3339(&normalized) {
        return Ok(Moment::Instant(instant));
    }
    // RFC 3339 requires seconds; people leave them out.
    for format in ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%dT%H:%M%z"] {
        if let Ok(instant) = DateTime::parse_from_str(&normalized, format) {
            return Ok(Moment::Instant(instant));
        }
    }
    if let Some(without_z) = normalized.strip_suffix(['Z', 'z'])
        && let Ok(local) = NaiveDateTime::parse_from_str(without_z, "%Y-%m-%dT%H:%M")
    {
        return Ok(Moment::Instant(local.and_utc().fixed_offset()));
    }
    Err(invalid())
}

impl Moment {
    /// The instant this moment names in `zone`; a bare date means `default_time` that day.
    pub fn to_instant(self, zone: &Zone, default_time: NaiveTime) -> Result<DateTime<Utc>, String> {
        match self {
            Moment::Instant(instant) => Ok(instant.with_timezone(&Utc)),
            Moment::Local(local) => zone.resolve_local(local),
            Moment::Date(date) => zone.resolve_local(date.and_time(default_time)),
        }
    }
}

pub const DURATION_HELP: &str =
    "expected a duration like 2h, 90m, 1h30m, 1d, 1w or ISO 8601 PT2H / P1D";

/// Parses `2h`, `90m`, `1h30m`, `1d`, `1w`, `45s` or an ISO 8601 duration (`PT2H`, `P1DT2H`,
/// `P1W`). Zero and negative durations are rejected: nothing here means "no time at all".
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let invalid = || format!("invalid duration {text:?}; {DURATION_HELP}");
    let total = if let Some(iso) = t.strip_prefix(['P', 'p']) {
        parse_iso_duration(iso).ok_or_else(invalid)?
    } else {
        parse_units(t, |unit| match unit {
            'w' => Some(7 * 86_400),
            'd' => Some(86_400),
            'h' => Some(3_600),
            'm' => Some(60),
            's' => Some(1),
            _ => None,
        })
        .ok_or_else(invalid)?
    };
    if total <= 0 {
        return Err(format!("duration {text:?} must be longer than zero"));
    }
    Ok(Duration::seconds(total))
}

fn parse_iso_duration(iso: &str) -> Option<i64> {
    let (date_part, time_part) = match iso.split_once(['T', 't']) {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return None,
        None => (iso, None),
    };
    let days = if date_part.is_empty() {
        0
    } else {
        parse_units(&date_part.to_ascii_lowercase(), |unit| match unit {
            'w' => Some(7 * 86_400),
            'd' => Some(86_400),
            _ => None,
        })?
    };
    let time = match time_part {
        Some(t) => parse_units(&t.to_ascii_lowercase(), |unit| match unit {
            'h' => Some(3_600),
            'm' => Some(60),
            's' => Some(1),
            _ => None,
        })?,
        None => 0,
    };
    Some(days + time)
}

/// Sums `<number><unit>` pairs; units must appear in strictly descending size, once each.
fn parse_units(text: &str, unit_seconds: impl Fn(char) -> Option<i64>) -> Option<i64> {
    let mut total: i64 = 0;
    let mut number = String::new();
    let mut last_unit = i64::MAX;
    let mut saw_unit = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let seconds = unit_seconds(c.to_ascii_lowercase())?;
        if number.is_empty() || number.len() > 9 || seconds >= last_unit {
            return None;
        }
        total = total.checked_add(number.parse::<i64>().ok()?.checked_mul(seconds)?)?;
        number.clear();
        last_unit = seconds;
        saw_unit = true;
    }
    (saw_unit && number.is_empty()).then_some(total)
}

/// Formats a positive duration as ISO 8601 / RFC 5545 `dur-value` (`PT1H30M`, `P1D`, `P1W`).
pub fn iso_duration(duration: Duration) -> String {
    let mut seconds = duration.num_seconds();
    let sign = if seconds < 0 { "-" } else { "" };
    seconds = seconds.abs();
    if seconds > 0 && seconds % (7 * 86_400) == 0 {
        return format!("{sign}P{}W", seconds / (7 * 86_400));
    }
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (hours, minutes, secs) = (rest / 3_600, rest % 3_600 / 60, rest % 60);
    let mut out = format!("{sign}P");
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if rest > 0 || days == 0 {
        out.push('T');
        if hours > 0 {
            out.push_str(&format!("{hours}H"));
        }
        if minutes > 0 {
            out.push_str(&format!("{minutes}M"));
        }
        if secs > 0 || rest == 0 {
            out.push_str(&format!("{secs}S"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn gmt_plus_8_is_eight_hours_ahead_of_utc() {
        for spelling in ["GMT+8", "UTC+08:00", "UTC+0800", "+08:00", "gmt+8"] {
            let zone = parse_zone(spelling).unwrap();
            assert_eq!(zone.to_string(), "Etc/GMT-8", "{spelling}");
            let local = NaiveDate::from_ymd_opt(2022, 7, 4)
                .unwrap()
                .and_hms_opt(19, 0, 0)
                .unwrap();
            assert_eq!(
                zone.resolve_local(local).unwrap(),
                utc("2022-07-04T11:00:00Z")
            );
        }
    }

    #[test]
    fn etc_zone_names_keep_their_posix_sign() {
        let zone = parse_zone("Etc/GMT+5").unwrap();
        assert_eq!(
            zone.offset_at(utc("2024-01-01T00:00:00Z"))
                .local_minus_utc(),
            -5 * 3600
        );
        let zone = parse_zone("UTC-05:00").unwrap();
        assert_eq!(zone.to_string(), "Etc/GMT+5");
    }

    #[test]
    fn half_hour_offsets_stay_fixed() {
        let zone = parse_zone("UTC+05:30").unwrap();
        assert_eq!(zone, Zone::Fixed(FixedOffset::east_opt(19_800).unwrap()));
        assert_eq!(parse_zone("UTC").unwrap(), Zone::Iana(Tz::UTC));
    }

    #[test]
    fn bad_zones_are_rejected_with_help() {
        assert!(parse_zone("Mars/Olympus").unwrap_err().contains("IANA"));
        for (typo, meant) in [
            ("America/NewYork", "America/New_York"),
            ("asia/shanghai", "Asia/Shanghai"),
            ("Europe/Londn", "Europe/London"),
        ] {
            assert_eq!(
                parse_zone(typo).unwrap_err(),
                format!("unknown time zone {typo:?}; did you mean {meant:?}?")
            );
        }
        assert!(parse_zone("GMT+15").unwrap_err().contains("out of range"));
        assert!(parse_zone("UTC+8:75").unwrap_err().contains("out of range"));
        assert!(parse_zone("GMT+x").unwrap_err().contains("malformed"));
    }

    #[test]
    fn dst_gap_and_overlap_are_errors() {
        let ny = parse_zone("America/New_York").unwrap();
        let gap = NaiveDateTime::parse_from_str("2024-03-10T02:30", "%Y-%m-%dT%H:%M").unwrap();
        assert_eq!(
            ny.resolve_local(gap).unwrap_err(),
            "2024-03-10T02:30 does not exist in America/New_York: the clocks skip it \
             (daylight-saving gap): write it with an offset, 2024-03-10T01:30-05:00 or \
             2024-03-10T03:30-04:00"
        );
        // Lord Howe Island moves its clocks by half an hour.
        let lord_howe = parse_zone("Australia/Lord_Howe").unwrap();
        let gap = NaiveDateTime::parse_from_str("2024-10-06T02:10", "%Y-%m-%dT%H:%M").unwrap();
        assert!(
            lord_howe
                .resolve_local(gap)
                .unwrap_err()
                .ends_with("2024-10-06T01:40+10:30 or 2024-10-06T02:40+11:00")
        );
        let overlap = NaiveDateTime::parse_from_str("2024-11-03T01:30", "%Y-%m-%dT%H:%M").unwrap();
        let message = ny.resolve_local(overlap).unwrap_err();
        assert!(message.contains("overlap"), "{message}");
        assert!(message.contains("2024-11-03T01:30-04:00"), "{message}");
        assert!(message.contains("2024-11-03T01:30-05:00"), "{message}");
    }

    #[test]
    fn moments_in_every_spelling() {
        assert_eq!(
            parse_moment("2022-07-04").unwrap(),
            Moment::Date(NaiveDate::from_ymd_opt(2022, 7, 4).unwrap())
        );
        assert!(matches!(
            parse_moment("2022-07-04T19:00").unwrap(),
            Moment::Local(_)
        ));
        assert!(matches!(
            parse_moment("2022-07-04 19:00:00").unwrap(),
            Moment::Local(_)
        ));
        for instant in [
            "2022-07-04T11:00:00Z",
            "2022-07-04T19:00:00+08:00",
            "2022-07-04T19:00+08:00",
            "2022-07-04T11:00Z",
        ] {
            let Moment::Instant(t) = parse_moment(instant).unwrap() else {
                panic!("{instant} is an instant")
            };
            assert_eq!(
                t.with_timezone(&Utc),
                utc("2022-07-04T11:00:00Z"),
                "{instant}"
            );
        }
        for bad in [
            "2022-13-01",
            "2022-07-04T25:00",
            "tomorrow",
            "",
            "2022-07-04T19",
        ] {
            assert!(parse_moment(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_in_every_spelling() {
        let cases = [
            ("2h", 7200),
            ("90m", 5400),
            ("1h30m", 5400),
            ("1d", 86_400),
            ("1w", 604_800),
            ("PT2H", 7200),
            ("PT1H30M", 5400),
            ("P1D", 86_400),
            ("P1DT2H", 93_600),
            ("P2W", 1_209_600),
        ];
        for (text, seconds) in cases {
            assert_eq!(
                parse_duration(text).unwrap().num_seconds(),
                seconds,
                "{text}"
            );
        }
        for bad in [
            "", "2", "h", "2x", "30m1h", "1h1h", "0m", "PT", "P1H", "-2h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn iso_durations_round_trip() {
        for (seconds, text) in [
            (3600, "PT1H"),
            (600, "PT10M"),
            (5400, "PT1H30M"),
            (86_400, "P1D"),
            (93_600, "P1DT2H"),
            (604_800, "P1W"),
            (-3600, "-PT1H"),
            (45, "PT45S"),
        ] {
            let formatted = iso_duration(Duration::seconds(seconds));
            assert_eq!(formatted, text);
            if seconds > 0 {
                assert_eq!(parse_duration(&formatted).unwrap().num_seconds(), seconds);
            }
        }
    }
}
