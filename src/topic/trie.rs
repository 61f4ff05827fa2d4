//! The subscription trie: which clients want a message published to a topic.

use core::hash::Hash;
use std::collections::{BTreeMap, HashMap};

use super::error::TopicError;
use super::level_map::LevelMap;
use super::shared::SharedGroup;
use super::subscription::{Entry, Match, SubscribeOutcome, Subscription};
use super::validate::parse_topic_filter;
use crate::codec::SubscriptionOptions;

/// Index of a node in [`Router::nodes`]. Four billion nodes would need far more
/// memory than a page has, so `u32` keeps nodes small.
type NodeId = u32;

const ROOT: NodeId = 0;

/// Marks "the topic has no levels left" in the lookup stack.
const END: usize = usize::MAX;

/// One level of the trie. `+` and `#` children have their own fields so a lookup
/// never hashes a wildcard.
#[derive(Debug)]
struct Node<C> {
    exact: LevelMap<NodeId>,
    plus: Option<NodeId>,
    hash: Option<NodeId>,
    /// Ordinary subscriptions ending here, sorted by client.
    subs: Vec<(C, Entry)>,
    /// Shared subscription groups whose filter ends here.
    shared: Vec<SharedGroup<C>>,
}

impl<C> Default for Node<C> {
    fn default() -> Self {
        Node {
            exact: LevelMap::default(),
            plus: None,
            hash: None,
            subs: Vec::new(),
            shared: Vec::new(),
        }
    }
}

impl<C> Node<C> {
    fn is_empty(&self) -> bool {
        self.exact.is_empty()
            && self.plus.is_none()
            && self.hash.is_none()
            && self.subs.is_empty()
            && self.shared.is_empty()
    }

    fn child(&self, level: &str) -> Option<NodeId> {
        match level {
            "+" => self.plus,
            "#" => self.hash,
            _ => self.exact.get(level).copied(),
        }
    }
}

/// The subscriptions of all clients, as a trie of filter levels.
///
/// `C` is the broker's handle for a client (a `u32` or `u64` index, say). Nodes live
/// in one vector and are reused, and lookups walk with an explicit stack kept between
/// calls, so a matching run allocates nothing (except for subscription identifier
/// lists) and a filter with 30,000 levels cannot overflow the call stack.
#[derive(Debug)]
pub struct Router<C> {
    nodes: Vec<Node<C>>,
    free: Vec<NodeId>,
    /// Every client's subscriptions by full filter text, for listing and unsubscribe_all.
    clients: HashMap<C, BTreeMap<Box<str>, Entry>>,
    subscriptions: usize,
    /// Lookup scratch: nodes still to visit, with the offset of the topic's remaining
    /// levels (or [`END`]).
    stack: Vec<(NodeId, usize)>,
    /// Lookup scratch: ordinary subscriptions found, before merging per client.
    found: Vec<(C, Entry)>,
    /// Lookup scratch: members picked from shared groups.
    picked: Vec<(C, Entry)>,
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
            nodes: vec![Node::default()],
            free: Vec::new(),
            clients: HashMap::new(),
            subscriptions: 0,
            stack: Vec::new(),
            found: Vec::new(),
            picked: Vec::new(),
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
        let node = &mut self.nodes[node as usize];
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
    /// filled with ordinary matches (sorted by client) followed by shared ones.
    ///
    /// `topic` should be a valid topic name (see
    /// [`validate_topic_name`](super::validate_topic_name)); it is not checked here.
    pub fn matches_into(&mut self, topic: &str, out: &mut Vec<Match<C>>) {
        out.clear();
        let Router {
            nodes,
            stack,
            found,
            picked,
            ..
        } = self;
        stack.clear();
        found.clear();
        picked.clear();
        let dollar = topic.starts_with('$');
        let mut sources = 0;
        stack.push((ROOT, 0));
        while let Some((id, at)) = stack.pop() {
            let node = &nodes[id as usize];
            if at == END {
                // The topic ended at this node: its own subscriptions match, and so do
                // those of a `#` below it ("sport/#" matches "sport").
                let hash = node.hash;
                sources += collect(&mut nodes[id as usize], found, picked);
                if let Some(h) = hash {
                    sources += collect(&mut nodes[h as usize], found, picked);
                }
                continue;
            }
            let rest = &topic[at..];
            let (level, next) = match rest.find('/') {
                Some(i) => (&rest[..i], at + i + 1),
                None => (rest, END),
            };
            if let Some(&child) = node.exact.get(level) {
                stack.push((child, next));
            }
            // [MQTT-4.7.2-1]: no wildcard at the first level matches a '$' topic.
            if !(dollar && id == ROOT) {
                if let Some(plus) = node.plus {
                    stack.push((plus, next));
                }
                if let Some(h) = node.hash {
                    sources += collect(&mut nodes[h as usize], found, picked);
                }
            }
        }
        // Each node's list is sorted by client already; only lists from several nodes
        // need sorting to bring a client's subscriptions together.
        if sources > 1 {
            found.sort_unstable_by_key(|(c, _)| *c);
        }
        for &(client, entry) in found.iter() {
            match out.last_mut() {
                Some(last) if last.client == client => last.merge(entry),
                _ => out.push(Match::new(client, entry, false)),
            }
        }
        out.extend(picked.iter().map(|&(c, e)| Match::new(c, e, true)));
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
        self.nodes.len() - self.free.len() - 1
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

    fn child_or_create(&mut self, parent: NodeId, level: &str) -> NodeId {
        if let Some(child) = self.nodes[parent as usize].child(level) {
            return child;
        }
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                let id = NodeId::try_from(self.nodes.len()).expect("fewer than 2^32 trie nodes");
                self.nodes.push(Node::default());
                id
            }
        };
        let p = &mut self.nodes[parent as usize];
        match level {
            "+" => p.plus = Some(id),
            "#" => p.hash = Some(id),
            _ => {
                p.exact.insert(level.into(), id);
            }
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
            let Some(child) = self.nodes[node as usize].child(level) else {
                return false;
            };
            path.push((node, level));
            node = child;
        }
        let n = &mut self.nodes[node as usize];
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
            if !self.nodes[node as usize].is_empty() {
                break;
            }
            let p = &mut self.nodes[parent as usize];
            match level {
                "+" => p.plus = None,
                "#" => p.hash = None,
                _ => {
                    p.exact.remove(level);
                }
            }
            // Drop the node's maps now rather than keep their memory on the free list.
            self.nodes[node as usize] = Node::default();
            self.free.push(node);
            node = parent;
        }
        true
    }
}

/// Adds a node's ordinary subscriptions to `found` and one member of each of its
/// shared groups to `picked`; returns 1 if it added ordinary subscriptions.
#[inline]
fn collect<C: Copy + Eq>(
    node: &mut Node<C>,
    found: &mut Vec<(C, Entry)>,
    picked: &mut Vec<(C, Entry)>,
) -> usize {
    found.extend_from_slice(&node.subs);
    for group in &mut node.shared {
        picked.extend(group.pick());
    }
    usize::from(!node.subs.is_empty())
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
        assert_eq!(r.nodes.len(), 6);
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
}
