//! Incremental rebuilds: in a publication that changed, each permalink and one-event file
//! whose key (a hash of everything it shows) and file are as the last build left them is
//! passed on unrendered. Each kind of field of an event, an article and the channel is
//! edited in turn, and after each edit the rebuild into the same folder must (a) leave
//! exactly the files a clean build of the same input writes, (b) have written exactly the
//! files whose bytes changed between the two clean builds, touching no other, and (c) have
//! rendered again only the per-item outputs that show the edited item.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use calfeed::build::{Build, CACHE, Written};
use calfeed::publish::MANIFEST;

use crate::support::api::options;
use crate::support::tree::tree;

const BASE: &str = r###"
[channel]
title = "Incremental"
description = "Every kind of field, edited one at a time."
link = "https://example.org/site/"
language = "en"
timezone = "Europe/Berlin"
author = "Desk"
refresh = "12h"
updated = "2024-06-01T12:00:00Z"
upcoming = 3
feed_items = 4
calendar_events = 20
by_category = {}

[[events]]
id = "weekly"
title = "Weekly call"
start = "2024-05-02T18:00"
duration = "1h"
description = "Every Thursday."
location = "Room 1"
categories = ["Calls"]
repeat = { every = "week", on = ["th"], count = 10 }
except = ["2024-05-16T18:00"]
reminders = ["15m"]

[[events.overrides]]
occurrence = "2024-05-23T18:00"
start = "2024-05-23T19:00"
title = "Weekly call (late)"

[[events]]
id = "tokyo"
title = "Tokyo launch"
start = "2024-11-02T18:00"
end = "2024-11-02T20:00"
timezone = "Asia/Tokyo"
livestream = "https://example.org/live"
url = "https://example.org/tokyo"
categories = ["Launches"]
status = "tentative"
sequence = 1

[[events]]
id = "fair"
title = "Fair"
start = "2025-03-10"
end = "2025-03-12"
categories = ["Fairs"]

[[events]]
id = "plain"
title = "Plain"
start = "2025-04-01T10:00Z"

[[articles]]
id = "call-news"
title = "About the calls"
published = "2024-04-20"
summary = "The calls start."
content = "# Calls\n\nThey start in **May**."
categories = ["Calls"]
events = ["weekly"]

[[articles]]
id = "launch-news"
title = "Launch news"
published = "2024-10-01"
content = "## Launch\n\nSee you in Tokyo."
events = ["tokyo", "fair"]
language = "de"
categories = ["Launches"]

[[articles]]
id = "old"
title = "Old news"
published = "2023-01-05"
content = "Old."

[[articles]]
id = "latest"
title = "Latest"
published = "2025-05-01"
summary = "Nothing related."
"###;

/// Whose outputs an edit shows in, as the per-item outputs rendered again: `Exactly(n)`
/// of them (the rest passed on), or `Any` (a channel edit, which every page shows).
#[derive(Clone, Copy, Debug)]
enum Rendered {
    Exactly(usize),
    Any,
}
use Rendered::{Any, Exactly};

/// The edited event's one-event file and permalink, and the permalink of the one article
/// that shows it (`weekly`: `call-news`; `tokyo` and `fair`: `launch-news`).
const EVENT: Rendered = Exactly(3);
/// An event no article shows (`plain`).
const LONE_EVENT: Rendered = Exactly(2);
/// An article: its permalink.
const ARTICLE: Rendered = Exactly(1);

/// Each edit, made after the ones before it: what, the text replaced (once, and it must
/// be there), its replacement, and what is rendered again.
const EDITS: &[(&str, &str, &str, Rendered)] = &[
    (
        "nothing but a comment",
        "[channel]\n",
        "# A comment.\n[channel]\n",
        Exactly(0),
    ),
    // The events.
    (
        "event title",
        "title = \"Weekly call\"\n",
        "title = \"Weekly call, renamed\"\n",
        EVENT,
    ),
    (
        "event duration",
        "duration = \"1h\"",
        "duration = \"90m\"",
        EVENT,
    ),
    (
        "event end",
        "end = \"2024-11-02T20:00\"",
        "end = \"2024-11-02T21:00\"",
        EVENT,
    ),
    (
        "event start",
        "start = \"2025-04-01T10:00Z\"",
        "start = \"2025-04-02T11:00Z\"",
        LONE_EVENT,
    ),
    (
        "event zone",
        "timezone = \"Asia/Tokyo\"",
        "timezone = \"Asia/Seoul\"",
        EVENT,
    ),
    (
        "all-day end",
        "end = \"2025-03-12\"",
        "end = \"2025-03-13\"",
        EVENT,
    ),
    (
        "all-day to timed",
        "start = \"2025-03-10\"\nend = \"2025-03-13\"",
        "start = \"2025-03-10T09:00\"\nend = \"2025-03-13T17:00\"",
        EVENT,
    ),
    (
        "event description",
        "\"Every Thursday.\"",
        "\"Every Thursday,\\n\\nonline.\"",
        EVENT,
    ),
    ("event location", "\"Room 1\"", "\"Room 2\"", EVENT),
    (
        "event livestream",
        "\"https://example.org/live\"",
        "\"https://example.org/live2\"",
        EVENT,
    ),
    (
        "event url",
        "\"https://example.org/tokyo\"",
        "\"https://example.org/tokyo2\"",
        EVENT,
    ),
    (
        "event image",
        "start = \"2025-04-02T11:00Z\"",
        "start = \"2025-04-02T11:00Z\"\nimage = \"https://example.org/plain.png\"",
        LONE_EVENT,
    ),
    (
        "event categories",
        "categories = [\"Calls\"]\nrepeat",
        "categories = [\"Calls\", \"Weekly\"]\nrepeat",
        EVENT,
    ),
    ("event repeat count", "count = 10", "count = 12", EVENT),
    (
        "event except",
        "except = [\"2024-05-16T18:00\"]",
        "except = [\"2024-05-30T18:00\"]",
        EVENT,
    ),
    (
        "override title",
        "\"Weekly call (late)\"",
        "\"Weekly call (later)\"",
        EVENT,
    ),
    (
        "override start",
        "start = \"2024-05-23T19:00\"",
        "start = \"2024-05-23T20:00\"",
        EVENT,
    ),
    (
        "event reminders",
        "reminders = [\"15m\"]",
        "reminders = [\"30m\", \"1d\"]",
        EVENT,
    ),
    (
        "event status",
        "status = \"tentative\"",
        "status = \"cancelled\"",
        EVENT,
    ),
    ("event sequence", "sequence = 1", "sequence = 2", EVENT),
    (
        "event updated",
        "title = \"Fair\"\n",
        "title = \"Fair\"\nupdated = \"2024-05-01T00:00:00Z\"\n",
        EVENT,
    ),
    (
        "event to another archive page",
        "start = \"2025-04-02T11:00Z\"",
        "start = \"2023-12-30T11:00Z\"",
        LONE_EVENT,
    ),
    (
        "event added",
        "[[articles]]\nid = \"call-news\"",
        "[[events]]\nid = \"new\"\ntitle = \"New\"\nstart = \"2024-07-01\"\n\n[[articles]]\nid = \"call-news\"",
        Exactly(2),
    ),
    // The articles.
    (
        "article title",
        "\"Launch news\"",
        "\"Launch news, updated\"",
        ARTICLE,
    ),
    (
        "article content",
        "See you in Tokyo.",
        "See you in Tokyo, or online.",
        ARTICLE,
    ),
    (
        "article summary",
        "\"The calls start.\"",
        "\"The calls start soon.\"",
        ARTICLE,
    ),
    (
        "article summary added",
        "content = \"Old.\"",
        "content = \"Old.\"\nsummary = \"Old, summed up.\"",
        ARTICLE,
    ),
    (
        "article published",
        "published = \"2024-10-01\"",
        "published = \"2024-10-02T08:00\"",
        ARTICLE,
    ),
    (
        "article to another archive page",
        "published = \"2023-01-05\"",
        "published = \"2024-01-05\"",
        ARTICLE,
    ),
    (
        "article related events",
        "events = [\"tokyo\", \"fair\"]",
        "events = [\"fair\", \"plain\"]",
        ARTICLE,
    ),
    (
        "article language",
        "language = \"de\"",
        "language = \"fr\"",
        ARTICLE,
    ),
    (
        "article categories",
        "language = \"fr\"\ncategories = [\"Launches\"]",
        "language = \"fr\"\ncategories = [\"Launches\", \"Fairs\"]",
        ARTICLE,
    ),
    (
        "article link",
        "summary = \"Nothing related.\"",
        "summary = \"Nothing related.\"\nlink = \"https://example.org/latest\"",
        ARTICLE,
    ),
    (
        "article author",
        "id = \"old\"\n",
        "id = \"old\"\nauthor = \"Someone\"\n",
        ARTICLE,
    ),
    (
        "article updated",
        "id = \"latest\"\n",
        "id = \"latest\"\nupdated = \"2025-05-02\"\n",
        ARTICLE,
    ),
    (
        "article removed",
        "[[articles]]\nid = \"old\"\nauthor = \"Someone\"\ntitle = \"Old news\"\npublished = \"2024-01-05\"\ncontent = \"Old.\"\nsummary = \"Old, summed up.\"\n",
        "",
        Exactly(0),
    ),
    // The channel.
    (
        "channel title",
        "title = \"Incremental\"",
        "title = \"Incremental, renamed\"",
        Any,
    ),
    (
        "channel description",
        "\"Every kind of field, edited one at a time.\"",
        "\"Every field.\"",
        Any,
    ),
    (
        "channel link",
        "\"https://example.org/site/\"",
        "\"https://example.net/\"",
        Any,
    ),
    (
        "channel language",
        "language = \"en\"",
        "language = \"en-GB\"",
        Any,
    ),
    (
        "channel timezone",
        "timezone = \"Europe/Berlin\"",
        "timezone = \"Europe/Lisbon\"",
        Any,
    ),
    (
        "channel author",
        "author = \"Desk\"",
        "author = \"Newsroom\"",
        Any,
    ),
    (
        "channel refresh",
        "refresh = \"12h\"",
        "refresh = \"1d\"",
        Any,
    ),
    (
        "channel updated",
        "updated = \"2024-06-01T12:00:00Z\"",
        "updated = \"2024-06-02T12:00:00Z\"",
        Any,
    ),
    ("channel upcoming", "upcoming = 3", "upcoming = 2", Any),
    (
        "channel feed budget",
        "feed_items = 4",
        "feed_items = 2",
        Any,
    ),
    (
        "channel calendar budget",
        "calendar_events = 20",
        "calendar_events = 3",
        Any,
    ),
    (
        "channel categories",
        "by_category = {}",
        "by_category = { only = [\"Calls\"] }",
        Any,
    ),
    (
        "channel raw HTML",
        "upcoming = 2",
        "upcoming = 2\nallow_html = true",
        Any,
    ),
];

/// A build of `dir/feeds` into `dir/public`, publishing events that changed without a
/// higher sequence (the edits do not raise it).
fn build(dir: &Path) -> Build {
    let mut build = Build::new(dir.join("feeds"), dir.join("public"));
    build.load = options();
    build.allow_unbumped = true;
    build
}

/// Builds; the guard's warnings about unbumped sequences are expected.
fn write(build: &Build) -> Written {
    build.write(|_| {}).expect("the build")
}

/// A folder with `feeds/incremental.toml` holding `text`.
fn site(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    fs::create_dir(dir.path().join("feeds")).expect("feeds/");
    fs::write(dir.path().join("feeds/incremental.toml"), text).expect("input");
    dir
}

/// Every file of `public/` but the cache.
fn published(public: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = tree(public);
    files.remove(Path::new(CACHE));
    files
}

/// What a build from scratch of `text` writes.
fn clean(text: &str) -> BTreeMap<PathBuf, Vec<u8>> {
    let dir = site(text);
    write(&build(dir.path()));
    published(&dir.path().join("public"))
}

/// Each file's inode and modification time: a file written again has other ones.
fn stamps(public: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
    use std::os::unix::fs::MetadataExt;
    published(public)
        .into_keys()
        .map(|path| {
            let meta = fs::metadata(public.join(&path)).expect("stat");
            let stamp = (meta.ino(), meta.modified().expect("mtime"));
            (path, stamp)
        })
        .collect()
}

/// The files added or changed from `before` to `after`, and those gone.
fn difference(
    before: &BTreeMap<PathBuf, Vec<u8>>,
    after: &BTreeMap<PathBuf, Vec<u8>>,
) -> (BTreeSet<PathBuf>, BTreeSet<PathBuf>) {
    let changed = after
        .iter()
        .filter(|(path, bytes)| before.get(*path) != Some(bytes))
        .map(|(path, _)| path.clone())
        .collect();
    let gone = before
        .keys()
        .filter(|path| !after.contains_key(*path))
        .cloned()
        .collect();
    (changed, gone)
}

/// How many per-item outputs a build of this size has: two per event, one per article.
fn per_item(written: &Written) -> usize {
    2 * written.summary.events + written.summary.articles
}

#[test]
fn every_kind_of_edit_renders_again_only_what_shows_it_and_builds_as_a_clean_build_does() {
    let dir = site(BASE);
    let build = build(dir.path());
    let public = dir.path().join("public");
    let first = write(&build);
    assert_eq!(first.kept, 0, "nothing to keep from before the first build");
    let mut text = BASE.to_string();
    let mut before = clean(&text);
    assert_eq!(published(&public), before);
    let pages: Vec<_> = before
        .keys()
        .filter(|p| {
            p.starts_with("incremental/archive") && p.extension().is_some_and(|e| e == "html")
        })
        .collect();
    assert!(
        pages.len() >= 3,
        "the contents and two pages or more: {pages:?}"
    );
    for &(what, from, to, rendered) in EDITS {
        assert_eq!(text.matches(from).count(), 1, "{what}: {from:?} in {text}");
        text = text.replacen(from, to, 1);
        fs::write(dir.path().join("feeds/incremental.toml"), &text).expect("input");
        let stamped = stamps(&public);
        let written = write(&build);
        let after = clean(&text);
        // (a) The files of a clean build, byte for byte.
        let now = published(&public);
        if now != after {
            let (differ, extra) = difference(&after, &now);
            panic!("{what}: not as a clean build: {differ:?} differ, {extra:?} missing");
        }
        // (b) Written again: exactly what a clean build changed; nothing else touched.
        let (mut changed, gone) = difference(&before, &after);
        if let Exactly(1..) = rendered {
            assert!(!changed.is_empty(), "{what}: the edit shows nowhere");
        }
        // (The manifest is calfeed's bookkeeping, not an output the build reports.)
        changed.remove(Path::new(MANIFEST));
        let listed = |paths: &[PathBuf]| paths.iter().cloned().collect::<BTreeSet<_>>();
        assert_eq!(listed(&written.written), changed, "{what}: written");
        assert_eq!(listed(&written.removed), gone, "{what}: removed");
        for (path, stamp) in stamps(&public) {
            if !changed.contains(&path) && path != Path::new(MANIFEST) {
                assert_eq!(
                    Some(&stamp),
                    stamped.get(&path),
                    "{what}: {} touched",
                    path.display()
                );
            }
        }
        // (c) Rendered again: what shows the edited item, and no other per-item output.
        assert!(!written.from_cache && written.reused == 0, "{what}");
        let again = per_item(&written) - written.kept;
        match rendered {
            Exactly(n) => assert_eq!(again, n, "{what}: per-item outputs rendered again"),
            Any => assert!(again <= per_item(&written), "{what}"),
        }
        before = after;
    }
}

/// A permalink names the archive page that lists it, by its file and its title; both can
/// change when other items are added. Here an article added to a full month splits that
/// month's page in two parts: the first keeps its file name (`2024-03`), and its title
/// becomes "March 2024, part 1 of 2", in the permalink of each of its 500 items.
#[test]
fn a_permalink_shows_its_archive_pages_new_title_when_items_are_added_before_it() {
    let article = |i: usize, day: usize| {
        format!(
            "\n[[articles]]\nid = \"a{i}\"\ntitle = \"A {i}\"\npublished = \"2024-03-{day:02}\"\n"
        )
    };
    let mut text = String::from(
        "[channel]\ntitle = \"Pages\"\ndescription = \"D\"\nlink = \"https://example.org/\"\n\
         language = \"en\"\ntimezone = \"UTC\"\nupdated = \"2024-06-01T00:00:00Z\"\n\n\
         [[events]]\nid = \"april\"\ntitle = \"April\"\nstart = \"2024-04-02\"\n",
    );
    // 2024 holds 501 items: a page per month, March's 500 on one page.
    for i in 0..500 {
        text.push_str(&article(i, 1 + i % 28));
    }
    let dir = site(&text);
    let build = build(dir.path());
    let public = dir.path().join("public");
    write(&build);
    let page_title = |public: &Path, id: &str| {
        let page =
            fs::read_to_string(public.join(format!("incremental/{id}.html"))).expect("permalink");
        let start = page.find("Archive: ").expect("the crumb") + "Archive: ".len();
        page[start..start + page[start..].find('<').expect("end")].to_string()
    };
    assert_eq!(page_title(&public, "a0"), "March 2024");
    text.push_str(&article(500, 30));
    fs::write(dir.path().join("feeds/incremental.toml"), &text).expect("input");
    let written = write(&build);
    assert_eq!(page_title(&public, "a0"), "March 2024, part 1 of 2");
    assert_eq!(published(&public), clean(&text));
    // The new one's page is all that is new: the others show another page's title, so
    // they are rendered again too.
    assert_eq!(written.kept, 2, "the event's files, and no article");
}

/// A per-item output is kept only while its file is as the last build left it: one edited
/// by hand (even to the same size and modification time), one deleted and one overwritten
/// are rendered again, by a build where another item changed.
#[test]
fn a_per_item_output_changed_since_the_last_build_is_rendered_again() {
    let dir = site(BASE);
    let build = build(dir.path());
    let public = dir.path().join("public");
    write(&build);
    let page = public.join("incremental/plain.html");
    let mut bytes = fs::read(&page).expect("permalink");
    let modified = fs::metadata(&page)
        .and_then(|m| m.modified())
        .expect("mtime");
    bytes[0] = b'<' ^ b' ';
    fs::write(&page, &bytes).expect("edit");
    fs::File::options()
        .write(true)
        .open(&page)
        .and_then(|f| f.set_modified(modified))
        .expect("mtime");
    fs::remove_file(public.join("incremental/fair.ics")).expect("delete");
    fs::write(public.join("incremental/latest.html"), "by hand").expect("edit");
    let text = BASE.replacen("\"Room 1\"", "\"Room 2\"", 1);
    fs::write(dir.path().join("feeds/incremental.toml"), &text).expect("input");
    let written = write(&build);
    assert_eq!(published(&public), clean(&text));
    // `weekly`'s two files and `call-news` for the edit; the three changed by hand.
    assert_eq!(per_item(&written) - written.kept, 3 + 3);
}
