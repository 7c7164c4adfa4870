//! Encoding and decoding of Redis 7 cluster bus messages, byte for byte.
//!
//! This module owns the wire layout of the bus (port `P + 10000`): the 2256-byte fixed
//! header, the message types, the bodies (gossip sections, FAIL, PUBLISH, UPDATE, MODULE)
//! and the ping extensions. It knows nothing of nodes, links or epochs as state: it turns
//! bytes into a [`Message`] and back. The link (framing on a TCP stream) uses
//! [`frame_len`]; gossip and failover code consume decoded messages.
//!
//! The layout is pinned by offset constants checked at compile time against the sizes of
//! the fields (mirroring the `static_assert(offsetof(...))` list in Redis's `cluster.h`)
//! and by tests that decode messages captured from stock redis-server 7.0.15 / 7.2.6 and
//! valkey 8.0.1 and re-encode them to the identical bytes.
//!
//! Integers are big-endian everywhere except the MODULE `module_id`, which Redis copies
//! raw from the sender's memory (little-endian on every platform Redis ships on).
//!
//! What decoding checks, and why it differs from Redis where it does:
//! - the frame: signature, `totlen` equal to the buffer length and at least the header;
//! - `ver` == 1;
//! - the exact length each type must have (Redis's `explen` in `clusterProcessPacket`),
//!   computed in 64 bits, so a lying gossip count or PUBLISH length is an error, never an
//!   overflow or a read past the buffer (Redis 7.2.6 truncates `explen` to 32 bits, so a
//!   PUBLISH whose `channel_len + message_len` wraps past 2^32 passes its check there);
//! - extension bodies: HOSTNAME / HUMAN_NODENAME must hold their NUL, FORGOTTEN_NODE and
//!   SHARDID their fixed fields (Redis reads them without checking the length);
//! - ping extensions: each at least its 8-byte header, a multiple of 8, inside the message,
//!   and below 65536 (Redis validates the length through a `u16`, so a longer extension
//!   would be validated and walked with different lengths there).
//!
//! Redis only walks extensions when `mflags[0]` has EXT_DATA but processes them by the
//! header's count regardless; a message with a non-zero count and the flag clear is refused
//! here (Redis would read past the message).
//!
//! Nothing is allocated in proportion to a declared count: gossip entries and extensions
//! are pushed as they are parsed, after their bytes have been found in the buffer.

use std::fmt;

/// "RCmb": Redis Cluster message bus.
pub const SIGNATURE: [u8; 4] = *b"RCmb";
/// `CLUSTER_PROTO_VER`.
pub const PROTO_VER: u16 = 1;
/// `CLUSTER_NAMELEN`: node ids and shard ids are 40 hex characters, no NUL.
pub const NAME_LEN: usize = 40;
/// `NET_IP_STR_LEN`: IP fields are NUL-padded C strings in 46 bytes.
pub const IP_LEN: usize = 46;
/// Number of hash slots.
pub const SLOTS: usize = 16384;
/// A slot bitmap: slot `s` is bit `s % 8` (LSB first) of byte `s / 8`.
pub const SLOT_BITMAP_LEN: usize = SLOTS / 8;

/// Offsets of the header fields (`clusterMsg`).
pub mod hdr {
    /// `sig[4]`.
    pub const SIG: usize = 0;
    /// `totlen`, u32: the whole message, header included.
    pub const TOTLEN: usize = 4;
    /// `ver`, u16.
    pub const VER: usize = 8;
    /// `port`, u16: primary client port (TLS port under `tls-cluster yes`).
    pub const PORT: usize = 10;
    /// `type`, u16.
    pub const TYPE: usize = 12;
    /// `count`, u16: gossip entries (PING/PONG/MEET).
    pub const COUNT: usize = 14;
    /// `currentEpoch`, u64.
    pub const CURRENT_EPOCH: usize = 16;
    /// `configEpoch`, u64 (a replica sends its master's).
    pub const CONFIG_EPOCH: usize = 24;
    /// `offset`, u64: replication offset.
    pub const OFFSET: usize = 32;
    /// `sender[40]`.
    pub const SENDER: usize = 40;
    /// `myslots[2048]`.
    pub const MYSLOTS: usize = 80;
    /// `slaveof[40]`: all zero for a master.
    pub const SLAVEOF: usize = 2128;
    /// `myip[46]`.
    pub const MYIP: usize = 2168;
    /// `extensions`, u16: ping extensions after the gossip section.
    pub const EXTENSIONS: usize = 2214;
    /// `notused1[30]`.
    pub const NOTUSED1: usize = 2216;
    /// `pport`, u16: secondary client port.
    pub const PPORT: usize = 2246;
    /// `cport`, u16: bus port.
    pub const CPORT: usize = 2248;
    /// `flags`, u16: the sender's node flags.
    pub const FLAGS: usize = 2250;
    /// `state`, u8: 0 ok, 1 fail (informational).
    pub const STATE: usize = 2252;
    /// `mflags[3]`: message flags, see [`super::msg_flags`].
    pub const MFLAGS: usize = 2253;
    /// The body union.
    pub const DATA: usize = 2256;
}

/// `CLUSTERMSG_MIN_LEN`: the fixed header; every message is at least this long.
pub const HEADER_LEN: usize = hdr::DATA;
/// `sizeof(clusterMsg)`: header plus the largest body (UPDATE).
pub const MSG_STRUCT_LEN: usize = HEADER_LEN + UPDATE_BODY_LEN;

/// The largest `totlen` [`frame_len`] accepts. Redis itself has no bound (it grows the
/// link's buffer to whatever the u32 says); the only bodies of unbounded size are PUBLISH
/// and MODULE payloads, which come from a client command that had to fit in Redis's
/// `client-query-buffer-limit` (default 1 GiB). So: header + 1 GiB.
pub const MAX_FRAME_LEN: usize = HEADER_LEN + (1 << 30);

const _: () = assert!(hdr::TOTLEN == hdr::SIG + 4);
const _: () = assert!(hdr::VER == hdr::TOTLEN + 4);
const _: () = assert!(hdr::PORT == hdr::VER + 2);
const _: () = assert!(hdr::TYPE == hdr::PORT + 2);
const _: () = assert!(hdr::COUNT == hdr::TYPE + 2);
const _: () = assert!(hdr::CURRENT_EPOCH == hdr::COUNT + 2);
const _: () = assert!(hdr::CONFIG_EPOCH == hdr::CURRENT_EPOCH + 8);
const _: () = assert!(hdr::OFFSET == hdr::CONFIG_EPOCH + 8);
const _: () = assert!(hdr::SENDER == hdr::OFFSET + 8);
const _: () = assert!(hdr::MYSLOTS == hdr::SENDER + NAME_LEN);
const _: () = assert!(hdr::SLAVEOF == hdr::MYSLOTS + SLOT_BITMAP_LEN);
const _: () = assert!(hdr::MYIP == hdr::SLAVEOF + NAME_LEN);
const _: () = assert!(hdr::EXTENSIONS == hdr::MYIP + IP_LEN);
const _: () = assert!(hdr::NOTUSED1 == hdr::EXTENSIONS + 2);
const _: () = assert!(hdr::PPORT == hdr::NOTUSED1 + 30);
const _: () = assert!(hdr::CPORT == hdr::PPORT + 2);
const _: () = assert!(hdr::FLAGS == hdr::CPORT + 2);
const _: () = assert!(hdr::STATE == hdr::FLAGS + 2);
const _: () = assert!(hdr::MFLAGS == hdr::STATE + 1);
const _: () = assert!(hdr::DATA == hdr::MFLAGS + 3);
// The values Redis 7.2.6 asserts in cluster.h.
const _: () = assert!(hdr::MYSLOTS == 80 && hdr::SLAVEOF == 2128 && hdr::MYIP == 2168);
const _: () = assert!(hdr::EXTENSIONS == 2214 && hdr::PPORT == 2246 && hdr::DATA == 2256);
const _: () = assert!(HEADER_LEN % 8 == 0);
const _: () = assert!(MSG_STRUCT_LEN == 4352);

/// Offsets inside one gossip entry (`clusterMsgDataGossip`).
pub mod gossip {
    /// `nodename[40]`.
    pub const NODENAME: usize = 0;
    /// `ping_sent`, u32 seconds.
    pub const PING_SENT: usize = 40;
    /// `pong_received`, u32 seconds.
    pub const PONG_RECEIVED: usize = 44;
    /// `ip[46]`.
    pub const IP: usize = 48;
    /// `port`, u16.
    pub const PORT: usize = 94;
    /// `cport`, u16.
    pub const CPORT: usize = 96;
    /// `flags`, u16.
    pub const FLAGS: usize = 98;
    /// `pport`, u16.
    pub const PPORT: usize = 100;
    /// `notused1`, u16.
    pub const NOTUSED1: usize = 102;
    /// Size of one entry.
    pub const LEN: usize = 104;
}

const _: () = assert!(gossip::PING_SENT == gossip::NODENAME + NAME_LEN);
const _: () = assert!(gossip::PONG_RECEIVED == gossip::PING_SENT + 4);
const _: () = assert!(gossip::IP == gossip::PONG_RECEIVED + 4);
const _: () = assert!(gossip::PORT == gossip::IP + IP_LEN);
const _: () = assert!(gossip::CPORT == gossip::PORT + 2);
const _: () = assert!(gossip::FLAGS == gossip::CPORT + 2);
const _: () = assert!(gossip::PPORT == gossip::FLAGS + 2);
const _: () = assert!(gossip::NOTUSED1 == gossip::PPORT + 2);
const _: () = assert!(gossip::LEN == gossip::NOTUSED1 + 2);

/// Size of the FAIL body: the failing node's name.
pub const FAIL_BODY_LEN: usize = NAME_LEN;
/// PUBLISH / PUBLISHSHARD: `channel_len` u32, `message_len` u32, then the bytes.
/// (`sizeof(clusterMsgDataPublish)` is 16 with an 8-byte placeholder that the length
/// formula subtracts.)
pub const PUBLISH_FIXED_LEN: usize = 8;
/// UPDATE: `configEpoch` u64, `nodename[40]`, `slots[2048]`.
pub const UPDATE_BODY_LEN: usize = 8 + NAME_LEN + SLOT_BITMAP_LEN;
/// MODULE: `module_id` u64 (host order), `len` u32, `type` u8, then the payload.
/// (`sizeof(clusterMsgModule)` is 16 with a 3-byte placeholder.)
pub const MODULE_FIXED_LEN: usize = 13;
/// Ping extension header: `length` u32 (header included), `type` u16, `unused` u16.
pub const EXT_HEADER_LEN: usize = 8;
/// FORGOTTEN_NODE extension body: name[40] + ttl u64 (seconds).
pub const EXT_FORGOTTEN_NODE_LEN: usize = NAME_LEN + 8;
/// Redis reads an extension's length into a `u16` when validating.
pub const EXT_MAX_LEN: usize = u16::MAX as usize;

const _: () = assert!(UPDATE_BODY_LEN == 2096);
const _: () = assert!(HEADER_LEN + FAIL_BODY_LEN == 2296);
const _: () = assert!(HEADER_LEN + PUBLISH_FIXED_LEN == 2264);
const _: () = assert!(HEADER_LEN + MODULE_FIXED_LEN == 2269);
const _: () = assert!(EXT_FORGOTTEN_NODE_LEN % 8 == 0);

/// Node flag bits, as carried in the header `flags` and in gossip entries.
pub mod node_flags {
    /// `master`.
    pub const MASTER: u16 = 1;
    /// `slave`.
    pub const SLAVE: u16 = 2;
    /// Same bit as [`SLAVE`].
    pub const REPLICA: u16 = SLAVE;
    /// `fail?`: this node suspects a failure.
    pub const PFAIL: u16 = 4;
    /// `fail`: agreed failure.
    pub const FAIL: u16 = 8;
    /// `myself`.
    pub const MYSELF: u16 = 16;
    /// `handshake`: first PING/PONG not yet exchanged.
    pub const HANDSHAKE: u16 = 32;
    /// `noaddr`.
    pub const NOADDR: u16 = 64;
    /// Send MEET, not PING (internal, never printed).
    pub const MEET: u16 = 128;
    /// Master eligible for replica migration.
    pub const MIGRATE_TO: u16 = 256;
    /// `nofailover`: replica will not fail over.
    pub const NOFAILOVER: u16 = 512;
    /// Valkey 8 only (not in Redis 7.2): the node understands ping extensions.
    pub const EXTENSIONS_SUPPORTED: u16 = 1024;
    /// Valkey 8 only: the node accepts the 16-byte light header for PUBLISH.
    pub const LIGHT_HDR_PUBLISH_SUPPORTED: u16 = 2048;
    /// Valkey 8 only: the node accepts the light header for MODULE.
    pub const LIGHT_HDR_MODULE_SUPPORTED: u16 = 4096;
}

/// Bits of `mflags[0]`.
pub mod msg_flags {
    /// Sender is a master with a manual failover in progress (`offset` is frozen).
    pub const PAUSED: u8 = 1;
    /// FAILOVER_AUTH_REQUEST: vote even though the master is not failing.
    pub const FORCEACK: u8 = 2;
    /// PING/PONG/MEET carries ping extensions.
    pub const EXT_DATA: u8 = 4;
}

/// Valkey's light header marks its type with this bit (never sent by Redis 7).
pub const LIGHT_TYPE_BIT: u16 = 0x8000;

/// Message types. Append-only: the discriminants are the wire values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum MsgType {
    /// Heartbeat with gossip.
    Ping = 0,
    /// Reply to PING/MEET, or an announcement.
    Pong = 1,
    /// PING that makes the receiver add us.
    Meet = 2,
    /// A node is declared failed.
    Fail = 3,
    /// PUBLISH propagation.
    Publish = 4,
    /// A replica asks for votes.
    FailoverAuthRequest = 5,
    /// A master grants its vote.
    FailoverAuthAck = 6,
    /// Newer configuration of a slot owner.
    Update = 7,
    /// A replica asks its master to start a manual failover.
    MfStart = 8,
    /// Module API message.
    Module = 9,
    /// SPUBLISH propagation within a shard.
    PublishShard = 10,
}

impl MsgType {
    /// The type for a wire value, if Redis 7 defines it.
    pub fn from_u16(v: u16) -> Option<MsgType> {
        Some(match v {
            0 => MsgType::Ping,
            1 => MsgType::Pong,
            2 => MsgType::Meet,
            3 => MsgType::Fail,
            4 => MsgType::Publish,
            5 => MsgType::FailoverAuthRequest,
            6 => MsgType::FailoverAuthAck,
            7 => MsgType::Update,
            8 => MsgType::MfStart,
            9 => MsgType::Module,
            10 => MsgType::PublishShard,
            _ => return None,
        })
    }

    /// Redis's name for the type (as in its logs and CLUSTER INFO counters).
    pub fn name(self) -> &'static str {
        match self {
            MsgType::Ping => "ping",
            MsgType::Pong => "pong",
            MsgType::Meet => "meet",
            MsgType::Fail => "fail",
            MsgType::Publish => "publish",
            MsgType::FailoverAuthRequest => "auth-req",
            MsgType::FailoverAuthAck => "auth-ack",
            MsgType::Update => "update",
            MsgType::MfStart => "mfstart",
            MsgType::Module => "module",
            MsgType::PublishShard => "publishshard",
        }
    }
}

/// Ping extension types. Append-only: the discriminants are the wire values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum ExtType {
    /// `cluster-announce-hostname`.
    Hostname = 0,
    /// `cluster-announce-human-nodename`.
    HumanNodename = 1,
    /// A node in the sender's forget blacklist.
    ForgottenNode = 2,
    /// The sender's shard id.
    ShardId = 3,
}

/// A node id (or shard id): 40 bytes, normally lowercase hex. Kept raw; validity is the
/// caller's question ([`NodeName::is_valid`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeName(pub [u8; NAME_LEN]);

impl Default for NodeName {
    fn default() -> Self {
        NodeName::ZERO
    }
}

impl NodeName {
    /// All zero: "no node" (e.g. `slaveof` of a master).
    pub const ZERO: NodeName = NodeName([0; NAME_LEN]);

    /// From exactly 40 bytes.
    pub fn from_slice(b: &[u8]) -> Option<NodeName> {
        Some(NodeName(b.try_into().ok()?))
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; NAME_LEN] {
        &self.0
    }

    /// True for the all-zero name.
    pub fn is_zero(&self) -> bool {
        self.0 == [0; NAME_LEN]
    }

    /// Redis's `verifyClusterNodeId`: every byte in `[a-z0-9]`.
    pub fn is_valid(&self) -> bool {
        self.0
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    }
}

impl fmt::Display for NodeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

impl fmt::Debug for NodeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeName({self})")
    }
}

/// A 46-byte NUL-padded IP field. Kept raw: Redis copies its whole in-memory buffer
/// into gossip entries, so bytes after the NUL are not necessarily zero, and keeping
/// them makes re-encoding exact.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpField(pub [u8; IP_LEN]);

impl Default for IpField {
    fn default() -> Self {
        IpField([0; IP_LEN])
    }
}

impl IpField {
    /// From a string of at most 45 bytes (room for the NUL); `None` if longer.
    pub fn new(ip: &[u8]) -> Option<IpField> {
        if ip.len() >= IP_LEN {
            return None;
        }
        let mut b = [0; IP_LEN];
        b[..ip.len()].copy_from_slice(ip);
        Some(IpField(b))
    }

    /// The string up to the first NUL.
    pub fn as_bytes(&self) -> &[u8] {
        let end = self.0.iter().position(|&b| b == 0).unwrap_or(IP_LEN);
        &self.0[..end]
    }

    /// True when no address is given (the receiver then uses the socket's peer address).
    pub fn is_empty(&self) -> bool {
        self.0[0] == 0
    }
}

impl fmt::Debug for IpField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IpField({:?})", String::from_utf8_lossy(self.as_bytes()))
    }
}

/// A 16384-bit slot bitmap (boxed: it is 2 KiB).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SlotBitmap(pub Box<[u8; SLOT_BITMAP_LEN]>);

impl Default for SlotBitmap {
    fn default() -> Self {
        SlotBitmap(Box::new([0; SLOT_BITMAP_LEN]))
    }
}

impl SlotBitmap {
    /// From exactly 2048 bytes.
    pub fn from_slice(b: &[u8]) -> Option<SlotBitmap> {
        let arr: [u8; SLOT_BITMAP_LEN] = b.try_into().ok()?;
        Some(SlotBitmap(Box::new(arr)))
    }

    /// Is `slot` set? Slots beyond 16383 are never set.
    pub fn contains(&self, slot: u16) -> bool {
        let s = slot as usize;
        s < SLOTS && self.0[s / 8] & (1 << (s % 8)) != 0
    }

    /// Set `slot` (ignored beyond 16383).
    pub fn insert(&mut self, slot: u16) {
        let s = slot as usize;
        if s < SLOTS {
            self.0[s / 8] |= 1 << (s % 8);
        }
    }

    /// Clear `slot`.
    pub fn remove(&mut self, slot: u16) {
        let s = slot as usize;
        if s < SLOTS {
            self.0[s / 8] &= !(1 << (s % 8));
        }
    }

    /// Number of slots set.
    pub fn count(&self) -> usize {
        self.0.iter().map(|b| b.count_ones() as usize).sum()
    }

    /// Set slots as inclusive ranges, ascending.
    pub fn ranges(&self) -> Vec<(u16, u16)> {
        let mut out = Vec::new();
        let mut start: Option<u16> = None;
        for s in 0..SLOTS as u16 {
            match (self.contains(s), start) {
                (true, None) => start = Some(s),
                (false, Some(a)) => {
                    out.push((a, s - 1));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(a) = start {
            out.push((a, SLOTS as u16 - 1));
        }
        out
    }
}

impl fmt::Debug for SlotBitmap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SlotBitmap{:?}", self.ranges())
    }
}

/// The fixed header, minus what is derived from the body when encoding (`sig`,
/// `totlen`, `ver`, `type`, `count`, `extensions`) and the reserved bytes (written as
/// zero, ignored when read).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Header {
    /// Primary client port.
    pub port: u16,
    /// Sender's currentEpoch.
    pub current_epoch: u64,
    /// Sender's configEpoch, or its master's for a replica.
    pub config_epoch: u64,
    /// Replication offset.
    pub offset: u64,
    /// Sender node id.
    pub sender: NodeName,
    /// Slots served by the sender, or by its master for a replica.
    pub myslots: SlotBitmap,
    /// The sender's master; all zero when the sender is a master.
    pub slaveof: NodeName,
    /// `cluster-announce-ip`, or empty.
    pub myip: IpField,
    /// Secondary client port (0 if none).
    pub pport: u16,
    /// Bus port.
    pub cport: u16,
    /// Sender's node flags ([`node_flags`]).
    pub flags: u16,
    /// Sender's view of the cluster: 0 ok, 1 fail.
    pub state: u8,
    /// Message flags; `mflags[0]` bits in [`msg_flags`]. Encoding sets EXT_DATA when a
    /// PING/PONG/MEET has extensions (and keeps it if set without extensions, as Valkey
    /// sends).
    pub mflags: [u8; 3],
}

impl Header {
    /// The sender's master, if it is a replica.
    pub fn master(&self) -> Option<&NodeName> {
        (!self.slaveof.is_zero()).then_some(&self.slaveof)
    }
}

/// One gossip entry: the sender's view of another node.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Gossip {
    /// The node described.
    pub node: NodeName,
    /// When the sender last pinged it, Unix seconds (0: no ping pending).
    pub ping_sent: u32,
    /// When the sender last got its pong, Unix seconds.
    pub pong_received: u32,
    /// Its address.
    pub ip: IpField,
    /// Primary client port.
    pub port: u16,
    /// Bus port.
    pub cport: u16,
    /// Its flags as the sender sees them.
    pub flags: u16,
    /// Secondary client port.
    pub pport: u16,
}

/// A ping extension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Extension {
    /// Announced hostname (sent without its NUL; encoded NUL-terminated, zero padded).
    Hostname(Vec<u8>),
    /// Announced human-readable node name.
    HumanNodename(Vec<u8>),
    /// A node the sender has forgotten, and for how many more seconds.
    ForgottenNode {
        /// The forgotten node.
        name: NodeName,
        /// Seconds left in the sender's blacklist.
        ttl: u64,
    },
    /// The sender's shard id.
    ShardId(NodeName),
    /// A type this build does not know (Valkey's client IPs, future ones): the body
    /// after the 8-byte extension header, padding included.
    Unknown {
        /// The wire type.
        ext_type: u16,
        /// The body, a multiple of 8 bytes to be valid for Redis.
        data: Vec<u8>,
    },
}

impl Extension {
    /// The wire type.
    pub fn ext_type(&self) -> u16 {
        match self {
            Extension::Hostname(_) => ExtType::Hostname as u16,
            Extension::HumanNodename(_) => ExtType::HumanNodename as u16,
            Extension::ForgottenNode { .. } => ExtType::ForgottenNode as u16,
            Extension::ShardId(_) => ExtType::ShardId as u16,
            Extension::Unknown { ext_type, .. } => *ext_type,
        }
    }

    /// Encoded size: 8 + the body rounded up to 8 (Redis's `getAlignedPingExtSize`).
    pub fn encoded_len(&self) -> usize {
        EXT_HEADER_LEN
            + align8(match self {
                Extension::Hostname(s) | Extension::HumanNodename(s) => s.len() + 1,
                Extension::ForgottenNode { .. } => EXT_FORGOTTEN_NODE_LEN,
                Extension::ShardId(_) => NAME_LEN,
                Extension::Unknown { data, .. } => data.len(),
            })
    }
}

/// The body of PING, PONG and MEET.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Ping {
    /// Gossip entries (`count` on the wire).
    pub gossip: Vec<Gossip>,
    /// Ping extensions, in wire order.
    pub extensions: Vec<Extension>,
}

/// The body of PUBLISH and PUBLISHSHARD.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Publish {
    /// Channel name.
    pub channel: Vec<u8>,
    /// Payload.
    pub message: Vec<u8>,
}

/// The body of UPDATE: the newer configuration of one slot owner.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Update {
    /// Config epoch of the node described.
    pub config_epoch: u64,
    /// The slot owner.
    pub node: NodeName,
    /// Its slots.
    pub slots: SlotBitmap,
}

/// The body of MODULE.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Module {
    /// `moduleTypeEncodeId` of the sending module. Redis copies the u64 raw from memory;
    /// it is read and written here as little-endian, which is what every x86/ARM sender
    /// produces.
    pub module_id: u64,
    /// Module-defined message type.
    pub module_type: u8,
    /// Payload.
    pub payload: Vec<u8>,
}

/// A message body, by type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// PING.
    Ping(Ping),
    /// PONG.
    Pong(Ping),
    /// MEET.
    Meet(Ping),
    /// FAIL: the node declared failed.
    Fail(NodeName),
    /// PUBLISH.
    Publish(Publish),
    /// FAILOVER_AUTH_REQUEST (header only).
    FailoverAuthRequest,
    /// FAILOVER_AUTH_ACK (header only).
    FailoverAuthAck,
    /// UPDATE.
    Update(Update),
    /// MFSTART (header only).
    MfStart,
    /// MODULE.
    Module(Module),
    /// PUBLISHSHARD.
    PublishShard(Publish),
    /// A type this build does not know: Redis accepts any length for it and ignores it.
    /// The header's `count` and `extensions` are kept since their meaning is unknown.
    Unknown {
        /// The wire type.
        msg_type: u16,
        /// Header `count`.
        count: u16,
        /// Header `extensions`.
        extensions: u16,
        /// Everything after the fixed header.
        data: Vec<u8>,
    },
}

impl Body {
    /// The wire type.
    pub fn msg_type(&self) -> u16 {
        let t = match self {
            Body::Ping(_) => MsgType::Ping,
            Body::Pong(_) => MsgType::Pong,
            Body::Meet(_) => MsgType::Meet,
            Body::Fail(_) => MsgType::Fail,
            Body::Publish(_) => MsgType::Publish,
            Body::FailoverAuthRequest => MsgType::FailoverAuthRequest,
            Body::FailoverAuthAck => MsgType::FailoverAuthAck,
            Body::Update(_) => MsgType::Update,
            Body::MfStart => MsgType::MfStart,
            Body::Module(_) => MsgType::Module,
            Body::PublishShard(_) => MsgType::PublishShard,
            Body::Unknown { msg_type, .. } => return *msg_type,
        };
        t as u16
    }

    /// The gossip section and extensions, for PING/PONG/MEET.
    pub fn ping(&self) -> Option<&Ping> {
        match self {
            Body::Ping(p) | Body::Pong(p) | Body::Meet(p) => Some(p),
            _ => None,
        }
    }
}

/// A whole bus message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The fixed header.
    pub header: Header,
    /// The body.
    pub body: Body,
}

impl Message {
    /// The wire type.
    pub fn msg_type(&self) -> u16 {
        self.body.msg_type()
    }

    /// The exact number of bytes [`encode`] writes (the `totlen` field).
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN
            + match &self.body {
                Body::Ping(p) | Body::Pong(p) | Body::Meet(p) => {
                    p.gossip.len() * gossip::LEN
                        + p.extensions
                            .iter()
                            .map(Extension::encoded_len)
                            .sum::<usize>()
                }
                Body::Fail(_) => FAIL_BODY_LEN,
                Body::Publish(p) | Body::PublishShard(p) => {
                    PUBLISH_FIXED_LEN + p.channel.len() + p.message.len()
                }
                Body::FailoverAuthRequest | Body::FailoverAuthAck | Body::MfStart => 0,
                Body::Update(_) => UPDATE_BODY_LEN,
                Body::Module(m) => MODULE_FIXED_LEN + m.payload.len(),
                Body::Unknown { data, .. } => data.len(),
            }
    }
}

/// Why bytes are not a valid message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireError {
    /// Fewer than 8 bytes: no signature and length yet (only from [`decode`]; a stream
    /// gets `Ok(None)` from [`frame_len`]).
    Truncated {
        /// Bytes given.
        len: usize,
    },
    /// The first 4 bytes are not "RCmb".
    BadSignature,
    /// `totlen` below the 2256-byte header.
    TooShort {
        /// The declared length.
        totlen: u32,
    },
    /// `totlen` above [`MAX_FRAME_LEN`].
    TooLong {
        /// The declared length.
        totlen: u32,
    },
    /// `totlen` differs from the number of bytes given to [`decode`].
    LengthMismatch {
        /// The declared length.
        totlen: u32,
        /// Bytes given.
        len: usize,
    },
    /// `ver` is not 1.
    BadVersion(u16),
    /// A Valkey 16-byte light header (type with bit 0x8000), which Redis 7 does not speak.
    LightHeader {
        /// The raw type.
        msg_type: u16,
    },
    /// The gossip count needs more bytes than the message has.
    GossipOverflow {
        /// Declared entries.
        count: u16,
        /// The declared length.
        totlen: u32,
    },
    /// A ping extension is malformed (what is wrong, and which one).
    BadExtension {
        /// Index of the extension.
        index: u16,
        /// What is wrong.
        reason: &'static str,
    },
    /// `totlen` is not the length this type requires (Redis's `explen`).
    BadLength {
        /// The type.
        msg_type: u16,
        /// The declared length.
        totlen: u32,
        /// What the body says it should be.
        expected: u64,
    },
}

impl WireError {
    /// True when Redis closes the link for this (`clusterReadHandler`'s signature and
    /// minimum-length check); every other error drops the message and keeps the link.
    pub fn closes_link(&self) -> bool {
        matches!(
            self,
            WireError::BadSignature | WireError::TooShort { .. } | WireError::TooLong { .. }
        )
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Truncated { len } => write!(f, "truncated bus message ({len} bytes)"),
            WireError::BadSignature => f.write_str("bad signature on the cluster bus"),
            WireError::TooShort { totlen } => write!(f, "bus message length {totlen} too short"),
            WireError::TooLong { totlen } => write!(f, "bus message length {totlen} too long"),
            WireError::LengthMismatch { totlen, len } => {
                write!(f, "bus message length {totlen} but {len} bytes given")
            }
            WireError::BadVersion(v) => write!(f, "bus protocol version {v}"),
            WireError::LightHeader { msg_type } => {
                write!(f, "light-header bus message (type {msg_type:#06x})")
            }
            WireError::GossipOverflow { count, totlen } => {
                write!(f, "{count} gossip entries do not fit in {totlen} bytes")
            }
            WireError::BadExtension { index, reason } => {
                write!(f, "ping extension {index}: {reason}")
            }
            WireError::BadLength {
                msg_type,
                totlen,
                expected,
            } => write!(
                f,
                "bus message of type {msg_type} has length {totlen}, expected {expected}"
            ),
        }
    }
}

impl std::error::Error for WireError {}

fn align8(n: usize) -> usize {
    (n + 7) & !7
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn be64(b: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

fn name_at(b: &[u8], at: usize) -> NodeName {
    NodeName(b[at..at + NAME_LEN].try_into().expect("40 bytes"))
}

fn ip_at(b: &[u8], at: usize) -> IpField {
    IpField(b[at..at + IP_LEN].try_into().expect("46 bytes"))
}

/// For a byte stream: `Ok(Some(n))` when the first message is complete and `n` bytes
/// long, `Ok(None)` when more bytes are needed, an error when the link must be closed
/// (bad signature, `totlen` below the header as in Redis, or above [`MAX_FRAME_LEN`]).
/// The signature is checked as soon as its bytes arrive.
pub fn frame_len(buf: &[u8]) -> Result<Option<usize>, WireError> {
    let sig_seen = buf.len().min(4);
    if buf[..sig_seen] != SIGNATURE[..sig_seen] {
        return Err(WireError::BadSignature);
    }
    if buf.len() < 8 {
        return Ok(None);
    }
    let totlen = be32(buf, hdr::TOTLEN);
    if (totlen as usize) < HEADER_LEN {
        return Err(WireError::TooShort { totlen });
    }
    if totlen as usize > MAX_FRAME_LEN {
        return Err(WireError::TooLong { totlen });
    }
    Ok((buf.len() >= totlen as usize).then_some(totlen as usize))
}

/// Decode one whole message: `buf` must be exactly `totlen` bytes (see [`frame_len`]).
pub fn decode(buf: &[u8]) -> Result<Message, WireError> {
    if buf.len() < 8 {
        return Err(WireError::Truncated { len: buf.len() });
    }
    if buf[..4] != SIGNATURE {
        return Err(WireError::BadSignature);
    }
    let totlen = be32(buf, hdr::TOTLEN);
    if buf.len() >= hdr::COUNT && be16(buf, hdr::TYPE) & LIGHT_TYPE_BIT != 0 {
        return Err(WireError::LightHeader {
            msg_type: be16(buf, hdr::TYPE),
        });
    }
    if (totlen as usize) < HEADER_LEN {
        return Err(WireError::TooShort { totlen });
    }
    if totlen as usize != buf.len() {
        return Err(WireError::LengthMismatch {
            totlen,
            len: buf.len(),
        });
    }
    let ver = be16(buf, hdr::VER);
    if ver != PROTO_VER {
        return Err(WireError::BadVersion(ver));
    }
    let msg_type = be16(buf, hdr::TYPE);
    let count = be16(buf, hdr::COUNT);
    let n_ext = be16(buf, hdr::EXTENSIONS);
    let header = Header {
        port: be16(buf, hdr::PORT),
        current_epoch: be64(buf, hdr::CURRENT_EPOCH),
        config_epoch: be64(buf, hdr::CONFIG_EPOCH),
        offset: be64(buf, hdr::OFFSET),
        sender: name_at(buf, hdr::SENDER),
        myslots: SlotBitmap::from_slice(&buf[hdr::MYSLOTS..hdr::MYSLOTS + SLOT_BITMAP_LEN])
            .expect("2048 bytes"),
        slaveof: name_at(buf, hdr::SLAVEOF),
        myip: ip_at(buf, hdr::MYIP),
        pport: be16(buf, hdr::PPORT),
        cport: be16(buf, hdr::CPORT),
        flags: be16(buf, hdr::FLAGS),
        state: buf[hdr::STATE],
        mflags: [buf[hdr::MFLAGS], buf[hdr::MFLAGS + 1], buf[hdr::MFLAGS + 2]],
    };
    let data = &buf[HEADER_LEN..];
    let expect = |expected: u64| {
        if expected == totlen as u64 {
            Ok(())
        } else {
            Err(WireError::BadLength {
                msg_type,
                totlen,
                expected,
            })
        }
    };
    let body = match MsgType::from_u16(msg_type) {
        Some(t @ (MsgType::Ping | MsgType::Pong | MsgType::Meet)) => {
            let ping = decode_ping(msg_type, data, count, n_ext, header.mflags[0], totlen)?;
            match t {
                MsgType::Ping => Body::Ping(ping),
                MsgType::Pong => Body::Pong(ping),
                _ => Body::Meet(ping),
            }
        }
        Some(MsgType::Fail) => {
            expect((HEADER_LEN + FAIL_BODY_LEN) as u64)?;
            Body::Fail(name_at(data, 0))
        }
        Some(t @ (MsgType::Publish | MsgType::PublishShard)) => {
            if data.len() < PUBLISH_FIXED_LEN {
                expect((HEADER_LEN + PUBLISH_FIXED_LEN) as u64)?;
            }
            let cl = be32(data, 0) as u64;
            let ml = be32(data, 4) as u64;
            expect((HEADER_LEN + PUBLISH_FIXED_LEN) as u64 + cl + ml)?;
            let (channel, message) = data[PUBLISH_FIXED_LEN..].split_at(cl as usize);
            let p = Publish {
                channel: channel.to_vec(),
                message: message.to_vec(),
            };
            if t == MsgType::Publish {
                Body::Publish(p)
            } else {
                Body::PublishShard(p)
            }
        }
        Some(t @ (MsgType::FailoverAuthRequest | MsgType::FailoverAuthAck | MsgType::MfStart)) => {
            expect(HEADER_LEN as u64)?;
            match t {
                MsgType::FailoverAuthRequest => Body::FailoverAuthRequest,
                MsgType::FailoverAuthAck => Body::FailoverAuthAck,
                _ => Body::MfStart,
            }
        }
        Some(MsgType::Update) => {
            expect((HEADER_LEN + UPDATE_BODY_LEN) as u64)?;
            Body::Update(Update {
                config_epoch: be64(data, 0),
                node: name_at(data, 8),
                slots: SlotBitmap::from_slice(&data[8 + NAME_LEN..]).expect("2048 bytes"),
            })
        }
        Some(MsgType::Module) => {
            if data.len() < MODULE_FIXED_LEN {
                expect((HEADER_LEN + MODULE_FIXED_LEN) as u64)?;
            }
            let len = be32(data, 8) as u64;
            expect((HEADER_LEN + MODULE_FIXED_LEN) as u64 + len)?;
            Body::Module(Module {
                module_id: u64::from_le_bytes(data[..8].try_into().expect("8 bytes")),
                module_type: data[12],
                payload: data[MODULE_FIXED_LEN..].to_vec(),
            })
        }
        None => Body::Unknown {
            msg_type,
            count,
            extensions: n_ext,
            data: data.to_vec(),
        },
    };
    Ok(Message { header, body })
}

fn decode_ping(
    msg_type: u16,
    data: &[u8],
    count: u16,
    n_ext: u16,
    mflags0: u8,
    totlen: u32,
) -> Result<Ping, WireError> {
    let gossip_len = count as usize * gossip::LEN;
    if gossip_len > data.len() {
        return Err(WireError::GossipOverflow { count, totlen });
    }
    let gossip = data[..gossip_len]
        .chunks_exact(gossip::LEN)
        .map(|g| Gossip {
            node: name_at(g, gossip::NODENAME),
            ping_sent: be32(g, gossip::PING_SENT),
            pong_received: be32(g, gossip::PONG_RECEIVED),
            ip: ip_at(g, gossip::IP),
            port: be16(g, gossip::PORT),
            cport: be16(g, gossip::CPORT),
            flags: be16(g, gossip::FLAGS),
            pport: be16(g, gossip::PPORT),
        })
        .collect();
    let mut rest = &data[gossip_len..];
    let mut extensions = Vec::new();
    if mflags0 & msg_flags::EXT_DATA == 0 {
        // Redis does not count extensions without the flag, but would walk them.
        if n_ext != 0 {
            return Err(WireError::BadExtension {
                index: 0,
                reason: "extensions counted but EXT_DATA flag clear",
            });
        }
    } else {
        for index in 0..n_ext {
            let bad = |reason| WireError::BadExtension { index, reason };
            if rest.len() < EXT_HEADER_LEN {
                return Err(bad("header past the end of the message"));
            }
            let len = be32(rest, 0) as usize;
            let ext_type = be16(rest, 4);
            if len < EXT_HEADER_LEN {
                return Err(bad("length shorter than its header"));
            }
            if len % 8 != 0 {
                return Err(bad("length not a multiple of 8"));
            }
            if len > EXT_MAX_LEN {
                return Err(bad("length above 65535"));
            }
            if len > rest.len() {
                return Err(bad("runs past the end of the message"));
            }
            let body = &rest[EXT_HEADER_LEN..len];
            rest = &rest[len..];
            extensions.push(decode_ext(ext_type, body).map_err(bad)?);
        }
    }
    if !rest.is_empty() {
        let ext_sum: usize = extensions.iter().map(Extension::encoded_len).sum();
        return Err(WireError::BadLength {
            msg_type,
            totlen,
            expected: (HEADER_LEN + gossip_len + ext_sum) as u64,
        });
    }
    Ok(Ping { gossip, extensions })
}

fn decode_ext(ext_type: u16, body: &[u8]) -> Result<Extension, &'static str> {
    let cstr = |body: &[u8]| -> Result<Vec<u8>, &'static str> {
        let end = body
            .iter()
            .position(|&b| b == 0)
            .ok_or("string not NUL-terminated")?;
        Ok(body[..end].to_vec())
    };
    Ok(match ext_type {
        t if t == ExtType::Hostname as u16 => Extension::Hostname(cstr(body)?),
        t if t == ExtType::HumanNodename as u16 => Extension::HumanNodename(cstr(body)?),
        t if t == ExtType::ForgottenNode as u16 => {
            if body.len() < EXT_FORGOTTEN_NODE_LEN {
                return Err("forgotten-node body too short");
            }
            Extension::ForgottenNode {
                name: name_at(body, 0),
                ttl: be64(body, NAME_LEN),
            }
        }
        t if t == ExtType::ShardId as u16 => {
            if body.len() < NAME_LEN {
                return Err("shard-id body too short");
            }
            Extension::ShardId(name_at(body, 0))
        }
        _ => Extension::Unknown {
            ext_type,
            data: body.to_vec(),
        },
    })
}

/// Append the encoding of `msg` to `out`. Infallible: the caller keeps the counts within
/// the wire's u16/u32 fields (at most 65535 gossip entries and extensions, extensions
/// under 65536 bytes, PUBLISH/MODULE data within [`MAX_FRAME_LEN`]); beyond that the
/// fields are truncated and the peer will drop the message.
pub fn encode(msg: &Message, out: &mut Vec<u8>) {
    let totlen = msg.encoded_len();
    out.reserve(totlen);
    let start = out.len();
    let h = &msg.header;
    let (count, n_ext, ext_data) = match &msg.body {
        Body::Ping(p) | Body::Pong(p) | Body::Meet(p) => (
            p.gossip.len() as u16,
            p.extensions.len() as u16,
            !p.extensions.is_empty(),
        ),
        Body::Unknown {
            count, extensions, ..
        } => (*count, *extensions, false),
        _ => (0, 0, false),
    };
    out.extend_from_slice(&SIGNATURE);
    out.extend_from_slice(&(totlen as u32).to_be_bytes());
    out.extend_from_slice(&PROTO_VER.to_be_bytes());
    out.extend_from_slice(&h.port.to_be_bytes());
    out.extend_from_slice(&msg.msg_type().to_be_bytes());
    out.extend_from_slice(&count.to_be_bytes());
    out.extend_from_slice(&h.current_epoch.to_be_bytes());
    out.extend_from_slice(&h.config_epoch.to_be_bytes());
    out.extend_from_slice(&h.offset.to_be_bytes());
    out.extend_from_slice(&h.sender.0);
    out.extend_from_slice(&h.myslots.0[..]);
    out.extend_from_slice(&h.slaveof.0);
    out.extend_from_slice(&h.myip.0);
    out.extend_from_slice(&n_ext.to_be_bytes());
    out.extend_from_slice(&[0; 30]);
    out.extend_from_slice(&h.pport.to_be_bytes());
    out.extend_from_slice(&h.cport.to_be_bytes());
    out.extend_from_slice(&h.flags.to_be_bytes());
    out.push(h.state);
    let mut mflags = h.mflags;
    if ext_data {
        mflags[0] |= msg_flags::EXT_DATA;
    }
    out.extend_from_slice(&mflags);
    debug_assert_eq!(out.len() - start, HEADER_LEN);

    match &msg.body {
        Body::Ping(p) | Body::Pong(p) | Body::Meet(p) => {
            for g in &p.gossip {
                out.extend_from_slice(&g.node.0);
                out.extend_from_slice(&g.ping_sent.to_be_bytes());
                out.extend_from_slice(&g.pong_received.to_be_bytes());
                out.extend_from_slice(&g.ip.0);
                out.extend_from_slice(&g.port.to_be_bytes());
                out.extend_from_slice(&g.cport.to_be_bytes());
                out.extend_from_slice(&g.flags.to_be_bytes());
                out.extend_from_slice(&g.pport.to_be_bytes());
                out.extend_from_slice(&[0; 2]);
            }
            for e in &p.extensions {
                encode_ext(e, out);
            }
        }
        Body::Fail(node) => out.extend_from_slice(&node.0),
        Body::Publish(p) | Body::PublishShard(p) => {
            out.extend_from_slice(&(p.channel.len() as u32).to_be_bytes());
            out.extend_from_slice(&(p.message.len() as u32).to_be_bytes());
            out.extend_from_slice(&p.channel);
            out.extend_from_slice(&p.message);
        }
        Body::FailoverAuthRequest | Body::FailoverAuthAck | Body::MfStart => {}
        Body::Update(u) => {
            out.extend_from_slice(&u.config_epoch.to_be_bytes());
            out.extend_from_slice(&u.node.0);
            out.extend_from_slice(&u.slots.0[..]);
        }
        Body::Module(m) => {
            out.extend_from_slice(&m.module_id.to_le_bytes());
            out.extend_from_slice(&(m.payload.len() as u32).to_be_bytes());
            out.push(m.module_type);
            out.extend_from_slice(&m.payload);
        }
        Body::Unknown { data, .. } => out.extend_from_slice(data),
    }
    debug_assert_eq!(out.len() - start, totlen);
}

fn encode_ext(e: &Extension, out: &mut Vec<u8>) {
    let len = e.encoded_len();
    let start = out.len();
    out.extend_from_slice(&(len as u32).to_be_bytes());
    out.extend_from_slice(&e.ext_type().to_be_bytes());
    out.extend_from_slice(&[0; 2]);
    match e {
        Extension::Hostname(s) | Extension::HumanNodename(s) => out.extend_from_slice(s),
        Extension::ForgottenNode { name, ttl } => {
            out.extend_from_slice(&name.0);
            out.extend_from_slice(&ttl.to_be_bytes());
        }
        Extension::ShardId(id) => out.extend_from_slice(&id.0),
        Extension::Unknown { data, .. } => out.extend_from_slice(data),
    }
    // NUL terminator and zero padding up to the declared length.
    out.resize(start + len, 0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};
    use std::sync::OnceLock;

    const CAPTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/captures");

    fn capture(rel: &str) -> Vec<u8> {
        let p = Path::new(CAPTURES).join(rel);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn name(s: &str) -> NodeName {
        NodeName::from_slice(s.as_bytes()).expect("40 chars")
    }

    fn roundtrip_bytes(buf: &[u8]) -> Message {
        let msg = decode(buf).unwrap_or_else(|e| panic!("decode: {e}"));
        let mut out = Vec::new();
        encode(&msg, &mut out);
        assert_eq!(out.len(), msg.encoded_len());
        assert!(out == buf, "re-encoding differs from the capture");
        msg
    }

    /// Every `(version/file.bin, section lines)` of every decoded.txt.
    fn decoded_sections() -> Vec<(PathBuf, String, Vec<String>)> {
        let mut out = Vec::new();
        let mut dirs: Vec<_> = std::fs::read_dir(CAPTURES)
            .expect("tests/data/captures in the repository")
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("decoded.txt").is_file())
            .collect();
        dirs.sort();
        for dir in dirs {
            let text = std::fs::read_to_string(dir.join("decoded.txt")).unwrap();
            let mut cur: Option<(String, Vec<String>)> = None;
            for line in text.lines() {
                if let Some(rest) = line.strip_prefix("### ") {
                    out.extend(cur.take().map(|(f, l)| (dir.clone(), f, l)));
                    let file = rest.split_whitespace().next().unwrap();
                    let file = file.rsplit('/').next().unwrap().to_string();
                    cur = Some((file, Vec::new()));
                } else if let Some((_, lines)) = cur.as_mut() {
                    if !line.trim().is_empty() {
                        lines.push(line.to_string());
                    }
                }
            }
            out.extend(cur.take().map(|(f, l)| (dir.clone(), f, l)));
        }
        out
    }

    /// Python `repr` of a str or bytes literal, as decode.py prints them.
    fn unrepr(s: &str) -> Vec<u8> {
        let s = s.strip_prefix('b').unwrap_or(s);
        let q = s.chars().next().unwrap();
        let inner = s
            .strip_prefix(q)
            .and_then(|s| s.strip_suffix(q))
            .unwrap_or_else(|| panic!("not a literal: {s}"));
        let mut out = Vec::new();
        let mut it = inner.bytes();
        while let Some(b) = it.next() {
            if b != b'\\' {
                out.push(b);
                continue;
            }
            match it.next().unwrap() {
                b'x' => {
                    let h: String = [it.next().unwrap(), it.next().unwrap()]
                        .iter()
                        .map(|&c| c as char)
                        .collect();
                    out.push(u8::from_str_radix(&h, 16).unwrap());
                }
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                c => out.push(c),
            }
        }
        out
    }

    fn num(s: &str) -> u64 {
        let s = s.trim_end_matches('s');
        let s = s.split('(').next().unwrap();
        match s.strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16).unwrap(),
            None => s.parse().unwrap_or_else(|_| panic!("not a number: {s}")),
        }
    }

    /// `k=v k=v` pairs of a gossip or extension line.
    fn pairs(s: &str) -> BTreeMap<&str, &str> {
        s.split_whitespace()
            .filter_map(|w| w.split_once('='))
            .collect()
    }

    fn ranges_text(b: &SlotBitmap) -> String {
        let r: Vec<String> = b
            .ranges()
            .iter()
            .map(|&(a, z)| {
                if a == z {
                    a.to_string()
                } else {
                    format!("{a}-{z}")
                }
            })
            .collect();
        if r.is_empty() {
            "(none)".into()
        } else {
            r.join(", ")
        }
    }

    fn check_slots(b: &SlotBitmap, v: &str, what: &str) {
        let (n, ranges) = v.split_once(" slots: ").unwrap();
        assert_eq!(b.count() as u64, num(n), "{what} count");
        assert_eq!(ranges_text(b), ranges, "{what} ranges");
    }

    /// Decode a capture and compare every field decoded.txt lists, then re-encode.
    fn check_capture(file: &Path, lines: &[String]) -> Option<Message> {
        let buf = std::fs::read(file).unwrap();
        let f: BTreeMap<&str, &str> = lines
            .iter()
            .map(|l| match l.split_once(char::is_whitespace) {
                Some((k, v)) => (k, v.trim()),
                None => (l.as_str(), ""),
            })
            .collect();
        let totlen = num(f["totlen"].split_whitespace().next().unwrap());
        assert_eq!(totlen as usize, buf.len());
        if f["type"].contains("LIGHT") {
            // Valkey's light header: not Redis 7, refused cleanly, and the stream layer
            // closes the link as a 7.2 node does (totlen below the header).
            let t = num(f["type"].split_whitespace().next().unwrap()) as u16;
            assert_eq!(decode(&buf), Err(WireError::LightHeader { msg_type: t }));
            assert_eq!(
                frame_len(&buf),
                Err(WireError::TooShort {
                    totlen: totlen as u32
                })
            );
            return None;
        }
        assert_eq!(frame_len(&buf), Ok(Some(buf.len())));
        assert_eq!(frame_len(&buf[..buf.len() - 1]), Ok(None));
        let msg = roundtrip_bytes(&buf);
        let h = &msg.header;
        assert_eq!(
            msg.msg_type() as u64,
            num(f["type"].split(' ').next().unwrap())
        );
        assert_eq!(h.port as u64, num(f["port"]));
        assert_eq!(h.current_epoch, num(f["currentEpoch"]));
        assert_eq!(h.config_epoch, num(f["configEpoch"]));
        assert_eq!(h.offset, num(f["offset"]));
        assert_eq!(h.sender.to_string(), f["sender"]);
        check_slots(&h.myslots, f["myslots"], "myslots");
        if f["slaveof"].starts_with("(40 zero bytes") {
            assert_eq!(h.master(), None);
        } else {
            assert_eq!(h.master().unwrap().to_string(), f["slaveof"]);
        }
        let ip = f["myip"].split(" (").next().unwrap();
        assert_eq!(h.myip.as_bytes(), unrepr(ip));
        assert_eq!(f["notused1"], "30 zero bytes");
        assert_eq!(h.pport as u64, num(f["pport"]));
        assert_eq!(h.cport as u64, num(f["cport"]));
        assert_eq!(h.flags as u64, num(f["flags"].split(' ').next().unwrap()));
        assert_eq!(h.state as u64, num(f["state"].split(' ').next().unwrap()));
        let mflags: Vec<u8> = f["mflags"]
            .split(" (")
            .next()
            .unwrap()
            .split(' ')
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect();
        assert_eq!(h.mflags[..], mflags[..]);
        let n_ext = num(f["extensions"]);
        let count = num(f["count"]);

        match &msg.body {
            Body::Ping(p) | Body::Pong(p) | Body::Meet(p) => {
                assert_eq!(p.gossip.len() as u64, count);
                assert_eq!(p.extensions.len() as u64, n_ext);
                for (i, g) in p.gossip.iter().enumerate() {
                    let key = format!("gossip[{i}]");
                    let kv = pairs(f[key.as_str()]);
                    assert_eq!(g.node.to_string(), kv["node"], "{key}");
                    assert_eq!(g.ping_sent as u64, num(kv["ping_sent"]), "{key}");
                    assert_eq!(g.pong_received as u64, num(kv["pong_received"]), "{key}");
                    assert_eq!(g.ip.as_bytes(), unrepr(kv["ip"]), "{key}");
                    assert_eq!(g.port as u64, num(kv["port"]), "{key}");
                    assert_eq!(g.cport as u64, num(kv["cport"]), "{key}");
                    assert_eq!(g.flags as u64, num(kv["flags"]), "{key}");
                    assert_eq!(g.pport as u64, num(kv["pport"]), "{key}");
                    assert_eq!(num(kv["notused1"]), 0, "{key}");
                }
                assert!(!f.contains_key(format!("gossip[{}]", p.gossip.len()).as_str()));
                for (i, e) in p.extensions.iter().enumerate() {
                    let key = format!("ext[{i}]");
                    let kv = pairs(f[key.as_str()]);
                    assert_eq!(e.ext_type() as u64, num(kv["type"]), "{key}");
                    assert_eq!(e.encoded_len() as u64, num(kv["length"]), "{key}");
                    match e {
                        Extension::Hostname(s) | Extension::HumanNodename(s) => {
                            assert_eq!(*s, unrepr(kv["value"]), "{key}")
                        }
                        Extension::ForgottenNode { name, ttl } => {
                            assert_eq!(name.to_string(), kv["name"], "{key}");
                            assert_eq!(*ttl, num(kv["ttl"]), "{key}");
                        }
                        Extension::ShardId(id) => assert_eq!(id.to_string(), kv["shard_id"]),
                        Extension::Unknown { .. } => panic!("{key}: unknown extension"),
                    }
                }
                assert!(!f.contains_key(format!("ext[{}]", p.extensions.len()).as_str()));
            }
            other => {
                assert_eq!(count, 0);
                assert_eq!(n_ext, 0);
                match other {
                    Body::Fail(node) => assert_eq!(node.to_string(), f["fail.nodename"]),
                    Body::Publish(p) | Body::PublishShard(p) => {
                        assert_eq!(p.channel.len() as u64, num(f["channel_len"]));
                        assert_eq!(p.message.len() as u64, num(f["message_len"]));
                        assert_eq!(p.channel, unrepr(f["channel"]));
                        assert_eq!(p.message, unrepr(f["message"]));
                    }
                    Body::Update(u) => {
                        assert_eq!(u.config_epoch, num(f["update.configEpoch"]));
                        assert_eq!(u.node.to_string(), f["update.nodename"]);
                        check_slots(&u.slots, f["update.slots"], "update.slots");
                    }
                    Body::FailoverAuthRequest | Body::FailoverAuthAck | Body::MfStart => {
                        assert!(!f.contains_key("body"));
                    }
                    other => panic!("unexpected body {other:?}"),
                }
            }
        }
        assert!(f["length"].ends_with("== expected"), "{}", f["length"]);
        Some(msg)
    }

    #[test]
    fn every_capture_matches_decoded_txt_and_reencodes_identically() {
        let sections = decoded_sections();
        let mut seen = std::collections::BTreeSet::new();
        let mut types = std::collections::BTreeSet::new();
        for (dir, file, lines) in &sections {
            let path = dir.join(file);
            let label = path.display().to_string();
            let r = std::panic::catch_unwind(|| check_capture(&path, lines));
            match r {
                Ok(Some(m)) => {
                    types.insert(m.msg_type());
                }
                Ok(None) => {}
                Err(e) => {
                    eprintln!("capture {label} failed");
                    std::panic::resume_unwind(e);
                }
            }
            seen.insert(path);
        }
        // Every .bin is described, so a new capture cannot be skipped silently.
        for dir in std::fs::read_dir(CAPTURES).unwrap() {
            let dir = dir.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(&dir).unwrap() {
                let p = f.unwrap().path();
                if p.extension().is_some_and(|e| e == "bin") {
                    assert!(seen.contains(&p), "{} not in decoded.txt", p.display());
                }
            }
        }
        assert!(seen.len() >= 44, "only {} captures", seen.len());
        // Every Redis 7 type except MODULE (no module was loaded when capturing).
        let want: std::collections::BTreeSet<u16> = (0..=10).filter(|&t| t != 9).collect();
        assert_eq!(types, want);
    }

    #[test]
    fn capture_7_2_ping_with_hostname_and_human_nodename() {
        let m = roundtrip_bytes(&capture("redis-7.2.6/ping-2-gossip-hostname.bin"));
        let h = &m.header;
        assert_eq!(h.sender, name("1a0f0f67505d43a80a1ccaebeda428d50ba312da"));
        assert_eq!((h.port, h.cport, h.pport), (18001, 28001, 0));
        assert_eq!((h.current_epoch, h.config_epoch, h.offset), (3, 1, 14));
        assert_eq!(
            h.flags,
            node_flags::MASTER | node_flags::MYSELF | node_flags::MIGRATE_TO
        );
        assert_eq!(h.mflags, [msg_flags::EXT_DATA, 0, 0]);
        assert_eq!(h.myslots.ranges(), vec![(0, 5460)]);
        assert!(h.myip.is_empty() && h.master().is_none());
        let Body::Ping(p) = &m.body else {
            panic!("{:?}", m.body)
        };
        assert_eq!(
            p.gossip[1],
            Gossip {
                node: name("1d5ed4ab3aaffa3c4d094b644c2f08fc2279a53b"),
                ping_sent: 1795432109,
                pong_received: 1795432108,
                ip: IpField::new(b"127.0.0.1").unwrap(),
                port: 18004,
                cport: 28004,
                flags: node_flags::REPLICA,
                pport: 0,
            }
        );
        assert_eq!(
            p.extensions,
            vec![
                Extension::Hostname(b"node-a.example".to_vec()),
                Extension::HumanNodename(b"node-a-human".to_vec()),
                Extension::ShardId(name("06442714ff1a6ead21a3172f1e15dee5603b33e4")),
            ]
        );
    }

    #[test]
    fn capture_7_2_forgotten_node_extension() {
        let m = roundtrip_bytes(&capture("redis-7.2.6/ping-1-gossip-forgotten-node.bin"));
        let p = m.body.ping().unwrap();
        assert!(matches!(
            p.extensions[0],
            Extension::ForgottenNode { ttl: 59..=60, .. }
        ));
        assert_eq!(p.extensions[0].encoded_len(), 56);
    }

    #[test]
    fn capture_7_2_fail_publish_update_and_header_only() {
        let m = roundtrip_bytes(&capture("redis-7.2.6/fail.bin"));
        assert_eq!(
            m.body,
            Body::Fail(name("1dbd87338dda88a2be47b3ebafd4422c483829c2"))
        );
        let m = roundtrip_bytes(&capture("redis-7.2.6/publish.bin"));
        assert_eq!(
            m.body,
            Body::Publish(Publish {
                channel: b"chan".to_vec(),
                message: b"hello".to_vec()
            })
        );
        let m = roundtrip_bytes(&capture("redis-7.2.6/publishshard.bin"));
        assert_eq!(
            m.body,
            Body::PublishShard(Publish {
                channel: b"schan1".to_vec(),
                message: b"shello".to_vec()
            })
        );
        let m = roundtrip_bytes(&capture("redis-7.2.6/update.bin"));
        let Body::Update(u) = &m.body else { panic!() };
        assert_eq!(u.config_epoch, 2);
        assert_eq!(u.node, name("1dbd87338dda88a2be47b3ebafd4422c483829c2"));
        assert_eq!(u.slots.ranges(), vec![(10923, 16383)]);
        assert_eq!(
            m.header.master(),
            Some(&name("1a0f0f67505d43a80a1ccaebeda428d50ba312da"))
        );
        let m = roundtrip_bytes(&capture("redis-7.2.6/failover-auth-request.bin"));
        assert_eq!(m.body, Body::FailoverAuthRequest);
        assert_eq!(
            m.header.mflags[0] & msg_flags::FORCEACK,
            msg_flags::FORCEACK
        );
        let m = roundtrip_bytes(&capture("redis-7.2.6/failover-auth-ack.bin"));
        assert_eq!(m.body, Body::FailoverAuthAck);
        let m = roundtrip_bytes(&capture("redis-7.2.6/mfstart.bin"));
        assert_eq!(m.body, Body::MfStart);
    }

    #[test]
    fn capture_7_0_without_extensions_and_valkey_flag_without_extensions() {
        // 7.0.15 without a hostname: EXT_DATA clear, exactly header + gossip.
        let m = roundtrip_bytes(&capture("redis-7.0.15/meet.bin"));
        assert_eq!(m.header.mflags[0], 0);
        assert_eq!(m.body, Body::Meet(Ping::default()));
        // Valkey 8: EXT_DATA set with zero extensions.
        let m = roundtrip_bytes(&capture("valkey-8.0.1/meet.bin"));
        assert_eq!(m.header.mflags[0], msg_flags::EXT_DATA);
        assert_eq!(m.body, Body::Meet(Ping::default()));
    }

    #[test]
    fn module_layout() {
        let msg = Message {
            header: Header::default(),
            body: Body::Module(Module {
                module_id: 0x0102_0304_0506_0708,
                module_type: 7,
                payload: b"xyz".to_vec(),
            }),
        };
        let mut out = Vec::new();
        encode(&msg, &mut out);
        assert_eq!(out.len(), 2269 + 3);
        assert_eq!(&out[4..8], &(2272u32).to_be_bytes());
        assert_eq!(&out[12..14], &[0, 9]);
        assert_eq!(&out[2256..2264], &[8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(&out[2264..2268], &[0, 0, 0, 3]);
        assert_eq!(out[2268], 7);
        assert_eq!(&out[2269..], b"xyz");
        assert_eq!(decode(&out).unwrap(), msg);
    }

    #[test]
    fn extension_padding_follows_redis() {
        // 8 + roundup8(strlen + 1): 7 chars fit in 8, 8 chars need 16.
        assert_eq!(Extension::Hostname(b"abcdefg".to_vec()).encoded_len(), 16);
        assert_eq!(Extension::Hostname(b"abcdefgh".to_vec()).encoded_len(), 24);
        assert_eq!(Extension::Hostname(Vec::new()).encoded_len(), 16);
        assert_eq!(Extension::ShardId(NodeName::ZERO).encoded_len(), 48);
        let e = Extension::ForgottenNode {
            name: NodeName::ZERO,
            ttl: 1,
        };
        assert_eq!(e.encoded_len(), 56);
    }

    // ---- hostile input ----

    fn ping_capture() -> Vec<u8> {
        capture("redis-7.2.6/ping-2-gossip-hostname.bin")
    }

    fn set_totlen(b: &mut [u8]) {
        let n = b.len() as u32;
        b[4..8].copy_from_slice(&n.to_be_bytes());
    }

    #[test]
    fn bad_signature() {
        let mut b = ping_capture();
        b[0] = b'X';
        assert_eq!(decode(&b), Err(WireError::BadSignature));
        assert_eq!(frame_len(&b), Err(WireError::BadSignature));
        assert_eq!(frame_len(b"RCx"), Err(WireError::BadSignature));
        assert_eq!(frame_len(b"RC"), Ok(None));
        assert_eq!(frame_len(b""), Ok(None));
        assert!(WireError::BadSignature.closes_link());
    }

    #[test]
    fn short_and_lying_totlen() {
        let b = ping_capture();
        // Short buffers.
        assert_eq!(decode(&b[..5]), Err(WireError::Truncated { len: 5 }));
        assert_eq!(frame_len(&b[..7]), Ok(None));
        assert_eq!(
            decode(&b[..100]),
            Err(WireError::LengthMismatch {
                totlen: 2560,
                len: 100
            })
        );
        // totlen below the header: the link is closed.
        let mut s = b.clone();
        s[4..8].copy_from_slice(&2255u32.to_be_bytes());
        assert_eq!(frame_len(&s), Err(WireError::TooShort { totlen: 2255 }));
        assert_eq!(decode(&s), Err(WireError::TooShort { totlen: 2255 }));
        assert!(WireError::TooShort { totlen: 0 }.closes_link());
        // totlen above the buffer (decode) / above the limit (framing).
        let mut l = b.clone();
        l[4..8].copy_from_slice(&3000u32.to_be_bytes());
        assert_eq!(
            decode(&l),
            Err(WireError::LengthMismatch {
                totlen: 3000,
                len: 2560
            })
        );
        assert_eq!(frame_len(&l), Ok(None));
        l[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(frame_len(&l), Err(WireError::TooLong { totlen: u32::MAX }));
        // Extra bytes after the message are not silently ignored by decode.
        let mut e = b.clone();
        e.extend_from_slice(&[0; 8]);
        assert!(matches!(decode(&e), Err(WireError::LengthMismatch { .. })));
        assert_eq!(frame_len(&e), Ok(Some(2560)));
    }

    #[test]
    fn bad_version() {
        let mut b = ping_capture();
        b[8..10].copy_from_slice(&2u16.to_be_bytes());
        assert_eq!(decode(&b), Err(WireError::BadVersion(2)));
        assert!(!WireError::BadVersion(2).closes_link());
    }

    #[test]
    fn unknown_type_is_kept_raw() {
        let mut b = ping_capture();
        b[12..14].copy_from_slice(&11u16.to_be_bytes());
        let m = decode(&b).unwrap();
        let Body::Unknown {
            msg_type,
            count,
            extensions,
            data,
        } = &m.body
        else {
            panic!()
        };
        assert_eq!((*msg_type, *count, *extensions), (11, 2, 3));
        assert_eq!(data[..], b[2256..]);
        let mut out = Vec::new();
        encode(&m, &mut out);
        assert_eq!(out, b);
        // Any length at all, header only included.
        let mut h = b[..2256].to_vec();
        set_totlen(&mut h);
        h[12..14].copy_from_slice(&0x1234u16.to_be_bytes());
        assert!(matches!(
            decode(&h).unwrap().body,
            Body::Unknown {
                msg_type: 0x1234,
                ..
            }
        ));
    }

    #[test]
    fn gossip_count_overflowing_the_message() {
        let mut b = ping_capture();
        for count in [3u16, 100, u16::MAX] {
            b[14..16].copy_from_slice(&count.to_be_bytes());
            assert_eq!(
                decode(&b),
                Err(WireError::GossipOverflow {
                    count,
                    totlen: 2560
                })
            );
        }
        // A count that fits but leaves bytes unaccounted for.
        b[14..16].copy_from_slice(&1u16.to_be_bytes());
        assert!(decode(&b).is_err());
    }

    #[test]
    fn extension_errors() {
        let base = ping_capture();
        let ext0 = 2256 + 2 * 104;
        let check = |b: &[u8], reason: &str| match decode(b) {
            Err(WireError::BadExtension { reason: r, .. }) => assert_eq!(r, reason),
            other => panic!("{other:?}, wanted {reason}"),
        };
        // Truncated: the last extension cut short (totlen fixed up to match).
        let mut t = base[..base.len() - 8].to_vec();
        set_totlen(&mut t);
        check(&t, "runs past the end of the message");
        // Truncated inside an extension header.
        let mut t = base[..ext0 + 24 + 24 + 4].to_vec();
        set_totlen(&mut t);
        check(&t, "header past the end of the message");
        // One extension more than present.
        let mut t = base.clone();
        t[2214..2216].copy_from_slice(&4u16.to_be_bytes());
        check(&t, "header past the end of the message");
        // Lengths.
        for (len, reason) in [
            (0u32, "length shorter than its header"),
            (4, "length shorter than its header"),
            (20, "length not a multiple of 8"),
            (1 << 20, "length above 65535"),
            (4096, "runs past the end of the message"),
        ] {
            let mut t = base.clone();
            t[ext0..ext0 + 4].copy_from_slice(&len.to_be_bytes());
            check(&t, reason);
        }
        // Hostname without its NUL.
        let mut t = base.clone();
        t[ext0 + 8..ext0 + 24].fill(b'a');
        check(&t, "string not NUL-terminated");
        // A short SHARDID body.
        let mut t = capture("redis-7.2.6/meet.bin");
        t[2256..2260].copy_from_slice(&16u32.to_be_bytes());
        t.truncate(2256 + 16);
        set_totlen(&mut t);
        check(&t, "shard-id body too short");
        // Extensions counted but EXT_DATA clear.
        let mut t = base.clone();
        t[2253] = 0;
        check(&t, "extensions counted but EXT_DATA flag clear");
        // Fewer extensions counted than present: unaccounted bytes.
        let mut t = base.clone();
        t[2214..2216].copy_from_slice(&2u16.to_be_bytes());
        assert!(matches!(decode(&t), Err(WireError::BadLength { .. })));
    }

    #[test]
    fn fixed_length_bodies_must_match() {
        for (file, delta) in [
            ("redis-7.2.6/fail.bin", 8),
            ("redis-7.2.6/update.bin", 8),
            ("redis-7.2.6/mfstart.bin", 8),
            ("redis-7.2.6/failover-auth-ack.bin", 1),
        ] {
            let mut b = capture(file);
            b.extend(std::iter::repeat_n(0, delta));
            set_totlen(&mut b);
            assert!(
                matches!(decode(&b), Err(WireError::BadLength { .. })),
                "{file}"
            );
        }
        let mut b = capture("redis-7.2.6/fail.bin");
        b.truncate(2290);
        set_totlen(&mut b);
        assert!(matches!(decode(&b), Err(WireError::BadLength { .. })));
    }

    #[test]
    fn publish_and_module_lengths_cannot_lie_or_overflow() {
        let base = capture("redis-7.2.6/publish.bin");
        // (u32::MAX, 10): 2264 + 2^32 - 1 + 10 wraps to 2273 = totlen in Redis's 32-bit
        // explen, which would then read 4 GiB of channel; here it is a length error.
        for (cl, ml) in [(u32::MAX, u32::MAX), (u32::MAX, 10), (5, 5), (0, 0), (9, 1)] {
            let mut b = base.clone();
            b[2256..2260].copy_from_slice(&cl.to_be_bytes());
            b[2260..2264].copy_from_slice(&ml.to_be_bytes());
            let r = decode(&b);
            if cl as u64 + ml as u64 == 9 {
                let Body::Publish(p) = r.unwrap().body else {
                    panic!()
                };
                assert_eq!(p.channel.len(), cl as usize);
            } else {
                assert!(matches!(r, Err(WireError::BadLength { .. })), "{cl} {ml}");
            }
        }
        // PUBLISH shorter than its two lengths.
        let mut b = base[..2260].to_vec();
        set_totlen(&mut b);
        assert!(matches!(decode(&b), Err(WireError::BadLength { .. })));
        // MODULE with a lying len, and shorter than its fixed part.
        let mut b = base.clone();
        b[12..14].copy_from_slice(&9u16.to_be_bytes());
        assert!(matches!(decode(&b), Err(WireError::BadLength { .. })));
        let mut b = b[..2260].to_vec();
        set_totlen(&mut b);
        assert!(matches!(decode(&b), Err(WireError::BadLength { .. })));
    }

    // ---- properties ----

    fn all_captures() -> &'static Vec<Vec<u8>> {
        static C: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
        C.get_or_init(|| {
            let mut v = Vec::new();
            for dir in std::fs::read_dir(CAPTURES).unwrap() {
                let dir = dir.unwrap().path();
                if !dir.is_dir() {
                    continue;
                }
                for f in std::fs::read_dir(&dir).unwrap() {
                    let p = f.unwrap().path();
                    if p.extension().is_some_and(|e| e == "bin") {
                        v.push(std::fs::read(p).unwrap());
                    }
                }
            }
            v.sort();
            v
        })
    }

    fn arb_name() -> impl Strategy<Value = NodeName> {
        prop_oneof![
            Just(NodeName::ZERO),
            prop::collection::vec(any::<u8>(), NAME_LEN)
                .prop_map(|v| NodeName::from_slice(&v).unwrap()),
        ]
    }

    fn arb_ip() -> impl Strategy<Value = IpField> {
        prop::collection::vec(any::<u8>(), IP_LEN).prop_map(|v| IpField(v.try_into().unwrap()))
    }

    fn arb_slots() -> impl Strategy<Value = SlotBitmap> {
        prop_oneof![
            prop::collection::vec(any::<u16>(), 0..20).prop_map(|v| {
                let mut b = SlotBitmap::default();
                v.into_iter().for_each(|s| b.insert(s % SLOTS as u16));
                b
            }),
            prop::collection::vec(any::<u8>(), SLOT_BITMAP_LEN)
                .prop_map(|v| SlotBitmap::from_slice(&v).unwrap()),
        ]
    }

    fn arb_header() -> impl Strategy<Value = Header> {
        (
            (any::<u16>(), any::<u64>(), any::<u64>(), any::<u64>()),
            (arb_name(), arb_slots(), arb_name(), arb_ip()),
            (
                any::<u16>(),
                any::<u16>(),
                any::<u16>(),
                any::<u8>(),
                any::<[u8; 3]>(),
            ),
        )
            .prop_map(
                |(
                    (port, current_epoch, config_epoch, offset),
                    (sender, myslots, slaveof, myip),
                    (pport, cport, flags, state, mflags),
                )| Header {
                    port,
                    current_epoch,
                    config_epoch,
                    offset,
                    sender,
                    myslots,
                    slaveof,
                    myip,
                    pport,
                    cport,
                    flags,
                    state,
                    mflags,
                },
            )
    }

    fn arb_gossip() -> impl Strategy<Value = Gossip> {
        (
            arb_name(),
            any::<u32>(),
            any::<u32>(),
            arb_ip(),
            any::<[u16; 4]>(),
        )
            .prop_map(
                |(node, ping_sent, pong_received, ip, [port, cport, flags, pport])| Gossip {
                    node,
                    ping_sent,
                    pong_received,
                    ip,
                    port,
                    cport,
                    flags,
                    pport,
                },
            )
    }

    fn arb_ext() -> impl Strategy<Value = Extension> {
        let text = prop::collection::vec(1u8..=255, 0..80);
        prop_oneof![
            text.clone().prop_map(Extension::Hostname),
            text.prop_map(Extension::HumanNodename),
            (arb_name(), any::<u64>())
                .prop_map(|(name, ttl)| Extension::ForgottenNode { name, ttl }),
            arb_name().prop_map(Extension::ShardId),
            (4u16.., prop::collection::vec(any::<u8>(), 0..10)).prop_map(|(ext_type, v)| {
                Extension::Unknown {
                    ext_type,
                    data: v.repeat(8),
                }
            }),
        ]
    }

    fn arb_ping() -> impl Strategy<Value = Ping> {
        (
            prop::collection::vec(arb_gossip(), 0..6),
            prop::collection::vec(arb_ext(), 0..6),
        )
            .prop_map(|(gossip, extensions)| Ping { gossip, extensions })
    }

    fn arb_publish() -> impl Strategy<Value = Publish> {
        (
            prop::collection::vec(any::<u8>(), 0..40),
            prop::collection::vec(any::<u8>(), 0..200),
        )
            .prop_map(|(channel, message)| Publish { channel, message })
    }

    fn arb_body() -> impl Strategy<Value = Body> {
        prop_oneof![
            arb_ping().prop_map(Body::Ping),
            arb_ping().prop_map(Body::Pong),
            arb_ping().prop_map(Body::Meet),
            arb_name().prop_map(Body::Fail),
            arb_publish().prop_map(Body::Publish),
            arb_publish().prop_map(Body::PublishShard),
            Just(Body::FailoverAuthRequest),
            Just(Body::FailoverAuthAck),
            Just(Body::MfStart),
            (any::<u64>(), arb_name(), arb_slots()).prop_map(|(config_epoch, node, slots)| {
                Body::Update(Update {
                    config_epoch,
                    node,
                    slots,
                })
            }),
            (
                any::<u64>(),
                any::<u8>(),
                prop::collection::vec(any::<u8>(), 0..100)
            )
                .prop_map(|(module_id, module_type, payload)| Body::Module(Module {
                    module_id,
                    module_type,
                    payload
                })),
            (
                11u16..LIGHT_TYPE_BIT,
                any::<u16>(),
                any::<u16>(),
                prop::collection::vec(any::<u8>(), 0..300)
            )
                .prop_map(|(msg_type, count, extensions, data)| Body::Unknown {
                    msg_type,
                    count,
                    extensions,
                    data
                }),
        ]
    }

    fn arb_message() -> impl Strategy<Value = Message> {
        (arb_header(), arb_body()).prop_map(|(header, body)| Message { header, body })
    }

    /// Decoding must not panic; what decodes must re-encode to a message that decodes
    /// the same (the encoder normalises only what Redis ignores).
    fn decode_is_total(buf: &[u8]) {
        let _ = frame_len(buf);
        if let Ok(m) = decode(buf) {
            let mut out = Vec::new();
            encode(&m, &mut out);
            assert_eq!(out.len(), m.encoded_len());
            assert_eq!(decode(&out).as_ref(), Ok(&m));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn prop_roundtrip(msg in arb_message()) {
            let mut out = vec![0xAA; 3]; // encode appends
            encode(&msg, &mut out);
            let bytes = &out[3..];
            prop_assert_eq!(bytes.len(), msg.encoded_len());
            prop_assert_eq!(frame_len(bytes), Ok(Some(bytes.len())));
            prop_assert_eq!(frame_len(&bytes[..bytes.len() - 1]), Ok(None));
            let mut want = msg.clone();
            if want.body.ping().is_some_and(|p| !p.extensions.is_empty()) {
                want.header.mflags[0] |= msg_flags::EXT_DATA;
            }
            let got = decode(bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&got, &want);
            let mut again = Vec::new();
            encode(&got, &mut again);
            prop_assert_eq!(&again[..], bytes);
        }

        #[test]
        fn prop_random_bytes_never_panic(buf in prop::collection::vec(any::<u8>(), 0..5000)) {
            decode_is_total(&buf);
        }

        #[test]
        fn prop_random_body_behind_valid_frame_never_panics(
            ty in 0u16..12,
            count in prop_oneof![0u16..8, any::<u16>()],
            n_ext in prop_oneof![0u16..8, any::<u16>()],
            mflags0 in any::<u8>(),
            body in prop::collection::vec(any::<u8>(), 0..1200),
        ) {
            let mut b = vec![0u8; HEADER_LEN];
            b[..4].copy_from_slice(&SIGNATURE);
            b[8..10].copy_from_slice(&1u16.to_be_bytes());
            b[12..14].copy_from_slice(&ty.to_be_bytes());
            b[14..16].copy_from_slice(&count.to_be_bytes());
            b[2214..2216].copy_from_slice(&n_ext.to_be_bytes());
            b[2253] = mflags0;
            b.extend_from_slice(&body);
            set_totlen(&mut b);
            decode_is_total(&b);
        }

        #[test]
        fn prop_mutated_captures_never_panic(
            pick in any::<prop::sample::Index>(),
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
            cut in prop::option::of(any::<prop::sample::Index>()),
            grow in prop::collection::vec(any::<u8>(), 0..64),
            fix_totlen in any::<bool>(),
        ) {
            let caps = all_captures();
            let mut b = caps[pick.index(caps.len())].clone();
            for (at, v) in edits {
                // Bias edits towards the fields that steer decoding.
                let hot = [4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 2214, 2215, 2253, 2256, 2257,
                    2258, 2259, 2260, 2261, 2262, 2263, 2464, 2465, 2466, 2467];
                let i = if v & 1 == 0 { hot[at.index(hot.len())] } else { at.index(b.len()) };
                if i < b.len() {
                    b[i] = v;
                }
            }
            if let Some(c) = cut {
                b.truncate(c.index(b.len() + 1));
            }
            b.extend_from_slice(&grow);
            if fix_totlen && b.len() >= 8 {
                set_totlen(&mut b);
            }
            decode_is_total(&b);
        }
    }
}
