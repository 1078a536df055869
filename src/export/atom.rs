//! Atom 1.0 output (RFC 4287): `public/<slug>.atom`, the same items as the RSS feed with the
//! same ids, titles, dates and content.
//!
//! Written with quick-xml (already in the tree through the `rss` crate), indented so that
//! a maintainer can review a diff of it; quick-xml escapes every text and attribute.

use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::{Shared, files};
use crate::model::{Article, Publication};

type Xml = Writer<Vec<u8>>;

/// The feed as a string (for tests; a build uses [`write_feed`]).
pub fn feed(shared: &Shared) -> String {
    let mut out = Vec::new();
    write_feed(shared, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("quick-xml writes UTF-8")
}

/// Writes the feed to `out`, one entry at a time: the XML writer's buffer is handed on and
/// emptied after each entry, so only one entry is held in memory.
pub fn write_feed(shared: &Shared, out: &mut dyn io::Write) -> io::Result<()> {
    let publication = shared.publication;
    let channel = &publication.channel;
    let mut xml = Writer::new_with_indent(Vec::new(), b' ', 2);
    let rfc3339 = |t| channel.zone.localize(t).to_rfc3339();
    write(
        &mut xml,
        Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)),
    );
    let feed = BytesStart::new("feed").with_attributes([
        ("xmlns", "http://www.w3.org/2005/Atom"),
        ("xml:lang", channel.language.as_str()),
    ]);
    write(&mut xml, Event::Start(feed));
    text_element(&mut xml, "title", &channel.title);
    text_element(&mut xml, "subtitle", &channel.description);
    text_element(&mut xml, "id", publication.page_url().as_str());
    link(
        &mut xml,
        "self",
        "application/atom+xml",
        publication.url_of(&files::atom(&publication.slug)).as_str(),
    );
    link(
        &mut xml,
        "alternate",
        "text/html",
        publication.page_url().as_str(),
    );
    text_element(&mut xml, "updated", &rfc3339(channel.updated));
    // RFC 4287 §4.1.1: a feed whose entries may lack an author needs one of its own.
    author(
        &mut xml,
        channel.author.as_deref().unwrap_or(channel.title.as_str()),
    );
    let generator =
        BytesStart::new("generator").with_attributes([("version", env!("CARGO_PKG_VERSION"))]);
    write(&mut xml, Event::Start(generator));
    write(&mut xml, Event::Text(BytesText::new("calfeed")));
    write(&mut xml, Event::End(BytesEnd::new("generator")));
    for (i, article) in shared.feed_articles() {
        entry(&mut xml, publication, article, &shared.article_html(i));
        out.write_all(xml.get_ref())?;
        xml.get_mut().clear();
    }
    write(&mut xml, Event::End(BytesEnd::new("feed")));
    let mut rest = xml.into_inner();
    rest.push(b'\n');
    out.write_all(&rest)
}

fn entry(xml: &mut Xml, publication: &Publication, article: &Article, content: &str) {
    let zone = &publication.channel.zone;
    let mut start = BytesStart::new("entry");
    if let Some(language) = &article.language {
        start.push_attribute(("xml:lang", language.as_str()));
    }
    write(xml, Event::Start(start));
    text_element(xml, "title", &article.title);
    text_element(xml, "id", publication.anchor_url(&article.id).as_str());
    link(xml, "alternate", "text/html", article.link.as_str());
    text_element(
        xml,
        "published",
        &zone.localize(article.published).to_rfc3339(),
    );
    let updated = article.updated.unwrap_or(article.published);
    text_element(xml, "updated", &zone.localize(updated).to_rfc3339());
    if let Some(name) = &article.author {
        author(xml, name);
    }
    if let Some(summary) = &article.summary {
        text_element(xml, "summary", summary);
    }
    let element = BytesStart::new("content").with_attributes([("type", "html")]);
    write(xml, Event::Start(element));
    write(xml, Event::Text(BytesText::new(content)));
    write(xml, Event::End(BytesEnd::new("content")));
    for category in &article.categories {
        let element = BytesStart::new("category").with_attributes([("term", category.as_str())]);
        write(xml, Event::Empty(element));
    }
    write(xml, Event::End(BytesEnd::new("entry")));
}

fn author(xml: &mut Xml, name: &str) {
    write(xml, Event::Start(BytesStart::new("author")));
    text_element(xml, "name", name);
    write(xml, Event::End(BytesEnd::new("author")));
}

fn link(xml: &mut Xml, rel: &str, media_type: &str, href: &str) {
    let element = BytesStart::new("link").with_attributes([
        ("rel", rel),
        ("type", media_type),
        ("href", href),
    ]);
    write(xml, Event::Empty(element));
}

fn text_element(xml: &mut Xml, name: &str, text: &str) {
    write(xml, Event::Start(BytesStart::new(name)));
    write(xml, Event::Text(BytesText::new(text)));
    write(xml, Event::End(BytesEnd::new(name)));
}

fn write(xml: &mut Xml, event: Event<'_>) {
    xml.write_event(event)
        .expect("writing XML to memory cannot fail");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_of(publication: &Publication) -> String {
        feed(&Shared::new(publication))
    }
    use crate::load::test_publication;
    use quick_xml::Reader;

    fn publication() -> Publication {
        let text = r#"
[channel]
title = "T"
description = "D"
link = "https://example.org/"
language = "en-GB"
timezone = "Europe/London"

[[articles]]
id = "a1"
title = "Title </title> & <script>"
published = "2024-07-01T10:00"
updated = "2024-07-02T10:00"
author = "Ann"
summary = "Sum ]]> <b>"
content = "Body <script>alert(1)</script>"
categories = ["x & y"]
"#;
        test_publication("news", text)
    }

    /// The text of every `name` element, unescaped by an XML reader.
    fn texts(xml: &str, name: &str) -> Vec<String> {
        let mut reader = Reader::from_str(xml);
        let mut found = Vec::new();
        let mut inside = false;
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) if e.name().as_ref() == name.as_bytes() => inside = true,
                Event::End(e) if e.name().as_ref() == name.as_bytes() => inside = false,
                Event::Text(t) if inside => found.push(t.decode().unwrap().into_owned()),
                Event::GeneralRef(r) if inside => {
                    let entity = match r.decode().unwrap().as_ref() {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "quot" => "\"",
                        "apos" => "'",
                        other => panic!("unexpected entity {other}"),
                    };
                    match found.last_mut() {
                        Some(last) => last.push_str(entity),
                        None => found.push(entity.to_string()),
                    }
                }
                Event::Eof => return found,
                _ => {}
            }
        }
    }

    #[test]
    fn texts_read_back_exactly_and_nothing_becomes_markup() {
        let xml = feed_of(&publication());
        assert_eq!(texts(&xml, "summary").concat(), "Sum ]]> <b>");
        let titles = texts(&xml, "title").concat();
        assert!(titles.contains("Title </title> & <script>"), "{titles}");
        assert!(!xml.contains("<script>"), "{xml}");
        assert!(xml.contains(r#"<category term="x &amp; y"/>"#), "{xml}");
    }

    #[test]
    fn ids_links_and_dates_match_the_rss_item() {
        let xml = feed_of(&publication());
        assert!(xml.contains("<id>https://example.org/news/#a1</id>"));
        assert!(xml.contains(
            r#"<link rel="self" type="application/atom+xml" href="https://example.org/news.atom"/>"#
        ));
        assert!(xml.contains("<published>2024-07-01T10:00:00+01:00</published>"));
        assert!(xml.contains("<updated>2024-07-02T10:00:00+01:00</updated>"));
        assert!(xml.contains(r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-GB">"#));
    }
}
