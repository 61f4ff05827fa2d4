//! The MQTT 3.1.1 + 5.0 packet codec: bytes to [`Packet`]s and back.
//!
//! One packet model serves both versions; the version is a parameter of
//! [`Packet::decode`] and [`Packet::encode`]. Payloads are [`bytes::Bytes`]
//! slices of the received buffer, never copies. [`Decoder`] handles a byte
//! stream cut anywhere, and [`annotate`] dissects a packet field by field.

mod annotate;
mod connect;
mod error;
mod packet;
mod properties;
mod publish;
mod reason;
mod stream;
mod subscribe;
mod types;
mod wire;

pub use annotate::{annotate, AnnotatedError, Annotation, Field};
pub use connect::{ConnAck, Connect, LastWill};
pub use error::{DecodeError, EncodeError};
pub use packet::{check_header, Auth, Disconnect, FixedHeader, HeaderCheck, Packet};
pub use properties::{property_name, Properties, PropertyContext};
pub use publish::{PubResponse, Publish};
pub use reason::{PacketType, ReasonCode};
pub use stream::{Decoder, MAX_PACKET_SIZE};
pub use subscribe::{SubAck, Subscribe, SubscribeFilter, UnsubAck, Unsubscribe};
pub use types::{ProtocolVersion, QoS, RetainHandling, SubscriptionOptions};
pub use wire::{describe_bytes, varint_len, VARINT_MAX};
