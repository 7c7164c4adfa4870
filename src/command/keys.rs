//! Keyspace commands: DEL, EXISTS, TTLs, RENAME, COPY, KEYS, SCAN, OBJECT, ...

use super::{arg_i64, eq_ic, ClientState, CmdError, Ctx};
use crate::resp::Reply;
use crate::shared::Shared;
use crate::slot::{key_hash_slot, SLOTS};
use crate::store::glob::glob_match;

type R = Result<(), CmdError>;

/// ```text
/// DEL key [key ...]      (also UNLINK)
/// ```
pub fn del(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let mut n = 0;
    for key in &args[1..] {
        if let Some(v) = ctx.db.remove(key_hash_slot(key), key, ctx.now) {
            crate::store::lazyfree::free_value(v);
            n += 1;
        }
    }
    out.int(n);
    Ok(())
}

/// ```text
/// EXISTS key [key ...]   (also TOUCH)
/// ```
pub fn exists(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let mut n = 0;
    for key in &args[1..] {
        if ctx.db.contains(key_hash_slot(key), key, ctx.now) {
            n += 1;
        }
    }
    out.int(n);
    Ok(())
}

/// ```text
/// TYPE key
/// ```
pub fn type_(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    match ctx.db.get(ctx.slot, args[1], ctx.now) {
        Some(v) => out.simple(v.type_name()),
        None => out.simple("none"),
    }
    Ok(())
}

fn expire_generic(
    ctx: &mut Ctx,
    args: &[&[u8]],
    out: &mut Reply,
    seconds: bool,
    absolute: bool,
) -> R {
    let cmd = String::from_utf8_lossy(args[0]).to_ascii_lowercase();
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for a in &args[3..] {
        if eq_ic(a, "nx") {
            nx = true;
        } else if eq_ic(a, "xx") {
            xx = true;
        } else if eq_ic(a, "gt") {
            gt = true;
        } else if eq_ic(a, "lt") {
            lt = true;
        } else {
            return Err(CmdError::msg(format!(
                "Unsupported option {}",
                String::from_utf8_lossy(a)
            )));
        }
    }
    if nx && (xx || gt || lt) {
        return Err(CmdError::msg(
            "NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if gt && lt {
        return Err(CmdError::msg(
            "GT and LT options at the same time are not compatible",
        ));
    }
    let invalid = || CmdError::Err(format!("invalid expire time in '{cmd}' command").into());
    let mut when = arg_i64(args[2])?;
    if seconds {
        when = when.checked_mul(1000).ok_or_else(invalid)?;
    }
    if !absolute {
        when = when.checked_add(ctx.now as i64).ok_or_else(invalid)?;
    }
    let slot = ctx.slot;
    let key = args[1];
    if !ctx.db.contains(slot, key, ctx.now) {
        out.int(0);
        return Ok(());
    }
    let cur = ctx.db.expire_of(slot, key).map(|w| w as i64);
    let refuse = (nx && cur.is_some())
        || (xx && cur.is_none())
        || (gt && cur.is_none_or(|c| when <= c))
        || (lt && cur.is_some_and(|c| when >= c));
    if refuse {
        out.int(0);
        return Ok(());
    }
    if when <= ctx.now as i64 {
        ctx.db.remove(slot, key, ctx.now);
    } else {
        ctx.db.set_expire(slot, key, when as u64);
    }
    out.int(1);
    Ok(())
}

/// ```text
/// EXPIRE key seconds [NX | XX | GT | LT]
/// ```
pub fn expire(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    expire_generic(ctx, args, out, true, false)
}

/// ```text
/// PEXPIRE key milliseconds [NX | XX | GT | LT]
/// ```
pub fn pexpire(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    expire_generic(ctx, args, out, false, false)
}

/// ```text
/// EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
/// ```
pub fn expireat(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    expire_generic(ctx, args, out, true, true)
}

/// ```text
/// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
/// ```
pub fn pexpireat(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    expire_generic(ctx, args, out, false, true)
}

fn ttl_generic(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply, ms: bool, abs: bool) -> R {
    if !ctx.db.contains(ctx.slot, args[1], ctx.now) {
        out.int(-2);
        return Ok(());
    }
    match ctx.db.expire_of(ctx.slot, args[1]) {
        None => out.int(-1),
        Some(when) if abs => out.int(if ms {
            when as i64
        } else {
            (when / 1000) as i64
        }),
        Some(when) => {
            let ttl = when.saturating_sub(ctx.now) as i64;
            out.int(if ms { ttl } else { (ttl + 500) / 1000 });
        }
    }
    Ok(())
}

/// ```text
/// TTL key
/// ```
pub fn ttl(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    ttl_generic(ctx, args, out, false, false)
}

/// ```text
/// PTTL key
/// ```
pub fn pttl(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    ttl_generic(ctx, args, out, true, false)
}

/// ```text
/// EXPIRETIME key
/// ```
pub fn expiretime(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    ttl_generic(ctx, args, out, false, true)
}

/// ```text
/// PEXPIRETIME key
/// ```
pub fn pexpiretime(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    ttl_generic(ctx, args, out, true, true)
}

/// ```text
/// PERSIST key
/// ```
pub fn persist(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let ok = ctx.db.contains(ctx.slot, args[1], ctx.now) && ctx.db.persist(ctx.slot, args[1]);
    out.int(ok as i64);
    Ok(())
}

fn rename_generic(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply, nx: bool) -> R {
    let (src, dst) = (args[1], args[2]);
    let (ss, ds) = (key_hash_slot(src), key_hash_slot(dst));
    if !ctx.db.contains(ss, src, ctx.now) {
        return Err(CmdError::NoSuchKey);
    }
    if src == dst {
        if nx {
            out.int(0);
        } else {
            out.ok();
        }
        return Ok(());
    }
    if nx && ctx.db.contains(ds, dst, ctx.now) {
        out.int(0);
        return Ok(());
    }
    let ttl = ctx.db.expire_of(ss, src);
    let v = ctx.db.remove(ss, src, ctx.now).expect("checked above");
    ctx.db.remove(ds, dst, ctx.now);
    ctx.db.set(ds, dst, v, false);
    if let Some(when) = ttl {
        ctx.db.set_expire(ds, dst, when);
    }
    if nx {
        out.int(1);
    } else {
        out.ok();
    }
    Ok(())
}

/// ```text
/// RENAME key newkey
/// ```
pub fn rename(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    rename_generic(ctx, args, out, false)
}

/// ```text
/// RENAMENX key newkey
/// ```
pub fn renamenx(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    rename_generic(ctx, args, out, true)
}

/// ```text
/// COPY source destination [DB destination-db] [REPLACE]
/// ```
pub fn copy(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let (src, dst) = (args[1], args[2]);
    let mut replace = false;
    let mut i = 3;
    while i < args.len() {
        if eq_ic(args[i], "replace") {
            replace = true;
        } else if eq_ic(args[i], "db") && i + 1 < args.len() {
            let db = arg_i64(args[i + 1])?;
            if db < 0 || db >= ctx.shared.cfg().databases as i64 {
                return Err(CmdError::msg("DB index is out of range"));
            }
            if db != 0 && ctx.shared.cluster.is_some() {
                return Err(CmdError::msg(
                    "Copying to another database is not allowed in cluster mode",
                ));
            }
            if db != 0 {
                return Err(CmdError::msg("DB index is out of range"));
            }
            i += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    if src == dst {
        return Err(CmdError::msg("source and destination objects are the same"));
    }
    let (ss, ds) = (key_hash_slot(src), key_hash_slot(dst));
    let Some(v) = ctx.db.get(ss, src, ctx.now).cloned() else {
        out.int(0);
        return Ok(());
    };
    if ctx.db.contains(ds, dst, ctx.now) {
        if !replace {
            out.int(0);
            return Ok(());
        }
        ctx.db.remove(ds, dst, ctx.now);
    }
    let ttl = ctx.db.expire_of(ss, src);
    ctx.db.set(ds, dst, v, false);
    if let Some(when) = ttl {
        ctx.db.set_expire(ds, dst, when);
    }
    out.int(1);
    Ok(())
}

/// Whether `slot`'s keys live on this shard (standalone: the shard's slot range;
/// cluster: every slot, since a shard-node's keyspace is its one shard's).
fn owned(shared: &Shared, shard: usize) -> impl Fn(usize) -> bool + '_ {
    let table = shared.table(shard);
    move |slot| table.get(slot as u16).shard() == Some(shard)
}

/// ```text
/// KEYS pattern
/// ```
/// Runs on every shard; each answers the keys of its slots, the arrays are concatenated.
pub fn keys(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let pat = args[1];
    let all = pat == b"*";
    let mut found: Vec<Vec<u8>> = Vec::new();
    let mine = owned(ctx.shared, ctx.shard);
    for slot in 0..SLOTS {
        if !mine(slot) {
            continue;
        }
        ctx.db.for_each_in_slot(slot as u16, ctx.now, |k, _| {
            if all || glob_match(pat, k) {
                found.push(k.to_vec());
            }
        });
    }
    out.array(found.len());
    for k in found {
        out.bulk(&k);
    }
    Ok(())
}

/// Parse a SCAN cursor like Redis's `strtoul(s, &end, 10)` check: no leading space,
/// an optional sign (a minus wraps around, as strtoul does), decimal digits, nothing
/// after them; out of range is an error. An empty string is cursor 0. Our cursors are
/// slot numbers; anything past the last slot ends the scan.
pub fn parse_cursor(b: &[u8]) -> Result<u64, CmdError> {
    let invalid = || CmdError::msg("invalid cursor");
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() {
        // strtoul converted nothing: the end pointer is the string's start.
        return if b.is_empty() { Ok(0) } else { Err(invalid()) };
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return Err(invalid());
        }
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add((c - b'0') as u64))
            .ok_or_else(invalid)?;
    }
    Ok(if neg { v.wrapping_neg() } else { v })
}

/// ```text
/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
/// ```
/// The cursor is the next slot to visit. Every shard of the node (in cluster mode the
/// shard-node itself) scans its own slots from the cursor on, whole slots at a time (so
/// a key present for the whole scan is returned at least once), until COUNT keys were
/// seen or its slots end; [`scan_combine`] stitches the parts in slot order. Each part
/// is `[next slot, 1 if the shard reached the end of its slots, [keys]]`.
pub fn scan(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let (cursor, count, pat, typ) = scan_args(args)?;
    let mut found: Vec<Vec<u8>> = Vec::new();
    let mine = owned(ctx.shared, ctx.shard);
    // This shard's first slot at or after the cursor (none: its slots are all behind).
    let start = (cursor.min(SLOTS as u64) as usize..SLOTS).find(|&s| mine(s));
    let (next, done) = match start {
        None => (cursor.min(SLOTS as u64) as usize, true),
        Some(start) => {
            let next = ctx
                .db
                .scan_slots(start, count as usize, ctx.now, &mine, |k, v| {
                    if pat.is_some_and(|p| !glob_match(p, k)) {
                        return;
                    }
                    if typ.is_some_and(|t| !t.eq_ignore_ascii_case(v.type_name().as_bytes())) {
                        return;
                    }
                    found.push(k.to_vec());
                });
            (next, next >= SLOTS || !mine(next))
        }
    };
    out.array(3);
    out.int(next as i64);
    out.int(done as i64);
    out.array(found.len());
    for k in found {
        out.bulk(&k);
    }
    Ok(())
}

/// SCAN's cursor, COUNT, MATCH and TYPE.
#[allow(clippy::type_complexity)]
fn scan_args<'a>(
    args: &[&'a [u8]],
) -> Result<(u64, i64, Option<&'a [u8]>, Option<&'a [u8]>), CmdError> {
    let cursor = parse_cursor(args[1])?;
    let mut count: i64 = 10;
    let mut pat: Option<&[u8]> = None;
    let mut typ: Option<&[u8]> = None;
    let mut i = 2;
    while i < args.len() {
        if i + 1 >= args.len() {
            return Err(CmdError::Syntax);
        }
        if eq_ic(args[i], "count") {
            count = arg_i64(args[i + 1])?;
            if count < 1 {
                return Err(CmdError::Syntax);
            }
        } else if eq_ic(args[i], "match") {
            pat = Some(args[i + 1]).filter(|p| *p != b"*");
        } else if eq_ic(args[i], "type") {
            typ = Some(args[i + 1]);
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    Ok((cursor, count, pat, typ))
}

/// SCAN's reply from the shards' parts, which come in slot order (shard i's slots
/// precede shard i+1's): keys of every part up to the first that stopped early (COUNT
/// reached inside its slots), or up to the part after which COUNT keys were gathered;
/// the cursor is where that part stopped, 0 when every part reached its end.
pub fn scan_combine(
    _s: &Shared,
    _c: &ClientState,
    args: &[&[u8]],
    parts: &[Vec<u8>],
    out: &mut Reply,
) {
    use crate::resp::reply_parse::{array_elements, parse, Value};
    if let Some(e) = parts.iter().find(|p| p.first() == Some(&b'-')) {
        out.raw(e);
        return;
    }
    let count = scan_args(args).map_or(10, |a| a.1) as usize;
    let mut keys: Vec<&[u8]> = Vec::new();
    let mut cursor = 0usize;
    for p in parts {
        let Some(elems) = array_elements(p) else {
            continue;
        };
        let (Some(Value::Int(next)), Some(Value::Int(done))) = (parse(elems[0]), parse(elems[1]))
        else {
            continue;
        };
        keys.extend(array_elements(elems[2]).unwrap_or_default());
        let next = next as usize;
        if done == 0 || (keys.len() >= count && next < SLOTS) {
            cursor = next;
            break;
        }
    }
    out.array(2);
    out.bulk_int(if cursor >= SLOTS { 0 } else { cursor as i64 });
    out.array(keys.len());
    for k in keys {
        out.raw(k);
    }
}

/// ```text
/// RANDOMKEY
/// ```
/// Each shard answers one of its keys; [`randomkey_combine`] picks among them.
pub fn randomkey(ctx: &mut Ctx, _args: &[&[u8]], out: &mut Reply) -> R {
    let n = ctx.db.len();
    match ctx.db.random_key(ctx.now) {
        Some(k) => {
            out.array(2);
            out.int(n as i64);
            out.bulk(&k);
        }
        None => out.array(0),
    }
    Ok(())
}

/// Pick one shard's random key, weighted by each shard's key count.
pub fn randomkey_combine(
    _s: &Shared,
    _c: &ClientState,
    _args: &[&[u8]],
    parts: &[Vec<u8>],
    out: &mut Reply,
) {
    use rand::Rng;
    let mut cands: Vec<(i64, Vec<u8>)> = Vec::new();
    for p in parts {
        if let Some(crate::resp::reply_parse::Value::Array(items)) =
            crate::resp::reply_parse::parse(p)
        {
            if let [crate::resp::reply_parse::Value::Int(n), crate::resp::reply_parse::Value::Bulk(k)] =
                &items[..]
            {
                cands.push((*n, k.clone()));
            }
        }
    }
    let total: i64 = cands.iter().map(|c| c.0).sum();
    if total <= 0 {
        out.null();
        return;
    }
    let mut pick = rand::thread_rng().gen_range(0..total);
    for (n, k) in cands {
        if pick < n {
            out.bulk(&k);
            return;
        }
        pick -= n;
    }
}

/// ```text
/// DBSIZE
/// ```
pub fn dbsize(ctx: &mut Ctx, _args: &[&[u8]], out: &mut Reply) -> R {
    out.int(ctx.db.len() as i64);
    Ok(())
}

/// ```text
/// FLUSHALL [ASYNC | SYNC]      (also FLUSHDB)
/// ```
pub fn flushall(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    if args.len() > 2 || (args.len() == 2 && !eq_ic(args[1], "async") && !eq_ic(args[1], "sync")) {
        return Err(CmdError::Syntax);
    }
    ctx.db.flush();
    out.ok();
    Ok(())
}

/// ```text
/// OBJECT ENCODING key
/// ```
pub fn object_encoding(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    match ctx.db.get(ctx.slot, args[2], ctx.now) {
        Some(v) => out.bulk(v.encoding().as_bytes()),
        None => out.null(),
    }
    Ok(())
}

/// ```text
/// OBJECT REFCOUNT key
/// ```
/// slotcore never shares values between keys, so a live key's count is 1 (Redis answers
/// 2147483647 for its shared small integers; we do not have those).
pub fn object_refcount(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    match ctx.db.get(ctx.slot, args[2], ctx.now) {
        Some(_) => out.int(1),
        None => out.null(),
    }
    Ok(())
}

/// ```text
/// OBJECT IDLETIME key
/// ```
/// slotcore keeps no per-key access clock (it saves 8 bytes per key and there is no LRU
/// eviction yet): a live key reports 0 seconds idle. Documented in the README.
pub fn object_idletime(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    match ctx.db.get(ctx.slot, args[2], ctx.now) {
        Some(_) => out.int(0),
        None => out.null(),
    }
    Ok(())
}

/// ```text
/// OBJECT FREQ key
/// ```
pub fn object_freq(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    if !ctx.db.contains(ctx.slot, args[2], ctx.now) {
        out.null();
        return Ok(());
    }
    Err(CmdError::msg(
        "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
    ))
}

/// Help lines shared by the HELP subcommands.
pub fn help_reply(out: &mut Reply, cmd: &str, lines: &[&str]) {
    out.array(lines.len() + 3);
    out.simple(&format!(
        "{cmd} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    ));
    for l in lines {
        out.simple(l);
    }
    out.simple("HELP");
    out.simple("    Prints this help.");
}

/// ```text
/// OBJECT HELP
/// ```
pub fn object_help(_ctx: &mut Ctx, _c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
    help_reply(
        out,
        "OBJECT",
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
        ],
    );
    Ok(())
}

/// ```text
/// MOVE key db
/// ```
/// slotcore has one database: index 0 is the source itself, any other is out of range
/// (Redis Cluster refuses MOVE altogether, and so does slotcore in cluster mode).
pub fn move_key(ctx: &mut Ctx, args: &[&[u8]], _out: &mut Reply) -> R {
    if ctx.shared.cluster.is_some() {
        return Err(CmdError::msg("MOVE is not allowed in cluster mode"));
    }
    let db = arg_i64(args[2])?;
    if db == 0 {
        return Err(CmdError::msg("source and destination objects are the same"));
    }
    Err(CmdError::msg("DB index is out of range"))
}

/// ```text
/// SWAPDB index1 index2
/// ```
/// With one database only `SWAPDB 0 0` is valid (a no-op); refused in cluster mode.
pub fn swapdb(ctx: &mut Ctx, _c: &mut ClientState, args: &[&[u8]], out: &mut Reply) -> R {
    if ctx.shared.cluster.is_some() {
        return Err(CmdError::msg("SWAPDB is not allowed in cluster mode"));
    }
    let a = arg_i64(args[1]).map_err(|_| CmdError::msg("invalid first DB index"))?;
    let b = arg_i64(args[2]).map_err(|_| CmdError::msg("invalid second DB index"))?;
    if a != 0 || b != 0 {
        return Err(CmdError::msg("DB index is out of range"));
    }
    out.ok();
    Ok(())
}
