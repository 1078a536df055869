//! The reproductions of issue 14, each a test: the output folder is untrusted ground
//! (links, a tampered manifest, files calfeed did not write, a second build at the same
//! time), a commit that fails part-way changes nothing, the input limit holds for the
//! bytes read, folders that overlap are refused, and a closed stdout ends quietly.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::Test;
use crate::support::fixtures::{MINIMAL, with_event};
use crate::support::test::BIN;
use crate::support::tree::tree;

/// Two events, so that a publication has pages to replace and to remove.
fn two_events(start: &str, sequence: u32) -> String {
    format!(
        "{}\n[[events]]\nid = \"second\"\ntitle = \"Second\"\nstart = \"2022-08-01T10:00\"\n",
        with_event(&format!(
            "start = \"{start}\"\nduration = \"2h\"\nsequence = {sequence}"
        ))
    )
}

/// A site with `feeds/launches.toml`, published to `public/`.
fn built(feed: &str) -> Test {
    let site = Test::new().feed("launches.toml", feed);
    site.again().args(["build", "-q"]).run();
    site
}

fn read(site: &Test, relative: &str) -> String {
    fs::read_to_string(site.path(relative)).unwrap()
}

#[cfg(unix)]
#[test]
fn a_tampered_manifest_and_a_link_delete_nothing_outside_the_output() {
    let site = built(MINIMAL);
    site.write("outside/precious.txt", "keep");
    std::os::unix::fs::symlink(site.path("outside"), site.path("public/evil")).unwrap();
    let mut manifest = read(&site, "public/.calfeed-manifest");
    manifest.push_str("evil/precious.txt\n");
    site.write("public/.calfeed-manifest", &manifest);

    site.again().args(["build"]).run();
    assert!(
        site.path("outside/precious.txt").exists(),
        "the build deleted a file outside the output folder"
    );
    assert!(!read(&site, "public/.calfeed-manifest").contains("evil"));
}

#[cfg(unix)]
#[test]
fn a_linked_publication_folder_makes_calfeed_write_and_delete_nothing_outside() {
    let site = built(&two_events("2022-07-04T19:00", 0));
    // The publication's folder moves out of public/ and a link takes its place; then the
    // second event is removed (its page is stale) and the first one moved.
    fs::rename(site.path("public/launches"), site.path("outside")).unwrap();
    std::os::unix::fs::symlink(site.path("outside"), site.path("public/launches")).unwrap();
    site.write("outside/precious.txt", "keep");
    site.write(
        "feeds/launches.toml",
        &with_event("start = \"2022-07-05T19:00\"\nduration = \"2h\"\nsequence = 1"),
    );
    let before = tree(&site.path("outside"));
    assert!(
        before.contains_key(Path::new("second.html")),
        "{:?}",
        before.keys()
    );

    site.again()
        .args(["build"])
        .status(4)
        .stderr_contains("public/launches is a symbolic link")
        .run();
    assert!(
        tree(&site.path("outside")) == before,
        "calfeed wrote or deleted through the link"
    );
}

#[test]
fn a_commit_that_fails_part_way_changes_nothing_and_names_the_file() {
    let site = built(&two_events("2022-07-04T19:00", 0));
    // The event is edited (and its sequence raised), then a folder appears where the RSS
    // feed goes: its rename fails after the pages and the calendar were replaced.
    site.write("feeds/launches.toml", &two_events("2022-07-04T20:00", 1));
    fs::remove_file(site.path("public/launches.xml")).unwrap();
    fs::create_dir(site.path("public/launches.xml")).unwrap();
    let before = tree(&site.path("public"));

    site.again()
        .args(["build"])
        .status(4)
        .stderr_contains("cannot replace public/launches.xml")
        .stderr_contains("were undone, so nothing published changed")
        .run();
    let after = tree(&site.path("public"));
    assert!(after == before, "{:?}", changed(&before, &after));
    // The build did have changes to make (the calendar among them).
    fs::remove_dir(site.path("public/launches.xml")).unwrap();
    site.again()
        .args(["build"])
        .stdout_contains("wrote public/launches.ics")
        .run();
}

/// The files that differ between two trees.
fn changed(
    before: &std::collections::BTreeMap<PathBuf, Vec<u8>>,
    after: &std::collections::BTreeMap<PathBuf, Vec<u8>>,
) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = before.keys().chain(after.keys()).cloned().collect();
    paths.sort();
    paths.dedup();
    paths.retain(|path| before.get(path) != after.get(path));
    paths
}

/// A file that holds more than its size says (a /proc file: its size is 0) stands for one
/// swapped for a larger one between the size check and the read.
#[cfg(target_os = "linux")]
#[test]
fn the_input_limit_holds_for_the_bytes_actually_read() {
    for name in ["big.toml", "big.json"] {
        let site = Test::new();
        std::os::unix::fs::symlink("/proc/self/environ", site.path(&format!("feeds/{name}")))
            .unwrap();
        site.again()
            .args(["check", "--max-input-size", "10K"])
            .env("CALFEED_PADDING", &"x".repeat(64 * 1024))
            .status(1)
            .stderr_contains(format!("feeds/{name}"))
            .stderr_contains("more than the limit of 10240 bytes")
            .run();
    }
}

#[test]
fn folders_that_overlap_are_refused_and_nothing_is_written() {
    let cases: [(&[&str], &str); 5] = [
        (&["--in", "feeds", "--out", "feeds"], "is the input folder"),
        (
            &["--in", "feeds", "--out", "./feeds/../feeds/"],
            "is the input folder",
        ),
        (
            &["--in", "feeds", "--out", "feeds/public"],
            "is inside the input folder",
        ),
        (
            &["--in", "public/feeds", "--out", "public"],
            "is inside the output folder",
        ),
        (
            &["--in", "feeds", "--out", "public", "--previous", "feeds"],
            "in the input folder",
        ),
    ];
    for (folders, message) in cases {
        let site = Test::new()
            .feed("launches.json", crate::support::fixtures::MINIMAL_JSON)
            .dir("public/feeds");
        site.write("public/feeds/launches.toml", MINIMAL);
        let feeds = tree(&site.path("feeds"));
        let public = tree(&site.path("public"));
        for command in ["build", "build --check"] {
            let mut args: Vec<&str> = command.split(' ').collect();
            args.extend(folders);
            site.again()
                .args(args)
                .status(2)
                .stderr_contains(message)
                .stderr_contains("nothing was written")
                .run();
            assert!(tree(&site.path("feeds")) == feeds, "{command} {folders:?}");
            assert!(
                tree(&site.path("public")) == public,
                "{command} {folders:?}"
            );
            assert!(!site.path("feeds/public").exists(), "{command} {folders:?}");
        }
    }
}

/// What holds an output folder's lock as a running build does.
struct OtherBuild {
    _locked: fs::File,
}

impl OtherBuild {
    fn lock(public: &Path, pid: &str) -> Self {
        fs::create_dir_all(public).unwrap();
        let file = fs::File::create(public.join(".calfeed-lock.tmp")).unwrap();
        file.try_lock().expect("the lock is free");
        fs::write(public.join(".calfeed-lock.tmp"), pid).unwrap();
        OtherBuild { _locked: file }
    }
}

#[test]
fn a_second_build_of_one_output_folder_stops_and_leaves_the_first_alone() {
    let site = built(MINIMAL);
    site.write(
        "feeds/launches.toml",
        &with_event(
            "start = \"2022-07-04T19:00\"\nduration = \"2h\"\ndescription = \"More to come\"",
        ),
    );
    // The first build's temporary file, named as calfeed names them.
    let temp = ".calfeed-4242-abcdefABCDEF.tmp";
    site.write(&format!("public/{temp}"), "being written");
    let other = OtherBuild::lock(&site.path("public"), "4242");
    let before = tree(&site.path("public"));

    site.again()
        .args(["build"])
        .status(4)
        .stderr_contains("another calfeed build (pid 4242) is writing to public")
        .run();
    assert!(tree(&site.path("public")) == before);

    // Once it is over, the next build goes through and removes what it left.
    drop(other);
    site.again()
        .args(["build"])
        .stdout_contains("wrote public/launches.ics")
        .run();
    assert!(!site.path(&format!("public/{temp}")).exists());
    assert!(!site.path("public/.calfeed-lock.tmp").exists());
}

#[test]
fn a_file_calfeed_did_not_write_is_not_overwritten_unless_adopted() {
    let site = Test::new()
        .feed("launches.toml", MINIMAL)
        .file("public/launches.ics", "my own calendar");
    site.again()
        .args(["build"])
        .status(4)
        .stderr_contains("public/launches.ics")
        .stderr_contains("--adopt")
        .run();
    assert_eq!(read(&site, "public/launches.ics"), "my own calendar");
    assert!(!site.path("public/launches").exists());
    assert!(!site.path("public/.calfeed-manifest").exists());

    site.again()
        .args(["build", "--adopt"])
        .stdout_contains("wrote public/launches.ics")
        .run();
    assert!(read(&site, "public/launches.ics").starts_with("BEGIN:VCALENDAR"));
    assert!(read(&site, "public/.calfeed-manifest").contains("launches.ics\n"));
}

#[test]
fn only_calfeeds_own_temporary_files_are_removed() {
    let site = built(MINIMAL);
    let users = [
        ".calfeed-notes.tmp",
        ".calfeed-abc.tmp",
        "launches/.calfeed-1-short.tmp",
    ];
    for name in users {
        site.write(&format!("public/{name}"), "mine");
    }
    // What a killed build leaves.
    let abandoned = "launches/.calfeed-99-abcdefABCDEF.tmp";
    site.write(&format!("public/{abandoned}"), "half");
    site.again().args(["build"]).run();
    for name in users {
        assert!(
            site.path(&format!("public/{name}")).exists(),
            "{name}, a file of the user's, was removed"
        );
    }
    assert!(!site.path(&format!("public/{abandoned}")).exists());
}

/// `calfeed ... | head -1`: the reader is gone before calfeed writes.
#[test]
fn a_closed_stdout_ends_quietly_with_the_usual_status() {
    let site = built(MINIMAL);
    for args in [
        &["build", "-v", "--in", "feeds", "--out", "public"][..],
        &["occurrences", "--in", "feeds"],
        &["man"],
        &["completions", "bash"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = Command::new(BIN)
            .args(args)
            .current_dir(site.path(""))
            .stdin(Stdio::null())
            .stdout(writer)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}
