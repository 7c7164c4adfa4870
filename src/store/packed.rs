//! [`Packed`]: the compact encoding of small lists and sorted sets — byte strings in
//! one exact-size allocation, walkable from either end (our own listpack-like layout).
//!
//! Layout: `H` header numbers as LEB128 varints (the first is the entry count, the
//! others belong to the owner: lists keep their Redis-listpack size there), then the
//! entries. An entry is its payload length as a varint, the payload, and a
//! *back-length*: the size of the length and payload written as a varint read from its
//! last byte backwards, so an entry can be stepped over from its end. A container
//! without entries owns no allocation at all.
//!
//! Every change rebuilds into a vector sized exactly and hands it back as a boxed
//! slice, so the allocation is always the allocator's smallest class that holds the
//! bytes. Changes are O(n) in the buffer's bytes, as in a listpack; the owners keep
//! their packs small (at most a few KiB) and switch to a big encoding beyond that.
//!
//! This module knows nothing of what the payloads mean.

use std::ops::Range;

/// Bytes the LEB128 encoding of `n` takes (shared with `hash`'s packs).
pub(super) fn varint_len(mut n: usize) -> usize {
    let mut l = 1;
    while n >= 0x80 {
        n >>= 7;
        l += 1;
    }
    l
}

/// Append `n` as LEB128.
pub(super) fn put_varint(v: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        v.push((n as u8) | 0x80);
        n >>= 7;
    }
    v.push(n as u8);
}

/// Decode the varint at `pos`: (number, position after it).
#[inline]
pub(super) fn get_varint(b: &[u8], mut pos: usize) -> (usize, usize) {
    let (mut n, mut shift) = (0usize, 0);
    loop {
        let c = b[pos];
        pos += 1;
        n |= ((c & 0x7f) as usize) << shift;
        if c < 0x80 {
            return (n, pos);
        }
        shift += 7;
    }
}

/// A back-length: the varint's groups written last-group-first, so that reading from
/// the entry's last byte backwards yields the groups least significant first.
fn put_backlen(v: &mut Vec<u8>, n: usize) {
    let start = v.len();
    put_varint(v, n);
    v[start..].reverse();
}

/// Decode the back-length ending just before `end`: (number, position of its first
/// byte).
#[inline]
fn get_backlen(b: &[u8], end: usize) -> (usize, usize) {
    let (mut n, mut shift, mut pos) = (0usize, 0, end);
    loop {
        pos -= 1;
        let c = b[pos];
        n |= ((c & 0x7f) as usize) << shift;
        if c < 0x80 {
            return (n, pos);
        }
        shift += 7;
    }
}

/// Bytes an entry with a payload of `n` bytes takes.
pub fn entry_size(n: usize) -> usize {
    let inner = varint_len(n) + n;
    inner + varint_len(inner)
}

fn put_entry(v: &mut Vec<u8>, payload: &[u8]) {
    put_varint(v, payload.len());
    v.extend_from_slice(payload);
    put_backlen(v, varint_len(payload.len()) + payload.len());
}

/// Byte strings with `H` header numbers (see the module docs).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Packed<const H: usize>(Box<[u8]>);

impl<const H: usize> Packed<H> {
    /// A pack of `items` with the owner's header numbers `aux` (H - 1 of them).
    pub fn from_items<'a>(items: impl IntoIterator<Item = &'a [u8]>, aux: &[usize]) -> Self {
        let items: Vec<&[u8]> = items.into_iter().collect();
        let mut p = Packed(Box::default());
        p.replace(0, aux, 0..0, 0, &items);
        p
    }

    /// The header numbers and where the entries start.
    #[inline]
    fn header(&self) -> ([usize; H], usize) {
        let mut h = [0usize; H];
        if self.0.is_empty() {
            return (h, 0);
        }
        let mut pos = 0;
        for x in h.iter_mut() {
            let (n, p) = get_varint(&self.0, pos);
            *x = n;
            pos = p;
        }
        (h, pos)
    }

    pub fn len(&self) -> usize {
        if self.0.is_empty() {
            0
        } else {
            get_varint(&self.0, 0).0
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Owner's header number `i` (1..H).
    pub fn aux(&self, i: usize) -> usize {
        self.header().0[i]
    }

    /// Bytes held (for tests and accounting).
    pub fn bytes(&self) -> usize {
        self.0.len()
    }

    /// Position of the first entry (also the end of the entries when empty).
    pub fn body(&self) -> usize {
        self.header().1
    }

    /// End of the entries.
    pub fn end(&self) -> usize {
        self.0.len()
    }

    /// The payload of the entry starting at `pos`, and where the next entry starts.
    #[inline]
    pub fn entry_at(&self, pos: usize) -> (&[u8], usize) {
        let (n, p) = get_varint(&self.0, pos);
        let after = p + n;
        (&self.0[p..after], after + varint_len(after - pos))
    }

    /// Where the entry ending at `end` starts.
    #[inline]
    pub fn prev_start(&self, end: usize) -> usize {
        let (inner, blpos) = get_backlen(&self.0, end);
        blpos - inner
    }

    /// The entries from the first, as (start, payload).
    pub fn iter(&self) -> PackedIter<'_, H> {
        let (h, body) = self.header();
        PackedIter {
            p: self,
            front: body,
            back: self.0.len(),
            remaining: h[0],
        }
    }

    /// Where entry `i` (< len) starts, walking from the nearer end.
    pub fn pos_of(&self, i: usize) -> usize {
        let (h, body) = self.header();
        let n = h[0];
        debug_assert!(i < n);
        if i <= n / 2 {
            let mut pos = body;
            for _ in 0..i {
                pos = self.entry_at(pos).1;
            }
            pos
        } else {
            let mut pos = self.0.len();
            for _ in i..n {
                pos = self.prev_start(pos);
            }
            pos
        }
    }

    /// Payload of entry `i`.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        (i < self.len()).then(|| self.entry_at(self.pos_of(i)).0)
    }

    /// Replace the entries in byte range `r` (holding `removed` entries) with `items`,
    /// and set the header: count adjusted, owner numbers `aux`.
    pub fn replace(
        &mut self,
        count_before: usize,
        aux: &[usize],
        r: Range<usize>,
        removed: usize,
        items: &[&[u8]],
    ) {
        debug_assert_eq!(aux.len() + 1, H);
        let count = count_before - removed + items.len();
        if count == 0 {
            self.0 = Box::default();
            return;
        }
        let (_, body) = self.header();
        let (r, body) = if self.0.is_empty() {
            (0..0, 0)
        } else {
            (r, body)
        };
        let add: usize = items.iter().map(|i| entry_size(i.len())).sum();
        let head = varint_len(count) + aux.iter().map(|&a| varint_len(a)).sum::<usize>();
        let len = head + (r.start - body) + add + (self.0.len() - r.end);
        let mut v = Vec::with_capacity(len);
        put_varint(&mut v, count);
        for &a in aux {
            put_varint(&mut v, a);
        }
        v.extend_from_slice(&self.0[body..r.start]);
        for i in items {
            put_entry(&mut v, i);
        }
        v.extend_from_slice(&self.0[r.end..]);
        debug_assert_eq!(v.len(), len);
        self.0 = v.into_boxed_slice();
    }
}

impl<const H: usize> std::fmt::Debug for Packed<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|(_, b)| String::from_utf8_lossy(b)))
            .finish()
    }
}

/// The entries of a [`Packed`] as (start, payload), from either end.
#[derive(Clone)]
pub struct PackedIter<'a, const H: usize> {
    p: &'a Packed<H>,
    /// Start of the next entry from the front.
    front: usize,
    /// End of the next entry from the back.
    back: usize,
    remaining: usize,
}

impl<'a, const H: usize> PackedIter<'a, H> {
    /// A walk over `n` entries from the one starting at `front`, forwards; `back` must
    /// be the end of the last of them (for walking backwards).
    pub fn between(p: &'a Packed<H>, front: usize, back: usize, n: usize) -> Self {
        PackedIter {
            p,
            front,
            back,
            remaining: n,
        }
    }
}

impl<'a, const H: usize> Iterator for PackedIter<'a, H> {
    type Item = (usize, &'a [u8]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let start = self.front;
        let (b, next) = self.p.entry_at(start);
        self.front = next;
        Some((start, b))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<const H: usize> DoubleEndedIterator for PackedIter<'_, H> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let start = self.p.prev_start(self.back);
        self.back = start;
        Some((start, self.p.entry_at(start).0))
    }
}

impl<const H: usize> ExactSizeIterator for PackedIter<'_, H> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(p: &Packed<2>) -> Vec<Vec<u8>> {
        p.iter().map(|(_, b)| b.to_vec()).collect()
    }

    #[test]
    fn layout_and_walks() {
        let big = vec![b'z'; 300];
        let empty: &[u8] = b"";
        let p = Packed::<2>::from_items([&b"ab"[..], empty, &big, b"-12"], &[77]);
        assert_eq!(p.len(), 4);
        assert_eq!(p.aux(1), 77);
        // Header 2, "ab" 1+2+1, "" 1+0+1, 300 bytes 2+300+2, "-12" 1+3+1.
        assert_eq!(p.bytes(), 2 + 4 + 2 + 304 + 5);
        assert_eq!(
            items(&p),
            vec![b"ab".to_vec(), vec![], big.clone(), b"-12".to_vec()]
        );
        let rev: Vec<Vec<u8>> = p.iter().rev().map(|(_, b)| b.to_vec()).collect();
        assert_eq!(
            rev,
            vec![b"-12".to_vec(), big.clone(), vec![], b"ab".to_vec()]
        );
        for (i, want) in items(&p).iter().enumerate() {
            assert_eq!(p.get(i), Some(&want[..]));
        }
        assert_eq!(p.get(4), None);
        // Both ends meet in the middle.
        let mut it = p.iter();
        assert_eq!(it.next().map(|x| x.1), Some(&b"ab"[..]));
        assert_eq!(it.next_back().map(|x| x.1), Some(&b"-12"[..]));
        assert_eq!(it.len(), 2);
        assert_eq!(it.next_back().map(|x| x.1), Some(&big[..]));
        assert_eq!(it.next().map(|x| x.1), Some(empty));
        assert_eq!(it.next(), None);
        assert_eq!(it.next_back(), None);
    }

    #[test]
    fn replace_grows_and_shrinks_the_header() {
        let mut p = Packed::<2>::default();
        assert!(p.is_empty());
        assert_eq!(p.bytes(), 0);
        for i in 0..200usize {
            let s = i.to_string();
            let n = p.len();
            let end = p.end();
            p.replace(n, &[i * 100], end..end, 0, &[s.as_bytes()]);
        }
        assert_eq!(p.len(), 200);
        assert_eq!(p.aux(1), 19_900);
        assert_eq!(p.get(150), Some(&b"150"[..]));
        // Remove the first 150 entries: the count's varint gets shorter.
        let cut = p.pos_of(150);
        let body = p.body();
        p.replace(200, &[5], body..cut, 150, &[]);
        assert_eq!(p.len(), 50);
        assert_eq!(p.get(0), Some(&b"150"[..]));
        assert_eq!(p.iter().next_back().map(|x| x.1), Some(&b"199"[..]));
        let body = p.body();
        let end = p.end();
        p.replace(50, &[0], body..end, 50, &[]);
        assert!(p.is_empty());
        assert_eq!(p.bytes(), 0);
    }

    #[test]
    fn long_back_lengths() {
        for n in [126usize, 127, 128, 16_381, 16_382, 16_383, 20_000] {
            let v = vec![b'q'; n];
            let p = Packed::<1>::from_items([&b"a"[..], &v, b"b"], &[]);
            let rev: Vec<usize> = p.iter().rev().map(|(_, b)| b.len()).collect();
            assert_eq!(rev, vec![1, n, 1]);
            assert_eq!(p.bytes(), 1 + 3 + entry_size(n) + 3);
        }
    }
}
