//! [`Staging`]: a build's files, each compared with the published one as it is rendered and
//! written to a temporary file only from its first difference, then committed together.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::{
    BUFFER, Compare, MANIFEST, WriteReport, no_longer_produced, remove_abandoned_temp_files,
    set_readable,
};
use crate::export::{Output, Render, Sink};

/// A build being written. Each output is staged as it is rendered ([`Sink::file`]): its
/// bytes are compared with the published file as they come, and from the first difference
/// on they go to a temporary file beside it, so no output is held in memory and a file
/// whose bytes are already right is neither written nor touched. Only
/// [`Staging::commit`] renames the temporary files into place, all together, so a failure
/// or a kill part-way leaves the published files whole; dropping a `Staging` without
/// committing removes its temporary files. Files can be staged from several threads.
pub struct Staging {
    out_dir: PathBuf,
    state: Mutex<StagingState>,
}

#[derive(Default)]
struct StagingState {
    /// Temporary file, and its target relative to the output directory (the absolute
    /// target is made again at commit: a build of 300 000 files keeps no third path each).
    staged: Vec<(tempfile::TempPath, PathBuf)>,
    produced: Vec<PathBuf>,
    unchanged: Vec<PathBuf>,
    /// Folders known to exist.
    folders: HashSet<PathBuf>,
}

impl Staging {
    pub fn new(out_dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(out_dir)?;
        remove_abandoned_temp_files(out_dir);
        Ok(Staging {
            out_dir: out_dir.to_path_buf(),
            state: Mutex::default(),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, StagingState> {
        // A poisoned lock only means another renderer panicked; the lists are still valid.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Where the bytes of the output at `relative` are now: its temporary file, or, when
    /// the published file was already right, that file. `None` when nothing was staged there.
    pub fn staged_file(&self, relative: &Path) -> Option<PathBuf> {
        let state = self.state();
        if let Some((temp, _)) = state.staged.iter().find(|(_, r)| r == relative) {
            return Some(temp.to_path_buf());
        }
        state
            .unchanged
            .iter()
            .any(|r| r == relative)
            .then(|| self.out_dir.join(relative))
    }

    /// Stages one output that is already in memory.
    pub fn add(&self, output: &Output) -> io::Result<()> {
        let path = output.path.to_string_lossy();
        self.file(&path, &mut |w| w.write_all(&output.contents))
    }

    /// Renames every staged file into place, records the manifest, then removes the
    /// outputs of earlier builds that this one no longer produces.
    pub fn commit(self) -> io::Result<WriteReport> {
        let out_dir = self.out_dir.clone();
        let mut state = std::mem::take(&mut *self.state());
        // Files were staged in whatever order the threads finished them.
        state.staged.sort_by(|a, b| a.1.cmp(&b.1));
        state.unchanged.sort();
        let mut report = WriteReport {
            unchanged: state.unchanged,
            ..WriteReport::default()
        };
        let stale = no_longer_produced(&out_dir, &state.produced);
        let mut manifest: Vec<String> = state
            .produced
            .iter()
            .map(|path| path.to_string_lossy().replace('\\', "/"))
            .collect();
        manifest.sort();
        let manifest = manifest.join("\n") + "\n";
        let manifest_file =
            if fs::read_to_string(out_dir.join(MANIFEST)).is_ok_and(|m| m == manifest) {
                None
            } else {
                let mut file = tempfile::Builder::new()
                    .prefix(".calfeed-")
                    .suffix(".tmp")
                    .tempfile_in(&out_dir)?;
                file.write_all(manifest.as_bytes())?;
                Some(file)
            };
        for (temp, relative) in state.staged {
            temp.persist(out_dir.join(&relative)).map_err(|e| e.error)?;
            report.written.push(relative);
        }
        if let Some(file) = manifest_file {
            file.persist(out_dir.join(MANIFEST)).map_err(|e| e.error)?;
        }
        // Only now that the new build is complete do the old outputs go.
        for old in stale {
            fs::remove_file(out_dir.join(&old))?;
            // Each folder up the path goes too, while calfeed's removals leave it empty
            // (`<slug>/archive/`, then `<slug>/`).
            let mut parent = old.parent();
            while let Some(dir) = parent.filter(|p| !p.as_os_str().is_empty()) {
                if fs::remove_dir(out_dir.join(dir)).is_err() {
                    break;
                }
                parent = dir.parent();
            }
            report.removed.push(old);
        }
        Ok(report)
    }
}

impl Sink for Staging {
    fn file(&self, path: &str, render: &mut Render<'_>) -> io::Result<()> {
        let relative = PathBuf::from(path);
        let target = self.out_dir.join(&relative);
        let dir = target.parent().unwrap_or(&self.out_dir).to_path_buf();
        if !self.state().folders.contains(&dir) {
            fs::create_dir_all(&dir)?;
            self.state().folders.insert(dir.clone());
        }
        let mut writer = io::BufWriter::with_capacity(
            BUFFER,
            StagedFile {
                compare: Compare::open(&target),
                target,
                dir,
                temp: None,
            },
        );
        render(&mut writer)?;
        let staged = writer.into_inner().map_err(|e| e.into_error())?.finish()?;
        let mut state = self.state();
        state.produced.push(relative.clone());
        match staged {
            Some(temp) => state.staged.push((temp, relative)),
            None => state.unchanged.push(relative),
        }
        Ok(())
    }
}

/// One output being staged: compared with the published file until it differs, then
/// written to a temporary file (starting with the part that matched).
struct StagedFile {
    compare: Compare,
    target: PathBuf,
    dir: PathBuf,
    temp: Option<tempfile::NamedTempFile>,
}

impl StagedFile {
    /// Starts the temporary file with the bytes that matched the published file.
    fn diverge(&mut self) -> io::Result<&mut tempfile::NamedTempFile> {
        if self.temp.is_none() {
            let mut temp = tempfile::Builder::new()
                .prefix(".calfeed-")
                .suffix(".tmp")
                .tempfile_in(&self.dir)?;
            if self.compare.matched > 0 {
                let mut same = fs::File::open(&self.target)?.take(self.compare.matched);
                io::copy(&mut same, &mut temp)?;
            }
            set_readable(temp.as_file())?;
            self.temp = Some(temp);
        }
        Ok(self.temp.as_mut().expect("just created"))
    }

    /// The temporary file to rename into place, or `None` when the published file is
    /// already right.
    fn finish(mut self) -> io::Result<Option<tempfile::TempPath>> {
        if self.temp.is_none() && self.compare.matched_all()? {
            return Ok(None);
        }
        // Closed now (only its path is kept): a build with more changed files than the
        // open-file limit must not run out of descriptors. No fsync per file: what must
        // survive is a killed build, which the page cache does; thousands of fsyncs would
        // dominate the build time.
        self.diverge()?;
        let temp = self.temp.take().expect("diverge made it");
        Ok(Some(temp.into_temp_path()))
    }
}

impl Write for StagedFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.temp.is_none() && self.compare.matches(bytes)? {
            return Ok(bytes.len());
        }
        self.diverge()?.write_all(bytes)?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
