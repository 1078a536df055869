//! The limits check: what known clients refuse or truncate, and which outputs of a build
//! would run into it.
//!
//! [`LIMITS`] is the one table of client limits, each with an id a publisher can name in
//! `accept_limits` to silence it deliberately. [`check`] renders the subscribable outputs
//! of a build through the real renderers (so whatever a build trims, the check sees
//! trimmed), measures each one's size and how many events or items it carries, works out
//! the subscribe URLs the publication's page offers, and returns a [`Warning`] for every
//! limit one of them exceeds. It prints nothing: `calfeed check` reports the warnings.
//!
//! ```
//! use calfeed::load::{Format, LoadOptions, parse_publication};
//!
//! let data = r#"
//! [channel]
//! title = "T"
//! description = "D"
//! link = "https://example.org/"
//! language = "en"
//! timezone = "UTC"
//! accept_limits = ["google-calendar-url"]
//! "#;
//! let options = LoadOptions::at(chrono::DateTime::UNIX_EPOCH);
//! let publication = parse_publication("t", "feeds/t.toml", data, Format::Toml, &options).unwrap();
//! let checked = calfeed::limits::check(&[publication]).unwrap();
//! assert!(checked.warnings.is_empty());
//! assert_eq!(calfeed::limits::limit("commafeed-size").unwrap().max, 5 << 20);
//! ```

use std::fmt;
use std::io;

use crate::export::files::{self, Kind};
use crate::export::{self, Trimmed};
use crate::model::Publication;

mod measuring;
#[cfg(test)]
mod tests;

pub use measuring::measure;
use measuring::measure_with_notes;

/// What a limit counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    /// The size of a subscribable calendar (`<slug>.ics`, a category's), in bytes.
    CalendarBytes,
    /// How many VEVENT components a subscribable calendar holds (each moved or renamed
    /// occurrence of a repeating event is one more).
    CalendarEvents,
    /// The size of a feed (`<slug>.xml`, `.atom`, `.json`, a category's `.xml`), in bytes.
    FeedBytes,
    /// How many items (RSS `<item>`, Atom `<entry>`, JSON Feed `items`) a feed holds.
    FeedItems,
    /// The length of a calendar's subscribe URL as the client receives it, in UTF-16
    /// code units (the `webcal://` form the page's Google Calendar link passes, the
    /// longest form of that address).
    SubscribeUrlLength,
}

impl Measure {
    /// The kinds of output this measure applies to (none for [`Measure::SubscribeUrlLength`],
    /// which is measured on the page's links).
    fn applies_to(self, kind: Kind) -> bool {
        match self {
            Measure::CalendarBytes | Measure::CalendarEvents => {
                matches!(kind, Kind::Calendar | Kind::CategoryCalendar)
            }
            Measure::FeedBytes | Measure::FeedItems => {
                matches!(
                    kind,
                    Kind::Rss | Kind::Atom | Kind::JsonFeed | Kind::CategoryFeed
                )
            }
            Measure::SubscribeUrlLength => false,
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Measure::CalendarBytes | Measure::FeedBytes => "bytes",
            Measure::CalendarEvents => "events",
            Measure::FeedItems => "items",
            Measure::SubscribeUrlLength => "characters",
        }
    }
}

/// One row of [`LIMITS`]: what a known client refuses or truncates.
#[derive(Debug, PartialEq, Eq)]
pub struct Limit {
    /// What `accept_limits` names to silence the warning, e.g. `google-calendar-size`.
    pub id: &'static str,
    /// The client, as messages name it.
    pub client: &'static str,
    pub measure: Measure,
    /// The largest value the client accepts: a warning when an output measures more.
    pub max: u64,
    /// What the client does above `max`, completing "`client` ... `max`" (e.g.
    /// "silently drops events from calendars larger than").
    pub effect: &'static str,
    /// Where the limit is reported (issue trackers, help pages).
    pub source: &'static str,
}

/// Every known client limit: the table behind the check (and the README's table).
///
/// Only refusals and truncations reported in public issue trackers or help pages are
/// here (`shared/clients.md` has the evidence). Left out: NetNewsWire slowing down with
/// 1,500 unread items (Ranchero-Software/NetNewsWire#4072: a performance bug, not a
/// limit), The Old Reader refusing one 7 MB feed (pyvideo/pyvideo#10: one case, no stated
/// limit, and CommaFeed's 5 MiB is lower), and Outlook and Apple Calendar (no size limit
/// found).
pub const LIMITS: &[Limit] = &[
    // Google Calendar, "From URL": about 1 MB; a 2.1 MB calendar silently lost events
    // (JM-Lemmi/ical-relay#212, stephenharris/Event-Organiser#452, roed314/seminars#777).
    Limit {
        id: "google-calendar-size",
        client: "Google Calendar",
        measure: Measure::CalendarBytes,
        max: 1_000_000,
        effect: "silently drops events from subscribed calendars larger than",
        source: "JM-Lemmi/ical-relay#212, stephenharris/Event-Organiser#452, roed314/seminars#777",
    },
    // A forum answer puts Google's cut near 1,111 events (roed314/seminars#777); 1,000 is
    // the round number below it that the calendar's budget keeps to.
    Limit {
        id: "google-calendar-events",
        client: "Google Calendar",
        measure: Measure::CalendarEvents,
        max: 1_000,
        effect: "silently drops events from subscribed calendars of more than",
        source: "roed314/seminars#777, stephenharris/Event-Organiser#452",
    },
    // "The longest URL that can be subscribed to is 256 UTF-16 code points, including the
    // protocol": longer, both "From URL" and the `?cid=` link fail silently
    // (webapps.stackexchange.com/questions/158639).
    Limit {
        id: "google-calendar-url",
        client: "Google Calendar",
        measure: Measure::SubscribeUrlLength,
        max: 256,
        effect: "silently fails to subscribe to calendar URLs longer than",
        source: "webapps.stackexchange.com/questions/158639",
    },
    // Nextcloud's subscription fetch timed out on a 1.9 MB calendar (nextcloud/calendar#4250,
    // #7528): the smallest size reported failing, so the limit is just below it.
    Limit {
        id: "nextcloud-calendar-size",
        client: "Nextcloud Calendar",
        measure: Measure::CalendarBytes,
        max: 1_900_000,
        effect: "timed out fetching subscribed calendars of",
        source: "nextcloud/calendar#4250, nextcloud/calendar#7528",
    },
    // Miniflux refuses responses over 15 MiB (miniflux/v2#2374).
    Limit {
        id: "miniflux-size",
        client: "Miniflux",
        measure: Measure::FeedBytes,
        max: 15 << 20,
        effect: "refuses feeds larger than",
        source: "miniflux/v2#2374",
    },
    // CommaFeed refuses feeds over 5 MiB (Athou/commafeed#1580).
    Limit {
        id: "commafeed-size",
        client: "CommaFeed",
        measure: Measure::FeedBytes,
        max: 5 << 20,
        effect: "refuses feeds larger than",
        source: "Athou/commafeed#1580",
    },
    // FeedBurner refuses feeds over 512 KB (jekyll/jekyll#646; later reports say 1 MB:
    // the lower figure is kept).
    Limit {
        id: "feedburner-size",
        client: "FeedBurner",
        measure: Measure::FeedBytes,
        max: 512 << 10,
        effect: "refuses feeds larger than",
        source: "jekyll/jekyll#646",
    },
    // Inoreader blocks feeds of more than 3,000 items (inoreader.com/feed-fetcher).
    Limit {
        id: "inoreader-items",
        client: "Inoreader",
        measure: Measure::FeedItems,
        max: 3_000,
        effect: "blocks feeds of more than",
        source: "inoreader.com/feed-fetcher",
    },
];

/// The row with this id.
pub fn limit(id: &str) -> Option<&'static Limit> {
    LIMITS.iter().find(|limit| limit.id == id)
}

impl Limit {
    /// `max` as people read it: `1 MB`, `5 MiB`, `512 KiB`, `3000 items`.
    pub fn shown_max(&self) -> String {
        shown(self.max, self.measure)
    }
}

fn shown(value: u64, measure: Measure) -> String {
    if !matches!(measure, Measure::CalendarBytes | Measure::FeedBytes) {
        return format!("{value} {}", measure.unit());
    }
    match value {
        v if v >= 1 << 20 && v % (1 << 20) == 0 => format!("{} MiB", v >> 20),
        v if v >= 1 << 10 && v % (1 << 10) == 0 => format!("{} KiB", v >> 10),
        v if v >= 1_000_000 && v % 100_000 == 0 => {
            format!("{} MB", trim_decimal(v as f64 / 1e6))
        }
        v if v >= 1_000_000 => format!("{v} bytes ({:.1} MB)", v as f64 / 1e6),
        v if v >= 1_000 => format!("{v} bytes ({:.1} kB)", v as f64 / 1e3),
        v => format!("{v} bytes"),
    }
}

fn trim_decimal(value: f64) -> String {
    let text = format!("{value:.1}");
    text.strip_suffix(".0").map_or(text.clone(), str::to_string)
}

/// What one subscribable output of a build measures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measured {
    /// Relative to the output directory, e.g. `xiaomi-12s.ics`.
    pub path: String,
    pub kind: Kind,
    pub bytes: u64,
    /// VEVENTs in a calendar; items in a feed.
    pub items: u64,
}

/// A subscribe link the publication's page offers, and the address it hands the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscribeUrl {
    /// The output subscribed to, e.g. `xiaomi-12s.ics`.
    pub output: String,
    /// The link on the page, e.g. `https://calendar.google.com/calendar/render?cid=...`.
    pub link: String,
    /// The address the client fetches, as the link passes it (`webcal://...`).
    pub url: String,
}

/// One output over one client's limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The publication's file, as the user named it.
    pub file: String,
    /// The output (`xiaomi-12s.ics`), or for a URL limit the URL.
    pub output: String,
    pub limit: &'static Limit,
    pub measured: u64,
}

impl Warning {
    /// What is over which limit, without the file: `x.ics is 2104332 bytes (2.1 MB);
    /// Google Calendar silently drops ... 1 MB`.
    pub fn message(&self) -> String {
        let limit = self.limit;
        let measured = match limit.measure {
            Measure::CalendarBytes | Measure::FeedBytes => {
                format!("is {}", shown_measured(self.measured))
            }
            Measure::CalendarEvents => format!("has {} events (VEVENTs)", self.measured),
            Measure::FeedItems => format!("has {} items", self.measured),
            Measure::SubscribeUrlLength => format!("is {} characters long", self.measured),
        };
        let what = match limit.measure {
            Measure::SubscribeUrlLength => format!("the subscribe URL {}", self.output),
            _ => self.output.clone(),
        };
        format!(
            "{what} {measured}; {} {} {}",
            limit.client,
            limit.effect,
            limit.shown_max()
        )
    }

    /// How to silence it.
    pub fn help(&self) -> String {
        format!(
            "limit id: {id}; reported in {source}; stay under it, or silence it with \
             accept_limits = [\"{id}\"] in [channel]",
            id = self.limit.id,
            source = self.limit.source
        )
    }

    /// The warning as a GitHub Actions workflow command, shown on the file in a pull
    /// request: `::warning file=F,title=limit ID::MESSAGE`.
    pub fn github_annotation(&self) -> String {
        use crate::diagnostic::{workflow_data, workflow_property};
        format!(
            "::warning file={},title={}::{}",
            workflow_property(&self.file),
            workflow_property(&format!("limit {}", self.limit.id)),
            workflow_data(&format!("{}\nhelp: {}", self.message(), self.help()))
        )
    }
}

fn shown_measured(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        format!("{bytes} bytes ({:.1} MB)", bytes as f64 / 1e6)
    } else if bytes >= 1_000 {
        format!("{bytes} bytes ({:.1} kB)", bytes as f64 / 1e3)
    } else {
        format!("{bytes} bytes")
    }
}

impl fmt::Display for Warning {
    /// One line: `feeds/x.toml: x.ics is ...; Google Calendar ... (limit id: ...; silence
    /// with accept_limits = ["..."])`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (limit id: {id}; silence with accept_limits = [\"{id}\"])",
            self.file,
            self.message(),
            id = self.limit.id
        )
    }
}

/// The shape of a warning in `calfeed check --format json`: a diagnostic's keys (`file`,
/// `line` and `column` 0, `field` empty, `message`, `help`), `level: "warning"`, and the
/// `limit` it is over.
impl serde::Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Shape<'a> {
            file: &'a str,
            line: usize,
            column: usize,
            field: &'a str,
            message: String,
            help: String,
            level: &'a str,
            limit: LimitShape<'a>,
        }
        #[derive(serde::Serialize)]
        struct LimitShape<'a> {
            id: &'a str,
            client: &'a str,
            measure: Measure,
            max: u64,
            measured: u64,
            output: &'a str,
            source: &'a str,
        }
        Shape {
            file: &self.file,
            line: 0,
            column: 0,
            field: "",
            message: self.message(),
            help: self.help(),
            level: "warning",
            limit: LimitShape {
                id: self.limit.id,
                client: self.limit.client,
                measure: self.limit.measure,
                max: self.limit.max,
                measured: self.measured,
                output: &self.output,
                source: self.limit.source,
            },
        }
        .serialize(serializer)
    }
}

/// What the check found: the warnings to show, and those the publications' `accept_limits`
/// silenced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    pub warnings: Vec<Warning>,
    pub accepted: Vec<Warning>,
    /// What the budgets left out of the measured outputs (see `export::Trimmed`).
    pub trimmed: Vec<Trimmed>,
}

/// Measures what a build of `publications` would publish and checks it against every
/// limit in [`LIMITS`], on one thread per core. Fails only when a text kept out of memory
/// cannot be read back.
pub fn check(publications: &[Publication]) -> io::Result<Checked> {
    let (measured, trimmed) = measure_with_notes(publications, export::default_threads())?;
    let mut checked = Checked {
        trimmed,
        ..Checked::default()
    };
    for (publication, outputs) in publications.iter().zip(measured) {
        for warning in warnings(publication, &outputs) {
            let accepted = publication
                .channel
                .accept_limits
                .iter()
                .any(|id| id == warning.limit.id);
            if accepted {
                checked.accepted.push(warning);
            } else {
                checked.warnings.push(warning);
            }
        }
    }
    Ok(checked)
}

/// Every limit one publication's outputs (as [`measure`] gives them) and subscribe URLs
/// exceed, whether or not the publication accepts it; in the order of [`LIMITS`], then of
/// the outputs.
pub fn warnings(publication: &Publication, outputs: &[Measured]) -> Vec<Warning> {
    let urls = subscribe_urls(publication);
    let mut found = Vec::new();
    for limit in LIMITS {
        let warn = |output: &str, measured: u64| Warning {
            file: publication.source.clone(),
            output: output.to_string(),
            limit,
            measured,
        };
        if limit.measure == Measure::SubscribeUrlLength {
            for url in &urls {
                let length = url.url.encode_utf16().count() as u64;
                if length > limit.max {
                    found.push(warn(&url.url, length));
                }
            }
            continue;
        }
        for output in outputs.iter().filter(|o| limit.measure.applies_to(o.kind)) {
            let value = match limit.measure {
                Measure::CalendarBytes | Measure::FeedBytes => output.bytes,
                _ => output.items,
            };
            if value > limit.max {
                found.push(warn(&output.path, value));
            }
        }
    }
    found
}

/// The calendar subscribe links the publication's page offers (`export::html`'s subscribe
/// links), with the address each hands the client: the Google Calendar link passes the
/// calendar's `webcal://` URL, which is also the longest spelling of the address the other
/// links and the "From URL" box take.
pub fn subscribe_urls(publication: &Publication) -> Vec<SubscribeUrl> {
    let category_calendars = export::categories::of(publication)
        .into_iter()
        .map(|category| files::category_calendar(&publication.slug, &category.file_name));
    std::iter::once(files::calendar(&publication.slug))
        .chain(category_calendars)
        .map(|output| {
            let calendar = publication.url_of(&output);
            let text = calendar.as_str();
            let rest = text
                .strip_prefix("https://")
                .or_else(|| text.strip_prefix("http://"))
                .unwrap_or(text);
            let webcal = format!("webcal://{rest}");
            let link = format!(
                "https://calendar.google.com/calendar/render?cid={}",
                url::form_urlencoded::byte_serialize(webcal.as_bytes()).collect::<String>()
            );
            SubscribeUrl {
                output,
                link,
                url: webcal,
            }
        })
        .collect()
}
