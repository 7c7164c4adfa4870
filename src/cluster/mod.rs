//! Cluster mode. `api` (what commands may call) and `state` (nodes, epochs, the
//! published view) come next; `bus` is the Redis 7 cluster bus that runs on the bus
//! core. The bus never touches a shard's keyspace: keys move by messages.

pub mod bus;
