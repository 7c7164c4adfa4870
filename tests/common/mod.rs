//! Integration-test harness: start the real `slotcore` binary (or `redis-server`) on a
//! free port, talk raw RESP to it, and frame/parse replies independently of the crate.
//!
//! Every read has a timeout, so a server that hangs fails the test instead of blocking.

#![allow(dead_code)]

pub mod cluster;
pub mod diff;

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Default deadline for a single reply.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a server may take to answer its first PING.
const START_DEADLINE: Duration = Duration::from_secs(15);

/// Which program a [`Server`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Slotcore,
    Redis,
}

/// A server child process, killed on drop.
pub struct Server {
    pub port: u16,
    pub kind: Kind,
    child: Child,
    stderr_path: PathBuf,
    /// Keeps the temp dir (stderr file, redis-server's working dir) alive.
    _dir: TempDir,
}

/// A minimal temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let p = std::env::temp_dir().join(format!(
            "slotcore-it-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A port that was free a moment ago (bound to 127.0.0.1:0, then released).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().unwrap().port()
}

impl Server {
    /// Start slotcore with `--port P` plus `args` (e.g. `["--shards", "2"]`).
    pub fn start(args: &[&str]) -> Server {
        Self::start_kind(Kind::Slotcore, args)
    }

    /// Start slotcore with `--shards n`.
    pub fn shards(n: usize) -> Server {
        Self::start(&["--shards", &n.to_string()])
    }

    /// Start redis-server from PATH (no persistence). Panics with a clear message when
    /// it is not installed: CI installs it, so its absence is a failure, not a skip.
    pub fn start_redis(args: &[&str]) -> Server {
        Self::start_kind(Kind::Redis, args)
    }

    fn start_kind(kind: Kind, args: &[&str]) -> Server {
        let mut last_err = String::new();
        for _attempt in 0..5 {
            match Self::try_start(kind, args) {
                Ok(s) => return s,
                Err(e) => last_err = e,
            }
        }
        panic!("could not start {kind:?} with {args:?}: {last_err}");
    }

    fn try_start(kind: Kind, args: &[&str]) -> Result<Server, String> {
        let port = free_port();
        let dir = TempDir::new(match kind {
            Kind::Slotcore => "slotcore",
            Kind::Redis => "redis",
        });
        let stderr_path = dir.0.join("stderr.log");
        let stderr = std::fs::File::create(&stderr_path).map_err(|e| e.to_string())?;
        let stdout = stderr.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = match kind {
            Kind::Slotcore => {
                let mut c = Command::new(env!("CARGO_BIN_EXE_slotcore"));
                c.arg("--port").arg(port.to_string());
                c
            }
            Kind::Redis => {
                let bin = which("redis-server").unwrap_or_else(|| {
                    panic!(
                        "redis-server not found in PATH: the differential tests need it \
                         (apt-get install redis-server); refusing to skip"
                    )
                });
                let mut c = Command::new(bin);
                c.arg("--port")
                    .arg(port.to_string())
                    .arg("--bind")
                    .arg("127.0.0.1")
                    .arg("--save")
                    .arg("")
                    .arg("--appendonly")
                    .arg("no")
                    .arg("--dir")
                    .arg(&dir.0);
                c
            }
        };
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        let child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
        let mut s = Server {
            port,
            kind,
            child,
            stderr_path,
            _dir: dir,
        };
        let deadline = Instant::now() + START_DEADLINE;
        loop {
            if let Ok(Some(status)) = s.child.try_wait() {
                return Err(format!("exited early ({status}): {}", s.stderr()));
            }
            if let Ok(mut c) = Client::try_connect(port) {
                c.set_timeout(Duration::from_secs(2));
                if let Ok(r) = c.try_cmd(&[b"PING"]) {
                    if r == b"+PONG\r\n" {
                        return Ok(s);
                    }
                    // e.g. -NOAUTH with --requirepass: the server is up all the same.
                    if r.starts_with(b"-NOAUTH") {
                        return Ok(s);
                    }
                }
            }
            if Instant::now() > deadline {
                return Err(format!("no PONG within {START_DEADLINE:?}: {}", s.stderr()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A new connection to this server.
    pub fn client(&self) -> Client {
        Client::connect(self.port)
    }

    /// What the server wrote to stderr/stdout so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = self.stderr();
            if !log.is_empty() {
                let tail: String = log
                    .lines()
                    .rev()
                    .take(40)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n");
                eprintln!(
                    "--- {:?} (port {}) output tail ---\n{tail}",
                    self.kind, self.port
                );
            }
        }
    }
}

/// Find an executable in PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Encode a command as a RESP multibulk.
pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut v = Vec::new();
    write!(v, "*{}\r\n", args.len()).unwrap();
    for a in args {
        write!(v, "${}\r\n", a.len()).unwrap();
        v.extend_from_slice(a);
        v.extend_from_slice(b"\r\n");
    }
    v
}

/// Printable form of raw bytes (for assertion messages).
pub fn show(b: &[u8]) -> String {
    let mut s = String::new();
    for &c in b.iter().take(2000) {
        match c {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            0x20..=0x7e => s.push(c as char),
            _ => write!(s, "\\x{c:02x}").unwrap(),
        }
    }
    if b.len() > 2000 {
        write!(s, "...({} bytes)", b.len()).unwrap();
    }
    s
}

/// A raw RESP connection.
pub struct Client {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    pub fn connect(port: u16) -> Client {
        Self::try_connect(port).unwrap_or_else(|e| panic!("connect to port {port}: {e}"))
    }

    pub fn try_connect(port: u16) -> std::io::Result<Client> {
        let stream = TcpStream::connect_timeout(
            &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_secs(5),
        )?;
        stream.set_read_timeout(Some(READ_TIMEOUT))?;
        stream.set_write_timeout(Some(Duration::from_secs(30)))?;
        stream.set_nodelay(true)?;
        Ok(Client {
            stream,
            buf: Vec::new(),
        })
    }

    pub fn set_timeout(&mut self, t: Duration) {
        self.stream.set_read_timeout(Some(t)).unwrap();
    }

    /// Write raw bytes.
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream
            .write_all(bytes)
            .unwrap_or_else(|e| panic!("write {}: {e}", show(&bytes[..bytes.len().min(200)])));
    }

    pub fn try_send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)
    }

    fn fill(&mut self) -> std::io::Result<usize> {
        let mut tmp = [0u8; 64 * 1024];
        let n = self.stream.read(&mut tmp)?;
        self.buf.extend_from_slice(&tmp[..n]);
        Ok(n)
    }

    /// Read exactly one complete reply (raw bytes), or an I/O error (timeout, EOF).
    pub fn try_read_reply(&mut self) -> std::io::Result<Vec<u8>> {
        loop {
            match frame_len(&self.buf) {
                Ok(Some(n)) => return Ok(self.buf.drain(..n).collect()),
                Ok(None) => {}
                Err(e) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("bad reply framing ({e}): {}", show(&self.buf)),
                    ))
                }
            }
            if self.fill()? == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("connection closed; unparsed: {}", show(&self.buf)),
                ));
            }
        }
    }

    /// Read one complete reply, panicking on timeout/EOF.
    pub fn read_reply(&mut self) -> Vec<u8> {
        self.try_read_reply()
            .unwrap_or_else(|e| panic!("reading a reply: {e}"))
    }

    /// Send a command, read its raw reply.
    pub fn cmd(&mut self, args: &[&[u8]]) -> Vec<u8> {
        self.send(&encode(args));
        self.try_read_reply().unwrap_or_else(|e| {
            let shown: Vec<String> = args.iter().map(|a| show(&a[..a.len().min(60)])).collect();
            panic!("reply to {shown:?}: {e}")
        })
    }

    pub fn try_cmd(&mut self, args: &[&[u8]]) -> std::io::Result<Vec<u8>> {
        self.try_send(&encode(args))?;
        self.try_read_reply()
    }

    /// Command from string arguments, raw reply.
    pub fn q(&mut self, args: &[&str]) -> Vec<u8> {
        let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        self.cmd(&a)
    }

    /// Command from string arguments, parsed reply.
    pub fn v(&mut self, args: &[&str]) -> Val {
        let raw = self.q(args);
        parse(&raw).unwrap_or_else(|| panic!("unparsable reply {}", show(&raw)))
    }

    /// Integer reply (panics otherwise).
    pub fn int(&mut self, args: &[&str]) -> i64 {
        match self.v(args) {
            Val::Int(n) => n,
            other => panic!("{args:?}: expected an integer, got {other:?}"),
        }
    }

    /// True when the server closed the connection (EOF) within the read timeout, after
    /// draining any bytes still buffered.
    pub fn closed_by_peer(&mut self, within: Duration) -> bool {
        self.stream.set_read_timeout(Some(within)).unwrap();
        let deadline = Instant::now() + within;
        let mut tmp = [0u8; 4096];
        loop {
            match self.stream.read(&mut tmp) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
                Err(_) => return false,
            }
            if Instant::now() > deadline {
                return false;
            }
        }
    }

    /// Bytes received but not yet consumed as replies.
    pub fn pending(&self) -> &[u8] {
        &self.buf
    }

    pub fn shutdown_write(&self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }
}

/// Assert a command's raw reply equals `expected`, with a readable diff.
#[macro_export]
macro_rules! assert_reply {
    ($c:expr, [$($a:expr),* $(,)?], $exp:expr) => {{
        // A match keeps the temporaries (formatted arguments, expected bytes) alive.
        match (&$exp, [$(AsRef::<[u8]>::as_ref(&$a)),*]) {
            (exp, args) => {
                let exp: &[u8] = AsRef::<[u8]>::as_ref(exp);
                let got = $c.cmd(&args);
                if got.as_slice() != exp {
                    let shown: Vec<String> = args.iter().map(|a| $crate::common::show(a)).collect();
                    panic!(
                        "{}:{}: {:?}\n  expected: {}\n       got: {}",
                        file!(),
                        line!(),
                        shown,
                        $crate::common::show(exp),
                        $crate::common::show(&got)
                    );
                }
            }
        }
    }};
}

/// Assert a command's reply starts with `prefix` (e.g. an error class).
#[macro_export]
macro_rules! assert_reply_prefix {
    ($c:expr, [$($a:expr),* $(,)?], $exp:expr) => {{
        match (&$exp, [$(AsRef::<[u8]>::as_ref(&$a)),*]) {
            (exp, args) => {
                let exp: &[u8] = AsRef::<[u8]>::as_ref(exp);
                let got = $c.cmd(&args);
                if !got.starts_with(exp) {
                    panic!(
                        "{}:{}: expected prefix {}, got {}",
                        file!(),
                        line!(),
                        $crate::common::show(exp),
                        $crate::common::show(&got)
                    );
                }
            }
        }
    }};
}

/// Wall-clock milliseconds since the Unix epoch (the clock slotcore's expiry uses).
pub fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Wait, without touching `keys` again, until all their expiry times have passed on
/// the wall clock. Reads each `PEXPIRETIME` once, all before waiting: a key already gone
/// (-2) needs no wait; a key without a TTL (-1) is a test bug. Give the keys a TTL long
/// enough for the commands before this call to land on a loaded machine.
pub fn wait_past_expiry(c: &mut Client, keys: &[&str]) {
    let mut last = 0;
    for key in keys {
        let at = c.int(&["PEXPIRETIME", key]);
        assert_ne!(at, -1, "{key} has no TTL");
        last = last.max(at);
    }
    let passed = wait_until(Duration::from_secs(120), || unix_ms() > last);
    assert!(passed, "{keys:?}: expiry time {last} still ahead");
}

/// Poll `f` until it returns true or `deadline` passes; returns the last result.
pub fn wait_until(deadline: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + deadline;
    loop {
        if f() {
            return true;
        }
        if Instant::now() > end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---- RESP framing and decoding (independent of the crate under test) ----

/// A decoded RESP2/RESP3 reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Simple(String),
    Error(String),
    Int(i64),
    /// `$-1` (RESP2) and `_` (RESP3) both decode to `Nil`; `*-1` to `NilArray`.
    Bulk(Vec<u8>),
    Nil,
    NilArray,
    Array(Vec<Val>),
    Map(Vec<(Val, Val)>),
    Set(Vec<Val>),
    Push(Vec<Val>),
    Double(String),
    Bool(bool),
    BigNum(String),
    Verbatim(String, Vec<u8>),
}

impl Val {
    pub fn bulk_str(&self) -> String {
        match self {
            Val::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
            Val::Verbatim(_, b) => String::from_utf8_lossy(b).into_owned(),
            Val::Simple(s) => s.clone(),
            other => panic!("not a string: {other:?}"),
        }
    }

    pub fn items(&self) -> &[Val] {
        match self {
            Val::Array(v) | Val::Set(v) | Val::Push(v) => v,
            other => panic!("not an array: {other:?}"),
        }
    }
}

/// Length of the first complete reply in `buf`: Ok(None) if incomplete, Err if the
/// bytes are not valid RESP.
pub fn frame_len(buf: &[u8]) -> Result<Option<usize>, String> {
    frame_at(buf, 0)
}

fn read_line(buf: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let rest = buf.get(pos..)?;
    let i = rest.windows(2).position(|w| w == b"\r\n")?;
    Some((&rest[..i], pos + i + 2))
}

fn num(line: &[u8]) -> Result<i64, String> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| format!("bad length {}", show(line)))
}

fn frame_at(buf: &[u8], pos: usize) -> Result<Option<usize>, String> {
    if pos >= buf.len() {
        return Ok(None);
    }
    let tag = buf[pos];
    let Some((line, next)) = read_line(buf, pos + 1) else {
        return Ok(None);
    };
    match tag {
        b'+' | b'-' | b':' | b'_' | b'#' | b',' | b'(' => Ok(Some(next)),
        b'$' | b'=' | b'!' => {
            let n = num(line)?;
            if n < 0 {
                return Ok(Some(next));
            }
            let end = next + n as usize + 2;
            if buf.len() < end {
                return Ok(None);
            }
            if &buf[end - 2..end] != b"\r\n" {
                return Err("bulk not terminated by CRLF".into());
            }
            Ok(Some(end))
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n = num(line)?;
            if n < 0 {
                return Ok(Some(next));
            }
            let count = if tag == b'%' || tag == b'|' { 2 * n } else { n };
            let mut p = next;
            for _ in 0..count {
                match frame_at(buf, p)? {
                    Some(e) => p = e,
                    None => return Ok(None),
                }
            }
            if tag == b'|' {
                // An attribute precedes the actual reply.
                return frame_at(buf, p);
            }
            Ok(Some(p))
        }
        other => Err(format!("unknown type byte {:?}", other as char)),
    }
}

/// Decode one complete reply.
pub fn parse(buf: &[u8]) -> Option<Val> {
    parse_at(buf, 0).map(|(v, _)| v)
}

/// Decode all replies in `buf`.
pub fn parse_all(buf: &[u8]) -> Vec<Val> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let (v, n) = parse_at(buf, pos).expect("complete replies");
        out.push(v);
        pos = n;
    }
    out
}

fn parse_at(buf: &[u8], pos: usize) -> Option<(Val, usize)> {
    let tag = *buf.get(pos)?;
    let (line, next) = read_line(buf, pos + 1)?;
    let text = || String::from_utf8_lossy(line).into_owned();
    Some(match tag {
        b'+' => (Val::Simple(text()), next),
        b'-' => (Val::Error(text()), next),
        b':' => (Val::Int(num(line).ok()?), next),
        b'_' => (Val::Nil, next),
        b'#' => (Val::Bool(line == b"t"), next),
        b',' => (Val::Double(text()), next),
        b'(' => (Val::BigNum(text()), next),
        b'$' | b'=' | b'!' => {
            let n = num(line).ok()?;
            if n < 0 {
                return Some((Val::Nil, next));
            }
            let end = next + n as usize;
            let body = buf.get(next..end)?.to_vec();
            let v = match tag {
                b'=' => {
                    let fmt = String::from_utf8_lossy(&body[..3.min(body.len())]).into_owned();
                    Val::Verbatim(fmt, body[4.min(body.len())..].to_vec())
                }
                b'!' => Val::Error(String::from_utf8_lossy(&body).into_owned()),
                _ => Val::Bulk(body),
            };
            (v, end + 2)
        }
        b'*' | b'~' | b'>' => {
            let n = num(line).ok()?;
            if n < 0 {
                return Some((Val::NilArray, next));
            }
            let mut p = next;
            let mut items = Vec::with_capacity(n as usize);
            for _ in 0..n {
                let (v, e) = parse_at(buf, p)?;
                items.push(v);
                p = e;
            }
            let v = match tag {
                b'*' => Val::Array(items),
                b'~' => Val::Set(items),
                _ => Val::Push(items),
            };
            (v, p)
        }
        b'%' | b'|' => {
            let n = num(line).ok()?;
            let mut p = next;
            let mut items = Vec::with_capacity(n as usize);
            for _ in 0..n {
                let (k, e) = parse_at(buf, p)?;
                let (v, e) = parse_at(buf, e)?;
                items.push((k, v));
                p = e;
            }
            if tag == b'|' {
                return parse_at(buf, p);
            }
            (Val::Map(items), p)
        }
        _ => return None,
    })
}

/// Redis Cluster's key hash slot (CRC16/XMODEM of the hash tag or key, mod 16384).
pub fn key_slot(key: &[u8]) -> u16 {
    let k = match key.iter().position(|&c| c == b'{') {
        Some(s) => match key[s + 1..].iter().position(|&c| c == b'}') {
            Some(len) if len > 0 => &key[s + 1..s + 1 + len],
            _ => key,
        },
        None => key,
    };
    let mut crc: u16 = 0;
    for &b in k {
        crc ^= (b as u16) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc % 16384
}

/// Which of two shards owns `key` (slots 0..8191 → 0, 8192..16383 → 1).
pub fn shard_of2(key: &[u8]) -> usize {
    (key_slot(key) >= 8192) as usize
}

/// Run `fn $name(&Server)` as two tests, against `--shards 1` and `--shards 2`.
#[macro_export]
macro_rules! per_shards {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn shards_1() {
                    super::$name(&$crate::common::Server::shards(1));
                }
                #[test]
                fn shards_2() {
                    super::$name(&$crate::common::Server::shards(2));
                }
            }
        )*
    };
}

#[cfg(test)]
mod self_tests {
    use super::*;

    #[test]
    fn slots() {
        assert_eq!(key_slot(b"foo"), 12182);
        assert_eq!(key_slot(b"bar"), 5061);
        assert_eq!(key_slot(b"{foo}x"), 12182);
        assert_eq!(key_slot(b"123456789"), 0x31c3);
    }

    #[test]
    fn framing() {
        assert_eq!(frame_len(b"+OK\r\n"), Ok(Some(5)));
        assert_eq!(frame_len(b"+OK\r"), Ok(None));
        assert_eq!(frame_len(b"$3\r\nabc\r\n+"), Ok(Some(9)));
        assert_eq!(frame_len(b"$3\r\nab"), Ok(None));
        assert_eq!(frame_len(b"*2\r\n:1\r\n$-1\r\n"), Ok(Some(13)));
        assert_eq!(frame_len(b"*2\r\n:1\r\n"), Ok(None));
        assert_eq!(frame_len(b"%1\r\n+a\r\n:1\r\n"), Ok(Some(12)));
        assert_eq!(frame_len(b"_\r\n"), Ok(Some(3)));
        assert_eq!(frame_len(b"|1\r\n+a\r\n+b\r\n:5\r\n"), Ok(Some(16)));
        assert!(frame_len(b"?x\r\n").is_err());
    }
}
