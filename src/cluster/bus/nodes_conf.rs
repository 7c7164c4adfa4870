//! nodes.conf and the CLUSTER NODES line: a model of one node's line ([`NodeRecord`]), of the
//! whole file ([`NodesConf`]), the reader ([`parse`], [`load`]) and the writers
//! ([`format_line`], [`format_client_line`], [`format`], [`write_atomic`]).
//!
//! This module owns the text format only. It knows nothing of the live cluster state: the bus
//! core builds `NodeRecord`s from its nodes and turns parsed records back into nodes, and it is
//! there that load-time semantics live (a replica's config epoch is reset to 0, non-zero
//! ping/pong times become "now", currentEpoch is raised to the largest configEpoch, a
//! replica without `shard-id=` takes its master's).
//!
//! One line per node, as Redis 7.2 writes it (`clusterGenNodeDescription`):
//!
//! ```text
//! <id> <ip>:<port>@<cport>[,<hostname>[,tls-port=N][,tcp-port=N][,nodename=S][,shard-id=ID]] \
//!     <flags> <master-id|-> <ping-sent> <pong-recv> <config-epoch> <connected|disconnected> \
//!     [<slot>|<start>-<end>]... [[<slot>->-<id>]|[<slot>-<-<id>]]...
//! ```
//!
//! then `vars currentEpoch N lastVoteEpoch M`. Redis 7.0 wrote the address as
//! `ip:port@cport[,hostname]` with no aux fields; both forms are read, and a record written
//! back keeps the form it was read in (the 7.2 form whenever it has any aux field).
//!
//! The reader is stricter than Redis in a few places where Redis would read garbage with
//! `atoi` or crash (non-numeric ports, slots and epochs, `start > end` ranges, unknown link
//! states, duplicate node lines, two `myself` lines): Redis never writes those, and a file
//! that has them was not written by Redis.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Number of hash slots.
pub const CLUSTER_SLOTS: u16 = 16384;

/// The bus port is the client port plus this when a line has no `@cport` (pre-4.0 files).
pub const CLUSTER_PORT_INCR: u16 = 10000;

/// Longest IP text Redis stores (`NET_IP_STR_LEN` - 1).
const MAX_IP_LEN: usize = 45;

/// A 40-character node (or shard) id. Redis accepts `[a-z0-9]` (`verifyClusterNodeId`), not
/// only hex, so this does too.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId([u8; NodeId::LEN]);

impl NodeId {
    pub const LEN: usize = 40;

    /// `None` unless `bytes` is exactly 40 characters of `[a-z0-9]`.
    pub fn from_bytes(bytes: &[u8]) -> Option<NodeId> {
        let arr: [u8; NodeId::LEN] = bytes.try_into().ok()?;
        arr.iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            .then_some(NodeId(arr))
    }

    pub fn parse(s: &str) -> Option<NodeId> {
        NodeId::from_bytes(s.as_bytes())
    }

    pub fn as_bytes(&self) -> &[u8; NodeId::LEN] {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII ever gets in (from_bytes checks).
        std::str::from_utf8(&self.0).expect("node id is ASCII")
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({})", self.as_str())
    }
}

/// Node flags, with the bit values of the bus header (persisted and gossiped: append-only).
/// Only the bits that have a word in nodes.conf are printed; MEET and MIGRATE_TO are internal.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NodeFlags(u16);

impl NodeFlags {
    pub const NONE: NodeFlags = NodeFlags(0);
    pub const MASTER: NodeFlags = NodeFlags(1);
    pub const SLAVE: NodeFlags = NodeFlags(2);
    /// `fail?`: this node suspects the node (PFAIL).
    pub const PFAIL: NodeFlags = NodeFlags(4);
    pub const FAIL: NodeFlags = NodeFlags(8);
    pub const MYSELF: NodeFlags = NodeFlags(16);
    pub const HANDSHAKE: NodeFlags = NodeFlags(32);
    pub const NOADDR: NodeFlags = NodeFlags(64);
    pub const MEET: NodeFlags = NodeFlags(128);
    pub const MIGRATE_TO: NodeFlags = NodeFlags(256);
    pub const NOFAILOVER: NodeFlags = NodeFlags(512);

    pub const fn from_bits(bits: u16) -> NodeFlags {
        NodeFlags(bits)
    }

    pub const fn bits(self) -> u16 {
        self.0
    }

    pub const fn contains(self, other: NodeFlags) -> bool {
        self.0 & other.0 == other.0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn insert(&mut self, other: NodeFlags) {
        self.0 |= other.0;
    }

    pub fn remove(&mut self, other: NodeFlags) {
        self.0 &= !other.0;
    }
}

impl std::ops::BitOr for NodeFlags {
    type Output = NodeFlags;
    fn bitor(self, rhs: NodeFlags) -> NodeFlags {
        NodeFlags(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for NodeFlags {
    fn bitor_assign(&mut self, rhs: NodeFlags) {
        self.0 |= rhs.0;
    }
}

/// The printed words, in the order Redis prints them (`redisNodeFlagsTable`).
const FLAG_WORDS: [(NodeFlags, &str); 8] = [
    (NodeFlags::MYSELF, "myself"),
    (NodeFlags::MASTER, "master"),
    (NodeFlags::SLAVE, "slave"),
    (NodeFlags::PFAIL, "fail?"),
    (NodeFlags::FAIL, "fail"),
    (NodeFlags::HANDSHAKE, "handshake"),
    (NodeFlags::NOADDR, "noaddr"),
    (NodeFlags::NOFAILOVER, "nofailover"),
];

impl fmt::Debug for NodeFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        push_flags(&mut s, *self);
        write!(f, "NodeFlags({s}, {:#x})", self.0)
    }
}

/// Whether this node has an outbound bus link to the node (always `Connected` for myself).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LinkState {
    Connected,
    Disconnected,
}

/// An inclusive run of slots, `start <= end < 16384`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct SlotRange {
    pub start: u16,
    pub end: u16,
}

impl SlotRange {
    /// `None` unless `start <= end < 16384`.
    pub fn new(start: u16, end: u16) -> Option<SlotRange> {
        (start <= end && end < CLUSTER_SLOTS).then_some(SlotRange { start, end })
    }

    /// # Panics
    /// If `slot >= 16384`.
    pub fn single(slot: u16) -> SlotRange {
        assert!(slot < CLUSTER_SLOTS, "slot {slot} out of range");
        SlotRange {
            start: slot,
            end: slot,
        }
    }

    pub fn len(&self) -> usize {
        usize::from(self.end - self.start) + 1
    }

    /// Never true: a range holds at least one slot. Here for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn contains(&self, slot: u16) -> bool {
        (self.start..=self.end).contains(&slot)
    }
}

/// Sorted, merged ranges: overlapping and adjacent runs become one, as Redis prints them
/// (it prints from the slot table, so a node's runs are always maximal).
pub fn collapse(ranges: &[SlotRange]) -> Vec<SlotRange> {
    let mut sorted = ranges.to_vec();
    sorted.sort_unstable();
    let mut out: Vec<SlotRange> = Vec::with_capacity(sorted.len());
    for r in sorted {
        match out.last_mut() {
            Some(last) if u32::from(r.start) <= u32::from(last.end) + 1 => {
                last.end = last.end.max(r.end);
            }
            _ => out.push(r),
        }
    }
    out
}

/// Ranges from a set of single slots (any order, duplicates allowed, each `< 16384`).
pub fn ranges_from_slots(slots: impl IntoIterator<Item = u16>) -> Vec<SlotRange> {
    let singles: Vec<SlotRange> = slots.into_iter().map(SlotRange::single).collect();
    collapse(&singles)
}

/// One `[slot->-id]` (migrating to `node`) or `[slot-<-id]` (importing from `node`) entry.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SlotMove {
    pub slot: u16,
    pub node: NodeId,
}

/// One line of nodes.conf / CLUSTER NODES.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NodeRecord {
    pub id: NodeId,
    /// Empty while the node does not know its own address yet (`:6379@16379`). IPv6 bare.
    pub ip: String,
    /// The client port printed in the address: the TCP port, or the TLS port in a file
    /// written by a TLS-primary node (then `tcp_port` holds the plaintext one).
    pub port: u16,
    pub cport: u16,
    /// `cluster-announce-hostname`; empty when none.
    pub hostname: String,
    /// Aux `tls-port=`; Redis 7.2 always writes it (0 without TLS) unless TLS is primary.
    pub tls_port: Option<u16>,
    /// Aux `tcp-port=`; written only by a TLS-primary node.
    pub tcp_port: Option<u16>,
    /// Aux `nodename=` (`cluster-announce-human-nodename`); empty when none, and then not
    /// written.
    pub nodename: String,
    /// Aux `shard-id=`; Redis 7.2 always writes it, 7.0 never did.
    pub shard_id: Option<NodeId>,
    pub flags: NodeFlags,
    /// The master's id for a replica (`-` in the file when `None`).
    pub master: Option<NodeId>,
    /// Unix ms when the pending PING was sent, 0 if none.
    pub ping_sent: u64,
    /// Unix ms of the last PONG.
    pub pong_received: u64,
    /// As printed: for a replica Redis prints its master's configEpoch.
    pub config_epoch: u64,
    pub link: LinkState,
    /// Always kept collapsed by `parse`; `format_line` collapses whatever it is given.
    pub slots: Vec<SlotRange>,
    /// Redis prints these on the `myself` line only (they are the local node's migration
    /// state); keep them empty on other records.
    pub migrating: Vec<SlotMove>,
    pub importing: Vec<SlotMove>,
}

impl NodeRecord {
    /// A master with no slots, disconnected, epoch 0, `tls-port=0` and no shard id yet:
    /// fill in the rest through the public fields.
    pub fn new(id: NodeId, ip: &str, port: u16, cport: u16) -> NodeRecord {
        NodeRecord {
            id,
            ip: ip.to_string(),
            port,
            cport,
            hostname: String::new(),
            tls_port: Some(0),
            tcp_port: None,
            nodename: String::new(),
            shard_id: None,
            flags: NodeFlags::MASTER,
            master: None,
            ping_sent: 0,
            pong_received: 0,
            config_epoch: 0,
            link: LinkState::Disconnected,
            slots: Vec::new(),
            migrating: Vec::new(),
            importing: Vec::new(),
        }
    }

    pub fn is_myself(&self) -> bool {
        self.flags.contains(NodeFlags::MYSELF)
    }

    pub fn slot_count(&self) -> usize {
        collapse(&self.slots).iter().map(SlotRange::len).sum()
    }

    pub fn owns_slot(&self, slot: u16) -> bool {
        self.slots.iter().any(|r| r.contains(slot))
    }

    /// Whether the address is written in the 7.2 form (`,hostname` then aux fields).
    fn has_aux(&self) -> bool {
        self.tls_port.is_some()
            || self.tcp_port.is_some()
            || !self.nodename.is_empty()
            || self.shard_id.is_some()
    }
}

/// The whole file: node records in file order, then the `vars` line.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct NodesConf {
    pub nodes: Vec<NodeRecord>,
    pub current_epoch: u64,
    pub last_vote_epoch: u64,
}

impl NodesConf {
    pub fn myself(&self) -> Option<&NodeRecord> {
        self.nodes.iter().find(|n| n.is_myself())
    }

    pub fn get(&self, id: &NodeId) -> Option<&NodeRecord> {
        self.nodes.iter().find(|n| &n.id == id)
    }

    /// The largest configEpoch of a master line. Redis raises currentEpoch to it on load.
    pub fn max_config_epoch(&self) -> u64 {
        self.nodes
            .iter()
            .filter(|n| n.master.is_none())
            .map(|n| n.config_epoch)
            .max()
            .unwrap_or(0)
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

fn push_flags(out: &mut String, flags: NodeFlags) {
    let before = out.len();
    for (flag, word) in FLAG_WORDS {
        if flags.contains(flag) {
            if out.len() != before {
                out.push(',');
            }
            out.push_str(word);
        }
    }
    if out.len() == before {
        out.push_str("noflags");
    }
}

fn push_common_tail(out: &mut String, rec: &NodeRecord) {
    use fmt::Write as _;
    out.push(' ');
    push_flags(out, rec.flags);
    out.push(' ');
    match &rec.master {
        Some(m) => out.push_str(m.as_str()),
        None => out.push('-'),
    }
    let link = match rec.link {
        LinkState::Connected => "connected",
        LinkState::Disconnected => "disconnected",
    };
    let _ = write!(
        out,
        " {} {} {} {}",
        rec.ping_sent, rec.pong_received, rec.config_epoch, link
    );
    for r in collapse(&rec.slots) {
        if r.start == r.end {
            let _ = write!(out, " {}", r.start);
        } else {
            let _ = write!(out, " {}-{}", r.start, r.end);
        }
    }
    // In slot order; a slot both migrating and importing shows only as migrating.
    let mut moves: Vec<(u16, bool, NodeId)> = rec
        .migrating
        .iter()
        .map(|m| (m.slot, true, m.node))
        .chain(rec.importing.iter().map(|m| (m.slot, false, m.node)))
        .collect();
    moves.sort_by_key(|&(slot, migrating, _)| (slot, !migrating));
    moves.dedup_by_key(|&mut (slot, _, _)| slot);
    for (slot, migrating, node) in moves {
        let arrow = if migrating { "->-" } else { "-<-" };
        let _ = write!(out, " [{slot}{arrow}{node}]");
    }
}

/// The nodes.conf line of `rec`, without the trailing `\n`: the 7.2 form with `,hostname`
/// (possibly empty) and the aux fields in Redis's order (`tls-port`, `tcp-port`, `nodename`,
/// `shard-id`) when the record has any aux field, else the 7.0 form.
pub fn format_line(rec: &NodeRecord) -> String {
    use fmt::Write as _;
    let mut out = String::with_capacity(160);
    let _ = write!(out, "{} {}:{}@{}", rec.id, rec.ip, rec.port, rec.cport);
    if rec.has_aux() {
        out.push(',');
        out.push_str(&rec.hostname);
        if let Some(p) = rec.tls_port {
            let _ = write!(out, ",tls-port={p}");
        }
        if let Some(p) = rec.tcp_port {
            let _ = write!(out, ",tcp-port={p}");
        }
        if !rec.nodename.is_empty() {
            let _ = write!(out, ",nodename={}", rec.nodename);
        }
        if let Some(s) = &rec.shard_id {
            let _ = write!(out, ",shard-id={s}");
        }
    } else if !rec.hostname.is_empty() {
        out.push(',');
        out.push_str(&rec.hostname);
    }
    push_common_tail(&mut out, rec);
    out
}

/// The CLUSTER NODES line of `rec` as a client sees it, without the trailing `\n`: aux fields
/// are never shown, `,hostname` only when there is one.
pub fn format_client_line(rec: &NodeRecord) -> String {
    use fmt::Write as _;
    let mut out = String::with_capacity(128);
    let _ = write!(out, "{} {}:{}@{}", rec.id, rec.ip, rec.port, rec.cport);
    if !rec.hostname.is_empty() {
        out.push(',');
        out.push_str(&rec.hostname);
    }
    push_common_tail(&mut out, rec);
    out
}

/// The whole file: one line per record except handshake nodes (Redis never saves those),
/// then the `vars` line; every line ends in `\n`.
pub fn format(conf: &NodesConf) -> String {
    let mut out = String::new();
    for rec in conf
        .nodes
        .iter()
        .filter(|n| !n.flags.contains(NodeFlags::HANDSHAKE))
    {
        out.push_str(&format_line(rec));
        out.push('\n');
    }
    out.push_str(&format!(
        "vars currentEpoch {} lastVoteEpoch {}\n",
        conf.current_epoch, conf.last_vote_epoch
    ));
    out
}

static TMP_SEQ: AtomicU64 = AtomicU64::new(0);

/// Replaces `path` with `format(conf)` so that a crash leaves either the old file or the new
/// one: write `<path>.tmp-<pid>-<ms>-<seq>` in the same directory, fsync it, rename it over
/// `path`, fsync the directory. The temp file is removed on failure.
pub fn write_atomic(path: &Path, conf: &NodesConf) -> io::Result<()> {
    write_atomic_with(path, conf, true)
}

/// [`write_atomic`], with the fsyncs only when `fsync` (Redis saves without them for
/// changes that gossip would restore, e.g. CLUSTER SETSLOT, and with them for epochs and
/// slot ownership learned from the bus).
pub fn write_atomic_with(path: &Path, conf: &NodesConf, fsync: bool) -> io::Result<()> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "nodes.conf path has no file name",
        )
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let seq = TMP_SEQ.fetch_add(1, Ordering::Relaxed);
    let mut tmp_name = name.to_os_string();
    tmp_name.push(format!(".tmp-{}-{ms}-{seq}", std::process::id()));
    let tmp = dir.join(tmp_name);

    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(&tmp)?;
        f.write_all(format(conf).as_bytes())?;
        if fsync {
            f.sync_all()?;
        }
        drop(f);
        fs::rename(&tmp, path)?;
        if fsync {
            File::open(&dir)?.sync_all()?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Reads `path`. `Ok(None)` when the file does not exist or is empty (Redis then writes a
/// fresh config); a corrupt file is an `InvalidData` error carrying the [`ConfError`].
pub fn load(path: &Path) -> io::Result<Option<NodesConf>> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if bytes.is_empty() {
        return Ok(None);
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "nodes.conf is not UTF-8"))?;
    parse(&text)
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

// ---------------------------------------------------------------------------------------------
// Reading

/// What is wrong with a line.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ConfErrorKind {
    /// A node line with fewer than the 8 fixed fields.
    TooFewFields,
    BadNodeId,
    /// `ip:port[@cport]` malformed (no `:`, bad port, IP too long).
    BadAddress,
    /// An aux field that is not `key=value`, has characters Redis refuses, has an unknown key,
    /// or a value that does not fit the key.
    BadAux(String),
    UnknownFlag(String),
    BadMasterId,
    /// ping-sent, pong-recv or config-epoch not an unsigned integer.
    BadNumber(&'static str),
    BadLinkState,
    BadSlot(String),
    /// A `vars` line with a key without a value, or a non-numeric value.
    BadVars,
    DuplicateNode,
    /// A replica's `shard-id=` differs from its master's.
    ShardIdMismatch,
    NoMyself,
    SeveralMyself,
}

impl fmt::Display for ConfErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfErrorKind::TooFewFields => f.write_str("fewer than 8 fields"),
            ConfErrorKind::BadNodeId => f.write_str("bad node id"),
            ConfErrorKind::BadAddress => f.write_str("bad address"),
            ConfErrorKind::BadAux(a) => write!(f, "bad aux field '{a}'"),
            ConfErrorKind::UnknownFlag(w) => write!(f, "unknown flag '{w}'"),
            ConfErrorKind::BadMasterId => f.write_str("bad master id"),
            ConfErrorKind::BadNumber(what) => write!(f, "bad {what}"),
            ConfErrorKind::BadLinkState => f.write_str("bad link state"),
            ConfErrorKind::BadSlot(s) => write!(f, "bad slot '{s}'"),
            ConfErrorKind::BadVars => f.write_str("bad vars line"),
            ConfErrorKind::DuplicateNode => f.write_str("node listed twice"),
            ConfErrorKind::ShardIdMismatch => f.write_str("replica shard-id differs from master's"),
            ConfErrorKind::NoMyself => f.write_str("no myself node"),
            ConfErrorKind::SeveralMyself => f.write_str("more than one myself node"),
        }
    }
}

/// A corrupt nodes.conf. Redis refuses to start on one ("Unrecoverable error: corrupted
/// cluster config file"), and so should we.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ConfError {
    /// 1-based line number; 0 for a problem of the whole file (no `myself`).
    pub line: usize,
    pub kind: ConfErrorKind,
}

impl fmt::Display for ConfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "corrupted cluster config file: {}", self.kind)
        } else {
            write!(
                f,
                "corrupted cluster config file, line {}: {}",
                self.line, self.kind
            )
        }
    }
}

impl std::error::Error for ConfError {}

/// Parses a whole nodes.conf. The `vars` line may be anywhere or absent (epochs then 0);
/// unknown `vars` keys are skipped, as Redis does. Blank lines are skipped. Exactly one line
/// must be `myself`. A CLUSTER NODES reply parses too (it has no `vars` line).
pub fn parse(text: &str) -> Result<NodesConf, ConfError> {
    let mut conf = NodesConf::default();
    let mut myself_line = None;
    for (idx, line) in text.lines().enumerate() {
        let lineno = idx + 1;
        let err = |kind| ConfError { line: lineno, kind };
        let fields: Vec<&str> = line.split_ascii_whitespace().collect();
        let Some(first) = fields.first() else {
            continue;
        };
        if first.eq_ignore_ascii_case("vars") {
            parse_vars(&fields[1..], &mut conf).map_err(err)?;
            continue;
        }
        let rec = parse_line_fields(&fields).map_err(err)?;
        if conf.nodes.iter().any(|n| n.id == rec.id) {
            return Err(err(ConfErrorKind::DuplicateNode));
        }
        if rec.is_myself() {
            if myself_line.is_some() {
                return Err(err(ConfErrorKind::SeveralMyself));
            }
            myself_line = Some(lineno);
        }
        conf.nodes.push(rec);
    }
    if myself_line.is_none() {
        return Err(ConfError {
            line: 0,
            kind: ConfErrorKind::NoMyself,
        });
    }
    check_shard_ids(text, &conf)?;
    Ok(conf)
}

/// Parses one node line (nodes.conf or CLUSTER NODES; no `vars`).
pub fn parse_line(line: &str) -> Result<NodeRecord, ConfErrorKind> {
    let fields: Vec<&str> = line.split_ascii_whitespace().collect();
    parse_line_fields(&fields)
}

fn parse_vars(pairs: &[&str], conf: &mut NodesConf) -> Result<(), ConfErrorKind> {
    if pairs.len() % 2 != 0 {
        return Err(ConfErrorKind::BadVars);
    }
    for kv in pairs.chunks_exact(2) {
        let target = if kv[0].eq_ignore_ascii_case("currentEpoch") {
            &mut conf.current_epoch
        } else if kv[0].eq_ignore_ascii_case("lastVoteEpoch") {
            &mut conf.last_vote_epoch
        } else {
            continue;
        };
        *target = parse_u64(kv[1]).ok_or(ConfErrorKind::BadVars)?;
    }
    Ok(())
}

fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_u16(s: &str) -> Option<u16> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_slot(s: &str) -> Option<u16> {
    parse_u16(s).filter(|&n| n < CLUSTER_SLOTS)
}

/// Redis's `isValidAuxChar`: alphanumerics, and anything not in its list of refused
/// punctuation.
fn is_valid_aux_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || !b"!#$%&()*+:;<>?@[]^{|}~\0".contains(&c)
}

fn parse_line_fields(fields: &[&str]) -> Result<NodeRecord, ConfErrorKind> {
    if fields.len() < 8 {
        return Err(ConfErrorKind::TooFewFields);
    }
    let id = NodeId::parse(fields[0]).ok_or(ConfErrorKind::BadNodeId)?;

    // ip:port[@cport][,hostname][,aux=val]*
    let mut parts = fields[1].split(',');
    let addr = parts.next().unwrap_or("");
    let hostname = parts.next().unwrap_or("").to_string();
    let (ip, ports) = addr.rsplit_once(':').ok_or(ConfErrorKind::BadAddress)?;
    if ip.len() > MAX_IP_LEN {
        return Err(ConfErrorKind::BadAddress);
    }
    let (port, cport) = match ports.split_once('@') {
        Some((p, c)) => (parse_u16(p), parse_u16(c)),
        None => {
            let p = parse_u16(ports);
            (p, p.and_then(|p| p.checked_add(CLUSTER_PORT_INCR)))
        }
    };
    let (Some(port), Some(cport)) = (port, cport) else {
        return Err(ConfErrorKind::BadAddress);
    };
    let mut rec = NodeRecord::new(id, ip, port, cport);
    rec.hostname = hostname;
    rec.tls_port = None;
    for aux in parts {
        let bad = || ConfErrorKind::BadAux(aux.to_string());
        let (key, value) = aux.split_once('=').ok_or_else(bad)?;
        if value.contains('=') || !aux.bytes().all(is_valid_aux_char) {
            return Err(bad());
        }
        match key {
            "shard-id" => rec.shard_id = Some(NodeId::parse(value).ok_or_else(bad)?),
            // An empty nodename is "none"; Redis writes none then.
            "nodename" => rec.nodename = value.to_string(),
            "tcp-port" => rec.tcp_port = Some(parse_u16(value).ok_or_else(bad)?),
            "tls-port" => rec.tls_port = Some(parse_u16(value).ok_or_else(bad)?),
            _ => return Err(bad()),
        }
    }

    rec.flags = NodeFlags::NONE;
    for word in fields[2].split(',') {
        let flag = FLAG_WORDS
            .iter()
            .find(|(_, w)| w.eq_ignore_ascii_case(word))
            .map(|&(f, _)| f);
        match flag {
            Some(f) => rec.flags |= f,
            None if word.eq_ignore_ascii_case("noflags") => {}
            None => return Err(ConfErrorKind::UnknownFlag(word.to_string())),
        }
    }

    rec.master = match fields[3] {
        "-" => None,
        m => Some(NodeId::parse(m).ok_or(ConfErrorKind::BadMasterId)?),
    };
    rec.ping_sent = parse_u64(fields[4]).ok_or(ConfErrorKind::BadNumber("ping-sent"))?;
    rec.pong_received = parse_u64(fields[5]).ok_or(ConfErrorKind::BadNumber("pong-recv"))?;
    rec.config_epoch = parse_u64(fields[6]).ok_or(ConfErrorKind::BadNumber("config-epoch"))?;
    rec.link = match fields[7] {
        "connected" => LinkState::Connected,
        "disconnected" => LinkState::Disconnected,
        _ => return Err(ConfErrorKind::BadLinkState),
    };

    let mut slots = Vec::new();
    for tok in &fields[8..] {
        let bad = || ConfErrorKind::BadSlot(tok.to_string());
        if let Some(inner) = tok.strip_prefix('[') {
            let inner = inner.strip_suffix(']').ok_or_else(bad)?;
            let (slot, rest) = inner.split_once('-').ok_or_else(bad)?;
            let slot = parse_slot(slot).ok_or_else(bad)?;
            let (migrating, node) = if let Some(n) = rest.strip_prefix(">-") {
                (true, n)
            } else if let Some(n) = rest.strip_prefix("<-") {
                (false, n)
            } else {
                return Err(bad());
            };
            let node = NodeId::parse(node).ok_or_else(bad)?;
            let mv = SlotMove { slot, node };
            if migrating {
                rec.migrating.push(mv);
            } else {
                rec.importing.push(mv);
            }
        } else {
            let range = match tok.split_once('-') {
                Some((a, b)) => parse_slot(a).zip(parse_slot(b)),
                None => parse_slot(tok).map(|s| (s, s)),
            };
            let (a, b) = range.ok_or_else(bad)?;
            slots.push(SlotRange::new(a, b).ok_or_else(bad)?);
        }
    }
    rec.slots = collapse(&slots);
    Ok(rec)
}

/// A replica that has a `shard-id=` must agree with its master's (Redis checks this at load).
fn check_shard_ids(text: &str, conf: &NodesConf) -> Result<(), ConfError> {
    for rec in &conf.nodes {
        let (Some(master), Some(shard)) = (&rec.master, &rec.shard_id) else {
            continue;
        };
        let Some(master_shard) = conf.get(master).and_then(|m| m.shard_id) else {
            continue;
        };
        if master_shard != *shard {
            let line = text
                .lines()
                .position(|l| l.split_ascii_whitespace().next() == Some(rec.id.as_str()))
                .map_or(0, |i| i + 1);
            return Err(ConfError {
                line,
                kind: ConfErrorKind::ShardIdMismatch,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "3b1969efda276e2c5f6eb9a333f6d360ea100658";
    const B: &str = "4026555345c85408d5cc9eb2d96487a33d3c410e";
    const C: &str = "3a3fdc2c713ba2ba037fd5b3d9714bd2422448ba";
    const RA: &str = "a6cdef125fc185bdfc9a6f66f2d3b8f83ead01c2";
    const RB: &str = "7c7fdc18319ef66cb18a7a79a85910489ae6942e";
    const RC: &str = "39516d791955d1e82ad305ba47544d56d5ec1c2a";
    const SA: &str = "9f3e1c0b2a4d5e6f708192a3b4c5d6e7f8091a2b";
    const SB: &str = "0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a";
    const SC: &str = "e1d2c3b4a5968778695a4b3c2d1e0f1a2b3c4d5e";

    fn id(s: &str) -> NodeId {
        NodeId::parse(s).unwrap()
    }

    /// Six nodes as Redis 7.2 writes them: 30001 (myself) migrating 5061 to 30002.
    fn fixture_72() -> String {
        format!(
            "{C} 127.0.0.1:30003@40003,,tls-port=0,shard-id={SC} master - 0 1795417605586 3 connected 10923-16383\n\
             {A} 127.0.0.1:30001@40001,,tls-port=0,shard-id={SA} myself,master - 0 1795417605000 7 connected 0-5460 [5061->-{B}]\n\
             {RB} 127.0.0.1:30005@40005,,tls-port=0,shard-id={SB} slave {B} 0 1795417606991 2 connected\n\
             {RA} 127.0.0.1:30004@40004,,tls-port=0,shard-id={SA} slave {A} 0 1795417606589 7 connected\n\
             {RC} 127.0.0.1:30006@40006,,tls-port=0,shard-id={SC} slave {C} 0 1795417607593 3 connected\n\
             {B} 127.0.0.1:30002@40002,,tls-port=0,shard-id={SB} master - 0 1795417606000 2 connected 5461-10922\n\
             vars currentEpoch 8 lastVoteEpoch 7\n"
        )
    }

    /// A 7.0 file: no aux fields, hostname after a comma only when set.
    fn fixture_70() -> String {
        format!(
            "{A} 127.0.0.1:30001@40001,node1.test myself,master - 0 1795417645000 7 connected 0-5060 5062-5460\n\
             {B} 127.0.0.1:30002@40002 master - 0 1795417616025 8 connected 5061 5461-10922\n\
             {RC} 127.0.0.1:30006@40006 master,fail - 1795417822311 1795417819801 11 disconnected\n\
             {RA} 127.0.0.1:30004@40004 slave {A} 0 1795417606589 7 connected\n\
             vars currentEpoch 11 lastVoteEpoch 11\n"
        )
    }

    /// Odd states: TLS-primary line (tcp-port=), nodename, fail?, noaddr, nofailover,
    /// noflags, an importing slot, IPv6, an unknown address.
    fn fixture_odd() -> String {
        format!(
            "{B} 127.0.0.1:30002@40002,b.example,tls-port=0,nodename=bee,shard-id={SB} myself,master - 0 0 2 connected 5461-10922 [5061-<-{A}]\n\
             {A} ::1:31001@41001,a.example,tcp-port=30001,shard-id={SA} master,fail? - 1795417821507 1795417819000 7 disconnected 0-5060 5062-5460\n\
             {RA} :0@0,,tls-port=0,shard-id={SA} slave,fail,noaddr {A} 0 0 7 disconnected\n\
             {RB} 10.0.0.9:30005@40005,,tls-port=0,shard-id={SB} slave,nofailover {B} 0 1795417606991 2 connected\n\
             {RC} 10.0.0.10:30006@40006 noflags - 0 0 0 disconnected\n\
             vars currentEpoch 8 lastVoteEpoch 0\n"
        )
    }

    #[test]
    fn parses_72_file() {
        let conf = parse(&fixture_72()).unwrap();
        assert_eq!(conf.nodes.len(), 6);
        assert_eq!((conf.current_epoch, conf.last_vote_epoch), (8, 7));
        let me = conf.myself().unwrap();
        assert_eq!(me.id, id(A));
        assert_eq!(
            (me.ip.as_str(), me.port, me.cport),
            ("127.0.0.1", 30001, 40001)
        );
        assert_eq!(me.hostname, "");
        assert_eq!(me.tls_port, Some(0));
        assert_eq!(me.tcp_port, None);
        assert_eq!(me.shard_id, Some(id(SA)));
        assert_eq!(me.flags, NodeFlags::MYSELF | NodeFlags::MASTER);
        assert_eq!(me.master, None);
        assert_eq!((me.ping_sent, me.pong_received), (0, 1795417605000));
        assert_eq!(me.config_epoch, 7);
        assert_eq!(me.link, LinkState::Connected);
        assert_eq!(me.slots, vec![SlotRange::new(0, 5460).unwrap()]);
        assert_eq!(
            me.migrating,
            vec![SlotMove {
                slot: 5061,
                node: id(B)
            }]
        );
        assert!(me.importing.is_empty());
        assert_eq!(me.slot_count(), 5461);
        assert!(me.owns_slot(5460) && !me.owns_slot(5461));

        let r = conf.get(&id(RB)).unwrap();
        assert_eq!(r.flags, NodeFlags::SLAVE);
        assert_eq!(r.master, Some(id(B)));
        assert_eq!(r.shard_id, Some(id(SB)));
        assert!(r.slots.is_empty());
        assert_eq!(conf.max_config_epoch(), 7);
    }

    #[test]
    fn parses_70_file() {
        let conf = parse(&fixture_70()).unwrap();
        let me = conf.myself().unwrap();
        assert_eq!(me.hostname, "node1.test");
        assert_eq!((me.tls_port, me.tcp_port, me.shard_id), (None, None, None));
        assert_eq!(
            me.slots,
            vec![
                SlotRange::new(0, 5060).unwrap(),
                SlotRange::new(5062, 5460).unwrap()
            ]
        );
        let b = conf.get(&id(B)).unwrap();
        assert_eq!(b.hostname, "");
        assert_eq!(
            b.slots,
            vec![
                SlotRange::single(5061),
                SlotRange::new(5461, 10922).unwrap()
            ]
        );
        let failed = conf.get(&id(RC)).unwrap();
        assert_eq!(failed.flags, NodeFlags::MASTER | NodeFlags::FAIL);
        assert_eq!(failed.link, LinkState::Disconnected);
        assert_eq!(failed.ping_sent, 1795417822311);
        assert_eq!(conf.max_config_epoch(), 11);
    }

    #[test]
    fn parses_odd_states() {
        let conf = parse(&fixture_odd()).unwrap();
        let me = conf.myself().unwrap();
        assert_eq!(me.hostname, "b.example");
        assert_eq!(me.nodename, "bee");
        assert_eq!(
            me.importing,
            vec![SlotMove {
                slot: 5061,
                node: id(A)
            }]
        );
        let a = conf.get(&id(A)).unwrap();
        assert_eq!(a.ip, "::1");
        assert_eq!((a.port, a.cport), (31001, 41001));
        assert_eq!((a.tls_port, a.tcp_port), (None, Some(30001)));
        assert_eq!(a.flags, NodeFlags::MASTER | NodeFlags::PFAIL);
        let ra = conf.get(&id(RA)).unwrap();
        assert_eq!(ra.ip, "");
        assert_eq!(
            ra.flags,
            NodeFlags::SLAVE | NodeFlags::FAIL | NodeFlags::NOADDR
        );
        let rb = conf.get(&id(RB)).unwrap();
        assert!(rb.flags.contains(NodeFlags::NOFAILOVER));
        let rc = conf.get(&id(RC)).unwrap();
        assert!(rc.flags.is_empty());
    }

    #[test]
    fn round_trips_byte_for_byte() {
        for text in [fixture_72(), fixture_70(), fixture_odd()] {
            let conf = parse(&text).unwrap();
            assert_eq!(format(&conf), text);
            for (line, rec) in text.lines().zip(&conf.nodes) {
                assert_eq!(format_line(rec), line);
                assert_eq!(parse_line(line).unwrap(), *rec);
            }
        }
    }

    /// Written by a stock redis-server 7.2.6 (one node, before any MEET, with
    /// `cluster-announce-human-nodename bee`), byte for byte.
    const CAPTURED_726: &str = "dfbd59408c10acbcd29f2500b480c9f12d6c9149 :47391@57391,,tls-port=0,nodename=bee,shard-id=6f227cc73d6657fc6001b7c280576b0e7fa7aeb1 myself,master - 0 0 0 connected 0-100 200 16383\nvars currentEpoch 0 lastVoteEpoch 0\n";

    #[test]
    fn reads_and_rewrites_a_file_written_by_redis_726() {
        let conf = parse(CAPTURED_726).unwrap();
        let me = conf.myself().unwrap();
        assert_eq!((me.ip.as_str(), me.port, me.cport), ("", 47391, 57391));
        assert_eq!(me.nodename, "bee");
        assert_eq!(
            me.shard_id,
            Some(id("6f227cc73d6657fc6001b7c280576b0e7fa7aeb1"))
        );
        assert_eq!(me.slot_count(), 101 + 1 + 1);
        assert_eq!(format(&conf), CAPTURED_726);
        assert_eq!(
            format_client_line(me),
            "dfbd59408c10acbcd29f2500b480c9f12d6c9149 :47391@57391 myself,master - 0 0 0 connected 0-100 200 16383"
        );
    }

    #[test]
    fn client_line_hides_aux_fields() {
        let conf = parse(&fixture_odd()).unwrap();
        assert_eq!(
            format_client_line(conf.myself().unwrap()),
            format!(
                "{B} 127.0.0.1:30002@40002,b.example myself,master - 0 0 2 connected 5461-10922 [5061-<-{A}]"
            )
        );
        assert_eq!(
            format_client_line(conf.get(&id(RA)).unwrap()),
            format!("{RA} :0@0 slave,fail,noaddr {A} 0 0 7 disconnected")
        );
        // A CLUSTER NODES reply parses, and a client line reformats to itself.
        let reply: String = fixture_72()
            .lines()
            .filter(|l| !l.starts_with("vars"))
            .map(|l| format_client_line(&parse_line(l).unwrap()) + "\n")
            .collect();
        let conf = parse(&reply).unwrap();
        assert_eq!((conf.current_epoch, conf.last_vote_epoch), (0, 0));
        for (line, rec) in reply.lines().zip(&conf.nodes) {
            assert_eq!(format_client_line(rec), line);
            assert!(!line.contains("shard-id") && !line.contains(",,"));
        }
    }

    #[test]
    fn new_record_prints_like_a_fresh_72_node() {
        let mut rec = NodeRecord::new(id(A), "10.0.0.5", 6379, 16379);
        rec.shard_id = Some(id(SA));
        rec.flags = NodeFlags::MYSELF | NodeFlags::MASTER;
        rec.config_epoch = 3;
        rec.link = LinkState::Connected;
        rec.slots = vec![SlotRange::new(0, 5460).unwrap()];
        assert_eq!(
            format_line(&rec),
            format!("{A} 10.0.0.5:6379@16379,,tls-port=0,shard-id={SA} myself,master - 0 0 3 connected 0-5460")
        );
    }

    #[test]
    fn slot_ranges_collapse() {
        let mut rec = NodeRecord::new(id(A), "127.0.0.1", 7000, 17000);
        rec.shard_id = None;
        rec.tls_port = None;
        rec.slots = vec![
            SlotRange::single(16383),
            SlotRange::new(2, 5).unwrap(),
            SlotRange::single(0),
            SlotRange::single(1),
            SlotRange::single(7),
            SlotRange::new(9, 10).unwrap(),
            SlotRange::single(8),
            SlotRange::new(3, 4).unwrap(),
            SlotRange::single(12),
        ];
        assert_eq!(
            format_line(&rec),
            format!("{A} 127.0.0.1:7000@17000 master - 0 0 0 disconnected 0-5 7-10 12 16383")
        );
        assert_eq!(
            ranges_from_slots([5, 3, 4, 4, 100, 16382, 16383]),
            vec![
                SlotRange::new(3, 5).unwrap(),
                SlotRange::single(100),
                SlotRange::new(16382, 16383).unwrap()
            ]
        );
        assert_eq!(
            ranges_from_slots(0..16384)
                .iter()
                .map(SlotRange::len)
                .sum::<usize>(),
            16384
        );
        // Redis reloads ranges into its slot table, so adjacent ranges come back merged.
        let text = format!("{A} :7000@17000 myself,master - 0 0 0 connected 0-5 6-10 11 20-20\n");
        let conf = parse(&text).unwrap();
        assert_eq!(
            format(&conf),
            format!(
                "{A} :7000@17000 myself,master - 0 0 0 connected 0-11 20\nvars currentEpoch 0 lastVoteEpoch 0\n"
            )
        );
    }

    #[test]
    fn migrating_wins_over_importing_and_moves_print_in_slot_order() {
        let mut rec = NodeRecord::new(id(A), "127.0.0.1", 7000, 17000);
        rec.tls_port = None;
        rec.flags = NodeFlags::MYSELF | NodeFlags::MASTER;
        rec.importing = vec![
            SlotMove {
                slot: 9,
                node: id(C),
            },
            SlotMove {
                slot: 3,
                node: id(C),
            },
        ];
        rec.migrating = vec![
            SlotMove {
                slot: 9,
                node: id(B),
            },
            SlotMove {
                slot: 5,
                node: id(B),
            },
        ];
        assert_eq!(
            format_line(&rec),
            format!(
                "{A} 127.0.0.1:7000@17000 myself,master - 0 0 0 disconnected [3-<-{C}] [5->-{B}] [9->-{B}]"
            )
        );
    }

    #[test]
    fn handshake_nodes_are_not_saved() {
        let text = format!(
            "{A} :7000@17000 myself,master - 0 0 0 connected\n\
             {B} 127.0.0.1:7001@17001 master,handshake - 1795417605000 0 0 disconnected\n"
        );
        let conf = parse(&text).unwrap();
        assert!(conf
            .get(&id(B))
            .unwrap()
            .flags
            .contains(NodeFlags::HANDSHAKE));
        assert_eq!(
            format(&conf),
            format!("{A} :7000@17000 myself,master - 0 0 0 connected\nvars currentEpoch 0 lastVoteEpoch 0\n")
        );
    }

    #[test]
    fn lenient_where_redis_is() {
        // No @cport: port + 10000. Blank lines, CRLF, case-insensitive flags and vars keys,
        // unknown vars skipped, vars not last.
        let text = format!(
            "\n{A} 127.0.0.1:7000 MySelf,MASTER - 0 0 0 connected 1\r\n   \n\
             VARS CURRENTEPOCH 4 somethingNew x lastvoteepoch 2\n\
             {B} 127.0.0.1:7001@17001 slave {RA} 0 0 0 connected\n"
        );
        let conf = parse(&text).unwrap();
        let me = conf.myself().unwrap();
        assert_eq!((me.port, me.cport), (7000, 17000));
        assert_eq!(me.flags, NodeFlags::MYSELF | NodeFlags::MASTER);
        assert_eq!((conf.current_epoch, conf.last_vote_epoch), (4, 2));
        // The master of B is not listed: accepted (Redis creates a placeholder node).
        assert_eq!(conf.get(&id(B)).unwrap().master, Some(id(RA)));
        // Aux fields in another order, an empty nodename.
        let line = format!(
            "{A} 1.2.3.4:1@2,h,shard-id={SA},nodename=,tls-port=5 myself,master - 0 0 0 connected"
        );
        let rec = parse_line(&line).unwrap();
        assert_eq!(
            (rec.tls_port, rec.nodename.as_str(), rec.shard_id),
            (Some(5), "", Some(id(SA)))
        );
        assert_eq!(
            format_line(&rec),
            format!("{A} 1.2.3.4:1@2,h,tls-port=5,shard-id={SA} myself,master - 0 0 0 connected")
        );
    }

    #[test]
    fn malformed_input_is_rejected_with_its_line_number() {
        let me = format!("{A} :7000@17000 myself,master - 0 0 0 connected");
        let cases: Vec<(String, ConfErrorKind)> = vec![
            (
                format!("{B} :7001@17001 master - 0 0 0"),
                ConfErrorKind::TooFewFields,
            ),
            (
                format!("{} :7001@17001 master - 0 0 0 connected", &B[..39]),
                ConfErrorKind::BadNodeId,
            ),
            (
                format!("{} :7001@17001 master - 0 0 0 connected", B.to_uppercase()),
                ConfErrorKind::BadNodeId,
            ),
            (
                format!("{B} 7001@17001 master - 0 0 0 connected"),
                ConfErrorKind::BadAddress,
            ),
            (
                format!("{B} :70x1@17001 master - 0 0 0 connected"),
                ConfErrorKind::BadAddress,
            ),
            (
                format!("{B} :7001@99999 master - 0 0 0 connected"),
                ConfErrorKind::BadAddress,
            ),
            (
                format!("{B} :7001@17001,,color=blue master - 0 0 0 connected"),
                ConfErrorKind::BadAux("color=blue".into()),
            ),
            (
                format!("{B} :7001@17001,,tls-port master - 0 0 0 connected"),
                ConfErrorKind::BadAux("tls-port".into()),
            ),
            (
                format!("{B} :7001@17001,,nodename=a$b master - 0 0 0 connected"),
                ConfErrorKind::BadAux("nodename=a$b".into()),
            ),
            (
                format!("{B} :7001@17001,,shard-id=abc master - 0 0 0 connected"),
                ConfErrorKind::BadAux("shard-id=abc".into()),
            ),
            (
                format!("{B} :7001@17001,,tls-port=70000 master - 0 0 0 connected"),
                ConfErrorKind::BadAux("tls-port=70000".into()),
            ),
            (
                format!("{B} :7001@17001 master,leader - 0 0 0 connected"),
                ConfErrorKind::UnknownFlag("leader".into()),
            ),
            (
                format!("{B} :7001@17001 slave xyz 0 0 0 connected"),
                ConfErrorKind::BadMasterId,
            ),
            (
                format!("{B} :7001@17001 master - -1 0 0 connected"),
                ConfErrorKind::BadNumber("ping-sent"),
            ),
            (
                format!("{B} :7001@17001 master - 0 0 x connected"),
                ConfErrorKind::BadNumber("config-epoch"),
            ),
            (
                format!("{B} :7001@17001 master - 0 0 0 linked"),
                ConfErrorKind::BadLinkState,
            ),
            (
                format!("{B} :7001@17001 master - 0 0 0 connected 16384"),
                ConfErrorKind::BadSlot("16384".into()),
            ),
            (
                format!("{B} :7001@17001 master - 0 0 0 connected 10-5"),
                ConfErrorKind::BadSlot("10-5".into()),
            ),
            (
                format!("{B} :7001@17001 master - 0 0 0 connected 1-"),
                ConfErrorKind::BadSlot("1-".into()),
            ),
            (
                format!("{B} :7001@17001 master - 0 0 0 connected [5->-{C}"),
                ConfErrorKind::BadSlot(format!("[5->-{C}")),
            ),
            (
                format!("{B} :7001@17001 master - 0 0 0 connected [5-=-{C}]"),
                ConfErrorKind::BadSlot(format!("[5-=-{C}]")),
            ),
            (
                format!("{B} :7001@17001 master - 0 0 0 connected [5->-abc]"),
                ConfErrorKind::BadSlot("[5->-abc]".into()),
            ),
            ("vars currentEpoch".into(), ConfErrorKind::BadVars),
            ("vars currentEpoch x".into(), ConfErrorKind::BadVars),
            (me.clone(), ConfErrorKind::DuplicateNode),
            (
                format!("{B} :7001@17001 myself,master - 0 0 0 connected"),
                ConfErrorKind::SeveralMyself,
            ),
        ];
        for (bad, kind) in cases {
            // Line 1 is fine, line 2 is blank, line 3 is the bad one.
            let text = format!("{me}\n\n{bad}\nvars currentEpoch 0 lastVoteEpoch 0\n");
            assert_eq!(
                parse(&text),
                Err(ConfError {
                    line: 3,
                    kind: kind.clone()
                }),
                "input: {bad}"
            );
        }
        let err = parse(&format!("{B} :7001@17001 master - 0 0 0 connected\n")).unwrap_err();
        assert_eq!(
            err,
            ConfError {
                line: 0,
                kind: ConfErrorKind::NoMyself
            }
        );
        assert_eq!(parse("").unwrap_err().kind, ConfErrorKind::NoMyself);
        let mismatch = format!(
            "{me}\n{B} :7001@17001,,tls-port=0,shard-id={SB} master - 0 0 0 connected\n\
             {RB} :7002@17002,,tls-port=0,shard-id={SC} slave {B} 0 0 0 connected\n"
        );
        assert_eq!(
            parse(&mismatch),
            Err(ConfError {
                line: 3,
                kind: ConfErrorKind::ShardIdMismatch
            })
        );
        let shown = ConfError {
            line: 7,
            kind: ConfErrorKind::BadLinkState,
        }
        .to_string();
        assert_eq!(
            shown,
            "corrupted cluster config file, line 7: bad link state"
        );
    }

    fn temp_dir(tag: &str) -> PathBuf {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "slotcore-nodes-conf-{tag}-{}-{nanos}",
            std::process::id()
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn write_atomic_round_trip() {
        let dir = temp_dir("write");
        let path = dir.join("nodes.conf");
        assert_eq!(load(&path).unwrap(), None);
        File::create(&path).unwrap();
        assert_eq!(
            load(&path).unwrap(),
            None,
            "a zero-length file means no config"
        );

        let conf = parse(&fixture_72()).unwrap();
        write_atomic(&path, &conf).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), fixture_72());
        assert_eq!(load(&path).unwrap(), Some(conf.clone()));

        // Overwrite with a shorter file: nothing of the old one is left.
        let small = parse(&fixture_70()).unwrap();
        write_atomic(&path, &small).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), fixture_70());
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("nodes.conf")]);

        fs::write(&path, "garbage line\n").unwrap();
        let err = load(&path).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("line 1"), "{err}");

        // A directory that does not exist: an error, and no temp file anywhere.
        let missing = dir.join("nope").join("nodes.conf");
        assert!(write_atomic(&missing, &conf).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
