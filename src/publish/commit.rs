//! Putting a staged build in place as one change that can be undone: each file a commit
//! replaces or removes keeps its old bytes under a temporary name (a hard link, so the
//! published file never goes missing), and when any step fails every step before it is
//! undone. Once the whole commit went through, the old bytes are dropped.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::paths::link_error;
use super::temp_builder;

/// A commit under way.
pub(super) struct Transaction<'a> {
    out_dir: &'a Path,
    /// What was done, in order: undone in reverse.
    done: Vec<Done>,
}

enum Done {
    /// A file that did not exist was put in place.
    Created(PathBuf),
    /// A file or folder that did not exist was moved into place from `from`.
    Moved { from: PathBuf, to: PathBuf },
    /// A file was replaced or removed; its old bytes are at the backup.
    Replaced {
        target: PathBuf,
        backup: tempfile::TempPath,
    },
}

impl<'a> Transaction<'a> {
    pub(super) fn new(out_dir: &'a Path) -> Self {
        Transaction {
            out_dir,
            done: Vec::new(),
        }
    }

    /// Renames `temp` over the file at `relative`, keeping the old file's bytes.
    pub(super) fn replace(&mut self, temp: tempfile::TempPath, relative: &Path) -> io::Result<()> {
        let target = self.out_dir.join(relative);
        let fail = |e: io::Error| {
            io::Error::new(
                e.kind(),
                format!("cannot replace {}: {e}", target.display()),
            )
        };
        // One look at what is there (not following a link): a link is refused, a file
        // kept until the commit is done.
        let backup = match fs::symlink_metadata(&target) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                return Err(fail(link_error(&target)));
            }
            Ok(metadata) if metadata.is_file() => Some(backup(&target).map_err(fail)?),
            // A folder or anything else where the file goes: the rename fails below.
            _ => None,
        };
        // On failure the temporary file and the backup are dropped (deleted), and the
        // published file was not touched.
        temp.persist(&target).map_err(|e| fail(e.error))?;
        self.done.push(match backup {
            Some(backup) => Done::Replaced { target, backup },
            None => Done::Created(target),
        });
        Ok(())
    }

    /// Moves the file or folder at `from` to `relative`, where nothing may be: whatever is
    /// there (a file, a folder, a link) is refused, not replaced.
    pub(super) fn move_in(&mut self, from: &Path, relative: &Path) -> io::Result<()> {
        let target = self.out_dir.join(relative);
        if fs::symlink_metadata(&target).is_ok() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "cannot put {} in place: something appeared there during the build; \
                     move it away and build again",
                    target.display()
                ),
            ));
        }
        fs::rename(from, &target).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot put {} in place: {e}", target.display()),
            )
        })?;
        self.done.push(Done::Moved {
            from: from.to_path_buf(),
            to: target,
        });
        Ok(())
    }

    /// Removes the file at `relative`, keeping its bytes until the commit is done.
    pub(super) fn remove(&mut self, relative: &Path) -> io::Result<()> {
        let target = self.out_dir.join(relative);
        let fail = |e: io::Error| {
            io::Error::new(e.kind(), format!("cannot remove {}: {e}", target.display()))
        };
        let backup = backup(&target).map_err(fail)?;
        fs::remove_file(&target).map_err(fail)?;
        self.done.push(Done::Replaced { target, backup });
        Ok(())
    }

    /// How many changes were made so far.
    pub(super) fn steps(&self) -> usize {
        self.done.len()
    }

    /// Keeps the commit: the old bytes are dropped.
    pub(super) fn finish(self) {
        drop(self.done);
    }

    /// Undoes every step, latest first, and says what could not be put back (and where its
    /// old bytes were left, if anywhere).
    pub(super) fn roll_back(self) -> Vec<(PathBuf, Option<PathBuf>)> {
        let mut failed = Vec::new();
        for done in self.done.into_iter().rev() {
            match done {
                Done::Created(target) => {
                    if fs::remove_file(&target).is_err() {
                        failed.push((target, None));
                    }
                }
                Done::Moved { from, to } => {
                    if fs::rename(&to, &from).is_err() {
                        failed.push((to, None));
                    }
                }
                Done::Replaced { target, backup } => {
                    let restored = fs::rename(&backup, &target).is_ok();
                    // Either way the backup must not be deleted: it is the file now, or
                    // the only copy of its old bytes.
                    let kept = backup.keep().ok();
                    if !restored {
                        failed.push((target, kept));
                    }
                }
            }
        }
        failed
    }
}

/// A second name for the file at `target`, beside it and named like calfeed's temporary
/// files (so a killed build's are removed by the next one): a hard link, or where the file
/// system has none, a copy.
fn backup(target: &Path) -> io::Result<tempfile::TempPath> {
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let linked = temp_builder().make_in(dir, |path| fs::hard_link(target, path));
    let kept = match linked {
        Ok(kept) => kept,
        Err(_) => temp_builder().make_in(dir, |path| {
            let mut copy = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)?;
            io::copy(&mut fs::File::open(target)?, &mut copy).map(drop)
        })?,
    };
    Ok(kept.into_temp_path())
}

/// What a failed commit says after rolling back: which step failed, and that nothing
/// published changed, or exactly what could not be put back.
pub(super) fn rolled_back(
    error: io::Error,
    steps: usize,
    failed: &[(PathBuf, Option<PathBuf>)],
) -> io::Error {
    let state = if failed.is_empty() {
        if steps == 0 {
            "nothing published changed".to_string()
        } else {
            format!(
                "the {steps} change(s) made before it were undone, so nothing published changed"
            )
        }
    } else {
        let list: Vec<String> = failed
            .iter()
            .map(|(target, kept)| match kept {
                Some(kept) => format!(
                    "{} (its previous version is at {})",
                    target.display(),
                    kept.display()
                ),
                None => format!("{} (it did not exist before this build)", target.display()),
            })
            .collect();
        format!(
            "undoing the changes made before it failed for {}",
            list.join(", ")
        )
    };
    io::Error::new(error.kind(), format!("{error}; {state}"))
}
