//! The Redis 7 cluster bus: the wire format (`wire`) and nodes.conf (`nodes_conf`).
//! The gossip, failure detection and elections that drive them run on the bus core
//! (a glommio executor) and are not written yet.

pub mod nodes_conf;
pub mod wire;
