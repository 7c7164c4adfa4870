//! From a parsed command to where it runs: resolve the spec (arity, auth, subscribed
//! context), check the cluster verdict, route by the slot table, and run it here, hand
//! it to another shard, split it, fan it out, block it or send it to the bus core.
//! It runs no handler itself: that is `execute`.

use super::*;
use crate::command::spec::RouteKind;

impl Shard {
    /// [`Self::dispatch`] behind the connection boundary: a bug that panics while
    /// routing one client's command closes that client, never the shard.
    pub(super) fn dispatch_guarded(&mut self, idx: usize, args: &[&[u8]], hint: Option<u16>) {
        let r = std::panic::catch_unwind(AssertUnwindSafe(|| self.dispatch(idx, args, hint)));
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
    /// `hint`: the slot of `args[1]`, when the parser's lookahead computed it.
    pub(super) fn dispatch(&mut self, idx: usize, args: &[&[u8]], hint: Option<u16>) {
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
        // Cluster mode: the verdict computes the command's slot, once; it is carried to
        // the route and the handler.
        let mut slot = None;
        if self.shared.cluster.is_some() {
            let c = &self.conns[idx];
            let queuing = c.multi.is_some() && spec.route != RouteKind::Transaction;
            let c = &c.client;
            let mut verdict = cluster_route::check(
                &self.shared,
                self.id,
                c.asking,
                c.readonly,
                spec,
                args,
                hint,
            );
            // Queued in MULTI: ASK/TRYAGAIN are answered now (Redis routes each command as
            // it is queued).
            if let (Ok(Some(s)), true) = (&verdict, queuing) {
                verdict = cluster_route::migration_verdict(
                    &self.shared,
                    self.id,
                    &self.db,
                    self.now,
                    spec,
                    args,
                    *s,
                    c.asking,
                )
                .map(|()| Some(*s));
            }
            match verdict {
                Ok(s) => slot = s,
                Err(e) => {
                    self.tx_flag_error(idx);
                    let c = &mut self.conns[idx];
                    let proto = c.proto();
                    let mut t = c.reply_buf();
                    Reply::new(t.buf(), proto).error(&e.text());
                    self.clear_asking(idx, spec);
                    return;
                }
            }
        }
        if !self.tx_intercept(idx, spec, args) {
            self.dispatch_spec(idx, spec, args, true, slot, hint);
        }
        self.clear_asking(idx, spec);
    }

    /// ASKING holds for the next command only (for a whole MULTI when sent before it).
    pub(super) fn clear_asking(&mut self, idx: usize, spec: &CommandSpec) {
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
            token: c.token(idx),
            seq,
            proto: c.proto(),
            cmds,
            exec,
        };
        if let Some(h) = &self.shared.cluster {
            h.send(req);
        }
    }

    /// Route and run (or forward) a resolved command. `slot` is the slot the cluster
    /// verdict found for a keyed command this shard-node serves (cluster mode): it runs
    /// here, without hashing its keys again.
    pub(super) fn dispatch_spec(
        &mut self,
        idx: usize,
        spec: &'static CommandSpec,
        args: &[&[u8]],
        may_block: bool,
        slot: Option<u16>,
        hint: Option<u16>,
    ) {
        if self.shared.cluster.is_some() && crate::command::cluster::runs_on_bus(spec) {
            return self.send_to_bus(idx, vec![OwnedArgs::new(args)], false);
        }
        let verdict = match slot {
            Some(slot) if matches!(spec.exec, Exec::Key(_) | Exec::Multi(..)) => {
                debug_assert_eq!(Some(slot), crate::command::route::first_slot(spec, args));
                Route::Shard {
                    shard: self.id,
                    slot,
                }
            }
            _ => match route(spec, args, self.shared.table(self.id), hint) {
                Ok(v) => v,
                Err(e) => {
                    let c = &mut self.conns[idx];
                    let proto = c.proto();
                    let mut t = c.reply_buf();
                    Reply::new(t.buf(), proto).error(&e.text());
                    return;
                }
            },
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
                let req = c.req(idx, seq, slot);
                self.forward(shard, req, spec, args);
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
                let token = c.token(idx);
                let caller = c.client.id;
                for (part, (shard, ps)) in parts.into_iter().enumerate() {
                    let sub: smallvec::SmallVec<[&[u8]; 8]> = std::iter::once(args[0])
                        .chain(ps.iter().map(|&p| args[p]))
                        .collect();
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
                    self.send_exec(shard, req, spec, &sub);
                }
            }
            Route::All => {
                let Exec::All(_, comb) = spec.exec else {
                    unreachable!("only all-shard commands go everywhere")
                };
                // Cluster mode: the other nodes' subscribers get it over the bus (the
                // reply counts this node's receivers, as in Redis).
                if let (Some(h), Some(shard)) = (&self.shared.cluster, spec.publishes()) {
                    h.send(crate::cluster::BusReq::Publish {
                        node: self.id as u16,
                        shard,
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
                let token = c.token(idx);
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
                    self.send_exec(shard, req, spec, args);
                }
            }
            Route::Cross => self.start_cross(idx, spec, args),
        }
    }

    /// Find the (sub)command, check arity and authentication.
    pub(super) fn resolve(
        &self,
        idx: usize,
        args: &[&[u8]],
    ) -> Result<&'static CommandSpec, CmdError> {
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
        if !client.authed && !spec.no_auth {
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

    /// Start a blocking command whose keys are all on `shard`: the connection waits
    /// (runs nothing else) until the reply comes.
    pub(super) fn start_blocking(
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
        let req = c.req(idx, seq, slot);
        let owned = OwnedArgs::new(args);
        if shard == self.id {
            self.block_exec(self.id, req, spec, owned);
        } else {
            self.post(
                shard,
                Msg::Exec {
                    from: self.id as u16,
                    req,
                    spec,
                    args: owned,
                },
            );
        }
    }
}

/// Commands a RESP2 client may send while subscribed.
pub(super) const ALLOWED_SUBSCRIBED: &[&str] = &[
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
pub(super) static COMMAND_BARE: CommandSpec = crate::command::spec::c(
    "command",
    -1,
    "loading stale",
    crate::command::spec::NOKEY,
    Exec::Conn(crate::command::server::command),
    "server",
    "2.8.13",
    "Returns detailed information about all commands.",
);
