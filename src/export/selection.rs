//! What the publication's page shows, so that it stays small at any size: the upcoming
//! events (at most [`UPCOMING_ON_PAGE`]) in the order they happen, and the latest articles
//! (at most [`LATEST_ON_PAGE`]). Everything is also in the archive (`pages`).

use chrono::{DateTime, NaiveTime, Utc};

use crate::model::{Event, Publication, Schedule};

/// How many upcoming events the publication's page shows.
pub const UPCOMING_ON_PAGE: usize = 30;

/// How many of the newest articles the publication's page shows.
pub const LATEST_ON_PAGE: usize = 10;

/// Every event not over by the publication's reference date
/// ([`Event::is_upcoming`]), soonest first (then by id); an all-day event starts at
/// midnight in the channel's zone, before that day's timed events, as `calfeed
/// occurrences` lists them.
pub fn upcoming(publication: &Publication) -> Vec<&Event> {
    let at = publication.reference;
    let zone = publication.channel.zone;
    let mut events: Vec<(DateTime<Utc>, &Event)> = publication
        .events
        .iter()
        .filter(|event| event.is_upcoming(at))
        .map(|event| {
            let start = next_start(event, at);
            match event.schedule {
                // `start` is midnight UTC of the day: the same wall-clock time in the zone.
                Schedule::AllDay { .. } => (start - zone.offset_at(start), event),
                Schedule::Timed { .. } => (start, event),
            }
        })
        .collect();
    events.sort_by(|(a, x), (b, y)| (a, &x.id).cmp(&(b, &y.id)));
    events.into_iter().map(|(_, event)| event).collect()
}

/// When the event's next occurrence not over by `at` starts (for a one-off event, its
/// start); all-day events at midnight UTC.
fn next_start(event: &Event, at: DateTime<Utc>) -> DateTime<Utc> {
    let first = start_of(&event.schedule);
    if event.recurrence.is_none() {
        return first;
    }
    let length = end_of(&event.schedule) - first;
    event
        .upcoming(at - length, 4)
        .iter()
        .find(|o| end_of(&o.schedule) >= at)
        .map_or(first, |o| start_of(&o.schedule))
}

fn start_of(schedule: &Schedule) -> DateTime<Utc> {
    match *schedule {
        Schedule::Timed { start, .. } => start,
        Schedule::AllDay { start, .. } => start.and_time(NaiveTime::MIN).and_utc(),
    }
}

fn end_of(schedule: &Schedule) -> DateTime<Utc> {
    match *schedule {
        Schedule::Timed { start, end, .. } => end.unwrap_or(start),
        Schedule::AllDay { end, .. } => end.and_time(NaiveTime::MIN).and_utc(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::test_publication;

    #[test]
    fn upcoming_events_soonest_first_without_past_ones() {
        let p = test_publication(
            "s",
            r#"
[channel]
title = "T"
description = "D"
link = "https://example.org/"
language = "en"
timezone = "UTC"
updated = "2024-06-01T00:00:00Z"

[[events]]
id = "late"
title = "Late"
start = "2024-09-01T10:00"

[[events]]
id = "past"
title = "Past"
start = "2024-05-01T10:00"

[[events]]
id = "weekly"
title = "Weekly since January"
start = "2024-01-01T10:00"
duration = "1h"
repeat = { every = "week", count = 52 }

[[events]]
id = "soon"
title = "Soon"
start = "2024-06-05"
"#,
        );
        let ids: Vec<&str> = upcoming(&p).iter().map(|e| e.id.as_str()).collect();
        // The weekly event's next occurrence is 3 June, before `soon` on 5 June.
        assert_eq!(ids, ["weekly", "soon", "late"]);
    }
}
