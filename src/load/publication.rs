//! The checks of a publication as a whole: its channel, its articles, ids unique across
//! events and articles, and the references from articles to events. The result is the
//! [`Publication`] renderers read.

use std::cmp::Ordering;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveTime, Utc};
use url::Url;

use super::LoadOptions;
use super::check::Checker;
use super::path::FieldPath;
use super::raw::{RawArticle, RawChannel, RawEvent, RawFile};
use crate::diagnostic::candidates_help;
use crate::model::{Article, Budget, ByCategory, Channel, Event, Publication};
use crate::when::Zone;

/// How many coming occurrences of a repeating event pages and feeds list.
pub const DEFAULT_UPCOMING: u16 = 5;

/// A bare article date (`published = "2022-06-28"`) means noon in the channel's zone:
/// the same calendar day for readers from UTC-12 to UTC+12.
pub const ARTICLE_DEFAULT_TIME: NaiveTime = match NaiveTime::from_hms_opt(12, 0, 0) {
    Some(t) => t,
    None => unreachable!(),
};

/// The channel checked, before any item is: what checking an event or an article needs of
/// it (the zone, the link and slug their pages are at). `publication` has no items yet.
pub(super) struct Shell {
    pub(super) publication: Publication,
    /// The channel's own `updated`, when it has one.
    pub(super) updated: Option<DateTime<Utc>>,
}

/// An event or an article as read: checked already (on the thread that read it, when the
/// channel came first: see `stream`), or not yet.
pub(super) enum Item<R, T> {
    Raw(R),
    Checked(T),
}

/// Where an event or an article is: its list (`events` or `articles`) and its index there.
type At = (&'static str, usize);

/// The path of the event or article at `at`: `events[3]`.
fn item_path((list, i): At) -> FieldPath {
    FieldPath::root().key(list).index(i)
}

/// Sorts articles newest first, and by id among those published at once.
fn newest_first(articles: &mut [Article]) {
    sort_by_positions(articles, |a, b| {
        b.published.cmp(&a.published).then_with(|| a.id.cmp(&b.id))
    });
}

/// What `items.sort_by(compare)` does (a stable sort), through the items' positions:
/// moving the items themselves (an article is hundreds of bytes) at every step of a sort
/// costs more than the comparisons.
fn sort_by_positions<T>(items: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| compare(&items[a], &items[b]));
    // Position `i` takes the item at `order[i]`: each cycle of the permutation is followed
    // once, `order[j] = j` marking the positions done.
    for start in 0..order.len() {
        let mut j = start;
        while order[j] != start {
            let from = order[j];
            items.swap(j, from);
            order[j] = j;
            j = from;
        }
        order[j] = j;
    }
}

/// An event checked, and its own `updated` if it has one.
pub(super) type CheckedEvent = (Event, Option<DateTime<Utc>>);

impl Checker<'_> {
    pub(super) fn publication(
        &mut self,
        slug: &str,
        raw: RawFile,
        options: &LoadOptions,
    ) -> Publication {
        let shell = self.channel(slug, raw.channel, options);
        self.items(
            shell,
            raw.events.into_iter().map(Item::Raw),
            raw.articles.into_iter().map(Item::Raw),
            options,
        )
    }

    /// The channel's checks; the publication it starts.
    pub(super) fn channel(&mut self, slug: &str, c: RawChannel, options: &LoadOptions) -> Shell {
        let fallback_time = options.fallback_time;
        let at = FieldPath::root().key("channel");
        let zone = self
            .zone(&at.key("timezone"), &c.timezone)
            .unwrap_or(Zone::Iana(chrono_tz::Tz::UTC));
        let channel_updated = c
            .updated
            .as_ref()
            .and_then(|t| self.instant(&at.key("updated"), t, &zone, NaiveTime::MIN));
        let mut link = self
            .url(&at.key("link"), Some(c.link))
            .unwrap_or_else(|| Url::parse("https://invalid.example/").expect("static URL"));
        if !link.path().ends_with('/') {
            let path = format!("{}/", link.path());
            link.set_path(&path);
        }
        let language = self.language(&at.key("language"), &c.language);
        let refresh = c
            .refresh
            .as_ref()
            .and_then(|r| self.duration(&at.key("refresh"), r));
        let budget = self.budget(&at, [c.feed_items, c.calendar_events, c.calendar_bytes]);
        let by_category = c.by_category.map(|raw| {
            let at = at.key("by_category");
            ByCategory {
                budget: self.budget(
                    &at,
                    [raw.feed_items, raw.calendar_events, raw.calendar_bytes],
                ),
                only: self.categories(&at.key("only"), raw.only),
            }
        });
        let publication = Publication {
            slug: slug.to_string(),
            source: self.file.to_string(),
            channel: Channel {
                title: self.line(&at.key("title"), &c.title, true),
                description: self.text(&at.key("description"), &c.description, true),
                link,
                language,
                zone,
                author: self.optional_line(&at.key("author"), c.author),
                refresh,
                updated: fallback_time,
                allow_html: c.allow_html,
                upcoming: c.upcoming.unwrap_or(DEFAULT_UPCOMING),
                budget,
                accept_limits: self.accept_limits(&at.key("accept_limits"), c.accept_limits),
                by_category,
            },
            events: Vec::new(),
            articles: Vec::new(),
            event_index: HashMap::new(),
            reference: fallback_time,
        };
        Shell {
            publication,
            updated: channel_updated,
        }
    }

    /// The checks of each event and article not checked yet, in the file's order, and
    /// those between items (unique ids, references, dates, categories): the publication
    /// completed.
    pub(super) fn items(
        &mut self,
        shell: Shell,
        events: impl ExactSizeIterator<Item = Item<RawEvent, CheckedEvent>>,
        articles: impl ExactSizeIterator<Item = Item<RawArticle, Article>>,
        options: &LoadOptions,
    ) -> Publication {
        let fallback_time = options.fallback_time;
        let mut publication = shell.publication;
        // Sized up front: a large publication's lists would otherwise be copied as
        // they double, with both copies alive at once.
        publication.events.reserve_exact(events.len());
        publication.articles.reserve_exact(articles.len());
        let mut seen_ids: HashMap<String, At> =
            HashMap::with_capacity(events.len() + articles.len());
        let mut event_updates = Vec::with_capacity(events.len());
        // The ids of events that are in the file but invalid (already reported): an
        // article that names one gets no second error for the same mistake.
        let mut invalid_events = HashSet::new();
        for (i, item) in events.enumerate() {
            let at = ("events", i);
            let checked = match item {
                Item::Raw(raw_event) => {
                    self.unique_id(&mut seen_ids, at, &raw_event.id);
                    let id = raw_event.id.clone();
                    let checked = self.event(&item_path(at), raw_event, &publication);
                    if checked.is_none() {
                        invalid_events.insert(id);
                    }
                    checked
                }
                Item::Checked(checked) => {
                    self.unique_id(&mut seen_ids, at, &checked.0.id);
                    Some(checked)
                }
            };
            if let Some((event, updated)) = checked {
                publication.events.push(event);
                event_updates.push(updated);
            }
        }
        // The events as read are freed now (or were as they were checked); read on other
        // threads, they were in other heaps than the checked ones, which would not reuse
        // their pages (`memory`).
        crate::memory::give_back();
        publication.event_index = publication
            .events
            .iter()
            .enumerate()
            .map(|(i, event)| (event.id.clone(), i))
            .collect();
        for (i, item) in articles.enumerate() {
            let at = ("articles", i);
            let article = match item {
                Item::Raw(raw_article) => {
                    self.unique_id(&mut seen_ids, at, &raw_article.id);
                    let base = item_path(at);
                    self.article(&base, raw_article, &publication, Some(&invalid_events))
                }
                Item::Checked(article) => {
                    self.unique_id(&mut seen_ids, at, &article.id);
                    let base = || item_path(at);
                    self.related(base, &article.events, &publication, &invalid_events);
                    Some(article)
                }
            };
            if let Some(article) = article {
                publication.articles.push(article);
            }
        }
        newest_first(&mut publication.articles);

        let newest = event_updates
            .iter()
            .flatten()
            .copied()
            .chain(
                publication
                    .articles
                    .iter()
                    .flat_map(|a| std::iter::once(a.published).chain(a.updated)),
            )
            .max();
        let updated = shell.updated.or(newest).unwrap_or(fallback_time);
        publication.channel.updated = updated;
        publication.reference = options.reference.unwrap_or(updated);
        for (event, own) in publication.events.iter_mut().zip(event_updates) {
            event.updated = own.unwrap_or(updated);
        }
        self.categories_exist(&publication);
        publication
    }

    /// The budget keys of the channel or of its `by_category` table at `at`: `feed_items`,
    /// `calendar_events` and `calendar_bytes`, each range-checked; the defaults for those
    /// absent or refused.
    fn budget(&mut self, at: &FieldPath, [items, events, bytes]: [Option<u64>; 3]) -> Budget {
        let defaults = Budget::default();
        Budget {
            feed_items: self
                .count(&at.key("feed_items"), items, 1, 100_000)
                .unwrap_or(defaults.feed_items),
            calendar_events: self
                .count(&at.key("calendar_events"), events, 1, 1_000_000)
                .unwrap_or(defaults.calendar_events),
            calendar_bytes: self
                .count(&at.key("calendar_bytes"), bytes, 10_000, 1 << 30)
                .unwrap_or(defaults.calendar_bytes),
        }
    }

    /// Each category `by_category.only` names is one an event or an article has (ignoring
    /// case): a misspelt one would otherwise publish nothing, without a word.
    fn categories_exist(&mut self, publication: &Publication) {
        let Some(by_category) = &publication.channel.by_category else {
            return;
        };
        // Lowercased, each with its first spelling (for the help line).
        let mut known: std::collections::BTreeMap<String, &str> = Default::default();
        for name in publication
            .events
            .iter()
            .flat_map(|e| &e.categories)
            .chain(publication.articles.iter().flat_map(|a| &a.categories))
        {
            known.entry(name.to_lowercase()).or_insert(name);
        }
        let at = FieldPath::root()
            .key("channel")
            .key("by_category")
            .key("only");
        for (i, name) in by_category.only.iter().enumerate() {
            if !known.contains_key(&name.to_lowercase()) {
                let help = if known.is_empty() {
                    "no event or article has a category yet".to_string()
                } else {
                    candidates_help(name, "categories", known.values().copied())
                };
                self.report(
                    &at.index(i),
                    format!("no event or article has the category {name:?}"),
                    Some(&help),
                );
            }
        }
    }

    /// A whole number that must lie in `min..=max`, as a budget is; `None` when absent or
    /// refused.
    fn count(&mut self, path: &FieldPath, value: Option<u64>, min: u64, max: u64) -> Option<usize> {
        let value = value?;
        if !(min..=max).contains(&value) {
            self.report(
                path,
                format!("{value} is out of range"),
                Some(&format!("use a whole number from {min} to {max}")),
            );
            return None;
        }
        usize::try_from(value).ok()
    }

    fn unique_id(&mut self, seen: &mut HashMap<String, At>, at: At, id: &str) {
        // Case-insensitively: the ids become file names, and two files differing only in
        // case overwrite each other on macOS and Windows.
        match seen.entry(id.to_ascii_lowercase()) {
            // The item, not its `id`: the message names the event or article that has it.
            Entry::Occupied(first) => {
                let first = item_path(*first.get());
                self.report(
                    &item_path(at).key("id"),
                    format!("duplicate id {id:?}: {first} already uses it"),
                    Some("ids must be unique within a publication (ignoring case)"),
                );
            }
            Entry::Vacant(entry) => {
                entry.insert(at);
            }
        }
    }

    /// The article's checks; those of the events it names too, unless `invalid_events` is
    /// `None` (the events are not all checked yet: the caller then calls
    /// [`Checker::related`] once they are).
    pub(super) fn article(
        &mut self,
        base: &FieldPath,
        raw: RawArticle,
        publication: &Publication,
        invalid_events: Option<&HashSet<String>>,
    ) -> Option<Article> {
        let zone = &publication.channel.zone;
        let id = self.id(&base.key("id"), &raw.id);
        let title = self.line(&base.key("title"), &raw.title, true);
        let updated = raw
            .updated
            .as_ref()
            .and_then(|t| self.instant(&base.key("updated"), t, zone, NaiveTime::MIN));
        let link = self.url(&base.key("link"), raw.link);
        let author = self.optional_line(&base.key("author"), raw.author);
        let language = raw
            .language
            .as_ref()
            .map(|language| self.language(&base.key("language"), language));
        let summary = self.optional_text(&base.key("summary"), raw.summary);
        let content = self.optional_large(&base.key("content"), raw.content);
        let categories = self.categories(&base.key("categories"), raw.categories);
        let image = self.url(&base.key("image"), raw.image);
        let related = self.list(&base.key("events"), raw.events);
        if let Some(invalid_events) = invalid_events {
            self.related(|| base.clone(), &related, publication, invalid_events);
        }
        let published = self.instant(
            &base.key("published"),
            &raw.published,
            zone,
            ARTICLE_DEFAULT_TIME,
        )?;
        let link = link.unwrap_or_else(|| publication.permalink_url(&id));
        Some(Article {
            id,
            title,
            published,
            updated,
            link,
            author,
            summary,
            content,
            categories,
            image,
            events: related,
            language,
        })
    }

    /// Each event the article at `base()` names (`related`) is one of the publication's,
    /// or one in the file but invalid (`invalid_events`, already reported).
    pub(super) fn related(
        &mut self,
        base: impl Fn() -> FieldPath,
        related: &[String],
        publication: &Publication,
        invalid_events: &HashSet<String>,
    ) {
        let events = &publication.events;
        for (i, event_id) in related.iter().enumerate() {
            if publication.event(event_id).is_none() && !invalid_events.contains(event_id) {
                let path = base().key("events").index(i);
                let help = if events.is_empty() {
                    "this publication has no events".to_string()
                } else {
                    candidates_help(event_id, "event ids", events.iter().map(|e| e.id.as_str()))
                };
                self.report(
                    &path,
                    format!("no event has the id {event_id:?}"),
                    Some(&help),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sorting through positions gives what a stable sort gives: equal items keep their
    /// order, and every permutation's cycles are followed.
    #[test]
    fn sorting_by_positions_is_a_stable_sort() {
        let mut seed = 0x2545_f491_u64;
        for len in [0, 1, 2, 3, 7, 64, 1000] {
            for _ in 0..20 {
                let items: Vec<(u64, usize)> = (0..len)
                    .map(|i| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        (seed % 5, i)
                    })
                    .collect();
                let compare = |a: &(u64, usize), b: &(u64, usize)| b.0.cmp(&a.0);
                let mut expected = items.clone();
                expected.sort_by(compare);
                let mut sorted = items;
                sort_by_positions(&mut sorted, compare);
                assert_eq!(sorted, expected, "{len}");
            }
        }
    }
}
