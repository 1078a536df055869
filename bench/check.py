#!/usr/bin/env python3
"""Correctness of a benchmark build, read back with independent parsers.

Usage: check.py OUT_DIR SLUG N [INPUT]   (INPUT defaults to OUT_DIR/../in-json-N/SLUG.json)

Run by bench/run.sh with the interop venv (.tools/venv: icalendar, feedparser). Checks:
- SLUG.ics parses with Python icalendar; it has N VEVENTs with N distinct UIDs; every
  event's DTSTART, as an instant, is the one the input names (computed here from the input
  with zoneinfo, independently of calfeed), its SUMMARY is the title and it has one VALARM
  per reminder;
- SLUG.xml and SLUG.atom parse with feedparser with bozo == 0 and N entries, whose titles
  are the input's; SLUG.json has N items;
- the one-event files (all of them up to 2000, else an even sample of 2000) parse and each
  holds its one event at the same instant;
- Mozilla's ical.js (tests/interop/check_ics.mjs, under node) reads SLUG.ics to the same N
  events at the same instants;
- the RSS content:encoded, the Atom content and the JSON Feed content_html of every item
  are the same HTML, in the same order (each feed is written in pieces, and the HTML is
  kept out of memory and read back, so this is where a splice would show);
- SLUG/index.html has at most 30 upcoming events and 10 articles and is under 1 MB; every
  event and article has its page SLUG/<id>.html; the archive's pages form one chain of
  previous/next links and list each of them exactly once; every archive page and permalink is
  under 1 MB; the yearly calendars SLUG/archive/<year>.ics hold every event exactly once.
Last line: `check N=...: P passed, F failed`; exit status 1 on any failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zoneinfo
from datetime import date, datetime, timedelta, timezone

import feedparser
from icalendar import Calendar

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
passed = 0
failed = 0


def check(ok: bool, what: str, detail: str = "") -> None:
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL  {what}" + (f": {detail}" if detail else ""))


FIXED = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$")


def zone_of(name: str):
    if name in ("UTC", "GMT", "Z"):
        return timezone.utc
    m = FIXED.match(name)
    if m:
        sign = 1 if m.group(1) == "+" else -1
        return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0)))
    return zoneinfo.ZoneInfo(name)


def expected_start(event: dict, channel_zone: str):
    """The instant (UTC datetime) or the date an input event starts at."""
    text = event["start"]
    if "T" not in text:
        return date.fromisoformat(text)
    if text.endswith("Z") or re.search(r"[+-]\d\d:\d\d$", text):
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
    local = datetime.fromisoformat(text)
    zone = zone_of(event.get("timezone", channel_zone))
    return local.replace(tzinfo=zone).astimezone(timezone.utc)


def utc_text(value) -> str:
    """An expected start as check_ics.mjs prints it."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def element_texts(path: str, tag: str) -> list[str]:
    """The text of every `tag` element of an XML file, in order, read incrementally."""
    texts = []
    for _, element in ET.iterparse(path):
        if element.tag == tag:
            texts.append(element.text or "")
            element.clear()
    return texts


def as_utc(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return ("FLOATING", value)
        return value.astimezone(timezone.utc)
    return value


MB = 1_000_000
HREF = re.compile(r'<a (?:rel="(prev|next)" )?href="([^"]*)"')


def check_history(folder: str, ids: set[str], event_ids: set[str], host: str, n: int) -> None:
    """Every event and article has its own page; the archive's pages form one chain of
    previous/next links and list every one of them exactly once; every archive page and
    permalink is under 1 MB; the yearly calendars hold every event exactly once (read with
    Python icalendar up to N = 10 000, by their UID lines above)."""
    pages = {name[:-5] for name in os.listdir(folder) if name.endswith(".html") and name != "index.html"}
    check(pages == ids, "one page per event and per article",
          f"missing {sorted(ids - pages)[:5]}; unexpected {sorted(pages - ids)[:5]}")
    biggest = max((os.path.getsize(os.path.join(folder, f"{p}.html")) for p in pages), default=0)
    check(biggest < MB, "every permalink is under 1 MB", f"largest {biggest} bytes")
    archive = os.path.join(folder, "archive")
    with open(os.path.join(archive, "index.html"), encoding="utf-8") as f:
        listed = [h for _, h in HREF.findall(f.read()) if "/" not in h and h.endswith(".html")]
    counts: dict[str, int] = {}
    links: dict[str, dict[str, str]] = {}
    sizes = []
    for name in listed:
        with open(os.path.join(archive, name), encoding="utf-8") as f:
            text = f.read()
        sizes.append(len(text.encode("utf-8")))
        links[name] = {}
        for rel, href in HREF.findall(text):
            if rel:
                links[name].setdefault(rel, href)
            elif href.startswith("../") and href.endswith(".html"):
                counts[href[3:-5]] = counts.get(href[3:-5], 0) + 1
    check(max(sizes, default=0) < MB, f"every archive page is under 1 MB ({len(listed)} pages)",
          f"largest {max(sizes, default=0)} bytes")
    first = [name for name in listed if "prev" not in links[name]]
    chain = first[:1]
    while chain and links[chain[-1]].get("next") and len(chain) <= len(listed):
        following = links[chain[-1]]["next"]
        if links.get(following, {}).get("prev") != chain[-1]:
            break
        chain.append(following)
    check(len(first) == 1 and sorted(chain) == sorted(listed),
          "the archive's pages form one chain of previous/next links", f"{len(chain)} of {len(listed)}")
    check(set(counts) == ids and all(c == 1 for c in counts.values()),
          "the archive lists every event and article exactly once",
          f"{len(counts)} listed, {sum(1 for c in counts.values() if c != 1)} more than once")
    found: list[str] = []
    for name in sorted(os.listdir(archive)):
        if not name.endswith(".ics"):
            continue
        path = os.path.join(archive, name)
        if n <= 10000:
            with open(path, "rb") as f:
                found += [str(v["UID"]) for v in Calendar.from_ical(f.read()).walk("VEVENT")]
        else:
            with open(path, encoding="utf-8") as f:
                found += [line[4:].rstrip("\r\n") for line in f if line.startswith("UID:") and "-reminder-" not in line]
    want = {f"{e}@{host}" for e in event_ids}
    check(len(found) == len(want) and set(found) == want,
          "the yearly calendars hold every event exactly once", f"{len(found)} VEVENTs, {len(set(found) & want)} events")


def main() -> int:
    out, slug, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    source = sys.argv[4] if len(sys.argv) > 4 else os.path.join(
        os.path.dirname(os.path.abspath(out)), f"in-json-{n}", f"{slug}.json")
    with open(source, encoding="utf-8") as f:
        data = json.load(f)
    events = {e["id"]: e for e in data["events"]}
    articles = data["articles"]
    channel_zone = data["channel"]["timezone"]
    host = "bench.calfeed.example.org"

    # The calendar: within the default budget (1 000 VEVENTs, 1 000 000 bytes), with every
    # upcoming event (judged from the channel's `updated`, the build's reference date) and
    # the newest past ones; the others are in their one-event files (checked below).
    calendar_path = os.path.join(out, f"{slug}.ics")
    size = os.path.getsize(calendar_path)
    with open(calendar_path, "rb") as f:
        cal = Calendar.from_ical(f.read())
    vevents = [c for c in cal.walk("VEVENT")]
    kept = len(vevents)
    check(kept == n if n <= 500 else 0 < kept <= 1000,
          "calendar carries every event while it fits, at most 1 000 VEVENTs", f"{kept} of {n}")
    check(size <= 1_000_000, "calendar is at most 1 000 000 bytes", f"{size}")
    uids = {str(v["UID"]) for v in vevents}
    check(len(uids) == kept, "calendar UIDs are distinct", f"{len(uids)} distinct")
    reference = datetime.fromisoformat(data["channel"]["updated"].replace("Z", "+00:00"))
    kept_ids = {uid.rsplit("@", 1)[0] for uid in uids}

    def start_key(event_id):
        start = expected_start(events[event_id], channel_zone)
        return start if isinstance(start, datetime) else datetime.combine(
            start, datetime.min.time(), timezone.utc)

    upcoming = {i for i in events if start_key(i) >= reference}
    lost = sorted(upcoming - kept_ids)
    check(not lost, f"every upcoming event is in the calendar ({len(upcoming)})", ", ".join(lost[:5]))
    kept_past = [start_key(i) for i in kept_ids - upcoming]
    dropped = [start_key(i) for i in set(events) - kept_ids]
    check(not dropped or not kept_past or max(dropped) <= min(kept_past),
          "the events left out are the oldest", f"{len(dropped)} left out")
    wrong_start, wrong_title, wrong_alarms = [], [], []
    for v in vevents:
        event_id = str(v["UID"]).rsplit("@", 1)[0]
        event = events.get(event_id)
        if event is None:
            wrong_start.append(f"{event_id}: not in the input")
            continue
        got = as_utc(v.decoded("DTSTART"))
        want = expected_start(event, channel_zone)
        if got != want:
            wrong_start.append(f"{event_id}: {got} != {want}")
        if str(v["SUMMARY"]) != event["title"]:
            wrong_title.append(event_id)
        alarms = len(v.walk("VALARM"))
        if alarms != len(event.get("reminders", [])):
            wrong_alarms.append(event_id)
    check(not wrong_start, "every DTSTART is the input's instant", "; ".join(wrong_start[:5]))
    check(not wrong_title, "every SUMMARY is the input's title", ", ".join(wrong_title[:5]))
    check(not wrong_alarms, "one VALARM per reminder", ", ".join(wrong_alarms[:5]))
    check(len(cal.walk("VTIMEZONE")) > 15, "calendar has its VTIMEZONEs",
          f"{len(cal.walk('VTIMEZONE'))}")
    del cal, vevents

    # The calendar again, with Mozilla's ical.js, which resolves TZIDs only through the
    # VTIMEZONEs calfeed wrote.
    script = os.path.join(REPO, "tests", "interop", "check_ics.mjs")
    have_icaljs = os.path.isdir(os.path.join(REPO, "tests", "interop", "node_modules", "ical.js"))
    check(bool(shutil.which("node")) and have_icaljs, "node and ical.js are installed",
          "run `npm ci` in tests/interop")
    if shutil.which("node") and have_icaljs:
        proc = subprocess.run(
            ["node", "--max-old-space-size=16384", script, os.path.join(out, f"{slug}.ics")],
            capture_output=True, text=True, env=dict(os.environ, TZ="UTC"))
        rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
        check(proc.returncode == 0 and len(rows) == kept, "ical.js reads every VEVENT",
              f"exit {proc.returncode}, {len(rows)} events: {proc.stderr.strip()[:300]}")
        wrong = []
        for row in rows:
            event_id = row["uid"].rsplit("@", 1)[0]
            event = events.get(event_id)
            want = utc_text(expected_start(event, channel_zone)) if event else "(not in input)"
            if row["start"] != want:
                wrong.append(f"{event_id}: {row['start']} != {want}")
        check(not wrong, "ical.js: every start is the input's instant", "; ".join(wrong[:5]))

    # The feeds: the newest 50 articles (the default budget), newest first.
    items_n = min(n, 50)
    def published(article):
        text = article["published"]
        if "T" in text:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
        # A bare date is noon in the channel's zone.
        noon = datetime.fromisoformat(text + "T12:00:00")
        return noon.replace(tzinfo=zone_of(channel_zone)).astimezone(timezone.utc)

    newest = sorted(articles, key=lambda a: a["id"])
    newest.sort(key=published, reverse=True)
    titles = [a["title"] for a in newest[:items_n]]
    for ext in ("xml", "atom"):
        feed = feedparser.parse(os.path.join(out, f"{slug}.{ext}"))
        check(feed.bozo == 0, f"{ext} feed parses (bozo == 0)", str(feed.get("bozo_exception")))
        check(len(feed.entries) == items_n, f"{ext} feed has the newest {items_n} entries",
              f"{len(feed.entries)}")
        got = [e.title for e in feed.entries]
        first = next((i for i, (x, y) in enumerate(zip(got, titles)) if x != y), None)
        check(got == titles, f"{ext} entries are the newest articles, in order",
              f"first difference at {first}: {got[first:first + 1]} != {titles[first:first + 1]}"
              if first is not None else f"{len(got)} != {len(titles)}")
    with open(os.path.join(out, f"{slug}.json"), encoding="utf-8") as f:
        items = json.load(f)["items"]
    check(len(items) == items_n, f"JSON Feed has the newest {items_n} items", f"{len(items)}")
    json_html = [item["content_html"] for item in items]
    del items
    rss_html = element_texts(os.path.join(out, f"{slug}.xml"),
                             "{http://purl.org/rss/1.0/modules/content/}encoded")
    atom_html = element_texts(os.path.join(out, f"{slug}.atom"),
                              "{http://www.w3.org/2005/Atom}content")
    differ = [i for i, (a, b, c) in enumerate(zip(rss_html, atom_html, json_html))
              if not (a == b == c)]
    check(len(rss_html) == len(atom_html) == len(json_html) == items_n and not differ,
          "RSS, Atom and JSON Feed carry the same HTML for every item, in order",
          f"{len(rss_html)}/{len(atom_html)}/{len(json_html)} items; first differing: {differ[:3]}")
    empty = sum(1 for html in json_html if not html.strip())
    check(empty == 0, "every item has its HTML", f"{empty} empty")
    del rss_html, atom_html, json_html

    # The one-event files: every event has one, those the calendar left out included.
    ids = sorted(events)
    step = max(1, len(ids) // 2000)
    missing_files = [i for i in set(events) - kept_ids
                     if not os.path.isfile(os.path.join(out, slug, f"{i}.ics"))]
    check(not missing_files, "every event left out of the calendar has its own file",
          ", ".join(sorted(missing_files)[:5]))
    bad = []
    for event_id in ids[::step]:
        path = os.path.join(out, slug, f"{event_id}.ics")
        try:
            with open(path, "rb") as f:
                one = Calendar.from_ical(f.read())
            only = one.walk("VEVENT")
            if len(only) != 1 or str(only[0]["UID"]) != f"{event_id}@{host}":
                bad.append(f"{event_id}: {len(only)} events")
            elif as_utc(only[0].decoded("DTSTART")) != expected_start(events[event_id], channel_zone):
                bad.append(f"{event_id}: wrong start")
        except Exception as e:  # noqa: BLE001 - any failure to read is the finding
            bad.append(f"{event_id}: {e}")
    check(not bad, f"one-event files parse and agree ({len(ids[::step])} read)", "; ".join(bad[:5]))

    # The page: the upcoming events and the latest articles only, however large the input.
    folder = os.path.join(out, slug)
    with open(os.path.join(folder, "index.html"), encoding="utf-8") as f:
        page = f.read()
    blocks = page.count('<article id="')
    check(0 < blocks <= 40, "publication page has at most 30 upcoming events and 10 articles", f"{blocks}")
    check(len(page) < MB, "publication page is under 1 MB", f"{len(page)} bytes")
    check_history(folder, set(events) | {a["id"] for a in articles}, set(events), host, n)

    print(f"check N={n}: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
