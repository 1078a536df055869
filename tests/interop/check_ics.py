#!/usr/bin/env python3
"""Reads .ics files with the Python `icalendar` package (6.x) and prints one JSON line per VEVENT.

Usage: check_ics.py FILE.ics [FILE.ics ...]

Each line holds: file, uid, summary, start, end, tzid, status, sequence, alarms, categories.
`start`/`end` are UTC instants `YYYY-MM-DDTHH:MM:SSZ`, or `YYYY-MM-DD` for DATE values.
Lines are sorted by UID (then file).

How times resolve here: icalendar 6 looks a TZID up by name in `zoneinfo` first and only falls
back to the file's VTIMEZONE when the name is unknown. So this checker tests that calfeed's
TZIDs are real IANA names with the right rules, while check_ics.mjs (ical.js, which only ever
uses the file's VTIMEZONE) tests the VTIMEZONE content. A DATE-TIME that neither resolves
(no zone known by that TZID and no VTIMEZONE for it) comes out as a naive "floating" time; it
is printed as `FLOATING <local time>` so that it can never match an expected UTC instant.

`file_facts(path)` (used by compare.py) returns, per file, the TZIDs that VTIMEZONEs define,
the VTIMEZONEs that have no STANDARD/DAYLIGHT observance at all (RFC 5545 3.6.5 requires one),
the TZIDs that properties reference, and the referenced TZIDs that zoneinfo does not know;
also the VCALENDAR's own properties (name -> list of {value, params}; a text value unescaped)
and the names of every property anywhere in the file (any component).
"""

from __future__ import annotations

import json
import os
import sys
import zoneinfo
from datetime import date, datetime, timedelta, timezone

from icalendar import Calendar
from icalendar.prop import vText


def _fmt(value) -> str:
    """A DATE as YYYY-MM-DD; an aware DATE-TIME as a UTC instant; a naive one as FLOATING."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            return "FLOATING " + value.strftime("%Y-%m-%dT%H:%M:%S")
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not a date or date-time: {value!r}")


def _add_duration(start, duration: timedelta):
    """start + DURATION per RFC 5545 3.3.6: days/weeks are nominal (wall clock), the time
    part is exact (elapsed seconds)."""
    if not isinstance(start, datetime):
        return start + duration  # DATE + whole days
    nominal = start + timedelta(days=duration.days)  # aware + timedelta = wall-clock add
    exact = timedelta(seconds=duration.seconds, microseconds=duration.microseconds)
    if nominal.tzinfo is None:
        return nominal + exact
    return (nominal.astimezone(timezone.utc) + exact)


def _categories(event) -> list[str]:
    raw = event.get("categories")
    if raw is None:
        return []
    props = raw if isinstance(raw, list) else [raw]
    out: list[str] = []
    for prop in props:
        out.extend(str(c) for c in prop.cats)
    return out


def _text(event, name):
    value = event.get(name)
    return None if value is None else str(value)


def events(path: str) -> list[dict]:
    with open(path, "rb") as f:
        cal = Calendar.from_ical(f.read())
    rows = []
    for ev in cal.walk("VEVENT"):
        dtstart = ev.get("dtstart")
        start = dtstart.dt if dtstart is not None else None
        if ev.get("dtend") is not None:
            end = ev.get("dtend").dt
        elif ev.get("duration") is not None and start is not None:
            end = _add_duration(start, ev.get("duration").dt)
        elif isinstance(start, date) and not isinstance(start, datetime):
            end = start + timedelta(days=1)  # RFC 5545 3.6.1: a DATE start lasts one day
        else:
            end = start
        seq = ev.get("sequence")
        rows.append(
            {
                "file": os.path.basename(path),
                "uid": _text(ev, "uid"),
                "summary": _text(ev, "summary"),
                "start": None if start is None else _fmt(start),
                "end": None if end is None else _fmt(end),
                "tzid": None if dtstart is None else dtstart.params.get("TZID"),
                "status": _text(ev, "status"),
                "sequence": None if seq is None else int(seq),
                "alarms": sum(1 for c in ev.subcomponents if c.name == "VALARM"),
                "categories": _categories(ev),
            }
        )
    rows.sort(key=lambda r: (r["uid"] or "", r["file"]))
    return rows


def _zoneinfo_knows(tzid: str) -> bool:
    try:
        zoneinfo.ZoneInfo(tzid)
        return True
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False


def file_facts(path: str) -> dict:
    with open(path, "rb") as f:
        cal = Calendar.from_ical(f.read())
    defined = sorted(str(tz["TZID"]) for tz in cal.walk("VTIMEZONE") if "TZID" in tz)
    referenced: set[str] = set()
    for comp in cal.walk():
        if comp.name in ("VTIMEZONE", "STANDARD", "DAYLIGHT"):
            continue
        for values in comp.values():
            for v in values if isinstance(values, list) else [values]:
                params = getattr(v, "params", None)
                if params and "TZID" in params:
                    referenced.add(str(params["TZID"]))
    hollow = sorted(
        str(tz.get("TZID"))
        for tz in cal.walk("VTIMEZONE")
        if not any(sub.name in ("STANDARD", "DAYLIGHT") for sub in tz.subcomponents)
    )
    calendar_properties: dict[str, list[dict]] = {}
    for name, values in cal.items():
        for v in values if isinstance(values, list) else [values]:
            value = str(v) if isinstance(v, vText) else v.to_ical().decode("utf-8")
            params = {str(k): str(p) for k, p in getattr(v, "params", {}).items()}
            calendar_properties.setdefault(str(name).upper(), []).append(
                {"value": value, "params": params}
            )
    anywhere = sorted({str(name).upper() for comp in cal.walk() for name in comp.keys()})
    return {
        "file": os.path.basename(path),
        "calendar_properties": calendar_properties,
        "properties_anywhere": anywhere,
        "vtimezones": defined,
        "vtimezones_without_observances": hollow,
        "tzids_referenced": sorted(referenced),
        "tzids_unknown_to_zoneinfo": sorted(t for t in referenced if not _zoneinfo_knows(t)),
    }


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    rows = []
    for path in argv[1:]:
        rows.extend(events(path))
    rows.sort(key=lambda r: (r["uid"] or "", r["file"]))
    for row in rows:
        print(json.dumps(row, ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
