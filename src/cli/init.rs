//! `calfeed init`: the commented example publication to start from.

use std::path::PathBuf;

use calfeed::scaffold::{self, InitError};

use super::exit::Exit;
use super::report::Reporter;

#[derive(clap::Args)]
pub struct Args {
    /// The project directory; the example goes to DIR/feeds/my-events.toml.
    #[arg(default_value = ".")]
    dir: PathBuf,
}

pub fn run(reporter: &Reporter, args: Args) -> Exit {
    match scaffold::init(&args.dir) {
        Ok(written) => {
            reporter.info(format!(
                "wrote {}: edit it, then run `calfeed build --in {}`",
                written.display(),
                args.dir.join("feeds").display()
            ));
            Exit::Success
        }
        Err(error) => {
            reporter.error(&error);
            match error {
                InitError::Exists(_) => Exit::InvalidInput,
                InitError::Write(..) => Exit::Output,
            }
        }
    }
}
