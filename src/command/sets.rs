//! Set commands: SADD, SREM, SMEMBERS, SPOP, SINTER, SUNIONSTORE, SSCAN, ...
//!
//! Single-key commands run on the shard owning the key. The multi-key ones (SMOVE,
//! SINTER*, SUNION*, SDIFF*, SINTERCARD) are `Fanout::Whole`: they see every key they
//! name at once, either on the one shard owning them all or over a scratch keyspace
//! holding copies (see `shard`), so they compute each key's slot themselves.
//!
//! Results follow Redis 7.2 (listpack-encoded small sets): SUNION/SDIFF build their
//! result as Redis does (starting from an intset), so an all-integer result comes out
//! sorted; SINTER answers in the order of its smallest set; stored results get the
//! encoding Redis would give them.

use super::hashes::{empty_scan, limits, scan_options};
use super::keys::parse_cursor;
use super::spec::{c, CommandSpec, Positions, ALLKEYS, KEY1, KEY2};
use super::Exec::{Key, Multi};
use super::{arg_i64, eq_ic, CmdError, Ctx, Fanout};
use crate::resp::{parse_i64, Reply};
use crate::slot::key_hash_slot;
use crate::store::set::{Elem, SetLimits};
use crate::store::{Db, SetValue, Value};
use rand::Rng;

type R = Result<(), CmdError>;

/// This family's commands (chained into the command table by `spec::FAMILIES`).
#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    c("sadd", -3, "write denyoom fast", KEY1, Key(sadd), "set", "1.0.0", "Adds one or more members to a set. Creates the key if it doesn't exist."),
    c("srem", -3, "write fast", KEY1, Key(srem), "set", "1.0.0", "Removes one or more members from a set. Deletes the set if the last member was removed."),
    c("scard", 2, "readonly fast", KEY1, Key(scard), "set", "1.0.0", "Returns the number of members in a set."),
    c("sismember", 3, "readonly fast", KEY1, Key(sismember), "set", "1.0.0", "Determines whether a member belongs to a set."),
    c("smismember", -3, "readonly fast", KEY1, Key(smismember), "set", "6.2.0", "Determines whether multiple members belong to a set."),
    c("smembers", 2, "readonly", KEY1, Key(smembers), "set", "1.0.0", "Returns all members of a set."),
    c("spop", -2, "write fast", KEY1, Key(spop), "set", "1.0.0", "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped."),
    c("srandmember", -2, "readonly", KEY1, Key(srandmember), "set", "1.0.0", "Get one or multiple random members from a set"),
    c("smove", 4, "write fast", KEY2, Multi(smove, Fanout::Whole), "set", "1.0.0", "Moves a member from one set to another."),
    c("sinter", -2, "readonly", ALLKEYS, Multi(sinter, Fanout::Whole), "set", "1.0.0", "Returns the intersect of multiple sets."),
    c("sintercard", -3, "readonly movablekeys", (0, 0, 0), Multi(sintercard, Fanout::Whole), "set", "7.0.0", "Returns the number of members of the intersect of multiple sets.").with_keys(sintercard_keys),
    c("sinterstore", -3, "write denyoom", ALLKEYS, Multi(sinterstore, Fanout::Whole), "set", "1.0.0", "Stores the intersect of multiple sets in a key."),
    c("sunion", -2, "readonly", ALLKEYS, Multi(sunion, Fanout::Whole), "set", "1.0.0", "Returns the union of multiple sets."),
    c("sunionstore", -3, "write denyoom", ALLKEYS, Multi(sunionstore, Fanout::Whole), "set", "1.0.0", "Stores the union of multiple sets in a key."),
    c("sdiff", -2, "readonly", ALLKEYS, Multi(sdiff, Fanout::Whole), "set", "1.0.0", "Returns the difference of multiple sets."),
    c("sdiffstore", -3, "write denyoom", ALLKEYS, Multi(sdiffstore, Fanout::Whole), "set", "1.0.0", "Stores the difference of multiple sets in a key."),
    c("sscan", -3, "readonly", KEY1, Key(sscan), "set", "2.0.0", "Iterates over members of a set."),
];

/// Key positions of `SINTERCARD numkeys key [key ...] [LIMIT limit]`.
///
/// When `numkeys` is not a count of the keys that follow, the handler answers the
/// error; until the router can run a keyed command that has no keys (it currently
/// sends it to the connection-command path, which panics), such a call is routed by
/// the `numkeys` argument itself so that it reaches the handler.
fn sintercard_keys(args: &[&[u8]]) -> Option<Positions> {
    let n = args.get(1).and_then(|a| parse_i64(a)).unwrap_or(0);
    if n < 1 || n as u64 > args.len().saturating_sub(2) as u64 {
        return Some(if args.len() > 1 {
            Positions::from_slice(&[1])
        } else {
            Positions::new()
        });
    }
    Some((2..2 + n as usize).collect())
}

// ---- lookups ----

fn get_set<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a SetValue>, CmdError> {
    match ctx.db.get(ctx.slot, key, ctx.now) {
        None => Ok(None),
        Some(Value::Set(s)) => Ok(Some(s)),
        Some(_) => Err(CmdError::WrongType),
    }
}

fn set_mut<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut SetValue>, CmdError> {
    match ctx.db.get_mut(ctx.slot, key, ctx.now) {
        None => Ok(None),
        Some(Value::Set(s)) => Ok(Some(s)),
        Some(_) => Err(CmdError::WrongType),
    }
}

#[inline]
fn reply_elem(out: &mut Reply, e: Elem) {
    match e {
        Elem::Int(n) => out.bulk_int(n),
        Elem::Str(b) => out.bulk(b),
    }
}

/// A key taken out of the keyspace: slot, name, value and deadline (None: absent).
type TakenKey<'k> = (u16, &'k [u8], Option<(Value, Option<u64>)>);

/// The sets a multi-key command reads, taken out of the keyspace while it computes
/// (the keyspace lends one value at a time) and put back, deadlines included, when
/// dropped — also if the command panics.
struct Taken<'d, 'k> {
    db: &'d mut Db,
    now: u64,
    /// The distinct keys named.
    keys: Vec<TakenKey<'k>>,
}

impl<'d, 'k> Taken<'d, 'k> {
    /// Take the sets named by `names`; WRONGTYPE (nothing taken) if one holds another
    /// type. Also returns, per name, its index among the distinct keys.
    fn take(db: &'d mut Db, now: u64, names: &[&'k [u8]]) -> Result<(Self, Vec<usize>), CmdError> {
        for k in names {
            match db.get(key_hash_slot(k), k, now) {
                None | Some(Value::Set(_)) => {}
                Some(_) => return Err(CmdError::WrongType),
            }
        }
        let mut t = Taken {
            db,
            now,
            keys: Vec::with_capacity(names.len()),
        };
        let mut seen: hashbrown::HashMap<&[u8], usize, foldhash::fast::FixedState> =
            Default::default();
        let mut idx = Vec::with_capacity(names.len());
        for &k in names {
            if let Some(&i) = seen.get(k) {
                idx.push(i);
                continue;
            }
            let slot = key_hash_slot(k);
            let ttl = t.db.expire_of(slot, k);
            let v = t.db.remove(slot, k, now).map(|v| (v, ttl));
            seen.insert(k, t.keys.len());
            idx.push(t.keys.len());
            t.keys.push((slot, k, v));
        }
        Ok((t, idx))
    }

    fn set(&self, i: usize) -> Option<&SetValue> {
        match &self.keys[i].2 {
            Some((Value::Set(s), _)) => Some(s),
            _ => None,
        }
    }
}

impl Drop for Taken<'_, '_> {
    fn drop(&mut self) {
        for (slot, k, e) in self.keys.drain(..) {
            if e.is_some() {
                self.db.restore(slot, k, e, self.now);
            }
        }
    }
}

/// Store a computed set at `dst` (replacing any value and deadline), or delete `dst`
/// when the set is empty; answers the stored size.
fn store_result(ctx: &mut Ctx, dst: &[u8], s: SetValue, out: &mut Reply) {
    let slot = key_hash_slot(dst);
    if s.is_empty() {
        ctx.db.remove(slot, dst, ctx.now);
        out.int(0);
    } else {
        let n = s.len();
        ctx.db.set(slot, dst, Value::Set(s), false);
        out.int(n as i64);
    }
}

// ---- single-key commands ----

/// ```text
/// SADD key member [member ...]
/// ```
pub fn sadd(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let lim = limits(ctx.shared).set;
    let (slot, key, members) = (ctx.slot, args[1], &args[2..]);
    let mut added = 0;
    match ctx.db.get_mut(slot, key, ctx.now) {
        Some(Value::Set(s)) => {
            s.maybe_convert(members.len(), lim);
            for m in members {
                added += s.insert(m, lim) as i64;
            }
        }
        Some(_) => return Err(CmdError::WrongType),
        None => {
            let mut s = SetValue::create(members[0], members.len(), lim);
            for m in members {
                added += s.insert(m, lim) as i64;
            }
            ctx.db.set(slot, key, Value::Set(s), false);
        }
    }
    out.int(added);
    Ok(())
}

/// ```text
/// SREM key member [member ...]
/// ```
pub fn srem(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let Some(s) = set_mut(ctx, args[1])? else {
        out.int(0);
        return Ok(());
    };
    let mut n = 0;
    let mut empty = false;
    for m in &args[2..] {
        if s.remove(m) {
            n += 1;
            if s.is_empty() {
                empty = true;
                break;
            }
        }
    }
    if empty {
        ctx.db.remove(ctx.slot, args[1], ctx.now);
    }
    out.int(n);
    Ok(())
}

/// ```text
/// SCARD key
/// ```
pub fn scard(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let n = get_set(ctx, args[1])?.map_or(0, |s| s.len());
    out.int(n as i64);
    Ok(())
}

/// ```text
/// SISMEMBER key member
/// ```
pub fn sismember(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let yes = get_set(ctx, args[1])?.is_some_and(|s| s.contains(args[2]));
    out.int(yes as i64);
    Ok(())
}

/// ```text
/// SMISMEMBER key member [member ...]
/// ```
pub fn smismember(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let s = get_set(ctx, args[1])?;
    out.array(args.len() - 2);
    for m in &args[2..] {
        out.int(s.is_some_and(|s| s.contains(m)) as i64);
    }
    Ok(())
}

/// ```text
/// SMEMBERS key
/// ```
/// A set reply (RESP3 `~`): sorted for an intset, insertion order for a listpack.
pub fn smembers(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    match get_set(ctx, args[1])? {
        Some(s) => {
            out.set(s.len());
            for e in s.iter() {
                reply_elem(out, e);
            }
        }
        None => out.set(0),
    }
    Ok(())
}

/// SUNION of the given sets, built as Redis builds it: from an empty intset, adding
/// every member in order (so the result's encoding and order are Redis's).
fn union_of<'a>(sets: impl IntoIterator<Item = &'a SetValue>, lim: SetLimits) -> SetValue {
    let mut acc = SetValue::default();
    for s in sets {
        for e in s.iter() {
            acc.insert_elem(e, lim);
        }
    }
    acc
}

/// Parse SPOP's count: a non-negative integer.
fn positive_count(b: &[u8]) -> Result<usize, CmdError> {
    match parse_i64(b) {
        Some(n) if n >= 0 => Ok(n as usize),
        _ => Err(CmdError::msg("value is out of range, must be positive")),
    }
}

/// ```text
/// SPOP key [count]
/// ```
/// With a count: a set reply of distinct members; all of them (in SUNION order) when
/// count ≥ the set's size, and the key is then deleted.
pub fn spop(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let (slot, key, now) = (ctx.slot, args[1], ctx.now);
    if args.len() == 2 {
        let Some(s) = set_mut(ctx, key)? else {
            out.null();
            return Ok(());
        };
        let i = rand::thread_rng().gen_range(0..s.len());
        let m = s.take_nth(i);
        if s.is_empty() {
            ctx.db.remove(slot, key, now);
        }
        out.bulk(&m);
        return Ok(());
    }
    let count = positive_count(args[2])?;
    let lim = limits(ctx.shared).set;
    let Some(s) = set_mut(ctx, key)? else {
        out.set(0);
        return Ok(());
    };
    if count == 0 {
        out.set(0);
        return Ok(());
    }
    if count >= s.len() {
        let all = union_of([&*s], lim);
        ctx.db.remove(slot, key, now);
        out.set(all.len());
        for e in all.iter() {
            reply_elem(out, e);
        }
        return Ok(());
    }
    let mut rng = rand::thread_rng();
    out.set(count);
    for _ in 0..count {
        let i = rng.gen_range(0..s.len());
        out.bulk(&s.take_nth(i));
    }
    Ok(())
}

/// ```text
/// SRANDMEMBER key [count]
/// ```
/// With count ≥ 0: distinct members (the whole set, in its order, when count ≥ its
/// size); negative: |count| independent picks. Always an array reply, as in Redis.
pub fn srandmember(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let mut rng = rand::thread_rng();
    if args.len() == 2 {
        match get_set(ctx, args[1])? {
            Some(s) => reply_elem(out, s.nth(rng.gen_range(0..s.len()))),
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
    let Some(s) = get_set(ctx, args[1])? else {
        out.array(0);
        return Ok(());
    };
    let count = l.unsigned_abs() as usize;
    let size = s.len();
    if count == 0 {
        out.array(0);
    } else if l < 0 || count == 1 {
        // A listpack is read once into positions rather than walked per pick.
        let all: Option<Vec<Elem>> = s.is_listpack().then(|| s.iter().collect());
        out.array(count);
        for _ in 0..count {
            let i = rng.gen_range(0..size);
            reply_elem(out, all.as_ref().map_or_else(|| s.nth(i), |a| a[i]));
        }
    } else if count >= size {
        out.array(size);
        for e in s.iter() {
            reply_elem(out, e);
        }
    } else {
        let mut picks = rand::seq::index::sample(&mut rng, size, count).into_vec();
        let all: Option<Vec<Elem>> = s.is_listpack().then(|| {
            // Redis samples a listpack in its own order.
            picks.sort_unstable();
            s.iter().collect()
        });
        out.array(count);
        for i in picks {
            reply_elem(out, all.as_ref().map_or_else(|| s.nth(i), |a| a[i]));
        }
    }
    Ok(())
}

/// ```text
/// SSCAN key cursor [MATCH pattern] [COUNT count]
/// ```
/// An intset or listpack is returned whole with cursor 0, as Redis does. For a table
/// the cursor is a position in the order of a fixed hash of the members, as HSCAN
/// documents (`hashes::hscan`): a member present for the whole iteration is returned
/// exactly once.
pub fn sscan(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let cursor = parse_cursor(args[2])?;
    let Some(s) = get_set(ctx, args[1])? else {
        empty_scan(out);
        return Ok(());
    };
    let (pat, count) = scan_options(&args[3..])?;
    let (page, next) = s.scan(cursor, count.max(s.len() / 64));
    let page: Vec<Elem> = match pat {
        None => page,
        Some(p) => page
            .into_iter()
            .filter(|e| e.with_bytes(|b| crate::store::glob::glob_match(p, b)))
            .collect(),
    };
    out.array(2);
    out.bulk(itoa::Buffer::new().format(next).as_bytes());
    out.array(page.len());
    for e in page {
        reply_elem(out, e);
    }
    Ok(())
}

// ---- multi-key commands ----

/// ```text
/// SMOVE source destination member
/// ```
pub fn smove(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let (src, dst, m, now) = (args[1], args[2], args[3], ctx.now);
    let (ss, ds) = (key_hash_slot(src), key_hash_slot(dst));
    match ctx.db.get(ss, src, now) {
        None => {
            out.int(0);
            return Ok(());
        }
        Some(Value::Set(_)) => {}
        Some(_) => return Err(CmdError::WrongType),
    }
    if !matches!(ctx.db.get(ds, dst, now), None | Some(Value::Set(_))) {
        return Err(CmdError::WrongType);
    }
    let Some(Value::Set(s)) = ctx.db.get_mut(ss, src, now) else {
        unreachable!("checked above")
    };
    if src == dst {
        out.int(s.contains(m) as i64);
        return Ok(());
    }
    if !s.remove(m) {
        out.int(0);
        return Ok(());
    }
    if s.is_empty() {
        ctx.db.remove(ss, src, now);
    }
    let lim = limits(ctx.shared).set;
    match ctx.db.get_mut(ds, dst, now) {
        Some(Value::Set(d)) => {
            d.insert(m, lim);
        }
        _ => {
            let mut d = SetValue::create(m, 1, lim);
            d.insert(m, lim);
            ctx.db.set(ds, dst, Value::Set(d), false);
        }
    }
    out.int(1);
    Ok(())
}

/// SINTER / SINTERSTORE / SINTERCARD over `keys`: `dst` stores the result, `card`
/// answers its size only (stopping at `limit` when non-zero).
fn sinter_generic(
    ctx: &mut Ctx,
    keys: &[&[u8]],
    dst: Option<&[u8]>,
    card: bool,
    limit: usize,
    out: &mut Reply,
) -> R {
    let lim = limits(ctx.shared).set;
    let (taken, idx) = Taken::take(ctx.db, ctx.now, keys)?;
    let found: Option<Vec<&SetValue>> = idx.iter().map(|&i| taken.set(i)).collect();
    let Some(mut sets) = found else {
        // A missing key is an empty set: so is the intersection.
        drop(taken);
        match dst {
            Some(d) => store_result(ctx, d, SetValue::default(), out),
            None if card => out.int(0),
            None => out.set(0),
        }
        return Ok(());
    };
    // Smallest first (stable, as glibc's qsort for few sets), then probe the others.
    sets.sort_by_key(|s| s.len());
    let first = sets[0];
    let in_all = |e: Elem| {
        sets[1..]
            .iter()
            .all(|o| std::ptr::eq(*o, first) || o.contains_elem(e))
    };
    if card {
        let mut n = 0;
        for e in first.iter() {
            if in_all(e) {
                n += 1;
                if limit != 0 && n >= limit {
                    break;
                }
            }
        }
        out.int(n as i64);
        return Ok(());
    }
    let Some(dst) = dst else {
        let result: Vec<Elem> = first.iter().filter(|e| in_all(*e)).collect();
        out.set(result.len());
        for e in result {
            reply_elem(out, e);
        }
        return Ok(());
    };
    let mut acc = if first.is_intset() {
        SetValue::default()
    } else {
        SetValue::new_pack()
    };
    let mut only_ints = true;
    for e in first.iter().filter(|e| in_all(*e)) {
        only_ints &= e.as_int().is_some();
        acc.insert_elem(e, lim);
    }
    if only_ints {
        acc.intset_if_all_ints(lim);
    }
    drop(taken);
    store_result(ctx, dst, acc, out);
    Ok(())
}

/// SUNION / SDIFF (and their STORE forms) over `keys`, as Redis computes them
/// (including its choice of difference algorithm, which decides a stored result's
/// encoding).
fn sunion_diff(
    ctx: &mut Ctx,
    keys: &[&[u8]],
    dst: Option<&[u8]>,
    diff: bool,
    out: &mut Reply,
) -> R {
    let lim = limits(ctx.shared).set;
    let (taken, idx) = Taken::take(ctx.db, ctx.now, keys)?;
    let sets: Vec<Option<&SetValue>> = idx.iter().map(|&i| taken.set(i)).collect();
    let acc = if !diff {
        union_of(sets.iter().flatten().copied(), lim)
    } else {
        let mut acc = SetValue::default();
        let same = idx[1..].contains(&idx[0]);
        if let (Some(first), false) = (sets[0], same) {
            let others: Vec<&SetValue> = sets[1..].iter().flatten().copied().collect();
            let one = first.len() * (others.len() + 1) / 2;
            let two = first.len() + others.iter().map(|s| s.len()).sum::<usize>();
            if one <= two {
                // Algorithm 1: keep the members of the first set no other set has.
                let mut others = others;
                others.sort_by_key(|s| std::cmp::Reverse(s.len()));
                for e in first.iter() {
                    if !others.iter().any(|o| o.contains_elem(e)) {
                        acc.insert_elem(e, lim);
                    }
                }
            } else {
                // Algorithm 2: add the first set, remove the others.
                for e in first.iter() {
                    acc.insert_elem(e, lim);
                }
                for o in others {
                    if acc.is_empty() {
                        break;
                    }
                    for e in o.iter() {
                        acc.remove_elem(e);
                    }
                }
            }
        }
        acc
    };
    drop(taken);
    match dst {
        Some(d) => store_result(ctx, d, acc, out),
        None => {
            out.set(acc.len());
            for e in acc.iter() {
                reply_elem(out, e);
            }
        }
    }
    Ok(())
}

/// ```text
/// SINTER key [key ...]
/// ```
pub fn sinter(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    sinter_generic(ctx, &args[1..], None, false, 0, out)
}

/// ```text
/// SINTERSTORE destination key [key ...]
/// ```
pub fn sinterstore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    sinter_generic(ctx, &args[2..], Some(args[1]), false, 0, out)
}

/// ```text
/// SINTERCARD numkeys key [key ...] [LIMIT limit]
/// ```
pub fn sintercard(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let numkeys = match parse_i64(args[1]) {
        Some(n) if n >= 1 => n as u64,
        _ => return Err(CmdError::msg("numkeys should be greater than 0")),
    };
    if numkeys > (args.len() - 2) as u64 {
        return Err(CmdError::msg(
            "Number of keys can't be greater than number of args",
        ));
    }
    let end = 2 + numkeys as usize;
    let mut limit = 0;
    let mut i = end;
    while i < args.len() {
        if eq_ic(args[i], "limit") && i + 1 < args.len() {
            limit = match parse_i64(args[i + 1]) {
                Some(n) if n >= 0 => n as usize,
                _ => return Err(CmdError::msg("LIMIT can't be negative")),
            };
            i += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    sinter_generic(ctx, &args[2..end], None, true, limit, out)
}

/// ```text
/// SUNION key [key ...]
/// ```
pub fn sunion(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    sunion_diff(ctx, &args[1..], None, false, out)
}

/// ```text
/// SUNIONSTORE destination key [key ...]
/// ```
pub fn sunionstore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    sunion_diff(ctx, &args[2..], Some(args[1]), false, out)
}

/// ```text
/// SDIFF key [key ...]
/// ```
pub fn sdiff(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    sunion_diff(ctx, &args[1..], None, true, out)
}

/// ```text
/// SDIFFSTORE destination key [key ...]
/// ```
pub fn sdiffstore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    sunion_diff(ctx, &args[2..], Some(args[1]), true, out)
}
