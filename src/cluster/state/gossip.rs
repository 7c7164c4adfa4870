//! The bus protocol of one node (§5, §7): link events from the network layer
//! (`on_accept`, `on_connected`, `on_link_closed`, `on_frame`), the handshake, PING /
//! PONG / MEET with their gossip sections and extensions, address and role changes,
//! slot ownership learnt from headers and UPDATE (and the UPDATE sent to a stale
//! sender), configEpoch collisions, PUBLISH over the bus, and what the timer does for
//! links (connect, keep alive, ping the stalest node).
//!
//! Must not do I/O: bytes and link operations go out as [`Out`], effects on shards as
//! [`Effect`]. Failure reports, FAIL and cluster_state are failure.rs's: this part hands
//! it what it hears (`note_failure_report`, `process_fail`, `clear_failure_if_needed`).

use super::{id_of, ip_text, name_of, random_id, Cluster, Effect, Link, LinkId, Node, Out, NONE};
use crate::cluster::bus::nodes_conf::NodeFlags;
use crate::cluster::bus::wire::{
    self, Body, Extension, Gossip, Header, IpField, Message, NodeName, Ping, Publish, SlotBitmap,
    Update,
};
use rand::Rng;

impl Cluster {
    // ---------------------------------------------------------------------------------
    // Messages out

    pub(super) fn header(&self) -> Header {
        let me = self.me();
        let master = self.my_master_idx();
        let (config_epoch, slots) = match master {
            Some(mi) => (
                self.nodes[mi].config_epoch,
                self.bitmap_of(self.nodes[mi].uid),
            ),
            None => (me.config_epoch, SlotBitmap::default()),
        };
        Header {
            port: self.my_port(),
            current_epoch: self.current_epoch,
            config_epoch,
            offset: 0,
            sender: name_of(&me.id),
            myslots: slots,
            slaveof: if me.is_replica() {
                me.master.as_ref().map_or(NodeName::ZERO, name_of)
            } else {
                NodeName::ZERO
            },
            myip: IpField::new(self.set.announce_ip.as_bytes()).unwrap_or_default(),
            pport: 0,
            cport: self.my_cport(),
            flags: me.flags.bits(),
            state: if self.state_ok { 0 } else { 1 },
            mflags: [0; 3],
        }
    }

    fn send(&mut self, link: LinkId, msg: &Message) {
        let t = msg.msg_type() as usize;
        if t < 11 {
            self.sent[t] += 1;
        }
        let mut data = Vec::with_capacity(msg.encoded_len());
        wire::encode(msg, &mut data);
        self.out.push(Out::Send { link, data });
    }

    fn gossip_of(&self, n: &Node) -> Gossip {
        Gossip {
            node: name_of(&n.id),
            ping_sent: (n.ping_sent / 1000) as u32,
            pong_received: (n.pong_received / 1000) as u32,
            ip: IpField::new(n.ip.as_bytes()).unwrap_or_default(),
            port: n.port,
            cport: n.cport,
            flags: n.flags.bits()
                & !(NodeFlags::MYSELF.bits()
                    | NodeFlags::MEET.bits()
                    | NodeFlags::MIGRATE_TO.bits()),
            pport: n.pport,
        }
    }

    /// A PING, PONG or MEET with a gossip section chosen as Redis does (§5.4).
    fn ping_message(&mut self, kind: u16) -> Message {
        let known = self.nodes.len();
        let fresh = known.saturating_sub(2);
        let wanted = (known / 10).max(3).min(fresh);
        let mut chosen: Vec<usize> = Vec::new();
        let mut rng = rand::thread_rng();
        let mut tries = wanted * 3;
        while chosen.len() < wanted && tries > 0 && known > 0 {
            tries -= 1;
            let i = rng.gen_range(0..known);
            let n = &self.nodes[i];
            if n.id == self.myself
                || n.flags.contains(NodeFlags::PFAIL)
                || n.in_handshake()
                || n.flags.contains(NodeFlags::NOADDR)
                || (n.link.is_none() && self.slot_count(n.uid) == 0)
                || chosen.contains(&i)
            {
                continue;
            }
            chosen.push(i);
        }
        // Then every node we suspect, so that failure reports spread.
        for (i, n) in self.nodes.iter().enumerate() {
            if n.flags.contains(NodeFlags::PFAIL)
                && !n.in_handshake()
                && !n.flags.contains(NodeFlags::NOADDR)
                && !chosen.contains(&i)
            {
                chosen.push(i);
            }
        }
        let gossip = chosen
            .iter()
            .map(|&i| self.gossip_of(&self.nodes[i]))
            .collect();
        let mut extensions = Vec::new();
        let me = self.me();
        if !me.hostname.is_empty() {
            extensions.push(Extension::Hostname(me.hostname.as_bytes().to_vec()));
        }
        if !me.nodename.is_empty() {
            extensions.push(Extension::HumanNodename(me.nodename.as_bytes().to_vec()));
        }
        let now_s = self.now / 1000;
        for (id, exp) in &self.blacklist {
            if *exp > now_s {
                extensions.push(Extension::ForgottenNode {
                    name: name_of(id),
                    ttl: exp - now_s,
                });
            }
        }
        extensions.push(Extension::ShardId(name_of(&me.shard_id)));
        let mut header = self.header();
        header.mflags[0] |= wire::msg_flags::EXT_DATA;
        let p = Ping { gossip, extensions };
        let body = match kind {
            0 => Body::Ping(p),
            1 => Body::Pong(p),
            _ => Body::Meet(p),
        };
        Message { header, body }
    }

    /// Send a PING (0), PONG (1) or MEET (2) on `link`.
    pub(super) fn send_ping(&mut self, link: LinkId, kind: u16) {
        let msg = self.ping_message(kind);
        if kind != 1 {
            // A ping on our outbound link starts the pending-ping clock.
            if let Some(l) = self.links.get(&link) {
                if l.outbound {
                    if let Some(i) = l.node.and_then(|id| self.idx(&id)) {
                        if self.nodes[i].ping_sent == 0 {
                            self.nodes[i].ping_sent = self.now;
                        }
                    }
                }
            }
        }
        self.send(link, &msg);
    }

    /// Send to every node we have an outbound link to (except handshake nodes).
    /// Our connected outbound links to every other node out of handshake.
    fn connected_links(&self) -> Vec<LinkId> {
        self.nodes
            .iter()
            .filter(|n| n.id != self.myself && !n.in_handshake())
            .filter_map(|n| n.link)
            .filter(|l| self.links.get(l).is_some_and(|l| l.connected))
            .collect()
    }

    pub(super) fn broadcast(&mut self, msg: &Message) {
        for l in self.connected_links() {
            self.send(l, msg);
        }
    }

    pub(super) fn broadcast_pong(&mut self) {
        for l in self.connected_links() {
            self.send_ping(l, 1);
        }
    }

    /// Broadcast a PUBLISH / PUBLISHSHARD (the sender's local subscribers are served by
    /// the shards). PUBLISHSHARD goes to the nodes of my shard only, as in Redis.
    pub fn publish(&mut self, shard: bool, channel: Vec<u8>, message: Vec<u8>) {
        let p = Publish { channel, message };
        let msg = Message {
            header: self.header(),
            body: if shard {
                Body::PublishShard(p)
            } else {
                Body::Publish(p)
            },
        };
        if !shard {
            self.broadcast(&msg);
            return;
        }
        let my_shard = self.me().shard_id;
        let links: Vec<LinkId> = self
            .nodes
            .iter()
            .filter(|n| n.id != self.myself && !n.in_handshake() && n.shard_id == my_shard)
            .filter_map(|n| n.link)
            .collect();
        for l in links {
            self.send(l, &msg);
        }
    }

    // ---------------------------------------------------------------------------------
    // Links

    pub fn on_accept(&mut self, peer_ip: String, local_ip: String) -> LinkId {
        let id = self.next_link;
        self.next_link += 1;
        self.links.insert(
            id,
            Link {
                node: None,
                outbound: false,
                ctime: self.now,
                peer_ip,
                local_ip,
                connected: true,
            },
        );
        id
    }

    pub fn on_connected(&mut self, link: LinkId, local_ip: String) {
        let Some(l) = self.links.get_mut(&link) else {
            return;
        };
        l.connected = true;
        l.local_ip = local_ip;
        let Some(i) = l.node.and_then(|id| self.idx(&id)) else {
            return;
        };
        let meet = self.nodes[i].flags.contains(NodeFlags::MEET);
        let old_ping = self.nodes[i].ping_sent;
        self.send_ping(link, if meet { 2 } else { 0 });
        if old_ping != 0 {
            self.nodes[i].ping_sent = old_ping;
        }
        self.nodes[i].flags.remove(NodeFlags::MEET);
    }

    /// The link failed to connect or was closed by the peer.
    pub fn on_link_closed(&mut self, link: LinkId) {
        let Some(l) = self.links.remove(&link) else {
            return;
        };
        if let Some(i) = l.node.and_then(|id| self.idx(&id)) {
            let n = &mut self.nodes[i];
            if n.link == Some(link) {
                n.link = None;
                // A node we cannot reach counts as pinged now, so that failure
                // detection runs for it (Redis does this on a failed connect).
                if n.ping_sent == 0 {
                    n.ping_sent = self.now;
                }
            }
            if n.inbound == Some(link) {
                n.inbound = None;
            }
        }
    }

    pub(super) fn free_link(&mut self, link: LinkId) {
        if self.links.remove(&link).is_some() {
            self.out.push(Out::Close { link });
        }
        for n in &mut self.nodes {
            if n.link == Some(link) {
                n.link = None;
            }
            if n.inbound == Some(link) {
                n.inbound = None;
            }
        }
    }

    // ---------------------------------------------------------------------------------
    // Receiving

    /// One complete frame from `link`. Malformed frames are dropped (logged); the caller
    /// closes links whose framing is broken (bad signature or length).
    pub fn on_frame(&mut self, link: LinkId, frame: &[u8]) {
        let t = u16::from_be_bytes([frame[12], frame[13]]) as usize;
        if t < 11 {
            self.received[t] += 1;
        }
        let msg = match wire::decode(frame) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("cluster bus: dropping invalid message on link {link}: {e:?}");
                return;
            }
        };
        self.process(link, msg);
    }

    fn process(&mut self, link: LinkId, msg: Message) {
        let Some(l) = self.links.get(&link).cloned() else {
            return;
        };
        let h = &msg.header;
        let sender_id = id_of(&h.sender);
        let mut sender = sender_id.and_then(|id| self.idx(&id));
        if let Some(s) = sender {
            if self.nodes[s].in_handshake() {
                sender = None;
            }
        }
        let now = self.now;
        if let Some(s) = sender {
            self.nodes[s].data_received = now;
            if !l.outbound && l.node.is_none() {
                // Bind the inbound link to its sender (a newer one replaces the older).
                if let Some(old) = self.nodes[s].inbound {
                    if old != link {
                        self.free_link(old);
                    }
                }
                self.nodes[s].inbound = Some(link);
                if let Some(lm) = self.links.get_mut(&link) {
                    lm.node = Some(self.nodes[s].id);
                }
            }
            if h.current_epoch > self.current_epoch {
                self.current_epoch = h.current_epoch;
                self.dirty_config = true;
            }
            if h.config_epoch > self.nodes[s].config_epoch {
                self.nodes[s].config_epoch = h.config_epoch;
                self.changed();
            }
            self.nodes[s].repl_offset = h.offset;
        } else if let Some(i) = l.node.and_then(|id| self.idx(&id)) {
            self.nodes[i].data_received = now;
        }
        match &msg.body {
            Body::Ping(_) | Body::Pong(_) | Body::Meet(_) => {
                self.process_ping(link, &l, sender, &msg)
            }
            Body::Fail(name) => self.process_fail(sender, name),
            Body::Update(u) => self.process_update(sender, u),
            Body::Publish(p) | Body::PublishShard(p) if sender.is_some() => {
                self.effects.push(Effect::Deliver {
                    shard: matches!(msg.body, Body::PublishShard(_)),
                    channel: p.channel.clone(),
                    message: p.message.clone(),
                });
            }
            // Elections and manual failover are a later issue: decoded, counted, ignored.
            _ => {}
        }
    }

    fn process_ping(&mut self, link: LinkId, l: &Link, sender: Option<usize>, msg: &Message) {
        let h = &msg.header;
        let ty = msg.msg_type();
        let ping = msg.body.ping().expect("ping-like body");
        let now = self.now;
        if ty == 0 || ty == 2 {
            // Learn our own address from the socket the peer reached us on.
            if self.set.announce_ip.is_empty()
                && (ty == 2 || self.me().ip.is_empty())
                && !l.local_ip.is_empty()
                && self.me().ip != l.local_ip
            {
                self.me_mut().ip = l.local_ip.clone();
                self.changed();
            }
            if sender.is_none() && ty == 2 {
                let id = random_id();
                let mut n = self.new_node(id, NodeFlags::HANDSHAKE);
                n.ip = if h.myip.is_empty() {
                    l.peer_ip.clone()
                } else {
                    ip_text(&h.myip)
                };
                n.port = h.port;
                n.pport = h.pport;
                n.cport = h.cport;
                self.nodes.push(n);
                self.changed();
                self.process_gossip(None, &ping.gossip);
            }
            self.send_ping(link, 1);
        }
        if l.outbound {
            if let Some(ni) = l.node.and_then(|id| self.idx(&id)) {
                if self.nodes[ni].in_handshake() {
                    if let Some(s) = sender {
                        // Already known: maybe a new address; drop the handshake node.
                        self.update_address(s, link, h, true);
                        self.del_node(ni);
                        return;
                    }
                    let Some(real) = id_of(&h.sender) else {
                        return;
                    };
                    let n = &mut self.nodes[ni];
                    n.id = real;
                    n.flags.remove(NodeFlags::HANDSHAKE);
                    let role = h.flags & (NodeFlags::MASTER.bits() | NodeFlags::SLAVE.bits());
                    n.flags = NodeFlags::from_bits(
                        n.flags.bits() & !(NodeFlags::MASTER.bits() | NodeFlags::SLAVE.bits())
                            | role,
                    );
                    if let Some(lm) = self.links.get_mut(&link) {
                        lm.node = Some(real);
                    }
                    self.changed();
                    // The rest of this first packet is not applied (sender was unknown).
                    if ty == 1 {
                        self.nodes[ni].pong_received = now;
                        self.nodes[ni].ping_sent = 0;
                    }
                    return;
                } else if Some(self.nodes[ni].id) != id_of(&h.sender) {
                    let n = &mut self.nodes[ni];
                    n.flags.insert(NodeFlags::NOADDR);
                    n.ip.clear();
                    n.port = 0;
                    n.pport = 0;
                    n.cport = 0;
                    self.free_link(link);
                    self.changed();
                    return;
                }
            }
        }
        let Some(s) = sender else {
            return;
        };
        // NOFAILOVER copied from the header.
        if h.flags & NodeFlags::NOFAILOVER.bits() != 0 {
            self.nodes[s].flags.insert(NodeFlags::NOFAILOVER);
        } else {
            self.nodes[s].flags.remove(NodeFlags::NOFAILOVER);
        }
        if ty == 0 && self.update_address(s, link, h, false) {
            self.changed();
        }
        if l.outbound && ty == 1 {
            let n = &mut self.nodes[s];
            n.pong_received = now;
            n.ping_sent = 0;
            if n.flags.contains(NodeFlags::PFAIL) {
                n.flags.remove(NodeFlags::PFAIL);
                self.changed();
            } else if n.flags.contains(NodeFlags::FAIL) {
                self.clear_failure_if_needed(s);
            }
        }
        // Role.
        let sid = self.nodes[s].id;
        match h.master() {
            None => self.set_as_master(s),
            Some(mname) => {
                let s_uid = self.nodes[s].uid;
                if self.nodes[s].is_master() {
                    for o in self.owner.iter_mut() {
                        if *o == s_uid {
                            *o = NONE;
                        }
                    }
                    let n = &mut self.nodes[s];
                    n.flags.remove(NodeFlags::MASTER);
                    n.flags.remove(NodeFlags::MIGRATE_TO);
                    n.flags.insert(NodeFlags::SLAVE);
                    self.changed();
                }
                if let Some(mi) = id_of(mname).and_then(|id| self.idx(&id)) {
                    let mid = self.nodes[mi].id;
                    if self.nodes[s].master != Some(mid) {
                        self.nodes[s].master = Some(mid);
                        self.changed();
                    }
                    let msid = self.nodes[mi].shard_id;
                    self.nodes[s].shard_id = msid;
                }
            }
        }
        let Some(s) = self.idx(&sid) else {
            return;
        };
        // Slots.
        let sender_master = if self.nodes[s].is_master() {
            Some(s)
        } else {
            self.nodes[s].master.and_then(|m| self.idx(&m))
        };
        let dirty = match sender_master {
            Some(m) => self.bitmap_of(self.nodes[m].uid) != h.myslots,
            None => false,
        };
        if dirty && self.nodes[s].is_master() {
            self.update_slots_with(s, h.config_epoch, &h.myslots);
        }
        if dirty {
            // Tell a sender with a stale view who owns its slots now (one UPDATE).
            for slot in 0..wire::SLOTS as u16 {
                if !h.myslots.contains(slot) {
                    continue;
                }
                let Some(o) = self.slot_owner(slot) else {
                    continue;
                };
                if self.nodes[o].id == sid || self.not_claiming[slot as usize] {
                    continue;
                }
                if self.nodes[o].config_epoch > h.config_epoch {
                    let owner = self.nodes[o].clone();
                    let mut slots = self.bitmap_of(owner.uid);
                    for (i, nc) in self.not_claiming.iter().enumerate() {
                        if *nc {
                            slots.remove(i as u16);
                        }
                    }
                    let msg = Message {
                        header: self.header(),
                        body: Body::Update(Update {
                            config_epoch: owner.config_epoch,
                            node: name_of(&owner.id),
                            slots,
                        }),
                    };
                    if let Some(sl) = self.nodes.iter().find(|n| n.id == sid).and_then(|n| n.link) {
                        self.send(sl, &msg);
                    }
                    break;
                }
            }
        }
        // configEpoch collision between masters.
        let Some(s) = self.idx(&sid) else {
            return;
        };
        if self.me().is_master()
            && self.nodes[s].is_master()
            && h.config_epoch == self.me().config_epoch
            && sid.as_bytes() > self.myself.as_bytes()
        {
            self.current_epoch += 1;
            let e = self.current_epoch;
            self.me_mut().config_epoch = e;
            self.changed();
        }
        self.process_gossip(Some(s), &ping.gossip);
        if let Some(s) = self.idx(&sid) {
            self.process_extensions(s, &ping.extensions);
        }
    }

    /// A PING from another link may carry a new address for the sender (§5.3); also used
    /// when a handshake turns out to be a known node.
    fn update_address(&mut self, s: usize, link: LinkId, h: &Header, force: bool) -> bool {
        if !force && self.nodes[s].link == Some(link) {
            return false;
        }
        let peer = self
            .links
            .get(&link)
            .map(|l| l.peer_ip.clone())
            .unwrap_or_default();
        let ip = if h.myip.is_empty() {
            peer
        } else {
            ip_text(&h.myip)
        };
        let n = &self.nodes[s];
        if n.ip == ip && n.port == h.port && n.cport == h.cport && n.pport == h.pport {
            return false;
        }
        if ip.is_empty() {
            return false;
        }
        self.set_address(s, ip, h.port, h.cport, h.pport);
        true
    }

    /// A node's new address: stored, NOADDR cleared, its outbound link dropped (cron
    /// reconnects to the new one).
    fn set_address(&mut self, i: usize, ip: String, port: u16, cport: u16, pport: u16) {
        let n = &mut self.nodes[i];
        n.ip = ip;
        n.port = port;
        n.cport = cport;
        n.pport = pport;
        n.flags.remove(NodeFlags::NOADDR);
        if let Some(l) = n.link {
            self.free_link(l);
        }
    }

    fn set_as_master(&mut self, i: usize) {
        let n = &mut self.nodes[i];
        if n.is_master() {
            return;
        }
        n.master = None;
        n.flags.remove(NodeFlags::SLAVE);
        n.flags.insert(NodeFlags::MASTER);
        self.changed();
    }

    /// Rebind the slots `sender` claims with `epoch` (§7.2 step 6).
    fn update_slots_with(&mut self, s: usize, epoch: u64, slots: &SlotBitmap) {
        if self.nodes[s].id == self.myself {
            return;
        }
        let s_uid = self.nodes[s].uid;
        let cur_master = self.my_master_idx().map(|i| self.nodes[i].uid);
        let me_uid = self.me_uid();
        let mut new_master = false;
        let mut migrated = 0;
        let mut dirty_slots = Vec::new();
        for slot in 0..wire::SLOTS {
            let o = self.owner[slot];
            if slots.contains(slot as u16) {
                if o == s_uid {
                    self.not_claiming[slot] = false;
                    continue;
                }
                if self.importing.contains_key(&(slot as u16)) {
                    continue;
                }
                let owner_epoch = self.idx_uid(o).map(|i| self.nodes[i].config_epoch);
                if o == NONE || self.not_claiming[slot] || owner_epoch.is_some_and(|e| e < epoch) {
                    if o == me_uid && self.slot_keys(slot as u16) > 0 {
                        dirty_slots.push(slot as u16);
                    }
                    if Some(o) == cur_master && o != NONE {
                        new_master = true;
                        migrated += 1;
                    }
                    self.owner[slot] = s_uid;
                    self.not_claiming[slot] = false;
                    self.migrating.remove(&(slot as u16));
                    self.fsync_config = true;
                    self.changed();
                }
            } else if o == s_uid {
                self.not_claiming[slot] = true;
            }
        }
        let cur_left = cur_master.map_or(0, |u| self.slot_count(u));
        if new_master
            && cur_left == 0
            && (self.set.allow_replica_migration || self.slot_count(s_uid) == migrated)
        {
            self.become_replica_of(s);
        } else if !dirty_slots.is_empty() {
            self.effects.push(Effect::DropSlots(dirty_slots));
        }
    }

    fn process_update(&mut self, sender: Option<usize>, u: &Update) {
        if sender.is_none() {
            return;
        }
        let Some(n) = id_of(&u.node).and_then(|id| self.idx(&id)) else {
            return;
        };
        if self.nodes[n].id == self.myself || self.nodes[n].config_epoch >= u.config_epoch {
            return;
        }
        if self.nodes[n].is_replica() {
            self.set_as_master(n);
        }
        self.nodes[n].config_epoch = u.config_epoch;
        self.changed();
        self.update_slots_with(n, u.config_epoch, &u.slots);
    }

    fn process_gossip(&mut self, sender: Option<usize>, gossip: &[Gossip]) {
        let sender_id = sender.map(|s| self.nodes[s].id);
        let sender_master = sender.is_some_and(|s| self.nodes[s].is_master());
        for g in gossip {
            let Some(gid) = id_of(&g.node) else {
                continue;
            };
            let gflags = NodeFlags::from_bits(g.flags);
            let g_failing = gflags.contains(NodeFlags::PFAIL) || gflags.contains(NodeFlags::FAIL);
            if let Some(i) = self.idx(&gid) {
                if let (Some(sid), true) = (sender_id, sender_master) {
                    if gid != self.myself {
                        self.note_failure_report(i, sid, g_failing);
                    }
                }
                let Some(i) = self.idx(&gid) else { continue };
                let n = &mut self.nodes[i];
                if !g_failing && n.ping_sent == 0 && n.fail_reports.is_empty() {
                    let pong = g.pong_received as u64 * 1000;
                    if pong <= self.now + 500 && pong > n.pong_received {
                        n.pong_received = pong;
                    }
                }
                let gip = ip_text(&g.ip);
                if n.failing()
                    && !gflags.contains(NodeFlags::NOADDR)
                    && !g_failing
                    && !gip.is_empty()
                    && (n.ip != gip || n.port != g.port || n.cport != g.cport)
                {
                    self.set_address(i, gip, g.port, g.cport, g.pport);
                    self.changed();
                }
            } else if sender.is_some()
                && !gflags.contains(NodeFlags::NOADDR)
                && !self.blacklisted(&gid)
            {
                let clean = NodeFlags::from_bits(
                    g.flags
                        & !(NodeFlags::MYSELF.bits()
                            | NodeFlags::HANDSHAKE.bits()
                            | NodeFlags::MEET.bits()),
                );
                let mut n = self.new_node(gid, clean);
                n.ip = ip_text(&g.ip);
                n.port = g.port;
                n.cport = g.cport;
                n.pport = g.pport;
                self.nodes.push(n);
                self.changed();
            }
        }
    }

    fn process_extensions(&mut self, s: usize, exts: &[Extension]) {
        let mut hostname = Vec::new();
        let mut nodename = Vec::new();
        let mut shard = None;
        for e in exts {
            match e {
                Extension::Hostname(h) => hostname = h.clone(),
                Extension::HumanNodename(h) => nodename = h.clone(),
                Extension::ShardId(sid) => shard = id_of(sid),
                Extension::ForgottenNode { name, ttl } => {
                    let Some(id) = id_of(name) else { continue };
                    let my_master = self.me().master;
                    if id != self.myself && Some(id) != my_master {
                        if let Some(i) = self.idx(&id) {
                            let exp = self.now / 1000 + ttl;
                            self.blacklist_add(id, exp);
                            self.del_node(i);
                        }
                    }
                }
                Extension::Unknown { .. } => {}
            }
        }
        let Some(s) = self.idx(&self.nodes.get(s).map(|n| n.id).unwrap_or(self.myself)) else {
            return;
        };
        let h = String::from_utf8_lossy(&hostname).into_owned();
        let nn = String::from_utf8_lossy(&nodename).into_owned();
        let n = &mut self.nodes[s];
        let master = n.master;
        if n.hostname != h || n.nodename != nn {
            n.hostname = h;
            n.nodename = nn;
            self.changed();
        }
        let shard = match (shard, master) {
            (_, Some(m)) => self.idx(&m).map(|mi| self.nodes[mi].shard_id).or(shard),
            (s, None) => s,
        };
        if let Some(sid) = shard {
            if self.nodes[s].shard_id != sid {
                self.nodes[s].shard_id = sid;
                self.changed();
            }
        }
    }

    // ---------------------------------------------------------------------------------
    // The timer's share (called from `cron`)

    /// Drop handshakes that timed out; open an outbound link to every node that has an
    /// address and no link.
    pub(super) fn connect_links(&mut self) {
        let now = self.now;
        let hs_timeout = self.set.node_timeout.max(1000);
        let mut i = 0;
        while i < self.nodes.len() {
            let n = &self.nodes[i];
            if n.id == self.myself || n.flags.contains(NodeFlags::NOADDR) {
                i += 1;
                continue;
            }
            if n.in_handshake() && now.saturating_sub(n.ctime) > hs_timeout {
                self.del_node(i);
                continue;
            }
            if n.link.is_none() && !n.ip.is_empty() && n.cport != 0 {
                let link = self.next_link;
                self.next_link += 1;
                self.links.insert(
                    link,
                    Link {
                        node: Some(n.id),
                        outbound: true,
                        ctime: now,
                        peer_ip: n.ip.clone(),
                        local_ip: String::new(),
                        connected: false,
                    },
                );
                let (ip, port) = (n.ip.clone(), n.cport);
                self.nodes[i].link = Some(link);
                self.out.push(Out::Connect { link, ip, port });
            }
            i += 1;
        }
    }

    /// Once a second: PING the node with the oldest pong among a few random ones.
    pub(super) fn ping_a_random_node(&mut self) {
        let mut rng = rand::thread_rng();
        let mut best: Option<usize> = None;
        for _ in 0..5 {
            if self.nodes.is_empty() {
                break;
            }
            let j = rng.gen_range(0..self.nodes.len());
            let n = &self.nodes[j];
            if n.id == self.myself
                || n.in_handshake()
                || n.ping_sent != 0
                || !n
                    .link
                    .is_some_and(|l| self.links.get(&l).is_some_and(|l| l.connected))
            {
                continue;
            }
            if best.is_none_or(|b| n.pong_received < self.nodes[b].pong_received) {
                best = Some(j);
            }
        }
        if let Some(b) = best {
            let l = self.nodes[b].link.unwrap();
            self.send_ping(l, 0);
        }
    }

    /// Node `i`'s outbound link: dropped when it stayed silent past node-timeout (the
    /// next cron reconnects), or used to PING a node whose last pong is older than
    /// node-timeout/2. True if a PING was sent.
    pub(super) fn keep_link_alive(&mut self, i: usize) -> bool {
        let now = self.now;
        let timeout = self.set.node_timeout;
        let n = &self.nodes[i];
        let Some(l) = n.link else {
            return false;
        };
        let ping_delay = now.saturating_sub(n.ping_sent);
        let data_delay = now.saturating_sub(n.data_received);
        let (lctime, connected) = self
            .links
            .get(&l)
            .map_or((now, false), |l| (l.ctime, l.connected));
        if now.saturating_sub(lctime) > timeout
            && n.ping_sent != 0
            && ping_delay > timeout / 2
            && data_delay > timeout / 2
        {
            self.free_link(l);
        } else if connected && n.ping_sent == 0 && now.saturating_sub(n.pong_received) > timeout / 2
        {
            self.send_ping(l, 0);
            return true;
        }
        false
    }
}
