//! Cluster mode. Every shard of the process is one cluster node (a *shard-node*: shard i
//! serves client port P+i, bus port C+i, and has its own node id, epochs, slots and
//! nodes file), so cluster clients reach the core that owns a key directly.
//!
//! `state` is the authoritative state of one node (nodes, epochs, slot owners) and its
//! rules; `net` runs one `state` per shard-node on the bus core (one glommio executor)
//! and talks the Redis 7 cluster bus (`bus`); `commands` answers the CLUSTER subcommands
//! the bus owns. Shard i reads what the bus publishes for node i: its [`View`]
//! (arc-swap) and its slot table ([`NodeHandle`]). The bus never touches a shard's
//! keyspace: keys move by messages.

pub mod bus;
pub mod commands;
pub mod net;
pub mod render;
pub mod state;

use crate::req::{OwnedArgs, Token};
use crate::resp::Proto;
use crate::shared::Shared;
use crate::slot::{SlotTable, SLOTS};
use arc_swap::ArcSwap;
use atomic_waker::AtomicWaker;
use crossbeam::queue::SegQueue;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// What shards see of the cluster: rebuilt by the bus on every change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub state_ok: bool,
    /// Owner of each slot, as an index into `endpoints` (u16::MAX: none).
    pub owner: Vec<u16>,
    /// `endpoint:port` of each node as MOVED/ASK print it.
    pub endpoints: Vec<String>,
    /// Slots this node is migrating, with the target's index (sorted by slot).
    pub migrating: Vec<(u16, u16)>,
    /// My index.
    pub myself: u16,
    /// My master's index, when I am a replica.
    pub my_master: Option<u16>,
}

impl View {
    pub fn empty() -> View {
        View {
            state_ok: false,
            owner: vec![u16::MAX; SLOTS],
            endpoints: Vec::new(),
            migrating: Vec::new(),
            myself: 0,
            my_master: None,
        }
    }

    pub fn migrating_to(&self, slot: u16) -> Option<u16> {
        self.migrating
            .binary_search_by_key(&slot, |&(s, _)| s)
            .ok()
            .map(|i| self.migrating[i].1)
    }
}

/// A request from a shard to the bus core. `node` is the shard-node it concerns (the
/// shard index of the requester: in cluster mode shard i is node i).
pub enum BusReq {
    /// CLUSTER subcommands the bus answers, in order; the reply (one, or an EXEC array
    /// when `exec`) goes back as `Msg::Reply`.
    Commands {
        node: u16,
        token: Token,
        seq: u64,
        proto: Proto,
        cmds: Vec<OwnedArgs>,
        exec: bool,
    },
    /// PUBLISH (false) or SPUBLISH (true): broadcast to the other nodes.
    Publish {
        node: u16,
        shard: bool,
        channel: Vec<u8>,
        message: Vec<u8>,
    },
}

/// Keys per slot on one shard-node, kept by its shard (relaxed stores after commands
/// and expiry) and read by the bus for SETSLOT/FLUSHSLOTS/RESET/COUNTKEYSINSLOT.
pub struct KeyCounts(Box<[AtomicU32]>);

impl KeyCounts {
    pub fn new() -> KeyCounts {
        KeyCounts((0..SLOTS).map(|_| AtomicU32::new(0)).collect())
    }

    pub fn set(&self, slot: u16, n: usize) {
        self.0[slot as usize].store(n as u32, Ordering::Relaxed);
    }

    pub fn get(&self, slot: u16) -> u64 {
        self.0[slot as usize].load(Ordering::Relaxed) as u64
    }

    pub fn total(&self) -> u64 {
        self.0
            .iter()
            .map(|k| k.load(Ordering::Relaxed) as u64)
            .sum()
    }
}

impl Default for KeyCounts {
    fn default() -> Self {
        Self::new()
    }
}

/// What one shard-node's shard reads of its cluster identity: written by the bus core.
pub struct NodeHandle {
    pub view: ArcSwap<View>,
    /// Per slot: LOCAL when this node owns it, MIGRATING / IMPORTING marks; the shard
    /// field is always this node's shard (keys of a node live on its one shard).
    pub slots: SlotTable,
    pub keys: Arc<KeyCounts>,
}

/// The shard-facing side of the bus core: one [`NodeHandle`] per shard-node and the
/// bus core's inbox.
pub struct ClusterHandle {
    pub nodes: Box<[NodeHandle]>,
    inbox: SegQueue<BusReq>,
    waker: AtomicWaker,
}

impl ClusterHandle {
    pub fn new(shards: usize) -> ClusterHandle {
        ClusterHandle {
            nodes: (0..shards)
                .map(|i| NodeHandle {
                    view: ArcSwap::from_pointee(View::empty()),
                    slots: SlotTable::node(i),
                    keys: Arc::new(KeyCounts::new()),
                })
                .collect(),
            inbox: SegQueue::new(),
            waker: AtomicWaker::new(),
        }
    }

    /// Hand a request to the bus core and wake it.
    pub fn send(&self, req: BusReq) {
        self.inbox.push(req);
        self.waker.wake();
    }
}

/// The bus core's view of `Shared` plus its inbox.
pub(crate) fn handle(shared: &Shared) -> &ClusterHandle {
    shared.cluster.as_ref().expect("cluster mode")
}
