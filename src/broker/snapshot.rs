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

/// What the broker holds, in totals: for limits, tests and dashboards.
///
/// Sizes count topics and payloads (what the queue limits count); a message
/// queued for several sessions is counted once per session, although its bytes
/// are shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BrokerStats {
    /// Transports open (CONNECTed or not).
    pub connections: usize,
    /// Sessions, online or not.
    pub sessions: usize,
    /// Messages waiting in session queues, all sessions together.
    pub queued_messages: usize,
    /// Their bytes.
    pub queued_bytes: usize,
    /// The longest queue of one session, in messages.
    pub most_queued_messages: usize,
    /// The largest queue of one session, in bytes.
    pub most_queued_bytes: usize,
    /// QoS 1/2 messages sent and not yet acknowledged, all sessions together.
    pub inflight_messages: usize,
    /// The most in flight to one session.
    pub most_inflight: usize,
    /// Retained messages.
    pub retained_messages: usize,
    /// Their bytes, as the store counts them.
    pub retained_bytes: usize,
    /// Bytes encoded and not yet taken by [`Broker::poll_transmit`].
    pub transmit_bytes: usize,
}

impl Broker {
    /// Totals of what the broker holds now.
    pub fn stats(&self) -> BrokerStats {
        let mut st = BrokerStats {
            connections: self.conns.len(),
            sessions: self.sessions.len(),
            retained_messages: self.retained.len(),
            retained_bytes: self.retained.bytes(),
            ..BrokerStats::default()
        };
        for s in self.sessions.values() {
            debug_assert_eq!(
                s.queued_bytes,
                s.queue.iter().map(|d| d.size()).sum::<usize>(),
                "queued bytes out of step"
            );
            st.queued_messages += s.queue.len();
            st.queued_bytes += s.queued_bytes;
            st.most_queued_messages = st.most_queued_messages.max(s.queue.len());
            st.most_queued_bytes = st.most_queued_bytes.max(s.queued_bytes);
            st.inflight_messages += s.inflight.len();
            st.most_inflight = st.most_inflight.max(s.inflight.len());
        }
        st.transmit_bytes =
            self.conns.values().map(|c| c.out.len()).sum::<usize>() + self.final_tx_bytes();
        st
    }

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
