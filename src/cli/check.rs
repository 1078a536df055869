//! `calfeed check`: validates the input, writes nothing.

use calfeed::build::Summary;
use calfeed::export;
use calfeed::load;

use super::InputArgs;
use super::exit::Exit;
use super::report::{DiagnosticFormat, Reporter};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    #[arg(long, value_enum, default_value = "human")]
    format: DiagnosticFormat,
}

pub fn run(reporter: &Reporter, args: Args) -> Exit {
    match load::load_dir(&args.input.input, &args.input.options()) {
        Ok(publications) => {
            for publication in &publications {
                for note in export::trimmed(publication) {
                    reporter.info(format!("budget: {note}"));
                }
            }
            reporter.info(format!("ok: {}", Summary::of(&publications)));
            Exit::Success
        }
        Err(problems) => reporter.diagnostics(&problems, args.format),
    }
}
