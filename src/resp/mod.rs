//! RESP: the request parser and the reply encoder. A leaf module: imports nothing of ours.

pub mod parse;
pub mod reply;
pub mod reply_parse;

pub use parse::{parse_i64, Limits, Parsed, Parser, ProtocolError, Span};
pub use reply::{format_double, Proto, Reply};
