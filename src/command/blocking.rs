//! Blocking commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX,
//! BZMPOP.
//!
//! Each handler tries once; when there is nothing to take it answers
//! `CmdError::WouldBlock` with its deadline, and the shard loop parks the client
//! (`shard::blocking`) and retries the handler when one of its keys is written. Inside
//! MULTI the loop answers the timeout reply instead of blocking, as Redis does.

use super::lists::{self, parse_mpop, parse_side, reply_key_elements};
use super::spec::{c, CommandSpec, Positions};
use super::zsets;
use super::{parse_timeout, CmdError, Ctx, Exec, Fanout};
use crate::resp::Reply;

type R = Result<(), CmdError>;

fn bpop(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply, left: bool) -> R {
    let deadline = parse_timeout(args[args.len() - 1], ctx.now)?;
    let keys = &args[1..args.len() - 1];
    match lists::mpop(ctx, keys, left, 1)? {
        Some((i, v)) => {
            out.array(2);
            out.bulk(keys[i]);
            out.bulk(v[0].as_slice());
            Ok(())
        }
        None => Err(CmdError::WouldBlock { deadline }),
    }
}

/// ```text
/// BLPOP key [key ...] timeout
/// ```
pub fn blpop(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    bpop(ctx, args, out, true)
}

/// ```text
/// BRPOP key [key ...] timeout
/// ```
pub fn brpop(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    bpop(ctx, args, out, false)
}

fn bmove(
    ctx: &mut Ctx,
    args: &[&[u8]],
    out: &mut Reply,
    from_left: bool,
    to_left: bool,
    timeout: &[u8],
) -> R {
    let deadline = parse_timeout(timeout, ctx.now)?;
    match lists::lmove(ctx, args[1], args[2], from_left, to_left)? {
        Some(v) => {
            out.bulk(&v);
            Ok(())
        }
        None => Err(CmdError::WouldBlock { deadline }),
    }
}

/// ```text
/// BLMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout
/// ```
pub fn blmove(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let from_left = parse_side(args[3])?;
    let to_left = parse_side(args[4])?;
    bmove(ctx, args, out, from_left, to_left, args[5])
}

/// ```text
/// BRPOPLPUSH source destination timeout
/// ```
pub fn brpoplpush(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    bmove(ctx, args, out, false, true, args[3])
}

/// ```text
/// BLMPOP timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]
/// ```
pub fn blmpop(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let m = parse_mpop(args, 2)?;
    let deadline = parse_timeout(args[1], ctx.now)?;
    match lists::mpop(ctx, m.keys, m.left, m.count)? {
        Some((i, v)) => {
            reply_key_elements(out, m.keys[i], &v);
            Ok(())
        }
        None => Err(CmdError::WouldBlock { deadline }),
    }
}

fn blmpop_keys(args: &[&[u8]]) -> Option<Positions> {
    lists::mpop_keys(args, 2)
}

fn bzpop(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply, max: bool) -> R {
    let deadline = parse_timeout(args[args.len() - 1], ctx.now)?;
    let keys = &args[1..args.len() - 1];
    match zsets::mpop(ctx, keys, max, 1)? {
        Some((i, v)) if !v.is_empty() => {
            zsets::reply_key_member_score(out, keys[i], v[0].0.as_slice(), v[0].1);
            Ok(())
        }
        _ => Err(CmdError::WouldBlock { deadline }),
    }
}

/// ```text
/// BZPOPMIN key [key ...] timeout
/// ```
pub fn bzpopmin(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    bzpop(ctx, args, out, false)
}

/// ```text
/// BZPOPMAX key [key ...] timeout
/// ```
pub fn bzpopmax(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    bzpop(ctx, args, out, true)
}

/// ```text
/// BZMPOP timeout numkeys key [key ...] <MIN | MAX> [COUNT count]
/// ```
pub fn bzmpop(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let m = zsets::parse_mpop(args, 2)?;
    let deadline = parse_timeout(args[1], ctx.now)?;
    match zsets::mpop(ctx, m.keys, m.max, m.count)? {
        Some((i, v)) if !v.is_empty() => {
            zsets::reply_key_pairs(out, m.keys[i], &v);
            Ok(())
        }
        _ => Err(CmdError::WouldBlock { deadline }),
    }
}

fn bzmpop_keys(args: &[&[u8]]) -> Option<Positions> {
    zsets::numkeys_positions(args, 2)
}

use Exec::Multi;

/// This family's commands.
pub static COMMANDS: &[CommandSpec] = &[
    c("blpop", -3, "write blocking", (1, -2, 1), Multi(blpop, Fanout::Whole), "list", "2.0.0", "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped."),
    c("brpop", -3, "write blocking", (1, -2, 1), Multi(brpop, Fanout::Whole), "list", "2.0.0", "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped."),
    c("blmove", 6, "write denyoom blocking", (1, 2, 1), Multi(blmove, Fanout::Whole), "list", "6.2.0", "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved."),
    c("brpoplpush", 4, "write denyoom noscript blocking", (1, 2, 1), Multi(brpoplpush, Fanout::Whole), "list", "2.2.0", "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped."),
    c("bzpopmin", -3, "write blocking fast", (1, -2, 1), Multi(bzpopmin, Fanout::Whole), "sorted-set", "5.0.0", "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped."),
    c("bzpopmax", -3, "write blocking fast", (1, -2, 1), Multi(bzpopmax, Fanout::Whole), "sorted-set", "5.0.0", "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped."),
    c("bzmpop", -5, "write blocking movablekeys", (0, 0, 0), Multi(bzmpop, Fanout::Whole), "sorted-set", "7.0.0", "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.").with_keys(bzmpop_keys),
    c("blmpop", -5, "write blocking movablekeys", (0, 0, 0), Multi(blmpop, Fanout::Whole), "list", "7.0.0", "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.").with_keys(blmpop_keys),
];
