//! The per-client limits `timeout` (close a client idle for longer than that many
//! seconds) and `client-query-buffer-limit` (close a client whose unparsed input exceeds
//! it), checked on slotcore (`--shards 1` and `--shards 2`) and, with the same
//! assertions, on redis-server, so the tests pin Redis's behaviour rather than ours.
//!
//! Every wait is a condition with a deadline. The few fixed waits only give a server
//! more time to misbehave (a client that must stay open is checked after them), so a
//! slow machine can hide a bug for one run but cannot make a correct server fail.

mod common;

use common::{Client, Kind, Server};
use std::io::Read;
use std::time::{Duration, Instant};

/// How long a server may take to act on a limit on a busy machine.
const DEADLINE: Duration = Duration::from_secs(20);

fn start(kind: Kind, shards: &str, args: &[&str]) -> Server {
    match kind {
        Kind::Slotcore => {
            let mut a = vec!["--shards", shards];
            a.extend_from_slice(args);
            Server::start(&a)
        }
        Kind::Redis => Server::start_redis(args),
    }
}

/// Read until the server closes the connection or `within` passes; returns what arrived
/// before the close, or None if it stayed open.
fn bytes_before_close(c: &mut Client, within: Duration) -> Option<Vec<u8>> {
    let mut got = c.pending().to_vec();
    let end = Instant::now() + within;
    let mut tmp = [0u8; 4096];
    while Instant::now() < end {
        c.stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        match c.stream.read(&mut tmp) {
            Ok(0) => return Some(got),
            Ok(n) => got.extend_from_slice(&tmp[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Some(got),
            Err(_) => {}
        }
    }
    None
}

/// `timeout 1`: an idle client is closed without a reply; a client blocked in BLPOP
/// (idle for longer) is not, as in Redis; a client that keeps talking past the timeout
/// is not.
fn idle_timeout(kind: Kind, shards: &str) {
    let s = start(kind, shards, &["--timeout", "1"]);
    // The exempt client first, so it has been idle the longest.
    let mut blocked = s.client();
    blocked.send(&common::encode(&[b"BLPOP", b"l", b"0"]));
    let mut idle = s.client();
    assert_eq!(idle.q(&["PING"]), b"+PONG\r\n");
    let before = bytes_before_close(&mut idle, DEADLINE)
        .unwrap_or_else(|| panic!("{kind:?}: idle client still open after {DEADLINE:?}"));
    assert!(before.is_empty(), "{kind:?}: {}", common::show(&before));
    // More time for a server that times out exempt clients on a later tick.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(s.client().int(&["LPUSH", "l", "x"]), 1);
    assert_eq!(
        blocked
            .try_read_reply()
            .unwrap_or_else(|e| panic!("{kind:?}: blocked client: {e}")),
        b"*2\r\n$1\r\nl\r\n$1\r\nx\r\n",
        "{kind:?}"
    );
    // An active client outlives the timeout: idleness counts, not age. The timeout is
    // raised first so that only a stall of several seconds between two PINGs (not a
    // busy machine) could close it.
    let mut admin = s.client();
    assert_eq!(admin.q(&["CONFIG", "SET", "timeout", "3"]), b"+OK\r\n");
    let mut active = s.client();
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        assert_eq!(
            active
                .try_cmd(&[b"PING"])
                .unwrap_or_else(|e| panic!("{kind:?}: active client: {e}")),
            b"+PONG\r\n"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn timeout_closes_idle_clients_slotcore_1() {
    idle_timeout(Kind::Slotcore, "1");
}

#[test]
fn timeout_closes_idle_clients_slotcore_2() {
    idle_timeout(Kind::Slotcore, "2");
}

#[test]
fn timeout_closes_idle_clients_redis() {
    idle_timeout(Kind::Redis, "");
}

/// `timeout 1` spares a pub/sub subscriber (Redis exempts them: they only listen): it
/// still answers PING after an idle client subscribed later was closed.
fn timeout_spares_subscribers(kind: Kind, shards: &str) {
    let s = start(kind, shards, &["--timeout", "1"]);
    let mut sub = s.client();
    assert_eq!(
        sub.q(&["SUBSCRIBE", "ch"]),
        b"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
    );
    let mut idle = s.client();
    assert_eq!(idle.q(&["PING"]), b"+PONG\r\n");
    assert!(
        bytes_before_close(&mut idle, DEADLINE).is_some(),
        "{kind:?}: idle client still open after {DEADLINE:?}"
    );
    std::thread::sleep(Duration::from_millis(2500));
    sub.send(&common::encode(&[b"PING"]));
    assert_eq!(
        sub.try_read_reply()
            .unwrap_or_else(|e| panic!("{kind:?}: subscriber: {e}")),
        b"*2\r\n$4\r\npong\r\n$0\r\n\r\n",
        "{kind:?}"
    );
}

#[test]
fn timeout_spares_subscribers_slotcore() {
    timeout_spares_subscribers(Kind::Slotcore, "2");
}

#[test]
fn timeout_spares_subscribers_redis() {
    timeout_spares_subscribers(Kind::Redis, "");
}

/// `timeout 0` (the default) never closes an idle client: checked after the time a
/// `timeout 1` server took to close one.
#[test]
fn timeout_zero_keeps_idle_clients() {
    let s = start(Kind::Slotcore, "1", &[]);
    let mut idle = s.client();
    assert_eq!(idle.q(&["PING"]), b"+PONG\r\n");
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(idle.q(&["PING"]), b"+PONG\r\n");
}

/// `client-query-buffer-limit 1mb` (Redis's minimum): a client that sends 1.5 MB of a
/// bulk string it never finishes is closed without a reply; a complete command carrying
/// 900 KB is answered; other clients are unaffected.
fn query_buffer_limit(kind: Kind, shards: &str) {
    let s = start(kind, shards, &["--client-query-buffer-limit", "1mb"]);
    let mut ok = s.client();
    let value = vec![b'v'; 900 * 1024];
    assert_eq!(ok.cmd(&[b"SET", b"k", &value]), b"+OK\r\n");
    assert_eq!(ok.q(&["STRLEN", "k"]), b":921600\r\n");

    let mut big = s.client();
    big.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4000000\r\n");
    let chunk = vec![b'x'; 64 * 1024];
    for _ in 0..24 {
        // The server may close (and reset) the connection while we are still writing.
        if big.try_send(&chunk).is_err() {
            break;
        }
    }
    let before = bytes_before_close(&mut big, DEADLINE).unwrap_or_else(|| {
        panic!("{kind:?}: client over the query buffer limit still open after {DEADLINE:?}")
    });
    assert!(before.is_empty(), "{kind:?}: {}", common::show(&before));
    // The limit closed that client only.
    assert_eq!(ok.q(&["STRLEN", "k"]), b":921600\r\n");
    assert_eq!(s.client().q(&["PING"]), b"+PONG\r\n");
}

#[test]
fn query_buffer_limit_slotcore_1() {
    query_buffer_limit(Kind::Slotcore, "1");
}

#[test]
fn query_buffer_limit_slotcore_2() {
    query_buffer_limit(Kind::Slotcore, "2");
}

#[test]
fn query_buffer_limit_redis() {
    query_buffer_limit(Kind::Redis, "");
}
