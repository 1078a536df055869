//! Measuring what a build would publish: the subscribable outputs rendered through the real
//! renderers into a sink that counts their bytes and their events or items as they stream
//! past, and renders nothing else.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Mutex;

use memchr::{memchr, memchr2};

use super::Measured;
use crate::export::files::Kind;
use crate::export::{self, Render, Sink, Trimmed};
use crate::model::Publication;

/// The subscribable outputs of each publication (in the order of `publications`), as the
/// real renderers write them, on up to `threads` threads. Only these are rendered: pages
/// and one-event files are skipped.
pub fn measure(publications: &[Publication], threads: usize) -> io::Result<Vec<Vec<Measured>>> {
    measure_with_notes(publications, threads).map(|(measured, _)| measured)
}

/// [`measure`], and what the budgets left out.
pub(super) fn measure_with_notes(
    publications: &[Publication],
    threads: usize,
) -> io::Result<(Vec<Vec<Measured>>, Vec<Trimmed>)> {
    let mut wanted = HashMap::new();
    for (i, publication) in publications.iter().enumerate() {
        for kind in SUBSCRIBABLE {
            wanted.insert(kind.path(&publication.slug, ""), (i, kind));
        }
        for category in export::categories::of(publication) {
            for kind in [Kind::CategoryCalendar, Kind::CategoryFeed] {
                wanted.insert(kind.path(&publication.slug, &category.file_name), (i, kind));
            }
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

/// The outputs people subscribe to, which the limits are about (with, per category, its
/// calendar and feed). A new subscribable output belongs here, and its subscribe link in
/// [`subscribe_urls`](super::subscribe_urls).
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
pub(super) struct Counter {
    bytes: u64,
    pending: Vec<u8>,
    scanner: Scanner,
}

impl Counter {
    pub(super) fn new(kind: Kind) -> Self {
        let scanner = match kind {
            Kind::Rss | Kind::CategoryFeed => Scanner::Xml(Xml::new(b"<item")),
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
    pub(super) fn finish(mut self) -> (u64, u64) {
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
