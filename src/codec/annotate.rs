//! The byte-by-byte dissection of a packet, for the inspector.
//!
//! The fields come from the decoder itself (it records each field as it reads
//! it), so the dissection is exactly what was decoded; on malformed bytes it
//! stops at the point of failure and says what is wrong there.

use super::error::DecodeError;
use super::packet::{decode_traced, Packet};
use super::types::ProtocolVersion;
use bytes::Bytes;

/// One field of a packet: its byte range, its name and its decoded value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Offset of the first byte, from the start of the packet.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
    /// The field's name as the specification calls it ("Remaining Length").
    pub name: String,
    /// The decoded value, as text.
    pub value: String,
    /// Nesting: 0 for top-level fields, 1 inside properties, and so on.
    pub depth: u8,
}

/// Where and why decoding failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotatedError {
    /// The offset at which the decoder stopped.
    pub offset: usize,
    /// The first byte at fault (the start of the field that broke a rule, or of
    /// the bytes left over).
    pub start: usize,
    /// One past the last byte at fault (for a packet that ends too early, the
    /// end of what there is).
    pub end: usize,
    /// What was wrong.
    pub error: DecodeError,
}

/// The result of [`annotate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// The fields read, in order.
    pub fields: Vec<Field>,
    /// The packet, when the bytes decoded.
    pub packet: Option<Packet>,
    /// The failure, when they did not.
    pub error: Option<AnnotatedError>,
}

/// Dissects the bytes of one packet.
pub fn annotate(bytes: &[u8], version: ProtocolVersion) -> Annotation {
    let bytes = Bytes::copy_from_slice(bytes);
    let mut fields = Vec::new();
    let (res, offset, last_start) = decode_traced(&bytes, version, &mut fields);
    match res {
        Ok(p) => Annotation {
            fields,
            packet: Some(p),
            error: None,
        },
        Err(error) => {
            let len = bytes.len();
            let (start, end) = match &error {
                DecodeError::Truncated { .. } => (last_start, len),
                DecodeError::TrailingBytes { extra, .. } => (offset, (offset + extra).min(len)),
                _ => (last_start, offset.max(last_start + 1).min(len.max(1))),
            };
            Annotation {
                fields,
                packet: None,
                error: Some(AnnotatedError {
                    offset,
                    start,
                    end,
                    error,
                }),
            }
        }
    }
}
