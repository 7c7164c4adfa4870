//! What handlers may ask of the shard beyond its keyspace ([`ShardHooks`]): the
//! shard's clients (CLIENT LIST/KILL/UNBLOCK), pub/sub delivery, counters.

use super::*;

/// What handlers may ask of the shard beyond its keyspace.
pub(super) struct Hooks<'a> {
    conns: &'a mut slab::Slab<Conn>,
    /// Client id → connection index, for pub/sub delivery.
    ids: &'a HashMap<u64, usize>,
    registry: &'a mut Registry,
    now: u64,
    commands: u64,
    /// Connections that got output (messages) or were marked to close by CLIENT KILL.
    pub(super) touched: Vec<usize>,
    blocking: &'a blocking::Blocking,
    /// CLIENT UNBLOCK requests to carry out after the handler: (client id, as error).
    pub(super) unblocks: Vec<(u64, bool)>,
}

impl<'a> Hooks<'a> {
    pub(super) fn new(
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
