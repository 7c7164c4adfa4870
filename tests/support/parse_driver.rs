//! Shared by `tests/parser_props.rs` and the cargo-fuzz target `fuzz/fuzz_targets/parse.rs`
//! (included by `#[path]`, so both check exactly the same logic).
//!
//! [`feed_chunked`] drives a [`Parser`] the way a connection does (see
//! `Shard::process_input`): bytes arrive in chunks and are appended to a receive buffer;
//! after each arrival the parser is called on the unparsed tail `rbuf[pos..]` until it
//! says `Incomplete`; `pos` advances by what each command consumed; between arrivals the
//! buffer may be compacted (`rbuf.drain(..pos)`), which keeps a partial command's start
//! at the front of the slice passed to the next call, as the parser requires.
//!
//! The invariants every call must keep are asserted inside the driver; the callers
//! compare what came out against a model.

#![allow(dead_code)]

use slotcore::resp::{Limits, Parsed, Parser, ProtocolError};

/// One command's arguments.
pub type Cmd = Vec<Vec<u8>>;

/// What a whole stream produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Every command parsed, in order (Skip produces none).
    pub cmds: Vec<Cmd>,
    /// The error that stopped parsing, if any (a connection closes there).
    pub error: Option<ProtocolError>,
    /// Bytes received but not consumed when the stream ended (0 after an error is not
    /// meaningful: parsing stopped).
    pub unconsumed: usize,
    /// Whether the parser was inside a multibulk when the stream ended.
    pub in_progress: bool,
    /// Whether `bytes_wanted` ever asked for more bytes than the rest of the stream.
    pub overask: bool,
}

/// How the stream is cut into arrivals and when the buffer is compacted.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Arrival sizes, used cyclically (a 0 is read as 1); empty means all at once.
    pub chunks: Vec<usize>,
    /// Whether to compact after each arrival, used cyclically; empty means never.
    pub compact: Vec<bool>,
}

impl Plan {
    pub fn one_shot() -> Plan {
        Plan {
            chunks: Vec::new(),
            compact: Vec::new(),
        }
    }
}

/// Check the invariants of one `parse` result against the slice it was given.
fn check_step(r: &Result<Parsed, ProtocolError>, parser: &Parser, input: &[u8]) {
    match r {
        Err(e) => assert!(
            e.0.starts_with("Protocol error: "),
            "error text must start with \"Protocol error: \": {:?}",
            e.0
        ),
        Ok(Parsed::Incomplete) => {}
        Ok(Parsed::Skip { consumed }) | Ok(Parsed::Inline { consumed, .. }) => {
            assert!(*consumed > 0, "zero-byte progress: {r:?}");
            assert!(*consumed <= input.len(), "consumed past the buffer: {r:?}");
            assert!(!parser.in_progress(), "still in progress after {r:?}");
            if let Ok(Parsed::Inline { args, .. }) = r {
                assert!(!args.is_empty(), "an inline command with no argument");
            }
        }
        Ok(Parsed::Multibulk { consumed }) => {
            assert!(
                *consumed > 0 && *consumed <= input.len(),
                "bad consumed {consumed}"
            );
            assert!(!parser.in_progress(), "still in progress after a multibulk");
            assert!(!parser.args.is_empty(), "a multibulk with no argument");
            let mut last_end = 0;
            for s in &parser.args {
                assert!(
                    s.start <= s.end && s.end <= *consumed,
                    "span {s:?} outside {consumed}"
                );
                assert!(s.start >= last_end, "spans out of order: {:?}", parser.args);
                last_end = s.end;
            }
        }
    }
}

/// Feed `data` to a fresh parser in the arrivals `plan` describes; see the module doc.
pub fn feed_chunked(data: &[u8], plan: &Plan, limits: &Limits) -> Outcome {
    let mut parser = Parser::new();
    let mut rbuf: Vec<u8> = Vec::new();
    let mut pos = 0usize;
    let mut fed = 0usize;
    let mut cmds = Vec::new();
    let mut round = 0usize;
    let mut overask = false;
    while fed < data.len() {
        let n = if plan.chunks.is_empty() {
            data.len()
        } else {
            plan.chunks[round % plan.chunks.len()].max(1)
        };
        let n = n.min(data.len() - fed);
        rbuf.extend_from_slice(&data[fed..fed + n]);
        fed += n;
        loop {
            let input = &rbuf[pos..];
            let r = parser.parse(input, limits);
            check_step(&r, &parser, input);
            match r {
                Err(e) => {
                    return Outcome {
                        cmds,
                        error: Some(e),
                        unconsumed: rbuf.len() - pos,
                        in_progress: parser.in_progress(),
                        overask,
                    };
                }
                Ok(Parsed::Incomplete) => {
                    // Asking again without new bytes changes nothing.
                    let again = parser.parse(input, limits);
                    assert_eq!(again, Ok(Parsed::Incomplete), "Incomplete is not stable");
                    // The read-buffer hint: callers with complete valid streams check it
                    // never asks for more than the stream still holds.
                    if parser.bytes_wanted(input.len()) > data.len() - fed {
                        overask = true;
                    }
                    break;
                }
                Ok(Parsed::Skip { consumed }) => pos += consumed,
                Ok(Parsed::Inline { args, consumed }) => {
                    cmds.push(args);
                    pos += consumed;
                }
                Ok(Parsed::Multibulk { consumed }) => {
                    cmds.push(
                        parser
                            .args
                            .iter()
                            .map(|s| input[s.start..s.end].to_vec())
                            .collect(),
                    );
                    pos += consumed;
                }
            }
        }
        let compact = !plan.compact.is_empty() && plan.compact[round % plan.compact.len()];
        if pos == rbuf.len() {
            rbuf.clear();
            pos = 0;
        } else if compact && pos > 0 {
            rbuf.drain(..pos);
            pos = 0;
        }
        round += 1;
    }
    Outcome {
        cmds,
        error: None,
        unconsumed: rbuf.len() - pos,
        in_progress: parser.in_progress(),
        overask,
    }
}

/// Encode a command as a RESP multibulk.
pub fn encode_multibulk(cmd: &[Vec<u8>], out: &mut Vec<u8>) {
    out.extend_from_slice(format!("*{}\r\n", cmd.len()).as_bytes());
    for a in cmd {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// Encode an argument inside double quotes, escaping everything that is not plain
/// printable ASCII as `\xHH` (round-trips any bytes through the inline parser).
pub fn quote_arg(a: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &c in a {
        if (0x20..0x7f).contains(&c) && c != b'"' && c != b'\\' {
            out.push(c);
        } else {
            out.extend_from_slice(format!("\\x{c:02x}").as_bytes());
        }
    }
    out.push(b'"');
}

/// The commands a well-formed stream of multibulks must parse to: the non-empty ones,
/// up to the first one the limits refuse; and the error for that one, if any.
pub fn model_multibulk(cmds: &[Cmd], limits: &Limits) -> (Vec<Cmd>, Option<ProtocolError>) {
    let mut out = Vec::new();
    for c in cmds {
        if limits.unauthenticated && c.len() > 10 {
            let e = ProtocolError("Protocol error: unauthenticated multibulk length".into());
            return (out, Some(e));
        }
        if limits.unauthenticated && c.iter().any(|a| a.len() > 16384) {
            let e = ProtocolError("Protocol error: unauthenticated bulk length".into());
            return (out, Some(e));
        }
        if c.iter().any(|a| a.len() as i64 > limits.proto_max_bulk_len) {
            let e = ProtocolError("Protocol error: invalid bulk length".into());
            return (out, Some(e));
        }
        if !c.is_empty() {
            out.push(c.clone());
        }
    }
    (out, None)
}

/// Check a whole valid stream the chunked way against the model; also every proper
/// prefix cut at `cut` (a fraction of the length in 0..=u16::MAX): the commands wholly
/// before the cut, then Incomplete, never an error.
pub fn check_valid_stream(cmds: &[Cmd], plan: &Plan, limits: &Limits, cut: u16) {
    let mut data = Vec::new();
    let mut ends = Vec::new();
    for c in cmds {
        encode_multibulk(c, &mut data);
        ends.push(data.len());
    }
    let (want, want_err) = model_multibulk(cmds, limits);
    let got = feed_chunked(&data, plan, limits);
    assert_eq!(got.error, want_err, "error differs");
    assert_eq!(got.cmds, want, "commands differ");
    if want_err.is_none() {
        assert_eq!(got.unconsumed, 0, "bytes left over after a complete stream");
        assert!(
            !got.in_progress,
            "parser still in a command after a complete stream"
        );
        assert!(
            !got.overask,
            "bytes_wanted asked for more than the stream holds"
        );
    }
    // Truncation: a prefix that ends inside a command.
    if want_err.is_none() && !data.is_empty() {
        let cut = (data.len() as u64 * cut as u64 / (u16::MAX as u64 + 1)) as usize;
        let prefix = &data[..cut];
        let whole = ends.iter().take_while(|&&e| e <= cut).count();
        let want: Vec<Cmd> = cmds[..whole]
            .iter()
            .filter(|c| !c.is_empty())
            .cloned()
            .collect();
        // Where the command the cut falls in starts.
        let start = if whole == 0 { 0 } else { ends[whole - 1] };
        for p in [plan, &Plan::one_shot()] {
            let got = feed_chunked(prefix, p, limits);
            assert_eq!(got.error, None, "a truncated valid stream gave an error");
            assert_eq!(got.cmds, want, "truncated stream: commands differ");
            assert_eq!(
                got.unconsumed,
                cut - start,
                "a partial command's bytes were consumed"
            );
        }
        // A fresh parser on a proper prefix of one command sees Incomplete.
        if cut > start {
            let mut p = Parser::new();
            let r = p.parse(&data[start..cut], limits);
            assert_eq!(r, Ok(Parsed::Incomplete), "prefix {:?}", &data[start..cut]);
        }
    }
}
