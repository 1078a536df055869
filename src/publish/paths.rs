//! Paths under the output folder, walked without following symbolic links. The output
//! folder's contents, the manifest included, are data on disk that anyone may have
//! changed: a link inside the folder must not let a build write or delete outside it.
//! (The output folder itself may be a link: only what is below it is checked.)

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Whether `relative` only names folders and a file below the output folder: no `..`, no
/// root, not empty.
pub(super) fn is_plain(relative: &Path) -> bool {
    !relative.as_os_str().is_empty()
        && relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Whether `relative` is a regular file reached through real folders only (the manifest's
/// entries are removed only then).
pub(super) fn is_plain_file(out_dir: &Path, relative: &Path) -> bool {
    if !is_plain(relative) {
        return false;
    }
    let mut at = out_dir.to_path_buf();
    let mut components = relative.components().peekable();
    while let Some(component) = components.next() {
        at.push(component);
        let Ok(metadata) = fs::symlink_metadata(&at) else {
            return false;
        };
        let last = components.peek().is_none();
        if (last && !metadata.is_file()) || (!last && !metadata.is_dir()) {
            return false;
        }
    }
    true
}

/// Makes sure each folder of `relative_dir` (relative to `out_dir`; empty for the output
/// folder itself) is a real folder, creating the missing ones and adding each to
/// `created`. A symbolic link on the way is refused.
pub(super) fn make_folders(
    out_dir: &Path,
    relative_dir: &Path,
    created: &mut Vec<PathBuf>,
) -> io::Result<()> {
    let mut at = out_dir.to_path_buf();
    for component in relative_dir.components() {
        if !matches!(component, Component::Normal(_)) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} is not a path inside the output folder",
                    relative_dir.display()
                ),
            ));
        }
        at.push(component);
        match fs::symlink_metadata(&at) {
            Ok(metadata) if metadata.is_dir() => continue,
            Ok(metadata) if metadata.file_type().is_symlink() => return Err(link_error(&at)),
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::NotADirectory,
                    format!(
                        "{} is where a folder of outputs goes, but it is not a folder",
                        at.display()
                    ),
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(at_path(&at, e)),
        }
        match fs::create_dir(&at) {
            Ok(()) => created.push(at.clone()),
            // Another rendering thread made it first: it must be a folder too.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                if !fs::symlink_metadata(&at).is_ok_and(|m| m.is_dir()) {
                    return Err(at_path(&at, e));
                }
            }
            Err(e) => return Err(at_path(&at, e)),
        }
    }
    Ok(())
}

/// Whether `path` itself is a symbolic link (not followed).
pub(super) fn is_link(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// The refusal to write or delete through a link.
pub(super) fn link_error(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is a symbolic link: calfeed neither writes nor deletes through a link inside \
             its output folder; replace it with a real folder or file, or remove it",
            path.display()
        ),
    )
}

/// `error`, its message starting with the path it is about.
pub(super) fn at_path(path: &Path, error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("{}: {error}", path.display()))
}
