//! `calfeed diff`: what subscribers will see change between two calendars.

use std::fs;
use std::path::PathBuf;

use calfeed::changes;

use super::exit::Exit;
use super::report::Reporter;

#[derive(clap::Args)]
pub struct Args {
    /// The calendar as published now.
    old: PathBuf,
    /// The calendar about to replace it.
    new: PathBuf,
}

pub fn run(reporter: &Reporter, args: Args) -> Exit {
    let read = |path: &PathBuf| {
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let (old, new) = match (read(&args.old), read(&args.new)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(e), _) | (_, Err(e)) => {
            reporter.error(e);
            return Exit::InvalidInput;
        }
    };
    let changes = changes::diff(&old, &new);
    if changes.is_empty() {
        reporter.info("no changes subscribers would see");
    }
    for change in changes {
        reporter.output(change);
    }
    Exit::Success
}
