//! The command's exit codes: one enum, which also writes the table `--help` shows.

use std::process::ExitCode;

/// Why the command stopped. The number is part of the interface: scripts and CI test it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    InvalidInput = 1,
    /// Given by clap itself for a bad command line; listed for the help table.
    Usage = 2,
    Stale = 3,
    Output = 4,
    Serve = 5,
    Guard = 6,
}

impl Exit {
    const ALL: [Exit; 7] = [
        Exit::Success,
        Exit::InvalidInput,
        Exit::Usage,
        Exit::Stale,
        Exit::Output,
        Exit::Serve,
        Exit::Guard,
    ];

    fn meaning(self) -> &'static str {
        match self {
            Exit::Success => "success",
            Exit::InvalidInput => "the input data is invalid (every problem is printed to stderr)",
            Exit::Usage => {
                "the command line is invalid (also: `build` with --in and --out overlapping,\n\
                 or --previous inside --in)"
            }
            Exit::Stale => "`build --check`: published output is missing or out of date",
            Exit::Output => {
                "the output could not be written, or another build is writing to it, or a\n\
                 file calfeed did not write is in the way (see --adopt); nothing published\n\
                 was changed"
            }
            Exit::Serve => "`serve`: the server could not start (e.g. the address is in use)",
            Exit::Guard => {
                "the publish guard: an event changed without a higher `sequence`\n\
                 (or, with --strict, an event was removed)"
            }
        }
    }

    /// The table of exit codes, for `--help`.
    pub fn help() -> String {
        let mut help = String::from("Exit codes:");
        for exit in Exit::ALL {
            let mut lines = exit.meaning().lines();
            help.push_str(&format!(
                "\n  {}  {}",
                exit as u8,
                lines.next().unwrap_or("")
            ));
            for more in lines {
                help.push_str(&format!("\n     {more}"));
            }
        }
        help
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_table_lists_every_code_in_order() {
        let help = Exit::help();
        let codes: Vec<&str> = help
            .lines()
            .filter(|line| !line.starts_with("   "))
            .filter_map(|line| line.strip_prefix("  "))
            .filter_map(|line| line.split_whitespace().next())
            .collect();
        assert_eq!(codes, ["0", "1", "2", "3", "4", "5", "6"]);
        assert!(help.ends_with("\n     (or, with --strict, an event was removed)"));
    }
}
