//! What the broker reports to its host: [`BrokerEvent`]s, for the page's
//! animations and inspector.

use super::{ConnId, Millis};
use crate::codec::{DecodeError, Packet, ReasonCode, SubscriptionOptions};
use bytes::Bytes;

/// Something that happened in the broker, with the time it happened.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum BrokerEvent {
    /// A transport was opened ([`Broker::open`](super::Broker::open)).
    ConnectionOpened {
        /// The connection.
        conn: ConnId,
        /// When.
        at: Millis,
    },
    /// A connection ended; its transport is (or is to be) closed.
    ConnectionClosed {
        /// The connection.
        conn: ConnId,
        /// Its client identifier, if it got as far as CONNECT.
        client_id: Option<String>,
        /// When.
        at: Millis,
        /// Why.
        reason: CloseReason,
    },
    /// A packet arrived (when `trace_packets` is on).
    PacketIn {
        /// The connection.
        conn: ConnId,
        /// Its client identifier, once known.
        client_id: Option<String>,
        /// When.
        at: Millis,
        /// The decoded packet.
        packet: Box<Packet>,
        /// Its bytes.
        bytes: Bytes,
    },
    /// A packet was queued for sending (when `trace_packets` is on).
    PacketOut {
        /// The connection.
        conn: ConnId,
        /// Its client identifier, once known.
        client_id: Option<String>,
        /// When.
        at: Millis,
        /// The packet.
        packet: Box<Packet>,
        /// Its bytes.
        bytes: Bytes,
    },
    /// Bytes that did not decode (when `trace_packets` is on); the connection closes.
    DecodeFailed {
        /// The connection.
        conn: ConnId,
        /// Its client identifier, once known.
        client_id: Option<String>,
        /// When.
        at: Millis,
        /// What was wrong.
        error: DecodeError,
        /// The bytes received in the call that failed.
        bytes: Bytes,
    },
    /// A new session began.
    SessionCreated {
        /// The client identifier (assigned by the broker if `assigned`).
        client_id: String,
        /// Whether the broker chose the identifier.
        assigned: bool,
        /// When.
        at: Millis,
    },
    /// A connection resumed a stored session.
    SessionResumed {
        /// The client identifier.
        client_id: String,
        /// When.
        at: Millis,
    },
    /// A session ended and its state was discarded.
    SessionEnded {
        /// The client identifier.
        client_id: String,
        /// When.
        at: Millis,
        /// Why.
        why: SessionEndReason,
    },
    /// A subscription was made or its options replaced.
    SubscriptionAdded {
        /// The client identifier.
        client_id: String,
        /// The filter as subscribed.
        filter: String,
        /// The options granted.
        options: SubscriptionOptions,
        /// When.
        at: Millis,
    },
    /// A subscription was removed by UNSUBSCRIBE.
    SubscriptionRemoved {
        /// The client identifier.
        client_id: String,
        /// The filter.
        filter: String,
        /// When.
        at: Millis,
    },
    /// A retained message was stored (or replaced).
    RetainedSet {
        /// The topic.
        topic: String,
        /// When.
        at: Millis,
    },
    /// A retained message was deleted (empty retained payload, or it expired).
    RetainedCleared {
        /// The topic.
        topic: String,
        /// When.
        at: Millis,
    },
    /// A Will message was published.
    WillPublished {
        /// The client whose Will it was.
        client_id: String,
        /// Its topic.
        topic: String,
        /// When.
        at: Millis,
    },
    /// A Will message was discarded (normal DISCONNECT, or the client came back in time).
    WillCancelled {
        /// The client whose Will it was.
        client_id: String,
        /// When.
        at: Millis,
    },
    /// A message was not delivered to a client (or not accepted from one).
    MessageDropped {
        /// The client concerned.
        client_id: String,
        /// The message's topic.
        topic: String,
        /// When.
        at: Millis,
        /// Why.
        why: DropReason,
    },
}

/// Why a connection ended.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The client sent DISCONNECT (with this 5.0 reason code).
    Disconnected(ReasonCode),
    /// Another connection with the same client identifier took the session over.
    TakenOver,
    /// Nothing arrived for 1.5 × the keep alive.
    KeepAliveTimeout,
    /// No CONNECT arrived in time.
    ConnectTimeout,
    /// CONNACK refused the connection with this code (3.1.1 return code or 5.0 reason code).
    Refused(ReasonCode),
    /// The client broke the protocol; 5.0 clients were sent DISCONNECT with this reason code.
    ProtocolError {
        /// The reason code.
        reason: ReasonCode,
        /// What happened, in words.
        detail: String,
    },
    /// The host reported the transport closed.
    TransportLost,
    /// The broker restarted.
    Restart,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionEndReason {
    /// Its Session Expiry Interval passed while the client was away.
    Expired,
    /// A connection with Clean Start (Clean Session) replaced it.
    CleanStart,
    /// The connection ended and the session was not to outlive it.
    ConnectionEnded,
    /// The broker restarted without keeping sessions.
    Restart,
}

/// Why a message was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropReason {
    /// The session's queue was full (`max_queued_messages`).
    QueueFull,
    /// Its Message Expiry Interval passed before it could be sent.
    Expired,
    /// It would be larger than the client's Maximum Packet Size [MQTT-3.1.2-25].
    PacketTooLarge,
    /// The retained store is full.
    RetainedStoreFull,
    /// The topic breaks a broker limit (length or depth).
    TopicRefused,
}
