//! A `calfeed` started by [`Test::spawn`](super::Test::spawn) and not waited for: its
//! output collected as it comes, waits bounded, killed when dropped.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, ExitStatus};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::test::Ran;

pub(super) type Collected = Arc<Mutex<String>>;

/// Reads `stream` line by line into a string, on a thread of its own.
pub(super) fn collect(stream: Box<dyn Read + Send>) -> (Collected, JoinHandle<()>) {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    let reader = thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let mut text = sink.lock().unwrap();
            text.push_str(&line);
            text.push('\n');
        }
    });
    (text, reader)
}

/// A `calfeed` started by [`Test::spawn`](super::Test::spawn), killed when dropped.
pub struct Running {
    pub(super) child: Child,
    pub(super) args: Vec<String>,
    pub(super) dir: Rc<TempDir>,
    pub(super) stdout: Collected,
    pub(super) stderr: Collected,
    pub(super) readers: Vec<JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Stdout so far.
    pub fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    /// Stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("poll calfeed")
    }

    /// Kills it (SIGKILL) and reaps it.
    pub fn kill(&mut self) {
        self.child.kill().expect("kill calfeed");
        self.child.wait().expect("reap calfeed");
    }

    /// Waits for it to exit.
    pub fn wait(&mut self) -> ExitStatus {
        self.child.wait().expect("wait for calfeed")
    }

    /// Waits for the readers to reach the end of the output (after the process exited).
    fn drain(&mut self) {
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }

    /// Waits (bounded by `timeout`; killed and a failure past it) for it to exit, and
    /// for all of its output.
    pub fn finish(mut self, timeout: Duration) -> Ran {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.try_wait() {
                break status;
            }
            if started.elapsed() > timeout {
                self.kill();
                panic!("calfeed {:?}: still running after {timeout:?}", self.args);
            }
            thread::sleep(Duration::from_millis(20));
        };
        self.drain();
        Ran::new(
            Rc::clone(&self.dir),
            &self.args,
            status,
            self.stdout().into_bytes(),
            self.stderr().into_bytes(),
        )
    }

    /// Waits (bounded) until stdout contains `fragment`; returns all of stdout.
    pub fn wait_for_stdout(&mut self, fragment: &str) -> String {
        let stdout = Arc::clone(&self.stdout);
        self.wait_for("stdout", fragment, &stdout)
    }

    /// Waits (bounded) until stderr contains `fragment`; returns all of stderr.
    pub fn wait_for_stderr(&mut self, fragment: &str) -> String {
        let stderr = Arc::clone(&self.stderr);
        self.wait_for("stderr", fragment, &stderr)
    }

    fn wait_for(&mut self, stream: &str, fragment: &str, text: &Mutex<String>) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let now = text.lock().unwrap().clone();
            if now.contains(fragment) {
                return now;
            }
            if let Some(status) = self.try_wait() {
                self.drain(); // let the readers finish
                let now = text.lock().unwrap().clone();
                if now.contains(fragment) {
                    return now;
                }
                panic!(
                    "calfeed {:?} exited ({status}) before {stream} said {fragment:?}\n\
                     --- stdout\n{}--- stderr\n{}",
                    self.args,
                    self.stdout(),
                    self.stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{stream} never said {fragment:?}\n--- stdout\n{}--- stderr\n{}",
                self.stdout(),
                self.stderr()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}
