//! Decoding of encoded replies, for combining the replies of several shards and for
//! tests. Accepts what [`super::Reply`] writes (RESP2 and RESP3).

/// A decoded reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Simple(Vec<u8>),
    Error(Vec<u8>),
    Int(i64),
    Bulk(Vec<u8>),
    Null,
    Array(Vec<Value>),
}

/// Length in bytes of the first complete reply in `buf`, if there is one.
pub fn skip(buf: &[u8]) -> Option<usize> {
    parse_at(buf, 0).map(|(_, n)| n)
}

/// Decode the first reply of `buf` (None if incomplete or malformed).
pub fn parse(buf: &[u8]) -> Option<Value> {
    parse_at(buf, 0).map(|(v, _)| v)
}

fn line(buf: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let rest = buf.get(pos..)?;
    let nl = memchr::memmem::find(rest, b"\r\n")?;
    Some((&rest[..nl], pos + nl + 2))
}

fn parse_at(buf: &[u8], pos: usize) -> Option<(Value, usize)> {
    let tag = *buf.get(pos)?;
    let (l, next) = line(buf, pos + 1)?;
    let num = || std::str::from_utf8(l).ok()?.parse::<i64>().ok();
    match tag {
        b'+' => Some((Value::Simple(l.to_vec()), next)),
        b'-' => Some((Value::Error(l.to_vec()), next)),
        b':' => Some((Value::Int(num()?), next)),
        b'_' => Some((Value::Null, next)),
        b'#' | b',' | b'(' => Some((Value::Simple(l.to_vec()), next)),
        b'$' | b'=' | b'!' => {
            let n = num()?;
            if n < 0 {
                return Some((Value::Null, next));
            }
            let end = next + n as usize;
            if buf.len() < end + 2 {
                return None;
            }
            Some((Value::Bulk(buf[next..end].to_vec()), end + 2))
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n = num()?;
            if n < 0 {
                return Some((Value::Null, next));
            }
            let n = if tag == b'%' || tag == b'|' { n * 2 } else { n } as usize;
            let mut items = Vec::with_capacity(n.min(1024));
            let mut p = next;
            for _ in 0..n {
                let (v, np) = parse_at(buf, p)?;
                items.push(v);
                p = np;
            }
            if tag == b'|' {
                // An attribute precedes the real reply.
                return parse_at(buf, p);
            }
            Some((Value::Array(items), p))
        }
        _ => None,
    }
}

/// The byte spans of the elements of an encoded array reply (for re-ordering MGET parts).
pub fn array_elements(buf: &[u8]) -> Option<Vec<&[u8]>> {
    if buf.first() != Some(&b'*') {
        return None;
    }
    let (l, mut p) = line(buf, 1)?;
    let n: usize = std::str::from_utf8(l).ok()?.parse().ok()?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let (_, np) = parse_at(buf, p)?;
        out.push(&buf[p..np]);
        p = np;
    }
    Some(out)
}
