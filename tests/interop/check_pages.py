#!/usr/bin/env python3
"""History stays reachable: reads a build's permalinks and archive with independent parsers
(Python's html.parser, icalendar and feedparser) and checks, for every `<slug>.ics` of an
output directory, that

  - every VEVENT's URL (icalendar) on the site names a published page whose <h1> is the
    event's SUMMARY, and every feed item's link (feedparser) one whose <h1> is its title; an
    item whose link leaves the site has its own page `<slug>/<id>.html` linking to it;
  - the guid (RSS) is `<channel link><slug>/#<id>`, not the item's page;
  - the archive's contents `<slug>/archive/index.html` link pages that form one chain by
    their rel="prev" / rel="next" links, every page of the chain is listed on the contents,
    and every link on every archive page names a published file;
  - the archive pages together list every page `<slug>/<id>.html` exactly once, so that every
    event of the calendar and every item of the feeds is reachable from the archive;
  - each yearly calendar linked from the contents exists (compare.py reads it with both
    calendar parsers).

Used by compare.py: `check_site(outdir, tally)`.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urldefrag

import check_feed
from icalendar import Calendar


class _Page(HTMLParser):
    """The hrefs (with their rel) and the text of the first <h1> of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str | None]] = []
        self.h1: str | None = None
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("a", "link") and attrs.get("href") is not None:
            self.links.append((attrs["href"], attrs.get("rel")))
        if tag == "h1" and self.h1 is None:
            self._in_h1 = True
            self.h1 = ""

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._in_h1:
            self.h1 += data


def read_page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _local(root: Path, base: str, url: str) -> Path | None:
    """The published file a URL of the site names (None for a URL elsewhere)."""
    url = urldefrag(url)[0]
    if not url.startswith(base):
        return None
    rel = url[len(base):]
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return root / rel


def check_site(root: Path, t) -> None:
    for calendar in sorted(root.glob("*.ics")):
        slug = calendar.stem
        folder = root / slug
        cal = Calendar.from_ical(calendar.read_bytes())
        base = str(cal.get("URL"))  # the channel's link, where `root` is published
        name = f"{slug}"

        # The events' URLs.
        for event in cal.walk("VEVENT"):
            if event.get("RECURRENCE-ID") is not None:
                continue
            uid = str(event.get("UID"))
            url = str(event.get("URL"))
            page = _local(root, base, url)
            if page is None:
                t.check(True, f"{name} {uid}: URL is the publisher's own page")
                continue
            ok = t.check(page.is_file(), f"{name} {uid}: URL names a published page", url)
            if ok:
                h1 = read_page(page).h1
                summary = str(event.get("SUMMARY"))
                # A cancelled event's heading starts with a "Cancelled" badge.
                if str(event.get("STATUS")) == "CANCELLED":
                    summary = f"Cancelled {summary}"
                t.check(h1 == summary, f"{name} {uid}: its page's <h1> is the SUMMARY", f"<h1> {h1!r}")

        # The feed items' links and guids.
        rss = root / f"{slug}.xml"
        if rss.is_file():
            _, items = check_feed.items(str(rss))
            for item in items:
                guid = item["id"]
                item_id = guid.rsplit("#", 1)[-1]
                t.check(guid == f"{base}{slug}/#{item_id}" and guid != item["link"],
                        f"{name} {guid}: the guid is the anchor, not the item's page", item["link"])
                page = _local(root, base, item["link"])
                if page is None:
                    own = folder / f"{item_id}.html"
                    ok = t.check(own.is_file(), f"{name} {guid}: has its own page beside its link")
                    if ok:
                        hrefs = [h for h, _ in read_page(own).links]
                        t.check(item["link"] in hrefs, f"{name} {guid}: its page links its link")
                    continue
                ok = t.check(page.is_file(), f"{name} {guid}: link names a published page", item["link"])
                if ok:
                    h1 = read_page(page).h1
                    t.check(h1 == item["title"], f"{name} {guid}: its page's <h1> is the title", f"<h1> {h1!r}")

        # The archive.
        contents = folder / "archive" / "index.html"
        if not t.check(contents.is_file(), f"{name}: archive/index.html exists"):
            continue
        listed_pages = []
        for href, _ in read_page(contents).links:
            if "/" not in href and href.endswith(".html"):
                listed_pages.append(href)
            if href.endswith(".ics") and "/" not in href:
                t.check((folder / "archive" / href).is_file(), f"{name}: archive calendar {href} exists")
        if not listed_pages:
            stray = [p.name for p in folder.glob("*.html") if p.name != "index.html"]
            t.check(not stray, f"{name}: an archive without pages means no item pages", f"{stray}")
            continue
        pages = {p: read_page(folder / "archive" / p) for p in listed_pages if (folder / "archive" / p).is_file()}
        t.check(len(pages) == len(listed_pages), f"{name}: every page the archive lists exists",
                f"missing {sorted(set(listed_pages) - set(pages))}")

        def rel(p: str, which: str) -> str | None:
            found = [h for h, r in pages[p].links if r == which]
            return found[0] if found else None

        first = listed_pages[0]
        seen = set()
        while rel(first, "prev") in pages and first not in seen:
            seen.add(first)
            first = rel(first, "prev")
        chain, at = [], first
        while at is not None and at in pages and at not in chain:
            chain.append(at)
            nxt = rel(at, "next")
            if nxt is not None:
                t.check(rel(nxt, "prev") == at if nxt in pages else False,
                        f"{name}: {nxt} links back to {at} as previous")
            at = nxt
        t.check(sorted(chain) == sorted(listed_pages), f"{name}: prev/next links walk every archive page",
                f"walked {chain}, listed {listed_pages}")

        counts: dict[str, int] = {}
        for p, page in pages.items():
            page_url = f"{base}{slug}/archive/{p}"
            for href, _ in page.links:
                target = _local(root, base, urljoin(page_url, href))
                if target is None:
                    continue
                t.check(target.is_file(), f"{name}: archive/{p} links {href}, a published file")
                if target.parent == folder and target.suffix == ".html" and target.name != "index.html":
                    counts[target.stem] = counts.get(target.stem, 0) + 1
        permalinks = {p.stem for p in folder.glob("*.html") if p.name != "index.html"}
        t.check(set(counts) == permalinks, f"{name}: the archive lists every event's and article's page",
                f"unlisted {sorted(permalinks - set(counts))}; not pages {sorted(set(counts) - permalinks)}")
        twice = sorted(k for k, n in counts.items() if n != 1)
        t.check(not twice, f"{name}: the archive lists each page once", f"more than once: {twice}")
        uids = {str(e.get("UID")).split("@")[0] for e in cal.walk("VEVENT")}
        t.check(uids <= set(counts), f"{name}: every event of the calendar is reachable from the archive",
                f"unreachable {sorted(uids - set(counts))}")
        if rss.is_file():
            ids = {i["id"].rsplit("#", 1)[-1] for i in check_feed.items(str(rss))[1]}
            t.check(ids <= set(counts), f"{name}: every item of the feeds is reachable from the archive",
                    f"unreachable {sorted(ids - set(counts))}")
