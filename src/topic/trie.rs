//! The subscription router: which clients want a message published to a topic.

use core::hash::Hash;
use core::mem;
use core::num::NonZeroU32;
use std::collections::{BTreeMap, HashMap};

use super::atoms::{packed, Atom, Atoms, NO_ATOM};
use super::edges::{Children, Edges, NodeId};
use super::error::TopicError;
use super::exact::ExactFilters;
use super::payload::{Payload, Sub};
use super::subscription::{Entry, Match, SubscribeOutcome, Subscription};
use super::validate::parse_topic_filter;
use super::words::{find_byte, splat, zero_bytes};
use crate::codec::SubscriptionOptions;

const ROOT: NodeId = 0;

/// How a node reaches its children: what a lookup reads at every node it passes, kept
/// apart from the subscriptions so the walk touches few cache lines (20 bytes, three
/// nodes to a line). `+` and `#` children have their own fields so a lookup never
/// searches for a wildcard.
#[derive(Debug, Default)]
struct Links {
    exact: Children,
    plus: Option<Child>,
    hash: Option<Child>,
}

/// A child's [`NodeId`]; never the root, so never 0, which keeps `Option<Child>` at four
/// bytes.
type Child = NonZeroU32;

/// One client's subscriptions.
#[derive(Debug, Default)]
struct ClientSubs {
    /// By full filter text (`$share/…` included).
    filters: BTreeMap<Box<str>, Entry>,
    /// How many of them are ordinary (not shared).
    ordinary: usize,
}

/// Whether a valid filter is an ordinary one (not `$share/…`).
fn is_ordinary(filter: &str) -> bool {
    parse_topic_filter(filter).is_ok_and(|p| p.share_name.is_none())
}

/// Buffers a lookup reuses, so that once they have grown a lookup allocates nothing.
#[derive(Debug)]
struct Scratch<C> {
    /// The topic's levels, as atoms.
    levels: Levels,
    /// Trie nodes still to visit, with the index of the topic level to match next
    /// (the number of levels once the topic has ended).
    stack: Vec<(NodeId, usize)>,
    /// Trie nodes whose ordinary subscriptions match.
    sources: Vec<NodeId>,
    /// Subscriptions of clients with several, to merge by client.
    found: Vec<(C, Entry)>,
    /// Members picked from shared groups.
    picked: Vec<(C, Entry)>,
    /// The identifier list lent to [`Router::for_each_match`]'s match.
    identifiers: Vec<u32>,
}

impl<C> Default for Scratch<C> {
    fn default() -> Self {
        Scratch {
            levels: Levels::default(),
            stack: Vec::new(),
            sources: Vec::new(),
            found: Vec::new(),
            picked: Vec::new(),
            identifiers: Vec::new(),
        }
    }
}

/// The subscriptions of all clients.
///
/// `C` is the broker's handle for a client (a `u32` or `u64` index, say).
///
/// Filters without wildcards (most of them, in most deployments) are kept in one hash
/// map by their text, so a topic's own subscribers are one hash lookup away. Filters
/// with `+` or `#` form a trie of levels: its nodes live in vectors and are reused,
/// level texts are interned so a topic level is hashed once per lookup however many
/// branches it is compared in, and lookups walk with an explicit stack, so a matching
/// run allocates nothing once its buffers have grown, and a filter with 30,000 levels
/// cannot overflow the call stack. Each client's list of filters is kept apart, in a
/// map used only to list and remove them, so lookups read only the routing data.
///
/// The map's hash is a fast unkeyed one: a client that chooses
/// thousands of colliding filters slows the lookups of those filters down. This router
/// serves a page or a small broker, not the open internet.
#[derive(Debug)]
pub struct Router<C> {
    /// Filters without wildcards, by their text (`a/b` for `$share/g/a/b` too).
    exact: ExactFilters<C>,
    /// The trie of filters with wildcards: each node's links and subscriptions, by
    /// [`NodeId`]; nodes freed on unsubscribe are reused.
    links: Vec<Links>,
    payload: Vec<Payload<C>>,
    free: Vec<NodeId>,
    /// The exact children of nodes with several.
    edges: Edges,
    atoms: Atoms,
    /// How many filters in the trie have each number of levels (`#` included), up to
    /// the deepest: a lookup splits a topic no deeper than that.
    depths: Vec<usize>,
    /// Every client's subscriptions, for listing them, removing them all, and keeping
    /// [`Sub::merge`] right.
    clients: HashMap<C, ClientSubs>,
    subscriptions: usize,
    scratch: Scratch<C>,
}

impl<C: Copy + Eq + Hash + Ord> Default for Router<C> {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether a valid filter has a wildcard level.
fn has_wildcard(filter: &str) -> bool {
    filter.bytes().any(|b| b == b'+' || b == b'#')
}

impl<C: Copy + Eq + Hash + Ord> Router<C> {
    /// An empty router.
    pub fn new() -> Self {
        Router {
            exact: ExactFilters::default(),
            links: vec![Links::default()],
            payload: vec![Payload::default()],
            free: Vec::new(),
            edges: Edges::default(),
            atoms: Atoms::default(),
            depths: Vec::new(),
            clients: HashMap::new(),
            subscriptions: 0,
            scratch: Scratch::default(),
        }
    }

    /// Adds `client`'s subscription to `filter`, or replaces its options and identifier
    /// if the client already has that exact filter [MQTT-3.8.4-3]. An identifier of 0,
    /// which no SUBSCRIBE may carry [MQTT-3.8.2-?], counts as none.
    ///
    /// A filter `$share/{ShareName}/{filter}` makes the client a member of that shared
    /// group. Fails, changing nothing, if the filter is invalid.
    pub fn subscribe(
        &mut self,
        client: C,
        filter: &str,
        options: SubscriptionOptions,
        subscription_identifier: Option<u32>,
    ) -> Result<SubscribeOutcome, TopicError> {
        let parsed = parse_topic_filter(filter)?;
        let entry = Entry {
            options,
            identifier: subscription_identifier.and_then(NonZeroU32::new),
        };
        let record = self.clients.get(&client);
        let ordinary = record.map_or(0, |r| r.ordinary);
        let known = record.is_some_and(|r| r.filters.contains_key(filter));
        let payload = self.payload_or_create(parsed.filter);
        let outcome = match parsed.share_name {
            None => payload.subscribe(client, entry, ordinary + usize::from(!known) > 1),
            Some(name) => payload.join(name, client, entry),
        };
        if outcome.is_new() {
            self.subscriptions += 1;
            if has_wildcard(parsed.filter) {
                self.count_depth(parsed.filter, true);
            }
        }
        let record = self.clients.entry(client).or_default();
        record.filters.insert(filter.into(), entry);
        if parsed.share_name.is_none() && outcome.is_new() {
            record.ordinary += 1;
            if record.ordinary == 2 {
                // The client's first ordinary subscription must now be merged too.
                self.set_merge_of_the_other(client, filter, true);
            }
        }
        Ok(outcome)
    }

    /// Removes `client`'s subscription to exactly `filter` (as it was subscribed,
    /// `$share/…` included). Returns whether there was one. Nodes left empty are freed.
    pub fn unsubscribe(&mut self, client: C, filter: &str) -> bool {
        if !self.remove_from_routes(client, filter) {
            return false;
        }
        let Some(record) = self.clients.get_mut(&client) else {
            return true;
        };
        record.filters.remove(filter);
        if record.filters.is_empty() {
            self.clients.remove(&client);
        } else if is_ordinary(filter) {
            record.ordinary -= 1;
            if record.ordinary == 1 {
                // The one left matches alone again.
                self.set_merge_of_the_other(client, filter, false);
            }
        }
        true
    }

    /// Sets [`Sub::merge`] on `client`'s ordinary subscription other than `filter`,
    /// when it has exactly one other.
    fn set_merge_of_the_other(&mut self, client: C, filter: &str, merge: bool) {
        let Some(record) = self.clients.get(&client) else {
            return;
        };
        let Some(other) = record
            .filters
            .keys()
            .find(|f| &***f != filter && is_ordinary(f))
        else {
            return;
        };
        let other = other.clone();
        if let Some(p) = self.payload_mut(&other) {
            p.set_merge(client, merge);
        }
    }

    /// Removes every subscription of `client` (when its session ends). Returns how
    /// many there were.
    pub fn unsubscribe_all(&mut self, client: C) -> usize {
        let Some(record) = self.clients.remove(&client) else {
            return 0;
        };
        for filter in record.filters.keys() {
            self.remove_from_routes(client, filter);
        }
        record.filters.len()
    }

    /// The clients to deliver a message published to `topic` to; see [`Match`] for how
    /// overlapping subscriptions combine. Moves on the turn of every shared group that
    /// matches.
    pub fn matches(&mut self, topic: &str) -> Vec<Match<C>> {
        let mut out = Vec::new();
        self.matches_into(topic, &mut out);
        out
    }

    /// [`Router::matches`] into a buffer the caller reuses: `out` is cleared, then
    /// filled with the ordinary matches followed by the shared ones. Ordinary matches
    /// come in a fixed order: first those of clients with a single ordinary
    /// subscription, as the lookup finds them, then the others sorted by client. The
    /// matches already in `out` are overwritten in place, so their identifier lists'
    /// memory is reused.
    ///
    /// `topic` should be a valid topic name (see
    /// [`validate_topic_name`](super::validate_topic_name)); it is not checked here.
    pub fn matches_into(&mut self, topic: &str, out: &mut Vec<Match<C>>) {
        self.lookup(topic, |found, _| {
            let mut n = 0;
            found.for_each_single(|s| put(out, &mut n, s.client, s.entry, false));
            let several = found.several;
            for (i, &(client, entry)) in several.iter().enumerate() {
                if i > 0 && several[i - 1].0 == client {
                    out[n - 1].merge(entry);
                } else {
                    put(out, &mut n, client, entry, false);
                }
            }
            for &(client, entry) in found.picked {
                put(out, &mut n, client, entry, true);
            }
            out.truncate(n);
        })
    }

    /// Calls `f` with each match [`Router::matches`] would return, in the same order,
    /// without building a vector: the fastest way to route a message. Moves on the
    /// turn of every shared group that matches.
    ///
    /// `topic` should be a valid topic name; it is not checked here.
    pub fn for_each_match(&mut self, topic: &str, mut f: impl FnMut(&Match<C>)) {
        self.lookup(topic, |found, identifiers| {
            let mut current: Option<Match<C>> = None;
            found.for_each_single(|s| {
                f(start(&mut current, identifiers, s.client, s.entry, false));
            });
            let several = found.several;
            for (i, &(client, entry)) in several.iter().enumerate() {
                match &mut current {
                    Some(m) if i > 0 && several[i - 1].0 == client => m.merge(entry),
                    _ => {
                        if let (true, Some(m)) = (i > 0, &current) {
                            f(m);
                        }
                        start(&mut current, identifiers, client, entry, false);
                    }
                }
            }
            if let (false, Some(m)) = (several.is_empty(), &current) {
                f(m);
            }
            for &(client, entry) in found.picked {
                f(start(&mut current, identifiers, client, entry, true));
            }
            if let Some(m) = current {
                *identifiers = m.subscription_identifiers;
            }
        })
    }

    /// Appends to `out` the client of each match [`Router::matches`] would return, in
    /// the same order, and returns how many there were: the lookup without the
    /// options, for callers that only need to know who receives. Moves on the turn of
    /// every shared group that matches.
    ///
    /// `topic` should be a valid topic name; it is not checked here.
    pub fn clients_into(&mut self, topic: &str, out: &mut Vec<C>) -> usize {
        self.lookup(topic, |found, _| {
            let n = found.len();
            out.reserve(n);
            found.for_each_single(|s| out.push(s.client));
            let several = found.several;
            for (i, &(client, _)) in several.iter().enumerate() {
                if i == 0 || several[i - 1].0 != client {
                    out.push(client);
                }
            }
            out.extend(found.picked.iter().map(|&(client, _)| client));
            n
        })
    }

    /// How many matches [`Router::matches`] would return (clients with ordinary
    /// subscriptions, plus one per shared group), without building them. Moves on the
    /// turn of every shared group that matches.
    ///
    /// `topic` should be a valid topic name; it is not checked here.
    pub fn match_count(&mut self, topic: &str) -> usize {
        self.lookup(topic, |found, _| found.len())
    }

    /// Finds what matches `topic` and hands it to `finish`, with a spare identifier
    /// list.
    #[inline]
    fn lookup<R>(
        &mut self,
        topic: &str,
        finish: impl FnOnce(&Found<'_, C>, &mut Vec<u32>) -> R,
    ) -> R {
        let Router {
            exact,
            links,
            payload,
            edges,
            atoms,
            depths,
            scratch,
            ..
        } = self;
        let Scratch {
            levels,
            stack,
            sources,
            found,
            picked,
            identifiers,
        } = scratch;
        picked.clear();
        sources.clear();
        let own: &[Sub<C>] = match exact.get_mut(topic) {
            Some(p) => {
                for group in p.groups_mut() {
                    picked.extend(group.pick());
                }
                p.subs()
            }
            None => &[],
        };
        if !links[ROOT as usize].is_leaf() {
            let trie = Trie {
                links,
                edges,
                atoms,
                depth: depths.len(),
            };
            walk(&trie, payload, topic, levels, stack, sources, picked);
        }
        let payload: &[Payload<C>] = payload;
        // Set aside the subscriptions of clients with several, to be merged by client.
        found.clear();
        let mut singles = 0;
        for list in core::iter::once(own).chain(sources.iter().map(|&s| payload[s as usize].subs()))
        {
            for s in list {
                if s.merge {
                    found.push((s.client, s.entry));
                } else {
                    singles += 1;
                }
            }
        }
        if found.len() > 1 {
            found.sort_unstable_by_key(|&(client, _)| client);
        }
        let found = Found {
            own,
            payload,
            sources,
            singles,
            several: found,
            picked,
        };
        finish(&found, identifiers)
    }

    /// How many subscriptions there are (each shared group member counts once).
    pub fn subscription_count(&self) -> usize {
        self.subscriptions
    }

    /// Whether there are no subscriptions.
    pub fn is_empty(&self) -> bool {
        self.subscriptions == 0
    }

    /// How many places hold subscriptions or lead to them: the filters without
    /// wildcards, plus the trie nodes in use for the others (not counting the root).
    /// 0 when empty, and back to 0 after every subscription is removed.
    pub fn node_count(&self) -> usize {
        self.exact.len() + self.links.len() - self.free.len() - 1
    }

    /// The subscriptions of `client`, sorted by filter, for display.
    pub fn subscriptions_of(&self, client: C) -> Vec<Subscription> {
        self.clients.get(&client).map_or_else(Vec::new, |record| {
            record
                .filters
                .iter()
                .map(|(filter, entry)| Subscription {
                    filter: filter.to_string(),
                    options: entry.options,
                    subscription_identifier: entry.identifier.map(NonZeroU32::get),
                })
                .collect()
        })
    }

    /// The clients with at least one subscription.
    pub fn client_count(&self) -> usize {
        self.clients.len()
    }

    /// Where the subscriptions to `filter` (without `$share/…`) are stored, created
    /// if need be.
    fn payload_or_create(&mut self, filter: &str) -> &mut Payload<C> {
        if !has_wildcard(filter) {
            return self.exact.get_or_insert(filter);
        }
        let mut node = ROOT;
        for level in filter.split('/') {
            node = self.child_or_create(node, level);
        }
        &mut self.payload[node as usize]
    }

    /// Where the subscriptions to the filter `full` (`$share/…` allowed) are stored,
    /// if anywhere.
    fn payload_mut(&mut self, full: &str) -> Option<&mut Payload<C>> {
        let filter = parse_topic_filter(full).ok()?.filter;
        if !has_wildcard(filter) {
            return self.exact.get_mut(filter);
        }
        let mut node = ROOT;
        for level in filter.split('/') {
            node = self.child(node, level)?;
        }
        Some(&mut self.payload[node as usize])
    }

    /// The child of `parent` for filter level `level`, if there is one.
    fn child(&self, parent: NodeId, level: &str) -> Option<NodeId> {
        let links = &self.links[parent as usize];
        match level {
            "+" => links.plus.map(Child::get),
            "#" => links.hash.map(Child::get),
            _ => links
                .exact
                .get(parent, self.atoms.get(level.as_bytes())?, &self.edges),
        }
    }

    fn child_or_create(&mut self, parent: NodeId, level: &str) -> NodeId {
        if let Some(child) = self.child(parent, level) {
            return child;
        }
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                let id = NodeId::try_from(self.links.len()).expect("fewer than 2^32 trie nodes");
                self.links.push(Links::default());
                self.payload.push(Payload::default());
                id
            }
        };
        let p = &mut self.links[parent as usize];
        match level {
            "+" => p.plus = Child::new(id),
            "#" => p.hash = Child::new(id),
            _ => {
                let atom = self.atoms.acquire(level.as_bytes());
                p.exact.insert(parent, atom, id, &mut self.edges);
            }
        }
        id
    }

    /// Removes the subscription from the routing data only (not from `clients`),
    /// then frees what it leaves empty: the filter's map entry, or its trie nodes from
    /// the leaf up.
    fn remove_from_routes(&mut self, client: C, filter: &str) -> bool {
        let Ok(parsed) = parse_topic_filter(filter) else {
            return false;
        };
        let remove = |p: &mut Payload<C>| match parsed.share_name {
            None => p.unsubscribe(client),
            Some(name) => p.leave(name, client),
        };
        if !has_wildcard(parsed.filter) {
            let Some(p) = self.exact.get_mut(parsed.filter) else {
                return false;
            };
            if !remove(p) {
                return false;
            }
            if p.is_empty() {
                self.exact.remove(parsed.filter);
            }
            self.subscriptions -= 1;
            return true;
        }
        let mut path: Vec<(NodeId, &str)> = Vec::new();
        let mut node = ROOT;
        for level in parsed.filter.split('/') {
            let Some(child) = self.child(node, level) else {
                return false;
            };
            path.push((node, level));
            node = child;
        }
        if !remove(&mut self.payload[node as usize]) {
            return false;
        }
        self.subscriptions -= 1;
        self.count_depth(parsed.filter, false);
        while let Some((parent, level)) = path.pop() {
            if !self.is_unused(node) {
                break;
            }
            let p = &mut self.links[parent as usize];
            match level {
                "+" => p.plus = None,
                "#" => p.hash = None,
                _ => {
                    let level = level.as_bytes();
                    let atom = self.atoms.get(level).expect("an edge's level is interned");
                    p.exact.remove(parent, atom, &mut self.edges);
                    self.atoms.release(level, atom);
                }
            }
            // Drop the node's vectors now rather than keep their memory on the free list.
            self.links[node as usize] = Links::default();
            self.payload[node as usize] = Payload::default();
            self.free.push(node);
            node = parent;
        }
        true
    }

    /// Counts a subscription to the wildcard `filter` in or out of [`Router::depths`].
    fn count_depth(&mut self, filter: &str, added: bool) {
        let levels = 1 + filter.bytes().filter(|&b| b == b'/').count();
        if added {
            if self.depths.len() < levels {
                self.depths.resize(levels, 0);
            }
            self.depths[levels - 1] += 1;
        } else {
            self.depths[levels - 1] -= 1;
            while self.depths.last() == Some(&0) {
                self.depths.pop();
            }
        }
    }

    /// Whether a trie node has neither children nor subscriptions.
    fn is_unused(&self, id: NodeId) -> bool {
        self.links[id as usize].is_leaf() && self.payload[id as usize].is_empty()
    }
}

impl Links {
    /// Whether the node has no children.
    fn is_leaf(&self) -> bool {
        self.exact.is_empty() && self.plus.is_none() && self.hash.is_none()
    }
}

/// What a walk reads: the trie's links and edges, the level atoms, and how many
/// levels the deepest filter has.
struct Trie<'a> {
    links: &'a [Links],
    edges: &'a Edges,
    atoms: &'a Atoms,
    depth: usize,
}

/// Walks the trie of wildcard filters for `topic`: nodes with ordinary subscriptions
/// go to `sources`, and one member of each shared group to `picked`, in the order
/// the walk meets them.
fn walk<C: Copy + Ord>(
    trie: &Trie<'_>,
    payload: &mut [Payload<C>],
    topic: &str,
    levels: &mut Levels,
    stack: &mut Vec<(NodeId, usize)>,
    sources: &mut Vec<NodeId>,
    picked: &mut Vec<(C, Entry)>,
) {
    stack.clear();
    sources.clear();
    let mut visit = |id: NodeId| {
        let p = &mut payload[id as usize];
        if !p.subs().is_empty() {
            sources.push(id);
        }
        for group in p.groups_mut() {
            picked.extend(group.pick());
        }
    };
    levels.split(trie.atoms, topic.as_bytes(), trie.depth);
    let (atoms, ended) = (&levels.atoms[..], levels.ended);
    // [MQTT-4.7.2-1]: no wildcard at the first level matches a '$' topic.
    let dollar = topic.starts_with('$');
    let mut next = Some((ROOT, 0));
    // Depth first: follow the exact child straight down, keeping `+` branches on the
    // stack for later.
    while let Some((mut id, mut at)) = next.take().or_else(|| stack.pop()) {
        loop {
            let node = &trie.links[id as usize];
            let level = match atoms.get(at) {
                Some(&atom) => atom,
                None if ended => {
                    // The topic ended at this node: its own subscriptions match, and
                    // so do those of a `#` below it ("sport/#" matches "sport").
                    visit(id);
                    if let Some(h) = node.hash {
                        visit(h.get());
                    }
                    break;
                }
                // Deeper than any filter: only a `#` above can match, and it has.
                None => break,
            };
            if !(dollar && at == 0) {
                if let Some(plus) = node.plus {
                    stack.push((plus.get(), at + 1));
                }
                if let Some(h) = node.hash {
                    visit(h.get());
                }
            }
            match node.exact.get(id, level, trie.edges) {
                Some(child) => {
                    id = child;
                    at += 1;
                }
                None => break,
            }
        }
    }
}

/// A topic's levels as atoms ([`NO_ATOM`] for a text no filter uses, which no child
/// has), split only as deep as the deepest filter reaches: a topic of 30,000 levels
/// against shallow filters costs no more than a short one.
#[derive(Debug, Default)]
struct Levels {
    atoms: Vec<Atom>,
    /// Whether `atoms` holds every level of the topic.
    ended: bool,
}

impl Levels {
    /// Splits `topic` into its first `depth` levels at most.
    #[inline(never)]
    fn split(&mut self, atoms: &Atoms, topic: &[u8], depth: usize) {
        self.atoms.clear();
        let mut start = 0;
        while self.atoms.len() < depth {
            // Most levels are short: the eight bytes loaded to find the '/' that ends
            // one are its packed text too.
            let word = topic
                .get(start..start + 8)
                .map(|w| u64::from_le_bytes(w.try_into().expect("8 bytes")));
            let slash = word.map_or(0, |w| zero_bytes(w ^ splat(b'/')));
            let (end, atom) = match word {
                Some(w) if slash != 0 => {
                    let n = slash.trailing_zeros() as usize / 8;
                    let text = w & !(u64::MAX << (8 * n));
                    (start + n, atoms.get_packed(packed(text, 0, n)))
                }
                _ => {
                    let end = start + find_byte(&topic[start..], b'/');
                    (end, atoms.get(&topic[start..end]))
                }
            };
            self.atoms.push(atom.unwrap_or(NO_ATOM));
            if end == topic.len() {
                self.ended = true;
                return;
            }
            start = end + 1;
        }
        self.ended = false;
    }
}

/// What a lookup found.
struct Found<'a, C> {
    /// The subscriptions of the topic's own filter (no wildcard).
    own: &'a [Sub<C>],
    payload: &'a [Payload<C>],
    /// The trie nodes whose subscriptions match, in the order the walk met them.
    sources: &'a [NodeId],
    /// How many of the matching subscriptions are of clients with only one: the
    /// matches that need no merging.
    singles: usize,
    /// The matching subscriptions of clients that have several, sorted by client so
    /// each client's are together.
    several: &'a [(C, Entry)],
    /// The members picked from shared groups, in the order the lookup met them.
    picked: &'a [(C, Entry)],
}

impl<C: Copy + Ord> Found<'_, C> {
    /// Calls `f` with each matching subscription of a client with only one, in the
    /// order found.
    #[inline(always)]
    fn for_each_single(&self, mut f: impl FnMut(&Sub<C>)) {
        let mut each = |list: &[Sub<C>]| {
            for s in list {
                if !s.merge {
                    f(s);
                }
            }
        };
        each(self.own);
        for &id in self.sources {
            each(self.payload[id as usize].subs());
        }
    }

    /// How many matches there are: one per client (with ordinary subscriptions) and
    /// one per shared group.
    fn len(&self) -> usize {
        let several = self.several;
        let merged = (0..several.len())
            .filter(|&i| i == 0 || several[i - 1].0 != several[i].0)
            .count();
        self.singles + merged + self.picked.len()
    }
}

/// Makes `current` the match for this subscription, reusing its memory (or `spare`'s
/// for the first).
fn start<'m, C>(
    current: &'m mut Option<Match<C>>,
    spare: &mut Vec<u32>,
    client: C,
    entry: Entry,
    shared: bool,
) -> &'m mut Match<C> {
    match current {
        Some(m) => {
            m.reset(client, entry, shared);
            m
        }
        None => current.insert(Match::with_identifiers(
            client,
            entry,
            shared,
            mem::take(spare),
        )),
    }
}

/// Writes the `n`th match of a lookup into `out`, over a stale one if there is one.
#[inline]
fn put<C>(out: &mut Vec<Match<C>>, n: &mut usize, client: C, entry: Entry, shared: bool) {
    match out.get_mut(*n) {
        Some(m) => m.reset(client, entry, shared),
        None => out.push(Match::new(client, entry, shared)),
    }
    *n += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_freed_nodes_instead_of_growing() {
        let mut r = Router::<u32>::new();
        let opts = SubscriptionOptions::default();
        for round in 0..100 {
            for c in 0..10 {
                r.subscribe(c, &format!("a/{round}/+/x/#"), opts, None)
                    .unwrap();
            }
            for c in 0..10 {
                assert!(r.unsubscribe(c, &format!("a/{round}/+/x/#")));
            }
        }
        assert_eq!(r.node_count(), 0);
        // The arena never held more than one round's nodes (a, round, +, x, #) plus the root.
        assert_eq!(r.links.len(), 6);
    }

    #[test]
    fn only_clients_with_several_ordinary_subscriptions_are_merged() {
        let mut r = Router::<u32>::new();
        let o = SubscriptionOptions::default();
        let merge = |r: &mut Router<u32>, f: &str| r.payload_mut(f).unwrap().subs()[0].merge;
        r.subscribe(1, "a/+", o, None).unwrap();
        r.subscribe(1, "$share/g/a/b", o, None).unwrap();
        assert!(!merge(&mut r, "a/+"), "a shared membership is never merged");
        r.subscribe(1, "a/b", o, None).unwrap();
        assert!(merge(&mut r, "a/+") && merge(&mut r, "a/b"));
        r.subscribe(1, "a/b", o, Some(3)).unwrap();
        assert!(merge(&mut r, "a/+") && merge(&mut r, "a/b"));
        assert!(r.unsubscribe(1, "a/b"));
        assert!(!merge(&mut r, "a/+"));
        assert!(r.unsubscribe(1, "$share/g/a/b"));
        assert!(!merge(&mut r, "a/+"));
        r.subscribe(1, "#", o, None).unwrap();
        assert!(merge(&mut r, "a/+") && merge(&mut r, "#"));
        assert_eq!(r.unsubscribe_all(1), 2);
        assert_eq!(r.node_count(), 0);
    }

    #[test]
    fn deep_filters_do_not_overflow_the_stack() {
        let mut r = Router::<u32>::new();
        let filter = vec!["+"; 30_000].join("/");
        r.subscribe(1, &filter, SubscriptionOptions::default(), None)
            .unwrap();
        let topic = "/".repeat(29_999);
        assert_eq!(r.matches(&topic).len(), 1);
        assert!(r.unsubscribe(1, &filter));
        assert_eq!(r.node_count(), 0);
    }

    #[test]
    fn every_lookup_entry_point_gives_the_same_matches() {
        let mut a = Router::<u32>::new();
        let mut b = Router::<u32>::new();
        let mut c = Router::<u32>::new();
        let filters = [
            "a/+/c",
            "a/b/#",
            "#",
            "+/b/c",
            "a/b/c",
            "$share/g/a/#",
            "$share/h/+/b/+",
        ];
        for (i, f) in filters.iter().enumerate() {
            for client in 0..4u32 {
                if !(i as u32 + client).is_multiple_of(3) {
                    let id = Some(client * 10 + i as u32).filter(|_| client.is_multiple_of(2));
                    let opts = SubscriptionOptions::default();
                    a.subscribe(client, f, opts, id).unwrap();
                    b.subscribe(client, f, opts, id).unwrap();
                    c.subscribe(client, f, opts, id).unwrap();
                }
            }
        }
        let mut out = Vec::new();
        for topic in ["a/b/c", "a/b", "a", "x/b/c", "a/x/c", "$SYS/b/c", "a/b/c/d"] {
            // The two routers move their shared groups' turns in step.
            a.matches_into(topic, &mut out);
            let mut each = Vec::new();
            b.for_each_match(topic, |m| each.push(m.clone()));
            assert_eq!(out, each, "{topic}");
            let mut clients = vec![99];
            assert_eq!(c.clients_into(topic, &mut clients), out.len(), "{topic}");
            let want: Vec<u32> = out.iter().map(|m| m.client).collect();
            assert_eq!(clients[1..], want, "{topic}");
            let counts = (a.match_count(topic), b.match_count(topic));
            assert_eq!(counts, (out.len(), out.len()), "{topic}");
            c.match_count(topic);
        }
    }
}
