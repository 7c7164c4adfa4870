//! The bus core: one glommio executor on its own thread (pinned with `bus-cpu`) that runs
//! the cluster bus of every shard-node of the process: one [`Cluster`] state, bus
//! listener, set of links and nodes file per node, exactly as separate Redis nodes
//! would have them on the wire (sibling shard-nodes talk to each other over TCP like
//! any two nodes). It frames messages, runs the 100 ms cron, answers the shards'
//! CLUSTER requests, saves the nodes files and publishes each node's view and slot
//! table.
//!
//! Every event (a frame, a timer tick, a request) runs one node's state machine to
//! completion and then `drive` carries out what it asked for; nothing awaits while a
//! state is borrowed.

use super::state::{Cluster, Effect, LinkId, Out, Settings};
use super::{BusReq, View};
use crate::cluster::bus::wire;
use crate::config::Config;
use crate::mesh::{Mesh, Msg};
use crate::shared::{unix_ms, Shared};
use crate::slot::{SlotEntry, SlotTable};
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use glommio::channels::local_channel::{self, LocalSender};
use glommio::net::{TcpListener, TcpStream};
use std::cell::RefCell;
use std::collections::HashMap;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

/// Refresh the settings of shard-node `node` that CONFIG SET may change. Ports given
/// as `cluster-announce-port` / `cluster-announce-bus-port` are the first node's; node
/// i announces them plus i, as its real ports are `port + i` and `cluster-port + i`.
pub fn apply_config(set: &mut Settings, cfg: &Config, node: usize) {
    let plus = |p: i64| match p.clamp(0, 65535) as u16 {
        0 => 0,
        p => p.saturating_add(node as u16),
    };
    set.node_timeout = cfg.number("cluster-node-timeout").max(1) as u64;
    set.require_full_coverage = cfg.flag("cluster-require-full-coverage");
    set.allow_replica_migration = cfg.flag("cluster-allow-replica-migration");
    set.announce_ip = cfg.value("cluster-announce-ip").to_string();
    set.announce_port = plus(cfg.number("cluster-announce-port"));
    set.announce_bus_port = plus(cfg.number("cluster-announce-bus-port"));
    set.announce_hostname = cfg.value("cluster-announce-hostname").to_string();
    set.announce_nodename = cfg.value("cluster-announce-human-nodename").to_string();
}

struct LinkIo {
    tx: LocalSender<Vec<u8>>,
    fd: i32,
}

/// One shard-node's bus identity.
struct NodeBus {
    st: RefCell<Cluster>,
    links: RefCell<HashMap<LinkId, LinkIo>>,
}

struct Bus {
    /// Indexed by shard: node i is shard i.
    nodes: Vec<NodeBus>,
    shared: Arc<Shared>,
    mesh: Arc<Mesh>,
    /// A small ring of our own, only to post MSG_RING wake-ups to the shards' rings.
    waker: RefCell<io_uring::IoUring>,
}

/// Start the bus core thread with one bus identity per shard-node: `nodes[i]` is shard
/// i's state (loaded from its nodes file by the caller, so that start-up fails before
/// anything is served when a file is corrupt) and its bound bus listener.
pub fn spawn(
    nodes: Vec<(Cluster, std::net::TcpListener)>,
    shared: Arc<Shared>,
    mesh: Arc<Mesh>,
    cpu: Option<usize>,
) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("bus".into())
        .spawn(move || {
            let placement = match cpu {
                Some(c) => glommio::Placement::Fixed(c),
                None => glommio::Placement::Unbound,
            };
            let ex = glommio::LocalExecutorBuilder::new(placement)
                .name("bus")
                .io_memory(256 << 10)
                .ring_depth(128)
                .make()
                .expect("bus core executor");
            ex.run(async move {
                let waker = io_uring::IoUring::new(64).expect("bus wake-up ring");
                let mut listeners = Vec::with_capacity(nodes.len());
                let mut states = Vec::with_capacity(nodes.len());
                for (st, l) in nodes {
                    states.push(NodeBus {
                        st: RefCell::new(st),
                        links: RefCell::new(HashMap::new()),
                    });
                    listeners.push(l);
                }
                let bus = Rc::new(Bus {
                    nodes: states,
                    shared,
                    mesh,
                    waker: RefCell::new(waker),
                });
                for (node, listener) in listeners.into_iter().enumerate() {
                    bus.drive(node);
                    let _ = listener.set_nonblocking(true);
                    // SAFETY: the fd comes from a listener we own and give up here.
                    let l = unsafe {
                        <TcpListener as std::os::fd::FromRawFd>::from_raw_fd(
                            std::os::fd::IntoRawFd::into_raw_fd(listener),
                        )
                    };
                    glommio::spawn_local(accept_loop(bus.clone(), node, l)).detach();
                }
                glommio::spawn_local(inbox_loop(bus.clone())).detach();
                cron_loop(bus).await;
            });
        })
        .expect("spawn bus thread")
}

async fn cron_loop(bus: Rc<Bus>) {
    loop {
        glommio::timer::sleep(Duration::from_millis(100)).await;
        if bus.shared.is_shutting_down() {
            return;
        }
        let cfg = bus.shared.cfg();
        for node in 0..bus.nodes.len() {
            {
                let mut st = bus.nodes[node].st.borrow_mut();
                st.now = unix_ms();
                apply_config(&mut st.set, &cfg, node);
                st.cron();
            }
            bus.drive(node);
        }
    }
}

async fn inbox_loop(bus: Rc<Bus>) {
    let h = super::handle(&bus.shared);
    loop {
        let req = futures_lite::future::poll_fn(|cx| {
            h.waker.register(cx.waker());
            match h.inbox.pop() {
                Some(r) => std::task::Poll::Ready(r),
                None => std::task::Poll::Pending,
            }
        })
        .await;
        match req {
            BusReq::Commands {
                node,
                token,
                seq,
                proto,
                cmds,
                exec,
            } => {
                let node = node as usize;
                let mut data = Vec::new();
                if exec {
                    crate::resp::Reply::new(&mut data, proto).array(cmds.len());
                }
                {
                    let mut st = bus.nodes[node].st.borrow_mut();
                    st.now = unix_ms();
                    for args in &cmds {
                        let r =
                            super::commands::execute(&mut st, &bus.shared, &args.slices(), proto);
                        data.extend_from_slice(&r);
                    }
                }
                // Publish the new slot table and view before the client sees +OK, so
                // its next command is routed by what it just changed.
                bus.drive(node);
                bus.to_shard(
                    node,
                    Msg::Reply {
                        token,
                        seq,
                        part: 0,
                        data,
                    },
                );
            }
            BusReq::Publish {
                node,
                shard,
                channel,
                message,
            } => {
                let node = node as usize;
                bus.nodes[node]
                    .st
                    .borrow_mut()
                    .publish(shard, channel, message);
                bus.drive(node);
            }
        }
    }
}

async fn accept_loop(bus: Rc<Bus>, node: usize, l: TcpListener) {
    loop {
        let s = match l.accept().await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("cluster bus: accept failed: {e}");
                glommio::timer::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = s.set_nodelay(true);
        let peer = s
            .peer_addr()
            .map(|a| a.ip().to_string())
            .unwrap_or_default();
        let local = s
            .local_addr()
            .map(|a| a.ip().to_string())
            .unwrap_or_default();
        let id = {
            let mut st = bus.nodes[node].st.borrow_mut();
            st.now = unix_ms();
            st.on_accept(peer, local)
        };
        start_link(&bus, node, id, s);
    }
}

/// Run a connected link of `node`: a writer task fed by a channel and a reader that
/// frames messages into the node's state machine.
fn start_link(bus: &Rc<Bus>, node: usize, id: LinkId, s: TcpStream) {
    let fd = s.as_raw_fd();
    let (tx, rx) = local_channel::new_unbounded::<Vec<u8>>();
    bus.nodes[node]
        .links
        .borrow_mut()
        .insert(id, LinkIo { tx, fd });
    let (mut r, mut w) = futures_lite::io::split(s);
    glommio::spawn_local(async move {
        while let Some(data) = rx.recv().await {
            if w.write_all(&data).await.is_err() {
                break;
            }
        }
        let _ = w.close().await;
    })
    .detach();
    let bus = bus.clone();
    glommio::spawn_local(async move {
        let nb = &bus.nodes[node];
        let mut buf: Vec<u8> = Vec::with_capacity(8192);
        let mut chunk = vec![0u8; 16384];
        'read: loop {
            let n = match r.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            buf.extend_from_slice(&chunk[..n]);
            loop {
                match wire::frame_len(&buf) {
                    Ok(Some(len)) => {
                        {
                            let mut st = nb.st.borrow_mut();
                            st.now = unix_ms();
                            if !st.links.contains_key(&id) {
                                break 'read;
                            }
                            st.on_frame(id, &buf[..len]);
                        }
                        buf.drain(..len);
                        bus.drive(node);
                    }
                    Ok(None) => break,
                    Err(e) => {
                        eprintln!("cluster bus: closing link {id}: bad message framing ({e:?})");
                        break 'read;
                    }
                }
            }
        }
        bus.close_io(node, id);
        {
            let mut st = nb.st.borrow_mut();
            st.now = unix_ms();
            st.on_link_closed(id);
        }
        bus.drive(node);
    })
    .detach();
}

impl Bus {
    fn close_io(&self, node: usize, id: LinkId) {
        if let Some(io) = self.nodes[node].links.borrow_mut().remove(&id) {
            // Wakes the reader (EOF); dropping the sender ends the writer.
            // SAFETY: shutdown(2) on a socket this link owns; the fd stays open until
            // the stream halves are dropped.
            unsafe { libc::shutdown(io.fd, libc::SHUT_RDWR) };
        }
    }

    fn to_shard(&self, shard: usize, msg: Msg) {
        if self.mesh.push(shard, vec![msg]) {
            let fd = self.mesh.ring_fd(shard);
            let e = io_uring::opcode::MsgRingData::new(
                io_uring::types::Fd(fd),
                0,
                crate::mesh::WAKE_USER_DATA,
                None,
            )
            .build()
            .user_data(0);
            let mut ring = self.waker.borrow_mut();
            // SAFETY: the entry references no memory.
            unsafe {
                while ring.submission().push(&e).is_err() {
                    let _ = ring.submit();
                }
            }
            let _ = ring.submit();
            // Reap completions so the small ring never fills.
            ring.completion().for_each(drop);
        }
    }

    /// Carry out what `node`'s state machine asked for, then save and publish.
    fn drive(self: &Rc<Self>, node: usize) {
        let nb = &self.nodes[node];
        let (outs, effects, save, view) = {
            let mut st = nb.st.borrow_mut();
            st.settle();
            let outs = std::mem::take(&mut st.out);
            let effects = std::mem::take(&mut st.effects);
            let save = std::mem::take(&mut st.dirty_config);
            let view = std::mem::take(&mut st.dirty_view);
            (outs, effects, save, view)
        };
        for o in outs {
            match o {
                Out::Send { link, data } => {
                    if let Some(io) = nb.links.borrow().get(&link) {
                        let _ = io.tx.try_send(data);
                    }
                }
                Out::Close { link } => self.close_io(node, link),
                Out::Connect { link, ip, port } => {
                    let bus = self.clone();
                    glommio::spawn_local(async move {
                        let addr = if ip.contains(':') {
                            format!("[{ip}]:{port}")
                        } else {
                            format!("{ip}:{port}")
                        };
                        let r =
                            TcpStream::connect_timeout(addr.as_str(), Duration::from_millis(1000))
                                .await;
                        let nb = &bus.nodes[node];
                        match r {
                            Ok(s) => {
                                let _ = s.set_nodelay(true);
                                let local = s
                                    .local_addr()
                                    .map(|a| a.ip().to_string())
                                    .unwrap_or_default();
                                let alive = nb.st.borrow().links.contains_key(&link);
                                if !alive {
                                    return;
                                }
                                start_link(&bus, node, link, s);
                                {
                                    let mut st = nb.st.borrow_mut();
                                    st.now = unix_ms();
                                    st.on_connected(link, local);
                                }
                            }
                            Err(_) => {
                                let mut st = nb.st.borrow_mut();
                                st.now = unix_ms();
                                st.on_link_closed(link);
                            }
                        }
                        bus.drive(node);
                    })
                    .detach();
                }
            }
        }
        // A node's keyspace and subscribers are on its one shard.
        for e in effects {
            match e {
                Effect::Deliver {
                    shard,
                    channel,
                    message,
                } => self.to_shard(
                    node,
                    Msg::Deliver {
                        shard,
                        channel,
                        message,
                    },
                ),
                Effect::DropSlots(slots) => self.to_shard(node, Msg::DropSlots(slots)),
            }
        }
        if view {
            publish_view(&nb.st.borrow(), &self.shared, node);
        }
        if save {
            let r = nb.st.borrow_mut().save();
            if let Err(e) = r {
                // Redis exits when it cannot persist the cluster config.
                eprintln!("Could not save the cluster config file: {e}; exiting");
                std::process::exit(1);
            }
        }
    }
}

/// Write shard-node `node`'s slot table and view from `st` (also used at start-up,
/// before the bus thread runs), then the process-wide table of local owners.
pub fn publish_view(st: &Cluster, shared: &Shared, node: usize) {
    let h = &super::handle(shared).nodes[node];
    let me = st.me().uid;
    let mut changed = Vec::new();
    for slot in 0..crate::slot::SLOTS as u16 {
        let mut e = node as u32;
        if st.owner[slot as usize] == me {
            e |= SlotEntry::LOCAL;
        }
        if st.migrating.contains_key(&slot) {
            e |= SlotEntry::MIGRATING;
        }
        if st.importing.contains_key(&slot) {
            e |= SlotEntry::IMPORTING;
        }
        // Store only changes: the shard reads these words on every command, and an
        // unchanged store would still take its cache lines away.
        if h.slots.get(slot).0 != e {
            h.slots.set(slot, SlotEntry(e));
            changed.push(slot);
        }
    }
    publish_local_owners(shared, &changed);
    let cfg = shared.cfg();
    let ep = cfg.value("cluster-preferred-endpoint-type").to_string();
    drop(cfg);
    let endpoints = st
        .nodes
        .iter()
        .map(|n| {
            let host = match ep.as_str() {
                "hostname" if n.hostname.is_empty() => "?".to_string(),
                "hostname" => n.hostname.clone(),
                "unknown-endpoint" => String::new(),
                _ => n.ip.clone(),
            };
            format!("{host}:{}", n.port)
        })
        .collect();
    let idx_of = |id: &super::bus::nodes_conf::NodeId| st.idx(id).map(|i| i as u16);
    let view = View {
        state_ok: st.state_ok,
        owner: st.owner_indexes(),
        endpoints,
        migrating: st
            .migrating
            .iter()
            .filter_map(|(&s, id)| idx_of(id).map(|i| (s, i)))
            .collect(),
        myself: st.me_idx() as u16,
        my_master: st.me().master.as_ref().and_then(idx_of),
    };
    if **h.view.load() != view {
        h.view.store(Arc::new(view));
    }
}

/// The process-wide slot table in cluster mode: per slot, the local shard-node that
/// owns it (the first one, should two briefly both claim it), its MIGRATING mark, and
/// IMPORTING when any local node imports it. Composed from the nodes' own tables, for
/// the `slots` whose entry changed in one of them.
fn publish_local_owners(shared: &Shared, slots: &[u16]) {
    let nodes = &super::handle(shared).nodes;
    for &slot in slots {
        let mut e = SlotTable::REMOTE;
        let mut importing = false;
        for (i, n) in nodes.iter().enumerate() {
            let x = n.slots.get(slot);
            importing |= x.importing();
            if e == SlotTable::REMOTE && x.is_local() {
                e = i as u32 | SlotEntry::LOCAL | (x.0 & SlotEntry::MIGRATING);
            }
        }
        if importing {
            e |= SlotEntry::IMPORTING;
        }
        if shared.slots.get(slot).0 != e {
            shared.slots.set(slot, SlotEntry(e));
        }
    }
}
