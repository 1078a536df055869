//! Putting rendered outputs on disk: atomically, and only where they changed; or, for CI,
//! checking without writing that what is on disk is what a build would write.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::export::Output;

/// What a build did to the output directory.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct WriteReport {
    pub written: Vec<PathBuf>,
    pub unchanged: Vec<PathBuf>,
}

/// Writes every output under `out_dir`. Each changed file is first written in full to a
/// temporary file beside it; only when all of them are ready are they renamed into place,
/// so a failure part-way leaves the previously published files whole. Files whose bytes
/// are already right are not touched.
pub fn write_all(out_dir: &Path, outputs: &[Output]) -> io::Result<WriteReport> {
    let mut report = WriteReport::default();
    let mut staged = Vec::new();
    for output in outputs {
        let target = out_dir.join(&output.path);
        if fs::read(&target).is_ok_and(|existing| existing == output.contents) {
            report.unchanged.push(output.path.clone());
            continue;
        }
        let dir = target.parent().unwrap_or(out_dir);
        fs::create_dir_all(dir)?;
        let mut temp = tempfile::Builder::new()
            .prefix(".calfeed-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        temp.write_all(&output.contents)?;
        temp.as_file().sync_all()?;
        staged.push((temp, target, output.path.clone()));
    }
    for (temp, target, relative) in staged {
        set_readable(temp.as_file())?;
        temp.persist(&target).map_err(|e| e.error)?;
        report.written.push(relative);
    }
    Ok(report)
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
}

/// Compares `outputs` with the files under `out_dir` without writing anything.
pub fn check(out_dir: &Path, outputs: &[Output]) -> Vec<Stale> {
    outputs
        .iter()
        .filter_map(|output| match fs::read(out_dir.join(&output.path)) {
            Err(_) => Some(Stale::Missing(output.path.clone())),
            Ok(existing) if existing != output.contents => {
                Some(Stale::Differs(output.path.clone()))
            }
            Ok(_) => None,
        })
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
            .filter(|e| e.file_name().to_string_lossy().starts_with(".calfeed-"))
            .collect();
        assert!(leftovers.is_empty());
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
