//! Blocking list commands over TCP: timeouts, wake-ups from other connections (on any
//! shard), FIFO order among waiters, CLIENT UNBLOCK, disconnects, MULTI.

mod common;

use common::{Client, Server};
use std::time::{Duration, Instant};

const OK: &[u8] = b"+OK\r\n";

fn shard_count(s: &Server) -> usize {
    let info = s.client().v(&["INFO", "server"]).bulk_str();
    info.lines()
        .find_map(|l| l.strip_prefix("slotcore_shards:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Send a command without reading its reply.
fn send(c: &mut Client, args: &[&str]) {
    let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
    c.send(&common::encode(&a));
}

/// Wait until `n` clients are blocked (INFO clients would tell; CLIENT LIST cmd= is
/// what we have).
fn wait_blocked(s: &Server, cmd: &str, n: usize) {
    let mut c = s.client();
    let needle = format!("cmd={cmd}");
    let blocked = |l: &str| l.contains(&needle) && l.contains("flags=b");
    assert!(
        common::wait_until(Duration::from_secs(5), || {
            c.v(&["CLIENT", "LIST"])
                .bulk_str()
                .lines()
                .filter(|l| blocked(l))
                .count()
                >= n
        }),
        "{n} clients never blocked in {cmd}"
    );
}

fn timeout_and_wakeup(s: &Server) {
    let mut c = s.client();
    let t = Instant::now();
    assert_reply!(c, ["BLPOP", "nolist", "0.2"], b"*-1\r\n");
    assert!(t.elapsed() >= Duration::from_millis(190));
    assert_reply!(
        c,
        ["BLMOVE", "{n}list", "{n}x", "LEFT", "LEFT", "0.1"],
        b"$-1\r\n"
    );
    // Keys on two shards cannot block together (as in Redis Cluster).
    if shard_count(s) == 2 {
        assert_reply!(
            c,
            ["BLPOP", "foo", "bar", "0"],
            b"-CROSSSLOT Keys in request don't hash to the same slot\r\n"
        );
    }
    // Keys on each shard: "foo" (shard 1 of 2) and "bar" (shard 0).
    for key in ["foo", "bar"] {
        let mut waiter = s.client();
        send(&mut waiter, &["BLPOP", key, "5"]);
        wait_blocked(s, "blpop", 1);
        let mut p = s.client();
        assert_eq!(p.int(&["RPUSH", key, "v1", "v2"]), 2);
        let expect = format!("*2\r\n${}\r\n{key}\r\n$2\r\nv1\r\n", key.len());
        assert_eq!(waiter.read_reply(), expect.as_bytes());
        assert_reply!(p, ["LRANGE", key, "0", "-1"], b"*1\r\n$2\r\nv2\r\n");
        assert_reply!(p, ["DEL", key], b":1\r\n");
    }
}

fn fifo_order(s: &Server) {
    let mut waiters: Vec<Client> = (0..3).map(|_| s.client()).collect();
    for (i, w) in waiters.iter_mut().enumerate() {
        send(w, &["BRPOP", "q", "0"]);
        wait_blocked(s, "brpop", i + 1);
    }
    let mut p = s.client();
    assert_eq!(p.int(&["LPUSH", "q", "a", "b"]), 2);
    // BRPOP takes from the tail: first waiter gets "a", second "b".
    assert_eq!(waiters[0].read_reply(), b"*2\r\n$1\r\nq\r\n$1\r\na\r\n");
    assert_eq!(waiters[1].read_reply(), b"*2\r\n$1\r\nq\r\n$1\r\nb\r\n");
    assert_reply!(p, ["EXISTS", "q"], b":0\r\n");
    // The third is still blocked; CLIENT UNBLOCK ends it as a timeout.
    let id = {
        let list = p.v(&["CLIENT", "LIST"]).bulk_str();
        let line = list
            .lines()
            .find(|l| l.contains("flags=b"))
            .unwrap()
            .to_string();
        line.split(' ')
            .next()
            .unwrap()
            .trim_start_matches("id=")
            .to_string()
    };
    assert_eq!(p.int(&["CLIENT", "UNBLOCK", &id]), 1);
    assert_eq!(waiters[2].read_reply(), b"*-1\r\n");
    assert_eq!(p.int(&["CLIENT", "UNBLOCK", &id]), 0);
    // ... or with an error.
    send(&mut waiters[2], &["BLPOP", "q", "0"]);
    wait_blocked(s, "blpop", 1);
    assert_eq!(p.int(&["CLIENT", "UNBLOCK", &id, "ERROR"]), 1);
    assert_eq!(
        waiters[2].read_reply(),
        b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    );
}

fn pipelined_commands_wait(s: &Server) {
    let mut c = s.client();
    let mut bytes = common::encode(&[b"BLPOP", b"pl", b"0"]);
    bytes.extend(common::encode(&[b"SET", b"after", b"1"]));
    c.send(&bytes);
    wait_blocked(s, "blpop", 1);
    let mut p = s.client();
    // The SET behind the BLPOP has not run yet.
    assert_reply!(p, ["EXISTS", "after"], b":0\r\n");
    assert_eq!(p.int(&["RPUSH", "pl", "x"]), 1);
    assert_eq!(c.read_reply(), b"*2\r\n$2\r\npl\r\n$1\r\nx\r\n");
    assert_eq!(c.read_reply(), OK);
}

fn disconnect_while_blocked(s: &Server) {
    let mut w = s.client();
    send(&mut w, &["BLPOP", "d", "0"]);
    wait_blocked(s, "blpop", 1);
    drop(w);
    let mut p = s.client();
    assert!(common::wait_until(Duration::from_secs(5), || {
        !p.v(&["CLIENT", "LIST"]).bulk_str().contains("flags=b")
    }));
    assert_eq!(p.int(&["RPUSH", "d", "kept"]), 1);
    // Nobody took it.
    assert_reply!(p, ["LRANGE", "d", "0", "-1"], b"*1\r\n$4\r\nkept\r\n");
}

fn blmove_and_blmpop(s: &Server) {
    let mut w = s.client();
    send(
        &mut w,
        &["BLMOVE", "{m}src", "{m}dst", "RIGHT", "LEFT", "0"],
    );
    wait_blocked(s, "blmove", 1);
    let mut p = s.client();
    assert_eq!(p.int(&["RPUSH", "{m}src", "a", "b"]), 2);
    assert_eq!(w.read_reply(), b"$1\r\nb\r\n");
    assert_reply!(p, ["LRANGE", "{m}dst", "0", "-1"], b"*1\r\n$1\r\nb\r\n");
    send(
        &mut w,
        &["BLMPOP", "0", "2", "{m}x", "{m}y", "LEFT", "COUNT", "5"],
    );
    wait_blocked(s, "blmpop", 1);
    assert_eq!(p.int(&["RPUSH", "{m}y", "1", "2"]), 2);
    assert_eq!(
        w.read_reply(),
        b"*2\r\n$4\r\n{m}y\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n"
    );
    assert_reply!(p, ["BLPOP", "k", "-1"], b"-ERR timeout is negative\r\n");
    assert_reply!(
        p,
        ["BLPOP", "k", "abc"],
        b"-ERR timeout is not a float or out of range\r\n"
    );
    assert_reply!(p, ["SET", "str", "v"], OK);
    assert_reply!(
        p,
        ["BLPOP", "str", "0"],
        b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
    );
}

fn sorted_set_pops(s: &Server) {
    let mut w = s.client();
    let mut p = s.client();
    assert_reply!(p, ["BZPOPMIN", "{z}a", "0.1"], b"*-1\r\n");
    send(&mut w, &["BZPOPMAX", "{z}a", "{z}b", "0"]);
    wait_blocked(s, "bzpopmax", 1);
    assert_eq!(p.int(&["ZADD", "{z}b", "1", "one", "2", "two"]), 2);
    assert_eq!(
        w.read_reply(),
        b"*3\r\n$4\r\n{z}b\r\n$3\r\ntwo\r\n$1\r\n2\r\n"
    );
    send(&mut w, &["BZMPOP", "0", "1", "{z}c", "MIN", "COUNT", "2"]);
    wait_blocked(s, "bzmpop", 1);
    assert_eq!(p.int(&["ZADD", "{z}c", "5", "x"]), 1);
    assert_eq!(
        w.read_reply(),
        b"*2\r\n$4\r\n{z}c\r\n*1\r\n*2\r\n$1\r\nx\r\n$1\r\n5\r\n"
    );
}

fn type_change_keeps_waiting(s: &Server) {
    let mut w = s.client();
    send(&mut w, &["BLPOP", "tc", "0"]);
    wait_blocked(s, "blpop", 1);
    let mut p = s.client();
    assert_reply!(p, ["SET", "tc", "string"], OK);
    assert_reply!(p, ["DEL", "tc"], b":1\r\n");
    assert_eq!(p.int(&["RPUSH", "tc", "finally"]), 1);
    assert_eq!(w.read_reply(), b"*2\r\n$2\r\ntc\r\n$7\r\nfinally\r\n");
}

fn no_blocking_in_multi(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["MULTI"], OK);
    assert_reply!(c, ["BLPOP", "empty", "0"], b"+QUEUED\r\n");
    assert_reply!(c, ["BRPOPLPUSH", "empty", "x", "0"], b"+QUEUED\r\n");
    assert_reply!(c, ["EXEC"], b"*2\r\n*-1\r\n$-1\r\n");
}

per_shards!(
    timeout_and_wakeup,
    fifo_order,
    pipelined_commands_wait,
    disconnect_while_blocked,
    blmove_and_blmpop,
    sorted_set_pops,
    type_change_keeps_waiting,
    no_blocking_in_multi
);
