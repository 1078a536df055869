//! What readers make of hostile text: RSS `<description>` is HTML to readers, so plain
//! text goes in escaped; categories are one line (Atom keeps them in an attribute); DEL
//! never reaches a calendar; Python's `icalendar` and `feedparser` read every field back.

use std::path::Path;
use std::process::Command;

use crate::injection::{NASTY, Outputs};
use crate::support::fixtures::{Field, fixture, fixture_with};
use crate::support::text::one_line;
use crate::support::{Test, xml};

/// Removes the tags a plain text may become in HTML (`<p>`, `<br>`), decodes the entities,
/// and collapses white space: the text a feed reader shows of an HTML description.
fn shown_text_of_html(html: &str) -> String {
    let mut text = html.to_string();
    for tag in ["<p>", "</p>", "<br>", "<br/>", "<br />"] {
        text = text.replace(tag, " ");
    }
    assert!(!text.contains('<'), "markup in what should be text: {html}");
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// RSS readers read `<description>` as HTML, so the plain-text channel description and
/// summary go in HTML-escaped: a reader shows the text, never markup. (Found by this test:
/// they used to go in as-is.)
#[test]
fn rss_descriptions_are_html_that_shows_the_plain_text() {
    for (field, path) in [
        (Field::ChannelDescription, "rss/channel/description"),
        (Field::ArticleSummary, "rss/channel/item/description"),
    ] {
        let out = Outputs::build(field, NASTY);
        let html = xml::texts(&out.rss, path).concat();
        assert_eq!(
            shown_text_of_html(&html),
            NASTY.split_whitespace().collect::<Vec<_>>().join(" "),
            "{path}"
        );
    }
}

/// Atom categories are attribute values, where XML turns a line break or tab into a space:
/// such a category is refused (or would have to come back exactly). (Found by this test:
/// they used to become spaces.)
#[test]
fn atom_category_terms_keep_line_breaks_and_tabs() {
    let category = "Line one\nLine two\ttabbed";
    let run = Test::new()
        .feed("hostile.toml", &fixture(Field::ArticleCategory, category))
        .args(["build"])
        .any_status()
        .run();
    if run.code == Some(1) {
        // Rejecting such a category is as good as keeping it.
        run.rejects("articles[0].categories[0]", "");
        return;
    }
    run.success();
    let atom = xml::parse(&run.read("public/hostile.atom"));
    assert_eq!(
        xml::attribute_values(&atom, "feed/entry/category", "term"),
        [category, "Second category"]
    );
}

/// RFC 5545 TEXT forbids CONTROL characters, DEL included, which XML 1.0 allows: it is
/// refused (or kept out of the calendar). (Found by this test: it used to go in raw.)
#[test]
fn delete_character_never_reaches_the_calendar() {
    let run = Test::new()
        .feed("hostile.toml", &fixture(Field::EventTitle, "Rub\u{7F}out"))
        .args(["build"])
        .any_status()
        .run();
    if run.code == Some(1) {
        run.rejects("events[0].title", "U+007F");
        return;
    }
    run.success();
    for file in ["public/hostile.ics", "public/hostile/launch.ics"] {
        assert!(!run.read(file).contains('\u{7F}'), "DEL in {file}");
    }
}

/// [`NASTY`] without what Python's own parsers get wrong (see tests/hostile/check_roundtrip.py):
/// no backslash escapes (icalendar 6 unescapes with chained replaces) and no C1 control
/// characters (feedparser reads them as windows-1252).
const NASTY_FOR_PYTHON: &str = concat!(
    "A\rB\nC\r\nD\r\n BEGIN:VEVENT\r\nUID:injected\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    "X-INJECTED;LABEL=\"x\":y ; , : \\ ^ ^n ^' \" ' ` ",
    "< > & &amp; &lt; &#60; ]]> <![CDATA[ x ]]]]> ",
    "</item><item><title>injected</title></item> </title></entry><entry> </summary> ",
    "<!-- x --> <script>alert(1)</script> <img src=x onerror=alert(1)> ",
    "\t tab é 東京 😀 𝄞 \u{2028} \u{2029} \u{202E} \u{FEFF} \u{FFFD} end",
);

/// One publication with every text field nasty, read back by Python `icalendar` and
/// `feedparser` (the interop harness's venv, `.tools/venv`, made by `make interop`).
#[test]
fn python_parsers_read_back_every_field_exactly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".tools/venv/bin/python");
    if !python.exists() {
        println!(
            "skipped: {} is missing (run `make interop` or tests/interop/run.sh once to create it)",
            python.display()
        );
        return;
    }
    let text = NASTY_FOR_PYTHON;
    // Categories are one line; icalendar 6 also splits CATEGORIES on escaped commas.
    let category = one_line(text).replace(',', "");
    // Titles, locations and authors are one line too.
    let line = one_line(text);
    let line = line.as_str();
    let site = Test::new()
        .feed(
            "hostile.toml",
            &fixture_with(&[
                (Field::ChannelTitle, line),
                (Field::ChannelDescription, text),
                (Field::ChannelAuthor, line),
                (Field::EventTitle, line),
                (Field::EventDescription, text),
                (Field::EventLocation, line),
                (Field::EventCategory, &category),
                (Field::ArticleTitle, line),
                (Field::ArticleSummary, text),
                (Field::ArticleContent, text),
                (Field::ArticleAuthor, line),
                (Field::ArticleCategory, &category),
            ]),
        )
        .args(["build"])
        .run();
    let expected = serde_json::json!({
        "channel_title": line,
        "channel_description": text,
        "channel_author": line,
        "event_title": line,
        "event_description": text,
        "event_location": line,
        "event_categories": [category, "Second category"],
        "article_title": line,
        "article_summary": text,
        "article_author": line,
        "article_categories": [category, "Second category"],
    });
    site.write("expected.json", &expected.to_string());
    let output = Command::new(&python)
        .arg(root.join("tests/hostile/check_roundtrip.py"))
        .arg(site.path("public"))
        .arg("hostile")
        .arg(site.path("expected.json"))
        .env("PYTHONIOENCODING", "utf-8")
        .output()
        .expect("run python");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{report}");
    assert!(output.status.success(), "{report}");
}
