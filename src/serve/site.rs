//! The served site: one build, rendered a file at a time as files are asked for.
//!
//! A [`Site`] holds the build's publications and what their files are rendered from
//! ([`OnDemand`]), not the files: a file is rendered when it is first asked for, its
//! page links rewritten for the preview (`serve/preview.rs`), and kept in a cache bounded
//! by size ([`CACHE_BYTES`]: the files most recently asked for); a file that fell out of
//! it is rendered again, to the same bytes. Only a path the build writes names a file
//! ([`OnDemand`] maps paths to renderers and back), so there is nothing else to reach: no
//! other file of the disk, no dotfile, no symlink, no directory listing. A rebuild makes a
//! whole new [`Site`] and swaps it in with one pointer store ([`Current::store`]), so a
//! request sees either the old build or the new one, never a mix and never a
//! half-written file. A failed rebuild stores the last good build again, marked stale,
//! with a banner on each page ([`Site::stale`]).
//!
//! Last-Modified is the time of the build that made the site, except for a file the
//! site before had in its cache with the very bytes this build renders (after the
//! rewrites; a stale site's pages, with their banner, never are): that file keeps the
//! time it had. A file not in that cache gets the new build's time even when its bytes
//! are unchanged, which only costs a client that revalidates by date alone one full
//! response; the ETag is a hash of the bytes, so it is the same in every build.

mod cache;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Write;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use flate2::Compression;
use flate2::write::GzEncoder;

use self::cache::Cache;
use super::preview::{Rewrites, stale_banner};
use crate::export::files;
use crate::export::on_demand::OnDemand;
use crate::model::Publication;

/// Files smaller than this are not worth compressing (gzip's header and trailer alone
/// are 18 bytes).
const GZIP_MIN_BYTES: usize = 256;

/// One served file, with what a response needs: its validators computed at build time, its
/// gzipped form at the first request that accepts gzip (a large publication has tens of
/// thousands of files, of which a preview asks for a few).
#[derive(Debug)]
pub struct Entry {
    pub body: Vec<u8>,
    /// The body gzipped, when that is smaller; `None` inside until first asked for.
    gzip: OnceLock<Option<Vec<u8>>>,
    level: Compression,
    /// Strong validator of `body`: a hash of the bytes, quoted.
    pub etag: String,
    /// Strong validator of `gzip` (another representation, so another tag).
    pub gzip_etag: String,
    /// When a build last changed these bytes, in whole seconds (HTTP dates have no more).
    pub last_modified: SystemTime,
    pub content_type: &'static str,
}

impl Entry {
    fn new(body: Vec<u8>, content_type: &'static str, built: SystemTime) -> Entry {
        Entry::compressed(body, content_type, built, Compression::best())
    }

    fn compressed(
        body: Vec<u8>,
        content_type: &'static str,
        built: SystemTime,
        level: Compression,
    ) -> Entry {
        let tag = format!("{:x}-{:016x}", body.len(), fnv1a64(&body));
        Entry {
            etag: format!("\"{tag}\""),
            gzip_etag: format!("\"{tag}-gz\""),
            body,
            gzip: OnceLock::new(),
            level,
            last_modified: whole_seconds(built),
            content_type,
        }
    }

    /// The body gzipped, when that is smaller: compressed once, at the first call.
    pub fn gzip(&self) -> Option<&[u8]> {
        self.gzip
            .get_or_init(|| {
                (self.body.len() >= GZIP_MIN_BYTES)
                    .then(|| gzip(&self.body, self.level))
                    .filter(|gz| gz.len() < self.body.len())
            })
            .as_deref()
    }
}

/// What a rebuild changed, compared with the build before it (the last good one):
/// which publications' input files have other bytes (or are new), and the files added and
/// removed, by path (files at the same path are not compared: that would take rendering
/// all of them).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// The slugs of the publications whose input changed or is new, in order.
    pub inputs: Vec<String>,
    pub added: usize,
    pub removed: usize,
}

/// A hash of each publication's input file, by slug (`None`: the file could not be read
/// to hash it, and counts as changed).
pub type Inputs = HashMap<String, Option<u128>>;

/// The most a site's cache holds of rendered files: a preview asks for a few of the tens
/// of thousands of files of a large publication, and the rest can be rendered again.
pub const CACHE_BYTES: usize = 64 << 20;

/// What a site's files are rendered from.
enum Files {
    Build(Arc<OnDemand>),
    /// Files given whole, by path (for tests of what serves them).
    #[cfg(test)]
    Fixed(HashMap<String, Vec<u8>>),
}

impl Files {
    fn render(&self, key: &str) -> Option<Vec<u8>> {
        match self {
            Files::Build(build) => build.render_path(key),
            #[cfg(test)]
            Files::Fixed(files) => files.get(key).cloned(),
        }
    }

    fn contains(&self, key: &str) -> bool {
        match self {
            Files::Build(build) => build.contains(key),
            #[cfg(test)]
            Files::Fixed(files) => files.contains_key(key),
        }
    }

    fn len(&self) -> usize {
        match self {
            Files::Build(build) => build.len(),
            #[cfg(test)]
            Files::Fixed(files) => files.len(),
        }
    }

    /// The paths of the publication `slug` (for fixed files, `""` stands for them all).
    fn paths_of(&self, slug: &str) -> Vec<String> {
        match self {
            Files::Build(build) => build.paths_of(slug),
            #[cfg(test)]
            Files::Fixed(files) => files.keys().cloned().collect(),
        }
    }

    fn publications(&self) -> &[Publication] {
        match self {
            Files::Build(build) => build.publications(),
            #[cfg(test)]
            Files::Fixed(_) => &[],
        }
    }
}

/// One build, by URL path without the leading slash (`xiaomi-12s.ics`,
/// `xiaomi-12s/index.html`): its files rendered when asked for.
pub struct Site {
    files: Arc<Files>,
    rewrites: Arc<Rewrites>,
    inputs: Arc<Inputs>,
    /// When this site was made: the Last-Modified of what it renders.
    built: SystemTime,
    cache: Cache,
    stale: Option<Stale>,
    /// How many files this site rendered (for the tests).
    #[cfg(test)]
    renders: std::sync::atomic::AtomicUsize,
}

impl fmt::Debug for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Site")
            .field("files", &self.files.len())
            .field("built", &self.built)
            .field("stale", &self.stale_summary())
            .finish_non_exhaustive()
    }
}

/// What a stale site is: the last good build, after a rebuild that failed.
struct Stale {
    /// One line on what failed (`X-Calfeed-Stale`).
    summary: String,
    /// The last good build, without the banners: it renders (and keeps) the files, the
    /// stale site keeps the pages with their banner.
    good: Arc<Site>,
}

/// What a request path names.
#[derive(Debug)]
pub enum Resolved {
    File(Arc<Entry>),
    /// A directory named without its trailing slash: redirect to the slash form, as
    /// static hosts do, so that the page's relative links resolve.
    AddSlash,
    NotFound,
}

fn is_page(content_type: &str) -> bool {
    content_type.starts_with("text/html")
}

impl Site {
    /// The site of `build` made at `built`, its pages' links rewritten by `rewrites`, with
    /// a cache of at most `cache_bytes`; `inputs` are the hashes of the publications'
    /// files as this build read them. Files that `previous` (the site served until now)
    /// had in its cache start in this one's, to be served again (Last-Modified included)
    /// if this build renders the same bytes for them. The changes are counted from the
    /// last good build (`previous` without its banners, when it is stale).
    pub fn new(
        build: OnDemand,
        inputs: Inputs,
        previous: Option<&Site>,
        built: SystemTime,
        rewrites: Rewrites,
        cache_bytes: usize,
    ) -> (Site, Changes) {
        Site::of(
            Files::Build(Arc::new(build)),
            inputs,
            previous,
            built,
            rewrites,
            cache_bytes,
        )
    }

    fn of(
        files: Files,
        inputs: Inputs,
        previous: Option<&Site>,
        built: SystemTime,
        rewrites: Rewrites,
        cache_bytes: usize,
    ) -> (Site, Changes) {
        let cache = match previous {
            None => Cache::new(cache_bytes),
            // A stale site's pages have their banner: only the good build's other files
            // can be the same.
            Some(previous) => match &previous.stale {
                Some(stale) => Cache::inherit(&stale.good.cache, cache_bytes, |key| {
                    !is_page(files::media_type(key))
                }),
                None => Cache::inherit(&previous.cache, cache_bytes, |_| true),
            },
        };
        let site = Site {
            files: Arc::new(files),
            rewrites: Arc::new(rewrites),
            inputs: Arc::new(inputs),
            built: whole_seconds(built),
            cache,
            stale: None,
            #[cfg(test)]
            renders: Default::default(),
        };
        let changes = match previous {
            Some(previous) => site.changes_from(previous.good()),
            None => Changes {
                inputs: site.publications().iter().map(|p| p.slug.clone()).collect(),
                added: site.len(),
                removed: 0,
            },
        };
        (site, changes)
    }

    /// The files of `outputs`, as a site of fixed files (for the tests of what serves a
    /// site); they count as one publication, `""`, whose input changes with any file.
    #[cfg(test)]
    pub fn build(
        outputs: Vec<crate::export::Output>,
        previous: Option<&Site>,
        built: SystemTime,
        rewrites: &Rewrites,
    ) -> (Site, Changes) {
        let files: HashMap<String, Vec<u8>> = outputs
            .into_iter()
            .map(|o| (o.path.to_str().expect("UTF-8").to_string(), o.contents))
            .collect();
        let mut sorted: Vec<_> = files.iter().collect();
        sorted.sort();
        let hash = xxhash_rust::xxh3::xxh3_128(format!("{sorted:?}").as_bytes());
        let inputs = Inputs::from([(String::new(), Some(hash))]);
        Site::of(
            Files::Fixed(files),
            inputs,
            previous,
            built,
            rewrites.clone(),
            CACHE_BYTES,
        )
    }

    /// What changed from `before` (a good build): the publications whose input hash is
    /// another or new, and the paths of those (and of those gone) added and removed.
    fn changes_from(&self, before: &Site) -> Changes {
        let mut changes = Changes::default();
        let mut slugs: Vec<&String> = self.inputs.keys().chain(before.inputs.keys()).collect();
        slugs.sort();
        slugs.dedup();
        for slug in slugs {
            let (now, then) = (self.inputs.get(slug), before.inputs.get(slug));
            if let (Some(Some(now)), Some(Some(then))) = (now, then)
                && now == then
            {
                continue;
            }
            if now.is_some() {
                changes.inputs.push(slug.clone());
            }
            let new: HashSet<String> = match now {
                Some(_) => self.files.paths_of(slug).into_iter().collect(),
                None => HashSet::new(),
            };
            let old: HashSet<String> = match then {
                Some(_) => before.files.paths_of(slug).into_iter().collect(),
                None => HashSet::new(),
            };
            changes.added += new.difference(&old).count();
            changes.removed += old.difference(&new).count();
        }
        changes
    }

    /// The last good build of `served` (which may be stale already), marked stale with
    /// `summary`: each page with a banner saying so (new bytes, so a new ETag and
    /// Last-Modified `now`), every other file as it was.
    pub fn stale(served: &Arc<Site>, summary: String, now: SystemTime) -> Site {
        let good = match &served.stale {
            Some(stale) => Arc::clone(&stale.good),
            None => Arc::clone(served),
        };
        Site {
            files: Arc::clone(&good.files),
            rewrites: Arc::clone(&good.rewrites),
            inputs: Arc::clone(&good.inputs),
            built: whole_seconds(now),
            cache: Cache::new(good.cache_limit()),
            stale: Some(Stale { summary, good }),
            #[cfg(test)]
            renders: Default::default(),
        }
    }

    fn cache_limit(&self) -> usize {
        self.cache.limit()
    }

    /// Why this site is stale (a failed rebuild, in one line), if it is.
    pub fn stale_summary(&self) -> Option<&str> {
        self.stale.as_ref().map(|stale| stale.summary.as_str())
    }

    /// The last good build: this site, or the one it is a stale copy of.
    fn good(&self) -> &Site {
        self.stale.as_ref().map_or(self, |stale| &stale.good)
    }

    /// The publications of the build.
    pub fn publications(&self) -> &[Publication] {
        self.files.publications()
    }

    /// The bytes of the file at `key` (`show.ics`) as built, without a banner.
    pub fn built_bytes(&self, key: &str) -> Option<Vec<u8>> {
        self.good().entry(key).map(|entry| entry.body.clone())
    }

    /// How many files the build has.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn contains(&self, key: &str) -> bool {
        self.files.contains(key)
    }

    /// The entry of the file at `key`: from the cache, else rendered (and cached).
    fn entry(&self, key: &str) -> Option<Arc<Entry>> {
        if let Some(entry) = self.cache.get(key) {
            return Some(entry);
        }
        // One request at a time renders a file; the others wait, then take it cached.
        let turn = self.cache.turn(key);
        let _turn = turn.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = self.cache.get(key) {
            return Some(entry);
        }
        let content_type = files::media_type(key);
        if let Some(stale) = &self.stale {
            let good = stale.good.entry(key)?;
            if !is_page(content_type) {
                return Some(good);
            }
            let body = stale_banner(&good.body, &stale.summary);
            // Fast: every page is compressed again, at each failed rebuild.
            return Some(self.cache.settle(key, body, |body| {
                Entry::compressed(body, content_type, self.built, Compression::fast())
            }));
        }
        #[cfg(test)]
        self.renders
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut body = self.files.render(key)?;
        if is_page(content_type) {
            body = self.rewrites.apply(body);
        }
        Some(
            self.cache
                .settle(key, body, |body| Entry::new(body, content_type, self.built)),
        )
    }

    /// The file a decoded request path names (it starts with `/` and has no `.`, `..`
    /// or dot-file segments: `decode_path` in `serve/http/request.rs` made sure). A path
    /// ending in `/` names that directory's `index.html`.
    pub fn resolve(&self, path: &str) -> Resolved {
        let relative = path.strip_prefix('/').unwrap_or(path);
        let key = if relative.is_empty() || relative.ends_with('/') {
            format!("{relative}index.html")
        } else {
            relative.to_string()
        };
        if let Some(entry) = self.entry(&key) {
            return Resolved::File(entry);
        }
        if !relative.is_empty()
            && !relative.ends_with('/')
            && self.files.contains(&format!("{relative}/index.html"))
        {
            return Resolved::AddSlash;
        }
        Resolved::NotFound
    }
}

/// The site being served, replaced whole by each successful rebuild.
///
/// Readers hold the lock only to clone the `Arc`, so a rebuild's store waits at most for
/// that, and a request keeps the build it started with until it has been answered.
#[derive(Debug)]
pub struct Current(RwLock<Arc<Site>>);

impl Current {
    pub fn new(site: Site) -> Current {
        Current(RwLock::new(Arc::new(site)))
    }

    pub fn load(&self) -> Arc<Site> {
        Arc::clone(&self.0.read().unwrap_or_else(PoisonError::into_inner))
    }

    pub fn store(&self, site: Site) -> Arc<Site> {
        let site = Arc::new(site);
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = Arc::clone(&site);
        site
    }
}

/// gzip (at the best level but for stale pages): it runs once per file rendered, not per
/// request.
/// The header has no file name and a zero mtime, so the bytes depend on the input only.
fn gzip(bytes: &[u8], level: Compression) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 3), level);
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .expect("writing to a Vec cannot fail")
}

/// 64-bit FNV-1a. An ETag needs only to tell successive versions of one file apart, and
/// this is stable across builds of calfeed (unlike std's `DefaultHasher`) without a
/// hashing dependency; the length goes into the tag too.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn whole_seconds(time: SystemTime) -> SystemTime {
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    UNIX_EPOCH + Duration::from_secs(seconds)
}

#[cfg(test)]
mod tests {
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
        let (site, _) = Site::of(
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
}
