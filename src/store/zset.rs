//! Sorted set values, in two encodings as in Redis:
//!
//! - **listpack** while small (at most `zset-max-listpack-entries` members of at most
//!   `zset-max-listpack-value` bytes, 128 / 64 by default): one [`Packed`] buffer
//!   of `(score, member)` entries sorted by score then member (see `zentry`; a score
//!   such as 1.5 takes 2 bytes). Every lookup walks the buffer, as Redis's listpack
//!   does.
//! - **skiplist** once larger: a hash table from member to node plus Redis's skiplist
//!   with span counts (William Pugh's structure, levels with p = 1/4, at most 32),
//!   stored in a `Vec` arena addressed by `u32` indexes. Members are stored once, in
//!   the nodes; the table holds node indexes and hashes the members it points to.
//!
//! | operation                           | listpack     | skiplist            |
//! |-------------------------------------|--------------|---------------------|
//! | score of a member                   | O(n)         | O(1)                |
//! | insert / remove / change a score    | O(n)         | O(log n) expected   |
//! | rank of a member, member at a rank  | O(n)         | O(log n)            |
//! | first / last in a score or lex range| O(n)         | O(log n)            |
//! | walk from a position                | O(1) a step  | O(1) a step         |
//! | remove a range of k ranks           | O(n)         | O(log n + k)        |
//!
//! A listpack turns into a skiplist when an insert would pass either limit, never the
//! other way (as Redis), except when a whole new value is built ([`ZSetValue::from_sorted`],
//! for the *STORE commands). Like Redis's `zzlInsertAt`, the listpack stores a score
//! that is an integer as an integer, so a `-0` score reads back as `0` there, while the
//! skiplist keeps the sign.
//!
//! Arena slots are stable while a member stays in the set (changing its score keeps
//! its slot), which makes them a ZSCAN cursor with SCAN's guarantee: a member present
//! for a whole scan is returned. The arena is compacted once most of it is free; the
//! cursor carries a generation number and a stale one restarts the walk (members may
//! then be returned twice, which SCAN allows).

use super::packed::Packed;
use super::SmallBytes;
use hashbrown::HashTable;
use smallvec::SmallVec;
use std::cmp::Ordering;
use std::hash::BuildHasher;

type Hasher = foldhash::fast::FixedState;

/// Thresholds of the listpack encoding (Redis's `zset-max-listpack-entries` and
/// `zset-max-listpack-value`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZLimits {
    pub max_entries: usize,
    pub max_value: usize,
}

impl Default for ZLimits {
    fn default() -> Self {
        ZLimits {
            max_entries: 128,
            max_value: 64,
        }
    }
}

/// A score interval (`ZRANGEBYSCORE` min/max, `(` for exclusive ends).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    pub min: f64,
    pub max: f64,
    pub minex: bool,
    pub maxex: bool,
}

impl ScoreRange {
    pub fn gte_min(&self, v: f64) -> bool {
        if self.minex {
            v > self.min
        } else {
            v >= self.min
        }
    }

    pub fn lte_max(&self, v: f64) -> bool {
        if self.maxex {
            v < self.max
        } else {
            v <= self.max
        }
    }

    /// Redis's early test for ranges that are always empty.
    fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.minex || self.maxex))
    }
}

/// One end of a lexicographic range: `-`, `+`, or a string (`[` inclusive, `(`
/// exclusive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LexBound {
    /// `-`: below every string.
    Min,
    /// `+`: above every string.
    Max,
    Str(Vec<u8>),
}

/// A lexicographic interval (`ZRANGEBYLEX` min/max). `-` and `+` count as exclusive,
/// as in Redis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexRange {
    pub min: LexBound,
    pub max: LexBound,
    pub minex: bool,
    pub maxex: bool,
}

/// Redis's `sdscmplex`: strings against the `-`/`+` sentinels.
fn cmp_lex(a: &LexBound, b: &LexBound) -> Ordering {
    use LexBound::*;
    match (a, b) {
        (Min, Min) | (Max, Max) => Ordering::Equal,
        (Min, _) | (_, Max) => Ordering::Less,
        (Max, _) | (_, Min) => Ordering::Greater,
        (Str(x), Str(y)) => x.as_slice().cmp(y.as_slice()),
    }
}

fn cmp_value(v: &[u8], b: &LexBound) -> Ordering {
    match b {
        LexBound::Min => Ordering::Greater,
        LexBound::Max => Ordering::Less,
        LexBound::Str(s) => v.cmp(s.as_slice()),
    }
}

impl LexRange {
    pub fn gte_min(&self, v: &[u8]) -> bool {
        let c = cmp_value(v, &self.min);
        if self.minex {
            c == Ordering::Greater
        } else {
            c != Ordering::Less
        }
    }

    pub fn lte_max(&self, v: &[u8]) -> bool {
        let c = cmp_value(v, &self.max);
        if self.maxex {
            c == Ordering::Less
        } else {
            c != Ordering::Greater
        }
    }

    fn is_empty(&self) -> bool {
        let c = cmp_lex(&self.min, &self.max);
        c == Ordering::Greater || (c == Ordering::Equal && (self.minex || self.maxex))
    }
}

/// (score, member) order: by score, then by member bytes.
#[inline]
fn before(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> bool {
    s1 < s2 || (s1 == s2 && m1 < m2)
}

/// Scores as the listpack keeps them: an integral score becomes an integer, so `-0`
/// reads back as `0` (Redis's `double2ll` in `zzlInsertAt`).
#[inline]
fn pack_score(s: f64) -> f64 {
    if s == 0.0 {
        0.0
    } else {
        s
    }
}

/// One listpack entry's payload: the score's length (0 to 8), the score's IEEE bits
/// big-endian without their trailing zero bytes (1.5 takes 2 bytes, 0 none), then the
/// member.
fn zentry(score: f64, member: &[u8]) -> Vec<u8> {
    let bits = score.to_bits().to_be_bytes();
    let n = 8 - (score.to_bits().trailing_zeros() / 8) as usize;
    let mut v = Vec::with_capacity(1 + n + member.len());
    v.push(n as u8);
    v.extend_from_slice(&bits[..n]);
    v.extend_from_slice(member);
    v
}

/// (score, member) of an entry written by [`zentry`].
#[inline]
fn zdecode(payload: &[u8]) -> (f64, &[u8]) {
    let n = payload[0] as usize;
    let mut bits = [0u8; 8];
    bits[..n].copy_from_slice(&payload[1..1 + n]);
    (f64::from_bits(u64::from_be_bytes(bits)), &payload[1 + n..])
}

/// A sorted set's listpack: one [`Packed`] buffer of [`zentry`] payloads, in order.
type ZPack = Packed<1>;

/// The entries of a listpack as (start, score, member).
fn zentries(p: &ZPack) -> impl DoubleEndedIterator<Item = (usize, f64, &[u8])> + '_ {
    p.iter().map(|(at, b)| {
        let (s, m) = zdecode(b);
        (at, s, m)
    })
}

/// Start and end of the entry holding `member`.
fn zfind(p: &ZPack, member: &[u8]) -> Option<(usize, usize, f64)> {
    zentries(p)
        .find(|e| e.2 == member)
        .map(|(at, s, _)| (at, p.entry_at(at).1, s))
}

/// Insert (score, member) at its place (the member is not present).
fn zinsert(p: &mut ZPack, score: f64, member: &[u8]) {
    let pos = zentries(p)
        .find(|&(_, s, m)| !before(s, m, score, member))
        .map_or(p.end(), |e| e.0);
    let n = p.len();
    p.replace(n, &[], pos..pos, 0, &[&zentry(score, member)]);
}

/// A sorted set.
#[derive(Clone, Default)]
pub struct ZSetValue {
    repr: Repr,
}

/// 16 bytes, so a sorted set is held inline in [`super::Value`].
#[derive(Clone)]
enum Repr {
    Pack(ZPack),
    /// Boxed so that a small sorted set costs a 16-byte value, not the skiplist's size.
    Skip(Box<SkipList>),
}

const _: () = assert!(std::mem::size_of::<ZSetValue>() == 16);

impl Default for Repr {
    fn default() -> Self {
        Repr::Pack(Packed::default())
    }
}

impl std::fmt::Debug for ZSetValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ZSet[{}]", self.encoding())?;
        f.debug_list()
            .entries(
                self.iter()
                    .map(|(m, s)| (String::from_utf8_lossy(m).into_owned(), s)),
            )
            .finish()
    }
}

/// Same encoding, members and scores (scores bit for bit, so `-0` differs from `0`).
impl PartialEq for ZSetValue {
    fn eq(&self, other: &Self) -> bool {
        self.encoding() == other.encoding()
            && self.len() == other.len()
            && self
                .iter()
                .zip(other.iter())
                .all(|((m1, s1), (m2, s2))| m1 == m2 && s1.to_bits() == s2.to_bits())
    }
}

impl ZSetValue {
    pub fn new() -> Self {
        Self::default()
    }

    /// A set holding `items`, which must be sorted by (score, member) with distinct
    /// members and no NaN; listpack-encoded when it fits `lim` (Redis's
    /// `zsetConvertToListpackIfNeeded` after building a result).
    pub fn from_sorted(items: Vec<(f64, SmallBytes)>, lim: ZLimits) -> Self {
        debug_assert!(items.windows(2).all(|w| before(
            w[0].0,
            w[0].1.as_slice(),
            w[1].0,
            w[1].1.as_slice()
        )));
        let fits =
            items.len() <= lim.max_entries && items.iter().all(|(_, m)| m.len() <= lim.max_value);
        if fits {
            let entries: Vec<Vec<u8>> = items
                .iter()
                .map(|(s, m)| zentry(pack_score(*s), m.as_slice()))
                .collect();
            ZSetValue {
                repr: Repr::Pack(Packed::from_items(entries.iter().map(|e| &e[..]), &[])),
            }
        } else {
            let mut sl = SkipList::new();
            for (s, m) in items {
                sl.insert(m, s);
            }
            ZSetValue {
                repr: Repr::Skip(Box::new(sl)),
            }
        }
    }

    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Pack(p) => p.len(),
            Repr::Skip(s) => s.len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Redis's OBJECT ENCODING name.
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Pack(_) => "listpack",
            Repr::Skip(_) => "skiplist",
        }
    }

    /// The score of `member`, if present.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.repr {
            Repr::Pack(p) => zfind(p, member).map(|x| x.2),
            Repr::Skip(sl) => sl.find(member).map(|id| sl.nodes[id as usize].score),
        }
    }

    /// Add a member that is not present (the caller checked with [`Self::score`]).
    /// Converts to a skiplist first when the listpack would pass `lim`.
    pub fn insert(&mut self, member: &[u8], score: f64, lim: ZLimits) {
        debug_assert!(!score.is_nan());
        if let Repr::Pack(p) = &mut self.repr {
            if p.len() < lim.max_entries && member.len() <= lim.max_value {
                zinsert(p, pack_score(score), member);
                return;
            }
            self.convert_to_skiplist();
        }
        if let Repr::Skip(sl) = &mut self.repr {
            sl.insert(SmallBytes::new(member), score);
        }
    }

    /// Change the score of a present member from `old` to `new`.
    pub fn set_score(&mut self, member: &[u8], old: f64, new: f64) {
        debug_assert!(!new.is_nan());
        match &mut self.repr {
            Repr::Pack(p) => {
                let Some((a, b, _)) = zfind(p, member) else {
                    return;
                };
                let n = p.len();
                p.replace(n, &[], a..b, 1, &[]);
                zinsert(p, pack_score(new), member);
            }
            Repr::Skip(sl) => {
                let _ = old;
                if let Some(id) = sl.find(member) {
                    sl.set_score(id, new);
                }
            }
        }
    }

    /// Remove a member; its score if it was present.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        match &mut self.repr {
            Repr::Pack(p) => {
                let (a, b, s) = zfind(p, member)?;
                let n = p.len();
                p.replace(n, &[], a..b, 1, &[]);
                Some(s)
            }
            Repr::Skip(sl) => {
                let r = sl.remove(member);
                sl.maybe_compact();
                r
            }
        }
    }

    /// The 0-based rank (ascending) and score of a member.
    pub fn rank(&self, member: &[u8]) -> Option<(usize, f64)> {
        match &self.repr {
            Repr::Pack(p) => zentries(p)
                .enumerate()
                .find(|(_, e)| e.2 == member)
                .map(|(i, e)| (i, e.1)),
            Repr::Skip(sl) => {
                let id = sl.find(member)?;
                Some((sl.rank_of(id) - 1, sl.nodes[id as usize].score))
            }
        }
    }

    /// The member and score at a 0-based ascending rank.
    pub fn get(&self, rank: usize) -> Option<(&[u8], f64)> {
        match &self.repr {
            Repr::Pack(p) => p.get(rank).map(|b| {
                let (s, m) = zdecode(b);
                (m, s)
            }),
            Repr::Skip(sl) => {
                if rank >= sl.len {
                    return None;
                }
                let n = &sl.nodes[sl.by_rank(rank + 1) as usize];
                Some((n.member.as_slice(), n.score))
            }
        }
    }

    /// All members in ascending order.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0, false)
    }

    /// Walk from the member at 0-based ascending rank `rank`: towards higher ranks, or
    /// towards lower ones when `rev`. Empty when `rank` is out of range.
    pub fn iter_from(&self, rank: usize, rev: bool) -> Iter<'_> {
        let len = self.len();
        if rank >= len {
            return Iter {
                z: self,
                pos: 0,
                remaining: 0,
                rev,
            };
        }
        let remaining = if rev { rank + 1 } else { len - rank };
        let pos = match &self.repr {
            Repr::Pack(p) => p.pos_of(rank),
            Repr::Skip(sl) => {
                if rank == 0 {
                    sl.nodes[0].lv[0].fwd as usize
                } else if rank == len - 1 {
                    sl.tail as usize
                } else {
                    sl.by_rank(rank + 1) as usize
                }
            }
        };
        Iter {
            z: self,
            pos,
            remaining,
            rev,
        }
    }

    /// Rank of the first member in a score range (Redis's `zslFirstInRange`).
    pub fn first_in_score_range(&self, r: &ScoreRange) -> Option<usize> {
        if r.is_empty() || self.is_empty() {
            return None;
        }
        match &self.repr {
            Repr::Pack(p) => {
                let (i, e) = zentries(p).enumerate().find(|(_, e)| r.gte_min(e.1))?;
                r.lte_max(e.1).then_some(i)
            }
            Repr::Skip(sl) => sl.first_in(|n| r.gte_min(n.score), |n| r.lte_max(n.score)),
        }
    }

    /// Rank of the last member in a score range (Redis's `zslLastInRange`).
    pub fn last_in_score_range(&self, r: &ScoreRange) -> Option<usize> {
        if r.is_empty() || self.is_empty() {
            return None;
        }
        match &self.repr {
            Repr::Pack(p) => {
                let (i, e) = zentries(p)
                    .enumerate()
                    .take_while(|(_, e)| r.lte_max(e.1))
                    .last()?;
                r.gte_min(e.1).then_some(i)
            }
            Repr::Skip(sl) => sl.last_in(|n| r.lte_max(n.score), |n| r.gte_min(n.score)),
        }
    }

    /// Rank of the first member in a lex range (Redis's `zzlFirstInLexRange` /
    /// `zslFirstInLexRange`; meaningful when all scores are equal, and answering as
    /// Redis's listpack walk does otherwise).
    pub fn first_in_lex_range(&self, r: &LexRange) -> Option<usize> {
        if r.is_empty() || self.is_empty() {
            return None;
        }
        let (first, _) = self.get(0)?;
        let (last, _) = self.get(self.len() - 1)?;
        if !r.gte_min(last) || !r.lte_max(first) {
            return None;
        }
        match &self.repr {
            Repr::Pack(p) => {
                let (i, e) = zentries(p).enumerate().find(|(_, e)| r.gte_min(e.2))?;
                r.lte_max(e.2).then_some(i)
            }
            Repr::Skip(sl) => sl.first_in(
                |n| r.gte_min(n.member.as_slice()),
                |n| r.lte_max(n.member.as_slice()),
            ),
        }
    }

    /// Rank of the last member in a lex range (see [`Self::first_in_lex_range`]).
    pub fn last_in_lex_range(&self, r: &LexRange) -> Option<usize> {
        if r.is_empty() || self.is_empty() {
            return None;
        }
        let (first, _) = self.get(0)?;
        let (last, _) = self.get(self.len() - 1)?;
        if !r.gte_min(last) || !r.lte_max(first) {
            return None;
        }
        match &self.repr {
            Repr::Pack(p) => {
                let n = p.len();
                let (i, e) = zentries(p)
                    .rev()
                    .enumerate()
                    .find(|(_, e)| r.lte_max(e.2))?;
                r.gte_min(e.2).then_some(n - 1 - i)
            }
            Repr::Skip(sl) => sl.last_in(
                |n| r.lte_max(n.member.as_slice()),
                |n| r.gte_min(n.member.as_slice()),
            ),
        }
    }

    /// Remove the members of 0-based ranks `start..=end` (clamped); how many.
    pub fn remove_rank_range(&mut self, start: usize, end: usize) -> usize {
        let len = self.len();
        if start >= len || start > end {
            return 0;
        }
        let end = end.min(len - 1);
        match &mut self.repr {
            Repr::Pack(p) => {
                let a = p.pos_of(start);
                let b = p.entry_at(p.pos_of(end)).1;
                p.replace(len, &[], a..b, end - start + 1, &[]);
            }
            Repr::Skip(sl) => {
                sl.remove_rank_range(start + 1, end + 1);
                sl.maybe_compact();
            }
        }
        end - start + 1
    }

    /// Remove and return the lowest (`max` false) or highest member.
    pub fn pop(&mut self, max: bool) -> Option<(SmallBytes, f64)> {
        match &mut self.repr {
            Repr::Pack(p) => {
                let n = p.len();
                let at = if n == 0 {
                    return None;
                } else if max {
                    p.pos_of(n - 1)
                } else {
                    p.body()
                };
                let (b, next) = p.entry_at(at);
                let (s, m) = zdecode(b);
                let m = SmallBytes::new(m);
                p.replace(n, &[], at..next, 1, &[]);
                Some((m, s))
            }
            Repr::Skip(sl) => {
                let id = if max { sl.tail } else { sl.nodes[0].lv[0].fwd };
                if id == NIL {
                    return None;
                }
                let m = sl.nodes[id as usize].member.clone();
                let s = sl.remove(m.as_slice());
                sl.maybe_compact();
                s.map(|s| (m, s))
            }
        }
    }

    /// One step of ZSCAN: call `f` for some members and return the next cursor (0 when
    /// done). A listpack answers everything at once, as Redis does; a skiplist walks
    /// its arena, about `count` members a call.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], f64)) -> u64 {
        match &self.repr {
            Repr::Pack(p) => {
                for (_, s, m) in zentries(p) {
                    f(m, s);
                }
                0
            }
            Repr::Skip(sl) => sl.scan(cursor, count, &mut f),
        }
    }

    fn convert_to_skiplist(&mut self) {
        if let Repr::Pack(p) = &self.repr {
            let mut sl = SkipList::new();
            for (_, s, m) in zentries(p) {
                sl.insert(SmallBytes::new(m), s);
            }
            self.repr = Repr::Skip(Box::new(sl));
        }
    }
}

/// A walk over a sorted set from some rank, in either direction; yields
/// `(member, score)`.
pub struct Iter<'a> {
    z: &'a ZSetValue,
    /// Start of the next member's entry (listpack) or its arena index (skiplist).
    pos: usize,
    remaining: usize,
    rev: bool,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        match &self.z.repr {
            Repr::Pack(p) => {
                let (b, next) = p.entry_at(self.pos);
                if !self.rev {
                    self.pos = next;
                } else if self.remaining > 0 {
                    self.pos = p.prev_start(self.pos);
                }
                let (s, m) = zdecode(b);
                Some((m, s))
            }
            Repr::Skip(sl) => {
                let n = &sl.nodes[self.pos];
                self.pos = if self.rev { n.back } else { n.lv[0].fwd } as usize;
                Some((n.member.as_slice(), n.score))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Iter<'_> {}

// ---- the skiplist ----

const MAX_LEVEL: usize = 32;
const NIL: u32 = u32::MAX;
const HEAD: usize = 0;

#[derive(Clone, Copy, Debug)]
struct Level {
    fwd: u32,
    /// Number of level-0 steps this link jumps over.
    span: u32,
}

const EMPTY_LEVEL: Level = Level { fwd: NIL, span: 0 };

#[derive(Clone)]
struct Node {
    member: SmallBytes,
    score: f64,
    back: u32,
    /// Empty for a free arena slot.
    lv: SmallVec<[Level; 2]>,
}

#[derive(Clone)]
struct SkipList {
    /// Slot 0 is the header (32 levels, no member).
    nodes: Vec<Node>,
    free: Vec<u32>,
    /// Member → arena index.
    dict: HashTable<u32>,
    level: usize,
    len: usize,
    tail: u32,
    rng: u64,
    /// Bumped when the arena is compacted (slots renumbered): ZSCAN cursors of an
    /// older generation restart.
    generation: u32,
}

fn hash(m: &[u8]) -> u64 {
    Hasher::default().hash_one(m)
}

impl SkipList {
    fn new() -> Self {
        static SEED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let seed = SEED
            .fetch_add(0x9e37_79b9_7f4a_7c15, std::sync::atomic::Ordering::Relaxed)
            .wrapping_mul(0xbf58_476d_1ce4_e5b9)
            | 1;
        SkipList {
            nodes: vec![Node {
                member: SmallBytes::new(b""),
                score: 0.0,
                back: NIL,
                lv: SmallVec::from_elem(EMPTY_LEVEL, MAX_LEVEL),
            }],
            free: Vec::new(),
            dict: HashTable::new(),
            level: 1,
            len: 0,
            tail: NIL,
            rng: seed,
            generation: 0,
        }
    }

    fn random_level(&mut self) -> usize {
        let mut lvl = 1;
        loop {
            // xorshift64*
            self.rng ^= self.rng >> 12;
            self.rng ^= self.rng << 25;
            self.rng ^= self.rng >> 27;
            let r = self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32;
            if (r & 0xFFFF) < 0x3FFF && lvl < MAX_LEVEL {
                lvl += 1;
            } else {
                return lvl;
            }
        }
    }

    #[inline]
    fn lv(&self, x: usize, i: usize) -> Level {
        self.nodes[x].lv[i]
    }

    fn find(&self, m: &[u8]) -> Option<u32> {
        self.dict
            .find(hash(m), |&id| {
                self.nodes[id as usize].member.as_slice() == m
            })
            .copied()
    }

    /// Whether node `f` sorts before (score, m).
    #[inline]
    fn node_before(&self, f: u32, score: f64, m: &[u8]) -> bool {
        let n = &self.nodes[f as usize];
        before(n.score, n.member.as_slice(), score, m)
    }

    fn alloc(&mut self, member: SmallBytes, score: f64) -> u32 {
        let node = Node {
            member,
            score,
            back: NIL,
            lv: SmallVec::new(),
        };
        match self.free.pop() {
            Some(id) => {
                self.nodes[id as usize] = node;
                id
            }
            None => {
                assert!(self.nodes.len() < NIL as usize, "sorted set too large");
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        }
    }

    fn insert(&mut self, member: SmallBytes, score: f64) -> u32 {
        let h = hash(member.as_slice());
        let id = self.alloc(member, score);
        self.link(id);
        let nodes = &self.nodes;
        self.dict
            .insert_unique(h, id, |&x| hash(nodes[x as usize].member.as_slice()));
        id
    }

    /// Link an allocated node (member and score set) into the list, with a fresh
    /// random level (Redis's `zslInsert`).
    fn link(&mut self, id: u32) {
        let mut update = [HEAD as u32; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        let mut x = HEAD;
        {
            let n = &self.nodes[id as usize];
            let (score, m) = (n.score, n.member.as_slice());
            for i in (0..self.level).rev() {
                rank[i] = if i == self.level - 1 { 0 } else { rank[i + 1] };
                loop {
                    let l = self.lv(x, i);
                    if l.fwd == NIL || !self.node_before(l.fwd, score, m) {
                        break;
                    }
                    rank[i] += l.span;
                    x = l.fwd as usize;
                }
                update[i] = x as u32;
            }
        }
        let lvl = self.random_level();
        if lvl > self.level {
            for i in self.level..lvl {
                rank[i] = 0;
                update[i] = HEAD as u32;
                self.nodes[HEAD].lv[i].span = self.len as u32;
            }
            self.level = lvl;
        }
        let mut lv: SmallVec<[Level; 2]> = SmallVec::from_elem(EMPTY_LEVEL, lvl);
        for i in 0..lvl {
            let u = update[i] as usize;
            let ul = self.nodes[u].lv[i];
            lv[i] = Level {
                fwd: ul.fwd,
                span: ul.span - (rank[0] - rank[i]),
            };
            self.nodes[u].lv[i] = Level {
                fwd: id,
                span: rank[0] - rank[i] + 1,
            };
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(lvl) {
            self.nodes[u as usize].lv[i].span += 1;
        }
        let back = if update[0] as usize == HEAD {
            NIL
        } else {
            update[0]
        };
        let f0 = lv[0].fwd;
        let n = &mut self.nodes[id as usize];
        n.lv = lv;
        n.back = back;
        if f0 != NIL {
            self.nodes[f0 as usize].back = id;
        } else {
            self.tail = id;
        }
        self.len += 1;
    }

    /// The predecessors, at every level, of the position of (score, m).
    fn locate(&self, score: f64, m: &[u8]) -> [u32; MAX_LEVEL] {
        let mut update = [HEAD as u32; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.lv(x, i).fwd;
                if f == NIL || !self.node_before(f, score, m) {
                    break;
                }
                x = f as usize;
            }
            update[i] = x as u32;
        }
        update
    }

    /// Unlink node `id` given its predecessors (Redis's `zslDeleteNode`).
    fn unlink(&mut self, id: u32, update: &[u32; MAX_LEVEL]) {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            let u = u as usize;
            if self.nodes[u].lv[i].fwd == id {
                let xl = self.nodes[id as usize].lv[i];
                let ul = &mut self.nodes[u].lv[i];
                ul.span = ul.span + xl.span - 1;
                ul.fwd = xl.fwd;
            } else {
                self.nodes[u].lv[i].span -= 1;
            }
        }
        let (f0, back) = {
            let n = &self.nodes[id as usize];
            (n.lv[0].fwd, n.back)
        };
        if f0 != NIL {
            self.nodes[f0 as usize].back = back;
        } else {
            self.tail = back;
        }
        while self.level > 1 && self.nodes[HEAD].lv[self.level - 1].fwd == NIL {
            self.level -= 1;
        }
        self.len -= 1;
    }

    fn release(&mut self, id: u32) {
        let n = &mut self.nodes[id as usize];
        n.member = SmallBytes::new(b"");
        n.lv = SmallVec::new();
        n.back = NIL;
        self.free.push(id);
    }

    fn dict_remove(&mut self, id: u32) {
        let nodes = &self.nodes;
        let m = nodes[id as usize].member.as_slice();
        if let Ok(e) = self.dict.find_entry(hash(m), |&x| x == id) {
            e.remove();
        }
    }

    fn remove(&mut self, m: &[u8]) -> Option<f64> {
        let id = self.find(m)?;
        let score = self.nodes[id as usize].score;
        let update = self.locate(score, m);
        debug_assert_eq!(self.lv(update[0] as usize, 0).fwd, id);
        self.dict_remove(id);
        self.unlink(id, &update);
        self.release(id);
        Some(score)
    }

    /// Redis's `zslUpdateScore`: in place when the order does not change, else unlink
    /// and link again (the node keeps its arena slot).
    fn set_score(&mut self, id: u32, new: f64) {
        let (back, f0) = {
            let n = &self.nodes[id as usize];
            (n.back, n.lv[0].fwd)
        };
        let in_place = (back == NIL || self.nodes[back as usize].score < new)
            && (f0 == NIL || self.nodes[f0 as usize].score > new);
        if in_place {
            self.nodes[id as usize].score = new;
            return;
        }
        let update = {
            let n = &self.nodes[id as usize];
            self.locate(n.score, n.member.as_slice())
        };
        self.unlink(id, &update);
        self.nodes[id as usize].score = new;
        self.link(id);
    }

    /// 1-based rank of a node (Redis's `zslGetRank`).
    fn rank_of(&self, id: u32) -> usize {
        let n = &self.nodes[id as usize];
        let (score, m) = (n.score, n.member.as_slice());
        let mut rank = 0usize;
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.lv(x, i);
                if l.fwd == NIL {
                    break;
                }
                let f = &self.nodes[l.fwd as usize];
                if !(f.score < score || (f.score == score && f.member.as_slice() <= m)) {
                    break;
                }
                rank += l.span as usize;
                x = l.fwd as usize;
            }
            if x as u32 == id {
                return rank;
            }
        }
        0
    }

    /// The node at 1-based `rank` (Redis's `zslGetElementByRank`).
    fn by_rank(&self, rank: usize) -> u32 {
        let mut traversed = 0usize;
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.lv(x, i);
                if l.fwd == NIL || traversed + l.span as usize > rank {
                    break;
                }
                traversed += l.span as usize;
                x = l.fwd as usize;
            }
            if traversed == rank {
                return x as u32;
            }
        }
        NIL
    }

    /// 0-based rank of the first node passing `gte_min`, if it also passes `lte_max`
    /// (the nodes passing `gte_min` must be a suffix of the list).
    fn first_in(
        &self,
        gte_min: impl Fn(&Node) -> bool,
        lte_max: impl Fn(&Node) -> bool,
    ) -> Option<usize> {
        let mut x = HEAD;
        let mut traversed = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let l = self.lv(x, i);
                if l.fwd == NIL || gte_min(&self.nodes[l.fwd as usize]) {
                    break;
                }
                traversed += l.span as usize;
                x = l.fwd as usize;
            }
        }
        let f = self.lv(x, 0).fwd;
        if f == NIL || !lte_max(&self.nodes[f as usize]) {
            return None;
        }
        Some(traversed)
    }

    /// 0-based rank of the last node passing `lte_max`, if it also passes `gte_min`
    /// (the nodes passing `lte_max` must be a prefix of the list).
    fn last_in(
        &self,
        lte_max: impl Fn(&Node) -> bool,
        gte_min: impl Fn(&Node) -> bool,
    ) -> Option<usize> {
        let mut x = HEAD;
        let mut traversed = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let l = self.lv(x, i);
                if l.fwd == NIL || !lte_max(&self.nodes[l.fwd as usize]) {
                    break;
                }
                traversed += l.span as usize;
                x = l.fwd as usize;
            }
        }
        if x == HEAD || !gte_min(&self.nodes[x]) {
            return None;
        }
        Some(traversed - 1)
    }

    /// Remove the nodes of 1-based ranks `start..=end` (Redis's
    /// `zslDeleteRangeByRank`).
    fn remove_rank_range(&mut self, start: usize, end: usize) {
        let mut update = [HEAD as u32; MAX_LEVEL];
        let mut traversed = 0usize;
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.lv(x, i);
                if l.fwd == NIL || traversed + l.span as usize >= start {
                    break;
                }
                traversed += l.span as usize;
                x = l.fwd as usize;
            }
            update[i] = x as u32;
        }
        traversed += 1;
        let mut cur = self.lv(x, 0).fwd;
        while cur != NIL && traversed <= end {
            let next = self.lv(cur as usize, 0).fwd;
            self.dict_remove(cur);
            self.unlink(cur, &update);
            self.release(cur);
            traversed += 1;
            cur = next;
        }
    }

    /// Renumber the arena when most of it is free.
    fn maybe_compact(&mut self) {
        if self.free.len() <= 64 || self.free.len() <= self.len * 2 {
            return;
        }
        let mut fresh = SkipList::new();
        fresh.rng = self.rng;
        fresh.generation = self.generation.wrapping_add(1);
        fresh.nodes.reserve(self.len);
        let mut id = self.lv(HEAD, 0).fwd;
        while id != NIL {
            let n = &mut self.nodes[id as usize];
            let next = n.lv[0].fwd;
            let member = std::mem::replace(&mut n.member, SmallBytes::new(b""));
            fresh.insert(member, n.score);
            id = next;
        }
        *self = fresh;
    }

    /// Cursor: 0 to start; else generation in the high 32 bits, next arena slot in the
    /// low ones.
    fn scan(&self, cursor: u64, count: usize, f: &mut dyn FnMut(&[u8], f64)) -> u64 {
        let (gen, pos) = ((cursor >> 32) as u32, (cursor & 0xFFFF_FFFF) as usize);
        let mut pos = if cursor == 0 || gen != self.generation {
            1
        } else {
            pos.max(1)
        };
        let mut found = 0;
        let budget = count.max(1).saturating_mul(10);
        let mut visited = 0;
        while pos < self.nodes.len() && found < count.max(1) && visited < budget {
            let n = &self.nodes[pos];
            if !n.lv.is_empty() {
                f(n.member.as_slice(), n.score);
                found += 1;
            }
            pos += 1;
            visited += 1;
        }
        if pos >= self.nodes.len() {
            0
        } else {
            ((self.generation as u64) << 32) | pos as u64
        }
    }

    #[cfg(test)]
    fn check(&self) {
        // Walk level 0, compare with spans and back links, and the dict.
        let mut id = self.lv(HEAD, 0).fwd;
        let mut prev = NIL;
        let mut n = 0;
        while id != NIL {
            let node = &self.nodes[id as usize];
            assert_eq!(node.back, prev);
            if prev != NIL {
                let p = &self.nodes[prev as usize];
                assert!(before(
                    p.score,
                    p.member.as_slice(),
                    node.score,
                    node.member.as_slice()
                ));
            }
            assert_eq!(self.find(node.member.as_slice()), Some(id));
            n += 1;
            assert_eq!(self.rank_of(id), n);
            assert_eq!(self.by_rank(n), id);
            prev = id;
            id = node.lv[0].fwd;
        }
        assert_eq!(self.tail, prev);
        assert_eq!(n, self.len);
        assert_eq!(self.dict.len(), self.len);
        // Spans: at each level, the sum of spans from the header to NIL is len.
        for i in 0..self.level {
            let mut x = HEAD;
            let mut total = 0usize;
            loop {
                let l = self.lv(x, i);
                total += l.span as usize;
                if l.fwd == NIL {
                    break;
                }
                x = l.fwd as usize;
            }
            if i == 0 {
                assert_eq!(total, self.len);
            } else {
                assert!(total <= self.len);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: ZLimits = ZLimits {
        max_entries: 4,
        max_value: 8,
    };

    fn add(z: &mut ZSetValue, m: &str, s: f64, lim: ZLimits) {
        match z.score(m.as_bytes()) {
            Some(old) => z.set_score(m.as_bytes(), old, s),
            None => z.insert(m.as_bytes(), s, lim),
        }
    }

    fn members(z: &ZSetValue) -> Vec<(String, f64)> {
        z.iter()
            .map(|(m, s)| (String::from_utf8_lossy(m).into_owned(), s))
            .collect()
    }

    #[test]
    fn encodings_and_conversion() {
        let mut z = ZSetValue::new();
        assert_eq!(z.encoding(), "listpack");
        add(&mut z, "b", 2.0, SMALL);
        add(&mut z, "a", 1.0, SMALL);
        add(&mut z, "c", 1.0, SMALL);
        assert_eq!(
            members(&z),
            vec![("a".into(), 1.0), ("c".into(), 1.0), ("b".into(), 2.0)]
        );
        add(&mut z, "d", 0.5, SMALL);
        assert_eq!(z.encoding(), "listpack");
        add(&mut z, "e", 9.0, SMALL);
        assert_eq!(z.encoding(), "skiplist");
        assert_eq!(z.len(), 5);
        assert_eq!(members(&z)[0], ("d".into(), 0.5));
        let mut y = ZSetValue::new();
        add(&mut y, "123456789", 1.0, SMALL);
        assert_eq!(y.encoding(), "skiplist");
        // Removing never converts back.
        z.remove(b"e");
        z.remove(b"d");
        assert_eq!(z.encoding(), "skiplist");
    }

    #[test]
    fn negative_zero_in_listpack() {
        let mut z = ZSetValue::new();
        z.insert(b"a", -0.0, SMALL);
        assert!(z.score(b"a").unwrap().is_sign_positive());
        let big = ZLimits {
            max_entries: 0,
            max_value: 0,
        };
        let mut s = ZSetValue::new();
        s.insert(b"a", -0.0, big);
        assert!(s.score(b"a").unwrap().is_sign_negative());
    }

    #[test]
    fn ranges() {
        for lim in [ZLimits::default(), SMALL] {
            let mut z = ZSetValue::new();
            for (i, m) in ["a", "b", "c", "d", "e", "f"].iter().enumerate() {
                add(&mut z, m, i as f64, lim);
            }
            let r = |min, max, minex, maxex| ScoreRange {
                min,
                max,
                minex,
                maxex,
            };
            assert_eq!(z.first_in_score_range(&r(1.0, 3.0, false, false)), Some(1));
            assert_eq!(z.last_in_score_range(&r(1.0, 3.0, false, false)), Some(3));
            assert_eq!(z.first_in_score_range(&r(1.0, 3.0, true, true)), Some(2));
            assert_eq!(z.last_in_score_range(&r(1.0, 3.0, true, true)), Some(2));
            assert_eq!(z.first_in_score_range(&r(3.0, 1.0, false, false)), None);
            assert_eq!(z.first_in_score_range(&r(2.5, 2.7, false, false)), None);
            assert_eq!(z.last_in_score_range(&r(2.5, 2.7, false, false)), None);
            assert_eq!(
                z.first_in_score_range(&r(f64::NEG_INFINITY, f64::INFINITY, false, false)),
                Some(0)
            );
            let lr = |min: LexBound, max: LexBound, minex, maxex| LexRange {
                min,
                max,
                minex,
                maxex,
            };
            let s = |x: &str| LexBound::Str(x.as_bytes().to_vec());
            let mut same = ZSetValue::new();
            for m in ["a", "b", "c", "d", "e"] {
                add(&mut same, m, 0.0, lim);
            }
            let all = lr(LexBound::Min, LexBound::Max, true, true);
            assert_eq!(same.first_in_lex_range(&all), Some(0));
            assert_eq!(same.last_in_lex_range(&all), Some(4));
            assert_eq!(
                same.first_in_lex_range(&lr(s("b"), s("d"), true, false)),
                Some(2)
            );
            assert_eq!(
                same.last_in_lex_range(&lr(s("b"), s("d"), true, true)),
                Some(2)
            );
            assert_eq!(
                same.first_in_lex_range(&lr(s("d"), s("b"), false, false)),
                None
            );
            assert_eq!(
                same.first_in_lex_range(&lr(s("bb"), s("bc"), false, false)),
                None
            );
            assert_eq!(
                same.first_in_lex_range(&lr(LexBound::Max, LexBound::Min, true, true)),
                None
            );
            assert_eq!(z.remove_rank_range(1, 2), 2);
            assert_eq!(
                members(&z).iter().map(|x| x.0.as_str()).collect::<String>(),
                "adef"
            );
            let rev: Vec<_> = z.iter_from(2, true).map(|(m, _)| m.to_vec()).collect();
            assert_eq!(rev, vec![b"e".to_vec(), b"d".to_vec(), b"a".to_vec()]);
            assert_eq!(z.pop(true).unwrap().0.as_slice(), b"f");
            assert_eq!(z.pop(false).unwrap().0.as_slice(), b"a");
            assert_eq!(z.len(), 2);
        }
    }

    /// A tiny deterministic generator.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Random operations against a naive sorted vector, on both encodings.
    #[test]
    fn randomized_against_sorted_vec() {
        for (seed, lim) in [
            (1u64, ZLimits::default()),
            (2, SMALL),
            (
                3,
                ZLimits {
                    max_entries: 0,
                    max_value: 0,
                },
            ),
            (4, ZLimits::default()),
        ] {
            let mut rng = Rng(0x1234_5678_9abc_def0 ^ seed);
            let mut z = ZSetValue::new();
            let mut naive: Vec<(f64, Vec<u8>)> = Vec::new();
            let sort = |v: &mut Vec<(f64, Vec<u8>)>| {
                v.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap().then(a.1.cmp(&b.1)))
            };
            for step in 0..6000 {
                let m = format!("m{}", rng.below(400)).into_bytes();
                let score = (rng.below(50) as f64) / 4.0 - 3.0;
                match rng.below(10) {
                    0..=4 => {
                        match naive.iter().position(|(_, x)| *x == m) {
                            Some(i) => {
                                let old = naive[i].0;
                                naive[i].0 = score;
                                z.set_score(&m, old, score);
                            }
                            None => {
                                naive.push((score, m.clone()));
                                z.insert(&m, score, lim);
                            }
                        }
                        sort(&mut naive);
                    }
                    5 | 6 => {
                        let want = naive
                            .iter()
                            .position(|(_, x)| *x == m)
                            .map(|i| naive.remove(i).0);
                        assert_eq!(z.remove(&m), want);
                    }
                    7 => {
                        if !naive.is_empty() {
                            let a = rng.below(naive.len() as u64) as usize;
                            let b = a + rng.below(5) as usize;
                            let n = z.remove_rank_range(a, b);
                            let end = b.min(naive.len() - 1);
                            naive.drain(a..=end);
                            assert_eq!(n, end - a + 1);
                        }
                    }
                    8 => {
                        let max = rng.below(2) == 0;
                        let want = if naive.is_empty() {
                            None
                        } else if max {
                            naive.pop()
                        } else {
                            Some(naive.remove(0))
                        };
                        let got = z.pop(max).map(|(m, s)| (s, m.as_slice().to_vec()));
                        assert_eq!(got, want);
                    }
                    _ => {
                        let lo = (rng.below(50) as f64) / 4.0 - 3.0;
                        let hi = lo + (rng.below(20) as f64) / 4.0;
                        let r = ScoreRange {
                            min: lo,
                            max: hi,
                            minex: rng.below(2) == 0,
                            maxex: rng.below(2) == 0,
                        };
                        let first = naive
                            .iter()
                            .position(|(s, _)| r.gte_min(*s) && r.lte_max(*s));
                        let last = naive
                            .iter()
                            .rposition(|(s, _)| r.gte_min(*s) && r.lte_max(*s));
                        assert_eq!(z.first_in_score_range(&r), first, "{r:?}");
                        assert_eq!(z.last_in_score_range(&r), last, "{r:?}");
                    }
                }
                assert_eq!(z.len(), naive.len());
                if step % 97 == 0 {
                    if let Repr::Skip(sl) = &z.repr {
                        sl.check();
                    }
                    let got: Vec<(f64, Vec<u8>)> = z.iter().map(|(m, s)| (s, m.to_vec())).collect();
                    assert_eq!(got, naive);
                    for (i, (s, m)) in naive.iter().enumerate() {
                        assert_eq!(z.rank(m), Some((i, *s)));
                        assert_eq!(z.get(i), Some((m.as_slice(), *s)));
                        let back: Vec<_> = z.iter_from(i, true).map(|(m, _)| m.to_vec()).collect();
                        let want: Vec<_> = naive[..=i].iter().rev().map(|x| x.1.clone()).collect();
                        assert_eq!(back, want);
                    }
                    assert_eq!(z.get(naive.len()), None);
                }
            }
        }
    }

    #[test]
    fn scan_returns_every_stable_member() {
        let lim = ZLimits {
            max_entries: 0,
            max_value: 0,
        };
        let mut z = ZSetValue::new();
        for i in 0..1000 {
            z.insert(format!("m{i}").as_bytes(), i as f64, lim);
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut i = 1000;
        loop {
            cursor = z.scan(cursor, 10, |m, _| {
                seen.insert(m.to_vec());
            });
            // Churn: new members and removed ones (never the stable first 500).
            z.insert(format!("n{i}").as_bytes(), i as f64, lim);
            z.remove(format!("m{}", 500 + i % 500).as_bytes());
            i += 1;
            if cursor == 0 {
                break;
            }
        }
        for k in 0..500 {
            assert!(seen.contains(format!("m{k}").as_bytes()));
        }
    }

    #[test]
    fn compaction_keeps_content_and_restarts_scans() {
        let lim = ZLimits {
            max_entries: 0,
            max_value: 0,
        };
        let mut z = ZSetValue::new();
        for i in 0..2000 {
            z.insert(format!("m{i:05}").as_bytes(), (i % 7) as f64, lim);
        }
        let c1 = z.scan(0, 10, |_, _| {});
        assert_ne!(c1, 0);
        for i in 0..1900 {
            z.remove(format!("m{i:05}").as_bytes());
        }
        if let Repr::Skip(sl) = &z.repr {
            sl.check();
            assert!(sl.generation > 0);
            assert!(sl.nodes.len() < 1000);
        }
        assert_eq!(z.len(), 100);
        let mut n = 0;
        let mut c = c1;
        loop {
            c = z.scan(c, 10, |_, _| n += 1);
            if c == 0 {
                break;
            }
        }
        assert_eq!(n, 100);
    }

    #[test]
    fn from_sorted_and_equality() {
        let items: Vec<(f64, SmallBytes)> = (0..10)
            .map(|i| (i as f64, SmallBytes::new(format!("m{i}").as_bytes())))
            .collect();
        let a = ZSetValue::from_sorted(items.clone(), ZLimits::default());
        assert_eq!(a.encoding(), "listpack");
        let b = ZSetValue::from_sorted(items.clone(), SMALL);
        assert_eq!(b.encoding(), "skiplist");
        assert_ne!(a, b);
        assert_eq!(a.clone(), a);
        assert_eq!(b.clone(), b);
        let v: Vec<_> = b.iter().map(|(m, s)| (s, SmallBytes::new(m))).collect();
        assert_eq!(v, items);
        assert!(format!("{a:?}").contains("m9"));
    }

    #[test]
    fn pack_entries_round_trip() {
        for score in [
            0.0,
            1.0,
            1.5,
            -2.25,
            3.0e300,
            -1.0e-300,
            f64::MIN_POSITIVE / 4.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            123_456_789.0,
            0.1,
        ] {
            for m in [&b""[..], b"m", &[b'x'; 64]] {
                let e = zentry(score, m);
                let (s, back) = zdecode(&e);
                assert_eq!(s.to_bits(), score.to_bits());
                assert_eq!(back, m);
            }
        }
        // Short scores take few bytes: 0 none, 1.5 two, 0.1 all eight.
        assert_eq!(zentry(0.0, b"m").len(), 2);
        assert_eq!(zentry(1.5, b"m").len(), 4);
        assert_eq!(zentry(0.1, b"m").len(), 10);
    }

    #[test]
    fn pack_limits_at_default_thresholds() {
        let lim = ZLimits::default();
        // 128 members stay a listpack; the 129th converts.
        let mut z = ZSetValue::new();
        for i in 0..128 {
            z.insert(format!("{i}").as_bytes(), (i % 3) as f64, lim);
        }
        assert_eq!(z.encoding(), "listpack");
        z.insert(b"", -1.0, lim);
        assert_eq!(z.encoding(), "skiplist");
        assert_eq!(z.get(0), Some((&b""[..], -1.0)));
        assert_eq!(z.len(), 129);
        // A 64-byte member fits, a 65-byte one converts; an empty member is a member.
        let mut z = ZSetValue::new();
        z.insert(&[b'a'; 64], 1.0, lim);
        z.insert(b"", 2.0, lim);
        assert_eq!(z.encoding(), "listpack");
        assert_eq!(z.score(b""), Some(2.0));
        assert_eq!(z.rank(b""), Some((1, 2.0)));
        z.insert(&[b'b'; 65], 0.5, lim);
        assert_eq!(z.encoding(), "skiplist");
        // *STORE results are built compact again when they fit.
        let items: Vec<(f64, SmallBytes)> =
            z.iter().map(|(m, s)| (s, SmallBytes::new(m))).collect();
        let again = ZSetValue::from_sorted(items[1..].to_vec(), lim);
        assert_eq!(again.encoding(), "listpack");
        assert_eq!(again.len(), 2);
        // Popping a listpack down to nothing leaves no buffer behind.
        let mut z = ZSetValue::from_sorted(items[1..].to_vec(), lim);
        assert!(z.pop(true).is_some());
        assert!(z.pop(true).is_some());
        assert!(z.pop(false).is_none());
        assert_eq!(z, ZSetValue::new());
    }
}
