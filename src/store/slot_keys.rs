//! [`SlotKeys`]: the key → value table of one slot, sized for how many keys the slot
//! holds.
//!
//! A shard keeps one table per slot so that a slot can be counted, scanned, moved and
//! dropped on its own. With 16 384 slots, a keyspace of up to a couple of million keys
//! leaves tens of keys in each, where a hash table of 48-byte buckets wastes most: its
//! bucket count doubles when 7/8 full, so it is between 44% and 88% full (about half
//! full at ~61 keys a slot, 1 M keys). So a slot holds its first [`VEC_MAX`] keys in a
//! vector that grows by an eighth, with a parallel vector of one-byte hash tags: a
//! lookup hashes the key, scans the tags (at most two cache lines) and compares the
//! keys whose tag matches. Past [`VEC_MAX`] keys the slot becomes a hash table; it goes
//! back to vectors once down to half as many keys.
//!
//! Knows nothing of expiry or of the values' types.

use super::{SmallBytes, Value};
use std::hash::BuildHasher;

type Hasher = foldhash::fast::FixedState;
type Map = hashbrown::HashMap<SmallBytes, Value, Hasher>;

/// Most keys kept in the vector form: 128 tag bytes are two cache lines.
pub const VEC_MAX: usize = 128;

/// A key's one-byte tag: the top byte of its hash.
#[inline]
fn tag(key: &[u8]) -> u8 {
    (Hasher::default().hash_one(key) >> 56) as u8
}

/// Make room for one more item: exactly while small, then by an eighth.
#[inline]
fn reserve_one<T>(v: &mut Vec<T>) {
    if v.len() == v.capacity() {
        v.reserve_exact((v.len() / 8).max(1));
    }
}

pub enum SlotKeys {
    /// At most [`VEC_MAX`] entries; `tags[i]` is the tag of `entries[i]`'s key.
    Vec {
        entries: Vec<(SmallBytes, Value)>,
        tags: Vec<u8>,
    },
    Map(Map),
}

impl Default for SlotKeys {
    fn default() -> Self {
        SlotKeys::Vec {
            entries: Vec::new(),
            tags: Vec::new(),
        }
    }
}

impl SlotKeys {
    pub fn len(&self) -> usize {
        match self {
            SlotKeys::Vec { entries, .. } => entries.len(),
            SlotKeys::Map(m) => m.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    fn position(entries: &[(SmallBytes, Value)], tags: &[u8], key: &[u8]) -> Option<usize> {
        if entries.is_empty() {
            return None;
        }
        memchr::memchr_iter(tag(key), tags).find(|&i| entries[i].0.as_slice() == key)
    }

    pub fn get(&self, key: &[u8]) -> Option<&Value> {
        match self {
            SlotKeys::Vec { entries, tags } => {
                Self::position(entries, tags, key).map(|i| &entries[i].1)
            }
            SlotKeys::Map(m) => m.get(key),
        }
    }

    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Value> {
        match self {
            SlotKeys::Vec { entries, tags } => {
                Self::position(entries, tags, key).map(|i| &mut entries[i].1)
            }
            SlotKeys::Map(m) => m.get_mut(key),
        }
    }

    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }

    /// Add a key that is not present.
    pub fn insert_new(&mut self, key: SmallBytes, value: Value) {
        debug_assert!(!self.contains_key(key.as_slice()));
        match self {
            SlotKeys::Vec { entries, tags } if entries.len() < VEC_MAX => {
                reserve_one(entries);
                reserve_one(tags);
                tags.push(tag(key.as_slice()));
                entries.push((key, value));
            }
            SlotKeys::Vec { entries, .. } => {
                let mut m = Map::with_capacity_and_hasher(VEC_MAX + 1, Hasher::default());
                m.extend(entries.drain(..));
                m.insert(key, value);
                *self = SlotKeys::Map(m);
            }
            SlotKeys::Map(m) => {
                m.insert(key, value);
            }
        }
    }

    pub fn remove(&mut self, key: &[u8]) -> Option<Value> {
        match self {
            SlotKeys::Vec { entries, tags } => {
                let i = Self::position(entries, tags, key)?;
                tags.swap_remove(i);
                let (_, value) = entries.swap_remove(i);
                if entries.capacity() - entries.len() > (entries.len() / 8).max(1) {
                    entries.shrink_to_fit();
                    tags.shrink_to_fit();
                }
                Some(value)
            }
            SlotKeys::Map(m) => {
                let value = m.remove(key)?;
                if m.len() <= VEC_MAX / 2 {
                    let mut entries = Vec::with_capacity(m.len());
                    entries.extend(m.drain());
                    let tags = entries.iter().map(|(k, _)| tag(k.as_slice())).collect();
                    *self = SlotKeys::Vec { entries, tags };
                }
                Some(value)
            }
        }
    }

    /// The entries, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&SmallBytes, &Value)> {
        let (few, many) = match self {
            SlotKeys::Vec { entries, .. } => (Some(entries.iter().map(|(k, v)| (k, v))), None),
            SlotKeys::Map(m) => (None, Some(m.iter())),
        };
        few.into_iter().flatten().chain(many.into_iter().flatten())
    }

    /// Give memory back once a hash table is mostly empty.
    pub fn shrink_if_sparse(&mut self) {
        if let SlotKeys::Map(m) = self {
            if m.capacity() > 64 && m.len() * 8 < m.capacity() {
                m.shrink_to_fit();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_tags(t: &SlotKeys) {
        if let SlotKeys::Vec { entries, tags } = t {
            assert_eq!(entries.len(), tags.len());
            for (e, &g) in entries.iter().zip(tags) {
                assert_eq!(tag(e.0.as_slice()), g);
            }
            assert!(entries.capacity() <= entries.len() + entries.len() / 8 + 1);
        }
    }

    #[test]
    fn vec_to_map_and_back() {
        let mut t = SlotKeys::default();
        let key = |i: usize| SmallBytes::new(format!("key:{i}").as_bytes());
        let n = VEC_MAX * 3;
        for i in 0..n {
            t.insert_new(key(i), Value::Int(i as i64));
            assert_eq!(t.len(), i + 1);
            assert_eq!(matches!(t, SlotKeys::Vec { .. }), i < VEC_MAX);
            check_tags(&t);
        }
        for i in 0..n {
            assert_eq!(t.get(key(i).as_slice()), Some(&Value::Int(i as i64)));
        }
        assert!(t.get(b"key:none").is_none());
        *t.get_mut(b"key:3").unwrap() = Value::Int(-3);
        assert_eq!(t.get(b"key:3"), Some(&Value::Int(-3)));
        let mut seen: Vec<i64> = t
            .iter()
            .map(|(_, v)| match v {
                Value::Int(n) => *n,
                _ => unreachable!(),
            })
            .collect();
        seen.sort_unstable();
        assert_eq!(seen.len(), n);
        // Down to half of VEC_MAX: back to the vectors.
        for i in 0..n - VEC_MAX / 2 {
            assert!(t.remove(key(i).as_slice()).is_some());
        }
        assert!(matches!(t, SlotKeys::Vec { .. }));
        check_tags(&t);
        assert_eq!(t.len(), VEC_MAX / 2);
        assert!(t.remove(b"key:0").is_none());
        for i in n - VEC_MAX / 2..n {
            assert!(t.contains_key(key(i).as_slice()));
            assert!(t.remove(key(i).as_slice()).is_some());
            check_tags(&t);
        }
        assert!(t.is_empty());
        assert_eq!(t.iter().count(), 0);
        // Empty and binary keys.
        t.insert_new(SmallBytes::new(b""), Value::Int(0));
        t.insert_new(SmallBytes::new(&[0xff; 40]), Value::Int(1));
        assert_eq!(t.get(b""), Some(&Value::Int(0)));
        assert_eq!(t.get(&[0xff; 40]), Some(&Value::Int(1)));
    }
}
