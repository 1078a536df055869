"""Reads a calfeed build back with Python's `icalendar` and `feedparser` and checks that
every text field comes back exactly as written in the publication.

Usage: check_roundtrip.py PUBLIC_DIR SLUG EXPECTED_JSON [--known-bug NAME ...]

EXPECTED_JSON maps field names (channel_title, event_title, ...) to the exact text of that
field in the publication. Texts read from the calendar and from the XML feeds are compared
with carriage returns normalised to line feeds (iCalendar TEXT has only one newline, and XML
parsers normalise line ends); the JSON Feed must give back the exact text.

A check named with --known-bug is a known calfeed bug: it must still fail (and is reported
as such); if it passes, the bug was fixed and the flag should be dropped, so that is a
failure too. Exit status 0 when every check went as expected.

Python's parsers have bugs of their own, which the caller's texts avoid (see hostile.rs):
icalendar 6 unescapes TEXT with chained str.replace (so an escaped backslash followed by
`n`, `,` or `;` comes back wrong) and splits CATEGORIES after unescaping (so an escaped
comma splits an item); feedparser reads C1 control characters as windows-1252.
"""

import html
import json
import sys

import feedparser
import icalendar


def lf(text):
    return text.replace("\r\n", "\n").replace("\r", "\n")


def shown(detail):
    """The text a reader shows of a feedparser content detail: HTML is decoded."""
    if detail is None:
        return None
    if detail.get("type") == "text/html":
        return html.unescape(detail["value"])
    return detail["value"]


def main(argv):
    args = argv[1:]
    known = set()
    while "--known-bug" in args:
        i = args.index("--known-bug")
        known.add(args[i + 1])
        del args[i : i + 2]
    public, slug, expected_path = args
    with open(expected_path, encoding="utf-8") as f:
        want = json.load(f)

    results = []  # (name, ok, detail)

    def check(name, got, expected):
        ok = got == expected
        detail = "" if ok else f"\n      got      {got!r}\n      expected {expected!r}"
        results.append((name, ok, detail))

    # --- iCalendar
    with open(f"{public}/{slug}.ics", "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    events = list(cal.walk("VEVENT"))
    check("ics: one VEVENT", len(events), 1)
    event = events[0]
    check("ics: NAME", str(cal.get("NAME")), lf(want["channel_title"]))
    check("ics: X-WR-CALNAME", str(cal.get("X-WR-CALNAME")), lf(want["channel_title"]))
    check("ics: DESCRIPTION", str(cal.get("DESCRIPTION")), lf(want["channel_description"]))
    check("ics: X-WR-CALDESC", str(cal.get("X-WR-CALDESC")), lf(want["channel_description"]))
    check("ics: SUMMARY", str(event.get("SUMMARY")), lf(want["event_title"]))
    check("ics: LOCATION", str(event.get("LOCATION")), lf(want["event_location"]))
    description = str(event.get("DESCRIPTION"))
    check(
        "ics: DESCRIPTION starts with the text",
        description[: len(lf(want["event_description"])) + 2],
        lf(want["event_description"]) + "\n\n",
    )
    categories = event.get("CATEGORIES")
    categories = categories if isinstance(categories, list) else [categories]
    items = [str(item) for c in categories for item in c.cats]
    check("ics: CATEGORIES", items, [lf(c) for c in want["event_categories"]])
    alarms = list(event.walk("VALARM"))
    check("ics: one VALARM", len(alarms), 1)
    check("ics: VALARM DESCRIPTION", str(alarms[0].get("DESCRIPTION")), lf(want["event_title"]))
    uids = [str(c.get("UID")) for c in cal.walk() if c.get("UID") is not None]
    check("ics: UIDs", uids, ["launch@example.org", "launch-reminder-PT10M@example.org"])

    # --- RSS
    with open(f"{public}/{slug}.xml", "rb") as f:
        rss = feedparser.parse(f.read())
    check("rss: bozo", rss.bozo, 0)
    check("rss: one item", len(rss.entries), 1)
    item = rss.entries[0]
    check("rss: channel title", rss.feed.get("title"), lf(want["channel_title"]))
    # RSS <description> is HTML to readers: what they show is the decoded HTML.
    check(
        "rss: channel description",
        shown(rss.feed.get("subtitle_detail")),
        lf(want["channel_description"]),
    )
    check("rss: item title", item.get("title"), lf(want["article_title"]))
    check("rss: item description", shown(item.get("summary_detail")), lf(want["article_summary"]))
    check("rss: dc:creator", item.get("author"), lf(want["article_author"]))
    check(
        "rss: categories",
        [t.term for t in item.get("tags", [])],
        [lf(c) for c in want["article_categories"]],
    )

    # --- Atom
    with open(f"{public}/{slug}.atom", "rb") as f:
        atom = feedparser.parse(f.read())
    check("atom: bozo", atom.bozo, 0)
    check("atom: one entry", len(atom.entries), 1)
    entry = atom.entries[0]
    check("atom: feed title", atom.feed.get("title"), lf(want["channel_title"]))
    check("atom: subtitle", atom.feed.get("subtitle"), lf(want["channel_description"]))
    check("atom: feed author", atom.feed.get("author"), lf(want["channel_author"]))
    check("atom: entry title", entry.get("title"), lf(want["article_title"]))
    check("atom: summary", entry.get("summary"), lf(want["article_summary"]))
    check("atom: entry author", entry.get("author"), lf(want["article_author"]))
    check(
        "atom: category terms",
        [t.term for t in entry.get("tags", [])],
        [lf(c) for c in want["article_categories"]],
    )

    # --- JSON Feed: exact, carriage returns and all
    with open(f"{public}/{slug}.json", encoding="utf-8") as f:
        feed = json.load(f)
    check("json: title", feed["title"], want["channel_title"])
    check("json: description", feed["description"], want["channel_description"])
    check("json: author", feed["authors"][0]["name"], want["channel_author"])
    check("json: item title", feed["items"][0]["title"], want["article_title"])
    check("json: summary", feed["items"][0]["summary"], want["article_summary"])
    check("json: item author", feed["items"][0]["authors"][0]["name"], want["article_author"])
    check("json: tags", feed["items"][0]["tags"], want["article_categories"])

    failed = 0
    for name, ok, detail in results:
        bug = name.split(":")[0] in known
        if ok and not bug:
            print(f"ok    {name}")
        elif not ok and bug:
            print(f"bug   {name} (known: --known-bug {name.split(':')[0]}){detail}")
        elif ok and bug:
            failed += 1
            print(f"FIXED {name}: passes now; drop --known-bug {name.split(':')[0]}")
        else:
            failed += 1
            print(f"FAIL  {name}{detail}")
    print(f"{len(results) - failed} of {len(results)} checks as expected")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
