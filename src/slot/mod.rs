//! Hash slots: `key_hash_slot` (CRC16/XMODEM with hash tags) and the lock-free
//! [`SlotTable`] every shard reads on every keyed command. A leaf module.

use std::sync::atomic::{AtomicU32, Ordering};

pub const SLOTS: usize = 16384;

/// CRC16/XMODEM (poly 0x1021, init 0), the checksum Redis Cluster hashes keys with.
/// Two bytes per step ("slice-by-2"): with T the byte table, T2[x] = T[x] << 8 ^ T[T[x] >> 8]
/// folds the first byte's contribution through the second step, so the two lookups of a
/// step are independent (the crc16 crate's byte loop is kept as the reference in tests).
pub fn crc16(data: &[u8]) -> u16 {
    let (t1, t2) = (&CRC_T1, &CRC_T2);
    let mut crc: u16 = 0;
    let mut pairs = data.chunks_exact(2);
    for p in &mut pairs {
        let i0 = ((crc >> 8) as u8 ^ p[0]) as usize;
        let i1 = ((crc & 0xff) as u8 ^ p[1]) as usize;
        crc = t2[i0] ^ t1[i1];
    }
    if let [b] = pairs.remainder() {
        crc = (crc << 8) ^ t1[((crc >> 8) as u8 ^ b) as usize];
    }
    crc
}

const fn crc_table() -> [u16; 256] {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            c = if c & 0x8000 != 0 {
                (c << 1) ^ 0x1021
            } else {
                c << 1
            };
            bit += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

const fn crc_table2(t1: &[u16; 256]) -> [u16; 256] {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (t1[i] << 8) ^ t1[(t1[i] >> 8) as usize];
        i += 1;
    }
    t
}

static CRC_T1: [u16; 256] = crc_table();
static CRC_T2: [u16; 256] = crc_table2(&CRC_T1);

/// Position of the first `b` in `s`: eight bytes at a time (keys are short, where
/// memchr's vector set-up costs more than the scan).
#[inline]
fn find_byte(b: u8, s: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pattern = LO * b as u64;
    let mut chunks = s.chunks_exact(8);
    let mut base = 0;
    for c in &mut chunks {
        let v = u64::from_le_bytes(c.try_into().expect("8 bytes")) ^ pattern;
        let found = v.wrapping_sub(LO) & !v & HI;
        if found != 0 {
            return Some(base + (found.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&x| x == b)
        .map(|i| base + i)
}

/// The slot of a key: CRC16 of the hash tag (the bytes between the first `{` and the
/// next `}`, when non-empty) or of the whole key, modulo 16384.
pub fn key_hash_slot(key: &[u8]) -> u16 {
    let find = |b: u8, s: &[u8]| {
        if s.len() <= 64 {
            find_byte(b, s)
        } else {
            memchr::memchr(b, s)
        }
    };
    if let Some(open) = find(b'{', key) {
        if let Some(close) = find(b'}', &key[open + 1..]) {
            if close > 0 {
                return crc16(&key[open + 1..open + 1 + close]) & (SLOTS as u16 - 1);
            }
        }
    }
    crc16(key) & (SLOTS as u16 - 1)
}

/// Who serves a slot, packed in one word: the low 16 bits are the local shard index, or
/// [`SlotTable::REMOTE`] when another node owns it; flag bits mark migration states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotEntry(pub u32);

impl SlotEntry {
    pub const MIGRATING: u32 = 1 << 16;
    pub const IMPORTING: u32 = 1 << 17;
    /// This node owns the slot (cluster mode; always set in standalone mode). Without it
    /// the low bits still name the shard that would hold the slot's keys (an importing
    /// slot's keys live there before the slot is ours).
    pub const LOCAL: u32 = 1 << 18;

    pub fn is_local(self) -> bool {
        self.0 & Self::LOCAL != 0
    }

    pub fn migrating(self) -> bool {
        self.0 & Self::MIGRATING != 0
    }

    pub fn importing(self) -> bool {
        self.0 & Self::IMPORTING != 0
    }

    pub fn shard(self) -> Option<usize> {
        let s = self.0 & 0xffff;
        if s == SlotTable::REMOTE {
            None
        } else {
            Some(s as usize)
        }
    }
}

/// One packed word per slot, written by the owner of the topology (start-up, the bus
/// core, a local handover) and read lock-free by all shards.
pub struct SlotTable {
    entries: Box<[AtomicU32]>,
}

impl SlotTable {
    pub const REMOTE: u32 = 0xffff;

    /// A table where every slot is remote (no local owner).
    pub fn new() -> Self {
        SlotTable {
            entries: (0..SLOTS).map(|_| AtomicU32::new(Self::REMOTE)).collect(),
        }
    }

    /// Standalone layout: all slots local, split into `shards` contiguous ranges.
    pub fn standalone(shards: usize) -> Self {
        let t = Self::new();
        for slot in 0..SLOTS {
            t.set_shard(slot as u16, Some(standalone_owner(slot as u16, shards)));
        }
        t
    }

    #[inline]
    pub fn get(&self, slot: u16) -> SlotEntry {
        SlotEntry(self.entries[slot as usize].load(Ordering::Acquire))
    }

    pub fn set_shard(&self, slot: u16, shard: Option<usize>) {
        let v = shard.map_or(Self::REMOTE, |s| s as u32 | SlotEntry::LOCAL);
        self.entries[slot as usize].store(v, Ordering::Release);
    }

    /// Cluster layout before the bus says anything: every slot has its home shard and
    /// none is ours.
    /// The table of one cluster shard-node: every slot's keys would live on `shard`
    /// (LOCAL is set by the bus for the slots the node owns).
    pub fn node(shard: usize) -> Self {
        let t = Self::new();
        for slot in 0..SLOTS as u16 {
            t.set(slot, SlotEntry(shard as u32));
        }
        t
    }

    pub fn set(&self, slot: u16, e: SlotEntry) {
        self.entries[slot as usize].store(e.0, Ordering::Release);
    }
}

impl Default for SlotTable {
    fn default() -> Self {
        Self::new()
    }
}

/// The shard that owns `slot` when all slots are spread over `shards` local shards in
/// contiguous ranges.
pub fn standalone_owner(slot: u16, shards: usize) -> usize {
    (slot as usize * shards) / SLOTS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc16_matches_the_byte_at_a_time_reference() {
        let mut data = Vec::new();
        for len in 0..70usize {
            data.clear();
            for i in 0..len {
                data.push((i as u8).wrapping_mul(37).wrapping_add(len as u8));
            }
            assert_eq!(
                crc16(&data),
                crc16::State::<crc16::XMODEM>::calculate(&data),
                "len {len}"
            );
        }
    }

    #[test]
    fn find_byte_finds_the_first() {
        let s = b"abcdefgh{ijklmnop{q";
        for start in 0..s.len() {
            let want = s[start..].iter().position(|&x| x == b'{');
            assert_eq!(find_byte(b'{', &s[start..]), want, "from {start}");
        }
        assert_eq!(find_byte(b'{', b""), None);
        // High bytes must not look like matches (the SWAR borrow trick).
        assert_eq!(
            find_byte(b'{', &[0xfb, 0x7c, 0x7a, 0xff, 0, 1, 2, 3, 0x7b]),
            Some(8)
        );
    }

    #[test]
    fn crc16_vectors() {
        assert_eq!(crc16(b"123456789"), 0x31C3);
        assert_eq!(crc16(b""), 0);
    }

    #[test]
    fn slots_like_redis() {
        // Values from CLUSTER KEYSLOT on redis-server 7.
        assert_eq!(key_hash_slot(b"foo"), 12182);
        assert_eq!(key_hash_slot(b"bar"), 5061);
        assert_eq!(key_hash_slot(b"somekey"), 11058);
        assert_eq!(
            key_hash_slot(b"{user1000}.following"),
            key_hash_slot(b"user1000")
        );
        assert_eq!(
            key_hash_slot(b"{user1000}.followers"),
            key_hash_slot(b"user1000")
        );
        // Empty tag: whole key hashed. Only the first { counts.
        assert_eq!(key_hash_slot(b"foo{}{bar}"), crc16(b"foo{}{bar}") & 16383);
        assert_eq!(key_hash_slot(b"foo{{bar}}zap"), key_hash_slot(b"{bar"));
        assert_eq!(key_hash_slot(b"foo{bar}{zap}"), key_hash_slot(b"bar"));
        assert_eq!(key_hash_slot(b"{"), crc16(b"{") & 16383);
    }

    #[test]
    fn standalone_split_is_contiguous_and_total() {
        for shards in 1..=5 {
            let t = SlotTable::standalone(shards);
            let mut last = 0;
            for s in 0..SLOTS as u16 {
                let owner = t.get(s).shard().unwrap();
                assert!(owner >= last && owner < shards);
                last = owner;
            }
            assert_eq!(last, shards - 1);
        }
    }
}
