//! slotcore-bench: memtier_benchmark-style GET/SET load generator (binary-private).
//!
//! Layout: `args` (knobs and --help), `keys` (key patterns, request templates, hash
//! slots), `resp` (reply framing), `cluster` (slot map), `worker` (one event loop per
//! thread), `stats` (histograms, table, JSON).

pub mod args;
pub mod cluster;
pub mod keys;
pub mod resp;
pub mod stats;
pub mod worker;

use args::{ArgsError, Config};
use cluster::Topology;
use std::io::{IsTerminal, Write};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Barrier};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use worker::{Progress, Shared};

/// Entry point; returns the process exit code.
pub fn main() -> i32 {
    let cfg = match args::parse(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(ArgsError::Help) => {
            print!("{}", args::HELP);
            return 0;
        }
        Err(ArgsError::Bad(e)) => {
            eprintln!("slotcore-bench: {e}\nTry 'slotcore-bench --help'.");
            return 2;
        }
    };
    match run(cfg) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("slotcore-bench: error: {e}");
            1
        }
    }
}

fn run(cfg: Config) -> Result<(), String> {
    let addr = cluster::resolve(&cfg.server, cfg.port)?;
    let topo = if cfg.cluster && !cfg.debug_single_node_map {
        let t = cluster::fetch(addr)?;
        eprintln!(
            "cluster: {} master(s): {}",
            t.nodes.len(),
            t.nodes
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        t
    } else {
        Topology::single(addr)
    };
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
        ^ ((std::process::id() as u64) << 32);
    let shared = Arc::new(Shared {
        templates: keys::Templates::new(cfg.key_prefix.as_bytes(), cfg.data_size),
        slot_of: keys::SlotOf::new(cfg.key_prefix.as_bytes()),
        topo,
        seed,
        barrier: Barrier::new(cfg.threads + 1),
        progress: (0..cfg.threads).map(|_| Progress::default()).collect(),
        abort: AtomicBool::new(false),
        cfg,
    });
    let mut handles = Vec::new();
    for tid in 0..shared.cfg.threads {
        let sh = Arc::clone(&shared);
        let h = std::thread::Builder::new()
            .name(format!("bench-{tid}"))
            .spawn(move || worker::run(&sh, tid))
            .map_err(|e| format!("spawn thread: {e}"))?;
        handles.push(h);
    }
    shared.barrier.wait();
    let start_unix_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let cfg = &shared.cfg;
    let tty = std::io::stderr().is_terminal();
    let t0 = std::time::Instant::now();
    let mut last = (0u64, t0);
    while !handles.iter().all(|h| h.is_finished()) {
        std::thread::sleep(Duration::from_millis(100));
        if tty && last.1.elapsed() >= Duration::from_secs(1) {
            let done: u64 = shared
                .progress
                .iter()
                .map(|p| p.0.load(std::sync::atomic::Ordering::Relaxed))
                .sum();
            let dt = last.1.elapsed().as_secs_f64();
            eprint!(
                "\r[{:>4.0} secs] {:>12} ops, {:>12.0} ops/sec   ",
                t0.elapsed().as_secs_f64(),
                done,
                (done - last.0) as f64 / dt
            );
            let _ = std::io::stderr().flush();
            last = (done, std::time::Instant::now());
        }
    }
    if tty {
        eprintln!();
    }
    let mut results = Vec::new();
    let mut first_err = None;
    for h in handles {
        match h.join() {
            Ok(Ok(s)) => results.push(s),
            Ok(Err(e)) if e == worker::ABORTED => {}
            Ok(Err(e)) => {
                first_err.get_or_insert(e);
            }
            Err(_) => {
                first_err.get_or_insert("a benchmark thread panicked".to_string());
            }
        }
    }
    if let Some(e) = first_err {
        return Err(e);
    }
    let report = stats::Report::merge(&results, start_unix_ms);
    print!("{}", stats::text(&report, cfg));
    if let Some(path) = &cfg.json_out {
        std::fs::write(path, stats::json(&report, cfg))
            .map_err(|e| format!("write {path}: {e}"))?;
    }
    if report.total.errors > 0 {
        eprintln!(
            "slotcore-bench: warning: {} error replies (Sets {}, Gets {})",
            report.total.errors, report.ops[0].errors, report.ops[1].errors
        );
    }
    Ok(())
}
