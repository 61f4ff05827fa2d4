//! What the client reports to its host: [`Event`]s.

use super::error::ClientError;
use super::Millis;
use crate::codec::{Packet, Properties, QoS, ReasonCode};
use bytes::Bytes;

/// Names one request (publish, subscribe, unsubscribe) so that its completion
/// event can be matched to it. Tokens are never reused by a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Token(pub u64);

/// Something the host must act on or tell the application.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// Open a new transport (e.g. a WebSocket), then call
    /// [`Client::handle_connected`](super::Client::handle_connected), or
    /// [`Client::handle_closed`](super::Client::handle_closed) if it fails.
    OpenTransport,
    /// Close the transport after sending what `poll_transmit` returned. Do not
    /// report its closing with `handle_closed`: the client already counts it as gone.
    CloseTransport,
    /// CONNACK accepted the connection.
    Connected(Box<Connected>),
    /// An application message arrived (delivered once, whatever its QoS).
    Message(Box<Message>),
    /// A publish finished: QoS 0 when written, QoS 1 on PUBACK, QoS 2 on PUBCOMP.
    /// A failure code from the server, or a message that could not be sent,
    /// is an `Err`.
    PublishComplete {
        /// The token `publish` returned.
        token: Token,
        /// The server's reason code (Success in 3.1.1), or why it failed.
        result: Result<ReasonCode, ClientError>,
    },
    /// SUBACK arrived.
    SubscribeComplete {
        /// The token `subscribe` returned.
        token: Token,
        /// One code per filter: the granted QoS (0, 1, 2) or a failure (≥ 0x80).
        reason_codes: Vec<ReasonCode>,
    },
    /// UNSUBACK arrived.
    UnsubscribeComplete {
        /// The token `unsubscribe` returned.
        token: Token,
        /// One code per filter (all Success in 3.1.1, which has none).
        reason_codes: Vec<ReasonCode>,
    },
    /// A connection ended without the application asking.
    ConnectionLost {
        /// Why.
        error: ClientError,
    },
    /// The client went from connected to not connected; messages published
    /// from now on wait in the offline queue.
    Offline,
    /// A reconnection is scheduled: [`Event::OpenTransport`] follows in `delay_ms`.
    Reconnecting {
        /// 1 for the first attempt after a loss.
        attempt: u32,
        /// How long until the attempt.
        delay_ms: Millis,
    },
    /// The client stopped and will not reconnect on its own.
    Closed {
        /// Why.
        why: CloseReason,
    },
    /// A problem that did not end the connection (e.g. an acknowledgement for
    /// an unknown packet identifier).
    Error(ClientError),
    /// A packet was written to the transmit buffer (when tracing is on).
    PacketSent {
        /// The packet.
        packet: Box<Packet>,
        /// Its bytes.
        bytes: Bytes,
    },
    /// A packet was received (when tracing is on).
    PacketReceived {
        /// The packet.
        packet: Box<Packet>,
        /// Its bytes.
        bytes: Bytes,
    },
}

/// Why the client stopped.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The application called `disconnect`.
    Disconnected,
    /// The connection was lost and reconnection is off.
    Lost(ClientError),
    /// An error that reconnecting would not fix (e.g. bad credentials).
    Fatal(ClientError),
    /// Reconnection gave up after `attempts` failed attempts.
    GaveUp {
        /// How many attempts were made.
        attempts: u32,
        /// The error that ended the last one.
        last_error: ClientError,
    },
}

/// What CONNACK said, with the server's limits resolved to their defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connected {
    /// Whether the server resumed a session.
    pub session_present: bool,
    /// The keep alive in force (the Server Keep Alive if the server sent one).
    pub keep_alive: u16,
    /// How many QoS 1 and 2 messages the client may have in flight (65,535 by default).
    pub receive_maximum: u16,
    /// The largest packet the server accepts (`None`: no limit beyond MQTT's).
    pub maximum_packet_size: Option<u32>,
    /// The highest Topic Alias the server accepts (0: none).
    pub topic_alias_maximum: u16,
    /// The highest QoS the server supports.
    pub maximum_qos: QoS,
    /// Whether the server supports retained messages.
    pub retain_available: bool,
    /// The client identifier the server assigned, if it did.
    pub assigned_client_id: Option<String>,
    /// All CONNACK properties as received.
    pub properties: Properties,
}

/// An application message received from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The topic, resolved from its Topic Alias if it came with one.
    pub topic: String,
    /// The payload.
    pub payload: Bytes,
    /// The QoS it was delivered with.
    pub qos: QoS,
    /// Whether it is a retained message.
    pub retain: bool,
    /// Whether the server flagged it as a possible re-delivery.
    pub dup: bool,
    /// PUBLISH properties (5.0): user properties, message expiry, response topic,
    /// correlation data, subscription identifiers, content type...
    pub properties: Properties,
}
