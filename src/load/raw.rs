//! The input as written: the serde types a publication file deserializes into, before any
//! check. Deserialization (serde, unknown keys denied) catches shapes and types; meaning is
//! checked later, by the `Checker`.
//!
//! It also owns how large texts leave memory while a file is read: [`FileSeed`] and
//! [`Spilling`] hand each event and article, as soon as it is read, to the loader's
//! [`Store`], which keeps its large texts in a temporary file.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::model::Status;
use crate::spill::{Store, Text};
use crate::when;

/// A whole publication file. It is read through [`FileSeed`] (so that each event's and
/// article's large texts can be moved out of memory as it is read), which deserializes it
/// exactly as `#[derive(Deserialize)]` with `deny_unknown_fields` would, `events` and
/// `articles` defaulting to empty.
pub(super) struct RawFile {
    pub(super) channel: RawChannel,
    pub(super) events: Vec<RawEvent>,
    pub(super) articles: Vec<RawArticle>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawChannel {
    pub(super) title: String,
    pub(super) description: String,
    pub(super) link: String,
    pub(super) language: String,
    pub(super) timezone: String,
    pub(super) author: Option<String>,
    pub(super) refresh: Option<String>,
    pub(super) updated: Option<TimeText>,
    #[serde(default)]
    pub(super) allow_html: bool,
    pub(super) upcoming: Option<u16>,
    pub(super) feed_items: Option<u64>,
    pub(super) calendar_events: Option<u64>,
    pub(super) calendar_bytes: Option<u64>,
    #[serde(default)]
    pub(super) accept_limits: Vec<String>,
    pub(super) by_category: Option<RawByCategory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawByCategory {
    #[serde(default)]
    pub(super) only: Vec<String>,
    pub(super) feed_items: Option<u64>,
    pub(super) calendar_events: Option<u64>,
    pub(super) calendar_bytes: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEvent {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) start: TimeText,
    pub(super) end: Option<TimeText>,
    pub(super) duration: Option<String>,
    pub(super) timezone: Option<String>,
    pub(super) description: Option<Large>,
    pub(super) location: Option<String>,
    pub(super) url: Option<String>,
    pub(super) livestream: Option<String>,
    #[serde(default)]
    pub(super) categories: Vec<String>,
    pub(super) status: Option<RawStatus>,
    #[serde(default)]
    pub(super) reminders: Vec<String>,
    pub(super) image: Option<String>,
    #[serde(default)]
    pub(super) sequence: u32,
    pub(super) updated: Option<TimeText>,
    pub(super) repeat: Option<RawRepeat>,
    pub(super) rrule: Option<String>,
    #[serde(default)]
    pub(super) except: Vec<TimeText>,
    #[serde(default)]
    pub(super) extra: Vec<TimeText>,
    #[serde(default)]
    pub(super) overrides: Vec<RawOverride>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRepeat {
    pub(super) every: String,
    pub(super) interval: Option<u32>,
    pub(super) count: Option<u32>,
    pub(super) until: Option<TimeText>,
    #[serde(default)]
    pub(super) on: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOverride {
    pub(super) occurrence: TimeText,
    pub(super) start: Option<TimeText>,
    pub(super) end: Option<TimeText>,
    pub(super) duration: Option<String>,
    pub(super) title: Option<String>,
    pub(super) description: Option<Large>,
    pub(super) location: Option<String>,
    pub(super) status: Option<RawStatus>,
}

/// The time fields of an event or of one of its overrides.
#[derive(Clone, Copy)]
pub(super) struct Times<'a> {
    pub(super) start: &'a TimeText,
    pub(super) end: Option<&'a TimeText>,
    pub(super) duration: Option<&'a str>,
}

impl RawStatus {
    pub(super) fn model(self) -> Status {
        match self {
            RawStatus::Confirmed => Status::Confirmed,
            RawStatus::Tentative => Status::Tentative,
            RawStatus::Cancelled => Status::Cancelled,
        }
    }
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawStatus {
    Confirmed,
    Tentative,
    Cancelled,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawArticle {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) published: TimeText,
    pub(super) updated: Option<TimeText>,
    pub(super) link: Option<String>,
    pub(super) author: Option<String>,
    pub(super) summary: Option<String>,
    pub(super) content: Option<Large>,
    #[serde(default)]
    pub(super) categories: Vec<String>,
    pub(super) image: Option<String>,
    #[serde(default)]
    pub(super) events: Vec<String>,
    pub(super) language: Option<String>,
}

/// A time written as a string, or as a TOML date-time literal (`start = 2022-07-04T19:00:00`),
/// which people write just as often.
pub(super) struct TimeText(pub(super) String);

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

/// XML 1.0 allows tab, LF and CR and nothing else below U+0020, and never U+FFFE/U+FFFF;
/// the same text goes into XML feeds, so it is checked once, as the input is read.
/// RFC 5545 TEXT also forbids DEL (U+007F), which XML allows: it is refused as well.
pub(super) fn forbidden_char(text: &str) -> Option<char> {
    // By bytes, not chars (every text of the input goes through here): the forbidden
    // characters are ASCII, or U+FFFE and U+FFFF, whose UTF-8 is EF BF BE and EF BF BF.
    let bytes = text.as_bytes();
    let at = |i: usize| match bytes[i] {
        b'\t' | b'\n' | b'\r' => None,
        byte @ (0..0x20 | 0x7F) => Some(char::from(byte)),
        0xEF if bytes.get(i + 1) == Some(&0xBF) => match bytes.get(i + 2) {
            Some(0xBE) => Some('\u{FFFE}'),
            Some(0xBF) => Some('\u{FFFF}'),
            _ => None,
        },
        _ => None,
    };
    // Eight bytes at a time, looked at one by one only when one of them may be forbidden
    // (a control character, tab and newlines included, DEL, or the EF that starts U+FFFE
    // and U+FFFF): large texts are mostly neither.
    let mut start = 0;
    while let Some(word) = bytes.get(start..start + 8) {
        let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        if suspect(word)
            && let Some(forbidden) = (start..start + 8).find_map(at)
        {
            return Some(forbidden);
        }
        start += 8;
    }
    (start..bytes.len()).find_map(at)
}

/// Whether one of the eight bytes of `word` is below 0x20, 0x7F or 0xEF. Never false when
/// one is: `(x - n * 0x01..01) & !x` sets a byte's high bit when some byte of `x` is
/// below `n` (n <= 0x80), and none when no byte is; a byte equal to `c` is a zero byte of
/// `word ^ c * 0x01..01`.
fn suspect(word: u64) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGHS != 0;
    below(word, 0x20) || below(word ^ (ONES * 0x7F), 1) || below(word ^ (ONES * 0xEF), 1)
}

/// A text field that may be large (a description, an article's Markdown): what the
/// checks need is found as it is read, and the text goes to the loader's `spill` store
/// as soon as the event or article it is in has been read ([`Spill`]), so the input's
/// large texts are never all in memory.
#[derive(Clone)]
pub(super) struct Large {
    pub(super) text: Text,
    pub(super) len: usize,
    pub(super) forbidden: Option<char>,
    pub(super) blank: bool,
}

impl<'de> Deserialize<'de> for Large {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(Large {
            len: text.len(),
            forbidden: forbidden_char(&text),
            blank: text.trim().is_empty(),
            text: Text::from(text),
        })
    }
}

// ---- Moving large texts out of memory as they are read --------------------------------

/// A value whose large texts can be moved to a [`Store`].
pub(super) trait Spill {
    fn spill(&mut self, store: &Arc<Store>);
}

impl Spill for Large {
    fn spill(&mut self, store: &Arc<Store>) {
        self.text.spill_to(store);
    }
}

impl<T: Spill> Spill for Option<T> {
    fn spill(&mut self, store: &Arc<Store>) {
        if let Some(value) = self {
            value.spill(store);
        }
    }
}

impl Spill for RawEvent {
    fn spill(&mut self, store: &Arc<Store>) {
        self.description.spill(store);
        for o in &mut self.overrides {
            o.description.spill(store);
        }
    }
}

impl Spill for RawArticle {
    fn spill(&mut self, store: &Arc<Store>) {
        self.content.spill(store);
    }
}

/// Deserializes a `T` as its `Deserialize` does, then moves its large texts to the store
/// (when there is one): a whole file's are then never in memory at once.
pub(super) struct Spilling<'s, T> {
    store: Option<&'s Arc<Store>>,
    value: PhantomData<fn() -> T>,
}

impl<'s, T> Spilling<'s, T> {
    pub(super) fn to(store: Option<&'s Arc<Store>>) -> Self {
        Spilling {
            store,
            value: PhantomData,
        }
    }
}

// By hand: derived, they would require `T: Clone`/`T: Copy`.
impl<T> Clone for Spilling<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Spilling<'_, T> {}

impl<'de, T: Deserialize<'de> + Spill> DeserializeSeed<'de> for Spilling<'_, T> {
    type Value = T;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        let mut value = T::deserialize(deserializer)?;
        if let Some(store) = self.store {
            value.spill(store);
        }
        Ok(value)
    }
}

/// A list of `T`, each item through [`Spilling`] as soon as it is read; otherwise what
/// `Vec<T>`'s `Deserialize` does (its messages included).
struct SpillingList<'s, T>(Spilling<'s, T>);

impl<'de, T: Deserialize<'de> + Spill> DeserializeSeed<'de> for SpillingList<'_, T> {
    type Value = Vec<T>;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Vec<T>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de> + Spill> Visitor<'de> for SpillingList<'_, T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Vec<T>, S::Error> {
        // As serde does: trust a length hint only up to 1 MiB of items.
        let most = (1 << 20) / std::mem::size_of::<T>().max(1);
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(most));
        while let Some(item) = seq.next_element_seed(self.0)? {
            items.push(item);
        }
        Ok(items)
    }
}

/// Reads a [`RawFile`], its events' and articles' large texts going to `store`.
#[derive(Clone, Copy)]
pub(super) struct FileSeed<'s> {
    pub(super) store: Option<&'s Arc<Store>>,
}

/// The fields of a [`RawFile`], in the order serde's messages list them.
const FILE_FIELDS: &[&str] = &["channel", "events", "articles"];

/// A key of a [`RawFile`]; any other is refused as `deny_unknown_fields` would.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum FileField {
    Channel,
    Events,
    Articles,
}

impl<'de> DeserializeSeed<'de> for FileSeed<'_> {
    type Value = RawFile;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<RawFile, D::Error> {
        deserializer.deserialize_struct("RawFile", FILE_FIELDS, self)
    }
}

impl<'de> Visitor<'de> for FileSeed<'_> {
    type Value = RawFile;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("struct RawFile")
    }

    /// A struct written as a list (`[channel, events, articles]`), which serde's derive
    /// accepts too.
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<RawFile, S::Error> {
        let channel = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &"struct RawFile with 3 elements"))?;
        let events = seq.next_element_seed(SpillingList(Spilling::to(self.store)))?;
        let articles = seq.next_element_seed(SpillingList(Spilling::to(self.store)))?;
        Ok(RawFile {
            channel,
            events: events.unwrap_or_default(),
            articles: articles.unwrap_or_default(),
        })
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<RawFile, M::Error> {
        let mut channel = None;
        let mut events = None;
        let mut articles = None;
        while let Some(key) = map.next_key()? {
            match key {
                FileField::Channel => {
                    if channel.is_some() {
                        return Err(de::Error::duplicate_field("channel"));
                    }
                    channel = Some(map.next_value()?);
                }
                FileField::Events => {
                    if events.is_some() {
                        return Err(de::Error::duplicate_field("events"));
                    }
                    events = Some(map.next_value_seed(SpillingList(Spilling::to(self.store)))?);
                }
                FileField::Articles => {
                    if articles.is_some() {
                        return Err(de::Error::duplicate_field("articles"));
                    }
                    articles = Some(map.next_value_seed(SpillingList(Spilling::to(self.store)))?);
                }
            }
        }
        Ok(RawFile {
            channel: channel.ok_or_else(|| de::Error::missing_field("channel"))?,
            events: events.unwrap_or_default(),
            articles: articles.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // At every position around and across the eight bytes looked at together.
        for fill in ["a", "é", "漢", "\t", "\u{FEFF}"] {
            for a in pieces {
                for b in pieces {
                    for before in 0..18 {
                        let text = format!("{}{a}{b}{}", fill.repeat(before), fill.repeat(9));
                        assert_eq!(forbidden_char(&text), by_chars(&text), "{text:?}");
                    }
                }
            }
        }
    }
}
