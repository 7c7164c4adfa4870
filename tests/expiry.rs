//! Key expiry: lazily on access and by the active cycle, `--shards 1` and `--shards 2`.

mod common;

use common::{encode, Server};
use std::io::Write;
use std::time::{Duration, Instant};

const OK: &[u8] = b"+OK\r\n";

fn dbsize(c: &mut common::Client) -> i64 {
    c.int(&["DBSIZE"])
}

fn lazy_expiry_on_access(s: &Server) {
    let mut c = s.client();
    // With the active cycle off, only an access can remove an expired key.
    assert_reply!(c, ["DEBUG", "SET-ACTIVE-EXPIRE", "0"], OK);
    // TTLs long enough for the checks before the wait to land on a loaded machine; the
    // wait is on the wall clock, so the keys are not accessed until it has passed.
    assert_reply!(c, ["SET", "foo", "v", "PX", "2000"], OK);
    assert_reply!(c, ["SET", "bar", "v", "PX", "2000"], OK);
    assert_reply!(c, ["SET", "keep", "v"], OK);
    assert_reply!(c, ["GET", "foo"], b"$1\r\nv\r\n");
    let pttl = c.int(&["PTTL", "foo"]);
    assert!((1..=2000).contains(&pttl), "{pttl}");
    common::wait_past_expiry(&mut c, &["foo", "bar"]);
    // Not accessed yet: still counted, as in Redis.
    assert_eq!(dbsize(&mut c), 3);
    assert_reply!(c, ["GET", "foo"], b"$-1\r\n");
    assert_eq!(dbsize(&mut c), 2);
    assert_reply!(c, ["TTL", "bar"], b":-2\r\n");
    assert_reply!(c, ["EXISTS", "foo", "bar", "keep"], b":1\r\n");
    assert_eq!(dbsize(&mut c), 1);
    // Every kind of access sees the key as absent. (A key that expired before its
    // PEXPIRETIME is read is removed by that read: absent either way.)
    assert_reply!(c, ["SET", "k1", "v", "PX", "50"], OK);
    assert_reply!(c, ["SET", "k2", "5", "PX", "50"], OK);
    assert_reply!(c, ["SET", "k3", "v", "PX", "50"], OK);
    common::wait_past_expiry(&mut c, &["k1", "k2", "k3"]);
    assert_reply!(c, ["INCR", "k2"], b":1\r\n");
    assert_reply!(c, ["TTL", "k2"], b":-1\r\n");
    assert_reply!(c, ["APPEND", "k1", "x"], b":1\r\n");
    assert_reply!(c, ["RENAME", "k3", "k4"], b"-ERR no such key\r\n");
    assert_reply!(c, ["SET", "k5", "v", "PX", "50"], OK);
    common::wait_past_expiry(&mut c, &["k5"]);
    assert_reply!(c, ["SET", "k5", "w", "NX"], OK);
    assert_reply!(c, ["KEYS", "k5"], b"*1\r\n$2\r\nk5\r\n");
    assert_reply!(c, ["DEBUG", "SET-ACTIVE-EXPIRE", "1"], OK);
}

fn keys_with_px_vanish(s: &Server) {
    let mut c = s.client();
    // Long enough for EXISTS to land first on a loaded machine; the deadline is generous.
    assert_reply!(c, ["SET", "foo", "v", "PX", "2000"], OK);
    assert_reply!(c, ["PSETEX", "bar", "2000", "v"], OK);
    assert_reply!(c, ["EXISTS", "foo", "bar"], b":2\r\n");
    let gone = common::wait_until(Duration::from_secs(20), || {
        c.q(&["GET", "foo"]) == b"$-1\r\n" && c.q(&["GET", "bar"]) == b"$-1\r\n"
    });
    assert!(gone, "keys with PX 2000 still there after 20 s");
    assert_reply!(c, ["DBSIZE"], b":0\r\n");
}

fn active_expiry_100k(s: &Server) {
    let mut c = s.client();
    let n = 100_000;
    let mut buf = Vec::with_capacity(n * 48);
    for i in 0..n {
        buf.extend(encode(&[
            b"SET",
            format!("exp:{i}").as_bytes(),
            b"v",
            b"PX",
            b"300",
        ]));
    }
    let mut w = c.stream.try_clone().unwrap();
    let writer = std::thread::spawn(move || w.write_all(&buf).map(|_| ()));
    for i in 0..n {
        let r = c.read_reply();
        assert_eq!(r, OK, "SET {i}");
    }
    writer.join().unwrap().unwrap();
    let loaded = Instant::now();
    // Never touch the keys: only DBSIZE until it reaches 0.
    let mut last = dbsize(&mut c);
    let emptied = common::wait_until(Duration::from_secs(30), || {
        last = dbsize(&mut c);
        last == 0
    });
    assert!(
        emptied,
        "DBSIZE still {last} {:?} after loading",
        loaded.elapsed()
    );
    let info = c.v(&["INFO", "stats"]).bulk_str();
    let expired: i64 = info
        .lines()
        .find_map(|l| l.strip_prefix("expired_keys:"))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(expired, n as i64, "{info}");
}

per_shards!(
    lazy_expiry_on_access,
    keys_with_px_vanish,
    active_expiry_100k
);
