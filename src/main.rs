//! The `calfeed` command: parses flags, calls the library, reports. No logic of its own.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use calfeed::diagnostic::Diagnostic;
use calfeed::export;
use calfeed::load::{self, LoadOptions};
use calfeed::publish::{self, Stale};
use calfeed::serve;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the input data is invalid (every problem is printed to stderr)
  2  the command line is invalid
  3  `build --check`: published output is missing or out of date
  4  the output could not be written (nothing published was changed)
  5  `serve`: the server could not start (e.g. the address is in use)";

/// Publishes events and articles as an iCalendar calendar and RSS feed.
///
/// Reads every publication in the input directory (`<slug>.toml` or `<slug>.json`),
/// validates all of them, and only then writes `<slug>.ics` (calendar to subscribe to),
/// `<slug>.xml` (RSS 2.0) and `<slug>/<event-id>.ics` (one event, to add to a calendar).
#[derive(Parser)]
#[command(version, after_help = EXIT_CODES, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate the input and write every output (only files whose bytes change are replaced).
    #[command(after_help = EXIT_CODES)]
    Build {
        /// Directory holding the publications (*.toml, *.json).
        #[arg(long = "in", value_name = "DIR", default_value = "feeds")]
        input: PathBuf,
        /// Directory the outputs are written to.
        #[arg(long = "out", value_name = "DIR", default_value = "public")]
        output: PathBuf,
        /// Write nothing; exit with 3 and name each output that is missing or differs
        /// from what a build would write (for CI: catches stale published feeds).
        #[arg(long)]
        check: bool,
    },
    /// Validate the input only; write nothing.
    #[command(after_help = EXIT_CODES)]
    Check {
        /// Directory holding the publications (*.toml, *.json).
        #[arg(long = "in", value_name = "DIR", default_value = "feeds")]
        input: PathBuf,
    },
    /// Build in memory, serve the result over HTTP and rebuild when the input changes
    /// (for previews and small self-hosting: subscribe a real calendar app or feed reader
    /// to it). Writes nothing; a failed rebuild keeps the last good build served.
    #[command(after_help = EXIT_CODES)]
    Serve {
        /// Directory holding the publications (*.toml, *.json).
        #[arg(long = "in", value_name = "DIR", default_value = "feeds")]
        input: PathBuf,
        /// Address to listen on. Loopback unless given otherwise; port 0 picks a free port.
        #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let options = LoadOptions::from_env();
    match cli.command {
        Command::Serve { input, addr } => {
            let options = serve::Options {
                input,
                addr,
                load: options,
            };
            match serve::run(&options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(serve::Error::Input(problems)) => report(&problems),
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(5)
                }
            }
        }
        Command::Check { input } => match load::load_dir(&input, &options) {
            Ok(publications) => {
                let events: usize = publications.iter().map(|p| p.events.len()).sum();
                let articles: usize = publications.iter().map(|p| p.articles.len()).sum();
                println!(
                    "ok: {} publication(s), {events} event(s), {articles} article(s)",
                    publications.len()
                );
                ExitCode::SUCCESS
            }
            Err(problems) => report(&problems),
        },
        Command::Build {
            input,
            output,
            check,
        } => {
            let publications = match load::load_dir(&input, &options) {
                Ok(publications) => publications,
                Err(problems) => return report(&problems),
            };
            let outputs = export::render_all(&publications);
            if check {
                let stale = publish::check(&output, &outputs);
                for problem in &stale {
                    match problem {
                        Stale::Missing(path) => {
                            eprintln!("missing: {}", output.join(path).display())
                        }
                        Stale::Differs(path) => {
                            eprintln!("out of date: {}", output.join(path).display())
                        }
                        Stale::Obsolete(path) => {
                            eprintln!("obsolete: {}", output.join(path).display())
                        }
                    }
                }
                if stale.is_empty() {
                    println!(
                        "up to date: {} file(s) in {}",
                        outputs.len(),
                        output.display()
                    );
                    ExitCode::SUCCESS
                } else {
                    eprintln!(
                        "error: {} of {} output(s) are stale; run `calfeed build` and commit or publish the result",
                        stale.len(),
                        outputs.len()
                    );
                    ExitCode::from(3)
                }
            } else {
                match publish::write_all(&output, &outputs) {
                    Ok(done) => {
                        for path in &done.written {
                            println!("wrote {}", output.join(path).display());
                        }
                        for path in &done.removed {
                            println!("removed {}", output.join(path).display());
                        }
                        println!(
                            "built {} publication(s): {} file(s) written, {} unchanged",
                            publications.len(),
                            done.written.len(),
                            done.unchanged.len()
                        );
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("error: cannot write to {}: {e}", output.display());
                        ExitCode::from(4)
                    }
                }
            }
        }
    }
}

fn report(problems: &[Diagnostic]) -> ExitCode {
    for problem in problems {
        eprintln!("{problem}");
    }
    eprintln!(
        "error: {} problem(s) in the input; nothing was written",
        problems.len()
    );
    ExitCode::from(1)
}
