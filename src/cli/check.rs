//! `calfeed check`: validates the input and checks the outputs a build would publish
//! against the clients' known limits; writes nothing.

use calfeed::build::Summary;
use calfeed::{limits, load};

use super::InputArgs;
use super::exit::Exit;
use super::report::{DiagnosticFormat, Level, Reporter};

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
            // What is valid but probably not meant (an event without an end).
            for warning in publications.iter().flat_map(load::warnings) {
                match args.format {
                    DiagnosticFormat::Github => reporter.output(
                        warning
                            .github_annotation()
                            .replacen("::error", "::warning", 1),
                    ),
                    _ => reporter.problem(Level::Warning, warning.without_level()),
                }
            }
            let checked = match limits::check(&publications) {
                Ok(checked) => checked,
                Err(e) => {
                    reporter.error(format!("cannot measure the outputs: {e}"));
                    return Exit::Output;
                }
            };
            for note in &checked.trimmed {
                // In JSON, stdout is the one array.
                if args.format == DiagnosticFormat::Json {
                    reporter.info_stderr(format!("budget: {note}"));
                } else {
                    reporter.info(format!("budget: {note}"));
                }
            }
            reporter.limit_warnings(&checked, args.format);
            let mut summary = format!("ok: {}", Summary::of(&publications));
            if !checked.warnings.is_empty() {
                summary.push_str(&format!(
                    "; {} client limit warning(s)",
                    checked.warnings.len()
                ));
            }
            if !checked.accepted.is_empty() {
                summary.push_str(&format!(
                    "; {} accepted by accept_limits",
                    checked.accepted.len()
                ));
            }
            if args.format == DiagnosticFormat::Json {
                // Stdout is the one JSON array.
                reporter.info_stderr(summary);
            } else {
                reporter.info(summary);
            }
            Exit::Success
        }
        Err(problems) => reporter.diagnostics(&problems, args.format),
    }
}
