//! Property tests for the incremental RESP request parser (`slotcore::resp::Parser`).
//!
//! Every stream is fed the way a connection feeds it (see `support/parse_driver.rs`):
//! random-sized arrivals appended to a receive buffer, the parser called on the unparsed
//! tail until it says Incomplete, the buffer compacted at random points between arrivals.
//! The cargo-fuzz target `fuzz/fuzz_targets/parse.rs` runs the same driver.

#[path = "support/parse_driver.rs"]
mod driver;

use driver::{check_valid_stream, encode_multibulk, feed_chunked, quote_arg, Cmd, Outcome, Plan};
use proptest::prelude::*;
use slotcore::resp::{Limits, Parsed, Parser};

// ---- strategies ----

/// An argument: arbitrary bytes, or bytes that look like protocol (CR, LF, `$`, `*`,
/// digits) to tempt a parser that scans bodies.
fn arg(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..max),
        1 => prop::collection::vec(prop::sample::select(b"\r\n$*:+-0123456789".to_vec()), 0..max),
    ]
}

fn cmd(max_args: usize, max_len: usize) -> impl Strategy<Value = Cmd> {
    prop::collection::vec(arg(max_len), 0..max_args)
}

/// Arrival sizes from byte-by-byte to larger than any test stream, and compaction points.
fn plan() -> impl Strategy<Value = Plan> {
    let size = prop_oneof![1..4usize, 1..64usize, 1..2048usize, 1..100_000usize];
    (
        prop::collection::vec(size, 1..16),
        prop::collection::vec(any::<bool>(), 0..8),
    )
        .prop_map(|(chunks, compact)| Plan { chunks, compact })
}

fn limits() -> impl Strategy<Value = Limits> {
    prop_oneof![3 => Just(false), 1 => Just(true)].prop_map(|unauthenticated| Limits {
        unauthenticated,
        ..Limits::default()
    })
}

/// Byte soup made of protocol fragments, so random input reaches deep parser states.
fn fragments() -> impl Strategy<Value = Vec<u8>> {
    let frag = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..8),
        (-3i64..40).prop_map(|n| n.to_string().into_bytes()),
        prop::sample::select(vec![
            &b"\r\n"[..],
            b"\r",
            b"\n",
            b"*",
            b"$",
            b"*1\r\n",
            b"*2\r\n",
            b"$3\r\nGET\r\n",
            b"$0\r\n\r\n",
            b"*0\r\n",
            b"*-1\r\n",
            b"$-1\r\n",
            b"\"",
            b"'",
            b"\\",
            b"\\x4",
            b"\\x41",
            b" ",
            b"\t",
            b"\0",
            b"PING",
            b"SET k v",
        ])
        .prop_map(|s| s.to_vec()),
    ];
    prop::collection::vec(frag, 0..64).prop_map(|v| v.concat())
}

/// An inline argument that needs no quoting: no whitespace (C's isspace set), no quote,
/// no NUL (which would end the token).
fn bare_arg() -> impl Strategy<Value = Vec<u8>> {
    let plain: Vec<u8> = (0..=255u8)
        .filter(|c| !b" \t\r\n\x0b\x0c\"'\0".contains(c))
        .collect();
    prop::collection::vec(prop::sample::select(plain), 1..40)
}

fn inline_sep() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(vec![b' ', b'\t']), 1..4)
}

/// Compare a chunked run with a one-shot run of the same bytes (streams under
/// INLINE_MAX, where the too-big checks cannot depend on how bytes arrived).
fn assert_chunking_irrelevant(data: &[u8], plan: &Plan, limits: &Limits) -> Outcome {
    let chunked = feed_chunked(data, plan, limits);
    let whole = feed_chunked(data, &Plan::one_shot(), limits);
    assert_eq!(chunked.cmds, whole.cmds, "commands depend on arrival sizes");
    assert_eq!(chunked.error, whole.error, "error depends on arrival sizes");
    if whole.error.is_none() {
        assert_eq!(chunked.unconsumed, whole.unconsumed);
        assert_eq!(chunked.in_progress, whole.in_progress);
    }
    chunked
}

proptest! {
    #![proptest_config(ProptestConfig::default())]

    /// (a) Commands encoded as multibulk and concatenated come back exactly, whatever the
    /// arrival sizes and compaction points; under unauthenticated limits, up to the first
    /// command with more than 10 arguments, which is refused with Redis's text.
    /// Also (c) for one random cut point per case.
    #[test]
    fn multibulk_stream_roundtrips(
        cmds in prop::collection::vec(cmd(20, 300), 0..16),
        plan in plan(),
        limits in limits(),
        cut in any::<u16>(),
    ) {
        check_valid_stream(&cmds, &plan, &limits, cut);
    }

    /// (b) Random bytes never panic; errors carry the "Protocol error: " prefix (checked
    /// by the driver on every call); results do not depend on arrival sizes.
    #[test]
    fn random_bytes_never_panic(
        data in prop::collection::vec(any::<u8>(), 0..4096),
        plan in plan(),
        limits in limits(),
    ) {
        assert_chunking_irrelevant(&data, &plan, &limits);
    }

    /// (b) The same for byte soup built from protocol fragments.
    #[test]
    fn protocol_fragments_never_panic(data in fragments(), plan in plan(), limits in limits()) {
        assert_chunking_irrelevant(&data, &plan, &limits);
    }

    /// (b) The same for valid streams with a few bytes flipped, inserted or deleted.
    #[test]
    fn mutated_streams_never_panic(
        cmds in prop::collection::vec(cmd(6, 40), 1..6),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..6),
        plan in plan(),
        limits in limits(),
    ) {
        let mut data = Vec::new();
        for c in &cmds {
            encode_multibulk(c, &mut data);
        }
        for (at, kind, byte) in edits {
            let i = at.index(data.len() + 1);
            match kind {
                0 if i < data.len() => data[i] = byte,
                1 => data.insert(i, byte),
                _ if i < data.len() => {
                    data.remove(i);
                }
                _ => {}
            }
        }
        assert_chunking_irrelevant(&data, &plan, &limits);
    }

    /// (c) Every proper prefix of a valid stream parses to the commands wholly inside it,
    /// then Incomplete: never an error, never a partial command consumed.
    #[test]
    fn every_truncation_is_incomplete(
        cmds in prop::collection::vec(cmd(5, 24), 1..4),
        plan in plan(),
    ) {
        let limits = Limits::default();
        let mut data = Vec::new();
        for c in &cmds {
            encode_multibulk(c, &mut data);
        }
        for k in 0..data.len() {
            let cut = ((k as u64 * (u16::MAX as u64 + 1)).div_ceil(data.len() as u64)) as u16;
            check_valid_stream(&cmds, &plan, &limits, cut);
        }
        // And one parser fed a growing prefix of the last command sees only Incomplete.
        let last = cmds.last().unwrap();
        let mut one = Vec::new();
        encode_multibulk(last, &mut one);
        let mut p = Parser::new();
        for end in 0..one.len() {
            prop_assert_eq!(p.parse(&one[..end], &limits), Ok(Parsed::Incomplete), "at {}", end);
        }
        let r = p.parse(&one, &limits).unwrap();
        if last.is_empty() {
            prop_assert_eq!(r, Parsed::Skip { consumed: one.len() });
        } else {
            prop_assert_eq!(r, Parsed::Multibulk { consumed: one.len() });
            prop_assert_eq!(p.args.len(), last.len());
        }
    }

    /// (d) Inline commands whose arguments need no quoting round-trip, whatever the
    /// separators (spaces, tabs), line ends (LF, CRLF) and blank lines around them, mixed
    /// with multibulk commands, in random arrivals. A truncated line is Incomplete.
    #[test]
    fn inline_roundtrips(
        lines in prop::collection::vec(
            (
                prop::collection::vec((bare_arg(), inline_sep()), 0..8),
                prop::option::of(inline_sep()),
                any::<bool>(),
                prop::option::of(cmd(4, 16)),
            ),
            1..12,
        ),
        plan in plan(),
    ) {
        let limits = Limits::default();
        let mut data = Vec::new();
        let mut want: Vec<Cmd> = Vec::new();
        for (args, lead, crlf, mb) in &lines {
            let mut line = lead.clone().unwrap_or_default();
            for (a, sep) in args {
                line.extend_from_slice(a);
                line.extend_from_slice(sep);
            }
            if line.first() == Some(&b'*') {
                line.insert(0, b' '); // a leading '*' means multibulk
            }
            line.extend_from_slice(if *crlf { b"\r\n" } else { b"\n" });
            data.extend_from_slice(&line);
            if !args.is_empty() {
                want.push(args.iter().map(|(a, _)| a.clone()).collect());
            }
            if let Some(c) = mb {
                encode_multibulk(c, &mut data);
                if !c.is_empty() {
                    want.push(c.clone());
                }
            }
        }
        let got = assert_chunking_irrelevant(&data, &plan, &limits);
        prop_assert_eq!(got.error, None);
        prop_assert_eq!(got.unconsumed, 0);
        prop_assert_eq!(&got.cmds, &want);
        // Drop the final newline: the last line never completes.
        if data.last() == Some(&b'\n') && lines.last().unwrap().3.is_none() {
            let got = feed_chunked(&data[..data.len() - 1], &plan, &limits);
            prop_assert_eq!(got.error, None);
            prop_assert_eq!(got.cmds.len(), want.len() - usize::from(!lines.last().unwrap().0.is_empty()));
        }
    }

    /// Inline arguments of arbitrary bytes round-trip inside double quotes with `\xHH`
    /// escapes (redis-cli's quoting), and inside single quotes with `\'`.
    #[test]
    fn quoted_inline_roundtrips(
        args in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 1..8),
        single in prop::collection::vec(any::<bool>(), 8),
        plan in plan(),
    ) {
        let mut line = Vec::new();
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                line.push(b' ');
            }
            // Single quotes cannot carry LF (it ends the line) or a backslash before a
            // quote; NUL is left out (Redis would end the line there).
            if single[i] && !a.iter().any(|c| b"\n\\\0".contains(c)) {
                line.push(b'\'');
                for &c in a {
                    if c == b'\'' {
                        line.push(b'\\');
                    }
                    line.push(c);
                }
                line.push(b'\'');
            } else {
                quote_arg(a, &mut line);
            }
        }
        line.extend_from_slice(b"\r\n");
        let got = assert_chunking_irrelevant(&line, &plan, &Limits::default());
        prop_assert_eq!(got.error, None);
        prop_assert_eq!(got.cmds, vec![args]);
    }
}

// ---- fixed cases the properties rely on ----

#[test]
fn driver_sees_pipeline_split_inside_every_token() {
    let cmds: Vec<Cmd> = vec![
        vec![b"SET".to_vec(), b"k".to_vec(), b"a\r\nb".to_vec()],
        vec![],
        vec![b"GET".to_vec(), b"".to_vec()],
    ];
    for size in 1..12 {
        let plan = Plan {
            chunks: vec![size],
            compact: vec![true, false, false],
        };
        check_valid_stream(&cmds, &plan, &Limits::default(), u16::MAX / 3);
    }
}

#[test]
fn unauthenticated_limits_refuse_mid_stream() {
    let mut cmds: Vec<Cmd> = vec![vec![b"PING".to_vec()]];
    cmds.push((0..11).map(|i| vec![b'a'; i]).collect());
    cmds.push(vec![b"PING".to_vec()]);
    let limits = Limits {
        unauthenticated: true,
        ..Limits::default()
    };
    let plan = Plan {
        chunks: vec![3],
        compact: vec![true],
    };
    check_valid_stream(&cmds, &plan, &limits, 0);
    let big: Vec<Cmd> = vec![vec![b"SET".to_vec(), vec![b'x'; 16385]]];
    let mut data = Vec::new();
    encode_multibulk(&big[0], &mut data);
    let got = feed_chunked(&data, &plan, &limits);
    assert_eq!(
        got.error.unwrap().0,
        "Protocol error: unauthenticated bulk length"
    );
}

#[test]
fn oversized_lines_are_refused_not_buffered_forever() {
    let limits = Limits::default();
    let plan = Plan {
        chunks: vec![4096],
        compact: vec![],
    };
    let cases: [(&[u8], &str); 3] = [
        (b"", "Protocol error: too big inline request"),
        (b"*", "Protocol error: too big mbulk count string"),
        (b"*1\r\n$", "Protocol error: too big bulk count string"),
    ];
    for (head, msg) in cases {
        let mut data = head.to_vec();
        data.extend(std::iter::repeat_n(b'1', 70 * 1024));
        let got = feed_chunked(&data, &plan, &limits);
        assert_eq!(got.error.map(|e| e.0).as_deref(), Some(msg));
    }
}

/// Redis splits inline arguments with C's `isspace`, which includes vertical tab (0x0B);
/// `split_args` uses `u8::is_ascii_whitespace`, which does not. Checked against
/// redis-server 7.0.15: `\x0bPING` answers +PONG, `ECHO "a"\x0bb` is ECHO with 2 args.
#[test]
fn inline_vertical_tab_is_whitespace_like_redis() {
    let parse = |s: &[u8]| feed_chunked(s, &Plan::one_shot(), &Limits::default());
    assert_eq!(parse(b"\x0bPING\r\n").cmds, vec![vec![b"PING".to_vec()]]);
    let got = parse(b"ECHO \"a\"\x0bb\r\n");
    assert_eq!(got.error, None);
    assert_eq!(
        got.cmds,
        vec![vec![b"ECHO".to_vec(), b"a".to_vec(), b"b".to_vec()]]
    );
}
