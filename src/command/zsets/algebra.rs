//! Set algebra over sorted sets (and plain sets, whose members score 1): ZUNION,
//! ZINTER, ZDIFF, their STORE forms and ZINTERCARD, with WEIGHTS and AGGREGATE. The
//! inputs are moved out of the keyspace for the computation and put back after.

use super::score::parse_score;
use super::{long_arg, reply_members, sort_items, store_result, R};
use crate::command::{eq_ic, CmdError, Ctx};
use crate::resp::Reply;
use crate::slot::key_hash_slot;
use crate::store::{Db, SetValue, SmallBytes, Value, ZSetValue};

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
pub(super) fn zunion(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zsetop_generic(ctx, args, out, None, 1, SetOp::Union, false)
}

/// ```text
/// ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]]
///   [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
/// ```
pub(super) fn zinter(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zsetop_generic(ctx, args, out, None, 1, SetOp::Inter, false)
}

/// ```text
/// ZDIFF numkeys key [key ...] [WITHSCORES]
/// ```
pub(super) fn zdiff(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zsetop_generic(ctx, args, out, None, 1, SetOp::Diff, false)
}

/// ```text
/// ZINTERCARD numkeys key [key ...] [LIMIT limit]
/// ```
pub(super) fn zintercard(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zsetop_generic(ctx, args, out, None, 1, SetOp::Inter, true)
}

/// ```text
/// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]]
///   [AGGREGATE SUM | MIN | MAX]
/// ```
pub(super) fn zunionstore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zsetop_generic(ctx, args, out, Some(args[1]), 2, SetOp::Union, false)
}

/// ```text
/// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]]
///   [AGGREGATE SUM | MIN | MAX]
/// ```
pub(super) fn zinterstore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zsetop_generic(ctx, args, out, Some(args[1]), 2, SetOp::Inter, false)
}

/// ```text
/// ZDIFFSTORE destination numkeys key [key ...]
/// ```
pub(super) fn zdiffstore(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    zsetop_generic(ctx, args, out, Some(args[1]), 2, SetOp::Diff, false)
}
