//! Noticing edits to the input directory, by polling.
//!
//! Every 300 ms the publication files of the directory (the very list the build reads,
//! [`crate::load::publication_files`]) are listed with their size and modification time.
//! Polling rather than OS notifications (`notify`): no dependency, the same behaviour on
//! every platform and file system (network mounts, containers and editors that save by
//! renaming a temporary file all just work), and the cost of a `stat` of a few files a
//! few times a second is nothing. The price is up to 300 ms of extra latency.
//!
//! Debounce: after a change, wait until the listing stays the same for 150 ms (at most
//! 2 s), so an editor's save in several writes, or a `git checkout` of many files, gives
//! one rebuild of the finished state rather than several of half-written ones.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use crate::load;

pub const POLL: Duration = Duration::from_millis(300);
const QUIET: Duration = Duration::from_millis(150);
const MAX_DEBOUNCE: Duration = Duration::from_secs(2);

/// What the build would read, as far as a listing tells: `None` when the directory cannot
/// be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot(Option<Vec<(PathBuf, Option<Stamp>)>>);

/// A file's size and modification time.
type Stamp = (u64, SystemTime);

pub fn snapshot(dir: &Path) -> Snapshot {
    let files = load::publication_files(dir).ok().map(|files| {
        files
            .into_iter()
            .map(|path| {
                let meta = fs::metadata(&path)
                    .ok()
                    .and_then(|m| Some((m.len(), m.modified().ok()?)));
                (path, meta)
            })
            .collect()
    });
    Snapshot(files)
}

/// Calls `rebuild` after each settled change of `dir` from `built` (the state the
/// current build was made from) until `stop` is set.
pub fn watch(dir: &Path, mut built: Snapshot, stop: &AtomicBool, mut rebuild: impl FnMut()) {
    while pause(POLL, stop) {
        let mut seen = snapshot(dir);
        if seen == built {
            continue;
        }
        let started = Instant::now();
        while started.elapsed() < MAX_DEBOUNCE {
            if !pause(QUIET, stop) {
                return;
            }
            let again = snapshot(dir);
            if again == seen {
                break;
            }
            seen = again;
        }
        // Taken before the build reads the files: an edit during the build is seen by
        // the next round.
        built = seen;
        rebuild();
    }
}

/// Sleeps for `time` in short steps; false as soon as `stop` is set.
fn pause(time: Duration, stop: &AtomicBool) -> bool {
    let until = Instant::now() + time;
    loop {
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        let now = Instant::now();
        if now >= until {
            return true;
        }
        thread::sleep((until - now).min(Duration::from_millis(50)));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    use super::*;

    #[test]
    fn snapshots_see_publication_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let empty = snapshot(dir.path());
        fs::write(dir.path().join("notes.txt"), "x").unwrap();
        fs::write(dir.path().join(".a.toml.swp"), "x").unwrap();
        assert_eq!(snapshot(dir.path()), empty);
        fs::write(dir.path().join("a.toml"), "x").unwrap();
        let one = snapshot(dir.path());
        assert_ne!(one, empty);
        fs::write(dir.path().join("a.toml"), "xy").unwrap();
        assert_ne!(snapshot(dir.path()), one);
        assert_eq!(snapshot(&dir.path().join("missing")), Snapshot(None));
    }

    #[test]
    fn a_change_triggers_one_rebuild_and_stop_ends_the_watch() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.toml"), "1").unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicUsize::new(0));
        let watcher = {
            let (dir, stop, count) = (dir.path().to_owned(), stop.clone(), count.clone());
            let built = snapshot(&dir);
            thread::spawn(move || {
                watch(&dir, built, &stop, || {
                    count.fetch_add(1, Ordering::SeqCst);
                })
            })
        };
        fs::write(dir.path().join("a.toml"), "22").unwrap();
        fs::write(dir.path().join("b.json"), "{}").unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while count.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        thread::sleep(POLL * 2);
        assert_eq!(count.load(Ordering::SeqCst), 1);
        stop.store(true, Ordering::SeqCst);
        watcher.join().unwrap();
    }
}
