//! The one way the tests drive the real binary: a [`Test`] describes a temporary directory
//! (its `feeds/` and any other file), a command line and what must come of it; `.run()`
//! runs `calfeed` there and checks it all, and the [`Ran`] it returns keeps the directory
//! for further checks or another run. `.spawn()` starts it instead, for tests that talk to
//! it while it runs (`serve`) or kill it. In the style of casey/just's `tests/test.rs`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::rc::Rc;

use tempfile::TempDir;

use super::fixtures::MINIMAL;
use super::running::{Running, collect};
use super::tree::{age, snapshot};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_calfeed");

/// One run of `calfeed` in a temporary directory holding `feeds/` (and, after a build,
/// `public/`).
#[must_use = "a Test does nothing until .run() or .spawn()"]
pub struct Test {
    dir: Rc<TempDir>,
    args: Vec<String>,
    env: Vec<(String, String)>,
    ulimit: Option<String>,
    /// `None`: any exit status (the test looks at [`Ran::code`] itself).
    status: Option<i32>,
    stdout: Option<String>,
    stdout_contains: Vec<String>,
    stderr_contains: Vec<String>,
    stderr_lacks: Vec<String>,
    error_lines: Vec<(String, String)>,
    diagnostic_count: Option<usize>,
    diagnostics: Vec<Expected>,
    published_before: bool,
    no_public: bool,
}

/// A diagnostic that must appear in stderr: its field and message on the `error:` line,
/// and its `file:line:column` on the `-->` line of the same diagnostic.
struct Expected {
    location: String,
    field: String,
    fragment: String,
}

/// What a run left behind, for further checks or another run in the same directory.
pub struct Ran {
    dir: Rc<TempDir>,
    pub stdout: String,
    pub stderr: String,
    pub code: Option<i32>,
    /// The command, its exit status and its output, for failure messages.
    pub shown: String,
}

impl Default for Test {
    fn default() -> Self {
        Self::new()
    }
}

impl Test {
    /// A fresh temporary directory with an empty `feeds/`.
    pub fn new() -> Self {
        Self::in_dir(Rc::new(
            tempfile::tempdir().expect("create a temporary directory"),
        ))
    }

    fn in_dir(dir: Rc<TempDir>) -> Self {
        fs::create_dir_all(dir.path().join("feeds")).expect("create feeds/");
        Test {
            dir,
            args: Vec::new(),
            env: Vec::new(),
            ulimit: None,
            status: Some(0),
            stdout: None,
            stdout_contains: Vec::new(),
            stderr_contains: Vec::new(),
            stderr_lacks: Vec::new(),
            error_lines: Vec::new(),
            diagnostic_count: None,
            diagnostics: Vec::new(),
            published_before: false,
            no_public: false,
        }
    }

    // ---- The directory ----

    /// Writes `feeds/<name>`.
    pub fn feed(self, name: &str, text: &str) -> Self {
        self.file(&format!("feeds/{name}"), text)
    }

    /// Writes any file, relative to the temporary directory.
    pub fn file(self, relative: &str, contents: impl AsRef<[u8]>) -> Self {
        write(self.dir.path(), relative, contents.as_ref());
        self
    }

    /// Creates an (empty) directory, relative to the temporary directory.
    pub fn dir(self, relative: &str) -> Self {
        fs::create_dir_all(self.dir.path().join(relative)).expect("create dir");
        self
    }

    /// A path in the temporary directory, to prepare what [`Test::file`] cannot.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes a file, relative to the temporary directory, keeping the test as it is.
    pub fn write(&self, relative: &str, contents: &str) {
        write(self.dir.path(), relative, contents.as_bytes());
    }

    /// A new test in the same directory (nothing of this one's command or expectations):
    /// for a directory that several runs share.
    pub fn again(&self) -> Test {
        Test::in_dir(Rc::clone(&self.dir))
    }

    // ---- The command ----

    /// The command's arguments. For `build` and `check` without `--in`, `--in feeds` (and
    /// for `build` `--out public`) are added, relative to the temporary directory.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Runs the binary through `sh -c 'ulimit <limit> && exec calfeed ...'`.
    pub fn ulimit(mut self, limit: &str) -> Self {
        self.ulimit = Some(limit.to_string());
        self
    }

    // ---- What must come of it ----

    /// The exit status (0 unless said otherwise).
    pub fn status(mut self, status: i32) -> Self {
        self.status = Some(status);
        self
    }

    /// Any exit status: the test looks at [`Ran::code`].
    pub fn any_status(mut self) -> Self {
        self.status = None;
        self
    }

    /// The whole of stdout.
    pub fn stdout(mut self, stdout: &str) -> Self {
        self.stdout = Some(stdout.to_string());
        self
    }

    pub fn stdout_contains(mut self, fragment: impl Into<String>) -> Self {
        self.stdout_contains.push(fragment.into());
        self
    }

    pub fn stderr_contains(mut self, fragment: impl Into<String>) -> Self {
        self.stderr_contains.push(fragment.into());
        self
    }

    pub fn stderr_lacks(mut self, fragment: impl Into<String>) -> Self {
        self.stderr_lacks.push(fragment.into());
        self
    }

    /// Exit status 1 (invalid input), with a line of stderr that starts with
    /// `error: <field>: ` (`error: ` for an empty field) and contains `fragment`.
    pub fn rejects(mut self, field: &str, fragment: &str) -> Self {
        self.status = Some(1);
        self.error_lines
            .push((field.to_string(), fragment.to_string()));
        self
    }

    /// Exactly `count` diagnostics (each `error: ...` with its `-->` location; the closing
    /// `error: N problem(s)` summary is not one).
    pub fn diagnostic_count(mut self, count: usize) -> Self {
        self.diagnostic_count = Some(count);
        self
    }

    /// One diagnostic, at `location` (from `fixtures::at`), about `field`, saying
    /// `fragment`.
    pub fn diagnostic(mut self, location: String, field: &str, fragment: &str) -> Self {
        self.diagnostics.push(Expected {
            location,
            field: field.to_string(),
            fragment: fragment.to_string(),
        });
        self
    }

    /// Before the command runs, a good publication is built into `public/` (from a
    /// separate `seed/` directory); afterwards `public/` must be exactly as it was:
    /// same files, same bytes, same modification times.
    pub fn public_untouched(mut self) -> Self {
        self.published_before = true;
        self
    }

    /// Afterwards there is no `public/` at all.
    pub fn no_public(mut self) -> Self {
        self.no_public = true;
        self
    }

    // ---- Running ----

    /// The arguments with `--in`/`--out` added (see [`Test::args`]).
    fn full_args(&self) -> Vec<String> {
        let mut args = self.args.clone();
        let explicit = args.iter().any(|a| a == "--in");
        match args.first().map(String::as_str).filter(|_| !explicit) {
            Some("build") => args.extend(["--in", "feeds", "--out", "public"].map(String::from)),
            Some("check") => args.extend(["--in", "feeds"].map(String::from)),
            _ => {}
        }
        args
    }

    fn command(&self, args: &[String]) -> Command {
        let mut command = match &self.ulimit {
            None => Command::new(BIN),
            Some(limit) => {
                let mut sh = Command::new("sh");
                sh.arg("-c")
                    .arg(format!("ulimit {limit} && exec \"$0\" \"$@\""))
                    .arg(BIN);
                sh
            }
        };
        command
            .args(args)
            .current_dir(self.dir.path())
            // Nothing from the caller's environment dates the output or forces colour.
            .env_remove("SOURCE_DATE_EPOCH")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("FORCE_COLOR")
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Runs the command to its end and checks everything asked for.
    pub fn run(self) -> Ran {
        let root = self.dir.path();
        let before = self.published_before.then(|| {
            write(root, "seed/seed.toml", MINIMAL.as_bytes());
            let seeded = Command::new(BIN)
                .args(["build", "--in", "seed", "--out", "public"])
                .current_dir(root)
                .env_remove("SOURCE_DATE_EPOCH")
                .output()
                .expect("run calfeed");
            assert!(
                seeded.status.success(),
                "seeding public/ failed: {}",
                String::from_utf8_lossy(&seeded.stderr)
            );
            age(&root.join("public"));
            snapshot(&root.join("public"))
        });

        let args = self.full_args();
        let output = self
            .command(&args)
            .stdin(Stdio::null())
            .output()
            .expect("run calfeed");
        let ran = Ran::new(
            Rc::clone(&self.dir),
            &args,
            output.status,
            output.stdout,
            output.stderr,
        );
        self.check(&ran, before);
        ran
    }

    fn check(&self, ran: &Ran, before: Option<super::tree::Snapshot>) {
        let root = self.dir.path();
        let (stdout, stderr, shown) = (&ran.stdout, &ran.stderr, &ran.shown);
        if let Some(status) = self.status {
            assert_eq!(ran.code, Some(status), "unexpected exit status\n{shown}");
        }
        if let Some(expected) = &self.stdout {
            assert_eq!(stdout, expected, "unexpected stdout\n{shown}");
        }
        for fragment in &self.stdout_contains {
            assert!(
                stdout.contains(fragment.as_str()),
                "stdout lacks {fragment:?}\n{shown}"
            );
        }
        for fragment in &self.stderr_contains {
            assert!(
                stderr.contains(fragment.as_str()),
                "stderr lacks {fragment:?}\n{shown}"
            );
        }
        for fragment in &self.stderr_lacks {
            assert!(
                !stderr.contains(fragment.as_str()),
                "stderr has {fragment:?}\n{shown}"
            );
        }
        for (field, fragment) in &self.error_lines {
            ran.error_line(field, fragment);
        }
        if let Some(count) = self.diagnostic_count {
            let found = diagnostics(stderr)
                .filter(|block| block.contains("--> "))
                .count();
            assert_eq!(found, count, "unexpected number of diagnostics\n{shown}");
        }
        for expected in &self.diagnostics {
            let header = format!("error: {}: ", expected.field);
            let arrow = format!("--> {}\n", expected.location);
            let found = diagnostics(stderr).any(|block| {
                block.starts_with(&header)
                    && block.contains(&arrow)
                    && block.contains(&expected.fragment)
            });
            assert!(
                found,
                "no diagnostic for `{}` at {} saying {:?}\n{shown}",
                expected.field, expected.location, expected.fragment
            );
        }
        if let Some(before) = before {
            let after = snapshot(&root.join("public"));
            assert!(
                before == after,
                "public/ changed\nbefore: {:?}\nafter: {:?}\n{shown}",
                before.keys().collect::<Vec<_>>(),
                after.keys().collect::<Vec<_>>()
            );
        }
        if self.no_public {
            assert!(
                !root.join("public").exists(),
                "public/ was created: {:?}\n{shown}",
                snapshot(&root.join("public")).keys().collect::<Vec<_>>()
            );
        }
    }

    /// Starts the command without waiting for it; its output is collected as it comes.
    /// Only the directory and the command line apply: what must come of it is up to the
    /// test, through [`Running`].
    pub fn spawn(self) -> Running {
        let args = self.full_args();
        let mut child = self
            .command(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start calfeed");
        let (stdout, stdout_reader) = collect(Box::new(child.stdout.take().expect("stdout")));
        let (stderr, stderr_reader) = collect(Box::new(child.stderr.take().expect("stderr")));
        Running {
            child,
            args,
            dir: self.dir,
            stdout,
            stderr,
            readers: vec![stdout_reader, stderr_reader],
        }
    }
}

fn write(root: &Path, relative: &str, contents: &[u8]) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().expect("a parent")).expect("create parent");
    fs::write(&path, contents).expect("write file");
}

/// The diagnostics in stderr, one string each, each starting with `error: `.
pub fn diagnostics(stderr: &str) -> impl Iterator<Item = &str> {
    stderr
        .match_indices("error: ")
        .filter(|(i, _)| *i == 0 || stderr[..*i].ends_with('\n'))
        .map(|(i, _)| {
            let rest = &stderr[i..];
            let end = rest[1..].find("\nerror: ").map_or(rest.len(), |e| e + 2);
            &rest[..end]
        })
}

impl Ran {
    pub(super) fn new(
        dir: Rc<TempDir>,
        args: &[String],
        status: ExitStatus,
        stdout: Vec<u8>,
        stderr: Vec<u8>,
    ) -> Ran {
        let stdout = String::from_utf8(stdout).expect("stdout is UTF-8");
        let stderr = String::from_utf8(stderr).expect("stderr is UTF-8");
        Ran {
            dir,
            shown: format!(
                "calfeed {args:?} exited with {status:?}\n--- stdout\n{stdout}--- stderr\n{stderr}"
            ),
            code: status.code(),
            stdout,
            stderr,
        }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.path(relative))
            .unwrap_or_else(|e| panic!("read {relative}: {e}\n{}", self.shown))
    }

    /// Writes a file into the directory, for the next run.
    pub fn write(&self, relative: &str, contents: &str) {
        write(self.dir.path(), relative, contents.as_bytes());
    }

    /// Another run in the same directory.
    pub fn then(self) -> Test {
        Test::in_dir(self.dir)
    }

    /// Exit status 0.
    pub fn success(&self) -> &Self {
        assert_eq!(self.code, Some(0), "{}", self.shown);
        self
    }

    /// Exit status 1 (invalid input), with a line of stderr that starts with
    /// `error: <field>: ` (`error: ` for an empty field) and contains `fragment`.
    pub fn rejects(&self, field: &str, fragment: &str) -> &Self {
        assert_eq!(self.code, Some(1), "{}", self.shown);
        self.error_line(field, fragment);
        self
    }

    fn error_line(&self, field: &str, fragment: &str) {
        let header = if field.is_empty() {
            "error: ".to_string()
        } else {
            format!("error: {field}: ")
        };
        assert!(
            self.stderr
                .lines()
                .any(|l| l.starts_with(&header) && l.contains(fragment)),
            "no `{header}...{fragment}...` line\n{}",
            self.shown
        );
    }
}
