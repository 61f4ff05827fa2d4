//! Why a packet could not be decoded or encoded.
//!
//! Every error knows the MQTT 5.0 reason code a server sends back for it (in a
//! DISCONNECT or CONNACK) and, where there is one, the conformance statement of
//! the specification that it enforces.

use super::reason::{PacketType, ReasonCode};
use thiserror::Error;

/// What was wrong with the bytes of a packet.
///
/// The variants fall in three groups, as the reason codes do: the bytes do not
/// parse ("malformed", 0x81), they parse but break a rule of the protocol
/// ("protocol error", 0x82), or a limit or a feature is refused (0x84, 0x90,
/// 0x95, 0x99).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The Remaining Length or another Variable Byte Integer runs past four bytes.
    #[error("a Variable Byte Integer ({field}) is longer than the four bytes allowed")]
    VarIntTooLong {
        /// The field being read.
        field: &'static str,
    },
    /// A Variable Byte Integer uses more bytes than its value needs (5.0).
    #[error("a Variable Byte Integer ({field}) uses more bytes than its value needs")]
    VarIntNotMinimal {
        /// The field being read.
        field: &'static str,
    },
    /// A field runs past the end of the packet.
    #[error("the packet ends inside {field}: {needed} more byte(s) were expected")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// How many more bytes the field needed.
        needed: usize,
    },
    /// Bytes are left over after the last field of the packet.
    #[error("{extra} byte(s) are left over after the end of the {packet}")]
    TrailingBytes {
        /// The packet type.
        packet: PacketType,
        /// How many bytes were left.
        extra: usize,
    },
    /// A string is not well-formed UTF-8 (or encodes a surrogate).
    #[error("{field} is not valid UTF-8")]
    InvalidUtf8 {
        /// The field being read.
        field: &'static str,
    },
    /// A string contains the null character U+0000.
    #[error("{field} contains the null character U+0000, which MQTT forbids")]
    NullCharacter {
        /// The field being read.
        field: &'static str,
    },
    /// Packet type 0, or 15 before MQTT 5.0.
    #[error("packet type {0} is reserved")]
    ReservedPacketType(u8),
    /// The low nibble of the first byte is not what the packet type requires.
    #[error("the fixed-header flags of {packet} must be {expected:04b}, not {found:04b}")]
    InvalidFlags {
        /// The packet type.
        packet: PacketType,
        /// The flags the specification requires.
        expected: u8,
        /// The flags received.
        found: u8,
    },
    /// A QoS field holds 3.
    #[error("{field} is 3, which is not a QoS level")]
    InvalidQoS {
        /// The field being read.
        field: &'static str,
    },
    /// A QoS 0 PUBLISH with DUP set.
    #[error("DUP is set on a QoS 0 PUBLISH")]
    DupWithQoS0,
    /// A topic name with `+` or `#`.
    #[error("the topic name {0:?} contains a wildcard ('+' or '#'), which only filters may use")]
    WildcardInTopicName(String),
    /// A zero-length topic name (in 5.0: without a Topic Alias).
    #[error("the topic name is empty")]
    EmptyTopicName,
    /// Packet Identifier 0 where one is required.
    #[error("{packet} has Packet Identifier 0; it must be non-zero")]
    ZeroPacketId {
        /// The packet type.
        packet: PacketType,
    },
    /// CONNECT with a protocol name other than "MQTT" (or "MQIsdp" at level 3).
    #[error("the protocol name {name:?} is not \"MQTT\"")]
    BadProtocolName {
        /// The name received.
        name: String,
    },
    /// CONNECT with a protocol level this codec does not speak.
    #[error("protocol level {0} is not supported (3 = MQTT 3.1, 4 = 3.1.1, 5 = 5.0)")]
    UnsupportedProtocolLevel(u8),
    /// The reserved bit 0 of the CONNECT flags is set.
    #[error("the reserved bit of the CONNECT flags is set")]
    ConnectReservedFlag,
    /// Will QoS or Will Retain set while the Will Flag is 0.
    #[error("Will QoS or Will Retain is set but the Will Flag is not")]
    WillFlagsWithoutWill,
    /// A password with no user name (3.1.1 only).
    #[error("a password is present without a user name, which MQTT 3.1.1 forbids")]
    PasswordWithoutUsername,
    /// CONNACK flags other than Session Present set.
    #[error("reserved bits of the CONNACK flags are set")]
    ConnAckReservedFlags,
    /// SUBSCRIBE or UNSUBSCRIBE with no topic filter.
    #[error("{packet} carries no topic filter; it needs at least one")]
    NoTopicFilters {
        /// The packet type.
        packet: PacketType,
    },
    /// Reserved bits of a subscription options byte are set.
    #[error("reserved bits of the subscription options for {filter:?} are set")]
    SubscriptionOptionsReserved {
        /// The filter the options belong to.
        filter: String,
    },
    /// Retain Handling 3.
    #[error("Retain Handling 3 for {filter:?} is not a valid value")]
    InvalidRetainHandling {
        /// The filter the options belong to.
        filter: String,
    },
    /// No Local on a shared subscription (5.0).
    #[error("No Local is set on the shared subscription {filter:?}")]
    NoLocalOnSharedSubscription {
        /// The filter.
        filter: String,
    },
    /// A property identifier that does not exist.
    #[error("0x{0:02X} is not a property identifier")]
    UnknownProperty(u8),
    /// A property not allowed in this packet.
    #[error("the property {name} (0x{id:02X}) is not allowed in {packet}")]
    PropertyNotAllowed {
        /// The property identifier.
        id: u8,
        /// Its name.
        name: &'static str,
        /// Where it was found.
        packet: &'static str,
    },
    /// A property that may appear once appears twice.
    #[error("the property {name} (0x{id:02X}) appears more than once")]
    DuplicateProperty {
        /// The property identifier.
        id: u8,
        /// Its name.
        name: &'static str,
    },
    /// A property value outside its range (e.g. Receive Maximum 0).
    #[error("the property {name} has the value {value}, which is not allowed: {why}")]
    InvalidPropertyValue {
        /// Its name.
        name: &'static str,
        /// The value received.
        value: u32,
        /// The rule it breaks.
        why: &'static str,
    },
    /// A reason code that the packet type does not allow.
    #[error("{code} is not a valid reason code for {packet}")]
    InvalidReasonCode {
        /// The packet type.
        packet: PacketType,
        /// The code received.
        code: ReasonCode,
    },
    /// A packet of a type that does not exist in the protocol version in use.
    #[error("{packet} does not exist in {version}")]
    NotInVersion {
        /// The packet type.
        packet: PacketType,
        /// The version.
        version: &'static str,
    },
    /// The first packet on a connection is not CONNECT.
    #[error("the first packet from a client must be CONNECT, not {0}")]
    FirstPacketNotConnect(PacketType),
    /// The packet is larger than the maximum allowed.
    #[error("the packet is {size} bytes, more than the maximum of {max}")]
    PacketTooLarge {
        /// The whole packet's size in bytes.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// SUBACK or (5.0) UNSUBACK with no reason code.
    #[error("{packet} carries no reason code; it needs one for each topic filter")]
    NoReasonCodes {
        /// The packet type.
        packet: PacketType,
    },
    /// A second CONNECT on a connection [MQTT-3.1.0-2].
    #[error("a client may send CONNECT only once on a connection")]
    SecondConnect,
    /// CONNACK with Session Present set and a refusal code.
    #[error("Session Present is set in a CONNACK that refuses the connection")]
    SessionPresentOnRefusal,
    /// Authentication Data with no Authentication Method (5.0 §3.1.2.11.10).
    #[error("Authentication Data is present without an Authentication Method")]
    AuthDataWithoutMethod,
    /// Payload Format Indicator 1 (UTF-8) with a payload that is not UTF-8.
    #[error(
        "the payload is marked as UTF-8 text (Payload Format Indicator 1) but is not valid UTF-8"
    )]
    PayloadFormatInvalid,
}

impl DecodeError {
    /// The MQTT 5.0 reason code that reports this error to the peer.
    pub fn reason_code(&self) -> ReasonCode {
        use DecodeError::*;
        match self {
            BadProtocolName { .. } | UnsupportedProtocolLevel(_) => {
                ReasonCode::UNSUPPORTED_PROTOCOL_VERSION
            }
            WildcardInTopicName(_) => ReasonCode::TOPIC_NAME_INVALID,
            // §3.3.4: a Topic Alias of 0 is answered with 0x94 Topic Alias invalid.
            InvalidPropertyValue {
                name: "Topic Alias",
                ..
            } => ReasonCode::TOPIC_ALIAS_INVALID,
            PacketTooLarge { .. } => ReasonCode::PACKET_TOO_LARGE,
            PayloadFormatInvalid => ReasonCode::PAYLOAD_FORMAT_INVALID,
            EmptyTopicName
            | ZeroPacketId { .. }
            | NoTopicFilters { .. }
            | InvalidRetainHandling { .. }
            | NoLocalOnSharedSubscription { .. }
            | DuplicateProperty { .. }
            | InvalidPropertyValue { .. }
            | SecondConnect
            | SessionPresentOnRefusal
            | AuthDataWithoutMethod
            | FirstPacketNotConnect(_) => ReasonCode::PROTOCOL_ERROR,
            // 5.0 §3.8.3.1: a Maximum QoS of 3 in a subscription is a Protocol Error
            // (QoS 3 in PUBLISH or the Will is a Malformed Packet).
            InvalidQoS {
                field: "Requested QoS",
            } => ReasonCode::PROTOCOL_ERROR,
            _ => ReasonCode::MALFORMED_PACKET,
        }
    }

    /// The conformance statement this error enforces, for `version` 5 or 4.
    pub fn spec_ref(&self, v5: bool) -> Option<&'static str> {
        use DecodeError::*;
        let (v4, v5s) = match self {
            VarIntTooLong { .. } => ("MQTT-2.2.3", "MQTT-1.5.5"),
            VarIntNotMinimal { .. } => ("", "MQTT-1.5.5-1"),
            InvalidUtf8 { .. } => ("MQTT-1.5.3-1", "MQTT-1.5.4-1"),
            NullCharacter { .. } => ("MQTT-1.5.3-2", "MQTT-1.5.4-2"),
            InvalidFlags {
                packet: PacketType::PubRel,
                ..
            } => ("MQTT-3.6.1-1", "MQTT-3.6.1-1"),
            InvalidFlags {
                packet: PacketType::Subscribe,
                ..
            } => ("MQTT-3.8.1-1", "MQTT-3.8.1-1"),
            InvalidFlags {
                packet: PacketType::Unsubscribe,
                ..
            } => ("MQTT-3.10.1-1", "MQTT-3.10.1-1"),
            InvalidFlags {
                packet: PacketType::Disconnect,
                ..
            } => ("MQTT-2.2.2-1", "MQTT-3.14.1-1"),
            InvalidFlags { .. } => ("MQTT-2.2.2-2", "MQTT-2.1.3-1"),
            ReservedPacketType(_) => ("MQTT-2.2.1", "MQTT-2.1.2"),
            InvalidQoS { field } if field.starts_with("Will") => ("MQTT-3.1.2-14", "MQTT-3.1.2-12"),
            InvalidQoS {
                field: "Requested QoS",
            } => ("MQTT-3-8.3-4", ""),
            InvalidQoS { .. } => ("MQTT-3.3.1-4", "MQTT-3.3.1-4"),
            DupWithQoS0 => ("MQTT-3.3.1-2", "MQTT-3.3.1-2"),
            WildcardInTopicName(_) => ("MQTT-3.3.2-2", "MQTT-3.3.2-2"),
            EmptyTopicName => ("MQTT-4.7.3-1", "MQTT-3.3.2-1"),
            ZeroPacketId { .. } => ("MQTT-2.3.1-1", "MQTT-2.2.1-3"),
            BadProtocolName { .. } => ("MQTT-3.1.2-1", "MQTT-3.1.2-1"),
            UnsupportedProtocolLevel(_) => ("MQTT-3.1.2-2", "MQTT-3.1.2-2"),
            ConnectReservedFlag => ("MQTT-3.1.2-3", "MQTT-3.1.2-3"),
            WillFlagsWithoutWill => ("MQTT-3.1.2-11", "MQTT-3.1.2-11"),
            PasswordWithoutUsername => ("MQTT-3.1.2-22", ""),
            NoTopicFilters {
                packet: PacketType::Unsubscribe,
            } => ("MQTT-3.10.3-2", "MQTT-3.10.3-2"),
            NoTopicFilters { .. } => ("MQTT-3.8.3-3", "MQTT-3.8.3-2"),
            SubscriptionOptionsReserved { .. } => ("MQTT-3-8.3-4", "MQTT-3.8.3-5"),
            NoLocalOnSharedSubscription { .. } => ("", "MQTT-3.8.3-4"),
            InvalidReasonCode { .. } => ("", "MQTT-3.14.2-1"),
            FirstPacketNotConnect(_) => ("MQTT-3.1.0-1", "MQTT-3.1.0-1"),
            SecondConnect => ("MQTT-3.1.0-2", "MQTT-3.1.0-2"),
            SessionPresentOnRefusal => ("MQTT-3.2.2-4", "MQTT-3.2.2-6"),
            PayloadFormatInvalid => ("", "MQTT-3.3.2-4"),
            _ => ("", ""),
        };
        let s = if v5 { v5s } else { v4 };
        (!s.is_empty()).then_some(s)
    }
}

/// Why a packet could not be encoded.
///
/// A packet that breaks a rule of the protocol is refused with the very error
/// the decoder would report for its bytes ([`EncodeError::Invalid`]): what
/// encodes also decodes. The other variants are limits of the encoding itself.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The packet breaks a rule of the protocol.
    #[error(transparent)]
    Invalid(#[from] DecodeError),
    /// A string or binary field is longer than 65,535 bytes.
    #[error("{field} is {len} bytes long; MQTT allows at most 65,535")]
    FieldTooLong {
        /// The field.
        field: &'static str,
        /// Its length.
        len: usize,
    },
    /// The packet would be larger than 268,435,455 bytes of Remaining Length.
    #[error("the packet would be {0} bytes long, more than MQTT's maximum of 268,435,455")]
    PacketTooLarge(usize),
}

impl EncodeError {
    /// The MQTT 5.0 reason code for this error, where the protocol has one.
    pub fn reason_code(&self) -> ReasonCode {
        match self {
            EncodeError::Invalid(e) => e.reason_code(),
            EncodeError::FieldTooLong { .. } => ReasonCode::MALFORMED_PACKET,
            EncodeError::PacketTooLarge(_) => ReasonCode::PACKET_TOO_LARGE,
        }
    }
}
