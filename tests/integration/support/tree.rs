//! Reading and setting up directory trees: `public/` before and after a run.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// One entry of a directory tree: a directory, or a file's bytes and modification time.
#[derive(Debug, PartialEq, Eq)]
pub enum Entry {
    Dir,
    File(Vec<u8>, SystemTime),
}

/// calfeed's build cache, which records the outputs' times: not an output, and left out of
/// every tree here.
fn is_cache(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == ".calfeed-cache")
}

/// Every file and directory under `dir`, by relative path.
pub fn snapshot(dir: &Path) -> Snapshot {
    fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<PathBuf, Entry>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.expect("directory entry").path();
            let relative = path.strip_prefix(root).expect("under root").to_path_buf();
            if is_cache(&path) {
                continue;
            }
            if path.is_dir() {
                into.insert(relative, Entry::Dir);
                walk(root, &path, into);
            } else {
                let bytes = fs::read(&path).expect("read file");
                let modified = fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .expect("mtime");
                into.insert(relative, Entry::File(bytes, modified));
            }
        }
    }
    let mut entries = BTreeMap::new();
    walk(dir, dir, &mut entries);
    entries
}

/// Every path under `dir` with its bytes (`None` for a directory), times left out.
pub fn contents(dir: &Path) -> Vec<(PathBuf, Option<Vec<u8>>)> {
    snapshot(dir)
        .into_iter()
        .map(|(path, entry)| match entry {
            Entry::File(bytes, _) => (path, Some(bytes)),
            Entry::Dir => (path, None),
        })
        .collect()
}

/// The published files (not directories, not calfeed's manifest) under `dir`, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    snapshot(dir)
        .into_iter()
        .filter(|(path, entry)| {
            matches!(entry, Entry::File(..)) && path != Path::new(".calfeed-manifest")
        })
        .map(|(path, _)| path)
        .collect()
}

/// Sets every file under `dir` to an old modification time, so that any rewrite shows
/// however coarse the file system's clock is.
pub fn age(dir: &Path) {
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    for (relative, entry) in snapshot(dir) {
        if let Entry::File(..) = entry {
            fs::File::options()
                .write(true)
                .open(dir.join(relative))
                .and_then(|f| f.set_modified(old))
                .expect("set mtime");
        }
    }
}

// ---- Fixtures -----------------------------------------------------------------------------

/// What [`snapshot`] gives.
pub type Snapshot = BTreeMap<PathBuf, Entry>;

/// Every file under `dir`, by path relative to it.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).expect("read directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(root, &path, into);
            } else if is_cache(&path) {
                continue;
            } else if let Ok(bytes) = fs::read(&path) {
                // (A file can vanish between listing and reading while a build runs.)
                let relative = path.strip_prefix(root).expect("under root").to_path_buf();
                into.insert(relative, bytes);
            }
        }
    }
    let mut files = BTreeMap::new();
    if dir.exists() {
        walk(dir, dir, &mut files);
    }
    files
}

pub fn is_temp_file(path: &Path) -> bool {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .is_some_and(|n| n.starts_with(".calfeed-") && n.ends_with(".tmp"))
}

/// Makes `dir` hold exactly `files`.
pub fn restore(dir: &Path, files: &BTreeMap<PathBuf, Vec<u8>>) {
    if dir.exists() {
        fs::remove_dir_all(dir).expect("remove the output");
    }
    for (path, bytes) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().expect("a parent")).expect("create directory");
        fs::write(path, bytes).expect("write file");
    }
}
