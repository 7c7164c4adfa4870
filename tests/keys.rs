//! Keyspace commands against the real server, `--shards 1` and `--shards 2`.

mod common;

use common::{shard_of2, Client, Server, Val};
use std::collections::HashSet;

const OK: &[u8] = b"+OK\r\n";
const NIL: &[u8] = b"$-1\r\n";
const SYNTAX: &[u8] = b"-ERR syntax error\r\n";

/// Keys on both shards (with 2 shards): "foo" on shard 1, "bar" on shard 0.
const FOO: &str = "foo";
const BAR: &str = "bar";

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// TTL just set to `secs` (rounded as Redis does), with slack for a loaded machine: a
/// TTL only counts down, so anything from `secs - 30` to `secs` passes.
fn assert_ttl(c: &mut Client, key: &str, secs: i64) {
    let ttl = c.int(&["TTL", key]);
    assert!(
        (secs - 30..=secs).contains(&ttl),
        "TTL {key}: {ttl}, set to {secs}"
    );
}

fn del_unlink_exists_touch(s: &Server) {
    assert_eq!(
        (shard_of2(FOO.as_bytes()), shard_of2(BAR.as_bytes())),
        (1, 0)
    );
    let mut c = s.client();
    assert_reply!(c, ["MSET", FOO, "1", BAR, "2", "baz", "3"], OK);
    assert_reply!(c, ["EXISTS", FOO, BAR, "baz", "nokey", FOO], b":4\r\n");
    assert_reply!(c, ["TOUCH", FOO, BAR, "nokey"], b":2\r\n");
    assert_reply!(c, ["DEL", FOO, "nokey", BAR], b":2\r\n");
    assert_reply!(c, ["EXISTS", FOO, BAR], b":0\r\n");
    assert_reply!(c, ["UNLINK", "baz", "baz"], b":1\r\n");
    assert_reply!(c, ["DEL", "nokey"], b":0\r\n");
    assert_reply!(
        c,
        ["DEL"],
        b"-ERR wrong number of arguments for 'del' command\r\n"
    );
    assert_reply!(
        c,
        ["EXISTS"],
        b"-ERR wrong number of arguments for 'exists' command\r\n"
    );
}

fn type_cmd(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["TYPE", "k"], b"+none\r\n");
    assert_reply!(c, ["SET", "k", "v"], OK);
    assert_reply!(c, ["TYPE", "k"], b"+string\r\n");
    assert_reply!(c, ["SET", "n", "1"], OK);
    assert_reply!(c, ["TYPE", "n"], b"+string\r\n");
}

fn expire_family(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["EXPIRE", "k", "100"], b":0\r\n");
    assert_reply!(c, ["SET", "k", "v"], OK);
    assert_reply!(c, ["TTL", "k"], b":-1\r\n");
    assert_reply!(c, ["PTTL", "k"], b":-1\r\n");
    assert_reply!(c, ["EXPIRETIME", "k"], b":-1\r\n");
    assert_reply!(c, ["PEXPIRETIME", "k"], b":-1\r\n");
    assert_reply!(c, ["TTL", "nokey"], b":-2\r\n");
    assert_reply!(c, ["PTTL", "nokey"], b":-2\r\n");
    assert_reply!(c, ["EXPIRETIME", "nokey"], b":-2\r\n");
    assert_reply!(c, ["PEXPIRETIME", "nokey"], b":-2\r\n");
    assert_reply!(c, ["EXPIRE", "k", "100"], b":1\r\n");
    assert_ttl(&mut c, "k", 100);
    let pttl = c.int(&["PTTL", "k"]);
    assert!((70_000..=100_000).contains(&pttl), "{pttl}");
    assert_reply!(c, ["PEXPIRE", "k", "200000"], b":1\r\n");
    assert_ttl(&mut c, "k", 200);
    let at = now_ms() / 1000 + 5000;
    assert_reply!(c, ["EXPIREAT", "k", &at.to_string()], b":1\r\n");
    assert_eq!(c.int(&["EXPIRETIME", "k"]), at as i64);
    assert_eq!(c.int(&["PEXPIRETIME", "k"]), at as i64 * 1000);
    let pat = now_ms() + 7_000_000;
    assert_reply!(c, ["PEXPIREAT", "k", &pat.to_string()], b":1\r\n");
    assert_eq!(c.int(&["PEXPIRETIME", "k"]), pat as i64);
    assert_reply!(c, ["PERSIST", "k"], b":1\r\n");
    assert_reply!(c, ["PERSIST", "k"], b":0\r\n");
    assert_reply!(c, ["PERSIST", "nokey"], b":0\r\n");
    assert_reply!(c, ["TTL", "k"], b":-1\r\n");
    // Non-positive relative times and past absolute ones delete the key.
    assert_reply!(c, ["EXPIRE", "k", "0"], b":1\r\n");
    assert_reply!(c, ["EXISTS", "k"], b":0\r\n");
    assert_reply!(c, ["SET", "k", "v"], OK);
    assert_reply!(c, ["PEXPIRE", "k", "-5"], b":1\r\n");
    assert_reply!(c, ["EXISTS", "k"], b":0\r\n");
    assert_reply!(c, ["SET", "k", "v"], OK);
    assert_reply!(c, ["EXPIREAT", "k", "1"], b":1\r\n");
    assert_reply!(c, ["GET", "k"], NIL);
    // Errors.
    assert_reply!(c, ["SET", "k", "v"], OK);
    assert_reply!(
        c,
        ["EXPIRE", "k", "abc"],
        b"-ERR value is not an integer or out of range\r\n"
    );
    assert_reply!(
        c,
        ["EXPIRE", "k", "9223372036854775807"],
        b"-ERR invalid expire time in 'expire' command\r\n"
    );
    assert_reply!(
        c,
        ["PEXPIRE", "k", "9223372036854775807"],
        b"-ERR invalid expire time in 'pexpire' command\r\n"
    );
    assert_reply!(
        c,
        ["EXPIRE", "k", "10", "FOO"],
        b"-ERR Unsupported option FOO\r\n"
    );
    assert_reply!(
        c,
        ["EXPIRE"],
        b"-ERR wrong number of arguments for 'expire' command\r\n"
    );
}

fn expire_nx_xx_gt_lt(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["SET", "k", "v"], OK);
    // XX: only with a TTL; GT: no TTL counts as infinite, never greater.
    assert_reply!(c, ["EXPIRE", "k", "100", "XX"], b":0\r\n");
    assert_reply!(c, ["EXPIRE", "k", "100", "GT"], b":0\r\n");
    assert_reply!(c, ["TTL", "k"], b":-1\r\n");
    // LT: no TTL counts as infinite, anything is less.
    assert_reply!(c, ["EXPIRE", "k", "500", "LT"], b":1\r\n");
    assert_ttl(&mut c, "k", 500);
    assert_reply!(c, ["EXPIRE", "k", "100", "NX"], b":0\r\n");
    assert_reply!(c, ["EXPIRE", "k", "600", "LT"], b":0\r\n");
    assert_reply!(c, ["EXPIRE", "k", "400", "LT"], b":1\r\n");
    assert_reply!(c, ["EXPIRE", "k", "300", "GT"], b":0\r\n");
    assert_reply!(c, ["EXPIRE", "k", "700", "gt"], b":1\r\n");
    assert_reply!(c, ["EXPIRE", "k", "800", "XX"], b":1\r\n");
    assert_reply!(c, ["EXPIRE", "k", "900", "XX", "GT"], b":1\r\n");
    assert_ttl(&mut c, "k", 900);
    assert_reply!(c, ["PERSIST", "k"], b":1\r\n");
    assert_reply!(c, ["EXPIRE", "k", "50", "NX"], b":1\r\n");
    assert_ttl(&mut c, "k", 50);
    assert_reply!(
        c,
        ["EXPIRE", "k", "10", "NX", "XX"],
        b"-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"
    );
    assert_reply!(
        c,
        ["PEXPIRE", "k", "10", "NX", "LT"],
        b"-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"
    );
    assert_reply!(
        c,
        ["EXPIREAT", "k", "10", "GT", "LT"],
        b"-ERR GT and LT options at the same time are not compatible\r\n"
    );
    assert_ttl(&mut c, "k", 50);
}

fn rename_renamenx_copy(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["RENAME", "{t}a", "{t}b"], b"-ERR no such key\r\n");
    assert_reply!(c, ["RENAMENX", "{t}a", "{t}b"], b"-ERR no such key\r\n");
    assert_reply!(c, ["SET", "{t}a", "1", "EX", "100"], OK);
    assert_reply!(c, ["RENAME", "{t}a", "{t}b"], OK);
    assert_reply!(c, ["EXISTS", "{t}a"], b":0\r\n");
    assert_reply!(c, ["GET", "{t}b"], b"$1\r\n1\r\n");
    assert_ttl(&mut c, "{t}b", 100);
    assert_reply!(c, ["RENAME", "{t}b", "{t}b"], OK);
    assert_reply!(c, ["SET", "{t}c", "3"], OK);
    assert_reply!(c, ["RENAMENX", "{t}b", "{t}c"], b":0\r\n");
    assert_reply!(c, ["RENAMENX", "{t}b", "{t}d"], b":1\r\n");
    assert_reply!(
        c,
        ["MGET", "{t}b", "{t}c", "{t}d"],
        b"*3\r\n$-1\r\n$1\r\n3\r\n$1\r\n1\r\n"
    );
    // RENAME over an existing key replaces it and its TTL.
    assert_reply!(c, ["SET", "{t}e", "5", "EX", "1000"], OK);
    assert_reply!(c, ["RENAME", "{t}c", "{t}e"], OK);
    assert_reply!(c, ["TTL", "{t}e"], b":-1\r\n");
    // COPY.
    assert_reply!(c, ["COPY", "{t}d", "{t}f"], b":1\r\n");
    assert_ttl(&mut c, "{t}f", 100);
    assert_reply!(c, ["COPY", "{t}d", "{t}e"], b":0\r\n");
    assert_reply!(c, ["COPY", "{t}d", "{t}e", "REPLACE"], b":1\r\n");
    assert_reply!(c, ["GET", "{t}e"], b"$1\r\n1\r\n");
    assert_reply!(c, ["COPY", "{t}nokey", "{t}x"], b":0\r\n");
    assert_reply!(
        c,
        ["COPY", "{t}d", "{t}d"],
        b"-ERR source and destination objects are the same\r\n"
    );
    assert_reply!(c, ["COPY", "{t}d", "{t}g", "DB", "0"], b":1\r\n");
    assert_reply!(
        c,
        ["COPY", "{t}d", "{t}h", "DB", "1"],
        b"-ERR DB index is out of range\r\n"
    );
    assert_reply!(c, ["COPY", "{t}d", "{t}h", "FOO"], SYNTAX);
    // Across shards (slotcore runs them over fetched copies).
    assert_reply!(c, ["SET", FOO, "x"], OK);
    assert_reply!(c, ["RENAME", FOO, BAR], OK);
    assert_reply!(c, ["GET", BAR], b"$1\r\nx\r\n");
    assert_reply!(c, ["EXISTS", FOO], b":0\r\n");
    assert_reply!(c, ["COPY", BAR, FOO], b":1\r\n");
    assert_reply!(c, ["MGET", FOO, BAR], b"*2\r\n$1\r\nx\r\n$1\r\nx\r\n");
}

fn keys_cmd(s: &Server) {
    let mut c = s.client();
    for k in ["hello", "hallo", "hxllo", "hllo", "heeeello", FOO, BAR] {
        assert_reply!(c, ["SET", k, "1"], OK);
    }
    let keys = |c: &mut Client, p: &str| -> Vec<String> {
        let mut v: Vec<String> = c
            .v(&["KEYS", p])
            .items()
            .iter()
            .map(|x| x.bulk_str())
            .collect();
        v.sort();
        v
    };
    assert_eq!(keys(&mut c, "*").len(), 7);
    assert_eq!(keys(&mut c, "h?llo"), ["hallo", "hello", "hxllo"]);
    assert_eq!(
        keys(&mut c, "h*llo"),
        ["hallo", "heeeello", "hello", "hllo", "hxllo"]
    );
    assert_eq!(keys(&mut c, "h[ae]llo"), ["hallo", "hello"]);
    assert_eq!(keys(&mut c, "h[^e]llo"), ["hallo", "hxllo"]);
    assert_eq!(keys(&mut c, "h[a-b]llo"), ["hallo"]);
    assert_eq!(keys(&mut c, "[fb]*"), ["bar", "foo"]);
    assert_reply!(c, ["KEYS", "nomatch*"], b"*0\r\n");
}

/// Iterate SCAN to cursor 0 and collect every key returned (with repetitions).
fn scan_all(c: &mut Client, extra: &[&str]) -> (Vec<String>, usize) {
    let mut cursor = "0".to_string();
    let mut out = Vec::new();
    let mut calls = 0;
    loop {
        let mut args = vec!["SCAN", cursor.as_str()];
        args.extend_from_slice(extra);
        let v = c.v(&args);
        let items = v.items();
        assert_eq!(items.len(), 2, "{v:?}");
        let next = items[0].bulk_str();
        out.extend(items[1].items().iter().map(|k| k.bulk_str()));
        calls += 1;
        assert!(calls < 100_000, "SCAN does not terminate");
        if next == "0" {
            return (out, calls);
        }
        cursor = next;
    }
}

fn scan_cmd(s: &Server) {
    let mut c = s.client();
    // An empty keyspace ends in one call, whatever the shards (Redis: cursor 0).
    assert_reply!(c, ["SCAN", "0"], b"*2\r\n$1\r\n0\r\n*0\r\n");
    // Keys on the last shard only: one call with room in COUNT returns them all.
    let tail: Vec<String> = (0..)
        .map(|i| format!("t{i}"))
        .filter(|k| common::key_slot(k.as_bytes()) >= 12288)
        .take(3)
        .collect();
    for k in &tail {
        assert_reply!(c, ["SET", k, "v"], OK);
    }
    let v = c.v(&["SCAN", "0", "COUNT", "100"]);
    assert_eq!(v.items()[0].bulk_str(), "0", "{v:?}");
    let mut got: Vec<String> = v.items()[1].items().iter().map(|k| k.bulk_str()).collect();
    got.sort();
    let mut want = tail.clone();
    want.sort();
    assert_eq!(got, want);
    for k in &tail {
        assert_reply!(c, ["DEL", k], b":1\r\n");
    }
    // 1000 keys over both shards, loaded with one pipeline.
    let mut buf = Vec::new();
    for i in 0..1000 {
        buf.extend(common::encode(&[
            b"SET",
            format!("key:{i}").as_bytes(),
            b"v",
        ]));
    }
    c.send(&buf);
    for _ in 0..1000 {
        assert_eq!(c.read_reply(), OK);
    }
    assert_reply!(c, ["SET", "other", "1"], OK);
    assert_reply!(c, ["DBSIZE"], b":1001\r\n");
    let (all, calls) = scan_all(&mut c, &["COUNT", "10"]);
    let uniq: HashSet<&String> = all.iter().collect();
    assert_eq!(uniq.len(), 1001, "every key at least once");
    assert!(calls > 10, "COUNT 10 should take many calls, took {calls}");
    let (m, _) = scan_all(&mut c, &["MATCH", "key:1*", "COUNT", "10"]);
    let m: HashSet<String> = m.into_iter().collect();
    let want: HashSet<String> = (0..1000)
        .map(|i| format!("key:{i}"))
        .filter(|k| k.starts_with("key:1"))
        .collect();
    assert_eq!(m, want);
    let (t, _) = scan_all(&mut c, &["TYPE", "string", "COUNT", "100"]);
    assert_eq!(t.into_iter().collect::<HashSet<_>>().len(), 1001);
    let (t, _) = scan_all(&mut c, &["TYPE", "list"]);
    assert!(t.is_empty());
    // Errors.
    assert_reply!(c, ["SCAN", "abc"], b"-ERR invalid cursor\r\n");
    assert_reply!(c, ["SCAN", "0", "COUNT", "0"], SYNTAX);
    assert_reply!(
        c,
        ["SCAN", "0", "COUNT", "x"],
        b"-ERR value is not an integer or out of range\r\n"
    );
    assert_reply!(c, ["SCAN", "0", "MATCH"], SYNTAX);
    assert_reply!(c, ["SCAN", "0", "FOO", "bar"], SYNTAX);
    assert_reply!(
        c,
        ["SCAN", "18446744073709551616"],
        b"-ERR invalid cursor\r\n"
    );
    assert_reply!(
        c,
        ["SCAN", "18446744073709551615"],
        b"*2\r\n$1\r\n0\r\n*0\r\n"
    );
}

fn randomkey_dbsize_flushall(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["RANDOMKEY"], NIL);
    assert_reply!(c, ["DBSIZE"], b":0\r\n");
    assert_reply!(c, ["MSET", FOO, "1", BAR, "2"], OK);
    assert_reply!(c, ["DBSIZE"], b":2\r\n");
    let mut seen = HashSet::new();
    for _ in 0..200 {
        match c.v(&["RANDOMKEY"]) {
            Val::Bulk(k) => {
                seen.insert(String::from_utf8(k).unwrap());
            }
            other => panic!("RANDOMKEY: {other:?}"),
        }
    }
    assert_eq!(seen, HashSet::from(["foo".to_string(), "bar".to_string()]));
    assert_reply!(c, ["FLUSHALL"], OK);
    assert_reply!(c, ["DBSIZE"], b":0\r\n");
    assert_reply!(c, ["SET", "a", "1"], OK);
    assert_reply!(c, ["FLUSHDB", "ASYNC"], OK);
    assert_reply!(c, ["FLUSHALL", "SYNC"], OK);
    assert_reply!(c, ["FLUSHALL", "foo"], SYNTAX);
    assert_reply!(c, ["EXISTS", "a"], b":0\r\n");
    assert_reply!(
        c,
        ["DBSIZE", "x"],
        b"-ERR wrong number of arguments for 'dbsize' command\r\n"
    );
}

fn object_cmd(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["SET", "i", "-42"], OK);
    assert_reply!(c, ["OBJECT", "ENCODING", "i"], b"$3\r\nint\r\n");
    assert_reply!(c, ["SET", "e", "abc"], OK);
    assert_reply!(c, ["OBJECT", "ENCODING", "e"], b"$6\r\nembstr\r\n");
    assert_reply!(c, ["SET", "r", &"r".repeat(100)], OK);
    assert_reply!(c, ["OBJECT", "ENCODING", "r"], b"$3\r\nraw\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", "nokey"], NIL);
    assert_reply!(
        c,
        ["OBJECT", "NOSUCH", "e"],
        b"-ERR unknown subcommand 'NOSUCH'. Try OBJECT HELP.\r\n"
    );
    assert_reply!(
        c,
        ["OBJECT"],
        b"-ERR wrong number of arguments for 'object' command\r\n"
    );
    assert_reply!(
        c,
        ["OBJECT", "ENCODING"],
        b"-ERR wrong number of arguments for 'object|encoding' command\r\n"
    );
    let help = c.v(&["OBJECT", "HELP"]);
    assert!(help.items().len() > 4);
}

fn binary_keys(s: &Server) {
    let mut c = s.client();
    let k: &[u8] = b"k\x00\r\n\xff";
    assert_reply!(c, [b"SET".as_slice(), k, b"v\x00\r\n"], OK);
    assert_reply!(c, [b"GET".as_slice(), k], b"$4\r\nv\x00\r\n\r\n");
    assert_reply!(c, [b"EXISTS".as_slice(), k], b":1\r\n");
    assert_reply!(c, ["KEYS", "k*"], b"*1\r\n$5\r\nk\x00\r\n\xff\r\n");
}

per_shards!(
    del_unlink_exists_touch,
    type_cmd,
    expire_family,
    expire_nx_xx_gt_lt,
    rename_renamenx_copy,
    keys_cmd,
    scan_cmd,
    randomkey_dbsize_flushall,
    object_cmd,
    binary_keys,
);
