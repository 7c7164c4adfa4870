//! One thread's event loop: its clients, their non-blocking connections (one per node in
//! cluster mode), request generation into per-connection write buffers, reply framing,
//! latency recording, and cluster redirections.
//!
//! Nothing on the request/reply path allocates: write and read buffers and the pending
//! queues keep their capacity, requests are copied from pre-encoded templates with the
//! key digits patched in place, and replies are only framed and classified.

use super::args::{Config, Limit};
use super::cluster::{resolve_hostport, Topology};
use super::keys::{KeyGen, Rng, SlotOf, Templates, GET, SET};
use super::resp::{self, Kind};
use super::stats::{new_hist, OpStats, ThreadStats};
use hdrhistogram::Histogram;
use mio::net::TcpStream;
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Barrier;
use std::time::Duration;

/// Monotonic clock in ns (CLOCK_MONOTONIC, the clock `Instant` uses; a vDSO call).
#[inline]
pub fn mono_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out-pointer; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Read-only state every thread shares.
pub struct Shared {
    pub cfg: Config,
    pub topo: Topology,
    pub templates: Templates,
    pub slot_of: SlotOf,
    pub seed: u64,
    pub barrier: Barrier,
    pub progress: Vec<Progress>,
    /// Set by a thread that failed: the others stop too.
    pub abort: AtomicBool,
}

/// The error of a thread that stopped because another one failed.
pub const ABORTED: &str = "aborted";

/// Completed-ops counter a thread publishes for the progress line.
#[repr(align(64))]
#[derive(Default)]
pub struct Progress(pub AtomicU64);

const OP_ASKING: u8 = 2;
const OP_SLOTS: u8 = 3;
const NONE: u32 = u32::MAX;
const TIMER: Token = Token(usize::MAX - 1);
const MAX_HOPS: u8 = 5;
const ASKING: &[u8] = b"*1\r\n$6\r\nASKING\r\n";
const CLUSTER_SLOTS: &[u8] = b"*2\r\n$7\r\nCLUSTER\r\n$5\r\nSLOTS\r\n";
/// Under --rate-limiting the timer is armed this long before a request is due and the
/// loop then polls without blocking until it is: wake-ups take tens of microseconds,
/// which would otherwise be added to every measured latency.
const SPIN_NS: u64 = 40_000;
/// Give up when outstanding replies make no progress for this long.
const STALL_NS: u64 = 10_000_000_000;

/// One outstanding request, in send order.
#[derive(Clone, Copy)]
struct Pending {
    /// Send time, or intended send time under --rate-limiting (ns, monotonic).
    t: u64,
    key: u64,
    op: u8,
    hops: u8,
}

struct Conn {
    sock: TcpStream,
    client: u32,
    addr: SocketAddr,
    wbuf: Vec<u8>,
    wpos: usize,
    rbuf: Vec<u8>,
    rstart: usize,
    rend: usize,
    pending: VecDeque<Pending>,
    /// SET/GET requests outstanding (the pipeline limit applies to these).
    inflight: usize,
    dirty: bool,
}

struct Client {
    /// Connection index per node index (NONE until connected).
    conns: Vec<u32>,
    gens: [KeyGen; 2],
    rng: Rng,
    cycle: u32,
    /// Requests still to generate (u64::MAX under --test-time).
    budget: u64,
    /// A generated request whose connection was full.
    stash: Option<(u8, u64)>,
    done: bool,
    /// --rate-limiting schedule: request i is due at base + i * 1e9 / rate.
    due: u64,
    sent: u64,
    sched_base: u64,
}

struct Worker<'a> {
    sh: &'a Shared,
    cfg: &'a Config,
    poll: Poll,
    conns: Vec<Conn>,
    clients: Vec<Client>,
    topo: Topology,
    stats: [OpStats; 2],
    /// --rate-limiting only: send time minus scheduled time, ns.
    lag: Histogram<u64>,
    /// Every pending entry on every connection (including ASKING / CLUSTER SLOTS).
    outstanding: u64,
    active: usize,
    dirty: Vec<u32>,
    refreshing: bool,
    refreshes: u64,
    deadline: Option<u64>,
    timer: Option<OwnedFd>,
    armed: u64,
    last_progress_ns: u64,
    done_ops: u64,
}

fn io_err(what: &str, addr: SocketAddr, e: io::Error) -> String {
    format!("{what} {addr}: {e}")
}

/// Run one benchmark thread to completion.
pub fn run(sh: &Shared, tid: usize) -> Result<ThreadStats, String> {
    let r = run_inner(sh, tid);
    if r.is_err() {
        sh.abort.store(true, Ordering::Relaxed);
    }
    r
}

fn run_inner(sh: &Shared, tid: usize) -> Result<ThreadStats, String> {
    let setup = setup(sh, tid);
    if setup.is_err() {
        sh.abort.store(true, Ordering::Relaxed);
    }
    // Everyone meets at the start line, failed or not, so nobody waits forever.
    sh.barrier.wait();
    let mut w = setup?;
    if sh.abort.load(Ordering::Relaxed) {
        return Err(ABORTED.into());
    }
    let cfg = &sh.cfg;
    let start = mono_ns();
    if let Limit::Seconds(s) = cfg.limit {
        w.deadline = Some(start + s * 1_000_000_000);
    }
    for c in &mut w.clients {
        c.sched_base += start;
        c.due = c.sched_base;
    }
    w.last_progress_ns = start;
    let end = w.event_loop(tid)?;
    Ok(ThreadStats {
        ops: w.stats,
        lag: w.lag,
        start_ns: start,
        end_ns: end,
        map_refreshes: w.refreshes,
    })
}

/// Connect every client (to every node in cluster mode).
fn setup(sh: &Shared, tid: usize) -> Result<Worker<'_>, String> {
    let cfg = &sh.cfg;
    let poll = Poll::new().map_err(|e| format!("epoll: {e}"))?;
    let total_clients = (cfg.threads * cfg.clients) as u64;
    let budget = match cfg.limit {
        Limit::Requests(n) => n,
        Limit::Seconds(_) => u64::MAX,
    };
    let mut w = Worker {
        sh,
        cfg,
        poll,
        conns: Vec::new(),
        clients: Vec::with_capacity(cfg.clients),
        topo: sh.topo.clone(),
        stats: [OpStats::new(), OpStats::new()],
        lag: new_hist(),
        outstanding: 0,
        active: cfg.clients,
        dirty: Vec::new(),
        refreshing: false,
        refreshes: 0,
        deadline: None,
        timer: None,
        armed: 0,
        last_progress_ns: 0,
        done_ops: 0,
    };
    for i in 0..cfg.clients {
        let g = (tid * cfg.clients + i) as u64;
        w.clients.push(Client {
            conns: vec![NONE; w.topo.nodes.len()],
            gens: [
                KeyGen::new(cfg.set_pattern, cfg.key_min, cfg.key_max, g, total_clients),
                KeyGen::new(cfg.get_pattern, cfg.key_min, cfg.key_max, g, total_clients),
            ],
            rng: Rng::new(sh.seed ^ g.wrapping_mul(0x2545_f491_4f6c_dd1d)),
            cycle: 0,
            budget,
            stash: None,
            done: budget == 0,
            due: 0,
            sent: 0,
            // Spread the clients' schedules evenly over one interval.
            sched_base: cfg.rate.map_or(0, |r| {
                (1_000_000_000u128 * g as u128 / (r as u128 * total_clients as u128)) as u64
            }),
        });
        // Connect to every node up front (memtier does the same in cluster mode).
        for node in 0..w.topo.nodes.len() {
            w.connect(i, node)?;
        }
    }
    w.active = w.clients.iter().filter(|c| !c.done).count();
    if cfg.rate.is_some() {
        w.setup_timer()?;
    }
    Ok(w)
}

impl Worker<'_> {
    fn connect(&mut self, cid: usize, node: usize) -> Result<u32, String> {
        let addr = self.topo.nodes[node];
        let s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5))
            .map_err(|e| io_err("connect to", addr, e))?;
        s.set_nodelay(true).ok();
        s.set_nonblocking(true)
            .map_err(|e| io_err("set_nonblocking", addr, e))?;
        let mut sock = TcpStream::from_std(s);
        let idx = self.conns.len();
        self.poll
            .registry()
            .register(
                &mut sock,
                Token(idx),
                Interest::READABLE | Interest::WRITABLE,
            )
            .map_err(|e| io_err("epoll register", addr, e))?;
        self.conns.push(Conn {
            sock,
            client: cid as u32,
            addr,
            wbuf: Vec::with_capacity(16 * 1024),
            wpos: 0,
            rbuf: vec![0u8; 64 * 1024],
            rstart: 0,
            rend: 0,
            pending: VecDeque::with_capacity(self.cfg.pipeline + 4),
            inflight: 0,
            dirty: false,
        });
        let c = &mut self.clients[cid];
        if c.conns.len() <= node {
            c.conns.resize(node + 1, NONE);
        }
        c.conns[node] = idx as u32;
        Ok(idx as u32)
    }

    /// The client's connection to `node`, connecting on first use.
    #[inline]
    fn conn_for(&mut self, cid: usize, node: usize) -> Result<usize, String> {
        match self.clients[cid].conns.get(node) {
            Some(&c) if c != NONE => Ok(c as usize),
            _ => Ok(self.connect(cid, node)? as usize),
        }
    }

    fn setup_timer(&mut self) -> Result<(), String> {
        // SAFETY: plain syscall; the fd is owned below.
        let fd = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(format!("timerfd_create: {}", io::Error::last_os_error()));
        }
        // SAFETY: fd is a fresh descriptor we own.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        self.poll
            .registry()
            .register(&mut SourceFd(&fd.as_raw_fd()), TIMER, Interest::READABLE)
            .map_err(|e| format!("epoll register timerfd: {e}"))?;
        self.timer = Some(fd);
        Ok(())
    }

    /// Arm the timerfd for absolute monotonic time `at` (ns), if not armed for it.
    fn arm(&mut self, at: u64) {
        if at == self.armed {
            return;
        }
        if let Some(fd) = &self.timer {
            let at = at.max(1);
            let spec = libc::itimerspec {
                it_interval: libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                },
                it_value: libc::timespec {
                    tv_sec: (at / 1_000_000_000) as libc::time_t,
                    tv_nsec: (at % 1_000_000_000) as libc::c_long,
                },
            };
            // SAFETY: valid fd and itimerspec.
            unsafe {
                libc::timerfd_settime(
                    fd.as_raw_fd(),
                    libc::TFD_TIMER_ABSTIME,
                    &spec,
                    std::ptr::null_mut(),
                )
            };
            self.armed = at;
        }
    }

    fn event_loop(&mut self, tid: usize) -> Result<u64, String> {
        let mut events = Events::with_capacity(1024);
        for cid in 0..self.clients.len() {
            self.fill(cid)?;
        }
        let mut last_end = mono_ns();
        loop {
            if self.active == 0 && self.outstanding == 0 {
                return Ok(last_end);
            }
            let now = mono_ns();
            let mut timeout = Duration::from_millis(250);
            if let Some(dl) = self.deadline {
                if now >= dl {
                    self.stop_generating();
                    if self.active == 0 && self.outstanding == 0 {
                        return Ok(last_end);
                    }
                } else {
                    timeout = timeout.min(Duration::from_nanos(dl - now));
                }
            }
            if self.timer.is_some() && self.active > 0 {
                let next = self
                    .clients
                    .iter()
                    .filter(|c| !c.done && c.stash.is_none())
                    .map(|c| c.due)
                    .min();
                if let Some(next) = next {
                    if next <= now + SPIN_NS {
                        // Due in a moment: poll without sleeping rather than pay the
                        // timer's wake-up latency.
                        timeout = Duration::ZERO;
                    } else {
                        self.arm(next - SPIN_NS);
                    }
                }
            }
            if self.outstanding > 0 && now.saturating_sub(self.last_progress_ns) > STALL_NS {
                return Err(format!(
                    "no reply for {} s with {} requests outstanding",
                    STALL_NS / 1_000_000_000,
                    self.outstanding
                ));
            }
            match self.poll.poll(&mut events, Some(timeout)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("epoll_wait: {e}")),
            }
            for ev in events.iter() {
                let tok = ev.token();
                if tok == TIMER {
                    // No need to read the expiration count: re-arming resets it, and
                    // edge-triggered epoll reports the next expiry anyway.
                    self.armed = 0;
                    continue;
                }
                let ci = tok.0;
                if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                    if self.read(ci)? {
                        last_end = self.last_progress_ns;
                    }
                    let cid = self.conns[ci].client as usize;
                    self.fill(cid)?;
                }
                if ev.is_writable() && self.conns[ci].wpos < self.conns[ci].wbuf.len() {
                    self.flush(ci)?;
                }
            }
            if self.timer.is_some() {
                let now = mono_ns();
                for cid in 0..self.clients.len() {
                    let c = &self.clients[cid];
                    if !c.done && c.stash.is_none() && c.due <= now {
                        self.fill(cid)?;
                    }
                }
            }
            self.sh.progress[tid]
                .0
                .store(self.done_ops, Ordering::Relaxed);
            if self.sh.abort.load(Ordering::Relaxed) {
                return Err(ABORTED.into());
            }
        }
    }

    fn stop_generating(&mut self) {
        for c in &mut self.clients {
            if !c.done {
                c.done = true;
                c.stash = None;
                self.active -= 1;
            }
        }
    }

    /// Generate as many requests for client `cid` as its pipeline (and schedule) allow,
    /// then flush the connections written to.
    fn fill(&mut self, cid: usize) -> Result<(), String> {
        let now = mono_ns();
        let pipeline = self.cfg.pipeline;
        let rate = self.cfg.rate;
        let ratio_set = self.cfg.ratio_set;
        let cycle_len = self.cfg.ratio_set + self.cfg.ratio_get;
        let single = self.topo.nodes.len() == 1 && !self.cfg.cluster;
        loop {
            let c = &mut self.clients[cid];
            if c.done {
                break;
            }
            if let Some(dl) = self.deadline {
                if now >= dl {
                    c.done = true;
                    c.stash = None;
                    self.active -= 1;
                    break;
                }
            }
            let t = match rate {
                Some(_) if c.due > now => break,
                Some(_) => c.due,
                None => now,
            };
            let (op, key) = match c.stash.take() {
                Some(x) => x,
                None => {
                    if c.budget == 0 {
                        c.done = true;
                        self.active -= 1;
                        break;
                    }
                    if c.budget != u64::MAX {
                        c.budget -= 1;
                    }
                    let op = if c.cycle < ratio_set { SET } else { GET };
                    c.cycle += 1;
                    if c.cycle == cycle_len {
                        c.cycle = 0;
                    }
                    let key = c.gens[op].next(&mut c.rng);
                    (op as u8, key)
                }
            };
            let ci = if single {
                c.conns[0] as usize
            } else {
                let node = self.topo.slots[self.sh.slot_of.slot(key) as usize] as usize;
                self.conn_for(cid, node)?
            };
            let conn = &mut self.conns[ci];
            if conn.inflight >= pipeline {
                self.clients[cid].stash = Some((op, key));
                break;
            }
            let n = self.sh.templates.encode(&mut conn.wbuf, op as usize, key);
            conn.pending.push_back(Pending {
                t,
                key,
                op,
                hops: 0,
            });
            conn.inflight += 1;
            if self.outstanding == 0 {
                // The stall clock starts with the first outstanding request.
                self.last_progress_ns = now;
            }
            self.outstanding += 1;
            self.stats[op as usize].bytes_out += n as u64;
            if !conn.dirty {
                conn.dirty = true;
                self.dirty.push(ci as u32);
            }
            if let Some(r) = rate {
                // How late the tool itself sent this request (0 when on time).
                self.lag.saturating_record(now.saturating_sub(t));
                let c = &mut self.clients[cid];
                c.sent += 1;
                c.due = c.sched_base + (c.sent as u128 * 1_000_000_000u128 / r as u128) as u64;
            }
        }
        self.flush_dirty()
    }

    fn flush_dirty(&mut self) -> Result<(), String> {
        while let Some(ci) = self.dirty.pop() {
            let ci = ci as usize;
            self.conns[ci].dirty = false;
            self.flush(ci)?;
        }
        Ok(())
    }

    /// Write as much of the connection's buffer as the socket takes; the rest goes when
    /// epoll reports it writable.
    fn flush(&mut self, ci: usize) -> Result<(), String> {
        let c = &mut self.conns[ci];
        while c.wpos < c.wbuf.len() {
            match c.sock.write(&c.wbuf[c.wpos..]) {
                Ok(0) => return Err(format!("write to {}: wrote nothing", c.addr)),
                Ok(n) => c.wpos += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_err("write to", c.addr, e)),
            }
        }
        c.wbuf.clear();
        c.wpos = 0;
        Ok(())
    }

    /// Read and process everything available. Returns whether any reply completed.
    fn read(&mut self, ci: usize) -> Result<bool, String> {
        let mut any = false;
        loop {
            let c = &mut self.conns[ci];
            if c.rend == c.rbuf.len() {
                if c.rstart > 0 {
                    c.rbuf.copy_within(c.rstart..c.rend, 0);
                    c.rend -= c.rstart;
                    c.rstart = 0;
                } else {
                    let n = c.rbuf.len() * 2;
                    c.rbuf.resize(n, 0);
                }
            }
            let space = c.rbuf.len() - c.rend;
            match c.sock.read(&mut c.rbuf[c.rend..]) {
                Ok(0) => {
                    if c.pending.is_empty() {
                        return Ok(any);
                    }
                    return Err(format!(
                        "{} closed the connection with {} replies outstanding",
                        c.addr,
                        c.pending.len()
                    ));
                }
                Ok(n) => {
                    c.rend += n;
                    let now = mono_ns();
                    any |= self.process(ci, now)?;
                    // A short read drained the socket: with edge-triggered epoll the
                    // next arrival raises a new event, so skip the EAGAIN read.
                    if n < space {
                        return Ok(any);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(any),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_err("read from", c.addr, e)),
            }
        }
    }

    /// Frame and account every complete reply in the connection's read buffer.
    fn process(&mut self, ci: usize, now: u64) -> Result<bool, String> {
        let mut any = false;
        loop {
            let c = &mut self.conns[ci];
            let buf = &c.rbuf[c.rstart..c.rend];
            let (len, kind) = match resp::frame(buf) {
                Ok(Some(x)) => x,
                Ok(None) => break,
                Err(e) => return Err(format!("protocol error from {}: {}", c.addr, e.0)),
            };
            let Some(p) = c.pending.pop_front() else {
                return Err(format!("unexpected reply from {}", c.addr));
            };
            self.outstanding -= 1;
            any = true;
            if p.op <= GET as u8 {
                c.inflight -= 1;
                if kind == Kind::Error {
                    if let Some(r) = resp::redirect(&buf[..len]) {
                        if p.hops < MAX_HOPS {
                            let (ask, slot, addr) = (r.ask, r.slot, r.addr.to_string());
                            c.rstart += len;
                            self.redirect(ci, p, ask, slot, &addr)?;
                            continue;
                        }
                    }
                }
                let s = &mut self.stats[p.op as usize];
                s.record(now.saturating_sub(p.t));
                s.ops += 1;
                s.bytes_in += len as u64;
                match kind {
                    Kind::Bulk => s.hits += 1,
                    Kind::Null => s.misses += 1,
                    Kind::Error => s.errors += 1,
                    Kind::Other => {}
                }
                self.done_ops += 1;
            } else if p.op == OP_SLOTS {
                self.refreshing = false;
                if kind != Kind::Error {
                    let v = resp::parse_value(&buf[..len])
                        .map_err(|e| format!("CLUSTER SLOTS from {}: {}", c.addr, e.0))?
                        .0;
                    let origin = c.addr;
                    self.topo.apply_cluster_slots(&v, origin)?;
                    self.refreshes += 1;
                }
            }
            // (ASKING's +OK needs nothing.)
            let c = &mut self.conns[ci];
            c.rstart += len;
        }
        let c = &mut self.conns[ci];
        if c.rstart == c.rend {
            c.rstart = 0;
            c.rend = 0;
        }
        if any {
            self.last_progress_ns = now;
        }
        Ok(any)
    }

    /// Follow a -MOVED / -ASK for request `p` that came back on connection `from`.
    fn redirect(
        &mut self,
        from: usize,
        p: Pending,
        ask: bool,
        slot: u16,
        addr: &str,
    ) -> Result<(), String> {
        let op = p.op as usize;
        if ask {
            self.stats[op].ask += 1;
        } else {
            self.stats[op].moved += 1;
        }
        let target = resolve_hostport(addr)?;
        let node = self.topo.node_index(target);
        if !ask {
            self.topo.slots[slot as usize] = node as u16;
            if !self.refreshing {
                // Refresh the whole map, asking the node that redirected us.
                self.refreshing = true;
                let c = &mut self.conns[from];
                c.wbuf.extend_from_slice(CLUSTER_SLOTS);
                c.pending.push_back(Pending {
                    t: 0,
                    key: 0,
                    op: OP_SLOTS,
                    hops: 0,
                });
                self.outstanding += 1;
                if !c.dirty {
                    c.dirty = true;
                    self.dirty.push(from as u32);
                }
            }
        }
        let cid = self.conns[from].client as usize;
        let ci = self.conn_for(cid, node)?;
        let c = &mut self.conns[ci];
        if ask {
            c.wbuf.extend_from_slice(ASKING);
            c.pending.push_back(Pending {
                t: 0,
                key: 0,
                op: OP_ASKING,
                hops: 0,
            });
            self.outstanding += 1;
        }
        let n = self.sh.templates.encode(&mut c.wbuf, op, p.key);
        c.pending.push_back(Pending {
            hops: p.hops + 1,
            ..p
        });
        c.inflight += 1;
        self.outstanding += 1;
        self.stats[op].bytes_out += n as u64;
        if !c.dirty {
            c.dirty = true;
            self.dirty.push(ci as u32);
        }
        Ok(())
    }
}
