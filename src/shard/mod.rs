//! A shard: one thread, one io_uring, its connections and its slots' keyspace (in
//! cluster mode, one shard-node).
//!
//! The loop (see [`Shard::run`]) does exactly one `io_uring_enter` per turn: it
//! submits every SEND and RECV prepared during the previous turn and waits for at least
//! one completion. Then it handles completions (accepts, received bytes → commands,
//! finished sends), drains messages from other shards, and prepares the next batch.
//! The ring is set up SINGLE_ISSUER | DEFER_TASKRUN (see ../shared/reference/io-loop.md).
//!
//! The roles, one file each (all `impl Shard`):
//!
//! ```text
//!   event_loop   ring, accept/recv/send, close, cron ──bytes──▶ conn (parse)
//!        │ parsed command
//!        ▼
//!   dispatch     resolve spec → cluster verdict → route ──┬─▶ execute (here)
//!                                                         ├─▶ cross (other shards, mesh)
//!                                                         ├─▶ blocking / tx
//!                                                         └─▶ bus core (CLUSTER)
//!   execute      invoke(): the command boundary (Ctx, hooks, catch_unwind, errors)
//!   hooks        what handlers may ask of the shard (clients, pub/sub)
//!   cross        mesh messages in and out, fetch/apply across shards, reply delivery
//!   blocking, tx blocked commands; MULTI/EXEC/WATCH
//!   cluster_route  MOVED/ASK/TRYAGAIN/CLUSTERDOWN verdicts for one shard-node
//! ```

mod blocking;
pub mod cluster_route;
mod cross;
mod dispatch;
mod event_loop;
mod execute;
mod hooks;
mod tx;

use execute::note_slot_keys;
use hooks::Hooks;

use crate::command::pubsub::{Delivery, Registry};
use crate::command::route::{route, Route};
use crate::command::spec::{self, CommandSpec};
use crate::command::{
    error::unknown_command, ClientFilter, ClientState, CmdError, Ctx, Exec, ShardHooks,
};
use crate::conn::{Conn, Gather, GatherKind, Pending, READ_CHUNK};
use crate::mesh::{ExecBatch, KeyEntry, Mesh, Msg, OwnedArgs, ReplyBatch, Req, Token};
use crate::resp::{Limits, Parsed, Proto, Reply};
use crate::shared::{unix_ms, Shared};
use crate::store::Db;
use io_uring::{cqueue, opcode, squeue, types, IoUring};
use std::collections::HashMap;

/// Keys with their entries, as fetched from or written back to one shard.
type KeyEntries = Vec<(Vec<u8>, KeyEntry)>;

/// A command running over keys fetched from several shards (see `start_cross`).
struct CrossOp {
    token: Token,
    seq: u64,
    spec: &'static CommandSpec,
    args: OwnedArgs,
    proto: Proto,
    /// Shards whose copies have not arrived yet.
    remaining: usize,
    entries: KeyEntries,
}
use std::os::fd::RawFd;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::Arc;

const OP_ACCEPT: u64 = 1;
const OP_RECV: u64 = 2;
const OP_SEND: u64 = 3;
const OP_WAKE: u64 = 4;
const OP_TIMER: u64 = 5;
const OP_IGNORE: u64 = 6;

/// Stop reading from a client whose unsent replies exceed this (backpressure).
const OUTPUT_HIGH_WATER: usize = 64 << 20;

// The wake-up the mesh posts (other shards and the bus core) is this loop's OP_WAKE.
const _: () = assert!(crate::mesh::WAKE_USER_DATA == ud(OP_WAKE, 0, 0));

const fn ud(op: u64, idx: u32, gen: u32) -> u64 {
    (op << 60) | (((gen as u64) & 0x0fff_ffff) << 32) | idx as u64
}

fn ud_parts(u: u64) -> (u64, u32, u32) {
    (u >> 60, u as u32, ((u >> 32) & 0x0fff_ffff) as u32)
}

pub struct Shard {
    id: usize,
    shared: Arc<Shared>,
    mesh: Arc<Mesh>,
    ring: IoUring,
    listener: RawFd,
    accepting: bool,
    conns: slab::Slab<Conn>,
    next_gen: u32,
    db: Db,
    /// Messages for each shard, sent at the end of the loop turn.
    outbox: Vec<Vec<Msg>>,
    /// Forwarded requests and their replies gathered per destination this turn; sealed
    /// into `outbox` before any other message to that shard, so order is kept.
    exec_open: Vec<Option<Box<ExecBatch>>>,
    reply_open: Vec<Option<Box<ReplyBatch>>>,
    dirty: Vec<usize>,
    now: u64,
    commands: u64,
    /// The last command name looked up, as the client spelled it, and its spec.
    last_lookup: std::cell::Cell<Option<([u8; 16], u8, &'static CommandSpec)>>,
    /// When the cron last had the allocator purge this thread's free pages (ms).
    collected_at: u64,
    /// `db.expired_keys` when the slot key counts were last republished (cluster).
    counted_expired: u64,
    timer: Box<types::Timespec>,
    cqes: Vec<(u64, i32, u32)>,
    /// Connections whose processing should resume (backpressure released).
    resume: Vec<usize>,
    cross: slab::Slab<CrossOp>,
    registry: Registry,
    /// Client id → connection index (pub/sub delivery, CLIENT KILL ID).
    ids: HashMap<u64, usize>,
    /// WATCHes on keys of this shard.
    watches: tx::Watches,
    /// EXECs spread over shards, waiting for watch checks.
    tx_ops: slab::Slab<tx::TxOp>,
    /// Blocked commands waiting for keys of this shard.
    blocking: blocking::Blocking,
}

impl Shard {
    pub fn new(
        id: usize,
        shared: Arc<Shared>,
        mesh: Arc<Mesh>,
        listener: RawFd,
    ) -> std::io::Result<Shard> {
        let ring = IoUring::builder()
            .setup_single_issuer()
            .setup_defer_taskrun()
            .setup_cqsize(16384)
            .build(4096)
            .or_else(|_| IoUring::builder().setup_cqsize(16384).build(4096))?;
        mesh.register(id, ring.as_raw_fd_compat());
        let n = shared.nshards;
        Ok(Shard {
            id,
            shared,
            mesh,
            ring,
            listener,
            accepting: false,
            conns: slab::Slab::new(),
            next_gen: 1,
            db: Db::new(),
            outbox: (0..n).map(|_| Vec::new()).collect(),
            exec_open: (0..n).map(|_| None).collect(),
            reply_open: (0..n).map(|_| None).collect(),
            dirty: Vec::new(),
            now: unix_ms(),
            commands: 0,
            counted_expired: 0,
            collected_at: 0,
            last_lookup: std::cell::Cell::new(None),
            timer: Box::new(types::Timespec::new()),
            cqes: Vec::with_capacity(1024),
            resume: Vec::new(),
            cross: slab::Slab::new(),
            registry: Registry::default(),
            ids: HashMap::new(),
            watches: tx::Watches::default(),
            tx_ops: slab::Slab::new(),
            blocking: blocking::Blocking::default(),
        })
    }
}

trait RawFdCompat {
    fn as_raw_fd_compat(&self) -> i32;
}

impl RawFdCompat for IoUring {
    fn as_raw_fd_compat(&self) -> i32 {
        use std::os::fd::AsRawFd;
        self.as_raw_fd()
    }
}
