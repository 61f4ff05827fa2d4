//! The messages of one pump of [`WasmClient`](super::WasmClient), handed to
//! JavaScript in one call: a table of numbers, the payloads (or whole PUBLISH
//! packets) in one byte buffer, and each topic string once. `www/lib/mqtt.js`
//! turns it into one `message` event per message, as `StreamParser` does for
//! the codec; building each message from Rust costs several boundary
//! crossings per field.
//!
//! Each message is [`STRIDE`] numbers in `index`:
//! `[topic, start, length, payload length, flags, properties]`: its bytes are
//! `data[start..start + length]`, its payload their last `payload length` bytes;
//! flags are `qos | retain << 2 | dup << 3 | whole PUBLISH << 4`; `properties`
//! is an index in the batch's `properties` array, or `u32::MAX` for none.

use super::shape::props_to_js;
use crate::client::Message;
use bytes::Bytes;
use js_sys::{Array, Uint32Array, Uint8Array};
use std::collections::HashMap;
use wasm_bindgen::prelude::*;

/// Numbers per message.
const STRIDE: usize = 6;
/// The bytes are the whole PUBLISH packet (the `messageBytes` option).
const WHOLE_PACKET: u32 = 1 << 4;
/// Past this many topics the table starts over, between two batches.
const TOPIC_TABLE_MAX: usize = 4096;

/// Messages waiting to be handed over, and the topics JavaScript already has.
#[derive(Default)]
pub(crate) struct MessageBatch {
    index: Vec<u32>,
    data: Vec<u8>,
    topics: HashMap<String, u32>,
    fresh: Vec<String>,
    props: Vec<JsValue>,
    /// The bytes of the PUBLISH just received, for the message it carries.
    pub(crate) frame: Option<Bytes>,
}

/// One batch, ready for the sink.
pub(crate) struct Ready {
    pub index: Uint32Array,
    pub data: Uint8Array,
    pub topics: Array,
    pub topic_base: u32,
    pub properties: Array,
}

impl MessageBatch {
    pub(crate) fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Adds a message; `frame` is the PUBLISH it came in, when asked for.
    pub(crate) fn push(&mut self, m: Message, frame: Option<Bytes>) {
        let topic = match self.topics.get(&m.topic) {
            Some(&id) => id,
            None => {
                let id = self.topics.len() as u32;
                self.fresh.push(m.topic.clone());
                self.topics.insert(m.topic, id);
                id
            }
        };
        let start = self.data.len() as u32;
        let mut flags =
            u32::from(m.qos.as_u8()) | (u32::from(m.retain) << 2) | (u32::from(m.dup) << 3);
        // A PUBLISH ends with its payload; anything else is not its frame.
        match frame.filter(|f| f.ends_with(&m.payload)) {
            Some(f) => {
                self.data.extend_from_slice(&f);
                flags |= WHOLE_PACKET;
            }
            None => self.data.extend_from_slice(&m.payload),
        }
        let props = match props_to_js(&m.properties) {
            Some(p) => {
                self.props.push(p.into());
                self.props.len() as u32 - 1
            }
            None => u32::MAX,
        };
        let record: [u32; STRIDE] = [
            topic,
            start,
            self.data.len() as u32 - start,
            m.payload.len() as u32,
            flags,
            props,
        ];
        self.index.extend_from_slice(&record);
    }

    /// Takes what was added since the last call.
    pub(crate) fn take(&mut self) -> Ready {
        let topic_base = (self.topics.len() - self.fresh.len()) as u32;
        let ready = Ready {
            index: Uint32Array::from(&self.index[..]),
            data: Uint8Array::from(&self.data[..]),
            topics: self
                .fresh
                .drain(..)
                .map(|t| JsValue::from_str(&t))
                .collect(),
            topic_base,
            properties: self.props.drain(..).collect(),
        };
        self.index.clear();
        self.data.clear();
        // Only between batches, so that every index in one refers to one table.
        if self.topics.len() >= TOPIC_TABLE_MAX {
            self.topics.clear();
        }
        ready
    }
}
