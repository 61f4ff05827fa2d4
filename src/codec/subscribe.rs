//! SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK (§3.8–3.11).

use super::error::{DecodeError, EncodeError};
use super::properties::{Properties, PropertyContext};
use super::reason::{PacketType, ReasonCode};
use super::types::{ProtocolVersion, QoS, RetainHandling, SubscriptionOptions};
use super::wire::{check_str, put_prefixed, put_u16, Reader};

/// One topic filter of a SUBSCRIBE with its options.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubscribeFilter {
    /// The topic filter (may start with `$share/` in 5.0).
    pub filter: String,
    /// The subscription options.
    pub options: SubscriptionOptions,
}

/// A request to subscribe to one or more topic filters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subscribe {
    /// The Packet Identifier (non-zero).
    pub packet_id: u16,
    /// The filters, at least one.
    pub filters: Vec<SubscribeFilter>,
    /// Properties (5.0): a Subscription Identifier and user properties.
    pub properties: Properties,
}

/// The answer to SUBSCRIBE: one code per filter, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubAck {
    /// The Packet Identifier of the SUBSCRIBE.
    pub packet_id: u16,
    /// Granted QoS (0, 1, 2) or a failure code (0x80 and up).
    pub reason_codes: Vec<ReasonCode>,
    /// Properties (5.0).
    pub properties: Properties,
}

/// A request to remove subscriptions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Unsubscribe {
    /// The Packet Identifier (non-zero).
    pub packet_id: u16,
    /// The filters to remove, at least one.
    pub filters: Vec<String>,
    /// Properties (5.0): user properties.
    pub properties: Properties,
}

/// The answer to UNSUBSCRIBE.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UnsubAck {
    /// The Packet Identifier of the UNSUBSCRIBE.
    pub packet_id: u16,
    /// One code per filter (5.0); empty in 3.1.1, which has none.
    pub reason_codes: Vec<ReasonCode>,
    /// Properties (5.0).
    pub properties: Properties,
}

fn packet_id(r: &mut Reader<'_>, packet: PacketType) -> Result<u16, DecodeError> {
    let id = r.u16("Packet Identifier")?;
    // [MQTT-2.3.1-1] / [MQTT-2.2.1-3]
    if id == 0 {
        return Err(DecodeError::ZeroPacketId { packet });
    }
    Ok(id)
}

fn properties(
    r: &mut Reader<'_>,
    v: ProtocolVersion,
    ctx: PropertyContext,
) -> Result<Properties, DecodeError> {
    if v.is_v5() {
        Properties::decode(r, ctx)
    } else {
        Ok(Properties::default())
    }
}

fn props_len(p: &Properties, v: ProtocolVersion) -> usize {
    if v.is_v5() {
        p.encoded_len()
    } else {
        0
    }
}

fn reason_codes(
    r: &mut Reader<'_>,
    v: ProtocolVersion,
    packet: PacketType,
) -> Result<Vec<ReasonCode>, DecodeError> {
    let mut codes = Vec::with_capacity(r.remaining());
    while r.remaining() > 0 {
        let start = r.pos;
        let code = ReasonCode(r.raw_u8("Reason Code")?);
        let ok = if v.is_v5() {
            code.allowed_in(packet)
        } else {
            // 3.1.1 SUBACK return codes: 0x00, 0x01, 0x02 or 0x80 [MQTT-3.9.3-2].
            matches!(code.0, 0 | 1 | 2 | 0x80)
        };
        r.note(
            start,
            if v.is_v5() {
                "Reason Code"
            } else {
                "Return Code"
            },
            || code.name_in(packet).to_string(),
        );
        if !ok {
            return Err(DecodeError::InvalidReasonCode { packet, code });
        }
        codes.push(code);
    }
    if codes.is_empty() {
        return Err(DecodeError::NoReasonCodes { packet });
    }
    Ok(codes)
}

impl Subscribe {
    pub(crate) fn decode(r: &mut Reader<'_>, v: ProtocolVersion) -> Result<Subscribe, DecodeError> {
        let packet_id = packet_id(r, PacketType::Subscribe)?;
        let properties = properties(r, v, PropertyContext::Subscribe)?;
        let mut filters = Vec::new();
        while r.remaining() > 0 {
            let filter = r.string("Topic Filter")?;
            let start = r.pos;
            let o = r.raw_u8("Subscription Options")?;
            r.note(start, "Subscription Options", || describe_options(o, v));
            // 3.1.1 [MQTT-3-8.3-4]: bits 7-2 reserved; 5.0 [MQTT-3.8.3-5]: bits 7-6.
            let reserved = if v.is_v5() { 0xC0 } else { 0xFC };
            if o & reserved != 0 {
                return Err(DecodeError::SubscriptionOptionsReserved { filter });
            }
            let qos = QoS::from_u8(o & 3).ok_or(DecodeError::InvalidQoS {
                field: "Requested QoS",
            })?;
            let retain_handling = match RetainHandling::from_u8((o >> 4) & 3) {
                Some(rh) => rh,
                None => return Err(DecodeError::InvalidRetainHandling { filter }),
            };
            let no_local = o & 0x04 != 0;
            // [MQTT-3.8.3-4]: No Local on a shared subscription is a Protocol Error.
            if no_local && filter.starts_with("$share/") {
                return Err(DecodeError::NoLocalOnSharedSubscription { filter });
            }
            filters.push(SubscribeFilter {
                filter,
                options: SubscriptionOptions {
                    qos,
                    no_local,
                    retain_as_published: o & 0x08 != 0,
                    retain_handling,
                },
            });
        }
        // [MQTT-3.8.3-3] (3.1.1) / [MQTT-3.8.3-2] (5.0): at least one filter.
        if filters.is_empty() {
            return Err(DecodeError::NoTopicFilters {
                packet: PacketType::Subscribe,
            });
        }
        Ok(Subscribe {
            packet_id,
            filters,
            properties,
        })
    }

    pub(crate) fn validate(&self, v: ProtocolVersion) -> Result<(), EncodeError> {
        if self.packet_id == 0 {
            return Err(DecodeError::ZeroPacketId {
                packet: PacketType::Subscribe,
            }
            .into());
        }
        if self.filters.is_empty() {
            return Err(DecodeError::NoTopicFilters {
                packet: PacketType::Subscribe,
            }
            .into());
        }
        for f in &self.filters {
            check_str("Topic Filter", &f.filter)?;
            // [MQTT-3.8.3-4]: No Local on a shared subscription is a Protocol Error.
            if f.options.no_local && f.filter.starts_with("$share/") && v.is_v5() {
                return Err(DecodeError::NoLocalOnSharedSubscription {
                    filter: f.filter.clone(),
                }
                .into());
            }
        }
        Ok(())
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        2 + props_len(&self.properties, v)
            + self
                .filters
                .iter()
                .map(|f| 3 + f.filter.len())
                .sum::<usize>()
    }

    pub(crate) fn encode_body(&self, v: ProtocolVersion, out: &mut Vec<u8>) {
        put_u16(out, self.packet_id);
        if v.is_v5() {
            self.properties.encode(out);
        }
        for f in &self.filters {
            put_prefixed(out, f.filter.as_bytes());
            let o = &f.options;
            let mut b = o.qos.as_u8();
            if v.is_v5() {
                b |= (u8::from(o.no_local) << 2)
                    | (u8::from(o.retain_as_published) << 3)
                    | ((o.retain_handling as u8) << 4);
            }
            out.push(b);
        }
    }
}

fn describe_options(o: u8, v: ProtocolVersion) -> String {
    if v.is_v5() {
        format!(
            "0x{o:02X}: QoS {}, No Local {}, Retain As Published {}, Retain Handling {}",
            o & 3,
            (o >> 2) & 1,
            (o >> 3) & 1,
            (o >> 4) & 3
        )
    } else {
        format!("0x{o:02X}: Requested QoS {}", o & 3)
    }
}

impl SubAck {
    pub(crate) fn decode(r: &mut Reader<'_>, v: ProtocolVersion) -> Result<SubAck, DecodeError> {
        let packet_id = packet_id(r, PacketType::SubAck)?;
        let properties = properties(r, v, PropertyContext::SubAck)?;
        let reason_codes = reason_codes(r, v, PacketType::SubAck)?;
        Ok(SubAck {
            packet_id,
            reason_codes,
            properties,
        })
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        2 + props_len(&self.properties, v) + self.reason_codes.len()
    }

    pub(crate) fn encode_body(&self, v: ProtocolVersion, out: &mut Vec<u8>) {
        put_u16(out, self.packet_id);
        if v.is_v5() {
            self.properties.encode(out);
        }
        out.extend(self.reason_codes.iter().map(|c| c.0));
    }
}

impl Unsubscribe {
    pub(crate) fn decode(
        r: &mut Reader<'_>,
        v: ProtocolVersion,
    ) -> Result<Unsubscribe, DecodeError> {
        let packet_id = packet_id(r, PacketType::Unsubscribe)?;
        let properties = properties(r, v, PropertyContext::Unsubscribe)?;
        let mut filters = Vec::new();
        while r.remaining() > 0 {
            filters.push(r.string("Topic Filter")?);
        }
        // [MQTT-3.10.3-2]: at least one filter.
        if filters.is_empty() {
            return Err(DecodeError::NoTopicFilters {
                packet: PacketType::Unsubscribe,
            });
        }
        Ok(Unsubscribe {
            packet_id,
            filters,
            properties,
        })
    }

    pub(crate) fn validate(&self) -> Result<(), EncodeError> {
        if self.packet_id == 0 {
            return Err(DecodeError::ZeroPacketId {
                packet: PacketType::Unsubscribe,
            }
            .into());
        }
        if self.filters.is_empty() {
            return Err(DecodeError::NoTopicFilters {
                packet: PacketType::Unsubscribe,
            }
            .into());
        }
        for f in &self.filters {
            check_str("Topic Filter", f)?;
        }
        Ok(())
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        2 + props_len(&self.properties, v) + self.filters.iter().map(|f| 2 + f.len()).sum::<usize>()
    }

    pub(crate) fn encode_body(&self, v: ProtocolVersion, out: &mut Vec<u8>) {
        put_u16(out, self.packet_id);
        if v.is_v5() {
            self.properties.encode(out);
        }
        for f in &self.filters {
            put_prefixed(out, f.as_bytes());
        }
    }
}

impl UnsubAck {
    pub(crate) fn decode(r: &mut Reader<'_>, v: ProtocolVersion) -> Result<UnsubAck, DecodeError> {
        let packet_id = packet_id(r, PacketType::UnsubAck)?;
        if !v.is_v5() {
            return Ok(UnsubAck {
                packet_id,
                ..Default::default()
            });
        }
        let properties = properties(r, v, PropertyContext::UnsubAck)?;
        let reason_codes = reason_codes(r, v, PacketType::UnsubAck)?;
        Ok(UnsubAck {
            packet_id,
            reason_codes,
            properties,
        })
    }

    pub(crate) fn body_len(&self, v: ProtocolVersion) -> usize {
        if v.is_v5() {
            2 + self.properties.encoded_len() + self.reason_codes.len()
        } else {
            2
        }
    }

    pub(crate) fn encode_body(&self, v: ProtocolVersion, out: &mut Vec<u8>) {
        put_u16(out, self.packet_id);
        if v.is_v5() {
            self.properties.encode(out);
            out.extend(self.reason_codes.iter().map(|c| c.0));
        }
    }
}
