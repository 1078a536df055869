//! [`Staging`]: a build's files, each compared with the published one as it is rendered and
//! written to a temporary file only from its first difference, then committed together.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::commit::{Transaction, rolled_back};
use super::fresh::Tree;
use super::lock::Lock;
use super::paths::{at_path, is_plain, link_error, make_folders};
use super::{
    BUFFER, Compare, MANIFEST, TEMP_RANDOM, WriteReport, no_longer_produced,
    remove_abandoned_temp_files, set_readable, temp_builder, temp_prefix,
};
use crate::export::{Output, Render, Sink};

/// A build being written. Each output is staged as it is rendered ([`Sink::file`]): its
/// bytes are compared with the published file as they come, and from the first difference
/// on they go to a temporary file beside it, so no output is held in memory and a file
/// whose bytes are already right is neither written nor touched. Only
/// [`Staging::commit`] renames the temporary files into place, all together, so a failure
/// or a kill part-way leaves the published files whole; dropping a `Staging` without
/// committing removes its temporary files and the folders it made. Files can be staged
/// from several threads.
///
/// Into an output folder that holds nothing yet, outputs are instead written in place in a
/// private folder inside it, which the commit moves into place whole (see
/// `publish::fresh`): with nothing published, there is nothing to compare with, and a few
/// renames replace one per file.
///
/// A `Staging` holds the output folder's lock ([`LOCK`](super::LOCK)) from
/// [`Staging::new`] until it is committed or dropped: a second build of the same folder
/// meanwhile fails at once. No symbolic link below the output folder is followed: an
/// output whose path goes through one, or is one, is refused.
pub struct Staging {
    out_dir: PathBuf,
    /// What the previous build recorded in the manifest: the files calfeed wrote.
    previous: Previous,
    adopt: bool,
    /// The private folder of a build into an empty output folder.
    fresh: Option<Tree>,
    state: Mutex<StagingState>,
    /// Held to the end (fields drop after [`Drop::drop`] has cleaned up).
    _lock: Lock,
}

/// The outputs staged so far, kept small while the model is still in memory (a build of
/// 300 000 files keeps their paths one after the other and 24 bytes each, not four paths
/// each): the commit makes the full lists, once the model is gone. Both are kept in
/// blocks allocated once, never moved: growing copies nothing, and leaves no freed
/// megabytes behind.
#[derive(Default)]
struct Outputs {
    /// Every output's path relative to the output folder, one after the other, in blocks
    /// of [`BLOCK`] bytes (a longer path has a block of its own).
    names: Vec<String>,
    /// In the order staged, in blocks of [`ENTRIES`]: where its path is in `names`, and
    /// the random part of its temporary file's name (`None`: the published file is
    /// already right). The temporary file is beside the target: made again from the two,
    /// it is removed on drop unless the commit took it.
    staged: Vec<Vec<Staged>>,
}

/// The size of a block of paths.
const BLOCK: usize = 64 * 1024;
/// The number of outputs in a block of [`Staged`].
const ENTRIES: usize = 2048;

/// What the previous build recorded in the manifest (the files calfeed wrote), as
/// [`previous_outputs`](super::previous_outputs) reads it, kept as the manifest's text and
/// where each path is in it, sorted and without repeats (as paths compare: `a//b` is
/// `a/b`), not as a path each (300 000 of them at N = 100 000).
#[derive(Default)]
struct Previous {
    text: String,
    paths: Vec<(usize, usize)>,
}

impl Previous {
    fn read(out_dir: &Path) -> Self {
        let Ok(text) = fs::read_to_string(out_dir.join(MANIFEST)) else {
            return Previous::default();
        };
        let base = text.as_ptr() as usize;
        let mut paths: Vec<(usize, usize)> = text
            .lines()
            .filter(|line| is_plain(Path::new(line)))
            .map(|line| (line.as_ptr() as usize - base, line.len()))
            .collect();
        let path = |&(start, len): &(usize, usize)| Path::new(&text[start..start + len]);
        // Stable: of paths that are the same, the first stays, as in a set.
        paths.sort_by(|a, b| path(a).cmp(path(b)));
        paths.dedup_by(|a, b| path(a) == path(b));
        Previous { text, paths }
    }

    fn path(&self, (start, len): (usize, usize)) -> &Path {
        Path::new(&self.text[start..start + len])
    }

    fn contains(&self, relative: &Path) -> bool {
        self.paths
            .binary_search_by(|&at| self.path(at).cmp(relative))
            .is_ok()
    }

    /// Every path, sorted.
    fn paths(self) -> Vec<PathBuf> {
        self.paths
            .iter()
            .map(|&at| self.path(at).to_path_buf())
            .collect()
    }
}

/// A temporary file, and the path (relative to the output folder) it is renamed to.
type TempFor = (tempfile::TempPath, PathBuf);

struct Staged {
    block: u32,
    start: u32,
    len: u16,
    temp: Option<[u8; TEMP_RANDOM]>,
}

impl Outputs {
    /// Each output staged, with its path, in the order staged.
    fn iter(&self) -> impl Iterator<Item = (&str, &Staged)> {
        self.staged.iter().flatten().map(|staged| {
            let start = staged.start as usize;
            let name = &self.names[staged.block as usize][start..start + usize::from(staged.len)];
            (name, staged)
        })
    }

    fn push(&mut self, relative: &str, temp: Option<[u8; TEMP_RANDOM]>) -> io::Result<()> {
        let too_long = || {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{relative}: the path is too long"),
            )
        };
        let len = u16::try_from(relative.len()).map_err(|_| too_long())?;
        let fits = |block: &String| block.capacity() - block.len() >= relative.len();
        if !self.names.last().is_some_and(fits) {
            self.names
                .push(String::with_capacity(BLOCK.max(relative.len())));
        }
        let block = self.names.len() - 1;
        let names = &mut self.names[block];
        let start = names.len();
        names.push_str(relative);
        if self.staged.last().is_none_or(|b| b.len() == ENTRIES) {
            self.staged.push(Vec::with_capacity(ENTRIES));
        }
        let entries = self.staged.last_mut().expect("just made");
        entries.push(Staged {
            block: u32::try_from(block).map_err(|_| too_long())?,
            start: u32::try_from(start).map_err(|_| too_long())?,
            len,
            temp,
        });
        Ok(())
    }

    /// The temporary file of an output staged at `relative`.
    fn temp_path(out_dir: &Path, relative: &str, random: &[u8; TEMP_RANDOM]) -> PathBuf {
        let parent = Path::new(relative).parent().unwrap_or(Path::new(""));
        let random = String::from_utf8_lossy(random);
        out_dir
            .join(parent)
            .join(format!("{}{random}.tmp", temp_prefix()))
    }

    /// Each output's temporary file (owned again: removed when dropped) and target, and
    /// the outputs whose published file is already right, both in the order staged.
    /// Should that fail, the temporary files are removed.
    fn split(&self, out_dir: &Path) -> io::Result<(Vec<TempFor>, Vec<PathBuf>)> {
        // As `tempfile` made them: absolute, whatever the current folder becomes.
        let base = std::path::absolute(out_dir).unwrap_or_else(|_| out_dir.to_path_buf());
        let mut staged = Vec::new();
        let mut unchanged = Vec::new();
        for (relative, output) in self.iter() {
            match &output.temp {
                Some(random) => {
                    let temp =
                        tempfile::TempPath::try_from_path(Self::temp_path(&base, relative, random));
                    match temp {
                        Ok(temp) => staged.push((temp, PathBuf::from(relative))),
                        Err(e) => {
                            drop(staged);
                            self.remove_temp_files(out_dir);
                            return Err(e);
                        }
                    }
                }
                None => unchanged.push(PathBuf::from(relative)),
            }
        }
        Ok((staged, unchanged))
    }

    /// Removes every temporary file.
    fn remove_temp_files(&self, out_dir: &Path) {
        for (relative, output) in self.iter() {
            if let Some(random) = &output.temp {
                let _ = fs::remove_file(Self::temp_path(out_dir, relative, random));
            }
        }
    }
}

/// The random part of the name of a temporary file made by [`temp_builder`].
fn temp_random(temp: &Path) -> Option<[u8; TEMP_RANDOM]> {
    let name = temp.file_name()?.to_str()?;
    let random = name.strip_prefix(temp_prefix())?.strip_suffix(".tmp")?;
    random.as_bytes().try_into().ok()
}

#[derive(Default)]
struct StagingState {
    outputs: Outputs,
    /// Folders known to exist.
    folders: HashSet<PathBuf>,
    /// Folders this build made: removed again (when empty) unless it commits.
    created: Vec<PathBuf>,
    /// Staged outputs that would replace a file the previous build did not write.
    foreign: Vec<PathBuf>,
}

impl Staging {
    /// Starts a build of `out_dir` (made if missing): takes its lock, then removes the
    /// temporary files a killed build left there.
    pub fn new(out_dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(out_dir).map_err(|e| at_path(out_dir, e))?;
        let lock = Lock::acquire(out_dir)?;
        remove_abandoned_temp_files(out_dir);
        Ok(Staging {
            out_dir: out_dir.to_path_buf(),
            previous: Previous::read(out_dir),
            adopt: false,
            fresh: Tree::for_empty(out_dir)?,
            state: Mutex::default(),
            _lock: lock,
        })
    }

    /// Whether the build may replace a file that is where one of its outputs goes but
    /// that no earlier build wrote (it is not in the manifest): someone's own file, by
    /// default left alone, the commit refused. Once adopted, such a file is an output like
    /// any other, and is deleted when no build produces it any more. (A file that already
    /// holds exactly the output's bytes is adopted either way: nothing is overwritten.)
    pub fn adopting(mut self, adopt: bool) -> Self {
        self.adopt = adopt;
        self
    }

    fn state(&self) -> std::sync::MutexGuard<'_, StagingState> {
        // A poisoned lock only means another renderer panicked; the lists are still valid.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Where the bytes of the output at `relative` are now: its temporary file, or, when
    /// the published file was already right, that file. `None` when nothing was staged there.
    pub fn staged_file(&self, relative: &Path) -> Option<PathBuf> {
        let state = self.state();
        let (name, output) = state
            .outputs
            .iter()
            .find(|(name, _)| Path::new(name) == relative)?;
        Some(match (&output.temp, &self.fresh) {
            (Some(random), _) => Outputs::temp_path(&self.out_dir, name, random),
            (None, Some(tree)) => tree.path_of(relative),
            (None, None) => self.out_dir.join(relative),
        })
    }

    /// Lets `f` go through the path of every output staged so far (relative to the output
    /// folder), in the order they were staged.
    pub fn with_staged(&self, f: impl FnOnce(&mut dyn Iterator<Item = &str>)) {
        let state = self.state();
        f(&mut state.outputs.iter().map(|(name, _)| name));
    }

    /// Stages one output that is already in memory.
    pub fn add(&self, output: &Output) -> io::Result<()> {
        let path = output.path.to_string_lossy();
        self.file(&path, &mut |w| w.write_all(&output.contents))
    }

    /// Renames every staged file into place, records the manifest, then removes the
    /// outputs of earlier builds that this one no longer produces. When a step fails,
    /// every step before it is undone: the error names the file, and nothing published
    /// has changed (or the error says exactly what could not be put back).
    pub fn commit(mut self) -> io::Result<WriteReport> {
        if let Some(tree) = self.fresh.take() {
            return self.commit_fresh(tree);
        }
        let out_dir = self.out_dir.clone();
        if !self.state().foreign.is_empty() && !self.adopt {
            // Dropping the staging removes its temporary files and the folders it made.
            let mut foreign = std::mem::take(&mut self.state().foreign);
            foreign.sort();
            return Err(foreign_error(&out_dir, &foreign));
        }
        let mut state = std::mem::take(&mut *self.state());
        // The folders made stay listed, to go again (by `drop`) unless all goes through.
        self.state().created = std::mem::take(&mut state.created);
        let produced: Vec<PathBuf> = state
            .outputs
            .iter()
            .map(|(name, _)| PathBuf::from(name))
            .collect();
        let (mut staged, mut unchanged) = state.outputs.split(&out_dir)?;
        drop(state.outputs);
        // Files were staged in whatever order the threads finished them.
        staged.sort_by(|a, b| a.1.cmp(&b.1));
        unchanged.sort();
        let mut report = WriteReport {
            unchanged,
            ..WriteReport::default()
        };
        let previous = std::mem::take(&mut self.previous).paths();
        let stale = no_longer_produced(&out_dir, previous, &produced);
        let manifest_file = manifest_file(&out_dir, &produced)?;
        let mut transaction = Transaction::new(&out_dir);
        let applied = apply(&mut transaction, staged, manifest_file, &stale, &mut report);
        if let Err(error) = applied {
            let steps = transaction.steps();
            let failed = transaction.roll_back();
            return Err(rolled_back(error, steps, &failed));
        }
        transaction.finish();
        self.state().created.clear();
        // Each folder up a removed file's path goes too, while calfeed's removals leave
        // it empty (`<slug>/archive/`, then `<slug>/`).
        for old in &report.removed {
            let mut parent = old.parent();
            while let Some(dir) = parent.filter(|p| !p.as_os_str().is_empty()) {
                if fs::remove_dir(out_dir.join(dir)).is_err() {
                    break;
                }
                parent = dir.parent();
            }
        }
        Ok(report)
    }
}

impl Staging {
    /// The commit of a build into an empty output folder: its tree moved into place,
    /// then the manifest; undone when a step fails.
    fn commit_fresh(self, tree: Tree) -> io::Result<WriteReport> {
        let state = std::mem::take(&mut *self.state());
        let mut names: Vec<&str> = state.outputs.iter().map(|(name, _)| name).collect();
        sort_as_paths(&mut names);
        names.dedup();
        let written: Vec<PathBuf> = names.into_iter().map(PathBuf::from).collect();
        drop(state);
        let manifest = manifest_file(&self.out_dir, &written)?;
        let mut transaction = Transaction::new(&self.out_dir);
        let applied = tree
            .move_in(&mut transaction)
            .and_then(|()| match manifest {
                Some(manifest) => transaction.replace(manifest, Path::new(MANIFEST)),
                None => Ok(()),
            });
        if let Err(error) = applied {
            let steps = transaction.steps();
            let failed = transaction.roll_back();
            return Err(rolled_back(error, steps, &failed));
        }
        transaction.finish();
        Ok(WriteReport {
            written,
            ..WriteReport::default()
        })
    }
}

/// Sorts relative paths as [`Path`]s compare (folder by folder), without taking each
/// apart into components at every comparison (at N = 100 000, 300 000 paths): for paths
/// made only of plain names, that order is the bytes' order with `/` below every other
/// byte. Paths with an empty or `.` part compare as paths.
fn sort_as_paths(paths: &mut [&str]) {
    let plain = |path: &str| path.split('/').all(|part| !part.is_empty() && part != ".");
    if paths.iter().all(|path| plain(path)) {
        fn key(path: &str) -> impl Iterator<Item = u8> + '_ {
            path.bytes().map(|b| if b == b'/' { 0 } else { b })
        }
        paths.sort_unstable_by(|a, b| key(a).cmp(key(b)));
    } else {
        paths.sort_unstable_by(|a, b| Path::new(a).cmp(Path::new(b)));
    }
}

/// The manifest listing `produced`, in a temporary file in `out_dir`; `None` when the
/// manifest there already says exactly that.
fn manifest_file(out_dir: &Path, produced: &[PathBuf]) -> io::Result<Option<tempfile::TempPath>> {
    let mut manifest: Vec<String> = produced
        .iter()
        .map(|path| path.to_string_lossy().replace('\\', "/"))
        .collect();
    manifest.sort();
    let manifest = manifest.join("\n") + "\n";
    if fs::read_to_string(out_dir.join(MANIFEST)).is_ok_and(|m| m == manifest) {
        return Ok(None);
    }
    let mut file = temp_builder().tempfile_in(out_dir)?;
    file.write_all(manifest.as_bytes())?;
    Ok(Some(file.into_temp_path()))
}

/// The steps of a commit: the new files, the manifest, then (only now that the new build
/// is complete) the removal of the old outputs.
fn apply(
    transaction: &mut Transaction<'_>,
    staged: Vec<TempFor>,
    manifest: Option<tempfile::TempPath>,
    stale: &[PathBuf],
    report: &mut WriteReport,
) -> io::Result<()> {
    for (temp, relative) in staged {
        transaction.replace(temp, &relative)?;
        report.written.push(relative);
    }
    if let Some(manifest) = manifest {
        transaction.replace(manifest, Path::new(MANIFEST))?;
    }
    for old in stale {
        transaction.remove(old)?;
        report.removed.push(old.clone());
    }
    Ok(())
}

/// The refusal to replace files no earlier build wrote.
fn foreign_error(out_dir: &Path, foreign: &[PathBuf]) -> io::Error {
    const SHOWN: usize = 5;
    let mut list: Vec<String> = foreign
        .iter()
        .take(SHOWN)
        .map(|path| out_dir.join(path).display().to_string())
        .collect();
    if foreign.len() > SHOWN {
        list.push(format!("and {} more", foreign.len() - SHOWN));
    }
    io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!(
            "not replacing what calfeed did not write (not listed in {}): {}; move it away, \
             or build with --adopt to let calfeed overwrite it (it then counts as an output, \
             deleted once no longer produced); nothing was written",
            out_dir.join(MANIFEST).display(),
            list.join(", ")
        ),
    )
}

impl Drop for Staging {
    /// Without a commit: the temporary files go, then the folders this build made (those
    /// now empty), deepest first.
    fn drop(&mut self) {
        let state = std::mem::take(&mut *self.state());
        let StagingState {
            outputs,
            mut created,
            ..
        } = state;
        outputs.remove_temp_files(&self.out_dir);
        created.sort_by_key(|dir| std::cmp::Reverse(dir.components().count()));
        for dir in created {
            let _ = fs::remove_dir(dir);
        }
    }
}

impl Staging {
    /// Stages the output at `path` as the file already there, without reading it: for a
    /// caller that knows the file holds exactly the bytes the output would have (the build
    /// cache, which recorded it). Refused as [`Sink::file`] refuses a path; an error when
    /// there is no file there.
    pub fn keep(&self, path: &str) -> io::Result<()> {
        if self.fresh.is_some() {
            // An empty output folder has nothing to keep.
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} is gone", self.out_dir.join(path).display()),
            ));
        }
        let (_, target, existing) = self.prepare(path)?;
        if !existing.is_some_and(|m| m.is_file()) {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} is gone", target.display()),
            ));
        }
        // Its bytes are the output's: like a file found to hold them already, it is
        // adopted whether or not the manifest lists it.
        self.state().outputs.push(path, None)
    }

    /// Checks where an output goes, makes its folders: its folder, its path and what is
    /// there now.
    fn prepare(&self, path: &str) -> io::Result<(PathBuf, PathBuf, Option<fs::Metadata>)> {
        let relative = checked(path)?;
        let parent = relative.parent().unwrap_or(Path::new(""));
        let dir = self.out_dir.join(parent);
        if !self.state().folders.contains(&dir) {
            let mut created = Vec::new();
            let made = make_folders(&self.out_dir, parent, &mut created);
            let mut state = self.state();
            state.created.extend(created);
            made?;
            state.folders.insert(dir.clone());
        }
        let target = self.out_dir.join(relative);
        let existing = fs::symlink_metadata(&target).ok();
        if existing
            .as_ref()
            .is_some_and(|m| m.file_type().is_symlink())
        {
            return Err(link_error(&target));
        }
        Ok((dir, target, existing))
    }
}

/// `path` as a path below the output folder, or the refusal of one that is not.
fn checked(path: &str) -> io::Result<&Path> {
    let relative = Path::new(path);
    // (Kept in 16 bits; no file system takes a longer path anyway.)
    if !is_plain(relative) || path.len() > usize::from(u16::MAX) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{path} is not a path inside the output folder"),
        ));
    }
    Ok(relative)
}

impl Sink for Staging {
    fn file(&self, path: &str, render: &mut Render<'_>) -> io::Result<()> {
        if let Some(tree) = &self.fresh {
            tree.file(checked(path)?, render)?;
            return self.state().outputs.push(path, None);
        }
        let (dir, target, existing) = self.prepare(path)?;
        let relative = PathBuf::from(path);
        let foreign = existing.is_some() && !self.previous.contains(&relative);
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
        let random = match &staged {
            Some(temp) => Some(temp_random(temp).ok_or_else(|| {
                io::Error::other(format!(
                    "unexpected temporary file name: {}",
                    temp.display()
                ))
            })?),
            None => None,
        };
        // The temporary file is the staging's now (removed on drop unless committed).
        if let Some(temp) = staged {
            temp.keep().map_err(|e| e.error)?;
        }
        let mut state = self.state();
        if random.is_some() && foreign {
            state.foreign.push(relative);
        }
        state.outputs.push(path, random)
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
            let mut temp = temp_builder().tempfile_in(&self.dir)?;
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

#[cfg(test)]
mod keep_tests {
    use super::*;

    /// The quick order is the order of paths, also where a name has a byte below `/`
    /// (`-`, `.`, a space) after a shorter name; odd paths fall back to comparing paths.
    #[test]
    fn paths_sorted_quickly_are_in_the_order_of_paths() {
        let names = [
            "index.html",
            "a-b/x.html",
            "a/x.html",
            "a.b",
            "a",
            "a/b/c.ics",
            "a b/x",
            "a/b",
            "bench-10000.ics",
            "bench-10000/x.html",
            "bench/archive/2020.ics",
            "bench/a.html",
            "bench/archive.html",
            "bench/archive/index.html",
            "z",
            "bench-1/y",
            "bench.ics",
        ];
        fn by_paths<'a>(list: &[&'a str]) -> Vec<&'a str> {
            let mut list = list.to_vec();
            list.sort_by(|a, b| Path::new(a).cmp(Path::new(b)));
            list
        }
        let mut quick = names.to_vec();
        sort_as_paths(&mut quick);
        assert_eq!(quick, by_paths(&names));
        // Byte order alone would differ: "a-b/x.html" before "a/x.html".
        let mut bytes = names.to_vec();
        bytes.sort_unstable();
        assert_ne!(bytes, by_paths(&names));
        let odd = ["a//b", "a/c", "a-b", "./a/z", "a/./a"];
        let mut quick = odd.to_vec();
        sort_as_paths(&mut quick);
        assert_eq!(quick, by_paths(&odd));
    }

    /// A file kept is committed as an output (listed, unchanged, untouched); a missing
    /// file or a symbolic link is refused, as `Sink::file` refuses one.
    #[test]
    fn a_kept_file_is_an_unchanged_output_and_only_a_plain_file_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let first = Staging::new(out).unwrap();
        first.add(&output("s/a.html", "A")).unwrap();
        first.add(&output("s/b.html", "B")).unwrap();
        first.commit().unwrap();
        let before = fs::metadata(out.join("s/a.html"))
            .unwrap()
            .modified()
            .unwrap();

        let second = Staging::new(out).unwrap();
        second.keep("s/a.html").unwrap();
        assert!(second.keep("s/missing.html").is_err());
        assert!(second.keep("../outside.html").is_err());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(out.join("s/b.html"), out.join("s/link.html")).unwrap();
            assert!(second.keep("s/link.html").is_err());
        }
        let report = second.commit().unwrap();
        assert_eq!(report.unchanged, [PathBuf::from("s/a.html")]);
        assert!(report.written.is_empty());
        assert_eq!(report.removed, [PathBuf::from("s/b.html")]);
        assert_eq!(fs::read_to_string(out.join("s/a.html")).unwrap(), "A");
        let after = fs::metadata(out.join("s/a.html"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(before, after);
        let manifest = fs::read_to_string(out.join(MANIFEST)).unwrap();
        assert_eq!(manifest, "s/a.html\n");
    }

    fn output(path: &str, contents: &str) -> Output {
        Output {
            path: PathBuf::from(path),
            contents: contents.as_bytes().to_vec(),
        }
    }
}
