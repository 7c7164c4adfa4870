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
    pub slots: SlotTable,
    /// Cluster mode only: the bus core's published view and inbox.
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
                SlotTable::cluster(nshards)
            } else {
                SlotTable::standalone(nshards)
            },
            cluster: cluster.then(crate::cluster::ClusterHandle::new),
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
        })
    }

    pub fn cfg(&self) -> arc_swap::Guard<Arc<Config>> {
        self.config.load()
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

static GLOBAL: std::sync::OnceLock<Arc<Shared>> = std::sync::OnceLock::new();

/// Install the process's shared state (once, at start-up).
pub fn set_global(s: Arc<Shared>) {
    let _ = GLOBAL.set(s);
}

/// The process's shared state, if start-up installed it (unit tests run without).
pub fn try_global() -> Option<&'static Shared> {
    GLOBAL.get().map(|s| &**s)
}

/// The process's shared state. Panics if called before start-up installed it.
pub fn global() -> &'static Shared {
    GLOBAL.get().expect("shared state installed at start-up")
}
