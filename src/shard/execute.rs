//! The command boundary: every handler runs through [`invoke`], which builds the
//! handler's context, catches a panic (the client gets an error, the shard lives on) and
//! writes the handler's error reply. Around it: running a connection, keyed or
//! all-shards handler for a local client or for a request from another shard.

use super::*;
use crate::command::{ConnFn, KeyFn};

/// A handler with what it runs on.
pub(super) enum Handler<'h, 'a> {
    Key(KeyFn, &'h [&'a [u8]]),
    Conn(ConnFn, &'h mut ClientState, &'h [&'a [u8]]),
}

/// How an invoked handler ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Outcome {
    Done,
    /// It answered an error.
    Failed,
    /// It would block until the deadline (None: forever) and answered as a timeout.
    WouldBlock(Option<u64>),
    /// It panicked: what it wrote was replaced by an internal error.
    Panicked,
}

/// What a handler may see of its shard besides the keyspace and the connections (split
/// off `Shard` so that a connection's own state can be borrowed beside it).
pub(super) struct Env<'a> {
    pub shared: &'a Shared,
    pub ids: &'a HashMap<u64, usize>,
    pub registry: &'a mut Registry,
    pub blocking: &'a blocking::Blocking,
    pub now: u64,
    pub shard: usize,
    pub commands: u64,
}

/// What an invoked handler asked of the shard: connections that got output (or were
/// marked to close) and CLIENT UNBLOCK requests, to carry out after it.
#[derive(Default)]
pub(super) struct Asked {
    pub touched: Vec<usize>,
    pub unblocks: Vec<(u64, bool)>,
}

/// Run one handler behind the command boundary, appending its reply to `buf`. `conns`
/// are the connections the handler may reach through its hooks (CLIENT LIST/KILL,
/// pub/sub delivery): the shard's, or an empty set when one of them is borrowed.
#[allow(clippy::too_many_arguments)]
pub(super) fn invoke(
    env: Env<'_>,
    conns: &mut slab::Slab<Conn>,
    db: &mut Db,
    slot: u16,
    caller: u64,
    spec: &CommandSpec,
    proto: Proto,
    buf: &mut Vec<u8>,
    handler: Handler<'_, '_>,
) -> (Outcome, Asked) {
    let Env {
        shared,
        ids,
        registry,
        blocking,
        now,
        shard,
        commands,
    } = env;
    let mut hooks = Hooks::new(conns, ids, registry, blocking, now, commands);
    let mut ctx = Ctx {
        db,
        now,
        slot,
        shared,
        shard,
        caller,
        hooks: &mut hooks,
    };
    let mark = buf.len();
    let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let mut reply = Reply::new(&mut *buf, proto);
        let r = match handler {
            Handler::Key(f, args) => f(&mut ctx, args, &mut reply),
            Handler::Conn(f, client, args) => f(&mut ctx, client, args, &mut reply),
        };
        match r {
            Ok(()) => Outcome::Done,
            Err(e) => {
                let outcome = match e {
                    CmdError::WouldBlock { deadline } => Outcome::WouldBlock(deadline),
                    _ => Outcome::Failed,
                };
                write_error(spec, e, &mut reply);
                outcome
            }
        }
    }));
    let outcome = r.unwrap_or_else(|_| {
        buf.truncate(mark);
        Reply::new(buf, proto).error("ERR internal error while running the command");
        Outcome::Panicked
    });
    let asked = Asked {
        touched: std::mem::take(&mut hooks.touched),
        unblocks: std::mem::take(&mut hooks.unblocks),
    };
    (outcome, asked)
}

impl Shard {
    /// Split the shard into what [`invoke`] needs: its environment, connections and
    /// keyspace.
    pub(super) fn parts(&mut self) -> (Env<'_>, &mut slab::Slab<Conn>, &mut Db) {
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
        let env = Env {
            shared,
            ids,
            registry,
            blocking,
            now: *now,
            shard: *id,
            commands: *commands,
        };
        (env, conns, db)
    }

    /// Carry out what a handler asked (outputs to flush, clients to unblock).
    fn follow_up(&mut self, asked: Asked) {
        for i in asked.touched {
            self.mark_dirty(i);
        }
        for (client, error) in asked.unblocks {
            self.unblock_client(client, error, true);
        }
    }

    /// Run a connection command for the client of connection `idx`.
    pub(super) fn run_conn(&mut self, idx: usize, spec: &'static CommandSpec, args: &[&[u8]]) {
        let Exec::Conn(f) = spec.exec else {
            unreachable!("route Here is for connection commands")
        };
        let (env, conns, db) = self.parts();
        let c = &mut conns[idx];
        let proto = c.proto();
        let caller = c.client.id;
        let Conn {
            client, out, queue, ..
        } = c;
        let mut tmp = Vec::new();
        let direct = queue.is_empty();
        let buf = if direct { out } else { &mut tmp };
        let mut none = slab::Slab::new();
        let handler = Handler::Conn(f, client, args);
        let (outcome, _) = invoke(env, &mut none, db, 0, caller, spec, proto, buf, handler);
        if outcome == Outcome::Panicked {
            client.close_after_reply = true;
        }
        if !direct {
            queue.push_back(Pending::Ready(tmp));
        }
    }

    /// Run a connection handler against an explicit client state (inside a transaction
    /// that runs on another shard than the client's).
    pub(super) fn run_conn_with(
        &mut self,
        f: ConnFn,
        client: &mut ClientState,
        args: &[&[u8]],
        spec: &CommandSpec,
        proto: Proto,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        let caller = client.id;
        let (env, _, db) = self.parts();
        let handler = Handler::Conn(f, client, args);
        let mut none = slab::Slab::new();
        invoke(
            env, &mut none, db, 0, caller, spec, proto, &mut out, handler,
        );
        out
    }

    /// Run a keyed (or all-shards) command of local connection `idx` on this shard.
    pub(super) fn run_local(
        &mut self,
        idx: usize,
        spec: &'static CommandSpec,
        args: &[&[u8]],
        slot: u16,
    ) {
        let f = match spec.exec {
            Exec::Key(f) | Exec::Multi(f, _) | Exec::All(f, _) => f,
            _ => unreachable!("local keyed run"),
        };
        let (shard, now) = (self.id, self.now);
        let (env, conns, db) = self.parts();
        let shared = env.shared;
        let c = &mut conns[idx];
        let proto = c.proto();
        let caller = c.client.id;
        let asking = c.client.asking;
        let mut t = c.reply_buf();
        let buf = t.buf();
        if let Err(e) =
            cluster_route::migration_verdict(shared, shard, db, now, spec, args, slot, asking)
        {
            write_error(spec, e, &mut Reply::new(buf, proto));
            return;
        }
        let mut none = slab::Slab::new();
        let handler = Handler::Key(f, args);
        let (outcome, _) = invoke(env, &mut none, db, slot, caller, spec, proto, buf, handler);
        note_slot_keys(shared, db, shard, slot);
        match outcome {
            Outcome::Done => self.touch_written(spec, args),
            Outcome::Failed | Outcome::WouldBlock(_) => {}
            Outcome::Panicked => self.conns[idx].client.close_after_reply = true,
        }
    }

    /// Run a keyed or all-shards handler for a request that came as a message.
    pub(super) fn exec_owned(
        &mut self,
        spec: &'static CommandSpec,
        args: &OwnedArgs,
        req: &Req,
    ) -> Vec<u8> {
        match self.try_exec(spec, args, req, false) {
            Ok(b) => b,
            Err(_) => unreachable!("try_exec answers instead of blocking when it may not block"),
        }
    }

    /// [`Self::try_exec_into`] into a new buffer.
    pub(super) fn try_exec(
        &mut self,
        spec: &'static CommandSpec,
        args: &OwnedArgs,
        req: &Req,
        may_block: bool,
    ) -> Result<Vec<u8>, Option<u64>> {
        let mut out = Vec::new();
        self.try_exec_into(spec, &args.slices(), req, may_block, &mut out)
            .map(|()| out)
    }

    /// Run a keyed or all-shards handler, appending its reply to `out`. `Err(deadline)`
    /// when the command would block and `may_block` (nothing was changed or written);
    /// without `may_block` a would-block answers as a timeout (Redis: blocking commands
    /// inside MULTI don't block).
    pub(super) fn try_exec_into(
        &mut self,
        spec: &'static CommandSpec,
        slices: &[&[u8]],
        req: &Req,
        may_block: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), Option<u64>> {
        let (proto, slot, caller) = (req.proto, req.slot, req.caller);
        let f = match spec.exec {
            Exec::Key(f) | Exec::Multi(f, _) | Exec::All(f, _) => f,
            _ => unreachable!("only keyed handlers travel"),
        };
        let start = out.len();
        if let Err(e) = cluster_route::migration_verdict(
            &self.shared,
            self.id,
            &self.db,
            self.now,
            spec,
            slices,
            slot,
            req.asking,
        ) {
            write_error(spec, e, &mut Reply::new(out, proto));
            return Ok(());
        }
        let shard = self.id;
        let (env, conns, db) = self.parts();
        let shared = env.shared;
        let handler = Handler::Key(f, slices);
        let (outcome, asked) = invoke(env, conns, db, slot, caller, spec, proto, out, handler);
        note_slot_keys(shared, db, shard, slot);
        if matches!(spec.exec, Exec::All(..)) && spec.write && shared.cluster.is_some() {
            // FLUSHALL / FLUSHDB: every slot's count may have changed.
            for s in 0..crate::slot::SLOTS as u16 {
                note_slot_keys(shared, db, shard, s);
            }
        }
        self.follow_up(asked);
        if let (Outcome::WouldBlock(deadline), true) = (outcome, may_block) {
            out.truncate(start);
            return Err(deadline);
        }
        // A command that failed changed nothing: it wakes no waiter, dirties no WATCH.
        if out.get(start) != Some(&b'-') {
            self.touch_written(spec, slices);
        }
        Ok(())
    }
}

pub(super) fn note_slot_keys(shared: &Shared, db: &Db, shard: usize, slot: u16) {
    if let Some(h) = shared.node(shard) {
        h.keys.set(slot, db.slot_len(slot));
    }
}

/// Write a handler's error; a would-block (where blocking is not possible) answers as
/// the blocking command's timeout does.
pub(super) fn write_error(spec: &CommandSpec, e: CmdError, reply: &mut Reply) {
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
