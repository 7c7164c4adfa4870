//! nodes.conf as a stock redis-server writes it: start a one-node cluster, give it slots and a
//! hostname, CLUSTER SAVECONFIG, and read the file (and the CLUSTER NODES reply) with
//! `slotcore::cluster::bus::nodes_conf`. Needs `redis-server` on PATH (installed by `.ci/run`);
//! fails, rather than skips, without it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use slotcore::cluster::bus::nodes_conf::{
    self, format_client_line, LinkState, NodeFlags, SlotRange,
};

const DEADLINE: Duration = Duration::from_secs(10);

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// A port whose bus port (port + 10000) is free too, both at the time of asking.
fn free_port_pair() -> u16 {
    for _ in 0..100 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        if port > 55535 {
            continue;
        }
        if TcpListener::bind(("127.0.0.1", port + 10000)).is_ok() {
            return port;
        }
    }
    panic!("no free port pair found");
}

/// Kills the server when the test ends, however it ends.
struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start_redis(bin: &Path) -> Server {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "slotcore-nodes-conf-redis-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port_pair();
    let child = Command::new(bin)
        .args(["--port", &port.to_string()])
        .args(["--bind", "127.0.0.1"])
        .args(["--cluster-enabled", "yes"])
        .arg("--cluster-config-file")
        .arg(dir.join("nodes.conf"))
        .arg("--dir")
        .arg(&dir)
        .args(["--save", ""])
        .args(["--appendonly", "no"])
        .args(["--daemonize", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn redis-server");
    Server { child, port, dir }
}

fn connect(server: &mut Server) -> TcpStream {
    let start = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            panic!("redis-server exited early: {status}");
        }
        if let Ok(s) = TcpStream::connect(("127.0.0.1", server.port)) {
            s.set_read_timeout(Some(DEADLINE)).unwrap();
            return s;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "redis-server did not listen on {}",
            server.port
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends one command; returns a simple/error line, or a bulk string's body.
fn command(conn: &mut BufReader<TcpStream>, args: &[&str]) -> String {
    let mut req = format!("*{}\r\n", args.len());
    for a in args {
        req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    conn.get_mut().write_all(req.as_bytes()).unwrap();
    let mut line = String::new();
    conn.read_line(&mut line).unwrap();
    let line = line.trim_end_matches("\r\n").to_string();
    match line.strip_prefix('$') {
        Some(len) => {
            let len: usize = len.parse().unwrap();
            let mut body = vec![0; len + 2];
            conn.read_exact(&mut body).unwrap();
            body.truncate(len);
            String::from_utf8(body).unwrap()
        }
        None => line,
    }
}

#[test]
fn reads_the_nodes_conf_redis_writes() {
    let bin = find_on_path("redis-server").unwrap_or_else(|| {
        panic!("redis-server is not on PATH; this test needs it (apt-get install redis-server)")
    });
    let mut server = start_redis(&bin);
    let mut conn = BufReader::new(connect(&mut server));

    let ok = |r: String| assert_eq!(r, "+OK");
    ok(command(
        &mut conn,
        &["CLUSTER", "ADDSLOTSRANGE", "0", "100"],
    ));
    ok(command(
        &mut conn,
        &["CLUSTER", "ADDSLOTS", "101", "300", "16383"],
    ));
    ok(command(
        &mut conn,
        &["CONFIG", "SET", "cluster-announce-hostname", "n1.test"],
    ));
    ok(command(&mut conn, &["CLUSTER", "SAVECONFIG"]));

    let path = server.dir.join("nodes.conf");
    let text = std::fs::read_to_string(&path).unwrap();
    let conf = nodes_conf::load(&path)
        .unwrap_or_else(|e| panic!("{e}\n--- nodes.conf ---\n{text}"))
        .expect("nodes.conf is not empty");
    assert_eq!(conf.nodes.len(), 1, "{text}");
    let me = conf.myself().unwrap();
    assert_eq!(me.flags, NodeFlags::MYSELF | NodeFlags::MASTER);
    assert_eq!((me.port, me.cport), (server.port, server.port + 10000));
    assert_eq!(me.hostname, "n1.test");
    assert_eq!(me.master, None);
    assert_eq!(me.link, LinkState::Connected);
    assert_eq!(
        me.slots,
        vec![
            SlotRange::new(0, 101).unwrap(),
            SlotRange::single(300),
            SlotRange::single(16383)
        ]
    );
    // What Redis wrote is exactly what we write for the same record.
    assert_eq!(nodes_conf::format(&conf), text);

    // The CLUSTER NODES reply is the same line without aux fields.
    let reply = command(&mut conn, &["CLUSTER", "NODES"]);
    let from_reply = nodes_conf::parse(&reply).unwrap_or_else(|e| panic!("{e}\n{reply}"));
    let line = reply.lines().next().unwrap();
    assert_eq!(format_client_line(from_reply.myself().unwrap()), line);
    assert_eq!(from_reply.myself().unwrap().id, me.id);
    assert_eq!(from_reply.myself().unwrap().slots, me.slots);
}
