//! Differential test for the list commands: the same command sequences go to
//! redis-server (from PATH, 7.0.15) and to slotcore (`--shards 1` and `--shards 2`);
//! every reply must be byte-for-byte identical.
//!
//! Same conventions as tests/differential.rs (whose harness is copied here): a case is
//! a few lines, one command per line, split like redis-cli does; both servers are
//! flushed and a fresh connection is opened before each case; a line starting with `~`
//! is sent to both but its reply is not compared (HELLO 3, whose version and id differ).
//! Keys `foo` and `bar` live on different shards with `--shards 2`, so LMOVE,
//! RPOPLPUSH and LMPOP over them run cross-shard there.
//!
//! Left out of the comparison, and why:
//! - OBJECT ENCODING of a list: Redis 7.0 answers "quicklist" for every list; 7.2 (which
//!   slotcore follows) answers "listpack" for small lists. Checked in tests/lists.rs.
//! - LPOS ... RANK -9223372036854775808: 7.0 negates it with an overflow and answers as
//!   for a negative rank; 7.2 (slotcore) answers "value is out of range, value must
//!   between -9223372036854775807 and 9223372036854775807". Checked in tests/lists.rs.
//! - LMPOP with a numkeys close to LONG_MAX: 7.0 computes the position of LEFT/RIGHT with
//!   a signed overflow (undefined); slotcore answers a syntax error.
//! - LMPOP whose numkeys names no keys (0, negative, not a number, more than the
//!   arguments): compared in a test of its own, [`lmpop_without_keys_matches_redis`].

mod common;

use common::diff::{describe, same, send_line, LineResult};

use common::{show, Client, Server};
use std::time::Duration;

/// The cases: each a list of command lines run in order on a flushed database.
const CASES: &[&[&str]] = &[
    // ---- arity ----
    &["LPUSH"],
    &["LPUSH k"],
    &["RPUSH k"],
    &["LPUSHX k"],
    &["RPUSHX"],
    &["LPOP"],
    &["LPOP k 1 2"],
    &["RPOP k 1 2"],
    &["LLEN"],
    &["LLEN a b"],
    &["LRANGE k 0"],
    &["LINDEX k"],
    &["LSET k 0"],
    &["LINSERT k BEFORE a"],
    &["LREM k 0"],
    &["LTRIM k 0"],
    &["LPOS k"],
    &["LMOVE a b LEFT"],
    &["RPOPLPUSH a"],
    &["LMPOP 1 a"],
    &["LMPOP"],
    // ---- pushes ----
    &["LPUSH k a b c", "LRANGE k 0 -1", "LLEN k", "TYPE k"],
    &["RPUSH k a b c", "LRANGE k 0 -1"],
    &["RPUSH k a", "LPUSH k b", "RPUSH k c", "LRANGE k 0 -1"],
    &[
        "RPUSH k \"\" \"a b\" \"\\x00\\xff\" \"a\\r\\nb\"",
        "LRANGE k 0 -1",
        "LLEN k",
    ],
    &[
        "RPUSH k 1 -1 007 -0 9223372036854775807 -9223372036854775808 1.5 99999999999999999999",
        "LRANGE k 0 -1",
    ],
    &["LPUSHX k a", "EXISTS k", "RPUSHX k a b", "EXISTS k"],
    &["RPUSH k a", "LPUSHX k b c", "RPUSHX k d e", "LRANGE k 0 -1"],
    &["SET k v", "LPUSH k a"],
    &["SET k v", "RPUSHX k a"],
    &["SET k v", "LPUSHX k a", "GET k"],
    &["SET k 1", "RPUSH k a", "GET k"],
    &["rpush k A", "lpush k B", "lrange k 0 -1"],
    // ---- LPOP / RPOP ----
    &["LPOP k", "RPOP k"],
    &["LPOP k 1", "RPOP k 0", "LPOP k 5"],
    &["RPUSH k a b c", "LPOP k", "RPOP k", "LRANGE k 0 -1"],
    &["RPUSH k a b c", "LPOP k 2", "LRANGE k 0 -1"],
    &["RPUSH k a b c", "RPOP k 2", "LRANGE k 0 -1"],
    &["RPUSH k a b c", "LPOP k 10", "EXISTS k"],
    &["RPUSH k a b c", "RPOP k 3", "EXISTS k", "LLEN k"],
    &["RPUSH k a", "LPOP k", "EXISTS k", "LPOP k"],
    &["RPUSH k a b", "LPOP k 0", "LLEN k"],
    &["RPUSH k a b", "LPOP k -1"],
    &["RPUSH k a b", "RPOP k abc"],
    &["LPOP k -1"],
    &["LPOP k 1.5"],
    &["RPUSH k a b", "LPOP k 9223372036854775807"],
    &["RPUSH k a b", "LPOP k 9223372036854775808"],
    &["SET k v", "LPOP k"],
    &["SET k v", "RPOP k 2"],
    &["SET k v", "LPOP k -1"],
    &["SET k v", "LPOP k 0"],
    &["RPUSH k 1 2 3", "RPOP k 1"],
    // ---- LLEN ----
    &["LLEN k"],
    &["RPUSH k a b", "LLEN k"],
    &["SET k v", "LLEN k"],
    // ---- LRANGE ----
    &[
        "RPUSH k a b c d e",
        "LRANGE k 0 -1",
        "LRANGE k 1 3",
        "LRANGE k -2 -1",
    ],
    &[
        "RPUSH k a b c d e",
        "LRANGE k -100 100",
        "LRANGE k 3 1",
        "LRANGE k 5 10",
    ],
    &[
        "RPUSH k a b c d e",
        "LRANGE k 0 -6",
        "LRANGE k -6 0",
        "LRANGE k 4 4",
    ],
    &[
        "RPUSH k a b c",
        "LRANGE k -9223372036854775808 9223372036854775807",
    ],
    &[
        "RPUSH k a b c",
        "LRANGE k 9223372036854775807 -9223372036854775808",
    ],
    &["RPUSH k a b c", "LRANGE k x 1"],
    &["RPUSH k a b c", "LRANGE k 0 x"],
    &["RPUSH k a b c", "LRANGE k 0 1.0"],
    &["LRANGE k 0 -1"],
    &["LRANGE k x y"],
    &["SET k v", "LRANGE k 0 -1"],
    &["SET k v", "LRANGE k x 0"],
    // ---- LINDEX ----
    &["RPUSH k a b c", "LINDEX k 0", "LINDEX k 2", "LINDEX k 3"],
    &["RPUSH k a b c", "LINDEX k -1", "LINDEX k -3", "LINDEX k -4"],
    &[
        "RPUSH k a b c",
        "LINDEX k 9223372036854775807",
        "LINDEX k -9223372036854775808",
    ],
    &["RPUSH k a b c", "LINDEX k x"],
    &["RPUSH k a b c", "LINDEX k 99999999999999999999"],
    &["LINDEX k 0"],
    &["LINDEX k x"],
    &["SET k v", "LINDEX k 0"],
    &["SET k v", "LINDEX k x"],
    // ---- LSET ----
    &[
        "RPUSH k a b c",
        "LSET k 0 A",
        "LSET k -1 C",
        "LRANGE k 0 -1",
    ],
    &["RPUSH k a b c", "LSET k 3 x"],
    &["RPUSH k a b c", "LSET k -4 x"],
    &["RPUSH k a b c", "LSET k x y"],
    &["RPUSH k a b c", "LSET k 1 \"\"", "LRANGE k 0 -1"],
    &["LSET k 0 x"],
    &["LSET k x x"],
    &["SET k v", "LSET k 0 x"],
    &["SET k v", "LSET k x x"],
    // ---- LINSERT ----
    &["RPUSH k a b c", "LINSERT k BEFORE b x", "LRANGE k 0 -1"],
    &["RPUSH k a b c", "LINSERT k AFTER b x", "LRANGE k 0 -1"],
    &[
        "RPUSH k a b c",
        "LINSERT k after c x",
        "LINSERT k before a y",
        "LRANGE k 0 -1",
    ],
    &["RPUSH k a b a", "LINSERT k AFTER a x", "LRANGE k 0 -1"],
    &["RPUSH k a b c", "LINSERT k AFTER z x", "LRANGE k 0 -1"],
    &["RPUSH k a b c", "LINSERT k MIDDLE b x"],
    &["LINSERT k BEFORE a x", "EXISTS k"],
    &["LINSERT k MIDDLE a x"],
    &["SET k v", "LINSERT k BEFORE a x"],
    &["SET k v", "LINSERT k MIDDLE a x"],
    // ---- LREM ----
    &["RPUSH k a b a c a", "LREM k 2 a", "LRANGE k 0 -1"],
    &["RPUSH k a b a c a", "LREM k -2 a", "LRANGE k 0 -1"],
    &["RPUSH k a b a c a", "LREM k 0 a", "LRANGE k 0 -1"],
    &[
        "RPUSH k a b a c a",
        "LREM k 10 a",
        "LREM k 1 z",
        "LRANGE k 0 -1",
    ],
    &["RPUSH k a a a", "LREM k 0 a", "EXISTS k"],
    &["RPUSH k a a a", "LREM k -9223372036854775808 a", "EXISTS k"],
    &["RPUSH k 1 2 1", "LREM k 1 1", "LRANGE k 0 -1"],
    &["RPUSH k a", "LREM k x a"],
    &["LREM k 0 a"],
    &["LREM k x a"],
    &["SET k v", "LREM k 0 a"],
    &["SET k v", "LREM k x a"],
    // ---- LTRIM ----
    &["RPUSH k a b c d e", "LTRIM k 1 3", "LRANGE k 0 -1"],
    &["RPUSH k a b c d e", "LTRIM k -2 -1", "LRANGE k 0 -1"],
    &["RPUSH k a b c d e", "LTRIM k 0 100", "LRANGE k 0 -1"],
    &["RPUSH k a b c d e", "LTRIM k 3 1", "EXISTS k"],
    &["RPUSH k a b c d e", "LTRIM k 5 10", "EXISTS k"],
    &["RPUSH k a b c d e", "LTRIM k -100 0", "LRANGE k 0 -1"],
    &["RPUSH k a b c", "LTRIM k x 1"],
    &["LTRIM k 0 1", "EXISTS k"],
    &["LTRIM k x 1"],
    &["SET k v", "LTRIM k 0 1"],
    // ---- LPOS ----
    &[
        "RPUSH k a b c 1 2 3 c c",
        "LPOS k c",
        "LPOS k z",
        "LPOS k 1",
    ],
    &[
        "RPUSH k a b c 1 2 3 c c",
        "LPOS k c RANK 2",
        "LPOS k c RANK -1",
        "LPOS k c RANK -3",
        "LPOS k c RANK 4",
    ],
    &[
        "RPUSH k a b c 1 2 3 c c",
        "LPOS k c COUNT 0",
        "LPOS k c COUNT 2",
        "LPOS k z COUNT 0",
    ],
    &[
        "RPUSH k a b c 1 2 3 c c",
        "LPOS k c COUNT 2 RANK -1",
        "LPOS k c RANK 2 COUNT 0",
        "LPOS k c RANK -2 COUNT 5",
    ],
    &[
        "RPUSH k a b c 1 2 3 c c",
        "LPOS k c MAXLEN 3",
        "LPOS k c MAXLEN 2",
        "LPOS k c MAXLEN 0",
    ],
    &[
        "RPUSH k a b c 1 2 3 c c",
        "LPOS k c COUNT 0 MAXLEN 7",
        "LPOS k c RANK -1 COUNT 0 MAXLEN 2",
    ],
    &[
        "RPUSH k a b c 1 2 3 c c",
        "LPOS k a RANK -1 MAXLEN 7",
        "LPOS k c RANK 9223372036854775807",
    ],
    &[
        "RPUSH k a b c",
        "lpos k c rank 1 rank 1",
        "LPOS k c COUNT 1 COUNT 0",
    ],
    &["RPUSH k a b c", "LPOS k c RANK 0"],
    &["RPUSH k a b c", "LPOS k c RANK x"],
    &["RPUSH k a b c", "LPOS k c COUNT -1"],
    &["RPUSH k a b c", "LPOS k c COUNT x"],
    &["RPUSH k a b c", "LPOS k c MAXLEN -1"],
    &["RPUSH k a b c", "LPOS k c MAXLEN x"],
    &["RPUSH k a b c", "LPOS k c RANK"],
    &["RPUSH k a b c", "LPOS k c COUNT"],
    &["RPUSH k a b c", "LPOS k c FOO 1"],
    &["RPUSH k a b c", "LPOS k c RANK 1 FOO"],
    &["LPOS k a", "LPOS k a COUNT 1", "LPOS k a RANK -1 MAXLEN 5"],
    &["LPOS k a COUNT -1"],
    &["LPOS k a RANK 0"],
    &["SET k v", "LPOS k a"],
    &["SET k v", "LPOS k a COUNT 1"],
    &["SET k v", "LPOS k a RANK 0"],
    // ---- LMOVE / RPOPLPUSH ----
    &[
        "RPUSH foo a b c",
        "LMOVE foo bar LEFT RIGHT",
        "LRANGE foo 0 -1",
        "LRANGE bar 0 -1",
    ],
    &[
        "RPUSH foo a b c",
        "LMOVE foo bar RIGHT LEFT",
        "LMOVE foo bar right right",
        "LRANGE bar 0 -1",
    ],
    &[
        "RPUSH foo a b c",
        "LMOVE foo bar LEFT LEFT",
        "LMOVE foo bar LEFT LEFT",
        "LMOVE foo bar LEFT LEFT",
        "EXISTS foo",
        "LRANGE bar 0 -1",
    ],
    &[
        "RPUSH foo a b c",
        "RPUSH bar x",
        "RPOPLPUSH foo bar",
        "LRANGE foo 0 -1",
        "LRANGE bar 0 -1",
    ],
    &[
        "RPUSH foo a",
        "RPOPLPUSH foo bar",
        "EXISTS foo",
        "RPOPLPUSH foo bar",
        "LRANGE bar 0 -1",
    ],
    &["RPUSH foo a b c", "RPOPLPUSH foo foo", "LRANGE foo 0 -1"],
    &[
        "RPUSH foo a b c",
        "LMOVE foo foo LEFT RIGHT",
        "LMOVE foo foo RIGHT RIGHT",
        "LRANGE foo 0 -1",
    ],
    &["RPUSH foo a", "LMOVE foo foo LEFT RIGHT", "LRANGE foo 0 -1"],
    &[
        "LMOVE foo bar LEFT RIGHT",
        "RPOPLPUSH foo bar",
        "EXISTS bar",
    ],
    &["RPUSH foo a", "LMOVE foo bar UP RIGHT"],
    &["RPUSH foo a", "LMOVE foo bar LEFT DOWN"],
    &["LMOVE foo bar UP RIGHT"],
    &["SET foo v", "LMOVE foo bar LEFT RIGHT"],
    &[
        "SET bar v",
        "RPUSH foo a",
        "LMOVE foo bar LEFT RIGHT",
        "LRANGE foo 0 -1",
        "GET bar",
    ],
    &["SET bar v", "RPOPLPUSH foo bar"],
    &["SET bar v", "RPUSH foo a", "RPOPLPUSH foo bar"],
    &["SET foo v", "RPOPLPUSH foo bar"],
    &[
        "RPUSH foo 1 2",
        "EXPIRE foo 100",
        "LMOVE foo bar LEFT LEFT",
        "TTL foo",
        "TTL bar",
    ],
    &[
        "RPUSH foo 1",
        "RPUSH bar 2",
        "EXPIRE bar 100",
        "LMOVE foo bar LEFT LEFT",
        "TTL bar",
        "EXISTS foo",
        "LRANGE bar 0 -1",
    ],
    // ---- LMPOP ----
    &["LMPOP 1 foo LEFT", "LMPOP 2 foo bar RIGHT COUNT 2"],
    &["RPUSH bar a b c", "LMPOP 2 foo bar LEFT", "LRANGE bar 0 -1"],
    &[
        "RPUSH bar a b c",
        "LMPOP 2 foo bar RIGHT COUNT 2",
        "LRANGE bar 0 -1",
    ],
    &[
        "RPUSH foo x y",
        "RPUSH bar a b c",
        "LMPOP 2 foo bar LEFT COUNT 10",
        "EXISTS foo",
        "LMPOP 2 foo bar left count 1",
    ],
    &["RPUSH foo x", "lmpop 1 foo right count 1", "EXISTS foo"],
    &["RPUSH foo x", "LMPOP 1 foo LEFT COUNT 9223372036854775807"],
    &["LMPOP 1 foo MIDDLE"],
    &["LMPOP 2 foo LEFT"],
    &["LMPOP 1 foo bar LEFT"],
    &["LMPOP 1 foo LEFT COUNT"],
    &["LMPOP 1 foo LEFT COUNT 0"],
    &["LMPOP 1 foo LEFT COUNT -1"],
    &["LMPOP 1 foo LEFT COUNT x"],
    &["LMPOP 1 foo LEFT COUNT 1 COUNT 1"],
    &["LMPOP 1 foo LEFT FOO 1"],
    &["LMPOP 1 foo LEFT COUNT 9223372036854775808"],
    &["SET foo v", "LMPOP 1 foo LEFT"],
    &["SET bar v", "LMPOP 2 foo bar LEFT"],
    &["SET bar v", "RPUSH foo a", "LMPOP 2 foo bar LEFT"],
    &["SET foo v", "RPUSH bar a", "LMPOP 2 foo bar LEFT"],
    &["SET foo v", "LMPOP 1 foo MIDDLE"],
    // ---- RESP3 shapes ----
    &[
        "~HELLO 3",
        "LPOP k",
        "LPOP k 1",
        "RPOP k 0",
        "LINDEX k 0",
        "LPOS k a",
        "LPOS k a COUNT 0",
    ],
    &[
        "~HELLO 3",
        "RPUSH k a b",
        "LPOP k 0",
        "LPOP k 1",
        "RPOP k 5",
        "LRANGE k 0 -1",
    ],
    &[
        "~HELLO 3",
        "LMPOP 1 foo LEFT",
        "RPUSH foo a b",
        "LMPOP 1 foo LEFT COUNT 5",
    ],
    &[
        "~HELLO 3",
        "LMOVE foo bar LEFT LEFT",
        "RPOPLPUSH foo bar",
        "RPUSH foo a",
        "LMOVE foo bar LEFT LEFT",
    ],
    &[
        "~HELLO 3",
        "RPUSH k a b c",
        "LINDEX k 5",
        "LPOS k z",
        "LPOS k a COUNT 1",
        "LRANGE k 5 6",
    ],
    &[
        "~HELLO 3",
        "SET k v",
        "LPOP k",
        "LSET k 0 a",
        "LSET nokey 0 a",
    ],
    // ---- mixed sequences ----
    &[
        "RPUSH k 1 2 3 4 5 6 7 8 9 10",
        "LTRIM k 2 -3",
        "LREM k 0 5",
        "LINSERT k BEFORE 6 x",
        "LSET k -1 y",
        "LRANGE k 0 -1",
        "LLEN k",
    ],
    &["RPUSH k a", "DEL k", "LLEN k", "RPUSH k b", "LRANGE k 0 -1"],
    &["RPUSH k a b", "RENAME k k2", "LRANGE k2 0 -1", "EXISTS k"],
    &[
        "RPUSH k a b",
        "COPY k k2",
        "RPOP k2",
        "LRANGE k 0 -1",
        "LRANGE k2 0 -1",
    ],
    &["RPUSH k a b", "GET k"],
    &["RPUSH k a b", "INCR k"],
    &["RPUSH k a b", "APPEND k x"],
    &["RPUSH k a", "SET k v", "GET k", "LLEN k"],
    &[
        "RPUSH k a",
        "EXPIRE k 100",
        "RPUSH k b",
        "TTL k",
        "LPOP k 2",
        "TTL k",
    ],
    &["RPUSH k a", "OBJECT ENCODING nokey", "OBJECT REFCOUNT k"],
    &["RPUSH k a b c", "MGET k"],
    &[
        "RPUSH k a b c",
        "LPUSH k c",
        "LPOS k c COUNT 0",
        "LREM k -1 c",
        "LPOS k c COUNT 0",
    ],
];

/// LMPOP whose numkeys names no keys: Redis runs it without keys and its handler
/// answers the error.
const NO_KEY_CASES: &[&[&str]] = &[
    &["LMPOP 0 foo LEFT"],
    &["LMPOP -1 foo LEFT"],
    &["LMPOP x foo LEFT"],
    &["LMPOP 1.5 foo LEFT"],
    &["LMPOP 3 foo bar LEFT"],
    &["LMPOP 5 foo LEFT"],
    &["RPUSH foo a", "LMPOP 0 foo LEFT", "LLEN foo"],
];

#[derive(Default)]
struct Stats {
    cases: usize,
    compared: usize,
    mismatches: Vec<String>,
}

fn run_line(c: &mut Client, line: &str) -> LineResult {
    send_line(c, line)
}

fn run_cases(cases: &[&[&str]], shards: &str) -> Stats {
    let redis = Server::start_redis(&["--databases", "1"]);
    let slot = Server::start(&["--shards", shards]);
    let mut stats = Stats::default();
    let mut admin_r = redis.client();
    let mut admin_s = slot.client();
    for case in cases {
        stats.cases += 1;
        assert_eq!(admin_r.q(&["FLUSHALL"]), b"+OK\r\n");
        assert_eq!(admin_s.q(&["FLUSHALL"]), b"+OK\r\n");
        let mut r = redis.client();
        let mut s = slot.client();
        r.set_timeout(Duration::from_secs(3));
        s.set_timeout(Duration::from_secs(3));
        for line in case.iter() {
            if std::env::var_os("DIFF_VERBOSE").is_some() {
                eprintln!("[{shards}] {line}");
            }
            let a = run_line(&mut r, line);
            let b = run_line(&mut s, line);
            if line.starts_with('~') {
                continue;
            }
            stats.compared += 1;
            if !same(&a, &b) {
                stats.mismatches.push(format!(
                    "case {case:?}\n    line {line:?}\n    redis:    {}\n    slotcore: {}",
                    describe(&a),
                    describe(&b)
                ));
            }
        }
    }
    eprintln!(
        "list differential (--shards {shards}): {} cases, {} replies compared, {} mismatches",
        stats.cases,
        stats.compared,
        stats.mismatches.len()
    );
    stats
}

fn check(stats: Stats, shards: &str) {
    if !stats.mismatches.is_empty() {
        panic!(
            "{} mismatches with redis-server (slotcore --shards {shards}):\n{}",
            stats.mismatches.len(),
            stats.mismatches.join("\n")
        );
    }
}

#[test]
fn lists_match_redis() {
    assert!(CASES.len() >= 150, "keep at least 150 cases");
    check(run_cases(CASES, "1"), "1");
}

/// The same cases with `foo` and `bar` on different shards: LMOVE, RPOPLPUSH and LMPOP
/// over both run cross-shard; replies must not change.
#[test]
fn lists_match_redis_two_shards() {
    check(run_cases(CASES, "2"), "2");
}

#[test]
fn lmpop_without_keys_matches_redis() {
    check(run_cases(NO_KEY_CASES, "1"), "1");
    check(run_cases(NO_KEY_CASES, "2"), "2");
}

/// Big lists built the same way on both servers (thousands of elements, several
/// quicklist nodes in Redis), then read and modified by every command.
#[test]
fn big_lists_match_redis() {
    let redis = Server::start_redis(&["--databases", "1"]);
    let slot = Server::shards(2);
    let mut r = redis.client();
    let mut s = slot.client();
    let mut mismatches = Vec::new();
    let mut both = |args: &[String]| {
        let refs: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        let a = r.cmd(&refs);
        let b = s.cmd(&refs);
        if a != b {
            mismatches.push(format!(
                "{:?}\n    redis:    {}\n    slotcore: {}",
                &args[..args.len().min(6)],
                show(&a),
                show(&b)
            ));
        }
    };
    let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut push = v(&["RPUSH", "foo"]);
    push.extend((0..5000).map(|i| format!("e{}", i % 97)));
    both(&push);
    let mut push = v(&["LPUSH", "foo"]);
    push.extend((0..5000).map(|i| i.to_string()));
    both(&push);
    for i in 0..200 {
        both(&v(&["RPUSH", "bar", &"x".repeat(i * 7 % 300)]));
    }
    let reads: &[&[&str]] = &[
        &["LLEN", "foo"],
        &["LRANGE", "foo", "0", "-1"],
        &["LRANGE", "foo", "4990", "5010"],
        &["LRANGE", "foo", "-7", "-1"],
        &["LINDEX", "foo", "7777"],
        &["LINDEX", "foo", "-7777"],
        &["LPOS", "foo", "e5", "COUNT", "0"],
        &[
            "LPOS", "foo", "e5", "RANK", "-3", "COUNT", "10", "MAXLEN", "3000",
        ],
        &["LPOS", "foo", "4999"],
        &["LSET", "foo", "6000", "changed"],
        &["LINSERT", "foo", "BEFORE", "e96", "ins"],
        &["LREM", "foo", "-3", "e7"],
        &["LREM", "foo", "5", "e8"],
        &["LREM", "foo", "0", "e9"],
        &["LPOP", "foo", "1234"],
        &["RPOP", "foo", "321"],
        &["LMOVE", "foo", "bar", "LEFT", "RIGHT"],
        &["RPOPLPUSH", "bar", "foo"],
        &["LMPOP", "2", "bar", "foo", "RIGHT", "COUNT", "150"],
        &["LTRIM", "foo", "100", "-100"],
        &["LRANGE", "foo", "0", "-1"],
        &["LRANGE", "bar", "0", "-1"],
        &["LMPOP", "2", "nokey", "foo", "LEFT", "COUNT", "100000"],
        &["EXISTS", "foo"],
        &["LPOP", "bar", "100000"],
        &["EXISTS", "bar"],
    ];
    for cmd in reads {
        both(&v(cmd));
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
