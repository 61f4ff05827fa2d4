//! Session state that outlives one network connection: packet identifiers,
//! messages in flight both ways, waiting messages and active subscriptions.

use super::event::Token;
use crate::codec::{Properties, Publish, SubscribeFilter};
use std::collections::{BTreeSet, HashMap, VecDeque};

/// The acknowledgement an outgoing QoS 1 or 2 message waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Awaiting {
    /// QoS 1 sent, PUBACK awaited.
    Ack,
    /// QoS 2 sent, PUBREC awaited.
    Rec,
    /// PUBREL sent, PUBCOMP awaited.
    Comp,
}

/// An outgoing message that holds a packet identifier.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub token: Token,
    /// The message with its full topic (aliases are per connection, applied when written).
    pub publish: Publish,
    pub state: Awaiting,
    /// Send order, so that re-sends keep the original order [MQTT-4.6.0-1].
    pub seq: u64,
}

/// A message waiting for a connection or for a slot in the server's window.
#[derive(Debug, Clone)]
pub(crate) struct Queued {
    pub token: Token,
    pub publish: Publish,
}

/// A SUBSCRIBE or UNSUBSCRIBE awaiting its acknowledgement.
#[derive(Debug, Clone)]
pub(crate) enum Request {
    Subscribe {
        /// `None` for the client's own re-subscription.
        token: Option<Token>,
        filters: Vec<SubscribeFilter>,
        properties: Properties,
    },
    Unsubscribe {
        token: Token,
        filters: Vec<String>,
        properties: Properties,
    },
}

/// The client side of the session.
#[derive(Debug, Default)]
pub(crate) struct Session {
    next_id: u16,
    next_seq: u64,
    /// QoS 1/2 messages sent and not yet completed, by packet identifier.
    pub inflight: HashMap<u16, Outgoing>,
    /// SUBSCRIBE / UNSUBSCRIBE sent (or to send) and not yet acknowledged.
    pub requests: HashMap<u16, Request>,
    /// Messages not yet given a packet identifier, in publish order.
    pub queue: VecDeque<Queued>,
    /// Incoming QoS 2 packet identifiers PUBREC'd and awaiting PUBREL
    /// [MQTT-4.3.3-2]: a PUBLISH with one of these ids is not delivered again.
    pub incoming_qos2: BTreeSet<u16>,
    /// The active subscriptions: filter, options and the SUBSCRIBE's properties.
    pub subscriptions: Vec<(SubscribeFilter, Properties)>,
}

impl Session {
    /// A free packet identifier: 1..=65535, never 0 [MQTT-2.3.1-1], skipping
    /// identifiers in use [MQTT-2.3.1-2]. `None` when all are taken.
    pub fn next_packet_id(&mut self) -> Option<u16> {
        if self.inflight.len() + self.requests.len() >= u16::MAX as usize {
            return None;
        }
        loop {
            self.next_id = self.next_id.wrapping_add(1);
            if self.next_id == 0 {
                self.next_id = 1;
            }
            let id = self.next_id;
            if !self.inflight.contains_key(&id) && !self.requests.contains_key(&id) {
                return Some(id);
            }
        }
    }

    /// Records a message as sent with identifier `publish.packet_id`.
    pub fn track(&mut self, token: Token, publish: Publish, state: Awaiting) {
        self.next_seq += 1;
        let id = publish.packet_id;
        self.inflight.insert(
            id,
            Outgoing {
                token,
                publish,
                state,
                seq: self.next_seq,
            },
        );
    }

    /// The in-flight messages in the order they were first sent.
    pub fn inflight_in_order(&self) -> Vec<u16> {
        let mut v: Vec<(u64, u16)> = self
            .inflight
            .values()
            .map(|o| (o.seq, o.publish.packet_id))
            .collect();
        v.sort_unstable();
        v.into_iter().map(|(_, id)| id).collect()
    }

    /// Records granted subscriptions (replacing an earlier one with the same filter).
    pub fn add_subscription(&mut self, filter: SubscribeFilter, properties: Properties) {
        self.subscriptions
            .retain(|(f, _)| f.filter != filter.filter);
        self.subscriptions.push((filter, properties));
    }

    /// Forgets a subscription.
    pub fn remove_subscription(&mut self, filter: &str) {
        self.subscriptions.retain(|(f, _)| f.filter != filter);
    }

    /// The active subscriptions grouped into SUBSCRIBE requests: consecutive
    /// filters that were made with the same properties share one packet.
    pub fn resubscribe_groups(&self) -> Vec<(Vec<SubscribeFilter>, Properties)> {
        let mut groups: Vec<(Vec<SubscribeFilter>, Properties)> = Vec::new();
        for (f, p) in &self.subscriptions {
            match groups.last_mut() {
                Some((fs, gp)) if gp == p => fs.push(f.clone()),
                _ => groups.push((vec![f.clone()], p.clone())),
            }
        }
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_ids_skip_zero_and_ids_in_use() {
        // [MQTT-2.3.1-1] [MQTT-2.3.1-2]
        let mut s = Session::default();
        let a = s.next_packet_id().unwrap();
        assert_eq!(a, 1);
        s.track(
            Token(1),
            Publish {
                packet_id: 2,
                ..Publish::default()
            },
            Awaiting::Ack,
        );
        assert_eq!(s.next_packet_id(), Some(3));
        s.next_id = u16::MAX - 1;
        assert_eq!(s.next_packet_id(), Some(u16::MAX));
        assert_eq!(s.next_packet_id(), Some(1));
        assert_eq!(s.next_packet_id(), Some(3));
    }

    #[test]
    fn packet_ids_run_out_after_65535_in_use() {
        let mut s = Session::default();
        for id in 1..=u16::MAX {
            s.track(
                Token(0),
                Publish {
                    packet_id: id,
                    ..Publish::default()
                },
                Awaiting::Ack,
            );
        }
        assert_eq!(s.next_packet_id(), None);
    }

    #[test]
    fn inflight_order_is_send_order_not_id_order() {
        let mut s = Session::default();
        for id in [65535, 1, 2] {
            s.track(
                Token(0),
                Publish {
                    packet_id: id,
                    ..Publish::default()
                },
                Awaiting::Ack,
            );
        }
        assert_eq!(s.inflight_in_order(), vec![65535, 1, 2]);
    }
}
