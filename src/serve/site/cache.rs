//! The rendered files a [`super::Site`] keeps: the most recently asked for, up to a total
//! size, the least recently asked for going first when one more does not fit.
//!
//! A new build's cache starts with the entries of the one before it, *unconfirmed*: one is
//! served again (keeping its Last-Modified and its gzipped form) only once the new build
//! has rendered the same bytes for its path; different bytes replace it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use super::Entry;

/// What an entry costs beside its body: its key, its tags and the tables' share.
const OVERHEAD: usize = 256;

/// Rendered files by path, bounded by the total size of their bodies.
#[derive(Debug)]
pub struct Cache {
    limit: usize,
    inner: Mutex<Lru>,
    /// One lock per key being rendered: see [`Cache::turn`].
    turns: Mutex<HashMap<String, Weak<Mutex<()>>>>,
}

/// The right to render one key, held while rendering it ([`Cache::turn`]).
pub type Turn = Arc<Mutex<()>>;

#[derive(Debug, Default)]
struct Lru {
    slots: HashMap<String, Slot>,
    /// Keys by last use, oldest first.
    order: BTreeMap<u64, String>,
    tick: u64,
    bytes: usize,
}

#[derive(Debug)]
struct Slot {
    entry: Arc<Entry>,
    /// Rendered by this build (else kept from the build before, to be confirmed).
    confirmed: bool,
    used: u64,
}

fn cost(key: &str, entry: &Entry) -> usize {
    key.len() + entry.body.len() + OVERHEAD
}

impl Cache {
    /// An empty cache of at most `limit` bytes.
    pub fn new(limit: usize) -> Cache {
        Cache {
            limit,
            inner: Mutex::new(Lru::default()),
            turns: Mutex::default(),
        }
    }

    /// A cache of at most `limit` bytes holding the entries of `previous` that `keep`
    /// accepts (by key), in their order of use: `keep` says whether each is to be
    /// confirmed by rendering it again (`Some(false)`), is known to be the same
    /// (`Some(true)`), or is left out (`None`).
    pub fn inherit(previous: &Cache, limit: usize, keep: impl Fn(&str) -> Option<bool>) -> Cache {
        let old = previous.lock();
        let mut lru = Lru::default();
        for key in old.order.values() {
            let Some(confirmed) = keep(key) else {
                continue;
            };
            let entry = Arc::clone(&old.slots[key].entry);
            lru.insert(key.clone(), entry, confirmed);
        }
        drop(old);
        lru.evict(limit);
        Cache {
            limit,
            inner: Mutex::new(lru),
            turns: Mutex::default(),
        }
    }

    /// The lock to hold while rendering `key`, the same for every request rendering it at
    /// the same time: the second waits for the first, then finds its entry cached, rather
    /// than rendering it too (a large calendar takes a while).
    pub fn turn(&self, key: &str) -> Turn {
        let mut turns = self.turns.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(turn) = turns.get(key).and_then(Weak::upgrade) {
            return turn;
        }
        if turns.len() >= 64 {
            turns.retain(|_, turn| turn.strong_count() > 0);
        }
        let turn = Turn::default();
        turns.insert(key.to_string(), Arc::downgrade(&turn));
        turn
    }

    /// The most it holds.
    pub fn limit(&self) -> usize {
        self.limit
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The confirmed entry of `key`, now the most recently used.
    pub fn get(&self, key: &str) -> Option<Arc<Entry>> {
        let mut lru = self.lock();
        let slot = lru.slots.get(key)?;
        if !slot.confirmed {
            return None;
        }
        let entry = Arc::clone(&slot.entry);
        lru.touch(key);
        Some(entry)
    }

    /// The entry for `key` with `body` just rendered: the one kept for it when its body is
    /// the same (from this build, rendered meanwhile by another request, or from the build
    /// before), else `make(body)`; kept as the most recently used, as room allows.
    pub fn settle(
        &self,
        key: &str,
        body: Vec<u8>,
        make: impl FnOnce(Vec<u8>) -> Entry,
    ) -> Arc<Entry> {
        let mut lru = self.lock();
        if let Some(slot) = lru.slots.get_mut(key)
            && slot.entry.body == body
        {
            slot.confirmed = true;
            let entry = Arc::clone(&slot.entry);
            lru.touch(key);
            return entry;
        }
        // Compressing and hashing happen outside the lock.
        drop(lru);
        let entry = Arc::new(make(body));
        let mut lru = self.lock();
        lru.remove(key);
        lru.insert(key.to_string(), Arc::clone(&entry), true);
        lru.evict(self.limit);
        entry
    }

    /// Every key kept, confirmed or not (for the tests).
    #[cfg(test)]
    pub fn keys(&self) -> Vec<String> {
        self.lock().order.values().cloned().collect()
    }

    /// The bytes kept.
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }
}

impl Lru {
    fn insert(&mut self, key: String, entry: Arc<Entry>, confirmed: bool) {
        self.tick += 1;
        self.bytes += cost(&key, &entry);
        self.order.insert(self.tick, key.clone());
        self.slots.insert(
            key,
            Slot {
                entry,
                confirmed,
                used: self.tick,
            },
        );
    }

    fn remove(&mut self, key: &str) {
        if let Some(slot) = self.slots.remove(key) {
            self.order.remove(&slot.used);
            self.bytes -= cost(key, &slot.entry);
        }
    }

    fn touch(&mut self, key: &str) {
        self.tick += 1;
        let tick = self.tick;
        if let Some(slot) = self.slots.get_mut(key) {
            self.order.remove(&slot.used);
            slot.used = tick;
            self.order.insert(tick, key.to_string());
        }
    }

    /// Drops the least recently used entries until the rest fit in `limit` (an entry
    /// larger than `limit` is not kept at all).
    fn evict(&mut self, limit: usize) {
        while self.bytes > limit {
            let Some((_, key)) = self.order.pop_first() else {
                break;
            };
            if let Some(slot) = self.slots.remove(&key) {
                self.bytes -= cost(&key, &slot.entry);
            }
        }
    }
}
