//! Every error a command can answer, and the one function that spells them.
//! Texts are byte-exact with Redis 7.

use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CmdError {
    WrongType,
    Syntax,
    NotInteger,
    NotFloat,
    Overflow,
    NoSuchKey,
    /// `wrong number of arguments for '<name>' command` (name lower-case, `a|b` for subs).
    WrongArity(String),
    UnknownCommand(String),
    /// `unknown subcommand '<sub>'. Try <CMD> HELP.`
    UnknownSubcommand {
        sub: String,
        cmd: String,
    },
    InvalidExpire(&'static str),
    NoAuth,
    WrongPass,
    StringTooLong,
    /// Any other `-ERR ...` text (without the `ERR ` prefix).
    Err(Cow<'static, str>),
    /// A complete error line with its own prefix (e.g. `NOPROTO ...`, `BUSYKEY ...`).
    Raw(Cow<'static, str>),
    /// Cluster: the slot is served by another node (`endpoint:port`).
    Moved {
        slot: u16,
        addr: String,
    },
    /// Cluster: the slot is being migrated to another node; ask it once.
    Ask {
        slot: u16,
        addr: String,
    },
    /// Cluster: the keys of one command are in different slots.
    CrossSlot,
    /// Cluster: some keys of a multi-key command are missing during a migration.
    TryAgain,
    /// Cluster: this node does not serve the command now.
    ClusterDown(Down),
    /// Not an error: a blocking command found nothing to serve and waits until the
    /// absolute unix-ms deadline (None: forever). The shard loop parks the client.
    WouldBlock {
        deadline: Option<u64>,
    },
}

/// Why a cluster node refuses a keyed command (the three `-CLUSTERDOWN` texts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Down {
    /// No node owns the slot.
    Unbound,
    /// cluster_state is fail.
    Fail,
    /// cluster_state is fail and only reads are allowed (a write was sent).
    ReadOnly,
}

impl CmdError {
    pub fn msg(s: impl Into<Cow<'static, str>>) -> Self {
        CmdError::Err(s.into())
    }

    /// The error line without the leading '-' and trailing CRLF.
    pub fn text(&self) -> Cow<'static, str> {
        match self {
            CmdError::WrongType => {
                "WRONGTYPE Operation against a key holding the wrong kind of value".into()
            }
            CmdError::Syntax => "ERR syntax error".into(),
            CmdError::NotInteger => "ERR value is not an integer or out of range".into(),
            CmdError::NotFloat => "ERR value is not a valid float".into(),
            CmdError::Overflow => "ERR increment or decrement would overflow".into(),
            CmdError::NoSuchKey => "ERR no such key".into(),
            CmdError::WrongArity(n) => {
                format!("ERR wrong number of arguments for '{n}' command").into()
            }
            CmdError::UnknownCommand(s) => s.clone().into(),
            CmdError::UnknownSubcommand { sub, cmd } => {
                format!("ERR unknown subcommand '{sub}'. Try {cmd} HELP.").into()
            }
            CmdError::InvalidExpire(cmd) => {
                format!("ERR invalid expire time in '{cmd}' command").into()
            }
            CmdError::NoAuth => "NOAUTH Authentication required.".into(),
            CmdError::WrongPass => {
                "WRONGPASS invalid username-password pair or user is disabled.".into()
            }
            CmdError::StringTooLong => {
                "ERR string exceeds maximum allowed size (proto-max-bulk-len)".into()
            }
            CmdError::Err(s) => format!("ERR {s}").into(),
            CmdError::Raw(s) => s.clone(),
            CmdError::Moved { slot, addr } => format!("MOVED {slot} {addr}").into(),
            CmdError::Ask { slot, addr } => format!("ASK {slot} {addr}").into(),
            CmdError::CrossSlot => "CROSSSLOT Keys in request don't hash to the same slot".into(),
            CmdError::TryAgain => "TRYAGAIN Multiple keys request during rehashing of slot".into(),
            CmdError::ClusterDown(Down::Unbound) => "CLUSTERDOWN Hash slot not served".into(),
            CmdError::ClusterDown(Down::Fail) => "CLUSTERDOWN The cluster is down".into(),
            CmdError::ClusterDown(Down::ReadOnly) => {
                "CLUSTERDOWN The cluster is down and only accepts read commands".into()
            }
            CmdError::WouldBlock { .. } => "ERR blocking command could not block here".into(),
        }
    }
}

/// An argument as C's `%.Ns` prints it: up to the first NUL byte, at most `max` bytes.
pub fn c_str(a: &[u8], max: usize) -> std::borrow::Cow<'_, str> {
    let end = a.iter().position(|&b| b == 0).unwrap_or(a.len()).min(max);
    String::from_utf8_lossy(&a[..end])
}

/// Redis's text for an unknown command: the name and up to ~128 bytes of arguments,
/// each cut at a NUL byte as Redis's `%s` formatting does. (Bytes that are not UTF-8
/// come out as U+FFFD: error lines are `str` here, Redis copies them raw.)
pub fn unknown_command(args: &[&[u8]]) -> CmdError {
    let name = c_str(args[0], 128).into_owned();
    let mut rest = String::new();
    for a in &args[1..] {
        if rest.len() >= 128 {
            break;
        }
        let room = 128 - rest.len();
        rest.push('\'');
        rest.push_str(&c_str(a, room));
        rest.push_str("' ");
    }
    CmdError::UnknownCommand(format!(
        "ERR unknown command '{name}', with args beginning with: {rest}"
    ))
}
