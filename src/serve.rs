//! `calfeed serve`: build, serve the result over HTTP the way a good static host would,
//! and rebuild when the input changes, so that a real calendar app or feed reader can
//! subscribe to a real URL while the data is being edited.
//!
//! - The build is served from memory (`serve/site.rs`), without holding it: once the
//!   input is loaded the server answers, and each file is rendered when it is asked for
//!   ([`crate::export::on_demand`], byte for byte what `calfeed build` writes), with its
//!   strong ETag, Last-Modified and gzip form, and kept in a cache bounded by size.
//!   Nothing is written to disk (`public/` stays as `calfeed build` left it; run that to
//!   publish). Serving only the paths the build writes makes "no `..`, no symlinks out,
//!   no dotfiles, no listings" true by construction, and the request path is checked on
//!   top of that (`decode_path` in `serve/http/request.rs`).
//! - A rebuild replaces the whole site at once, and only if it succeeded; a failed one
//!   reports the same diagnostics as `build` and the last good build stays up, marked
//!   stale (a banner on each page, `X-Calfeed-Stale` on each response), so a subscriber
//!   never gets a broken or half-written file, and the person previewing knows.
//! - While a rebuild loads, the site served until then is released (its publications
//!   freed) and requests wait for the new one; a refused edit has the last good build
//!   loaded again from a copy of its input (`serve/snapshot.rs`). So the preview never
//!   holds two builds at once, which doubled its memory during each rebuild.
//! - The pages link to the preview, not to `channel.link`; calendars and feeds are as
//!   `build` writes them (`serve/preview.rs`).
//! - Each build's calendars go through the publish guard of `calfeed build`, against
//!   [`Options::previous`]; what it would refuse is reported ([`Event::Guard`]). At
//!   start, after the server answers.
//! - The input directory is polled for changes; a change is built at once and served
//!   once it has settled (`serve/watch.rs` says why and how).
//! - HTTP (`serve/http.rs`): GET and HEAD, ETag / If-None-Match, Last-Modified /
//!   If-Modified-Since, gzip, readiness loops (no thread per connection) and bounded
//!   requests.
//! - Nothing here prints: what happens is reported as [`Event`]s to the [`Report`] the
//!   caller puts in [`Options`] (`serve/report.rs`), so the caller decides what is shown
//!   (the CLI's `--quiet`) and where.
//!
//! This is for previewing and small self-hosting; for real traffic, any static host or
//! CDN serving the `public/` that `calfeed build` writes does better.

mod http;
mod preview;
mod report;
mod site;
mod snapshot;
mod watch;

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::SystemTime;

use crate::build::{Build, Severity};
use crate::diagnostic::Diagnostic;
use crate::export::files;
use crate::export::on_demand::OnDemand;
use crate::load::{self, LoadOptions};
use crate::model::Publication;

use self::http::{Limits, Server};
use self::preview::{Rewrites, stale_summary};
use self::site::{CACHE_BYTES, Current, Inputs, Site};
use self::snapshot::Snapshot;

pub use self::report::{Event, Link, Report, Subscription};

/// What `calfeed serve` was asked to do.
#[derive(Clone, Debug)]
pub struct Options {
    /// The directory of publications (`feeds/`).
    pub input: PathBuf,
    /// Where to listen: the addresses a `HOST:PORT` resolves to (`localhost:8080` may
    /// give `[::1]:8080` and `127.0.0.1:8080`), tried in turn until one can be listened
    /// on. Port 0 picks a free port; the address chosen is reported
    /// ([`Event::Serving`]).
    pub addrs: Vec<SocketAddr>,
    pub load: LoadOptions,
    /// The published calendars the publish guard compares each build with, as
    /// `calfeed build --previous` does (a folder of `<slug>.ics` files or one file; the
    /// command line's default is `public`, where `build` writes by default): an edit
    /// that `build` would refuse, or warn about, is reported ([`Event::Guard`]). `None`:
    /// no comparison.
    pub previous: Option<PathBuf>,
    /// Where what happens while serving goes.
    pub report: Report,
}

/// Why `calfeed serve` could not start. Once it serves, it runs until Ctrl-C.
#[derive(Debug)]
pub enum Error {
    /// The first build failed: there is nothing to serve.
    Input(Vec<Diagnostic>),
    /// The address could not be listened on (in use, not this machine's, ...): the last
    /// one tried, and why.
    Bind { addr: SocketAddr, source: io::Error },
    /// The server could not be set up (threads, signal handler, no address given).
    Start(io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input(problems) => write!(f, "{} problem(s) in the input", problems.len()),
            Error::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
            Error::Start(source) => write!(f, "cannot start the server: {source}"),
        }
    }
}

impl std::error::Error for Error {}

/// Builds, serves, rebuilds on change; returns when Ctrl-C (or SIGTERM) arrives, after the
/// responses being written are finished.
///
/// Reports, first, [`Event::Serving`] (`serving http://HOST:PORT/`, the line to parse
/// for the address when port 0 was asked for), then the URLs to subscribe to, and one
/// event per rebuild, with the diagnostics of failed ones.
pub fn run(options: &Options) -> Result<(), Error> {
    // A preview loads and frees a whole model at each edit (see `memory.rs`).
    crate::memory::keep_large_blocks_mapped();
    // First, so that a Ctrl-C at any point from here on stops the server cleanly.
    let (interrupted, interrupt) = mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = interrupted.send(());
    })
    .map_err(|e| Error::Start(io::Error::other(e)))?;

    let watched = watch::snapshot(&options.input);
    // Hashed before loading: a file that changes meanwhile is built again, and counted
    // as changed then.
    let mut hashes = input_hashes(&options.input);
    let publications = load::load_dir(&options.input, &options.load).map_err(Error::Input)?;
    if watch::snapshot(&options.input) != watched {
        // Changed while read: the hashes may not be of what was loaded (the watcher
        // builds again, and everything counts as changed).
        hashes.clear();
    }
    let report = &options.report;
    let listener = bind(&options.addrs)?;
    let addr = listener.local_addr().map_err(Error::Start)?;
    let base = base_url(addr);
    let site = make_site(publications, &hashes, &base, None);
    // What loading needed only while it ran (the raw items, the read buffers).
    crate::memory::give_back();
    let current = Arc::new(Current::new(site));
    let server =
        Server::start(listener, Arc::clone(&current), Limits::default()).map_err(Error::Start)?;
    report.send(Event::Serving { base: base.clone() });
    // Answering already: the rest is for the person previewing.
    let mut preview = Preview {
        builder: Builder {
            options: options.clone(),
            current,
            base,
            snapshot: Arc::default(),
            one_at_a_time: Arc::default(),
        },
        shown: Vec::new(),
    };
    if let Some(warning) = exposure_warning(addr) {
        report.send(warning);
    }
    let site = preview.builder.current.load();
    let subscriptions = preview.subscriptions(&site);
    if !subscriptions.is_empty() {
        report.send(Event::Subscribe(subscriptions));
    }
    preview.guard(&site);
    drop(site);
    preview.builder.keep_snapshot(&hashes);
    preview.builder.current.latest().hash_paths();
    // What counting the paths needed only while it ran.
    crate::memory::give_back();
    report.send(Event::Watching {
        input: options.input.clone(),
    });

    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let stop = Arc::clone(&stop);
        let input = options.input.clone();
        thread::Builder::new()
            .name("serve-watch".into())
            .spawn(move || {
                let builder = preview.builder.clone();
                watch::watch(
                    &input,
                    watched,
                    &stop,
                    move || builder.prepare(),
                    |prepared| preview.publish(prepared),
                );
            })
            .map_err(Error::Start)?
    };

    let _ = interrupt.recv();
    report.send(Event::Stopping);
    stop.store(true, Ordering::SeqCst);
    server.stop();
    let _ = watcher.join();
    report.send(Event::Stopped);
    Ok(())
}

/// Listens on the first of `addrs` that can be listened on.
fn bind(addrs: &[SocketAddr]) -> Result<TcpListener, Error> {
    let mut failed = None;
    for &addr in addrs {
        match TcpListener::bind(addr) {
            Ok(listener) => return Ok(listener),
            Err(source) => failed = Some(Error::Bind { addr, source }),
        }
    }
    Err(failed.unwrap_or_else(|| {
        Error::Start(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no address to listen on",
        ))
    }))
}

/// What the watcher needs to rebuild and to tell about it.
struct Preview {
    builder: Builder,
    /// The publications whose URLs were listed.
    shown: Vec<String>,
}

/// What making a new site takes, on the watcher's build thread (see `serve/watch.rs`).
#[derive(Clone)]
struct Builder {
    options: Options,
    current: Arc<Current>,
    /// `http://HOST:PORT/`.
    base: String,
    /// A copy of the input the last good build was loaded from, when there is one: then a
    /// rebuild releases the served site while it loads (`serve/snapshot.rs`).
    snapshot: Arc<Mutex<Option<Snapshot>>>,
    /// Held by each rebuild from start to end: one loads at a time, so that a rebuild
    /// thrown away cannot store a site after a later one did, nor load beside it.
    one_at_a_time: Arc<Mutex<()>>,
}

/// What loading the input and making a site of it gave: the site and what changed, or
/// the problems found, or a panic (a bug).
enum Prepared {
    /// The site, and the hashes of the input files it was loaded from, by path.
    Built(Box<Site>, HashMap<String, u128>),
    Failed(Vec<Diagnostic>),
    Panicked,
}

impl Builder {
    /// Keeps a copy of the input that `hashes` were taken of (the served site's), in
    /// place of the one before, if the files are still those.
    fn keep_snapshot(&self, hashes: &HashMap<String, u128>) {
        let mut snapshot = self.snapshot.lock().unwrap_or_else(PoisonError::into_inner);
        // The copy before goes first: two copies of a large input need not be on disk.
        *snapshot = None;
        *snapshot = Snapshot::take(&self.options.input, hashes);
    }

    /// Loads the input and makes the site of it (against the site served now, which it
    /// reads and does not replace): as much as can be done before the site is served.
    /// The watcher runs it as soon as it sees a change, and hands the result to
    /// [`Preview::publish`] once the change has settled.
    fn prepare(&self) -> Prepared {
        let options = &self.options;
        let _one_at_a_time = self
            .one_at_a_time
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let snapshot = self.snapshot.lock().unwrap_or_else(PoisonError::into_inner);
        // With a copy of its input to load it again from, the served site is released:
        // its publications and the new ones are not in memory at once.
        let released = snapshot.is_some().then(|| self.current.release());
        // A panic in loading is a bug, but it should not end the watching: the last good
        // build stays up, as for invalid input.
        let built = panic::catch_unwind(AssertUnwindSafe(|| {
            // Hashed while the files are loaded (the watcher publishes nothing read while
            // they changed, so both saw the same bytes).
            let (hashes, loaded) = thread::scope(|scope| {
                let hashing = scope.spawn(|| input_hashes(&options.input));
                let loaded = load::load_dir(&options.input, &options.load);
                let hashes = hashing.join().unwrap_or_default();
                (hashes, loaded)
            });
            loaded.map(|publications| {
                let previous = self.current.latest();
                let site = make_site(publications, &hashes, &self.base, Some(&previous));
                (site, hashes)
            })
        }));
        let prepared = match built {
            Ok(Ok((site, hashes))) => return Prepared::Built(Box::new(site), hashes),
            Ok(Err(problems)) => Prepared::Failed(problems),
            Err(_) => Prepared::Panicked,
        };
        if let (Some(released), Some(snapshot)) = (released, snapshot.as_ref()) {
            // The last good build, loaded again from its copy, to be marked stale.
            match panic::catch_unwind(AssertUnwindSafe(|| snapshot.load(&options.load))) {
                Ok(Ok(publications)) => {
                    let hashes = snapshot.hashes();
                    let site = make_site(publications, hashes, &self.base, Some(&released));
                    self.current.store(site);
                }
                // Cannot happen short of a disk failure: the copy was loaded before. The
                // released site serves what it has cached.
                _ => {
                    self.current.store(released.released());
                }
            }
        }
        prepared
    }
}

impl Preview {
    /// Serves what [`Builder::prepare`] made and reports it; a failure marks the last good
    /// build stale.
    fn publish(&mut self, prepared: Prepared) {
        let report = self.builder.options.report.clone();
        match prepared {
            Prepared::Built(site, hashes) => {
                let new = self.subscriptions(&site);
                let (publications, files) = (site.publications().len(), site.len());
                let previous = self.builder.current.latest();
                let site = self.builder.current.store(*site);
                // Counted once the new site is served, not before.
                let changes = site.changes_since(Some(&previous));
                drop(previous);
                report.send(Event::Rebuilt {
                    publications,
                    files,
                    inputs: changes.inputs,
                    added: changes.added,
                    removed: changes.removed,
                });
                if !new.is_empty() {
                    report.send(Event::Subscribe(new));
                }
                // What the next rebuild needs to release this site (the hashes of its
                // paths were counted with the changes), once the edit is served.
                self.builder.keep_snapshot(&hashes);
                self.guard(&site);
            }
            Prepared::Failed(problems) => {
                self.mark_stale(stale_summary(&problems));
                report.send(Event::RebuildFailed(problems));
                // The last good build may have been loaded again: what releasing it
                // takes, before the next edit asks.
                self.builder.current.latest().hash_paths();
            }
            Prepared::Panicked => {
                self.mark_stale("the build failed unexpectedly (a bug in calfeed)".into());
                report.send(Event::RebuildPanicked);
            }
        }
        // The site replaced (unless a response still holds it), and any build the
        // watcher threw away, are freed by now.
        crate::memory::give_back();
    }

    /// Serves the last good build again, marked stale.
    fn mark_stale(&self, summary: String) {
        let served = self.builder.current.latest();
        self.builder
            .current
            .store(Site::stale(&served, summary, SystemTime::now()));
    }

    /// Reports what the publish guard of `calfeed build` would say of `site`'s calendars
    /// (rendering them).
    fn guard(&self, site: &Site) {
        let Some(previous) = &self.builder.options.previous else {
            return;
        };
        let build = Build {
            load: self.builder.options.load,
            previous: Some(previous.clone()),
            ..Build::new(&self.builder.options.input, previous)
        };
        let mut findings = Vec::new();
        build.guard(
            site.publications(),
            |publication| site.built_bytes(&files::calendar(&publication.slug)),
            |finding| {
                findings.push(Event::Guard {
                    refused: finding.severity == Severity::Error,
                    previous: previous.clone(),
                    finding: finding.to_string(),
                });
            },
        );
        for finding in findings {
            self.builder.options.report.send(finding);
        }
    }

    /// What to subscribe to, for each publication of `site` not yet listed.
    fn subscriptions(&mut self, site: &Site) -> Vec<Subscription> {
        subscriptions(&self.builder.base, site, &mut self.shown)
    }
}

/// The site of `publications` for the preview at `base`, against `previous` (the site
/// served until now); `hashes` are the hashes of the input files, by path, as read before
/// loading them.
fn make_site(
    publications: Vec<Publication>,
    hashes: &HashMap<String, u128>,
    base: &str,
    previous: Option<&Site>,
) -> Site {
    let rewrites = Rewrites::new(&publications, base);
    let inputs: Inputs = publications
        .iter()
        .map(|p| (p.slug.clone(), hashes.get(&p.source).copied()))
        .collect();
    Site::prepared(
        OnDemand::new(publications),
        inputs,
        previous,
        SystemTime::now(),
        rewrites,
        CACHE_BYTES,
    )
}

/// A hash of each publication file of `dir`, by its path as the loader names it (a
/// publication's `source`); a file that cannot be read is left out.
fn input_hashes(dir: &Path) -> HashMap<String, u128> {
    let Ok(files) = load::publication_files(dir) else {
        return HashMap::new();
    };
    files
        .into_iter()
        .filter_map(|path| {
            let hash = hash_file(&path).ok()?;
            Some((path.display().to_string(), hash))
        })
        .collect()
}

/// xxh3 of a file's name and bytes (the name says how they are read), the bytes read in
/// pieces.
fn hash_file(path: &Path) -> io::Result<u128> {
    hash_named(path, &mut fs::File::open(path)?)
}

/// [`hash_file`] of the file `name`, with the bytes `reader` gives (those of a copy).
fn hash_named(name: &Path, reader: &mut impl Read) -> io::Result<u128> {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(name.as_os_str().as_encoded_bytes());
    hasher.update(&[0]);
    let mut buffer = vec![0; 1 << 20];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => return Ok(hasher.digest128()),
            Ok(n) => hasher.update(&buffer[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// `http://HOST:PORT/` for the address listened on; for "all addresses", the loopback
/// address (the one that works from this machine).
fn base_url(addr: SocketAddr) -> String {
    format!("http://{}/", http::reachable(addr))
}

/// What to subscribe to, for each publication of `site` not yet in `shown`.
fn subscriptions(base: &str, site: &Site, shown: &mut Vec<String>) -> Vec<Subscription> {
    let webcal = format!("webcal://{}", base.trim_start_matches("http://"));
    let mut list = Vec::new();
    for publication in site.publications() {
        let slug = &publication.slug;
        if shown.contains(slug) {
            continue;
        }
        shown.push(slug.clone());
        let mut links = Vec::new();
        let rows = [
            ("calendar", files::calendar(slug), base),
            ("webcal", files::calendar(slug), webcal.as_str()),
            ("RSS", files::rss(slug), base),
            ("Atom", files::atom(slug), base),
            ("JSON Feed", files::json_feed(slug), base),
            ("page", files::page(slug), base),
        ];
        for (label, file, prefix) in rows {
            if site.contains(&file) {
                let shown_path = file.strip_suffix(files::INDEX).unwrap_or(&file);
                links.push(Link {
                    label,
                    url: format!("{prefix}{shown_path}"),
                });
            }
        }
        list.push(Subscription {
            slug: slug.clone(),
            title: publication.channel.title.clone(),
            links,
        });
    }
    list
}

/// The warning due when listening on an address other machines may reach.
fn exposure_warning(addr: SocketAddr) -> Option<Event> {
    let loopback = match addr.ip() {
        IpAddr::V4(ip) => ip.is_loopback(),
        IpAddr::V6(ip) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    };
    (!loopback).then_some(Event::NotLoopback { addr })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_non_loopback_addresses_are_warned_about() {
        for quiet in [
            "127.0.0.1:8080",
            "127.1.2.3:1",
            "[::1]:8080",
            "[::ffff:127.0.0.1]:80",
        ] {
            assert_eq!(exposure_warning(quiet.parse().unwrap()), None, "{quiet}");
        }
        for loud in ["0.0.0.0:8080", "[::]:8080", "192.168.1.2:80"] {
            let warning = exposure_warning(loud.parse().unwrap())
                .expect(loud)
                .to_string();
            assert!(warning.contains(loud), "{warning}");
            assert!(warning.contains("not a loopback address"), "{warning}");
        }
    }

    #[test]
    fn base_urls_name_an_address_that_works_here() {
        assert_eq!(
            base_url("127.0.0.1:8080".parse().unwrap()),
            "http://127.0.0.1:8080/"
        );
        assert_eq!(
            base_url("0.0.0.0:80".parse().unwrap()),
            "http://127.0.0.1:80/"
        );
        assert_eq!(base_url("[::]:8080".parse().unwrap()), "http://[::1]:8080/");
    }
}
