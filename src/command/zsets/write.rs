//! Member-wise writes: ZADD, ZINCRBY (ZADD with INCR) and ZREM. Removing a range
//! (ZREMRANGEBY*) is in range.rs, popping (ZPOP*, ZMPOP) in pop.rs.

use super::score::{reply_score, score_arg};
use super::{limits, zwrite, R};
use crate::command::{eq_ic, CmdError, Ctx};
use crate::resp::Reply;
use crate::store::{Value, ZSetValue};

/// ```text
/// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
/// ```
pub(super) fn zadd(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zadd_generic(ctx, args, out, false)
}

/// ```text
/// ZINCRBY key increment member
/// ```
/// Redis runs it as ZADD with INCR: options are looked for at the increment's place
/// too (`ZINCRBY k nx m` is a syntax error).
pub(super) fn zincrby(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
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
pub(super) fn zrem(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
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
