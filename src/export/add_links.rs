//! What the add-to-calendar web links cannot carry of an event, said beside them on its
//! block ([`super::html`]): Outlook.com's compose link makes one single event, and Google
//! Calendar's template link carries a repeat rule and nothing else. The one-event .ics
//! carries everything.

use crate::model::{Event, Schedule, Status};

/// The first date of an event as the add-to-calendar links give it, in its own zone.
fn first_date(event: &Event) -> String {
    match event.schedule {
        Schedule::Timed { start, zone, .. } => zone.localize(start).format("%-d %B %Y").to_string(),
        Schedule::AllDay { start, .. } => start.format("%-d %B %Y").to_string(),
    }
}

/// What Google Calendar's link cannot carry of a repeating event, said for the visitor;
/// `None` when it carries everything. The link has the rule (`recur=RRULE:...`) and
/// nothing else: no exceptions, extra dates or changed occurrences.
pub fn google_loses(event: &Event) -> Option<String> {
    let recurrence = event.recurrence.as_ref()?;
    if recurrence.rule.is_none() {
        return Some(format!(
            "it adds only the first date, {}; the .ics file has every date",
            first_date(event)
        ));
    }
    let cancelled_overrides = event
        .overrides
        .iter()
        .filter(|o| o.status == Some(Status::Cancelled))
        .count();
    let mut lost = Vec::new();
    if !recurrence.except.is_empty() || cancelled_overrides > 0 {
        lost.push("cancelled dates stay in");
    }
    if event.overrides.len() > cancelled_overrides {
        lost.push("moved or changed dates come unchanged");
    }
    if !recurrence.extra.is_empty() {
        lost.push("extra dates are left out");
    }
    let said = match lost.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => return None,
    };
    Some(format!(
        "it repeats the rule only: {said}; the .ics file has every change"
    ))
}

/// What Outlook.com's link cannot carry: it makes one single event, so of a repeating
/// event it adds only the first date. `None` for a one-off event.
pub fn outlook_loses(event: &Event) -> Option<String> {
    event.recurrence.as_ref()?;
    Some(format!(
        "it adds only the first date, {}; the .ics file has every date",
        first_date(event)
    ))
}
