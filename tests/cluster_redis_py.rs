//! redis-py's RedisCluster (Debian's python3-redis, installed by .ci/run) against a
//! three-master cluster: startup through CLUSTER SLOTS and COMMAND, MOVED-driven writes
//! and reads, pipelines, hash-tagged hashes, non-atomic MSET/MGET over slots, pub/sub.
//! `SLOTCORE_CLUSTER_NODE=redis` runs it against stock redis-server nodes.

mod common;

use common::cluster::{
    add_slots_range, default_kind, meet_all, three_masters, wait_converged, wait_state_ok, Node,
};
use common::Kind;
use std::process::Command;

const SCRIPT: &str = r#"
import sys
from redis.cluster import RedisCluster
port = int(sys.argv[1])
rc = RedisCluster(host='127.0.0.1', port=port)
print('nodes', len(rc.get_nodes()))
for i in range(3000):
    rc.set('k%d' % i, i)
print('read', sum(1 for i in range(3000) if int(rc.get('k%d' % i)) == i))
n = rc.dbsize(target_nodes=RedisCluster.ALL_NODES)
print('dbsize', sum(n.values()) if isinstance(n, dict) else n)
rc.mset_nonatomic({'a': 1, 'b': 2, 'c': 3})
print('mget', [int(x) for x in rc.mget_nonatomic(['a', 'b', 'c'])])
p = rc.pipeline()
for i in range(70):
    p.incr('ctr%d' % (i % 7))
print('pipeline', sum(int(x) for x in p.execute()[-7:]))
rc.hset('h{x}', mapping={'f': 'v'})
print('hash', rc.hgetall('h{x}'))
ps = rc.pubsub()
ps.subscribe('chan')
ps.get_message(timeout=2)
rc.publish('chan', 'hi')
m = ps.get_message(timeout=5)
print('message', m['data'] if m else None)
"#;

/// A python3 that has the redis module (Debian's first, then whatever is on PATH).
fn python() -> String {
    for p in ["/usr/bin/python3", "python3"] {
        let ok = Command::new(p)
            .args(["-c", "import redis.cluster"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return p.to_string();
        }
    }
    panic!("no python3 with redis-py (apt-get install -y python3-redis; .ci/run does); refusing to skip");
}

/// Run the script against the cluster through `port`; it must see `nodes` masters.
fn run_script(port: u16, nodes: usize) {
    let out = Command::new(python())
        .args(["-c", SCRIPT, &port.to_string()])
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "redis-py failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = [
        format!("nodes {nodes}"),
        "read 3000".into(),
        "dbsize 3000".into(),
        "mget [1, 2, 3]".into(),
        "pipeline 70".into(),
        "hash {b'f': b'v'}".into(),
        "message b'hi'".into(),
    ];
    let got: Vec<&str> = stdout.lines().collect();
    assert_eq!(got, want, "{stdout}");
}

fn redis_py_cluster_client_routes_by_slots() {
    let k = default_kind();
    let nodes = three_masters([k, k, k]);
    run_script(nodes[1].port, 3);
}

/// The same script against two slotcore processes of two shard-nodes each (four nodes,
/// slots in quarters): redis-py connects to every shard port and routes each key there.
#[test]
fn redis_py_against_shard_nodes() {
    let a = Node::start_process(Kind::Slotcore, 2);
    let b = Node::start_process(Kind::Slotcore, 2);
    let nodes: Vec<&Node> = a.iter().chain(b.iter()).collect();
    meet_all(&nodes);
    wait_converged(&nodes);
    for (i, n) in nodes.iter().enumerate() {
        add_slots_range(n, (i * 4096) as u16, (i * 4096 + 4095) as u16);
    }
    wait_converged(&nodes);
    wait_state_ok(&nodes);
    run_script(nodes[3].port, 4);
}

// Every test runs twice: slotcore processes with 1 and with 2 shard-nodes each.
per_process_shards!(redis_py_cluster_client_routes_by_slots,);
