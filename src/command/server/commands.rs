//! COMMAND and its subcommands (COUNT, INFO, DOCS, LIST, GETKEYS, HELP): the command
//! table as clients read it. Everything is derived from `spec` (arity, flags, key
//! positions, ACL categories, key specs), so a command is still declared only there.

use super::R;
use crate::command::keys::help_reply;
use crate::command::spec::{self, CommandSpec};
use crate::command::{eq_ic, ClientState, CmdError, Ctx, Exec};
use crate::resp::Reply;
use crate::store::glob::glob_match_nocase;

fn acl_categories(c: &CommandSpec) -> Vec<String> {
    let mut v = Vec::new();
    if c.has_flag("write") {
        v.push("@write".to_string());
    }
    if c.has_flag("readonly") {
        v.push("@read".to_string());
    }
    match c.group {
        "string" => v.push("@string".into()),
        "generic" => v.push("@keyspace".into()),
        "connection" => v.push("@connection".into()),
        "list" => v.push("@list".into()),
        "hash" => v.push("@hash".into()),
        "set" => v.push("@set".into()),
        "sorted-set" => v.push("@sortedset".into()),
        "pubsub" => v.push("@pubsub".into()),
        "transactions" => v.push("@transaction".into()),
        _ => {}
    }
    if c.blocking {
        v.push("@blocking".into());
    }
    if c.has_flag("admin") {
        v.push("@admin".into());
        v.push("@dangerous".into());
    }
    if c.has_flag("fast") {
        v.push("@fast".into());
    } else {
        v.push("@slow".into());
    }
    v
}

fn full_name(parent: Option<&CommandSpec>, c: &CommandSpec) -> String {
    match parent {
        Some(p) => format!("{}|{}", p.name, c.name),
        None => c.name.to_string(),
    }
}

fn write_info(out: &mut Reply, parent: Option<&CommandSpec>, c: &CommandSpec) {
    out.array(10);
    out.bulk(full_name(parent, c).as_bytes());
    out.int(c.arity as i64);
    let flags: Vec<&str> = c.flags.split(' ').filter(|f| !f.is_empty()).collect();
    out.set(flags.len());
    for f in flags {
        out.simple(f);
    }
    out.int(c.first_key as i64);
    out.int(c.last_key as i64);
    out.int(c.step as i64);
    let cats = acl_categories(c);
    out.set(cats.len());
    for cat in cats {
        out.simple(&cat);
    }
    // tips
    out.set(0);
    // key specs, derived from first/last/step
    if c.first_key > 0 {
        out.array(1);
        out.map(3);
        out.bulk(b"flags");
        let fl: &[&str] = if c.has_flag("write") {
            &["RW", "UPDATE"]
        } else {
            &["RO", "ACCESS"]
        };
        out.set(fl.len());
        for f in fl {
            out.simple(f);
        }
        out.bulk(b"begin_search");
        out.map(2);
        out.bulk(b"type");
        out.bulk(b"index");
        out.bulk(b"spec");
        out.map(1);
        out.bulk(b"index");
        out.int(c.first_key as i64);
        out.bulk(b"find_keys");
        out.map(2);
        out.bulk(b"type");
        out.bulk(b"range");
        out.bulk(b"spec");
        out.map(3);
        out.bulk(b"lastkey");
        out.int(if c.last_key < 0 {
            c.last_key as i64
        } else {
            (c.last_key - c.first_key) as i64
        });
        out.bulk(b"keystep");
        out.int(c.step as i64);
        out.bulk(b"limit");
        out.int(0);
    } else {
        out.array(0);
    }
    out.array(c.subcommands.len());
    for s in c.subcommands {
        write_info(out, Some(c), s);
    }
}

/// Resolve `name` or `parent|sub`.
fn find_any(name: &[u8]) -> Option<(Option<&'static CommandSpec>, &'static CommandSpec)> {
    if let Some(pos) = name.iter().position(|&b| b == b'|') {
        let p = spec::lookup(&name[..pos])?;
        let s = spec::lookup_sub(p, &name[pos + 1..])?;
        Some((Some(p), s))
    } else {
        spec::lookup(name).map(|c| (None, c))
    }
}

/// ```text
/// COMMAND
/// ```
pub(crate) fn command(_ctx: &mut Ctx, _c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
    out.array(spec::count());
    for c in spec::all() {
        write_info(out, None, c);
    }
    Ok(())
}

/// ```text
/// COMMAND COUNT
/// ```
pub(crate) fn command_count(
    _ctx: &mut Ctx,
    _c: &mut ClientState,
    _a: &[&[u8]],
    out: &mut Reply,
) -> R {
    out.int(spec::count() as i64);
    Ok(())
}

/// ```text
/// COMMAND INFO [command-name [command-name ...]]
/// ```
pub(crate) fn command_info(ctx: &mut Ctx, c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
    if a.len() == 2 {
        return command(ctx, c, a, out);
    }
    out.array(a.len() - 2);
    for name in &a[2..] {
        match find_any(name) {
            Some((p, s)) => write_info(out, p, s),
            None => out.null_array(),
        }
    }
    Ok(())
}

fn write_docs(out: &mut Reply, parent: Option<&CommandSpec>, c: &CommandSpec) {
    out.bulk(full_name(parent, c).as_bytes());
    let has_subs = !c.subcommands.is_empty();
    out.map(if has_subs { 4 } else { 3 });
    out.bulk(b"summary");
    out.bulk(c.summary.as_bytes());
    out.bulk(b"since");
    out.bulk(c.since.as_bytes());
    out.bulk(b"group");
    out.bulk(c.group.as_bytes());
    if has_subs {
        out.bulk(b"subcommands");
        out.map(c.subcommands.len());
        for s in c.subcommands {
            write_docs(out, Some(c), s);
        }
    }
}

/// ```text
/// COMMAND DOCS [command-name [command-name ...]]
/// ```
pub(crate) fn command_docs(
    _ctx: &mut Ctx,
    _c: &mut ClientState,
    a: &[&[u8]],
    out: &mut Reply,
) -> R {
    if a.len() == 2 {
        out.map(spec::count());
        for c in spec::all() {
            write_docs(out, None, c);
        }
        return Ok(());
    }
    let found: Vec<_> = a[2..].iter().filter_map(|n| find_any(n)).collect();
    out.map(found.len());
    for (p, s) in found {
        write_docs(out, p, s);
    }
    Ok(())
}

/// ```text
/// COMMAND LIST [FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]
/// ```
pub(crate) fn command_list(
    _ctx: &mut Ctx,
    _c: &mut ClientState,
    a: &[&[u8]],
    out: &mut Reply,
) -> R {
    let mut names: Vec<String> = Vec::new();
    for c in spec::all() {
        names.push(c.name.to_string());
        for s in c.subcommands {
            names.push(full_name(Some(c), s));
        }
    }
    if a.len() > 2 {
        if a.len() != 5 || !eq_ic(a[2], "filterby") {
            return Err(CmdError::Syntax);
        }
        let (kind, val) = (a[3], a[4]);
        if eq_ic(kind, "pattern") {
            names.retain(|n| glob_match_nocase(val, n.as_bytes()));
        } else if eq_ic(kind, "module") {
            names.clear();
        } else if eq_ic(kind, "aclcat") {
            let cat = format!("@{}", String::from_utf8_lossy(val).to_ascii_lowercase());
            names.retain(|n| {
                find_any(n.as_bytes()).is_some_and(|(_, s)| acl_categories(s).contains(&cat))
            });
        } else {
            return Err(CmdError::Syntax);
        }
    }
    out.array(names.len());
    for n in names {
        out.bulk(n.as_bytes());
    }
    Ok(())
}

/// ```text
/// COMMAND GETKEYS command [arg [arg ...]]
/// ```
pub(crate) fn command_getkeys(
    _ctx: &mut Ctx,
    _c: &mut ClientState,
    a: &[&[u8]],
    out: &mut Reply,
) -> R {
    let args = &a[2..];
    let Some(mut cmd) = spec::lookup(args[0]) else {
        return Err(CmdError::msg("Invalid command specified"));
    };
    if matches!(cmd.exec, Exec::Container) && args.len() > 1 {
        match spec::lookup_sub(cmd, args[1]) {
            Some(s) => cmd = s,
            None => return Err(CmdError::msg("Invalid command specified")),
        }
    }
    // Redis 7.2 order: no keys at all, then the arity of the command examined.
    if cmd.first_key <= 0 && cmd.keys_fn.is_none() {
        return Err(CmdError::msg("The command has no key arguments"));
    }
    if !spec::arity_ok(cmd.arity, args.len()) {
        return Err(CmdError::msg(
            "Invalid number of arguments specified for command",
        ));
    }
    let keys = cmd.all_key_positions(args);
    if keys.is_empty() {
        return Err(CmdError::msg("The command has no key arguments"));
    }
    out.array(keys.len());
    for k in keys {
        out.bulk(args[k]);
    }
    Ok(())
}

pub(crate) fn command_help(
    _ctx: &mut Ctx,
    _c: &mut ClientState,
    _a: &[&[u8]],
    out: &mut Reply,
) -> R {
    help_reply(
        out,
        "COMMAND",
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
        ],
    );
    Ok(())
}
