//! Connection and server commands: PING, HELLO, AUTH, CLIENT, INFO, CONFIG, COMMAND, ...

use super::keys::help_reply;
use super::spec::{self, CommandSpec};
use super::{arg_i64, eq_ic, ClientFilter, ClientState, CmdError, Ctx, Exec};
use crate::config::{self, Config};
use crate::resp::reply_parse::{self, Value as RV};
use crate::resp::{Proto, Reply};
use crate::shared::{unix_ms, unix_us, Shared};
use crate::store::glob::glob_match_nocase;
use std::sync::atomic::Ordering;

type R = Result<(), CmdError>;

/// The Redis version slotcore answers as (HELLO, INFO): the 7.2 protocol it implements.
pub const REDIS_VERSION: &str = "7.2.6";

/// ```text
/// PING [message]
/// ```
pub fn ping(_ctx: &mut Ctx, c: &mut ClientState, args: &[&[u8]], out: &mut Reply) -> R {
    if args.len() > 2 {
        return Err(CmdError::WrongArity("ping".into()));
    }
    if c.subs.is_some() && c.proto == Proto::Resp2 {
        // Subscribed mode (RESP2): PING answers like a push, ["pong", message].
        out.array(2);
        out.bulk(b"pong");
        out.bulk(args.get(1).copied().unwrap_or(b""));
        return Ok(());
    }
    match args.len() {
        1 => out.simple("PONG"),
        2 => out.bulk(args[1]),
        _ => return Err(CmdError::WrongArity("ping".into())),
    }
    Ok(())
}

/// ```text
/// ECHO message
/// ```
pub fn echo(_ctx: &mut Ctx, _c: &mut ClientState, args: &[&[u8]], out: &mut Reply) -> R {
    out.bulk(args[1]);
    Ok(())
}

fn check_password(ctx: &Ctx, user: &[u8], pass: &[u8]) -> bool {
    if user != b"default" {
        return false;
    }
    match &ctx.shared.cfg().requirepass {
        None => true,
        Some(p) => p.as_slice() == pass,
    }
}

fn valid_name(name: &[u8]) -> bool {
    name.iter().all(|&c| (b'!'..=b'~').contains(&c))
}

/// ```text
/// HELLO [protover [AUTH username password] [SETNAME clientname]]
/// ```
pub fn hello(ctx: &mut Ctx, c: &mut ClientState, args: &[&[u8]], out: &mut Reply) -> R {
    let mut proto = c.proto;
    if args.len() >= 2 {
        let v = arg_i64(args[1])
            .map_err(|_| CmdError::msg("Protocol version is not an integer or out of range"))?;
        if !(2..=3).contains(&v) {
            return Err(CmdError::Raw("NOPROTO unsupported protocol version".into()));
        }
        proto = if v == 3 { Proto::Resp3 } else { Proto::Resp2 };
    }
    let mut auth: Option<(&[u8], &[u8])> = None;
    let mut setname: Option<&[u8]> = None;
    let mut i = 2;
    while i < args.len() {
        let more = args.len() - i - 1;
        if eq_ic(args[i], "auth") && more >= 2 {
            auth = Some((args[i + 1], args[i + 2]));
            i += 3;
        } else if eq_ic(args[i], "setname") && more >= 1 {
            setname = Some(args[i + 1]);
            i += 2;
        } else {
            return Err(CmdError::msg(format!(
                "Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(args[i])
            )));
        }
    }
    if let Some((user, pass)) = auth {
        if !check_password(ctx, user, pass) {
            return Err(CmdError::WrongPass);
        }
        c.authed = true;
    }
    if !c.authed {
        return Err(CmdError::Raw("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time".into()));
    }
    if let Some(name) = setname {
        if !valid_name(name) {
            return Err(CmdError::msg(
                "Client names cannot contain spaces, newlines or special characters.",
            ));
        }
        c.name = name.to_vec();
    }
    c.proto = proto;
    out.proto = proto;
    out.map(7);
    out.bulk(b"server");
    out.bulk(b"redis");
    out.bulk(b"version");
    out.bulk(REDIS_VERSION.as_bytes());
    out.bulk(b"proto");
    out.int(if proto == Proto::Resp3 { 3 } else { 2 });
    out.bulk(b"id");
    out.int(c.id as i64);
    out.bulk(b"mode");
    out.bulk(if ctx.shared.cluster.is_some() {
        b"cluster"
    } else {
        b"standalone"
    });
    out.bulk(b"role");
    out.bulk(b"master");
    out.bulk(b"modules");
    out.array(0);
    Ok(())
}

/// ```text
/// AUTH [username] password
/// ```
pub fn auth(ctx: &mut Ctx, c: &mut ClientState, args: &[&[u8]], out: &mut Reply) -> R {
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    if args.len() == 2 && ctx.shared.cfg().requirepass.is_none() {
        return Err(CmdError::msg("AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"));
    }
    let (user, pass) = if args.len() == 3 {
        (args[1], args[2])
    } else {
        (&b"default"[..], args[1])
    };
    if !check_password(ctx, user, pass) {
        return Err(CmdError::WrongPass);
    }
    c.authed = true;
    out.ok();
    Ok(())
}

/// ```text
/// SELECT index
/// ```
/// slotcore has one database, as Redis Cluster does: index 0 is accepted, any other is
/// answered with Redis's out-of-range error.
pub fn select(ctx: &mut Ctx, _c: &mut ClientState, args: &[&[u8]], out: &mut Reply) -> R {
    let n = arg_i64(args[1])?;
    if n != 0 && ctx.shared.cluster.is_some() {
        return Err(CmdError::msg("SELECT is not allowed in cluster mode"));
    }
    if n != 0 {
        return Err(CmdError::msg("DB index is out of range"));
    }
    out.ok();
    Ok(())
}

/// ```text
/// QUIT
/// ```
pub fn quit(_ctx: &mut Ctx, c: &mut ClientState, _args: &[&[u8]], out: &mut Reply) -> R {
    c.close_after_reply = true;
    out.ok();
    Ok(())
}

/// ```text
/// RESET
/// ```
pub fn reset(ctx: &mut Ctx, c: &mut ClientState, _args: &[&[u8]], out: &mut Reply) -> R {
    if let Some(subs) = c.subs.take() {
        ctx.hooks.registry().drop_client(c.id, &subs);
    }
    c.proto = Proto::Resp2;
    out.proto = Proto::Resp2;
    c.name.clear();
    c.no_evict = false;
    c.asking = false;
    c.readonly = false;
    c.authed = ctx.shared.cfg().requirepass.is_none();
    out.simple("RESET");
    Ok(())
}

/// ```text
/// CLIENT ID
/// ```
pub fn client_id(_ctx: &mut Ctx, c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
    out.int(c.id as i64);
    Ok(())
}

/// ```text
/// CLIENT SETNAME connection-name
/// ```
pub fn client_setname(_ctx: &mut Ctx, c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
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
pub fn client_getname(_ctx: &mut Ctx, c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
    if c.name.is_empty() {
        out.null();
    } else {
        out.bulk(&c.name);
    }
    Ok(())
}

/// One CLIENT LIST / CLIENT INFO line (without the trailing newline), Redis 7.2's fields.
/// `flags` as Redis shows them: `N` for none, `b` blocked, `x` in MULTI, `P` pub/sub.
pub fn client_line(c: &ClientState, now: u64, qbuf: usize, omem: usize, flags: &str) -> String {
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
pub fn client_info(ctx: &mut Ctx, c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
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
pub fn client_list(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let f = parse_client_filter(args, true)?;
    let mut s = String::new();
    ctx.hooks.client_list(&f, &mut s);
    out.bulk(s.as_bytes());
    Ok(())
}

pub fn client_list_combine(
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
pub fn client_kill(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
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

pub fn client_kill_combine(
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
pub fn client_unblock(ctx: &mut Ctx, a: &[&[u8]], out: &mut Reply) -> R {
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
pub fn client_unblock_combine(
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
pub fn client_setinfo(_ctx: &mut Ctx, c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
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
pub fn client_no_evict(_ctx: &mut Ctx, c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
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
pub fn client_help(_ctx: &mut Ctx, _c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
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

/// ```text
/// TIME
/// ```
pub fn time(_ctx: &mut Ctx, _c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
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
pub fn lastsave(ctx: &mut Ctx, _c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
    out.int(ctx.shared.lastsave.load(Ordering::Relaxed));
    Ok(())
}

/// ```text
/// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
/// ```
pub fn shutdown(ctx: &mut Ctx, c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
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
pub fn debug_sleep(_ctx: &mut Ctx, _c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
    let secs = super::arg_f64(a[2])?;
    if secs > 0.0 {
        std::thread::sleep(std::time::Duration::from_secs_f64(secs.min(3600.0)));
    }
    out.ok();
    Ok(())
}

/// ```text
/// DEBUG SET-ACTIVE-EXPIRE <0 | 1>
/// ```
pub fn debug_set_active_expire(ctx: &mut Ctx, a: &[&[u8]], out: &mut Reply) -> R {
    let on = arg_i64(a[2])? != 0;
    ctx.db.active_expire_enabled = on;
    out.ok();
    Ok(())
}

pub fn debug_help(_ctx: &mut Ctx, _c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
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

// ---- CONFIG ----

/// ```text
/// CONFIG GET parameter [parameter ...]
/// ```
pub fn config_get(ctx: &mut Ctx, _c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
    let cfg = ctx.shared.cfg();
    // (name as answered, value). Like Redis: an exact name (no glob characters) is
    // looked up case-insensitively and answered as the client spelled it; a pattern
    // answers the canonical names it matches; a name is answered once.
    let mut pairs: Vec<(String, &str)> = Vec::new();
    let seen = |pairs: &Vec<(String, &str)>, k: &str| {
        pairs.iter().any(|(pk, _)| pk.eq_ignore_ascii_case(k))
    };
    for pat in &a[2..] {
        if !pat.iter().any(|c| matches!(c, b'[' | b'*' | b'?')) {
            let name = String::from_utf8_lossy(pat).into_owned();
            if seen(&pairs, &name) {
                continue;
            }
            if let Some(v) = cfg.values.get(&name.to_ascii_lowercase()) {
                pairs.push((name, v));
            }
            continue;
        }
        for (k, v) in cfg.values.iter() {
            if glob_match_nocase(pat, k.as_bytes()) && !seen(&pairs, k) {
                pairs.push((k.clone(), v));
            }
        }
    }
    out.map(pairs.len());
    for (k, v) in pairs {
        out.bulk(k.as_bytes());
        out.bulk(v.as_bytes());
    }
    Ok(())
}

/// ```text
/// CONFIG SET parameter value [parameter value ...]
/// ```
pub fn config_set(ctx: &mut Ctx, _c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
    if a.len() % 2 != 0 {
        return Err(CmdError::Syntax);
    }
    let failed = |arg: &str, why: &str| {
        CmdError::msg(format!(
            "CONFIG SET failed (possibly related to argument '{arg}') - {why}"
        ))
    };
    // Redis first checks every name (unknown, immutable, given twice: the first
    // problem in argument order wins, named as the client spelled it), then the values.
    let mut dirs: Vec<&'static config::Directive> = Vec::new();
    for kv in a[2..].chunks(2) {
        let name = String::from_utf8_lossy(kv[0]).into_owned();
        let Some(dir) = config::directive(&name) else {
            return Err(CmdError::msg(format!(
                "Unknown option or number of arguments for CONFIG SET - '{name}'"
            )));
        };
        if !dir.mutable {
            return Err(failed(&name, "can't set immutable config"));
        }
        if dirs.iter().any(|d| d.name == dir.name) {
            return Err(failed(&name, "duplicate parameter"));
        }
        dirs.push(dir);
    }
    let mut new: Config = (**ctx.shared.cfg()).clone();
    for (dir, kv) in dirs.iter().zip(a[2..].chunks(2)) {
        let value = String::from_utf8_lossy(kv[1]).into_owned();
        new.set(dir.name, &value)
            .map_err(|e| failed(dir.name, &e))?;
    }
    new.apply_all()
        .map_err(|e| CmdError::msg(format!("CONFIG SET failed - {e}")))?;
    ctx.shared.config.store(std::sync::Arc::new(new));
    out.ok();
    Ok(())
}

/// ```text
/// CONFIG RESETSTAT
/// ```
pub fn config_resetstat(ctx: &mut Ctx, _a: &[&[u8]], out: &mut Reply) -> R {
    ctx.db.hits = 0;
    ctx.db.misses = 0;
    ctx.db.expired_keys = 0;
    if ctx.shard == 0 {
        let s = ctx.shared;
        s.total_commands.store(0, Ordering::Relaxed);
        s.total_connections.store(0, Ordering::Relaxed);
        s.rejected_connections.store(0, Ordering::Relaxed);
        s.net_input_bytes.store(0, Ordering::Relaxed);
        s.net_output_bytes.store(0, Ordering::Relaxed);
        s.stat_reset_at.store(unix_ms(), Ordering::Relaxed);
    }
    out.ok();
    Ok(())
}

/// ```text
/// CONFIG REWRITE
/// ```
pub fn config_rewrite(ctx: &mut Ctx, _c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
    let path = &ctx.shared.config_file;
    if path.is_empty() {
        return Err(CmdError::msg("The server is running without a config file"));
    }
    let cfg = ctx.shared.cfg();
    let mut text = String::from("# Rewritten by slotcore CONFIG REWRITE\n");
    for d in config::DIRECTIVES {
        let v = cfg.values.get(d.name).map(String::as_str).unwrap_or("");
        if v != d.default {
            text.push_str(&format!("{} {}\n", d.name, quote_conf(v)));
        }
    }
    let tmp = format!("{path}.tmp-{}", std::process::id());
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| CmdError::msg(format!("Rewriting config file: {e}")))?;
    out.ok();
    Ok(())
}

fn quote_conf(v: &str) -> String {
    if v.is_empty() || v.contains([' ', '"', '\'']) {
        format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        v.to_string()
    }
}

pub fn config_help(_ctx: &mut Ctx, _c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
    help_reply(
        out,
        "CONFIG",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    );
    Ok(())
}

// ---- COMMAND ----

fn acl_categories(c: &CommandSpec) -> Vec<String> {
    let mut v = Vec::new();
    if c.has_flag("write") {
        v.push("@write".to_string());
    }
    if c.has_flag("readonly") {
        v.push("@read".to_string());
    }
    match c.group {
        "string" => v.push("@string".into()),
        "generic" => v.push("@keyspace".into()),
        "connection" => v.push("@connection".into()),
        "list" => v.push("@list".into()),
        "hash" => v.push("@hash".into()),
        "set" => v.push("@set".into()),
        "sorted-set" => v.push("@sortedset".into()),
        "pubsub" => v.push("@pubsub".into()),
        "transactions" => v.push("@transaction".into()),
        _ => {}
    }
    if c.blocking {
        v.push("@blocking".into());
    }
    if c.has_flag("admin") {
        v.push("@admin".into());
        v.push("@dangerous".into());
    }
    if c.has_flag("fast") {
        v.push("@fast".into());
    } else {
        v.push("@slow".into());
    }
    v
}

fn full_name(parent: Option<&CommandSpec>, c: &CommandSpec) -> String {
    match parent {
        Some(p) => format!("{}|{}", p.name, c.name),
        None => c.name.to_string(),
    }
}

fn write_info(out: &mut Reply, parent: Option<&CommandSpec>, c: &CommandSpec) {
    out.array(10);
    out.bulk(full_name(parent, c).as_bytes());
    out.int(c.arity as i64);
    let flags: Vec<&str> = c.flags.split(' ').filter(|f| !f.is_empty()).collect();
    out.set(flags.len());
    for f in flags {
        out.simple(f);
    }
    out.int(c.first_key as i64);
    out.int(c.last_key as i64);
    out.int(c.step as i64);
    let cats = acl_categories(c);
    out.set(cats.len());
    for cat in cats {
        out.simple(&cat);
    }
    // tips
    out.set(0);
    // key specs, derived from first/last/step
    if c.first_key > 0 {
        out.array(1);
        out.map(3);
        out.bulk(b"flags");
        let fl: &[&str] = if c.has_flag("write") {
            &["RW", "UPDATE"]
        } else {
            &["RO", "ACCESS"]
        };
        out.set(fl.len());
        for f in fl {
            out.simple(f);
        }
        out.bulk(b"begin_search");
        out.map(2);
        out.bulk(b"type");
        out.bulk(b"index");
        out.bulk(b"spec");
        out.map(1);
        out.bulk(b"index");
        out.int(c.first_key as i64);
        out.bulk(b"find_keys");
        out.map(2);
        out.bulk(b"type");
        out.bulk(b"range");
        out.bulk(b"spec");
        out.map(3);
        out.bulk(b"lastkey");
        out.int(if c.last_key < 0 {
            c.last_key as i64
        } else {
            (c.last_key - c.first_key) as i64
        });
        out.bulk(b"keystep");
        out.int(c.step as i64);
        out.bulk(b"limit");
        out.int(0);
    } else {
        out.array(0);
    }
    out.array(c.subcommands.len());
    for s in c.subcommands {
        write_info(out, Some(c), s);
    }
}

/// Resolve `name` or `parent|sub`.
fn find_any(name: &[u8]) -> Option<(Option<&'static CommandSpec>, &'static CommandSpec)> {
    if let Some(pos) = name.iter().position(|&b| b == b'|') {
        let p = spec::lookup(&name[..pos])?;
        let s = spec::lookup_sub(p, &name[pos + 1..])?;
        Some((Some(p), s))
    } else {
        spec::lookup(name).map(|c| (None, c))
    }
}

/// ```text
/// COMMAND
/// ```
pub fn command(_ctx: &mut Ctx, _c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
    out.array(spec::count());
    for c in spec::all() {
        write_info(out, None, c);
    }
    Ok(())
}

/// ```text
/// COMMAND COUNT
/// ```
pub fn command_count(_ctx: &mut Ctx, _c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
    out.int(spec::count() as i64);
    Ok(())
}

/// ```text
/// COMMAND INFO [command-name [command-name ...]]
/// ```
pub fn command_info(ctx: &mut Ctx, c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
    if a.len() == 2 {
        return command(ctx, c, a, out);
    }
    out.array(a.len() - 2);
    for name in &a[2..] {
        match find_any(name) {
            Some((p, s)) => write_info(out, p, s),
            None => out.null_array(),
        }
    }
    Ok(())
}

fn write_docs(out: &mut Reply, parent: Option<&CommandSpec>, c: &CommandSpec) {
    out.bulk(full_name(parent, c).as_bytes());
    let has_subs = !c.subcommands.is_empty();
    out.map(if has_subs { 4 } else { 3 });
    out.bulk(b"summary");
    out.bulk(c.summary.as_bytes());
    out.bulk(b"since");
    out.bulk(c.since.as_bytes());
    out.bulk(b"group");
    out.bulk(c.group.as_bytes());
    if has_subs {
        out.bulk(b"subcommands");
        out.map(c.subcommands.len());
        for s in c.subcommands {
            write_docs(out, Some(c), s);
        }
    }
}

/// ```text
/// COMMAND DOCS [command-name [command-name ...]]
/// ```
pub fn command_docs(_ctx: &mut Ctx, _c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
    if a.len() == 2 {
        out.map(spec::count());
        for c in spec::all() {
            write_docs(out, None, c);
        }
        return Ok(());
    }
    let found: Vec<_> = a[2..].iter().filter_map(|n| find_any(n)).collect();
    out.map(found.len());
    for (p, s) in found {
        write_docs(out, p, s);
    }
    Ok(())
}

/// ```text
/// COMMAND LIST [FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]
/// ```
pub fn command_list(_ctx: &mut Ctx, _c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
    let mut names: Vec<String> = Vec::new();
    for c in spec::all() {
        names.push(c.name.to_string());
        for s in c.subcommands {
            names.push(full_name(Some(c), s));
        }
    }
    if a.len() > 2 {
        if a.len() != 5 || !eq_ic(a[2], "filterby") {
            return Err(CmdError::Syntax);
        }
        let (kind, val) = (a[3], a[4]);
        if eq_ic(kind, "pattern") {
            names.retain(|n| glob_match_nocase(val, n.as_bytes()));
        } else if eq_ic(kind, "module") {
            names.clear();
        } else if eq_ic(kind, "aclcat") {
            let cat = format!("@{}", String::from_utf8_lossy(val).to_ascii_lowercase());
            names.retain(|n| {
                find_any(n.as_bytes()).is_some_and(|(_, s)| acl_categories(s).contains(&cat))
            });
        } else {
            return Err(CmdError::Syntax);
        }
    }
    out.array(names.len());
    for n in names {
        out.bulk(n.as_bytes());
    }
    Ok(())
}

/// ```text
/// COMMAND GETKEYS command [arg [arg ...]]
/// ```
pub fn command_getkeys(_ctx: &mut Ctx, _c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
    let args = &a[2..];
    let Some(mut cmd) = spec::lookup(args[0]) else {
        return Err(CmdError::msg("Invalid command specified"));
    };
    if matches!(cmd.exec, Exec::Container) && args.len() > 1 {
        match spec::lookup_sub(cmd, args[1]) {
            Some(s) => cmd = s,
            None => return Err(CmdError::msg("Invalid command specified")),
        }
    }
    // Redis 7.2 order: no keys at all, then the arity of the command examined.
    if cmd.first_key <= 0 && cmd.keys_fn.is_none() {
        return Err(CmdError::msg("The command has no key arguments"));
    }
    if !spec::arity_ok(cmd.arity, args.len()) {
        return Err(CmdError::msg(
            "Invalid number of arguments specified for command",
        ));
    }
    let keys = cmd.all_key_positions(args);
    if keys.is_empty() {
        return Err(CmdError::msg("The command has no key arguments"));
    }
    out.array(keys.len());
    for k in keys {
        out.bulk(args[k]);
    }
    Ok(())
}

pub fn command_help(_ctx: &mut Ctx, _c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
    help_reply(
        out,
        "COMMAND",
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
        ],
    );
    Ok(())
}

// ---- INFO ----

/// Per-shard part of INFO: `name:value` lines the combiner sums.
pub fn info_part(ctx: &mut Ctx, _a: &[&[u8]], out: &mut Reply) -> R {
    let s = format!(
        "keys:{}\nexpires:{}\nexpired_keys:{}\nkeyspace_hits:{}\nkeyspace_misses:{}\nclients:{}\ncommands:{}\nforwarded:{}\nport:{}\n",
        ctx.db.len(),
        ctx.db.volatile_len(),
        ctx.db.expired_keys,
        ctx.db.hits,
        ctx.db.misses,
        ctx.hooks.client_count(),
        ctx.hooks.commands_processed(),
        ctx.shared.forwarded[ctx.shard].load(Ordering::Relaxed),
        ctx.shared.shard_port(ctx.shard),
    );
    out.bulk(s.as_bytes());
    Ok(())
}

fn rusage(who: i32) -> (f64, f64) {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    unsafe { libc::getrusage(who, &mut ru) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    (t(ru.ru_utime), t(ru.ru_stime))
}

fn human(n: u64) -> String {
    let f = n as f64;
    if f >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}G", f / (1024.0 * 1024.0 * 1024.0))
    } else if f >= 1024.0 * 1024.0 {
        format!("{:.2}M", f / (1024.0 * 1024.0))
    } else if f >= 1024.0 {
        format!("{:.2}K", f / 1024.0)
    } else {
        format!("{n}B")
    }
}

/// Build the INFO text from every shard's part and the process-wide counters.
pub fn info_combine(
    s: &Shared,
    _c: &ClientState,
    args: &[&[u8]],
    parts: &[Vec<u8>],
    out: &mut Reply,
) {
    let mut sum = std::collections::HashMap::<String, i64>::new();
    for p in parts {
        if let Some(RV::Bulk(b)) = reply_parse::parse(p) {
            for line in String::from_utf8_lossy(&b).lines() {
                if let Some((k, v)) = line.split_once(':') {
                    *sum.entry(k.to_string()).or_default() += v.parse::<i64>().unwrap_or(0);
                }
            }
        }
    }
    let g = |k: &str| sum.get(k).copied().unwrap_or(0);
    let cfg = s.cfg();
    let mut wanted: Vec<String> = args[1..]
        .iter()
        .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
        .collect();
    let all = wanted.iter().any(|w| w == "all" || w == "everything");
    if wanted.is_empty() || wanted.iter().any(|w| w == "default") {
        wanted.extend(
            [
                "server",
                "clients",
                "memory",
                "persistence",
                "stats",
                "replication",
                "cpu",
                "cluster",
                "keyspace",
            ]
            .iter()
            .map(|x| x.to_string()),
        );
    }
    let want = |sec: &str| all || wanted.iter().any(|w| w == sec);
    let mut t = String::new();
    let uptime = s.started.elapsed().as_secs();
    if want("server") {
        t.push_str(&format!(
            "# Server\r\nredis_version:{REDIS_VERSION}\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:{}\r\nos:{}\r\narch_bits:64\r\nmonotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:io_uring\r\natomicvar_api:c11-builtin\r\ngcc_version:0.0.0\r\nprocess_id:{}\r\nprocess_supervised:no\r\nrun_id:{}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\nuptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:{}\r\nconfigured_hz:{}\r\nlru_clock:{}\r\nexecutable:{}\r\nconfig_file:{}\r\nio_threads_active:0\r\nslotcore_version:{}\r\nslotcore_shards:{}\r\n\r\n",
            if s.cluster.is_some() { "cluster" } else { "standalone" },
            std::env::consts::OS,
            std::process::id(),
            s.run_id,
            // Cluster mode: the one part is the shard-node's own.
            if s.cluster.is_some() { g("port") } else { cfg.port as i64 },
            unix_us(),
            uptime,
            uptime / 86400,
            cfg.hz,
            cfg.hz,
            (unix_ms() / 1000) & ((1 << 24) - 1),
            s.executable,
            s.config_file,
            env!("CARGO_PKG_VERSION"),
            s.nshards,
        ));
    }
    if want("clients") {
        t.push_str(&format!(
            "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\nclient_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\nblocked_clients:0\r\ntracking_clients:0\r\nclients_in_timeout_table:0\r\n\r\n",
            g("clients"),
            cfg.maxclients,
        ));
    }
    if want("memory") {
        // used_memory counts the bytes handed out at their allocation-class size (as
        // Redis's zmalloc); allocator_active is what mimalloc estimates it holds
        // (reserved, accessible pages), allocator_resident the process's RSS.
        let allocated = crate::alloc::allocated();
        let committed = crate::alloc::committed();
        let used = allocated;
        let rss = crate::alloc::rss();
        t.push_str(&format!(
            "# Memory\r\nused_memory:{used}\r\nused_memory_human:{}\r\nused_memory_rss:{rss}\r\nused_memory_rss_human:{}\r\nused_memory_peak:{}\r\nused_memory_peak_human:{}\r\nmaxmemory:{}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{}\r\nmem_fragmentation_ratio:{:.2}\r\nallocator_allocated:{allocated}\r\nallocator_active:{committed}\r\nallocator_resident:{rss}\r\nmem_allocator:mimalloc\r\nlazyfree_pending_objects:0\r\n\r\n",
            human(used),
            human(rss),
            crate::alloc::peak(),
            human(crate::alloc::peak()),
            cfg.maxmemory,
            human(cfg.maxmemory),
            cfg.values.get("maxmemory-policy").map(String::as_str).unwrap_or("noeviction"),
            if used > 0 { rss as f64 / used as f64 } else { 0.0 },
        ));
    }
    if want("persistence") {
        t.push_str(&format!(
            "# Persistence\r\nloading:0\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\nrdb_changes_since_last_save:0\r\nrdb_bgsave_in_progress:0\r\nrdb_last_save_time:{}\r\nrdb_last_bgsave_status:ok\r\naof_enabled:0\r\naof_rewrite_in_progress:0\r\naof_last_bgrewrite_status:ok\r\naof_last_write_status:ok\r\n\r\n",
            s.lastsave.load(Ordering::Relaxed),
        ));
    }
    if want("stats") {
        t.push_str(&format!(
            "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\ninstantaneous_ops_per_sec:0\r\ntotal_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\nrejected_connections:{}\r\nexpired_keys:{}\r\nevicted_keys:0\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\npubsub_channels:0\r\npubsub_patterns:0\r\ntotal_error_replies:0\r\nslotcore_forwarded_requests:{}\r\n\r\n",
            s.total_connections.load(Ordering::Relaxed),
            g("commands"),
            s.net_input_bytes.load(Ordering::Relaxed),
            s.net_output_bytes.load(Ordering::Relaxed),
            s.rejected_connections.load(Ordering::Relaxed),
            g("expired_keys"),
            g("keyspace_hits"),
            g("keyspace_misses"),
            g("forwarded"),
        ));
    }
    if want("replication") {
        t.push_str(&format!(
            "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\nmaster_replid:{}\r\nmaster_replid2:0000000000000000000000000000000000000000\r\nmaster_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\nrepl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0\r\n\r\n",
            s.run_id,
        ));
    }
    if want("cpu") {
        let (u, sy) = rusage(libc::RUSAGE_SELF);
        t.push_str(&format!(
            "# CPU\r\nused_cpu_sys:{sy:.6}\r\nused_cpu_user:{u:.6}\r\nused_cpu_sys_children:0.000000\r\nused_cpu_user_children:0.000000\r\n\r\n"
        ));
    }
    if want("cluster") {
        t.push_str(if s.cluster.is_some() {
            "# Cluster\r\ncluster_enabled:1\r\n\r\n"
        } else {
            "# Cluster\r\ncluster_enabled:0\r\n\r\n"
        });
    }
    if want("keyspace") {
        t.push_str("# Keyspace\r\n");
        if g("keys") > 0 {
            t.push_str(&format!(
                "db0:keys={},expires={},avg_ttl=0\r\n",
                g("keys"),
                g("expires")
            ));
        }
        t.push_str("\r\n");
    }
    // Redis ends the text with one CRLF, not two.
    if t.ends_with("\r\n\r\n") {
        t.truncate(t.len() - 2);
    }
    out.verbatim(t.as_bytes());
}
