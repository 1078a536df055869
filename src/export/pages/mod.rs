//! The pages that keep history reachable: one page per event and per article (its
//! permalink, `<slug>/<id>.html`), the archive (`<slug>/archive/`, see [`archive`] and
//! [`period`]) and one calendar per year of events to import (`<slug>/archive/<year>.ics`,
//! written by [`super::ics::write_calendar_and_events`]). Each page is one job of the build.

pub mod archive;
pub mod period;

use std::fmt::Write as _;
use std::io::{self, Write};

use super::document::{document_end, document_start, footer};
use super::escape::escape_html as esc;
use super::html::{self, Place, feed_links};
use super::{Shared, Sink, files};
use period::{Archive, Item};

/// One file to render.
pub type Job<'j> = Box<dyn Fn() -> io::Result<()> + Send + Sync + 'j>;

/// On its own page the item's title is the page's heading.
const OWN_PAGE: Place = Place {
    heading: 1,
    link_title: false,
};

/// Every file of the archive and every permalink, one job each.
pub fn jobs<'j>(shared: &'j Shared<'j>, archive: &'j Archive, sink: &'j dyn Sink) -> Vec<Job<'j>> {
    let publication = shared.publication;
    let slug = &publication.slug;
    let mut jobs: Vec<Job<'j>> = Vec::new();
    jobs.push(Box::new(move || {
        sink.file(&files::archive(slug), &mut |w| {
            archive::write_index(shared, archive, w)
        })
    }));
    for (i, page) in archive.pages.iter().enumerate() {
        jobs.push(Box::new(move || {
            sink.file(&files::archive_page(slug, &page.name()), &mut |w| {
                archive::write_page(shared, archive, i, w)
            })
        }));
    }
    // The yearly calendars are written by the calendar's job (`ics`), from the VEVENTs it
    // renders anyway.
    for (i, event) in publication.events.iter().enumerate() {
        jobs.push(Box::new(move || {
            sink.file(&files::permalink(slug, &event.id), &mut |w| {
                write_permalink(shared, archive, Item::Event(i), w)
            })
        }));
    }
    for (i, article) in publication.articles.iter().enumerate() {
        jobs.push(Box::new(move || {
            sink.file(&files::permalink(slug, &article.id), &mut |w| {
                write_permalink(shared, archive, Item::Article(i), w)
            })
        }));
    }
    jobs
}

/// `<slug>/<id>.html`: one event (its times, place, links and add-to-calendar links) or one
/// article (its body and related events), with links to the publication's page and to the
/// archive page that lists it.
pub fn write_permalink(
    shared: &Shared,
    archive: &Archive,
    item: Item,
    out: &mut dyn Write,
) -> io::Result<()> {
    let publication = shared.publication;
    let channel = &publication.channel;
    let (title, description) = match item {
        Item::Event(i) => (&publication.events[i].title, &channel.description),
        Item::Article(i) => {
            let article = &publication.articles[i];
            (
                &article.title,
                article.summary.as_ref().unwrap_or(&channel.description),
            )
        }
    };
    let mut html = document_start(
        &format!("{title} · {}", channel.title),
        description,
        &channel.language,
        &feed_links(publication, "../"),
    );
    let page = &archive.pages[archive.page_of(item)];
    let page_file = files::archive_page(&publication.slug, &page.name());
    let _ = write!(
        html,
        "<header>\n<p class=\"crumbs\"><a href=\"./\">{}</a> › <a href=\"{}{}\">Archive: {}</a></p>\n\
         </header>\n<main>\n",
        esc(&channel.title),
        files::ARCHIVE_DIR,
        esc(files::file_name(&page_file)),
        esc(&page.title()),
    );
    match item {
        Item::Event(i) => {
            html::event_block(&mut html, publication, &publication.events[i], OWN_PAGE)
        }
        Item::Article(i) => html::article_block(&mut html, shared, i, OWN_PAGE),
    }
    let _ = writeln!(
        html,
        "<p><a href=\"./#subscribe\">Subscribe to {}</a> to get what comes next.</p>",
        esc(&channel.title)
    );
    html.push_str("</main>\n");
    html.push_str(&footer(channel.updated));
    document_end(&mut html);
    out.write_all(html.as_bytes())
}
