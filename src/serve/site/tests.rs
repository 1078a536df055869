//! The site: resolving, the cache, Last-Modified across builds, stale sites.
use std::io::Read;
use std::path::PathBuf;

use super::*;
use crate::export::Output;

fn output(path: &str, contents: &str) -> Output {
    Output {
        path: PathBuf::from(path),
        contents: contents.as_bytes().to_vec(),
    }
}

fn build(outputs: Vec<Output>, previous: Option<&Site>, at: SystemTime) -> (Site, Changes) {
    Site::build(outputs, previous, at, &Rewrites::default())
}

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn file(site: &Site, path: &str) -> Arc<Entry> {
    match site.resolve(path) {
        Resolved::File(entry) => entry,
        other => panic!("{path}: {other:?}"),
    }
}

#[test]
fn resolves_files_directories_and_nothing_else() {
    let (site, _) = build(
        vec![
            output("index.html", "root"),
            output("show.ics", "cal"),
            output("show/index.html", "page"),
            output("show/launch.ics", "one"),
        ],
        None,
        at(10),
    );
    assert_eq!(file(&site, "/").body, b"root");
    assert_eq!(file(&site, "/index.html").body, b"root");
    assert_eq!(file(&site, "/show.ics").body, b"cal");
    assert_eq!(file(&site, "/show/").body, b"page");
    assert_eq!(file(&site, "/show/launch.ics").body, b"one");
    assert!(matches!(site.resolve("/show"), Resolved::AddSlash));
    for missing in [
        "/nope.ics",
        "/show/nope/",
        "/show.ics/",
        "/SHOW.ics",
        "/show/launch",
    ] {
        assert!(
            matches!(site.resolve(missing), Resolved::NotFound),
            "{missing}"
        );
    }
}

#[test]
fn bytes_the_last_site_had_cached_keep_their_last_modified_and_etag() {
    let big = "BEGIN:VEVENT\r\n".repeat(100);
    let (first, changes) = build(
        vec![
            output("a.ics", &big),
            output("b.ics", "B"),
            output("c.ics", "C"),
            output("e.ics", "E"),
        ],
        None,
        at(1_000),
    );
    assert_eq!(changes.added, 4);
    // Asked for, so cached: a, b, c; e was never asked for.
    let (a1, b1) = (file(&first, "/a.ics"), file(&first, "/b.ics"));
    file(&first, "/c.ics");
    let (second, changes) = build(
        vec![
            output("a.ics", &big),
            output("b.ics", "B2"),
            output("d.ics", "D"),
            output("e.ics", "E"),
        ],
        Some(&first),
        at(2_000),
    );
    assert_eq!(
        changes,
        Changes {
            inputs: vec![String::new()],
            added: 1,
            removed: 1,
        }
    );
    let a2 = file(&second, "/a.ics");
    assert!(Arc::ptr_eq(&a1, &a2));
    assert_eq!(a2.last_modified, at(1_000));
    let b2 = file(&second, "/b.ics");
    assert_eq!(b2.last_modified, at(2_000));
    assert_ne!(b1.etag, b2.etag);
    // Not cached before: the new build's time, the same tag.
    let e2 = file(&second, "/e.ics");
    assert_eq!(e2.last_modified, at(2_000));
    assert!(matches!(second.resolve("/c.ics"), Resolved::NotFound));
}

/// A site of real publications with a cache of `limit` bytes.
fn site_of(publications: Vec<Publication>, limit: usize, at: SystemTime) -> Site {
    let rewrites = Rewrites::new(&publications, "http://127.0.0.1:1/");
    Site::new(
        OnDemand::new(publications),
        Inputs::new(),
        None,
        at,
        rewrites,
        limit,
    )
    .0
}

fn publication(slug: &str, articles: usize) -> Publication {
    let mut text = String::from(
        r#"
[channel]
title = "Cached"
description = "D"
link = "https://example.org/c/"
language = "en"
timezone = "Europe/London"
updated = "2024-10-01T09:00:00Z"

[[events]]
id = "weekly"
title = "Weekly"
start = "2024-10-10T19:00"
repeat = { every = "week", count = 8 }
"#,
    );
    for i in 0..articles {
        text.push_str(&format!(
            "\n[[articles]]\nid = \"a{i}\"\ntitle = \"Article {i}\"\n\
             published = \"2024-09-{:02}\"\nevents = [\"weekly\"]\n\
             content = \"Body {i} https://example.org/c/weekly.html\"\n",
            i % 28 + 1
        ));
    }
    crate::load::test_publication(slug, &text)
}

#[test]
fn a_small_cache_changes_no_response() {
    let publications = vec![publication("one", 30)];
    let paths = OnDemand::new(publications.clone()).paths();
    let roomy = site_of(publications.clone(), CACHE_BYTES, at(1_000));
    let limit = 20_000;
    let small = site_of(publications, limit, at(1_000));
    let mut first = Vec::new();
    for path in &paths {
        let entry = file(&small, &format!("/{path}"));
        assert!(small.cache.bytes() <= limit, "{path}");
        let expected = file(&roomy, &format!("/{path}"));
        assert_eq!(entry.body, expected.body, "{path}");
        assert_eq!(entry.etag, expected.etag, "{path}");
        first.push(entry);
    }
    assert!(
        small.cache.keys().len() < paths.len() / 2,
        "{:?}",
        small.cache.keys()
    );
    // Again, in the same order: each was dropped from the cache, and rendered again.
    for (path, before) in paths.iter().zip(&first) {
        let again = file(&small, &format!("/{path}"));
        assert_eq!(again.body, before.body, "{path}");
        assert_eq!(again.etag, before.etag, "{path}");
        assert_eq!(again.last_modified, before.last_modified, "{path}");
        assert_eq!(again.gzip(), before.gzip(), "{path}");
    }
    // The pages link to the preview.
    let page = String::from_utf8(file(&small, "/one/a3.html").body.clone()).unwrap();
    assert!(page.contains("http://127.0.0.1:1/weekly.html"), "{page}");
    assert!(!page.contains("https://example.org/c/"), "{page}");
}

#[test]
fn requests_at_once_for_one_file_render_it_once() {
    let site = site_of(vec![publication("one", 300)], CACHE_BYTES, at(1));
    let entries: Vec<Arc<Entry>> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| file(&site, "/one.xml")))
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert!(entries.iter().all(|e| Arc::ptr_eq(e, &entries[0])));
    assert_eq!(site.renders.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn a_file_larger_than_the_cache_is_served_and_not_kept() {
    let site = Site::of(
        Files::Fixed(HashMap::from([("a.ics".into(), vec![b'x'; 5_000])])),
        Inputs::new(),
        None,
        at(1),
        Rewrites::default(),
        1_000,
    );
    assert_eq!(file(&site, "/a.ics").body.len(), 5_000);
    assert!(site.cache.keys().is_empty());
    assert_eq!(site.cache.bytes(), 0);
}

#[test]
fn etags_are_strong_quoted_and_differ_per_encoding() {
    let (site, _) = build(vec![output("a.ics", &"x".repeat(1000))], None, at(5));
    let entry = file(&site, "/a.ics");
    assert!(entry.etag.starts_with('"') && entry.etag.ends_with('"'));
    assert!(!entry.etag.starts_with("W/"));
    assert_ne!(entry.etag, entry.gzip_etag);
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(entry.gzip().expect("compressible"))
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, entry.body);
    // The same bytes get the same tag in any build, at any time.
    let (again, _) = build(vec![output("a.ics", &"x".repeat(1000))], None, at(99));
    assert_eq!(file(&again, "/a.ics").etag, entry.etag);
    assert_eq!(file(&again, "/a.ics").gzip(), entry.gzip());
}

#[test]
fn small_or_incompressible_files_have_no_gzip() {
    let (site, _) = build(vec![output("a.ics", "tiny")], None, at(5));
    assert!(file(&site, "/a.ics").gzip().is_none());
}

#[test]
fn last_modified_is_whole_seconds() {
    let (site, _) = build(
        vec![output("a.ics", "A")],
        None,
        at(7) + Duration::from_millis(999),
    );
    assert_eq!(file(&site, "/a.ics").last_modified, at(7));
}

#[test]
fn a_stale_site_banners_its_pages_and_a_good_build_counts_from_the_last_good_one() {
    let page = "<html><body>\n<p>Hello</p></body></html>";
    let (good, _) = build(
        vec![output("a.ics", "A"), output("a/index.html", page)],
        None,
        at(1_000),
    );
    let good = Arc::new(good);
    let stale = Arc::new(Site::stale(&good, "1 problem(s)".into(), at(2_000)));
    assert_eq!(stale.stale_summary(), Some("1 problem(s)"));
    assert!(Arc::ptr_eq(&file(&good, "/a.ics"), &file(&stale, "/a.ics")));
    let bannered = file(&stale, "/a/");
    assert!(String::from_utf8_lossy(&bannered.body).contains("Preview out of date"));
    assert_ne!(bannered.etag, file(&good, "/a/").etag);
    assert_eq!(bannered.last_modified, at(2_000));
    assert_eq!(stale.built_bytes("a/index.html").unwrap(), page.as_bytes());
    // Failing again banners the good build, not the bannered one.
    let again = Site::stale(&stale, "2 problem(s)".into(), at(3_000));
    let twice = String::from_utf8_lossy(&file(&again, "/a/").body).into_owned();
    assert_eq!(twice.matches("Preview out of date").count(), 1, "{twice}");
    // The fix: nothing changed since the good build, yet the pages are new again.
    let (fixed, changes) = build(
        vec![output("a.ics", "A"), output("a/index.html", page)],
        Some(&again),
        at(4_000),
    );
    assert_eq!(changes, Changes::default());
    assert_eq!(fixed.stale_summary(), None);
    assert_eq!(file(&fixed, "/a/").body, page.as_bytes());
    assert_eq!(file(&fixed, "/a/").last_modified, at(4_000));
}

#[test]
fn current_swaps_whole_sites() {
    let (one, _) = build(vec![output("a.ics", "1")], None, at(1));
    let current = Current::new(one);
    let held = current.load();
    let (two, _) = build(vec![output("a.ics", "2")], Some(&held), at(2));
    current.store(two);
    assert_eq!(file(&held, "/a.ics").body, b"1");
    assert_eq!(file(&current.load(), "/a.ics").body, b"2");
}

/// A site of `publications` read from inputs hashed as `inputs` says, after `previous`.
fn rebuilt(
    publications: Vec<Publication>,
    inputs: &[(&str, u128)],
    previous: Option<&Site>,
    at: SystemTime,
) -> Site {
    let rewrites = Rewrites::new(&publications, "http://127.0.0.1:1/");
    let inputs = inputs
        .iter()
        .map(|(slug, hash)| (slug.to_string(), Some(*hash)))
        .collect();
    Site::new(
        OnDemand::new(publications),
        inputs,
        previous,
        at,
        rewrites,
        CACHE_BYTES,
    )
    .0
}

fn renders(site: &Site) -> usize {
    site.renders.load(std::sync::atomic::Ordering::SeqCst)
}

#[test]
fn files_of_an_unchanged_input_are_served_from_the_cache_without_rendering() {
    let publications = || vec![publication("one", 3), publication("two", 3)];
    let first = rebuilt(publications(), &[("one", 1), ("two", 2)], None, at(1_000));
    let paths = ["/one.ics", "/one/", "/two.ics", "/two/a1.html", "/"];
    let before: Vec<_> = paths.iter().map(|p| file(&first, p)).collect();
    // `two` changed (by its hash), `one` did not.
    let second = rebuilt(
        publications(),
        &[("one", 1), ("two", 3)],
        Some(&first),
        at(2_000),
    );
    for (path, old) in paths.iter().zip(&before) {
        let new = file(&second, path);
        assert!(Arc::ptr_eq(old, &new), "{path}");
        assert_eq!(new.last_modified, at(1_000), "{path}");
    }
    // Two of `two` and the index page (which lists `two`) were rendered again to be
    // compared; `one`'s were known to be the same.
    assert_eq!(renders(&second), 3);
    // Nothing at all changed: nothing is rendered.
    let third = rebuilt(
        publications(),
        &[("one", 1), ("two", 3)],
        Some(&second),
        at(3_000),
    );
    for path in paths {
        file(&third, path);
    }
    assert_eq!(renders(&third), 0);
}

#[test]
fn after_a_stale_site_the_pages_are_new_however_unchanged_the_input() {
    let publications = || vec![publication("one", 3)];
    let good = Arc::new(rebuilt(publications(), &[("one", 1)], None, at(1_000)));
    let (calendar, page) = (file(&good, "/one.ics"), file(&good, "/one/"));
    let stale = Site::stale(&good, "1 problem(s)".into(), at(2_000));
    assert_eq!(file(&stale, "/one/").last_modified, at(2_000));
    let fixed = rebuilt(publications(), &[("one", 1)], Some(&stale), at(3_000));
    // The calendar was served as it was throughout; the page was served with a banner.
    assert!(Arc::ptr_eq(&file(&fixed, "/one.ics"), &calendar));
    let new_page = file(&fixed, "/one/");
    assert_eq!(new_page.body, page.body);
    assert_eq!(new_page.last_modified, at(3_000));
}

/// A released site stands for the site it was made from as the site before a rebuild:
/// the same changes are counted, the same cached files passed on (Last-Modified
/// included), and what was rendered from it is freed.
#[test]
fn a_released_site_is_the_same_previous_site_without_its_publications() {
    let publications = || vec![publication("one", 3), publication("two", 3)];
    let first = Arc::new(rebuilt(
        publications(),
        &[("one", 1), ("two", 2)],
        None,
        at(1_000),
    ));
    let paths = ["/one.ics", "/one/", "/two.ics", "/two/a1.html", "/"];
    let before: Vec<_> = paths.iter().map(|p| file(&first, p)).collect();
    let released = first.released();
    assert!(released.publications().is_empty());
    assert_eq!(released.len(), first.len());
    assert!(matches!(
        released.resolve("/one/a2.html"),
        Resolved::NotFound
    ));
    // `two` changed and lost a file, `three` is new.
    let now = || {
        vec![
            publication("one", 3),
            publication("two", 2),
            publication("three", 1),
        ]
    };
    let inputs = [("one", 1), ("two", 3), ("three", 4)];
    let from_first = rebuilt(now(), &inputs, Some(&first), at(2_000));
    let from_released = rebuilt(now(), &inputs, Some(&released), at(2_000));
    assert_eq!(
        from_released.changes_since(Some(&released)),
        from_first.changes_since(Some(&first))
    );
    let changes = from_released.changes_since(Some(&released));
    assert_eq!(changes.inputs, ["three", "two"]);
    assert!(changes.added > 0 && changes.removed > 0, "{changes:?}");
    for (path, old) in paths.iter().zip(&before) {
        let (new, expected) = (file(&from_released, path), file(&from_first, path));
        assert_eq!(new.body, expected.body, "{path}");
        assert_eq!(new.last_modified, expected.last_modified, "{path}");
        assert_eq!(
            Arc::ptr_eq(old, &new),
            Arc::ptr_eq(old, &expected),
            "{path}"
        );
    }
    // `one`'s files were passed on as they were.
    assert_eq!(file(&from_released, "/one/").last_modified, at(1_000));
    assert_eq!(renders(&from_released), renders(&from_first));
    // The site it was made from, with its publications, goes once no one holds it.
    let freed = Arc::downgrade(&first);
    drop((first, before, from_first));
    assert!(freed.upgrade().is_none());
}

/// A released stale site passes on no page: they were served with a banner.
#[test]
fn a_released_stale_site_passes_on_no_page() {
    let publications = || vec![publication("one", 3)];
    let good = Arc::new(rebuilt(publications(), &[("one", 1)], None, at(1_000)));
    let calendar = file(&good, "/one.ics");
    file(&good, "/one/");
    let stale = Site::stale(&good, "1 problem(s)".into(), at(2_000));
    let released = stale.released();
    let fixed = rebuilt(publications(), &[("one", 1)], Some(&released), at(3_000));
    assert!(Arc::ptr_eq(&file(&fixed, "/one.ics"), &calendar));
    assert_eq!(file(&fixed, "/one/").last_modified, at(3_000));
}

/// While the site is released, a request waits for the next site stored; the builder
/// sees the released one at once.
#[test]
fn requests_wait_for_the_site_that_replaces_a_released_one() {
    let (one, _) = build(vec![output("a.ics", "1")], None, at(1));
    let current = Arc::new(Current::new(one));
    let served = Arc::downgrade(&current.latest());
    let released = current.release();
    // Freed on a thread of its own.
    let freed = std::time::Instant::now();
    while served.upgrade().is_some() {
        assert!(
            freed.elapsed() < Duration::from_secs(10),
            "the served site is freed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(Arc::ptr_eq(&current.latest(), &released));
    assert!(Arc::ptr_eq(&current.release(), &released), "released once");
    let waiting = {
        let current = Arc::clone(&current);
        std::thread::spawn(move || current.load())
    };
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        !waiting.is_finished(),
        "a request waits while the site is released"
    );
    let (two, _) = build(vec![output("a.ics", "2")], Some(&released), at(2));
    current.store(two);
    let answered = waiting.join().unwrap();
    assert_eq!(file(&answered, "/a.ics").body, b"2");
}
