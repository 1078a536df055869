//! calfeed's benchmark driver: a `harness = false` bench target, so that it is built with
//! the release profile and never becomes part of the `calfeed` binary. `bench/run.sh` drives
//! it; see `bench/README.md`.
//!
//! ```text
//! publication gen N FILE [--seed S]     write a publication of N events + N articles
//!                                       (.json or .toml, from FILE's extension)
//! publication floor INPUT OUT BYTES FILES [--fsync-each | --syncfs]
//!                                       the floor: serde_json-parse INPUT, then write BYTES
//!                                       bytes as FILES plain files under OUT (optionally
//!                                       fsync each file, or one syncfs at the end)
//! publication phases FILE [OUT]         load, render and write FILE in-process, timing
//!                                       each phase (and the peak RSS after it)
//! cargo bench --bench publication       generate N=1000 and run `phases` on it
//! ```
//!
//! The generator is deterministic: item `i` depends only on the seed and `i`, so the
//! publication of N=1000 is the first 1000 items of N=10000. Local times lie between 09:00
//! and 18:59, where no zone in the list changes its clocks, and ids are unique, so the
//! input is valid for any N.
//!
//! `phases` calls the library's public functions (load, each renderer, publish); a change
//! of their signatures has to be followed here, since `clippy --all-targets` builds this.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, Days, NaiveDate};

use calfeed::export::{self, atom, html, ics, json, markdown, rss};
use calfeed::load::Format;
use calfeed::load::{self, LoadOptions};
use calfeed::model::Schedule;
use calfeed::publish;
use calfeed::vtimezone::vtimezone_lines;
use calfeed::when::Zone;

const USAGE: &str = "usage:
  publication gen N FILE [--seed S]
  publication floor INPUT OUT_DIR BYTES FILES [--fsync-each | --syncfs]
  publication phases FILE [OUT_DIR]
  (no arguments: generate N=1000 in a temporary directory and run `phases` on it)";

fn main() -> ExitCode {
    // `cargo bench` passes `--bench` to harness-less targets.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["gen", n, file, rest @ ..] => gen_command(n, file, rest),
        ["floor", input, out, bytes, files] => floor_command(input, out, bytes, files, Sync::None),
        ["floor", input, out, bytes, files, "--fsync-each"] => {
            floor_command(input, out, bytes, files, Sync::EachFile)
        }
        ["floor", input, out, bytes, files, "--syncfs"] => {
            floor_command(input, out, bytes, files, Sync::OnceAtEnd)
        }
        ["phases", file] => phases(Path::new(file), None),
        ["phases", file, out] => phases(Path::new(file), Some(Path::new(out))),
        [] => default_run(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn bad(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.into())
}

fn parse_num<T: std::str::FromStr>(text: &str, what: &str) -> io::Result<T> {
    text.parse()
        .map_err(|_| bad(format!("{what}: {text:?} is not a number")))
}

fn gen_command(n: &str, file: &str, rest: &[&str]) -> io::Result<()> {
    let n: usize = parse_num(n, "N")?;
    let seed = match rest {
        [] => DEFAULT_SEED,
        ["--seed", s] => parse_num(s, "seed")?,
        _ => return Err(bad(USAGE)),
    };
    let path = Path::new(file);
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some("json") => Format::Json,
        Some("toml") => Format::Toml,
        _ => return Err(bad("FILE must end in .json or .toml")),
    };
    let started = Instant::now();
    let bytes = generate(n, seed, format, path)?;
    eprintln!(
        "generated {} ({n} events + {n} articles, {:.1} MB) in {:.2} s",
        path.display(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

// ---- The generator -------------------------------------------------------------------

const DEFAULT_SEED: u64 = 0x00ca_1fee_d5ee_d001;

/// SplitMix64: tiny, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn for_item(seed: u64, kind: u64, i: usize) -> Rng {
        let mut rng = Rng(seed ^ kind.wrapping_mul(0xA076_1D64_78BD_642F) ^ (i as u64));
        rng.next();
        rng
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() - 1)]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Zones events are written in: DST in both hemispheres, half- and quarter-hour offsets,
/// Lord Howe's half-hour DST, Casablanca's Ramadan switches, Dublin's negative DST,
/// zones whose rules changed within the decade (Sao Paulo, Tehran), whole-hour offsets
/// written the way people write them (`GMT+8`), one without an IANA zone (`UTC+05:30`),
/// and `None`: the channel's zone.
const ZONES: &[Option<&str>] = &[
    Some("America/New_York"),
    Some("Europe/London"),
    Some("Australia/Lord_Howe"),
    Some("Asia/Kathmandu"),
    Some("Asia/Shanghai"),
    Some("America/Sao_Paulo"),
    Some("Africa/Casablanca"),
    Some("Europe/Berlin"),
    Some("America/Los_Angeles"),
    Some("Asia/Tokyo"),
    Some("Asia/Kolkata"),
    Some("Pacific/Auckland"),
    Some("America/St_Johns"),
    Some("Pacific/Chatham"),
    Some("Europe/Dublin"),
    Some("Asia/Tehran"),
    Some("America/Santiago"),
    Some("Australia/Adelaide"),
    Some("Europe/Moscow"),
    Some("America/Mexico_City"),
    Some("UTC"),
    Some("GMT+8"),
    Some("UTC-05:00"),
    Some("UTC+05:30"),
    None,
    None,
];

const WORDS: &[&str] = &[
    "calendar",
    "launch",
    "livestream",
    "keynote",
    "workshop",
    "release",
    "Zeitzone",
    "événement",
    "naïve",
    "café",
    "São Paulo",
    "Kathmandu",
    "日程",
    "東京",
    "発表会",
    "新品",
    "Москва",
    "встреча",
    "Ελληνικά",
    "עברית",
    "العربية",
    "हिन्दी",
    "한국어",
    "🎉",
    "🚀",
    "ﬁne",
    "Ünïcödé",
    "daylight-saving",
    "reminder",
    "subscribe",
    "feed",
    "update",
    "agenda",
    "speaker",
    "panel",
    "demo",
    "Q&A",
    "R&D",
    "a < b",
    "x > y",
    "\"quoted\"",
    "it's",
    "back\\slash",
    "semi;colon",
    "com,ma",
    "colon: here",
];

const TITLE_HEADS: &[&str] = &[
    "Launch; big, day",
    "Keynote — 基調講演",
    "Q&A: \"live\" with the team",
    "Café & Bühne: Lesung",
    "Встреча разработчиков",
    "Product update 🚀",
    "Workshop <b>not HTML</b>",
    "Rückblick, Ausblick; Diskussion",
    "حدث مباشر",
    "सम्मेलन",
    "Release party \\o/",
    "Panel: time zones, DST & you",
];

const CATEGORIES: &[&str] = &[
    "Talks, panels",
    "Q&A; live",
    "Música",
    "技术",
    "Launch event",
    "Rock'n'roll",
    "Community",
    "Livestream",
    "Ελληνικά",
    "News",
    "Back\\slash",
    "Smartphones",
];

const REMINDERS: &[&str] = &["10m", "1h", "1d", "PT30M", "2h", "1w"];

const DURATIONS: &[&str] = &["1h", "90m", "2h", "1h30m", "PT3H", "45m", "PT2H30M"];

const AUTHORS: &[&str] = &[
    "Ana Lúcia",
    "李雷",
    "Jürgen Groß",
    "Zoë O'Brien",
    "Аня",
    "desk, team; night",
];

/// Up to `most` distinct categories.
fn categories(rng: &mut Rng, most: usize) -> Vec<String> {
    let mut chosen: Vec<String> = Vec::new();
    for _ in 0..rng.range(0, most) {
        let name = rng.pick(CATEGORIES).to_string();
        if !chosen.contains(&name) {
            chosen.push(name);
        }
    }
    chosen
}

fn words(rng: &mut Rng, count: usize) -> String {
    let mut out = String::new();
    for k in 0..count {
        if k > 0 {
            out.push(' ');
        }
        out.push_str(rng.pick::<&str>(WORDS));
    }
    out
}

fn sentence(rng: &mut Rng) -> String {
    let count = rng.range(6, 14);
    let mut s = words(rng, count);
    if let Some(first) = s.get(..1) {
        let upper = first.to_uppercase();
        s.replace_range(..1, &upper);
    }
    s.push_str(rng.pick::<&str>(&[".", ".", "!", "?", ";", ","]));
    s
}

/// Plain text with the characters iCalendar and XML must escape: commas, semicolons,
/// backslashes, quotes, newlines (one in ten bodies with CRLF), `<` and `&`.
fn description(rng: &mut Rng, target: usize) -> String {
    let newline = if rng.chance(10) { "\r\n" } else { "\n" };
    let mut out = String::new();
    while out.len() < target {
        if !out.is_empty() {
            out.push_str(if rng.chance(60) { newline } else { " " });
            if rng.chance(30) {
                out.push_str(newline);
            }
        }
        out.push_str(&sentence(rng));
    }
    out
}

/// 1-5 KB of Markdown: headings, emphasis, links (absolute, relative, to drop), lists,
/// code, tables, quotes, footnotes, raw HTML (escaped by calfeed) and unicode.
fn markdown_body(rng: &mut Rng, i: usize) -> String {
    let target = rng.range(1000, 4600);
    let mut out = String::with_capacity(target + 512);
    let mut footnotes = 0;
    while out.len() < target {
        match rng.range(0, 11) {
            0 => {
                let level = "#".repeat(rng.range(1, 3));
                let _ = writeln!(out, "{level} {}\n", words(rng, 3));
            }
            1..=4 => {
                let mut paragraph = String::new();
                for _ in 0..rng.range(2, 5) {
                    let s = sentence(rng);
                    match rng.range(0, 9) {
                        0 => {
                            let _ = write!(paragraph, "**{}** ", s.trim_end_matches(['.', ',']));
                        }
                        1 => {
                            let _ = write!(paragraph, "*{}* ", s.trim_end_matches(['.', ',']));
                        }
                        2 => {
                            let _ = write!(paragraph, "[{}](/news/{i}/more.html) ", words(rng, 2));
                        }
                        3 => {
                            let _ = write!(
                                paragraph,
                                "[{}](https://example.com/a?b=1&c=2#{i}) ",
                                words(rng, 2)
                            );
                        }
                        4 => {
                            let _ = write!(paragraph, "`code {}` ", rng.next() % 1000);
                        }
                        5 => {
                            let _ = write!(paragraph, "~~{}~~ ", words(rng, 2));
                        }
                        6 => {
                            footnotes += 1;
                            let _ = write!(paragraph, "{s}[^{footnotes}] ");
                        }
                        7 => paragraph.push_str("<b>raw</b> & <script>x</script> "),
                        _ => {
                            paragraph.push_str(&s);
                            paragraph.push(' ');
                        }
                    }
                }
                out.push_str(paragraph.trim_end());
                out.push_str("\n\n");
            }
            5 | 6 => {
                let ordered = rng.chance(40);
                for k in 1..=rng.range(3, 6) {
                    if ordered {
                        let _ = writeln!(out, "{k}. {}", sentence(rng));
                    } else {
                        let _ = writeln!(out, "- {}", sentence(rng));
                    }
                }
                out.push('\n');
            }
            7 => {
                let _ = writeln!(
                    out,
                    "```rust\nfn main() {{\n    println!(\"{} ]]> <tag>\");\n}}\n```\n",
                    rng.next() % 100_000
                );
            }
            8 => {
                out.push_str("| zone | offset | note |\n|---|---|---|\n");
                for _ in 0..rng.range(2, 4) {
                    let zone = rng.pick(ZONES).unwrap_or("channel");
                    let _ = writeln!(
                        out,
                        "| {zone} | +{:02}:00 | {} |",
                        rng.range(0, 14),
                        words(rng, 2)
                    );
                }
                out.push('\n');
            }
            9 => {
                let _ = writeln!(out, "> {}\n> {}\n", sentence(rng), sentence(rng));
            }
            10 => {
                let _ = writeln!(out, "![{}](img/{i}.png)\n", words(rng, 1));
            }
            _ => {
                let _ = writeln!(
                    out,
                    "[bad link](javascript:alert({i})) and {}\n",
                    sentence(rng)
                );
            }
        }
    }
    for k in 1..=footnotes {
        let _ = writeln!(out, "[^{k}]: {}", sentence(rng));
    }
    out
}

enum Value {
    Str(String),
    List(Vec<String>),
    Int(u32),
}

type Record = Vec<(&'static str, Value)>;

fn s(text: impl Into<String>) -> Value {
    Value::Str(text.into())
}

const FIRST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2020, 1, 1) {
    Some(d) => d,
    None => unreachable!(),
};
/// Ten years: 2020-01-01 to 2029-12-31.
const DAYS: usize = 3652;

fn event_day(seed: u64, i: usize) -> NaiveDate {
    let mut rng = Rng::for_item(seed, 3, i);
    FIRST_DAY + Days::new(rng.range(0, DAYS - 1) as u64)
}

fn event_id(i: usize) -> String {
    format!(
        "ev{i:06}-{}",
        ["launch", "talk", "demo", "meetup", "panel"][i % 5]
    )
}

fn event(seed: u64, i: usize) -> Record {
    let mut rng = Rng::for_item(seed, 1, i);
    let day = event_day(seed, i);
    let mut r: Record = vec![
        ("id", s(event_id(i))),
        (
            "title",
            s(format!(
                "{} #{i}: {}",
                rng.pick(TITLE_HEADS),
                words(&mut rng, 2)
            )),
        ),
    ];
    if rng.chance(10) {
        // All day: one day, or a few, by end (inclusive) or duration.
        r.push(("start", s(day.to_string())));
        match rng.range(0, 2) {
            0 => {}
            1 => r.push((
                "end",
                s((day + Days::new(rng.range(0, 3) as u64)).to_string()),
            )),
            _ => r.push(("duration", s(format!("{}d", rng.range(1, 4))))),
        }
    } else {
        let zone = *rng.pick(ZONES);
        let (hour, minute) = (rng.range(9, 17), 15 * rng.range(0, 3));
        let local = format!("{day}T{hour:02}:{minute:02}");
        let kind = rng.range(0, 9);
        match kind {
            // An instant with an offset or in UTC, shown in the event's zone.
            0 => r.push(("start", s(format!("{local}:00Z")))),
            1 => r.push(("start", s(format!("{local}:00+05:45")))),
            _ => r.push(("start", s(local))),
        }
        // A local end only after a local start: an instant's wall-clock day may differ.
        if kind > 1 && rng.chance(20) {
            let end_hour = rng.range(hour + 1, 18);
            r.push(("end", s(format!("{day}T{end_hour:02}:{minute:02}"))));
        } else if rng.chance(95) {
            r.push(("duration", s(*rng.pick(DURATIONS))));
        }
        if let Some(zone) = zone {
            r.push(("timezone", s(zone)));
        }
    }
    let target = rng.range(300, 1500);
    r.push(("description", s(description(&mut rng, target))));
    if rng.chance(70) {
        r.push((
            "location",
            s(format!(
                "Hall {}, Floor {}; {}",
                i % 7,
                i % 3,
                words(&mut rng, 2)
            )),
        ));
    }
    if rng.chance(30) {
        r.push((
            "url",
            s(format!("https://events.example.com/e/{i}?ref=feed&x=1")),
        ));
    }
    if rng.chance(50) {
        r.push((
            "livestream",
            s(format!("https://live.example.com/watch?v={i:08x}")),
        ));
    }
    let categories = categories(&mut rng, 4);
    if !categories.is_empty() {
        r.push(("categories", Value::List(categories)));
    }
    match rng.range(0, 19) {
        0 => r.push(("status", s("cancelled"))),
        1 | 2 => r.push(("status", s("tentative"))),
        3 => r.push(("status", s("confirmed"))),
        _ => {}
    }
    // Distinct reminders: each alarm's UID is made of the event id and its duration.
    let first = rng.range(0, REMINDERS.len() - 1);
    let reminders: Vec<String> = (0..rng.range(0, 3))
        .map(|k| REMINDERS[(first + k) % REMINDERS.len()].to_string())
        .collect();
    if !reminders.is_empty() {
        r.push(("reminders", Value::List(reminders)));
    }
    if rng.chance(20) {
        r.push(("image", s(format!("https://img.example.com/{i}.jpg"))));
    }
    if rng.chance(30) {
        r.push(("sequence", Value::Int(rng.range(1, 5) as u32)));
    }
    if rng.chance(40) {
        let before = day - Days::new(rng.range(1, 60) as u64);
        r.push(("updated", s(format!("{before}T08:30:00Z"))));
    }
    r
}

fn article(seed: u64, i: usize) -> Record {
    let mut rng = Rng::for_item(seed, 2, i);
    let day = event_day(seed, i) - Days::new(rng.range(1, 45) as u64);
    let mut r: Record = vec![
        ("id", s(format!("ar{i:06}-news"))),
        (
            "title",
            s(format!(
                "{} — {} #{i}",
                sentence(&mut rng),
                words(&mut rng, 2)
            )),
        ),
    ];
    let published = match rng.range(0, 2) {
        0 => day.to_string(),
        1 => format!("{day}T{:02}:{:02}:00Z", rng.range(0, 23), rng.range(0, 59)),
        _ => format!("{day}T{:02}:30:00+05:45", rng.range(0, 23)),
    };
    r.push(("published", s(published)));
    if rng.chance(30) {
        r.push(("updated", s(format!("{}T06:00:00Z", day + Days::new(1)))));
    }
    if rng.chance(20) {
        r.push((
            "link",
            s(format!("https://news.example.com/{}/{i}/", day.year())),
        ));
    }
    if rng.chance(60) {
        r.push(("author", s(*rng.pick(AUTHORS))));
    }
    let target = rng.range(200, 600);
    r.push(("summary", s(description(&mut rng, target))));
    r.push(("content", s(markdown_body(&mut rng, i))));
    let categories = categories(&mut rng, 3);
    if !categories.is_empty() {
        r.push(("categories", Value::List(categories)));
    }
    if rng.chance(15) {
        r.push(("image", s(format!("https://img.example.com/a/{i}.png"))));
    }
    // Every article announces its own event; one in five also mentions an earlier one
    // (earlier, so that item i does not depend on N).
    let mut events = vec![event_id(i)];
    if rng.chance(20) && i > 0 {
        events.push(event_id(rng.range(0, i - 1)));
    }
    r.push(("events", Value::List(events)));
    r
}

fn channel() -> Record {
    vec![
        ("title", s("calfeed benchmark: events, talks & news — 基準")),
        (
            "description",
            s("A generated publication; every event has its zone, reminders and an article."),
        ),
        ("link", s("https://bench.calfeed.example.org/")),
        ("language", s("en")),
        ("timezone", s("Europe/Berlin")),
        ("author", s("calfeed bench desk")),
        ("refresh", s("1h")),
        ("updated", s("2030-01-01T00:00:00Z")),
    ]
}

/// A JSON string literal; also a valid TOML basic string (same escapes).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

fn value_text(value: &Value) -> String {
    match value {
        Value::Str(text) => quoted(text),
        Value::Int(n) => n.to_string(),
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(|t| quoted(t)).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

fn write_json_record(out: &mut impl Write, record: &Record, indent: &str) -> io::Result<()> {
    writeln!(out, "{{")?;
    for (k, (name, value)) in record.iter().enumerate() {
        let comma = if k + 1 < record.len() { "," } else { "" };
        writeln!(out, "{indent}  \"{name}\": {}{comma}", value_text(value))?;
    }
    write!(out, "{indent}}}")
}

fn write_toml_record(out: &mut impl Write, header: &str, record: &Record) -> io::Result<()> {
    writeln!(out, "{header}")?;
    for (name, value) in record {
        writeln!(out, "{name} = {}", value_text(value))?;
    }
    writeln!(out)
}

/// Writes the publication to `path`; returns its size in bytes.
fn generate(n: usize, seed: u64, format: Format, path: &Path) -> io::Result<u64> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let mut out = BufWriter::with_capacity(1 << 20, fs::File::create(path)?);
    match format {
        Format::Json => {
            write!(out, "{{\n  \"channel\": ")?;
            write_json_record(&mut out, &channel(), "  ")?;
            write!(out, ",\n  \"events\": [")?;
            for i in 0..n {
                write!(out, "{}\n    ", if i == 0 { "" } else { "," })?;
                write_json_record(&mut out, &event(seed, i), "    ")?;
            }
            write!(out, "\n  ],\n  \"articles\": [")?;
            for i in 0..n {
                write!(out, "{}\n    ", if i == 0 { "" } else { "," })?;
                write_json_record(&mut out, &article(seed, i), "    ")?;
            }
            writeln!(out, "\n  ]\n}}")?;
        }
        Format::Toml => {
            writeln!(
                out,
                "# Generated by benches/publication.rs (seed {seed}, N = {n}).\n"
            )?;
            write_toml_record(&mut out, "[channel]", &channel())?;
            for i in 0..n {
                write_toml_record(&mut out, "[[events]]", &event(seed, i))?;
            }
            for i in 0..n {
                write_toml_record(&mut out, "[[articles]]", &article(seed, i))?;
            }
        }
    }
    let file = out.into_inner().map_err(|e| e.into_error())?;
    Ok(file.metadata()?.len())
}

// ---- The floor -----------------------------------------------------------------------

/// How the floor makes its files durable.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sync {
    /// Not at all: the page cache writes them back later (the floor proper).
    None,
    /// `fsync` each file after writing it, as `calfeed build` does today.
    EachFile,
    /// One `syncfs` of the output's file system after all files are written (`sync -f`).
    OnceAtEnd,
}

/// What any tool must at least do: parse the same JSON, and write as many bytes in as many
/// files as calfeed does (plain writes: no temporary files, no rename; fsync as `sync` says).
fn floor_command(input: &str, out: &str, bytes: &str, files: &str, sync: Sync) -> io::Result<()> {
    let bytes: usize = parse_num(bytes, "BYTES")?;
    let files: usize = parse_num::<usize>(files, "FILES")?.max(1);
    let started = Instant::now();
    let text = fs::read_to_string(input)?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("{input}: {e}")))?;
    drop(text);
    let parsed = started.elapsed();
    // Bytes derived from the parsed data, repeated up to the size of calfeed's output.
    let mut data = serde_json::to_vec(&value).map_err(io::Error::other)?;
    drop(value);
    if data.is_empty() {
        data.push(b'\n');
    }
    let out = Path::new(out);
    fs::create_dir_all(out.join("d"))?;
    // One file holds half the bytes (calfeed's feeds are a few large files), the rest are
    // spread evenly over the others (the one-event files).
    let big = if files > 1 { bytes / 2 } else { bytes };
    let small = if files > 1 {
        (bytes - big) / (files - 1)
    } else {
        0
    };
    let mut offset = 0usize;
    let mut chunk = |len: usize| -> Vec<u8> {
        let mut v = Vec::with_capacity(len);
        while v.len() < len {
            let take = (len - v.len()).min(data.len() - offset);
            v.extend_from_slice(&data[offset..offset + take]);
            offset = (offset + take) % data.len();
        }
        v
    };
    let write = |path: PathBuf, contents: Vec<u8>| -> io::Result<()> {
        let mut file = fs::File::create(path)?;
        file.write_all(&contents)?;
        if sync == Sync::EachFile {
            file.sync_all()?;
        }
        Ok(())
    };
    write(out.join("big.out"), chunk(big))?;
    for k in 1..files {
        write(out.join("d").join(format!("{k}.out")), chunk(small))?;
    }
    if sync == Sync::OnceAtEnd {
        let status = std::process::Command::new("sync")
            .arg("-f")
            .arg(out)
            .status()?;
        if !status.success() {
            return Err(io::Error::other("sync -f failed"));
        }
    }
    eprintln!(
        "floor: parsed in {:.3} s, wrote {bytes} bytes in {files} files, {:.3} s in all",
        parsed.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

// ---- In-process phases -----------------------------------------------------------------

/// Peak resident set size so far, from /proc (Linux); 0 elsewhere.
fn peak_rss_mib() -> f64 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

struct Phases {
    rows: Vec<(String, Duration, f64, bool)>,
}

impl Phases {
    /// Times `f`; `part` says whether the phase is a step of the real build (summed into
    /// the total) or a measurement of a piece of one (shown, not summed).
    fn time<T>(&mut self, name: &str, part: bool, f: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let value = f();
        let elapsed = started.elapsed();
        self.rows
            .push((name.to_string(), elapsed, peak_rss_mib(), part));
        value
    }

    fn print(&self) {
        let total: Duration = self.rows.iter().filter(|r| r.3).map(|r| r.1).sum();
        println!(
            "{:<46} {:>10} {:>7} {:>14}",
            "phase", "ms", "%", "peak RSS MiB"
        );
        for (name, elapsed, rss, part) in &self.rows {
            let ms = elapsed.as_secs_f64() * 1e3;
            let share = 100.0 * elapsed.as_secs_f64() / total.as_secs_f64().max(1e-9);
            let name = if *part {
                name.clone()
            } else {
                format!("  · {name}")
            };
            println!("{name:<46} {ms:>10.1} {share:>6.1}% {rss:>14.1}");
        }
        println!(
            "{:<46} {:>10.1} {:>6.1}%",
            "total (build steps)",
            total.as_secs_f64() * 1e3,
            100.0
        );
        println!(
            "(rows marked · time a piece of the work, or a rebuild, on their own: not summed)"
        );
    }
}

/// Loads, renders and writes one publication as `calfeed build` does, one phase at a time,
/// and times pieces of the work (Markdown alone, VTIMEZONEs alone) for comparison.
fn phases(file: &Path, out: Option<&Path>) -> io::Result<()> {
    let format = match file.extension().and_then(|e| e.to_str()) {
        Some("json") => Format::Json,
        Some("toml") => Format::Toml,
        _ => return Err(bad("FILE must end in .json or .toml")),
    };
    let slug = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let shown = file.display().to_string();
    let mut p = Phases { rows: Vec::new() };

    let text = p.time("read input", true, || fs::read_to_string(file))?;
    let options = LoadOptions::at(DateTime::UNIX_EPOCH);
    let publication = p
        .time("parse + validate (load::parse_publication)", true, || {
            load::parse_publication(&slug, &shown, &text, format, &options)
        })
        .map_err(|problems| {
            bad(format!(
                "{shown}: {} problem(s): {}",
                problems.len(),
                problems[0]
            ))
        })?;
    p.time("syntax only: serde_json/toml to a Value", false, || {
        match format {
            Format::Json => drop(serde_json::from_str::<serde_json::Value>(&text)),
            Format::Toml => drop(toml::from_str::<toml::Table>(&text)),
        };
    });
    drop(text);
    let pubs = std::slice::from_ref(&publication);

    let mut outputs = Vec::new();
    let mut add = |name: String, contents: String| {
        outputs.push(export::Output {
            path: PathBuf::from(name),
            contents: contents.into_bytes(),
        })
    };
    let shared = p.time("render Markdown bodies (shared)", true, || {
        export::Shared::new(&publication)
    });
    add(
        format!("{slug}.ics"),
        p.time("render calendar .ics", true, || ics::calendar(&shared)),
    );
    add(
        format!("{slug}.xml"),
        p.time("render RSS .xml", true, || rss::feed(&shared)),
    );
    add(
        format!("{slug}.atom"),
        p.time("render Atom .atom", true, || atom::feed(&shared)),
    );
    add(
        format!("{slug}.json"),
        p.time("render JSON Feed .json", true, || json::feed(&shared)),
    );
    add(
        format!("{slug}/index.html"),
        p.time("render publication page", true, || {
            let mut page = Vec::new();
            html::write_publication_page(&shared, &mut page).expect("writing to memory");
            String::from_utf8(page).expect("UTF-8")
        }),
    );
    let singles = p.time("render one-event .ics files", true, || {
        publication
            .events
            .iter()
            .map(|event| {
                (
                    export::single_event_file(&publication, event),
                    ics::single_event(&shared, event),
                )
            })
            .collect::<Vec<_>>()
    });
    for (name, contents) in singles {
        add(name, contents);
    }
    add(
        "index.html".into(),
        p.time("render index page", true, || html::index_page(pubs)),
    );

    p.time("Markdown to HTML, every article once", false, || {
        for article in &publication.articles {
            if let Some(content) = &article.content {
                std::hint::black_box(markdown::to_html(
                    &content.get(),
                    &article.link,
                    publication.channel.allow_html,
                    None,
                ));
            }
        }
    });
    p.time(
        "VTIMEZONE per timed event (as one-event files)",
        false,
        || {
            for event in &publication.events {
                if let Schedule::Timed {
                    start,
                    zone: Zone::Iana(tz),
                    ..
                } = event.schedule
                {
                    let year = start.with_timezone(&tz).year();
                    std::hint::black_box(vtimezone_lines(tz, year, year));
                }
            }
        },
    );

    let total_bytes: usize = outputs.iter().map(|o| o.contents.len()).sum();
    let temp;
    let out = match out {
        Some(out) => out,
        None => {
            temp = tempfile::tempdir()?;
            temp.path()
        }
    };
    if out.exists() {
        fs::remove_dir_all(out)?;
    }
    p.time("write all (fresh directory)", true, || {
        publish::write_all(out, &outputs)
    })?;
    p.time("rebuild: write all again, nothing changed", false, || {
        publish::write_all(out, &outputs)
    })?;
    let files = outputs.len();
    drop(outputs);
    p.time("export::render_all (the build's own call)", false, || {
        std::hint::black_box(export::render_all(pubs).len())
    });
    println!(
        "{}: {} events, {} articles -> {} files, {:.1} MB",
        file.display(),
        publication.events.len(),
        publication.articles.len(),
        files,
        total_bytes as f64 / 1e6
    );
    p.print();
    Ok(())
}

/// `cargo bench --bench publication`: a quick look at N=1000 without the shell script.
fn default_run() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("bench-1000.json");
    generate(1000, DEFAULT_SEED, Format::Json, &file)?;
    phases(&file, Some(&dir.path().join("out")))
}
