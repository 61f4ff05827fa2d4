//! The subscription trie: which clients want a message published to a topic.

use core::hash::Hash;
use core::mem;
use core::num::NonZeroU32;
use std::collections::{BTreeMap, HashMap};

use super::atoms::{Atom, Atoms, Children};
use super::error::TopicError;
use super::shared::SharedGroup;
use super::subscription::{Entry, Match, SubscribeOutcome, Subscription};
use super::validate::parse_topic_filter;
use crate::codec::SubscriptionOptions;

/// Index of a node in [`Router::links`] and [`Router::payload`]. Four billion nodes
/// would need far more memory than a page has, so `u32` keeps nodes small.
type NodeId = u32;

const ROOT: NodeId = 0;

/// How a node reaches its children: what a lookup reads at every node it passes, kept
/// apart from the subscriptions so the walk touches few cache lines. `+` and `#`
/// children have their own fields so a lookup never searches for a wildcard.
#[derive(Debug, Default)]
struct Links {
    exact: Children<NodeId>,
    plus: Option<Child>,
    hash: Option<Child>,
}

/// A child's [`NodeId`]; never the root, so never 0, which keeps `Option<Child>` at four
/// bytes and [`Links`] at half a cache line.
type Child = NonZeroU32;

/// The subscriptions whose filter ends at a node.
#[derive(Debug)]
struct Payload<C> {
    /// Ordinary subscriptions, sorted by client.
    subs: Vec<(C, Entry)>,
    /// Shared subscription groups.
    shared: Vec<SharedGroup<C>>,
}

impl<C> Default for Payload<C> {
    fn default() -> Self {
        Payload {
            subs: Vec::new(),
            shared: Vec::new(),
        }
    }
}

/// One level of the topic being looked up: where its text ends, and its atom (`None`
/// when no filter has that text).
#[derive(Debug, Clone, Copy)]
struct Level {
    end: usize,
    atom: Option<Atom>,
}

/// The subscriptions of all clients, as a trie of filter levels.
///
/// `C` is the broker's handle for a client (a `u32` or `u64` index, say). Nodes live
/// in vectors and are reused, level texts are interned so a topic level is hashed
/// once per lookup however many branches it is compared in, and lookups walk with an
/// explicit stack kept between calls, so a matching run allocates nothing once its
/// buffers have grown, and a filter with 30,000 levels cannot overflow the call stack.
#[derive(Debug)]
pub struct Router<C> {
    links: Vec<Links>,
    payload: Vec<Payload<C>>,
    free: Vec<NodeId>,
    atoms: Atoms,
    /// Every client's subscriptions by full filter text, for listing and unsubscribe_all.
    clients: HashMap<C, BTreeMap<Box<str>, Entry>>,
    subscriptions: usize,
    /// Lookup scratch: the topic's levels, split as deep as the walk has gone.
    levels: Vec<Level>,
    /// Lookup scratch: nodes still to visit, with the index of the topic level to
    /// match next (the number of levels once the topic has ended).
    stack: Vec<(NodeId, usize)>,
    /// Lookup scratch: nodes whose ordinary subscriptions match.
    sources: Vec<NodeId>,
    /// Lookup scratch: ordinary subscriptions from several nodes, merged by client
    /// (with a second buffer to merge into).
    found: Vec<(C, Entry)>,
    spare: Vec<(C, Entry)>,
    /// Lookup scratch: members picked from shared groups.
    picked: Vec<(C, Entry)>,
    /// Lookup scratch: the identifier list lent to [`Router::for_each_match`]'s match.
    identifiers: Vec<u32>,
}

impl<C: Copy + Eq + Hash + Ord> Default for Router<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Copy + Eq + Hash + Ord> Router<C> {
    /// An empty router.
    pub fn new() -> Self {
        Router {
            links: vec![Links::default()],
            payload: vec![Payload::default()],
            free: Vec::new(),
            atoms: Atoms::default(),
            clients: HashMap::new(),
            subscriptions: 0,
            levels: Vec::new(),
            stack: Vec::new(),
            sources: Vec::new(),
            found: Vec::new(),
            spare: Vec::new(),
            picked: Vec::new(),
            identifiers: Vec::new(),
        }
    }

    /// Adds `client`'s subscription to `filter`, or replaces its options and identifier
    /// if the client already has that exact filter [MQTT-3.8.4-3].
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
            identifier: subscription_identifier,
        };
        let mut node = ROOT;
        for level in parsed.filter.split('/') {
            node = self.child_or_create(node, level);
        }
        let node = &mut self.payload[node as usize];
        let outcome = match parsed.share_name {
            None => match node.subs.binary_search_by_key(&client, |(c, _)| *c) {
                Ok(at) => {
                    let previous = node.subs[at].1.options;
                    node.subs[at].1 = entry;
                    SubscribeOutcome::Replaced { previous }
                }
                Err(at) => {
                    node.subs.insert(at, (client, entry));
                    SubscribeOutcome::New
                }
            },
            Some(name) => {
                let at = match node.shared.iter().position(|g| &*g.name == name) {
                    Some(at) => at,
                    None => {
                        node.shared.push(SharedGroup::new(name));
                        node.shared.len() - 1
                    }
                };
                node.shared[at].join(client, entry)
            }
        };
        if outcome.is_new() {
            self.subscriptions += 1;
        }
        self.clients
            .entry(client)
            .or_default()
            .insert(filter.into(), entry);
        Ok(outcome)
    }

    /// Removes `client`'s subscription to exactly `filter` (as it was subscribed,
    /// `$share/…` included). Returns whether there was one. Nodes left empty are freed.
    pub fn unsubscribe(&mut self, client: C, filter: &str) -> bool {
        if !self.remove_from_trie(client, filter) {
            return false;
        }
        if let Some(filters) = self.clients.get_mut(&client) {
            filters.remove(filter);
            if filters.is_empty() {
                self.clients.remove(&client);
            }
        }
        true
    }

    /// Removes every subscription of `client` (when its session ends). Returns how
    /// many there were.
    pub fn unsubscribe_all(&mut self, client: C) -> usize {
        let Some(filters) = self.clients.remove(&client) else {
            return 0;
        };
        for filter in filters.keys() {
            self.remove_from_trie(client, filter);
        }
        filters.len()
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
    /// filled with ordinary matches (sorted by client) followed by shared ones. The
    /// matches already in `out` are overwritten in place, so their identifier lists'
    /// memory is reused.
    ///
    /// `topic` should be a valid topic name (see
    /// [`validate_topic_name`](super::validate_topic_name)); it is not checked here.
    pub fn matches_into(&mut self, topic: &str, out: &mut Vec<Match<C>>) {
        self.walk(topic);
        let ordinary = merged(
            &self.payload,
            &self.sources,
            &mut self.found,
            &mut self.spare,
        );
        let mut n = 0;
        for (i, &(client, entry)) in ordinary.iter().enumerate() {
            if i > 0 && ordinary[i - 1].0 == client {
                out[n - 1].merge(entry);
            } else {
                put(out, &mut n, client, entry, false);
            }
        }
        for &(client, entry) in &self.picked {
            put(out, &mut n, client, entry, true);
        }
        out.truncate(n);
    }

    /// Calls `f` with each match [`Router::matches`] would return, in the same order,
    /// without building a vector: the fastest way to route a message. Moves on the
    /// turn of every shared group that matches.
    ///
    /// `topic` should be a valid topic name; it is not checked here.
    pub fn for_each_match(&mut self, topic: &str, mut f: impl FnMut(&Match<C>)) {
        self.walk(topic);
        let ordinary = merged(
            &self.payload,
            &self.sources,
            &mut self.found,
            &mut self.spare,
        );
        let mut current: Option<Match<C>> = None;
        for &(client, entry) in ordinary {
            match &mut current {
                Some(m) if m.client == client => m.merge(entry),
                Some(m) => {
                    f(m);
                    m.reset(client, entry, false);
                }
                None => {
                    current = Some(Match::with_identifiers(
                        client,
                        entry,
                        false,
                        mem::take(&mut self.identifiers),
                    ))
                }
            }
        }
        if let Some(m) = &current {
            f(m);
        }
        for &(client, entry) in &self.picked {
            match &mut current {
                Some(m) => m.reset(client, entry, true),
                None => {
                    current = Some(Match::with_identifiers(
                        client,
                        entry,
                        true,
                        mem::take(&mut self.identifiers),
                    ))
                }
            }
            if let Some(m) = &current {
                f(m);
            }
        }
        if let Some(m) = current {
            self.identifiers = m.subscription_identifiers;
        }
    }

    /// How many matches [`Router::matches`] would return (clients with ordinary
    /// subscriptions, plus one per shared group), without building them. Moves on the
    /// turn of every shared group that matches.
    ///
    /// `topic` should be a valid topic name; it is not checked here.
    pub fn match_count(&mut self, topic: &str) -> usize {
        self.walk(topic);
        let ordinary = merged(
            &self.payload,
            &self.sources,
            &mut self.found,
            &mut self.spare,
        );
        let clients = match ordinary.len() {
            0 => 0,
            n => {
                1 + (1..n)
                    .filter(|&i| ordinary[i - 1].0 != ordinary[i].0)
                    .count()
            }
        };
        clients + self.picked.len()
    }

    /// Finds the nodes whose subscriptions match `topic`: those with ordinary
    /// subscriptions go to `sources`, and one member of each shared group to `picked`,
    /// in the order the walk meets them.
    fn walk(&mut self, topic: &str) {
        let Router {
            links,
            payload,
            atoms,
            levels,
            stack,
            sources,
            picked,
            ..
        } = self;
        levels.clear();
        stack.clear();
        sources.clear();
        picked.clear();
        let mut visit = |id: NodeId| {
            let p = &mut payload[id as usize];
            if !p.subs.is_empty() {
                sources.push(id);
            }
            for group in &mut p.shared {
                picked.extend(group.pick());
            }
        };
        let bytes = topic.as_bytes();
        // [MQTT-4.7.2-1]: no wildcard at the first level matches a '$' topic.
        let dollar = bytes.first() == Some(&b'$');
        stack.push((ROOT, 0));
        while let Some((id, at)) = stack.pop() {
            let node = &links[id as usize];
            let start = match at {
                0 => 0,
                _ => levels[at - 1].end + 1,
            };
            if start > bytes.len() {
                // The topic ended at this node: its own subscriptions match, and so do
                // those of a `#` below it ("sport/#" matches "sport").
                visit(id);
                if let Some(h) = node.hash {
                    visit(h.get());
                }
                continue;
            }
            if at == levels.len() {
                // First time this deep: split off the level and look its text up once.
                let end = bytes[start..]
                    .iter()
                    .position(|&b| b == b'/')
                    .map_or(bytes.len(), |i| start + i);
                let atom = atoms.get(&bytes[start..end]);
                levels.push(Level { end, atom });
            }
            if let Some(child) = levels[at].atom.and_then(|a| node.exact.get(a)) {
                stack.push((child, at + 1));
            }
            if !(dollar && id == ROOT) {
                if let Some(plus) = node.plus {
                    stack.push((plus.get(), at + 1));
                }
                if let Some(h) = node.hash {
                    visit(h.get());
                }
            }
        }
    }

    /// How many subscriptions there are (each shared group member counts once).
    pub fn subscription_count(&self) -> usize {
        self.subscriptions
    }

    /// Whether there are no subscriptions.
    pub fn is_empty(&self) -> bool {
        self.subscriptions == 0
    }

    /// How many trie nodes are in use, not counting the root: 0 when empty, and back to
    /// 0 after every subscription is removed.
    pub fn node_count(&self) -> usize {
        self.links.len() - self.free.len() - 1
    }

    /// The subscriptions of `client`, sorted by filter, for display.
    pub fn subscriptions_of(&self, client: C) -> Vec<Subscription> {
        self.clients.get(&client).map_or_else(Vec::new, |filters| {
            filters
                .iter()
                .map(|(filter, entry)| Subscription {
                    filter: filter.to_string(),
                    options: entry.options,
                    subscription_identifier: entry.identifier,
                })
                .collect()
        })
    }

    /// The clients with at least one subscription.
    pub fn client_count(&self) -> usize {
        self.clients.len()
    }

    /// The child of `parent` for filter level `level`, if there is one.
    fn child(&self, parent: NodeId, level: &str) -> Option<NodeId> {
        let links = &self.links[parent as usize];
        match level {
            "+" => links.plus.map(Child::get),
            "#" => links.hash.map(Child::get),
            _ => links.exact.get(self.atoms.get(level.as_bytes())?),
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
            _ => p.exact.insert(self.atoms.acquire(level.as_bytes()), id),
        }
        id
    }

    /// Removes the subscription from the trie only (not from `clients`), then frees
    /// the nodes it leaves empty, from the leaf up.
    fn remove_from_trie(&mut self, client: C, filter: &str) -> bool {
        let Ok(parsed) = parse_topic_filter(filter) else {
            return false;
        };
        let mut path: Vec<(NodeId, &str)> = Vec::new();
        let mut node = ROOT;
        for level in parsed.filter.split('/') {
            let Some(child) = self.child(node, level) else {
                return false;
            };
            path.push((node, level));
            node = child;
        }
        let n = &mut self.payload[node as usize];
        let removed = match parsed.share_name {
            None => match n.subs.binary_search_by_key(&client, |(c, _)| *c) {
                Ok(at) => {
                    n.subs.remove(at);
                    true
                }
                Err(_) => false,
            },
            Some(name) => match n.shared.iter().position(|g| &*g.name == name) {
                Some(at) => {
                    let left = n.shared[at].leave(client);
                    if n.shared[at].is_empty() {
                        n.shared.swap_remove(at);
                    }
                    left
                }
                None => false,
            },
        };
        if !removed {
            return false;
        }
        self.subscriptions -= 1;
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
                    p.exact.remove(atom);
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

    /// Whether a node has neither children nor subscriptions.
    fn is_unused(&self, id: NodeId) -> bool {
        let (links, payload) = (&self.links[id as usize], &self.payload[id as usize]);
        links.exact.is_empty()
            && links.plus.is_none()
            && links.hash.is_none()
            && payload.subs.is_empty()
            && payload.shared.is_empty()
    }
}

/// The ordinary subscriptions of the `sources` nodes, sorted by client so each
/// client's are together. Each node's list is sorted already, so one node needs no
/// copying and several are merged pairwise (between `found` and `spare`).
fn merged<'a, C: Copy + Ord>(
    payload: &'a [Payload<C>],
    sources: &[NodeId],
    found: &'a mut Vec<(C, Entry)>,
    spare: &mut Vec<(C, Entry)>,
) -> &'a [(C, Entry)] {
    let Some((&first, rest)) = sources.split_first() else {
        return &[];
    };
    let first = &payload[first as usize].subs;
    if rest.is_empty() {
        return first;
    }
    found.clear();
    found.extend_from_slice(first);
    for &s in rest {
        let (a, b) = (&found[..], &payload[s as usize].subs[..]);
        spare.clear();
        spare.reserve(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            if b[j].0 < a[i].0 {
                spare.push(b[j]);
                j += 1;
            } else {
                spare.push(a[i]);
                i += 1;
            }
        }
        spare.extend_from_slice(&a[i..]);
        spare.extend_from_slice(&b[j..]);
        mem::swap(found, spare);
    }
    found
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
            let counts = (a.match_count(topic), b.match_count(topic));
            assert_eq!(counts, (out.len(), out.len()), "{topic}");
        }
    }
}
