//! The served site: every output of the last good build, in memory.
//!
//! Only what [`crate::export::render_all`] returned exists here, so there is nothing else
//! to reach: no other file of the disk, no dotfile, no symlink, no directory listing. A
//! rebuild makes a whole new [`Site`] and swaps it in with one pointer store
//! ([`Current::store`]), so a request sees either the old build or the new one, never a
//! mix and never a half-written file. A failed rebuild stores the last good build again,
//! marked stale, with a banner on each page ([`Site::stale`]).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::export::{Output, files};

use super::preview::{Rewrites, stale_banner};

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

/// What a rebuild changed, compared with the build before it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
    /// Outputs left out because their path is not a plain relative one: the caller
    /// reports them (this module does not print).
    pub not_served: Vec<PathBuf>,
}

/// Every file of one build, by URL path without the leading slash (`xiaomi-12s.ics`,
/// `xiaomi-12s/index.html`).
#[derive(Debug, Default)]
pub struct Site {
    files: HashMap<String, Arc<Entry>>,
    stale: Option<Stale>,
}

/// What a stale site is: the last good build, after a rebuild that failed.
#[derive(Debug)]
struct Stale {
    /// One line on what failed (`X-Calfeed-Stale`).
    summary: String,
    /// The last good build, without the banners.
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

impl Site {
    /// The site of `outputs`, the pages' links rewritten by `rewrites`. Files whose bytes
    /// are the same as in `previous` (the site served until now) keep its entry (and so
    /// its Last-Modified and its gzipped form, once made); the others are new as of `built`. The
    /// changes are counted from the last good build (`previous` without its banners,
    /// when it is stale).
    pub fn build(
        outputs: Vec<Output>,
        previous: Option<&Site>,
        built: SystemTime,
        rewrites: &Rewrites,
    ) -> (Site, Changes) {
        let mut files = HashMap::with_capacity(outputs.len());
        let mut changes = Changes::default();
        for output in outputs {
            let Some(key) = url_key(&output.path) else {
                // render_all only produces relative paths of plain names; if that ever
                // changes, such a file is not served rather than served somewhere odd.
                changes.not_served.push(output.path);
                continue;
            };
            let content_type = files::media_type(&key);
            let contents = if content_type.starts_with("text/html") {
                rewrites.apply(output.contents)
            } else {
                output.contents
            };
            let good = previous.and_then(|site| site.good().files.get(&key));
            match good {
                Some(good) if good.body == contents => {}
                Some(_) => changes.changed += 1,
                None => changes.added += 1,
            }
            let old = previous.and_then(|site| site.files.get(&key));
            let entry = match old {
                Some(old) if old.body == contents => Arc::clone(old),
                _ => Arc::new(Entry::new(contents, content_type, built)),
            };
            files.insert(key, entry);
        }
        if let Some(previous) = previous {
            changes.removed = previous
                .good()
                .files
                .keys()
                .filter(|key| !files.contains_key(*key))
                .count();
        }
        (Site { files, stale: None }, changes)
    }

    /// The last good build of `served` (which may be stale already), marked stale with
    /// `summary`: each page with a banner saying so (new bytes, so a new ETag and
    /// Last-Modified `now`), every other file as it was.
    pub fn stale(served: &Arc<Site>, summary: String, now: SystemTime) -> Site {
        let good = match &served.stale {
            Some(stale) => Arc::clone(&stale.good),
            None => Arc::clone(served),
        };
        let files = good
            .files
            .iter()
            .map(|(key, entry)| {
                let entry = if entry.content_type.starts_with("text/html") {
                    let body = stale_banner(&entry.body, &summary);
                    // Fast: every page is compressed again, at each failed rebuild.
                    Arc::new(Entry::compressed(
                        body,
                        entry.content_type,
                        now,
                        Compression::fast(),
                    ))
                } else {
                    Arc::clone(entry)
                };
                (key.clone(), entry)
            })
            .collect();
        Site {
            files,
            stale: Some(Stale { summary, good }),
        }
    }

    /// Why this site is stale (a failed rebuild, in one line), if it is.
    pub fn stale_summary(&self) -> Option<&str> {
        self.stale.as_ref().map(|stale| stale.summary.as_str())
    }

    /// The last good build: this site, or the one it is a stale copy of.
    fn good(&self) -> &Site {
        self.stale.as_ref().map_or(self, |stale| &stale.good)
    }

    /// The bytes of the file at `key` (`show.ics`) as built, without a banner.
    pub fn built_bytes(&self, key: &str) -> Option<&[u8]> {
        self.good()
            .files
            .get(key)
            .map(|entry| entry.body.as_slice())
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn contains(&self, key: &str) -> bool {
        self.files.contains_key(key)
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
        if let Some(entry) = self.files.get(&key) {
            return Resolved::File(Arc::clone(entry));
        }
        if !relative.is_empty()
            && !relative.ends_with('/')
            && self.files.contains_key(&format!("{relative}/index.html"))
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

/// The URL path (without leading slash) of an output path: its components joined by
/// `/`. `None` unless every component is a plain UTF-8 name.
fn url_key(path: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(name) => parts.push(name.to_str()?),
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// gzip (at the best level but for stale pages): it runs once per changed file per
/// build, not per request.
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
    fn unchanged_bytes_keep_their_last_modified_and_etag() {
        let big = "BEGIN:VEVENT\r\n".repeat(100);
        let (first, changes) = build(
            vec![
                output("a.ics", &big),
                output("b.ics", "B"),
                output("c.ics", "C"),
            ],
            None,
            at(1_000),
        );
        assert_eq!(changes.added, 3);
        let (second, changes) = build(
            vec![
                output("a.ics", &big),
                output("b.ics", "B2"),
                output("d.ics", "D"),
            ],
            Some(&first),
            at(2_000),
        );
        assert_eq!(
            changes,
            Changes {
                added: 1,
                changed: 1,
                removed: 1,
                not_served: Vec::new(),
            }
        );
        let (a1, a2) = (file(&first, "/a.ics"), file(&second, "/a.ics"));
        assert!(Arc::ptr_eq(&a1, &a2));
        assert_eq!(a2.last_modified, at(1_000));
        let (b1, b2) = (file(&first, "/b.ics"), file(&second, "/b.ics"));
        assert_eq!(b2.last_modified, at(2_000));
        assert_ne!(b1.etag, b2.etag);
        assert!(matches!(second.resolve("/c.ics"), Resolved::NotFound));
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
    fn only_plain_relative_paths_become_files() {
        assert_eq!(url_key(Path::new("a/b.ics")).as_deref(), Some("a/b.ics"));
        assert_eq!(url_key(Path::new("../a.ics")), None);
        assert_eq!(url_key(Path::new("/etc/passwd")), None);
        assert_eq!(url_key(Path::new("")), None);
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
        assert_eq!(stale.built_bytes("a/index.html"), Some(page.as_bytes()));
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
        assert_eq!((changes.added, changes.changed, changes.removed), (0, 0, 0));
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
