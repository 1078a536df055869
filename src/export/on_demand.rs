//! One file of a build at a time, by its path: what `calfeed serve` renders when a file is
//! asked for, instead of every file of the build at once.
//!
//! [`OnDemand`] owns one build's publications and, for each, what
//! [`super::render_publication`] computes once for all its files (the archive's pages, the
//! categories, the feeds' selection, the VTIMEZONEs, the articles' HTML, the last two at
//! first use): a [`Shared`] view is made from them for each file. A path maps back to its
//! renderer through the table of kinds (`files::Kind`); each file is byte for byte the one
//! [`super::render_all`] gives (the tests below check every path of several
//! publications).

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

use super::Caches;
use super::pages::period::{Archive, Item, year_name};
use super::{Shared, atom, files, html, ics, json, pages, rss};
use crate::model::Publication;

/// One build's publications and what their files are rendered from, owned: keep it for as
/// long as files may be asked for.
pub struct OnDemand {
    publications: Arc<[Publication]>,
    prepared: Vec<Prepared>,
    /// Publication positions by slug.
    by_slug: HashMap<String, usize>,
}

/// What one publication's files share, computed once.
struct Prepared {
    caches: Caches,
    archive: Archive,
    /// Article positions by id (events have theirs in the publication).
    articles: HashMap<String, usize>,
    /// The archive's pages by name (`2024`, `2024-03-2`).
    pages: HashMap<String, usize>,
    /// The years that have a calendar, newest first.
    years: Vec<i32>,
}

/// A file of the build: which renderer, for which publication (by position) and item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Index,
    Of(usize, Part),
}

/// A file of one publication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Calendar,
    Rss,
    Atom,
    JsonFeed,
    Page,
    /// The `i`th event's own file.
    EventCalendar(usize),
    Permalink(Item),
    Archive,
    /// The `i`th page of the archive.
    ArchivePage(usize),
    ArchiveCalendar(i32),
    /// The `i`th category's calendar.
    CategoryCalendar(usize),
    CategoryFeed(usize),
}

impl OnDemand {
    /// Prepares `publications` (validated, with unique slugs, as the loader gives them):
    /// their archives and categories; nothing is rendered.
    pub fn new(publications: Vec<Publication>) -> OnDemand {
        let prepared = publications
            .iter()
            .map(|publication| {
                // The archive and the shared caches each sort every item: side by side.
                let (archive, caches) = std::thread::scope(|scope| {
                    let caches = scope.spawn(|| Caches::new(publication));
                    let archive = Archive::new(publication);
                    let caches = caches
                        .join()
                        .unwrap_or_else(|p| std::panic::resume_unwind(p));
                    (archive, caches)
                });
                let pages = archive
                    .pages
                    .iter()
                    .enumerate()
                    .map(|(i, page)| (page.name(), i))
                    .collect();
                let articles = publication
                    .articles
                    .iter()
                    .enumerate()
                    .map(|(i, article)| (article.id.clone(), i))
                    .collect();
                Prepared {
                    caches,
                    years: archive.years_with_events(),
                    archive,
                    articles,
                    pages,
                }
            })
            .collect();
        let by_slug = publications
            .iter()
            .enumerate()
            .map(|(i, p)| (p.slug.clone(), i))
            .collect();
        OnDemand {
            publications: publications.into(),
            prepared,
            by_slug,
        }
    }

    /// The publications, in the loader's order.
    pub fn publications(&self) -> &[Publication] {
        &self.publications
    }

    /// Whether a build writes a file at `path` (relative, e.g. `show/archive/2024.ics`).
    pub fn contains(&self, path: &str) -> bool {
        self.lookup(path).is_some()
    }

    /// The slug of the publication whose file `path` is (`None` for the index page, which
    /// lists them all, and for a path a build does not write).
    pub fn slug_of(&self, path: &str) -> Option<&str> {
        match self.lookup(path)? {
            Target::Index => None,
            Target::Of(p, _) => Some(&self.publications[p].slug),
        }
    }

    /// The bytes of the file at `path`, as [`super::render_all`] gives them; `None` when a
    /// build writes no such file.
    pub fn render_path(&self, path: &str) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        self.write_path(path, &mut out)?
            .unwrap_or_else(|e| panic!("writing to memory cannot fail: {e}"));
        Some(out)
    }

    /// Writes the file at `path` into `out`; `None` when a build writes no such file.
    pub fn write_path(&self, path: &str, out: &mut dyn Write) -> Option<io::Result<()>> {
        let target = self.lookup(path)?;
        Some(self.write(target, out))
    }

    /// How many files a build writes.
    pub fn len(&self) -> usize {
        1 + self
            .publications
            .iter()
            .zip(&self.prepared)
            .map(|(publication, prepared)| {
                // Calendar, feeds, page, archive's contents; then the rest.
                5 + 1
                    + 2 * publication.events.len()
                    + publication.articles.len()
                    + prepared.archive.pages.len()
                    + prepared.years.len()
                    + 2 * prepared.caches.categories().len()
            })
            .sum::<usize>()
    }

    /// Never: there is always the index page.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Every path a build writes, each publication's then the index page.
    pub fn paths(&self) -> Vec<String> {
        let mut paths = Vec::with_capacity(self.len());
        for p in 0..self.publications.len() {
            paths.extend(self.paths_of_publication(p));
        }
        paths.push(files::INDEX.to_string());
        paths
    }

    /// Every path a build writes for the publication `slug` (none when there is no such
    /// publication).
    pub fn paths_of(&self, slug: &str) -> Vec<String> {
        self.by_slug
            .get(slug)
            .map_or_else(Vec::new, |&p| self.paths_of_publication(p))
    }

    fn paths_of_publication(&self, p: usize) -> Vec<String> {
        let publication = &self.publications[p];
        let prepared = &self.prepared[p];
        let events = publication.events.len();
        let mut parts = vec![
            Part::Calendar,
            Part::Rss,
            Part::Atom,
            Part::JsonFeed,
            Part::Page,
            Part::Archive,
        ];
        parts.extend((0..events).map(Part::EventCalendar));
        parts.extend((0..events).map(|i| Part::Permalink(Item::Event(i))));
        parts.extend((0..publication.articles.len()).map(|i| Part::Permalink(Item::Article(i))));
        parts.extend((0..prepared.archive.pages.len()).map(Part::ArchivePage));
        parts.extend(prepared.years.iter().map(|&y| Part::ArchiveCalendar(y)));
        for c in 0..prepared.caches.categories().len() {
            parts.extend([Part::CategoryCalendar(c), Part::CategoryFeed(c)]);
        }
        parts
            .into_iter()
            .map(|part| self.path_of(Target::Of(p, part)))
            .collect()
    }

    /// The path of `target`, as the build names it.
    fn path_of(&self, target: Target) -> String {
        let Target::Of(p, part) = target else {
            return files::INDEX.to_string();
        };
        let publication = &self.publications[p];
        let prepared = &self.prepared[p];
        let slug = &publication.slug;
        match part {
            Part::Calendar => files::calendar(slug),
            Part::Rss => files::rss(slug),
            Part::Atom => files::atom(slug),
            Part::JsonFeed => files::json_feed(slug),
            Part::Page => files::page(slug),
            Part::EventCalendar(i) => files::event_calendar(slug, &publication.events[i].id),
            Part::Permalink(Item::Event(i)) => files::permalink(slug, &publication.events[i].id),
            Part::Permalink(Item::Article(i)) => {
                files::permalink(slug, &publication.articles[i].id)
            }
            Part::Archive => files::archive(slug),
            Part::ArchivePage(i) => files::archive_page(slug, &prepared.archive.pages[i].name()),
            Part::ArchiveCalendar(year) => files::archive_calendar(slug, &year_name(year)),
            Part::CategoryCalendar(c) => {
                files::category_calendar(slug, &prepared.caches.categories()[c].file_name)
            }
            Part::CategoryFeed(c) => {
                files::category_feed(slug, &prepared.caches.categories()[c].file_name)
            }
        }
    }

    /// The file a build writes at `path`, if any. A path is parsed, then checked against
    /// the path the build gives what it names, so that only the build's own spelling of a
    /// path names a file.
    fn lookup(&self, path: &str) -> Option<Target> {
        if path == files::INDEX {
            return Some(Target::Index);
        }
        let (p, part) = match path.split_once('/') {
            None => {
                let (slug, extension) = path.rsplit_once('.')?;
                let part = match extension {
                    "ics" => Part::Calendar,
                    "xml" => Part::Rss,
                    "atom" => Part::Atom,
                    "json" => Part::JsonFeed,
                    _ => return None,
                };
                (*self.by_slug.get(slug)?, part)
            }
            Some((slug, rest)) => {
                let p = *self.by_slug.get(slug)?;
                (p, self.part_of(p, rest)?)
            }
        };
        let target = Target::Of(p, part);
        (self.path_of(target) == path).then_some(target)
    }

    /// What `rest` names in the folder of the `p`th publication.
    fn part_of(&self, p: usize, rest: &str) -> Option<Part> {
        let publication = &self.publications[p];
        let prepared = &self.prepared[p];
        if rest == "index.html" {
            return Some(Part::Page);
        }
        if let Some(name) = rest.strip_prefix(files::ARCHIVE_DIR) {
            if name == "index.html" {
                return Some(Part::Archive);
            }
            let (stem, extension) = name.rsplit_once('.')?;
            return match extension {
                "html" => prepared.pages.get(stem).map(|&i| Part::ArchivePage(i)),
                "ics" => {
                    let year = stem.parse().ok()?;
                    prepared
                        .years
                        .contains(&year)
                        .then_some(Part::ArchiveCalendar(year))
                }
                _ => None,
            };
        }
        if let Some(name) = rest.strip_prefix(files::CATEGORY_DIR) {
            let (stem, extension) = name.rsplit_once('.')?;
            let c = prepared
                .caches
                .categories()
                .iter()
                .position(|c| c.file_name == stem)?;
            return match extension {
                "ics" => Some(Part::CategoryCalendar(c)),
                "xml" => Some(Part::CategoryFeed(c)),
                _ => None,
            };
        }
        let (id, extension) = rest.rsplit_once('.')?;
        let event = publication.event_index.get(id).copied();
        match extension {
            "ics" => event.map(Part::EventCalendar),
            "html" => event
                .map(Item::Event)
                .or_else(|| prepared.articles.get(id).map(|&i| Item::Article(i)))
                .map(Part::Permalink),
            _ => None,
        }
    }

    /// Renders `target` into `out`. What budgets leave out is not reported here (`build`
    /// and `check` do).
    fn write(&self, target: Target, out: &mut dyn Write) -> io::Result<()> {
        let Target::Of(p, part) = target else {
            return out.write_all(html::index_page(&self.publications).as_bytes());
        };
        let publication = &self.publications[p];
        let prepared = &self.prepared[p];
        let shared = Shared::view(publication, &prepared.caches);
        let archive = &prepared.archive;
        let category = |c: usize| shared.for_category(&prepared.caches.categories()[c]);
        match part {
            Part::Calendar => ics::write_calendar_only(&shared, out),
            Part::Rss => rss::write_feed(&shared, out),
            Part::Atom => atom::write_feed(&shared, out),
            Part::JsonFeed => json::write_feed(&shared, out),
            Part::Page => html::write_publication_page(&shared, out),
            Part::EventCalendar(i) => ics::write_event(&shared, &publication.events[i], out),
            Part::Permalink(item) => pages::write_permalink(&shared, archive, item, out),
            Part::Archive => pages::archive::write_index(&shared, archive, out),
            Part::ArchivePage(i) => pages::archive::write_page(&shared, archive, i, out),
            Part::ArchiveCalendar(year) => ics::write_year_calendar(&shared, archive, year, out),
            Part::CategoryCalendar(c) => ics::write_calendar_only(&category(c), out),
            Part::CategoryFeed(c) => rss::write_feed(&category(c), out),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::load::test_publication;

    /// A publication with categories (`by_category`), a repeating event, events in
    /// several years and zones, and enough articles in one month for the archive to cut
    /// it into parts.
    fn large(slug: &str, allow_html: bool) -> Publication {
        let mut text = format!(
            r#"
[channel]
title = "On demand"
description = "D"
link = "https://example.org/on/"
language = "en"
timezone = "Europe/London"
updated = "2024-10-01T09:00:00Z"
allow_html = {allow_html}
by_category = {{ feed_items = 3 }}

[[events]]
id = "weekly"
title = "Weekly"
start = "2024-10-10T19:00"
duration = "1h"
categories = ["Talks", "Launch event"]
repeat = {{ every = "week", on = ["th"], count = 8 }}

[[events]]
id = "tokyo"
title = "Tokyo"
start = "2023-11-02T18:00"
timezone = "Asia/Tokyo"
categories = ["talks"]

[[events]]
id = "fair"
title = "Fair"
start = "2022-03-10"
end = "2022-03-12"
"#
        );
        for i in 0..520 {
            let day = i % 28 + 1;
            let month = if i < 505 { 3 } else { 4 };
            let (events, categories) = match i % 3 {
                0 => (r#"["weekly", "fair"]"#, r#"["Talks"]"#),
                1 => (r#"["tokyo"]"#, "[]"),
                _ => ("[]", r#"["Other, things"]"#),
            };
            let top = "#".repeat(i % 3 + 1);
            text.push_str(&format!(
                "\n[[articles]]\nid = \"a{i}\"\ntitle = \"Article {i}\"\n\
                 published = \"2024-{month:02}-{day:02}\"\nevents = {events}\n\
                 categories = {categories}\n\
                 content = \"{top} Top {i}\\n\\n{top}# Sub\\n\\n<h1>raw</h1> **{i}**\"\n"
            ));
        }
        test_publication(slug, &text)
    }

    /// Checks that `on_demand` names exactly the files `render_all` writes for the same
    /// publications, and renders each of them byte for byte.
    fn agrees_with_render_all(publications: Vec<Publication>) {
        let all: BTreeMap<String, Vec<u8>> = super::super::render_all(&publications)
            .into_iter()
            .map(|o| (o.path.to_str().unwrap().to_string(), o.contents))
            .collect();
        let on_demand = OnDemand::new(publications);
        let paths: BTreeSet<String> = on_demand.paths().into_iter().collect();
        assert_eq!(
            paths,
            all.keys().cloned().collect::<BTreeSet<_>>(),
            "the paths"
        );
        assert_eq!(on_demand.len(), all.len());
        for (path, bytes) in &all {
            assert!(on_demand.contains(path), "{path}");
            let rendered = on_demand.render_path(path).expect(path);
            assert!(rendered == *bytes, "{path} differs from render_all's");
        }
    }

    #[test]
    fn every_file_is_the_one_render_all_writes() {
        let publications = vec![large("one", false), large("two", true)];
        // The test covers what it means to.
        let on_demand = OnDemand::new(publications.clone());
        let paths = on_demand.paths();
        for wanted in [
            "one/archive/2024-03-2.html",
            "one/archive/2022.ics",
            "one/archive/2023.ics",
            "one/category/talks.xml",
            "one/category/launch-event.ics",
            "two/tokyo.ics",
            "two/a7.html",
        ] {
            assert!(paths.iter().any(|p| p == wanted), "{wanted}: {paths:?}");
        }
        agrees_with_render_all(publications);
    }

    #[test]
    fn spilled_texts_render_as_render_all_writes_them() {
        for bom in [false, true] {
            let (loaded, _) = crate::load::tests::loaded_with_spilled_texts(bom);
            agrees_with_render_all(vec![loaded]);
        }
    }

    #[test]
    fn other_paths_name_nothing() {
        let on_demand = OnDemand::new(vec![large("one", false)]);
        for path in [
            "",
            "/",
            "/index.html",
            "one",
            "one/",
            "one.html",
            "one.ics/",
            "ONE.ics",
            "two.ics",
            "one/index.ics",
            "one/nope.ics",
            "one/a7.ics",
            "one/weekly.xml",
            "one/archive",
            "one/archive/",
            "one/archive/2021.ics",
            "one/archive/2024.ics.ics",
            "one/archive/02024.ics",
            "one/archive/+2024.ics",
            "one/archive/2025.html",
            "one/archive/index.ics",
            "one/category/",
            "one/category/nope.ics",
            "one/category/talks.atom",
            "one/category/talks",
            "one/sub/weekly.ics",
            "one//weekly.ics",
            "one/weekly.ics/",
            "./one.ics",
            "one/../one.ics",
        ] {
            assert!(!on_demand.contains(path), "{path}");
            assert_eq!(on_demand.render_path(path), None, "{path}");
        }
    }
}
