//! Reply handling. The hot path only *frames* a reply (finds where it ends) and
//! classifies it; a full parser is used only for CLUSTER SLOTS on the control path.

/// What kind of reply was framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `+...`, `:n`, an array or any other non-error, non-bulk reply.
    Other,
    /// A non-null bulk string (a GET hit).
    Bulk,
    /// A null bulk (`$-1`) or null array (`*-1`): a GET miss.
    Null,
    /// `-...`: an error line (including MOVED/ASK).
    Error,
}

#[derive(Debug, PartialEq, Eq)]
pub struct ProtoError(pub String);

/// Parse a signed decimal terminated by CRLF, starting at `buf[i]`.
/// `Ok(None)` means incomplete; on success returns (value, index after CRLF).
#[inline]
fn int_line(buf: &[u8], mut i: usize) -> Result<Option<(i64, usize)>, ProtoError> {
    let neg = buf.get(i) == Some(&b'-');
    if neg {
        i += 1;
    }
    let mut v: i64 = 0;
    let start = i;
    loop {
        let Some(&c) = buf.get(i) else {
            return Ok(None);
        };
        match c {
            b'0'..=b'9' => {
                v = v
                    .checked_mul(10)
                    .and_then(|v| v.checked_add((c - b'0') as i64))
                    .ok_or_else(|| ProtoError("integer overflow in reply header".into()))?;
                i += 1;
            }
            b'\r' => {
                if i == start {
                    return Err(ProtoError("empty length in reply header".into()));
                }
                return match buf.get(i + 1) {
                    None => Ok(None),
                    Some(b'\n') => Ok(Some((if neg { -v } else { v }, i + 2))),
                    Some(_) => Err(ProtoError("missing LF in reply header".into())),
                };
            }
            _ => return Err(ProtoError(format!("bad byte {c:#04x} in reply header"))),
        }
    }
}

/// Index just past the CRLF of the line starting at `i`, or None if incomplete.
#[inline]
fn line_end(buf: &[u8], i: usize) -> Option<usize> {
    let nl = memchr::memchr(b'\n', &buf[i..])?;
    Some(i + nl + 1)
}

/// Frame one complete reply at the start of `buf`: `Ok(Some((len, kind)))`, or
/// `Ok(None)` when more bytes are needed. Handles RESP2 and the RESP3 types.
#[inline]
pub fn frame(buf: &[u8]) -> Result<Option<(usize, Kind)>, ProtoError> {
    // Fast path: the two shapes a GET/SET benchmark sees almost exclusively.
    match buf.first() {
        None => return Ok(None),
        Some(b'$') => {
            let Some((n, at)) = int_line(buf, 1)? else {
                return Ok(None);
            };
            if n < 0 {
                return Ok(Some((at, Kind::Null)));
            }
            let end = at + n as usize + 2;
            return Ok(if end <= buf.len() {
                Some((end, Kind::Bulk))
            } else {
                None
            });
        }
        Some(b'+') => return Ok(line_end(buf, 1).map(|e| (e, Kind::Other))),
        Some(b'-') => return Ok(line_end(buf, 1).map(|e| (e, Kind::Error))),
        _ => {}
    }
    // General path: aggregates, iteratively, counting elements still to frame.
    let mut pos = 0usize;
    let mut remaining: u64 = 1;
    let mut top: Option<Kind> = None;
    while remaining > 0 {
        let Some(&t) = buf.get(pos) else {
            return Ok(None);
        };
        let kind;
        match t {
            b'+' | b':' | b',' | b'#' | b'(' | b'-' | b'_' => {
                let Some(e) = line_end(buf, pos + 1) else {
                    return Ok(None);
                };
                pos = e;
                kind = match t {
                    b'-' => Kind::Error,
                    b'_' => Kind::Null,
                    _ => Kind::Other,
                };
            }
            b'$' | b'!' | b'=' => {
                let Some((n, at)) = int_line(buf, pos + 1)? else {
                    return Ok(None);
                };
                if n < 0 {
                    pos = at;
                    kind = Kind::Null;
                } else {
                    let end = at + n as usize + 2;
                    if end > buf.len() {
                        return Ok(None);
                    }
                    pos = end;
                    kind = if t == b'!' { Kind::Error } else { Kind::Bulk };
                }
            }
            b'*' | b'~' | b'>' | b'%' | b'|' => {
                let Some((n, at)) = int_line(buf, pos + 1)? else {
                    return Ok(None);
                };
                pos = at;
                if n < 0 {
                    kind = Kind::Null;
                } else {
                    let n = n as u64;
                    remaining += if t == b'%' || t == b'|' { 2 * n } else { n };
                    kind = Kind::Other;
                }
                if t == b'|' {
                    // An attribute precedes the real reply: it does not count as one.
                    remaining += 1;
                }
            }
            _ => return Err(ProtoError(format!("unexpected reply type byte {t:#04x}"))),
        }
        if top.is_none() {
            top = Some(kind);
        }
        remaining -= 1;
    }
    Ok(Some((pos, top.unwrap_or(Kind::Other))))
}

/// A redirection parsed from an error line.
#[derive(Debug, PartialEq, Eq)]
pub struct Redirect<'a> {
    pub ask: bool,
    pub slot: u16,
    /// `host:port` as sent by the server.
    pub addr: &'a str,
}

/// Parse `-MOVED <slot> <host:port>` / `-ASK <slot> <host:port>` (the whole reply line).
pub fn redirect(line: &[u8]) -> Option<Redirect<'_>> {
    let (ask, rest) = if let Some(r) = line.strip_prefix(b"-MOVED ") {
        (false, r)
    } else if let Some(r) = line.strip_prefix(b"-ASK ") {
        (true, r)
    } else {
        return None;
    };
    let rest = std::str::from_utf8(rest).ok()?.trim_end();
    let (slot, addr) = rest.split_once(' ')?;
    let slot: u16 = slot.parse().ok()?;
    if slot >= 16384 {
        return None;
    }
    Some(Redirect { ask, slot, addr })
}

/// A fully parsed reply (control path only).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Nil,
    Int(i64),
    Str(Vec<u8>),
    Err(String),
    Arr(Vec<Value>),
}

/// Parse one complete reply (already framed, or an error if incomplete).
pub fn parse_value(buf: &[u8]) -> Result<(Value, usize), ProtoError> {
    let incomplete = || ProtoError("incomplete reply".into());
    let t = *buf.first().ok_or_else(incomplete)?;
    let line = |from: usize| -> Result<(&[u8], usize), ProtoError> {
        let e = line_end(buf, from).ok_or_else(incomplete)?;
        let body = &buf[from..e - 1];
        Ok((body.strip_suffix(b"\r").unwrap_or(body), e))
    };
    match t {
        b'+' | b',' | b'#' | b'(' => {
            let (l, e) = line(1)?;
            Ok((Value::Str(l.to_vec()), e))
        }
        b'-' => {
            let (l, e) = line(1)?;
            Ok((Value::Err(String::from_utf8_lossy(l).into_owned()), e))
        }
        b'_' => Ok((Value::Nil, line(1)?.1)),
        b':' => {
            let (n, e) = int_line(buf, 1)?.ok_or_else(incomplete)?;
            Ok((Value::Int(n), e))
        }
        b'$' | b'=' | b'!' => {
            let (n, at) = int_line(buf, 1)?.ok_or_else(incomplete)?;
            if n < 0 {
                return Ok((Value::Nil, at));
            }
            let end = at + n as usize;
            if end + 2 > buf.len() {
                return Err(incomplete());
            }
            Ok((Value::Str(buf[at..end].to_vec()), end + 2))
        }
        b'*' | b'~' | b'>' | b'%' => {
            let (n, mut at) = int_line(buf, 1)?.ok_or_else(incomplete)?;
            if n < 0 {
                return Ok((Value::Nil, at));
            }
            let n = if t == b'%' { 2 * n } else { n } as usize;
            let mut v = Vec::with_capacity(n.min(1024));
            for _ in 0..n {
                let (x, used) = parse_value(&buf[at..])?;
                v.push(x);
                at += used;
            }
            Ok((Value::Arr(v), at))
        }
        _ => Err(ProtoError(format!("unexpected reply type byte {t:#04x}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames() {
        assert_eq!(frame(b"$-1\r\n"), Ok(Some((5, Kind::Null))));
        assert_eq!(frame(b"$3\r\nabc\r\n$-1"), Ok(Some((9, Kind::Bulk))));
        assert_eq!(frame(b"+OK\r\n"), Ok(Some((5, Kind::Other))));
        assert_eq!(frame(b"-MOVED 1 a:1\r\n"), Ok(Some((14, Kind::Error))));
        assert_eq!(frame(b":12\r\n"), Ok(Some((5, Kind::Other))));
        assert_eq!(frame(b"*-1\r\n"), Ok(Some((5, Kind::Null))));
        let arr = b"*2\r\n*3\r\n:0\r\n:5\r\n$1\r\nx\r\n+OK\r\n";
        assert_eq!(frame(arr), Ok(Some((arr.len(), Kind::Other))));
        for i in 0..arr.len() {
            assert_eq!(frame(&arr[..i]), Ok(None), "prefix {i}");
        }
        for s in [
            &b"$3\r\nab"[..],
            b"$3\r\nabc\r",
            b"$",
            b"$1",
            b"$1\r",
            b"+OK",
        ] {
            assert_eq!(frame(s), Ok(None));
        }
        assert!(frame(b"?x\r\n").is_err());
        assert!(frame(b"$x\r\n").is_err());
    }

    #[test]
    fn redirects() {
        assert_eq!(
            redirect(b"-MOVED 3999 127.0.0.1:6381\r\n"),
            Some(Redirect {
                ask: false,
                slot: 3999,
                addr: "127.0.0.1:6381"
            })
        );
        assert_eq!(
            redirect(b"-ASK 1 h:2\r\n"),
            Some(Redirect {
                ask: true,
                slot: 1,
                addr: "h:2"
            })
        );
        assert_eq!(redirect(b"-ERR x\r\n"), None);
        assert_eq!(redirect(b"-MOVED 99999 h:1\r\n"), None);
    }

    #[test]
    fn values() {
        let b = b"*1\r\n*3\r\n:0\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$2\r\nid\r\n";
        let (v, n) = parse_value(b).unwrap();
        assert_eq!(n, b.len());
        let Value::Arr(top) = v else { panic!() };
        assert_eq!(
            top[0],
            Value::Arr(vec![
                Value::Int(0),
                Value::Int(16383),
                Value::Arr(vec![
                    Value::Str(b"127.0.0.1".to_vec()),
                    Value::Int(7000),
                    Value::Str(b"id".to_vec())
                ])
            ])
        );
    }
}
