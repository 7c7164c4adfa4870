//! The load tool `slotcore-bench`: a short run against a real redis-server, checked
//! through its JSON output, and its --help. redis-server is a CI requirement: a missing
//! one fails the test (CI installs redis-server).

mod common;

use common::Server;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_slotcore-bench");

/// The number after `"key": ` in the first occurrence at or after `from`.
fn json_number(json: &str, from: usize, key: &str) -> f64 {
    let pat = format!("\"{key}\": ");
    let at = json[from..]
        .find(&pat)
        .unwrap_or_else(|| panic!("no {key} in JSON:\n{json}"))
        + from
        + pat.len();
    let end = json[at..]
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .map_or(json.len(), |e| at + e);
    json[at..end]
        .parse()
        .unwrap_or_else(|_| panic!("bad {key} value in JSON:\n{json}"))
}

#[test]
fn runs_against_redis_and_writes_json() {
    assert!(
        common::which("redis-server").is_some(),
        "redis-server not found in PATH: this test runs slotcore-bench against it \
         (apt-get install redis-server); refusing to skip"
    );
    let s = Server::start_redis(&[]);
    let dir = common::TempDir::new("bench-tool");
    let json_path = dir.0.join("out.json");
    let t0 = Instant::now();
    let out = Command::new(BIN)
        .args(["--server", "127.0.0.1", "--port", &s.port.to_string()])
        .args(["--threads", "1", "--clients", "4", "--pipeline", "4"])
        .args([
            "--test-time",
            "1",
            "--ratio",
            "1:3",
            "--key-maximum",
            "1000",
        ])
        .args(["--hide-histogram", "--json-out-file"])
        .arg(&json_path)
        .output()
        .expect("run slotcore-bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        t0.elapsed() < Duration::from_secs(4),
        "a 1 s run took {:?}",
        t0.elapsed()
    );
    for row in ["Sets", "Gets", "Totals"] {
        assert!(
            stdout.lines().any(|l| l.starts_with(row)),
            "no {row} row:\n{stdout}"
        );
    }
    let json = std::fs::read_to_string(&json_path).expect("read JSON output");
    let totals = json.find("\"Totals\"").expect("Totals in JSON");
    let sets = json.find("\"Sets\"").expect("Sets in JSON");
    let gets = json.find("\"Gets\"").expect("Gets in JSON");
    let total_ops = json_number(&json, totals, "Count");
    assert!(total_ops > 0.0, "no ops:\n{json}");
    assert!(json_number(&json, totals, "Ops/sec") > 0.0, "{json}");
    assert!(json_number(&json, totals, "p50.00") > 0.0, "{json}");
    assert_eq!(json_number(&json, totals, "Errors"), 0.0, "{json}");
    let (set_ops, get_ops) = (
        json_number(&json, sets, "Count"),
        json_number(&json, gets, "Count"),
    );
    assert_eq!(set_ops + get_ops, total_ops, "{json}");
    // Ratio 1:3 per client, cycles cut short only at the end.
    assert!(
        (get_ops / set_ops - 3.0).abs() < 0.1,
        "sets {set_ops} gets {get_ops}"
    );
    // With 1000 keys and a quarter of the traffic SETs, GETs must see hits.
    let hits = json_number(&json, gets, "Hits");
    let misses = json_number(&json, gets, "Misses");
    assert!(hits > 0.0, "{json}");
    assert_eq!(hits + misses, get_ops, "{json}");
    // The keys really landed on the server.
    assert!(s.client().int(&["DBSIZE"]) > 0);
}

#[test]
fn help_lists_every_knob() {
    let out = Command::new(BIN)
        .arg("--help")
        .output()
        .expect("run --help");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for knob in [
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
        assert!(help.contains(knob), "--help lacks {knob}:\n{help}");
    }
    // A bad knob is a usage error, not a run.
    let out = Command::new(BIN).arg("--no-such-knob").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
