//! The checks of events: their times ([`Schedule`]), their rules, exceptions and extra
//! dates ([`Recurrence`]), and their overrides of single occurrences.

use chrono::{DateTime, NaiveTime, Utc};

use super::check::Checker;
use super::path::FieldPath;
use super::raw::{RawEvent, RawOverride, RawStatus, TimeText, Times};
use crate::model::{Event, Instance, Override, Publication, Recurrence, Schedule};
use crate::recurrence::{self, Repeat};
use crate::when::{self, Moment, Zone};

impl Checker<'_> {
    /// The event, and its own `updated` if it has one.
    pub(super) fn event(
        &mut self,
        base: &FieldPath,
        raw: RawEvent,
        publication: &Publication,
    ) -> Option<(Event, Option<DateTime<Utc>>)> {
        let id = self.id(&base.key("id"), &raw.id);
        let title = self.line(&base.key("title"), &raw.title, true);
        let zone = match &raw.timezone {
            Some(name) => self.zone(&base.key("timezone"), name),
            None => Some(publication.channel.zone),
        };
        let schedule = self.schedule(
            base,
            Times {
                start: &raw.start,
                end: raw.end.as_ref(),
                duration: raw.duration.as_deref(),
            },
            zone,
        );
        let recurrence = schedule
            .as_ref()
            .and_then(|schedule| self.recurrence(base, &raw, schedule));
        let overrides = match &schedule {
            Some(schedule) => self.overrides(base, &raw.overrides, schedule, recurrence.as_ref()),
            None => Vec::new(),
        };
        let description = self.optional_large(&base.key("description"), raw.description);
        let location = self.optional_line(&base.key("location"), raw.location);
        let url = self.url(&base.key("url"), raw.url);
        let livestream = self.url(&base.key("livestream"), raw.livestream);
        let image = self.url(&base.key("image"), raw.image);
        let categories = self.categories(&base.key("categories"), raw.categories);
        let reminders: Vec<_> = raw
            .reminders
            .iter()
            .enumerate()
            .filter_map(|(i, r)| self.duration(&base.key("reminders").index(i), r))
            .collect();
        let updated = match (&raw.updated, &zone) {
            (Some(t), Some(zone)) => self.instant(&base.key("updated"), t, zone, NaiveTime::MIN),
            _ => None,
        };
        let schedule = schedule?;
        let page = url.unwrap_or_else(|| publication.permalink_url(&id));
        Some((
            Event {
                id,
                title,
                schedule,
                description,
                location,
                page,
                livestream,
                categories,
                status: raw.status.unwrap_or(RawStatus::Confirmed).model(),
                reminders,
                image,
                sequence: raw.sequence,
                // Set once the publication's newest date is known.
                updated: DateTime::UNIX_EPOCH,
                recurrence,
                overrides,
            },
            updated,
        ))
    }

    /// `zone` is `None` when the event's zone was invalid (already reported): the times are
    /// still parsed, so that their own mistakes are reported in the same run.
    fn schedule(
        &mut self,
        base: &FieldPath,
        raw: Times<'_>,
        zone: Option<Zone>,
    ) -> Option<Schedule> {
        let start = self.moment(&base.key("start"), raw.start);
        let end = raw.end.map(|end| self.moment(&base.key("end"), end));
        let duration = raw
            .duration
            .map(|d| self.duration(&base.key("duration"), d));
        if raw.end.is_some() && raw.duration.is_some() {
            self.report(
                &base.key("duration"),
                "give either `end` or `duration`, not both",
                None,
            );
            return None;
        }
        // Every part was parsed (and its problems reported) before giving up on any.
        let (start, zone) = (start?, zone?);
        let end = match end {
            Some(end) => Some(end?),
            None => None,
        };
        let duration = match duration {
            Some(duration) => Some(duration?),
            None => None,
        };
        match start {
            Moment::Date(start) => {
                let end = match (end, duration) {
                    (Some(Moment::Date(last)), _) => {
                        if last < start {
                            self.report(
                                &base.key("end"),
                                format!("the event ends ({last}) before it starts ({start})"),
                                Some("for all-day events `end` is the last day, inclusive"),
                            );
                            return None;
                        }
                        last.succ_opt()?
                    }
                    (Some(_), _) => {
                        self.report(
                            &base.key("end"),
                            "an all-day event (its start is a date) must end on a date",
                            Some("write the last day as a date, e.g. 2022-07-05"),
                        );
                        return None;
                    }
                    (None, Some(d)) => {
                        if d.num_seconds() % 86_400 != 0 {
                            self.report(
                                &base.key("duration"),
                                "an all-day event lasts whole days",
                                Some("use a duration like 1d or 2d, or give `start` a time"),
                            );
                            return None;
                        }
                        start.checked_add_days(chrono::Days::new(d.num_days() as u64))?
                    }
                    (None, None) => start.succ_opt()?,
                };
                Some(Schedule::AllDay { start, end })
            }
            start_moment => {
                let start = match start_moment.to_instant(&zone, NaiveTime::MIN) {
                    Ok(t) => t,
                    Err(message) => {
                        self.report(&base.key("start"), message, None);
                        return None;
                    }
                };
                let end = match (end, duration) {
                    (Some(Moment::Date(_)), _) => {
                        self.report(
                            &base.key("end"),
                            "a timed event (its start has a time) must end at a time",
                            Some(when::MOMENT_HELP),
                        );
                        return None;
                    }
                    (Some(moment), _) => match moment.to_instant(&zone, NaiveTime::MIN) {
                        Ok(t) => Some(t),
                        Err(message) => {
                            self.report(&base.key("end"), message, None);
                            return None;
                        }
                    },
                    (None, Some(d)) => Some(start + d),
                    (None, None) => None,
                };
                if let Some(end) = end
                    && end < start
                {
                    self.report(
                        &base.key("end"),
                        format!(
                            "the event ends ({}) before it starts ({})",
                            zone.localize(end).format("%Y-%m-%dT%H:%M%:z"),
                            zone.localize(start).format("%Y-%m-%dT%H:%M%:z"),
                        ),
                        Some("`end` must not be earlier than `start`"),
                    );
                    return None;
                }
                Some(Schedule::Timed { start, end, zone })
            }
        }
    }

    /// One occurrence's start as written in `except`, `extra` or `occurrence`: a date for
    /// all-day events, a time (local to the event's zone, or an instant) for timed ones.
    fn instance(
        &mut self,
        path: &FieldPath,
        value: &TimeText,
        schedule: &Schedule,
    ) -> Option<Instance> {
        let moment = self.moment(path, value)?;
        match (schedule, moment) {
            (Schedule::AllDay { .. }, Moment::Date(day)) => Some(Instance::Day(day)),
            (Schedule::AllDay { .. }, _) => {
                self.report(
                    path,
                    "an all-day event's occurrences are dates",
                    Some("write the day, e.g. 2024-07-11"),
                );
                None
            }
            (Schedule::Timed { .. }, Moment::Date(_)) => {
                self.report(
                    path,
                    "a timed event's occurrences are times",
                    Some("write the start of that occurrence, e.g. 2024-07-11T19:00"),
                );
                None
            }
            (Schedule::Timed { zone, .. }, moment) => match moment.to_instant(zone, NaiveTime::MIN)
            {
                Ok(instant) => Some(Instance::Timed(instant)),
                Err(message) => {
                    self.report(path, message, None);
                    None
                }
            },
        }
    }

    fn instances(
        &mut self,
        path: &FieldPath,
        values: &[TimeText],
        schedule: &Schedule,
    ) -> Vec<Instance> {
        values
            .iter()
            .enumerate()
            .filter_map(|(i, value)| self.instance(&path.index(i), value, schedule))
            .collect()
    }

    fn recurrence(
        &mut self,
        base: &FieldPath,
        raw: &RawEvent,
        schedule: &Schedule,
    ) -> Option<Recurrence> {
        let timed_zone = match schedule {
            Schedule::Timed { zone, .. } => Some(*zone),
            Schedule::AllDay { .. } => None,
        };
        let rule = match (&raw.repeat, &raw.rrule) {
            (Some(_), Some(_)) => {
                self.report(
                    &base.key("rrule"),
                    "give either `repeat` or `rrule`, not both",
                    None,
                );
                None
            }
            (Some(repeat), None) => {
                let until = repeat.until.as_ref().and_then(|until| {
                    let path = base.key("repeat").key("until");
                    match self.moment(&path, until)? {
                        Moment::Date(day) => Some(Instance::Day(day)),
                        // A time: valid only for a timed event (`instance` says why not).
                        _ => self.instance(&path, until, schedule),
                    }
                });
                let friendly = Repeat {
                    every: repeat.every.clone(),
                    interval: repeat.interval,
                    count: repeat.count,
                    until,
                    on: repeat.on.clone(),
                };
                let checked = recurrence::friendly_rule(&friendly, timed_zone.as_ref())
                    .and_then(|rule| recurrence::validate_rule(&rule, schedule));
                match checked {
                    Ok(rule) => Some(rule),
                    Err(message) => {
                        self.report(&base.key("repeat"), message, Some(REPEAT_HELP));
                        None
                    }
                }
            }
            (None, Some(rule)) => match recurrence::validate_rule(rule, schedule) {
                Ok(rule) => Some(rule),
                Err(message) => {
                    self.report(
                        &base.key("rrule"),
                        message,
                        Some("an RFC 5545 RRULE value, e.g. FREQ=WEEKLY;BYDAY=TH;COUNT=8"),
                    );
                    None
                }
            },
            (None, None) => None,
        };
        let except_at: Vec<(usize, Instance)> = raw
            .except
            .iter()
            .enumerate()
            .filter_map(|(i, value)| {
                let instance = self.instance(&base.key("except").index(i), value, schedule)?;
                Some((i, instance))
            })
            .collect();
        let except: Vec<Instance> = except_at.iter().map(|&(_, instance)| instance).collect();
        let extra = self.instances(&base.key("extra"), &raw.extra, schedule);
        if let Some(rule) = &rule {
            // An exception that matches no occurrence would publish an EXDATE that cancels
            // nothing: subscribers would still get the occurrence meant.
            let bare = Recurrence {
                rule: Some(rule.clone()),
                except: Vec::new(),
                extra: extra.clone(),
            };
            for &(i, instance) in &except_at {
                if !recurrence::is_occurrence(schedule, &bare, instance) {
                    let help = nearest_help(
                        "write the start the rule gives the occurrence to cancel",
                        schedule,
                        &bare,
                        instance,
                    );
                    self.report(
                        &base.key("except").index(i),
                        "this is not an occurrence of the event's rule",
                        Some(&help),
                    );
                }
            }
        }
        if rule.is_none() && raw.repeat.is_none() && raw.rrule.is_none() && !raw.except.is_empty() {
            self.report(
                &base.key("except"),
                "`except` needs a rule (`repeat` or `rrule`) to make exceptions to",
                None,
            );
        }
        (rule.is_some() || !extra.is_empty()).then_some(Recurrence {
            rule,
            except,
            extra,
        })
    }

    fn overrides(
        &mut self,
        base: &FieldPath,
        raw: &[RawOverride],
        schedule: &Schedule,
        recurrence: Option<&Recurrence>,
    ) -> Vec<Override> {
        let mut overrides: Vec<Override> = Vec::new();
        for (i, raw) in raw.iter().enumerate() {
            let here = base.key("overrides").index(i);
            let Some(occurrence) =
                self.instance(&here.key("occurrence"), &raw.occurrence, schedule)
            else {
                continue;
            };
            let Some(recurrence) = recurrence else {
                self.report(
                    &here.key("occurrence"),
                    "only a repeating event (with `repeat`, `rrule` or `extra`) has occurrences to override",
                    None,
                );
                continue;
            };
            if !recurrence::is_occurrence(schedule, recurrence, occurrence) {
                let help = nearest_help(
                    "write the start the rule gives that occurrence, before it moved",
                    schedule,
                    recurrence,
                    occurrence,
                );
                self.report(
                    &here.key("occurrence"),
                    "this is not an occurrence of the event's rule",
                    Some(&help),
                );
                continue;
            }
            if overrides.iter().any(|o| o.occurrence == occurrence) {
                self.report(
                    &here.key("occurrence"),
                    "this occurrence is already overridden",
                    None,
                );
                continue;
            }
            let moved = match raw.start.as_ref() {
                Some(start) => {
                    let zone = match schedule {
                        Schedule::Timed { zone, .. } => Some(*zone),
                        Schedule::AllDay { .. } => Some(Zone::Iana(chrono_tz::Tz::UTC)),
                    };
                    let Some(moved) = self.schedule(
                        &here,
                        Times {
                            start,
                            end: raw.end.as_ref(),
                            duration: raw.duration.as_deref(),
                        },
                        zone,
                    ) else {
                        continue;
                    };
                    // Without its own end, a moved occurrence keeps the event's length.
                    match (moved, raw.end.is_none() && raw.duration.is_none(), schedule) {
                        (
                            Schedule::Timed { start, zone, .. },
                            true,
                            Schedule::Timed {
                                start: s0,
                                end: Some(e0),
                                ..
                            },
                        ) => Schedule::Timed {
                            start,
                            end: Some(start + (*e0 - *s0)),
                            zone,
                        },
                        (
                            Schedule::AllDay { start, .. },
                            true,
                            Schedule::AllDay { start: s0, end: e0 },
                        ) => Schedule::AllDay {
                            start,
                            end: start + (*e0 - *s0),
                        },
                        (moved, _, _) => moved,
                    }
                }
                None => {
                    if raw.end.is_some() || raw.duration.is_some() {
                        self.report(
                            &here.key("start"),
                            "an override with a new `end` or `duration` needs its `start` too",
                            None,
                        );
                        continue;
                    }
                    recurrence::shifted(schedule, occurrence)
                }
            };
            overrides.push(Override {
                occurrence,
                schedule: moved,
                title: self.optional_line(&here.key("title"), raw.title.clone()),
                description: self.optional_large(&here.key("description"), raw.description.clone()),
                location: self.optional_line(&here.key("location"), raw.location.clone()),
                status: raw.status.map(RawStatus::model),
            });
        }
        overrides.sort_by_key(|o| o.occurrence);
        overrides
    }
}

/// `advice`, and the occurrences nearest to `instance` (the one before it and the one
/// after), nearest first, as they would be written.
fn nearest_help(
    advice: &str,
    schedule: &Schedule,
    recurrence: &Recurrence,
    instance: Instance,
) -> String {
    let at = instance.instant();
    let after = recurrence::expand(schedule, recurrence, at, 1)
        .unwrap_or_default()
        .into_iter()
        .next();
    // The one before: looked for further and further back (a yearly rule's is a year away).
    let before = [1, 48, 840, 8880, 88_800].into_iter().find_map(|hours| {
        let from = at - chrono::Duration::hours(hours);
        recurrence::expand(schedule, recurrence, from, 10_000)
            .unwrap_or_default()
            .into_iter()
            .take_while(|x| x.instant() < at)
            .last()
    });
    let mut near: Vec<Instance> = before.into_iter().chain(after).collect();
    near.sort_by_key(|x| (x.instant() - at).abs());
    let written: Vec<String> = near.iter().map(|x| written(schedule, *x)).collect();
    match written.as_slice() {
        [] => advice.to_string(),
        [one] => format!("{advice}: the nearest is {one}"),
        [one, two, ..] => format!("{advice}: the nearest are {one} and {two}"),
    }
}

/// An occurrence's start as it is written in the data: a date, or a local time in the
/// event's zone (with its offset when that time happens twice).
fn written(schedule: &Schedule, instance: Instance) -> String {
    match (schedule, instance) {
        (Schedule::Timed { zone, .. }, Instance::Timed(t)) => {
            let local = zone.localize(t);
            let time = if t.timestamp() % 60 == 0 {
                "%Y-%m-%dT%H:%M"
            } else {
                "%Y-%m-%dT%H:%M:%S"
            };
            if zone.resolve_local(local.naive_local()) == Ok(t) {
                local.format(time).to_string()
            } else {
                local.format(&format!("{time}%:z")).to_string()
            }
        }
        (_, Instance::Day(day)) => day.to_string(),
        (_, Instance::Timed(t)) => t.format("%Y-%m-%dT%H:%MZ").to_string(),
    }
}

const REPEAT_HELP: &str = "e.g. repeat = { every = \"week\", on = [\"mo\", \"th\"], count = 10 } \
                           (every: day, week, month or year; optional interval, count or until, on)";
