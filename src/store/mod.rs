//! A shard's keyspace: one table per owned slot, values, expiry.
//!
//! Owns the data of the slots assigned to one shard and nothing else: no I/O, no
//! knowledge of connections or of other shards. Every operation takes the key's slot,
//! computed once by the router. Expired keys are removed lazily on access and by the
//! active cycle ([`Db::active_expire`]), as in Redis.
//!
//! A slot's keys live in a [`slot_keys::SlotKeys`]; a value is a [`Value`], whose
//! collections are in `list`, `zset`, `hash` and `set`. Small lists and sorted sets
//! share the [`packed::Packed`] buffer; small hashes and sets the `hash::Pack` one.

pub mod glob;
pub mod hash;
pub mod lazyfree;
pub mod list;
pub mod packed;
pub mod set;
pub mod slot_keys;
pub mod small;
pub mod zset;

use crate::slot::SLOTS;
pub use hash::HashValue;
pub use list::ListValue;
pub use set::SetValue;
use slot_keys::SlotKeys;
pub use small::SmallBytes;
pub use zset::ZSetValue;

type Hasher = foldhash::fast::FixedState;
type Map<K, V> = hashbrown::HashMap<K, V, Hasher>;

/// A stored value. Strings that are canonical 64-bit integers are kept as `Int`
/// (Redis's "int" encoding). Collections are 16-byte handles held inline (each points
/// at one buffer while small), so a small collection costs its table entry and one
/// allocation.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(SmallBytes),
    Int(i64),
    Hash(HashValue),
    List(ListValue),
    Set(SetValue),
    ZSet(ZSetValue),
}

const _: () = assert!(std::mem::size_of::<Value>() == 24);

impl Value {
    /// A string value from bytes, choosing the int encoding when Redis would.
    pub fn from_bytes(b: &[u8]) -> Value {
        if b.len() <= 20 {
            if let Some(n) = crate::resp::parse_i64(b) {
                return Value::Int(n);
            }
        }
        Value::Str(SmallBytes::new(b))
    }

    /// Redis's TYPE name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) | Value::Int(_) => "string",
            Value::Hash(_) => "hash",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
        }
    }

    /// Elements in a collection (1 for strings): decides whether freeing is deferred.
    pub fn size_hint(&self) -> usize {
        match self {
            Value::Str(_) | Value::Int(_) => 1,
            Value::Hash(h) => h.len(),
            Value::List(l) => l.len(),
            Value::Set(s) => s.len(),
            Value::ZSet(z) => z.len(),
        }
    }

    /// Redis's OBJECT ENCODING name.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Str(SmallBytes::Growable(_)) => "raw",
            Value::Str(s) if s.len() <= 44 => "embstr",
            Value::Str(_) => "raw",
            Value::Hash(h) => h.encoding(),
            Value::List(l) => l.encoding(),
            Value::Set(s) => s.encoding(),
            Value::ZSet(z) => z.encoding(),
        }
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Value::Str(_) | Value::Int(_))
    }

    /// The string bytes of a string value (an int is formatted into `scratch`).
    pub fn string_bytes<'a>(&'a self, scratch: &'a mut itoa::Buffer) -> Option<&'a [u8]> {
        match self {
            Value::Str(s) => Some(s.as_slice()),
            Value::Int(n) => Some(scratch.format(*n).as_bytes()),
            _ => None,
        }
    }
}

/// The keys of one slot, and the deadlines of those that have one.
#[derive(Default)]
pub struct SlotDb {
    pub keys: SlotKeys,
    /// Absolute unix-ms deadlines of the keys that have a TTL (Redis's "expires" dict).
    pub expires: Map<SmallBytes, u64>,
}

/// One shard's keyspace.
pub struct Db {
    slots: Vec<Option<Box<SlotDb>>>,
    keys: usize,
    volatile: usize,
    /// Where the active expiry cycle resumes (slot index).
    expire_cursor: usize,
    pub expired_keys: u64,
    pub hits: u64,
    pub misses: u64,
    /// DEBUG SET-ACTIVE-EXPIRE: the active cycle runs only when true.
    pub active_expire_enabled: bool,
}

impl Default for Db {
    fn default() -> Self {
        Self::new()
    }
}

/// Result of a lookup that may have found an expired key.
impl Db {
    pub fn new() -> Self {
        Db {
            slots: (0..SLOTS).map(|_| None).collect(),
            keys: 0,
            volatile: 0,
            expire_cursor: 0,
            expired_keys: 0,
            hits: 0,
            misses: 0,
            active_expire_enabled: true,
        }
    }

    pub fn len(&self) -> usize {
        self.keys
    }

    pub fn is_empty(&self) -> bool {
        self.keys == 0
    }

    pub fn volatile_len(&self) -> usize {
        self.volatile
    }

    pub fn slot_len(&self, slot: u16) -> usize {
        self.slots[slot as usize]
            .as_ref()
            .map_or(0, |s| s.keys.len())
    }

    fn slot_mut(&mut self, slot: u16) -> &mut SlotDb {
        self.slots[slot as usize].get_or_insert_with(Default::default)
    }

    /// Drop the key if its deadline has passed; true if it was dropped.
    fn expire_if_needed(&mut self, slot: u16, key: &[u8], now: u64) -> bool {
        let Some(sdb) = self.slots[slot as usize].as_mut() else {
            return false;
        };
        if sdb.expires.is_empty() {
            return false;
        }
        match sdb.expires.get(key) {
            Some(&when) if when <= now => {
                sdb.expires.remove(key);
                sdb.keys.remove(key);
                self.volatile -= 1;
                self.keys -= 1;
                self.expired_keys += 1;
                true
            }
            _ => false,
        }
    }

    /// Start fetching `slot`'s table header into the cache (a hint for a command
    /// about to run on it; does nothing observable).
    #[inline]
    pub fn prefetch(&self, slot: u16) {
        #[cfg(target_arch = "x86_64")]
        if let Some(sdb) = self.slots[slot as usize].as_deref() {
            let p = sdb as *const SlotDb as *const i8;
            // SAFETY: prefetching is a hint; it never faults, whatever the address.
            unsafe {
                use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                _mm_prefetch::<_MM_HINT_T0>(p);
                _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(64));
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = slot;
    }

    /// Start fetching `slot`'s key table (a second-level hint, once the header is
    /// cached: see [`Self::prefetch`]).
    #[inline]
    pub fn prefetch_keys(&self, slot: u16) {
        #[cfg(target_arch = "x86_64")]
        if let Some(sdb) = self.slots[slot as usize].as_deref() {
            if let SlotKeys::Vec { entries, tags } = &sdb.keys {
                // SAFETY: prefetching is a hint; it never faults, whatever the address.
                unsafe {
                    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                    _mm_prefetch::<_MM_HINT_T0>(tags.as_ptr() as *const i8);
                    _mm_prefetch::<_MM_HINT_T0>(entries.as_ptr() as *const i8);
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = slot;
    }

    /// Look a key up (expired keys count as absent and are removed).
    pub fn get(&mut self, slot: u16, key: &[u8], now: u64) -> Option<&Value> {
        self.expire_if_needed(slot, key, now);
        self.slots[slot as usize].as_ref()?.keys.get(key)
    }

    pub fn get_mut(&mut self, slot: u16, key: &[u8], now: u64) -> Option<&mut Value> {
        self.expire_if_needed(slot, key, now);
        self.slots[slot as usize].as_mut()?.keys.get_mut(key)
    }

    /// Whether the key exists and is not expired, without removing it when it is.
    pub fn exists_quiet(&self, slot: u16, key: &[u8], now: u64) -> bool {
        let Some(sdb) = self.slots[slot as usize].as_ref() else {
            return false;
        };
        sdb.keys.contains_key(key) && sdb.expires.get(key).is_none_or(|&when| when > now)
    }

    pub fn contains(&mut self, slot: u16, key: &[u8], now: u64) -> bool {
        self.get(slot, key, now).is_some()
    }

    /// Insert or overwrite. `keep_ttl` false clears any deadline (SET semantics).
    pub fn set(&mut self, slot: u16, key: &[u8], value: Value, keep_ttl: bool) {
        let sdb = self.slot_mut(slot);
        if let Some(v) = sdb.keys.get_mut(key) {
            *v = value;
            if !keep_ttl && !sdb.expires.is_empty() && sdb.expires.remove(key).is_some() {
                self.volatile -= 1;
            }
        } else {
            sdb.keys.insert_new(SmallBytes::new(key), value);
            self.keys += 1;
        }
    }

    /// Remove a key (whether or not expired). Returns the value if it was live.
    pub fn remove(&mut self, slot: u16, key: &[u8], now: u64) -> Option<Value> {
        if self.expire_if_needed(slot, key, now) {
            return None;
        }
        let sdb = self.slots[slot as usize].as_mut()?;
        let v = sdb.keys.remove(key)?;
        self.keys -= 1;
        if !sdb.expires.is_empty() && sdb.expires.remove(key).is_some() {
            self.volatile -= 1;
        }
        Some(v)
    }

    /// The deadline of a live key, if it has one.
    pub fn expire_of(&self, slot: u16, key: &[u8]) -> Option<u64> {
        self.slots[slot as usize]
            .as_ref()?
            .expires
            .get(key)
            .copied()
    }

    /// Set the deadline of an existing key.
    pub fn set_expire(&mut self, slot: u16, key: &[u8], when: u64) {
        let sdb = self.slot_mut(slot);
        debug_assert!(sdb.keys.contains_key(key));
        if let Some(w) = sdb.expires.get_mut(key) {
            *w = when;
        } else {
            sdb.expires.insert(SmallBytes::new(key), when);
            self.volatile += 1;
        }
    }

    /// Clear the deadline; true if there was one.
    pub fn persist(&mut self, slot: u16, key: &[u8]) -> bool {
        let Some(sdb) = self.slots[slot as usize].as_mut() else {
            return false;
        };
        if sdb.expires.remove(key).is_some() {
            self.volatile -= 1;
            true
        } else {
            false
        }
    }

    /// A copy of a live key's value and deadline (for commands that run over keys
    /// fetched from several shards).
    pub fn snapshot(&mut self, slot: u16, key: &[u8], now: u64) -> Option<(Value, Option<u64>)> {
        let v = self.get(slot, key, now)?.clone();
        Some((v, self.expire_of(slot, key)))
    }

    /// Make a key hold exactly `entry` (None: absent).
    pub fn restore(
        &mut self,
        slot: u16,
        key: &[u8],
        entry: Option<(Value, Option<u64>)>,
        now: u64,
    ) {
        match entry {
            None => {
                self.remove(slot, key, now);
            }
            Some((v, ttl)) => {
                self.set(slot, key, v, false);
                if let Some(when) = ttl {
                    self.set_expire(slot, key, when);
                }
            }
        }
    }

    /// Remove every key.
    pub fn flush(&mut self) {
        let old = std::mem::replace(&mut self.slots, (0..SLOTS).map(|_| None).collect());
        if self.keys > lazyfree::LAZYFREE_THRESHOLD {
            lazyfree::free_later(old);
        }
        self.keys = 0;
        self.volatile = 0;
    }

    /// Remove every key of one slot; returns how many there were.
    pub fn flush_slot(&mut self, slot: u16) -> usize {
        let Some(sdb) = self.slots[slot as usize].take() else {
            return 0;
        };
        self.keys -= sdb.keys.len();
        self.volatile -= sdb.expires.len();
        sdb.keys.len()
    }

    /// Visit the live keys of a slot.
    pub fn for_each_in_slot(&self, slot: u16, now: u64, mut f: impl FnMut(&[u8], &Value)) {
        if let Some(sdb) = self.slots[slot as usize].as_ref() {
            for (k, v) in sdb.keys.iter() {
                if let Some(&when) = sdb.expires.get(k.as_slice()) {
                    if when <= now {
                        continue;
                    }
                }
                f(k.as_slice(), v);
            }
        }
    }

    /// A random live key of this shard, if any (expired keys met on the way are dropped).
    pub fn random_key(&mut self, now: u64) -> Option<Vec<u8>> {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        for _ in 0..100 {
            if self.keys == 0 {
                return None;
            }
            // Pick a slot weighted by its size: walk from a random key index.
            let mut idx = rng.gen_range(0..self.keys);
            let mut found = None;
            for (slot, sdb) in self.slots.iter().enumerate() {
                let Some(sdb) = sdb else { continue };
                if idx < sdb.keys.len() {
                    let key = sdb.keys.iter().nth(idx).map(|(k, _)| k.as_slice().to_vec());
                    found = key.map(|k| (slot as u16, k));
                    break;
                }
                idx -= sdb.keys.len();
            }
            let (slot, key) = found?;
            if !self.expire_if_needed(slot, &key, now) {
                return Some(key);
            }
        }
        None
    }

    /// One step of the active expiry cycle: examine up to `effort` volatile keys starting
    /// where the last call stopped; returns (examined, expired). The caller repeats while
    /// the expired share stays high and its time budget allows (Redis's adaptive loop).
    pub fn active_expire(&mut self, now: u64, effort: usize) -> (usize, usize) {
        if self.volatile == 0 {
            return (0, 0);
        }
        let mut examined = 0;
        let mut expired = 0;
        let mut slots_seen = 0;
        let mut victims: Vec<SmallBytes> = Vec::new();
        while examined < effort && slots_seen < SLOTS {
            let slot = self.expire_cursor;
            self.expire_cursor = (self.expire_cursor + 1) % SLOTS;
            slots_seen += 1;
            let Some(sdb) = self.slots[slot].as_mut() else {
                continue;
            };
            if sdb.expires.is_empty() {
                continue;
            }
            victims.clear();
            for (k, &when) in sdb.expires.iter() {
                examined += 1;
                if when <= now {
                    victims.push(k.clone());
                }
            }
            for k in &victims {
                sdb.expires.remove(k.as_slice());
                sdb.keys.remove(k.as_slice());
            }
            expired += victims.len();
            self.volatile -= victims.len();
            self.keys -= victims.len();
            if sdb.keys.is_empty() {
                self.slots[slot] = None;
            } else {
                sdb.keys.shrink_if_sparse();
                if sdb.expires.capacity() > 64 && sdb.expires.len() * 8 < sdb.expires.capacity() {
                    sdb.expires.shrink_to_fit();
                }
            }
        }
        self.expired_keys += expired as u64;
        (examined, expired)
    }

    /// Collect the keys of consecutive owned slots from `slot` on until at least `count`
    /// keys were gathered or a slot this shard does not own is reached. Returns the next
    /// slot to scan (SLOTS when done). A slot is always returned whole, so a key present
    /// for the whole of a SCAN is returned at least once.
    pub fn scan_slots(
        &mut self,
        slot: usize,
        count: usize,
        now: u64,
        owned: impl Fn(usize) -> bool,
        f: impl FnMut(&[u8], &Value),
    ) -> usize {
        self.scan_slots_step(slot, 1, count, now, owned, f)
    }

    /// [`Self::scan_slots`] visiting every `step`-th slot (cluster mode deals slots to
    /// shards round-robin).
    pub fn scan_slots_step(
        &mut self,
        mut slot: usize,
        step: usize,
        count: usize,
        now: u64,
        owned: impl Fn(usize) -> bool,
        mut f: impl FnMut(&[u8], &Value),
    ) -> usize {
        let mut n = 0;
        while slot < SLOTS && owned(slot) {
            if let Some(sdb) = self.slots[slot].as_ref() {
                for (k, v) in sdb.keys.iter() {
                    if let Some(&when) = sdb.expires.get(k.as_slice()) {
                        if when <= now {
                            continue;
                        }
                    }
                    n += 1;
                    f(k.as_slice(), v);
                }
            }
            slot += step;
            if n >= count {
                break;
            }
        }
        slot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_remove_expire() {
        let mut db = Db::new();
        db.set(1, b"a", Value::from_bytes(b"1"), false);
        assert_eq!(db.get(1, b"a", 0), Some(&Value::Int(1)));
        db.set_expire(1, b"a", 100);
        assert_eq!(db.volatile_len(), 1);
        assert!(db.get(1, b"a", 99).is_some());
        assert!(db.get(1, b"a", 100).is_none());
        assert_eq!(db.len(), 0);
        assert_eq!(db.volatile_len(), 0);
    }

    #[test]
    fn set_clears_ttl_unless_kept() {
        let mut db = Db::new();
        db.set(1, b"a", Value::from_bytes(b"x"), false);
        db.set_expire(1, b"a", 100);
        db.set(1, b"a", Value::from_bytes(b"y"), true);
        assert_eq!(db.expire_of(1, b"a"), Some(100));
        db.set(1, b"a", Value::from_bytes(b"z"), false);
        assert_eq!(db.expire_of(1, b"a"), None);
        assert_eq!(db.volatile_len(), 0);
    }

    #[test]
    fn active_expiry_reclaims() {
        let mut db = Db::new();
        for i in 0..10_000u32 {
            let k = format!("k{i}");
            let slot = crate::slot::key_hash_slot(k.as_bytes());
            db.set(slot, k.as_bytes(), Value::from_bytes(b"v"), false);
            db.set_expire(slot, k.as_bytes(), 10);
        }
        let mut total = 0;
        while db.volatile_len() > 0 {
            total += db.active_expire(11, 1000).1;
        }
        assert_eq!(total, 10_000);
        assert_eq!(db.len(), 0);
    }

    #[test]
    fn int_encoding() {
        assert_eq!(Value::from_bytes(b"123"), Value::Int(123));
        assert!(matches!(Value::from_bytes(b"0123"), Value::Str(_)));
        assert!(matches!(Value::from_bytes(b"-0"), Value::Str(_)));
        assert_eq!(Value::from_bytes(b"x").encoding(), "embstr");
    }
}
