//! Cluster mode end to end: clusters of real node processes formed with CLUSTER MEET and
//! ADDSLOTSRANGE or with `redis-cli --cluster create`, then checked through the wire
//! replies (CLUSTER NODES/SLOTS/SHARDS/INFO), redirections (MOVED, ASK, TRYAGAIN,
//! CROSSSLOT), real cluster clients (`redis-cli -c`, the `redis` crate's ClusterClient) and
//! failure detection after a SIGKILL.
//!
//! Nodes are slotcore by default; `SLOTCORE_CLUSTER_NODE=redis` runs every node as a stock
//! redis-server, which is how these tests are validated (see `common::cluster`).
//! Needs redis-server and redis-cli on PATH (installed by `.ci/run`).

mod common;

use common::cluster::{
    add_slots_range, crate_client, default_kind, info_field, is_node_id, redis_cli,
    redis_cli_c_stdin, slots_reply, thirds_owner, three_masters, views, wait_converged,
    wait_flagged_fail, wait_state, wait_state_ok, Node, NodeLine, NODE_TIMEOUT_MS, THIRDS,
};
use common::{key_slot, show, wait_until, Val};
use std::time::Duration;

/// Slack on top of `2 × cluster-node-timeout` for a killed master to be flagged FAIL by
/// every survivor. Redis sets PFAIL once a ping has been pending for `node_timeout` (the
/// reconnect attempt in the next 100 ms cron tick counts as the ping), then needs a
/// failure report from the other master while it has PFAIL itself; reports ride on the
/// PINGs/PONGs the survivors exchange about every `node_timeout / 2`, so a report that
/// arrives just before the receiver's own PFAIL costs one more round. Measured against
/// redis-server 7.0.15 with a 2000 ms timeout: 2.85–4.02 s over 20 runs, in steps of about
/// one second (2.9 s or 3.9 s). The slack admits one more late round plus polling (20 ms)
/// and a loaded machine.
const FAIL_DETECTION_ALLOWANCE_MS: u64 = 1500;

fn bulk(s: &str) -> Val {
    Val::Bulk(s.as_bytes().to_vec())
}

fn all(nodes: &[Node]) -> Vec<&Node> {
    nodes.iter().collect()
}

/// Three masters formed by hand: CLUSTER INFO/NODES/SLOTS/SHARDS shapes, MOVED and
/// CROSSSLOT bytes, keyless commands served locally, KEYSLOT/COUNTKEYSINSLOT/GETKEYSINSLOT.
fn three_masters_replies_and_redirections() {
    let k = default_kind();
    let nodes = three_masters([k, k, k]);
    let ids: Vec<String> = nodes.iter().map(Node::myid).collect();

    for n in &nodes {
        let text = n.v(&["CLUSTER", "INFO"]).bulk_str();
        let names: Vec<&str> = text
            .split("\r\n")
            .take(9)
            .map(|l| l.split(':').next().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "cluster_state",
                "cluster_slots_assigned",
                "cluster_slots_ok",
                "cluster_slots_pfail",
                "cluster_slots_fail",
                "cluster_known_nodes",
                "cluster_size",
                "cluster_current_epoch",
                "cluster_my_epoch"
            ],
            "CLUSTER INFO field order on {}:\n{text}",
            n.port
        );
        for (field, want) in [
            ("cluster_state", "ok"),
            ("cluster_slots_assigned", "16384"),
            ("cluster_slots_ok", "16384"),
            ("cluster_slots_pfail", "0"),
            ("cluster_slots_fail", "0"),
            ("cluster_known_nodes", "3"),
            ("cluster_size", "3"),
        ] {
            assert_eq!(
                info_field(&text, field),
                Some(want),
                "{field} on {}:\n{text}",
                n.port
            );
        }
        assert!(
            text.ends_with("\r\n"),
            "CLUSTER INFO ends with CRLF: {text:?}"
        );
    }

    // CLUSTER NODES: every node sees the same three masters, each with its third.
    for n in &nodes {
        let lines = n.nodes();
        assert_eq!(lines.len(), 3, "{}: {lines:#?}", n.port);
        for (i, m) in nodes.iter().enumerate() {
            let l = lines
                .iter()
                .find(|l| l.id == ids[i])
                .unwrap_or_else(|| panic!("{} does not list {}", n.port, ids[i]));
            let flags = if m.port == n.port {
                "myself,master"
            } else {
                "master"
            };
            assert_eq!(l.flags.join(","), flags, "{}: {l:?}", n.port);
            assert_eq!(
                l.addr,
                format!("127.0.0.1:{}@{}", m.port, m.port + 10000),
                "{}",
                n.port
            );
            assert_eq!(l.master, "-");
            assert_eq!(l.link, "connected", "{}: {l:?}", n.port);
            let (a, b) = THIRDS[i];
            assert_eq!(l.slots, [format!("{a}-{b}")], "{}: {l:?}", n.port);
        }
    }

    // CLUSTER SLOTS, byte for byte, on every node.
    let want = slots_reply(&[
        (0, 5460, nodes[0].port, &ids[0]),
        (5461, 10922, nodes[1].port, &ids[1]),
        (10923, 16383, nodes[2].port, &ids[2]),
    ]);
    for n in &nodes {
        let got = n.q(&["CLUSTER", "SLOTS"]);
        assert_eq!(show(&got), show(&want), "CLUSTER SLOTS on {}", n.port);
    }

    // CLUSTER SHARDS (RESP2): one shard per master, maps as flat arrays, fields in order.
    for n in &nodes {
        let reply = n.v(&["CLUSTER", "SHARDS"]);
        let mut shards: Vec<(Vec<i64>, Vec<Val>)> = reply
            .items()
            .iter()
            .map(|s| {
                let f = s.items();
                assert_eq!(f.len(), 4, "shard {s:?}");
                assert_eq!(f[0], bulk("slots"));
                assert_eq!(f[2], bulk("nodes"));
                let slots = f[1]
                    .items()
                    .iter()
                    .map(|x| match x {
                        Val::Int(i) => *i,
                        other => panic!("slot bound {other:?}"),
                    })
                    .collect();
                (slots, f[3].items().to_vec())
            })
            .collect();
        assert_eq!(shards.len(), 3, "CLUSTER SHARDS on {}: {reply:?}", n.port);
        shards.sort_by_key(|s| s.0.first().copied());
        for (i, (slots, members)) in shards.iter().enumerate() {
            let (a, b) = THIRDS[i];
            assert_eq!(slots, &[a as i64, b as i64]);
            assert_eq!(members.len(), 1, "{members:?}");
            let m = members[0].items();
            let keys: Vec<String> = m.iter().step_by(2).map(Val::bulk_str).collect();
            assert_eq!(
                keys,
                [
                    "id",
                    "port",
                    "ip",
                    "endpoint",
                    "role",
                    "replication-offset",
                    "health"
                ],
                "node map on {}: {m:?}",
                n.port
            );
            assert_eq!(m[1], bulk(&ids[i]));
            assert_eq!(m[3], Val::Int(nodes[i].port as i64));
            assert_eq!(m[5], bulk("127.0.0.1"));
            assert_eq!(m[7], bulk("127.0.0.1"));
            assert_eq!(m[9], bulk("master"));
            assert!(matches!(m[11], Val::Int(o) if o >= 0), "offset {:?}", m[11]);
            assert_eq!(m[13], bulk("online"));
        }
    }

    // MOVED: exactly as Redis words it, to the owner's client port.
    assert_eq!(key_slot(b"foo"), 12182);
    let owner = thirds_owner(&nodes, 12182);
    assert_eq!(owner.port, nodes[2].port);
    let moved = format!("-MOVED 12182 127.0.0.1:{}\r\n", owner.port);
    for n in &nodes[..2] {
        let mut c = n.client();
        assert_reply!(c, ["SET", "foo", "x"], moved);
        assert_reply!(c, ["GET", "foo"], moved);
        assert_reply!(c, ["MSET", "{foo}a", "1", "{foo}b", "2"], moved);
    }
    let mut c = nodes[2].client();
    assert_reply!(c, ["SET", "foo", "x"], b"+OK\r\n");
    assert_reply!(c, ["GET", "foo"], b"$1\r\nx\r\n");
    assert_reply!(c, ["MSET", "{foo}a", "1", "{foo}b", "2"], b"+OK\r\n");

    // CROSSSLOT wins on every node, whoever owns the first key.
    assert_ne!(key_slot(b"a"), key_slot(b"b"));
    for n in &nodes {
        let mut c = n.client();
        let crossslot = b"-CROSSSLOT Keys in request don't hash to the same slot\r\n";
        assert_reply!(c, ["MSET", "a", "1", "b", "2"], crossslot);
        assert_reply!(c, ["MGET", "foo", "bar"], crossslot);
    }

    // Keyless commands run locally, never redirected; DBSIZE counts this node's keys.
    for (n, keys) in nodes.iter().zip([0, 0, 3]) {
        let mut c = n.client();
        assert_reply!(c, ["PING"], b"+PONG\r\n");
        assert_reply!(c, ["DBSIZE"], format!(":{keys}\r\n"));
    }

    // KEYSLOT anywhere; COUNTKEYSINSLOT/GETKEYSINSLOT answer from the local keyspace on any
    // node (keyless, so never redirected).
    for n in &nodes {
        let mut c = n.client();
        assert_reply!(c, ["CLUSTER", "KEYSLOT", "foo"], b":12182\r\n");
        assert_reply!(
            c,
            ["CLUSTER", "KEYSLOT", "{user1000}.following"],
            b":3443\r\n"
        );
        assert_reply!(c, ["CLUSTER", "KEYSLOT", "foo{}{bar}"], b":8363\r\n");
        assert_reply!(
            c,
            ["CLUSTER", "COUNTKEYSINSLOT", "16384"],
            b"-ERR Invalid slot\r\n"
        );
        assert_reply!(
            c,
            ["CLUSTER", "GETKEYSINSLOT", "12182", "-1"],
            b"-ERR Invalid slot or number of keys\r\n"
        );
    }
    for n in &nodes[..2] {
        let mut c = n.client();
        assert_reply!(c, ["CLUSTER", "COUNTKEYSINSLOT", "12182"], b":0\r\n");
        assert_reply!(c, ["CLUSTER", "GETKEYSINSLOT", "12182", "10"], b"*0\r\n");
    }
    let mut c = nodes[2].client();
    assert_reply!(c, ["CLUSTER", "COUNTKEYSINSLOT", "12182"], b":3\r\n");
    assert_reply!(c, ["CLUSTER", "COUNTKEYSINSLOT", "5061"], b":0\r\n");
    let mut keys: Vec<String> = c
        .v(&["CLUSTER", "GETKEYSINSLOT", "12182", "10"])
        .items()
        .iter()
        .map(Val::bulk_str)
        .collect();
    keys.sort();
    assert_eq!(keys, ["foo", "{foo}a", "{foo}b"]);
    let two = c.v(&["CLUSTER", "GETKEYSINSLOT", "12182", "2"]);
    assert_eq!(two.items().len(), 2, "{two:?}");
    assert!(two.items().iter().all(|k| keys.contains(&k.bulk_str())));
    assert_reply!(c, ["CLUSTER", "GETKEYSINSLOT", "12182", "0"], b"*0\r\n");
}

/// Six empty nodes made into 3 masters + 3 replicas by `redis-cli --cluster create`, then
/// `redis-cli --cluster check`. Replica roles only: no data replication is checked.
fn redis_cli_cluster_create_and_check() {
    let k = default_kind();
    let nodes: Vec<Node> = (0..6).map(|_| Node::start(k)).collect();
    let addrs: Vec<String> = nodes
        .iter()
        .map(|n| format!("127.0.0.1:{}", n.port))
        .collect();
    let mut args = vec!["--cluster", "create"];
    args.extend(addrs.iter().map(String::as_str));
    args.extend(["--cluster-replicas", "1", "--cluster-yes"]);
    let out = redis_cli(&args);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "redis-cli --cluster create exited {:?}:\n{text}",
        out.status
    );
    assert!(
        text.contains("[OK] All 16384 slots covered."),
        "create output:\n{text}"
    );

    let out = redis_cli(&["--cluster", "check", &addrs[0]]);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "redis-cli --cluster check exited {:?}:\n{text}",
        out.status
    );
    assert!(
        text.contains("[OK] All nodes agree about slots configuration."),
        "check output:\n{text}"
    );
    assert!(
        text.contains("[OK] All 16384 slots covered."),
        "check output:\n{text}"
    );

    // Every node comes to see 3 masters owning the three thirds, 3 replicas, one per master.
    let refs = all(&nodes);
    let mut why = String::new();
    let ok = wait_until(Duration::from_secs(20), || {
        let problem = refs.iter().find_map(|n| {
            let e = n.try_nodes().and_then(|l| roles_ok(&l)).err()?;
            Some(format!("{}: {e}", n.port))
        });
        match problem {
            None => true,
            Some(e) => {
                why = e;
                false
            }
        }
    });
    assert!(ok, "roles not settled: {why}\n{}", views(&refs));

    // CLUSTER REPLICAS <master> lists exactly its replica's line (without `\n`).
    let lines = nodes[0].nodes();
    for m in lines.iter().filter(|l| l.has_flag("master")) {
        let r = nodes[0].v(&["CLUSTER", "REPLICAS", &m.id]);
        assert_eq!(r.items().len(), 1, "CLUSTER REPLICAS {}: {r:?}", m.id);
        let line = r.items()[0].bulk_str();
        let replica = lines.iter().find(|l| l.master == m.id).unwrap();
        assert!(
            line.starts_with(&format!("{} {} slave {} ", replica.id, replica.addr, m.id)),
            "CLUSTER REPLICAS {}: {line:?}",
            m.id
        );
        assert!(!line.ends_with('\n'), "{line:?}");
    }
}

/// One node's view after `--cluster create --cluster-replicas 1`.
fn roles_ok(lines: &[NodeLine]) -> Result<(), String> {
    if lines.len() != 6 {
        return Err(format!("{} nodes known", lines.len()));
    }
    let masters: Vec<&NodeLine> = lines.iter().filter(|l| l.has_flag("master")).collect();
    let replicas: Vec<&NodeLine> = lines.iter().filter(|l| l.has_flag("slave")).collect();
    if masters.len() != 3 || replicas.len() != 3 {
        return Err(format!(
            "{} masters, {} replicas",
            masters.len(),
            replicas.len()
        ));
    }
    let mut ranges: Vec<Vec<&str>> = masters.iter().map(|m| m.slot_ranges()).collect();
    ranges.sort_by_key(|r| {
        r.first()
            .and_then(|s| s.split('-').next()?.parse::<u16>().ok())
    });
    if ranges != [["0-5460"], ["5461-10922"], ["10923-16383"]] {
        return Err(format!("master slots {ranges:?}"));
    }
    if let Some(m) = masters.iter().find(|m| m.master != "-") {
        return Err(format!("master with a master field: {m:?}"));
    }
    for m in &masters {
        let n = replicas.iter().filter(|r| r.master == m.id).count();
        if n != 1 {
            return Err(format!("master {} has {n} replicas", m.id));
        }
    }
    if let Some(r) = replicas
        .iter()
        .find(|r| !r.slot_ranges().is_empty() || r.has_flag("master") || !is_node_id(&r.master))
    {
        return Err(format!("bad replica line {r:?}"));
    }
    Ok(())
}

/// 10 000 keys: half written through one `redis-cli -c` process (stdin, following MOVED),
/// half through the `redis` crate's ClusterClient; each half read back through the other
/// path; DBSIZE per node equals the number of keys whose slot it owns.
fn ten_thousand_keys_through_redis_cli_and_cluster_client() {
    const N: usize = 10_000;
    const HALF: usize = N / 2;
    let k = default_kind();
    let nodes = three_masters([k, k, k]);
    let refs = all(&nodes);

    // redis-cli -c writes keys 0..HALF, starting on node 0.
    let input: String = (0..HALF)
        .map(|i| format!("SET key:{i} val-{i}\n"))
        .collect();
    let out = redis_cli_c_stdin(nodes[0].port, input);
    let (redirects, replies) = split_cli_output(&nodes, &out);
    assert_eq!(replies.len(), HALF, "redis-cli output:\n{out}");
    assert!(
        replies.iter().all(|r| r == "OK"),
        "redis-cli output:\n{out}"
    );
    assert!(redirects > 1000, "only {redirects} redirects followed");

    // The crate writes HALF..N and reads 0..HALF.
    let mut con = crate_client(&refs);
    for i in HALF..N {
        let () = redis::cmd("SET")
            .arg(format!("key:{i}"))
            .arg(format!("val-{i}"))
            .query(&mut con)
            .unwrap_or_else(|e| panic!("crate SET key:{i}: {e}"));
    }
    for i in 0..HALF {
        let v: Option<String> = redis::cmd("GET")
            .arg(format!("key:{i}"))
            .query(&mut con)
            .unwrap_or_else(|e| panic!("crate GET key:{i}: {e}"));
        assert_eq!(v, Some(format!("val-{i}")), "key:{i}");
    }

    // redis-cli -c reads HALF..N, starting on node 1.
    let input: String = (HALF..N).map(|i| format!("GET key:{i}\n")).collect();
    let out = redis_cli_c_stdin(nodes[1].port, input);
    let (redirects, replies) = split_cli_output(&nodes, &out);
    let want: Vec<String> = (HALF..N).map(|i| format!("val-{i}")).collect();
    assert_eq!(replies, want);
    assert!(redirects > 1000, "only {redirects} redirects followed");

    let mut per_node = [0i64; 3];
    for i in 0..N {
        let slot = key_slot(format!("key:{i}").as_bytes());
        per_node[THIRDS
            .iter()
            .position(|&(a, b)| (a..=b).contains(&slot))
            .unwrap()] += 1;
    }
    let sizes: Vec<i64> = nodes.iter().map(Node::dbsize).collect();
    assert_eq!(sizes, per_node, "DBSIZE per node");
    assert_eq!(sizes.iter().sum::<i64>(), N as i64);
    assert!(sizes.iter().all(|&s| s > 3000), "{sizes:?}");
}

/// Split `redis-cli -c` output into the number of redirect notices (each checked to name
/// the owner of its slot) and the reply lines.
fn split_cli_output(nodes: &[Node], out: &str) -> (usize, Vec<String>) {
    let mut redirects = 0;
    let mut replies = Vec::new();
    for line in out.lines() {
        if let Some(rest) = line.strip_prefix("-> Redirected to slot [") {
            let (slot, ep) = rest
                .split_once("] located at ")
                .unwrap_or_else(|| panic!("redirect line {line:?}"));
            let slot: u16 = slot.parse().unwrap();
            let owner = thirds_owner(nodes, slot);
            assert_eq!(ep, format!("127.0.0.1:{}", owner.port), "{line:?}");
            redirects += 1;
        } else {
            replies.push(line.to_owned());
        }
    }
    (redirects, replies)
}

/// A slot half-way through a migration from A to B: ASK, TRYAGAIN, one-shot ASKING,
/// MOVED to the owner, the NODES markers; then SETSLOT NODE moves it cluster-wide.
fn moved_and_ask_during_slot_migration() {
    let k = default_kind();
    let nodes = three_masters([k, k, k]);
    let refs = all(&nodes);
    let slot = key_slot(b"{foo}present");
    assert_eq!(slot, 12182);
    let (a, b, c) = (&nodes[2], &nodes[0], &nodes[1]);
    assert_eq!(thirds_owner(&nodes, slot).port, a.port);
    let (a_id, b_id) = (a.myid(), b.myid());
    let s = slot.to_string();

    let mut ca = a.client();
    let mut cb = b.client();
    assert_reply!(ca, ["SET", "{foo}present", "v"], b"+OK\r\n");
    assert_reply!(
        cb,
        ["CLUSTER", "SETSLOT", &s, "IMPORTING", &a_id],
        b"+OK\r\n"
    );
    assert_reply!(
        ca,
        ["CLUSTER", "SETSLOT", &s, "MIGRATING", &b_id],
        b"+OK\r\n"
    );

    // On the source: present keys served, absent ones asked to B, a mix → TRYAGAIN.
    let ask = format!("-ASK {slot} 127.0.0.1:{}\r\n", b.port);
    let tryagain = b"-TRYAGAIN Multiple keys request during rehashing of slot\r\n";
    assert_reply!(ca, ["GET", "{foo}present"], b"$1\r\nv\r\n");
    assert_reply!(ca, ["GET", "{foo}absent"], ask);
    assert_reply!(ca, ["SET", "{foo}absent", "x"], ask);
    assert_reply!(ca, ["MGET", "{foo}present", "{foo}absent"], tryagain);
    assert_reply!(ca, ["MGET", "{foo}absent", "{foo}absent2"], ask);

    // On the target: MOVED back to the owner unless ASKING, which lasts one command.
    let moved_to_a = format!("-MOVED {slot} 127.0.0.1:{}\r\n", a.port);
    assert_reply!(cb, ["GET", "{foo}absent"], moved_to_a);
    assert_reply!(cb, ["ASKING"], b"+OK\r\n");
    assert_reply!(cb, ["GET", "{foo}absent"], b"$-1\r\n");
    assert_reply!(cb, ["GET", "{foo}absent"], moved_to_a);
    assert_reply!(cb, ["ASKING"], b"+OK\r\n");
    assert_reply!(cb, ["SET", "{foo}absent", "y"], b"+OK\r\n");
    assert_reply!(cb, ["SET", "{foo}absent", "z"], moved_to_a);
    assert_reply!(cb, ["ASKING"], b"+OK\r\n");
    assert_reply!(cb, ["MGET", "{foo}absent", "{foo}present"], tryagain);
    assert_reply!(cb, ["ASKING"], b"+OK\r\n");
    assert_reply!(
        cb,
        ["MGET", "{foo}absent", "{foo}absent"],
        b"*2\r\n$1\r\ny\r\n$1\r\ny\r\n"
    );
    // The source still has no copy, so it keeps asking.
    assert_reply!(ca, ["GET", "{foo}absent"], ask);

    // The markers, on each side's own line only.
    let a_self = a.myself();
    assert_eq!(
        a_self.slots,
        ["10923-16383".to_string(), format!("[{slot}->-{b_id}]")],
        "source: {a_self:?}"
    );
    let b_self = b.myself();
    assert_eq!(
        b_self.slots,
        ["0-5460".to_string(), format!("[{slot}-<-{a_id}]")],
        "target: {b_self:?}"
    );
    for n in &refs {
        for l in n.nodes().iter().filter(|l| !l.has_flag("myself")) {
            assert!(l.markers().is_empty(), "marker on a non-myself line: {l:?}");
        }
    }

    // Finish by hand (no MIGRATE): the source drops its key, then both sides are told the
    // new owner; the third node learns it through gossip.
    assert_reply!(ca, ["DEL", "{foo}present"], b":1\r\n");
    assert_reply!(ca, ["CLUSTER", "COUNTKEYSINSLOT", &s], b":0\r\n");
    assert_reply!(cb, ["CLUSTER", "SETSLOT", &s, "NODE", &b_id], b"+OK\r\n");
    assert_reply!(ca, ["CLUSTER", "SETSLOT", &s, "NODE", &b_id], b"+OK\r\n");

    let moved_to_b = format!("-MOVED {slot} 127.0.0.1:{}\r\n", b.port);
    assert_reply!(ca, ["GET", "{foo}absent"], moved_to_b);
    assert_reply!(cb, ["GET", "{foo}absent"], b"$1\r\ny\r\n");
    assert_eq!(a.myself().slots, ["10923-12181", "12183-16383"]);
    assert_eq!(b.myself().slots, ["0-5460", "12182"]);

    let (a_id, b_id, c_id) = (a_id.as_str(), b_id.as_str(), c.myid());
    let want = slots_reply(&[
        (0, 5460, b.port, b_id),
        (5461, 10922, c.port, &c_id),
        (10923, 12181, a.port, a_id),
        (12182, 12182, b.port, b_id),
        (12183, 16383, a.port, a_id),
    ]);
    let mut last = Vec::new();
    let ok = wait_until(Duration::from_secs(10), || {
        last = c.q(&["CLUSTER", "SLOTS"]);
        last == want
    });
    assert!(
        ok,
        "CLUSTER SLOTS on the third node\n  expected: {}\n       got: {}",
        show(&want),
        show(&last)
    );
    let mut cc = c.client();
    assert_reply!(cc, ["GET", "{foo}absent"], moved_to_b);
    wait_converged(&refs);
    wait_state_ok(&refs);
}

/// SIGKILL one of three masters: every survivor flags it `fail` within
/// `2 × node_timeout + allowance` and goes `cluster_state:fail` (full coverage lost); the
/// node restarted from its nodes.conf keeps its id and the cluster returns to `ok`.
fn failure_detection_and_restart() {
    let k = default_kind();
    let mut nodes = three_masters([k, k, k]);
    let victim_id = nodes[2].myid();
    assert_eq!(nodes[2].node_timeout_ms, NODE_TIMEOUT_MS);

    let killed_at = nodes[2].kill9();
    let survivors = [&nodes[0], &nodes[1]];
    let bound = Duration::from_millis(2 * NODE_TIMEOUT_MS + FAIL_DETECTION_ALLOWANCE_MS);
    let took = wait_flagged_fail(
        &survivors,
        &victim_id,
        killed_at,
        bound + Duration::from_secs(10),
    );
    let ms: Vec<u128> = took.iter().map(Duration::as_millis).collect();
    println!(
        "failure detection ({:?} nodes, node timeout {NODE_TIMEOUT_MS} ms): flagged fail after {ms:?} ms",
        k
    );
    for t in &took {
        assert!(
            *t <= bound,
            "flagged fail after {ms:?} ms, bound {} ms",
            bound.as_millis()
        );
    }

    wait_state(&survivors, "fail");
    for n in survivors {
        for (field, want) in [
            ("cluster_slots_assigned", "16384"),
            ("cluster_slots_ok", "10923"),
            ("cluster_slots_fail", "5461"),
            ("cluster_known_nodes", "3"),
            ("cluster_size", "3"),
        ] {
            assert_eq!(n.cluster_info(field), want, "{field} on {}", n.port);
        }
        let mut c = n.client();
        assert_reply!(c, ["GET", "bar"], b"-CLUSTERDOWN The cluster is down\r\n");
        assert_reply!(c, ["PING"], b"+PONG\r\n");
        assert_reply!(c, ["DBSIZE"], b":0\r\n");
    }

    assert!(nodes[2].nodes_conf_path().is_file(), "no nodes.conf kept");
    nodes[2].restart();
    assert_eq!(nodes[2].myid(), victim_id, "node id changed across restart");
    let refs = all(&nodes);
    wait_state_ok(&refs);
    wait_converged(&refs);
    for n in &refs {
        let l = n.nodes().into_iter().find(|l| l.id == victim_id).unwrap();
        assert!(
            !l.has_flag("fail") && !l.has_flag("fail?"),
            "{}: {l:?}",
            n.port
        );
        assert_eq!(l.slot_ranges(), ["10923-16383"], "{}: {l:?}", n.port);
    }
    let mut c = nodes[0].client();
    assert_reply!(c, ["GET", "bar"], b"$-1\r\n");
}

/// A lone fresh node: the state the fixtures start from (no IP known yet, epoch 0,
/// `cluster_state:fail`, unbound slots not served), then every slot on itself.
fn fresh_node_before_meet() {
    let n = Node::start(default_kind());
    assert_eq!(n.cluster_info("cluster_state"), "fail");
    assert_eq!(n.cluster_info("cluster_known_nodes"), "1");
    assert_eq!(n.cluster_info("cluster_slots_assigned"), "0");
    let me = n.myself();
    assert_eq!(me.flags, ["myself", "master"]);
    assert_eq!(me.addr, format!(":{}@{}", n.port, n.port + 10000));
    assert_eq!(me.epoch, 0);
    assert!(me.slots.is_empty());
    let mut c = n.client();
    assert_reply!(c, ["GET", "foo"], b"-CLUSTERDOWN Hash slot not served\r\n");
    assert_reply!(c, ["PING"], b"+PONG\r\n");
    add_slots_range(&n, 0, 16383);
    assert_eq!(n.myself().slots, ["0-16383"]);
    // A node alone with every slot is a whole cluster.
    wait_state_ok(&[&n]);
    assert_reply!(c, ["SET", "foo", "1"], b"+OK\r\n");
}

/// A client blocked on a key whose slot moves to another node is answered with MOVED
/// (Redis checks blocked clients from its clients cron).
fn blocked_client_is_redirected_when_its_slot_moves() {
    let kind = default_kind();
    let nodes = three_masters([kind, kind, kind]);
    let (a, b) = (&nodes[0], &nodes[1]);
    // `hello` hashes to 866, the first node's; nothing is stored there.
    let mut blocked = a.client();
    blocked.set_timeout(Duration::from_secs(10));
    blocked.send(&common::encode(&[b"BLPOP", b"hello", b"0"]));
    // Make sure the BLPOP is parked before the slot moves.
    assert!(wait_until(Duration::from_secs(5), || {
        let v = a.q(&["CLIENT", "LIST"]);
        String::from_utf8_lossy(&v).contains("cmd=blpop")
    }));
    let b_id = b.myid();
    for n in [b, a, &nodes[2]] {
        assert_eq!(
            n.q(&["CLUSTER", "SETSLOT", "866", "NODE", &b_id]),
            b"+OK\r\n".to_vec()
        );
    }
    assert_eq!(
        blocked.read_reply(),
        format!("-MOVED 866 127.0.0.1:{}\r\n", b.port).into_bytes()
    );
}

/// configEpoch: while a master is down another takes its slots with a bumped epoch; when
/// it comes back claiming them with its older epoch, the newer claim wins (by the other
/// nodes' PINGs or their UPDATE messages — which one arrives first is a race, in Redis
/// too; src/cluster/state/ tests UPDATE on its own), it gives the slots up and, having
/// none left (cluster-allow-replica-migration is on by default), becomes a replica of the
/// new owner.
fn stale_owner_gives_up_its_slots_and_becomes_a_replica() {
    let k = default_kind();
    let mut nodes = three_masters([k, k, k]);
    let a_id = nodes[0].myid();
    let c_id = nodes[2].myid();
    nodes[2].kill9();
    let (a, b) = (&nodes[0], &nodes[1]);
    let (lo, hi) = (THIRDS[2].0.to_string(), THIRDS[2].1.to_string());
    assert_eq!(
        a.q(&["CLUSTER", "DELSLOTSRANGE", &lo, &hi]),
        b"+OK\r\n".to_vec()
    );
    assert_eq!(
        a.q(&["CLUSTER", "ADDSLOTSRANGE", &lo, &hi]),
        b"+OK\r\n".to_vec()
    );
    let bumped = String::from_utf8(a.q(&["CLUSTER", "BUMPEPOCH"])).unwrap();
    assert!(bumped.starts_with("+BUMPED "), "{bumped}");
    // B follows A: a strictly greater configEpoch wins the slots.
    let a_owns_all = |n: &Node| {
        n.try_nodes().is_ok_and(|ls| {
            ls.iter().any(|l| {
                l.id == a_id
                    && l.slot_ranges()
                        == [
                            format!("{}-{}", THIRDS[0].0, THIRDS[0].1),
                            format!("{lo}-{hi}"),
                        ]
            })
        })
    };
    assert!(
        wait_until(Duration::from_secs(20), || a_owns_all(b)),
        "B never moved the slots to A: {}",
        views(&[a, b])
    );
    nodes[2].restart();
    let c = &nodes[2];
    assert!(
        wait_until(Duration::from_secs(30), || {
            c.try_nodes().is_ok_and(|ls| {
                ls.iter()
                    .any(|l| l.id == c_id && l.has_flag("slave") && l.master == a_id)
            })
        }),
        "the stale owner did not become A's replica: {}",
        views(&[&nodes[0], &nodes[1], &nodes[2]])
    );
    let refs = all(&nodes);
    assert!(wait_until(Duration::from_secs(20), || refs
        .iter()
        .all(|n| a_owns_all(n))));
    wait_state_ok(&refs);
}

/// SCAN on a cluster node covers exactly its keys in few calls (slotcore deals slots to
/// its shards round-robin; the cursor walks one shard's slots, then the next's).
fn scan_covers_the_nodes_keys() {
    let k = default_kind();
    let nodes = three_masters([k, k, k]);
    let a = &nodes[0];
    let mut c = a.client();
    let mut mine = std::collections::BTreeSet::new();
    for i in 0.. {
        let key = format!("key:{i}");
        if key_slot(key.as_bytes()) <= THIRDS[0].1 {
            assert_reply!(c, ["SET", &key, "v"], b"+OK\r\n");
            mine.insert(key);
            if mine.len() == 2000 {
                break;
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut cursor = "0".to_string();
    let mut calls = 0;
    loop {
        calls += 1;
        assert!(calls < 500, "SCAN did not finish in 500 calls");
        let v = c.v(&["SCAN", &cursor, "COUNT", "100"]);
        let it = v.items();
        cursor = it[0].bulk_str();
        for key in it[1].items() {
            seen.insert(key.bulk_str());
        }
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen, mine);
    // ~2000 keys at COUNT 100: a few dozen calls, not one per slot.
    assert!(calls < 100, "SCAN took {calls} calls");
}

/// redis-benchmark `--cluster` learns the masters from CLUSTER NODES / CLUSTER SLOTS and
/// runs SET and GET on hash-tagged keys of every master.
fn redis_benchmark_cluster_mode_runs() {
    let k = default_kind();
    let nodes = three_masters([k, k, k]);
    let out = std::process::Command::new("redis-benchmark")
        .args([
            "--cluster",
            "-p",
            &nodes[0].port.to_string(),
            "-t",
            "set,get",
            "-n",
            "3000",
            "-c",
            "6",
            "-q",
        ])
        .output()
        .expect("redis-benchmark (redis-tools) must be installed");
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "\n");
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Cluster has 3 master nodes"), "{text}");
    for t in ["SET: ", "GET: "] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(t) && l.contains("requests per second")),
            "no {t} result: {text}"
        );
    }
    // Every master got its share of the SETs.
    for n in &nodes {
        assert!(n.dbsize() > 0, "master {} got no keys", n.port);
    }
}

// Every test runs twice: slotcore processes with 1 and with 2 shard-nodes each.
per_process_shards!(
    three_masters_replies_and_redirections,
    redis_cli_cluster_create_and_check,
    ten_thousand_keys_through_redis_cli_and_cluster_client,
    moved_and_ask_during_slot_migration,
    failure_detection_and_restart,
    fresh_node_before_meet,
    blocked_client_is_redirected_when_its_slot_moves,
    stale_owner_gives_up_its_slots_and_becomes_a_replica,
    scan_covers_the_nodes_keys,
    redis_benchmark_cluster_mode_runs,
);
