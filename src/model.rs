//! What a publication *is* once it has been validated: a channel, its events and its
//! articles, with every time resolved to an instant and every link checked. Renderers
//! read only this; they never see the input files or their spellings.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use url::Url;

use crate::when::Zone;

#[derive(Clone, Debug)]
pub struct Publication {
    /// From the file name: `feeds/xiaomi-12s.toml` is `xiaomi-12s`. Names every output.
    pub slug: String,
    pub channel: Channel,
    /// In input order.
    pub events: Vec<Event>,
    /// Newest first (by published, then id), the order feeds list them in.
    pub articles: Vec<Article>,
}

#[derive(Clone, Debug)]
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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

#[derive(Clone, Debug)]
pub struct Event {
    pub id: String,
    pub title: String,
    pub schedule: Schedule,
    pub description: Option<String>,
    pub location: Option<String>,
    /// The event's own page: its `url`, else its anchor on the publication's page.
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
}

#[derive(Clone, Debug)]
pub struct Article {
    pub id: String,
    pub title: String,
    pub published: DateTime<Utc>,
    pub updated: Option<DateTime<Utc>>,
    /// The article's `link`, else its anchor on the publication's page.
    pub link: Url,
    pub author: Option<String>,
    pub summary: Option<String>,
    /// Markdown.
    pub content: Option<String>,
    pub categories: Vec<String>,
    pub image: Option<Url>,
    /// Ids of related events; each names an event of this publication.
    pub events: Vec<String>,
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

    /// The URL of an event's or article's anchor on this publication's page.
    pub fn anchor_url(&self, id: &str) -> Url {
        self.url_of(&format!("{}/#{id}", self.slug))
    }

    pub fn event(&self, id: &str) -> Option<&Event> {
        self.events.iter().find(|event| event.id == id)
    }
}
