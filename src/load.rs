//! Reading `feeds/*.toml` and `feeds/*.json` into validated [`Publication`]s.
//!
//! Deserialization (serde, with unknown keys denied) catches shapes and types; the checks
//! here catch everything that needs meaning: ids, zones, times, links, references. Every
//! problem becomes a [`Diagnostic`] at the file, line, column and field it comes from, and
//! all of them are collected so that one run shows every mistake.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveTime, Utc};
use serde::Deserialize;
use url::Url;

use crate::diagnostic::Diagnostic;
use crate::locate::{Format, Locator, Step, path_string};
use crate::model::{
    Article, Channel, Event, Instance, Override, Publication, Recurrence, Schedule, Status,
};
use crate::recurrence::{self, Repeat};
use crate::spill::Text;
use crate::when::{self, Moment, Zone};

/// How publications are read.
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    /// The date used where the data holds none at all.
    pub fallback_time: DateTime<Utc>,
    /// Larger files are refused before they are read.
    pub max_input_bytes: u64,
    /// Longer text fields are refused (a runaway export, a pasted binary).
    pub max_field_bytes: usize,
}

/// How many coming occurrences of a repeating event pages and feeds list.
pub const DEFAULT_UPCOMING: u16 = 5;

/// 256 MiB: a publication of 100 000 events with descriptions fits many times over.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 256 << 20;
/// 1 MiB: a long article body is a few dozen KiB.
pub const DEFAULT_MAX_FIELD_BYTES: usize = 1 << 20;

impl LoadOptions {
    /// Default limits, and `fallback_time` where the data has no date.
    pub fn at(fallback_time: DateTime<Utc>) -> Self {
        LoadOptions {
            fallback_time,
            max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
            max_field_bytes: DEFAULT_MAX_FIELD_BYTES,
        }
    }

    /// Default limits, and as fallback date `SOURCE_DATE_EPOCH` when set (the
    /// reproducible-builds.org convention), else the Unix epoch: never the wall clock,
    /// which would make every build differ.
    pub fn from_env() -> Self {
        let fallback_time = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .and_then(|secs| DateTime::from_timestamp(secs, 0))
            .unwrap_or(DateTime::UNIX_EPOCH);
        LoadOptions::at(fallback_time)
    }
}

/// A publication from TOML text, for tests; panics with the first problem.
#[cfg(test)]
pub(crate) fn test_publication(slug: &str, text: &str) -> Publication {
    parse_publication(
        slug,
        &format!("{slug}.toml"),
        text,
        Format::Toml,
        &LoadOptions::at(DateTime::UNIX_EPOCH),
    )
    .unwrap_or_else(|problems| panic!("{}", problems[0]))
}

/// A bare article date (`published = "2022-06-28"`) means noon in the channel's zone:
/// the same calendar day for readers from UTC-12 to UTC+12.
pub const ARTICLE_DEFAULT_TIME: NaiveTime = match NaiveTime::from_hms_opt(12, 0, 0) {
    Some(t) => t,
    None => unreachable!(),
};

/// The publication files of `dir`, sorted by name: `*.toml` and `*.json`.
pub fn publication_files(dir: &Path) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let entries = fs::read_dir(dir).map_err(|e| {
        vec![Diagnostic::file(
            dir.display().to_string(),
            format!("cannot read directory: {e}"),
        )]
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.is_file()
                && !path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                && matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("toml" | "json")
                )
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Loads every publication in `dir`. Either all of them are valid, or every problem found
/// in any of them is returned.
pub fn load_dir(dir: &Path, options: &LoadOptions) -> Result<Vec<Publication>, Vec<Diagnostic>> {
    let files = publication_files(dir)?;
    if files.is_empty() {
        return Err(vec![
            Diagnostic::file(
                dir.display().to_string(),
                "no publications found (expected *.toml or *.json files)",
            )
            .with_help(
                "create one with the fields described in README.md, e.g. feeds/my-events.toml",
            ),
        ]);
    }
    let mut publications = Vec::new();
    let mut loaded_from = Vec::new();
    let mut problems = Vec::new();
    for file in files {
        match load_file(&file, options) {
            Ok(publication) => {
                publications.push(publication);
                loaded_from.push(file);
            }
            Err(mut found) => problems.append(&mut found),
        }
    }
    let mut by_slug: HashMap<String, &Path> = HashMap::new();
    for (publication, file) in publications.iter().zip(&loaded_from) {
        if let Some(first) = by_slug.insert(publication.slug.to_ascii_lowercase(), file) {
            problems.push(
                Diagnostic::file(
                    file.display().to_string(),
                    format!(
                        "this publication and {}: their outputs would collide (the file names differ \
                         only in extension or case)",
                        first.display()
                    ),
                )
                .with_help("rename one of the two files"),
            );
        }
    }
    if problems.is_empty() {
        Ok(publications)
    } else {
        Err(problems)
    }
}

/// Loads one publication file; its slug is the file name without extension.
pub fn load_file(path: &Path, options: &LoadOptions) -> Result<Publication, Vec<Diagnostic>> {
    let shown = path.display().to_string();
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some("toml") => Format::Toml,
        Some("json") => Format::Json,
        _ => {
            return Err(vec![Diagnostic::file(
                shown,
                "unknown file type: publications are .toml or .json files",
            )]);
        }
    };
    // Refused before reading: a runaway export must not be read into memory whole.
    let size = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if size > options.max_input_bytes {
        return Err(vec![
            Diagnostic::file(
                shown,
                format!(
                    "file is {size} bytes, more than the limit of {} bytes",
                    options.max_input_bytes
                ),
            )
            .with_help("split the publication, or raise the limit with --max-input-size"),
        ]);
    }
    let slug = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    // The publication's large texts go to a temporary file as they are read (see
    // `spill`); it lives as long as the publication.
    let store = crate::spill::Store::new();
    if format == Format::Json && check_id(&slug).is_ok() {
        let streamed = crate::spill::with_store(store.clone(), || {
            load_json_streaming(path, &slug, &shown, options)
        });
        if let Some(publication) = streamed {
            return Ok(publication);
        }
    }
    let bytes = fs::read(path).map_err(|e| {
        vec![Diagnostic::file(
            shown.clone(),
            format!("cannot read file: {e}"),
        )]
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            // Point at the first byte that is not UTF-8, by line and column.
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let before = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let end = (valid + 1).min(bytes.len());
            return Err(vec![
                Diagnostic::at(
                    shown.clone(),
                    &before,
                    before.len()..before.len(),
                    "",
                    format!(
                        "the file is not UTF-8: byte {valid} (0x{:02X}) on line {}, column {}",
                        bytes[valid.min(end - 1)],
                        before.matches('\n').count() + 1,
                        before.rsplit('\n').next().unwrap_or("").chars().count() + 1
                    ),
                )
                .with_help("save the file as UTF-8"),
            ]);
        }
    };
    // A byte-order mark is allowed (some editors write one), and not part of the data.
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    if let Err(why) = check_id(&slug) {
        return Err(vec![
            Diagnostic::file(shown, format!("file name {slug:?} cannot be a slug: {why}"))
                .with_help(ID_HELP),
        ]);
    }
    crate::spill::with_store(store, || {
        parse_publication(&slug, &shown, &text, format, options)
    })
}

/// Valid JSON, loaded straight from the file without holding its text, one event or
/// article at a time (`json_frames`): a large input then never needs as much memory as its
/// size. `None` for anything that is not a valid
/// publication; the caller then loads the text and reports exactly what is wrong, with
/// the lines and columns that only the text can give.
fn load_json_streaming(
    path: &Path,
    slug: &str,
    shown: &str,
    options: &LoadOptions,
) -> Option<Publication> {
    use std::io::BufRead;
    let file = fs::File::open(path).ok()?;
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, file);
    // A byte-order mark is allowed, as in the text path.
    if reader.fill_buf().ok()?.starts_with("\u{feff}".as_bytes()) {
        reader.consume(3);
    }
    let framed = crate::json_frames::read::<RawChannel, RawEvent, RawArticle>(reader)?;
    let raw = RawFile {
        channel: framed.channel?,
        events: framed.events,
        articles: framed.articles,
    };
    let mut checker = Checker {
        file: shown,
        text: "",
        locator: Locator::new("", Format::Json),
        max_field_bytes: options.max_field_bytes,
        problems: Vec::new(),
    };
    let publication = checker.publication(slug, raw, options);
    checker.problems.is_empty().then_some(publication)
}

/// Parses and validates one publication from text. `file` is only used in messages.
pub fn parse_publication(
    slug: &str,
    file: &str,
    text: &str,
    format: Format,
    options: &LoadOptions,
) -> Result<Publication, Vec<Diagnostic>> {
    let locator = Locator::new(text, format);
    let raw: RawFile = match format {
        Format::Toml => toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            vec![shape_problem(
                file,
                text,
                &locator,
                span,
                e.message().trim_end(),
            )]
        })?,
        Format::Json => serde_json::from_str(text).map_err(|e| {
            let offset = offset_of(text, e.line(), e.column());
            let message = e.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m);
            vec![shape_problem(
                file,
                text,
                &locator,
                offset.saturating_sub(1)..offset,
                message,
            )]
        })?,
    };
    let mut checker = Checker {
        file,
        text,
        locator,
        max_field_bytes: options.max_field_bytes,
        problems: Vec::new(),
    };
    let publication = checker.publication(slug, raw, options);
    if checker.problems.is_empty() {
        Ok(publication)
    } else {
        Err(checker.problems)
    }
}

/// A problem the deserializer found (syntax, type, unknown or missing field), with the
/// field it concerns and, where serde's wording is obscure, plainer words.
fn shape_problem(
    file: &str,
    text: &str,
    locator: &Locator<'_>,
    span: std::ops::Range<usize>,
    message: &str,
) -> Diagnostic {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name);
    let (span, field) = match missing {
        // A missing top-level table: its place is the document, not whatever comes first.
        Some(name @ "channel") => (0..0, name.to_string()),
        Some(name) => {
            let parent = path_string(&locator.path_at(span.start));
            let field = if parent.is_empty() {
                name.to_string()
            } else {
                format!("{parent}.{name}")
            };
            (span, field)
        }
        None => (span.clone(), path_string(&locator.path_at(span.start))),
    };
    let mut problem = Diagnostic::at(file, text, span.clone(), field, message);
    if message.contains("recurse") {
        problem.message = format!("the data is nested too deeply ({message})");
        problem = problem
            .with_help("a publication is at most a few levels deep; check for runaway brackets");
    }
    if message.starts_with("duplicate key") {
        let key = text.get(span).unwrap_or("").trim();
        if !key.is_empty() {
            problem.message = format!("duplicate key `{key}`: it is given twice in the same table");
        }
    }
    if message.contains("surrogate")
        || message.contains("hex escape")
        || message.contains("unicode hexadecimal")
    {
        problem.message = format!(
            "{message}: a \\u escape in the range D800-DFFF is half of a UTF-16 surrogate pair, \
             not a character"
        );
        problem = problem
            .with_help("write the character itself, or both halves of the pair (\\ud83d\\ude00)");
    }
    problem
}

fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column).min(text.len())
}

// ---- The input as written ------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    channel: RawChannel,
    #[serde(default)]
    events: Vec<RawEvent>,
    #[serde(default)]
    articles: Vec<RawArticle>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChannel {
    title: String,
    description: String,
    link: String,
    language: String,
    timezone: String,
    author: Option<String>,
    refresh: Option<String>,
    updated: Option<TimeText>,
    #[serde(default)]
    allow_html: bool,
    upcoming: Option<u16>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    id: String,
    title: String,
    start: TimeText,
    end: Option<TimeText>,
    duration: Option<String>,
    timezone: Option<String>,
    description: Option<Large>,
    location: Option<String>,
    url: Option<String>,
    livestream: Option<String>,
    #[serde(default)]
    categories: Vec<String>,
    status: Option<RawStatus>,
    #[serde(default)]
    reminders: Vec<String>,
    image: Option<String>,
    #[serde(default)]
    sequence: u32,
    updated: Option<TimeText>,
    repeat: Option<RawRepeat>,
    rrule: Option<String>,
    #[serde(default)]
    except: Vec<TimeText>,
    #[serde(default)]
    extra: Vec<TimeText>,
    #[serde(default)]
    overrides: Vec<RawOverride>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRepeat {
    every: String,
    interval: Option<u32>,
    count: Option<u32>,
    until: Option<TimeText>,
    #[serde(default)]
    on: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    occurrence: TimeText,
    start: Option<TimeText>,
    end: Option<TimeText>,
    duration: Option<String>,
    title: Option<String>,
    description: Option<Large>,
    location: Option<String>,
    status: Option<RawStatus>,
}

/// The time fields of an event or of one of its overrides.
#[derive(Clone, Copy)]
struct Times<'a> {
    start: &'a TimeText,
    end: Option<&'a TimeText>,
    duration: Option<&'a str>,
}

impl RawStatus {
    fn model(self) -> Status {
        match self {
            RawStatus::Confirmed => Status::Confirmed,
            RawStatus::Tentative => Status::Tentative,
            RawStatus::Cancelled => Status::Cancelled,
        }
    }
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawStatus {
    Confirmed,
    Tentative,
    Cancelled,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArticle {
    id: String,
    title: String,
    published: TimeText,
    updated: Option<TimeText>,
    link: Option<String>,
    author: Option<String>,
    summary: Option<String>,
    content: Option<Large>,
    #[serde(default)]
    categories: Vec<String>,
    image: Option<String>,
    #[serde(default)]
    events: Vec<String>,
}

/// A time written as a string, or as a TOML date-time literal (`start = 2022-07-04T19:00:00`),
/// which people write just as often.
struct TimeText(String);

impl<'de> Deserialize<'de> for TimeText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimeVisitor;

        impl<'de> serde::de::Visitor<'de> for TimeVisitor {
            type Value = TimeText;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "a date or time ({})", when::MOMENT_HELP)
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<TimeText, E> {
                Ok(TimeText(text.to_string()))
            }

            // A TOML date-time literal reaches serde as a one-entry map.
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<TimeText, A::Error> {
                let datetime = toml::value::Datetime::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(TimeText(datetime.to_string()))
            }
        }

        deserializer.deserialize_any(TimeVisitor)
    }
}

// ---- Validation ----------------------------------------------------------------------

pub const ID_HELP: &str = "ids are 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-', \
                           starting with a letter or digit (they become UIDs, guids and file names)";

/// Ids become file names, UIDs and URL fragments: keep them to a set that is safe in all
/// three, on every file system.
pub fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("it is empty".into());
    }
    if id.len() > 64 {
        return Err(format!("it is {} characters long (64 at most)", id.len()));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!("{bad:?} is not allowed"));
    }
    if !id.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err("it must start with a letter or digit".into());
    }
    if id.ends_with('.') {
        return Err("it must not end with '.'".into());
    }
    let stem = id.split('.').next().unwrap_or(id).to_ascii_lowercase();
    let reserved = matches!(stem.as_str(), "con" | "prn" | "aux" | "nul")
        || ((stem.starts_with("com") || stem.starts_with("lpt"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if reserved {
        return Err(format!("{stem:?} is a reserved file name on Windows"));
    }
    Ok(())
}

/// XML 1.0 allows tab, LF and CR and nothing else below U+0020, and never U+FFFE/U+FFFF;
/// the same text goes into XML feeds, so it is checked once, here.
/// RFC 5545 TEXT also forbids DEL (U+007F), which XML allows: it is refused as well.
fn forbidden_char(text: &str) -> Option<char> {
    // By bytes, not chars (every text of the input goes through here): the forbidden
    // characters are ASCII, or U+FFFE and U+FFFF, whose UTF-8 is EF BF BE and EF BF BF.
    let bytes = text.as_bytes();
    bytes.iter().enumerate().find_map(|(i, &byte)| match byte {
        b'\t' | b'\n' | b'\r' => None,
        0..0x20 | 0x7F => Some(char::from(byte)),
        0xEF if bytes.get(i + 1) == Some(&0xBF) => match bytes.get(i + 2) {
            Some(0xBE) => Some('\u{FFFE}'),
            Some(0xBF) => Some('\u{FFFF}'),
            _ => None,
        },
        _ => None,
    })
}

/// A text field that may be large (a description, an article's Markdown): what the
/// checks need is found as it is read, and the text goes to the current `spill` store
/// at once, so the input's large texts are never all in memory.
#[derive(Clone)]
struct Large {
    text: Text,
    len: usize,
    forbidden: Option<char>,
    blank: bool,
}

impl<'de> Deserialize<'de> for Large {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(Large {
            len: text.len(),
            forbidden: forbidden_char(&text),
            blank: text.trim().is_empty(),
            text: crate::spill::put(text),
        })
    }
}

struct Checker<'a> {
    file: &'a str,
    text: &'a str,
    locator: Locator<'a>,
    max_field_bytes: usize,
    problems: Vec<Diagnostic>,
}

/// Shorthand for building field paths.
fn key(name: &str) -> Step {
    Step::Key(name.to_string())
}

impl Checker<'_> {
    fn report(&mut self, path: &[Step], message: impl Into<String>, help: Option<&str>) {
        let span = self.locator.span_of(path).unwrap_or(0..0);
        let mut diagnostic = Diagnostic::at(self.file, self.text, span, path_string(path), message);
        if let Some(help) = help {
            diagnostic = diagnostic.with_help(help);
        }
        self.problems.push(diagnostic);
    }

    /// Checks characters, and that a required field is not blank.
    fn text(&mut self, path: &[Step], value: &str, required: bool) -> String {
        self.check_text(path, value, required);
        value.to_string()
    }

    /// What [`Checker::text`] checks.
    fn check_text(&mut self, path: &[Step], value: &str, required: bool) {
        let blank = value.trim().is_empty();
        self.report_text(path, value.len(), forbidden_char(value), blank, required);
    }

    /// Reports what is wrong with a text of `len` bytes whose first forbidden character
    /// is `forbidden`.
    fn report_text(
        &mut self,
        path: &[Step],
        len: usize,
        forbidden: Option<char>,
        blank: bool,
        required: bool,
    ) {
        if required && blank {
            self.report(path, "must not be empty", None);
        }
        if len > self.max_field_bytes {
            self.report(
                path,
                format!(
                    "is {} bytes long, more than the limit of {} bytes",
                    len, self.max_field_bytes
                ),
                Some("shorten it, or raise the limit with --max-field-length"),
            );
        }
        if let Some(c) = forbidden {
            let (what, help) = if c < '\u{80}' {
                (
                    "the control character",
                    "feeds and calendars allow no control characters but tab, line feed and carriage return",
                )
            } else {
                (
                    "the noncharacter",
                    "XML 1.0 does not allow U+FFFE and U+FFFF; remove it",
                )
            };
            let note = if c < '\u{80}' {
                ""
            } else {
                ", which is not a character"
            };
            self.report(
                path,
                format!("contains {what} U+{:04X}{note}", c as u32),
                Some(help),
            );
        }
    }

    fn optional_text(&mut self, path: &[Step], value: Option<String>) -> Option<String> {
        let value = value?;
        self.check_text(path, &value, false);
        (!value.trim().is_empty()).then_some(value)
    }

    /// [`Checker::optional_text`] for a text that may be kept out of memory: it was
    /// inspected as it was read, so it is not read back.
    fn optional_large(&mut self, path: &[Step], value: Option<Large>) -> Option<Text> {
        let value = value?;
        self.report_text(path, value.len, value.forbidden, value.blank, false);
        (!value.blank).then_some(value.text)
    }

    fn list(&mut self, path: &[Step], values: Vec<String>) -> Vec<String> {
        values
            .into_iter()
            .enumerate()
            .map(|(i, value)| {
                let mut item = path.to_vec();
                item.push(Step::Index(i));
                self.text(&item, &value, true)
            })
            .collect()
    }

    /// Categories are one-line labels (in Atom they are attribute values, where a line
    /// break would silently become a space).
    fn categories(&mut self, path: &[Step], values: Vec<String>) -> Vec<String> {
        let checked = self.list(path, values);
        for (i, category) in checked.iter().enumerate() {
            if category.contains(['\n', '\r', '\t']) {
                let mut item = path.to_vec();
                item.push(Step::Index(i));
                self.report(
                    &item,
                    "a category is one line of text",
                    Some("remove the line breaks and tabs, or split it into several categories"),
                );
            }
        }
        checked
    }

    fn url(&mut self, path: &[Step], value: Option<String>) -> Option<Url> {
        let value = value?;
        match Url::parse(value.trim()) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {
                Some(url)
            }
            Ok(url) => {
                self.report(
                    path,
                    format!("{value:?} is a {}: link, not a web address", url.scheme()),
                    Some("links must be absolute http:// or https:// URLs"),
                );
                None
            }
            Err(e) => {
                self.report(
                    path,
                    format!("{value:?} is not a valid URL ({e})"),
                    Some("links must be absolute http:// or https:// URLs, e.g. https://example.org/live"),
                );
                None
            }
        }
    }

    fn id(&mut self, path: &[Step], value: &str) -> String {
        if let Err(why) = check_id(value) {
            self.report(path, format!("invalid id {value:?}: {why}"), Some(ID_HELP));
        }
        value.to_string()
    }

    fn zone(&mut self, path: &[Step], value: &str) -> Option<Zone> {
        match when::parse_zone(value) {
            Ok(zone) => Some(zone),
            Err(message) => {
                self.report(path, message, None);
                None
            }
        }
    }

    fn moment(&mut self, path: &[Step], value: &TimeText) -> Option<Moment> {
        match when::parse_moment(&value.0) {
            Ok(moment) => Some(moment),
            Err(message) => {
                self.report(path, message, None);
                None
            }
        }
    }

    /// A moment that must name an instant; a bare date means `default_time` in `zone`.
    fn instant(
        &mut self,
        path: &[Step],
        value: &TimeText,
        zone: &Zone,
        default_time: NaiveTime,
    ) -> Option<DateTime<Utc>> {
        let moment = self.moment(path, value)?;
        match moment.to_instant(zone, default_time) {
            Ok(instant) => Some(instant),
            Err(message) => {
                self.report(path, message, None);
                None
            }
        }
    }

    fn duration(&mut self, path: &[Step], value: &str) -> Option<chrono::Duration> {
        match when::parse_duration(value) {
            Ok(duration) => Some(duration),
            Err(message) => {
                self.report(path, message, None);
                None
            }
        }
    }

    fn publication(&mut self, slug: &str, raw: RawFile, options: &LoadOptions) -> Publication {
        let c = raw.channel;
        let channel_path = |name: &str| [key("channel"), key(name)];
        let zone = self
            .zone(&channel_path("timezone"), &c.timezone)
            .unwrap_or(Zone::Iana(chrono_tz::Tz::UTC));
        let channel_updated = c
            .updated
            .as_ref()
            .and_then(|t| self.instant(&channel_path("updated"), t, &zone, NaiveTime::MIN));
        let mut link = self
            .url(&channel_path("link"), Some(c.link))
            .unwrap_or_else(|| Url::parse("https://invalid.example/").expect("static URL"));
        if !link.path().ends_with('/') {
            let path = format!("{}/", link.path());
            link.set_path(&path);
        }
        let language = self.text(&channel_path("language"), &c.language, true);
        if !is_language_tag(&language) {
            self.report(
                &channel_path("language"),
                format!("{language:?} is not a language tag"),
                Some("use a BCP 47 tag such as en, en-GB or zh-Hans-CN"),
            );
        }
        let refresh = c
            .refresh
            .as_ref()
            .and_then(|r| self.duration(&channel_path("refresh"), r));
        let mut publication = Publication {
            slug: slug.to_string(),
            source: self.file.to_string(),
            channel: Channel {
                title: self.text(&channel_path("title"), &c.title, true),
                description: self.text(&channel_path("description"), &c.description, true),
                link,
                language,
                zone,
                author: self.optional_text(&channel_path("author"), c.author),
                refresh,
                updated: options.fallback_time,
                allow_html: c.allow_html,
                upcoming: c.upcoming.unwrap_or(DEFAULT_UPCOMING),
            },
            // Sized up front: a large publication's lists would otherwise be copied as
            // they double, with both copies alive at once.
            events: Vec::with_capacity(raw.events.len()),
            articles: Vec::with_capacity(raw.articles.len()),
            event_index: HashMap::new(),
        };

        let mut seen_ids: HashMap<String, Vec<Step>> =
            HashMap::with_capacity(raw.events.len() + raw.articles.len());
        let mut event_updates = Vec::with_capacity(raw.events.len());
        for (i, raw_event) in raw.events.into_iter().enumerate() {
            let base = vec![key("events"), Step::Index(i)];
            self.unique_id(&mut seen_ids, &base, &raw_event.id);
            if let Some((event, updated)) = self.event(&base, raw_event, &publication) {
                publication.events.push(event);
                event_updates.push(updated);
            }
        }
        publication.event_index = publication
            .events
            .iter()
            .enumerate()
            .map(|(i, event)| (event.id.clone(), i))
            .collect();
        for (i, raw_article) in raw.articles.into_iter().enumerate() {
            let base = vec![key("articles"), Step::Index(i)];
            self.unique_id(&mut seen_ids, &base, &raw_article.id);
            if let Some(article) = self.article(&base, raw_article, &publication) {
                publication.articles.push(article);
            }
        }
        publication
            .articles
            .sort_by(|a, b| b.published.cmp(&a.published).then_with(|| a.id.cmp(&b.id)));

        let newest = event_updates
            .iter()
            .flatten()
            .copied()
            .chain(
                publication
                    .articles
                    .iter()
                    .flat_map(|a| std::iter::once(a.published).chain(a.updated)),
            )
            .max();
        let updated = channel_updated.or(newest).unwrap_or(options.fallback_time);
        publication.channel.updated = updated;
        for (event, own) in publication.events.iter_mut().zip(event_updates) {
            event.updated = own.unwrap_or(updated);
        }
        publication
    }

    fn unique_id(&mut self, seen: &mut HashMap<String, Vec<Step>>, base: &[Step], id: &str) {
        let mut path = base.to_vec();
        path.push(key("id"));
        // Case-insensitively: the ids become file names, and two files differing only in
        // case overwrite each other on macOS and Windows.
        if let Some(first) = seen.get(&id.to_ascii_lowercase()) {
            self.report(
                &path,
                format!(
                    "duplicate id {id:?}: {} already uses it",
                    path_string(&first[..first.len() - 1])
                ),
                Some("ids must be unique within a publication (ignoring case)"),
            );
        } else {
            seen.insert(id.to_ascii_lowercase(), path);
        }
    }

    /// The event, and its own `updated` if it has one.
    fn event(
        &mut self,
        base: &[Step],
        raw: RawEvent,
        publication: &Publication,
    ) -> Option<(Event, Option<DateTime<Utc>>)> {
        let at = |name: &str| {
            let mut path = base.to_vec();
            path.push(key(name));
            path
        };
        let id = self.id(&at("id"), &raw.id);
        let title = self.text(&at("title"), &raw.title, true);
        let zone = match &raw.timezone {
            Some(name) => self.zone(&at("timezone"), name),
            None => Some(publication.channel.zone),
        };
        let schedule = self.schedule(
            base,
            Times {
                start: &raw.start,
                end: raw.end.as_ref(),
                duration: raw.duration.as_deref(),
            },
            zone,
        );
        let recurrence = schedule
            .as_ref()
            .and_then(|schedule| self.recurrence(base, &raw, schedule));
        let overrides = match &schedule {
            Some(schedule) => self.overrides(base, &raw.overrides, schedule, recurrence.as_ref()),
            None => Vec::new(),
        };
        let description = self.optional_large(&at("description"), raw.description);
        let location = self.optional_text(&at("location"), raw.location);
        let url = self.url(&at("url"), raw.url);
        let livestream = self.url(&at("livestream"), raw.livestream);
        let image = self.url(&at("image"), raw.image);
        let categories = self.categories(&at("categories"), raw.categories);
        let reminders: Vec<_> = raw
            .reminders
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let mut path = at("reminders");
                path.push(Step::Index(i));
                self.duration(&path, r)
            })
            .collect();
        let updated = match (&raw.updated, &zone) {
            (Some(t), Some(zone)) => self.instant(&at("updated"), t, zone, NaiveTime::MIN),
            _ => None,
        };
        let schedule = schedule?;
        let page = url.unwrap_or_else(|| publication.anchor_url(&id));
        Some((
            Event {
                id,
                title,
                schedule,
                description,
                location,
                page,
                livestream,
                categories,
                status: raw.status.unwrap_or(RawStatus::Confirmed).model(),
                reminders,
                image,
                sequence: raw.sequence,
                // Set once the publication's newest date is known.
                updated: DateTime::UNIX_EPOCH,
                recurrence,
                overrides,
            },
            updated,
        ))
    }

    /// `zone` is `None` when the event's zone was invalid (already reported): the times are
    /// still parsed, so that their own mistakes are reported in the same run.
    fn schedule(&mut self, base: &[Step], raw: Times<'_>, zone: Option<Zone>) -> Option<Schedule> {
        let at = |name: &str| {
            let mut path = base.to_vec();
            path.push(key(name));
            path
        };
        let start = self.moment(&at("start"), raw.start);
        let end = raw.end.map(|end| self.moment(&at("end"), end));
        let duration = raw.duration.map(|d| self.duration(&at("duration"), d));
        if raw.end.is_some() && raw.duration.is_some() {
            self.report(
                &at("duration"),
                "give either `end` or `duration`, not both",
                None,
            );
            return None;
        }
        // Every part was parsed (and its problems reported) before giving up on any.
        let (start, zone) = (start?, zone?);
        let end = match end {
            Some(end) => Some(end?),
            None => None,
        };
        let duration = match duration {
            Some(duration) => Some(duration?),
            None => None,
        };
        match start {
            Moment::Date(start) => {
                let end = match (end, duration) {
                    (Some(Moment::Date(last)), _) => {
                        if last < start {
                            self.report(
                                &at("end"),
                                format!("the event ends ({last}) before it starts ({start})"),
                                Some("for all-day events `end` is the last day, inclusive"),
                            );
                            return None;
                        }
                        last.succ_opt()?
                    }
                    (Some(_), _) => {
                        self.report(
                            &at("end"),
                            "an all-day event (its start is a date) must end on a date",
                            Some("write the last day as a date, e.g. 2022-07-05"),
                        );
                        return None;
                    }
                    (None, Some(d)) => {
                        if d.num_seconds() % 86_400 != 0 {
                            self.report(
                                &at("duration"),
                                "an all-day event lasts whole days",
                                Some("use a duration like 1d or 2d, or give `start` a time"),
                            );
                            return None;
                        }
                        start.checked_add_days(chrono::Days::new(d.num_days() as u64))?
                    }
                    (None, None) => start.succ_opt()?,
                };
                Some(Schedule::AllDay { start, end })
            }
            start_moment => {
                let start = match start_moment.to_instant(&zone, NaiveTime::MIN) {
                    Ok(t) => t,
                    Err(message) => {
                        self.report(&at("start"), message, None);
                        return None;
                    }
                };
                let end = match (end, duration) {
                    (Some(Moment::Date(_)), _) => {
                        self.report(
                            &at("end"),
                            "a timed event (its start has a time) must end at a time",
                            Some(when::MOMENT_HELP),
                        );
                        return None;
                    }
                    (Some(moment), _) => match moment.to_instant(&zone, NaiveTime::MIN) {
                        Ok(t) => Some(t),
                        Err(message) => {
                            self.report(&at("end"), message, None);
                            return None;
                        }
                    },
                    (None, Some(d)) => Some(start + d),
                    (None, None) => None,
                };
                if let Some(end) = end
                    && end < start
                {
                    self.report(
                        &at("end"),
                        format!(
                            "the event ends ({}) before it starts ({})",
                            zone.localize(end).format("%Y-%m-%dT%H:%M%:z"),
                            zone.localize(start).format("%Y-%m-%dT%H:%M%:z"),
                        ),
                        Some("`end` must not be earlier than `start`"),
                    );
                    return None;
                }
                Some(Schedule::Timed { start, end, zone })
            }
        }
    }

    /// One occurrence's start as written in `except`, `extra` or `occurrence`: a date for
    /// all-day events, a time (local to the event's zone, or an instant) for timed ones.
    fn instance(
        &mut self,
        path: &[Step],
        value: &TimeText,
        schedule: &Schedule,
    ) -> Option<Instance> {
        let moment = self.moment(path, value)?;
        match (schedule, moment) {
            (Schedule::AllDay { .. }, Moment::Date(day)) => Some(Instance::Day(day)),
            (Schedule::AllDay { .. }, _) => {
                self.report(
                    path,
                    "an all-day event's occurrences are dates",
                    Some("write the day, e.g. 2024-07-11"),
                );
                None
            }
            (Schedule::Timed { .. }, Moment::Date(_)) => {
                self.report(
                    path,
                    "a timed event's occurrences are times",
                    Some("write the start of that occurrence, e.g. 2024-07-11T19:00"),
                );
                None
            }
            (Schedule::Timed { zone, .. }, moment) => match moment.to_instant(zone, NaiveTime::MIN)
            {
                Ok(instant) => Some(Instance::Timed(instant)),
                Err(message) => {
                    self.report(path, message, None);
                    None
                }
            },
        }
    }

    fn instances(
        &mut self,
        path: &[Step],
        values: &[TimeText],
        schedule: &Schedule,
    ) -> Vec<Instance> {
        values
            .iter()
            .enumerate()
            .filter_map(|(i, value)| {
                let mut item = path.to_vec();
                item.push(Step::Index(i));
                self.instance(&item, value, schedule)
            })
            .collect()
    }

    fn recurrence(
        &mut self,
        base: &[Step],
        raw: &RawEvent,
        schedule: &Schedule,
    ) -> Option<Recurrence> {
        let at = |name: &str| {
            let mut path = base.to_vec();
            path.push(key(name));
            path
        };
        let timed_zone = match schedule {
            Schedule::Timed { zone, .. } => Some(*zone),
            Schedule::AllDay { .. } => None,
        };
        let rule = match (&raw.repeat, &raw.rrule) {
            (Some(_), Some(_)) => {
                self.report(
                    &at("rrule"),
                    "give either `repeat` or `rrule`, not both",
                    None,
                );
                None
            }
            (Some(repeat), None) => {
                let until = repeat.until.as_ref().and_then(|until| {
                    let mut path = at("repeat");
                    path.push(key("until"));
                    match self.moment(&path, until)? {
                        Moment::Date(day) => Some(Instance::Day(day)),
                        // A time: valid only for a timed event (`instance` says why not).
                        _ => self.instance(&path, until, schedule),
                    }
                });
                let friendly = Repeat {
                    every: repeat.every.clone(),
                    interval: repeat.interval,
                    count: repeat.count,
                    until,
                    on: repeat.on.clone(),
                };
                let checked = recurrence::friendly_rule(&friendly, timed_zone.as_ref())
                    .and_then(|rule| recurrence::validate_rule(&rule, schedule));
                match checked {
                    Ok(rule) => Some(rule),
                    Err(message) => {
                        self.report(&at("repeat"), message, Some(REPEAT_HELP));
                        None
                    }
                }
            }
            (None, Some(rule)) => match recurrence::validate_rule(rule, schedule) {
                Ok(rule) => Some(rule),
                Err(message) => {
                    self.report(
                        &at("rrule"),
                        message,
                        Some("an RFC 5545 RRULE value, e.g. FREQ=WEEKLY;BYDAY=TH;COUNT=8"),
                    );
                    None
                }
            },
            (None, None) => None,
        };
        let except = self.instances(&at("except"), &raw.except, schedule);
        let extra = self.instances(&at("extra"), &raw.extra, schedule);
        if rule.is_none() && raw.repeat.is_none() && raw.rrule.is_none() && !raw.except.is_empty() {
            self.report(
                &at("except"),
                "`except` needs a rule (`repeat` or `rrule`) to make exceptions to",
                None,
            );
        }
        (rule.is_some() || !extra.is_empty()).then_some(Recurrence {
            rule,
            except,
            extra,
        })
    }

    fn overrides(
        &mut self,
        base: &[Step],
        raw: &[RawOverride],
        schedule: &Schedule,
        recurrence: Option<&Recurrence>,
    ) -> Vec<Override> {
        let mut overrides: Vec<Override> = Vec::new();
        for (i, raw) in raw.iter().enumerate() {
            let mut here = base.to_vec();
            here.push(key("overrides"));
            here.push(Step::Index(i));
            let at = |name: &str| {
                let mut path = here.clone();
                path.push(key(name));
                path
            };
            let Some(occurrence) = self.instance(&at("occurrence"), &raw.occurrence, schedule)
            else {
                continue;
            };
            let Some(recurrence) = recurrence else {
                self.report(
                    &at("occurrence"),
                    "only a repeating event (with `repeat`, `rrule` or `extra`) has occurrences to override",
                    None,
                );
                continue;
            };
            if !recurrence::is_occurrence(schedule, recurrence, occurrence) {
                self.report(
                    &at("occurrence"),
                    "this is not an occurrence of the event's rule",
                    Some("write the start the rule gives that occurrence, before it moved"),
                );
                continue;
            }
            if overrides.iter().any(|o| o.occurrence == occurrence) {
                self.report(
                    &at("occurrence"),
                    "this occurrence is already overridden",
                    None,
                );
                continue;
            }
            let moved = match raw.start.as_ref() {
                Some(start) => {
                    let zone = match schedule {
                        Schedule::Timed { zone, .. } => Some(*zone),
                        Schedule::AllDay { .. } => Some(Zone::Iana(chrono_tz::Tz::UTC)),
                    };
                    let Some(moved) = self.schedule(
                        &here,
                        Times {
                            start,
                            end: raw.end.as_ref(),
                            duration: raw.duration.as_deref(),
                        },
                        zone,
                    ) else {
                        continue;
                    };
                    // Without its own end, a moved occurrence keeps the event's length.
                    match (moved, raw.end.is_none() && raw.duration.is_none(), schedule) {
                        (
                            Schedule::Timed { start, zone, .. },
                            true,
                            Schedule::Timed {
                                start: s0,
                                end: Some(e0),
                                ..
                            },
                        ) => Schedule::Timed {
                            start,
                            end: Some(start + (*e0 - *s0)),
                            zone,
                        },
                        (
                            Schedule::AllDay { start, .. },
                            true,
                            Schedule::AllDay { start: s0, end: e0 },
                        ) => Schedule::AllDay {
                            start,
                            end: start + (*e0 - *s0),
                        },
                        (moved, _, _) => moved,
                    }
                }
                None => {
                    if raw.end.is_some() || raw.duration.is_some() {
                        self.report(
                            &at("start"),
                            "an override with a new `end` or `duration` needs its `start` too",
                            None,
                        );
                        continue;
                    }
                    recurrence::shifted(schedule, occurrence)
                }
            };
            overrides.push(Override {
                occurrence,
                schedule: moved,
                title: self.optional_text(&at("title"), raw.title.clone()),
                description: self.optional_large(&at("description"), raw.description.clone()),
                location: self.optional_text(&at("location"), raw.location.clone()),
                status: raw.status.map(RawStatus::model),
            });
        }
        overrides.sort_by_key(|o| o.occurrence);
        overrides
    }

    fn article(
        &mut self,
        base: &[Step],
        raw: RawArticle,
        publication: &Publication,
    ) -> Option<Article> {
        let zone = &publication.channel.zone;
        let events = &publication.events;
        let at = |name: &str| {
            let mut path = base.to_vec();
            path.push(key(name));
            path
        };
        let id = self.id(&at("id"), &raw.id);
        let title = self.text(&at("title"), &raw.title, true);
        let updated = raw
            .updated
            .as_ref()
            .and_then(|t| self.instant(&at("updated"), t, zone, NaiveTime::MIN));
        let link = self.url(&at("link"), raw.link);
        let author = self.optional_text(&at("author"), raw.author);
        let summary = self.optional_text(&at("summary"), raw.summary);
        let content = self.optional_large(&at("content"), raw.content);
        let categories = self.categories(&at("categories"), raw.categories);
        let image = self.url(&at("image"), raw.image);
        let related = self.list(&at("events"), raw.events);
        for (i, event_id) in related.iter().enumerate() {
            if publication.event(event_id).is_none() {
                let mut path = at("events");
                path.push(Step::Index(i));
                let known: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
                let help = if known.is_empty() {
                    "this publication has no events".to_string()
                } else {
                    format!("known event ids: {}", known.join(", "))
                };
                self.report(
                    &path,
                    format!("no event has the id {event_id:?}"),
                    Some(&help),
                );
            }
        }
        let published =
            self.instant(&at("published"), &raw.published, zone, ARTICLE_DEFAULT_TIME)?;
        let link = link.unwrap_or_else(|| publication.anchor_url(&id));
        Some(Article {
            id,
            title,
            published,
            updated,
            link,
            author,
            summary,
            content,
            categories,
            image,
            events: related,
        })
    }
}

const REPEAT_HELP: &str = "e.g. repeat = { every = \"week\", on = [\"mo\", \"th\"], count = 10 } \
                           (every: day, week, month or year; optional interval, count or until, on)";

/// A loose BCP 47 check: letters, then subtags of letters and digits.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=8).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_restricted_to_a_safe_set() {
        for good in ["launch", "a", "x-1.2_b", "2022-07-04"] {
            assert!(check_id(good).is_ok(), "{good}");
        }
        for bad in [
            "", "../x", "a/b", "a b", "-x", ".x", "x.", "CON", "nul.ics", "com1", "é",
        ] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
        assert!(check_id(&"a".repeat(65)).is_err());
    }

    #[test]
    fn language_tags() {
        for good in ["en", "en-GB", "zh-Hans-CN"] {
            assert!(is_language_tag(good), "{good}");
        }
        for bad in ["", "e", "en_GB", "english language", "en-"] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    #[test]
    fn forbidden_characters() {
        assert_eq!(forbidden_char("a\u{0}b"), Some('\u{0}'));
        assert_eq!(forbidden_char("bell\u{7}"), Some('\u{7}'));
        assert_eq!(forbidden_char("x\u{FFFF}"), Some('\u{FFFF}'));
        assert_eq!(forbidden_char("del\u{7F}"), Some('\u{7F}'));
        assert_eq!(forbidden_char("tab\tnew\nline\r"), None);
    }

    #[test]
    fn forbidden_characters_by_bytes_are_those_by_chars() {
        let by_chars = |text: &str| {
            text.chars().find(|&c| {
                (c < '\u{20}' && !matches!(c, '\t' | '\n' | '\r'))
                    || matches!(c, '\u{7F}' | '\u{FFFE}' | '\u{FFFF}')
            })
        };
        let pieces = [
            "a",
            "\t",
            "\n",
            "\r",
            "\u{0}",
            "\u{1F}",
            "\u{7F}",
            "\u{80}",
            "é",
            "漢",
            "🎉",
            "\u{FFFD}",
            "\u{FFFE}",
            "\u{FFFF}",
            "\u{FEFF}",
            "\u{EFFF}",
            "\u{10FFFF}",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let text = format!("{a}{b}{c}");
                    assert_eq!(forbidden_char(&text), by_chars(&text), "{text:?}");
                }
            }
        }
    }

    // ---- JSON loaded straight from the file (`load_json_streaming`) -------------------

    use crate::spill::SPILL_AT;

    fn options() -> LoadOptions {
        LoadOptions::at(DateTime::UNIX_EPOCH)
    }

    /// `text` as a JSON string literal.
    fn json_string(text: &str) -> String {
        serde_json::to_string(text).expect("a string serializes")
    }

    /// A text over [`SPILL_AT`] bytes with what escaping and reading back can get wrong:
    /// multi-byte characters (also at the very end), CRLF and lone CR, backslashes, quotes.
    fn long(label: &str) -> String {
        let line = format!(
            "{label}: ünïcødé, 漢字 and 🎉; back\\slash \\n not a newline, \"quoted\", tab\there\r\n\
             lone CR\rend; comma, semicolon;\n"
        );
        let text = line.repeat(SPILL_AT / line.len() + 2) + "🎉";
        assert!(text.len() > SPILL_AT);
        text
    }

    /// Long Markdown, with CRLF line ends and backslash escapes.
    fn long_markdown() -> String {
        let block = "# Notes 漢字\r\n\r\nSome **bold** ünï 🎉 text, a `C:\\path\\to` and \\*no emphasis\\*.\r\n\r\n\
                     - one\n- two\n\n> quoted \"text\"\n\n";
        let text = block.repeat(SPILL_AT / block.len() + 2);
        assert!(text.len() > SPILL_AT);
        text
    }

    /// A publication as JSON whose events, overrides and articles have long texts (and
    /// short ones), some written with JSON escapes that a plain string would not use.
    fn long_json(bom: bool) -> String {
        // The same characters as escapes: é, 🎉 as a surrogate pair, an escaped slash.
        let mut escaped = json_string(&long("escapes"));
        escaped.insert_str(escaped.len() - 1, r"\u00e9\ud83c\udf89\/\\\r\n");
        format!(
            r#"{bom}{{
  "channel": {{
    "title": "Launch calendar",
    "description": "Product launches.",
    "link": "https://example.org/launch/",
    "language": "en",
    "timezone": "Asia/Shanghai"
  }},
  "events": [
    {{ "id": "launch", "title": "Launch", "start": "2022-07-04T19:00", "duration": "2h",
       "description": {launch} }},
    {{ "id": "short", "title": "Short", "start": "2022-07-05T10:00",
       "description": "A short one, ü." }},
    {{ "id": "weekly", "title": "Weekly show", "start": "2024-11-07T19:00", "duration": "1h",
       "description": {escaped},
       "repeat": {{ "every": "week", "count": 4 }},
       "overrides": [
         {{ "occurrence": "2024-11-14T19:00", "start": "2024-11-14T20:30",
            "description": {moved} }},
         {{ "occurrence": "2024-11-21T19:00", "description": "Short override." }}
       ] }}
  ],
  "articles": [
    {{ "id": "notes", "title": "Notes", "published": "2022-06-28", "content": {markdown},
       "events": ["launch", "weekly"] }},
    {{ "id": "brief", "title": "Brief", "published": "2022-06-29", "content": "Just *this*." }}
  ]
}}
"#,
            bom = if bom { "\u{feff}" } else { "" },
            launch = json_string(&long("launch")),
            moved = json_string(&long("override")),
            markdown = json_string(&long_markdown()),
        )
    }

    /// Writes `text` to `<temporary directory>/<name>`.
    fn write_temp(name: &str, text: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join(name);
        fs::write(&path, text).expect("write the publication");
        (dir, path)
    }

    /// What the text path (the reference) makes of `text`, read as `path` would be.
    fn reference(path: &Path, text: &str) -> Result<Publication, Vec<Diagnostic>> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        parse_publication(
            "launch",
            &path.display().to_string(),
            text,
            Format::Json,
            &options(),
        )
    }

    /// Everything of a publication, in an order that does not depend on hashing.
    fn shown(publication: &Publication) -> String {
        let index: std::collections::BTreeMap<_, _> = publication.event_index.iter().collect();
        format!(
            "{} {} {:?} {:?} {:?} {index:?}",
            publication.slug,
            publication.source,
            publication.channel,
            publication.events,
            publication.articles
        )
    }

    #[test]
    fn valid_json_is_streamed_to_the_same_publication_with_long_texts_spilled() {
        for bom in [false, true] {
            let text = long_json(bom);
            let (_dir, path) = write_temp("launch.json", text.as_bytes());
            let shown_path = path.display().to_string();
            // The file is valid, so it is read straight from the file, BOM or not...
            let streamed = crate::spill::with_store(crate::spill::Store::new(), || {
                load_json_streaming(&path, "launch", &shown_path, &options())
            })
            .unwrap_or_else(|| panic!("valid JSON (bom: {bom}) was not streamed"));
            let expected = reference(&path, &text).expect("valid");
            assert_eq!(shown(&streamed), shown(&expected), "bom: {bom}");
            // ...and load_file gives the same, its long texts kept in the temporary file.
            let loaded = load_file(&path, &options()).expect("valid");
            assert_eq!(shown(&loaded), shown(&expected), "bom: {bom}");
            assert_eq!(
                crate::export::render(&loaded),
                crate::export::render(&expected),
                "bom: {bom}"
            );

            let description = |p: &Publication, i: usize| p.events[i].description.clone();
            let launch = description(&loaded, 0).expect("a description");
            assert!(launch.is_spilled(), "bom: {bom}");
            assert_eq!(launch.get(), long("launch"));
            assert!(!description(&loaded, 1).expect("a description").is_spilled());
            let weekly = description(&loaded, 2).expect("a description");
            assert!(weekly.is_spilled());
            assert!(weekly.get().ends_with("🎉é🎉/\\\r\n"), "{:?}", weekly.get());
            let overrides = &loaded.events[2].overrides;
            let moved = overrides[0].description.as_ref().expect("a description");
            assert!(moved.is_spilled());
            assert_eq!(moved.get(), long("override"));
            let short = overrides[1].description.as_ref().expect("a description");
            assert!(!short.is_spilled());
            let article = |id: &str| {
                let found = loaded.articles.iter().find(|a| a.id == id).expect(id);
                found.content.clone().expect("content")
            };
            assert!(article("notes").is_spilled());
            assert_eq!(article("notes").get(), long_markdown());
            assert!(!article("brief").is_spilled());
            // The reference path, outside any store, keeps everything in memory.
            assert!(
                !expected.events[0]
                    .description
                    .as_ref()
                    .unwrap()
                    .is_spilled()
            );
        }
    }

    /// `text` must fail to load from a file exactly as it fails on the text path, at the
    /// line (1-based) where `needle` starts; the diagnostics are returned.
    fn fails_as_on_the_text_path(
        text: &str,
        options: &LoadOptions,
        needle: &str,
    ) -> Vec<Diagnostic> {
        let (_dir, path) = write_temp("launch.json", text.as_bytes());
        let shown_path = path.display().to_string();
        let streamed = crate::spill::with_store(crate::spill::Store::new(), || {
            load_json_streaming(&path, "launch", &shown_path, options)
        });
        assert!(
            streamed.is_none(),
            "invalid JSON was accepted by the streaming path"
        );
        let loaded = load_file(&path, options).expect_err("invalid");
        let stripped = text.strip_prefix('\u{feff}').unwrap_or(text);
        let expected = parse_publication("launch", &shown_path, stripped, Format::Json, options)
            .expect_err("invalid");
        assert_eq!(loaded, expected);
        let offset = stripped.find(needle).expect("the needle is in the text");
        let line = stripped[..offset].matches('\n').count() + 1;
        assert_eq!(loaded[0].line, line, "{:?}", loaded[0]);
        loaded
    }

    #[test]
    fn invalid_json_files_report_exactly_as_the_text_path_does() {
        let valid = long_json(true);

        // A syntax error after a long description: a missing comma.
        let text = valid.replacen(r#"  "repeat""#, r#"  "oops": 1 "repeat""#, 1);
        let found = fails_as_on_the_text_path(&text, &options(), r#""repeat""#);
        assert!(found[0].message.contains("expected"), "{:?}", found[0]);

        // A type error: serde_json reports the last character of the value.
        let text = valid.replacen(r#""count": 4"#, r#""count": "four""#, 1);
        let found = fails_as_on_the_text_path(&text, &options(), r#""four""#);
        assert_eq!(found[0].field, "events[2].repeat.count");

        // A semantic error: an article names an event that does not exist.
        let text = valid.replacen(r#"["launch", "weekly"]"#, r#"["launch", "nope"]"#, 1);
        let found = fails_as_on_the_text_path(&text, &options(), r#""nope""#);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].field, "articles[0].events[1]");
        let line = text[..text.find(r#""nope""#).unwrap()]
            .rsplit('\n')
            .next()
            .unwrap();
        assert_eq!(found[0].column, line.chars().count() + 1, "{:?}", found[0]);

        // A control character, escaped, in a long description: valid JSON, refused text.
        let bell = json_string(&format!("{}\u{7}", long("bell")));
        let text = valid.replacen(r#""A short one, ü.""#, &bell, 1);
        let found = fails_as_on_the_text_path(&text, &options(), &bell);
        assert_eq!(found[0].field, "events[1].description");

        // The same character unescaped: JSON itself forbids it.
        let raw = format!(
            "\"{}\u{7} and more\"",
            long("raw bell").replace(['\\', '"', '\r', '\n', '\t'], " ")
        );
        let text = valid.replacen(r#""A short one, ü.""#, &raw, 1);
        let found = fails_as_on_the_text_path(&text, &options(), &raw);
        assert!(
            found[0].message.contains("control character"),
            "{:?}",
            found[0]
        );
        let column = text[..text.find('\u{7}').unwrap()]
            .rsplit('\n')
            .next()
            .unwrap();
        assert_eq!(
            found[0].column,
            column.chars().count() + 1,
            "{:?}",
            found[0]
        );

        // Half a surrogate pair in a long description.
        let text = valid.replacen(r"\ud83c\udf89", r"\ud83c x", 1);
        let found = fails_as_on_the_text_path(&text, &options(), r"\ud83c x");
        assert!(found[0].message.contains("surrogate"), "{:?}", found[0]);

        // A long text over the field limit.
        let small = LoadOptions {
            max_field_bytes: SPILL_AT,
            ..options()
        };
        let found = fails_as_on_the_text_path(&valid, &small, r#""description": "launch:"#);
        assert!(found.len() >= 3, "{found:?}");
        assert_eq!(found[0].field, "events[0].description");
    }

    #[test]
    fn a_json_file_that_is_not_utf8_is_reported_at_its_first_bad_byte() {
        let text = long_json(false);
        let at = text.find("Short override").expect("in the fixture");
        let mut bytes = text.into_bytes();
        bytes[at] = 0xFF;
        let (_dir, path) = write_temp("launch.json", &bytes);
        let found = load_file(&path, &options()).expect_err("not UTF-8");
        let before = std::str::from_utf8(&bytes[..at]).expect("UTF-8 before");
        let line = before.matches('\n').count() + 1;
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].message.starts_with(&format!(
                "the file is not UTF-8: byte {at} (0xFF) on line {line}"
            )),
            "{:?}",
            found[0]
        );
    }
}
