//! One renderer per output format, behind one narrow interface: a validated
//! [`Publication`] in, the files it publishes out (paths relative to the output directory).

pub mod atom;
pub mod html;
pub mod ical_text;
pub mod ics;
pub mod json;
pub mod markdown;
pub mod rss;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::model::{Event, Publication, Schedule};

/// One file of the published output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// Relative to the output directory, e.g. `xiaomi-12s.ics`.
    pub path: PathBuf,
    pub contents: Vec<u8>,
}

/// Every file of a build: each publication's files, then the index page listing them all.
pub fn render_all(publications: &[Publication]) -> Vec<Output> {
    let mut outputs = Vec::new();
    for_each_output(publications, |output| {
        outputs.push(output);
        Ok::<(), std::convert::Infallible>(())
    })
    .unwrap_or_else(|never| match never {});
    outputs
}

/// Renders every file of a build and hands each to `sink` as soon as it is ready, so that
/// a caller writing them out never holds more than one (plus what they share).
pub fn for_each_output<E>(
    publications: &[Publication],
    mut sink: impl FnMut(Output) -> Result<(), E>,
) -> Result<(), E> {
    for publication in publications {
        render_each(publication, &mut sink)?;
    }
    sink(Output {
        path: PathBuf::from("index.html"),
        contents: html::index_page(publications).into_bytes(),
    })
}

/// What several outputs of one publication need, computed once: each article's HTML body
/// (shared by RSS, Atom and JSON Feed) and each VTIMEZONE (shared by the calendar and the
/// one-event files).
pub struct Shared<'a> {
    pub publication: &'a Publication,
    article_html: Vec<String>,
    timezones: Mutex<ZoneCache>,
}

/// VTIMEZONE lines by zone name and year range.
type ZoneCache = HashMap<(&'static str, i32, i32), Arc<[String]>>;

impl<'a> Shared<'a> {
    pub fn new(publication: &'a Publication) -> Self {
        Shared {
            publication,
            article_html: publication
                .articles
                .iter()
                .map(|article| rss::content_html(publication, article, None))
                .collect(),
            timezones: Mutex::new(HashMap::new()),
        }
    }

    /// The feed HTML of the `index`th article (in the publication's order).
    pub fn article_html(&self, index: usize) -> &str {
        &self.article_html[index]
    }

    /// The VTIMEZONE lines of `tz` for `from..=to`, generated once.
    pub fn vtimezone(&self, tz: Tz, from: i32, to: i32) -> Arc<[String]> {
        // A poisoned lock only means another renderer panicked; the map is still valid.
        let mut cache = self.timezones.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry((tz.name(), from, to))
            .or_insert_with(|| crate::vtimezone::vtimezone_lines(tz, from, to).into())
            .clone()
    }
}

/// Every file a publication publishes.
pub fn render(publication: &Publication) -> Vec<Output> {
    let mut outputs = Vec::new();
    render_each(publication, &mut |output| {
        outputs.push(output);
        Ok::<(), std::convert::Infallible>(())
    })
    .unwrap_or_else(|never| match never {});
    outputs
}

fn render_each<E>(
    publication: &Publication,
    sink: &mut impl FnMut(Output) -> Result<(), E>,
) -> Result<(), E> {
    let shared = Shared::new(publication);
    let shared = &shared;
    let slug = &publication.slug;
    let file = |name: String, contents: String| Output {
        path: PathBuf::from(name),
        contents: contents.into_bytes(),
    };
    sink(file(format!("{slug}.ics"), ics::calendar(shared)))?;
    sink(file(format!("{slug}.xml"), rss::feed(shared)))?;
    sink(file(format!("{slug}.atom"), atom::feed(shared)))?;
    sink(file(format!("{slug}.json"), json::feed(shared)))?;
    sink(file(
        format!("{slug}/index.html"),
        html::publication_page(publication),
    ))?;
    for event in &publication.events {
        sink(file(
            single_event_file(publication, event),
            ics::single_event(shared, event),
        ))?;
    }
    Ok(())
}

/// Where an event's own .ics is published, relative to the output directory.
pub fn single_event_file(publication: &Publication, event: &Event) -> String {
    format!("{}/{}.ics", publication.slug, event.id)
}

/// A repeating event's rule in words and its next occurrences (after the publication's
/// `updated`, with moved and cancelled ones as they now are), for pages and feeds.
pub fn repeat_summary(publication: &Publication, event: &Event) -> Option<(String, Vec<String>)> {
    let recurrence = event.recurrence.as_ref()?;
    let rule = match &recurrence.rule {
        Some(rule) => crate::recurrence::describe(rule),
        None => "on several dates".to_string(),
    };
    let next = event
        .upcoming(publication.channel.updated, publication.channel.upcoming)
        .into_iter()
        .map(|o| {
            let mut text = human_schedule(&o.schedule);
            if o.status == crate::model::Status::Cancelled {
                text.push_str(" (cancelled)");
            } else if o.title != event.title {
                text.push_str(&format!(": {}", o.title));
            }
            text
        })
        .collect();
    Some((format!("Repeats {rule}"), next))
}

/// Escapes text for HTML element content (`&`, `<`, `>`): plain text that readers will
/// take as HTML, such as an RSS description.
pub fn escape_html_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An event's time as a person reads it, in the event's own zone, with UTC beside it:
/// `Monday 4 July 2022, 19:00–21:00 CST (UTC+08:00) = 11:00–13:00 UTC`.
pub fn human_time(event: &Event) -> String {
    human_schedule(&event.schedule)
}

/// A schedule as a person reads it; see [`human_time`].
pub fn human_schedule(schedule: &Schedule) -> String {
    match *schedule {
        Schedule::AllDay { start, end } => {
            let last = end.pred_opt().unwrap_or(start);
            if last == start {
                format!("{} (all day)", start.format("%A %-d %B %Y"))
            } else {
                format!(
                    "{} to {} (all day)",
                    start.format("%A %-d %B %Y"),
                    last.format("%A %-d %B %Y")
                )
            }
        }
        Schedule::Timed { start, end, zone } => {
            let local = zone.localize(start);
            let mut text = format!(
                "{}, {}",
                local.format("%A %-d %B %Y"),
                local.format("%H:%M")
            );
            if let Some(end) = end {
                text.push_str(&format!("–{}", zone.localize(end).format("%H:%M")));
            }
            let abbreviation = match zone {
                crate::when::Zone::Iana(tz) => start.with_timezone(&tz).format("%Z").to_string(),
                crate::when::Zone::Fixed(_) => String::new(),
            };
            let offset = local.format("UTC%:z").to_string();
            let utc_itself = local.offset().local_minus_utc() == 0
                && (abbreviation.is_empty() || abbreviation == "UTC" || abbreviation == "+00");
            if utc_itself {
                text.push_str(" UTC");
            } else {
                if abbreviation.is_empty() || abbreviation.starts_with(['+', '-']) {
                    text.push_str(&format!(" {offset}"));
                } else {
                    text.push_str(&format!(" {abbreviation} ({offset})"));
                }
                if local.offset().local_minus_utc() != 0 {
                    text.push_str(&format!(" = {}", utc_range(start, end)));
                }
            }
            text
        }
    }
}

fn utc_range(start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> String {
    match end {
        Some(end) if end.date_naive() == start.date_naive() => {
            format!("{}–{} UTC", start.format("%H:%M"), end.format("%H:%M"))
        }
        Some(end) => format!(
            "{} – {} UTC",
            start.format("%Y-%m-%d %H:%M"),
            end.format("%Y-%m-%d %H:%M")
        ),
        None => format!("{} UTC", start.format("%H:%M")),
    }
}
