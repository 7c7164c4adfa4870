//! Sorted set commands against the real server, `--shards 1` and `--shards 2`:
//! RESP3 shapes, ZRANK WITHSCORE (7.2), random members, full ZSCAN iterations of
//! large sets, cross-shard multi-key commands, encodings. Byte-exact comparisons with
//! Redis live in differential_zsets.rs.

mod common;

use common::{shard_of2, Client, Server, Val};
use std::collections::{HashMap, HashSet};

const NIL: &[u8] = b"$-1\r\n";
const WRONGTYPE: &[u8] = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

/// Keys on both shards (with 2 shards): "foo" on shard 1, "bar" on shard 0.
const FOO: &str = "foo";
const BAR: &str = "bar";

fn bulk(s: &str) -> Vec<u8> {
    format!("${}\r\n{s}\r\n", s.len()).into_bytes()
}

fn hello3(c: &mut Client) {
    match c.v(&["HELLO", "3"]) {
        Val::Map(_) => {}
        other => panic!("HELLO 3: {other:?}"),
    }
}

fn strings(v: &Val) -> Vec<String> {
    v.items().iter().map(|x| x.bulk_str()).collect()
}

fn zadd_many(c: &mut Client, key: &str, n: usize) {
    let mut args: Vec<String> = vec!["ZADD".into(), key.into()];
    for i in 0..n {
        args.push(i.to_string());
        args.push(format!("m{i:04}"));
    }
    let refs: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    assert_eq!(c.int(&refs), n as i64);
}

fn resp3_shapes(s: &Server) {
    let mut c = s.client();
    hello3(&mut c);
    assert_reply!(
        c,
        ["ZADD", "z", "1", "a", "2.5", "b", "inf", "c"],
        b":3\r\n"
    );
    assert_reply!(c, ["ZSCORE", "z", "b"], b",2.5\r\n");
    assert_reply!(c, ["ZSCORE", "z", "c"], b",inf\r\n");
    assert_reply!(c, ["ZSCORE", "z", "x"], b"_\r\n");
    assert_reply!(c, ["ZINCRBY", "z", "0.1", "a"], b",1.1000000000000001\r\n");
    assert_reply!(
        c,
        ["ZRANGE", "z", "0", "1", "WITHSCORES"],
        b"*2\r\n*2\r\n$1\r\na\r\n,1.1000000000000001\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"
    );
    assert_reply!(
        c,
        ["ZRANGE", "z", "0", "1"],
        b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    );
    assert_reply!(c, ["ZMSCORE", "z", "b", "x"], b"*2\r\n,2.5\r\n_\r\n");
    // ZPOPMIN: flat without a count, nested with one.
    assert_reply!(
        c,
        ["ZPOPMIN", "z"],
        b"*2\r\n$1\r\na\r\n,1.1000000000000001\r\n"
    );
    assert_reply!(c, ["ZPOPMAX", "z", "1"], b"*1\r\n*2\r\n$1\r\nc\r\n,inf\r\n");
    assert_reply!(c, ["ZPOPMIN", "nokey"], b"*0\r\n");
    assert_reply!(c, ["ZMPOP", "1", "nokey", "MIN"], b"_\r\n");
    assert_reply!(
        c,
        ["ZMPOP", "1", "z", "MIN"],
        b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"
    );
    assert_reply!(c, ["ZADD", "z", "NX", "INCR", "1", "a"], b",1\r\n");
    assert_reply!(c, ["ZADD", "z", "NX", "INCR", "1", "a"], b"_\r\n");
    assert_reply!(
        c,
        ["ZRANDMEMBER", "z", "-2", "WITHSCORES"],
        b"*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\na\r\n,1\r\n"
    );
    assert_reply!(
        c,
        ["ZUNION", "1", "z", "WITHSCORES"],
        b"*1\r\n*2\r\n$1\r\na\r\n,1\r\n"
    );
    // ZSCAN answers bulk strings under RESP3 too.
    assert_reply!(
        c,
        ["ZSCAN", "z", "0"],
        b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
}

fn zrank_withscore(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["ZADD", "z", "1", "a", "2.5", "b"], b":2\r\n");
    assert_reply!(
        c,
        ["ZRANK", "z", "b", "WITHSCORE"],
        b"*2\r\n:1\r\n$3\r\n2.5\r\n"
    );
    assert_reply!(
        c,
        ["ZREVRANK", "z", "b", "withscore"],
        b"*2\r\n:0\r\n$3\r\n2.5\r\n"
    );
    assert_reply!(c, ["ZRANK", "z", "x", "WITHSCORE"], b"*-1\r\n");
    assert_reply!(c, ["ZRANK", "nokey", "x", "WITHSCORE"], b"*-1\r\n");
    assert_reply!(c, ["ZRANK", "nokey", "x"], NIL);
    assert_reply!(c, ["ZRANK", "z", "a", "FOO"], b"-ERR syntax error\r\n");
    assert_reply!(
        c,
        ["ZRANK", "z", "a", "WITHSCORE", "x"],
        b"-ERR wrong number of arguments for 'zrank' command\r\n"
    );
    let mut c3 = s.client();
    hello3(&mut c3);
    assert_reply!(c3, ["ZRANK", "z", "a", "WITHSCORE"], b"*2\r\n:0\r\n,1\r\n");
    assert_reply!(c3, ["ZRANK", "z", "x", "WITHSCORE"], b"_\r\n");
}

fn skiplist_operations(s: &Server) {
    let mut c = s.client();
    zadd_many(&mut c, "big", 1000);
    assert_reply!(c, ["OBJECT", "ENCODING", "big"], bulk("skiplist"));
    assert_eq!(c.int(&["ZCARD", "big"]), 1000);
    assert_eq!(c.int(&["ZRANK", "big", "m0500"]), 500);
    assert_eq!(c.int(&["ZREVRANK", "big", "m0500"]), 499);
    assert_eq!(c.int(&["ZCOUNT", "big", "(100", "200"]), 100);
    assert_eq!(
        strings(&c.v(&["ZRANGE", "big", "998", "-1"])),
        vec!["m0998", "m0999"]
    );
    assert_eq!(
        strings(&c.v(&["ZREVRANGEBYSCORE", "big", "+inf", "-inf", "LIMIT", "1", "2"])),
        vec!["m0998", "m0997"]
    );
    // Moving a member keeps the order right.
    assert_reply!(c, ["ZINCRBY", "big", "-1000", "m0999"], bulk("-1"));
    assert_eq!(c.int(&["ZRANK", "big", "m0999"]), 0);
    assert_eq!(c.int(&["ZREMRANGEBYRANK", "big", "0", "99"]), 100);
    assert_eq!(c.int(&["ZREMRANGEBYSCORE", "big", "900", "+inf"]), 99);
    assert_eq!(c.int(&["ZCARD", "big"]), 801);
    assert_eq!(c.int(&["ZRANK", "big", "m0099"]), 0);
    // Popping everything deletes the key.
    let v = c.v(&["ZPOPMIN", "big", "2000"]);
    assert_eq!(v.items().len(), 1602);
    assert_eq!(c.int(&["EXISTS", "big"]), 0);
}

fn zscan_full_iteration(s: &Server) {
    let mut c = s.client();
    zadd_many(&mut c, "big", 3000);
    let mut cursor = "0".to_string();
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut calls = 0;
    loop {
        let v = c.v(&["ZSCAN", "big", &cursor, "COUNT", "100"]);
        let items = v.items();
        cursor = items[0].bulk_str();
        let pairs = strings(&items[1]);
        assert_eq!(pairs.len() % 2, 0);
        for p in pairs.chunks(2) {
            seen.insert(p[0].clone(), p[1].clone());
        }
        calls += 1;
        // Churn while scanning: members removed and added must not hide the others.
        if calls == 3 {
            c.int(&["ZREM", "big", "m2999", "m2998"]);
            c.int(&["ZADD", "big", "5000", "new1"]);
        }
        if cursor == "0" {
            break;
        }
        assert!(calls < 1000, "ZSCAN does not end");
    }
    assert!(calls > 10, "a skiplist is scanned in pages");
    for i in 0..2998 {
        let m = format!("m{i:04}");
        assert_eq!(
            seen.get(&m).map(|s| s.as_str()),
            Some(i.to_string().as_str()),
            "{m}"
        );
    }
    // MATCH filters members.
    let mut cursor = "0".to_string();
    let mut matched = HashSet::new();
    loop {
        let v = c.v(&["ZSCAN", "big", &cursor, "MATCH", "m00*"]);
        cursor = v.items()[0].bulk_str();
        for p in strings(&v.items()[1]).chunks(2) {
            matched.insert(p[0].clone());
        }
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(matched.len(), 100);
}

fn zrandmember_properties(s: &Server) {
    let mut c = s.client();
    zadd_many(&mut c, "small", 10);
    zadd_many(&mut c, "big", 300);
    for key in ["small", "big"] {
        let n = c.int(&["ZCARD", key]) as usize;
        // Distinct members.
        for count in [1usize, 3, n / 2, n - 1] {
            let v = strings(&c.v(&["ZRANDMEMBER", key, &count.to_string()]));
            assert_eq!(v.len(), count);
            let set: HashSet<_> = v.iter().collect();
            assert_eq!(set.len(), count, "{key} {count}: {v:?}");
        }
        // With repetitions.
        let v = strings(&c.v(&["ZRANDMEMBER", key, "-50"]));
        assert_eq!(v.len(), 50);
        assert!(v.iter().all(|m| m.starts_with('m')));
        // Scores belong to their members.
        let v = strings(&c.v(&["ZRANDMEMBER", key, "5", "WITHSCORES"]));
        for p in v.chunks(2) {
            assert_eq!(p[0], format!("m{:04}", p[1].parse::<usize>().unwrap()));
        }
        let one = c.v(&["ZRANDMEMBER", key]).bulk_str();
        assert!(one.starts_with('m'));
    }
    // Over many draws every member of a small set shows up.
    let mut seen = HashSet::new();
    for _ in 0..200 {
        seen.insert(c.v(&["ZRANDMEMBER", "small"]).bulk_str());
    }
    assert_eq!(seen.len(), 10);
}

fn cross_shard_multi_key(s: &Server) {
    assert_eq!(
        (shard_of2(FOO.as_bytes()), shard_of2(BAR.as_bytes())),
        (1, 0)
    );
    let mut c = s.client();
    assert_eq!(c.int(&["ZADD", FOO, "1", "a", "2", "b"]), 2);
    assert_eq!(c.int(&["ZADD", BAR, "10", "b", "20", "c"]), 2);
    assert_eq!(c.int(&["SADD", "baz", "a", "d"]), 2);
    // The destination on another shard than some sources.
    assert_eq!(c.int(&["ZUNIONSTORE", "dest", "3", FOO, BAR, "baz"]), 4);
    assert_eq!(
        strings(&c.v(&["ZRANGE", "dest", "0", "-1", "WITHSCORES"])),
        vec!["d", "1", "a", "2", "b", "12", "c", "20"]
    );
    assert_eq!(
        c.int(&["ZINTERSTORE", FOO, "2", FOO, BAR, "AGGREGATE", "MAX"]),
        1
    );
    assert_eq!(
        strings(&c.v(&["ZRANGE", FOO, "0", "-1", "WITHSCORES"])),
        vec!["b", "10"]
    );
    assert_eq!(c.int(&["ZDIFFSTORE", "dest", "2", BAR, FOO]), 1);
    assert_eq!(strings(&c.v(&["ZRANGE", "dest", "0", "-1"])), vec!["c"]);
    assert_eq!(c.int(&["ZINTERCARD", "2", BAR, "dest"]), 1);
    assert_eq!(
        strings(&c.v(&["ZUNION", "2", FOO, BAR, "WITHSCORES"])),
        vec!["b", "20", "c", "20"]
    );
    // ZRANGESTORE across shards, TTL of the destination dropped.
    assert_eq!(c.int(&["ZADD", "d2", "1", "x"]), 1);
    assert_eq!(c.int(&["EXPIRE", "d2", "100"]), 1);
    assert_eq!(c.int(&["ZRANGESTORE", "d2", BAR, "0", "0"]), 1);
    assert_eq!(c.int(&["TTL", "d2"]), -1);
    assert_eq!(strings(&c.v(&["ZRANGE", "d2", "0", "-1"])), vec!["b"]);
    // Sources keep their TTL.
    assert_eq!(c.int(&["EXPIRE", BAR, "100"]), 1);
    assert_eq!(c.int(&["ZUNIONSTORE", "d3", "2", BAR, FOO]), 2);
    assert!(c.int(&["TTL", BAR]) > 0);
    // ZMPOP over keys of both shards pops from the first holding a sorted set.
    assert_reply!(
        c,
        ["ZMPOP", "3", "nokey", BAR, FOO, "MAX", "COUNT", "5"],
        b"*2\r\n$3\r\nbar\r\n*2\r\n*2\r\n$1\r\nc\r\n$2\r\n20\r\n*2\r\n$1\r\nb\r\n$2\r\n10\r\n"
    );
    assert_eq!(c.int(&["EXISTS", BAR]), 0);
    assert_eq!(c.int(&["ZCARD", FOO]), 1);
    // Type errors from any shard.
    assert_reply!(c, ["SET", "str", "x"], b"+OK\r\n");
    assert_reply!(c, ["ZUNIONSTORE", "dest", "2", FOO, "str"], WRONGTYPE);
    assert_reply!(c, ["ZRANGESTORE", "dest", "str", "0", "-1"], WRONGTYPE);
    assert_eq!(strings(&c.v(&["ZRANGE", "dest", "0", "-1"])), vec!["c"]);
    // Malformed numkeys is an error, not a crash.
    assert_reply!(
        c,
        ["ZUNION", "0", FOO],
        b"-ERR at least 1 input key is needed for 'zunion' command\r\n"
    );
    assert_reply!(c, ["ZUNIONSTORE", "d", "5", FOO], b"-ERR syntax error\r\n");
    assert_reply!(
        c,
        ["ZMPOP", "0", FOO, "MIN"],
        b"-ERR numkeys should be greater than 0\r\n"
    );
    assert_reply!(c, ["PING"], b"+PONG\r\n");
}

fn large_union_and_encodings(s: &Server) {
    let mut c = s.client();
    zadd_many(&mut c, "a", 200);
    zadd_many(&mut c, "b", 100);
    assert_eq!(c.int(&["ZUNIONSTORE", "u", "2", "a", "b"]), 200);
    assert_reply!(c, ["OBJECT", "ENCODING", "u"], bulk("skiplist"));
    assert_reply!(c, ["ZSCORE", "u", "m0099"], bulk("198"));
    assert_reply!(c, ["ZSCORE", "u", "m0100"], bulk("100"));
    assert_eq!(c.int(&["ZINTERSTORE", "i", "2", "a", "b"]), 100);
    assert_reply!(c, ["OBJECT", "ENCODING", "i"], bulk("listpack"));
    assert_eq!(c.int(&["ZDIFFSTORE", "d", "2", "a", "b"]), 100);
    assert_eq!(c.int(&["ZRANK", "d", "m0100"]), 0);
    assert_eq!(c.int(&["ZINTERCARD", "2", "a", "b", "LIMIT", "10"]), 10);
    // Re-adding a member of the same score is not a change.
    assert_eq!(c.int(&["ZADD", "a", "CH", "5", "m0005"]), 0);
    // ZREMRANGEBYLEX on equal scores of a skiplist.
    let mut args: Vec<String> = vec!["ZADD".into(), "lex".into()];
    for i in 0..300 {
        args.push("0".into());
        args.push(format!("k{i:03}"));
    }
    let refs: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    assert_eq!(c.int(&refs), 300);
    assert_eq!(c.int(&["ZLEXCOUNT", "lex", "[k100", "(k200"]), 100);
    assert_eq!(c.int(&["ZREMRANGEBYLEX", "lex", "[k100", "(k200"]), 100);
    assert_eq!(c.int(&["ZLEXCOUNT", "lex", "-", "+"]), 200);
    assert_eq!(
        strings(&c.v(&["ZRANGEBYLEX", "lex", "(k098", "+", "LIMIT", "0", "3"])),
        vec!["k099", "k200", "k201"]
    );
}

fn config_thresholds(s: &Server) {
    let mut c = s.client();
    assert_reply!(
        c,
        ["CONFIG", "SET", "zset-max-listpack-entries", "4"],
        b"+OK\r\n"
    );
    zadd_many(&mut c, "z", 4);
    assert_reply!(c, ["OBJECT", "ENCODING", "z"], bulk("listpack"));
    assert_eq!(c.int(&["ZADD", "z", "9", "x"]), 1);
    assert_reply!(c, ["OBJECT", "ENCODING", "z"], bulk("skiplist"));
    assert_reply!(
        c,
        ["CONFIG", "SET", "zset-max-listpack-entries", "128"],
        b"+OK\r\n"
    );
    assert_eq!(c.int(&["ZUNIONSTORE", "z2", "1", "z"]), 5);
    assert_reply!(c, ["OBJECT", "ENCODING", "z2"], bulk("listpack"));
}

per_shards!(
    resp3_shapes,
    zrank_withscore,
    skiplist_operations,
    zscan_full_iteration,
    zrandmember_properties,
    cross_shard_multi_key,
    large_union_and_encodings,
    config_thresholds,
);
