//! [`Checking`]: whether what a build would write is what is published, found as the files
//! are rendered, writing nothing (`calfeed build --check`).

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::{BUFFER, Compare, no_longer_produced, previous_outputs};
use crate::export::{Output, Render, Sink};

/// Why a published file is not what a build would write.
#[derive(Debug, PartialEq, Eq)]
pub enum Stale {
    Missing(PathBuf),
    Differs(PathBuf),
    /// Written by an earlier build, no longer produced (a removed event, say).
    Obsolete(PathBuf),
}

/// Compares `outputs` with the files under `out_dir` without writing anything.
pub fn check(out_dir: &Path, outputs: &[Output]) -> Vec<Stale> {
    let checking = Checking::new(out_dir);
    for output in outputs {
        let path = output.path.to_string_lossy();
        checking
            .file(&path, &mut |w| w.write_all(&output.contents))
            .expect("comparing never fails to write");
    }
    checking.finish().0
}

/// Whether a build's outputs are what is on disk, found as they are rendered
/// ([`Sink::file`]) without writing anything.
pub struct Checking {
    out_dir: PathBuf,
    found: Mutex<(Vec<Stale>, Vec<PathBuf>)>,
}

impl Checking {
    pub fn new(out_dir: &Path) -> Self {
        Checking {
            out_dir: out_dir.to_path_buf(),
            found: Mutex::default(),
        }
    }

    /// What is stale (missing or different files by path, then obsolete ones), and every
    /// path a build produces.
    pub fn finish(self) -> (Vec<Stale>, Vec<PathBuf>) {
        let (mut stale, mut produced) = self.found.into_inner().unwrap_or_else(|e| e.into_inner());
        stale.sort_by(|a, b| a.path().cmp(b.path()));
        produced.sort();
        stale.extend(obsolete(&self.out_dir, &produced));
        (stale, produced)
    }
}

impl Stale {
    pub fn path(&self) -> &Path {
        match self {
            Stale::Missing(path) | Stale::Differs(path) | Stale::Obsolete(path) => path,
        }
    }
}

impl Sink for Checking {
    fn file(&self, path: &str, render: &mut Render<'_>) -> io::Result<()> {
        let relative = PathBuf::from(path);
        let mut compare = CompareOnly {
            compare: Compare::open(&self.out_dir.join(&relative)),
            differs: false,
        };
        let missing = compare.compare.existing.is_none();
        let mut writer = io::BufWriter::with_capacity(BUFFER, &mut compare);
        render(&mut writer)?;
        writer.flush()?;
        drop(writer);
        let same = !compare.differs && compare.compare.matched_all()?;
        let mut found = self.found.lock().unwrap_or_else(|e| e.into_inner());
        if missing {
            found.0.push(Stale::Missing(relative.clone()));
        } else if !same {
            found.0.push(Stale::Differs(relative.clone()));
        }
        found.1.push(relative);
        Ok(())
    }
}

/// A writer that only compares with the published file.
struct CompareOnly {
    compare: Compare,
    differs: bool,
}

impl Write for CompareOnly {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if !self.differs && !self.compare.matches(bytes)? {
            self.differs = true;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Files an earlier build wrote that a build producing `produced` would remove.
pub fn obsolete(out_dir: &Path, produced: &[PathBuf]) -> Vec<Stale> {
    no_longer_produced(out_dir, previous_outputs(out_dir), produced)
        .into_iter()
        .map(Stale::Obsolete)
        .collect()
}
