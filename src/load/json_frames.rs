//! Reads a JSON publication from a file one top-level value at a time: the channel, then
//! each event and each article, each deserialized on its own from a small buffer.
//!
//! serde_json can read straight from a file (`from_reader`), but it then takes the input a
//! byte at a time and is several times slower than on a slice; reading the whole file into
//! a slice would hold the input whole. Framing the values here keeps both: only one value is
//! in memory at a time, and each is parsed at slice speed.
//!
//! Only the ordinary shape is framed: an object whose keys, written without escapes, are
//! `channel`, `events` and `articles`, each at most once. Anything else (another key, a
//! duplicate, a syntax error, trailing data) is `None`, and the caller reads the file as text
//! instead, where serde_json and the loader report it exactly.
//!
//! The channel, events and articles are read through seeds, so that the loader can act on
//! each one as soon as it is read: it moves their large texts out of memory (see
//! `raw::Spilling`), and checks each item against the channel read before it (`stream`).
//!
//! Framing is a scan for quotes and brackets; deserializing a value (and spilling its
//! texts) is most of the cost of loading. So the items of a large array are framed on the
//! reading thread and deserialized on others ([`WORKERS`] at most, one per core), in
//! batches of about [`BATCH_BYTES`], and put back in the file's order. Only a few batches
//! are in flight at once, so memory stays one value's worth per thread.

use std::io::BufRead;
use std::sync::{Arc, Mutex, mpsc};
use std::thread;

use serde::de::DeserializeSeed;

/// The top-level values of a publication.
pub struct Framed<C, E, A> {
    pub channel: Option<C>,
    pub events: Items<E>,
    pub articles: Items<A>,
}

/// The items of an array, in order, as the batches they were deserialized in: joining
/// them into one list would hold them twice for a moment.
pub struct Items<T> {
    batches: Vec<Vec<T>>,
    len: usize,
}

impl<T> Items<T> {
    fn new(batches: Vec<Vec<T>>) -> Self {
        let len = batches.iter().map(Vec::len).sum();
        Items { batches, len }
    }
}

impl<T> Default for Items<T> {
    fn default() -> Self {
        Items::new(Vec::new())
    }
}

impl<T> IntoIterator for Items<T> {
    type Item = T;
    type IntoIter = IntoItems<T>;

    /// Each batch is freed once its items are taken.
    fn into_iter(self) -> IntoItems<T> {
        IntoItems {
            items: self.batches.into_iter().flatten(),
            left: self.len,
        }
    }
}

/// The items of [`Items`], taken in order.
pub struct IntoItems<T> {
    items: std::iter::Flatten<std::vec::IntoIter<Vec<T>>>,
    left: usize,
}

impl<T> Iterator for IntoItems<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let item = self.items.next()?;
        self.left -= 1;
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<T> ExactSizeIterator for IntoItems<T> {}

/// Deeper than this, serde_json refuses the value anyway (its recursion limit is 128).
const MAX_DEPTH: usize = 128;

/// The most threads deserializing an array's items besides the one framing them.
pub const WORKERS: usize = 4;

/// About how many bytes of items a batch holds: enough that handing it over costs nothing
/// beside deserializing it, small enough that a few in flight are little memory.
pub const BATCH_BYTES: usize = 256 * 1024;

/// Reads `input` (after any byte-order mark) as described in the module's documentation:
/// the channel through the seed `channel`, each event through the seed `event` and each
/// article through `article`. Each value is deserialized once its bytes are read, so what
/// the channel's seed does is done before any item after it in the file is deserialized.
pub fn read<C, E, A>(
    input: impl BufRead,
    channel: impl for<'de> DeserializeSeed<'de, Value = C>,
    event: impl for<'de> DeserializeSeed<'de, Value = E> + Copy + Send,
    article: impl for<'de> DeserializeSeed<'de, Value = A> + Copy + Send,
) -> Option<Framed<C, E, A>>
where
    E: Send,
    A: Send,
{
    let mut frames = Frames {
        input,
        value: Vec::new(),
    };
    let mut framed = Framed {
        channel: None,
        events: Items::default(),
        articles: Items::default(),
    };
    let (mut events_seen, mut articles_seen) = (false, false);
    let mut channel = Some(channel);
    frames.expect(b'{')?;
    if frames.peek_token()? == b'}' {
        frames.bump();
    } else {
        loop {
            let key = frames.key()?;
            frames.expect(b':')?;
            match key.as_slice() {
                b"channel" if framed.channel.is_none() => {
                    framed.channel = Some(frames.value(channel.take()?)?);
                }
                b"events" if !events_seen => {
                    events_seen = true;
                    framed.events = frames.array(event)?;
                }
                b"articles" if !articles_seen => {
                    articles_seen = true;
                    framed.articles = frames.array(article)?;
                }
                _ => return None,
            }
            match frames.next_token()? {
                b',' => continue,
                b'}' => break,
                _ => return None,
            }
        }
    }
    // Nothing but white space may follow.
    match frames.peek_token() {
        None => Some(framed),
        Some(_) => None,
    }
}

struct Frames<R> {
    input: R,
    /// The bytes of the value being read.
    value: Vec<u8>,
}

impl<R: BufRead> Frames<R> {
    fn peek(&mut self) -> Option<u8> {
        self.input.fill_buf().ok()?.first().copied()
    }

    fn bump(&mut self) {
        self.input.consume(1);
    }

    /// The next byte that is not JSON white space, left unread; `None` at the end.
    fn peek_token(&mut self) -> Option<u8> {
        loop {
            let byte = self.peek()?;
            if matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
                self.bump();
            } else {
                return Some(byte);
            }
        }
    }

    fn next_token(&mut self) -> Option<u8> {
        let byte = self.peek_token()?;
        self.bump();
        Some(byte)
    }

    fn expect(&mut self, wanted: u8) -> Option<()> {
        (self.next_token()? == wanted).then_some(())
    }

    /// An object key without escapes (any escape: `None`).
    fn key(&mut self) -> Option<Vec<u8>> {
        self.expect(b'"')?;
        let mut key = Vec::new();
        loop {
            match self.peek()? {
                b'"' => {
                    self.bump();
                    return Some(key);
                }
                b'\\' => return None,
                byte => {
                    key.push(byte);
                    self.bump();
                }
            }
        }
    }

    /// An array of values: framed here, deserialized in batches on other threads when
    /// there is more than one core (see the module's documentation), in the array's order.
    fn array<T: Send>(
        &mut self,
        seed: impl for<'de> DeserializeSeed<'de, Value = T> + Copy + Send,
    ) -> Option<Items<T>> {
        self.expect(b'[')?;
        if self.peek_token()? == b']' {
            self.bump();
            return Some(Items::default());
        }
        let workers = thread::available_parallelism().map_or(1, |n| n.get().min(WORKERS));
        if workers == 1 {
            let mut items = Vec::new();
            loop {
                self.frame()?;
                items.push(deserialize(&self.value, seed)?);
                if self.after_item()? {
                    return Some(Items::new(vec![items]));
                }
            }
        }
        let (batches, taken) = mpsc::sync_channel::<(usize, Batch)>(workers * 2);
        // Held by the workers alone: should they all stop (a panic), sending fails rather
        // than waiting for ever.
        let taken = Arc::new(Mutex::new(taken));
        let (done, finished) = mpsc::channel::<(usize, Option<Vec<T>>)>();
        thread::scope(|scope| {
            for _ in 0..workers {
                let (taken, done) = (Arc::clone(&taken), done.clone());
                scope.spawn(move || {
                    loop {
                        // A poisoned lock: another worker panicked, and the scope
                        // re-raises that panic; this one just stops.
                        let next = match taken.lock() {
                            Ok(receiver) => receiver.recv(),
                            Err(_) => return,
                        };
                        let Ok((index, batch)) = next else { return };
                        if done.send((index, batch.deserialize(seed))).is_err() {
                            return;
                        }
                    }
                });
            }
            drop((done, taken));
            let framed = self.frame_batches(|index, batch| batches.send((index, batch)).is_ok());
            drop(batches);
            let sent = framed?;
            let mut parts: Vec<Option<Vec<T>>> = (0..sent).map(|_| None).collect();
            for (index, items) in finished.iter() {
                parts[index] = Some(items?);
            }
            parts.into_iter().collect::<Option<_>>().map(Items::new)
        })
    }

    /// Frames the items of an array (its `[` read) up to and including its `]`, handing
    /// them to `send` in numbered batches. The number of batches sent, or `None` when the
    /// array is not well formed (or `send` refused a batch).
    fn frame_batches(&mut self, mut send: impl FnMut(usize, Batch) -> bool) -> Option<usize> {
        let mut batch = Batch::default();
        let mut sent = 0;
        loop {
            self.frame()?;
            batch.push(&self.value);
            let last = self.after_item()?;
            if last || batch.bytes.len() >= BATCH_BYTES {
                if !send(sent, std::mem::take(&mut batch)) {
                    return None;
                }
                sent += 1;
            }
            if last {
                return Some(sent);
            }
        }
    }

    /// After an array's item: whether that was the last (`]`), or there is another (`,`).
    fn after_item(&mut self) -> Option<bool> {
        match self.next_token()? {
            b',' => Some(false),
            b']' => Some(true),
            _ => None,
        }
    }

    /// One value (an object, an array or a string; anything else is not a publication's
    /// value), deserialized from its bytes through `seed`.
    fn value<T>(&mut self, seed: impl for<'de> DeserializeSeed<'de, Value = T>) -> Option<T> {
        self.frame()?;
        deserialize(&self.value, seed)
    }

    /// Reads one value's bytes (an object, an array or a string) into `self.value`.
    fn frame(&mut self) -> Option<()> {
        self.value.clear();
        if !matches!(self.peek_token()?, b'{' | b'[' | b'"') {
            return None;
        }
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        loop {
            let chunk = self.input.fill_buf().ok()?;
            if chunk.is_empty() {
                return None;
            }
            let mut end = None;
            let mut i = 0;
            while i < chunk.len() {
                let byte = chunk[i];
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if byte == b'\\' {
                        escaped = true;
                    } else if byte == b'"' {
                        in_string = false;
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    } else {
                        // Most of a publication is text: jump to its next quote or escape.
                        i = memchr::memchr2(b'"', b'\\', &chunk[i..])
                            .map_or(chunk.len(), |n| i + n);
                        continue;
                    }
                    i += 1;
                    continue;
                }
                i += 1;
                match byte {
                    b'"' => in_string = true,
                    b'{' | b'[' => {
                        depth += 1;
                        if depth > MAX_DEPTH {
                            return None;
                        }
                    }
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            end = Some(i);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let taken = end.unwrap_or(chunk.len());
            self.value.extend_from_slice(&chunk[..taken]);
            self.input.consume(taken);
            if end.is_some() {
                return Some(());
            }
        }
    }
}

/// What `serde_json::from_slice` does, through the seed.
fn deserialize<T>(bytes: &[u8], seed: impl for<'de> DeserializeSeed<'de, Value = T>) -> Option<T> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = seed.deserialize(&mut deserializer).ok()?;
    deserializer.end().ok()?;
    Some(value)
}

/// Consecutive items of an array, framed: their bytes one after the other, and where each
/// ends.
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Batch {
    fn push(&mut self, value: &[u8]) {
        self.bytes.extend_from_slice(value);
        self.ends.push(self.bytes.len());
    }

    /// Each item deserialized through `seed`; `None` if one is not a `T`.
    fn deserialize<T>(
        &self,
        seed: impl for<'de> DeserializeSeed<'de, Value = T> + Copy,
    ) -> Option<Vec<T>> {
        let mut start = 0;
        let mut items = Vec::with_capacity(self.ends.len());
        for &end in &self.ends {
            items.push(deserialize(&self.bytes[start..end], seed)?);
            start = end;
        }
        Some(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde::de::DeserializeOwned;
    use std::marker::PhantomData;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Item {
        id: String,
        #[serde(default)]
        tags: Vec<String>,
    }

    type Read = Framed<serde_json::Value, Item, Item>;

    /// [`read`] with plain types for events and articles.
    fn read_plain<C, E, A>(input: impl BufRead) -> Option<Framed<C, E, A>>
    where
        C: DeserializeOwned,
        E: DeserializeOwned + Send,
        A: DeserializeOwned + Send,
    {
        read(input, PhantomData, PhantomData, PhantomData)
    }

    fn read_str(text: &str) -> Option<Read> {
        read_plain(text.as_bytes())
    }

    /// Reads through a reader that hands out one byte at a time, so that every value
    /// crosses buffer boundaries.
    fn read_bytewise(text: &str) -> Option<Read> {
        read_plain(std::io::BufReader::with_capacity(1, text.as_bytes()))
    }

    #[test]
    fn frames_each_value_as_serde_json_reads_the_whole() {
        let text = r#" { "events" : [ {"id": "a \"}]{[\\", "tags": ["x,y", "]"]},
            {"id":"b"} ], "channel": {"title": "T", "nested": [[{}]]},
            "articles": [] } "#;
        for framed in [read_str(text), read_bytewise(text)] {
            let framed = framed.expect("the ordinary shape");
            let whole: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(framed.channel.as_ref(), Some(&whole["channel"]));
            assert_eq!(
                framed.events.into_iter().collect::<Vec<_>>(),
                vec![
                    Item {
                        id: "a \"}]{[\\".into(),
                        tags: vec!["x,y".into(), "]".into()],
                    },
                    Item {
                        id: "b".into(),
                        tags: vec![],
                    }
                ]
            );
            assert_eq!(framed.articles.into_iter().len(), 0);
        }
    }

    /// Arrays of several batches come back whole and in order, however the workers
    /// finish; an item that is not a `T` in any batch refuses the whole.
    #[test]
    fn arrays_of_many_batches_keep_their_order() {
        let count = 4 * BATCH_BYTES / 80;
        let items: Vec<String> = (0..count)
            .map(|i| {
                format!(
                    r#"{{"id": "item-{i:06}", "tags": ["{}"]}}"#,
                    "x".repeat(i % 97)
                )
            })
            .collect();
        let text = format!(r#"{{"events": [{}], "articles": []}}"#, items.join(",\n"));
        assert!(text.len() > 3 * BATCH_BYTES);
        for framed in [read_str(&text), read_bytewise(&text)] {
            let events: Vec<_> = framed
                .expect("the ordinary shape")
                .events
                .into_iter()
                .collect();
            assert_eq!(events.len(), count);
            for (i, event) in events.iter().enumerate() {
                assert_eq!(event.id, format!("item-{i:06}"));
                assert_eq!(event.tags, vec!["x".repeat(i % 97)]);
            }
        }
        for bad in [0, count / 2, count - 1] {
            let mut items = items.clone();
            items[bad] = r#"{"id": 5}"#.to_string();
            let text = format!(r#"{{"events": [{}]}}"#, items.join(","));
            assert!(read_str(&text).is_none(), "item {bad}");
        }
    }

    #[test]
    fn anything_unusual_is_left_to_the_text_path() {
        for text in [
            r#"{"channel": {}, "channel": {}}"#,
            r#"{"events": [], "events": []}"#,
            r#"{"other": 1}"#,
            r#"{"chan\u006eel": {}}"#,
            r#"{"channel": {}} x"#,
            r#"{"channel": {}"#,
            r#"{"channel": {}, }"#,
            r#"{"events": [{"id": "a"},]}"#,
            r#"{"events": [{"id": 1}]}"#,
            r#"{"events": {"id": "a"}}"#,
            r#"{"channel": 5}"#,
            r#"[]"#,
            "",
        ] {
            assert!(read_str(text).is_none(), "{text}");
            assert!(read_bytewise(text).is_none(), "{text}");
        }
        let deep = format!(r#"{{"channel": {}1{}}}"#, "[".repeat(200), "]".repeat(200));
        assert!(read_str(&deep).is_none());
        assert!(read_str(r#" {} "#).is_some_and(|f| f.channel.is_none()));
    }

    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngSeed};
    use serde_json::{Map, Value};

    /// Any JSON value, with strings full of what framing must see through.
    fn value() -> impl Strategy<Value = Value> {
        let text = proptest::collection::vec(
            prop_oneof![
                Just('"'),
                Just('\\'),
                Just('{'),
                Just('}'),
                Just('['),
                Just(']'),
                Just(','),
                Just(':'),
                Just('\n'),
                any::<char>(),
            ],
            0..12,
        )
        .prop_map(|chars| chars.into_iter().collect::<String>());
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            text.clone().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 4, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::vec((text.clone(), inner), 0..4)
                    .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    fn object() -> impl Strategy<Value = Value> {
        proptest::collection::vec(("[a-z\"\\\\]{0,3}", value()), 0..4)
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>()))
    }

    /// A publication-shaped document: some of the three keys, in any order.
    fn document() -> impl Strategy<Value = (Value, bool)> {
        (
            proptest::option::of(object()),
            proptest::option::of(proptest::collection::vec(object(), 0..4)),
            proptest::option::of(proptest::collection::vec(object(), 0..4)),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(channel, events, articles, reverse, pretty)| {
                let mut entries = Vec::new();
                if let Some(channel) = channel {
                    entries.push(("channel".to_string(), channel));
                }
                if let Some(events) = events {
                    entries.push(("events".to_string(), Value::Array(events)));
                }
                if let Some(articles) = articles {
                    entries.push(("articles".to_string(), Value::Array(articles)));
                }
                if reverse {
                    entries.reverse();
                }
                (Value::Object(entries.into_iter().collect()), pretty)
            })
    }

    fn config() -> Config {
        Config {
            cases: 256,
            rng_seed: RngSeed::Fixed(0x00F4_A3E5),
            failure_persistence: None,
            ..Config::default()
        }
    }

    type Values = Framed<Value, Value, Value>;

    fn written(document: &Value, pretty: bool) -> String {
        if pretty {
            serde_json::to_string_pretty(document).unwrap()
        } else {
            serde_json::to_string(document).unwrap()
        }
    }

    fn expected(document: &Value) -> (Option<Value>, Vec<Value>, Vec<Value>) {
        let list = |key: &str| {
            document
                .get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        (
            document.get("channel").cloned(),
            list("events"),
            list("articles"),
        )
    }

    proptest! {
        #![proptest_config(config())]

        /// Whatever serde_json writes in the ordinary shape is framed into exactly the
        /// values serde_json reads from the whole, through any buffer size.
        #[test]
        fn frames_what_serde_json_wrote((document, pretty) in document(), capacity in 1usize..64) {
            let text = written(&document, pretty);
            let framed: Option<Values> =
                read_plain(std::io::BufReader::with_capacity(capacity, text.as_bytes()));
            let framed = framed.expect("the ordinary shape is framed");
            prop_assert_eq!(
                (
                    framed.channel,
                    framed.events.into_iter().collect(),
                    framed.articles.into_iter().collect()
                ),
                expected(&document)
            );
        }

        /// Framing never accepts what serde_json refuses: a cut anywhere in a document.
        #[test]
        fn never_accepts_what_serde_json_refuses((document, pretty) in document(), cut in any::<prop::sample::Index>()) {
            let text = written(&document, pretty);
            let bytes = &text.as_bytes()[..cut.index(text.len() + 1)];
            if serde_json::from_slice::<Value>(bytes).is_err() {
                prop_assert!(read_plain::<Value, Value, Value>(bytes).is_none());
            }
        }
    }
}
