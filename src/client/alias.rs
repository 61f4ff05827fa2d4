//! Topic Aliases (MQTT 5.0 §3.3.2.3.4): assigned automatically for outgoing
//! messages, resolved for incoming ones. Both maps live for one network
//! connection only [MQTT-3.3.2-7].

use super::error::ClientError;
use crate::codec::ReasonCode;
use std::collections::HashMap;

/// Outgoing aliases, first come first served: the first `max` distinct topics
/// get aliases 1..=max and keep them; later topics are sent in full. A topic
/// keeps one alias for the whole connection, so the server never has to
/// remap, and the choice does not depend on timing.
#[derive(Debug, Default)]
pub(crate) struct OutAliases {
    max: u16,
    by_topic: HashMap<String, u16>,
}

impl OutAliases {
    /// Starts a connection whose server accepts aliases up to `max` (0: none).
    pub fn reset(&mut self, max: u16) {
        self.max = max;
        self.by_topic.clear();
    }

    /// The alias for `topic` and whether the topic must still be sent with it
    /// (first use). `None`: send the topic in full without an alias.
    pub fn lookup_or_assign(&mut self, topic: &str) -> Option<(u16, bool)> {
        if let Some(&a) = self.by_topic.get(topic) {
            return Some((a, false));
        }
        if self.by_topic.len() >= self.max as usize {
            return None;
        }
        let a = self.by_topic.len() as u16 + 1;
        self.by_topic.insert(topic.to_owned(), a);
        Some((a, true))
    }
}

/// Incoming aliases set by the server, up to the client's Topic Alias Maximum.
#[derive(Debug, Default)]
pub(crate) struct InAliases {
    max: u16,
    topics: HashMap<u16, String>,
}

impl InAliases {
    /// Starts a connection where the client accepts aliases up to `max`.
    pub fn reset(&mut self, max: u16) {
        self.max = max;
        self.topics.clear();
    }

    /// The topic of a PUBLISH that carried `alias` and `topic` (maybe empty).
    pub fn resolve(&mut self, alias: u16, topic: &str) -> Result<String, ClientError> {
        // [MQTT-3.3.2-8] [MQTT-3.3.2-9]: 0 and values above our maximum are invalid.
        if alias == 0 || alias > self.max {
            return Err(ClientError::protocol(
                ReasonCode::TOPIC_ALIAS_INVALID,
                format!(
                    "Topic Alias {alias} is outside 1..={} (the client's Topic Alias Maximum)",
                    self.max
                ),
            ));
        }
        if topic.is_empty() {
            self.topics.get(&alias).cloned().ok_or_else(|| {
                ClientError::protocol(
                    ReasonCode::PROTOCOL_ERROR,
                    format!("Topic Alias {alias} was used before being set"),
                )
            })
        } else {
            self.topics.insert(alias, topic.to_owned());
            Ok(topic.to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outgoing_aliases_are_first_come_within_the_maximum() {
        let mut a = OutAliases::default();
        a.reset(2);
        assert_eq!(a.lookup_or_assign("a"), Some((1, true)));
        assert_eq!(a.lookup_or_assign("a"), Some((1, false)));
        assert_eq!(a.lookup_or_assign("b"), Some((2, true)));
        assert_eq!(a.lookup_or_assign("c"), None);
        a.reset(0);
        assert_eq!(a.lookup_or_assign("a"), None);
    }

    #[test]
    fn incoming_alias_zero_above_max_or_unset_is_refused() {
        let mut a = InAliases::default();
        a.reset(3);
        assert!(a.resolve(0, "t").is_err());
        assert!(a.resolve(4, "t").is_err());
        assert!(a.resolve(1, "").is_err());
        assert_eq!(a.resolve(1, "t").unwrap(), "t");
        assert_eq!(a.resolve(1, "").unwrap(), "t");
    }
}
