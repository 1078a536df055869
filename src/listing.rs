//! The occurrences of every event in a time window, as `calfeed occurrences` lists them:
//! repeating events expanded, moved and cancelled occurrences as they now are.

use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

use crate::model::{Publication, Schedule, Status};

/// One occurrence of one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed<'a> {
    /// The publication's slug.
    pub publication: &'a str,
    pub event_id: &'a str,
    pub uid: String,
    /// `2022-07-04T11:00:00Z`, or a date for an all-day event.
    pub start: String,
    pub end: Option<String>,
    pub title: &'a str,
    pub status: Status,
}

/// The occurrences starting in `from..until` (whole UTC days), publication by publication,
/// event by event. `from` defaults to each publication's reference date, `until` to a year after
/// `from`.
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
        for event in &publication.events {
            for occurrence in event.occurrences_between(start, end) {
                let (start, end) = match occurrence.schedule {
                    Schedule::Timed { start, end, .. } => (utc(start), end.map(utc)),
                    Schedule::AllDay { start, end } => (start.to_string(), Some(end.to_string())),
                };
                listed.push(Listed {
                    publication: &publication.slug,
                    event_id: &event.id,
                    uid: format!("{}@{}", event.id, publication.host()),
                    start,
                    end,
                    title: occurrence.title,
                    status: occurrence.status,
                });
            }
        }
    }
    listed
}

fn utc(instant: DateTime<Utc>) -> String {
    instant.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Listed<'_> {
    /// One JSON object: publication, uid, start, end, title, status.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "publication": self.publication,
            "uid": self.uid,
            "start": self.start,
            "end": self.end,
            "title": self.title,
            "status": self.status.as_ical(),
        })
    }
}

/// One line for people: start, event id, title, and whether it is cancelled.
impl fmt::Display for Listed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cancelled = if self.status == Status::Cancelled {
            " (cancelled)"
        } else {
            ""
        };
        write!(
            f,
            "{}  {}  {}{cancelled}",
            self.start, self.event_id, self.title
        )
    }
}
