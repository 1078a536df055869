//! The whole build as one call, with the guarantees the command line gives: load and
//! validate every publication, render every output, let the publish guard compare the new
//! calendars with the published ones, then stage and commit the files atomically; or, with
//! [`Build::check`], compare what a build would write with what is published, writing
//! nothing.
//!
//! A CMS or a bot embeds calfeed through [`Build`]. Nothing here prints: guard findings
//! reach the caller through a callback as they are found, and the outcome is a value.
//!
//! ```
//! use calfeed::build::{Build, Error};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let feeds = dir.path().join("feeds");
//! std::fs::create_dir(&feeds).unwrap();
//! let launch = |start: &str, sequence: u32| format!(r#"
//! [channel]
//! title = "Launches"
//! description = "Product launches"
//! link = "https://example.org/"
//! language = "en"
//! timezone = "Asia/Shanghai"
//!
//! [[events]]
//! id = "launch"
//! title = "Launch"
//! start = "{start}"
//! duration = "2h"
//! sequence = {sequence}
//! "#);
//! std::fs::write(feeds.join("launches.toml"), launch("2022-07-04T19:00", 0)).unwrap();
//!
//! let build = Build::new(&feeds, dir.path().join("public"));
//! let written = build.write(|finding| panic!("nothing to report yet: {finding}")).unwrap();
//! assert!(written.written.iter().any(|path| path.ends_with("launches.ics")));
//! assert_eq!(build.check(|_| {}).unwrap().stale, []);
//!
//! // Moving the launch without raising its sequence would leave subscribers' calendars
//! // with the old time: the guard stops the build, and nothing published changes.
//! std::fs::write(feeds.join("launches.toml"), launch("2022-07-05T19:00", 0)).unwrap();
//! let mut findings = Vec::new();
//! let stopped = build.write(|finding| findings.push(finding.to_string()));
//! assert!(matches!(stopped, Err(Error::Guard { .. })));
//! assert!(findings[0].contains("set `sequence = 1`"), "{findings:?}");
//! let published = dir.path().join("public/launches.ics");
//! assert!(std::fs::read_to_string(&published).unwrap().contains("DTSTART;TZID=Asia/Shanghai:20220704T190000"));
//!
//! // With the sequence raised, the build goes through.
//! std::fs::write(feeds.join("launches.toml"), launch("2022-07-05T19:00", 1)).unwrap();
//! build.write(|finding| panic!("{finding}")).unwrap();
//! assert!(std::fs::read_to_string(&published).unwrap().contains("DTSTART;TZID=Asia/Shanghai:20220705T190000"));
//! ```

mod cache;
mod folders;
mod guard;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::export::{self, Trimmed};
use crate::load::{self, LoadOptions};
use crate::model::Publication;
use crate::publish::{self, Stale};

pub use cache::CACHE;
pub use guard::{Finding, Severity};

/// What to build, from where to where, and how strictly to guard the published calendars.
#[derive(Clone, Debug)]
pub struct Build {
    /// The folder of publications (`<slug>.toml`, `<slug>.json`).
    pub input: PathBuf,
    /// The folder the outputs are published in.
    pub output: PathBuf,
    pub load: LoadOptions,
    /// The published calendars the guard compares with: a folder of `<slug>.ics` files or
    /// one `.ics` file. `None`: the output folder.
    pub previous: Option<PathBuf>,
    /// Publish an event that changed without a higher `sequence` (a warning, not an error).
    pub allow_unbumped: bool,
    /// Stop the build when an event published before is gone (an error, not a warning).
    pub strict: bool,
    /// Overwrite a file where an output goes that no earlier build wrote (it is not in
    /// the output folder's manifest); by default the build stops, naming it.
    pub adopt: bool,
    /// How many threads render.
    pub threads: usize,
}

/// How much a build holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub publications: usize,
    pub events: usize,
    pub articles: usize,
}

/// What [`Build::write`] did; paths are relative to the output folder.
#[derive(Debug)]
pub struct Written {
    pub summary: Summary,
    /// What the budgets left out of the subscribable outputs.
    pub trimmed: Vec<Trimmed>,
    pub written: Vec<PathBuf>,
    pub unchanged: Vec<PathBuf>,
    /// Files an earlier build wrote that this one no longer produces.
    pub removed: Vec<PathBuf>,
    /// How many publications were not rendered, their input and outputs being as the
    /// last build left them (see [`CACHE`]).
    pub reused: usize,
    /// How many per-item outputs (permalinks and one-event files) of the publications that
    /// were rendered were not, their key and file being as the last build left them (see
    /// [`CACHE`]).
    pub kept: usize,
    /// Nothing was loaded or rendered: the input, the settings and every output were as
    /// the last build left them.
    pub from_cache: bool,
}

/// What [`Build::check`] found.
#[derive(Debug)]
pub struct Checked {
    /// What the budgets leave out of the subscribable outputs.
    pub trimmed: Vec<Trimmed>,
    /// Outputs that are missing, differ from what a build writes, or are obsolete.
    pub stale: Vec<Stale>,
    /// How many files a build writes.
    pub produced: usize,
}

/// Why a build stopped. In every case nothing that was published has changed (a failed
/// commit undoes what it did; the rare file it cannot put back, its message names).
#[derive(Debug)]
pub enum Error {
    /// The input is invalid: every problem found.
    Input(Vec<Diagnostic>),
    /// The output folder could not be read (`check`) or written (`write`).
    Output {
        folder: PathBuf,
        writing: bool,
        source: io::Error,
    },
    /// The publish guard found a reason to stop (its findings went to the callback).
    Guard { previous: PathBuf },
    /// The input and output folders (or the input folder and `previous`) overlap: the
    /// build would overwrite or delete what it reads. Nothing was read or written.
    Overlap(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input(problems) => write!(
                f,
                "{} problem(s) in the input; nothing was written",
                problems.len()
            ),
            Error::Output {
                folder,
                writing,
                source,
            } => {
                let verb = if *writing { "write to" } else { "read" };
                write!(f, "cannot {verb} {}: {source}", folder.display())
            }
            Error::Guard { previous } => write!(
                f,
                "the publish guard stopped the build (compared with {}); nothing was written",
                previous.display()
            ),
            Error::Overlap(why) => write!(f, "{why}; nothing was written"),
        }
    }
}

impl std::error::Error for Error {}

impl Summary {
    pub fn of(publications: &[Publication]) -> Self {
        Summary {
            publications: publications.len(),
            events: publications.iter().map(|p| p.events.len()).sum(),
            articles: publications.iter().map(|p| p.articles.len()).sum(),
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} publication(s), {} event(s), {} article(s)",
            self.publications, self.events, self.articles
        )
    }
}

impl Build {
    /// A build of `input` into `output` with the command line's defaults: dates from
    /// `SOURCE_DATE_EPOCH`, the output folder as the guard's reference, unbumped changes
    /// refused, removed events allowed, one rendering thread per core.
    pub fn new(input: impl Into<PathBuf>, output: impl Into<PathBuf>) -> Self {
        Build {
            input: input.into(),
            output: output.into(),
            load: LoadOptions::from_env(),
            previous: None,
            allow_unbumped: false,
            strict: false,
            adopt: false,
            threads: export::default_threads(),
        }
    }

    /// Loads and validates every publication.
    pub fn load(&self) -> Result<Vec<Publication>, Error> {
        load::load_dir(&self.input, &self.load).map_err(Error::Input)
    }

    /// Refuses folders that overlap (see [`Error::Overlap`]).
    fn folders(&self) -> Result<(), Error> {
        match folders::overlap(&self.input, &self.output, self.previous.as_deref()) {
            Some(why) => Err(Error::Overlap(why)),
            None => Ok(()),
        }
    }

    fn previous(&self) -> &Path {
        self.previous.as_deref().unwrap_or(&self.output)
    }

    /// Builds and publishes. Each file is staged as it is rendered; nothing is renamed
    /// into place before the guard has seen every calendar and every file is staged.
    /// `report` hears each guard finding (warnings too) as it is found. When the input,
    /// the settings and the outputs are as the last build left them, nothing is loaded or
    /// rendered; publications whose own input and outputs are are not rendered (see
    /// [`CACHE`]).
    pub fn write(&self, mut report: impl FnMut(&Finding)) -> Result<Written, Error> {
        self.folders()?;
        let cache = cache::Cache::open(self);
        if let Some(unchanged) = cache.unchanged(self) {
            return Ok(unchanged);
        }
        let publications = self.load()?;
        let output_error = |source| Error::Output {
            folder: self.output.clone(),
            writing: true,
            source,
        };
        let staging = publish::Staging::new(&self.output)
            .map_err(output_error)?
            .adopting(self.adopt);
        let mut rendered = cache
            .render(&publications, &staging, self.threads)
            .map_err(output_error)?;
        let blocked = guard::Guard::new(self, &publications, &mut report).inspect_staged(&staging);
        if blocked {
            // Dropping the staging removes its temporary files.
            return Err(Error::Guard {
                previous: self.previous().to_path_buf(),
            });
        }
        // The model goes before the commit: the commit's and the cache's bookkeeping
        // (a few hundred thousand paths at N = 100 000) then reuse its memory. It is freed
        // on a thread of its own, beside the commit and the record: at N = 100 000,
        // freeing it alone takes a few tenths of a second.
        let summary = Summary::of(&publications);
        let loaded = cache::Loaded::of(&publications);
        let freeing = std::thread::spawn(move || drop(publications));
        rendered.note_paths(&staging);
        let done = staging.commit().map_err(output_error);
        if done.is_ok() {
            cache.save(&loaded, &rendered);
        }
        // (A panic while freeing would only have lost memory about to be freed anyway.)
        let _ = freeing.join();
        let done = done?;
        Ok(Written {
            summary,
            trimmed: rendered.trimmed.into_iter().flatten().collect(),
            written: done.written,
            unchanged: done.unchanged,
            removed: done.removed,
            reused: rendered.reused,
            kept: rendered.kept,
            from_cache: false,
        })
    }

    /// Runs the publish guard alone, as [`Build::write`] would before publishing, on
    /// calendars already rendered: `calendar` gives a publication's new `<slug>.ics`
    /// (`None` skips it). `report` hears each finding; true when a build would stop. For
    /// a preview that holds the outputs in memory (`calfeed serve`).
    pub fn guard(
        &self,
        publications: &[Publication],
        calendar: impl Fn(&Publication) -> Option<Vec<u8>>,
        mut report: impl FnMut(&Finding),
    ) -> bool {
        guard::Guard::new(self, publications, &mut report).inspect_given(|publication| {
            calendar(publication).map(|bytes| Box::new(io::Cursor::new(bytes)) as _)
        })
    }

    /// Compares what a build would write with what is published, writing nothing; the
    /// guard runs as it would for [`Build::write`].
    pub fn check(&self, mut report: impl FnMut(&Finding)) -> Result<Checked, Error> {
        self.folders()?;
        let publications = self.load()?;
        let checking = publish::Checking::new(&self.output);
        let trimmed =
            export::for_each_output(&publications, &checking, self.threads).map_err(|source| {
                Error::Output {
                    folder: self.output.clone(),
                    writing: false,
                    source,
                }
            })?;
        if guard::Guard::new(self, &publications, &mut report).inspect_rendered() {
            return Err(Error::Guard {
                previous: self.previous().to_path_buf(),
            });
        }
        let (stale, produced) = checking.finish();
        Ok(Checked {
            trimmed,
            stale,
            produced: produced.len(),
        })
    }
}
