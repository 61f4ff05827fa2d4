//! What the application asks of a connection: [`ClientOptions`], [`ReconnectPolicy`]
//! and the per-message [`PublishOptions`].

use super::Millis;
use crate::codec::{LastWill, Properties, ProtocolVersion, QoS};
use bytes::Bytes;

/// Everything a [`Client`](super::Client) needs to open and keep a session.
///
/// The 5.0 CONNECT properties (session expiry, receive maximum, maximum packet
/// size, topic alias maximum, user properties, request problem / response
/// information, authentication method and data) go in [`ClientOptions::properties`];
/// they are ignored in 3.1.1.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientOptions {
    /// The protocol version to speak (3.1.1 or 5.0).
    pub protocol: ProtocolVersion,
    /// The client identifier; empty asks the server to assign one.
    pub client_id: String,
    /// Clean Session (3.1.1) / Clean Start (5.0). `false` asks the server to keep
    /// and resume the session, on the first connection and on every reconnection.
    pub clean_start: bool,
    /// Keep alive in seconds; 0 turns keepalive off. A Server Keep Alive in
    /// CONNACK replaces it.
    pub keep_alive: u16,
    /// How long to wait for a PINGRESP after a PINGREQ before the connection
    /// counts as lost. `None` means half the keep alive (at least one second).
    pub ping_timeout_ms: Option<Millis>,
    /// The user name, if any.
    pub username: Option<String>,
    /// The password, if any.
    pub password: Option<Bytes>,
    /// The Will message the server publishes if the connection ends abnormally.
    pub will: Option<LastWill>,
    /// CONNECT properties (5.0 only).
    pub properties: Properties,
    /// When the connection drops, how (and whether) to reconnect.
    pub reconnect: ReconnectPolicy,
    /// How long a connection attempt may take, from asking the host for a
    /// transport to receiving CONNACK; 0 means no limit.
    pub connect_timeout_ms: Millis,
    /// How many messages may wait while the client is not connected; a publish
    /// beyond that fails with [`ClientError::OfflineQueueFull`](super::ClientError::OfflineQueueFull).
    pub offline_queue_limit: usize,
    /// Re-send the active subscriptions after a reconnection when the server did
    /// not keep the session (Session Present = 0).
    pub resubscribe: bool,
    /// Give topics a Topic Alias automatically (5.0), within the server's Topic
    /// Alias Maximum, so that repeated publishes to a topic are smaller.
    pub auto_topic_alias: bool,
    /// Report every packet sent and received as [`Event::PacketSent`](super::Event::PacketSent)
    /// and [`Event::PacketReceived`](super::Event::PacketReceived) (for an inspector).
    /// Off, the client makes no copies for it.
    pub trace_packets: bool,
    /// The seed of the generator that draws the reconnect jitter. The core has no
    /// randomness of its own: the host seeds it (e.g. from `Math.random()`), and
    /// tests seed it with a constant.
    pub random_seed: u64,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            protocol: ProtocolVersion::V5,
            client_id: String::new(),
            clean_start: true,
            keep_alive: 60,
            ping_timeout_ms: None,
            username: None,
            password: None,
            will: None,
            properties: Properties::default(),
            reconnect: ReconnectPolicy::default(),
            connect_timeout_ms: 30_000,
            offline_queue_limit: 100,
            resubscribe: true,
            auto_topic_alias: true,
            trace_packets: false,
            random_seed: 0x5EED,
        }
    }
}

impl ClientOptions {
    /// Options for `protocol` with the given client identifier; the rest default.
    pub fn new(protocol: ProtocolVersion, client_id: impl Into<String>) -> Self {
        ClientOptions {
            protocol,
            client_id: client_id.into(),
            ..ClientOptions::default()
        }
    }
}

/// When and how often to reconnect after the connection is lost.
///
/// The n-th attempt (n = 1, 2, ...) waits `initial_delay_ms × 2^(n-1)`, capped
/// at `max_delay_ms`, then shortened by up to `jitter` of itself:
/// the delay lies in `[d × (1 - jitter), d]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectPolicy {
    /// The first delay (MQTT.js `reconnectPeriod`); 0 turns reconnection off.
    pub initial_delay_ms: Millis,
    /// The longest delay.
    pub max_delay_ms: Millis,
    /// How much of each delay may be taken off at random, from 0.0 to 1.0.
    pub jitter: f64,
    /// Give up after this many failed attempts in a row; `None` never gives up.
    pub max_attempts: Option<u32>,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy {
            initial_delay_ms: 1_000,
            max_delay_ms: 30_000,
            jitter: 0.2,
            max_attempts: None,
        }
    }
}

impl ReconnectPolicy {
    /// No reconnection.
    pub fn off() -> Self {
        ReconnectPolicy {
            initial_delay_ms: 0,
            ..ReconnectPolicy::default()
        }
    }

    /// Whether the policy reconnects at all.
    pub fn enabled(&self) -> bool {
        self.initial_delay_ms > 0
    }
}

/// How one message is published.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PublishOptions {
    /// The QoS of the message.
    pub qos: QoS,
    /// Whether the server should retain it.
    pub retain: bool,
    /// PUBLISH properties (5.0): message expiry, content type, response topic,
    /// correlation data, user properties, payload format. A Topic Alias set here
    /// is ignored: the client assigns aliases itself.
    pub properties: Properties,
}

impl PublishOptions {
    /// Options with only a QoS.
    pub fn qos(qos: QoS) -> Self {
        PublishOptions {
            qos,
            ..PublishOptions::default()
        }
    }
}
