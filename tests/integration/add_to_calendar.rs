//! Add-to-calendar links that lose data say so: for a repeating event the Outlook.com link
//! adds only the first date and the Google Calendar link carries the rule alone (no
//! exceptions, extra dates or changed occurrences), so the page offers the one-event .ics
//! first and prominently, and puts a short note beside each link, only when it applies.

use crate::support::Test;
use crate::support::fixtures::publication;

fn events() -> String {
    publication(
        r#"
        updated = "2024-10-01T00:00:00Z"

        [[events]]
        id = "changed"
        title = "Changed weekly"
        start = "2024-10-10T19:00"
        duration = "1h"
        repeat = { every = "week", count = 8 }
        except = ["2024-10-31T19:00"]
        extra = ["2024-11-05T19:00"]

        [[events.overrides]]
        occurrence = "2024-11-14T19:00"
        start = "2024-11-14T20:30"

        [[events]]
        id = "plain"
        title = "Plain weekly"
        start = "2024-10-11T19:00"
        duration = "1h"
        repeat = { every = "week", count = 4 }

        [[events]]
        id = "dates"
        title = "On some dates"
        start = "2024-10-12T19:00"
        duration = "1h"
        extra = ["2024-10-20T19:00", "2024-11-02T19:00"]

        [[events]]
        id = "once"
        title = "Once"
        start = "2024-10-13T19:00"
        duration = "1h"
        "#,
    )
}

/// The add-to-calendar list items of one event on a page: the .ics, Google, Outlook.
fn links<'a>(page: &'a str, id: &str) -> [&'a str; 3] {
    let start = page
        .find(&format!("<article id=\"{id}\""))
        .unwrap_or_else(|| panic!("no event {id} on the page"));
    let block = &page[start..];
    let block = &block[..block.find("</article>").expect("the block ends")];
    let list = &block[block
        .find("Add to calendar:")
        .expect("add-to-calendar links")..];
    let items: Vec<&str> = list.lines().filter(|l| l.starts_with("<li>")).collect();
    assert_eq!(items.len(), 3, "{list}");
    [items[0], items[1], items[2]]
}

#[test]
fn lossy_links_say_what_they_cannot_do_and_the_ics_comes_first() {
    let ran = Test::new()
        .feed("shows.toml", &events())
        .args(["build"])
        .run();
    for page in ["public/shows/index.html", "public/shows/changed.html"] {
        let page = ran.read(page);
        let [ics, google, outlook] = links(&page, "changed");
        assert!(
            ics.starts_with("<li><a class=\"button\" href=\"changed.ics\" download>"),
            "{ics}"
        );
        assert!(ics.contains("every date, with every change"), "{ics}");
        assert!(google.contains("to Google Calendar</a>: it repeats the rule only"));
        for lost in [
            "cancelled dates stay in",
            "moved or changed dates come unchanged",
            "extra dates are left out",
        ] {
            assert!(google.contains(lost), "{lost}: {google}");
        }
        assert!(
            outlook.contains("to Outlook.com</a>: it adds only the first date, 10 October 2024"),
            "{outlook}"
        );
    }
}

#[test]
fn notes_appear_only_where_a_link_loses_something() {
    let ran = Test::new()
        .feed("shows.toml", &events())
        .args(["build"])
        .run();
    let page = ran.read("public/shows/index.html");

    // A plain rule: Google's link carries all of it; Outlook's still adds one date.
    let [ics, google, outlook] = links(&page, "plain");
    assert!(ics.contains("class=\"button\""), "{ics}");
    assert!(google.ends_with("to Google Calendar</a></li>"), "{google}");
    assert!(outlook.contains("adds only the first date, 11 October 2024"));

    // Dates without a rule: Google's link has no rule to carry.
    let [_, google, _] = links(&page, "dates");
    assert!(
        google.contains("it adds only the first date, 12 October 2024"),
        "{google}"
    );

    // A one-off event: every link carries everything, and says nothing more.
    let [ics, google, outlook] = links(&page, "once");
    assert!(
        ics.starts_with("<li><a href=\"once.ics\" download>"),
        "{ics}"
    );
    assert!(!ics.contains("every change"), "{ics}");
    assert!(google.ends_with("to Google Calendar</a></li>"), "{google}");
    assert!(outlook.ends_with("to Outlook.com</a></li>"), "{outlook}");
}
