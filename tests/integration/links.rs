//! Links: `javascript:` and `data:` links are refused in every link field, valid links
//! with markup in them are encoded, and no Markdown link or image carries a script or data
//! URL into any output.

use crate::injection::assert_html_inert;
use crate::support::api::Format;
use crate::support::fixtures::{Field, fixture, problems};
use crate::support::ics::Ics;
use crate::support::text::toml_string;
use crate::support::{Test, json, xml};

/// Every link field, as the errors name it.
const LINK_FIELDS: [&str; 6] = [
    "channel.link",
    "events[0].url",
    "events[0].livestream",
    "events[0].image",
    "articles[0].link",
    "articles[0].image",
];

/// A publication whose link fields hold `links` (by field name), each other one valid.
fn link_fixture(links: &[(&str, &str)]) -> String {
    let link = |field: &str, valid: &str| {
        toml_string(
            links
                .iter()
                .find(|(f, _)| *f == field)
                .map_or(valid, |(_, v)| *v),
        )
    };
    format!(
        r#"[channel]
title = "Links"
description = "Links"
link = {}
language = "en"
timezone = "UTC"

[[events]]
id = "launch"
title = "Launch"
start = "2024-07-04T19:00"
url = {}
livestream = {}
image = {}

[[articles]]
id = "news"
title = "News"
published = "2024-07-01"
link = {}
image = {}
"#,
        link("channel.link", "https://example.org/"),
        link("events[0].url", "https://example.org/launch"),
        link("events[0].livestream", "https://example.org/live"),
        link("events[0].image", "https://example.org/launch.png"),
        link("articles[0].link", "https://example.org/news"),
        link("articles[0].image", "https://example.org/news.png"),
    )
}

#[test]
fn script_and_data_links_are_rejected_in_every_link_field() {
    let hostile = [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "  javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "\u{0}javascript:alert(1)",
        "javascript://example.org/%0Aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "ftp://example.org/file",
        "mailto:someone@example.org",
        "//evil.example/x",
        "/relative/path",
        "example.org",
        "http://",
        "",
    ];
    for field in LINK_FIELDS {
        for link in hostile {
            let found = problems(&link_fixture(&[(field, link)]), Format::Toml);
            assert!(
                found.iter().any(|(f, _)| f == field),
                "{field} = {link:?} was not rejected as {field}: {found:?}"
            );
        }
    }
}

#[test]
fn the_binary_names_every_rejected_link_field_and_writes_nothing() {
    let links: Vec<(&str, &str)> = LINK_FIELDS
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let link = if i % 2 == 0 {
                "javascript:alert(1)"
            } else {
                "data:text/html,<script>alert(1)</script>"
            };
            (*field, link)
        })
        .collect();
    let run = Test::new()
        .feed("links.toml", &link_fixture(&links))
        .args(["build"])
        .any_status()
        .run();
    for (field, link) in &links {
        let scheme = link.split(':').next().unwrap_or_default();
        run.rejects(field, &format!("is a {scheme}: link, not a web address"));
    }
    assert!(!run.path("public").exists(), "public/ was written");
}

#[test]
fn markup_in_a_valid_link_is_encoded_never_injected() {
    let link = "https://example.org/a\"><script>alert(1)</script>?q=\"'><img src=x>#\"><b>";
    let links: Vec<(&str, &str)> = LINK_FIELDS[1..].iter().map(|f| (*f, link)).collect();
    let site = Test::new()
        .feed("links.toml", &link_fixture(&links))
        .args(["build"])
        .run();
    let plain = Test::new()
        .feed("links.toml", &link_fixture(&[]))
        .args(["build"])
        .run();
    assert_html_inert(&site.read("public/links/index.html"), "publication page");
    for file in ["public/links.xml", "public/links.atom"] {
        assert_eq!(
            xml::shape(&xml::parse(&site.read(file))),
            xml::shape(&xml::parse(&plain.read(file))),
            "{file}"
        );
    }
    let calendar = Ics::parse(&site.read("public/links.ics"));
    assert_eq!(
        calendar.shape(),
        Ics::parse(&plain.read("public/links.ics")).shape()
    );
    for url in calendar.only("VEVENT").values("URL") {
        assert!(!url.contains(['"', '<', '>', '\'']), "{url}");
    }
}

/// Article bodies are Markdown: every way it has of writing a link or an image (inline,
/// reference, autolink, with entities, odd case, white space) is tried with a script or
/// data URL, and none of them reaches an `href` or `src` of any output.
#[test]
fn markdown_links_never_carry_script_or_data_urls() {
    let content = "\
[inline](javascript:alert(1)) [case](JaVaScRiPt:alert(1)) [space]( javascript:alert(1))
[entity](java&#x09;script:alert(1)) [encoded](javascript&#58;alert(1)) [tab](java\tscript:alert(1))
[data](data:text/html,<script>alert(1)</script>) [vb](vbscript:msgbox(1))
![image](data:image/svg+xml,<svg/onload=alert(1)>) ![js image](javascript:alert(1))
<javascript:alert(1)> <data:text/html,x> [reference][r] [collapsed][]

[r]: javascript:alert(1)
[collapsed]: data:text/html,x
";
    let site = Test::new()
        .feed("hostile.toml", &fixture(Field::ArticleContent, content))
        .args(["build"])
        .run();
    let json = json::parse(&site.read("public/hostile.json"));
    let bodies = [
        xml::texts(
            &xml::parse(&site.read("public/hostile.xml")),
            "rss/channel/item/content:encoded",
        )
        .concat(),
        xml::texts(
            &xml::parse(&site.read("public/hostile.atom")),
            "feed/entry/content",
        )
        .concat(),
        json::str_at(&json, "/items/0/content_html").to_string(),
        site.read("public/hostile/index.html"),
    ];
    for body in bodies {
        for attribute in ["href=\"", "src=\""] {
            for (at, _) in body.match_indices(attribute) {
                let value = &body[at + attribute.len()..];
                let value = &value[..value.find('"').unwrap_or(value.len())];
                let lower = value.to_ascii_lowercase();
                assert!(
                    value.is_empty()
                        || lower.starts_with("https://")
                        || lower.starts_with("http://")
                        || lower.starts_with("webcal://")
                        || !lower.contains(':'),
                    "{attribute}{value}\" in {body}"
                );
            }
        }
    }
}
