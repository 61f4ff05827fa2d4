//! MQTT 5.0 properties (§2.2.2): one struct holds every property, and a table
//! says which packet may carry which.

use super::error::{DecodeError, EncodeError};
use super::wire::{
    self, check_len, check_str, put_prefixed, put_u16, put_u32, put_varint, varint_len, Reader,
};
use bytes::Bytes;

/// Where a property list sits: a packet type, or the Will of a CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum PropertyContext {
    Connect,
    ConnAck,
    Publish,
    Will,
    /// PUBACK, PUBREC, PUBREL and PUBCOMP.
    PubResponse,
    Subscribe,
    SubAck,
    Unsubscribe,
    UnsubAck,
    Disconnect,
    Auth,
}

impl PropertyContext {
    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// The name used in messages.
    pub fn name(self) -> &'static str {
        use PropertyContext::*;
        match self {
            Connect => "CONNECT",
            ConnAck => "CONNACK",
            Publish => "PUBLISH",
            Will => "the Will properties",
            PubResponse => "PUBACK, PUBREC, PUBREL or PUBCOMP",
            Subscribe => "SUBSCRIBE",
            SubAck => "SUBACK",
            Unsubscribe => "UNSUBSCRIBE",
            UnsubAck => "UNSUBACK",
            Disconnect => "DISCONNECT",
            Auth => "AUTH",
        }
    }
}

/// Every MQTT 5.0 property. Absent properties are `None` (or empty).
///
/// In MQTT 3.1.1 packets carry no properties and this stays empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Properties {
    /// 0x01: 0 = unspecified bytes, 1 = UTF-8 text.
    pub payload_format_indicator: Option<u8>,
    /// 0x02: lifetime of the message in seconds.
    pub message_expiry_interval: Option<u32>,
    /// 0x03: a MIME-like description of the payload.
    pub content_type: Option<String>,
    /// 0x08: the topic for a response (request/response).
    pub response_topic: Option<String>,
    /// 0x09: matches a response to its request.
    pub correlation_data: Option<Bytes>,
    /// 0x0B: subscription identifiers (one in SUBSCRIBE, any number in PUBLISH).
    pub subscription_identifiers: Vec<u32>,
    /// 0x11: seconds the session lives after the network connection closes.
    pub session_expiry_interval: Option<u32>,
    /// 0x12: the client identifier the server chose.
    pub assigned_client_identifier: Option<String>,
    /// 0x13: the keep alive the server imposes.
    pub server_keep_alive: Option<u16>,
    /// 0x15: the extended authentication method.
    pub authentication_method: Option<String>,
    /// 0x16: extended authentication data.
    pub authentication_data: Option<Bytes>,
    /// 0x17: whether the server may send reason strings and user properties on failures.
    pub request_problem_information: Option<u8>,
    /// 0x18: seconds the server waits before publishing the Will.
    pub will_delay_interval: Option<u32>,
    /// 0x19: the client asks for Response Information in CONNACK.
    pub request_response_information: Option<u8>,
    /// 0x1A: the basis for response topics.
    pub response_information: Option<String>,
    /// 0x1C: another server the client may use.
    pub server_reference: Option<String>,
    /// 0x1F: human-readable diagnostic text.
    pub reason_string: Option<String>,
    /// 0x21: how many QoS 1 and 2 publications may be in flight at once.
    pub receive_maximum: Option<u16>,
    /// 0x22: the highest Topic Alias the sender accepts.
    pub topic_alias_maximum: Option<u16>,
    /// 0x23: a number standing for the topic name.
    pub topic_alias: Option<u16>,
    /// 0x24: the highest QoS the server supports (0 or 1; absent means 2).
    pub maximum_qos: Option<u8>,
    /// 0x25: whether the server supports retained messages.
    pub retain_available: Option<u8>,
    /// 0x26: name/value pairs, in order, repeats allowed.
    pub user_properties: Vec<(String, String)>,
    /// 0x27: the largest packet the sender accepts.
    pub maximum_packet_size: Option<u32>,
    /// 0x28: whether the server supports wildcard subscriptions.
    pub wildcard_subscription_available: Option<u8>,
    /// 0x29: whether the server supports subscription identifiers.
    pub subscription_identifiers_available: Option<u8>,
    /// 0x2A: whether the server supports shared subscriptions.
    pub shared_subscription_available: Option<u8>,
}

#[derive(Clone, Copy)]
enum Kind {
    Byte,
    TwoByte,
    FourByte,
    VarInt,
    Str,
    Binary,
    Pair,
}

struct Def {
    id: u8,
    name: &'static str,
    kind: Kind,
    allowed: u16,
}

macro_rules! ctx {
    ($($c:ident),*) => { 0 $(| (1u16 << (PropertyContext::$c as u16)))* };
}

const DEFS: &[Def] = &[
    Def {
        id: 0x01,
        name: "Payload Format Indicator",
        kind: Kind::Byte,
        allowed: ctx!(Publish, Will),
    },
    Def {
        id: 0x02,
        name: "Message Expiry Interval",
        kind: Kind::FourByte,
        allowed: ctx!(Publish, Will),
    },
    Def {
        id: 0x03,
        name: "Content Type",
        kind: Kind::Str,
        allowed: ctx!(Publish, Will),
    },
    Def {
        id: 0x08,
        name: "Response Topic",
        kind: Kind::Str,
        allowed: ctx!(Publish, Will),
    },
    Def {
        id: 0x09,
        name: "Correlation Data",
        kind: Kind::Binary,
        allowed: ctx!(Publish, Will),
    },
    Def {
        id: 0x0B,
        name: "Subscription Identifier",
        kind: Kind::VarInt,
        allowed: ctx!(Publish, Subscribe),
    },
    Def {
        id: 0x11,
        name: "Session Expiry Interval",
        kind: Kind::FourByte,
        allowed: ctx!(Connect, ConnAck, Disconnect),
    },
    Def {
        id: 0x12,
        name: "Assigned Client Identifier",
        kind: Kind::Str,
        allowed: ctx!(ConnAck),
    },
    Def {
        id: 0x13,
        name: "Server Keep Alive",
        kind: Kind::TwoByte,
        allowed: ctx!(ConnAck),
    },
    Def {
        id: 0x15,
        name: "Authentication Method",
        kind: Kind::Str,
        allowed: ctx!(Connect, ConnAck, Auth),
    },
    Def {
        id: 0x16,
        name: "Authentication Data",
        kind: Kind::Binary,
        allowed: ctx!(Connect, ConnAck, Auth),
    },
    Def {
        id: 0x17,
        name: "Request Problem Information",
        kind: Kind::Byte,
        allowed: ctx!(Connect),
    },
    Def {
        id: 0x18,
        name: "Will Delay Interval",
        kind: Kind::FourByte,
        allowed: ctx!(Will),
    },
    Def {
        id: 0x19,
        name: "Request Response Information",
        kind: Kind::Byte,
        allowed: ctx!(Connect),
    },
    Def {
        id: 0x1A,
        name: "Response Information",
        kind: Kind::Str,
        allowed: ctx!(ConnAck),
    },
    Def {
        id: 0x1C,
        name: "Server Reference",
        kind: Kind::Str,
        allowed: ctx!(ConnAck, Disconnect),
    },
    Def {
        id: 0x1F,
        name: "Reason String",
        kind: Kind::Str,
        allowed: ctx!(ConnAck, PubResponse, SubAck, UnsubAck, Disconnect, Auth),
    },
    Def {
        id: 0x21,
        name: "Receive Maximum",
        kind: Kind::TwoByte,
        allowed: ctx!(Connect, ConnAck),
    },
    Def {
        id: 0x22,
        name: "Topic Alias Maximum",
        kind: Kind::TwoByte,
        allowed: ctx!(Connect, ConnAck),
    },
    Def {
        id: 0x23,
        name: "Topic Alias",
        kind: Kind::TwoByte,
        allowed: ctx!(Publish),
    },
    Def {
        id: 0x24,
        name: "Maximum QoS",
        kind: Kind::Byte,
        allowed: ctx!(ConnAck),
    },
    Def {
        id: 0x25,
        name: "Retain Available",
        kind: Kind::Byte,
        allowed: ctx!(ConnAck),
    },
    Def {
        id: 0x26,
        name: "User Property",
        kind: Kind::Pair,
        allowed: 0xFFFF,
    },
    Def {
        id: 0x27,
        name: "Maximum Packet Size",
        kind: Kind::FourByte,
        allowed: ctx!(Connect, ConnAck),
    },
    Def {
        id: 0x28,
        name: "Wildcard Subscription Available",
        kind: Kind::Byte,
        allowed: ctx!(ConnAck),
    },
    Def {
        id: 0x29,
        name: "Subscription Identifier Available",
        kind: Kind::Byte,
        allowed: ctx!(ConnAck),
    },
    Def {
        id: 0x2A,
        name: "Shared Subscription Available",
        kind: Kind::Byte,
        allowed: ctx!(ConnAck),
    },
];

fn def(id: u8) -> Option<&'static Def> {
    DEFS.iter().find(|d| d.id == id)
}

/// The name of a property identifier, if it is one.
pub fn property_name(id: u8) -> Option<&'static str> {
    def(id).map(|d| d.name)
}

/// A decoded value before it is stored in its field.
enum Val {
    Int(u32),
    Str(String),
    Bin(Bytes),
    Pair(String, String),
}

fn set_once<T>(slot: &mut Option<T>, v: T, d: &Def) -> Result<(), DecodeError> {
    if slot.is_some() {
        // [MQTT-2.2.2-?]: "It is a Protocol Error to include the X more than once."
        return Err(DecodeError::DuplicateProperty {
            id: d.id,
            name: d.name,
        });
    }
    *slot = Some(v);
    Ok(())
}

fn check_bool(d: &Def, v: u32) -> Result<u8, DecodeError> {
    if v > 1 {
        return Err(DecodeError::InvalidPropertyValue {
            name: d.name,
            value: v,
            why: "it must be 0 or 1",
        });
    }
    Ok(v as u8)
}

fn nonzero(d: &Def, v: u32) -> Result<u32, DecodeError> {
    if v == 0 {
        return Err(DecodeError::InvalidPropertyValue {
            name: d.name,
            value: v,
            why: "it must not be 0",
        });
    }
    Ok(v)
}

impl Properties {
    /// Whether no property is set.
    #[inline]
    pub fn is_empty(&self) -> bool {
        // Field by field, most common first: cheaper than building a default
        // value to compare with, and this runs for every packet. The debug
        // check catches a field added to the struct but not here.
        let empty = self.user_properties.is_empty()
            && self.topic_alias.is_none()
            && self.message_expiry_interval.is_none()
            && self.subscription_identifiers.is_empty()
            && self.payload_format_indicator.is_none()
            && self.content_type.is_none()
            && self.response_topic.is_none()
            && self.correlation_data.is_none()
            && self.reason_string.is_none()
            && self.session_expiry_interval.is_none()
            && self.assigned_client_identifier.is_none()
            && self.server_keep_alive.is_none()
            && self.authentication_method.is_none()
            && self.authentication_data.is_none()
            && self.request_problem_information.is_none()
            && self.will_delay_interval.is_none()
            && self.request_response_information.is_none()
            && self.response_information.is_none()
            && self.server_reference.is_none()
            && self.receive_maximum.is_none()
            && self.topic_alias_maximum.is_none()
            && self.maximum_qos.is_none()
            && self.retain_available.is_none()
            && self.maximum_packet_size.is_none()
            && self.wildcard_subscription_available.is_none()
            && self.subscription_identifiers_available.is_none()
            && self.shared_subscription_available.is_none();
        debug_assert_eq!(empty, *self == Properties::default());
        empty
    }

    /// Reads a property list: its Variable Byte Integer length, then the properties.
    pub(crate) fn decode(
        r: &mut Reader<'_>,
        ctx: PropertyContext,
    ) -> Result<Properties, DecodeError> {
        let len = r.varint("Properties length")? as usize;
        if len > r.remaining() {
            return Err(DecodeError::Truncated {
                field: "Properties",
                needed: len - r.remaining(),
            });
        }
        let mut p = Properties::default();
        if len == 0 {
            return Ok(p);
        }
        let outer_end = r.end;
        r.end = r.pos + len;
        r.depth += 1;
        while r.remaining() > 0 {
            p.decode_one(r, ctx)?;
        }
        r.depth -= 1;
        r.end = outer_end;
        if p.authentication_data.is_some() && p.authentication_method.is_none() {
            return Err(DecodeError::AuthDataWithoutMethod);
        }
        Ok(p)
    }

    fn decode_one(&mut self, r: &mut Reader<'_>, ctx: PropertyContext) -> Result<(), DecodeError> {
        let start = r.pos;
        // The identifier is a Variable Byte Integer, but every defined one fits
        // in a single byte, so a byte with the continuation bit is unknown.
        let id = r.raw_u8("Property identifier")?;
        let d = def(id).ok_or(DecodeError::UnknownProperty(id))?;
        r.note(start, "Property identifier", || {
            format!("0x{id:02X} {}", d.name)
        });
        if d.allowed & ctx.bit() == 0 {
            return Err(DecodeError::PropertyNotAllowed {
                id,
                name: d.name,
                packet: ctx.name(),
            });
        }
        r.depth += 1;
        let v = match d.kind {
            Kind::Byte => Val::Int(u32::from(r.u8(d.name)?)),
            Kind::TwoByte => Val::Int(u32::from(r.u16(d.name)?)),
            Kind::FourByte => Val::Int(r.u32(d.name)?),
            Kind::VarInt => Val::Int(r.varint(d.name)?),
            Kind::Str => Val::Str(r.string(d.name)?),
            Kind::Binary => Val::Bin(r.binary(d.name)?),
            Kind::Pair => {
                let k = r.string("User Property name")?;
                let v = r.string("User Property value")?;
                Val::Pair(k, v)
            }
        };
        r.depth -= 1;
        match (id, v) {
            (0x01, Val::Int(v)) => {
                set_once(&mut self.payload_format_indicator, check_bool(d, v)?, d)
            }
            (0x02, Val::Int(v)) => set_once(&mut self.message_expiry_interval, v, d),
            (0x03, Val::Str(v)) => set_once(&mut self.content_type, v, d),
            (0x08, Val::Str(v)) => set_once(&mut self.response_topic, v, d),
            (0x09, Val::Bin(v)) => set_once(&mut self.correlation_data, v, d),
            (0x0B, Val::Int(v)) => {
                // [MQTT-3.8.2-?]: a Subscription Identifier of 0 is a Protocol Error.
                let v = nonzero(d, v)?;
                if ctx == PropertyContext::Subscribe && !self.subscription_identifiers.is_empty() {
                    return Err(DecodeError::DuplicateProperty { id, name: d.name });
                }
                self.subscription_identifiers.push(v);
                Ok(())
            }
            (0x11, Val::Int(v)) => set_once(&mut self.session_expiry_interval, v, d),
            (0x12, Val::Str(v)) => set_once(&mut self.assigned_client_identifier, v, d),
            (0x13, Val::Int(v)) => set_once(&mut self.server_keep_alive, v as u16, d),
            (0x15, Val::Str(v)) => set_once(&mut self.authentication_method, v, d),
            (0x16, Val::Bin(v)) => set_once(&mut self.authentication_data, v, d),
            (0x17, Val::Int(v)) => {
                set_once(&mut self.request_problem_information, check_bool(d, v)?, d)
            }
            (0x18, Val::Int(v)) => set_once(&mut self.will_delay_interval, v, d),
            (0x19, Val::Int(v)) => {
                set_once(&mut self.request_response_information, check_bool(d, v)?, d)
            }
            (0x1A, Val::Str(v)) => set_once(&mut self.response_information, v, d),
            (0x1C, Val::Str(v)) => set_once(&mut self.server_reference, v, d),
            (0x1F, Val::Str(v)) => set_once(&mut self.reason_string, v, d),
            // [MQTT-3.1.2-?] / §3.2.2.3.3: Receive Maximum 0 is a Protocol Error.
            (0x21, Val::Int(v)) => set_once(&mut self.receive_maximum, nonzero(d, v)? as u16, d),
            (0x22, Val::Int(v)) => set_once(&mut self.topic_alias_maximum, v as u16, d),
            // §3.3.2.3.4: a Topic Alias of 0 is a Protocol Error.
            (0x23, Val::Int(v)) => set_once(&mut self.topic_alias, nonzero(d, v)? as u16, d),
            (0x24, Val::Int(v)) => set_once(&mut self.maximum_qos, check_bool(d, v)?, d),
            (0x25, Val::Int(v)) => set_once(&mut self.retain_available, check_bool(d, v)?, d),
            (0x26, Val::Pair(k, v)) => {
                self.user_properties.push((k, v));
                Ok(())
            }
            // §3.1.2.11.4: a Maximum Packet Size of 0 is a Protocol Error.
            (0x27, Val::Int(v)) => set_once(&mut self.maximum_packet_size, nonzero(d, v)?, d),
            (0x28, Val::Int(v)) => set_once(
                &mut self.wildcard_subscription_available,
                check_bool(d, v)?,
                d,
            ),
            (0x29, Val::Int(v)) => set_once(
                &mut self.subscription_identifiers_available,
                check_bool(d, v)?,
                d,
            ),
            (0x2A, Val::Int(v)) => set_once(
                &mut self.shared_subscription_available,
                check_bool(d, v)?,
                d,
            ),
            _ => Err(DecodeError::UnknownProperty(id)),
        }
    }

    /// The length of the properties themselves, without their length prefix.
    pub fn content_len(&self) -> usize {
        if self.is_empty() {
            return 0;
        }
        let s = |o: &Option<String>| o.as_ref().map_or(0, |s| 3 + s.len());
        let b = |o: &Option<Bytes>| o.as_ref().map_or(0, |s| 3 + s.len());
        let n = |o: bool, w: usize| if o { 1 + w } else { 0 };
        n(self.payload_format_indicator.is_some(), 1)
            + n(self.message_expiry_interval.is_some(), 4)
            + s(&self.content_type)
            + s(&self.response_topic)
            + b(&self.correlation_data)
            + self
                .subscription_identifiers
                .iter()
                .map(|&v| 1 + varint_len(v))
                .sum::<usize>()
            + n(self.session_expiry_interval.is_some(), 4)
            + s(&self.assigned_client_identifier)
            + n(self.server_keep_alive.is_some(), 2)
            + s(&self.authentication_method)
            + b(&self.authentication_data)
            + n(self.request_problem_information.is_some(), 1)
            + n(self.will_delay_interval.is_some(), 4)
            + n(self.request_response_information.is_some(), 1)
            + s(&self.response_information)
            + s(&self.server_reference)
            + s(&self.reason_string)
            + n(self.receive_maximum.is_some(), 2)
            + n(self.topic_alias_maximum.is_some(), 2)
            + n(self.topic_alias.is_some(), 2)
            + n(self.maximum_qos.is_some(), 1)
            + n(self.retain_available.is_some(), 1)
            + self
                .user_properties
                .iter()
                .map(|(k, v)| 5 + k.len() + v.len())
                .sum::<usize>()
            + n(self.maximum_packet_size.is_some(), 4)
            + n(self.wildcard_subscription_available.is_some(), 1)
            + n(self.subscription_identifiers_available.is_some(), 1)
            + n(self.shared_subscription_available.is_some(), 1)
    }

    /// The length on the wire, with the Variable Byte Integer length prefix.
    pub fn encoded_len(&self) -> usize {
        let c = self.content_len();
        varint_len(c as u32) + c
    }

    /// The identifiers of the properties that are set, in encoding order.
    fn present(&self) -> impl Iterator<Item = u8> + '_ {
        let flags = [
            (0x01, self.payload_format_indicator.is_some()),
            (0x02, self.message_expiry_interval.is_some()),
            (0x03, self.content_type.is_some()),
            (0x08, self.response_topic.is_some()),
            (0x09, self.correlation_data.is_some()),
            (0x0B, !self.subscription_identifiers.is_empty()),
            (0x11, self.session_expiry_interval.is_some()),
            (0x12, self.assigned_client_identifier.is_some()),
            (0x13, self.server_keep_alive.is_some()),
            (0x15, self.authentication_method.is_some()),
            (0x16, self.authentication_data.is_some()),
            (0x17, self.request_problem_information.is_some()),
            (0x18, self.will_delay_interval.is_some()),
            (0x19, self.request_response_information.is_some()),
            (0x1A, self.response_information.is_some()),
            (0x1C, self.server_reference.is_some()),
            (0x1F, self.reason_string.is_some()),
            (0x21, self.receive_maximum.is_some()),
            (0x22, self.topic_alias_maximum.is_some()),
            (0x23, self.topic_alias.is_some()),
            (0x24, self.maximum_qos.is_some()),
            (0x25, self.retain_available.is_some()),
            (0x26, !self.user_properties.is_empty()),
            (0x27, self.maximum_packet_size.is_some()),
            (0x28, self.wildcard_subscription_available.is_some()),
            (0x29, self.subscription_identifiers_available.is_some()),
            (0x2A, self.shared_subscription_available.is_some()),
        ];
        flags.into_iter().filter(|(_, on)| *on).map(|(id, _)| id)
    }

    /// Checks, before encoding, that every property may appear in `ctx`, that
    /// its value is one the protocol allows, and that every field fits: the same
    /// rules the decoder enforces, so that whatever encodes also decodes.
    pub(crate) fn validate(&self, ctx: PropertyContext) -> Result<(), EncodeError> {
        if self.is_empty() {
            return Ok(());
        }
        for id in self.present() {
            let d = def(id).expect("every present property is defined");
            if d.allowed & ctx.bit() == 0 {
                return Err(DecodeError::PropertyNotAllowed {
                    id,
                    name: d.name,
                    packet: ctx.name(),
                }
                .into());
            }
        }
        for (f, s) in [
            ("Content Type", &self.content_type),
            ("Response Topic", &self.response_topic),
            (
                "Assigned Client Identifier",
                &self.assigned_client_identifier,
            ),
            ("Authentication Method", &self.authentication_method),
            ("Response Information", &self.response_information),
            ("Server Reference", &self.server_reference),
            ("Reason String", &self.reason_string),
        ] {
            if let Some(s) = s {
                check_str(f, s)?;
            }
        }
        for (f, b) in [
            ("Correlation Data", &self.correlation_data),
            ("Authentication Data", &self.authentication_data),
        ] {
            if let Some(b) = b {
                check_len(f, b.len())?;
            }
        }
        for (k, v) in &self.user_properties {
            check_str("User Property name", k)?;
            check_str("User Property value", v)?;
        }
        let bad = |name, value: u32, why| {
            Err(DecodeError::InvalidPropertyValue { name, value, why }.into())
        };
        for &id in &self.subscription_identifiers {
            if id == 0 || id > wire::VARINT_MAX {
                return bad(
                    "Subscription Identifier",
                    id,
                    "it must be from 1 to 268,435,455",
                );
            }
        }
        if ctx == PropertyContext::Subscribe && self.subscription_identifiers.len() > 1 {
            return bad(
                "Subscription Identifier",
                self.subscription_identifiers.len() as u32,
                "SUBSCRIBE carries at most one",
            );
        }
        for (name, v) in [
            ("Receive Maximum", self.receive_maximum.map(u32::from)),
            ("Topic Alias", self.topic_alias.map(u32::from)),
            ("Maximum Packet Size", self.maximum_packet_size),
        ] {
            if v == Some(0) {
                return bad(name, 0, "it must not be 0");
            }
        }
        for (name, v) in [
            ("Payload Format Indicator", self.payload_format_indicator),
            (
                "Request Problem Information",
                self.request_problem_information,
            ),
            (
                "Request Response Information",
                self.request_response_information,
            ),
            ("Maximum QoS", self.maximum_qos),
            ("Retain Available", self.retain_available),
            (
                "Wildcard Subscription Available",
                self.wildcard_subscription_available,
            ),
            (
                "Subscription Identifier Available",
                self.subscription_identifiers_available,
            ),
            (
                "Shared Subscription Available",
                self.shared_subscription_available,
            ),
        ] {
            if let Some(v) = v.filter(|&v| v > 1) {
                return bad(name, u32::from(v), "it must be 0 or 1");
            }
        }
        if self.authentication_data.is_some() && self.authentication_method.is_none() {
            return bad(
                "Authentication Data",
                0,
                "it needs an Authentication Method",
            );
        }
        Ok(())
    }

    /// Writes the length prefix and the properties.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        if self.is_empty() {
            out.push(0);
            return;
        }
        put_varint(out, self.content_len() as u32);
        if let Some(v) = self.payload_format_indicator {
            out.extend_from_slice(&[0x01, v]);
        }
        if let Some(v) = self.message_expiry_interval {
            out.push(0x02);
            put_u32(out, v);
        }
        let s = |out: &mut Vec<u8>, id: u8, v: &Option<String>| {
            if let Some(v) = v {
                out.push(id);
                put_prefixed(out, v.as_bytes());
            }
        };
        s(out, 0x03, &self.content_type);
        s(out, 0x08, &self.response_topic);
        if let Some(v) = &self.correlation_data {
            out.push(0x09);
            put_prefixed(out, v);
        }
        for &v in &self.subscription_identifiers {
            out.push(0x0B);
            put_varint(out, v);
        }
        if let Some(v) = self.session_expiry_interval {
            out.push(0x11);
            put_u32(out, v);
        }
        s(out, 0x12, &self.assigned_client_identifier);
        if let Some(v) = self.server_keep_alive {
            out.push(0x13);
            put_u16(out, v);
        }
        s(out, 0x15, &self.authentication_method);
        if let Some(v) = &self.authentication_data {
            out.push(0x16);
            put_prefixed(out, v);
        }
        if let Some(v) = self.request_problem_information {
            out.extend_from_slice(&[0x17, v]);
        }
        if let Some(v) = self.will_delay_interval {
            out.push(0x18);
            put_u32(out, v);
        }
        if let Some(v) = self.request_response_information {
            out.extend_from_slice(&[0x19, v]);
        }
        s(out, 0x1A, &self.response_information);
        s(out, 0x1C, &self.server_reference);
        s(out, 0x1F, &self.reason_string);
        for (id, v) in [
            (0x21, self.receive_maximum),
            (0x22, self.topic_alias_maximum),
            (0x23, self.topic_alias),
        ] {
            if let Some(v) = v {
                out.push(id);
                put_u16(out, v);
            }
        }
        for (id, v) in [(0x24, self.maximum_qos), (0x25, self.retain_available)] {
            if let Some(v) = v {
                out.extend_from_slice(&[id, v]);
            }
        }
        for (k, v) in &self.user_properties {
            out.push(0x26);
            put_prefixed(out, k.as_bytes());
            put_prefixed(out, v.as_bytes());
        }
        if let Some(v) = self.maximum_packet_size {
            out.push(0x27);
            put_u32(out, v);
        }
        for (id, v) in [
            (0x28, self.wildcard_subscription_available),
            (0x29, self.subscription_identifiers_available),
            (0x2A, self.shared_subscription_available),
        ] {
            if let Some(v) = v {
                out.extend_from_slice(&[id, v]);
            }
        }
    }
}
