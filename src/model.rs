//! What a publication *is* once it has been validated: a channel, its events and its
//! articles, with every time resolved to an instant and every link checked, down to a
//! repeating event's rule, exceptions and overrides. Renderers read only this; they never
//! see the input files or their spellings. Expanding a rule into occurrences is
//! [`crate::recurrence`]'s job, which reads this module (and not the other way round).

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use url::Url;

pub use crate::spill::Text;
use crate::when::Zone;

#[derive(Clone, Debug)]
pub struct Publication {
    /// From the file name: `feeds/xiaomi-12s.toml` is `xiaomi-12s`. Names every output.
    pub slug: String,
    /// The file it was read from, as the user named it (for messages).
    pub source: String,
    pub channel: Channel,
    /// In input order.
    pub events: Vec<Event>,
    /// Newest first (by published, then id), the order feeds list them in.
    pub articles: Vec<Article>,
    /// Event positions by id: articles name their related events, and a publication of
    /// many thousands of them must not search the list for each.
    pub event_index: HashMap<String, usize>,
    /// The moment "upcoming" is judged from: the build's reference date (`--as-of`,
    /// `SOURCE_DATE_EPOCH`), else the channel's `updated`.
    pub reference: DateTime<Utc>,
}

#[derive(Clone, Debug, Hash)]
pub struct Channel {
    pub title: String,
    pub description: String,
    /// Where `public/` is served; always ends with `/`.
    pub link: Url,
    pub language: String,
    pub zone: Zone,
    pub author: Option<String>,
    pub refresh: Option<Duration>,
    /// The channel's `updated`, else the newest date anywhere in the publication.
    pub updated: DateTime<Utc>,
    /// Raw HTML inside Markdown is passed through only when the channel opts in.
    pub allow_html: bool,
    /// How many coming occurrences of a repeating event pages and feeds list (counted from
    /// `updated`: never from the wall clock, so that builds stay reproducible).
    pub upcoming: u16,
    /// Ids of client limits (`crate::limits::LIMITS`) the publisher accepts exceeding:
    /// `calfeed check` does not warn about them.
    pub accept_limits: Vec<String>,
    /// How much the subscribable outputs may carry.
    pub budget: Budget,
    /// One calendar and one feed per category, when the channel asks for them.
    pub by_category: Option<ByCategory>,
}

/// The channel's `by_category` table: subscriptions to one category at a time, each a
/// calendar and an RSS feed of the events and articles that carry the category.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ByCategory {
    /// The categories that get subscriptions, as the data spells them; empty means every
    /// category. Matched ignoring case.
    pub only: Vec<String>,
    /// What each category's calendar and feed may carry (the defaults unless the table
    /// sets its own; the channel's own budget keys do not apply).
    pub budget: Budget,
}

/// What the subscribable outputs may carry, so that they stay inside what the clients
/// they are for accept (see `docs/data-format.md` for the evidence behind the defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Budget {
    /// RSS, Atom and JSON Feed carry the newest this many articles.
    pub feed_items: usize,
    /// The subscribable calendar carries at most this many VEVENTs...
    pub calendar_events: usize,
    /// ...in at most this many bytes. Upcoming events are never left out; the oldest past
    /// events are, first.
    pub calendar_bytes: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            // FeedBurner takes 512 KB, CommaFeed 5 MiB, Inoreader 3 000 items: 50 items of
            // the benchmark's size (about 5 KB each) are 250 KB. jekyll-feed keeps 10,
            // Pelican 100.
            feed_items: 50,
            // Google Calendar drops events from a subscription above about 1 MB (around
            // 1 100 events) without a word.
            calendar_events: 1_000,
            calendar_bytes: 1_000_000,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Confirmed,
    Tentative,
    Cancelled,
}

impl Status {
    pub fn as_ical(self) -> &'static str {
        match self {
            Status::Confirmed => "CONFIRMED",
            Status::Tentative => "TENTATIVE",
            Status::Cancelled => "CANCELLED",
        }
    }
}

/// When an event happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Schedule {
    /// A span of time, shown in `zone`. No `end` means the event has no stated length.
    Timed {
        start: DateTime<Utc>,
        end: Option<DateTime<Utc>>,
        zone: Zone,
    },
    /// Whole days: `start` up to but not including `end`.
    AllDay { start: NaiveDate, end: NaiveDate },
}

#[derive(Clone, Debug, Hash)]
pub struct Event {
    pub id: String,
    pub title: String,
    pub schedule: Schedule,
    pub description: Option<Text>,
    pub location: Option<String>,
    /// The event's own page: its `url`, else its permalink (`<slug>/<id>.html`).
    pub page: Url,
    pub livestream: Option<Url>,
    pub categories: Vec<String>,
    pub status: Status,
    /// How long before the start each reminder fires.
    pub reminders: Vec<Duration>,
    pub image: Option<Url>,
    pub sequence: u32,
    /// The event's `updated`, else the channel's `updated`, else the newest date.
    pub updated: DateTime<Utc>,
    /// For a repeating event: its rule, exceptions and extra dates.
    pub recurrence: Option<Recurrence>,
    /// Single occurrences that moved, were renamed or cancelled.
    pub overrides: Vec<Override>,
}

#[derive(Clone, Debug, Hash)]
pub struct Article {
    pub id: String,
    pub title: String,
    pub published: DateTime<Utc>,
    pub updated: Option<DateTime<Utc>>,
    /// The article's `link`, else its permalink (`<slug>/<id>.html`). The feeds' item
    /// link; their guids and ids stay [`Publication::anchor_url`].
    pub link: Url,
    pub author: Option<String>,
    pub summary: Option<String>,
    /// Markdown.
    pub content: Option<Text>,
    pub categories: Vec<String>,
    pub image: Option<Url>,
    /// Ids of related events; each names an event of this publication.
    pub events: Vec<String>,
    /// The article's own language (a BCP 47 tag), when it says one; else the channel's.
    pub language: Option<String>,
}

/// The start of one occurrence: an instant for timed events, a day for all-day ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Instance {
    Timed(DateTime<Utc>),
    Day(NaiveDate),
}

impl Instance {
    /// The instant this occurrence starts, all-day ones at midnight UTC (for ordering).
    pub fn instant(self) -> DateTime<Utc> {
        match self {
            Instance::Timed(t) => t,
            Instance::Day(d) => d.and_time(NaiveTime::MIN).and_utc(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Recurrence {
    /// The RRULE value (`FREQ=WEEKLY;BYDAY=TH;COUNT=8`), validated; `None` when the event
    /// only has extra dates.
    pub rule: Option<String>,
    /// Occurrences the rule would produce that do not happen (EXDATE).
    pub except: Vec<Instance>,
    /// Occurrences outside the rule (RDATE).
    pub extra: Vec<Instance>,
}

/// One occurrence that differs from the rule: moved, renamed or cancelled.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Override {
    /// The start the rule gives this occurrence (its RECURRENCE-ID).
    pub occurrence: Instance,
    pub schedule: Schedule,
    pub title: Option<String>,
    pub description: Option<Text>,
    pub location: Option<String>,
    pub status: Option<Status>,
}

/// One occurrence of an event as it now stands (an override applied).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence<'a> {
    pub schedule: Schedule,
    pub title: &'a str,
    pub status: Status,
}

impl Publication {
    /// The host events' UIDs are scoped to (`<id>@<host>`).
    pub fn host(&self) -> &str {
        self.channel.link.host_str().unwrap_or("localhost")
    }

    /// The published URL of one of this publication's files, e.g. `xiaomi-12s.ics`.
    pub fn url_of(&self, file: &str) -> Url {
        // Joining a relative file name onto a base that ends in `/` cannot fail.
        self.channel
            .link
            .join(file)
            .unwrap_or_else(|_| self.channel.link.clone())
    }

    /// The publication's own page, `<link><slug>/`.
    pub fn page_url(&self) -> Url {
        self.url_of(&format!("{}/", self.slug))
    }

    /// The URL of an event's or article's anchor on this publication's page. The feeds'
    /// guids and ids: never change it, or subscribers see every item again.
    pub fn anchor_url(&self, id: &str) -> Url {
        self.url_of(&format!("{}/#{id}", self.slug))
    }

    /// The URL of an event's or article's own page, `<link><slug>/<id>.html`.
    pub fn permalink_url(&self, id: &str) -> Url {
        self.url_of(&crate::export::files::permalink(&self.slug, id))
    }

    pub fn event(&self, id: &str) -> Option<&Event> {
        match self.event_index.get(id) {
            Some(&i) => self.events.get(i),
            // Built by the loader; a publication put together by hand may lack it.
            None if self.event_index.is_empty() => self.events.iter().find(|e| e.id == id),
            None => None,
        }
    }
}
