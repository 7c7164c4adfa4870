//! INCRBYFLOAT's arithmetic, bit-for-bit as Redis on x86-64: values are parsed with
//! `strtold` into an 80-bit x87 `long double` (64-bit significand), added there, and
//! printed with `%.17Lf` with trailing zeros removed (Redis's `ld2string` in
//! LD_STR_HUMAN mode). Rust has no 80-bit float, so this emulates one exactly: parsing
//! and printing go through exact big-integer arithmetic with round-half-even, as glibc
//! does. That is why `0.1 + 0.2` answers `0.3` and `1e20` answers
//! `100000000000000000000`, as Redis does.

use std::cmp::Ordering;

/// Smallest exponent of the last significand bit (2^-16445 is the least denormal).
const MIN_LSB: i64 = -16445;
/// Largest exponent of the top significand bit.
const MAX_TOP: i64 = 16383;
/// Redis's MAX_LONG_DOUBLE_CHARS: longer inputs are refused.
const MAX_CHARS: usize = 5 * 1024;

/// A non-negative big integer, little-endian 32-bit limbs, no high zero limbs.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn from_u128(mut v: u128) -> Big {
        let mut l = Vec::new();
        while v > 0 {
            l.push(v as u32);
            v >>= 32;
        }
        Big(l)
    }

    fn trim(mut self) -> Big {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        self
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn bits(&self) -> i64 {
        match self.0.last() {
            None => 0,
            Some(&top) => (self.0.len() as i64 - 1) * 32 + (32 - top.leading_zeros() as i64),
        }
    }

    fn bit(&self, i: i64) -> bool {
        let (w, b) = ((i / 32) as usize, i % 32);
        self.0.get(w).is_some_and(|x| (x >> b) & 1 == 1)
    }

    fn shl(&self, n: i64) -> Big {
        if self.is_zero() {
            return Big(Vec::new());
        }
        let (w, b) = ((n / 32) as usize, (n % 32) as u32);
        let mut l = vec![0u32; w];
        let mut carry = 0u32;
        for &x in &self.0 {
            if b == 0 {
                l.push(x);
            } else {
                l.push((x << b) | carry);
                carry = x >> (32 - b);
            }
        }
        if carry != 0 {
            l.push(carry);
        }
        Big(l).trim()
    }

    fn shr(&self, n: i64) -> Big {
        let (w, b) = ((n / 32) as usize, (n % 32) as u32);
        if w >= self.0.len() {
            return Big(Vec::new());
        }
        let src = &self.0[w..];
        let mut l = Vec::with_capacity(src.len());
        for i in 0..src.len() {
            let lo = src[i] >> b;
            let hi = if b == 0 {
                0
            } else {
                src.get(i + 1).map_or(0, |&x| x << (32 - b))
            };
            l.push(lo | hi);
        }
        Big(l).trim()
    }

    /// Whether any of the low `n` bits is set.
    fn any_low_bits(&self, n: i64) -> bool {
        (0..n.min(self.bits())).any(|i| self.bit(i))
    }

    fn mul_small(&self, m: u32) -> Big {
        let mut l = Vec::with_capacity(self.0.len() + 1);
        let mut carry = 0u64;
        for &x in &self.0 {
            let v = x as u64 * m as u64 + carry;
            l.push(v as u32);
            carry = v >> 32;
        }
        if carry != 0 {
            l.push(carry as u32);
        }
        Big(l).trim()
    }

    fn add_small(&self, a: u32) -> Big {
        self.add(&Big::from_u128(a as u128))
    }

    fn add(&self, o: &Big) -> Big {
        let n = self.0.len().max(o.0.len());
        let mut l = Vec::with_capacity(n + 1);
        let mut carry = 0u64;
        for i in 0..n {
            let v = *self.0.get(i).unwrap_or(&0) as u64 + *o.0.get(i).unwrap_or(&0) as u64 + carry;
            l.push(v as u32);
            carry = v >> 32;
        }
        if carry != 0 {
            l.push(carry as u32);
        }
        Big(l).trim()
    }

    /// self - o, with self >= o.
    fn sub(&self, o: &Big) -> Big {
        let mut l = Vec::with_capacity(self.0.len());
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let mut v = self.0[i] as i64 - *o.0.get(i).unwrap_or(&0) as i64 - borrow;
            borrow = 0;
            if v < 0 {
                v += 1 << 32;
                borrow = 1;
            }
            l.push(v as u32);
        }
        Big(l).trim()
    }

    fn cmp(&self, o: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&o.0.len())
            .then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }

    fn pow10(n: u32) -> Big {
        Big::from_u128(1).mul_pow10(n)
    }

    /// (self / d, self % d) by restoring long division (quotients here are short).
    fn divrem(&self, d: &Big) -> (Big, Big) {
        if self.cmp(d) == Ordering::Less {
            return (Big(Vec::new()), self.clone());
        }
        let qbits = self.bits() - d.bits() + 1;
        let mut rem = self.clone();
        let mut q = vec![0u32; (qbits as usize).div_ceil(32)];
        for i in (0..qbits).rev() {
            let t = d.shl(i);
            if rem.cmp(&t) != Ordering::Less {
                rem = rem.sub(&t);
                q[(i / 32) as usize] |= 1 << (i % 32);
            }
        }
        (Big(q).trim(), rem)
    }

    fn div_small(&self, d: u32) -> (Big, u32) {
        let mut q = vec![0u32; self.0.len()];
        let mut rem = 0u64;
        for i in (0..self.0.len()).rev() {
            let cur = (rem << 32) | self.0[i] as u64;
            q[i] = (cur / d as u64) as u32;
            rem = cur % d as u64;
        }
        (Big(q).trim(), rem as u32)
    }

    fn to_decimal(&self) -> String {
        if self.is_zero() {
            return "0".into();
        }
        let mut chunks = Vec::new();
        let mut cur = self.clone();
        while !cur.is_zero() {
            let (q, r) = cur.div_small(1_000_000_000);
            chunks.push(r);
            cur = q;
        }
        let mut s = chunks.pop().unwrap_or(0).to_string();
        for c in chunks.iter().rev() {
            s.push_str(&format!("{c:09}"));
        }
        s
    }
}

/// An x87 extended-precision value.
#[derive(Clone, Debug, PartialEq)]
pub enum Ld {
    Zero {
        neg: bool,
    },
    /// `mant * 2^exp`, `mant` non-zero (at most 64 bits).
    Finite {
        neg: bool,
        mant: u64,
        exp: i64,
    },
    Inf {
        neg: bool,
    },
    Nan,
}

impl Ld {
    pub fn from_i64(n: i64) -> Ld {
        round(n < 0, Big::from_u128(n.unsigned_abs() as u128), 0, false)
    }

    pub fn is_finite(&self) -> bool {
        matches!(self, Ld::Zero { .. } | Ld::Finite { .. })
    }

    fn parts(&self) -> Option<(bool, Big, i64)> {
        match *self {
            Ld::Finite { neg, mant, exp } => Some((neg, Big::from_u128(mant as u128), exp)),
            _ => None,
        }
    }

    /// `self + o`, rounded to nearest-even like the x87 FPU (64-bit precision).
    pub fn add(&self, o: &Ld) -> Ld {
        match (self, o) {
            (Ld::Nan, _) | (_, Ld::Nan) => Ld::Nan,
            (Ld::Inf { neg: a }, Ld::Inf { neg: b }) if a != b => Ld::Nan,
            (Ld::Inf { neg }, _) | (_, Ld::Inf { neg }) => Ld::Inf { neg: *neg },
            (Ld::Zero { neg: a }, Ld::Zero { neg: b }) => Ld::Zero { neg: *a && *b },
            (Ld::Zero { .. }, x) | (x, Ld::Zero { .. }) => x.clone(),
            _ => {
                let (na, ma, ea) = self.parts().expect("finite");
                let (nb, mb, eb) = o.parts().expect("finite");
                let e = ea.min(eb);
                let a = ma.shl(ea - e);
                let b = mb.shl(eb - e);
                if na == nb {
                    return round(na, a.add(&b), e, false);
                }
                match a.cmp(&b) {
                    Ordering::Equal => Ld::Zero { neg: false },
                    Ordering::Greater => round(na, a.sub(&b), e, false),
                    Ordering::Less => round(nb, b.sub(&a), e, false),
                }
            }
        }
    }

    /// Redis's `ld2string(.., LD_STR_HUMAN)`: `%.17Lf`, trailing zeros (and a bare
    /// point) removed, `-0` written `0`.
    pub fn to_human(&self) -> String {
        let s = match self {
            Ld::Nan => return "nan".into(),
            Ld::Inf { neg } => return if *neg { "-inf" } else { "inf" }.into(),
            Ld::Zero { neg } => format!("{}0.00000000000000000", if *neg { "-" } else { "" }),
            Ld::Finite { neg, mant, exp } => {
                let sign = if *neg { "-" } else { "" };
                let m = Big::from_u128(*mant as u128);
                if *exp >= 0 {
                    format!("{sign}{}.00000000000000000", m.shl(*exp).to_decimal())
                } else {
                    let x = m.mul_pow10(17);
                    let shift = -exp;
                    let mut q = x.shr(shift);
                    let half = shift >= 1 && x.bit(shift - 1);
                    let more = x.any_low_bits(shift - 1);
                    if half && (more || q.bit(0)) {
                        q = q.add_small(1);
                    }
                    let mut digits = q.to_decimal();
                    if digits.len() < 18 {
                        digits = format!("{}{digits}", "0".repeat(18 - digits.len()));
                    }
                    let (int, frac) = digits.split_at(digits.len() - 17);
                    format!("{sign}{int}.{frac}")
                }
            }
        };
        let mut t = s.trim_end_matches('0').to_string();
        if t.ends_with('.') {
            t.pop();
        }
        if t == "-0" {
            t = "0".into();
        }
        t
    }
}

impl Big {
    fn mul_pow10(&self, n: u32) -> Big {
        let mut b = self.clone();
        let mut left = n;
        while left >= 9 {
            b = b.mul_small(1_000_000_000);
            left -= 9;
        }
        b.mul_small(10u32.pow(left))
    }
}

/// The extended value nearest to `(n + sticky·ε) · 2^e`, ties to even; overflow gives
/// infinity, underflow zero (denormals kept).
fn round(neg: bool, n: Big, e: i64, sticky: bool) -> Ld {
    if n.is_zero() {
        return Ld::Zero { neg };
    }
    let b = n.bits();
    let lsb = (e + b - 64).max(MIN_LSB);
    let shift = lsb - e;
    let (mut q, mut lsb) = if shift <= 0 {
        (n.shl(-shift), lsb)
    } else {
        let q = n.shr(shift);
        let half = n.bit(shift - 1);
        let more = sticky || n.any_low_bits(shift - 1);
        let up = half && (more || q.bit(0));
        (if up { q.add_small(1) } else { q }, lsb)
    };
    if q.bits() > 64 {
        q = q.shr(1);
        lsb += 1;
    }
    if q.is_zero() {
        return Ld::Zero { neg };
    }
    if lsb + q.bits() - 1 > MAX_TOP {
        return Ld::Inf { neg };
    }
    let mant =
        q.0.iter()
            .rev()
            .fold(0u64, |acc, &x| (acc << 32) | x as u64);
    Ld::Finite {
        neg,
        mant,
        exp: lsb,
    }
}

/// Redis's `string2ld`: glibc `strtold` over the whole string, refusing leading space,
/// trailing bytes, NaN, overflow and underflow to zero. None when refused.
pub fn parse(s: &[u8]) -> Option<Ld> {
    if s.is_empty() || s.len() >= MAX_CHARS || s[0].is_ascii_whitespace() || s[0] == 0x0b {
        return None;
    }
    let (neg, rest) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if rest.eq_ignore_ascii_case(b"inf") || rest.eq_ignore_ascii_case(b"infinity") {
        return Some(Ld::Inf { neg });
    }
    let v = if rest.len() > 2
        && rest[0] == b'0'
        && (rest[1] | 0x20) == b'x'
        && (rest[2].is_ascii_hexdigit()
            || (rest[2] == b'.' && rest.get(3).is_some_and(|c| c.is_ascii_hexdigit())))
    {
        parse_hex(neg, &rest[2..])?
    } else {
        parse_dec(neg, rest)?
    };
    match v {
        Ld::Inf { .. } | Ld::Nan => None,
        // Underflow to zero: strtold reports ERANGE, Redis refuses.
        Ld::Zero { .. } if !is_zero_literal(rest) => None,
        v => Some(v),
    }
}

fn is_zero_literal(s: &[u8]) -> bool {
    let mant = s
        .split(|&c| c == b'e' || c == b'E' || c == b'p' || c == b'P')
        .next()
        .unwrap_or(s);
    let mant = if mant.len() > 2 && mant[0] == b'0' && (mant[1] | 0x20) == b'x' {
        &mant[2..]
    } else {
        mant
    };
    mant.iter().all(|&c| c == b'0' || c == b'.')
}

/// Digits with an optional point, at least one digit: (digits, digits after the point,
/// bytes used).
fn mantissa(s: &[u8], hex: bool) -> Option<(Vec<u8>, i64, usize)> {
    let is_digit = |c: u8| {
        if hex {
            c.is_ascii_hexdigit()
        } else {
            c.is_ascii_digit()
        }
    };
    let mut digits = Vec::new();
    let mut frac = 0i64;
    let mut seen_point = false;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if is_digit(c) {
            digits.push(c);
            if seen_point {
                frac += 1;
            }
        } else if c == b'.' && !seen_point {
            seen_point = true;
        } else {
            break;
        }
        i += 1;
    }
    if digits.is_empty() {
        return None;
    }
    Some((digits, frac, i))
}

/// An optional exponent (`e`/`p`, sign, digits) at the front of `s`: (value, bytes used).
/// A marker without digits is not part of the number (and then trails: refused).
fn exponent(s: &[u8], marker: u8) -> (i64, usize) {
    if s.first().map(|c| c | 0x20) != Some(marker) {
        return (0, 0);
    }
    let mut i = 1;
    let neg = match s.get(1) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let start = i;
    let mut v: i64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        v = (v * 10 + (s[i] - b'0') as i64).min(1 << 40);
        i += 1;
    }
    if i == start {
        return (0, 0);
    }
    (if neg { -v } else { v }, i)
}

fn parse_dec(neg: bool, s: &[u8]) -> Option<Ld> {
    let (digits, frac, used) = mantissa(s, false)?;
    let (e, used_e) = exponent(&s[used..], b'e');
    if used + used_e != s.len() {
        return None;
    }
    let digits: Vec<u8> = digits.into_iter().skip_while(|&c| c == b'0').collect();
    if digits.is_empty() {
        return Some(Ld::Zero { neg });
    }
    let e10 = e - frac;
    let magnitude = digits.len() as i64 + e10;
    if magnitude > 4940 {
        return Some(Ld::Inf { neg });
    }
    if magnitude < -4960 {
        return Some(Ld::Zero { neg });
    }
    let mut d = Big(Vec::new());
    for &c in &digits {
        d = d.mul_small(10).add_small((c - b'0') as u32);
    }
    if e10 >= 0 {
        return Some(round(neg, d.mul_pow10(e10 as u32), 0, false));
    }
    let den = Big::pow10((-e10) as u32);
    let s = (66 + den.bits() - d.bits()).max(0);
    let (q, r) = d.shl(s).divrem(&den);
    Some(round(neg, q, -s, !r.is_zero()))
}

fn parse_hex(neg: bool, s: &[u8]) -> Option<Ld> {
    let (digits, frac, used) = mantissa(s, true)?;
    let (e, used_e) = exponent(&s[used..], b'p');
    if used + used_e != s.len() {
        return None;
    }
    let mut h = Big(Vec::new());
    for &c in &digits {
        let v = (c as char).to_digit(16)?;
        h = h.mul_small(16).add_small(v);
    }
    let e2 = e - 4 * frac;
    if h.bits() + e2 > MAX_TOP + 2 {
        return Some(Ld::Inf { neg });
    }
    if h.bits() + e2 < MIN_LSB - 2 {
        return Some(Ld::Zero { neg });
    }
    Some(round(neg, h, e2, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incr(a: &str, b: &str) -> String {
        parse(a.as_bytes())
            .unwrap()
            .add(&parse(b.as_bytes()).unwrap())
            .to_human()
    }

    #[test]
    fn like_redis_on_x86_64() {
        // Answers of redis-server 7.0.15 (x86-64, glibc).
        assert_eq!(incr("0.1", "0.2"), "0.3");
        assert_eq!(incr("10.50", "0.1"), "10.6");
        assert_eq!(incr("10.6", "-5"), "5.6");
        assert_eq!(incr("5.0e3", "2.0e2"), "5200");
        assert_eq!(incr("0", "1e20"), "100000000000000000000");
        assert_eq!(incr("0", "1.5e-7"), "0.00000015");
        assert_eq!(incr("0", "1e-20"), "0");
        assert_eq!(incr("0", "12345678.9"), "12345678.8999999999996362");
        assert_eq!(incr("7", "0x10"), "23");
        assert_eq!(incr("3", "-3"), "0");
        assert_eq!(incr("0", "-0.0"), "0");
        assert_eq!(
            incr("1e308", "1e308"),
            "199999999999999999993371759311691291321120199694831134415594095989843469737676123744200253843777078640893494450108026446304269499187921167194841628860392837535918200039206381557326219209014213335878306791577877829121087126122536729803237260434173178506889763247582601711514636284849020905456510092687857156096"
        );
    }

    #[test]
    fn refused_like_strtold_in_redis() {
        for bad in [
            "",
            " 1",
            "1 ",
            "abc",
            "nan",
            "-nan",
            "1e",
            "1e+",
            ".",
            "0x",
            "1.2.3",
            "1e99999",
            "1e-99999",
            "0x1p99999",
        ] {
            assert!(parse(bad.as_bytes()).is_none(), "{bad:?}");
        }
        for good in [
            "1",
            "+1",
            "-1.5",
            ".5",
            "5.",
            "1E5",
            "1e-5",
            "0x1p-2",
            "0X.8",
            "inf",
            "-Infinity",
            "0e999999",
            "0.000",
        ] {
            assert!(parse(good.as_bytes()).is_some(), "{good:?}");
        }
        assert!(!parse(b"inf").unwrap().is_finite());
    }
}
