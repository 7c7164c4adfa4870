//! Connection and server commands: PING, ECHO, HELLO, AUTH, SELECT, QUIT, RESET,
//! CLIENT, INFO, CONFIG, COMMAND, TIME, DEBUG, and the generic error texts.

mod common;

use common::{Client, Server, Val};
use std::time::Duration;

const OK: &[u8] = b"+OK\r\n";

fn hello_map(proto: u8, id: i64) -> Vec<u8> {
    let head = if proto == 3 { "%7" } else { "*14" };
    format!(
        "{head}\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.2.6\r\n$5\r\nproto\r\n:{proto}\r\n\
         $2\r\nid\r\n:{id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n\
         $7\r\nmodules\r\n*0\r\n"
    )
    .into_bytes()
}

fn ping_echo(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["PING"], b"+PONG\r\n");
    assert_reply!(c, ["ping", "hi"], b"$2\r\nhi\r\n");
    assert_reply!(
        c,
        ["PING", "a", "b"],
        b"-ERR wrong number of arguments for 'ping' command\r\n"
    );
    assert_reply!(c, ["ECHO", "hello world"], b"$11\r\nhello world\r\n");
    assert_reply!(c, ["ECHO", ""], b"$0\r\n\r\n");
    assert_reply!(
        c,
        ["ECHO"],
        b"-ERR wrong number of arguments for 'echo' command\r\n"
    );
}

fn hello(s: &Server) {
    let mut c = s.client();
    let id = c.int(&["CLIENT", "ID"]);
    assert_reply!(c, ["HELLO", "3"], hello_map(3, id));
    // RESP3 shapes now: null, map (CONFIG GET), double-free INCRBYFLOAT stays a bulk.
    assert_reply!(c, ["GET", "nokey"], b"_\r\n");
    assert_reply!(
        c,
        ["CONFIG", "GET", "hz"],
        b"%1\r\n$2\r\nhz\r\n$2\r\n10\r\n"
    );
    assert_reply!(c, ["HELLO"], hello_map(3, id));
    assert_reply!(c, ["HELLO", "2"], hello_map(2, id));
    assert_reply!(c, ["GET", "nokey"], b"$-1\r\n");
    assert_reply!(
        c,
        ["HELLO", "4"],
        b"-NOPROTO unsupported protocol version\r\n"
    );
    assert_reply!(
        c,
        ["HELLO", "1"],
        b"-NOPROTO unsupported protocol version\r\n"
    );
    assert_reply!(
        c,
        ["HELLO", "x"],
        b"-ERR Protocol version is not an integer or out of range\r\n"
    );
    assert_reply!(
        c,
        ["HELLO", "3", "FOO"],
        b"-ERR Syntax error in HELLO option 'FOO'\r\n"
    );
    // A failed HELLO leaves the protocol alone.
    assert_reply!(c, ["GET", "nokey"], b"$-1\r\n");
    assert_reply!(c, ["HELLO", "3", "SETNAME", "myconn"], hello_map(3, id));
    assert_reply!(c, ["CLIENT", "GETNAME"], b"$6\r\nmyconn\r\n");
}

fn auth_and_noauth() {
    let s = Server::start(&["--shards", "2", "--requirepass", "secret"]);
    let mut c = s.client();
    assert_reply!(c, ["GET", "k"], b"-NOAUTH Authentication required.\r\n");
    assert_reply!(
        c,
        ["SET", "k", "v"],
        b"-NOAUTH Authentication required.\r\n"
    );
    assert_reply!(
        c,
        ["HELLO", "3"],
        b"-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n"
    );
    assert_reply!(
        c,
        ["AUTH", "wrong"],
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
    assert_reply!(
        c,
        ["AUTH", "nobody", "secret"],
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
    assert_reply!(c, ["GET", "k"], b"-NOAUTH Authentication required.\r\n");
    assert_reply!(c, ["AUTH", "secret"], OK);
    assert_reply!(c, ["SET", "k", "v"], OK);
    assert_reply!(c, ["GET", "k"], b"$1\r\nv\r\n");
    // AUTH default <pass> and HELLO ... AUTH on fresh connections.
    let mut d = s.client();
    assert_reply!(d, ["AUTH", "default", "secret"], OK);
    assert_reply!(d, ["GET", "k"], b"$1\r\nv\r\n");
    let mut e = s.client();
    let v = e.v(&["HELLO", "3", "AUTH", "default", "secret"]);
    assert!(matches!(v, Val::Map(_)), "{v:?}");
    assert_reply!(e, ["GET", "k"], b"$1\r\nv\r\n");
    let mut f = s.client();
    assert_reply!(
        f,
        ["HELLO", "3", "AUTH", "default", "bad"],
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
    // RESET makes the connection unauthenticated again.
    assert_reply!(c, ["RESET"], b"+RESET\r\n");
    assert_reply!(c, ["GET", "k"], b"-NOAUTH Authentication required.\r\n");
    // Before authentication a multibulk may announce at most 10 arguments.
    let mut g = s.client();
    g.send(b"*11\r\n");
    assert_eq!(
        g.read_reply(),
        b"-ERR Protocol error: unauthenticated multibulk length\r\n"
    );
    assert!(g.closed_by_peer(Duration::from_secs(5)));
}

#[test]
fn auth_with_requirepass() {
    auth_and_noauth();
}

fn auth_without_password(s: &Server) {
    let mut c = s.client();
    assert_reply!(
        c,
        ["AUTH", "foo"],
        b"-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"
    );
    assert_reply!(c, ["AUTH", "default", "anything"], OK);
    assert_reply!(c, ["AUTH", "a", "b", "c"], b"-ERR syntax error\r\n");
}

fn select(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["SELECT", "0"], OK);
    assert_reply!(c, ["SELECT", "1"], b"-ERR DB index is out of range\r\n");
    assert_reply!(
        c,
        ["SELECT", "abc"],
        b"-ERR value is not an integer or out of range\r\n"
    );
    assert_reply!(
        c,
        ["SELECT"],
        b"-ERR wrong number of arguments for 'select' command\r\n"
    );
}

fn quit_and_reset(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["QUIT"], OK);
    assert!(c.closed_by_peer(Duration::from_secs(5)), "QUIT must close");
    // Replies before QUIT in the same pipeline are all delivered.
    let mut d = s.client();
    d.send(b"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n");
    assert_eq!(d.read_reply(), b"+PONG\r\n");
    assert_eq!(d.read_reply(), OK);
    assert!(d.closed_by_peer(Duration::from_secs(5)));
    // RESET: protocol back to RESP2, name cleared.
    let mut e = s.client();
    let _ = e.q(&["HELLO", "3"]);
    assert_reply!(e, ["CLIENT", "SETNAME", "x"], OK);
    assert_reply!(e, ["RESET"], b"+RESET\r\n");
    assert_reply!(e, ["GET", "nokey"], b"$-1\r\n");
    assert_reply!(e, ["CLIENT", "GETNAME"], b"$-1\r\n");
}

fn client_cmds(s: &Server) {
    let mut c = s.client();
    let id = c.int(&["CLIENT", "ID"]);
    assert!(id > 0);
    let mut other = s.client();
    let other_id = other.int(&["CLIENT", "ID"]);
    assert_ne!(id, other_id);
    assert_reply!(c, ["CLIENT", "GETNAME"], b"$-1\r\n");
    assert_reply!(c, ["CLIENT", "SETNAME", "conn-a"], OK);
    assert_reply!(c, ["CLIENT", "GETNAME"], b"$6\r\nconn-a\r\n");
    assert_reply!(
        c,
        ["CLIENT", "SETNAME", "has space"],
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
    );
    assert_reply!(c, ["CLIENT", "SETINFO", "LIB-NAME", "mylib"], OK);
    assert_reply!(c, ["CLIENT", "SETINFO", "LIB-VER", "1.2.3"], OK);
    assert_reply!(
        c,
        ["CLIENT", "SETINFO", "FOO", "x"],
        b"-ERR Unrecognized option 'FOO'\r\n"
    );
    assert_reply!(c, ["CLIENT", "NO-EVICT", "on"], OK);
    assert_reply!(c, ["CLIENT", "NO-EVICT", "off"], OK);
    assert_reply!(c, ["CLIENT", "NO-EVICT", "maybe"], b"-ERR syntax error\r\n");
    let info = c.v(&["CLIENT", "INFO"]).bulk_str();
    assert!(info.starts_with(&format!("id={id} ")), "{info}");
    assert!(info.contains(" name=conn-a "), "{info}");
    assert!(info.contains(" lib-name=mylib lib-ver=1.2.3"), "{info}");
    assert!(info.ends_with('\n'));
    // CLIENT LIST sees both connections, whichever shard accepted them.
    let list = c.v(&["CLIENT", "LIST"]).bulk_str();
    assert!(list.contains(&format!("id={id} ")), "{list}");
    assert!(list.contains(&format!("id={other_id} ")), "{list}");
    let only = c
        .v(&["CLIENT", "LIST", "ID", &other_id.to_string()])
        .bulk_str();
    assert_eq!(only.lines().count(), 1, "{only}");
    assert_reply!(
        c,
        ["CLIENT", "NOSUCH"],
        b"-ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP.\r\n"
    );
    assert_reply!(
        c,
        ["CLIENT", "SETNAME"],
        b"-ERR wrong number of arguments for 'client|setname' command\r\n"
    );
    // CLIENT KILL ID closes the other connection.
    assert_reply!(
        c,
        ["CLIENT", "KILL", "ID", &other_id.to_string()],
        b":1\r\n"
    );
    assert!(
        other.closed_by_peer(Duration::from_secs(5)),
        "killed client still open"
    );
    assert_reply!(
        c,
        ["CLIENT", "KILL", "ID", &other_id.to_string()],
        b":0\r\n"
    );
    assert_reply!(
        c,
        ["CLIENT", "KILL", "1.2.3.4:5"],
        b"-ERR No such client\r\n"
    );
    // Old form, by address.
    let mut third = s.client();
    let addr = third.stream.local_addr().unwrap().to_string();
    assert_reply!(c, ["CLIENT", "KILL", &addr], OK);
    assert!(third.closed_by_peer(Duration::from_secs(5)));
    assert_reply!(c, ["PING"], b"+PONG\r\n");
}

/// CLIENT KILL's SKIPME (default yes) must spare the calling connection.
#[test]
fn client_kill_skipme() {
    let s = Server::shards(1);
    let mut c = s.client();
    let id = c.int(&["CLIENT", "ID"]).to_string();
    assert_reply!(c, ["CLIENT", "KILL", "ID", &id], b":0\r\n");
    assert_reply!(c, ["PING"], b"+PONG\r\n");
    assert_reply!(c, ["CLIENT", "KILL", "ID", &id, "SKIPME", "no"], b":1\r\n");
    assert!(c.closed_by_peer(Duration::from_secs(5)));
}

fn info(s: &Server) {
    let mut c = s.client();
    assert_reply!(c, ["MSET", "foo", "1", "bar", "2"], OK);
    assert_reply!(c, ["EXPIRE", "foo", "100"], b":1\r\n");
    let text = c.v(&["INFO"]).bulk_str();
    for field in [
        "# Server\r\n",
        "redis_version:",
        "tcp_port:",
        "# Clients\r\n",
        "connected_clients:",
        "# Memory\r\n",
        "used_memory:",
        "# Stats\r\n",
        "total_commands_processed:",
        "# Keyspace\r\n",
        "db0:keys=2,expires=1,avg_ttl=",
    ] {
        assert!(text.contains(field), "INFO lacks {field:?}:\n{text}");
    }
    assert!(text.ends_with("\r\n") && !text.ends_with("\r\n\r\n"));
    assert!(text.contains(&format!("tcp_port:{}\r\n", s.port)));
    let clients: i64 = text
        .lines()
        .find_map(|l| l.strip_prefix("connected_clients:"))
        .unwrap()
        .parse()
        .unwrap();
    assert!(clients >= 1);
    let ks = c.v(&["INFO", "keyspace"]).bulk_str();
    assert!(
        ks.starts_with("# Keyspace\r\ndb0:keys=2,expires=1,"),
        "{ks}"
    );
    assert!(!ks.contains("# Server"));
    let two = c.v(&["INFO", "server", "clients"]).bulk_str();
    assert!(two.contains("# Server") && two.contains("# Clients") && !two.contains("# Memory"));
    assert_reply!(c, ["FLUSHALL"], OK);
    let ks = c.v(&["INFO", "keyspace"]).bulk_str();
    assert_eq!(ks, "# Keyspace\r\n");
}

fn config(s: &Server) {
    let mut c = s.client();
    assert_reply!(
        c,
        ["CONFIG", "GET", "hz"],
        b"*2\r\n$2\r\nhz\r\n$2\r\n10\r\n"
    );
    assert_reply!(c, ["CONFIG", "SET", "hz", "20"], OK);
    assert_reply!(
        c,
        ["CONFIG", "GET", "hz"],
        b"*2\r\n$2\r\nhz\r\n$2\r\n20\r\n"
    );
    assert_reply!(c, ["CONFIG", "SET", "maxclients", "100", "hz", "10"], OK);
    assert_reply!(
        c,
        ["CONFIG", "GET", "maxclients"],
        b"*2\r\n$10\r\nmaxclients\r\n$3\r\n100\r\n"
    );
    assert_reply!(
        c,
        ["CONFIG", "GET", "MaxClients"],
        b"*2\r\n$10\r\nMaxClients\r\n$3\r\n100\r\n"
    );
    let v = c.v(&["CONFIG", "GET", "max*"]);
    assert!(v
        .items()
        .iter()
        .any(|x| *x == Val::Bulk(b"maxclients".to_vec())));
    assert_reply!(c, ["CONFIG", "GET", "nosuch"], b"*0\r\n");
    assert_reply!(
        c,
        ["CONFIG", "SET", "port", "1234"],
        b"-ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config\r\n"
    );
    assert_reply!(
        c,
        ["CONFIG", "SET", "nosuch", "1"],
        b"-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n"
    );
    assert_reply_prefix!(
        c,
        ["CONFIG", "SET", "hz", "abc"],
        b"-ERR CONFIG SET failed (possibly related to argument 'hz') - "
    );
    assert_reply!(
        c,
        ["CONFIG", "SET", "hz", "10", "maxclients"],
        b"-ERR syntax error\r\n"
    );
    assert_reply!(
        c,
        ["CONFIG", "GET"],
        b"-ERR wrong number of arguments for 'config|get' command\r\n"
    );
    assert_reply!(c, ["CONFIG", "RESETSTAT"], OK);
    assert_reply!(
        c,
        ["CONFIG", "REWRITE"],
        b"-ERR The server is running without a config file\r\n"
    );
}

fn command_cmd(s: &Server) {
    let mut c = s.client();
    let n = c.int(&["COMMAND", "COUNT"]);
    assert!(n >= 40, "{n}");
    let all = c.v(&["COMMAND"]);
    assert_eq!(all.items().len() as i64, n);
    let info = c.q(&["COMMAND", "INFO", "get"]);
    assert!(
        info.starts_with(b"*1\r\n*10\r\n$3\r\nget\r\n:2\r\n"),
        "{}",
        common::show(&info)
    );
    let info = c.v(&["COMMAND", "INFO", "mset", "nosuch"]);
    assert_eq!(info.items()[0].items()[1], Val::Int(-3));
    assert_eq!(info.items()[1], Val::NilArray);
    let docs = c.v(&["COMMAND", "DOCS", "set"]);
    let items = docs.items();
    assert_eq!(items[0], Val::Bulk(b"set".to_vec()));
    assert!(items[1].items().contains(&Val::Bulk(b"summary".to_vec())));
    assert_reply!(
        c,
        ["COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"],
        b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    );
    assert_reply!(
        c,
        ["COMMAND", "GETKEYS", "set", "k", "v", "EX", "10"],
        b"*1\r\n$1\r\nk\r\n"
    );
    assert_reply!(
        c,
        ["COMMAND", "GETKEYS", "ping"],
        b"-ERR The command has no key arguments\r\n"
    );
    assert_reply!(
        c,
        ["COMMAND", "GETKEYS", "get"],
        b"-ERR Invalid number of arguments specified for command\r\n"
    );
    assert_reply!(
        c,
        ["COMMAND", "GETKEYS", "nosuch", "x"],
        b"-ERR Invalid command specified\r\n"
    );
    let list = c.v(&["COMMAND", "LIST", "FILTERBY", "PATTERN", "get*"]);
    let mut names: Vec<String> = list.items().iter().map(|x| x.bulk_str()).collect();
    names.sort();
    assert_eq!(names, ["get", "getdel", "getex", "getrange", "getset"]);
}

fn time_and_debug(s: &Server) {
    let mut c = s.client();
    let t = c.v(&["TIME"]);
    let items = t.items();
    assert_eq!(items.len(), 2);
    let secs: u64 = items[0].bulk_str().parse().unwrap();
    let usec: u64 = items[1].bulk_str().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(secs.abs_diff(now) <= 2);
    assert!(usec < 1_000_000);
    assert_reply!(
        c,
        ["TIME", "x"],
        b"-ERR wrong number of arguments for 'time' command\r\n"
    );
    assert_reply!(c, ["DEBUG", "SLEEP", "0"], OK);
    assert_reply!(c, ["DEBUG", "SLEEP", "0.01"], OK);
    assert_reply!(
        c,
        ["DEBUG", "SLEEP", "abc"],
        b"-ERR value is not a valid float\r\n"
    );
    assert_reply!(
        c,
        ["DEBUG", "NOSUCH"],
        b"-ERR unknown subcommand 'NOSUCH'. Try DEBUG HELP.\r\n"
    );
    let lastsave = c.int(&["LASTSAVE"]);
    assert!((lastsave as u64).abs_diff(now) < 3600);
}

fn generic_errors(s: &Server) {
    let mut c = s.client();
    assert_reply!(
        c,
        ["FOO", "a", "b"],
        b"-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n"
    );
    assert_reply!(
        c,
        ["foo"],
        b"-ERR unknown command 'foo', with args beginning with: \r\n"
    );
    let long = "x".repeat(200);
    let want = format!(
        "-ERR unknown command 'foo', with args beginning with: '{}' \r\n",
        "x".repeat(128)
    );
    assert_reply!(c, ["foo", &long, "more"], want);
    assert_reply!(
        c,
        ["GET", "a", "b"],
        b"-ERR wrong number of arguments for 'get' command\r\n"
    );
    assert_reply!(
        c,
        ["GETEX"],
        b"-ERR wrong number of arguments for 'getex' command\r\n"
    );
    assert_reply!(
        c,
        ["CONFIG", "SET", "hz"],
        b"-ERR wrong number of arguments for 'config|set' command\r\n"
    );
    assert_reply!(
        c,
        ["CONFIG"],
        b"-ERR wrong number of arguments for 'config' command\r\n"
    );
    // The connection stays usable after errors.
    assert_reply!(c, ["PING"], b"+PONG\r\n");
}

fn shutdown_stops_server() {
    let mut s = Server::shards(2);
    let mut c = s.client();
    // Writes answered before SHUTDOWN is sent: SHUTDOWN itself promises no reply to
    // commands still unread at the shutdown tick, so the test reads them all first.
    let mut batch = Vec::new();
    for i in 0..200 {
        batch.extend(common::encode(&[b"SET", format!("k{i}").as_bytes(), b"v"]));
    }
    c.send(&batch);
    for i in 0..200 {
        assert_eq!(c.read_reply(), b"+OK\r\n", "SET {i}");
    }
    c.send(&common::encode(&[b"SHUTDOWN", b"NOSAVE"]));
    // Redis closes without a reply.
    assert!(c.closed_by_peer(Duration::from_secs(20)));
    assert!(
        common::wait_until(Duration::from_secs(20), || !s.alive()),
        "server still running 20 s after SHUTDOWN"
    );
}

#[test]
fn shutdown() {
    shutdown_stops_server();
}

/// Drive a client through the `redis` crate (what Rust applications use).
#[test]
fn redis_crate_client() {
    let s = Server::shards(2);
    let client = redis::Client::open(format!("redis://127.0.0.1:{}/", s.port)).unwrap();
    let mut con = client.get_connection().unwrap();
    let _: () = redis::cmd("SET")
        .arg("foo")
        .arg(42)
        .query(&mut con)
        .unwrap();
    let v: i64 = redis::cmd("INCR").arg("foo").query(&mut con).unwrap();
    assert_eq!(v, 43);
    let _: () = redis::cmd("MSET")
        .arg("a")
        .arg("x")
        .arg("bar")
        .arg("y")
        .query(&mut con)
        .unwrap();
    let got: Vec<Option<String>> = redis::cmd("MGET")
        .arg("a")
        .arg("nokey")
        .arg("bar")
        .query(&mut con)
        .unwrap();
    assert_eq!(got, vec![Some("x".into()), None, Some("y".into())]);
    let (a, b): (String, i64) = redis::pipe()
        .cmd("GET")
        .arg("a")
        .cmd("DBSIZE")
        .query(&mut con)
        .unwrap();
    assert_eq!((a.as_str(), b), ("x", 3));
    let err = redis::cmd("NOSUCH").query::<()>(&mut con).unwrap_err();
    assert!(err.to_string().contains("unknown command"), "{err}");
    let _: Client = s.client();
}

per_shards!(
    ping_echo,
    hello,
    auth_without_password,
    select,
    quit_and_reset,
    client_cmds,
    info,
    config,
    command_cmd,
    time_and_debug,
    generic_errors,
);
