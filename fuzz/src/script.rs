//! The input format of the broker and client targets: a list of steps, read
//! from the fuzzer's bytes, so that one input can interleave bytes on several
//! connections with closes, the passing of time and user commands.
//!
//! Each step starts with an opcode byte. Its low 3 bits are the action and the
//! next 2 bits the connection it applies to (0..=3):
//!
//! | action | meaning | operand |
//! | --- | --- | --- |
//! | 0..=3 | bytes arrive | a length byte `n`, then `n` bytes |
//! | 4 | the transport closes | none |
//! | 5 | a transport opens (broker) / a command (client) | one byte |
//! | 6 | time passes | one byte: that many quarter seconds |
//! | 7 | restart (broker) / disconnect (client) | one byte |
//!
//! Bytes take half the actions so that random inputs mostly carry packets.
//! An input that ends in the middle of a step ends there.

/// One step of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<'a> {
    /// Bytes arrive on connection `conn`.
    Bytes {
        /// Which connection (0..=3).
        conn: usize,
        /// What arrives.
        bytes: &'a [u8],
    },
    /// The transport of `conn` closes.
    Close {
        /// Which connection.
        conn: usize,
    },
    /// Action 5, with its operand.
    Open {
        /// Which connection.
        conn: usize,
        /// The operand.
        arg: u8,
    },
    /// Time moves forward by `quarters` × 250 ms.
    Advance {
        /// Quarter seconds.
        quarters: u8,
    },
    /// Action 7, with its operand.
    Special {
        /// The operand.
        arg: u8,
    },
}

/// Reads steps from the fuzzer's bytes.
pub struct Steps<'a> {
    data: &'a [u8],
}

impl<'a> Steps<'a> {
    /// Steps from `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Steps { data }
    }

    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.data.split_first()?;
        self.data = rest;
        Some(b)
    }
}

impl<'a> Iterator for Steps<'a> {
    type Item = Step<'a>;

    fn next(&mut self) -> Option<Step<'a>> {
        let op = self.byte()?;
        let conn = usize::from((op >> 3) & 3);
        Some(match op & 7 {
            0..=3 => {
                let n = usize::from(self.byte()?).min(self.data.len());
                let (bytes, rest) = self.data.split_at(n);
                self.data = rest;
                Step::Bytes { conn, bytes }
            }
            4 => Step::Close { conn },
            5 => Step::Open {
                conn,
                arg: self.byte()?,
            },
            6 => Step::Advance {
                quarters: self.byte()?,
            },
            _ => Step::Special { arg: self.byte()? },
        })
    }
}

/// Writes scripts (for the seeds and the regression tests).
#[derive(Debug, Default, Clone)]
pub struct Script {
    /// The encoded steps.
    pub bytes: Vec<u8>,
}

impl Script {
    /// An empty script, after `prefix` (the client target's options byte).
    pub fn with_prefix(prefix: &[u8]) -> Self {
        Script {
            bytes: prefix.to_vec(),
        }
    }

    /// Bytes arriving on `conn`, in steps of at most 255 bytes.
    pub fn send(&mut self, conn: usize, bytes: &[u8]) -> &mut Self {
        for chunk in bytes.chunks(255) {
            self.bytes.push(((conn as u8 & 3) << 3) | 1);
            self.bytes.push(chunk.len() as u8);
            self.bytes.extend_from_slice(chunk);
        }
        self
    }

    /// The transport of `conn` closes.
    pub fn close(&mut self, conn: usize) -> &mut Self {
        self.bytes.push(((conn as u8 & 3) << 3) | 4);
        self
    }

    /// Action 5 on `conn` with `arg`.
    pub fn open(&mut self, conn: usize, arg: u8) -> &mut Self {
        self.bytes.extend([((conn as u8 & 3) << 3) | 5, arg]);
        self
    }

    /// Time passes.
    pub fn advance(&mut self, quarters: u8) -> &mut Self {
        self.bytes.extend([6, quarters]);
        self
    }

    /// Action 7 with `arg`.
    pub fn special(&mut self, arg: u8) -> &mut Self {
        self.bytes.extend([7, arg]);
        self
    }
}
