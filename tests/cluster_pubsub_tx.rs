//! Cluster mode: PUBLISH across nodes through the bus, shard channels routed by slot and
//! kept within the owning shard's master and replicas, MULTI/EXEC in one slot.
//! Runs against slotcore nodes by default; `SLOTCORE_CLUSTER_NODE=redis` runs the same
//! assertions against stock redis-server nodes (that is how the expectations were checked).

mod common;

use common::cluster::{default_kind, three_masters, wait_converged, Node, THIRDS};
use common::{key_slot, parse, wait_until, Client, Val};
use std::time::Duration;

fn subscriber(node: &Node, cmd: &str, channel: &str) -> Client {
    let mut c = node.client();
    c.set_timeout(Duration::from_secs(5));
    let r = c.q(&[cmd, channel]);
    let v = parse(&r).expect("subscribe reply");
    assert_eq!(
        v.items()[0].bulk_str(),
        cmd.to_ascii_lowercase(),
        "{}",
        common::show(&r)
    );
    c
}

/// The next push on a subscribed connection: (kind, channel, payload).
fn next_message(c: &mut Client) -> (String, String, String) {
    let r = c.read_reply();
    let v = parse(&r).expect("message");
    let it = v.items();
    (it[0].bulk_str(), it[1].bulk_str(), it[2].bulk_str())
}

/// A key whose slot is in start..=end.
fn key_for_slot_range(start: u16, end: u16) -> String {
    (0..)
        .map(|i| format!("k{i}"))
        .find(|k| (start..=end).contains(&key_slot(k.as_bytes())))
        .unwrap()
}

fn int(v: &[u8]) -> i64 {
    match parse(v) {
        Some(Val::Int(n)) => n,
        _ => panic!("not an integer reply: {}", common::show(v)),
    }
}

fn publish_reaches_subscribers_on_every_node() {
    let kind = default_kind();
    let nodes = three_masters([kind, kind, kind]);
    let mut subs: Vec<Client> = nodes
        .iter()
        .map(|n| subscriber(n, "SUBSCRIBE", "news"))
        .collect();
    // A second subscriber on node 0 (possibly on its other shard).
    subs.push(subscriber(&nodes[0], "SUBSCRIBE", "news"));
    // The reply counts this node's receivers only, as Redis does.
    let n = int(&nodes[1].q(&["PUBLISH", "news", "hello"]));
    assert_eq!(n, 1, "PUBLISH counts local receivers");
    for s in &mut subs {
        assert_eq!(
            next_message(s),
            ("message".into(), "news".into(), "hello".into())
        );
    }
    let n = int(&nodes[0].q(&["PUBLISH", "news", "again"]));
    assert_eq!(n, 2);
    for s in &mut subs {
        assert_eq!(next_message(s).2, "again");
    }
}

fn shard_channels_route_by_slot_and_stay_in_the_shard() {
    let kind = default_kind();
    let mut nodes = three_masters([kind, kind, kind]);
    // `foo` hashes to 12182: the third node's.
    let owner = &nodes[2];
    let other = &nodes[0];
    assert_eq!(
        other.q(&["SSUBSCRIBE", "foo"]),
        format!("-MOVED 12182 127.0.0.1:{}\r\n", owner.port).into_bytes()
    );
    assert_eq!(
        other.q(&["SPUBLISH", "foo", "x"]),
        format!("-MOVED 12182 127.0.0.1:{}\r\n", owner.port).into_bytes()
    );
    // A replica of the owner may hold shard-channel subscribers and gets the messages.
    let replica = Node::start(kind);
    assert_eq!(
        replica.q(&["CLUSTER", "MEET", "127.0.0.1", &owner.port.to_string()]),
        b"+OK\r\n".to_vec()
    );
    {
        let mut all: Vec<&Node> = nodes.iter().collect();
        all.push(&replica);
        wait_converged(&all);
    }
    let owner_id = owner.myid();
    assert_eq!(
        replica.q(&["CLUSTER", "REPLICATE", &owner_id]),
        b"+OK\r\n".to_vec()
    );
    // The owner must know its replica (it sends PUBLISHSHARD to the nodes of its shard).
    assert!(
        wait_until(Duration::from_secs(20), || {
            owner
                .try_nodes()
                .map(|ls| {
                    ls.iter()
                        .any(|l| l.has_flag("slave") && l.master == owner_id)
                })
                .unwrap_or(false)
        }),
        "the owner never saw the replica as its replica"
    );
    let mut on_owner = subscriber(owner, "SSUBSCRIBE", "foo");
    let mut on_owner2 = subscriber(owner, "SSUBSCRIBE", "foo");
    let mut on_replica = subscriber(&replica, "SSUBSCRIBE", "foo");
    let n = int(&owner.q(&["SPUBLISH", "foo", "x"]));
    assert_eq!(n, 2, "SPUBLISH counts the owner's receivers");
    for s in [&mut on_owner, &mut on_owner2, &mut on_replica] {
        assert_eq!(
            next_message(s),
            ("smessage".into(), "foo".into(), "x".into())
        );
    }
    // PUBLISH on a plain channel does not reach shard-channel subscribers.
    let _ = nodes[1].q(&["PUBLISH", "foo", "plain"]);
    assert_eq!(int(&owner.q(&["SPUBLISH", "foo", "y"])), 2);
    assert_eq!(next_message(&mut on_replica).2, "y");
    nodes.push(replica);
}

fn transactions_need_one_slot() {
    let kind = default_kind();
    let nodes = three_masters([kind, kind, kind]);
    let a = &nodes[0];
    let mut c = a.client();
    // hello (866) and {user1000}.x (3443) are both the first node's, in different slots.
    assert_eq!(c.q(&["MULTI"]), b"+OK\r\n".to_vec());
    assert_eq!(c.q(&["SET", "hello", "1"]), b"+QUEUED\r\n".to_vec());
    assert_eq!(c.q(&["SET", "{user1000}.x", "1"]), b"+QUEUED\r\n".to_vec());
    assert_eq!(
        c.q(&["EXEC"]),
        b"-CROSSSLOT Keys in request don't hash to the same slot\r\n".to_vec()
    );
    assert_eq!(c.q(&["EXISTS", "hello"]), b":0\r\n".to_vec());
    // A key of another node is refused while queueing, and EXEC aborts.
    assert_eq!(c.q(&["MULTI"]), b"+OK\r\n".to_vec());
    let foreign = key_for_slot_range(THIRDS[1].0, THIRDS[1].1);
    let moved = c.q(&["SET", &foreign, "1"]);
    assert!(moved.starts_with(b"-MOVED "), "{}", common::show(&moved));
    assert_eq!(
        c.q(&["EXEC"]),
        b"-EXECABORT Transaction discarded because of previous errors.\r\n".to_vec()
    );
    // One slot: atomic and served.
    assert_eq!(c.q(&["MULTI"]), b"+OK\r\n".to_vec());
    assert_eq!(c.q(&["SET", "{user1000}.a", "1"]), b"+QUEUED\r\n".to_vec());
    assert_eq!(c.q(&["INCR", "{user1000}.b"]), b"+QUEUED\r\n".to_vec());
    assert_eq!(c.q(&["EXEC"]), b"*2\r\n+OK\r\n:1\r\n".to_vec());
    // A transaction of CLUSTER subcommands (what redis-cli --cluster fix sends).
    assert_eq!(c.q(&["MULTI"]), b"+OK\r\n".to_vec());
    assert_eq!(c.q(&["CLUSTER", "DELSLOTS", "1"]), b"+QUEUED\r\n".to_vec());
    assert_eq!(c.q(&["CLUSTER", "ADDSLOTS", "1"]), b"+QUEUED\r\n".to_vec());
    assert_eq!(
        c.q(&["CLUSTER", "COUNTKEYSINSLOT", "1"]),
        b"+QUEUED\r\n".to_vec()
    );
    assert_eq!(c.q(&["EXEC"]), b"*3\r\n+OK\r\n+OK\r\n:0\r\n".to_vec());
}

// Every test runs twice: slotcore processes with 1 and with 2 shard-nodes each.
per_process_shards!(
    publish_reaches_subscribers_on_every_node,
    shard_channels_route_by_slot_and_stay_in_the_shard,
    transactions_need_one_slot,
);
