//! Failure detection and cluster_state (§6): PFAIL when a node stays silent past
//! node-timeout, failure reports gathered from masters' gossip, FAIL by a majority of
//! masters (and FAIL messages, sent and received), clearing FAIL, and the cluster_state
//! verdict (coverage, minority) that shards read through the view.
//!
//! Replica elections and manual failover come next and belong here (or in a sibling
//! `failover.rs` called from the same place), run from `failure_cron` between detection
//! and `update_state`, as Redis orders them (see ../shared/reference/cluster-failover.md,
//! cluster-bus.md §6.1).
//!
//! Must not send anything but FAIL itself: PINGs and links are the gossip part's
//! (`keep_link_alive`); slot owners change only through gossip, UPDATE or admin.

use super::{id_of, name_of, Cluster};
use crate::cluster::bus::nodes_conf::{NodeFlags, NodeId};
use crate::cluster::bus::wire::{Body, Message, NodeName};

impl Cluster {
    /// The cron's share (every 100 ms): detection, then (next) failover, then
    /// cluster_state.
    pub(super) fn failure_cron(&mut self) {
        let update = self.detect_failures();
        // Replica elections and manual failover will run here (Redis: after detection,
        // before the state is recomputed).
        if update || !self.state_ok || self.need_update_state {
            self.update_state();
        }
    }

    /// PFAIL every node that has not answered a PING nor sent anything for longer than
    /// node-timeout (links kept alive on the way); true if one was marked.
    fn detect_failures(&mut self) -> bool {
        let now = self.now;
        let timeout = self.set.node_timeout;
        let mut update = false;
        let ids: Vec<NodeId> = self.nodes.iter().map(|n| n.id).collect();
        for id in ids {
            let Some(i) = self.idx(&id) else { continue };
            let n = &self.nodes[i];
            if n.id == self.myself || n.flags.contains(NodeFlags::NOADDR) || n.in_handshake() {
                continue;
            }
            let ping_delay = now.saturating_sub(n.ping_sent);
            let data_delay = now.saturating_sub(n.data_received);
            if self.keep_link_alive(i) {
                continue;
            }
            let n = &self.nodes[i];
            if n.ping_sent == 0 {
                continue;
            }
            let delay = ping_delay.min(data_delay);
            if delay > timeout && !n.failing() {
                eprintln!("cluster: node {} possibly failing", n.id);
                self.nodes[i].flags.insert(NodeFlags::PFAIL);
                update = true;
                if self.me().is_master() && self.size == 1 {
                    self.mark_failing_if_needed(i);
                }
            }
        }
        update
    }

    /// A master's gossip entry about node `i`: a failure report from `reporter` when the
    /// entry flags the node PFAIL or FAIL (which may reach the quorum), else the
    /// reporter's report is withdrawn.
    pub(super) fn note_failure_report(&mut self, i: usize, reporter: NodeId, failing: bool) {
        if failing {
            let now = self.now;
            let reports = &mut self.nodes[i].fail_reports;
            match reports.iter_mut().find(|(r, _)| *r == reporter) {
                Some(r) => r.1 = now,
                None => reports.push((reporter, now)),
            }
            self.mark_failing_if_needed(i);
        } else {
            self.nodes[i].fail_reports.retain(|(r, _)| *r != reporter);
        }
    }

    /// A FAIL message: a known sender's word is enough.
    pub(super) fn process_fail(&mut self, sender: Option<usize>, name: &NodeName) {
        if sender.is_none() {
            return;
        }
        let Some(f) = id_of(name).and_then(|id| self.idx(&id)) else {
            return;
        };
        let now = self.now;
        let n = &mut self.nodes[f];
        if !n.flags.contains(NodeFlags::FAIL) && n.id != self.myself {
            n.flags.insert(NodeFlags::FAIL);
            n.flags.remove(NodeFlags::PFAIL);
            n.fail_time = now;
            self.changed();
        }
    }

    fn send_fail(&mut self, failing: &NodeId) {
        let msg = Message {
            header: self.header(),
            body: Body::Fail(name_of(failing)),
        };
        self.broadcast(&msg);
    }

    fn valid_reports(&mut self, i: usize) -> usize {
        let limit = self.set.node_timeout * 2;
        let now = self.now;
        let n = &mut self.nodes[i];
        n.fail_reports
            .retain(|(_, t)| now.saturating_sub(*t) <= limit);
        n.fail_reports.len()
    }

    pub fn failure_reports(&mut self, id: &NodeId) -> Option<usize> {
        let i = self.idx(id)?;
        Some(self.valid_reports(i))
    }

    fn mark_failing_if_needed(&mut self, i: usize) {
        let needed = self.size / 2 + 1;
        let n = &self.nodes[i];
        if !n.flags.contains(NodeFlags::PFAIL) || n.flags.contains(NodeFlags::FAIL) {
            return;
        }
        let mut failures = self.valid_reports(i);
        if self.me().is_master() {
            failures += 1;
        }
        if failures < needed {
            return;
        }
        let n = &mut self.nodes[i];
        n.flags.remove(NodeFlags::PFAIL);
        n.flags.insert(NodeFlags::FAIL);
        n.fail_time = self.now;
        let id = n.id;
        eprintln!("cluster: marking node {id} as failing (quorum reached)");
        self.send_fail(&id);
        self.changed();
    }

    pub(super) fn clear_failure_if_needed(&mut self, i: usize) {
        let slots = self.slot_count(self.nodes[i].uid);
        let n = &mut self.nodes[i];
        if n.is_replica() || slots == 0 {
            n.flags.remove(NodeFlags::FAIL);
            self.changed();
            return;
        }
        if n.is_master() && self.now.saturating_sub(n.fail_time) > self.set.node_timeout * 2 {
            n.flags.remove(NodeFlags::FAIL);
            self.changed();
        }
    }

    /// cluster_state (§6). Called after events that may change it.
    pub(super) fn update_state(&mut self) {
        self.need_update_state = false;
        let now = self.now;
        if self.first_state_call == 0 {
            self.first_state_call = now;
        }
        if self.me().is_master() && !self.state_ok && now - self.first_state_call < 2000 {
            self.need_update_state = true;
            return;
        }
        // One pass over the slots: per-owner slot counts and coverage.
        let index = self.uid_index();
        let mut slots_of = vec![0u32; index.len()];
        let mut covered = true;
        for &o in &self.owner {
            let i = index[o as usize];
            if i == u16::MAX {
                covered = false;
                continue;
            }
            slots_of[o as usize] += 1;
            if self.nodes[i as usize].flags.contains(NodeFlags::FAIL) {
                covered = false;
            }
        }
        let mut ok = covered || !self.set.require_full_coverage;
        let mut size = 0;
        let mut reachable = 0;
        for n in &self.nodes {
            if n.is_master() && slots_of[n.uid as usize] > 0 {
                size += 1;
                if !n.failing() {
                    reachable += 1;
                }
            }
        }
        self.size = size;
        if reachable < size / 2 + 1 {
            ok = false;
            self.among_minority_time = now;
        }
        if ok != self.state_ok {
            let rejoin = self.set.node_timeout.clamp(500, 5000);
            if ok && self.me().is_master() && now - self.among_minority_time < rejoin {
                self.need_update_state = true;
                return;
            }
            eprintln!(
                "cluster: state changed to {}",
                if ok { "ok" } else { "fail" }
            );
            self.state_ok = ok;
            self.dirty_view = true;
        }
    }
}
