//! What several formats say alike, written once: an article's HTML body with its related
//! events (RSS, Atom, JSON Feed and the page), an event's description with its links (the
//! calendars and the add-to-calendar links), a repeating event's rule in words, and times
//! as people read them.

use chrono::{DateTime, Utc};

use super::escape::escape_html;
use super::files;
use super::ical_text::normalize_newlines;
use super::markdown::{text_to_html, to_html_with_headings};
use super::stamp::{DATE_HOUR_MINUTE, HOUR_MINUTE, LONG_DATE, UTC_OFFSET, ZONE_NAME};
use crate::model::{Article, Event, Publication, Schedule, Status};
use crate::recurrence;
use crate::when::Zone;

/// The article's body as HTML, followed by when its related events happen and how to add
/// them to a calendar. Shared by every feed format so that all of them say the same;
/// `top_heading` is the level the body's highest heading takes (`None` in feeds).
pub fn content_html(
    publication: &Publication,
    article: &Article,
    top_heading: Option<usize>,
) -> String {
    content_html_and_headings(publication, article, top_heading).0
}

/// The feed HTML of [`content_html`] and the level of the highest heading of the
/// article's Markdown, so that a page can lower its headings without rendering it again.
pub fn content_html_with_headings(
    publication: &Publication,
    article: &Article,
) -> (String, Option<usize>) {
    content_html_and_headings(publication, article, None)
}

fn content_html_and_headings(
    publication: &Publication,
    article: &Article,
    top_heading: Option<usize>,
) -> (String, Option<usize>) {
    let (mut html, highest) = match (&article.content, &article.summary) {
        (Some(markdown), _) => to_html_with_headings(
            &markdown.get(),
            &article.link,
            publication.channel.allow_html,
            top_heading,
        ),
        (None, Some(summary)) => (format!("<p>{}</p>\n", text_to_html(summary)), None),
        (None, None) => (String::new(), None),
    };
    let calendar = publication.url_of(&files::calendar(&publication.slug));
    for event in article.events.iter().filter_map(|id| publication.event(id)) {
        let single = publication.url_of(&files::event_calendar(&publication.slug, &event.id));
        html.push_str(&format!(
            "<p><strong>{}</strong>: {}.",
            escape_html(&event.title),
            escape_html(&human_time(event)),
        ));
        if let Some((rule, next)) = repeat_summary(publication, event) {
            html.push_str(&format!(" {}.", escape_html(&rule)));
            if !next.is_empty() {
                html.push_str(&format!(" Next: {}.", escape_html(&next.join("; "))));
            }
        }
        if let Some(livestream) = &event.livestream {
            html.push_str(&format!(
                " <a href=\"{}\">Watch the livestream</a>.",
                escape_html(livestream.as_str())
            ));
        }
        html.push_str(&format!(
            " <a href=\"{}\">Add this event to your calendar</a> or \
             <a href=\"{}\">subscribe to the whole calendar</a>.</p>\n",
            escape_html(single.as_str()),
            escape_html(calendar.as_str()),
        ));
    }
    (html, highest)
}

/// The event's DESCRIPTION also carries the livestream and the event page: Apple Calendar,
/// Outlook and Thunderbird show neither CONFERENCE nor URL prominently, or at all.
pub fn description_text(event: &Event) -> String {
    description_with(
        event,
        event.description.as_ref().map(|d| d.get()).as_deref(),
    )
}

pub(super) fn description_with(event: &Event, description: Option<&str>) -> String {
    // The description, a blank line, and the links one a line: built in one String (every
    // event's calendar entry and page make it).
    let livestream = event.livestream.as_ref().map(|l| l.as_str());
    let links = livestream.map_or(0, |l| l.len() + 13) + event.page.as_str().len() + 12;
    let mut text = match description {
        Some(description) => {
            let mut text = normalize_newlines(description.trim_end());
            text.reserve(2 + links);
            text.push_str("\n\n");
            text
        }
        None => String::with_capacity(links),
    };
    if let Some(livestream) = livestream {
        text.push_str("Livestream: ");
        text.push_str(livestream);
        text.push('\n');
    }
    text.push_str("Event page: ");
    text.push_str(event.page.as_str());
    text
}

/// A repeating event's rule in words and its next occurrences (after the publication's
/// `updated`, with moved and cancelled ones as they now are), for pages and feeds.
pub fn repeat_summary(publication: &Publication, event: &Event) -> Option<(String, Vec<String>)> {
    let recurrence = event.recurrence.as_ref()?;
    let rule = match &recurrence.rule {
        Some(rule) => recurrence::describe(rule),
        None => "on several dates".to_string(),
    };
    let next = event
        .upcoming(publication.reference, publication.channel.upcoming)
        .into_iter()
        .map(|o| {
            let mut text = human_schedule(&o.schedule);
            if o.status == Status::Cancelled {
                text.push_str(" (cancelled)");
            } else if o.title != event.title {
                text.push_str(&format!(": {}", o.title));
            }
            text
        })
        .collect();
    Some((format!("Repeats {rule}"), next))
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
                format!("{} (all day)", start.format_with_items(LONG_DATE.iter()))
            } else {
                format!(
                    "{} to {} (all day)",
                    start.format_with_items(LONG_DATE.iter()),
                    last.format_with_items(LONG_DATE.iter())
                )
            }
        }
        Schedule::Timed { start, end, zone } => {
            let local = zone.localize(start);
            let mut text = format!(
                "{}, {}",
                local.format_with_items(LONG_DATE.iter()),
                local.format_with_items(HOUR_MINUTE.iter())
            );
            if let Some(end) = end {
                let end = zone.localize(end);
                text.push_str(&format!("–{}", end.format_with_items(HOUR_MINUTE.iter())));
            }
            let abbreviation = match zone {
                Zone::Iana(tz) => start
                    .with_timezone(&tz)
                    .format_with_items(ZONE_NAME.iter())
                    .to_string(),
                Zone::Fixed(_) => String::new(),
            };
            let offset = local.format_with_items(UTC_OFFSET.iter()).to_string();
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
            format!(
                "{}–{} UTC",
                start.format_with_items(HOUR_MINUTE.iter()),
                end.format_with_items(HOUR_MINUTE.iter())
            )
        }
        Some(end) => format!(
            "{} – {} UTC",
            start.format_with_items(DATE_HOUR_MINUTE.iter()),
            end.format_with_items(DATE_HOUR_MINUTE.iter())
        ),
        None => format!("{} UTC", start.format_with_items(HOUR_MINUTE.iter())),
    }
}
