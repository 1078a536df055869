//! Valid JSON loaded straight from the file, without holding its text (`json_frames`),
//! each event and article checked on the thread that read it.
//!
//! The channel is checked as soon as it is read. When it comes before the items (as
//! publications are usually written), each event and article is then checked right after
//! it is deserialized, on the threads that deserialize them, while the file is still being
//! read: what checking an item needs of the channel (its zone, its link) is known by then.
//! The checks between items (unique ids, the events an article names, dates, categories)
//! are made once all are read, on one thread, in the file's order, as the text path makes
//! them. Items read before the channel are checked there too.
//!
//! Nothing is reported here: any problem makes the whole `None`, and the caller reads the
//! file as text, where the same checks report it with its line and column. So an item
//! checked early is checked without the path of its field (which only a report needs).

use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

use serde::Deserialize;
use serde::de::{DeserializeSeed, Error as _};

use super::LoadOptions;
use super::check::Checker;
use super::json_frames;
use super::locate::{Format, Locator};
use super::path::FieldPath;
use super::publication::{CheckedEvent, Item, Shell};
use super::raw::{RawArticle, RawChannel, RawEvent, Spill, Spilling};
use crate::model::{Article, Publication};
use crate::spill::Store;

/// Valid JSON, loaded straight from the file without holding its text, one event or
/// article at a time (`json_frames`): a large input then never needs as much memory as its
/// size. `None` for anything that is not a valid
/// publication; the caller then loads the text and reports exactly what is wrong, with
/// the lines and columns that only the text can give. Large texts go to `store`.
pub(super) fn load_json_streaming(
    mut reader: impl std::io::BufRead,
    slug: &str,
    shown: &str,
    options: &LoadOptions,
    store: Option<&Arc<Store>>,
) -> Option<Publication> {
    // A byte-order mark is allowed, as in the text path.
    if reader.fill_buf().ok()?.starts_with("\u{feff}".as_bytes()) {
        reader.consume(3);
    }
    let context = Context {
        slug,
        file: shown,
        options,
        store,
        shell: OnceLock::new(),
    };
    let framed = json_frames::read(
        reader,
        ChannelSeed(&context),
        ItemSeed::<RawEvent>::new(&context),
        ItemSeed::<RawArticle>::new(&context),
    )?;
    framed.channel?;
    let shell = context.shell.into_inner()?;
    let mut checker = checker(shown, options);
    let publication = checker.items(
        shell,
        framed.events.into_iter(),
        framed.articles.into_iter(),
        options,
    );
    checker.problems.is_empty().then_some(publication)
}

/// What the seeds share while a file is read.
struct Context<'a> {
    slug: &'a str,
    file: &'a str,
    options: &'a LoadOptions,
    store: Option<&'a Arc<Store>>,
    /// The channel checked, once it is read (and valid).
    shell: OnceLock<Shell>,
}

/// A checker for a file streamed: it has no text, and its reports are only counted.
fn checker<'a>(file: &'a str, options: &LoadOptions) -> Checker<'a> {
    Checker {
        file,
        text: "",
        locator: Locator::new("", Format::Json),
        max_field_bytes: options.max_field_bytes,
        problems: Vec::new(),
    }
}

/// Reads the channel and checks it, keeping it for the items read after it; an invalid
/// channel is an error.
struct ChannelSeed<'c, 'a>(&'c Context<'a>);

impl<'de> DeserializeSeed<'de> for ChannelSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let raw = RawChannel::deserialize(deserializer)?;
        let context = self.0;
        let mut checker = checker(context.file, context.options);
        let shell = checker.channel(context.slug, raw, context.options);
        if !checker.problems.is_empty() {
            return Err(D::Error::custom("the channel is not valid"));
        }
        context
            .shell
            .set(shell)
            .map_err(|_| D::Error::custom("a second channel"))
    }
}

/// An event or an article as read, and its checks.
trait Check: Sized {
    type Checked;

    /// The item checked against the channel of `publication` (which has no items yet);
    /// `None` when it is invalid (which `checker` may not have reported).
    fn check(self, checker: &mut Checker<'_>, publication: &Publication) -> Option<Self::Checked>;
}

impl Check for RawEvent {
    type Checked = CheckedEvent;

    fn check(self, checker: &mut Checker<'_>, publication: &Publication) -> Option<CheckedEvent> {
        checker.event(&FieldPath::root(), self, publication)
    }
}

impl Check for RawArticle {
    type Checked = Article;

    /// All but the events it names: they are checked once all events are.
    fn check(self, checker: &mut Checker<'_>, publication: &Publication) -> Option<Article> {
        checker.article(&FieldPath::root(), self, publication, None)
    }
}

/// Reads an event or an article (its large texts going to the store, see [`Spilling`])
/// and, when the channel was read before it, checks it; an invalid one is an error.
struct ItemSeed<'c, 'a, R> {
    context: &'c Context<'a>,
    item: PhantomData<fn() -> R>,
}

impl<'c, 'a, R> ItemSeed<'c, 'a, R> {
    fn new(context: &'c Context<'a>) -> Self {
        ItemSeed {
            context,
            item: PhantomData,
        }
    }
}

// By hand: derived, they would require `R: Clone`/`R: Copy`.
impl<R> Clone for ItemSeed<'_, '_, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for ItemSeed<'_, '_, R> {}

impl<'de, R> DeserializeSeed<'de> for ItemSeed<'_, '_, R>
where
    R: Deserialize<'de> + Spill + Check,
{
    type Value = Item<R, R::Checked>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        let context = self.context;
        let raw = Spilling::<R>::to(context.store).deserialize(deserializer)?;
        let Some(shell) = context.shell.get() else {
            return Ok(Item::Raw(raw));
        };
        let mut checker = checker(context.file, context.options);
        match raw.check(&mut checker, &shell.publication) {
            Some(checked) if checker.problems.is_empty() => Ok(Item::Checked(checked)),
            _ => Err(D::Error::custom("the item is not valid")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many events and articles come checked, and how many as read.
    fn checked_and_raw(text: &str) -> [usize; 4] {
        let options = LoadOptions::at(chrono::DateTime::UNIX_EPOCH);
        let context = Context {
            slug: "launch",
            file: "launch.json",
            options: &options,
            store: None,
            shell: OnceLock::new(),
        };
        let framed = json_frames::read(
            text.as_bytes(),
            ChannelSeed(&context),
            ItemSeed::<RawEvent>::new(&context),
            ItemSeed::<RawArticle>::new(&context),
        )
        .expect("valid");
        let count = |checked: &[bool]| {
            let yes = checked.iter().filter(|&&c| c).count();
            (yes, checked.len() - yes)
        };
        let events: Vec<bool> = framed
            .events
            .into_iter()
            .map(|e| matches!(e, Item::Checked(_)))
            .collect();
        let articles: Vec<bool> = framed
            .articles
            .into_iter()
            .map(|a| matches!(a, Item::Checked(_)))
            .collect();
        let (events, articles) = (count(&events), count(&articles));
        [events.0, events.1, articles.0, articles.1]
    }

    /// Items are checked as they are read when the channel came before them, and only
    /// then.
    #[test]
    fn items_after_the_channel_are_checked_as_they_are_read() {
        let channel = r#""channel": {"title": "T", "description": "D",
            "link": "https://example.org/", "language": "en", "timezone": "Europe/Paris"}"#;
        let events = (0..3000)
            .map(|i| format!(r#"{{"id": "e{i}", "title": "E", "start": "2024-05-01T10:00"}}"#))
            .collect::<Vec<_>>()
            .join(",");
        let events = format!(r#""events": [{events}]"#);
        let articles = r#""articles": [{"id": "a", "title": "A", "published": "2024-05-01",
            "events": ["e7"]}]"#;
        let counts = |parts: [&str; 3]| checked_and_raw(&format!("{{{}}}", parts.join(",")));
        assert_eq!(counts([channel, &events, articles]), [3000, 0, 1, 0]);
        assert_eq!(counts([&events, channel, articles]), [0, 3000, 1, 0]);
        assert_eq!(counts([&events, articles, channel]), [0, 3000, 0, 1]);
    }
}
