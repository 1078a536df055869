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

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(HERE))

import check_feed  # noqa: E402
import check_ics  # noqa: E402

EVENT_FIELDS = ("uid", "summary", "start", "end", "tzid", "status", "sequence", "alarms", "categories")
ITEM_FIELDS = {"guid": "id", "title": "title", "link": "link", "published": "published"}
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
    is the whole publication; `<slug>/<event-id>.ics` is that one event of it."""
    calendars = expected.get("calendars", {})
    if path.parent == root:
        return calendars.get(path.stem)
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
    for d in dirs:
        t.check(d.is_dir(), f"{d}: output directory exists")
        for path in sorted(d.rglob("*.ics")):
            if path.parent == d:
                seen_ics.add(path.stem)
            try:
                check_calendar(path, d, expected, t)
            except Exception as exc:  # a checker's output we could not read: a failure too
                t.check(False, f"{path.relative_to(d)}: checked without error", repr(exc))
        for path in sorted(d.rglob("*.xml")):
            seen_xml.add(path.stem)
            try:
                check_rss(path, expected, t)
            except Exception as exc:
                t.check(False, f"{path.relative_to(d)}: checked without error", repr(exc))
    for slug in sorted(expected.get("calendars", {})):
        t.check(slug in seen_ics, f"{slug}.ics: was produced", f"no {slug}.ics under {[str(d) for d in dirs]}")
    for slug in sorted(expected.get("feeds", {})):
        t.check(slug in seen_xml, f"{slug}.xml: was produced", f"no {slug}.xml under {[str(d) for d in dirs]}")
    print(f"interop: {t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
