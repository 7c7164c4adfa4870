//! Ranges of a sorted set: by rank, by score or by lex, their arguments (`min max`,
//! REV, BYSCORE/BYLEX, LIMIT), the members they select, and the commands built on one:
//! the ZRANGE family and ZRANGESTORE, ZCOUNT, ZLEXCOUNT and ZREMRANGEBY*.

use super::score::parse_range_item;
use super::{long_arg, reply_members, store_result, zread, zwrite, R};
use crate::command::{eq_ic, CmdError, Ctx};
use crate::resp::Reply;
use crate::slot::key_hash_slot;
use crate::store::zset::{LexBound, LexRange, ScoreRange};
use crate::store::{SmallBytes, ZSetValue};

// ---- range arguments ----

/// A `min max` score range; "min or max is not a float" otherwise.
fn parse_score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, CmdError> {
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
fn parse_lex_range(min: &[u8], max: &[u8]) -> Result<LexRange, CmdError> {
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

// ---- counts ----

/// ```text
/// ZCOUNT key min max
/// ```
pub(super) fn zcount(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
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
pub(super) fn zlexcount(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
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
pub(super) fn zrange(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zrange_generic(ctx, args, out, 1, None, RangeType::Auto, Direction::Auto)
}

/// ```text
/// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
/// ```
pub(super) fn zrangestore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
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
pub(super) fn zrevrange(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zrange_generic(ctx, args, out, 1, None, RangeType::Rank, Direction::Reverse)
}

/// ```text
/// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
/// ```
pub(super) fn zrangebyscore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
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
pub(super) fn zrevrangebyscore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
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
pub(super) fn zrangebylex(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zrange_generic(ctx, args, out, 1, None, RangeType::Lex, Direction::Forward)
}

/// ```text
/// ZREVRANGEBYLEX key max min [LIMIT offset count]
/// ```
pub(super) fn zrevrangebylex(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
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
pub(super) fn zremrangebyrank(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let b = Bounds::Rank(long_arg(args[2], None)?, long_arg(args[3], None)?);
    zremrange_generic(ctx, args, out, b)
}

/// ```text
/// ZREMRANGEBYSCORE key min max
/// ```
pub(super) fn zremrangebyscore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let b = Bounds::Score(parse_score_range(args[2], args[3])?);
    zremrange_generic(ctx, args, out, b)
}

/// ```text
/// ZREMRANGEBYLEX key min max
/// ```
pub(super) fn zremrangebylex(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let b = Bounds::Lex(parse_lex_range(args[2], args[3])?);
    zremrange_generic(ctx, args, out, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lex_range_items() {
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
}
