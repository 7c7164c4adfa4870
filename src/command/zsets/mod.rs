//! Sorted set commands: ZADD, ZINCRBY, ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZCOUNT,
//! ZLEXCOUNT, the ZRANGE family and ZRANGESTORE, ZREMRANGEBY*, ZPOPMIN/ZPOPMAX, ZMPOP,
//! ZRANDMEMBER, ZUNION/ZINTER/ZDIFF(STORE), ZINTERCARD, ZSCAN.
//!
//! Replies, error texts and the order of checks follow Redis 7's t_zset.c (checked
//! byte for byte against redis-server 7.0.15 by tests/differential_zsets.rs), plus
//! ZRANK/ZREVRANK's WITHSCORE of 7.2. A sorted set that becomes empty is deleted.
//!
//! **Scores** are parsed like Redis: member scores and weights with
//! `getDoubleFromObject` (glibc `strtod` over the whole argument; no leading space,
//! no NaN, no overflow to ±inf or underflow to 0 from a non-zero literal: [`parse_score`]),
//! range ends with `zslParseRange` (`strtod` up to a NUL, leading space allowed, `(` for
//! exclusive: [`parse_score_range`]). They are replied with Redis 7.0's `%.17g`
//! ([`fmt_score`]) — the reply encoder's `Reply::double` writes the shortest
//! round-trip form instead, which is what Redis 7.2 does (see the function's doc).
//!
//! The blocking variants (BZPOPMIN, BZPOPMAX, BZMPOP) live with the shard's blocking
//! machinery; they reuse:
//!
//! - [`pop_n`]: pop up to `count` members from one end of one sorted set;
//! - [`mpop`]: the same over several keys, from the first that holds a sorted set;
//! - [`reply_key_member_score`] (BZPOPMIN/BZPOPMAX's `[key, member, score]`) and
//!   [`reply_key_pairs`] (ZMPOP/BZMPOP's `[key, [[member, score], ...]]`);
//! - [`parse_mpop`] and [`numkeys_positions`]: argument parsing and the key finder of
//!   the `numkeys` form.
//!
//! Handlers use only `ctx.db` and compute each key's slot with [`key_hash_slot`], so
//! the multi-key ones run the same on the owning shard and over the scratch keyspace
//! of a cross-shard run.

use super::keys::parse_cursor;
use super::spec::{c, CommandSpec, Positions, KEY1, KEY2};
use super::Exec::{Key, Multi};
use super::{eq_ic, CmdError, Ctx, Fanout};
use crate::resp::{parse_i64, Reply};
use crate::slot::key_hash_slot;
use crate::store::glob::glob_match;
use crate::store::zset::{LexBound, LexRange, ScoreRange, ZLimits};
use crate::store::{Db, SetValue, SmallBytes, Value, ZSetValue};

type R = Result<(), CmdError>;

const NOKEYS: (i32, i32, i32) = (0, 0, 0);

/// This family's commands (chained into the command table by `spec::FAMILIES`).
#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    c("zadd", -4, "write denyoom fast", KEY1, Key(zadd), "sorted-set", "1.2.0", "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist."),
    c("zincrby", 4, "write denyoom fast", KEY1, Key(zincrby), "sorted-set", "1.2.0", "Increments the score of a member in a sorted set."),
    c("zrem", -3, "write fast", KEY1, Key(zrem), "sorted-set", "1.2.0", "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed."),
    c("zcard", 2, "readonly fast", KEY1, Key(zcard), "sorted-set", "1.2.0", "Returns the number of members in a sorted set."),
    c("zcount", 4, "readonly fast", KEY1, Key(zcount), "sorted-set", "2.0.0", "Returns the count of members in a sorted set that have scores within a range."),
    c("zlexcount", 4, "readonly fast", KEY1, Key(zlexcount), "sorted-set", "2.8.9", "Returns the number of members in a sorted set within a lexicographical range."),
    c("zscore", 3, "readonly fast", KEY1, Key(zscore), "sorted-set", "1.2.0", "Returns the score of a member in a sorted set."),
    c("zmscore", -3, "readonly fast", KEY1, Key(zmscore), "sorted-set", "6.2.0", "Returns the score of one or more members in a sorted set."),
    c("zrank", -3, "readonly fast", KEY1, Key(zrank), "sorted-set", "2.0.0", "Returns the index of a member in a sorted set ordered by ascending scores."),
    c("zrevrank", -3, "readonly fast", KEY1, Key(zrevrank), "sorted-set", "2.0.0", "Returns the index of a member in a sorted set ordered by descending scores."),
    c("zrange", -4, "readonly", KEY1, Key(zrange), "sorted-set", "1.2.0", "Returns members in a sorted set within a range of indexes."),
    c("zrangestore", -5, "write denyoom", KEY2, Multi(zrangestore, Fanout::Whole), "sorted-set", "6.2.0", "Stores a range of members from sorted set in a key."),
    c("zrevrange", -4, "readonly", KEY1, Key(zrevrange), "sorted-set", "1.2.0", "Returns members in a sorted set within a range of indexes in reverse order."),
    c("zrangebyscore", -4, "readonly", KEY1, Key(zrangebyscore), "sorted-set", "1.0.5", "Returns members in a sorted set within a range of scores."),
    c("zrevrangebyscore", -4, "readonly", KEY1, Key(zrevrangebyscore), "sorted-set", "2.2.0", "Returns members in a sorted set within a range of scores in reverse order."),
    c("zrangebylex", -4, "readonly", KEY1, Key(zrangebylex), "sorted-set", "2.8.9", "Returns members in a sorted set within a lexicographical range."),
    c("zrevrangebylex", -4, "readonly", KEY1, Key(zrevrangebylex), "sorted-set", "2.8.9", "Returns members in a sorted set within a lexicographical range in reverse order."),
    c("zremrangebyrank", 4, "write", KEY1, Key(zremrangebyrank), "sorted-set", "2.0.0", "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed."),
    c("zremrangebyscore", 4, "write", KEY1, Key(zremrangebyscore), "sorted-set", "1.2.0", "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed."),
    c("zremrangebylex", 4, "write", KEY1, Key(zremrangebylex), "sorted-set", "2.8.9", "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed."),
    c("zpopmin", -2, "write fast", KEY1, Key(zpopmin), "sorted-set", "5.0.0", "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped."),
    c("zpopmax", -2, "write fast", KEY1, Key(zpopmax), "sorted-set", "5.0.0", "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped."),
    c("zmpop", -4, "write movablekeys", NOKEYS, Multi(zmpop, Fanout::Whole), "sorted-set", "7.0.0", "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.").with_keys(keys_at_1),
    c("zrandmember", -2, "readonly", KEY1, Key(zrandmember), "sorted-set", "6.2.0", "Returns one or more random members from a sorted set."),
    c("zunion", -3, "readonly movablekeys", NOKEYS, Multi(zunion, Fanout::Whole), "sorted-set", "6.2.0", "Returns the union of multiple sorted sets.").with_keys(keys_at_1),
    c("zinter", -3, "readonly movablekeys", NOKEYS, Multi(zinter, Fanout::Whole), "sorted-set", "6.2.0", "Returns the intersect of multiple sorted sets.").with_keys(keys_at_1),
    c("zdiff", -3, "readonly movablekeys", NOKEYS, Multi(zdiff, Fanout::Whole), "sorted-set", "6.2.0", "Returns the difference between multiple sorted sets.").with_keys(keys_at_1),
    c("zintercard", -3, "readonly movablekeys", NOKEYS, Multi(zintercard, Fanout::Whole), "sorted-set", "7.0.0", "Returns the number of members of the intersect of multiple sorted sets.").with_keys(keys_at_1),
    c("zunionstore", -4, "write denyoom movablekeys", KEY1, Multi(zunionstore, Fanout::Whole), "sorted-set", "2.0.0", "Stores the union of multiple sorted sets in a key.").with_keys(store_keys),
    c("zinterstore", -4, "write denyoom movablekeys", KEY1, Multi(zinterstore, Fanout::Whole), "sorted-set", "2.0.0", "Stores the intersect of multiple sorted sets in a key.").with_keys(store_keys),
    c("zdiffstore", -4, "write denyoom movablekeys", KEY1, Multi(zdiffstore, Fanout::Whole), "sorted-set", "6.2.0", "Stores the difference of multiple sorted sets in a key.").with_keys(store_keys),
    c("zscan", -3, "readonly", KEY1, Key(zscan), "sorted-set", "2.8.0", "Iterates over members and scores of a sorted set."),
];

// ---- key finders ----

/// Key positions of the `numkeys key [key ...]` form whose count is at
/// `args[numkeys_idx]`: None when the count is not an integer, is below 1 or exceeds
/// the arguments left (the handler then answers the error).
pub fn numkeys_positions(args: &[&[u8]], numkeys_idx: usize) -> Option<Positions> {
    let n = parse_i64(args.get(numkeys_idx)?)?;
    let first = numkeys_idx + 1;
    if n < 1 || n as u64 > args.len().saturating_sub(first) as u64 {
        return None;
    }
    Some((first..first + n as usize).collect())
}

/// ZUNION, ZINTER, ZDIFF, ZINTERCARD, ZMPOP: `numkeys` at 1.
///
/// When `numkeys` is malformed this still names one position (the argument after
/// it), instead of None: the router sends a keyed command without key positions to
/// the connection-command path, which panics (`route::route` returns `Route::Here`
/// and `Shard::run_conn` expects `Exec::Conn`). With a position the command reaches
/// the handler, which answers the error. To be reverted once the router runs such
/// commands locally.
fn keys_at_1(args: &[&[u8]]) -> Option<Positions> {
    numkeys_positions(args, 1).or_else(|| (args.len() > 2).then(|| Positions::from_elem(2, 1)))
}

/// Z*STORE: the destination, then `numkeys` at 2 (the destination alone when
/// `numkeys` is malformed; see [`keys_at_1`]).
fn store_keys(args: &[&[u8]]) -> Option<Positions> {
    let Some(mut p) = numkeys_positions(args, 2) else {
        return (args.len() > 1).then(|| Positions::from_elem(1, 1));
    };
    p.insert(0, 1);
    Some(p)
}

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
pub fn parse_score(b: &[u8]) -> Option<f64> {
    if b.is_empty() || is_c_space(b[0]) {
        return None;
    }
    let r = strtod(b);
    if r.used != b.len() || r.value.is_nan() || r.range_error {
        return None;
    }
    Some(r.value)
}

fn score_arg(b: &[u8]) -> Result<f64, CmdError> {
    parse_score(b).ok_or(CmdError::NotFloat)
}

/// One end of a score range (Redis's `zslParseRange`): the argument as a C string (up
/// to a NUL), `(` for exclusive, then `strtod` that must reach the end (an empty
/// string is 0); NaN refused.
fn parse_range_item(b: &[u8]) -> Option<(f64, bool)> {
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

/// A `min max` score range; "min or max is not a float" otherwise.
pub fn parse_score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, CmdError> {
    let err = || CmdError::msg("min or max is not a float");
    let (min, minex) = parse_range_item(min).ok_or_else(err)?;
    let (max, maxex) = parse_range_item(max).ok_or_else(err)?;
    Ok(ScoreRange {
        min,
        max,
        minex,
        maxex,
    })
}

/// One end of a lex range (Redis's `zslParseLexRangeItem`).
fn parse_lex_item(b: &[u8]) -> Option<(LexBound, bool)> {
    match b.first()? {
        b'+' if b.len() == 1 || b[1] == 0 => Some((LexBound::Max, true)),
        b'-' if b.len() == 1 || b[1] == 0 => Some((LexBound::Min, true)),
        b'(' => Some((LexBound::Str(b[1..].to_vec()), true)),
        b'[' => Some((LexBound::Str(b[1..].to_vec()), false)),
        _ => None,
    }
}

/// A `min max` lex range; "min or max not valid string range item" otherwise.
pub fn parse_lex_range(min: &[u8], max: &[u8]) -> Result<LexRange, CmdError> {
    let err = || CmdError::msg("min or max not valid string range item");
    let (min, minex) = parse_lex_item(min).ok_or_else(err)?;
    let (max, maxex) = parse_lex_item(max).ok_or_else(err)?;
    Ok(LexRange {
        min,
        max,
        minex,
        maxex,
    })
}

/// A `long` argument; "value is not an integer or out of range", or `msg` when given.
fn long_arg(b: &[u8], msg: Option<&'static str>) -> Result<i64, CmdError> {
    parse_i64(b).ok_or_else(|| match msg {
        Some(m) => CmdError::msg(m),
        None => CmdError::NotInteger,
    })
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
pub fn fmt_score(d: f64) -> String {
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
fn fmt_listpack_score(d: f64) -> String {
    const LIM: f64 = (i64::MAX / 2) as f64;
    if d.is_finite() && (-LIM..=LIM).contains(&d) && d == d.trunc() {
        return (d as i64).to_string();
    }
    fmt_score(d)
}

/// A score reply: a bulk string under RESP2, a double under RESP3.
pub fn reply_score(out: &mut Reply, d: f64) {
    let s = fmt_score(d);
    if out.resp3() {
        out.raw(b",");
        out.raw(s.as_bytes());
        out.raw(b"\r\n");
    } else {
        out.bulk(s.as_bytes());
    }
}

/// Members with optional scores: flat under RESP2, `[member, score]` pairs under
/// RESP3 (Redis's zrange result handler).
fn reply_members(out: &mut Reply, items: &[(&[u8], f64)], withscores: bool) {
    let nested = withscores && out.resp3();
    out.array(if withscores && !nested {
        items.len() * 2
    } else {
        items.len()
    });
    for (m, s) in items {
        if nested {
            out.array(2);
        }
        out.bulk(m);
        if withscores {
            reply_score(out, *s);
        }
    }
}

// ---- lookups ----

fn limits(ctx: &Ctx) -> ZLimits {
    let cfg = ctx.shared.cfg();
    let get = |name: &str, dflt: usize| {
        cfg.values
            .get(name)
            .and_then(|v| v.parse::<i64>().ok())
            .map_or(dflt, |n| n.max(0) as usize)
    };
    ZLimits {
        max_entries: get("zset-max-listpack-entries", 128),
        max_value: get("zset-max-listpack-value", 64),
    }
}

/// The sorted set at `key` for reading: None when absent, WRONGTYPE for another type.
fn zread<'a>(
    db: &'a mut Db,
    slot: u16,
    key: &[u8],
    now: u64,
) -> Result<Option<&'a ZSetValue>, CmdError> {
    match db.get(slot, key, now) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
        Some(_) => Err(CmdError::WrongType),
    }
}

/// The sorted set at `key` for writing: None when absent, WRONGTYPE for another type.
fn zwrite<'a>(
    db: &'a mut Db,
    slot: u16,
    key: &[u8],
    now: u64,
) -> Result<Option<&'a mut ZSetValue>, CmdError> {
    match db.get_mut(slot, key, now) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
        Some(_) => Err(CmdError::WrongType),
    }
}

/// Store a result under `key` (overwriting whatever was there, TTL dropped), or
/// delete `key` when the result is empty. Returns the stored length.
fn store_result(ctx: &mut Ctx, key: &[u8], items: Vec<(f64, SmallBytes)>) -> usize {
    let slot = key_hash_slot(key);
    if items.is_empty() {
        ctx.db.remove(slot, key, ctx.now);
        return 0;
    }
    let n = items.len();
    let z = ZSetValue::from_sorted(items, limits(ctx));
    ctx.db.set(slot, key, Value::ZSet(z), false);
    n
}

fn sort_items(items: &mut [(f64, SmallBytes)]) {
    items.sort_by(|a, b| {
        a.0.partial_cmp(&b.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.1.as_slice().cmp(b.1.as_slice()))
    });
}

// ---- ZADD, ZINCRBY, ZREM ----

/// ```text
/// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
/// ```
pub fn zadd(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zadd_generic(ctx, args, out, false)
}

/// ```text
/// ZINCRBY key increment member
/// ```
/// Redis runs it as ZADD with INCR: options are looked for at the increment's place
/// too (`ZINCRBY k nx m` is a syntax error).
pub fn zincrby(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zadd_generic(ctx, args, out, true)
}

fn zadd_generic(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply, mut incr: bool) -> R {
    let (mut nx, mut xx, mut gt, mut lt, mut ch) = (false, false, false, false, false);
    let mut i = 2;
    while i < args.len() {
        let a = args[i];
        if eq_ic(a, "nx") {
            nx = true;
        } else if eq_ic(a, "xx") {
            xx = true;
        } else if eq_ic(a, "ch") {
            ch = true;
        } else if eq_ic(a, "incr") {
            incr = true;
        } else if eq_ic(a, "gt") {
            gt = true;
        } else if eq_ic(a, "lt") {
            lt = true;
        } else {
            break;
        }
        i += 1;
    }
    let elements = args.len() - i;
    if elements % 2 == 1 || elements == 0 {
        return Err(CmdError::Syntax);
    }
    let elements = elements / 2;
    if nx && xx {
        return Err(CmdError::msg(
            "XX and NX options at the same time are not compatible",
        ));
    }
    if ((gt || lt) && nx) || (gt && lt) {
        return Err(CmdError::msg(
            "GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if incr && elements > 1 {
        return Err(CmdError::msg(
            "INCR option supports a single increment-element pair",
        ));
    }
    let scores = (0..elements)
        .map(|j| score_arg(args[i + 2 * j]))
        .collect::<Result<Vec<f64>, _>>()?;
    let lim = limits(ctx);
    let (slot, key, now) = (ctx.slot, args[1], ctx.now);
    let (mut added, mut updated, mut processed) = (0i64, 0i64, 0i64);
    let mut last = 0.0;
    let exists = zwrite(ctx.db, slot, key, now)?.is_some();
    if !exists && !xx {
        ctx.db.set(slot, key, Value::ZSet(ZSetValue::new()), false);
    }
    if let Some(z) = zwrite(ctx.db, slot, key, now)? {
        for (j, &score) in scores.iter().enumerate() {
            let member = args[i + 2 * j + 1];
            match z.score(member) {
                Some(cur) => {
                    if nx {
                        continue;
                    }
                    let mut s = score;
                    if incr {
                        s += cur;
                        if s.is_nan() {
                            return Err(CmdError::msg("resulting score is not a number (NaN)"));
                        }
                    }
                    if (lt && s >= cur) || (gt && s <= cur) {
                        continue;
                    }
                    last = s;
                    processed += 1;
                    if s != cur {
                        z.set_score(member, cur, s);
                        updated += 1;
                    }
                }
                None if !xx => {
                    z.insert(member, score, lim);
                    last = score;
                    added += 1;
                    processed += 1;
                }
                None => {}
            }
        }
    }
    if incr {
        if processed > 0 {
            reply_score(out, last);
        } else {
            out.null();
        }
    } else {
        out.int(if ch { added + updated } else { added });
    }
    Ok(())
}

/// ```text
/// ZREM key member [member ...]
/// ```
pub fn zrem(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let (slot, key, now) = (ctx.slot, args[1], ctx.now);
    let Some(z) = zwrite(ctx.db, slot, key, now)? else {
        out.int(0);
        return Ok(());
    };
    let mut deleted = 0;
    for m in &args[2..] {
        if z.remove(m).is_some() {
            deleted += 1;
        }
        if z.is_empty() {
            break;
        }
    }
    if z.is_empty() {
        ctx.db.remove(slot, key, now);
    }
    out.int(deleted);
    Ok(())
}

// ---- reads of single members ----

/// ```text
/// ZCARD key
/// ```
pub fn zcard(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let n = zread(ctx.db, ctx.slot, args[1], ctx.now)?.map_or(0, |z| z.len());
    out.int(n as i64);
    Ok(())
}

/// ```text
/// ZSCORE key member
/// ```
pub fn zscore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    match zread(ctx.db, ctx.slot, args[1], ctx.now)?.and_then(|z| z.score(args[2])) {
        Some(s) => reply_score(out, s),
        None => out.null(),
    }
    Ok(())
}

/// ```text
/// ZMSCORE key member [member ...]
/// ```
pub fn zmscore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let z = zread(ctx.db, ctx.slot, args[1], ctx.now)?;
    out.array(args.len() - 2);
    for m in &args[2..] {
        match z.and_then(|z| z.score(m)) {
            Some(s) => reply_score(out, s),
            None => out.null(),
        }
    }
    Ok(())
}

/// ```text
/// ZRANK key member [WITHSCORE]
/// ```
pub fn zrank(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zrank_generic(ctx, args, out, false)
}

/// ```text
/// ZREVRANK key member [WITHSCORE]
/// ```
pub fn zrevrank(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zrank_generic(ctx, args, out, true)
}

fn zrank_generic(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply, rev: bool) -> R {
    if args.len() > 4 {
        let name = String::from_utf8_lossy(args[0]).to_ascii_lowercase();
        return Err(CmdError::WrongArity(name));
    }
    let withscore = args.len() == 4;
    if withscore && !eq_ic(args[3], "withscore") {
        return Err(CmdError::Syntax);
    }
    let found = match zread(ctx.db, ctx.slot, args[1], ctx.now)? {
        Some(z) => z
            .rank(args[2])
            .map(|(r, s)| (if rev { z.len() - 1 - r } else { r }, s)),
        None => None,
    };
    match found {
        Some((r, s)) => {
            if withscore {
                out.array(2);
            }
            out.int(r as i64);
            if withscore {
                reply_score(out, s);
            }
        }
        None if withscore => out.null_array(),
        None => out.null(),
    }
    Ok(())
}

/// ```text
/// ZCOUNT key min max
/// ```
pub fn zcount(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let r = parse_score_range(args[2], args[3])?;
    let n = match zread(ctx.db, ctx.slot, args[1], ctx.now)? {
        Some(z) => match (z.first_in_score_range(&r), z.last_in_score_range(&r)) {
            (Some(a), Some(b)) if b >= a => b - a + 1,
            _ => 0,
        },
        None => 0,
    };
    out.int(n as i64);
    Ok(())
}

/// How many members a forward lex walk from the first in range passes (Redis's
/// listpack ZLEXCOUNT / ZREMRANGEBYLEX); by ranks for a skiplist.
fn lex_count(z: &ZSetValue, r: &LexRange) -> (usize, usize) {
    let Some(first) = z.first_in_lex_range(r) else {
        return (0, 0);
    };
    if z.encoding() == "listpack" {
        let n = z
            .iter_from(first, false)
            .take_while(|(m, _)| r.lte_max(m))
            .count();
        return (first, n);
    }
    match z.last_in_lex_range(r) {
        Some(last) if last >= first => (first, last - first + 1),
        _ => (first, 0),
    }
}

/// ```text
/// ZLEXCOUNT key min max
/// ```
pub fn zlexcount(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let r = parse_lex_range(args[2], args[3])?;
    let n = match zread(ctx.db, ctx.slot, args[1], ctx.now)? {
        Some(z) => lex_count(z, &r).1,
        None => 0,
    };
    out.int(n as i64);
    Ok(())
}

// ---- the ZRANGE family ----

#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeType {
    Auto,
    Rank,
    Score,
    Lex,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Auto,
    Forward,
    Reverse,
}

enum Bounds {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

/// The members a range selects, in reply order.
fn select_range<'a>(
    z: &'a ZSetValue,
    b: &Bounds,
    rev: bool,
    offset: i64,
    limit: i64,
) -> Vec<(&'a [u8], f64)> {
    let cap = if limit < 0 {
        usize::MAX
    } else {
        limit as usize
    };
    let len = z.len() as i64;
    match b {
        Bounds::Rank(start, end) => {
            let (mut start, mut end) = (*start, *end);
            if start < 0 {
                start += len;
            }
            if end < 0 {
                end += len;
            }
            if start < 0 {
                start = 0;
            }
            if start > end || start >= len {
                return Vec::new();
            }
            if end >= len {
                end = len - 1;
            }
            let n = (end - start + 1) as usize;
            let first = if rev { len - 1 - start } else { start };
            z.iter_from(first as usize, rev).take(n).collect()
        }
        Bounds::Score(r) => {
            if offset < 0 || (offset > 0 && offset >= len) {
                return Vec::new();
            }
            let off = offset as usize;
            if rev {
                match z.last_in_score_range(r) {
                    Some(last) if last >= off => z
                        .iter_from(last - off, true)
                        .take_while(|(_, s)| r.gte_min(*s))
                        .take(cap)
                        .collect(),
                    _ => Vec::new(),
                }
            } else {
                match z.first_in_score_range(r) {
                    Some(first) => z
                        .iter_from(first + off, false)
                        .take_while(|(_, s)| r.lte_max(*s))
                        .take(cap)
                        .collect(),
                    None => Vec::new(),
                }
            }
        }
        Bounds::Lex(r) => {
            if offset < 0 {
                return Vec::new();
            }
            let off = offset as usize;
            if rev {
                match z.last_in_lex_range(r) {
                    Some(last) if last >= off => z
                        .iter_from(last - off, true)
                        .take_while(|(m, _)| r.gte_min(m))
                        .take(cap)
                        .collect(),
                    _ => Vec::new(),
                }
            } else {
                match z.first_in_lex_range(r) {
                    Some(first) => z
                        .iter_from(first.saturating_add(off), false)
                        .take_while(|(m, _)| r.lte_max(m))
                        .take(cap)
                        .collect(),
                    None => Vec::new(),
                }
            }
        }
    }
}

/// Redis's zrangeGenericCommand: `args[src]` is the source key, then min, max and
/// options; `dst` is ZRANGESTORE's destination.
fn zrange_generic(
    ctx: &mut Ctx,
    args: &[&[u8]],
    out: &mut Reply,
    src: usize,
    dst: Option<&[u8]>,
    mut rt: RangeType,
    mut dir: Direction,
) -> R {
    let key = args[src];
    let (mut minidx, mut maxidx) = (src + 1, src + 2);
    let (mut withscores, mut offset, mut limit) = (false, 0i64, -1i64);
    let mut j = src + 3;
    while j < args.len() {
        let left = args.len() - j - 1;
        let a = args[j];
        if dst.is_none() && eq_ic(a, "withscores") {
            withscores = true;
        } else if eq_ic(a, "limit") && left >= 2 {
            offset = long_arg(args[j + 1], None)?;
            limit = long_arg(args[j + 2], None)?;
            j += 2;
        } else if dir == Direction::Auto && eq_ic(a, "rev") {
            dir = Direction::Reverse;
        } else if rt == RangeType::Auto && eq_ic(a, "bylex") {
            rt = RangeType::Lex;
        } else if rt == RangeType::Auto && eq_ic(a, "byscore") {
            rt = RangeType::Score;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    if dir == Direction::Auto {
        dir = Direction::Forward;
    }
    if rt == RangeType::Auto {
        rt = RangeType::Rank;
    }
    if limit != -1 && rt == RangeType::Rank {
        return Err(CmdError::msg(
            "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && rt == RangeType::Lex {
        return Err(CmdError::msg(
            "syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    let rev = dir == Direction::Reverse;
    if rev && rt != RangeType::Rank {
        std::mem::swap(&mut minidx, &mut maxidx);
    }
    let bounds = match rt {
        RangeType::Score => Bounds::Score(parse_score_range(args[minidx], args[maxidx])?),
        RangeType::Lex => Bounds::Lex(parse_lex_range(args[minidx], args[maxidx])?),
        _ => Bounds::Rank(long_arg(args[minidx], None)?, long_arg(args[maxidx], None)?),
    };
    let now = ctx.now;
    let z = zread(ctx.db, key_hash_slot(key), key, now)?;
    match dst {
        None => {
            let items = z.map_or_else(Vec::new, |z| select_range(z, &bounds, rev, offset, limit));
            reply_members(out, &items, withscores);
        }
        Some(dst) => {
            let mut items: Vec<(f64, SmallBytes)> = z.map_or_else(Vec::new, |z| {
                select_range(z, &bounds, rev, offset, limit)
                    .into_iter()
                    .map(|(m, s)| (s, SmallBytes::new(m)))
                    .collect()
            });
            if rev {
                items.reverse();
            }
            let n = store_result(ctx, dst, items);
            out.int(n as i64);
        }
    }
    Ok(())
}

/// ```text
/// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
/// ```
pub fn zrange(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zrange_generic(ctx, args, out, 1, None, RangeType::Auto, Direction::Auto)
}

/// ```text
/// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
/// ```
pub fn zrangestore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zrange_generic(
        ctx,
        args,
        out,
        2,
        Some(args[1]),
        RangeType::Auto,
        Direction::Auto,
    )
}

/// ```text
/// ZREVRANGE key start stop [WITHSCORES]
/// ```
pub fn zrevrange(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zrange_generic(ctx, args, out, 1, None, RangeType::Rank, Direction::Reverse)
}

/// ```text
/// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
/// ```
pub fn zrangebyscore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zrange_generic(
        ctx,
        args,
        out,
        1,
        None,
        RangeType::Score,
        Direction::Forward,
    )
}

/// ```text
/// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
/// ```
pub fn zrevrangebyscore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zrange_generic(
        ctx,
        args,
        out,
        1,
        None,
        RangeType::Score,
        Direction::Reverse,
    )
}

/// ```text
/// ZRANGEBYLEX key min max [LIMIT offset count]
/// ```
pub fn zrangebylex(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zrange_generic(ctx, args, out, 1, None, RangeType::Lex, Direction::Forward)
}

/// ```text
/// ZREVRANGEBYLEX key max min [LIMIT offset count]
/// ```
pub fn zrevrangebylex(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zrange_generic(ctx, args, out, 1, None, RangeType::Lex, Direction::Reverse)
}

// ---- ZREMRANGEBY* ----

fn zremrange_generic(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply, bounds: Bounds) -> R {
    let (slot, key, now) = (ctx.slot, args[1], ctx.now);
    let Some(z) = zwrite(ctx.db, slot, key, now)? else {
        out.int(0);
        return Ok(());
    };
    let span = match &bounds {
        Bounds::Rank(start, end) => {
            let len = z.len() as i64;
            let (mut start, mut end) = (*start, *end);
            if start < 0 {
                start += len;
            }
            if end < 0 {
                end += len;
            }
            if start < 0 {
                start = 0;
            }
            if start > end || start >= len {
                None
            } else {
                Some((start as usize, (end.min(len - 1) - start + 1) as usize))
            }
        }
        Bounds::Score(r) => match (z.first_in_score_range(r), z.last_in_score_range(r)) {
            (Some(a), Some(b)) if b >= a => Some((a, b - a + 1)),
            _ => None,
        },
        Bounds::Lex(r) => {
            let first = z.first_in_lex_range(r);
            first.map(|f| {
                let n = z
                    .iter_from(f, false)
                    .take_while(|(m, _)| r.lte_max(m))
                    .count();
                (f, n)
            })
        }
    };
    let deleted = match span {
        Some((start, n)) if n > 0 => z.remove_rank_range(start, start + n - 1),
        _ => 0,
    };
    if z.is_empty() {
        ctx.db.remove(slot, key, now);
    }
    out.int(deleted as i64);
    Ok(())
}

/// ```text
/// ZREMRANGEBYRANK key start stop
/// ```
pub fn zremrangebyrank(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let b = Bounds::Rank(long_arg(args[2], None)?, long_arg(args[3], None)?);
    zremrange_generic(ctx, args, out, b)
}

/// ```text
/// ZREMRANGEBYSCORE key min max
/// ```
pub fn zremrangebyscore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let b = Bounds::Score(parse_score_range(args[2], args[3])?);
    zremrange_generic(ctx, args, out, b)
}

/// ```text
/// ZREMRANGEBYLEX key min max
/// ```
pub fn zremrangebylex(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let b = Bounds::Lex(parse_lex_range(args[2], args[3])?);
    zremrange_generic(ctx, args, out, b)
}

// ---- pops ----

/// Popped members with their scores, in pop order.
pub type Popped = Vec<(SmallBytes, f64)>;

/// Pop up to `count` members from the low (`max` false) or high end of the sorted set
/// at `key` (whose slot is `slot`), lowest/highest first. `Ok(None)` when the key does
/// not exist, WRONGTYPE for another type; the key is deleted once emptied. With
/// `count` 0 an existing sorted set is left alone and `Some(vec![])` returned.
pub fn pop_n(
    ctx: &mut Ctx,
    key: &[u8],
    slot: u16,
    max: bool,
    count: usize,
) -> Result<Option<Popped>, CmdError> {
    let now = ctx.now;
    let Some(z) = zwrite(ctx.db, slot, key, now)? else {
        return Ok(None);
    };
    let n = count.min(z.len());
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        match z.pop(max) {
            Some(x) => v.push(x),
            None => break,
        }
    }
    if z.is_empty() {
        ctx.db.remove(slot, key, now);
    }
    Ok(Some(v))
}

/// Pop up to `count` (at least 1) members from the first of `keys` that holds a sorted
/// set (ZMPOP, BZMPOP, BZPOPMIN/BZPOPMAX): the index of that key and the members.
/// Keys that do not exist are skipped; the first existing key of another type is
/// WRONGTYPE. `Ok(None)` when no key exists.
pub fn mpop(
    ctx: &mut Ctx,
    keys: &[&[u8]],
    max: bool,
    count: usize,
) -> Result<Option<(usize, Popped)>, CmdError> {
    for (i, key) in keys.iter().enumerate() {
        if let Some(v) = pop_n(ctx, key, key_hash_slot(key), max, count.max(1))? {
            return Ok(Some((i, v)));
        }
    }
    Ok(None)
}

/// BZPOPMIN/BZPOPMAX's reply: `[key, member, score]` (score a double under RESP3).
pub fn reply_key_member_score(out: &mut Reply, key: &[u8], member: &[u8], score: f64) {
    out.array(3);
    out.bulk(key);
    out.bulk(member);
    reply_score(out, score);
}

/// ZMPOP/BZMPOP's reply: `[key, [[member, score], ...]]`, nested under both protocols.
pub fn reply_key_pairs(out: &mut Reply, key: &[u8], items: &[(SmallBytes, f64)]) {
    out.array(2);
    out.bulk(key);
    out.array(items.len());
    for (m, s) in items {
        out.array(2);
        out.bulk(m.as_slice());
        reply_score(out, *s);
    }
}

fn zpop_generic(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply, max: bool) -> R {
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let count = if args.len() == 3 {
        let msg = "value is out of range, must be positive";
        let n = long_arg(args[2], Some(msg))?;
        if n < 0 {
            return Err(CmdError::msg(msg));
        }
        Some(n as usize)
    } else {
        None
    };
    let nested = out.resp3() && count.is_some();
    let slot = ctx.slot;
    let Some(items) = pop_n(ctx, args[1], slot, max, count.unwrap_or(1))? else {
        out.array(0);
        return Ok(());
    };
    if nested {
        out.array(items.len());
    } else {
        out.array(items.len() * 2);
    }
    for (m, s) in &items {
        if nested {
            out.array(2);
        }
        out.bulk(m.as_slice());
        reply_score(out, *s);
    }
    Ok(())
}

/// ```text
/// ZPOPMIN key [count]
/// ```
pub fn zpopmin(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zpop_generic(ctx, args, out, false)
}

/// ```text
/// ZPOPMAX key [count]
/// ```
pub fn zpopmax(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zpop_generic(ctx, args, out, true)
}

/// Parsed arguments of ZMPOP/BZMPOP after `numkeys`.
#[derive(Debug, Clone, PartialEq)]
pub struct MpopArgs<'a> {
    pub keys: &'a [&'a [u8]],
    /// Pop the highest scores (MAX) rather than the lowest (MIN).
    pub max: bool,
    pub count: usize,
}

/// Parse `numkeys key [key ...] MIN|MAX [COUNT count]` with `numkeys` at
/// `args[numkeys_idx]` (ZMPOP: 1, BZMPOP: 2), with Redis's errors.
pub fn parse_mpop<'a>(args: &'a [&'a [u8]], numkeys_idx: usize) -> Result<MpopArgs<'a>, CmdError> {
    let nk_msg = "numkeys should be greater than 0";
    let numkeys = long_arg(args[numkeys_idx], Some(nk_msg))?;
    if numkeys < 1 {
        return Err(CmdError::msg(nk_msg));
    }
    let where_idx = (numkeys_idx as u64 + 1).saturating_add(numkeys as u64);
    if where_idx >= args.len() as u64 {
        return Err(CmdError::Syntax);
    }
    let where_idx = where_idx as usize;
    let max = if eq_ic(args[where_idx], "min") {
        false
    } else if eq_ic(args[where_idx], "max") {
        true
    } else {
        return Err(CmdError::Syntax);
    };
    let mut count: Option<usize> = None;
    let mut j = where_idx + 1;
    while j < args.len() {
        let more = args.len() - 1 - j;
        if count.is_none() && eq_ic(args[j], "count") && more > 0 {
            j += 1;
            let msg = "count should be greater than 0";
            let n = long_arg(args[j], Some(msg))?;
            if n < 1 {
                return Err(CmdError::msg(msg));
            }
            count = Some(n as usize);
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(MpopArgs {
        keys: &args[numkeys_idx + 1..where_idx],
        max,
        count: count.unwrap_or(1),
    })
}

/// ```text
/// ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]
/// ```
pub fn zmpop(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let a = parse_mpop(args, 1)?;
    match mpop(ctx, a.keys, a.max, a.count)? {
        Some((i, items)) => reply_key_pairs(out, a.keys[i], &items),
        None => out.null_array(),
    }
    Ok(())
}

// ---- ZRANDMEMBER ----

/// ```text
/// ZRANDMEMBER key [count [WITHSCORES]]
/// ```
pub fn zrandmember(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    use rand::Rng;
    if args.len() >= 3 {
        let l = long_arg(args[2], None)?;
        if l == i64::MIN {
            return Err(CmdError::msg(
                "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
            ));
        }
        if args.len() > 4 || (args.len() == 4 && !eq_ic(args[3], "withscores")) {
            return Err(CmdError::Syntax);
        }
        let withscores = args.len() == 4;
        if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
            return Err(CmdError::msg("value is out of range"));
        }
        return zrandmember_count(ctx, args, out, l, withscores);
    }
    let Some(z) = zread(ctx.db, ctx.slot, args[1], ctx.now)? else {
        out.null();
        return Ok(());
    };
    let r = rand::thread_rng().gen_range(0..z.len());
    match z.get(r) {
        Some((m, _)) => out.bulk(m),
        None => out.null(),
    }
    Ok(())
}

fn zrandmember_count(
    ctx: &mut Ctx,
    args: &[&[u8]],
    out: &mut Reply,
    l: i64,
    withscores: bool,
) -> R {
    use rand::Rng;
    let Some(z) = zread(ctx.db, ctx.slot, args[1], ctx.now)? else {
        out.array(0);
        return Ok(());
    };
    let size = z.len();
    let count = l.unsigned_abs();
    if count == 0 {
        out.array(0);
        return Ok(());
    }
    let nested = withscores && out.resp3();
    let mut rng = rand::thread_rng();
    let emit = |out: &mut Reply, m: &[u8], s: f64| {
        if nested {
            out.array(2);
        }
        out.bulk(m);
        if withscores {
            reply_score(out, s);
        }
    };
    let header = |out: &mut Reply, n: u64| {
        let n = n as usize;
        out.array(if withscores && !nested { n * 2 } else { n });
    };
    // Negative count (or 1): with repetitions, in random order.
    if l < 0 || count == 1 {
        header(out, count);
        for _ in 0..count {
            if let Some((m, s)) = z.get(rng.gen_range(0..size)) {
                emit(out, m, s);
            }
        }
        return Ok(());
    }
    // At least the whole set: all of it, highest first (Redis walks sorted sets from
    // the tail in zuiNext).
    if count as usize >= size {
        header(out, size as u64);
        for (m, s) in z.iter_from(size - 1, true) {
            emit(out, m, s);
        }
        return Ok(());
    }
    // Distinct members in random order.
    header(out, count);
    for r in rand::seq::index::sample(&mut rng, size, count as usize).into_iter() {
        if let Some((m, s)) = z.get(r) {
            emit(out, m, s);
        }
    }
    Ok(())
}

// ---- ZUNION, ZINTER, ZDIFF and their STORE forms, ZINTERCARD ----

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// Redis's zunionInterAggregate (a NaN sum counts as 0; a NaN value loses MIN/MAX).
fn aggregate(target: &mut f64, val: f64, agg: Aggregate) {
    match agg {
        Aggregate::Sum => {
            *target += val;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if val < *target {
                *target = val;
            }
        }
        Aggregate::Max => {
            if val > *target {
                *target = val;
            }
        }
    }
}

/// An input of a set operation: a sorted set, a plain set (scores 1), or nothing.
enum Src<'a> {
    Empty,
    Z(&'a ZSetValue),
    S(&'a SetValue),
}

impl Src<'_> {
    fn len(&self) -> usize {
        match self {
            Src::Empty => 0,
            Src::Z(z) => z.len(),
            Src::S(s) => s.len(),
        }
    }

    fn score(&self, m: &[u8]) -> Option<f64> {
        match self {
            Src::Empty => None,
            Src::Z(z) => z.score(m),
            Src::S(s) => s.contains(m).then_some(1.0),
        }
    }

    fn for_each(&self, mut f: impl FnMut(&[u8], f64) -> bool) {
        match self {
            Src::Empty => {}
            Src::Z(z) => {
                for (m, s) in z.iter() {
                    if !f(m, s) {
                        return;
                    }
                }
            }
            Src::S(s) => {
                for m in s.members() {
                    if !f(&m, 1.0) {
                        return;
                    }
                }
            }
        }
    }
}

/// The input values, moved out of the keyspace for the computation (so several can be
/// borrowed at once) and put back after: distinct keys, with their deadlines.
struct Taken {
    entries: Vec<(Vec<u8>, Option<Entry>)>,
}

/// A value and its deadline, as `Db::snapshot` gives them.
type Entry = (Value, Option<u64>);

impl Taken {
    fn take(db: &mut Db, keys: &[&[u8]], now: u64) -> Taken {
        let mut entries: Vec<(Vec<u8>, Option<Entry>)> = Vec::new();
        for key in keys {
            if entries.iter().any(|(k, _)| k.as_slice() == *key) {
                continue;
            }
            let slot = key_hash_slot(key);
            let e = if db.contains(slot, key, now) {
                let ttl = db.expire_of(slot, key);
                db.remove(slot, key, now).map(|v| (v, ttl))
            } else {
                None
            };
            entries.push((key.to_vec(), e));
        }
        Taken { entries }
    }

    fn src(&self, key: &[u8]) -> Src<'_> {
        match self.entries.iter().find(|(k, _)| k.as_slice() == key) {
            Some((_, Some((Value::ZSet(z), _)))) => Src::Z(z),
            Some((_, Some((Value::Set(s), _)))) => Src::S(s),
            _ => Src::Empty,
        }
    }

    fn restore(self, db: &mut Db, now: u64) {
        for (k, e) in self.entries {
            if let Some(e) = e {
                db.restore(key_hash_slot(&k), &k, Some(e), now);
            }
        }
    }
}

fn zsetop_generic(
    ctx: &mut Ctx,
    args: &[&[u8]],
    out: &mut Reply,
    dst: Option<&[u8]>,
    numkeys_idx: usize,
    op: SetOp,
    cardinality_only: bool,
) -> R {
    let setnum = long_arg(args[numkeys_idx], None)?;
    if setnum < 1 {
        let name = String::from_utf8_lossy(args[0]).to_ascii_lowercase();
        return Err(CmdError::msg(format!(
            "at least 1 input key is needed for '{name}' command"
        )));
    }
    if setnum as u64 > (args.len() - (numkeys_idx + 1)) as u64 {
        return Err(CmdError::Syntax);
    }
    let setnum = setnum as usize;
    let keys = &args[numkeys_idx + 1..numkeys_idx + 1 + setnum];
    let now = ctx.now;
    // Types first, in key order (Redis looks the inputs up before the options).
    for key in keys {
        match ctx.db.get(key_hash_slot(key), key, now) {
            None | Some(Value::ZSet(_)) | Some(Value::Set(_)) => {}
            Some(_) => return Err(CmdError::WrongType),
        }
    }
    let mut weights = vec![1.0f64; setnum];
    let mut agg = Aggregate::Sum;
    let mut withscores = false;
    let mut limit: u64 = 0;
    let mut j = numkeys_idx + 1 + setnum;
    while j < args.len() {
        let remaining = args.len() - j;
        let a = args[j];
        if op != SetOp::Diff && !cardinality_only && remaining > setnum && eq_ic(a, "weights") {
            j += 1;
            for w in weights.iter_mut() {
                *w = parse_score(args[j])
                    .ok_or_else(|| CmdError::msg("weight value is not a float"))?;
                j += 1;
            }
        } else if op != SetOp::Diff && !cardinality_only && remaining >= 2 && eq_ic(a, "aggregate")
        {
            let v = args[j + 1];
            agg = if eq_ic(v, "sum") {
                Aggregate::Sum
            } else if eq_ic(v, "min") {
                Aggregate::Min
            } else if eq_ic(v, "max") {
                Aggregate::Max
            } else {
                return Err(CmdError::Syntax);
            };
            j += 2;
        } else if dst.is_none() && !cardinality_only && eq_ic(a, "withscores") {
            withscores = true;
            j += 1;
        } else if cardinality_only && remaining >= 2 && eq_ic(a, "limit") {
            let msg = "LIMIT can't be negative";
            let n = long_arg(args[j + 1], Some(msg))?;
            if n < 0 {
                return Err(CmdError::msg(msg));
            }
            limit = n as u64;
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }

    let taken = Taken::take(ctx.db, keys, now);
    // (source index, key index) pairs; union and inter go from the smallest input
    // (a stable sort, as glibc's qsort merge sort is).
    let srcs: Vec<(Src, f64, &[u8])> = keys
        .iter()
        .zip(&weights)
        .map(|(k, w)| (taken.src(k), *w, *k))
        .collect();
    let mut order: Vec<usize> = (0..setnum).collect();
    if op != SetOp::Diff {
        order.sort_by_key(|&i| srcs[i].0.len());
    }
    let mut card: u64 = 0;
    let mut items: Vec<(f64, SmallBytes)> = Vec::new();
    match op {
        SetOp::Inter => {
            let (first, w0, k0) = &srcs[order[0]];
            if first.len() > 0 {
                first.for_each(|m, s| {
                    let mut score = w0 * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    for &i in &order[1..] {
                        let (src, w, k) = &srcs[i];
                        let value = if k == k0 {
                            s * w
                        } else {
                            match src.score(m) {
                                Some(v) => v * w,
                                None => return true,
                            }
                        };
                        aggregate(&mut score, value, agg);
                    }
                    if cardinality_only {
                        card += 1;
                        if limit > 0 && card >= limit {
                            return false;
                        }
                    } else {
                        items.push((score, SmallBytes::new(m)));
                    }
                    true
                });
            }
        }
        SetOp::Union => {
            let mut acc: hashbrown::HashMap<SmallBytes, f64, foldhash::fast::FixedState> =
                Default::default();
            for &i in &order {
                let (src, w, _) = &srcs[i];
                src.for_each(|m, s| {
                    let mut score = w * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    match acc.get_mut(m) {
                        Some(t) => aggregate(t, score, agg),
                        None => {
                            acc.insert(SmallBytes::new(m), score);
                        }
                    }
                    true
                });
            }
            items = acc.into_iter().map(|(m, s)| (s, m)).collect();
        }
        SetOp::Diff => {
            let (first, _, k0) = &srcs[0];
            let same = srcs[1..].iter().any(|(_, _, k)| k == k0);
            if first.len() > 0 && !same {
                first.for_each(|m, s| {
                    if srcs[1..].iter().all(|(src, _, _)| src.score(m).is_none()) {
                        items.push((s, SmallBytes::new(m)));
                    }
                    true
                });
            }
        }
    }
    taken.restore(ctx.db, now);

    if cardinality_only {
        out.int(card as i64);
        return Ok(());
    }
    sort_items(&mut items);
    match dst {
        Some(dst) => {
            let n = store_result(ctx, dst, items);
            out.int(n as i64);
        }
        None => {
            let v: Vec<(&[u8], f64)> = items.iter().map(|(s, m)| (m.as_slice(), *s)).collect();
            reply_members(out, &v, withscores);
        }
    }
    Ok(())
}

/// ```text
/// ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]]
///   [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
/// ```
/// Inputs may be sorted sets or sets (members of a set score 1).
pub fn zunion(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zsetop_generic(ctx, args, out, None, 1, SetOp::Union, false)
}

/// ```text
/// ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]]
///   [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
/// ```
pub fn zinter(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zsetop_generic(ctx, args, out, None, 1, SetOp::Inter, false)
}

/// ```text
/// ZDIFF numkeys key [key ...] [WITHSCORES]
/// ```
pub fn zdiff(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zsetop_generic(ctx, args, out, None, 1, SetOp::Diff, false)
}

/// ```text
/// ZINTERCARD numkeys key [key ...] [LIMIT limit]
/// ```
pub fn zintercard(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zsetop_generic(ctx, args, out, None, 1, SetOp::Inter, true)
}

/// ```text
/// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]]
///   [AGGREGATE SUM | MIN | MAX]
/// ```
pub fn zunionstore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zsetop_generic(ctx, args, out, Some(args[1]), 2, SetOp::Union, false)
}

/// ```text
/// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]]
///   [AGGREGATE SUM | MIN | MAX]
/// ```
pub fn zinterstore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zsetop_generic(ctx, args, out, Some(args[1]), 2, SetOp::Inter, false)
}

/// ```text
/// ZDIFFSTORE destination numkeys key [key ...]
/// ```
pub fn zdiffstore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zsetop_generic(ctx, args, out, Some(args[1]), 2, SetOp::Diff, false)
}

// ---- ZSCAN ----

/// ```text
/// ZSCAN key cursor [MATCH pattern] [COUNT count]
/// ```
/// A listpack answers all its members at once (cursor 0), as Redis does; a skiplist's
/// cursor walks its node arena (see `store::zset`).
pub fn zscan(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let cursor = parse_cursor(args[2])?;
    let Some(z) = zread(ctx.db, ctx.slot, args[1], ctx.now)? else {
        out.array(2);
        out.bulk(b"0");
        out.array(0);
        return Ok(());
    };
    let mut count: i64 = 10;
    let mut pat: Option<&[u8]> = None;
    let mut i = 3;
    while i < args.len() {
        let left = args.len() - i;
        if eq_ic(args[i], "count") && left >= 2 {
            count = long_arg(args[i + 1], None)?;
            if count < 1 {
                return Err(CmdError::Syntax);
            }
        } else if eq_ic(args[i], "match") && left >= 2 {
            pat = Some(args[i + 1]).filter(|p| *p != b"*");
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    let pack = z.encoding() == "listpack";
    let mut found: Vec<(Vec<u8>, String)> = Vec::new();
    let next = z.scan(cursor, count as usize, |m, s| {
        if pat.is_some_and(|p| !glob_match(p, m)) {
            return;
        }
        let s = if pack {
            fmt_listpack_score(s)
        } else {
            fmt_score(s)
        };
        found.push((m.to_vec(), s));
    });
    out.array(2);
    out.bulk(next.to_string().as_bytes());
    out.array(found.len() * 2);
    for (m, s) in &found {
        out.bulk(m);
        out.bulk(s.as_bytes());
    }
    Ok(())
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
        assert_eq!(parse_lex_item(b"+"), Some((LexBound::Max, true)));
        assert_eq!(parse_lex_item(b"+a"), None);
        assert_eq!(
            parse_lex_item(b"(a"),
            Some((LexBound::Str(b"a".to_vec()), true))
        );
        assert_eq!(
            parse_lex_item(b"["),
            Some((LexBound::Str(Vec::new()), false))
        );
        assert_eq!(parse_lex_item(b""), None);
    }

    #[test]
    fn key_finders() {
        let a = |v: &[&'static str]| v.iter().map(|s| s.as_bytes()).collect::<Vec<&[u8]>>();
        assert_eq!(
            keys_at_1(&a(&["zunion", "2", "a", "b", "WITHSCORES"]))
                .unwrap()
                .to_vec(),
            vec![2, 3]
        );
        assert!(numkeys_positions(&a(&["zunion", "3", "a", "b"]), 1).is_none());
        assert!(numkeys_positions(&a(&["zunion", "0", "a"]), 1).is_none());
        assert!(numkeys_positions(&a(&["zunion", "x", "a"]), 1).is_none());
        // Malformed: routed by the argument after numkeys (see keys_at_1).
        assert_eq!(
            keys_at_1(&a(&["zunion", "0", "a"])).unwrap().to_vec(),
            vec![2]
        );
        assert_eq!(
            store_keys(&a(&["zunionstore", "d", "0", "a"]))
                .unwrap()
                .to_vec(),
            vec![1]
        );
        assert_eq!(
            store_keys(&a(&["zunionstore", "d", "2", "a", "b"]))
                .unwrap()
                .to_vec(),
            vec![1, 3, 4]
        );
    }

    #[test]
    fn mpop_parsing() {
        let a = |v: &[&'static str]| v.iter().map(|s| s.as_bytes()).collect::<Vec<&[u8]>>();
        let args = a(&["zmpop", "2", "a", "b", "MAX", "COUNT", "3"]);
        let p = parse_mpop(&args, 1).unwrap();
        assert_eq!((p.keys.len(), p.max, p.count), (2, true, 3));
        let err = |v: &[&'static str]| parse_mpop(&a(v), 1).unwrap_err().text().into_owned();
        assert_eq!(
            err(&["zmpop", "0", "a", "MIN"]),
            "ERR numkeys should be greater than 0"
        );
        assert_eq!(
            err(&["zmpop", "x", "a", "MIN"]),
            "ERR numkeys should be greater than 0"
        );
        assert_eq!(err(&["zmpop", "2", "a", "MIN"]), "ERR syntax error");
        assert_eq!(err(&["zmpop", "1", "a", "MIDDLE"]), "ERR syntax error");
        assert_eq!(
            err(&["zmpop", "1", "a", "MIN", "COUNT", "0"]),
            "ERR count should be greater than 0"
        );
        assert_eq!(
            err(&["zmpop", "1", "a", "MIN", "COUNT", "1", "COUNT", "1"]),
            "ERR syntax error"
        );
    }
}
