//! Shared by the differential tests: redis-cli style line splitting, so a case can be
//! written as the command lines one would type.

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

/// Send a case line (leading `~`/`@` markers removed) as one command; read its reply.
pub fn send_line(c: &mut super::Client, line: &str) -> LineResult {
    let args = split_line(line.trim_start_matches(['~', '@']));
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
