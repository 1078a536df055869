//! `calfeed-bench`: calfeed's benchmark tool, a binary of its own in the workspace (never
//! part of the `calfeed` binary). `bench/run.sh`, `bench/profile.sh` and
//! `tests/interop/generated.sh` drive it; see `bench/README.md`.
//!
//! ```text
//! calfeed-bench gen N FILE [--seed S]   write a publication of N events + N articles
//!                                       (.json or .toml, from FILE's extension)
//! calfeed-bench floor INPUT OUT BYTES FILES [--fsync-each | --syncfs]
//!                                       the floor: serde_json-parse INPUT, then write BYTES
//!                                       bytes as FILES plain files under OUT (optionally
//!                                       fsync each file, or one syncfs at the end)
//! calfeed-bench phases FILE [OUT]       load, render and write FILE in-process, timing
//!                                       each phase (and the peak RSS after it)
//! calfeed-bench load FILE               load FILE as `calfeed build` does (read, parse,
//!                                       validate) and nothing else: the time a rebuild
//!                                       with nothing changed is compared with
//! calfeed-bench                         generate N=1000 and run `phases` on it
//! ```
//!
//! Modules, one per job: `generate` (the input generator; no calfeed code), `floor`,
//! `timer` (the phase timer) and `phases` (the only user of the calfeed library).

mod floor;
mod generate;
mod phases;
mod timer;

use std::io;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use floor::Sync;
use generate::{DEFAULT_SEED, Syntax, generate};

const USAGE: &str = "usage:
  calfeed-bench gen N FILE [--seed S]
  calfeed-bench floor INPUT OUT_DIR BYTES FILES [--fsync-each | --syncfs]
  calfeed-bench phases FILE [OUT_DIR]
  calfeed-bench load FILE
  (no arguments: generate N=1000 in a temporary directory and run `phases` on it)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["gen", n, file, rest @ ..] => gen_command(n, file, rest),
        ["floor", input, out, bytes, files] => {
            floor::floor_command(input, out, bytes, files, Sync::None)
        }
        ["floor", input, out, bytes, files, "--fsync-each"] => {
            floor::floor_command(input, out, bytes, files, Sync::EachFile)
        }
        ["floor", input, out, bytes, files, "--syncfs"] => {
            floor::floor_command(input, out, bytes, files, Sync::OnceAtEnd)
        }
        ["load", file] => phases::load_only(Path::new(file)),
        ["phases", file] => phases::phases(Path::new(file), None),
        ["phases", file, out] => phases::phases(Path::new(file), Some(Path::new(out))),
        [] => default_run(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn bad(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.into())
}

fn parse_num<T: std::str::FromStr>(text: &str, what: &str) -> io::Result<T> {
    text.parse()
        .map_err(|_| bad(format!("{what}: {text:?} is not a number")))
}

fn gen_command(n: &str, file: &str, rest: &[&str]) -> io::Result<()> {
    let n: usize = parse_num(n, "N")?;
    let seed = match rest {
        [] => DEFAULT_SEED,
        ["--seed", s] => parse_num(s, "seed")?,
        _ => return Err(bad(USAGE)),
    };
    let path = Path::new(file);
    let syntax = Syntax::of(path).ok_or_else(|| bad("FILE must end in .json or .toml"))?;
    let started = Instant::now();
    let bytes = generate(n, seed, syntax, path)?;
    eprintln!(
        "generated {} ({n} events + {n} articles, {:.1} MB) in {:.2} s",
        path.display(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// No arguments: a quick look at N=1000 without the shell script.
fn default_run() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("bench-1000.json");
    generate(1000, DEFAULT_SEED, Syntax::Json, &file)?;
    phases::phases(&file, Some(&dir.path().join("out")))
}
