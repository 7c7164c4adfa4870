//! List commands: LPUSH/RPUSH(X), LPOP/RPOP, LLEN, LRANGE, LINDEX, LSET, LINSERT,
//! LREM, LTRIM, LPOS, LMOVE, RPOPLPUSH, LMPOP.
//!
//! Replies, error texts and the order of checks (argument parsing before or after the
//! key lookup) follow Redis 7's t_list.c. A list that becomes empty is deleted.
//!
//! The blocking variants (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) live with the
//! shard's blocking machinery; they reuse the pieces exposed here:
//!
//! - [`pop_n`]: pop up to `count` elements from one end of one list;
//! - [`mpop`]: the same over several keys, from the first that holds a list (BLPOP,
//!   BRPOP, BLMPOP);
//! - [`lmove`]: pop from one list and push onto another (BLMOVE, BRPOPLPUSH);
//! - [`parse_side`], [`parse_mpop`], [`mpop_keys`]: argument parsing and the key finder
//!   of the `numkeys` form;
//! - [`reply_key_elements`]: the `[key, [elements...]]` reply of LMPOP/BLMPOP.
//!
//! All of them use only `ctx.db` and compute each key's slot with
//! [`key_hash_slot`], so they work on the owning shard and over the scratch keyspace
//! of a cross-shard run alike.

use super::spec::{c, CommandSpec, Positions, KEY1, KEY2};
use super::Exec::{Key, Multi};
use super::{arg_i64, eq_ic, CmdError, Ctx, Fanout};
use crate::resp::{parse_i64, Reply};
use crate::slot::key_hash_slot;
use crate::store::{ListValue, SmallBytes, Value};

type R = Result<(), CmdError>;

/// This family's commands (chained into the command table by `spec::FAMILIES`).
#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    c("lpush", -3, "write denyoom fast", KEY1, Key(lpush), "list", "1.0.0", "Prepends one or more elements to a list. Creates the key if it doesn't exist."),
    c("rpush", -3, "write denyoom fast", KEY1, Key(rpush), "list", "1.0.0", "Appends one or more elements to a list. Creates the key if it doesn't exist."),
    c("lpushx", -3, "write denyoom fast", KEY1, Key(lpushx), "list", "2.2.0", "Prepends one or more elements to a list only when the list exists."),
    c("rpushx", -3, "write denyoom fast", KEY1, Key(rpushx), "list", "2.2.0", "Appends an element to a list only when the list exists."),
    c("lpop", -2, "write fast", KEY1, Key(lpop), "list", "1.0.0", "Returns the first elements in a list after removing it. Deletes the list if the last element was popped."),
    c("rpop", -2, "write fast", KEY1, Key(rpop), "list", "1.0.0", "Returns and removes the last elements of a list. Deletes the list if the last element was popped."),
    c("llen", 2, "readonly fast", KEY1, Key(llen), "list", "1.0.0", "Returns the length of a list."),
    c("lrange", 4, "readonly", KEY1, Key(lrange), "list", "1.0.0", "Returns a range of elements from a list."),
    c("lindex", 3, "readonly", KEY1, Key(lindex), "list", "1.0.0", "Returns an element from a list by its index."),
    c("lset", 4, "write denyoom", KEY1, Key(lset), "list", "1.0.0", "Sets the value of an element in a list by its index."),
    c("linsert", 5, "write denyoom", KEY1, Key(linsert), "list", "2.2.0", "Inserts an element before or after another element in a list."),
    c("lrem", 4, "write", KEY1, Key(lrem), "list", "1.0.0", "Removes elements from a list. Deletes the list if the last element was removed."),
    c("ltrim", 4, "write", KEY1, Key(ltrim), "list", "1.0.0", "Removes elements from both ends a list. Deletes the list if all elements were trimmed."),
    c("lpos", -3, "readonly", KEY1, Key(lpos), "list", "6.0.6", "Returns the index of matching elements in a list."),
    c("lmove", 5, "write denyoom", KEY2, Multi(lmove_cmd, Fanout::Whole), "list", "6.2.0", "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved."),
    c("rpoplpush", 3, "write denyoom", KEY2, Multi(rpoplpush, Fanout::Whole), "list", "1.2.0", "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped."),
    c("lmpop", -4, "write movablekeys", (0, 0, 0), Multi(lmpop, Fanout::Whole), "list", "7.0.0", "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.").with_keys(lmpop_keys),
];

// ---- lookups and small parsers ----

/// The list at `key` for writing: None when absent, WRONGTYPE for another type.
fn list_mut<'a>(
    ctx: &'a mut Ctx<'_>,
    slot: u16,
    key: &[u8],
) -> Result<Option<&'a mut ListValue>, CmdError> {
    match ctx.db.get_mut(slot, key, ctx.now) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => Err(CmdError::WrongType),
    }
}

/// The list at `key` for reading: None when absent, WRONGTYPE for another type.
fn list_ref<'a>(
    ctx: &'a mut Ctx<'_>,
    slot: u16,
    key: &[u8],
) -> Result<Option<&'a ListValue>, CmdError> {
    match ctx.db.get(slot, key, ctx.now) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => Err(CmdError::WrongType),
    }
}

/// Count a read lookup in the keyspace hit/miss statistics (as Redis's lookupKeyRead).
fn stat(ctx: &mut Ctx, hit: bool) {
    if hit {
        ctx.db.hits += 1;
    } else {
        ctx.db.misses += 1;
    }
}

/// Remove `key` when its list became empty.
fn delete_if_empty(ctx: &mut Ctx, slot: u16, key: &[u8]) {
    if matches!(ctx.db.get(slot, key, ctx.now), Some(Value::List(l)) if l.is_empty()) {
        ctx.db.remove(slot, key, ctx.now);
    }
}

/// Redis's getRangeLongFromObjectOrReply with a message: an integer in `min..=max`,
/// else `ERR <msg>` (also for a non-integer).
fn arg_range(b: &[u8], min: i64, max: i64, msg: &'static str) -> Result<i64, CmdError> {
    match parse_i64(b) {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(CmdError::msg(msg)),
    }
}

/// A LINDEX/LSET index (negative: from the tail) resolved against `len`.
fn resolve_index(index: i64, len: usize) -> Option<usize> {
    if index < 0 {
        let back = index.unsigned_abs();
        (back <= len as u64).then(|| len - back as usize)
    } else {
        ((index as u64) < len as u64).then_some(index as usize)
    }
}

/// LRANGE/LTRIM's clamping: the inclusive range `start..=end` of a list of `len`
/// elements, or None when it is empty.
fn clamp_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let llen = len as i64;
    let mut start = if start < 0 { llen + start } else { start };
    let mut end = if end < 0 { llen + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        return None;
    }
    if end >= llen {
        end = llen - 1;
    }
    Some((start as usize, end as usize))
}

/// `LEFT` (true) or `RIGHT` (false), any case; a syntax error otherwise.
pub fn parse_side(arg: &[u8]) -> Result<bool, CmdError> {
    if eq_ic(arg, "left") {
        Ok(true)
    } else if eq_ic(arg, "right") {
        Ok(false)
    } else {
        Err(CmdError::Syntax)
    }
}

// ---- reusable pop/move logic (also for the blocking commands) ----

/// Pop up to `count` elements from the head (`left`) or the tail of the list at `key`
/// (in slot `slot`), deleting the key when it becomes empty.
///
/// Returns the elements in pop order (for the tail: last element first, as RPOP with
/// a count answers), `Ok(None)` when the key does not exist, WRONGTYPE when it holds
/// another type. `count` 0 pops nothing (an existing key gives `Some(vec![])`).
pub fn pop_n(
    ctx: &mut Ctx,
    key: &[u8],
    slot: u16,
    left: bool,
    count: usize,
) -> Result<Option<Vec<SmallBytes>>, CmdError> {
    let Some(l) = list_mut(ctx, slot, key)? else {
        return Ok(None);
    };
    if count == 0 {
        return Ok(Some(Vec::new()));
    }
    let v = l.pop_n(left, count);
    if l.is_empty() {
        ctx.db.remove(slot, key, ctx.now);
    }
    Ok(Some(v))
}

/// Pop up to `count` elements from the first of `keys` that holds a non-empty list
/// (LMPOP; BLPOP/BRPOP with `count` 1; BLMPOP), as Redis's mpopGenericCommand: keys
/// are tried in order, and one holding another type answers WRONGTYPE as soon as it
/// is met. Returns the index in `keys` of the key popped from and the elements in pop
/// order; `Ok(None)` when no key holds a list (the blocking commands then block).
/// `count` 0 is taken as 1. Each key's slot is computed here.
pub fn mpop(
    ctx: &mut Ctx,
    keys: &[&[u8]],
    left: bool,
    count: usize,
) -> Result<Option<(usize, Vec<SmallBytes>)>, CmdError> {
    for (i, key) in keys.iter().enumerate() {
        if let Some(v) = pop_n(ctx, key, key_hash_slot(key), left, count.max(1))? {
            if !v.is_empty() {
                return Ok(Some((i, v)));
            }
        }
    }
    Ok(None)
}

/// LMOVE/RPOPLPUSH (and BLMOVE/BRPOPLPUSH once a source list exists): pop one element
/// from the head (`from_left`) or tail of `src` and push it onto the head (`to_left`)
/// or tail of `dst`, creating `dst` if needed and deleting `src` when it empties.
/// `src` and `dst` may be the same key (a rotation).
///
/// Returns the moved element, `Ok(None)` when `src` does not exist, WRONGTYPE when
/// `src` holds another type, or when `dst` does while `src` has an element (checked
/// before anything moves). Slots are computed here.
pub fn lmove(
    ctx: &mut Ctx,
    src: &[u8],
    dst: &[u8],
    from_left: bool,
    to_left: bool,
) -> Result<Option<Vec<u8>>, CmdError> {
    let (ss, ds) = (key_hash_slot(src), key_hash_slot(dst));
    match list_mut(ctx, ss, src)? {
        Some(l) if !l.is_empty() => {}
        _ => return Ok(None),
    }
    let dst_exists = list_mut(ctx, ds, dst)?.is_some();
    let v = match list_mut(ctx, ss, src)? {
        Some(l) => l.pop(from_left).expect("checked non-empty above"),
        None => unreachable!("checked above"),
    };
    let moved = v.as_slice().to_vec();
    if dst_exists {
        // (Also when src == dst: the source list is still there, maybe empty.)
        if let Some(d) = list_mut(ctx, ds, dst)? {
            d.push_moved(v, to_left);
        }
    } else {
        let mut d = ListValue::new();
        d.push_moved(v, to_left);
        ctx.db.set(ds, dst, Value::List(d), false);
    }
    if let Some(l) = list_mut(ctx, ss, src)? {
        if l.is_empty() {
            ctx.db.remove(ss, src, ctx.now);
        } else {
            l.shrink();
        }
    }
    Ok(Some(moved))
}

/// The reply of LMPOP/BLMPOP: `[key, [element, ...]]` (an array under RESP3 too).
pub fn reply_key_elements(out: &mut Reply, key: &[u8], elems: &[SmallBytes]) {
    out.array(2);
    out.bulk(key);
    out.array(elems.len());
    for e in elems {
        out.bulk(e.as_slice());
    }
}

/// Parsed arguments of LMPOP/BLMPOP.
#[derive(Debug, Clone, PartialEq)]
pub struct MpopArgs<'a> {
    pub keys: &'a [&'a [u8]],
    pub left: bool,
    pub count: usize,
}

/// Parse `numkeys key [key ...] LEFT|RIGHT [COUNT count]` starting at
/// `args[numkeys_idx]` (1 for LMPOP, 2 for BLMPOP), with Redis's errors and their
/// order: numkeys, then the side, then the options.
pub fn parse_mpop<'a>(args: &'a [&'a [u8]], numkeys_idx: usize) -> Result<MpopArgs<'a>, CmdError> {
    let numkeys = arg_range(
        args[numkeys_idx],
        1,
        i64::MAX,
        "numkeys should be greater than 0",
    )? as u64;
    if numkeys >= args.len() as u64 {
        return Err(CmdError::Syntax);
    }
    let first = numkeys_idx + 1;
    let where_idx = first + numkeys as usize;
    if where_idx >= args.len() {
        return Err(CmdError::Syntax);
    }
    let left = parse_side(args[where_idx])?;
    let mut count: i64 = -1;
    let mut j = where_idx + 1;
    while j < args.len() {
        let more = args.len() - 1 - j;
        if count == -1 && eq_ic(args[j], "count") && more > 0 {
            j += 1;
            count = arg_range(args[j], 1, i64::MAX, "count should be greater than 0")?;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(MpopArgs {
        keys: &args[first..where_idx],
        left,
        count: if count == -1 { 1 } else { count as usize },
    })
}

/// C's `atoi` (as Redis's genericGetKeys reads numkeys): optional blanks and sign,
/// then digits up to the first non-digit; the result truncated to a C int.
fn atoi(b: &[u8]) -> i32 {
    let mut i = 0;
    while i < b.len() && (b[i] == b' ' || (b'\t'..=b'\r').contains(&b[i])) {
        i += 1;
    }
    let neg = match b.get(i) {
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
    let mut v: i64 = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        v = v.saturating_mul(10).saturating_add((b[i] - b'0') as i64);
        i += 1;
    }
    (if neg { v.wrapping_neg() } else { v }) as i32
}

/// Key positions of the `numkeys key [key ...]` form whose count is at
/// `args[numkeys_idx]` (Redis's genericGetKeys): None when the count is below 1 or
/// exceeds the arguments left (the handler then answers the error).
pub fn mpop_keys(args: &[&[u8]], numkeys_idx: usize) -> Option<Positions> {
    let num = atoi(args.get(numkeys_idx)?);
    let first = numkeys_idx + 1;
    if num < 1 || num as usize > args.len().saturating_sub(first) {
        return None;
    }
    Some((first..first + num as usize).collect())
}

/// Key finder of LMPOP.
fn lmpop_keys(args: &[&[u8]]) -> Option<Positions> {
    mpop_keys(args, 1)
}

// ---- handlers ----

fn push_generic(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply, left: bool, xx: bool) -> R {
    let (slot, key) = (ctx.slot, args[1]);
    match list_mut(ctx, slot, key)? {
        Some(l) => {
            l.push(&args[2..], left);
            out.int(l.len() as i64);
        }
        None if xx => out.int(0),
        None => {
            let mut l = ListValue::new();
            l.push(&args[2..], left);
            out.int(l.len() as i64);
            ctx.db.set(slot, key, Value::List(l), false);
        }
    }
    Ok(())
}

/// ```text
/// LPUSH key element [element ...]
/// ```
pub fn lpush(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    push_generic(ctx, args, out, true, false)
}

/// ```text
/// RPUSH key element [element ...]
/// ```
pub fn rpush(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    push_generic(ctx, args, out, false, false)
}

/// ```text
/// LPUSHX key element [element ...]
/// ```
pub fn lpushx(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    push_generic(ctx, args, out, true, true)
}

/// ```text
/// RPUSHX key element [element ...]
/// ```
pub fn rpushx(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    push_generic(ctx, args, out, false, true)
}

fn pop_generic(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply, left: bool) -> R {
    if args.len() > 3 {
        return Err(CmdError::WrongArity(
            if left { "lpop" } else { "rpop" }.into(),
        ));
    }
    let (slot, key) = (ctx.slot, args[1]);
    if args.len() == 2 {
        match pop_n(ctx, key, slot, left, 1)? {
            Some(v) if !v.is_empty() => out.bulk(v[0].as_slice()),
            _ => out.null(),
        }
        return Ok(());
    }
    let count = arg_range(
        args[2],
        0,
        i64::MAX,
        "value is out of range, must be positive",
    )?;
    match pop_n(ctx, key, slot, left, count as usize)? {
        None => out.null_array(),
        Some(v) => {
            out.array(v.len());
            for e in &v {
                out.bulk(e.as_slice());
            }
        }
    }
    Ok(())
}

/// ```text
/// LPOP key [count]
/// ```
/// Without a count: the element, or a null bulk. With one: an array (empty for count
/// 0), or a null array when the key does not exist.
pub fn lpop(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    pop_generic(ctx, args, out, true)
}

/// ```text
/// RPOP key [count]
/// ```
/// As LPOP, from the tail (the last element first).
pub fn rpop(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    pop_generic(ctx, args, out, false)
}

/// ```text
/// LLEN key
/// ```
pub fn llen(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let n = list_ref(ctx, ctx.slot, args[1])?.map(|l| l.len());
    stat(ctx, n.is_some());
    out.int(n.unwrap_or(0) as i64);
    Ok(())
}

/// ```text
/// LRANGE key start stop
/// ```
pub fn lrange(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let start = arg_i64(args[2])?;
    let end = arg_i64(args[3])?;
    let hit = match list_ref(ctx, ctx.slot, args[1])? {
        None => {
            out.array(0);
            false
        }
        Some(l) => {
            match clamp_range(start, end, l.len()) {
                None => out.array(0),
                Some((s, e)) => {
                    out.array(e - s + 1);
                    for v in l.range(s, e) {
                        out.bulk(v);
                    }
                }
            }
            true
        }
    };
    stat(ctx, hit);
    Ok(())
}

/// ```text
/// LINDEX key index
/// ```
/// The key is looked up before the index is parsed (a missing key answers null even
/// for a malformed index), as in Redis.
pub fn lindex(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let hit = match list_ref(ctx, ctx.slot, args[1])? {
        None => {
            out.null();
            false
        }
        Some(l) => {
            let index = arg_i64(args[2])?;
            match resolve_index(index, l.len()).and_then(|i| l.get(i)) {
                Some(v) => out.bulk(v),
                None => out.null(),
            }
            true
        }
    };
    stat(ctx, hit);
    Ok(())
}

/// ```text
/// LSET key index element
/// ```
pub fn lset(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let Some(l) = list_mut(ctx, ctx.slot, args[1])? else {
        return Err(CmdError::NoSuchKey);
    };
    let index = arg_i64(args[2])?;
    // Redis checks the encoding for the new element before checking the index.
    l.grow(args[3].len());
    match resolve_index(index, l.len()) {
        Some(i) => {
            l.set(i, args[3]);
            out.ok();
            Ok(())
        }
        None => Err(CmdError::msg("index out of range")),
    }
}

/// ```text
/// LINSERT key <BEFORE | AFTER> pivot element
/// ```
/// The new length, -1 when the pivot is not found, 0 when the key does not exist.
pub fn linsert(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let before = if eq_ic(args[2], "after") {
        false
    } else if eq_ic(args[2], "before") {
        true
    } else {
        return Err(CmdError::Syntax);
    };
    let Some(l) = list_mut(ctx, ctx.slot, args[1])? else {
        out.int(0);
        return Ok(());
    };
    l.grow(args[4].len());
    match l.position(args[3]) {
        Some(i) => {
            l.insert_at(i, args[4], !before);
            out.int(l.len() as i64);
        }
        None => out.int(-1),
    }
    Ok(())
}

/// ```text
/// LREM key count element
/// ```
/// count > 0: the first `count` matches from the head; < 0: from the tail; 0: all.
pub fn lrem(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let count = arg_i64(args[2])?;
    let (slot, key) = (ctx.slot, args[1]);
    let Some(l) = list_mut(ctx, slot, key)? else {
        out.int(0);
        return Ok(());
    };
    let limit = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    let removed = l.remove_eq(args[3], limit, count < 0);
    delete_if_empty(ctx, slot, key);
    out.int(removed as i64);
    Ok(())
}

/// ```text
/// LTRIM key start stop
/// ```
pub fn ltrim(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let start = arg_i64(args[2])?;
    let end = arg_i64(args[3])?;
    let (slot, key) = (ctx.slot, args[1]);
    if let Some(l) = list_mut(ctx, slot, key)? {
        match clamp_range(start, end, l.len()) {
            Some((s, e)) => l.retain_range(s, e + 1),
            None => l.retain_range(0, 0),
        }
        delete_if_empty(ctx, slot, key);
    }
    out.ok();
    Ok(())
}

/// ```text
/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
/// ```
/// The index of the rank-th match (negative rank: counting from the tail), or with
/// COUNT an array of up to `num-matches` indexes (0: all); MAXLEN bounds how many
/// elements are compared. Options are checked before the key.
pub fn lpos(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let ele = args[2];
    let (mut rank, mut count, mut maxlen): (i64, i64, i64) = (1, -1, 0);
    let mut j = 3;
    while j < args.len() {
        let more = args.len() - 1 - j;
        let opt = args[j];
        if eq_ic(opt, "rank") && more > 0 {
            j += 1;
            rank = arg_i64(args[j])?;
            if rank == i64::MIN {
                // Redis 7.2 (7.0 overflowed negating it).
                return Err(CmdError::msg(
                    "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
                ));
            }
            if rank == 0 {
                return Err(CmdError::msg(
                    "RANK can't be zero: use 1 to start from the first match, 2 from the \
                     second ... or use negative to start from the end of the list",
                ));
            }
        } else if eq_ic(opt, "count") && more > 0 {
            j += 1;
            count = arg_range(args[j], 0, i64::MAX, "COUNT can't be negative")?;
        } else if eq_ic(opt, "maxlen") && more > 0 {
            j += 1;
            maxlen = arg_range(args[j], 0, i64::MAX, "MAXLEN can't be negative")?;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let from_tail = rank < 0;
    let rank = rank.unsigned_abs();
    let Some(l) = list_ref(ctx, ctx.slot, args[1])? else {
        if count != -1 {
            out.array(0);
        } else {
            out.null();
        }
        stat(ctx, false);
        return Ok(());
    };
    let llen = l.len();
    let scan = if maxlen == 0 {
        llen
    } else {
        llen.min(maxlen as usize)
    };
    let wanted = if count > 0 { count as u64 } else { u64::MAX };
    let mut found: Vec<usize> = Vec::new();
    let mut matches: u64 = 0;
    let mut step = |index: usize, v: &[u8]| -> bool {
        if v != ele {
            return true;
        }
        matches += 1;
        if matches < rank {
            return true;
        }
        let pos = if from_tail { llen - index - 1 } else { index };
        found.push(pos);
        count != -1 && (found.len() as u64) < wanted
    };
    if from_tail {
        for (i, v) in l.iter().rev().take(scan).enumerate() {
            if !step(i, v) {
                break;
            }
        }
    } else {
        for (i, v) in l.iter().take(scan).enumerate() {
            if !step(i, v) {
                break;
            }
        }
    }
    if count != -1 {
        out.array(found.len());
        for p in &found {
            out.int(*p as i64);
        }
    } else {
        match found.first() {
            Some(p) => out.int(*p as i64),
            None => out.null(),
        }
    }
    stat(ctx, true);
    Ok(())
}

/// ```text
/// LMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT>
/// ```
pub fn lmove_cmd(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let from_left = parse_side(args[3])?;
    let to_left = parse_side(args[4])?;
    match lmove(ctx, args[1], args[2], from_left, to_left)? {
        Some(v) => out.bulk(&v),
        None => out.null(),
    }
    Ok(())
}

/// ```text
/// RPOPLPUSH source destination
/// ```
pub fn rpoplpush(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    match lmove(ctx, args[1], args[2], false, true)? {
        Some(v) => out.bulk(&v),
        None => out.null(),
    }
    Ok(())
}

/// ```text
/// LMPOP numkeys key [key ...] <LEFT | RIGHT> [COUNT count]
/// ```
/// `[key, [elements...]]` from the first non-empty list, or a null array.
pub fn lmpop(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let a = parse_mpop(args, 1)?;
    match mpop(ctx, a.keys, a.left, a.count)? {
        Some((i, v)) => reply_key_elements(out, a.keys[i], &v),
        None => out.null_array(),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a<'a>(v: &'a [&'a str]) -> Vec<&'a [u8]> {
        v.iter().map(|s| s.as_bytes()).collect()
    }

    #[test]
    fn index_resolution() {
        assert_eq!(resolve_index(0, 3), Some(0));
        assert_eq!(resolve_index(2, 3), Some(2));
        assert_eq!(resolve_index(3, 3), None);
        assert_eq!(resolve_index(-1, 3), Some(2));
        assert_eq!(resolve_index(-3, 3), Some(0));
        assert_eq!(resolve_index(-4, 3), None);
        assert_eq!(resolve_index(i64::MIN, 3), None);
        assert_eq!(resolve_index(i64::MAX, 3), None);
    }

    #[test]
    fn ranges() {
        assert_eq!(clamp_range(0, -1, 5), Some((0, 4)));
        assert_eq!(clamp_range(-100, 100, 5), Some((0, 4)));
        assert_eq!(clamp_range(3, 1, 5), None);
        assert_eq!(clamp_range(5, 10, 5), None);
        assert_eq!(clamp_range(-2, -1, 5), Some((3, 4)));
        assert_eq!(clamp_range(i64::MIN, i64::MAX, 5), Some((0, 4)));
        assert_eq!(clamp_range(0, i64::MIN, 5), None);
    }

    #[test]
    fn mpop_parsing() {
        let args = a(&["lmpop", "2", "a", "b", "left", "count", "3"]);
        let p = parse_mpop(&args, 1).unwrap();
        assert_eq!(p.keys, &a(&["a", "b"])[..]);
        assert!(p.left);
        assert_eq!(p.count, 3);
        let e = |v: &[&str]| parse_mpop(&a(v), 1).unwrap_err().text().into_owned();
        assert_eq!(
            e(&["lmpop", "0", "a", "left"]),
            "ERR numkeys should be greater than 0"
        );
        assert_eq!(
            e(&["lmpop", "x", "a", "left"]),
            "ERR numkeys should be greater than 0"
        );
        assert_eq!(e(&["lmpop", "2", "a", "left"]), "ERR syntax error");
        assert_eq!(e(&["lmpop", "1", "a", "up"]), "ERR syntax error");
        assert_eq!(
            e(&["lmpop", "1", "a", "left", "count", "0"]),
            "ERR count should be greater than 0"
        );
        assert_eq!(
            e(&["lmpop", "1", "a", "left", "count", "1", "count", "1"]),
            "ERR syntax error"
        );
        assert_eq!(
            e(&["lmpop", "9223372036854775807", "a", "left"]),
            "ERR syntax error"
        );
    }

    #[test]
    fn mpop_key_positions() {
        let k = |v: &[&str]| lmpop_keys(&a(v)).map(|p| p.to_vec());
        assert_eq!(k(&["lmpop", "2", "a", "b", "left"]), Some(vec![2, 3]));
        assert_eq!(k(&["lmpop", "2", "a", "b"]), Some(vec![2, 3]));
        assert_eq!(k(&["lmpop", "3", "a", "b"]), None);
        assert_eq!(k(&["lmpop", "0", "a", "b"]), None);
        assert_eq!(k(&["lmpop", "1x", "a", "b"]), Some(vec![2]));
        assert_eq!(k(&["lmpop", "x", "a", "b"]), None);
    }
}
