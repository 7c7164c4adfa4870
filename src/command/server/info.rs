//! INFO: each shard reports its counters ([`info_part`]), and [`info_combine`] sums
//! them with the process-wide ones into Redis 7.2's sections.

use super::{R, REDIS_VERSION};
use crate::command::{ClientState, Ctx};
use crate::resp::reply_parse::{self, Value as RV};
use crate::resp::Reply;
use crate::shared::{unix_ms, unix_us, Shared};
use std::sync::atomic::Ordering;

/// Per-shard part of INFO: `name:value` lines the combiner sums.
pub(crate) fn info_part(ctx: &mut Ctx, _a: &[&[u8]], out: &mut Reply) -> R {
    let s = format!(
        "keys:{}\nexpires:{}\nexpired_keys:{}\nkeyspace_hits:{}\nkeyspace_misses:{}\nclients:{}\ncommands:{}\nforwarded:{}\nport:{}\n",
        ctx.db.len(),
        ctx.db.volatile_len(),
        ctx.db.expired_keys,
        ctx.db.hits,
        ctx.db.misses,
        ctx.hooks.client_count(),
        ctx.hooks.commands_processed(),
        ctx.shared.forwarded[ctx.shard].load(Ordering::Relaxed),
        ctx.shared.shard_port(ctx.shard),
    );
    out.bulk(s.as_bytes());
    Ok(())
}

fn rusage(who: i32) -> (f64, f64) {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    unsafe { libc::getrusage(who, &mut ru) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    (t(ru.ru_utime), t(ru.ru_stime))
}

fn human(n: u64) -> String {
    let f = n as f64;
    if f >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}G", f / (1024.0 * 1024.0 * 1024.0))
    } else if f >= 1024.0 * 1024.0 {
        format!("{:.2}M", f / (1024.0 * 1024.0))
    } else if f >= 1024.0 {
        format!("{:.2}K", f / 1024.0)
    } else {
        format!("{n}B")
    }
}

/// Build the INFO text from every shard's part and the process-wide counters.
pub(crate) fn info_combine(
    s: &Shared,
    _c: &ClientState,
    args: &[&[u8]],
    parts: &[Vec<u8>],
    out: &mut Reply,
) {
    let mut sum = std::collections::HashMap::<String, i64>::new();
    for p in parts {
        if let Some(RV::Bulk(b)) = reply_parse::parse(p) {
            for line in String::from_utf8_lossy(&b).lines() {
                if let Some((k, v)) = line.split_once(':') {
                    *sum.entry(k.to_string()).or_default() += v.parse::<i64>().unwrap_or(0);
                }
            }
        }
    }
    let g = |k: &str| sum.get(k).copied().unwrap_or(0);
    let cfg = s.cfg();
    let mut wanted: Vec<String> = args[1..]
        .iter()
        .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
        .collect();
    let all = wanted.iter().any(|w| w == "all" || w == "everything");
    if wanted.is_empty() || wanted.iter().any(|w| w == "default") {
        wanted.extend(
            [
                "server",
                "clients",
                "memory",
                "persistence",
                "stats",
                "replication",
                "cpu",
                "cluster",
                "keyspace",
            ]
            .iter()
            .map(|x| x.to_string()),
        );
    }
    let want = |sec: &str| all || wanted.iter().any(|w| w == sec);
    let mut t = String::new();
    let uptime = s.started.elapsed().as_secs();
    if want("server") {
        t.push_str(&format!(
            "# Server\r\nredis_version:{REDIS_VERSION}\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:{}\r\nos:{}\r\narch_bits:64\r\nmonotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:io_uring\r\natomicvar_api:c11-builtin\r\ngcc_version:0.0.0\r\nprocess_id:{}\r\nprocess_supervised:no\r\nrun_id:{}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\nuptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:{}\r\nconfigured_hz:{}\r\nlru_clock:{}\r\nexecutable:{}\r\nconfig_file:{}\r\nio_threads_active:0\r\nslotcore_version:{}\r\nslotcore_shards:{}\r\n\r\n",
            if s.cluster.is_some() { "cluster" } else { "standalone" },
            std::env::consts::OS,
            std::process::id(),
            s.run_id,
            // Cluster mode: the one part is the shard-node's own.
            if s.cluster.is_some() { g("port") } else { cfg.port as i64 },
            unix_us(),
            uptime,
            uptime / 86400,
            cfg.hz,
            cfg.hz,
            (unix_ms() / 1000) & ((1 << 24) - 1),
            s.executable,
            s.config_file,
            env!("CARGO_PKG_VERSION"),
            s.nshards,
        ));
    }
    if want("clients") {
        t.push_str(&format!(
            "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\nclient_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\nblocked_clients:0\r\ntracking_clients:0\r\nclients_in_timeout_table:0\r\n\r\n",
            g("clients"),
            cfg.maxclients,
        ));
    }
    if want("memory") {
        // used_memory counts the bytes handed out at their allocation-class size (as
        // Redis's zmalloc); allocator_active is what mimalloc estimates it holds
        // (reserved, accessible pages), allocator_resident the process's RSS.
        let allocated = crate::alloc::allocated();
        let committed = crate::alloc::committed();
        let used = allocated;
        let rss = crate::alloc::rss();
        t.push_str(&format!(
            "# Memory\r\nused_memory:{used}\r\nused_memory_human:{}\r\nused_memory_rss:{rss}\r\nused_memory_rss_human:{}\r\nused_memory_peak:{}\r\nused_memory_peak_human:{}\r\nmaxmemory:{}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{}\r\nmem_fragmentation_ratio:{:.2}\r\nallocator_allocated:{allocated}\r\nallocator_active:{committed}\r\nallocator_resident:{rss}\r\nmem_allocator:mimalloc\r\nlazyfree_pending_objects:0\r\n\r\n",
            human(used),
            human(rss),
            crate::alloc::peak(),
            human(crate::alloc::peak()),
            cfg.maxmemory,
            human(cfg.maxmemory),
            cfg.values.get("maxmemory-policy").map(String::as_str).unwrap_or("noeviction"),
            if used > 0 { rss as f64 / used as f64 } else { 0.0 },
        ));
    }
    if want("persistence") {
        t.push_str(&format!(
            "# Persistence\r\nloading:0\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\nrdb_changes_since_last_save:0\r\nrdb_bgsave_in_progress:0\r\nrdb_last_save_time:{}\r\nrdb_last_bgsave_status:ok\r\naof_enabled:0\r\naof_rewrite_in_progress:0\r\naof_last_bgrewrite_status:ok\r\naof_last_write_status:ok\r\n\r\n",
            s.lastsave.load(Ordering::Relaxed),
        ));
    }
    if want("stats") {
        t.push_str(&format!(
            "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\ninstantaneous_ops_per_sec:0\r\ntotal_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\nrejected_connections:{}\r\nexpired_keys:{}\r\nevicted_keys:0\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\npubsub_channels:0\r\npubsub_patterns:0\r\ntotal_error_replies:0\r\nslotcore_forwarded_requests:{}\r\n\r\n",
            s.total_connections.load(Ordering::Relaxed),
            g("commands"),
            s.net_input_bytes.load(Ordering::Relaxed),
            s.net_output_bytes.load(Ordering::Relaxed),
            s.rejected_connections.load(Ordering::Relaxed),
            g("expired_keys"),
            g("keyspace_hits"),
            g("keyspace_misses"),
            g("forwarded"),
        ));
    }
    if want("replication") {
        t.push_str(&format!(
            "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\nmaster_replid:{}\r\nmaster_replid2:0000000000000000000000000000000000000000\r\nmaster_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\nrepl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0\r\n\r\n",
            s.run_id,
        ));
    }
    if want("cpu") {
        let (u, sy) = rusage(libc::RUSAGE_SELF);
        t.push_str(&format!(
            "# CPU\r\nused_cpu_sys:{sy:.6}\r\nused_cpu_user:{u:.6}\r\nused_cpu_sys_children:0.000000\r\nused_cpu_user_children:0.000000\r\n\r\n"
        ));
    }
    if want("cluster") {
        t.push_str(if s.cluster.is_some() {
            "# Cluster\r\ncluster_enabled:1\r\n\r\n"
        } else {
            "# Cluster\r\ncluster_enabled:0\r\n\r\n"
        });
    }
    if want("keyspace") {
        t.push_str("# Keyspace\r\n");
        if g("keys") > 0 {
            t.push_str(&format!(
                "db0:keys={},expires={},avg_ttl=0\r\n",
                g("keys"),
                g("expires")
            ));
        }
        t.push_str("\r\n");
    }
    // Redis ends the text with one CRLF, not two.
    if t.ends_with("\r\n\r\n") {
        t.truncate(t.len() - 2);
    }
    out.verbatim(t.as_bytes());
}
