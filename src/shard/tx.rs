//! Transactions on the shard loop: MULTI queueing, WATCH registrations on the shards
//! that own the keys, EXEC.
//!
//! A transaction whose keys and watched keys all belong to one shard is shipped to that
//! shard as one message and runs there without interruption: Redis's atomicity and
//! WATCH semantics exactly. One that spans shards (standalone mode) first asks every
//! shard holding a watch whether a watched key changed, then runs its commands in
//! order through the normal routing: each command is atomic, the whole is not (README).

use super::Shard;
use crate::command::route::{route, Route};
use crate::command::spec::CommandSpec;
use crate::command::{ClientState, CmdError, Combine, Exec};
use crate::conn::{Gather, GatherKind, MultiState, Pending};
use crate::mesh::{Msg, OwnedArgs, Req, Token};
use crate::resp::{Proto, Reply};
use crate::shared::Shared;
use std::collections::HashMap;

/// A client's watches on this shard.
#[derive(Default)]
pub struct WatchRec {
    /// Watched keys and the deadline each had when watched (an expiry since then counts
    /// as a change, as in Redis 7).
    keys: Vec<(Vec<u8>, Option<u64>)>,
    dirty: bool,
}

/// Watches held by one shard for keys it owns.
#[derive(Default)]
pub struct Watches {
    by_client: HashMap<u64, WatchRec>,
    by_key: HashMap<Vec<u8>, Vec<u64>>,
}

impl Watches {
    pub fn is_empty(&self) -> bool {
        self.by_client.is_empty()
    }

    fn add(&mut self, client: u64, key: Vec<u8>, deadline: Option<u64>) {
        let rec = self.by_client.entry(client).or_default();
        if rec.keys.iter().any(|(k, _)| *k == key) {
            return;
        }
        self.by_key.entry(key.clone()).or_default().push(client);
        rec.keys.push((key, deadline));
    }

    fn remove_client(&mut self, client: u64) -> Option<WatchRec> {
        let rec = self.by_client.remove(&client)?;
        for (k, _) in &rec.keys {
            if let Some(v) = self.by_key.get_mut(k) {
                v.retain(|&c| c != client);
                if v.is_empty() {
                    self.by_key.remove(k);
                }
            }
        }
        Some(rec)
    }

    /// A key was written: its watchers' transactions will fail.
    pub fn touch(&mut self, key: &[u8]) {
        if let Some(ids) = self.by_key.get(key) {
            for id in ids {
                if let Some(r) = self.by_client.get_mut(id) {
                    r.dirty = true;
                }
            }
        }
    }

    /// Every key changed (FLUSHALL / FLUSHDB).
    pub fn touch_all(&mut self) {
        for r in self.by_client.values_mut() {
            r.dirty = true;
        }
    }

    /// Whether the client's watched keys changed; forgets its watches here.
    fn check_and_clear(&mut self, client: u64, now: u64) -> bool {
        match self.remove_client(client) {
            None => false,
            Some(rec) => rec.dirty || rec.keys.iter().any(|(_, d)| d.is_some_and(|t| t <= now)),
        }
    }
}

/// A multi-shard EXEC waiting for its watch checks.
pub struct TxOp {
    token: Token,
    cmds: Vec<(&'static CommandSpec, OwnedArgs)>,
    remaining: usize,
    dirty: bool,
}

fn slot_of(spec: &CommandSpec, args: &[&[u8]]) -> u16 {
    spec.key_positions(args)
        .first()
        .map_or(0, |&p| crate::slot::key_hash_slot(args[p]))
}

impl Shard {
    /// Handle MULTI/EXEC/DISCARD/WATCH/UNWATCH, queue commands inside MULTI, and clear
    /// transaction state on RESET. True if the command was taken care of here.
    pub(super) fn tx_intercept(
        &mut self,
        idx: usize,
        spec: &'static CommandSpec,
        args: &[&[u8]],
    ) -> bool {
        let in_multi = self.conns[idx].multi.is_some();
        match spec.name {
            "multi" => {
                if in_multi {
                    self.reply_error(idx, "ERR MULTI calls can not be nested");
                } else {
                    self.conns[idx].multi = Some(Box::default());
                    self.reply_raw(idx, b"+OK\r\n");
                }
            }
            "exec" => self.exec(idx),
            "discard" => {
                if self.conns[idx].multi.take().is_none() {
                    self.reply_error(idx, "ERR DISCARD without MULTI");
                } else {
                    self.unwatch_all(idx);
                    self.reply_raw(idx, b"+OK\r\n");
                }
            }
            "watch" => {
                if in_multi {
                    self.reply_error(idx, "ERR WATCH inside MULTI is not allowed");
                } else {
                    self.watch(idx, spec, args);
                    self.reply_raw(idx, b"+OK\r\n");
                }
            }
            "unwatch" if !in_multi => {
                self.unwatch_all(idx);
                self.reply_raw(idx, b"+OK\r\n");
            }
            "reset" => {
                self.conns[idx].multi = None;
                self.unwatch_all(idx);
                return false;
            }
            "quit" => return false,
            _ if in_multi => {
                let m = self.conns[idx].multi.as_mut().expect("in multi");
                m.cmds.push((spec, OwnedArgs::new(args)));
                self.reply_raw(idx, b"+QUEUED\r\n");
            }
            _ => return false,
        }
        true
    }

    /// A command refused while queueing makes EXEC fail.
    pub(super) fn tx_flag_error(&mut self, idx: usize) {
        if let Some(m) = self.conns[idx].multi.as_mut() {
            m.dirty = true;
        }
    }

    fn reply_raw(&mut self, idx: usize, bytes: &[u8]) {
        let mut t = self.conns[idx].reply_buf();
        t.buf().extend_from_slice(bytes);
    }

    fn reply_error(&mut self, idx: usize, text: &str) {
        let c = &mut self.conns[idx];
        let proto = c.proto();
        let mut t = c.reply_buf();
        Reply::new(t.buf(), proto).error(text);
    }

    fn watch(&mut self, idx: usize, spec: &CommandSpec, args: &[&[u8]]) {
        let client = self.conns[idx].client.id;
        let mut groups: Vec<(usize, Vec<Vec<u8>>)> = Vec::new();
        for p in spec.key_positions(args) {
            let key = args[p];
            let shard = self
                .shared
                .table(self.id)
                .get(crate::slot::key_hash_slot(key))
                .shard()
                .unwrap_or(self.id);
            match groups.iter_mut().find(|(s, _)| *s == shard) {
                Some(g) => g.1.push(key.to_vec()),
                None => groups.push((shard, vec![key.to_vec()])),
            }
        }
        for (shard, keys) in groups {
            let ws = &mut self.conns[idx].watch_shards;
            if !ws.contains(&(shard as u16)) {
                ws.push(shard as u16);
            }
            if shard == self.id {
                self.register_watch(client, keys);
            } else {
                self.post(shard, Msg::Watch { client, keys });
            }
        }
    }

    pub(super) fn register_watch(&mut self, client: u64, keys: Vec<Vec<u8>>) {
        let now = self.now;
        for k in keys {
            let slot = crate::slot::key_hash_slot(&k);
            let deadline = if self.db.contains(slot, &k, now) {
                self.db.expire_of(slot, &k)
            } else {
                None
            };
            self.watches.add(client, k, deadline);
        }
    }

    pub(super) fn unwatch_local(&mut self, client: u64) {
        self.watches.remove_client(client);
    }

    /// Drop every watch of the connection (UNWATCH, DISCARD, EXEC, RESET, close).
    pub(super) fn unwatch_all(&mut self, idx: usize) {
        let Some(c) = self.conns.get_mut(idx) else {
            return;
        };
        let client = c.client.id;
        for shard in std::mem::take(&mut c.watch_shards) {
            if shard as usize == self.id {
                self.unwatch_local(client);
            } else {
                self.post(shard as usize, Msg::Unwatch { client });
            }
        }
    }

    /// After a write ran here, mark the watchers of the keys it touched.
    #[inline]
    pub(super) fn touch_written(&mut self, spec: &CommandSpec, args: &[&[u8]]) {
        if !spec.write || (self.watches.is_empty() && self.blocking.is_empty()) {
            return;
        }
        self.touch_written_keys(spec, args);
    }

    #[cold]
    fn touch_written_keys(&mut self, spec: &CommandSpec, args: &[&[u8]]) {
        let keys = spec.key_positions(args);
        if keys.is_empty() {
            if spec.name == "flushall" || spec.name == "flushdb" {
                self.watches.touch_all();
            }
            return;
        }
        for p in keys {
            self.watches.touch(args[p]);
            self.blocking.touch(args[p]);
        }
    }

    /// Cluster mode, before EXEC runs: every queued key in one slot that this node
    /// serves (else CROSSSLOT/MOVED/…, and the transaction is discarded), and a queue of
    /// CLUSTER state commands (redis-cli's fix transactions) goes to the bus core whole.
    /// False when EXEC was answered here.
    fn cluster_exec_checks(
        &mut self,
        idx: usize,
        cmds: &[(&'static CommandSpec, OwnedArgs)],
    ) -> bool {
        use crate::command::cluster::{bus_can_run, runs_on_bus};
        use crate::shard::cluster_route::{command_slot, slot_verdict};
        let mut slot = None;
        let mut write = false;
        let mut on_bus = 0;
        let mut bus_able = 0;
        for (spec, args) in cmds {
            let a = args.slices();
            if runs_on_bus(spec) {
                on_bus += 1;
            }
            if bus_can_run(spec) {
                bus_able += 1;
            }
            write |= spec.write;
            match command_slot(&self.shared, self.id, spec, &a) {
                Ok(None) => {}
                Ok(Some(s)) if slot.is_none_or(|x| x == s) => slot = Some(s),
                Ok(Some(_)) => return self.exec_refused(idx, &CmdError::CrossSlot.text()),
                Err(e) => return self.exec_refused(idx, &e.text()),
            }
        }
        if let Some(s) = slot {
            let c = &self.conns[idx].client;
            let (asking, readonly) = (c.asking, c.readonly);
            let exec_spec = crate::command::spec::lookup(b"exec").expect("exec spec");
            if let Err(e) =
                slot_verdict(&self.shared, self.id, s, asking, readonly, write, exec_spec)
            {
                return self.exec_refused(idx, &e.text());
            }
        }
        if on_bus == 0 {
            return true;
        }
        if bus_able != cmds.len() {
            return self.exec_refused(
                idx,
                "ERR slotcore runs CLUSTER state subcommands in MULTI only in a transaction of CLUSTER subcommands",
            );
        }
        self.unwatch_all(idx);
        self.send_to_bus(idx, cmds.iter().map(|(_, a)| a.clone()).collect(), true);
        false
    }

    fn exec_refused(&mut self, idx: usize, err: &str) -> bool {
        self.unwatch_all(idx);
        self.reply_error(idx, err);
        false
    }

    fn exec(&mut self, idx: usize) {
        let Some(m) = self.conns[idx].multi.take() else {
            self.reply_error(idx, "ERR EXEC without MULTI");
            return;
        };
        let MultiState { cmds, dirty } = *m;
        if dirty {
            self.unwatch_all(idx);
            self.reply_error(
                idx,
                "EXECABORT Transaction discarded because of previous errors.",
            );
            return;
        }
        if self.shared.cluster.is_some() && !self.cluster_exec_checks(idx, &cmds) {
            return;
        }
        let mut shards: Vec<usize> = self.conns[idx]
            .watch_shards
            .iter()
            .map(|&s| s as usize)
            .collect();
        let mut spread = false;
        for (spec, args) in &cmds {
            let a = args.slices();
            match route(spec, &a, self.shared.table(self.id), None) {
                Ok(Route::Shard { shard, .. }) if !shards.contains(&shard) => shards.push(shard),
                Ok(Route::All) if self.shared.fanout(self.id).len() > 1 => spread = true,
                Ok(Route::Split(_)) | Ok(Route::Cross) => spread = true,
                _ => {}
            }
        }
        let c = &mut self.conns[idx];
        let client_id = c.client.id;
        if !spread && shards.len() <= 1 {
            c.watch_shards.clear();
            let target = shards.first().copied().unwrap_or(self.id);
            if target == self.id {
                let mut client = c.client.clone();
                let proto = client.proto;
                let bytes = self.run_tx(client_id, &mut client, &cmds, proto);
                let c = &mut self.conns[idx];
                c.client = client;
                let mut t = c.reply_buf();
                t.buf().extend_from_slice(&bytes);
            } else {
                let seq = c.reserve(Pending::Wait);
                let req = Req {
                    token: c.token(idx),
                    seq,
                    part: 0,
                    proto: c.proto(),
                    slot: 0,
                    caller: client_id,
                    asking: false,
                };
                let client = Box::new(c.client.clone());
                self.post(
                    target,
                    Msg::Tx {
                        from: self.id as u16,
                        req,
                        client,
                        cmds,
                    },
                );
            }
            return;
        }
        // Spread over shards: check the watches, then run command by command.
        let watch_shards = std::mem::take(&mut c.watch_shards);
        if watch_shards.is_empty() {
            self.run_sequential(idx, cmds);
            return;
        }
        c.stalled = true;
        let token = c.token(idx);
        let op = self.tx_ops.insert(TxOp {
            token,
            cmds,
            remaining: watch_shards.len(),
            dirty: false,
        }) as u32;
        for shard in watch_shards {
            if shard as usize == self.id {
                let dirty = self.watches.check_and_clear(client_id, self.now);
                self.on_watch_status(op, dirty);
            } else {
                self.post(
                    shard as usize,
                    Msg::WatchCheck {
                        from: self.id as u16,
                        op,
                        client: client_id,
                    },
                );
            }
        }
    }

    pub(super) fn watch_check(&mut self, client: u64) -> bool {
        self.watches.check_and_clear(client, self.now)
    }

    pub(super) fn on_watch_status(&mut self, op: u32, dirty: bool) {
        let Some(t) = self.tx_ops.get_mut(op as usize) else {
            return;
        };
        t.dirty |= dirty;
        t.remaining -= 1;
        if t.remaining > 0 {
            return;
        }
        let t = self.tx_ops.remove(op as usize);
        let idx = t.token.idx as usize;
        let Some(c) = self.conns.get_mut(idx) else {
            return;
        };
        if c.gen != t.token.gen {
            return;
        }
        c.stalled = false;
        self.resume.push(idx);
        self.mark_dirty(idx);
        if t.dirty {
            let c = &mut self.conns[idx];
            let proto = c.proto();
            let mut b = c.reply_buf();
            Reply::new(b.buf(), proto).null_array();
        } else {
            self.run_sequential(idx, t.cmds);
        }
    }

    /// EXEC of a transaction spread over shards: the array header, then every command
    /// through the normal routing (replies arrive in order).
    fn run_sequential(&mut self, idx: usize, cmds: Vec<(&'static CommandSpec, OwnedArgs)>) {
        let header = format!("*{}\r\n", cmds.len());
        self.reply_raw(idx, header.as_bytes());
        for (spec, args) in cmds {
            let a = args.slices();
            self.dispatch_spec(idx, spec, &a, false, None, None);
        }
    }

    /// Run a whole transaction on this shard (all its keys are here). Returns the EXEC
    /// reply: the array of replies, or a null array if a watched key changed.
    pub(super) fn run_tx(
        &mut self,
        client_id: u64,
        client: &mut ClientState,
        cmds: &[(&'static CommandSpec, OwnedArgs)],
        proto: Proto,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        if self.watch_check(client_id) {
            Reply::new(&mut out, proto).null_array();
            return out;
        }
        Reply::new(&mut out, proto).array(cmds.len());
        for (spec, args) in cmds {
            let a = args.slices();
            let req = Req {
                token: Token { idx: 0, gen: 0 },
                seq: 0,
                part: 0,
                proto,
                slot: slot_of(spec, &a),
                caller: client_id,
                asking: false,
            };
            let bytes = match spec.exec {
                Exec::Key(_) | Exec::Multi(..) => self.exec_owned(spec, args, &req),
                Exec::All(_, comb) => {
                    let part = self.exec_owned(spec, args, &req);
                    single_part(&self.shared, comb, part, args, proto, client)
                }
                Exec::Conn(f) => self.run_conn_with(f, client, &a, spec, proto),
                Exec::Container => Vec::new(),
            };
            self.touch_written(spec, &a);
            out.extend_from_slice(&bytes);
        }
        out
    }
}

/// The reply of an all-shards command that ran on the only shard.
fn single_part(
    shared: &Shared,
    comb: Combine,
    part: Vec<u8>,
    args: &OwnedArgs,
    proto: Proto,
    client: &ClientState,
) -> Vec<u8> {
    let mut g = Gather {
        kind: GatherKind::Combine(comb),
        remaining: 0,
        parts: vec![part],
        positions: Vec::new(),
        nkeys: 0,
        args: Some(args.clone()),
        proto,
    };
    crate::conn::combine(shared, &mut g, client)
}
