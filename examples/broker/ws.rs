//! The server side of RFC 6455, as much as MQTT over WebSocket needs: the
//! opening handshake and binary frames in both directions.
//!
//! The two directions of a connection run on two threads, so reading and
//! writing are separate here: [`handshake`] answers the upgrade request,
//! [`FrameReader`] turns the client's frames into the bytes they carry, and
//! [`binary_frame`] / [`control_frame`] build the server's frames. Control
//! replies (pong, close) are handed to the writing thread so that only one
//! thread ever writes to the socket.

use std::io::{self, Read};

/// The most a request's headers may take.
const MAX_REQUEST: usize = 8 * 1024;
/// The largest frame accepted. MQTT packets are capped by the broker; a frame
/// may be any size, but buffering an unbounded one is not sensible.
const MAX_FRAME: u64 = 16 * 1024 * 1024;

/// The opening handshake's outcome.
pub struct Upgrade {
    /// The 101 response to send (or a 400 when `ok` is false).
    pub response: Vec<u8>,
    /// Whether the request was a valid WebSocket upgrade.
    pub ok: bool,
    /// The request path, for the log.
    pub path: String,
    /// Bytes that arrived after the request (the start of the first frame).
    pub leftover: Vec<u8>,
}

/// Reads an HTTP upgrade request from `stream` and builds the response. The
/// subprotocol "mqtt" is echoed when the client offers it [MQTT-6.0.0-3]
/// (it must offer it, but clients that omit it are served too).
pub fn handshake(stream: &mut impl Read) -> io::Result<Upgrade> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > MAX_REQUEST {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "request too long",
            ));
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let leftover = buf.split_off(end);
    let text = String::from_utf8_lossy(&buf);
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default();
    let path = parts.next().unwrap_or_default().to_owned();
    let (mut key, mut upgrade, mut version, mut mqtt) = (None, false, false, false);
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "sec-websocket-key" => key = Some(value.to_owned()),
            "upgrade" => upgrade = value.eq_ignore_ascii_case("websocket"),
            "sec-websocket-version" => version = value == "13",
            "sec-websocket-protocol" => {
                mqtt |= value
                    .split(',')
                    .any(|p| p.trim().eq_ignore_ascii_case("mqtt"))
            }
            _ => {}
        }
    }
    let Some(key) = key.filter(|_| method == "GET" && upgrade && version) else {
        let response =
            b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
        return Ok(Upgrade {
            response: response.to_vec(),
            ok: false,
            path,
            leftover,
        });
    };
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let mut response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n"
    );
    if mqtt {
        response.push_str("Sec-WebSocket-Protocol: mqtt\r\n");
    }
    response.push_str("\r\n");
    Ok(Upgrade {
        response: response.into_bytes(),
        ok: true,
        path,
        leftover,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// What a client's frame asks of the server.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming {
    /// Payload bytes of a binary message (or of a continuation of one).
    Data(Vec<u8>),
    /// A ping: answer with this pong frame.
    Ping(Vec<u8>),
    /// The client closes (or broke the framing): send this close frame and stop.
    Close(Vec<u8>),
}

/// Parses the client's frames from the bytes read off the socket.
#[derive(Default)]
pub struct FrameReader {
    buf: Vec<u8>,
}

impl FrameReader {
    /// Starts with the bytes that followed the handshake.
    pub fn new(leftover: Vec<u8>) -> Self {
        FrameReader { buf: leftover }
    }

    /// Adds bytes read from the socket.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete frame, if one is buffered.
    pub fn next(&mut self) -> Option<Incoming> {
        let b = &self.buf;
        if b.len() < 2 {
            return None;
        }
        let (fin, opcode) = (b[0] & 0x80 != 0, b[0] & 0x0F);
        let masked = b[1] & 0x80 != 0;
        let (len, mut at) = match b[1] & 0x7F {
            126 if b.len() >= 4 => (u64::from(u16::from_be_bytes([b[2], b[3]])), 4),
            127 if b.len() >= 10 => (u64::from_be_bytes(b[2..10].try_into().unwrap()), 10),
            126 | 127 => return None,
            n => (u64::from(n), 2),
        };
        // RFC 6455 §5.1: a client's frames are masked; §5.2: no extension was
        // negotiated, so the RSV bits are 0; §5.5: control frames are short and final.
        if !masked || b[0] & 0x70 != 0 || (opcode >= 8 && (len > 125 || !fin)) {
            return Some(Incoming::Close(close_frame(1002)));
        }
        if len > MAX_FRAME {
            return Some(Incoming::Close(close_frame(1009)));
        }
        if b.len() < at + 4 + len as usize {
            return None;
        }
        let mask = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        at += 4;
        let mut frame: Vec<u8> = self.buf.drain(..at + len as usize).skip(at).collect();
        for (i, byte) in frame.iter_mut().enumerate() {
            *byte ^= mask[i % 4];
        }
        Some(match opcode {
            // A fragmented binary message is just more of the byte stream.
            0x0 | 0x2 => Incoming::Data(frame),
            // [MQTT-6.0.0-1]: MQTT goes in binary frames; a text frame closes.
            0x1 => Incoming::Close(close_frame(1003)),
            0x8 => Incoming::Close(close_frame(1000)),
            0x9 => Incoming::Ping(control_frame(0xA, &frame)),
            // An unsolicited pong is ignored.
            0xA => Incoming::Data(Vec::new()),
            _ => Incoming::Close(close_frame(1002)),
        })
    }
}

/// A final, unmasked binary frame (servers do not mask, RFC 6455 §5.1).
pub fn binary_frame(payload: &[u8]) -> Vec<u8> {
    frame(0x2, payload)
}

/// A control frame (payload at most 125 bytes).
pub fn control_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    frame(opcode, payload)
}

/// A close frame with a status code.
pub fn close_frame(code: u16) -> Vec<u8> {
    frame(0x8, &code.to_be_bytes())
}

fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 10);
    out.push(0x80 | opcode);
    match payload.len() {
        n if n < 126 => out.push(n as u8),
        n if n <= 0xFFFF => {
            out.push(126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(opcode: u8, fin: bool, payload: &[u8]) -> Vec<u8> {
        let mask = [1, 2, 3, 4];
        let mut f = frame(opcode, payload);
        if !fin {
            f[0] &= 0x7F;
        }
        let at = f.len() - payload.len();
        f[1] |= 0x80;
        f.splice(at..at, mask);
        for (i, b) in f[at + 4..].iter_mut().enumerate() {
            *b ^= mask[i % 4];
        }
        f
    }

    #[test]
    fn answers_the_rfc_example_key_and_echoes_mqtt() {
        let req = b"GET /mqtt HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
            Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
            Sec-WebSocket-Protocol: mqttv3.1, mqtt\r\n\r\n\x82";
        let up = handshake(&mut &req[..]).unwrap();
        let text = String::from_utf8(up.response).unwrap();
        assert!(up.ok);
        assert!(text.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
        assert!(text.contains("Sec-WebSocket-Protocol: mqtt\r\n"));
        assert_eq!(up.path, "/mqtt");
        assert_eq!(up.leftover, b"\x82");
    }

    #[test]
    fn refuses_a_plain_http_request() {
        let up = handshake(&mut &b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..]).unwrap();
        assert!(!up.ok);
    }

    #[test]
    fn reads_frames_cut_anywhere_and_several_at_once() {
        let long = vec![7u8; 70_000];
        let mut wire = masked(0x2, false, b"ab");
        wire.extend(masked(0x9, true, b"hi"));
        wire.extend(masked(0x0, true, &long));
        for cut in [1, 2, 5, 9, 100, wire.len()] {
            let mut r = FrameReader::default();
            let mut got = Vec::new();
            for chunk in wire.chunks(cut) {
                r.feed(chunk);
                while let Some(f) = r.next() {
                    got.push(f);
                }
            }
            assert_eq!(got.len(), 3, "cut {cut}");
            assert_eq!(got[0], Incoming::Data(b"ab".to_vec()));
            assert_eq!(got[1], Incoming::Ping(control_frame(0xA, b"hi")));
            assert_eq!(got[2], Incoming::Data(long.clone()));
        }
    }

    #[test]
    fn closes_on_unmasked_or_text_frames() {
        let mut r = FrameReader::new(frame(0x2, b"x"));
        assert_eq!(r.next(), Some(Incoming::Close(close_frame(1002))));
        let mut r = FrameReader::new(masked(0x1, true, b"x"));
        assert_eq!(r.next(), Some(Incoming::Close(close_frame(1003))));
    }
}
