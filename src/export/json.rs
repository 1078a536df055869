//! JSON Feed 1.1 output: `public/<slug>.json`, the same items as the RSS and Atom feeds.
//!
//! No maintained crate writes JSON Feed 1.1; these serde structs follow
//! <https://www.jsonfeed.org/version/1.1/>, field order fixed for stable output.

use std::io::{self, Write};

use serde::Serialize;

use super::{Shared, files};
use crate::model::{Article, Publication};

#[derive(Serialize)]
struct Feed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: String,
    feed_url: String,
    description: &'a str,
    language: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    items: Items<'a>,
}

/// The items, each built (with its HTML read back) only when serde_json writes it.
struct Items<'a>(&'a Shared<'a>);

impl Serialize for Items<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let shared = self.0;
        let publication = shared.publication;
        let articles = shared.feed_articles();
        let mut items = serializer.serialize_seq(Some(articles.len()))?;
        for (i, article) in articles {
            let content = shared.article_html(i);
            items.serialize_element(&item(publication, article, &content))?;
        }
        items.end()
    }
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Item<'a> {
    id: String,
    url: String,
    title: &'a str,
    content_html: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    date_published: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
}

/// The feed as a string (for tests; a build uses [`write_feed`]).
pub fn feed(shared: &Shared) -> String {
    let mut out = Vec::new();
    write_feed(shared, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Writes the feed to `out`. The items borrow their HTML from `shared`, and serde_json
/// writes them one by one, so nothing is copied whole.
pub fn write_feed(shared: &Shared, out: &mut dyn io::Write) -> io::Result<()> {
    let publication = shared.publication;
    let channel = &publication.channel;
    let feed = Feed {
        version: "https://jsonfeed.org/version/1.1",
        title: &channel.title,
        home_page_url: publication.page_url().to_string(),
        feed_url: publication
            .url_of(&files::json_feed(&publication.slug))
            .to_string(),
        description: &channel.description,
        language: &channel.language,
        authors: channel.author.iter().map(|name| Author { name }).collect(),
        items: Items(shared),
    };
    let mut out = io::BufWriter::with_capacity(64 * 1024, out);
    serde_json::to_writer_pretty(&mut out, &feed)?;
    out.write_all(b"\n")?;
    out.flush()
}

fn item<'a>(publication: &'a Publication, article: &'a Article, content: &'a str) -> Item<'a> {
    let zone = &publication.channel.zone;
    Item {
        id: publication.anchor_url(&article.id).to_string(),
        url: article.link.to_string(),
        title: &article.title,
        content_html: content,
        summary: article.summary.as_deref(),
        date_published: zone.localize(article.published).to_rfc3339(),
        date_modified: article.updated.map(|t| zone.localize(t).to_rfc3339()),
        authors: article.author.iter().map(|name| Author { name }).collect(),
        tags: &article.categories,
        image: article.image.as_ref().map(|url| url.to_string()),
        language: article.language.as_deref(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_of(publication: &Publication) -> String {
        feed(&Shared::new(publication))
    }
    use crate::load::test_publication;

    #[test]
    fn has_every_required_field_and_exact_texts() {
        let text = r#"
[channel]
title = "T \"quoted\""
description = "D"
link = "https://example.org/"
language = "en"
timezone = "UTC"
author = "Desk"

[[articles]]
id = "a1"
title = "Tab\tand </script>"
published = "2024-07-01"
categories = ["x"]
image = "https://example.org/i.png"
"#;
        let p = test_publication("news", text);
        let value: serde_json::Value = serde_json::from_str(&feed_of(&p)).unwrap();
        assert_eq!(value["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(value["title"], "T \"quoted\"");
        assert_eq!(value["feed_url"], "https://example.org/news.json");
        assert_eq!(value["authors"][0]["name"], "Desk");
        let item = &value["items"][0];
        assert_eq!(item["id"], "https://example.org/news/#a1");
        assert_eq!(item["title"], "Tab\tand </script>");
        assert_eq!(item["date_published"], "2024-07-01T12:00:00+00:00");
        assert_eq!(item["tags"][0], "x");
        assert_eq!(item["image"], "https://example.org/i.png");
        assert!(item.get("date_modified").is_none());
    }
}
