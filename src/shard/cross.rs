//! Cross-shard work (standalone mode): requests and replies exchanged with other
//! shards through the mesh, commands run over keys fetched from several shards and
//! written back, and delivery of replies into a connection's ordered reply queue.

use super::execute::{invoke, Handler, Outcome};
use super::*;

impl Shard {
    /// Give a connection of this shard (part of) the reply in place `seq`; ends a
    /// blocked wait when it is the blocked command's reply.
    pub(super) fn deliver_local(&mut self, token: Token, seq: u64, part: u32, data: Vec<u8>) {
        let idx = token.idx as usize;
        let Some(c) = live_conn(&mut self.conns, token) else {
            return;
        };
        c.deliver(&self.shared, seq, part, data);
        if c.blocked_seq == Some(seq) {
            c.blocked_seq = None;
            c.stalled = false;
            self.resume.push(idx);
        }
        self.mark_dirty(idx);
    }

    /// Queue a message for `dst`, after the requests and replies batched for it so far.
    pub(super) fn post(&mut self, dst: usize, msg: Msg) {
        self.seal(dst);
        self.outbox[dst].push(msg);
    }

    /// Close the batches open for `dst` into its outbox.
    fn seal(&mut self, dst: usize) {
        if let Some(b) = self.exec_open[dst].take() {
            self.outbox[dst].push(Msg::ExecBatch(b));
        }
        if let Some(b) = self.reply_open[dst].take() {
            self.outbox[dst].push(Msg::ReplyBatch(b));
        }
    }

    /// Hand a request to shard `dst`: appended to this turn's batch for it.
    pub(super) fn forward(
        &mut self,
        dst: usize,
        req: Req,
        spec: &'static CommandSpec,
        args: &[&[u8]],
    ) {
        let from = self.id as u16;
        self.exec_open[dst]
            .get_or_insert_with(|| {
                Box::new(ExecBatch {
                    from,
                    ..Default::default()
                })
            })
            .push(req, spec, args);
    }

    /// Run (part of) a command on `shard`: here at once, or forwarded.
    pub(super) fn send_exec(
        &mut self,
        shard: usize,
        req: Req,
        spec: &'static CommandSpec,
        args: &[&[u8]],
    ) {
        if shard == self.id {
            let mut data = Vec::new();
            if self
                .try_exec_into(spec, args, &req, false, &mut data)
                .is_ok()
            {
                self.deliver_local(req.token, req.seq, req.part, data);
            }
        } else {
            self.forward(shard, req, spec, args);
        }
    }

    /// Run the requests of a batch from another shard; their replies join this turn's
    /// reply batch for it.
    fn run_batch(&mut self, batch: &ExecBatch) {
        let from = batch.from as usize;
        let mut replies = self.reply_open[from].take().unwrap_or_default();
        for r in &batch.reqs {
            let mut args = smallvec::SmallVec::<[&[u8]; 8]>::new();
            batch.args(r, &mut args);
            if r.spec.blocking {
                // Rare: a blocking command forwarded alone keeps its own message path.
                self.block_exec(from, r.req, r.spec, OwnedArgs::new(&args));
                continue;
            }
            if self
                .try_exec_into(r.spec, &args, &r.req, false, &mut replies.data)
                .is_ok()
            {
                let end = replies.data.len() as u32;
                replies
                    .items
                    .push((r.req.token, r.req.seq, r.req.part, end));
            }
        }
        // Replies posted meanwhile (a blocked command's) went before this batch's.
        match &mut self.reply_open[from] {
            Some(_) => self.post(from, Msg::ReplyBatch(replies)),
            slot => *slot = Some(replies),
        }
    }

    /// Deliver the replies of a batch to this shard's connections.
    fn take_replies(&mut self, batch: &ReplyBatch) {
        let mut start = 0usize;
        for &(token, seq, part, end) in &batch.items {
            let data = &batch.data[start..end as usize];
            start = end as usize;
            let idx = token.idx as usize;
            let Some(c) = live_conn(&mut self.conns, token) else {
                continue;
            };
            c.deliver_slice(&self.shared, seq, part, data);
            self.mark_dirty(idx);
        }
    }

    /// Start a command that must see keys living on several shards (standalone mode):
    /// fetch copies of its keys, run it over them here, write the changes back. The
    /// connection runs nothing else meanwhile, so its next commands see the result.
    pub(super) fn start_cross(&mut self, idx: usize, spec: &'static CommandSpec, args: &[&[u8]]) {
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
        let token = c.token(idx);
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
                self.post(
                    shard,
                    Msg::Fetch {
                        from: self.id as u16,
                        op,
                        keys,
                    },
                );
            }
        }
    }

    pub(super) fn fetch_local(&mut self, keys: Vec<Vec<u8>>) -> KeyEntries {
        let now = self.now;
        keys.into_iter()
            .map(|k| {
                let e = self.db.snapshot(crate::slot::key_hash_slot(&k), &k, now);
                (k, e)
            })
            .collect()
    }

    pub(super) fn on_fetched(&mut self, op: u32, entries: KeyEntries) {
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
        let (env, _, _) = self.parts();
        let mut none = slab::Slab::new();
        let handler = Handler::Key(f, &slices);
        let (outcome, _) = invoke(
            env,
            &mut none,
            &mut scratch,
            slot,
            0,
            x.spec,
            x.proto,
            &mut out,
            handler,
        );
        let mut changes: Vec<(usize, KeyEntries)> = Vec::new();
        if outcome != Outcome::Panicked {
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
                self.post(shard, Msg::Apply { entries });
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

    pub(super) fn apply_local(&mut self, entries: KeyEntries) {
        let now = self.now;
        for (k, e) in entries {
            self.watches.touch(&k);
            self.blocking.touch(&k);
            self.db.restore(crate::slot::key_hash_slot(&k), &k, e, now);
        }
    }

    pub(super) fn handle_msgs(&mut self) {
        let mesh = self.mesh.clone();
        mesh.drain(self.id, |batch| {
            for m in batch {
                match m {
                    Msg::ExecBatch(b) => self.run_batch(&b),
                    Msg::ReplyBatch(b) => self.take_replies(&b),
                    Msg::Exec {
                        from,
                        req,
                        spec,
                        args,
                    } => self.block_exec(from as usize, req, spec, args),
                    Msg::Unblock { client } => {
                        self.unblock_client(client, false, false);
                    }
                    Msg::Fetch { from, op, keys } => {
                        let entries = self.fetch_local(keys);
                        self.post(from as usize, Msg::Fetched { op, entries });
                    }
                    Msg::Fetched { op, entries } => self.on_fetched(op, entries),
                    Msg::Apply { entries } => self.apply_local(entries),
                    Msg::Watch { client, keys } => self.register_watch(client, keys),
                    Msg::Unwatch { client } => self.unwatch_local(client),
                    Msg::WatchCheck { from, op, client } => {
                        let dirty = self.watch_check(client);
                        self.post(from as usize, Msg::WatchStatus { op, dirty });
                    }
                    Msg::WatchStatus { op, dirty } => self.on_watch_status(op, dirty),
                    Msg::Tx {
                        from,
                        req,
                        mut client,
                        cmds,
                    } => {
                        let data = self.run_tx(req.caller, &mut client, &cmds, req.proto);
                        self.post(
                            from as usize,
                            Msg::Reply {
                                token: req.token,
                                seq: req.seq,
                                part: req.part,
                                data,
                            },
                        );
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

    pub(super) fn flush_outbox(&mut self) {
        for dst in 0..self.outbox.len() {
            self.seal(dst);
            if self.outbox[dst].is_empty() {
                continue;
            }
            let batch = std::mem::take(&mut self.outbox[dst]);
            let forwarded: usize = batch.iter().map(Msg::requests).sum();
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

    /// Deliver a message published on another node to this shard's subscribers.
    pub(super) fn deliver_remote_publish(&mut self, shard: bool, channel: &[u8], message: &[u8]) {
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
}

/// The connection a token names, if it is still the same connection.
fn live_conn(conns: &mut slab::Slab<Conn>, token: Token) -> Option<&mut Conn> {
    conns
        .get_mut(token.idx as usize)
        .filter(|c| c.gen == token.gen)
}
