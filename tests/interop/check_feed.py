#!/usr/bin/env python3
"""Reads RSS files with `feedparser` (6.x) and prints one JSON line per item.

Usage: check_feed.py FILE.xml [FILE.xml ...]

Exits non-zero if feedparser flags any file as ill-formed (`bozo != 0`); the bozo exception is
printed to stderr.

Each line holds, from feedparser: file, id (the guid), title, link, published (UTC instant
`YYYY-MM-DDTHH:MM:SSZ`, from `published_parsed`, which feedparser normalises to UTC).
And, read straight from the XML with ElementTree (not feedparser, which folds these away):
guid_is_permalink (the raw isPermaLink attribute, or null if absent) and pub_date_raw (the
pubDate text as written). Lines are sorted by id (then file).
"""

from __future__ import annotations

import calendar
import json
import os
import sys
import time
import xml.etree.ElementTree as ET

import feedparser


def _utc_iso(parsed: time.struct_time | None) -> str | None:
    if parsed is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(calendar.timegm(parsed)))


def _raw_items(path: str) -> dict[str, dict]:
    """guid text -> raw facts, read with ElementTree."""
    out: dict[str, dict] = {}
    root = ET.parse(path).getroot()
    for item in root.iter("item"):
        guid = item.find("guid")
        pub = item.find("pubDate")
        key = (guid.text or "").strip() if guid is not None else ""
        out[key] = {
            "guid_is_permalink": None if guid is None else guid.get("isPermaLink"),
            "pub_date_raw": None if pub is None else (pub.text or ""),
        }
    return out


def items(path: str) -> tuple[dict, list[dict]]:
    """Returns ({file, bozo, bozo_exception, entries}, rows)."""
    parsed = feedparser.parse(path)
    meta = {
        "file": os.path.basename(path),
        "bozo": int(bool(parsed.bozo)),
        "bozo_exception": repr(parsed.get("bozo_exception")) if parsed.bozo else None,
        "version": parsed.get("version"),
        "entries": len(parsed.entries),
    }
    raw = _raw_items(path)
    rows = []
    for entry in parsed.entries:
        rid = entry.get("id")
        facts = raw.get(rid or "", {"guid_is_permalink": None, "pub_date_raw": None})
        rows.append(
            {
                "file": os.path.basename(path),
                "id": rid,
                "title": entry.get("title"),
                "link": entry.get("link"),
                "published": _utc_iso(entry.get("published_parsed")),
                "guid_is_permalink": facts["guid_is_permalink"],
                "pub_date_raw": facts["pub_date_raw"],
            }
        )
    rows.sort(key=lambda r: (r["id"] or "", r["file"]))
    return meta, rows


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: check_feed.py FILE.xml [FILE.xml ...]", file=sys.stderr)
        return 2
    status = 0
    all_rows = []
    for path in argv[1:]:
        meta, rows = items(path)
        if meta["bozo"] != 0:
            print(f"{path}: feedparser bozo=1: {meta['bozo_exception']}", file=sys.stderr)
            status = 1
        all_rows.extend(rows)
    all_rows.sort(key=lambda r: (r["id"] or "", r["file"]))
    for row in all_rows:
        print(json.dumps(row, ensure_ascii=False, sort_keys=True))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
