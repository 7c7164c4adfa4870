//! Sorted set scores from and to text, as Redis does it: `strtod` exactly as glibc
//! (member scores, weights and score range ends are parsed with it) and `%.17g` (how
//! Redis 7.0 replies a score). Pure functions over bytes and numbers: no keyspace, no
//! command arguments beyond the one being converted.

use crate::command::CmdError;
use crate::resp::Reply;

// ---- number parsing, Redis style ----

/// C's `isspace` in the C locale.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// What glibc's `strtod` does with `s`.
struct Strtod {
    value: f64,
    /// Bytes consumed (0: no conversion).
    used: usize,
    /// ERANGE with a result of ±HUGE_VAL or zero (overflow, or underflow to zero).
    range_error: bool,
}

/// glibc `strtod` over `s`: leading white space, a sign, then a decimal or `0x`
/// hexadecimal number, `inf`/`infinity` or `nan`; stops at the first byte that does
/// not fit (a NUL included). Correctly rounded, as glibc is.
fn strtod(s: &[u8]) -> Strtod {
    let none = Strtod {
        value: 0.0,
        used: 0,
        range_error: false,
    };
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let neg = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'-') | Some(b'+')) {
        i += 1;
    }
    let rest = &s[i..];
    let sign = |v: f64| if neg { -v } else { v };
    let starts = |p: &[u8]| rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p);
    if starts(b"inf") {
        let n = if starts(b"infinity") { 8 } else { 3 };
        return Strtod {
            value: sign(f64::INFINITY),
            used: i + n,
            range_error: false,
        };
    }
    if starts(b"nan") {
        let mut n = 3;
        if rest.get(3) == Some(&b'(') {
            if let Some(close) = rest[4..]
                .iter()
                .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
            {
                if rest[4 + close] == b')' {
                    n = 4 + close + 1;
                }
            }
        }
        return Strtod {
            value: f64::NAN,
            used: i + n,
            range_error: false,
        };
    }
    if rest.len() >= 2 && rest[0] == b'0' && (rest[1] | 0x20) == b'x' {
        if let Some((v, n, err)) = hex_float(&rest[2..]) {
            return Strtod {
                value: sign(v),
                used: i + 2 + n,
                range_error: err,
            };
        }
        // "0x" without hex digits: the "0" alone converts.
        return Strtod {
            value: sign(0.0),
            used: i + 1,
            range_error: false,
        };
    }
    // Decimal: digits, an optional point and digits (at least one digit in all), an
    // optional exponent (only with digits after it).
    let mut j = 0;
    let mut digits = 0;
    let mut nonzero = false;
    while j < rest.len() && rest[j].is_ascii_digit() {
        nonzero |= rest[j] != b'0';
        j += 1;
        digits += 1;
    }
    if j < rest.len() && rest[j] == b'.' {
        j += 1;
        while j < rest.len() && rest[j].is_ascii_digit() {
            nonzero |= rest[j] != b'0';
            j += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return none;
    }
    if j < rest.len() && (rest[j] | 0x20) == b'e' {
        let mut k = j + 1;
        if matches!(rest.get(k), Some(b'-') | Some(b'+')) {
            k += 1;
        }
        if rest.get(k).is_some_and(|c| c.is_ascii_digit()) {
            while k < rest.len() && rest[k].is_ascii_digit() {
                k += 1;
            }
            j = k;
        }
    }
    let text = std::str::from_utf8(&rest[..j]).unwrap_or("0");
    let v: f64 = text.parse().unwrap_or(0.0);
    Strtod {
        value: sign(v),
        used: i + j,
        range_error: v.is_infinite() || (v == 0.0 && nonzero),
    }
}

/// The part of a hexadecimal float after `0x`: (magnitude, bytes used, range error);
/// None without any hex digit. Rounds to nearest, ties to even, as glibc.
fn hex_float(s: &[u8]) -> Option<(f64, usize, bool)> {
    let hexval = |c: u8| (c as char).to_digit(16).map(|d| d as u64);
    let mut i = 0;
    let mut mant: u64 = 0;
    let mut exp: i64 = 0;
    let mut sticky = false;
    let mut any = false;
    while let Some(d) = s.get(i).and_then(|&c| hexval(c)) {
        any = true;
        if mant >> 60 == 0 {
            mant = mant * 16 + d;
        } else {
            exp += 4;
            sticky |= d != 0;
        }
        i += 1;
    }
    if s.get(i) == Some(&b'.') {
        let mut k = i + 1;
        let mut frac_any = false;
        while let Some(d) = s.get(k).and_then(|&c| hexval(c)) {
            frac_any = true;
            if mant >> 60 == 0 {
                mant = mant * 16 + d;
                exp -= 4;
            } else {
                sticky |= d != 0;
            }
            k += 1;
        }
        if any || frac_any {
            any = true;
            i = k;
        }
    }
    if !any {
        return None;
    }
    if matches!(s.get(i), Some(b'p') | Some(b'P')) {
        let mut k = i + 1;
        let eneg = s.get(k) == Some(&b'-');
        if matches!(s.get(k), Some(b'-') | Some(b'+')) {
            k += 1;
        }
        if s.get(k).is_some_and(|c| c.is_ascii_digit()) {
            let mut e: i64 = 0;
            while let Some(c) = s.get(k).filter(|c| c.is_ascii_digit()) {
                e = e.saturating_mul(10).saturating_add((c - b'0') as i64);
                k += 1;
            }
            exp = exp.saturating_add(if eneg { -e } else { e });
            i = k;
        }
    }
    if mant == 0 {
        return Some((0.0, i, false));
    }
    // value = mant * 2^exp; normalise the top bit to bit 63.
    let lz = mant.leading_zeros() as i64;
    let m = mant << lz;
    let top = exp.saturating_sub(lz).saturating_add(63); // exponent of the leading bit
    if top > 1023 {
        return Some((f64::INFINITY, i, true));
    }
    // Significant bits available at this magnitude (53, fewer for subnormals).
    let bits = if top >= -1022 { 53 } else { top + 1075 };
    if bits <= 0 {
        // Below half the least subnormal, or exactly half (ties to even: zero).
        let above_half = bits == 0 && (m != 1 << 63 || sticky);
        return if above_half {
            Some((f64::from_bits(1), i, false))
        } else {
            Some((0.0, i, true))
        };
    }
    let shift = (64 - bits) as u32;
    let mut kept = m >> shift;
    let rem = m & ((1u64 << shift) - 1);
    let half = 1u64 << (shift - 1);
    if rem > half || (rem == half && (sticky || kept & 1 == 1)) {
        kept += 1;
    }
    if top >= -1022 {
        let mut top = top;
        if kept == 1 << 53 {
            kept >>= 1;
            top += 1;
            if top > 1023 {
                return Some((f64::INFINITY, i, true));
            }
        }
        let bits = (((top + 1023) as u64) << 52) | (kept & ((1 << 52) - 1));
        Some((f64::from_bits(bits), i, false))
    } else {
        // Subnormal: the significand is the bit pattern (a carry makes the least normal).
        Some((f64::from_bits(kept), i, false))
    }
}

/// A member score or a weight, as Redis's `getDoubleFromObject`: the whole argument
/// must convert, without leading space; NaN, overflow and underflow to zero refused.
pub(super) fn parse_score(b: &[u8]) -> Option<f64> {
    if b.is_empty() || is_c_space(b[0]) {
        return None;
    }
    let r = strtod(b);
    if r.used != b.len() || r.value.is_nan() || r.range_error {
        return None;
    }
    Some(r.value)
}

pub(super) fn score_arg(b: &[u8]) -> Result<f64, CmdError> {
    parse_score(b).ok_or(CmdError::NotFloat)
}

/// One end of a score range (Redis's `zslParseRange`): the argument as a C string (up
/// to a NUL), `(` for exclusive, then `strtod` that must reach the end (an empty
/// string is 0); NaN refused.
pub(super) fn parse_range_item(b: &[u8]) -> Option<(f64, bool)> {
    let b = &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())];
    let (ex, num) = match b.first() {
        Some(b'(') => (true, &b[1..]),
        _ => (false, b),
    };
    let r = strtod(num);
    if r.used != num.len() || r.value.is_nan() {
        return None;
    }
    Some((r.value, ex))
}

// ---- score formatting ----

/// A score as Redis 7.0 replies it: `%.17g` (17 significant digits, trailing zeros
/// dropped, exponent form below 1e-4 and from 1e17), and `inf`/`-inf`.
///
/// Redis 7.2 replaced this with `d2string` (an integer when the value is one, else
/// the shortest round-trip form by fpconv/grisu2): ZSCORE of 0.1 is
/// `0.10000000000000001` in 7.0 and `0.1` in 7.2. This crate's `Reply::double`
/// follows 7.2's idea (but not exactly: it answers `0` for `-0` and `1e+17` for 1e17,
/// where 7.2 answers `-0` and `100000000000000000`, and pads exponents to two digits,
/// `1.5e-07`, where fpconv writes `1.5e-7`). Sorted set replies use this function so
/// they match the 7.0.15 server the differential tests run against.
pub(super) fn fmt_score(d: f64) -> String {
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if d.is_nan() {
        return "nan".into();
    }
    if d == 0.0 {
        return if d.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Rust's `{:.16e}` rounds exactly like glibc's (ties to even on the exact value).
    let e = format!("{:.16e}", d);
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mant) = match mant.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mant),
    };
    let digits: Vec<u8> = mant.bytes().filter(|c| c.is_ascii_digit()).collect();
    let mut out = String::with_capacity(24);
    if neg {
        out.push('-');
    }
    if !(-4..17).contains(&exp) {
        let last = digits.iter().rposition(|&c| c != b'0').unwrap_or(0);
        out.push(digits[0] as char);
        if last > 0 {
            out.push('.');
            out.extend(digits[1..=last].iter().map(|&c| c as char));
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push('0');
        }
        out.push_str(&a.to_string());
    } else if exp >= 0 {
        let int_len = exp as usize + 1;
        out.extend(digits[..int_len].iter().map(|&c| c as char));
        let frac = &digits[int_len..];
        if let Some(last) = frac.iter().rposition(|&c| c != b'0') {
            out.push('.');
            out.extend(frac[..=last].iter().map(|&c| c as char));
        }
    } else {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        let last = digits.iter().rposition(|&c| c != b'0').unwrap_or(0);
        out.extend(digits[..=last].iter().map(|&c| c as char));
    }
    out
}

/// A score as a listpack stores it (ZSCAN of a listpack): an integer when it is one
/// within ±2^62 (Redis's `double2ll`), else [`fmt_score`].
pub(super) fn fmt_listpack_score(d: f64) -> String {
    const LIM: f64 = (i64::MAX / 2) as f64;
    if d.is_finite() && (-LIM..=LIM).contains(&d) && d == d.trunc() {
        return (d as i64).to_string();
    }
    fmt_score(d)
}

/// A score reply: a bulk string under RESP2, a double under RESP3.
pub(super) fn reply_score(out: &mut Reply, d: f64) {
    let s = fmt_score(d);
    if out.resp3() {
        out.raw(b",");
        out.raw(s.as_bytes());
        out.raw(b"\r\n");
    } else {
        out.bulk(s.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c_printf_g17(d: f64) -> String {
        extern "C" {
            fn snprintf(
                buf: *mut libc::c_char,
                n: usize,
                fmt: *const libc::c_char,
                ...
            ) -> libc::c_int;
        }
        let mut b = [0 as libc::c_char; 64];
        // SAFETY: the buffer is 64 bytes and snprintf writes at most that, NUL included.
        unsafe {
            snprintf(b.as_mut_ptr(), b.len(), c"%.17g".as_ptr(), d);
            std::ffi::CStr::from_ptr(b.as_ptr())
                .to_string_lossy()
                .into_owned()
        }
    }

    fn c_strtod(s: &[u8]) -> (f64, usize) {
        let mut v = s.to_vec();
        v.push(0);
        let mut end: *mut libc::c_char = std::ptr::null_mut();
        // SAFETY: `v` is NUL-terminated and outlives the call.
        let d = unsafe { libc::strtod(v.as_ptr() as *const libc::c_char, &mut end) };
        (d, end as usize - v.as_ptr() as usize)
    }

    #[test]
    fn formats_like_printf_g17() {
        let fixed = [
            0.1,
            1.5,
            1e22,
            1.5e-7,
            3.0,
            0.3,
            123456789012345678.0,
            1e17,
            1e16,
            1e-5,
            1e-4,
            12345.678,
            2.5e-300,
            f64::MAX,
            1e20,
            5e-324,
            -0.5,
            2f64.powi(-25),
            99999999999999999.0,
            0.0001234,
            1.0 / 3.0,
            -2.0 / 3.0,
        ];
        for d in fixed {
            assert_eq!(fmt_score(d), c_printf_g17(d), "{d:e}");
        }
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let d = f64::from_bits(x);
            if d.is_finite() && d != 0.0 {
                assert_eq!(fmt_score(d), c_printf_g17(d), "{d:e}");
            }
            let small = (x % 2_000_000) as f64 / 64.0 - 10000.0;
            if small != 0.0 {
                assert_eq!(fmt_score(small), c_printf_g17(small));
            }
        }
        assert_eq!(fmt_score(f64::INFINITY), "inf");
        assert_eq!(fmt_score(-0.0), "-0");
        assert_eq!(fmt_score(0.1), "0.10000000000000001");
        assert_eq!(fmt_listpack_score(1e17), "100000000000000000");
        assert_eq!(fmt_listpack_score(-0.0), "0");
        assert_eq!(fmt_listpack_score(2.5), "2.5");
    }

    #[test]
    fn strtod_like_glibc() {
        let cases: &[&str] = &[
            "1",
            "-1",
            "+1.5",
            " 2",
            "\t\n3e2",
            "1e",
            "1e+",
            "1e+5x",
            ".5",
            "5.",
            ".",
            "-.e1",
            "inf",
            "-Infinity",
            "infinit",
            "nan",
            "nan(abc)",
            "nanx",
            "0x10",
            "0x1.8p3",
            "0x",
            "0x.8",
            "0x.",
            "0xg",
            "-0x1p-1074",
            "0x1p-1075",
            "0x1.0000000000001p-1075",
            "0x1p1024",
            "0x1.fffffffffffff7p1023",
            "0x1.fffffffffffff8p1023",
            "0x123456789abcdef123p-10",
            "0X1P+2",
            "1e400",
            "1e-400",
            "4.9e-324",
            "2.4703282292062328e-324",
            "1e-320",
            "123456789012345678901234567890",
            "0.000000000000000000000000000001e30",
            "",
            "   ",
            "+",
            "-",
            "e5",
            "1.5.5",
            "0x1p",
            "0x1p-",
            "0x8000000000000001p0",
            "0x1.fffffffffffffp-1023",
            "0x1.ffffffffffffe8p-1023",
            "12abc",
            "0001",
            "1_000",
        ];
        for s in cases {
            let (cv, cn) = c_strtod(s.as_bytes());
            let r = strtod(s.as_bytes());
            assert_eq!(r.used, cn, "{s:?} used");
            assert!(
                r.value.to_bits() == cv.to_bits() || (r.value.is_nan() && cv.is_nan()),
                "{s:?}: {} vs {}",
                r.value,
                cv
            );
        }
        let mut x: u64 = 42;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let hex = format!(
                "0x{:x}.{:x}p{}",
                x >> 20,
                x & 0xfffff,
                (x % 2200) as i64 - 1100
            );
            let (cv, cn) = c_strtod(hex.as_bytes());
            let r = strtod(hex.as_bytes());
            assert_eq!((r.value.to_bits(), r.used), (cv.to_bits(), cn), "{hex}");
        }
    }

    #[test]
    fn score_arguments() {
        assert_eq!(parse_score(b"1.5"), Some(1.5));
        assert_eq!(parse_score(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_score(b"0x10"), Some(16.0));
        assert_eq!(parse_score(b" 1"), None);
        assert_eq!(parse_score(b"1 "), None);
        assert_eq!(parse_score(b""), None);
        assert_eq!(parse_score(b"nan"), None);
        assert_eq!(parse_score(b"1e400"), None);
        assert_eq!(parse_score(b"1e-400"), None);
        assert_eq!(parse_score(b"0e-400"), Some(0.0));
        assert_eq!(parse_score(b"1\x002"), None);
        assert!(parse_score(b"4e-320").is_some());
        assert_eq!(parse_range_item(b"(1.5"), Some((1.5, true)));
        assert_eq!(parse_range_item(b""), Some((0.0, false)));
        assert_eq!(parse_range_item(b"("), Some((0.0, true)));
        assert_eq!(parse_range_item(b" 5"), Some((5.0, false)));
        assert_eq!(parse_range_item(b"5 "), None);
        assert_eq!(parse_range_item(b"5\x00junk"), Some((5.0, false)));
        assert_eq!(parse_range_item(b"1e400"), Some((f64::INFINITY, false)));
        assert_eq!(parse_range_item(b"nan"), None);
        assert_eq!(parse_range_item(b"[1"), None);
    }
}
