//! Putting rendered outputs on disk: atomically, and only where they changed; or, for CI,
//! checking without writing that what is on disk is what a build would write.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::export::Output;

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
    let mut staging = Staging::new(out_dir)?;
    for output in outputs {
        staging.add(output)?;
    }
    staging.commit()
}

/// A build being written. Each output is staged as soon as it is rendered: written in
/// full to a temporary file beside its target, after which the caller can drop it, so a
/// build never holds all of its outputs in memory. Only [`Staging::commit`] renames them
/// into place, all together, so a failure or a kill part-way leaves the published files
/// whole; dropping a `Staging` without committing removes its temporary files. Files whose
/// bytes are already right are not touched.
pub struct Staging {
    out_dir: PathBuf,
    staged: Vec<(tempfile::TempPath, PathBuf, PathBuf)>,
    produced: Vec<PathBuf>,
    report: WriteReport,
}

impl Staging {
    pub fn new(out_dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(out_dir)?;
        remove_abandoned_temp_files(out_dir);
        Ok(Staging {
            out_dir: out_dir.to_path_buf(),
            staged: Vec::new(),
            produced: Vec::new(),
            report: WriteReport::default(),
        })
    }

    pub fn add(&mut self, output: &Output) -> io::Result<()> {
        self.produced.push(output.path.clone());
        let target = self.out_dir.join(&output.path);
        if fs::read(&target).is_ok_and(|existing| existing == output.contents) {
            self.report.unchanged.push(output.path.clone());
            return Ok(());
        }
        let dir = target.parent().unwrap_or(&self.out_dir);
        fs::create_dir_all(dir)?;
        let mut temp = tempfile::Builder::new()
            .prefix(".calfeed-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        temp.write_all(&output.contents)?;
        set_readable(temp.as_file())?;
        // Closed now (only its path is kept): a build with more changed files than the
        // open-file limit must not run out of descriptors. No fsync per file: what must
        // survive is a killed build, which the page cache does; thousands of fsyncs would
        // dominate the build time.
        self.staged
            .push((temp.into_temp_path(), target, output.path.clone()));
        Ok(())
    }

    /// Renames every staged file into place, records the manifest, then removes the
    /// outputs of earlier builds that this one no longer produces.
    pub fn commit(mut self) -> io::Result<WriteReport> {
        let out_dir = self.out_dir.clone();
        let stale = no_longer_produced(&out_dir, &self.produced);
        let mut manifest: Vec<String> = self
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
        for (temp, target, relative) in std::mem::take(&mut self.staged) {
            temp.persist(&target).map_err(|e| e.error)?;
            self.report.written.push(relative);
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
            self.report.removed.push(old);
        }
        Ok(self.report)
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
    let mut stale: Vec<Stale> = outputs
        .iter()
        .filter_map(|output| check_output(out_dir, output))
        .collect();
    let produced: Vec<PathBuf> = outputs.iter().map(|o| o.path.clone()).collect();
    stale.extend(obsolete(out_dir, &produced));
    stale
}

/// Whether one output is missing or different on disk.
pub fn check_output(out_dir: &Path, output: &Output) -> Option<Stale> {
    match fs::read(out_dir.join(&output.path)) {
        Err(_) => Some(Stale::Missing(output.path.clone())),
        Ok(existing) if existing != output.contents => Some(Stale::Differs(output.path.clone())),
        Ok(_) => None,
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
}
