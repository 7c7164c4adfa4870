//! The stock Redis tools against slotcore: redis-benchmark and redis-cli. They are CI
//! requirements: a missing tool fails the test (CI installs redis-tools).

mod common;

use common::Server;
use std::process::Command;

fn tool(name: &str) -> std::path::PathBuf {
    common::which(name).unwrap_or_else(|| {
        panic!("{name} not found in PATH: install redis-tools (CI does); refusing to skip")
    })
}

#[test]
fn redis_benchmark_runs_clean() {
    let s = Server::shards(2);
    let out = Command::new(tool("redis-benchmark"))
        .args(["-h", "127.0.0.1", "-p", &s.port.to_string()])
        .args(["-t", "set,get,incr,mset", "-n", "2000", "-q"])
        .output()
        .expect("run redis-benchmark");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        out.status
    );
    let text = format!("{stdout}\n{stderr}");
    for line in text.lines() {
        let l = line.to_ascii_lowercase();
        assert!(
            !l.contains("err"),
            "error line from redis-benchmark: {line}\n{text}"
        );
    }
    for test in ["SET", "GET", "INCR", "MSET"] {
        assert!(
            text.split(['\r', '\n'])
                .any(|l| l.trim_start().starts_with(test)
                    && l.contains(": ")
                    && l.contains("requests per second")),
            "no {test} result:\n{text}"
        );
    }
    // The benchmark's keys are really there.
    let mut c = s.client();
    assert_reply!(
        c,
        ["EXISTS", "key:__rand_int__", "counter:__rand_int__"],
        b":2\r\n"
    );
}

fn cli(port: u16, args: &[&str]) -> String {
    let out = Command::new(tool("redis-cli"))
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .output()
        .expect("run redis-cli");
    assert!(out.status.success(), "redis-cli {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn redis_cli_round_trip() {
    let s = Server::shards(2);
    assert_eq!(cli(s.port, &["SET", "foo", "hello world"]), "OK\n");
    assert_eq!(cli(s.port, &["GET", "foo"]), "hello world\n");
    assert_eq!(cli(s.port, &["MSET", "foo", "1", "bar", "2"]), "OK\n");
    assert_eq!(cli(s.port, &["MGET", "foo", "bar", "nokey"]), "1\n2\n\n");
    assert_eq!(cli(s.port, &["INCR", "foo"]), "2\n");
    assert_eq!(cli(s.port, &["DBSIZE"]), "2\n");
    // (redis-cli prints an error line followed by an empty line, as with Redis.)
    assert_eq!(
        cli(s.port, &["NOSUCH"]),
        "ERR unknown command 'NOSUCH', with args beginning with: \n\n"
    );
    // RESP3 mode (redis-cli -3 sends HELLO 3 first).
    assert_eq!(cli(s.port, &["-3", "GET", "nokey"]), "\n");
    // Commands from stdin, as a script would pipe them.
    let mut child = Command::new(tool("redis-cli"))
        .args(["-h", "127.0.0.1", "-p", &s.port.to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"SET piped yes\nGET piped\nDEL piped\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "OK\nyes\n1\n");
}
