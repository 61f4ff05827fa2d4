//! The retained-message store: the last retained message of each topic, found by
//! filter, within limits of count and bytes.

use super::error::TopicError;
use super::level_map::LevelMap;
use super::validate::{parse_topic_filter, validate_topic_name};

/// How a stored message reports its size, counted against [`RetainedLimits::max_bytes`].
///
/// Implemented for the usual payload types; a broker storing a whole PUBLISH
/// implements it to count payload plus properties, say.
pub trait RetainedSize {
    /// The number of bytes this message takes.
    fn retained_size(&self) -> usize;
}

impl RetainedSize for Vec<u8> {
    fn retained_size(&self) -> usize {
        self.len()
    }
}

impl RetainedSize for Box<[u8]> {
    fn retained_size(&self) -> usize {
        self.len()
    }
}

impl RetainedSize for String {
    fn retained_size(&self) -> usize {
        self.len()
    }
}

impl RetainedSize for bytes::Bytes {
    fn retained_size(&self) -> usize {
        self.len()
    }
}

/// The most a [`RetainedStore`] may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetainedLimits {
    /// How many topics may have a retained message.
    pub max_messages: usize,
    /// How many bytes all of them may take: each counts its topic's length plus its
    /// [`RetainedSize`].
    pub max_bytes: usize,
}

impl RetainedLimits {
    /// No limit at all.
    pub const UNLIMITED: RetainedLimits = RetainedLimits {
        max_messages: usize::MAX,
        max_bytes: usize::MAX,
    };
}

impl Default for RetainedLimits {
    /// 10,000 messages and 16 MiB: plenty for a page, small enough for a phone.
    fn default() -> Self {
        RetainedLimits {
            max_messages: 10_000,
            max_bytes: 16 * 1024 * 1024,
        }
    }
}

/// Which limit of [`RetainedLimits`] a message would break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetainedLimit {
    /// [`RetainedLimits::max_messages`].
    Messages,
    /// [`RetainedLimits::max_bytes`].
    Bytes,
}

/// Why [`RetainedStore::set`] did not store a message.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetainedError {
    /// Storing the message would go over a limit; the store is unchanged.
    #[error("{}", full_message(*.limit, *.max, *.needed))]
    Full {
        /// The limit that would be broken.
        limit: RetainedLimit,
        /// That limit's value.
        max: usize,
        /// How many messages or bytes the store would hold with this message.
        needed: usize,
    },
    /// The topic is not a valid topic name.
    #[error(transparent)]
    InvalidTopic(#[from] TopicError),
}

impl RetainedError {
    /// The MQTT 5.0 reason code for a PUBACK/PUBREC: 0x97 (Quota exceeded) when full,
    /// 0x90 (Topic Name invalid) for a bad topic.
    pub fn reason_code(&self) -> u8 {
        match self {
            RetainedError::Full { .. } => 0x97,
            RetainedError::InvalidTopic(e) => e.reason_code(),
        }
    }
}

fn full_message(limit: RetainedLimit, max: usize, needed: usize) -> String {
    match limit {
        RetainedLimit::Messages => format!(
            "the retained-message store is full: it may keep at most {max} messages (one per topic), and this one would be number {needed}"
        ),
        RetainedLimit::Bytes => format!(
            "the retained-message store is full: it may use at most {max} bytes, and keeping this message would need {needed}"
        ),
    }
}

type NodeId = u32;
const ROOT: NodeId = 0;
/// Lookup stack marker: the filter is used up here.
const END: usize = usize::MAX;
/// Lookup stack marker: a `#` above takes this node and everything below it.
const SUBTREE: usize = usize::MAX - 1;

#[derive(Debug)]
struct Node<M> {
    children: LevelMap<NodeId>,
    /// The full topic (so lookups need not rebuild it) and its message.
    message: Option<(Box<str>, M)>,
}

impl<M> Default for Node<M> {
    fn default() -> Self {
        Node {
            children: LevelMap::default(),
            message: None,
        }
    }
}

/// Retained messages by topic, as a trie of topic levels, so a wildcard lookup visits
/// only the branches the filter allows.
///
/// A PUBLISH with RETAIN set and an empty payload deletes the topic's retained
/// message and is not stored ([MQTT-3.3.1-10]/[MQTT-3.3.1-11] in 3.1.1,
/// [MQTT-3.3.1-6]/[MQTT-3.3.1-7] in 5.0): the broker calls [`RetainedStore::remove`]
/// for it, and [`RetainedStore::set`] for any other retained message.
#[derive(Debug)]
pub struct RetainedStore<M> {
    nodes: Vec<Node<M>>,
    free: Vec<NodeId>,
    limits: RetainedLimits,
    len: usize,
    bytes: usize,
}

impl<M: RetainedSize> Default for RetainedStore<M> {
    fn default() -> Self {
        Self::new(RetainedLimits::default())
    }
}

impl<M: RetainedSize> RetainedStore<M> {
    /// An empty store with these limits.
    pub fn new(limits: RetainedLimits) -> Self {
        RetainedStore {
            nodes: vec![Node::default()],
            free: Vec::new(),
            limits,
            len: 0,
            bytes: 0,
        }
    }

    /// Stores `message` as the retained message of `topic`, replacing and returning
    /// the previous one. Fails, changing nothing, if `topic` is not a valid topic name
    /// or the store would go over a limit (a replacement only counts the difference).
    pub fn set(&mut self, topic: &str, message: M) -> Result<Option<M>, RetainedError> {
        validate_topic_name(topic)?;
        let old = self.find(topic).and_then(|id| {
            let (t, m) = self.nodes[id as usize].message.as_ref()?;
            Some(t.len() + m.retained_size())
        });
        let size = topic.len().saturating_add(message.retained_size());
        if old.is_none() && self.len >= self.limits.max_messages {
            return Err(RetainedError::Full {
                limit: RetainedLimit::Messages,
                max: self.limits.max_messages,
                needed: self.len.saturating_add(1),
            });
        }
        let needed = (self.bytes - old.unwrap_or(0)).saturating_add(size);
        if needed > self.limits.max_bytes {
            return Err(RetainedError::Full {
                limit: RetainedLimit::Bytes,
                max: self.limits.max_bytes,
                needed,
            });
        }
        let mut node = ROOT;
        for level in topic.split('/') {
            node = self.child_or_create(node, level);
        }
        let previous = self.nodes[node as usize]
            .message
            .replace((topic.into(), message))
            .map(|(_, m)| m);
        if previous.is_none() {
            self.len += 1;
        }
        self.bytes = needed;
        Ok(previous)
    }

    /// Deletes the retained message of `topic` (a retained PUBLISH with an empty
    /// payload), returning it. Nodes left empty are freed.
    pub fn remove(&mut self, topic: &str) -> Option<M> {
        let mut path: Vec<(NodeId, &str)> = Vec::new();
        let mut node = ROOT;
        for level in topic.split('/') {
            let child = *self.nodes[node as usize].children.get(level)?;
            path.push((node, level));
            node = child;
        }
        let (t, message) = self.nodes[node as usize].message.take()?;
        self.len -= 1;
        self.bytes -= t.len() + message.retained_size();
        while let Some((parent, level)) = path.pop() {
            let n = &self.nodes[node as usize];
            if n.message.is_some() || !n.children.is_empty() {
                break;
            }
            self.nodes[parent as usize].children.remove(level);
            self.nodes[node as usize] = Node::default();
            self.free.push(node);
            node = parent;
        }
        Some(message)
    }

    /// The retained message of exactly `topic`.
    pub fn get(&self, topic: &str) -> Option<&M> {
        let id = self.find(topic)?;
        self.nodes[id as usize].message.as_ref().map(|(_, m)| m)
    }

    /// The retained messages whose topics match `filter`, with their topics, in no
    /// particular order. Follows the matching rules of
    /// [`topic_matches`](super::topic_matches), `$` rule included [MQTT-4.7.2-1]; for
    /// `$share/{ShareName}/{filter}` the part after the share name is used.
    pub fn matching(&self, filter: &str) -> Result<Vec<(&str, &M)>, TopicError> {
        let filter = parse_topic_filter(filter)?.filter;
        let mut out = Vec::new();
        let mut stack = vec![(ROOT, 0usize)];
        while let Some((id, at)) = stack.pop() {
            let node = &self.nodes[id as usize];
            if at == END || at == SUBTREE {
                if let Some((t, m)) = &node.message {
                    out.push((&**t, m));
                }
                if at == SUBTREE {
                    stack.extend(node.children.values().map(|&c| (c, SUBTREE)));
                }
                continue;
            }
            let rest = &filter[at..];
            let (level, next) = match rest.find('/') {
                Some(i) => (&rest[..i], at + i + 1),
                None => (rest, END),
            };
            // [MQTT-4.7.2-1]: a wildcard first level skips topics starting with '$'.
            let visible = |name: &str| id != ROOT || !name.starts_with('$');
            match level {
                "#" => {
                    // "sport/#" also matches "sport" itself.
                    if let Some((t, m)) = &node.message {
                        out.push((&**t, m));
                    }
                    stack.extend(
                        node.children
                            .iter()
                            .filter(|(name, _)| visible(name))
                            .map(|(_, &c)| (c, SUBTREE)),
                    );
                }
                "+" => stack.extend(
                    node.children
                        .iter()
                        .filter(|(name, _)| visible(name))
                        .map(|(_, &c)| (c, next)),
                ),
                exact => {
                    if let Some(&c) = node.children.get(exact) {
                        stack.push((c, next));
                    }
                }
            }
        }
        Ok(out)
    }

    /// How many topics have a retained message.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes in use: topic lengths plus [`RetainedSize`]s.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The limits this store enforces.
    pub fn limits(&self) -> RetainedLimits {
        self.limits
    }

    /// How many trie nodes are in use, not counting the root (0 when empty).
    pub fn node_count(&self) -> usize {
        self.nodes.len() - self.free.len() - 1
    }

    fn find(&self, topic: &str) -> Option<NodeId> {
        let mut node = ROOT;
        for level in topic.split('/') {
            node = *self.nodes[node as usize].children.get(level)?;
        }
        Some(node)
    }

    fn child_or_create(&mut self, parent: NodeId, level: &str) -> NodeId {
        if let Some(&c) = self.nodes[parent as usize].children.get(level) {
            return c;
        }
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                let id = NodeId::try_from(self.nodes.len()).expect("fewer than 2^32 trie nodes");
                self.nodes.push(Node::default());
                id
            }
        };
        self.nodes[parent as usize]
            .children
            .insert(level.into(), id);
        id
    }
}
