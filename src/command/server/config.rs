//! CONFIG and its subcommands (GET, SET, RESETSTAT, REWRITE, HELP): the client's
//! view of the directive table in `crate::config`, which owns names, defaults and
//! validation; this file only parses the command, swaps the shared config and writes
//! the file.

use super::R;
use crate::command::keys::help_reply;
use crate::command::{ClientState, CmdError, Ctx};
use crate::config::{self, Config};
use crate::resp::Reply;
use crate::shared::unix_ms;
use crate::store::glob::glob_match_nocase;
use std::sync::atomic::Ordering;

/// ```text
/// CONFIG GET parameter [parameter ...]
/// ```
pub(crate) fn config_get(ctx: &mut Ctx, _c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
    let cfg = ctx.shared.cfg();
    // (name as answered, value). Like Redis: an exact name (no glob characters) is
    // looked up case-insensitively and answered as the client spelled it; a pattern
    // answers the canonical names it matches; a name is answered once.
    let mut pairs: Vec<(String, &str)> = Vec::new();
    let seen = |pairs: &Vec<(String, &str)>, k: &str| {
        pairs.iter().any(|(pk, _)| pk.eq_ignore_ascii_case(k))
    };
    for pat in &a[2..] {
        if !pat.iter().any(|c| matches!(c, b'[' | b'*' | b'?')) {
            let name = String::from_utf8_lossy(pat).into_owned();
            if seen(&pairs, &name) {
                continue;
            }
            if let Some(v) = cfg.values.get(&name.to_ascii_lowercase()) {
                pairs.push((name, v));
            }
            continue;
        }
        for (k, v) in cfg.values.iter() {
            if glob_match_nocase(pat, k.as_bytes()) && !seen(&pairs, k) {
                pairs.push((k.clone(), v));
            }
        }
    }
    out.map(pairs.len());
    for (k, v) in pairs {
        out.bulk(k.as_bytes());
        out.bulk(v.as_bytes());
    }
    Ok(())
}

/// ```text
/// CONFIG SET parameter value [parameter value ...]
/// ```
pub(crate) fn config_set(ctx: &mut Ctx, _c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
    if a.len() % 2 != 0 {
        return Err(CmdError::Syntax);
    }
    let failed = |arg: &str, why: &str| {
        CmdError::msg(format!(
            "CONFIG SET failed (possibly related to argument '{arg}') - {why}"
        ))
    };
    // Redis first checks every name (unknown, immutable, given twice: the first
    // problem in argument order wins, named as the client spelled it), then the values.
    let mut dirs: Vec<&'static config::Directive> = Vec::new();
    for kv in a[2..].chunks(2) {
        let name = String::from_utf8_lossy(kv[0]).into_owned();
        let Some(dir) = config::directive(&name) else {
            return Err(CmdError::msg(format!(
                "Unknown option or number of arguments for CONFIG SET - '{name}'"
            )));
        };
        if !dir.mutable {
            return Err(failed(&name, "can't set immutable config"));
        }
        if dirs.iter().any(|d| d.name == dir.name) {
            return Err(failed(&name, "duplicate parameter"));
        }
        dirs.push(dir);
    }
    let mut new: Config = (**ctx.shared.cfg()).clone();
    for (dir, kv) in dirs.iter().zip(a[2..].chunks(2)) {
        let value = String::from_utf8_lossy(kv[1]).into_owned();
        new.set(dir.name, &value)
            .map_err(|e| failed(dir.name, &e))?;
    }
    new.apply_all()
        .map_err(|e| CmdError::msg(format!("CONFIG SET failed - {e}")))?;
    ctx.shared.config.store(std::sync::Arc::new(new));
    out.ok();
    Ok(())
}

/// ```text
/// CONFIG RESETSTAT
/// ```
pub(crate) fn config_resetstat(ctx: &mut Ctx, _a: &[&[u8]], out: &mut Reply) -> R {
    ctx.db.hits = 0;
    ctx.db.misses = 0;
    ctx.db.expired_keys = 0;
    if ctx.shard == 0 {
        let s = ctx.shared;
        s.total_commands.store(0, Ordering::Relaxed);
        s.total_connections.store(0, Ordering::Relaxed);
        s.rejected_connections.store(0, Ordering::Relaxed);
        s.net_input_bytes.store(0, Ordering::Relaxed);
        s.net_output_bytes.store(0, Ordering::Relaxed);
        s.stat_reset_at.store(unix_ms(), Ordering::Relaxed);
    }
    out.ok();
    Ok(())
}

/// ```text
/// CONFIG REWRITE
/// ```
pub(crate) fn config_rewrite(
    ctx: &mut Ctx,
    _c: &mut ClientState,
    _a: &[&[u8]],
    out: &mut Reply,
) -> R {
    let path = &ctx.shared.config_file;
    if path.is_empty() {
        return Err(CmdError::msg("The server is running without a config file"));
    }
    let cfg = ctx.shared.cfg();
    let mut text = String::from("# Rewritten by slotcore CONFIG REWRITE\n");
    for d in config::DIRECTIVES {
        let v = cfg.values.get(d.name).map(String::as_str).unwrap_or("");
        if v != d.default {
            text.push_str(&format!("{} {}\n", d.name, quote_conf(v)));
        }
    }
    let tmp = format!("{path}.tmp-{}", std::process::id());
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| CmdError::msg(format!("Rewriting config file: {e}")))?;
    out.ok();
    Ok(())
}

fn quote_conf(v: &str) -> String {
    if v.is_empty() || v.contains([' ', '"', '\'']) {
        format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        v.to_string()
    }
}

pub(crate) fn config_help(
    _ctx: &mut Ctx,
    _c: &mut ClientState,
    _a: &[&[u8]],
    out: &mut Reply,
) -> R {
    help_reply(
        out,
        "CONFIG",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    );
    Ok(())
}
