//! Shared by the differential tests: redis-cli style line splitting, so a case can be
//! written as the command lines one would type, and the normalisations that compare
//! replies whose order is unspecified ([`pairs_unordered`] for field/value replies).

use super::Val;

/// redis-cli style splitting with escapes.
pub fn split_line(line: &str) -> Vec<Vec<u8>> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let mut cur = Vec::new();
        if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    i += 1;
                    match b[i] {
                        b'n' => cur.push(b'\n'),
                        b'r' => cur.push(b'\r'),
                        b't' => cur.push(b'\t'),
                        b'0' => cur.push(0),
                        b'x' if i + 2 < b.len()
                            && b[i + 1].is_ascii_hexdigit()
                            && b[i + 2].is_ascii_hexdigit() =>
                        {
                            let h = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                            cur.push(u8::from_str_radix(h, 16).unwrap());
                            i += 2;
                        }
                        // Not an escape this splitter knows: keep it as written.
                        b'x' => cur.extend_from_slice(b"\\x"),
                        c => cur.push(c),
                    }
                } else {
                    cur.push(b[i]);
                }
                i += 1;
            }
            i += 1; // closing quote
        } else if b[i] == b'\'' {
            i += 1;
            while i < b.len() && b[i] != b'\'' {
                cur.push(b[i]);
                i += 1;
            }
            i += 1;
        } else {
            while i < b.len() && b[i] != b' ' {
                cur.push(b[i]);
                i += 1;
            }
        }
        out.push(cur);
    }
    out
}

/// The bytes of a double-quoted redis-cli string (escapes processed).
pub fn unescape(s: &str) -> Vec<u8> {
    let joined = format!("\"{}\"", s.replace('"', "\\\""));
    split_line(&joined).pop().unwrap_or_default()
}

/// One side's answer to a line: the raw reply, or what went wrong reading it.
pub type LineResult = Result<Vec<u8>, String>;

/// Send a case line (leading `~`/`@`/`%` markers removed) as one command; read its reply.
pub fn send_line(c: &mut super::Client, line: &str) -> LineResult {
    let args = split_line(line.trim_start_matches(['~', '@', '%']));
    let refs: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
    send_bytes(c, &super::encode(&refs))
}

/// Send raw bytes; read one reply.
pub fn send_bytes(c: &mut super::Client, bytes: &[u8]) -> LineResult {
    c.try_send(bytes).map_err(|e| format!("send: {e}"))?;
    c.try_read_reply().map_err(|e| format!("<{e}>"))
}

/// Whether both servers answered alike: the same bytes, or both failed the same way
/// (closed the connection, or not).
pub fn same(a: &LineResult, b: &LineResult) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => x == y,
        (Err(x), Err(y)) => x.contains("closed") == y.contains("closed"),
        _ => false,
    }
}

/// A reply (or its failure) for a mismatch report.
pub fn describe(x: &LineResult) -> String {
    match x {
        Ok(v) => super::show(v),
        Err(e) => e.clone(),
    }
}

/// A field/value reply reduced to its pairs, in a canonical order, keeping its shape.
#[derive(Debug, PartialEq)]
pub enum Pairs {
    /// A flat array `f1 v1 f2 v2 …` (HGETALL, HRANDFIELD … WITHVALUES in RESP2).
    Flat(Vec<(Val, Val)>),
    /// An array of `[f, v]` arrays (HRANDFIELD … WITHVALUES in RESP3).
    Nested(Vec<(Val, Val)>),
    /// A RESP3 map (HGETALL in RESP3).
    Map(Vec<(Val, Val)>),
    /// A scan page: the cursor, then its flat field/value array (HSCAN).
    Page(Val, Vec<(Val, Val)>),
    /// Not a field/value reply (an error, a nil, an odd-length array): kept as is.
    Other(Val),
}

/// Reduce a field/value reply to its pairs sorted by field, then value, so that two
/// replies compare equal exactly when they hold the same field → value pairs in any
/// order. Sorting the flat array instead would lose the pairing: `[a 1 b 2]` and
/// `[a 2 b 1]` sort to the same list.
pub fn pairs_unordered(v: Val) -> Pairs {
    fn sorted(mut p: Vec<(Val, Val)>) -> Vec<(Val, Val)> {
        p.sort_by_key(|(f, v)| (format!("{f:?}"), format!("{v:?}")));
        p
    }
    fn flat(items: &[Val]) -> Option<Vec<(Val, Val)>> {
        let scalar = |x: &Val| !matches!(x, Val::Array(_) | Val::Map(_) | Val::Set(_));
        if items.len() % 2 != 0 || !items.iter().all(scalar) {
            return None;
        }
        Some(
            items
                .chunks(2)
                .map(|c| (c[0].clone(), c[1].clone()))
                .collect(),
        )
    }
    fn nested(items: &[Val]) -> Option<Vec<(Val, Val)>> {
        items
            .iter()
            .map(|x| match x {
                Val::Array(p) if p.len() == 2 => Some((p[0].clone(), p[1].clone())),
                _ => None,
            })
            .collect()
    }
    match v {
        Val::Map(p) => Pairs::Map(sorted(p)),
        Val::Array(items) => {
            if let [cursor @ Val::Bulk(_), Val::Array(page)] = items.as_slice() {
                if let Some(p) = flat(page) {
                    return Pairs::Page(cursor.clone(), sorted(p));
                }
            }
            if let Some(p) = flat(&items) {
                Pairs::Flat(sorted(p))
            } else if let Some(p) = nested(&items) {
                Pairs::Nested(sorted(p))
            } else {
                Pairs::Other(Val::Array(items))
            }
        }
        other => Pairs::Other(other),
    }
}
