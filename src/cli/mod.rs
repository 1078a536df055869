//! The command line: clap's types, one module per command, the reporting and the exit
//! codes. Each command parses its flags into a library call and reports what came back;
//! the work is the library's.

mod build;
mod check;
mod diff;
mod exit;
mod init;
mod man;
mod new;
mod occurrences;
mod report;
mod serve;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use calfeed::load::LoadOptions;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use clap::{CommandFactory, Parser, Subcommand};

use exit::Exit;
use report::Reporter;

/// Publishes events and articles as an iCalendar calendar and RSS, Atom and JSON feeds.
///
/// Reads every publication in the input directory (`<slug>.toml` or `<slug>.json`),
/// validates all of them, and only then writes `<slug>.ics` (the calendar to subscribe to),
/// `<slug>.xml` (RSS 2.0), `<slug>.atom`, `<slug>.json` (JSON Feed), `<slug>/index.html`
/// (the subscribe page), `<slug>/<event-id>.ics` (one event) and `index.html`.
#[derive(Parser)]
#[command(version, after_help = Exit::help(), propagate_version = true)]
struct Cli {
    /// Print only errors.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Also list files that were already up to date.
    #[arg(long, short, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

/// Where the publications are, and the limits on reading them.
#[derive(clap::Args)]
struct InputArgs {
    /// Directory holding the publications (*.toml, *.json).
    #[arg(long = "in", value_name = "DIR", default_value = "feeds")]
    input: PathBuf,
    /// Refuse publication files larger than this (bytes; K, M and G suffixes allowed).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "256M")]
    max_input_size: u64,
    /// Refuse text fields longer than this (bytes; K, M and G suffixes allowed).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "1M")]
    max_field_length: u64,
    /// Judge what is upcoming as of this date (YYYY-MM-DD, UTC midnight) or instant
    /// (RFC 3339). Wins over SOURCE_DATE_EPOCH; with neither, each publication's `updated`.
    #[arg(long, value_name = "DATE", value_parser = parse_reference)]
    as_of: Option<DateTime<Utc>>,
}

impl InputArgs {
    fn options(&self) -> LoadOptions {
        let mut options = LoadOptions::from_env();
        options.max_input_bytes = self.max_input_size;
        options.max_field_bytes = usize::try_from(self.max_field_length).unwrap_or(usize::MAX);
        if let Some(as_of) = self.as_of {
            options.reference = Some(as_of);
        }
        options
    }
}

#[derive(Subcommand)]
enum Command {
    /// Validate the input and write every output (only files whose bytes change are replaced).
    #[command(after_help = Exit::help())]
    Build(build::Args),
    /// Validate the input, and warn about each calendar, feed and subscribe URL over a known
    /// client's limit (silenced per limit by the channel's `accept_limits`); write nothing.
    #[command(after_help = Exit::help())]
    Check(check::Args),
    /// List what subscribers will see change between two calendars: events added,
    /// removed, moved (with old and new UTC times), cancelled, renamed.
    Diff(diff::Args),
    /// List the occurrences of every event in a time window (repeating events expanded,
    /// moved and cancelled occurrences as they now are).
    Occurrences(occurrences::Args),
    /// Write a commented example publication to start from (refuses to overwrite).
    Init(init::Args),
    /// Append a new event or article, with a fresh id, to a publication.
    New(new::Args),
    /// Build in memory, serve the result over HTTP and rebuild when the input changes
    /// (for previews and small self-hosting: subscribe a real calendar app or feed reader
    /// to it). Writes nothing; a failed rebuild keeps the last good build served.
    #[command(after_help = Exit::help())]
    Serve(serve::Args),
    /// Print a shell completion script (e.g. `calfeed completions bash > /etc/bash_completion.d/calfeed`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): every command, the data format and the exit codes, e.g.
    /// `calfeed man > calfeed.1`.
    Man,
}

fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, factor) = match t.char_indices().last() {
        Some((i, 'K' | 'k')) => (&t[..i], 1u64 << 10),
        Some((i, 'M' | 'm')) => (&t[..i], 1 << 20),
        Some((i, 'G' | 'g')) => (&t[..i], 1 << 30),
        _ => (t, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .ok_or_else(|| format!("{text:?} is not a size; expected e.g. 500000, 64K, 256M or 1G"))
}

fn parse_reference(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|day| day.and_time(NaiveTime::MIN).and_utc())
        .or_else(|_| DateTime::parse_from_rfc3339(text).map(|t| t.to_utc()))
        .map_err(|_| {
            format!("{text:?} is not a date; expected e.g. 2026-12-03 or 2026-12-03T06:00:00Z")
        })
}

/// Writes `bytes` to stdout. A closed pipe (`calfeed man | head`) is not an error: the
/// reader had what it wanted.
fn print_bytes(reporter: &Reporter, what: &str, bytes: &[u8]) -> Exit {
    let mut out = io::stdout();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Exit::Success,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Exit::Success,
        Err(e) => {
            reporter.error(format!("cannot write {what}: {e}"));
            Exit::Output
        }
    }
}

/// Parses the command line, runs the command, and gives its exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let reporter = Reporter::new(cli.quiet, cli.verbose);
    let exit = match cli.command {
        Command::Build(args) => build::run(&reporter, args),
        Command::Check(args) => check::run(&reporter, args),
        Command::Diff(args) => diff::run(&reporter, args),
        Command::Occurrences(args) => occurrences::run(&reporter, args),
        Command::Init(args) => init::run(&reporter, args),
        Command::New(args) => new::run(&reporter, args),
        Command::Serve(args) => serve::run(&reporter, args),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "calfeed", &mut script);
            print_bytes(&reporter, "the completion script", &script)
        }
        Command::Man => {
            let mut page = Vec::new();
            match man::render(Cli::command(), &mut page) {
                Ok(()) => print_bytes(&reporter, "the man page", &page),
                Err(e) => {
                    reporter.error(format!("cannot write the man page: {e}"));
                    Exit::Output
                }
            }
        }
    };
    exit.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_suffixes_and_refuse_overflow() {
        assert_eq!(parse_size("500000"), Ok(500_000));
        assert_eq!(parse_size("64K"), Ok(64 << 10));
        assert_eq!(parse_size(" 256m "), Ok(256 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert!(parse_size("1T").is_err());
        assert!(parse_size("99999999999G").is_err());
    }

    #[test]
    fn reference_dates_are_days_or_instants() {
        let day = parse_reference("2026-12-03").unwrap();
        assert_eq!(day.to_rfc3339(), "2026-12-03T00:00:00+00:00");
        let instant = parse_reference("2026-12-03T08:00:00+08:00").unwrap();
        assert_eq!(instant, day);
        assert!(parse_reference("yesterday").is_err());
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
