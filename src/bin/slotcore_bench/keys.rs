//! Key numbers (patterns, PRNG), pre-encoded request templates, and hash slots.

use super::args::Pattern;

/// wyrand: a tiny, fast, good-enough PRNG (one multiply per number).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // splitmix64 the seed so neighbouring seeds give unrelated streams
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng(z ^ (z >> 31))
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0xa076_1d64_78bd_642f);
        let t = (self.0 as u128).wrapping_mul((self.0 ^ 0xe703_7ed1_a0b4_28db) as u128);
        (t >> 64) as u64 ^ t as u64
    }

    /// Uniform in [0, n) (n > 0), by multiply-high (bias negligible for n << 2^64).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in (0, 1].
    #[inline]
    fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal (Box–Muller, one of the pair).
    #[inline]
    fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.unit(), self.unit());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// One key sequence (SET or GET side of one client).
#[derive(Clone, Debug)]
pub struct KeyGen {
    pattern: Pattern,
    min: u64,
    /// Number of keys in [min, max] (max - min + 1, saturated).
    span: u64,
    /// Sequential cursor (offset from `lo`) and the slice it walks: [lo, lo + len).
    cursor: u64,
    lo: u64,
    len: u64,
}

impl KeyGen {
    /// `client` / `clients`: this client's global index and the total, for `P`.
    pub fn new(pattern: Pattern, min: u64, max: u64, client: u64, clients: u64) -> KeyGen {
        let span = (max - min).saturating_add(1);
        let (lo, len) = if pattern == Pattern::Parallel {
            let a = (span as u128 * client as u128 / clients as u128) as u64;
            let b = (span as u128 * (client + 1) as u128 / clients as u128) as u64;
            (min + a, (b - a).max(1))
        } else {
            (min, span)
        };
        KeyGen {
            pattern,
            min,
            span,
            cursor: 0,
            lo,
            len,
        }
    }

    #[inline]
    pub fn next(&mut self, rng: &mut Rng) -> u64 {
        match self.pattern {
            Pattern::Random => self.min + rng.below(self.span),
            Pattern::Sequential | Pattern::Parallel => {
                let k = self.lo + self.cursor;
                self.cursor += 1;
                if self.cursor >= self.len {
                    self.cursor = 0;
                }
                k
            }
            Pattern::Gaussian => {
                let span = self.span as f64;
                let mid = self.min as f64 + (span - 1.0) / 2.0;
                let sd = span / 6.0;
                let hi = self.min as f64 + span - 1.0;
                loop {
                    let x = (mid + sd * rng.normal()).round();
                    if x >= self.min as f64 && x <= hi {
                        return x as u64;
                    }
                }
            }
        }
    }
}

/// Number of decimal digits of `n`.
#[inline]
pub fn digits(n: u64) -> usize {
    let mut d = 1;
    let mut x = n;
    while x >= 10 {
        x /= 10;
        d += 1;
    }
    d
}

const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Write `n` as exactly `out.len()` decimal digits (out.len() == digits(n)).
#[inline]
pub fn write_digits(out: &mut [u8], mut n: u64) {
    let mut i = out.len();
    while n >= 100 {
        let p = (n % 100) as usize * 2;
        n /= 100;
        out[i - 2] = PAIRS[p];
        out[i - 1] = PAIRS[p + 1];
        i -= 2;
    }
    if n >= 10 {
        let p = n as usize * 2;
        out[i - 2] = PAIRS[p];
        out[i - 1] = PAIRS[p + 1];
    } else {
        out[i - 1] = b'0' + n as u8;
    }
}

/// Pre-encoded RESP requests: for each key-digit count, a head up to and including
/// placeholder key digits (patched in place after copying), then a shared tail.
pub struct Templates {
    /// heads[d][op]: op 0 = SET, 1 = GET; digits occupy the last `d` bytes before tail.
    heads: Vec<[Vec<u8>; 2]>,
    /// tails[op]: SET: "\r\n$<size>\r\n<value>\r\n"; GET: "\r\n".
    tails: [Vec<u8>; 2],
}

pub const SET: usize = 0;
pub const GET: usize = 1;

impl Templates {
    pub fn new(prefix: &[u8], data_size: usize) -> Templates {
        let mut heads = Vec::with_capacity(21);
        for d in 0..=20usize {
            let klen = prefix.len() + d;
            let mk = |cmd: &str, argc: usize| {
                let mut h =
                    format!("*{argc}\r\n${}\r\n{cmd}\r\n${klen}\r\n", cmd.len()).into_bytes();
                h.extend_from_slice(prefix);
                h.resize(h.len() + d, b'0');
                h
            };
            heads.push([mk("SET", 3), mk("GET", 2)]);
        }
        let mut set_tail = format!("\r\n${data_size}\r\n").into_bytes();
        set_tail.resize(set_tail.len() + data_size, b'x');
        set_tail.extend_from_slice(b"\r\n");
        Templates {
            heads,
            tails: [set_tail, b"\r\n".to_vec()],
        }
    }

    /// Append the request `op` for key number `key` to `out`; returns its length.
    #[inline]
    pub fn encode(&self, out: &mut Vec<u8>, op: usize, key: u64) -> usize {
        let d = digits(key);
        let head = &self.heads[d][op];
        let start = out.len();
        out.extend_from_slice(head);
        let end = out.len();
        write_digits(&mut out[end - d..end], key);
        out.extend_from_slice(&self.tails[op]);
        out.len() - start
    }
}

/// CRC16/XMODEM (poly 0x1021, init 0), table-driven, as Redis Cluster uses.
const CRC_TABLE: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = (i as u16) << 8;
        let mut b = 0;
        while b < 8 {
            c = if c & 0x8000 != 0 {
                (c << 1) ^ 0x1021
            } else {
                c << 1
            };
            b += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

#[inline]
pub fn crc16_update(mut crc: u16, data: &[u8]) -> u16 {
    for &b in data {
        crc = (crc << 8) ^ CRC_TABLE[((crc >> 8) as u8 ^ b) as usize];
    }
    crc
}

/// The hash slot of a whole key (hash tags honoured), as Redis computes it.
pub fn key_hash_slot(key: &[u8]) -> u16 {
    if let Some(open) = key.iter().position(|&b| b == b'{') {
        if let Some(close) = key[open + 1..].iter().position(|&b| b == b'}') {
            if close > 0 {
                return crc16_update(0, &key[open + 1..open + 1 + close]) & 0x3fff;
            }
        }
    }
    crc16_update(0, key) & 0x3fff
}

/// Slot of `prefix + digits(n)` without building the key: key digits contain neither
/// `{` nor `}`, so either the prefix holds a complete non-empty hash tag (one slot for
/// every key) or the whole key is hashed, and the CRC over the prefix is precomputed.
pub enum SlotOf {
    Fixed(u16),
    Continue(u16),
}

impl SlotOf {
    pub fn new(prefix: &[u8]) -> SlotOf {
        if let Some(open) = prefix.iter().position(|&b| b == b'{') {
            if let Some(close) = prefix[open + 1..].iter().position(|&b| b == b'}') {
                if close > 0 {
                    return SlotOf::Fixed(key_hash_slot(prefix));
                }
            }
        }
        SlotOf::Continue(crc16_update(0, prefix))
    }

    #[inline]
    pub fn slot(&self, key: u64) -> u16 {
        match *self {
            SlotOf::Fixed(s) => s,
            SlotOf::Continue(crc) => {
                let mut buf = [0u8; 20];
                let d = digits(key);
                write_digits(&mut buf[..d], key);
                crc16_update(crc, &buf[..d]) & 0x3fff
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_writing() {
        for n in [
            0u64,
            7,
            9,
            10,
            99,
            100,
            12345,
            9_999_999,
            10_000_000,
            u64::MAX,
        ] {
            let d = digits(n);
            let mut b = vec![0u8; d];
            write_digits(&mut b, n);
            assert_eq!(std::str::from_utf8(&b).unwrap(), n.to_string());
        }
    }

    #[test]
    fn templates() {
        let t = Templates::new(b"memtier-", 3);
        let mut out = Vec::new();
        let n = t.encode(&mut out, SET, 42);
        assert_eq!(n, out.len());
        t.encode(&mut out, GET, 1234567);
        assert_eq!(
            out,
            b"*3\r\n$3\r\nSET\r\n$10\r\nmemtier-42\r\n$3\r\nxxx\r\n\
              *2\r\n$3\r\nGET\r\n$15\r\nmemtier-1234567\r\n"
        );
    }

    #[test]
    fn slots_match_the_server_library() {
        for prefix in [
            &b"memtier-"[..],
            b"",
            b"{user1000}.",
            b"a{",
            b"{}x",
            b"x{ab}y",
        ] {
            let s = SlotOf::new(prefix);
            for n in [0u64, 1, 99, 12345, 10_000_000] {
                let mut key = prefix.to_vec();
                key.extend_from_slice(n.to_string().as_bytes());
                assert_eq!(s.slot(n), slotcore::slot::key_hash_slot(&key), "{key:?}");
                assert_eq!(key_hash_slot(&key), slotcore::slot::key_hash_slot(&key));
            }
        }
        // Redis's reference values.
        assert_eq!(key_hash_slot(b"foo"), 12182);
        assert_eq!(key_hash_slot(b"123456789"), 0x31c3 & 0x3fff);
    }

    #[test]
    fn patterns_stay_in_range() {
        let mut rng = Rng::new(1);
        for p in [
            Pattern::Random,
            Pattern::Gaussian,
            Pattern::Sequential,
            Pattern::Parallel,
        ] {
            let mut g = KeyGen::new(p, 10, 20, 1, 3);
            for _ in 0..1000 {
                let k = g.next(&mut rng);
                assert!((10..=20).contains(&k), "{p:?} {k}");
            }
        }
        let mut g = KeyGen::new(Pattern::Sequential, 5, 7, 0, 1);
        let v: Vec<u64> = (0..5).map(|_| g.next(&mut rng)).collect();
        assert_eq!(v, [5, 6, 7, 5, 6]);
        let mut g = KeyGen::new(Pattern::Parallel, 0, 99, 1, 4);
        assert_eq!(g.next(&mut rng), 25);
        let mut g = KeyGen::new(Pattern::Random, 0, u64::MAX, 0, 1);
        g.next(&mut rng);
    }
}
