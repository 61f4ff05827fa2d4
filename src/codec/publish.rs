//! PUBLISH (§3.3) and its acknowledgements PUBACK, PUBREC, PUBREL, PUBCOMP (§3.4–3.7).

use super::error::{DecodeError, EncodeError};
use super::properties::{Properties, PropertyContext};
use super::reason::{PacketType, ReasonCode};
use super::types::{ProtocolVersion, QoS};
use super::wire::{check_str, has_wildcard, put_prefixed, put_u16, Reader};
use bytes::Bytes;

/// An application message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Publish {
    /// Set when the packet is a redelivery of an earlier attempt.
    pub dup: bool,
    /// Delivery guarantee.
    pub qos: QoS,
    /// Whether the server keeps this message for future subscribers.
    pub retain: bool,
    /// The topic name (empty in 5.0 when a Topic Alias stands for it).
    pub topic: String,
    /// The Packet Identifier; 0 for QoS 0, where the packet has none.
    pub packet_id: u16,
    /// The application payload, a slice of the received bytes.
    pub payload: Bytes,
    /// PUBLISH properties (5.0).
    pub properties: Properties,
}

impl Publish {
    #[inline]
    pub(crate) fn decode(
        r: &mut Reader<'_>,
        version: ProtocolVersion,
        flags: u8,
    ) -> Result<Publish, DecodeError> {
        // The QoS and DUP rules were checked on the fixed header (decode_packet).
        let qos = QoS::from_u8((flags >> 1) & 3).unwrap_or_default();
        let dup = flags & 0b1000 != 0;
        let topic = r.string("Topic Name")?;
        // [MQTT-3.3.2-2]: the Topic Name must not contain wildcard characters.
        if has_wildcard(&topic) {
            return Err(DecodeError::WildcardInTopicName(topic));
        }
        let packet_id = if qos != QoS::AtMostOnce {
            let id = r.u16("Packet Identifier")?;
            if id == 0 {
                return Err(DecodeError::ZeroPacketId {
                    packet: PacketType::Publish,
                });
            }
            id
        } else {
            0
        };
        let properties = if version.is_v5() {
            Properties::decode(r, PropertyContext::Publish)?
        } else {
            Properties::default()
        };
        // [MQTT-4.7.3-1]; in 5.0 an empty name is allowed only with a Topic Alias.
        if topic.is_empty() && properties.topic_alias.is_none() {
            return Err(DecodeError::EmptyTopicName);
        }
        let payload = r.rest("Payload");
        Ok(Publish {
            dup,
            qos,
            retain: flags & 1 != 0,
            topic,
            packet_id,
            payload,
            properties,
        })
    }

    /// The low nibble of the first byte.
    pub(crate) fn flags(&self) -> u8 {
        (u8::from(self.dup) << 3) | (self.qos.as_u8() << 1) | u8::from(self.retain)
    }

    pub(crate) fn validate(&self, version: ProtocolVersion) -> Result<(), EncodeError> {
        check_str("Topic Name", &self.topic)?;
        let alias = version.is_v5() && self.properties.topic_alias.is_some();
        if self.topic.is_empty() && !alias {
            return Err(DecodeError::EmptyTopicName.into());
        }
        if has_wildcard(&self.topic) {
            return Err(DecodeError::WildcardInTopicName(self.topic.clone()).into());
        }
        if self.qos != QoS::AtMostOnce && self.packet_id == 0 {
            return Err(DecodeError::ZeroPacketId {
                packet: PacketType::Publish,
            }
            .into());
        }
        Ok(())
    }

    pub(crate) fn body_len(&self, version: ProtocolVersion) -> usize {
        2 + self.topic.len()
            + if self.qos == QoS::AtMostOnce { 0 } else { 2 }
            + if version.is_v5() {
                self.properties.encoded_len()
            } else {
                0
            }
            + self.payload.len()
    }

    pub(crate) fn encode_body(&self, version: ProtocolVersion, out: &mut Vec<u8>) {
        put_prefixed(out, self.topic.as_bytes());
        if self.qos != QoS::AtMostOnce {
            put_u16(out, self.packet_id);
        }
        if version.is_v5() {
            self.properties.encode(out);
        }
        out.extend_from_slice(&self.payload);
    }

    /// Checks the payload against a Payload Format Indicator of 1 (UTF-8).
    /// A receiver may do this check; the answer is reason code 0x99 [MQTT-3.3.2-4].
    pub fn check_payload_format(&self) -> Result<(), DecodeError> {
        if self.properties.payload_format_indicator == Some(1)
            && core::str::from_utf8(&self.payload).is_err()
        {
            return Err(DecodeError::PayloadFormatInvalid);
        }
        Ok(())
    }
}

/// PUBACK, PUBREC, PUBREL or PUBCOMP: a Packet Identifier and, in 5.0, a reason.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PubResponse {
    /// The Packet Identifier of the PUBLISH being acknowledged.
    pub packet_id: u16,
    /// The 5.0 reason code (always Success in 3.1.1).
    pub reason_code: ReasonCode,
    /// Properties (5.0).
    pub properties: Properties,
}

impl PubResponse {
    /// An acknowledgement with reason Success and no properties.
    pub fn new(packet_id: u16) -> Self {
        PubResponse {
            packet_id,
            ..Default::default()
        }
    }

    pub(crate) fn decode(
        r: &mut Reader<'_>,
        version: ProtocolVersion,
        kind: PacketType,
    ) -> Result<PubResponse, DecodeError> {
        let packet_id = r.u16("Packet Identifier")?;
        if packet_id == 0 {
            return Err(DecodeError::ZeroPacketId { packet: kind });
        }
        let mut p = PubResponse::new(packet_id);
        if version.is_v5() {
            // §3.4.2.1: the Reason Code and Property Length can be omitted.
            if r.remaining() > 0 {
                let start = r.pos;
                p.reason_code = ReasonCode(r.raw_u8("Reason Code")?);
                let code = p.reason_code;
                r.note(start, "Reason Code", || code.to_string());
                if !code.allowed_in(kind) {
                    return Err(DecodeError::InvalidReasonCode { packet: kind, code });
                }
            }
            if r.remaining() > 0 {
                p.properties = Properties::decode(r, PropertyContext::PubResponse)?;
            }
        }
        Ok(p)
    }

    pub(crate) fn body_len(&self, version: ProtocolVersion) -> usize {
        if !version.is_v5() {
            return 2;
        }
        if !self.properties.is_empty() {
            3 + self.properties.encoded_len()
        } else if self.reason_code != ReasonCode::SUCCESS {
            3
        } else {
            2
        }
    }

    pub(crate) fn encode_body(&self, version: ProtocolVersion, out: &mut Vec<u8>) {
        put_u16(out, self.packet_id);
        let n = self.body_len(version);
        if n > 2 {
            out.push(self.reason_code.0);
        }
        if n > 3 {
            self.properties.encode(out);
        }
    }
}
