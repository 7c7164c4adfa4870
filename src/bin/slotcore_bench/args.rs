//! Command-line knobs, named after memtier_benchmark's so runs can be cross-checked.

use std::fmt;

/// How keys are picked for one command type (memtier's `--key-pattern` letters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// `R`: uniform random in [min, max].
    Random,
    /// `G`: gaussian around the middle of [min, max], stddev = range / 6, clamped.
    Gaussian,
    /// `S`: sequential; every connection walks min..=max from `min`, wrapping.
    Sequential,
    /// `P`: parallel sequential; connection k of K walks its own k-th slice of the range.
    Parallel,
}

impl Pattern {
    fn parse(c: &str) -> Result<Pattern, String> {
        match c {
            "R" => Ok(Pattern::Random),
            "G" => Ok(Pattern::Gaussian),
            "S" => Ok(Pattern::Sequential),
            "P" => Ok(Pattern::Parallel),
            _ => Err(format!("unknown key pattern '{c}' (expected R, G, S or P)")),
        }
    }

    pub fn letter(self) -> char {
        match self {
            Pattern::Random => 'R',
            Pattern::Gaussian => 'G',
            Pattern::Sequential => 'S',
            Pattern::Parallel => 'P',
        }
    }
}

/// Stop condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// `--requests N`: every connection (client) sends N requests.
    Requests(u64),
    /// `--test-time S`: send for S seconds, then wait for the outstanding replies.
    Seconds(u64),
}

#[derive(Clone, Debug)]
pub struct Config {
    pub server: String,
    pub port: u16,
    pub clients: usize,
    pub threads: usize,
    pub pipeline: usize,
    pub limit: Limit,
    pub ratio_set: u32,
    pub ratio_get: u32,
    pub set_pattern: Pattern,
    pub get_pattern: Pattern,
    pub key_prefix: String,
    pub key_min: u64,
    pub key_max: u64,
    pub data_size: usize,
    /// Requests per second per client (= per connection outside cluster mode).
    pub rate: Option<u64>,
    pub cluster: bool,
    pub json_out: Option<String>,
    pub hide_histogram: bool,
    /// Hidden (debug): in cluster mode, skip the initial CLUSTER SLOTS and assume
    /// --server:--port owns every slot, so redirections are exercised.
    pub debug_single_node_map: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            server: "127.0.0.1".into(),
            port: 6379,
            clients: 50,
            threads: 1,
            pipeline: 1,
            limit: Limit::Requests(10_000),
            ratio_set: 1,
            ratio_get: 10,
            set_pattern: Pattern::Random,
            get_pattern: Pattern::Random,
            key_prefix: "memtier-".into(),
            key_min: 0,
            key_max: 10_000_000,
            data_size: 32,
            rate: None,
            cluster: false,
            json_out: None,
            hide_histogram: false,
            debug_single_node_map: false,
        }
    }
}

pub const HELP: &str = "\
slotcore-bench: a memtier_benchmark-style load generator for Redis-protocol servers
(RESP2 GET/SET), one epoll event loop per thread, latency in HdrHistograms.

Usage: slotcore-bench [options]

Connection:
  -s, --server=ADDR          Server host name or address (default: 127.0.0.1)
  -p, --port=PORT            Server port (default: 6379)
      --cluster-mode         Redis Cluster: fetch CLUSTER SLOTS from --server:--port,
                             connect every client to every master, route each key by
                             its CRC16 hash slot (hash tags honoured), follow -MOVED
                             (and refresh the slot map) and -ASK (with ASKING), and
                             count both; a redirected request is one op, timed from
                             its first send to its final reply

Load:
  -t, --threads=N            Number of threads, each with its own event loop (default: 1)
  -c, --clients=N            Clients (connections) per thread (default: 50)
      --pipeline=N           Requests kept outstanding per connection (in cluster
                             mode: per client and node) (default: 1)
  -n, --requests=N           Requests per client (default: 10000, unless --test-time)
      --test-time=SECS       Run for SECS seconds instead of a request count
      --ratio=SET:GET        SET:GET ratio, e.g. 1:10, 0:1 (GET only), 1:0 (default: 1:10)
      --rate-limiting=N      Send N requests/s per client (one connection, or one
                             per master in cluster mode) on a fixed schedule;
                             latency is measured from each request's intended send
                             time (coordinated-omission corrected), so queueing
                             behind a slow server counts; the tool's own lag behind
                             the schedule is reported too

Keys and values:
      --key-pattern=S:G      Key pattern for SET:GET, each one of
                               R  uniform random in [min, max]
                               G  gaussian, centred on the middle, stddev = range/6
                               S  sequential: every client walks min..max, wrapping
                               P  parallel sequential: client k walks its own slice
                             (default: R:R)
      --key-prefix=STR       Key name prefix (default: memtier-)
      --key-minimum=N        Smallest key number (default: 0)
      --key-maximum=N        Largest key number (default: 10000000)
  -d, --data-size=BYTES      SET value size in bytes (default: 32)

Output:
      --json-out-file=FILE   Also write the results as JSON to FILE
      --hide-histogram       Don't print the latency distribution
  -h, --help                 Show this help

Keys are PREFIX followed by the decimal key number (memtier-123). The summary gives
ops/s, hits/s and misses/s (GET), average, p50, p99, p99.9 and max latency in ms, and
KB/s for Sets, Gets and Totals; in cluster mode also the MOVED and ASK redirections.
";

#[derive(Debug)]
pub enum ArgsError {
    Help,
    Bad(String),
}

impl fmt::Display for ArgsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgsError::Help => write!(f, "help"),
            ArgsError::Bad(s) => write!(f, "{s}"),
        }
    }
}

fn num<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, ArgsError> {
    v.trim()
        .parse()
        .map_err(|_| ArgsError::Bad(format!("invalid value for --{name}: '{v}'")))
}

fn pair(name: &str, v: &str) -> Result<(String, String), ArgsError> {
    match v.split_once(':') {
        Some((a, b)) => Ok((a.to_string(), b.to_string())),
        None => Err(ArgsError::Bad(format!("--{name} expects A:B, got '{v}'"))),
    }
}

/// Parse `args` (without the program name).
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Config, ArgsError> {
    let mut c = Config::default();
    let mut requests: Option<u64> = None;
    let mut seconds: Option<u64> = None;
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let (name, inline): (String, Option<String>) = if let Some(rest) = arg.strip_prefix("--") {
            match rest.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (rest.to_string(), None),
            }
        } else if arg.len() >= 2 && arg.starts_with('-') {
            let short = &arg[1..2];
            let long = match short {
                "s" => "server",
                "p" => "port",
                "t" => "threads",
                "c" => "clients",
                "n" => "requests",
                "d" => "data-size",
                "h" => "help",
                _ => return Err(ArgsError::Bad(format!("unknown option '{arg}'"))),
            };
            let v = if arg.len() > 2 {
                Some(arg[2..].to_string())
            } else {
                None
            };
            (long.to_string(), v)
        } else {
            return Err(ArgsError::Bad(format!("unexpected argument '{arg}'")));
        };
        // Flags without a value.
        match name.as_str() {
            "help" => return Err(ArgsError::Help),
            "cluster-mode" | "hide-histogram" | "debug-single-node-map" => {
                if inline.is_some() {
                    return Err(ArgsError::Bad(format!("--{name} takes no value")));
                }
                match name.as_str() {
                    "cluster-mode" => c.cluster = true,
                    "hide-histogram" => c.hide_histogram = true,
                    _ => c.debug_single_node_map = true,
                }
                continue;
            }
            _ => {}
        }
        let v = match inline {
            Some(v) => v,
            None => it
                .next()
                .ok_or_else(|| ArgsError::Bad(format!("--{name} needs a value")))?,
        };
        match name.as_str() {
            "server" => c.server = v,
            "port" => c.port = num(&name, &v)?,
            "clients" => c.clients = num(&name, &v)?,
            "threads" => c.threads = num(&name, &v)?,
            "pipeline" => c.pipeline = num(&name, &v)?,
            "requests" => requests = Some(num(&name, &v)?),
            "test-time" => seconds = Some(num(&name, &v)?),
            "ratio" => {
                let (a, b) = pair(&name, &v)?;
                c.ratio_set = num(&name, &a)?;
                c.ratio_get = num(&name, &b)?;
            }
            "key-pattern" => {
                let (a, b) = pair(&name, &v)?;
                c.set_pattern = Pattern::parse(&a).map_err(ArgsError::Bad)?;
                c.get_pattern = Pattern::parse(&b).map_err(ArgsError::Bad)?;
            }
            "key-prefix" => c.key_prefix = v,
            "key-minimum" => c.key_min = num(&name, &v)?,
            "key-maximum" => c.key_max = num(&name, &v)?,
            "data-size" => c.data_size = num(&name, &v)?,
            "rate-limiting" => c.rate = Some(num(&name, &v)?),
            "json-out-file" => c.json_out = Some(v),
            _ => return Err(ArgsError::Bad(format!("unknown option '--{name}'"))),
        }
    }
    match (requests, seconds) {
        (Some(_), Some(_)) => {
            return Err(ArgsError::Bad(
                "--requests and --test-time are mutually exclusive".into(),
            ))
        }
        (Some(n), None) => c.limit = Limit::Requests(n),
        (None, Some(s)) => c.limit = Limit::Seconds(s),
        (None, None) => {}
    }
    let bad = |s: &str| Err(ArgsError::Bad(s.to_string()));
    if c.clients == 0 || c.threads == 0 || c.pipeline == 0 {
        return bad("--clients, --threads and --pipeline must be at least 1");
    }
    if c.ratio_set == 0 && c.ratio_get == 0 {
        return bad("--ratio 0:0 sends nothing");
    }
    if c.key_min > c.key_max {
        return bad("--key-minimum is greater than --key-maximum");
    }
    if c.rate == Some(0) {
        return bad("--rate-limiting must be at least 1");
    }
    if matches!(c.limit, Limit::Seconds(0)) {
        return bad("--test-time must be at least 1");
    }
    if c.debug_single_node_map && !c.cluster {
        return bad("--debug-single-node-map needs --cluster-mode");
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Config, ArgsError> {
        parse(s.split_whitespace().map(String::from))
    }

    #[test]
    fn defaults_match_memtier() {
        let c = p("").unwrap();
        assert_eq!(c.server, "127.0.0.1");
        assert_eq!(c.port, 6379);
        assert_eq!((c.clients, c.threads, c.pipeline), (50, 1, 1));
        assert_eq!((c.ratio_set, c.ratio_get), (1, 10));
        assert_eq!(c.key_prefix, "memtier-");
        assert_eq!((c.key_min, c.key_max, c.data_size), (0, 10_000_000, 32));
        assert_eq!(c.limit, Limit::Requests(10_000));
    }

    #[test]
    fn forms() {
        let c = p(
            "--port=7000 -c 5 -t2 --ratio 0:1 --key-pattern G:S --test-time 3 \
                   --rate-limiting 100 --cluster-mode --hide-histogram",
        )
        .unwrap();
        assert_eq!((c.port, c.clients, c.threads), (7000, 5, 2));
        assert_eq!((c.ratio_set, c.ratio_get), (0, 1));
        assert_eq!(
            (c.set_pattern, c.get_pattern),
            (Pattern::Gaussian, Pattern::Sequential)
        );
        assert_eq!(c.limit, Limit::Seconds(3));
        assert_eq!(c.rate, Some(100));
        assert!(c.cluster && c.hide_histogram);
        assert!(p("--requests 1 --test-time 1").is_err());
        assert!(p("--ratio 1").is_err());
        assert!(p("--bogus 1").is_err());
        assert!(matches!(p("--help"), Err(ArgsError::Help)));
    }

    #[test]
    fn help_lists_every_knob() {
        for k in [
            "--server",
            "--port",
            "--clients",
            "--threads",
            "--pipeline",
            "--requests",
            "--test-time",
            "--ratio",
            "--key-pattern",
            "--key-prefix",
            "--key-minimum",
            "--key-maximum",
            "--data-size",
            "--rate-limiting",
            "--cluster-mode",
            "--json-out-file",
            "--hide-histogram",
            "--help",
        ] {
            assert!(HELP.contains(k), "{k}");
        }
    }
}
