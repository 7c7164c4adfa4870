//! CLIENT and its subcommands: the caller's identity (ID, SETNAME, GETNAME, SETINFO,
//! NO-EVICT, INFO) and the commands over all connections (LIST, KILL, UNBLOCK), which
//! run on every shard through `ShardHooks` and whose replies are combined here. Also
//! the CLIENT LIST line, which the shards' hooks format with [`client_line`].

use super::connection::valid_name;
use super::R;
use crate::command::keys::help_reply;
use crate::command::{arg_i64, eq_ic, ClientFilter, ClientState, CmdError, Ctx};
use crate::resp::reply_parse::{self, Value as RV};
use crate::resp::{Proto, Reply};
use crate::shared::Shared;

/// ```text
/// CLIENT ID
/// ```
pub(crate) fn client_id(_ctx: &mut Ctx, c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
    out.int(c.id as i64);
    Ok(())
}

/// ```text
/// CLIENT SETNAME connection-name
/// ```
pub(crate) fn client_setname(
    _ctx: &mut Ctx,
    c: &mut ClientState,
    a: &[&[u8]],
    out: &mut Reply,
) -> R {
    if !valid_name(a[2]) {
        return Err(CmdError::msg(
            "Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    c.name = a[2].to_vec();
    out.ok();
    Ok(())
}

/// ```text
/// CLIENT GETNAME
/// ```
pub(crate) fn client_getname(
    _ctx: &mut Ctx,
    c: &mut ClientState,
    _a: &[&[u8]],
    out: &mut Reply,
) -> R {
    if c.name.is_empty() {
        out.null();
    } else {
        out.bulk(&c.name);
    }
    Ok(())
}

/// One CLIENT LIST / CLIENT INFO line (without the trailing newline), Redis 7.2's fields.
/// `flags` as Redis shows them: `N` for none, `b` blocked, `x` in MULTI, `P` pub/sub.
pub(crate) fn client_line(
    c: &ClientState,
    now: u64,
    qbuf: usize,
    omem: usize,
    flags: &str,
) -> String {
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf={} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll=0 omem={} tot-mem={} events=r cmd={} user=default redir=-1 resp={} lib-name={} lib-ver={}",
        c.id,
        c.addr,
        c.laddr,
        c.fd,
        String::from_utf8_lossy(&c.name),
        now.saturating_sub(c.created_ms) / 1000,
        now.saturating_sub(c.last_ms) / 1000,
        flags,
        qbuf,
        omem,
        qbuf + omem + 16384,
        c.last_cmd,
        if c.proto == Proto::Resp3 { 3 } else { 2 },
        String::from_utf8_lossy(&c.lib_name),
        String::from_utf8_lossy(&c.lib_ver),
    )
}

/// ```text
/// CLIENT INFO
/// ```
pub(crate) fn client_info(ctx: &mut Ctx, c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
    c.last_cmd = "client|info";
    let flags = if c.subs.is_some() { "P" } else { "N" };
    let mut line = client_line(c, ctx.now, 0, 0, flags);
    line.push('\n');
    out.verbatim(line.as_bytes());
    Ok(())
}

fn parse_client_filter(args: &[&[u8]], list: bool) -> Result<ClientFilter, CmdError> {
    let mut f = ClientFilter::default();
    let mut i = 2;
    while i < args.len() {
        if i + 1 >= args.len() {
            return Err(CmdError::Syntax);
        }
        let opt = args[i];
        let val = args[i + 1];
        if eq_ic(opt, "id") {
            let mut j = i + 1;
            while j < args.len() {
                let id = arg_i64(args[j]).map_err(|_| CmdError::msg("Invalid client ID"));
                match id {
                    Ok(id) if id > 0 => f.ids.push(id as u64),
                    _ if !list => return Err(CmdError::msg("client-id should be greater than 0")),
                    _ => return Err(CmdError::msg("Invalid client ID")),
                }
                j += 1;
                if !list {
                    break;
                }
            }
            i = j;
            continue;
        } else if eq_ic(opt, "type") {
            let t = String::from_utf8_lossy(val).to_ascii_lowercase();
            match t.as_str() {
                "normal" => f.type_normal = Some(true),
                "master" | "replica" | "slave" | "pubsub" => f.type_normal = Some(false),
                _ => {
                    return Err(CmdError::msg(format!(
                        "Unknown client type '{}'",
                        String::from_utf8_lossy(val)
                    )))
                }
            }
        } else if !list && eq_ic(opt, "addr") {
            f.addr = Some(String::from_utf8_lossy(val).into_owned());
        } else if !list && eq_ic(opt, "laddr") {
            f.laddr = Some(String::from_utf8_lossy(val).into_owned());
        } else if !list && eq_ic(opt, "skipme") {
            if eq_ic(val, "yes") {
                f.skip = Some(u64::MAX);
            } else if eq_ic(val, "no") {
                f.skip = None;
            } else {
                return Err(CmdError::Syntax);
            }
        } else if !list && eq_ic(opt, "maxage") {
            f.maxage = Some(arg_i64(val)?.max(0) as u64);
        } else if !list && (eq_ic(opt, "user")) {
            if val != b"default" {
                return Err(CmdError::msg(format!(
                    "No such user '{}'",
                    String::from_utf8_lossy(val)
                )));
            }
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    Ok(f)
}

/// ```text
/// CLIENT LIST [TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]
/// ```
/// Runs on every shard; each lists its own connections.
pub(crate) fn client_list(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let f = parse_client_filter(args, true)?;
    let mut s = String::new();
    ctx.hooks.client_list(&f, &mut s);
    out.bulk(s.as_bytes());
    Ok(())
}

pub(crate) fn client_list_combine(
    _s: &Shared,
    _c: &ClientState,
    _args: &[&[u8]],
    parts: &[Vec<u8>],
    out: &mut Reply,
) {
    let mut all = Vec::new();
    for p in parts {
        match reply_parse::parse(p) {
            Some(RV::Bulk(b)) => all.extend_from_slice(&b),
            Some(RV::Error(e)) => {
                out.error(&String::from_utf8_lossy(&e));
                return;
            }
            _ => {}
        }
    }
    // Redis lists clients by id.
    let text = String::from_utf8_lossy(&all).into_owned();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_by_key(|l| {
        l.strip_prefix("id=")
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
    });
    let mut s = String::new();
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    out.verbatim(s.as_bytes());
}

/// ```text
/// CLIENT KILL <ip:port | <[ID client-id] | [TYPE <...>] | [USER username] |
///   [ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>] | [MAXAGE maxage]> ...>
/// ```
/// Runs on every shard; answers the number killed there (old form: combined to +OK/error).
pub(crate) fn client_kill(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let mut f = if args.len() == 3 {
        ClientFilter {
            addr: Some(String::from_utf8_lossy(args[2]).into_owned()),
            ..Default::default()
        }
    } else {
        let mut f = parse_client_filter(args, false)?;
        // SKIPME defaults to yes in the new form.
        let skipme_no = args
            .windows(2)
            .any(|w| eq_ic(w[0], "skipme") && eq_ic(w[1], "no"));
        if !skipme_no {
            f.skip = Some(u64::MAX);
        }
        f
    };
    if f.skip.is_some() {
        f.skip = Some(ctx.caller);
    }
    out.int(ctx.hooks.client_kill(&f) as i64);
    Ok(())
}

pub(crate) fn client_kill_combine(
    _s: &Shared,
    _c: &ClientState,
    args: &[&[u8]],
    parts: &[Vec<u8>],
    out: &mut Reply,
) {
    let mut n = 0;
    for p in parts {
        match reply_parse::parse(p) {
            Some(RV::Int(k)) => n += k,
            Some(RV::Error(e)) => {
                out.error(&String::from_utf8_lossy(&e));
                return;
            }
            _ => {}
        }
    }
    if args.len() == 3 {
        if n > 0 {
            out.ok();
        } else {
            out.error("ERR No such client");
        }
    } else {
        out.int(n);
    }
}

/// ```text
/// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]
/// ```
/// Runs on every shard: the one where the client waits ends the wait.
pub(crate) fn client_unblock(ctx: &mut Ctx, a: &[&[u8]], out: &mut Reply) -> R {
    let id = arg_i64(a[2])?;
    let error = match a.get(3) {
        None => false,
        Some(o) if eq_ic(o, "timeout") => false,
        Some(o) if eq_ic(o, "error") => true,
        Some(_) => {
            return Err(CmdError::msg(
                "CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
            ))
        }
    };
    out.int(ctx.hooks.unblock(id as u64, error) as i64);
    Ok(())
}

/// 1 if any shard unblocked the client.
pub(crate) fn client_unblock_combine(
    _s: &Shared,
    _c: &ClientState,
    _args: &[&[u8]],
    parts: &[Vec<u8>],
    out: &mut Reply,
) {
    let mut n = 0;
    for p in parts {
        match reply_parse::parse(p) {
            Some(RV::Int(k)) => n += k,
            Some(RV::Error(e)) => {
                out.error(&String::from_utf8_lossy(&e));
                return;
            }
            _ => {}
        }
    }
    out.int((n > 0) as i64);
}

/// ```text
/// CLIENT SETINFO <LIB-NAME libname | LIB-VER libver>
/// ```
pub(crate) fn client_setinfo(
    _ctx: &mut Ctx,
    c: &mut ClientState,
    a: &[&[u8]],
    out: &mut Reply,
) -> R {
    let (attr, val) = (a[2], a[3]);
    let field = if eq_ic(attr, "lib-name") {
        "lib-name"
    } else if eq_ic(attr, "lib-ver") {
        "lib-ver"
    } else {
        return Err(CmdError::msg(format!(
            "Unrecognized option '{}'",
            String::from_utf8_lossy(attr)
        )));
    };
    if !valid_name(val) {
        return Err(CmdError::msg(format!(
            "{field} cannot contain spaces, newlines or special characters."
        )));
    }
    if field == "lib-name" {
        c.lib_name = val.to_vec();
    } else {
        c.lib_ver = val.to_vec();
    }
    out.ok();
    Ok(())
}

/// ```text
/// CLIENT NO-EVICT <ON | OFF>
/// ```
pub(crate) fn client_no_evict(
    _ctx: &mut Ctx,
    c: &mut ClientState,
    a: &[&[u8]],
    out: &mut Reply,
) -> R {
    if eq_ic(a[2], "on") {
        c.no_evict = true;
    } else if eq_ic(a[2], "off") {
        c.no_evict = false;
    } else {
        return Err(CmdError::Syntax);
    }
    out.ok();
    Ok(())
}

/// ```text
/// CLIENT HELP
/// ```
pub(crate) fn client_help(
    _ctx: &mut Ctx,
    _c: &mut ClientState,
    _a: &[&[u8]],
    out: &mut Reply,
) -> R {
    help_reply(
        out,
        "CLIENT",
        &[
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "    * ID <client-id>",
            "      Kill connections by client id.",
            "    * MAXAGE <maxage>",
            "      Kill connections older than the specified age.",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "NO-EVICT (ON|OFF)",
            "    Protect current client connection from eviction.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "SETINFO <option> <value>",
            "    Set client meta attr. Options are:",
            "    * LIB-NAME: the client lib name.",
            "    * LIB-VER: the client lib version.",
        ],
    );
    Ok(())
}
