//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! These need the shard machinery (queued commands, watches registered on the shards
//! that own the keys), so the shard loop handles them itself (`shard::tx`); the table
//! entries here give them their arity, flags and docs.

use super::spec::{c, CommandSpec, RouteKind, ALLKEYS, NOKEY};
use super::{ClientState, CmdError, Ctx, Exec};
use crate::resp::Reply;

/// Never runs: the shard loop intercepts transaction commands before dispatch.
fn intercepted(
    _ctx: &mut Ctx,
    _c: &mut ClientState,
    _a: &[&[u8]],
    _out: &mut Reply,
) -> Result<(), CmdError> {
    Err(CmdError::msg("transaction command outside the shard loop"))
}

/// This family's commands.
pub static COMMANDS: &[CommandSpec] = &[
    c(
        "multi",
        1,
        "noscript loading stale fast allow_busy",
        NOKEY,
        Exec::Conn(intercepted),
        "transactions",
        "1.2.0",
        "Starts a transaction.",
    )
    .routed(RouteKind::Transaction),
    c(
        "exec",
        1,
        "noscript loading stale skip_slowlog",
        NOKEY,
        Exec::Conn(intercepted),
        "transactions",
        "1.2.0",
        "Executes all commands in a transaction.",
    )
    .routed(RouteKind::Transaction),
    c(
        "discard",
        1,
        "noscript loading stale fast allow_busy",
        NOKEY,
        Exec::Conn(intercepted),
        "transactions",
        "2.0.0",
        "Discards a transaction.",
    )
    .routed(RouteKind::Transaction),
    c(
        "watch",
        -2,
        "noscript loading stale fast allow_busy",
        ALLKEYS,
        Exec::Conn(intercepted),
        "transactions",
        "2.2.0",
        "Monitors changes to keys to determine the execution of a transaction.",
    )
    .routed(RouteKind::Transaction),
    c(
        "unwatch",
        1,
        "noscript loading stale fast allow_busy",
        NOKEY,
        Exec::Conn(intercepted),
        "transactions",
        "2.2.0",
        "Forgets about watched keys of a transaction.",
    )
    .routed(RouteKind::Transaction),
];
