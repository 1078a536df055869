//! One build at a time per output folder: an advisory lock on `.calfeed-lock` in it, held
//! from staging the first file to the end of the commit. Only while it holds the lock does
//! a build remove temporary files left behind, so it never removes a live build's.

use std::fs;
use std::io::{self, Read, Write};
use std::path::Path;
use std::time::SystemTime;

use super::paths::{at_path, is_link, link_error};

/// The lock file, in the output folder. At rest it is empty (while a build runs, it holds
/// the build's process id, for the message another build gives).
pub const LOCK: &str = ".calfeed-lock";

/// The lock, held until dropped.
pub(super) struct Lock {
    file: fs::File,
    /// The lock file's time before this build, given back when the lock is released: a
    /// build that changes nothing changes nothing in the folder, not even a time.
    modified: Option<SystemTime>,
}

impl Lock {
    /// Takes the lock of `out_dir`, or says which build holds it.
    pub(super) fn acquire(out_dir: &Path) -> io::Result<Lock> {
        let path = out_dir.join(LOCK);
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
        let modified = file.metadata().and_then(|m| m.modified()).ok();
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                // Windows' locks also keep others from reading: then the id is not known.
                let _ = (&file).read_to_string(&mut holder);
                let pid = holder
                    .trim()
                    .parse::<u32>()
                    .map(|pid| format!(" (pid {pid})"))
                    .unwrap_or_default();
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    format!(
                        "another calfeed build{pid} is writing to {}; nothing was written: \
                         run this build again when that one has finished",
                        out_dir.display()
                    ),
                ));
            }
            Err(fs::TryLockError::Error(e)) => return Err(at_path(&path, e)),
        }
        let lock = Lock { file, modified };
        lock.file.set_len(0).map_err(|e| at_path(&path, e))?;
        (&lock.file)
            .write_all(std::process::id().to_string().as_bytes())
            .map_err(|e| at_path(&path, e))?;
        Ok(lock)
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        if let Some(modified) = self.modified {
            let _ = self.file.set_modified(modified);
        }
        let _ = self.file.unlock();
    }
}
