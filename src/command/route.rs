//! Routing: from a command's keys to the shard(s) that must run it.
//!
//! The slot of each key is computed here, once; the verdict carries the first key's
//! slot so handlers never rehash it.

use super::spec::{CommandSpec, RouteKind};
use super::{CmdError, Exec, Fanout};
use crate::slot::{key_hash_slot, SlotTable};

/// Where a command runs.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    /// On one shard (maybe this one), with the slot of its first key.
    Shard { shard: usize, slot: u16 },
    /// Split over shards: per shard, the argument positions (keys, and for key/value
    /// commands the value after each key) that go there, in request order.
    Split(Vec<(usize, Vec<usize>)>),
    /// On every shard.
    All,
    /// On the client's own shard, no keys involved.
    Here,
    /// A command that must see all its keys at once, whose keys live on several shards.
    Cross,
    /// A keyed command whose arguments name no key (malformed, e.g. `LMPOP 0 ...`): run
    /// on this shard so its handler answers the error.
    Local,
}

fn owner(table: &SlotTable, slot: u16) -> Result<usize, CmdError> {
    table
        .get(slot)
        .shard()
        .ok_or_else(|| CmdError::msg("slot is not served by this node"))
}

/// The slot of `args[pos]`; `hint` is the slot of `args[1]` when the caller already
/// computed it (the shard's pipeline lookahead), so a key is hashed once.
#[inline]
pub fn slot_at(args: &[&[u8]], pos: usize, hint: Option<u16>) -> u16 {
    match hint {
        Some(s) if pos == 1 => {
            debug_assert_eq!(s, key_hash_slot(args[1]));
            s
        }
        _ => key_hash_slot(args[pos]),
    }
}

/// The slot of a keyed command's first key (what [`route`] would carry), for checks.
pub fn first_slot(spec: &CommandSpec, args: &[&[u8]]) -> Option<u16> {
    spec.first_key_position(args)
        .map(|p| key_hash_slot(args[p]))
}

/// Decide where `spec` with `args` runs.
/// `hint`: the slot of `args[1]`, when known (see [`slot_at`]).
pub fn route(
    spec: &CommandSpec,
    args: &[&[u8]],
    table: &SlotTable,
    hint: Option<u16>,
) -> Result<Route, CmdError> {
    match spec.exec {
        Exec::Conn(_) | Exec::Container => Ok(Route::Here),
        // CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT: keyless, but run where the slot's
        // keys are.
        Exec::Key(_) if spec.route == RouteKind::SlotArg => {
            match super::cluster::slot_of_args(args) {
                Some(slot) => Ok(Route::Shard {
                    shard: table.get(slot).shard().unwrap_or(0),
                    slot,
                }),
                None => Ok(Route::Local),
            }
        }
        Exec::All(..) => Ok(Route::All),
        Exec::Key(_) => {
            let Some(first) = spec.first_key_position(args) else {
                return Ok(Route::Local);
            };
            let slot = slot_at(args, first, hint);
            Ok(Route::Shard {
                shard: owner(table, slot)?,
                slot,
            })
        }
        Exec::Multi(_, fan) => {
            let positions = spec.key_positions(args);
            let Some(&first) = positions.first() else {
                return Ok(Route::Local);
            };
            let slot = slot_at(args, first, hint);
            let shard = owner(table, slot)?;
            let mut owners = Vec::with_capacity(positions.len());
            let mut same = true;
            for &p in &positions {
                let s = owner(table, key_hash_slot(args[p]))?;
                same &= s == shard;
                owners.push(s);
            }
            if same {
                return Ok(Route::Shard { shard, slot });
            }
            if fan == Fanout::Whole {
                return Ok(Route::Cross);
            }
            let mut split: Vec<(usize, Vec<usize>)> = Vec::new();
            for (&p, &s) in positions.iter().zip(&owners) {
                let entry = match split.iter_mut().find(|(sh, _)| *sh == s) {
                    Some(e) => e,
                    None => {
                        split.push((s, Vec::new()));
                        split.last_mut().unwrap()
                    }
                };
                entry.1.push(p);
                if spec.step == 2 {
                    entry.1.push(p + 1);
                }
            }
            Ok(Route::Split(split))
        }
    }
}
