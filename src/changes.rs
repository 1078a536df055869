//! What subscribers will see change between two versions of a calendar, and the publish
//! guard built on it: Google Calendar (and others) only take an edited event when its
//! SEQUENCE goes up, so a moved, renamed or cancelled event without a higher sequence
//! would silently stay as it was in their calendars.
//!
//! Reads iCalendar text as calfeed writes it (and as any RFC 5545 producer would): content
//! lines, VEVENTs keyed by UID and RECURRENCE-ID.

use std::collections::BTreeMap;
use std::fmt;
use std::io::BufRead;

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use crate::export::ical_text::{Unfolded, unescape_text};

/// One VEVENT, reduced to what subscribers see change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    pub uid: String,
    pub recurrence_id: Option<String>,
    pub summary: String,
    pub start: String,
    pub end: String,
    pub status: String,
    pub sequence: u32,
    /// RRULE, EXDATE and RDATE lines, sorted.
    pub rule: Vec<String>,
}

impl Entry {
    /// The event's id in calfeed's data: the UID before its `@host`.
    pub fn id(&self) -> &str {
        self.uid.split('@').next().unwrap_or(&self.uid)
    }

    fn label(&self) -> String {
        match &self.recurrence_id {
            Some(occurrence) => format!(
                "{} (the occurrence of {})",
                self.id(),
                readable_time(occurrence)
            ),
            None => self.id().to_string(),
        }
    }
}

type Key = (String, Option<String>);

/// The VEVENTs of an iCalendar text by UID and RECURRENCE-ID.
pub fn entries(ics: &str) -> BTreeMap<Key, Entry> {
    entries_from(ics.as_bytes())
}

/// [`entries`] of an iCalendar file, read line by line: a large calendar is never held
/// whole, only what each VEVENT reduces to.
pub fn entries_from(ics: impl BufRead) -> BTreeMap<Key, Entry> {
    let mut found = BTreeMap::new();
    let mut current: Option<Entry> = None;
    let mut depth_in_event = 0usize;
    for line in Unfolded::new(ics) {
        let (name, params, value) = split_line(&line);
        match (name.as_str(), value.as_str()) {
            ("BEGIN", "VEVENT") => {
                current = Some(Entry::default());
                depth_in_event = 0;
            }
            ("BEGIN", _) if current.is_some() => depth_in_event += 1,
            ("END", "VEVENT") => {
                if let Some(entry) = current.take() {
                    found.insert((entry.uid.clone(), entry.recurrence_id.clone()), entry);
                }
            }
            ("END", _) if current.is_some() => depth_in_event = depth_in_event.saturating_sub(1),
            _ => {
                let Some(entry) = current.as_mut().filter(|_| depth_in_event == 0) else {
                    continue;
                };
                let timed = || with_params(&params, &value);
                match name.as_str() {
                    "UID" => entry.uid = value,
                    "RECURRENCE-ID" => entry.recurrence_id = Some(timed()),
                    "SUMMARY" => entry.summary = unescape_text(&value),
                    "DTSTART" => entry.start = timed(),
                    "DTEND" => entry.end = timed(),
                    "STATUS" => entry.status = value,
                    "SEQUENCE" => entry.sequence = value.trim().parse().unwrap_or(0),
                    "RRULE" | "EXDATE" | "RDATE" => {
                        entry.rule.push(format!("{name}:{}", timed()));
                        entry.rule.sort();
                    }
                    _ => {}
                }
            }
        }
    }
    found
}

/// `TZID=Europe/London:20241010T190000`-style text: the value with the parameters that
/// give it meaning.
fn with_params(params: &[(String, String)], value: &str) -> String {
    let tzid = params.iter().find(|(k, _)| k == "TZID").map(|(_, v)| v);
    match tzid {
        Some(tz) => format!("TZID={tz}:{value}"),
        None => value.to_string(),
    }
}

/// Splits a content line into name, parameters and value (quoted parameter values may
/// hold `:` and `;`).
fn split_line(line: &str) -> (String, Vec<(String, String)>, String) {
    let mut in_quotes = false;
    let mut colon = line.len();
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ':' if !in_quotes => {
                colon = i;
                break;
            }
            _ => {}
        }
    }
    let head = &line[..colon];
    let value = line.get(colon + 1..).unwrap_or("").to_string();
    let mut parts = head.split(';');
    let name = parts.next().unwrap_or("").to_ascii_uppercase();
    let params = parts
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_ascii_uppercase(), v.trim_matches('"').to_string()))
        .collect();
    (name, params, value)
}

/// A DTSTART-style value (`TZID=Europe/London:20241010T190000`, `20241010T180000Z`,
/// `20241010`) as UTC where the zone is known, for people to read.
pub fn readable_time(value: &str) -> String {
    let (tz, local) = match value.strip_prefix("TZID=").and_then(|r| r.rsplit_once(':')) {
        Some((tz, local)) => (tz.parse::<Tz>().ok(), local),
        None => (None, value),
    };
    if let Some(utc) = local.strip_suffix('Z')
        && let Ok(t) = NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S")
    {
        return t.format("%Y-%m-%d %H:%M UTC").to_string();
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(local, "%Y%m%dT%H%M%S") {
        return match tz.and_then(|tz| tz.from_local_datetime(&t).earliest()) {
            Some(zoned) => zoned
                .with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M UTC")
                .to_string(),
            None => t.format("%Y-%m-%d %H:%M (local)").to_string(),
        };
    }
    if let Ok(d) = NaiveDate::parse_from_str(local, "%Y%m%d") {
        return format!("{} (all day)", d.format("%Y-%m-%d"));
    }
    value.to_string()
}

/// One change subscribers will see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Added(Entry),
    Removed(Entry),
    Moved { old: Entry, new: Entry },
    Cancelled { old: Entry, new: Entry },
    Reinstated { old: Entry, new: Entry },
    StatusChanged { old: Entry, new: Entry },
    Renamed { old: Entry, new: Entry },
    Repeats { old: Entry, new: Entry },
}

impl Change {
    /// The old and new versions, for changes to an event that exists in both.
    fn versions(&self) -> Option<(&Entry, &Entry)> {
        match self {
            Change::Added(_) | Change::Removed(_) => None,
            Change::Moved { old, new }
            | Change::Cancelled { old, new }
            | Change::Reinstated { old, new }
            | Change::StatusChanged { old, new }
            | Change::Renamed { old, new }
            | Change::Repeats { old, new } => Some((old, new)),
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Added(e) => write!(
                f,
                "added: {} \"{}\" at {}",
                e.label(),
                e.summary,
                readable_time(&e.start)
            ),
            Change::Removed(e) => write!(
                f,
                "removed: {} \"{}\" (was at {}); subscribers who already have it keep it",
                e.label(),
                e.summary,
                readable_time(&e.start)
            ),
            Change::Moved { old, new } => {
                write!(
                    f,
                    "moved: {} \"{}\" from {} to {}",
                    new.label(),
                    new.summary,
                    readable_time(&old.start),
                    readable_time(&new.start)
                )?;
                if old.end != new.end && !new.end.is_empty() {
                    write!(f, " (now ending {})", readable_time(&new.end))?;
                }
                Ok(())
            }
            Change::Cancelled { new, .. } => {
                write!(f, "cancelled: {} \"{}\"", new.label(), new.summary)
            }
            Change::Reinstated { new, .. } => write!(
                f,
                "no longer cancelled: {} \"{}\" (now {})",
                new.label(),
                new.summary,
                new.status
            ),
            Change::StatusChanged { old, new } => write!(
                f,
                "status: {} \"{}\" from {} to {}",
                new.label(),
                new.summary,
                old.status,
                new.status
            ),
            Change::Renamed { old, new } => write!(
                f,
                "renamed: {} from \"{}\" to \"{}\"",
                new.label(),
                old.summary,
                new.summary
            ),
            Change::Repeats { old, new } => write!(
                f,
                "repeats differently: {} \"{}\": {} -> {}",
                new.label(),
                new.summary,
                rule_text(&old.rule),
                rule_text(&new.rule)
            ),
        }
    }
}

fn rule_text(rule: &[String]) -> String {
    if rule.is_empty() {
        "(does not repeat)".into()
    } else {
        rule.join(" ")
    }
}

/// Every change from `old` to `new`, in UID order.
pub fn diff(old: &str, new: &str) -> Vec<Change> {
    diff_from(old.as_bytes(), new.as_bytes())
}

/// [`diff`] of two calendars read line by line.
pub fn diff_from(old: impl BufRead, new: impl BufRead) -> Vec<Change> {
    let (old, new) = (entries_from(old), entries_from(new));
    let mut changes = Vec::new();
    for (key, before) in &old {
        let Some(after) = new.get(key) else {
            changes.push(Change::Removed(before.clone()));
            continue;
        };
        let pair = || (before.clone(), after.clone());
        if before.start != after.start || before.end != after.end {
            let (old, new) = pair();
            changes.push(Change::Moved { old, new });
        }
        if before.status != after.status {
            let (old, new) = pair();
            changes.push(if after.status == "CANCELLED" {
                Change::Cancelled { old, new }
            } else if before.status == "CANCELLED" {
                Change::Reinstated { old, new }
            } else {
                Change::StatusChanged { old, new }
            });
        }
        if before.summary != after.summary {
            let (old, new) = pair();
            changes.push(Change::Renamed { old, new });
        }
        if before.rule != after.rule {
            let (old, new) = pair();
            changes.push(Change::Repeats { old, new });
        }
    }
    for (key, after) in &new {
        if !old.contains_key(key) {
            changes.push(Change::Added(after.clone()));
        }
    }
    changes
}

/// An event that changed in a way subscribers must be told about, without a higher
/// SEQUENCE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unbumped {
    /// The event's id in the data.
    pub id: String,
    pub sequence: u32,
    /// What changed, in words.
    pub changes: Vec<String>,
}

impl fmt::Display for Unbumped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "event `{}` changed ({}) but its sequence is still {}: set `sequence = {}` on it, \
             or subscribers' calendars will keep the old version",
            self.id,
            self.changes.join("; "),
            self.sequence,
            self.sequence + 1
        )
    }
}

/// What the publish guard found between the published calendar and the new one.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct GuardReport {
    pub unbumped: Vec<Unbumped>,
    pub removed: Vec<Change>,
}

/// Compares a published calendar with the one about to replace it.
pub fn guard(old: &str, new: &str) -> GuardReport {
    guard_from(old.as_bytes(), new.as_bytes())
}

/// [`guard`] of two calendars read line by line.
pub fn guard_from(old: impl BufRead, new: impl BufRead) -> GuardReport {
    let mut report = GuardReport::default();
    let mut by_event: BTreeMap<String, Unbumped> = BTreeMap::new();
    for change in diff_from(old, new) {
        match &change {
            Change::Added(_) => {}
            Change::Removed(_) => report.removed.push(change),
            _ => {
                let Some((before, after)) = change.versions() else {
                    continue;
                };
                if after.sequence > before.sequence {
                    continue;
                }
                // The master VEVENT's sequence is the event's; overrides carry the same.
                let entry = by_event
                    .entry(after.id().to_string())
                    .or_insert_with(|| Unbumped {
                        id: after.id().to_string(),
                        sequence: after.sequence,
                        changes: Vec::new(),
                    });
                entry.changes.push(change.to_string());
            }
        }
    }
    report.unbumped = by_event.into_values().collect();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar(events: &str) -> String {
        format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{events}END:VCALENDAR\r\n")
    }

    fn event(uid: &str, start: &str, summary: &str, status: &str, sequence: u32) -> String {
        format!(
            "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART;TZID=Asia/Shanghai:{start}\r\n\
             SUMMARY:{summary}\r\nSTATUS:{status}\r\nSEQUENCE:{sequence}\r\n\
             BEGIN:VALARM\r\nACTION:DISPLAY\r\nSUMMARY:not the event\r\nEND:VALARM\r\nEND:VEVENT\r\n"
        )
    }

    #[test]
    fn reads_events_and_ignores_alarm_properties() {
        let ics = calendar(&event(
            "a@x",
            "20220704T190000",
            "Launch\\, live",
            "CONFIRMED",
            3,
        ));
        let found = entries(&ics);
        let entry = &found[&("a@x".to_string(), None)];
        assert_eq!(entry.summary, "Launch, live");
        assert_eq!(entry.sequence, 3);
        assert_eq!(entry.start, "TZID=Asia/Shanghai:20220704T190000");
        assert_eq!(readable_time(&entry.start), "2022-07-04 11:00 UTC");
    }

    #[test]
    fn a_moved_event_without_a_bump_is_caught_and_named() {
        let old = calendar(&event(
            "launch@x",
            "20220704T190000",
            "Launch",
            "CONFIRMED",
            0,
        ));
        let moved = calendar(&event(
            "launch@x",
            "20220704T200000",
            "Launch",
            "CONFIRMED",
            0,
        ));
        let report = guard(&old, &moved);
        assert_eq!(report.unbumped.len(), 1);
        let message = report.unbumped[0].to_string();
        assert!(message.contains("event `launch`"), "{message}");
        assert!(
            message.contains("from 2022-07-04 11:00 UTC to 2022-07-04 12:00 UTC"),
            "{message}"
        );
        assert!(message.contains("set `sequence = 1`"), "{message}");
        let bumped = calendar(&event(
            "launch@x",
            "20220704T200000",
            "Launch",
            "CONFIRMED",
            1,
        ));
        assert_eq!(guard(&old, &bumped), GuardReport::default());
    }

    #[test]
    fn cancellation_and_renaming_need_a_bump_too() {
        let old = calendar(&event("a@x", "20220704T190000", "Launch", "CONFIRMED", 4));
        let cancelled = calendar(&event("a@x", "20220704T190000", "Launch", "CANCELLED", 4));
        assert!(guard(&old, &cancelled).unbumped[0].changes[0].starts_with("cancelled: a"));
        let renamed = calendar(&event(
            "a@x",
            "20220704T190000",
            "Launch day",
            "CONFIRMED",
            4,
        ));
        assert!(
            guard(&old, &renamed).unbumped[0].changes[0]
                .contains("from \"Launch\" to \"Launch day\"")
        );
    }

    #[test]
    fn removed_and_added_events_are_reported_not_blocked() {
        let old = calendar(&event("a@x", "20220704T190000", "A", "CONFIRMED", 0));
        let new = calendar(&event("b@x", "20220705T190000", "B", "CONFIRMED", 0));
        let report = guard(&old, &new);
        assert!(report.unbumped.is_empty());
        assert_eq!(report.removed.len(), 1);
        let changes: Vec<String> = diff(&old, &new).iter().map(ToString::to_string).collect();
        assert_eq!(
            changes,
            [
                "removed: a \"A\" (was at 2022-07-04 11:00 UTC); subscribers who already have it keep it",
                "added: b \"B\" at 2022-07-05 11:00 UTC",
            ]
        );
    }

    #[test]
    fn unchanged_calendars_have_no_changes() {
        let ics = calendar(&event("a@x", "20220704T190000", "A", "CONFIRMED", 0));
        assert!(diff(&ics, &ics).is_empty());
    }

    // ---- Reading line by line (`Unfolded`, `guard_from`) ----------------------------

    use crate::export::ical_text::unfold;

    /// The lines `Unfolded` reads from `bytes`, through a buffer of `capacity` bytes.
    fn unfolded(bytes: &[u8], capacity: usize) -> Vec<String> {
        Unfolded::new(std::io::BufReader::with_capacity(capacity, bytes)).collect()
    }

    /// `Unfolded` must read exactly the lines `unfold` gives for the whole text (taken
    /// lossily where it is not UTF-8), whatever the buffer size.
    fn same_as_unfold(bytes: &[u8]) -> Vec<String> {
        let expected = unfold(&String::from_utf8_lossy(bytes));
        for capacity in [1, 2, 3, 7, 8192] {
            assert_eq!(
                unfolded(bytes, capacity),
                expected,
                "{:?} through {capacity} bytes",
                String::from_utf8_lossy(bytes)
            );
        }
        expected
    }

    #[test]
    fn unfolded_lines_are_those_of_unfold() {
        let cases: [(&[u8], &[&str]); 12] = [
            (b"A:1\n 2\nB:3\n", &["A:12", "B:3"]),
            (b"A:1\r\n 2\r\nB:3\r\n", &["A:12", "B:3"]),
            (b"A:1\r\n 2\n\t3\r\nB:4\nC:5\r\n", &["A:123", "B:4", "C:5"]),
            (b"A:1\r2\r\n 3\r\n", &["A:1\r23"]),
            (b"A:1\r\r\nB:2\r", &["A:1\r", "B:2\r"]),
            (b"A:1\r\n\r\n\n 2\r\n\r\n\t3\r\nB:4\r\n", &["A:123", "B:4"]),
            (b"A:1\r\n\tx y\r\n \r\n\t\r\n", &["A:1x y"]),
            (b" A:1\r\n 2\r\nB:3\r\n", &[" A:12", "B:3"]),
            (b"\r\n\r\n\tA:1\r\n", &["\tA:1"]),
            (b"A:1\r\n 2\r\nB:3", &["A:12", "B:3"]),
            (b"A:1\r\n 2", &["A:12"]),
            (b"", &[]),
        ];
        for (bytes, expected) in cases {
            assert_eq!(
                same_as_unfold(bytes),
                expected,
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
        // Not UTF-8: each bad sequence one U+FFFD, also one cut by a line end or a fold.
        let lossy = same_as_unfold(b"A:\xff1\r\n \xe6\xbc\r\n \xa2x\r\nB:\xe6\xbc\xa2\r\n");
        assert_eq!(lossy, ["A:\u{FFFD}1\u{FFFD}\u{FFFD}x", "B:\u{6F22}"]);
    }

    #[test]
    fn unfolded_lines_match_unfold_on_any_mix_of_line_ends_and_folds() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, RngSeed, TestRunner};

        let piece = prop::sample::select(vec![
            &b"A"[..],
            b":",
            b" ",
            b"\t",
            b"\r",
            b"\n",
            b"\r\n",
            b"\r\n ",
            b"\n\t",
            "é".as_bytes(),
            "🎉".as_bytes(),
            b"\xff",
            b"\xf0\x9f",
        ]);
        let mut runner = TestRunner::new(Config {
            cases: 512,
            rng_seed: RngSeed::Fixed(0xCA1F_EED5),
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&prop::collection::vec(piece, 0..40), |pieces| {
                let bytes = pieces.concat();
                let expected = unfold(&String::from_utf8_lossy(&bytes));
                prop_assert_eq!(unfolded(&bytes, 3), expected.clone());
                prop_assert_eq!(unfolded(&bytes, 8192), expected);
                Ok(())
            })
            .unwrap();
    }

    /// A rendered calendar of one event with a long, folded title and description.
    fn rendered(start: &str, sequence: u32) -> String {
        let description = "Ünïcødé 漢字 🎉, a back\\slash; a comma, and a line\nbreak. ".repeat(20);
        let publication = crate::load::test_publication(
            "launch",
            &format!(
                "[channel]\ntitle = \"Launches\"\ndescription = \"D\"\nlink = \"https://example.org/\"\n\
                 language = \"en\"\ntimezone = \"Asia/Shanghai\"\n\n\
                 [[events]]\nid = \"launch\"\ntitle = \"{title}\"\nstart = \"{start}\"\n\
                 duration = \"2h\"\nsequence = {sequence}\ndescription = {description}\n",
                title = LONG_TITLE,
                description = toml::Value::String(description),
            ),
        );
        crate::export::ics::calendar(&crate::export::Shared::without_articles(&publication))
    }

    const LONG_TITLE: &str =
        "The launch of the ünïcødé 漢字 product line, live from the hall, with 🎉 and more";

    #[test]
    fn guard_from_files_reports_as_guard_on_strings() {
        let old = rendered("2022-07-04T19:00", 0);
        let moved = rendered("2022-07-04T20:00", 0);
        // The title is folded, so reading it whole needs the lines unfolded.
        assert!(!old.contains(LONG_TITLE), "{old}");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (old_path, moved_path) = (dir.path().join("old.ics"), dir.path().join("new.ics"));
        std::fs::write(&old_path, &old).expect("write");
        std::fs::write(&moved_path, &moved).expect("write");
        let open = |path: &std::path::Path, capacity: usize| {
            let file = std::fs::File::open(path).expect("open");
            std::io::BufReader::with_capacity(capacity, file)
        };

        let expected = guard(&old, &moved);
        assert_eq!(expected.unbumped.len(), 1, "{expected:?}");
        assert_eq!(
            expected.unbumped[0].to_string(),
            format!(
                "event `launch` changed (moved: launch \"{LONG_TITLE}\" from 2022-07-04 11:00 UTC \
                 to 2022-07-04 12:00 UTC (now ending 2022-07-04 14:00 UTC)) but its sequence is \
                 still 0: set `sequence = 1` on it, or subscribers' calendars will keep the old \
                 version"
            )
        );
        assert!(expected.removed.is_empty());
        for capacity in [5, 8192] {
            let report = guard_from(open(&old_path, capacity), open(&moved_path, capacity));
            assert_eq!(report, expected, "through {capacity} bytes");
            let unchanged = guard_from(open(&old_path, capacity), open(&old_path, capacity));
            assert_eq!(unchanged, GuardReport::default());
        }
        let entry = &entries_from(open(&old_path, 7))[&("launch@example.org".into(), None)];
        assert_eq!(entry.summary, LONG_TITLE);

        let bumped = rendered("2022-07-04T20:00", 1);
        std::fs::write(&moved_path, &bumped).expect("write");
        let report = guard_from(open(&old_path, 8192), open(&moved_path, 8192));
        assert_eq!(report, GuardReport::default());
    }
}
