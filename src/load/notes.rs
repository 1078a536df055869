//! What is valid but probably not meant: warnings about publications that loaded, at the
//! file, line, column and field they concern, for `calfeed check` to show.
//!
//! A timed event with neither `end` nor `duration` is published as a moment (no `DTEND`,
//! which RFC 5545 reads as ending when it starts): right for a deadline, but calendars
//! then show a meeting as lasting no time, so it is worth a word.

use std::fs;

use super::locate::{Format, Locator};
use super::path::FieldPath;
use crate::diagnostic::Diagnostic;
use crate::model::{Publication, Schedule};

/// At most this many events of one publication are named; the rest are counted.
const MOST_NAMED: usize = 5;

/// The warning of an event without an end.
pub const NO_END: &str = "the event has neither `end` nor `duration`: it is published as a \
                          moment, which calendars show as lasting no time";

/// The help given with [`NO_END`].
pub const NO_END_HELP: &str = "give its length (e.g. duration = \"1h\") or its `end`; \
                               leave it so only for a deadline or another moment";

/// The warnings about `publication`, read at their places in its file (`source`).
pub fn warnings(publication: &Publication) -> Vec<Diagnostic> {
    let without_end: Vec<usize> = publication
        .events
        .iter()
        .enumerate()
        .filter(|(_, event)| matches!(event.schedule, Schedule::Timed { end: None, .. }))
        .map(|(i, _)| i)
        .collect();
    if without_end.is_empty() {
        return Vec::new();
    }
    let file = publication.source.as_str();
    let format = if file.ends_with(".json") {
        Format::Json
    } else {
        Format::Toml
    };
    let text = fs::read_to_string(file).unwrap_or_default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let locator = Locator::new(text, format);
    let mut found: Vec<Diagnostic> = without_end
        .iter()
        .take(MOST_NAMED)
        .map(|&i| {
            let path = FieldPath::root().key("events").index(i).key("start");
            match locator.span_of(&path) {
                Some(span) if !text.is_empty() => {
                    Diagnostic::at(file, text, span, path.to_string(), NO_END)
                }
                _ => Diagnostic::file(file, format!("{path}: {NO_END}")),
            }
            .with_help(NO_END_HELP)
        })
        .collect();
    if without_end.len() > MOST_NAMED {
        found.push(Diagnostic::file(
            file,
            format!(
                "{} more events have neither `end` nor `duration`",
                without_end.len() - MOST_NAMED
            ),
        ));
    }
    found
}
