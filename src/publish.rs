//! Putting rendered outputs on disk: atomically, and only where they changed; or, for CI,
//! checking without writing that what is on disk is what a build would write.

use std::collections::HashSet;
use std::fs;
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::export::{Output, Render, Sink};

/// The list of files calfeed wrote, kept in the output directory so that outputs of
/// removed events and publications can be deleted, while files calfeed did not write
/// (a CNAME, a favicon) are never touched.
pub const MANIFEST: &str = ".calfeed-manifest";

/// What a build did to the output directory.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct WriteReport {
    pub written: Vec<PathBuf>,
    pub unchanged: Vec<PathBuf>,
    /// Files an earlier build wrote that this build no longer produces.
    pub removed: Vec<PathBuf>,
}

/// The paths the previous build recorded, relative to `out_dir`. Entries that could
/// point outside `out_dir` are ignored: the manifest is data on disk, not trusted.
fn previous_outputs(out_dir: &Path) -> Vec<PathBuf> {
    let Ok(text) = fs::read_to_string(out_dir.join(MANIFEST)) else {
        return Vec::new();
    };
    text.lines()
        .map(PathBuf::from)
        .filter(|path| {
            path.components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
                && !path.as_os_str().is_empty()
        })
        .collect()
}

fn no_longer_produced(out_dir: &Path, produced: &[PathBuf]) -> Vec<PathBuf> {
    let produced: std::collections::HashSet<&PathBuf> = produced.iter().collect();
    previous_outputs(out_dir)
        .into_iter()
        .filter(|old| !produced.contains(old))
        .filter(|old| out_dir.join(old).is_file())
        .collect()
}

/// Writes every output under `out_dir`; see [`Staging`].
pub fn write_all(out_dir: &Path, outputs: &[Output]) -> io::Result<WriteReport> {
    let staging = Staging::new(out_dir)?;
    for output in outputs {
        staging.add(output)?;
    }
    staging.commit()
}

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
    /// Temporary file, target, and target relative to the output directory.
    staged: Vec<(tempfile::TempPath, PathBuf, PathBuf)>,
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
        if let Some((temp, ..)) = state.staged.iter().find(|(_, _, r)| r == relative) {
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
        state.staged.sort_by(|a, b| a.2.cmp(&b.2));
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
        for (temp, target, relative) in state.staged {
            temp.persist(&target).map_err(|e| e.error)?;
            report.written.push(relative);
        }
        if let Some(file) = manifest_file {
            file.persist(out_dir.join(MANIFEST)).map_err(|e| e.error)?;
        }
        // Only now that the new build is complete do the old outputs go.
        for old in stale {
            fs::remove_file(out_dir.join(&old))?;
            if let Some(parent) = old.parent().filter(|p| !p.as_os_str().is_empty()) {
                // Succeeds only when calfeed's removal left the folder empty.
                let _ = fs::remove_dir(out_dir.join(parent));
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
            Some((temp, target)) => state.staged.push((temp, target, relative)),
            None => state.unchanged.push(relative),
        }
        Ok(())
    }
}

/// Large enough for a one-event file in one write; small enough that allocating one per file
/// (10 000 of them and more) costs nothing.
const BUFFER: usize = 16 * 1024;

/// Compares bytes, as they are written, with the file published at a path.
struct Compare {
    /// The published file, while what was written so far matches it.
    existing: Option<io::BufReader<fs::File>>,
    /// How many bytes matched.
    matched: u64,
}

impl Compare {
    fn open(target: &Path) -> Self {
        Compare {
            existing: fs::File::open(target)
                .ok()
                .map(|file| io::BufReader::with_capacity(BUFFER, file)),
            matched: 0,
        }
    }

    /// Whether everything written so far, and `bytes`, match the file; once not, always not.
    fn matches(&mut self, bytes: &[u8]) -> io::Result<bool> {
        let Some(existing) = &mut self.existing else {
            return Ok(false);
        };
        let mut rest = bytes;
        while !rest.is_empty() {
            // A published file that cannot be read (a folder, say) is simply not the same.
            let Ok(available) = existing.fill_buf() else {
                self.existing = None;
                return Ok(false);
            };
            let n = available.len().min(rest.len());
            if n == 0 || available[..n] != rest[..n] {
                self.existing = None;
                return Ok(false);
            }
            existing.consume(n);
            rest = &rest[n..];
        }
        self.matched += bytes.len() as u64;
        Ok(true)
    }

    /// Whether the file matched and has nothing more.
    fn matched_all(&mut self) -> io::Result<bool> {
        match &mut self.existing {
            Some(existing) => Ok(existing.fill_buf().is_ok_and(|rest| rest.is_empty())),
            None => Ok(false),
        }
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
    fn finish(mut self) -> io::Result<Option<(tempfile::TempPath, PathBuf)>> {
        if self.temp.is_none() && self.compare.matched_all()? {
            return Ok(None);
        }
        // Closed now (only its path is kept): a build with more changed files than the
        // open-file limit must not run out of descriptors. No fsync per file: what must
        // survive is a killed build, which the page cache does; thousands of fsyncs would
        // dominate the build time.
        self.diverge()?;
        let temp = self.temp.take().expect("diverge made it");
        Ok(Some((temp.into_temp_path(), self.target)))
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

/// A build killed between writing a temporary file and renaming it leaves the file
/// behind; the next build removes such files (only calfeed's, by their name).
fn remove_abandoned_temp_files(out_dir: &Path) {
    // Outputs are at most one folder deep; a removed publication's folder counts too.
    let mut dirs = vec![out_dir.to_path_buf()];
    if let Ok(entries) = fs::read_dir(out_dir) {
        dirs.extend(
            entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path()),
        );
    }
    for dir in dirs {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(".calfeed-") && name.ends_with(".tmp") {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// Replaces one file atomically: the new contents go to a temporary file beside it, which
/// is then renamed over it, so a reader sees the old file or the new one, never a part.
pub fn replace_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".calfeed-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temp.write_all(contents)?;
    temp.as_file().sync_all()?;
    set_readable(temp.as_file())?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Temporary files are created private (0600); published files are for everyone to read.
#[cfg(unix)]
fn set_readable(file: &fs::File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn set_readable(_file: &fs::File) -> io::Result<()> {
    Ok(())
}

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
    no_longer_produced(out_dir, produced)
        .into_iter()
        .map(Stale::Obsolete)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(path: &str, contents: &str) -> Output {
        Output {
            path: PathBuf::from(path),
            contents: contents.as_bytes().to_vec(),
        }
    }

    #[test]
    fn writes_then_leaves_unchanged_files_alone() {
        let dir = tempfile::tempdir().unwrap();
        let outputs = [output("a.ics", "A"), output("sub/b.ics", "B")];
        let first = write_all(dir.path(), &outputs).unwrap();
        assert_eq!(first.written.len(), 2);
        assert_eq!(
            fs::read_to_string(dir.path().join("sub/b.ics")).unwrap(),
            "B"
        );
        let second = write_all(dir.path(), &outputs).unwrap();
        assert!(second.written.is_empty());
        assert_eq!(second.unchanged.len(), 2);
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn outputs_no_longer_produced_are_removed_but_foreign_files_stay() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("CNAME"), "example.org").unwrap();
        write_all(
            dir.path(),
            &[output("a.ics", "A"), output("ev/old.ics", "O")],
        )
        .unwrap();
        let new = [output("a.ics", "A")];
        assert_eq!(
            check(dir.path(), &new),
            vec![Stale::Obsolete(PathBuf::from("ev/old.ics"))]
        );
        let report = write_all(dir.path(), &new).unwrap();
        assert_eq!(report.removed, vec![PathBuf::from("ev/old.ics")]);
        assert!(!dir.path().join("ev").exists());
        assert!(dir.path().join("CNAME").exists());
        assert!(check(dir.path(), &new).is_empty());
    }

    #[test]
    fn a_tampered_manifest_cannot_delete_outside_the_output() {
        let outer = tempfile::tempdir().unwrap();
        let out = outer.path().join("public");
        fs::create_dir(&out).unwrap();
        fs::write(outer.path().join("precious"), "keep").unwrap();
        fs::write(out.join(MANIFEST), "../precious\n/etc/passwd\n").unwrap();
        write_all(&out, &[output("a.ics", "A")]).unwrap();
        assert!(outer.path().join("precious").exists());
    }

    #[test]
    fn temporary_files_of_a_killed_build_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        fs::write(dir.path().join(".calfeed-abc.tmp"), "half").unwrap();
        fs::write(dir.path().join("sub/.calfeed-def.tmp"), "half").unwrap();
        fs::write(dir.path().join("keep.tmp"), "not ours").unwrap();
        write_all(dir.path(), &[output("sub/b.ics", "B")]).unwrap();
        assert!(!dir.path().join(".calfeed-abc.tmp").exists());
        assert!(!dir.path().join("sub/.calfeed-def.tmp").exists());
        assert!(dir.path().join("keep.tmp").exists());
    }

    #[test]
    fn check_names_missing_and_different_files() {
        let dir = tempfile::tempdir().unwrap();
        write_all(dir.path(), &[output("a.ics", "A")]).unwrap();
        let stale = check(dir.path(), &[output("a.ics", "A2"), output("b.xml", "B")]);
        assert_eq!(
            stale,
            vec![
                Stale::Differs(PathBuf::from("a.ics")),
                Stale::Missing(PathBuf::from("b.xml"))
            ]
        );
        assert!(check(dir.path(), &[output("a.ics", "A")]).is_empty());
    }

    /// `len` bytes that repeat no short pattern, so a misplaced byte shows.
    fn noise(len: usize, seed: u64) -> Vec<u8> {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 32) as u8
            })
            .collect()
    }

    /// Writes `bytes` in pieces of 1 to 4099 bytes, as renderers do.
    fn write_in_pieces(w: &mut dyn Write, bytes: &[u8]) -> io::Result<()> {
        let mut rest = bytes;
        let mut size = 1;
        while !rest.is_empty() {
            let n = size.min(rest.len());
            w.write_all(&rest[..n])?;
            rest = &rest[n..];
            size = size * 7 % 4099 + 1;
        }
        Ok(())
    }

    /// One build of `files` through [`Sink::file`], in small writes.
    fn build(dir: &Path, files: &[(&str, &[u8])]) -> WriteReport {
        let staging = Staging::new(dir).unwrap();
        for (path, bytes) in files {
            staging
                .file(path, &mut |w| write_in_pieces(w, bytes))
                .unwrap();
        }
        staging.commit().unwrap()
    }

    /// Every file under `dir` with its bytes and modification time.
    fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>, std::time::SystemTime)> {
        let mut files = Vec::new();
        let mut dirs = vec![dir.to_path_buf()];
        while let Some(at) = dirs.pop() {
            for entry in fs::read_dir(&at).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    let modified = fs::metadata(&path).unwrap().modified().unwrap();
                    files.push((path.clone(), fs::read(&path).unwrap(), modified));
                }
            }
        }
        files.sort();
        files
    }

    fn temp_files(dir: &Path) -> Vec<PathBuf> {
        snapshot(dir)
            .into_iter()
            .map(|(path, ..)| path)
            .filter(|path| path.to_string_lossy().ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn identical_bytes_leave_the_published_file_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = noise(300_000, 1);
        build(dir.path(), &[("sub/a.bin", &bytes)]);
        let path = dir.path().join("sub/a.bin");
        let long_ago = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1 << 30);
        fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        let before = fs::metadata(&path).unwrap();

        let report = build(dir.path(), &[("sub/a.bin", &bytes)]);
        assert!(report.written.is_empty(), "{report:?}");
        assert_eq!(report.unchanged, vec![PathBuf::from("sub/a.bin")]);
        let after = fs::metadata(&path).unwrap();
        assert_eq!(after.modified().unwrap(), long_ago);
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            assert_eq!(after.ino(), before.ino(), "the file was replaced");
        }
        let _ = before;
        assert_eq!(fs::read(&path).unwrap(), bytes);
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn an_output_that_differs_anywhere_is_written_exactly() {
        for len in [11, 300_000] {
            let old = noise(len, 2);
            let mut last_byte = old.clone();
            *last_byte.last_mut().unwrap() ^= 1;
            let mut first_byte = old.clone();
            first_byte[0] ^= 1;
            let mut longer = old.clone();
            longer.extend_from_slice(b"and more");
            let cases: [(&str, &[u8]); 6] = [
                ("last byte", &last_byte),
                ("first byte", &first_byte),
                ("prefix but the last byte", &old[..len - 1]),
                ("first half", &old[..len / 2]),
                ("longer", &longer),
                ("one byte", &old[..1]),
            ];
            for (case, new) in cases {
                let dir = tempfile::tempdir().unwrap();
                build(dir.path(), &[("a/x.bin", &old)]);
                // Also written in one piece: larger than the buffers, it skips them.
                for whole in [false, true] {
                    fs::write(dir.path().join("a/x.bin"), &old).unwrap();
                    let staging = Staging::new(dir.path()).unwrap();
                    staging
                        .file("a/x.bin", &mut |w| {
                            if whole {
                                w.write_all(new)
                            } else {
                                write_in_pieces(w, new)
                            }
                        })
                        .unwrap();
                    let report = staging.commit().unwrap();
                    let what = format!("{case}, {len} bytes, whole: {whole}");
                    assert_eq!(report.written, vec![PathBuf::from("a/x.bin")], "{what}");
                    assert!(
                        fs::read(dir.path().join("a/x.bin")).unwrap() == new,
                        "{what}"
                    );
                    assert!(temp_files(dir.path()).is_empty(), "{what}");
                }
            }
        }
    }

    #[test]
    fn a_large_output_written_in_small_pieces_round_trips() {
        const MIB: usize = 1024 * 1024;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.bin");
        let big = noise(5 * MIB + 123, 3);
        let report = build(dir.path(), &[("big.bin", &big)]);
        assert_eq!(report.written, vec![PathBuf::from("big.bin")]);
        assert!(fs::read(&path).unwrap() == big);

        let report = build(dir.path(), &[("big.bin", &big)]);
        assert_eq!(report.unchanged, vec![PathBuf::from("big.bin")]);

        let mut changed = big.clone();
        changed[3 * MIB + 7] ^= 0x80;
        let mut longer = big.clone();
        longer.extend_from_slice(&noise(MIB, 4));
        for (case, new) in [
            ("a byte in the middle", &changed[..]),
            ("shorter", &big[..4 * MIB + 3]),
            ("longer", &longer[..]),
            ("the original", &big[..]),
        ] {
            let report = build(dir.path(), &[("big.bin", new)]);
            assert_eq!(report.written, vec![PathBuf::from("big.bin")], "{case}");
            assert!(fs::read(&path).unwrap() == new, "{case}");
        }
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn an_empty_output_is_an_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        let report = build(dir.path(), &[("new/empty.txt", b"")]);
        assert_eq!(report.written, vec![PathBuf::from("new/empty.txt")]);
        assert_eq!(fs::read(dir.path().join("new/empty.txt")).unwrap(), b"");
        let report = build(dir.path(), &[("new/empty.txt", b"")]);
        assert_eq!(report.unchanged, vec![PathBuf::from("new/empty.txt")]);

        fs::write(dir.path().join("new/empty.txt"), "not empty").unwrap();
        let report = build(dir.path(), &[("new/empty.txt", b"")]);
        assert_eq!(report.written, vec![PathBuf::from("new/empty.txt")]);
        assert_eq!(fs::read(dir.path().join("new/empty.txt")).unwrap(), b"");
    }

    #[test]
    fn checking_finds_what_differs_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let big = noise(200_000, 5);
        let mut big_last = big.clone();
        *big_last.last_mut().unwrap() ^= 1;
        build(
            dir.path(),
            &[
                ("same.txt", b"same"),
                ("differs.txt", b"old"),
                ("sub/prefix.txt", b"abc"),
                ("sub/longer.txt", b"abc"),
                ("gone.txt", b"gone"),
                ("big.bin", &big),
                ("big-last.bin", &big),
                ("empty.txt", b""),
            ],
        );
        let before = snapshot(dir.path());

        let checking = Checking::new(dir.path());
        let outputs: [(&str, &[u8]); 9] = [
            ("same.txt", b"same"),
            ("differs.txt", b"new"),
            ("sub/prefix.txt", b"ab"),
            ("sub/longer.txt", b"abcd"),
            ("new/missing.txt", b"m"),
            ("big.bin", &big),
            ("big-last.bin", &big_last),
            ("empty.txt", b""),
            ("new-empty.txt", b""),
        ];
        for (path, bytes) in outputs {
            checking
                .file(path, &mut |w| write_in_pieces(w, bytes))
                .unwrap();
        }
        let (stale, produced) = checking.finish();
        let path = PathBuf::from;
        assert_eq!(
            stale,
            vec![
                Stale::Differs(path("big-last.bin")),
                Stale::Differs(path("differs.txt")),
                // Paths sort by component: `new` before `new-empty.txt`.
                Stale::Missing(path("new/missing.txt")),
                Stale::Missing(path("new-empty.txt")),
                Stale::Differs(path("sub/longer.txt")),
                Stale::Differs(path("sub/prefix.txt")),
                Stale::Obsolete(path("gone.txt")),
            ]
        );
        let mut expected: Vec<PathBuf> = outputs.iter().map(|(p, _)| path(p)).collect();
        expected.sort();
        assert_eq!(produced, expected);
        assert_eq!(snapshot(dir.path()), before, "checking wrote to the output");
        assert!(!dir.path().join("new").exists());
    }

    #[test]
    fn a_staged_file_is_the_temporary_file_or_the_unchanged_one() {
        let dir = tempfile::tempdir().unwrap();
        build(
            dir.path(),
            &[("same.txt", b"same"), ("sub/changed.txt", b"old")],
        );
        let staging = Staging::new(dir.path()).unwrap();
        staging.add(&output("same.txt", "same")).unwrap();
        staging.add(&output("sub/changed.txt", "new")).unwrap();

        assert_eq!(
            staging.staged_file(Path::new("same.txt")),
            Some(dir.path().join("same.txt"))
        );
        let temp = staging.staged_file(Path::new("sub/changed.txt")).unwrap();
        assert_ne!(temp, dir.path().join("sub/changed.txt"));
        assert_eq!(temp.parent(), Some(dir.path().join("sub").as_path()));
        assert_eq!(fs::read_to_string(&temp).unwrap(), "new");
        assert_eq!(
            fs::read_to_string(dir.path().join("sub/changed.txt")).unwrap(),
            "old"
        );
        assert_eq!(staging.staged_file(Path::new("other.txt")), None);

        staging.commit().unwrap();
        assert!(!temp.exists());
        assert_eq!(
            fs::read_to_string(dir.path().join("sub/changed.txt")).unwrap(),
            "new"
        );
    }

    #[test]
    fn a_failed_render_leaves_no_temporary_file_and_the_published_one_alone() {
        let dir = tempfile::tempdir().unwrap();
        let old = noise(100_000, 6);
        build(dir.path(), &[("sub/a.bin", &old), ("b.txt", b"old b")]);
        let before = snapshot(dir.path());
        {
            let staging = Staging::new(dir.path()).unwrap();
            // A changed file staged before the failure.
            staging.add(&output("b.txt", "new b")).unwrap();
            assert!(!temp_files(dir.path()).is_empty());
            // The failing render has written more than a buffer of different bytes.
            let error = staging
                .file("sub/a.bin", &mut |w| {
                    write_in_pieces(w, &noise(200_000, 7))?;
                    Err(io::Error::other("render failed"))
                })
                .unwrap_err();
            assert_eq!(error.to_string(), "render failed");
        }
        assert_eq!(temp_files(dir.path()), Vec::<PathBuf>::new());
        assert_eq!(snapshot(dir.path()), before);
    }
}
