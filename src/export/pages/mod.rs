//! The pages that keep history reachable: one page per event and per article (its
//! permalink, `<slug>/<id>.html`), the archive (`<slug>/archive/`, see [`archive`] and
//! [`period`]) and one calendar per year of events to import (`<slug>/archive/<year>.ics`,
//! written by [`super::ics::write_calendar_and_events`]). Each page is one job of the build.

pub mod archive;
pub mod key;
pub mod period;

use std::fmt::Write as _;
use std::io::{self, Write};

use super::document::{document_end, document_start, footer};
use super::escape::escape_html as esc;
use super::html::{self, Place, feed_links};
use super::{Shared, Sink, files};
use key::Keyed;
use period::{Archive, Item};

/// On its own page the item's title is the page's heading.
const OWN_PAGE: Place = Place {
    heading: 1,
    link_title: false,
    keep_html: false,
};

/// Every file of the archive and every permalink, one job each, known by its number (not
/// a closure each: 200 000 of them at N = 100 000): the archive's contents, its pages,
/// the events' pages, then the articles'. The yearly calendars are written by the
/// calendar's job (`ics`), from the VEVENTs it renders anyway.
pub struct Jobs<'j> {
    pub shared: &'j Shared<'j>,
    pub archive: &'j Archive,
    pub sink: &'j dyn Sink,
    /// What may be passed on as the last build left it: the permalinks.
    pub keyed: &'j Keyed<'j>,
}

impl Jobs<'_> {
    /// How many jobs there are.
    pub fn len(&self) -> usize {
        let publication = self.shared.publication;
        1 + self.archive.pages.len() + publication.events.len() + publication.articles.len()
    }

    /// Whether there is no job (never: there is always the archive's contents).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Renders the `i`th file.
    pub fn run(&self, i: usize) -> io::Result<()> {
        let (shared, archive, sink) = (self.shared, self.archive, self.sink);
        let publication = shared.publication;
        let slug = &publication.slug;
        let Some(i) = i.checked_sub(1) else {
            return sink.file(&files::archive(slug), &mut |w| {
                archive::write_index(shared, archive, w)
            });
        };
        if let Some(page) = archive.pages.get(i) {
            return sink.file(&files::archive_page(slug, &page.name()), &mut |w| {
                archive::write_page(shared, archive, i, w)
            });
        }
        let i = i - archive.pages.len();
        let (item, id) = match publication.events.get(i) {
            Some(event) => (Item::Event(i), &event.id),
            None => {
                let i = i - publication.events.len();
                match publication.articles.get(i) {
                    Some(article) => (Item::Article(i), &article.id),
                    None => return Ok(()),
                }
            }
        };
        let path = files::permalink(slug, id);
        if self.keyed.permalink(&path, archive, item)? {
            return Ok(());
        }
        sink.file(&path, &mut |w| write_permalink(shared, archive, item, w))
    }
}

/// `<slug>/<id>.html`: one event (its times, place, links and add-to-calendar links) or one
/// article (its body and related events), with links to the publication's page and to the
/// archive page that lists it. Whatever it reads must be part of its key
/// ([`Keyed::permalink`]): a build passes a permalink whose key is unchanged on unrendered.
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
    // Room for the item, at once: the page would otherwise grow (and be copied) a few
    // times over, for every event and article.
    html.reserve(16 * 1024);
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
