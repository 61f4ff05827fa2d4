//! Read-only views of the broker's state for the page's admin panels.

use super::core::Broker;
use super::{ConnId, Millis};
use crate::codec::{Properties, ProtocolVersion, QoS, SubscriptionOptions};
use bytes::Bytes;

/// One session, as [`Broker::sessions`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The client identifier.
    pub client_id: String,
    /// The connection it is attached to, if online.
    pub conn: Option<ConnId>,
    /// The protocol version of its last connection.
    pub version: ProtocolVersion,
    /// Session Expiry Interval in seconds (`u32::MAX`: never).
    pub expiry_interval: u32,
    /// When it expires, if offline and it can expire.
    pub expires_at: Option<Millis>,
    /// How many subscriptions it has.
    pub subscriptions: usize,
    /// Messages waiting to be sent.
    pub queued: usize,
    /// QoS 1/2 messages sent and not yet acknowledged.
    pub inflight: usize,
    /// Incoming QoS 2 messages awaiting PUBREL.
    pub awaiting_pubrel: usize,
    /// Whether it holds a Will.
    pub has_will: bool,
    /// When its delayed Will is due, if one is pending.
    pub will_at: Option<Millis>,
}

/// One subscription, as [`Broker::subscriptions`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionInfo {
    /// The subscriber.
    pub client_id: String,
    /// The filter as subscribed (with any `$share/{name}/`).
    pub filter: String,
    /// The options granted.
    pub options: SubscriptionOptions,
    /// Its Subscription Identifier, if any.
    pub subscription_identifier: Option<u32>,
}

/// One retained message, as [`Broker::retained`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetainedInfo {
    /// The topic.
    pub topic: String,
    /// The payload.
    pub payload: Bytes,
    /// The QoS it was published with.
    pub qos: QoS,
    /// Its properties as published.
    pub properties: Properties,
}

impl Broker {
    /// Every session, ordered by client identifier.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        self.by_client_id
            .values()
            .filter_map(|k| self.sessions.get(k))
            .map(|s| SessionInfo {
                client_id: s.client_id.clone(),
                conn: s.conn,
                version: s.version,
                expiry_interval: s.expiry,
                expires_at: if s.conn.is_none() { s.expires_at } else { None },
                subscriptions: self.router.subscriptions_of(s.key).len(),
                queued: s.queue.len(),
                inflight: s.inflight.len(),
                awaiting_pubrel: s.incoming_qos2.len(),
                has_will: s.will.is_some(),
                will_at: s.will_at,
            })
            .collect()
    }

    /// Every subscription, ordered by client identifier then filter.
    pub fn subscriptions(&self) -> Vec<SubscriptionInfo> {
        let mut out = Vec::new();
        for s in self
            .by_client_id
            .values()
            .filter_map(|k| self.sessions.get(k))
        {
            let mut subs = self.router.subscriptions_of(s.key);
            subs.sort_by(|a, b| a.filter.cmp(&b.filter));
            out.extend(subs.into_iter().map(|x| SubscriptionInfo {
                client_id: s.client_id.clone(),
                filter: x.filter,
                options: x.options,
                subscription_identifier: x.subscription_identifier,
            }));
        }
        out
    }

    /// Every retained message, ordered by topic.
    pub fn retained(&self) -> Vec<RetainedInfo> {
        self.retained_topics
            .iter()
            .filter_map(|t| self.retained.get(t))
            .map(|r| RetainedInfo {
                topic: r.0.topic.clone(),
                payload: r.0.payload.clone(),
                qos: r.0.qos,
                properties: r.0.properties.clone(),
            })
            .collect()
    }

    /// How many connections are open.
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }
}
