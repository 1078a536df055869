//! `calfeed occurrences`: every event's occurrences in a window, for people or as JSON.

use chrono::NaiveDate;
use clap::ValueEnum;

use calfeed::listing;
use calfeed::load;

use super::InputArgs;
use super::exit::Exit;
use super::report::{DiagnosticFormat, Reporter};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// First day of the window (YYYY-MM-DD, UTC). Default: each publication's `updated`.
    #[arg(long, value_name = "DATE")]
    from: Option<NaiveDate>,
    /// Day after the window (YYYY-MM-DD, UTC). Default: a year after --from.
    #[arg(long, value_name = "DATE")]
    until: Option<NaiveDate>,
    /// One line per occurrence for people, or one JSON object per line.
    #[arg(long, value_enum, default_value = "human")]
    format: ListFormat,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ListFormat {
    Human,
    Json,
}

pub fn run(reporter: &Reporter, args: Args) -> Exit {
    let publications = match load::load_dir(&args.input.input, &args.input.options()) {
        Ok(publications) => publications,
        Err(problems) => return reporter.diagnostics(&problems, DiagnosticFormat::Human),
    };
    for listed in listing::occurrences(&publications, args.from, args.until) {
        match args.format {
            ListFormat::Json => reporter.output(listed.to_json()),
            ListFormat::Human => reporter.output(listed),
        }
    }
    Exit::Success
}
