//! Noticing edits to the input directory, by polling.
//!
//! Every 100 ms the publication files of the directory (the very list the build reads,
//! [`crate::load::publication_files`]) are listed with their size and modification time.
//! Polling rather than OS notifications (`notify`): no dependency, the same behaviour on
//! every platform and file system (network mounts, containers and editors that save by
//! renaming a temporary file all just work), and the cost of a `stat` of a few files ten
//! times a second is nothing. The price is up to 100 ms of extra latency.
//!
//! Settling: after a change, the listing is taken again every 50 ms until it has stayed
//! the same for half a second (at most 10 s), so an editor's save in several writes, or a
//! `git checkout` of many files, gives one published build of the finished state rather
//! than several of half-written ones. Half a second, and not the 150 ms of an earlier
//! version: a writer that paused for 150 ms with a valid first half written had that half
//! published. (A whole second, the version before this one, made every edit wait a second
//! on top of the build; issue 16 asks for an edit to show within one.)
//!
//! The build does not wait for the settling: it starts as soon as the change is seen, on
//! a thread of its own, and is published once the listing has settled, if no change was
//! seen after it started and the listing is still the settled one once it has finished
//! (so it read the settled files). Otherwise it is thrown away and started again. So an
//! edit is served after the settling or the build, whichever is longer, not after both.
//!
//! What no watcher can tell from the outside is a writer that pauses for longer than
//! that with a valid half written: that half is previewed until the rest arrives and
//! is then rebuilt. Editors write a file at once or replace it by a rename, so this
//! takes a program that writes slowly on purpose.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use crate::load;

pub const POLL: Duration = Duration::from_millis(100);
/// How often the listing is taken again while a change settles.
const STEP: Duration = Duration::from_millis(50);
/// How long the listing must stay the same before a build is published.
pub const SETTLE: Duration = Duration::from_millis(500);
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

/// After each change of `dir` from `built` (the state the current build was made from),
/// until `stop` is set: runs `prepare` (load and build, on a thread of its own, started as
/// soon as the change is seen) and hands its result to `publish` once the change has
/// settled, if `prepare` read the settled files (see the module's documentation). A
/// `prepare` that panics publishes nothing. When `stop` is set, a `prepare` still running
/// is left to finish on its own and its result dropped.
pub fn watch<T: Send + 'static>(
    dir: &Path,
    mut built: Snapshot,
    stop: &AtomicBool,
    prepare: impl Fn() -> T + Send + Sync + 'static,
    mut publish: impl FnMut(T),
) {
    let prepare = Arc::new(prepare);
    let start = || -> JoinHandle<T> {
        let prepare = Arc::clone(&prepare);
        thread::spawn(move || prepare())
    };
    while pause(POLL, stop) {
        let mut seen = snapshot(dir);
        if seen == built {
            continue;
        }
        let started = Instant::now();
        let mut still_since = Instant::now();
        let mut job = start();
        // Whether the listing stayed `seen` since the job started (so it read `seen`).
        let mut current = true;
        loop {
            if !pause(STEP, stop) {
                return;
            }
            let again = snapshot(dir);
            if again != seen {
                seen = again;
                still_since = Instant::now();
                current = false;
            }
            if !job.is_finished() {
                continue;
            }
            if !current {
                // It may have read a state that is gone: build what is there now.
                let _ = job.join();
                job = start();
                current = true;
                continue;
            }
            if still_since.elapsed() >= SETTLE || started.elapsed() >= MAX_SETTLE {
                break;
            }
        }
        built = seen.clone();
        // A change after the last look and before the end of the build is seen here (the
        // next round builds it); the build itself is then not published.
        if snapshot(dir) != seen {
            let _ = job.join();
            continue;
        }
        if let Ok(result) = job.join() {
            publish(result);
        }
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

    /// Waits (at most 10 s) until `done`, then long enough for any further rebuild to
    /// have been published.
    fn settle_after(done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        thread::sleep(SETTLE + POLL * 2);
    }

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
                watch(
                    &dir,
                    built,
                    &stop,
                    || (),
                    |()| {
                        count.fetch_add(1, Ordering::SeqCst);
                    },
                )
            })
        };
        fs::write(dir.path().join("a.toml"), "22").unwrap();
        fs::write(dir.path().join("b.json"), "{}").unwrap();
        settle_after(|| count.load(Ordering::SeqCst) > 0);
        assert_eq!(count.load(Ordering::SeqCst), 1);
        stop.store(true, Ordering::SeqCst);
        watcher.join().unwrap();
    }

    /// The build starts before the change has settled; when the files change while it
    /// reads them, what it made is not published, and the settled state is.
    #[test]
    fn a_build_that_read_a_state_since_changed_is_not_published() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.toml");
        fs::write(&file, "0").unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let published = Arc::new(std::sync::Mutex::new(Vec::new()));
        let builds = Arc::new(AtomicUsize::new(0));
        let watcher = {
            let (dir, stop) = (dir.path().to_owned(), stop.clone());
            let (published, builds, file) = (published.clone(), builds.clone(), file.clone());
            let built = snapshot(&dir);
            thread::spawn(move || {
                watch(
                    &dir,
                    built,
                    &stop,
                    move || {
                        builds.fetch_add(1, Ordering::SeqCst);
                        let read = fs::read_to_string(&file).unwrap();
                        // A slow build: the next write lands while it runs.
                        thread::sleep(Duration::from_millis(300));
                        read
                    },
                    |read| published.lock().unwrap().push(read),
                )
            })
        };
        fs::write(&file, "1").unwrap();
        thread::sleep(Duration::from_millis(200));
        fs::write(&file, "22").unwrap();
        settle_after(|| !published.lock().unwrap().is_empty());
        stop.store(true, Ordering::SeqCst);
        watcher.join().unwrap();
        assert_eq!(*published.lock().unwrap(), ["22"]);
        assert!(
            builds.load(Ordering::SeqCst) >= 2,
            "the first build was not started early"
        );
    }
}
