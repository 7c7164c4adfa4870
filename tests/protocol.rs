//! The wire protocol: pipelining, RESP3 shapes, inline commands, malformed input,
//! large and binary values, slow and many clients, maxclients.

mod common;

use common::{encode, parse_all, Client, Server, Val};
use std::io::Write;
use std::time::{Duration, Instant};

const OK: &[u8] = b"+OK\r\n";

fn pipeline_10k(s: &Server) {
    let mut c = s.client();
    // 10 000 commands in one write: SET / GET of the key just set / INCR, over keys
    // that land on both shards. Written from another thread so that a server that
    // answers while still reading can never deadlock the test.
    let n = 10_000;
    let mut buf = Vec::new();
    for i in 0..n {
        let k = format!("key:{}", i / 3);
        match i % 3 {
            0 => buf.extend(encode(&[b"SET", k.as_bytes(), k.as_bytes()])),
            1 => buf.extend(encode(&[b"GET", k.as_bytes()])),
            _ => buf.extend(encode(&[b"INCR", b"counter"])),
        }
    }
    let mut w = c.stream.try_clone().unwrap();
    let writer = std::thread::spawn(move || w.write_all(&buf).map(|_| ()));
    for i in 0..n {
        let r = c.read_reply();
        let k = format!("key:{}", i / 3);
        let want = match i % 3 {
            0 => OK.to_vec(),
            1 => format!("${}\r\n{k}\r\n", k.len()).into_bytes(),
            _ => format!(":{}\r\n", i / 3 + 1).into_bytes(),
        };
        assert_eq!(r, want, "reply {i} out of order: {}", common::show(&r));
    }
    writer.join().unwrap().unwrap();
    assert!(c.pending().is_empty());
    assert_reply!(c, ["DBSIZE"], format!(":{}\r\n", n / 3 + 2));
}

fn resp3_shapes(s: &Server) {
    let mut c = s.client();
    assert!(matches!(c.v(&["HELLO", "3"]), Val::Map(_)));
    assert_reply!(c, ["GET", "nokey"], b"_\r\n");
    assert_reply!(c, ["SET", "foo", "1"], OK);
    assert_reply!(
        c,
        ["MGET", "foo", "nokey", "bar"],
        b"*3\r\n$1\r\n1\r\n_\r\n_\r\n"
    );
    assert_reply!(
        c,
        ["CONFIG", "GET", "maxclients"],
        b"%1\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n"
    );
    assert_reply!(c, ["COMMAND", "INFO", "nosuch"], b"*1\r\n_\r\n");
    assert_reply!(c, ["SET", "x", "v", "XX"], b"_\r\n");
    assert_reply!(c, ["MSET", "{l}a", "ohmytext", "{l}b", "mynewtext"], OK);
    assert_reply!(
        c,
        ["LCS", "{l}a", "{l}b", "IDX", "MINMATCHLEN", "4"],
        b"%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n"
    );
    // Verbatim strings for INFO / CLIENT INFO.
    let info = c.q(&["INFO", "keyspace"]);
    assert!(info.starts_with(b"="), "{}", common::show(&info));
    assert!(matches!(common::parse(&info), Some(Val::Verbatim(f, _)) if f == "txt"));
    assert_reply!(
        c,
        ["RANDOMKEY", "x"],
        b"-ERR wrong number of arguments for 'randomkey' command\r\n"
    );
    c.q(&["FLUSHALL"]);
    assert_reply!(c, ["RANDOMKEY"], b"_\r\n");
}

fn inline_commands(s: &Server) {
    let mut c = s.client();
    c.send(b"PING\r\n");
    assert_eq!(c.read_reply(), b"+PONG\r\n");
    c.send(b"SET  k   \"a b\\x41\"\r\nGET k\nEXISTS k nokey\r\n\r\n");
    assert_eq!(c.read_reply(), OK);
    assert_eq!(c.read_reply(), b"$4\r\na bA\r\n");
    assert_eq!(c.read_reply(), b":1\r\n");
    c.send(b"set q 'it''s'\r\n");
    assert_eq!(
        c.read_reply(),
        b"-ERR Protocol error: unbalanced quotes in request\r\n"
    );
    assert!(c.closed_by_peer(Duration::from_secs(5)));
    let mut d = s.client();
    d.send(b"GET \"k\r\n");
    assert_eq!(
        d.read_reply(),
        b"-ERR Protocol error: unbalanced quotes in request\r\n"
    );
    assert!(d.closed_by_peer(Duration::from_secs(5)));
}

/// Send `input` on a fresh connection: the reply must be exactly `err`, then EOF.
fn protocol_error(s: &Server, input: &[u8], err: &[u8]) {
    let mut c = s.client();
    c.send(input);
    let r = c.read_reply();
    assert_eq!(
        r,
        err,
        "for {}: got {}",
        common::show(input),
        common::show(&r)
    );
    assert!(
        c.closed_by_peer(Duration::from_secs(5)),
        "not closed after {}",
        common::show(input)
    );
}

fn malformed_input(s: &Server) {
    protocol_error(
        s,
        b"*abc\r\n",
        b"-ERR Protocol error: invalid multibulk length\r\n",
    );
    protocol_error(
        s,
        b"*3000000000\r\n",
        b"-ERR Protocol error: invalid multibulk length\r\n",
    );
    protocol_error(
        s,
        b"*1\r\n$4294967296\r\n",
        b"-ERR Protocol error: invalid bulk length\r\n",
    );
    protocol_error(
        s,
        b"*1\r\n$-1\r\n",
        b"-ERR Protocol error: invalid bulk length\r\n",
    );
    protocol_error(
        s,
        b"*1\r\n$abc\r\n",
        b"-ERR Protocol error: invalid bulk length\r\n",
    );
    protocol_error(
        s,
        b"*1\r\n+PING\r\n",
        b"-ERR Protocol error: expected '$', got '+'\r\n",
    );
    protocol_error(
        s,
        b"*2\r\n$3\r\nGET\r\n:1\r\n",
        b"-ERR Protocol error: expected '$', got ':'\r\n",
    );
    // Commands before the bad one in the same packet are answered first.
    let mut c = s.client();
    c.send(b"*1\r\n$4\r\nPING\r\n*x\r\n");
    assert_eq!(c.read_reply(), b"+PONG\r\n");
    assert_eq!(
        c.read_reply(),
        b"-ERR Protocol error: invalid multibulk length\r\n"
    );
    assert!(c.closed_by_peer(Duration::from_secs(5)));
    // A huge declared length with nothing after it: the connection waits, and the
    // server keeps serving others without allocating for the declared size.
    let mut big = s.client();
    big.send(b"*1000000000\r\n");
    let mut bulk = s.client();
    bulk.send(b"*1\r\n$536870000\r\nabc");
    let mut other = s.client();
    for _ in 0..10 {
        assert_reply!(other, ["PING"], b"+PONG\r\n");
    }
    let info = other.v(&["INFO", "memory"]).bulk_str();
    let used: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        used < 200 << 20,
        "used_memory {used} after huge declared lengths"
    );
    drop(big);
    drop(bulk);
    assert_reply!(other, ["PING"], b"+PONG\r\n");
}

fn large_values(s: &Server) {
    let mut c = s.client();
    let v: Vec<u8> = (0..1_048_576u32).map(|i| (i % 251) as u8).collect();
    assert_reply!(c, [b"SET".as_slice(), b"big", &v], OK);
    let mut want = b"$1048576\r\n".to_vec();
    want.extend_from_slice(&v);
    want.extend_from_slice(b"\r\n");
    assert_reply!(c, ["GET", "big"], want);
    assert_reply!(c, ["STRLEN", "big"], b":1048576\r\n");
    assert_reply!(c, ["APPEND", "big", "x"], b":1048577\r\n");
    // A 1 MB value sent one small chunk at a time.
    let cmd = encode(&[b"SET", b"big2", &v]);
    for chunk in cmd.chunks(7919) {
        c.send(chunk);
    }
    assert_eq!(c.read_reply(), OK);
    assert_reply!(c, ["STRLEN", "big2"], b":1048576\r\n");
}

fn binary_safety(s: &Server) {
    let mut c = s.client();
    let key: &[u8] = b"\x00key\r\n\x00";
    let val: &[u8] = b"\r\n\x00\xff*1\r\n$3\r\n";
    assert_reply!(c, [b"SET".as_slice(), key, val], OK);
    let mut want = format!("${}\r\n", val.len()).into_bytes();
    want.extend_from_slice(val);
    want.extend_from_slice(b"\r\n");
    assert_reply!(c, [b"GET".as_slice(), key], want);
    assert_reply!(
        c,
        [b"APPEND".as_slice(), key, b"\x00"],
        format!(":{}\r\n", val.len() + 1)
    );
    assert_reply!(c, [b"MGET".as_slice(), key, b"\x00"], {
        let mut w = b"*2\r\n".to_vec();
        w.extend(format!("${}\r\n", val.len() + 1).into_bytes());
        w.extend_from_slice(val);
        w.extend_from_slice(b"\x00\r\n$-1\r\n");
        w
    });
    assert_reply!(c, [b"ECHO".as_slice(), b"\x00\r\n"], b"$3\r\n\x00\r\n\r\n");
    assert_reply!(c, [b"DEL".as_slice(), key], b":1\r\n");
}

fn slowloris(s: &Server) {
    let mut slow = s.client();
    let mut fast = s.client();
    let cmd = encode(&[b"SET", b"slow", b"value"]);
    let mut worst = Duration::ZERO;
    for &b in &cmd {
        slow.send(&[b]);
        let t = Instant::now();
        assert_reply!(fast, ["PING"], b"+PONG\r\n");
        worst = worst.max(t.elapsed());
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(slow.read_reply(), OK);
    assert!(
        worst < Duration::from_millis(500),
        "PING took {worst:?} next to a slow client"
    );
    assert_reply!(fast, ["GET", "slow"], b"$5\r\nvalue\r\n");
    // A partial command left hanging does not block others either.
    slow.send(b"*2\r\n$3\r\nGET\r\n$4\r\nsl");
    assert_reply!(fast, ["PING"], b"+PONG\r\n");
    slow.send(b"ow\r\n");
    assert_eq!(slow.read_reply(), b"$5\r\nvalue\r\n");
}

/// Raise the soft fd limit if needed (the server child inherits it).
fn ensure_fd_limit(want: u64) {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) == 0 && r.rlim_cur < want as libc::rlim_t {
            r.rlim_cur = (want as libc::rlim_t).min(r.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &r);
        }
    }
}

#[test]
fn many_connections() {
    ensure_fd_limit(8192);
    let s = Server::shards(2);
    let n = 2000;
    let mut conns: Vec<Client> = (0..n).map(|_| s.client()).collect();
    for c in conns.iter_mut() {
        c.send(b"*1\r\n$4\r\nPING\r\n");
    }
    for (i, c) in conns.iter_mut().enumerate() {
        assert_eq!(c.read_reply(), b"+PONG\r\n", "connection {i}");
    }
    let mut c = s.client();
    let info = c.v(&["INFO", "clients"]).bulk_str();
    let clients: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("connected_clients:"))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(clients, n + 1, "{info}");
    drop(conns);
    assert!(common::wait_until(Duration::from_secs(10), || {
        let info = c.v(&["INFO", "clients"]).bulk_str();
        info.contains("connected_clients:1\r\n")
    }));
}

fn connected_clients(c: &mut Client) -> usize {
    let info = c.v(&["INFO", "clients"]).bulk_str();
    info.lines()
        .find_map(|l| l.strip_prefix("connected_clients:"))
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn maxclients() {
    let s = Server::start(&["--shards", "2", "--maxclients", "5"]);
    let mut first = s.client();
    // The readiness probe's connection may still be counted for a moment.
    assert!(common::wait_until(
        Duration::from_secs(5),
        || connected_clients(&mut first) == 1
    ));
    let mut held = vec![first];
    for _ in 0..4 {
        let mut c = s.client();
        assert_reply!(c, ["PING"], b"+PONG\r\n");
        held.push(c);
    }
    let mut sixth = s.client();
    assert_eq!(
        sixth.read_reply(),
        b"-ERR max number of clients reached\r\n"
    );
    assert!(sixth.closed_by_peer(Duration::from_secs(5)));
    // Existing clients are unaffected; a freed place can be taken again.
    assert_reply!(held[0], ["PING"], b"+PONG\r\n");
    held.pop();
    assert!(common::wait_until(
        Duration::from_secs(5),
        || connected_clients(&mut held[0]) == 4
    ));
    let mut again = s.client();
    assert_reply!(again, ["PING"], b"+PONG\r\n");
    let info = again.v(&["INFO", "stats"]).bulk_str();
    assert!(info.contains("rejected_connections:1\r\n"), "{info}");
}

fn resp_replies_parse_as_one_stream(s: &Server) {
    // Every reply of a mixed pipeline parses, and their count matches the commands.
    let mut c = s.client();
    let cmds: Vec<Vec<&[u8]>> = vec![
        vec![b"SET", b"a", b"1"],
        vec![b"MGET", b"a", b"foo", b"bar"],
        vec![b"NOSUCH"],
        vec![b"KEYS", b"*"],
        vec![b"DEL", b"a", b"foo", b"bar"],
        vec![b"SCAN", b"0"],
        vec![b"CLIENT", b"INFO"],
    ];
    let mut buf = Vec::new();
    for cmd in &cmds {
        buf.extend(encode(cmd));
    }
    c.send(&buf);
    let mut raw = Vec::new();
    for _ in &cmds {
        raw.extend(c.read_reply());
    }
    let vals = parse_all(&raw);
    assert_eq!(vals.len(), cmds.len());
    assert!(matches!(vals[2], Val::Error(_)));
    assert_eq!(vals[4], Val::Int(1));
}

/// One write carrying multibulk and inline commands, a command that blocks the
/// connection for a moment, and a protocol error at the end: every reply in order, the
/// commands after the blocking one run after it, the error closes the connection.
/// (The shard runs pipelines a few commands behind its parser.)
fn pipeline_mixed_items_keep_order(s: &Server) {
    let mut c = s.client();
    let mut input = Vec::new();
    input.extend(common::encode(&[b"SET", b"pk", b"v"]));
    input.extend(common::encode(&[b"GET", b"pk"]));
    input.extend_from_slice(b"PING\r\n");
    input.extend(common::encode(&[b"GET", b"pk"]));
    input.extend(common::encode(&[b"BLPOP", b"pnolist", b"0.2"]));
    input.extend(common::encode(&[b"APPEND", b"pk", b"w"]));
    input.extend(common::encode(&[b"INCR", b"pn"]));
    input.extend_from_slice(b"*x\r\n");
    c.send(&input);
    let want: [&[u8]; 8] = [
        b"+OK\r\n",
        b"$1\r\nv\r\n",
        b"+PONG\r\n",
        b"$1\r\nv\r\n",
        b"*-1\r\n",
        b":2\r\n",
        b":1\r\n",
        b"-ERR Protocol error: invalid multibulk length\r\n",
    ];
    for w in want {
        assert_eq!(common::show(&c.read_reply()), common::show(w));
    }
    assert!(c.closed_by_peer(Duration::from_secs(5)));
}

per_shards!(
    pipeline_mixed_items_keep_order,
    pipeline_10k,
    resp3_shapes,
    inline_commands,
    malformed_input,
    large_values,
    binary_safety,
    slowloris,
    resp_replies_parse_as_one_stream,
);
