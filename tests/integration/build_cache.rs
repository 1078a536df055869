//! The build cache (`.calfeed-cache`): a build whose input, settings and outputs are as the
//! last build left them loads and renders nothing; a build where one publication changed
//! renders only that one; and every change (an input byte, the reference date, an output
//! deleted or edited, another calfeed, a corrupt cache) leads to outputs byte-identical to
//! a clean build's.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use calfeed::build::{Build, CACHE, Written};
use chrono::{DateTime, TimeZone, Utc};

use crate::support::Test;
use crate::support::api::options;
use crate::support::fixtures::many_events;
use crate::support::tree::tree;

const SEED: &str = include_str!("../../feeds/xiaomi-12s.toml");

/// A folder with two publications: the seed, and many events over a calendar budget (so
/// that the build has a budget note to report).
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    fs::create_dir(dir.path().join("feeds")).expect("feeds/");
    fs::write(dir.path().join("feeds/xiaomi-12s.toml"), SEED).expect("seed");
    write_many(dir.path(), "a");
    dir
}

fn write_many(dir: &Path, version: &str) {
    let text =
        many_events(30, 0, version).replacen("[channel]\n", "[channel]\ncalendar_events = 5\n", 1);
    fs::write(dir.join("feeds/many.toml"), text).expect("many.toml");
}

fn build(dir: &Path, reference: Option<DateTime<Utc>>) -> Build {
    let mut build = Build::new(dir.join("feeds"), dir.join("public"));
    build.load = options();
    build.load.reference = reference;
    build
}

fn write(build: &Build) -> Written {
    build
        .write(|finding| panic!("{finding}"))
        .expect("the build")
}

/// The files a build from scratch of the same input with the same settings writes.
fn clean(dir: &Path, reference: Option<DateTime<Utc>>) -> BTreeMap<PathBuf, Vec<u8>> {
    let other = tempfile::tempdir().expect("temporary folder");
    let feeds = other.path().join("feeds");
    fs::create_dir(&feeds).expect("feeds/");
    for entry in fs::read_dir(dir.join("feeds")).expect("feeds/") {
        let entry = entry.expect("entry");
        fs::copy(entry.path(), feeds.join(entry.file_name())).expect("copy");
    }
    let mut clean = build(dir, reference);
    clean.input = feeds;
    clean.output = other.path().join("public");
    write(&clean);
    published(&clean.output)
}

/// Every file of `public/` but the cache.
fn published(public: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = tree(public);
    files.remove(Path::new(CACHE));
    files
}

/// After a full build, a build with nothing changed.
fn built_twice(dir: &Path) -> (Written, Written) {
    let build = build(dir, None);
    let first = write(&build);
    let second = write(&build);
    (first, second)
}

#[test]
fn a_rebuild_with_nothing_changed_loads_and_renders_nothing() {
    let dir = site();
    let (first, second) = built_twice(dir.path());
    assert!(!first.from_cache);
    assert_eq!(first.reused, 0);
    assert!(second.from_cache, "the second build rendered");
    assert_eq!(second.reused, 2);
    assert_eq!(second.written, Vec::<PathBuf>::new());
    assert_eq!(second.removed, Vec::<PathBuf>::new());
    let mut all = first.written.clone();
    all.sort();
    assert_eq!(second.unchanged, all);
    assert_eq!(second.summary, first.summary);
    let notes = |w: &Written| w.trimmed.iter().map(|t| t.to_string()).collect::<Vec<_>>();
    assert!(!notes(&first).is_empty(), "the fixture has a budget note");
    assert_eq!(notes(&second), notes(&first));
    assert!(dir.path().join("public").join(CACHE).is_file());
}

#[test]
fn a_changed_publication_is_rendered_again_and_the_other_is_not() {
    let dir = site();
    let build = build(dir.path(), None);
    write(&build);
    write_many(dir.path(), "bb");
    let written = write(&build);
    assert!(!written.from_cache);
    assert_eq!(written.reused, 1, "the seed is rendered again");
    assert!(written.written.iter().any(|p| p.starts_with("many")));
    assert!(!written.written.iter().any(|p| p.starts_with("xiaomi-12s")));
    assert_eq!(
        published(&dir.path().join("public")),
        clean(dir.path(), None)
    );
    // And the next build has nothing to do again.
    assert!(write(&build).from_cache);
}

/// Builds after a series of edits, each into the same folder: every one gives the files of
/// a clean build, and a publication that did not change is not rendered again, even when
/// another one before it (in file order) is removed or added.
#[test]
fn a_series_of_edits_builds_as_clean_builds_do() {
    let dir = site();
    let mut build = build(dir.path(), None);
    // (Reverting an edit lowers the events' `sequence`.)
    build.allow_unbumped = true;
    let feeds = dir.path().join("feeds");
    let first = |name: &str, text: &str| {
        fs::write(feeds.join(name), text).unwrap();
    };
    write(&build);
    type Step<'s> = (&'s str, Box<dyn Fn() + 's>, usize);
    let steps: [Step<'_>; 5] = [
        // ("a-first.toml" comes before the others.)
        (
            "a publication added first",
            Box::new(|| first("a-first.toml", &many_events(3, 0, "x"))),
            2,
        ),
        (
            "an event edited",
            Box::new(|| write_many(dir.path(), "cc")),
            2,
        ),
        (
            "the edit reverted",
            Box::new(|| write_many(dir.path(), "a")),
            2,
        ),
        (
            "the first publication removed",
            Box::new(|| fs::remove_file(feeds.join("a-first.toml")).unwrap()),
            2,
        ),
        ("nothing", Box::new(|| ()), 2),
    ];
    for (what, step, reused) in steps {
        step();
        let written = build.write(|_| {}).expect(what);
        assert_eq!(written.reused, reused, "{what}");
        assert_eq!(
            published(&dir.path().join("public")),
            clean(dir.path(), None),
            "{what}: not the outputs of a clean build"
        );
    }
}

/// Each change makes the next build a full one (or, for an output, renders its
/// publication again), whose files are those of a clean build.
#[test]
fn every_change_leads_to_the_outputs_of_a_clean_build() {
    let public = |dir: &Path| dir.join("public");
    type Change = fn(&Path) -> Option<DateTime<Utc>>;
    let changes: [(&str, Change); 10] = [
        ("an input byte", |dir| {
            let path = dir.join("feeds/xiaomi-12s.toml");
            let text =
                fs::read_to_string(&path)
                    .unwrap()
                    .replacen("Xiaomi unveils", "Xiaomi unveilt", 1);
            fs::write(path, text).unwrap();
            None
        }),
        ("the reference date (--as-of)", |_| {
            Some(Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap())
        }),
        ("a deleted output", |dir| {
            fs::remove_file(dir.join("public/many/e3.ics")).unwrap();
            None
        }),
        ("an output edited, same size and modification time", |dir| {
            // (Not a calendar: the publish guard would see the edit.)
            let path = dir.join("public/xiaomi-12s/index.html");
            let modified = fs::metadata(&path).unwrap().modified().unwrap();
            let text = fs::read_to_string(&path)
                .unwrap()
                .replacen("Xiaomi", "Yiaomi", 1);
            fs::write(&path, text).unwrap();
            fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(modified)
                .unwrap();
            None
        }),
        ("an output edited after a build with nothing to do", |dir| {
            assert!(write(&build(dir, None)).from_cache);
            let path = dir.join("public/many/e5.ics");
            let modified = fs::metadata(&path).unwrap().modified().unwrap();
            let text = fs::read_to_string(&path).unwrap().replacen("e5", "e6", 1);
            fs::write(&path, text).unwrap();
            let file = fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(modified).unwrap();
            None
        }),
        ("the index page edited", |dir| {
            fs::write(dir.join("public/index.html"), "edited").unwrap();
            None
        }),
        ("the manifest edited", |dir| {
            let path = dir.join("public/.calfeed-manifest");
            let text = fs::read_to_string(&path).unwrap();
            fs::write(&path, text.replacen("many/e3.ics\n", "", 1)).unwrap();
            None
        }),
        ("another calfeed", |dir| {
            edit_cache(dir, |json| {
                json.replacen("\"calfeed\":\"", "\"calfeed\":\"0.0.1 ", 1)
            });
            None
        }),
        ("a cache that names a file outside the output", |dir| {
            edit_cache(dir, |json| {
                json.replacen("[\"many/e3.ics\"", "[\"../feeds/many.toml\"", 1)
            });
            None
        }),
        ("a corrupt cache", |dir| {
            let path = dir.join("public").join(CACHE);
            let text =
                fs::read_to_string(&path)
                    .unwrap()
                    .replacen("\"events\":1", "\"events\":2", 1);
            fs::write(path, text).unwrap();
            None
        }),
    ];
    for (what, change) in changes {
        let dir = site();
        write(&build(dir.path(), None));
        let reference = change(dir.path());
        let written = write(&build(dir.path(), reference));
        assert!(!written.from_cache, "{what}: the build was skipped");
        assert_eq!(
            published(&public(dir.path())),
            clean(dir.path(), reference),
            "{what}: not the outputs of a clean build"
        );
        assert_eq!(
            written.summary,
            write(&build(dir.path(), reference)).summary,
            "{what}"
        );
    }
}

/// Rewrites the cache's record, keeping it whole (its hash line made anew).
fn edit_cache(dir: &Path, edit: impl Fn(&str) -> String) {
    let path = dir.join("public").join(CACHE);
    let text = fs::read_to_string(&path).unwrap();
    let (_, json) = text.split_once('\n').unwrap();
    let json = edit(json.trim_end_matches('\n'));
    let hash = xxhash_rust::xxh3::xxh3_128(json.as_bytes());
    fs::write(path, format!("{hash:032x}\n{json}\n")).unwrap();
}

/// `SOURCE_DATE_EPOCH` is the reference date: a build with another one is a full build.
#[test]
fn another_source_date_epoch_builds_as_a_clean_build_does() {
    let site = Test::new().feed("xiaomi-12s.toml", SEED);
    let later = "1767225600"; // 2026-01-01
    site.again()
        .env("SOURCE_DATE_EPOCH", "1656000000")
        .args(["build"])
        .run();
    site.again()
        .env("SOURCE_DATE_EPOCH", later)
        .args(["build"])
        .run();
    let clean = Test::new().feed("xiaomi-12s.toml", SEED);
    clean
        .again()
        .env("SOURCE_DATE_EPOCH", later)
        .args(["build"])
        .run();
    assert_eq!(
        published(&site.path("public")),
        published(&clean.path("public"))
    );
}

/// `build --check` compares every output, whatever the cache says.
#[test]
fn check_compares_the_outputs_even_when_the_cache_matches_them() {
    let dir = site();
    write(&build(dir.path(), None));
    let path = dir.path().join("public/many/e3.ics");
    let modified = fs::metadata(&path).unwrap().modified().unwrap();
    let text = fs::read_to_string(&path)
        .unwrap()
        .replacen("SUMMARY:E", "SUMMARY:F", 1);
    fs::write(&path, text).unwrap();
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let checked = build(dir.path(), None).check(|_| {}).expect("check");
    assert_eq!(checked.stale.len(), 1, "{:?}", checked.stale);
}
