//! `calfeed new`: appends an event or an article, with a fresh id, to a publication.

use std::path::PathBuf;

use clap::ValueEnum;

use calfeed::scaffold::{self, AddError, EntryKind, NewEntry};

use super::exit::Exit;
use super::report::Reporter;

#[derive(clap::Args)]
pub struct Args {
    #[arg(value_enum)]
    kind: NewKind,
    /// The publication's slug (its file name without extension).
    #[arg(long, value_name = "SLUG")]
    feed: String,
    /// Directory holding the publications.
    #[arg(long = "in", value_name = "DIR", default_value = "feeds")]
    input: PathBuf,
    #[arg(long)]
    title: String,
    /// The entry's id (its UID, file name and anchor; never change it once published).
    /// Default: made from the title (`Café & Ünïcode!` gives `cafe-unicode`), or from the
    /// kind and date when the title has no Latin letters (`event-2025-03-20`).
    #[arg(long)]
    id: Option<String>,
    /// Events: the start (2025-03-20T18:00, an instant, or a date). Articles: the date
    /// published.
    #[arg(long, value_name = "WHEN")]
    when: String,
    /// Events: how long (2h, 90m, PT1H).
    #[arg(long)]
    duration: Option<String>,
    /// Events: the zone, if not the channel's.
    #[arg(long)]
    timezone: Option<String>,
    /// Events: the description; articles: the summary.
    #[arg(long)]
    summary: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum NewKind {
    Event,
    Article,
}

pub fn run(reporter: &Reporter, args: Args) -> Exit {
    let kind = match args.kind {
        NewKind::Event => EntryKind::Event,
        NewKind::Article => EntryKind::Article,
    };
    // Said when the id could not be made from the title's own letters.
    let hint = (args.id.is_none() && scaffold::id_from_title(&args.title).is_none()).then_some(
        " (made from the date: the title has no Latin letters; change the id in the file \
         before publishing, or choose it with --id)",
    );
    let entry = NewEntry {
        id: args.id,
        title: args.title,
        when: args.when,
        duration: args.duration,
        timezone: args.timezone,
        summary: args.summary,
    };
    match scaffold::add(&args.input, &args.feed, kind, &entry) {
        Ok((path, id)) => {
            reporter.info(format!(
                "added `{id}` to {}{}",
                path.display(),
                hint.unwrap_or_default()
            ));
            Exit::Success
        }
        Err(error) => {
            reporter.error(&error);
            match error {
                AddError::Write(..) => Exit::Output,
                _ => Exit::InvalidInput,
            }
        }
    }
}
