//! List commands against the real server, `--shards 1` and `--shards 2`.
//! Replies are compared byte for byte with what Redis 7.2 answers.

mod common;

use common::{shard_of2, Client, Server, Val};

const OK: &[u8] = b"+OK\r\n";
const NIL: &[u8] = b"$-1\r\n";
const NIL_ARRAY: &[u8] = b"*-1\r\n";
const EMPTY: &[u8] = b"*0\r\n";
const SYNTAX: &[u8] = b"-ERR syntax error\r\n";
const NOT_INT: &[u8] = b"-ERR value is not an integer or out of range\r\n";
const WRONGTYPE: &[u8] = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

/// Keys on both shards (with 2 shards): "foo" on shard 1, "bar" on shard 0.
const FOO: &str = "foo";
const BAR: &str = "bar";

fn bulk(s: &str) -> Vec<u8> {
    format!("${}\r\n{s}\r\n", s.len()).into_bytes()
}

fn int(n: i64) -> Vec<u8> {
    format!(":{n}\r\n").into_bytes()
}

/// A RESP2 array of bulk strings.
fn arr(items: &[&str]) -> Vec<u8> {
    let mut v = format!("*{}\r\n", items.len()).into_bytes();
    for i in items {
        v.extend(bulk(i));
    }
    v
}

/// A RESP2 array of integers.
fn ints(items: &[i64]) -> Vec<u8> {
    let mut v = format!("*{}\r\n", items.len()).into_bytes();
    for i in items {
        v.extend(int(*i));
    }
    v
}

/// The whole list as strings.
fn all(c: &mut Client, key: &str) -> Vec<String> {
    match c.v(&["LRANGE", key, "0", "-1"]) {
        Val::Array(v) => v.iter().map(|x| x.bulk_str()).collect(),
        other => panic!("LRANGE {key}: {other:?}"),
    }
}

fn push_pop_basics(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["LPUSH", "l", "a"], int(1));
    assert_reply!(c, ["LPUSH", "l", "b", "c"], int(3));
    assert_reply!(c, ["RPUSH", "l", "x", "y"], int(5));
    assert_eq!(all(&mut c, "l"), ["c", "b", "a", "x", "y"]);
    assert_reply!(c, ["TYPE", "l"], b"+list\r\n");
    assert_reply!(c, ["LLEN", "l"], int(5));
    assert_reply!(c, ["LPOP", "l"], bulk("c"));
    assert_reply!(c, ["RPOP", "l"], bulk("y"));
    assert_reply!(c, ["lpop", "l", "2"], arr(&["b", "a"]));
    assert_reply!(c, ["RPOP", "l", "5"], arr(&["x"]));
    // The list emptied: the key is gone.
    assert_reply!(c, ["EXISTS", "l"], int(0));
    assert_reply!(c, ["LLEN", "l"], int(0));
    assert_reply!(c, ["LPOP", "l"], NIL);
    assert_reply!(c, ["RPOP", "l"], NIL);
    // Pushes of binary and empty elements, integers kept as written.
    assert_reply!(
        c,
        ["RPUSH", "b", "", "a\r\nb", "\x00", "007", "-0", "12"],
        int(6)
    );
    assert_eq!(
        c.q(&["LRANGE", "b", "0", "-1"]),
        b"*6\r\n$0\r\n\r\n$4\r\na\r\nb\r\n$1\r\n\x00\r\n$3\r\n007\r\n$2\r\n-0\r\n$2\r\n12\r\n"
    );
    // X variants only push onto an existing list.
    assert_reply!(c, ["LPUSHX", "nokey", "a"], int(0));
    assert_reply!(c, ["RPUSHX", "nokey", "a", "b"], int(0));
    assert_reply!(c, ["EXISTS", "nokey"], int(0));
    assert_reply!(c, ["RPUSH", "x", "m"], int(1));
    assert_reply!(c, ["LPUSHX", "x", "l1", "l2"], int(3));
    assert_reply!(c, ["RPUSHX", "x", "r1"], int(4));
    assert_eq!(all(&mut c, "x"), ["l2", "l1", "m", "r1"]);
    // Arity.
    assert_reply!(
        c,
        ["LPUSH", "x"],
        b"-ERR wrong number of arguments for 'lpush' command\r\n"
    );
    assert_reply!(
        c,
        ["LPOP", "x", "1", "2"],
        b"-ERR wrong number of arguments for 'lpop' command\r\n"
    );
    assert_reply!(
        c,
        ["RPOP"],
        b"-ERR wrong number of arguments for 'rpop' command\r\n"
    );
}

fn pop_count_shapes(s: &Server) {
    let mut c = s.client();
    // Missing key: null bulk without a count, null array with one.
    assert_reply!(c, ["LPOP", "nokey"], NIL);
    assert_reply!(c, ["LPOP", "nokey", "1"], NIL_ARRAY);
    assert_reply!(c, ["RPOP", "nokey", "0"], NIL_ARRAY);
    assert_reply!(c, ["RPUSH", "l", "a", "b", "c"], int(3));
    assert_reply!(c, ["LPOP", "l", "0"], EMPTY);
    assert_reply!(c, ["RPOP", "l", "2"], arr(&["c", "b"]));
    let positive = b"-ERR value is out of range, must be positive\r\n";
    assert_reply!(c, ["LPOP", "l", "-1"], positive);
    assert_reply!(c, ["LPOP", "l", "abc"], positive);
    assert_reply!(c, ["LPOP", "nokey", "-1"], positive);
    assert_reply!(c, ["LLEN", "l"], int(1));
    // RESP3: both nulls are `_`; arrays stay arrays.
    c.q(&["HELLO", "3"]);
    assert_reply!(c, ["LPOP", "nokey"], b"_\r\n");
    assert_reply!(c, ["LPOP", "nokey", "2"], b"_\r\n");
    assert_reply!(c, ["LPOP", "l", "0"], EMPTY);
    assert_reply!(c, ["LPOP", "l", "9"], arr(&["a"]));
    assert_reply!(c, ["LINDEX", "nokey", "0"], b"_\r\n");
    assert_reply!(c, ["LPOS", "nokey", "a"], b"_\r\n");
    assert_reply!(c, ["LMPOP", "1", "nokey", "LEFT"], b"_\r\n");
    assert_reply!(c, ["LMOVE", "nokey", "x", "LEFT", "LEFT"], b"_\r\n");
    assert_reply!(c, ["RPUSH", "m", "1", "2"], int(2));
    assert_reply!(
        c,
        ["LMPOP", "1", "m", "RIGHT", "COUNT", "5"],
        b"*2\r\n$1\r\nm\r\n*2\r\n$1\r\n2\r\n$1\r\n1\r\n"
    );
}

fn wrongtype(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["SET", "s", "v"], OK);
    let cmds: &[&[&str]] = &[
        &["LPUSH", "s", "a"],
        &["RPUSH", "s", "a"],
        &["LPUSHX", "s", "a"],
        &["RPUSHX", "s", "a"],
        &["LPOP", "s"],
        &["RPOP", "s", "2"],
        &["LLEN", "s"],
        &["LRANGE", "s", "0", "-1"],
        &["LINDEX", "s", "0"],
        &["LINDEX", "s", "notanumber"],
        &["LSET", "s", "0", "x"],
        &["LINSERT", "s", "BEFORE", "a", "b"],
        &["LREM", "s", "0", "a"],
        &["LTRIM", "s", "0", "1"],
        &["LPOS", "s", "a"],
        &["LMOVE", "s", "d", "LEFT", "RIGHT"],
        &["RPOPLPUSH", "s", "d"],
        &["LMPOP", "1", "s", "LEFT"],
        &["LMPOP", "2", "nokey", "s", "LEFT"],
    ];
    for cmd in cmds {
        assert_eq!(c.q(cmd), WRONGTYPE, "{cmd:?}");
    }
    assert_reply!(c, ["GET", "s"], bulk("v"));
    assert_reply!(c, ["EXISTS", "d"], int(0));
    // A destination of the wrong type: nothing moves.
    assert_reply!(c, ["RPUSH", "src", "a"], int(1));
    assert_reply!(c, ["LMOVE", "src", "s", "LEFT", "RIGHT"], WRONGTYPE);
    assert_reply!(c, ["RPOPLPUSH", "src", "s"], WRONGTYPE);
    assert_reply!(c, ["LLEN", "src"], int(1));
    // ... but a missing source answers nil before the destination is looked at.
    assert_reply!(c, ["LMOVE", "nokey", "s", "LEFT", "RIGHT"], NIL);
    // LMPOP stops at the first non-empty list before meeting a wrong type.
    assert_reply!(
        c,
        ["LMPOP", "3", "nokey", "src", "s", "LEFT"],
        arr_kv("src", &["a"])
    );
    // Errors in the arguments come before the type check.
    assert_reply!(c, ["LRANGE", "s", "x", "1"], NOT_INT);
    assert_reply!(c, ["LINSERT", "s", "middle", "a", "b"], SYNTAX);
    assert_reply!(c, ["LMOVE", "s", "d", "UP", "LEFT"], SYNTAX);
}

/// `[key, [elements...]]`.
fn arr_kv(key: &str, items: &[&str]) -> Vec<u8> {
    let mut v = b"*2\r\n".to_vec();
    v.extend(bulk(key));
    v.extend(arr(items));
    v
}

fn lindex_lset_negative(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["RPUSH", "l", "a", "b", "c", "d"], int(4));
    assert_reply!(c, ["LINDEX", "l", "0"], bulk("a"));
    assert_reply!(c, ["LINDEX", "l", "3"], bulk("d"));
    assert_reply!(c, ["LINDEX", "l", "4"], NIL);
    assert_reply!(c, ["LINDEX", "l", "-1"], bulk("d"));
    assert_reply!(c, ["LINDEX", "l", "-4"], bulk("a"));
    assert_reply!(c, ["LINDEX", "l", "-5"], NIL);
    assert_reply!(c, ["LINDEX", "l", "-9223372036854775808"], NIL);
    assert_reply!(c, ["LINDEX", "l", "9223372036854775807"], NIL);
    assert_reply!(c, ["LINDEX", "l", "x"], NOT_INT);
    // The key is looked up first: a missing key is nil whatever the index.
    assert_reply!(c, ["LINDEX", "nokey", "x"], NIL);
    assert_reply!(c, ["LSET", "l", "-1", "D"], OK);
    assert_reply!(c, ["LSET", "l", "0", "A"], OK);
    assert_reply!(c, ["LSET", "l", "-2", "C"], OK);
    assert_eq!(all(&mut c, "l"), ["A", "b", "C", "D"]);
    let range = b"-ERR index out of range\r\n";
    assert_reply!(c, ["LSET", "l", "4", "x"], range);
    assert_reply!(c, ["LSET", "l", "-5", "x"], range);
    assert_reply!(c, ["LSET", "l", "x", "x"], NOT_INT);
    assert_reply!(c, ["LSET", "nokey", "0", "x"], b"-ERR no such key\r\n");
    assert_reply!(c, ["LSET", "nokey", "x", "x"], b"-ERR no such key\r\n");
    // Ranges with negative and out-of-range bounds.
    assert_reply!(c, ["LRANGE", "l", "-2", "-1"], arr(&["C", "D"]));
    assert_reply!(c, ["LRANGE", "l", "-100", "1"], arr(&["A", "b"]));
    assert_reply!(c, ["LRANGE", "l", "2", "100"], arr(&["C", "D"]));
    assert_reply!(c, ["LRANGE", "l", "3", "1"], EMPTY);
    assert_reply!(c, ["LRANGE", "l", "4", "10"], EMPTY);
    assert_reply!(c, ["LRANGE", "l", "0", "-5"], EMPTY);
    assert_reply!(c, ["LRANGE", "nokey", "0", "-1"], EMPTY);
    assert_reply!(
        c,
        ["LRANGE", "l", "-9223372036854775808", "9223372036854775807"],
        arr(&["A", "b", "C", "D"])
    );
}

fn linsert_lrem_ltrim(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["RPUSH", "l", "a", "b", "a", "c", "a"], int(5));
    assert_reply!(c, ["LINSERT", "l", "BEFORE", "a", "x"], int(6));
    assert_reply!(c, ["LINSERT", "l", "after", "c", "y"], int(7));
    assert_reply!(c, ["LINSERT", "l", "AFTER", "zz", "y"], int(-1));
    assert_reply!(c, ["LINSERT", "nokey", "AFTER", "a", "y"], int(0));
    assert_reply!(c, ["LINSERT", "l", "middle", "a", "y"], SYNTAX);
    assert_eq!(all(&mut c, "l"), ["x", "a", "b", "a", "c", "y", "a"]);
    assert_reply!(c, ["LREM", "l", "-1", "a"], int(1));
    assert_eq!(all(&mut c, "l"), ["x", "a", "b", "a", "c", "y"]);
    assert_reply!(c, ["LREM", "l", "1", "a"], int(1));
    assert_eq!(all(&mut c, "l"), ["x", "b", "a", "c", "y"]);
    assert_reply!(c, ["LREM", "l", "0", "nothing"], int(0));
    assert_reply!(c, ["LREM", "l", "x", "a"], NOT_INT);
    assert_reply!(c, ["LREM", "nokey", "0", "a"], int(0));
    assert_reply!(c, ["RPUSH", "r", "a", "a", "a"], int(3));
    assert_reply!(c, ["LREM", "r", "0", "a"], int(3));
    assert_reply!(c, ["EXISTS", "r"], int(0));
    assert_reply!(c, ["RPUSH", "r", "a", "a", "a"], int(3));
    assert_reply!(c, ["LREM", "r", "-9223372036854775808", "a"], int(3));
    assert_reply!(c, ["EXISTS", "r"], int(0));
    // LTRIM
    assert_reply!(c, ["LTRIM", "l", "1", "-2"], OK);
    assert_eq!(all(&mut c, "l"), ["b", "a", "c"]);
    assert_reply!(c, ["LTRIM", "l", "-2", "100"], OK);
    assert_eq!(all(&mut c, "l"), ["a", "c"]);
    assert_reply!(c, ["LTRIM", "l", "x", "1"], NOT_INT);
    assert_reply!(c, ["LTRIM", "nokey", "0", "1"], OK);
    assert_reply!(c, ["EXISTS", "nokey"], int(0));
    assert_reply!(c, ["LTRIM", "l", "1", "0"], OK);
    assert_reply!(c, ["EXISTS", "l"], int(0));
    assert_reply!(c, ["RPUSH", "l", "a"], int(1));
    assert_reply!(c, ["LTRIM", "l", "5", "10"], OK);
    assert_reply!(c, ["EXISTS", "l"], int(0));
}

fn lpos_options(s: &Server) {
    let mut c = s.client();
    assert_reply!(
        c,
        ["RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"],
        int(8)
    );
    assert_reply!(c, ["LPOS", "l", "c"], int(2));
    assert_reply!(c, ["LPOS", "l", "nothing"], NIL);
    assert_reply!(c, ["LPOS", "l", "c", "RANK", "2"], int(6));
    assert_reply!(c, ["LPOS", "l", "c", "RANK", "-1"], int(7));
    assert_reply!(c, ["LPOS", "l", "c", "RANK", "-3"], int(2));
    assert_reply!(c, ["LPOS", "l", "c", "RANK", "4"], NIL);
    assert_reply!(c, ["LPOS", "l", "c", "COUNT", "0"], ints(&[2, 6, 7]));
    assert_reply!(c, ["LPOS", "l", "c", "COUNT", "2"], ints(&[2, 6]));
    assert_reply!(
        c,
        ["LPOS", "l", "c", "COUNT", "2", "RANK", "-1"],
        ints(&[7, 6])
    );
    assert_reply!(
        c,
        ["LPOS", "l", "c", "RANK", "2", "COUNT", "0"],
        ints(&[6, 7])
    );
    assert_reply!(c, ["LPOS", "l", "nothing", "COUNT", "0"], EMPTY);
    assert_reply!(c, ["LPOS", "l", "c", "MAXLEN", "3"], int(2));
    assert_reply!(c, ["LPOS", "l", "c", "MAXLEN", "2"], NIL);
    assert_reply!(
        c,
        ["LPOS", "l", "c", "COUNT", "0", "MAXLEN", "7"],
        ints(&[2, 6])
    );
    assert_reply!(
        c,
        ["LPOS", "l", "c", "RANK", "-1", "COUNT", "0", "MAXLEN", "2"],
        ints(&[7, 6])
    );
    assert_reply!(c, ["LPOS", "l", "a", "RANK", "-1", "MAXLEN", "7"], NIL);
    assert_reply!(c, ["lpos", "l", "c", "rank", "1", "rank", "3"], int(7));
    assert_reply!(c, ["LPOS", "nokey", "a"], NIL);
    assert_reply!(c, ["LPOS", "nokey", "a", "COUNT", "1"], EMPTY);
    // Errors.
    assert_reply!(
        c,
        ["LPOS", "l", "c", "RANK", "0"],
        b"-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n"
    );
    assert_reply!(c, ["LPOS", "l", "c", "RANK", "x"], NOT_INT);
    assert_reply!(
        c,
        ["LPOS", "l", "c", "RANK", "-9223372036854775808"],
        b"-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"
    );
    let count_neg = b"-ERR COUNT can't be negative\r\n";
    assert_reply!(c, ["LPOS", "l", "c", "COUNT", "-1"], count_neg);
    assert_reply!(c, ["LPOS", "l", "c", "COUNT", "x"], count_neg);
    let maxlen_neg = b"-ERR MAXLEN can't be negative\r\n";
    assert_reply!(c, ["LPOS", "l", "c", "MAXLEN", "-1"], maxlen_neg);
    assert_reply!(c, ["LPOS", "l", "c", "RANK"], SYNTAX);
    assert_reply!(c, ["LPOS", "l", "c", "FOO", "1"], SYNTAX);
    assert_reply!(c, ["LPOS", "nokey", "c", "COUNT", "-1"], count_neg);
    assert_reply!(c, ["SET", "s", "v"], OK);
    assert_reply!(c, ["LPOS", "s", "c", "COUNT", "-1"], count_neg);
}

fn lmove_across_shards(s: &Server) {
    assert_eq!(
        (shard_of2(FOO.as_bytes()), shard_of2(BAR.as_bytes())),
        (1, 0)
    );
    let mut c = s.client();
    assert_reply!(c, ["RPUSH", FOO, "1", "2", "3"], int(3));
    assert_reply!(c, ["LMOVE", FOO, BAR, "LEFT", "RIGHT"], bulk("1"));
    assert_reply!(c, ["LMOVE", FOO, BAR, "RIGHT", "LEFT"], bulk("3"));
    assert_eq!(all(&mut c, FOO), ["2"]);
    assert_eq!(all(&mut c, BAR), ["3", "1"]);
    assert_reply!(c, ["RPOPLPUSH", FOO, BAR], bulk("2"));
    // The source emptied: gone on its shard.
    assert_reply!(c, ["EXISTS", FOO], int(0));
    assert_eq!(all(&mut c, BAR), ["2", "3", "1"]);
    assert_reply!(c, ["RPOPLPUSH", FOO, BAR], NIL);
    assert_reply!(c, ["LMOVE", FOO, BAR, "LEFT", "LEFT"], NIL);
    assert_reply!(c, ["EXISTS", FOO], int(0));
    // Rotation on one key.
    assert_reply!(c, ["RPOPLPUSH", BAR, BAR], bulk("1"));
    assert_eq!(all(&mut c, BAR), ["1", "2", "3"]);
    assert_reply!(c, ["LMOVE", BAR, BAR, "LEFT", "RIGHT"], bulk("1"));
    assert_eq!(all(&mut c, BAR), ["2", "3", "1"]);
    // A one-element list moved onto itself stays.
    assert_reply!(c, ["RPUSH", "one", "x"], int(1));
    assert_reply!(c, ["LMOVE", "one", "one", "LEFT", "RIGHT"], bulk("x"));
    assert_eq!(all(&mut c, "one"), ["x"]);
    // The destination's TTL stays; the source keeps its TTL while not empty.
    assert_reply!(c, ["EXPIRE", BAR, "100"], int(1));
    assert_reply!(c, ["RPUSH", FOO, "f"], int(1));
    assert_reply!(c, ["EXPIRE", FOO, "200"], int(1));
    assert_reply!(c, ["LMOVE", BAR, FOO, "LEFT", "LEFT"], bulk("2"));
    // Slack for a loaded machine: the TTLs only count down.
    let (bar_ttl, foo_ttl) = (c.int(&["TTL", BAR]), c.int(&["TTL", FOO]));
    assert!((70..=100).contains(&bar_ttl), "{bar_ttl}");
    assert!((170..=200).contains(&foo_ttl), "{foo_ttl}");
    assert_eq!(all(&mut c, FOO), ["2", "f"]);
    // Wrong type across shards.
    assert_reply!(c, ["SET", BAR, "str"], OK);
    assert_reply!(c, ["LMOVE", FOO, BAR, "LEFT", "LEFT"], WRONGTYPE);
    assert_reply!(c, ["LMOVE", BAR, FOO, "LEFT", "LEFT"], WRONGTYPE);
    assert_eq!(all(&mut c, FOO), ["2", "f"]);
    assert_reply!(c, ["LMOVE", FOO, BAR, "LEFT", "MIDDLE"], SYNTAX);
    assert_reply!(
        c,
        ["LMOVE", FOO, BAR, "LEFT"],
        b"-ERR wrong number of arguments for 'lmove' command\r\n"
    );
    // Many moves back and forth keep every element once.
    assert_reply!(c, ["DEL", BAR], int(1));
    for i in 0..50 {
        let (a, b) = if i % 2 == 0 { (FOO, BAR) } else { (BAR, FOO) };
        assert_eq!(c.q(&["RPUSH", a, &i.to_string()])[0], b':');
        assert_eq!(c.q(&["LMOVE", a, b, "RIGHT", "LEFT"]), bulk(&i.to_string()));
    }
    let mut both = all(&mut c, FOO);
    both.extend(all(&mut c, BAR));
    assert_eq!(both.len(), 52);
}

fn lmpop_cmd(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["LMPOP", "2", FOO, BAR, "LEFT"], NIL_ARRAY);
    assert_reply!(c, ["RPUSH", BAR, "a", "b", "c"], int(3));
    assert_reply!(c, ["LMPOP", "2", FOO, BAR, "LEFT"], arr_kv(BAR, &["a"]));
    assert_reply!(c, ["RPUSH", FOO, "x", "y"], int(2));
    assert_reply!(
        c,
        ["LMPOP", "2", FOO, BAR, "RIGHT", "COUNT", "10"],
        arr_kv(FOO, &["y", "x"])
    );
    assert_reply!(c, ["EXISTS", FOO], int(0));
    assert_reply!(
        c,
        ["lmpop", "3", "nokey", FOO, BAR, "left", "count", "1"],
        arr_kv(BAR, &["b"])
    );
    assert_reply!(
        c,
        ["LMPOP", "1", BAR, "LEFT", "COUNT", "2"],
        arr_kv(BAR, &["c"])
    );
    assert_reply!(c, ["EXISTS", BAR], int(0));
    // Errors.
    assert_reply!(
        c,
        ["LMPOP", "1", "a", "LEFT", "COUNT", "0"],
        b"-ERR count should be greater than 0\r\n"
    );
    assert_reply!(
        c,
        ["LMPOP", "1", "a", "LEFT", "COUNT", "x"],
        b"-ERR count should be greater than 0\r\n"
    );
    assert_reply!(c, ["LMPOP", "1", "a", "LEFT", "COUNT"], SYNTAX);
    assert_reply!(
        c,
        ["LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "2"],
        SYNTAX
    );
    assert_reply!(c, ["LMPOP", "1", "a", "MIDDLE"], SYNTAX);
    assert_reply!(c, ["LMPOP", "2", "a", "LEFT"], SYNTAX);
    assert_reply!(c, ["LMPOP", "1", "a", "b", "LEFT"], SYNTAX);
    assert_reply!(
        c,
        ["LMPOP", "1", "a"],
        b"-ERR wrong number of arguments for 'lmpop' command\r\n"
    );
}

/// LMPOP with a numkeys that names no keys: answered by the handler (needs the router
/// to run a keyed command without keys on the local shard).
fn lmpop_bad_numkeys(s: &Server) {
    let mut c = s.client();
    let numkeys = b"-ERR numkeys should be greater than 0\r\n";
    assert_reply!(c, ["LMPOP", "0", "a", "LEFT"], numkeys);
    assert_reply!(c, ["LMPOP", "-1", "a", "LEFT"], numkeys);
    assert_reply!(c, ["LMPOP", "x", "a", "LEFT"], numkeys);
    assert_reply!(c, ["LMPOP", "5", "a", "LEFT"], SYNTAX);
    assert_reply!(c, ["PING"], b"+PONG\r\n");
}

fn big_lists(s: &Server) {
    let mut c = s.client();
    let n = 10_000;
    let items: Vec<String> = (0..n).map(|i| format!("e{i}")).collect();
    let mut cmd: Vec<&str> = vec!["RPUSH", "big"];
    cmd.extend(items.iter().map(|s| s.as_str()));
    let cmd: Vec<&[u8]> = cmd.iter().map(|s| s.as_bytes()).collect();
    assert_eq!(c.cmd(&cmd), int(n));
    assert_reply!(c, ["LLEN", "big"], int(n));
    assert_reply!(c, ["OBJECT", "ENCODING", "big"], bulk("quicklist"));
    assert_eq!(all(&mut c, "big"), items);
    assert_reply!(c, ["LINDEX", "big", "5000"], bulk("e5000"));
    assert_reply!(c, ["LINDEX", "big", "-1"], bulk("e9999"));
    assert_reply!(c, ["LINDEX", "big", "-10000"], bulk("e0"));
    assert_reply!(
        c,
        ["LRANGE", "big", "9998", "20000"],
        arr(&["e9998", "e9999"])
    );
    assert_reply!(c, ["LRANGE", "big", "-3", "-2"], arr(&["e9997", "e9998"]));
    assert_reply!(c, ["LPOS", "big", "e9999"], int(9999));
    assert_reply!(c, ["LPOS", "big", "e0", "RANK", "-1"], int(0));
    assert_reply!(c, ["LPOS", "big", "e9999", "MAXLEN", "9999"], NIL);
    assert_reply!(c, ["LSET", "big", "-5000", "mid"], OK);
    assert_reply!(c, ["LINDEX", "big", "5000"], bulk("mid"));
    assert_reply!(c, ["LINSERT", "big", "AFTER", "mid", "mid2"], int(n + 1));
    assert_reply!(c, ["LREM", "big", "0", "mid2"], int(1));
    // Pops with large counts.
    let popped = c.v(&["LPOP", "big", "2500"]);
    assert_eq!(popped.items().len(), 2500);
    assert_eq!(popped.items()[2499].bulk_str(), "e2499");
    let popped = c.v(&["RPOP", "big", "2500"]);
    assert_eq!(popped.items()[0].bulk_str(), "e9999");
    assert_eq!(popped.items()[2499].bulk_str(), "e7500");
    assert_reply!(c, ["LLEN", "big"], int(5000));
    // Back below half the listpack limit: listpack again.
    assert_reply!(c, ["LTRIM", "big", "0", "9"], OK);
    assert_reply!(c, ["OBJECT", "ENCODING", "big"], bulk("listpack"));
    assert_eq!(all(&mut c, "big")[0], "e2500");
    // Many single pushes at both ends, then drain by LMPOP.
    for i in 0..n {
        let cmd = if i % 2 == 0 { "LPUSH" } else { "RPUSH" };
        assert_eq!(c.q(&[cmd, "dq", &i.to_string()]), int(i + 1));
    }
    assert_reply!(c, ["LINDEX", "dq", "0"], bulk("9998"));
    assert_reply!(c, ["LINDEX", "dq", "-1"], bulk("9999"));
    let v = c.v(&["LMPOP", "1", "dq", "LEFT", "COUNT", "20000"]);
    assert_eq!(v.items()[1].items().len(), n as usize);
    assert_reply!(c, ["EXISTS", "dq"], int(0));
}

/// OBJECT ENCODING of lists as Redis 7.2 (list-max-listpack-size -2) reports it.
fn encodings(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["RPUSH", "l", "a", "b"], int(2));
    assert_reply!(c, ["OBJECT", "ENCODING", "l"], bulk("listpack"));
    // Many small elements stay a listpack (no entry-count limit).
    for i in 0..1000 {
        c.q(&["RPUSH", "l", &i.to_string()]);
    }
    assert_reply!(c, ["OBJECT", "ENCODING", "l"], bulk("listpack"));
    // One element taking the listpack past 8 KiB converts it.
    let big = "x".repeat(9000);
    assert_reply!(c, ["RPUSH", "l", &big], int(1003));
    assert_reply!(c, ["OBJECT", "ENCODING", "l"], bulk("quicklist"));
    assert_reply!(c, ["RPOP", "l"], bulk(&big));
    assert_reply!(c, ["OBJECT", "ENCODING", "l"], bulk("listpack"));
    // A new list created with a big element is a quicklist at once.
    assert_reply!(c, ["LPUSH", "q", &big], int(1));
    assert_reply!(c, ["OBJECT", "ENCODING", "q"], bulk("quicklist"));
    // Shrinking converts back only at half the limit (4 KiB).
    let e = "y".repeat(1000);
    assert_reply!(
        c,
        ["RPUSH", "h", &e, &e, &e, &e, &e, &e, &e, &e, &e],
        int(9)
    );
    assert_reply!(c, ["OBJECT", "ENCODING", "h"], bulk("quicklist"));
    assert_reply!(c, ["LTRIM", "h", "0", "4"], OK);
    assert_reply!(c, ["OBJECT", "ENCODING", "h"], bulk("quicklist"));
    assert_reply!(c, ["RPOP", "h"], bulk(&e));
    assert_reply!(c, ["OBJECT", "ENCODING", "h"], bulk("listpack"));
}

fn expiry_and_deletion(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["RPUSH", "l", "a", "b"], int(2));
    // A TTL long enough for the next two commands to land first, even on a loaded
    // machine; then poll until the list is gone.
    assert_reply!(c, ["PEXPIRE", "l", "2000"], int(1));
    assert_reply!(c, ["LPOP", "l"], bulk("a"));
    let pttl = c.int(&["PTTL", "l"]);
    assert!((1..=2000).contains(&pttl), "{pttl}");
    let gone = common::wait_until(std::time::Duration::from_secs(20), || {
        c.q(&["LLEN", "l"]) == int(0)
    });
    assert!(gone, "list with PEXPIRE 2000 still there after 20 s");
    assert_reply!(c, ["RPUSHX", "l", "x"], int(0));
    assert_reply!(c, ["RPUSH", "l", "x"], int(1));
    assert_reply!(c, ["TTL", "l"], int(-1));
    // A list emptied by a pop loses its TTL with the key.
    assert_reply!(c, ["EXPIRE", "l", "100"], int(1));
    assert_reply!(c, ["RPOP", "l"], bulk("x"));
    assert_reply!(c, ["RPUSH", "l", "y"], int(1));
    assert_reply!(c, ["TTL", "l"], int(-1));
    // Other types are untouched by list commands that fail.
    assert_reply!(c, ["SET", "s", "1"], OK);
    assert_reply!(c, ["LPUSH", "s", "x"], WRONGTYPE);
    assert_reply!(c, ["GET", "s"], bulk("1"));
    // DEL of a list; KEYS sees lists.
    assert_reply!(c, ["DEL", "l"], int(1));
    assert_reply!(c, ["LLEN", "l"], int(0));
}

per_shards!(
    push_pop_basics,
    pop_count_shapes,
    wrongtype,
    lindex_lset_negative,
    linsert_lrem_ltrim,
    lpos_options,
    lmove_across_shards,
    lmpop_cmd,
    lmpop_bad_numkeys,
    big_lists,
    encodings,
    expiry_and_deletion,
);
