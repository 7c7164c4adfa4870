//! [`SlotKeys`]: the key → value table of one slot, sized for how many keys the slot
//! holds.
//!
//! A shard keeps one table per slot so that a slot can be counted, scanned, moved and
//! dropped on its own. With 16 384 slots, a keyspace of a few hundred thousand keys
//! leaves a handful of keys in each, where a hash table costs most: its buckets are a
//! power of two at most 7/8 full, plus control bytes. So a slot holds its first
//! [`FEW_MAX`] keys in an exactly sized vector (48 bytes a key, found by comparing
//! bytes), and switches to a hash table past that; it goes back to the vector once it
//! is down to half as many keys.
//!
//! Knows nothing of expiry or of the values' types.

use super::{SmallBytes, Value};

type Hasher = foldhash::fast::FixedState;
type Map = hashbrown::HashMap<SmallBytes, Value, Hasher>;

/// Most keys kept in the vector form. Linear lookups over this many short byte strings
/// cost about what hashing the key does.
pub const FEW_MAX: usize = 12;

pub enum SlotKeys {
    /// At most [`FEW_MAX`] entries, capacity equal to length.
    Few(Vec<(SmallBytes, Value)>),
    Many(Map),
}

impl Default for SlotKeys {
    fn default() -> Self {
        SlotKeys::Few(Vec::new())
    }
}

impl SlotKeys {
    pub fn len(&self) -> usize {
        match self {
            SlotKeys::Few(v) => v.len(),
            SlotKeys::Many(m) => m.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    fn position(v: &[(SmallBytes, Value)], key: &[u8]) -> Option<usize> {
        v.iter().position(|(k, _)| k.as_slice() == key)
    }

    pub fn get(&self, key: &[u8]) -> Option<&Value> {
        match self {
            SlotKeys::Few(v) => Self::position(v, key).map(|i| &v[i].1),
            SlotKeys::Many(m) => m.get(key),
        }
    }

    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Value> {
        match self {
            SlotKeys::Few(v) => Self::position(v, key).map(|i| &mut v[i].1),
            SlotKeys::Many(m) => m.get_mut(key),
        }
    }

    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }

    /// Add a key that is not present.
    pub fn insert_new(&mut self, key: SmallBytes, value: Value) {
        debug_assert!(!self.contains_key(key.as_slice()));
        match self {
            SlotKeys::Few(v) if v.len() < FEW_MAX => {
                v.reserve_exact(1);
                v.push((key, value));
            }
            SlotKeys::Few(v) => {
                let mut m = Map::with_capacity_and_hasher(FEW_MAX + 1, Hasher::default());
                m.extend(v.drain(..));
                m.insert(key, value);
                *self = SlotKeys::Many(m);
            }
            SlotKeys::Many(m) => {
                m.insert(key, value);
            }
        }
    }

    pub fn remove(&mut self, key: &[u8]) -> Option<Value> {
        match self {
            SlotKeys::Few(v) => {
                let i = Self::position(v, key)?;
                let (_, value) = v.swap_remove(i);
                v.shrink_to_fit();
                Some(value)
            }
            SlotKeys::Many(m) => {
                let value = m.remove(key)?;
                if m.len() <= FEW_MAX / 2 {
                    let mut v = Vec::with_capacity(m.len());
                    v.extend(m.drain());
                    *self = SlotKeys::Few(v);
                }
                Some(value)
            }
        }
    }

    /// The entries, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&SmallBytes, &Value)> {
        let (few, many) = match self {
            SlotKeys::Few(v) => (Some(v.iter().map(|(k, v)| (k, v))), None),
            SlotKeys::Many(m) => (None, Some(m.iter())),
        };
        few.into_iter().flatten().chain(many.into_iter().flatten())
    }

    /// Give memory back once the table is mostly empty.
    pub fn shrink_if_sparse(&mut self) {
        if let SlotKeys::Many(m) = self {
            if m.capacity() > 64 && m.len() * 8 < m.capacity() {
                m.shrink_to_fit();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_to_many_and_back() {
        let mut t = SlotKeys::default();
        let key = |i: usize| SmallBytes::new(format!("key:{i}").as_bytes());
        for i in 0..40 {
            t.insert_new(key(i), Value::Int(i as i64));
            assert_eq!(t.len(), i + 1);
            assert_eq!(matches!(t, SlotKeys::Few(_)), i < FEW_MAX);
            if let SlotKeys::Few(v) = &t {
                assert_eq!(v.capacity(), v.len());
            }
        }
        for i in 0..40 {
            assert_eq!(t.get(key(i).as_slice()), Some(&Value::Int(i as i64)));
        }
        assert!(t.get(b"key:40").is_none());
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
        assert_eq!(seen.len(), 40);
        // Down to half of FEW_MAX: back to the vector.
        for i in 0..40 - FEW_MAX / 2 {
            assert!(t.remove(key(i).as_slice()).is_some());
        }
        assert!(matches!(t, SlotKeys::Few(_)));
        assert_eq!(t.len(), FEW_MAX / 2);
        assert!(t.remove(b"key:0").is_none());
        for i in 40 - FEW_MAX / 2..40 {
            assert!(t.contains_key(key(i).as_slice()));
            assert!(t.remove(key(i).as_slice()).is_some());
        }
        assert!(t.is_empty());
        assert_eq!(t.iter().count(), 0);
    }
}
