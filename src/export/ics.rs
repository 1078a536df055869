//! iCalendar output (RFC 5545 + RFC 7986): the subscribable calendar of a publication and
//! the one-event files behind "add to calendar" links.
//!
//! Components are built with the `icalendar` crate; [`super::ical_text`] covers what it gets
//! wrong, and `finish` splices in the VTIMEZONEs (which the crate would give a random UID
//! and a wall-clock DTSTAMP) and refolds the result.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use icalendar::{Alarm, Calendar, Component, Event as IcalEvent, EventLike, Property};

use std::io::{self, Write};

use super::content::description_with;
use super::ical_text::{
    escape_text, fold_into, for_each_unfolded, normalize_newlines, param_value, unfold,
};
use super::jobs::run_jobs;
use super::pages::key::Keyed;
use super::pages::period::{Archive, year_name};
use super::stamp::{self, Form};
use super::{Shared, Sink, budget, files};
use crate::model::{Event, Instance, Override, Publication, Schedule};
use crate::recurrence;
use crate::spill::{Store, Text};
use crate::when::{Zone, iso_duration};

/// `public/<slug>.ics`: every event, with the calendar's name, description and refresh
/// interval, for subscribing. These are its properties.
fn calendar_properties(shared: &Shared) -> Calendar {
    let publication = shared.publication;
    let channel = &publication.channel;
    let scope = &shared.scope;
    let mut calendar = base_calendar();
    let name = escape_text(&scope.title);
    calendar.append_property(Property::new("NAME", name));
    calendar.append_property(Property::new(
        "X-WR-CALNAME",
        normalize_newlines(&scope.title),
    ));
    calendar.append_property(Property::new(
        "DESCRIPTION",
        normalize_newlines(&scope.description),
    ));
    calendar.append_property(Property::new(
        "X-WR-CALDESC",
        normalize_newlines(&scope.description),
    ));
    if let Some(refresh) = channel.refresh {
        let refresh = iso_duration(refresh);
        let mut interval = Property::new("REFRESH-INTERVAL", refresh.clone());
        interval.add_parameter("VALUE", "DURATION");
        calendar.append_property(interval);
        calendar.append_property(Property::new("X-PUBLISHED-TTL", refresh));
    }
    let mut source = Property::new("SOURCE", publication.url_of(&scope.calendar));
    source.add_parameter("VALUE", "URI");
    calendar.append_property(source);
    calendar.append_property(Property::new("URL", channel.link.as_str()));
    calendar.append_property(Property::new("LAST-MODIFIED", utc_stamp(channel.updated)));
    calendar
}

/// `public/<slug>.ics` as a string; see [`write_calendar_and_events`].
pub fn calendar(shared: &Shared) -> String {
    let mut out = Vec::new();
    write_calendar_only(shared, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("the calendar is UTF-8")
}

/// Writes the scope's calendar (`public/<slug>.ics`, or a category's) alone, without the
/// one-event files: one file asked for (`serve`, the publish guard), so its events are
/// rendered on every core.
pub fn write_calendar_only(shared: &Shared, out: &mut dyn Write) -> io::Result<()> {
    let measured = measure(shared, None, super::default_threads(), |_, _| Ok(()))?;
    write_calendar(shared, out, &measured)
}

/// Writes the scope's calendar alone into `sink` (a category's: see `Shared::for_category`).
pub fn write_calendar_only_into(shared: &Shared, sink: &dyn Sink) -> io::Result<()> {
    let measured = measure(shared, None, 1, |_, _| Ok(()))?;
    sink.file(&shared.scope.calendar, &mut |out| {
        write_calendar(shared, out, &measured)
    })
}

/// Writes every event's own file, then `public/<slug>.ics` with the events its budget lets
/// in (what it leaves out becomes a [`super::Trimmed`] note), then the archive's yearly
/// calendars (`public/<slug>/archive/<year>.ics`). Each event's VEVENTs are rendered once
/// for all three: kept in memory while they are few, and in the build's temporary file
/// (`spill`) beyond that, to be read back rather than rendered again.
///
/// The events' files and the yearly calendars are written on up to `threads` threads: at
/// N = 100 000 this job alone would otherwise outlast every other one of the build by far.
pub fn write_calendar_and_events(
    shared: &Shared,
    sink: &dyn Sink,
    archive: &Archive,
    keyed: &Keyed,
    threads: usize,
) -> io::Result<()> {
    let publication = shared.publication;
    let single_head = head(base_calendar());
    let store = Store::new();
    let measured = measure(shared, store.as_ref(), threads, |event, vevents| {
        let path = files::event_calendar(&publication.slug, &event.id);
        // (The VEVENTs are rendered either way, for the calendar.)
        if keyed.event_file(&path, event)? {
            return Ok(());
        }
        sink.file(&path, &mut |out| {
            write_single(shared, out, &single_head, event, vevents)
        })
    })?;
    sink.file(&shared.scope.calendar, &mut |out| {
        write_calendar(shared, out, &measured)
    })?;
    // `public/<slug>/archive/<year>.ics`, a year of the archive and its VTIMEZONEs, for
    // importing the past: an import file like the one-event files, without NAME,
    // X-WR-CALNAME, DESCRIPTION or REFRESH-INTERVAL (with them, Outlook makes a new calendar
    // of the file) and without SOURCE (it is not a subscription). The VEVENTs are the
    // subscribed calendar's, UIDs included.
    let years = archive.years_with_events();
    run_jobs(years.len(), threads, |y| {
        let year = years[y];
        let positions = archive.event_positions_of_year(year);
        let events: Vec<&Event> = positions.iter().map(|&i| &publication.events[i]).collect();
        let path = files::archive_calendar(&publication.slug, &year_name(year));
        sink.file(&path, &mut |out| {
            out.write_all(head(base_calendar()).as_bytes())?;
            out.write_all(timezones(shared, &events).as_bytes())?;
            for &i in &positions {
                out.write_all(&measured.vevents(shared, i))?;
            }
            out.write_all(END.as_bytes())
        })
    })
}

/// Writes one event's own file (`public/<slug>/<event-id>.ics`) alone: the same bytes as
/// [`write_calendar_and_events`] writes for it.
pub fn write_event(shared: &Shared, event: &Event, out: &mut dyn Write) -> io::Result<()> {
    let vevents = vevents_text(shared.publication, event);
    write_single(shared, out, &head(base_calendar()), event, &vevents)
}

/// Writes the archive's calendar of `year` (`public/<slug>/archive/<year>.ics`) alone: the
/// same bytes as [`write_calendar_and_events`] writes for it. Rendering its events again
/// (rather than keeping the subscribed calendar's) is what one file asked for on its own
/// (`serve`) costs.
pub fn write_year_calendar(
    shared: &Shared,
    archive: &Archive,
    year: i32,
    out: &mut dyn Write,
) -> io::Result<()> {
    let publication = shared.publication;
    let positions = archive.event_positions_of_year(year);
    let events: Vec<&Event> = positions.iter().map(|&i| &publication.events[i]).collect();
    out.write_all(head(base_calendar()).as_bytes())?;
    out.write_all(timezones(shared, &events).as_bytes())?;
    for event in events {
        out.write_all(vevents_text(publication, event).as_bytes())?;
    }
    out.write_all(END.as_bytes())
}

/// Every event's VEVENTs, measured for the budget, and kept: in memory while they are few,
/// in `store` (when there is one) beyond that.
struct Measured<'a> {
    /// The events in scope ([`Shared::events`]).
    events: Vec<&'a Event>,
    candidates: Vec<budget::Candidate>,
    texts: Vec<Kept>,
}

/// One event's rendered VEVENTs, as [`measure`] kept them.
enum Kept {
    InMemory(String),
    Stored(Text),
    /// Not kept: rendered again when needed.
    Dropped,
}

impl Measured<'_> {
    /// The VEVENTs of the `i`th event in scope, as kept or rendered again: bytes to write,
    /// read back from the store without checking their UTF-8 again (the calendars and the
    /// archive's yearly calendars read every event's).
    fn vevents<'m>(&'m self, shared: &Shared, i: usize) -> Cow<'m, [u8]> {
        match &self.texts[i] {
            Kept::InMemory(text) => Cow::Borrowed(text.as_bytes()),
            Kept::Stored(text) => text.bytes(),
            Kept::Dropped => {
                Cow::Owned(vevents_text(shared.publication, self.events[i]).into_bytes())
            }
        }
    }
}

/// How much of the rendered VEVENTs is kept in memory rather than stored or rendered again:
/// twice the largest calendar a default budget allows.
const KEEP_RENDERED: usize = 2_000_000;

/// Events rendered in a row by one thread of [`measure`].
const MEASURED_TOGETHER: usize = 256;

/// Renders each event in scope's VEVENTs once, handing them to `each`, and keeps them (see
/// [`Measured`]), on up to `threads` threads. Which texts stay in memory depends on the
/// order the threads finish in; the bytes written never do.
fn measure<'a>(
    shared: &Shared<'a>,
    store: Option<&Arc<Store>>,
    threads: usize,
    each: impl Fn(&Event, &str) -> io::Result<()> + Sync,
) -> io::Result<Measured<'a>> {
    let events = shared.events();
    let kept = AtomicUsize::new(0);
    let one = |event: &Event| -> io::Result<(budget::Candidate, Kept)> {
        let vevents = vevents_text(shared.publication, event);
        each(event, &vevents)?;
        let candidate = budget::Candidate {
            bytes: vevents.len(),
            vevents: vevents.matches("BEGIN:VEVENT\r\n").count(),
        };
        let in_memory = kept.fetch_add(vevents.len(), Ordering::Relaxed) + vevents.len();
        let text = match store {
            _ if in_memory <= KEEP_RENDERED => Kept::InMemory(vevents),
            Some(store) => Kept::Stored(store.put(vevents)),
            None => Kept::Dropped,
        };
        Ok((candidate, text))
    };
    let parts: Vec<&[&Event]> = events.chunks(MEASURED_TOGETHER).collect();
    let done: Vec<OnceLock<Vec<(budget::Candidate, Kept)>>> =
        parts.iter().map(|_| OnceLock::new()).collect();
    run_jobs(parts.len(), threads, |p| {
        let measured: io::Result<Vec<_>> = parts[p].iter().map(|&event| one(event)).collect();
        let _ = done[p].set(measured?);
        Ok(())
    })?;
    let (candidates, texts) = done
        .into_iter()
        .flat_map(|part| part.into_inner().expect("every part is measured once"))
        .unzip();
    Ok(Measured {
        events,
        candidates,
        texts,
    })
}

/// The calendar of the events its budget lets in, noting in `shared` what it left out.
fn write_calendar(shared: &Shared, out: &mut dyn Write, measured: &Measured) -> io::Result<()> {
    let publication = shared.publication;
    let head = head(calendar_properties(shared));
    let scoped = &measured.events;
    let events_of =
        |selection: &[usize]| -> Vec<&Event> { selection.iter().map(|&i| scoped[i]).collect() };
    let size_of = |selection: &[usize]| {
        head.len()
            + timezones(shared, &events_of(selection)).len()
            + selection
                .iter()
                .map(|&i| measured.candidates[i].bytes)
                .sum::<usize>()
            + END.len()
    };
    let (selection, note) = budget::select_events(
        publication,
        &shared.scope,
        scoped,
        &measured.candidates,
        size_of,
    );
    if let Some(note) = note {
        shared.note(note);
    }
    out.write_all(head.as_bytes())?;
    out.write_all(timezones(shared, &events_of(&selection)).as_bytes())?;
    for i in selection {
        out.write_all(&measured.vevents(shared, i))?;
    }
    out.write_all(END.as_bytes())
}

/// `public/<slug>/<event-id>.ics`: one event and its VTIMEZONE, without NAME,
/// X-WR-CALNAME or REFRESH-INTERVAL: with those, Outlook makes a new calendar of the file
/// instead of adding the event to one the user has.
pub fn single_event(shared: &Shared, event: &Event) -> String {
    let mut out = Vec::new();
    let vevents = vevents_text(shared.publication, event);
    write_single(shared, &mut out, &head(base_calendar()), event, &vevents)
        .expect("writing to memory cannot fail");
    String::from_utf8(out).expect("the calendar is UTF-8")
}

fn write_single(
    shared: &Shared,
    out: &mut dyn Write,
    head: &str,
    event: &Event,
    vevents: &str,
) -> io::Result<()> {
    out.write_all(head.as_bytes())?;
    out.write_all(timezones(shared, &[event]).as_bytes())?;
    out.write_all(vevents.as_bytes())?;
    out.write_all(END.as_bytes())
}

fn base_calendar() -> Calendar {
    let mut calendar = Calendar::empty();
    calendar.append_property(Property::new("VERSION", "2.0"));
    calendar.append_property(Property::new(
        "PRODID",
        concat!("-//calfeed//calfeed ", env!("CARGO_PKG_VERSION"), "//EN"),
    ));
    calendar.append_property(Property::new("CALSCALE", "GREGORIAN"));
    calendar
}

const END: &str = "END:VCALENDAR\r\n";

/// The calendar's opening lines and properties, folded: everything before its components.
fn head(calendar: Calendar) -> String {
    let rendered = calendar.to_string();
    let mut lines = unfold(&rendered);
    if lines.last().is_some_and(|l| l == "END:VCALENDAR") {
        lines.pop();
    }
    folded(&lines)
}

/// One VTIMEZONE per zone the events use as TZID, folded: they come before the first event.
fn timezones(shared: &Shared, events: &[&Event]) -> String {
    let mut out = String::new();
    for (tz, (from, to)) in zone_years(events) {
        out.push_str(&shared.vtimezone(tz, from, to));
    }
    out
}

/// The event's VEVENTs (see [`vevents`]) rendered by the crate, without what it invents,
/// and folded to 75 octets.
fn vevents_text(publication: &Publication, event: &Event) -> String {
    let mut calendar = Calendar::empty();
    for vevent in vevents(publication, event) {
        calendar.push(vevent);
    }
    let rendered = calendar.to_string();
    let mut out = String::with_capacity(rendered.len() + rendered.len() / 64);
    let mut stamps = AlarmStamps::default();
    for_each_unfolded(&rendered, |line| {
        if !stamps.invented(line) && line != "BEGIN:VCALENDAR" && line != "END:VCALENDAR" {
            fold_into(&mut out, line);
        }
    });
    out
}

fn folded(lines: &[String]) -> String {
    let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 4).sum());
    for line in lines {
        fold_into(&mut out, line);
    }
    out
}

/// The crate writes a DTSTAMP of the wall clock into every component that lacks one,
/// VALARM included, where RFC 5545 has no DTSTAMP at all. It would make every build differ.
/// Shown the logical lines in order, this tells those DTSTAMPs, to be dropped.
#[derive(Default)]
struct AlarmStamps {
    in_alarm: bool,
}

impl AlarmStamps {
    /// Whether `line`, the next content line, is a DTSTAMP the crate invented in a VALARM.
    fn invented(&mut self, line: &str) -> bool {
        match line {
            "BEGIN:VALARM" => self.in_alarm = true,
            "END:VALARM" => self.in_alarm = false,
            _ => {}
        }
        self.in_alarm && line.starts_with("DTSTAMP")
    }
}

/// Every zone used as a TZID, with the first and last year its events reach.
fn zone_years(events: &[&Event]) -> Vec<(Tz, (i32, i32))> {
    // Keyed by name: `Tz` has no order, and the VTIMEZONEs must come in a stable one.
    let mut years: BTreeMap<&'static str, (Tz, (i32, i32))> = BTreeMap::new();
    for event in events {
        if let Schedule::Timed { zone, .. } = event.schedule
            && let Some(tz) = tzid(&zone)
        {
            // Years in UTC; a year either side covers the zone's local New Year.
            let (from, to) =
                recurrence::year_span(&event.schedule, event.recurrence.as_ref(), &event.overrides);
            let (_, range) = years.entry(tz.name()).or_insert((tz, (from, to)));
            range.0 = range.0.min(from);
            range.1 = range.1.max(to);
        }
    }
    years.into_values().collect()
}

/// The TZID an event's times are written with; `None` means they are written in UTC.
fn tzid(zone: &Zone) -> Option<Tz> {
    match zone {
        Zone::Iana(tz) if *tz != Tz::UTC => Some(*tz),
        _ => None,
    }
}

fn utc_stamp(instant: DateTime<Utc>) -> String {
    stamp::utc(instant, Form::Basic)
}

fn date_value(date: NaiveDate) -> String {
    stamp::date(date, Form::Basic)
}

fn time_property(name: &str, instant: DateTime<Utc>, zone: &Zone) -> Property {
    match tzid(zone) {
        // RFC 5545 §3.3.5 reads a local time that happens twice as its first occurrence;
        // the second one (given with an explicit offset) can only be written in UTC.
        Some(tz) if !names_uniquely(tz, instant) => Property::new(name, utc_stamp(instant)),
        Some(tz) => {
            let local = stamp::date_time(instant.with_timezone(&tz).naive_local(), Form::Basic);
            let mut property = Property::new(name, local);
            property.add_parameter("TZID", tz.name());
            property
        }
        None => Property::new(name, utc_stamp(instant)),
    }
}

/// Whether the wall-clock time of `instant` in `tz`, read back per RFC 5545, is `instant`.
fn names_uniquely(tz: Tz, instant: DateTime<Utc>) -> bool {
    use chrono::TimeZone;
    let local = instant.with_timezone(&tz).naive_local();
    tz.from_local_datetime(&local)
        .earliest()
        .is_some_and(|first| first.with_timezone(&Utc) == instant)
}

fn date_property(name: &str, date: NaiveDate) -> Property {
    let mut property = Property::new(name, date_value(date));
    property.add_parameter("VALUE", "DATE");
    property
}

/// The VEVENT of an event and, for a repeating event, one more VEVENT per overridden
/// occurrence (same UID, with RECURRENCE-ID).
fn vevents(publication: &Publication, event: &Event) -> Vec<IcalEvent> {
    let mut master = vevent(publication, event, None);
    if let Some(recurrence) = &event.recurrence {
        if let Some(rule) = &recurrence.rule {
            master.add_property("RRULE", rule.as_str());
        }
        for except in &recurrence.except {
            master.append_multi_property(instance_property("EXDATE", *except, &event.schedule));
        }
        for extra in &recurrence.extra {
            master.append_multi_property(instance_property("RDATE", *extra, &event.schedule));
        }
    }
    let mut all = vec![master];
    for o in &event.overrides {
        all.push(vevent(publication, event, Some(o)));
    }
    all
}

/// An occurrence's start as EXDATE, RDATE or RECURRENCE-ID, in the form of its DTSTART.
fn instance_property(name: &str, instance: Instance, schedule: &Schedule) -> Property {
    match (instance, schedule) {
        (Instance::Timed(at), Schedule::Timed { zone, .. }) => time_property(name, at, zone),
        (Instance::Timed(at), Schedule::AllDay { .. }) => date_property(name, at.date_naive()),
        (Instance::Day(day), _) => date_property(name, day),
    }
}

/// A VEVENT for the event, or for one overridden occurrence of it.
fn vevent(publication: &Publication, event: &Event, occurrence: Option<&Override>) -> IcalEvent {
    let host = publication.host();
    let title = occurrence
        .and_then(|o| o.title.as_deref())
        .unwrap_or(&event.title);
    let description = occurrence
        .and_then(|o| o.description.as_ref())
        .or(event.description.as_ref())
        .map(|d| d.get());
    let location = occurrence
        .and_then(|o| o.location.as_deref())
        .or(event.location.as_deref());
    let status = occurrence.and_then(|o| o.status).unwrap_or(event.status);
    let schedule = occurrence.map_or(event.schedule, |o| o.schedule);
    let mut vevent = IcalEvent::new();
    vevent.add_property("UID", format!("{}@{host}", event.id));
    vevent.add_property("DTSTAMP", utc_stamp(event.updated));
    vevent.add_property("LAST-MODIFIED", utc_stamp(event.updated));
    if let Some(o) = occurrence {
        vevent.append_property(instance_property(
            "RECURRENCE-ID",
            o.occurrence,
            &event.schedule,
        ));
    }
    match schedule {
        Schedule::Timed { start, end, zone } => {
            vevent.append_property(time_property("DTSTART", start, &zone));
            if let Some(end) = end {
                vevent.append_property(time_property("DTEND", end, &zone));
            }
        }
        Schedule::AllDay { start, end } => {
            vevent.append_property(date_property("DTSTART", start));
            vevent.append_property(date_property("DTEND", end));
        }
    }
    vevent.add_property("SUMMARY", normalize_newlines(title));
    vevent.add_property(
        "DESCRIPTION",
        description_with(event, description.as_deref()),
    );
    if let Some(location) = location {
        vevent.add_property("LOCATION", normalize_newlines(location));
    }
    vevent.add_property("URL", event.page.as_str());
    if let Some(livestream) = &event.livestream {
        let mut conference = Property::new("CONFERENCE", livestream.as_str());
        conference.add_parameter("VALUE", "URI");
        conference.add_parameter("FEATURE", "VIDEO");
        conference.add_parameter("LABEL", &param_value("Livestream"));
        vevent.append_property(conference);
    }
    if !event.categories.is_empty() {
        let categories: Vec<String> = event.categories.iter().map(|c| escape_text(c)).collect();
        vevent.add_property("CATEGORIES", categories.join(","));
    }
    vevent.add_property("STATUS", status.as_ical());
    vevent.add_property("SEQUENCE", event.sequence.to_string());
    vevent.add_property("CLASS", "PUBLIC");
    if let Some(image) = &event.image {
        let mut property = Property::new("IMAGE", image.as_str());
        property.add_parameter("VALUE", "URI");
        property.add_parameter("DISPLAY", "BADGE");
        vevent.append_property(property);
    }
    // Alarms belong to each VEVENT: an overridden occurrence does not inherit them.
    let suffix = occurrence.map_or(String::new(), |o| {
        format!("-{}", utc_stamp(o.occurrence.instant()))
    });
    for reminder in &event.reminders {
        let before = iso_duration(*reminder);
        let mut alarm = Alarm::display(&normalize_newlines(title), -*reminder);
        // RFC 9074 gives alarms a UID; a fixed one keeps the crate from inventing one.
        alarm.add_property(
            "UID",
            format!("{}{suffix}-reminder-{before}@{host}", event.id),
        );
        alarm.add_property("TRIGGER", format!("-{before}"));
        vevent.alarm(alarm);
    }
    vevent
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar_of(publication: &Publication) -> String {
        calendar(&Shared::new(publication))
    }
    use crate::load::test_publication;
    use icalendar::parser::{read_calendar, unfold as crate_unfold};

    fn publication(events: &str) -> Publication {
        let text = format!(
            r#"
[channel]
title = "Name, with; specials\\ and more"
description = "About"
link = "https://example.org/site"
language = "en"
timezone = "Europe/Berlin"
updated = "2024-01-02T03:04:05Z"
{events}
"#
        );
        test_publication("test", &text)
    }

    fn lines(ics: &str) -> Vec<String> {
        unfold(ics)
    }

    const LAUNCH: &str = r#"
[[events]]
id = "launch"
title = "Launch; big, day"
start = "2024-07-04T19:00"
duration = "2h"
livestream = "https://example.org/live?a=1,b=2"
categories = ["One, two", "Three;four"]
reminders = ["1h", "10m"]
"#;

    #[test]
    fn output_is_reproducible_and_crlf_terminated() {
        let p = publication(LAUNCH);
        let first = calendar_of(&p);
        assert_eq!(first, calendar_of(&p));
        assert!(first.ends_with("END:VCALENDAR\r\n"));
        assert!(!first.replace("\r\n", "").contains('\n'));
        assert!(!first.replace("\r\n", "").contains('\r'));
    }

    #[test]
    fn nested_components_get_no_invented_uid_or_stamp() {
        let ics = calendar_of(&publication(LAUNCH));
        let lines = lines(&ics);
        let stamps: Vec<_> = lines.iter().filter(|l| l.starts_with("DTSTAMP")).collect();
        assert_eq!(stamps, ["DTSTAMP:20240102T030405Z"]);
        let uids: Vec<_> = lines.iter().filter(|l| l.starts_with("UID:")).collect();
        assert_eq!(
            uids,
            [
                "UID:launch@example.org",
                "UID:launch-reminder-PT1H@example.org",
                "UID:launch-reminder-PT10M@example.org"
            ]
        );
    }

    #[test]
    fn text_the_crate_leaves_alone_is_escaped() {
        let ics = calendar_of(&publication(LAUNCH));
        let lines = lines(&ics);
        assert!(lines.contains(&"NAME:Name\\, with\\; specials\\\\ and more".to_string()));
        assert!(lines.contains(&"X-WR-CALNAME:Name\\, with\\; specials\\\\ and more".to_string()));
        assert!(lines.contains(&"CATEGORIES:One\\, two,Three\\;four".to_string()));
        assert!(lines.contains(&"SUMMARY:Launch\\; big\\, day".to_string()));
    }

    #[test]
    fn timed_events_carry_their_zone_and_alarms() {
        let lines = lines(&calendar_of(&publication(LAUNCH)));
        assert!(lines.contains(&"DTSTART;TZID=Europe/Berlin:20240704T190000".to_string()));
        assert!(lines.contains(&"DTEND;TZID=Europe/Berlin:20240704T210000".to_string()));
        assert!(lines.contains(&"TRIGGER:-PT1H".to_string()));
        assert!(lines.contains(&"TRIGGER:-PT10M".to_string()));
        assert!(lines.contains(&"BEGIN:VTIMEZONE".to_string()));
        assert!(lines.contains(&"TZID:Europe/Berlin".to_string()));
        assert!(lines.contains(
            &"CONFERENCE;FEATURE=VIDEO;LABEL=Livestream;VALUE=URI:https://example.org/live?a=1,b=2"
                .to_string()
        ));
        let vtimezone = lines.iter().position(|l| l == "BEGIN:VTIMEZONE").unwrap();
        let vevent = lines.iter().position(|l| l == "BEGIN:VEVENT").unwrap();
        assert!(vtimezone < vevent);
    }

    #[test]
    fn all_day_events_end_the_day_after_their_last_day() {
        let p = publication(
            r#"
[[events]]
id = "fair"
title = "Fair"
start = "2024-03-10"
end = "2024-03-11"

[[events]]
id = "day"
title = "Day"
start = "2024-12-31"
"#,
        );
        let lines = lines(&calendar_of(&p));
        assert!(lines.contains(&"DTSTART;VALUE=DATE:20240310".to_string()));
        assert!(lines.contains(&"DTEND;VALUE=DATE:20240312".to_string()));
        assert!(lines.contains(&"DTSTART;VALUE=DATE:20241231".to_string()));
        assert!(lines.contains(&"DTEND;VALUE=DATE:20250101".to_string()));
        assert!(!lines.iter().any(|l| l.starts_with("BEGIN:VTIMEZONE")));
    }

    #[test]
    fn feed_calendar_has_subscription_properties_and_single_event_has_none() {
        let text = LAUNCH.to_string();
        let mut p = publication(&text);
        p.channel.refresh = Some(chrono::Duration::hours(12));
        let feed = lines(&calendar_of(&p));
        for expected in [
            "REFRESH-INTERVAL;VALUE=DURATION:PT12H",
            "X-PUBLISHED-TTL:PT12H",
            "SOURCE;VALUE=URI:https://example.org/site/test.ics",
            "URL:https://example.org/site/",
            "PRODID:-//calfeed//calfeed 0.1.0//EN",
        ] {
            assert!(feed.contains(&expected.to_string()), "{expected}");
        }
        let single = lines(&single_event(&Shared::new(&p), &p.events[0]));
        for absent in [
            "NAME",
            "X-WR-CALNAME",
            "REFRESH-INTERVAL",
            "X-PUBLISHED-TTL",
            "METHOD",
        ] {
            assert!(
                !single.iter().any(|l| l.starts_with(absent)),
                "{absent} in single-event file"
            );
        }
        assert!(single.contains(&"UID:launch@example.org".to_string()));
        assert!(single.contains(&"TZID:Europe/Berlin".to_string()));
    }

    #[test]
    fn the_crates_own_parser_reads_back_every_text_exactly() {
        let p = publication(
            r#"
[[events]]
id = "tricky"
title = "A\\B; C, D: \"E\" F"
start = "2024-05-01T08:00:00Z"
description = "line one\r\nline two; three, four \\ five"
location = "Room 1; floor 2, \"north\""
"#,
        );
        let ics = calendar_of(&p);
        let unfolded = crate_unfold(&ics);
        let parsed = read_calendar(&unfolded).expect("icalendar parses its own format");
        let event = parsed
            .components
            .iter()
            .find(|c| c.name == "VEVENT")
            .unwrap();
        // The parser unescapes TEXT values itself.
        let value = |name: &str| {
            event
                .properties
                .iter()
                .find(|p| p.name == name)
                .unwrap()
                .val
                .to_string()
        };
        assert_eq!(value("SUMMARY"), "A\\B; C, D: \"E\" F");
        assert_eq!(value("LOCATION"), "Room 1; floor 2, \"north\"");
        assert!(value("DESCRIPTION").starts_with("line one\nline two; three, four \\ five\n\n"));
        // An instant is shown in the event's zone: 08:00Z is 10:00 in Berlin in May.
        assert_eq!(value("DTSTART"), "20240501T100000");
    }
}
