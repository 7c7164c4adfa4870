//! Connection and server commands, one file per role:
//!
//! - `connection.rs`: PING, ECHO, HELLO, AUTH, SELECT, QUIT, RESET: the caller's own
//!   connection state.
//! - `client.rs`: CLIENT and its subcommands, the caller's and every connection's
//!   (LIST, KILL and UNBLOCK run on all shards; their replies are combined there).
//! - `config.rs`: CONFIG GET/SET/RESETSTAT/REWRITE over the directive table of
//!   `crate::config`.
//! - `commands.rs`: COMMAND and its subcommands, derived from the command table.
//! - `info.rs`: INFO, a part per shard and the combiner that builds the sections.
//! - `admin.rs`: TIME, LASTSAVE, SHUTDOWN, DEBUG.
//!
//! The handlers are declared in `spec.rs`'s core table, which names them through this
//! file's re-exports (`server::ping`, `server::client_list`, …), as do the shard's
//! dispatch (`server::command`) and hooks (`server::client_line`). The parts share
//! [`R`] and [`REDIS_VERSION`] from here; no part calls another, except HELLO's and
//! CLIENT SETNAME's shared check of a client name (`connection::valid_name`).

mod admin;
mod client;
mod commands;
mod config;
mod connection;
mod info;

pub(crate) use admin::{
    debug_help, debug_set_active_expire, debug_sleep, lastsave, shutdown, time,
};
pub(crate) use client::{
    client_getname, client_help, client_id, client_info, client_kill, client_kill_combine,
    client_line, client_list, client_list_combine, client_no_evict, client_setinfo, client_setname,
    client_unblock, client_unblock_combine,
};
pub(crate) use commands::{
    command, command_count, command_docs, command_getkeys, command_help, command_info, command_list,
};
pub(crate) use config::{config_get, config_help, config_resetstat, config_rewrite, config_set};
pub(crate) use connection::{auth, echo, hello, ping, quit, reset, select};
pub(crate) use info::{info_combine, info_part};

use super::CmdError;

type R = Result<(), CmdError>;

/// The Redis version slotcore answers as (HELLO, INFO): the 7.2 protocol it implements.
const REDIS_VERSION: &str = "7.2.6";
