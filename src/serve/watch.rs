//! Noticing edits to the input directory, by polling.
//!
//! Every 300 ms the publication files of the directory (the very list the build reads,
//! [`crate::load::publication_files`]) are listed with their size and modification time.
//! Polling rather than OS notifications (`notify`): no dependency, the same behaviour on
//! every platform and file system (network mounts, containers and editors that save by
//! renaming a temporary file all just work), and the cost of a `stat` of a few files a
//! few times a second is nothing. The price is up to 300 ms of extra latency.
//!
//! Settling: after a change, the listing is taken again every 250 ms until it has stayed
//! the same for a whole second (at most 10 s), so an editor's save in several writes, or a
//! `git checkout` of many files, gives one rebuild of the finished state rather than
//! several of half-written ones. A second, and not the 150 ms of an earlier version: a
//! writer that paused for 150 ms with a valid first half written had that half
//! published. And the build is published only if the listing is still the settled one
//! once the files have been read (`rebuild` is handed the check): a save that goes on
//! while the build reads is never published half-done; the next round builds it whole.
//!
//! What no watcher can tell from the outside is a writer that pauses for longer than
//! that with a valid half written: that half is previewed until the rest arrives and
//! is then rebuilt. Editors write a file at once or replace it by a rename, so this
//! takes a program that writes slowly on purpose.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use crate::load;

pub const POLL: Duration = Duration::from_millis(300);
/// How often the listing is taken again while a change settles.
const STEP: Duration = Duration::from_millis(250);
/// How long the listing must stay the same before a rebuild.
const SETTLE: Duration = Duration::from_secs(1);
/// A directory that keeps changing is rebuilt after this anyway.
const MAX_SETTLE: Duration = Duration::from_secs(10);

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
/// current build was made from) until `stop` is set. `rebuild` is given a check to make
/// once it has read the input and before it publishes anything: whether the directory is
/// still as it was when the change settled (if not, it is to publish nothing; the next
/// round rebuilds).
pub fn watch(
    dir: &Path,
    mut built: Snapshot,
    stop: &AtomicBool,
    mut rebuild: impl FnMut(&dyn Fn() -> bool),
) {
    while pause(POLL, stop) {
        let mut seen = snapshot(dir);
        if seen == built {
            continue;
        }
        let started = Instant::now();
        let mut still_since = Instant::now();
        while still_since.elapsed() < SETTLE && started.elapsed() < MAX_SETTLE {
            if !pause(STEP, stop) {
                return;
            }
            let again = snapshot(dir);
            if again != seen {
                seen = again;
                still_since = Instant::now();
            }
        }
        // Taken before the build reads the files: an edit during the build is seen by
        // the next round.
        built = seen.clone();
        rebuild(&|| snapshot(dir) == seen);
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
                watch(&dir, built, &stop, |_| {
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
