//! The subscribe pages: `public/<slug>/index.html` for one publication (subscribe links,
//! the upcoming events with "add to calendar" links, the latest articles, a link to the
//! archive) and `public/index.html` listing all publications; and the event and article
//! blocks that the items' own pages (`pages`) show too.
//!
//! Plain HTML with inline CSS and a few lines of script that only add the reader's local
//! time: no framework, no external fonts, scripts or requests. Every text is escaped; every
//! URL was checked to be http(s) when the data was loaded.

use chrono::DateTime;
use url::Url;

use std::fmt::Write as _;
use std::io::{self, Write};

pub use super::add_links::{google_loses, outlook_loses};
use super::content::{description_text, description_with, human_time, repeat_summary};
use super::document::{document_end, document_start, flush, footer};
use super::escape::{escape_html as esc, push_escaped_html as push_esc};
use super::stamp::{self, Form};
use super::{Scope, Shared, files, selection};
use crate::model::{Event, Publication, Schedule, Status};

/// `public/<slug>/index.html`, as a string (for tests; a build uses
/// [`write_publication_page`]).
pub fn publication_page(publication: &Publication) -> String {
    let mut out = Vec::new();
    write_publication_page(&Shared::new(publication), &mut out)
        .expect("writing to memory cannot fail");
    String::from_utf8(out).expect("the page is UTF-8")
}

/// Writes `public/<slug>/index.html` to `out`, one event or article at a time: what is
/// upcoming (at most 30, soonest first), the latest articles (at most 10), and a link to
/// the archive, which has everything else.
pub fn write_publication_page(shared: &Shared, out: &mut dyn Write) -> io::Result<()> {
    let publication = shared.publication;
    let channel = &publication.channel;
    let mut html = document_start(
        &channel.title,
        &channel.description,
        &channel.language,
        &feed_links(publication, "../"),
    );
    html.push_str(&format!(
        "<header>\n<h1>{}</h1>\n<p>{}</p>\n</header>\n<main>\n",
        esc(&channel.title),
        esc(&channel.description)
    ));
    html.push_str(&subscribe_section(publication, "../"));
    html.push_str(&category_section(shared));
    let archive = files::ARCHIVE_DIR;
    if !publication.events.is_empty() {
        let upcoming = selection::upcoming(publication);
        html.push_str("<section aria-labelledby=\"events\">\n<h2 id=\"events\">Events</h2>\n");
        for event in upcoming.iter().take(selection::UPCOMING_ON_PAGE) {
            event_block(&mut html, publication, event, ON_PAGE);
            flush(&mut html, out)?;
        }
        let more = upcoming.len().saturating_sub(selection::UPCOMING_ON_PAGE);
        let past = publication.events.len() - upcoming.len();
        if upcoming.is_empty() {
            html.push_str("<p>No upcoming events.</p>\n");
        } else if more > 0 {
            let _ = writeln!(
                html,
                "<p class=\"more\">{more} more upcoming event(s) are in the calendar and the \
                 <a href=\"{archive}\">archive</a>.</p>"
            );
        }
        if past > 0 {
            let _ = writeln!(
                html,
                "<p class=\"more\">Past events are in the <a href=\"{archive}\">archive</a>.</p>"
            );
        }
        html.push_str("</section>\n");
    }
    if !publication.articles.is_empty() {
        html.push_str("<section aria-labelledby=\"news\">\n<h2 id=\"news\">News</h2>\n");
        let shown = publication.articles.len().min(selection::LATEST_ON_PAGE);
        for i in 0..shown {
            article_block(&mut html, shared, i, ON_PAGE);
            flush(&mut html, out)?;
        }
        if publication.articles.len() > shown {
            let _ = writeln!(
                html,
                "<p class=\"more\">Older news is in the <a href=\"{archive}\">archive</a>.</p>"
            );
        }
        html.push_str("</section>\n");
    }
    let _ = writeln!(
        html,
        "<section aria-labelledby=\"archive\">\n<h2 id=\"archive\">Archive</h2>\n\
         <p><a href=\"{archive}\">Every event and article of {}, by year</a>, with a calendar \
         of each year to import.</p>\n</section>",
        esc(&channel.title)
    );
    html.push_str("</main>\n");
    html.push_str(&footer(channel.updated));
    document_end(&mut html);
    out.write_all(html.as_bytes())
}

/// How an event's or article's block is shown: the level of its title's heading, and
/// whether the title links to the item's own page (`<slug>/<id>.html`, beside the page).
#[derive(Clone, Copy)]
pub(super) struct Place {
    pub heading: usize,
    pub link_title: bool,
    /// Whether an article's HTML is kept for the next output that shows it. The feeds and
    /// the publication's page show the same few latest articles; an article's own page is
    /// the only place most articles show, so there it is rendered for that page alone.
    pub keep_html: bool,
}

/// On the publication's page.
const ON_PAGE: Place = Place {
    heading: 3,
    link_title: true,
    keep_html: true,
};

/// An article with its body and, when its `link` is a page of the publisher's own, a link
/// to it; `index` is its position in the publication.
pub(super) fn article_block(html: &mut String, shared: &Shared, index: usize, place: Place) {
    let publication = shared.publication;
    let article = &publication.articles[index];
    let published = publication.channel.zone.localize(article.published);
    let permalink = files::permalink(&publication.slug, &article.id);
    let own_page = article.link != publication.permalink_url(&article.id);
    let level = place.heading;
    html.push_str("<article id=\"");
    push_esc(html, &article.id);
    html.push_str("\" class=\"item\"");
    if let Some(language) = &article.language {
        html.push_str(" lang=\"");
        push_esc(html, language);
        html.push('"');
    }
    let _ = write!(html, ">\n<h{level}>");
    title_text(html, &article.title, place, &permalink);
    let _ = write!(
        html,
        "</h{level}>\n<p class=\"meta\"><time datetime=\"{}\">{}</time>",
        published.to_rfc3339(),
        published.format_with_items(stamp::DAY_MONTH_YEAR.iter()),
    );
    if let Some(author) = &article.author {
        html.push_str(" · ");
        push_esc(html, author);
    }
    html.push_str("</p>\n");
    if let Some(summary) = &article.summary {
        html.push_str("<p class=\"summary\">");
        push_esc(html, summary);
        html.push_str("</p>\n");
    }
    html.push_str("<div class=\"content\">\n");
    // The body's headings rank below the article's title.
    html.push_str(&shared.article_html_below(index, level + 1, place.keep_html));
    html.push_str("</div>\n");
    if own_page {
        html.push_str("<p><a href=\"");
        push_esc(html, article.link.as_str());
        html.push_str("\">Read “");
        push_esc(html, &article.title);
        html.push_str("” on its own page</a></p>\n");
    }
    html.push_str("</article>\n");
}

/// A title, as a link to the item's own page when `place` says so.
fn title_text(html: &mut String, title: &str, place: Place, permalink: &str) {
    if place.link_title {
        html.push_str("<a href=\"");
        push_esc(html, files::file_name(permalink));
        html.push_str("\">");
        push_esc(html, title);
        html.push_str("</a>");
    } else {
        push_esc(html, title);
    }
}

/// `public/index.html`: every publication with its subscribe links.
pub fn index_page(publications: &[Publication]) -> String {
    let language = match publications {
        [only] => only.channel.language.as_str(),
        _ => "en",
    };
    let head: String = publications.iter().map(|p| feed_links(p, "")).collect();
    let mut body = document_start(
        "Calendars and feeds",
        "Calendars and feeds to subscribe to",
        language,
        &head,
    );
    body.push_str(
        "<header>\n<h1>Calendars and feeds</h1>\n\
         <p>Subscribe to a calendar to get its events, and to later changes, in your calendar app; \
         follow a feed in your feed reader.</p>\n</header>\n<main>\n",
    );
    for publication in publications {
        let channel = &publication.channel;
        body.push_str(&format!(
            "<section class=\"publication\" aria-labelledby=\"{slug}\">\n\
             <h2 id=\"{slug}\"><a href=\"{slug}/\">{title}</a></h2>\n<p>{description}</p>\n",
            slug = esc(&publication.slug),
            title = esc(&channel.title),
            description = esc(&channel.description),
        ));
        body.push_str(&subscribe_links(publication, ""));
        body.push_str(&format!(
            "<p><a href=\"{}/\">All events and news of {}</a></p>\n</section>\n",
            esc(&publication.slug),
            esc(&channel.title)
        ));
    }
    body.push_str("</main>\n");
    let newest = publications.iter().map(|p| p.channel.updated).max();
    body.push_str(&footer(newest.unwrap_or(DateTime::UNIX_EPOCH)));
    document_end(&mut body);
    body
}

/// `<link rel="alternate">` autodiscovery for every feed of the publication.
pub(super) fn feed_links(publication: &Publication, prefix: &str) -> String {
    let slug = esc(&publication.slug);
    let title = esc(&publication.channel.title);
    format!(
        "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"{title} (RSS)\" href=\"{prefix}{slug}.xml\">\n\
         <link rel=\"alternate\" type=\"application/atom+xml\" title=\"{title} (Atom)\" href=\"{prefix}{slug}.atom\">\n\
         <link rel=\"alternate\" type=\"application/feed+json\" title=\"{title} (JSON Feed)\" href=\"{prefix}{slug}.json\">\n\
         <link rel=\"alternate\" type=\"text/calendar\" title=\"{title} (calendar)\" href=\"{prefix}{slug}.ics\">\n"
    )
}

fn subscribe_section(publication: &Publication, prefix: &str) -> String {
    format!(
        "<section aria-labelledby=\"subscribe\">\n<h2 id=\"subscribe\">Subscribe</h2>\n{}</section>\n",
        subscribe_links(publication, prefix)
    )
}

/// The per-category subscriptions (`by_category`): for each category, its calendar (to
/// subscribe to in a calendar app or in Google Calendar) and its RSS feed. Nothing when the
/// channel asks for none.
fn category_section(shared: &Shared) -> String {
    if shared.categories.is_empty() {
        return String::new();
    }
    let publication = shared.publication;
    let mut html = String::from(
        "<section aria-labelledby=\"by-category\">\n<h2 id=\"by-category\">By category</h2>\n\
         <p>A calendar and a news feed of one category only.</p>\n<ul class=\"categories\">\n",
    );
    for category in shared.categories.iter() {
        let scope = Scope::category(publication, category);
        let calendar = publication.url_of(&scope.calendar);
        // Beside the page: `category/<name>.xml`, its name as the URL spells it.
        let feed = publication.url_of(&scope.rss);
        let feed = feed
            .path_segments()
            .and_then(|mut segments| segments.next_back())
            .map_or_else(String::new, |name| format!("{}{name}", files::CATEGORY_DIR));
        let google = format!(
            "https://calendar.google.com/calendar/render?cid={}",
            query(&webcal(&calendar))
        );
        let _ = writeln!(
            html,
            "<li>{name}: <a href=\"{webcal}\">subscribe to its calendar</a>, \
             <a href=\"{google}\">in Google Calendar</a>, or <a href=\"{feed}\">its RSS feed</a></li>",
            name = esc(&category.name),
            webcal = esc(&webcal(&calendar)),
            google = esc(&google),
            feed = esc(&feed),
        );
    }
    html.push_str("</ul>\n</section>\n");
    html
}

/// The calendar's address with the `webcal` scheme, which calendar apps register for.
fn webcal(url: &Url) -> String {
    let text = url.as_str();
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .unwrap_or(text);
    format!("webcal://{rest}")
}

/// `value` encoded for a query (`application/x-www-form-urlencoded`), byte for byte as
/// `url::form_urlencoded::byte_serialize` encodes it: ASCII letters, digits and `*-._` as
/// they are, space as `+`, every other byte as `%XX`. Written out because every event's
/// page encodes its whole description for the add-to-calendar links, and collecting the
/// crate's piece-per-byte iterator into a `String` showed in a large build.
fn query(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    // What each byte becomes: itself, `+` (for a space), or (0) `%XX`.
    const AS: [u8; 256] = {
        let mut table = [0; 256];
        let mut byte = 0;
        while byte < 256 {
            let b = byte as u8;
            if b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_') {
                table[byte] = b;
            }
            byte += 1;
        }
        table[b' ' as usize] = b'+';
        table
    };
    let mut out = Vec::with_capacity(value.len() * 2);
    for byte in value.bytes() {
        match AS[usize::from(byte)] {
            0 => out.extend_from_slice(&[
                b'%',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]),
            kept => out.push(kept),
        }
    }
    String::from_utf8(out).expect("the encoding is ASCII")
}

fn subscribe_links(publication: &Publication, prefix: &str) -> String {
    let slug = esc(&publication.slug);
    let calendar = publication.url_of(&files::calendar(&publication.slug));
    let google = format!(
        "https://calendar.google.com/calendar/render?cid={}",
        query(&webcal(&calendar))
    );
    let outlook = format!(
        "https://outlook.live.com/calendar/0/addfromweb?url={}&name={}",
        query(calendar.as_str()),
        query(&publication.channel.title)
    );
    format!(
        "<div class=\"subscribe\">\n<h3>Calendar</h3>\n<ul class=\"links\">\n\
         <li><a class=\"button\" href=\"{webcal}\">Subscribe in your calendar app</a> (Apple Calendar, Outlook, Thunderbird)</li>\n\
         <li><a href=\"{google}\">Subscribe in Google Calendar</a></li>\n\
         <li><a href=\"{outlook}\">Subscribe in Outlook.com</a></li>\n\
         <li><label>Calendar address, to paste into any calendar app: \
         <input type=\"text\" readonly value=\"{https}\" aria-label=\"Calendar address\"></label> \
         (<a href=\"{prefix}{slug}.ics\">download the calendar file</a>)</li>\n\
         </ul>\n<h3>News feed</h3>\n<ul class=\"links\">\n\
         <li><a href=\"{prefix}{slug}.xml\">RSS feed</a></li>\n\
         <li><a href=\"{prefix}{slug}.atom\">Atom feed</a></li>\n\
         <li><a href=\"{prefix}{slug}.json\">JSON Feed</a></li>\n\
         </ul>\n</div>\n",
        webcal = esc(&webcal(&calendar)),
        google = esc(&google),
        outlook = esc(&outlook),
        https = esc(calendar.as_str()),
    )
}

/// An event with its time, place, links and add-to-calendar links.
pub(super) fn event_block(
    html: &mut String,
    publication: &Publication,
    event: &Event,
    place: Place,
) {
    let title = esc(&event.title);
    let cancelled = event.status == Status::Cancelled;
    let level = place.heading;
    let permalink = files::permalink(&publication.slug, &event.id);
    html.push_str("<article id=\"");
    push_esc(html, &event.id);
    let _ = write!(
        html,
        "\" class=\"item event{}\">\n<h{level}>{}",
        if cancelled { " cancelled" } else { "" },
        if cancelled {
            "<span class=\"badge\">Cancelled</span> "
        } else {
            ""
        },
    );
    title_text(html, &event.title, place, &permalink);
    let _ = writeln!(html, "</h{level}>");
    if event.status == Status::Tentative {
        html.push_str("<p class=\"badge\">Tentative: the time may still change.</p>\n");
    }
    let when = esc(&human_time(event));
    let _ = match event.schedule {
        Schedule::Timed { start, .. } => writeln!(
            html,
            "<p class=\"when\"><time datetime=\"{}\" data-local-time>{when}</time></p>",
            stamp::utc(start, Form::Extended)
        ),
        Schedule::AllDay { start, .. } => writeln!(
            html,
            "<p class=\"when\"><time datetime=\"{}\">{when}</time></p>",
            stamp::date(start, Form::Extended)
        ),
    };
    if let Some((rule, next)) = repeat_summary(publication, event) {
        let _ = writeln!(html, "<p class=\"repeats\">{}.</p>", esc(&rule));
        if !next.is_empty() {
            html.push_str("<p>Next dates:</p>\n<ul class=\"occurrences\">\n");
            for occurrence in next {
                let _ = writeln!(html, "<li>{}</li>", esc(&occurrence));
            }
            html.push_str("</ul>\n");
        }
    }
    if let Some(location) = &event.location {
        html.push_str("<p class=\"where\">");
        push_esc(html, location);
        html.push_str("</p>\n");
    }
    // Read once (it may be in the spill file) for the paragraphs and the links' details.
    let description = event.description.as_ref().map(|d| d.get());
    if let Some(description) = &description {
        for paragraph in description.split("\n\n").filter(|p| !p.trim().is_empty()) {
            html.push_str("<p>");
            let mut lines = paragraph.trim().split('\n');
            if let Some(first) = lines.next() {
                push_esc(html, first);
            }
            for line in lines {
                html.push_str("<br>\n");
                push_esc(html, line);
            }
            html.push_str("</p>\n");
        }
    }
    if let Some(livestream) = &event.livestream {
        html.push_str("<p><a class=\"button\" href=\"");
        push_esc(html, livestream.as_str());
        let _ = writeln!(html, "\">Watch the livestream of {title}</a></p>");
    }
    if event.page != publication.permalink_url(&event.id) {
        html.push_str("<p><a href=\"");
        push_esc(html, event.page.as_str());
        let _ = writeln!(html, "\">Event page of {title}</a></p>");
    }
    // The one-event file sits beside this page: public/<slug>/<id>.ics.
    let file = files::event_calendar(&publication.slug, &event.id);
    let file_name = files::file_name(&file);
    // Both links carry the same description; it is encoded once.
    let details = query(&description_with(event, description.as_deref()));
    let repeats = event.recurrence.is_some();
    html.push_str("<p class=\"add\">Add to calendar:</p>\n<ul class=\"links\">\n<li><a ");
    if repeats {
        // The one file that carries every date and change: offered first and prominently.
        html.push_str("class=\"button\" ");
    }
    html.push_str("href=\"");
    push_esc(html, file_name);
    let _ = write!(
        html,
        "\" download>Download {title} as .ics</a> (Apple Calendar, Outlook, Thunderbird)"
    );
    if repeats {
        html.push_str(": every date, with every change; Google Calendar imports it too");
    }
    html.push_str("</li>\n<li><a href=\"");
    push_esc(html, &google_template_with(event, &details));
    let _ = write!(html, "\">Add {title} to Google Calendar</a>");
    if let Some(note) = google_loses(event) {
        html.push_str(": ");
        push_esc(html, &note);
    }
    html.push_str("</li>\n<li><a href=\"");
    push_esc(html, &outlook_compose_with(event, &details));
    let _ = write!(html, "\">Add {title} to Outlook.com</a>");
    if let Some(note) = outlook_loses(event) {
        html.push_str(": ");
        push_esc(html, &note);
    }
    html.push_str("</li>\n</ul>\n</article>\n");
}

/// Google Calendar's "create event" link: dates in UTC, `ctz` for the zone it shows them in.
pub fn google_template(event: &Event) -> String {
    google_template_with(event, &query(&description_text(event)))
}

/// [`google_template`] with the event's description already encoded for a query.
fn google_template_with(event: &Event, details: &str) -> String {
    let dates = match event.schedule {
        Schedule::Timed { start, end, .. } => format!(
            "{}/{}",
            stamp::utc(start, Form::Basic),
            stamp::utc(end.unwrap_or(start), Form::Basic)
        ),
        Schedule::AllDay { start, end } => format!(
            "{}/{}",
            stamp::date(start, Form::Basic),
            stamp::date(end, Form::Basic)
        ),
    };
    let mut link = format!(
        "https://calendar.google.com/calendar/render?action=TEMPLATE&text={}&dates={}&details={}",
        query(&event.title),
        dates,
        details,
    );
    if let Some(location) = &event.location {
        link.push_str(&format!("&location={}", query(location)));
    }
    if let Some(rule) = event.recurrence.as_ref().and_then(|r| r.rule.as_ref()) {
        link.push_str(&format!("&recur={}", query(&format!("RRULE:{rule}"))));
    }
    if let Schedule::Timed {
        zone: crate::when::Zone::Iana(tz),
        ..
    } = event.schedule
    {
        link.push_str(&format!("&ctz={}", query(tz.name())));
    }
    link
}

/// Outlook.com's compose deeplink, with times in UTC.
pub fn outlook_compose(event: &Event) -> String {
    outlook_compose_with(event, &query(&description_text(event)))
}

/// [`outlook_compose`] with the event's description already encoded for a query.
fn outlook_compose_with(event: &Event, body: &str) -> String {
    let (start, end, all_day) = match event.schedule {
        Schedule::Timed { start, end, .. } => (
            stamp::utc(start, Form::Extended),
            stamp::utc(end.unwrap_or(start), Form::Extended),
            false,
        ),
        Schedule::AllDay { start, end } => (
            stamp::date(start, Form::Extended),
            stamp::date(end, Form::Extended),
            true,
        ),
    };
    let mut link = format!(
        "https://outlook.live.com/calendar/0/deeplink/compose?path=%2Fcalendar%2Faction%2Fcompose&rru=addevent&subject={}&startdt={}&enddt={}&body={}",
        query(&event.title),
        query(&start),
        query(&end),
        body,
    );
    if all_day {
        link.push_str("&allday=true");
    }
    if let Some(location) = &event.location {
        link.push_str(&format!("&location={}", query(location)));
    }
    link
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::test_publication;
    use url::form_urlencoded::byte_serialize;

    fn publication() -> Publication {
        let text = r#"
[channel]
title = "Shows <b>&</b>"
description = "D"
link = "https://example.org/"
language = "en"
timezone = "Asia/Shanghai"

[[events]]
id = "launch"
title = "Launch <script>alert(1)</script>"
start = "2022-07-04T19:00"
duration = "2h"
location = "Online & offline"
livestream = "https://example.org/live"

[[events]]
id = "fair"
title = "Fair"
start = "2024-03-10"
end = "2024-03-11"
status = "cancelled"
"#;
        test_publication("shows", text)
    }

    #[test]
    fn nothing_from_the_data_becomes_markup() {
        let html = publication_page(&publication());
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("Launch &lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("<title>Shows &lt;b&gt;&amp;&lt;/b&gt;</title>"));
    }

    #[test]
    fn query_encoding_is_the_url_crates() {
        let every_ascii: String = (0..128u8).map(char::from).collect();
        for text in [
            every_ascii.as_str(),
            "",
            " ",
            "é",
            "a é b",
            "Ünïcødé, 漢字 and emoji 🎉!\r\n~ok",
            "ends with é",
        ] {
            assert_eq!(
                query(text),
                byte_serialize(text.as_bytes()).collect::<String>()
            );
        }
    }

    #[test]
    fn google_link_has_utc_dates_and_zone() {
        let p = publication();
        let link = google_template(&p.events[0]);
        assert!(
            link.contains("&dates=20220704T110000Z/20220704T130000Z"),
            "{link}"
        );
        assert!(link.contains("&ctz=Asia%2FShanghai"), "{link}");
        assert!(link.contains("&location=Online+%26+offline"), "{link}");
        let all_day = google_template(&p.events[1]);
        assert!(all_day.contains("&dates=20240310/20240312"), "{all_day}");
    }

    #[test]
    fn outlook_link_has_utc_times() {
        let p = publication();
        let link = outlook_compose(&p.events[0]);
        assert!(
            link.contains("&startdt=2022-07-04T11%3A00%3A00Z&enddt=2022-07-04T13%3A00%3A00Z"),
            "{link}"
        );
        assert!(outlook_compose(&p.events[1]).contains("&allday=true"));
    }

    #[test]
    fn subscribe_links_and_autodiscovery() {
        let html = publication_page(&publication());
        assert!(html.contains("href=\"webcal://example.org/shows.ics\""));
        assert!(html.contains("cid=webcal%3A%2F%2Fexample.org%2Fshows.ics"));
        assert!(html.contains("addfromweb?url=https%3A%2F%2Fexample.org%2Fshows.ics"));
        for (kind, file) in [
            ("application/rss+xml", "../shows.xml"),
            ("application/atom+xml", "../shows.atom"),
            ("application/feed+json", "../shows.json"),
        ] {
            assert!(
                html.contains(&format!("type=\"{kind}\""))
                    && html.contains(&format!("href=\"{file}\"")),
                "{kind}"
            );
        }
        assert!(html.contains("href=\"launch.ics\" download"));
        assert!(html.contains("<span class=\"badge\">Cancelled</span>"));
    }
}
