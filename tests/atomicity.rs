//! The README's atomicity promises in standalone mode ("Atomicity across shards"), checked
//! with concurrent clients over TCP against `--shards 2`: a command whose keys share a
//! `{hash tag}` runs on one shard without interruption, MULTI/EXEC over one shard's keys
//! is isolated (and WATCH makes optimistic updates safe), INCR from many clients loses
//! no increment. The cross-shard cases the README calls not atomic are not tested here.
//!
//! Each test runs its writers for a fixed number of operations and its readers until the
//! writers are done, so a slow machine makes a test longer, never flaky.

mod common;

use common::{shard_of2, Client, Server, Val};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

const OK: &[u8] = b"+OK\r\n";

/// A hash tag whose keys live on shard `shard` of two.
fn tag_on(shard: usize) -> String {
    (0..)
        .map(|i| format!("t{i}"))
        .find(|t| shard_of2(format!("{{{t}}}").as_bytes()) == shard)
        .unwrap()
}

fn bulk_or_nil(v: &Val) -> Option<String> {
    match v {
        Val::Nil => None,
        other => Some(other.bulk_str()),
    }
}

/// Run `readers` copies of `read` (each gets its own client and returns how many reads
/// it made) while `write` runs on its own client; the readers stop when it returns.
fn race(
    s: &Server,
    readers: usize,
    write: impl FnOnce(&mut Client) + Send + 'static,
    read: impl Fn(&mut Client) + Send + Sync + 'static,
) {
    let done = Arc::new(AtomicBool::new(false));
    let read = Arc::new(read);
    let handles: Vec<_> = (0..readers)
        .map(|_| {
            let (done, read, mut c) = (done.clone(), read.clone(), s.client());
            thread::spawn(move || {
                let mut n = 0u64;
                // At least a few reads each, however the threads are scheduled.
                while !done.load(Ordering::Acquire) || n < 20 {
                    read(&mut c);
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut w = s.client();
    write(&mut w);
    done.store(true, Ordering::Release);
    for h in handles {
        let n = h.join().expect("a reader panicked");
        assert!(n >= 20, "{n} reads");
    }
}

/// One writer MSETs two tagged keys to the same value; readers MGET both and must never
/// see values from two different MSETs. Once per shard.
#[test]
fn mset_mget_with_hash_tag_is_atomic() {
    let s = Server::shards(2);
    for shard in 0..2 {
        let t = tag_on(shard);
        let (a, b) = (format!("{{{t}}}a"), format!("{{{t}}}b"));
        let (ra, rb) = (a.clone(), b.clone());
        race(
            &s,
            3,
            move |w| {
                for i in 0..3000 {
                    let v = format!("v{i}");
                    assert_eq!(w.q(&["MSET", &a, &v, &b, &v]), OK);
                }
            },
            move |c| {
                let got = c.v(&["MGET", &ra, &rb]);
                let items = got.items();
                let (x, y) = (bulk_or_nil(&items[0]), bulk_or_nil(&items[1]));
                assert_eq!(x, y, "MGET {ra} {rb} saw two MSETs (shard {shard})");
            },
        );
    }
}

/// A transaction over one shard's keys runs without interleaving: a writer's
/// MULTI / SET a i / SET b i / EXEC is seen whole by readers' MULTI / GET a / GET b /
/// EXEC and by their MGETs.
#[test]
fn multi_exec_on_one_shard_is_isolated() {
    let s = Server::shards(2);
    for shard in 0..2 {
        let t = tag_on(shard);
        let (a, b) = (format!("{{{t}}}a"), format!("{{{t}}}b"));
        let (ra, rb) = (a.clone(), b.clone());
        race(
            &s,
            3,
            move |w| {
                for i in 0..1500 {
                    let v = i.to_string();
                    w.send(&common::encode(&[b"MULTI"]));
                    w.send(&common::encode(&[b"SET", a.as_bytes(), v.as_bytes()]));
                    w.send(&common::encode(&[b"SET", b.as_bytes(), v.as_bytes()]));
                    w.send(&common::encode(&[b"EXEC"]));
                    assert_eq!(w.read_reply(), OK);
                    assert_eq!(w.read_reply(), b"+QUEUED\r\n");
                    assert_eq!(w.read_reply(), b"+QUEUED\r\n");
                    assert_eq!(w.read_reply(), b"*2\r\n+OK\r\n+OK\r\n");
                }
            },
            move |c| {
                c.send(&common::encode(&[b"MULTI"]));
                c.send(&common::encode(&[b"GET", ra.as_bytes()]));
                c.send(&common::encode(&[b"GET", rb.as_bytes()]));
                c.send(&common::encode(&[b"EXEC"]));
                for _ in 0..3 {
                    c.read_reply();
                }
                let exec = common::parse(&c.read_reply()).unwrap();
                let items = exec.items();
                let (x, y) = (bulk_or_nil(&items[0]), bulk_or_nil(&items[1]));
                assert_eq!(x, y, "EXEC saw half a transaction (shard {shard})");
                let got = c.v(&["MGET", &ra, &rb]);
                let items = got.items();
                let (x, y) = (bulk_or_nil(&items[0]), bulk_or_nil(&items[1]));
                assert_eq!(x, y, "MGET saw half a transaction (shard {shard})");
            },
        );
    }
}

/// WATCH / GET / MULTI / SET / EXEC from several clients on one counter: an EXEC that
/// answers null is retried, so the final value is the number of successful EXECs. A
/// write slipped in between a client's GET and its EXEC would lose an update.
#[test]
fn watch_makes_optimistic_increments_safe() {
    let s = Server::shards(2);
    for shard in 0..2 {
        let key = format!("{{{}}}counter", tag_on(shard));
        let (clients, each) = (4, 150);
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                let (key, mut c) = (key.clone(), s.client());
                thread::spawn(move || {
                    let mut retries = 0u64;
                    for _ in 0..each {
                        loop {
                            assert_eq!(c.q(&["WATCH", &key]), OK);
                            let cur = match c.v(&["GET", &key]) {
                                Val::Nil => 0,
                                v => v.bulk_str().parse::<i64>().unwrap(),
                            };
                            assert_eq!(c.q(&["MULTI"]), OK);
                            let next = (cur + 1).to_string();
                            assert_eq!(c.q(&["SET", &key, &next]), b"+QUEUED\r\n");
                            match c.v(&["EXEC"]) {
                                Val::NilArray | Val::Nil => retries += 1,
                                Val::Array(r) => {
                                    assert_eq!(r, vec![Val::Simple("OK".into())]);
                                    break;
                                }
                                other => panic!("EXEC: {other:?}"),
                            }
                        }
                    }
                    retries
                })
            })
            .collect();
        for h in handles {
            h.join().expect("a client panicked");
        }
        let total = s.client().v(&["GET", &key]).bulk_str();
        assert_eq!(total, (clients * each).to_string(), "shard {shard}");
    }
}

/// Many clients INCR the same keys (one per shard), pipelined: no increment is lost.
#[test]
fn incr_from_many_clients_loses_nothing() {
    let s = Server::shards(2);
    let keys: Vec<String> = (0..2).map(|sh| format!("{{{}}}n", tag_on(sh))).collect();
    let (clients, each) = (8, 500);
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let (keys, mut c) = (keys.clone(), s.client());
            thread::spawn(move || {
                let mut batch = Vec::new();
                for i in 0..each {
                    let k = &keys[i % 2];
                    batch.extend(common::encode(&[b"INCR", k.as_bytes()]));
                }
                c.send(&batch);
                for _ in 0..each {
                    let r = c.read_reply();
                    assert!(r.starts_with(b":"), "{}", common::show(&r));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("a client panicked");
    }
    let mut c = s.client();
    for k in &keys {
        assert_eq!(
            c.int(&["INCRBY", k, "0"]),
            (clients * each / 2) as i64,
            "{k}"
        );
    }
}
