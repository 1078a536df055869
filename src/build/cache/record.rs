//! What the build cache file holds, and how an output file is recognised again without
//! reading it: its size, modification and change times and inode, or, for a file written
//! too recently for its times to tell a later edit apart, a hash of its bytes.

use std::fs;
use std::io::{self, Read};
use std::path::Path;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::export::Trimmed;

/// Raised whenever the file's meaning changes: an older or newer cache is not used.
pub(super) const FORMAT: u32 = 2;

/// The whole cache file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Record {
    pub format: u32,
    /// calfeed's version and a hash of the running program: another build of calfeed may
    /// render differently.
    pub calfeed: String,
    /// A hash of every setting that changes what a build writes.
    pub settings: String,
    pub publications: Vec<PublicationRecord>,
    /// The files of the build as a whole: the index page and the manifest.
    pub whole: Vec<OutputRecord>,
}

/// One publication's input as it was read, and what its build wrote.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct PublicationRecord {
    /// The input file, as the build named it.
    pub input: String,
    pub input_size: u64,
    pub input_hash: String,
    pub events: usize,
    pub articles: usize,
    pub trimmed: Vec<Trimmed>,
    pub outputs: Vec<OutputRecord>,
}

/// One output file as the build left it: path (relative to the output folder), size,
/// modification and change times (nanoseconds), inode, the hash of its bytes when its
/// times cannot be trusted (see [`OutputRecord::of`]), and for a per-item output its key
/// (`export::pages::key`, with the settings), in hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct OutputRecord(
    pub String,
    pub u64,
    pub i128,
    pub i128,
    pub u64,
    pub Option<String>,
    pub Option<String>,
);

/// A file's identity as `stat` gives it: size, mtime, ctime, inode.
type Stat = (u64, i128, i128, u64);

fn nanos(time: io::Result<SystemTime>) -> i128 {
    match time {
        Ok(time) => match time.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(after) => after.as_nanos() as i128,
            Err(before) => -(before.duration().as_nanos() as i128),
        },
        Err(_) => 0,
    }
}

fn stat(path: &Path) -> Option<Stat> {
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    #[cfg(unix)]
    let (ctime, inode) = {
        use std::os::unix::fs::MetadataExt;
        (
            i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
            meta.ino(),
        )
    };
    #[cfg(not(unix))]
    let (ctime, inode) = (0, 0);
    Some((meta.len(), nanos(meta.modified()), ctime, inode))
}

/// A file's identity without reading it: size, times and inode, as one string.
pub(super) fn identity(path: &Path) -> Option<String> {
    let (size, mtime, ctime, inode) = stat(path)?;
    Some(format!("{size}:{mtime}:{ctime}:{inode}"))
}

/// The hash of a file's bytes, read in pieces.
pub(super) fn hash_file(path: &Path) -> io::Result<(u64, String)> {
    let mut file = fs::File::open(path)?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    // On the stack: a zeroed 64 KiB allocation per file (thousands of them right after a
    // first build) cost more than the hashing of most outputs.
    let mut buffer = [0; 8 * 1024];
    let mut size = 0;
    loop {
        let n = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buffer[..n]);
        size += n as u64;
    }
    Ok((size, hex(hasher.digest128())))
}

pub(super) fn hex(hash: u128) -> String {
    format!("{hash:032x}")
}

/// How close to the moment the cache is written a file's times must be for an edit right
/// after the build to be able to leave them as they are (file systems stamp files with a
/// clock that ticks every few milliseconds, or every second or two on some).
fn racy_margin(now: i128) -> i128 {
    let coarse = now % 1_000_000_000 == 0;
    if coarse { 2_000_000_000 } else { 100_000_000 }
}

impl OutputRecord {
    /// How `relative` is now. `now` is the file system's own clock, as it stamped a file
    /// just written: a file whose times are close to it could be edited without its times
    /// changing, so its bytes are hashed too. `None` when it is not a readable file.
    pub(super) fn of(
        out_dir: &Path,
        relative: &str,
        now: i128,
        key: Option<u128>,
    ) -> Option<OutputRecord> {
        let path = out_dir.join(relative);
        let (size, mtime, ctime, inode) = stat(&path)?;
        let racy = mtime.max(ctime) >= now - racy_margin(now);
        let hash = if racy {
            let (hashed_size, hash) = hash_file(&path).ok()?;
            if hashed_size != size {
                return None;
            }
            Some(hash)
        } else {
            None
        };
        Some(OutputRecord(
            relative.to_string(),
            size,
            mtime,
            ctime,
            inode,
            hash,
            key.map(hex),
        ))
    }

    /// The key the output was written with, if it has one.
    pub(super) fn key(&self) -> Option<u128> {
        u128::from_str_radix(self.6.as_deref()?, 16).ok()
    }

    pub(super) fn hashed(&self) -> bool {
        self.5.is_some()
    }

    /// Drops the hash of a file whose times are now old enough to show any later edit
    /// (it was just found still as recorded, hash included). Whether it did.
    pub(super) fn settle(&mut self, now: i128) -> bool {
        let settled = self.5.is_some() && self.2.max(self.3) < now - racy_margin(now);
        if settled {
            self.5 = None;
        }
        settled
    }

    pub(super) fn path(&self) -> &str {
        &self.0
    }

    /// Whether the file is still as recorded.
    pub(super) fn still(&self, out_dir: &Path) -> bool {
        let path = out_dir.join(&self.0);
        if stat(&path) != Some((self.1, self.2, self.3, self.4)) {
            return false;
        }
        match &self.5 {
            None => true,
            Some(hash) => hash_file(&path).is_ok_and(|(size, h)| size == self.1 && h == *hash),
        }
    }
}

/// A hash of an output's path (relative to the output folder).
pub(super) fn path_hash(relative: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(relative.as_bytes())
}

/// A per-item output's key, and what shows its file is as it was (as [`OutputRecord::still`]
/// compares it), in one hash.
fn fingerprint(key: u128, (size, mtime, ctime, inode): Stat, hash: Option<&str>) -> u128 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(&key.to_le_bytes());
    hasher.update(&size.to_le_bytes());
    hasher.update(&mtime.to_le_bytes());
    hasher.update(&ctime.to_le_bytes());
    hasher.update(&inode.to_le_bytes());
    if let Some(hash) = hash {
        hasher.update(hash.as_bytes());
    }
    hasher.digest128()
}

impl OutputRecord {
    /// For a per-item output: its fingerprint as recorded, and whether its bytes are part
    /// of it (see [`fingerprint_now`]).
    pub(super) fn fingerprint(&self) -> Option<(u128, bool)> {
        let key = self.key()?;
        let stat = (self.1, self.2, self.3, self.4);
        Some((fingerprint(key, stat, self.5.as_deref()), self.5.is_some()))
    }
}

/// The fingerprint the output at `relative` would have with `key` (its bytes hashed too
/// when `hashed`): equal to the one recorded exactly when the file is as recorded and the
/// key is the same. `None` when it is not a readable file.
pub(super) fn fingerprint_now(
    out_dir: &Path,
    relative: &str,
    key: u128,
    hashed: bool,
) -> Option<u128> {
    let path = out_dir.join(relative);
    let stat = stat(&path)?;
    let hash = if hashed {
        let (size, hash) = hash_file(&path).ok()?;
        if size != stat.0 {
            return None;
        }
        Some(hash)
    } else {
        None
    };
    Some(fingerprint(key, stat, hash.as_deref()))
}

/// The file system's clock now, as it stamps a file it creates in `dir` (nanoseconds).
pub(super) fn file_system_now(dir: &Path) -> Option<i128> {
    let probe = tempfile::Builder::new()
        .prefix(".calfeed-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .ok()?;
    let modified = probe.as_file().metadata().ok()?.modified().ok()?;
    // A clock behind the file system's by a little does no harm; the margin covers it.
    let now = nanos(Ok(modified)).max(nanos(Ok(SystemTime::now())));
    Some(now)
}

/// A [`Record`] as a build writes it, serialized exactly as one: each output is looked at
/// as it is written out, so that the records of 300 000 outputs are never all in memory.
#[derive(Serialize)]
pub(super) struct RecordView<'a> {
    pub format: u32,
    pub calfeed: &'a str,
    pub settings: &'a str,
    pub publications: Vec<PublicationView<'a>>,
    pub whole: Outputs<'a>,
}

/// A [`PublicationRecord`] as a build writes it.
#[derive(Serialize)]
pub(super) struct PublicationView<'a> {
    pub input: &'a str,
    pub input_size: u64,
    pub input_hash: String,
    pub events: usize,
    pub articles: usize,
    pub trimmed: Vec<Trimmed>,
    pub outputs: Outputs<'a>,
}

/// Outputs to record, each path ended by a NUL: serialized as their [`OutputRecord`]s,
/// made one at a time. One that cannot be looked at fails the serialization.
pub(super) struct Outputs<'a> {
    pub out_dir: &'a Path,
    pub now: i128,
    pub paths: &'a str,
    /// The keys of the per-item outputs, by the hash of their path ([`path_hash`]),
    /// sorted.
    pub keys: &'a [(u128, u128)],
}

impl Outputs<'_> {
    /// How the output at `path` is now, with its key.
    fn record(&self, path: &str) -> Option<OutputRecord> {
        let key = self
            .keys
            .binary_search_by_key(&path_hash(path), |e| e.0)
            .ok()
            .map(|at| self.keys[at].1);
        OutputRecord::of(self.out_dir, path, self.now, key)
    }

    /// The records of `block`, on up to `threads` threads, in order.
    fn records(&self, block: &[&str], threads: usize) -> Vec<Option<OutputRecord>> {
        let chunk = block.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            let parts: Vec<_> = block
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|path| self.record(path))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            parts
                .into_iter()
                .flat_map(|part| part.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    }
}

impl Serialize for Outputs<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        // Looking at each output (a `stat`, and reading the bytes of one written moments
        // ago) is most of the cost: done on every core, a block of outputs at a time, the
        // next block looked at while this one is written, in order.
        const BLOCK: usize = 4096;
        let threads = crate::export::default_threads();
        let mut seq = serializer.serialize_seq(None)?;
        let paths: Vec<&str> = self.paths.split_terminator('\0').collect();
        let blocks: Vec<&[&str]> = paths.chunks(BLOCK).collect();
        std::thread::scope(|scope| {
            let look = |i: usize| {
                blocks
                    .get(i)
                    .copied()
                    .map(|block| scope.spawn(move || self.records(block, threads)))
            };
            let mut next = look(0);
            for (i, block) in blocks.iter().enumerate() {
                let looking = next.take().expect("each block is looked at");
                next = look(i + 1);
                let records = looking
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p));
                for (path, record) in block.iter().zip(records) {
                    let record =
                        record.ok_or_else(|| S::Error::custom(format!("cannot look at {path}")))?;
                    seq.serialize_element(&record)?;
                }
            }
            Ok(())
        })?;
        seq.end()
    }
}
