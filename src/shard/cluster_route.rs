//! Cluster-mode routing verdicts (Redis's getNodeByQuery): CROSSSLOT, CLUSTERDOWN,
//! MOVED, and, on the shard holding the slot's keys, ASK and TRYAGAIN for slots being
//! migrated. A slot this node owns is served by whichever local shard holds it
//! (forwarded, never redirected).

use crate::command::spec::CommandSpec;
use crate::command::{CmdError, Exec};
use crate::shared::Shared;
use crate::slot::key_hash_slot;
use crate::store::Db;

pub const CROSSSLOT: &str = "CROSSSLOT Keys in request don't hash to the same slot";
const UNBOUND: &str = "CLUSTERDOWN Hash slot not served";
const DOWN: &str = "CLUSTERDOWN The cluster is down";
const DOWN_RO: &str = "CLUSTERDOWN The cluster is down and only accepts read commands";
const TRYAGAIN: &str = "TRYAGAIN Multiple keys request during rehashing of slot";

fn raw(s: impl Into<std::borrow::Cow<'static, str>>) -> CmdError {
    CmdError::Raw(s.into())
}

/// Whether routing looks at this command's keys at all (keyless commands run here).
fn keyed(spec: &CommandSpec) -> bool {
    matches!(spec.exec, Exec::Key(_) | Exec::Multi(..))
        && !matches!(spec.name, "scan" | "countkeysinslot" | "getkeysinslot")
}

/// The slot all keys of a command hash to, or CROSSSLOT / CLUSTERDOWN (unbound first
/// key) in Redis's order. None for keyless commands.
pub fn command_slot(
    shared: &Shared,
    spec: &CommandSpec,
    args: &[&[u8]],
) -> Result<Option<u16>, CmdError> {
    let pos = match spec.name {
        // Shard channels route like keys.
        "spublish" => [1].into_iter().collect(),
        "ssubscribe" | "sunsubscribe" => (1..args.len()).collect(),
        _ if keyed(spec) => spec.key_positions(args),
        _ => return Ok(None),
    };
    let Some(&first) = pos.first() else {
        return Ok(None);
    };
    let slot = key_hash_slot(args[first]);
    if let Some(h) = &shared.cluster {
        if h.view.load().owner[slot as usize] == u16::MAX {
            return Err(raw(UNBOUND));
        }
    }
    for &p in &pos[1..] {
        if key_hash_slot(args[p]) != slot {
            return Err(raw(CROSSSLOT));
        }
    }
    Ok(Some(slot))
}

/// Check a command before it runs or is queued: Ok when this node serves it.
pub fn check(
    shared: &Shared,
    asking: bool,
    readonly: bool,
    spec: &CommandSpec,
    args: &[&[u8]],
) -> Result<(), CmdError> {
    match command_slot(shared, spec, args)? {
        None => Ok(()),
        Some(slot) => slot_verdict(shared, slot, asking, readonly, spec.write, spec),
    }
}

/// Whether this node serves `slot` for this client (state, ownership, ASKING, READONLY).
pub fn slot_verdict(
    shared: &Shared,
    slot: u16,
    asking: bool,
    readonly: bool,
    write: bool,
    spec: &CommandSpec,
) -> Result<(), CmdError> {
    let Some(h) = &shared.cluster else {
        return Ok(());
    };
    let view = h.view.load();
    let owner = view.owner[slot as usize];
    if owner == u16::MAX {
        return Err(raw(UNBOUND));
    }
    let shard_pubsub = matches!(spec.name, "spublish" | "ssubscribe" | "sunsubscribe");
    if !view.state_ok {
        let cfg = shared.cfg();
        if shard_pubsub {
            if !cfg.flag("cluster-allow-pubsubshard-when-down") {
                return Err(raw(DOWN));
            }
        } else if !cfg.flag("cluster-allow-reads-when-down") {
            return Err(raw(DOWN));
        } else if write {
            return Err(raw(DOWN_RO));
        }
    }
    let e = shared.slots.get(slot);
    if e.is_local() {
        return Ok(());
    }
    if e.importing() && (asking || spec.has_flag("asking")) {
        return Ok(());
    }
    if (readonly || shard_pubsub) && !write && view.my_master == Some(owner) {
        return Ok(());
    }
    Err(raw(format!(
        "MOVED {slot} {}",
        view.endpoints[owner as usize]
    )))
}

/// On the shard holding the slot's keys: ASK or TRYAGAIN while the slot is migrating out
/// (keys missing here) or importing (several keys, some missing).
pub fn migration_verdict(
    shared: &Shared,
    db: &Db,
    now: u64,
    spec: &CommandSpec,
    args: &[&[u8]],
    slot: u16,
    asking: bool,
) -> Result<(), CmdError> {
    let Some(h) = &shared.cluster else {
        return Ok(());
    };
    let e = shared.slots.get(slot);
    let migrating = e.is_local() && e.migrating();
    let importing = !e.is_local() && e.importing() && (asking || spec.has_flag("asking"));
    if !(migrating || importing)
        || !keyed(spec)
        || matches!(
            spec.name,
            "spublish" | "ssubscribe" | "sunsubscribe" | "migrate"
        )
    {
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
            return Err(raw(TRYAGAIN));
        }
        let view = h.view.load();
        // Migrating to myself (a misconfiguration Redis tolerates): served here.
        if let Some(t) = view.migrating_to(slot).filter(|&t| t != view.myself) {
            return Err(raw(format!("ASK {slot} {}", view.endpoints[t as usize])));
        }
    }
    if importing && multiple && missing > 0 {
        return Err(raw(TRYAGAIN));
    }
    Ok(())
}
