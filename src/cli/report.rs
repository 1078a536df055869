//! Everything the command prints goes through [`Reporter`]: results and progress on stdout
//! (progress silenced by `--quiet`), problems on stderr with a styled level. Colour follows
//! the terminal and `NO_COLOR`/`CLICOLOR` (anstream strips the styles otherwise). Nothing
//! else in calfeed prints.

use std::fmt::Display;
use std::io::{self, Write};

use anstream::{AutoStream, ColorChoice};
use anstyle::{AnsiColor, Style};
use calfeed::diagnostic::Diagnostic;
use calfeed::limits::Checked;
use clap::ValueEnum;

use super::exit::Exit;

/// How problems in the input are printed.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DiagnosticFormat {
    /// rustc-style messages with the source line (colour on a terminal unless NO_COLOR).
    Human,
    /// GitHub Actions annotations, shown on the pull request's diff.
    Github,
    /// One JSON array of {file, line, column, field, message, help, level}; `check`'s
    /// warnings add a `limit` object.
    Json,
}

/// A problem's level, as the line starts with it.
#[derive(Clone, Copy)]
pub enum Level {
    Error,
    Warning,
}

/// Where messages go, and how loud.
#[derive(Clone, Copy)]
pub struct Reporter {
    quiet: bool,
    verbose: bool,
    /// Whether each stream gets colour, decided once.
    stdout: ColorChoice,
    stderr: ColorChoice,
}

const BOLD: Style = Style::new().bold();

impl Reporter {
    pub fn new(quiet: bool, verbose: bool) -> Self {
        Reporter {
            quiet,
            verbose,
            stdout: AutoStream::choice(&io::stdout()),
            stderr: AutoStream::choice(&io::stderr()),
        }
    }

    fn stdout(&self) -> AutoStream<io::Stdout> {
        AutoStream::new(io::stdout(), self.stdout)
    }

    fn stderr(&self) -> AutoStream<io::Stderr> {
        AutoStream::new(io::stderr(), self.stderr)
    }

    /// A result the user asked for (a listing, a diff): always on stdout.
    pub fn output(&self, line: impl Display) {
        // A closed pipe (`calfeed ... | head`) is not an error worth a panic.
        let _ = writeln!(self.stdout(), "{line}");
    }

    /// Progress and summaries, silenced by `--quiet`.
    pub fn info(&self, line: impl Display) {
        if !self.quiet {
            self.output(line);
        }
    }

    /// Progress and summaries on stderr (when stdout is for a machine), silenced by
    /// `--quiet`.
    pub fn info_stderr(&self, line: impl Display) {
        if !self.quiet {
            self.note(line);
        }
    }

    /// Many lines of progress at once (the files a build wrote), silenced by `--quiet`.
    pub fn info_lines(&self, lines: impl IntoIterator<Item = impl Display>) {
        if !self.quiet {
            self.output_lines(lines);
        }
    }

    /// Many lines that `--verbose` adds.
    pub fn detail_lines(&self, lines: impl IntoIterator<Item = impl Display>) {
        if self.verbose {
            self.output_lines(lines);
        }
    }

    /// Lines on stdout through one lock and one buffer: through [`Reporter::output`], each
    /// line would be a write of its own (300 000 of them for a large first build).
    fn output_lines(&self, lines: impl IntoIterator<Item = impl Display>) {
        let stdout = AutoStream::new(io::stdout().lock(), self.stdout);
        let mut out = io::BufWriter::with_capacity(64 * 1024, stdout);
        for line in lines {
            // A closed pipe ends the listing quietly, as in `output`.
            if writeln!(out, "{line}").is_err() {
                return;
            }
        }
        let _ = out.flush();
    }

    /// What `--verbose` adds.
    pub fn detail(&self, line: impl Display) {
        if self.verbose {
            self.output(line);
        }
    }

    /// A line on stderr as it is, with no level.
    pub fn note(&self, line: impl Display) {
        let _ = writeln!(self.stderr(), "{line}");
    }

    /// An `error:` or `warning:` line (and what follows it) on stderr.
    pub fn problem(&self, level: Level, text: impl Display) {
        let (name, colour) = match level {
            Level::Error => ("error", AnsiColor::Red),
            Level::Warning => ("warning", AnsiColor::Yellow),
        };
        let style = colour.on_default().bold();
        let _ = writeln!(
            self.stderr(),
            "{style}{name}{style:#}{BOLD}:{BOLD:#} {text}"
        );
    }

    pub fn error(&self, text: impl Display) {
        self.problem(Level::Error, text);
    }

    /// Every problem in the input, in `format`.
    pub fn diagnostics(&self, problems: &[Diagnostic], format: DiagnosticFormat) -> Exit {
        match format {
            DiagnosticFormat::Human => {
                for problem in problems {
                    self.error(problem.without_level());
                }
                self.error(format!(
                    "{} problem(s) in the input; nothing was written",
                    problems.len()
                ));
            }
            DiagnosticFormat::Github => {
                for problem in problems {
                    self.output(problem.github_annotation());
                }
                self.note(format!("error: {} problem(s) in the input", problems.len()));
            }
            DiagnosticFormat::Json => {
                let with_level: Vec<serde_json::Value> = problems
                    .iter()
                    .map(|problem| {
                        let mut value =
                            serde_json::to_value(problem).expect("diagnostics serialize");
                        if let Some(object) = value.as_object_mut() {
                            object.insert("level".into(), "error".into());
                        }
                        value
                    })
                    .collect();
                let json = serde_json::to_string_pretty(&with_level).expect("JSON values");
                self.output(json);
            }
        }
        Exit::InvalidInput
    }

    /// The limits check's warnings, in `format`: `warning:` lines on stderr, GitHub
    /// annotations on stdout, or (JSON) the one array on stdout, empty when all is well.
    pub fn limit_warnings(&self, checked: &Checked, format: DiagnosticFormat) {
        match format {
            DiagnosticFormat::Human => {
                for warning in &checked.warnings {
                    self.problem(Level::Warning, warning);
                }
                for accepted in &checked.accepted {
                    self.detail(format!("accepted: {accepted}"));
                }
            }
            DiagnosticFormat::Github => {
                for warning in &checked.warnings {
                    self.output(warning.github_annotation());
                }
            }
            DiagnosticFormat::Json => {
                let json =
                    serde_json::to_string_pretty(&checked.warnings).expect("warnings serialize");
                self.output(json);
            }
        }
    }
}
