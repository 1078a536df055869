//! Budgets: what the subscribable outputs carry when a publication has outgrown what
//! clients accept. Feeds carry the newest articles; the calendar carries every upcoming
//! event and as many past ones, newest first, as fit its VEVENT and byte budget. Nothing
//! is dropped from a publication that fits, and an upcoming event never is. What a budget
//! leaves out is said in a [`Trimmed`] note; the events and articles themselves stay in
//! the archive (its pages and yearly calendars) and in their own pages and files.

use std::fmt;

use chrono::{DateTime, Utc};

use super::files;
use super::shared::Scope;
use crate::model::{Event, Publication};
use crate::recurrence;

/// What a budget left out of one output. (Serialized: the build cache keeps the notes.)
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Trimmed {
    /// The publication's file, as the user named it.
    pub source: String,
    /// The outputs concerned, relative to the output folder (the three feeds share one
    /// note).
    pub outputs: Vec<String>,
    pub what: Dropped,
    pub kept: usize,
    pub dropped: usize,
    /// Where what was left out is still published: the archive's index page.
    pub archive: String,
}

/// What was left out, and by which budget.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Dropped {
    /// The oldest articles, beyond `feed_items`.
    Articles { limit: usize },
    /// The oldest past events, beyond `calendar_events` VEVENTs or `calendar_bytes`.
    PastEvents { events: usize, bytes: usize },
    /// Nothing could be left out (every event is upcoming), and the calendar is over its
    /// budget: `vevents` VEVENTs in `bytes` bytes.
    OverBudget {
        events: usize,
        bytes: usize,
        vevents: usize,
        size: usize,
    },
}

impl fmt::Display for Trimmed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let outputs = self.outputs.join(", ");
        match &self.what {
            Dropped::Articles { limit } => write!(
                f,
                "{outputs}: the newest {} of {} articles (feed_items = {limit}); the {} older \
                 ones are in the archive, {}",
                self.kept,
                self.kept + self.dropped,
                self.dropped,
                self.archive
            ),
            Dropped::PastEvents { events, bytes } => write!(
                f,
                "{outputs}: left out the {} oldest past of {} events to stay within \
                 calendar_events = {events} and calendar_bytes = {bytes}; they are in the \
                 archive, {}, and its yearly calendars",
                self.dropped,
                self.kept + self.dropped,
                self.archive
            ),
            Dropped::OverBudget {
                events,
                bytes,
                vevents,
                size,
            } => write!(
                f,
                "{outputs}: {vevents} VEVENTs in {size} bytes, over calendar_events = {events} \
                 or calendar_bytes = {bytes} with {} past events left out, as upcoming events \
                 never are; Google Calendar drops events from subscriptions above about 1 MB",
                self.dropped
            ),
        }
    }
}

/// The positions of the newest articles in `scope` its feeds carry, and the note when that
/// is not all of them.
pub fn feed_articles(
    publication: &Publication,
    scope: &Scope,
    feeds: Vec<String>,
) -> (Vec<usize>, Option<Trimmed>) {
    let all = scope
        .articles
        .as_ref()
        .map_or(publication.articles.len(), Vec::len);
    let limit = scope.budget.feed_items;
    let kept = all.min(limit);
    let carried = match &scope.articles {
        None => (0..kept).collect(),
        Some(positions) => positions[..kept].to_vec(),
    };
    let note = (kept < all).then(|| Trimmed {
        source: publication.source.clone(),
        outputs: feeds,
        what: Dropped::Articles { limit },
        kept,
        dropped: all - kept,
        archive: files::archive(&publication.slug),
    });
    (carried, note)
}

/// One event as the calendar would carry it.
pub struct Candidate {
    /// Its VEVENTs' bytes, folded.
    pub bytes: usize,
    /// Its VEVENTs: the event and its overridden occurrences.
    pub vevents: usize,
}

/// Which of `events` (by position in that list, each measured as `candidates` says) the
/// calendar of `scope` carries: all when they fit; else every upcoming one and the newest
/// past ones that fit, in the data's order. `size_of` gives the whole calendar's size for a
/// selection (the head and VTIMEZONEs depend on which events are in).
pub fn select_events(
    publication: &Publication,
    scope: &Scope,
    events: &[&Event],
    candidates: &[Candidate],
    size_of: impl Fn(&[usize]) -> usize,
) -> (Vec<usize>, Option<Trimmed>) {
    let budget = scope.budget;
    let all: Vec<usize> = (0..candidates.len()).collect();
    let vevents =
        |selection: &[usize]| -> usize { selection.iter().map(|&i| candidates[i].vevents).sum() };
    let bytes =
        |selection: &[usize]| -> usize { selection.iter().map(|&i| candidates[i].bytes).sum() };
    let whole = size_of(&all);
    if vevents(&all) <= budget.calendar_events && whole <= budget.calendar_bytes {
        return (all, None);
    }
    let at = publication.reference;
    let (mut kept, mut past): (Vec<usize>, Vec<usize>) =
        all.iter().partition(|&&i| events[i].is_upcoming(at));
    // Newest past events first, each while the VEVENTs fit. The head and the VTIMEZONEs of
    // every event bound what the selection's own take.
    past.sort_by_key(|&i| std::cmp::Reverse(last_start(events[i])));
    let fixed = whole - bytes(&all);
    let (mut count, mut size) = (vevents(&kept), fixed + bytes(&kept));
    let mut added = Vec::new();
    for i in past {
        let candidate = &candidates[i];
        if count + candidate.vevents > budget.calendar_events
            || size + candidate.bytes > budget.calendar_bytes
        {
            break;
        }
        count += candidate.vevents;
        size += candidate.bytes;
        added.push(i);
    }
    kept.extend(&added);
    kept.sort_unstable();
    // The bound is nearly exact; should the selection's own VTIMEZONEs still not fit, the
    // oldest of the added events go.
    while size_of(&kept) > budget.calendar_bytes {
        let Some(oldest) = added.pop() else { break };
        kept.retain(|&i| i != oldest);
    }
    let size = size_of(&kept);
    let what = if vevents(&kept) <= budget.calendar_events && size <= budget.calendar_bytes {
        Dropped::PastEvents {
            events: budget.calendar_events,
            bytes: budget.calendar_bytes,
        }
    } else {
        Dropped::OverBudget {
            events: budget.calendar_events,
            bytes: budget.calendar_bytes,
            vevents: vevents(&kept),
            size,
        }
    };
    let note = Trimmed {
        source: publication.source.clone(),
        outputs: vec![scope.calendar.clone()],
        what,
        kept: kept.len(),
        dropped: all.len() - kept.len(),
        archive: files::archive(&publication.slug),
    };
    (kept, Some(note))
}

/// When the event last starts: its own start, or its last occurrence's (past events only
/// are asked, and their rules end).
fn last_start(event: &Event) -> DateTime<Utc> {
    let start = recurrence::first_instance(&event.schedule).instant();
    let by_rule = event
        .recurrence
        .as_ref()
        .and_then(|r| recurrence::last_instance(&event.schedule, r))
        .map(|last| last.instant());
    let moved = event
        .overrides
        .iter()
        .map(|o| recurrence::first_instance(&o.schedule).instant());
    std::iter::once(start)
        .chain(by_rule)
        .chain(moved)
        .max()
        .unwrap_or(start)
}
