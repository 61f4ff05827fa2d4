//! Why something failed, in words a user can act on.

use super::Millis;
use crate::codec::{DecodeError, EncodeError, QoS, ReasonCode};
use thiserror::Error;

/// What went wrong with a connection or a request.
///
/// The variants fall in three groups, as rustls's errors do: the server refused
/// or ended something (`ConnectionRefused`, `ServerDisconnect`, `PublishRejected`),
/// the server broke the protocol or the link failed (`MalformedPacket`,
/// `ProtocolViolation`, `KeepAliveTimeout`, `ConnectTimeout`, `TransportClosed`),
/// and the caller asked for something impossible (`InvalidTopic`,
/// `OfflineQueueFull`, `PacketTooLarge`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server answered CONNECT with a failure code.
    #[error("the server refused the connection: {words}{}", suffix(reason_string))]
    ConnectionRefused {
        /// The 5.0 reason code or the 3.1.1 return code.
        code: ReasonCode,
        /// The code in words (the 3.1.1 return-code text or the 5.0 reason name).
        words: &'static str,
        /// The server's Reason String (5.0), if any.
        reason_string: Option<String>,
    },
    /// The server sent DISCONNECT.
    #[error("the server closed the connection: {code}{}", suffix(reason_string))]
    ServerDisconnect {
        /// Its reason code.
        code: ReasonCode,
        /// Its Reason String, if any.
        reason_string: Option<String>,
    },
    /// The server refused a message (PUBACK or PUBREC with a failure code).
    #[error("the server refused the message: {code}{}", suffix(reason_string))]
    PublishRejected {
        /// The reason code.
        code: ReasonCode,
        /// The Reason String, if any.
        reason_string: Option<String>,
    },
    /// The server sent bytes that are not a valid packet.
    #[error("the server sent a malformed packet: {0}")]
    MalformedPacket(DecodeError),
    /// The server sent a valid packet that breaks the protocol.
    #[error("the server broke the protocol ({code}): {detail}")]
    ProtocolViolation {
        /// The reason code the client reports it with.
        code: ReasonCode,
        /// What happened.
        detail: String,
    },
    /// No PINGRESP came back in time.
    #[error("no PINGRESP within {waited_ms} ms of PINGREQ: the connection is considered lost")]
    KeepAliveTimeout {
        /// How long the client waited.
        waited_ms: Millis,
    },
    /// No CONNACK came back in time.
    #[error("no CONNACK within {waited_ms} ms: the connection attempt timed out")]
    ConnectTimeout {
        /// How long the client waited.
        waited_ms: Millis,
    },
    /// The transport (e.g. the WebSocket) closed or could not be opened.
    #[error("the connection was closed: {reason}")]
    TransportClosed {
        /// What the host reported.
        reason: String,
    },
    /// Extended authentication failed on the client's side.
    #[error("authentication failed: {0}")]
    AuthFailed(String),
    /// A topic name is not valid for a PUBLISH.
    #[error("invalid topic {topic:?}: {why}")]
    InvalidTopic {
        /// The topic.
        topic: String,
        /// Why it is refused.
        why: &'static str,
    },
    /// A topic filter is not valid for a SUBSCRIBE or UNSUBSCRIBE.
    #[error("invalid topic filter {filter:?}: {why}")]
    InvalidFilter {
        /// The filter.
        filter: String,
        /// Why it is refused.
        why: &'static str,
    },
    /// The offline queue is full.
    #[error("the client is offline and its queue already holds {limit} message(s)")]
    OfflineQueueFull {
        /// The queue's limit.
        limit: usize,
    },
    /// A packet is larger than the server's Maximum Packet Size.
    #[error("the packet is {size} bytes; the server accepts at most {max}")]
    PacketTooLarge {
        /// The packet's size.
        size: usize,
        /// The server's Maximum Packet Size.
        max: usize,
    },
    /// The message's QoS is above the server's Maximum QoS.
    #[error("the server supports QoS up to {max:?}, not {requested:?}")]
    QosNotSupported {
        /// The QoS asked for.
        requested: QoS,
        /// The server's maximum.
        max: QoS,
    },
    /// A retained message to a server without Retain Available.
    #[error("the server does not support retained messages")]
    RetainNotSupported,
    /// All 65,535 packet identifiers are in use.
    #[error("all 65,535 packet identifiers are in use")]
    PacketIdsExhausted,
    /// The request cannot be made in the client's state.
    #[error("not connected: {0}")]
    NotConnected(&'static str),
    /// The packet cannot be encoded.
    #[error("the packet cannot be encoded: {0}")]
    Encode(#[from] EncodeError),
}

fn suffix(reason_string: &Option<String>) -> String {
    match reason_string {
        Some(s) => format!(" ({s})"),
        None => String::new(),
    }
}

impl ClientError {
    /// Whether reconnecting may help after this error ended a connection.
    ///
    /// Refusals for credentials, identity or authorisation, a ban, a session
    /// taken over by another client (two tabs with one client id would
    /// otherwise take it from each other forever) and a redirect are final.
    pub fn is_retryable(&self) -> bool {
        match self {
            ClientError::ConnectionRefused { code, .. } => matches!(
                code.0,
                // 3.1.1 code 3 (server unavailable); 5.0 unspecified,
                // server unavailable, busy, quota, connection rate.
                3 | 0x80 | 0x88 | 0x89 | 0x97 | 0x9F
            ),
            ClientError::ServerDisconnect { code, .. } => {
                !matches!(code.0, 0x87 | 0x8A | 0x8E | 0x9C | 0x9D)
            }
            ClientError::AuthFailed(_) => false,
            _ => true,
        }
    }

    /// The reason code the client puts in its DISCONNECT (5.0) for this error.
    pub(crate) fn disconnect_code(&self) -> Option<ReasonCode> {
        match self {
            ClientError::MalformedPacket(e) => Some(e.reason_code()),
            ClientError::ProtocolViolation { code, .. } => Some(*code),
            ClientError::AuthFailed(_) => Some(ReasonCode::UNSPECIFIED_ERROR),
            _ => None,
        }
    }

    pub(crate) fn protocol(code: ReasonCode, detail: impl Into<String>) -> Self {
        ClientError::ProtocolViolation {
            code,
            detail: detail.into(),
        }
    }
}
