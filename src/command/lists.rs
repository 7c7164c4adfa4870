//! List commands: LPUSH, LPOP, LRANGE, ...

use super::spec::CommandSpec;

/// This family's commands (chained into the command table by `spec::FAMILIES`).
pub static COMMANDS: &[CommandSpec] = &[];
