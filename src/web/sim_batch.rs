//! The simulation's events as one compact batch per drain, for a page under a
//! flood: numbers in one `Float64Array`, bytes in one `Uint8Array`, each label
//! and topic string sent once. `www/lib/sim-events.js` turns a batch into the
//! same objects `drainEvents` builds, in JavaScript (setting properties from
//! Rust costs a boundary crossing each, which at 10,000 messages a second was
//! most of the page's time).
//!
//! Each event is [`STRIDE`] numbers; slot 0 is its kind:
//!
//! | slot | `packetSent` (1) | `packetDelivered` (2) / `packetDropped` (3) | client `message` (4) | other (0) |
//! | --- | --- | --- | --- | --- |
//! | 1 | at (= sentAt) | at | at | |
//! | 2 | peer | peer | peer | |
//! | 3 | flight id | flight id | topic | index in `others` |
//! | 4 | direction (0 toBroker, 1 toClient) | direction | qos \| retain << 2 \| dup << 3 | |
//! | 5 | connection | why (dropped; see `why_code`) | | |
//! | 6 | arrivesAt | | | |
//! | 7, 8 | bytes: start, length | | bytes: start, length | |
//! | 9 | flags: version \| loss reason << 4 \| duplicate << 8 \| decoded << 9 | | flags: version \| whole PUBLISH << 4 | |
//! | 10 | topic (a PUBLISH without properties), else -1 | | | |
//! | 11 | PUBLISH packet identifier | | | |
//! | 12 | PUBLISH payload length | | payload length | |
//! | 13 | | | index in `others` of its properties, else -1 | |
//!
//! A client's `publishComplete` with a reason code (5) has at in 1, peer in 2,
//! the token in 3 and the reason code in 4.
//!
//! A message's bytes are the whole PUBLISH it arrived in when known (its payload
//! is their last `payload length` bytes), else only its payload.

use super::sim_shape::sim_event_to_js;
use crate::codec::{Packet, ProtocolVersion};
use crate::sim::{Direction, DropWhy, PeerId, SimEvent, Simulation};
use bytes::Bytes;
use js_sys::{Array, Float64Array, Object, Uint8Array};
use std::collections::HashMap;
use wasm_bindgen::prelude::*;

use super::shape::{props_to_js, set};
use crate::client::Event;

/// Numbers per event.
const STRIDE: usize = 14;
const K_OTHER: f64 = 0.0;
const K_SENT: f64 = 1.0;
const K_DELIVERED: f64 = 2.0;
const K_DROPPED: f64 = 3.0;
const K_MESSAGE: f64 = 4.0;
const K_PUBLISHED: f64 = 5.0;

/// `packetSent` flags: the protocol version is bits 0–3, the loss reason bits 4–7.
const SENT_DUPLICATE: u32 = 1 << 8;
/// The bytes decode as one packet.
const SENT_DECODED: u32 = 1 << 9;
/// A message's bytes are its whole PUBLISH packet.
const MSG_FRAME: u32 = 1 << 4;

/// Past this many topics the table starts over (as the codec's `Parser` does).
const TOPIC_TABLE_MAX: usize = 4096;
/// Delivered PUBLISH packets kept per peer until its client reports the message.
const DELIVERED_MAX: usize = 64;

/// A small number for a loss reason; `www/lib/sim-events.js` has the names.
pub(crate) fn why_code(w: DropWhy) -> u32 {
    match w {
        DropWhy::Lost => 1,
        DropWhy::Partitioned => 2,
        DropWhy::DroppedOnPurpose => 3,
        DropWhy::ConnectionBroken => 4,
        DropWhy::TransportClosed => 5,
    }
}

/// What the batches remember from one drain to the next.
#[derive(Default)]
pub(crate) struct Batcher {
    nums: Vec<f64>,
    bytes: Vec<u8>,
    topics: HashMap<String, u32>,
    labels_sent: usize,
    /// PUBLISH flights on their way to a peer: their bytes and version, by flight id.
    to_peer: HashMap<u64, (Bytes, ProtocolVersion)>,
    /// PUBLISH packets delivered to each peer whose message is not reported yet.
    delivered: HashMap<usize, Vec<(Bytes, ProtocolVersion)>>,
}

impl Batcher {
    /// Follows the flights of PUBLISH packets to their peers, so that a client's
    /// message can carry the bytes of the PUBLISH it came in. Called for every
    /// event, whichever way it is drained. A client core reports a message in the
    /// same step as the PUBLISH's arrival; QoS 2 duplicates are not reported, so
    /// a few unmatched packets per peer are kept and then forgotten.
    pub(crate) fn observe(&mut self, e: &SimEvent) -> Option<(Bytes, ProtocolVersion)> {
        match e {
            SimEvent::PacketSent(f) => {
                if f.direction == Direction::ToPeer && matches!(f.packet, Some(Packet::Publish(_)))
                {
                    self.to_peer.insert(f.id, (f.bytes.clone(), f.version));
                }
                None
            }
            SimEvent::PacketDelivered { flight, peer, .. } => {
                if let Some(b) = self.to_peer.remove(flight) {
                    let q = self.delivered.entry(peer.0).or_default();
                    if q.len() >= DELIVERED_MAX {
                        q.remove(0);
                    }
                    q.push(b);
                }
                None
            }
            SimEvent::PacketDropped { flight, .. } => {
                self.to_peer.remove(flight);
                None
            }
            SimEvent::Client {
                peer,
                event: Event::Message(m),
                ..
            } => {
                let q = self.delivered.get_mut(&peer.0)?;
                // The oldest delivered PUBLISH whose payload is this message's.
                let i = q.iter().position(|(b, _)| b.ends_with(&m.payload))?;
                let frame = q.remove(i);
                q.drain(..i);
                Some(frame)
            }
            _ => None,
        }
    }

    fn topic(&mut self, topic: &str, fresh: &Array) -> u32 {
        if let Some(&id) = self.topics.get(topic) {
            return id;
        }
        let id = self.topics.len() as u32;
        fresh.push(&JsValue::from_str(topic));
        self.topics.insert(topic.to_owned(), id);
        id
    }

    fn push_bytes(&mut self, b: &[u8]) -> (f64, f64) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(b);
        (start as f64, b.len() as f64)
    }

    /// Drains every event into one batch object:
    /// `{ count, nums, bytes, labels, labelBase, topics, topicBase, others }`.
    pub(crate) fn drain(&mut self, sim: &mut Simulation) -> Object {
        self.nums.clear();
        self.bytes.clear();
        let others = Array::new();
        let fresh_topics = Array::new();
        // The table only starts over between batches, so that every index in one
        // batch refers to the same table.
        if self.topics.len() >= TOPIC_TABLE_MAX {
            self.topics.clear();
        }
        let topic_base = self.topics.len() as u32;
        let mut count = 0u32;
        while let Some(e) = sim.poll_event() {
            count += 1;
            let frame = self.observe(&e);
            let mut r = [0f64; STRIDE];
            match &e {
                SimEvent::PacketSent(f) => {
                    r[0] = K_SENT;
                    r[1] = f.sent_at as f64;
                    r[2] = f.peer.0 as f64;
                    r[3] = f.id as f64;
                    r[4] = f.direction as u8 as f64;
                    r[5] = f.conn.0 as f64;
                    r[6] = f.arrives_at as f64;
                    (r[7], r[8]) = self.push_bytes(&f.bytes);
                    let mut flags =
                        u32::from(f.version.level()) | (f.lost.map_or(0, why_code) << 4);
                    if f.duplicate {
                        flags |= SENT_DUPLICATE;
                    }
                    r[10] = -1.0;
                    match &f.packet {
                        Some(Packet::Publish(p)) if p.properties.is_empty() => {
                            flags |= SENT_DECODED;
                            r[10] = f64::from(self.topic(&p.topic, &fresh_topics));
                            r[11] = f64::from(p.packet_id);
                            r[12] = p.payload.len() as f64;
                        }
                        Some(_) => flags |= SENT_DECODED,
                        None => {}
                    }
                    r[9] = f64::from(flags);
                }
                SimEvent::PacketDelivered {
                    flight,
                    peer,
                    direction,
                    at,
                } => {
                    r[0] = K_DELIVERED;
                    r[1] = *at as f64;
                    r[2] = peer.0 as f64;
                    r[3] = *flight as f64;
                    r[4] = *direction as u8 as f64;
                }
                SimEvent::PacketDropped {
                    flight,
                    peer,
                    direction,
                    at,
                    why,
                } => {
                    r[0] = K_DROPPED;
                    r[1] = *at as f64;
                    r[2] = peer.0 as f64;
                    r[3] = *flight as f64;
                    r[4] = *direction as u8 as f64;
                    r[5] = f64::from(why_code(*why));
                }
                SimEvent::Client {
                    peer,
                    at,
                    event: Event::Message(m),
                } => {
                    r[0] = K_MESSAGE;
                    r[1] = *at as f64;
                    r[2] = peer.0 as f64;
                    r[3] = f64::from(self.topic(&m.topic, &fresh_topics));
                    r[4] = f64::from(
                        u32::from(m.qos.as_u8())
                            | (u32::from(m.retain) << 2)
                            | (u32::from(m.dup) << 3),
                    );
                    let flags = match &frame {
                        Some((b, version)) => {
                            (r[7], r[8]) = self.push_bytes(b);
                            u32::from(version.level()) | MSG_FRAME
                        }
                        None => {
                            (r[7], r[8]) = self.push_bytes(&m.payload);
                            0
                        }
                    };
                    r[9] = f64::from(flags);
                    r[12] = m.payload.len() as f64;
                    r[13] = match props_to_js(&m.properties) {
                        Some(p) => {
                            others.push(&p);
                            f64::from(others.length() - 1)
                        }
                        None => -1.0,
                    };
                }
                SimEvent::Client {
                    peer,
                    at,
                    event:
                        Event::PublishComplete {
                            token,
                            result: Ok(code),
                        },
                } => {
                    r[0] = K_PUBLISHED;
                    r[1] = *at as f64;
                    r[2] = peer.0 as f64;
                    r[3] = token.0 as f64;
                    r[4] = f64::from(code.0);
                }
                other => {
                    r[0] = K_OTHER;
                    r[3] = f64::from(others.length());
                    others.push(&sim_event_to_js(sim, other));
                }
            }
            self.nums.extend_from_slice(&r);
        }
        let labels = Array::new();
        let label_base = self.labels_sent as u32;
        while let Some(l) = sim.label(PeerId(self.labels_sent)) {
            labels.push(&JsValue::from_str(l));
            self.labels_sent += 1;
        }
        let out = Object::new();
        set(&out, "count", count);
        set(&out, "nums", Float64Array::from(&self.nums[..]));
        set(&out, "bytes", Uint8Array::from(&self.bytes[..]));
        set(&out, "labels", labels);
        set(&out, "labelBase", label_base);
        set(&out, "topics", fresh_topics);
        set(&out, "topicBase", topic_base);
        set(&out, "others", others);
        out
    }
}
