//! [`SmallBytes`]: a 24-byte byte string that keeps up to 23 bytes inline.
//!
//! Keys and small string values are stored inline, so a typical key/value entry of a
//! shard's table is 48 bytes with no extra allocation. The inline length is an enum so
//! the compiler has a niche: `Option<SmallBytes>` and `Value` stay 24 bytes.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};

macro_rules! inline_len {
    ($($v:ident = $n:expr),* $(,)?) => {
        /// The length of an inline string, 0..=23 (an enum so its other values are a niche).
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        #[repr(u8)]
        pub enum InlineLen { $($v = $n),* }
        impl InlineLen {
            fn from_len(n: usize) -> InlineLen {
                match n { $($n => InlineLen::$v,)* _ => unreachable!("inline length {n}") }
            }
        }
    };
}

inline_len!(
    L0 = 0,
    L1 = 1,
    L2 = 2,
    L3 = 3,
    L4 = 4,
    L5 = 5,
    L6 = 6,
    L7 = 7,
    L8 = 8,
    L9 = 9,
    L10 = 10,
    L11 = 11,
    L12 = 12,
    L13 = 13,
    L14 = 14,
    L15 = 15,
    L16 = 16,
    L17 = 17,
    L18 = 18,
    L19 = 19,
    L20 = 20,
    L21 = 21,
    L22 = 22,
    L23 = 23,
);

pub const INLINE_CAP: usize = 23;

/// Bytes stored inline (≤ 23), as an exact-size boxed slice, or as a growable vector
/// for strings that are appended to (APPEND/SETRANGE grow them amortized, like sds).
#[derive(Clone)]
pub enum SmallBytes {
    Inline {
        len: InlineLen,
        data: [u8; INLINE_CAP],
    },
    Boxed(Box<[u8]>),
    Growable(Box<Vec<u8>>),
}

const _: () = assert!(std::mem::size_of::<SmallBytes>() == 24);

impl SmallBytes {
    pub fn new(b: &[u8]) -> Self {
        if b.len() <= INLINE_CAP {
            let mut data = [0u8; INLINE_CAP];
            data[..b.len()].copy_from_slice(b);
            SmallBytes::Inline {
                len: InlineLen::from_len(b.len()),
                data,
            }
        } else {
            SmallBytes::Boxed(b.into())
        }
    }

    pub fn from_vec(v: Vec<u8>) -> Self {
        if v.len() <= INLINE_CAP {
            Self::new(&v)
        } else {
            SmallBytes::Boxed(v.into_boxed_slice())
        }
    }

    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match self {
            SmallBytes::Inline { len, data } => &data[..*len as usize],
            SmallBytes::Boxed(b) => b,
            SmallBytes::Growable(v) => v,
        }
    }

    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Mutable access for in-place growth: converts to the growable form.
    pub fn make_growable(&mut self) -> &mut Vec<u8> {
        if !matches!(self, SmallBytes::Growable(_)) {
            let v = self.as_slice().to_vec();
            *self = SmallBytes::Growable(Box::new(v));
        }
        match self {
            SmallBytes::Growable(v) => v,
            _ => unreachable!(),
        }
    }

    /// Heap bytes owned beyond the 24 inline bytes (for memory accounting and OBJECT).
    pub fn is_inline(&self) -> bool {
        matches!(self, SmallBytes::Inline { .. })
    }
}

impl std::fmt::Debug for SmallBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_slice()))
    }
}

impl PartialEq for SmallBytes {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}
impl Eq for SmallBytes {}

impl Hash for SmallBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state)
    }
}

impl Borrow<[u8]> for SmallBytes {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialOrd for SmallBytes {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for SmallBytes {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_boxed_growable() {
        for n in [0usize, 1, 22, 23, 24, 100] {
            let v: Vec<u8> = (0..n as u8).collect();
            let s = SmallBytes::new(&v);
            assert_eq!(s.as_slice(), &v[..]);
            assert_eq!(s.is_inline(), n <= INLINE_CAP);
        }
        let mut s = SmallBytes::new(b"abc");
        s.make_growable().extend_from_slice(b"def");
        assert_eq!(s.as_slice(), b"abcdef");
        assert_eq!(std::mem::size_of::<Option<SmallBytes>>(), 24);
    }
}
