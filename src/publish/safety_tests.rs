//! The output folder as untrusted ground: a commit that fails part-way, files calfeed did
//! not write, links, and a second build at the same time.

use super::*;

fn output(path: &str, contents: &str) -> Output {
    Output {
        path: PathBuf::from(path),
        contents: contents.as_bytes().to_vec(),
    }
}

fn read(dir: &Path, path: &str) -> String {
    fs::read_to_string(dir.join(path)).unwrap()
}

fn temp_files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(at) = dirs.pop() {
        for entry in fs::read_dir(&at).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            // A private folder of a build into an empty output folder counts as one.
            if entry.file_type().unwrap().is_dir() && !name.ends_with(".tmp") {
                dirs.push(entry.path());
            } else if name.ends_with(".tmp") && name != LOCK {
                found.push(entry.path().display().to_string());
            }
        }
    }
    found
}

#[test]
fn a_commit_failing_part_way_puts_back_every_file_it_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let old = [
        output("a.txt", "old a"),
        output("b.txt", "old b"),
        output("sub/c.txt", "old c"),
        output("gone.txt", "old gone"),
    ];
    write_all(dir.path(), &old).unwrap();
    let manifest = read(dir.path(), MANIFEST);

    let staging = Staging::new(dir.path()).unwrap();
    for new in [
        output("a.txt", "new a"),
        output("b.txt", "new b"),
        output("sub/c.txt", "new c"),
        output("new/d.txt", "new d"),
    ] {
        staging.add(&new).unwrap();
    }
    // A folder (not empty) where `b.txt` goes: its rename fails, after `a.txt`'s.
    fs::remove_file(dir.path().join("b.txt")).unwrap();
    fs::create_dir_all(dir.path().join("b.txt/inside")).unwrap();
    let error = staging.commit().unwrap_err().to_string();

    assert!(error.contains("b.txt"), "{error}");
    assert!(error.contains("undone"), "{error}");
    assert_eq!(read(dir.path(), "a.txt"), "old a");
    assert_eq!(read(dir.path(), "sub/c.txt"), "old c");
    assert_eq!(read(dir.path(), "gone.txt"), "old gone");
    assert_eq!(read(dir.path(), MANIFEST), manifest);
    assert!(
        !dir.path().join("new").exists(),
        "a folder made by the build stayed"
    );
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());

    // Once the folder is gone, the same build goes through.
    fs::remove_dir_all(dir.path().join("b.txt")).unwrap();
    let report = write_all(
        dir.path(),
        &[output("a.txt", "new a"), output("b.txt", "new b")],
    );
    assert_eq!(
        report.unwrap().removed,
        vec![PathBuf::from("gone.txt"), PathBuf::from("sub/c.txt")]
    );
    assert_eq!(read(dir.path(), "b.txt"), "new b");
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
}

#[test]
fn a_file_calfeed_did_not_write_is_replaced_only_when_adopted() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("mine.ics"), "the user's own").unwrap();
    fs::write(dir.path().join("same.ics"), "S").unwrap();
    let outputs = [output("mine.ics", "calfeed's"), output("same.ics", "S")];
    let error = write_all(dir.path(), &outputs).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
    assert!(error.to_string().contains("mine.ics"), "{error}");
    assert!(!error.to_string().contains("same.ics"), "{error}");
    assert_eq!(read(dir.path(), "mine.ics"), "the user's own");
    assert!(!dir.path().join(MANIFEST).exists());

    let staging = Staging::new(dir.path()).unwrap().adopting(true);
    for output in &outputs {
        staging.add(output).unwrap();
    }
    staging.commit().unwrap();
    assert_eq!(read(dir.path(), "mine.ics"), "calfeed's");
    assert_eq!(read(dir.path(), MANIFEST), "mine.ics\nsame.ics\n");
    // From now on it is calfeed's: replaced without asking.
    write_all(
        dir.path(),
        &[output("mine.ics", "again"), output("same.ics", "S")],
    )
    .unwrap();
    assert_eq!(read(dir.path(), "mine.ics"), "again");
}

#[test]
fn a_second_build_of_the_same_folder_is_refused_while_the_first_runs() {
    let dir = tempfile::tempdir().unwrap();
    let first = Staging::new(dir.path()).unwrap();
    first.add(&output("a.txt", "A")).unwrap();
    let error = Staging::new(dir.path())
        .err()
        .expect("a second build started");
    assert_eq!(error.kind(), io::ErrorKind::WouldBlock);
    let pid = format!("(pid {})", std::process::id());
    assert!(error.to_string().contains(&pid), "{error}");
    // The first build's temporary file survived the second's start.
    assert_eq!(temp_files(dir.path()).len(), 1);
    first.commit().unwrap();
    assert_eq!(read(dir.path(), "a.txt"), "A");
    // The lock file is there only while a build runs.
    assert!(!dir.path().join(LOCK).exists());
    write_all(dir.path(), &[output("a.txt", "B")]).unwrap();
}

#[cfg(unix)]
#[test]
fn links_in_the_output_folder_are_never_followed() {
    use std::os::unix::fs::symlink;
    let outer = tempfile::tempdir().unwrap();
    let out = outer.path().join("public");
    let outside = outer.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("precious.txt"), "keep").unwrap();
    write_all(&out, &[output("slug/a.txt", "A")]).unwrap();

    // A tampered manifest naming a file through a linked folder: not removed.
    symlink(&outside, out.join("evil")).unwrap();
    let mut manifest = read(&out, MANIFEST);
    manifest.push_str("evil/precious.txt\n");
    fs::write(out.join(MANIFEST), &manifest).unwrap();
    let report = write_all(&out, &[output("slug/a.txt", "A")]).unwrap();
    assert!(report.removed.is_empty(), "{report:?}");
    assert_eq!(read(&outside, "precious.txt"), "keep");

    // An output's folder that is a link: refused, nothing written through it.
    let error = write_all(&out, &[output("evil/new.txt", "N")]).unwrap_err();
    assert!(error.to_string().contains("symbolic link"), "{error}");
    assert!(!outside.join("new.txt").exists());
    // An output that is a link: refused too.
    symlink(outside.join("precious.txt"), out.join("slug/a.txt.link")).unwrap();
    fs::remove_file(out.join("slug/a.txt")).unwrap();
    fs::rename(out.join("slug/a.txt.link"), out.join("slug/a.txt")).unwrap();
    let error = write_all(&out, &[output("slug/a.txt", "B")]).unwrap_err();
    assert!(error.to_string().contains("symbolic link"), "{error}");
    assert_eq!(read(&outside, "precious.txt"), "keep");
    // The lock file as a link is not written through either.
    symlink(outside.join("precious.txt"), out.join(LOCK)).unwrap();
    assert!(Staging::new(&out).is_err());
    assert_eq!(read(&outside, "precious.txt"), "keep");
}
