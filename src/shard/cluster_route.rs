//! Cluster-mode routing verdicts (Redis's getNodeByQuery): CROSSSLOT, CLUSTERDOWN,
//! MOVED, and, on the shard holding the slot's keys, ASK and TRYAGAIN for slots being
//! migrated. Every shard is its own node: `node` is the shard the command arrived on,
//! and a slot owned by a sibling shard-node of the same process is answered like any
//! other node's (MOVED to the sibling's port), never forwarded.

use crate::command::spec::{CommandSpec, RouteKind};
use crate::command::{CmdError, Exec};
use crate::shared::Shared;
use crate::slot::key_hash_slot;
use crate::store::Db;

use crate::cluster::{NodeHandle, View};
use crate::command::error::Down;

/// Whether the cluster verdict looks at this command's keys (shard channels count as
/// keys; keyless commands, SCAN and the slot-argument commands run here).
fn keyed(spec: &CommandSpec) -> bool {
    match spec.route {
        RouteKind::Keys => matches!(spec.exec, Exec::Key(_) | Exec::Multi(..)),
        RouteKind::ShardChannel => true,
        RouteKind::SlotArg | RouteKind::Bus | RouteKind::Transaction => false,
    }
}

/// The slot all keys of a command hash to, or CROSSSLOT / CLUSTERDOWN (unbound first
/// key) in Redis's order. None for keyless commands.
pub fn command_slot(
    shared: &Shared,
    node: usize,
    spec: &CommandSpec,
    args: &[&[u8]],
) -> Result<Option<u16>, CmdError> {
    match shared.node(node) {
        Some(h) => slot_in_view(&h.view.load(), spec, args, None),
        None => Ok(None),
    }
}

fn slot_in_view(
    view: &View,
    spec: &CommandSpec,
    args: &[&[u8]],
    hint: Option<u16>,
) -> Result<Option<u16>, CmdError> {
    if !keyed(spec) {
        return Ok(None);
    }
    let pos = spec.key_positions(args);
    let Some(&first) = pos.first() else {
        return Ok(None);
    };
    let slot = crate::command::route::slot_at(args, first, hint);
    if view.owner[slot as usize] == u16::MAX {
        return Err(CmdError::ClusterDown(Down::Unbound));
    }
    for &p in &pos[1..] {
        if key_hash_slot(args[p]) != slot {
            return Err(CmdError::CrossSlot);
        }
    }
    Ok(Some(slot))
}

/// Check a command before it runs or is queued: Ok when this node serves it, with the
/// slot of its keys (None: keyless), computed here once for the whole command.
pub fn check(
    shared: &Shared,
    node: usize,
    asking: bool,
    readonly: bool,
    spec: &CommandSpec,
    args: &[&[u8]],
    hint: Option<u16>,
) -> Result<Option<u16>, CmdError> {
    let Some(h) = shared.node(node) else {
        return Ok(None);
    };
    // One snapshot of the view for the whole decision.
    let view = h.view.load();
    match slot_in_view(&view, spec, args, hint)? {
        None => Ok(None),
        Some(slot) => verdict_in_view(shared, h, &view, slot, asking, readonly, spec.write, spec)
            .map(|()| Some(slot)),
    }
}

/// Whether this node serves `slot` for this client (state, ownership, ASKING, READONLY).
pub fn slot_verdict(
    shared: &Shared,
    node: usize,
    slot: u16,
    asking: bool,
    readonly: bool,
    write: bool,
    spec: &CommandSpec,
) -> Result<(), CmdError> {
    let Some(h) = shared.node(node) else {
        return Ok(());
    };
    verdict_in_view(
        shared,
        h,
        &h.view.load(),
        slot,
        asking,
        readonly,
        write,
        spec,
    )
}

#[allow(clippy::too_many_arguments)]
fn verdict_in_view(
    shared: &Shared,
    h: &NodeHandle,
    view: &View,
    slot: u16,
    asking: bool,
    readonly: bool,
    write: bool,
    spec: &CommandSpec,
) -> Result<(), CmdError> {
    let owner = view.owner[slot as usize];
    if owner == u16::MAX {
        return Err(CmdError::ClusterDown(Down::Unbound));
    }
    let shard_pubsub = spec.route == RouteKind::ShardChannel;
    if !view.state_ok {
        let cfg = shared.cfg();
        if shard_pubsub {
            if !cfg.flag("cluster-allow-pubsubshard-when-down") {
                return Err(CmdError::ClusterDown(Down::Fail));
            }
        } else if !cfg.flag("cluster-allow-reads-when-down") {
            return Err(CmdError::ClusterDown(Down::Fail));
        } else if write {
            return Err(CmdError::ClusterDown(Down::ReadOnly));
        }
    }
    let e = h.slots.get(slot);
    if e.is_local() {
        return Ok(());
    }
    if e.importing() && (asking || spec.asking) {
        return Ok(());
    }
    if (readonly || shard_pubsub) && !write && view.my_master == Some(owner) {
        return Ok(());
    }
    Err(CmdError::Moved {
        slot,
        addr: view.endpoints[owner as usize].clone(),
    })
}

/// On the shard holding the slot's keys: ASK or TRYAGAIN while the slot is migrating out
/// (keys missing here) or importing (several keys, some missing).
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn migration_verdict(
    shared: &Shared,
    node: usize,
    db: &Db,
    now: u64,
    spec: &CommandSpec,
    args: &[&[u8]],
    slot: u16,
    asking: bool,
) -> Result<(), CmdError> {
    let Some(h) = shared.node(node) else {
        return Ok(());
    };
    let e = h.slots.get(slot);
    if !e.migrating() && !e.importing() {
        return Ok(());
    }
    migration_verdict_slow(h, db, now, spec, args, slot, asking, e)
}

#[cold]
#[allow(clippy::too_many_arguments)]
fn migration_verdict_slow(
    h: &NodeHandle,
    db: &Db,
    now: u64,
    spec: &CommandSpec,
    args: &[&[u8]],
    slot: u16,
    asking: bool,
    e: crate::slot::SlotEntry,
) -> Result<(), CmdError> {
    let migrating = e.is_local() && e.migrating();
    let importing = !e.is_local() && e.importing() && (asking || spec.asking);
    // Shard channels are not keys of the keyspace: they never get ASK or TRYAGAIN.
    if !(migrating || importing) || !keyed(spec) || spec.route == RouteKind::ShardChannel {
        return Ok(());
    }
    let pos = spec.key_positions(args);
    let Some(&first) = pos.first() else {
        return Ok(());
    };
    let (mut missing, mut existing, mut multiple) = (0, 0, false);
    for &p in &pos {
        if args[p] != args[first] {
            multiple = true;
        }
        if db.exists_quiet(slot, args[p], now) {
            existing += 1;
        } else {
            missing += 1;
        }
    }
    if migrating && missing > 0 {
        if existing > 0 {
            return Err(CmdError::TryAgain);
        }
        let view = h.view.load();
        // Migrating to myself (a misconfiguration Redis tolerates): served here.
        if let Some(t) = view.migrating_to(slot).filter(|&t| t != view.myself) {
            return Err(CmdError::Ask {
                slot,
                addr: view.endpoints[t as usize].clone(),
            });
        }
    }
    if importing && multiple && missing > 0 {
        return Err(CmdError::TryAgain);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The verdict as a table: slot state × view × client flags → reply.

    use super::*;
    use crate::command::spec::lookup;
    use crate::config::Config;
    use crate::slot::SlotEntry;
    use std::sync::Arc;

    const SLOT: u16 = 100;

    #[derive(Clone)]
    struct Case {
        owner: Option<u16>,
        entry: u32,
        state_ok: bool,
        reads_when_down: bool,
        my_master: Option<u16>,
        asking: bool,
        readonly: bool,
        cmd: &'static str,
        want: Result<(), CmdError>,
    }

    fn shared(reads_when_down: bool) -> Arc<Shared> {
        let args: Vec<String> = [
            "--cluster-enabled",
            "yes",
            "--cluster-allow-reads-when-down",
            if reads_when_down { "yes" } else { "no" },
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        Shared::new(Config::from_args(&args).unwrap(), 1, String::new())
    }

    fn run(c: &Case) -> Result<(), CmdError> {
        let sh = shared(c.reads_when_down);
        let h = sh.node(0).unwrap();
        let mut view = View::empty();
        view.state_ok = c.state_ok;
        view.endpoints = vec!["127.0.0.1:7000".into(), "127.0.0.1:7001".into()];
        view.my_master = c.my_master;
        if let Some(o) = c.owner {
            view.owner[SLOT as usize] = o;
        }
        h.view.store(Arc::new(view));
        h.slots.set(SLOT, SlotEntry(c.entry));
        let spec = lookup(c.cmd.as_bytes()).unwrap();
        slot_verdict(&sh, 0, SLOT, c.asking, c.readonly, spec.write, spec)
    }

    fn moved() -> Result<(), CmdError> {
        Err(CmdError::Moved {
            slot: SLOT,
            addr: "127.0.0.1:7001".into(),
        })
    }

    #[test]
    fn verdict_table() {
        use Down::*;
        const L: u32 = SlotEntry::LOCAL;
        const I: u32 = SlotEntry::IMPORTING;
        let base = Case {
            owner: Some(0),
            entry: L,
            state_ok: true,
            reads_when_down: false,
            my_master: None,
            asking: false,
            readonly: false,
            cmd: "get",
            want: Ok(()),
        };
        let cases = [
            Case { ..base.clone() },
            Case {
                owner: None,
                entry: 0,
                want: Err(CmdError::ClusterDown(Unbound)),
                ..base.clone()
            },
            Case {
                owner: Some(1),
                entry: 0,
                want: moved(),
                ..base.clone()
            },
            Case {
                owner: Some(1),
                entry: I,
                want: moved(),
                ..base.clone()
            },
            Case {
                owner: Some(1),
                entry: I,
                asking: true,
                want: Ok(()),
                ..base.clone()
            },
            Case {
                owner: Some(1),
                entry: I,
                cmd: "set",
                asking: true,
                want: Ok(()),
                ..base.clone()
            },
            Case {
                state_ok: false,
                want: Err(CmdError::ClusterDown(Fail)),
                ..base.clone()
            },
            Case {
                state_ok: false,
                reads_when_down: true,
                want: Ok(()),
                ..base.clone()
            },
            Case {
                state_ok: false,
                reads_when_down: true,
                cmd: "set",
                want: Err(CmdError::ClusterDown(ReadOnly)),
                ..base.clone()
            },
            // A replica of the owner serves reads to READONLY clients only.
            Case {
                owner: Some(1),
                entry: 0,
                my_master: Some(1),
                readonly: true,
                want: Ok(()),
                ..base.clone()
            },
            Case {
                owner: Some(1),
                entry: 0,
                my_master: Some(1),
                want: moved(),
                ..base.clone()
            },
            Case {
                owner: Some(1),
                entry: 0,
                my_master: Some(1),
                readonly: true,
                cmd: "set",
                want: moved(),
                ..base.clone()
            },
            // Shard pub/sub is served by the owner's replicas without READONLY.
            Case {
                owner: Some(1),
                entry: 0,
                my_master: Some(1),
                cmd: "spublish",
                want: Ok(()),
                ..base.clone()
            },
            Case {
                owner: Some(1),
                entry: 0,
                cmd: "spublish",
                want: moved(),
                ..base.clone()
            },
        ];
        for (i, c) in cases.iter().enumerate() {
            assert_eq!(run(c), c.want, "case {i}");
        }
    }
}
