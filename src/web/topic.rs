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
#[wasm_bindgen]
pub struct TopicRouter {
    router: Router<u32>,
    /// The clients of the last `match`, reused so Rust allocates nothing per lookup.
    clients: Vec<u32>,
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
            clients: Vec::new(),
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
    pub fn match_topic(&mut self, topic: &str) -> Result<js_sys::Uint32Array, JsError> {
        check_name(topic)?;
        let clients = &mut self.clients;
        clients.clear();
        self.router
            .for_each_match(topic, |m| clients.push(m.client));
        // Copied straight from wasm memory into a new JS array.
        Ok(js_sys::Uint32Array::from(&clients[..]))
    }

    /// How many deliveries a message to `topic` makes, without building an array.
    #[wasm_bindgen(js_name = matchCount)]
    pub fn match_count(&mut self, topic: &str) -> Result<u32, JsError> {
        check_name(topic)?;
        Ok(self.router.match_count(topic) as u32)
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
