//! Sorted set commands: ZADD, ZINCRBY, ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZCOUNT,
//! ZLEXCOUNT, the ZRANGE family and ZRANGESTORE, ZREMRANGEBY*, ZPOPMIN/ZPOPMAX, ZMPOP,
//! ZRANDMEMBER, ZUNION/ZINTER/ZDIFF(STORE), ZINTERCARD, ZSCAN.
//!
//! Replies, error texts and the order of checks follow Redis 7's t_zset.c (checked
//! byte for byte against redis-server 7.0.15 by tests/differential_zsets.rs), plus
//! ZRANK/ZREVRANK's WITHSCORE of 7.2. A sorted set that becomes empty is deleted.
//!
//! One family, one table, handlers in one file per role:
//!
//! ```text
//!  spec::FAMILIES ──▶ COMMANDS (this file) ──▶ write.rs    ZADD ZINCRBY ZREM
//!                                          ├─▶ pop.rs      ZPOPMIN ZPOPMAX ZMPOP
//!                                          ├─▶ read.rs     ZCARD ZSCORE ZMSCORE ZRANK
//!                                          │               ZRANDMEMBER ZSCAN
//!                                          ├─▶ range.rs    ZRANGE* ZRANGESTORE ZCOUNT
//!                                          │               ZLEXCOUNT ZREMRANGEBY*
//!                                          └─▶ algebra.rs  ZUNION ZINTER ZDIFF (STORE)
//!                                                          ZINTERCARD
//!  every part ──▶ score.rs (a score from and to text), this file (lookups, storing)
//!  blocking.rs (BZPOPMIN BZPOPMAX BZMPOP) ──▶ pop.rs (mpop, parse_mpop, the replies)
//! ```
//!
//! - this file: the command table, the key finders of the `numkeys` forms
//!   ([`numkeys_positions`]), and what the parts share: `zread`/`zwrite` (the sorted
//!   set at a key, or WRONGTYPE), `store_result` (the Z*STORE write), `limits` (the
//!   listpack thresholds from the config), `reply_members`, `long_arg`.
//! - `score.rs`: **scores** parsed like Redis: member scores and weights with
//!   `getDoubleFromObject` (glibc `strtod` over the whole argument; no leading space,
//!   no NaN, no overflow to ±inf or underflow to 0 from a non-zero literal:
//!   `parse_score`), range ends with `zslParseRange` (`strtod` up to a NUL, leading
//!   space allowed, `(` for exclusive: `parse_range_item`). They are replied with
//!   Redis 7.0's `%.17g` (`fmt_score`) — the reply encoder's `Reply::double` writes
//!   the shortest round-trip form instead, which is what Redis 7.2 does (see the
//!   function's doc).
//! - `range.rs`: rank, score and lex ranges (their arguments, LIMIT, the members
//!   they select) and the commands that read or remove one.
//! - `pop.rs`: pops. The blocking variants (BZPOPMIN, BZPOPMAX, BZMPOP) live with the
//!   shard's blocking machinery; they reuse, re-exported here: [`mpop`] (pop up to
//!   `count` members from the first of several keys that holds a sorted set),
//!   [`reply_key_member_score`] (BZPOPMIN/BZPOPMAX's `[key, member, score]`),
//!   [`reply_key_pairs`] (ZMPOP/BZMPOP's `[key, [[member, score], ...]]`),
//!   [`parse_mpop`], and [`numkeys_positions`] (the key finder of the `numkeys` form).
//! - `read.rs`, `write.rs`, `algebra.rs`: the other handlers, by what they do to the
//!   keyspace.
//!
//! The parts are child modules: they use this file's private helpers directly; a
//! function one part calls in another is `pub(super)`, and only what blocking.rs
//! calls is `pub(crate)`. Handlers use only `ctx.db` and compute each key's slot with
//! [`key_hash_slot`], so the multi-key ones run the same on the owning shard and over
//! the scratch keyspace of a cross-shard run.

mod algebra;
mod pop;
mod range;
mod read;
mod score;
mod write;

use super::spec::{c, CommandSpec, Positions, KEY1, KEY2};
use super::Exec::{Key, Multi};
use super::{CmdError, Ctx, Fanout};
use crate::resp::{parse_i64, Reply};
use crate::slot::key_hash_slot;
use crate::store::zset::ZLimits;
use crate::store::{Db, SmallBytes, Value, ZSetValue};
use algebra::{zdiff, zdiffstore, zinter, zintercard, zinterstore, zunion, zunionstore};
use pop::{zmpop, zpopmax, zpopmin};
use range::{
    zcount, zlexcount, zrange, zrangebylex, zrangebyscore, zrangestore, zremrangebylex,
    zremrangebyrank, zremrangebyscore, zrevrange, zrevrangebylex, zrevrangebyscore,
};
use read::{zcard, zmscore, zrandmember, zrank, zrevrank, zscan, zscore};
use score::reply_score;
use write::{zadd, zincrby, zrem};

pub(crate) use pop::{mpop, parse_mpop, reply_key_member_score, reply_key_pairs};

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
pub(crate) fn numkeys_positions(args: &[&[u8]], numkeys_idx: usize) -> Option<Positions> {
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

// ---- shared by the parts ----

/// A `long` argument; "value is not an integer or out of range", or `msg` when given.
fn long_arg(b: &[u8], msg: Option<&'static str>) -> Result<i64, CmdError> {
    parse_i64(b).ok_or_else(|| match msg {
        Some(m) => CmdError::msg(m),
        None => CmdError::NotInteger,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
