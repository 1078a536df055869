//! `calfeed serve`: build, serve the result over HTTP the way a good static host would,
//! and rebuild when the input changes, so that a real calendar app or feed reader can
//! subscribe to a real URL while the data is being edited.
//!
//! - The build is served from memory (`serve/site.rs`): every file of
//!   [`export::render_all`], with its gzip form, strong ETag and Last-Modified computed
//!   once per build. Nothing is written to disk (`public/` stays as `calfeed build` left
//!   it; run that to publish). Serving only what the build rendered makes "no `..`, no
//!   symlinks out, no dotfiles, no listings" true by construction, and the request path
//!   is checked on top of that (`decode_path` in `serve/http/request.rs`).
//! - A rebuild replaces the whole site at once, and only if it succeeded; a failed one
//!   reports the same diagnostics as `build` and the last good build stays up, marked
//!   stale (a banner on each page, `X-Calfeed-Stale` on each response), so a subscriber
//!   never gets a broken or half-written file, and the person previewing knows.
//! - The pages link to the preview, not to `channel.link`; calendars and feeds are as
//!   `build` writes them (`serve/preview.rs`).
//! - Each build's calendars go through the publish guard of `calfeed build`, against
//!   [`Options::previous`]; what it would refuse is reported ([`Event::Guard`]).
//! - The input directory is polled for changes, and a change is built once it has
//!   settled (`serve/watch.rs` says why and how).
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
mod watch;

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::SystemTime;

use crate::build::{Build, Severity};
use crate::diagnostic::Diagnostic;
use crate::export::{self, files};
use crate::load::{self, LoadOptions};
use crate::model::Publication;

use self::http::{Limits, Server};
use self::preview::{Rewrites, stale_summary};
use self::site::{Current, Site};

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
    // First, so that a Ctrl-C at any point from here on stops the server cleanly.
    let (interrupted, interrupt) = mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = interrupted.send(());
    })
    .map_err(|e| Error::Start(io::Error::other(e)))?;

    let watched = watch::snapshot(&options.input);
    let publications = load::load_dir(&options.input, &options.load).map_err(Error::Input)?;
    let report = &options.report;
    let listener = bind(&options.addrs)?;
    let addr = listener.local_addr().map_err(Error::Start)?;
    let base = base_url(addr);
    let rewrites = Rewrites::new(&publications, &base);
    let outputs = export::render_all(&publications);
    let (site, changes) = Site::build(outputs, None, SystemTime::now(), &rewrites);
    for path in changes.not_served {
        report.send(Event::NotServed { path });
    }
    let current = Arc::new(Current::new(site));
    let server =
        Server::start(listener, Arc::clone(&current), Limits::default()).map_err(Error::Start)?;
    let mut preview = Preview {
        options: options.clone(),
        current,
        base,
        shown: Vec::new(),
    };
    let subscriptions = preview.subscriptions(&publications, &preview.current.load());

    report.send(Event::Serving {
        base: preview.base.clone(),
    });
    if let Some(warning) = exposure_warning(addr) {
        report.send(warning);
    }
    if !subscriptions.is_empty() {
        report.send(Event::Subscribe(subscriptions));
    }
    preview.guard(&publications, &preview.current.load());
    report.send(Event::Watching {
        input: options.input.clone(),
    });

    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let stop = Arc::clone(&stop);
        let input = options.input.clone();
        let options_load = options.load;
        thread::Builder::new()
            .name("serve-watch".into())
            .spawn(move || {
                let (input_dir, load) = (input.clone(), options_load);
                watch::watch(
                    &input,
                    watched,
                    &stop,
                    move || Preview::prepare(&input_dir, &load),
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

/// What [`Preview::prepare`] makes of the input: the outputs and the model, the
/// problems of an invalid input, or a panic.
type Prepared = thread::Result<Result<(Vec<export::Output>, Vec<Publication>), Vec<Diagnostic>>>;

/// What the watcher needs to rebuild and to tell about it.
struct Preview {
    options: Options,
    current: Arc<Current>,
    /// `http://HOST:PORT/`.
    base: String,
    /// The publications whose URLs were listed.
    shown: Vec<String>,
}

impl Preview {
    /// Loads and renders the input in `dir` (on the watcher's build thread, while the
    /// change settles): what [`Preview::publish`] serves. A panic in loading or rendering
    /// is a bug, but it should not end the watching: it is caught, and the last good
    /// build stays up, as for invalid input.
    fn prepare(dir: &Path, load: &LoadOptions) -> Prepared {
        panic::catch_unwind(AssertUnwindSafe(|| {
            load::load_dir(dir, load)
                .map(|publications| (export::render_all(&publications), publications))
        }))
    }

    /// Serves a build that [`Preview::prepare`] made of the settled input, if every file
    /// was valid; otherwise reports every problem (as `build` does) and serves the last
    /// good build marked stale.
    fn publish(&mut self, built: Prepared) {
        let report = self.options.report.clone();
        match built {
            Ok(Ok((outputs, publications))) => {
                let rewrites = Rewrites::new(&publications, &self.base);
                let previous = self.current.load();
                let (site, changes) =
                    Site::build(outputs, Some(&previous), SystemTime::now(), &rewrites);
                for path in changes.not_served {
                    report.send(Event::NotServed { path });
                }
                let new = self.subscriptions(&publications, &site);
                let files = site.len();
                let site = self.current.store(site);
                report.send(Event::Rebuilt {
                    publications: publications.len(),
                    files,
                    changed: changes.changed,
                    added: changes.added,
                    removed: changes.removed,
                });
                if !new.is_empty() {
                    report.send(Event::Subscribe(new));
                }
                self.guard(&publications, &site);
            }
            Ok(Err(problems)) => {
                self.mark_stale(stale_summary(&problems));
                report.send(Event::RebuildFailed(problems));
            }
            Err(_) => {
                self.mark_stale("the build failed unexpectedly (a bug in calfeed)".into());
                report.send(Event::RebuildPanicked);
            }
        }
    }

    /// Serves the last good build again, marked stale.
    fn mark_stale(&self, summary: String) {
        let served = self.current.load();
        self.current
            .store(Site::stale(&served, summary, SystemTime::now()));
    }

    /// Reports what the publish guard of `calfeed build` would say of `site`'s calendars.
    fn guard(&self, publications: &[Publication], site: &Site) {
        let Some(previous) = &self.options.previous else {
            return;
        };
        let build = Build {
            load: self.options.load,
            previous: Some(previous.clone()),
            ..Build::new(&self.options.input, previous)
        };
        let mut findings = Vec::new();
        build.guard(
            publications,
            |publication| {
                site.built_bytes(&files::calendar(&publication.slug))
                    .map(<[u8]>::to_vec)
            },
            |finding| {
                findings.push(Event::Guard {
                    refused: finding.severity == Severity::Error,
                    previous: previous.clone(),
                    finding: finding.to_string(),
                });
            },
        );
        for finding in findings {
            self.options.report.send(finding);
        }
    }

    /// What to subscribe to, for each publication not yet listed.
    fn subscriptions(&mut self, publications: &[Publication], site: &Site) -> Vec<Subscription> {
        subscriptions(&self.base, publications, site, &mut self.shown)
    }
}

/// `http://HOST:PORT/` for the address listened on; for "all addresses", the loopback
/// address (the one that works from this machine).
fn base_url(addr: SocketAddr) -> String {
    format!("http://{}/", http::reachable(addr))
}

/// What to subscribe to, for each publication not yet in `shown`.
fn subscriptions(
    base: &str,
    publications: &[Publication],
    site: &Site,
    shown: &mut Vec<String>,
) -> Vec<Subscription> {
    let webcal = format!("webcal://{}", base.trim_start_matches("http://"));
    let mut list = Vec::new();
    for publication in publications {
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
