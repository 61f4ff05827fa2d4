//! Topic Aliases the broker assigns on one connection (MQTT 5.0 §3.3.2.3.4).
//!
//! The map lives in the connection, not the session, so it ends with the
//! network connection [MQTT-3.3.2-7]: a resumed session starts with none.
//!
//! **When every alias is taken**, the least recently used one is given to the
//! new topic and announced again with the topic name (a PUBLISH that carries
//! both a topic name and an alias replaces the client's mapping). A subscriber
//! with a wildcard over many topics thus keeps aliases for the topics that are
//! busy now, at the cost of one full topic name per eviction.

use crate::codec::Publish;
use std::collections::{BTreeMap, HashMap};

/// The outgoing aliases of one connection.
#[derive(Debug, Default)]
pub(crate) struct OutAliases {
    /// The client's Topic Alias Maximum; 0 when it takes none [MQTT-3.1.2-27].
    max: u16,
    /// Topic → (alias, tick of its last use).
    by_topic: HashMap<String, (u16, u64)>,
    /// Tick of last use → topic, oldest first: the eviction order.
    lru: BTreeMap<u64, String>,
    tick: u64,
}

impl OutAliases {
    /// No aliases at all: a 3.1.1 client, a 5.0 client without Topic Alias
    /// Maximum, or a broker configured not to assign them.
    pub(crate) fn none() -> Self {
        Self::default()
    }

    /// Aliases 1..=`max` (`max` from the client's CONNECT).
    pub(crate) fn up_to(max: u16) -> Self {
        OutAliases {
            max,
            ..Self::default()
        }
    }

    /// The alias to send `topic` with, and whether the topic name must go with
    /// it (a first use, or an alias taken over from another topic). `None`
    /// when the client takes no aliases.
    pub(crate) fn assign(&mut self, topic: &str) -> Option<(u16, bool)> {
        if self.max == 0 {
            return None;
        }
        self.tick += 1;
        let tick = self.tick;
        if let Some((alias, last)) = self.by_topic.get_mut(topic) {
            let old = std::mem::replace(last, tick);
            let alias = *alias;
            if let Some(t) = self.lru.remove(&old) {
                self.lru.insert(tick, t);
            }
            return Some((alias, false));
        }
        // [MQTT-3.1.2-26] [MQTT-3.3.2-11]: never above the client's maximum;
        // [MQTT-3.3.2-8]: never 0.
        let alias = if self.by_topic.len() < usize::from(self.max) {
            self.by_topic.len() as u16 + 1
        } else {
            let (_, oldest) = self.lru.pop_first()?;
            self.by_topic.remove(&oldest)?.0
        };
        self.by_topic.insert(topic.to_owned(), (alias, tick));
        self.lru.insert(tick, topic.to_owned());
        Some((alias, true))
    }

    /// Gives `p` its alias: the topic name plus the alias the first time,
    /// an empty topic name plus the alias afterwards.
    pub(crate) fn apply(&mut self, p: &mut Publish) {
        if let Some((alias, announce)) = self.assign(&p.topic) {
            p.properties.topic_alias = Some(alias);
            if !announce {
                p.topic.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assigns_in_order_then_reuses_the_least_recently_used() {
        let mut a = OutAliases::up_to(2);
        assert_eq!(a.assign("x"), Some((1, true)));
        assert_eq!(a.assign("y"), Some((2, true)));
        assert_eq!(a.assign("x"), Some((1, false)));
        // "y" is the least recently used: "z" takes its alias, announced.
        assert_eq!(a.assign("z"), Some((2, true)));
        assert_eq!(a.assign("y"), Some((1, true)));
        assert_eq!(a.assign("z"), Some((2, false)));
    }

    #[test]
    fn a_client_without_a_maximum_gets_none() {
        assert_eq!(OutAliases::none().assign("x"), None);
        assert_eq!(OutAliases::up_to(0).assign("x"), None);
    }
}
