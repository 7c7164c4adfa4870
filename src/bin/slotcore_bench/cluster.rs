//! The cluster view: known nodes and who serves each of the 16384 slots.

use super::resp::{parse_value, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

pub const SLOTS: usize = 16384;

/// Nodes by index plus slot -> node index. Every thread keeps its own copy.
#[derive(Clone, Debug)]
pub struct Topology {
    pub nodes: Vec<SocketAddr>,
    pub slots: Vec<u16>,
}

pub fn resolve(host: &str, port: u16) -> Result<SocketAddr, String> {
    (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}:{port}: {e}"))?
        .next()
        .ok_or_else(|| format!("no address for {host}:{port}"))
}

/// Resolve a `host:port` as found in a redirection.
pub fn resolve_hostport(s: &str) -> Result<SocketAddr, String> {
    let (h, p) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("bad address '{s}'"))?;
    let p: u16 = p.parse().map_err(|_| format!("bad port in '{s}'"))?;
    resolve(h.trim_start_matches('[').trim_end_matches(']'), p)
}

impl Topology {
    /// Every slot on one node.
    pub fn single(addr: SocketAddr) -> Topology {
        Topology {
            nodes: vec![addr],
            slots: vec![0; SLOTS],
        }
    }

    /// Index of `addr`, adding it if new.
    pub fn node_index(&mut self, addr: SocketAddr) -> usize {
        match self.nodes.iter().position(|a| *a == addr) {
            Some(i) => i,
            None => {
                self.nodes.push(addr);
                self.nodes.len() - 1
            }
        }
    }

    /// Apply a CLUSTER SLOTS reply. `origin` answered it (used for an empty host).
    /// Slots the reply does not cover keep their previous owner.
    pub fn apply_cluster_slots(&mut self, v: &Value, origin: SocketAddr) -> Result<usize, String> {
        let Value::Arr(ranges) = v else {
            return Err(format!("CLUSTER SLOTS: unexpected reply {v:?}"));
        };
        let mut covered = 0;
        for r in ranges {
            let Value::Arr(f) = r else {
                return Err("CLUSTER SLOTS: range is not an array".into());
            };
            let (Some(Value::Int(a)), Some(Value::Int(b)), Some(Value::Arr(master))) =
                (f.first(), f.get(1), f.get(2))
            else {
                return Err(format!("CLUSTER SLOTS: bad range {r:?}"));
            };
            let (Some(Value::Str(host)), Some(Value::Int(port))) = (master.first(), master.get(1))
            else {
                return Err(format!("CLUSTER SLOTS: bad node {master:?}"));
            };
            let host = String::from_utf8_lossy(host);
            let addr = if host.is_empty() || host == "?" {
                SocketAddr::new(origin.ip(), *port as u16)
            } else {
                resolve(&host, *port as u16)?
            };
            let idx = self.node_index(addr);
            let idx = u16::try_from(idx).map_err(|_| "too many nodes".to_string())?;
            if *a < 0 || *b >= SLOTS as i64 || a > b {
                return Err(format!("CLUSTER SLOTS: bad slot range {a}-{b}"));
            }
            for s in *a..=*b {
                self.slots[s as usize] = idx;
            }
            covered += (b - a + 1) as usize;
        }
        Ok(covered)
    }
}

/// Blocking one-shot: ask `addr` for CLUSTER SLOTS and build the topology.
pub fn fetch(addr: SocketAddr) -> Result<Topology, String> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("connect to {addr}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    s.write_all(b"*2\r\n$7\r\nCLUSTER\r\n$5\r\nSLOTS\r\n")
        .map_err(|e| format!("write to {addr}: {e}"))?;
    let mut buf = Vec::with_capacity(16 * 1024);
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = s
            .read(&mut chunk)
            .map_err(|e| format!("read CLUSTER SLOTS from {addr}: {e}"))?;
        if n == 0 {
            return Err(format!("{addr} closed the connection"));
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some((len, _)) = super::resp::frame(&buf).map_err(|e| e.0)? {
            let (v, _) = parse_value(&buf[..len]).map_err(|e| e.0)?;
            if let Value::Err(e) = &v {
                return Err(format!(
                    "CLUSTER SLOTS on {addr}: {e} (is it a cluster node?)"
                ));
            }
            let mut t = Topology {
                nodes: Vec::new(),
                slots: vec![u16::MAX; SLOTS],
            };
            let covered = t.apply_cluster_slots(&v, addr)?;
            if covered < SLOTS {
                return Err(format!(
                    "CLUSTER SLOTS on {addr} covers {covered} of {SLOTS} slots"
                ));
            }
            return Ok(t);
        }
    }
}
