//! Hash commands: HSET, HGET, HDEL, HGETALL, HINCRBY, HRANDFIELD, HSCAN, ...
//!
//! Every handler works on the one key it names, on the shard that owns it. Reply
//! shapes follow Redis 7: HGETALL is a map (RESP3 `%`), HRANDFIELD ... WITHVALUES is a
//! flat array under RESP2 and an array of [field, value] pairs under RESP3. Errors are
//! checked before anything is written, so a failing command changes nothing (Redis's
//! order of checks is kept: arguments first, then the key's type).
//!
//! [`limits`] also serves the set commands: the encoding thresholds of the config,
//! parsed once per config snapshot.

use super::keys::parse_cursor;
use super::spec::{c, CommandSpec, KEY1};
use super::strings::long_double;
use super::Exec::Key;
use super::{arg_i64, eq_ic, CmdError, Ctx};
use crate::config::Config;
use crate::resp::{parse_i64, Reply};
use crate::shared::Shared;
use crate::store::glob::glob_match;
use crate::store::hash::{FieldValue, PackLimits};
use crate::store::set::SetLimits;
use crate::store::{HashValue, Value};
use rand::Rng;
use std::cell::RefCell;
use std::sync::Arc;

type R = Result<(), CmdError>;

/// This family's commands (chained into the command table by `spec::FAMILIES`).
#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    c("hset", -4, "write denyoom fast", KEY1, Key(hset), "hash", "2.0.0", "Creates or modifies the value of a field in a hash."),
    c("hsetnx", 4, "write denyoom fast", KEY1, Key(hsetnx), "hash", "2.0.0", "Sets the value of a field in a hash only when the field doesn't exist."),
    c("hget", 3, "readonly fast", KEY1, Key(hget), "hash", "2.0.0", "Returns the value of a field in a hash."),
    c("hmget", -3, "readonly fast", KEY1, Key(hmget), "hash", "2.0.0", "Returns the values of all fields in a hash."),
    c("hmset", -4, "write denyoom fast", KEY1, Key(hmset), "hash", "2.0.0", "Sets the values of multiple fields."),
    c("hdel", -3, "write fast", KEY1, Key(hdel), "hash", "2.0.0", "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain."),
    c("hlen", 2, "readonly fast", KEY1, Key(hlen), "hash", "2.0.0", "Returns the number of fields in a hash."),
    c("hstrlen", 3, "readonly fast", KEY1, Key(hstrlen), "hash", "3.2.0", "Returns the length of the value of a field."),
    c("hexists", 3, "readonly fast", KEY1, Key(hexists), "hash", "2.0.0", "Determines whether a field exists in a hash."),
    c("hkeys", 2, "readonly", KEY1, Key(hkeys), "hash", "2.0.0", "Returns all fields in a hash."),
    c("hvals", 2, "readonly", KEY1, Key(hvals), "hash", "2.0.0", "Returns all values in a hash."),
    c("hgetall", 2, "readonly", KEY1, Key(hgetall), "hash", "2.0.0", "Returns all fields and values in a hash."),
    c("hincrby", 4, "write denyoom fast", KEY1, Key(hincrby), "hash", "2.0.0", "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist."),
    c("hincrbyfloat", 4, "write denyoom fast", KEY1, Key(hincrbyfloat), "hash", "2.6.0", "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist."),
    c("hrandfield", -2, "readonly", KEY1, Key(hrandfield), "hash", "6.2.0", "Returns one or more random fields from a hash."),
    c("hscan", -3, "readonly", KEY1, Key(hscan), "hash", "2.8.0", "Iterates over fields and values of a hash."),
];

// ---- encoding limits ----

/// Encoding thresholds of hashes and sets (`hash-max-listpack-*`,
/// `set-max-intset-entries`, `set-max-listpack-*`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub hash: PackLimits,
    pub set: SetLimits,
}

impl Limits {
    fn from_config(cfg: &Config) -> Limits {
        let get = |name: &str, default: usize| {
            cfg.values
                .get(name)
                .and_then(|v| v.trim().parse::<i64>().ok())
                .map_or(default, |v| v.max(0) as usize)
        };
        // Redis's compiled-in defaults, used when a directive is missing.
        Limits {
            hash: PackLimits {
                max_entries: get("hash-max-listpack-entries", 512),
                max_value: get("hash-max-listpack-value", 64),
            },
            set: SetLimits {
                max_intset: get("set-max-intset-entries", 512),
                max_pack: get("set-max-listpack-entries", 128),
                max_value: get("set-max-listpack-value", 64),
            },
        }
    }
}

/// The thresholds of the current config. Parsed once per config snapshot and thread
/// (CONFIG SET installs a new snapshot); a command pays one pointer comparison.
pub(crate) fn limits(shared: &Shared) -> Limits {
    thread_local! {
        static CACHE: RefCell<Option<(Arc<Config>, Limits)>> = const { RefCell::new(None) };
    }
    let cfg = shared.cfg();
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((seen, l)) = cache.as_ref() {
            if Arc::ptr_eq(seen, &cfg) {
                return *l;
            }
        }
        let l = Limits::from_config(&cfg);
        *cache = Some((Arc::clone(&cfg), l));
        l
    })
}

// ---- lookups ----

/// The hash at `key` for reading: None when absent, WRONGTYPE for another type.
fn get_hash<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a HashValue>, CmdError> {
    match ctx.db.get(ctx.slot, key, ctx.now) {
        None => Ok(None),
        Some(Value::Hash(h)) => Ok(Some(h)),
        Some(_) => Err(CmdError::WrongType),
    }
}

/// The hash at `key` for writing: None when absent, WRONGTYPE for another type.
fn hash_mut<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut HashValue>, CmdError> {
    match ctx.db.get_mut(ctx.slot, key, ctx.now) {
        None => Ok(None),
        Some(Value::Hash(h)) => Ok(Some(h)),
        Some(_) => Err(CmdError::WrongType),
    }
}

/// The hash at `key`, created empty when absent (the caller adds to it before
/// returning); WRONGTYPE for another type.
fn hash_or_create<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<&'a mut HashValue, CmdError> {
    let (slot, now) = (ctx.slot, ctx.now);
    match ctx.db.get(slot, key, now) {
        Some(Value::Hash(_)) => {}
        Some(_) => return Err(CmdError::WrongType),
        None => ctx
            .db
            .set(slot, key, Value::Hash(HashValue::default()), false),
    }
    match ctx.db.get_mut(slot, key, now) {
        Some(Value::Hash(h)) => Ok(h),
        _ => unreachable!("present and a hash"),
    }
}

/// Delete the key if its hash became empty.
fn drop_if_empty(ctx: &mut Ctx, key: &[u8]) {
    if matches!(ctx.db.get(ctx.slot, key, ctx.now), Some(Value::Hash(h)) if h.is_empty()) {
        ctx.db.remove(ctx.slot, key, ctx.now);
    }
}

// ---- handlers ----

fn hset_generic(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply, name: &str) -> R {
    if args.len() % 2 == 1 {
        return Err(CmdError::WrongArity(name.into()));
    }
    let lim = limits(ctx.shared).hash;
    let h = hash_or_create(ctx, args[1])?;
    h.convert_for(&args[2..], lim);
    let mut created = 0;
    for fv in args[2..].chunks(2) {
        created += h.set(fv[0], fv[1], lim) as i64;
    }
    if name == "hmset" {
        out.ok();
    } else {
        out.int(created);
    }
    Ok(())
}

/// ```text
/// HSET key field value [field value ...]
/// ```
pub fn hset(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    hset_generic(ctx, args, out, "hset")
}

/// ```text
/// HMSET key field value [field value ...]
/// ```
pub fn hmset(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    hset_generic(ctx, args, out, "hmset")
}

/// ```text
/// HSETNX key field value
/// ```
/// As Redis 7.0: an existing field leaves the hash untouched (no encoding change).
pub fn hsetnx(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let lim = limits(ctx.shared).hash;
    let h = hash_or_create(ctx, args[1])?;
    if h.contains(args[2]) {
        out.int(0);
    } else {
        h.convert_for(&args[2..4], lim);
        h.set(args[2], args[3], lim);
        out.int(1);
    }
    Ok(())
}

/// ```text
/// HGET key field
/// ```
pub fn hget(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    match get_hash(ctx, args[1])?.and_then(|h| h.get(args[2])) {
        Some(v) => out.bulk(v),
        None => out.null(),
    }
    Ok(())
}

/// ```text
/// HMGET key field [field ...]
/// ```
pub fn hmget(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let h = get_hash(ctx, args[1])?;
    out.array(args.len() - 2);
    for f in &args[2..] {
        match h.and_then(|h| h.get(f)) {
            Some(v) => out.bulk(v),
            None => out.null(),
        }
    }
    Ok(())
}

/// ```text
/// HDEL key field [field ...]
/// ```
pub fn hdel(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let Some(h) = hash_mut(ctx, args[1])? else {
        out.int(0);
        return Ok(());
    };
    let mut n = 0;
    for f in &args[2..] {
        if h.remove(f) {
            n += 1;
            if h.is_empty() {
                break;
            }
        }
    }
    drop_if_empty(ctx, args[1]);
    out.int(n);
    Ok(())
}

/// ```text
/// HLEN key
/// ```
pub fn hlen(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let n = get_hash(ctx, args[1])?.map_or(0, |h| h.len());
    out.int(n as i64);
    Ok(())
}

/// ```text
/// HSTRLEN key field
/// ```
pub fn hstrlen(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let n = get_hash(ctx, args[1])?
        .and_then(|h| h.get(args[2]))
        .map_or(0, |v| v.len());
    out.int(n as i64);
    Ok(())
}

/// ```text
/// HEXISTS key field
/// ```
pub fn hexists(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let yes = get_hash(ctx, args[1])?.is_some_and(|h| h.contains(args[2]));
    out.int(yes as i64);
    Ok(())
}

/// HKEYS / HVALS / HGETALL: `fields` and/or `values`, in the hash's order.
fn getall_generic(ctx: &mut Ctx, key: &[u8], out: &mut Reply, fields: bool, values: bool) -> R {
    let h = get_hash(ctx, key)?;
    let n = h.map_or(0, |h| h.len());
    if fields && values {
        out.map(n);
    } else {
        out.array(n);
    }
    for (f, v) in h.into_iter().flat_map(|h| h.iter()) {
        if fields {
            out.bulk(f);
        }
        if values {
            out.bulk(v);
        }
    }
    Ok(())
}

/// ```text
/// HKEYS key
/// ```
pub fn hkeys(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    getall_generic(ctx, args[1], out, true, false)
}

/// ```text
/// HVALS key
/// ```
pub fn hvals(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    getall_generic(ctx, args[1], out, false, true)
}

/// ```text
/// HGETALL key
/// ```
pub fn hgetall(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    getall_generic(ctx, args[1], out, true, true)
}

/// ```text
/// HINCRBY key field increment
/// ```
pub fn hincrby(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let (key, field) = (args[1], args[2]);
    let incr = arg_i64(args[3])?;
    let cur = match get_hash(ctx, key)?.and_then(|h| h.get(field)) {
        Some(v) => parse_i64(v).ok_or(CmdError::msg("hash value is not an integer"))?,
        None => 0,
    };
    let new = cur.checked_add(incr).ok_or(CmdError::Overflow)?;
    let lim = limits(ctx.shared).hash;
    let h = hash_or_create(ctx, key)?;
    h.set(field, itoa::Buffer::new().format(new).as_bytes(), lim);
    out.int(new);
    Ok(())
}

/// ```text
/// HINCRBYFLOAT key field increment
/// ```
/// 80-bit long double arithmetic and `%.17Lf` formatting, as INCRBYFLOAT.
pub fn hincrbyfloat(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let (key, field) = (args[1], args[2]);
    let incr = long_double::parse(args[3]).ok_or(CmdError::NotFloat)?;
    if !incr.is_finite() {
        return Err(CmdError::msg("value is NaN or Infinity"));
    }
    let cur = match get_hash(ctx, key)?.and_then(|h| h.get(field)) {
        Some(v) => long_double::parse(v).ok_or(CmdError::msg("hash value is not a float"))?,
        None => long_double::Ld::from_i64(0),
    };
    let new = cur.add(&incr);
    if !new.is_finite() {
        return Err(CmdError::msg("increment would produce NaN or Infinity"));
    }
    let s = new.to_human();
    let lim = limits(ctx.shared).hash;
    let h = hash_or_create(ctx, key)?;
    h.set(field, s.as_bytes(), lim);
    out.bulk(s.as_bytes());
    Ok(())
}

/// ```text
/// HRANDFIELD key [count [WITHVALUES]]
/// ```
/// Without count: one field or null. With count ≥ 0: distinct fields (the whole hash,
/// in its order, when count ≥ its size); negative: |count| independent picks. With
/// WITHVALUES each field is followed by its value (RESP2: flat; RESP3: pairs).
pub fn hrandfield(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    if args.len() == 2 {
        match get_hash(ctx, args[1])? {
            Some(h) => {
                let i = rand::thread_rng().gen_range(0..h.len());
                out.bulk(h.nth(i).0);
            }
            None => out.null(),
        }
        return Ok(());
    }
    let l = arg_i64(args[2])?;
    if l == i64::MIN {
        return Err(CmdError::msg(
            "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    let withvalues = match args.len() {
        3 => false,
        4 if eq_ic(args[3], "withvalues") => true,
        _ => return Err(CmdError::Syntax),
    };
    if withvalues && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
        return Err(CmdError::msg("value is out of range"));
    }
    let resp3 = out.resp3();
    let Some(h) = get_hash(ctx, args[1])? else {
        out.array(0);
        return Ok(());
    };
    let count = l.unsigned_abs() as usize;
    let pair = |out: &mut Reply, (f, v): (&[u8], &[u8])| {
        if withvalues && resp3 {
            out.array(2);
        }
        out.bulk(f);
        if withvalues {
            out.bulk(v);
        }
    };
    let header = |out: &mut Reply, n: usize| {
        out.array(if withvalues && !resp3 { 2 * n } else { n });
    };
    if count == 0 {
        out.array(0);
        return Ok(());
    }
    let size = h.len();
    let mut rng = rand::thread_rng();
    // A listpack is read once into pairs rather than walked per pick.
    let packed: Option<Vec<FieldValue>> =
        (count > 1 && h.encoding() == "listpack").then(|| h.iter().collect());
    let at = |i: usize| packed.as_ref().map_or_else(|| h.nth(i), |v| v[i]);
    if l < 0 || count == 1 {
        header(out, count);
        for _ in 0..count {
            pair(out, at(rng.gen_range(0..size)));
        }
    } else if count >= size {
        header(out, size);
        for p in h.iter() {
            pair(out, p);
        }
    } else {
        // Distinct picks: `count` positions of the hash chosen at random.
        let picks = rand::seq::index::sample(&mut rng, size, count);
        header(out, count);
        for i in picks.iter() {
            pair(out, at(i));
        }
    }
    Ok(())
}

/// ```text
/// HSCAN key cursor [MATCH pattern] [COUNT count]
/// ```
/// A compact (listpack) hash is returned whole with cursor 0, as Redis does. For a
/// table the cursor is a position in the order of a fixed hash of the fields
/// (`store::hash::elem_hash`): each call returns the fields whose hash is at least the
/// cursor, lowest first, at least COUNT of them (and at least 1/64 of the hash, so a
/// full iteration takes at most ~64 calls whatever COUNT: each call costs one pass over
/// the hash), and the next cursor is one past the last hash returned. A field present
/// for the whole iteration is returned exactly once; fields added or removed meanwhile
/// may or may not be. MATCH filters the page, as in Redis.
pub fn hscan(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let cursor = parse_cursor(args[2])?;
    let Some(h) = get_hash(ctx, args[1])? else {
        empty_scan(out);
        return Ok(());
    };
    let (pat, count) = scan_options(&args[3..])?;
    let (page, next) = h.scan(cursor, count.max(h.len() / 64));
    let keep = |f: &[u8]| pat.is_none_or(|p| glob_match(p, f));
    let n = page.iter().filter(|(f, _)| keep(f)).count();
    out.array(2);
    out.bulk(itoa::Buffer::new().format(next).as_bytes());
    out.array(2 * n);
    for (f, v) in page.into_iter().filter(|(f, _)| keep(f)) {
        out.bulk(f);
        out.bulk(v);
    }
    Ok(())
}

/// The reply of a scan of a missing key: cursor 0, no elements.
pub(crate) fn empty_scan(out: &mut Reply) {
    out.array(2);
    out.bulk(b"0");
    out.array(0);
}

/// MATCH and COUNT of HSCAN / SSCAN (TYPE is for SCAN only): the pattern (None for
/// all) and the count (10 by default).
pub(crate) fn scan_options<'a>(opts: &[&'a [u8]]) -> Result<(Option<&'a [u8]>, usize), CmdError> {
    let mut count: i64 = 10;
    let mut pat = None;
    let mut i = 0;
    while i < opts.len() {
        if i + 1 >= opts.len() {
            return Err(CmdError::Syntax);
        }
        if eq_ic(opts[i], "count") {
            count = arg_i64(opts[i + 1])?;
            if count < 1 {
                return Err(CmdError::Syntax);
            }
        } else if eq_ic(opts[i], "match") {
            pat = Some(opts[i + 1]).filter(|p| *p != b"*");
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    Ok((pat, count as usize))
}
