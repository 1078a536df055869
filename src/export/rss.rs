//! RSS 2.0 output: `public/<slug>.xml`, one item per article, newest first.
//!
//! Built with the `rss` crate, which writes description before content:encoded, wraps
//! both in CDATA (splitting any `]]>`), and declares the namespaces it uses.

use std::collections::BTreeMap;

use std::io::{self, Write};

use rss::extension::dublincore::{self, DublinCoreExtension};
use rss::extension::{Extension, ExtensionMap};
use rss::{Category, Channel, Guid, Item};

use super::Shared;
use super::escape::escape_html_text;
use crate::model::{Article, Publication};

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

/// The feed as a string (for tests; a build uses [`write_feed`]).
pub fn feed(shared: &Shared) -> String {
    let mut out = Vec::new();
    write_feed(shared, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("the rss crate writes UTF-8")
}

/// How many items are rendered at a time (see [`write_feed`]).
const ITEMS_PER_BATCH: usize = 64;

/// Writes the feed to `out`, a few items at a time.
///
/// The `rss` crate writes only a whole `Channel` and keeps its item writer private, so a
/// feed built in one piece would hold a copy of every article's HTML at once. Instead the
/// channel is written once without items, for its head and tail, and then once per batch
/// of items, of which only the items are kept: items come last in the crate's `<channel>`,
/// are each written on their own, and the namespaces they use are declared up front (the
/// crate declares only those its items use, which would differ between batches).
pub fn write_feed(shared: &Shared, out: &mut dyn Write) -> io::Result<()> {
    let publication = shared.publication;
    let articles: Vec<(usize, &Article)> = shared.feed_articles().collect();
    let mut rss = channel_without_items(shared, articles.iter().map(|&(_, a)| a));
    let whole = write_channel(&rss)?;
    // The crate ends the channel with an indented `</channel>` on a line of its own.
    let end = b"\n  </channel>";
    let tail_at = whole
        .windows(end.len())
        .rposition(|w| w == end)
        .ok_or_else(|| unexpected("no </channel>"))?;
    let (head, tail) = whole.split_at(tail_at);
    out.write_all(head)?;
    for batch in articles.chunks(ITEMS_PER_BATCH) {
        rss.items = batch
            .iter()
            .map(|&(i, article)| item(publication, article, &shared.article_html(i)))
            .collect();
        let written = write_channel(&rss)?;
        let items = written
            .strip_prefix(head)
            .and_then(|rest| rest.strip_suffix(tail))
            .ok_or_else(|| unexpected("a batch of items changed the channel's head or tail"))?;
        out.write_all(items)?;
    }
    out.write_all(tail)?;
    out.write_all(b"\n")
}

/// The feed's channel without its items, with the namespaces that all of its items use
/// declared (see [`write_feed`]).
fn channel_without_items<'a>(
    shared: &Shared<'a>,
    articles: impl Iterator<Item = &'a Article> + Clone,
) -> Channel {
    let publication = shared.publication;
    let channel = &publication.channel;
    let feed_url = publication.url_of(&shared.scope.rss);
    let updated = channel.zone.localize(channel.updated).to_rfc2822();

    let mut self_link = Extension {
        name: "atom:link".into(),
        ..Default::default()
    };
    self_link.attrs = BTreeMap::from([
        ("href".to_string(), feed_url.to_string()),
        ("rel".to_string(), "self".to_string()),
        ("type".to_string(), "application/rss+xml".to_string()),
    ]);
    let mut extensions = ExtensionMap::new();
    extensions
        .entry("atom".into())
        .or_default()
        .insert("link".into(), vec![self_link]);

    let mut namespaces = BTreeMap::from([("atom".to_string(), ATOM_NS.to_string())]);
    // What the crate declares for the items it is given (`Item::used_namespaces`).
    let any = articles.clone().next().is_some();
    if any {
        namespaces.insert("content".into(), CONTENT_NS.into());
    }
    if articles
        .clone()
        .any(|a| a.author.is_some() || a.language.is_some())
        || channel.author.is_some() && any
    {
        namespaces.insert("dc".into(), dublincore::NAMESPACE.into());
    }
    Channel {
        title: shared.scope.title.clone(),
        link: channel.link.to_string(),
        description: escape_html_text(&shared.scope.description),
        language: Some(channel.language.clone()),
        pub_date: Some(updated.clone()),
        last_build_date: Some(updated),
        generator: Some(concat!("calfeed ", env!("CARGO_PKG_VERSION")).into()),
        docs: Some("https://www.rssboard.org/rss-specification".into()),
        ttl: channel.refresh.map(|r| r.num_minutes().max(1).to_string()),
        extensions,
        namespaces,
        ..Default::default()
    }
}

const CONTENT_NS: &str = "http://purl.org/rss/1.0/modules/content/";

/// The channel as the crate writes it (UTF-8: quick-xml writes the `str`s it is given).
fn write_channel(channel: &Channel) -> io::Result<Vec<u8>> {
    channel
        .pretty_write_to(Vec::new(), b' ', 2)
        .map_err(|e| unexpected(&e.to_string()))
}

/// The `rss` crate wrote something [`write_feed`] does not expect (a new version of it).
fn unexpected(what: &str) -> io::Error {
    io::Error::other(format!("the rss crate's output changed: {what}"))
}

fn item(publication: &Publication, article: &Article, content: &str) -> Item {
    let channel = &publication.channel;
    let author = article.author.as_ref().or(channel.author.as_ref());
    Item {
        title: Some(article.title.clone()),
        link: Some(article.link.to_string()),
        // RSS readers take <description> as HTML; the summary is plain text.
        description: article.summary.as_deref().map(escape_html_text),
        categories: article
            .categories
            .iter()
            .map(|name| Category {
                name: name.clone(),
                domain: None,
            })
            .collect(),
        guid: Some(Guid {
            value: publication.anchor_url(&article.id).to_string(),
            permalink: false,
        }),
        pub_date: Some(channel.zone.localize(article.published).to_rfc2822()),
        content: Some(content.to_string()),
        // RSS's own <author> must be an e-mail address; a name goes in dc:creator.
        dublin_core_ext: (author.is_some() || article.language.is_some()).then(|| {
            DublinCoreExtension {
                creators: author.into_iter().cloned().collect(),
                languages: article.language.iter().cloned().collect(),
                ..Default::default()
            }
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_of(publication: &Publication) -> String {
        feed(&Shared::new(publication))
    }
    use crate::load::test_publication;

    fn publication(extra: &str) -> Publication {
        let text = format!(
            r#"
[channel]
title = "News & <stuff>"
description = "About <b> & more"
link = "https://example.org/"
language = "en"
timezone = "Asia/Shanghai"
author = "Desk"
refresh = "2h"
{extra}
"#
        );
        test_publication("news", &text)
    }

    const TWO_ARTICLES: &str = r#"
[[events]]
id = "launch"
title = "Launch"
start = "2022-07-04T19:00"
duration = "2h"

[[articles]]
id = "older"
title = "Older"
published = "2022-06-01"
summary = "S1"

[[articles]]
id = "newer"
title = "Newer </title> ]]> & more"
published = "2022-06-28T09:30:00+02:00"
summary = "Summary with ]]> inside"
content = "Body with [a link](/x) and <b>raw</b> ]]> end"
events = ["launch"]
categories = ["Phones"]
"#;

    #[test]
    fn items_read_back_newest_first_with_exact_texts() {
        let xml = feed_of(&publication(TWO_ARTICLES));
        let channel = rss::Channel::read_from(xml.as_bytes()).expect("valid RSS");
        assert_eq!(channel.title, "News & <stuff>");
        assert_eq!(channel.description, "About &lt;b&gt; &amp; more");
        assert_eq!(channel.ttl.as_deref(), Some("120"));
        let titles: Vec<_> = channel
            .items
            .iter()
            .map(|i| i.title.clone().unwrap())
            .collect();
        assert_eq!(titles, ["Newer </title> ]]> & more", "Older"]);
        let newer = &channel.items[0];
        // Readers take <description> as HTML: the plain-text summary is escaped for it.
        assert_eq!(
            newer.description.as_deref(),
            Some("Summary with ]]&gt; inside")
        );
        assert_eq!(
            newer.guid.as_ref().unwrap().value,
            "https://example.org/news/#newer"
        );
        assert!(!newer.guid.as_ref().unwrap().permalink);
        assert_eq!(
            newer.pub_date.as_deref(),
            Some("Tue, 28 Jun 2022 15:30:00 +0800")
        );
        assert_eq!(
            channel.items[1].pub_date.as_deref(),
            Some("Wed, 1 Jun 2022 12:00:00 +0800")
        );
        let content = newer.content.as_deref().unwrap();
        assert!(
            content.contains(r#"<a href="https://example.org/x">a link</a>"#),
            "{content}"
        );
        assert!(
            content.contains("&lt;b&gt;raw&lt;/b&gt; ]]&gt; end"),
            "{content}"
        );
        assert!(
            content.contains("https://example.org/news/launch.ics"),
            "{content}"
        );
        assert!(
            content.contains("19:00–21:00 CST (UTC+08:00) = 11:00–13:00 UTC"),
            "{content}"
        );
        assert_eq!(
            newer.dublin_core_ext.as_ref().unwrap().creators,
            vec!["Desk".to_string()]
        );
        assert_eq!(newer.categories[0].name, "Phones");
    }

    #[test]
    fn description_comes_before_content_and_self_link_is_declared() {
        let xml = feed_of(&publication(TWO_ARTICLES));
        let description = xml.find("<description><![CDATA[Summary").unwrap();
        let content = xml.find("<content:encoded>").unwrap();
        assert!(description < content);
        assert!(xml.contains(
            r#"<atom:link href="https://example.org/news.xml" rel="self" type="application/rss+xml">"#
        ));
        assert!(xml.contains(r#"xmlns:atom="http://www.w3.org/2005/Atom""#));
        assert!(
            !xml.contains("<author>"),
            "RSS <author> must be an e-mail address"
        );
    }

    #[test]
    fn dates_come_from_data_never_the_clock() {
        let p = publication(TWO_ARTICLES);
        let xml = feed_of(&p);
        assert_eq!(xml, feed_of(&p));
        assert!(xml.contains("<lastBuildDate>Tue, 28 Jun 2022 15:30:00 +0800</lastBuildDate>"));
    }

    /// A channel without an author and `count` articles, newest first in the file as in
    /// the feed; `author_of(i)` is the author of the `i`th.
    fn many_articles(count: usize, author_of: impl Fn(usize) -> Option<String>) -> Publication {
        let mut text = String::from(
            r#"
[channel]
title = "Many"
description = "Lots of articles"
link = "https://example.org/"
language = "en"
timezone = "Europe/Paris"
updated = "2024-01-01T00:00:00Z"
# Every article in the feed, in several batches.
feed_items = 1000
"#,
        );
        let first = chrono::NaiveDate::from_ymd_opt(2023, 12, 31).unwrap();
        for i in 0..count {
            let published = first - chrono::Days::new(i as u64);
            text.push_str(&format!(
                "\n[[articles]]\nid = \"a{i}\"\ntitle = \"Article {i}\"\n\
                 published = \"{published}\"\ncontent = \"Body of **{i}** with <b>]]></b>\"\n"
            ));
            if let Some(author) = author_of(i) {
                text.push_str(&format!("author = \"{author}\"\n"));
            }
        }
        test_publication("many", &text)
    }

    /// The feed as the rss crate writes it with every item in one `Channel`.
    fn feed_in_one_piece(shared: &Shared) -> String {
        let publication = shared.publication;
        let mut channel = channel_without_items(shared, shared.feed_articles().map(|(_, a)| a));
        channel.items = shared
            .feed_articles()
            .map(|(i, article)| item(publication, article, &shared.article_html(i)))
            .collect();
        String::from_utf8(write_channel(&channel).unwrap()).unwrap() + "\n"
    }

    #[test]
    fn a_feed_written_in_batches_is_the_feed_written_in_one_piece() {
        const COUNT: usize = 150;
        const { assert!(COUNT > 2 * ITEMS_PER_BATCH) };
        // Only the second and third batches have authors: the dc namespace is needed
        // after the first batch, and the channel has no author to fall back on.
        let author_of =
            |i: usize| (i >= ITEMS_PER_BATCH && i.is_multiple_of(7)).then(|| format!("Writer {i}"));
        let publication = many_articles(COUNT, author_of);
        assert!(publication.channel.author.is_none());
        assert!(
            publication.articles[..ITEMS_PER_BATCH]
                .iter()
                .all(|a| a.author.is_none())
        );
        let shared = Shared::new(&publication);
        let xml = feed(&shared);
        assert_eq!(xml, feed_in_one_piece(&shared));

        let channel = rss::Channel::read_from(xml.as_bytes()).expect("valid RSS");
        assert_eq!(channel.items.len(), COUNT);
        for (i, item) in channel.items.iter().enumerate() {
            assert_eq!(item.title.as_deref(), Some(format!("Article {i}").as_str()));
            let content = item.content.as_deref().unwrap();
            assert!(
                content.contains(&format!("<strong>{i}</strong>")),
                "{content}"
            );
            let creators = item.dublin_core_ext.as_ref().map(|dc| dc.creators.clone());
            assert_eq!(creators, author_of(i).map(|a| vec![a]), "item {i}");
        }
    }

    #[test]
    fn a_feed_without_articles_is_the_channel_alone() {
        let publication = many_articles(0, |_| None);
        let shared = Shared::new(&publication);
        let xml = feed(&shared);
        assert_eq!(xml, feed_in_one_piece(&shared));
        assert!(!xml.contains("xmlns:content"), "{xml}");
        let channel = rss::Channel::read_from(xml.as_bytes()).expect("valid RSS");
        assert!(channel.items.is_empty());
        assert_eq!(channel.title, "Many");
    }
}
