//! Pops: ZPOPMIN, ZPOPMAX, ZMPOP, and the primitives the blocking variants (BZPOPMIN,
//! BZPOPMAX, BZMPOP in command/blocking.rs) reuse: popping from one key or the first
//! of several, the MPOP argument parser and the two reply shapes. What blocking.rs
//! calls is `pub(crate)` and re-exported by mod.rs.

use super::score::reply_score;
use super::{long_arg, zwrite, R};
use crate::command::{eq_ic, CmdError, Ctx};
use crate::resp::Reply;
use crate::slot::key_hash_slot;
use crate::store::SmallBytes;

/// Popped members with their scores, in pop order.
type Popped = Vec<(SmallBytes, f64)>;

/// Pop up to `count` members from the low (`max` false) or high end of the sorted set
/// at `key` (whose slot is `slot`), lowest/highest first. `Ok(None)` when the key does
/// not exist, WRONGTYPE for another type; the key is deleted once emptied. With
/// `count` 0 an existing sorted set is left alone and `Some(vec![])` returned.
fn pop_n(
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
pub(crate) fn mpop(
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
pub(crate) fn reply_key_member_score(out: &mut Reply, key: &[u8], member: &[u8], score: f64) {
    out.array(3);
    out.bulk(key);
    out.bulk(member);
    reply_score(out, score);
}

/// ZMPOP/BZMPOP's reply: `[key, [[member, score], ...]]`, nested under both protocols.
pub(crate) fn reply_key_pairs(out: &mut Reply, key: &[u8], items: &[(SmallBytes, f64)]) {
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
pub(super) fn zpopmin(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zpop_generic(ctx, args, out, false)
}

/// ```text
/// ZPOPMAX key [count]
/// ```
pub(super) fn zpopmax(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zpop_generic(ctx, args, out, true)
}

/// Parsed arguments of ZMPOP/BZMPOP after `numkeys`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MpopArgs<'a> {
    pub(crate) keys: &'a [&'a [u8]],
    /// Pop the highest scores (MAX) rather than the lowest (MIN).
    pub(crate) max: bool,
    pub(crate) count: usize,
}

/// Parse `numkeys key [key ...] MIN|MAX [COUNT count]` with `numkeys` at
/// `args[numkeys_idx]` (ZMPOP: 1, BZMPOP: 2), with Redis's errors.
pub(crate) fn parse_mpop<'a>(
    args: &'a [&'a [u8]],
    numkeys_idx: usize,
) -> Result<MpopArgs<'a>, CmdError> {
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
pub(super) fn zmpop(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let a = parse_mpop(args, 1)?;
    match mpop(ctx, a.keys, a.max, a.count)? {
        Some((i, items)) => reply_key_pairs(out, a.keys[i], &items),
        None => out.null_array(),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
