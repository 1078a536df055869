//! What `calfeed serve` tells its user, as values: the library never prints.
//!
//! [`run`](super::run) hands each [`Event`] to the [`Report`] in its
//! [`Options`](super::Options); the caller decides where it goes (the CLI prints problems
//! on stderr and the rest on stdout unless `--quiet`). An event's `Display` is the exact
//! text the CLI prints for it, without the final newline, so that every program shows the
//! same words and the CLI's output does not depend on who formats it.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::diagnostic::Diagnostic;

/// Something that happened while serving.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Listening; `base` is the site's URL (`http://127.0.0.1:8080/`). Always the first
    /// event of a run that serves: the line to parse for the port when port 0 was asked.
    Serving { base: String },
    /// Listening on an address other machines may reach (a warning).
    NotLoopback { addr: SocketAddr },
    /// The URLs to subscribe to, for publications not listed before in this run.
    Subscribe(Vec<Subscription>),
    /// The input directory is being watched.
    Watching { input: PathBuf },
    /// A rebuild succeeded and is now served: how many publications and files it has,
    /// the slugs of the publications whose input file has other bytes than at the build
    /// before (or is new), and how many files that added and removed, by path. Files at a
    /// path both builds have are not compared: they are rendered when asked for.
    Rebuilt {
        publications: usize,
        files: usize,
        inputs: Vec<String>,
        added: usize,
        removed: usize,
    },
    /// A rebuild found problems in the input; the last good build stays up (an error).
    RebuildFailed(Vec<Diagnostic>),
    /// A rebuild panicked (a bug); the last good build stays up (an error).
    RebuildPanicked,
    /// The publish guard of `calfeed build` would refuse this build (`refused`), or warn
    /// about it, compared with the calendars in `previous`: `finding` is what `build`
    /// would say (a warning: the preview serves the build all the same).
    Guard {
        refused: bool,
        previous: PathBuf,
        finding: String,
    },
    /// Ctrl-C (or SIGTERM) arrived; the responses being written are being finished.
    Stopping,
    /// Everything has stopped; [`run`](super::run) returns next.
    Stopped,
}

impl Event {
    /// Whether this is a warning or an error, which a user asking for quiet still needs
    /// to see (and the CLI prints on stderr); the others are progress.
    pub fn is_problem(&self) -> bool {
        matches!(
            self,
            Event::NotLoopback { .. }
                | Event::RebuildFailed(_)
                | Event::RebuildPanicked
                | Event::Guard { .. }
        )
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Serving { base } => write!(f, "serving {base}"),
            Event::NotLoopback { addr } => write!(
                f,
                "warning: listening on {addr}, which is not a loopback address: other machines \
                 that can reach it can read everything served (for previews and small \
                 self-hosting; serve public/ from a static host for real traffic)"
            ),
            Event::Subscribe(subscriptions) => {
                let mut lines = Vec::new();
                for subscription in subscriptions {
                    lines.push(format!("  {}: {}", subscription.slug, subscription.title));
                    for link in &subscription.links {
                        lines.push(format!("    {:<10} {}", link.label, link.url));
                    }
                }
                f.write_str(&lines.join("\n"))
            }
            Event::Watching { input } => write!(
                f,
                "watching {} for changes; press Ctrl-C to stop",
                input.display()
            ),
            Event::Rebuilt {
                publications,
                files,
                inputs,
                added,
                removed,
            } => {
                let inputs = if inputs.is_empty() {
                    "none".to_string()
                } else {
                    inputs.join(", ")
                };
                write!(
                    f,
                    "rebuilt: {publications} publication(s), {files} file(s); input changed: \
                     {inputs}; {added} file(s) added, {removed} removed"
                )
            }
            Event::RebuildFailed(problems) => {
                // Each diagnostic on its own line(s), then the summary, as `build` says it.
                for problem in problems {
                    writeln!(f, "{problem}")?;
                }
                write!(
                    f,
                    "error: {} problem(s) in the input; still serving the last good build, \
                     marked stale",
                    problems.len()
                )
            }
            Event::RebuildPanicked => f.write_str(
                "error: the build failed unexpectedly; still serving the last good build, \
                 marked stale",
            ),
            Event::Guard {
                refused,
                previous,
                finding,
            } => {
                let verb = if *refused { "refuse" } else { "warn about" };
                write!(
                    f,
                    "warning: `calfeed build` would {verb} this (publish guard, compared with \
                     {}): {finding}",
                    previous.display()
                )
            }
            Event::Stopping => f.write_str("stopping"),
            Event::Stopped => f.write_str("stopped"),
        }
    }
}

/// What to subscribe to for one publication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub slug: String,
    pub title: String,
    /// Only the files this build has, in a fixed order (calendar, webcal, RSS, Atom,
    /// JSON Feed, page).
    pub links: Vec<Link>,
}

/// One URL of a [`Subscription`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// `calendar`, `webcal`, `RSS`, `Atom`, `JSON Feed` or `page`.
    pub label: &'static str,
    pub url: String,
}

/// Where [`run`](super::run) sends its [`Event`]s: a callback, called from the thread
/// that starts and stops the server and from the watcher thread that rebuilds (hence
/// `Send + Sync`), one event at a time per thread.
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// use calfeed::serve::{Event, Report};
///
/// // Keep the problems, for a program that shows them its own way.
/// let problems = Arc::new(Mutex::new(Vec::new()));
/// let report = {
///     let problems = Arc::clone(&problems);
///     Report::new(move |event: &Event| {
///         if event.is_problem() {
///             problems.lock().unwrap().push(event.to_string());
///         }
///     })
/// };
/// # let _ = report;
/// ```
#[derive(Clone)]
pub struct Report(Arc<dyn Fn(&Event) + Send + Sync>);

impl Report {
    pub fn new(callback: impl Fn(&Event) + Send + Sync + 'static) -> Report {
        Report(Arc::new(callback))
    }

    /// Drops every event.
    pub fn silent() -> Report {
        Report::new(|_| {})
    }

    pub(super) fn send(&self, event: Event) {
        (self.0)(&event);
    }
}

impl Default for Report {
    fn default() -> Report {
        Report::silent()
    }
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Report(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_print_as_indented_rows() {
        let event = Event::Subscribe(vec![Subscription {
            slug: "show".into(),
            title: "The Show".into(),
            links: vec![
                Link {
                    label: "calendar",
                    url: "http://127.0.0.1:1/show.ics".into(),
                },
                Link {
                    label: "JSON Feed",
                    url: "http://127.0.0.1:1/show.json".into(),
                },
            ],
        }]);
        assert_eq!(
            event.to_string(),
            "  show: The Show\n    calendar   http://127.0.0.1:1/show.ics\n    \
             JSON Feed  http://127.0.0.1:1/show.json"
        );
    }

    #[test]
    fn a_rebuild_names_the_inputs_that_changed() {
        let rebuilt = |inputs: &[&str]| Event::Rebuilt {
            publications: 2,
            files: 30,
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            added: 3,
            removed: 1,
        };
        assert_eq!(
            rebuilt(&["show", "talks"]).to_string(),
            "rebuilt: 2 publication(s), 30 file(s); input changed: show, talks; \
             3 file(s) added, 1 removed"
        );
        assert_eq!(
            rebuilt(&[]).to_string(),
            "rebuilt: 2 publication(s), 30 file(s); input changed: none; \
             3 file(s) added, 1 removed"
        );
        assert!(!rebuilt(&[]).is_problem());
    }

    #[test]
    fn a_failed_rebuild_lists_its_problems_then_sums_up() {
        assert_eq!(
            Event::RebuildFailed(Vec::new()).to_string(),
            "error: 0 problem(s) in the input; still serving the last good build, marked stale"
        );
        assert!(Event::RebuildFailed(Vec::new()).is_problem());
        assert!(!Event::Stopped.is_problem());
    }
}
