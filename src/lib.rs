//! slotcore: a Redis Cluster–compatible key-value server, shard-per-core.
//!
//! ```text
//!                 clients (redis-cli, redis-py, redis-benchmark, ...)
//!                        │  port P (SO_REUSEPORT: every shard accepts)
//!      ┌─────────────────┼───────────────────────────────┐
//!      │ shard 0         │ shard 1          … shard N-1  │
//!      │ io_uring loop   │ io_uring loop                 │
//!      │ conns, RESP     │ conns, RESP                   │
//!      │ keyspace of its │ keyspace of its slots         │
//!      │ slots, expiry   │                               │
//!      └───────┬─────────┴──────────┬────────────────────┘
//!              │   shard↔shard messages (batched, MSG_RING wake-ups)
//!              └──── reads ─────────┴──▶ SlotTable (16384 atomics)
//! ```
//!
//! In cluster mode each shard is a cluster node on its own port (P+i), and one more
//! thread, the bus core (`cluster::net`), speaks the cluster bus for all of them.
//!
//! Module map (doors point one way): `resp`, `slot` and `req` are leaves; `store` uses
//! `slot`; `command` uses `store`, `resp`, `slot`, `config`, `shared` (and through it
//! `cluster`'s shard-facing handles); `mesh` carries messages between shards and from
//! the bus core; `conn` holds one client's buffers and reply order; `shard` runs the
//! loop, routes and executes; `server` starts it all. Nothing imports `shard`, `conn`
//! or `server` but the layers above them.

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

pub mod alloc;
pub mod cluster;
pub mod command;
pub mod config;
pub mod conn;
pub mod mesh;
pub mod req;
pub mod resp;
pub mod server;
pub mod shard;
pub mod shared;
pub mod slot;
pub mod store;
