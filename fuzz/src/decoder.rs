//! The streaming decoder and the annotator.
//!
//! Input: one control byte, then the bytes of the stream. The control byte
//! picks the version (bits 0-1: 3.1, 3.1.1, 5.0, 5.0), the side (bit 2: a
//! server's decoder, which wants CONNECT first) and the chunk size the bytes
//! are fed in (bits 3-7: 1..=32 bytes).

use super::samples::{bytes, every_packet, VERSIONS};
use mqtt_lab::codec::{annotate, Decoder, Packet, ProtocolVersion};

/// The largest packet the fuzzed decoder accepts: larger ones are refused from
/// their fixed header, which is the path under test; a small bound keeps runs fast.
const MAX_PACKET: usize = 64 * 1024;

fn version_of(ctl: u8) -> ProtocolVersion {
    match ctl & 3 {
        0 => ProtocolVersion::V3_1,
        1 => ProtocolVersion::V3_1_1,
        _ => ProtocolVersion::V5,
    }
}

/// See the module docs.
pub fn decoder(data: &[u8]) {
    let Some((&ctl, stream)) = data.split_first() else {
        return;
    };
    let version = version_of(ctl);
    let server = ctl & 4 != 0;
    let chunk = usize::from(ctl >> 3) + 1;

    // The annotator reads one packet and must say where it stopped, whatever the bytes.
    let a = annotate(stream, version);
    assert!(
        a.packet.is_some() != a.error.is_some(),
        "annotate gives a packet or an error"
    );
    for f in &a.fields {
        assert!(
            f.start <= f.end && f.end <= stream.len(),
            "field {f:?} out of range"
        );
    }

    let mut d = if server {
        Decoder::server()
    } else {
        Decoder::new(version)
    }
    .with_max_packet_size(MAX_PACKET);
    let mut whole = 0usize;
    for piece in stream.chunks(chunk) {
        d.feed(piece);
        loop {
            match d.next_frame() {
                Ok(Some((packet, frame))) => {
                    whole += frame.len();
                    let v = match &packet {
                        Packet::Connect(c) => c.protocol,
                        _ => d.version().unwrap_or(version),
                    };
                    round_trip(&packet, &frame, v);
                }
                Ok(None) => break,
                Err(e) => {
                    // After an error the decoder stays failed and holds nothing.
                    d.feed(b"\x00");
                    assert_eq!(d.next().err(), Some(e));
                    assert_eq!(d.buffered(), 0);
                    return;
                }
            }
        }
    }
    assert_eq!(whole + d.buffered(), stream.len(), "bytes lost or invented");
}

/// A decoded packet decodes the same from its own bytes, encodes (the encoder
/// refuses only what the decoder refuses), and re-encodes to a packet equal to it
/// with `encoded_len` equal to what `encode` writes.
fn round_trip(packet: &Packet, frame: &[u8], v: ProtocolVersion) {
    let again = Packet::decode(frame.to_vec().into(), v).expect("a frame decodes alone");
    assert_eq!(&again, packet, "one-shot and streaming decode differ");
    let out = match packet.to_bytes(v) {
        Ok(b) => b,
        Err(e) => panic!("decoded {packet:?} but encode refuses it in {v}: {e}"),
    };
    assert_eq!(
        out.len(),
        packet.encoded_len(v),
        "encoded_len for {packet:?}"
    );
    let back = Packet::decode(out.into(), v).expect("re-encoded packet decodes");
    assert_eq!(&back, packet, "re-encoded packet differs");
}

/// Every sample packet, alone and all in one stream, for each version and side.
pub(crate) fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (i, v) in VERSIONS.into_iter().enumerate() {
        let ctl = match i {
            0 => 0u8,
            1 => 1,
            _ => 2,
        };
        let mut stream = Vec::new();
        for (n, p) in every_packet(v).iter().enumerate() {
            let b = bytes(p, v);
            let name = format!(
                "{}-{n:02}-{}",
                v.level(),
                p.packet_type().name().to_lowercase()
            );
            let mut one = vec![ctl | (31 << 3)];
            one.extend_from_slice(&b);
            out.push((name, one));
            stream.extend_from_slice(&b);
        }
        // Client side, fed a byte at a time; and the server side, which wants CONNECT first.
        let mut client = vec![ctl];
        client.extend_from_slice(&stream);
        out.push((format!("{}-stream-bytewise", v.level()), client));
        let mut server = vec![ctl | 4 | (6 << 3)];
        server.extend_from_slice(&stream);
        out.push((format!("{}-stream-server", v.level()), server));
    }
    out
}
