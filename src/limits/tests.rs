use super::*;
use std::io::Write;

use super::measuring::Counter;
use crate::load::test_publication;

#[test]
fn ids_are_unique_lowercase_and_every_measure_has_a_row() {
    for (i, row) in LIMITS.iter().enumerate() {
        assert!(
            row.id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{}",
            row.id
        );
        assert!(
            LIMITS[..i].iter().all(|other| other.id != row.id),
            "{} twice",
            row.id
        );
        assert!(!row.source.is_empty() && !row.client.is_empty());
        assert_eq!(limit(row.id), Some(row));
    }
    for measure in [
        Measure::CalendarBytes,
        Measure::CalendarEvents,
        Measure::FeedBytes,
        Measure::FeedItems,
        Measure::SubscribeUrlLength,
    ] {
        assert!(
            LIMITS.iter().any(|row| row.measure == measure),
            "{measure:?}"
        );
    }
    assert_eq!(limit("nothing"), None);
}

#[test]
fn the_numbers_are_the_reported_ones() {
    let max = |id| limit(id).unwrap().max;
    assert_eq!(max("google-calendar-size"), 1_000_000);
    assert_eq!(max("google-calendar-events"), 1_000);
    assert_eq!(max("google-calendar-url"), 256);
    assert_eq!(max("nextcloud-calendar-size"), 1_900_000);
    assert_eq!(max("miniflux-size"), 15 * 1024 * 1024);
    assert_eq!(max("commafeed-size"), 5 * 1024 * 1024);
    assert_eq!(max("feedburner-size"), 512 * 1024);
    assert_eq!(max("inoreader-items"), 3_000);
    assert_eq!(limit("google-calendar-size").unwrap().shown_max(), "1 MB");
    assert_eq!(
        limit("nextcloud-calendar-size").unwrap().shown_max(),
        "1.9 MB"
    );
    assert_eq!(limit("commafeed-size").unwrap().shown_max(), "5 MiB");
    assert_eq!(limit("feedburner-size").unwrap().shown_max(), "512 KiB");
    assert_eq!(limit("inoreader-items").unwrap().shown_max(), "3000 items");
    assert_eq!(
        limit("google-calendar-url").unwrap().shown_max(),
        "256 characters"
    );
}

/// Writes `text` into a counter for `kind` in pieces of `size` bytes.
fn counted(kind: Kind, text: &[u8], size: usize) -> (u64, u64) {
    let mut counter = Counter::new(kind);
    for piece in text.chunks(size.max(1)) {
        counter.write_all(piece).unwrap();
    }
    counter.finish()
}

/// Every way of cutting the text gives the same count.
fn count(kind: Kind, text: &str) -> u64 {
    let whole = counted(kind, text.as_bytes(), text.len());
    for size in 1..20 {
        assert_eq!(
            counted(kind, text.as_bytes(), size),
            whole,
            "{kind:?} in pieces of {size}"
        );
    }
    assert_eq!(whole.0, text.len() as u64);
    whole.1
}

#[test]
fn counting_finds_items_across_writes_and_not_inside_text() {
    let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDESCRIPTION:BEGIN:VEVENT\\n\r\n \
               BEGIN:VEVENT\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    assert_eq!(count(Kind::Calendar, ics), 2);
    let rss = "<?xml version=\"1.0\"?><rss><channel><items>x</items><item><description>\
               <![CDATA[<item> ]] <!-- ]]><item >&lt;item&gt;</item><!-- <item> --><item/>\
               </channel></rss>";
    assert_eq!(count(Kind::Rss, rss), 3);
    let atom = "<feed><entry>a</entry><entry xml:lang=\"en\"><content type=\"html\">\
                &lt;entry&gt;</content></entry><entryx/></feed>";
    assert_eq!(count(Kind::Atom, atom), 2);
    let json = r#"{"version":"x","authors":[{"name":"items"}],"title":"items",
        "items":[{"id":"1","tags":[{"x":1}],"content_html":"\"items\":[{}]\\"},
        {"id":"2\"}{"}, {}],"after":[{}]}"#;
    assert_eq!(count(Kind::JsonFeed, json), 3);
}

fn publication(articles: usize, slug: &str) -> Publication {
    let mut text = String::from(
        "[channel]\ntitle = \"T\"\ndescription = \"D\"\nlink = \"https://example.org/\"\n\
         language = \"en\"\ntimezone = \"UTC\"\nallow_html = true\n\n[[events]]\nid = \"e\"\n\
         title = \"E\"\n\
         start = \"2024-01-01T10:00\"\nrepeat = { every = \"week\", count = 3 }\n\
         overrides = [{ occurrence = \"2024-01-08T10:00\", title = \"Moved\" }]\n\n\
         [[events]]\nid = \"f\"\ntitle = \"F\"\nstart = \"2024-02-01\"\n",
    );
    for i in 0..articles {
        text.push_str(&format!(
            "\n[[articles]]\nid = \"a{i}\"\ntitle = \"A{i}\"\npublished = \"2024-01-01\"\n\
             content = \"<item> and <entry>]]> and <!-- \\\"items\\\": [{{}}]\"\n"
        ));
    }
    test_publication(slug, &text)
}

/// What the measuring sink reports is what the renderers write: the same sizes as the
/// files in memory, and as many events and items as they hold.
#[test]
fn measuring_agrees_with_the_rendered_files() {
    let publications = [publication(7, "one"), publication(0, "two")];
    let measured = measure(&publications, 2).unwrap();
    let rendered = export::render_all(&publications);
    for (publication, outputs) in publications.iter().zip(&measured) {
        let paths: Vec<&str> = outputs.iter().map(|o| o.path.as_str()).collect();
        let slug = &publication.slug;
        assert_eq!(
            paths,
            [
                format!("{slug}.atom"),
                format!("{slug}.ics"),
                format!("{slug}.json"),
                format!("{slug}.xml")
            ]
        );
        for output in outputs {
            let file = rendered
                .iter()
                .find(|o| o.path.to_str() == Some(output.path.as_str()))
                .unwrap();
            assert_eq!(output.bytes, file.contents.len() as u64, "{}", output.path);
            let text = String::from_utf8_lossy(&file.contents);
            if output.kind == Kind::Rss && !publication.articles.is_empty() {
                // Raw HTML is allowed: the tags are in the CDATA sections, as written.
                assert!(text.contains("<item> and <entry>]]"), "{text}");
            }
            let expected = match output.kind {
                // A repeating event with one override is two VEVENTs.
                Kind::Calendar => text.matches("BEGIN:VEVENT").count(),
                _ => publication.articles.len(),
            };
            assert_eq!(output.items, expected as u64, "{}", output.path);
        }
    }
    assert_eq!(measured[0][1].items, 3);
}

/// Lowers the limits to what the test publication exceeds.
#[test]
fn warnings_name_the_output_the_client_and_the_limit() {
    let publication = publication(4, "small");
    let outputs = measure(std::slice::from_ref(&publication), 1)
        .unwrap()
        .remove(0);
    assert!(warnings(&publication, &outputs).is_empty());
    // The same outputs, made larger than every limit.
    let huge: Vec<Measured> = outputs
        .iter()
        .map(|o| Measured {
            bytes: 20 << 20,
            items: 5_000,
            ..o.clone()
        })
        .collect();
    let found = warnings(&publication, &huge);
    let ids: Vec<(&str, &str)> = found
        .iter()
        .map(|w| (w.limit.id, w.output.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("google-calendar-size", "small.ics"),
            ("google-calendar-events", "small.ics"),
            ("nextcloud-calendar-size", "small.ics"),
            ("miniflux-size", "small.atom"),
            ("miniflux-size", "small.json"),
            ("miniflux-size", "small.xml"),
            ("commafeed-size", "small.atom"),
            ("commafeed-size", "small.json"),
            ("commafeed-size", "small.xml"),
            ("feedburner-size", "small.atom"),
            ("feedburner-size", "small.json"),
            ("feedburner-size", "small.xml"),
            ("inoreader-items", "small.atom"),
            ("inoreader-items", "small.json"),
            ("inoreader-items", "small.xml"),
        ]
    );
    assert_eq!(
        found[0].to_string(),
        "small.toml: small.ics is 20971520 bytes (21.0 MB); Google Calendar silently \
         drops events from subscribed calendars larger than 1 MB (limit id: \
         google-calendar-size; silence with accept_limits = [\"google-calendar-size\"])"
    );
    assert_eq!(
        found[1].message(),
        "small.ics has 5000 events (VEVENTs); Google Calendar silently drops events from \
         subscribed calendars of more than 1000 events"
    );
    assert_eq!(
        found[14].message(),
        "small.xml has 5000 items; Inoreader blocks feeds of more than 3000 items"
    );
    let json = serde_json::to_value(&found[6]).unwrap();
    assert_eq!(json["level"], "warning");
    assert_eq!(json["file"], "small.toml");
    assert_eq!(json["limit"]["id"], "commafeed-size");
    assert_eq!(json["limit"]["measure"], "feed-bytes");
    assert_eq!(json["limit"]["max"], 5 << 20);
    assert_eq!(json["limit"]["measured"], 20 << 20);
    assert_eq!(json["limit"]["output"], "small.atom");
    assert!(
        found[6]
            .github_annotation()
            .starts_with("::warning file=small.toml,title=limit commafeed-size::small.atom is ")
    );
}

#[test]
fn the_subscribe_url_is_the_one_the_page_links_and_is_measured_in_utf16() {
    let publication = publication(0, "short");
    let urls = subscribe_urls(&publication);
    assert_eq!(urls[0].url, "webcal://example.org/short.ics");
    let page = export::html::publication_page(&publication);
    assert!(
        page.contains(&format!("href=\"{}\"", urls[0].link)),
        "the page does not offer {}",
        urls[0].link
    );
    // 256 characters exactly is accepted; one more is not.
    let fits = "s".repeat(256 - "webcal://example.org/.ics".len());
    let publication = self::publication(0, &fits);
    assert_eq!(subscribe_urls(&publication)[0].url.len(), 256);
    assert!(warnings(&publication, &[]).is_empty());
    let publication = self::publication(0, &format!("{fits}s"));
    let found = warnings(&publication, &[]);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].limit.id, "google-calendar-url");
    assert_eq!(found[0].measured, 257);
    assert!(
        found[0]
            .message()
            .starts_with("the subscribe URL webcal://example.org/sss")
    );
}

#[test]
fn accepted_limits_are_kept_apart() {
    let long = "l".repeat(250);
    let mut publication = publication(0, &long);
    let checked = check(std::slice::from_ref(&publication)).unwrap();
    assert_eq!(checked.warnings.len(), 1);
    assert!(checked.accepted.is_empty());
    publication.channel.accept_limits = vec!["google-calendar-url".into()];
    let checked = check(std::slice::from_ref(&publication)).unwrap();
    assert!(checked.warnings.is_empty());
    assert_eq!(checked.accepted.len(), 1);
}
