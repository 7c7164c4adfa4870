//! Hash values: one exact-size buffer of length-prefixed fields and values while small
//! (Redis's "listpack"), a table once it grows past `hash-max-listpack-entries` entries
//! or gets a field or value longer than `hash-max-listpack-value` bytes ("hashtable").
//!
//! Also the two containers sets share ([`super::set`]):
//! - [`Pack`]: byte strings in one allocation, in insertion order. A small hash of five
//!   short fields costs one ~80-byte block instead of five 48-byte pairs.
//! - [`Dense`]: the table encoding. Items live in a dense vector; an index table maps
//!   a key's hash to its position. A random item is O(1) (HRANDFIELD, SRANDMEMBER,
//!   SPOP), removal swaps the last item into the hole.
//!
//! SCAN over a [`Dense`] ([`Dense::scan`]) orders items by [`elem_hash`], a hash that
//! depends only on the bytes: the cursor is the next hash value to visit. An item
//! present for the whole scan is returned exactly once, whatever is added, removed or
//! rehashed between calls.

use super::packed::{get_varint, put_varint, varint_len};
use super::SmallBytes;
use hashbrown::HashTable;
use std::hash::BuildHasher;
use std::ops::Range;

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

/// The hash of a field or member: the index hash of [`Dense`] and the order of SCAN
/// cursors. Fixed seed, so it depends on the bytes only.
#[inline]
pub fn elem_hash(b: &[u8]) -> u64 {
    foldhash::fast::FixedState::default().hash_one(b)
}

// ---- Pack ----

fn rewrite_varint(b: &mut [u8], mut pos: usize, mut n: usize) {
    while n >= 0x80 {
        b[pos] = (n as u8) | 0x80;
        n >>= 7;
        pos += 1;
    }
    b[pos] = n as u8;
}

fn encoded_len(items: &[&[u8]]) -> usize {
    items.iter().map(|i| varint_len(i.len()) + i.len()).sum()
}

fn put_items(v: &mut Vec<u8>, items: &[&[u8]]) {
    for i in items {
        put_varint(v, i.len());
        v.extend_from_slice(i);
    }
}

/// Byte strings in one exact-size allocation, in insertion order (Redis's listpack):
/// `P` prefix bytes owned by the container (zero; sets use one to tell a listpack from
/// an intset), the entry count as a LEB128 varint, then each entry as its LEB128
/// length and its bytes. A pack without entries may own no allocation at all.
/// Lookups are linear, as in Redis.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Pack<const P: usize = 0>(pub(super) Box<[u8]>);

/// Where one entry of a [`Pack`] lies: `start` (its length prefix) and its bytes.
#[derive(Clone, Debug)]
pub struct Slot {
    pub start: usize,
    pub data: Range<usize>,
}

/// A read-only view of a [`Pack`]'s bytes.
#[derive(Clone, Copy)]
pub struct PackRef<'a> {
    buf: &'a [u8],
    count: usize,
    body: usize,
}

impl<'a> PackRef<'a> {
    /// The view of a pack buffer with `prefix` container bytes.
    #[inline]
    pub fn new(buf: &'a [u8], prefix: usize) -> Self {
        if buf.len() <= prefix {
            return PackRef {
                buf,
                count: 0,
                body: buf.len(),
            };
        }
        let (count, body) = get_varint(buf, prefix);
        PackRef { buf, count, body }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The entries, in order.
    pub fn iter(&self) -> PackIter<'a> {
        PackIter {
            buf: self.buf,
            pos: self.body,
        }
    }

    /// The entries with their positions.
    pub fn slots(&self) -> SlotIter<'a> {
        SlotIter {
            buf: self.buf,
            pos: self.body,
        }
    }

    /// The bytes of an entry found by [`Self::slots`].
    pub fn at(&self, s: &Slot) -> &'a [u8] {
        &self.buf[s.data.clone()]
    }

    /// The first entry equal to `b`.
    pub fn find(&self, b: &[u8]) -> Option<Slot> {
        let buf = self.buf;
        self.slots().find(|s| &buf[s.data.clone()] == b)
    }
}

impl<const P: usize> Pack<P> {
    #[inline]
    pub fn view(&self) -> PackRef<'_> {
        PackRef::new(&self.0, P)
    }

    pub fn len(&self) -> usize {
        self.view().len()
    }

    pub fn is_empty(&self) -> bool {
        self.view().is_empty()
    }

    /// Bytes held (prefix and count included).
    pub fn bytes(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> PackIter<'_> {
        self.view().iter()
    }

    pub fn slots(&self) -> SlotIter<'_> {
        self.view().slots()
    }

    pub fn at(&self, s: &Slot) -> &[u8] {
        &self.0[s.data.clone()]
    }

    pub fn find(&self, b: &[u8]) -> Option<Slot> {
        self.view().find(b)
    }

    /// A new buffer: the prefix, `count`, and the given byte ranges of the old one
    /// and new entries, in order.
    fn rebuild(&self, count: usize, parts: &[Part]) -> Box<[u8]> {
        let len = P
            + varint_len(count)
            + parts
                .iter()
                .map(|p| match p {
                    Part::Old(r) => r.len(),
                    Part::New(items) => encoded_len(items),
                })
                .sum::<usize>();
        let mut v = Vec::with_capacity(len);
        v.resize(P, 0);
        if self.0.len() >= P {
            v.copy_from_slice(&self.0[..P]);
        }
        put_varint(&mut v, count);
        for p in parts {
            match p {
                Part::Old(r) => v.extend_from_slice(&self.0[r.clone()]),
                Part::New(items) => put_items(&mut v, items),
            }
        }
        v.into_boxed_slice()
    }

    /// Append entries.
    pub fn push(&mut self, items: &[&[u8]]) {
        let PackRef { count, body, .. } = self.view();
        let new_count = count + items.len();
        if self.0.len() > P && varint_len(new_count) == body - P {
            // The count keeps its size: grow in place (realloc).
            let mut v = std::mem::take(&mut self.0).into_vec();
            v.reserve_exact(encoded_len(items));
            put_items(&mut v, items);
            rewrite_varint(&mut v, P, new_count);
            self.0 = v.into_boxed_slice();
        } else {
            let end = self.0.len();
            self.0 = self.rebuild(new_count, &[Part::Old(body..end), Part::New(items)]);
        }
    }

    /// Replace the whole entries in byte range `r` (holding `removed` entries) with
    /// `items`.
    pub fn splice(&mut self, r: Range<usize>, removed: usize, items: &[&[u8]]) {
        let PackRef { count, body, .. } = self.view();
        let new_count = count - removed + items.len();
        if new_count == 0 && P == 0 {
            self.0 = Box::default();
            return;
        }
        let add = encoded_len(items);
        if add == r.len() && varint_len(new_count) == body - P {
            // Same size: rewrite in place.
            let mut v = Vec::with_capacity(add);
            put_items(&mut v, items);
            self.0[r].copy_from_slice(&v);
            rewrite_varint(&mut self.0, P, new_count);
            return;
        }
        let end = self.0.len();
        self.0 = self.rebuild(
            new_count,
            &[
                Part::Old(body..r.start),
                Part::New(items),
                Part::Old(r.end..end),
            ],
        );
    }
}

/// A piece of a rebuilt pack: bytes of the old buffer, or new entries.
enum Part<'a> {
    Old(Range<usize>),
    New(&'a [&'a [u8]]),
}

impl<const P: usize> std::fmt::Debug for Pack<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(String::from_utf8_lossy))
            .finish()
    }
}

pub struct PackIter<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for PackIter<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let (n, p) = get_varint(self.buf, self.pos);
        self.pos = p + n;
        Some(&self.buf[p..p + n])
    }
}

pub struct SlotIter<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Iterator for SlotIter<'_> {
    type Item = Slot;

    #[inline]
    fn next(&mut self) -> Option<Slot> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let start = self.pos;
        let (n, p) = get_varint(self.buf, self.pos);
        self.pos = p + n;
        Some(Slot {
            start,
            data: p..p + n,
        })
    }
}

// ---- Dense ----

/// An item of a [`Dense`] table: what it is looked up by.
pub trait Keyed {
    fn key(&self) -> &[u8];
}

impl Keyed for SmallBytes {
    fn key(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Keyed for (SmallBytes, SmallBytes) {
    fn key(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// A hash table over a dense vector: `index` maps [`elem_hash`] of a key to the item's
/// position in `items`. Removal moves the last item into the hole.
#[derive(Clone)]
pub struct Dense<T> {
    items: Vec<T>,
    index: HashTable<u32>,
}

impl<T: Keyed> Dense<T> {
    pub fn with_capacity(n: usize) -> Self {
        Dense {
            items: Vec::with_capacity(n),
            index: HashTable::with_capacity(n),
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items, in storage order.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// The position of the item with key `k`.
    pub fn find(&self, k: &[u8]) -> Option<usize> {
        let items = &self.items;
        self.index
            .find(elem_hash(k), |&i| items[i as usize].key() == k)
            .map(|&i| i as usize)
    }

    pub fn get(&self, k: &[u8]) -> Option<&T> {
        self.find(k).map(|i| &self.items[i])
    }

    /// Mutable access to an item (its key must not change).
    fn item_mut(&mut self, i: usize) -> &mut T {
        &mut self.items[i]
    }

    /// Add an item whose key is not present.
    pub fn push_new(&mut self, t: T) {
        let h = elem_hash(t.key());
        let i = self.items.len() as u32;
        self.items.push(t);
        let items = &self.items;
        self.index
            .insert_unique(h, i, |&j| elem_hash(items[j as usize].key()));
    }

    /// Remove the item with key `k`.
    pub fn remove(&mut self, k: &[u8]) -> Option<T> {
        let i = self.find(k)?;
        Some(self.remove_at(i))
    }

    /// Remove the item at position `i` (the last item takes its place).
    pub fn remove_at(&mut self, i: usize) -> T {
        let h = elem_hash(self.items[i].key());
        let slot = self
            .index
            .find_entry(h, |&j| j as usize == i)
            .unwrap_or_else(|_| unreachable!("every item is indexed"));
        slot.remove();
        let last = self.items.len() - 1;
        if i != last {
            let mh = elem_hash(self.items[last].key());
            let moved = self
                .index
                .find_mut(mh, |&j| j as usize == last)
                .expect("every item is indexed");
            *moved = i as u32;
        }
        let t = self.items.swap_remove(i);
        // Give memory back once mostly empty (Redis shrinks below 10% fill).
        if self.items.capacity() > 16 && self.items.len() * 8 < self.items.capacity() {
            self.items.shrink_to_fit();
            let items = &self.items;
            self.index
                .shrink_to_fit(|&j| elem_hash(items[j as usize].key()));
        }
        t
    }

    /// One SCAN page: the items whose [`elem_hash`] is at least `cursor`, lowest hashes
    /// first, at least `count` of them (or all that are left) and never splitting equal
    /// hashes. Returns them and the next cursor (0 when no item is left above).
    pub fn scan(&self, cursor: u64, count: usize) -> (Vec<&T>, u64) {
        let mut cands: Vec<(u64, u32)> = self
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, t)| {
                let h = elem_hash(t.key());
                (h >= cursor).then_some((h, i as u32))
            })
            .collect();
        let count = count.max(1);
        if cands.len() <= count {
            return (cands.iter().map(|c| &self.items[c.1 as usize]).collect(), 0);
        }
        cands.select_nth_unstable_by_key(count - 1, |c| c.0);
        let top = cands[count - 1].0;
        let mut page = Vec::with_capacity(count);
        let mut more = false;
        for c in &cands {
            if c.0 <= top {
                page.push(&self.items[c.1 as usize]);
            } else {
                more = true;
            }
        }
        (page, if more { top + 1 } else { 0 })
    }
}

impl<T: Keyed + PartialEq> PartialEq for Dense<T> {
    /// Same items, whatever their order.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .items
                .iter()
                .all(|t| other.get(t.key()).is_some_and(|o| o == t))
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Dense<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.items.iter()).finish()
    }
}

// ---- HashValue ----

type Pairs = Dense<(SmallBytes, SmallBytes)>;

/// A field and its value.
pub type FieldValue<'a> = (&'a [u8], &'a [u8]);

#[derive(Clone, Debug, PartialEq)]
pub enum HashValue {
    /// Field, value, field, value, ... in insertion order.
    Pack(Pack),
    Table(Box<Pairs>),
}

const _: () = assert!(std::mem::size_of::<HashValue>() == 16);

impl Default for HashValue {
    fn default() -> Self {
        HashValue::Pack(Pack::default())
    }
}

/// The field and value slots of `field` in a pack of pairs.
fn find_pair(p: &Pack, field: &[u8]) -> Option<(Slot, Slot)> {
    let mut it = p.slots();
    while let Some(f) = it.next() {
        let v = it.next()?;
        if p.at(&f) == field {
            return Some((f, v));
        }
    }
    None
}

impl HashValue {
    pub fn len(&self) -> usize {
        match self {
            HashValue::Pack(p) => p.len() / 2,
            HashValue::Table(t) => t.len(),
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
            HashValue::Pack(p) => find_pair(p, field).map(|(_, v)| p.at(&v)),
            HashValue::Table(t) => t.get(field).map(|e| e.1.as_slice()),
        }
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    fn make_table(&mut self) {
        if let HashValue::Pack(p) = self {
            let mut t = Pairs::with_capacity(p.len() / 2 + 1);
            let mut it = p.iter();
            while let (Some(f), Some(v)) = (it.next(), it.next()) {
                t.push_new((SmallBytes::new(f), SmallBytes::new(v)));
            }
            *self = HashValue::Table(Box::new(t));
        }
    }

    /// Redis's hashTypeTryConversion: a compact hash becomes a table when any of the
    /// strings about to be written is longer than `max_value` (checked by HSET, HMSET
    /// and HSETNX before they look at the fields).
    pub fn convert_for(&mut self, args: &[&[u8]], lim: PackLimits) {
        if matches!(self, HashValue::Pack(_)) && args.iter().any(|a| a.len() > lim.max_value) {
            self.make_table();
        }
    }

    /// Set a field; true if it was new. A compact hash becomes a table when the field
    /// or value is too long or the hash gets more than `max_entries` fields.
    pub fn set(&mut self, field: &[u8], value: &[u8], lim: PackLimits) -> bool {
        if let HashValue::Pack(p) = self {
            if field.len() > lim.max_value || value.len() > lim.max_value {
                self.make_table();
            } else if let Some((_, v)) = find_pair(p, field) {
                p.splice(v.start..v.data.end, 1, &[value]);
                return false;
            } else if p.len() / 2 < lim.max_entries {
                p.push(&[field, value]);
                return true;
            } else {
                self.make_table();
            }
        }
        let HashValue::Table(t) = self else {
            unreachable!("converted above")
        };
        match t.find(field) {
            Some(i) => {
                t.item_mut(i).1 = SmallBytes::new(value);
                false
            }
            None => {
                t.push_new((SmallBytes::new(field), SmallBytes::new(value)));
                true
            }
        }
    }

    /// Remove a field; true if it existed.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            HashValue::Pack(p) => match find_pair(p, field) {
                Some((f, v)) => {
                    p.splice(f.start..v.data.end, 2, &[]);
                    true
                }
                None => false,
            },
            HashValue::Table(t) => t.remove(field).is_some(),
        }
    }

    /// Every field and value (insertion order for the compact encoding).
    pub fn iter(&self) -> HashIter<'_> {
        match self {
            HashValue::Pack(p) => HashIter::Pack(p.iter()),
            HashValue::Table(t) => HashIter::Table(t.items().iter()),
        }
    }

    /// The `i`-th pair in iteration order (`i < len`): O(1) for a table.
    pub fn nth(&self, i: usize) -> (&[u8], &[u8]) {
        match self {
            HashValue::Pack(_) => self.iter().nth(i).expect("index in range"),
            HashValue::Table(t) => {
                let e = &t.items()[i];
                (e.0.as_slice(), e.1.as_slice())
            }
        }
    }

    /// A SCAN page (see [`Dense::scan`]); a compact hash is returned whole, cursor 0.
    pub fn scan(&self, cursor: u64, count: usize) -> (Vec<FieldValue<'_>>, u64) {
        match self {
            HashValue::Pack(_) => (self.iter().collect(), 0),
            HashValue::Table(t) => {
                let (page, next) = t.scan(cursor, count);
                (
                    page.into_iter()
                        .map(|e| (e.0.as_slice(), e.1.as_slice()))
                        .collect(),
                    next,
                )
            }
        }
    }
}

pub enum HashIter<'a> {
    Pack(PackIter<'a>),
    Table(std::slice::Iter<'a, (SmallBytes, SmallBytes)>),
}

impl<'a> Iterator for HashIter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            HashIter::Pack(it) => {
                let f = it.next()?;
                let v = it.next()?;
                Some((f, v))
            }
            HashIter::Table(it) => it.next().map(|e| (e.0.as_slice(), e.1.as_slice())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIM: PackLimits = PackLimits {
        max_entries: 4,
        max_value: 8,
    };

    #[test]
    fn pack_count_grows_and_shrinks() {
        let mut p: Pack<1> = Pack::default();
        for i in 0..200 {
            p.push(&[format!("m{i}").as_bytes()]);
            assert_eq!(p.len(), i + 1);
        }
        assert_eq!(p.0[0], 0);
        assert_eq!(p.iter().nth(150), Some(&b"m150"[..]));
        for i in 0..199 {
            let s = p.find(format!("m{i}").as_bytes()).unwrap();
            p.splice(s.start..s.data.end, 1, &[]);
        }
        assert_eq!(p.len(), 1);
        assert_eq!(p.bytes(), 1 + 1 + 1 + 4);
        let s = p.find(b"m199").unwrap();
        p.splice(s.start..s.data.end, 1, &[]);
        assert!(p.is_empty());
        p.push(&[b"x"]);
        assert_eq!(p.iter().collect::<Vec<_>>(), vec![&b"x"[..]]);
    }

    #[test]
    fn pack_push_splice() {
        let mut p: Pack = Pack::default();
        assert_eq!(p.bytes(), 0);
        p.push(&[b"a", b""]);
        let long = vec![b'x'; 300];
        p.push(&[&long]);
        assert_eq!(p.len(), 3);
        assert_eq!(
            p.iter().collect::<Vec<_>>(),
            vec![&b"a"[..], b"", &long[..]]
        );
        let s = p.find(b"").unwrap();
        p.splice(s.start..s.data.end, 1, &[b"zz"]);
        assert_eq!(
            p.iter().collect::<Vec<_>>(),
            vec![&b"a"[..], b"zz", &long[..]]
        );
        let s = p.find(&long).unwrap();
        p.splice(s.start..s.data.end, 1, &[]);
        assert_eq!(p.len(), 2);
        let s = p.find(b"a").unwrap();
        p.splice(s.start..s.data.end, 1, &[b"b"]);
        assert_eq!(p.iter().collect::<Vec<_>>(), vec![&b"b"[..], b"zz"]);
        let (a, b) = (p.find(b"b").unwrap(), p.find(b"zz").unwrap());
        p.splice(a.start..b.data.end, 2, &[]);
        assert!(p.is_empty() && p.bytes() == 0);
    }

    #[test]
    fn converts_when_large() {
        let mut h = HashValue::default();
        for i in 0..4 {
            assert!(h.set(format!("f{i}").as_bytes(), b"v", LIM));
        }
        assert_eq!(h.encoding(), "listpack");
        assert!(!h.set(b"f0", b"w", LIM));
        assert_eq!(h.get(b"f0"), Some(&b"w"[..]));
        assert_eq!(h.iter().next(), Some((&b"f0"[..], &b"w"[..])));
        assert!(h.set(b"f4", b"v", LIM));
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 5);
        let mut h2 = HashValue::default();
        h2.set(b"f", b"a-long-value", LIM);
        assert_eq!(h2.encoding(), "hashtable");
        assert!(h.remove(b"f1"));
        assert!(!h.remove(b"f1"));
        assert_eq!(h.len(), 4);
        assert_eq!(h.get(b"f4"), Some(&b"v"[..]));
    }

    #[test]
    fn pack_keeps_order_on_update_and_delete() {
        let mut h = HashValue::default();
        for f in ["a", "b", "c"] {
            h.set(f.as_bytes(), b"1", LIM);
        }
        h.set(b"b", b"longer", LIM);
        h.remove(b"a");
        let got: Vec<_> = h.iter().collect();
        assert_eq!(
            got,
            vec![(&b"b"[..], &b"longer"[..]), (&b"c"[..], &b"1"[..])]
        );
        let mut h3 = h.clone();
        h3.convert_for(&[b"0123456789"], LIM);
        assert_eq!(h3.encoding(), "hashtable");
        assert_eq!(h3.get(b"b"), Some(&b"longer"[..]));
    }

    #[test]
    fn dense_remove_and_scan() {
        let mut t: Dense<SmallBytes> = Dense::with_capacity(0);
        for i in 0..1000 {
            t.push_new(SmallBytes::new(format!("m{i}").as_bytes()));
        }
        for i in (0..1000).step_by(3) {
            assert!(t.remove(format!("m{i}").as_bytes()).is_some());
        }
        assert_eq!(t.len(), 666);
        for i in 0..1000 {
            assert_eq!(t.find(format!("m{i}").as_bytes()).is_some(), i % 3 != 0);
        }
        // A full scan while items come and go returns every stable item once.
        let mut seen = std::collections::HashMap::new();
        let mut cursor = 0;
        let mut round = 0;
        loop {
            let (page, next) = t.scan(cursor, 10);
            for m in page {
                *seen.entry(m.as_slice().to_vec()).or_insert(0) += 1;
            }
            round += 1;
            t.push_new(SmallBytes::new(format!("new{round}").as_bytes()));
            if round % 2 == 0 {
                t.remove(format!("new{}", round - 1).as_bytes());
            }
            if next == 0 {
                break;
            }
            cursor = next;
        }
        for i in (0..1000).filter(|i| i % 3 != 0) {
            assert_eq!(seen.get(format!("m{i}").as_bytes()), Some(&1), "m{i}");
        }
        while !t.is_empty() {
            t.remove_at(0);
        }
        assert!(t.items.capacity() <= 16);
    }

    #[test]
    fn equality_ignores_table_order() {
        let mut a = HashValue::default();
        let mut b = HashValue::default();
        for i in 0..10 {
            a.set(format!("f{i}").as_bytes(), b"v", LIM);
            b.set(format!("f{}", 9 - i).as_bytes(), b"v", LIM);
        }
        assert_eq!(a, b);
        b.set(b"f3", b"w", LIM);
        assert_ne!(a, b);
    }
}
