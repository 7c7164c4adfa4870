//! Blocking commands on the shard loop (BLPOP, BLMOVE, BZPOPMIN, ...).
//!
//! A blocking command runs on the shard that owns its keys. If its handler finds
//! nothing to serve it answers `CmdError::WouldBlock`, and that shard parks the request
//! as a waiter on each of its keys. After every write on the shard, the written keys
//! that have waiters become "ready"; at the end of the loop turn the waiters of each
//! ready key are retried in the order they blocked (Redis's FIFO fairness) until the
//! key has nothing more to give. Deadlines are checked by the cron. The client's own
//! connection runs nothing else until the reply arrives, as a blocked Redis client.

use super::Shard;
use crate::command::spec::CommandSpec;
use crate::mesh::{Msg, OwnedArgs, Req};
use crate::resp::Reply;
use std::collections::{HashMap, VecDeque};

pub struct Waiter {
    /// Shard of the client's connection.
    from: usize,
    req: Req,
    spec: &'static CommandSpec,
    args: OwnedArgs,
    deadline: Option<u64>,
    keys: Vec<Vec<u8>>,
}

#[derive(Default)]
pub struct Blocking {
    waiters: slab::Slab<Waiter>,
    by_key: HashMap<Vec<u8>, VecDeque<usize>>,
    /// Keys written since the last serve pass that have waiters.
    pub(super) ready: Vec<Vec<u8>>,
}

impl Blocking {
    pub fn is_empty(&self) -> bool {
        self.waiters.is_empty()
    }

    /// Note a written key; it is retried at the end of the turn if someone waits on it.
    pub fn touch(&mut self, key: &[u8]) {
        if self.by_key.contains_key(key) && !self.ready.iter().any(|k| k == key) {
            self.ready.push(key.to_vec());
        }
    }

    /// Client ids with a waiter here (CLIENT UNBLOCK looks them up).
    pub fn is_blocked(&self, client: u64) -> bool {
        self.waiters.iter().any(|(_, w)| w.req.caller == client)
    }

    fn remove(&mut self, w: usize) -> Waiter {
        let waiter = self.waiters.remove(w);
        for k in &waiter.keys {
            if let Some(q) = self.by_key.get_mut(k) {
                q.retain(|&x| x != w);
                if q.is_empty() {
                    self.by_key.remove(k);
                }
            }
        }
        waiter
    }
}

/// What a blocked client gets when its wait ends without data (timeout, CLIENT UNBLOCK
/// TIMEOUT): a null bulk for BLMOVE/BRPOPLPUSH, a null array for the others.
fn timeout_reply(spec: &CommandSpec, req: &Req) -> Vec<u8> {
    let mut out = Vec::new();
    let mut r = Reply::new(&mut out, req.proto);
    if spec.name == "blmove" || spec.name == "brpoplpush" {
        r.null();
    } else {
        r.null_array();
    }
    out
}

impl Shard {
    /// Run a blocking command on this shard (its keys are here): reply now, or park it.
    pub(super) fn block_exec(
        &mut self,
        from: usize,
        req: Req,
        spec: &'static CommandSpec,
        args: OwnedArgs,
    ) {
        match self.try_exec(spec, &args, &req, true) {
            Ok(bytes) => self.send_reply(from, &req, bytes),
            Err(deadline) => {
                let slices = args.slices();
                let keys: Vec<Vec<u8>> = spec
                    .key_positions(&slices)
                    .iter()
                    .map(|&p| slices[p].to_vec())
                    .collect();
                let w = self.blocking.waiters.insert(Waiter {
                    from,
                    req,
                    spec,
                    args,
                    deadline,
                    keys: keys.clone(),
                });
                for k in keys {
                    let q = self.blocking.by_key.entry(k).or_default();
                    if !q.contains(&w) {
                        q.push_back(w);
                    }
                }
            }
        }
    }

    /// Retry the waiters of every key written this turn, first blocked first served.
    pub(super) fn serve_ready(&mut self) {
        while let Some(key) = self.blocking.ready.pop() {
            while let Some(&w) = self.blocking.by_key.get(&key).and_then(|q| q.front()) {
                let (spec, req) = {
                    let waiter = &self.blocking.waiters[w];
                    (waiter.spec, waiter.req)
                };
                let args = std::mem::take(&mut self.blocking.waiters[w].args);
                match self.try_exec(spec, &args, &req, true) {
                    // An error now can only be WRONGTYPE (the arguments were checked
                    // when it blocked): the key changed type. As in Redis 7.2, the
                    // client keeps waiting for a key of the type it wants.
                    Ok(bytes) if bytes.first() != Some(&b'-') => {
                        let waiter = self.blocking.remove(w);
                        self.send_reply(waiter.from, &req, bytes);
                    }
                    _ => {
                        self.blocking.waiters[w].args = args;
                        break;
                    }
                }
            }
        }
    }

    /// Answer waiters whose deadline passed.
    pub(super) fn expire_waiters(&mut self) {
        if self.blocking.is_empty() {
            return;
        }
        let now = self.now;
        let due: Vec<usize> = self
            .blocking
            .waiters
            .iter()
            .filter(|(_, w)| w.deadline.is_some_and(|d| d <= now))
            .map(|(i, _)| i)
            .collect();
        for w in due {
            let waiter = self.blocking.remove(w);
            let bytes = timeout_reply(waiter.spec, &waiter.req);
            self.send_reply(waiter.from, &waiter.req, bytes);
        }
    }

    /// Cluster mode: a waiter whose slot this node no longer serves is answered with
    /// the redirection or CLUSTERDOWN error (Redis checks this from its clients cron).
    pub(super) fn redirect_waiters(&mut self) {
        if self.blocking.is_empty() || self.shared.cluster.is_none() {
            return;
        }
        let mut gone = Vec::new();
        for (i, w) in self.blocking.waiters.iter() {
            let down = self
                .shared
                .node(self.id)
                .is_some_and(|h| !h.view.load().state_ok);
            let verdict = if down {
                Err(crate::command::CmdError::ClusterDown(
                    crate::command::error::Down::Fail,
                ))
            } else {
                super::cluster_route::slot_verdict(
                    &self.shared,
                    self.id,
                    w.req.slot,
                    // Importing here, or READONLY on the owner's replica: keep waiting.
                    true,
                    true,
                    w.spec.write,
                    w.spec,
                )
            };
            if let Err(e) = verdict {
                gone.push((i, e));
            }
        }
        for (i, e) in gone {
            let waiter = self.blocking.remove(i);
            let mut out = Vec::new();
            Reply::new(&mut out, waiter.req.proto).error(&e.text());
            self.send_reply(waiter.from, &waiter.req, out);
        }
    }

    /// End a client's wait here: CLIENT UNBLOCK (reply as a timeout, or with the
    /// UNBLOCKED error) or its disconnection (`reply` false). True if it was waiting.
    pub(super) fn unblock_client(&mut self, client: u64, error: bool, reply: bool) -> bool {
        let Some(w) = self
            .blocking
            .waiters
            .iter()
            .find(|(_, w)| w.req.caller == client)
            .map(|(i, _)| i)
        else {
            return false;
        };
        let waiter = self.blocking.remove(w);
        if reply {
            let bytes = if error {
                b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n".to_vec()
            } else {
                timeout_reply(waiter.spec, &waiter.req)
            };
            self.send_reply(waiter.from, &waiter.req, bytes);
        }
        true
    }

    /// Send a reply to the connection that sent `req`, on this shard or another.
    pub(super) fn send_reply(&mut self, from: usize, req: &Req, data: Vec<u8>) {
        if from == self.id {
            self.deliver_local(req.token, req.seq, req.part, data);
        } else {
            self.post(
                from,
                Msg::Reply {
                    token: req.token,
                    seq: req.seq,
                    part: req.part,
                    data,
                },
            );
        }
    }
}
