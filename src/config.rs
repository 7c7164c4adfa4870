//! Configuration the redis-server way: `slotcore [file.conf] [--directive value ...]`.
//!
//! One table of directives ([`DIRECTIVES`]) drives file parsing, the command line,
//! CONFIG GET and CONFIG SET. Directives slotcore acts on have a typed field in
//! [`Config`]; every other Redis 7.2 directive name is accepted and its value kept and
//! reported (see the README's list of directives accepted without effect).

use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct Config {
    pub port: u16,
    pub bind: Vec<String>,
    pub shards: usize,
    pub shard_cpus: Vec<usize>,
    pub requirepass: Option<Vec<u8>>,
    pub maxclients: usize,
    pub proto_max_bulk_len: i64,
    pub client_query_buffer_limit: usize,
    pub hz: u32,
    pub timeout: u64,
    pub dir: String,
    pub pidfile: Option<String>,
    pub databases: u32,
    pub maxmemory: u64,
    /// Every directive's current value as CONFIG GET shows it.
    pub values: BTreeMap<String, String>,
}

/// How a directive's value is checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Int { min: i64, max: i64 },
    Memory,
    Bool,
    Str,
    Enum(&'static [&'static str]),
}

pub struct Directive {
    pub name: &'static str,
    pub default: &'static str,
    pub kind: Kind,
    /// Whether CONFIG SET may change it at run time.
    pub mutable: bool,
    /// Whether slotcore acts on it (false: accepted and reported only).
    pub implemented: bool,
}

const fn d(
    name: &'static str,
    default: &'static str,
    kind: Kind,
    mutable: bool,
    implemented: bool,
) -> Directive {
    Directive {
        name,
        default,
        kind,
        mutable,
        implemented,
    }
}

const YESNO: Kind = Kind::Bool;
const I: Kind = Kind::Int {
    min: i64::MIN,
    max: i64::MAX,
};
const S: Kind = Kind::Str;
const M: Kind = Kind::Memory;

/// The directives. Implemented ones first; the rest are Redis 7.2's other names.
pub static DIRECTIVES: &[Directive] = &[
    d(
        "port",
        "6379",
        Kind::Int { min: 0, max: 65535 },
        false,
        true,
    ),
    d("bind", "* -::*", S, false, true),
    d("shards", "0", Kind::Int { min: 0, max: 1024 }, false, true),
    d("shard-cpus", "", S, false, true),
    d("bus-cpu", "", S, false, true),
    d("requirepass", "", S, true, true),
    d(
        "maxclients",
        "10000",
        Kind::Int {
            min: 1,
            max: 1_000_000,
        },
        true,
        true,
    ),
    d("proto-max-bulk-len", "536870912", M, true, true),
    d("client-query-buffer-limit", "1073741824", M, true, true),
    d(
        "hz",
        "10",
        Kind::Int {
            min: 0,
            max: i32::MAX as i64,
        },
        true,
        true,
    ),
    d(
        "timeout",
        "0",
        Kind::Int {
            min: 0,
            max: i32::MAX as i64,
        },
        true,
        true,
    ),
    d("dir", "", S, true, true),
    d("pidfile", "", S, false, true),
    d(
        "databases",
        "16",
        Kind::Int {
            min: 1,
            max: i32::MAX as i64,
        },
        false,
        true,
    ),
    d("maxmemory", "0", M, true, false),
    d("save", "", S, true, false),
    d("appendonly", "no", YESNO, true, false),
    d("appendfilename", "appendonly.aof", S, false, false),
    d("appenddirname", "appendonlydir", S, false, false),
    d(
        "appendfsync",
        "everysec",
        Kind::Enum(&["always", "everysec", "no"]),
        true,
        false,
    ),
    d("dbfilename", "dump.rdb", S, true, false),
    d("daemonize", "no", YESNO, false, false),
    d(
        "loglevel",
        "notice",
        Kind::Enum(&["debug", "verbose", "notice", "warning", "nothing"]),
        true,
        false,
    ),
    d("logfile", "", S, false, false),
    d("protected-mode", "yes", YESNO, true, false),
    d("tcp-backlog", "511", I, false, false),
    d("tcp-keepalive", "300", I, true, false),
    d("unixsocket", "", S, false, false),
    d("unixsocketperm", "0", I, false, false),
    d(
        "maxmemory-policy",
        "noeviction",
        Kind::Enum(&[
            "volatile-lru",
            "volatile-lfu",
            "volatile-random",
            "volatile-ttl",
            "allkeys-lru",
            "allkeys-lfu",
            "allkeys-random",
            "noeviction",
        ]),
        true,
        false,
    ),
    d("maxmemory-samples", "5", I, true, false),
    d("lazyfree-lazy-eviction", "no", YESNO, true, false),
    d("lazyfree-lazy-expire", "no", YESNO, true, false),
    d("lazyfree-lazy-server-del", "no", YESNO, true, false),
    d("lazyfree-lazy-user-del", "no", YESNO, true, false),
    d("lazyfree-lazy-user-flush", "no", YESNO, true, false),
    d("cluster-enabled", "no", YESNO, false, true),
    d("cluster-config-file", "nodes.conf", S, false, true),
    d("cluster-node-timeout", "15000", I, true, true),
    d("cluster-port", "0", I, false, true),
    d("cluster-require-full-coverage", "yes", YESNO, true, true),
    d("cluster-allow-reads-when-down", "no", YESNO, true, true),
    d("cluster-replica-validity-factor", "10", I, true, false),
    d("cluster-migration-barrier", "1", I, true, false),
    d("cluster-allow-replica-migration", "yes", YESNO, true, true),
    d("cluster-replica-no-failover", "no", YESNO, true, false),
    d("cluster-announce-ip", "", S, true, true),
    d("cluster-announce-port", "0", I, true, true),
    d("cluster-announce-bus-port", "0", I, true, true),
    d("cluster-announce-hostname", "", S, true, true),
    d("cluster-announce-human-nodename", "", S, true, true),
    d(
        "cluster-allow-pubsubshard-when-down",
        "yes",
        YESNO,
        true,
        true,
    ),
    d(
        "cluster-preferred-endpoint-type",
        "ip",
        Kind::Enum(&["ip", "hostname", "unknown-endpoint"]),
        true,
        true,
    ),
    d("replicaof", "", S, false, false),
    d("masterauth", "", S, true, false),
    d("masteruser", "", S, true, false),
    d("replica-read-only", "yes", YESNO, true, false),
    d("replica-serve-stale-data", "yes", YESNO, true, false),
    d("repl-backlog-size", "1048576", M, true, false),
    d("repl-backlog-ttl", "3600", I, true, false),
    d("repl-diskless-sync", "yes", YESNO, true, false),
    d("repl-diskless-sync-delay", "5", I, true, false),
    d("repl-timeout", "60", I, true, false),
    d("min-replicas-to-write", "0", I, true, false),
    d("min-replicas-max-lag", "10", I, true, false),
    d("slowlog-log-slower-than", "10000", I, true, false),
    d("slowlog-max-len", "128", I, true, false),
    d("latency-monitor-threshold", "0", I, true, false),
    d("notify-keyspace-events", "", S, true, false),
    d("hash-max-listpack-entries", "512", I, true, false),
    d("hash-max-listpack-value", "64", I, true, false),
    d("hash-max-ziplist-entries", "512", I, true, false),
    d("hash-max-ziplist-value", "64", I, true, false),
    d("list-max-listpack-size", "-2", I, true, false),
    d("list-max-ziplist-size", "-2", I, true, false),
    d("list-compress-depth", "0", I, true, false),
    d("set-max-intset-entries", "512", I, true, false),
    d("set-max-listpack-entries", "128", I, true, false),
    d("set-max-listpack-value", "64", I, true, false),
    d("zset-max-listpack-entries", "128", I, true, false),
    d("zset-max-listpack-value", "64", I, true, false),
    d("zset-max-ziplist-entries", "128", I, true, false),
    d("zset-max-ziplist-value", "64", I, true, false),
    d("hll-sparse-max-bytes", "3000", I, true, false),
    d("stream-node-max-bytes", "4096", M, true, false),
    d("stream-node-max-entries", "100", I, true, false),
    d("activerehashing", "yes", YESNO, true, false),
    d("activedefrag", "no", YESNO, true, false),
    d("dynamic-hz", "yes", YESNO, true, false),
    d("aof-rewrite-incremental-fsync", "yes", YESNO, true, false),
    d("rdb-save-incremental-fsync", "yes", YESNO, true, false),
    d("rdbcompression", "yes", YESNO, true, false),
    d("rdbchecksum", "yes", YESNO, true, false),
    d("stop-writes-on-bgsave-error", "yes", YESNO, true, false),
    d("auto-aof-rewrite-percentage", "100", I, true, false),
    d("auto-aof-rewrite-min-size", "67108864", M, true, false),
    d("aof-load-truncated", "yes", YESNO, true, false),
    d("aof-use-rdb-preamble", "yes", YESNO, true, false),
    d("aof-timestamp-enabled", "no", YESNO, true, false),
    d("no-appendfsync-on-rewrite", "no", YESNO, true, false),
    d("lua-time-limit", "5000", I, true, false),
    d("busy-reply-threshold", "5000", I, true, false),
    d("io-threads", "1", I, false, false),
    d("io-threads-do-reads", "no", YESNO, false, false),
    d("supervised", "no", S, false, false),
    d("syslog-enabled", "no", YESNO, false, false),
    d("syslog-ident", "redis", S, false, false),
    d("always-show-logo", "no", YESNO, false, false),
    d("set-proc-title", "yes", YESNO, false, false),
    d(
        "proc-title-template",
        "{title} {listen-addr} {server-mode}",
        S,
        true,
        false,
    ),
    d("lfu-log-factor", "10", I, true, false),
    d("lfu-decay-time", "1", I, true, false),
    d(
        "active-expire-effort",
        "1",
        Kind::Int { min: 1, max: 10 },
        true,
        true,
    ),
    d("jemalloc-bg-thread", "yes", YESNO, true, false),
    d("oom-score-adj", "no", S, true, false),
    d("oom-score-adj-values", "0 200 800", S, true, false),
    d("acllog-max-len", "128", I, true, false),
    d("aclfile", "", S, false, false),
    d("enable-debug-command", "no", S, false, false),
    d("enable-protected-configs", "no", S, false, false),
    d("enable-module-command", "no", S, false, false),
    d(
        "client-output-buffer-limit",
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
        S,
        true,
        false,
    ),
    d("tracking-table-max-keys", "1000000", I, true, false),
    d("latency-tracking", "yes", YESNO, true, false),
    d(
        "latency-tracking-info-percentiles",
        "50 99 99.9",
        S,
        true,
        false,
    ),
    d("shutdown-timeout", "10", I, true, false),
    d("shutdown-on-sigint", "default", S, true, false),
    d("shutdown-on-sigterm", "default", S, true, false),
    d("locale-collate", "", S, true, false),
    d("crash-log-enabled", "yes", YESNO, true, false),
    d("crash-memcheck-enabled", "yes", YESNO, true, false),
    d("disable-thp", "yes", YESNO, false, false),
    d("sanitize-dump-payload", "no", S, true, false),
    d("rename-command", "", S, false, false),
    d("include", "", S, false, false),
    d("loadmodule", "", S, false, false),
    d("tls-port", "0", I, false, false),
    d("replica-priority", "100", I, true, false),
    d("replica-announced", "yes", YESNO, true, false),
    d("replica-lazy-flush", "no", YESNO, true, false),
    d("repl-disable-tcp-nodelay", "no", YESNO, true, false),
    d("repl-ping-replica-period", "10", I, true, false),
    d("max-new-connections-per-cycle", "10", I, true, false),
];

pub fn directive(name: &str) -> Option<&'static Directive> {
    DIRECTIVES
        .iter()
        .find(|d| d.name.eq_ignore_ascii_case(name))
}

/// Parse a memory amount like Redis: `1gb`, `512mb`, `100k`, plain bytes.
pub fn parse_memory(s: &str) -> Option<i64> {
    let l = s.to_ascii_lowercase();
    let (num, mul) = [
        ("gb", 1i64 << 30),
        ("mb", 1 << 20),
        ("kb", 1 << 10),
        ("g", 1_000_000_000),
        ("m", 1_000_000),
        ("k", 1000),
        ("b", 1),
    ]
    .iter()
    .find_map(|(suf, m)| l.strip_suffix(suf).map(|n| (n.to_string(), *m)))
    .unwrap_or((l.clone(), 1));
    num.parse::<i64>().ok()?.checked_mul(mul)
}

impl Default for Config {
    fn default() -> Self {
        let mut c = Config {
            port: 6379,
            bind: vec![],
            shards: 0,
            shard_cpus: vec![],
            requirepass: None,
            maxclients: 10000,
            proto_max_bulk_len: 512 << 20,
            client_query_buffer_limit: 1 << 30,
            hz: 10,
            timeout: 0,
            dir: String::new(),
            pidfile: None,
            databases: 16,
            maxmemory: 0,
            values: BTreeMap::new(),
        };
        for dir in DIRECTIVES {
            c.values
                .insert(dir.name.to_string(), dir.default.to_string());
        }
        c.values.insert(
            "dir".into(),
            std::env::current_dir()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        );
        c.apply_all().expect("defaults are valid");
        c
    }
}

impl Config {
    /// Load from `slotcore [file.conf] [--directive value ...]` arguments (without argv[0]).
    pub fn from_args(args: &[String]) -> Result<Config, String> {
        let mut c = Config::default();
        let mut rest = args;
        if let Some(first) = rest.first() {
            if !first.starts_with("--") {
                let text = std::fs::read_to_string(first)
                    .map_err(|e| format!("Fatal error, can't open config file '{first}': {e}"))?;
                c.load_text(&text)?;
                rest = &rest[1..];
            }
        }
        let mut i = 0;
        while i < rest.len() {
            let Some(name) = rest[i].strip_prefix("--") else {
                return Err(format!("Invalid argument '{}'", rest[i]));
            };
            let mut vals = Vec::new();
            i += 1;
            while i < rest.len() && !rest[i].starts_with("--") {
                vals.push(rest[i].clone());
                i += 1;
            }
            c.set(name, &vals.join(" ")).map_err(|e| {
                format!("Bad directive or wrong number of arguments: --{name}: {e}")
            })?;
        }
        c.apply_all()?;
        Ok(c)
    }

    /// Load `directive value...` lines (comments with #, quoted values allowed).
    pub fn load_text(&mut self, text: &str) -> Result<(), String> {
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let parts = crate::resp::parse::split_args(line.as_bytes())
                .ok_or_else(|| format!("line {}: unbalanced quotes", n + 1))?;
            let parts: Vec<String> = parts
                .into_iter()
                .map(|p| String::from_utf8_lossy(&p).into_owned())
                .collect();
            let Some((name, vals)) = parts.split_first() else {
                continue;
            };
            self.set(name, &vals.join(" "))
                .map_err(|e| format!("*** FATAL CONFIG FILE ERROR *** line {}: {e}", n + 1))?;
        }
        Ok(())
    }

    /// Check and store one directive's value (not yet applied to the typed fields).
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let dir = directive(name)
            .ok_or_else(|| "Bad directive or wrong number of arguments".to_string())?;
        let v = normalize(dir, value)?;
        self.values.insert(dir.name.to_string(), v);
        Ok(())
    }

    /// Refresh the typed fields from `values`.
    pub fn apply_all(&mut self) -> Result<(), String> {
        let g = |k: &str| self.values.get(k).cloned().unwrap_or_default();
        self.port = g("port").parse().map_err(|_| "bad port")?;
        self.bind = g("bind").split_whitespace().map(String::from).collect();
        self.shards = g("shards").parse().map_err(|_| "bad shards")?;
        self.shard_cpus = g("shard-cpus")
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<usize>()
                    .map_err(|_| format!("bad shard-cpus value '{s}'"))
            })
            .collect::<Result<_, _>>()?;
        let pass = g("requirepass");
        self.requirepass = if pass.is_empty() {
            None
        } else {
            Some(pass.into_bytes())
        };
        self.maxclients = g("maxclients").parse().map_err(|_| "bad maxclients")?;
        self.proto_max_bulk_len = g("proto-max-bulk-len")
            .parse()
            .map_err(|_| "bad proto-max-bulk-len")?;
        self.client_query_buffer_limit = g("client-query-buffer-limit")
            .parse()
            .map_err(|_| "bad client-query-buffer-limit")?;
        // Redis accepts any hz and clamps it to 1..=500, showing the clamped value.
        let hz: u32 = g("hz").parse().map_err(|_| "bad hz")?;
        self.hz = hz.clamp(1, 500);
        self.timeout = g("timeout").parse().map_err(|_| "bad timeout")?;
        self.dir = g("dir");
        let pf = g("pidfile");
        self.pidfile = if pf.is_empty() { None } else { Some(pf) };
        self.databases = g("databases").parse().map_err(|_| "bad databases")?;
        self.maxmemory = g("maxmemory").parse().map_err(|_| "bad maxmemory")?;
        self.values.insert("hz".into(), self.hz.to_string());
        Ok(())
    }

    /// Number of shard threads to run: the directive, or all CPUs but one (at least 1).
    /// A directive's current value.
    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map_or("", |v| v.as_str())
    }

    pub fn flag(&self, name: &str) -> bool {
        self.value(name) == "yes"
    }

    pub fn number(&self, name: &str) -> i64 {
        self.value(name).parse().unwrap_or(0)
    }

    pub fn cluster_enabled(&self) -> bool {
        self.flag("cluster-enabled")
    }

    pub fn shard_count(&self) -> usize {
        if self.shards > 0 {
            return self.shards;
        }
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        cpus.saturating_sub(1).max(1)
    }
}

/// Validate a value for a directive and return it in CONFIG GET's canonical form.
pub fn normalize(dir: &Directive, value: &str) -> Result<String, String> {
    match dir.kind {
        Kind::Bool => match value.to_ascii_lowercase().as_str() {
            "yes" => Ok("yes".into()),
            "no" => Ok("no".into()),
            _ => Err("argument must be 'yes' or 'no'".into()),
        },
        Kind::Int { min, max } => {
            let n: i64 = value
                .parse()
                .map_err(|_| "argument couldn't be parsed into an integer".to_string())?;
            if n < min || n > max {
                return Err(format!(
                    "argument must be between {min} and {max} inclusive"
                ));
            }
            Ok(n.to_string())
        }
        Kind::Memory => {
            let n =
                parse_memory(value).ok_or_else(|| "argument must be a memory value".to_string())?;
            if n < 0 {
                return Err("argument must be a memory value".into());
            }
            Ok(n.to_string())
        }
        Kind::Enum(opts) => {
            let l = value.to_ascii_lowercase();
            if opts.contains(&l.as_str()) {
                Ok(l)
            } else {
                Err("argument(s) must be one of the following: ".to_string() + &opts.join(", "))
            }
        }
        Kind::Str => Ok(value.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_overrides_file() {
        let dir = std::env::temp_dir().join(format!("slotcore-conf-{}", std::process::id()));
        std::fs::write(&dir, "port 7000\n# comment\nhz 20\nsave \"\"\n").unwrap();
        let args = vec![dir.display().to_string(), "--port".into(), "7001".into()];
        let c = Config::from_args(&args).unwrap();
        assert_eq!(c.port, 7001);
        assert_eq!(c.hz, 20);
        std::fs::remove_file(dir).unwrap();
    }

    #[test]
    fn bad_values_rejected() {
        assert!(Config::from_args(&["--port".into(), "abc".into()]).is_err());
        assert!(Config::from_args(&["--appendonly".into(), "maybe".into()]).is_err());
        assert!(Config::from_args(&["--no-such-directive".into(), "1".into()]).is_err());
        let c = Config::from_args(&["--proto-max-bulk-len".into(), "1mb".into()]).unwrap();
        assert_eq!(c.proto_max_bulk_len, 1 << 20);
    }
}
