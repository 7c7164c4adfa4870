//! Multi-node cluster fixtures: start cluster nodes, form clusters, read CLUSTER NODES and
//! CLUSTER INFO, and wait on conditions with deadlines (never on fixed sleeps).
//!
//! A node runs either slotcore (the binary under test) or a stock redis-server. Which one
//! the tests get by default is chosen by `SLOTCORE_CLUSTER_NODE`: unset or `slotcore` runs
//! slotcore, `redis` runs redis-server for every node — that is how the cluster tests
//! themselves are validated against the reference before slotcore is measured with them.
//!
//! A slotcore process with `--shards k` is k cluster nodes (shard-nodes on ports P..P+k,
//! bus ports P+10000..). [`Node::start`] starts a process and hands back its first
//! shard-node (the siblings run but stay out of the cluster unless a test meets them);
//! [`Node::start_process`] hands back all k; [`three_masters`] makes its first two
//! masters sibling shard-nodes of one process when processes have several. How many shards a process gets is
//! [`shards_per_process`]: 2 unless the test runs under [`per_process_shards!`], which
//! runs it once with 1 and once with 2.
//!
//! Every process listens on ports `P` (below the ephemeral range) whose bus ports
//! `P + 10000` were free too when they were picked, keeps its nodes files in its own temp dir (so a restart on the
//! same ports and dir reloads their identities), and is killed with SIGKILL when its
//! first node is dropped.

use super::{key_slot, parse, show, wait_until, which, Client, Kind, TempDir, Val};
use std::collections::HashMap;
use std::fs::OpenOptions;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// `cluster-node-timeout` of every node the fixtures start (small, so failure detection and
/// the state transitions it drives take seconds, not the default 15 s).
pub const NODE_TIMEOUT_MS: u64 = 2000;
/// `--shards` given to slotcore processes unless a test chooses: more than one, so every
/// process has a sibling shard-node, but few, so a six-process cluster does not
/// oversubscribe the machine.
pub const SLOTCORE_SHARDS: usize = 2;

thread_local! {
    static SHARDS: std::cell::Cell<usize> = const { std::cell::Cell::new(SLOTCORE_SHARDS) };
}

/// Shards per slotcore process for the nodes this test thread starts.
pub fn shards_per_process() -> usize {
    SHARDS.with(|s| s.get())
}

/// Set [`shards_per_process`] for this test thread (see [`per_process_shards!`]).
pub fn set_shards_per_process(n: usize) {
    SHARDS.with(|s| s.set(n));
}

/// Run `fn $name()` as two tests, with 1 and with 2 shard-nodes per slotcore process.
#[macro_export]
macro_rules! per_process_shards {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn shards_1() {
                    $crate::common::cluster::set_shards_per_process(1);
                    super::$name();
                }
                #[test]
                fn shards_2() {
                    $crate::common::cluster::set_shards_per_process(2);
                    super::$name();
                }
            }
        )*
    };
}
/// The usual three-master split (what `redis-cli --cluster create` assigns too).
pub const THIRDS: [(u16, u16); 3] = [(0, 5460), (5461, 10922), (10923, 16383)];
/// How long a node may take to answer its first PING.
const START_DEADLINE: Duration = Duration::from_secs(15);
/// How long a restart may keep retrying while the old process's port is still held.
const RESTART_DEADLINE: Duration = Duration::from_secs(15);
/// Deadline for gossip to converge (MEET handshakes, slot ownership spreading).
pub const CONVERGE_DEADLINE: Duration = Duration::from_secs(20);
/// Deadline for `cluster_state` to reach a wanted value. Redis holds a master in `fail` for
/// 2 s after its first state evaluation, and for up to `node_timeout` after it was in a
/// minority; clearing a failed master's FAIL flag needs `2 × node_timeout` more.
pub const STATE_DEADLINE: Duration = Duration::from_secs(20);
/// Read timeout for the polling helpers (`try_*`), so a hung node fails a poll quickly.
const POLL_READ_TIMEOUT: Duration = Duration::from_secs(2);

/// The node kind tests use unless they ask for a specific one (see the module docs).
pub fn default_kind() -> Kind {
    match std::env::var("SLOTCORE_CLUSTER_NODE").as_deref() {
        Err(_) | Ok("") | Ok("slotcore") => Kind::Slotcore,
        Ok("redis") => Kind::Redis,
        Ok(other) => panic!("SLOTCORE_CLUSTER_NODE={other:?}: expected `redis` or `slotcore`"),
    }
}

/// Ports handed out in this process (client and bus ports), never handed out twice: a
/// killed node keeps its port for its restart, and another node's bus port must not be
/// picked as a client port.
static RESERVED: Mutex<Vec<u16>> = Mutex::new(Vec::new());

/// Client ports are picked in `PORT_RANGE` and bus ports are 10000 above: all below the
/// kernel's ephemeral range (32768..), so no outgoing connection can take a port while
/// its node is down for a restart.
const PORT_RANGE: std::ops::Range<u16> = 11000..22700;

/// A port `P` in [`PORT_RANGE`] such that `P..P+k` and `P+10000..P+10000+k` could all be
/// bound a moment ago.
fn port_block(k: usize) -> u16 {
    let k = k as u16;
    let mut reserved = RESERVED.lock().unwrap_or_else(|e| e.into_inner());
    let span = (PORT_RANGE.end - PORT_RANGE.start - k) as u64;
    let seed = std::process::id() as u64 * 7919
        + std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos() as u64);
    'pick: for i in 0..span {
        let p = PORT_RANGE.start + ((seed + i * 104_729) % span) as u16;
        let ports: Vec<u16> = (0..k).flat_map(|i| [p + i, p + i + 10000]).collect();
        if ports.iter().any(|q| reserved.contains(q)) {
            continue;
        }
        let mut held = Vec::new();
        for &q in &ports {
            match TcpListener::bind(("0.0.0.0", q)) {
                Ok(h) => held.push(h),
                Err(_) => continue 'pick,
            }
        }
        drop(held);
        reserved.extend(ports);
        return p;
    }
    panic!("no free port block of {k} (P.., P+10000..) in {PORT_RANGE:?}");
}

fn tool(name: &str) -> PathBuf {
    which(name).unwrap_or_else(|| {
        panic!("{name} not found in PATH: install redis-server/redis-tools (CI does); refusing to skip")
    })
}

/// One cluster node: a redis-server process, or one shard-node of a slotcore process.
/// The process's first node owns the process (and kills it when dropped); the siblings
/// share its dir.
pub struct Node {
    pub port: u16,
    pub kind: Kind,
    pub node_timeout_ms: u64,
    /// Shard-nodes in this node's process (1 for redis-server) and this node's index.
    pub shards: usize,
    pub shard: usize,
    /// More `--directive value` arguments for the process.
    extra: Vec<String>,
    dir: std::sync::Arc<TempDir>,
    child: Option<Child>,
}

impl Node {
    /// Start a node of `kind` with [`NODE_TIMEOUT_MS`] (a slotcore process's first
    /// shard-node, its siblings left alone).
    pub fn start(kind: Kind) -> Node {
        Self::start_with(kind, NODE_TIMEOUT_MS)
    }

    /// Start a node of `kind` with the given `cluster-node-timeout`.
    pub fn start_with(kind: Kind, node_timeout_ms: u64) -> Node {
        let shards = match kind {
            Kind::Slotcore => shards_per_process(),
            Kind::Redis => 1,
        };
        Self::start_process_with(kind, shards, node_timeout_ms)
            .into_iter()
            .next()
            .expect("a process has a first node")
    }

    /// Start a slotcore process with `shards` shard-nodes (redis-server: one node) and
    /// return all of them, the process owner first.
    pub fn start_process(kind: Kind, shards: usize) -> Vec<Node> {
        Self::start_process_with(kind, shards, NODE_TIMEOUT_MS)
    }

    /// [`Self::start_process`] with more `--directive value` arguments.
    pub fn start_process_args(kind: Kind, shards: usize, extra: &[&str]) -> Vec<Node> {
        Self::start_process_full(kind, shards, NODE_TIMEOUT_MS, extra)
    }

    fn start_process_with(kind: Kind, shards: usize, node_timeout_ms: u64) -> Vec<Node> {
        Self::start_process_full(kind, shards, node_timeout_ms, &[])
    }

    fn start_process_full(
        kind: Kind,
        shards: usize,
        node_timeout_ms: u64,
        extra: &[&str],
    ) -> Vec<Node> {
        let mut last_err = String::new();
        for _attempt in 0..5 {
            let mut n = Node {
                port: port_block(shards),
                kind,
                node_timeout_ms,
                shards,
                shard: 0,
                extra: extra.iter().map(|s| s.to_string()).collect(),
                dir: std::sync::Arc::new(TempDir::new(match kind {
                    Kind::Slotcore => "cluster-slotcore",
                    Kind::Redis => "cluster-redis",
                })),
                child: None,
            };
            match n.spawn_and_wait(START_DEADLINE) {
                Ok(()) => {
                    let siblings: Vec<Node> = (1..shards)
                        .map(|i| Node {
                            port: n.port + i as u16,
                            kind,
                            node_timeout_ms,
                            shards,
                            shard: i,
                            extra: n.extra.clone(),
                            dir: n.dir.clone(),
                            child: None,
                        })
                        .collect();
                    let mut all = vec![n];
                    all.extend(siblings);
                    return all;
                }
                Err(e) => last_err = e,
            }
        }
        panic!("could not start a {kind:?} cluster process: {last_err}");
    }

    /// The node's directory (absolute): its nodes file, log and working dir (shared by
    /// the shard-nodes of one process).
    pub fn dir(&self) -> PathBuf {
        std::fs::canonicalize(&self.dir.0).unwrap_or_else(|_| self.dir.0.clone())
    }

    /// `nodes.conf`, or with several shard-nodes `nodes-<port>.conf` (slotcore's naming).
    pub fn nodes_conf_path(&self) -> PathBuf {
        if self.shards > 1 {
            self.dir().join(format!("nodes-{}.conf", self.port))
        } else {
            self.dir().join("nodes.conf")
        }
    }

    fn log_path(&self) -> PathBuf {
        self.dir().join("node.log")
    }

    /// The command line. slotcore and redis-server take the same directives; redis-server
    /// additionally gets persistence turned off.
    fn command(&self) -> Command {
        let dir = self.dir();
        let mut c = match self.kind {
            Kind::Slotcore => Command::new(env!("CARGO_BIN_EXE_slotcore")),
            Kind::Redis => Command::new(tool("redis-server")),
        };
        c.arg("--port")
            .arg((self.port - self.shard as u16).to_string())
            .args(["--cluster-enabled", "yes"])
            .arg("--cluster-config-file")
            .arg(dir.join("nodes.conf"))
            .arg("--cluster-node-timeout")
            .arg(self.node_timeout_ms.to_string())
            .arg("--dir")
            .arg(&dir);
        match self.kind {
            Kind::Slotcore => {
                c.arg("--shards").arg(self.shards.to_string());
            }
            Kind::Redis => {
                c.args(["--save", "", "--appendonly", "no"]);
            }
        }
        c.args(&self.extra);
        c
    }

    /// Spawn the process and wait for `+PONG`. The log is appended to, so a restarted
    /// node's log keeps the previous run.
    fn spawn_and_wait(&mut self, deadline: Duration) -> Result<(), String> {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .map_err(|e| format!("open log: {e}"))?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let child = self
            .command()
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("spawn {:?}: {e}", self.kind))?;
        self.child = Some(child);
        let end = Instant::now() + deadline;
        loop {
            let child = self.child.as_mut().unwrap();
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Err(format!(
                    "port {} exited early ({status}): {}",
                    self.port,
                    self.log_tail(10)
                ));
            }
            let pong = |port: u16| {
                Client::try_connect(port).is_ok_and(|mut c| {
                    c.set_timeout(POLL_READ_TIMEOUT);
                    matches!(c.try_cmd(&[b"PING"]), Ok(r) if r == b"+PONG\r\n")
                })
            };
            if (0..self.shards as u16).all(|i| pong(self.port + i)) {
                return Ok(());
            }
            if Instant::now() > end {
                self.kill9();
                return Err(format!(
                    "port {}: no PONG within {deadline:?}: {}",
                    self.port,
                    self.log_tail(10)
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL the process (all its shard-nodes; call it on the first) and reap it.
    /// Returns the instant it was killed.
    pub fn kill9(&mut self) -> Instant {
        let mut child = self.child.take().expect("kill9: node is not running");
        let at = Instant::now();
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        at
    }

    /// Start the process again on the same port with the same dir (and so the same
    /// nodes.conf), retrying while the old process's port is still held.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "restart: node is still running");
        let end = Instant::now() + RESTART_DEADLINE;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.spawn_and_wait(left.max(Duration::from_secs(1))) {
                Ok(()) => return,
                Err(e) if Instant::now() > end => {
                    panic!("restart on port {} failed: {e}", self.port)
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    pub fn running(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }

    /// The last `n` lines of the node's log.
    pub fn log_tail(&self, n: usize) -> String {
        let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    // ---- talking to the node ----

    /// A new raw RESP connection (RESP2).
    pub fn client(&self) -> Client {
        Client::connect(self.port)
    }

    /// One command on a fresh connection, raw reply.
    pub fn q(&self, args: &[&str]) -> Vec<u8> {
        self.client().q(args)
    }

    /// One command on a fresh connection, parsed reply.
    pub fn v(&self, args: &[&str]) -> Val {
        self.client().v(args)
    }

    /// One command on a fresh connection with a short read timeout; `Err` when the node
    /// cannot be reached or does not answer (for polling nodes that may be down).
    pub fn try_v(&self, args: &[&str]) -> Result<Val, String> {
        let mut c = Client::try_connect(self.port).map_err(|e| format!("connect: {e}"))?;
        c.set_timeout(POLL_READ_TIMEOUT);
        let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        let raw = c.try_cmd(&a).map_err(|e| format!("{args:?}: {e}"))?;
        parse(&raw).ok_or_else(|| format!("{args:?}: unparsable reply {}", show(&raw)))
    }

    /// `CLUSTER MYID` (checked to be 40 lowercase hex characters).
    pub fn myid(&self) -> String {
        let id = self.v(&["CLUSTER", "MYID"]).bulk_str();
        assert!(is_node_id(&id), "CLUSTER MYID on {}: {id:?}", self.port);
        id
    }

    /// One field of CLUSTER INFO, e.g. `cluster_info("cluster_state")` → `"ok"`.
    pub fn cluster_info(&self, field: &str) -> String {
        self.try_cluster_info(field)
            .unwrap_or_else(|e| panic!("CLUSTER INFO on {}: {e}", self.port))
    }

    pub fn try_cluster_info(&self, field: &str) -> Result<String, String> {
        let text = match self.try_v(&["CLUSTER", "INFO"])? {
            Val::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
            other => return Err(format!("CLUSTER INFO is not a bulk string: {other:?}")),
        };
        info_field(&text, field)
            .map(str::to_owned)
            .ok_or_else(|| format!("no {field} in CLUSTER INFO:\n{text}"))
    }

    /// CLUSTER NODES, parsed (panics on a malformed reply).
    pub fn nodes(&self) -> Vec<NodeLine> {
        self.try_nodes()
            .unwrap_or_else(|e| panic!("CLUSTER NODES on {}: {e}", self.port))
    }

    pub fn try_nodes(&self) -> Result<Vec<NodeLine>, String> {
        match self.try_v(&["CLUSTER", "NODES"])? {
            Val::Bulk(b) => parse_nodes(&String::from_utf8_lossy(&b)),
            other => Err(format!("CLUSTER NODES is not a bulk string: {other:?}")),
        }
    }

    /// This node's own (`myself`) line of CLUSTER NODES; exactly one must exist.
    pub fn myself(&self) -> NodeLine {
        let lines = self.nodes();
        let mine: Vec<&NodeLine> = lines.iter().filter(|l| l.has_flag("myself")).collect();
        assert_eq!(mine.len(), 1, "`myself` lines on {}: {lines:#?}", self.port);
        mine[0].clone()
    }

    pub fn dbsize(&self) -> i64 {
        self.client().int(&["DBSIZE"])
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        if std::thread::panicking() {
            eprintln!(
                "--- {:?} cluster node (port {}) log tail ---\n{}",
                self.kind,
                self.port,
                self.log_tail(30)
            );
        }
    }
}

/// 40 characters of `[0-9a-f]`.
pub fn is_node_id(s: &str) -> bool {
    s.len() == 40
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The value of `field` in CLUSTER INFO text (`field:value\r\n` lines).
pub fn info_field<'a>(text: &'a str, field: &str) -> Option<&'a str> {
    text.split("\r\n")
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
}

// ---- CLUSTER NODES ----

/// One line of CLUSTER NODES:
/// `<id> <ip>:<port>@<cport>[,<hostname>] <flags> <master> <ping-sent> <pong-recv> <epoch> <link> [slot...]`.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeLine {
    pub id: String,
    /// The address field as sent.
    pub addr: String,
    pub ip: String,
    pub port: u16,
    pub cport: u16,
    pub flags: Vec<String>,
    /// The master's id for a replica, `-` otherwise.
    pub master: String,
    pub ping_sent: u64,
    pub pong_recv: u64,
    pub epoch: u64,
    pub link: String,
    /// Slot tokens (`a-b` or `n`) and, on the `myself` line, migration markers (`[...]`),
    /// in the order sent.
    pub slots: Vec<String>,
}

impl NodeLine {
    pub fn has_flag(&self, f: &str) -> bool {
        self.flags.iter().any(|x| x == f)
    }

    /// Slot tokens without the `[...]` migration markers.
    pub fn slot_ranges(&self) -> Vec<&str> {
        self.slots
            .iter()
            .filter(|t| !t.starts_with('['))
            .map(String::as_str)
            .collect()
    }

    /// The `[...]` migration markers.
    pub fn markers(&self) -> Vec<&str> {
        self.slots
            .iter()
            .filter(|t| t.starts_with('['))
            .map(String::as_str)
            .collect()
    }
}

/// Parse a CLUSTER NODES reply strictly: every line (the last included) ends in `\n`,
/// no `\r`, single spaces, at least 8 fields (redis-cli ignores an unterminated last line
/// and splits on single spaces, so both are wire requirements).
pub fn parse_nodes(text: &str) -> Result<Vec<NodeLine>, String> {
    if !text.ends_with('\n') {
        return Err(format!("reply does not end with \\n: {text:?}"));
    }
    if text.contains('\r') {
        return Err(format!("\\r inside CLUSTER NODES: {text:?}"));
    }
    text.split_terminator('\n').map(parse_node_line).collect()
}

fn parse_node_line(line: &str) -> Result<NodeLine, String> {
    let f: Vec<&str> = line.split(' ').collect();
    if f.len() < 8 || f.iter().any(|x| x.is_empty()) {
        return Err(format!("malformed CLUSTER NODES line: {line:?}"));
    }
    let bad = |what: &str| format!("bad {what} in CLUSTER NODES line: {line:?}");
    let (hostport, cport_host) = f[1].rsplit_once('@').ok_or_else(|| bad("address"))?;
    let cport = cport_host.split(',').next().unwrap_or("");
    let (ip, port) = hostport.rsplit_once(':').ok_or_else(|| bad("address"))?;
    let num = |s: &str, what: &str| s.parse::<u64>().map_err(|_| bad(what));
    Ok(NodeLine {
        id: f[0].to_owned(),
        addr: f[1].to_owned(),
        ip: ip.to_owned(),
        port: port.parse().map_err(|_| bad("port"))?,
        cport: cport.parse().map_err(|_| bad("bus port"))?,
        flags: f[2].split(',').map(str::to_owned).collect(),
        master: f[3].to_owned(),
        ping_sent: num(f[4], "ping-sent")?,
        pong_recv: num(f[5], "pong-recv")?,
        epoch: num(f[6], "config epoch")?,
        link: f[7].to_owned(),
        slots: f[8..].iter().map(|s| (*s).to_owned()).collect(),
    })
}

/// redis-cli's consistency signature of one node's view (`clusterManagerGetConfigSignature`):
/// for every line with at least one slot token, `id:` plus its slot tokens (markers left
/// out) sorted as strings and joined by `,`; those entries sorted and joined by `|`.
pub fn signature(lines: &[NodeLine]) -> String {
    let mut entries: Vec<String> = lines
        .iter()
        .filter_map(|l| {
            let mut toks = l.slot_ranges();
            if toks.is_empty() {
                return None;
            }
            toks.sort_unstable();
            Some(format!("{}:{}", l.id, toks.join(",")))
        })
        .collect();
    entries.sort_unstable();
    entries.join("|")
}

// ---- forming clusters and waiting on them ----

/// `CLUSTER MEET 127.0.0.1 <to.port>` sent to `from`; the reply must be exactly `+OK`.
pub fn meet(from: &Node, to: &Node) {
    let r = from.q(&["CLUSTER", "MEET", "127.0.0.1", &to.port.to_string()]);
    assert_eq!(
        show(&r),
        "+OK\\r\\n",
        "CLUSTER MEET 127.0.0.1 {} on {}",
        to.port,
        from.port
    );
}

/// The first node meets every other one.
pub fn meet_all(nodes: &[&Node]) {
    for n in &nodes[1..] {
        meet(nodes[0], n);
    }
}

/// `CLUSTER ADDSLOTSRANGE start end` on `node`; the reply must be exactly `+OK`.
pub fn add_slots_range(node: &Node, start: u16, end: u16) {
    let r = node.q(&[
        "CLUSTER",
        "ADDSLOTSRANGE",
        &start.to_string(),
        &end.to_string(),
    ]);
    assert_eq!(
        show(&r),
        "+OK\\r\\n",
        "ADDSLOTSRANGE {start} {end} on {}",
        node.port
    );
}

/// Why `nodes` have not converged yet, or `Ok` when: every node lists exactly these nodes
/// (by port, each at 127.0.0.1, under one agreed id), none is in handshake or without
/// address, and redis-cli's consistency signature is the same on all of them.
pub fn converged(nodes: &[&Node]) -> Result<(), String> {
    /// `(port, id)` of every node a node lists, sorted.
    type Members = Vec<(u16, String)>;
    let mut ports: Vec<u16> = nodes.iter().map(|n| n.port).collect();
    ports.sort_unstable();
    let mut first: Option<(u16, Members, String)> = None;
    for n in nodes {
        let lines = n.try_nodes().map_err(|e| format!("{}: {e}", n.port))?;
        let mut seen: Members = lines.iter().map(|l| (l.port, l.id.clone())).collect();
        seen.sort_unstable();
        let seen_ports: Vec<u16> = seen.iter().map(|s| s.0).collect();
        if seen_ports != ports {
            return Err(format!("{} knows ports {seen_ports:?}", n.port));
        }
        if let Some(l) = lines.iter().find(|l| {
            l.has_flag("handshake")
                || l.has_flag("noaddr")
                || l.ip != "127.0.0.1"
                || !is_node_id(&l.id)
        }) {
            return Err(format!("{} has {} {}", n.port, l.addr, l.flags.join(",")));
        }
        let sig = signature(&lines);
        match &first {
            None => first = Some((n.port, seen, sig)),
            Some((p0, seen0, sig0)) => {
                if *seen0 != seen {
                    return Err(format!("ids differ: {p0} {seen0:?} vs {} {seen:?}", n.port));
                }
                if *sig0 != sig {
                    return Err(format!(
                        "signatures differ: {p0} {sig0:?} vs {} {sig:?}",
                        n.port
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Wait for [`converged`], panicking with every node's CLUSTER NODES on timeout.
pub fn wait_converged(nodes: &[&Node]) {
    let mut why = String::new();
    if !wait_until(CONVERGE_DEADLINE, || match converged(nodes) {
        Ok(()) => true,
        Err(e) => {
            why = e;
            false
        }
    }) {
        panic!(
            "not converged within {CONVERGE_DEADLINE:?}: {why}\n{}",
            views(nodes)
        );
    }
}

/// Every node's CLUSTER NODES, for failure messages.
pub fn views(nodes: &[&Node]) -> String {
    nodes
        .iter()
        .map(|n| match n.try_v(&["CLUSTER", "NODES"]) {
            Ok(Val::Bulk(b)) => format!("-- {}:\n{}", n.port, String::from_utf8_lossy(&b)),
            other => format!("-- {}: {other:?}\n", n.port),
        })
        .collect()
}

/// Wait until `cluster_state` is `state` on every node.
pub fn wait_state(nodes: &[&Node], state: &str) {
    let mut last = Vec::new();
    if !wait_until(STATE_DEADLINE, || {
        last = nodes
            .iter()
            .map(|n| (n.port, n.try_cluster_info("cluster_state")))
            .collect();
        last.iter().all(|(_, s)| s.as_deref() == Ok(state))
    }) {
        panic!(
            "cluster_state not {state} on all within {STATE_DEADLINE:?}: {last:?}\n{}",
            views(nodes)
        );
    }
}

pub fn wait_state_ok(nodes: &[&Node]) {
    wait_state(nodes, "ok");
}

/// Three masters of `kinds`: MEET (first meets the others), converge, `THIRDS` assigned in
/// order with ADDSLOTSRANGE, converge again, `cluster_state:ok` everywhere.
pub fn three_masters(kinds: [Kind; 3]) -> Vec<Node> {
    // With several shard-nodes per slotcore process, the first two masters are sibling
    // shard-nodes of one process (so the tests see siblings as cluster members: MOVED
    // between them, gossip over the one bus core); the third is its own process, so
    // killing it fails that node alone.
    let nodes: Vec<Node> = if kinds == [Kind::Slotcore; 3] && shards_per_process() > 1 {
        let mut first = Node::start_process(Kind::Slotcore, shards_per_process());
        first.truncate(2);
        first.push(Node::start(Kind::Slotcore));
        first
    } else {
        kinds.into_iter().map(Node::start).collect()
    };
    let refs: Vec<&Node> = nodes.iter().collect();
    meet_all(&refs);
    wait_converged(&refs);
    for (n, (a, b)) in nodes.iter().zip(THIRDS) {
        add_slots_range(n, a, b);
    }
    wait_converged(&refs);
    wait_state_ok(&refs);
    nodes
}

/// The node among `nodes` (assigned [`THIRDS`] in order) that owns `slot`.
pub fn thirds_owner(nodes: &[Node], slot: u16) -> &Node {
    let i = THIRDS
        .iter()
        .position(|&(a, b)| (a..=b).contains(&slot))
        .unwrap();
    &nodes[i]
}

/// Wait until every observer's CLUSTER NODES flags node `id` as `fail` (the FAIL flag,
/// not PFAIL's `fail?`). Returns, per observer, the time from `since` until it was first
/// seen flagged; panics after `deadline`.
pub fn wait_flagged_fail(
    observers: &[&Node],
    id: &str,
    since: Instant,
    deadline: Duration,
) -> Vec<Duration> {
    let mut seen: Vec<Option<Duration>> = vec![None; observers.len()];
    let ok = wait_until(deadline, || {
        for (i, n) in observers.iter().enumerate() {
            if seen[i].is_none() {
                let flagged = n
                    .try_nodes()
                    .is_ok_and(|lines| lines.iter().any(|l| l.id == id && l.has_flag("fail")));
                if flagged {
                    seen[i] = Some(since.elapsed());
                }
            }
        }
        seen.iter().all(Option::is_some)
    });
    if !ok {
        panic!(
            "{id} not flagged fail by all observers within {deadline:?} (seen: {seen:?})\n{}",
            views(observers)
        );
    }
    seen.into_iter().map(Option::unwrap).collect()
}

// ---- reply builders ----

/// The exact RESP2 CLUSTER SLOTS reply for masters without replicas and without
/// hostnames: `(start, end, port, id)` per run, in slot order.
pub fn slots_reply(runs: &[(u16, u16, u16, &str)]) -> Vec<u8> {
    let mut v = format!("*{}\r\n", runs.len());
    for (a, b, port, id) in runs {
        v += &format!(
            "*3\r\n:{a}\r\n:{b}\r\n*4\r\n$9\r\n127.0.0.1\r\n:{port}\r\n${}\r\n{id}\r\n*0\r\n",
            id.len()
        );
    }
    v.into_bytes()
}

// ---- clients ----

/// A minimal cluster client: sends a keyed command (key = `args[1]`) to `first_port` and
/// follows `-MOVED` replies (checking each names the key's slot and a 127.0.0.1 endpoint),
/// at most 5 hops. Counts the redirects it followed.
#[derive(Default)]
pub struct MovedClient {
    conns: HashMap<u16, Client>,
    pub redirects: usize,
}

impl MovedClient {
    pub fn cmd(&mut self, first_port: u16, args: &[&str]) -> Vec<u8> {
        let slot = key_slot(args[1].as_bytes());
        let mut port = first_port;
        for _hop in 0..5 {
            let c = self
                .conns
                .entry(port)
                .or_insert_with(|| Client::connect(port));
            let r = c.q(args);
            let Some(rest) = r.strip_prefix(b"-MOVED ") else {
                return r;
            };
            let text = String::from_utf8_lossy(rest);
            let (s, ep) = text
                .trim_end_matches("\r\n")
                .split_once(' ')
                .unwrap_or_else(|| panic!("malformed redirect {}", show(&r)));
            assert_eq!(
                s,
                slot.to_string(),
                "MOVED names the wrong slot: {}",
                show(&r)
            );
            let p = ep
                .strip_prefix("127.0.0.1:")
                .and_then(|p| p.parse::<u16>().ok())
                .unwrap_or_else(|| panic!("MOVED endpoint is not 127.0.0.1:<port>: {}", show(&r)));
            port = p;
            self.redirects += 1;
        }
        panic!("{args:?}: more than 5 MOVED hops from {first_port}");
    }
}

/// The `redis` crate's synchronous cluster client, seeded with every node.
pub fn crate_client(nodes: &[&Node]) -> redis::cluster::ClusterConnection {
    let urls: Vec<String> = nodes
        .iter()
        .map(|n| format!("redis://127.0.0.1:{}/", n.port))
        .collect();
    redis::cluster::ClusterClientBuilder::new(urls)
        .connection_timeout(Duration::from_secs(5))
        .response_timeout(Duration::from_secs(10))
        .build()
        .expect("ClusterClient::build")
        .get_connection()
        .expect("ClusterClient::get_connection")
}

/// Run `redis-cli` with `args`, stdin closed.
pub fn redis_cli(args: &[&str]) -> Output {
    Command::new(tool("redis-cli"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run redis-cli")
}

/// Feed `input` (one command per line) to one `redis-cli -c -h 127.0.0.1 -p <port>`
/// process and return its stdout. In this mode redis-cli follows MOVED/ASK, reconnecting
/// to the node named, and prints `-> Redirected to slot [s] located at ip:port` lines
/// (validated against redis-server 7.0).
pub fn redis_cli_c_stdin(port: u16, input: String) -> String {
    use std::io::Write;
    let mut child = Command::new(tool("redis-cli"))
        .args(["-c", "-h", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn redis-cli -c");
    let mut stdin = child.stdin.take().unwrap();
    // A writer thread, so a full stdout pipe cannot deadlock against a full stdin pipe.
    let writer = std::thread::spawn(move || {
        stdin
            .write_all(input.as_bytes())
            .expect("write to redis-cli");
    });
    let out = child.wait_with_output().expect("redis-cli -c output");
    writer.join().unwrap();
    assert!(
        out.status.success(),
        "redis-cli -c exited {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("redis-cli output is UTF-8")
}
