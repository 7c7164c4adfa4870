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
//! Module map (doors point one way): `resp` and `slot` are leaves; `store` uses `slot`;
//! `command` uses `store`, `resp`, `slot`, `config`, `shared`; `conn` holds one client's
//! buffers and reply order; `shard` runs the loop and routes; `server` starts it all.

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

pub mod alloc;
pub mod cluster;
pub mod command;
pub mod config;
pub mod conn;
pub mod resp;
pub mod server;
pub mod shard;
pub mod shared;
pub mod slot;
pub mod store;
