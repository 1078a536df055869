//! [`Shared`]: what several outputs of one publication need, computed once and shared by
//! the renderers' threads.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono_tz::Tz;

use super::budget::{self, Trimmed};
use super::categories::{self, Category};
use super::ical_text::fold_into;
use super::{content, files, markdown, selection};
use crate::model::{Article, Budget, Event, Publication};
use crate::spill::{Store, Text};

/// What several outputs of one publication need, computed once: the HTML body of each
/// article that the feeds and the page show (RSS, Atom, JSON Feed and the page share it)
/// and each VTIMEZONE (shared by the calendar and the one-event files). A view of a
/// publication and its [`Caches`]: cheap to make again from them (what `serve` does for
/// each file it renders).
pub struct Shared<'a> {
    pub publication: &'a Publication,
    /// Whose calendar and feeds these are: the whole publication's, or one category's.
    pub scope: Scope,
    /// The categories that get subscriptions of their own (none for a category's scope).
    pub categories: Arc<[Category]>,
    articles: Arc<[ArticleHtml]>,
    timezones: Arc<Mutex<ZoneCache>>,
    /// Where large article HTML is kept (none: in memory).
    store: Option<Arc<Store>>,
    /// Positions of the articles the feeds carry, newest first.
    feed: Arc<[usize]>,
    /// What budgets left out, as the renderers find it.
    notes: Mutex<Vec<Trimmed>>,
}

/// What a [`Shared`] of a whole publication holds apart from the publication: owned (no
/// borrow), so that it can be kept beside the publication for as long as its files may be
/// asked for, and a [`Shared`] made from both when one is ([`Shared::view`]). The HTML of
/// an article that several outputs show is rendered at first use, once.
#[derive(Clone)]
pub struct Caches {
    categories: Arc<[Category]>,
    articles: Arc<[ArticleHtml]>,
    timezones: Arc<Mutex<ZoneCache>>,
    store: Option<Arc<Store>>,
    feed: Arc<[usize]>,
    /// What the feeds' budget left out.
    note: Option<Trimmed>,
}

impl Caches {
    /// The categories that get subscriptions of their own.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// The caches of `publication`, nothing rendered yet.
    pub fn new(publication: &Publication) -> Caches {
        let slug = &publication.slug;
        let feeds = vec![files::rss(slug), files::atom(slug), files::json_feed(slug)];
        let scope = Scope::whole(publication);
        let (feed, note) = budget::feed_articles(publication, &scope, feeds);
        Caches {
            categories: categories::of(publication).into(),
            articles: (0..publication.articles.len())
                .map(|_| ArticleHtml::default())
                .collect(),
            timezones: Arc::default(),
            store: Store::new(),
            feed: feed.into(),
            note,
        }
    }
}

/// Whose calendar and RSS feed a [`Shared`] renders: their paths, name and budget, and which
/// events and articles they may carry. The pages, the one-event files, Atom and JSON Feed
/// are the whole publication's only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// The calendar's path, e.g. `xiaomi-12s.ics` or `xiaomi-12s/category/leica.ics`.
    pub calendar: String,
    /// The RSS feed's path.
    pub rss: String,
    /// The calendar's and the feed's name.
    pub title: String,
    pub description: String,
    pub budget: Budget,
    /// Positions of the events in scope (in the data's order); `None`: every event.
    pub events: Option<Vec<usize>>,
    /// Positions of the articles in scope (newest first); `None`: every article.
    pub articles: Option<Vec<usize>>,
}

impl Scope {
    /// The whole publication.
    pub fn whole(publication: &Publication) -> Self {
        let channel = &publication.channel;
        Scope {
            calendar: files::calendar(&publication.slug),
            rss: files::rss(&publication.slug),
            title: channel.title.clone(),
            description: channel.description.clone(),
            budget: channel.budget,
            events: None,
            articles: None,
        }
    }

    /// One category of `publication` (which asks for them: see [`categories`]).
    pub fn category(publication: &Publication, category: &Category) -> Self {
        let channel = &publication.channel;
        let slug = &publication.slug;
        Scope {
            calendar: files::category_calendar(slug, &category.file_name),
            rss: files::category_feed(slug, &category.file_name),
            title: format!("{}: {}", channel.title, category.name),
            description: format!(
                "{} Only the events and articles in the category \"{}\".",
                channel.description.trim_end(),
                category.name
            ),
            budget: channel
                .by_category
                .as_ref()
                .map_or(channel.budget, |b| b.budget),
            events: Some(category.events.clone()),
            articles: Some(category.articles.clone()),
        }
    }
}

/// An article's feed HTML (kept out of memory when large: see `spill`), and the level of
/// the highest heading its Markdown has; rendered at first use.
#[derive(Default)]
struct ArticleHtml(OnceLock<(Text, Option<usize>)>);

/// Folded VTIMEZONEs by zone name and year range.
type ZoneCache = HashMap<(&'static str, i32, i32), Arc<str>>;

impl<'a> Shared<'a> {
    /// Renders the HTML of the articles that several outputs show.
    pub fn new(publication: &'a Publication) -> Self {
        Self::with_threads(publication, 1)
    }

    /// Renders the HTML of the articles that several outputs show (the feeds' and the
    /// publication page's), on up to `threads` threads. The others show only on their own
    /// page, which renders them for itself.
    pub fn with_threads(publication: &'a Publication, threads: usize) -> Self {
        let caches = Caches::new(publication);
        let shared = Shared::view(publication, &caches);
        let mut shown: Vec<usize> = shared.feed.to_vec();
        shown.extend(0..publication.articles.len().min(selection::LATEST_ON_PAGE));
        shown.sort_unstable();
        shown.dedup();
        let threads = threads.clamp(1, shown.len().max(1));
        if threads == 1 {
            shown.iter().for_each(|&i| {
                shared.rendered(i);
            });
        } else {
            let view = &shared;
            std::thread::scope(|scope| {
                for part in shown.chunks(shown.len().div_ceil(threads)) {
                    scope.spawn(move || {
                        part.iter().for_each(|&i| {
                            view.rendered(i);
                        })
                    });
                }
            });
        }
        shared
    }

    /// The whole publication, with `caches` (made by [`Caches::new`] from this
    /// publication): nothing is rendered here; what is rendered through the view is kept
    /// in `caches`.
    pub fn view(publication: &'a Publication, caches: &Caches) -> Self {
        Shared {
            publication,
            scope: Scope::whole(publication),
            categories: Arc::clone(&caches.categories),
            articles: Arc::clone(&caches.articles),
            timezones: Arc::clone(&caches.timezones),
            store: caches.store.clone(),
            feed: Arc::clone(&caches.feed),
            notes: Mutex::new(caches.note.iter().cloned().collect()),
        }
    }

    /// What the calendar alone needs: no article is rendered.
    pub fn without_articles(publication: &'a Publication) -> Self {
        Shared {
            publication,
            scope: Scope::whole(publication),
            categories: Arc::new([]),
            articles: Arc::new([]),
            timezones: Arc::default(),
            store: None,
            feed: Arc::new([]),
            notes: Mutex::default(),
        }
    }

    /// The `index`th article's HTML and highest heading, rendered at the first call.
    fn rendered(&self, index: usize) -> &(Text, Option<usize>) {
        self.articles[index].0.get_or_init(|| {
            let article = &self.publication.articles[index];
            let (html, highest_heading) =
                content::content_html_with_headings(self.publication, article);
            let html = match &self.store {
                Some(store) => store.put(html),
                None => Text::from(html),
            };
            (html, highest_heading)
        })
    }

    /// The same publication, for one category's calendar and feed: the articles' HTML and
    /// the VTIMEZONEs are shared with `self`, not made again.
    pub fn for_category(&self, category: &Category) -> Shared<'a> {
        let scope = Scope::category(self.publication, category);
        let (feed, note) = budget::feed_articles(self.publication, &scope, vec![scope.rss.clone()]);
        Shared {
            publication: self.publication,
            scope,
            categories: Arc::new([]),
            articles: Arc::clone(&self.articles),
            timezones: Arc::clone(&self.timezones),
            store: self.store.clone(),
            feed: feed.into(),
            notes: Mutex::new(note.into_iter().collect()),
        }
    }

    /// The articles the feeds carry, newest first, each with its position in the
    /// publication (for [`Shared::article_html`]): the newest in scope, as many as the
    /// budget allows.
    pub fn feed_articles(
        &self,
    ) -> impl ExactSizeIterator<Item = (usize, &'a Article)> + Clone + '_ {
        let all = &self.publication.articles;
        self.feed.iter().map(move |&i| (i, &all[i]))
    }

    /// The events in scope, each with its position in the publication, in the data's order.
    pub fn events(&self) -> Vec<&'a Event> {
        let all = &self.publication.events;
        match &self.scope.events {
            None => all.iter().collect(),
            Some(positions) => positions.iter().map(|&i| &all[i]).collect(),
        }
    }

    /// Notes what a budget left out.
    pub fn note(&self, trimmed: Trimmed) {
        self.notes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(trimmed);
    }

    /// What budgets left out so far, in the order it was found.
    pub fn notes(&self) -> Vec<Trimmed> {
        self.notes.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The feed HTML of the `index`th article (in the publication's order).
    pub fn article_html(&self, index: usize) -> Cow<'_, str> {
        self.rendered(index).0.get()
    }

    /// The `index`th article's HTML for a page that shows it under a heading of level
    /// `top - 1`: its highest heading becomes `top`, the others follow (at most `h6`).
    /// When `keep`, the HTML is rendered once and kept for the other outputs that show the
    /// article; else it is taken from there when it is already kept, or rendered for this
    /// page alone.
    pub fn article_html_below(&self, index: usize, top: usize, keep: bool) -> Cow<'_, str> {
        let source = &self.publication.articles[index];
        if self.publication.channel.allow_html {
            // Raw HTML from the source may hold heading tags of its own, which a page
            // rendered from the Markdown leaves as they are.
            return content::content_html(self.publication, source, Some(top)).into();
        }
        let kept = if keep {
            Some(self.rendered(index))
        } else {
            self.articles[index].0.get()
        };
        match kept {
            Some((html, Some(highest))) if *highest < top => {
                markdown::shift_headings(&html.get(), top - highest).into()
            }
            Some((html, _)) => html.get(),
            None => content::content_html(self.publication, source, Some(top)).into(),
        }
    }

    /// Whether the `index`th article's HTML is kept.
    #[cfg(test)]
    pub(super) fn kept(&self, index: usize) -> bool {
        self.articles[index].0.get().is_some()
    }

    /// The VTIMEZONE of `tz` for `from..=to`, folded (CRLF line ends), generated once: every
    /// one-event file of a timed event has one, and they repeat.
    pub fn vtimezone(&self, tz: Tz, from: i32, to: i32) -> Arc<str> {
        // A poisoned lock only means another renderer panicked; the map is still valid.
        let mut cache = self.timezones.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry((tz.name(), from, to))
            .or_insert_with(|| {
                let mut folded = String::new();
                for line in crate::vtimezone::vtimezone_lines(tz, from, to) {
                    fold_into(&mut folded, &line);
                }
                folded.into()
            })
            .clone()
    }
}
