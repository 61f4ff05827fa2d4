//! What the broker keeps for one client identifier across connections.

use super::{ConnId, Millis};
use crate::codec::{LastWill, Properties, ProtocolVersion, QoS};
use bytes::Bytes;
use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

/// The key of a session in the router (client identifiers are strings; the
/// router wants a small `Copy` key).
pub(crate) type SessionKey = u32;

/// An application message as the broker received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AppMessage {
    pub(crate) topic: String,
    pub(crate) payload: Bytes,
    pub(crate) qos: QoS,
    pub(crate) retain: bool,
    /// PUBLISH properties, without Topic Alias and Subscription Identifiers.
    pub(crate) properties: Properties,
    /// When its Message Expiry Interval ends, if it has one.
    pub(crate) expires_at: Option<Millis>,
    /// The session that published it (for No Local); `None` for Wills.
    pub(crate) publisher: Option<SessionKey>,
}

/// One message on its way to one subscriber.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub(crate) msg: Arc<AppMessage>,
    /// min(published QoS, subscription QoS).
    pub(crate) qos: QoS,
    /// The RETAIN flag to send.
    pub(crate) retain: bool,
    pub(crate) sub_ids: Vec<u32>,
}

impl Delivery {
    /// What it counts for in the queue's byte limit: its topic and payload.
    pub(crate) fn size(&self) -> usize {
        self.msg.topic.len() + self.msg.payload.len()
    }
}

/// What an outgoing QoS 1/2 message waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// QoS 1 PUBLISH sent, PUBACK awaited.
    Ack,
    /// QoS 2 PUBLISH sent, PUBREC awaited.
    Rec,
    /// PUBREL sent, PUBCOMP awaited.
    Comp,
}

/// An outgoing QoS 1/2 message with its packet identifier.
#[derive(Debug, Clone)]
pub(crate) struct Inflight {
    pub(crate) packet_id: u16,
    pub(crate) delivery: Delivery,
    pub(crate) stage: Stage,
}

/// A session [MQTT-4.1.0-1]: subscriptions live in the router under `key`; the
/// rest is here.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) key: SessionKey,
    pub(crate) client_id: String,
    pub(crate) conn: Option<ConnId>,
    pub(crate) version: ProtocolVersion,
    /// Session Expiry Interval in seconds; `u32::MAX` never expires.
    pub(crate) expiry: u32,
    /// Whether CONNECT set the expiry to 0 (DISCONNECT may then not raise it).
    pub(crate) connect_expiry_zero: bool,
    /// When an offline session expires.
    pub(crate) expires_at: Option<Millis>,
    /// Messages waiting to be sent, oldest first.
    pub(crate) queue: VecDeque<Delivery>,
    /// The bytes of `queue`, as [`Delivery::size`] counts them.
    pub(crate) queued_bytes: usize,
    /// QoS 1/2 messages sent and not yet acknowledged, in the order sent.
    pub(crate) inflight: VecDeque<Inflight>,
    /// Incoming QoS 2 packet identifiers whose PUBREL has not arrived (method B).
    pub(crate) incoming_qos2: BTreeSet<u16>,
    next_id: u16,
    pub(crate) will: Option<LastWill>,
    /// When a delayed Will is due.
    pub(crate) will_at: Option<Millis>,
}

impl Session {
    pub(crate) fn new(key: SessionKey, client_id: String, version: ProtocolVersion) -> Self {
        Session {
            key,
            client_id,
            conn: None,
            version,
            expiry: 0,
            connect_expiry_zero: true,
            expires_at: None,
            queue: VecDeque::new(),
            queued_bytes: 0,
            inflight: VecDeque::new(),
            incoming_qos2: BTreeSet::new(),
            next_id: 0,
            will: None,
            will_at: None,
        }
    }

    /// A packet identifier not used by an in-flight message [MQTT-2.2.1-3].
    /// The caller checks there is room (in-flight is capped well below 65,535).
    pub(crate) fn next_packet_id(&mut self) -> u16 {
        loop {
            self.next_id = self.next_id.wrapping_add(1);
            if self.next_id == 0 {
                continue;
            }
            let id = self.next_id;
            if !self.inflight.iter().any(|m| m.packet_id == id) {
                return id;
            }
        }
    }

    /// Adds a delivery to the queue, applying the queue-full policy to both
    /// limits (`max` messages, `max_bytes` bytes): the oldest QoS 0 messages
    /// make room, else the new message is refused. QoS 0 messages are dropped
    /// only when that makes enough room. Returns the dropped deliveries.
    pub(crate) fn enqueue(&mut self, d: Delivery, max: usize, max_bytes: usize) -> Vec<Delivery> {
        let size = d.size();
        let fits = |len: usize, bytes: usize| len < max && bytes + size <= max_bytes;
        if fits(self.queue.len(), self.queued_bytes) {
            self.queued_bytes += size;
            self.queue.push_back(d);
            return Vec::new();
        }
        let (n0, bytes0) = self
            .queue
            .iter()
            .filter(|q| q.qos == QoS::AtMostOnce)
            .fold((0, 0), |(n, b), q| (n + 1, b + q.size()));
        if !fits(self.queue.len() - n0, self.queued_bytes - bytes0) {
            return vec![d];
        }
        let mut dropped = Vec::new();
        while !fits(self.queue.len(), self.queued_bytes) {
            let Some(at) = self.queue.iter().position(|q| q.qos == QoS::AtMostOnce) else {
                break;
            };
            if let Some(old) = self.queue.remove(at) {
                self.queued_bytes -= old.size();
                dropped.push(old);
            }
        }
        self.queued_bytes += size;
        self.queue.push_back(d);
        dropped
    }

    /// Takes the oldest queued delivery.
    pub(crate) fn dequeue(&mut self) -> Option<Delivery> {
        let d = self.queue.pop_front()?;
        self.queued_bytes -= d.size();
        Some(d)
    }
}
