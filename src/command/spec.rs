//! The command table: every command declared once, with Redis's arity convention
//! (positive: exact, negative: minimum, counting the name), flags, key positions and
//! handler. Lookup, arity errors, key extraction for routing, and the replies of
//! COMMAND / COMMAND INFO / COMMAND DOCS / COMMAND GETKEYS all come from here.

use super::{keys as k, server as s, strings as st, Combine, Exec, Fanout};
use std::collections::HashMap;
use std::sync::OnceLock;

pub struct CommandSpec {
    /// Lower-case name (for subcommands, the subcommand alone).
    pub name: &'static str,
    pub arity: i32,
    /// Redis's command flags, space separated (`write denyoom fast`, ...).
    pub flags: &'static str,
    pub first_key: i32,
    pub last_key: i32,
    pub step: i32,
    pub exec: Exec,
    pub group: &'static str,
    pub since: &'static str,
    pub summary: &'static str,
    pub subcommands: &'static [CommandSpec],
    /// Key positions of commands whose keys move (`numkeys` arguments: ZUNION, LMPOP,
    /// SINTERCARD, ...): flagged `movablekeys`; first/last/step then describe only the
    /// fixed part, as in Redis's COMMAND INFO. Returns None when the arguments are
    /// malformed (the handler then answers the error).
    pub keys_fn: Option<KeysFn>,
    /// `write` is among the flags (precomputed: checked after every command).
    pub write: bool,
    /// `blocking` is among the flags (the command may wait for a key).
    pub blocking: bool,
    /// `asking` is among the flags (served on an importing slot without ASKING).
    pub asking: bool,
    /// `no_auth` is among the flags (runs before AUTH).
    pub no_auth: bool,
    /// How the command's arguments decide where it runs (the only routing input
    /// besides the key positions).
    pub route: RouteKind,
    /// May run on the bus core inside a transaction of CLUSTER subcommands (the
    /// state subcommands, and the keyless ones the bus can answer from its own data).
    pub bus_in_tx: bool,
    /// Cluster mode: the message also goes to the other nodes through the bus
    /// (Some(false): PUBLISH to every node; Some(true): SPUBLISH to the slot's shard).
    pub bus_publish: Option<bool>,
}

/// Where a command runs, beyond what its key positions say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteKind {
    /// By the slot of its keys; a command without keys runs where the client is.
    Keys,
    /// Shard channels (SPUBLISH, SSUBSCRIBE, SUNSUBSCRIBE): the channels are declared
    /// as keys and pick the slot (cluster mode: CROSSSLOT, MOVED), but the command
    /// runs where the client is, or on every shard for SPUBLISH in standalone mode.
    ShardChannel,
    /// CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT: on the shard holding the slot given
    /// as an argument; never redirected.
    SlotArg,
    /// CLUSTER state subcommands: answered by the bus core.
    Bus,
    /// MULTI, EXEC, DISCARD, WATCH, UNWATCH: handled by the shard's transaction layer
    /// (they are never queued inside MULTI).
    Transaction,
}

/// Whether the space-separated `flags` contain the word `w` (usable in consts).
pub const fn has_word(flags: &str, w: &str) -> bool {
    let f = flags.as_bytes();
    let w = w.as_bytes();
    let mut i = 0;
    while i + w.len() <= f.len() {
        let starts = i == 0 || f[i - 1] == b' ';
        let ends = i + w.len() == f.len() || f[i + w.len()] == b' ';
        if starts && ends {
            let mut j = 0;
            while j < w.len() && f[i + j] == w[j] {
                j += 1;
            }
            if j == w.len() {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// Finds the key positions of a movable-keys command.
pub type KeysFn = fn(&[&[u8]]) -> Option<Positions>;

/// Key positions of one command (no allocation for up to 4 keys).
pub type Positions = smallvec::SmallVec<[usize; 4]>;

impl CommandSpec {
    pub fn has_flag(&self, f: &str) -> bool {
        self.flags.split(' ').any(|x| x == f)
    }

    /// Positions of the keys in `args` (args[0] is the name), as Redis's range key spec
    /// finds them (COMMAND GETKEYS): for MSET-like commands (step 2) a trailing key
    /// without its value still counts.
    pub fn all_key_positions(&self, args: &[&[u8]]) -> Positions {
        if let Some(f) = self.keys_fn {
            return f(args).unwrap_or_default();
        }
        let argc = args.len();
        let first = self.first_key.max(0) as usize;
        let last = if self.last_key < 0 {
            (argc as i64 + self.last_key as i64).max(0) as usize
        } else {
            (self.last_key as usize).min(argc.saturating_sub(1))
        };
        let step = self.step.max(1) as usize;
        let active = self.first_key > 0 && first < argc;
        if !active {
            return Positions::new();
        }
        (first..=last).step_by(step).collect()
    }

    /// The position of the first routing key (what [`Self::key_positions`] would put
    /// first), without building the list for the common single-range specs.
    #[inline]
    pub fn first_key_position(&self, args: &[&[u8]]) -> Option<usize> {
        if self.keys_fn.is_some() {
            return self.key_positions(args).first().copied();
        }
        let first = self.first_key.max(0) as usize;
        let step = self.step.max(1) as usize;
        (self.first_key > 0 && first + step - 1 < args.len()).then_some(first)
    }

    /// Positions of the keys used for routing: like [`Self::all_key_positions`], but a
    /// key of a key/value command (step 2) counts only with its value, so the split
    /// of a malformed `MSET a 1 b` never reaches past the arguments (the handler then
    /// answers the arity error, as Redis does).
    /// A key/value command with an incomplete last pair routes by its first key alone.
    pub fn key_positions(&self, args: &[&[u8]]) -> Positions {
        if self.keys_fn.is_some() {
            return self.all_key_positions(args);
        }
        let argc = args.len();
        let step = self.step.max(1) as usize;
        let first = self.first_key.max(0) as usize;
        let malformed = step > 1 && self.last_key < 0 && argc > first && (argc - first) % step != 0;
        let mut v = self.all_key_positions(args);
        v.retain(|p| *p + step - 1 < argc && (!malformed || *p == first));
        v
    }

    /// The same spec with a movable-keys finder (adds nothing to `flags`: write
    /// `movablekeys` there too).
    pub const fn with_keys(mut self, f: KeysFn) -> Self {
        self.keys_fn = Some(f);
        self
    }

    /// The same spec routed by `kind` (see [`RouteKind`]).
    pub const fn routed(mut self, kind: RouteKind) -> Self {
        self.route = kind;
        if matches!(kind, RouteKind::Bus) {
            self.bus_in_tx = true;
        }
        self
    }

    /// The same spec, broadcast over the bus in cluster mode (see `bus_publish`).
    pub const fn published(mut self, shard: bool) -> Self {
        self.bus_publish = Some(shard);
        self
    }

    /// Cluster mode: whether the command is broadcast over the bus, and as a shard
    /// message (SPUBLISH) or to every node (PUBLISH).
    pub fn publishes(&self) -> Option<bool> {
        self.bus_publish
    }

    /// The same spec, also allowed in a transaction that runs on the bus core.
    pub const fn bus_in_tx(mut self) -> Self {
        self.bus_in_tx = true;
        self
    }
}

#[allow(clippy::too_many_arguments)]
pub const fn c(
    name: &'static str,
    arity: i32,
    flags: &'static str,
    keys: (i32, i32, i32),
    exec: Exec,
    group: &'static str,
    since: &'static str,
    summary: &'static str,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        first_key: keys.0,
        last_key: keys.1,
        step: keys.2,
        exec,
        group,
        since,
        summary,
        subcommands: &[],
        keys_fn: None,
        write: has_word(flags, "write"),
        blocking: has_word(flags, "blocking"),
        asking: has_word(flags, "asking"),
        no_auth: has_word(flags, "no_auth"),
        route: RouteKind::Keys,
        bus_in_tx: false,
        bus_publish: None,
    }
}

pub const fn container(
    name: &'static str,
    group: &'static str,
    since: &'static str,
    summary: &'static str,
    subs: &'static [CommandSpec],
) -> CommandSpec {
    CommandSpec {
        name,
        arity: -2,
        flags: "",
        first_key: 0,
        last_key: 0,
        step: 0,
        exec: Exec::Container,
        group,
        since,
        summary,
        subcommands: subs,
        keys_fn: None,
        write: false,
        blocking: false,
        asking: false,
        no_auth: false,
        route: RouteKind::Keys,
        bus_in_tx: false,
        bus_publish: None,
    }
}

pub const NOKEY: (i32, i32, i32) = (0, 0, 0);
pub const KEY1: (i32, i32, i32) = (1, 1, 1);
pub const KEY2: (i32, i32, i32) = (1, 2, 1);
pub const ALLKEYS: (i32, i32, i32) = (1, -1, 1);
pub const PAIRS: (i32, i32, i32) = (1, -1, 2);
const OBJKEY: (i32, i32, i32) = (2, 2, 1);

use Exec::{All, Conn, Key, Multi};

static CLIENT_SUBS: &[CommandSpec] = &[
    c(
        "id",
        2,
        "noscript loading stale",
        NOKEY,
        Conn(s::client_id),
        "connection",
        "5.0.0",
        "Returns the unique client ID of the connection.",
    ),
    c(
        "setname",
        3,
        "noscript loading stale",
        NOKEY,
        Conn(s::client_setname),
        "connection",
        "2.6.9",
        "Sets the connection name.",
    ),
    c(
        "getname",
        2,
        "noscript loading stale",
        NOKEY,
        Conn(s::client_getname),
        "connection",
        "2.6.9",
        "Returns the name of the connection.",
    ),
    c(
        "list",
        -2,
        "admin noscript loading stale",
        NOKEY,
        All(s::client_list, Combine::Custom(s::client_list_combine)),
        "connection",
        "2.4.0",
        "Lists open connections.",
    ),
    c(
        "info",
        2,
        "noscript loading stale",
        NOKEY,
        Conn(s::client_info),
        "connection",
        "6.2.0",
        "Returns information about the connection.",
    ),
    c(
        "kill",
        -3,
        "admin noscript loading stale",
        NOKEY,
        All(s::client_kill, Combine::Custom(s::client_kill_combine)),
        "connection",
        "2.4.0",
        "Terminates open connections.",
    ),
    c(
        "setinfo",
        4,
        "noscript loading stale",
        NOKEY,
        Conn(s::client_setinfo),
        "connection",
        "7.2.0",
        "Sets information specific to the client or connection.",
    ),
    c(
        "unblock",
        -3,
        "admin noscript loading stale",
        NOKEY,
        All(
            s::client_unblock,
            Combine::Custom(s::client_unblock_combine),
        ),
        "connection",
        "5.0.0",
        "Unblocks a client blocked by a blocking command from a different connection.",
    ),
    c(
        "no-evict",
        3,
        "admin noscript loading stale",
        NOKEY,
        Conn(s::client_no_evict),
        "connection",
        "7.0.0",
        "Sets the client eviction mode of the connection.",
    ),
    c(
        "help",
        2,
        "loading stale",
        NOKEY,
        Conn(s::client_help),
        "connection",
        "5.0.0",
        "Returns helpful text about the different subcommands.",
    ),
];

static CONFIG_SUBS: &[CommandSpec] = &[
    c(
        "get",
        -3,
        "admin noscript loading stale",
        NOKEY,
        Conn(s::config_get),
        "server",
        "2.0.0",
        "Returns the effective values of configuration parameters.",
    ),
    c(
        "set",
        -4,
        "admin noscript loading stale",
        NOKEY,
        Conn(s::config_set),
        "server",
        "2.0.0",
        "Sets configuration parameters in-flight.",
    ),
    c(
        "resetstat",
        2,
        "admin noscript loading stale",
        NOKEY,
        All(s::config_resetstat, Combine::AllOk),
        "server",
        "2.0.0",
        "Resets the server's statistics.",
    ),
    c(
        "rewrite",
        2,
        "admin noscript loading stale",
        NOKEY,
        Conn(s::config_rewrite),
        "server",
        "2.8.0",
        "Persists the effective configuration to file.",
    ),
    c(
        "help",
        2,
        "loading stale",
        NOKEY,
        Conn(s::config_help),
        "server",
        "5.0.0",
        "Returns helpful text about the different subcommands.",
    ),
];

static COMMAND_SUBS: &[CommandSpec] = &[
    c(
        "count",
        2,
        "loading stale",
        NOKEY,
        Conn(s::command_count),
        "server",
        "2.8.13",
        "Returns a count of commands.",
    ),
    c(
        "info",
        -2,
        "loading stale",
        NOKEY,
        Conn(s::command_info),
        "server",
        "2.8.13",
        "Returns information about one, multiple or all commands.",
    ),
    c(
        "docs",
        -2,
        "loading stale",
        NOKEY,
        Conn(s::command_docs),
        "server",
        "7.0.0",
        "Returns documentary information about one, multiple or all commands.",
    ),
    c(
        "list",
        -2,
        "loading stale",
        NOKEY,
        Conn(s::command_list),
        "server",
        "7.0.0",
        "Returns a list of command names.",
    ),
    c(
        "getkeys",
        -3,
        "loading stale",
        NOKEY,
        Conn(s::command_getkeys),
        "server",
        "2.8.13",
        "Extracts the key names from an arbitrary command.",
    ),
    c(
        "help",
        2,
        "loading stale",
        NOKEY,
        Conn(s::command_help),
        "server",
        "5.0.0",
        "Returns helpful text about the different subcommands.",
    ),
];

static OBJECT_SUBS: &[CommandSpec] = &[
    c(
        "encoding",
        3,
        "readonly",
        OBJKEY,
        Key(k::object_encoding),
        "generic",
        "2.2.3",
        "Returns the internal encoding of a Redis object.",
    ),
    c(
        "refcount",
        3,
        "readonly",
        OBJKEY,
        Key(k::object_refcount),
        "generic",
        "2.2.3",
        "Returns the reference count of a value of a key.",
    ),
    c(
        "idletime",
        3,
        "readonly",
        OBJKEY,
        Key(k::object_idletime),
        "generic",
        "2.2.3",
        "Returns the time since the last access to a Redis object.",
    ),
    c(
        "freq",
        3,
        "readonly",
        OBJKEY,
        Key(k::object_freq),
        "generic",
        "4.0.0",
        "Returns the logarithmic access frequency counter of a Redis object.",
    ),
    c(
        "help",
        2,
        "loading stale",
        NOKEY,
        Conn(k::object_help),
        "generic",
        "6.2.0",
        "Returns helpful text about the different subcommands.",
    ),
];

static DEBUG_SUBS: &[CommandSpec] = &[
    c(
        "sleep",
        3,
        "admin noscript loading stale",
        NOKEY,
        Conn(s::debug_sleep),
        "server",
        "1.0.0",
        "Blocks the connection's shard for a number of seconds.",
    ),
    c(
        "set-active-expire",
        3,
        "admin noscript loading stale",
        NOKEY,
        All(s::debug_set_active_expire, Combine::AllOk),
        "server",
        "1.0.0",
        "Turns the active expiry cycle on or off.",
    ),
    c(
        "help",
        2,
        "loading stale",
        NOKEY,
        Conn(s::debug_help),
        "server",
        "1.0.0",
        "Returns helpful text about the different subcommands.",
    ),
];

/// The core table (strings, keys, connection, server). Order is not significant.
pub static CORE: &[CommandSpec] = &[
    // connection
    c("ping", -1, "fast", NOKEY, Conn(s::ping), "connection", "1.0.0", "Returns the server's liveliness response."),
    c("echo", 2, "fast loading stale", NOKEY, Conn(s::echo), "connection", "1.0.0", "Returns the given string."),
    c("hello", -1, "noscript loading stale fast no_auth allow_busy", NOKEY, Conn(s::hello), "connection", "6.0.0", "Handshakes with the Redis server."),
    c("auth", -2, "noscript loading stale fast no_auth allow_busy", NOKEY, Conn(s::auth), "connection", "1.0.0", "Authenticates the connection."),
    c("select", 2, "loading stale fast", NOKEY, Conn(s::select), "connection", "1.0.0", "Changes the selected database."),
    c("quit", -1, "noscript loading stale fast no_auth allow_busy", NOKEY, Conn(s::quit), "connection", "1.0.0", "Closes the connection."),
    c("reset", 1, "noscript loading stale fast no_auth allow_busy", NOKEY, Conn(s::reset), "connection", "6.2.0", "Resets the connection."),
    container("client", "connection", "2.4.0", "A container for client connection commands.", CLIENT_SUBS),
    // server
    c("info", -1, "loading stale", NOKEY, All(s::info_part, Combine::Custom(s::info_combine)), "server", "1.0.0", "Returns information and statistics about the server."),
    c("dbsize", 1, "readonly fast", NOKEY, All(k::dbsize, Combine::SumInt), "server", "1.0.0", "Returns the number of keys in the database."),
    c("flushall", -1, "write", NOKEY, All(k::flushall, Combine::AllOk), "server", "1.0.0", "Removes all keys from all databases."),
    c("flushdb", -1, "write", NOKEY, All(k::flushall, Combine::AllOk), "server", "1.0.0", "Remove all keys from the current database."),
    c("time", 1, "loading stale fast", NOKEY, Conn(s::time), "server", "2.6.0", "Returns the server time."),
    c("lastsave", 1, "loading stale fast", NOKEY, Conn(s::lastsave), "server", "1.0.0", "Returns the Unix timestamp of the last successful save to disk."),
    c("shutdown", -1, "admin noscript loading stale no_multi allow_busy", NOKEY, Conn(s::shutdown), "server", "1.0.0", "Synchronously saves the database(s) to disk and shuts down the Redis server."),
    container("config", "server", "2.0.0", "A container for server configuration commands.", CONFIG_SUBS),
    CommandSpec { arity: -1, flags: "loading stale", ..container("command", "server", "2.8.13", "Returns detailed information about all commands.", COMMAND_SUBS) },
    CommandSpec { flags: "admin noscript loading stale", ..container("debug", "server", "1.0.0", "A container for debugging commands.", DEBUG_SUBS) },
    // strings
    c("get", 2, "readonly fast", KEY1, Key(st::get), "string", "1.0.0", "Returns the string value of a key."),
    c("set", -3, "write denyoom", KEY1, Key(st::set), "string", "1.0.0", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist."),
    c("setnx", 3, "write denyoom fast", KEY1, Key(st::setnx), "string", "1.0.0", "Set the string value of a key only when the key doesn't exist."),
    c("setex", 4, "write denyoom", KEY1, Key(st::setex), "string", "2.0.0", "Sets the string value and expiration time of a key. Creates the key if it doesn't exist."),
    c("psetex", 4, "write denyoom", KEY1, Key(st::psetex), "string", "2.6.0", "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist."),
    c("getset", 3, "write denyoom fast", KEY1, Key(st::getset), "string", "1.0.0", "Returns the previous string value of a key after setting it to a new value."),
    c("getdel", 2, "write fast", KEY1, Key(st::getdel), "string", "6.2.0", "Returns the string value of a key after deleting the key."),
    c("getex", -2, "write fast", KEY1, Key(st::getex), "string", "6.2.0", "Returns the string value of a key after setting its expiration time."),
    c("mget", -2, "readonly fast", ALLKEYS, Multi(st::mget, Fanout::Gather), "string", "1.0.0", "Atomically returns the string values of one or more keys."),
    c("mset", -3, "write denyoom", PAIRS, Multi(st::mset, Fanout::AllOk), "string", "1.0.1", "Atomically creates or modifies the string values of one or more keys."),
    c("msetnx", -3, "write denyoom", PAIRS, Multi(st::msetnx, Fanout::Whole), "string", "1.0.1", "Atomically modifies the string values of one or more keys only when all keys don't exist."),
    c("incr", 2, "write denyoom fast", KEY1, Key(st::incr), "string", "1.0.0", "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist."),
    c("decr", 2, "write denyoom fast", KEY1, Key(st::decr), "string", "1.0.0", "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist."),
    c("incrby", 3, "write denyoom fast", KEY1, Key(st::incrby), "string", "1.0.0", "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist."),
    c("decrby", 3, "write denyoom fast", KEY1, Key(st::decrby), "string", "1.0.0", "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist."),
    c("incrbyfloat", 3, "write denyoom fast", KEY1, Key(st::incrbyfloat), "string", "2.6.0", "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist."),
    c("append", 3, "write denyoom fast", KEY1, Key(st::append), "string", "2.0.0", "Appends a string to the value of a key. Creates the key if it doesn't exist."),
    c("strlen", 2, "readonly fast", KEY1, Key(st::strlen), "string", "2.2.0", "Returns the length of a string value."),
    c("getrange", 4, "readonly", KEY1, Key(st::getrange), "string", "2.4.0", "Returns a substring of the string stored at a key."),
    c("substr", 4, "readonly", KEY1, Key(st::getrange), "string", "1.0.0", "Returns a substring from a string value."),
    c("setrange", 4, "write denyoom", KEY1, Key(st::setrange), "string", "2.2.0", "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist."),
    c("lcs", -3, "readonly", KEY2, Multi(st::lcs, Fanout::Whole), "string", "7.0.0", "Finds the longest common substring."),
    // keys
    c("del", -2, "write", ALLKEYS, Multi(k::del, Fanout::SumInt), "generic", "1.0.0", "Deletes one or more keys."),
    c("unlink", -2, "write fast", ALLKEYS, Multi(k::del, Fanout::SumInt), "generic", "4.0.0", "Asynchronously deletes one or more keys."),
    c("exists", -2, "readonly fast", ALLKEYS, Multi(k::exists, Fanout::SumInt), "generic", "1.0.0", "Determines whether one or more keys exist."),
    c("touch", -2, "readonly fast", ALLKEYS, Multi(k::exists, Fanout::SumInt), "generic", "3.2.1", "Returns the number of existing keys out of those specified after updating the time they were last accessed."),
    c("type", 2, "readonly fast", KEY1, Key(k::type_), "generic", "1.0.0", "Determines the type of value stored at a key."),
    c("expire", -3, "write fast", KEY1, Key(k::expire), "generic", "1.0.0", "Sets the expiration time of a key in seconds."),
    c("pexpire", -3, "write fast", KEY1, Key(k::pexpire), "generic", "2.6.0", "Sets the expiration time of a key in milliseconds."),
    c("expireat", -3, "write fast", KEY1, Key(k::expireat), "generic", "1.2.0", "Sets the expiration time of a key to a Unix timestamp."),
    c("pexpireat", -3, "write fast", KEY1, Key(k::pexpireat), "generic", "2.6.0", "Sets the expiration time of a key to a Unix milliseconds timestamp."),
    c("ttl", 2, "readonly fast", KEY1, Key(k::ttl), "generic", "1.0.0", "Returns the expiration time in seconds of a key."),
    c("pttl", 2, "readonly fast", KEY1, Key(k::pttl), "generic", "2.6.0", "Returns the expiration time in milliseconds of a key."),
    c("expiretime", 2, "readonly fast", KEY1, Key(k::expiretime), "generic", "7.0.0", "Returns the expiration time of a key as a Unix timestamp."),
    c("pexpiretime", 2, "readonly fast", KEY1, Key(k::pexpiretime), "generic", "7.0.0", "Returns the expiration time of a key as a Unix milliseconds timestamp."),
    c("persist", 2, "write fast", KEY1, Key(k::persist), "generic", "2.2.0", "Removes the expiration time of a key."),
    c("rename", 3, "write", KEY2, Multi(k::rename, Fanout::Whole), "generic", "1.0.0", "Renames a key and overwrites the destination."),
    c("renamenx", 3, "write fast", KEY2, Multi(k::renamenx, Fanout::Whole), "generic", "1.0.0", "Renames a key only when the target key name doesn't exist."),
    c("copy", -3, "write denyoom", KEY2, Multi(k::copy, Fanout::Whole), "generic", "6.2.0", "Copies the value of a key to a new key."),
    c("move", 3, "write fast", KEY1, Key(k::move_key), "generic", "1.0.0", "Moves a key to another database."),
    c("swapdb", 3, "write fast", NOKEY, Conn(k::swapdb), "server", "4.0.0", "Swaps two Redis databases."),
    c("keys", 2, "readonly", NOKEY, All(k::keys, Combine::Concat), "generic", "1.0.0", "Returns all key names that match a pattern."),
    c("scan", -2, "readonly", NOKEY, All(k::scan, Combine::Custom(k::scan_combine)), "generic", "2.8.0", "Iterates over the key names in the database."),
    c("randomkey", 1, "readonly", NOKEY, All(k::randomkey, Combine::Custom(k::randomkey_combine)), "generic", "1.0.0", "Returns a random key name from the database."),
    container("object", "generic", "2.2.3", "A container for object introspection commands.", OBJECT_SUBS),
];

/// Every family's table. A family file declares its commands in its own `COMMANDS`.
pub static FAMILIES: &[&[CommandSpec]] = &[
    CORE,
    super::hashes::COMMANDS,
    super::lists::COMMANDS,
    super::sets::COMMANDS,
    super::zsets::COMMANDS,
    super::pubsub::COMMANDS,
    super::tx::COMMANDS,
    super::blocking::COMMANDS,
    super::cluster::COMMANDS,
];

/// All top-level commands.
pub fn all() -> impl Iterator<Item = &'static CommandSpec> {
    FAMILIES.iter().flat_map(|f| f.iter())
}

/// Number of top-level commands (COMMAND COUNT).
pub fn count() -> usize {
    FAMILIES.iter().map(|f| f.len()).sum()
}

type Table = HashMap<&'static str, &'static CommandSpec, foldhash::fast::FixedState>;

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| all().map(|c| (c.name, c)).collect())
}

/// Find a command by name, any case.
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    let mut buf = [0u8; 32];
    if name.len() > buf.len() {
        return None;
    }
    for (d, s) in buf.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    let lower = std::str::from_utf8(&buf[..name.len()]).ok()?;
    table().get(lower).copied()
}

/// Find a subcommand of a container, any case.
pub fn lookup_sub(parent: &'static CommandSpec, name: &[u8]) -> Option<&'static CommandSpec> {
    parent
        .subcommands
        .iter()
        .find(|s| s.name.as_bytes().eq_ignore_ascii_case(name))
}

/// Whether `argc` arguments satisfy `arity`.
pub fn arity_ok(arity: i32, argc: usize) -> bool {
    if arity >= 0 {
        argc == arity as usize
    } else {
        argc >= (-arity) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_any_case() {
        assert_eq!(lookup(b"GeT").unwrap().name, "get");
        assert!(lookup(b"nosuch").is_none());
        let client = lookup(b"CLIENT").unwrap();
        assert_eq!(lookup_sub(client, b"SetName").unwrap().name, "setname");
    }

    #[test]
    fn key_positions() {
        let a = |n: usize| vec![&b"x"[..]; n];
        let mset = lookup(b"mset").unwrap();
        assert_eq!(mset.key_positions(&a(5)).to_vec(), vec![1, 3]);
        assert_eq!(mset.key_positions(&a(4)).to_vec(), vec![1]);
        assert_eq!(mset.all_key_positions(&a(4)).to_vec(), vec![1, 3]);
        let del = lookup(b"del").unwrap();
        assert_eq!(del.key_positions(&a(4)).to_vec(), vec![1, 2, 3]);
        let get = lookup(b"get").unwrap();
        assert_eq!(get.key_positions(&a(2)).to_vec(), vec![1]);
        let ping = lookup(b"ping").unwrap();
        assert!(ping.key_positions(&a(1)).is_empty());
    }

    #[test]
    fn names_unique_and_lower_case() {
        let mut seen = std::collections::HashSet::new();
        for c in all() {
            assert!(seen.insert(c.name), "duplicate {}", c.name);
            assert_eq!(c.name, c.name.to_ascii_lowercase());
        }
    }

    #[test]
    fn flag_words() {
        assert!(has_word("write denyoom fast", "write"));
        assert!(has_word("write denyoom fast", "fast"));
        assert!(!has_word("readonly", "read"));
        assert!(!has_word("", "write"));
        assert!(lookup(b"set").unwrap().write);
        assert!(!lookup(b"get").unwrap().write);
    }

    #[test]
    fn arity() {
        assert!(arity_ok(2, 2));
        assert!(!arity_ok(2, 3));
        assert!(arity_ok(-2, 5));
        assert!(!arity_ok(-3, 2));
    }
}
