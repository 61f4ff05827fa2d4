//! The codec's JavaScript API: `decode`, `encode`, `annotate` and a streaming `Parser`.

use super::from_js::{opt_num, packet_from_js};
use super::shape::{decode_error, get, js_error, packet_to_js, set};
use crate::codec::{self, Decoder, Packet, PacketType, ProtocolVersion, ReasonCode};
use bytes::Bytes;
use js_sys::{Array, Object, Uint32Array, Uint8Array};
use std::collections::HashMap;
use wasm_bindgen::prelude::*;

/// Reads `{ protocolVersion }` (3, 4 or 5; 4 when absent, as mqtt-packet does).
pub(crate) fn version_opt(opts: &JsValue) -> Result<ProtocolVersion, JsValue> {
    let level = opt_num(opts, "protocolVersion", 255)?.unwrap_or(4) as u8;
    ProtocolVersion::from_level(level).ok_or_else(|| {
        js_error(
            &format!("protocolVersion must be 3, 4 or 5, not {level}"),
            None,
        )
    })
}

/// Decodes the bytes of exactly one packet into an mqtt-packet-shaped object.
/// Throws an `Error` with `reasonCode` (and `specRef`) when the bytes are not a valid packet.
#[wasm_bindgen(unchecked_return_type = "Packet")]
pub fn decode(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_param_type = "CodecOptions | undefined")] opts: JsValue,
) -> Result<Object, JsValue> {
    let v = version_opt(&opts)?;
    let p = Packet::decode(Bytes::copy_from_slice(bytes), v)
        .map_err(|e| decode_error(&e, v.is_v5()))?;
    let v = match &p {
        Packet::Connect(c) => c.protocol,
        _ => v,
    };
    Ok(packet_to_js(&p, v))
}

/// Encodes an mqtt-packet-shaped object. Throws an `Error` saying which field is wrong.
#[wasm_bindgen]
pub fn encode(
    #[wasm_bindgen(unchecked_param_type = "Packet")] packet: JsValue,
    #[wasm_bindgen(unchecked_param_type = "CodecOptions | undefined")] opts: JsValue,
) -> Result<Uint8Array, JsValue> {
    let v = version_opt(&opts)?;
    let p = packet_from_js(&packet, v)?;
    let bytes = p
        .to_bytes(v)
        .map_err(|e| js_error(&e.to_string(), Some(e.reason_code().0)))?;
    Ok(Uint8Array::from(&bytes[..]))
}

/// The byte-by-byte dissection of one packet:
/// `{ fields: [{start, end, name, value, depth}], packet?, error?: {offset, start, end, message, reasonCode, specRef} }`;
/// `start`..`end` are the bytes at fault.
#[wasm_bindgen(unchecked_return_type = "Annotation")]
pub fn annotate(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_param_type = "CodecOptions | undefined")] opts: JsValue,
) -> Result<Object, JsValue> {
    let v = version_opt(&opts)?;
    let a = codec::annotate(bytes, v);
    let out = Object::new();
    let fields: Array = a
        .fields
        .iter()
        .map(|f| {
            let o = Object::new();
            set(&o, "start", f.start as u32);
            set(&o, "end", f.end as u32);
            set(&o, "name", f.name.as_str());
            set(&o, "value", f.value.as_str());
            set(&o, "depth", f.depth);
            JsValue::from(o)
        })
        .collect();
    set(&out, "fields", fields);
    set(&out, "length", bytes.len() as u32);
    if let Some(p) = &a.packet {
        let v = match p {
            Packet::Connect(c) => c.protocol,
            _ => v,
        };
        set(&out, "packet", packet_to_js(p, v));
    }
    if let Some(e) = &a.error {
        let eo = Object::new();
        set(&eo, "offset", e.offset as u32);
        set(&eo, "start", e.start as u32);
        set(&eo, "end", e.end as u32);
        set(&eo, "message", e.error.to_string());
        set(&eo, "reasonCode", e.error.reason_code().0);
        set(&eo, "reasonName", e.error.reason_code().name());
        if let Some(s) = e.error.spec_ref(v.is_v5()) {
            set(&eo, "specRef", s);
        }
        set(&out, "error", eo);
    }
    Ok(out)
}

/// The specification's name for a reason code in a packet (`cmd` as in mqtt-packet).
#[wasm_bindgen(js_name = reasonCodeName)]
pub fn reason_code_name(code: u8, cmd: Option<String>) -> String {
    let kind = cmd.as_deref().and_then(cmd_type);
    match kind {
        Some(k) => ReasonCode(code).name_in(k).to_string(),
        None => ReasonCode(code).name().to_string(),
    }
}

fn cmd_type(cmd: &str) -> Option<PacketType> {
    (1..=15)
        .filter_map(PacketType::from_nibble)
        .find(|t| super::shape::cmd_name(*t) == cmd)
}

/// The flag in a batch's index that says a payload was copied into `data`.
const IN_DATA: u32 = 0x10;

/// How many distinct topic strings a parser remembers before it starts over.
const TOPIC_TABLE_MAX: usize = 4096;

/// A streaming parser: feed it chunks as they arrive, get whole packets back.
///
/// `parse(chunk)` returns packet objects. `parseBatch(chunk)` is the fast path
/// used by `StreamParser` (www/lib/stream.js): publications come back as one
/// table of numbers plus one buffer of payloads, and each distinct topic
/// crosses into JavaScript once, so a flood of small messages costs a few
/// array reads per message instead of an object per message.
#[wasm_bindgen]
pub struct Parser {
    dec: Decoder,
    topics: HashMap<String, u32>,
    index: Vec<u32>,
    data: Vec<u8>,
}

#[wasm_bindgen]
impl Parser {
    /// `new Parser({ protocolVersion, maxPacketSize, server })`; with `server: true`
    /// the first packet must be CONNECT and sets the version.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ParserOptions | undefined")] opts: JsValue,
    ) -> Result<Parser, JsValue> {
        let server = get(&opts, "server").as_bool().unwrap_or(false);
        let mut dec = if server {
            Decoder::server()
        } else {
            Decoder::new(version_opt(&opts)?)
        };
        if let Some(max) = opt_num(&opts, "maxPacketSize", codec::MAX_PACKET_SIZE as u64)? {
            dec.set_max_packet_size(max as usize);
        }
        Ok(Parser {
            dec,
            topics: HashMap::new(),
            index: Vec::new(),
            data: Vec::new(),
        })
    }

    /// Bytes held for a packet not yet complete.
    #[wasm_bindgen(getter)]
    pub fn buffered(&self) -> usize {
        self.dec.buffered()
    }

    /// The protocol version (3, 4, 5), once known.
    #[wasm_bindgen(getter, js_name = protocolVersion)]
    pub fn protocol_version(&self) -> Option<u8> {
        self.dec.version().map(|v| v.level())
    }

    /// Feeds a chunk and returns the packets it completes, as objects.
    /// Throws on the first malformed packet; the stream is unusable after that.
    #[wasm_bindgen(unchecked_return_type = "Packet[]")]
    pub fn parse(&mut self, chunk: &[u8]) -> Result<Array, JsValue> {
        self.dec.feed(chunk);
        let out = Array::new();
        while let Some(p) = self.next()? {
            out.push(&packet_to_js(
                &p,
                self.dec.version().unwrap_or(ProtocolVersion::V5),
            ));
        }
        Ok(out)
    }

    fn next_frame(&mut self) -> Result<Option<(Packet, Bytes)>, JsValue> {
        let v5 = self.dec.version().is_some_and(|v| v.is_v5());
        self.dec.next_frame().map_err(|e| decode_error(&e, v5))
    }

    fn next(&mut self) -> Result<Option<Packet>, JsValue> {
        let v5 = self.dec.version().is_some_and(|v| v.is_v5());
        self.dec.next().map_err(|e| decode_error(&e, v5))
    }

    /// Feeds a chunk; returns `{ count, index, data, topics, topicBase, others }`.
    ///
    /// `index` holds five numbers per packet: packet type, then for PUBLISH the
    /// topic id, payload start and length, and `flags | messageId << 8` (flags:
    /// DUP, QoS, RETAIN as in the fixed header, and 0x10 when the payload is in
    /// `data`; without it the payload lies in `chunk` itself, at that offset,
    /// and was not copied); for other packets the position of the packet object
    /// in `others`. `topics` are the topic strings first seen in this chunk,
    /// with ids from `topicBase` on.
    #[wasm_bindgen(js_name = parseBatch, unchecked_return_type = "Batch")]
    pub fn parse_batch(&mut self, chunk: &[u8]) -> Result<Object, JsValue> {
        // Bytes held over from earlier chunks come first in the decoder's
        // buffer; a packet that starts after them lies wholly in `chunk`.
        let carried = self.dec.buffered();
        let mut consumed = 0usize;
        self.dec.feed(chunk);
        self.index.clear();
        self.data.clear();
        let others = Array::new();
        let new_topics = Array::new();
        // The table only starts over between batches, so that every id in one
        // batch refers to the same table; it may pass the limit by one batch.
        if self.topics.len() >= TOPIC_TABLE_MAX {
            self.topics.clear();
        }
        let topic_base = self.topics.len() as u32;
        let mut count = 0u32;
        let v5 = self.dec.version().is_some_and(|v| v.is_v5());
        while let Some((p, frame)) = self.next_frame()? {
            count += 1;
            let frame_start = consumed;
            consumed += frame.len();
            match p {
                Packet::Publish(m) if m.properties.is_empty() || !v5 => {
                    let next_id = self.topics.len() as u32;
                    let id = match self.topics.get(&m.topic) {
                        Some(&id) => id,
                        None => {
                            new_topics.push(&JsValue::from_str(&m.topic));
                            self.topics.insert(m.topic, next_id);
                            next_id
                        }
                    };
                    let flags = (u32::from(m.dup) << 3)
                        | (u32::from(m.qos.as_u8()) << 1)
                        | u32::from(m.retain);
                    // The payload is a slice of the frame: find where.
                    let in_frame = m.payload.as_ptr() as usize - frame.as_ptr() as usize;
                    let (start, flags) = if frame_start >= carried {
                        ((frame_start - carried + in_frame) as u32, flags)
                    } else {
                        let start = self.data.len() as u32;
                        self.data.extend_from_slice(&m.payload);
                        (start, flags | IN_DATA)
                    };
                    self.index.extend_from_slice(&[
                        PacketType::Publish as u32,
                        id,
                        start,
                        m.payload.len() as u32,
                        flags | (u32::from(m.packet_id) << 8),
                    ]);
                }
                other => {
                    let v = self.dec.version().unwrap_or(ProtocolVersion::V5);
                    self.index.extend_from_slice(&[
                        other.packet_type() as u32 | 0x100,
                        others.length(),
                        0,
                        0,
                        0,
                    ]);
                    others.push(&packet_to_js(&other, v));
                }
            }
        }
        let out = Object::new();
        set(&out, "count", count);
        set(&out, "index", Uint32Array::from(&self.index[..]));
        set(&out, "data", Uint8Array::from(&self.data[..]));
        set(&out, "topics", new_topics);
        set(&out, "topicBase", topic_base);
        set(&out, "others", others);
        Ok(out)
    }

    /// Feeds a chunk and only counts the packets it completes: the cost of
    /// decoding alone, with nothing handed to JavaScript (for benchmarks).
    #[wasm_bindgen(js_name = countPackets)]
    pub fn count_packets(&mut self, chunk: &[u8]) -> Result<u32, JsValue> {
        self.dec.feed(chunk);
        let mut n = 0;
        while self.next()?.is_some() {
            n += 1;
        }
        Ok(n)
    }
}
