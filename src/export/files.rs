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
    /// `<slug>/<id>.html`: one event's or one article's own page (its permalink).
    Permalink,
    /// `<slug>/archive/index.html`: the archive's periods and yearly calendars.
    Archive,
    /// `<slug>/archive/<period>.html`: the events and articles of one period.
    ArchivePage,
    /// `<slug>/archive/<year>.ics`: every event of one year, to import.
    ArchiveCalendar,
    /// `<slug>/category/<category>.ics`: the calendar of one category, to subscribe to.
    CategoryCalendar,
    /// `<slug>/category/<category>.xml`: the RSS 2.0 feed of one category.
    CategoryFeed,
}

/// One row of [`FILES`].
#[derive(Clone, Copy, Debug)]
pub struct File {
    pub kind: Kind,
    /// The path with `<slug>`, `<event-id>`, `<id>`, `<period>` and `<year>` standing for
    /// the names.
    pub pattern: &'static str,
    pub media_type: &'static str,
    pub what: &'static str,
}

/// Every kind of file a build publishes.
pub const FILES: [File; 13] = [
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
    File {
        kind: Kind::Permalink,
        pattern: "<slug>/<id>.html",
        media_type: HTML_TYPE,
        what: "one event's or article's own page (its permalink)",
    },
    File {
        kind: Kind::Archive,
        pattern: "<slug>/archive/index.html",
        media_type: HTML_TYPE,
        what: "the archive: every period, with the yearly calendars",
    },
    File {
        kind: Kind::ArchivePage,
        pattern: "<slug>/archive/<period>.html",
        media_type: HTML_TYPE,
        what: "the events and articles of one period (a year, a month, or a part of a month)",
    },
    File {
        kind: Kind::ArchiveCalendar,
        pattern: "<slug>/archive/<year>.ics",
        media_type: CALENDAR_TYPE,
        what: "every event of one year, to import",
    },
    File {
        kind: Kind::CategoryCalendar,
        pattern: "<slug>/category/<category>.ics",
        media_type: CALENDAR_TYPE,
        what: "the calendar of one category, to subscribe to (with `by_category`)",
    },
    File {
        kind: Kind::CategoryFeed,
        pattern: "<slug>/category/<category>.xml",
        media_type: "application/rss+xml",
        what: "the RSS 2.0 feed of one category (with `by_category`)",
    },
];

const CALENDAR_TYPE: &str = "text/calendar; charset=utf-8";
const HTML_TYPE: &str = "text/html; charset=utf-8";
const UNKNOWN_TYPE: &str = "application/octet-stream";

/// The site's front page.
pub const INDEX: &str = "index.html";

impl Kind {
    /// The file of this kind for the publication `slug`; `name` is the event of an
    /// [`Kind::EventCalendar`], the event or article of a [`Kind::Permalink`], the period of
    /// an [`Kind::ArchivePage`], the year of an [`Kind::ArchiveCalendar`] and the category's
    /// file name of the category kinds, and is ignored otherwise.
    pub fn path(self, slug: &str, name: &str) -> String {
        match self {
            Kind::Calendar => calendar(slug),
            Kind::Rss => rss(slug),
            Kind::Atom => atom(slug),
            Kind::JsonFeed => json_feed(slug),
            Kind::Page => page(slug),
            Kind::EventCalendar => event_calendar(slug, name),
            Kind::Index => INDEX.to_string(),
            Kind::Permalink => permalink(slug, name),
            Kind::Archive => archive(slug),
            Kind::ArchivePage => archive_page(slug, name),
            Kind::ArchiveCalendar => archive_calendar(slug, name),
            Kind::CategoryCalendar => category_calendar(slug, name),
            Kind::CategoryFeed => category_feed(slug, name),
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

/// `<slug>/<id>.html`: the permalink of an event or an article (ids are unique across both).
pub fn permalink(slug: &str, id: &str) -> String {
    format!("{slug}/{id}.html")
}

/// The folder of the archive, relative to the publication's folder: `archive/`.
pub const ARCHIVE_DIR: &str = "archive/";

/// `<slug>/archive/index.html`.
pub fn archive(slug: &str) -> String {
    format!("{slug}/{ARCHIVE_DIR}index.html")
}

/// `<slug>/archive/<period>.html`, e.g. `2024.html`, `2024-03.html`, `2024-03-2.html`.
pub fn archive_page(slug: &str, period: &str) -> String {
    format!("{slug}/{ARCHIVE_DIR}{period}.html")
}

/// `<slug>/archive/<year>.ics`.
pub fn archive_calendar(slug: &str, year: &str) -> String {
    format!("{slug}/{ARCHIVE_DIR}{year}.ics")
}

/// The folder of the per-category subscriptions, relative to the publication's folder.
pub const CATEGORY_DIR: &str = "category/";

/// `<slug>/category/<category>.ics`, `<category>` being the category's file name
/// (`export::categories`).
pub fn category_calendar(slug: &str, category: &str) -> String {
    format!("{slug}/{CATEGORY_DIR}{category}.ics")
}

/// `<slug>/category/<category>.xml`.
pub fn category_feed(slug: &str, category: &str) -> String {
    format!("{slug}/{CATEGORY_DIR}{category}.xml")
}

/// The file name of `path` (after its last `/`): how a page links a file beside it.
pub fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
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
                .replace("<event-id>", "e")
                .replace("<id>", "e")
                .replace("<period>", "e")
                .replace("<year>", "e")
                .replace("<category>", "e");
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
