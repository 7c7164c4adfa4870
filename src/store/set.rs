//! Set values, encoded as Redis 7.2 does:
//! - "intset": sorted integers packed at the narrowest width that fits (2, 4 or 8
//!   bytes), while every member is an integer and there are at most
//!   `set-max-intset-entries` of them;
//! - "listpack": a [`Pack`] of members in insertion order, up to
//!   `set-max-listpack-entries` members of at most `set-max-listpack-value` bytes;
//! - "hashtable": a [`Dense`] table.
//!
//! The two compact encodings share one exact-size buffer ([`SetValue::Compact`]),
//! told apart by its first byte, so a `SetValue` is 16 bytes and is held inline in
//! [`super::Value`].
//!
//! Conversions follow Redis's setTypeCreate / setTypeMaybeConvert / setTypeAddAux, so
//! OBJECT ENCODING answers what Redis 7.2 answers; a set never goes back to a more
//! compact encoding except through [`SetValue::intset_if_all_ints`] (SINTERSTORE).

use super::hash::{elem_hash, Dense, Pack, PackIter, PackRef};
use super::SmallBytes;

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

impl SetLimits {
    /// Redis caps intsets at 2^30 entries whatever the config says.
    fn intset_max(&self) -> usize {
        self.max_intset.min(1 << 30)
    }
}

/// Redis's string2ll: a canonical 64-bit decimal integer.
fn as_int(m: &[u8]) -> Option<i64> {
    crate::resp::parse_i64(m)
}

/// Characters of `v` in decimal (Redis's sdigits10, sign included).
fn sdigits10(v: i64) -> usize {
    itoa::Buffer::new().format(v).len()
}

// ---- intsets ----

/// First byte of a listpack-encoded set's buffer. An intset's buffer is empty or
/// starts with its width (2, 4 or 8).
const PACK_TAG: u8 = 0;

/// The listpack of a set: a [`Pack`] behind the one [`PACK_TAG`] byte.
type SetPack = Pack<1>;

fn width_for(v: i64) -> usize {
    if v as i16 as i64 == v {
        2
    } else if v as i32 as i64 == v {
        4
    } else {
        8
    }
}

fn put(v: &mut Vec<u8>, x: i64, w: usize) {
    v.extend_from_slice(&x.to_le_bytes()[..w]);
}

/// A read-only view of an intset buffer: a width byte (2, 4 or 8), then sorted
/// distinct values little-endian at that width (empty: no bytes at all). Like Redis's
/// intset, the width only grows.
#[derive(Clone, Copy)]
struct Ints<'a>(&'a [u8]);

impl Ints<'_> {
    fn width(&self) -> usize {
        self.0.first().map_or(0, |&w| w as usize)
    }

    fn len(&self) -> usize {
        match self.width() {
            0 => 0,
            w => (self.0.len() - 1) / w,
        }
    }

    #[inline]
    fn get(&self, i: usize) -> i64 {
        let w = self.width();
        let b = &self.0[1 + i * w..1 + (i + 1) * w];
        match w {
            2 => i16::from_le_bytes([b[0], b[1]]) as i64,
            4 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64,
            _ => i64::from_le_bytes(b.try_into().expect("8 bytes")),
        }
    }

    fn search(&self, v: i64) -> Result<usize, usize> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.get(mid).cmp(&v) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    fn contains(&self, v: i64) -> bool {
        self.search(v).is_ok()
    }
}

/// Add `v` to the intset in `b`; true if it was new.
fn ints_insert(b: &mut Box<[u8]>, v: i64) -> bool {
    let is = Ints(b);
    let Err(pos) = is.search(v) else {
        return false;
    };
    let (n, w) = (is.len(), is.width());
    let nw = w.max(width_for(v));
    if nw == w {
        let mut buf = std::mem::take(b).into_vec();
        buf.reserve_exact(w);
        let at = 1 + pos * w;
        buf.splice(at..at, v.to_le_bytes()[..w].iter().copied());
        *b = buf.into_boxed_slice();
    } else {
        let mut buf = Vec::with_capacity(1 + (n + 1) * nw);
        buf.push(nw as u8);
        for i in 0..pos {
            put(&mut buf, is.get(i), nw);
        }
        put(&mut buf, v, nw);
        for i in pos..n {
            put(&mut buf, is.get(i), nw);
        }
        *b = buf.into_boxed_slice();
    }
    true
}

/// Remove `v` from the intset in `b`; true if it was there.
fn ints_remove(b: &mut Box<[u8]>, v: i64) -> bool {
    let is = Ints(b);
    let Ok(pos) = is.search(v) else {
        return false;
    };
    if is.len() == 1 {
        *b = Box::default();
        return true;
    }
    let w = is.width();
    let mut buf = std::mem::take(b).into_vec();
    buf.drain(1 + pos * w..1 + (pos + 1) * w);
    *b = buf.into_boxed_slice();
    true
}

/// Run `f` on the listpack in `b`.
fn with_pack<R>(b: &mut Box<[u8]>, f: impl FnOnce(&mut SetPack) -> R) -> R {
    let mut p = Pack(std::mem::take(b));
    let r = f(&mut p);
    *b = p.0;
    r
}

// ---- members ----

/// A member as stored: an integer of an intset, or bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elem<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl Elem<'_> {
    /// The member's bytes, passed to `f` (an integer is formatted on the stack).
    #[inline]
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Elem::Int(n) => f(itoa::Buffer::new().format(*n).as_bytes()),
            Elem::Str(b) => f(b),
        }
    }

    pub fn to_vec(&self) -> Vec<u8> {
        self.with_bytes(|b| b.to_vec())
    }

    /// The member as an integer, if it is one (Redis's string2ll).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Elem::Int(n) => Some(*n),
            Elem::Str(b) => as_int(b),
        }
    }
}

// ---- SetValue ----

type Table = Dense<SmallBytes>;

#[derive(Clone, PartialEq)]
pub enum SetValue {
    /// An intset or a listpack, told apart by the first byte (see [`PACK_TAG`]).
    Compact(Box<[u8]>),
    Table(Box<Table>),
}

const _: () = assert!(std::mem::size_of::<SetValue>() == 16);

/// A read-only view of a set in its encoding.
enum View<'a> {
    Ints(Ints<'a>),
    Pack(PackRef<'a>),
    Table(&'a Table),
}

impl Default for SetValue {
    /// An empty intset.
    fn default() -> Self {
        SetValue::Compact(Box::default())
    }
}

impl std::fmt::Debug for SetValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let members: Vec<String> = self
            .iter()
            .map(|e| e.with_bytes(|b| String::from_utf8_lossy(b).into_owned()))
            .collect();
        f.debug_tuple(self.encoding()).field(&members).finish()
    }
}

impl SetValue {
    #[inline]
    fn view(&self) -> View<'_> {
        match self {
            SetValue::Compact(b) if b.first() == Some(&PACK_TAG) => View::Pack(PackRef::new(b, 1)),
            SetValue::Compact(b) => View::Ints(Ints(b)),
            SetValue::Table(t) => View::Table(t),
        }
    }

    /// An empty set for a first member and about `size_hint` members (Redis's
    /// setTypeCreate).
    pub fn create(first: &[u8], size_hint: usize, lim: SetLimits) -> SetValue {
        if as_int(first).is_some() && size_hint <= lim.max_intset {
            SetValue::default()
        } else if size_hint <= lim.max_pack {
            SetValue::new_pack()
        } else {
            SetValue::Table(Box::new(Table::with_capacity(size_hint)))
        }
    }

    /// An empty listpack-encoded set.
    pub fn new_pack() -> SetValue {
        SetValue::Compact(Box::new([PACK_TAG, 0]))
    }

    /// Convert to a table when about `size_hint` more members are coming that the
    /// compact encoding cannot hold (Redis's setTypeMaybeConvert).
    pub fn maybe_convert(&mut self, size_hint: usize, lim: SetLimits) {
        let big = match self.view() {
            View::Pack(_) => size_hint > lim.max_pack,
            View::Ints(_) => size_hint > lim.max_intset,
            View::Table(_) => false,
        };
        if big {
            self.make_table(size_hint);
        }
    }

    pub fn len(&self) -> usize {
        match self.view() {
            View::Ints(v) => v.len(),
            View::Pack(p) => p.len(),
            View::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn encoding(&self) -> &'static str {
        match self.view() {
            View::Ints(_) => "intset",
            View::Pack(_) => "listpack",
            View::Table(_) => "hashtable",
        }
    }

    pub fn is_intset(&self) -> bool {
        matches!(self.view(), View::Ints(_))
    }

    pub fn is_listpack(&self) -> bool {
        matches!(self.view(), View::Pack(_))
    }

    pub fn contains(&self, m: &[u8]) -> bool {
        match self.view() {
            View::Ints(v) => as_int(m).is_some_and(|n| v.contains(n)),
            View::Pack(p) => p.iter().any(|x| x == m),
            View::Table(t) => t.find(m).is_some(),
        }
    }

    pub fn contains_elem(&self, e: Elem) -> bool {
        match (self.view(), e) {
            (View::Ints(v), Elem::Int(n)) => v.contains(n),
            _ => e.with_bytes(|b| self.contains(b)),
        }
    }

    /// Move every member into a table sized for `cap`.
    fn make_table(&mut self, cap: usize) {
        let mut t = Table::with_capacity(cap.max(self.len()));
        for e in self.iter() {
            e.with_bytes(|b| t.push_new(SmallBytes::new(b)));
        }
        *self = SetValue::Table(Box::new(t));
    }

    /// Add to a table (the member must be absent).
    fn table_push(&mut self, m: &[u8]) {
        if let SetValue::Table(t) = self {
            t.push_new(SmallBytes::new(m));
        }
    }

    /// Add a member; true if it was new.
    pub fn insert(&mut self, m: &[u8], lim: SetLimits) -> bool {
        match self.view() {
            View::Ints(v) => match as_int(m) {
                Some(n) => self.insert_int(n, lim),
                None => {
                    let n = v.len();
                    let maxelelen = if n == 0 {
                        0
                    } else {
                        sdigits10(v.get(0)).max(sdigits10(v.get(n - 1)))
                    };
                    if n < lim.max_pack && m.len() <= lim.max_value && maxelelen <= lim.max_value {
                        let mut p = SetPack::default();
                        let mut b = itoa::Buffer::new();
                        let nums: Vec<i64> = (0..n).map(|i| v.get(i)).collect();
                        let mut items: Vec<Vec<u8>> = nums
                            .iter()
                            .map(|x| b.format(*x).as_bytes().to_vec())
                            .collect();
                        items.push(m.to_vec());
                        let refs: Vec<&[u8]> = items.iter().map(|x| x.as_slice()).collect();
                        p.push(&refs);
                        *self = SetValue::Compact(p.0);
                    } else {
                        self.make_table(n + 1);
                        self.table_push(m);
                    }
                    true
                }
            },
            View::Pack(p) => {
                if p.iter().any(|x| x == m) {
                    return false;
                }
                let n = p.len();
                if n < lim.max_pack && m.len() <= lim.max_value {
                    if let SetValue::Compact(b) = self {
                        with_pack(b, |p| p.push(&[m]));
                    }
                } else {
                    self.make_table(n + 1);
                    self.table_push(m);
                }
                true
            }
            View::Table(t) => {
                if t.find(m).is_some() {
                    return false;
                }
                self.table_push(m);
                true
            }
        }
    }

    /// Add an integer to an intset (converting it to a table when it grows too big).
    fn insert_int(&mut self, n: i64, lim: SetLimits) -> bool {
        let SetValue::Compact(b) = self else {
            unreachable!("an intset")
        };
        if !ints_insert(b, n) {
            return false;
        }
        if Ints(b).len() > lim.intset_max() {
            self.make_table(0);
        }
        true
    }

    pub fn insert_elem(&mut self, e: Elem, lim: SetLimits) -> bool {
        match (self.view(), e) {
            (View::Ints(_), Elem::Int(n)) => self.insert_int(n, lim),
            _ => e.with_bytes(|b| self.insert(b, lim)),
        }
    }

    /// Remove a member; true if it was there.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        let is_pack = matches!(self.view(), View::Pack(_));
        match self {
            SetValue::Compact(b) if is_pack => with_pack(b, |p| match p.find(m) {
                Some(s) => {
                    p.splice(s.start..s.data.end, 1, &[]);
                    true
                }
                None => false,
            }),
            SetValue::Compact(b) => as_int(m).is_some_and(|n| ints_remove(b, n)),
            SetValue::Table(t) => t.remove(m).is_some(),
        }
    }

    pub fn remove_elem(&mut self, e: Elem) -> bool {
        match (self.view(), e) {
            (View::Ints(_), Elem::Int(n)) => match self {
                SetValue::Compact(b) => ints_remove(b, n),
                SetValue::Table(_) => unreachable!("an intset"),
            },
            _ => e.with_bytes(|b| self.remove(b)),
        }
    }

    /// The members: sorted for an intset, insertion order for a listpack.
    pub fn iter(&self) -> SetIter<'_> {
        match self.view() {
            View::Ints(v) => SetIter(IterRepr::Ints(v, 0)),
            View::Pack(p) => SetIter(IterRepr::Pack(p.iter())),
            View::Table(t) => SetIter(IterRepr::Table(t.items().iter())),
        }
    }

    /// The `i`-th member in iteration order (`i < len`): O(1) but for a listpack.
    pub fn nth(&self, i: usize) -> Elem<'_> {
        match self.view() {
            View::Ints(v) => Elem::Int(v.get(i)),
            View::Pack(p) => Elem::Str(p.iter().nth(i).expect("index in range")),
            View::Table(t) => Elem::Str(t.items()[i].as_slice()),
        }
    }

    /// Remove and return the `i`-th member in iteration order.
    pub fn take_nth(&mut self, i: usize) -> Vec<u8> {
        let m = self.nth(i).to_vec();
        match self {
            SetValue::Table(t) => {
                t.remove_at(i);
            }
            _ => {
                self.remove(&m);
            }
        }
        m
    }

    /// All members, copied.
    pub fn members(&self) -> Vec<Vec<u8>> {
        self.iter().map(|e| e.to_vec()).collect()
    }

    /// Become an intset if every member is an integer and they fit (Redis's
    /// maybeConvertToIntset).
    pub fn intset_if_all_ints(&mut self, lim: SetLimits) {
        if matches!(self.view(), View::Ints(_)) || self.len() > lim.intset_max() {
            return;
        }
        let mut is = Box::default();
        for e in self.iter() {
            match e.as_int() {
                Some(n) => {
                    ints_insert(&mut is, n);
                }
                None => return,
            }
        }
        *self = SetValue::Compact(is);
    }

    /// A SCAN page: the whole set (cursor 0) when compact, else see [`Dense::scan`].
    pub fn scan(&self, cursor: u64, count: usize) -> (Vec<Elem<'_>>, u64) {
        match self.view() {
            View::Table(t) => {
                let (page, next) = t.scan(cursor, count);
                (
                    page.into_iter().map(|m| Elem::Str(m.as_slice())).collect(),
                    next,
                )
            }
            _ => (self.iter().collect(), 0),
        }
    }

    /// The SCAN order hash of a member (tests).
    pub fn scan_hash(m: &[u8]) -> u64 {
        elem_hash(m)
    }
}

/// The members of a set, as [`Elem`]s.
pub struct SetIter<'a>(IterRepr<'a>);

enum IterRepr<'a> {
    Ints(Ints<'a>, usize),
    Pack(PackIter<'a>),
    Table(std::slice::Iter<'a, SmallBytes>),
}

impl<'a> Iterator for SetIter<'a> {
    type Item = Elem<'a>;

    #[inline]
    fn next(&mut self) -> Option<Elem<'a>> {
        match &mut self.0 {
            IterRepr::Ints(v, i) => {
                if *i >= v.len() {
                    return None;
                }
                *i += 1;
                Some(Elem::Int(v.get(*i - 1)))
            }
            IterRepr::Pack(it) => it.next().map(Elem::Str),
            IterRepr::Table(it) => it.next().map(|m| Elem::Str(m.as_slice())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIM: SetLimits = SetLimits {
        max_intset: 3,
        max_pack: 3,
        max_value: 4,
    };

    fn strs(s: &SetValue) -> Vec<String> {
        s.members()
            .into_iter()
            .map(|m| String::from_utf8(m).unwrap())
            .collect()
    }

    #[test]
    fn intset_widths() {
        let mut is: Box<[u8]> = Box::default();
        for v in [5, -3, 40000, 1, i64::MIN, 7, 70000, -70000] {
            assert!(ints_insert(&mut is, v));
        }
        assert!(!ints_insert(&mut is, 7));
        let v = Ints(&is);
        let got: Vec<i64> = (0..v.len()).map(|i| v.get(i)).collect();
        assert_eq!(got, vec![i64::MIN, -70000, -3, 1, 5, 7, 40000, 70000]);
        assert!(ints_remove(&mut is, i64::MIN) && !ints_remove(&mut is, i64::MIN));
        assert!(Ints(&is).contains(70000) && !Ints(&is).contains(6));
        for v in [-70000, -3, 1, 5, 7, 40000, 70000] {
            assert!(ints_remove(&mut is, v));
        }
        assert!(is.is_empty());
        let mut small: Box<[u8]> = Box::default();
        for v in [3, 1, 2] {
            ints_insert(&mut small, v);
        }
        assert_eq!(small.len(), 1 + 3 * 2);
    }

    #[test]
    fn encodings() {
        let mut s = SetValue::create(b"1", 1, LIM);
        assert!(s.insert(b"1", LIM));
        assert!(!s.insert(b"1", LIM));
        s.insert(b"2", LIM);
        assert_eq!(s.encoding(), "intset");
        s.insert(b"abc", LIM);
        assert_eq!(s.encoding(), "listpack");
        assert_eq!(strs(&s), vec!["1", "2", "abc"]);
        assert!(!s.insert(b"abc", LIM) && !s.insert(b"2", LIM));
        assert_eq!(s.len(), 3);
        assert!(s.remove(b"abc") && !s.remove(b"abc"));
        s.insert(b"abc", LIM);
        s.insert(b"toolong", LIM);
        assert_eq!(s.encoding(), "hashtable");
        assert!(s.contains(b"1") && s.contains(b"abc") && s.contains(b"toolong"));
        assert!(s.remove(b"2"));
        assert_eq!(s.len(), 3);
        // Too many integers: straight to a table.
        let mut t = SetValue::create(b"1", 1, LIM);
        for i in 0..4 {
            t.insert(i.to_string().as_bytes(), LIM);
        }
        assert_eq!(t.encoding(), "hashtable");
        t.intset_if_all_ints(SetLimits::default());
        assert_eq!(t.encoding(), "intset");
        assert_eq!(strs(&t), vec!["0", "1", "2", "3"]);
        // An intset whose numbers are too wide for the listpack values.
        let mut u = SetValue::create(b"12345", 1, LIM);
        u.insert(b"12345", LIM);
        u.insert(b"a", LIM);
        assert_eq!(u.encoding(), "hashtable");
        // Size hints.
        assert_eq!(SetValue::create(b"1", 4, LIM).encoding(), "hashtable");
        assert_eq!(SetValue::create(b"a", 3, LIM).encoding(), "listpack");
        let mut p = SetValue::create(b"a", 1, LIM);
        p.maybe_convert(4, LIM);
        assert_eq!(p.encoding(), "hashtable");
    }

    #[test]
    fn elems_and_take() {
        let mut s = SetValue::create(b"x", 1, SetLimits::default());
        for m in ["x", "y", "z"] {
            s.insert(m.as_bytes(), SetLimits::default());
        }
        assert_eq!(s.take_nth(0), b"x");
        assert_eq!(strs(&s), vec!["y", "z"]);
        let mut i = SetValue::create(b"1", 1, SetLimits::default());
        i.insert_elem(Elem::Int(9), SetLimits::default());
        i.insert_elem(Elem::Str(b"3"), SetLimits::default());
        assert!(i.contains_elem(Elem::Str(b"9")) && i.contains_elem(Elem::Int(3)));
        assert!(!i.contains_elem(Elem::Str(b"03")));
        assert_eq!(i.take_nth(1), b"9");
    }
}
