//! Per-thread counters and latency histograms, merged at the end; the text table and
//! the JSON document.

use super::args::{Config, Limit};
use hdrhistogram::Histogram;
use std::fmt::Write as _;

/// Latencies are recorded in nanoseconds, 3 significant digits, up to one hour.
const MAX_NS: u64 = 3_600_000_000_000;

pub fn new_hist() -> Histogram<u64> {
    let mut h = Histogram::new_with_bounds(1, MAX_NS, 3).expect("histogram bounds");
    h.auto(false);
    h
}

/// Counters for one command type.
#[derive(Clone)]
pub struct OpStats {
    pub hist: Histogram<u64>,
    pub ops: u64,
    pub hits: u64,
    pub misses: u64,
    pub errors: u64,
    pub moved: u64,
    pub ask: u64,
    pub bytes_out: u64,
    pub bytes_in: u64,
}

impl OpStats {
    pub fn new() -> OpStats {
        OpStats {
            hist: new_hist(),
            ops: 0,
            hits: 0,
            misses: 0,
            errors: 0,
            moved: 0,
            ask: 0,
            bytes_out: 0,
            bytes_in: 0,
        }
    }

    pub fn merge(&mut self, o: &OpStats) {
        self.hist.add(&o.hist).expect("same histogram bounds");
        self.ops += o.ops;
        self.hits += o.hits;
        self.misses += o.misses;
        self.errors += o.errors;
        self.moved += o.moved;
        self.ask += o.ask;
        self.bytes_out += o.bytes_out;
        self.bytes_in += o.bytes_in;
    }

    #[inline]
    pub fn record(&mut self, ns: u64) {
        self.hist.saturating_record(ns.max(1));
    }
}

/// What one thread measured. `ops[0]` = SET, `ops[1]` = GET.
pub struct ThreadStats {
    pub ops: [OpStats; 2],
    /// --rate-limiting: how late (ns) each request left versus its schedule.
    pub lag: Histogram<u64>,
    /// Monotonic ns of the thread's first send and last reply.
    pub start_ns: u64,
    pub end_ns: u64,
    pub map_refreshes: u64,
}

/// The merged result of a run.
pub struct Report {
    pub ops: [OpStats; 2],
    pub lag: Histogram<u64>,
    pub total: OpStats,
    pub secs: f64,
    pub map_refreshes: u64,
    pub start_unix_ms: u128,
}

impl Report {
    pub fn merge(threads: &[ThreadStats], start_unix_ms: u128) -> Report {
        let mut ops = [OpStats::new(), OpStats::new()];
        let mut refreshes = 0;
        let mut lag = new_hist();
        for t in threads {
            lag.add(&t.lag).expect("same histogram bounds");
            ops[0].merge(&t.ops[0]);
            ops[1].merge(&t.ops[1]);
            refreshes += t.map_refreshes;
        }
        let start = threads.iter().map(|t| t.start_ns).min().unwrap_or(0);
        let end = threads.iter().map(|t| t.end_ns).max().unwrap_or(0);
        let mut total = OpStats::new();
        total.merge(&ops[0]);
        total.merge(&ops[1]);
        Report {
            ops,
            lag,
            total,
            secs: (end.saturating_sub(start) as f64 / 1e9).max(1e-9),
            map_refreshes: refreshes,
            start_unix_ms,
        }
    }

    fn rows(&self) -> [(&'static str, &OpStats); 3] {
        [
            ("Sets", &self.ops[0]),
            ("Gets", &self.ops[1]),
            ("Totals", &self.total),
        ]
    }
}

fn ms(ns: f64) -> f64 {
    ns / 1e6
}

fn pct(h: &Histogram<u64>, q: f64) -> f64 {
    if h.is_empty() {
        0.0
    } else {
        ms(h.value_at_quantile(q) as f64)
    }
}

fn maxv(h: &Histogram<u64>) -> f64 {
    if h.is_empty() {
        0.0
    } else {
        ms(h.max() as f64)
    }
}

fn avg(h: &Histogram<u64>) -> f64 {
    if h.is_empty() {
        0.0
    } else {
        ms(h.mean())
    }
}

pub fn describe(c: &Config) -> String {
    let limit = match c.limit {
        Limit::Requests(n) => format!("{n} requests per client"),
        Limit::Seconds(s) => format!("{s} secs"),
    };
    let rate = match c.rate {
        Some(r) => format!(", rate limit {r} req/s per client"),
        None => String::new(),
    };
    format!(
        "{} thread(s), {} client(s) per thread, pipeline {}, {limit}, ratio {}:{}, \
         key pattern {}:{}, keys {}[{}..{}], data size {}{rate}{}",
        c.threads,
        c.clients,
        c.pipeline,
        c.ratio_set,
        c.ratio_get,
        c.set_pattern.letter(),
        c.get_pattern.letter(),
        c.key_prefix,
        c.key_min,
        c.key_max,
        c.data_size,
        if c.cluster { ", cluster mode" } else { "" },
    )
}

/// The memtier-like summary table (and the distribution unless hidden).
pub fn text(r: &Report, c: &Config) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}", describe(c));
    let _ = writeln!(
        o,
        "{} ops in {:.3} secs{}",
        r.total.ops,
        r.secs,
        if r.total.errors > 0 {
            format!(", {} error replies", r.total.errors)
        } else {
            String::new()
        }
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "ALL STATS");
    let cl = c.cluster;
    let width = if cl { 166 } else { 142 };
    let _ = writeln!(o, "{}", "=".repeat(width));
    let _ = write!(
        o,
        "{:<6} {:>12} {:>12} {:>12}",
        "Type", "Ops/sec", "Hits/sec", "Misses/sec"
    );
    if cl {
        let _ = write!(o, " {:>11} {:>11}", "MOVED", "ASK");
    }
    let _ = writeln!(
        o,
        " {:>15} {:>15} {:>15} {:>15} {:>15} {:>13}",
        "Avg. Latency", "p50 Latency", "p99 Latency", "p99.9 Latency", "Max Latency", "KB/sec"
    );
    let _ = writeln!(o, "{}", "-".repeat(width));
    for (name, s) in r.rows() {
        let per = |n: u64| n as f64 / r.secs;
        let (hits, misses) = if name == "Sets" {
            ("---".to_string(), "---".to_string())
        } else {
            (
                format!("{:.2}", per(s.hits)),
                format!("{:.2}", per(s.misses)),
            )
        };
        let _ = write!(
            o,
            "{:<6} {:>12.2} {:>12} {:>12}",
            name,
            per(s.ops),
            hits,
            misses
        );
        if cl {
            let _ = write!(o, " {:>11} {:>11}", s.moved, s.ask);
        }
        let _ = writeln!(
            o,
            " {:>15.3} {:>15.3} {:>15.3} {:>15.3} {:>15.3} {:>13.2}",
            avg(&s.hist),
            pct(&s.hist, 0.5),
            pct(&s.hist, 0.99),
            pct(&s.hist, 0.999),
            maxv(&s.hist),
            (s.bytes_in + s.bytes_out) as f64 / 1024.0 / r.secs
        );
    }
    if cl {
        let _ = writeln!(o, "(slot map refreshes after MOVED: {})", r.map_refreshes);
    }
    if c.rate.is_some() && !r.lag.is_empty() {
        let l = &r.lag;
        let _ = writeln!(
            o,
            "Send lag behind the --rate-limiting schedule (ms; part of the latencies above, \
             large values mean the tool could not keep up): p50 {:.3}, p99 {:.3}, \
             p99.9 {:.3}, max {:.3}",
            ms(l.value_at_quantile(0.5) as f64),
            ms(l.value_at_quantile(0.99) as f64),
            ms(l.value_at_quantile(0.999) as f64),
            ms(l.max() as f64)
        );
    }
    if !c.hide_histogram {
        let _ = writeln!(o);
        let _ = writeln!(o);
        let _ = writeln!(o, "Request Latency Distribution");
        let _ = writeln!(o, "{:<6} {:>15} {:>15}", "Type", "<= msec", "Percent");
        let _ = writeln!(o, "{}", "-".repeat(40));
        for (name, s) in [("SET", &r.ops[0]), ("GET", &r.ops[1])] {
            if s.hist.is_empty() {
                continue;
            }
            let mut last = f64::NAN;
            for v in s.hist.iter_quantiles(2) {
                let p = v.quantile_iterated_to() * 100.0;
                if p == last {
                    continue;
                }
                last = p;
                let _ = writeln!(
                    o,
                    "{:<6} {:>15.3} {:>15.3}",
                    name,
                    ms(v.value_iterated_to() as f64),
                    p
                );
            }
            let _ = writeln!(o, "---");
        }
    }
    o
}

/// Minimal JSON writer helpers.
fn jstr(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for ch in s.chars() {
        match ch {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn jnum(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "0".into()
    }
}

pub fn json(r: &Report, c: &Config) -> String {
    let mut o = String::new();
    o.push_str("{\n  \"configuration\": {\n");
    let limit = match c.limit {
        Limit::Requests(n) => format!("    \"requests\": {n},\n    \"test_time\": null,\n"),
        Limit::Seconds(s) => format!("    \"requests\": null,\n    \"test_time\": {s},\n"),
    };
    let _ = write!(
        o,
        "    \"server\": {},\n    \"port\": {},\n    \"threads\": {},\n    \"clients\": {},\n    \
         \"pipeline\": {},\n{limit}    \"ratio\": {},\n    \"key_pattern\": {},\n    \
         \"key_prefix\": {},\n    \"key_minimum\": {},\n    \"key_maximum\": {},\n    \
         \"data_size\": {},\n    \"rate_limiting\": {},\n    \"cluster_mode\": {}\n  }},\n",
        jstr(&c.server),
        c.port,
        c.threads,
        c.clients,
        c.pipeline,
        jstr(&format!("{}:{}", c.ratio_set, c.ratio_get)),
        jstr(&format!(
            "{}:{}",
            c.set_pattern.letter(),
            c.get_pattern.letter()
        )),
        jstr(&c.key_prefix),
        c.key_min,
        c.key_max,
        c.data_size,
        c.rate.map_or("null".to_string(), |r| r.to_string()),
        c.cluster
    );
    o.push_str("  \"ALL STATS\": {\n");
    for (name, s) in r.rows() {
        let per = |n: u64| n as f64 / r.secs;
        let h = &s.hist;
        let _ = write!(
            o,
            "    {}: {{\n      \"Count\": {},\n      \"Ops/sec\": {},\n      \"Hits\": {},\n      \
             \"Misses\": {},\n      \"Hits/sec\": {},\n      \"Misses/sec\": {},\n      \
             \"Errors\": {},\n      \"MOVED\": {},\n      \"ASK\": {},\n      \
             \"Average Latency\": {},\n      \"Min Latency\": {},\n      \"Max Latency\": {},\n      \
             \"KB/sec\": {},\n      \"Percentile Latencies\": {{\n        \"p50.00\": {},\n        \
             \"p90.00\": {},\n        \"p99.00\": {},\n        \"p99.90\": {},\n        \
             \"p99.99\": {},\n        \"p100.00\": {}\n      }}\n    }},\n",
            jstr(name),
            s.ops,
            jnum(per(s.ops)),
            s.hits,
            s.misses,
            jnum(per(s.hits)),
            jnum(per(s.misses)),
            s.errors,
            s.moved,
            s.ask,
            jnum(avg(h)),
            jnum(if h.is_empty() { 0.0 } else { ms(h.min() as f64) }),
            jnum(maxv(h)),
            jnum((s.bytes_in + s.bytes_out) as f64 / 1024.0 / r.secs),
            jnum(pct(h, 0.5)),
            jnum(pct(h, 0.9)),
            jnum(pct(h, 0.99)),
            jnum(pct(h, 0.999)),
            jnum(pct(h, 0.9999)),
            jnum(maxv(h)),
        );
    }
    if c.rate.is_some() {
        let l = &r.lag;
        let q = |x: f64| {
            jnum(if l.is_empty() {
                0.0
            } else {
                ms(l.value_at_quantile(x) as f64)
            })
        };
        let _ = write!(
            o,
            "    \"Send Lag\": {{\n      \"p50.00\": {},\n      \"p99.00\": {},\n      \
             \"p99.90\": {},\n      \"p100.00\": {}\n    }},\n",
            q(0.5),
            q(0.99),
            q(0.999),
            jnum(if l.is_empty() {
                0.0
            } else {
                ms(l.max() as f64)
            })
        );
    }
    let _ = write!(
        o,
        "    \"Runtime\": {{\n      \"Start time\": {},\n      \"Finish time\": {},\n      \
         \"Total duration\": {},\n      \"Time unit\": \"MILLISECONDS\",\n      \
         \"Slot map refreshes\": {}\n    }}\n  }}\n}}\n",
        r.start_unix_ms,
        r.start_unix_ms + (r.secs * 1000.0) as u128,
        (r.secs * 1000.0) as u64,
        r.map_refreshes
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes() {
        assert_eq!(jstr("a\"b\\c\n\u{1}"), "\"a\\\"b\\\\c\\n\\u0001\"");
    }
}
