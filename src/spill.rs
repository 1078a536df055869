//! Large texts kept in a temporary file instead of in memory: event descriptions, article
//! bodies and their HTML. A build of a large archive would otherwise hold every one of them
//! at once, more than the size of its input; in the file they cost page cache, which the
//! kernel can drop, and each is read back only while an output uses it.
//!
//! A store is owned by whoever reads the texts (the loader makes one per publication file
//! and hands it to the deserialization; the exporter makes one for article HTML): nothing
//! here is global or per thread. Texts below [`SPILL_AT`] bytes, texts read without a
//! [`Store`] (tests, and systems without positioned reads), and texts a full disk would
//! not take stay in memory.

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::sync::{Arc, Mutex};

/// Texts shorter than this stay in memory: reading them back would cost more than they do.
pub const SPILL_AT: usize = 256;

/// An append-only temporary file of texts. It is deleted when the last [`Text`] in it (and
/// the store itself) is dropped.
pub struct Store {
    file: File,
    end: Mutex<u64>,
}

impl Store {
    /// A new store in the system's temporary folder, or `None` where one cannot be made
    /// (then texts simply stay in memory).
    pub fn new() -> Option<Arc<Store>> {
        if !cfg!(unix) {
            return None;
        }
        let file = tempfile::tempfile().ok()?;
        Some(Arc::new(Store {
            file,
            end: Mutex::new(0),
        }))
    }

    /// Keeps `text` in the store when it is large, else in memory.
    pub fn put(self: &Arc<Self>, text: String) -> Text {
        if text.len() < SPILL_AT {
            return Text::from(text);
        }
        // Only the place is taken under the lock: the loader's threads write at once,
        // each at its own offset. A write that fails leaves a hole nothing reads.
        let offset = {
            let mut end = self.end.lock().unwrap_or_else(|e| e.into_inner());
            let offset = *end;
            *end += text.len() as u64;
            offset
        };
        if write_at(&self.file, text.as_bytes(), offset).is_err() {
            return Text::from(text);
        }
        Text(Repr::Spilled {
            store: Arc::clone(self),
            offset,
            len: text.len(),
            digest: digest(text.as_bytes()),
        })
    }
}

#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

#[cfg(unix)]
fn read_at(file: &File, bytes: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, bytes, offset)
}

#[cfg(not(unix))]
fn write_at(_: &File, _: &[u8], _: u64) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

#[cfg(not(unix))]
fn read_at(_: &File, _: &mut [u8], _: u64) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// A text of the model: in memory, or in a spill store (an unlinked temporary file).
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Inline(String),
    Spilled {
        store: Arc<Store>,
        offset: u64,
        len: usize,
        /// What the text hashes as ([`digest`]), taken while it was in memory.
        digest: u128,
    },
}

/// What a text hashes as: a digest of its bytes, so that a text kept in a store is hashed
/// without reading it back (a build hashes every article body and event description to
/// key its outputs by).
fn digest(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

impl Text {
    /// The text; read back from the store if it is there.
    pub fn get(&self) -> Cow<'_, str> {
        match &self.0 {
            Repr::Inline(text) => Cow::Borrowed(text),
            Repr::Spilled { .. } => Cow::Owned(
                String::from_utf8(self.bytes().into_owned())
                    .expect("the store holds the UTF-8 it was given"),
            ),
        }
    }

    /// The text's UTF-8 bytes, read back from the store if it is there but not checked to
    /// be UTF-8 again (which [`Text::get`] does, at a cost that shows in a large build):
    /// for what only needs the bytes, such as hashing.
    pub fn bytes(&self) -> Cow<'_, [u8]> {
        match &self.0 {
            Repr::Inline(text) => Cow::Borrowed(text.as_bytes()),
            Repr::Spilled {
                store, offset, len, ..
            } => {
                let mut bytes = vec![0; *len];
                // The file is calfeed's own, written a moment ago; failing to read it back is
                // as exceptional as running out of memory, and handled the same way.
                read_at(&store.file, &mut bytes, *offset)
                    .expect("reading back calfeed's temporary file of large texts");
                Cow::Owned(bytes)
            }
        }
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Inline(text) => text.len(),
            Repr::Spilled { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Moves the text into `store` if it is in memory and large (as `Store::put` does).
    pub(crate) fn spill_to(&mut self, store: &Arc<Store>) {
        if let Repr::Inline(text) = &mut self.0 {
            *self = store.put(std::mem::take(text));
        }
    }

    /// Whether the text is in a store rather than in memory.
    pub fn is_spilled(&self) -> bool {
        matches!(self.0, Repr::Spilled { .. })
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text(Repr::Inline(text))
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.get(), f)
    }
}

/// A text hashes as the text it holds, wherever it is kept (so that the model's `Hash`,
/// which the build cache keys outputs by, does not depend on what was spilled): as the
/// xxh3 digest of its bytes.
impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let digest = match &self.0 {
            Repr::Inline(text) => digest(text.as_bytes()),
            Repr::Spilled { digest, .. } => *digest,
        };
        state.write_u128(digest);
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Eq for Text {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_texts_go_to_the_store_and_come_back_exactly() {
        let store = Store::new().expect("a temporary file");
        let small = store.put("short".to_string());
        assert!(!small.is_spilled());
        let texts: Vec<String> = (0..50)
            .map(|i| format!("{i}: ünïcødé, 漢字 and emoji 🎉 ").repeat(10 + i))
            .collect();
        let spilled: Vec<Text> = texts.iter().map(|t| store.put(t.clone())).collect();
        drop(store);
        for (text, kept) in texts.iter().zip(&spilled) {
            assert!(kept.is_spilled());
            assert_eq!(kept.len(), text.len());
            assert_eq!(kept.get(), text.as_str());
        }
        assert_eq!(small.get(), "short");
    }

    #[test]
    fn a_text_hashes_the_same_wherever_it_is_kept() {
        use std::hash::{DefaultHasher, Hash, Hasher};
        fn xxh3(value: impl Hash) -> u128 {
            let mut hasher = xxhash_rust::xxh3::Xxh3::new();
            value.hash(&mut hasher);
            hasher.digest128()
        }
        fn sip(value: impl Hash) -> u64 {
            let mut hasher = DefaultHasher::new();
            value.hash(&mut hasher);
            hasher.finish()
        }
        let store = Store::new().expect("a temporary file");
        let long = "ünïcødé 🎉 ".repeat(40);
        let mut hashes = Vec::new();
        for text in ["short".to_string(), long.clone(), long.replace('🎉', "🎊")] {
            let kept = store.put(text.clone());
            assert_eq!(kept.is_spilled(), text.len() >= SPILL_AT);
            let in_memory = Text::from(text);
            assert_eq!(xxh3(&kept), xxh3(&in_memory));
            assert_eq!(sip(&kept), sip(&in_memory));
            hashes.push(xxh3(&kept));
        }
        // Texts that differ hash apart, however long they are alike.
        hashes.dedup();
        assert_eq!(hashes.len(), 3);
    }

    #[test]
    fn texts_in_memory_move_to_a_store_only_when_large() {
        let store = Store::new().expect("a temporary file");
        let large = "x".repeat(SPILL_AT);
        let mut text = Text::from(large.clone());
        assert!(!text.is_spilled());
        text.spill_to(&store);
        assert!(text.is_spilled());
        assert_eq!(text.get(), large);
        // Already in a store: left where it is.
        let before = text.clone();
        text.spill_to(&store);
        assert!(text.is_spilled() && text == before);
        let mut small = Text::from("x".repeat(SPILL_AT - 1));
        small.spill_to(&store);
        assert!(!small.is_spilled());
        assert_eq!(small.len(), SPILL_AT - 1);
    }
}
