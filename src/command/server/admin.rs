//! Server administration outside CONFIG: TIME, LASTSAVE, SHUTDOWN and the DEBUG
//! subcommands.

use super::R;
use crate::command::keys::help_reply;
use crate::command::{arg_f64, arg_i64, eq_ic, ClientState, CmdError, Ctx};
use crate::resp::Reply;
use crate::shared::unix_us;
use std::sync::atomic::Ordering;

/// ```text
/// TIME
/// ```
pub(crate) fn time(_ctx: &mut Ctx, _c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
    let us = unix_us();
    out.array(2);
    out.bulk_int((us / 1_000_000) as i64);
    out.bulk_int((us % 1_000_000) as i64);
    Ok(())
}

/// ```text
/// LASTSAVE
/// ```
/// slotcore does not persist yet: this is the server's start time, when the (empty)
/// dataset was last "saved". Documented in the README.
pub(crate) fn lastsave(ctx: &mut Ctx, _c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
    out.int(ctx.shared.lastsave.load(Ordering::Relaxed));
    Ok(())
}

/// ```text
/// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
/// ```
pub(crate) fn shutdown(ctx: &mut Ctx, c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
    for x in &a[1..] {
        if eq_ic(x, "abort") {
            return Err(CmdError::msg("No shutdown in progress."));
        }
        if !(eq_ic(x, "nosave") || eq_ic(x, "save") || eq_ic(x, "now") || eq_ic(x, "force")) {
            return Err(CmdError::Syntax);
        }
    }
    let _ = out;
    c.close_after_reply = true;
    ctx.shared.shutdown.store(true, Ordering::Release);
    ctx.hooks.request_shutdown();
    Ok(())
}

/// ```text
/// DEBUG SLEEP seconds
/// ```
/// Blocks the connection's shard thread (Redis blocks the whole server).
pub(crate) fn debug_sleep(_ctx: &mut Ctx, _c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
    let secs = arg_f64(a[2])?;
    if secs > 0.0 {
        std::thread::sleep(std::time::Duration::from_secs_f64(secs.min(3600.0)));
    }
    out.ok();
    Ok(())
}

/// ```text
/// DEBUG SET-ACTIVE-EXPIRE <0 | 1>
/// ```
pub(crate) fn debug_set_active_expire(ctx: &mut Ctx, a: &[&[u8]], out: &mut Reply) -> R {
    let on = arg_i64(a[2])? != 0;
    ctx.db.active_expire_enabled = on;
    out.ok();
    Ok(())
}

pub(crate) fn debug_help(_ctx: &mut Ctx, _c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
    help_reply(
        out,
        "DEBUG",
        &[
            "SLEEP <seconds>",
            "    Stop the server for <seconds>. Decimals allowed.",
            "SET-ACTIVE-EXPIRE <0|1>",
            "    Setting it to 0 disables expiring keys in background when they are not",
            "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
            "    default.",
        ],
    );
    Ok(())
}
