//! History stays reachable: one page per event and per article (`<slug>/<id>.html`),
//! linked from the feeds' items, the calendars' `URL` and the add-to-calendar links, while
//! the feeds' guids and ids stay the anchors they always were; the publication's page shows
//! what is upcoming and the latest articles; the archive (`<slug>/archive/`) lists every
//! event and article exactly once, by year, month and numbered part, with previous and next
//! links, and one calendar per year of events to import.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use url::Url;
use url::form_urlencoded::byte_serialize;

use crate::support::ics::Ics;
use crate::support::{Ran, Test, json, xml};

const BASE: &str = "https://example.org/";

/// What [`publication`] holds, by id: the year each event is filed under, and the ids of
/// articles and events in the order of the data.
struct Expected {
    /// Event id, the year it is filed under, and whether it is upcoming on 2025-01-01.
    events: Vec<(String, i32, bool)>,
    articles: Vec<String>,
}

/// A publication whose archive needs every kind of page: 2021 on one page, 2022 (articles
/// only), 2023 too full for one page (January in two parts, then February), an event
/// filed under 2024 by its local day although it starts in 2023 in UTC, and 40 future events
/// in 2030, listed latest first. An event with its own `url` and an article with its own
/// `link`. The reference date is the channel's `updated`, 2025-01-01.
fn publication() -> (String, Expected) {
    let mut text = String::from(
        "[channel]\ntitle = \"History\"\ndescription = \"Everything, reachable\"\n\
         link = \"https://example.org/\"\nlanguage = \"en\"\ntimezone = \"UTC\"\n\
         updated = \"2025-01-01T00:00:00Z\"\n",
    );
    let mut expected = Expected {
        events: Vec::new(),
        articles: Vec::new(),
    };
    let mut event = |text: &mut String, id: &str, start: &str, year: i32, extra: &str| {
        text.push_str(&format!(
            "\n[[events]]\nid = \"{id}\"\ntitle = \"Event {id}\"\nstart = \"{start}\"\n\
             duration = \"1h\"\n{extra}"
        ));
        expected
            .events
            .push((id.to_string(), year, start.starts_with("2030")));
    };
    for i in 0..3 {
        event(
            &mut text,
            &format!("old{i}"),
            &format!("2021-03-0{}T10:00", i + 1),
            2021,
            "",
        );
    }
    event(
        &mut text,
        "elsewhere",
        "2021-05-01T10:00",
        2021,
        "url = \"https://elsewhere.example.com/event\"\n",
    );
    for i in 0..300 {
        let start = format!("2023-01-{:02}T{:02}:00", 1 + i % 28, i % 24);
        event(&mut text, &format!("jan{i}"), &start, 2023, "");
    }
    for i in 0..50 {
        let start = format!("2023-02-{:02}T10:00", 1 + i % 28);
        event(&mut text, &format!("feb{i}"), &start, 2023, "");
    }
    event(
        &mut text,
        "tokyo-new-year",
        "2024-01-01T00:30",
        2024,
        "timezone = \"Asia/Tokyo\"\n",
    );
    for i in 0..40 {
        // Latest first in the data: the page must sort them.
        let start = format!("2030-{:02}-{:02}T10:00", 12 - i / 4, 20 - i % 4);
        event(&mut text, &format!("future{i}"), &start, 2030, "");
    }
    let mut article = |text: &mut String, id: &str, published: &str, extra: &str| {
        text.push_str(&format!(
            "\n[[articles]]\nid = \"{id}\"\ntitle = \"Article {id}\"\npublished = \"{published}\"\n\
             content = \"Body of {id}, with [a relative link](more.html).\"\n{extra}"
        ));
        expected.articles.push(id.to_string());
    };
    article(&mut text, "old-news", "2021-04-01", "");
    article(
        &mut text,
        "linked",
        "2021-06-01",
        "link = \"https://elsewhere.example.com/article\"\n",
    );
    for i in 0..3 {
        article(
            &mut text,
            &format!("y2022-{i}"),
            &format!("2022-0{}-01", i + 1),
            "",
        );
    }
    for i in 0..300 {
        let published = format!("2023-01-{:02}T{:02}:30", 1 + i % 28, i % 24);
        article(&mut text, &format!("jan-news{i}"), &published, "");
    }
    for i in 0..28 {
        article(
            &mut text,
            &format!("feb-news{i}"),
            &format!("2023-02-{:02}", i + 1),
            "",
        );
    }
    (text, expected)
}

fn build() -> (Ran, Expected) {
    let (text, expected) = publication();
    let ran = Test::new().feed("h.toml", &text).args(["build"]).run();
    (ran, expected)
}

fn permalink(id: &str) -> String {
    format!("{BASE}h/{id}.html")
}

fn anchor(id: &str) -> String {
    format!("{BASE}h/#{id}")
}

/// Every `href` of a page, entities decoded.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .map(|rest| {
            rest[..rest.find('"').expect("a closed attribute")]
                .replace("&amp;", "&")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
        })
        .collect()
}

/// The `href` of the link with `rel="<rel>"`, if any.
fn rel_link(html: &str, rel: &str) -> Option<String> {
    let at = html.find(&format!("rel=\"{rel}\" href=\""))?;
    hrefs(&html[at..]).into_iter().next()
}

/// The published file (relative to `public/`) a link on the page at `page` names, if it
/// is a link into the site; fragments dropped.
fn target(page: &str, href: &str) -> Option<String> {
    let base = Url::parse(BASE).unwrap().join(page).unwrap();
    let mut url = base.join(href).unwrap();
    url.set_fragment(None);
    let path = url.as_str().strip_prefix(BASE)?.to_string();
    Some(if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path
    })
}

fn query(value: &str) -> String {
    byte_serialize(value.as_bytes()).collect()
}

#[test]
fn every_item_has_a_permalink_that_the_feeds_and_calendars_link_to() {
    let (site, expected) = build();
    for (id, _, _) in &expected.events {
        let page = site.read(&format!("public/h/{id}.html"));
        assert!(page.contains(&format!("<h1>Event {id}</h1>")), "{id}");
        let own = if id == "elsewhere" {
            "https://elsewhere.example.com/event".to_string()
        } else {
            permalink(id)
        };
        // The one-event file's URL and description, and the add-to-calendar links.
        let single = Ics::parse(&site.read(&format!("public/h/{id}.ics")));
        let vevent = single.only("VEVENT");
        assert_eq!(vevent.value("URL"), own, "{id}");
        assert!(
            vevent
                .text("DESCRIPTION")
                .ends_with(&format!("Event page: {own}")),
            "{id}"
        );
        let encoded = format!("Event+page%3A+{}", query(&own));
        let add_links: Vec<String> = hrefs(&page)
            .into_iter()
            .filter(|h| h.contains("calendar.google.com") || h.contains("outlook.live.com"))
            .filter(|h| h.contains("action=TEMPLATE") || h.contains("deeplink"))
            .collect();
        assert_eq!(add_links.len(), 2, "{id}");
        for link in add_links {
            assert!(link.contains(&encoded), "{id}: {link}");
        }
    }
    // The subscribed calendar (whatever budget trims it to): every URL a permalink.
    let calendar = Ics::parse(&site.read("public/h.ics"));
    for vevent in calendar.children.iter().filter(|c| c.name == "VEVENT") {
        let id = vevent.value("UID").replace("@example.org", "");
        let url = vevent.value("URL");
        if id == "elsewhere" {
            assert_eq!(url, "https://elsewhere.example.com/event");
        } else {
            assert_eq!(url, permalink(&id));
        }
    }
    for id in &expected.articles {
        let page = site.read(&format!("public/h/{id}.html"));
        assert!(page.contains(&format!("<h1>Article {id}</h1>")), "{id}");
        assert!(page.contains(&format!("<p>Body of {id}")), "{id}");
    }
    // The feeds' items link the article's page (or the publisher's own link).
    let item_link = |id: &str| {
        if id == "linked" {
            "https://elsewhere.example.com/article".to_string()
        } else {
            permalink(id)
        }
    };
    let rss = xml::parse(&site.read("public/h.xml"));
    let guids = xml::texts(&rss, "rss/channel/item/guid");
    let links = xml::texts(&rss, "rss/channel/item/link");
    assert!(!links.is_empty());
    for (guid, link) in guids.iter().zip(&links) {
        let id = guid
            .strip_prefix(&format!("{BASE}h/#"))
            .expect("an anchor guid");
        assert_eq!(link, &item_link(id));
    }
    let atom = xml::parse(&site.read("public/h.atom"));
    let ids = xml::texts(&atom, "feed/entry/id");
    let hrefs = xml::attribute_values(&atom, "feed/entry/link", "href");
    assert_eq!(ids.len(), hrefs.len());
    for (id, href) in ids.iter().zip(&hrefs) {
        assert_eq!(
            href,
            &item_link(id.strip_prefix(&format!("{BASE}h/#")).unwrap())
        );
    }
    let feed = json::parse(&site.read("public/h.json"));
    for item in feed["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        let url = item["url"].as_str().unwrap();
        assert_eq!(
            url,
            item_link(id.strip_prefix(&format!("{BASE}h/#")).unwrap())
        );
    }
    // Relative links in the body resolve beside the permalink, as they did beside the page.
    let content = xml::texts(&rss, "rss/channel/item/content:encoded");
    assert!(content[0].contains(&format!("href=\"{BASE}h/more.html\"")));
}

/// Subscribers must see no item twice: the guids and ids are `<link><slug>/#<id>`, exactly
/// what they were before items had pages of their own, in all three feeds.
#[test]
fn feed_guids_and_ids_are_the_anchors_they_always_were() {
    let (site, expected) = build();
    let rss = xml::parse(&site.read("public/h.xml"));
    let guids = xml::texts(&rss, "rss/channel/item/guid");
    let permalinks = xml::attribute_values(&rss, "rss/channel/item/guid", "isPermaLink");
    assert!(!guids.is_empty());
    assert!(permalinks.iter().all(|p| p == "false"), "{permalinks:?}");
    let atom = xml::parse(&site.read("public/h.atom"));
    let feed = json::parse(&site.read("public/h.json"));
    let json_ids: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(xml::texts(&atom, "feed/entry/id"), guids);
    assert_eq!(json_ids, guids);
    // Newest first: the articles of February 2023 by date, then by id.
    let known: BTreeSet<String> = expected.articles.iter().map(|id| anchor(id)).collect();
    for guid in &guids {
        assert!(known.contains(guid), "{guid} is no article's anchor");
    }
    assert_eq!(guids[0], anchor("feb-news27"));
    assert_eq!(guids.iter().collect::<BTreeSet<_>>().len(), guids.len());
}

#[test]
fn the_page_shows_what_is_upcoming_soonest_first_and_the_latest_news() {
    let (site, expected) = build();
    let page = site.read("public/h/index.html");
    // The 40 future events, soonest first; the page shows 30 of them.
    let mut future: Vec<(String, usize)> = expected
        .events
        .iter()
        .filter(|(_, _, upcoming)| *upcoming)
        .map(|(id, _, _)| {
            (
                id.clone(),
                page.find(&format!("id=\"{id}\"")).unwrap_or(usize::MAX),
            )
        })
        .collect();
    assert_eq!(future.len(), 40);
    // future39 is the soonest (the data lists them latest first).
    future.sort_by_key(|(id, _)| std::cmp::Reverse(id[6..].parse::<usize>().unwrap()));
    let shown: Vec<usize> = future.iter().map(|(_, at)| *at).collect();
    assert!(shown[..30].windows(2).all(|w| w[0] < w[1]), "{future:?}");
    assert!(shown[30..].iter().all(|&at| at == usize::MAX), "{future:?}");
    assert!(page.contains("10 more upcoming event(s)"));
    // No past event, and links to the archive.
    assert!(!page.contains("id=\"old0\"") && !page.contains("id=\"jan0\""));
    assert!(page.contains("Past events are in the <a href=\"archive/\">archive</a>"));
    // The ten newest articles, newest first.
    let news: Vec<usize> = (18..28)
        .rev()
        .map(|i| {
            page.find(&format!("id=\"feb-news{i}\""))
                .unwrap_or_else(|| panic!("feb-news{i} is not on the page"))
        })
        .collect();
    assert!(news.windows(2).all(|w| w[0] < w[1]));
    assert!(!page.contains("id=\"feb-news17\""));
    assert!(page.contains("<h2 id=\"archive\">Archive</h2>"));
    assert!(page.contains("<a href=\"future39.html\">Event future39</a>"));
}

/// The archive's contents list its pages in order; each page links the one before and the
/// one after it; together they list every event and article exactly once, each linking its
/// own page; every link of every archive page leads to a published file.
#[test]
fn the_archive_lists_everything_once_in_pages_linked_in_order() {
    let (site, expected) = build();
    let index = site.read("public/h/archive/index.html");
    let page_links: Vec<String> = hrefs(&index)
        .into_iter()
        .filter(|h| !h.contains('/') && h.ends_with(".html"))
        .collect();
    // Newest year first, each year's pages in order.
    assert_eq!(
        page_links,
        [
            "2030.html",
            "2024.html",
            "2023-01.html",
            "2023-01-2.html",
            "2023-02.html",
            "2022.html",
            "2021.html"
        ]
    );
    assert!(index.contains("January 2023, part 2 of 2"));
    let in_order = [
        "2021.html",
        "2022.html",
        "2023-01.html",
        "2023-01-2.html",
        "2023-02.html",
        "2024.html",
        "2030.html",
    ];
    let mut listed: BTreeMap<String, usize> = BTreeMap::new();
    for (i, name) in in_order.iter().enumerate() {
        let path = format!("h/archive/{name}");
        let html = site.read(&format!("public/{path}"));
        assert!(html.len() < 1_000_000, "{name}: {} bytes", html.len());
        let previous = rel_link(&html, "prev");
        let next = rel_link(&html, "next");
        assert_eq!(
            previous.as_deref(),
            i.checked_sub(1).map(|p| in_order[p]),
            "{name}"
        );
        assert_eq!(next.as_deref(), in_order.get(i + 1).copied(), "{name}");
        let mut lines = 0;
        for href in hrefs(&html) {
            let Some(file) = target(&path, &href) else {
                continue;
            };
            assert!(
                site.path(&format!("public/{file}")).is_file(),
                "{name}: {href} leads to no file ({file})"
            );
            if let Some(id) = href
                .strip_prefix("../")
                .and_then(|h| h.strip_suffix(".html"))
            {
                *listed.entry(id.to_string()).or_default() += 1;
                lines += 1;
            }
        }
        assert!(lines <= 500, "{name}: {lines} lines");
    }
    let all: BTreeSet<String> = expected
        .events
        .iter()
        .map(|(id, _, _)| id.clone())
        .chain(expected.articles.iter().cloned())
        .collect();
    assert_eq!(listed.keys().cloned().collect::<BTreeSet<_>>(), all);
    let twice: Vec<_> = listed.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "listed more than once: {twice:?}");
    // Every link of the contents leads somewhere too.
    for href in hrefs(&index) {
        if let Some(file) = target("h/archive/index.html", &href) {
            assert!(site.path(&format!("public/{file}")).is_file(), "{href}");
        }
    }
    // Each permalink links the archive page that lists it.
    assert!(
        site.read("public/h/jan0.html")
            .contains("<a href=\"archive/2023-01.html\">Archive: January 2023, part 1 of 2</a>")
    );
}

/// One calendar per year of events, each with exactly the events filed under that year,
/// as import files: the subscribed calendar's VEVENTs without its subscription properties.
#[test]
fn yearly_calendars_hold_exactly_that_years_events() {
    let (site, expected) = build();
    let mut by_year: BTreeMap<i32, BTreeSet<String>> = BTreeMap::new();
    for (id, year, _) in &expected.events {
        by_year
            .entry(*year)
            .or_default()
            .insert(format!("{id}@example.org"));
    }
    let archive = site.path("public/h/archive");
    let calendars: BTreeSet<String> = fs::read_dir(&archive)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".ics"))
        .collect();
    let years: BTreeSet<String> = by_year.keys().map(|y| format!("{y}.ics")).collect();
    // 2022 has articles only: no calendar.
    assert_eq!(calendars, years);
    let index = site.read("public/h/archive/index.html");
    for (year, uids) in &by_year {
        let text = site.read(&format!("public/h/archive/{year}.ics"));
        let calendar = Ics::parse(&text);
        let found: BTreeSet<String> = calendar
            .children
            .iter()
            .filter(|c| c.name == "VEVENT")
            .map(|c| c.value("UID"))
            .collect();
        assert_eq!(&found, uids, "{year}");
        for absent in [
            "NAME",
            "X-WR-CALNAME",
            "REFRESH-INTERVAL",
            "X-PUBLISHED-TTL",
            "SOURCE",
            "METHOD",
        ] {
            assert!(calendar.property(absent).is_none(), "{year}: {absent}");
        }
        assert!(
            index.contains(&format!("<a href=\"{year}.ics\" download>")),
            "{year}"
        );
        // The VEVENTs are the one-event files' own.
        let single = Ics::parse(&site.read("public/h/tokyo-new-year.ics"));
        if *year == 2024 {
            assert_eq!(
                calendar.only("VEVENT").shape(),
                single.only("VEVENT").shape()
            );
            assert!(calendar.children.iter().any(|c| c.name == "VTIMEZONE"));
        }
    }
    assert!(
        site.read("public/h/archive/2023-02.html")
            .contains("<a href=\"2023.ics\" download>")
    );
}

#[test]
fn publisher_links_are_kept_and_the_permalink_links_them() {
    let (site, _) = build();
    let event = site.read("public/h/elsewhere.html");
    assert!(event.contains("<a href=\"https://elsewhere.example.com/event\">Event page of"));
    let article = site.read("public/h/linked.html");
    assert!(article.contains("<a href=\"https://elsewhere.example.com/article\">Read “"));
    // An item without a link of its own does not link itself.
    assert!(!site.read("public/h/old0.html").contains("Event page of"));
}

/// The new files are outputs like the others: `build --check` misses them, and they go
/// when their event or their year goes.
#[test]
fn archive_files_are_checked_and_removed_with_their_items() {
    let (site, _) = build();
    fs::remove_file(site.path("public/h/archive/2023-01-2.html")).unwrap();
    let site = site.then().args(["build", "--check"]).status(3).run();
    assert!(
        format!("{}{}", site.stdout, site.stderr).contains("h/archive/2023-01-2.html"),
        "{}",
        site.shown
    );
    let site = site.then().args(["build"]).run();
    // The event of 2024 renamed and moved into 2023.
    let (text, _) = publication();
    let text = text
        .replace("id = \"tokyo-new-year\"", "id = \"tokyo-moved\"")
        .replace("2024-01-01T00:30", "2023-12-31T10:00");
    site.write("feeds/h.toml", &text);
    let site = site.then().args(["build"]).run();
    for gone in [
        "h/archive/2024.ics",
        "h/archive/2024.html",
        "h/tokyo-new-year.html",
    ] {
        assert!(!site.path(&format!("public/{gone}")).exists(), "{gone}");
    }
    assert!(site.path("public/h/tokyo-moved.html").is_file());
}

#[test]
fn an_id_that_would_name_the_page_is_refused() {
    let (text, _) = publication();
    Test::new()
        .feed("h.toml", &text.replace("id = \"old1\"", "id = \"Index\""))
        .args(["build"])
        .rejects("events[1].id", "is the publication's page")
        .run();
}

/// A removed publication takes its folders with it, the archive's included (the files of
/// `<slug>/archive/` can be the last to go).
#[test]
fn a_removed_publication_leaves_no_folder() {
    let (text, _) = publication();
    let site = Test::new()
        .feed("h.toml", &text)
        .feed("other.toml", &text)
        .args(["build"])
        .run();
    assert!(site.path("public/other/archive/2021.html").is_file());
    fs::remove_file(site.path("feeds/other.toml")).unwrap();
    let site = site.then().args(["build"]).run();
    assert!(!site.path("public/other").exists());
    assert!(site.path("public/h/archive/2021.html").is_file());
}
