//! The checks of single fields, each reporting at a [`FieldPath`]: texts (characters,
//! length, blank), lists, categories, links, ids, zones, times and durations. The
//! [`Checker`] that carries what every check reports into is defined here.

use chrono::{DateTime, NaiveTime, Utc};
use url::Url;

use super::locate::Locator;
use super::path::FieldPath;
use super::raw::{Large, TimeText, forbidden_char};
use crate::diagnostic::Diagnostic;
use crate::spill::Text;
use crate::when::{self, Moment, Zone};

/// What an id may be, the help given with every problem of one.
pub const ID_HELP: &str = "ids are 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-', \
                           starting with a letter or digit (they become UIDs, guids and file names)";

/// The help given with a line break in a one-line field.
const ONE_LINE_HELP: &str = "calendar apps and feed readers show this field on one line, and \
                             some drop an item with a line break in it; join the lines";

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

/// Checks one publication's raw input and builds its model, collecting every problem
/// found. The checks of single fields are here; those of events, schedules and
/// recurrence are in `events`, and those of the channel, the articles and the
/// references between items in `publication`.
pub(super) struct Checker<'a> {
    /// The file, as messages name it.
    pub(super) file: &'a str,
    /// Its text, for line and column (empty when the file was streamed: it is then valid
    /// JSON and nothing is reported).
    pub(super) text: &'a str,
    pub(super) locator: Locator<'a>,
    pub(super) max_field_bytes: usize,
    pub(super) problems: Vec<Diagnostic>,
}

impl Checker<'_> {
    pub(super) fn report(
        &mut self,
        path: &FieldPath,
        message: impl Into<String>,
        help: Option<&str>,
    ) {
        let span = self.locator.span_of(path).unwrap_or(0..0);
        let mut diagnostic = Diagnostic::at(self.file, self.text, span, path.to_string(), message);
        if let Some(help) = help {
            diagnostic = diagnostic.with_help(help);
        }
        self.problems.push(diagnostic);
    }

    /// Checks characters, and that a required field is not blank.
    pub(super) fn text(&mut self, path: &FieldPath, value: &str, required: bool) -> String {
        self.check_text(path, value, required);
        value.to_string()
    }

    /// What [`Checker::text`] checks.
    pub(super) fn check_text(&mut self, path: &FieldPath, value: &str, required: bool) {
        let blank = value.trim().is_empty();
        self.report_text(path, value.len(), forbidden_char(value), blank, required);
    }

    /// Reports what is wrong with a text of `len` bytes whose first forbidden character
    /// is `forbidden`.
    pub(super) fn report_text(
        &mut self,
        path: &FieldPath,
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

    /// [`Checker::text`] for a one-line field (a title, a location, an author): a line
    /// break is refused, since calendars and feeds show such fields on one line, each
    /// client mangling a break its own way (calcurse drops the whole event).
    pub(super) fn line(&mut self, path: &FieldPath, value: &str, required: bool) -> String {
        self.check_one_line(path, value);
        self.text(path, value, required)
    }

    /// [`Checker::optional_text`] for a one-line field.
    pub(super) fn optional_line(
        &mut self,
        path: &FieldPath,
        value: Option<String>,
    ) -> Option<String> {
        if let Some(value) = &value {
            self.check_one_line(path, value);
        }
        self.optional_text(path, value)
    }

    fn check_one_line(&mut self, path: &FieldPath, value: &str) {
        if value.contains(['\n', '\r']) {
            self.report(
                path,
                "must be one line of text, without line breaks",
                Some(ONE_LINE_HELP),
            );
        }
    }

    pub(super) fn optional_text(
        &mut self,
        path: &FieldPath,
        value: Option<String>,
    ) -> Option<String> {
        let value = value?;
        self.check_text(path, &value, false);
        (!value.trim().is_empty()).then_some(value)
    }

    /// [`Checker::optional_text`] for a text that may be kept out of memory: it was
    /// inspected as it was read, so it is not read back.
    pub(super) fn optional_large(
        &mut self,
        path: &FieldPath,
        value: Option<Large>,
    ) -> Option<Text> {
        let value = value?;
        self.report_text(path, value.len, value.forbidden, value.blank, false);
        (!value.blank).then_some(value.text)
    }

    pub(super) fn list(&mut self, path: &FieldPath, values: Vec<String>) -> Vec<String> {
        values
            .into_iter()
            .enumerate()
            .map(|(i, value)| self.text(&path.index(i), &value, true))
            .collect()
    }

    /// Categories are one-line labels (in Atom they are attribute values, where a line
    /// break would silently become a space).
    pub(super) fn categories(&mut self, path: &FieldPath, values: Vec<String>) -> Vec<String> {
        let checked = self.list(path, values);
        for (i, category) in checked.iter().enumerate() {
            if category.contains(['\n', '\r', '\t']) {
                self.report(
                    &path.index(i),
                    "a category is one line of text",
                    Some("remove the line breaks and tabs, or split it into several categories"),
                );
            }
        }
        checked
    }

    pub(super) fn url(&mut self, path: &FieldPath, value: Option<String>) -> Option<Url> {
        let value = value?;
        // The URL parser would silently drop a line break inside the link.
        if value.trim().contains(['\n', '\r']) {
            self.check_one_line(path, value.trim());
            return None;
        }
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

    pub(super) fn id(&mut self, path: &FieldPath, value: &str) -> String {
        if let Err(why) = check_id(value) {
            self.report(path, format!("invalid id {value:?}: {why}"), Some(ID_HELP));
        } else if value.eq_ignore_ascii_case("index") {
            // An event's or article's page is `<slug>/<id>.html`.
            self.report(
                path,
                format!("invalid id {value:?}: <slug>/index.html is the publication's page"),
                Some("choose another id for this event or article"),
            );
        }
        value.to_string()
    }

    pub(super) fn zone(&mut self, path: &FieldPath, value: &str) -> Option<Zone> {
        match when::parse_zone(value) {
            Ok(zone) => Some(zone),
            Err(message) => {
                self.report(path, message, None);
                None
            }
        }
    }

    pub(super) fn moment(&mut self, path: &FieldPath, value: &TimeText) -> Option<Moment> {
        match when::parse_moment(&value.0) {
            Ok(moment) => Some(moment),
            Err(message) => {
                self.report(path, message, None);
                None
            }
        }
    }

    /// A moment that must name an instant; a bare date means `default_time` in `zone`.
    pub(super) fn instant(
        &mut self,
        path: &FieldPath,
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

    pub(super) fn duration(&mut self, path: &FieldPath, value: &str) -> Option<chrono::Duration> {
        match when::parse_duration(value) {
            Ok(duration) => Some(duration),
            Err(message) => {
                self.report(path, message, None);
                None
            }
        }
    }
}

/// A loose BCP 47 check: a language of 2 or 3 letters (ISO 639; `x` for private use),
/// then subtags of 1 to 8 letters and digits. A word such as `English` is not one.
pub(super) fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    let private = primary.eq_ignore_ascii_case("x") && tag.len() > 2;
    ((2..=3).contains(&primary.len()) || private)
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Language names people write instead of a tag, and the tag meant (lower case; English
/// names and the languages' own).
const LANGUAGE_NAMES: &[(&str, &str)] = &[
    ("english", "en"),
    ("british english", "en-GB"),
    ("american english", "en-US"),
    ("chinese", "zh"),
    ("mandarin", "zh"),
    ("simplified chinese", "zh-Hans"),
    ("traditional chinese", "zh-Hant"),
    ("中文", "zh"),
    ("简体中文", "zh-Hans"),
    ("繁體中文", "zh-Hant"),
    ("cantonese", "yue"),
    ("french", "fr"),
    ("français", "fr"),
    ("german", "de"),
    ("deutsch", "de"),
    ("spanish", "es"),
    ("español", "es"),
    ("japanese", "ja"),
    ("日本語", "ja"),
    ("korean", "ko"),
    ("한국어", "ko"),
    ("portuguese", "pt"),
    ("português", "pt"),
    ("russian", "ru"),
    ("русский", "ru"),
    ("italian", "it"),
    ("italiano", "it"),
    ("dutch", "nl"),
    ("nederlands", "nl"),
    ("arabic", "ar"),
    ("hindi", "hi"),
    ("swedish", "sv"),
    ("svenska", "sv"),
    ("polish", "pl"),
    ("polski", "pl"),
    ("turkish", "tr"),
    ("türkçe", "tr"),
    ("vietnamese", "vi"),
    ("tiếng việt", "vi"),
    ("indonesian", "id"),
    ("thai", "th"),
    ("greek", "el"),
    ("hebrew", "he"),
    ("danish", "da"),
    ("dansk", "da"),
    ("finnish", "fi"),
    ("suomi", "fi"),
    ("norwegian", "nb"),
    ("norsk", "nb"),
    ("czech", "cs"),
    ("čeština", "cs"),
    ("ukrainian", "uk"),
    ("українська", "uk"),
    ("hungarian", "hu"),
    ("magyar", "hu"),
    ("romanian", "ro"),
    ("malay", "ms"),
    ("persian", "fa"),
    ("farsi", "fa"),
    ("bengali", "bn"),
    ("catalan", "ca"),
    ("català", "ca"),
    ("urdu", "ur"),
    ("tamil", "ta"),
    ("swahili", "sw"),
];

/// The tag most likely meant by a value that is not one: a language's name, or a tag
/// written with `_` (`en_GB`).
fn meant_language(value: &str) -> Option<String> {
    let lower = value.trim().to_lowercase();
    if let Some((_, tag)) = LANGUAGE_NAMES.iter().find(|(name, _)| *name == lower) {
        return Some((*tag).to_string());
    }
    let dashed = value.trim().replace('_', "-");
    is_language_tag(&dashed).then_some(dashed)
}

impl Checker<'_> {
    /// A language tag (the channel's, or an article's own).
    pub(super) fn language(&mut self, path: &FieldPath, value: &str) -> String {
        let language = self.text(path, value, true);
        if !language.trim().is_empty() && !is_language_tag(&language) {
            let help = match meant_language(&language) {
                Some(tag) => {
                    format!("did you mean {tag:?}? (a BCP 47 tag such as en, en-GB or zh-Hans-CN)")
                }
                None => "use a BCP 47 tag such as en, en-GB or zh-Hans-CN".to_string(),
            };
            self.report(
                path,
                format!("{language:?} is not a language tag"),
                Some(&help),
            );
        }
        language
    }
}

impl Checker<'_> {
    /// `accept_limits`: ids of rows of the limits table.
    pub(super) fn accept_limits(&mut self, path: &FieldPath, ids: Vec<String>) -> Vec<String> {
        let ids = self.list(path, ids);
        for (i, id) in ids.iter().enumerate() {
            if crate::limits::limit(id).is_none() {
                let known = crate::limits::LIMITS.iter().map(|limit| limit.id);
                let help = crate::diagnostic::candidates_help(id, "limit ids", known);
                self.report(
                    &path.index(i),
                    format!("no client limit has the id {id:?}"),
                    Some(&help),
                );
            }
        }
        ids
    }
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
        for good in ["en", "en-GB", "zh-Hans-CN", "yue", "es-419", "x-klingon"] {
            assert!(is_language_tag(good), "{good}");
        }
        for bad in [
            "",
            "e",
            "x",
            "en_GB",
            "english language",
            "en-",
            "English",
            "Chinese",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
        assert_eq!(meant_language("English").as_deref(), Some("en"));
        assert_eq!(meant_language("简体中文").as_deref(), Some("zh-Hans"));
        assert_eq!(meant_language("zh_CN").as_deref(), Some("zh-CN"));
        assert_eq!(meant_language("Klingon"), None);
    }
}
