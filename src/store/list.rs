//! List values, in the two encodings OBJECT ENCODING names, switching as Redis 7.2
//! does with its default `list-max-listpack-size` of -2 (8 KiB per listpack):
//!
//! - a "listpack" is one [`Packed`] buffer holding every element, until an addition
//!   would take the list past 8192 bytes (Redis's estimate: the listpack's bytes plus
//!   the raw lengths of the strings being added, checked once per command before
//!   adding);
//! - a "quicklist" is a ring buffer of elements plus a model of Redis's chain of
//!   listpack nodes of at most ~8 KiB each (pushes open a new node when the end node is
//!   full, LINSERT splits and merges nodes, deletions drop emptied nodes);
//! - a removal (pop, LTRIM, LREM, LSET, LMOVE's source) turns a quicklist back into a
//!   listpack when a single node of at most half the limit (4096 bytes) remains.
//!
//! The sizes that decide the encoding are Redis's listpack sizes (header, per-entry
//! encoding and back-length, integers stored as integers), computed exactly whatever
//! our own buffer holds, so OBJECT ENCODING answers as Redis 7.2 does. (Elements of
//! 1 GiB or more, which Redis keeps in "plain" nodes, are not modelled.)

use super::packed::{Packed, PackedIter};
use super::SmallBytes;
use std::collections::VecDeque;

/// `list-max-listpack-size -2`: 8 KiB per listpack.
const PACK_LIMIT: usize = 8192;
/// Listpack header (total bytes, element count) and end marker.
const LP_EMPTY: usize = 7;
/// Redis's SIZE_ESTIMATE_OVERHEAD: the per-entry overhead assumed when checking
/// whether a quicklist node can take one more element.
const ENTRY_OVERHEAD: usize = 8;

/// One quicklist node: how many elements, and its listpack's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Node {
    count: usize,
    sz: usize,
}

/// A list: one [`Packed`] buffer while it is a listpack, a ring buffer of elements with
/// the modelled node layout once it is a quicklist.
#[derive(Clone, Debug, PartialEq)]
pub struct ListValue {
    repr: Repr,
}

/// 16 bytes, so a list is held inline in [`super::Value`].
#[derive(Clone, Debug, PartialEq)]
enum Repr {
    /// Header: element count, then the Redis listpack size ([`ListValue::listpack_bytes`]).
    Pack(Packed<2>),
    Quick(Box<Quick>),
}

const _: () = assert!(std::mem::size_of::<ListValue>() == 16);

#[derive(Clone, Debug, PartialEq)]
struct Quick {
    items: VecDeque<SmallBytes>,
    /// Bytes the elements would take in one listpack (Redis's `lpBytes`).
    lp_bytes: usize,
    /// The quicklist nodes, in order.
    nodes: VecDeque<Node>,
}

impl Default for ListValue {
    fn default() -> Self {
        Self::new()
    }
}

/// Bytes one element takes in a listpack: encoding, data and back-length.
pub fn entry_bytes(v: &[u8]) -> usize {
    let enc = match crate::resp::parse_i64(v) {
        Some(n) => match n {
            0..=127 => 1,
            -4096..=4095 => 2,
            -32768..=32767 => 3,
            -8_388_608..=8_388_607 => 4,
            -2_147_483_648..=2_147_483_647 => 5,
            _ => 9,
        },
        None if v.len() < 64 => 1 + v.len(),
        None if v.len() < 4096 => 2 + v.len(),
        None => 5 + v.len(),
    };
    let back = match enc {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    };
    enc + back
}

/// Redis's _quicklistNodeAllowInsert: can `node` take an element of `sz` raw bytes?
fn allow_insert(node: Option<&Node>, sz: usize) -> bool {
    node.is_some_and(|n| n.sz + sz + ENTRY_OVERHEAD <= PACK_LIMIT)
}

/// Redis's _quicklistNodeAllowMerge.
fn allow_merge(a: Option<&Node>, b: Option<&Node>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.sz + b.sz - LP_EMPTY <= PACK_LIMIT,
        _ => false,
    }
}

/// Merge nodes `i` and `i + 1` into one at `i` (Redis's lpMerge).
fn merge(nodes: &mut VecDeque<Node>, i: usize) {
    let b = nodes.remove(i + 1).expect("merge: node i+1 exists");
    let a = &mut nodes[i];
    a.count += b.count;
    a.sz = a.sz + b.sz - LP_EMPTY;
}

/// Redis's _quicklistMergeNodes around the node at `center`.
fn merge_around(nodes: &mut VecDeque<Node>, mut center: usize) {
    // (prev_prev, prev)
    if center >= 2 && allow_merge(nodes.get(center - 1), nodes.get(center - 2)) {
        merge(nodes, center - 2);
        center -= 1;
    }
    // (next, next_next)
    if allow_merge(nodes.get(center + 1), nodes.get(center + 2)) {
        merge(nodes, center + 1);
    }
    // (prev, center), then (target, next)
    let mut target = center;
    if center >= 1 && allow_merge(nodes.get(center), nodes.get(center - 1)) {
        merge(nodes, center - 1);
        target = center - 1;
    }
    if allow_merge(nodes.get(target), nodes.get(target + 1)) {
        merge(nodes, target);
    }
}

/// The Redis listpack size of a list holding `items`.
fn lp_size<'a>(items: impl IntoIterator<Item = &'a [u8]>) -> usize {
    LP_EMPTY + items.into_iter().map(entry_bytes).sum::<usize>()
}

/// Elements from head to tail, from either end.
pub enum ListIter<'a> {
    Pack(PackedIter<'a, 2>),
    Quick(std::collections::vec_deque::Iter<'a, SmallBytes>),
}

impl<'a> Iterator for ListIter<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        match self {
            ListIter::Pack(it) => it.next().map(|(_, b)| b),
            ListIter::Quick(it) => it.next().map(|v| v.as_slice()),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            ListIter::Pack(it) => it.size_hint(),
            ListIter::Quick(it) => it.size_hint(),
        }
    }
}

impl DoubleEndedIterator for ListIter<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            ListIter::Pack(it) => it.next_back().map(|(_, b)| b),
            ListIter::Quick(it) => it.next_back().map(|v| v.as_slice()),
        }
    }
}

impl ExactSizeIterator for ListIter<'_> {}

impl ListValue {
    pub fn new() -> Self {
        ListValue {
            repr: Repr::Pack(Packed::default()),
        }
    }

    /// A list holding `items` in order (the encoding chosen as for one RPUSH of them).
    pub fn from_items<'a>(items: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let items: Vec<&[u8]> = items.into_iter().collect();
        let mut l = ListValue::new();
        l.push(&items, false);
        l
    }

    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Pack(p) => p.len(),
            Repr::Quick(q) => q.items.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Redis's OBJECT ENCODING name.
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Pack(_) => "listpack",
            Repr::Quick(_) => "quicklist",
        }
    }

    /// Bytes the elements would take in one listpack.
    pub fn listpack_bytes(&self) -> usize {
        match &self.repr {
            Repr::Pack(p) if p.is_empty() => LP_EMPTY,
            Repr::Pack(p) => p.aux(1),
            Repr::Quick(q) => q.lp_bytes,
        }
    }

    /// Quicklist nodes as (elements, bytes); empty for a listpack (for tests).
    pub fn node_layout(&self) -> Vec<(usize, usize)> {
        match &self.repr {
            Repr::Pack(_) => Vec::new(),
            Repr::Quick(q) => q.nodes.iter().map(|n| (n.count, n.sz)).collect(),
        }
    }

    /// Element `i` (0 = head).
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        match &self.repr {
            Repr::Pack(p) => p.get(i),
            Repr::Quick(q) => q.items.get(i).map(|v| v.as_slice()),
        }
    }

    /// Elements from head to tail.
    pub fn iter(&self) -> ListIter<'_> {
        match &self.repr {
            Repr::Pack(p) => ListIter::Pack(p.iter()),
            Repr::Quick(q) => ListIter::Quick(q.items.iter()),
        }
    }

    /// Elements `start..=end` (indices already clamped, `start <= end < len`).
    pub fn range(&self, start: usize, end: usize) -> ListIter<'_> {
        match &self.repr {
            Repr::Pack(p) => {
                let front = p.pos_of(start);
                let back = p.entry_at(p.pos_of(end)).1;
                ListIter::Pack(PackedIter::between(p, front, back, end - start + 1))
            }
            Repr::Quick(q) => ListIter::Quick(q.items.range(start..=end)),
        }
    }

    /// Redis's listTypeTryConversionAppend: before adding elements whose estimated
    /// sizes sum to `add_bytes` (see [`Self::push`]), a listpack that would pass its
    /// limit becomes a quicklist of one node. Called even when the addition may not
    /// happen (LINSERT before finding its pivot, LSET before checking its index), as
    /// Redis does.
    pub fn grow(&mut self, add_bytes: usize) {
        let Repr::Pack(p) = &self.repr else { return };
        let lp_bytes = self.listpack_bytes();
        if lp_bytes + add_bytes <= PACK_LIMIT {
            return;
        }
        let items: VecDeque<SmallBytes> = p.iter().map(|(_, b)| SmallBytes::new(b)).collect();
        let mut nodes = VecDeque::new();
        if !items.is_empty() {
            nodes.push_back(Node {
                count: items.len(),
                sz: lp_bytes,
            });
        }
        self.repr = Repr::Quick(Box::new(Quick {
            items,
            lp_bytes,
            nodes,
        }));
    }

    /// Redis's listTypeTryConversion(SHRINKING), run after removing elements: a
    /// quicklist of a single node of at most half the limit becomes a listpack.
    pub fn shrink(&mut self) {
        if let Repr::Quick(q) = &self.repr {
            if q.nodes.len() == 1 && q.nodes[0].sz <= PACK_LIMIT / 2 {
                let p = Packed::from_items(q.items.iter().map(|v| v.as_slice()), &[q.lp_bytes]);
                self.repr = Repr::Pack(p);
            }
        }
    }

    /// Insert `vals` (in this order) before entry `at` of a listpack (`at == len`: at
    /// the tail).
    fn pack_insert(p: &mut Packed<2>, at: usize, vals: &[&[u8]]) {
        let n = p.len();
        let lp = if n == 0 { LP_EMPTY } else { p.aux(1) };
        let pos = if at == n { p.end() } else { p.pos_of(at) };
        let lp = lp + vals.iter().map(|v| entry_bytes(v)).sum::<usize>();
        p.replace(n, &[lp], pos..pos, 0, vals);
    }

    /// Remove entries `from..to` of a listpack whose elements there take `lp_removed`
    /// listpack bytes.
    fn pack_remove(p: &mut Packed<2>, from: usize, to: usize, lp_removed: usize) {
        if from >= to {
            return;
        }
        let n = p.len();
        let lp = p.aux(1) - lp_removed;
        let a = p.pos_of(from);
        let b = if to == n { p.end() } else { p.pos_of(to) };
        p.replace(n, &[lp], a..b, to - from, &[]);
    }

    /// LPUSH/RPUSH: add `vals` one after the other at the head (`left`) or the tail,
    /// after one encoding check for all of them.
    pub fn push(&mut self, vals: &[&[u8]], left: bool) {
        self.grow(vals.iter().map(|v| v.len()).sum());
        match &mut self.repr {
            Repr::Pack(p) => {
                if left {
                    let rev: Vec<&[u8]> = vals.iter().rev().copied().collect();
                    Self::pack_insert(p, 0, &rev);
                } else {
                    let n = p.len();
                    Self::pack_insert(p, n, vals);
                }
            }
            Repr::Quick(q) => {
                for v in vals {
                    q.push_one(SmallBytes::new(v), left);
                }
            }
        }
    }

    /// Push an element popped from a list (LMOVE's destination). In the encoding check
    /// an integer counts as no bytes, as Redis's popped integer objects do.
    pub fn push_moved(&mut self, v: SmallBytes, left: bool) {
        let estimate = if crate::resp::parse_i64(v.as_slice()).is_some() {
            0
        } else {
            v.len()
        };
        self.grow(estimate);
        match &mut self.repr {
            Repr::Pack(p) => {
                let at = if left { 0 } else { p.len() };
                Self::pack_insert(p, at, &[v.as_slice()]);
            }
            Repr::Quick(q) => q.push_one(v, left),
        }
    }

    pub fn push_front(&mut self, v: &[u8]) {
        self.push(&[v], true);
    }

    pub fn push_back(&mut self, v: &[u8]) {
        self.push(&[v], false);
    }

    /// Remove one element from the head (`left`) or the tail. No encoding check: call
    /// [`Self::shrink`] once the command's removals are done.
    pub fn pop(&mut self, left: bool) -> Option<SmallBytes> {
        match &mut self.repr {
            Repr::Pack(p) => {
                let n = p.len();
                let i = if n == 0 {
                    return None;
                } else if left {
                    0
                } else {
                    n - 1
                };
                let v = SmallBytes::new(p.get(i)?);
                Self::pack_remove(p, i, i + 1, entry_bytes(v.as_slice()));
                Some(v)
            }
            Repr::Quick(q) => q.pop(left),
        }
    }

    /// Remove up to `n` elements from one end, in pop order, then check the encoding.
    pub fn pop_n(&mut self, left: bool, n: usize) -> Vec<SmallBytes> {
        let n = n.min(self.len());
        let out: Vec<SmallBytes> = match &mut self.repr {
            Repr::Pack(p) => {
                let len = p.len();
                let out: Vec<SmallBytes> = if left {
                    p.iter().take(n).map(|(_, b)| SmallBytes::new(b)).collect()
                } else {
                    p.iter()
                        .rev()
                        .take(n)
                        .map(|(_, b)| SmallBytes::new(b))
                        .collect()
                };
                let lp_removed = out.iter().map(|v| entry_bytes(v.as_slice())).sum();
                let (from, to) = if left { (0, n) } else { (len - n, len) };
                Self::pack_remove(p, from, to, lp_removed);
                out
            }
            Repr::Quick(q) => (0..n).filter_map(|_| q.pop(left)).collect(),
        };
        self.shrink();
        out
    }

    pub fn pop_front(&mut self) -> Option<SmallBytes> {
        let v = self.pop(true);
        self.shrink();
        v
    }

    pub fn pop_back(&mut self) -> Option<SmallBytes> {
        let v = self.pop(false);
        self.shrink();
        v
    }

    /// Position of the first element equal to `v`, from the head.
    pub fn position(&self, v: &[u8]) -> Option<usize> {
        self.iter().position(|x| x == v)
    }

    /// LINSERT: insert `v` before or `after` the element at `pivot`. The caller ran
    /// [`Self::grow`] first. Quicklist nodes change as Redis's _quicklistInsert does.
    pub fn insert_at(&mut self, pivot: usize, v: &[u8], after: bool) {
        match &mut self.repr {
            Repr::Pack(p) => {
                let at = if after { pivot + 1 } else { pivot };
                Self::pack_insert(p, at, &[v]);
            }
            Repr::Quick(q) => q.insert_at(pivot, v, after),
        }
    }

    /// LSET: replace element `i` (in range), then check the encoding for shrinking.
    /// (Redis 7.2 replaces in place, whatever the node's size.)
    pub fn set(&mut self, i: usize, v: &[u8]) {
        match &mut self.repr {
            Repr::Pack(p) => {
                let n = p.len();
                let pos = p.pos_of(i);
                let (old, next) = p.entry_at(pos);
                let lp = p.aux(1) - entry_bytes(old) + entry_bytes(v);
                p.replace(n, &[lp], pos..next, 1, &[v]);
            }
            Repr::Quick(q) => q.set(i, v),
        }
        self.shrink();
    }

    /// LTRIM: keep only `start..end` (indices already clamped; empty when start >= end),
    /// then check the encoding.
    pub fn retain_range(&mut self, start: usize, end: usize) {
        let end = end.min(self.len());
        let start = start.min(end);
        match &mut self.repr {
            Repr::Pack(p) => {
                let kept: Vec<&[u8]> = p
                    .iter()
                    .skip(start)
                    .take(end - start)
                    .map(|(_, b)| b)
                    .collect();
                let lp = lp_size(kept.iter().copied());
                *p = Packed::from_items(kept, &[lp]);
            }
            Repr::Quick(q) => {
                while q.items.len() > end {
                    q.pop(false);
                }
                for _ in 0..start {
                    q.pop(true);
                }
            }
        }
        self.shrink();
    }

    /// LREM: remove elements equal to `v`, at most `limit` (0 = all), scanning from the
    /// head or, with `from_tail`, from the tail. Returns how many were removed; the
    /// encoding is checked when any were.
    pub fn remove_eq(&mut self, v: &[u8], limit: usize, from_tail: bool) -> usize {
        let n = self.len();
        // The removal applies to the matches at indices in `lo..hi`.
        let (lo, hi) = if limit == 0 {
            (0, n)
        } else if from_tail {
            let mut seen = 0;
            let mut lo = n;
            for (i, x) in self.iter().enumerate().rev() {
                if x == v {
                    seen += 1;
                    lo = i;
                    if seen == limit {
                        break;
                    }
                }
            }
            (lo, n)
        } else {
            let mut seen = 0;
            let mut hi = 0;
            for (i, x) in self.iter().enumerate() {
                if x == v {
                    seen += 1;
                    hi = i + 1;
                    if seen == limit {
                        break;
                    }
                }
            }
            (0, hi)
        };
        let removed = match &mut self.repr {
            Repr::Pack(p) => {
                let kept: Vec<&[u8]> = p
                    .iter()
                    .enumerate()
                    .filter(|(i, (_, x))| !(*i >= lo && *i < hi && *x == v))
                    .map(|(_, (_, x))| x)
                    .collect();
                let removed = n - kept.len();
                if removed > 0 {
                    let lp = p.aux(1) - removed * entry_bytes(v);
                    *p = Packed::from_items(kept, &[lp]);
                }
                removed
            }
            Repr::Quick(q) => q.remove_eq(v, lo, hi),
        };
        if removed > 0 {
            self.shrink();
        }
        removed
    }
}

impl Quick {
    /// Add one element at an end, in the node layout and the buffer.
    fn push_one(&mut self, v: SmallBytes, left: bool) {
        let eb = entry_bytes(v.as_slice());
        self.lp_bytes += eb;
        let sz = v.len();
        let nodes = &mut self.nodes;
        let end = if left {
            nodes.front_mut()
        } else {
            nodes.back_mut()
        };
        match end {
            Some(n) if allow_insert(Some(n), sz) => {
                n.count += 1;
                n.sz += eb;
            }
            _ => {
                let n = Node {
                    count: 1,
                    sz: LP_EMPTY + eb,
                };
                if left {
                    nodes.push_front(n);
                } else {
                    nodes.push_back(n);
                }
            }
        }
        if left {
            self.items.push_front(v);
        } else {
            self.items.push_back(v);
        }
    }

    fn pop(&mut self, left: bool) -> Option<SmallBytes> {
        let v = if left {
            self.items.pop_front()?
        } else {
            self.items.pop_back()?
        };
        let eb = entry_bytes(v.as_slice());
        self.lp_bytes -= eb;
        let nodes = &mut self.nodes;
        let end = if left {
            nodes.front_mut()
        } else {
            nodes.back_mut()
        };
        if let Some(n) = end {
            n.count -= 1;
            n.sz -= eb;
            if n.count == 0 {
                if left {
                    nodes.pop_front();
                } else {
                    nodes.pop_back();
                }
            }
        }
        Some(v)
    }

    /// The node holding element `i`: (node index, offset in it, index of its first
    /// element).
    fn node_of(nodes: &VecDeque<Node>, i: usize) -> (usize, usize, usize) {
        let mut base = 0;
        for (ni, n) in nodes.iter().enumerate() {
            if i < base + n.count {
                return (ni, i - base, base);
            }
            base += n.count;
        }
        unreachable!("index {i} beyond the quicklist's {base} elements")
    }

    fn insert_at(&mut self, pivot: usize, v: &[u8], after: bool) {
        let eb = entry_bytes(v);
        let sz = v.len();
        let nodes = &self.nodes;
        let (ni, o, base) = Self::node_of(nodes, pivot);
        let node = nodes[ni];
        let full = !allow_insert(Some(&node), sz);
        let at_tail = after && o == node.count - 1;
        let at_head = !after && o == 0;
        let avail_next = at_tail && allow_insert(nodes.get(ni + 1), sz);
        let avail_prev = at_head && ni > 0 && allow_insert(nodes.get(ni - 1), sz);
        // For a split: the bytes of the part before the new element.
        let split_left = if full && !at_tail && !at_head {
            let upto = if after { o + 1 } else { o };
            self.items
                .range(base..base + upto)
                .map(|x| entry_bytes(x.as_slice()))
                .sum::<usize>()
        } else {
            0
        };
        let nodes = &mut self.nodes;
        if !full {
            nodes[ni].count += 1;
            nodes[ni].sz += eb;
        } else if at_tail && avail_next {
            nodes[ni + 1].count += 1;
            nodes[ni + 1].sz += eb;
        } else if at_head && avail_prev {
            nodes[ni - 1].count += 1;
            nodes[ni - 1].sz += eb;
        } else if at_tail || at_head {
            let n = Node {
                count: 1,
                sz: LP_EMPTY + eb,
            };
            nodes.insert(if after { ni + 1 } else { ni }, n);
        } else {
            // Split the node at the pivot; the new element joins the new part.
            let upto = if after { o + 1 } else { o };
            let left = Node {
                count: upto,
                sz: LP_EMPTY + split_left,
            };
            let right = Node {
                count: node.count - upto,
                sz: node.sz - split_left,
            };
            let center = if after {
                nodes[ni] = left;
                nodes.insert(
                    ni + 1,
                    Node {
                        count: right.count + 1,
                        sz: right.sz + eb,
                    },
                );
                ni
            } else {
                nodes[ni] = right;
                nodes.insert(
                    ni,
                    Node {
                        count: left.count + 1,
                        sz: left.sz + eb,
                    },
                );
                ni + 1
            };
            merge_around(nodes, center);
        }
        self.lp_bytes += eb;
        let at = if after { pivot + 1 } else { pivot };
        self.items.insert(at, SmallBytes::new(v));
    }

    fn set(&mut self, i: usize, v: &[u8]) {
        let old = std::mem::replace(&mut self.items[i], SmallBytes::new(v));
        let (oldb, newb) = (entry_bytes(old.as_slice()), entry_bytes(v));
        self.lp_bytes = self.lp_bytes - oldb + newb;
        let (ni, _, _) = Self::node_of(&self.nodes, i);
        self.nodes[ni].sz = self.nodes[ni].sz - oldb + newb;
    }

    /// Remove the elements equal to `v` at indices `lo..hi`; how many.
    fn remove_eq(&mut self, v: &[u8], lo: usize, hi: usize) -> usize {
        let eb = entry_bytes(v);
        // Per quicklist node: its remaining elements before the next node starts.
        let mut it = self.nodes.iter_mut();
        let mut cur = it.next();
        let mut left = cur.as_ref().map_or(0, |n| n.count);
        let mut i = 0;
        let mut removed = 0;
        self.items.retain(|x| {
            let drop = i >= lo && i < hi && x.as_slice() == v;
            while left == 0 {
                cur = it.next();
                left = cur.as_ref().map_or(usize::MAX, |n| n.count);
            }
            left -= 1;
            if drop {
                if let Some(n) = cur.as_mut() {
                    n.count -= 1;
                    n.sz -= eb;
                }
            }
            i += 1;
            removed += drop as usize;
            !drop
        });
        if removed > 0 {
            self.lp_bytes -= removed * eb;
            self.nodes.retain(|n| n.count > 0);
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_sizes() {
        assert_eq!(entry_bytes(b"5"), 2);
        assert_eq!(entry_bytes(b"-1"), 3);
        assert_eq!(entry_bytes(b"x"), 3);
        assert_eq!(entry_bytes(b"1000000"), 5);
        assert_eq!(entry_bytes(b"9223372036854775807"), 10);
        assert_eq!(entry_bytes(&[b'a'; 63]), 65);
        assert_eq!(entry_bytes(&[b'a'; 64]), 67);
        assert_eq!(entry_bytes(&[b'a'; 200]), 204);
        assert_eq!(entry_bytes(&[b'a'; 5000]), 5007);
    }

    #[test]
    fn encoding_follows_size() {
        let mut l = ListValue::new();
        for _ in 0..1000 {
            l.push_back(b"x");
        }
        // No entry-count limit with list-max-listpack-size -2.
        assert_eq!(l.encoding(), "listpack");
        assert_eq!(l.listpack_bytes(), 7 + 3 * 1000);
        l.push_back(&[b'y'; 9000]);
        assert_eq!(l.encoding(), "quicklist");
        assert_eq!(l.node_layout(), vec![(1000, 3007), (1, 7 + 9007)]);
        l.pop_back();
        // One node of 3007 bytes <= 4096: back to listpack.
        assert_eq!(l.encoding(), "listpack");
        assert_eq!(l.remove_eq(b"x", 10, false), 10);
        assert_eq!(l.len(), 990);
    }

    #[test]
    fn shrink_needs_one_small_node() {
        let big = vec![b'z'; 100];
        let mut l = ListValue::new();
        for _ in 0..100 {
            l.push_back(&big);
        }
        // The listpack converts at the 80th push; nodes then fill up to 8 KiB
        // (counting 8 bytes of overhead per new entry).
        assert_eq!(
            l.node_layout(),
            vec![(79, 7 + 79 * 103), (21, 7 + 21 * 103)]
        );
        for _ in 0..78 {
            l.pop_front();
        }
        assert_eq!(l.encoding(), "quicklist");
        l.pop_front();
        assert_eq!(l.encoding(), "listpack");
    }

    #[test]
    fn remove_eq_directions_and_nodes() {
        let mut l = ListValue::from_items(["a", "b", "a", "c", "a"].map(str::as_bytes));
        assert_eq!(l.remove_eq(b"a", 2, true), 2);
        assert_eq!(l.iter().collect::<Vec<_>>(), vec![&b"a"[..], b"b", b"c"]);
        let mut l = ListValue::from_items(["a", "b", "a", "c", "a"].map(str::as_bytes));
        assert_eq!(l.remove_eq(b"a", 2, false), 2);
        assert_eq!(l.iter().collect::<Vec<_>>(), vec![&b"b"[..], b"c", b"a"]);
        assert_eq!(l.remove_eq(b"a", 0, false), 1);
        assert_eq!(l.listpack_bytes(), 7 + 3 + 3);
        // In a quicklist, each node loses its own matches.
        let e = vec![b'e'; 3000];
        let mut l = ListValue::new();
        for v in [&e[..], b"m", &e, b"m", &e, b"m"] {
            l.push_back(v);
        }
        assert_eq!(l.node_layout(), vec![(4, 6021), (2, 3014)]);
        assert_eq!(l.remove_eq(&e, 0, false), 3);
        assert_eq!(l.node_layout(), vec![(2, 13), (1, 10)]);
        assert_eq!(l.encoding(), "quicklist");
        assert_eq!(l.remove_eq(b"m", 1, true), 1);
        assert_eq!(l.encoding(), "listpack");
    }

    #[test]
    fn insert_splits_and_merges() {
        let e = vec![b'e'; 1000];
        let x = vec![b'x'; 200];
        let mut l = ListValue::new();
        for _ in 0..8 {
            l.push_back(&e);
        }
        // 8 * 1004 + 7 = 8039: one node after the conversion.
        l.grow(8000);
        assert_eq!(l.node_layout(), vec![(8, 8039)]);
        // After an element in the middle of a full node: split there.
        l.insert_at(3, &x, true);
        assert_eq!(l.node_layout(), vec![(4, 4023), (5, 4227)]);
        assert_eq!(l.get(4), Some(&x[..]));
        // Room left: into the node.
        l.insert_at(0, &x, false);
        assert_eq!(l.node_layout(), vec![(5, 4227), (5, 4227)]);
        assert_eq!(l.get(0), Some(&x[..]));
    }

    #[test]
    fn retain_range_keeps_bytes() {
        let mut l = ListValue::from_items(["1", "2", "3", "4", "5"].map(str::as_bytes));
        l.retain_range(1, 4);
        assert_eq!(l.iter().collect::<Vec<_>>(), vec![&b"2"[..], b"3", b"4"]);
        assert_eq!(l.listpack_bytes(), 7 + 6);
        l.retain_range(2, 2);
        assert!(l.is_empty());
        assert_eq!(l.listpack_bytes(), 7);
    }

    #[test]
    fn pack_edge_items_and_conversions() {
        // Empty strings and integers are kept as given, at either end.
        let mut l = ListValue::from_items([&b""[..], b"0", b"-9223372036854775808", b"x"]);
        l.push_front(b"");
        assert_eq!(l.encoding(), "listpack");
        let want: Vec<&[u8]> = vec![b"", b"", b"0", b"-9223372036854775808", b"x"];
        assert_eq!(l.iter().collect::<Vec<_>>(), want);
        assert_eq!(
            l.iter().rev().collect::<Vec<_>>(),
            want.iter().rev().copied().collect::<Vec<_>>()
        );
        assert_eq!(l.range(1, 3).collect::<Vec<_>>(), want[1..=3].to_vec());
        assert_eq!(
            l.range(2, 4).rev().collect::<Vec<_>>(),
            vec![&b"x"[..], b"-9223372036854775808", b"0"]
        );
        assert_eq!(l.listpack_bytes(), 7 + 2 + 2 + 2 + 10 + 3);
        // A large item converts before it is added; popping it converts back.
        l.push_back(&[b'L'; 8200]);
        assert_eq!(l.encoding(), "quicklist");
        assert_eq!(l.get(5).map(<[u8]>::len), Some(8200));
        assert_eq!(l.pop_back().map(|v| v.len()), Some(8200));
        assert_eq!(l.encoding(), "listpack");
        assert_eq!(l.iter().collect::<Vec<_>>(), want);
        // Exactly at the limit stays a listpack; one byte more converts.
        let mut l = ListValue::new();
        l.push_back(&[b'a'; 8192 - 7]);
        assert_eq!(l.encoding(), "listpack");
        let mut l = ListValue::new();
        l.push_back(&[b'a'; 8192 - 6]);
        assert_eq!(l.encoding(), "quicklist");
        // Emptying a listpack frees its buffer.
        let mut l = ListValue::from_items([&b"a"[..], b"b"]);
        assert_eq!(l.pop_n(true, 5).len(), 2);
        assert!(l.is_empty());
        assert_eq!(l, ListValue::new());
        assert_eq!(l.listpack_bytes(), 7);
    }

    /// Random commands against a plain deque, crossing the conversion both ways.
    #[test]
    fn randomized_against_deque() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rnd = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut l = ListValue::new();
        let mut m: VecDeque<Vec<u8>> = VecDeque::new();
        let mut conversions = 0;
        for step in 0..4000 {
            let before = l.encoding();
            let v: Vec<u8> = match rnd(6) {
                0 => Vec::new(),
                1 => rnd(100_000).to_string().into_bytes(),
                2 => vec![b'B'; 500 + rnd(3000)],
                _ => format!("v{}", rnd(20)).into_bytes(),
            };
            match rnd(9) {
                0 | 1 => {
                    l.push_back(&v);
                    m.push_back(v);
                }
                2 => {
                    l.push(&[&v, b"k"], true);
                    m.push_front(v);
                    m.push_front(b"k".to_vec());
                }
                3 => {
                    let left = rnd(2) == 0;
                    let n = rnd(4);
                    let got: Vec<Vec<u8>> = l
                        .pop_n(left, n)
                        .iter()
                        .map(|x| x.as_slice().to_vec())
                        .collect();
                    let want: Vec<Vec<u8>> = (0..n)
                        .filter_map(|_| if left { m.pop_front() } else { m.pop_back() })
                        .collect();
                    assert_eq!(got, want);
                }
                4 if !m.is_empty() => {
                    let i = rnd(m.len());
                    let after = rnd(2) == 0;
                    l.grow(v.len());
                    l.insert_at(i, &v, after);
                    m.insert(if after { i + 1 } else { i }, v);
                }
                5 if !m.is_empty() => {
                    let i = rnd(m.len());
                    l.grow(v.len());
                    l.set(i, &v);
                    m[i] = v;
                }
                6 => {
                    let limit = rnd(3);
                    let tail = rnd(2) == 0;
                    let n = l.remove_eq(&v, limit, tail);
                    let mut idx: Vec<usize> = (0..m.len()).filter(|&i| m[i] == v).collect();
                    if tail {
                        idx.reverse();
                    }
                    if limit > 0 {
                        idx.truncate(limit);
                    }
                    idx.sort_unstable();
                    for i in idx.iter().rev() {
                        m.remove(*i);
                    }
                    assert_eq!(n, idx.len());
                }
                7 if m.len() > 4 => {
                    let a = rnd(m.len() / 2);
                    let b = a + rnd(m.len() - a);
                    l.retain_range(a, b);
                    m = m.drain(a..b).collect();
                }
                _ => {
                    let left = rnd(2) == 0;
                    let got = if left { l.pop_front() } else { l.pop_back() };
                    let want = if left { m.pop_front() } else { m.pop_back() };
                    assert_eq!(got.map(|x| x.as_slice().to_vec()), want);
                }
            }
            conversions += (before != l.encoding()) as usize;
            assert_eq!(l.len(), m.len(), "step {step}");
            assert_eq!(l.listpack_bytes(), lp_size(m.iter().map(|x| x.as_slice())));
            if step % 13 == 0 {
                let want: Vec<&[u8]> = m.iter().map(|x| x.as_slice()).collect();
                assert_eq!(l.iter().collect::<Vec<_>>(), want);
                assert_eq!(l.iter().rev().count(), m.len());
                if !m.is_empty() {
                    let a = rnd(m.len());
                    let b = a + rnd(m.len() - a);
                    assert_eq!(
                        l.range(a, b).rev().collect::<Vec<_>>(),
                        want[a..=b].iter().rev().copied().collect::<Vec<_>>()
                    );
                    assert_eq!(l.get(b), Some(want[b]));
                }
                if l.encoding() == "listpack" {
                    assert!(l.listpack_bytes() <= PACK_LIMIT);
                }
            }
        }
        assert!(conversions > 20, "{conversions} conversions");
    }
}
