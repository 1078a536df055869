//! Reading `feeds/*.toml` and `feeds/*.json` into validated [`Publication`]s.
//!
//! Deserialization (serde, with unknown keys denied) catches shapes and types; the checks
//! catch everything that needs meaning: ids, zones, times, links, references. Every
//! problem becomes a [`Diagnostic`] at the file, line, column and field it comes from, and
//! all of them are collected so that one run shows every mistake.
//!
//! This module owns finding the publication files, the options they are read with, and
//! the entry points ([`load_dir`], [`load_file`], [`parse_publication`]), with the
//! messages of files that cannot be read or deserialized. The rest, one job each:
//!
//! - `raw`: the input as written (the serde types), and moving large texts out of memory
//!   as they are read;
//! - `path`: the field path every problem is reported at; `locate`: where a path is
//!   written in the file;
//! - `check`: the checks of single fields; `events`: events, schedules and recurrence;
//!   `publication`: the channel, articles and references between items;
//! - `json_frames`: reading valid JSON one event or article at a time; `stream`: loading
//!   it so, each item checked on the thread that read it;
//! - `notes`: warnings about what is valid but probably not meant.

mod check;
mod events;
mod json_frames;
mod locate;
mod notes;
mod path;
mod publication;
mod raw;
mod stream;
#[cfg(test)]
pub(crate) mod tests;

use std::collections::HashMap;
use std::fs;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::de::DeserializeSeed;

use self::check::Checker;
pub use self::check::{ID_HELP, check_id};
pub use self::locate::Format;
use self::locate::Locator;
pub use self::notes::warnings;
pub use self::publication::{ARTICLE_DEFAULT_TIME, DEFAULT_UPCOMING};
use self::raw::{FileSeed, RawFile};
use self::stream::load_json_streaming;
use crate::diagnostic::Diagnostic;
use crate::model::Publication;
pub use crate::spill::SPILL_AT;
use crate::spill::Store;

/// How publications are read.
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    /// The date used where the data holds none at all.
    pub fallback_time: DateTime<Utc>,
    /// The moment "upcoming" is judged from (which events the calendar must keep, which
    /// occurrences pages list): `--as-of`, else `SOURCE_DATE_EPOCH`; `None` takes each
    /// publication's `updated`. Never the wall clock, so a build is reproducible.
    pub reference: Option<DateTime<Utc>>,
    /// Larger files are refused before they are read.
    pub max_input_bytes: u64,
    /// Longer text fields are refused (a runaway export, a pasted binary).
    pub max_field_bytes: usize,
}

/// 256 MiB: a publication of 100 000 events with descriptions fits many times over.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 256 << 20;
/// 1 MiB: a long article body is a few dozen KiB.
pub const DEFAULT_MAX_FIELD_BYTES: usize = 1 << 20;

impl LoadOptions {
    /// Default limits, and `fallback_time` where the data has no date.
    pub fn at(fallback_time: DateTime<Utc>) -> Self {
        LoadOptions {
            fallback_time,
            reference: None,
            max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
            max_field_bytes: DEFAULT_MAX_FIELD_BYTES,
        }
    }

    /// Default limits, and as fallback date `SOURCE_DATE_EPOCH` when set (the
    /// reproducible-builds.org convention), else the Unix epoch: never the wall clock,
    /// which would make every build differ.
    /// It is also the reference date for "upcoming", when set.
    pub fn from_env() -> Self {
        let source_date = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .and_then(|secs| DateTime::from_timestamp(secs, 0));
        LoadOptions {
            reference: source_date,
            ..LoadOptions::at(source_date.unwrap_or(DateTime::UNIX_EPOCH))
        }
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
    load_opened(
        files.into_iter().map(|path| {
            let opened = fs::File::open(&path);
            (path, opened)
        }),
        options,
    )
}

/// Loads the publications of `files`, each opened already (or not, as the error says) and
/// named by its path (for messages; its name without extension is the slug), as
/// [`load_dir`] loads a folder's: a file need not be where its name says (`calfeed serve`
/// loads the copy it keeps of the last good input this way).
pub fn load_opened(
    files: impl IntoIterator<Item = (PathBuf, std::io::Result<fs::File>)>,
    options: &LoadOptions,
) -> Result<Vec<Publication>, Vec<Diagnostic>> {
    let mut publications = Vec::new();
    let mut loaded_from = Vec::new();
    let mut problems = Vec::new();
    for (file, opened) in files {
        match load_one(&file, opened, options) {
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
    load_one(path, fs::File::open(path), options)
}

/// [`load_file`] of the file `opened` from `path`.
fn load_one(
    path: &Path,
    opened: std::io::Result<fs::File>,
    options: &LoadOptions,
) -> Result<Publication, Vec<Diagnostic>> {
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
    // Refused before reading: a runaway export must not be read into memory whole. And
    // while reading: the limit holds for the bytes actually read, so a file swapped for a
    // larger one after its size was looked at (or one whose size the file system does not
    // know, as in /proc) is refused all the same. The file is opened once, and its size
    // is that of the open file.
    let limit = options.max_input_bytes;
    let too_large = |size: Option<u64>| {
        let size = match size {
            Some(size) => format!("file is {size} bytes"),
            None => "file holds more bytes than its size said".to_string(),
        };
        vec![
            Diagnostic::file(
                shown.clone(),
                format!("{size}, more than the limit of {limit} bytes"),
            )
            .with_help("split the publication, or raise the limit with --max-input-size"),
        ]
    };
    let cannot_read = |e: std::io::Error| {
        vec![Diagnostic::file(
            shown.clone(),
            format!("cannot read file: {e}"),
        )]
    };
    let file = opened.map_err(cannot_read)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > limit {
        return Err(too_large(Some(size)));
    }
    let slug = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    // The publication's large texts go to a temporary file as they are read (see
    // `spill`); it lives as long as the publication.
    let store = Store::new();
    if format == Format::Json && check_id(&slug).is_ok() {
        let mut reader =
            std::io::BufReader::with_capacity(64 * 1024, (&file).take(limit.saturating_add(1)));
        let streamed = load_json_streaming(&mut reader, &slug, &shown, options, store.as_ref());
        if reader.get_ref().limit() == 0 {
            return Err(too_large(None));
        }
        if let Some(publication) = streamed {
            return Ok(publication);
        }
        (&file)
            .seek(std::io::SeekFrom::Start(0))
            .map_err(cannot_read)?;
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    (&file)
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(None));
    }
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
    parse_text(&slug, &shown, &text, format, options, store.as_ref())
}

/// Parses and validates one publication from text. `file` is only used in messages.
pub fn parse_publication(
    slug: &str,
    file: &str,
    text: &str,
    format: Format,
    options: &LoadOptions,
) -> Result<Publication, Vec<Diagnostic>> {
    parse_text(slug, file, text, format, options, None)
}

/// [`parse_publication`], large texts going to `store`.
fn parse_text(
    slug: &str,
    file: &str,
    text: &str,
    format: Format,
    options: &LoadOptions,
    store: Option<&Arc<Store>>,
) -> Result<Publication, Vec<Diagnostic>> {
    let locator = Locator::new(text, format);
    let seed = FileSeed { store };
    // What `toml::from_str` and `serde_json::from_str` do, through the seed.
    let raw: RawFile = match format {
        Format::Toml => toml::Deserializer::parse(text)
            .and_then(|deserializer| seed.deserialize(deserializer))
            .map_err(|e| {
                let span = e.span().unwrap_or(0..0);
                vec![shape_problem(
                    file,
                    text,
                    &locator,
                    span,
                    e.message().trim_end(),
                )]
            })?,
        Format::Json => {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            seed.deserialize(&mut deserializer)
                .and_then(|raw| deserializer.end().map(|()| raw))
                .map_err(|e| {
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
                })?
        }
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
            let parent = locator.path_at(span.start).to_string();
            let field = if parent.is_empty() {
                name.to_string()
            } else {
                format!("{parent}.{name}")
            };
            (span, field)
        }
        None => (span.clone(), locator.path_at(span.start).to_string()),
    };
    if locator.format() == Format::Toml
        && (message.contains("missing comma between array elements")
            || message.contains("expected `,`"))
        && let Some((end, opener)) = locate::unclosed_toml_array(text, span.start)
    {
        let field = locate::toml_key_on_line(text, opener).to_string();
        return Diagnostic::at(
            file,
            text,
            end..end,
            field,
            "this list is not closed: expected `]` after its last item",
        )
        .with_help("end the list with `]` (or, if it goes on, put a `,` after this item)");
    }
    // serde_json points at the closing quote of an unknown key: show the whole key.
    let span = match (locator.format(), text.get(span.clone())) {
        (Format::Json, Some("\"")) if message.starts_with("unknown field") => text[..span.start]
            .rfind('"')
            .map_or(span.clone(), |open| open..span.end),
        _ => span,
    };
    let mut problem = Diagnostic::at(file, text, span.clone(), field, message);
    if let Some(meant) = near_miss(message) {
        problem.message = meant;
    }
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

/// serde's `unknown field `x`, expected one of `a`, `b`, ...` (or `unknown variant`) as
/// `unknown field `x`; did you mean `a`?` when one of the expected names is close to it;
/// `None` when none is (the whole list then says what is valid).
fn near_miss(message: &str) -> Option<String> {
    let (what, rest) = ["unknown field `", "unknown variant `"]
        .iter()
        .find_map(|prefix| Some((*prefix, message.strip_prefix(prefix)?)))?;
    let (given, expected) = rest.split_once("`, expected ")?;
    let names = expected.split('`').skip(1).step_by(2);
    let meant = crate::diagnostic::did_you_mean(given, names)?;
    Some(format!("{what}{given}`; did you mean `{meant}`?"))
}

fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column).min(text.len())
}
