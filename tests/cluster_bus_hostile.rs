//! Hostile input on the cluster bus port: broken framing closes the link (with a log
//! line), inconsistent but well-framed messages are dropped with the link kept, and the
//! node neither crashes nor learns anything from them.

mod common;

use common::{free_port, Client, Server, TempDir};
use slotcore::cluster::bus::wire::{self, Body, Gossip, Header, Message, NodeName, Ping};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn node() -> (Server, u16, TempDir) {
    let dir = TempDir::new("bus-hostile");
    let cport = free_port();
    let d = dir.0.display().to_string();
    let s = Server::start(&[
        "--cluster-enabled",
        "yes",
        "--cluster-port",
        &cport.to_string(),
        "--cluster-node-timeout",
        "2000",
        "--dir",
        &d,
    ]);
    (s, cport, dir)
}

fn ping_from(name: u8) -> Vec<u8> {
    let msg = Message {
        header: Header {
            port: 1,
            cport: 2,
            sender: NodeName([name; 40]),
            flags: 1,
            ..Default::default()
        },
        body: Body::Ping(Ping::default()),
    };
    let mut out = Vec::new();
    wire::encode(&msg, &mut out);
    out
}

fn bus(cport: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", cport)).expect("connect bus port");
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    s
}

/// True when the peer closed the connection within `within`.
fn closed(s: &mut TcpStream, within: Duration) -> bool {
    let end = Instant::now() + within;
    let mut buf = [0u8; 4096];
    while Instant::now() < end {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => continue,
            Err(_) => return true,
        }
    }
    false
}

/// Send a well-formed PING and expect a well-formed PONG on the same link.
fn answers_ping(s: &mut TcpStream) -> bool {
    if s.write_all(&ping_from(b'a')).is_err() {
        return false;
    }
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let end = Instant::now() + Duration::from_secs(3);
    while Instant::now() < end {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if let Ok(Some(len)) = wire::frame_len(&buf) {
            let m = wire::decode(&buf[..len]).expect("node sends valid frames");
            return matches!(m.body, Body::Pong(_));
        }
    }
    false
}

fn known_nodes(c: &mut Client) -> String {
    let info = c.v(&["CLUSTER", "INFO"]).bulk_str();
    info.lines()
        .find(|l| l.starts_with("cluster_known_nodes:"))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn broken_framing_closes_the_link_and_the_node_survives() {
    let (mut srv, cport, _dir) = node();
    // Bad signature.
    let mut s = bus(cport);
    s.write_all(b"GARBAGE! and more garbage").unwrap();
    assert!(
        closed(&mut s, Duration::from_secs(3)),
        "bad signature must close the link"
    );
    // totlen below the fixed header.
    let mut s = bus(cport);
    let mut m = b"RCmb".to_vec();
    m.extend_from_slice(&100u32.to_be_bytes());
    m.extend_from_slice(&[0u8; 92]);
    s.write_all(&m).unwrap();
    assert!(
        closed(&mut s, Duration::from_secs(3)),
        "short totlen must close the link"
    );
    // A lying totlen (far more than is sent), then the peer goes away.
    let mut s = bus(cport);
    let mut m = ping_from(b'b');
    m[4..8].copy_from_slice(&(1u32 << 20).to_be_bytes());
    s.write_all(&m).unwrap();
    drop(s);
    assert!(srv.alive(), "node died");
    let mut c = srv.client();
    assert_eq!(c.q(&["PING"]), b"+PONG\r\n".to_vec());
    assert_eq!(known_nodes(&mut c), "cluster_known_nodes:1");
    assert!(
        srv.stderr().contains("bad message framing"),
        "no log line: {}",
        srv.stderr()
    );
}

#[test]
fn inconsistent_messages_are_dropped_and_the_link_kept() {
    let (mut srv, cport, _dir) = node();
    let mut s = bus(cport);
    // Unknown type: accepted at any length and ignored.
    let mut m = ping_from(b'c');
    m[12..14].copy_from_slice(&99u16.to_be_bytes());
    s.write_all(&m).unwrap();
    // Wrong protocol version.
    let mut m = ping_from(b'c');
    m[8..10].copy_from_slice(&7u16.to_be_bytes());
    s.write_all(&m).unwrap();
    // A gossip count that overflows the message.
    let mut m = ping_from(b'c');
    m[14..16].copy_from_slice(&1000u16.to_be_bytes());
    s.write_all(&m).unwrap();
    // A PING whose gossip names an invalid node id, from an unknown sender (ignored).
    let msg = Message {
        header: Header {
            sender: NodeName([b'd'; 40]),
            ..Default::default()
        },
        body: Body::Ping(Ping {
            gossip: vec![Gossip {
                node: NodeName([0xff; 40]),
                ..Default::default()
            }],
            extensions: Vec::new(),
        }),
    };
    let mut m = Vec::new();
    wire::encode(&msg, &mut m);
    s.write_all(&m).unwrap();
    // The link still works: a valid PING is answered with a PONG.
    assert!(
        answers_ping(&mut s),
        "link was dropped or PING not answered"
    );
    assert!(srv.alive());
    let mut c = srv.client();
    assert_eq!(known_nodes(&mut c), "cluster_known_nodes:1");
}
