//! What a broker allows: limits, features and timers.

use super::Millis;
use crate::codec::QoS;
use crate::topic::RetainedLimits;

/// The broker's configuration. [`BrokerConfig::default`] suits a classroom page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerConfig {
    /// How many connections may be CONNECTed at once. Beyond it a CONNECT is
    /// refused with 0x89 Server busy (3.1.1: 0x03 Server unavailable).
    pub max_connections: usize,
    /// How many transports may wait for their CONNECT at once. A transport
    /// opened beyond it is closed at once (nothing can be sent before CONNECT);
    /// each waits at most `connect_timeout_ms`.
    pub max_pending_connections: usize,
    /// How long a transport may stay open without sending CONNECT.
    pub connect_timeout_ms: Millis,
    /// The largest packet accepted, in bytes; a bigger one ends the connection (0x95).
    /// Advertised in CONNACK as Maximum Packet Size.
    pub max_packet_size: u32,
    /// How many QoS 1/2 messages a client may have unacknowledged towards the
    /// broker (Receive Maximum in CONNACK); one more is a protocol error (0x93).
    pub receive_maximum: u16,
    /// The most QoS 1/2 messages in flight to one client, whatever its Receive
    /// Maximum; the others wait in the session's queue.
    pub max_inflight: u16,
    /// The most messages waiting to be sent per session (see the queue-full policy).
    pub max_queued_messages: usize,
    /// The most bytes (topic and payload) of the messages waiting per session;
    /// the same queue-full policy applies.
    pub max_queued_bytes: usize,
    /// The most subscriptions per session; beyond, SUBACK refuses (0x97 Quota exceeded / 0x80).
    pub max_subscriptions_per_client: usize,
    /// The most levels in a topic name or filter.
    pub max_topic_levels: usize,
    /// The longest topic name or filter, in bytes (MQTT allows 65,535).
    /// Beyond it, and beyond `max_topic_levels`, a PUBLISH is refused (5.0:
    /// PUBACK/PUBREC 0x90 Topic Name invalid; 3.1.1: the connection is closed),
    /// a SUBSCRIBE filter too (SUBACK 0x8F / 0x80) and a Will topic (CONNACK 0x90 / 0x02).
    pub max_topic_length: usize,
    /// The highest Topic Alias a client may use (0: none).
    pub topic_alias_maximum: u16,
    /// Whether PUBLISHes to 5.0 clients that accept Topic Aliases (Topic
    /// Alias Maximum > 0 in CONNECT) use them; see the module docs.
    pub assign_topic_aliases: bool,
    /// The highest QoS the broker supports.
    pub maximum_qos: QoS,
    /// Whether retained messages are supported.
    pub retain_available: bool,
    /// Limits of the retained-message store. A retained message that does not
    /// fit is refused (5.0 QoS 1/2: PUBACK/PUBREC 0x97 Quota exceeded, and not
    /// delivered); QoS 0 and 3.1.1 messages are delivered but not retained.
    pub retained: RetainedLimits,
    /// Overrides the client's keep alive (Server Keep Alive, 5.0; 3.1.1 clients keep theirs).
    pub server_keep_alive: Option<u16>,
    /// The longest session expiry granted, in seconds (a longer request is cut to it).
    pub max_session_expiry: u32,
    /// Emits [`BrokerEvent::PacketIn`](super::BrokerEvent::PacketIn) and `PacketOut`
    /// for every packet. Off, they cost nothing.
    pub trace_packets: bool,
}

impl BrokerConfig {
    /// Whether a topic name or filter is within `max_topic_length` and `max_topic_levels`.
    pub(crate) fn topic_fits(&self, topic: &str) -> bool {
        topic.len() <= self.max_topic_length && topic.split('/').count() <= self.max_topic_levels
    }
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            max_connections: 1000,
            max_pending_connections: 100,
            connect_timeout_ms: 10_000,
            max_packet_size: 1024 * 1024,
            receive_maximum: 64,
            max_inflight: 32,
            max_queued_messages: 1000,
            max_queued_bytes: 4 * 1024 * 1024,
            max_subscriptions_per_client: 100,
            max_topic_levels: 128,
            max_topic_length: 4096,
            topic_alias_maximum: 16,
            assign_topic_aliases: true,
            maximum_qos: QoS::ExactlyOnce,
            retain_available: true,
            retained: RetainedLimits::default(),
            server_keep_alive: None,
            max_session_expiry: u32::MAX,
            trace_packets: false,
        }
    }
}
