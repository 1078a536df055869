//! `calfeed occurrences`: every event's occurrences in a window, merged in date order, for
//! people (in each event's own zone) or as JSON.

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
    /// Show times in UTC instead of each event's own zone (human format; JSON has both).
    #[arg(long)]
    utc: bool,
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
    let listed = listing::occurrences(&publications, args.from, args.until);
    match args.format {
        ListFormat::Json => listed.iter().for_each(|l| reporter.output(l.to_json())),
        ListFormat::Human => listing::table(&listed, args.utc)
            .into_iter()
            .for_each(|line| reporter.output(line)),
    }
    Exit::Success
}
