//! Fuzz the cluster bus decoder the way a bus link drives it.
//!
//! `cargo +nightly fuzz run bus_decode` (from the repository root). Seed the corpus with
//! the captured messages for faster coverage:
//! `cp ../shared/captures/*/*.bin fuzz/corpus/bus_decode/`.
//!
//! Input layout: byte 0 picks the mode; the rest is the payload.
//! - Raw mode (bit 0 clear): the payload is a bus stream, split with `frame_len` and each
//!   frame decoded, as a link would; no panic, and a frame error ends the stream.
//! - Fixed-up mode (bit 0 set): `totlen` in the payload is overwritten with the payload's
//!   length (and a short payload padded to the header) so that the body checks are reached
//!   rather than the framing ones.
//!
//! Invariant in both: whatever decodes re-encodes to exactly `encoded_len` bytes that
//! decode to the same message.

#![no_main]

use libfuzzer_sys::fuzz_target;
use slotcore::cluster::bus::wire::{decode, encode, frame_len, HEADER_LEN, SIGNATURE};

fn check(frame: &[u8]) {
    if let Ok(msg) = decode(frame) {
        let mut out = Vec::new();
        encode(&msg, &mut out);
        assert_eq!(out.len(), msg.encoded_len());
        assert_eq!(
            decode(&out).as_ref(),
            Ok(&msg),
            "re-encoded message differs"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, payload)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        let mut rest = payload;
        loop {
            match frame_len(rest) {
                Ok(Some(n)) => {
                    check(&rest[..n]);
                    rest = &rest[n..];
                }
                Ok(None) => {
                    // Whatever is left is incomplete: decoding it must fail, not panic.
                    assert!(decode(rest).is_err() || rest.is_empty());
                    break;
                }
                Err(_) => {
                    let _ = decode(rest);
                    break;
                }
            }
        }
    } else {
        let mut buf = payload.to_vec();
        if buf.len() < HEADER_LEN {
            buf.resize(HEADER_LEN, 0);
        }
        buf[..4].copy_from_slice(&SIGNATURE);
        let n = buf.len() as u32;
        buf[4..8].copy_from_slice(&n.to_be_bytes());
        check(&buf);
    }
});
