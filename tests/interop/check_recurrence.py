"""Repeating events: calfeed's own expansion (the `rrule` crate, printed by
`calfeed occurrences --format json`) against Python's recurring-ical-events expanding the
.ics calfeed wrote, over the same window. Both must list the same occurrences: same UID,
start and end instants, title and status (moved and cancelled occurrences included).

Usage: check_recurrence.py CALFEED_OCCURRENCES.jsonl CALENDAR.ics FROM UNTIL
Prints `recurrence: N passed, M failed`; exit status 1 on any failure.
"""

import datetime as dt
import json
import sys

import icalendar
import recurring_ical_events


def utc(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def from_python(path, start, end):
    with open(path, "rb") as f:
        calendar = icalendar.Calendar.from_ical(f.read())
    found = []
    for event in recurring_ical_events.of(calendar).between(start, end):
        found.append(
            {
                "uid": str(event["UID"]),
                "start": utc(event["DTSTART"].dt),
                "end": utc(event["DTEND"].dt) if "DTEND" in event else None,
                "title": str(event["SUMMARY"]),
                "status": str(event.get("STATUS", "CONFIRMED")),
            }
        )
    return sorted(found, key=lambda o: (o["start"], o["uid"]))


def from_calfeed(path):
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return sorted(
        (
            {k: row[k] for k in ("uid", "start", "end", "title", "status")}
            for row in rows
        ),
        key=lambda o: (o["start"], o["uid"]),
    )


def main():
    ours_path, ics_path, start, end = sys.argv[1:5]
    window = (dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    ours = from_calfeed(ours_path)
    theirs = from_python(ics_path, *window)
    passed = failed = 0
    if not ours:
        print("FAIL  calfeed listed no occurrences at all")
        failed += 1
    keys = sorted({(o["start"], o["uid"]) for o in ours + theirs})
    for key in keys:
        a = [o for o in ours if (o["start"], o["uid"]) == key]
        b = [o for o in theirs if (o["start"], o["uid"]) == key]
        if a == b:
            passed += 1
        else:
            failed += 1
            print(f"FAIL  occurrence {key}: calfeed {a} != recurring-ical-events {b}")
    print(f"recurrence: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
