#!/usr/bin/env python3
"""Reads JSON Feed files with Python's `json`, validates them against jsonfeed-1.1.schema.json
(hand-written from the JSON Feed 1.1 spec) with the `jsonschema` package, and prints one JSON
line per item.

Usage: check_jsonfeed.py FILE.json [FILE.json ...]

Exits non-zero if a file does not parse or breaks the schema (the errors go to stderr).

Each line holds: file, id, title, url, published (UTC instant `YYYY-MM-DDTHH:MM:SSZ` from
date_published, parsed with datetime.fromisoformat, or `UNPARSEABLE <text>`), content_html,
summary, tags. Lines keep the feed's order.

`load(path)` returns the parsed document; `schema_errors(doc)` the schema violations, one
string each (empty when valid), checked with the date-time format on; `format_checked()`
says whether jsonschema can check "date-time" here at all (it needs rfc3339-validator, and
skips the format silently without it); `items(doc)` the rows above.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import jsonschema

SCHEMA_PATH = Path(__file__).resolve().parent / "jsonfeed-1.1.schema.json"
VALIDATOR = jsonschema.Draft202012Validator


def schema() -> dict:
    doc = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    VALIDATOR.check_schema(doc)  # a broken schema must not pass everything
    return doc


def format_checked() -> bool:
    return "date-time" in VALIDATOR.FORMAT_CHECKER.checkers


def load(path: str):
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"))


def schema_errors(doc) -> list[str]:
    validator = VALIDATOR(schema(), format_checker=VALIDATOR.FORMAT_CHECKER)
    out = []
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        out.append(f"{where}: {err.message}")
    return out


def utc_instant(value) -> str | None:
    """An RFC 3339 date-time as a UTC instant; None if absent; `UNPARSEABLE ...` if not one."""
    if value is None:
        return None
    try:
        dt = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        dt = None
    if dt is None or dt.tzinfo is None:
        return f"UNPARSEABLE {value!r}"
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def items(doc) -> list[dict]:
    rows = []
    for item in doc.get("items", []) if isinstance(doc, dict) else []:
        if not isinstance(item, dict):
            rows.append({"id": None})
            continue
        rows.append(
            {
                "id": item.get("id"),
                "title": item.get("title"),
                "url": item.get("url"),
                "published": utc_instant(item.get("date_published")),
                "content_html": item.get("content_html"),
                "summary": item.get("summary"),
                "tags": item.get("tags", []),
            }
        )
    return rows


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: check_jsonfeed.py FILE.json [FILE.json ...]", file=sys.stderr)
        return 2
    status = 0
    for path in argv[1:]:
        try:
            doc = load(path)
        except (OSError, ValueError) as exc:
            print(f"{path}: not JSON: {exc}", file=sys.stderr)
            status = 1
            continue
        for err in schema_errors(doc):
            print(f"{path}: {err}", file=sys.stderr)
            status = 1
        for row in items(doc):
            row["file"] = os.path.basename(path)
            print(json.dumps(row, ensure_ascii=False, sort_keys=True))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
