//! Differential test of COMMAND INFO and COMMAND DOCS: for every command slotcore lists
//! (COMMAND LIST, subcommands included), its COMMAND INFO entry is compared with
//! redis-server's (7.0.x from PATH): arity, flags, first/last/step key positions, ACL
//! categories and key specs. Cluster clients route with these (redis-py reads
//! first/last/step and the movablekeys flag), so a difference misroutes requests.
//!
//! Both sides are read in RESP3, so maps and sets keep their type; sets are compared
//! as sets. Known differences are listed in [`ALLOWED`], each with its reason; the test
//! fails on a difference not listed there and on an entry that no longer differs (so
//! the list shrinks as slotcore is fixed).
//!
//! Not compared: the command tips (Redis 7.0 and 7.2 disagree on them and no client
//! routes with them), and COMMAND DOCS beyond summary/since/group for a sample of
//! commands: Redis's docs also hold `arguments`, `complexity`, `history` and
//! `doc_flags`, which slotcore does not serve (only the presence of `arguments` in Redis
//! is checked, so that a switch to full docs is noticed).

mod common;

use common::{Client, Server, Val};

/// COMMAND INFO fields that may differ from Redis 7.0.15: (field, commands, why). The
/// fields: `missing` (Redis 7.0 lacks the command), `arity`, `flags`, `keys`
/// (first/last/step), `acl`, `keyspecs` (where the keys are; their flags are compared
/// by [`command_keyspec_flags_match_redis`]).
const ALLOWED: &[(&str, &[&str], &str)] = &[
    // ---- Redis 7.2, which slotcore implements ----
    (
        "missing",
        &["client|setinfo", "cluster|myshardid"],
        "added in Redis 7.2",
    ),
    ("arity", &["zrank", "zrevrank"], "7.2's WITHSCORE option"),
    (
        "arity",
        &["command|getkeys"],
        "-3 as in 7.2 (server_cmds.rs pins `COMMAND GETKEYS ping` → no key arguments); \
         7.0 says -4",
    ),
    // ---- slotcore's own ----
    (
        "missing",
        &["debug|sleep", "debug|set-active-expire", "debug|help"],
        "slotcore declares DEBUG's subcommands; Redis declares DEBUG as one command",
    ),
    // ---- known gaps outside src/command/spec.rs (reported in issue #12) ----
    (
        "acl",
        &[
            "client",
            "info",
            "dbsize",
            "flushall",
            "flushdb",
            "lastsave",
            "command",
            "command|count",
            "command|info",
            "command|docs",
            "command|list",
            "command|getkeys",
            "command|help",
            "swapdb",
            "keys",
            "object",
            "pubsub",
            "pubsub|help",
            "asking",
            "readonly",
            "readwrite",
        ],
        "command/server/commands.rs acl_categories() derives categories from group and \
         flags; Redis declares them per command (@dangerous, @keyspace, @connection, @admin)",
    ),
    (
        "flags",
        &["publish", "spublish"],
        "pubsub.rs declares may_replicate (and sentinel on PUBLISH); 7.0 prints neither",
    ),
    (
        "flags",
        &["blpop", "brpop", "blmove", "bzpopmin", "bzpopmax"],
        "blocking.rs omits noscript, which 7.0 declares (not checked against 7.2)",
    ),
    (
        "flags",
        &["cluster|shards", "cluster|slots"],
        "cluster.rs adds loading, which 7.0 does not declare",
    ),
    (
        "keyspecs",
        &[
            "rename",
            "renamenx",
            "copy",
            "lmove",
            "rpoplpush",
            "smove",
            "zrangestore",
            "blmove",
            "brpoplpush",
            "sinterstore",
            "sunionstore",
            "sdiffstore",
        ],
        "command/server/commands.rs write_info() emits one range spec from first/last/step; \
         Redis has one spec per role (source, destination) over the same positions",
    ),
    (
        "keyspecs",
        &[
            "lmpop",
            "sintercard",
            "zmpop",
            "zunion",
            "zinter",
            "zdiff",
            "zintercard",
            "zunionstore",
            "zinterstore",
            "zdiffstore",
            "bzmpop",
            "blmpop",
        ],
        "movablekeys: write_info() emits no keynum spec (clients fall back to COMMAND \
         GETKEYS, which slotcore answers)",
    ),
];

/// A reply as text for comparisons: sets sorted, maps sorted by key, strings unquoted.
fn canon(v: &Val) -> String {
    match v {
        Val::Simple(s) => s.clone(),
        Val::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        Val::Int(n) => n.to_string(),
        Val::Nil => "nil".into(),
        Val::NilArray => "nil[]".into(),
        Val::Error(e) => format!("-{e}"),
        Val::Array(items) => {
            let v: Vec<String> = items.iter().map(canon).collect();
            format!("[{}]", v.join(", "))
        }
        Val::Set(items) => {
            let mut v: Vec<String> = items.iter().map(canon).collect();
            v.sort();
            format!("{{{}}}", v.join(", "))
        }
        Val::Map(pairs) => {
            let mut v: Vec<String> = pairs
                .iter()
                .map(|(k, x)| format!("{}: {}", canon(k), canon(x)))
                .collect();
            v.sort();
            format!("{{{}}}", v.join(", "))
        }
        other => format!("{other:?}"),
    }
}

/// The compared fields of one COMMAND INFO entry, as (field, canonical text).
fn info_fields(entry: &Val) -> Vec<(&'static str, String)> {
    let it = entry.items();
    vec![
        ("arity", canon(&it[1])),
        ("flags", canon(&it[2])),
        (
            "keys",
            format!("{} {} {}", canon(&it[3]), canon(&it[4]), canon(&it[5])),
        ),
        ("acl", canon(&it[6])),
        ("keyspecs", canon(&key_specs(&it[8], false))),
        ("keyspec-flags", canon(&key_specs(&it[8], true))),
    ]
}

/// The key specs in the order sent (Redis 7.0 sends them as a RESP3 set, 7.2 as an
/// array), each reduced to where its keys are (`begin_search`, `find_keys`) or, with
/// `flags`, to its flags (upper-cased: 7.0 prints `access`, 7.2 `ACCESS`).
fn key_specs(v: &Val, flags: bool) -> Val {
    let specs = v.items().iter().map(|spec| {
        let Val::Map(pairs) = spec else {
            return spec.clone();
        };
        let kept = pairs.iter().filter(|(k, _)| {
            let k = canon(k);
            if flags {
                k == "flags"
            } else {
                k == "begin_search" || k == "find_keys"
            }
        });
        let kept = kept.map(|(k, x)| match x {
            Val::Set(f) => {
                let up = f.iter().map(|x| Val::Simple(canon(x).to_uppercase()));
                (k.clone(), Val::Set(up.collect()))
            }
            _ => (k.clone(), x.clone()),
        });
        Val::Map(kept.collect())
    });
    Val::Array(specs.collect())
}

fn resp3(s: &Server) -> Client {
    let mut c = s.client();
    let hello = c.v(&["HELLO", "3"]);
    assert!(matches!(hello, Val::Map(_)), "HELLO 3: {hello:?}");
    c
}

fn names(c: &mut Client) -> Vec<String> {
    let list = c.v(&["COMMAND", "LIST"]);
    list.items().iter().map(|v| v.bulk_str()).collect()
}

type Difference = (String, &'static str, String, String);

/// Every COMMAND INFO field of every listed command that differs from Redis.
fn info_differences() -> Vec<Difference> {
    let redis = Server::start_redis(&[]);
    let slot = Server::shards(1);
    let (mut r, mut s) = (resp3(&redis), resp3(&slot));
    let listed = names(&mut s);
    assert!(listed.len() > 150, "COMMAND LIST: {} names", listed.len());
    let mut differences = Vec::new();
    for name in &listed {
        let ri = r.v(&["COMMAND", "INFO", name]);
        let si = s.v(&["COMMAND", "INFO", name]);
        let (ri, si) = (&ri.items()[0], &si.items()[0]);
        if matches!(ri, Val::Nil | Val::NilArray) {
            differences.push((name.clone(), "missing", String::new(), String::new()));
            continue;
        }
        assert_eq!(canon(&si.items()[0]), *name, "COMMAND INFO {name}: name");
        for ((field, want), (_, got)) in info_fields(ri).into_iter().zip(info_fields(si)) {
            if want != got {
                differences.push((name.clone(), field, want, got));
            }
        }
    }
    differences
}

fn report(d: &[&Difference]) -> String {
    d.iter()
        .map(|(n, f, want, got)| format!("{n} {f}:\n    redis:    {want}\n    slotcore: {got}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn command_info_matches_redis() {
    let differences: Vec<Difference> = info_differences()
        .into_iter()
        .filter(|d| d.1 != "keyspec-flags")
        .collect();
    let allowed = |n: &str, f: &str| {
        ALLOWED
            .iter()
            .any(|(field, cmds, _)| *field == f && cmds.contains(&n))
    };
    let unexpected: Vec<&Difference> = differences
        .iter()
        .filter(|(n, f, _, _)| !allowed(n, f))
        .collect();
    let stale: Vec<String> = ALLOWED
        .iter()
        .flat_map(|(field, cmds, _)| cmds.iter().map(move |c| (*field, *c)))
        .filter(|(f, c)| !differences.iter().any(|(n, g, _, _)| n == c && g == f))
        .map(|(f, c)| format!("{c} {f}"))
        .collect();
    assert!(
        unexpected.is_empty() && stale.is_empty(),
        "{} COMMAND INFO differences not in ALLOWED:\n{}\nALLOWED entries that no longer differ: {stale:?}",
        unexpected.len(),
        report(&unexpected)
    );
}

/// The flags of each key spec (RW/RO/OW/RM and ACCESS/UPDATE/INSERT/DELETE): slotcore's
/// write_info() (command/server/commands.rs) derives them from the write/readonly flag
/// alone (RW UPDATE or RO ACCESS), where Redis declares them per command. No client
/// routes with them.
#[test]
#[ignore = "known gap: key-spec flags derived from write/readonly (command/server/commands.rs)"]
fn command_keyspec_flags_match_redis() {
    let differences = info_differences();
    let flags: Vec<&Difference> = differences
        .iter()
        .filter(|d| d.1 == "keyspec-flags")
        .collect();
    assert!(
        flags.is_empty(),
        "{} key-spec flag differences:\n{}",
        flags.len(),
        report(&flags)
    );
}

/// COMMAND DOCS fields that may differ from Redis 7.0.15.
const DOCS_ALLOWED: &[(&str, &str)] = &[
    // BUG (sets.rs, outside spec.rs): SSCAN says since 2.0.0; Redis 2.8.0.
    ("sscan", "since"),
];

/// COMMAND DOCS of every command both servers know: `group` and `since` must match, and
/// slotcore must give a non-empty `summary`. Summaries are not compared: slotcore uses
/// Redis 7.2's rewritten texts, 7.0 the older ones. Redis 7.0 also serves `arguments`,
/// `complexity` and `history`, which slotcore does not (checked below, so that the day
/// slotcore serves `arguments` this test is extended to compare them).
#[test]
fn command_docs_match_redis() {
    let redis = Server::start_redis(&[]);
    let slot = Server::shards(1);
    let (mut r, mut s) = (resp3(&redis), resp3(&slot));
    let field = |docs: &Val, k: &str| -> Option<Val> {
        let Val::Map(top) = docs else {
            panic!("COMMAND DOCS: {docs:?}")
        };
        let (_, body) = top.first()?;
        let Val::Map(body) = body else {
            panic!("COMMAND DOCS entry: {body:?}")
        };
        body.iter()
            .find(|(x, _)| canon(x) == k)
            .map(|(_, v)| v.clone())
    };
    let mut mismatches = Vec::new();
    let (mut compared, mut with_arguments) = (0, 0);
    for name in names(&mut s) {
        let rd = r.v(&["COMMAND", "DOCS", &name]);
        if matches!(&rd, Val::Map(m) if m.is_empty()) {
            continue; // Redis 7.0 lacks it: see ALLOWED's `missing`.
        }
        let sd = s.v(&["COMMAND", "DOCS", &name]);
        compared += 1;
        for k in ["group", "since"] {
            if DOCS_ALLOWED.contains(&(name.as_str(), k)) {
                continue;
            }
            let (want, got) = (
                field(&rd, k).map(|v| canon(&v)),
                field(&sd, k).map(|v| canon(&v)),
            );
            if want != got {
                mismatches.push(format!("{name} {k}: redis {want:?}, slotcore {got:?}"));
            }
        }
        match field(&sd, "summary") {
            Some(v) if !canon(&v).is_empty() => {}
            other => mismatches.push(format!("{name}: summary {other:?}")),
        }
        with_arguments += field(&rd, "arguments").is_some() as usize;
        assert!(
            field(&sd, "arguments").is_none(),
            "{name}: slotcore serves arguments now: compare them"
        );
    }
    assert!(compared > 150, "{compared} commands compared");
    assert!(
        with_arguments > 100,
        "Redis gave arguments for {with_arguments} commands"
    );
    assert!(
        mismatches.is_empty(),
        "{} COMMAND DOCS differences:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
