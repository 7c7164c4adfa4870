//! String commands against the real server, `--shards 1` and `--shards 2`.
//! Replies are compared byte for byte with what Redis 7.2 answers.

mod common;

use common::{Client, Server, Val};
use std::time::Duration;

const OK: &[u8] = b"+OK\r\n";
const NIL: &[u8] = b"$-1\r\n";
const SYNTAX: &[u8] = b"-ERR syntax error\r\n";
const NOT_INT: &[u8] = b"-ERR value is not an integer or out of range\r\n";
const NOT_FLOAT: &[u8] = b"-ERR value is not a valid float\r\n";
const OVERFLOW: &[u8] = b"-ERR increment or decrement would overflow\r\n";

fn bulk(s: &str) -> Vec<u8> {
    format!("${}\r\n{s}\r\n", s.len()).into_bytes()
}

fn ttl(c: &mut Client, k: &str) -> i64 {
    c.int(&["TTL", k])
}

fn get_set_basics(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["GET", "k"], NIL);
    assert_reply!(c, ["SET", "k", "v"], OK);
    assert_reply!(c, ["GET", "k"], b"$1\r\nv\r\n");
    assert_reply!(c, ["set", "k", ""], OK);
    assert_reply!(c, ["GET", "k"], b"$0\r\n\r\n");
    assert_reply!(c, ["SET", "", "empty-key"], OK);
    assert_reply!(c, ["GET", ""], bulk("empty-key"));
    // Overwrite drops a TTL.
    assert_reply!(c, ["SET", "k", "v", "EX", "100"], OK);
    assert_reply!(c, ["SET", "k", "w"], OK);
    assert_eq!(ttl(&mut c, "k"), -1);
    assert_reply!(
        c,
        ["GET"],
        b"-ERR wrong number of arguments for 'get' command\r\n"
    );
    assert_reply!(
        c,
        ["SET", "k"],
        b"-ERR wrong number of arguments for 'set' command\r\n"
    );
}

fn set_expire_options(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["SET", "k", "v", "EX", "100"], OK);
    assert_eq!(ttl(&mut c, "k"), 100);
    assert_reply!(c, ["SET", "k", "v", "PX", "50000"], OK);
    assert_eq!(ttl(&mut c, "k"), 50);
    let now_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let at = (now_s + 1000).to_string();
    assert_reply!(c, ["SET", "k", "v", "EXAT", &at], OK);
    assert!((999..=1000).contains(&ttl(&mut c, "k")));
    assert_eq!(c.int(&["EXPIRETIME", "k"]), (now_s + 1000) as i64);
    let pat = ((now_s + 2000) * 1000).to_string();
    assert_reply!(c, ["SET", "k", "v", "PXAT", &pat], OK);
    assert_eq!(c.int(&["PEXPIRETIME", "k"]), ((now_s + 2000) * 1000) as i64);
    // A deadline in the past: the key is gone.
    assert_reply!(c, ["SET", "k", "v", "EXAT", "1"], OK);
    assert_reply!(c, ["GET", "k"], NIL);
    assert_reply!(c, ["EXISTS", "k"], b":0\r\n");
    // KEEPTTL keeps it; a plain SET drops it.
    assert_reply!(c, ["SET", "k", "v", "EX", "100"], OK);
    assert_reply!(c, ["SET", "k", "w", "KEEPTTL"], OK);
    assert_eq!(ttl(&mut c, "k"), 100);
    assert_reply!(c, ["GET", "k"], b"$1\r\nw\r\n");
    // Repeating the same option is allowed (last amount wins), as in Redis.
    assert_reply!(c, ["SET", "k", "v", "EX", "10", "EX", "20"], OK);
    assert_eq!(ttl(&mut c, "k"), 20);
    assert_reply!(c, ["SET", "k", "v", "EX", "abc", "EX", "30"], OK);
    assert_eq!(ttl(&mut c, "k"), 30);
}

fn set_errors(s: &Server) {
    let mut c = s.client();
    let inv = b"-ERR invalid expire time in 'set' command\r\n";
    assert_reply!(c, ["SET", "k", "v", "EX", "0"], inv);
    assert_reply!(c, ["SET", "k", "v", "EX", "-1"], inv);
    assert_reply!(c, ["SET", "k", "v", "PX", "0"], inv);
    assert_reply!(c, ["SET", "k", "v", "EXAT", "0"], inv);
    assert_reply!(c, ["SET", "k", "v", "PXAT", "-5"], inv);
    assert_reply!(c, ["SET", "k", "v", "EX", "9223372036854775807"], inv);
    assert_reply!(c, ["SET", "k", "v", "PX", "9223372036854775807"], inv);
    assert_reply!(c, ["SET", "k", "v", "EX", "abc"], NOT_INT);
    assert_reply!(c, ["SET", "k", "v", "EX", "1.5"], NOT_INT);
    assert_reply!(c, ["SET", "k", "v", "EX", "20", "EX", "abc"], NOT_INT);
    // Syntax is checked over the whole line before the amount.
    assert_reply!(c, ["SET", "k", "v", "EX", "abc", "FOO"], SYNTAX);
    assert_reply!(c, ["SET", "k", "v", "EX"], SYNTAX);
    assert_reply!(c, ["SET", "k", "v", "NX", "XX"], SYNTAX);
    assert_reply!(c, ["SET", "k", "v", "EX", "10", "PX", "100"], SYNTAX);
    assert_reply!(c, ["SET", "k", "v", "EX", "10", "KEEPTTL"], SYNTAX);
    assert_reply!(c, ["SET", "k", "v", "KEEPTTL", "PXAT", "10"], SYNTAX);
    assert_reply!(c, ["SET", "k", "v", "PERSIST"], SYNTAX);
    assert_reply!(c, ["SET", "k", "v", "FOO"], SYNTAX);
    assert_reply!(c, ["EXISTS", "k"], b":0\r\n");
}

fn set_nx_xx_get(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["SET", "k", "v", "XX"], NIL);
    assert_reply!(c, ["SET", "k", "v", "NX"], OK);
    assert_reply!(c, ["SET", "k", "w", "NX"], NIL);
    assert_reply!(c, ["SET", "k", "w", "XX"], OK);
    assert_reply!(c, ["GET", "k"], b"$1\r\nw\r\n");
    assert_reply!(c, ["SET", "k", "x", "GET"], b"$1\r\nw\r\n");
    assert_reply!(c, ["SET", "new", "x", "GET"], NIL);
    assert_reply!(c, ["GET", "new"], b"$1\r\nx\r\n");
    // NX + GET: the old value, and nothing is written.
    assert_reply!(c, ["SET", "k", "y", "NX", "GET"], b"$1\r\nx\r\n");
    assert_reply!(c, ["GET", "k"], b"$1\r\nx\r\n");
    assert_reply!(c, ["SET", "absent", "y", "XX", "GET"], NIL);
    assert_reply!(c, ["EXISTS", "absent"], b":0\r\n");
    assert_reply!(c, ["SET", "n", "12"], OK);
    assert_reply!(c, ["SET", "n", "13", "GET"], b"$2\r\n12\r\n");
}

fn setnx_setex_psetex(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["SETNX", "k", "v"], b":1\r\n");
    assert_reply!(c, ["SETNX", "k", "w"], b":0\r\n");
    assert_reply!(c, ["GET", "k"], b"$1\r\nv\r\n");
    assert_reply!(c, ["SETEX", "k", "100", "x"], OK);
    assert_eq!(ttl(&mut c, "k"), 100);
    assert_reply!(c, ["GET", "k"], b"$1\r\nx\r\n");
    assert_reply!(c, ["PSETEX", "k", "100000", "y"], OK);
    assert_eq!(ttl(&mut c, "k"), 100);
    assert_reply!(
        c,
        ["SETEX", "k", "0", "v"],
        b"-ERR invalid expire time in 'setex' command\r\n"
    );
    assert_reply!(
        c,
        ["SETEX", "k", "-3", "v"],
        b"-ERR invalid expire time in 'setex' command\r\n"
    );
    assert_reply!(
        c,
        ["PSETEX", "k", "0", "v"],
        b"-ERR invalid expire time in 'psetex' command\r\n"
    );
    assert_reply!(c, ["SETEX", "k", "x", "v"], NOT_INT);
    assert_reply!(
        c,
        ["SETEX", "k", "10"],
        b"-ERR wrong number of arguments for 'setex' command\r\n"
    );
}

fn getset_getdel_getex(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["GETSET", "k", "v"], NIL);
    assert_reply!(c, ["GETSET", "k", "w"], b"$1\r\nv\r\n");
    assert_reply!(c, ["GETDEL", "k"], b"$1\r\nw\r\n");
    assert_reply!(c, ["GETDEL", "k"], NIL);
    assert_reply!(c, ["GETEX", "k"], NIL);
    assert_reply!(c, ["GETEX", "k", "EX", "abc"], NIL); // key checked before the amount
    assert_reply!(c, ["SET", "k", "v"], OK);
    assert_reply!(c, ["GETEX", "k", "EX", "100"], b"$1\r\nv\r\n");
    assert_eq!(ttl(&mut c, "k"), 100);
    assert_reply!(c, ["GETEX", "k", "PX", "200000"], b"$1\r\nv\r\n");
    assert_eq!(ttl(&mut c, "k"), 200);
    assert_reply!(c, ["GETEX", "k", "PERSIST"], b"$1\r\nv\r\n");
    assert_eq!(ttl(&mut c, "k"), -1);
    assert_reply!(
        c,
        ["GETEX", "k", "EX", "0"],
        b"-ERR invalid expire time in 'getex' command\r\n"
    );
    assert_reply!(c, ["GETEX", "k", "EX", "abc"], NOT_INT);
    assert_reply!(c, ["GETEX", "k", "PERSIST", "EX", "10"], SYNTAX);
    assert_reply!(c, ["GETEX", "k", "KEEPTTL"], SYNTAX);
    assert_reply!(c, ["GETEX", "k", "EX"], SYNTAX);
    // An absolute deadline in the past deletes the key after answering it.
    assert_reply!(c, ["GETEX", "k", "PXAT", "1"], b"$1\r\nv\r\n");
    assert_reply!(c, ["EXISTS", "k"], b":0\r\n");
}

fn mget_mset_msetnx(s: &Server) {
    let mut c = s.client();
    // "foo" (slot 12182) and "bar" (slot 5061) live on different shards with 2 shards.
    assert_eq!(common::shard_of2(b"foo"), 1);
    assert_eq!(common::shard_of2(b"bar"), 0);
    assert_reply!(c, ["MSET", "foo", "1", "bar", "2", "baz", "3"], OK);
    assert_reply!(
        c,
        ["MGET", "foo", "nokey", "bar", "baz", "foo"],
        b"*5\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n1\r\n"
    );
    assert_reply!(c, ["MSET", "foo", "x", "foo", "y"], OK);
    assert_reply!(c, ["GET", "foo"], b"$1\r\ny\r\n");
    assert_reply!(
        c,
        ["MSET", "foo", "1", "bar"],
        b"-ERR wrong number of arguments for 'mset' command\r\n"
    );
    assert_reply!(
        c,
        ["MSET", "foo", "1", "bar", "2", "x"],
        b"-ERR wrong number of arguments for 'mset' command\r\n"
    );
    assert_reply!(
        c,
        ["MSETNX", "foo", "1", "bar"],
        b"-ERR wrong number of arguments for 'msetnx' command\r\n"
    );
    assert_reply!(
        c,
        ["MGET"],
        b"-ERR wrong number of arguments for 'mget' command\r\n"
    );
    // MSETNX: all or nothing, also across shards.
    assert_reply!(c, ["MSETNX", "n1", "a", "foo", "b"], b":0\r\n");
    assert_reply!(c, ["EXISTS", "n1"], b":0\r\n");
    assert_reply!(c, ["MSETNX", "{t}n1", "a", "{t}n2", "b"], b":1\r\n");
    assert_reply!(
        c,
        ["MGET", "{t}n1", "{t}n2"],
        b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    );
    // Many keys over both shards keep request order.
    let keys: Vec<String> = (0..200).map(|i| format!("key:{i}")).collect();
    let mut args = vec!["MSET".to_string()];
    for k in &keys {
        args.push(k.clone());
        args.push(format!("v{k}"));
    }
    let a: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    assert_eq!(c.q(&a), OK);
    let mut m = vec!["MGET"];
    m.extend(keys.iter().map(|s| s.as_str()));
    let got = c.v(&m);
    let want: Vec<Val> = keys
        .iter()
        .map(|k| Val::Bulk(format!("v{k}").into_bytes()))
        .collect();
    assert_eq!(got, Val::Array(want));
}

fn counters(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["INCR", "n"], b":1\r\n");
    assert_reply!(c, ["INCRBY", "n", "10"], b":11\r\n");
    assert_reply!(c, ["DECR", "n"], b":10\r\n");
    assert_reply!(c, ["DECRBY", "n", "20"], b":-10\r\n");
    assert_reply!(c, ["INCRBY", "n", "-5"], b":-15\r\n");
    assert_reply!(c, ["GET", "n"], b"$3\r\n-15\r\n");
    assert_reply!(c, ["SET", "s", "abc"], OK);
    assert_reply!(c, ["INCR", "s"], NOT_INT);
    for bad in [
        " 1",
        "1 ",
        "01",
        "+1",
        "1.0",
        "",
        "-0",
        "12345678901234567890",
    ] {
        assert_reply!(c, ["SET", "s", bad], OK);
        assert_reply!(c, ["INCR", "s"], NOT_INT);
    }
    assert_reply!(c, ["INCRBY", "n", "abc"], NOT_INT);
    assert_reply!(c, ["INCRBY", "n", "9223372036854775808"], NOT_INT);
    assert_reply!(c, ["SET", "m", "9223372036854775807"], OK);
    assert_reply!(c, ["INCR", "m"], OVERFLOW);
    assert_reply!(c, ["INCRBY", "m", "1"], OVERFLOW);
    assert_reply!(c, ["SET", "m", "-9223372036854775808"], OK);
    assert_reply!(c, ["DECR", "m"], OVERFLOW);
    assert_reply!(c, ["DECRBY", "m", "1"], OVERFLOW);
    assert_reply!(
        c,
        ["DECRBY", "x", "-9223372036854775808"],
        b"-ERR decrement would overflow\r\n"
    );
    assert_reply!(c, ["GET", "m"], b"$20\r\n-9223372036854775808\r\n");
    // A TTL survives INCR.
    assert_reply!(c, ["SET", "t", "5", "EX", "100"], OK);
    assert_reply!(c, ["INCR", "t"], b":6\r\n");
    assert_eq!(ttl(&mut c, "t"), 100);
}

fn incrbyfloat(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["INCRBYFLOAT", "f", "1.5"], bulk("1.5"));
    assert_reply!(c, ["SET", "f", "10.50"], OK);
    assert_reply!(c, ["INCRBYFLOAT", "f", "0.1"], bulk("10.6"));
    assert_reply!(c, ["INCRBYFLOAT", "f", "-5"], bulk("5.6"));
    assert_reply!(c, ["SET", "f", "5.0e3"], OK);
    assert_reply!(c, ["INCRBYFLOAT", "f", "2.0e2"], bulk("5200"));
    // Redis computes in long double and prints %.17Lf.
    assert_reply!(c, ["SET", "f", "0.1"], OK);
    assert_reply!(c, ["INCRBYFLOAT", "f", "0.2"], bulk("0.3"));
    assert_reply!(
        c,
        ["INCRBYFLOAT", "g", "1e20"],
        bulk("100000000000000000000")
    );
    assert_reply!(c, ["INCRBYFLOAT", "h", "1.5e-7"], bulk("0.00000015"));
    assert_reply!(c, ["INCRBYFLOAT", "i", "0x10"], bulk("16"));
    assert_reply!(c, ["INCRBYFLOAT", "f", "abc"], NOT_FLOAT);
    assert_reply!(c, ["INCRBYFLOAT", "f", " 1"], NOT_FLOAT);
    assert_reply!(c, ["INCRBYFLOAT", "f", "nan"], NOT_FLOAT);
    assert_reply!(
        c,
        ["INCRBYFLOAT", "f", "inf"],
        b"-ERR increment would produce NaN or Infinity\r\n"
    );
    assert_reply!(c, ["SET", "s", "x"], OK);
    assert_reply!(c, ["INCRBYFLOAT", "s", "1"], NOT_FLOAT);
    assert_reply!(c, ["SET", "t", "1", "EX", "100"], OK);
    assert_reply!(c, ["INCRBYFLOAT", "t", "1"], bulk("2"));
    assert_eq!(ttl(&mut c, "t"), 100);
}

fn append_strlen_ranges(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["APPEND", "k", "Hello"], b":5\r\n");
    assert_reply!(c, ["APPEND", "k", " World"], b":11\r\n");
    assert_reply!(c, ["STRLEN", "k"], b":11\r\n");
    assert_reply!(c, ["STRLEN", "nokey"], b":0\r\n");
    assert_reply!(c, ["GETRANGE", "k", "0", "4"], bulk("Hello"));
    assert_reply!(c, ["GETRANGE", "k", "-5", "-1"], bulk("World"));
    assert_reply!(c, ["GETRANGE", "k", "0", "-1"], bulk("Hello World"));
    assert_reply!(c, ["GETRANGE", "k", "5", "3"], b"$0\r\n\r\n");
    assert_reply!(c, ["GETRANGE", "k", "-1", "-5"], b"$0\r\n\r\n");
    assert_reply!(c, ["GETRANGE", "k", "100", "200"], b"$0\r\n\r\n");
    assert_reply!(c, ["GETRANGE", "nokey", "0", "-1"], b"$0\r\n\r\n");
    assert_reply!(c, ["GETRANGE", "k", "x", "1"], NOT_INT);
    assert_reply!(c, ["SUBSTR", "k", "6", "100"], bulk("World"));
    assert_reply!(c, ["SETRANGE", "k", "6", "Redis"], b":11\r\n");
    assert_reply!(c, ["GET", "k"], bulk("Hello Redis"));
    assert_reply!(c, ["SETRANGE", "pad", "3", "x"], b":4\r\n");
    assert_reply!(c, ["GET", "pad"], b"$4\r\n\x00\x00\x00x\r\n");
    assert_reply!(c, ["SETRANGE", "none", "5", ""], b":0\r\n");
    assert_reply!(c, ["EXISTS", "none"], b":0\r\n");
    assert_reply!(
        c,
        ["SETRANGE", "k", "-1", "x"],
        b"-ERR offset is out of range\r\n"
    );
    assert_reply!(
        c,
        ["SETRANGE", "k", "536870912", "x"],
        b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    );
    assert_reply!(
        c,
        ["SETRANGE", "k", "9223372036854775807", "x"],
        b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    );
    // Integers are strings too.
    assert_reply!(c, ["SET", "n", "12345"], OK);
    assert_reply!(c, ["STRLEN", "n"], b":5\r\n");
    assert_reply!(c, ["APPEND", "n", "6"], b":6\r\n");
    assert_reply!(c, ["GETRANGE", "n", "1", "2"], bulk("23"));
    assert_reply!(c, ["SETRANGE", "n", "0", "9"], b":6\r\n");
    assert_reply!(c, ["INCR", "n"], b":923457\r\n");
}

fn lcs(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["MSET", "{l}a", "ohmytext", "{l}b", "mynewtext"], OK);
    assert_reply!(c, ["LCS", "{l}a", "{l}b"], bulk("mytext"));
    assert_reply!(c, ["LCS", "{l}a", "{l}b", "LEN"], b":6\r\n");
    assert_reply!(
        c,
        ["LCS", "{l}a", "{l}b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"],
        b"*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"
    );
    assert_reply!(
        c,
        ["LCS", "{l}a", "{l}b", "IDX"],
        b"*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"
    );
    assert_reply!(
        c,
        ["LCS", "{l}a", "{l}b", "LEN", "IDX"],
        b"-ERR If you want both the length and indexes, please just use IDX.\r\n"
    );
    assert_reply!(c, ["LCS", "{l}a", "{l}b", "FOO"], SYNTAX);
    assert_reply!(c, ["LCS", "{l}x", "{l}y"], b"$0\r\n\r\n");
    // Across shards (with 2 shards "foo" and "bar" are apart).
    assert_reply!(c, ["MSET", "foo", "ohmytext", "bar", "mynewtext"], OK);
    assert_reply!(c, ["LCS", "foo", "bar"], bulk("mytext"));
    // The DP table (4 bytes a cell) may not exceed proto-max-bulk-len (512 MB here):
    // 12000 x 12000 cells is 576 MB. Redis refuses it up front.
    let big = "x".repeat(12_000);
    assert_reply!(c, ["MSET", "{l}big1", &big, "{l}big2", &big], OK);
    c.set_timeout(Duration::from_secs(5));
    assert_reply!(
        c,
        ["LCS", "{l}big1", "{l}big2"],
        b"-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n"
    );
}

fn encodings(s: &Server) {
    let mut c = s.client();
    let enc = |c: &mut Client, k: &str| c.v(&["OBJECT", "ENCODING", k]).bulk_str();
    assert_reply!(c, ["SET", "i", "12345"], OK);
    assert_eq!(enc(&mut c, "i"), "int");
    assert_reply!(c, ["SET", "e", "hello"], OK);
    assert_eq!(enc(&mut c, "e"), "embstr");
    assert_reply!(c, ["SET", "e44", &"a".repeat(44)], OK);
    assert_eq!(enc(&mut c, "e44"), "embstr");
    assert_reply!(c, ["SET", "r", &"a".repeat(45)], OK);
    assert_eq!(enc(&mut c, "r"), "raw");
    assert_reply!(c, ["APPEND", "e", "!"], b":6\r\n");
    assert_eq!(enc(&mut c, "e"), "raw");
    assert_reply!(c, ["SET", "s", "abc"], OK);
    assert_reply!(c, ["SETRANGE", "s", "0", "x"], b":3\r\n");
    assert_eq!(enc(&mut c, "s"), "raw");
    assert_reply!(c, ["INCR", "i"], b":12346\r\n");
    assert_eq!(enc(&mut c, "i"), "int");
    assert_reply!(c, ["OBJECT", "ENCODING", "nokey"], NIL);
}

fn wrong_arity_texts(s: &Server) {
    let mut c = s.client();
    for (cmd, name) in [
        (vec!["GETRANGE", "k", "0"], "getrange"),
        (vec!["SETRANGE", "k"], "setrange"),
        (vec!["INCRBYFLOAT", "k"], "incrbyfloat"),
        (vec!["APPEND", "k"], "append"),
        (vec!["STRLEN"], "strlen"),
        (vec!["GETDEL"], "getdel"),
        (vec!["LCS", "a"], "lcs"),
        (vec!["SETNX", "a"], "setnx"),
        (vec!["GETSET", "a"], "getset"),
    ] {
        let want = format!("-ERR wrong number of arguments for '{name}' command\r\n");
        assert_eq!(c.q(&cmd), want.as_bytes(), "{cmd:?}");
    }
}

per_shards!(
    get_set_basics,
    set_expire_options,
    set_errors,
    set_nx_xx_get,
    setnx_setex_psetex,
    getset_getdel_getex,
    mget_mset_msetnx,
    counters,
    incrbyfloat,
    append_strlen_ranges,
    lcs,
    encodings,
    wrong_arity_texts,
);
