//! The reply encoder: RESP2 and RESP3 into a byte buffer.
//!
//! Handlers write through [`Reply`] and never choose the protocol themselves: a map is a
//! flat array under RESP2, a null is `$-1` or `*-1` under RESP2 and `_` under RESP3, a
//! double is a bulk string under RESP2.

/// Protocol version negotiated by HELLO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Proto {
    #[default]
    Resp2,
    Resp3,
}

/// A reply writer over an output buffer.
pub struct Reply<'a> {
    pub buf: &'a mut Vec<u8>,
    pub proto: Proto,
}

impl<'a> Reply<'a> {
    pub fn new(buf: &'a mut Vec<u8>, proto: Proto) -> Self {
        Reply { buf, proto }
    }

    pub fn resp3(&self) -> bool {
        self.proto == Proto::Resp3
    }

    fn header(&mut self, tag: u8, n: i64) {
        self.buf.push(tag);
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    pub fn simple(&mut self, s: &str) {
        self.buf.push(b'+');
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An error line; `s` is the whole text after '-', e.g. "ERR syntax error".
    /// CR and LF inside are replaced by spaces, as Redis does, so the reply stays one line.
    pub fn error(&mut self, s: &str) {
        self.buf.push(b'-');
        self.buf.extend(
            s.bytes()
                .map(|c| if c == b'\r' || c == b'\n' { b' ' } else { c }),
        );
        self.buf.extend_from_slice(b"\r\n");
    }

    pub fn int(&mut self, n: i64) {
        self.header(b':', n);
    }

    pub fn bulk(&mut self, b: &[u8]) {
        self.header(b'$', b.len() as i64);
        self.buf.extend_from_slice(b);
        self.buf.extend_from_slice(b"\r\n");
    }

    pub fn bulk_int(&mut self, n: i64) {
        let mut ib = itoa::Buffer::new();
        self.bulk(ib.format(n).as_bytes());
    }

    /// A null bulk string (RESP2 `$-1`, RESP3 `_`).
    pub fn null(&mut self) {
        if self.resp3() {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"$-1\r\n");
        }
    }

    /// A null array (RESP2 `*-1`, RESP3 `_`).
    pub fn null_array(&mut self) {
        if self.resp3() {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"*-1\r\n");
        }
    }

    pub fn array(&mut self, n: usize) {
        self.header(b'*', n as i64);
    }

    /// A map of `n` pairs (RESP2: an array of 2n elements).
    pub fn map(&mut self, n: usize) {
        if self.resp3() {
            self.header(b'%', n as i64);
        } else {
            self.header(b'*', 2 * n as i64);
        }
    }

    /// A set (RESP2: an array).
    pub fn set(&mut self, n: usize) {
        if self.resp3() {
            self.header(b'~', n as i64);
        } else {
            self.header(b'*', n as i64);
        }
    }

    /// A push message header (RESP2: an array).
    pub fn push(&mut self, n: usize) {
        if self.resp3() {
            self.header(b'>', n as i64);
        } else {
            self.header(b'*', n as i64);
        }
    }

    /// A double (RESP2: bulk string in Redis's `%.17g` human form).
    pub fn double(&mut self, d: f64) {
        let s = format_double(d);
        if self.resp3() {
            self.buf.push(b',');
            self.buf.extend_from_slice(s.as_bytes());
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(s.as_bytes());
        }
    }

    /// A boolean (RESP2: integer 1/0).
    pub fn boolean(&mut self, b: bool) {
        if self.resp3() {
            self.buf
                .extend_from_slice(if b { b"#t\r\n" } else { b"#f\r\n" });
        } else {
            self.int(b as i64);
        }
    }

    /// Verbatim text (RESP3 `=N\r\ntxt:...`, RESP2 a bulk string).
    pub fn verbatim(&mut self, s: &[u8]) {
        if self.resp3() {
            self.header(b'=', s.len() as i64 + 4);
            self.buf.extend_from_slice(b"txt:");
            self.buf.extend_from_slice(s);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(s);
        }
    }

    pub fn raw(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }
}

/// Format a double as Redis does for replies: "inf"/"-inf", integers without a fraction
/// when exact, otherwise the shortest representation that round-trips (%.17g compatible
/// for parsing, matching Redis 7's fpconv output).
pub fn format_double(d: f64) -> String {
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if d.is_nan() {
        return "nan".into();
    }
    if d == d.trunc() && d.abs() < 1e17 {
        return format!("{}", d as i64);
    }
    let mut b = ryu::Buffer::new();
    let s = b.format_finite(d);
    fixup_exponent(s)
}

/// ryu writes "1e22" / "1.5e-7"; Redis's fpconv (%.17g style) writes "1e+22", "1.5e-07".
fn fixup_exponent(s: &str) -> String {
    match s.find('e') {
        None => s.to_string(),
        Some(pos) => {
            let (mant, exp) = s.split_at(pos);
            let exp = &exp[1..];
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            let mant = mant.strip_suffix(".0").unwrap_or(mant);
            if digits.len() < 2 {
                format!("{mant}e{sign}0{digits}")
            } else {
                format!("{mant}e{sign}{digits}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(proto: Proto, f: impl FnOnce(&mut Reply)) -> Vec<u8> {
        let mut v = Vec::new();
        f(&mut Reply::new(&mut v, proto));
        v
    }

    #[test]
    fn resp2_vs_resp3() {
        assert_eq!(enc(Proto::Resp2, |r| r.null()), b"$-1\r\n");
        assert_eq!(enc(Proto::Resp3, |r| r.null()), b"_\r\n");
        assert_eq!(enc(Proto::Resp2, |r| r.map(2)), b"*4\r\n");
        assert_eq!(enc(Proto::Resp3, |r| r.map(2)), b"%2\r\n");
        assert_eq!(enc(Proto::Resp2, |r| r.double(1.5)), b"$3\r\n1.5\r\n");
        assert_eq!(enc(Proto::Resp3, |r| r.double(1.5)), b",1.5\r\n");
        assert_eq!(enc(Proto::Resp3, |r| r.boolean(true)), b"#t\r\n");
        assert_eq!(enc(Proto::Resp2, |r| r.boolean(true)), b":1\r\n");
        assert_eq!(
            enc(Proto::Resp2, |r| r.error("ERR a\r\nb")),
            b"-ERR a  b\r\n"
        );
    }

    #[test]
    fn doubles_like_redis() {
        assert_eq!(format_double(3.0), "3");
        assert_eq!(format_double(-0.5), "-0.5");
        assert_eq!(format_double(f64::INFINITY), "inf");
        assert_eq!(format_double(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_double(1e22), "1e+22");
        assert_eq!(format_double(1.5e-7), "1.5e-07");
    }
}
