//! Micro-benchmarks of the per-request hot paths.
//!
//! `cargo bench --bench hot_paths` (about a minute), or `cargo bench --bench hot_paths --
//! --test` to run each once as a smoke test. Groups: RESP parse, reply encode, slot
//! hashing, command lookup, keyspace ops on a warm 100k-key `Db`, and a cross-thread
//! message round trip through the shard mesh's queues.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use slotcore::command::spec;
use slotcore::mesh::{Mesh, Msg, OwnedArgs, Req, Token};
use slotcore::resp::{Limits, Parsed, Parser, Proto, Reply};
use slotcore::slot::key_hash_slot;
use slotcore::store::{Db, Value};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

fn encode(args: &[&[u8]], out: &mut Vec<u8>) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

fn resp_parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("resp_parse");
    let limits = Limits::default();

    let mut get = Vec::new();
    encode(&[b"GET", b"key:000000000042"], &mut get);
    let mut p = Parser::new();
    g.throughput(Throughput::Elements(1));
    g.bench_function("get", |b| {
        b.iter(|| {
            let r = p.parse(black_box(&get), &limits);
            debug_assert!(matches!(r, Ok(Parsed::Multibulk { .. })));
            black_box(r.is_ok() && p.args.len() == 2)
        })
    });

    let mut pipe = Vec::new();
    for i in 0..32 {
        encode(&[b"GET", format!("key:{i:012}").as_bytes()], &mut pipe);
    }
    g.throughput(Throughput::Elements(32));
    g.bench_function("pipeline_32_get", |b| {
        b.iter(|| {
            let buf = black_box(&pipe[..]);
            let mut pos = 0;
            let mut n = 0;
            while let Ok(Parsed::Multibulk { consumed }) = p.parse(&buf[pos..], &limits) {
                pos += consumed;
                n += p.args.len();
            }
            assert_eq!(pos, buf.len());
            n
        })
    });
    g.finish();
}

fn reply_encode(c: &mut Criterion) {
    let mut g = c.benchmark_group("reply_encode");
    g.throughput(Throughput::Elements(1));
    let mut out = Vec::with_capacity(4096);
    let value = [b'v'; 64];
    g.bench_function("bulk_64b", |b| {
        b.iter(|| {
            out.clear();
            Reply::new(&mut out, Proto::Resp2).bulk(black_box(&value));
            out.len()
        })
    });
    g.bench_function("int", |b| {
        b.iter(|| {
            out.clear();
            Reply::new(&mut out, Proto::Resp2).int(black_box(1_234_567_890));
            out.len()
        })
    });
    let elems: Vec<Vec<u8>> = (0..10)
        .map(|i| format!("value:{i:010}").into_bytes())
        .collect();
    g.bench_function("array_10_bulk", |b| {
        b.iter(|| {
            out.clear();
            let mut r = Reply::new(&mut out, Proto::Resp2);
            r.array(elems.len());
            for e in black_box(&elems) {
                r.bulk(e);
            }
            out.len()
        })
    });
    g.finish();
}

fn slot_hash(c: &mut Criterion) {
    let mut g = c.benchmark_group("slot_hash");
    g.throughput(Throughput::Elements(1));
    let key = b"key:000000000042";
    assert_eq!(key.len(), 16);
    g.bench_function("key_16b", |b| b.iter(|| key_hash_slot(black_box(key))));
    let tagged = b"{user:1000}:profile";
    g.bench_function("hash_tag", |b| b.iter(|| key_hash_slot(black_box(tagged))));
    g.finish();
}

fn command_lookup(c: &mut Criterion) {
    let mut g = c.benchmark_group("command_lookup");
    g.throughput(Throughput::Elements(1));
    g.bench_function("GET", |b| {
        b.iter(|| spec::lookup(black_box(b"GET")).is_some())
    });
    g.bench_function("mixed_case_gEt", |b| {
        b.iter(|| spec::lookup(black_box(b"gEt")).is_some())
    });
    g.bench_function("mixed_case_IncrBy", |b| {
        b.iter(|| spec::lookup(black_box(b"IncrBy")).is_some())
    });
    g.finish();
}

const KEYS: usize = 100_000;
/// A fixed "now" (unix ms) far from any deadline: no key in the bench has a TTL.
const NOW: u64 = 1_700_000_000_000;

/// Keys `key:NNNNNNNNNNNN` (16 bytes): even ones hold 16-byte strings, odd ones ints.
fn warm_db() -> (Db, Vec<Vec<u8>>) {
    let mut db = Db::new();
    let keys: Vec<Vec<u8>> = (0..KEYS)
        .map(|i| format!("key:{i:012}").into_bytes())
        .collect();
    for (i, k) in keys.iter().enumerate() {
        let v = if i % 2 == 0 {
            Value::from_bytes(format!("value-{i:010}").as_bytes())
        } else {
            Value::Int(i as i64)
        };
        db.set(key_hash_slot(k), k, v, false);
    }
    assert_eq!(db.len(), KEYS);
    (db, keys)
}

/// Visit keys of one parity in a scattered order (a stride coprime with the count), so
/// the table is not walked in insertion order.
struct Cursor {
    i: usize,
    parity: usize,
}

impl Cursor {
    fn next<'a>(&mut self, keys: &'a [Vec<u8>]) -> &'a [u8] {
        self.i = (self.i + 7_919) % (KEYS / 2);
        &keys[self.i * 2 + self.parity]
    }
}

fn keyspace(c: &mut Criterion) {
    let mut g = c.benchmark_group("keyspace_100k");
    g.throughput(Throughput::Elements(1));
    let (mut db, keys) = warm_db();

    // Each op includes the slot computation the router does once per command.
    let mut cur = Cursor { i: 0, parity: 0 };
    g.bench_function("get_hit", |b| {
        b.iter(|| {
            let k = cur.next(&keys);
            let v = db.get(key_hash_slot(k), k, NOW);
            black_box(v.is_some())
        })
    });

    let mut cur = Cursor { i: 0, parity: 0 };
    g.bench_function("set_overwrite", |b| {
        b.iter(|| {
            let k = cur.next(&keys);
            db.set(
                key_hash_slot(k),
                k,
                Value::from_bytes(b"value-0123456789"),
                false,
            );
        })
    });

    // INCR as the command does it: read, add with overflow check, store.
    let mut cur = Cursor { i: 0, parity: 1 };
    g.bench_function("incr", |b| {
        b.iter(|| {
            let k = cur.next(&keys);
            let slot = key_hash_slot(k);
            let n = match db.get_mut(slot, k, NOW) {
                Some(Value::Int(n)) => *n,
                Some(Value::Str(s)) => slotcore::resp::parse_i64(s.as_slice()).unwrap_or(0),
                _ => 0,
            };
            let new = n.checked_add(1).unwrap_or(0);
            match db.get_mut(slot, k, NOW) {
                Some(v) => *v = Value::Int(new),
                None => db.set(slot, k, Value::Int(new), false),
            }
            black_box(new)
        })
    });
    g.finish();
}

/// Round trips through the mesh's queues between this thread (shard 0) and a spinning
/// peer thread (shard 1) that answers every `Exec` with a `Reply`. No io_uring wake-up
/// is involved: this is the cost of the queues, the batching and the allocations.
fn mesh_round_trip(c: &mut Criterion) {
    let mut g = c.benchmark_group("mesh_round_trip");
    let spec = spec::lookup(b"get").expect("GET is in the command table");
    let mesh = Mesh::new(2);
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        // Stops the peer even if a measurement panics (the scope would wait forever).
        let _stop = StopOnDrop(&stop);
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let mut idle = true;
                mesh.drain(1, |batch| {
                    idle = false;
                    let replies: Vec<Msg> = batch
                        .into_iter()
                        .map(|m| match m {
                            Msg::Exec { req, .. } => Msg::Reply {
                                token: req.token,
                                seq: req.seq,
                                part: req.part,
                                data: b"$-1\r\n".to_vec(),
                            },
                            other => other,
                        })
                        .collect();
                    mesh.push(0, replies);
                });
                if idle {
                    std::hint::spin_loop();
                }
            }
        });

        let key = b"key:000000000042".as_slice();
        let slot = key_hash_slot(key);
        let mut seq = 0u64;
        for batch in [1usize, 32] {
            g.throughput(Throughput::Elements(batch as u64));
            let name = if batch == 1 { "single" } else { "batch_32" };
            g.bench_function(name, |b| {
                b.iter(|| {
                    let msgs: Vec<Msg> = (0..batch)
                        .map(|_| {
                            seq += 1;
                            Msg::Exec {
                                from: 0,
                                req: Req {
                                    token: Token { idx: 1, gen: 1 },
                                    seq,
                                    part: 0,
                                    proto: Proto::Resp2,
                                    slot,
                                    caller: 0,
                                    asking: false,
                                },
                                spec,
                                args: OwnedArgs::new(&[b"get", key]),
                            }
                        })
                        .collect();
                    mesh.push(1, msgs);
                    let mut got = 0;
                    while got < batch {
                        mesh.drain(0, |replies| got += replies.len());
                        if got < batch {
                            std::hint::spin_loop();
                        }
                    }
                    got
                })
            });
        }
    });
    g.finish();
}

struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = resp_parse, reply_encode, slot_hash, command_lookup, keyspace, mesh_round_trip
}
criterion_main!(benches);
