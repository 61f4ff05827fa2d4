//! Topic names, topic filters and matching (MQTT 3.1.1 §4.7, 5.0 §4.7-4.8): validation
//! with plain-words errors, a level-by-level match explainer, the subscription trie
//! ([`Router`]) with shared subscriptions, and the retained-message store.

mod atoms;
mod edges;
mod error;
mod exact;
mod level_map;
mod matching;
mod payload;
mod retained;
mod shared;
mod subscription;
mod trie;
mod validate;
pub(crate) mod words;

pub use error::{TopicError, TopicKind, MAX_TOPIC_LEN};
pub use matching::{explain_match, topic_matches, LevelExplanation, MatchExplanation};
pub use retained::{RetainedError, RetainedLimit, RetainedLimits, RetainedSize, RetainedStore};
pub use subscription::{Match, SubscribeOutcome, Subscription};
pub use trie::Router;
pub use validate::{
    parse_topic_filter, validate_topic_filter, validate_topic_name, ParsedFilter, SHARE_PREFIX,
};
