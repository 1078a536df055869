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
//! While a rebuild loads the new input, the site served until then can be released
//! ([`Current::release`]): its publications are freed, so that the old model and the new
//! one are never in memory at once, and requests wait for the new site (or for the old
//! one, loaded again from the preview's copy of its input when the edit is refused: see
//! `serve/snapshot.rs`). What the rebuild needs of the old site stays: its inputs' hashes,
//! its rewrites, its cached files and the hashes of its paths ([`Site::released`]).
//!
//! Last-Modified is the time of the build that made the site, except for a file the
//! site before had in its cache with the very bytes this build renders (after the
//! rewrites; a stale site's pages, with their banner, never are): that file keeps the
//! time it had. When the file's publication has the same input (and a page the same
//! rewrites), its bytes are known to be the same without rendering it, and it is served
//! from the cache at once. A file not in that cache gets the new build's time even when its bytes
//! are unchanged, which only costs a client that revalidates by date alone one full
//! response; the ETag is a hash of the bytes, so it is the same in every build.

mod cache;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
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
    /// A build whose publications were freed ([`Site::released`]): it renders nothing,
    /// and knows only how many files it had and the hashes of their paths ([`path_hash`]),
    /// by slug, sorted.
    Released {
        len: usize,
        paths: Arc<PathHashes>,
    },
    /// Files given whole, by path (for tests of what serves them).
    #[cfg(test)]
    Fixed(HashMap<String, Vec<u8>>),
}

impl Files {
    fn render(&self, key: &str) -> Option<Vec<u8>> {
        match self {
            Files::Build(build) => build.render_path(key),
            Files::Released { .. } => None,
            #[cfg(test)]
            Files::Fixed(files) => files.get(key).cloned(),
        }
    }

    fn contains(&self, key: &str) -> bool {
        match self {
            Files::Build(build) => build.contains(key),
            Files::Released { .. } => false,
            #[cfg(test)]
            Files::Fixed(files) => files.contains_key(key),
        }
    }

    fn len(&self) -> usize {
        match self {
            Files::Build(build) => build.len(),
            Files::Released { len, .. } => *len,
            #[cfg(test)]
            Files::Fixed(files) => files.len(),
        }
    }

    /// The hashes of the paths of the publication `slug` ([`path_hash`]), sorted (for
    /// fixed files, `""` stands for them all).
    fn path_hashes(&self, slug: &str) -> Vec<u128> {
        let mut hashes: Vec<u128> = match self {
            Files::Build(build) => build.paths_of(slug).iter().map(|p| path_hash(p)).collect(),
            Files::Released { paths, .. } => return paths.get(slug).cloned().unwrap_or_default(),
            #[cfg(test)]
            Files::Fixed(files) => files.keys().map(|p| path_hash(p)).collect(),
        };
        hashes.sort_unstable();
        hashes
    }

    /// The slugs of the publications whose files these are.
    fn slugs(&self) -> Vec<String> {
        match self {
            Files::Build(build) => build
                .publications()
                .iter()
                .map(|p| p.slug.clone())
                .collect(),
            Files::Released { paths, .. } => paths.keys().cloned().collect(),
            #[cfg(test)]
            Files::Fixed(_) => vec![String::new()],
        }
    }

    /// The publication whose file `key` is (none for the index page; for fixed files,
    /// never known).
    fn slug_of(&self, key: &str) -> Option<&str> {
        match self {
            Files::Build(build) => build.slug_of(key),
            Files::Released { .. } => None,
            #[cfg(test)]
            Files::Fixed(_) => None,
        }
    }

    fn publications(&self) -> &[Publication] {
        match self {
            Files::Build(build) => build.publications(),
            Files::Released { .. } => &[],
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
    /// The hashes of its paths, once counted (see [`Site::hash_paths`]).
    path_hashes: OnceLock<Arc<PathHashes>>,
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

/// The hashes of a site's paths ([`path_hash`]), sorted, by the slug of their
/// publication.
type PathHashes = HashMap<String, Vec<u128>>;

/// A path's hash: a released site keeps these instead of its paths (300 000 of them at
/// N = 100 000), to count what a rebuild added and removed.
fn path_hash(path: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(path.as_bytes())
}

fn is_page(content_type: &str) -> bool {
    content_type.starts_with("text/html")
}

/// Whether the file at `key` is known, without rendering it, to have the same bytes in a
/// build of `files` from `inputs` with `rewrites` as in `before` (a good build of this
/// run, so with the same load options and the same calfeed): its publication's input has
/// the same bytes (for the index page, every publication's), and for a page the rewrites
/// are the same. A publication's files depend on it alone, and never on the clock.
fn same_bytes(
    key: &str,
    files: &Files,
    inputs: &Inputs,
    rewrites: &Rewrites,
    before: &Site,
) -> bool {
    let unchanged = |slug: &str| matches!((inputs.get(slug), before.inputs.get(slug)), (Some(Some(now)), Some(Some(then))) if now == then);
    if is_page(files::media_type(key)) && *rewrites != *before.rewrites {
        return false;
    }
    if key == files::INDEX {
        return inputs.len() == before.inputs.len() && inputs.keys().all(|slug| unchanged(slug));
    }
    files.slug_of(key).is_some_and(unchanged)
}

impl Site {
    /// [`Site::prepared`], and its changes since `previous`, at once (for the tests).
    #[cfg(test)]
    pub fn new(
        build: OnDemand,
        inputs: Inputs,
        previous: Option<&Site>,
        built: SystemTime,
        rewrites: Rewrites,
        cache_bytes: usize,
    ) -> (Site, Changes) {
        let site = Site::prepared(build, inputs, previous, built, rewrites, cache_bytes);
        let changes = site.changes_since(previous);
        (site, changes)
    }

    /// The site of `build` made at `built`, its pages' links rewritten by `rewrites`, with
    /// a cache of at most `cache_bytes`; `inputs` are the hashes of the publications'
    /// files as this build read them. Files that `previous` (the site served until now)
    /// had in its cache start in this one's, to be served again (Last-Modified included)
    /// if this build renders the same bytes for them: at once when that is known from
    /// the inputs (`same_bytes`), else once rendered again and compared.
    ///
    /// The changes are not counted here: a rebuild counts them once the site is served
    /// ([`Site::changes_since`]), so that an edit is served that much sooner (at
    /// N = 100 000 the paths of 300 000 files are compared).
    pub fn prepared(
        build: OnDemand,
        inputs: Inputs,
        previous: Option<&Site>,
        built: SystemTime,
        rewrites: Rewrites,
        cache_bytes: usize,
    ) -> Site {
        Site::of(
            Files::Build(Arc::new(build)),
            inputs,
            previous,
            built,
            rewrites,
            cache_bytes,
        )
    }

    /// What changed from `previous` (the site served before this one; from its last good
    /// build, when it is stale), or everything, with no previous site.
    pub fn changes_since(&self, previous: Option<&Site>) -> Changes {
        match previous {
            Some(previous) => self.changes_from(previous.good()),
            None => Changes {
                inputs: self.publications().iter().map(|p| p.slug.clone()).collect(),
                added: self.len(),
                removed: 0,
            },
        }
    }

    fn of(
        files: Files,
        inputs: Inputs,
        previous: Option<&Site>,
        built: SystemTime,
        rewrites: Rewrites,
        cache_bytes: usize,
    ) -> Site {
        let cache = match previous {
            None => Cache::new(cache_bytes),
            // A stale site's pages have their banner: only the good build's other files
            // can be the same.
            Some(previous) => match &previous.stale {
                Some(stale) => Cache::inherit(&stale.good.cache, cache_bytes, |key| {
                    (!is_page(files::media_type(key)))
                        .then(|| same_bytes(key, &files, &inputs, &rewrites, &stale.good))
                }),
                None => Cache::inherit(&previous.cache, cache_bytes, |key| {
                    Some(same_bytes(key, &files, &inputs, &rewrites, previous))
                }),
            },
        };
        Site {
            files: Arc::new(files),
            rewrites: Arc::new(rewrites),
            inputs: Arc::new(inputs),
            built: whole_seconds(built),
            cache,
            stale: None,
            path_hashes: OnceLock::new(),
            #[cfg(test)]
            renders: Default::default(),
        }
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
        let site = Site::of(
            Files::Fixed(files),
            inputs,
            previous,
            built,
            rewrites.clone(),
            CACHE_BYTES,
        );
        let changes = site.changes_since(previous);
        (site, changes)
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
            let of = |site: &Site| -> HashSet<u128> {
                let hashes = site.all_path_hashes();
                hashes.get(slug).into_iter().flatten().copied().collect()
            };
            let new = if now.is_some() {
                of(self)
            } else {
                HashSet::new()
            };
            let old = if then.is_some() {
                of(before)
            } else {
                HashSet::new()
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
            path_hashes: OnceLock::new(),
            #[cfg(test)]
            renders: Default::default(),
        }
    }

    /// The hashes of this site's paths, counted at the first call.
    fn all_path_hashes(&self) -> &Arc<PathHashes> {
        self.path_hashes.get_or_init(|| {
            let hashes = self
                .files
                .slugs()
                .into_iter()
                .map(|slug| {
                    let hashes = self.files.path_hashes(&slug);
                    (slug, hashes)
                })
                .collect();
            Arc::new(hashes)
        })
    }

    /// Counts now what releasing this site's last good build takes ([`Site::released`]:
    /// the hashes of its paths, 0.3 s at N = 100 000), so that the next rebuild does not
    /// wait for it.
    pub fn hash_paths(&self) {
        self.good().all_path_hashes();
    }

    /// This site's last good build without its publications (see the module's
    /// documentation): as the site before the next build, it counts the same changes and
    /// passes on the same cached files as the build itself would, but renders nothing.
    /// A stale site's pages, which it served with a banner, are not passed on.
    pub fn released(&self) -> Site {
        let good = self.good();
        let stale = self.stale.is_some();
        let paths = Arc::clone(good.all_path_hashes());
        Site {
            files: Arc::new(Files::Released {
                len: good.files.len(),
                paths: Arc::clone(&paths),
            }),
            rewrites: Arc::clone(&good.rewrites),
            inputs: Arc::clone(&good.inputs),
            built: good.built,
            cache: Cache::inherit(&good.cache, good.cache_limit(), |key| {
                (!stale || !is_page(files::media_type(key))).then_some(true)
            }),
            stale: None,
            path_hashes: OnceLock::from(paths),
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
/// that, and a request keeps the build it started with until it has been answered. While
/// the site is released for a rebuild ([`Current::release`]), readers wait for the next
/// one to be stored.
#[derive(Debug)]
pub struct Current {
    served: Mutex<Served>,
    stored: Condvar,
}

#[derive(Debug)]
struct Served {
    site: Arc<Site>,
    /// Whether `site` is a released one, which readers wait to see replaced.
    released: bool,
}

/// The longest a request waits for a released site to be replaced; then it is answered
/// from the released site's cache (or not found). A rebuild at N = 100 000 takes 2 to 3 s.
const RELEASED_WAIT: Duration = Duration::from_secs(60);

impl Current {
    pub fn new(site: Site) -> Current {
        Current {
            served: Mutex::new(Served {
                site: Arc::new(site),
                released: false,
            }),
            stored: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Served> {
        self.served.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The site to answer a request from: the one served, or, while it is released, the
    /// next one stored (see [`RELEASED_WAIT`]).
    pub fn load(&self) -> Arc<Site> {
        let served = self.lock();
        let (served, _) = self
            .stored
            .wait_timeout_while(served, RELEASED_WAIT, |served| served.released)
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&served.site)
    }

    /// The site stored last, released or not, without waiting.
    pub fn latest(&self) -> Arc<Site> {
        Arc::clone(&self.lock().site)
    }

    pub fn store(&self, site: Site) -> Arc<Site> {
        let site = Arc::new(site);
        let mut served = self.lock();
        served.site = Arc::clone(&site);
        served.released = false;
        drop(served);
        self.stored.notify_all();
        site
    }

    /// Replaces the site served by its released form ([`Site::released`]), which it
    /// returns; requests wait from now on until a site is stored. The served site's
    /// publications are freed once the requests that hold it are answered.
    pub fn release(&self) -> Arc<Site> {
        let mut served = self.lock();
        if served.released {
            return Arc::clone(&served.site);
        }
        let released = Arc::new(served.site.released());
        let old = std::mem::replace(&mut served.site, Arc::clone(&released));
        served.released = true;
        drop(served);
        // Freed before the load that follows, not beside it: the two would overlap in
        // memory. (A request still answering from it holds it until it is done.)
        drop(old);
        crate::memory::give_back();
        released
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
mod tests;
