//! Fuzz the RESP request parser the way a connection drives it.
//!
//! `cargo +nightly fuzz run parse` (from the repository root). The driver and the
//! invariants are shared with `tests/parser_props.rs`, which runs the same checks under
//! proptest on stable.
//!
//! Input layout: byte 0 picks the mode and the limits, bytes 1..=4 the arrival sizes,
//! byte 5 the compaction points, bytes 6..=7 a truncation point; the rest is the payload.
//! - Raw mode: the payload is a byte stream. No panic; every error reads
//!   "Protocol error: ..."; the outcome does not depend on the arrival sizes.
//! - Structured mode: the payload is split into commands (at 0xFE) and arguments (at
//!   0xFF), encoded as multibulk, and must parse back exactly, in arrivals and after
//!   truncation (Incomplete, never an error).

#![no_main]

use libfuzzer_sys::fuzz_target;
use slotcore::resp::Limits;

#[path = "../../tests/support/parse_driver.rs"]
mod driver;

use driver::{check_valid_stream, feed_chunked, Cmd, Plan};

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let (head, payload) = data.split_at(8);
    let limits = Limits {
        unauthenticated: head[0] & 2 != 0,
        ..Limits::default()
    };
    let chunks = head[1..5]
        .iter()
        .map(|&b| {
            if b & 0x80 != 0 {
                (b & 0x7f) as usize * 512 + 1
            } else {
                (b & 0x3f) as usize + 1
            }
        })
        .collect();
    let compact = (0..8).map(|i| head[5] & (1 << i) != 0).collect();
    let plan = Plan { chunks, compact };
    let cut = u16::from_le_bytes([head[6], head[7]]);

    if head[0] & 1 == 0 {
        let chunked = feed_chunked(payload, &plan, &limits);
        if payload.len() <= slotcore::resp::parse::INLINE_MAX {
            let whole = feed_chunked(payload, &Plan::one_shot(), &limits);
            assert_eq!(chunked.cmds, whole.cmds, "commands depend on arrival sizes");
            assert_eq!(chunked.error, whole.error, "error depends on arrival sizes");
            if whole.error.is_none() {
                assert_eq!(chunked.unconsumed, whole.unconsumed);
                assert_eq!(chunked.in_progress, whole.in_progress);
            }
        }
    } else {
        let cmds: Vec<Cmd> = payload
            .split(|&b| b == 0xfe)
            .map(|c| {
                if c.is_empty() {
                    Vec::new()
                } else {
                    c.split(|&b| b == 0xff).map(|a| a.to_vec()).collect()
                }
            })
            .collect();
        check_valid_stream(&cmds, &plan, &limits, cut);
    }
});
