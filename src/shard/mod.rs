//! A shard: one thread, one io_uring, its connections and its slots' keyspace.
//!
//! The loop (see [`Shard::run`]) does exactly one `io_uring_enter` per turn: it
//! submits every SEND and RECV prepared during the previous turn and waits for at least
//! one completion. Then it handles completions (accepts, received bytes → commands,
//! finished sends), drains messages from other shards, and prepares the next batch.
//! The ring is set up SINGLE_ISSUER | DEFER_TASKRUN (see ../shared/reference/io-loop.md).

mod blocking;
pub mod cluster_route;
pub mod mesh;
mod tx;

use crate::command::pubsub::{Delivery, Registry};
use crate::command::route::{route, Route};
use crate::command::spec::{self, CommandSpec};
use crate::command::{
    error::unknown_command, ClientFilter, ClientState, CmdError, Ctx, Exec, ShardHooks,
};
use crate::conn::{Conn, Gather, GatherKind, Pending, READ_CHUNK};
use crate::resp::{Limits, Parsed, Proto, Reply};
use crate::shared::{unix_ms, Shared};
use crate::store::Db;
use io_uring::{cqueue, opcode, squeue, types, IoUring};
use mesh::{KeyEntry, Mesh, Msg, OwnedArgs, Req, Token};
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

/// The user_data a MSG_RING wake-up carries (other shards and the bus core post it).
pub const WAKE_USER_DATA: u64 = ud(OP_WAKE, 0, 0);

const fn ud(op: u64, idx: u32, gen: u32) -> u64 {
    (op << 60) | (((gen as u64) & 0x0fff_ffff) << 32) | idx as u64
}

fn ud_parts(u: u64) -> (u64, u32, u32) {
    (u >> 60, u as u32, ((u >> 32) & 0x0fff_ffff) as u32)
}

/// What handlers may ask of the shard beyond its keyspace.
struct Hooks<'a> {
    conns: &'a mut slab::Slab<Conn>,
    /// Client id → connection index, for pub/sub delivery.
    ids: &'a HashMap<u64, usize>,
    registry: &'a mut Registry,
    now: u64,
    commands: u64,
    /// Connections that got output (messages) or were marked to close by CLIENT KILL.
    touched: Vec<usize>,
    blocking: &'a blocking::Blocking,
    /// CLIENT UNBLOCK requests to carry out after the handler: (client id, as error).
    unblocks: Vec<(u64, bool)>,
}

impl<'a> Hooks<'a> {
    fn new(
        conns: &'a mut slab::Slab<Conn>,
        ids: &'a HashMap<u64, usize>,
        registry: &'a mut Registry,
        blocking: &'a blocking::Blocking,
        now: u64,
        commands: u64,
    ) -> Self {
        Hooks {
            conns,
            ids,
            registry,
            now,
            commands,
            touched: Vec::new(),
            blocking,
            unblocks: Vec::new(),
        }
    }
}

fn filter_matches(f: &ClientFilter, c: &ClientState, now: u64) -> bool {
    if !f.ids.is_empty() && !f.ids.contains(&c.id) {
        return false;
    }
    if f.addr.as_ref().is_some_and(|a| *a != c.addr) {
        return false;
    }
    if f.laddr.as_ref().is_some_and(|a| *a != c.laddr) {
        return false;
    }
    if f.type_normal == Some(false) {
        return false;
    }
    if f.maxage
        .is_some_and(|m| now.saturating_sub(c.created_ms) / 1000 < m)
    {
        return false;
    }
    true
}

impl ShardHooks for Hooks<'_> {
    fn client_list(&self, filter: &ClientFilter, out: &mut String) {
        for (_, c) in self.conns.iter() {
            if c.closing || !filter_matches(filter, &c.client, self.now) {
                continue;
            }
            let mut flags = String::new();
            if c.blocked_seq.is_some() {
                flags.push('b');
            }
            if c.client.subs.is_some() {
                flags.push('P');
            }
            if c.multi.is_some() {
                flags.push('x');
            }
            if flags.is_empty() {
                flags.push('N');
            }
            out.push_str(&crate::command::server::client_line(
                &c.client,
                self.now,
                c.pending_input(),
                c.out.len(),
                &flags,
            ));
            out.push('\n');
        }
    }

    fn client_kill(&mut self, filter: &ClientFilter) -> usize {
        let mut n = 0;
        for (i, c) in self.conns.iter_mut() {
            if c.closing || !filter_matches(filter, &c.client, self.now) {
                continue;
            }
            if filter.skip == Some(c.client.id) {
                continue;
            }
            c.client.close_after_reply = true;
            self.touched.push(i);
            n += 1;
        }
        n
    }

    fn client_count(&self) -> usize {
        self.conns.iter().filter(|(_, c)| !c.closing).count()
    }

    fn request_shutdown(&mut self) {}

    fn registry(&mut self) -> &mut Registry {
        self.registry
    }

    fn unblock(&mut self, client_id: u64, error: bool) -> bool {
        if self.blocking.is_blocked(client_id) {
            self.unblocks.push((client_id, error));
            true
        } else {
            false
        }
    }

    fn deliver(&mut self, client_id: u64, d: &Delivery) -> bool {
        let Some(&idx) = self.ids.get(&client_id) else {
            return false;
        };
        let Some(c) = self.conns.get_mut(idx) else {
            return false;
        };
        if c.closing {
            return false;
        }
        let proto = c.proto();
        // A push goes out between whole replies: straight to `out` when nothing is
        // pending, else behind the replies already queued.
        let mut t = c.reply_buf();
        d.write(&mut Reply::new(t.buf(), proto));
        self.touched.push(idx);
        true
    }

    fn commands_processed(&self) -> u64 {
        self.commands
    }
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
    outbox: Vec<Vec<Msg>>,
    dirty: Vec<usize>,
    now: u64,
    commands: u64,
    /// The last command name looked up, as the client spelled it, and its spec.
    last_lookup: std::cell::Cell<Option<([u8; 16], u8, &'static CommandSpec)>>,
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
            dirty: Vec::new(),
            now: unix_ms(),
            commands: 0,
            counted_expired: 0,
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

    fn push_sqe(&mut self, e: squeue::Entry) {
        // SAFETY: every buffer an entry points to lives in a Conn (or self) that is kept
        // until the entry's completion arrives.
        unsafe {
            while self.ring.submission().push(&e).is_err() {
                let _ = self.ring.submit();
            }
        }
    }

    fn arm_accept(&mut self) {
        let e = opcode::AcceptMulti::new(types::Fd(self.listener))
            .build()
            .user_data(ud(OP_ACCEPT, 0, 0));
        self.push_sqe(e);
        self.accepting = true;
    }

    fn arm_timer(&mut self) {
        let hz = self.shared.cfg().hz.max(1) as u64;
        let ms = (1000 / hz).max(1);
        *self.timer = types::Timespec::new().nsec((ms * 1_000_000) as u32);
        let e = opcode::Timeout::new(&*self.timer as *const _)
            .build()
            .user_data(ud(OP_TIMER, 0, 0));
        self.push_sqe(e);
    }

    fn arm_recv(&mut self, idx: usize) {
        let c = &mut self.conns[idx];
        if c.recv_inflight || c.closing || c.paused {
            return;
        }
        let want = c
            .parser
            .bytes_wanted(c.rbuf.len() - c.rpos)
            .clamp(READ_CHUNK, 1 << 20);
        if c.rbuf.capacity() - c.rbuf.len() < READ_CHUNK {
            c.rbuf.reserve(want);
        }
        let spare = c.rbuf.capacity() - c.rbuf.len();
        // SAFETY: the spare capacity stays allocated and untouched until the completion.
        let ptr = unsafe { c.rbuf.as_mut_ptr().add(c.rbuf.len()) };
        let e = opcode::Recv::new(types::Fd(c.fd), ptr, spare as u32)
            .build()
            .user_data(ud(OP_RECV, idx as u32, c.gen));
        c.recv_inflight = true;
        self.push_sqe(e);
    }

    fn mark_dirty(&mut self, idx: usize) {
        let c = &mut self.conns[idx];
        if !c.dirty {
            c.dirty = true;
            self.dirty.push(idx);
        }
    }

    /// Start a SEND for every connection with output and none in flight.
    fn flush_sends(&mut self) {
        let dirty = std::mem::take(&mut self.dirty);
        for &idx in &dirty {
            let Some(c) = self.conns.get_mut(idx) else {
                continue;
            };
            c.dirty = false;
            if c.send_inflight {
                continue;
            }
            if c.out.is_empty() {
                self.maybe_finish(idx);
                continue;
            }
            std::mem::swap(&mut c.out, &mut c.sending);
            c.sent = 0;
            self.submit_send(idx);
        }
        let mut d = dirty;
        d.clear();
        if self.dirty.is_empty() {
            self.dirty = d;
        }
    }

    fn submit_send(&mut self, idx: usize) {
        let c = &mut self.conns[idx];
        let rest = &c.sending[c.sent..];
        let e = opcode::Send::new(types::Fd(c.fd), rest.as_ptr(), rest.len() as u32)
            .flags(libc::MSG_NOSIGNAL)
            .build()
            .user_data(ud(OP_SEND, idx as u32, c.gen));
        c.send_inflight = true;
        self.push_sqe(e);
    }

    /// Close a connection whose work is done, or finish closing one.
    fn maybe_finish(&mut self, idx: usize) {
        let Some(c) = self.conns.get_mut(idx) else {
            return;
        };
        let flushed = c.out.is_empty() && !c.send_inflight && c.queue.is_empty();
        if c.client.close_after_reply && flushed && !c.closing {
            self.begin_close(idx);
            return;
        }
        let c = &mut self.conns[idx];
        if c.closing && !c.recv_inflight && !c.send_inflight {
            if c.blocked_seq.is_some() {
                let (shard, client) = (c.blocked_on as usize, c.client.id);
                if shard == self.id {
                    self.unblock_client(client, false, false);
                } else {
                    self.outbox[shard].push(Msg::Unblock { client });
                }
            }
            self.unwatch_all(idx);
            let c = &mut self.conns[idx];
            // SAFETY: the fd is ours and no operation references it any more.
            unsafe { libc::close(c.fd) };
            let c = self.conns.remove(idx);
            self.ids.remove(&c.client.id);
            if let Some(subs) = &c.client.subs {
                self.registry.drop_client(c.client.id, subs);
            }
            self.shared
                .connected_clients
                .fetch_sub(1, Ordering::Relaxed);
        }
    }

    fn begin_close(&mut self, idx: usize) {
        let Some(c) = self.conns.get_mut(idx) else {
            return;
        };
        if c.closing {
            return;
        }
        c.closing = true;
        // Make in-flight operations complete now.
        // SAFETY: plain syscall on our fd.
        unsafe { libc::shutdown(c.fd, libc::SHUT_RDWR) };
        self.maybe_finish(idx);
    }

    fn on_accept(&mut self, res: i32, flags: u32) {
        if !cqueue::more(flags) {
            self.accepting = false;
        }
        if res < 0 {
            return;
        }
        let fd = res;
        let cfg = self.shared.cfg();
        let total = self
            .shared
            .connected_clients
            .fetch_add(1, Ordering::Relaxed)
            + 1;
        if total > cfg.maxclients {
            self.shared
                .connected_clients
                .fetch_sub(1, Ordering::Relaxed);
            self.shared
                .rejected_connections
                .fetch_add(1, Ordering::Relaxed);
            let msg = b"-ERR max number of clients reached\r\n";
            // SAFETY: a fresh socket; a short best-effort write, then close.
            unsafe {
                libc::write(fd, msg.as_ptr() as *const _, msg.len());
                libc::close(fd);
            }
            return;
        }
        self.shared
            .total_connections
            .fetch_add(1, Ordering::Relaxed);
        set_nodelay(fd);
        let id = self.shared.next_client_id.fetch_add(1, Ordering::Relaxed);
        let client = ClientState::new(
            id,
            fd,
            sock_addr(fd, true),
            sock_addr(fd, false),
            self.now,
            cfg.requirepass.is_none(),
        );
        let gen = self.next_gen;
        self.next_gen = self.next_gen.wrapping_add(1) & 0x0fff_ffff;
        let idx = self.conns.insert(Conn::new(fd, gen, client));
        self.ids.insert(id, idx);
        self.arm_recv(idx);
    }

    fn on_recv(&mut self, idx: usize, gen: u32, res: i32) {
        let Some(c) = self.conns.get_mut(idx) else {
            return;
        };
        if c.gen != gen {
            return;
        }
        c.recv_inflight = false;
        if res <= 0 || c.closing {
            if res == -libc::EINTR || res == -libc::EAGAIN {
                self.arm_recv(idx);
                return;
            }
            self.begin_close(idx);
            return;
        }
        // SAFETY: the kernel wrote `res` bytes into the spare capacity.
        unsafe { c.rbuf.set_len(c.rbuf.len() + res as usize) };
        c.client.last_ms = self.now;
        self.shared
            .net_input_bytes
            .fetch_add(res as u64, Ordering::Relaxed);
        self.process_input(idx);
        if let Some(c) = self.conns.get(idx) {
            if !c.closing {
                self.arm_recv(idx);
            }
        }
    }

    fn on_send(&mut self, idx: usize, gen: u32, res: i32) {
        let Some(c) = self.conns.get_mut(idx) else {
            return;
        };
        if c.gen != gen {
            return;
        }
        c.send_inflight = false;
        if res < 0 {
            c.sending.clear();
            c.out.clear();
            self.begin_close(idx);
            self.maybe_finish(idx);
            return;
        }
        self.shared
            .net_output_bytes
            .fetch_add(res as u64, Ordering::Relaxed);
        c.sent += res as usize;
        if c.sent < c.sending.len() {
            self.submit_send(idx);
            return;
        }
        c.sending.clear();
        c.sent = 0;
        if c.sending.capacity() > (1 << 20) {
            c.sending = Vec::new();
        }
        if c.paused && c.out.len() < OUTPUT_HIGH_WATER / 2 {
            c.paused = false;
            self.resume.push(idx);
        }
        if !c.out.is_empty() {
            std::mem::swap(&mut c.out, &mut c.sending);
            self.submit_send(idx);
        } else {
            self.maybe_finish(idx);
        }
    }

    /// Parse and run every complete command in the connection's buffer.
    fn process_input(&mut self, idx: usize) {
        let c = &mut self.conns[idx];
        // While a RECV is in flight the kernel owns the buffer's spare room: parse what
        // is there, but don't move or shrink the buffer.
        let can_compact = !c.recv_inflight;
        let mut rbuf = std::mem::take(&mut c.rbuf);
        let mut parser = std::mem::take(&mut c.parser);
        let mut pos = c.rpos;
        let cfg = self.shared.cfg();
        let limits = Limits {
            proto_max_bulk_len: cfg.proto_max_bulk_len,
            unauthenticated: !c.client.authed,
        };
        let qlimit = cfg.client_query_buffer_limit;
        drop(cfg);
        loop {
            let c = &self.conns[idx];
            if c.closing || c.client.close_after_reply || c.paused {
                break;
            }
            if c.stalled {
                // Input keeps arriving while blocked; bound it like Redis does.
                if rbuf.len() - pos > qlimit {
                    self.conns[idx].client.close_after_reply = true;
                }
                break;
            }
            if c.out.len() + c.sending.len() > OUTPUT_HIGH_WATER {
                self.conns[idx].paused = true;
                break;
            }
            let input = &rbuf[pos..];
            match parser.parse(input, &limits) {
                Ok(Parsed::Incomplete) => {
                    if input.len() > qlimit {
                        // Redis closes such a client without a reply.
                        eprintln!("closing client that reached max query buffer length");
                        self.conns[idx].client.close_after_reply = true;
                    }
                    break;
                }
                Ok(Parsed::Skip { consumed }) => pos += consumed,
                Ok(Parsed::Inline { args, consumed }) => {
                    pos += consumed;
                    let slices: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
                    self.dispatch_guarded(idx, &slices);
                }
                Ok(Parsed::Multibulk { consumed }) => {
                    let mut slices: smallvec::SmallVec<[&[u8]; 8]> = smallvec::SmallVec::new();
                    for s in &parser.args {
                        slices.push(&input[s.start..s.end]);
                    }
                    self.dispatch_guarded(idx, &slices);
                    pos += consumed;
                }
                Err(e) => {
                    let c = &mut self.conns[idx];
                    let mut t = c.reply_buf();
                    Reply::new(t.buf(), Proto::Resp2).error(&format!("ERR {}", e.0));
                    c.client.close_after_reply = true;
                    parser.reset();
                    break;
                }
            }
        }
        // Compact: keep only unparsed input (a partial command's spans stay valid
        // relative to its start, which is `pos`).
        if can_compact {
            compact(&mut rbuf, &mut pos);
        }
        if let Some(c) = self.conns.get_mut(idx) {
            c.rbuf = rbuf;
            c.parser = parser;
            c.rpos = pos;
        }
        self.mark_dirty(idx);
    }

    /// [`Self::dispatch`] behind the connection boundary: a bug that panics while
    /// routing one client's command closes that client, never the shard.
    fn dispatch_guarded(&mut self, idx: usize, args: &[&[u8]]) {
        let r = std::panic::catch_unwind(AssertUnwindSafe(|| self.dispatch(idx, args)));
        if r.is_err() {
            if let Some(c) = self.conns.get_mut(idx) {
                let proto = c.proto();
                let mut t = c.reply_buf();
                Reply::new(t.buf(), proto).error("ERR internal error while routing the command");
                c.client.close_after_reply = true;
            }
        }
    }

    /// Resolve, check and run (or forward) one command.
    fn dispatch(&mut self, idx: usize, args: &[&[u8]]) {
        self.commands += 1;
        let res = self.resolve(idx, args);
        let spec = match res {
            Ok(spec) => spec,
            Err(e) => {
                self.tx_flag_error(idx);
                let c = &mut self.conns[idx];
                let proto = c.proto();
                let mut t = c.reply_buf();
                Reply::new(t.buf(), proto).error(&e.text());
                return;
            }
        };
        self.conns[idx].client.last_cmd = spec.name;
        if self.shared.cluster.is_some() {
            let c = &self.conns[idx];
            let queuing = c.multi.is_some() && !matches!(spec.name, "exec" | "discard" | "multi");
            let c = &c.client;
            let mut verdict =
                cluster_route::check(&self.shared, self.id, c.asking, c.readonly, spec, args);
            // Queued in MULTI: ASK/TRYAGAIN are answered now (Redis routes each command as
            // it is queued).
            if let (Ok(()), true) = (&verdict, queuing) {
                if let Ok(Some(slot)) =
                    cluster_route::command_slot(&self.shared, self.id, spec, args)
                {
                    verdict = cluster_route::migration_verdict(
                        &self.shared,
                        self.id,
                        &self.db,
                        self.now,
                        spec,
                        args,
                        slot,
                        c.asking,
                    );
                }
            }
            if let Err(e) = verdict {
                self.tx_flag_error(idx);
                let c = &mut self.conns[idx];
                let proto = c.proto();
                let mut t = c.reply_buf();
                Reply::new(t.buf(), proto).error(&e.text());
                self.clear_asking(idx, spec);
                return;
            }
        }
        if !self.tx_intercept(idx, spec, args) {
            self.dispatch_spec(idx, spec, args, true);
        }
        self.clear_asking(idx, spec);
    }

    /// ASKING holds for the next command only (for a whole MULTI when sent before it).
    fn clear_asking(&mut self, idx: usize, spec: &CommandSpec) {
        if let Some(c) = self.conns.get_mut(idx) {
            if spec.name != "asking" && c.multi.is_none() {
                c.client.asking = false;
            }
        }
    }

    /// Hand CLUSTER subcommands (one, or an EXEC's when `exec`) to the bus core; the
    /// reply takes this connection's next place and comes back as a `Msg::Reply`.
    pub(super) fn send_to_bus(&mut self, idx: usize, cmds: Vec<OwnedArgs>, exec: bool) {
        let c = &mut self.conns[idx];
        let seq = c.reserve(Pending::Wait);
        let req = crate::cluster::BusReq::Commands {
            node: self.id as u16,
            token: Token {
                idx: idx as u32,
                gen: c.gen,
            },
            seq,
            proto: c.proto(),
            cmds,
            exec,
        };
        if let Some(h) = &self.shared.cluster {
            h.send(req);
        }
    }

    /// Route and run (or forward) a resolved command.
    fn dispatch_spec(
        &mut self,
        idx: usize,
        spec: &'static CommandSpec,
        args: &[&[u8]],
        may_block: bool,
    ) {
        if self.shared.cluster.is_some() && crate::command::cluster::runs_on_bus(args, spec) {
            return self.send_to_bus(idx, vec![OwnedArgs::new(args)], false);
        }
        let verdict = match route(spec, args, self.shared.table(self.id)) {
            Ok(v) => v,
            Err(e) => {
                let c = &mut self.conns[idx];
                let proto = c.proto();
                let mut t = c.reply_buf();
                Reply::new(t.buf(), proto).error(&e.text());
                return;
            }
        };
        if spec.blocking && may_block {
            match verdict {
                Route::Shard { shard, slot } => {
                    return self.start_blocking(idx, spec, args, shard, slot)
                }
                Route::Split(_) | Route::Cross => {
                    let c = &mut self.conns[idx];
                    let proto = c.proto();
                    let mut t = c.reply_buf();
                    Reply::new(t.buf(), proto).error(&CmdError::CrossSlot.text());
                    return;
                }
                _ => {}
            }
        }
        match verdict {
            Route::Here => self.run_conn(idx, spec, args),
            Route::Local => self.run_local(idx, spec, args, 0),
            Route::Shard { shard, slot } if shard == self.id => {
                self.run_local(idx, spec, args, slot)
            }
            Route::Shard { shard, slot } => {
                let c = &mut self.conns[idx];
                let seq = c.reserve(Pending::Wait);
                let req = Req {
                    token: Token {
                        idx: idx as u32,
                        gen: c.gen,
                    },
                    seq,
                    part: 0,
                    proto: c.proto(),
                    slot,
                    caller: c.client.id,
                    asking: c.client.asking,
                };
                let msg = Msg::Exec {
                    from: self.id as u16,
                    req,
                    spec,
                    args: OwnedArgs::new(args),
                };
                self.outbox[shard].push(msg);
            }
            Route::Split(parts) => {
                let Exec::Multi(_, fan) = spec.exec else {
                    unreachable!("only multi-key commands split")
                };
                let nkeys = spec.key_positions(args).len();
                let key_index =
                    |p: usize| (p - spec.first_key as usize) / spec.step.max(1) as usize;
                let positions = parts
                    .iter()
                    .map(|(_, ps)| {
                        ps.iter()
                            .step_by(spec.step.max(1) as usize)
                            .map(|&p| key_index(p))
                            .collect()
                    })
                    .collect();
                let c = &mut self.conns[idx];
                let proto = c.proto();
                let seq = c.reserve(Pending::Gather(Box::new(Gather {
                    kind: GatherKind::Fanout(fan),
                    remaining: parts.len(),
                    parts: vec![Vec::new(); parts.len()],
                    positions,
                    nkeys,
                    args: None,
                    proto,
                })));
                let token = Token {
                    idx: idx as u32,
                    gen: c.gen,
                };
                let caller = c.client.id;
                for (part, (shard, ps)) in parts.into_iter().enumerate() {
                    let sub = OwnedArgs::subset(args, &ps);
                    let slot = crate::slot::key_hash_slot(args[ps[0]]);
                    let req = Req {
                        token,
                        seq,
                        part: part as u32,
                        proto,
                        slot,
                        caller,
                        asking: false,
                    };
                    self.send_exec(shard, req, spec, sub);
                }
            }
            Route::All => {
                let Exec::All(_, comb) = spec.exec else {
                    unreachable!("only all-shard commands go everywhere")
                };
                // Cluster mode: the other nodes' subscribers get it over the bus (the
                // reply counts this node's receivers, as in Redis).
                if let (Some(h), "publish" | "spublish") = (&self.shared.cluster, spec.name) {
                    h.send(crate::cluster::BusReq::Publish {
                        node: self.id as u16,
                        shard: spec.name == "spublish",
                        channel: args[1].to_vec(),
                        message: args[2].to_vec(),
                    });
                }
                let shards = self.shared.fanout(self.id);
                let n = shards.len();
                let c = &mut self.conns[idx];
                let proto = c.proto();
                let seq = c.reserve(Pending::Gather(Box::new(Gather {
                    kind: GatherKind::Combine(comb),
                    remaining: n,
                    parts: vec![Vec::new(); n],
                    positions: Vec::new(),
                    nkeys: 0,
                    args: Some(OwnedArgs::new(args)),
                    proto,
                })));
                let token = Token {
                    idx: idx as u32,
                    gen: c.gen,
                };
                let caller = c.client.id;
                for (part, shard) in shards.enumerate() {
                    let req = Req {
                        token,
                        seq,
                        part: part as u32,
                        proto,
                        slot: 0,
                        caller,
                        asking: false,
                    };
                    self.send_exec(shard, req, spec, OwnedArgs::new(args));
                }
            }
            Route::Cross => self.start_cross(idx, spec, args),
        }
    }

    /// Give a connection of this shard (part of) the reply in place `seq`; ends a
    /// blocked wait when it is the blocked command's reply.
    fn deliver_local(&mut self, token: Token, seq: u64, part: u32, data: Vec<u8>) {
        let idx = token.idx as usize;
        let Some(c) = self.conns.get_mut(idx) else {
            return;
        };
        if c.gen != token.gen {
            return;
        }
        c.deliver(&self.shared, seq, part, data);
        if c.blocked_seq == Some(seq) {
            c.blocked_seq = None;
            c.stalled = false;
            self.resume.push(idx);
        }
        self.mark_dirty(idx);
    }

    /// Start a blocking command whose keys are all on `shard`: the connection waits
    /// (runs nothing else) until the reply comes.
    fn start_blocking(
        &mut self,
        idx: usize,
        spec: &'static CommandSpec,
        args: &[&[u8]],
        shard: usize,
        slot: u16,
    ) {
        let c = &mut self.conns[idx];
        let seq = c.reserve(Pending::Wait);
        c.blocked_seq = Some(seq);
        c.blocked_on = shard as u16;
        c.stalled = true;
        let req = Req {
            token: Token {
                idx: idx as u32,
                gen: c.gen,
            },
            seq,
            part: 0,
            proto: c.proto(),
            slot,
            caller: c.client.id,
            asking: c.client.asking,
        };
        let owned = OwnedArgs::new(args);
        if shard == self.id {
            self.block_exec(self.id, req, spec, owned);
        } else {
            self.outbox[shard].push(Msg::Exec {
                from: self.id as u16,
                req,
                spec,
                args: owned,
            });
        }
    }

    fn send_exec(&mut self, shard: usize, req: Req, spec: &'static CommandSpec, args: OwnedArgs) {
        if shard == self.id {
            let data = self.exec_owned(spec, &args, &req);
            self.deliver_local(req.token, req.seq, req.part, data);
        } else {
            self.outbox[shard].push(Msg::Exec {
                from: self.id as u16,
                req,
                spec,
                args,
            });
        }
    }

    /// Find the (sub)command, check arity and authentication.
    fn resolve(&self, idx: usize, args: &[&[u8]]) -> Result<&'static CommandSpec, CmdError> {
        // Pipelines and benchmarks repeat one command: remember the last name as sent.
        let cached = self.last_lookup.get();
        let hit = cached.filter(|(name, len, _)| {
            *len as usize == args[0].len() && name[..*len as usize] == *args[0]
        });
        let mut spec = match hit {
            Some((_, _, spec)) => spec,
            None => {
                let Some(spec) = spec::lookup(args[0]) else {
                    return Err(unknown_command(args));
                };
                if args[0].len() <= 16 {
                    let mut name = [0u8; 16];
                    name[..args[0].len()].copy_from_slice(args[0]);
                    self.last_lookup
                        .set(Some((name, args[0].len() as u8, spec)));
                }
                spec
            }
        };
        if matches!(spec.exec, Exec::Container) {
            if args.len() == 1 {
                if spec.name == "command" {
                    return Ok(&COMMAND_BARE);
                }
                return Err(CmdError::WrongArity(spec.name.into()));
            }
            let Some(sub) = spec::lookup_sub(spec, args[1]) else {
                return Err(CmdError::UnknownSubcommand {
                    sub: crate::command::error::c_str(args[1], 128).into_owned(),
                    cmd: spec.name.to_ascii_uppercase(),
                });
            };
            if !spec::arity_ok(sub.arity, args.len()) {
                return Err(CmdError::WrongArity(format!("{}|{}", spec.name, sub.name)));
            }
            spec = sub;
        } else if !spec::arity_ok(spec.arity, args.len()) {
            return Err(CmdError::WrongArity(spec.name.into()));
        }
        let client = &self.conns[idx].client;
        if !client.authed && !spec.has_flag("no_auth") {
            return Err(CmdError::NoAuth);
        }
        if client.subs.is_some()
            && client.proto == Proto::Resp2
            && !ALLOWED_SUBSCRIBED.contains(&spec.name)
        {
            let name = String::from_utf8_lossy(args[0]).to_ascii_lowercase();
            let full = if spec.name == name {
                name
            } else {
                format!("{name}|{}", spec.name)
            };
            return Err(CmdError::msg(format!(
                "Can't execute '{full}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
            )));
        }
        Ok(spec)
    }

    fn run_conn(&mut self, idx: usize, spec: &'static CommandSpec, args: &[&[u8]]) {
        let Exec::Conn(f) = spec.exec else {
            unreachable!("route Here is for connection commands")
        };
        let Shard {
            db,
            conns,
            shared,
            ids,
            registry,
            blocking,
            now,
            id,
            commands,
            ..
        } = self;
        let mut none = slab::Slab::new();
        let mut hooks = Hooks::new(&mut none, ids, registry, blocking, *now, *commands);
        let c = &mut conns[idx];
        let proto = c.proto();
        let caller = c.client.id;
        let Conn {
            client, out, queue, ..
        } = c;
        let mut tmp = Vec::new();
        let direct = queue.is_empty();
        let buf = if direct { out } else { &mut tmp };
        let mark = buf.len();
        let mut ctx = Ctx {
            db,
            now: *now,
            slot: 0,
            shared,
            shard: *id,
            caller,
            hooks: &mut hooks,
        };
        let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let mut reply = Reply::new(&mut *buf, proto);
            if let Err(e) = f(&mut ctx, client, args, &mut reply) {
                reply.error(&e.text());
            }
        }));
        if r.is_err() {
            buf.truncate(mark);
            Reply::new(buf, proto).error("ERR internal error while running the command");
            client.close_after_reply = true;
        }
        if !direct {
            queue.push_back(Pending::Ready(tmp));
        }
    }

    fn run_local(&mut self, idx: usize, spec: &'static CommandSpec, args: &[&[u8]], slot: u16) {
        if self.run_local_inner(idx, spec, args, slot) {
            self.touch_written(spec, args);
        }
    }

    fn run_local_inner(
        &mut self,
        idx: usize,
        spec: &'static CommandSpec,
        args: &[&[u8]],
        slot: u16,
    ) -> bool {
        let f = match spec.exec {
            Exec::Key(f) | Exec::Multi(f, _) | Exec::All(f, _) => f,
            _ => unreachable!("local keyed run"),
        };
        let Shard {
            db,
            conns,
            shared,
            ids,
            registry,
            blocking,
            now,
            id,
            commands,
            ..
        } = self;
        let c = &mut conns[idx];
        let proto = c.proto();
        let caller = c.client.id;
        let asking = c.client.asking;
        let mut t = c.reply_buf();
        let buf = t.buf();
        if let Err(e) =
            cluster_route::migration_verdict(shared, *id, db, *now, spec, args, slot, asking)
        {
            write_error(spec, e, &mut Reply::new(buf, proto));
            return false;
        }
        let mark = buf.len();
        let mut empty = slab::Slab::new();
        let mut hooks = Hooks::new(&mut empty, ids, registry, blocking, *now, *commands);
        let mut ctx = Ctx {
            db,
            now: *now,
            slot,
            shared,
            shard: *id,
            caller,
            hooks: &mut hooks,
        };
        let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let mut reply = Reply::new(buf, proto);
            match f(&mut ctx, args, &mut reply) {
                Ok(()) => true,
                Err(e) => {
                    write_error(spec, e, &mut reply);
                    false
                }
            }
        }));
        note_slot_keys(shared, db, *id, slot);
        match r {
            Ok(ok) => ok,
            Err(_) => {
                let buf = t.buf();
                buf.truncate(mark);
                Reply::new(buf, proto).error("ERR internal error while running the command");
                c.client.close_after_reply = true;
                false
            }
        }
    }

    /// Run a keyed or all-shards handler for a request that came as a message.
    fn exec_owned(&mut self, spec: &'static CommandSpec, args: &OwnedArgs, req: &Req) -> Vec<u8> {
        match self.try_exec(spec, args, req, false) {
            Ok(b) => b,
            Err(_) => unreachable!("try_exec answers instead of blocking when it may not block"),
        }
    }

    /// Run a keyed or all-shards handler. `Err(deadline)` when the command would block
    /// and `may_block` (nothing was changed); without `may_block` a would-block answers
    /// as a timeout (Redis: blocking commands inside MULTI don't block).
    fn try_exec(
        &mut self,
        spec: &'static CommandSpec,
        args: &OwnedArgs,
        req: &Req,
        may_block: bool,
    ) -> Result<Vec<u8>, Option<u64>> {
        let (proto, slot, caller) = (req.proto, req.slot, req.caller);
        let f = match spec.exec {
            Exec::Key(f) | Exec::Multi(f, _) | Exec::All(f, _) => f,
            _ => unreachable!("only keyed handlers travel"),
        };
        let slices = args.slices();
        let mut out = Vec::new();
        if let Err(e) = cluster_route::migration_verdict(
            &self.shared,
            self.id,
            &self.db,
            self.now,
            spec,
            &slices,
            slot,
            req.asking,
        ) {
            write_error(spec, e, &mut Reply::new(&mut out, proto));
            return Ok(out);
        }
        let Shard {
            db,
            conns,
            shared,
            ids,
            registry,
            blocking,
            now,
            id,
            commands,
            ..
        } = self;
        let mut hooks = Hooks::new(conns, ids, registry, blocking, *now, *commands);
        let mut ctx = Ctx {
            db,
            now: *now,
            slot,
            shared,
            shard: *id,
            caller,
            hooks: &mut hooks,
        };
        let mut block = None;
        let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let mut reply = Reply::new(&mut out, proto);
            if let Err(e) = f(&mut ctx, &slices, &mut reply) {
                if let CmdError::WouldBlock { deadline } = e {
                    block = Some(deadline);
                }
                write_error(spec, e, &mut reply);
            }
        }));
        if r.is_err() {
            out.clear();
            Reply::new(&mut out, proto).error("ERR internal error while running the command");
        }
        note_slot_keys(shared, db, *id, slot);
        if matches!(spec.exec, Exec::All(..)) && spec.write && shared.cluster.is_some() {
            // FLUSHALL / FLUSHDB: every slot's count may have changed.
            for s in 0..crate::slot::SLOTS as u16 {
                note_slot_keys(shared, db, *id, s);
            }
        }
        let touched = std::mem::take(&mut hooks.touched);
        let unblocks = std::mem::take(&mut hooks.unblocks);
        for i in touched {
            self.mark_dirty(i);
        }
        for (client, error) in unblocks {
            self.unblock_client(client, error, true);
        }
        if let (Some(deadline), true) = (block, may_block) {
            return Err(deadline);
        }
        // A command that failed changed nothing: it wakes no waiter, dirties no WATCH.
        if out.first() != Some(&b'-') {
            self.touch_written(spec, &slices);
        }
        Ok(out)
    }

    /// Start a command that must see keys living on several shards (standalone mode):
    /// fetch copies of its keys, run it over them here, write the changes back. The
    /// connection runs nothing else meanwhile, so its next commands see the result.
    fn start_cross(&mut self, idx: usize, spec: &'static CommandSpec, args: &[&[u8]]) {
        let mut groups: Vec<(usize, Vec<Vec<u8>>)> = Vec::new();
        for p in spec.key_positions(args) {
            let key = args[p];
            let shard = self
                .shared
                .slots
                .get(crate::slot::key_hash_slot(key))
                .shard()
                .unwrap_or(self.id);
            let g = match groups.iter_mut().find(|(s, _)| *s == shard) {
                Some(g) => g,
                None => {
                    groups.push((shard, Vec::new()));
                    groups.last_mut().expect("just pushed")
                }
            };
            if !g.1.iter().any(|k| k == key) {
                g.1.push(key.to_vec());
            }
        }
        let c = &mut self.conns[idx];
        let proto = c.proto();
        let seq = c.reserve(Pending::Wait);
        c.stalled = true;
        let token = Token {
            idx: idx as u32,
            gen: c.gen,
        };
        let op = self.cross.insert(CrossOp {
            token,
            seq,
            spec,
            args: OwnedArgs::new(args),
            proto,
            remaining: groups.len(),
            entries: Vec::new(),
        }) as u32;
        for (shard, keys) in groups {
            if shard == self.id {
                let entries = self.fetch_local(keys);
                self.on_fetched(op, entries);
            } else {
                self.outbox[shard].push(Msg::Fetch {
                    from: self.id as u16,
                    op,
                    keys,
                });
            }
        }
    }

    fn fetch_local(&mut self, keys: Vec<Vec<u8>>) -> KeyEntries {
        let now = self.now;
        keys.into_iter()
            .map(|k| {
                let e = self.db.snapshot(crate::slot::key_hash_slot(&k), &k, now);
                (k, e)
            })
            .collect()
    }

    fn on_fetched(&mut self, op: u32, entries: KeyEntries) {
        let Some(x) = self.cross.get_mut(op as usize) else {
            return;
        };
        x.entries.extend(entries);
        x.remaining -= 1;
        if x.remaining > 0 {
            return;
        }
        let x = self.cross.remove(op as usize);
        let now = self.now;
        let mut scratch = Db::new();
        for (k, e) in &x.entries {
            scratch.restore(crate::slot::key_hash_slot(k), k, e.clone(), now);
        }
        let f = match x.spec.exec {
            Exec::Key(f) | Exec::Multi(f, _) => f,
            _ => unreachable!("only keyed commands run across shards"),
        };
        let slices = x.args.slices();
        let first = x.spec.key_positions(&slices).first().copied().unwrap_or(1);
        let slot = crate::slot::key_hash_slot(slices[first]);
        let mut out = Vec::new();
        let mut none = slab::Slab::new();
        let mut hooks = Hooks::new(
            &mut none,
            &self.ids,
            &mut self.registry,
            &self.blocking,
            now,
            self.commands,
        );
        let mut ctx = Ctx {
            db: &mut scratch,
            now,
            slot,
            shared: &self.shared,
            shard: self.id,
            caller: 0,
            hooks: &mut hooks,
        };
        let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let mut reply = Reply::new(&mut out, x.proto);
            if let Err(e) = f(&mut ctx, &slices, &mut reply) {
                write_error(x.spec, e, &mut reply);
            }
        }));
        let mut changes: Vec<(usize, KeyEntries)> = Vec::new();
        if r.is_err() {
            out.clear();
            Reply::new(&mut out, x.proto).error("ERR internal error while running the command");
        } else {
            for (k, before) in x.entries {
                let slot = crate::slot::key_hash_slot(&k);
                let after = scratch.snapshot(slot, &k, now);
                if after != before {
                    let shard = self.shared.slots.get(slot).shard().unwrap_or(self.id);
                    match changes.iter_mut().find(|(s, _)| *s == shard) {
                        Some(g) => g.1.push((k, after)),
                        None => changes.push((shard, vec![(k, after)])),
                    }
                }
            }
        }
        for (shard, entries) in changes {
            if shard == self.id {
                self.apply_local(entries);
            } else {
                self.outbox[shard].push(Msg::Apply { entries });
            }
        }
        let idx = x.token.idx as usize;
        if let Some(c) = self.conns.get_mut(idx) {
            if c.gen == x.token.gen {
                c.deliver(&self.shared, x.seq, 0, out);
                c.stalled = false;
                self.resume.push(idx);
                self.mark_dirty(idx);
            }
        }
    }

    fn apply_local(&mut self, entries: KeyEntries) {
        let now = self.now;
        for (k, e) in entries {
            self.watches.touch(&k);
            self.blocking.touch(&k);
            self.db.restore(crate::slot::key_hash_slot(&k), &k, e, now);
        }
    }

    fn handle_msgs(&mut self) {
        let mesh = self.mesh.clone();
        mesh.drain(self.id, |batch| {
            for m in batch {
                match m {
                    Msg::Exec {
                        from,
                        req,
                        spec,
                        args,
                    } if spec.blocking => self.block_exec(from as usize, req, spec, args),
                    Msg::Exec {
                        from,
                        req,
                        spec,
                        args,
                    } => {
                        let data = self.exec_owned(spec, &args, &req);
                        self.outbox[from as usize].push(Msg::Reply {
                            token: req.token,
                            seq: req.seq,
                            part: req.part,
                            data,
                        });
                    }
                    Msg::Unblock { client } => {
                        self.unblock_client(client, false, false);
                    }
                    Msg::Fetch { from, op, keys } => {
                        let entries = self.fetch_local(keys);
                        self.outbox[from as usize].push(Msg::Fetched { op, entries });
                    }
                    Msg::Fetched { op, entries } => self.on_fetched(op, entries),
                    Msg::Apply { entries } => self.apply_local(entries),
                    Msg::Watch { client, keys } => self.register_watch(client, keys),
                    Msg::Unwatch { client } => self.unwatch_local(client),
                    Msg::WatchCheck { from, op, client } => {
                        let dirty = self.watch_check(client);
                        self.outbox[from as usize].push(Msg::WatchStatus { op, dirty });
                    }
                    Msg::WatchStatus { op, dirty } => self.on_watch_status(op, dirty),
                    Msg::Tx {
                        from,
                        req,
                        mut client,
                        cmds,
                    } => {
                        let data = self.run_tx(req.caller, &mut client, &cmds, req.proto);
                        self.outbox[from as usize].push(Msg::Reply {
                            token: req.token,
                            seq: req.seq,
                            part: req.part,
                            data,
                        });
                    }
                    Msg::Reply {
                        token,
                        seq,
                        part,
                        data,
                    } => {
                        self.deliver_local(token, seq, part, data);
                    }
                    Msg::Deliver {
                        shard,
                        channel,
                        message,
                    } => self.deliver_remote_publish(shard, &channel, &message),
                    Msg::DropSlots(slots) => {
                        for s in slots {
                            self.db.flush_slot(s);
                            note_slot_keys(&self.shared, &self.db, self.id, s);
                        }
                    }
                }
            }
        });
    }

    fn flush_outbox(&mut self) {
        for dst in 0..self.outbox.len() {
            if self.outbox[dst].is_empty() {
                continue;
            }
            let batch = std::mem::take(&mut self.outbox[dst]);
            let forwarded = batch.iter().filter(|m| m.is_request()).count();
            self.shared.forwarded[self.id].fetch_add(forwarded as u64, Ordering::Relaxed);
            if self.mesh.push(dst, batch) {
                let fd = self.mesh.ring_fd(dst);
                let e = opcode::MsgRingData::new(types::Fd(fd), 0, ud(OP_WAKE, 0, 0), None)
                    .build()
                    .flags(squeue::Flags::SKIP_SUCCESS)
                    .user_data(ud(OP_IGNORE, 0, 0));
                self.push_sqe(e);
            }
        }
    }

    fn cron(&mut self) {
        let cfg = self.shared.cfg();
        let hz = cfg.hz.max(1) as u64;
        let effort: usize = cfg
            .values
            .get("active-expire-effort")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let timeout = cfg.timeout;
        drop(cfg);
        self.expire_waiters();
        self.redirect_waiters();
        if self.db.active_expire_enabled {
            // Redis's slow cycle: up to 25% of a tick, repeating while > 10% of the
            // sampled keys were expired.
            let budget = std::time::Duration::from_micros(1_000_000 / hz / 4);
            let start = std::time::Instant::now();
            let per_round = 200 * effort;
            loop {
                let (seen, expired) = self.db.active_expire(self.now, per_round);
                if seen == 0 || expired * 10 < seen || start.elapsed() > budget {
                    break;
                }
            }
        }
        if timeout > 0 {
            let limit = timeout * 1000;
            let idle: Vec<usize> = self
                .conns
                .iter()
                .filter(|(_, c)| {
                    !c.closing
                        && self.now.saturating_sub(c.client.last_ms) > limit
                        && c.queue.is_empty()
                })
                .map(|(i, _)| i)
                .collect();
            for i in idle {
                self.begin_close(i);
            }
        }
        // Active expiry changes key counts without a command: republish them then.
        if self.shared.cluster.is_some() && self.db.expired_keys != self.counted_expired {
            self.counted_expired = self.db.expired_keys;
            for slot in 0..crate::slot::SLOTS as u16 {
                note_slot_keys(&self.shared, &self.db, self.id, slot);
            }
        }
        crate::alloc::allocated();
    }

    /// Deliver a message published on another node to this shard's subscribers.
    fn deliver_remote_publish(&mut self, shard: bool, channel: &[u8], message: &[u8]) {
        let name: &[u8] = if shard { b"spublish" } else { b"publish" };
        let Some(spec) = spec::lookup(name) else {
            return;
        };
        let args = OwnedArgs::new(&[name, channel, message]);
        let req = Req {
            token: Token { idx: 0, gen: 0 },
            seq: 0,
            part: 0,
            proto: Proto::Resp2,
            slot: crate::slot::key_hash_slot(channel),
            caller: 0,
            asking: false,
        };
        let _ = self.exec_owned(spec, &args, &req);
    }

    /// The event loop. Returns when a shutdown was requested and replies are flushed.
    pub fn run(mut self) {
        self.arm_accept();
        self.arm_timer();
        let mut stopping = false;
        let mut stop_deadline = 0;
        loop {
            if !self.blocking.ready.is_empty() {
                self.serve_ready();
            }
            self.flush_outbox();
            for idx in std::mem::take(&mut self.resume) {
                if self.conns.contains(idx) {
                    self.process_input(idx);
                    self.arm_recv(idx);
                }
            }
            self.flush_sends();
            if stopping {
                let busy = self
                    .conns
                    .iter()
                    .any(|(_, c)| c.send_inflight || !c.out.is_empty() || !c.queue.is_empty());
                if !busy || self.now > stop_deadline {
                    break;
                }
            }
            match self.ring.submit_and_wait(1) {
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(libc::EINTR) => {}
                Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {}
                Err(e) => {
                    eprintln!("shard {}: io_uring_enter failed: {e}", self.id);
                    break;
                }
            }
            self.now = unix_ms();
            let mut cqes = std::mem::take(&mut self.cqes);
            cqes.extend(
                self.ring
                    .completion()
                    .map(|c| (c.user_data(), c.result(), c.flags())),
            );
            for &(u, res, flags) in &cqes {
                let (op, idx, gen) = ud_parts(u);
                match op {
                    OP_ACCEPT => self.on_accept(res, flags),
                    OP_RECV => self.on_recv(idx as usize, gen, res),
                    OP_SEND => self.on_send(idx as usize, gen, res),
                    OP_TIMER => {
                        self.cron();
                        self.arm_timer();
                        if self.shared.is_shutting_down() && !stopping {
                            stopping = true;
                            stop_deadline = self.now + 5000;
                            // SAFETY: stop accepting: close our listening socket.
                            unsafe { libc::close(self.listener) };
                        }
                    }
                    _ => {
                        if res < 0 {
                            eprintln!(
                                "shard {}: op {op} failed: {}",
                                self.id,
                                std::io::Error::from_raw_os_error(-res)
                            );
                        }
                    }
                }
            }
            cqes.clear();
            self.cqes = cqes;
            self.handle_msgs();
            if !self.accepting && !stopping {
                self.arm_accept();
            }
        }
        for (_, c) in self.conns.iter() {
            // SAFETY: closing our own fds at exit.
            unsafe { libc::close(c.fd) };
        }
    }
}

/// Drop parsed input from a connection's read buffer: reuse it when all was parsed,
/// else move the unparsed tail to the front when the buffer is getting full. Only
/// while no RECV writes into it.
/// Cluster mode: publish how many keys this shard holds in `slot` (the bus reads the
/// counts for SETSLOT / FLUSHSLOTS / RESET). Only the slot's home shard writes it.
fn note_slot_keys(shared: &Shared, db: &Db, shard: usize, slot: u16) {
    if let Some(h) = shared.node(shard) {
        h.keys.set(slot, db.slot_len(slot));
    }
}

fn compact(rbuf: &mut Vec<u8>, pos: &mut usize) {
    if *pos == rbuf.len() {
        rbuf.clear();
        *pos = 0;
        if rbuf.capacity() > 4 * READ_CHUNK {
            *rbuf = Vec::with_capacity(READ_CHUNK);
        }
    } else if *pos > 0 && (*pos > rbuf.capacity() / 2 || rbuf.capacity() - rbuf.len() < READ_CHUNK)
    {
        rbuf.drain(..*pos);
        *pos = 0;
    }
}

/// Write a handler's error; a would-block (where blocking is not possible) answers as
/// the blocking command's timeout does.
fn write_error(spec: &CommandSpec, e: CmdError, reply: &mut Reply) {
    match e {
        CmdError::WouldBlock { .. } => {
            if spec.name == "blmove" || spec.name == "brpoplpush" {
                reply.null();
            } else {
                reply.null_array();
            }
        }
        e => reply.error(&e.text()),
    }
}

/// Commands a RESP2 client may send while subscribed.
const ALLOWED_SUBSCRIBED: &[&str] = &[
    "subscribe",
    "psubscribe",
    "ssubscribe",
    "unsubscribe",
    "punsubscribe",
    "sunsubscribe",
    "ping",
    "quit",
    "reset",
];

/// The bare `COMMAND` (a container that also runs without a subcommand).
static COMMAND_BARE: CommandSpec = CommandSpec {
    name: "command",
    arity: -1,
    flags: "loading stale",
    first_key: 0,
    last_key: 0,
    step: 0,
    exec: Exec::Conn(crate::command::server::command),
    group: "server",
    since: "2.8.13",
    summary: "Returns detailed information about all commands.",
    subcommands: &[],
    keys_fn: None,
    write: false,
    blocking: false,
};

fn set_nodelay(fd: RawFd) {
    let one: libc::c_int = 1;
    // SAFETY: setsockopt with a valid pointer and size.
    unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            &one as *const _ as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as u32,
        );
    }
}

fn sock_addr(fd: RawFd, peer: bool) -> String {
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: the buffer is a sockaddr_storage of the given length.
    let r = unsafe {
        if peer {
            libc::getpeername(fd, &mut ss as *mut _ as *mut libc::sockaddr, &mut len)
        } else {
            libc::getsockname(fd, &mut ss as *mut _ as *mut libc::sockaddr, &mut len)
        }
    };
    if r != 0 {
        return "?:0".into();
    }
    match ss.ss_family as i32 {
        libc::AF_INET => {
            // SAFETY: family says it is a sockaddr_in.
            let a: &libc::sockaddr_in = unsafe { &*(&ss as *const _ as *const libc::sockaddr_in) };
            let ip = std::net::Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr));
            format!("{ip}:{}", u16::from_be(a.sin_port))
        }
        libc::AF_INET6 => {
            // SAFETY: family says it is a sockaddr_in6.
            let a: &libc::sockaddr_in6 =
                unsafe { &*(&ss as *const _ as *const libc::sockaddr_in6) };
            let ip = std::net::Ipv6Addr::from(a.sin6_addr.s6_addr);
            format!("{ip}:{}", u16::from_be(a.sin6_port))
        }
        _ => "?:0".into(),
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
