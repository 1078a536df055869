//! End-to-end tests of the `calfeed` binary: publications are written into a temporary
//! `feeds/`, the real command runs with that directory as its working directory, and its
//! exit status, output and the files under `public/` are checked.
//!
//! Every test reads as one behaviour, through the [`Test`] builder (in the style of
//! casey/just's `tests/test.rs`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use assert_cmd::Command;
use tempfile::TempDir;

// ---- The builder ------------------------------------------------------------------------

/// One run of `calfeed` in a fresh temporary directory holding `feeds/` (and, after a
/// build, `public/`).
#[must_use = "a Test does nothing until .run()"]
struct Test {
    dir: TempDir,
    args: Vec<String>,
    status: i32,
    stdout: Option<String>,
    stdout_contains: Vec<String>,
    stderr_contains: Vec<String>,
    stderr_lacks: Vec<String>,
    diagnostic_count: Option<usize>,
    diagnostics: Vec<Expected>,
    published_before: bool,
    no_public: bool,
    env: Vec<(String, String)>,
}

/// A diagnostic that must appear in stderr: its field and message on the `error:` line,
/// and its `file:line:column` on the `-->` line of the same diagnostic.
struct Expected {
    location: String,
    field: String,
    fragment: String,
}

/// What a run left behind, for further checks or a second run in the same directory.
struct Ran {
    dir: TempDir,
    stdout: String,
    stderr: String,
}

impl Test {
    fn new() -> Self {
        Self::in_dir(tempfile::tempdir().expect("create a temporary directory"))
    }

    /// Continues in the directory of an earlier run (its `feeds/` and `public/` kept).
    fn in_dir(dir: TempDir) -> Self {
        fs::create_dir_all(dir.path().join("feeds")).expect("create feeds/");
        Test {
            dir,
            args: Vec::new(),
            status: 0,
            stdout: None,
            stdout_contains: Vec::new(),
            stderr_contains: Vec::new(),
            stderr_lacks: Vec::new(),
            diagnostic_count: None,
            diagnostics: Vec::new(),
            published_before: false,
            no_public: false,
            env: Vec::new(),
        }
    }

    /// Writes `feeds/<name>`.
    fn feed(self, name: &str, text: &str) -> Self {
        self.file(&format!("feeds/{name}"), text)
    }

    /// Writes any file, relative to the temporary directory.
    fn file(self, relative: &str, contents: &str) -> Self {
        let path = self.dir.path().join(relative);
        fs::create_dir_all(path.parent().expect("a parent")).expect("create parent");
        fs::write(&path, contents).expect("write file");
        self
    }

    /// Creates an (empty) directory, relative to the temporary directory.
    fn dir(self, relative: &str) -> Self {
        fs::create_dir_all(self.dir.path().join(relative)).expect("create dir");
        self
    }

    /// The command's arguments. For `build` and `check`, `--in feeds` (and for `build`
    /// `--out public`) are added, relative to the temporary directory.
    fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    fn status(mut self, status: i32) -> Self {
        self.status = status;
        self
    }

    /// The whole of stdout.
    fn stdout(mut self, stdout: &str) -> Self {
        self.stdout = Some(stdout.to_string());
        self
    }

    fn stdout_contains(mut self, fragment: impl Into<String>) -> Self {
        self.stdout_contains.push(fragment.into());
        self
    }

    fn stderr_contains(mut self, fragment: impl Into<String>) -> Self {
        self.stderr_contains.push(fragment.into());
        self
    }

    fn stderr_lacks(mut self, fragment: impl Into<String>) -> Self {
        self.stderr_lacks.push(fragment.into());
        self
    }

    /// Exactly `count` diagnostics (each `error: ...` with its `-->` location; the closing
    /// `error: N problem(s)` summary is not one).
    fn diagnostic_count(mut self, count: usize) -> Self {
        self.diagnostic_count = Some(count);
        self
    }

    /// One diagnostic, at `location` (from [`at`]), about `field`, saying `fragment`.
    fn diagnostic(mut self, location: String, field: &str, fragment: &str) -> Self {
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
    fn public_untouched(mut self) -> Self {
        self.published_before = true;
        self
    }

    /// Afterwards there is no `public/` at all.
    fn no_public(mut self) -> Self {
        self.no_public = true;
        self
    }

    fn run(self) -> Ran {
        let root = self.dir.path();
        let before = self.published_before.then(|| {
            fs::create_dir_all(root.join("seed")).expect("create seed/");
            fs::write(root.join("seed/seed.toml"), MINIMAL).expect("write seed");
            let seeded = calfeed(root)
                .args(["build", "--in", "seed", "--out", "public"])
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

        let mut args = self.args.clone();
        let explicit = args.iter().any(|a| a == "--in");
        match args.first().map(String::as_str).filter(|_| !explicit) {
            Some("build") => args.extend(["--in", "feeds", "--out", "public"].map(String::from)),
            Some("check") => args.extend(["--in", "feeds"].map(String::from)),
            _ => {}
        }
        let output = calfeed(root)
            .args(&args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("run calfeed");
        let stdout = String::from_utf8(output.stdout).expect("stdout is UTF-8");
        let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
        let shown = format!("calfeed {args:?}\n--- stdout\n{stdout}--- stderr\n{stderr}");

        assert_eq!(
            output.status.code(),
            Some(self.status),
            "unexpected exit status\n{shown}"
        );
        if let Some(expected) = &self.stdout {
            assert_eq!(&stdout, expected, "unexpected stdout\n{shown}");
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
        if let Some(count) = self.diagnostic_count {
            let found = diagnostics(&stderr)
                .filter(|block| block.contains("--> "))
                .count();
            assert_eq!(found, count, "unexpected number of diagnostics\n{shown}");
        }
        for expected in &self.diagnostics {
            let header = format!("error: {}: ", expected.field);
            let arrow = format!("--> {}\n", expected.location);
            let found = diagnostics(&stderr).any(|block| {
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
        Ran {
            dir: self.dir,
            stdout,
            stderr,
        }
    }
}

impl Ran {
    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.path(relative))
            .unwrap_or_else(|e| panic!("read {relative}: {e}\n--- stdout\n{}", self.stdout))
    }

    /// Another run in the same directory.
    fn then(self) -> Test {
        Test::in_dir(self.dir)
    }
}

fn calfeed(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("calfeed").expect("the calfeed binary");
    command
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .env("NO_COLOR", "1");
    command
}

/// The diagnostics in stderr, one string each, each starting with `error: `.
fn diagnostics(stderr: &str) -> impl Iterator<Item = &str> {
    stderr
        .match_indices("error: ")
        .filter(|(i, _)| *i == 0 || stderr[..*i].ends_with('\n'))
        .map(|(i, _)| {
            let rest = &stderr[i..];
            let end = rest[1..].find("\nerror: ").map_or(rest.len(), |e| e + 2);
            &rest[..end]
        })
}

/// One entry of a directory tree: a directory, or a file's bytes and modification time.
#[derive(Debug, PartialEq, Eq)]
enum Entry {
    Dir,
    File(Vec<u8>, SystemTime),
}

/// Every file and directory under `dir`, by relative path.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Entry> {
    fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<PathBuf, Entry>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.expect("directory entry").path();
            let relative = path.strip_prefix(root).expect("under root").to_path_buf();
            if path.is_dir() {
                into.insert(relative, Entry::Dir);
                walk(root, &path, into);
            } else {
                let bytes = fs::read(&path).expect("read file");
                let modified = fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .expect("mtime");
                into.insert(relative, Entry::File(bytes, modified));
            }
        }
    }
    let mut entries = BTreeMap::new();
    walk(dir, dir, &mut entries);
    entries
}

/// Every path under `dir` with its bytes (`None` for a directory), times left out.
fn contents(dir: &Path) -> Vec<(PathBuf, Option<Vec<u8>>)> {
    snapshot(dir)
        .into_iter()
        .map(|(path, entry)| match entry {
            Entry::File(bytes, _) => (path, Some(bytes)),
            Entry::Dir => (path, None),
        })
        .collect()
}

/// The published files (not directories, not calfeed's manifest) under `dir`, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    snapshot(dir)
        .into_iter()
        .filter(|(path, entry)| {
            matches!(entry, Entry::File(..)) && path != Path::new(".calfeed-manifest")
        })
        .map(|(path, _)| path)
        .collect()
}

/// Sets every file under `dir` to an old modification time, so that any rewrite shows
/// however coarse the file system's clock is.
fn age(dir: &Path) {
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    for (relative, entry) in snapshot(dir) {
        if let Entry::File(..) = entry {
            fs::File::options()
                .write(true)
                .open(dir.join(relative))
                .and_then(|f| f.set_modified(old))
                .expect("set mtime");
        }
    }
}

// ---- Fixtures -----------------------------------------------------------------------------

/// `feeds/<file>:<line>:<column>` of `needle` in `text`, where it must occur exactly once;
/// the column counts characters, as the diagnostics do.
fn at(file: &str, text: &str, needle: &str) -> String {
    let mut found = text.match_indices(needle);
    let (offset, _) = found
        .next()
        .unwrap_or_else(|| panic!("{needle:?} is not in the fixture:\n{text}"));
    assert!(
        found.next().is_none(),
        "{needle:?} occurs more than once in the fixture:\n{text}"
    );
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    format!("feeds/{file}:{line}:{column}")
}

/// Removes the indentation common to all non-blank lines, and one leading newline, so that
/// fixtures can be written indented inside tests.
fn unindent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The `[channel]` table every fixture starts with (a macro, for `concat!`).
macro_rules! channel {
    () => {
        r#"[channel]
title = "Launch calendar"
description = "Product launches."
link = "https://example.org/launch/"
language = "en"
timezone = "Asia/Shanghai"
"#
    };
}

const CHANNEL: &str = channel!();

/// The smallest useful publication: one timed event.
const MINIMAL: &str = concat!(
    channel!(),
    r#"
[[events]]
id = "launch"
title = "Launch"
start = "2022-07-04T19:00"
duration = "2h"
"#
);

/// [`CHANNEL`] followed by `rest` (unindented).
fn publication(rest: &str) -> String {
    format!("{CHANNEL}\n{}", unindent(rest))
}

/// A minimal publication whose one event has `extra` lines (unindented) added.
fn with_event(extra: &str) -> String {
    publication(&format!(
        r#"
        [[events]]
        id = "launch"
        title = "Launch"
        {}
        "#,
        unindent(extra).trim_end().replace('\n', "\n        ")
    ))
}

/// The lines of a calendar, unfolded (RFC 5545 3.1) and without their CRLF.
fn unfolded(ics: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in ics.split("\r\n").filter(|l| !l.is_empty()) {
        match line.strip_prefix(' ') {
            Some(rest) if !lines.is_empty() => lines.last_mut().expect("a line").push_str(rest),
            _ => lines.push(line.to_string()),
        }
    }
    lines
}

/// The value lines of the one VEVENT in `ics` that start with `name` (`DTSTART`, ...).
fn event_lines(ics: &str, name: &str) -> Vec<String> {
    let lines = unfolded(ics);
    let begin = lines
        .iter()
        .position(|l| l == "BEGIN:VEVENT")
        .expect("a VEVENT");
    lines[begin..]
        .iter()
        .take_while(|l| *l != "END:VEVENT")
        .filter(|l| l.starts_with(&format!("{name}:")) || l.starts_with(&format!("{name};")))
        .cloned()
        .collect()
}

// ---- Building -----------------------------------------------------------------------------

#[test]
fn build_writes_calendar_feed_and_event_file() {
    let ran = Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .stdout_contains("wrote public/launch.ics\n")
        .stdout_contains("wrote public/launch.xml\n")
        .stdout_contains("wrote public/launch/launch.ics\n")
        .run();
    assert_eq!(ran.stderr, "");
    let written = files(&ran.path("public"));
    for expected in ["launch.ics", "launch.xml", "launch/launch.ics"] {
        assert!(
            written.contains(&PathBuf::from(expected)),
            "{expected} is missing from {written:?}"
        );
    }
    assert!(
        written
            .iter()
            .all(|f| !f.to_string_lossy().contains(".calfeed-")),
        "temporary files left behind: {written:?}"
    );
    // One `wrote` line per file, then the summary.
    let wrote: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|l| l.starts_with("wrote "))
        .collect();
    assert_eq!(wrote.len(), written.len(), "{}", ran.stdout);
    let summary = ran.stdout.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with(&format!(
            "built 1 publication(s), 1 event(s), 0 article(s): {} file(s) written, 0 unchanged, 0 removed in ",
            written.len()
        )),
        "{}",
        ran.stdout
    );
    let calendar = ran.read("public/launch.ics");
    assert!(calendar.starts_with("BEGIN:VCALENDAR\r\n"), "{calendar}");
    assert!(calendar.contains("\r\nSUMMARY:Launch\r\n"), "{calendar}");
    assert!(ran.read("public/launch.xml").contains("<rss"));
    let single = ran.read("public/launch/launch.ics");
    assert!(
        single.contains("\r\nUID:launch@example.org\r\n"),
        "{single}"
    );
}

#[test]
fn rebuilding_unchanged_input_touches_no_file() {
    let first = Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .run();
    age(&first.path("public"));
    let before = snapshot(&first.path("public"));
    let count = files(&first.path("public")).len();
    let second = first
        .then()
        .args(["build"])
        .stdout_contains(format!(
            "built 1 publication(s), 1 event(s), 0 article(s): 0 file(s) written, {count} unchanged, 0 removed in "
        ))
        .run();
    assert_eq!(second.stdout.lines().count(), 1, "{}", second.stdout);
    assert!(
        snapshot(&second.path("public")) == before,
        "public/ changed"
    );
}

#[test]
fn build_reports_output_it_cannot_write_with_exit_code_4() {
    Test::new()
        .feed("launch.toml", MINIMAL)
        .file("public", "a file where the output directory should be")
        .args(["build"])
        .status(4)
        .stderr_contains("error: cannot write to public")
        .run();
}

// ---- build --check --------------------------------------------------------------------------

#[test]
fn build_check_passes_right_after_a_build() {
    let built = Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .run();
    age(&built.path("public"));
    let before = snapshot(&built.path("public"));
    let count = files(&built.path("public")).len();
    let checked = built
        .then()
        .args(["build", "--check"])
        .stdout(&format!("up to date: {count} file(s) in public\n"))
        .run();
    assert_eq!(checked.stderr, "");
    assert!(
        snapshot(&checked.path("public")) == before,
        "build --check changed public/"
    );
}

#[test]
fn build_check_names_outputs_made_stale_by_an_edit_and_writes_nothing() {
    let built = Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .run();
    age(&built.path("public"));
    let before = snapshot(&built.path("public"));
    let count = files(&built.path("public")).len();
    let checked = built
        .then()
        .feed(
            "launch.toml",
            &MINIMAL.replace(
                r#"title = "Launch""#,
                "title = \"Launch (moved)\"\nsequence = 1",
            ),
        )
        .args(["build", "--check"])
        .status(3)
        .stderr_contains("out of date: public/launch.ics\n")
        .stderr_contains("out of date: public/launch/launch.ics\n")
        .stderr_contains(format!(" of {count} output(s) are stale"))
        .run();
    assert_eq!(checked.stdout, "");
    assert!(
        snapshot(&checked.path("public")) == before,
        "build --check changed public/"
    );
}

#[test]
fn build_check_names_missing_outputs_and_writes_nothing() {
    let ran = Test::new()
        .feed("launch.toml", MINIMAL)
        .dir("public")
        .args(["build", "--check"])
        .status(3)
        .stderr_contains("missing: public/launch.ics\n")
        .stderr_contains("missing: public/launch.xml\n")
        .stderr_contains("missing: public/launch/launch.ics\n")
        .stderr_lacks("out of date:")
        .run();
    let missing = ran.stderr.matches("missing: ").count();
    assert!(
        ran.stderr.contains(&format!(
            "error: {missing} of {missing} output(s) are stale"
        )),
        "{}",
        ran.stderr
    );
    assert!(
        snapshot(&ran.path("public")).is_empty(),
        "build --check wrote into public/"
    );
}

#[test]
fn build_check_on_invalid_input_exits_1() {
    Test::new()
        .feed("launch.toml", &with_event(r#"start = "2022-07-04T25:00""#))
        .args(["build", "--check"])
        .status(1)
        .stderr_contains("events[0].start")
        .public_untouched()
        .run();
}

// ---- check ----------------------------------------------------------------------------------

#[test]
fn check_validates_without_writing() {
    Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["check"])
        .stdout("ok: 1 publication(s), 1 event(s), 0 article(s)\n")
        .no_public()
        .run();
}

#[test]
fn check_rejects_invalid_input_with_exit_code_1() {
    let text = with_event(r#"start = "2022-07-04T25:00""#);
    Test::new()
        .feed("launch.toml", &text)
        .args(["check"])
        .status(1)
        .diagnostic(
            at("launch.toml", &text, r#""2022-07-04T25:00""#),
            "events[0].start",
            "invalid date or time",
        )
        .no_public()
        .run();
}

// ---- Rejections: each one exits 1, points at file:line:column and field, writes nothing ----

/// Runs `build` on `feeds/launch.toml` = `text` over an earlier good build, expecting
/// exactly one diagnostic (at `needle`, about `field`, saying `fragment`).
fn rejects(text: &str, needle: &str, field: &str, fragment: &str) -> Ran {
    Test::new()
        .feed("launch.toml", text)
        .args(["build"])
        .status(1)
        .diagnostic(at("launch.toml", text, needle), field, fragment)
        .diagnostic_count(1)
        .stderr_contains("error: 1 problem(s) in the input; nothing was written")
        .public_untouched()
        .run()
}

#[test]
fn misspelt_key_is_rejected() {
    let text = with_event(
        r#"
        tittle = "Launch day"
        start = "2022-07-04T19:00"
        "#,
    );
    rejects(
        &text,
        "tittle",
        "events[0].tittle",
        "unknown field `tittle`",
    );
}

#[test]
fn id_with_path_traversal_is_rejected() {
    let text = publication(
        r#"
        [[events]]
        id = "../x"
        title = "Launch"
        start = "2022-07-04T19:00"
        "#,
    );
    rejects(&text, r#""../x""#, "events[0].id", r#"invalid id "../x""#);
}

#[test]
fn id_with_spaces_is_rejected() {
    let text = publication(
        r#"
        [[events]]
        id = "launch day"
        title = "Launch"
        start = "2022-07-04T19:00"
        "#,
    );
    rejects(
        &text,
        r#""launch day""#,
        "events[0].id",
        r#"invalid id "launch day": ' ' is not allowed"#,
    );
}

#[test]
fn duplicate_event_ids_are_rejected() {
    let text = publication(
        r#"
        [[events]]
        id = "launch"
        title = "Launch"
        start = "2022-07-04T19:00"

        [[events]]
        id = "launch"  # again
        title = "Launch, again"
        start = "2022-07-05T19:00"
        "#,
    );
    rejects(
        &text,
        r#""launch"  # again"#,
        "events[1].id",
        r#"duplicate id "launch": events[0] already uses it"#,
    );
}

#[test]
fn article_id_equal_to_an_event_id_is_rejected() {
    let text = publication(
        r#"
        [[events]]
        id = "launch"
        title = "Launch"
        start = "2022-07-04T19:00"

        [[articles]]
        id = "launch"  # the event's
        title = "Launch announced"
        published = "2022-06-28"
        "#,
    );
    rejects(
        &text,
        r#""launch"  # the event's"#,
        "articles[0].id",
        r#"duplicate id "launch": events[0] already uses it"#,
    );
}

#[test]
fn ids_differing_only_in_case_are_duplicates() {
    let text = publication(
        r#"
        [[events]]
        id = "Launch"
        title = "Launch"
        start = "2022-07-04T19:00"

        [[events]]
        id = "launch"
        title = "Launch, again"
        start = "2022-07-05T19:00"
        "#,
    );
    rejects(
        &text,
        r#""launch""#,
        "events[1].id",
        r#"duplicate id "launch": events[0] already uses it"#,
    );
}

#[test]
fn end_before_start_is_rejected() {
    let text = with_event(
        r#"
        start = "2022-07-04T19:00"
        end = "2022-07-04T18:00"
        "#,
    );
    rejects(
        &text,
        r#""2022-07-04T18:00""#,
        "events[0].end",
        "the event ends (2022-07-04T18:00+08:00) before it starts (2022-07-04T19:00+08:00)",
    );
}

#[test]
fn unknown_zone_is_rejected() {
    let text = with_event(
        r#"
        start = "2022-07-04T19:00"
        timezone = "Mars/Olympus"
        "#,
    );
    rejects(
        &text,
        r#""Mars/Olympus""#,
        "events[0].timezone",
        r#"unknown time zone "Mars/Olympus""#,
    );
}

#[test]
fn time_in_a_daylight_saving_gap_is_rejected() {
    let text = with_event(
        r#"
        start = "2024-03-10T02:30"
        timezone = "America/New_York"
        "#,
    );
    rejects(
        &text,
        r#""2024-03-10T02:30""#,
        "events[0].start",
        "2024-03-10T02:30 does not exist in America/New_York: the clocks skip it",
    );
}

#[test]
fn time_in_a_daylight_saving_overlap_without_offset_is_rejected() {
    let text = with_event(
        r#"
        start = "2024-11-03T01:30"
        timezone = "America/New_York"
        "#,
    );
    rejects(
        &text,
        r#""2024-11-03T01:30""#,
        "events[0].start",
        "2024-11-03T01:30 happens twice in America/New_York (daylight-saving overlap): \
         write it with an offset, 2024-11-03T01:30-04:00 or 2024-11-03T01:30-05:00",
    );
}

/// Both readings of New York's repeated 01:30 on 2024-11-03, spelled with their offsets.
fn overlap_with_offsets() -> String {
    publication(
        r#"
        [[events]]
        id = "early"
        title = "At 01:30 EDT"
        start = "2024-11-03T01:30-04:00"
        timezone = "America/New_York"

        [[events]]
        id = "late"
        title = "At 01:30 EST"
        start = "2024-11-03T01:30-05:00"
        timezone = "America/New_York"
        "#,
    )
}

#[test]
fn time_in_a_daylight_saving_overlap_with_offset_builds() {
    let ran = Test::new()
        .feed("launch.toml", &overlap_with_offsets())
        .args(["build"])
        .run();
    // RFC 5545 3.3.5: a repeated local time with a TZID means its first occurrence, so the
    // EDT reading may be written as wall-clock time.
    assert_eq!(
        event_lines(&ran.read("public/launch/early.ics"), "DTSTART"),
        ["DTSTART;TZID=America/New_York:20241103T013000"]
    );
    assert!(ran.path("public/launch/late.ics").is_file());
}

#[test]
fn second_occurrence_of_a_repeated_local_time_keeps_its_instant() {
    let ran = Test::new()
        .feed("launch.toml", &overlap_with_offsets())
        .args(["build"])
        .run();
    // 01:30 EST is 06:30 UTC; `DTSTART;TZID=America/New_York:20241103T013000` would mean
    // 01:30 EDT = 05:30 UTC. Only the UTC form can say the later one.
    let ics = ran.read("public/launch/late.ics");
    assert_eq!(
        event_lines(&ics, "DTSTART"),
        ["DTSTART:20241103T063000Z"],
        "{ics}"
    );
}

#[test]
fn unknown_related_event_is_rejected() {
    let text = publication(
        r#"
        [[events]]
        id = "launch"
        title = "Launch"
        start = "2022-07-04T19:00"

        [[articles]]
        id = "announced"
        title = "Launch announced"
        published = "2022-06-28"
        events = ["lanch"]
        "#,
    );
    let ran = rejects(
        &text,
        r#""lanch""#,
        "articles[0].events[0]",
        r#"no event has the id "lanch""#,
    );
    assert!(
        ran.stderr.contains("help: known event ids: launch"),
        "{}",
        ran.stderr
    );
}

#[test]
fn control_character_is_rejected() {
    let text = with_event(
        r#"
        start = "2022-07-04T19:00"
        description = "Doors open at the bell\u0007"
        "#,
    );
    rejects(
        &text,
        r#""Doors open"#,
        "events[0].description",
        "contains the control character U+0007",
    );
}

#[test]
fn blank_required_field_is_rejected() {
    let text = publication(
        r#"
        [[events]]
        id = "launch"
        title = "   "
        start = "2022-07-04T19:00"
        "#,
    );
    rejects(&text, r#""   ""#, "events[0].title", "must not be empty");
}

#[test]
fn javascript_url_is_rejected() {
    let text = with_event(
        r#"
        start = "2022-07-04T19:00"
        livestream = "javascript:alert(1)"
        "#,
    );
    rejects(
        &text,
        r#""javascript:alert(1)""#,
        "events[0].livestream",
        "is a javascript: link, not a web address",
    );
}

#[test]
fn end_and_duration_together_are_rejected() {
    let text = with_event(
        r#"
        start = "2022-07-04T19:00"
        end = "2022-07-04T21:00"
        duration = "2h"
        "#,
    );
    rejects(
        &text,
        r#""2h""#,
        "events[0].duration",
        "give either `end` or `duration`, not both",
    );
}

#[test]
fn invalid_duration_is_rejected() {
    let text = with_event(
        r#"
        start = "2022-07-04T19:00"
        duration = "2 hours"
        "#,
    );
    rejects(
        &text,
        r#""2 hours""#,
        "events[0].duration",
        r#"invalid duration "2 hours""#,
    );
}

#[test]
fn invalid_language_tag_is_rejected() {
    let text = MINIMAL.replace(r#"language = "en""#, r#"language = "en_GB""#);
    rejects(
        &text,
        r#""en_GB""#,
        "channel.language",
        r#""en_GB" is not a language tag"#,
    );
}

#[test]
fn invalid_status_lists_the_valid_ones() {
    let text = with_event(
        r#"
        start = "2022-07-04T19:00"
        status = "postponed"
        "#,
    );
    rejects(
        &text,
        r#""postponed""#,
        "events[0].status",
        "unknown variant `postponed`, expected one of `confirmed`, `tentative`, `cancelled`",
    );
}

#[test]
fn value_of_the_wrong_type_is_rejected() {
    let text = with_event(
        r#"
        start = "2022-07-04T19:00"
        sequence = "x"
        "#,
    );
    rejects(
        &text,
        r#""x""#,
        "events[0].sequence",
        r#"invalid type: string "x", expected u32"#,
    );
}

#[test]
fn json_type_error_points_at_its_line_and_column() {
    let text = unindent(
        r#"
        {
          "channel": {
            "title": "Launch calendar",
            "description": "Product launches.",
            "link": "https://example.org/launch/",
            "language": "en",
            "timezone": "Asia/Shanghai"
          },
          "events": [
            {
              "id": "launch",
              "title": "Launch",
              "start": "2022-07-04T19:00",
              "sequence": "x"
            }
          ]
        }
        "#,
    );
    // serde_json reports the last character of the offending value.
    let value = at("launch.json", &text, r#""x""#);
    let (file_line, column) = value.rsplit_once(':').expect("file:line:column");
    let column: usize = column.parse().expect("a column");
    let location = format!("{file_line}:{}", column + 2);
    Test::new()
        .feed("launch.json", &text)
        .args(["build"])
        .status(1)
        .diagnostic(
            location,
            "events[0].sequence",
            r#"invalid type: string "x", expected u32"#,
        )
        .stderr_lacks(" at line ")
        .public_untouched()
        .run();
}

#[test]
fn json_validation_error_points_at_its_line_and_column() {
    let text = unindent(
        r#"
        {
          "channel": {
            "title": "Launch calendar",
            "description": "Product launches.",
            "link": "https://example.org/launch/",
            "language": "en",
            "timezone": "Asia/Shanghai"
          },
          "events": [
            {
              "id": "launch",
              "title": "Launch",
              "start": "2022-07-04T19:00",
              "timezone": "Mars/Olympus"
            }
          ]
        }
        "#,
    );
    Test::new()
        .feed("launch.json", &text)
        .args(["build"])
        .status(1)
        .diagnostic(
            at("launch.json", &text, r#""Mars/Olympus""#),
            "events[0].timezone",
            r#"unknown time zone "Mars/Olympus""#,
        )
        .public_untouched()
        .run();
}

#[test]
fn file_name_that_is_not_a_slug_is_rejected() {
    Test::new()
        .feed("launch day.toml", MINIMAL)
        .args(["build"])
        .status(1)
        .stderr_contains(r#"error: file name "launch day" cannot be a slug: ' ' is not allowed"#)
        .stderr_contains("--> feeds/launch day.toml\n")
        .public_untouched()
        .run();
}

#[test]
fn empty_feeds_directory_is_rejected() {
    Test::new()
        .args(["build"])
        .status(1)
        .stderr_contains("error: no publications found (expected *.toml or *.json files)")
        .stderr_contains("--> feeds\n")
        .public_untouched()
        .run();
}

#[test]
fn publications_whose_names_differ_only_in_case_are_rejected() {
    if cfg!(any(windows, target_os = "macos")) {
        return; // Both files cannot exist side by side there.
    }
    Test::new()
        .feed("Launch.toml", MINIMAL)
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .status(1)
        .stderr_contains("their outputs would collide")
        .public_untouched()
        .run();
}

/// [`MINIMAL`] as JSON.
const MINIMAL_JSON: &str = r#"{
  "channel": {
    "title": "Launch calendar",
    "description": "Product launches.",
    "link": "https://example.org/launch/",
    "language": "en",
    "timezone": "Asia/Shanghai"
  },
  "events": [
    { "id": "launch", "title": "Launch", "start": "2022-07-04T19:00", "duration": "2h" }
  ]
}
"#;

#[test]
fn json_publication_builds() {
    let ran = Test::new()
        .feed("launch.json", MINIMAL_JSON)
        .args(["build"])
        .run();
    let from_json = contents(&ran.path("public"));
    let ran = Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .run();
    assert!(
        from_json == contents(&ran.path("public")),
        "the same publication as JSON and as TOML built different files"
    );
}

/// A text longer than the 256 bytes from which calfeed keeps texts in a temporary file
/// (`spill::SPILL_AT`), with multi-byte characters, CRLF, backslashes and quotes.
fn long_text(label: &str) -> String {
    let line = format!(
        "{label}: ünïcødé 漢字 🎉, a back\\slash; \"quoted\", a comma,\r\nand a new line.\n"
    );
    let text = line.repeat(6);
    assert!(text.len() > calfeed::spill::SPILL_AT);
    text
}

/// Long Markdown for an article body.
fn long_markdown() -> String {
    let text =
        "## Notes 漢字\r\n\r\nSome **bold** ünï 🎉 text and a `C:\\path`.\r\n\r\n- one\n- two\n\n"
            .repeat(6);
    assert!(text.len() > calfeed::spill::SPILL_AT);
    text
}

/// One publication with long texts (an event's description, a repeating event's and one of
/// its overrides', an article's body) as TOML or as JSON (with a byte-order mark): the same
/// content either way. The launch starts at `start` with sequence `sequence`.
fn long_texts(json: bool, start: &str, sequence: u32) -> String {
    let quote = |text: &str| {
        if json {
            serde_json::to_string(text).expect("a JSON string")
        } else {
            toml::Value::String(text.to_string()).to_string()
        }
    };
    let (launch, weekly, late) = (
        quote(&long_text("launch")),
        quote(&long_text("weekly")),
        quote(&long_text("late edition")),
    );
    let markdown = quote(&long_markdown());
    if json {
        format!(
            "\u{feff}{}",
            unindent(&format!(
                r#"
                {{
                  "channel": {{
                    "title": "Launch calendar",
                    "description": "Product launches.",
                    "link": "https://example.org/launch/",
                    "language": "en",
                    "timezone": "Asia/Shanghai"
                  }},
                  "events": [
                    {{ "id": "launch", "title": "Launch", "start": "{start}", "duration": "2h",
                       "sequence": {sequence}, "description": {launch} }},
                    {{ "id": "weekly", "title": "Weekly show", "start": "2024-11-07T19:00",
                       "duration": "1h", "description": {weekly},
                       "repeat": {{ "every": "week", "count": 4 }},
                       "overrides": [
                         {{ "occurrence": "2024-11-14T19:00", "start": "2024-11-14T20:30",
                            "description": {late} }}
                       ] }}
                  ],
                  "articles": [
                    {{ "id": "notes", "title": "Notes", "published": "2022-06-28",
                       "content": {markdown}, "events": ["launch", "weekly"] }}
                  ]
                }}
                "#
            ))
        )
    } else {
        publication(&format!(
            r#"
            [[events]]
            id = "launch"
            title = "Launch"
            start = "{start}"
            duration = "2h"
            sequence = {sequence}
            description = {launch}

            [[events]]
            id = "weekly"
            title = "Weekly show"
            start = "2024-11-07T19:00"
            duration = "1h"
            description = {weekly}
            repeat = {{ every = "week", count = 4 }}

            [[events.overrides]]
            occurrence = "2024-11-14T19:00"
            start = "2024-11-14T20:30"
            description = {late}

            [[articles]]
            id = "notes"
            title = "Notes"
            published = "2022-06-28"
            content = {markdown}
            events = ["launch", "weekly"]
            "#
        ))
    }
}

/// RFC 5545 TEXT escaping of `text`, newlines as `\n`.
fn ical_escaped(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

#[test]
fn json_with_a_bom_and_long_texts_builds_like_the_same_toml() {
    let json = long_texts(true, "2022-07-04T19:00", 0);
    assert!(json.starts_with('\u{feff}'));
    let from_json = Test::new()
        .feed("launch.json", &json)
        .args(["build"])
        .stdout_contains("wrote public/launch.ics\n")
        .run();
    // The long texts came through whole, not only the same way as from TOML.
    let description = event_lines(&from_json.read("public/launch.ics"), "DESCRIPTION");
    assert_eq!(description.len(), 1, "{description:?}");
    let expected = format!("DESCRIPTION:{}", ical_escaped(&long_text("launch")));
    assert!(description[0].starts_with(&expected), "{description:?}");
    let late = format!("DESCRIPTION:{}", ical_escaped(&long_text("late edition")));
    let calendar = unfolded(&from_json.read("public/launch.ics"));
    assert!(
        calendar.iter().any(|l| l.starts_with(&late)),
        "{calendar:?}"
    );
    let page = from_json.read("public/launch/index.html");
    assert_eq!(
        page.matches("<p>Some <strong>bold</strong> ünï 🎉 text")
            .count(),
        6,
        "{page}"
    );
    let from_toml = Test::new()
        .feed("launch.toml", &long_texts(false, "2022-07-04T19:00", 0))
        .args(["build"])
        .run();
    assert!(
        contents(&from_json.path("public")) == contents(&from_toml.path("public")),
        "the same publication as JSON (with a BOM and long texts) and as TOML built different files"
    );
    let count = files(&from_json.path("public")).len();
    from_json
        .then()
        .args(["build", "--check"])
        .stdout(&format!("up to date: {count} file(s) in public\n"))
        .run();
}

#[test]
fn toml_and_json_publications_with_the_same_slug_are_rejected() {
    Test::new()
        .feed("launch.toml", MINIMAL)
        .feed("launch.json", MINIMAL_JSON)
        .args(["build"])
        .status(1)
        .stderr_contains("their outputs would collide")
        .public_untouched()
        .run();
}

#[test]
fn slug_collision_names_both_files() {
    Test::new()
        .feed("launch.toml", MINIMAL)
        .feed("launch.json", MINIMAL_JSON)
        .args(["build"])
        .status(1)
        .stderr_contains("feeds/launch.json")
        .stderr_contains("feeds/launch.toml")
        .run();
}

// ---- Many problems, many files ---------------------------------------------------------

#[test]
fn every_problem_in_a_file_is_reported_in_one_run() {
    let text = publication(
        r#"
        [[events]]
        id = "../x"
        title = "Launch"
        start = "2022-07-04T19:00"
        timezone = "Mars/Olympus"

        [[events]]
        id = "keynote"
        title = "   "
        start = "2022-07-05T19:00"
        livestream = "javascript:alert(1)"
        "#,
    );
    Test::new()
        .feed("launch.toml", &text)
        .args(["build"])
        .status(1)
        .diagnostic(
            at("launch.toml", &text, r#""../x""#),
            "events[0].id",
            "invalid id",
        )
        .diagnostic(
            at("launch.toml", &text, r#""Mars/Olympus""#),
            "events[0].timezone",
            "unknown time zone",
        )
        .diagnostic(
            at("launch.toml", &text, r#""   ""#),
            "events[1].title",
            "must not be empty",
        )
        .diagnostic(
            at("launch.toml", &text, r#""javascript:alert(1)""#),
            "events[1].livestream",
            "javascript: link",
        )
        .diagnostic_count(4)
        .stderr_contains("error: 4 problem(s) in the input; nothing was written")
        .public_untouched()
        .run();
}

#[test]
fn unknown_zone_does_not_hide_a_bad_start() {
    let text = with_event(
        r#"
        start = "2022-07-04T25:00"
        timezone = "Mars/Olympus"
        "#,
    );
    Test::new()
        .feed("launch.toml", &text)
        .args(["build"])
        .status(1)
        .diagnostic(
            at("launch.toml", &text, r#""Mars/Olympus""#),
            "events[0].timezone",
            "unknown time zone",
        )
        .diagnostic(
            at("launch.toml", &text, r#""2022-07-04T25:00""#),
            "events[0].start",
            "invalid date or time",
        )
        .stderr_contains("error: 2 problem(s) in the input; nothing was written")
        .run();
}

#[test]
fn bad_start_does_not_hide_a_bad_end() {
    let text = with_event(
        r#"
        start = "2022-07-04T25:00"
        end = "later"
        "#,
    );
    Test::new()
        .feed("launch.toml", &text)
        .args(["build"])
        .status(1)
        .diagnostic(
            at("launch.toml", &text, r#""2022-07-04T25:00""#),
            "events[0].start",
            "invalid date or time",
        )
        .diagnostic(
            at("launch.toml", &text, r#""later""#),
            "events[0].end",
            "invalid date or time",
        )
        .stderr_contains("error: 2 problem(s) in the input; nothing was written")
        .run();
}

#[test]
fn problems_in_several_files_are_all_reported() {
    let first = with_event(r#"start = "2022-07-04T25:00""#);
    let second = MINIMAL.replace(r#"language = "en""#, r#"language = "en_GB""#);
    Test::new()
        .feed("first.toml", &first)
        .feed("second.toml", &second)
        .args(["build"])
        .status(1)
        .diagnostic(
            at("first.toml", &first, r#""2022-07-04T25:00""#),
            "events[0].start",
            "invalid date or time",
        )
        .diagnostic(
            at("second.toml", &second, r#""en_GB""#),
            "channel.language",
            "is not a language tag",
        )
        .stderr_contains("error: 2 problem(s) in the input; nothing was written")
        .run();
}

#[test]
fn a_bad_file_stops_the_good_one_from_being_written() {
    Test::new()
        .feed("good.toml", MINIMAL)
        .feed("bad.toml", &with_event(r#"start = "2022-07-04T25:00""#))
        .args(["build"])
        .status(1)
        .stderr_contains("feeds/bad.toml")
        .stderr_lacks("feeds/good.toml")
        .no_public()
        .run();
}

// ---- The command line ---------------------------------------------------------------------

#[test]
fn help_lists_the_exit_codes() {
    for args in [
        vec!["--help"],
        vec!["build", "--help"],
        vec!["check", "--help"],
    ] {
        Test::new()
            .args(args)
            .stdout_contains("Exit codes:")
            .stdout_contains("1  the input data is invalid")
            .stdout_contains("2  the command line is invalid")
            .stdout_contains("3  `build --check`")
            .stdout_contains("4  the output could not be written")
            .run();
    }
}

#[test]
fn unknown_flag_exits_2() {
    Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build", "--frobnicate"])
        .status(2)
        .stderr_contains("--frobnicate")
        .no_public()
        .run();
}

#[test]
fn missing_subcommand_exits_2() {
    Test::new().status(2).stderr_contains("Usage:").run();
}

// ---- Time zones and times ---------------------------------------------------------------------

#[test]
fn whole_hour_gmt_offset_becomes_its_etc_zone() {
    let text = with_event(
        r#"
        start = "2022-07-04T19:00"
        timezone = "GMT+8"
        "#,
    );
    let ran = Test::new().feed("launch.toml", &text).args(["build"]).run();
    for file in ["public/launch.ics", "public/launch/launch.ics"] {
        assert_eq!(
            event_lines(&ran.read(file), "DTSTART"),
            ["DTSTART;TZID=Etc/GMT-8:20220704T190000"],
            "{file}"
        );
    }
}

#[test]
fn half_hour_offset_is_written_in_utc() {
    let text = with_event(
        r#"
        start = "2022-07-04T19:00"
        duration = "90m"
        timezone = "UTC+05:30"
        "#,
    );
    let ran = Test::new().feed("launch.toml", &text).args(["build"]).run();
    let ics = ran.read("public/launch/launch.ics");
    // 19:00 at UTC+05:30 is 13:30 UTC.
    assert_eq!(
        event_lines(&ics, "DTSTART"),
        ["DTSTART:20220704T133000Z"],
        "{ics}"
    );
    assert_eq!(
        event_lines(&ics, "DTEND"),
        ["DTEND:20220704T150000Z"],
        "{ics}"
    );
    assert!(!ics.contains("TZID="), "{ics}");
}

#[test]
fn all_day_event_ends_the_day_after_its_last_day() {
    let text = with_event(
        r#"
        start = "2024-03-10"
        end = "2024-03-11"
        "#,
    );
    let ran = Test::new().feed("launch.toml", &text).args(["build"]).run();
    let ics = ran.read("public/launch/launch.ics");
    assert_eq!(
        event_lines(&ics, "DTSTART"),
        ["DTSTART;VALUE=DATE:20240310"],
        "{ics}"
    );
    assert_eq!(
        event_lines(&ics, "DTEND"),
        ["DTEND;VALUE=DATE:20240312"],
        "{ics}"
    );
}

/// The files a build of a one-event publication with `start` and `end` written as given
/// (quoted or not) produces.
fn built_with_times(start: &str, end: &str) -> Vec<(PathBuf, Option<Vec<u8>>)> {
    let text = with_event(&format!("start = {start}\nend = {end}"));
    let ran = Test::new().feed("launch.toml", &text).args(["build"]).run();
    let ics = ran.read("public/launch/launch.ics");
    assert_eq!(event_lines(&ics, "DTSTART").len(), 1, "{ics}");
    contents(&ran.path("public"))
}

#[test]
fn toml_local_date_time_literal_works_like_a_string() {
    let literal = built_with_times("2022-07-04T19:00:00", "2022-07-04T21:00:00");
    let quoted = built_with_times(r#""2022-07-04T19:00""#, r#""2022-07-04T21:00""#);
    assert!(literal == quoted, "the literal form built different files");
    let ran = Test::new()
        .feed(
            "launch.toml",
            &with_event("start = 2022-07-04T19:00:00\nend = 2022-07-04T21:00:00"),
        )
        .args(["build"])
        .run();
    assert_eq!(
        event_lines(&ran.read("public/launch/launch.ics"), "DTSTART"),
        ["DTSTART;TZID=Asia/Shanghai:20220704T190000"]
    );
}

#[test]
fn toml_offset_date_time_literal_works_like_a_string() {
    let literal = built_with_times("2022-07-04T11:00:00Z", "2022-07-04T21:00:00+08:00");
    let quoted = built_with_times(
        r#""2022-07-04T11:00:00Z""#,
        r#""2022-07-04T21:00:00+08:00""#,
    );
    assert!(literal == quoted, "the literal form built different files");
}

#[test]
fn toml_date_literal_works_like_a_string() {
    let literal = built_with_times("2024-03-10", "2024-03-11");
    let quoted = built_with_times(r#""2024-03-10""#, r#""2024-03-11""#);
    assert!(literal == quoted, "the literal form built different files");
}

#[test]
fn outputs_of_a_removed_event_are_removed_and_check_reports_them() {
    let with_two = format!(
        "{MINIMAL}\n[[events]]\nid = \"second\"\ntitle = \"Second\"\nstart = \"2022-07-05T19:00\"\n"
    );
    let ran = Test::new()
        .feed("launch.toml", &with_two)
        .file("public/CNAME", "feeds.example.org")
        .args(["build"])
        .run();
    assert!(ran.path("public/launch/second.ics").exists());
    let ran = ran
        .then()
        .feed("launch.toml", MINIMAL)
        .args(["build", "--check"])
        .status(3)
        .stderr_contains("obsolete: public/launch/second.ics")
        .run()
        .then()
        .args(["build"])
        .stdout_contains("removed public/launch/second.ics")
        .run();
    assert!(!ran.path("public/launch/second.ics").exists());
    assert_eq!(ran.read("public/CNAME"), "feeds.example.org");
    ran.then().args(["build", "--check"]).run();
}

// ---- The publish guard, diff and occurrences -------------------------------------------

/// MINIMAL with the launch moved an hour later and `sequence` set to `sequence`.
fn moved(sequence: u32) -> String {
    MINIMAL.replace(
        r#"start = "2022-07-04T19:00""#,
        &format!("start = \"2022-07-04T20:00\"\nsequence = {sequence}"),
    )
}

#[test]
fn a_moved_event_without_a_sequence_bump_stops_the_build() {
    let built = Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .run();
    let before = snapshot(&built.path("public"));
    let blocked = built
        .then()
        .feed("launch.toml", &moved(0))
        .args(["build"])
        .status(6)
        .stderr_contains("event `launch` changed (moved: launch \"Launch\" from 2022-07-04 11:00 UTC to 2022-07-04 12:00 UTC (now ending 2022-07-04 14:00 UTC))")
        .stderr_contains("set `sequence = 1`")
        .stderr_contains("feeds/launch.toml")
        .run();
    assert!(
        snapshot(&blocked.path("public")) == before,
        "public/ changed"
    );
    let bumped = blocked
        .then()
        .feed("launch.toml", &moved(1))
        .args(["build"])
        .stdout_contains("wrote public/launch.ics")
        .run();
    assert!(bumped.read("public/launch.ics").contains("SEQUENCE:1\r\n"));
}

#[test]
fn a_moved_event_with_long_descriptions_in_json_still_stops_the_build() {
    let built = Test::new()
        .feed("launch.json", &long_texts(true, "2022-07-04T19:00", 0))
        .args(["build"])
        .run();
    age(&built.path("public"));
    let before = snapshot(&built.path("public"));
    let message = "event `launch` changed (moved: launch \"Launch\" from 2022-07-04 11:00 UTC \
                   to 2022-07-04 12:00 UTC (now ending 2022-07-04 14:00 UTC))";
    // build reads the staged calendar; build --check one rendered into a temporary file.
    let blocked = built
        .then()
        .feed("launch.json", &long_texts(true, "2022-07-04T20:00", 0))
        .args(["build"])
        .status(6)
        .stderr_contains(message)
        .stderr_contains("set `sequence = 1`")
        .stderr_contains("feeds/launch.json")
        .stderr_contains("error: the publish guard stopped the build")
        .run();
    assert!(
        snapshot(&blocked.path("public")) == before,
        "public/ changed"
    );
    let checked = blocked
        .then()
        .args(["build", "--check"])
        .status(6)
        .stderr_contains(message)
        .run();
    checked
        .then()
        .feed("launch.json", &long_texts(true, "2022-07-04T20:00", 1))
        .args(["build"])
        .stdout_contains("wrote public/launch.ics")
        .run();
}

#[test]
fn allow_unbumped_publishes_with_a_warning() {
    Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .run()
        .then()
        .feed("launch.toml", &moved(0))
        .args(["build", "--allow-unbumped"])
        .stderr_contains("warning: feeds/launch.toml: event `launch` changed")
        .stdout_contains("wrote public/launch.ics")
        .run();
}

#[test]
fn the_guard_compares_with_a_previous_file_given_explicitly() {
    let built = Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .run();
    fs::copy(built.path("public/launch.ics"), built.path("live.ics")).expect("copy");
    fs::remove_dir_all(built.path("public")).expect("clear public/");
    built
        .then()
        .feed("launch.toml", &moved(0))
        .args(["build", "--previous", "live.ics"])
        .status(6)
        .stderr_contains("(compared with live.ics)")
        .run();
}

#[test]
fn a_removed_event_warns_and_fails_only_with_strict() {
    let two = format!(
        "{MINIMAL}\n[[events]]\nid = \"keynote\"\ntitle = \"Keynote\"\nstart = \"2022-07-05T10:00\"\n"
    );
    let built = Test::new().feed("launch.toml", &two).args(["build"]).run();
    let strict = built
        .then()
        .feed("launch.toml", MINIMAL)
        .args(["build", "--strict"])
        .status(6)
        .stderr_contains("error: feeds/launch.toml: removed: keynote \"Keynote\"")
        .stderr_contains("keep the event with status = \"cancelled\"")
        .run();
    strict
        .then()
        .args(["build"])
        .stderr_contains("warning: feeds/launch.toml: removed: keynote")
        .stdout_contains("removed public/launch/keynote.ics")
        .run();
}

#[test]
fn diff_lists_what_subscribers_will_see() {
    let built = Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .run();
    fs::copy(built.path("public/launch.ics"), built.path("old.ics")).expect("copy");
    let cancelled = moved(1).replace("sequence = 1", "sequence = 1\nstatus = \"cancelled\"");
    let rebuilt = built
        .then()
        .feed("launch.toml", &cancelled)
        .args(["build"])
        .run();
    rebuilt
        .then()
        .args(["diff", "old.ics", "public/launch.ics"])
        .stdout(
            "moved: launch \"Launch\" from 2022-07-04 11:00 UTC to 2022-07-04 12:00 UTC (now ending 2022-07-04 14:00 UTC)\n\
             cancelled: launch \"Launch\"\n",
        )
        .run()
        .then()
        .args(["diff", "old.ics", "old.ics"])
        .stdout("no changes subscribers would see\n")
        .run();
}

#[test]
fn occurrences_expand_repeating_events_as_json() {
    let weekly = publication(
        r#"
        [[events]]
        id = "show"
        title = "Show"
        start = "2024-10-24T19:00"
        timezone = "America/New_York"
        duration = "1h"
        repeat = { every = "week", count = 3 }
        "#,
    );
    let ran = Test::new()
        .feed("shows.toml", &weekly)
        .args([
            "occurrences",
            "--in",
            "feeds",
            "--from",
            "2024-01-01",
            "--format",
            "json",
        ])
        .run();
    let starts: Vec<String> = ran
        .stdout
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            value["start"].as_str().expect("start").to_string()
        })
        .collect();
    // New York leaves daylight time on 3 November: the show stays at 19:00 local.
    assert_eq!(
        starts,
        [
            "2024-10-24T23:00:00Z",
            "2024-10-31T23:00:00Z",
            "2024-11-08T00:00:00Z"
        ]
    );
}

// ---- Scaffolding, completions, output formats ---------------------------------------------

#[test]
fn init_writes_an_example_that_builds_and_never_overwrites() {
    let ran = Test::new()
        .args(["init", "site"])
        .stdout_contains("wrote site/feeds/my-events.toml")
        .run();
    let example = ran.read("site/feeds/my-events.toml");
    assert!(example.contains("livestream = "), "{example}");
    assert!(example.contains("[[articles]]"), "{example}");
    let ran = ran
        .then()
        .args(["build", "--in", "site/feeds", "--out", "site/public"])
        .run();
    assert!(ran.path("site/public/my-events.ics").exists());
    ran.then()
        .args(["init", "site"])
        .status(1)
        .stderr_contains("already exists; init never overwrites")
        .run();
}

#[test]
fn new_appends_an_event_with_a_fresh_id_and_an_article() {
    let ran = Test::new()
        .feed("launch.toml", MINIMAL)
        .args([
            "new",
            "event",
            "--feed",
            "launch",
            "--title",
            "Launch",
            "--when",
            "2022-08-01T10:00",
            "--duration",
            "1h",
        ])
        .stdout_contains("added `launch-2` to feeds/launch.toml")
        .run()
        .then()
        .args([
            "new",
            "article",
            "--feed",
            "launch",
            "--title",
            "It's on!",
            "--when",
            "2022-07-01",
            "--summary",
            "Dates are set.",
        ])
        .stdout_contains("added `it-s-on` to feeds/launch.toml")
        .run();
    let data = ran.read("feeds/launch.toml");
    assert!(
        data.starts_with(MINIMAL),
        "the existing data is kept as written"
    );
    ran.then()
        .args(["check"])
        .stdout_contains("ok: 1 publication(s), 2 event(s), 1 article(s)")
        .run()
        .then()
        .args([
            "new", "event", "--feed", "launch", "--title", "Bad", "--when", "soon",
        ])
        .status(1)
        .stderr_contains("events[2].start")
        .run();
}

#[test]
fn completions_and_man_page_are_generated() {
    for (shell, marker) in [
        ("bash", "_calfeed()"),
        ("zsh", "#compdef calfeed"),
        ("fish", "complete -c calfeed"),
    ] {
        Test::new()
            .args(["completions", shell])
            .stdout_contains(marker)
            .run();
    }
    Test::new()
        .args(["man"])
        .stdout_contains(".TH calfeed 1")
        .stdout_contains("Exit codes")
        .run();
}

#[test]
fn check_prints_github_annotations() {
    let bad = with_event("start = \"2022-07-04T19:00\"\ntimezone = \"Mars/Olympus\"");
    let location = at("launch.toml", &bad, "\"Mars/Olympus\"");
    let mut parts = location.rsplitn(3, ':');
    let (column, line) = (parts.next().unwrap(), parts.next().unwrap());
    Test::new()
        .feed("launch.toml", &bad)
        .args(["check", "--format", "github"])
        .status(1)
        .stdout(&format!(
            "::error file=feeds/launch.toml,line={line},col={column},title=events[0].timezone::\
             unknown time zone \"Mars/Olympus\"; expected an IANA zone such as Asia/Shanghai or \
             Europe/London, UTC, or a fixed offset such as GMT+8 or UTC-05:30\n"
        ))
        .run();
}

#[test]
fn check_prints_json_diagnostics() {
    let bad = with_event("start = \"2022-07-04T19:00\"\ntimezone = \"Mars/Olympus\"");
    let location = at("launch.toml", &bad, "\"Mars/Olympus\"");
    let ran = Test::new()
        .feed("launch.toml", &bad)
        .args(["check", "--format", "json"])
        .status(1)
        .run();
    let value: serde_json::Value = serde_json::from_str(&ran.stdout).expect("JSON");
    let shown = format!(
        "{}:{}:{}",
        value[0]["file"].as_str().unwrap(),
        value[0]["line"],
        value[0]["column"]
    );
    assert_eq!(shown, location);
    assert_eq!(value[0]["field"], "events[0].timezone");
}

#[test]
fn quiet_prints_nothing_on_success_and_errors_without_colour_off_a_terminal() {
    Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["--quiet", "build"])
        .stdout("")
        .run();
    Test::new()
        .feed(
            "launch.toml",
            &with_event("start = \"2022-07-04T19:00\"\ntimezone = \"Mars/Olympus\""),
        )
        .args(["check"])
        .status(1)
        .stderr_lacks("\u{1b}[")
        .run();
}

#[test]
fn the_field_length_limit_is_a_flag() {
    Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["check", "--max-field-length", "5"])
        .status(1)
        .stderr_contains("is 15 bytes long, more than the limit of 5 bytes")
        .run();
}

#[test]
fn source_date_epoch_dates_a_publication_without_any_date() {
    // MINIMAL has no `updated` and no article: nothing in it says when it was revised.
    let ran = Test::new()
        .feed("launch.toml", MINIMAL)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(["build"])
        .run();
    assert!(
        ran.read("public/launch.ics")
            .contains("\r\nDTSTAMP:20231114T221320Z\r\n")
    );
    let unset = Test::new()
        .feed("launch.toml", MINIMAL)
        .args(["build"])
        .run();
    assert!(
        unset
            .read("public/launch.ics")
            .contains("\r\nDTSTAMP:19700101T000000Z\r\n")
    );
}

#[test]
fn repeat_until_is_a_date_inclusive_and_must_fit_the_event() {
    let weekly = publication(
        r#"
        [[events]]
        id = "show"
        title = "Show"
        start = "2024-10-24T19:00"
        timezone = "America/New_York"
        repeat = { every = "week", until = "2024-11-07" }
        "#,
    );
    let ran = Test::new()
        .feed("shows.toml", &weekly)
        .args(["build"])
        .run();
    // The last day ends at 23:59:59 New York time, in UTC as RFC 5545 requires.
    assert!(
        ran.read("public/shows.ics")
            .contains("\r\nRRULE:FREQ=WEEKLY;UNTIL=20241108T045959Z\r\n")
    );
    let all_day = publication(
        r#"
        [[events]]
        id = "fair"
        title = "Fair"
        start = "2024-10-24"
        repeat = { every = "week", until = "2024-11-07T10:00" }
        "#,
    );
    Test::new()
        .feed("fair.toml", &all_day)
        .args(["check"])
        .status(1)
        .stderr_contains("events[0].repeat.until: an all-day event's occurrences are dates")
        .run();
}
