//! `calfeed serve` as a preview: it listens on a host name, its pages link to the
//! preview rather than to the production host, it says when the preview is stale and
//! when `build` would refuse an edit, and it never publishes a save half-done.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use crate::support::Test;
use crate::support::serve::Served;

fn seed() -> Test {
    let text =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("feeds/xiaomi-12s.toml"))
            .expect("the seed publication");
    Test::new().feed("xiaomi-12s.toml", &text)
}

const CHANNEL: &str = r#"[channel]
title = "Launch calendar"
description = "Product launches."
link = "https://example.org/launch/"
language = "en"
timezone = "Asia/Shanghai"
"#;

fn event(id: &str, title: &str, start: &str, sequence: u32) -> String {
    format!(
        "\n[[events]]\nid = \"{id}\"\ntitle = \"{title}\"\nstart = \"{start}\"\n\
         duration = \"2h\"\nsequence = {sequence}\n"
    )
}

#[test]
fn addr_takes_a_host_name() {
    let served = Served::start_with(seed(), &["--addr", "localhost:0"]);
    assert!(served.addr.ip().is_loopback(), "{}", served.addr);
    assert_eq!(served.get("/xiaomi-12s.ics").status, 200);
    assert!(
        !served.stderr().contains("not a loopback"),
        "{}",
        served.stderr()
    );
}

#[test]
fn pages_link_to_the_preview_and_calendars_stay_as_built() {
    let built = seed().args(["build"]).run();
    let published = fs::read(built.path("public/xiaomi-12s.ics")).unwrap();
    let served = Served::start(built.then());
    let addr = served.addr;
    let page = served.get("/xiaomi-12s/").body_text();
    for link in [
        format!("href=\"webcal://{addr}/xiaomi-12s.ics\""),
        format!("value=\"http://{addr}/xiaomi-12s.ics\""),
        format!("cid=webcal%3A%2F%2F{}%2Fxiaomi-12s.ics", encoded(addr)),
        format!("url=http%3A%2F%2F{}%2Fxiaomi-12s.ics", encoded(addr)),
    ] {
        assert!(page.contains(&link), "the page lacks {link}\n{page}");
    }
    assert!(!page.contains("calfeed.example.org"), "{page}");
    let index = served.get("/").body_text();
    assert!(index.contains(&format!("webcal://{addr}/xiaomi-12s.ics")));
    assert!(!index.contains("calfeed.example.org"), "{index}");
    // The calendar is what `build` writes: its UIDs name the production host.
    let calendar = served.get("/xiaomi-12s.ics");
    assert_eq!(calendar.body, published);
    assert!(calendar.body_text().contains("@calfeed.example.org"));
}

fn encoded(addr: std::net::SocketAddr) -> String {
    addr.to_string()
        .replace(':', "%3A")
        .replace('[', "%5B")
        .replace(']', "%5D")
}

#[test]
fn a_failed_rebuild_marks_the_preview_stale_until_one_succeeds() {
    let first = format!(
        "{CHANNEL}{}",
        event("launch", "First", "2022-07-04T19:00", 0)
    );
    let mut served = Served::start(Test::new().feed("show.toml", &first));
    let good_page = served.get("/show/");
    assert_eq!(good_page.header("X-Calfeed-Stale"), None);
    assert!(!good_page.body_text().contains("Preview out of date"));
    let good_calendar = served.get("/show.ics");

    let broken = first.replace("2022-07-04T19:00", "tomorrow-ish");
    fs::write(served.path("feeds/show.toml"), broken).unwrap();
    let stale = served.poll("/show.ics", "was marked stale", |r| {
        r.header("X-Calfeed-Stale").is_some()
    });
    let summary = stale.header("X-Calfeed-Stale").unwrap();
    assert!(
        summary.starts_with("1 problem(s) in the input; first: feeds/show.toml:"),
        "{summary}"
    );
    assert!(summary.contains("events[0].start"), "{summary}");
    // The last good build, with the header; its pages carry a banner.
    assert_eq!(stale.body, good_calendar.body);
    let page = served.get("/show/");
    assert_eq!(page.header("X-Calfeed-Stale"), Some(summary));
    assert!(page.body_text().contains("Preview out of date"));
    assert_ne!(page.header("ETag"), good_page.header("ETag"));
    assert_eq!(served.get("/nope").header("X-Calfeed-Stale"), Some(summary));
    served.wait_for_stderr("marked stale");

    // Failing again (the input replaced by a rename, as editors save) still serves the
    // last good build, not the one before nor the broken one.
    let tmp = served.path("feeds/.show.toml.swp");
    fs::write(&tmp, first.replace("2022-07-04T19:00", "next week")).unwrap();
    fs::rename(&tmp, served.path("feeds/show.toml")).unwrap();
    let again = served.poll("/show.ics", "was marked stale again", |r| {
        r.header("X-Calfeed-Stale")
            .is_some_and(|s| s != summary && s.contains("events[0].start"))
    });
    assert_eq!(again.body, good_calendar.body);
    let page = served.get("/show/");
    assert!(page.body_text().contains("Preview out of date"));
    assert!(page.body_text().contains("First"));

    let fixed = format!(
        "{CHANNEL}{}",
        event("launch", "Fixed", "2022-07-04T19:00", 0)
    );
    fs::write(served.path("feeds/show.toml"), fixed).unwrap();
    let fresh = served.poll("/show.ics", "was rebuilt", |r| {
        r.body_text().contains("SUMMARY:Fixed")
    });
    assert_eq!(fresh.header("X-Calfeed-Stale"), None);
    let page = served.get("/show/");
    assert_eq!(page.header("X-Calfeed-Stale"), None);
    assert!(!page.body_text().contains("Preview out of date"));
}

#[test]
fn an_edit_the_publish_guard_would_refuse_is_reported() {
    let first = format!(
        "{CHANNEL}{}",
        event("launch", "Launch", "2022-07-04T19:00", 0)
    );
    let built = Test::new().feed("show.toml", &first).args(["build"]).run();
    built.success();
    let mut served = Served::start(built.then());
    assert!(
        !served.stderr().contains("publish guard"),
        "{}",
        served.stderr()
    );

    // Moved without a higher sequence: `build` would stop; the preview says so.
    let moved = format!(
        "{CHANNEL}{}",
        event("launch", "Launch", "2022-07-05T19:00", 0)
    );
    fs::write(served.path("feeds/show.toml"), moved).unwrap();
    let stderr = served.wait_for_stderr("would refuse this");
    assert!(
        stderr.contains("publish guard, compared with public"),
        "{stderr}"
    );
    assert!(stderr.contains("set `sequence = 1`"), "{stderr}");
    assert!(stderr.contains("feeds/show.toml"), "{stderr}");
    // The preview shows the edit all the same.
    served.poll("/show.ics", "showed the move", |r| {
        r.body_text().contains("20220705T190000")
    });
}

#[test]
fn a_save_that_pauses_half_done_is_not_published_half_done() {
    let served = Served::start(Test::new().feed(
        "show.toml",
        &format!(
            "{CHANNEL}{}",
            event("original", "Original", "2022-07-01T19:00", 0)
        ),
    ));
    let feed = served.path("feeds/show.toml");
    for round in 0..2 {
        let (first, second) = (format!("first{round}"), format!("second{round}"));
        // Watch what is served from before the first half is written.
        let stop = Arc::new(AtomicBool::new(false));
        let watcher = {
            let (stop, first, second) = (Arc::clone(&stop), first.clone(), second.clone());
            let addr = served.addr;
            thread::spawn(move || {
                let mut half_served = false;
                while !stop.load(Ordering::SeqCst) {
                    let raw = "GET /show.ics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
                    let body = crate::support::serve::exchange(addr, raw).body_text();
                    half_served |= body.contains(&first) && !body.contains(&second);
                    thread::sleep(Duration::from_millis(20));
                }
                half_served
            })
        };
        // A valid first half, a pause, then the rest, in place.
        fs::write(
            &feed,
            format!("{CHANNEL}{}", event(&first, "One", "2022-07-04T19:00", 0)),
        )
        .unwrap();
        thread::sleep(Duration::from_millis(250));
        let mut file = OpenOptions::new().append(true).open(&feed).unwrap();
        file.write_all(event(&second, "Two", "2022-07-05T19:00", 0).as_bytes())
            .unwrap();
        drop(file);
        served.poll("/show.ics", "showed the whole save", |r| {
            r.body_text().contains(&second)
        });
        stop.store(true, Ordering::SeqCst);
        let half_served = watcher.join().unwrap();
        assert!(
            !half_served,
            "round {round}: the first half alone was served"
        );
    }
}
