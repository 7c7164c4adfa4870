//! Pub/sub over TCP: delivery across shards, patterns, shard channels, RESP2
//! subscribed-mode rules, RESP3 pushes, PUBSUB introspection.

mod common;

use common::{Client, Server};
use std::time::Duration;

fn msg(kind: &str, parts: &[&str]) -> Vec<u8> {
    let mut v = format!("*{}\r\n${}\r\n{}\r\n", parts.len() + 1, kind.len(), kind).into_bytes();
    for p in parts {
        v.extend(format!("${}\r\n{}\r\n", p.len(), p).into_bytes());
    }
    v
}

fn sub_reply(kind: &str, name: &str, n: i64) -> Vec<u8> {
    let mut v = msg(kind, &[name]);
    // Replace the array header 2 → 3 and append the count.
    v[1] = b'3';
    v.extend(format!(":{n}\r\n").into_bytes());
    v
}

fn publish_reaches_every_shard(s: &Server) {
    // Enough connections that SO_REUSEPORT spreads them over both shards.
    let mut subs: Vec<Client> = (0..8).map(|_| s.client()).collect();
    for c in subs.iter_mut() {
        assert_eq!(
            c.cmd(&[b"SUBSCRIBE", b"news", b"other"]),
            sub_reply("subscribe", "news", 1)
        );
        assert_eq!(c.read_reply(), sub_reply("subscribe", "other", 2));
    }
    let mut p = s.client();
    assert_eq!(p.int(&["PUBLISH", "news", "hello"]), 8);
    assert_eq!(p.int(&["PUBLISH", "nobody", "x"]), 0);
    for c in subs.iter_mut() {
        assert_eq!(c.read_reply(), msg("message", &["news", "hello"]));
    }
    let ids: std::collections::HashSet<String> = p
        .v(&["CLIENT", "LIST"])
        .bulk_str()
        .lines()
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 9);
    assert_eq!(
        p.q(&["PUBSUB", "NUMSUB", "news", "nope"]),
        b"*4\r\n$4\r\nnews\r\n:8\r\n$4\r\nnope\r\n:0\r\n"
    );
    assert_eq!(p.q(&["PUBSUB", "CHANNELS", "n*"]), b"*1\r\n$4\r\nnews\r\n");
    // Disconnecting subscribers removes their subscriptions.
    drop(subs);
    assert!(common::wait_until(Duration::from_secs(5), || {
        p.q(&["PUBSUB", "NUMSUB", "news"]) == b"*2\r\n$4\r\nnews\r\n:0\r\n"
    }));
}

fn patterns(s: &Server) {
    let mut sub = s.client();
    assert_eq!(
        sub.q(&["PSUBSCRIBE", "ne*"]),
        sub_reply("psubscribe", "ne*", 1)
    );
    let mut p = s.client();
    assert_eq!(p.int(&["PUBSUB", "NUMPAT"]), 1);
    assert_eq!(p.int(&["PUBLISH", "news", "m1"]), 1);
    assert_eq!(sub.read_reply(), msg("pmessage", &["ne*", "news", "m1"]));
    assert_eq!(
        sub.q(&["PUNSUBSCRIBE"]),
        sub_reply("punsubscribe", "ne*", 0)
    );
    assert_eq!(p.int(&["PUBLISH", "news", "m2"]), 0);
}

fn shard_channels(s: &Server) {
    let mut sub = s.client();
    assert_eq!(
        sub.q(&["SSUBSCRIBE", "sc"]),
        sub_reply("ssubscribe", "sc", 1)
    );
    let mut p = s.client();
    assert_eq!(p.int(&["SPUBLISH", "sc", "hi"]), 1);
    assert_eq!(p.int(&["PUBLISH", "sc", "not-shard"]), 0);
    assert_eq!(sub.read_reply(), msg("smessage", &["sc", "hi"]));
    assert_eq!(p.q(&["PUBSUB", "SHARDCHANNELS"]), b"*1\r\n$2\r\nsc\r\n");
    assert_eq!(
        p.q(&["PUBSUB", "SHARDNUMSUB", "sc"]),
        b"*2\r\n$2\r\nsc\r\n:1\r\n"
    );
}

fn resp2_subscribed_mode(s: &Server) {
    let mut c = s.client();
    assert_eq!(c.q(&["SUBSCRIBE", "a"]), sub_reply("subscribe", "a", 1));
    assert_eq!(
        c.q(&["GET", "x"]),
        b"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"
    );
    assert_eq!(c.q(&["PING"]), b"*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    assert_eq!(c.q(&["PING", "x"]), b"*2\r\n$4\r\npong\r\n$1\r\nx\r\n");
    assert_eq!(c.q(&["UNSUBSCRIBE"]), sub_reply("unsubscribe", "a", 0));
    assert_eq!(c.q(&["PING"]), b"+PONG\r\n");
    // UNSUBSCRIBE with nothing subscribed answers with a null channel.
    assert_eq!(
        c.q(&["UNSUBSCRIBE"]),
        b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"
    );
}

fn resp3_pushes(s: &Server) {
    let mut c = s.client();
    let _ = c.q(&["HELLO", "3"]);
    assert_eq!(
        c.q(&["SUBSCRIBE", "r3"]),
        b">3\r\n$9\r\nsubscribe\r\n$2\r\nr3\r\n:1\r\n"
    );
    // RESP3 clients may run any command while subscribed.
    assert_eq!(c.q(&["SET", "k", "v"]), b"+OK\r\n");
    let mut p = s.client();
    assert_eq!(p.int(&["PUBLISH", "r3", "m"]), 1);
    assert_eq!(
        c.read_reply(),
        b">3\r\n$7\r\nmessage\r\n$2\r\nr3\r\n$1\r\nm\r\n"
    );
    assert_eq!(c.q(&["GET", "k"]), b"$1\r\nv\r\n");
    assert_eq!(c.q(&["RESET"]), b"+RESET\r\n");
    assert_eq!(p.int(&["PUBLISH", "r3", "m"]), 0);
}

per_shards!(
    publish_reaches_every_shard,
    patterns,
    shard_channels,
    resp2_subscribed_mode,
    resp3_pushes
);
