//! Commands: the one static table ([`spec`]), routing ([`route`]), and one file per
//! family of handlers.
//!
//! Handlers are synchronous functions over one shard's data. A keyed handler sees the
//! shard that owns its keys (the router guarantees it); a connection handler sees the
//! client's own state; an all-shards handler runs once per shard and its replies are
//! combined by the connection layer.

pub mod blocking;
pub mod cluster;
pub mod error;
pub mod hashes;
pub mod keys;
pub mod lists;
pub mod pubsub;
pub mod route;
pub mod server;
pub mod sets;
pub mod spec;
pub mod strings;
pub mod tx;
pub mod zsets;

pub use error::CmdError;

use crate::resp::{Proto, Reply};
use crate::shared::Shared;
use crate::store::Db;

/// What a handler may touch: its shard's keyspace and process-wide state.
pub struct Ctx<'a> {
    pub db: &'a mut Db,
    /// Unix ms, sampled once per loop turn (as Redis caches mstime per command).
    pub now: u64,
    /// Slot of the command's first key (0 for keyless commands).
    pub slot: u16,
    pub shared: &'a Shared,
    pub shard: usize,
    /// Client id of the connection that sent the command (CLIENT KILL SKIPME).
    pub caller: u64,
    pub hooks: &'a mut dyn ShardHooks,
}

/// What the shard's loop offers handlers beyond the keyspace (its connections).
pub trait ShardHooks {
    /// Append CLIENT LIST lines of this shard's connections passing `filter`.
    fn client_list(&self, filter: &ClientFilter, out: &mut String);
    /// Close connections passing `filter` (after their pending replies); how many.
    fn client_kill(&mut self, filter: &ClientFilter) -> usize;
    /// Number of open client connections on this shard.
    fn client_count(&self) -> usize;
    /// Wake every shard so it notices a shutdown request.
    fn request_shutdown(&mut self);
    /// Commands this shard has processed.
    fn commands_processed(&self) -> u64;
    /// This shard's pub/sub subscriptions.
    fn registry(&mut self) -> &mut pubsub::Registry;
    /// CLIENT UNBLOCK: end the wait of a client blocked on this shard (answered as a
    /// timeout, or with the UNBLOCKED error). False if it is not blocked here.
    fn unblock(&mut self, client_id: u64, error: bool) -> bool;
    /// Push a pub/sub message to a client of this shard; false if it is gone.
    fn deliver(&mut self, client_id: u64, d: &pubsub::Delivery) -> bool;
}

/// Which connections a CLIENT LIST / CLIENT KILL applies to.
#[derive(Debug, Default, Clone)]
pub struct ClientFilter {
    pub ids: Vec<u64>,
    pub addr: Option<String>,
    pub laddr: Option<String>,
    /// Skip this client id (CLIENT KILL SKIPME yes).
    pub skip: Option<u64>,
    /// Only `normal` connections exist so far; other types match nothing.
    pub type_normal: Option<bool>,
    pub maxage: Option<u64>,
}

/// One client's connection-level state.
#[derive(Debug, Clone)]
pub struct ClientState {
    pub id: u64,
    pub proto: Proto,
    pub authed: bool,
    pub name: Vec<u8>,
    pub lib_name: Vec<u8>,
    pub lib_ver: Vec<u8>,
    pub addr: String,
    pub laddr: String,
    pub fd: i32,
    pub created_ms: u64,
    pub last_ms: u64,
    pub last_cmd: &'static str,
    pub no_evict: bool,
    /// QUIT, or a kill: close once the replies so far are written.
    pub close_after_reply: bool,
    /// Pub/sub subscriptions (None until the first SUBSCRIBE).
    pub subs: Option<Box<pubsub::ClientSubs>>,
    /// Cluster: ASKING was sent (one-shot, see the shard's dispatch).
    pub asking: bool,
    /// Cluster: READONLY (reads from a replica of the slot's owner are served).
    pub readonly: bool,
}

impl ClientState {
    pub fn new(id: u64, fd: i32, addr: String, laddr: String, now: u64, authed: bool) -> Self {
        ClientState {
            id,
            proto: Proto::Resp2,
            authed,
            name: Vec::new(),
            lib_name: Vec::new(),
            lib_ver: Vec::new(),
            addr,
            laddr,
            fd,
            created_ms: now,
            last_ms: now,
            last_cmd: "NULL",
            no_evict: false,
            close_after_reply: false,
            subs: None,
            asking: false,
            readonly: false,
        }
    }
}

pub type KeyFn = fn(&mut Ctx, &[&[u8]], &mut Reply) -> Result<(), CmdError>;
pub type ConnFn = fn(&mut Ctx, &mut ClientState, &[&[u8]], &mut Reply) -> Result<(), CmdError>;
/// Combine the encoded replies of every shard into the client's reply.
pub type CombineFn = fn(&Shared, &ClientState, &[&[u8]], &[Vec<u8>], &mut Reply);

/// How a multi-key command is split when its keys live on several shards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fanout {
    /// Each shard runs the command on its keys; the integer replies are summed.
    SumInt,
    /// MGET: each shard returns its keys' values; they are put back in request order.
    Gather,
    /// MSET: each shard sets its pairs; +OK when all did.
    AllOk,
    /// Must see all keys at once (RENAME, COPY, LCS, MSETNX): run on one shard over
    /// copies fetched from the others, then write back the changes.
    Whole,
}

/// How an all-shards command's replies are combined.
#[derive(Clone, Copy)]
pub enum Combine {
    SumInt,
    /// Arrays concatenated.
    Concat,
    AllOk,
    Custom(CombineFn),
}

/// How and where a command runs.
#[derive(Clone, Copy)]
pub enum Exec {
    /// On the shard owning the key(s).
    Key(KeyFn),
    /// On the shard owning the keys, split per [`Fanout`] when they span shards.
    Multi(KeyFn, Fanout),
    /// On every shard; replies combined.
    All(KeyFn, Combine),
    /// On the client's own shard, with its connection state.
    Conn(ConnFn),
    /// A container whose subcommand (args[1]) decides.
    Container,
}

/// Parse an integer argument (Redis's getLongLongFromObject).
pub fn arg_i64(b: &[u8]) -> Result<i64, CmdError> {
    crate::resp::parse_i64(b).ok_or(CmdError::NotInteger)
}

/// Parse a float argument like Redis's strtold-based parsing (inf allowed, nan not).
pub fn arg_f64(b: &[u8]) -> Result<f64, CmdError> {
    parse_f64(b).ok_or(CmdError::NotFloat)
}

pub fn parse_f64(b: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(b).ok()?;
    if s.is_empty() || s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) {
        return None;
    }
    let l = s.to_ascii_lowercase();
    let v = match l.as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => f64::INFINITY,
        "-inf" | "-infinity" => f64::NEG_INFINITY,
        _ => {
            if l.contains("nan") || l.contains("inf") {
                return None;
            }
            s.parse::<f64>().ok()?
        }
    };
    if v.is_nan() {
        None
    } else {
        Some(v)
    }
}

/// Parse a blocking command's timeout (seconds, decimals allowed) into an absolute
/// unix-ms deadline; 0 means forever (None). Redis's error texts.
pub fn parse_timeout(arg: &[u8], now: u64) -> Result<Option<u64>, CmdError> {
    let secs = parse_f64(arg)
        .filter(|v| v.is_finite())
        .ok_or_else(|| CmdError::msg("timeout is not a float or out of range"))?;
    if secs < 0.0 {
        return Err(CmdError::msg("timeout is negative"));
    }
    if secs == 0.0 {
        return Ok(None);
    }
    let ms = (secs * 1000.0).ceil();
    if ms > (i64::MAX / 2) as f64 {
        return Err(CmdError::msg("timeout is out of range"));
    }
    Ok(Some(now + ms as u64))
}

/// ASCII case-insensitive equality of an argument with an option name.
#[inline]
pub fn eq_ic(a: &[u8], b: &str) -> bool {
    a.eq_ignore_ascii_case(b.as_bytes())
}
