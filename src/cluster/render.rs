//! The replies of CLUSTER NODES, REPLICAS/SLAVES, SLOTS, SHARDS, INFO, LINKS and HELP, byte
//! for byte as Redis 7.2 writes them, rendered from plain data.
//!
//! This module owns the reply shapes only: which fields, in which order, as which RESP types
//! under RESP2 and RESP3. It reads no live state and takes no locks. The command handler
//! snapshots the node table into [`NodeRecord`]s (plus slot owners, replication offsets and
//! counters) and calls one function here; argument checks and errors such as
//! `-ERR Unknown node <id>` stay with the handler.
//!
//! Conventions shared by every function:
//! - `NodeRecord::port` is the port this client is shown (Redis shows a TLS client the TLS
//!   port and everyone else the TCP port); only SHARDS, which lists both, looks further (see
//!   [`tcp_and_tls_ports`]).
//! - A node's order in the slice is the order it is listed in. Redis lists in hash-table
//!   order, which clients never rely on.
//! - Each function names the Redis 7.2 function it follows, so it can be checked against the
//!   source.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::cluster::bus::nodes_conf::{format_client_line, NodeFlags, NodeId, NodeRecord};
use crate::resp::Reply;

/// `cluster-preferred-endpoint-type`: what CLUSTER SLOTS, CLUSTER SHARDS and the MOVED/ASK
/// redirects give a client as a node's endpoint.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum EndpointType {
    /// The node's IP (the default).
    #[default]
    Ip,
    /// `cluster-announce-hostname`, or `?` for a node that announced none.
    Hostname,
    /// `unknown-endpoint`: no endpoint at all, meaning "the address you used to reach me".
    Unknown,
}

impl EndpointType {
    /// The config value: `ip`, `hostname` or `unknown-endpoint`, case-insensitive like every
    /// Redis enum config.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Ip, Self::Hostname, Self::Unknown]
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s))
    }

    /// The config value as CONFIG GET prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ip => "ip",
            Self::Hostname => "hostname",
            Self::Unknown => "unknown-endpoint",
        }
    }
}

/// A node's preferred endpoint as text (`getPreferredEndpoint`): the IP, the hostname or
/// `?`, or the empty string for `unknown-endpoint`. This is the `<endpoint>` of
/// `-MOVED <slot> <endpoint>:<port>` and the `endpoint` field of CLUSTER SHARDS. CLUSTER
/// SLOTS differs only for `unknown-endpoint`: it sends a null there, not `""`.
pub fn preferred_endpoint(rec: &NodeRecord, ep: EndpointType) -> &str {
    match ep {
        EndpointType::Ip => &rec.ip,
        EndpointType::Hostname if rec.hostname.is_empty() => "?",
        EndpointType::Hostname => &rec.hostname,
        EndpointType::Unknown => "",
    }
}

/// A node's `(TCP port, TLS port)`, 0 for none. When `tcp_port` is set the record is a
/// TLS-primary node's, whose `port` is the TLS port (as in nodes.conf); otherwise `port` is
/// the TCP port and `tls_port` the TLS one.
pub fn tcp_and_tls_ports(rec: &NodeRecord) -> (u16, u16) {
    match rec.tcp_port {
        Some(tcp) => (tcp, rec.tls_port.filter(|&p| p != 0).unwrap_or(rec.port)),
        None => (rec.port, rec.tls_port.unwrap_or(0)),
    }
}

/// Redis replies with `long long`; our counters are unsigned and never get near the top.
fn int_u64(reply: &mut Reply, n: u64) {
    reply.int(i64::try_from(n).unwrap_or(i64::MAX));
}

fn offset_of(offsets: &[u64], i: usize) -> u64 {
    offsets.get(i).copied().unwrap_or(0)
}

/// The CLUSTER NODES line of `rec` without its `\n`. Migration markers belong to the
/// `myself` line only; a record that carries some anyway does not show them.
fn client_line(rec: &NodeRecord) -> String {
    if rec.is_myself() || (rec.migrating.is_empty() && rec.importing.is_empty()) {
        format_client_line(rec)
    } else {
        let mut bare = rec.clone();
        bare.migrating.clear();
        bare.importing.clear();
        format_client_line(&bare)
    }
}

// ---------------------------------------------------------------------------------------------
// NODES, REPLICAS

/// CLUSTER NODES (`clusterGenNodesDescription` with no filter): one line per node in
/// `nodes`, handshake nodes included, every line ending in `\n` (the last one too). A bulk
/// string under RESP2, a `txt` verbatim string under RESP3.
///
/// ```text
/// CLUSTER NODES
/// ```
pub fn nodes(nodes: &[NodeRecord], reply: &mut Reply) {
    let mut text = String::with_capacity(nodes.len() * 160);
    for rec in nodes {
        text.push_str(&client_line(rec));
        text.push('\n');
    }
    reply.verbatim(text.as_bytes());
}

/// CLUSTER REPLICAS / CLUSTER SLAVES: an array with, for each node of `nodes` whose
/// `master` is `master` (in slice order), its CLUSTER NODES line without the `\n`, as a bulk
/// string. The handler has already answered `-ERR Unknown node <id>` and
/// `-ERR The specified node is not a master`.
///
/// ```text
/// CLUSTER REPLICAS node-id
/// ```
pub fn replicas(nodes: &[NodeRecord], master: &NodeId, reply: &mut Reply) {
    let lines: Vec<String> = nodes
        .iter()
        .filter(|n| n.master.as_ref() == Some(master))
        .map(client_line)
        .collect();
    reply.array(lines.len());
    for line in &lines {
        reply.bulk(line.as_bytes());
    }
}

// ---------------------------------------------------------------------------------------------
// SLOTS, SHARDS

/// A maximal run of slots with the same owner: `(start, end, index into nodes)`.
type OwnerRun = (u16, u16, usize);

/// The runs of `owner`, in slot order, skipping unassigned slots (`u16::MAX` or any index
/// past the end of `nodes`).
fn owner_runs(node_count: usize, owner: &[u16]) -> Vec<OwnerRun> {
    debug_assert!(owner.len() <= usize::from(u16::MAX));
    let mut runs: Vec<OwnerRun> = Vec::new();
    for (slot, &o) in owner.iter().enumerate() {
        let o = usize::from(o);
        if o >= node_count {
            continue;
        }
        // owner has at most 16384 entries, so the index fits.
        let slot = slot as u16;
        match runs.last_mut() {
            Some((_, end, last)) if *last == o && *end + 1 == slot => *end = slot,
            _ => runs.push((slot, slot, o)),
        }
    }
    runs
}

/// Node id → index in `nodes`.
fn index_by_id(nodes: &[NodeRecord]) -> HashMap<NodeId, usize> {
    nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect()
}

/// For each node, the indices of its replicas (nodes naming it as `master`), in slice order.
fn replicas_by_master(nodes: &[NodeRecord], index: &HashMap<NodeId, usize>) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); nodes.len()];
    for (i, rec) in nodes.iter().enumerate() {
        if let Some(m) = rec.master.as_ref().and_then(|m| index.get(m)) {
            out[*m].push(i);
        }
    }
    out
}

/// Whether CLUSTER SLOTS lists a replica (`isReplicaAvailable`): not FAIL, and past its
/// initial sync (a non-zero offset).
fn replica_available(rec: &NodeRecord, offset: u64) -> bool {
    !rec.flags.contains(NodeFlags::FAIL) && offset != 0
}

/// One node of a CLUSTER SLOTS range (`addNodeToNodeReply`):
/// `[endpoint, port, id, {metadata}]`, the metadata holding the networking facts that are not
/// the endpoint (`ip` unless the endpoint is the IP, then `hostname` unless the endpoint is
/// the hostname, when there is one).
fn slots_node(rec: &NodeRecord, ep: EndpointType, reply: &mut Reply) {
    reply.array(4);
    match ep {
        EndpointType::Unknown => reply.null(),
        _ => reply.bulk(preferred_endpoint(rec, ep).as_bytes()),
    }
    reply.int(i64::from(rec.port));
    reply.bulk(rec.id.as_bytes());
    let with_ip = ep != EndpointType::Ip;
    let with_hostname = ep != EndpointType::Hostname && !rec.hostname.is_empty();
    reply.map(usize::from(with_ip) + usize::from(with_hostname));
    if with_ip {
        reply.bulk(b"ip");
        reply.bulk(rec.ip.as_bytes());
    }
    if with_hostname {
        reply.bulk(b"hostname");
        reply.bulk(rec.hostname.as_bytes());
    }
}

/// CLUSTER SLOTS (`clusterReplyMultiBulkSlots`): for each maximal run of slots with one
/// owner, in slot order, `[start, end, owner, replica...]`.
///
/// `owner[s]` is the index in `nodes` of the node that owns slot `s`, or `u16::MAX`.
/// `offsets[i]` is the replication offset of `nodes[i]` (for myself, its own offset); a
/// missing entry counts as 0. A run's replicas are the nodes whose `master` is the owner, in
/// slice order, except those flagged FAIL or at offset 0.
///
/// ```text
/// CLUSTER SLOTS
/// ```
pub fn slots(
    nodes: &[NodeRecord],
    offsets: &[u64],
    owner: &[u16],
    ep: EndpointType,
    reply: &mut Reply,
) {
    let runs = owner_runs(nodes.len(), owner);
    let replicas = replicas_by_master(nodes, &index_by_id(nodes));
    reply.array(runs.len());
    for (start, end, m) in runs {
        let listed: Vec<usize> = replicas[m]
            .iter()
            .copied()
            .filter(|&r| replica_available(&nodes[r], offset_of(offsets, r)))
            .collect();
        reply.array(3 + listed.len());
        reply.int(i64::from(start));
        reply.int(i64::from(end));
        slots_node(&nodes[m], ep, reply);
        for r in listed {
            slots_node(&nodes[r], ep, reply);
        }
    }
}

/// The shard a node is listed in. Redis 7.2 keys shards by shard id; a record without one
/// (learned from a 7.0 peer) takes its master's, as Redis does on load, and a master without
/// one stands alone, keyed by its own id.
fn shard_key(nodes: &[NodeRecord], index: &HashMap<NodeId, usize>, i: usize) -> NodeId {
    let rec = &nodes[i];
    if let Some(s) = rec.shard_id {
        return s;
    }
    let m = &nodes[master_of(nodes, index, i)];
    m.shard_id.unwrap_or(m.id)
}

/// The shards of `nodes`, in order of first appearance, each with its members in slice
/// order. Handshake nodes are left out: Redis adds a node to its shard only once the
/// handshake has given it its real id.
fn shard_groups(nodes: &[NodeRecord], index: &HashMap<NodeId, usize>) -> Vec<Vec<usize>> {
    let mut keys: Vec<NodeId> = Vec::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in 0..nodes.len() {
        if nodes[i].flags.contains(NodeFlags::HANDSHAKE) {
            continue;
        }
        let key = shard_key(nodes, index, i);
        match keys.iter().position(|k| *k == key) {
            Some(g) => groups[g].push(i),
            None => {
                keys.push(key);
                groups.push(vec![i]);
            }
        }
    }
    groups
}

/// The master of `nodes[i]` (`clusterNodeGetMaster`): its `master` when that node is known,
/// else itself.
fn master_of(nodes: &[NodeRecord], index: &HashMap<NodeId, usize>, i: usize) -> usize {
    match nodes[i].master.as_ref().and_then(|m| index.get(m)) {
        Some(&m) => m,
        None => i,
    }
}

/// One node of a CLUSTER SHARDS entry (`addNodeDetailsToShardReply`).
fn shards_node(rec: &NodeRecord, offset: u64, ep: EndpointType, reply: &mut Reply) {
    let (tcp, tls) = tcp_and_tls_ports(rec);
    let replica = rec.flags.contains(NodeFlags::SLAVE);
    // id, ip, endpoint, role, replication-offset, health, and the optional ones.
    let fields =
        6 + usize::from(tcp != 0) + usize::from(tls != 0) + usize::from(!rec.hostname.is_empty());
    reply.map(fields);
    reply.bulk(b"id");
    reply.bulk(rec.id.as_bytes());
    if tcp != 0 {
        reply.bulk(b"port");
        reply.int(i64::from(tcp));
    }
    if tls != 0 {
        reply.bulk(b"tls-port");
        reply.int(i64::from(tls));
    }
    reply.bulk(b"ip");
    reply.bulk(rec.ip.as_bytes());
    reply.bulk(b"endpoint");
    reply.bulk(preferred_endpoint(rec, ep).as_bytes());
    if !rec.hostname.is_empty() {
        reply.bulk(b"hostname");
        reply.bulk(rec.hostname.as_bytes());
    }
    reply.bulk(b"role");
    reply.bulk(if replica { "replica" } else { "master" }.as_bytes());
    reply.bulk(b"replication-offset");
    int_u64(reply, offset);
    reply.bulk(b"health");
    let health: &[u8] = if rec.flags.contains(NodeFlags::FAIL) {
        b"fail"
    } else if replica && offset == 0 {
        b"loading"
    } else {
        b"online"
    };
    reply.bulk(health);
}

/// CLUSTER SHARDS (`clusterReplyShards`, 7.2): one `{slots, nodes}` map per shard, shards
/// grouped by shard id (see `shard_groups`), so masters without slots and failed nodes are
/// listed too. `slots` is the flat `[start, end, ...]` list of the runs (per `owner`) owned
/// by the shard's master(s): its members that are not replicas and the masters its replicas
/// name. `nodes` has one map per member, in slice order. `owner` and `offsets` are as for
/// [`slots`].
///
/// ```text
/// CLUSTER SHARDS
/// ```
pub fn shards(
    nodes: &[NodeRecord],
    offsets: &[u64],
    owner: &[u16],
    ep: EndpointType,
    reply: &mut Reply,
) {
    let index = index_by_id(nodes);
    let runs = owner_runs(nodes.len(), owner);
    let groups = shard_groups(nodes, &index);
    reply.array(groups.len());
    for members in groups {
        let masters: Vec<usize> = members
            .iter()
            .map(|&i| master_of(nodes, &index, i))
            .collect();
        let owned: Vec<&OwnerRun> = runs.iter().filter(|r| masters.contains(&r.2)).collect();
        reply.map(2);
        reply.bulk(b"slots");
        reply.array(owned.len() * 2);
        for &&(start, end, _) in &owned {
            reply.int(i64::from(start));
            reply.int(i64::from(end));
        }
        reply.bulk(b"nodes");
        reply.array(members.len());
        for &i in &members {
            shards_node(&nodes[i], offset_of(offsets, i), ep, reply);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// INFO, LINKS, HELP

/// Bus message type names (`clusterGetMessageTypeString`), indexed by the type number of the
/// bus header (0 = PING … 10 = PUBLISHSHARD).
pub const MESSAGE_TYPE_NAMES: [&str; 11] = [
    "ping",
    "pong",
    "meet",
    "fail",
    "publish",
    "auth-req",
    "auth-ack",
    "update",
    "mfstart",
    "module",
    "publishshard",
];

/// What CLUSTER INFO reports; the handler computes it (slot counts from the slot table and
/// the owners' flags, `my_epoch` being the master's configEpoch on a replica).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterInfo {
    /// `cluster_state:ok` when true, else `fail`.
    pub state_ok: bool,
    /// Slots bound to any node.
    pub slots_assigned: usize,
    /// Bound to a node neither FAIL nor PFAIL.
    pub slots_ok: usize,
    /// Bound to a node flagged PFAIL and not FAIL.
    pub slots_pfail: usize,
    /// Bound to a node flagged FAIL.
    pub slots_fail: usize,
    /// Entries of the node table: myself and handshake nodes included.
    pub known_nodes: usize,
    /// Masters serving at least one slot.
    pub size: usize,
    pub current_epoch: u64,
    pub my_epoch: u64,
    /// Bus messages sent, by message type (see [`MESSAGE_TYPE_NAMES`]).
    pub sent: [u64; 11],
    /// Bus messages received, by message type.
    pub received: [u64; 11],
    /// Links freed for exceeding `cluster-link-sendbuf-limit`.
    pub links_buffer_limit_exceeded: u64,
}

/// The per-type lines of the non-zero counters, then the total line.
fn push_message_stats(text: &mut String, counts: &[u64; 11], dir: &str) {
    for (name, &n) in MESSAGE_TYPE_NAMES.iter().zip(counts) {
        if n != 0 {
            let _ = write!(text, "cluster_stats_messages_{name}_{dir}:{n}\r\n");
        }
    }
    let total: u64 = counts.iter().sum();
    let _ = write!(text, "cluster_stats_messages_{dir}:{total}\r\n");
}

/// The CLUSTER INFO text (`genClusterInfoString`): `field:value\r\n` lines.
pub fn info_text(i: &ClusterInfo) -> String {
    let mut text = String::with_capacity(512);
    let _ = write!(
        text,
        "cluster_state:{}\r\n\
         cluster_slots_assigned:{}\r\n\
         cluster_slots_ok:{}\r\n\
         cluster_slots_pfail:{}\r\n\
         cluster_slots_fail:{}\r\n\
         cluster_known_nodes:{}\r\n\
         cluster_size:{}\r\n\
         cluster_current_epoch:{}\r\n\
         cluster_my_epoch:{}\r\n",
        if i.state_ok { "ok" } else { "fail" },
        i.slots_assigned,
        i.slots_ok,
        i.slots_pfail,
        i.slots_fail,
        i.known_nodes,
        i.size,
        i.current_epoch,
        i.my_epoch,
    );
    push_message_stats(&mut text, &i.sent, "sent");
    push_message_stats(&mut text, &i.received, "received");
    let _ = write!(
        text,
        "total_cluster_links_buffer_limit_exceeded:{}\r\n",
        i.links_buffer_limit_exceeded
    );
    text
}

/// CLUSTER INFO: [`info_text`] as a bulk string (RESP3: a `txt` verbatim string).
///
/// ```text
/// CLUSTER INFO
/// ```
pub fn info(i: &ClusterInfo, reply: &mut Reply) {
    reply.verbatim(info_text(i).as_bytes());
}

/// One bus link, as CLUSTER LINKS shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkInfo {
    /// `to` when this node opened it, `from` when it accepted it.
    pub outbound: bool,
    /// The peer.
    pub node: NodeId,
    /// Unix ms when the link was created.
    pub create_time: u64,
    /// The handlers registered on the connection: `r`, `w`, `rw` or `""`.
    pub events: &'static str,
    /// Bytes queued to send (Redis reports it as both `send-buffer-allocated` and
    /// `send-buffer-used`).
    pub send_buffer: u64,
}

/// CLUSTER LINKS (`addReplyClusterLinksDescription`): one 6-field map per link, in slice
/// order (Redis gives each node's outbound link, then its inbound one). A lone node gives
/// `*0`.
///
/// ```text
/// CLUSTER LINKS
/// ```
pub fn links(links: &[LinkInfo], reply: &mut Reply) {
    reply.array(links.len());
    for l in links {
        reply.map(6);
        reply.bulk(b"direction");
        reply.bulk(if l.outbound { "to" } else { "from" }.as_bytes());
        reply.bulk(b"node");
        reply.bulk(l.node.as_bytes());
        reply.bulk(b"create-time");
        int_u64(reply, l.create_time);
        reply.bulk(b"events");
        reply.bulk(l.events.as_bytes());
        reply.bulk(b"send-buffer-allocated");
        int_u64(reply, l.send_buffer);
        reply.bulk(b"send-buffer-used");
        int_u64(reply, l.send_buffer);
    }
}

/// The body of CLUSTER HELP in Redis 7.2.6 (`clusterCommand`), between the header and the
/// `HELP` footer that every subcommand help shares (`addReplyHelp`).
const HELP_LINES: [&str; 55] = [
    "ADDSLOTS <slot> [<slot> ...]",
    "    Assign slots to current node.",
    "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Assign slots which are between <start-slot> and <end-slot> to current node.",
    "BUMPEPOCH",
    "    Advance the cluster config epoch.",
    "COUNT-FAILURE-REPORTS <node-id>",
    "    Return number of failure reports for <node-id>.",
    "COUNTKEYSINSLOT <slot>",
    "    Return the number of keys in <slot>.",
    "DELSLOTS <slot> [<slot> ...]",
    "    Delete slots information from current node.",
    "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
    "FAILOVER [FORCE|TAKEOVER]",
    "    Promote current replica node to being a master.",
    "FORGET <node-id>",
    "    Remove a node from the cluster.",
    "GETKEYSINSLOT <slot> <count>",
    "    Return key names stored by current node in a slot.",
    "FLUSHSLOTS",
    "    Delete current node own slots information.",
    "INFO",
    "    Return information about the cluster.",
    "KEYSLOT <key>",
    "    Return the hash slot for <key>.",
    "MEET <ip> <port> [<bus-port>]",
    "    Connect nodes into a working cluster.",
    "MYID",
    "    Return the node id.",
    "MYSHARDID",
    "    Return the node's shard id.",
    "NODES",
    "    Return cluster configuration seen by node. Output format:",
    "    <id> <ip:port@bus-port[,hostname]> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
    "REPLICATE <node-id>",
    "    Configure current node as replica to <node-id>.",
    "RESET [HARD|SOFT]",
    "    Reset current node (default: soft).",
    "SET-CONFIG-EPOCH <epoch>",
    "    Set config epoch of current node.",
    "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
    "    Set slot state.",
    "REPLICAS <node-id>",
    "    Return <node-id> replicas.",
    "SAVECONFIG",
    "    Force saving cluster configuration on disk.",
    "SLOTS",
    "    Return information about slots range mappings. Each range is made of:",
    "    start, end, master and replicas IP addresses, ports and ids",
    "SHARDS",
    "    Return information about slot range mappings and the nodes associated with them.",
    "LINKS",
    "    Return information about all network links between this node and its peers.",
    "    Output format is an array where each array element is a map containing attributes of a link",
];

/// CLUSTER HELP: 58 status strings (`addReplyHelp`): the header, `HELP_LINES`, and
/// `HELP` / `    Print this help.` (7.0 said "Prints").
///
/// ```text
/// CLUSTER HELP
/// ```
pub fn help(reply: &mut Reply) {
    reply.array(HELP_LINES.len() + 3);
    reply.simple("CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    for line in HELP_LINES {
        reply.simple(line);
    }
    reply.simple("HELP");
    reply.simple("    Print this help.");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::bus::nodes_conf::{LinkState, SlotMove, SlotRange};
    use crate::resp::Proto;

    // The nodes of the captured 7.0.15 cluster (reference §1.2–§1.4).
    const M1: &str = "3b1969efda276e2c5f6eb9a333f6d360ea100658"; // :30001
    const M2: &str = "4026555345c85408d5cc9eb2d96487a33d3c410e"; // :30002
    const M3: &str = "3a3fdc2c713ba2ba037fd5b3d9714bd2422448ba"; // :30003
    const R1: &str = "a6cdef125fc185bdfc9a6f66f2d3b8f83ead01c2"; // :30004, replica of M1
    const R2: &str = "7c7fdc18319ef66cb18a7a79a85910489ae6942e"; // :30005, replica of M2
    const R3: &str = "39516d791955d1e82ad305ba47544d56d5ec1c2a"; // :30006, replica of M3
    const FRESH: &str = "5373e7432e9bcdd549384057f75865cd9db43f5a"; // :30007, alone
    const SHARD1: &str = "1111111111111111111111111111111111111111";
    const SHARD2: &str = "2222222222222222222222222222222222222222";
    const SHARD3: &str = "3333333333333333333333333333333333333333";

    fn id(s: &str) -> NodeId {
        NodeId::parse(s).unwrap()
    }

    fn enc(proto: Proto, f: impl FnOnce(&mut Reply)) -> String {
        let mut v = Vec::new();
        f(&mut Reply::new(&mut v, proto));
        String::from_utf8(v).unwrap()
    }

    /// A connected 127.0.0.1 node with bus port = port + 10000.
    fn master(node: &str, port: u16, pong: u64, epoch: u64, slots: &[(u16, u16)]) -> NodeRecord {
        let mut rec = NodeRecord::new(id(node), "127.0.0.1", port, port + 10000);
        rec.link = LinkState::Connected;
        rec.pong_received = pong;
        rec.config_epoch = epoch;
        rec.slots = slots
            .iter()
            .map(|&(a, b)| SlotRange::new(a, b).unwrap())
            .collect();
        rec
    }

    fn replica(node: &str, port: u16, of: &str, pong: u64, epoch: u64) -> NodeRecord {
        let mut rec = master(node, port, pong, epoch, &[]);
        rec.flags = NodeFlags::SLAVE;
        rec.master = Some(id(of));
        rec
    }

    fn myself(mut rec: NodeRecord) -> NodeRecord {
        rec.flags.insert(NodeFlags::MYSELF);
        rec
    }

    /// Slot owners from the records' own slots.
    fn owners(nodes: &[NodeRecord]) -> Vec<u16> {
        let mut owner = vec![u16::MAX; 16384];
        for (i, rec) in nodes.iter().enumerate() {
            for r in &rec.slots {
                for s in r.start..=r.end {
                    owner[usize::from(s)] = i as u16;
                }
            }
        }
        owner
    }

    fn fresh_node() -> NodeRecord {
        myself(master(FRESH, 30007, 0, 0, &[]))
    }

    // --- NODES, REPLICAS -----------------------------------------------------------------

    #[test]
    fn nodes_of_a_fresh_node_without_ip() {
        let mut me = fresh_node();
        me.ip.clear();
        let want = "$86\r\n5373e7432e9bcdd549384057f75865cd9db43f5a :30007@40007 myself,master - 0 0 0 connected\n\r\n";
        assert_eq!(enc(Proto::Resp2, |r| nodes(&[me.clone()], r)), want);
        assert_eq!(
            enc(Proto::Resp3, |r| nodes(&[me], r)),
            "=90\r\ntxt:5373e7432e9bcdd549384057f75865cd9db43f5a :30007@40007 myself,master - 0 0 0 connected\n\r\n"
        );
    }

    /// The six-node capture of §1.2, in its order, 30001 migrating slot 5061 to 30002.
    fn captured_cluster() -> Vec<NodeRecord> {
        let mut m1 = myself(master(M1, 30001, 1795417605000, 7, &[(0, 5460)]));
        m1.migrating = vec![SlotMove {
            slot: 5061,
            node: id(M2),
        }];
        vec![
            master(M3, 30003, 1795417605586, 3, &[(10923, 16383)]),
            m1,
            replica(R2, 30005, M2, 1795417606991, 2),
            replica(R1, 30004, M1, 1795417606589, 7),
            replica(R3, 30006, M3, 1795417607593, 3),
            master(M2, 30002, 1795417606000, 2, &[(5461, 10922)]),
        ]
    }

    const CAPTURED_NODES: &str = "3a3fdc2c713ba2ba037fd5b3d9714bd2422448ba 127.0.0.1:30003@40003 master - 0 1795417605586 3 connected 10923-16383\n3b1969efda276e2c5f6eb9a333f6d360ea100658 127.0.0.1:30001@40001 myself,master - 0 1795417605000 7 connected 0-5460 [5061->-4026555345c85408d5cc9eb2d96487a33d3c410e]\n7c7fdc18319ef66cb18a7a79a85910489ae6942e 127.0.0.1:30005@40005 slave 4026555345c85408d5cc9eb2d96487a33d3c410e 0 1795417606991 2 connected\na6cdef125fc185bdfc9a6f66f2d3b8f83ead01c2 127.0.0.1:30004@40004 slave 3b1969efda276e2c5f6eb9a333f6d360ea100658 0 1795417606589 7 connected\n39516d791955d1e82ad305ba47544d56d5ec1c2a 127.0.0.1:30006@40006 slave 3a3fdc2c713ba2ba037fd5b3d9714bd2422448ba 0 1795417607593 3 connected\n4026555345c85408d5cc9eb2d96487a33d3c410e 127.0.0.1:30002@40002 master - 0 1795417606000 2 connected 5461-10922\n";

    #[test]
    fn nodes_of_the_captured_cluster() {
        let cluster = captured_cluster();
        assert_eq!(
            enc(Proto::Resp2, |r| nodes(&cluster, r)),
            format!("$801\r\n{CAPTURED_NODES}\r\n")
        );
        assert_eq!(
            enc(Proto::Resp3, |r| nodes(&cluster, r)),
            format!("=805\r\ntxt:{CAPTURED_NODES}\r\n")
        );
    }

    #[test]
    fn nodes_lines_of_other_captured_states() {
        let mut m1 = myself(master(
            M1,
            30001,
            1795417645000,
            7,
            &[(0, 5060), (5062, 5460)],
        ));
        m1.hostname = "node1.test".into();
        let m2 = master(M2, 30002, 1795417616025, 8, &[(5461, 10922), (5061, 5061)]);
        let mut dead = master(R3, 30006, 1795417819801, 11, &[]);
        dead.flags.insert(NodeFlags::FAIL);
        dead.ping_sent = 1795417822311;
        dead.link = LinkState::Disconnected;
        // Markers on a record that is not myself are not shown.
        let mut importing = myself(master(M2, 30002, 1795417607000, 2, &[(5461, 10922)]));
        importing.importing = vec![SlotMove {
            slot: 5061,
            node: id(M1),
        }];
        let mut not_me = importing.clone();
        not_me.flags.remove(NodeFlags::MYSELF);
        let text = enc(Proto::Resp2, |r| {
            nodes(&[m1, m2, dead, importing, not_me], r)
        });
        let body = "3b1969efda276e2c5f6eb9a333f6d360ea100658 127.0.0.1:30001@40001,node1.test myself,master - 0 1795417645000 7 connected 0-5060 5062-5460\n\
                    4026555345c85408d5cc9eb2d96487a33d3c410e 127.0.0.1:30002@40002 master - 0 1795417616025 8 connected 5061 5461-10922\n\
                    39516d791955d1e82ad305ba47544d56d5ec1c2a 127.0.0.1:30006@40006 master,fail - 1795417822311 1795417819801 11 disconnected\n\
                    4026555345c85408d5cc9eb2d96487a33d3c410e 127.0.0.1:30002@40002 myself,master - 0 1795417607000 2 connected 5461-10922 [5061-<-3b1969efda276e2c5f6eb9a333f6d360ea100658]\n\
                    4026555345c85408d5cc9eb2d96487a33d3c410e 127.0.0.1:30002@40002 master - 0 1795417607000 2 connected 5461-10922\n";
        assert_eq!(text, format!("${}\r\n{body}\r\n", body.len()));
    }

    #[test]
    fn nodes_lists_handshake_nodes() {
        let mut hs = master(R1, 30004, 0, 0, &[]);
        hs.flags.insert(NodeFlags::HANDSHAKE);
        hs.ping_sent = 1795417605000;
        hs.link = LinkState::Disconnected;
        let body = "5373e7432e9bcdd549384057f75865cd9db43f5a 127.0.0.1:30007@40007 myself,master - 0 0 0 connected\n\
                    a6cdef125fc185bdfc9a6f66f2d3b8f83ead01c2 127.0.0.1:30004@40004 master,handshake - 1795417605000 0 0 disconnected\n";
        assert_eq!(
            enc(Proto::Resp2, |r| nodes(&[fresh_node(), hs], r)),
            format!("${}\r\n{body}\r\n", body.len())
        );
    }

    #[test]
    fn replicas_of_a_master() {
        let cluster = vec![
            myself(master(M1, 30001, 0, 1, &[(0, 5460)])),
            replica(R1, 30004, M1, 1795417566856, 1),
            replica(R2, 30005, M2, 0, 2),
        ];
        let want = "*1\r\n$137\r\na6cdef125fc185bdfc9a6f66f2d3b8f83ead01c2 127.0.0.1:30004@40004 slave 3b1969efda276e2c5f6eb9a333f6d360ea100658 0 1795417566856 1 connected\r\n";
        assert_eq!(enc(Proto::Resp2, |r| replicas(&cluster, &id(M1), r)), want);
        assert_eq!(enc(Proto::Resp3, |r| replicas(&cluster, &id(M1), r)), want);
        assert_eq!(
            enc(Proto::Resp2, |r| replicas(&cluster, &id(M3), r)),
            "*0\r\n"
        );
    }

    // --- SLOTS ---------------------------------------------------------------------------

    #[test]
    fn slots_of_a_fresh_node_without_ip() {
        let mut me = fresh_node();
        me.ip.clear();
        me.slots = vec![SlotRange::single(12182)];
        let cluster = [me];
        let owner = owners(&cluster);
        assert_eq!(
            enc(Proto::Resp2, |r| slots(&cluster, &[0], &owner, EndpointType::Ip, r)),
            "*1\r\n*3\r\n:12182\r\n:12182\r\n*4\r\n$0\r\n\r\n:30007\r\n$40\r\n5373e7432e9bcdd549384057f75865cd9db43f5a\r\n*0\r\n"
        );
        let none = vec![u16::MAX; 16384];
        for proto in [Proto::Resp2, Proto::Resp3] {
            assert_eq!(
                enc(proto, |r| slots(&cluster, &[0], &none, EndpointType::Ip, r)),
                "*0\r\n"
            );
        }
    }

    /// The three shards of §1.3, masters first, each replica synced.
    fn three_shards() -> (Vec<NodeRecord>, Vec<u64>) {
        let cluster = vec![
            myself(master(M1, 30001, 0, 7, &[(0, 5460)])),
            master(M2, 30002, 0, 2, &[(5461, 10922)]),
            master(M3, 30003, 0, 3, &[(10923, 16383)]),
            replica(R1, 30004, M1, 0, 7),
            replica(R2, 30005, M2, 0, 2),
            replica(R3, 30006, M3, 0, 3),
        ];
        (cluster, vec![557, 557, 28, 557, 557, 28])
    }

    fn slot_node(ip: &str, port: u16, node: &str, meta: &str) -> String {
        format!(
            "*4\r\n${}\r\n{ip}\r\n:{port}\r\n$40\r\n{node}\r\n{meta}",
            ip.len()
        )
    }

    #[test]
    fn slots_of_the_captured_cluster() {
        let (cluster, offsets) = three_shards();
        let owner = owners(&cluster);
        let resp2 = enc(Proto::Resp2, |r| {
            slots(&cluster, &offsets, &owner, EndpointType::Ip, r)
        });
        let captured = "*3\r\n*4\r\n:0\r\n:5460\r\n*4\r\n$9\r\n127.0.0.1\r\n:30001\r\n$40\r\n3b1969efda276e2c5f6eb9a333f6d360ea100658\r\n*0\r\n*4\r\n$9\r\n127.0.0.1\r\n:30004\r\n$40\r\na6cdef125fc185bdfc9a6f66f2d3b8f83ead01c2\r\n*0\r\n*4\r\n:5461\r\n:10922\r\n";
        let want = |empty: &str| {
            [
                "*3\r\n*4\r\n:0\r\n:5460\r\n".to_string(),
                slot_node("127.0.0.1", 30001, M1, empty),
                slot_node("127.0.0.1", 30004, R1, empty),
                "*4\r\n:5461\r\n:10922\r\n".to_string(),
                slot_node("127.0.0.1", 30002, M2, empty),
                slot_node("127.0.0.1", 30005, R2, empty),
                "*4\r\n:10923\r\n:16383\r\n".to_string(),
                slot_node("127.0.0.1", 30003, M3, empty),
                slot_node("127.0.0.1", 30006, R3, empty),
            ]
            .concat()
        };
        assert!(resp2.starts_with(captured));
        assert_eq!(resp2, want("*0\r\n"));
        let resp3 = enc(Proto::Resp3, |r| {
            slots(&cluster, &offsets, &owner, EndpointType::Ip, r)
        });
        assert_eq!(resp3, want("%0\r\n"));
    }

    #[test]
    fn slots_leaves_out_failed_and_unsynced_replicas_and_unassigned_slots() {
        let (mut cluster, mut offsets) = three_shards();
        cluster[3].flags.insert(NodeFlags::FAIL); // R1 failed
        offsets[4] = 0; // R2 still loading
        cluster[5].flags.insert(NodeFlags::PFAIL); // R3 only suspected: still listed
        let mut owner = owners(&cluster);
        owner[5461..=10921].fill(u16::MAX); // M2 keeps only 10922
        owner[100] = 2; // M3 owns one slot in M1's run, splitting it
        owner[16383] = 99; // an index past the end counts as unassigned
        let got = enc(Proto::Resp2, |r| {
            slots(&cluster, &offsets, &owner, EndpointType::Ip, r)
        });
        let m1 = slot_node("127.0.0.1", 30001, M1, "*0\r\n");
        let m2 = slot_node("127.0.0.1", 30002, M2, "*0\r\n");
        let m3 = slot_node("127.0.0.1", 30003, M3, "*0\r\n");
        let r3 = slot_node("127.0.0.1", 30006, R3, "*0\r\n");
        let want = [
            format!("*5\r\n*3\r\n:0\r\n:99\r\n{m1}"),
            format!("*4\r\n:100\r\n:100\r\n{m3}{r3}"),
            format!("*3\r\n:101\r\n:5460\r\n{m1}"),
            format!("*3\r\n:10922\r\n:10922\r\n{m2}"),
            format!("*4\r\n:10923\r\n:16382\r\n{m3}{r3}"),
        ]
        .concat();
        assert_eq!(got, want);
    }

    /// M1 (with hostname node1.test) owns 0-5460 and has R1 (no hostname) as replica.
    fn hostname_cluster() -> (Vec<NodeRecord>, Vec<u64>, Vec<u16>) {
        let mut m1 = myself(master(M1, 30001, 0, 7, &[(0, 5460)]));
        m1.hostname = "node1.test".into();
        let cluster = vec![m1, replica(R1, 30004, M1, 0, 7)];
        let owner = owners(&cluster);
        (cluster, vec![557, 557], owner)
    }

    #[test]
    fn slots_with_each_endpoint_type() {
        let (cluster, offsets, owner) = hostname_cluster();
        let run = "*1\r\n*4\r\n:0\r\n:5460\r\n";
        let id1 = format!(":30001\r\n$40\r\n{M1}\r\n");
        let id4 = format!(":30004\r\n$40\r\n{R1}\r\n");
        let cases = [
            (
                EndpointType::Ip,
                Proto::Resp2,
                format!("{run}*4\r\n$9\r\n127.0.0.1\r\n{id1}*2\r\n$8\r\nhostname\r\n$10\r\nnode1.test\r\n*4\r\n$9\r\n127.0.0.1\r\n{id4}*0\r\n"),
            ),
            (
                EndpointType::Hostname,
                Proto::Resp2,
                format!("{run}*4\r\n$10\r\nnode1.test\r\n{id1}*2\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n*4\r\n$1\r\n?\r\n{id4}*2\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n"),
            ),
            (
                EndpointType::Unknown,
                Proto::Resp2,
                format!("{run}*4\r\n$-1\r\n{id1}*4\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$8\r\nhostname\r\n$10\r\nnode1.test\r\n*4\r\n$-1\r\n{id4}*2\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n"),
            ),
            (
                EndpointType::Ip,
                Proto::Resp3,
                format!("{run}*4\r\n$9\r\n127.0.0.1\r\n{id1}%1\r\n$8\r\nhostname\r\n$10\r\nnode1.test\r\n*4\r\n$9\r\n127.0.0.1\r\n{id4}%0\r\n"),
            ),
            (
                EndpointType::Hostname,
                Proto::Resp3,
                format!("{run}*4\r\n$10\r\nnode1.test\r\n{id1}%1\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n*4\r\n$1\r\n?\r\n{id4}%1\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n"),
            ),
            (
                EndpointType::Unknown,
                Proto::Resp3,
                format!("{run}*4\r\n_\r\n{id1}%2\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$8\r\nhostname\r\n$10\r\nnode1.test\r\n*4\r\n_\r\n{id4}%1\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n"),
            ),
        ];
        for (ep, proto, want) in cases {
            assert_eq!(
                enc(proto, |r| slots(&cluster, &offsets, &owner, ep, r)),
                want,
                "{ep:?} {proto:?}"
            );
        }
    }

    #[test]
    fn endpoint_type_config_values() {
        for (text, ep) in [
            ("ip", EndpointType::Ip),
            ("hostname", EndpointType::Hostname),
            ("unknown-endpoint", EndpointType::Unknown),
            ("HostName", EndpointType::Hostname),
        ] {
            assert_eq!(EndpointType::parse(text), Some(ep));
            assert!(ep.as_str().eq_ignore_ascii_case(text));
        }
        assert_eq!(EndpointType::parse("unknown"), None);
        assert_eq!(EndpointType::parse(""), None);
        assert_eq!(EndpointType::default(), EndpointType::Ip);
        let (cluster, _, _) = hostname_cluster();
        let ends: Vec<&str> = [
            EndpointType::Ip,
            EndpointType::Hostname,
            EndpointType::Unknown,
        ]
        .into_iter()
        .flat_map(|ep| cluster.iter().map(move |n| preferred_endpoint(n, ep)))
        .collect();
        assert_eq!(ends, ["127.0.0.1", "127.0.0.1", "node1.test", "?", "", ""]);
    }

    // --- SHARDS --------------------------------------------------------------------------

    fn shard_node_resp(fields: &[(&str, &str)]) -> String {
        // Values starting with ':' are integers, the rest bulk strings.
        let mut out = format!("*{}\r\n", fields.len() * 2);
        for (k, v) in fields {
            out += &format!("${}\r\n{k}\r\n", k.len());
            if v.starts_with(':') {
                out += &format!("{v}\r\n");
            } else {
                out += &format!("${}\r\n{v}\r\n", v.len());
            }
        }
        out
    }

    #[test]
    fn shards_resp3_one_shard_as_captured() {
        let mut cluster = vec![
            myself(master(M3, 30003, 0, 3, &[(10923, 16383)])),
            replica(R3, 30006, M3, 0, 3),
        ];
        for n in &mut cluster {
            n.shard_id = Some(id(SHARD3));
        }
        let owner = owners(&cluster);
        let got = enc(Proto::Resp3, |r| {
            shards(&cluster, &[28, 28], &owner, EndpointType::Ip, r)
        });
        let captured = "%2\r\n$5\r\nslots\r\n*2\r\n:10923\r\n:16383\r\n$5\r\nnodes\r\n*2\r\n%7\r\n$2\r\nid\r\n$40\r\n3a3fdc2c713ba2ba037fd5b3d9714bd2422448ba\r\n$4\r\nport\r\n:30003\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$8\r\nendpoint\r\n$9\r\n127.0.0.1\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$18\r\nreplication-offset\r\n:28\r\n$6\r\nhealth\r\n$6\r\nonline\r\n%7\r\n";
        let replica_map = "$2\r\nid\r\n$40\r\n39516d791955d1e82ad305ba47544d56d5ec1c2a\r\n$4\r\nport\r\n:30006\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$8\r\nendpoint\r\n$9\r\n127.0.0.1\r\n$4\r\nrole\r\n$7\r\nreplica\r\n$18\r\nreplication-offset\r\n:28\r\n$6\r\nhealth\r\n$6\r\nonline\r\n";
        assert_eq!(got, format!("*1\r\n{captured}{replica_map}"));
    }

    #[test]
    fn shards_resp2_with_hostname_and_two_ranges_as_captured() {
        // 30001 (hostname node1.test) after giving slot 5061 to 30002.
        let mut m1 = myself(master(M1, 30001, 0, 7, &[(0, 5060), (5062, 5460)]));
        m1.hostname = "node1.test".into();
        let mut cluster = vec![
            m1,
            replica(R1, 30004, M1, 0, 7),
            master(M2, 30002, 0, 8, &[(5061, 5061), (5461, 10922)]),
        ];
        cluster[0].shard_id = Some(id(SHARD1));
        cluster[1].shard_id = Some(id(SHARD1));
        cluster[2].shard_id = Some(id(SHARD2));
        let owner = owners(&cluster);
        let got = enc(Proto::Resp2, |r| {
            shards(&cluster, &[557, 557, 600], &owner, EndpointType::Ip, r)
        });
        let captured = "*4\r\n$5\r\nslots\r\n*4\r\n:0\r\n:5060\r\n:5062\r\n:5460\r\n$5\r\nnodes\r\n*2\r\n*16\r\n$2\r\nid\r\n$40\r\n3b1969efda276e2c5f6eb9a333f6d360ea100658\r\n$4\r\nport\r\n:30001\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$8\r\nendpoint\r\n$9\r\n127.0.0.1\r\n$8\r\nhostname\r\n$10\r\nnode1.test\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$18\r\nreplication-offset\r\n:557\r\n$6\r\nhealth\r\n$6\r\nonline\r\n*14\r\n";
        let node = |n: &str, port: &str, role: &str, off: &str| {
            shard_node_resp(&[
                ("id", n),
                ("port", port),
                ("ip", "127.0.0.1"),
                ("endpoint", "127.0.0.1"),
                ("role", role),
                ("replication-offset", off),
                ("health", "online"),
            ])
        };
        let r1 = node(R1, ":30004", "replica", ":557");
        let m2 = node(M2, ":30002", "master", ":600");
        let want = format!(
            "*2\r\n{captured}{}*4\r\n$5\r\nslots\r\n*4\r\n:5061\r\n:5061\r\n:5461\r\n:10922\r\n$5\r\nnodes\r\n*1\r\n{m2}",
            &r1["*14\r\n".len()..]
        );
        assert_eq!(got, want);
    }

    #[test]
    fn shards_of_a_fresh_node_without_ip() {
        let mut me = fresh_node();
        me.ip.clear();
        me.shard_id = Some(id(SHARD1));
        let cluster = [me];
        let owner = vec![u16::MAX; 16384];
        let got = enc(Proto::Resp2, |r| {
            shards(&cluster, &[0], &owner, EndpointType::Ip, r)
        });
        let node = shard_node_resp(&[
            ("id", FRESH),
            ("port", ":30007"),
            ("ip", ""),
            ("endpoint", ""),
            ("role", "master"),
            ("replication-offset", ":0"),
            ("health", "online"),
        ]);
        assert!(node.contains("$2\r\nip\r\n$0\r\n\r\n$8\r\nendpoint\r\n$0\r\n\r\n"));
        assert_eq!(
            got,
            format!("*1\r\n*4\r\n$5\r\nslots\r\n*0\r\n$5\r\nnodes\r\n*1\r\n{node}")
        );
    }

    #[test]
    fn shards_group_by_shard_id_with_failed_and_slotless_nodes() {
        // After a failover: M1 failed, R1 promoted in the same shard; M2 a master with no
        // slots; a replica with no shard id (7.0 peer) joins its master's shard; a
        // handshake node is not listed; a master with no shard id stands alone.
        let mut old = master(M1, 30001, 0, 7, &[]);
        old.flags.insert(NodeFlags::FAIL);
        old.link = LinkState::Disconnected;
        old.shard_id = Some(id(SHARD1));
        let mut promoted = myself(master(R1, 30004, 0, 9, &[(0, 16383)]));
        promoted.shard_id = Some(id(SHARD1));
        promoted.hostname = "r1.test".into();
        let mut empty = master(M2, 30002, 0, 2, &[]);
        empty.shard_id = Some(id(SHARD2));
        let loading = replica(R2, 30005, M2, 0, 2);
        let mut hs = master(R3, 30006, 0, 0, &[]);
        hs.flags.insert(NodeFlags::HANDSHAKE);
        hs.shard_id = Some(id(SHARD3));
        let mut tls = master(M3, 30003, 0, 3, &[]);
        tls.shard_id = None;
        tls.tls_port = Some(31003);
        let cluster = vec![old, promoted, empty, loading, hs, tls];
        let owner = owners(&cluster);
        let got = enc(Proto::Resp3, |r| {
            shards(
                &cluster,
                &[900, 1000, 0, 0, 0, 5],
                &owner,
                EndpointType::Hostname,
                r,
            )
        });
        let m1 = "%7\r\n$2\r\nid\r\n$40\r\n3b1969efda276e2c5f6eb9a333f6d360ea100658\r\n$4\r\nport\r\n:30001\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$8\r\nendpoint\r\n$1\r\n?\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$18\r\nreplication-offset\r\n:900\r\n$6\r\nhealth\r\n$4\r\nfail\r\n";
        let r1 = "%8\r\n$2\r\nid\r\n$40\r\na6cdef125fc185bdfc9a6f66f2d3b8f83ead01c2\r\n$4\r\nport\r\n:30004\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$8\r\nendpoint\r\n$7\r\nr1.test\r\n$8\r\nhostname\r\n$7\r\nr1.test\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$18\r\nreplication-offset\r\n:1000\r\n$6\r\nhealth\r\n$6\r\nonline\r\n";
        let m2 = "%7\r\n$2\r\nid\r\n$40\r\n4026555345c85408d5cc9eb2d96487a33d3c410e\r\n$4\r\nport\r\n:30002\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$8\r\nendpoint\r\n$1\r\n?\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$18\r\nreplication-offset\r\n:0\r\n$6\r\nhealth\r\n$6\r\nonline\r\n";
        let r2 = "%7\r\n$2\r\nid\r\n$40\r\n7c7fdc18319ef66cb18a7a79a85910489ae6942e\r\n$4\r\nport\r\n:30005\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$8\r\nendpoint\r\n$1\r\n?\r\n$4\r\nrole\r\n$7\r\nreplica\r\n$18\r\nreplication-offset\r\n:0\r\n$6\r\nhealth\r\n$7\r\nloading\r\n";
        let m3 = "%8\r\n$2\r\nid\r\n$40\r\n3a3fdc2c713ba2ba037fd5b3d9714bd2422448ba\r\n$4\r\nport\r\n:30003\r\n$8\r\ntls-port\r\n:31003\r\n$2\r\nip\r\n$9\r\n127.0.0.1\r\n$8\r\nendpoint\r\n$1\r\n?\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$18\r\nreplication-offset\r\n:5\r\n$6\r\nhealth\r\n$6\r\nonline\r\n";
        let shard = |slots: &str, nodes: &[&str]| {
            format!(
                "%2\r\n$5\r\nslots\r\n{slots}$5\r\nnodes\r\n*{}\r\n{}",
                nodes.len(),
                nodes.concat()
            )
        };
        let want = [
            "*3\r\n".to_string(),
            shard("*2\r\n:0\r\n:16383\r\n", &[m1, r1]),
            shard("*0\r\n", &[m2, r2]),
            shard("*0\r\n", &[m3]),
        ]
        .concat();
        assert_eq!(got, want);
    }

    #[test]
    fn shards_ports_and_unknown_endpoint() {
        // A TLS-primary record: `port` is the TLS port, `tcp_port` the plaintext one.
        let mut tls_primary = master(M1, 31001, 0, 1, &[]);
        tls_primary.tls_port = None;
        tls_primary.tcp_port = Some(30001);
        // Address unknown (noaddr): port 0 is left out.
        let mut noaddr = master(M2, 0, 0, 1, &[]);
        noaddr.ip.clear();
        noaddr.flags.insert(NodeFlags::NOADDR);
        assert_eq!(tcp_and_tls_ports(&tls_primary), (30001, 31001));
        assert_eq!(tcp_and_tls_ports(&noaddr), (0, 0));
        let cluster = [tls_primary, noaddr];
        let got = enc(Proto::Resp2, |r| {
            shards(&cluster, &[3, 0], &[], EndpointType::Unknown, r)
        });
        let a = shard_node_resp(&[
            ("id", M1),
            ("port", ":30001"),
            ("tls-port", ":31001"),
            ("ip", "127.0.0.1"),
            ("endpoint", ""),
            ("role", "master"),
            ("replication-offset", ":3"),
            ("health", "online"),
        ]);
        let b = shard_node_resp(&[
            ("id", M2),
            ("ip", ""),
            ("endpoint", ""),
            ("role", "master"),
            ("replication-offset", ":0"),
            ("health", "online"),
        ]);
        let shard = |n: &str| format!("*4\r\n$5\r\nslots\r\n*0\r\n$5\r\nnodes\r\n*1\r\n{n}");
        assert_eq!(got, format!("*2\r\n{}{}", shard(&a), shard(&b)));
    }

    // --- INFO ----------------------------------------------------------------------------

    #[test]
    fn info_of_a_fresh_node_as_captured() {
        let fresh = ClusterInfo {
            known_nodes: 1,
            ..ClusterInfo::default()
        };
        let captured = "$306\r\ncluster_state:fail\r\ncluster_slots_assigned:0\r\ncluster_slots_ok:0\r\ncluster_slots_pfail:0\r\ncluster_slots_fail:0\r\ncluster_known_nodes:1\r\ncluster_size:0\r\ncluster_current_epoch:0\r\ncluster_my_epoch:0\r\ncluster_stats_messages_sent:0\r\ncluster_stats_messages_received:0\r\ntotal_cluster_links_buffer_limit_exceeded:0\r\n\r\n";
        assert_eq!(enc(Proto::Resp2, |r| info(&fresh, r)), captured);
        assert_eq!(
            enc(Proto::Resp3, |r| info(&fresh, r)),
            format!("=310\r\ntxt:{}", &captured["$306\r\n".len()..])
        );
    }

    #[test]
    fn info_prints_only_non_zero_message_types() {
        let mut sent = [0; 11];
        sent[0] = 538; // ping
        sent[1] = 583; // pong
        sent[6] = 3; // auth-ack
        let mut received = [0; 11];
        received[0] = 572;
        received[1] = 541;
        received[2] = 6; // meet
        received[3] = 1; // fail
        received[5] = 3; // auth-req
        received[8] = 1; // mfstart
        received[10] = 2; // publishshard
        let running = ClusterInfo {
            state_ok: true,
            slots_assigned: 16384,
            slots_ok: 10923,
            slots_pfail: 5461,
            slots_fail: 0,
            known_nodes: 6,
            size: 3,
            current_epoch: 8,
            my_epoch: 7,
            sent,
            received,
            links_buffer_limit_exceeded: 2,
        };
        let text = info_text(&running);
        assert_eq!(
            text,
            "cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:10923\r\n\
             cluster_slots_pfail:5461\r\ncluster_slots_fail:0\r\ncluster_known_nodes:6\r\n\
             cluster_size:3\r\ncluster_current_epoch:8\r\ncluster_my_epoch:7\r\n\
             cluster_stats_messages_ping_sent:538\r\ncluster_stats_messages_pong_sent:583\r\n\
             cluster_stats_messages_auth-ack_sent:3\r\ncluster_stats_messages_sent:1124\r\n\
             cluster_stats_messages_ping_received:572\r\ncluster_stats_messages_pong_received:541\r\n\
             cluster_stats_messages_meet_received:6\r\ncluster_stats_messages_fail_received:1\r\n\
             cluster_stats_messages_auth-req_received:3\r\ncluster_stats_messages_mfstart_received:1\r\n\
             cluster_stats_messages_publishshard_received:2\r\ncluster_stats_messages_received:1126\r\n\
             total_cluster_links_buffer_limit_exceeded:2\r\n"
        );
        // The captured fragments of a running cluster.
        assert!(text.contains("cluster_stats_messages_ping_sent:538\r\ncluster_stats_messages_pong_sent:583\r\ncluster_stats_messages_auth-ack_sent:3\r\ncluster_stats_messages_sent:1124\r\ncluster_stats_messages_ping_received:572\r\n"));
        assert!(text.contains("cluster_stats_messages_meet_received:6\r\ncluster_stats_messages_fail_received:1\r\ncluster_stats_messages_auth-req_received:3\r\ncluster_stats_messages_mfstart_received:1\r\n"));
        assert_eq!(
            enc(Proto::Resp2, |r| info(&running, r)),
            format!("${}\r\n{text}\r\n", text.len())
        );
    }

    // --- LINKS ---------------------------------------------------------------------------

    #[test]
    fn links_as_captured() {
        let to = LinkInfo {
            outbound: true,
            node: id(M3),
            create_time: 1795417542173,
            events: "r",
            send_buffer: 0,
        };
        let from = LinkInfo {
            outbound: false,
            node: id(M3),
            create_time: 1795417542180,
            events: "",
            send_buffer: 16384,
        };
        let first = "%6\r\n$9\r\ndirection\r\n$2\r\nto\r\n$4\r\nnode\r\n$40\r\n3a3fdc2c713ba2ba037fd5b3d9714bd2422448ba\r\n$11\r\ncreate-time\r\n:1795417542173\r\n$6\r\nevents\r\n$1\r\nr\r\n$21\r\nsend-buffer-allocated\r\n:0\r\n$16\r\nsend-buffer-used\r\n:0\r\n";
        let second = "%6\r\n$9\r\ndirection\r\n$4\r\nfrom\r\n$4\r\nnode\r\n$40\r\n3a3fdc2c713ba2ba037fd5b3d9714bd2422448ba\r\n$11\r\ncreate-time\r\n:1795417542180\r\n$6\r\nevents\r\n$0\r\n\r\n$21\r\nsend-buffer-allocated\r\n:16384\r\n$16\r\nsend-buffer-used\r\n:16384\r\n";
        assert_eq!(
            enc(Proto::Resp3, |r| links(&[to, from], r)),
            format!("*2\r\n{first}{second}")
        );
        // The capture's first link, as the first of ten.
        let ten = [to, from, from, from, from, from, from, from, from, from];
        assert!(enc(Proto::Resp3, |r| links(&ten, r)).starts_with(&format!(
            "*10\r\n{first}%6\r\n$9\r\ndirection\r\n$4\r\nfrom\r\n"
        )));
        let resp2 = enc(Proto::Resp2, |r| links(&[to], r));
        assert_eq!(resp2, format!("*1\r\n*12\r\n{}", &first["%6\r\n".len()..]));
        assert_eq!(enc(Proto::Resp3, |r| links(&[], r)), "*0\r\n");
    }

    // --- HELP ----------------------------------------------------------------------------

    #[test]
    fn help_has_the_58_lines_of_72() {
        let got = enc(Proto::Resp2, help);
        assert_eq!(enc(Proto::Resp3, help), got);
        let lines: Vec<&str> = got.split("\r\n").collect();
        assert_eq!(lines[0], "*58");
        // 58 status lines, then the empty tail after the last CRLF.
        assert_eq!(lines.len(), 1 + 58 + 1);
        assert!(lines[1..59].iter().all(|l| l.starts_with('+')));
        assert_eq!(
            lines[1],
            "+CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
        );
        assert_eq!(lines[2], "+ADDSLOTS <slot> [<slot> ...]");
        assert_eq!(lines[3], "+    Assign slots to current node.");
        assert_eq!(lines[57], "+HELP");
        assert_eq!(lines[58], "+    Print this help.");
        assert_eq!(lines[59], "");
        let i = lines.iter().position(|l| *l == "+MYSHARDID").unwrap();
        assert_eq!(lines[i + 1], "+    Return the node's shard id.");
        let i = lines.iter().position(|l| *l == "+NODES").unwrap();
        assert_eq!(
            lines[i + 2],
            "+    <id> <ip:port@bus-port[,hostname]> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ..."
        );
        let i = lines.iter().position(|l| *l == "+LINKS").unwrap();
        assert_eq!(
            lines[i + 2],
            "+    Output format is an array where each array element is a map containing attributes of a link"
        );
        assert_eq!(i + 2, 56);
    }
}
