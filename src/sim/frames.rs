//! Cutting a transmit buffer into the packets it holds, so that each travels
//! (and is drawn) on its own.

use crate::codec::{check_header, HeaderCheck, Packet, ProtocolVersion};
use bytes::Bytes;

/// The whole packets at the start of `buf`, decoded when they decode; bytes
/// that do not make a whole packet (a truncated or malformed header) travel
/// together as one last piece without a packet. A CONNECT updates `version`.
pub(crate) fn split(buf: Vec<u8>, version: &mut ProtocolVersion) -> Vec<(Bytes, Option<Packet>)> {
    let mut buf = Bytes::from(buf);
    let mut out = Vec::new();
    while !buf.is_empty() {
        match check_header(&buf, usize::MAX) {
            Ok(HeaderCheck::Complete(h)) => {
                let frame = buf.split_to(h.packet_len());
                let packet = Packet::decode(frame.clone(), *version).ok();
                if let Some(Packet::Connect(c)) = &packet {
                    *version = c.protocol;
                }
                out.push((frame, packet));
            }
            _ => {
                out.push((buf, None));
                break;
            }
        }
    }
    out
}
