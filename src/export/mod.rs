//! One renderer per output format, behind one narrow interface: a validated
//! [`Publication`] in, the files it publishes out (paths relative to the output directory),
//! each written into a [`Sink`] as it is rendered. [`for_each_output`] runs the renderers
//! on several threads; [`Shared`] holds what several of them need, computed once.

mod add_links;
pub mod atom;
mod budget;
pub mod categories;
mod content;
mod document;
mod escape;
pub mod files;
pub mod html;
pub mod ical_text;
pub mod ics;
mod jobs;
pub mod json;
pub mod markdown;
pub mod on_demand;
pub mod pages;
pub mod rss;
mod selection;
mod shared;
mod sink;
mod stamp;

pub use budget::{Dropped, Trimmed};
pub use shared::{Caches, Scope, Shared};
pub use sink::{Collect, Render, Sink};

use std::io;
use std::path::PathBuf;

use crate::model::Publication;

/// One file of the published output, held in memory (for `serve` and for tests; a build
/// streams its files to disk through a [`Sink`] instead).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// Relative to the output directory, e.g. `xiaomi-12s.ics`.
    pub path: PathBuf,
    pub contents: Vec<u8>,
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
    render_publication(publication, &collect, 1).unwrap_or_else(|e| unreachable(e));
    collect.into_outputs()
}

fn unreachable(e: io::Error) -> ! {
    panic!("writing to memory cannot fail: {e}")
}

/// Renders every file of a build into `sink`, on up to `threads` threads: each
/// publication's files, then the index page listing them all. Files are written as they
/// are rendered; the first error stops the build. Returns what budgets left out.
pub fn for_each_output(
    publications: &[Publication],
    sink: &dyn Sink,
    threads: usize,
) -> io::Result<Vec<Trimmed>> {
    let mut notes = Vec::new();
    for publication in publications {
        notes.extend(render_publication(publication, sink, threads)?);
    }
    sink.file(files::INDEX, &mut |w| {
        w.write_all(html::index_page(publications).as_bytes())
    })?;
    Ok(notes)
}

/// Lets a build pass an output on as the last build left it instead of rendering it: the
/// build cache's way of rendering again only what an edit changed. Asked about each
/// per-item output (each event's and article's permalink, each event's one-event file)
/// before it is rendered; the whole-publication outputs are always rendered.
pub trait Reuse: Sync {
    /// Whether the output at `path` was passed on to the sink as the last build left it
    /// (then it is not rendered). `key` gives a hash of everything its bytes depend on
    /// (`pages::key`): an output may be passed on only when the last build wrote it with
    /// the same key.
    fn pass_on(&self, path: &str, key: &dyn Fn() -> u128) -> io::Result<bool>;

    /// Whether any output may be passed on. When none can, every article's HTML is
    /// rendered up front on every thread (everything needs it); otherwise each article's
    /// is rendered when first needed, so that the permalinks passed on cost nothing.
    fn may_pass_on(&self) -> bool {
        true
    }
}

/// Passes nothing on: every output is rendered.
pub struct RenderAll;

impl Reuse for RenderAll {
    fn pass_on(&self, _: &str, _: &dyn Fn() -> u128) -> io::Result<bool> {
        Ok(false)
    }

    fn may_pass_on(&self) -> bool {
        false
    }
}

/// How many threads a build renders on: one per core, as the renderers are independent.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// One publication's outputs into `sink`, as independent jobs, largest first so that
/// `threads` workers taking the next job as they finish end at about the same time. What
/// it writes depends on the publication alone (not on the others, nor on `threads`).
/// Returns what budgets left out.
pub fn render_publication(
    publication: &Publication,
    sink: &dyn Sink,
    threads: usize,
) -> io::Result<Vec<Trimmed>> {
    render_publication_reusing(publication, sink, threads, &RenderAll)
}

/// [`render_publication`], except that each per-item output `reuse` passes on is not
/// rendered (see [`Reuse`]).
pub fn render_publication_reusing(
    publication: &Publication,
    sink: &dyn Sink,
    threads: usize,
    reuse: &dyn Reuse,
) -> io::Result<Vec<Trimmed>> {
    let caches;
    let shared = if reuse.may_pass_on() {
        caches = Caches::new(publication);
        Shared::view(publication, &caches)
    } else {
        Shared::with_threads(publication, threads)
    };
    let shared = &shared;
    let archive = pages::period::Archive::new(publication);
    let archive = &archive;
    let keyed = pages::key::Keyed::new(publication, reuse);
    let keyed = &keyed;
    let slug = &publication.slug;
    // The categories' budget notes, which join the publication's.
    let category_notes = std::sync::Mutex::new(Vec::new());
    let category_notes = &category_notes;
    type Job<'j> = Box<dyn Fn() -> io::Result<()> + Send + Sync + 'j>;
    let mut jobs: Vec<Job<'_>> = vec![
        Box::new(move || {
            sink.file(&files::page(slug), &mut |w| {
                html::write_publication_page(shared, w)
            })
        }),
        // The calendar's job also writes the one-event files and the archive's yearly
        // calendars: each VEVENT is rendered once, for all three.
        Box::new(move || ics::write_calendar_and_events(shared, sink, archive, keyed, threads)),
        Box::new(move || sink.file(&files::atom(slug), &mut |w| atom::write_feed(shared, w))),
        Box::new(move || {
            sink.file(&files::json_feed(slug), &mut |w| {
                json::write_feed(shared, w)
            })
        }),
        Box::new(move || sink.file(&files::rss(slug), &mut |w| rss::write_feed(shared, w))),
    ];
    // Each category's calendar and feed (`by_category`), sharing the articles' HTML.
    for category in shared.categories.iter() {
        jobs.push(Box::new(move || {
            let scoped = shared.for_category(category);
            sink.file(&scoped.scope.rss, &mut |w| rss::write_feed(&scoped, w))?;
            ics::write_calendar_only_into(&scoped, sink)?;
            category_notes
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((category.file_name.as_str(), scoped.notes()));
            Ok(())
        }));
    }
    // The archive and the permalinks: many small files, after the large ones.
    let pages = pages::Jobs {
        shared,
        archive,
        sink,
        keyed,
    };
    let large = jobs.len();
    jobs::run_jobs(large + pages.len(), threads, |i| match jobs.get(i) {
        Some(job) => job(),
        None => pages.run(i - large),
    })?;
    drop(jobs);
    let mut notes = shared.notes();
    // In the order of the categories, whichever thread rendered them.
    let mut by_category = category_notes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .split_off(0);
    by_category.sort_by(|a, b| a.0.cmp(b.0));
    notes.extend(by_category.into_iter().flat_map(|(_, n)| n));
    Ok(notes)
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

    /// More events than one thread of the calendar's job renders in a row (see
    /// `ics::measure`): the one-event files, the trimmed calendar and the yearly calendars
    /// come out the same on one thread and on three, and each file is what it is when
    /// rendered alone, as `serve` renders a file asked for.
    #[test]
    fn a_calendar_of_many_events_is_the_same_on_several_threads() {
        let mut text = String::from(
            r#"
[channel]
title = "Many"
description = "D"
link = "https://example.org/"
language = "en"
timezone = "Europe/London"
updated = "2024-10-01T09:00:00Z"
calendar_events = 300
"#,
        );
        for i in 0..700 {
            let zone = ["Europe/London", "Asia/Tokyo", "America/New_York"][i % 3];
            let (year, day) = (2021 + i % 4, i % 28 + 1);
            text.push_str(&format!(
                "\n[[events]]\nid = \"e{i}\"\ntitle = \"Event {i}\"\n\
                 start = \"{year}-{:02}-{day:02}T{:02}:00\"\nduration = \"1h\"\n\
                 timezone = \"{zone}\"\n",
                i % 12 + 1,
                i % 24
            ));
        }
        let publication = test_publication("many", &text);
        let build = |threads| {
            let collect = Collect::default();
            render_publication(&publication, &collect, threads).unwrap();
            sorted(collect.into_outputs())
        };
        let one = build(1);
        let three = build(3);
        let calendars = |outputs: &[Output]| {
            outputs
                .iter()
                .filter(|o| o.path.extension().is_some_and(|e| e == "ics"))
                .count()
        };
        // 700 one-event files, the calendar and four yearly calendars.
        assert_eq!(calendars(&one), 700 + 1 + 4);
        let on_demand = on_demand::OnDemand::new(vec![publication.clone()]);
        assert_eq!(one.len(), three.len());
        for (a, b) in one.iter().zip(&three) {
            assert!(
                a == b,
                "{} differs between 1 and 3 threads",
                a.path.display()
            );
            let alone = on_demand.render_path(&a.path.to_string_lossy());
            assert!(
                alone.as_deref() == Some(&a.contents[..]),
                "{} differs from the file rendered alone",
                a.path.display()
            );
        }
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
        // Each publication: page, calendar, three one-event files, Atom, JSON, RSS, the
        // archive's contents, its one page (2024) and calendar, and 28 permalinks; and the
        // index page.
        assert_eq!(one.len(), 2 * (8 + 3 + 28) + 1);
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
                content::content_html(&publication, article, None)
            );
            for keep in [false, true] {
                let below = shared.article_html_below(i, 4, keep);
                assert_eq!(below, content::content_html(&publication, article, Some(4)));
                assert!(
                    below.contains("<h4>Top") && below.contains("<h5>Sub</h5>"),
                    "{below}"
                );
                assert!(below.contains("&lt;h1&gt;raw&lt;/h1&gt;"), "{below}");
            }
        }
    }

    /// Only the articles that several outputs show (the feeds' newest and the page's
    /// latest) have their HTML kept; an article's own page renders it for itself and keeps
    /// nothing, and takes it from what is kept when it is.
    #[test]
    fn only_the_html_of_articles_shown_more_than_once_is_kept() {
        let mut publication = publication("one", false);
        publication.channel.budget.feed_items = 12;
        let shared = Shared::with_threads(&publication, 2);
        let shown: Vec<usize> = shared.feed_articles().map(|(i, _)| i).collect();
        assert_eq!(shown.len(), 12);
        let kept = |i: usize| shared.kept(i);
        let count = publication.articles.len();
        assert!(count > 12 + selection::LATEST_ON_PAGE);
        for i in 0..count {
            let expected = shown.contains(&i) || i < selection::LATEST_ON_PAGE;
            assert_eq!(kept(i), expected, "article {i}");
        }
        let alone = (0..count).find(|&i| !kept(i)).expect("an article not kept");
        let article = &publication.articles[alone];
        let own_page = shared.article_html_below(alone, 2, false);
        assert_eq!(
            own_page,
            content::content_html(&publication, article, Some(2))
        );
        assert!(!kept(alone), "its own page keeps nothing");
        shared.article_html_below(alone, 2, true);
        assert!(kept(alone));
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
            let below = shared.article_html_below(i, 4, true);
            assert_eq!(below, content::content_html(&publication, article, Some(4)));
            // The source's own <h1> is not one of the Markdown's headings.
            assert!(below.contains("<h1>raw</h1>"), "{below}");
            assert!(
                below.contains("<h4>Top") && below.contains("<h5>Sub</h5>"),
                "{below}"
            );
        }
    }
}
