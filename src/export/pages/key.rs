//! The keys of the per-item outputs (each event's and article's permalink, each event's
//! one-event file): a hash of everything the output's renderer reads, so that an output
//! whose key is what it was when the last build wrote it would be written with the same
//! bytes again (see [`super::super::Reuse`]).
//!
//! What goes in is taken whole wherever it can be: the channel, the event and the article
//! through their derived `Hash`, so that a field added to the model is part of every key
//! without anyone remembering to add it. What a renderer reads beyond its own item is
//! named here, and must stay in step with the renderers: the publication's slug and
//! reference date; for an article, its related events; for a permalink, the name and the
//! title of the archive page that lists the item (which move when items are added before
//! it). What calfeed itself writes the same way for every item (its version, the page
//! style, the time zone data) the build cache covers by keying on the program.

use std::hash::Hash;

use xxhash_rust::xxh3::Xxh3;

use super::period::{Archive, Item};
use crate::model::{Event, Publication};

/// What every output of the publication depends on: its slug, its channel (whole) and the
/// date "upcoming" is judged from. `what` names the kind of output, so that two kinds
/// never share a key.
fn start(publication: &Publication, what: &str) -> Xxh3 {
    let mut hasher = Xxh3::new();
    what.hash(&mut hasher);
    publication.slug.hash(&mut hasher);
    publication.channel.hash(&mut hasher);
    publication.reference.hash(&mut hasher);
    hasher
}

/// The key of `<slug>/<event-id>.ics`: the event and its VTIMEZONEs (which its own zone
/// and the years it spans give), and the channel's link (its UIDs' host).
pub fn event_file(publication: &Publication, event: &Event) -> u128 {
    let mut hasher = start(publication, "event file");
    event.hash(&mut hasher);
    hasher.digest128()
}

/// The key of `<slug>/<id>.html`: the item (an article with its related events, as its
/// body shows them) and the archive page it is on (the page's name and title, which the
/// permalink links).
pub fn permalink(publication: &Publication, archive: &Archive, item: Item) -> u128 {
    let mut hasher = start(publication, "permalink");
    match item {
        Item::Event(i) => {
            0u8.hash(&mut hasher);
            publication.events[i].hash(&mut hasher);
        }
        Item::Article(i) => {
            1u8.hash(&mut hasher);
            let article = &publication.articles[i];
            article.hash(&mut hasher);
            for id in &article.events {
                publication.event(id).hash(&mut hasher);
            }
        }
    }
    let page = &archive.pages[archive.page_of(item)];
    page.name().hash(&mut hasher);
    page.title().hash(&mut hasher);
    hasher.digest128()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::test_publication;

    fn publication(extra: &str) -> Publication {
        test_publication(
            "keys",
            &format!(
                r#"
[channel]
title = "Keys"
description = "D"
link = "https://example.org/"
language = "en"
timezone = "Europe/London"
updated = "2024-10-01T09:00:00Z"

[[events]]
id = "one"
title = "One"
start = "2024-10-10T19:00"

[[events]]
id = "two"
title = "Two"
start = "2024-10-11T19:00"

[[articles]]
id = "news"
title = "News"
published = "2024-09-01"
events = ["two"]
{extra}
"#
            ),
        )
    }

    fn keys(publication: &Publication) -> Vec<u128> {
        let archive = Archive::new(publication);
        vec![
            event_file(publication, &publication.events[0]),
            event_file(publication, &publication.events[1]),
            permalink(publication, &archive, Item::Event(0)),
            permalink(publication, &archive, Item::Event(1)),
            permalink(publication, &archive, Item::Article(0)),
        ]
    }

    #[test]
    fn a_key_changes_with_what_its_output_shows_and_with_nothing_else() {
        let base = publication("");
        let before = keys(&base);
        assert_eq!(before, keys(&publication("")), "keys are stable");
        let distinct: std::collections::HashSet<_> = before.iter().collect();
        assert_eq!(distinct.len(), before.len(), "every output has its own key");

        // The second event's title: its file and permalink, and the article showing it.
        let mut edited = base.clone();
        edited.events[1].title = "Two, renamed".into();
        let after = keys(&edited);
        let changed: Vec<bool> = before.iter().zip(&after).map(|(a, b)| a != b).collect();
        assert_eq!(changed, [false, true, false, true, true]);

        // The channel: everything.
        let mut edited = base.clone();
        edited.channel.title = "Other".into();
        assert!(before.iter().zip(&keys(&edited)).all(|(a, b)| a != b));

        // The reference date: everything.
        let mut edited = base.clone();
        edited.reference += chrono::Duration::days(1);
        assert!(before.iter().zip(&keys(&edited)).all(|(a, b)| a != b));
    }

    #[test]
    fn a_long_text_keys_alike_in_memory_and_spilled() {
        for bom in [false, true] {
            let (loaded, expected) = crate::load::tests::loaded_with_spilled_texts(bom);
            assert_eq!(keys_of_all(&loaded), keys_of_all(&expected));
        }
    }

    fn keys_of_all(publication: &Publication) -> Vec<u128> {
        let archive = Archive::new(publication);
        let events = (0..publication.events.len()).flat_map(|i| {
            [
                event_file(publication, &publication.events[i]),
                permalink(publication, &archive, Item::Event(i)),
            ]
        });
        let articles = (0..publication.articles.len())
            .map(|i| permalink(publication, &archive, Item::Article(i)));
        events.chain(articles).collect()
    }
}
