//! One client connection: its buffers, parser state, and the in-order reply queue.
//!
//! Replies must leave in request order even when some requests run on other shards.
//! While no reply is outstanding, replies are encoded straight into `out`. Once one
//! is outstanding, later replies take a place in `queue` and are moved to `out` when
//! everything before them is ready.

use crate::command::{ClientState, Combine, Fanout};
use crate::req::{OwnedArgs, Req, Token};
use crate::resp::reply_parse;
use crate::resp::{Parser, Proto, Reply};
use crate::shared::Shared;
use std::collections::VecDeque;

/// Initial and minimum free space for a receive.
pub const READ_CHUNK: usize = 16 * 1024;

/// A reply place in the queue.
pub enum Pending {
    Ready(Vec<u8>),
    /// Waiting for one other shard's reply.
    Wait,
    /// Waiting for several shards' replies to be combined.
    Gather(Box<Gather>),
}

/// How a split or all-shards command's partial replies become one reply.
pub enum GatherKind {
    Fanout(Fanout),
    Combine(Combine),
}

pub struct Gather {
    pub kind: GatherKind,
    pub remaining: usize,
    pub parts: Vec<Vec<u8>>,
    /// For `Fanout::Gather`: per part, the positions (0-based key index) its elements
    /// take in the combined reply; and the number of keys.
    pub positions: Vec<Vec<usize>>,
    pub nkeys: usize,
    /// The original arguments, for custom combiners.
    pub args: Option<OwnedArgs>,
    pub proto: Proto,
}

pub struct Conn {
    pub fd: i32,
    pub gen: u32,
    /// Received bytes; `rpos` is where unparsed input starts.
    pub rbuf: Vec<u8>,
    pub rpos: usize,
    pub parser: Parser,
    /// Replies ready to be sent, in order.
    pub out: Vec<u8>,
    /// The buffer of the SEND in flight, and how much of it went out.
    pub sending: Vec<u8>,
    pub sent: usize,
    pub recv_inflight: bool,
    pub send_inflight: bool,
    /// Closing: no new input is read, the fd is closed when nothing is in flight.
    pub closing: bool,
    pub queue: VecDeque<Pending>,
    pub head_seq: u64,
    pub client: ClientState,
    /// On the shard's list of connections with output to flush.
    pub dirty: bool,
    /// Input processing stopped (output backlog): resume when it drains.
    pub paused: bool,
    /// Waiting for a cross-shard command to finish before running the next one.
    pub stalled: bool,
    /// Commands queued since MULTI.
    pub multi: Option<Box<MultiState>>,
    /// Shards where this client has WATCHed keys.
    pub watch_shards: Vec<u16>,
    /// The reply place of the blocking command this client waits on, and the shard
    /// where it waits.
    pub blocked_seq: Option<u64>,
    pub blocked_on: u16,
}

/// A transaction being queued.
#[derive(Default)]
pub struct MultiState {
    pub cmds: Vec<(&'static crate::command::spec::CommandSpec, OwnedArgs)>,
    /// A command was refused while queueing: EXEC will answer EXECABORT.
    pub dirty: bool,
}

impl Conn {
    pub fn new(fd: i32, gen: u32, client: ClientState) -> Self {
        Conn {
            fd,
            gen,
            rbuf: Vec::with_capacity(READ_CHUNK),
            rpos: 0,
            parser: Parser::new(),
            out: Vec::new(),
            sending: Vec::new(),
            sent: 0,
            recv_inflight: false,
            send_inflight: false,
            closing: false,
            queue: VecDeque::new(),
            head_seq: 0,
            client,
            dirty: false,
            paused: false,
            stalled: false,
            multi: None,
            watch_shards: Vec::new(),
            blocked_seq: None,
            blocked_on: 0,
        }
    }

    pub fn proto(&self) -> Proto {
        self.client.proto
    }

    /// Sequence number the next queued place gets.
    /// The token that names this connection (at index `idx` of its shard) in requests
    /// and replies that travel between threads.
    pub fn token(&self, idx: usize) -> Token {
        Token {
            idx: idx as u32,
            gen: self.gen,
        }
    }

    /// A request for this connection's current command (connection `idx` of its shard),
    /// whose reply takes place `seq`.
    pub fn req(&self, idx: usize, seq: u64, slot: u16) -> Req {
        Req {
            token: self.token(idx),
            seq,
            part: 0,
            proto: self.proto(),
            slot,
            caller: self.client.id,
            asking: self.client.asking,
        }
    }

    pub fn next_seq(&self) -> u64 {
        self.head_seq + self.queue.len() as u64
    }

    /// Reserve a place for a reply computed elsewhere; returns its sequence number.
    pub fn reserve(&mut self, p: Pending) -> u64 {
        let seq = self.next_seq();
        self.queue.push_back(p);
        seq
    }

    /// A reply computed here: straight to `out` when nothing is outstanding.
    pub fn reply_buf(&mut self) -> ReplyTarget<'_> {
        if self.queue.is_empty() {
            ReplyTarget::Direct(&mut self.out)
        } else {
            self.queue.push_back(Pending::Ready(Vec::new()));
            match self.queue.back_mut() {
                Some(Pending::Ready(v)) => ReplyTarget::Queued(v),
                _ => unreachable!(),
            }
        }
    }

    /// Fill the place `seq` with part `part` of its reply; moves ready replies to `out`.
    pub fn deliver(&mut self, shared: &Shared, seq: u64, part: u32, data: Vec<u8>) {
        let Some(i) = seq.checked_sub(self.head_seq) else {
            return;
        };
        let Some(p) = self.queue.get_mut(i as usize) else {
            return;
        };
        match p {
            Pending::Wait => *p = Pending::Ready(data),
            Pending::Gather(g) => {
                g.parts[part as usize] = data;
                g.remaining -= 1;
                if g.remaining == 0 {
                    let bytes = combine(shared, g, &self.client);
                    *p = Pending::Ready(bytes);
                }
            }
            Pending::Ready(_) => {}
        }
        self.drain_ready();
    }

    /// [`Self::deliver`] from a borrowed reply: a whole reply at the head of the queue
    /// (the common case) goes straight to `out`, without a copy of its own.
    pub fn deliver_slice(&mut self, shared: &Shared, seq: u64, part: u32, data: &[u8]) {
        if seq == self.head_seq && matches!(self.queue.front(), Some(Pending::Wait)) {
            self.queue.pop_front();
            self.head_seq += 1;
            self.out.extend_from_slice(data);
            self.drain_ready();
            return;
        }
        self.deliver(shared, seq, part, data.to_vec());
    }

    /// Move the ready replies at the head of the queue to `out`.
    pub fn drain_ready(&mut self) {
        while let Some(Pending::Ready(_)) = self.queue.front() {
            if let Some(Pending::Ready(v)) = self.queue.pop_front() {
                self.out.extend_from_slice(&v);
            }
            self.head_seq += 1;
        }
    }

    /// Unread input bytes.
    pub fn pending_input(&self) -> usize {
        self.rbuf.len() - self.rpos
    }
}

pub enum ReplyTarget<'a> {
    Direct(&'a mut Vec<u8>),
    Queued(&'a mut Vec<u8>),
}

impl ReplyTarget<'_> {
    pub fn buf(&mut self) -> &mut Vec<u8> {
        match self {
            ReplyTarget::Direct(v) | ReplyTarget::Queued(v) => v,
        }
    }
}

/// Combine the parts of a gathered reply into the client's reply bytes.
pub fn combine(shared: &Shared, g: &mut Gather, client: &ClientState) -> Vec<u8> {
    let mut out = Vec::new();
    let mut r = Reply::new(&mut out, g.proto);
    // An error from any part is the reply (as if the command failed on that shard).
    let custom = matches!(g.kind, GatherKind::Combine(Combine::Custom(_)));
    if !custom {
        if let Some(e) = g.parts.iter().find(|p| p.first() == Some(&b'-')) {
            return e.clone();
        }
    }
    match g.kind {
        GatherKind::Fanout(Fanout::SumInt) | GatherKind::Combine(Combine::SumInt) => {
            let mut n = 0i64;
            for p in &g.parts {
                if let Some(reply_parse::Value::Int(k)) = reply_parse::parse(p) {
                    n += k;
                }
            }
            r.int(n);
        }
        GatherKind::Fanout(Fanout::AllOk) | GatherKind::Combine(Combine::AllOk) => r.ok(),
        GatherKind::Fanout(Fanout::Gather) => {
            let mut slots: Vec<&[u8]> = vec![b"$-1\r\n"; g.nkeys];
            for (part, pos) in g.parts.iter().zip(&g.positions) {
                if let Some(elems) = reply_parse::array_elements(part) {
                    for (e, &p) in elems.into_iter().zip(pos) {
                        slots[p] = e;
                    }
                }
            }
            r.array(g.nkeys);
            for s in slots {
                r.raw(s);
            }
        }
        GatherKind::Combine(Combine::Concat) => {
            let mut all: Vec<&[u8]> = Vec::new();
            for p in &g.parts {
                if let Some(elems) = reply_parse::array_elements(p) {
                    all.extend(elems);
                }
            }
            r.array(all.len());
            for e in all {
                r.raw(e);
            }
        }
        GatherKind::Combine(Combine::Custom(f)) => {
            let owned = g.args.take().unwrap_or_default();
            let args = owned.slices();
            f(shared, client, &args, &g.parts, &mut r);
        }
        GatherKind::Fanout(Fanout::Whole) => unreachable!("whole commands are not split"),
    }
    out
}
