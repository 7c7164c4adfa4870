//! Leaf types of a request on its way between threads (shard ↔ shard, shard ↔ bus
//! core): which connection it belongs to, and its arguments copied out of the
//! connection's buffer, and where its reply goes. Imports nothing of ours but the RESP
//! protocol version, so every layer may use it.

use crate::resp::Proto;

/// Identifies a connection on its shard; the generation guards against reuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub idx: u32,
    pub gen: u32,
}

/// Arguments copied out of a connection's buffer, one allocation for all.
#[derive(Debug, Default, Clone)]
pub struct OwnedArgs {
    pub data: Vec<u8>,
    pub ends: Vec<u32>,
}

impl OwnedArgs {
    pub fn new(args: &[&[u8]]) -> Self {
        let total: usize = args.iter().map(|a| a.len()).sum();
        let mut data = Vec::with_capacity(total);
        let mut ends = Vec::with_capacity(args.len());
        for a in args {
            data.extend_from_slice(a);
            ends.push(data.len() as u32);
        }
        OwnedArgs { data, ends }
    }

    /// Copy the arguments at `positions` after `name` (a sub-command for one shard).
    pub fn subset(args: &[&[u8]], positions: &[usize]) -> Self {
        let mut v: Vec<&[u8]> = Vec::with_capacity(positions.len() + 1);
        v.push(args[0]);
        for &p in positions {
            v.push(args[p]);
        }
        Self::new(&v)
    }

    pub fn slices(&self) -> Vec<&[u8]> {
        let mut out = Vec::with_capacity(self.ends.len());
        let mut start = 0;
        for &e in &self.ends {
            out.push(&self.data[start..e as usize]);
            start = e as usize;
        }
        out
    }
}

/// Where a forwarded request's reply goes, and how to run it.
#[derive(Debug, Clone, Copy)]
pub struct Req {
    pub token: Token,
    /// The reply's place in the connection's queue.
    pub seq: u64,
    /// Which part of a split or all-shards reply this is.
    pub part: u32,
    pub proto: Proto,
    /// Slot of the first key.
    pub slot: u16,
    /// Client id of the sending connection.
    pub caller: u64,
    /// Cluster: the client sent ASKING (an importing slot serves it).
    pub asking: bool,
}
