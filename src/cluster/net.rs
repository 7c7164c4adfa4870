//! The bus core: one glommio executor on its own thread (pinned with `bus-cpu`) that runs
//! the cluster bus for [`Cluster`]: accepts links on the bus port, connects outbound
//! links, frames messages, runs the 100 ms cron, answers the shards' CLUSTER requests,
//! saves nodes.conf and publishes the view and slot table.
//!
//! Every event (a frame, a timer tick, a request) runs the state machine to completion
//! and then `drive` carries out what it asked for; nothing awaits while the state is
//! borrowed.

use super::state::{Cluster, Effect, LinkId, Out};
use super::{BusReq, View};
use crate::cluster::bus::wire;
use crate::shard::mesh::{Mesh, Msg};
use crate::shared::{unix_ms, Shared};
use crate::slot::{cluster_home, SlotEntry};
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use glommio::channels::local_channel::{self, LocalSender};
use glommio::net::{TcpListener, TcpStream};
use std::cell::RefCell;
use std::collections::HashMap;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

struct LinkIo {
    tx: LocalSender<Vec<u8>>,
    fd: i32,
}

struct Bus {
    st: RefCell<Cluster>,
    links: RefCell<HashMap<LinkId, LinkIo>>,
    shared: Arc<Shared>,
    mesh: Arc<Mesh>,
    /// A small ring of our own, only to post MSG_RING wake-ups to the shards' rings.
    waker: RefCell<io_uring::IoUring>,
}

/// Start the bus core thread. `cluster` was loaded (nodes.conf) by the caller, so that
/// start-up fails before anything is served when the file is corrupt.
pub fn spawn(
    cluster: Cluster,
    shared: Arc<Shared>,
    mesh: Arc<Mesh>,
    listener: std::net::TcpListener,
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
                let bus = Rc::new(Bus {
                    st: RefCell::new(cluster),
                    links: RefCell::new(HashMap::new()),
                    shared,
                    mesh,
                    waker: RefCell::new(waker),
                });
                bus.drive();
                let _ = listener.set_nonblocking(true);
                // SAFETY: the fd comes from a listener we own and give up here.
                let l = unsafe {
                    <TcpListener as std::os::fd::FromRawFd>::from_raw_fd(
                        std::os::fd::IntoRawFd::into_raw_fd(listener),
                    )
                };
                glommio::spawn_local(accept_loop(bus.clone(), l)).detach();
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
        {
            let mut st = bus.st.borrow_mut();
            st.now = unix_ms();
            let cfg = bus.shared.cfg();
            st.set.node_timeout = cfg.number("cluster-node-timeout").max(1) as u64;
            st.set.require_full_coverage = cfg.flag("cluster-require-full-coverage");
            st.set.allow_replica_migration = cfg.flag("cluster-allow-replica-migration");
            st.set.announce_ip = cfg.value("cluster-announce-ip").to_string();
            st.set.announce_port = cfg.number("cluster-announce-port").clamp(0, 65535) as u16;
            st.set.announce_bus_port =
                cfg.number("cluster-announce-bus-port").clamp(0, 65535) as u16;
            st.set.announce_hostname = cfg.value("cluster-announce-hostname").to_string();
            st.set.announce_nodename = cfg.value("cluster-announce-human-nodename").to_string();
            drop(cfg);
            st.cron();
        }
        bus.drive();
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
                shard,
                token,
                seq,
                proto,
                cmds,
                exec,
            } => {
                let mut data = Vec::new();
                if exec {
                    crate::resp::Reply::new(&mut data, proto).array(cmds.len());
                }
                {
                    let mut st = bus.st.borrow_mut();
                    st.now = unix_ms();
                    for args in &cmds {
                        let r =
                            super::commands::execute(&mut st, &bus.shared, &args.slices(), proto);
                        data.extend_from_slice(&r);
                    }
                }
                // Publish the new slot table and view before the client sees +OK, so
                // its next command is routed by what it just changed.
                bus.drive();
                bus.to_shard(
                    shard as usize,
                    Msg::Reply {
                        token,
                        seq,
                        part: 0,
                        data,
                    },
                );
            }
            BusReq::Publish {
                shard,
                channel,
                message,
            } => bus.st.borrow_mut().publish(shard, channel, message),
        }
        bus.drive();
    }
}

async fn accept_loop(bus: Rc<Bus>, l: TcpListener) {
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
            let mut st = bus.st.borrow_mut();
            st.now = unix_ms();
            st.on_accept(peer, local)
        };
        start_link(&bus, id, s);
    }
}

/// Run a connected link: a writer task fed by a channel and a reader that frames
/// messages into the state machine.
fn start_link(bus: &Rc<Bus>, id: LinkId, s: TcpStream) {
    let fd = s.as_raw_fd();
    let (tx, rx) = local_channel::new_unbounded::<Vec<u8>>();
    bus.links.borrow_mut().insert(id, LinkIo { tx, fd });
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
                            let mut st = bus.st.borrow_mut();
                            st.now = unix_ms();
                            if !st.links.contains_key(&id) {
                                break 'read;
                            }
                            st.on_frame(id, &buf[..len]);
                        }
                        buf.drain(..len);
                        bus.drive();
                    }
                    Ok(None) => break,
                    Err(e) => {
                        eprintln!("cluster bus: closing link {id}: bad message framing ({e:?})");
                        break 'read;
                    }
                }
            }
        }
        bus.close_io(id);
        {
            let mut st = bus.st.borrow_mut();
            st.now = unix_ms();
            st.on_link_closed(id);
        }
        bus.drive();
    })
    .detach();
}

impl Bus {
    fn close_io(&self, id: LinkId) {
        if let Some(io) = self.links.borrow_mut().remove(&id) {
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
                crate::shard::WAKE_USER_DATA,
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

    /// Carry out what the state machine asked for, then save and publish.
    fn drive(self: &Rc<Self>) {
        let (outs, effects, save, view) = {
            let mut st = self.st.borrow_mut();
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
                    if let Some(io) = self.links.borrow().get(&link) {
                        let _ = io.tx.try_send(data);
                    }
                }
                Out::Close { link } => self.close_io(link),
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
                        match r {
                            Ok(s) => {
                                let _ = s.set_nodelay(true);
                                let local = s
                                    .local_addr()
                                    .map(|a| a.ip().to_string())
                                    .unwrap_or_default();
                                let alive = bus.st.borrow().links.contains_key(&link);
                                if !alive {
                                    return;
                                }
                                start_link(&bus, link, s);
                                {
                                    let mut st = bus.st.borrow_mut();
                                    st.now = unix_ms();
                                    st.on_connected(link, local);
                                }
                            }
                            Err(_) => {
                                let mut st = bus.st.borrow_mut();
                                st.now = unix_ms();
                                st.on_link_closed(link);
                            }
                        }
                        bus.drive();
                    })
                    .detach();
                }
            }
        }
        for e in effects {
            let n = self.shared.nshards;
            match e {
                Effect::Deliver {
                    shard,
                    channel,
                    message,
                } => {
                    for s in 0..n {
                        self.to_shard(
                            s,
                            Msg::Deliver {
                                shard,
                                channel: channel.clone(),
                                message: message.clone(),
                            },
                        );
                    }
                }
                Effect::DropSlots(slots) => {
                    for s in 0..n {
                        let mine: Vec<u16> = slots
                            .iter()
                            .copied()
                            .filter(|&x| cluster_home(x, n) == s)
                            .collect();
                        if !mine.is_empty() {
                            self.to_shard(s, Msg::DropSlots(mine));
                        }
                    }
                }
            }
        }
        if view {
            self.publish();
        }
        if save {
            let r = self.st.borrow_mut().save();
            if let Err(e) = r {
                // Redis exits when it cannot persist the cluster config.
                eprintln!("Could not save the cluster config file: {e}; exiting");
                std::process::exit(1);
            }
        }
    }

    /// Publish the slot table and the view to the shards.
    fn publish(&self) {
        let st = self.st.borrow();
        publish_view(&st, &self.shared);
    }
}

/// Write the slot table and the view from `st` (also used at start-up, before the bus
/// thread runs).
pub fn publish_view(st: &Cluster, shared: &Shared) {
    let n = shared.nshards;
    let me = st.me().uid;
    for slot in 0..crate::slot::SLOTS as u16 {
        let mut e = cluster_home(slot, n) as u32;
        if st.owner[slot as usize] == me {
            e |= SlotEntry::LOCAL;
        }
        if st.migrating.contains_key(&slot) {
            e |= SlotEntry::MIGRATING;
        }
        if st.importing.contains_key(&slot) {
            e |= SlotEntry::IMPORTING;
        }
        // Store only changes: shards read these words on every command, and an
        // unchanged store would still take their cache lines away.
        if shared.slots.get(slot).0 != e {
            shared.slots.set(slot, SlotEntry(e));
        }
    }
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
    let h = super::handle(shared);
    if **h.view.load() != view {
        h.view.store(Arc::new(view));
    }
}
