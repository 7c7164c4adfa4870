//! A mixed cluster: one stock redis-server node and two nodes of the default kind (slotcore;
//! redis-server with `SLOTCORE_CLUSTER_NODE=redis`). They must handshake in both directions,
//! agree on slot ownership, route keys between each other's clients with MOVED, and detect
//! each other's death. Needs redis-server on PATH (installed by `.ci/run`).

mod common;

use common::cluster::{
    add_slots_range, crate_client, default_kind, meet, thirds_owner, wait_converged,
    wait_flagged_fail, wait_state, wait_state_ok, MovedClient, Node, NODE_TIMEOUT_MS, THIRDS,
};
use common::{key_slot, show, Kind};
use std::time::Duration;

/// How long the survivors may take to flag a killed node `fail`: generous, since this file
/// checks that detection works across kinds; `tests/cluster.rs` checks how fast it is.
const FAIL_DEADLINE: Duration = Duration::from_millis(4 * NODE_TIMEOUT_MS + 5000);

/// `[d1, r, d2]`: `d1` (default kind) meets the redis-server node `r`, `r` meets `d2`
/// (default kind) so `d1` and `d2` only learn of each other through gossip; the thirds of
/// the slot space are assigned in that order.
fn mixed_cluster() -> Vec<Node> {
    let k = default_kind();
    let d1 = Node::start(k);
    let r = Node::start(Kind::Redis);
    let d2 = Node::start(k);
    meet(&d1, &r);
    meet(&r, &d2);
    let nodes = vec![d1, r, d2];
    let refs: Vec<&Node> = nodes.iter().collect();
    wait_converged(&refs);
    for (n, (a, b)) in nodes.iter().zip(THIRDS) {
        add_slots_range(n, a, b);
    }
    wait_converged(&refs);
    wait_state_ok(&refs);
    nodes
}

/// 1000 keys written by a client that follows MOVED from whichever node it starts on, read
/// back through the `redis` crate's ClusterClient; each node holds exactly its slots' keys.
/// Then the redis-server node is killed and both others flag it `fail`.
fn mixed_cluster_routes_keys_and_detects_a_dead_redis_node() {
    const N: usize = 1000;
    let mut nodes = mixed_cluster();
    let ports: Vec<u16> = nodes.iter().map(|n| n.port).collect();

    let mut moved = MovedClient::default();
    for i in 0..N {
        let key = format!("mixed:{i}");
        let r = moved.cmd(ports[i % 3], &["SET", &key, &format!("v{i}")]);
        assert_eq!(show(&r), "+OK\\r\\n", "SET {key}");
    }
    assert!(
        moved.redirects > N / 2,
        "only {} MOVED followed",
        moved.redirects
    );

    let refs: Vec<&Node> = nodes.iter().collect();
    let mut con = crate_client(&refs);
    for i in 0..N {
        let v: Option<String> = redis::cmd("GET")
            .arg(format!("mixed:{i}"))
            .query(&mut con)
            .unwrap_or_else(|e| panic!("crate GET mixed:{i}: {e}"));
        assert_eq!(v, Some(format!("v{i}")), "mixed:{i}");
    }
    drop(con);

    let mut want = [0i64; 3];
    for i in 0..N {
        let owner = thirds_owner(&nodes, key_slot(format!("mixed:{i}").as_bytes()));
        want[ports.iter().position(|&p| p == owner.port).unwrap()] += 1;
    }
    let sizes: Vec<i64> = nodes.iter().map(Node::dbsize).collect();
    assert_eq!(sizes, want, "DBSIZE per node [d1, redis, d2]");
    assert!(sizes.iter().all(|&s| s > 0), "{sizes:?}");

    let redis_id = nodes[1].myid();
    let killed_at = nodes[1].kill9();
    let survivors = [&nodes[0], &nodes[2]];
    let took = wait_flagged_fail(&survivors, &redis_id, killed_at, FAIL_DEADLINE);
    println!("redis-server node flagged fail by [d1, d2] after {took:?}");
    wait_state(&survivors, "fail");
}

/// The redis-server node (and the other default-kind node) flag a killed default-kind
/// node `fail`.
fn redis_node_detects_a_dead_default_kind_node() {
    let mut nodes = mixed_cluster();
    let d1_id = nodes[0].myid();
    let killed_at = nodes[0].kill9();
    let observers = [&nodes[1], &nodes[2]];
    let took = wait_flagged_fail(&observers, &d1_id, killed_at, FAIL_DEADLINE);
    println!("default-kind node flagged fail by [redis, d2] after {took:?}");
    wait_state(&observers, "fail");
}

// Every test runs twice: slotcore processes with 1 and with 2 shard-nodes each.
per_process_shards!(
    mixed_cluster_routes_keys_and_detects_a_dead_redis_node,
    redis_node_detects_a_dead_default_kind_node,
);
