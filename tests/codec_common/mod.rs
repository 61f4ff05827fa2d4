//! Helpers shared by the codec's test files: checking a byte vector both ways,
//! and checking that bytes are rejected with an exact error and reason code.
#![allow(dead_code)]

use bytes::Bytes;
use mqtt_lab::codec::*;

pub const V3: ProtocolVersion = ProtocolVersion::V3_1;
pub const V4: ProtocolVersion = ProtocolVersion::V3_1_1;
pub const V5: ProtocolVersion = ProtocolVersion::V5;

/// Decode, encode and length agree with the vector.
#[track_caller]
pub fn vector(bytes: &[u8], v: ProtocolVersion, expected: Packet) {
    let decoded = Packet::decode(Bytes::copy_from_slice(bytes), v).expect("decodes");
    assert_eq!(decoded, expected);
    let mut out = Vec::new();
    let n = expected.encode(v, &mut out).expect("encodes");
    assert_eq!(out, bytes, "encoding of {expected:?}");
    assert_eq!(n, bytes.len());
    assert_eq!(expected.encoded_len(v), bytes.len());
}

pub fn b(s: &'static [u8]) -> Bytes {
    Bytes::from_static(s)
}

pub fn user(k: &str, v: &str) -> Vec<(String, String)> {
    vec![(k.into(), v.into())]
}

pub fn decode(bytes: &[u8], v: ProtocolVersion) -> Result<Packet, DecodeError> {
    Packet::decode(Bytes::copy_from_slice(bytes), v)
}

/// Asserts that `bytes` fail with exactly `expected`, whose reason code is `code`.
#[track_caller]
pub fn rejects(bytes: &[u8], v: ProtocolVersion, expected: DecodeError, code: u8) {
    let e = decode(bytes, v).expect_err("the packet must be rejected");
    assert_eq!(e, expected, "bytes {bytes:02X?}");
    assert_eq!(e.reason_code(), ReasonCode(code), "reason code of {e:?}");
}
