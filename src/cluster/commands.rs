//! The CLUSTER subcommands the bus core answers (everything that reads or changes the
//! cluster state). Dispatch errors (unknown subcommand, arity) were answered by the shard
//! from the command table; the texts here are Redis 7.2's.

use super::bus::nodes_conf::{NodeFlags, NodeId};
use super::render::{self, ClusterInfo, EndpointType, LinkInfo};
use super::state::Cluster;
use crate::resp::{Proto, Reply};
use crate::shared::Shared;
use std::net::IpAddr;

/// Run `CLUSTER <sub> ...` against the state; the encoded reply.
pub fn execute(c: &mut Cluster, shared: &Shared, args: &[&[u8]], proto: Proto) -> Vec<u8> {
    let mut out = Vec::new();
    let mut r = Reply::new(&mut out, proto);
    if let Err(e) = run(c, shared, args, &mut r) {
        r.error(&format!("ERR {e}"));
    }
    out
}

/// An argument as Redis's `%s` echoes it in an error (cut at a NUL byte).
fn text(a: &[u8]) -> String {
    crate::command::error::c_str(a, usize::MAX).into_owned()
}

/// Redis's strict integer parsing (no `+`, no leading zeros or spaces).
fn parse_i64(a: &[u8]) -> Option<i64> {
    crate::command::arg_i64(a).ok()
}

fn slot_arg(a: &[u8]) -> Result<u16, String> {
    match parse_i64(a) {
        Some(s) if (0..16384).contains(&s) => Ok(s as u16),
        _ => Err("Invalid or out of range slot".into()),
    }
}

/// Redis's checkSlotAssignmentsOrReply over start..=end, accumulating in `marks`.
fn check_range(
    c: &Cluster,
    marks: &mut [u8],
    del: bool,
    start: u16,
    end: u16,
) -> Result<(), String> {
    for s in start..=end {
        let owned = c.owner[s as usize] != super::state::NONE;
        if del && !owned {
            return Err(format!("Slot {s} is already unassigned"));
        }
        if !del && owned {
            return Err(format!("Slot {s} is already busy"));
        }
        marks[s as usize] += 1;
        if marks[s as usize] == 2 {
            return Err(format!("Slot {s} specified multiple times"));
        }
    }
    Ok(())
}

fn endpoint_type(shared: &Shared) -> EndpointType {
    EndpointType::parse(shared.cfg().value("cluster-preferred-endpoint-type"))
        .unwrap_or(EndpointType::Ip)
}

fn wrong_args(sub: &[u8]) -> String {
    format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try CLUSTER HELP.",
        text(sub)
    )
}

fn run(c: &mut Cluster, shared: &Shared, args: &[&[u8]], r: &mut Reply) -> Result<(), String> {
    let sub = args[1].to_ascii_lowercase();
    match sub.as_slice() {
        b"myid" => r.bulk(c.myself.as_str().as_bytes()),
        // Inside a transaction of CLUSTER subcommands (elsewhere the shards answer these).
        b"keyslot" => r.int(crate::slot::key_hash_slot(args[2]) as i64),
        b"countkeysinslot" => match parse_i64(args[2]) {
            None => return Err("value is not an integer or out of range".into()),
            Some(s) if !(0..16384).contains(&s) => return Err("Invalid slot".into()),
            Some(s) => r.int(c.keys.get(s as u16) as i64),
        },
        b"myshardid" => r.bulk(c.me().shard_id.as_str().as_bytes()),
        b"nodes" => render::nodes(&c.records(), r),
        b"slots" => {
            let offsets: Vec<u64> = c.nodes.iter().map(|n| n.repl_offset).collect();
            render::slots(
                &c.records(),
                &offsets,
                &c.owner_indexes(),
                endpoint_type(shared),
                r,
            )
        }
        b"shards" => {
            let offsets: Vec<u64> = c.nodes.iter().map(|n| n.repl_offset).collect();
            render::shards(
                &c.records(),
                &offsets,
                &c.owner_indexes(),
                endpoint_type(shared),
                r,
            )
        }
        b"info" => render::info(&info(c), r),
        b"links" => {
            let mut links = Vec::new();
            for n in &c.nodes {
                for (l, outbound) in [(n.link, true), (n.inbound, false)] {
                    let Some(l) = l.and_then(|l| c.links.get(&l)) else {
                        continue;
                    };
                    if outbound && !l.connected {
                        continue;
                    }
                    links.push(LinkInfo {
                        outbound,
                        node: n.id,
                        create_time: l.ctime,
                        events: if outbound { "rw" } else { "r" },
                        send_buffer: 0,
                    });
                }
            }
            render::links(&links, r)
        }
        b"replicas" | b"slaves" => {
            let shown = text(args[2]);
            let Some(i) = NodeId::from_bytes(args[2]).and_then(|id| c.idx(&id)) else {
                return Err(format!("Unknown node {shown}"));
            };
            if c.nodes[i].flags.contains(NodeFlags::SLAVE) {
                return Err("The specified node is not a master".into());
            }
            let id = c.nodes[i].id;
            render::replicas(&c.records(), &id, r)
        }
        b"count-failure-reports" => {
            let shown = text(args[2]);
            let Some(n) = NodeId::from_bytes(args[2]).and_then(|id| c.failure_reports(&id)) else {
                return Err(format!("Unknown node {shown}"));
            };
            r.int(n as i64)
        }
        b"addslots" | b"delslots" => {
            let del = sub == b"delslots";
            let mut slots = Vec::with_capacity(args.len() - 2);
            for a in &args[2..] {
                slots.push(slot_arg(a)?);
            }
            let mut marks = vec![0u8; 16384];
            for &s in &slots {
                check_range(c, &mut marks, del, s, s)?;
            }
            if del {
                c.del_slots(&slots)?;
            } else {
                c.add_slots(&slots)?;
            }
            r.ok()
        }
        b"addslotsrange" | b"delslotsrange" => {
            let del = sub == b"delslotsrange";
            if args.len() % 2 == 1 {
                return Err(format!(
                    "wrong number of arguments for 'cluster|{}' command",
                    text(&sub)
                ));
            }
            let mut marks = vec![0u8; 16384];
            let mut slots = Vec::new();
            for pair in args[2..].chunks(2) {
                let start = slot_arg(pair[0])?;
                let end = slot_arg(pair[1])?;
                if start > end {
                    return Err(format!(
                        "start slot number {start} is greater than end slot number {end}"
                    ));
                }
                check_range(c, &mut marks, del, start, end)?;
                slots.extend(start..=end);
            }
            if del {
                c.del_slots(&slots)?;
            } else {
                c.add_slots(&slots)?;
            }
            r.ok()
        }
        b"flushslots" => {
            if c.keys.total() > 0 {
                return Err("DB must be empty to perform CLUSTER FLUSHSLOTS.".into());
            }
            c.flush_slots();
            r.ok()
        }
        b"setslot" => {
            if c.me().flags.contains(NodeFlags::SLAVE) {
                return Err("Please use SETSLOT only with masters.".into());
            }
            let slot = slot_arg(args[2])?;
            let action = args[3].to_ascii_lowercase();
            let bad = || {
                "Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP"
                    .to_string()
            };
            let (name, node) = match action.as_slice() {
                b"migrating" | b"importing" | b"node" if args.len() == 5 => {
                    (text(&action), Some(args[4]))
                }
                b"stable" if args.len() == 4 => ("stable".to_string(), None),
                _ => return Err(bad()),
            };
            c.setslot(slot, &name, node)?;
            r.ok()
        }
        b"bumpepoch" => {
            let bumped = c.bump_epoch();
            let e = c.me().config_epoch;
            r.simple(&format!("{} {e}", if bumped { "BUMPED" } else { "STILL" }))
        }
        b"set-config-epoch" => {
            let Some(e) = parse_i64(args[2]) else {
                return Err("value is not an integer or out of range".into());
            };
            if e < 0 {
                return Err(format!("Invalid config epoch specified: {e}"));
            }
            c.set_config_epoch(e as u64)?;
            r.ok()
        }
        b"meet" => {
            if args.len() != 4 && args.len() != 5 {
                return Err(wrong_args(args[1]));
            }
            let Some(port) = parse_i64(args[3]) else {
                return Err(format!("Invalid base port specified: {}", text(args[3])));
            };
            let cport = match args.get(4) {
                Some(a) => match parse_i64(a) {
                    Some(p) => p,
                    None => return Err(format!("Invalid bus port specified: {}", text(a))),
                },
                None => port + 10000,
            };
            let ip: Option<IpAddr> = std::str::from_utf8(args[2])
                .ok()
                .and_then(|s| s.parse().ok());
            let (Some(ip), true) = (
                ip,
                (1..=65535).contains(&port) && (1..=65535).contains(&cport),
            ) else {
                return Err(format!(
                    "Invalid node address specified: {}:{}",
                    text(args[2]),
                    text(args[3])
                ));
            };
            c.meet(&ip.to_string(), port as u16, cport as u16);
            r.ok()
        }
        b"forget" => {
            c.forget(args[2])?;
            r.ok()
        }
        b"replicate" => {
            c.replicate(args[2], c.keys.total())?;
            r.ok()
        }
        b"reset" => {
            if args.len() > 3 {
                return Err(wrong_args(args[1]));
            }
            let hard = match args.get(2).map(|a| a.to_ascii_lowercase()) {
                None => false,
                Some(a) if a == b"soft" => false,
                Some(a) if a == b"hard" => true,
                Some(_) => return Err("syntax error".into()),
            };
            if c.me().flags.contains(NodeFlags::MASTER) && c.keys.total() > 0 {
                return Err(
                    "CLUSTER RESET can't be called with master nodes containing keys".into(),
                );
            }
            c.reset(hard);
            r.ok()
        }
        b"saveconfig" => match c.save() {
            Ok(()) => r.ok(),
            Err(e) => {
                return Err(format!(
                    "error saving the cluster node config: {}",
                    strerror(&e)
                ))
            }
        },
        b"failover" => {
            if args.len() > 3 {
                return Err(wrong_args(args[1]));
            }
            if let Some(a) = args.get(2) {
                let a = a.to_ascii_lowercase();
                if a != b"force" && a != b"takeover" {
                    return Err("syntax error".into());
                }
            }
            let me = c.me();
            if me.flags.contains(NodeFlags::MASTER) {
                return Err("You should send CLUSTER FAILOVER to a replica".into());
            }
            if me.master.and_then(|m| c.idx(&m)).is_none() {
                return Err("I'm a replica but my master is unknown to me".into());
            }
            return Err("CLUSTER FAILOVER is not supported by slotcore yet".into());
        }
        _ => {
            return Err(format!(
                "unknown subcommand '{}'. Try CLUSTER HELP.",
                text(args[1])
            ))
        }
    }
    Ok(())
}

fn info(c: &Cluster) -> ClusterInfo {
    let mut assigned = 0;
    let mut ok = 0;
    let mut pfail = 0;
    let mut fail = 0;
    let owners = c.owner_indexes();
    for &o in &owners {
        if o == u16::MAX {
            continue;
        }
        assigned += 1;
        let f = c.nodes[o as usize].flags;
        if f.contains(NodeFlags::FAIL) {
            fail += 1;
        } else if f.contains(NodeFlags::PFAIL) {
            pfail += 1;
        } else {
            ok += 1;
        }
    }
    let me = c.me();
    let my_epoch = if me.flags.contains(NodeFlags::SLAVE) {
        me.master
            .and_then(|m| c.idx(&m))
            .map_or(me.config_epoch, |m| c.nodes[m].config_epoch)
    } else {
        me.config_epoch
    };
    ClusterInfo {
        state_ok: c.state_ok,
        slots_assigned: assigned,
        slots_ok: ok,
        slots_pfail: pfail,
        slots_fail: fail,
        known_nodes: c.nodes.len(),
        size: c.size,
        current_epoch: c.current_epoch,
        my_epoch,
        sent: c.sent,
        received: c.received,
        links_buffer_limit_exceeded: 0,
    }
}

/// The C library's text for an I/O error (Rust appends " (os error N)").
fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
