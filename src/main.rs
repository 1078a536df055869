//! The `calfeed` command: parses flags, calls the library, reports. No logic of its own.

use std::fs;
use std::io::{self, BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use chrono::{NaiveDate, NaiveTime};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use calfeed::diagnostic::Diagnostic;
use calfeed::export;
use calfeed::guard;
use calfeed::load::Format;
use calfeed::load::{self, LoadOptions};
use calfeed::model::{Publication, Schedule};
use calfeed::publish::{self, Stale};
use calfeed::scaffold::{self, EntryKind, NewEntry};
use calfeed::serve;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the input data is invalid (every problem is printed to stderr)
  2  the command line is invalid
  3  `build --check`: published output is missing or out of date
  4  the output could not be written (nothing published was changed)
  5  `serve`: the server could not start (e.g. the address is in use)
  6  the publish guard: an event changed without a higher `sequence`
     (or, with --strict, an event was removed)";

/// Publishes events and articles as an iCalendar calendar and RSS, Atom and JSON feeds.
///
/// Reads every publication in the input directory (`<slug>.toml` or `<slug>.json`),
/// validates all of them, and only then writes `<slug>.ics` (the calendar to subscribe to),
/// `<slug>.xml` (RSS 2.0), `<slug>.atom`, `<slug>.json` (JSON Feed), `<slug>/index.html`
/// (the subscribe page), `<slug>/<event-id>.ics` (one event) and `index.html`.
#[derive(Parser)]
#[command(version, after_help = EXIT_CODES, propagate_version = true)]
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
}

impl InputArgs {
    fn options(&self) -> LoadOptions {
        let mut options = LoadOptions::from_env();
        options.max_input_bytes = self.max_input_size;
        options.max_field_bytes = usize::try_from(self.max_field_length).unwrap_or(usize::MAX);
        options
    }
}

/// How problems in the input are printed.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum DiagnosticFormat {
    /// rustc-style messages with the source line (colour on a terminal unless NO_COLOR).
    Human,
    /// GitHub Actions annotations, shown on the pull request's diff.
    Github,
    /// One JSON array of {file, line, column, field, message, help}.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Validate the input and write every output (only files whose bytes change are replaced).
    #[command(after_help = EXIT_CODES)]
    Build {
        #[command(flatten)]
        input: InputArgs,
        /// Directory the outputs are written to.
        #[arg(long = "out", value_name = "DIR", default_value = "public")]
        output: PathBuf,
        /// Write nothing; exit with 3 and name each output that is missing, differs from
        /// what a build would write, or is no longer produced (for CI: catches stale feeds).
        #[arg(long)]
        check: bool,
        /// The published calendars to guard against: a directory holding <slug>.ics files,
        /// or one .ics file (e.g. fetched from the live site). Default: the --out directory.
        #[arg(long, value_name = "PATH")]
        previous: Option<PathBuf>,
        /// Publish even when an event's time, title or status changed without a higher
        /// `sequence` (subscribers' calendars may then keep the old version).
        #[arg(long)]
        allow_unbumped: bool,
        /// Fail (exit 6) when an event published before is gone, instead of warning.
        #[arg(long)]
        strict: bool,
        #[arg(long, value_enum, default_value = "human")]
        format: DiagnosticFormat,
    },
    /// Validate the input only; write nothing.
    #[command(after_help = EXIT_CODES)]
    Check {
        #[command(flatten)]
        input: InputArgs,
        #[arg(long, value_enum, default_value = "human")]
        format: DiagnosticFormat,
    },
    /// List what subscribers will see change between two calendars: events added,
    /// removed, moved (with old and new UTC times), cancelled, renamed.
    Diff {
        /// The calendar as published now.
        old: PathBuf,
        /// The calendar about to replace it.
        new: PathBuf,
    },
    /// List the occurrences of every event in a time window (repeating events expanded,
    /// moved and cancelled occurrences as they now are).
    Occurrences {
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
    },
    /// Write a commented example publication to start from (refuses to overwrite).
    Init {
        /// The project directory; the example goes to DIR/feeds/my-events.toml.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Append a new event or article, with a fresh id, to a publication.
    New {
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
    },
    /// Build in memory, serve the result over HTTP and rebuild when the input changes
    /// (for previews and small self-hosting: subscribe a real calendar app or feed reader
    /// to it). Writes nothing; a failed rebuild keeps the last good build served.
    #[command(after_help = EXIT_CODES)]
    Serve {
        #[command(flatten)]
        input: InputArgs,
        /// Address to listen on. Loopback unless given otherwise; port 0 picks a free port.
        #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
    },
    /// Print a shell completion script (e.g. `calfeed completions bash > /etc/bash_completion.d/calfeed`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `calfeed man > calfeed.1`.
    Man,
}

#[derive(Clone, Copy, ValueEnum)]
enum NewKind {
    Event,
    Article,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ListFormat {
    Human,
    Json,
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

/// Where messages go, and how loud.
struct Reporter {
    quiet: bool,
    verbose: bool,
    colour: bool,
}

impl Reporter {
    fn info(&self, line: impl AsRef<str>) {
        if !self.quiet {
            println!("{}", line.as_ref());
        }
    }

    fn detail(&self, line: impl AsRef<str>) {
        if self.verbose {
            println!("{}", line.as_ref());
        }
    }

    /// An `error:` or `warning:` line (and what follows it) on stderr.
    fn problem(&self, text: impl AsRef<str>) {
        let text = text.as_ref();
        if !self.colour {
            eprintln!("{text}");
            return;
        }
        let coloured = text
            .replacen("error:", "\x1b[1;31merror\x1b[0m\x1b[1m:\x1b[0m", 1)
            .replacen("warning:", "\x1b[1;33mwarning\x1b[0m\x1b[1m:\x1b[0m", 1);
        eprintln!("{coloured}");
    }

    fn diagnostics(&self, problems: &[Diagnostic], format: DiagnosticFormat) -> ExitCode {
        match format {
            DiagnosticFormat::Human => {
                for problem in problems {
                    self.problem(problem.to_string());
                }
                self.problem(format!(
                    "error: {} problem(s) in the input; nothing was written",
                    problems.len()
                ));
            }
            DiagnosticFormat::Github => {
                for problem in problems {
                    println!("{}", problem.github_annotation());
                }
                eprintln!("error: {} problem(s) in the input", problems.len());
            }
            DiagnosticFormat::Json => {
                let json = serde_json::to_string_pretty(problems).expect("diagnostics serialize");
                println!("{json}");
            }
        }
        ExitCode::from(1)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let reporter = Reporter {
        quiet: cli.quiet,
        verbose: cli.verbose,
        colour: io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    match cli.command {
        Command::Build {
            input,
            output,
            check,
            previous,
            allow_unbumped,
            strict,
            format,
        } => {
            let started = Instant::now();
            let publications = match load::load_dir(&input.input, &input.options()) {
                Ok(publications) => publications,
                Err(problems) => return reporter.diagnostics(&problems, format),
            };
            let mut guard = PublishGuard {
                reporter: &reporter,
                publications: &publications,
                previous: previous.unwrap_or_else(|| output.clone()),
                allow_unbumped,
                strict,
                blocked: false,
            };
            if check {
                check_outputs(&reporter, &output, &publications, &mut guard)
            } else {
                write_outputs(&reporter, &output, &publications, &mut guard, started)
            }
        }
        Command::Check { input, format } => match load::load_dir(&input.input, &input.options()) {
            Ok(publications) => {
                reporter.info(format!("ok: {}", counts(&publications)));
                ExitCode::SUCCESS
            }
            Err(problems) => reporter.diagnostics(&problems, format),
        },
        Command::Diff { old, new } => diff(&reporter, &old, &new),
        Command::Occurrences {
            input,
            from,
            until,
            format,
        } => occurrences(&reporter, &input, from, until, format),
        Command::Init { dir } => init(&reporter, &dir),
        Command::New {
            kind,
            feed,
            input,
            title,
            when,
            duration,
            timezone,
            summary,
        } => {
            let kind = match kind {
                NewKind::Event => EntryKind::Event,
                NewKind::Article => EntryKind::Article,
            };
            let entry = NewEntry {
                title,
                when,
                duration,
                timezone,
                summary,
            };
            new_entry(&reporter, &input, &feed, kind, &entry)
        }
        Command::Serve { input, addr } => {
            let options = serve::Options {
                input: input.input.clone(),
                addr,
                load: input.options(),
            };
            match serve::run(&options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(serve::Error::Input(problems)) => {
                    reporter.diagnostics(&problems, DiagnosticFormat::Human)
                }
                Err(e) => {
                    reporter.problem(format!("error: {e}"));
                    ExitCode::from(5)
                }
            }
        }
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "calfeed", &mut io::stdout());
            ExitCode::SUCCESS
        }
        Command::Man => {
            let page = clap_mangen::Man::new(Cli::command());
            let mut out = io::stdout();
            match page.render(&mut out).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    reporter.problem(format!("error: cannot write the man page: {e}"));
                    ExitCode::from(4)
                }
            }
        }
    }
}

fn counts(publications: &[Publication]) -> String {
    let events: usize = publications.iter().map(|p| p.events.len()).sum();
    let articles: usize = publications.iter().map(|p| p.articles.len()).sum();
    format!(
        "{} publication(s), {events} event(s), {articles} article(s)",
        publications.len()
    )
}

/// The publish guard: compares each publication's new calendar, as it is rendered, with
/// the published one, and reports what subscribers would miss.
struct PublishGuard<'a> {
    reporter: &'a Reporter,
    publications: &'a [Publication],
    previous: PathBuf,
    allow_unbumped: bool,
    strict: bool,
    /// Whether the build must stop.
    blocked: bool,
}

impl PublishGuard<'_> {
    /// Compares every publication's calendar, as `calendar` gives it (it is also given the
    /// published calendar's path; `None` skips the comparison), with its published one.
    fn inspect_all(&mut self, calendar: impl Fn(&Publication, &Path) -> Option<Box<dyn BufRead>>) {
        for publication in self.publications {
            self.inspect(publication, &calendar);
        }
    }

    fn inspect(
        &mut self,
        publication: &Publication,
        calendar: &impl Fn(&Publication, &Path) -> Option<Box<dyn BufRead>>,
    ) {
        let file_name = format!("{}.ics", publication.slug);
        let old_path = if self.previous.is_dir() {
            self.previous.join(&file_name)
        } else if self.publications.len() == 1
            || self
                .previous
                .file_stem()
                .is_some_and(|s| *s == *publication.slug)
        {
            self.previous.clone()
        } else {
            return;
        };
        // Read line by line, as is the new one: a large calendar is never held whole.
        let Ok(old) = fs::File::open(&old_path) else {
            return;
        };
        let Some(new) = calendar(publication, &old_path) else {
            return;
        };
        let report = guard::guard_from(io::BufReader::new(old), new);
        let source = &publication.source;
        for unbumped in &report.unbumped {
            let level = if self.allow_unbumped {
                "warning"
            } else {
                "error"
            };
            self.reporter
                .problem(format!("{level}: {source}: {unbumped}"));
            self.blocked |= !self.allow_unbumped;
        }
        for removed in &report.removed {
            let level = if self.strict { "error" } else { "warning" };
            self.reporter.problem(format!(
                "{level}: {source}: {removed}; to tell subscribers, keep the event with status = \"cancelled\""
            ));
            self.blocked |= self.strict;
        }
    }

    /// The exit code to stop with, if the guard found a reason to.
    fn verdict(&self) -> Option<ExitCode> {
        self.blocked.then(|| {
            self.reporter.problem(format!(
                "error: the publish guard stopped the build (compared with {}); nothing was written",
                self.previous.display()
            ));
            ExitCode::from(6)
        })
    }
}

fn check_outputs(
    reporter: &Reporter,
    output: &Path,
    publications: &[Publication],
    guard: &mut PublishGuard,
) -> ExitCode {
    let checking = publish::Checking::new(output);
    if let Err(e) = export::for_each_output(publications, &checking, export::default_threads()) {
        reporter.problem(format!("error: cannot read {}: {e}", output.display()));
        return ExitCode::from(4);
    }
    // Nothing was kept of the build, which streams every file: the calendars are
    // rendered again (without the articles, a fraction of a build), into a temporary
    // file rather than memory.
    guard.inspect_all(|publication, _| {
        let shared = export::Shared::without_articles(publication);
        let in_file = || -> io::Result<fs::File> {
            let mut file = io::BufWriter::new(tempfile::tempfile()?);
            export::ics::write_calendar_only(&shared, &mut file)?;
            let mut file = file.into_inner().map_err(|e| e.into_error())?;
            io::Seek::rewind(&mut file)?;
            Ok(file)
        };
        Some(match in_file() {
            Ok(file) => Box::new(io::BufReader::new(file)),
            // No temporary file: the guard still runs, in memory.
            Err(_) => Box::new(io::Cursor::new(export::ics::calendar(&shared))),
        })
    });
    if let Some(code) = guard.verdict() {
        return code;
    }
    let (stale, produced) = checking.finish();
    for problem in &stale {
        let (what, path) = match problem {
            Stale::Missing(path) => ("missing", path),
            Stale::Differs(path) => ("out of date", path),
            Stale::Obsolete(path) => ("obsolete", path),
        };
        eprintln!("{what}: {}", output.join(path).display());
    }
    if stale.is_empty() {
        reporter.info(format!(
            "up to date: {} file(s) in {}",
            produced.len(),
            output.display()
        ));
        ExitCode::SUCCESS
    } else {
        reporter.problem(format!(
            "error: {} of {} output(s) are stale; run `calfeed build` and commit or publish the result",
            stale.len(),
            produced.len()
        ));
        ExitCode::from(3)
    }
}

fn write_outputs(
    reporter: &Reporter,
    output: &Path,
    publications: &[Publication],
    guard: &mut PublishGuard,
    started: Instant,
) -> ExitCode {
    // Each file is staged as soon as it is rendered; nothing is renamed into place before
    // the guard has seen every calendar and every file is staged.
    let staged = publish::Staging::new(output).and_then(|staging| {
        export::for_each_output(publications, &staging, export::default_threads())?;
        Ok(staging)
    });
    let staging = match staged {
        Ok(staging) => staging,
        Err(e) => {
            reporter.problem(format!("error: cannot write to {}: {e}", output.display()));
            return ExitCode::from(4);
        }
    };
    // The new calendars are on disk already, staged or (unchanged) in place; one left in
    // place is the published one itself, and has nothing to report.
    guard.inspect_all(|publication, published| {
        let file_name = format!("{}.ics", publication.slug);
        let new = staging.staged_file(Path::new(&file_name))?;
        let same = |a: &Path, b: &Path| {
            fs::canonicalize(a).is_ok_and(|a| fs::canonicalize(b).is_ok_and(|b| a == b))
        };
        if same(&new, published) {
            return None;
        }
        let file = fs::File::open(new).ok()?;
        Some(Box::new(io::BufReader::new(file)))
    });
    if let Some(code) = guard.verdict() {
        // Dropping the staging removes its temporary files.
        return code;
    }
    match staging.commit() {
        Ok(done) => {
            for path in &done.written {
                reporter.info(format!("wrote {}", output.join(path).display()));
            }
            for path in &done.removed {
                reporter.info(format!("removed {}", output.join(path).display()));
            }
            for path in &done.unchanged {
                reporter.detail(format!("unchanged {}", output.join(path).display()));
            }
            reporter.info(format!(
                "built {}: {} file(s) written, {} unchanged, {} removed in {:.2}s",
                counts(publications),
                done.written.len(),
                done.unchanged.len(),
                done.removed.len(),
                started.elapsed().as_secs_f64()
            ));
            ExitCode::SUCCESS
        }
        Err(e) => {
            reporter.problem(format!("error: cannot write to {}: {e}", output.display()));
            ExitCode::from(4)
        }
    }
}

fn diff(reporter: &Reporter, old: &Path, new: &Path) -> ExitCode {
    let read = |path: &Path| {
        fs::read_to_string(path).map_err(|e| format!("error: cannot read {}: {e}", path.display()))
    };
    let (old_text, new_text) = match (read(old), read(new)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            reporter.problem(e);
            return ExitCode::from(1);
        }
    };
    let changes = guard::diff(&old_text, &new_text);
    if changes.is_empty() {
        reporter.info("no changes subscribers would see");
    }
    for change in changes {
        println!("{change}");
    }
    ExitCode::SUCCESS
}

fn occurrences(
    reporter: &Reporter,
    input: &InputArgs,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    format: ListFormat,
) -> ExitCode {
    let publications = match load::load_dir(&input.input, &input.options()) {
        Ok(publications) => publications,
        Err(problems) => return reporter.diagnostics(&problems, DiagnosticFormat::Human),
    };
    for publication in &publications {
        let start = from
            .map(|d| d.and_time(NaiveTime::MIN).and_utc())
            .unwrap_or(publication.channel.updated);
        let end = until
            .map(|d| d.and_time(NaiveTime::MIN).and_utc())
            .unwrap_or(start + chrono::Duration::days(365));
        for event in &publication.events {
            for occurrence in event.occurrences_between(start, end) {
                let (start, end) = match occurrence.schedule {
                    Schedule::Timed { start, end, .. } => (
                        start.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                        end.map(|e| e.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                    ),
                    Schedule::AllDay { start, end } => (start.to_string(), Some(end.to_string())),
                };
                let uid = format!("{}@{}", event.id, publication.host());
                match format {
                    ListFormat::Json => println!(
                        "{}",
                        serde_json::json!({
                            "publication": publication.slug,
                            "uid": uid,
                            "start": start,
                            "end": end,
                            "title": occurrence.title,
                            "status": occurrence.status.as_ical(),
                        })
                    ),
                    ListFormat::Human => println!(
                        "{start}  {}  {}{}",
                        event.id,
                        occurrence.title,
                        if occurrence.status.as_ical() == "CANCELLED" {
                            " (cancelled)"
                        } else {
                            ""
                        }
                    ),
                }
            }
        }
    }
    ExitCode::SUCCESS
}

fn init(reporter: &Reporter, dir: &Path) -> ExitCode {
    let feeds = dir.join("feeds");
    let target = feeds.join("my-events.toml");
    if target.exists() {
        reporter.problem(format!(
            "error: {} already exists; init never overwrites",
            target.display()
        ));
        return ExitCode::from(1);
    }
    let written = fs::create_dir_all(&feeds).and_then(|()| {
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
            .and_then(|mut file| file.write_all(scaffold::EXAMPLE_PUBLICATION.as_bytes()))
    });
    match written {
        Ok(()) => {
            reporter.info(format!(
                "wrote {}: edit it, then run `calfeed build --in {}`",
                target.display(),
                feeds.display()
            ));
            ExitCode::SUCCESS
        }
        Err(e) => {
            reporter.problem(format!("error: cannot write {}: {e}", target.display()));
            ExitCode::from(4)
        }
    }
}

fn new_entry(
    reporter: &Reporter,
    dir: &Path,
    slug: &str,
    kind: EntryKind,
    entry: &NewEntry,
) -> ExitCode {
    let Some((path, format)) = [("toml", Format::Toml), ("json", Format::Json)]
        .into_iter()
        .map(|(ext, format)| (dir.join(format!("{slug}.{ext}")), format))
        .find(|(path, _)| path.is_file())
    else {
        reporter.problem(format!(
            "error: no publication {slug:?} in {} (expected {slug}.toml or {slug}.json)",
            dir.display()
        ));
        return ExitCode::from(1);
    };
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            reporter.problem(format!("error: cannot read {}: {e}", path.display()));
            return ExitCode::from(1);
        }
    };
    match scaffold::append(&text, format, kind, entry) {
        Ok((updated, id)) => match publish::replace_file(&path, updated.as_bytes()) {
            Ok(_) => {
                reporter.info(format!("added `{id}` to {}", path.display()));
                ExitCode::SUCCESS
            }
            Err(e) => {
                reporter.problem(format!("error: cannot write {}: {e}", path.display()));
                ExitCode::from(4)
            }
        },
        Err(message) => {
            reporter.problem(format!(
                "error: the new entry would make {} invalid:\n{message}",
                path.display()
            ));
            ExitCode::from(1)
        }
    }
}
