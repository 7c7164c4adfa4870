//! CLUSTER, ASKING, READONLY, READWRITE as the command table declares them.
//!
//! Most CLUSTER subcommands read or change the cluster state, which the bus core owns:
//! the shard forwards them there (see [`runs_on_bus`]) and the reply comes back like a
//! cross-shard reply. KEYSLOT and HELP run where the client is; COUNTKEYSINSLOT and
//! GETKEYSINSLOT run on the shard that holds the slot's keys.

use super::spec::{c, container, CommandSpec, RouteKind, NOKEY};
use super::{ClientState, CmdError, Ctx, Exec};
use crate::resp::Reply;
use crate::slot::key_hash_slot;

type R = Result<(), CmdError>;

pub const DISABLED: &str = "This instance has cluster support disabled";

fn disabled() -> CmdError {
    CmdError::msg(DISABLED)
}

fn cluster_mode(ctx: &Ctx) -> R {
    if ctx.shared.cluster.is_none() {
        return Err(disabled());
    }
    Ok(())
}

/// Whether a resolved command is answered by the bus core (CLUSTER state subcommands).
pub fn runs_on_bus(spec: &CommandSpec) -> bool {
    spec.route == RouteKind::Bus
}

/// Whether a command can run inside a transaction handed to the bus core.
pub fn bus_can_run(spec: &CommandSpec) -> bool {
    spec.bus_in_tx
}

/// Placeholder handler of bus subcommands: in cluster mode the shard forwards them
/// before this runs; in standalone mode this is the answer.
fn on_bus(_ctx: &mut Ctx, _c: &mut ClientState, _args: &[&[u8]], _out: &mut Reply) -> R {
    Err(disabled())
}

fn keyslot(ctx: &mut Ctx, _c: &mut ClientState, args: &[&[u8]], out: &mut Reply) -> R {
    cluster_mode(ctx)?;
    out.int(key_hash_slot(args[2]) as i64);
    Ok(())
}

fn help(ctx: &mut Ctx, _c: &mut ClientState, _args: &[&[u8]], out: &mut Reply) -> R {
    cluster_mode(ctx)?;
    crate::cluster::render::help(out);
    Ok(())
}

/// The slot argument of COUNTKEYSINSLOT / GETKEYSINSLOT, for routing (None: let the
/// handler answer the error).
pub fn slot_of_args(args: &[&[u8]]) -> Option<u16> {
    let v: i64 = std::str::from_utf8(args.get(2)?).ok()?.parse().ok()?;
    (0..16384).contains(&v).then_some(v as u16)
}

fn countkeysinslot(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    if ctx.shared.cluster.is_none() {
        return Err(disabled());
    }
    let v = super::arg_i64(args[2])?;
    if !(0..16384).contains(&v) {
        return Err(CmdError::msg("Invalid slot"));
    }
    out.int(ctx.db.slot_len(v as u16) as i64);
    Ok(())
}

fn getkeysinslot(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    if ctx.shared.cluster.is_none() {
        return Err(disabled());
    }
    let slot = super::arg_i64(args[2])?;
    let count = super::arg_i64(args[3])?;
    if !(0..16384).contains(&slot) || count < 0 {
        return Err(CmdError::msg("Invalid slot or number of keys"));
    }
    let mut keys: Vec<Vec<u8>> = Vec::new();
    ctx.db.for_each_in_slot(slot as u16, ctx.now, |k, _| {
        if (keys.len() as i64) < count {
            keys.push(k.to_vec());
        }
    });
    out.array(keys.len());
    for k in &keys {
        out.bulk(k);
    }
    Ok(())
}

fn asking(ctx: &mut Ctx, c: &mut ClientState, _args: &[&[u8]], out: &mut Reply) -> R {
    cluster_mode(ctx)?;
    c.asking = true;
    out.ok();
    Ok(())
}

fn readonly(ctx: &mut Ctx, c: &mut ClientState, _args: &[&[u8]], out: &mut Reply) -> R {
    cluster_mode(ctx)?;
    c.readonly = true;
    out.ok();
    Ok(())
}

fn readwrite(ctx: &mut Ctx, c: &mut ClientState, _args: &[&[u8]], out: &mut Reply) -> R {
    cluster_mode(ctx)?;
    c.readonly = false;
    out.ok();
    Ok(())
}

use Exec::{Conn, Key};

const ADMIN: &str = "no_async_loading admin stale";

#[rustfmt::skip]
static CLUSTER_SUBS: &[CommandSpec] = &[
    c("addslots", -3, ADMIN, NOKEY, Conn(on_bus), "cluster", "3.0.0", "Assigns new hash slots to a node.").routed(RouteKind::Bus),
    c("addslotsrange", -4, ADMIN, NOKEY, Conn(on_bus), "cluster", "7.0.0", "Assigns new hash slot ranges to a node.").routed(RouteKind::Bus),
    c("bumpepoch", 2, ADMIN, NOKEY, Conn(on_bus), "cluster", "3.0.0", "Advances the cluster config epoch.").routed(RouteKind::Bus),
    c("count-failure-reports", 3, "admin stale", NOKEY, Conn(on_bus), "cluster", "3.0.0", "Returns the number of active failure reports active for a node.").routed(RouteKind::Bus),
    c("countkeysinslot", 3, "stale", NOKEY, Key(countkeysinslot), "cluster", "3.0.0", "Returns the number of keys in a hash slot.").routed(RouteKind::SlotArg).bus_in_tx(),
    c("delslots", -3, ADMIN, NOKEY, Conn(on_bus), "cluster", "3.0.0", "Sets hash slots as unbound for a node.").routed(RouteKind::Bus),
    c("delslotsrange", -4, ADMIN, NOKEY, Conn(on_bus), "cluster", "7.0.0", "Sets hash slot ranges as unbound for a node.").routed(RouteKind::Bus),
    c("failover", -2, ADMIN, NOKEY, Conn(on_bus), "cluster", "3.0.0", "Forces a replica to perform a manual failover of its master.").routed(RouteKind::Bus),
    c("flushslots", 2, ADMIN, NOKEY, Conn(on_bus), "cluster", "3.0.0", "Deletes all slots information from a node.").routed(RouteKind::Bus),
    c("forget", 3, ADMIN, NOKEY, Conn(on_bus), "cluster", "3.0.0", "Removes a node from the nodes table.").routed(RouteKind::Bus),
    c("getkeysinslot", 4, "stale", NOKEY, Key(getkeysinslot), "cluster", "3.0.0", "Returns the key names in a hash slot.").routed(RouteKind::SlotArg),
    c("help", 2, "loading stale", NOKEY, Conn(help), "cluster", "5.0.0", "Returns helpful text about the different subcommands."),
    c("info", 2, "stale", NOKEY, Conn(on_bus), "cluster", "3.0.0", "Returns information about the state of a node.").routed(RouteKind::Bus),
    c("keyslot", 3, "stale", NOKEY, Conn(keyslot), "cluster", "3.0.0", "Returns the hash slot for a key.").bus_in_tx(),
    c("links", 2, "stale", NOKEY, Conn(on_bus), "cluster", "7.0.0", "Returns a list of all TCP links to and from peer nodes.").routed(RouteKind::Bus),
    c("meet", -4, ADMIN, NOKEY, Conn(on_bus), "cluster", "3.0.0", "Forces a node to handshake with another node.").routed(RouteKind::Bus),
    c("myid", 2, "stale", NOKEY, Conn(on_bus), "cluster", "3.0.0", "Returns the ID of a node.").routed(RouteKind::Bus),
    c("myshardid", 2, "stale", NOKEY, Conn(on_bus), "cluster", "7.2.0", "Returns the shard ID of a node.").routed(RouteKind::Bus),
    c("nodes", 2, "stale", NOKEY, Conn(on_bus), "cluster", "3.0.0", "Returns the cluster configuration for a node.").routed(RouteKind::Bus),
    c("replicas", 3, "admin stale", NOKEY, Conn(on_bus), "cluster", "5.0.0", "Lists the replica nodes of a master node.").routed(RouteKind::Bus),
    c("replicate", 3, ADMIN, NOKEY, Conn(on_bus), "cluster", "3.0.0", "Configure a node as replica of a master node.").routed(RouteKind::Bus),
    c("reset", -2, "admin stale noscript", NOKEY, Conn(on_bus), "cluster", "3.0.0", "Resets a node.").routed(RouteKind::Bus),
    c("saveconfig", 2, ADMIN, NOKEY, Conn(on_bus), "cluster", "3.0.0", "Forces a node to save the cluster configuration to disk.").routed(RouteKind::Bus),
    c("set-config-epoch", 3, ADMIN, NOKEY, Conn(on_bus), "cluster", "3.0.0", "Sets the configuration epoch for a new node.").routed(RouteKind::Bus),
    c("setslot", -4, ADMIN, NOKEY, Conn(on_bus), "cluster", "3.0.0", "Binds a hash slot to a node.").routed(RouteKind::Bus),
    c("shards", 2, "loading stale", NOKEY, Conn(on_bus), "cluster", "7.0.0", "Returns the mapping of cluster slots to shards.").routed(RouteKind::Bus),
    c("slaves", 3, "admin stale", NOKEY, Conn(on_bus), "cluster", "3.0.0", "Lists the replica nodes of a master node.").routed(RouteKind::Bus),
    c("slots", 2, "loading stale", NOKEY, Conn(on_bus), "cluster", "3.0.0", "Returns the mapping of cluster slots to nodes.").routed(RouteKind::Bus),
];

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    container("cluster", "cluster", "3.0.0", "A container for Redis Cluster commands.", CLUSTER_SUBS),
    c("asking", 1, "fast", NOKEY, Conn(asking), "cluster", "3.0.0", "Signals that a cluster client is following an -ASK redirect."),
    c("readonly", 1, "fast loading stale", NOKEY, Conn(readonly), "cluster", "3.0.0", "Enables read-only queries for a connection to a Redis Cluster replica node."),
    c("readwrite", 1, "fast loading stale", NOKEY, Conn(readwrite), "cluster", "3.0.0", "Enables read-write queries for a connection to a Reids Cluster replica node."),
];
