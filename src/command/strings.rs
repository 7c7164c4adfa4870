//! String commands: GET, SET and friends, counters, ranges, LCS.

pub(crate) mod long_double;

use super::{arg_i64, eq_ic, CmdError, Ctx};
use crate::resp::Reply;
use crate::slot::key_hash_slot;
use crate::store::{SmallBytes, Value};
use long_double::Ld;

type R = Result<(), CmdError>;

/// Fetch a string value's bytes; WRONGTYPE for other types; None when absent.
fn get_string(ctx: &mut Ctx, slot: u16, key: &[u8]) -> Result<Option<Vec<u8>>, CmdError> {
    match ctx.db.get(slot, key, ctx.now) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.as_slice().to_vec())),
        Some(Value::Int(n)) => Ok(Some(itoa::Buffer::new().format(*n).as_bytes().to_vec())),
        Some(_) => Err(CmdError::WrongType),
    }
}

/// Write a string value as a bulk reply (or null), WRONGTYPE for other types.
fn reply_value(v: Option<&Value>, out: &mut Reply) -> R {
    match v {
        None => out.null(),
        Some(Value::Str(s)) => out.bulk(s.as_slice()),
        Some(Value::Int(n)) => out.bulk_int(*n),
        Some(_) => return Err(CmdError::WrongType),
    }
    Ok(())
}

/// ```text
/// GET key
/// ```
pub fn get(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let v = ctx.db.get(ctx.slot, args[1], ctx.now);
    let hit = v.is_some();
    reply_value(v, out)?;
    if hit {
        ctx.db.hits += 1;
    } else {
        ctx.db.misses += 1;
    }
    Ok(())
}

/// Expiry options shared by SET and GETEX.
#[derive(Default, PartialEq, Clone, Copy)]
enum Ttl {
    #[default]
    None,
    Keep,
    Persist,
    At(u64),
}

/// Parse an EX/PX/EXAT/PXAT amount into an absolute unix-ms deadline
/// (Redis's getExpireMillisecondsOrReply).
fn parse_ttl(now: u64, unit: &[u8], arg: &[u8], cmd: &'static str) -> Result<u64, CmdError> {
    let n = arg_i64(arg)?;
    let seconds = eq_ic(unit, "ex") || eq_ic(unit, "exat");
    if n <= 0 || (seconds && n > i64::MAX / 1000) {
        return Err(CmdError::InvalidExpire(cmd));
    }
    let ms = if seconds { n * 1000 } else { n };
    let abs = if eq_ic(unit, "ex") || eq_ic(unit, "px") {
        // Redis adds with wrap-around and rejects a result <= 0.
        ms.checked_add(now as i64)
            .ok_or(CmdError::InvalidExpire(cmd))?
    } else {
        ms
    };
    Ok(abs as u64)
}

fn apply_ttl(ctx: &mut Ctx, slot: u16, key: &[u8], ttl: Ttl) {
    match ttl {
        Ttl::At(when) => {
            if when <= ctx.now {
                ctx.db.remove(slot, key, ctx.now);
                ctx.db.expired_keys += 1;
            } else {
                ctx.db.set_expire(slot, key, when);
            }
        }
        Ttl::Persist => {
            ctx.db.persist(slot, key);
        }
        Ttl::None | Ttl::Keep => {}
    }
}

/// Options of SET and GETEX, parsed like Redis's parseExtendedStringArgumentsOrReply:
/// an option may repeat (the last amount wins) but must not conflict with another;
/// the amount itself is only checked after the whole line parsed.
#[derive(Default)]
struct StringOpts<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    /// The unit (`ex`, `px`, `exat`, `pxat`, lower case) and its unparsed amount.
    expire: Option<(&'static str, &'a [u8])>,
}

fn parse_string_opts<'a>(
    args: &[&'a [u8]],
    first: usize,
    is_set: bool,
) -> Result<StringOpts<'a>, CmdError> {
    let mut o = StringOpts::default();
    let mut i = first;
    while i < args.len() {
        let a = args[i];
        let next = args.get(i + 1).copied();
        let unit = o.expire.map(|(u, _)| u);
        let time_ok = |u: &str| !o.keepttl && !o.persist && unit.is_none_or(|cur| cur == u);
        if is_set && eq_ic(a, "nx") && !o.xx {
            o.nx = true;
        } else if is_set && eq_ic(a, "xx") && !o.nx {
            o.xx = true;
        } else if is_set && eq_ic(a, "get") {
            o.get = true;
        } else if is_set && eq_ic(a, "keepttl") && !o.persist && unit.is_none() {
            o.keepttl = true;
        } else if !is_set && eq_ic(a, "persist") && !o.keepttl && unit.is_none() {
            o.persist = true;
        } else if let Some(u) = ["ex", "px", "exat", "pxat"]
            .into_iter()
            .find(|u| eq_ic(a, u) && time_ok(u) && next.is_some())
        {
            o.expire = Some((u, next.unwrap_or_default()));
            i += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    Ok(o)
}

/// ```text
/// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds |
///   EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
/// ```
pub fn set(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let (key, val) = (args[1], args[2]);
    let o = parse_string_opts(args, 3, true)?;
    let (nx, xx, get) = (o.nx, o.xx, o.get);
    let ttl = match o.expire {
        Some((unit, amount)) => Ttl::At(parse_ttl(ctx.now, unit.as_bytes(), amount, "set")?),
        None if o.keepttl => Ttl::Keep,
        None => Ttl::None,
    };
    let slot = ctx.slot;
    let old = if get {
        Some(get_string(ctx, slot, key)?)
    } else {
        None
    };
    let exists = match &old {
        Some(o) => o.is_some(),
        None if nx || xx => ctx.db.contains(slot, key, ctx.now),
        None => false,
    };
    if (nx && exists) || (xx && !exists) {
        if get {
            match old.flatten() {
                Some(v) => out.bulk(&v),
                None => out.null(),
            }
        } else {
            out.null();
        }
        return Ok(());
    }
    ctx.db
        .set(slot, key, Value::from_bytes(val), ttl == Ttl::Keep);
    apply_ttl(ctx, slot, key, ttl);
    match old {
        Some(Some(v)) => out.bulk(&v),
        Some(None) => out.null(),
        None => out.ok(),
    }
    Ok(())
}

/// ```text
/// SETNX key value
/// ```
pub fn setnx(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    if ctx.db.contains(ctx.slot, args[1], ctx.now) {
        out.int(0);
    } else {
        ctx.db
            .set(ctx.slot, args[1], Value::from_bytes(args[2]), false);
        out.int(1);
    }
    Ok(())
}

fn setex_generic(
    ctx: &mut Ctx,
    args: &[&[u8]],
    out: &mut Reply,
    unit: &str,
    cmd: &'static str,
) -> R {
    let when = parse_ttl(ctx.now, unit.as_bytes(), args[2], cmd)?;
    ctx.db
        .set(ctx.slot, args[1], Value::from_bytes(args[3]), false);
    apply_ttl(ctx, ctx.slot, args[1], Ttl::At(when));
    out.ok();
    Ok(())
}

/// ```text
/// SETEX key seconds value
/// ```
pub fn setex(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    setex_generic(ctx, args, out, "ex", "setex")
}

/// ```text
/// PSETEX key milliseconds value
/// ```
pub fn psetex(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    setex_generic(ctx, args, out, "px", "psetex")
}

/// ```text
/// GETSET key value
/// ```
pub fn getset(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let old = get_string(ctx, ctx.slot, args[1])?;
    ctx.db
        .set(ctx.slot, args[1], Value::from_bytes(args[2]), false);
    match old {
        Some(v) => out.bulk(&v),
        None => out.null(),
    }
    Ok(())
}

/// ```text
/// GETDEL key
/// ```
pub fn getdel(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let old = get_string(ctx, ctx.slot, args[1])?;
    match old {
        Some(v) => {
            ctx.db.remove(ctx.slot, args[1], ctx.now);
            out.bulk(&v);
        }
        None => out.null(),
    }
    Ok(())
}

/// ```text
/// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
///   PXAT unix-time-milliseconds | PERSIST]
/// ```
pub fn getex(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let o = parse_string_opts(args, 2, false)?;
    let Some(v) = get_string(ctx, ctx.slot, args[1])? else {
        out.null();
        return Ok(());
    };
    // The amount is validated only once the key is known to hold a string.
    let ttl = match o.expire {
        Some((unit, amount)) => Ttl::At(parse_ttl(ctx.now, unit.as_bytes(), amount, "getex")?),
        None if o.persist => Ttl::Persist,
        None => Ttl::None,
    };
    out.bulk(&v);
    apply_ttl(ctx, ctx.slot, args[1], ttl);
    Ok(())
}

/// ```text
/// MGET key [key ...]
/// ```
pub fn mget(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    out.array(args.len() - 1);
    for key in &args[1..] {
        let slot = key_hash_slot(key);
        match ctx.db.get(slot, key, ctx.now) {
            Some(Value::Str(s)) => out.bulk(s.as_slice()),
            Some(Value::Int(n)) => out.bulk_int(*n),
            _ => out.null(),
        }
    }
    Ok(())
}

/// ```text
/// MSET key value [key value ...]
/// ```
pub fn mset(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    if args.len() % 2 != 1 {
        return Err(CmdError::WrongArity("mset".into()));
    }
    for kv in args[1..].chunks(2) {
        let slot = key_hash_slot(kv[0]);
        ctx.db.set(slot, kv[0], Value::from_bytes(kv[1]), false);
    }
    out.ok();
    Ok(())
}

/// ```text
/// MSETNX key value [key value ...]
/// ```
pub fn msetnx(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    if args.len() % 2 != 1 {
        return Err(CmdError::WrongArity("msetnx".into()));
    }
    for kv in args[1..].chunks(2) {
        if ctx.db.contains(key_hash_slot(kv[0]), kv[0], ctx.now) {
            out.int(0);
            return Ok(());
        }
    }
    for kv in args[1..].chunks(2) {
        ctx.db
            .set(key_hash_slot(kv[0]), kv[0], Value::from_bytes(kv[1]), false);
    }
    out.int(1);
    Ok(())
}

fn incr_by(ctx: &mut Ctx, key: &[u8], by: i64, out: &mut Reply) -> R {
    let slot = ctx.slot;
    let cur = match ctx.db.get_mut(slot, key, ctx.now) {
        None => 0,
        Some(Value::Int(n)) => *n,
        Some(Value::Str(s)) => crate::resp::parse_i64(s.as_slice()).ok_or(CmdError::NotInteger)?,
        Some(_) => return Err(CmdError::WrongType),
    };
    let new = cur.checked_add(by).ok_or(CmdError::Overflow)?;
    match ctx.db.get_mut(slot, key, ctx.now) {
        Some(v) => *v = Value::Int(new),
        None => ctx.db.set(slot, key, Value::Int(new), false),
    }
    out.int(new);
    Ok(())
}

/// ```text
/// INCR key
/// ```
pub fn incr(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    incr_by(ctx, args[1], 1, out)
}

/// ```text
/// DECR key
/// ```
pub fn decr(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    incr_by(ctx, args[1], -1, out)
}

/// ```text
/// INCRBY key increment
/// ```
pub fn incrby(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let by = arg_i64(args[2])?;
    incr_by(ctx, args[1], by, out)
}

/// ```text
/// DECRBY key decrement
/// ```
pub fn decrby(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let by = arg_i64(args[2])?;
    if by == i64::MIN {
        return Err(CmdError::msg("decrement would overflow"));
    }
    incr_by(ctx, args[1], -by, out)
}

/// ```text
/// INCRBYFLOAT key increment
/// ```
pub fn incrbyfloat(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let slot = ctx.slot;
    // Redis checks the current value first, then the increment.
    let cur = match ctx.db.get(slot, args[1], ctx.now) {
        None => Ld::from_i64(0),
        Some(Value::Int(n)) => Ld::from_i64(*n),
        Some(Value::Str(s)) => long_double::parse(s.as_slice()).ok_or(CmdError::NotFloat)?,
        Some(_) => return Err(CmdError::WrongType),
    };
    let by = long_double::parse(args[2]).ok_or(CmdError::NotFloat)?;
    let new = cur.add(&by);
    if !new.is_finite() {
        return Err(CmdError::msg("increment would produce NaN or Infinity"));
    }
    let s = new.to_human();
    ctx.db.set(
        slot,
        args[1],
        Value::Str(SmallBytes::new(s.as_bytes())),
        true,
    );
    out.bulk(s.as_bytes());
    Ok(())
}

/// ```text
/// APPEND key value
/// ```
pub fn append(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let slot = ctx.slot;
    let max = ctx.shared.cfg().proto_max_bulk_len as usize;
    match ctx.db.get_mut(slot, args[1], ctx.now) {
        None => {
            ctx.db
                .set(slot, args[1], Value::Str(SmallBytes::new(args[2])), false);
            out.int(args[2].len() as i64);
        }
        Some(v) => {
            if let Value::Int(n) = v {
                *v = Value::Str(SmallBytes::new(itoa::Buffer::new().format(*n).as_bytes()));
            }
            let Value::Str(s) = v else {
                return Err(CmdError::WrongType);
            };
            if s.len() + args[2].len() > max {
                return Err(CmdError::StringTooLong);
            }
            let g = s.make_growable();
            g.extend_from_slice(args[2]);
            out.int(g.len() as i64);
        }
    }
    Ok(())
}

/// ```text
/// STRLEN key
/// ```
pub fn strlen(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let n = match ctx.db.get(ctx.slot, args[1], ctx.now) {
        None => 0,
        Some(Value::Str(s)) => s.len(),
        Some(Value::Int(n)) => itoa::Buffer::new().format(*n).len(),
        Some(_) => return Err(CmdError::WrongType),
    };
    out.int(n as i64);
    Ok(())
}

/// ```text
/// GETRANGE key start end
/// ```
pub fn getrange(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let mut start = arg_i64(args[2])?;
    let mut end = arg_i64(args[3])?;
    let Some(s) = get_string(ctx, ctx.slot, args[1])? else {
        out.bulk(b"");
        return Ok(());
    };
    let len = s.len() as i64;
    if start < 0 && end < 0 && start > end {
        out.bulk(b"");
        return Ok(());
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        out.bulk(b"");
    } else {
        out.bulk(&s[start as usize..=end as usize]);
    }
    Ok(())
}

/// ```text
/// SETRANGE key offset value
/// ```
pub fn setrange(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let offset = arg_i64(args[2])?;
    if offset < 0 {
        return Err(CmdError::msg("offset is out of range"));
    }
    let val = args[3];
    let slot = ctx.slot;
    let max = ctx.shared.cfg().proto_max_bulk_len;
    let cur = get_string(ctx, slot, args[1])?;
    if cur.is_none() && val.is_empty() {
        out.int(0);
        return Ok(());
    }
    if !val.is_empty() && offset.saturating_add(val.len() as i64) > max {
        return Err(CmdError::StringTooLong);
    }
    let exists = cur.is_some();
    let mut s = cur.unwrap_or_default();
    if !val.is_empty() {
        let end = offset as usize + val.len();
        if s.len() < end {
            s.resize(end, 0);
        }
        s[offset as usize..end].copy_from_slice(val);
    }
    let n = s.len();
    if !val.is_empty() || !exists {
        // Redis unshares the value into a raw-encoded string (OBJECT ENCODING "raw").
        let mut sb = SmallBytes::from_vec(s);
        sb.make_growable();
        ctx.db.set(slot, args[1], Value::Str(sb), true);
    }
    out.int(n as i64);
    Ok(())
}

/// An inclusive range of byte positions.
type LcsRange = (usize, usize);
/// A match: its range in the first string, in the second, and its length.
type LcsMatch = (LcsRange, LcsRange, usize);

/// ```text
/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
/// ```
pub fn lcs(ctx: &mut Ctx, args: &[&[u8]], out: &mut Reply) -> R {
    let (mut get_len, mut get_idx, mut with_len) = (false, false, false);
    let mut min_len: i64 = 0;
    let mut i = 3;
    while i < args.len() {
        let a = args[i];
        if eq_ic(a, "idx") {
            get_idx = true;
        } else if eq_ic(a, "len") {
            get_len = true;
        } else if eq_ic(a, "withmatchlen") {
            with_len = true;
        } else if eq_ic(a, "minmatchlen") && i + 1 < args.len() {
            min_len = arg_i64(args[i + 1])?.max(0);
            i += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    let a = get_string(ctx, key_hash_slot(args[1]), args[1])
        .map_err(|_| CmdError::msg("The specified keys must contain string values"))?
        .unwrap_or_default();
    let b = get_string(ctx, key_hash_slot(args[2]), args[2])
        .map_err(|_| CmdError::msg("The specified keys must contain string values"))?
        .unwrap_or_default();
    if get_len && get_idx {
        return Err(CmdError::msg(
            "If you want both the length and indexes, please just use IDX.",
        ));
    }
    let (n, m) = (a.len(), b.len());
    if n >= u32::MAX as usize - 1 || m >= u32::MAX as usize - 1 {
        return Err(CmdError::msg("String too long for LCS"));
    }
    // Redis refuses a table (4 bytes a cell) larger than proto-max-bulk-len.
    let max_table = ctx.shared.cfg().proto_max_bulk_len.max(0) as u128;
    let cells = (n + 1) * (m + 1);
    if cells as u128 * 4 > max_table {
        return Err(CmdError::msg(
            "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        ));
    }
    let mut dp = vec![0u32; cells];
    let w = m + 1;
    for i in 1..=n {
        for j in 1..=m {
            dp[i * w + j] = if a[i - 1] == b[j - 1] {
                dp[(i - 1) * w + j - 1] + 1
            } else {
                dp[(i - 1) * w + j].max(dp[i * w + j - 1])
            };
        }
    }
    let total = dp[n * w + m] as usize;
    if get_len {
        out.int(total as i64);
        return Ok(());
    }
    // Walk back, collecting the LCS string and the matched ranges (from the end).
    let mut result = vec![0u8; total];
    let mut idx = total;
    let (mut i, mut j) = (n, m);
    let mut matches: Vec<LcsMatch> = Vec::new();
    let mut cur: Option<(LcsRange, LcsRange)> = None;
    let flush = |cur: &mut Option<(LcsRange, LcsRange)>, matches: &mut Vec<LcsMatch>| {
        if let Some((ra, rb)) = cur.take() {
            let l = ra.1 - ra.0 + 1;
            if l as i64 >= min_len {
                matches.push((ra, rb, l));
            }
        }
    };
    while i > 0 && j > 0 {
        if a[i - 1] == b[j - 1] {
            idx -= 1;
            result[idx] = a[i - 1];
            let (ai, bj) = (i - 1, j - 1);
            match &mut cur {
                Some((ra, rb)) if ra.0 == ai + 1 && rb.0 == bj + 1 => {
                    ra.0 = ai;
                    rb.0 = bj;
                }
                _ => {
                    flush(&mut cur, &mut matches);
                    cur = Some(((ai, ai), (bj, bj)));
                }
            }
            i -= 1;
            j -= 1;
        } else if dp[(i - 1) * w + j] > dp[i * w + j - 1] {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    flush(&mut cur, &mut matches);
    if !get_idx {
        out.bulk(&result);
        return Ok(());
    }
    out.map(2);
    out.bulk(b"matches");
    out.array(matches.len());
    for (ra, rb, l) in &matches {
        out.array(if with_len { 3 } else { 2 });
        out.array(2);
        out.int(ra.0 as i64);
        out.int(ra.1 as i64);
        out.array(2);
        out.int(rb.0 as i64);
        out.int(rb.1 as i64);
        if with_len {
            out.int(*l as i64);
        }
    }
    out.bulk(b"len");
    out.int(total as i64);
    Ok(())
}
