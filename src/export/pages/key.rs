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
use std::io;
use std::sync::OnceLock;

use xxhash_rust::xxh3::Xxh3;

use super::super::Reuse;
use super::period::{Archive, Item};
use crate::model::{Event, Publication};

/// The per-item outputs of one publication, each offered to `reuse` with its key before
/// it is rendered. A key is made only when asked for, and each event is hashed once
/// however many keys it is part of (its own two, and those of the articles that show it).
pub struct Keyed<'a> {
    reuse: &'a dyn Reuse,
    publication: &'a Publication,
    /// What every output of the publication depends on: its slug, its channel (whole)
    /// and the date "upcoming" is judged from.
    base: OnceLock<u128>,
    /// Each event's own hash.
    events: Vec<OnceLock<u128>>,
}

impl<'a> Keyed<'a> {
    pub fn new(publication: &'a Publication, reuse: &'a dyn Reuse) -> Self {
        Keyed {
            reuse,
            publication,
            base: OnceLock::new(),
            events: publication.events.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    /// Whether `reuse` passed on `<slug>/<event-id>.ics` (at `path`), whose key is the
    /// event's (it gives its VTIMEZONEs too: its zone and the years it spans) and the
    /// channel's (its link is the UIDs' host).
    pub fn event_file(&self, path: &str, event: &Event) -> io::Result<bool> {
        self.reuse.pass_on(path, &|| {
            let mut hasher = self.start("event file");
            self.event_hash(event).hash(&mut hasher);
            hasher.digest128()
        })
    }

    /// Whether `reuse` passed on the permalink `<slug>/<id>.html` (at `path`), whose key is
    /// the item's (an article's with its related events, as its body shows them), the
    /// channel's, and the name and title of the archive page that lists the item (which
    /// the permalink links, and which move as items are added before it).
    pub fn permalink(&self, path: &str, archive: &Archive, item: Item) -> io::Result<bool> {
        self.reuse
            .pass_on(path, &|| permalink_key(self, archive, item))
    }

    fn start(&self, what: &str) -> Xxh3 {
        let base = *self.base.get_or_init(|| {
            let publication = self.publication;
            let mut hasher = Xxh3::new();
            publication.slug.hash(&mut hasher);
            publication.channel.hash(&mut hasher);
            publication.reference.hash(&mut hasher);
            hasher.digest128()
        });
        let mut hasher = Xxh3::new();
        what.hash(&mut hasher);
        base.hash(&mut hasher);
        hasher
    }

    /// The hash of the event, made once when it is one of the publication's.
    fn event_hash(&self, event: &Event) -> u128 {
        let hash = || {
            let mut hasher = Xxh3::new();
            event.hash(&mut hasher);
            hasher.digest128()
        };
        match self.position(event) {
            Some(i) => *self.events[i].get_or_init(hash),
            None => hash(),
        }
    }

    /// Where `event` is in the publication's events, if it is one of them.
    fn position(&self, event: &Event) -> Option<usize> {
        let events = &self.publication.events;
        let offset = (event as *const Event as usize).checked_sub(events.as_ptr() as usize)?;
        let i = offset / size_of::<Event>().max(1);
        (i < events.len() && std::ptr::eq(&events[i], event)).then_some(i)
    }
}

fn permalink_key(keyed: &Keyed, archive: &Archive, item: Item) -> u128 {
    let publication = keyed.publication;
    let mut hasher = keyed.start("permalink");
    match item {
        Item::Event(i) => {
            0u8.hash(&mut hasher);
            keyed.event_hash(&publication.events[i]).hash(&mut hasher);
        }
        Item::Article(i) => {
            1u8.hash(&mut hasher);
            let article = &publication.articles[i];
            article.hash(&mut hasher);
            for id in &article.events {
                publication
                    .event(id)
                    .map(|event| keyed.event_hash(event))
                    .hash(&mut hasher);
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

    /// Notes the keys it is asked about, and passes nothing on.
    #[derive(Default)]
    struct Keys(std::sync::Mutex<Vec<u128>>);

    impl Reuse for Keys {
        fn pass_on(&self, _: &str, key: &dyn Fn() -> u128) -> io::Result<bool> {
            self.0.lock().unwrap().push(key());
            Ok(false)
        }
    }

    /// The keys of the one-event files, then of the permalinks (events', articles').
    fn keys(publication: &Publication) -> Vec<u128> {
        let archive = Archive::new(publication);
        let keys = Keys::default();
        let keyed = Keyed::new(publication, &keys);
        for event in &publication.events {
            assert!(!keyed.event_file("", event).unwrap());
        }
        let events = (0..publication.events.len()).map(Item::Event);
        let articles = (0..publication.articles.len()).map(Item::Article);
        for item in events.chain(articles) {
            assert!(!keyed.permalink("", &archive, item).unwrap());
        }
        keys.0.into_inner().unwrap()
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

    /// The publication's own fields are picked by hand (the channel, the events and the
    /// articles are hashed whole): a field added to it fails to compile here, until it is
    /// sorted into one of these lists, and into the keys if a permalink or a one-event
    /// file shows it.
    #[test]
    fn every_field_of_the_publication_is_either_keyed_or_shown_by_no_per_item_output() {
        let publication = publication("");
        let Publication {
            // In every key.
            slug: _,
            channel: _,
            reference: _,
            // Each item in its own keys, and an article's related events in its key.
            events: _,
            articles: _,
            // Shown by no output.
            source: _,
            event_index: _,
        } = publication;
    }

    #[test]
    fn a_long_text_keys_alike_in_memory_and_spilled() {
        for bom in [false, true] {
            let (loaded, expected) = crate::load::tests::loaded_with_spilled_texts(bom);
            assert_eq!(keys(&loaded), keys(&expected));
        }
    }
}
