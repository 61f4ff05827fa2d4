//! The packet model shared by both protocol versions, and the fixed header (§2.1).

use super::annotate::Field;
use super::connect::{ConnAck, Connect};
use super::error::{DecodeError, EncodeError};
use super::properties::{Properties, PropertyContext};
use super::publish::{PubResponse, Publish};
use super::reason::{PacketType, ReasonCode};
use super::subscribe::{SubAck, Subscribe, UnsubAck, Unsubscribe};
use super::types::ProtocolVersion;
use super::wire::{put_varint, varint_len, Reader, VARINT_MAX};
use bytes::Bytes;

/// One MQTT control packet, in either protocol version.
///
/// The version is not stored in the packet (except in CONNECT, which declares
/// it): it is a parameter of decoding and encoding, and data that only MQTT 5.0
/// carries lives in [`Properties`] and reason codes, which 3.1.1 leaves empty.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Packet {
    Connect(Box<Connect>),
    ConnAck(ConnAck),
    Publish(Publish),
    PubAck(PubResponse),
    PubRec(PubResponse),
    PubRel(PubResponse),
    PubComp(PubResponse),
    Subscribe(Subscribe),
    SubAck(SubAck),
    Unsubscribe(Unsubscribe),
    UnsubAck(UnsubAck),
    PingReq,
    PingResp,
    Disconnect(Disconnect),
    Auth(Auth),
}

/// The end of a connection, with a reason in 5.0.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Disconnect {
    /// The 5.0 reason code (Normal disconnection in 3.1.1).
    pub reason_code: ReasonCode,
    /// Properties (5.0).
    pub properties: Properties,
}

/// An extended-authentication exchange (5.0 only).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Auth {
    /// Success, Continue authentication or Re-authenticate.
    pub reason_code: ReasonCode,
    /// Properties: the method, data and a reason string.
    pub properties: Properties,
}

/// The fixed header: what can be known of a packet from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedHeader {
    /// The first byte (type and flags).
    pub byte1: u8,
    /// The Remaining Length.
    pub remaining_len: usize,
    /// The length of the fixed header itself (2 to 5 bytes).
    pub header_len: usize,
}

impl FixedHeader {
    /// The length of the whole packet.
    pub fn packet_len(&self) -> usize {
        self.header_len + self.remaining_len
    }
}

/// What the first bytes of a buffer say about the packet they start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderCheck {
    /// The header is complete.
    Complete(FixedHeader),
    /// At least this many more bytes are needed to read the header, or the packet.
    NeedMore(usize),
}

/// Reads the fixed header at the start of `buf` without consuming anything, and
/// rejects a packet larger than `max_packet_size` before its body has arrived.
pub fn check_header(buf: &[u8], max_packet_size: usize) -> Result<HeaderCheck, DecodeError> {
    if buf.is_empty() {
        return Ok(HeaderCheck::NeedMore(2));
    }
    match super::wire::read_varint(&buf[1..], "Remaining Length")? {
        super::wire::VarInt::Incomplete => Ok(HeaderCheck::NeedMore(1)),
        super::wire::VarInt::Value(len, n) => {
            let h = FixedHeader {
                byte1: buf[0],
                remaining_len: len as usize,
                header_len: 1 + n,
            };
            if h.packet_len() > max_packet_size {
                return Err(DecodeError::PacketTooLarge {
                    size: h.packet_len(),
                    max: max_packet_size,
                });
            }
            if buf.len() < h.packet_len() {
                return Ok(HeaderCheck::NeedMore(h.packet_len() - buf.len()));
            }
            Ok(HeaderCheck::Complete(h))
        }
    }
}

impl Packet {
    /// The packet's type.
    pub fn packet_type(&self) -> PacketType {
        use Packet::*;
        match self {
            Connect(_) => PacketType::Connect,
            ConnAck(_) => PacketType::ConnAck,
            Publish(_) => PacketType::Publish,
            PubAck(_) => PacketType::PubAck,
            PubRec(_) => PacketType::PubRec,
            PubRel(_) => PacketType::PubRel,
            PubComp(_) => PacketType::PubComp,
            Subscribe(_) => PacketType::Subscribe,
            SubAck(_) => PacketType::SubAck,
            Unsubscribe(_) => PacketType::Unsubscribe,
            UnsubAck(_) => PacketType::UnsubAck,
            PingReq => PacketType::PingReq,
            PingResp => PacketType::PingResp,
            Disconnect(_) => PacketType::Disconnect,
            Auth(_) => PacketType::Auth,
        }
    }

    /// Decodes exactly one whole packet. For CONNECT the version is read from
    /// the packet and `version` is ignored.
    pub fn decode(bytes: Bytes, version: ProtocolVersion) -> Result<Packet, DecodeError> {
        let mut r = Reader::new(&bytes, None);
        decode_packet(&mut r, version)
    }

    /// The low nibble of the first byte.
    fn flags(&self) -> u8 {
        match self {
            Packet::Publish(p) => p.flags(),
            other => other.packet_type().required_flags().unwrap_or(0),
        }
    }

    fn body_len(&self, v: ProtocolVersion) -> usize {
        use Packet::*;
        match self {
            Connect(c) => c.body_len(),
            ConnAck(c) => c.body_len(v),
            Publish(p) => p.body_len(v),
            PubAck(p) | PubRec(p) | PubRel(p) | PubComp(p) => p.body_len(v),
            Subscribe(s) => s.body_len(v),
            SubAck(s) => s.body_len(v),
            Unsubscribe(u) => u.body_len(v),
            UnsubAck(u) => u.body_len(v),
            PingReq | PingResp => 0,
            Disconnect(d) => d.body_len(v),
            Auth(a) => a.body_len(),
        }
    }

    /// The version that governs the body: a CONNECT declares its own.
    fn effective_version(&self, v: ProtocolVersion) -> ProtocolVersion {
        match self {
            Packet::Connect(c) => c.protocol,
            _ => v,
        }
    }

    /// The number of bytes [`Packet::encode`] writes.
    pub fn encoded_len(&self, version: ProtocolVersion) -> usize {
        let n = self.body_len(self.effective_version(version));
        1 + varint_len(n as u32) + n
    }

    /// Checks that the packet can be encoded in `version`.
    pub fn validate(&self, version: ProtocolVersion) -> Result<(), EncodeError> {
        use PropertyContext as Ctx;
        let v = self.effective_version(version);
        let kind = self.packet_type();
        let bad_code =
            |code: ReasonCode| Err(DecodeError::InvalidReasonCode { packet: kind, code }.into());
        match self {
            Packet::Connect(c) => c.validate()?,
            Packet::Publish(p) => p.validate(v)?,
            Packet::Subscribe(s) => s.validate(v)?,
            Packet::Unsubscribe(u) => u.validate()?,
            Packet::Auth(_) if !v.is_v5() => {
                return Err(DecodeError::NotInVersion {
                    packet: kind,
                    version: "MQTT 3.1.1",
                }
                .into())
            }
            Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p)
                if p.packet_id == 0 =>
            {
                return Err(DecodeError::ZeroPacketId { packet: kind }.into())
            }
            Packet::SubAck(s) if s.packet_id == 0 => {
                return Err(DecodeError::ZeroPacketId { packet: kind }.into())
            }
            Packet::UnsubAck(s) if s.packet_id == 0 => {
                return Err(DecodeError::ZeroPacketId { packet: kind }.into())
            }
            Packet::SubAck(s) if s.reason_codes.is_empty() => {
                return Err(DecodeError::NoReasonCodes { packet: kind }.into())
            }
            Packet::UnsubAck(s) if s.reason_codes.is_empty() && v.is_v5() => {
                return Err(DecodeError::NoReasonCodes { packet: kind }.into())
            }
            _ => {}
        }
        // Reason codes: the ones each packet allows, in the version's own set.
        let codes: &[ReasonCode] = match self {
            Packet::ConnAck(c) => core::slice::from_ref(&c.reason_code),
            Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p)
                if v.is_v5() =>
            {
                core::slice::from_ref(&p.reason_code)
            }
            Packet::SubAck(s) => &s.reason_codes,
            Packet::UnsubAck(s) if v.is_v5() => &s.reason_codes,
            Packet::Disconnect(d) if v.is_v5() => core::slice::from_ref(&d.reason_code),
            Packet::Auth(a) => core::slice::from_ref(&a.reason_code),
            _ => &[],
        };
        for &code in codes {
            let ok = match (v.is_v5(), kind) {
                (true, _) => code.allowed_in(kind),
                (false, PacketType::ConnAck) => code.0 <= 5,
                (false, _) => matches!(code.0, 0 | 1 | 2 | 0x80),
            };
            if !ok {
                return bad_code(code);
            }
        }
        if let Packet::ConnAck(c) = self {
            // [MQTT-3.2.2-4] / [MQTT-3.2.2-6]: a refusal never says a session is present.
            if c.session_present && c.reason_code.0 != 0 {
                return bad_code(c.reason_code);
            }
        }
        // Properties exist only in 5.0; in 3.1.1 they are left out of the bytes.
        if v.is_v5() {
            match self {
                Packet::Connect(c) => {
                    c.properties.validate(Ctx::Connect)?;
                    if let Some(w) = &c.will {
                        w.properties.validate(Ctx::Will)?;
                    }
                }
                Packet::ConnAck(c) => c.properties.validate(Ctx::ConnAck)?,
                Packet::Publish(p) => p.properties.validate(Ctx::Publish)?,
                Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => {
                    p.properties.validate(Ctx::PubResponse)?
                }
                Packet::Subscribe(s) => s.properties.validate(Ctx::Subscribe)?,
                Packet::SubAck(s) => s.properties.validate(Ctx::SubAck)?,
                Packet::Unsubscribe(s) => s.properties.validate(Ctx::Unsubscribe)?,
                Packet::UnsubAck(s) => s.properties.validate(Ctx::UnsubAck)?,
                Packet::Disconnect(d) => d.properties.validate(Ctx::Disconnect)?,
                Packet::Auth(a) => a.properties.validate(Ctx::Auth)?,
                Packet::PingReq | Packet::PingResp => {}
            }
        }
        let n = self.body_len(v);
        if n > VARINT_MAX as usize {
            return Err(EncodeError::PacketTooLarge(n));
        }
        Ok(())
    }

    /// Appends the packet's bytes to `out`, after checking it with [`Packet::validate`].
    pub fn encode(
        &self,
        version: ProtocolVersion,
        out: &mut Vec<u8>,
    ) -> Result<usize, EncodeError> {
        self.validate(version)?;
        Ok(self.encode_unchecked(version, out))
    }

    /// Appends the packet's bytes without validating; for packets built by this crate.
    pub(crate) fn encode_unchecked(&self, version: ProtocolVersion, out: &mut Vec<u8>) -> usize {
        use Packet::*;
        let v = self.effective_version(version);
        let n = self.body_len(v);
        let before = out.len();
        out.reserve(5 + n);
        out.push(((self.packet_type() as u8) << 4) | self.flags());
        put_varint(out, n as u32);
        match self {
            Connect(c) => c.encode_body(out),
            ConnAck(c) => c.encode_body(v, out),
            Publish(p) => p.encode_body(v, out),
            PubAck(p) | PubRec(p) | PubRel(p) | PubComp(p) => p.encode_body(v, out),
            Subscribe(s) => s.encode_body(v, out),
            SubAck(s) => s.encode_body(v, out),
            Unsubscribe(u) => u.encode_body(v, out),
            UnsubAck(u) => u.encode_body(v, out),
            PingReq | PingResp => {}
            Disconnect(d) => d.encode_body(v, out),
            Auth(a) => a.encode_body(out),
        }
        out.len() - before
    }

    /// The packet's bytes as a new vector.
    pub fn to_bytes(&self, version: ProtocolVersion) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(self.encoded_len(version));
        self.encode(version, &mut out)?;
        Ok(out)
    }
}

/// Decodes one packet that fills the reader's buffer, recording fields when tracing.
#[inline]
pub(crate) fn decode_packet(
    r: &mut Reader<'_>,
    version: ProtocolVersion,
) -> Result<Packet, DecodeError> {
    let start = r.pos;
    let byte1 = r.raw_u8("Packet type and flags")?;
    let nibble = byte1 >> 4;
    let flags = byte1 & 0x0F;
    r.note(start, "Packet type and flags", || describe_byte1(byte1));
    let kind = match PacketType::from_nibble(nibble) {
        Some(PacketType::Auth) if !version.is_v5() => {
            return Err(DecodeError::ReservedPacketType(15))
        }
        Some(k) => k,
        None => return Err(DecodeError::ReservedPacketType(nibble)),
    };
    // [MQTT-2.2.2-1] / [MQTT-2.1.3-1]: reserved flags must be exactly as specified.
    if let Some(expected) = kind.required_flags() {
        if flags != expected {
            return Err(DecodeError::InvalidFlags {
                packet: kind,
                expected,
                found: flags,
            });
        }
    }
    if kind == PacketType::Publish {
        // Checked here, on the first byte, so the inspector points at that byte.
        let qos = (flags >> 1) & 3;
        if qos == 3 {
            return Err(DecodeError::InvalidQoS { field: "QoS" });
        }
        // [MQTT-3.3.1-2]: DUP must be 0 on QoS 0 messages.
        if qos == 0 && flags & 0b1000 != 0 {
            return Err(DecodeError::DupWithQoS0);
        }
    }
    // A CONNECT's version is not known before its body is read, so its
    // Remaining Length is checked for minimality afterwards.
    r.strict_varint = version.is_v5() && kind != PacketType::Connect;
    let rl_start = r.pos;
    let remaining = r.varint("Remaining Length")? as usize;
    let rl_len = r.pos - rl_start;
    if remaining > r.remaining() {
        return Err(DecodeError::Truncated {
            field: "the packet body",
            needed: remaining - r.remaining(),
        });
    }
    let outer_end = r.end;
    r.end = r.pos + remaining;
    use PacketType as T;
    let packet = match kind {
        T::Connect => {
            let c = Connect::decode(r)?;
            // [MQTT-1.5.5-1]: in 5.0 the Remaining Length too must be minimal.
            if c.protocol.is_v5() && rl_len > super::wire::varint_len(remaining as u32) {
                r.last_start = rl_start;
                return Err(DecodeError::VarIntNotMinimal {
                    field: "Remaining Length",
                });
            }
            Packet::Connect(Box::new(c))
        }
        T::ConnAck => Packet::ConnAck(ConnAck::decode(r, version)?),
        T::Publish => Packet::Publish(Publish::decode(r, version, flags)?),
        T::PubAck => Packet::PubAck(PubResponse::decode(r, version, kind)?),
        T::PubRec => Packet::PubRec(PubResponse::decode(r, version, kind)?),
        T::PubRel => Packet::PubRel(PubResponse::decode(r, version, kind)?),
        T::PubComp => Packet::PubComp(PubResponse::decode(r, version, kind)?),
        T::Subscribe => Packet::Subscribe(Subscribe::decode(r, version)?),
        T::SubAck => Packet::SubAck(SubAck::decode(r, version)?),
        T::Unsubscribe => Packet::Unsubscribe(Unsubscribe::decode(r, version)?),
        T::UnsubAck => Packet::UnsubAck(UnsubAck::decode(r, version)?),
        T::PingReq => Packet::PingReq,
        T::PingResp => Packet::PingResp,
        T::Disconnect => Packet::Disconnect(Disconnect::decode(r, version)?),
        T::Auth => Packet::Auth(Auth::decode(r)?),
    };
    if r.remaining() > 0 {
        return Err(DecodeError::TrailingBytes {
            packet: kind,
            extra: r.remaining(),
        });
    }
    r.end = outer_end;
    if r.remaining() > 0 {
        return Err(DecodeError::TrailingBytes {
            packet: kind,
            extra: r.remaining(),
        });
    }
    Ok(packet)
}

fn describe_byte1(b: u8) -> String {
    let nibble = b >> 4;
    let name = PacketType::from_nibble(nibble).map_or("reserved", |k| k.name());
    if nibble == PacketType::Publish as u8 {
        format!(
            "0x{b:02X}: type {nibble} {name}, DUP {}, QoS {}, RETAIN {}",
            (b >> 3) & 1,
            (b >> 1) & 3,
            b & 1
        )
    } else {
        format!("0x{b:02X}: type {nibble} {name}, flags {:04b}", b & 0xF)
    }
}

fn reason_and_props(
    r: &mut Reader<'_>,
    kind: PacketType,
    ctx: PropertyContext,
) -> Result<(ReasonCode, Properties), DecodeError> {
    let mut code = ReasonCode::SUCCESS;
    let mut props = Properties::default();
    if r.remaining() > 0 {
        let start = r.pos;
        code = ReasonCode(r.raw_u8("Reason Code")?);
        r.note(start, "Reason Code", || {
            format!("0x{:02X} {}", code.0, code.name_in(kind))
        });
        // [MQTT-3.14.2-1] and its twins: only the listed codes are allowed.
        if !code.allowed_in(kind) {
            return Err(DecodeError::InvalidReasonCode { packet: kind, code });
        }
    }
    if r.remaining() > 0 {
        props = Properties::decode(r, ctx)?;
    }
    Ok((code, props))
}

fn reason_props_len(code: ReasonCode, props: &Properties) -> usize {
    if !props.is_empty() {
        1 + props.encoded_len()
    } else if code != ReasonCode::SUCCESS {
        1
    } else {
        0
    }
}

fn encode_reason_props(code: ReasonCode, props: &Properties, out: &mut Vec<u8>) {
    let n = reason_props_len(code, props);
    if n >= 1 {
        out.push(code.0);
    }
    if n > 1 {
        props.encode(out);
    }
}

impl Disconnect {
    fn decode(r: &mut Reader<'_>, v: ProtocolVersion) -> Result<Disconnect, DecodeError> {
        if !v.is_v5() {
            return Ok(Disconnect::default());
        }
        let (reason_code, properties) =
            reason_and_props(r, PacketType::Disconnect, PropertyContext::Disconnect)?;
        Ok(Disconnect {
            reason_code,
            properties,
        })
    }

    fn body_len(&self, v: ProtocolVersion) -> usize {
        if v.is_v5() {
            reason_props_len(self.reason_code, &self.properties)
        } else {
            0
        }
    }

    fn encode_body(&self, v: ProtocolVersion, out: &mut Vec<u8>) {
        if v.is_v5() {
            encode_reason_props(self.reason_code, &self.properties, out);
        }
    }
}

impl Auth {
    fn decode(r: &mut Reader<'_>) -> Result<Auth, DecodeError> {
        let (reason_code, properties) =
            reason_and_props(r, PacketType::Auth, PropertyContext::Auth)?;
        Ok(Auth {
            reason_code,
            properties,
        })
    }

    fn body_len(&self) -> usize {
        reason_props_len(self.reason_code, &self.properties)
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        encode_reason_props(self.reason_code, &self.properties, out);
    }
}

/// Decodes one packet while recording every field it reads; used by [`super::annotate`].
/// Returns the result, where decoding stopped, and where the last field read starts.
pub(crate) fn decode_traced(
    bytes: &Bytes,
    version: ProtocolVersion,
    fields: &mut Vec<Field>,
) -> (Result<Packet, DecodeError>, usize, usize) {
    let mut r = Reader::new(bytes, Some(fields));
    let res = decode_packet(&mut r, version);
    (res, r.pos, r.last_start)
}
