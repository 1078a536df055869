//! [`Snapshot`]: a private copy of the input files the served site was loaded from.
//!
//! A rebuild must not leave the preview without a site when the edit is refused: the last
//! good build stays up, marked stale. Holding that build's publications while the edit
//! loads doubled the preview's memory during each rebuild (683 MiB for a 518 MiB input at
//! N = 100 000). With a copy of the input it was loaded from, the served site can be
//! released while the edit loads (`Current::release`), and loaded again from the copy
//! when the edit is refused. The copy costs disk (unlinked temporary files in the
//! system's temporary folder, like the spill file of long texts: nothing is left behind,
//! however the preview ends), not memory, and is taken after the site is served, so an
//! edit is not shown later for it.
//!
//! A copy is only kept when its bytes are those the site was loaded from (the hashes the
//! loader's caller took); otherwise there is none, and a rebuild keeps the old site up
//! while it loads, as it did before.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::load::{self, LoadOptions};
use crate::model::Publication;

/// A copy of the publication files of an input folder, as they were when loaded.
#[derive(Debug)]
pub struct Snapshot {
    /// Each input file's path, and its copy.
    files: Vec<(PathBuf, File)>,
    /// The hashes of the input files as loaded, by path as the loader names it.
    hashes: HashMap<String, u128>,
}

impl Snapshot {
    /// A copy of the publication files of `input`, if they still are the files `hashes`
    /// (by path, as [`super::input_hashes`] makes them) were taken of: the same names,
    /// the same bytes. `None` otherwise, or when a copy cannot be made.
    pub fn take(input: &Path, hashes: &HashMap<String, u128>) -> Option<Snapshot> {
        let paths = load::publication_files(input).ok()?;
        if paths.is_empty() || paths.len() != hashes.len() {
            return None;
        }
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            let mut copy = tempfile::tempfile().ok()?;
            io::copy(&mut File::open(&path).ok()?, &mut copy).ok()?;
            copy.seek(SeekFrom::Start(0)).ok()?;
            let loaded = hashes.get(&path.display().to_string())?;
            if super::hash_named(&path, &mut copy).ok()? != *loaded {
                return None;
            }
            files.push((path, copy));
        }
        Some(Snapshot {
            files,
            hashes: hashes.clone(),
        })
    }

    /// The hashes of the input files the copy is of, by path.
    pub fn hashes(&self) -> &HashMap<String, u128> {
        &self.hashes
    }

    /// The publications of the copy, each named by the input file it is a copy of (as if
    /// loaded from the input folder).
    pub fn load(&self, options: &LoadOptions) -> Result<Vec<Publication>, Vec<Diagnostic>> {
        let opened = self.files.iter().map(|(path, copy)| {
            let reopened = copy
                .try_clone()
                .and_then(|mut file| file.seek(SeekFrom::Start(0)).map(|_| file));
            (path.clone(), reopened)
        });
        load::load_opened(opened, options)
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    const PUBLICATION: &str = r#"
[channel]
title = "Copy"
description = "D"
link = "https://example.org/"
language = "en"
timezone = "Europe/London"
author = "Desk"
updated = "2024-10-01T09:00:00Z"

[[events]]
id = "one"
title = "One"
start = "2024-10-10T19:00"
"#;

    /// An input folder holding `show.toml`, and the hashes of its files as loaded.
    fn input() -> (tempfile::TempDir, PathBuf, HashMap<String, u128>) {
        let input = tempfile::tempdir().unwrap();
        let file = input.path().join("show.toml");
        fs::write(&file, PUBLICATION).unwrap();
        let hashes = super::super::input_hashes(input.path());
        (input, file, hashes)
    }

    #[test]
    fn a_copy_loads_as_the_input_it_was_taken_of() {
        let (input, file, hashes) = input();
        let options = LoadOptions::at(chrono::DateTime::UNIX_EPOCH);
        let loaded = load::load_dir(input.path(), &options).unwrap();
        let snapshot = Snapshot::take(input.path(), &hashes).expect("a copy");
        // The input changes (an edit), the copy does not.
        fs::write(&file, "not a publication").unwrap();
        let copied = snapshot.load(&options).unwrap();
        let copied_hashes = snapshot.hashes();
        assert_eq!(copied.len(), 1);
        let render = |p: &Publication| crate::export::render(p);
        assert_eq!(render(&copied[0]), render(&loaded[0]));
        assert_eq!(copied[0].source, file.display().to_string());
        assert_eq!(*copied_hashes, hashes);
        // Loaded again, as after a second refused edit.
        let again = snapshot.load(&options).unwrap();
        assert_eq!(render(&again[0]), render(&loaded[0]));
    }

    #[test]
    fn no_copy_is_kept_of_files_that_changed_since_they_were_loaded() {
        let (input, file, hashes) = input();
        fs::write(&file, PUBLICATION.replace("One", "Two")).unwrap();
        assert!(Snapshot::take(input.path(), &hashes).is_none());
        // Nor of a folder with a publication more or less than was loaded.
        fs::write(&file, PUBLICATION).unwrap();
        fs::write(input.path().join("other.toml"), PUBLICATION).unwrap();
        assert!(Snapshot::take(input.path(), &hashes).is_none());
        fs::remove_file(input.path().join("other.toml")).unwrap();
        assert!(Snapshot::take(input.path(), &hashes).is_some());
    }
}
