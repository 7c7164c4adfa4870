//! State every thread of the process may read: the configuration, the slot table,
//! process-wide counters. Nothing here is on a lock taken per command: the config is
//! an `ArcSwap` snapshot, counters are relaxed atomics.

use crate::config::Config;
use crate::slot::SlotTable;
use arc_swap::ArcSwap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub struct Shared {
    pub config: ArcSwap<Config>,
    /// Standalone: the shard that owns each slot (all LOCAL). Cluster: which local
    /// shard-node owns each slot (REMOTE when none does), with the owner's MIGRATING
    /// and any local node's IMPORTING mark — the process-wide seam for handing a slot
    /// between two shard-nodes in memory. Routing in cluster mode reads the node's own
    /// table ([`Shared::table`]).
    pub slots: SlotTable,
    /// Cluster mode only: each shard-node's published view and slot table, and the bus
    /// core's inbox.
    pub cluster: Option<crate::cluster::ClusterHandle>,
    pub nshards: usize,
    pub run_id: String,
    pub started: Instant,
    pub started_unix: u64,
    pub executable: String,
    pub config_file: String,
    /// Set by SIGTERM/SIGINT or SHUTDOWN: shards stop accepting and drain.
    pub shutdown: AtomicBool,
    pub connected_clients: AtomicUsize,
    pub total_connections: AtomicU64,
    pub rejected_connections: AtomicU64,
    pub total_commands: AtomicU64,
    pub next_client_id: AtomicU64,
    pub net_input_bytes: AtomicU64,
    pub net_output_bytes: AtomicU64,
    pub lastsave: AtomicI64,
    pub stat_reset_at: AtomicU64,
    /// Per shard: client requests it handed to another shard to run (INFO stats
    /// `slotcore_forwarded_requests`; always 0 in cluster mode, where no request crosses
    /// cores). Padded: each shard bumps its own.
    pub forwarded: Box<[crossbeam::utils::CachePadded<AtomicU64>]>,
}

impl Shared {
    pub fn new(config: Config, nshards: usize, config_file: String) -> Arc<Shared> {
        let mut run_id = String::with_capacity(40);
        for _ in 0..40 {
            run_id.push(char::from_digit(rand::random::<u32>() % 16, 16).unwrap());
        }
        let now = unix_ms();
        let cluster = config.cluster_enabled();
        Arc::new(Shared {
            config: ArcSwap::from_pointee(config),
            slots: if cluster {
                SlotTable::new()
            } else {
                SlotTable::standalone(nshards)
            },
            cluster: cluster.then(|| crate::cluster::ClusterHandle::new(nshards)),
            nshards,
            run_id,
            started: Instant::now(),
            started_unix: now / 1000,
            executable: std::env::current_exe()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            config_file,
            shutdown: AtomicBool::new(false),
            connected_clients: AtomicUsize::new(0),
            total_connections: AtomicU64::new(0),
            rejected_connections: AtomicU64::new(0),
            total_commands: AtomicU64::new(0),
            next_client_id: AtomicU64::new(1),
            net_input_bytes: AtomicU64::new(0),
            net_output_bytes: AtomicU64::new(0),
            lastsave: AtomicI64::new((now / 1000) as i64),
            stat_reset_at: AtomicU64::new(now),
            forwarded: (0..nshards)
                .map(|_| crossbeam::utils::CachePadded::new(AtomicU64::new(0)))
                .collect(),
        })
    }

    pub fn cfg(&self) -> arc_swap::Guard<Arc<Config>> {
        self.config.load()
    }

    /// Cluster mode: shard-node `shard`'s handle (its view, slot table, key counts).
    #[inline]
    pub fn node(&self, shard: usize) -> Option<&crate::cluster::NodeHandle> {
        self.cluster.as_ref().map(|c| &c.nodes[shard])
    }

    /// The slot table that routes commands arriving on `shard`: the node's own in
    /// cluster mode, the process's in standalone mode.
    #[inline]
    pub fn table(&self, shard: usize) -> &SlotTable {
        match &self.cluster {
            Some(c) => &c.nodes[shard].slots,
            None => &self.slots,
        }
    }

    /// The shards an all-shards command (DBSIZE, KEYS, FLUSHALL, INFO, CLIENT LIST, …)
    /// arriving on `shard` visits: every shard of the one standalone node, or in cluster
    /// mode the shard-node itself.
    pub fn fanout(&self, shard: usize) -> std::ops::Range<usize> {
        if self.cluster.is_some() {
            shard..shard + 1
        } else {
            0..self.nshards
        }
    }

    /// The client port of `shard`: in cluster mode shard i is a node on `port + i`.
    pub fn shard_port(&self, shard: usize) -> u16 {
        let port = self.cfg().port;
        if self.cluster.is_some() {
            port + shard as u16
        } else {
            port
        }
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }
}

/// Wall-clock milliseconds since the epoch.
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Wall-clock microseconds since the epoch.
pub fn unix_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}
