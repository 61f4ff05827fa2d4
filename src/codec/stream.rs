//! Streaming decode: bytes arrive in arbitrary chunks, packets come out whole.

use super::error::DecodeError;
use super::packet::{check_header, decode_packet, HeaderCheck, Packet};
use super::reason::PacketType;
use super::types::ProtocolVersion;
use super::wire::{Reader, VARINT_MAX};
use bytes::{Bytes, BytesMut};

/// The largest packet MQTT can express: a 5-byte fixed header and the maximum
/// Remaining Length.
pub const MAX_PACKET_SIZE: usize = 5 + VARINT_MAX as usize;

/// Turns a stream of bytes into packets.
///
/// Feed it whatever arrives ([`Decoder::feed`]); then call [`Decoder::next`]
/// until it returns `Ok(None)`, meaning it needs more bytes. A packet larger
/// than the maximum is refused from its fixed header alone, before its body is
/// buffered. After an error the stream cannot be resynchronised: the decoder
/// keeps returning that error and drops whatever it is fed.
#[derive(Debug)]
pub struct Decoder {
    buf: BytesMut,
    version: Option<ProtocolVersion>,
    max_packet_size: usize,
    failed: Option<DecodeError>,
    /// The server side of a connection: exactly one CONNECT, first.
    server: bool,
}

impl Decoder {
    /// A decoder for a connection whose version is known (a client's).
    pub fn new(version: ProtocolVersion) -> Self {
        Decoder {
            buf: BytesMut::new(),
            version: Some(version),
            max_packet_size: MAX_PACKET_SIZE,
            failed: None,
            server: false,
        }
    }

    /// A decoder for the server side: the first packet must be CONNECT
    /// [MQTT-3.1.0-1], and it sets the version of the rest.
    pub fn server() -> Self {
        Decoder {
            version: None,
            server: true,
            ..Decoder::new(ProtocolVersion::V5)
        }
    }

    /// Sets the largest packet accepted, in bytes (the whole packet).
    pub fn with_max_packet_size(mut self, max: usize) -> Self {
        self.max_packet_size = max.min(MAX_PACKET_SIZE);
        self
    }

    /// Changes the largest packet accepted.
    pub fn set_max_packet_size(&mut self, max: usize) {
        self.max_packet_size = max.min(MAX_PACKET_SIZE);
    }

    /// The protocol version, once known.
    pub fn version(&self) -> Option<ProtocolVersion> {
        self.version
    }

    /// Sets the protocol version (a client learns it is the one it asked for).
    pub fn set_version(&mut self, v: ProtocolVersion) {
        self.version = Some(v);
    }

    /// Bytes received but not yet decoded.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Appends received bytes.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.failed.is_none() {
            self.buf.extend_from_slice(bytes);
        }
    }

    /// The next whole packet, `Ok(None)` when more bytes are needed.
    #[allow(clippy::should_implement_trait)]
    #[inline]
    pub fn next(&mut self) -> Result<Option<Packet>, DecodeError> {
        let Some((frame, version)) = self.next_raw()? else {
            return Ok(None);
        };
        self.decode_frame(&frame, version).map(Some)
    }

    /// The next whole packet with its bytes (for inspectors), `Ok(None)` when more are needed.
    pub fn next_frame(&mut self) -> Result<Option<(Packet, Bytes)>, DecodeError> {
        let Some((frame, version)) = self.next_raw()? else {
            return Ok(None);
        };
        let packet = self.decode_frame(&frame, version)?;
        Ok(Some((packet, frame)))
    }

    /// Remembers a failure: the stream cannot be resynchronised after one.
    fn fail(&mut self, e: DecodeError) -> DecodeError {
        self.failed = Some(e.clone());
        self.buf = BytesMut::new();
        e
    }

    /// Splits off the bytes of the next whole packet, with the version to read it in.
    #[inline]
    fn next_raw(&mut self) -> Result<Option<(Bytes, ProtocolVersion)>, DecodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let h = match check_header(&self.buf, self.max_packet_size) {
            Ok(HeaderCheck::NeedMore(_)) => return Ok(None),
            Ok(HeaderCheck::Complete(h)) => h,
            Err(e) => return Err(self.fail(e)),
        };
        let kind = PacketType::from_nibble(h.byte1 >> 4);
        let version = match self.version {
            Some(v) => v,
            None if kind == Some(PacketType::Connect) => ProtocolVersion::V5,
            // [MQTT-3.1.0-1]: the first packet from a client must be CONNECT.
            None => {
                let e = match kind {
                    Some(k) => DecodeError::FirstPacketNotConnect(k),
                    None => DecodeError::ReservedPacketType(h.byte1 >> 4),
                };
                return Err(self.fail(e));
            }
        };
        // [MQTT-3.1.0-2]: a second CONNECT is a Protocol Error.
        if self.server && self.version.is_some() && kind == Some(PacketType::Connect) {
            return Err(self.fail(DecodeError::SecondConnect));
        }
        Ok(Some((self.buf.split_to(h.packet_len()).freeze(), version)))
    }

    #[inline]
    fn decode_frame(
        &mut self,
        frame: &Bytes,
        version: ProtocolVersion,
    ) -> Result<Packet, DecodeError> {
        let mut r = Reader::new(frame, None);
        match decode_packet(&mut r, version) {
            Ok(packet) => {
                if let Packet::Connect(c) = &packet {
                    self.version.get_or_insert(c.protocol);
                }
                Ok(packet)
            }
            Err(e) => Err(self.fail(e)),
        }
    }
}
