//! Sorted set values. (Placeholder: the ordered structure with O(log n) rank is being
//! written; until then a sorted vector of (score, member).)

use super::SmallBytes;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ZSetValue {
    /// Sorted by (score, member).
    pub items: Vec<(f64, SmallBytes)>,
}

impl ZSetValue {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn encoding(&self) -> &'static str {
        if self.items.len() <= 128 && self.items.iter().all(|(_, m)| m.len() <= 64) {
            "listpack"
        } else {
            "skiplist"
        }
    }
}
