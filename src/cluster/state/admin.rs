//! The operations CLUSTER subcommands call to change this node's state: MEET, ADDSLOTS,
//! DELSLOTS, FLUSHSLOTS, SETSLOT, BUMPEPOCH, FORGET, REPLICATE, RESET,
//! SET-CONFIG-EPOCH. Each checks its preconditions and returns Redis's error text
//! (without "ERR "); `commands.rs` parses the arguments and writes the replies.
//!
//! Must not parse arguments, write replies or build bus messages itself: a change is
//! made on the state and marked (`changed`), and the gossip part tells the others. The
//! rules follow Redis 7.2 (see ../shared/reference/cluster-commands.md).

use super::{random_id, Cluster, Effect, NONE};
use crate::cluster::bus::nodes_conf::{NodeFlags, NodeId};
use crate::cluster::bus::wire;

impl Cluster {
    pub fn meet(&mut self, ip: &str, port: u16, cport: u16) {
        let exists = self
            .nodes
            .iter()
            .any(|n| n.in_handshake() && n.ip == ip && n.port == port && n.cport == cport);
        if exists {
            return;
        }
        let mut n = self.new_node(random_id(), NodeFlags::HANDSHAKE);
        n.flags.insert(NodeFlags::MEET);
        n.ip = ip.to_string();
        n.port = port;
        n.cport = cport;
        self.nodes.push(n);
        self.changed();
    }

    pub fn add_slots(&mut self, slots: &[u16]) -> Result<(), String> {
        let mut seen = vec![false; wire::SLOTS];
        for &s in slots {
            if self.owner[s as usize] != NONE {
                return Err(format!("Slot {s} is already busy"));
            }
            if seen[s as usize] {
                return Err(format!("Slot {s} specified multiple times"));
            }
            seen[s as usize] = true;
        }
        let me = self.me_uid();
        for &s in slots {
            self.importing.remove(&s);
            self.owner[s as usize] = me;
            self.not_claiming[s as usize] = false;
        }
        self.changed();
        Ok(())
    }

    pub fn del_slots(&mut self, slots: &[u16]) -> Result<(), String> {
        let mut seen = vec![false; wire::SLOTS];
        for &s in slots {
            if self.owner[s as usize] == NONE {
                return Err(format!("Slot {s} is already unassigned"));
            }
            if seen[s as usize] {
                return Err(format!("Slot {s} specified multiple times"));
            }
            seen[s as usize] = true;
        }
        for &s in slots {
            // As Redis: only an import is closed; a migration mark stays.
            self.importing.remove(&s);
            self.owner[s as usize] = NONE;
        }
        self.changed();
        Ok(())
    }

    pub fn flush_slots(&mut self) {
        let me = self.me_uid();
        for o in self.owner.iter_mut() {
            if *o == me {
                *o = NONE;
            }
        }
        self.changed();
    }

    pub fn setslot(&mut self, slot: u16, action: &str, node: Option<&[u8]>) -> Result<(), String> {
        let lookup = |c: &Cluster, raw: &[u8]| NodeId::from_bytes(raw).and_then(|id| c.idx(&id));
        let shown = |raw: &[u8]| crate::command::error::c_str(raw, usize::MAX).into_owned();
        // The other node of a migration: known, and a master.
        let peer = |c: &Cluster, raw: &[u8]| -> Result<NodeId, String> {
            let Some(i) = lookup(c, raw) else {
                return Err(format!("I don't know about node {}", shown(raw)));
            };
            if c.nodes[i].is_replica() {
                return Err("Target node is not a master".into());
            }
            Ok(c.nodes[i].id)
        };
        let me_uid = self.me_uid();
        match action {
            "migrating" => {
                if self.owner[slot as usize] != me_uid {
                    return Err(format!("I'm not the owner of hash slot {slot}"));
                }
                let id = peer(self, node.unwrap())?;
                self.migrating.insert(slot, id);
            }
            "importing" => {
                if self.owner[slot as usize] == me_uid {
                    return Err(format!("I'm already the owner of hash slot {slot}"));
                }
                let id = peer(self, node.unwrap())?;
                self.importing.insert(slot, id);
            }
            "stable" => {
                self.migrating.remove(&slot);
                self.importing.remove(&slot);
            }
            _ => {
                let raw = node.unwrap();
                let Some(i) = lookup(self, raw) else {
                    return Err(format!("Unknown node {}", shown(raw)));
                };
                if self.nodes[i].is_replica() {
                    return Err("Target node is not a master".into());
                }
                let target = self.nodes[i].uid;
                let keys = self.slot_keys(slot);
                let was_mine = self.owner[slot as usize] == me_uid;
                if was_mine && target != me_uid && keys > 0 {
                    return Err(format!("Can't assign hashslot {slot} to a different node while I still hold keys for this hash slot."));
                }
                if keys == 0 {
                    self.migrating.remove(&slot);
                }
                self.owner[slot as usize] = target;
                self.not_claiming[slot as usize] = false;
                if was_mine
                    && target != me_uid
                    && self.slot_count(me_uid) == 0
                    && self.set.allow_replica_migration
                {
                    self.become_replica_of(i);
                }
                if target == me_uid && self.importing.remove(&slot).is_some() {
                    self.bump_epoch();
                    self.changed();
                    self.broadcast_pong();
                }
            }
        }
        self.changed();
        Ok(())
    }

    /// BUMPEPOCH's rule; true if the epoch moved.
    pub fn bump_epoch(&mut self) -> bool {
        let max = self
            .nodes
            .iter()
            .map(|n| n.config_epoch)
            .max()
            .unwrap_or(0)
            .max(self.current_epoch);
        let mine = self.me().config_epoch;
        if mine == 0 || mine != max {
            self.current_epoch += 1;
            let e = self.current_epoch;
            self.me_mut().config_epoch = e;
            self.changed();
            true
        } else {
            false
        }
    }

    pub fn forget(&mut self, raw: &[u8]) -> Result<(), String> {
        let shown = crate::command::error::c_str(raw, usize::MAX).into_owned();
        let Some(id) = NodeId::from_bytes(raw) else {
            return Err(format!("Unknown node {shown}"));
        };
        let Some(i) = self.idx(&id) else {
            if self.blacklisted(&id) {
                return Ok(());
            }
            return Err(format!("Unknown node {shown}"));
        };
        if id == self.myself {
            return Err("I tried hard but I can't forget myself...".into());
        }
        if self.me().is_replica() && self.me().master == Some(id) {
            return Err("Can't forget my master!".into());
        }
        let exp = self.now / 1000 + 60;
        self.blacklist_add(id, exp);
        self.del_node(i);
        Ok(())
    }

    pub fn replicate(&mut self, raw: &[u8], db_keys: u64) -> Result<(), String> {
        let shown = crate::command::error::c_str(raw, usize::MAX).into_owned();
        let Some(i) = NodeId::from_bytes(raw).and_then(|id| self.idx(&id)) else {
            return Err(format!("Unknown node {shown}"));
        };
        if self.nodes[i].id == self.myself {
            return Err("Can't replicate myself".into());
        }
        if self.nodes[i].is_replica() {
            return Err("I can only replicate a master, not a replica.".into());
        }
        if self.me().is_master() && (self.slot_count(self.me_uid()) > 0 || db_keys > 0) {
            return Err(
                "To set a master the node must be empty and without assigned slots.".into(),
            );
        }
        self.become_replica_of(i);
        Ok(())
    }

    pub fn reset(&mut self, hard: bool) {
        if self.me().is_replica() {
            let me = self.me_mut();
            me.flags.remove(NodeFlags::SLAVE);
            me.flags.insert(NodeFlags::MASTER);
            me.master = None;
            // Its data was its master's: drop every key.
            self.effects
                .push(Effect::DropSlots((0..wire::SLOTS as u16).collect()));
        }
        self.migrating.clear();
        self.importing.clear();
        for o in self.owner.iter_mut() {
            *o = NONE;
        }
        let me_id = self.myself;
        while let Some(i) = self.nodes.iter().position(|n| n.id != me_id) {
            self.del_node(i);
        }
        self.blacklist.clear();
        if hard {
            self.current_epoch = 0;
            self.last_vote_epoch = 0;
            let new = random_id();
            self.myself = new;
            let me = self.me_idx_by_flag();
            self.nodes[me].id = new;
            self.nodes[me].config_epoch = 0;
            self.nodes[me].shard_id = random_id();
        }
        self.changed();
    }

    fn me_idx_by_flag(&self) -> usize {
        self.nodes
            .iter()
            .position(|n| n.flags.contains(NodeFlags::MYSELF))
            .expect("myself")
    }

    pub fn set_config_epoch(&mut self, epoch: u64) -> Result<(), String> {
        if self.nodes.len() != 1 {
            return Err(
                "The user can assign a config epoch only when the node does not know any other node."
                    .into(),
            );
        }
        if self.me().config_epoch != 0 {
            return Err("Node config epoch is already non-zero".into());
        }
        self.me_mut().config_epoch = epoch;
        if self.current_epoch < epoch {
            self.current_epoch = epoch;
        }
        self.changed();
        Ok(())
    }
}
