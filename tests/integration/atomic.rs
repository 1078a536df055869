//! Atomic publishing: a build killed at any moment leaves every published file whole (its
//! old bytes or its new ones), and builds clean up after themselves without touching files
//! calfeed did not write.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::Test;
use crate::support::fixtures::many_events;
use crate::support::tree::{is_temp_file, restore, tree};

/// Every file is whole: a published file holds exactly its old or its new bytes, a file
/// both builds publish is never missing, and the manifest names only files that exist.
/// Returns the temporary files the killed build left.
fn assert_whole(
    public: &Path,
    old: &BTreeMap<PathBuf, Vec<u8>>,
    new: &BTreeMap<PathBuf, Vec<u8>>,
    when: &str,
) -> Vec<PathBuf> {
    let now = tree(public);
    let mut temporary = Vec::new();
    for (path, bytes) in &now {
        if is_temp_file(path) {
            temporary.push(path.clone());
            continue;
        }
        let whole = old.get(path) == Some(bytes) || new.get(path) == Some(bytes);
        assert!(
            whole,
            "{when}: {} is neither its old nor its new version ({} bytes; old {:?}, new {:?})",
            path.display(),
            bytes.len(),
            old.get(path).map(Vec::len),
            new.get(path).map(Vec::len)
        );
    }
    for path in old.keys().filter(|p| new.contains_key(*p)) {
        assert!(
            now.contains_key(path),
            "{when}: {} is missing",
            path.display()
        );
    }
    let manifest = String::from_utf8(now[Path::new(".calfeed-manifest")].clone())
        .expect("the manifest is UTF-8");
    for line in manifest.lines() {
        assert!(
            now.contains_key(Path::new(line)),
            "{when}: the manifest names {line}, which does not exist"
        );
    }
    temporary
}

/// `calfeed build` is killed (SIGKILL) at many moments while it replaces a published
/// publication with a new version; after each kill every file of `public/` is whole, and a
/// build afterwards completes the new version and leaves no temporary file. Files calfeed
/// did not write survive.
///
/// CALFEED_ATOMICITY_EVENTS sets the number of events (default 400; every build writes one
/// file per event, each synced to disk, so this test's time grows with it).
#[test]
fn a_killed_build_leaves_every_published_file_whole() {
    let count: usize = std::env::var("CALFEED_ATOMICITY_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(400);
    let site = Test::new();
    site.write("public/CNAME", "calendar.example.org\n");
    site.write("feeds/many.toml", &many_events(count, 0, "old"));
    let started = Instant::now();
    site.again().args(["build"]).run();
    let full_build = started.elapsed();
    let old = tree(&site.path("public"));

    // The new version: every event retitled, the first ten gone, ten new ones.
    site.write("feeds/many.toml", &many_events(count, 10, "newer"));
    let reference = Test::new()
        .feed("many.toml", &many_events(count, 10, "newer"))
        .args(["build"])
        .run();
    let mut new = tree(&reference.path("public"));
    new.insert(PathBuf::from("CNAME"), old[Path::new("CNAME")].clone());
    assert_eq!(new.len(), old.len());

    // Kill at fixed moments and at fractions of a full build; then, until at least three
    // builds died mid-run and one finished, at further moments (or, for the finish, never).
    let ms = Duration::from_millis;
    let mut delays: std::collections::VecDeque<Option<Duration>> =
        [ms(5), ms(20), ms(50), ms(100)].map(Some).into();
    delays.extend([30, 60, 80, 90, 95].map(|percent| Some(full_build * percent / 100)));
    delays.push_back(Some(full_build * 3));
    let (mut killed, mut finished, mut left_temporary, mut attempts) = (0, 0, 0, 0);
    while let Some(delay) = delays.pop_front() {
        attempts += 1;
        restore(&site.path("public"), &old);
        let mut child = site.again().args(["build"]).spawn();
        let when = match delay {
            Some(delay) => {
                std::thread::sleep(delay);
                format!("killed after {delay:?}")
            }
            None => "a build that ran to its end".to_string(),
        };
        if delay.is_some() && child.try_wait().is_none() {
            child.kill();
            killed += 1;
        } else {
            child.wait();
            finished += 1;
        }
        left_temporary += assert_whole(&site.path("public"), &old, &new, &when).len();

        site.again().args(["build"]).run();
        let after = tree(&site.path("public"));
        let temporary: Vec<_> = after.keys().filter(|p| is_temp_file(p)).collect();
        assert!(
            temporary.is_empty(),
            "{when}: the next build left temporary files: {temporary:?}"
        );
        assert!(
            after == new,
            "{when}: the next build did not publish the new version"
        );
        if delays.is_empty() && attempts < 30 {
            if killed < 3 {
                delays.push_back(Some(ms(attempts)));
            } else if finished == 0 {
                delays.push_back(None);
            }
        }
    }
    println!(
        "{count} events, a full build {full_build:?}: killed {killed} builds mid-run \
         ({left_temporary} temporary files left, all removed by the next build), {finished} finished"
    );
    assert!(killed >= 3, "only {killed} builds were killed mid-run");
    assert!(finished >= 1, "no build finished before its kill");
}

/// A build writes more files than it may have open at once. (Found by this test: every
/// staged temporary file used to stay open until all were renamed, so 300 events under
/// `ulimit -n 128`, or 20 000 under this machine's limit, failed with os error 24.)
#[test]
fn a_build_writes_more_files_than_the_open_file_limit() {
    let site = Test::new()
        .feed("many.toml", &many_events(300, 0, "only"))
        .ulimit("-n 128")
        .args(["build"])
        .run();
    // Per event a one-event file and a permalink; the calendar, three feeds, the page, the
    // archive's contents, its page and calendar of 2024, the index and the manifest.
    assert_eq!(tree(&site.path("public")).len(), 2 * 300 + 6 + 3 + 1);
}

/// (Found by this test: temporary files in the folder of a removed publication used to
/// stay, since only folders of current outputs were cleaned.)
#[test]
fn temporary_files_in_the_folder_of_a_removed_publication_are_cleaned_up() {
    let site = Test::new();
    site.write("feeds/kept.toml", &many_events(1, 0, "kept"));
    site.write("feeds/gone.toml", &many_events(1, 0, "gone"));
    site.again().args(["build"]).run();
    // What a build killed between writing and renaming leaves behind.
    site.write("public/gone/.calfeed-4242-AbC123dEf456.tmp", "half a file");
    fs::remove_file(site.path("feeds/gone.toml")).expect("remove a publication");
    site.again().args(["build"]).run();
    let temporary: Vec<_> = tree(&site.path("public"))
        .into_keys()
        .filter(|p| is_temp_file(p))
        .collect();
    assert!(temporary.is_empty(), "left behind: {temporary:?}");
    assert!(!site.path("public/gone").exists());
}

#[test]
fn files_calfeed_did_not_write_survive_builds() {
    let site = Test::new();
    site.write("feeds/one.toml", &many_events(2, 0, "v1"));
    for (path, contents) in [
        ("public/CNAME", "calendar.example.org\n"),
        ("public/.nojekyll", ""),
        ("public/one/notes.txt", "mine"),
        ("public/keep.tmp", "not calfeed's"),
        ("public/.calfeed-notes", "not a temporary file either"),
    ] {
        site.write(path, contents);
    }
    let foreign = tree(&site.path("public"));
    site.again().args(["build"]).run();
    site.write("feeds/one.toml", &many_events(1, 5, "v2.0"));
    site.again().args(["build"]).run();
    let after = tree(&site.path("public"));
    for (path, bytes) in &foreign {
        assert_eq!(after.get(path), Some(bytes), "{}", path.display());
    }
    assert!(!after.contains_key(Path::new("one/e0.ics")));
    assert!(after.contains_key(Path::new("one/e5.ics")));
}
