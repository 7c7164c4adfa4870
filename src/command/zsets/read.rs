//! Reads that neither select a range nor combine keys: ZCARD, ZSCORE, ZMSCORE,
//! ZRANK/ZREVRANK, ZRANDMEMBER and ZSCAN.

use super::score::{fmt_listpack_score, fmt_score, reply_score};
use super::{long_arg, zread, R};
use crate::command::keys::parse_cursor;
use crate::command::{eq_ic, CmdError, Ctx};
use crate::resp::Reply;
use crate::store::glob::glob_match;

// ---- reads of single members ----

/// ```text
/// ZCARD key
/// ```
pub(super) fn zcard(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let n = zread(ctx.db, ctx.slot, args[1], ctx.now)?.map_or(0, |z| z.len());
    out.int(n as i64);
    Ok(())
}

/// ```text
/// ZSCORE key member
/// ```
pub(super) fn zscore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    match zread(ctx.db, ctx.slot, args[1], ctx.now)?.and_then(|z| z.score(args[2])) {
        Some(s) => reply_score(out, s),
        None => out.null(),
    }
    Ok(())
}

/// ```text
/// ZMSCORE key member [member ...]
/// ```
pub(super) fn zmscore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
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
pub(super) fn zrank(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zrank_generic(ctx, args, out, false)
}

/// ```text
/// ZREVRANK key member [WITHSCORE]
/// ```
pub(super) fn zrevrank(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
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

// ---- ZRANDMEMBER ----

/// ```text
/// ZRANDMEMBER key [count [WITHSCORES]]
/// ```
pub(super) fn zrandmember(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
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

// ---- ZSCAN ----

/// ```text
/// ZSCAN key cursor [MATCH pattern] [COUNT count]
/// ```
/// A listpack answers all its members at once (cursor 0), as Redis does; a skiplist's
/// cursor walks its node arena (see `store::zset`).
pub(super) fn zscan(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
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
