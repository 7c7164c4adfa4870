//! The authoritative cluster state of one node, as the bus core keeps it: nodes, epochs,
//! slot owners, failure reports, migration marks. Pure logic: frames and timer ticks come
//! in, frames to send and link operations go out ([`Out`]), effects on the shards go out
//! as [`Effect`], so the rules (handshake, gossip, PFAIL → FAIL, configEpoch, UPDATE) are
//! testable without sockets. The rules follow Redis 7.2 (see
//! ../shared/reference/cluster-bus.md §5–7); deviations are noted where made.
//!
//! One `Cluster`, one `impl Cluster` block per role, one file each:
//!
//! ```text
//!  net.rs (bus core) ── on_accept / on_connected / on_link_closed / on_frame ──▶ gossip.rs
//!                    ── cron, every 100 ms ──▶ mod.rs `cron` ──▶ gossip.rs  links, pings
//!                                                          └──▶ failure.rs PFAIL/FAIL,
//!                                                               (failover), cluster_state
//!                    ◀── out (frames, link ops), effects, dirty_config/dirty_view ── settle
//!  commands.rs ── meet / add_slots / setslot / forget / replicate / reset … ──▶ admin.rs
//!              ── records / owner_indexes / failure_reports / save ──▶ mod.rs, failure.rs
//! ```
//!
//! - this file: the types (`Cluster`, `Node`, `Link`, `Settings`, `Out`, `Effect`),
//!   nodes.conf load and save, lookups, the node-table changes that gossip and admin
//!   share (`del_node`, `become_replica_of`, the FORGET blacklist), the timer's order,
//!   and the views (records, owner indexes).
//! - `gossip.rs`: the bus protocol: link events, handshake, PING/PONG/MEET and their
//!   gossip, addresses and roles, slot owners from headers and UPDATE, epoch collisions,
//!   PUBLISH, the timer's link and ping share.
//! - `failure.rs`: PFAIL/FAIL, failure reports, FAIL messages, cluster_state; replica
//!   elections and manual failover go there next.
//! - `admin.rs`: what CLUSTER subcommands call to change the state.
//! - `tests.rs`: scenarios on an in-process network.
//!
//! The parts are child modules, so they share this file's private fields and helpers; a
//! method one part calls in another is `pub(super)`, and only what net.rs, commands.rs
//! and server.rs call is `pub`. Nothing here does I/O except reading and writing
//! nodes.conf, and nothing touches a shard's keyspace: keys go through
//! `Effect::DropSlots`.

use super::bus::nodes_conf::{
    self, LinkState, NodeFlags, NodeId, NodeRecord, NodesConf, SlotMove, SlotRange,
};
use super::bus::wire::{self, IpField, NodeName, SlotBitmap};
use rand::Rng;
use std::collections::BTreeMap;
use std::path::PathBuf;

mod admin;
mod failure;
mod gossip;

pub type LinkId = u64;

/// "No node" in the slot owner table.
pub const NONE: u32 = 0;

/// What the network layer must do.
#[derive(Debug)]
pub enum Out {
    /// Open an outbound link to ip:port; report with `on_connected` / `on_link_closed`.
    Connect { link: LinkId, ip: String, port: u16 },
    /// Queue bytes on a link.
    Send { link: LinkId, data: Vec<u8> },
    /// Close a link (no `on_link_closed` follows).
    Close { link: LinkId },
}

/// Effects on the rest of the process (the shards), collected per event.
#[derive(Debug, PartialEq, Eq)]
pub enum Effect {
    /// Messages of PUBLISH (false) / PUBLISHSHARD (true) from another node.
    Deliver {
        shard: bool,
        channel: Vec<u8>,
        message: Vec<u8>,
    },
    /// Delete every key in these slots (they now belong to another node).
    DropSlots(Vec<u16>),
}

/// Settings the bus reads from the configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub port: u16,
    pub cport: u16,
    pub node_timeout: u64,
    pub config_file: PathBuf,
    pub require_full_coverage: bool,
    pub allow_replica_migration: bool,
    pub announce_ip: String,
    /// `cluster-announce-port` / `cluster-announce-bus-port` (0: the real ones).
    pub announce_port: u16,
    pub announce_bus_port: u16,
    pub announce_hostname: String,
    pub announce_nodename: String,
}

impl Settings {
    /// A node on `port` / `cport` with its nodes file, Redis's defaults otherwise
    /// (node timeout 15 s, full coverage required, replica migration allowed).
    pub fn new(port: u16, cport: u16, config_file: PathBuf) -> Settings {
        Settings {
            port,
            cport,
            node_timeout: 15000,
            config_file,
            require_full_coverage: true,
            allow_replica_migration: true,
            announce_ip: String::new(),
            announce_port: 0,
            announce_bus_port: 0,
            announce_hostname: String::new(),
            announce_nodename: String::new(),
        }
    }
}

/// A node as this node knows it.
#[derive(Clone, Debug)]
pub struct Node {
    /// Stable handle for the slot table (ids change when a handshake completes).
    pub uid: u32,
    pub id: NodeId,
    pub flags: NodeFlags,
    pub ip: String,
    pub port: u16,
    pub cport: u16,
    pub pport: u16,
    pub hostname: String,
    pub nodename: String,
    pub shard_id: NodeId,
    pub master: Option<NodeId>,
    pub config_epoch: u64,
    pub ping_sent: u64,
    pub pong_received: u64,
    pub data_received: u64,
    pub fail_time: u64,
    pub ctime: u64,
    pub repl_offset: u64,
    /// (reporting master, when)
    pub fail_reports: Vec<(NodeId, u64)>,
    /// Our outbound link.
    pub link: Option<LinkId>,
    /// The sender's inbound link, once identified.
    pub inbound: Option<LinkId>,
}

impl Node {
    fn is_master(&self) -> bool {
        self.flags.contains(NodeFlags::MASTER)
    }
    fn is_replica(&self) -> bool {
        self.flags.contains(NodeFlags::SLAVE)
    }
    fn in_handshake(&self) -> bool {
        self.flags.contains(NodeFlags::HANDSHAKE)
    }
    fn failing(&self) -> bool {
        self.flags.contains(NodeFlags::PFAIL) || self.flags.contains(NodeFlags::FAIL)
    }
}

#[derive(Clone, Debug)]
pub struct Link {
    pub node: Option<NodeId>,
    pub outbound: bool,
    pub ctime: u64,
    pub peer_ip: String,
    pub local_ip: String,
    pub connected: bool,
}

/// Counters by bus message type (0..=10).
pub type Stats = [u64; 11];

pub struct Cluster {
    pub set: Settings,
    pub myself: NodeId,
    pub nodes: Vec<Node>,
    next_uid: u32,
    /// Owner uid per slot (NONE: unassigned).
    pub owner: Vec<u32>,
    /// Slots whose owner stopped claiming them (still bound, see §7.2).
    not_claiming: Vec<bool>,
    pub migrating: BTreeMap<u16, NodeId>,
    pub importing: BTreeMap<u16, NodeId>,
    pub current_epoch: u64,
    pub last_vote_epoch: u64,
    pub state_ok: bool,
    pub size: usize,
    first_state_call: u64,
    among_minority_time: u64,
    /// FORGET blacklist: id → expiry (unix s).
    pub blacklist: Vec<(NodeId, u64)>,
    pub links: BTreeMap<LinkId, Link>,
    next_link: LinkId,
    pub sent: Stats,
    pub received: Stats,
    cron_iter: u64,
    pub out: Vec<Out>,
    pub effects: Vec<Effect>,
    /// State changed: save nodes.conf, republish the view.
    pub dirty_config: bool,
    /// The next save must be fsynced (slot owners changed by gossip or UPDATE).
    fsync_config: bool,
    /// (currentEpoch, my configEpoch, lastVoteEpoch) at the last save.
    saved_epochs: (u64, u64, u64),
    pub dirty_view: bool,
    need_update_state: bool,
    pub now: u64,
    /// Keys per slot on this node, kept by its shard (handed in at start-up; empty in
    /// the socket-free tests).
    pub keys: std::sync::Arc<super::KeyCounts>,
}

pub fn random_id() -> NodeId {
    let mut rng = rand::thread_rng();
    let s: String = (0..40)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap())
        .collect();
    NodeId::parse(&s).expect("hex id")
}

fn name_of(id: &NodeId) -> NodeName {
    NodeName(*id.as_bytes())
}

fn id_of(name: &NodeName) -> Option<NodeId> {
    NodeId::from_bytes(name.as_bytes())
}

fn ip_text(f: &IpField) -> String {
    String::from_utf8_lossy(f.as_bytes()).into_owned()
}

impl Cluster {
    /// A fresh node, or the one nodes.conf describes. Errors are fatal at start-up (Redis
    /// exits on a corrupted config).
    pub fn load(set: Settings, now: u64) -> Result<Cluster, String> {
        let mut c = Cluster {
            myself: random_id(),
            set,
            nodes: Vec::new(),
            next_uid: 1,
            owner: vec![NONE; wire::SLOTS],
            not_claiming: vec![false; wire::SLOTS],
            migrating: BTreeMap::new(),
            importing: BTreeMap::new(),
            current_epoch: 0,
            last_vote_epoch: 0,
            state_ok: false,
            size: 0,
            first_state_call: 0,
            among_minority_time: 0,
            blacklist: Vec::new(),
            links: BTreeMap::new(),
            next_link: 1,
            sent: [0; 11],
            received: [0; 11],
            cron_iter: 0,
            out: Vec::new(),
            effects: Vec::new(),
            dirty_config: true,
            fsync_config: true,
            saved_epochs: (0, 0, 0),
            dirty_view: true,
            need_update_state: true,
            now,
            keys: Default::default(),
        };
        let conf = nodes_conf::load(&c.set.config_file).map_err(|e| {
            format!(
                "Unrecoverable error: corrupted cluster config file \"{}\": {e}",
                c.set.config_file.display()
            )
        })?;
        match conf {
            None => {
                let id = c.myself;
                let mut n = c.new_node(id, NodeFlags::MYSELF);
                n.flags.insert(NodeFlags::MASTER);
                n.port = c.set.port;
                n.cport = c.set.cport;
                n.ip = c.set.announce_ip.clone();
                c.nodes.push(n);
            }
            Some(conf) => c.apply_conf(conf)?,
        }
        c.refresh_announced();
        Ok(c)
    }

    fn apply_conf(&mut self, conf: NodesConf) -> Result<(), String> {
        let me = conf
            .myself()
            .ok_or("corrupted cluster config: no myself node")?
            .id;
        self.myself = me;
        self.current_epoch = conf.current_epoch;
        self.last_vote_epoch = conf.last_vote_epoch;
        for r in &conf.nodes {
            let mut n = self.new_node(r.id, r.flags);
            n.flags.remove(NodeFlags::HANDSHAKE);
            n.ip = r.ip.clone();
            n.port = r.tcp_port.unwrap_or(r.port);
            n.cport = r.cport;
            n.hostname = r.hostname.clone();
            n.nodename = r.nodename.clone();
            if let Some(s) = r.shard_id {
                n.shard_id = s;
            }
            n.master = r.master;
            n.config_epoch = if n.is_replica() { 0 } else { r.config_epoch };
            if r.ping_sent != 0 {
                n.ping_sent = self.now;
            }
            if r.pong_received != 0 {
                n.pong_received = self.now;
            }
            if r.id == me {
                n.port = self.set.port;
                n.cport = self.set.cport;
                // A node whose failure was on file comes back healthy.
                n.flags.remove(NodeFlags::PFAIL);
                n.flags.remove(NodeFlags::FAIL);
                n.config_epoch = r.config_epoch;
            }
            let uid = n.uid;
            self.nodes.push(n);
            for range in &r.slots {
                for s in range.start..=range.end {
                    self.owner[s as usize] = uid;
                }
            }
            if r.id == me {
                for m in &r.migrating {
                    self.migrating.insert(m.slot, m.node);
                }
                for m in &r.importing {
                    self.importing.insert(m.slot, m.node);
                }
            }
        }
        // Replicas written without shard-id inherit their master's.
        for i in 0..self.nodes.len() {
            if let Some(m) = self.nodes[i].master {
                if let Some(mi) = self.idx(&m) {
                    let sid = self.nodes[mi].shard_id;
                    self.nodes[i].shard_id = sid;
                }
            }
        }
        let max_epoch = self.nodes.iter().map(|n| n.config_epoch).max().unwrap_or(0);
        self.current_epoch = self.current_epoch.max(max_epoch);
        Ok(())
    }

    fn new_node(&mut self, id: NodeId, flags: NodeFlags) -> Node {
        let uid = self.next_uid;
        self.next_uid += 1;
        Node {
            uid,
            id,
            flags,
            ip: String::new(),
            port: 0,
            cport: 0,
            pport: 0,
            hostname: String::new(),
            nodename: String::new(),
            shard_id: random_id(),
            master: None,
            config_epoch: 0,
            ping_sent: 0,
            pong_received: 0,
            data_received: 0,
            fail_time: 0,
            ctime: self.now,
            repl_offset: 0,
            fail_reports: Vec::new(),
            link: None,
            inbound: None,
        }
    }

    /// The client port others should use (announced, or the real one).
    fn my_port(&self) -> u16 {
        match self.set.announce_port {
            0 => self.set.port,
            p => p,
        }
    }

    /// The bus port others should use (announced, or the real one).
    fn my_cport(&self) -> u16 {
        match self.set.announce_bus_port {
            0 => self.set.cport,
            p => p,
        }
    }

    /// Re-read announced names into myself (CONFIG SET may change them).
    pub fn refresh_announced(&mut self) {
        let (port, cport) = (self.my_port(), self.my_cport());
        let me = self.me_mut();
        if me.port != port || me.cport != cport {
            me.port = port;
            me.cport = cport;
            self.changed();
        }
        let h = self.set.announce_hostname.clone();
        let n = self.set.announce_nodename.clone();
        let ip = self.set.announce_ip.clone();
        let me = self.me_mut();
        if me.hostname != h || me.nodename != n {
            me.hostname = h;
            me.nodename = n;
            self.dirty_config = true;
        }
        if !ip.is_empty() && self.me().ip != ip {
            self.me_mut().ip = ip;
            self.dirty_config = true;
        }
    }

    // ---------------------------------------------------------------------------------
    // Lookups

    pub fn idx(&self, id: &NodeId) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == *id)
    }

    fn idx_uid(&self, uid: u32) -> Option<usize> {
        if uid == NONE {
            return None;
        }
        self.nodes.iter().position(|n| n.uid == uid)
    }

    pub fn me_idx(&self) -> usize {
        self.idx(&self.myself).expect("myself is always known")
    }

    pub fn me(&self) -> &Node {
        let i = self.me_idx();
        &self.nodes[i]
    }

    fn me_mut(&mut self) -> &mut Node {
        let i = self.me_idx();
        &mut self.nodes[i]
    }

    fn me_uid(&self) -> u32 {
        self.me().uid
    }

    /// The node owning `slot`, if any.
    pub fn slot_owner(&self, slot: u16) -> Option<usize> {
        self.idx_uid(self.owner[slot as usize])
    }

    pub fn slot_count(&self, uid: u32) -> usize {
        self.owner.iter().filter(|&&o| o == uid).count()
    }

    fn bitmap_of(&self, uid: u32) -> SlotBitmap {
        let mut b = SlotBitmap::default();
        for (s, &o) in self.owner.iter().enumerate() {
            if o == uid {
                b.insert(s as u16);
            }
        }
        b
    }

    /// Keys this node holds in `slot` (the shards keep the counts).
    fn slot_keys(&self, slot: u16) -> u64 {
        self.keys.get(slot)
    }

    /// Myself if master, else my master (if known).
    fn my_master_idx(&self) -> Option<usize> {
        let me = self.me();
        if me.is_master() {
            Some(self.me_idx())
        } else {
            me.master.and_then(|m| self.idx(&m))
        }
    }

    fn changed(&mut self) {
        self.dirty_config = true;
        self.dirty_view = true;
        self.need_update_state = true;
    }

    // ---------------------------------------------------------------------------------
    // Node-table changes that both the bus (gossip.rs) and the commands (admin.rs) make

    /// Forget node `i`: its links closed, its slots unbound, every mention of it gone.
    fn del_node(&mut self, i: usize) {
        let n = self.nodes.remove(i);
        if let Some(l) = n.link {
            self.free_link(l);
        }
        if let Some(l) = n.inbound {
            self.free_link(l);
        }
        for o in self.owner.iter_mut() {
            if *o == n.uid {
                *o = NONE;
            }
        }
        self.migrating.retain(|_, v| *v != n.id);
        self.importing.retain(|_, v| *v != n.id);
        for m in &mut self.nodes {
            m.fail_reports.retain(|(r, _)| *r != n.id);
            if m.master == Some(n.id) {
                m.master = None;
            }
        }
        self.changed();
    }

    /// Myself turned into a replica of master `m` (my slots and migration marks go).
    fn become_replica_of(&mut self, m: usize) {
        let mid = self.nodes[m].id;
        let msid = self.nodes[m].shard_id;
        let me_uid = self.me_uid();
        for o in self.owner.iter_mut() {
            if *o == me_uid {
                *o = NONE;
            }
        }
        self.migrating.clear();
        self.importing.clear();
        let me = self.me_mut();
        me.flags.remove(NodeFlags::MASTER);
        me.flags.insert(NodeFlags::SLAVE);
        me.master = Some(mid);
        me.shard_id = msid;
        self.changed();
    }

    /// FORGET's blacklist: a forgotten node is not re-added from gossip until it expires.
    fn blacklisted(&self, id: &NodeId) -> bool {
        let now_s = self.now / 1000;
        self.blacklist.iter().any(|(b, e)| b == id && *e > now_s)
    }

    fn blacklist_add(&mut self, id: NodeId, exp: u64) {
        self.blacklist.retain(|(b, _)| *b != id);
        self.blacklist.push((id, exp));
    }

    // ---------------------------------------------------------------------------------
    // The timer

    /// The 100 ms timer (§5.6). Each part does its share, in Redis's order: links and
    /// pings (gossip.rs), then failure detection, failover and cluster_state
    /// (failure.rs).
    pub fn cron(&mut self) {
        self.cron_iter += 1;
        let now = self.now;
        self.refresh_announced();
        self.blacklist.retain(|(_, e)| *e > now / 1000);
        self.connect_links();
        if self.cron_iter % 10 == 0 {
            self.ping_a_random_node();
        }
        self.failure_cron();
    }

    // ---------------------------------------------------------------------------------
    // Views

    /// The nodes as records (for CLUSTER NODES and nodes.conf).
    pub fn records(&self) -> Vec<NodeRecord> {
        let mut ranges: BTreeMap<u32, Vec<SlotRange>> = BTreeMap::new();
        let mut s = 0usize;
        while s < wire::SLOTS {
            let o = self.owner[s];
            let start = s;
            while s + 1 < wire::SLOTS && self.owner[s + 1] == o {
                s += 1;
            }
            if o != NONE {
                ranges
                    .entry(o)
                    .or_default()
                    .push(SlotRange::new(start as u16, s as u16).unwrap());
            }
            s += 1;
        }
        self.nodes
            .iter()
            .map(|n| {
                let mut r = NodeRecord::new(n.id, &n.ip, n.port, n.cport);
                r.hostname = n.hostname.clone();
                r.nodename = n.nodename.clone();
                r.shard_id = Some(n.shard_id);
                r.flags = n.flags;
                r.master = n.master;
                r.ping_sent = n.ping_sent;
                r.pong_received = n.pong_received;
                r.config_epoch = if n.is_replica() {
                    n.master
                        .and_then(|m| self.idx(&m))
                        .map_or(n.config_epoch, |m| self.nodes[m].config_epoch)
                } else {
                    n.config_epoch
                };
                let connected = n.id == self.myself
                    || n.link
                        .is_some_and(|l| self.links.get(&l).is_some_and(|l| l.connected));
                r.link = if connected {
                    LinkState::Connected
                } else {
                    LinkState::Disconnected
                };
                r.slots = ranges.get(&n.uid).cloned().unwrap_or_default();
                if n.id == self.myself {
                    r.migrating = self
                        .migrating
                        .iter()
                        .map(|(&slot, &node)| SlotMove { slot, node })
                        .collect();
                    r.importing = self
                        .importing
                        .iter()
                        .map(|(&slot, &node)| SlotMove { slot, node })
                        .collect();
                }
                r
            })
            .collect()
    }

    /// Write nodes.conf. fsynced when an epoch moved or the bus changed slot owners
    /// since the last save (what Redis fsyncs); plain (atomic rename) otherwise.
    pub fn save(&mut self) -> std::io::Result<()> {
        self.dirty_config = false;
        let epochs = (
            self.current_epoch,
            self.me().config_epoch,
            self.last_vote_epoch,
        );
        let fsync = std::mem::take(&mut self.fsync_config) || epochs != self.saved_epochs;
        self.saved_epochs = epochs;
        let conf = NodesConf {
            nodes: self.records(),
            current_epoch: self.current_epoch,
            last_vote_epoch: self.last_vote_epoch,
        };
        nodes_conf::write_atomic_with(&self.set.config_file, &conf, fsync)
    }

    /// Slot owner table as node indexes (u16::MAX: none), for replies and the view.
    pub fn owner_indexes(&self) -> Vec<u16> {
        let index = self.uid_index();
        self.owner.iter().map(|&o| index[o as usize]).collect()
    }

    /// Node index by uid (u16::MAX: no such node, e.g. NONE).
    fn uid_index(&self) -> Vec<u16> {
        let mut index = vec![u16::MAX; self.next_uid as usize];
        for (i, n) in self.nodes.iter().enumerate() {
            index[n.uid as usize] = i as u16;
        }
        index
    }

    /// Called after every event: state, config, view.
    pub fn settle(&mut self) {
        if self.need_update_state {
            self.update_state();
        }
    }
}

#[cfg(test)]
mod tests;
