//! `calfeed serve` renders each file when it is asked for, rather than the whole build at
//! start: every file it serves is still, byte for byte, the one `calfeed build` writes
//! (the pages after the preview's link rewrites), for every kind of file; and a rebuild
//! says which publications' input changed and which files that added or removed.

use std::fs;
use std::net::SocketAddr;

use crate::support::Test;
use crate::support::serve::{Served, published_urls};

/// A publication with every kind of file: per-category calendars and feeds, a repeating
/// event, events in three years (three yearly calendars), and enough articles in one
/// month for the archive to cut it into parts, some with long texts.
fn large() -> String {
    let mut text = String::from(
        r#"[channel]
title = "Lazy"
description = "Rendered when asked for."
link = "https://example.org/lazy/"
language = "en"
timezone = "Europe/Paris"
updated = "2024-10-01T09:00:00Z"
by_category = {}

[[events]]
id = "weekly"
title = "Weekly call"
start = "2024-10-10T19:00"
duration = "1h"
categories = ["Calls", "Launch event"]
repeat = { every = "week", on = ["th"], count = 8 }

[[events]]
id = "tokyo"
title = "Tokyo"
start = "2023-11-02T18:00"
timezone = "Asia/Tokyo"
categories = ["calls"]

[[events]]
id = "fair"
title = "Fair"
start = "2022-03-10"
end = "2022-03-12"
"#,
    );
    let long = "A paragraph long enough to be kept out of memory by the loader. ".repeat(20);
    for i in 0..510 {
        let events = if i % 2 == 0 { r#"["weekly"]"# } else { "[]" };
        let content = if i % 50 == 0 {
            long.clone()
        } else {
            format!("Article {i}, see https://example.org/lazy/weekly.html")
        };
        text.push_str(&format!(
            "\n[[articles]]\nid = \"a{i}\"\ntitle = \"Article {i}\"\n\
             published = \"2024-03-{:02}\"\nevents = {events}\ncategories = [\"Calls\"]\n\
             content = \"{content}\"\n",
            i % 28 + 1
        ));
    }
    text
}

/// A page as the preview serves it: `https://example.org/lazy/` in each form a page has
/// it, replaced by the preview's address.
fn to_preview(page: &str, addr: SocketAddr) -> String {
    let encode = |text: &str| text.replace(':', "%3A").replace('/', "%2F");
    let (production, preview) = ("example.org/lazy/", format!("{addr}/"));
    let mut page = page.to_string();
    for (from, to) in [
        (format!("https://{production}"), format!("http://{preview}")),
        (
            format!("webcal://{production}"),
            format!("webcal://{preview}"),
        ),
    ] {
        page = page
            .replace(&encode(&from), &encode(&to))
            .replace(&from, &to);
    }
    page
}

#[test]
fn every_kind_of_file_is_rendered_on_request_as_build_writes_it() {
    let built = Test::new()
        .feed("lazy.toml", &large())
        .args(["build"])
        .run();
    let expected = published_urls(&built.path("public"));
    for wanted in [
        "/lazy.ics",
        "/lazy.xml",
        "/lazy.atom",
        "/lazy.json",
        "/lazy/index.html",
        "/lazy/weekly.ics",
        "/lazy/weekly.html",
        "/lazy/a0.html",
        "/lazy/archive/index.html",
        "/lazy/archive/2024-03-2.html",
        "/lazy/archive/2023.ics",
        "/lazy/category/calls.ics",
        "/lazy/category/calls.xml",
        "/lazy/category/launch-event.ics",
    ] {
        assert!(
            expected.iter().any(|(path, _)| path == wanted),
            "the build has no {wanted}"
        );
    }
    let served = Served::start(built.then());
    // The large files first, and twice: the second time from the cache.
    for round in 0..2 {
        for (path, bytes) in &expected {
            if round == 1 && !path.ends_with(".ics") && !path.ends_with(".xml") {
                continue;
            }
            let reply = served.get(path);
            assert_eq!(reply.status, 200, "{path}: {}", reply.text());
            if path.ends_with(".html") {
                let page = String::from_utf8(bytes.clone()).unwrap();
                assert_eq!(reply.body_text(), to_preview(&page, served.addr), "{path}");
            } else {
                assert!(&reply.body == bytes, "{path} is not what build wrote");
            }
        }
    }
    for missing in [
        "/lazy/archive/2021.ics",
        "/lazy/archive/2024-03-3.html",
        "/lazy/category/nope.ics",
        "/lazy/a0.ics",
        "/lazy/nope.html",
    ] {
        assert_eq!(served.get(missing).status, 404, "{missing}");
    }
    assert_eq!(served.get("/lazy/archive").status, 301);
}

fn small(title: &str, extra: &str) -> String {
    format!(
        r#"[channel]
title = "{title}"
description = "D."
link = "https://example.org/{title}/"
language = "en"
timezone = "Europe/Paris"

[[events]]
id = "launch"
title = "Launch"
start = "2022-07-04T19:00"
{extra}"#
    )
}

#[test]
fn a_rebuild_names_the_inputs_that_changed_and_counts_files_by_path() {
    let mut served = Served::start(
        Test::new()
            .feed("show.toml", &small("show", ""))
            .feed("talks.toml", &small("talks", "")),
    );
    let show = served.path("feeds/show.toml");
    let talks = served.path("feeds/talks.toml");
    // One more event in 2022: its own calendar file and its page.
    let second =
        "\n[[events]]\nid = \"second\"\ntitle = \"Second\"\nstart = \"2022-08-01T10:00\"\n";
    fs::write(&show, small("show", second)).unwrap();
    let out = served.wait_for_stdout("rebuilt:");
    assert!(
        out.contains(
            "rebuilt: 2 publication(s), 23 file(s); input changed: show; \
             2 file(s) added, 0 removed"
        ),
        "{out}"
    );
    assert_eq!(served.get("/show/second.html").status, 200);
    // The same bytes saved again: a rebuild, and nothing changed.
    let text = fs::read_to_string(&talks).unwrap();
    fs::remove_file(&talks).unwrap();
    fs::write(&talks, text).unwrap();
    let out = served.wait_for_stdout("input changed: none");
    assert!(
        out.contains(
            "rebuilt: 2 publication(s), 23 file(s); input changed: none; \
             0 file(s) added, 0 removed"
        ),
        "{out}"
    );
    // A publication gone: its files are removed.
    fs::remove_file(&talks).unwrap();
    let out = served.wait_for_stdout("10 removed");
    assert!(
        out.contains(
            "rebuilt: 1 publication(s), 13 file(s); input changed: none; \
             0 file(s) added, 10 removed"
        ),
        "{out}"
    );
    assert_eq!(served.get("/talks.ics").status, 404);
}
