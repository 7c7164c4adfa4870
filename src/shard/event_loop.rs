//! The shard's io_uring event loop: one `io_uring_enter` per turn (submit the turn's
//! RECVs and SENDs, wait for a completion), accepts, receives, sends, connection
//! teardown, the cron, and the hand-off of received bytes to the parser and dispatcher.
//! It owns no command logic: parsed commands go to `dispatch`.

use super::*;

/// Argument spans of a parsed command, relative to its start.
type Spans = smallvec::SmallVec<[std::ops::Range<u32>; 8]>;

impl Shard {
    pub(super) fn push_sqe(&mut self, e: squeue::Entry) {
        // SAFETY: every buffer an entry points to lives in a Conn (or self) that is kept
        // until the entry's completion arrives.
        unsafe {
            while self.ring.submission().push(&e).is_err() {
                let _ = self.ring.submit();
            }
        }
    }

    pub(super) fn arm_accept(&mut self) {
        let e = opcode::AcceptMulti::new(types::Fd(self.listener))
            .build()
            .user_data(ud(OP_ACCEPT, 0, 0));
        self.push_sqe(e);
        self.accepting = true;
    }

    pub(super) fn arm_timer(&mut self) {
        let hz = self.shared.cfg().hz.max(1) as u64;
        let ms = (1000 / hz).max(1);
        *self.timer = types::Timespec::new().nsec((ms * 1_000_000) as u32);
        let e = opcode::Timeout::new(&*self.timer as *const _)
            .build()
            .user_data(ud(OP_TIMER, 0, 0));
        self.push_sqe(e);
    }

    pub(super) fn arm_recv(&mut self, idx: usize) {
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

    pub(super) fn mark_dirty(&mut self, idx: usize) {
        let c = &mut self.conns[idx];
        if !c.dirty {
            c.dirty = true;
            self.dirty.push(idx);
        }
    }

    /// Start a SEND for every connection with output and none in flight.
    pub(super) fn flush_sends(&mut self) {
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

    pub(super) fn submit_send(&mut self, idx: usize) {
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
    pub(super) fn maybe_finish(&mut self, idx: usize) {
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
                    self.post(shard, Msg::Unblock { client });
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

    pub(super) fn begin_close(&mut self, idx: usize) {
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

    pub(super) fn on_accept(&mut self, res: i32, flags: u32) {
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

    pub(super) fn on_recv(&mut self, idx: usize, gen: u32, res: i32) {
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

    pub(super) fn on_send(&mut self, idx: usize, gen: u32, res: i32) {
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
    pub(super) fn process_input(&mut self, idx: usize) {
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
        // Pipelines are run two commands behind the parser: when command k+2 is parsed,
        // the slot table header of its (presumed) key is prefetched, k+1's key table
        // (whose header was prefetched a command ago) is prefetched, and k runs; so the
        // cache misses of the next commands overlap the current one's work. `pending`
        // holds parsed commands not yet run, oldest first (it starts at `pos`): their
        // lengths, argument spans (relative to their own start) and key slots.
        // Parsed commands' argument spans live in three reused places (at most two wait
        // and one is being parsed), so nothing but small indexes moves around.
        let mut spans: [Spans; 3] = Default::default();
        let mut next_place = 0usize;
        let mut pending: smallvec::SmallVec<[(usize, usize, Option<u16>); 2]> =
            smallvec::SmallVec::new();
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
            let ahead = pos + pending.iter().map(|p| p.0).sum::<usize>();
            let input = &rbuf[ahead..];
            let parsed = parser.parse(input, &limits);
            if let Ok(Parsed::Multibulk { consumed }) = parsed {
                // Spans are relative to the command's own start.
                let place = next_place;
                next_place = (next_place + 1) % 3;
                let sp = &mut spans[place];
                sp.clear();
                sp.extend(parser.args.iter().map(|s| s.start as u32..s.end as u32));
                let slot = sp.get(1).map(|key| {
                    crate::slot::key_hash_slot(&input[key.start as usize..key.end as usize])
                });
                if let Some(slot) = slot {
                    self.db.prefetch(slot);
                }
                if pending.len() == 2 {
                    if let Some(slot) = pending[1].2 {
                        self.db.prefetch_keys(slot);
                    }
                    let (len, at, hint) = pending.remove(0);
                    self.run_parsed(idx, &rbuf[pos..pos + len], &spans[at], hint);
                    pos += len;
                }
                pending.push((consumed, place, slot));
                continue;
            }
            // Anything else: first run what was parsed before it, oldest first, checking
            // the connection between them; the parser starts this item afresh after.
            if !pending.is_empty() {
                parser.reset();
                let (len, at, hint) = pending.remove(0);
                self.run_parsed(idx, &rbuf[pos..pos + len], &spans[at], hint);
                pos += len;
                continue;
            }
            let input = &rbuf[pos..];
            match parsed {
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
                    self.dispatch_guarded(idx, &slices, None);
                }
                Ok(Parsed::Multibulk { .. }) => unreachable!("handled above"),
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

    /// Dispatch a parsed command: `cmd` is its bytes, `spans` its arguments in them,
    /// `hint` the slot of its second argument (hashed by the lookahead).
    fn run_parsed(&mut self, idx: usize, cmd: &[u8], spans: &Spans, hint: Option<u16>) {
        let slices: smallvec::SmallVec<[&[u8]; 8]> = spans
            .iter()
            .map(|r| &cmd[r.start as usize..r.end as usize])
            .collect();
        self.dispatch_guarded(idx, &slices, hint);
    }

    pub(super) fn cron(&mut self) {
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
                    // Subscribers only listen, and blocked clients wait on their own
                    // timeout: Redis spares both (its queue is non-empty when blocked).
                    !c.closing
                        && self.now.saturating_sub(c.client.last_ms) > limit
                        && c.queue.is_empty()
                        && c.client.subs.is_none()
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
        // Give this thread's free pages back once a second: mimalloc purges them only
        // on its own later calls, which an idle shard never makes.
        if self.now / 1000 != self.collected_at / 1000 {
            self.collected_at = self.now;
            crate::alloc::collect();
        }
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

pub(super) fn compact(rbuf: &mut Vec<u8>, pos: &mut usize) {
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

pub(super) fn set_nodelay(fd: RawFd) {
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

pub(super) fn sock_addr(fd: RawFd, peer: bool) -> String {
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
