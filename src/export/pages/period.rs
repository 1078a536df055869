//! How the archive is cut into pages: every event and article dated and sorted, then
//! grouped by year; a year holding more than [`PAGE_ITEMS`] is split into months, and a
//! month holding more into numbered parts of [`PAGE_ITEMS`]. Pure: no HTML here.

use std::ops::Range;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::model::{Event, Publication, Schedule};

/// The most events and articles one archive page lists: at a few hundred bytes each, a
/// page stays far under 1 MB however large the publication.
pub const PAGE_ITEMS: usize = 500;

/// A year, or a month of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Year(i32),
    Month(i32, u32),
}

/// One archive page: a period, or one part of a month too full for one page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub period: Period,
    /// 1-based; a period on one page is part 1 of 1.
    pub part: usize,
    pub parts: usize,
    /// The entries it lists, as positions in [`Archive::entries`].
    pub range: Range<usize>,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Page {
    pub fn year(&self) -> i32 {
        match self.period {
            Period::Year(year) | Period::Month(year, _) => year,
        }
    }

    /// The page's file name without `.html`: `2024`, `2024-03`, and `2024-03-2` for the
    /// second part of March 2024 (the first part is `2024-03`).
    pub fn name(&self) -> String {
        let mut name = match self.period {
            Period::Year(year) => year_name(year),
            Period::Month(year, month) => format!("{}-{month:02}", year_name(year)),
        };
        if self.part > 1 {
            name.push_str(&format!("-{}", self.part));
        }
        name
    }

    /// As a heading says it: `2024`, `March 2024`, `March 2024, part 2 of 3`.
    pub fn title(&self) -> String {
        let mut title = match self.period {
            Period::Year(year) => year.to_string(),
            Period::Month(year, month) => format!("{} {year}", MONTHS[month as usize - 1]),
        };
        if self.parts > 1 {
            title.push_str(&format!(", part {} of {}", self.part, self.parts));
        }
        title
    }
}

/// A year as file names spell it (`2024`): the yearly calendar's and the pages'.
pub fn year_name(year: i32) -> String {
    format!("{year:04}")
}

/// Cuts `dates` (ascending) into pages of at most `max` entries: a year on one page when it
/// fits, else its months, and a month that does not fit in parts.
pub fn paginate(dates: &[NaiveDate], max: usize) -> Vec<Page> {
    let max = max.max(1);
    let mut pages = Vec::new();
    for year in runs(dates, 0..dates.len(), |d| (d.year(), 0)) {
        let y = dates[year.start].year();
        if year.len() <= max {
            pages.push(Page {
                period: Period::Year(y),
                part: 1,
                parts: 1,
                range: year,
            });
            continue;
        }
        for month in runs(dates, year, |d| (d.year(), d.month())) {
            let period = Period::Month(y, dates[month.start].month());
            let parts = month.len().div_ceil(max);
            for part in 0..parts {
                let start = month.start + part * max;
                pages.push(Page {
                    period,
                    part: part + 1,
                    parts,
                    range: start..(start + max).min(month.end),
                });
            }
        }
    }
    pages
}

/// The maximal runs of `range` over which `key` stays the same.
fn runs<K: PartialEq>(
    dates: &[NaiveDate],
    range: Range<usize>,
    key: impl Fn(&NaiveDate) -> K,
) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let mut start = range.start;
    for i in range.clone() {
        if i > start && key(&dates[i]) != key(&dates[start]) {
            runs.push(start..i);
            start = i;
        }
    }
    if start < range.end {
        runs.push(start..range.end);
    }
    runs
}

/// An event or an article, by its position in the publication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    Event(usize),
    Article(usize),
}

/// One line of the archive.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// The day it is filed under: an event's first day in its own zone, an article's
    /// publication day in the channel's.
    pub date: NaiveDate,
    pub at: DateTime<Utc>,
    pub item: Item,
}

/// Every event and article of a publication, dated and cut into pages.
pub struct Archive {
    /// Oldest first (by day, then instant, then events before articles, then position).
    pub entries: Vec<Entry>,
    pub pages: Vec<Page>,
    /// The page of each event and of each article, by position.
    event_page: Vec<usize>,
    article_page: Vec<usize>,
}

impl Archive {
    pub fn new(publication: &Publication) -> Archive {
        Self::with_page_size(publication, PAGE_ITEMS)
    }

    pub fn with_page_size(publication: &Publication, max: usize) -> Archive {
        let zone = &publication.channel.zone;
        let mut entries: Vec<Entry> = publication
            .events
            .iter()
            .enumerate()
            .map(|(i, event)| {
                let (date, at) = event_day(event);
                Entry {
                    date,
                    at,
                    item: Item::Event(i),
                }
            })
            .chain(
                publication
                    .articles
                    .iter()
                    .enumerate()
                    .map(|(i, article)| Entry {
                        date: zone.localize(article.published).date_naive(),
                        at: article.published,
                        item: Item::Article(i),
                    }),
            )
            .collect();
        let order = |item: Item| match item {
            Item::Event(i) => (0, i),
            Item::Article(i) => (1, i),
        };
        entries.sort_by_key(|e| (e.date, e.at, order(e.item)));
        let dates: Vec<NaiveDate> = entries.iter().map(|e| e.date).collect();
        let pages = paginate(&dates, max);
        let mut event_page = vec![0; publication.events.len()];
        let mut article_page = vec![0; publication.articles.len()];
        for (p, page) in pages.iter().enumerate() {
            for entry in &entries[page.range.clone()] {
                match entry.item {
                    Item::Event(i) => event_page[i] = p,
                    Item::Article(i) => article_page[i] = p,
                }
            }
        }
        Archive {
            entries,
            pages,
            event_page,
            article_page,
        }
    }

    /// The position in [`Archive::pages`] of the page that lists `item`.
    pub fn page_of(&self, item: Item) -> usize {
        match item {
            Item::Event(i) => self.event_page[i],
            Item::Article(i) => self.article_page[i],
        }
    }

    /// The years that have events, newest first: each has a calendar.
    pub fn years_with_events(&self) -> Vec<i32> {
        let mut years: Vec<i32> = self
            .entries
            .iter()
            .filter(|e| matches!(e.item, Item::Event(_)))
            .map(|e| e.date.year())
            .collect();
        years.dedup();
        years.reverse();
        years
    }

    /// The events filed under `year`, in the order of the data (as in the calendar).
    pub fn events_of_year<'p>(&self, publication: &'p Publication, year: i32) -> Vec<&'p Event> {
        self.event_positions_of_year(year)
            .into_iter()
            .map(|i| &publication.events[i])
            .collect()
    }

    /// The positions of the events filed under `year`, in the order of the data.
    pub fn event_positions_of_year(&self, year: i32) -> Vec<usize> {
        let mut positions: Vec<usize> = self
            .entries
            .iter()
            .filter(|e| e.date.year() == year)
            .filter_map(|e| match e.item {
                Item::Event(i) => Some(i),
                Item::Article(_) => None,
            })
            .collect();
        positions.sort_unstable();
        positions
    }
}

/// The day an event is filed under (its first day, in its own zone) and its start.
pub fn event_day(event: &Event) -> (NaiveDate, DateTime<Utc>) {
    match event.schedule {
        Schedule::Timed { start, zone, .. } => (zone.localize(start).date_naive(), start),
        Schedule::AllDay { start, .. } => (start, start.and_time(chrono::NaiveTime::MIN).and_utc()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(spec: &[(i32, u32, usize)]) -> Vec<NaiveDate> {
        spec.iter()
            .flat_map(|&(y, m, n)| {
                (0..n).map(move |i| NaiveDate::from_ymd_opt(y, m, 1 + (i % 28) as u32).unwrap())
            })
            .collect()
    }

    fn sorted(mut dates: Vec<NaiveDate>) -> Vec<NaiveDate> {
        dates.sort();
        dates
    }

    #[test]
    fn a_year_that_fits_is_one_page() {
        let dates = sorted(days(&[(2021, 3, 2), (2021, 7, 3), (2022, 1, 1)]));
        let pages = paginate(&dates, 5);
        let names: Vec<String> = pages.iter().map(Page::name).collect();
        assert_eq!(names, ["2021", "2022"]);
        assert_eq!(pages[0].range, 0..5);
        assert_eq!(pages[1].range, 5..6);
        assert_eq!(pages[0].title(), "2021");
    }

    #[test]
    fn a_full_year_is_split_into_months_and_a_full_month_into_parts() {
        let dates = sorted(days(&[
            (2020, 12, 1),
            (2021, 1, 2),
            (2021, 3, 7),
            (2021, 4, 1),
        ]));
        let pages = paginate(&dates, 3);
        let shown: Vec<(String, String, Range<usize>)> = pages
            .iter()
            .map(|p| (p.name(), p.title(), p.range.clone()))
            .collect();
        assert_eq!(
            shown,
            [
                ("2020".into(), "2020".into(), 0..1),
                ("2021-01".into(), "January 2021".into(), 1..3),
                ("2021-03".into(), "March 2021, part 1 of 3".into(), 3..6),
                ("2021-03-2".into(), "March 2021, part 2 of 3".into(), 6..9),
                ("2021-03-3".into(), "March 2021, part 3 of 3".into(), 9..10),
                ("2021-04".into(), "April 2021".into(), 10..11),
            ]
        );
    }

    #[test]
    fn pages_cover_every_entry_once_in_order_and_none_is_too_full() {
        // Uneven months across years, page sizes from 1 up.
        let dates = sorted(days(&[
            (2019, 5, 40),
            (2020, 1, 1),
            (2020, 2, 13),
            (2020, 11, 27),
            (2023, 6, 3),
        ]));
        for max in 1..50 {
            let pages = paginate(&dates, max);
            let mut next = 0;
            for page in &pages {
                assert_eq!(page.range.start, next, "max {max}");
                assert!(
                    !page.range.is_empty() && page.range.len() <= max,
                    "max {max}"
                );
                for d in &dates[page.range.clone()] {
                    assert_eq!(d.year(), page.year());
                    if let Period::Month(_, m) = page.period {
                        assert_eq!(d.month(), m);
                    }
                }
                next = page.range.end;
            }
            assert_eq!(next, dates.len(), "max {max}");
            let mut names: Vec<String> = pages.iter().map(Page::name).collect();
            names.dedup();
            assert_eq!(names.len(), pages.len(), "names are unique");
        }
    }

    #[test]
    fn nothing_to_file_is_no_page() {
        assert!(paginate(&[], 10).is_empty());
    }
}
