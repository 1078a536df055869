use super::*;
use crate::export::Sink;

fn output(path: &str, contents: &str) -> Output {
    Output {
        path: PathBuf::from(path),
        contents: contents.as_bytes().to_vec(),
    }
}

#[test]
fn writes_then_leaves_unchanged_files_alone() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = [output("a.ics", "A"), output("sub/b.ics", "B")];
    let first = write_all(dir.path(), &outputs).unwrap();
    assert_eq!(first.written.len(), 2);
    assert_eq!(
        fs::read_to_string(dir.path().join("sub/b.ics")).unwrap(),
        "B"
    );
    let second = write_all(dir.path(), &outputs).unwrap();
    assert!(second.written.is_empty());
    assert_eq!(second.unchanged.len(), 2);
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn outputs_no_longer_produced_are_removed_but_foreign_files_stay() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("CNAME"), "example.org").unwrap();
    write_all(
        dir.path(),
        &[output("a.ics", "A"), output("ev/old.ics", "O")],
    )
    .unwrap();
    let new = [output("a.ics", "A")];
    assert_eq!(
        check(dir.path(), &new),
        vec![Stale::Obsolete(PathBuf::from("ev/old.ics"))]
    );
    let report = write_all(dir.path(), &new).unwrap();
    assert_eq!(report.removed, vec![PathBuf::from("ev/old.ics")]);
    assert!(!dir.path().join("ev").exists());
    assert!(dir.path().join("CNAME").exists());
    assert!(check(dir.path(), &new).is_empty());
}

#[test]
fn a_tampered_manifest_cannot_delete_outside_the_output() {
    let outer = tempfile::tempdir().unwrap();
    let out = outer.path().join("public");
    fs::create_dir(&out).unwrap();
    fs::write(outer.path().join("precious"), "keep").unwrap();
    fs::write(out.join(MANIFEST), "../precious\n/etc/passwd\n").unwrap();
    write_all(&out, &[output("a.ics", "A")]).unwrap();
    assert!(outer.path().join("precious").exists());
}

#[test]
fn temporary_files_of_a_killed_build_are_removed_and_only_those() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("sub/archive")).unwrap();
    let abandoned = [
        ".calfeed-4242-abcdefABCDEF.tmp",
        "sub/.calfeed-1-0123456789ab.tmp",
        // An archive's folder, two levels down (found by the killed-build test).
        "sub/archive/.calfeed-77-ZZZZZZZZZZZZ.tmp",
    ];
    // Files of the user's that only look like calfeed's.
    let kept = [
        "keep.tmp",
        ".calfeed-abc.tmp",
        ".calfeed-notes.tmp",
        ".calfeed-12-abcdefABCDE.tmp",
        ".calfeed-x1-abcdefABCDEF.tmp",
        "sub/.calfeed-4242-abcdefABCDEF.tmp.bak",
    ];
    for name in abandoned.iter().chain(&kept) {
        fs::write(dir.path().join(name), "half").unwrap();
    }
    write_all(dir.path(), &[output("sub/b.ics", "B")]).unwrap();
    for name in abandoned {
        assert!(!dir.path().join(name).exists(), "{name} is still there");
    }
    for name in kept {
        assert!(dir.path().join(name).exists(), "{name} was removed");
    }
}

#[test]
fn temporary_files_are_named_as_calfeed_knows_them() {
    let dir = tempfile::tempdir().unwrap();
    let temp = temp_builder().tempfile_in(dir.path()).unwrap();
    let name = temp
        .path()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(is_own_temp_name(&name), "{name}");
    assert!(name.starts_with(&format!(".calfeed-{}-", std::process::id())));
}

#[test]
fn check_names_missing_and_different_files() {
    let dir = tempfile::tempdir().unwrap();
    write_all(dir.path(), &[output("a.ics", "A")]).unwrap();
    let stale = check(dir.path(), &[output("a.ics", "A2"), output("b.xml", "B")]);
    assert_eq!(
        stale,
        vec![
            Stale::Differs(PathBuf::from("a.ics")),
            Stale::Missing(PathBuf::from("b.xml"))
        ]
    );
    assert!(check(dir.path(), &[output("a.ics", "A")]).is_empty());
}

/// `len` bytes that repeat no short pattern, so a misplaced byte shows.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect()
}

/// Writes `bytes` in pieces of 1 to 4099 bytes, as renderers do.
fn write_in_pieces(w: &mut dyn Write, bytes: &[u8]) -> io::Result<()> {
    let mut rest = bytes;
    let mut size = 1;
    while !rest.is_empty() {
        let n = size.min(rest.len());
        w.write_all(&rest[..n])?;
        rest = &rest[n..];
        size = size * 7 % 4099 + 1;
    }
    Ok(())
}

/// One build of `files` through [`Sink::file`], in small writes.
fn build(dir: &Path, files: &[(&str, &[u8])]) -> WriteReport {
    let staging = Staging::new(dir).unwrap();
    for (path, bytes) in files {
        staging
            .file(path, &mut |w| write_in_pieces(w, bytes))
            .unwrap();
    }
    staging.commit().unwrap()
}

/// Every file under `dir` with its bytes and modification time.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>, std::time::SystemTime)> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(at) = dirs.pop() {
        for entry in fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let modified = fs::metadata(&path).unwrap().modified().unwrap();
                files.push((path.clone(), fs::read(&path).unwrap(), modified));
            }
        }
    }
    files.sort();
    files
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    snapshot(dir)
        .into_iter()
        .map(|(path, ..)| path)
        .filter(|path| path.to_string_lossy().ends_with(".tmp"))
        .collect()
}

#[test]
fn identical_bytes_leave_the_published_file_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = noise(300_000, 1);
    build(dir.path(), &[("sub/a.bin", &bytes)]);
    let path = dir.path().join("sub/a.bin");
    let long_ago = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1 << 30);
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(long_ago)
        .unwrap();
    let before = fs::metadata(&path).unwrap();

    let report = build(dir.path(), &[("sub/a.bin", &bytes)]);
    assert!(report.written.is_empty(), "{report:?}");
    assert_eq!(report.unchanged, vec![PathBuf::from("sub/a.bin")]);
    let after = fs::metadata(&path).unwrap();
    assert_eq!(after.modified().unwrap(), long_ago);
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        assert_eq!(after.ino(), before.ino(), "the file was replaced");
    }
    let _ = before;
    assert_eq!(fs::read(&path).unwrap(), bytes);
    assert!(temp_files(dir.path()).is_empty());
}

#[test]
fn an_output_that_differs_anywhere_is_written_exactly() {
    for len in [11, 300_000] {
        let old = noise(len, 2);
        let mut last_byte = old.clone();
        *last_byte.last_mut().unwrap() ^= 1;
        let mut first_byte = old.clone();
        first_byte[0] ^= 1;
        let mut longer = old.clone();
        longer.extend_from_slice(b"and more");
        let cases: [(&str, &[u8]); 6] = [
            ("last byte", &last_byte),
            ("first byte", &first_byte),
            ("prefix but the last byte", &old[..len - 1]),
            ("first half", &old[..len / 2]),
            ("longer", &longer),
            ("one byte", &old[..1]),
        ];
        for (case, new) in cases {
            let dir = tempfile::tempdir().unwrap();
            build(dir.path(), &[("a/x.bin", &old)]);
            // Also written in one piece: larger than the buffers, it skips them.
            for whole in [false, true] {
                fs::write(dir.path().join("a/x.bin"), &old).unwrap();
                let staging = Staging::new(dir.path()).unwrap();
                staging
                    .file("a/x.bin", &mut |w| {
                        if whole {
                            w.write_all(new)
                        } else {
                            write_in_pieces(w, new)
                        }
                    })
                    .unwrap();
                let report = staging.commit().unwrap();
                let what = format!("{case}, {len} bytes, whole: {whole}");
                assert_eq!(report.written, vec![PathBuf::from("a/x.bin")], "{what}");
                assert!(
                    fs::read(dir.path().join("a/x.bin")).unwrap() == new,
                    "{what}"
                );
                assert!(temp_files(dir.path()).is_empty(), "{what}");
            }
        }
    }
}

#[test]
fn a_large_output_written_in_small_pieces_round_trips() {
    const MIB: usize = 1024 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");
    let big = noise(5 * MIB + 123, 3);
    let report = build(dir.path(), &[("big.bin", &big)]);
    assert_eq!(report.written, vec![PathBuf::from("big.bin")]);
    assert!(fs::read(&path).unwrap() == big);

    let report = build(dir.path(), &[("big.bin", &big)]);
    assert_eq!(report.unchanged, vec![PathBuf::from("big.bin")]);

    let mut changed = big.clone();
    changed[3 * MIB + 7] ^= 0x80;
    let mut longer = big.clone();
    longer.extend_from_slice(&noise(MIB, 4));
    for (case, new) in [
        ("a byte in the middle", &changed[..]),
        ("shorter", &big[..4 * MIB + 3]),
        ("longer", &longer[..]),
        ("the original", &big[..]),
    ] {
        let report = build(dir.path(), &[("big.bin", new)]);
        assert_eq!(report.written, vec![PathBuf::from("big.bin")], "{case}");
        assert!(fs::read(&path).unwrap() == new, "{case}");
    }
    assert!(temp_files(dir.path()).is_empty());
}

#[test]
fn an_empty_output_is_an_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let report = build(dir.path(), &[("new/empty.txt", b"")]);
    assert_eq!(report.written, vec![PathBuf::from("new/empty.txt")]);
    assert_eq!(fs::read(dir.path().join("new/empty.txt")).unwrap(), b"");
    let report = build(dir.path(), &[("new/empty.txt", b"")]);
    assert_eq!(report.unchanged, vec![PathBuf::from("new/empty.txt")]);

    fs::write(dir.path().join("new/empty.txt"), "not empty").unwrap();
    let report = build(dir.path(), &[("new/empty.txt", b"")]);
    assert_eq!(report.written, vec![PathBuf::from("new/empty.txt")]);
    assert_eq!(fs::read(dir.path().join("new/empty.txt")).unwrap(), b"");
}

#[test]
fn checking_finds_what_differs_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let big = noise(200_000, 5);
    let mut big_last = big.clone();
    *big_last.last_mut().unwrap() ^= 1;
    build(
        dir.path(),
        &[
            ("same.txt", b"same"),
            ("differs.txt", b"old"),
            ("sub/prefix.txt", b"abc"),
            ("sub/longer.txt", b"abc"),
            ("gone.txt", b"gone"),
            ("big.bin", &big),
            ("big-last.bin", &big),
            ("empty.txt", b""),
        ],
    );
    let before = snapshot(dir.path());

    let checking = Checking::new(dir.path());
    let outputs: [(&str, &[u8]); 9] = [
        ("same.txt", b"same"),
        ("differs.txt", b"new"),
        ("sub/prefix.txt", b"ab"),
        ("sub/longer.txt", b"abcd"),
        ("new/missing.txt", b"m"),
        ("big.bin", &big),
        ("big-last.bin", &big_last),
        ("empty.txt", b""),
        ("new-empty.txt", b""),
    ];
    for (path, bytes) in outputs {
        checking
            .file(path, &mut |w| write_in_pieces(w, bytes))
            .unwrap();
    }
    let (stale, produced) = checking.finish();
    let path = PathBuf::from;
    assert_eq!(
        stale,
        vec![
            Stale::Differs(path("big-last.bin")),
            Stale::Differs(path("differs.txt")),
            // Paths sort by component: `new` before `new-empty.txt`.
            Stale::Missing(path("new/missing.txt")),
            Stale::Missing(path("new-empty.txt")),
            Stale::Differs(path("sub/longer.txt")),
            Stale::Differs(path("sub/prefix.txt")),
            Stale::Obsolete(path("gone.txt")),
        ]
    );
    let mut expected: Vec<PathBuf> = outputs.iter().map(|(p, _)| path(p)).collect();
    expected.sort();
    assert_eq!(produced, expected);
    assert_eq!(snapshot(dir.path()), before, "checking wrote to the output");
    assert!(!dir.path().join("new").exists());
}

#[test]
fn a_staged_file_is_the_temporary_file_or_the_unchanged_one() {
    let dir = tempfile::tempdir().unwrap();
    build(
        dir.path(),
        &[("same.txt", b"same"), ("sub/changed.txt", b"old")],
    );
    let staging = Staging::new(dir.path()).unwrap();
    staging.add(&output("same.txt", "same")).unwrap();
    staging.add(&output("sub/changed.txt", "new")).unwrap();

    assert_eq!(
        staging.staged_file(Path::new("same.txt")),
        Some(dir.path().join("same.txt"))
    );
    let temp = staging.staged_file(Path::new("sub/changed.txt")).unwrap();
    assert_ne!(temp, dir.path().join("sub/changed.txt"));
    assert_eq!(temp.parent(), Some(dir.path().join("sub").as_path()));
    assert_eq!(fs::read_to_string(&temp).unwrap(), "new");
    assert_eq!(
        fs::read_to_string(dir.path().join("sub/changed.txt")).unwrap(),
        "old"
    );
    assert_eq!(staging.staged_file(Path::new("other.txt")), None);

    staging.commit().unwrap();
    assert!(!temp.exists());
    assert_eq!(
        fs::read_to_string(dir.path().join("sub/changed.txt")).unwrap(),
        "new"
    );
}

#[test]
fn a_failed_render_leaves_no_temporary_file_and_the_published_one_alone() {
    let dir = tempfile::tempdir().unwrap();
    let old = noise(100_000, 6);
    build(dir.path(), &[("sub/a.bin", &old), ("b.txt", b"old b")]);
    let before = snapshot(dir.path());
    {
        let staging = Staging::new(dir.path()).unwrap();
        // A changed file staged before the failure.
        staging.add(&output("b.txt", "new b")).unwrap();
        assert!(!temp_files(dir.path()).is_empty());
        // The failing render has written more than a buffer of different bytes.
        let error = staging
            .file("sub/a.bin", &mut |w| {
                write_in_pieces(w, &noise(200_000, 7))?;
                Err(io::Error::other("render failed"))
            })
            .unwrap_err();
        assert_eq!(error.to_string(), "render failed");
    }
    assert_eq!(temp_files(dir.path()), Vec::<PathBuf>::new());
    assert_eq!(snapshot(dir.path()), before);
}
