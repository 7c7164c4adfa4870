//! Pub/sub: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH, SPUBLISH,
//! PUBSUB.
//!
//! A client's subscriptions live on the shard that owns its connection, in that shard's
//! [`Registry`]. PUBLISH runs on every shard (an all-shards command): each shard delivers
//! the message to its own subscribers and answers how many it reached; the counts are
//! summed. In standalone mode SPUBLISH does the same over shard channels.

use super::spec::{c, container, CommandSpec, RouteKind, NOKEY};
use super::{ClientState, CmdError, Combine, Ctx, Exec};
use crate::resp::reply_parse::{self, Value as RV};
use crate::resp::Reply;
use crate::shared::Shared;
use crate::store::glob::glob_match;
use std::collections::{BTreeSet, HashMap};

type R = Result<(), CmdError>;

/// The three subscription namespaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Channel,
    Pattern,
    Shard,
}

impl Kind {
    fn sub_word(self) -> &'static [u8] {
        match self {
            Kind::Channel => b"subscribe",
            Kind::Pattern => b"psubscribe",
            Kind::Shard => b"ssubscribe",
        }
    }

    fn unsub_word(self) -> &'static [u8] {
        match self {
            Kind::Channel => b"unsubscribe",
            Kind::Pattern => b"punsubscribe",
            Kind::Shard => b"sunsubscribe",
        }
    }
}

/// One client's subscriptions (boxed in ClientState only once it subscribes).
#[derive(Debug, Default, Clone)]
pub struct ClientSubs {
    pub channels: BTreeSet<Vec<u8>>,
    pub patterns: BTreeSet<Vec<u8>>,
    pub shard: BTreeSet<Vec<u8>>,
}

impl ClientSubs {
    fn set(&mut self, k: Kind) -> &mut BTreeSet<Vec<u8>> {
        match k {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard,
        }
    }

    /// The count Redis reports after (un)subscribing: channels + patterns, or shard
    /// channels for the S variants.
    fn count(&self, k: Kind) -> i64 {
        match k {
            Kind::Shard => self.shard.len() as i64,
            _ => (self.channels.len() + self.patterns.len()) as i64,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.channels.is_empty() && self.patterns.is_empty() && self.shard.is_empty()
    }
}

/// A shard's subscriptions: name → subscribed client ids.
#[derive(Debug, Default)]
pub struct Registry {
    channels: HashMap<Vec<u8>, Vec<u64>>,
    patterns: HashMap<Vec<u8>, Vec<u64>>,
    shard: HashMap<Vec<u8>, Vec<u64>>,
}

impl Registry {
    fn map(&mut self, k: Kind) -> &mut HashMap<Vec<u8>, Vec<u64>> {
        match k {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard,
        }
    }

    fn add(&mut self, k: Kind, name: &[u8], id: u64) {
        self.map(k).entry(name.to_vec()).or_default().push(id);
    }

    fn remove(&mut self, k: Kind, name: &[u8], id: u64) {
        let m = self.map(k);
        if let Some(v) = m.get_mut(name) {
            v.retain(|&x| x != id);
            if v.is_empty() {
                m.remove(name);
            }
        }
    }

    /// Forget every subscription of a client (it disconnected).
    pub fn drop_client(&mut self, id: u64, subs: &ClientSubs) {
        for ch in &subs.channels {
            self.remove(Kind::Channel, ch, id);
        }
        for p in &subs.patterns {
            self.remove(Kind::Pattern, p, id);
        }
        for s in &subs.shard {
            self.remove(Kind::Shard, s, id);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.channels.is_empty() && self.patterns.is_empty() && self.shard.is_empty()
    }
}

/// A message to push to one subscriber.
pub enum Delivery<'a> {
    Message {
        channel: &'a [u8],
        msg: &'a [u8],
    },
    PMessage {
        pattern: &'a [u8],
        channel: &'a [u8],
        msg: &'a [u8],
    },
    SMessage {
        channel: &'a [u8],
        msg: &'a [u8],
    },
}

impl Delivery<'_> {
    /// Encode as a push (RESP3) or an array (RESP2).
    pub fn write(&self, out: &mut Reply) {
        match self {
            Delivery::Message { channel, msg } => {
                out.push(3);
                out.bulk(b"message");
                out.bulk(channel);
                out.bulk(msg);
            }
            Delivery::PMessage {
                pattern,
                channel,
                msg,
            } => {
                out.push(4);
                out.bulk(b"pmessage");
                out.bulk(pattern);
                out.bulk(channel);
                out.bulk(msg);
            }
            Delivery::SMessage { channel, msg } => {
                out.push(3);
                out.bulk(b"smessage");
                out.bulk(channel);
                out.bulk(msg);
            }
        }
    }
}

fn subscribe_generic(
    ctx: &mut Ctx,
    c: &mut ClientState,
    args: &[&[u8]],
    out: &mut Reply,
    k: Kind,
) -> R {
    let subs = c.subs.get_or_insert_with(Default::default);
    for name in &args[1..] {
        if subs.set(k).insert(name.to_vec()) {
            ctx.hooks.registry().add(k, name, c.id);
        }
        out.push(3);
        out.bulk(k.sub_word());
        out.bulk(name);
        out.int(subs.count(k));
    }
    Ok(())
}

fn unsubscribe_generic(
    ctx: &mut Ctx,
    c: &mut ClientState,
    args: &[&[u8]],
    out: &mut Reply,
    k: Kind,
) -> R {
    let subs = c.subs.get_or_insert_with(Default::default);
    let names: Vec<Vec<u8>> = if args.len() > 1 {
        args[1..].iter().map(|a| a.to_vec()).collect()
    } else {
        subs.set(k).iter().cloned().collect()
    };
    if names.is_empty() {
        out.push(3);
        out.bulk(k.unsub_word());
        out.null();
        out.int(subs.count(k));
    }
    for name in names {
        if subs.set(k).remove(&name) {
            ctx.hooks.registry().remove(k, &name, c.id);
        }
        out.push(3);
        out.bulk(k.unsub_word());
        out.bulk(&name);
        out.int(subs.count(k));
    }
    if subs.is_empty() {
        c.subs = None;
    }
    Ok(())
}

/// ```text
/// SUBSCRIBE channel [channel ...]
/// ```
pub fn subscribe(ctx: &mut Ctx, c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
    subscribe_generic(ctx, c, a, out, Kind::Channel)
}

/// ```text
/// PSUBSCRIBE pattern [pattern ...]
/// ```
pub fn psubscribe(ctx: &mut Ctx, c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
    subscribe_generic(ctx, c, a, out, Kind::Pattern)
}

/// ```text
/// SSUBSCRIBE shardchannel [shardchannel ...]
/// ```
pub fn ssubscribe(ctx: &mut Ctx, c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
    subscribe_generic(ctx, c, a, out, Kind::Shard)
}

/// ```text
/// UNSUBSCRIBE [channel [channel ...]]
/// ```
pub fn unsubscribe(ctx: &mut Ctx, c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
    unsubscribe_generic(ctx, c, a, out, Kind::Channel)
}

/// ```text
/// PUNSUBSCRIBE [pattern [pattern ...]]
/// ```
pub fn punsubscribe(ctx: &mut Ctx, c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
    unsubscribe_generic(ctx, c, a, out, Kind::Pattern)
}

/// ```text
/// SUNSUBSCRIBE [shardchannel [shardchannel ...]]
/// ```
pub fn sunsubscribe(ctx: &mut Ctx, c: &mut ClientState, a: &[&[u8]], out: &mut Reply) -> R {
    unsubscribe_generic(ctx, c, a, out, Kind::Shard)
}

/// ```text
/// PUBLISH channel message
/// ```
/// Runs on every shard: delivers to this shard's channel and pattern subscribers.
pub fn publish(ctx: &mut Ctx, a: &[&[u8]], out: &mut Reply) -> R {
    let (channel, msg) = (a[1], a[2]);
    let mut n = 0;
    let reg = ctx.hooks.registry();
    let direct: Vec<u64> = reg.channels.get(channel).cloned().unwrap_or_default();
    let pats: Vec<(Vec<u8>, Vec<u64>)> = reg
        .patterns
        .iter()
        .filter(|(p, _)| glob_match(p, channel))
        .map(|(p, ids)| (p.clone(), ids.clone()))
        .collect();
    for id in direct {
        n += ctx.hooks.deliver(id, &Delivery::Message { channel, msg }) as i64;
    }
    for (pattern, ids) in &pats {
        for &id in ids {
            n += ctx.hooks.deliver(
                id,
                &Delivery::PMessage {
                    pattern,
                    channel,
                    msg,
                },
            ) as i64;
        }
    }
    out.int(n);
    Ok(())
}

/// ```text
/// SPUBLISH shardchannel message
/// ```
/// Standalone mode: runs on every shard, delivering to shard-channel subscribers.
pub fn spublish(ctx: &mut Ctx, a: &[&[u8]], out: &mut Reply) -> R {
    let (channel, msg) = (a[1], a[2]);
    let ids: Vec<u64> = ctx
        .hooks
        .registry()
        .shard
        .get(channel)
        .cloned()
        .unwrap_or_default();
    let mut n = 0;
    for id in ids {
        n += ctx.hooks.deliver(id, &Delivery::SMessage { channel, msg }) as i64;
    }
    out.int(n);
    Ok(())
}

/// Per shard: the names in one namespace (optionally matching a pattern), as an array.
fn names_part(ctx: &mut Ctx, a: &[&[u8]], out: &mut Reply, k: Kind) -> R {
    if a.len() > 3 {
        return Err(CmdError::WrongArity(format!(
            "pubsub|{}",
            String::from_utf8_lossy(a[1]).to_ascii_lowercase()
        )));
    }
    let pat = a.get(2).copied();
    let reg = ctx.hooks.registry();
    let names: Vec<Vec<u8>> = reg
        .map(k)
        .keys()
        .filter(|n| pat.is_none_or(|p| glob_match(p, n)))
        .cloned()
        .collect();
    out.array(names.len());
    for n in names {
        out.bulk(&n);
    }
    Ok(())
}

/// ```text
/// PUBSUB CHANNELS [pattern]
/// ```
pub fn pubsub_channels(ctx: &mut Ctx, a: &[&[u8]], out: &mut Reply) -> R {
    names_part(ctx, a, out, Kind::Channel)
}

/// ```text
/// PUBSUB SHARDCHANNELS [pattern]
/// ```
pub fn pubsub_shardchannels(ctx: &mut Ctx, a: &[&[u8]], out: &mut Reply) -> R {
    names_part(ctx, a, out, Kind::Shard)
}

/// ```text
/// PUBSUB NUMPAT
/// ```
/// Per shard: the patterns (the combiner counts distinct ones).
pub fn pubsub_numpat(ctx: &mut Ctx, _a: &[&[u8]], out: &mut Reply) -> R {
    let reg = ctx.hooks.registry();
    let pats: Vec<Vec<u8>> = reg.patterns.keys().cloned().collect();
    out.array(pats.len());
    for p in pats {
        out.bulk(&p);
    }
    Ok(())
}

fn numsub_part(ctx: &mut Ctx, a: &[&[u8]], out: &mut Reply, k: Kind) -> R {
    let reg = ctx.hooks.registry();
    let m = reg.map(k);
    out.array(a.len() - 2);
    for ch in &a[2..] {
        out.int(m.get(*ch).map_or(0, |v| v.len()) as i64);
    }
    Ok(())
}

/// ```text
/// PUBSUB NUMSUB [channel [channel ...]]
/// ```
pub fn pubsub_numsub(ctx: &mut Ctx, a: &[&[u8]], out: &mut Reply) -> R {
    numsub_part(ctx, a, out, Kind::Channel)
}

/// ```text
/// PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]
/// ```
pub fn pubsub_shardnumsub(ctx: &mut Ctx, a: &[&[u8]], out: &mut Reply) -> R {
    numsub_part(ctx, a, out, Kind::Shard)
}

fn first_error(parts: &[Vec<u8>], out: &mut Reply) -> bool {
    if let Some(e) = parts.iter().find(|p| p.first() == Some(&b'-')) {
        out.raw(e);
        return true;
    }
    false
}

fn part_arrays(parts: &[Vec<u8>]) -> Vec<Vec<RV>> {
    parts
        .iter()
        .filter_map(|p| match reply_parse::parse(p) {
            Some(RV::Array(v)) => Some(v),
            _ => None,
        })
        .collect()
}

/// Distinct names over all shards.
pub fn combine_names(
    _s: &Shared,
    _c: &ClientState,
    _a: &[&[u8]],
    parts: &[Vec<u8>],
    out: &mut Reply,
) {
    if first_error(parts, out) {
        return;
    }
    let mut all = BTreeSet::new();
    for arr in part_arrays(parts) {
        for v in arr {
            if let RV::Bulk(b) = v {
                all.insert(b);
            }
        }
    }
    out.array(all.len());
    for n in all {
        out.bulk(&n);
    }
}

/// Count of distinct patterns over all shards.
pub fn combine_numpat(
    _s: &Shared,
    _c: &ClientState,
    _a: &[&[u8]],
    parts: &[Vec<u8>],
    out: &mut Reply,
) {
    let mut all = BTreeSet::new();
    for arr in part_arrays(parts) {
        for v in arr {
            if let RV::Bulk(b) = v {
                all.insert(b);
            }
        }
    }
    out.int(all.len() as i64);
}

/// Per-channel counts summed over shards: a map channel → count (RESP2 flat array).
pub fn combine_numsub(
    _s: &Shared,
    _c: &ClientState,
    a: &[&[u8]],
    parts: &[Vec<u8>],
    out: &mut Reply,
) {
    let chans = &a[2..];
    let mut sums = vec![0i64; chans.len()];
    for arr in part_arrays(parts) {
        for (i, v) in arr.into_iter().enumerate() {
            if let (Some(s), RV::Int(n)) = (sums.get_mut(i), v) {
                *s += n;
            }
        }
    }
    out.map(chans.len());
    for (ch, n) in chans.iter().zip(sums) {
        out.bulk(ch);
        out.int(n);
    }
}

pub fn pubsub_help(_ctx: &mut Ctx, _c: &mut ClientState, _a: &[&[u8]], out: &mut Reply) -> R {
    super::keys::help_reply(
        out,
        "PUBSUB",
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    );
    Ok(())
}

use Exec::{All, Conn};

static PUBSUB_SUBS: &[CommandSpec] = &[
    c(
        "channels",
        -2,
        "pubsub loading stale",
        NOKEY,
        All(pubsub_channels, Combine::Custom(combine_names)),
        "pubsub",
        "2.8.0",
        "Returns the active channels.",
    ),
    c(
        "numpat",
        2,
        "pubsub loading stale",
        NOKEY,
        All(pubsub_numpat, Combine::Custom(combine_numpat)),
        "pubsub",
        "2.8.0",
        "Returns a count of unique pattern subscriptions.",
    ),
    c(
        "numsub",
        -2,
        "pubsub loading stale",
        NOKEY,
        All(pubsub_numsub, Combine::Custom(combine_numsub)),
        "pubsub",
        "2.8.0",
        "Returns a count of subscribers to channels.",
    ),
    c(
        "shardchannels",
        -2,
        "pubsub loading stale",
        NOKEY,
        All(pubsub_shardchannels, Combine::Custom(combine_names)),
        "pubsub",
        "7.0.0",
        "Returns the active shard channels.",
    ),
    c(
        "shardnumsub",
        -2,
        "pubsub loading stale",
        NOKEY,
        All(pubsub_shardnumsub, Combine::Custom(combine_numsub)),
        "pubsub",
        "7.0.0",
        "Returns the count of subscribers of shard channels.",
    ),
    c(
        "help",
        2,
        "loading stale",
        NOKEY,
        Conn(pubsub_help),
        "pubsub",
        "6.2.0",
        "Returns helpful text about the different subcommands.",
    ),
];

/// This family's commands.
pub static COMMANDS: &[CommandSpec] = &[
    c(
        "subscribe",
        -2,
        "pubsub noscript loading stale",
        NOKEY,
        Conn(subscribe),
        "pubsub",
        "2.0.0",
        "Listens for messages published to channels.",
    ),
    c(
        "unsubscribe",
        -1,
        "pubsub noscript loading stale",
        NOKEY,
        Conn(unsubscribe),
        "pubsub",
        "2.0.0",
        "Stops listening to messages posted to channels.",
    ),
    c(
        "psubscribe",
        -2,
        "pubsub noscript loading stale",
        NOKEY,
        Conn(psubscribe),
        "pubsub",
        "2.0.0",
        "Listens for messages published to channels that match one or more patterns.",
    ),
    c(
        "punsubscribe",
        -1,
        "pubsub noscript loading stale",
        NOKEY,
        Conn(punsubscribe),
        "pubsub",
        "2.0.0",
        "Stops listening to messages published to channels that match one or more patterns.",
    ),
    c(
        "ssubscribe",
        -2,
        "pubsub noscript loading stale",
        (1, -1, 1),
        Conn(ssubscribe),
        "pubsub",
        "7.0.0",
        "Listens for messages published to shard channels.",
    )
    .routed(RouteKind::ShardChannel),
    c(
        "sunsubscribe",
        -1,
        "pubsub noscript loading stale",
        (1, -1, 1),
        Conn(sunsubscribe),
        "pubsub",
        "7.0.0",
        "Stops listening to messages posted to shard channels.",
    )
    .routed(RouteKind::ShardChannel),
    c(
        "publish",
        3,
        "pubsub loading stale fast may_replicate sentinel",
        NOKEY,
        All(publish, Combine::SumInt),
        "pubsub",
        "2.0.0",
        "Posts a message to a channel.",
    )
    .published(false),
    c(
        "spublish",
        3,
        "pubsub loading stale fast may_replicate",
        (1, 1, 1),
        All(spublish, Combine::SumInt),
        "pubsub",
        "7.0.0",
        "Post a message to a shard channel",
    )
    .routed(RouteKind::ShardChannel)
    .published(true),
    container(
        "pubsub",
        "pubsub",
        "2.8.0",
        "A container for Pub/Sub commands.",
        PUBSUB_SUBS,
    ),
];
