//! The archive's pages: `<slug>/archive/index.html`, every period with its yearly
//! calendar, and `<slug>/archive/<period>.html`, one line per event and article of a
//! period, with links to the previous and next pages. Lines link to each item's own page.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::super::document::{document_end, document_start, flush, footer};
use super::super::escape::{escape_html as esc, push_escaped_html as push_esc};
use super::super::html::feed_links;
use super::super::stamp::{self, Form};
use super::super::{Shared, files};
use super::period::{Archive, Entry, Item, Page, year_name};
use crate::model::{Publication, Status};

/// From the archive's folder to the publication's.
const UP: &str = "../";

/// Titles longer than this are shortened in the archive's lists (not on their own pages),
/// so that a page of [`super::period::PAGE_ITEMS`] lines stays small whatever the data.
const TITLE_CHARS: usize = 200;

/// `<slug>/archive/index.html`.
pub fn write_index(shared: &Shared, archive: &Archive, out: &mut dyn Write) -> io::Result<()> {
    let publication = shared.publication;
    let channel = &publication.channel;
    let title = format!("Archive of {}", channel.title);
    let mut html = document_start(
        &title,
        &channel.description,
        &channel.language,
        &feed_links(publication, "../../"),
    );
    let _ = write!(
        html,
        "<header>\n<p class=\"crumbs\"><a href=\"{UP}\">{}</a></p>\n<h1>{}</h1>\n\
         <p>Every event and article, by period. Each year's events are also a calendar file \
         to import into a calendar of yours; to get new events as they are announced, \
         <a href=\"{UP}#subscribe\">subscribe</a> instead.</p>\n</header>\n<main>\n",
        esc(&channel.title),
        esc(&title),
    );
    if archive.pages.is_empty() {
        html.push_str("<p>Nothing has been published yet.</p>\n");
    }
    let calendars = archive.years_with_events();
    // Newest year first; each year's pages in order.
    let mut end = archive.pages.len();
    while end > 0 {
        let year = archive.pages[end - 1].year();
        let start = archive.pages[..end]
            .iter()
            .rposition(|p| p.year() != year)
            .map_or(0, |i| i + 1);
        let pages = &archive.pages[start..end];
        let entries = &archive.entries[pages[0].range.start..pages[pages.len() - 1].range.end];
        let events = entries
            .iter()
            .filter(|e| matches!(e.item, Item::Event(_)))
            .count();
        let name = year_name(year);
        let _ = write!(
            html,
            "<section aria-labelledby=\"y{name}\">\n<h2 id=\"y{name}\">{year}</h2>\n<p>{}, {}.",
            count(events, "event"),
            count(entries.len() - events, "article"),
        );
        if calendars.contains(&year) {
            let file = files::archive_calendar(&publication.slug, &name);
            let _ = write!(
                html,
                " <a href=\"{}\" download>Calendar of the events of {year}</a> (.ics, to import)",
                esc(files::file_name(&file))
            );
        }
        html.push_str("</p>\n<ul class=\"links\">\n");
        for page in pages {
            let _ = writeln!(
                html,
                "<li><a href=\"{}\">{}</a> ({})</li>",
                esc(&page_file(publication, page)),
                esc(&page.title()),
                page.range.len()
            );
        }
        html.push_str("</ul>\n</section>\n");
        flush(&mut html, out)?;
        end = start;
    }
    html.push_str("</main>\n");
    html.push_str(&footer(channel.updated));
    document_end(&mut html);
    out.write_all(html.as_bytes())
}

/// `<slug>/archive/<period>.html`: the `index`th page of the archive.
pub fn write_page(
    shared: &Shared,
    archive: &Archive,
    index: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    let publication = shared.publication;
    let channel = &publication.channel;
    let page = &archive.pages[index];
    let title = format!("{}: {}", channel.title, page.title());
    let mut html = document_start(
        &title,
        &channel.description,
        &channel.language,
        &feed_links(publication, "../../"),
    );
    let _ = write!(
        html,
        "<header>\n<p class=\"crumbs\"><a href=\"{UP}\">{}</a> › <a href=\"./\">Archive</a></p>\n\
         <h1>{}</h1>\n</header>\n<main>\n",
        esc(&channel.title),
        esc(&page.title()),
    );
    let pager = pager(publication, archive, index);
    html.push_str(&pager);
    let entries = &archive.entries[page.range.clone()];
    if entries.iter().any(|e| matches!(e.item, Item::Event(_))) {
        let name = year_name(page.year());
        let file = files::archive_calendar(&publication.slug, &name);
        let _ = writeln!(
            html,
            "<p>Every event of {}: <a href=\"{}\" download>the calendar of {} to import</a> (.ics).</p>",
            page.year(),
            esc(files::file_name(&file)),
            page.year(),
        );
    }
    for (kind, heading, id) in [(0, "Events", "events"), (1, "News", "news")] {
        let mut lines = entries
            .iter()
            .filter(|e| matches!((kind, e.item), (0, Item::Event(_)) | (1, Item::Article(_))))
            .peekable();
        if lines.peek().is_none() {
            continue;
        }
        let _ = write!(
            html,
            "<section aria-labelledby=\"{id}\">\n<h2 id=\"{id}\">{heading}</h2>\n<ul class=\"archive\">\n"
        );
        for entry in lines {
            line(&mut html, publication, entry);
            flush(&mut html, out)?;
        }
        html.push_str("</ul>\n</section>\n");
    }
    html.push_str(&pager);
    html.push_str("</main>\n");
    html.push_str(&footer(channel.updated));
    document_end(&mut html);
    out.write_all(html.as_bytes())
}

/// A page's file name, as the archive's pages link it.
pub fn page_file(publication: &Publication, page: &Page) -> String {
    files::file_name(&files::archive_page(&publication.slug, &page.name())).to_string()
}

/// Links to the previous (older) and next (newer) page and to the archive's contents.
fn pager(publication: &Publication, archive: &Archive, index: usize) -> String {
    let mut html =
        String::from("<nav class=\"pager\" aria-label=\"Archive pages\">\n<ul class=\"links\">\n");
    if let Some(previous) = index.checked_sub(1).map(|i| &archive.pages[i]) {
        let _ = writeln!(
            html,
            "<li><a rel=\"prev\" href=\"{}\">Previous: {}</a></li>",
            esc(&page_file(publication, previous)),
            esc(&previous.title())
        );
    }
    if let Some(next) = archive.pages.get(index + 1) {
        let _ = writeln!(
            html,
            "<li><a rel=\"next\" href=\"{}\">Next: {}</a></li>",
            esc(&page_file(publication, next)),
            esc(&next.title())
        );
    }
    html.push_str("<li><a href=\"./\">Every period</a></li>\n</ul>\n</nav>\n");
    html
}

/// One event or article: its day and its title, linking to its own page.
fn line(html: &mut String, publication: &Publication, entry: &Entry) {
    let (id, title, cancelled) = match entry.item {
        Item::Event(i) => {
            let event = &publication.events[i];
            (&event.id, &event.title, event.status == Status::Cancelled)
        }
        Item::Article(i) => {
            let article = &publication.articles[i];
            (&article.id, &article.title, false)
        }
    };
    let _ = write!(
        html,
        "<li><time datetime=\"{}\">{}</time> <a href=\"{UP}",
        stamp::date(entry.date, Form::Extended),
        entry.date.format_with_items(stamp::DAY_MONTH_YEAR.iter()),
    );
    push_esc(
        html,
        files::file_name(&files::permalink(&publication.slug, id)),
    );
    html.push_str("\">");
    push_esc(html, &shortened(title));
    html.push_str("</a>");
    if cancelled {
        html.push_str(" (cancelled)");
    }
    html.push_str("</li>\n");
}

fn shortened(title: &str) -> std::borrow::Cow<'_, str> {
    match title.char_indices().nth(TITLE_CHARS) {
        Some((end, _)) => format!("{}…", &title[..end]).into(),
        None => title.into(),
    }
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_titles_are_shortened_at_a_character() {
        assert_eq!(shortened("short"), "short");
        let long = "é".repeat(TITLE_CHARS + 5);
        let short = shortened(&long);
        assert_eq!(short.chars().count(), TITLE_CHARS + 1);
        assert!(short.ends_with('…'));
    }
}
