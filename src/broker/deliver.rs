//! Routing a message to its subscribers and sending it within each client's limits.

use super::core::{Broker, Retained};
use super::event::{BrokerEvent, DropReason};
use super::session::{AppMessage, Delivery, Inflight, SessionKey, Stage};
use super::Millis;
use crate::codec::{Packet, Properties, Publish, QoS};
use std::sync::Arc;

/// The PUBLISH that carries `d` to a client: RETAIN and QoS as decided for
/// this subscriber, the publisher's properties passed on unchanged
/// [MQTT-3.3.2-15..20] except the Message Expiry Interval, which counts the
/// time spent in the broker [MQTT-3.3.2-6], and this subscriber's Subscription
/// Identifiers [MQTT-3.3.4-3]. A 3.1.1 client gets no properties.
pub(crate) fn outgoing_publish(d: &Delivery, packet_id: u16, now: Millis, v5: bool) -> Publish {
    let properties = if v5 {
        let mut p = d.msg.properties.clone();
        p.topic_alias = None;
        p.subscription_identifiers = d.sub_ids.clone();
        if let Some(t) = d.msg.expires_at {
            let left = t.saturating_sub(now).div_ceil(1000).max(1);
            p.message_expiry_interval = Some(left.min(u64::from(u32::MAX)) as u32);
        }
        p
    } else {
        Properties::default()
    };
    Publish {
        dup: false,
        qos: d.qos,
        retain: d.retain,
        topic: d.msg.topic.clone(),
        packet_id: if d.qos == QoS::AtMostOnce {
            0
        } else {
            packet_id
        },
        payload: d.msg.payload.clone(),
        properties,
    }
}

impl Broker {
    /// Stores or clears the retained message of a published message (RETAIN 1).
    /// Returns `false` when the store is full and the message was not kept.
    pub(crate) fn retain(&mut self, msg: &Arc<AppMessage>, now: Millis) -> bool {
        let topic = msg.topic.clone();
        if msg.payload.is_empty() {
            // [MQTT-3.3.1-10]/[MQTT-3.3.1-11] (3.1.1), [MQTT-3.3.1-6]/[MQTT-3.3.1-7] (5.0)
            if self.retained.remove(&topic).is_some() {
                self.retained_topics.remove(&topic);
                self.events
                    .push_back(BrokerEvent::RetainedCleared { topic, at: now });
            }
            return true;
        }
        match self.retained.set(&topic, Retained(msg.clone())) {
            Ok(_) => {
                self.retained_topics.insert(topic.clone());
                self.events
                    .push_back(BrokerEvent::RetainedSet { topic, at: now });
                true
            }
            Err(_) => {
                let client_id = self.publisher_name(msg);
                self.events.push_back(BrokerEvent::MessageDropped {
                    client_id,
                    topic,
                    at: now,
                    why: DropReason::RetainedStoreFull,
                });
                false
            }
        }
    }

    fn publisher_name(&self, msg: &AppMessage) -> String {
        msg.publisher
            .and_then(|k| self.sessions.get(&k))
            .map(|s| s.client_id.clone())
            .unwrap_or_default()
    }

    /// Sends a message to every matching subscription; returns how many
    /// subscribers it went to.
    pub(crate) fn route(&mut self, msg: Arc<AppMessage>, now: Millis) -> usize {
        let mut matches = core::mem::take(&mut self.matches);
        self.router.matches_into(&msg.topic, &mut matches);
        let mut n = 0;
        for m in matches.drain(..) {
            // [MQTT-3.8.3-3] (5.0): No Local keeps a client's own messages from it.
            if m.no_local && Some(m.client) == msg.publisher {
                continue;
            }
            n += 1;
            let d = Delivery {
                // [MQTT-3.8.4-8] (5.0) / [MQTT-3.8.4-6] (3.1.1): min of the two QoS.
                qos: msg.qos.min(m.qos),
                // [MQTT-3.3.1-12] (5.0): Retain As Published; otherwise 0 on
                // forwarding [MQTT-3.3.1-9] (3.1.1) / [MQTT-3.3.1-13] (5.0).
                retain: msg.retain && m.retain_as_published,
                sub_ids: m.subscription_identifiers,
                msg: msg.clone(),
            };
            self.deliver(m.client, d, now);
        }
        self.matches = matches;
        n
    }

    /// Queues a delivery for a session (policy in the module docs) and sends
    /// what its client's window allows.
    pub(crate) fn deliver(&mut self, key: SessionKey, d: Delivery, now: Millis) {
        let (max, max_bytes) = (self.cfg.max_queued_messages, self.cfg.max_queued_bytes);
        let Some(s) = self.sessions.get_mut(&key) else {
            return;
        };
        for dropped in s.enqueue(d, max, max_bytes) {
            self.events.push_back(BrokerEvent::MessageDropped {
                client_id: s.client_id.clone(),
                topic: dropped.msg.topic.clone(),
                at: now,
                why: DropReason::QueueFull,
            });
        }
        self.pump(key, now);
    }

    /// Sends queued messages of an online session, in order, while its
    /// client's Receive Maximum allows [MQTT-3.3.4-9]; drops expired ones
    /// [MQTT-3.3.2-5] and ones too large for the client [MQTT-3.1.2-25].
    pub(crate) fn pump(&mut self, key: SessionKey, now: Millis) {
        loop {
            let Some(s) = self.sessions.get_mut(&key) else {
                return;
            };
            let Some(conn) = s.conn else {
                return;
            };
            let Some(c) = self.conns.get(&conn) else {
                return;
            };
            // The host said the transport is backed up: messages wait here,
            // within the queue's limits, instead of piling up in the host.
            if c.busy {
                return;
            }
            let (window, max_out, v5) = (c.send_window, c.max_packet_out, c.is_v5());
            let Some(front) = s.queue.front() else {
                return;
            };
            let (why, alias_fits) = if front.msg.expires_at.is_some_and(|t| t <= now) {
                (Some(DropReason::Expired), false)
            } else if front.qos != QoS::AtMostOnce && s.inflight.len() >= window {
                return;
            } else {
                let probe = outgoing_publish(front, 1, now, v5);
                let len = Packet::Publish(probe).encoded_len(c.version);
                // A Topic Alias adds 3 bytes of property, and the property
                // length and remaining length may each grow by one byte; a
                // packet that fits only without it goes without.
                let why = (len > max_out).then_some(DropReason::PacketTooLarge);
                (why, len + 5 <= max_out)
            };
            let Some(d) = s.dequeue() else {
                return;
            };
            if let Some(why) = why {
                let client_id = s.client_id.clone();
                self.events.push_back(BrokerEvent::MessageDropped {
                    client_id,
                    topic: d.msg.topic.clone(),
                    at: now,
                    why,
                });
                continue;
            }
            let packet_id = if d.qos == QoS::AtMostOnce {
                0
            } else {
                let id = s.next_packet_id();
                let stage = if d.qos == QoS::AtLeastOnce {
                    Stage::Ack
                } else {
                    Stage::Rec
                };
                s.inflight.push_back(Inflight {
                    packet_id: id,
                    delivery: d.clone(),
                    stage,
                });
                id
            };
            let mut p = outgoing_publish(&d, packet_id, now, v5);
            if alias_fits {
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.aliases_out.apply(&mut p);
                }
            }
            self.send(conn, now, Packet::Publish(p));
        }
    }

    /// Publishes a session's Will, if it has one [MQTT-3.1.2-8].
    pub(crate) fn publish_will(&mut self, key: SessionKey, now: Millis) {
        let Some(s) = self.sessions.get_mut(&key) else {
            return;
        };
        s.will_at = None;
        let Some(will) = s.will.take() else {
            return;
        };
        let client_id = s.client_id.clone();
        let mut properties = will.properties;
        properties.will_delay_interval = None;
        let expires_at = properties
            .message_expiry_interval
            .map(|e| now.saturating_add(u64::from(e) * 1000));
        let msg = Arc::new(AppMessage {
            topic: will.topic,
            payload: will.payload,
            qos: will.qos.min(self.cfg.maximum_qos),
            retain: will.retain && self.cfg.retain_available,
            properties,
            expires_at,
            publisher: None,
        });
        self.events.push_back(BrokerEvent::WillPublished {
            client_id,
            topic: msg.topic.clone(),
            at: now,
        });
        if msg.retain {
            self.retain(&msg, now);
        }
        self.route(msg, now);
    }
}
