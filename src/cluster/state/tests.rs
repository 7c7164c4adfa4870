//! The state machine driven by an in-process network: frames are delivered between
//! `Cluster`s by a tiny router, time is set by hand. Deterministic, no sockets.
//!
//! Owns the scenarios that cross the parts of `state` (handshake and gossip, failure
//! detection, UPDATE, admin operations, nodes.conf). Must not open sockets, sleep or
//! read the clock: a test advances `now` itself and waits on conditions.

use super::*;
use std::collections::HashMap;

struct Net {
    nodes: Vec<Cluster>,
    /// (node, link) → (peer node, peer link)
    pairs: HashMap<(usize, LinkId), (usize, LinkId)>,
    /// Nodes cut off: nothing is delivered to or from them.
    down: Vec<bool>,
    _dir: std::path::PathBuf,
}

impl Drop for Net {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self._dir);
    }
}

impl Net {
    fn new(n: usize) -> Net {
        let dir = std::env::temp_dir().join(format!(
            "slotcore-state-test-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let nodes = (0..n)
            .map(|i| {
                let set = Settings::new(
                    7000 + i as u16,
                    17000 + i as u16,
                    dir.join(format!("nodes-{i}.conf")),
                );
                Cluster::load(set, 1_000_000).unwrap()
            })
            .collect();
        Net {
            nodes,
            pairs: HashMap::new(),
            down: vec![false; n],
            _dir: dir,
        }
    }

    fn set_time(&mut self, now: u64) {
        for n in &mut self.nodes {
            n.now = now;
        }
    }

    /// Deliver everything queued until the network is quiet.
    fn pump(&mut self) {
        for _ in 0..1000 {
            let mut moved = false;
            for i in 0..self.nodes.len() {
                let outs = std::mem::take(&mut self.nodes[i].out);
                self.nodes[i].effects.clear();
                for o in outs {
                    moved = true;
                    self.route(i, o);
                }
                self.nodes[i].settle();
            }
            if !moved {
                return;
            }
        }
        panic!("network never went quiet");
    }

    fn route(&mut self, i: usize, o: Out) {
        match o {
            Out::Connect { link, port, .. } => {
                let target = self.nodes.iter().position(|n| n.set.cport == port);
                match target {
                    Some(t) if !self.down[t] && !self.down[i] => {
                        let peer = self.nodes[t].on_accept("127.0.0.1".into(), "127.0.0.1".into());
                        self.pairs.insert((i, link), (t, peer));
                        self.pairs.insert((t, peer), (i, link));
                        self.nodes[i].on_connected(link, "127.0.0.1".into());
                    }
                    _ => self.nodes[i].on_link_closed(link),
                }
            }
            Out::Send { link, data } => {
                if let Some(&(t, peer)) = self.pairs.get(&(i, link)) {
                    if !self.down[t] && !self.down[i] {
                        self.nodes[t].on_frame(peer, &data);
                    }
                }
            }
            Out::Close { link } => {
                if let Some((t, peer)) = self.pairs.remove(&(i, link)) {
                    self.pairs.remove(&(t, peer));
                    self.nodes[t].on_link_closed(peer);
                }
            }
        }
    }

    /// Cut a node off: its links break (both sides see them close).
    fn kill(&mut self, i: usize) {
        self.down[i] = true;
        let gone: Vec<((usize, LinkId), (usize, LinkId))> = self
            .pairs
            .iter()
            .filter(|(a, b)| a.0 == i || b.0 == i)
            .map(|(a, b)| (*a, *b))
            .collect();
        for (a, b) in gone {
            self.pairs.remove(&a);
            if b.0 != i && self.pairs.remove(&b).is_some() {
                self.nodes[b.0].on_link_closed(b.1);
            }
        }
    }

    /// Run the 100 ms cron on every live node for `ms`, pumping between ticks.
    fn run(&mut self, from: u64, ms: u64) -> u64 {
        let mut t = from;
        while t < from + ms {
            t += 100;
            self.set_time(t);
            for i in 0..self.nodes.len() {
                if !self.down[i] {
                    self.nodes[i].cron();
                }
            }
            self.pump();
        }
        t
    }

    fn id(&self, i: usize) -> NodeId {
        self.nodes[i].myself
    }

    fn knows_all(&self) -> bool {
        self.nodes
            .iter()
            .all(|n| n.nodes.len() == self.nodes.len() && n.nodes.iter().all(|m| !m.in_handshake()))
    }
}

/// Three masters met and given a third of the slots each, settled.
fn three() -> (Net, u64) {
    let mut net = Net::new(3);
    net.nodes[1].meet("127.0.0.1", 7000, 17000);
    net.nodes[2].meet("127.0.0.1", 7000, 17000);
    // Gossip is random (one entry per PING with three nodes): allow up to 60 s of
    // simulated time, as a real cluster of three may need several seconds.
    let mut t = 1_000_000;
    while !net.knows_all() && t < 1_060_000 {
        t = net.run(t, 500);
    }
    assert!(net.knows_all(), "handshakes did not complete");
    let thirds = [(0u16, 5460u16), (5461, 10922), (10923, 16383)];
    for (i, (a, b)) in thirds.iter().enumerate() {
        let slots: Vec<u16> = (*a..=*b).collect();
        net.nodes[i].add_slots(&slots).unwrap();
    }
    t = net.run(t, 5000);
    for n in &net.nodes {
        assert!(n.state_ok, "cluster_state not ok");
    }
    (net, t)
}

#[test]
fn handshake_gossip_and_slots_converge() {
    let (net, _) = three();
    for (i, n) in net.nodes.iter().enumerate() {
        for s in [0u16, 5461, 16383] {
            let owner = n.slot_owner(s).map(|o| n.nodes[o].id);
            let expect = net.id(match s {
                0..=5460 => 0,
                5461..=10922 => 1,
                _ => 2,
            });
            assert_eq!(owner, Some(expect), "node {i} slot {s}");
        }
        // Everyone learned its own address from a peer.
        assert_eq!(n.me().ip, "127.0.0.1", "node {i}");
    }
    // Epoch collisions resolved: three masters, three distinct configEpochs.
    let mut epochs: Vec<u64> = net.nodes.iter().map(|n| n.me().config_epoch).collect();
    epochs.sort();
    epochs.dedup();
    assert_eq!(epochs.len(), 3, "config epochs collide: {epochs:?}");
}

#[test]
fn a_dead_master_is_failed_by_the_majority() {
    let (mut net, t) = three();
    let dead = net.id(2);
    net.kill(2);
    // Not before node timeout...
    let t = net.run(t, 10_000);
    for i in 0..2 {
        let n = &net.nodes[i];
        let d = &n.nodes[n.idx(&dead).unwrap()];
        assert!(!d.flags.contains(NodeFlags::FAIL), "failed too early");
    }
    // ... and by a majority within twice the node timeout.
    net.run(t, 20_000);
    for i in 0..2 {
        let n = &net.nodes[i];
        let d = &n.nodes[n.idx(&dead).unwrap()];
        assert!(
            d.flags.contains(NodeFlags::FAIL),
            "node {i} did not fail it"
        );
        assert!(!n.state_ok, "full coverage lost: state must be fail");
    }
}

#[test]
fn a_stale_owner_gets_an_update_and_becomes_a_replica() {
    let (mut net, _) = three();
    let a = net.id(0);
    // C is cut off (its links stay open on both sides: a silent partition).
    net.down[2] = true;
    let c_slots: Vec<u16> = (10923..=16383).collect();
    net.nodes[0].del_slots(&c_slots).unwrap();
    net.nodes[0].add_slots(&c_slots).unwrap();
    // BUMPEPOCH leaves A alone when its epoch is already the greatest.
    net.nodes[0].bump_epoch();
    let c_epoch = net.nodes[2].me().config_epoch;
    assert!(net.nodes[0].me().config_epoch > c_epoch);
    // A tells B (one PING on A's link to B).
    let b_idx = net.nodes[0].idx(&net.id(1)).unwrap();
    let link = net.nodes[0].nodes[b_idx].link.unwrap();
    net.nodes[0].send_ping(link, 0);
    net.pump();
    let b = &net.nodes[1];
    assert_eq!(b.slot_owner(12000).map(|o| b.nodes[o].id), Some(a));
    // C comes back and PINGs A first, claiming its old slots with its old epoch.
    net.down[2] = false;
    let a_in_c = net.nodes[2].idx(&a).unwrap();
    let link = net.nodes[2].nodes[a_in_c].link.unwrap();
    net.nodes[2].send_ping(link, 0);
    net.pump();
    assert_eq!(net.nodes[0].sent[MsgKind::UPDATE], 1, "A sent no UPDATE");
    assert_eq!(net.nodes[2].received[MsgKind::UPDATE], 1);
    let cn = &net.nodes[2];
    assert_eq!(cn.slot_owner(12000).map(|o| cn.nodes[o].id), Some(a));
    assert!(cn.me().is_replica(), "C kept its role");
    assert_eq!(cn.me().master, Some(a));
    assert_eq!(cn.slot_count(cn.me_uid()), 0);
}

#[test]
fn announced_ports_are_what_peers_see() {
    let mut net = Net::new(2);
    net.nodes[0].set.announce_port = 9000;
    net.nodes[0].refresh_announced();
    net.nodes[1].meet("127.0.0.1", 7000, 17000);
    let mut t = 1_000_000;
    while !net.knows_all() && t < 1_060_000 {
        t = net.run(t, 500);
    }
    assert!(net.knows_all());
    let a = net.id(0);
    let b = &net.nodes[1];
    let seen = &b.nodes[b.idx(&a).unwrap()];
    assert_eq!((seen.port, seen.cport), (9000, 17000));
    assert_eq!(net.nodes[0].me().port, 9000);
}

#[test]
fn nodes_conf_round_trips_identity_epochs_and_slots() {
    let (mut net, _) = three();
    net.nodes[1].save().unwrap();
    let n = &net.nodes[1];
    let again = Cluster::load(n.set.clone(), 2_000_000).unwrap();
    assert_eq!(again.myself, n.myself);
    assert_eq!(again.current_epoch, n.current_epoch);
    assert_eq!(again.me().config_epoch, n.me().config_epoch);
    assert_eq!(again.nodes.len(), 3);
    for s in [0u16, 6000, 16383] {
        let o1 = n.slot_owner(s).map(|o| n.nodes[o].id);
        let o2 = again.slot_owner(s).map(|o| again.nodes[o].id);
        assert_eq!(o1, o2, "slot {s}");
    }
}

/// Message type indexes for the stats arrays.
struct MsgKind;
impl MsgKind {
    const UPDATE: usize = 7;
}
