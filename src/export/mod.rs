//! One renderer per output format, behind one narrow interface: a validated
//! [`Publication`] in, the files it publishes out (paths relative to the output directory),
//! each written into a [`Sink`] as it is rendered. [`for_each_output`] runs the renderers
//! on several threads; [`Shared`] holds what several of them need, computed once.

pub mod atom;
pub mod html;
pub mod ical_text;
pub mod ics;
pub mod json;
pub mod markdown;
pub mod rss;

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::model::{Event, Publication, Schedule};
use crate::spill::{Store, Text};

/// One file of the published output, held in memory (for `serve` and for tests; a build
/// streams its files to disk through a [`Sink`] instead).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// Relative to the output directory, e.g. `xiaomi-12s.ics`.
    pub path: PathBuf,
    pub contents: Vec<u8>,
}

/// Writes the bytes of one file.
pub type Render<'r> = dyn FnMut(&mut dyn Write) -> io::Result<()> + 'r;

/// Where rendered files go. Renderers write each file through [`Sink::file`] as they
/// produce it, so no output is ever held whole in memory; a sink is shared by the
/// threads that render (see [`for_each_output`]).
pub trait Sink: Sync {
    /// Creates the file at `path` (relative to the output directory) with the bytes that
    /// `render` writes. A renderer may produce other files while this one is open.
    fn file(&self, path: &str, render: &mut Render<'_>) -> io::Result<()>;
}

/// Collects files in memory, in the order they are finished.
#[derive(Default)]
pub struct Collect(Mutex<Vec<Output>>);

impl Collect {
    pub fn into_outputs(self) -> Vec<Output> {
        self.0.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

impl Sink for Collect {
    fn file(&self, path: &str, render: &mut Render<'_>) -> io::Result<()> {
        let mut contents = Vec::new();
        render(&mut contents)?;
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Output {
                path: PathBuf::from(path),
                contents,
            });
        Ok(())
    }
}

/// Every file of a build, in memory: each publication's files, then the index page.
pub fn render_all(publications: &[Publication]) -> Vec<Output> {
    let collect = Collect::default();
    for_each_output(publications, &collect, 1).unwrap_or_else(|e| unreachable(e));
    collect.into_outputs()
}

/// Every file a publication publishes, in memory.
pub fn render(publication: &Publication) -> Vec<Output> {
    let collect = Collect::default();
    render_each(publication, &collect, 1).unwrap_or_else(|e| unreachable(e));
    collect.into_outputs()
}

fn unreachable(e: io::Error) -> ! {
    panic!("writing to memory cannot fail: {e}")
}

/// Renders every file of a build into `sink`, on up to `threads` threads: each
/// publication's files, then the index page listing them all. Files are written as they
/// are rendered; the first error stops the build.
pub fn for_each_output(
    publications: &[Publication],
    sink: &dyn Sink,
    threads: usize,
) -> io::Result<()> {
    for publication in publications {
        render_each(publication, sink, threads)?;
    }
    sink.file("index.html", &mut |w| {
        w.write_all(html::index_page(publications).as_bytes())
    })
}

/// How many threads a build renders on: one per core, as the renderers are independent.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// One publication's outputs, as independent jobs, largest first so that `threads`
/// workers taking the next job as they finish end at about the same time.
fn render_each(publication: &Publication, sink: &dyn Sink, threads: usize) -> io::Result<()> {
    let shared = Shared::with_threads(publication, threads);
    let shared = &shared;
    let slug = &publication.slug;
    type Job<'j> = Box<dyn Fn() -> io::Result<()> + Send + Sync + 'j>;
    let jobs: Vec<Job<'_>> = vec![
        Box::new(move || {
            sink.file(&format!("{slug}/index.html"), &mut |w| {
                html::write_publication_page(shared, w)
            })
        }),
        // The calendar's job also writes the one-event files: each VEVENT is rendered
        // once, for both.
        Box::new(move || ics::write_calendar_and_events(shared, sink)),
        Box::new(move || {
            sink.file(&format!("{slug}.atom"), &mut |w| {
                atom::write_feed(shared, w)
            })
        }),
        Box::new(move || {
            sink.file(&format!("{slug}.json"), &mut |w| {
                json::write_feed(shared, w)
            })
        }),
        Box::new(move || sink.file(&format!("{slug}.xml"), &mut |w| rss::write_feed(shared, w))),
    ];
    run_jobs(&jobs, threads)
}

/// Runs `jobs` on up to `threads` scoped threads, each taking the next job in order;
/// returns the first error (the other threads stop taking jobs).
fn run_jobs<J: Fn() -> io::Result<()> + Sync>(jobs: &[J], threads: usize) -> io::Result<()> {
    let next = AtomicUsize::new(0);
    let failed: Mutex<Option<io::Error>> = Mutex::new(None);
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(job) = jobs.get(i) else { return };
            if let Err(e) = job() {
                failed
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(e);
                next.store(jobs.len(), Ordering::Relaxed);
                return;
            }
        }
    };
    let threads = threads.clamp(1, jobs.len().max(1));
    if threads == 1 {
        work();
    } else {
        std::thread::scope(|scope| {
            for _ in 1..threads {
                scope.spawn(work);
            }
            work();
        });
    }
    match failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// What several outputs of one publication need, computed once: each article's HTML body
/// (shared by RSS, Atom, JSON Feed and the page) and each VTIMEZONE (shared by the
/// calendar and the one-event files).
pub struct Shared<'a> {
    pub publication: &'a Publication,
    articles: Vec<ArticleHtml>,
    timezones: Mutex<ZoneCache>,
}

/// An article's feed HTML (kept out of memory when large: see `spill`), and the level of
/// the highest heading its Markdown has.
struct ArticleHtml {
    html: Text,
    highest_heading: Option<usize>,
}

/// VTIMEZONE lines by zone name and year range.
type ZoneCache = HashMap<(&'static str, i32, i32), Arc<[String]>>;

impl<'a> Shared<'a> {
    /// Renders every article's HTML.
    pub fn new(publication: &'a Publication) -> Self {
        Self::with_threads(publication, 1)
    }

    /// Renders every article's HTML, on up to `threads` threads.
    pub fn with_threads(publication: &'a Publication, threads: usize) -> Self {
        let store = Store::new();
        let render = |article| {
            let (html, highest_heading) = rss::content_html_with_headings(publication, article);
            ArticleHtml {
                html: match &store {
                    Some(store) => store.put(html),
                    None => Text::from(html),
                },
                highest_heading,
            }
        };
        let all = &publication.articles;
        let threads = threads.clamp(1, all.len().max(1));
        let articles = if threads == 1 {
            all.iter().map(render).collect()
        } else {
            let chunk = all.len().div_ceil(threads);
            std::thread::scope(|scope| {
                let parts: Vec<_> = all
                    .chunks(chunk)
                    .map(|part| scope.spawn(move || part.iter().map(render).collect::<Vec<_>>()))
                    .collect();
                parts
                    .into_iter()
                    .flat_map(|part| part.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            })
        };
        Shared {
            publication,
            articles,
            timezones: Mutex::new(HashMap::new()),
        }
    }

    /// What the calendar alone needs: no article is rendered.
    pub fn without_articles(publication: &'a Publication) -> Self {
        Shared {
            publication,
            articles: Vec::new(),
            timezones: Mutex::new(HashMap::new()),
        }
    }

    /// The feed HTML of the `index`th article (in the publication's order).
    pub fn article_html(&self, index: usize) -> Cow<'_, str> {
        self.articles[index].html.get()
    }

    /// The `index`th article's HTML for a page that shows it under a heading of level
    /// `top - 1`: its highest heading becomes `top`, the others follow (at most `h6`).
    pub fn article_html_below(&self, index: usize, top: usize) -> Cow<'_, str> {
        let article = &self.articles[index];
        if self.publication.channel.allow_html {
            // Raw HTML from the source may hold heading tags of its own, which a page
            // rendered from the Markdown leaves as they are.
            let source = &self.publication.articles[index];
            return rss::content_html(self.publication, source, Some(top)).into();
        }
        match article.highest_heading {
            Some(highest) if highest < top => {
                markdown::shift_headings(&article.html.get(), top - highest).into()
            }
            _ => article.html.get(),
        }
    }

    /// The VTIMEZONE lines of `tz` for `from..=to`, generated once.
    pub fn vtimezone(&self, tz: Tz, from: i32, to: i32) -> Arc<[String]> {
        // A poisoned lock only means another renderer panicked; the map is still valid.
        let mut cache = self.timezones.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry((tz.name(), from, to))
            .or_insert_with(|| crate::vtimezone::vtimezone_lines(tz, from, to).into())
            .clone()
    }
}

/// Where an event's own .ics is published, relative to the output directory.
pub fn single_event_file(publication: &Publication, event: &Event) -> String {
    format!("{}/{}.ics", publication.slug, event.id)
}

/// A repeating event's rule in words and its next occurrences (after the publication's
/// `updated`, with moved and cancelled ones as they now are), for pages and feeds.
pub fn repeat_summary(publication: &Publication, event: &Event) -> Option<(String, Vec<String>)> {
    let recurrence = event.recurrence.as_ref()?;
    let rule = match &recurrence.rule {
        Some(rule) => crate::recurrence::describe(rule),
        None => "on several dates".to_string(),
    };
    let next = event
        .upcoming(publication.channel.updated, publication.channel.upcoming)
        .into_iter()
        .map(|o| {
            let mut text = human_schedule(&o.schedule);
            if o.status == crate::model::Status::Cancelled {
                text.push_str(" (cancelled)");
            } else if o.title != event.title {
                text.push_str(&format!(": {}", o.title));
            }
            text
        })
        .collect();
    Some((format!("Repeats {rule}"), next))
}

/// Escapes text for HTML element content (`&`, `<`, `>`): plain text that readers will
/// take as HTML, such as an RSS description.
pub fn escape_html_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    push_escaped_html(&mut out, text);
    out
}

/// [`escape_html`] appended to `out`: the runs between special characters are copied
/// whole (the page escapes every text it shows, so this is a hot loop).
pub fn push_escaped_html(out: &mut String, text: &str) {
    let mut run = 0;
    for (i, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        // Each special character is ASCII, so `run..i` and `i + 1..` are on char boundaries.
        out.push_str(&text[run..i]);
        out.push_str(entity);
        run = i + 1;
    }
    out.push_str(&text[run..]);
}

/// An event's time as a person reads it, in the event's own zone, with UTC beside it:
/// `Monday 4 July 2022, 19:00–21:00 CST (UTC+08:00) = 11:00–13:00 UTC`.
pub fn human_time(event: &Event) -> String {
    human_schedule(&event.schedule)
}

/// A schedule as a person reads it; see [`human_time`].
pub fn human_schedule(schedule: &Schedule) -> String {
    match *schedule {
        Schedule::AllDay { start, end } => {
            let last = end.pred_opt().unwrap_or(start);
            if last == start {
                format!("{} (all day)", start.format("%A %-d %B %Y"))
            } else {
                format!(
                    "{} to {} (all day)",
                    start.format("%A %-d %B %Y"),
                    last.format("%A %-d %B %Y")
                )
            }
        }
        Schedule::Timed { start, end, zone } => {
            let local = zone.localize(start);
            let mut text = format!(
                "{}, {}",
                local.format("%A %-d %B %Y"),
                local.format("%H:%M")
            );
            if let Some(end) = end {
                text.push_str(&format!("–{}", zone.localize(end).format("%H:%M")));
            }
            let abbreviation = match zone {
                crate::when::Zone::Iana(tz) => start.with_timezone(&tz).format("%Z").to_string(),
                crate::when::Zone::Fixed(_) => String::new(),
            };
            let offset = local.format("UTC%:z").to_string();
            let utc_itself = local.offset().local_minus_utc() == 0
                && (abbreviation.is_empty() || abbreviation == "UTC" || abbreviation == "+00");
            if utc_itself {
                text.push_str(" UTC");
            } else {
                if abbreviation.is_empty() || abbreviation.starts_with(['+', '-']) {
                    text.push_str(&format!(" {offset}"));
                } else {
                    text.push_str(&format!(" {abbreviation} ({offset})"));
                }
                if local.offset().local_minus_utc() != 0 {
                    text.push_str(&format!(" = {}", utc_range(start, end)));
                }
            }
            text
        }
    }
}

fn utc_range(start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> String {
    match end {
        Some(end) if end.date_naive() == start.date_naive() => {
            format!("{}–{} UTC", start.format("%H:%M"), end.format("%H:%M"))
        }
        Some(end) => format!(
            "{} – {} UTC",
            start.format("%Y-%m-%d %H:%M"),
            end.format("%Y-%m-%d %H:%M")
        ),
        None => format!("{} UTC", start.format("%H:%M")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::test_publication;

    /// Events of several kinds and more articles than the threads, some linking events.
    fn publication(slug: &str, allow_html: bool) -> Publication {
        let mut text = format!(
            r#"
[channel]
title = "Threads"
description = "D"
link = "https://example.org/"
language = "en"
timezone = "Europe/London"
author = "Desk"
updated = "2024-10-01T09:00:00Z"
allow_html = {allow_html}

[[events]]
id = "weekly"
title = "Weekly"
start = "2024-10-10T19:00"
duration = "1h"
repeat = {{ every = "week", on = ["th"], count = 8 }}

[[events]]
id = "tokyo"
title = "Tokyo"
start = "2024-11-02T18:00"
timezone = "Asia/Tokyo"

[[events]]
id = "fair"
title = "Fair"
start = "2024-03-10"
end = "2024-03-12"
"#
        );
        for i in 0..25 {
            let day = i % 28 + 1;
            let events = match i % 3 {
                0 => r#"["weekly", "fair"]"#,
                1 => r#"["tokyo"]"#,
                _ => "[]",
            };
            // The highest heading is h1, h2 or h3.
            let top = "#".repeat(i % 3 + 1);
            text.push_str(&format!(
                "\n[[articles]]\nid = \"a{i}\"\ntitle = \"Article {i}\"\n\
                 published = \"2024-09-{day:02}\"\nevents = {events}\n\
                 content = \"{top} Top {i}\\n\\n{top}# Sub\\n\\n<h1>raw</h1> `<h2>` **{i}**\"\n"
            ));
        }
        test_publication(slug, &text)
    }

    fn sorted(mut outputs: Vec<Output>) -> Vec<Output> {
        outputs.sort_by(|a, b| a.path.cmp(&b.path));
        outputs
    }

    #[test]
    fn two_threads_write_the_same_files_as_one() {
        let publications = [publication("one", false), publication("two", true)];
        let build = |threads| {
            let collect = Collect::default();
            for_each_output(&publications, &collect, threads).unwrap();
            sorted(collect.into_outputs())
        };
        let one = build(1);
        let two = build(2);
        // Each publication: page, calendar, three one-event files, Atom, JSON, RSS; and
        // the index page.
        assert_eq!(one.len(), 2 * 8 + 1);
        assert!(
            one.windows(2).all(|w| w[0].path != w[1].path),
            "a file twice"
        );
        assert_eq!(
            one.iter().map(|o| &o.path).collect::<Vec<_>>(),
            two.iter().map(|o| &o.path).collect::<Vec<_>>()
        );
        for (a, b) in one.iter().zip(&two) {
            assert!(
                a == b,
                "{} differs between 1 and 2 threads",
                a.path.display()
            );
        }
    }

    /// Collects files, but fails to write one of them.
    struct FailingAt(&'static str, Collect);

    impl Sink for FailingAt {
        fn file(&self, path: &str, render: &mut Render<'_>) -> io::Result<()> {
            if path == self.0 {
                return Err(io::Error::other(format!("cannot write {path}")));
            }
            self.1.file(path, render)
        }
    }

    #[test]
    fn an_error_writing_one_file_is_the_builds_error() {
        let publications = [publication("one", false)];
        // A job's own file, a file written from inside another job's file, and the last.
        for path in ["one.xml", "one/tokyo.ics", "one.ics", "index.html"] {
            for threads in [1, 2] {
                let sink = FailingAt(path, Collect::default());
                let error = for_each_output(&publications, &sink, threads)
                    .expect_err(&format!("{path} on {threads} threads"));
                assert_eq!(error.to_string(), format!("cannot write {path}"));
            }
        }
    }

    #[test]
    fn lowered_article_html_is_the_article_rendered_below_the_heading() {
        let publication = publication("one", false);
        let shared = Shared::with_threads(&publication, 2);
        for (i, article) in publication.articles.iter().enumerate() {
            assert_eq!(
                shared.article_html(i),
                rss::content_html(&publication, article, None)
            );
            let below = shared.article_html_below(i, 4);
            assert_eq!(below, rss::content_html(&publication, article, Some(4)));
            assert!(
                below.contains("<h4>Top") && below.contains("<h5>Sub</h5>"),
                "{below}"
            );
            assert!(below.contains("&lt;h1&gt;raw&lt;/h1&gt;"), "{below}");
        }
    }

    /// A publication whose long texts the loader moved to its temporary file renders
    /// byte for byte as the same publication held in memory.
    #[test]
    fn texts_kept_out_of_memory_render_as_those_in_memory() {
        for bom in [false, true] {
            let (loaded, expected) = crate::load::tests::loaded_with_spilled_texts(bom);
            assert_eq!(render(&loaded), render(&expected), "bom: {bom}");
        }
    }

    #[test]
    fn with_raw_html_allowed_the_article_is_rendered_again_below_the_heading() {
        let publication = publication("one", true);
        let shared = Shared::new(&publication);
        for (i, article) in publication.articles.iter().enumerate() {
            let below = shared.article_html_below(i, 4);
            assert_eq!(below, rss::content_html(&publication, article, Some(4)));
            // The source's own <h1> is not one of the Markdown's headings.
            assert!(below.contains("<h1>raw</h1>"), "{below}");
            assert!(
                below.contains("<h4>Top") && below.contains("<h5>Sub</h5>"),
                "{below}"
            );
        }
    }
}
