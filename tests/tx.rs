//! MULTI/EXEC/DISCARD/WATCH over TCP, on one shard and spread over two.

mod common;

use common::Server;

const OK: &[u8] = b"+OK\r\n";
const QUEUED: &[u8] = b"+QUEUED\r\n";

fn exec_runs_in_order(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["MULTI"], OK);
    assert_reply!(c, ["SET", "{t}a", "1"], QUEUED);
    assert_reply!(c, ["INCR", "{t}a"], QUEUED);
    assert_reply!(c, ["GET", "{t}a"], QUEUED);
    assert_reply!(c, ["PING"], QUEUED);
    assert_reply!(c, ["EXEC"], b"*4\r\n+OK\r\n:2\r\n$1\r\n2\r\n+PONG\r\n");
    // Keys on both shards (foo: shard 1, bar: shard 0 with 2 shards).
    assert_reply!(c, ["MULTI"], OK);
    assert_reply!(c, ["SET", "foo", "x"], QUEUED);
    assert_reply!(c, ["SET", "bar", "y"], QUEUED);
    assert_reply!(c, ["MGET", "foo", "bar"], QUEUED);
    assert_reply!(c, ["DBSIZE"], QUEUED);
    assert_reply!(
        c,
        ["EXEC"],
        b"*4\r\n+OK\r\n+OK\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n:3\r\n"
    );
    assert_reply!(c, ["MULTI"], OK);
    assert_reply!(c, ["EXEC"], b"*0\r\n");
}

fn errors(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["EXEC"], b"-ERR EXEC without MULTI\r\n");
    assert_reply!(c, ["DISCARD"], b"-ERR DISCARD without MULTI\r\n");
    assert_reply!(c, ["MULTI"], OK);
    assert_reply!(c, ["MULTI"], b"-ERR MULTI calls can not be nested\r\n");
    assert_reply!(
        c,
        ["WATCH", "k"],
        b"-ERR WATCH inside MULTI is not allowed\r\n"
    );
    assert_reply!(c, ["SET", "k", "v"], QUEUED);
    assert_reply!(
        c,
        ["GET"],
        b"-ERR wrong number of arguments for 'get' command\r\n"
    );
    assert_reply!(
        c,
        ["EXEC"],
        b"-EXECABORT Transaction discarded because of previous errors.\r\n"
    );
    assert_reply!(c, ["EXISTS", "k"], b":0\r\n");
    // A runtime error is one element of the reply; the rest still runs.
    assert_reply!(c, ["SET", "s", "notanumber"], OK);
    assert_reply!(c, ["MULTI"], OK);
    assert_reply!(c, ["INCR", "s"], QUEUED);
    assert_reply!(c, ["SET", "s2", "v"], QUEUED);
    assert_reply!(
        c,
        ["EXEC"],
        b"*2\r\n-ERR value is not an integer or out of range\r\n+OK\r\n"
    );
    assert_reply!(c, ["MULTI"], OK);
    assert_reply!(c, ["SET", "d", "1"], QUEUED);
    assert_reply!(c, ["DISCARD"], OK);
    assert_reply!(c, ["EXISTS", "d"], b":0\r\n");
}

fn watch_conflict(s: &Server) {
    for (watched, other) in [("foo", "{foo}x"), ("foo", "bar")] {
        let mut a = s.client();
        let mut b = s.client();
        assert_reply!(a, ["SET", watched, "0"], OK);
        assert_reply!(a, ["WATCH", watched], OK);
        assert_reply!(b, ["SET", watched, "changed"], OK);
        assert_reply!(a, ["MULTI"], OK);
        assert_reply!(a, ["SET", other, "1"], QUEUED);
        assert_reply!(a, ["EXEC"], b"*-1\r\n");
        assert_reply!(a, ["EXISTS", other], b":0\r\n");
        // Without a change in between, the transaction runs.
        assert_reply!(a, ["WATCH", watched], OK);
        assert_reply!(a, ["MULTI"], OK);
        assert_reply!(a, ["SET", other, "1"], QUEUED);
        assert_reply!(a, ["EXEC"], b"*1\r\n+OK\r\n");
        // UNWATCH forgets.
        assert_reply!(a, ["WATCH", watched], OK);
        assert_reply!(b, ["DEL", watched], b":1\r\n");
        assert_reply!(a, ["UNWATCH"], OK);
        assert_reply!(a, ["MULTI"], OK);
        assert_reply!(a, ["GET", other], QUEUED);
        assert_reply!(a, ["EXEC"], b"*1\r\n$1\r\n1\r\n");
        assert_reply!(a, ["DEL", other], b":1\r\n");
    }
    // An expiry after WATCH counts as a change; FLUSHALL too. The key must still exist
    // when WATCH lands (a positive PEXPIRETIME read after WATCH proves it); on a stalled
    // machine it may not, so retry with a longer TTL. Then wait, without touching the
    // key, until its expiry time has passed.
    let mut a = s.client();
    let mut ttl = 500;
    loop {
        assert_reply!(a, ["SET", "e", "v", "PX", &ttl.to_string()], OK);
        assert_reply!(a, ["WATCH", "e"], OK);
        if a.int(&["PEXPIRETIME", "e"]) > 0 {
            break;
        }
        assert_reply!(a, ["UNWATCH"], OK);
        ttl *= 4;
        assert!(ttl <= 32_000, "WATCH never landed before the key expired");
    }
    common::wait_past_expiry(&mut a, &["e"]);
    assert_reply!(a, ["MULTI"], OK);
    assert_reply!(a, ["PING"], QUEUED);
    assert_reply!(a, ["EXEC"], b"*-1\r\n");
    assert_reply!(a, ["SET", "w", "v"], OK);
    assert_reply!(a, ["WATCH", "w"], OK);
    assert_reply!(s.client(), ["FLUSHALL"], OK);
    assert_reply!(a, ["MULTI"], OK);
    assert_reply!(a, ["PING"], QUEUED);
    assert_reply!(a, ["EXEC"], b"*-1\r\n");
}

fn resp3_null_exec(s: &Server) {
    let mut a = s.client();
    let _ = a.q(&["HELLO", "3"]);
    assert_reply!(a, ["WATCH", "r"], OK);
    assert_reply!(s.client(), ["SET", "r", "1"], OK);
    assert_reply!(a, ["MULTI"], OK);
    assert_reply!(a, ["GET", "r"], QUEUED);
    assert_reply!(a, ["EXEC"], b"_\r\n");
}

per_shards!(exec_runs_in_order, errors, watch_conflict, resp3_null_exec);
