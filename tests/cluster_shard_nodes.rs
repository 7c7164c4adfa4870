//! Shard-nodes: a slotcore process started with `--shards k` in cluster mode is k cluster
//! nodes (ports P..P+k, bus ports P+10000.., one node id, nodes file and keyspace each).
//! Three such processes form a six-node cluster with `redis-cli --cluster create`; keys go
//! straight to the shard that owns them (no request forwarded between cores), a sibling's
//! slot answers MOVED to the sibling's port, killing a process fails all of its nodes, and
//! restarting it from its nodes files brings the cluster back. (Three processes, not two:
//! FAIL needs a majority of the masters, and a dead process of two takes half of four.) A stock redis-server node
//! mixes with a two-shard process.

mod common;

use common::cluster::{
    crate_client, redis_cli, redis_cli_c_stdin, wait_converged, wait_flagged_fail, wait_state_ok,
    Node, NODE_TIMEOUT_MS,
};
use common::{key_slot, show, wait_until, Kind, Val};
use std::time::Duration;

/// Slack over `2 × node_timeout` for FAIL to be agreed (as tests/cluster.rs allows).
const FAIL_DETECTION_ALLOWANCE_MS: u64 = 1500;

fn addrs(nodes: &[&Node]) -> Vec<String> {
    nodes
        .iter()
        .map(|n| format!("127.0.0.1:{}", n.port))
        .collect()
}

fn cli_ok(args: &[&str], must_contain: &[&str]) -> String {
    let out = redis_cli(args);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "redis-cli {args:?} exited {:?}:\n{text}",
        out.status
    );
    for m in must_contain {
        assert!(text.contains(m), "redis-cli {args:?}: no {m:?} in\n{text}");
    }
    text
}

fn create_cluster(nodes: &[&Node]) {
    let a = addrs(nodes);
    let mut args = vec!["--cluster", "create"];
    args.extend(a.iter().map(String::as_str));
    args.extend(["--cluster-replicas", "0", "--cluster-yes"]);
    cli_ok(&args, &["[OK] All 16384 slots covered."]);
    wait_converged(nodes);
    wait_state_ok(nodes);
    cli_ok(
        &["--cluster", "check", &a[0]],
        &[
            "[OK] All nodes agree about slots configuration.",
            "[OK] All 16384 slots covered.",
        ],
    );
}

/// Index into `nodes` of the owner of every slot, from each node's own `myself` line.
fn owners(nodes: &[&Node]) -> Vec<usize> {
    let mut owner = vec![usize::MAX; 16384];
    for (i, n) in nodes.iter().enumerate() {
        for r in n.myself().slot_ranges() {
            let (a, b) = match r.split_once('-') {
                Some((a, b)) => (a.parse::<usize>().unwrap(), b.parse::<usize>().unwrap()),
                None => (r.parse().unwrap(), r.parse().unwrap()),
            };
            for (s, o) in owner.iter_mut().enumerate().take(b + 1).skip(a) {
                assert_eq!(*o, usize::MAX, "slot {s} claimed twice");
                *o = i;
            }
        }
    }
    assert!(owner.iter().all(|&o| o != usize::MAX), "slots uncovered");
    owner
}

fn info_field(n: &Node, section: &str, field: &str) -> String {
    let text = n.v(&["INFO", section]).bulk_str();
    common::cluster::info_field(&text, field)
        .unwrap_or_else(|| panic!("no {field} in INFO {section} on {}:\n{text}", n.port))
        .to_owned()
}

/// A key whose slot `owner` maps to node `want`.
fn key_owned_by(owner: &[usize], want: usize) -> String {
    (0..)
        .map(|i| format!("probe:{i}"))
        .find(|k| owner[key_slot(k.as_bytes()) as usize] == want)
        .unwrap()
}

/// Every key of a full SCAN iteration on one node.
fn scan_all(n: &Node) -> Vec<String> {
    let mut c = n.client();
    let mut cursor = "0".to_string();
    let mut keys = Vec::new();
    loop {
        let v = c.v(&["SCAN", &cursor, "COUNT", "500"]);
        let items = v.items();
        cursor = items[0].bulk_str();
        keys.extend(items[1].items().iter().map(Val::bulk_str));
        if cursor == "0" {
            return keys;
        }
    }
}

#[test]
fn processes_of_two_shard_nodes_form_one_cluster() {
    const N: usize = 10_000;
    let a = Node::start_process(Kind::Slotcore, 2);
    let c = Node::start_process(Kind::Slotcore, 2);
    let b = Node::start_process(Kind::Slotcore, 2);
    let nodes: Vec<&Node> = a.iter().chain(c.iter()).chain(b.iter()).collect();

    // Four distinct nodes, each on its own port with its own nodes file.
    let ids: Vec<String> = nodes.iter().map(|n| n.myid()).collect();
    for (i, id) in ids.iter().enumerate() {
        assert!(!ids[..i].contains(id), "node ids repeat: {ids:?}");
    }
    for n in &nodes {
        assert_eq!(info_field(n, "server", "tcp_port"), n.port.to_string());
        assert!(
            n.nodes_conf_path().is_file(),
            "{} missing",
            n.nodes_conf_path().display()
        );
    }

    create_cluster(&nodes);
    let owner = owners(&nodes);
    for i in 0..6 {
        assert!(owner.iter().filter(|&&o| o == i).count() > 2500, "{i}");
    }
    let lines = nodes[0].nodes();
    let mut ports: Vec<u16> = lines.iter().map(|l| l.port).collect();
    ports.sort();
    let mut want_ports: Vec<u16> = nodes.iter().map(|n| n.port).collect();
    want_ports.sort();
    assert_eq!(ports, want_ports);

    // Half the keys through redis-cli -c, half through the redis crate's cluster client.
    let input: String = (0..N / 2)
        .map(|i| format!("SET key:{i} val-{i}\n"))
        .collect();
    let out = redis_cli_c_stdin(nodes[0].port, input);
    let oks = out.lines().filter(|l| *l == "OK").count();
    assert_eq!(oks, N / 2, "redis-cli -c output:\n{out}");
    let mut con = crate_client(&nodes);
    for i in N / 2..N {
        let () = redis::cmd("SET")
            .arg(format!("key:{i}"))
            .arg(format!("val-{i}"))
            .query(&mut con)
            .unwrap_or_else(|e| panic!("crate SET key:{i}: {e}"));
    }
    for i in (0..N).step_by(7) {
        let v: Option<String> = redis::cmd("GET")
            .arg(format!("key:{i}"))
            .query(&mut con)
            .unwrap_or_else(|e| panic!("crate GET key:{i}: {e}"));
        assert_eq!(v, Some(format!("val-{i}")), "key:{i}");
    }

    // Each shard port describes its own node only: DBSIZE, KEYS, SCAN, INFO keyspace.
    let mut want = [0i64; 6];
    for i in 0..N {
        want[owner[key_slot(format!("key:{i}").as_bytes()) as usize]] += 1;
    }
    let sizes: Vec<i64> = nodes.iter().map(|n| n.dbsize()).collect();
    assert_eq!(sizes, want, "DBSIZE per shard port");
    for (i, n) in nodes.iter().enumerate() {
        let keys = n.v(&["KEYS", "key:*"]).items().len() as i64;
        assert_eq!(keys, want[i], "KEYS on {}", n.port);
        let scanned = scan_all(n);
        assert_eq!(scanned.len() as i64, want[i], "SCAN on {}", n.port);
        assert!(scanned
            .iter()
            .all(|k| owner[key_slot(k.as_bytes()) as usize] == i));
        assert_eq!(
            info_field(n, "keyspace", "db0"),
            format!("keys={},expires=0,avg_ttl=0", want[i])
        );
        // No request crossed cores: every key came to the shard that owns it.
        assert_eq!(info_field(n, "stats", "slotcore_forwarded_requests"), "0");
    }

    // A key of the sibling's slot: MOVED to the sibling's port, from both sides.
    for (from, to) in [(0, 1), (1, 0), (4, 5), (3, 2)] {
        let key = key_owned_by(&owner, to);
        let slot = key_slot(key.as_bytes());
        assert_eq!(
            show(&nodes[from].q(&["GET", &key])),
            show(format!("-MOVED {slot} 127.0.0.1:{}\r\n", nodes[to].port).as_bytes()),
            "GET {key} on {}",
            nodes[from].port
        );
    }

    // FLUSHALL on one shard port empties that node only.
    assert_eq!(nodes[1].q(&["FLUSHALL"]), b"+OK\r\n");
    assert_eq!(nodes[1].dbsize(), 0);
    assert_eq!(nodes[0].dbsize(), want[0]);

    // kill -9 process B: both of its nodes are flagged FAIL by the other processes' nodes.
    let (b_ids, b_ports): (Vec<String>, Vec<u16>) = (ids[4..].to_vec(), vec![b[0].port, b[1].port]);
    drop(nodes);
    let mut b = b;
    let killed_at = b[0].kill9();
    let observers: Vec<&Node> = a.iter().chain(c.iter()).collect();
    let bound = Duration::from_millis(2 * NODE_TIMEOUT_MS + FAIL_DETECTION_ALLOWANCE_MS);
    for id in &b_ids {
        let took = wait_flagged_fail(&observers, id, killed_at, bound + Duration::from_secs(10));
        for t in &took {
            assert!(
                *t <= bound,
                "{id} flagged fail after {t:?}, bound {bound:?}"
            );
        }
    }
    assert!(wait_until(Duration::from_secs(20), || {
        observers
            .iter()
            .all(|n| n.try_cluster_info("cluster_state").as_deref() == Ok("fail"))
    }));

    // Restart B from its nodes files: same ids, same ports, cluster back to ok.
    b[0].restart();
    let nodes: Vec<&Node> = a.iter().chain(c.iter()).chain(b.iter()).collect();
    assert_eq!(vec![nodes[4].port, nodes[5].port], b_ports);
    assert_eq!(nodes[4].myid(), b_ids[0]);
    assert_eq!(nodes[5].myid(), b_ids[1]);
    wait_state_ok(&nodes);
    wait_converged(&nodes);
}

/// A stock redis-server and a slotcore process with two shard-nodes form one cluster.
#[test]
fn mixed_with_a_stock_redis_server() {
    let r = Node::start(Kind::Redis);
    let s = Node::start_process(Kind::Slotcore, 2);
    let nodes: Vec<&Node> = std::iter::once(&r).chain(s.iter()).collect();
    create_cluster(&nodes);
    let owner = owners(&nodes);

    let mut con = crate_client(&nodes);
    for i in 0..3000 {
        let () = redis::cmd("SET")
            .arg(format!("m:{i}"))
            .arg(i)
            .query(&mut con)
            .unwrap();
    }
    let mut want = [0i64; 3];
    for i in 0..3000 {
        want[owner[key_slot(format!("m:{i}").as_bytes()) as usize]] += 1;
    }
    let sizes: Vec<i64> = nodes.iter().map(|n| n.dbsize()).collect();
    assert_eq!(sizes, want);

    // Redis redirects to a slotcore shard-node, and a shard-node to redis.
    for (from, to) in [(0, 2), (1, 0), (2, 1)] {
        let key = key_owned_by(&owner, to);
        let slot = key_slot(key.as_bytes());
        assert_eq!(
            show(&nodes[from].q(&["GET", &key])),
            show(format!("-MOVED {slot} 127.0.0.1:{}\r\n", nodes[to].port).as_bytes()),
        );
    }
}

/// `cluster-announce-port` / `-bus-port` are shard-node 0's; shard-node i announces them
/// plus i (its real ports are P+i and C+i): in its own `myself` line and to its peers.
#[test]
fn announced_ports_are_per_shard_node() {
    let a = Node::start_process_args(
        Kind::Slotcore,
        2,
        &[
            "--cluster-announce-port",
            "31000",
            "--cluster-announce-bus-port",
            "32000",
        ],
    );
    for (i, n) in a.iter().enumerate() {
        let me = n.myself();
        assert_eq!(
            (me.port, me.cport),
            (31000 + i as u16, 32000 + i as u16),
            "{me:?}"
        );
    }
    // A peer learns the announced ports of both shard-nodes from the bus header.
    let b = Node::start(Kind::Slotcore);
    for n in &a {
        common::cluster::meet(&b, n);
    }
    let ids: Vec<String> = a.iter().map(|n| n.myid()).collect();
    assert!(
        wait_until(Duration::from_secs(20), || {
            b.try_nodes().is_ok_and(|lines| {
                ids.iter().enumerate().all(|(i, id)| {
                    lines.iter().any(|l| {
                        &l.id == id && l.port == 31000 + i as u16 && l.cport == 32000 + i as u16
                    })
                })
            })
        }),
        "{:#?}",
        b.nodes()
    );
}
