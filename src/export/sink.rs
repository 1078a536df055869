//! Where rendered files go: the [`Sink`] every renderer writes through, and [`Collect`],
//! the sink that keeps files in memory (for `serve` and tests).

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use super::Output;

/// Writes the bytes of one file.
pub type Render<'r> = dyn FnMut(&mut dyn Write) -> io::Result<()> + 'r;

/// Where rendered files go. Renderers write each file through [`Sink::file`] as they
/// produce it, so no output is ever held whole in memory; a sink is shared by the
/// threads that render (see [`super::for_each_output`]).
pub trait Sink: Sync {
    /// Creates the file at `path` (relative to the output directory) with the bytes that
    /// `render` writes. A renderer may produce other files while this one is open.
    fn file(&self, path: &str, render: &mut Render<'_>) -> io::Result<()>;
}

/// Collects files in memory, in the order they are finished.
#[derive(Default)]
pub struct Collect(Mutex<Vec<Output>>);

impl Collect {
    pub fn into_outputs(self) -> Vec<Output> {
        self.0.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

impl Sink for Collect {
    fn file(&self, path: &str, render: &mut Render<'_>) -> io::Result<()> {
        let mut contents = Vec::new();
        render(&mut contents)?;
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Output {
                path: PathBuf::from(path),
                contents,
            });
        Ok(())
    }
}
