//! ISO 8601 dates and times as iCalendar, HTML `datetime` attributes and calendar links
//! write them, digit by digit: chrono's `format` parses its format string again on every
//! call, which showed in a large build (several stamps per event and page). The text is
//! chrono's for `%Y%m%d`, `%Y-%m-%d`, `%H%M%S` and `%H:%M:%S`; years outside 0..=9999
//! (which chrono writes with a sign) and leap seconds are left to chrono itself.

use std::sync::LazyLock;

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};

/// A chrono format string parsed once, for `format_with_items(F.iter())`: dates as people
/// read them, which chrono's names are needed for, without parsing the string each time.
pub type Parsed = LazyLock<Vec<Item<'static>>>;

/// `Monday 4 July 2022`.
pub static LONG_DATE: Parsed = LazyLock::new(|| StrftimeItems::new("%A %-d %B %Y").collect());
/// `4 July 2022`.
pub static DAY_MONTH_YEAR: Parsed = LazyLock::new(|| StrftimeItems::new("%-d %B %Y").collect());
/// `19:00`.
pub static HOUR_MINUTE: Parsed = LazyLock::new(|| StrftimeItems::new("%H:%M").collect());
/// `2022-07-04 19:00`.
pub static DATE_HOUR_MINUTE: Parsed =
    LazyLock::new(|| StrftimeItems::new("%Y-%m-%d %H:%M").collect());
/// The zone's abbreviation, `CEST`.
pub static ZONE_NAME: Parsed = LazyLock::new(|| StrftimeItems::new("%Z").collect());
/// `UTC+08:00`.
pub static UTC_OFFSET: Parsed = LazyLock::new(|| StrftimeItems::new("UTC%:z").collect());

/// ISO 8601's two forms.
#[derive(Clone, Copy)]
pub enum Form {
    /// `20240102`, `20240102T030405`: iCalendar's, and Google Calendar's.
    Basic,
    /// `2024-01-02`, `2024-01-02T03:04:05`: HTML's and Outlook's.
    Extended,
}

/// The date, as chrono's `%Y%m%d` (basic) or `%Y-%m-%d` (extended).
pub fn date(date: NaiveDate, form: Form) -> String {
    let mut out = String::with_capacity(10);
    push_date(&mut out, date, form);
    out
}

/// The date and time, as chrono's `%Y%m%dT%H%M%S` (basic) or `%Y-%m-%dT%H:%M:%S`
/// (extended).
pub fn date_time(at: NaiveDateTime, form: Form) -> String {
    let mut out = String::with_capacity(20);
    push_date_time(&mut out, at, form);
    out
}

/// The instant in UTC, as [`date_time`] and `Z`.
pub fn utc(at: DateTime<Utc>, form: Form) -> String {
    let mut out = date_time(at.naive_utc(), form);
    out.push('Z');
    out
}

fn push_date(out: &mut String, date: NaiveDate, form: Form) {
    if !(0..=9999).contains(&date.year()) {
        let format = match form {
            Form::Basic => "%Y%m%d",
            Form::Extended => "%Y-%m-%d",
        };
        out.push_str(&date.format(format).to_string());
        return;
    }
    let separator = match form {
        Form::Basic => "",
        Form::Extended => "-",
    };
    push_digits(out, date.year() as u32, 4);
    out.push_str(separator);
    push_digits(out, date.month(), 2);
    out.push_str(separator);
    push_digits(out, date.day(), 2);
}

fn push_date_time(out: &mut String, at: NaiveDateTime, form: Form) {
    push_date(out, at.date(), form);
    out.push('T');
    if at.nanosecond() >= 1_000_000_000 {
        // A leap second, which chrono writes as second 60.
        let format = match form {
            Form::Basic => "%H%M%S",
            Form::Extended => "%H:%M:%S",
        };
        out.push_str(&at.format(format).to_string());
        return;
    }
    let separator = match form {
        Form::Basic => "",
        Form::Extended => ":",
    };
    push_digits(out, at.hour(), 2);
    out.push_str(separator);
    push_digits(out, at.minute(), 2);
    out.push_str(separator);
    push_digits(out, at.second(), 2);
}

/// `value`'s last `width` decimal digits, zero-padded.
fn push_digits(out: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = (value / 10u32.pow(place)) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, NaiveTime, TimeZone};

    #[test]
    fn stamps_are_chronos() {
        let days = [
            NaiveDate::from_ymd_opt(2024, 1, 2),
            NaiveDate::from_ymd_opt(1999, 12, 31),
            NaiveDate::from_ymd_opt(0, 1, 1),
            NaiveDate::from_ymd_opt(9999, 12, 31),
            NaiveDate::from_ymd_opt(10000, 1, 1),
            NaiveDate::from_ymd_opt(-1, 6, 15),
            NaiveDate::from_ymd_opt(-12345, 6, 15),
        ];
        let times = [
            NaiveTime::from_hms_opt(0, 0, 0),
            NaiveTime::from_hms_opt(3, 4, 5),
            NaiveTime::from_hms_opt(23, 59, 59),
            NaiveTime::from_hms_nano_opt(12, 0, 1, 999_999_999),
            // A leap second.
            NaiveTime::from_hms_milli_opt(23, 59, 59, 1_500),
        ];
        for day in days.map(Option::unwrap) {
            assert_eq!(date(day, Form::Basic), day.format("%Y%m%d").to_string());
            assert_eq!(
                date(day, Form::Extended),
                day.format("%Y-%m-%d").to_string()
            );
            for time in times.map(Option::unwrap) {
                let at = day.and_time(time);
                assert_eq!(
                    date_time(at, Form::Basic),
                    at.format("%Y%m%dT%H%M%S").to_string()
                );
                assert_eq!(
                    date_time(at, Form::Extended),
                    at.format("%Y-%m-%dT%H:%M:%S").to_string()
                );
                let instant = Utc.from_utc_datetime(&at);
                assert_eq!(
                    utc(instant, Form::Basic),
                    instant.format("%Y%m%dT%H%M%SZ").to_string()
                );
                assert_eq!(
                    utc(instant, Form::Extended),
                    instant.format("%Y-%m-%dT%H:%M:%SZ").to_string()
                );
            }
        }
        // The formats parsed once write what the strings do.
        let berlin = chrono_tz::Europe::Berlin;
        let at = berlin.with_ymd_and_hms(2024, 7, 4, 19, 5, 0).unwrap();
        for (parsed, format) in [
            (&LONG_DATE, "%A %-d %B %Y"),
            (&DAY_MONTH_YEAR, "%-d %B %Y"),
            (&HOUR_MINUTE, "%H:%M"),
            (&DATE_HOUR_MINUTE, "%Y-%m-%d %H:%M"),
            (&ZONE_NAME, "%Z"),
            (&UTC_OFFSET, "UTC%:z"),
        ] {
            assert_eq!(
                at.format_with_items(parsed.iter()).to_string(),
                at.format(format).to_string()
            );
        }
        assert_eq!(
            at.format_with_items(LONG_DATE.iter()).to_string(),
            "Thursday 4 July 2024"
        );
        // Every day of a few years, for the month and day digits.
        let mut day = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
        while day.year() < 2026 {
            assert_eq!(
                date(day, Form::Extended),
                day.format("%Y-%m-%d").to_string()
            );
            day += Duration::days(1);
        }
    }
}
