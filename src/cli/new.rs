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
    let entry = NewEntry {
        title: args.title,
        when: args.when,
        duration: args.duration,
        timezone: args.timezone,
        summary: args.summary,
    };
    match scaffold::add(&args.input, &args.feed, kind, &entry) {
        Ok((path, id)) => {
            reporter.info(format!("added `{id}` to {}", path.display()));
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
