//! The publish guard's policy: which published calendar each new one is compared with, and
//! when a finding stops the build. The comparison itself is [`crate::changes`].

use std::fmt;
use std::fs;
use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

use super::Build;
use crate::changes::{self, Change, Unbumped};
use crate::export::{self, files};
use crate::model::Publication;
use crate::publish::Staging;

/// Whether a finding stops the build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Warning,
    Error,
}

/// Something subscribers would miss, found by comparing a new calendar with the published
/// one. Its text (without the severity) is what the command line prints.
#[derive(Clone, Debug)]
pub struct Finding {
    pub severity: Severity,
    /// The publication's file.
    pub source: String,
    pub kind: FindingKind,
}

#[derive(Clone, Debug)]
pub enum FindingKind {
    /// An event changed without a higher `sequence`.
    Unbumped(Unbumped),
    /// An event that was published is gone.
    Removed(Box<Change>),
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FindingKind::Unbumped(unbumped) => write!(f, "{}: {unbumped}", self.source),
            FindingKind::Removed(removed) => write!(
                f,
                "{}: {removed}; to tell subscribers, keep the event with status = \"cancelled\"",
                self.source
            ),
        }
    }
}

/// A new calendar to compare, read line by line: a large calendar is never held whole.
type Calendar = Box<dyn BufRead>;

pub(super) struct Guard<'a, R: FnMut(&Finding)> {
    build: &'a Build,
    publications: &'a [Publication],
    report: &'a mut R,
    blocked: bool,
}

impl<'a, R: FnMut(&Finding)> Guard<'a, R> {
    pub(super) fn new(
        build: &'a Build,
        publications: &'a [Publication],
        report: &'a mut R,
    ) -> Self {
        Guard {
            build,
            publications,
            report,
            blocked: false,
        }
    }

    /// Compares the calendars a build has staged (or left in place, unchanged: the
    /// published calendar itself, with nothing to report). True when the build must stop.
    pub(super) fn inspect_staged(self, staging: &Staging) -> bool {
        self.inspect_all(|publication, published| {
            let new = staging.staged_file(Path::new(&files::calendar(&publication.slug)))?;
            let same = |a: &Path, b: &Path| {
                fs::canonicalize(a).is_ok_and(|a| fs::canonicalize(b).is_ok_and(|b| a == b))
            };
            if same(&new, published) {
                return None;
            }
            let file = fs::File::open(new).ok()?;
            Some(Box::new(io::BufReader::new(file)))
        })
    }

    /// Renders the calendars again to compare them: `check` streams every file and keeps
    /// none. Without the articles this is a fraction of a build, and it goes into a
    /// temporary file rather than memory. True when the build must stop.
    pub(super) fn inspect_rendered(self) -> bool {
        self.inspect_all(|publication, _| {
            let shared = export::Shared::without_articles(publication);
            let in_file = || -> io::Result<fs::File> {
                let mut file = io::BufWriter::new(tempfile::tempfile()?);
                export::ics::write_calendar_only(&shared, &mut file)?;
                let mut file = file.into_inner().map_err(|e| e.into_error())?;
                io::Seek::rewind(&mut file)?;
                Ok(file)
            };
            Some(match in_file() {
                Ok(file) => Box::new(io::BufReader::new(file)),
                // No temporary file: the guard still runs, in memory.
                Err(_) => Box::new(io::Cursor::new(export::ics::calendar(&shared))),
            })
        })
    }

    /// Compares calendars the caller has rendered already (`calfeed serve` holds them in
    /// memory). True when the build must stop.
    pub(super) fn inspect_given(self, calendar: impl Fn(&Publication) -> Option<Calendar>) -> bool {
        self.inspect_all(|publication, _| calendar(publication))
    }

    /// Compares every publication's calendar, as `calendar` gives it (it is also given the
    /// published calendar's path; `None` skips the comparison), with its published one.
    fn inspect_all(mut self, calendar: impl Fn(&Publication, &Path) -> Option<Calendar>) -> bool {
        for publication in self.publications {
            let Some(published) = self.published(publication) else {
                continue;
            };
            let Ok(old) = fs::File::open(&published) else {
                continue;
            };
            let Some(new) = calendar(publication, &published) else {
                continue;
            };
            let found = changes::guard_from(io::BufReader::new(old), new);
            for unbumped in found.unbumped {
                self.found(
                    publication,
                    !self.build.allow_unbumped,
                    FindingKind::Unbumped(unbumped),
                );
            }
            // An event the calendar's budget left out is still in the data, on the pages
            // and in its own file: subscribers lose a past event, which is what the budget
            // is for, and no one is to be told it was removed.
            let still_published = |change: &Change| match change {
                Change::Removed(entry) => publication.event(entry.id()).is_some(),
                _ => false,
            };
            for removed in found.removed.into_iter().filter(|c| !still_published(c)) {
                self.found(
                    publication,
                    self.build.strict,
                    FindingKind::Removed(Box::new(removed)),
                );
            }
        }
        self.blocked
    }

    fn found(&mut self, publication: &Publication, stops: bool, kind: FindingKind) {
        let severity = if stops {
            Severity::Error
        } else {
            Severity::Warning
        };
        (self.report)(&Finding {
            severity,
            source: publication.source.clone(),
            kind,
        });
        self.blocked |= stops;
    }

    /// The published calendar `publication`'s new one is compared with: in the folder of
    /// previous calendars, or the one file given (when it is the only publication's, or
    /// named after it).
    fn published(&self, publication: &Publication) -> Option<PathBuf> {
        let previous = self.build.previous();
        if previous.is_dir() {
            Some(previous.join(files::calendar(&publication.slug)))
        } else if self.publications.len() == 1
            || previous
                .file_stem()
                .is_some_and(|s| *s == *publication.slug)
        {
            Some(previous.to_path_buf())
        } else {
            None
        }
    }
}
