//! Reading and writing the primitive data types of MQTT (§1.5): integers,
//! Variable Byte Integers, UTF-8 strings and binary data.
//!
//! The reader can record every field it reads (byte range, name, value) into
//! an annotation list; that is how the packet inspector shows a byte-by-byte
//! dissection that is always exactly what the decoder did.

use super::annotate::Field;
use super::error::DecodeError;
use bytes::Bytes;
use core::fmt::Write as _;

/// The largest value a Variable Byte Integer can hold (§1.5.5).
pub const VARINT_MAX: u32 = 268_435_455;

/// A cursor over the bytes of one complete packet.
pub(crate) struct Reader<'a> {
    buf: &'a Bytes,
    pub(crate) pos: usize,
    pub(crate) end: usize,
    trace: Option<&'a mut Vec<Field>>,
    pub(crate) depth: u8,
    /// Where the field read last (or being read) starts: the place to point at
    /// when a check fails.
    pub(crate) last_start: usize,
    /// Whether Variable Byte Integers must be minimal (MQTT 5.0 [MQTT-1.5.5-1]).
    pub(crate) strict_varint: bool,
}

type R<T> = Result<T, DecodeError>;

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a Bytes, trace: Option<&'a mut Vec<Field>>) -> Self {
        Reader {
            buf,
            pos: 0,
            end: buf.len(),
            trace,
            depth: 0,
            last_start: 0,
            strict_varint: false,
        }
    }

    /// Bytes left before the current end.
    #[inline]
    pub(crate) fn remaining(&self) -> usize {
        self.end - self.pos
    }

    #[inline]
    pub(crate) fn tracing(&self) -> bool {
        self.trace.is_some()
    }

    /// Records a field, computing its value text only when tracing.
    #[inline]
    pub(crate) fn note(&mut self, start: usize, name: &str, value: impl FnOnce() -> String) {
        if let Some(t) = self.trace.as_mut() {
            t.push(Field {
                start,
                end: self.pos,
                name: name.to_string(),
                value: value(),
                depth: self.depth,
            });
        }
    }

    #[inline]
    fn need(&mut self, n: usize, field: &'static str) -> R<()> {
        self.last_start = self.pos;
        if self.remaining() < n {
            Err(DecodeError::Truncated {
                field,
                needed: n - self.remaining(),
            })
        } else {
            Ok(())
        }
    }

    /// One byte, not recorded (the caller records it with its own reading).
    #[inline]
    pub(crate) fn raw_u8(&mut self, field: &'static str) -> R<u8> {
        self.need(1, field)?;
        let b = self.buf[self.pos];
        self.pos += 1;
        Ok(b)
    }

    #[inline]
    pub(crate) fn u8(&mut self, field: &'static str) -> R<u8> {
        let start = self.pos;
        let v = self.raw_u8(field)?;
        self.note(start, field, || v.to_string());
        Ok(v)
    }

    #[inline]
    pub(crate) fn raw_u16(&mut self, field: &'static str) -> R<u16> {
        self.need(2, field)?;
        let v = u16::from_be_bytes([self.buf[self.pos], self.buf[self.pos + 1]]);
        self.pos += 2;
        Ok(v)
    }

    #[inline]
    pub(crate) fn u16(&mut self, field: &'static str) -> R<u16> {
        let start = self.pos;
        let v = self.raw_u16(field)?;
        self.note(start, field, || v.to_string());
        Ok(v)
    }

    pub(crate) fn u32(&mut self, field: &'static str) -> R<u32> {
        let start = self.pos;
        self.need(4, field)?;
        let b = &self.buf[self.pos..self.pos + 4];
        let v = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        self.pos += 4;
        self.note(start, field, || v.to_string());
        Ok(v)
    }

    /// A Variable Byte Integer (§1.5.5 / 3.1.1 §2.2.3).
    pub(crate) fn varint(&mut self, field: &'static str) -> R<u32> {
        let start = self.pos;
        self.last_start = start;
        let (v, n) = match read_varint(&self.buf[self.pos..self.end], field)? {
            VarInt::Value(v, n) => (v, n),
            VarInt::Incomplete => {
                return Err(DecodeError::Truncated { field, needed: 1 });
            }
        };
        if self.strict_varint && n > varint_len(v) {
            return Err(DecodeError::VarIntNotMinimal { field });
        }
        self.pos += n;
        self.note(start, field, || {
            format!("{v} ({n} byte{})", if n == 1 { "" } else { "s" })
        });
        Ok(v)
    }

    /// `n` bytes as a slice of the packet (no copy).
    #[inline]
    pub(crate) fn take(&mut self, n: usize, field: &'static str) -> R<Bytes> {
        self.need(n, field)?;
        let b = self.buf.slice(self.pos..self.pos + n);
        self.pos += n;
        Ok(b)
    }

    /// A two-byte length followed by that many bytes, recorded as two fields.
    fn prefixed(&mut self, field: &'static str) -> R<(usize, Bytes)> {
        let start = self.pos;
        let len = self.raw_u16(field)? as usize;
        if self.tracing() {
            self.note(start, &format!("{field} length"), || len.to_string());
        }
        let start = self.pos;
        Ok((start, self.take(len, field)?))
    }

    /// A UTF-8 Encoded String (§1.5.4).
    pub(crate) fn string(&mut self, field: &'static str) -> R<String> {
        let (start, bytes) = self.prefixed(field)?;
        let s = utf8(&bytes, field)?;
        self.note(start, field, || format!("{s:?}"));
        Ok(s.to_owned())
    }

    /// Binary Data (§1.5.6).
    pub(crate) fn binary(&mut self, field: &'static str) -> R<Bytes> {
        let (start, bytes) = self.prefixed(field)?;
        self.note(start, field, || describe_bytes(&bytes));
        Ok(bytes)
    }

    /// Everything up to the current end, as a slice of the packet.
    pub(crate) fn rest(&mut self, field: &'static str) -> Bytes {
        let start = self.pos;
        let b = self.buf.slice(self.pos..self.end);
        self.pos = self.end;
        if !b.is_empty() {
            self.note(start, field, || describe_bytes(&b));
        }
        b
    }
}

/// Checks MQTT's rules for a UTF-8 Encoded String: well-formed UTF-8, which
/// excludes the surrogates U+D800..U+DFFF [MQTT-1.5.4-1], and no U+0000
/// [MQTT-1.5.4-2]. A leading BOM is kept as it is [MQTT-1.5.4-3].
#[inline]
pub(crate) fn utf8<'b>(bytes: &'b [u8], field: &'static str) -> R<&'b str> {
    let s = core::str::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8 { field })?;
    if bytes.contains(&0) {
        return Err(DecodeError::NullCharacter { field });
    }
    Ok(s)
}

/// Whether a topic name holds a wildcard character, which only filters may use.
#[inline]
pub(crate) fn has_wildcard(topic: &str) -> bool {
    topic.bytes().any(|b| b == b'+' || b == b'#')
}

/// Shows bytes as text when they are printable UTF-8, else as hex; long ones cut.
pub fn describe_bytes(b: &[u8]) -> String {
    const SHOW: usize = 64;
    let mut out = String::new();
    let shown = &b[..b.len().min(SHOW)];
    match core::str::from_utf8(b) {
        Ok(s) if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') => {
            let cut: String = s.chars().take(SHOW).collect();
            let _ = write!(out, "{cut:?}");
            if cut.len() < s.len() {
                out.push('…');
            }
        }
        _ => {
            for (i, byte) in shown.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                let _ = write!(out, "{byte:02x}");
            }
            if b.len() > SHOW {
                out.push_str(" …");
            }
        }
    }
    let _ = write!(
        out,
        " ({} byte{})",
        b.len(),
        if b.len() == 1 { "" } else { "s" }
    );
    out
}

/// The outcome of reading a Variable Byte Integer from a prefix of a buffer.
pub(crate) enum VarInt {
    /// The value and the number of bytes it took.
    Value(u32, usize),
    /// The buffer ends before the last byte of the integer.
    Incomplete,
}

/// Reads a Variable Byte Integer at the start of `b` (at most 4 bytes).
#[inline]
pub(crate) fn read_varint(b: &[u8], field: &'static str) -> R<VarInt> {
    let mut value: u32 = 0;
    for i in 0..4 {
        let Some(&byte) = b.get(i) else {
            return Ok(VarInt::Incomplete);
        };
        value |= u32::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            return Ok(VarInt::Value(value, i + 1));
        }
    }
    Err(DecodeError::VarIntTooLong { field })
}

/// The number of bytes the minimal encoding of `v` takes.
#[inline]
pub fn varint_len(v: u32) -> usize {
    match v {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}

/// Appends the minimal Variable Byte Integer encoding of `v` (`v` ≤ [`VARINT_MAX`]).
#[inline]
pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u32) {
    debug_assert!(v <= VARINT_MAX);
    loop {
        let mut byte = (v & 0x7F) as u8;
        v >>= 7;
        if v > 0 {
            byte |= 0x80;
        }
        out.push(byte);
        if v == 0 {
            break;
        }
    }
}

#[inline]
pub(crate) fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

#[inline]
pub(crate) fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends a two-byte length and the bytes. The length was checked by `validate`.
#[inline]
pub(crate) fn put_prefixed(out: &mut Vec<u8>, b: &[u8]) {
    put_u16(out, b.len() as u16);
    out.extend_from_slice(b);
}

/// Checks that a string or binary field fits its two-byte length.
#[inline]
pub(crate) fn check_len(field: &'static str, len: usize) -> Result<(), super::EncodeError> {
    if len > u16::MAX as usize {
        Err(super::EncodeError::FieldTooLong { field, len })
    } else {
        Ok(())
    }
}

/// Checks a string field for the encoder: it fits its length prefix and holds no U+0000.
#[inline]
pub(crate) fn check_str(field: &'static str, s: &str) -> Result<(), super::EncodeError> {
    check_len(field, s.len())?;
    if s.as_bytes().contains(&0) {
        return Err(DecodeError::NullCharacter { field }.into());
    }
    Ok(())
}
