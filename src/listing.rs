//! The occurrences of every event in a time window, as `calfeed occurrences` lists them:
//! repeating events expanded, moved and cancelled occurrences as they now are, all events
//! merged in the order they happen.

use std::fmt;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use crate::model::{Publication, Schedule, Status};
use crate::when::Zone;

/// One occurrence of one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed<'a> {
    /// The publication's slug.
    pub publication: &'a str,
    pub event_id: &'a str,
    pub uid: String,
    /// When this occurrence happens (an override applied), in the event's own zone.
    pub schedule: Schedule,
    /// The instant it starts, the key the listing is sorted by: an all-day occurrence
    /// starts at midnight in the channel's zone.
    pub at: DateTime<Utc>,
    pub title: &'a str,
    pub status: Status,
}

/// The occurrences starting in `from..until` (whole UTC days) of every event of every
/// publication, in the order they happen (then by publication and event id). `from`
/// defaults to each publication's reference date, `until` to a year after `from`.
pub fn occurrences(
    publications: &[Publication],
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> Vec<Listed<'_>> {
    let midnight = |day: NaiveDate| day.and_time(NaiveTime::MIN).and_utc();
    let mut listed = Vec::new();
    for publication in publications {
        let start = from.map(midnight).unwrap_or(publication.reference);
        let end = until.map(midnight).unwrap_or(start + Duration::days(365));
        let zone = publication.channel.zone;
        for event in &publication.events {
            for occurrence in event.occurrences_between(start, end) {
                let at = match occurrence.schedule {
                    Schedule::Timed { start, .. } => start,
                    Schedule::AllDay { start, .. } => {
                        let local = start.and_time(NaiveTime::MIN);
                        zone.resolve_local(local)
                            .unwrap_or_else(|_| local.and_utc() - zone.offset_at(local.and_utc()))
                    }
                };
                listed.push(Listed {
                    publication: &publication.slug,
                    event_id: &event.id,
                    uid: format!("{}@{}", event.id, publication.host()),
                    schedule: occurrence.schedule,
                    at,
                    title: occurrence.title,
                    status: occurrence.status,
                });
            }
        }
    }
    listed
        .sort_by(|a, b| (a.at, a.publication, a.event_id).cmp(&(b.at, b.publication, b.event_id)));
    listed
}

fn utc(instant: DateTime<Utc>) -> String {
    instant.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Listed<'_> {
    /// The start in UTC (`2022-07-04T11:00:00Z`), or the date of an all-day occurrence.
    pub fn start_utc(&self) -> String {
        match self.schedule {
            Schedule::Timed { start, .. } => utc(start),
            Schedule::AllDay { start, .. } => start.to_string(),
        }
    }

    /// The end in UTC, or the day after an all-day occurrence (exclusive, as in
    /// iCalendar); `None` when the event has no stated length.
    pub fn end_utc(&self) -> Option<String> {
        match self.schedule {
            Schedule::Timed { end, .. } => end.map(utc),
            Schedule::AllDay { end, .. } => Some(end.to_string()),
        }
    }

    /// One JSON object: publication, event, uid, start and end (UTC instants, or dates for
    /// an all-day occurrence, the end exclusive), the same in the event's own zone
    /// (`local_start`, `local_end`, with the offset) and the zone's name, title, status.
    pub fn to_json(&self) -> serde_json::Value {
        let (local_start, local_end, timezone) = match self.schedule {
            Schedule::Timed { start, end, zone } => (
                zone.localize(start).to_rfc3339(),
                end.map(|end| zone.localize(end).to_rfc3339()),
                Some(zone.to_string()),
            ),
            Schedule::AllDay { start, end } => (start.to_string(), Some(end.to_string()), None),
        };
        serde_json::json!({
            "publication": self.publication,
            "event": self.event_id,
            "uid": self.uid,
            "start": self.start_utc(),
            "end": self.end_utc(),
            "local_start": local_start,
            "local_end": local_end,
            "timezone": timezone,
            "title": self.title,
            "status": self.status.as_ical(),
        })
    }

    /// When it happens, for people: `2025-03-20 18:00–19:30 +00:00 Europe/London` in the
    /// event's own zone (in UTC with `in_utc`), `2025-03-20 (all day)`.
    pub fn when(&self, in_utc: bool) -> String {
        match self.schedule {
            Schedule::AllDay { start, end } => {
                let last = end.pred_opt().unwrap_or(start);
                if last <= start {
                    format!("{start} (all day)")
                } else {
                    format!("{start} to {last} (all day)")
                }
            }
            Schedule::Timed { start, end, zone } => {
                let zone = if in_utc { Zone::Iana(Tz::UTC) } else { zone };
                let local = zone.localize(start);
                let mut text = local.format("%Y-%m-%d %H:%M").to_string();
                let mut offsets = vec![*local.offset()];
                if let Some(end) = end {
                    let local_end = zone.localize(end);
                    let format = if local_end.date_naive() == local.date_naive() {
                        "%H:%M"
                    } else {
                        "%Y-%m-%d %H:%M"
                    };
                    text.push_str(&format!("–{}", local_end.format(format)));
                    if local_end.offset() != local.offset() {
                        offsets.push(*local_end.offset());
                    }
                }
                text.push(' ');
                text.push_str(&zone_label(&zone, &offsets));
                text
            }
        }
    }

    /// One line for people (see [`table`] for aligned columns).
    fn line(
        &self,
        when_width: usize,
        id_width: usize,
        with_publication: bool,
        in_utc: bool,
    ) -> String {
        let id = if with_publication {
            format!("{}/{}", self.publication, self.event_id)
        } else {
            self.event_id.to_string()
        };
        let cancelled = if self.status == Status::Cancelled {
            " (cancelled)"
        } else {
            ""
        };
        format!(
            "{:when_width$}  {id:id_width$}  {}{cancelled}",
            self.when(in_utc),
            self.title
        )
    }
}

/// `UTC`, `+05:30`, or `-04:00 America/New_York` (`-04:00→-05:00 ...` when the offset
/// changes during the occurrence).
fn zone_label(zone: &Zone, offsets: &[FixedOffset]) -> String {
    let offsets = offsets
        .iter()
        .map(|o| o.to_string())
        .collect::<Vec<_>>()
        .join("→");
    match zone {
        Zone::Iana(Tz::UTC) => "UTC".to_string(),
        Zone::Iana(tz) => format!("{offsets} {}", tz.name()),
        Zone::Fixed(_) => offsets,
    }
}

/// The listing as lines for people, in columns: when (in each event's own zone, or in UTC
/// with `in_utc`), the event's id (with its publication's slug when there are several),
/// the title, and `(cancelled)` for a cancelled occurrence.
pub fn table(listed: &[Listed<'_>], in_utc: bool) -> Vec<String> {
    let with_publication = listed
        .iter()
        .any(|l| l.publication != listed[0].publication);
    let when_width = listed
        .iter()
        .map(|l| l.when(in_utc).chars().count())
        .max()
        .unwrap_or(0);
    let id_width = listed
        .iter()
        .map(|l| {
            l.event_id.chars().count()
                + if with_publication {
                    l.publication.chars().count() + 1
                } else {
                    0
                }
        })
        .max()
        .unwrap_or(0);
    listed
        .iter()
        .map(|l| {
            l.line(when_width, id_width, with_publication, in_utc)
                .trim_end()
                .to_string()
        })
        .collect()
}

/// One line for people, unaligned: when (in the event's zone), id, title.
impl fmt::Display for Listed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line(0, 0, false, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::test_publication;

    #[test]
    fn an_occurrence_across_a_clock_change_shows_both_offsets() {
        let p = test_publication(
            "s",
            r#"
[channel]
title = "T"
description = "D"
link = "https://example.org/"
language = "en"
timezone = "America/New_York"

[[events]]
id = "night"
title = "Night shift"
start = "2024-11-03T00:30"
duration = "2h"

[[events]]
id = "open"
title = "No stated length"
start = "2024-11-04T09:00+01:00"
"#,
        );
        let day = NaiveDate::from_ymd_opt(2024, 11, 1);
        let listed = occurrences(std::slice::from_ref(&p), day, None);
        let when: Vec<String> = listed.iter().map(|l| l.when(false)).collect();
        assert_eq!(
            when,
            [
                "2024-11-03 00:30–01:30 -04:00→-05:00 America/New_York",
                "2024-11-04 03:00 -05:00 America/New_York",
            ]
        );
        assert_eq!(listed[0].when(true), "2024-11-03 04:30–06:30 UTC");
        assert_eq!(listed[1].end_utc(), None);
    }
}
