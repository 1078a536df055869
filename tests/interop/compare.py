#!/usr/bin/env python3
"""Interop driver: reads calfeed's output with independent parsers and checks it.

Usage: compare.py [-v] [--builds-passed N] [--builds-failed N] OUTDIR [OUTDIR ...]

(--builds-passed/--builds-failed: run.sh's calfeed builds, counted as checks.)

For every `*.ics` under the OUTDIRs it runs check_ics.py (Python icalendar) and check_ics.mjs
(ical.js, via `node`), and checks that
  - both parsers read the file, every TZID referenced has a VTIMEZONE in the file and is a
    name zoneinfo knows, every VTIMEZONE has at least one STANDARD/DAYLIGHT observance, and
    UIDs are unique;
  - the two parsers agree, event by event, on every field;
  - where expected.json has facts for the file's slug, each parser's values match them,
    field by field, and the file holds exactly the expected UIDs. A per-event file
    `<slug>/<event-id>.ics` must hold exactly that one event, with the same facts.
For every `*.xml` it runs check_feed.py (feedparser) and checks bozo == 0, that every guid
is written isPermaLink="false", that every pubDate is RFC 822 with a numeric zone, and the
expected items, field by field. Every slug in expected.json must have been produced.

Next to every `<slug>.xml` there must be a `<slug>.atom` and a `<slug>.json`, built from the
same articles:
  - Atom (feedparser): bozo == 0, Atom 1.0; a rel="self" link equal to `<channel link><slug>.atom`;
    feed `updated` the same instant as RSS lastBuildDate; the same entries as the RSS feed in
    the same order, and per entry (matched by Atom id == RSS guid) the same title, link,
    published instant, summary (RSS description / Atom summary; None when the file has none),
    content (feedparser's content[0].value of both, whitespace runs folded) and categories.
  - JSON Feed (json + jsonschema): valid against jsonfeed-1.1.schema.json (hand-written from
    the 1.1 spec; date-time format checking must be available); feed_url equal to
    `<channel link><slug>.json` and title equal to the RSS channel title; the same items as
    the RSS feed in the same order, and per item (id == guid) the same title, url (RSS link),
    date_published instant (RSS pubDate), content_html == content:encoded exactly, summary ==
    description exactly, and tags == categories. RSS is read here with ElementTree.
A yearly archive calendar `<slug>/archive/<year>.ics` holds exactly the events expected.json's
`archive_calendars` files under that year, with the same facts, and has none of the
subscription properties below nor SOURCE. check_pages.py (html.parser) checks the permalinks
and the archive: the calendars' URLs and the feeds' links name pages whose <h1> is the
event's or item's title, the guids stay anchors, the archive's pages form one prev/next chain
and list every event's and article's page exactly once.
Calendar-level properties (Python icalendar): a per-event file `<slug>/<event-id>.ics` has no
NAME, X-WR-CALNAME, REFRESH-INTERVAL or X-PUBLISHED-TTL anywhere (with them, Outlook and others
make a new calendar subscription of a one-event download); a whole-calendar `<slug>.ics` has
exactly one NAME and one X-WR-CALNAME, and, where expected.json gives `properties`, those
values, with REFRESH-INTERVAL (VALUE=DURATION) and X-PUBLISHED-TTL equal to the expected
duration (or absent when it is null).

Each of these is one check. Failures are printed as they are found; the last line is
`interop: N passed, M failed`. Exit status 1 if anything failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urljoin

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(HERE))

import check_feed  # noqa: E402
import check_ics  # noqa: E402
import check_jsonfeed  # noqa: E402
import check_pages  # noqa: E402
from icalendar.prop import vDuration  # noqa: E402

EVENT_FIELDS = ("uid", "summary", "start", "end", "tzid", "status", "sequence", "alarms", "categories")
ITEM_FIELDS = {"guid": "id", "title": "title", "link": "link", "published": "published"}
# Properties that belong to a calendar subscription, never to a one-event download.
SUBSCRIPTION_PROPS = ("NAME", "X-WR-CALNAME", "REFRESH-INTERVAL", "X-PUBLISHED-TTL")
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$"
)


class Tally:
    def __init__(self, verbose: bool) -> None:
        self.passed = 0
        self.failed = 0
        self.verbose = verbose

    def check(self, ok: bool, label: str, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            if self.verbose:
                print(f"ok    {label}")
        else:
            self.failed += 1
            print(f"FAIL  {label}" + (f"\n      {detail}" if detail else ""))
        return ok


def _show(v) -> str:
    return json.dumps(v, ensure_ascii=False)


def run_json_lines(cmd: list[str], env=None) -> tuple[list[dict] | None, str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        return None, (proc.stderr.strip() or proc.stdout.strip() or f"exit {proc.returncode}")
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return rows, proc.stderr.strip()


def expected_calendar(path: Path, root: Path, expected: dict) -> dict | None:
    """The expected facts for a calendar file: `<slug>.ics` at the top of the output directory
    is the whole publication; `<slug>/<event-id>.ics` is that one event of it;
    `<slug>/archive/<year>.ics` exactly the events expected.json files under that year."""
    calendars = expected.get("calendars", {})
    if path.parent == root:
        return calendars.get(path.stem)
    if path.parent.name == "archive" and path.parent.parent.parent == root:
        slug = path.parent.parent.name
        uids = expected.get("archive_calendars", {}).get(slug, {}).get(path.stem)
        whole = calendars.get(slug)
        if uids is None or whole is None:
            return None
        return {"exact": True, "events": [e for e in whole["events"] if e["uid"] in uids]}
    if path.parent.name == "category" and path.parent.parent.parent == root:
        slug = path.parent.parent.name
        uids = expected.get("category_calendars", {}).get(slug, {}).get(path.stem)
        whole = calendars.get(slug)
        if uids is None or whole is None:
            return None
        return {"exact": True, "events": [e for e in whole["events"] if e["uid"] in uids]}
    whole = calendars.get(path.parent.name)
    if whole is None:
        return None
    one = [e for e in whole["events"] if e["uid"].startswith(path.stem + "@")]
    return {"exact": True, "events": one} if one else None


def check_calendar(path: Path, root: Path, expected: dict, t: Tally) -> None:
    name = str(path.relative_to(root))
    py, py_err = run_json_lines([sys.executable, str(HERE / "check_ics.py"), str(path)])
    t.check(py is not None, f"{name}: Python icalendar parses it", py_err)
    node_env = dict(os.environ, TZ="UTC")
    js, js_err = run_json_lines(["node", str(HERE / "check_ics.mjs"), str(path)], env=node_env)
    t.check(js is not None, f"{name}: ical.js parses it", js_err)

    if py is not None:
        facts = check_ics.file_facts(str(path))
        missing = sorted(set(facts["tzids_referenced"]) - set(facts["vtimezones"]))
        t.check(
            not missing,
            f"{name}: every TZID referenced has a VTIMEZONE",
            f"no VTIMEZONE for {missing}; VTIMEZONEs present: {facts['vtimezones']}",
        )
        hollow = facts["vtimezones_without_observances"]
        t.check(
            not hollow,
            f"{name}: every VTIMEZONE has a STANDARD or DAYLIGHT observance (RFC 5545 3.6.5)",
            f"VTIMEZONE with no observance, so no offset at all: {hollow}",
        )
        unknown = facts["tzids_unknown_to_zoneinfo"]
        t.check(
            not unknown,
            f"{name}: every TZID referenced is an IANA name zoneinfo knows",
            f"unknown to zoneinfo: {unknown}",
        )
        uids = [r["uid"] for r in py]
        dups = sorted({u for u in uids if uids.count(u) > 1})
        t.check(not dups, f"{name}: UIDs are unique", f"duplicated: {dups}")
        if path.parent == root:
            check_calendar_properties(name, facts, expected.get("calendars", {}).get(path.stem), t)
        elif path.parent.name == "category":
            check_category_calendar(path, root, facts, expected, t)
        elif path.parent.name == "archive":
            # A year to import: no subscription's properties, and no SOURCE to refresh from.
            present = [p for p in SUBSCRIPTION_PROPS + ("SOURCE",) if p in facts["properties_anywhere"]]
            t.check(
                not present,
                f"{name}: yearly archive calendar has no NAME, X-WR-CALNAME, REFRESH-INTERVAL, X-PUBLISHED-TTL or SOURCE",
                f"present: {present}",
            )
        else:
            present = [p for p in SUBSCRIPTION_PROPS if p in facts["properties_anywhere"]]
            t.check(
                not present,
                f"{name}: one-event file has no NAME, X-WR-CALNAME, REFRESH-INTERVAL or X-PUBLISHED-TTL",
                f"present: {present}",
            )

    by_py = {r["uid"]: r for r in py or []}
    by_js = {r["uid"]: r for r in js or []}

    if py is not None and js is not None:
        for uid in sorted(set(by_py) | set(by_js)):
            a, b = by_py.get(uid), by_js.get(uid)
            if a is None or b is None:
                t.check(False, f"{name} {uid}: both parsers see the event",
                        f"icalendar: {'yes' if a else 'no'}, ical.js: {'yes' if b else 'no'}")
                continue
            diffs = [
                f"{f}: icalendar {_show(a.get(f))} vs ical.js {_show(b.get(f))}"
                for f in EVENT_FIELDS
                if a.get(f) != b.get(f)
            ]
            t.check(not diffs, f"{name} {uid}: icalendar and ical.js agree", "; ".join(diffs))

    exp = expected_calendar(path, root, expected)
    if exp is None:
        print(f"note  {name}: no expected facts for it; parser checks only")
        return
    want_uids = [e["uid"] for e in exp["events"]]
    for parser, rows, got in (("icalendar", py, by_py), ("ical.js", js, by_js)):
        if rows is None:
            continue
        if exp.get("exact", False):
            extra = sorted(set(got) - set(want_uids))
            missing = sorted(set(want_uids) - set(got))
            t.check(
                not extra and not missing,
                f"[{parser}] {name}: holds exactly the expected UIDs",
                f"missing {missing}; unexpected {extra}",
            )
        for e in exp["events"]:
            uid = e["uid"]
            row = got.get(uid)
            if row is None:
                t.check(False, f"[{parser}] {name} {uid}: present", "event not found")
                continue
            for field in EVENT_FIELDS:
                if field == "uid" or field not in e:
                    continue
                value = row.get(field)
                if field == "sequence" and value is None:
                    value = 0  # RFC 5546 3.1.4: an absent SEQUENCE means 0
                t.check(
                    value == e[field],
                    f"[{parser}] {name} {uid}: {field}",
                    f"expected {_show(e[field])}, got {_show(value)}",
                )


def check_category_calendar(path: Path, root: Path, facts: dict, expected: dict, t: Tally) -> None:
    """A category's calendar (by_category) is a subscription of its own: it has the whole
    calendar's refresh interval, its own name, and a SOURCE that is its own address."""
    name = str(path.relative_to(root))
    slug = path.parent.parent.name
    whole = expected.get("calendars", {}).get(slug)
    check_calendar_properties(name, facts, whole and {"properties": {
        k: v for k, v in whole.get("properties", {}).items()
        if k in ("REFRESH-INTERVAL", "X-PUBLISHED-TTL")}}, t)
    props = facts["calendar_properties"]
    want_name = expected.get("category_names", {}).get(slug, {}).get(path.stem)
    if want_name is not None:
        got = [p["value"] for p in props.get("X-WR-CALNAME", [])]
        t.check(got == [want_name], f"{name}: X-WR-CALNAME names the category",
                f"expected {_show(want_name)}, got {_show(got)}")
    source = [p["value"] for p in props.get("SOURCE", [])]
    want = f"/{slug}/category/{quote(path.name)}"
    t.check(len(source) == 1 and source[0].endswith(want),
            f"{name}: SOURCE is its own address", f"expected ...{want}, got {_show(source)}")


def check_category_rss(path: Path, root: Path, expected: dict, t: Tally) -> None:
    """A category's RSS feed: valid RSS 2.0, exactly the expected items, each with the guid,
    title, link and date it has in the publication's own feed (so that a reader subscribed to
    both sees one item once), and a self link that is its own address."""
    name = str(path.relative_to(root))
    slug = path.parent.parent.name
    try:
        meta, rows = check_feed.items(str(path))
    except Exception as exc:
        t.check(False, f"{name}: feed parses", repr(exc))
        return
    t.check(meta["bozo"] == 0, f"{name}: feedparser bozo == 0", str(meta["bozo_exception"]))
    want = expected.get("category_feeds", {}).get(slug, {}).get(path.stem)
    if want is None:
        print(f"note  {name}: no expected items; parser checks only")
        return
    got = {r["id"]: r for r in rows}
    t.check(sorted(got) == sorted(want), f"{name}: holds exactly the expected items",
            f"expected {want}, got {sorted(got)}")
    whole = {i["guid"]: i for i in expected.get("feeds", {}).get(slug, {}).get("items", [])}
    for guid in want:
        row, item = got.get(guid), whole.get(guid)
        if row is None or item is None:
            continue
        for field, key in ITEM_FIELDS.items():
            if field in item:
                t.check(row.get(key) == item[field], f"{name} {guid}: {field} as in {slug}.xml",
                        f"expected {_show(item[field])}, got {_show(row.get(key))}")
    text = path.read_text(encoding="utf-8")
    self_href = re.search(r'<atom:link[^>]*href="([^"]+)"[^>]*rel="self"', text)
    want_self = f"/{slug}/category/{quote(path.name)}"
    t.check(self_href is not None and self_href.group(1).endswith(want_self),
            f"{name}: atom:link rel=self is its own address",
            f"expected ...{want_self}, got {self_href and self_href.group(1)}")


def _duration(text: str):
    """An RFC 5545 DURATION as a timedelta, or the text itself if it is not one."""
    try:
        return vDuration.from_ical(text)
    except (ValueError, TypeError):
        return f"NOT A DURATION {text!r}"


def check_calendar_properties(name: str, facts: dict, exp: dict | None, t: Tally) -> None:
    """The whole-calendar file's subscription properties (see the module docstring)."""
    props = facts["calendar_properties"]
    want = (exp or {}).get("properties", {})
    for prop in ("NAME", "X-WR-CALNAME"):
        got = props.get(prop, [])
        t.check(len(got) == 1, f"{name}: VCALENDAR has one {prop}", f"{len(got)} found")
        if got and prop in want:
            t.check(
                got[0]["value"] == want[prop],
                f"{name}: {prop}",
                f"expected {_show(want[prop])}, got {_show(got[0]['value'])}",
            )
    for prop in ("REFRESH-INTERVAL", "X-PUBLISHED-TTL"):
        if prop not in want:
            continue
        got = props.get(prop, [])
        if want[prop] is None:
            t.check(not got, f"{name}: no {prop} (the channel sets no refresh)",
                    f"found {_show(got)}")
            continue
        if not t.check(len(got) == 1, f"{name}: VCALENDAR has one {prop}", f"{len(got)} found"):
            continue
        value = _duration(got[0]["value"])
        t.check(
            value == _duration(want[prop]),
            f"{name}: {prop} is {want[prop]}",
            f"got {_show(got[0]['value'])}",
        )
        if prop == "REFRESH-INTERVAL":  # RFC 7986 5.7: VALUE=DURATION is required
            t.check(
                got[0]["params"].get("VALUE", "").upper() == "DURATION",
                f"{name}: REFRESH-INTERVAL has VALUE=DURATION",
                f"params {_show(got[0]['params'])}",
            )


def _order_and_pairs(t: Tally, name: str, what: str, want_ids: list, got_ids: list) -> None:
    t.check(
        len(got_ids) == len(want_ids),
        f"{name}: as many {what} as the RSS feed",
        f"{len(got_ids)} vs RSS {len(want_ids)}",
    )
    t.check(got_ids == want_ids, f"{name}: {what} in the RSS feed's order (ids == guids)",
            f"got {_show(got_ids)}; RSS {_show(want_ids)}")


def check_atom(path: Path, rss: Path, t: Tally) -> None:
    name = path.name
    try:
        raw = check_feed.rss_raw(str(rss))
        _, rss_rows = check_feed.entries(str(rss))
    except Exception as exc:
        t.check(False, f"{name}: the RSS feed to compare it with reads", repr(exc))
        return
    try:
        meta, rows = check_feed.entries(str(path))
    except Exception as exc:
        t.check(False, f"{name}: feed parses", repr(exc))
        return
    t.check(meta["bozo"] == 0, f"{name}: feedparser bozo == 0", str(meta["bozo_exception"]))
    t.check(meta["version"] == "atom10", f"{name}: feedparser sees Atom 1.0",
            f"version {meta['version']!r}")
    want_self = urljoin(raw["link"] or "", f"{path.stem}.atom")
    selfs = [link.get("href") for link in meta["links"] if link.get("rel") == "self"]
    t.check(selfs == [want_self], f"{name}: one rel=\"self\" link, {want_self}",
            f"rel=self hrefs {_show(selfs)}")
    t.check(
        meta["updated"] is not None and meta["updated"] == raw["last_build_date"],
        f"{name}: feed updated == RSS lastBuildDate (as instants)",
        f"Atom updated {meta['updated']}; RSS lastBuildDate {_show(raw['last_build_date_raw'])}"
        f" = {raw['last_build_date']}",
    )
    _order_and_pairs(t, name, "entries", [r["id"] for r in rss_rows], [r["id"] for r in rows])
    by_id = {r["id"]: r for r in rows}
    for want in rss_rows:
        got = by_id.get(want["id"])
        if not t.check(got is not None, f"{name} {want['id']}: entry with that id",
                       "no Atom entry whose id is this RSS guid"):
            continue
        for field, required in (("title", True), ("link", True), ("published", True),
                                ("summary", False), ("content", True), ("tags", False)):
            a, b = got.get(field), want.get(field)
            if field == "content":
                a, b = check_feed.normalise_ws(a), check_feed.normalise_ws(b)
            t.check(
                a == b and (a is not None or not required),
                f"{name} {want['id']}: {field} same as RSS",
                f"Atom {_show(a)}\n      RSS  {_show(b)}",
            )


def check_json_feed(path: Path, rss: Path, t: Tally) -> None:
    name = path.name
    try:
        raw = check_feed.rss_raw(str(rss))
    except Exception as exc:
        t.check(False, f"{name}: the RSS feed to compare it with reads", repr(exc))
        return
    try:
        doc = check_jsonfeed.load(str(path))
    except Exception as exc:
        t.check(False, f"{name}: parses as JSON", repr(exc))
        return
    t.check(True, f"{name}: parses as JSON")
    t.check(check_jsonfeed.format_checked(), f"{name}: jsonschema can check the date-time format",
            "jsonschema has no date-time checker (is rfc3339-validator installed?)")
    errors = check_jsonfeed.schema_errors(doc)
    t.check(not errors, f"{name}: valid JSON Feed 1.1 (jsonfeed-1.1.schema.json)",
            "\n      ".join(errors[:20]) + (f"\n      ... {len(errors) - 20} more" if len(errors) > 20 else ""))
    if not isinstance(doc, dict):
        return
    want_url = urljoin(raw["link"] or "", f"{path.stem}.json")
    t.check(doc.get("feed_url") == want_url, f"{name}: feed_url is {want_url}",
            f"got {_show(doc.get('feed_url'))}")
    t.check(doc.get("title") == raw["title"], f"{name}: title same as the RSS channel's",
            f"JSON {_show(doc.get('title'))}; RSS {_show(raw['title'])}")
    rows = check_jsonfeed.items(doc)
    _order_and_pairs(t, name, "items", list(raw["items"]), [r["id"] for r in rows])
    by_id = {r["id"]: r for r in rows if isinstance(r.get("id"), str)}
    for guid, want in raw["items"].items():
        got = by_id.get(guid)
        if not t.check(got is not None, f"{name} {guid}: item with that id",
                       "no JSON Feed item whose id is this RSS guid"):
            continue
        for field, rss_field, required in (
            ("title", "title", True),
            ("url", "link", True),
            ("published", "published", True),
            ("content_html", "content_encoded", True),
            ("summary", "description", False),
            ("tags", "categories", False),
        ):
            a, b = got.get(field), want.get(rss_field)
            t.check(
                a == b and (a is not None or not required),
                f"{name} {guid}: {field} same as RSS {rss_field}",
                f"JSON {_show(a)}\n      RSS  {_show(b)}",
            )


def check_rss(path: Path, expected: dict, t: Tally) -> None:
    name = path.name
    slug = path.stem
    try:
        meta, rows = check_feed.items(str(path))
    except Exception as exc:  # ElementTree or feedparser blew up
        t.check(False, f"{name}: feed parses", repr(exc))
        return
    t.check(meta["bozo"] == 0, f"{name}: feedparser bozo == 0", str(meta["bozo_exception"]))
    t.check(
        (meta["version"] or "").startswith("rss2"),
        f"{name}: feedparser sees RSS 2.0",
        f"version {meta['version']!r}",
    )
    for r in rows:
        t.check(
            r["guid_is_permalink"] == "false",
            f"{name} {r['id']}: guid isPermaLink=\"false\"",
            f"isPermaLink is {_show(r['guid_is_permalink'])}",
        )
        t.check(
            r["pub_date_raw"] is not None and RFC822.match(r["pub_date_raw"]) is not None,
            f"{name} {r['id']}: pubDate is RFC 822 with a numeric zone",
            f"pubDate {_show(r['pub_date_raw'])}",
        )

    exp = expected.get("feeds", {}).get(slug)
    if exp is None:
        print(f"note  {name}: no expected items for slug {slug!r}; parser checks only")
        return
    got = {r["id"]: r for r in rows}
    want = [i["guid"] for i in exp["items"]]
    if exp.get("exact", False):
        extra = sorted(set(got) - set(want))
        missing = sorted(set(want) - set(got))
        t.check(not extra and not missing, f"{name}: holds exactly the expected items",
                f"missing {missing}; unexpected {extra}")
    for item in exp["items"]:
        row = got.get(item["guid"])
        if row is None:
            t.check(False, f"{name} {item['guid']}: present", "item not found")
            continue
        for field, key in ITEM_FIELDS.items():
            if field == "guid" or field not in item:
                continue
            t.check(
                row.get(key) == item[field],
                f"{name} {item['guid']}: {field}",
                f"expected {_show(item[field])}, got {_show(row.get(key))}",
            )


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="calfeed interop checks")
    ap.add_argument("-v", "--verbose", action="store_true", help="also list passing checks")
    ap.add_argument("--builds-passed", type=int, default=0)
    ap.add_argument("--builds-failed", type=int, default=0)
    ap.add_argument("dirs", nargs="+", type=Path, metavar="OUTDIR")
    opts = ap.parse_args(argv[1:])
    dirs = opts.dirs
    expected = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
    t = Tally(opts.verbose)
    t.passed += opts.builds_passed
    t.failed += opts.builds_failed
    seen_ics: set[str] = set()
    seen_xml: set[str] = set()
    seen_atom: set[str] = set()
    seen_json: set[str] = set()
    seen_category: set[str] = set()
    for d in dirs:
        t.check(d.is_dir(), f"{d}: output directory exists")
        for path in sorted(d.rglob("*.ics")):
            if path.parent == d:
                seen_ics.add(path.stem)
            if path.parent.name == "category":
                seen_category.add(str(path.relative_to(d)))
            try:
                check_calendar(path, d, expected, t)
            except Exception as exc:  # a checker's output we could not read: a failure too
                t.check(False, f"{path.relative_to(d)}: checked without error", repr(exc))
        for path in sorted(d.rglob("*.xml")):
            if path.parent.name == "category":
                seen_category.add(str(path.relative_to(d)))
                try:
                    check_category_rss(path, d, expected, t)
                except Exception as exc:
                    t.check(False, f"{path.relative_to(d)}: checked without error", repr(exc))
                continue
            seen_xml.add(path.stem)
            try:
                check_rss(path, expected, t)
            except Exception as exc:
                t.check(False, f"{path.relative_to(d)}: checked without error", repr(exc))
            for suffix, check, seen in ((".atom", check_atom, seen_atom),
                                        (".json", check_json_feed, seen_json)):
                other = path.with_suffix(suffix)
                if not t.check(other.is_file(), f"{other.relative_to(d)}: written next to {path.name}",
                               f"no {other}"):
                    continue
                seen.add(path.stem)
                try:
                    check(other, path, t)
                except Exception as exc:
                    t.check(False, f"{other.relative_to(d)}: checked without error", repr(exc))
        try:
            check_pages.check_site(d, t)
        except Exception as exc:
            t.check(False, f"{d}: permalinks and archive checked without error", repr(exc))
    for slug in sorted(expected.get("calendars", {})):
        t.check(slug in seen_ics, f"{slug}.ics: was produced", f"no {slug}.ics under {[str(d) for d in dirs]}")
    for slug, years in sorted(expected.get("archive_calendars", {}).items()):
        for year in sorted(years):
            found = any((d / slug / "archive" / f"{year}.ics").is_file() for d in dirs)
            t.check(found, f"{slug}/archive/{year}.ics: was produced")
    for key, suffix in (("category_calendars", ".ics"), ("category_feeds", ".xml")):
        for slug, categories in sorted(expected.get(key, {}).items()):
            if slug.startswith("_"):
                continue
            for stem in sorted(categories):
                file = f"{slug}/category/{stem}{suffix}"
                t.check(file in seen_category, f"{file}: was produced")
    for slug in sorted(expected.get("feeds", {})):
        t.check(slug in seen_xml, f"{slug}.xml: was produced", f"no {slug}.xml under {[str(d) for d in dirs]}")
        t.check(slug in seen_atom, f"{slug}.atom: was produced", f"no {slug}.atom under {[str(d) for d in dirs]}")
        t.check(slug in seen_json, f"{slug}.json: was produced", f"no {slug}.json under {[str(d) for d in dirs]}")
    print(f"interop: {t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
