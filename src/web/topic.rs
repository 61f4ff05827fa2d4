//! The topic layer for JavaScript: checks, matching, the explainer and a router.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::codec::{QoS, SubscriptionOptions};
use crate::topic::{self, Router};

/// Whether `filter` matches `topic` (false if either is invalid).
#[wasm_bindgen(js_name = topicMatches)]
pub fn topic_matches(filter: &str, topic: &str) -> bool {
    topic::topic_matches(filter, topic)
}

/// `undefined` when `filter` is a valid topic filter, otherwise why not, in plain words.
#[wasm_bindgen(js_name = checkTopicFilter)]
pub fn check_topic_filter(filter: &str) -> Option<String> {
    topic::validate_topic_filter(filter)
        .err()
        .map(|e| e.to_string())
}

/// `undefined` when `name` is a valid topic name, otherwise why not, in plain words.
#[wasm_bindgen(js_name = checkTopicName)]
pub fn check_topic_name(name: &str) -> Option<String> {
    topic::validate_topic_name(name)
        .err()
        .map(|e| e.to_string())
}

/// One level of [`explain_match`]'s answer, as JavaScript sees it.
#[derive(Serialize)]
struct JsLevel {
    level: usize,
    filter: Option<String>,
    topic: Option<String>,
    ok: bool,
    text: String,
}

/// [`explain_match`]'s answer, as JavaScript sees it.
#[derive(Serialize)]
struct JsExplanation {
    matches: bool,
    summary: String,
    levels: Vec<JsLevel>,
}

/// Explains level by level whether `filter` matches `topic`:
/// `{matches, summary, levels: [{level, filter, topic, ok, text}]}`, where `filter` or
/// `topic` is `undefined` once that side has ended.
#[wasm_bindgen(js_name = explainMatch)]
pub fn explain_match(filter: &str, topic: &str) -> Result<JsValue, JsError> {
    let e = topic::explain_match(filter, topic);
    let js = JsExplanation {
        matches: e.matches,
        summary: e.summary,
        levels: e
            .levels
            .into_iter()
            .map(|l| JsLevel {
                level: l.level,
                filter: l.filter,
                topic: l.topic,
                ok: l.ok,
                text: l.text,
            })
            .collect(),
    };
    serde_wasm_bindgen::to_value(&js).map_err(|e| JsError::new(&e.to_string()))
}

/// A subscription router JavaScript can fill and query; clients are numbers.
///
/// Every call from JavaScript into wasm has a fixed cost (the topic string copied in,
/// the answer copied out), about as large as a lookup itself. `matchBatch` and
/// `matchCountBatch` look up many topics per call, for a broker that routes the
/// messages of a whole chunk of bytes at once.
#[wasm_bindgen]
pub struct TopicRouter {
    router: Router<u32>,
}

impl Default for TopicRouter {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl TopicRouter {
    /// An empty router.
    #[wasm_bindgen(constructor)]
    pub fn new() -> TopicRouter {
        TopicRouter {
            router: Router::new(),
        }
    }

    /// Subscribes `clientId` to `filter` with maximum QoS `qos` (0, 1 or 2). Returns
    /// true for a new subscription, false when it replaced one. Throws an Error saying
    /// why when the filter or the QoS is invalid.
    pub fn subscribe(&mut self, client_id: u32, filter: &str, qos: u8) -> Result<bool, JsError> {
        let qos = QoS::from_u8(qos)
            .ok_or_else(|| JsError::new(&format!("QoS must be 0, 1 or 2, not {qos}")))?;
        let options = SubscriptionOptions {
            qos,
            ..Default::default()
        };
        self.router
            .subscribe(client_id, filter, options, None)
            .map(|o| o.is_new())
            .map_err(|e| JsError::new(&e.to_string()))
    }

    /// Removes `clientId`'s subscription to exactly `filter`; false if it had none.
    pub fn unsubscribe(&mut self, client_id: u32, filter: &str) -> bool {
        self.router.unsubscribe(client_id, filter)
    }

    /// Removes every subscription of `clientId`; returns how many there were.
    #[wasm_bindgen(js_name = unsubscribeAll)]
    pub fn unsubscribe_all(&mut self, client_id: u32) -> u32 {
        self.router.unsubscribe_all(client_id) as u32
    }

    /// The clients a message to `topic` goes to: each client once for its ordinary
    /// subscriptions, then one chosen member per matching shared group. Throws an
    /// Error saying why when `topic` is not a valid topic name.
    #[wasm_bindgen(js_name = "match")]
    pub fn match_topic(&mut self, topic: &str) -> Result<Vec<u32>, JsError> {
        check_name(topic)?;
        let mut clients = Vec::new();
        self.router.clients_into(topic, &mut clients);
        Ok(clients)
    }

    /// How many deliveries a message to `topic` makes, without building an array.
    #[wasm_bindgen(js_name = matchCount)]
    pub fn match_count(&mut self, topic: &str) -> Result<u32, JsError> {
        check_name(topic)?;
        Ok(self.router.match_count(topic) as u32)
    }

    /// `match` for many topics in one call. `topics` holds the topic names in UTF-8,
    /// separated by a 0 byte (U+0000 cannot occur in a topic name [MQTT-4.7.3-2]), as
    /// `new TextEncoder().encode(names.join('\0'))` makes them; an empty array holds no
    /// topics. Returns, for each topic in order, the number of deliveries followed by
    /// the clients, as `match` gives them. Throws an Error naming the first invalid
    /// topic, having matched none (so no shared group's turn moves).
    #[wasm_bindgen(js_name = matchBatch)]
    pub fn match_batch(&mut self, topics: &[u8]) -> Result<Vec<u32>, JsError> {
        check_batch(topics)?;
        let mut out = Vec::new();
        for topic in batch_topics(topics) {
            let at = out.len();
            out.push(0);
            let n = self.router.clients_into(topic, &mut out);
            out[at] = n as u32;
        }
        Ok(out)
    }

    /// `matchCount` for many topics in one call, `topics` as for `matchBatch`.
    /// Returns one count per topic, in order.
    #[wasm_bindgen(js_name = matchCountBatch)]
    pub fn match_count_batch(&mut self, topics: &[u8]) -> Result<Vec<u32>, JsError> {
        check_batch(topics)?;
        Ok(batch_topics(topics)
            .map(|topic| self.router.match_count(topic) as u32)
            .collect())
    }

    /// How many subscriptions there are.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> u32 {
        self.router.subscription_count() as u32
    }

    /// How many trie nodes are in use (0 when empty).
    #[wasm_bindgen(getter, js_name = nodeCount)]
    pub fn node_count(&self) -> u32 {
        self.router.node_count() as u32
    }
}

/// Rejects an invalid topic name with an Error saying why.
fn check_name(topic: &str) -> Result<(), JsError> {
    topic::validate_topic_name(topic).map_err(|e| JsError::new(&e.to_string()))
}

/// The topic names of a batch (see [`TopicRouter::match_batch`]), once
/// [`check_batch`] has passed.
fn batch_topics(topics: &[u8]) -> impl Iterator<Item = &str> {
    let names = if topics.is_empty() {
        None
    } else {
        Some(topics.split(|&b| b == 0))
    };
    names
        .into_iter()
        .flatten()
        .map(|t| core::str::from_utf8(t).unwrap_or_default())
}

/// Rejects a batch holding a topic name that is not valid UTF-8 or not a valid topic
/// name, with an Error that says which one and why.
fn check_batch(topics: &[u8]) -> Result<(), JsError> {
    if topics.is_empty() {
        return Ok(());
    }
    for (i, t) in topics.split(|&b| b == 0).enumerate() {
        let why = match core::str::from_utf8(t) {
            Ok(name) => match topic::validate_topic_name(name) {
                Ok(()) => continue,
                Err(e) => e.to_string(),
            },
            Err(_) => "it is not valid UTF-8 [MQTT-1.5.3-1]".to_string(),
        };
        return Err(JsError::new(&format!(
            "topic {} of the batch: {why}",
            i + 1
        )));
    }
    Ok(())
}
