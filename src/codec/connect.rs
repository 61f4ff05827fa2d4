//! CONNECT (§3.1) and CONNACK (§3.2).

use super::error::{DecodeError, EncodeError};
use super::properties::{Properties, PropertyContext};
use super::reason::{PacketType, ReasonCode};
use super::types::{ProtocolVersion, QoS};
use super::wire::{check_len, check_str, has_wildcard, put_prefixed, put_u16, Reader};
use bytes::Bytes;

/// A client's request to open a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    /// The protocol version the client speaks; it decides the version of the connection.
    pub protocol: ProtocolVersion,
    /// Clean Session (3.1.1) or Clean Start (5.0).
    pub clean_start: bool,
    /// Keep alive in seconds; 0 turns it off.
    pub keep_alive: u16,
    /// The client identifier; may be empty.
    pub client_id: String,
    /// The message the server publishes if the connection ends without DISCONNECT.
    pub will: Option<LastWill>,
    /// The user name, if any.
    pub username: Option<String>,
    /// The password, if any (binary data).
    pub password: Option<Bytes>,
    /// CONNECT properties (5.0).
    pub properties: Properties,
}

impl Default for Connect {
    fn default() -> Self {
        Connect {
            protocol: ProtocolVersion::V5,
            clean_start: true,
            keep_alive: 60,
            client_id: String::new(),
            will: None,
            username: None,
            password: None,
            properties: Properties::default(),
        }
    }
}

/// A Will message (§3.1.2.5 / §3.1.3.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LastWill {
    /// The topic the Will is published to.
    pub topic: String,
    /// Its payload.
    pub payload: Bytes,
    /// Its QoS.
    pub qos: QoS,
    /// Whether it is published retained.
    pub retain: bool,
    /// Will properties (5.0).
    pub properties: Properties,
}

/// The server's answer to CONNECT.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnAck {
    /// Whether the server resumed a session it held for this client.
    pub session_present: bool,
    /// The 5.0 reason code, or the 3.1.1 return code (0 to 5).
    pub reason_code: ReasonCode,
    /// CONNACK properties (5.0).
    pub properties: Properties,
}

const USERNAME: u8 = 0x80;
const PASSWORD: u8 = 0x40;
const WILL_RETAIN: u8 = 0x20;
const WILL_FLAG: u8 = 0x04;
const CLEAN: u8 = 0x02;

impl Connect {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Connect, DecodeError> {
        let name = r.string("Protocol Name")?;
        let level = r.u8("Protocol Level")?;
        let protocol = match (name.as_str(), level) {
            ("MQTT", 4) => ProtocolVersion::V3_1_1,
            ("MQTT", 5) => ProtocolVersion::V5,
            ("MQIsdp", 3) => ProtocolVersion::V3_1,
            ("MQTT", _) | ("MQIsdp", _) => {
                return Err(DecodeError::UnsupportedProtocolLevel(level))
            }
            _ => return Err(DecodeError::BadProtocolName { name }),
        };
        let v5 = protocol.is_v5();
        r.strict_varint = v5;
        let start = r.pos;
        let flags = r.raw_u8("Connect Flags")?;
        r.note(start, "Connect Flags", || describe_connect_flags(flags));
        // [MQTT-3.1.2-3]: the reserved flag must be 0.
        if flags & 1 != 0 {
            return Err(DecodeError::ConnectReservedFlag);
        }
        let will_flag = flags & WILL_FLAG != 0;
        let will_qos_bits = (flags >> 3) & 3;
        let will_retain = flags & WILL_RETAIN != 0;
        if !will_flag && (will_qos_bits != 0 || will_retain) {
            return Err(DecodeError::WillFlagsWithoutWill);
        }
        let will_qos =
            QoS::from_u8(will_qos_bits).ok_or(DecodeError::InvalidQoS { field: "Will QoS" })?;
        let has_username = flags & USERNAME != 0;
        let has_password = flags & PASSWORD != 0;
        if !v5 && has_password && !has_username {
            return Err(DecodeError::PasswordWithoutUsername);
        }
        let keep_alive = r.u16("Keep Alive")?;
        let properties = if v5 {
            Properties::decode(r, PropertyContext::Connect)?
        } else {
            Properties::default()
        };
        let client_id = r.string("Client Identifier")?;
        let will = if will_flag {
            let properties = if v5 {
                Properties::decode(r, PropertyContext::Will)?
            } else {
                Properties::default()
            };
            let topic = r.string("Will Topic")?;
            // The Will Topic is a Topic Name: [MQTT-4.7.3-1], [MQTT-3.3.2-2].
            if topic.is_empty() {
                return Err(DecodeError::EmptyTopicName);
            }
            if has_wildcard(&topic) {
                return Err(DecodeError::WildcardInTopicName(topic));
            }
            let payload = r.binary("Will Payload")?;
            Some(LastWill {
                topic,
                payload,
                qos: will_qos,
                retain: will_retain,
                properties,
            })
        } else {
            None
        };
        let username = if has_username {
            Some(r.string("User Name")?)
        } else {
            None
        };
        let password = if has_password {
            Some(r.binary("Password")?)
        } else {
            None
        };
        Ok(Connect {
            protocol,
            clean_start: flags & CLEAN != 0,
            keep_alive,
            client_id,
            will,
            username,
            password,
            properties,
        })
    }

    fn protocol_name(&self) -> &'static str {
        if self.protocol == ProtocolVersion::V3_1 {
            "MQIsdp"
        } else {
            "MQTT"
        }
    }

    /// Checks everything but the properties, which [`Packet::validate`] checks.
    pub(crate) fn validate(&self) -> Result<(), EncodeError> {
        check_str("Client Identifier", &self.client_id)?;
        if let Some(w) = &self.will {
            check_str("Will Topic", &w.topic)?;
            if w.topic.is_empty() {
                return Err(DecodeError::EmptyTopicName.into());
            }
            if has_wildcard(&w.topic) {
                return Err(DecodeError::WildcardInTopicName(w.topic.clone()).into());
            }
            check_len("Will Payload", w.payload.len())?;
        }
        if let Some(u) = &self.username {
            check_str("User Name", u)?;
        }
        if let Some(p) = &self.password {
            check_len("Password", p.len())?;
            // [MQTT-3.1.2-22]: 3.1.1 has no password without a user name.
            if self.username.is_none() && !self.protocol.is_v5() {
                return Err(DecodeError::PasswordWithoutUsername.into());
            }
        }
        Ok(())
    }

    pub(crate) fn body_len(&self) -> usize {
        let v5 = self.protocol.is_v5();
        let mut n = 2 + self.protocol_name().len() + 1 + 1 + 2 + 2 + self.client_id.len();
        if v5 {
            n += self.properties.encoded_len();
        }
        if let Some(w) = &self.will {
            n += 2 + w.topic.len() + 2 + w.payload.len();
            if v5 {
                n += w.properties.encoded_len();
            }
        }
        n += self.username.as_ref().map_or(0, |u| 2 + u.len());
        n += self.password.as_ref().map_or(0, |p| 2 + p.len());
        n
    }

    pub(crate) fn encode_body(&self, out: &mut Vec<u8>) {
        let v5 = self.protocol.is_v5();
        put_prefixed(out, self.protocol_name().as_bytes());
        out.push(self.protocol.level());
        let mut flags = 0u8;
        if self.clean_start {
            flags |= CLEAN;
        }
        if let Some(w) = &self.will {
            flags |= WILL_FLAG | (w.qos.as_u8() << 3);
            if w.retain {
                flags |= WILL_RETAIN;
            }
        }
        if self.username.is_some() {
            flags |= USERNAME;
        }
        if self.password.is_some() {
            flags |= PASSWORD;
        }
        out.push(flags);
        put_u16(out, self.keep_alive);
        if v5 {
            self.properties.encode(out);
        }
        put_prefixed(out, self.client_id.as_bytes());
        if let Some(w) = &self.will {
            if v5 {
                w.properties.encode(out);
            }
            put_prefixed(out, w.topic.as_bytes());
            put_prefixed(out, &w.payload);
        }
        if let Some(u) = &self.username {
            put_prefixed(out, u.as_bytes());
        }
        if let Some(p) = &self.password {
            put_prefixed(out, p);
        }
    }
}

fn describe_connect_flags(f: u8) -> String {
    let bit = |m: u8| u8::from(f & m != 0);
    format!(
        "0x{f:02X}: User Name {}, Password {}, Will Retain {}, Will QoS {}, Will {}, Clean Start {}, reserved {}",
        bit(USERNAME),
        bit(PASSWORD),
        bit(WILL_RETAIN),
        (f >> 3) & 3,
        bit(WILL_FLAG),
        bit(CLEAN),
        f & 1
    )
}

impl ConnAck {
    pub(crate) fn decode(
        r: &mut Reader<'_>,
        version: ProtocolVersion,
    ) -> Result<ConnAck, DecodeError> {
        let start = r.pos;
        let flags = r.raw_u8("Connect Acknowledge Flags")?;
        r.note(start, "Connect Acknowledge Flags", || {
            format!("0x{flags:02X}: Session Present {}", flags & 1)
        });
        // [MQTT-3.2.2-1]: bits 7-1 are reserved and must be 0.
        if flags & 0xFE != 0 {
            return Err(DecodeError::ConnAckReservedFlags);
        }
        let start = r.pos;
        let code = ReasonCode(r.raw_u8(if version.is_v5() {
            "Reason Code"
        } else {
            "Return Code"
        })?);
        if version.is_v5() {
            r.note(start, "Reason Code", || code.to_string());
            if !code.allowed_in(PacketType::ConnAck) {
                return Err(DecodeError::InvalidReasonCode {
                    packet: PacketType::ConnAck,
                    code,
                });
            }
        } else {
            r.note(start, "Return Code", || {
                format!("{} {}", code.0, ReasonCode::v3_connack_text(code.0))
            });
            if code.0 > 5 {
                return Err(DecodeError::InvalidReasonCode {
                    packet: PacketType::ConnAck,
                    code,
                });
            }
        }
        // [MQTT-3.2.2-4] / [MQTT-3.2.2-6]: a refusal never says a session is present.
        if flags & 1 != 0 && code.0 != 0 {
            return Err(DecodeError::SessionPresentOnRefusal);
        }
        let properties = if version.is_v5() {
            Properties::decode(r, PropertyContext::ConnAck)?
        } else {
            Properties::default()
        };
        Ok(ConnAck {
            session_present: flags & 1 != 0,
            reason_code: code,
            properties,
        })
    }

    pub(crate) fn body_len(&self, version: ProtocolVersion) -> usize {
        2 + if version.is_v5() {
            self.properties.encoded_len()
        } else {
            0
        }
    }

    pub(crate) fn encode_body(&self, version: ProtocolVersion, out: &mut Vec<u8>) {
        out.push(u8::from(self.session_present));
        out.push(self.reason_code.0);
        if version.is_v5() {
            self.properties.encode(out);
        }
    }
}
