//! Hash values: a flat vector of pairs while small (Redis's "listpack"), a hash table
//! once it grows past `hash-max-listpack-entries` / `hash-max-listpack-value`.

use super::{Map, SmallBytes};

/// Thresholds for the compact encoding (from the config, Redis's defaults 128 / 64).
#[derive(Clone, Copy, Debug)]
pub struct PackLimits {
    pub max_entries: usize,
    pub max_value: usize,
}

impl Default for PackLimits {
    fn default() -> Self {
        PackLimits {
            max_entries: 128,
            max_value: 64,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum HashValue {
    Pack(Vec<(SmallBytes, SmallBytes)>),
    Table(Map<SmallBytes, SmallBytes>),
}

impl Default for HashValue {
    fn default() -> Self {
        HashValue::Pack(Vec::new())
    }
}

impl HashValue {
    pub fn len(&self) -> usize {
        match self {
            HashValue::Pack(v) => v.len(),
            HashValue::Table(m) => m.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn encoding(&self) -> &'static str {
        match self {
            HashValue::Pack(_) => "listpack",
            HashValue::Table(_) => "hashtable",
        }
    }

    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            HashValue::Pack(v) => v
                .iter()
                .find(|(f, _)| f.as_slice() == field)
                .map(|(_, val)| val.as_slice()),
            HashValue::Table(m) => m.get(field).map(|v| v.as_slice()),
        }
    }

    fn make_table(&mut self) {
        if let HashValue::Pack(v) = self {
            let mut m = Map::with_capacity_and_hasher(v.len() + 1, Default::default());
            for (f, val) in v.drain(..) {
                m.insert(f, val);
            }
            *self = HashValue::Table(m);
        }
    }

    /// Set a field; true if it was new.
    pub fn set(&mut self, field: &[u8], value: &[u8], lim: PackLimits) -> bool {
        if let HashValue::Pack(v) = self {
            if field.len() > lim.max_value || value.len() > lim.max_value {
                self.make_table();
            } else if let Some(e) = v.iter_mut().find(|(f, _)| f.as_slice() == field) {
                e.1 = SmallBytes::new(value);
                return false;
            } else if v.len() < lim.max_entries {
                v.push((SmallBytes::new(field), SmallBytes::new(value)));
                return true;
            } else {
                self.make_table();
            }
        }
        match self {
            HashValue::Table(m) => m
                .insert(SmallBytes::new(field), SmallBytes::new(value))
                .is_none(),
            HashValue::Pack(_) => unreachable!("converted above"),
        }
    }

    /// Remove a field; true if it existed.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            HashValue::Pack(v) => match v.iter().position(|(f, _)| f.as_slice() == field) {
                Some(i) => {
                    v.remove(i);
                    true
                }
                None => false,
            },
            HashValue::Table(m) => m.remove(field).is_some(),
        }
    }

    /// Visit every field and value (in insertion order for the compact encoding).
    pub fn for_each(&self, mut f: impl FnMut(&[u8], &[u8])) {
        match self {
            HashValue::Pack(v) => v
                .iter()
                .for_each(|(k, val)| f(k.as_slice(), val.as_slice())),
            HashValue::Table(m) => m
                .iter()
                .for_each(|(k, val)| f(k.as_slice(), val.as_slice())),
        }
    }

    /// The field/value pairs as vectors (for replies and random picks).
    pub fn pairs(&self) -> Vec<(&[u8], &[u8])> {
        let mut out = Vec::with_capacity(self.len());
        match self {
            HashValue::Pack(v) => {
                out.extend(v.iter().map(|(k, val)| (k.as_slice(), val.as_slice())))
            }
            HashValue::Table(m) => {
                out.extend(m.iter().map(|(k, val)| (k.as_slice(), val.as_slice())))
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_when_large() {
        let lim = PackLimits {
            max_entries: 4,
            max_value: 8,
        };
        let mut h = HashValue::default();
        for i in 0..4 {
            assert!(h.set(format!("f{i}").as_bytes(), b"v", lim));
        }
        assert_eq!(h.encoding(), "listpack");
        assert!(!h.set(b"f0", b"w", lim));
        assert_eq!(h.get(b"f0"), Some(&b"w"[..]));
        assert!(h.set(b"f4", b"v", lim));
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 5);
        let mut h2 = HashValue::default();
        h2.set(b"f", b"a-long-value", lim);
        assert_eq!(h2.encoding(), "hashtable");
        assert!(h.remove(b"f1"));
        assert!(!h.remove(b"f1"));
    }
}
