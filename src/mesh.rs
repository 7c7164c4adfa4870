//! The shard mesh: batched messages between shards, one wake-up per batch.
//!
//! Each shard has an inbox (a lock-free queue of batches). A sender appends a whole
//! batch per destination per loop turn, and rings the destination's io_uring with
//! IORING_OP_MSG_RING only if the destination has not been woken since it last
//! drained its inbox (the `pending` flag), so a busy shard is woken once per batch.
//! The bus core posts to the shards through it too. It knows the messages, not the
//! shards' loops.

use crate::command::spec::CommandSpec;
pub use crate::req::{OwnedArgs, Req, Token};
use crossbeam::queue::SegQueue;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// The user_data of a MSG_RING wake-up posted to a shard's ring (by other shards and
/// the bus core); the shard's loop recognises it.
pub const WAKE_USER_DATA: u64 = 4 << 60;

/// A key's value and deadline as moved between shards (None: absent).
pub type KeyEntry = Option<(crate::store::Value, Option<u64>)>;

/// Requests for one destination shard, gathered over one loop turn: every request's
/// arguments in one buffer (no allocation or copy per request beyond appending them).
#[derive(Default)]
pub struct ExecBatch {
    pub from: u16,
    /// All arguments of all requests, back to back.
    pub data: Vec<u8>,
    /// End offset in `data` of each argument.
    pub ends: Vec<u32>,
    pub reqs: Vec<BatchReq>,
}

/// One request of an [`ExecBatch`].
pub struct BatchReq {
    pub req: Req,
    pub spec: &'static CommandSpec,
    /// Index in `ends` of the request's first argument, and how many it has.
    pub first: u32,
    pub argc: u32,
}

impl ExecBatch {
    pub fn push(&mut self, req: Req, spec: &'static CommandSpec, args: &[&[u8]]) {
        let first = self.ends.len() as u32;
        for a in args {
            self.data.extend_from_slice(a);
            self.ends.push(self.data.len() as u32);
        }
        self.reqs.push(BatchReq {
            req,
            spec,
            first,
            argc: args.len() as u32,
        });
    }

    /// The arguments of request `r`, appended to `out`.
    pub fn args<'a>(&'a self, r: &BatchReq, out: &mut smallvec::SmallVec<[&'a [u8]; 8]>) {
        let first = r.first as usize;
        let mut start = if first == 0 {
            0
        } else {
            self.ends[first - 1] as usize
        };
        for &e in &self.ends[first..first + r.argc as usize] {
            out.push(&self.data[start..e as usize]);
            start = e as usize;
        }
    }
}

/// Replies for one destination shard, gathered over one loop turn: the encoded replies
/// back to back in one buffer.
#[derive(Default)]
pub struct ReplyBatch {
    pub data: Vec<u8>,
    /// (token, seq, part, end offset in `data`) of each reply.
    pub items: Vec<(Token, u64, u32, u32)>,
}

pub enum Msg {
    /// Requests to run on the receiving shard, replies to come back as a `ReplyBatch`.
    ExecBatch(Box<ExecBatch>),
    /// Replies to an `ExecBatch`'s requests.
    ReplyBatch(Box<ReplyBatch>),
    /// Send back copies of these keys (a cross-shard command is gathering them).
    Fetch {
        from: u16,
        op: u32,
        keys: Vec<Vec<u8>>,
    },
    /// The copies asked for by `Fetch`.
    Fetched {
        op: u32,
        entries: Vec<(Vec<u8>, KeyEntry)>,
    },
    /// Make these keys hold exactly these entries (the cross-shard command's writes).
    Apply { entries: Vec<(Vec<u8>, KeyEntry)> },
    /// WATCH these keys (owned by the receiver) for this client.
    Watch { client: u64, keys: Vec<Vec<u8>> },
    /// Forget the client's watches.
    Unwatch { client: u64 },
    /// The client disconnected while blocked here: drop its waiter.
    Unblock { client: u64 },
    /// Did the client's watched keys change? (Also forgets them.)
    WatchCheck { from: u16, op: u32, client: u64 },
    /// The answer to `WatchCheck`.
    WatchStatus { op: u32, dirty: bool },
    /// Run a whole transaction here and send the EXEC reply back.
    Tx {
        from: u16,
        req: Req,
        client: Box<crate::command::ClientState>,
        cmds: Vec<(&'static CommandSpec, OwnedArgs)>,
    },
    /// A blocking command for keys of the receiving shard: it runs there, waiting for
    /// its keys if it must, and the reply comes back as a `Reply`. (Other requests
    /// travel in an `ExecBatch`.)
    Exec {
        from: u16,
        req: Req,
        spec: &'static CommandSpec,
        args: OwnedArgs,
    },
    /// A message published on another node (cluster bus PUBLISH / PUBLISHSHARD).
    Deliver {
        shard: bool,
        channel: Vec<u8>,
        message: Vec<u8>,
    },
    /// Delete every key of these slots (they moved to another node).
    DropSlots(Vec<u16>),
    /// The encoded reply to an `Exec`.
    Reply {
        token: Token,
        seq: u64,
        part: u32,
        data: Vec<u8>,
    },
}

impl Msg {
    /// How many client requests this message hands to another shard to run (what
    /// INFO's `slotcore_forwarded_requests` counts); replies and bookkeeping are 0.
    pub fn requests(&self) -> usize {
        match self {
            Msg::ExecBatch(b) => b.reqs.len(),
            Msg::Exec { .. }
            | Msg::Fetch { .. }
            | Msg::Tx { .. }
            | Msg::Watch { .. }
            | Msg::WatchCheck { .. } => 1,
            _ => 0,
        }
    }
}

pub struct Mesh {
    inboxes: Vec<SegQueue<Vec<Msg>>>,
    ring_fds: Vec<AtomicI32>,
    /// True while a wake-up is outstanding for that shard.
    pending: Vec<AtomicBool>,
}

impl Mesh {
    pub fn new(n: usize) -> Self {
        Mesh {
            inboxes: (0..n).map(|_| SegQueue::new()).collect(),
            ring_fds: (0..n).map(|_| AtomicI32::new(-1)).collect(),
            pending: (0..n).map(|_| AtomicBool::new(false)).collect(),
        }
    }

    pub fn register(&self, shard: usize, ring_fd: i32) {
        self.ring_fds[shard].store(ring_fd, Ordering::Release);
    }

    pub fn ring_fd(&self, shard: usize) -> i32 {
        self.ring_fds[shard].load(Ordering::Acquire)
    }

    /// Queue a batch; true if the caller must wake the destination.
    pub fn push(&self, dst: usize, batch: Vec<Msg>) -> bool {
        self.inboxes[dst].push(batch);
        !self.pending[dst].swap(true, Ordering::SeqCst)
    }

    /// Take everything queued for `shard` (clears its wake-up flag first).
    pub fn drain(&self, shard: usize, mut f: impl FnMut(Vec<Msg>)) {
        self.pending[shard].store(false, Ordering::SeqCst);
        while let Some(b) = self.inboxes[shard].pop() {
            f(b);
        }
    }

    /// Whether anything is waiting for `shard`.
    pub fn has_pending(&self, shard: usize) -> bool {
        !self.inboxes[shard].is_empty()
    }
}
