//! Cluster mode. `state` is the authoritative cluster state (nodes, epochs, slot owners)
//! and its rules; `net` runs it on the bus core (a glommio executor) and talks the
//! Redis 7 cluster bus (`bus`); `commands` answers the CLUSTER subcommands the bus owns.
//! Shards read what the bus publishes: the [`View`] (arc-swap) and the slot table. The
//! bus never touches a shard's keyspace: keys move by messages.

pub mod bus;
pub mod commands;
pub mod net;
pub mod render;
pub mod state;

use crate::resp::Proto;
use crate::shard::mesh::{OwnedArgs, Token};
use crate::shared::Shared;
use crate::slot::SLOTS;
use arc_swap::ArcSwap;
use atomic_waker::AtomicWaker;
use crossbeam::queue::SegQueue;
use std::sync::atomic::{AtomicU32, Ordering};

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

/// A request from a shard to the bus core.
pub enum BusReq {
    /// CLUSTER subcommands the bus answers, in order; the reply (one, or an EXEC array
    /// when `exec`) goes back as `Msg::Reply`.
    Commands {
        shard: u16,
        token: Token,
        seq: u64,
        proto: Proto,
        cmds: Vec<OwnedArgs>,
        exec: bool,
    },
    /// PUBLISH (false) or SPUBLISH (true): broadcast to the other nodes.
    Publish {
        shard: bool,
        channel: Vec<u8>,
        message: Vec<u8>,
    },
}

/// The shard-facing side of the bus core.
pub struct ClusterHandle {
    pub view: ArcSwap<View>,
    inbox: SegQueue<BusReq>,
    waker: AtomicWaker,
    /// Keys per slot on this node, kept by the shards (relaxed stores after commands and
    /// expiry), read by the bus for SETSLOT/FLUSHSLOTS/RESET checks.
    slot_keys: Box<[AtomicU32]>,
}

impl ClusterHandle {
    pub fn new() -> ClusterHandle {
        ClusterHandle {
            view: ArcSwap::from_pointee(View::empty()),
            inbox: SegQueue::new(),
            waker: AtomicWaker::new(),
            slot_keys: (0..SLOTS).map(|_| AtomicU32::new(0)).collect(),
        }
    }

    /// Hand a request to the bus core and wake it.
    pub fn send(&self, req: BusReq) {
        self.inbox.push(req);
        self.waker.wake();
    }

    pub fn set_slot_keys(&self, slot: u16, n: usize) {
        self.slot_keys[slot as usize].store(n as u32, Ordering::Relaxed);
    }

    pub fn total_keys(&self) -> u64 {
        self.slot_keys
            .iter()
            .map(|k| k.load(Ordering::Relaxed) as u64)
            .sum()
    }
}

impl Default for ClusterHandle {
    fn default() -> Self {
        Self::new()
    }
}

/// Keys this node holds in `slot`, as last reported by the shard that stores it.
pub fn slot_keys(slot: u16) -> u64 {
    match crate::shared::try_global().and_then(|s| s.cluster.as_ref()) {
        Some(h) => h.slot_keys[slot as usize].load(Ordering::Relaxed) as u64,
        None => 0,
    }
}

/// The bus core's view of `Shared` plus its inbox.
pub(crate) fn handle(shared: &Shared) -> &ClusterHandle {
    shared.cluster.as_ref().expect("cluster mode")
}
