//! Set commands over TCP, each test against `--shards 1` and `--shards 2`. The
//! multi-key tests pick key names owned by different shards (of two), so with
//! `--shards 2` SMOVE / SINTER* / SUNION* / SDIFF* / SINTERCARD run across shards.

mod common;

use common::{shard_of2, Client, Server, Val};
use std::collections::{HashMap, HashSet};

const WRONGTYPE: &[u8] = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

fn strings(v: &Val) -> Vec<String> {
    v.items().iter().map(|x| x.bulk_str()).collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn members(c: &mut Client, key: &str) -> Vec<String> {
    sorted(strings(&c.v(&["SMEMBERS", key])))
}

fn svec(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// A key owned by shard `shard` of two, with the given prefix.
fn key_on(prefix: &str, shard: usize) -> String {
    (0..)
        .map(|i| format!("{prefix}{i}"))
        .find(|k| shard_of2(k.as_bytes()) == shard)
        .unwrap()
}

fn sadd_many(c: &mut Client, key: &str, items: impl IntoIterator<Item = String>) -> i64 {
    let mut args: Vec<String> = vec!["SADD".into(), key.into()];
    args.extend(items);
    let a: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    c.int(&a)
}

fn basics(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["SADD", "s", "3", "1", "2", "1"], b":3\r\n");
    assert_reply!(
        c,
        ["SMEMBERS", "s"],
        b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    );
    assert_reply!(c, ["OBJECT", "ENCODING", "s"], b"$6\r\nintset\r\n");
    assert_reply!(c, ["SCARD", "s"], b":3\r\n");
    assert_reply!(c, ["SISMEMBER", "s", "2"], b":1\r\n");
    assert_reply!(c, ["SISMEMBER", "s", "02"], b":0\r\n");
    assert_reply!(
        c,
        ["SMISMEMBER", "s", "1", "x", "3"],
        b"*3\r\n:1\r\n:0\r\n:1\r\n"
    );
    assert_reply!(c, ["SMISMEMBER", "nokey", "1"], b"*1\r\n:0\r\n");
    assert_reply!(c, ["SADD", "s", "a"], b":1\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", "s"], b"$8\r\nlistpack\r\n");
    // The intset's order is kept, new members follow.
    assert_reply!(
        c,
        ["SMEMBERS", "s"],
        b"*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\na\r\n"
    );
    assert_reply!(c, ["SREM", "s", "2", "zz"], b":1\r\n");
    assert_reply!(c, ["SCARD", "s"], b":3\r\n");
    assert_reply!(c, ["TYPE", "s"], b"+set\r\n");
    assert_reply!(c, ["SCARD", "nokey"], b":0\r\n");
    assert_reply!(c, ["SMEMBERS", "nokey"], b"*0\r\n");
    assert_reply!(
        c,
        ["SADD", "s"],
        b"-ERR wrong number of arguments for 'sadd' command\r\n"
    );
}

fn wrongtype(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["SET", "str", "x"], b"+OK\r\n");
    let other = key_on("o", 1);
    assert_reply!(c, ["SADD", &other, "1"], b":1\r\n");
    for cmd in [
        &["SADD", "str", "a"][..],
        &["SREM", "str", "a"],
        &["SCARD", "str"],
        &["SISMEMBER", "str", "a"],
        &["SMISMEMBER", "str", "a"],
        &["SMEMBERS", "str"],
        &["SPOP", "str"],
        &["SPOP", "str", "2"],
        &["SRANDMEMBER", "str"],
        &["SRANDMEMBER", "str", "-2"],
        &["SSCAN", "str", "0"],
        &["SMOVE", "str", &other, "1"],
        &["SMOVE", &other, "str", "1"],
        &["SINTER", &other, "str"],
        &["SINTER", "nokey", "str"],
        &["SINTERSTORE", "d", &other, "str"],
        &["SINTERCARD", "2", &other, "str"],
        &["SUNION", &other, "str"],
        &["SUNIONSTORE", "d", "str"],
        &["SDIFF", &other, "str"],
        &["SDIFFSTORE", "d", &other, "str"],
    ] {
        assert_eq!(c.q(cmd), WRONGTYPE, "{cmd:?}");
    }
    // Nothing changed.
    assert_reply!(c, ["GET", "str"], b"$1\r\nx\r\n");
    assert_reply!(c, ["SMEMBERS", &other], b"*1\r\n$1\r\n1\r\n");
    assert_reply!(c, ["EXISTS", "d"], b":0\r\n");
    // A missing source: SMOVE answers 0 before looking at the destination.
    assert_reply!(c, ["SMOVE", "nokey", "str", "1"], b":0\r\n");
    assert_reply!(c, ["HSET", "h", "f", "v"], b":1\r\n");
    assert_eq!(c.q(&["SADD", "h", "x"]), WRONGTYPE);
}

fn empty_set_is_deleted(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["SADD", "s", "a", "b"], b":2\r\n");
    assert_reply!(c, ["SREM", "s", "a", "b", "c"], b":2\r\n");
    assert_reply!(c, ["EXISTS", "s"], b":0\r\n");
    assert_reply!(c, ["SADD", "s", "1"], b":1\r\n");
    assert_reply!(c, ["SPOP", "s"], b"$1\r\n1\r\n");
    assert_reply!(c, ["EXISTS", "s"], b":0\r\n");
    assert_reply!(c, ["SADD", "s", "1", "2"], b":2\r\n");
    assert_reply!(c, ["SPOP", "s", "2"], b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    assert_reply!(c, ["EXISTS", "s"], b":0\r\n");
    // A table emptied member by member.
    sadd_many(&mut c, "t", (0..300).map(|i| format!("m{i}")));
    assert_reply!(c, ["OBJECT", "ENCODING", "t"], b"$9\r\nhashtable\r\n");
    for _ in 0..300 {
        assert!(matches!(c.v(&["SPOP", "t"]), Val::Bulk(_)));
    }
    assert_reply!(c, ["EXISTS", "t"], b":0\r\n");
    assert_reply!(c, ["SPOP", "t"], b"$-1\r\n");
    // Empty results of the STORE forms delete the destination.
    let (a, d) = (key_on("a", 0), key_on("d", 1));
    assert_reply!(c, ["SADD", &a, "1"], b":1\r\n");
    assert_reply!(c, ["SADD", &d, "9"], b":1\r\n");
    assert_reply!(c, ["SINTERSTORE", &d, &a, "nokey"], b":0\r\n");
    assert_reply!(c, ["EXISTS", &d], b":0\r\n");
    assert_reply!(c, ["SADD", &d, "9"], b":1\r\n");
    assert_reply!(c, ["SDIFFSTORE", &d, &a, &a], b":0\r\n");
    assert_reply!(c, ["EXISTS", &d], b":0\r\n");
    assert_reply!(c, ["SET", &d, "str"], b"+OK\r\n");
    assert_reply!(c, ["SUNIONSTORE", &d, "nokey"], b":0\r\n");
    assert_reply!(c, ["EXISTS", &d], b":0\r\n");
    assert_reply!(c, ["DBSIZE"], b":1\r\n");
}

/// SMOVE between keys of different shards (when there are two).
fn smove_across_shards(s: &Server) {
    let mut c = s.client();
    let (src, dst) = (key_on("src", 0), key_on("dst", 1));
    assert_reply!(c, ["SADD", &src, "a", "b"], b":2\r\n");
    assert_reply!(c, ["SMOVE", &src, &dst, "a"], b":1\r\n");
    assert_eq!(members(&mut c, &src), svec(&["b"]));
    assert_eq!(members(&mut c, &dst), svec(&["a"]));
    assert_reply!(c, ["SMOVE", &src, &dst, "zz"], b":0\r\n");
    assert_reply!(c, ["SADD", &dst, "b"], b":1\r\n");
    // Already in the destination: removed from the source all the same.
    assert_reply!(c, ["SMOVE", &src, &dst, "b"], b":1\r\n");
    assert_reply!(c, ["EXISTS", &src], b":0\r\n");
    assert_eq!(members(&mut c, &dst), svec(&["a", "b"]));
    assert_reply!(c, ["SMOVE", &dst, &src, "a"], b":1\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", &src], b"$8\r\nlistpack\r\n");
    assert_reply!(c, ["SMOVE", &dst, &dst, "b"], b":1\r\n");
    assert_reply!(c, ["SMOVE", &dst, &dst, "x"], b":0\r\n");
    // Deadlines stay with their keys.
    assert_reply!(c, ["EXPIRE", &dst, "500"], b":1\r\n");
    assert_reply!(c, ["SMOVE", &src, &dst, "a"], b":1\r\n");
    assert_reply!(c, ["TTL", &dst], b":500\r\n");
    assert_reply!(c, ["EXISTS", &src], b":0\r\n");
    // A new destination from an integer member is an intset.
    assert_reply!(c, ["SADD", &src, "7"], b":1\r\n");
    let fresh = key_on("fresh", 1);
    assert_reply!(c, ["SMOVE", &src, &fresh, "7"], b":1\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", &fresh], b"$6\r\nintset\r\n");
    assert_reply!(c, ["SMEMBERS", &fresh], b"*1\r\n$1\r\n7\r\n");
}

/// SINTER / SUNION / SDIFF and their STORE forms over keys of both shards.
fn set_algebra_across_shards(s: &Server) {
    let mut c = s.client();
    let (a, b, d) = (key_on("a", 0), key_on("b", 1), key_on("d", 0));
    let e = key_on("e", 1);
    assert_reply!(c, ["SADD", &a, "1", "2", "3", "4"], b":4\r\n");
    assert_reply!(c, ["SADD", &b, "3", "4", "5"], b":3\r\n");
    assert_reply!(c, ["SINTER", &a, &b], b"*2\r\n$1\r\n3\r\n$1\r\n4\r\n");
    assert_reply!(
        c,
        ["SUNION", &a, &b],
        b"*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"
    );
    assert_reply!(c, ["SDIFF", &a, &b], b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    assert_reply!(c, ["SINTERCARD", "2", &a, &b], b":2\r\n");
    assert_reply!(c, ["SINTERCARD", "2", &a, &b, "LIMIT", "1"], b":1\r\n");
    // Destination on either shard, replacing another type and its TTL.
    assert_reply!(c, ["SET", &d, "old"], b"+OK\r\n");
    assert_reply!(c, ["EXPIRE", &d, "100"], b":1\r\n");
    assert_reply!(c, ["SINTERSTORE", &d, &a, &b], b":2\r\n");
    assert_reply!(c, ["TYPE", &d], b"+set\r\n");
    assert_reply!(c, ["TTL", &d], b":-1\r\n");
    assert_reply!(c, ["SMEMBERS", &d], b"*2\r\n$1\r\n3\r\n$1\r\n4\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", &d], b"$6\r\nintset\r\n");
    assert_reply!(c, ["SINTERSTORE", &e, &a, &b, &d], b":2\r\n");
    assert_reply!(c, ["SUNIONSTORE", &e, &a, &b], b":5\r\n");
    assert_reply!(c, ["SCARD", &e], b":5\r\n");
    assert_reply!(c, ["SDIFFSTORE", &e, &b, &a], b":1\r\n");
    assert_reply!(c, ["SMEMBERS", &e], b"*1\r\n$1\r\n5\r\n");
    // The destination is one of the sources.
    assert_reply!(c, ["SINTERSTORE", &a, &a, &b], b":2\r\n");
    assert_reply!(c, ["SMEMBERS", &a], b"*2\r\n$1\r\n3\r\n$1\r\n4\r\n");
    assert_reply!(c, ["SUNIONSTORE", &b, &b, &e], b":3\r\n");
    // Sources keep their deadlines through a cross-shard read.
    assert_reply!(c, ["EXPIRE", &b, "300"], b":1\r\n");
    assert_reply!(c, ["SINTER", &a, &b], b"*2\r\n$1\r\n3\r\n$1\r\n4\r\n");
    assert_reply!(c, ["TTL", &b], b":300\r\n");
    // Strings.
    let (x, y) = (key_on("x", 0), key_on("y", 1));
    assert_reply!(c, ["SADD", &x, "p", "q", "r"], b":3\r\n");
    assert_reply!(c, ["SADD", &y, "q", "r", "s"], b":3\r\n");
    assert_eq!(
        sorted(strings(&c.v(&["SINTER", &x, &y]))),
        svec(&["q", "r"])
    );
    assert_eq!(
        sorted(strings(&c.v(&["SUNION", &x, &y]))),
        svec(&["p", "q", "r", "s"])
    );
    assert_eq!(sorted(strings(&c.v(&["SDIFF", &y, &x]))), svec(&["s"]));
    assert_reply!(c, ["SUNIONSTORE", &d, &x, &y], b":4\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", &d], b"$8\r\nlistpack\r\n");
    // Missing keys are empty sets.
    assert_reply!(c, ["SINTER", &x, "nokey"], b"*0\r\n");
    assert_reply!(c, ["SINTERCARD", "2", &x, "nokey"], b":0\r\n");
    assert_eq!(members(&mut c, &x), svec(&["p", "q", "r"]));
}

/// Large sets: intset → hashtable at 513 members, SINTERSTORE turning a result of
/// integers back into an intset, big unions and differences across shards.
fn large_sets(s: &Server) {
    let mut c = s.client();
    let (a, b, d) = (key_on("la", 0), key_on("lb", 1), key_on("ld", 1));
    assert_eq!(sadd_many(&mut c, &a, (0..512).map(|i| i.to_string())), 512);
    assert_reply!(c, ["OBJECT", "ENCODING", &a], b"$6\r\nintset\r\n");
    assert_reply!(c, ["SADD", &a, "512"], b":1\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", &a], b"$9\r\nhashtable\r\n");
    assert_eq!(
        sadd_many(&mut c, &b, (256..1000).map(|i| i.to_string())),
        744
    );
    assert_reply!(c, ["SINTERSTORE", &d, &a, &b], b":257\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", &d], b"$6\r\nintset\r\n");
    let got: Vec<i64> = strings(&c.v(&["SMEMBERS", &d]))
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(got, (256..513).collect::<Vec<i64>>());
    assert_reply!(c, ["SUNIONSTORE", &d, &a, &b], b":1000\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", &d], b"$9\r\nhashtable\r\n");
    assert_reply!(c, ["SDIFFSTORE", &d, &b, &a], b":487\r\n");
    assert_reply!(c, ["SINTERCARD", "2", &a, &b], b":257\r\n");
    assert_reply!(c, ["SINTERCARD", "2", &a, &b, "LIMIT", "100"], b":100\r\n");
    // Large string sets.
    let (x, y) = (key_on("lx", 0), key_on("ly", 1));
    sadd_many(&mut c, &x, (0..5000).map(|i| format!("member:{i}")));
    sadd_many(
        &mut c,
        &y,
        (0..5000).step_by(2).map(|i| format!("member:{i}")),
    );
    assert_reply!(c, ["SINTERCARD", "2", &x, &y], b":2500\r\n");
    let diff = strings(&c.v(&["SDIFF", &x, &y]));
    assert_eq!(diff.len(), 2500);
    assert!(diff.iter().all(|m| {
        let n: usize = m["member:".len()..].parse().unwrap();
        n % 2 == 1
    }));
    assert_reply!(c, ["SISMEMBER", &x, "member:4999"], b":1\r\n");
}

fn spop_and_srandmember(s: &Server) {
    let mut c = s.client();
    let all: HashSet<String> = (0..50).map(|i| format!("m{i}")).collect();
    sadd_many(&mut c, "s", all.iter().cloned());
    // SRANDMEMBER: distinct for positive counts, repeats for negative ones.
    for n in [1usize, 10, 49] {
        let got = strings(&c.v(&["SRANDMEMBER", "s", &n.to_string()]));
        let uniq: HashSet<_> = got.iter().cloned().collect();
        assert_eq!((got.len(), uniq.len()), (n, n));
        assert!(uniq.is_subset(&all));
    }
    assert_eq!(
        sorted(strings(&c.v(&["SRANDMEMBER", "s", "500"]))),
        sorted(all.iter().cloned().collect())
    );
    let rep = strings(&c.v(&["SRANDMEMBER", "s", "-200"]));
    assert_eq!(rep.len(), 200);
    assert!(rep.iter().all(|m| all.contains(m)));
    let mut seen = HashSet::new();
    for _ in 0..30 {
        seen.extend(strings(&c.v(&["SRANDMEMBER", "s", "-50"])));
    }
    assert_eq!(seen, all, "every member gets picked eventually");
    assert_reply!(c, ["SCARD", "s"], b":50\r\n");
    // SPOP with a count removes what it returns.
    let popped = strings(&c.v(&["SPOP", "s", "20"]));
    assert_eq!(popped.len(), 20);
    let left: HashSet<String> = strings(&c.v(&["SMEMBERS", "s"])).into_iter().collect();
    assert_eq!(left.len(), 30);
    assert!(popped.iter().all(|m| all.contains(m) && !left.contains(m)));
    let one = c.v(&["SPOP", "s"]).bulk_str();
    assert!(left.contains(&one));
    assert_reply!(c, ["SCARD", "s"], b":29\r\n");
    let rest = strings(&c.v(&["SPOP", "s", "100"]));
    assert_eq!(rest.len(), 29);
    assert_reply!(c, ["EXISTS", "s"], b":0\r\n");
    // The same on a table and an intset.
    sadd_many(&mut c, "t", (0..1000).map(|i| format!("t{i}")));
    let p = strings(&c.v(&["SPOP", "t", "990"]));
    assert_eq!(p.iter().collect::<HashSet<_>>().len(), 990);
    assert_reply!(c, ["SCARD", "t"], b":10\r\n");
    sadd_many(&mut c, "i", (0..100).map(|i| i.to_string()));
    let p = strings(&c.v(&["SPOP", "i", "60"]));
    assert_eq!(p.iter().collect::<HashSet<_>>().len(), 60);
    assert_reply!(c, ["SCARD", "i"], b":40\r\n");
    assert_reply!(
        c,
        ["SPOP", "i", "-1"],
        b"-ERR value is out of range, must be positive\r\n"
    );
    assert_reply!(c, ["SPOP", "i", "1", "2"], b"-ERR syntax error\r\n");
    assert_reply!(c, ["SRANDMEMBER", "i", "1", "2"], b"-ERR syntax error\r\n");
    assert_reply!(c, ["SPOP", "nokey", "3"], b"*0\r\n");
    assert_reply!(c, ["SRANDMEMBER", "nokey", "3"], b"*0\r\n");
}

fn resp3_shapes(s: &Server) {
    let mut c = s.client();
    c.q(&["HELLO", "3"]);
    assert_reply!(c, ["SADD", "s", "2", "1"], b":2\r\n");
    assert_reply!(c, ["SMEMBERS", "s"], b"~2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    assert_reply!(c, ["SMEMBERS", "nokey"], b"~0\r\n");
    assert_reply!(c, ["SINTER", "s", "nokey"], b"~0\r\n");
    assert_reply!(c, ["SUNION", "s"], b"~2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    assert_reply!(c, ["SDIFF", "nokey"], b"~0\r\n");
    assert_reply!(c, ["SPOP", "nokey"], b"_\r\n");
    assert_reply!(c, ["SPOP", "nokey", "2"], b"~0\r\n");
    assert_reply!(c, ["SRANDMEMBER", "nokey"], b"_\r\n");
    assert_reply!(
        c,
        ["SRANDMEMBER", "s", "5"],
        b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n"
    );
    assert_reply!(c, ["SMISMEMBER", "s", "1", "3"], b"*2\r\n:1\r\n:0\r\n");
    assert_reply!(
        c,
        ["SSCAN", "s", "0"],
        b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n"
    );
    assert_reply!(c, ["SPOP", "s", "5"], b"~2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    // Across shards too.
    let (a, b) = (key_on("a", 0), key_on("b", 1));
    assert_reply!(c, ["SADD", &a, "1", "2"], b":2\r\n");
    assert_reply!(c, ["SADD", &b, "2", "3"], b":2\r\n");
    assert_reply!(c, ["SINTER", &a, &b], b"~1\r\n$1\r\n2\r\n");
    assert_reply!(
        c,
        ["SUNION", &a, &b],
        b"~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    );
}

/// A full SSCAN of a table returns every member once, also while the set changes.
fn sscan_full_iteration(s: &Server) {
    let mut c = s.client();
    sadd_many(&mut c, "s", (0..3000).map(|i| format!("m{i}")));
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut cursor = "0".to_string();
    let mut calls = 0;
    loop {
        let r = c.v(&["SSCAN", "s", &cursor, "COUNT", "25"]);
        cursor = r.items()[0].bulk_str();
        for m in strings(&r.items()[1]) {
            *seen.entry(m).or_default() += 1;
        }
        calls += 1;
        c.q(&["SADD", "s", &format!("new{calls}")]);
        if calls % 3 == 0 {
            c.q(&["SREM", "s", &format!("new{}", calls - 1)]);
        }
        if cursor == "0" {
            break;
        }
        assert!(calls < 1000, "scan does not finish");
    }
    for i in 0..3000 {
        assert_eq!(seen.get(&format!("m{i}")), Some(&1), "m{i}");
    }
    // MATCH, and compact sets in one page.
    let r = c.v(&["SSCAN", "s", "0", "MATCH", "m299?", "COUNT", "100000"]);
    assert_eq!(r.items()[0].bulk_str(), "0");
    assert_eq!(
        sorted(strings(&r.items()[1])),
        sorted((2990..3000).map(|i| format!("m{i}")).collect())
    );
    assert_reply!(c, ["SADD", "small", "b", "a", "c"], b":3\r\n");
    assert_reply!(
        c,
        ["SSCAN", "small", "12345", "COUNT", "1"],
        b"*2\r\n$1\r\n0\r\n*3\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n"
    );
    assert_reply!(
        c,
        ["SSCAN", "small", "0", "TYPE", "set"],
        b"-ERR syntax error\r\n"
    );
}

fn sintercard_errors(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["SADD", "a", "1"], b":1\r\n");
    assert_reply!(
        c,
        ["SINTERCARD", "0", "a"],
        b"-ERR numkeys should be greater than 0\r\n"
    );
    assert_reply!(
        c,
        ["SINTERCARD", "x", "a"],
        b"-ERR numkeys should be greater than 0\r\n"
    );
    assert_reply!(
        c,
        ["SINTERCARD", "3", "a", "b"],
        b"-ERR Number of keys can't be greater than number of args\r\n"
    );
    assert_reply!(
        c,
        ["SINTERCARD", "1", "a", "LIMIT", "-1"],
        b"-ERR LIMIT can't be negative\r\n"
    );
    assert_reply!(
        c,
        ["SINTERCARD", "1", "a", "LIMIT"],
        b"-ERR syntax error\r\n"
    );
    assert_reply!(c, ["SINTERCARD", "1", "a", "b"], b"-ERR syntax error\r\n");
    assert_reply!(c, ["SINTERCARD", "1", "a"], b":1\r\n");
    // The connection and the server are still fine.
    assert_reply!(c, ["PING"], b"+PONG\r\n");
}

fn keyspace_commands(s: &Server) {
    let mut c = s.client();
    let (a, b) = (key_on("s", 0), key_on("s", 1));
    assert_reply!(c, ["SADD", &a, "x", "y"], b":2\r\n");
    assert_reply!(c, ["PEXPIRE", &a, "100000"], b":1\r\n");
    assert_reply!(c, ["COPY", &a, &b], b":1\r\n");
    assert_reply!(c, ["SADD", &b, "z"], b":1\r\n");
    assert_eq!(members(&mut c, &a), svec(&["x", "y"]));
    assert_eq!(members(&mut c, &b), svec(&["x", "y", "z"]));
    assert_reply!(c, ["RENAME", &b, "renamed"], b"+OK\r\n");
    assert_reply!(c, ["TYPE", "renamed"], b"+set\r\n");
    assert_reply!(c, ["TTL", "renamed"], b":100\r\n");
    let mut found = Vec::new();
    let mut cursor = "0".to_string();
    loop {
        let r = c.v(&["SCAN", &cursor, "TYPE", "set"]);
        cursor = r.items()[0].bulk_str();
        found.extend(strings(&r.items()[1]));
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(sorted(found), sorted(vec![a.clone(), "renamed".into()]));
    assert_reply!(c, ["DEL", &a, "renamed", &b], b":2\r\n");
    // An expired set is gone for every command.
    assert_reply!(c, ["SADD", "e", "1"], b":1\r\n");
    assert_reply!(c, ["PEXPIRE", "e", "20"], b":1\r\n");
    std::thread::sleep(std::time::Duration::from_millis(60));
    assert_reply!(c, ["SISMEMBER", "e", "1"], b":0\r\n");
    assert_reply!(c, ["SINTER", "e"], b"*0\r\n");
    assert_reply!(c, ["SMOVE", "e", "f", "1"], b":0\r\n");
    assert_reply!(c, ["DBSIZE"], b":0\r\n");
}

fn encodings_follow_config(s: &Server) {
    let mut c = s.client();
    assert_reply!(
        c,
        ["CONFIG", "SET", "set-max-intset-entries", "2"],
        b"+OK\r\n"
    );
    assert_reply!(c, ["SADD", "i", "1", "2"], b":2\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", "i"], b"$6\r\nintset\r\n");
    assert_reply!(c, ["SADD", "i", "3"], b":1\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", "i"], b"$9\r\nhashtable\r\n");
    // A new set sized by SADD's member count (Redis 7.2's size hint).
    assert_reply!(c, ["SADD", "j", "1", "2", "3"], b":3\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", "j"], b"$8\r\nlistpack\r\n");
    assert_reply!(
        c,
        ["CONFIG", "SET", "set-max-listpack-entries", "2"],
        b"+OK\r\n"
    );
    assert_reply!(c, ["SADD", "p", "a", "b"], b":2\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", "p"], b"$8\r\nlistpack\r\n");
    assert_reply!(c, ["SADD", "p", "c"], b":1\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", "p"], b"$9\r\nhashtable\r\n");
    assert_reply!(
        c,
        ["CONFIG", "SET", "set-max-listpack-value", "3"],
        b"+OK\r\n"
    );
    assert_reply!(c, ["SADD", "q", "abc"], b":1\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", "q"], b"$8\r\nlistpack\r\n");
    assert_reply!(c, ["SADD", "q", "abcd"], b":1\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", "q"], b"$9\r\nhashtable\r\n");
    assert_eq!(members(&mut c, "q"), svec(&["abc", "abcd"]));
    // An intset whose numbers are longer than the listpack values: a table.
    assert_reply!(
        c,
        ["CONFIG", "SET", "set-max-intset-entries", "512"],
        b"+OK\r\n"
    );
    assert_reply!(c, ["SADD", "w", "-1000"], b":1\r\n");
    assert_reply!(c, ["SADD", "w", "x"], b":1\r\n");
    assert_reply!(c, ["OBJECT", "ENCODING", "w"], b"$9\r\nhashtable\r\n");
}

per_shards!(
    basics,
    wrongtype,
    empty_set_is_deleted,
    smove_across_shards,
    set_algebra_across_shards,
    large_sets,
    spop_and_srandmember,
    resp3_shapes,
    sscan_full_iteration,
    sintercard_errors,
    keyspace_commands,
    encodings_follow_config,
);
