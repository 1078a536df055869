//! [`Tree`]: a build into an output folder that holds nothing yet. Nothing is published
//! there to compare with or to protect, so each output is written once, in place, in a
//! private folder inside the output folder: no comparison, no temporary file and no rename
//! per output. The commit then moves that folder's few top-level entries (`<slug>/`,
//! `index.html`) into the output folder, a handful of renames for any number of files,
//! each one undone when a later step fails. Until then nothing of the build is visible;
//! dropping the tree removes it.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use super::commit::Transaction;
use super::lock::LOCK;
use super::paths::at_path;
use super::{BUFFER, set_readable, temp_builder};
use crate::export::Render;

/// The private folder of a build into an empty output folder.
pub(super) struct Tree {
    /// Named as calfeed's temporary files are, so that the next build removes the one a
    /// killed build left behind; removed with what is still in it when dropped.
    root: tempfile::TempDir,
    /// Folders below the root known to exist.
    folders: Mutex<HashSet<PathBuf>>,
}

impl Tree {
    /// A private folder in `out_dir` when `out_dir` holds nothing but the build's lock
    /// (taken by the caller), else `None`: then outputs are staged one by one.
    pub(super) fn for_empty(out_dir: &Path) -> io::Result<Option<Tree>> {
        let mut entries = fs::read_dir(out_dir).map_err(|e| at_path(out_dir, e))?;
        let empty = entries.all(|entry| entry.is_ok_and(|e| e.file_name() == LOCK));
        if !empty {
            return Ok(None);
        }
        let root = temp_builder()
            .tempdir_in(out_dir)
            .map_err(|e| at_path(out_dir, e))?;
        Ok(Some(Tree {
            root,
            folders: Mutex::new(HashSet::new()),
        }))
    }

    /// Where the output at `relative` is written.
    pub(super) fn path_of(&self, relative: &Path) -> PathBuf {
        self.root.path().join(relative)
    }

    /// Writes the output at `relative` (a plain relative path, checked by the caller).
    pub(super) fn file(&self, relative: &Path, render: &mut Render<'_>) -> io::Result<()> {
        if let Some(parent) = relative.parent().filter(|p| !p.as_os_str().is_empty()) {
            let mut folders = self.folders.lock().unwrap_or_else(|e| e.into_inner());
            if !folders.contains(parent) {
                let dir = self.root.path().join(parent);
                fs::create_dir_all(&dir).map_err(|e| at_path(&dir, e))?;
                folders.insert(parent.to_path_buf());
            }
        }
        let path = self.path_of(relative);
        let file = fs::File::create(&path).map_err(|e| at_path(&path, e))?;
        if !readable_as_created(&file) {
            set_readable(&file).map_err(|e| at_path(&path, e))?;
        }
        let mut writer = io::BufWriter::with_capacity(BUFFER, file);
        render(&mut writer)?;
        writer.flush().map_err(|e| at_path(&path, e))
    }

    /// Moves each top-level entry of the tree into `transaction`'s output folder, where
    /// nothing may have appeared meanwhile (it is refused, not replaced).
    pub(super) fn move_in(&self, transaction: &mut Transaction<'_>) -> io::Result<()> {
        let root = self.root.path();
        let mut names: Vec<_> = fs::read_dir(root)
            .map_err(|e| at_path(root, e))?
            .map(|entry| entry.map(|e| e.file_name()))
            .collect::<io::Result<_>>()
            .map_err(|e| at_path(root, e))?;
        names.sort();
        for name in names {
            transaction.move_in(&root.join(&name), Path::new(&name))?;
        }
        Ok(())
    }
}

/// Whether files created by this process come out readable by everyone (0644, as
/// [`set_readable`] makes them); only a restrictive umask makes a `chmod` per file needed.
/// Learnt from the first file.
fn readable_as_created(file: &fs::File) -> bool {
    static READABLE: OnceLock<bool> = OnceLock::new();
    *READABLE.get_or_init(|| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.metadata()
                .is_ok_and(|m| m.permissions().mode() & 0o777 == 0o644)
        }
        #[cfg(not(unix))]
        {
            let _ = file;
            true
        }
    })
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::io;
    use std::path::{Path, PathBuf};

    use crate::export::{Output, Sink};
    use crate::publish::{LOCK, MANIFEST, Staging, write_all};

    fn output(path: &str, contents: &str) -> Output {
        Output {
            path: PathBuf::from(path),
            contents: contents.as_bytes().to_vec(),
        }
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Nothing is visible before the commit; then every output is in place, readable by
    /// everyone, listed in the manifest, and the private folder is gone. The next build
    /// (staged file by file) finds them right and leaves them as they are.
    #[test]
    fn a_build_into_an_empty_folder_is_moved_into_place_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let outputs = [
            output("index.html", "I"),
            output("s/a.html", "A"),
            output("s/archive/2020.ics", "Y"),
        ];
        let staging = Staging::new(out).unwrap();
        for o in &outputs {
            staging.add(o).unwrap();
        }
        let names = entries(out);
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names.contains(&LOCK.to_string()));
        let staged = staging.staged_file(Path::new("s/a.html")).unwrap();
        assert_eq!(fs::read_to_string(&staged).unwrap(), "A");
        assert!(!staged.starts_with(out.join("s")));

        let report = staging.commit().unwrap();
        let expected: Vec<PathBuf> = outputs.iter().map(|o| o.path.clone()).collect();
        assert_eq!(report.written, expected);
        assert!(report.unchanged.is_empty() && report.removed.is_empty());
        assert_eq!(entries(out), [MANIFEST, "index.html", "s"]);
        assert_eq!(
            fs::read_to_string(out.join(MANIFEST)).unwrap(),
            "index.html\ns/a.html\ns/archive/2020.ics\n"
        );
        assert_eq!(
            fs::read_to_string(out.join("s/archive/2020.ics")).unwrap(),
            "Y"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            let mode = fs::metadata(out.join("s/a.html"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o644, 0o644, "{mode:o}");
            let inode = fs::metadata(out.join("s/a.html")).unwrap().ino();
            let again = write_all(out, &outputs).unwrap();
            assert!(again.written.is_empty());
            assert_eq!(again.unchanged, expected);
            assert_eq!(fs::metadata(out.join("s/a.html")).unwrap().ino(), inode);
        }
    }

    /// A render failing part-way: the output folder is as empty as it was.
    #[test]
    fn a_failed_build_into_an_empty_folder_leaves_it_empty() {
        let dir = tempfile::tempdir().unwrap();
        let staging = Staging::new(dir.path()).unwrap();
        staging.add(&output("s/a.html", "A")).unwrap();
        let failed = staging.file("s/b.html", &mut |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("render failed"))
        });
        assert!(failed.is_err());
        drop(staging);
        assert_eq!(entries(dir.path()), Vec::<String>::new());
    }

    /// What appears in the output folder during the build is neither replaced nor
    /// merged into: the commit fails, and what it had moved already goes back.
    #[test]
    fn what_appears_during_the_build_is_refused_and_the_commit_undone() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let staging = Staging::new(out).unwrap();
        staging.add(&output("a/x.html", "X")).unwrap();
        staging.add(&output("b/y.html", "Y")).unwrap();
        fs::write(out.join("b"), "someone's").unwrap();
        let error = staging.commit().unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
        let message = error.to_string();
        assert!(
            message.contains(&out.join("b").display().to_string()),
            "{message}"
        );
        assert!(message.contains("nothing published changed"), "{message}");
        assert_eq!(entries(out), ["b"]);
        assert_eq!(fs::read_to_string(out.join("b")).unwrap(), "someone's");
    }

    /// A killed build's private folder goes with everything in it at the next build; a
    /// folder of the user's with a name like it, but not calfeed's form, stays.
    #[test]
    fn the_private_folder_of_a_killed_build_is_removed_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let abandoned = out.join(".calfeed-4242-abcdefABCDEF.tmp");
        fs::create_dir_all(abandoned.join("s")).unwrap();
        fs::write(abandoned.join("s/a.html"), "old").unwrap();
        let users = out.join(".calfeed-notes.tmp");
        fs::create_dir(&users).unwrap();
        write_all(out, &[output("s/a.html", "A")]).unwrap();
        assert!(!abandoned.exists());
        assert!(users.is_dir());
        assert_eq!(fs::read_to_string(out.join("s/a.html")).unwrap(), "A");
    }
}
