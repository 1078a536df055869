#!/usr/bin/env python3
"""Reads RSS (and Atom) files with `feedparser` (6.x) and prints one JSON line per item.

Usage: check_feed.py FILE.xml [FILE.xml ...]

Exits non-zero if feedparser flags any file as ill-formed (`bozo != 0`); the bozo exception is
printed to stderr.

Each line holds, from feedparser: file, id (the guid), title, link, published (UTC instant
`YYYY-MM-DDTHH:MM:SSZ`, from `published_parsed`, which feedparser normalises to UTC).
And, read straight from the XML with ElementTree (not feedparser, which folds these away):
guid_is_permalink (the raw isPermaLink attribute, or null if absent) and pub_date_raw (the
pubDate text as written). Lines are sorted by id (then file).

`entries(path)` (used by compare.py for the RSS/Atom comparison) reads an RSS or Atom file and
returns the feed-level facts and the entries in document order, with summary and content;
`rss_raw(path)` returns what ElementTree reads straight from an RSS file: the channel's link,
title and lastBuildDate, and per guid the exact description and content:encoded texts.
"""

from __future__ import annotations

import calendar
import email.utils
import json
import os
import re
import sys
import time
import xml.etree.ElementTree as ET
from datetime import timezone

import feedparser


def _utc_iso(parsed: time.struct_time | None) -> str | None:
    if parsed is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(calendar.timegm(parsed)))


CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"


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


def _rfc822_utc(value: str | None) -> str | None:
    """An RFC 822 date (read by the standard library's email.utils) as a UTC instant."""
    if value is None:
        return None
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return f"UNPARSEABLE {value!r}"
    if dt.tzinfo is None:
        return f"NO ZONE {value!r}"
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def rss_raw(path: str) -> dict:
    """The channel's link, title, lastBuildDate (raw, and as a UTC instant) and the items in
    document order, keyed by guid: the exact texts of title, link, description and
    content:encoded (None when absent), pubDate as a UTC instant (email.utils) and the
    categories, read with ElementTree, not feedparser."""
    channel = ET.parse(path).getroot().find("channel")
    if channel is None:
        raise ValueError("no <channel>")

    def text(parent, tag):
        el = parent.find(tag)
        return None if el is None else (el.text or "")

    build = text(channel, "lastBuildDate")
    items = {}
    for item in channel.iter("item"):
        guid = (text(item, "guid") or "").strip()
        items[guid] = {
            "title": text(item, "title"),
            "link": text(item, "link"),
            "published": _rfc822_utc(text(item, "pubDate")),
            "description": text(item, "description"),
            "content_encoded": text(item, CONTENT_ENCODED),
            "categories": [(c.text or "") for c in item.findall("category")],
        }
    return {
        "link": text(channel, "link"),
        "title": text(channel, "title"),
        "last_build_date_raw": build,
        "last_build_date": _rfc822_utc(build),
        "items": items,
    }


def normalise_ws(value: str | None) -> str | None:
    """Runs of whitespace as one space, trimmed: what the RSS/Atom content comparison uses."""
    return None if value is None else re.sub(r"\s+", " ", value).strip()


def entries(path: str) -> tuple[dict, list[dict]]:
    """RSS or Atom, read by feedparser. Returns ({file, bozo, bozo_exception, version, title,
    updated, links}, rows) with rows in document order: id, title, link, published (UTC),
    summary, content, tags.

    `summary` is None unless the file has one of its own (RSS description, Atom summary):
    feedparser fills `summary` in from the content when there is none, and records that it did
    by leaving out `summary_detail`. `content` is feedparser's `content[0].value` (sanitised
    HTML), None if there is no content."""
    parsed = feedparser.parse(path)
    feed = parsed.feed
    meta = {
        "file": os.path.basename(path),
        "bozo": int(bool(parsed.bozo)),
        "bozo_exception": repr(parsed.get("bozo_exception")) if parsed.bozo else None,
        "version": parsed.get("version"),
        "title": feed.get("title"),
        "updated": _utc_iso(feed.get("updated_parsed")),
        "links": [dict(link) for link in feed.get("links", [])],
    }
    rows = []
    for entry in parsed.entries:
        content = entry.get("content") or []
        rows.append(
            {
                "id": entry.get("id"),
                "title": entry.get("title"),
                "link": entry.get("link"),
                "published": _utc_iso(entry.get("published_parsed")),
                "summary": entry.get("summary") if "summary_detail" in entry else None,
                "content": content[0].get("value") if content else None,
                "tags": [t.get("term") for t in entry.get("tags", [])],
            }
        )
    return meta, rows


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
