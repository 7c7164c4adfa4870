//! List values: a ring buffer of elements. OBJECT ENCODING reports "listpack" while the
//! list is small (Redis 7.2's `list-max-listpack-size` -2: 8 KiB) and "quicklist" after.

use super::SmallBytes;
use std::collections::VecDeque;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListValue {
    pub items: VecDeque<SmallBytes>,
    /// Bytes of all elements, for the encoding name (Redis's listpack size limit).
    bytes: usize,
    /// Once "quicklist", a list reports so until it shrinks to half the limit (as Redis
    /// converts back only well below the threshold).
    big: bool,
}

const PACK_BYTES: usize = 8 * 1024;
const PACK_ENTRIES: usize = 128;

impl ListValue {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn update(&mut self) {
        if self.bytes > PACK_BYTES || self.items.len() > PACK_ENTRIES {
            self.big = true;
        } else if self.big && self.bytes <= PACK_BYTES / 2 && self.items.len() <= PACK_ENTRIES / 2 {
            self.big = false;
        }
    }

    pub fn encoding(&self) -> &'static str {
        if self.big {
            "quicklist"
        } else {
            "listpack"
        }
    }

    pub fn push_front(&mut self, v: &[u8]) {
        self.bytes += v.len();
        self.items.push_front(SmallBytes::new(v));
        self.update();
    }

    pub fn push_back(&mut self, v: &[u8]) {
        self.bytes += v.len();
        self.items.push_back(SmallBytes::new(v));
        self.update();
    }

    pub fn pop_front(&mut self) -> Option<SmallBytes> {
        let v = self.items.pop_front()?;
        self.bytes -= v.len();
        self.update();
        Some(v)
    }

    pub fn pop_back(&mut self) -> Option<SmallBytes> {
        let v = self.items.pop_back()?;
        self.bytes -= v.len();
        self.update();
        Some(v)
    }

    pub fn insert(&mut self, i: usize, v: &[u8]) {
        self.bytes += v.len();
        self.items.insert(i, SmallBytes::new(v));
        self.update();
    }

    pub fn remove(&mut self, i: usize) -> Option<SmallBytes> {
        let v = self.items.remove(i)?;
        self.bytes -= v.len();
        self.update();
        Some(v)
    }

    pub fn set(&mut self, i: usize, v: &[u8]) {
        self.bytes = self.bytes - self.items[i].len() + v.len();
        self.items[i] = SmallBytes::new(v);
        self.update();
    }

    /// Keep only `start..end` (indices already clamped).
    pub fn retain_range(&mut self, start: usize, end: usize) {
        self.items.truncate(end);
        self.items.drain(..start.min(self.items.len()));
        self.bytes = self.items.iter().map(|x| x.len()).sum();
        self.update();
    }

    /// Remove elements for which `f` is true, up to `limit` (0 = all), from the head
    /// (`from_tail` false) or the tail. Returns how many were removed.
    pub fn remove_matching(
        &mut self,
        limit: usize,
        from_tail: bool,
        f: impl Fn(&[u8]) -> bool,
    ) -> usize {
        let mut removed = 0;
        let n = self.items.len();
        let mut keep = vec![true; n];
        let order: Box<dyn Iterator<Item = usize>> = if from_tail {
            Box::new((0..n).rev())
        } else {
            Box::new(0..n)
        };
        for i in order {
            if limit != 0 && removed == limit {
                break;
            }
            if f(self.items[i].as_slice()) {
                keep[i] = false;
                removed += 1;
            }
        }
        if removed > 0 {
            let mut i = 0;
            self.items.retain(|_| {
                let k = keep[i];
                i += 1;
                k
            });
            self.bytes = self.items.iter().map(|x| x.len()).sum();
            self.update();
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_follows_size() {
        let mut l = ListValue::default();
        for _ in 0..50 {
            l.push_back(b"x");
        }
        assert_eq!(l.encoding(), "listpack");
        l.push_back(&vec![b'y'; 9000]);
        assert_eq!(l.encoding(), "quicklist");
        l.pop_back();
        assert_eq!(l.encoding(), "listpack");
        assert_eq!(l.remove_matching(10, false, |v| v == b"x"), 10);
        assert_eq!(l.len(), 40);
    }
}
