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
/// Each call from JavaScript into wasm has a fixed cost (the topic string copied in,
/// the answer copied out) about as large as a lookup itself, so `www/lib/topic.js`
/// wraps this class: it writes topic names straight into the router's input buffer
/// and reads the answers from its output buffer (`inputBuffer`, `matchInput`), one
/// topic or a whole batch per call. `match` and `matchCount`
/// here are the plain way, for occasional use.
#[wasm_bindgen]
pub struct TopicRouter {
    router: Router<u32>,
    /// Topic names written by JavaScript, in UTF-8, separated by 0 bytes.
    input: Vec<u8>,
    /// Where each name in `input` ends.
    ends: Vec<u32>,
    /// The answers of the last `matchInput`.
    output: Vec<u32>,
    /// Why the last `matchInput` refused its input.
    error: Option<String>,
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
            input: Vec::new(),
            ends: Vec::new(),
            output: Vec::new(),
            error: None,
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

    /// Makes the input buffer `len` bytes long and returns its address in wasm memory
    /// (see `wasmMemory`), for the caller to write topic names there and then call
    /// `matchInput`. The address stays valid until the next call that asks for more.
    #[wasm_bindgen(js_name = inputBuffer)]
    pub fn input_buffer(&mut self, len: u32) -> u32 {
        self.input.resize(len as usize, 0);
        address(self.input.as_ptr())
    }

    /// Matches the topic names in the first `len` bytes of the input buffer: UTF-8,
    /// separated by 0 bytes (U+0000 cannot occur in a topic name [MQTT-4.7.3-2]), so
    /// one name or a batch of `count`. With `clients` false, the output buffer gets one
    /// count per topic, as `matchCount` gives it; with `clients` true, for each topic
    /// its count followed by its clients, as `match` gives them. Returns where the
    /// answers start (the output buffer's address in wasm memory, 0 or more: one call
    /// per lookup); or, having matched nothing (so no shared group's turn moved),
    /// `-1 - i` if topic `i` (from 0) is invalid, `inputError` saying why, or `-2^31`
    /// if the input does not hold `count` names (one of them held U+0000).
    #[wasm_bindgen(js_name = matchInput)]
    pub fn match_input(&mut self, len: u32, count: u32, clients: bool) -> f64 {
        let TopicRouter {
            router,
            input,
            ends,
            output,
            error,
        } = self;
        let input = input.get(..len as usize).unwrap_or_default();
        let (names, ends) = match topic_names(input, ends) {
            Ok(names) => names,
            Err((i, why)) => {
                *error = Some(why);
                return f64::from(-1 - i32::try_from(i).unwrap_or(i32::MAX - 1));
            }
        };
        *error = None;
        if ends.len() != count as usize {
            return f64::from(i32::MIN);
        }
        output.clear();
        let mut start = 0;
        for &end in ends.iter() {
            let name = &names[start..end as usize];
            start = end as usize + 1;
            if clients {
                let at = output.len();
                output.push(0);
                output[at] = router.clients_into(name, output) as u32;
            } else {
                output.push(router.match_count(name) as u32);
            }
        }
        f64::from(address(output.as_ptr()))
    }

    /// Why the last `matchInput` refused its input, in plain words.
    #[wasm_bindgen(js_name = inputError)]
    pub fn input_error(&self) -> Option<String> {
        self.error.clone()
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

/// This module's `WebAssembly.Memory`, whose `buffer` the addresses from
/// `TopicRouter.inputBuffer` and `outputBuffer` point into. Its `buffer` is replaced
/// when the memory grows, so views of it must be made again after any call.
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// A pointer into wasm memory as JavaScript sees it: an offset in `memory.buffer`.
fn address<T>(p: *const T) -> u32 {
    p as usize as u32
}

/// Rejects an invalid topic name with an Error saying why.
fn check_name(topic: &str) -> Result<(), JsError> {
    topic::validate_topic_name(topic).map_err(|e| JsError::new(&e.to_string()))
}

/// Topic names separated by 0 bytes, as text once every name is known to be valid,
/// with where each ends (in `ends`); otherwise the index of the first invalid one and
/// why.
fn topic_names<'a>(
    input: &'a [u8],
    ends: &'a mut Vec<u32>,
) -> Result<(&'a str, &'a [u32]), (usize, String)> {
    ends.clear();
    // The usual input, plain ASCII names without wildcards, passes one scan.
    if plain_names(input, ends) {
        if let Ok(text) = core::str::from_utf8(input) {
            return Ok((text, ends));
        }
    }
    ends.clear();
    let mut at = 0;
    for (i, name) in input.split(|&b| b == 0).enumerate() {
        let why = match core::str::from_utf8(name) {
            Ok(name) => match topic::validate_topic_name(name) {
                Ok(()) => {
                    at += name.len();
                    ends.push(at as u32);
                    at += 1;
                    continue;
                }
                Err(e) => e.to_string(),
            },
            Err(_) => "the topic name is not valid UTF-8 [MQTT-1.5.3-1]".to_string(),
        };
        return Err((i, why));
    }
    // Each name is UTF-8 and so are the separators: so is the whole.
    let text = core::str::from_utf8(input).unwrap_or_default();
    Ok((text, ends))
}

/// Whether `input` is names of 1 to 65,535 bytes separated by 0 bytes, all ASCII with
/// no `+` or `#`, so valid topic names; found with one scan, a word at a time, which
/// notes where each name ends in `ends`.
fn plain_names(input: &[u8], ends: &mut Vec<u32>) -> bool {
    use crate::topic::words::{splat, zero_bytes as zeros};
    const HIGH: u64 = splat(0x80);
    let (plus, hash) = (splat(b'+'), splat(b'#'));
    let mut start = 0;
    let mut end_at = |end: usize, ends: &mut Vec<u32>| {
        let len = end - start;
        start = end + 1;
        ends.push(end as u32);
        (1..=topic::MAX_TOPIC_LEN).contains(&len)
    };
    let mut ok = true;
    let mut words = input.chunks_exact(8);
    let mut base = 0;
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        if w & HIGH != 0 || zeros(w ^ plus) | zeros(w ^ hash) != 0 {
            return false;
        }
        let mut z = zeros(w);
        while z != 0 {
            ok &= end_at(base + z.trailing_zeros() as usize / 8, ends);
            z &= z - 1;
        }
        base += 8;
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        match b {
            0 => ok &= end_at(base + i, ends),
            b'+' | b'#' | 0x80.. => return false,
            _ => {}
        }
    }
    ok &= end_at(input.len(), ends);
    ok
}
