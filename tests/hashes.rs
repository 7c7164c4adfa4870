//! Hash commands over TCP, each test against `--shards 1` and `--shards 2`.

mod common;

use common::{shard_of2, Client, Server, Val};
use std::collections::{HashMap, HashSet};

const WRONGTYPE: &[u8] = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

/// The bulk strings of an array (or set) reply.
fn strings(v: &Val) -> Vec<String> {
    v.items().iter().map(|x| x.bulk_str()).collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// A key whose slot belongs to shard `shard` of two, with the given prefix.
fn key_on(prefix: &str, shard: usize) -> String {
    (0..)
        .map(|i| format!("{prefix}{i}"))
        .find(|k| shard_of2(k.as_bytes()) == shard)
        .unwrap()
}

/// HSET with many pairs at once.
fn hset_many(c: &mut Client, key: &str, n: usize) {
    let mut args: Vec<String> = vec!["HSET".into(), key.into()];
    for i in 0..n {
        args.push(format!("f{i}"));
        args.push(format!("v{i}"));
    }
    let a: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    assert_eq!(c.int(&a), n as i64);
}

fn basics(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["HSET", "h", "a", "1", "b", "2"], b":2\r\n");
    assert_reply!(c, ["HSET", "h", "a", "10", "c", "3"], b":1\r\n");
    assert_reply!(c, ["HGET", "h", "a"], b"$2\r\n10\r\n");
    assert_reply!(c, ["HGET", "h", "zz"], b"$-1\r\n");
    assert_reply!(c, ["HGET", "nokey", "a"], b"$-1\r\n");
    assert_reply!(c, ["HLEN", "h"], b":3\r\n");
    assert_reply!(c, ["HEXISTS", "h", "b"], b":1\r\n");
    assert_reply!(c, ["HEXISTS", "h", "x"], b":0\r\n");
    assert_reply!(c, ["HSTRLEN", "h", "a"], b":2\r\n");
    assert_reply!(
        c,
        ["HMGET", "h", "a", "x", "c"],
        b"*3\r\n$2\r\n10\r\n$-1\r\n$1\r\n3\r\n"
    );
    // Listpack order: insertion order, updates in place.
    assert_reply!(
        c,
        ["HGETALL", "h"],
        b"*6\r\n$1\r\na\r\n$2\r\n10\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"
    );
    assert_reply!(
        c,
        ["HKEYS", "h"],
        b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
    );
    assert_reply!(
        c,
        ["HVALS", "h"],
        b"*3\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n3\r\n"
    );
    assert_reply!(c, ["HMSET", "h", "d", "4"], b"+OK\r\n");
    assert_reply!(c, ["HSETNX", "h", "d", "5"], b":0\r\n");
    assert_reply!(c, ["HSETNX", "h", "e", "5"], b":1\r\n");
    assert_reply!(c, ["HGET", "h", "d"], b"$1\r\n4\r\n");
    assert_reply!(
        c,
        ["HSET", "h", "a", "1", "b"],
        b"-ERR wrong number of arguments for 'hset' command\r\n"
    );
    assert_reply!(
        c,
        ["HMSET", "h", "a", "1", "b"],
        b"-ERR wrong number of arguments for 'hmset' command\r\n"
    );
    assert_reply!(
        c,
        ["HSET", "h", "a"],
        b"-ERR wrong number of arguments for 'hset' command\r\n"
    );
    assert_reply!(c, ["TYPE", "h"], b"+hash\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", "h"], b"$8\r\nlistpack\r\n");
}

fn wrongtype(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["SET", "str", "x"], b"+OK\r\n");
    for cmd in [
        &["HSET", "str", "a", "1"][..],
        &["HMSET", "str", "a", "1"],
        &["HSETNX", "str", "a", "1"],
        &["HGET", "str", "a"],
        &["HMGET", "str", "a"],
        &["HDEL", "str", "a"],
        &["HLEN", "str"],
        &["HSTRLEN", "str", "a"],
        &["HEXISTS", "str", "a"],
        &["HKEYS", "str"],
        &["HVALS", "str"],
        &["HGETALL", "str"],
        &["HINCRBY", "str", "a", "1"],
        &["HINCRBYFLOAT", "str", "a", "1"],
        &["HRANDFIELD", "str"],
        &["HRANDFIELD", "str", "3", "WITHVALUES"],
        &["HSCAN", "str", "0"],
    ] {
        assert_eq!(c.q(cmd), WRONGTYPE, "{cmd:?}");
    }
    // Nothing was changed or created.
    assert_reply!(c, ["GET", "str"], b"$1\r\nx\r\n");
    assert_reply!(c, ["SADD", "set", "m"], b":1\r\n");
    assert_eq!(c.q(&["HSET", "set", "a", "1"]), WRONGTYPE);
    assert_reply!(c, ["TYPE", "set"], b"+set\r\n");
}

fn empty_hash_is_deleted(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["HSET", "h", "a", "1", "b", "2"], b":2\r\n");
    assert_reply!(c, ["HDEL", "h", "a", "nosuch"], b":1\r\n");
    assert_reply!(c, ["EXISTS", "h"], b":1\r\n");
    assert_reply!(c, ["HDEL", "h", "b", "a"], b":1\r\n");
    assert_reply!(c, ["EXISTS", "h"], b":0\r\n");
    assert_reply!(c, ["TYPE", "h"], b"+none\r\n");
    assert_reply!(c, ["HDEL", "h", "b"], b":0\r\n");
    // Also a hashtable-encoded hash.
    hset_many(&mut c, "big", 600);
    assert_reply!(c, ["OBJECT", "ENCODING", "big"], b"$9\r\nhashtable\r\n");
    for i in 0..600 {
        assert_eq!(c.int(&["HDEL", "big", &format!("f{i}")]), 1);
    }
    assert_reply!(c, ["EXISTS", "big"], b":0\r\n");
    // Failed increments create nothing.
    assert_reply!(
        c,
        ["HINCRBYFLOAT", "n", "f", "inf"],
        b"-ERR value is NaN or Infinity\r\n"
    );
    assert_reply!(
        c,
        ["HINCRBY", "n", "f", "x"],
        b"-ERR value is not an integer or out of range\r\n"
    );
    assert_reply!(c, ["EXISTS", "n"], b":0\r\n");
    assert_reply!(c, ["DBSIZE"], b":0\r\n");
}

fn increments(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["HINCRBY", "h", "n", "5"], b":5\r\n");
    assert_reply!(c, ["HINCRBY", "h", "n", "-8"], b":-3\r\n");
    assert_reply!(c, ["HSET", "h", "max", "9223372036854775807"], b":1\r\n");
    assert_reply!(
        c,
        ["HINCRBY", "h", "max", "1"],
        b"-ERR increment or decrement would overflow\r\n"
    );
    assert_reply!(c, ["HSET", "h", "s", "abc"], b":1\r\n");
    assert_reply!(
        c,
        ["HINCRBY", "h", "s", "1"],
        b"-ERR hash value is not an integer\r\n"
    );
    assert_reply!(
        c,
        ["HINCRBYFLOAT", "h", "s", "1"],
        b"-ERR hash value is not a float\r\n"
    );
    assert_reply!(c, ["HINCRBYFLOAT", "h", "f", "0.1"], b"$3\r\n0.1\r\n");
    assert_reply!(c, ["HINCRBYFLOAT", "h", "f", "0.2"], b"$3\r\n0.3\r\n");
    assert_reply!(c, ["HINCRBYFLOAT", "h", "n", "3.5"], b"$3\r\n0.5\r\n");
    assert_reply!(c, ["HINCRBYFLOAT", "h", "e", "1e3"], b"$4\r\n1000\r\n");
    assert_reply!(
        c,
        ["HINCRBYFLOAT", "h", "f", "abc"],
        b"-ERR value is not a valid float\r\n"
    );
    assert_reply!(c, ["HGET", "h", "f"], b"$3\r\n0.3\r\n");
    // TTL survives increments.
    assert_reply!(c, ["EXPIRE", "h", "100"], b":1\r\n");
    assert_reply!(
        c,
        ["HINCRBY", "h", "max", "-7"],
        b":9223372036854775800\r\n"
    );
    assert_reply!(c, ["HSET", "h", "new", "1"], b":1\r\n");
    assert_reply!(c, ["TTL", "h"], b":100\r\n");
}

fn encodings_follow_config(s: &Server) {
    let mut c = s.client();
    assert_reply!(
        c,
        ["CONFIG", "SET", "hash-max-listpack-entries", "3"],
        b"+OK\r\n"
    );
    assert_reply!(c, ["HSET", "h", "a", "1", "b", "2", "c", "3"], b":3\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", "h"], b"$8\r\nlistpack\r\n");
    assert_reply!(c, ["HSET", "h", "d", "4"], b":1\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", "h"], b"$9\r\nhashtable\r\n");
    // A table never goes back to a listpack.
    assert_reply!(c, ["HDEL", "h", "a", "b", "c"], b":3\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", "h"], b"$9\r\nhashtable\r\n");
    assert_reply!(c, ["HGETALL", "h"], b"*2\r\n$1\r\nd\r\n$1\r\n4\r\n");
    assert_reply!(
        c,
        ["CONFIG", "SET", "hash-max-listpack-value", "4"],
        b"+OK\r\n"
    );
    assert_reply!(c, ["HSET", "v", "a", "1234"], b":1\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", "v"], b"$8\r\nlistpack\r\n");
    assert_reply!(c, ["HSET", "v", "a", "12345"], b":0\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", "v"], b"$9\r\nhashtable\r\n");
    assert_reply!(c, ["HGET", "v", "a"], b"$5\r\n12345\r\n");
    // HSETNX of an existing field converts nothing (Redis 7.0).
    assert_reply!(c, ["HSET", "w", "a", "1"], b":1\r\n");
    assert_reply!(c, ["HSETNX", "w", "a", "123456"], b":0\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", "w"], b"$8\r\nlistpack\r\n");
    assert_reply!(c, ["HSETNX", "w", "b", "123456"], b":1\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", "w"], b"$9\r\nhashtable\r\n");
    assert_reply!(
        c,
        ["CONFIG", "SET", "hash-max-listpack-entries", "512"],
        b"+OK\r\n"
    );
    assert_reply!(
        c,
        ["CONFIG", "SET", "hash-max-listpack-value", "64"],
        b"+OK\r\n"
    );
    hset_many(&mut c, "big", 512);
    assert_reply!(c, ["OBJECT", "ENCODING", "big"], b"$8\r\nlistpack\r\n");
    assert_reply!(c, ["HSET", "big", "one", "more"], b":1\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", "big"], b"$9\r\nhashtable\r\n");
}

fn randfield(s: &Server) {
    let mut c = s.client();
    hset_many(&mut c, "h", 20);
    let all: HashSet<String> = (0..20).map(|i| format!("f{i}")).collect();
    // Distinct picks.
    for n in [1, 5, 19] {
        let got = strings(&c.v(&["HRANDFIELD", "h", &n.to_string()]));
        assert_eq!(got.len(), n);
        let uniq: HashSet<_> = got.iter().cloned().collect();
        assert_eq!(uniq.len(), n, "{got:?}");
        assert!(uniq.is_subset(&all));
    }
    // Whole hash when count >= size, in order.
    let got = strings(&c.v(&["HRANDFIELD", "h", "100"]));
    assert_eq!(got, (0..20).map(|i| format!("f{i}")).collect::<Vec<_>>());
    // Negative: repeats allowed, exactly |count| of them.
    let got = strings(&c.v(&["HRANDFIELD", "h", "-50"]));
    assert_eq!(got.len(), 50);
    assert!(got.iter().all(|f| all.contains(f)));
    // WITHVALUES, RESP2: flat, each field followed by its value.
    let got = strings(&c.v(&["HRANDFIELD", "h", "-7", "WITHVALUES"]));
    assert_eq!(got.len(), 14);
    for p in got.chunks(2) {
        assert_eq!(p[1], p[0].replacen('f', "v", 1));
    }
    // The same for a table.
    hset_many(&mut c, "t", 700);
    let got = strings(&c.v(&["HRANDFIELD", "t", "300", "WITHVALUES"]));
    assert_eq!(got.len(), 600);
    let fields: HashSet<_> = got.chunks(2).map(|p| p[0].clone()).collect();
    assert_eq!(fields.len(), 300);
    for p in got.chunks(2) {
        assert_eq!(p[1], p[0].replacen('f', "v", 1));
    }
    let one = c.v(&["HRANDFIELD", "t"]).bulk_str();
    assert!(one.starts_with('f'));
    // Over many picks every field shows up (the picks are not stuck).
    let mut seen = HashSet::new();
    for _ in 0..20 {
        seen.extend(strings(&c.v(&["HRANDFIELD", "h", "-20"])));
    }
    assert_eq!(seen, all);
    assert_reply!(
        c,
        ["HRANDFIELD", "h", "1", "WITHVALUES", "x"],
        b"-ERR syntax error\r\n"
    );
    assert_reply!(c, ["HRANDFIELD", "h", "0"], b"*0\r\n");
    assert_reply!(c, ["HRANDFIELD", "nokey", "-3"], b"*0\r\n");
    assert_reply!(c, ["HRANDFIELD", "nokey"], b"$-1\r\n");
}

fn resp3_shapes(s: &Server) {
    let mut c = s.client();
    c.q(&["HELLO", "3"]);
    assert_reply!(c, ["HSET", "h", "a", "1", "b", "2"], b":2\r\n");
    assert_reply!(
        c,
        ["HGETALL", "h"],
        b"%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    assert_reply!(c, ["HGETALL", "nokey"], b"%0\r\n");
    assert_reply!(c, ["HKEYS", "nokey"], b"*0\r\n");
    assert_reply!(c, ["HGET", "h", "x"], b"_\r\n");
    assert_reply!(c, ["HMGET", "h", "x", "a"], b"*2\r\n_\r\n$1\r\n1\r\n");
    assert_reply!(
        c,
        ["HRANDFIELD", "h", "5", "WITHVALUES"],
        b"*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    assert_reply!(c, ["HRANDFIELD", "h", "5"], b"*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    assert_reply!(c, ["HRANDFIELD", "nokey"], b"_\r\n");
    assert_reply!(c, ["HRANDFIELD", "nokey", "2", "WITHVALUES"], b"*0\r\n");
    match c.v(&["HRANDFIELD", "h", "-3", "WITHVALUES"]) {
        Val::Array(items) => {
            assert_eq!(items.len(), 3);
            for p in items {
                assert!(matches!(&p, Val::Array(kv) if kv.len() == 2), "{p:?}");
            }
        }
        other => panic!("{other:?}"),
    }
    assert_reply!(
        c,
        ["HSCAN", "h", "0"],
        b"*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    assert_reply!(c, ["HINCRBYFLOAT", "h", "a", "0.5"], b"$3\r\n1.5\r\n");
}

/// A full HSCAN of a table returns every field once, also while the hash changes.
fn hscan_full_iteration(s: &Server) {
    let mut c = s.client();
    hset_many(&mut c, "h", 2000);
    assert_reply!(c, ["OBJECT", "ENCODING", "h"], b"$9\r\nhashtable\r\n");
    for count in ["10", "1000"] {
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut cursor = "0".to_string();
        let mut calls = 0;
        loop {
            let r = c.v(&["HSCAN", "h", &cursor, "COUNT", count]);
            let items = r.items();
            cursor = items[0].bulk_str();
            let page = strings(&items[1]);
            assert_eq!(page.len() % 2, 0);
            for p in page.chunks(2) {
                assert_eq!(p[1], p[0].replacen('f', "v", 1));
                *seen.entry(p[0].clone()).or_default() += 1;
            }
            calls += 1;
            // Churn: fields that come and go during the scan.
            c.q(&["HSET", "h", &format!("tmp{calls}"), "x"]);
            c.q(&["HDEL", "h", &format!("tmp{}", calls - 1)]);
            if cursor == "0" {
                break;
            }
            assert!(calls < 500, "scan does not finish");
        }
        for i in 0..2000 {
            assert_eq!(
                seen.get(&format!("f{i}")),
                Some(&1),
                "f{i} with COUNT {count}"
            );
        }
        c.q(&["HDEL", "h", &format!("tmp{calls}")]);
    }
    // MATCH filters the pages.
    let mut found = Vec::new();
    let mut cursor = "0".to_string();
    loop {
        let r = c.v(&["HSCAN", "h", &cursor, "MATCH", "f19*"]);
        cursor = r.items()[0].bulk_str();
        found.extend(strings(&r.items()[1]).chunks(2).map(|p| p[0].clone()));
        if cursor == "0" {
            break;
        }
    }
    let want: Vec<String> = (0..2000)
        .map(|i| format!("f{i}"))
        .filter(|f| f.starts_with("f19"))
        .collect();
    assert_eq!(sorted(found), sorted(want));
    assert_reply!(c, ["HSCAN", "h", "x"], b"-ERR invalid cursor\r\n");
    assert_reply!(
        c,
        ["HSCAN", "h", "0", "COUNT", "0"],
        b"-ERR syntax error\r\n"
    );
    assert_reply!(c, ["HSCAN", "nokey", "0"], b"*2\r\n$1\r\n0\r\n*0\r\n");
}

fn keyspace_commands(s: &Server) {
    let mut c = s.client();
    // Keys on both shards when there are two.
    let (a, b) = (key_on("h", 0), key_on("h", 1));
    assert_reply!(c, ["HSET", &a, "f", "1", "g", "2"], b":2\r\n");
    assert_reply!(c, ["EXPIRE", &a, "1000"], b":1\r\n");
    assert_reply!(c, ["COPY", &a, &b], b":1\r\n");
    assert_reply!(
        c,
        ["HGETALL", &b],
        b"*4\r\n$1\r\nf\r\n$1\r\n1\r\n$1\r\ng\r\n$1\r\n2\r\n"
    );
    assert_reply!(c, ["TTL", &b], b":1000\r\n");
    assert_reply!(c, ["HSET", &b, "h", "3"], b":1\r\n");
    assert_reply!(c, ["HLEN", &a], b":2\r\n");
    let c2 = key_on("x", 1);
    assert_reply!(c, ["RENAME", &a, &c2], b"+OK\r\n");
    assert_reply!(c, ["TYPE", &c2], b"+hash\r\n");
    assert_reply!(c, ["HGET", &c2, "g"], b"$1\r\n2\r\n");
    assert_reply!(c, ["EXISTS", &a], b":0\r\n");
    assert_reply!(c, ["SET", "plain", "v"], b"+OK\r\n");
    // SCAN TYPE hash finds exactly the hashes.
    let mut found = Vec::new();
    let mut cursor = "0".to_string();
    loop {
        let r = c.v(&["SCAN", &cursor, "TYPE", "hash"]);
        cursor = r.items()[0].bulk_str();
        found.extend(strings(&r.items()[1]));
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(sorted(found), sorted(vec![b.clone(), c2.clone()]));
    assert_reply!(c, ["DEL", &b, &c2, "plain"], b":3\r\n");
    assert_reply!(c, ["DBSIZE"], b":0\r\n");
    // An expired hash is gone for every command.
    assert_reply!(c, ["HSET", "e", "f", "1"], b":1\r\n");
    assert_reply!(c, ["PEXPIRE", "e", "20"], b":1\r\n");
    std::thread::sleep(std::time::Duration::from_millis(60));
    assert_reply!(c, ["HGET", "e", "f"], b"$-1\r\n");
    assert_reply!(c, ["HSET", "e", "g", "2"], b":1\r\n");
    assert_reply!(c, ["HGETALL", "e"], b"*2\r\n$1\r\ng\r\n$1\r\n2\r\n");
    assert_reply!(c, ["TTL", "e"], b":-1\r\n");
}

fn binary_and_empty(s: &Server) {
    let mut c = s.client();
    let field: &[u8] = b"f\x00\r\n\xff";
    let value = vec![0u8; 100_000];
    assert_reply!(c, [&b"HSET"[..], b"h", field, &value[..]], b":1\r\n");
    assert_reply!(c, [&b"HSTRLEN"[..], b"h", field], b":100000\r\n");
    let got = c.cmd(&[b"HGET", b"h", field]);
    assert_eq!(got.len(), b"$100000\r\n".len() + 100_000 + 2);
    assert_reply!(c, ["OBJECT", "ENCODING", "h"], b"$9\r\nhashtable\r\n");
    assert_reply!(c, ["HSET", "e", "", ""], b":1\r\n");
    assert_reply!(c, ["HGETALL", "e"], b"*2\r\n$0\r\n\r\n$0\r\n\r\n");
    assert_reply!(c, ["HEXISTS", "e", ""], b":1\r\n");
}

per_shards!(
    basics,
    wrongtype,
    empty_hash_is_deleted,
    increments,
    encodings_follow_config,
    randfield,
    resp3_shapes,
    hscan_full_iteration,
    keyspace_commands,
    binary_and_empty,
);
