//! A connection's own state: PING, ECHO, HELLO (protocol and handshake), AUTH, SELECT,
//! QUIT and RESET. Each changes or answers only the calling client's `ClientState`;
//! other connections are CLIENT's business (client.rs).

use super::{R, REDIS_VERSION};
use crate::command::{arg_i64, eq_ic, ClientState, CmdError, Ctx};
use crate::resp::{Proto, Reply};

/// ```text
/// PING [message]
/// ```
pub(crate) fn ping(_ctx: &mut Ctx, c: &mut ClientState, args: &[&[u8]], out: &mut Reply) -> R {
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
pub(crate) fn echo(_ctx: &mut Ctx, _c: &mut ClientState, args: &[&[u8]], out: &mut Reply) -> R {
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

pub(super) fn valid_name(name: &[u8]) -> bool {
    name.iter().all(|&c| (b'!'..=b'~').contains(&c))
}

/// ```text
/// HELLO [protover [AUTH username password] [SETNAME clientname]]
/// ```
pub(crate) fn hello(ctx: &mut Ctx, c: &mut ClientState, args: &[&[u8]], out: &mut Reply) -> R {
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
pub(crate) fn auth(ctx: &mut Ctx, c: &mut ClientState, args: &[&[u8]], out: &mut Reply) -> R {
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
pub(crate) fn select(ctx: &mut Ctx, _c: &mut ClientState, args: &[&[u8]], out: &mut Reply) -> R {
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
pub(crate) fn quit(_ctx: &mut Ctx, c: &mut ClientState, _args: &[&[u8]], out: &mut Reply) -> R {
    c.close_after_reply = true;
    out.ok();
    Ok(())
}

/// ```text
/// RESET
/// ```
pub(crate) fn reset(ctx: &mut Ctx, c: &mut ClientState, _args: &[&[u8]], out: &mut Reply) -> R {
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
