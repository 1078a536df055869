//! [`Shared`]: what several outputs of one publication need, computed once and shared by
//! the renderers' threads.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono_tz::Tz;

use super::budget::{self, Trimmed};
use super::{content, files, markdown};
use crate::model::{Article, Publication};
use crate::spill::{Store, Text};

/// What several outputs of one publication need, computed once: each article's HTML body
/// (shared by RSS, Atom, JSON Feed and the page) and each VTIMEZONE (shared by the
/// calendar and the one-event files).
pub struct Shared<'a> {
    pub publication: &'a Publication,
    articles: Vec<ArticleHtml>,
    timezones: Mutex<ZoneCache>,
    /// How many of the newest articles the feeds carry.
    feed_articles: usize,
    /// What budgets left out, as the renderers find it.
    notes: Mutex<Vec<Trimmed>>,
}

/// An article's feed HTML (kept out of memory when large: see `spill`), and the level of
/// the highest heading its Markdown has.
struct ArticleHtml {
    html: Text,
    highest_heading: Option<usize>,
}

/// VTIMEZONE lines by zone name and year range.
type ZoneCache = HashMap<(&'static str, i32, i32), Arc<[String]>>;

impl<'a> Shared<'a> {
    /// Renders every article's HTML.
    pub fn new(publication: &'a Publication) -> Self {
        Self::with_threads(publication, 1)
    }

    /// Renders every article's HTML, on up to `threads` threads.
    pub fn with_threads(publication: &'a Publication, threads: usize) -> Self {
        let store = Store::new();
        let render = |article| {
            let (html, highest_heading) = content::content_html_with_headings(publication, article);
            ArticleHtml {
                html: match &store {
                    Some(store) => store.put(html),
                    None => Text::from(html),
                },
                highest_heading,
            }
        };
        let all = &publication.articles;
        let threads = threads.clamp(1, all.len().max(1));
        let articles = if threads == 1 {
            all.iter().map(render).collect()
        } else {
            let chunk = all.len().div_ceil(threads);
            std::thread::scope(|scope| {
                let parts: Vec<_> = all
                    .chunks(chunk)
                    .map(|part| scope.spawn(move || part.iter().map(render).collect::<Vec<_>>()))
                    .collect();
                parts
                    .into_iter()
                    .flat_map(|part| part.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            })
        };
        let slug = &publication.slug;
        let feeds = vec![files::rss(slug), files::atom(slug), files::json_feed(slug)];
        let (feed_articles, note) = budget::feed_articles(publication, feeds);
        Shared {
            publication,
            articles,
            timezones: Mutex::new(HashMap::new()),
            feed_articles,
            notes: Mutex::new(note.into_iter().collect()),
        }
    }

    /// What the calendar alone needs: no article is rendered.
    pub fn without_articles(publication: &'a Publication) -> Self {
        Shared {
            publication,
            articles: Vec::new(),
            timezones: Mutex::new(HashMap::new()),
            feed_articles: 0,
            notes: Mutex::default(),
        }
    }

    /// The articles the feeds carry: the newest, as many as the budget allows.
    pub fn feed_articles(&self) -> &'a [Article] {
        &self.publication.articles[..self.feed_articles]
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
        self.articles[index].html.get()
    }

    /// The `index`th article's HTML for a page that shows it under a heading of level
    /// `top - 1`: its highest heading becomes `top`, the others follow (at most `h6`).
    pub fn article_html_below(&self, index: usize, top: usize) -> Cow<'_, str> {
        let article = &self.articles[index];
        if self.publication.channel.allow_html {
            // Raw HTML from the source may hold heading tags of its own, which a page
            // rendered from the Markdown leaves as they are.
            let source = &self.publication.articles[index];
            return content::content_html(self.publication, source, Some(top)).into();
        }
        match article.highest_heading {
            Some(highest) if highest < top => {
                markdown::shift_headings(&article.html.get(), top - highest).into()
            }
            _ => article.html.get(),
        }
    }

    /// The VTIMEZONE lines of `tz` for `from..=to`, generated once.
    pub fn vtimezone(&self, tz: Tz, from: i32, to: i32) -> Arc<[String]> {
        // A poisoned lock only means another renderer panicked; the map is still valid.
        let mut cache = self.timezones.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry((tz.name(), from, to))
            .or_insert_with(|| crate::vtimezone::vtimezone_lines(tz, from, to).into())
            .clone()
    }
}
