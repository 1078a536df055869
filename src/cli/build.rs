//! `calfeed build`: the library's [`calfeed::build::Build`], reported.

use std::path::PathBuf;
use std::time::Instant;

use calfeed::build::{Build, Error, Finding, Severity};
use calfeed::publish::Stale;

use super::InputArgs;
use super::exit::Exit;
use super::report::{DiagnosticFormat, Level, Reporter};

#[derive(clap::Args)]
pub struct Args {
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
    /// Overwrite files where outputs go that calfeed did not write (not in the output
    /// folder's .calfeed-manifest); they then count as outputs, deleted once no longer
    /// produced. Without it such a file stops the build (exit 4).
    #[arg(long)]
    adopt: bool,
    #[arg(long, value_enum, default_value = "human")]
    format: DiagnosticFormat,
}

pub fn run(reporter: &Reporter, args: Args) -> Exit {
    let started = Instant::now();
    let build = Build {
        load: args.input.options(),
        previous: args.previous,
        allow_unbumped: args.allow_unbumped,
        strict: args.strict,
        adopt: args.adopt,
        ..Build::new(args.input.input, args.output)
    };
    let finding = |finding: &Finding| {
        let level = match finding.severity {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
        };
        reporter.problem(level, finding);
    };
    let outcome = if args.check {
        build
            .check(finding)
            .map(|checked| report_check(reporter, &build, checked))
    } else {
        build.write(finding).map(|written| {
            let output = &build.output;
            for note in &written.trimmed {
                reporter.info(format!("budget: {note}"));
            }
            reporter.info_lines(listed("wrote", output, &written.written));
            reporter.info_lines(listed("removed", output, &written.removed));
            reporter.detail_lines(listed("unchanged", output, &written.unchanged));
            // What the build cache spared an incremental build, when it spared anything.
            let passed_on = match written.kept {
                0 => String::new(),
                kept => format!(" ({kept} page(s) and event file(s) passed on, not rendered)"),
            };
            reporter.info(format!(
                "built {}: {} file(s) written, {} unchanged{passed_on}, {} removed in {:.2}s",
                written.summary,
                written.written.len(),
                written.unchanged.len(),
                written.removed.len(),
                started.elapsed().as_secs_f64()
            ));
            Exit::Success
        })
    };
    outcome.unwrap_or_else(|error| match error {
        Error::Input(problems) => reporter.diagnostics(&problems, args.format),
        Error::Output { .. } => {
            reporter.error(error);
            Exit::Output
        }
        Error::Guard { .. } => {
            reporter.error(error);
            Exit::Guard
        }
        Error::Overlap(_) => {
            reporter.error(error);
            Exit::Usage
        }
    })
}

fn report_check(reporter: &Reporter, build: &Build, checked: calfeed::build::Checked) -> Exit {
    for note in &checked.trimmed {
        reporter.info(format!("budget: {note}"));
    }
    for problem in &checked.stale {
        let what = match problem {
            Stale::Missing(_) => "missing",
            Stale::Differs(_) => "out of date",
            Stale::Obsolete(_) => "obsolete",
        };
        reporter.note(format!(
            "{what}: {}",
            build.output.join(problem.path()).display()
        ));
    }
    if checked.stale.is_empty() {
        reporter.info(format!(
            "up to date: {} file(s) in {}",
            checked.produced,
            build.output.display()
        ));
        Exit::Success
    } else {
        reporter.error(format!(
            "{} of {} output(s) are stale; run `calfeed build` and commit or publish the result",
            checked.stale.len(),
            checked.produced
        ));
        Exit::Stale
    }
}

/// `<verb> <path>` for each of `paths`, below the output folder.
fn listed<'a>(
    verb: &'a str,
    output: &'a std::path::Path,
    paths: &'a [std::path::PathBuf],
) -> impl Iterator<Item = String> + 'a {
    paths
        .iter()
        .map(move |path| format!("{verb} {}", output.join(path).display()))
}
