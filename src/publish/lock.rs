//! One build at a time per output folder: an advisory lock on `.calfeed-lock.tmp` in it,
//! held from staging the first file to the end of the commit. Only while it holds the lock
//! does a build remove temporary files left behind, so it never removes a live build's.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::paths::{at_path, is_link, link_error};

/// The lock file, in the output folder while a build runs; it holds the build's process
/// id, for the message another build gives. The build removes it when it ends (a killed
/// build leaves it; the next build takes it over).
pub const LOCK: &str = ".calfeed-lock.tmp";

/// The lock, held until dropped.
pub(super) struct Lock {
    file: fs::File,
    path: PathBuf,
}

impl Lock {
    /// Takes the lock of `out_dir`, or says which build holds it.
    pub(super) fn acquire(out_dir: &Path) -> io::Result<Lock> {
        let path = out_dir.join(LOCK);
        // A build ending removes the file while it holds the lock: whoever locked the
        // removed file after it must lock the new one instead.
        for _ in 0..100 {
            if is_link(&path) {
                return Err(link_error(&path));
            }
            let file = fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| at_path(&path, e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => return Err(busy(out_dir, &file)),
                Err(fs::TryLockError::Error(e)) => return Err(at_path(&path, e)),
            }
            if !still_named(&file, &path) {
                continue;
            }
            file.set_len(0).map_err(|e| at_path(&path, e))?;
            (&file)
                .write_all(std::process::id().to_string().as_bytes())
                .map_err(|e| at_path(&path, e))?;
            return Ok(Lock { file, path });
        }
        Err(io::Error::new(
            io::ErrorKind::WouldBlock,
            format!("{}: cannot take the lock", path.display()),
        ))
    }
}

/// The refusal while another build holds the lock of `out_dir`.
fn busy(out_dir: &Path, file: &fs::File) -> io::Error {
    let mut holder = String::new();
    // Windows' locks also keep others from reading: then the id is not known.
    let _ = (&*file).read_to_string(&mut holder);
    let pid = holder
        .trim()
        .parse::<u32>()
        .map(|pid| format!(" (pid {pid})"))
        .unwrap_or_default();
    io::Error::new(
        io::ErrorKind::WouldBlock,
        format!(
            "another calfeed build{pid} is writing to {}; nothing was written: run this \
             build again when that one has finished",
            out_dir.display()
        ),
    )
}

/// Whether `path` still names the open `file`.
#[cfg(unix)]
fn still_named(file: &fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

/// (Windows does not remove a file that is open, so the name cannot have moved on.)
#[cfg(not(unix))]
fn still_named(_file: &fs::File, path: &Path) -> bool {
    path.exists()
}

impl Drop for Lock {
    /// Removes the lock file, then lets go of the lock.
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}
