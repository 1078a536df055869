//! The table of published files: where each output of a publication goes (relative to the
//! output folder), its media type, and what it is for. Export, serve, the publish guard and
//! the page's links all name files through here, so a path is spelled in one place.

/// A kind of published file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `<slug>.ics`: the calendar to subscribe to.
    Calendar,
    /// `<slug>.xml`: RSS 2.0.
    Rss,
    /// `<slug>.atom`: Atom.
    Atom,
    /// `<slug>.json`: JSON Feed 1.1.
    JsonFeed,
    /// `<slug>/index.html`: the publication's page, with subscribe and add-to-calendar links.
    Page,
    /// `<slug>/<event-id>.ics`: one event, to import.
    EventCalendar,
    /// `index.html`: the list of publications.
    Index,
}

/// One row of [`FILES`].
#[derive(Clone, Copy, Debug)]
pub struct File {
    pub kind: Kind,
    /// The path with `<slug>` and `<event-id>` standing for the names.
    pub pattern: &'static str,
    pub media_type: &'static str,
    pub what: &'static str,
}

/// Every kind of file a build publishes.
pub const FILES: [File; 7] = [
    File {
        kind: Kind::Calendar,
        pattern: "<slug>.ics",
        media_type: CALENDAR_TYPE,
        what: "the calendar to subscribe to (iCalendar)",
    },
    File {
        kind: Kind::Rss,
        pattern: "<slug>.xml",
        media_type: "application/rss+xml",
        what: "the RSS 2.0 feed",
    },
    File {
        kind: Kind::Atom,
        pattern: "<slug>.atom",
        media_type: "application/atom+xml",
        what: "the Atom feed",
    },
    File {
        kind: Kind::JsonFeed,
        pattern: "<slug>.json",
        media_type: "application/feed+json",
        what: "the JSON Feed",
    },
    File {
        kind: Kind::Page,
        pattern: "<slug>/index.html",
        media_type: HTML_TYPE,
        what: "the publication's page, with subscribe and add-to-calendar links",
    },
    File {
        kind: Kind::EventCalendar,
        pattern: "<slug>/<event-id>.ics",
        media_type: CALENDAR_TYPE,
        what: "one event, to import",
    },
    File {
        kind: Kind::Index,
        pattern: "index.html",
        media_type: HTML_TYPE,
        what: "the list of publications",
    },
];

const CALENDAR_TYPE: &str = "text/calendar; charset=utf-8";
const HTML_TYPE: &str = "text/html; charset=utf-8";
const UNKNOWN_TYPE: &str = "application/octet-stream";

/// The site's front page.
pub const INDEX: &str = "index.html";

impl Kind {
    /// The file of this kind for the publication `slug`; `event_id` names the event of an
    /// [`Kind::EventCalendar`] and is ignored otherwise.
    pub fn path(self, slug: &str, event_id: &str) -> String {
        match self {
            Kind::Calendar => calendar(slug),
            Kind::Rss => rss(slug),
            Kind::Atom => atom(slug),
            Kind::JsonFeed => json_feed(slug),
            Kind::Page => page(slug),
            Kind::EventCalendar => event_calendar(slug, event_id),
            Kind::Index => INDEX.to_string(),
        }
    }
}

/// `<slug>.ics`.
pub fn calendar(slug: &str) -> String {
    format!("{slug}.ics")
}

/// `<slug>.xml`.
pub fn rss(slug: &str) -> String {
    format!("{slug}.xml")
}

/// `<slug>.atom`.
pub fn atom(slug: &str) -> String {
    format!("{slug}.atom")
}

/// `<slug>.json`.
pub fn json_feed(slug: &str) -> String {
    format!("{slug}.json")
}

/// `<slug>/index.html`.
pub fn page(slug: &str) -> String {
    format!("{slug}/index.html")
}

/// `<slug>/<event-id>.ics`.
pub fn event_calendar(slug: &str, event_id: &str) -> String {
    format!("{slug}/{event_id}.ics")
}

/// The media type of a published file, by its extension (as [`FILES`] gives it).
pub fn media_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((_, extension)) = name.rsplit_once('.') else {
        return UNKNOWN_TYPE;
    };
    FILES
        .iter()
        .find(|row| {
            row.pattern
                .rsplit_once('.')
                .is_some_and(|(_, e)| e == extension)
        })
        .map_or(UNKNOWN_TYPE, |row| row.media_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_the_one_its_row_describes() {
        for row in FILES {
            let expected = row
                .pattern
                .replace("<slug>", "s")
                .replace("<event-id>", "e");
            assert_eq!(row.kind.path("s", "e"), expected, "{:?}", row.kind);
            assert_eq!(media_type(&expected), row.media_type, "{:?}", row.kind);
        }
    }

    #[test]
    fn media_types_by_extension() {
        assert_eq!(media_type("a.ics"), "text/calendar; charset=utf-8");
        assert_eq!(media_type("a/b.ics"), "text/calendar; charset=utf-8");
        assert_eq!(media_type("a.xml"), "application/rss+xml");
        assert_eq!(media_type("a.atom"), "application/atom+xml");
        assert_eq!(media_type("a.json"), "application/feed+json");
        assert_eq!(media_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(media_type("noextension"), "application/octet-stream");
        assert_eq!(media_type("a.d/noextension"), "application/octet-stream");
    }
}
