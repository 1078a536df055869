#!/usr/bin/env node
// Reads .ics files with Mozilla's ical.js (2.x) and prints one JSON line per VEVENT.
//
// Usage: node check_ics.mjs FILE.ics [FILE.ics ...]
//
// Same fields and formats as check_ics.py: file, uid, summary, start, end, tzid, status,
// sequence, alarms, categories; start/end are UTC instants `YYYY-MM-DDTHH:MM:SSZ`, or
// `YYYY-MM-DD` for DATE values; lines sorted by UID (then file).
//
// ical.js has no zone database of its own: a TZID resolves only through a VTIMEZONE, so the
// instants printed here test the VTIMEZONE *content* calfeed writes. Every VTIMEZONE in the
// file is registered with ICAL.TimezoneService (reset before each file, so files cannot lend
// each other zones). A DATE-TIME whose TZID has no VTIMEZONE falls back to ical.js's floating
// "local" zone; it is printed as `FLOATING <local time>` so it can never match a UTC instant.

import fs from "node:fs";
import path from "node:path";
import ICAL from "ical.js";

function fmt(time) {
  if (time === null || time === undefined) return null;
  if (time.isDate) return time.toString(); // YYYY-MM-DD
  if (time.zone === ICAL.Timezone.localTimezone) {
    return "FLOATING " + time.toString();
  }
  return time.toJSDate().toISOString().replace(/\.\d{3}Z$/, "Z");
}

function eventsOf(file) {
  const text = fs.readFileSync(file, "utf8");
  const root = new ICAL.Component(ICAL.parse(text));
  ICAL.TimezoneService.reset();
  for (const vtz of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(vtz);
  }
  const rows = [];
  const vevents = root.getAllSubcomponents("vevent");
  // Left to itself, each ICAL.Event scans every VEVENT of the calendar for exceptions
  // (quadratic: 42 s for 10 000 events); they are grouped by UID once instead.
  const exceptions = new Map();
  for (const vevent of vevents) {
    if (vevent.hasProperty("recurrence-id")) {
      const uid = vevent.getFirstPropertyValue("uid");
      exceptions.set(uid, [...(exceptions.get(uid) ?? []), vevent]);
    }
  }
  for (const vevent of vevents) {
    const own = vevent.hasProperty("recurrence-id")
      ? []
      : exceptions.get(vevent.getFirstPropertyValue("uid")) ?? [];
    const event = new ICAL.Event(vevent, { exceptions: own });
    const dtstart = vevent.getFirstProperty("dtstart");
    const start = dtstart ? event.startDate : null;
    const end = dtstart ? event.endDate : null;
    const seq = vevent.getFirstPropertyValue("sequence");
    rows.push({
      file: path.basename(file),
      uid: vevent.getFirstPropertyValue("uid"),
      summary: vevent.getFirstPropertyValue("summary"),
      start: fmt(start),
      end: fmt(end),
      tzid: dtstart ? dtstart.getParameter("tzid") ?? null : null,
      status: vevent.getFirstPropertyValue("status"),
      sequence: seq === null || seq === undefined ? null : Number(seq),
      alarms: vevent.getAllSubcomponents("valarm").length,
      categories: vevent
        .getAllProperties("categories")
        .flatMap((p) => p.getValues().map(String)),
    });
  }
  return rows;
}

function sortKeys(obj) {
  return Object.fromEntries(Object.keys(obj).sort().map((k) => [k, obj[k]]));
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node check_ics.mjs FILE.ics [FILE.ics ...]");
  process.exit(2);
}
const rows = files.flatMap(eventsOf);
const key = (r) => [r.uid ?? "", r.file];
rows.sort((a, b) => {
  const [ka, kb] = [key(a), key(b)];
  return ka[0] < kb[0] ? -1 : ka[0] > kb[0] ? 1 : ka[1] < kb[1] ? -1 : ka[1] > kb[1] ? 1 : 0;
});
for (const row of rows) console.log(JSON.stringify(sortKeys(row)));
