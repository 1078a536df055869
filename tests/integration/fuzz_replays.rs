//! Fuzz regressions: the inputs the fuzzers under `fuzz/` found, saved under
//! tests/fuzz-regressions/<target>/, replayed through the very checks the fuzz targets make
//! (`support::fuzz`, which fuzz/src/lib.rs includes).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::Test;
use crate::support::api::Format;
use crate::support::fuzz::{load, round_trip};

/// The inputs saved under tests/fuzz-regressions/<target>/, by target.
fn fuzz_regressions(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut inputs: Vec<(PathBuf, Vec<u8>)> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = fs::read(&p).expect("read a regression input");
            (p, bytes)
        })
        .collect();
    inputs.sort();
    inputs
}

#[test]
fn fuzz_regressions_still_pass() {
    let mut replayed = 0;
    for target in ["load_toml", "load_json", "ical_text"] {
        for (path, bytes) in fuzz_regressions(target) {
            let replay = || match target {
                "load_toml" => load(&bytes, Format::Toml),
                "load_json" => load(&bytes, Format::Json),
                _ => {
                    if let Ok(text) = std::str::from_utf8(&bytes) {
                        round_trip(text);
                    }
                }
            };
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(replay));
            assert!(result.is_ok(), "{} fails again", path.display());
            replayed += 1;
        }
    }
    println!("{replayed} fuzz regression inputs replayed");
}

/// Found by the load_json fuzz target: a `}` inside a JSON array made the locator loop,
/// taking all memory. Run in a child process with bounded memory, in case it comes back.
#[test]
fn a_brace_inside_a_json_array_is_an_error_not_a_runaway() {
    for name in [
        "load_json/array-closed-by-brace.json",
        "load_json/typo-in-array.json",
    ] {
        let input = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz-regressions")
            .join(name);
        let text = fs::read_to_string(&input).expect("read the regression input");
        // (A runaway is killed after 20 s, and fails the test.)
        let run = Test::new()
            .feed("a.json", &text)
            .ulimit("-v 1000000")
            .args(["check"])
            .spawn()
            .finish(Duration::from_secs(20));
        let (status, stderr) = (run.code, &run.stderr);
        assert_eq!(status, Some(1), "{name}: {status:?}\n{stderr}");
        assert!(stderr.contains(" --> feeds/a.json:1:"), "{name}:\n{stderr}");
    }
}
