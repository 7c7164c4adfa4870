//! The request parser: RESP multibulk and inline commands, incremental.
//!
//! Owns nothing but its resume state. It never allocates in proportion to a *declared*
//! length (`*1000000000`, `$4294967296`): argument vectors grow with the arguments that
//! actually arrived, and bulk bodies are only ever sliced out of the caller's buffer.
//!
//! "Incomplete" is control flow ([`Parsed::Incomplete`]), not an error. Only a real
//! protocol error ([`ProtocolError`]) closes a connection, with Redis's exact text.

/// Redis's PROTO_INLINE_MAX_SIZE: the longest inline request or `*`/`$` header line.
pub const INLINE_MAX: usize = 64 * 1024;

/// Arguments announced per multibulk before authentication (Redis: 10).
const UNAUTH_MAX_ARGS: i64 = 10;
/// Bulk length accepted before authentication (Redis: 16384).
const UNAUTH_MAX_BULK: i64 = 16384;
/// Arg slots reserved up front at most, whatever `*N` says.
const PREALLOC_ARGS: usize = 64;

/// A protocol error; the text is what follows `-ERR ` on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError(pub String);

impl ProtocolError {
    fn new(s: &str) -> Self {
        ProtocolError(format!("Protocol error: {s}"))
    }
}

/// One argument of a parsed multibulk command: a range of the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// What one call to [`Parser::parse`] found at the front of the buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A multibulk command; spans index the buffer passed in. `consumed` bytes are done.
    Multibulk { consumed: usize },
    /// An inline command, its arguments already unescaped (owned).
    Inline { args: Vec<Vec<u8>>, consumed: usize },
    /// Bytes that make no command (`*0`, `*-1`, an empty line): drop them.
    Skip { consumed: usize },
    /// Need more bytes. Nothing before the resume point is re-read on the next call.
    Incomplete,
}

/// Limits the parser enforces, taken from the configuration at connection time.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub proto_max_bulk_len: i64,
    /// When true, Redis's tighter unauthenticated limits apply.
    pub unauthenticated: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            proto_max_bulk_len: 512 * 1024 * 1024,
            unauthenticated: false,
        }
    }
}

/// Resume state of a multibulk command that has not fully arrived.
#[derive(Debug, Default)]
pub struct Parser {
    /// Arguments still expected; 0 when not inside a multibulk.
    remaining: usize,
    /// Offset (from the buffer start) of the next unparsed byte of the command.
    cursor: usize,
    /// Spans of the arguments parsed so far.
    pub args: Vec<Span>,
    /// Length of the bulk whose header was read but whose body has not all arrived.
    pending_bulk: Option<usize>,
}

impl Parser {
    pub fn new() -> Self {
        Parser::default()
    }

    /// True while a command is partially parsed (its spans must stay valid).
    pub fn in_progress(&self) -> bool {
        self.remaining > 0
    }

    /// Bytes the parser knows it still needs before the next step can complete
    /// (a hint for growing the read buffer; 0 when unknown).
    pub fn bytes_wanted(&self, buf_len: usize) -> usize {
        match self.pending_bulk {
            Some(n) => (self.cursor + n + 2).saturating_sub(buf_len),
            None => 0,
        }
    }

    /// Parse one command from the front of `buf`. On `Multibulk`, `self.args` holds the
    /// spans; the caller consumes `consumed` bytes and must call `reset_spans` after use.
    pub fn parse(&mut self, buf: &[u8], limits: &Limits) -> Result<Parsed, ProtocolError> {
        if self.remaining == 0 {
            if buf.is_empty() {
                return Ok(Parsed::Incomplete);
            }
            if buf[0] != b'*' {
                return parse_inline(buf);
            }
            let Some(nl) = find_cr(buf) else {
                if buf.len() > INLINE_MAX {
                    return Err(ProtocolError::new("too big mbulk count string"));
                }
                return Ok(Parsed::Incomplete);
            };
            if nl + 1 >= buf.len() {
                if buf.len() > INLINE_MAX {
                    return Err(ProtocolError::new("too big mbulk count string"));
                }
                return Ok(Parsed::Incomplete);
            }
            let n = parse_count(&buf[1..nl]);
            let n = match n {
                Some(n) if n <= i32::MAX as i64 => n,
                _ => return Err(ProtocolError::new("invalid multibulk length")),
            };
            if n > UNAUTH_MAX_ARGS && limits.unauthenticated {
                return Err(ProtocolError::new("unauthenticated multibulk length"));
            }
            if n <= 0 {
                return Ok(Parsed::Skip { consumed: nl + 2 });
            }
            self.remaining = n as usize;
            self.cursor = nl + 2;
            self.args.clear();
            self.args.reserve((n as usize).min(PREALLOC_ARGS));
            self.pending_bulk = None;
        }
        while self.remaining > 0 {
            let len = match self.pending_bulk {
                Some(len) => len,
                None => {
                    let rest = &buf[self.cursor.min(buf.len())..];
                    if rest.is_empty() {
                        return Ok(Parsed::Incomplete);
                    }
                    let Some(nl) = find_cr(rest) else {
                        if rest.len() > INLINE_MAX {
                            return Err(ProtocolError::new("too big bulk count string"));
                        }
                        return Ok(Parsed::Incomplete);
                    };
                    if nl + 1 >= rest.len() {
                        if rest.len() > INLINE_MAX {
                            return Err(ProtocolError::new("too big bulk count string"));
                        }
                        return Ok(Parsed::Incomplete);
                    }
                    if rest[0] != b'$' {
                        let msg = format!("expected '$', got '{}'", rest[0] as char);
                        return Err(ProtocolError::new(&msg));
                    }
                    let len = match parse_count(&rest[1..nl]) {
                        Some(l) if l >= 0 && l <= limits.proto_max_bulk_len => l,
                        _ => return Err(ProtocolError::new("invalid bulk length")),
                    };
                    if len > UNAUTH_MAX_BULK && limits.unauthenticated {
                        return Err(ProtocolError::new("unauthenticated bulk length"));
                    }
                    self.cursor += nl + 2;
                    self.pending_bulk = Some(len as usize);
                    len as usize
                }
            };
            if buf.len() < self.cursor + len + 2 {
                return Ok(Parsed::Incomplete);
            }
            self.args.push(Span {
                start: self.cursor,
                end: self.cursor + len,
            });
            self.cursor += len + 2;
            self.pending_bulk = None;
            self.remaining -= 1;
        }
        let consumed = self.cursor;
        self.cursor = 0;
        Ok(Parsed::Multibulk { consumed })
    }

    /// Forget a partially parsed command (the connection is being closed or reset).
    pub fn reset(&mut self) {
        self.remaining = 0;
        self.cursor = 0;
        self.pending_bulk = None;
        self.args.clear();
    }
}

/// The first CR in `buf`. Count lines (`*3`, `$5`) are a few bytes long, where a plain
/// loop beats memchr's vector set-up; longer input falls back to memchr.
#[inline]
fn find_cr(buf: &[u8]) -> Option<usize> {
    const SHORT: usize = 24;
    let head = &buf[..buf.len().min(SHORT)];
    if let Some(i) = head.iter().position(|&b| b == b'\r') {
        return Some(i);
    }
    if buf.len() <= SHORT {
        return None;
    }
    memchr::memchr(b'\r', &buf[SHORT..]).map(|i| i + SHORT)
}

/// A count of a `*n` / `$n` line: one to three plain digits take the short path (almost
/// every request), anything else goes through [`parse_i64`]'s checks.
#[inline]
fn parse_count(s: &[u8]) -> Option<i64> {
    match *s {
        [a] if a.is_ascii_digit() => Some((a - b'0') as i64),
        [a, b] if (b'1'..=b'9').contains(&a) && b.is_ascii_digit() => {
            Some(((a - b'0') * 10 + (b - b'0')) as i64)
        }
        [a, b, c] if (b'1'..=b'9').contains(&a) && b.is_ascii_digit() && c.is_ascii_digit() => {
            Some((a - b'0') as i64 * 100 + ((b - b'0') * 10 + (c - b'0')) as i64)
        }
        _ => parse_i64(s),
    }
}

/// Parse a decimal i64 the way Redis's string2ll does: no spaces, no '+', no leading
/// zeros (except "0"), "-0" rejected.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s.len() == 1 && s[0] == b'0' {
        return Some(0);
    }
    let (neg, digits) = if s[0] == b'-' {
        (true, &s[1..])
    } else {
        (false, s)
    };
    if digits.is_empty() || digits[0] == b'0' {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    if neg {
        if v > (i64::MAX as u64) + 1 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else if v > i64::MAX as u64 {
        None
    } else {
        Some(v as i64)
    }
}

fn parse_inline(buf: &[u8]) -> Result<Parsed, ProtocolError> {
    let Some(nl) = memchr::memchr(b'\n', buf) else {
        if buf.len() > INLINE_MAX {
            return Err(ProtocolError::new("too big inline request"));
        }
        return Ok(Parsed::Incomplete);
    };
    let mut line = &buf[..nl];
    if line.last() == Some(&b'\r') {
        line = &line[..line.len() - 1];
    }
    let consumed = nl + 1;
    let Some(args) = split_args(line) else {
        return Err(ProtocolError::new("unbalanced quotes in request"));
    };
    if args.is_empty() {
        return Ok(Parsed::Skip { consumed });
    }
    Ok(Parsed::Inline { args, consumed })
}

/// C's isspace: space, \t, \n, \v, \f, \r (Redis splits inline arguments with it).
fn is_space(c: u8) -> bool {
    c == b' ' || (b'\t'..=b'\r').contains(&c)
}

fn hex_val(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Split an inline line into arguments with redis-cli's quoting rules (sdssplitargs):
/// "double quotes" with \n \r \t \b \a \\ \" \xHH escapes, 'single quotes' with \'.
/// A closing quote must be followed by a space or the end. None on unbalanced quotes.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = line.len();
    loop {
        while i < n && is_space(line[i]) {
            i += 1;
        }
        if i >= n {
            return Some(out);
        }
        let mut cur = Vec::new();
        let mut in_dq = false;
        let mut in_sq = false;
        loop {
            if in_dq {
                if i >= n {
                    return None;
                }
                let c = line[i];
                if c == b'\\'
                    && i + 3 < n
                    && line[i + 1] == b'x'
                    && hex_val(line[i + 2]).is_some()
                    && hex_val(line[i + 3]).is_some()
                {
                    cur.push(hex_val(line[i + 2])? * 16 + hex_val(line[i + 3])?);
                    i += 3;
                } else if c == b'\\' && i + 1 < n {
                    i += 1;
                    cur.push(match line[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        other => other,
                    });
                } else if c == b'"' {
                    if i + 1 < n && !is_space(line[i + 1]) {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(c);
                }
            } else if in_sq {
                if i >= n {
                    return None;
                }
                let c = line[i];
                if c == b'\\' && i + 1 < n && line[i + 1] == b'\'' {
                    i += 1;
                    cur.push(b'\'');
                } else if c == b'\'' {
                    if i + 1 < n && !is_space(line[i + 1]) {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(c);
                }
            } else {
                if i >= n {
                    break;
                }
                match line[i] {
                    // Inside a word only these end it (sdssplitargs), not \v or \f.
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => {
                        i += 1;
                        break;
                    }
                    b'"' => in_dq = true,
                    b'\'' => in_sq = true,
                    c => cur.push(c),
                }
            }
            i += 1;
        }
        out.push(cur);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8]) -> Result<Vec<Vec<Vec<u8>>>, ProtocolError> {
        let mut p = Parser::new();
        let mut pos = 0;
        let mut cmds = Vec::new();
        let lim = Limits::default();
        loop {
            match p.parse(&input[pos..], &lim)? {
                Parsed::Incomplete => return Ok(cmds),
                Parsed::Skip { consumed } => pos += consumed,
                Parsed::Inline { args, consumed } => {
                    cmds.push(args);
                    pos += consumed;
                }
                Parsed::Multibulk { consumed } => {
                    let base = &input[pos..];
                    cmds.push(
                        p.args
                            .iter()
                            .map(|s| base[s.start..s.end].to_vec())
                            .collect(),
                    );
                    pos += consumed;
                }
            }
        }
    }

    #[test]
    fn multibulk_and_pipeline() {
        let cmds = parse_all(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n").unwrap();
        assert_eq!(
            cmds,
            vec![vec![b"GET".to_vec(), b"k".to_vec()], vec![b"PING".to_vec()]]
        );
    }

    #[test]
    fn binary_and_empty_bulks() {
        let cmds = parse_all(b"*3\r\n$3\r\nSET\r\n$0\r\n\r\n$4\r\n\x00\r\n\xff\r\n").unwrap();
        assert_eq!(cmds[0][1], b"");
        assert_eq!(cmds[0][2], b"\x00\r\n\xff");
    }

    #[test]
    fn incremental_byte_by_byte() {
        let input = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
        let mut p = Parser::new();
        let lim = Limits::default();
        for end in 0..input.len() {
            assert_eq!(
                p.parse(&input[..end], &lim).unwrap(),
                Parsed::Incomplete,
                "at {end}"
            );
        }
        assert_eq!(
            p.parse(input, &lim).unwrap(),
            Parsed::Multibulk {
                consumed: input.len()
            }
        );
        assert_eq!(p.args.len(), 3);
    }

    #[test]
    fn inline_commands() {
        let cmds = parse_all(b"SET a \"b c\\x41\\n\" 'd\\'e'\r\nPING\n\r\n").unwrap();
        assert_eq!(
            cmds[0],
            vec![
                b"SET".to_vec(),
                b"a".to_vec(),
                b"b cA\n".to_vec(),
                b"d'e".to_vec()
            ]
        );
        assert_eq!(cmds[1], vec![b"PING".to_vec()]);
        assert_eq!(cmds.len(), 2);
    }

    #[test]
    fn malformed_input() {
        let err = |s: &[u8]| parse_all(s).unwrap_err().0;
        assert_eq!(err(b"*abc\r\n"), "Protocol error: invalid multibulk length");
        assert_eq!(
            err(b"*3000000000\r\n"),
            "Protocol error: invalid multibulk length"
        );
        assert_eq!(err(b"*1\r\n$-1\r\n"), "Protocol error: invalid bulk length");
        assert_eq!(
            err(b"*1\r\n$4294967296\r\n"),
            "Protocol error: invalid bulk length"
        );
        assert_eq!(
            err(b"*1\r\n$536870913\r\n"),
            "Protocol error: invalid bulk length"
        );
        assert_eq!(
            err(b"*1\r\n:1\r\n"),
            "Protocol error: expected '$', got ':'"
        );
        assert_eq!(
            err(b"SET \"a\r\n"),
            "Protocol error: unbalanced quotes in request"
        );
        assert_eq!(
            err(b"SET \"a\"b\r\n"),
            "Protocol error: unbalanced quotes in request"
        );
        let big = vec![b'a'; INLINE_MAX + 1];
        assert_eq!(err(&big), "Protocol error: too big inline request");
        let mut big = b"*".to_vec();
        big.extend(vec![b'1'; INLINE_MAX + 1]);
        assert_eq!(err(&big), "Protocol error: too big mbulk count string");
        let mut big = b"*1\r\n$".to_vec();
        big.extend(vec![b'1'; INLINE_MAX + 1]);
        assert_eq!(err(&big), "Protocol error: too big bulk count string");
    }

    #[test]
    fn huge_declared_lengths_do_not_allocate() {
        let mut p = Parser::new();
        let lim = Limits::default();
        assert_eq!(
            p.parse(b"*1000000000\r\n", &lim).unwrap(),
            Parsed::Incomplete
        );
        assert!(p.args.capacity() <= PREALLOC_ARGS);
        let mut p = Parser::new();
        assert_eq!(
            p.parse(b"*1\r\n$536870912\r\nabc", &lim).unwrap(),
            Parsed::Incomplete
        );
        assert_eq!(p.bytes_wanted(19), 536870912 + 2 - 3);
    }

    #[test]
    fn skips_empty_multibulk() {
        assert_eq!(parse_all(b"*0\r\n*-1\r\n\r\n").unwrap().len(), 0);
    }

    #[test]
    fn unauthenticated_limits() {
        let mut p = Parser::new();
        let lim = Limits {
            unauthenticated: true,
            ..Limits::default()
        };
        assert_eq!(
            p.parse(b"*11\r\n", &lim).unwrap_err().0,
            "Protocol error: unauthenticated multibulk length"
        );
        let mut p = Parser::new();
        assert_eq!(
            p.parse(b"*1\r\n$16385\r\n", &lim).unwrap_err().0,
            "Protocol error: unauthenticated bulk length"
        );
    }

    #[test]
    fn i64_parsing_like_redis() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        for bad in [&b""[..], b"-", b"-0", b"01", b"+1", b" 1", b"1 ", b"1.0"] {
            assert_eq!(parse_i64(bad), None, "{:?}", bad);
        }
    }
}
