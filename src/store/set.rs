//! Set values: a sorted vector of integers while every member is an integer (Redis's
//! "intset", up to `set-max-intset-entries`), a small vector ("listpack", up to
//! `set-max-listpack-entries` members of at most `set-max-listpack-value` bytes), else a
//! hash set ("hashtable").

use super::SmallBytes;
use hashbrown::HashSet;

type Set = HashSet<SmallBytes, foldhash::fast::FixedState>;

#[derive(Clone, Copy, Debug)]
pub struct SetLimits {
    pub max_intset: usize,
    pub max_pack: usize,
    pub max_value: usize,
}

impl Default for SetLimits {
    fn default() -> Self {
        SetLimits {
            max_intset: 512,
            max_pack: 128,
            max_value: 64,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum SetValue {
    Ints(Vec<i64>),
    Pack(Vec<SmallBytes>),
    Table(Set),
}

impl Default for SetValue {
    fn default() -> Self {
        SetValue::Ints(Vec::new())
    }
}

fn as_int(m: &[u8]) -> Option<i64> {
    crate::resp::parse_i64(m)
}

impl SetValue {
    /// An empty set suited to its first member (Redis picks the encoding the same way).
    pub fn for_first(member: &[u8], lim: SetLimits) -> SetValue {
        if as_int(member).is_some() {
            SetValue::Ints(Vec::new())
        } else if member.len() <= lim.max_value {
            SetValue::Pack(Vec::new())
        } else {
            SetValue::Table(Set::default())
        }
    }

    pub fn len(&self) -> usize {
        match self {
            SetValue::Ints(v) => v.len(),
            SetValue::Pack(v) => v.len(),
            SetValue::Table(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn encoding(&self) -> &'static str {
        match self {
            SetValue::Ints(_) => "intset",
            SetValue::Pack(_) => "listpack",
            SetValue::Table(_) => "hashtable",
        }
    }

    pub fn contains(&self, m: &[u8]) -> bool {
        match self {
            SetValue::Ints(v) => as_int(m).is_some_and(|n| v.binary_search(&n).is_ok()),
            SetValue::Pack(v) => v.iter().any(|x| x.as_slice() == m),
            SetValue::Table(s) => s.contains(m),
        }
    }

    fn convert(&mut self, to_table: bool) {
        let members = self.members();
        *self = if to_table {
            SetValue::Table(members.into_iter().map(|m| SmallBytes::new(&m)).collect())
        } else {
            SetValue::Pack(members.into_iter().map(|m| SmallBytes::new(&m)).collect())
        };
    }

    /// Add a member; true if it was new.
    pub fn insert(&mut self, m: &[u8], lim: SetLimits) -> bool {
        if let SetValue::Ints(v) = self {
            match as_int(m) {
                Some(n) => match v.binary_search(&n) {
                    Ok(_) => return false,
                    Err(pos) if v.len() < lim.max_intset => {
                        v.insert(pos, n);
                        return true;
                    }
                    Err(_) => self.convert(true),
                },
                None => {
                    let fits = v.len() < lim.max_pack && m.len() <= lim.max_value;
                    self.convert(!fits);
                }
            }
        }
        if self.contains(m) {
            return false;
        }
        if let SetValue::Pack(v) = self {
            if v.len() < lim.max_pack && m.len() <= lim.max_value {
                v.push(SmallBytes::new(m));
                return true;
            }
            self.convert(true);
        }
        match self {
            SetValue::Table(s) => s.insert(SmallBytes::new(m)),
            _ => unreachable!("converted above"),
        }
    }

    /// Remove a member; true if it was there.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match self {
            SetValue::Ints(v) => match as_int(m).map(|n| v.binary_search(&n)) {
                Some(Ok(i)) => {
                    v.remove(i);
                    true
                }
                _ => false,
            },
            SetValue::Pack(v) => match v.iter().position(|x| x.as_slice() == m) {
                Some(i) => {
                    v.swap_remove(i);
                    true
                }
                None => false,
            },
            SetValue::Table(s) => s.remove(m),
        }
    }

    /// All members, copied.
    pub fn members(&self) -> Vec<Vec<u8>> {
        match self {
            SetValue::Ints(v) => v.iter().map(|n| n.to_string().into_bytes()).collect(),
            SetValue::Pack(v) => v.iter().map(|x| x.as_slice().to_vec()).collect(),
            SetValue::Table(s) => s.iter().map(|x| x.as_slice().to_vec()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        let lim = SetLimits {
            max_intset: 3,
            max_pack: 3,
            max_value: 4,
        };
        let mut s = SetValue::for_first(b"1", lim);
        assert!(s.insert(b"1", lim));
        assert!(!s.insert(b"1", lim));
        s.insert(b"2", lim);
        assert_eq!(s.encoding(), "intset");
        s.insert(b"abc", lim);
        assert_eq!(s.encoding(), "listpack");
        s.insert(b"toolong", lim);
        assert_eq!(s.encoding(), "hashtable");
        assert!(s.contains(b"1") && s.contains(b"abc") && s.contains(b"toolong"));
        assert!(s.remove(b"2"));
        assert_eq!(s.len(), 3);
    }
}
