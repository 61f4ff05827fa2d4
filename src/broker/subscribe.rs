//! SUBSCRIBE and UNSUBSCRIBE.

use super::core::Broker;
use super::error::Violation;
use super::event::BrokerEvent;
use super::session::{Delivery, SessionKey};
use super::{ConnId, Millis};
use crate::codec::{
    Packet, Properties, QoS, ReasonCode, RetainHandling, SubAck, Subscribe, UnsubAck, Unsubscribe,
};
use crate::topic::parse_topic_filter;

impl Broker {
    /// Grants or refuses each filter, answers SUBACK with one code per filter
    /// [MQTT-3.8.4-1], [MQTT-3.9.3-1], then sends matching retained messages as
    /// Retain Handling asks.
    pub(crate) fn on_subscribe(
        &mut self,
        conn: ConnId,
        key: SessionKey,
        now: Millis,
        s: Subscribe,
    ) -> Result<(), Violation> {
        let v5 = self.conns.get(&conn).is_some_and(|c| c.is_v5());
        let sub_id = s.properties.subscription_identifiers.first().copied();
        let client_id = match self.sessions.get(&key) {
            Some(sess) => sess.client_id.clone(),
            None => return Ok(()),
        };
        let mut codes = Vec::with_capacity(s.filters.len());
        let mut retained = Vec::new();
        for f in &s.filters {
            let refuse = if v5 {
                ReasonCode::TOPIC_FILTER_INVALID
            } else {
                ReasonCode(0x80)
            };
            let shared = match parse_topic_filter(&f.filter) {
                Ok(p)
                    if self.cfg.topic_fits(p.filter)
                        && f.filter.len() <= self.cfg.max_topic_length =>
                {
                    p.share_name.is_some()
                }
                _ => {
                    codes.push(refuse);
                    continue;
                }
            };
            let count = self.router.subscriptions_of(key).len();
            let exists = self
                .router
                .subscriptions_of(key)
                .iter()
                .any(|x| x.filter == f.filter);
            if !exists && count >= self.cfg.max_subscriptions_per_client {
                codes.push(if v5 {
                    ReasonCode::QUOTA_EXCEEDED
                } else {
                    ReasonCode(0x80)
                });
                continue;
            }
            let mut options = f.options;
            options.qos = options.qos.min(self.cfg.maximum_qos);
            if !v5 {
                options = crate::codec::SubscriptionOptions {
                    qos: options.qos,
                    ..Default::default()
                };
            }
            let Ok(outcome) = self.router.subscribe(key, &f.filter, options, sub_id) else {
                codes.push(refuse);
                continue;
            };
            codes.push(ReasonCode(options.qos.as_u8()));
            self.events.push_back(BrokerEvent::SubscriptionAdded {
                client_id: client_id.clone(),
                filter: f.filter.clone(),
                options,
                at: now,
            });
            // Retained messages go to new non-shared subscriptions only
            // [MQTT-3.3.1-9] (5.0), [MQTT-3.8.4-4] (5.0, Retain Handling).
            let send = !shared
                && match options.retain_handling {
                    RetainHandling::SendAtSubscribe => true,
                    RetainHandling::SendIfNew => outcome.is_new(),
                    RetainHandling::DoNotSend => false,
                };
            if send {
                retained.push((f.filter.clone(), options.qos));
            }
        }
        let ack = SubAck {
            packet_id: s.packet_id,
            reason_codes: codes,
            properties: Properties::default(),
        };
        self.send(conn, now, Packet::SubAck(ack));
        for (filter, qos) in retained {
            self.send_retained(key, &filter, qos, sub_id, now);
        }
        Ok(())
    }

    /// Queues the retained messages matching `filter`, with RETAIN set
    /// [MQTT-3.3.1-8] (3.1.1) / [MQTT-3.3.1-9] (5.0). Expired ones are removed.
    fn send_retained(
        &mut self,
        key: SessionKey,
        filter: &str,
        qos: QoS,
        sub_id: Option<u32>,
        now: Millis,
    ) {
        let Ok(found) = self.retained.matching(filter) else {
            return;
        };
        let mut expired = Vec::new();
        let mut out = Vec::new();
        for (topic, r) in found {
            if r.0.expires_at.is_some_and(|t| t <= now) {
                expired.push(topic.to_owned());
                continue;
            }
            out.push(Delivery {
                msg: r.0.clone(),
                qos: r.0.qos.min(qos),
                retain: true,
                sub_ids: sub_id.into_iter().collect(),
            });
        }
        for topic in expired {
            self.retained.remove(&topic);
            self.retained_topics.remove(&topic);
            self.events
                .push_back(BrokerEvent::RetainedCleared { topic, at: now });
        }
        for d in out {
            self.deliver(key, d, now);
        }
    }

    /// Removes each filter and answers UNSUBACK [MQTT-3.10.4-4]; 5.0 says per
    /// filter whether there was such a subscription (0x11 otherwise).
    pub(crate) fn on_unsubscribe(
        &mut self,
        conn: ConnId,
        key: SessionKey,
        now: Millis,
        u: Unsubscribe,
    ) {
        let client_id = self
            .sessions
            .get(&key)
            .map(|s| s.client_id.clone())
            .unwrap_or_default();
        let mut codes = Vec::with_capacity(u.filters.len());
        for f in u.filters {
            if self.router.unsubscribe(key, &f) {
                codes.push(ReasonCode::SUCCESS);
                self.events.push_back(BrokerEvent::SubscriptionRemoved {
                    client_id: client_id.clone(),
                    filter: f,
                    at: now,
                });
            } else {
                codes.push(ReasonCode::NO_SUBSCRIPTION_EXISTED);
            }
        }
        let ack = UnsubAck {
            packet_id: u.packet_id,
            reason_codes: codes,
            properties: Properties::default(),
        };
        self.send(conn, now, Packet::UnsubAck(ack));
    }
}
