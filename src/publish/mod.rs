//! Putting rendered outputs on disk: atomically, and only where they changed; or, for CI,
//! checking without writing that what is on disk is what a build would write.

use std::fs;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use crate::export::Output;

mod checking;
mod commit;
mod fresh;
mod lock;
mod paths;
#[cfg(test)]
mod safety_tests;
mod staging;
#[cfg(test)]
mod tests;

pub use checking::{Checking, Stale, check, obsolete};
pub use lock::LOCK;
pub use staging::Staging;

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
        .filter(|path| paths::is_plain(path))
        .collect()
}

/// The files an earlier build wrote (`previous`) that a build producing `produced` no
/// longer does: only regular files reached through real folders, so that a link put in
/// the output folder (a folder linked elsewhere, or a link in place of a file) makes
/// nothing outside it go.
fn no_longer_produced(
    out_dir: &Path,
    previous: Vec<PathBuf>,
    produced: &[PathBuf],
) -> Vec<PathBuf> {
    let produced: std::collections::HashSet<&PathBuf> = produced.iter().collect();
    previous
        .into_iter()
        .filter(|old| !produced.contains(old))
        .filter(|old| paths::is_plain_file(out_dir, old))
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

/// How calfeed names its temporary files: `.calfeed-<pid>-<12 random letters or digits>.tmp`.
/// [`is_own_temp_name`] knows them by exactly that form, so that a file of the user's that
/// merely starts with `.calfeed-` is never taken for one.
fn temp_builder() -> tempfile::Builder<'static, 'static> {
    let mut builder = tempfile::Builder::new();
    builder
        .prefix(temp_prefix())
        .suffix(".tmp")
        .rand_bytes(TEMP_RANDOM);
    builder
}

/// The start of this process's temporary files' names.
fn temp_prefix() -> &'static str {
    static PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PREFIX.get_or_init(|| format!(".calfeed-{}-", std::process::id()))
}

/// Random characters in a temporary file's name.
const TEMP_RANDOM: usize = 12;

/// Whether `name` is exactly the name of one of calfeed's temporary files.
fn is_own_temp_name(name: &str) -> bool {
    let Some(middle) = name
        .strip_prefix(".calfeed-")
        .and_then(|rest| rest.strip_suffix(".tmp"))
    else {
        return false;
    };
    let Some((pid, random)) = middle.split_once('-') else {
        return false;
    };
    !pid.is_empty()
        && pid.len() <= 10
        && pid.bytes().all(|b| b.is_ascii_digit())
        && random.len() == TEMP_RANDOM
        && random.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A build killed between writing a temporary file and renaming it leaves the file
/// behind; the next build removes such files: only calfeed's (by [`is_own_temp_name`]),
/// and only while it holds the output folder's lock, so never a running build's.
fn remove_abandoned_temp_files(out_dir: &Path) {
    // First the private folder of a killed build into an empty output folder (see
    // `fresh`), with everything in it.
    for entry in fs::read_dir(out_dir).into_iter().flatten().flatten() {
        let own = entry.file_name().to_str().is_some_and(is_own_temp_name);
        if own && entry.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
    // Outputs are at most two folders deep (`<slug>/archive/<year>.ics`); a removed
    // publication's folders count too. Links are not followed (`file_type` does not).
    let mut dirs = vec![out_dir.to_path_buf()];
    let mut level = dirs.clone();
    for _ in 0..2 {
        level = level
            .iter()
            .filter_map(|dir| fs::read_dir(dir).ok())
            .flat_map(|entries| {
                entries
                    .flatten()
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                    .map(|e| e.path())
            })
            .collect();
        dirs.extend(level.iter().cloned());
    }
    for dir in dirs {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let own = entry.file_name().to_str().is_some_and(is_own_temp_name);
            if own && entry.file_type().is_ok_and(|t| t.is_file()) {
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
    let mut temp = temp_builder().tempfile_in(dir)?;
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
