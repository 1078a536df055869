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

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::Mutex;

use memchr::{memchr, memchr2};

use crate::export::files::{self, Kind};
use crate::export::{self, Render, Sink, Trimmed};
use crate::model::Publication;

/// What a limit counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    /// The size of the subscribable calendar (`<slug>.ics`), in bytes.
    CalendarBytes,
    /// How many VEVENT components the subscribable calendar holds (each moved or renamed
    /// occurrence of a repeating event is one more).
    CalendarEvents,
    /// The size of a feed (`<slug>.xml`, `.atom`, `.json`), in bytes.
    FeedBytes,
    /// How many items (RSS `<item>`, Atom `<entry>`, JSON Feed `items`) a feed holds.
    FeedItems,
    /// The length of the calendar's subscribe URL as the client receives it, in UTF-16
    /// code units (the `webcal://` form the page's Google Calendar link passes, the
    /// longest form of that address).
    SubscribeUrlLength,
}

impl Measure {
    /// The kinds of output this measure applies to (none for [`Measure::SubscribeUrlLength`],
    /// which is measured on the page's links).
    fn applies_to(self, kind: Kind) -> bool {
        match self {
            Measure::CalendarBytes | Measure::CalendarEvents => kind == Kind::Calendar,
            Measure::FeedBytes | Measure::FeedItems => {
                matches!(kind, Kind::Rss | Kind::Atom | Kind::JsonFeed)
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

/// Every id, as `accept_limits` takes them, comma-separated (for messages).
pub fn ids() -> String {
    LIMITS
        .iter()
        .map(|limit| limit.id)
        .collect::<Vec<_>>()
        .join(", ")
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
    let output = files::calendar(&publication.slug);
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
    vec![SubscribeUrl {
        output,
        link,
        url: webcal,
    }]
}

/// The subscribable outputs of each publication (in the order of `publications`), as the
/// real renderers write them, on up to `threads` threads. Only these are rendered: pages
/// and one-event files are skipped.
pub fn measure(publications: &[Publication], threads: usize) -> io::Result<Vec<Vec<Measured>>> {
    measure_with_notes(publications, threads).map(|(measured, _)| measured)
}

/// [`measure`], and what the budgets left out.
fn measure_with_notes(
    publications: &[Publication],
    threads: usize,
) -> io::Result<(Vec<Vec<Measured>>, Vec<Trimmed>)> {
    let mut wanted = HashMap::new();
    for (i, publication) in publications.iter().enumerate() {
        for kind in SUBSCRIBABLE {
            wanted.insert(kind.path(&publication.slug, ""), (i, kind));
        }
    }
    let sink = Measuring {
        wanted,
        measured: Mutex::new(Vec::new()),
    };
    let trimmed = export::for_each_output(publications, &sink, threads)?;
    let mut all = sink
        .measured
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    all.sort_by(|a, b| (a.0, &a.1.path).cmp(&(b.0, &b.1.path)));
    let mut by_publication = vec![Vec::new(); publications.len()];
    for (i, measured) in all {
        by_publication[i].push(measured);
    }
    Ok((by_publication, trimmed))
}

/// The outputs people subscribe to, which the limits are about. A new subscribable output
/// (a per-category calendar or feed) belongs here, and its subscribe link in
/// [`subscribe_urls`].
const SUBSCRIBABLE: [Kind; 4] = [Kind::Calendar, Kind::Rss, Kind::Atom, Kind::JsonFeed];

/// A [`Sink`] that renders only the subscribable outputs, counting their bytes and items
/// as they stream past, and keeps nothing else.
struct Measuring {
    wanted: HashMap<String, (usize, Kind)>,
    measured: Mutex<Vec<(usize, Measured)>>,
}

impl Sink for Measuring {
    fn file(&self, path: &str, render: &mut Render<'_>) -> io::Result<()> {
        let Some(&(publication, kind)) = self.wanted.get(path) else {
            return Ok(());
        };
        let mut counter = Counter::new(kind);
        render(&mut counter)?;
        let (bytes, items) = counter.finish();
        self.measured
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((
                publication,
                Measured {
                    path: path.to_string(),
                    kind,
                    bytes,
                    items,
                },
            ));
        Ok(())
    }
}

/// Counts the bytes written and the items among them, without keeping the bytes (but for
/// the few a pattern may still need at the end of a write).
struct Counter {
    bytes: u64,
    pending: Vec<u8>,
    scanner: Scanner,
}

impl Counter {
    fn new(kind: Kind) -> Self {
        let scanner = match kind {
            Kind::Rss => Scanner::Xml(Xml::new(b"<item")),
            Kind::Atom => Scanner::Xml(Xml::new(b"<entry")),
            Kind::JsonFeed => Scanner::Json(Json::default()),
            _ => Scanner::Ics(0),
        };
        Counter {
            bytes: 0,
            pending: Vec::new(),
            scanner,
        }
    }

    /// The bytes written and the items counted.
    fn finish(mut self) -> (u64, u64) {
        let end = self.pending.len();
        self.scanner.scan(&self.pending, end);
        (self.bytes, self.scanner.count())
    }
}

impl Write for Counter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.bytes += data.len() as u64;
        self.pending.extend_from_slice(data);
        let end = self.pending.len().saturating_sub(self.scanner.lookahead());
        let stop = self
            .scanner
            .scan(&self.pending, end)
            .min(self.pending.len());
        self.pending.drain(..stop);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Finds the items of one format in a stream. `scan(bytes, end)` looks at every position
/// before `end`, reading up to `lookahead()` bytes past it (fewer at the very end of the
/// output), and says where it stopped: the bytes from there on are given again with the
/// next write.
enum Scanner {
    /// VEVENTs counted: a line `BEGIN:VEVENT` (text values are escaped, so no value
    /// starts a line with it).
    Ics(u64),
    Xml(Xml),
    Json(Json),
}

const VEVENT_LINE: &[u8] = b"\nBEGIN:VEVENT\r\n";
const CDATA: &[u8] = b"<![CDATA[";

impl Scanner {
    fn lookahead(&self) -> usize {
        match self {
            Scanner::Ics(_) => VEVENT_LINE.len(),
            Scanner::Xml(_) => CDATA.len(),
            Scanner::Json(_) => 0,
        }
    }

    fn count(&self) -> u64 {
        match self {
            Scanner::Ics(count) => *count,
            Scanner::Xml(xml) => xml.count,
            Scanner::Json(json) => json.count,
        }
    }

    fn scan(&mut self, bytes: &[u8], end: usize) -> usize {
        match self {
            Scanner::Ics(count) => {
                let mut at = 0;
                while at < end {
                    let Some(i) = memchr(b'\n', &bytes[at..end]) else {
                        return end;
                    };
                    at += i;
                    if bytes[at..].starts_with(VEVENT_LINE) {
                        *count += 1;
                    }
                    at += 1;
                }
                at
            }
            Scanner::Xml(xml) => xml.scan(bytes, end),
            Scanner::Json(json) => json.scan(bytes, end),
        }
    }
}

/// Counts the start tags of one element in XML: outside CDATA sections and comments,
/// every `<` is markup (text and attribute values escape it).
struct Xml {
    tag: &'static [u8],
    inside: Option<&'static [u8]>,
    count: u64,
}

impl Xml {
    fn new(tag: &'static [u8]) -> Self {
        Xml {
            tag,
            inside: None,
            count: 0,
        }
    }

    fn scan(&mut self, bytes: &[u8], end: usize) -> usize {
        let mut at = 0;
        while at < end {
            if let Some(close) = self.inside {
                // Inside a CDATA section or a comment: up to its end.
                let Some(i) = memchr(close[0], &bytes[at..end]) else {
                    return end;
                };
                at += i;
                if bytes[at..].starts_with(close) {
                    self.inside = None;
                    at += close.len();
                } else {
                    at += 1;
                }
                continue;
            }
            let Some(i) = memchr(b'<', &bytes[at..end]) else {
                return end;
            };
            at += i;
            let rest = &bytes[at..];
            if rest.starts_with(CDATA) {
                self.inside = Some(b"]]>");
                at += CDATA.len();
            } else if rest.starts_with(b"<!--") {
                self.inside = Some(b"-->");
                at += 4;
            } else {
                let after = rest.get(self.tag.len());
                if rest.starts_with(self.tag)
                    && after
                        .is_some_and(|b| matches!(b, b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n'))
                {
                    self.count += 1;
                }
                at += 1;
            }
        }
        at
    }
}

/// Counts the members of the top-level `items` array of a JSON document.
#[derive(Default)]
struct Json {
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// The text of the string being read, when it is a key (or value) of the top-level
    /// object and short enough to be `items`.
    key: Option<Vec<u8>>,
    /// Whether the last string of the top-level object was `items`.
    last_was_items: bool,
    /// Inside the top-level `items` array.
    in_items: bool,
    count: u64,
}

impl Json {
    fn scan(&mut self, bytes: &[u8], end: usize) -> usize {
        let mut at = 0;
        while at < end {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    self.key = None;
                    at += 1;
                    continue;
                }
                let Some(i) = memchr2(b'"', b'\\', &bytes[at..end]) else {
                    self.keep(&bytes[at..end]);
                    return end;
                };
                self.keep(&bytes[at..at + i]);
                at += i;
                if bytes[at] == b'\\' {
                    self.escaped = true;
                } else {
                    self.in_string = false;
                    if self.depth == 1 {
                        self.last_was_items = self.key.take().as_deref() == Some(b"items");
                    }
                }
                at += 1;
                continue;
            }
            match bytes[at] {
                b'"' => {
                    self.in_string = true;
                    self.key = (self.depth == 1).then(Vec::new);
                }
                b'{' => {
                    if self.in_items && self.depth == 2 {
                        self.count += 1;
                    }
                    self.depth += 1;
                }
                b'[' => {
                    if self.depth == 1 && self.last_was_items {
                        self.in_items = true;
                    }
                    self.depth += 1;
                }
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth < 2 {
                        self.in_items = false;
                    }
                }
                _ => {}
            }
            at += 1;
        }
        at
    }

    fn keep(&mut self, text: &[u8]) {
        if let Some(key) = &mut self.key {
            if key.len() + text.len() > 8 {
                self.key = None;
            } else {
                key.extend_from_slice(text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::test_publication;

    #[test]
    fn ids_are_unique_lowercase_and_every_measure_has_a_row() {
        for (i, row) in LIMITS.iter().enumerate() {
            assert!(
                row.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                row.id
            );
            assert!(
                LIMITS[..i].iter().all(|other| other.id != row.id),
                "{} twice",
                row.id
            );
            assert!(!row.source.is_empty() && !row.client.is_empty());
            assert_eq!(limit(row.id), Some(row));
        }
        for measure in [
            Measure::CalendarBytes,
            Measure::CalendarEvents,
            Measure::FeedBytes,
            Measure::FeedItems,
            Measure::SubscribeUrlLength,
        ] {
            assert!(
                LIMITS.iter().any(|row| row.measure == measure),
                "{measure:?}"
            );
        }
        assert_eq!(limit("nothing"), None);
    }

    #[test]
    fn the_numbers_are_the_reported_ones() {
        let max = |id| limit(id).unwrap().max;
        assert_eq!(max("google-calendar-size"), 1_000_000);
        assert_eq!(max("google-calendar-events"), 1_000);
        assert_eq!(max("google-calendar-url"), 256);
        assert_eq!(max("nextcloud-calendar-size"), 1_900_000);
        assert_eq!(max("miniflux-size"), 15 * 1024 * 1024);
        assert_eq!(max("commafeed-size"), 5 * 1024 * 1024);
        assert_eq!(max("feedburner-size"), 512 * 1024);
        assert_eq!(max("inoreader-items"), 3_000);
        assert_eq!(limit("google-calendar-size").unwrap().shown_max(), "1 MB");
        assert_eq!(
            limit("nextcloud-calendar-size").unwrap().shown_max(),
            "1.9 MB"
        );
        assert_eq!(limit("commafeed-size").unwrap().shown_max(), "5 MiB");
        assert_eq!(limit("feedburner-size").unwrap().shown_max(), "512 KiB");
        assert_eq!(limit("inoreader-items").unwrap().shown_max(), "3000 items");
        assert_eq!(
            limit("google-calendar-url").unwrap().shown_max(),
            "256 characters"
        );
    }

    /// Writes `text` into a counter for `kind` in pieces of `size` bytes.
    fn counted(kind: Kind, text: &[u8], size: usize) -> (u64, u64) {
        let mut counter = Counter::new(kind);
        for piece in text.chunks(size.max(1)) {
            counter.write_all(piece).unwrap();
        }
        counter.finish()
    }

    /// Every way of cutting the text gives the same count.
    fn count(kind: Kind, text: &str) -> u64 {
        let whole = counted(kind, text.as_bytes(), text.len());
        for size in 1..20 {
            assert_eq!(
                counted(kind, text.as_bytes(), size),
                whole,
                "{kind:?} in pieces of {size}"
            );
        }
        assert_eq!(whole.0, text.len() as u64);
        whole.1
    }

    #[test]
    fn counting_finds_items_across_writes_and_not_inside_text() {
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDESCRIPTION:BEGIN:VEVENT\\n\r\n \
                   BEGIN:VEVENT\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        assert_eq!(count(Kind::Calendar, ics), 2);
        let rss = "<?xml version=\"1.0\"?><rss><channel><items>x</items><item><description>\
                   <![CDATA[<item> ]] <!-- ]]><item >&lt;item&gt;</item><!-- <item> --><item/>\
                   </channel></rss>";
        assert_eq!(count(Kind::Rss, rss), 3);
        let atom = "<feed><entry>a</entry><entry xml:lang=\"en\"><content type=\"html\">\
                    &lt;entry&gt;</content></entry><entryx/></feed>";
        assert_eq!(count(Kind::Atom, atom), 2);
        let json = r#"{"version":"x","authors":[{"name":"items"}],"title":"items",
            "items":[{"id":"1","tags":[{"x":1}],"content_html":"\"items\":[{}]\\"},
            {"id":"2\"}{"}, {}],"after":[{}]}"#;
        assert_eq!(count(Kind::JsonFeed, json), 3);
    }

    fn publication(articles: usize, slug: &str) -> Publication {
        let mut text = String::from(
            "[channel]\ntitle = \"T\"\ndescription = \"D\"\nlink = \"https://example.org/\"\n\
             language = \"en\"\ntimezone = \"UTC\"\nallow_html = true\n\n[[events]]\nid = \"e\"\n\
             title = \"E\"\n\
             start = \"2024-01-01T10:00\"\nrepeat = { every = \"week\", count = 3 }\n\
             overrides = [{ occurrence = \"2024-01-08T10:00\", title = \"Moved\" }]\n\n\
             [[events]]\nid = \"f\"\ntitle = \"F\"\nstart = \"2024-02-01\"\n",
        );
        for i in 0..articles {
            text.push_str(&format!(
                "\n[[articles]]\nid = \"a{i}\"\ntitle = \"A{i}\"\npublished = \"2024-01-01\"\n\
                 content = \"<item> and <entry>]]> and <!-- \\\"items\\\": [{{}}]\"\n"
            ));
        }
        test_publication(slug, &text)
    }

    /// What the measuring sink reports is what the renderers write: the same sizes as the
    /// files in memory, and as many events and items as they hold.
    #[test]
    fn measuring_agrees_with_the_rendered_files() {
        let publications = [publication(7, "one"), publication(0, "two")];
        let measured = measure(&publications, 2).unwrap();
        let rendered = export::render_all(&publications);
        for (publication, outputs) in publications.iter().zip(&measured) {
            let paths: Vec<&str> = outputs.iter().map(|o| o.path.as_str()).collect();
            let slug = &publication.slug;
            assert_eq!(
                paths,
                [
                    format!("{slug}.atom"),
                    format!("{slug}.ics"),
                    format!("{slug}.json"),
                    format!("{slug}.xml")
                ]
            );
            for output in outputs {
                let file = rendered
                    .iter()
                    .find(|o| o.path.to_str() == Some(output.path.as_str()))
                    .unwrap();
                assert_eq!(output.bytes, file.contents.len() as u64, "{}", output.path);
                let text = String::from_utf8_lossy(&file.contents);
                if output.kind == Kind::Rss && !publication.articles.is_empty() {
                    // Raw HTML is allowed: the tags are in the CDATA sections, as written.
                    assert!(text.contains("<item> and <entry>]]"), "{text}");
                }
                let expected = match output.kind {
                    // A repeating event with one override is two VEVENTs.
                    Kind::Calendar => text.matches("BEGIN:VEVENT").count(),
                    _ => publication.articles.len(),
                };
                assert_eq!(output.items, expected as u64, "{}", output.path);
            }
        }
        assert_eq!(measured[0][1].items, 3);
    }

    /// Lowers the limits to what the test publication exceeds.
    #[test]
    fn warnings_name_the_output_the_client_and_the_limit() {
        let publication = publication(4, "small");
        let outputs = measure(std::slice::from_ref(&publication), 1)
            .unwrap()
            .remove(0);
        assert!(warnings(&publication, &outputs).is_empty());
        // The same outputs, made larger than every limit.
        let huge: Vec<Measured> = outputs
            .iter()
            .map(|o| Measured {
                bytes: 20 << 20,
                items: 5_000,
                ..o.clone()
            })
            .collect();
        let found = warnings(&publication, &huge);
        let ids: Vec<(&str, &str)> = found
            .iter()
            .map(|w| (w.limit.id, w.output.as_str()))
            .collect();
        assert_eq!(
            ids,
            [
                ("google-calendar-size", "small.ics"),
                ("google-calendar-events", "small.ics"),
                ("nextcloud-calendar-size", "small.ics"),
                ("miniflux-size", "small.atom"),
                ("miniflux-size", "small.json"),
                ("miniflux-size", "small.xml"),
                ("commafeed-size", "small.atom"),
                ("commafeed-size", "small.json"),
                ("commafeed-size", "small.xml"),
                ("feedburner-size", "small.atom"),
                ("feedburner-size", "small.json"),
                ("feedburner-size", "small.xml"),
                ("inoreader-items", "small.atom"),
                ("inoreader-items", "small.json"),
                ("inoreader-items", "small.xml"),
            ]
        );
        assert_eq!(
            found[0].to_string(),
            "small.toml: small.ics is 20971520 bytes (21.0 MB); Google Calendar silently \
             drops events from subscribed calendars larger than 1 MB (limit id: \
             google-calendar-size; silence with accept_limits = [\"google-calendar-size\"])"
        );
        assert_eq!(
            found[1].message(),
            "small.ics has 5000 events (VEVENTs); Google Calendar silently drops events from \
             subscribed calendars of more than 1000 events"
        );
        assert_eq!(
            found[14].message(),
            "small.xml has 5000 items; Inoreader blocks feeds of more than 3000 items"
        );
        let json = serde_json::to_value(&found[6]).unwrap();
        assert_eq!(json["level"], "warning");
        assert_eq!(json["file"], "small.toml");
        assert_eq!(json["limit"]["id"], "commafeed-size");
        assert_eq!(json["limit"]["measure"], "feed-bytes");
        assert_eq!(json["limit"]["max"], 5 << 20);
        assert_eq!(json["limit"]["measured"], 20 << 20);
        assert_eq!(json["limit"]["output"], "small.atom");
        assert!(
            found[6].github_annotation().starts_with(
                "::warning file=small.toml,title=limit commafeed-size::small.atom is "
            )
        );
    }

    #[test]
    fn the_subscribe_url_is_the_one_the_page_links_and_is_measured_in_utf16() {
        let publication = publication(0, "short");
        let urls = subscribe_urls(&publication);
        assert_eq!(urls[0].url, "webcal://example.org/short.ics");
        let page = export::html::publication_page(&publication);
        assert!(
            page.contains(&format!("href=\"{}\"", urls[0].link)),
            "the page does not offer {}",
            urls[0].link
        );
        // 256 characters exactly is accepted; one more is not.
        let fits = "s".repeat(256 - "webcal://example.org/.ics".len());
        let publication = self::publication(0, &fits);
        assert_eq!(subscribe_urls(&publication)[0].url.len(), 256);
        assert!(warnings(&publication, &[]).is_empty());
        let publication = self::publication(0, &format!("{fits}s"));
        let found = warnings(&publication, &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].limit.id, "google-calendar-url");
        assert_eq!(found[0].measured, 257);
        assert!(
            found[0]
                .message()
                .starts_with("the subscribe URL webcal://example.org/sss")
        );
    }

    #[test]
    fn accepted_limits_are_kept_apart() {
        let long = "l".repeat(250);
        let mut publication = publication(0, &long);
        let checked = check(std::slice::from_ref(&publication)).unwrap();
        assert_eq!(checked.warnings.len(), 1);
        assert!(checked.accepted.is_empty());
        publication.channel.accept_limits = vec!["google-calendar-url".into()];
        let checked = check(std::slice::from_ref(&publication)).unwrap();
        assert!(checked.warnings.is_empty());
        assert_eq!(checked.accepted.len(), 1);
    }
}
